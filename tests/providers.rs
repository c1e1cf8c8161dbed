//! Each platform provider against a wiremock server on loopback answering in
//! the platform's real JSON shape, through the real engine and the same
//! `gather` that `catwatch check` and `catwatch monitor` use. Configuration is
//! a real catwatch.toml: `[probe] allow = ["127.0.0.0/8"]`, `[endpoints]` at
//! the mock. Tokens travel only over https, so the token tests put real host
//! names (api.github.com, www.kaggle.com) behind a TLS front with a test CA.

#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/tls.rs"]
mod tls;

use std::collections::HashMap;
use std::path::Path;

use catwatch::catalog;
use catwatch::cli::Cli;
use catwatch::commands::check::gather;
use catwatch::config::Config;
use catwatch::observation::{ResourceCheck, Status};
use clap::Parser;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::runtime::Runtime;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use platforms::{endpoints_at, entry_yaml, probe_settings, write_catalog};

/// A timestamp `days` days before now, whole seconds, as platforms write it.
fn days_ago(days: i64) -> String {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days);
    jiff::Timestamp::from_second(at.as_second())
        .unwrap()
        .to_string()
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Loads a Config from `toml` written to `dir/catwatch.toml`, with `env` as
/// the whole environment.
fn config(dir: &Path, toml: &str, env: &[(&str, &str)]) -> Config {
    let file = dir.join("catwatch.toml");
    std::fs::write(&file, format!("catalog = \"catalog\"\n{toml}")).unwrap();
    let cli = Cli::parse_from(["catwatch", "--config", file.to_str().unwrap(), "check"]);
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::load(&cli, |name| env.get(name).cloned()).unwrap()
}

/// Writes one entry per (id, url, role), checks them all, returns results by id.
fn check(config: &Config, urls: &[(&str, &str, &str)]) -> HashMap<String, ResourceCheck> {
    let entries: Vec<(&str, String)> = urls
        .iter()
        .map(|(id, url, role)| (*id, entry_yaml(id, &[(url, role)], "")))
        .collect();
    write_catalog(&config.base_dir, &entries);
    let loaded =
        catalog::load_entries(&config.catalog_dir, catwatch::lint::today(config.now)).unwrap();
    gather(config, &loaded, &HashMap::new(), false)
        .unwrap()
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect()
}

/// Status, reason code and message of one result, for compact assertions.
fn verdict<'a>(
    results: &'a HashMap<String, ResourceCheck>,
    id: &str,
) -> (Status, &'a str, &'a str) {
    let r = &results[id];
    (r.status, r.reason.as_str(), r.message.as_str())
}

fn plain_setup(rt: &Runtime, extra_probe: &str) -> (TempDir, MockServer, Config) {
    let dir = TempDir::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let toml = format!(
        "{}{}",
        probe_settings(extra_probe),
        endpoints_at(&server.uri())
    );
    let config = config(dir.path(), &toml, &[]);
    (dir, server, config)
}

fn mount(rt: &Runtime, server: &MockServer, mock: Mock) {
    rt.block_on(mock.mount(server));
}

fn get_json(rt: &Runtime, server: &MockServer, at: &str, status: u16, body: Value) {
    mount(
        rt,
        server,
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(status).set_body_json(body)),
    );
}

fn github_repo(full_name: &str, archived: bool, disabled: bool) -> Value {
    let (_, name) = full_name.split_once('/').unwrap();
    json!({
        "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": name,
        "full_name": full_name, "private": false,
        "html_url": format!("https://github.com/{full_name}"),
        "archived": archived, "disabled": disabled, "default_branch": "master",
        "pushed_at": "2025-03-01T10:00:00Z", "updated_at": "2026-11-01T00:00:00Z",
        "stargazers_count": 3000
    })
}

fn github_commits(date: &str) -> Value {
    json!([{
        "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
        "commit": {
            "author": {"name": "A", "email": "a@example.org", "date": date},
            "committer": {"name": "A", "email": "a@example.org", "date": date},
            "message": "Update metadata.csv"
        }
    }])
}

#[test]
fn github_rest_success_archived_renamed_deleted_and_blocked() {
    let rt = runtime();
    let (_dir, server, config) = plain_setup(&rt, "");
    get_json(
        &rt,
        &server,
        "/github/repos/someone/chest-xrays",
        200,
        github_repo("someone/chest-xrays", false, false),
    );
    let fresh = days_ago(30);
    get_json(
        &rt,
        &server,
        "/github/repos/someone/chest-xrays/commits",
        200,
        github_commits(&fresh),
    );
    get_json(
        &rt,
        &server,
        "/github/repos/o/archived",
        200,
        github_repo("o/archived", true, false),
    );
    get_json(
        &rt,
        &server,
        "/github/repos/o/archived/commits",
        200,
        github_commits("2021-01-01T00:00:00Z"),
    );
    get_json(
        &rt,
        &server,
        "/github/repos/old/name",
        301,
        json!({"message": "Moved Permanently", "url": format!("{}/github/repositories/42", server.uri()), "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository"}),
    );
    get_json(
        &rt,
        &server,
        "/github/repositories/42",
        200,
        github_repo("new-owner/new-name", false, false),
    );
    get_json(
        &rt,
        &server,
        "/github/repos/new-owner/new-name/commits",
        200,
        github_commits(&days_ago(3)),
    );
    get_json(
        &rt,
        &server,
        "/github/repos/o/deleted",
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository", "status": "404"}),
    );
    get_json(
        &rt,
        &server,
        "/github/repos/o/dmca",
        451,
        json!({"message": "Repository access blocked", "block": {"reason": "dmca", "created_at": "2021-05-01T00:00:00Z"}}),
    );

    let results = check(
        &config,
        &[
            (
                "alive",
                "https://github.com/someone/chest-xrays",
                "repository",
            ),
            ("archived", "https://github.com/o/archived", "repository"),
            ("renamed", "https://github.com/old/name", "repository"),
            ("deleted", "https://github.com/o/deleted", "repository"),
            ("dmca", "https://github.com/o/dmca", "repository"),
        ],
    );
    let alive = &results["alive"];
    assert_eq!((alive.status, alive.reason.as_str()), (Status::Ok, "alive"));
    assert_eq!(alive.last_updated.unwrap().to_string(), fresh);
    assert_eq!(
        alive.last_updated_source.as_deref(),
        Some("github:commits[0].commit.committer.date")
    );
    assert_eq!(alive.http_status, Some(200));
    assert_eq!(verdict(&results, "archived").0, Status::Archived);
    assert_eq!(verdict(&results, "archived").1, "github-archived");
    let renamed = &results["renamed"];
    assert_eq!(
        (renamed.status, renamed.reason.as_str()),
        (Status::Moved, "github-renamed")
    );
    assert_eq!(
        renamed.moved_to.as_deref(),
        Some("https://github.com/new-owner/new-name")
    );
    assert_eq!(
        (
            verdict(&results, "deleted").0,
            verdict(&results, "deleted").1
        ),
        (Status::Dead, "github-not-found")
    );
    assert_eq!(results["deleted"].http_status, Some(404));
    assert_eq!(
        (verdict(&results, "dmca").0, verdict(&results, "dmca").1),
        (Status::Dead, "github-legal-block")
    );
}

#[test]
fn github_rate_limit_is_unknown_never_dead_and_pauses_the_api() {
    let rt = runtime();
    let (_dir, server, config) = plain_setup(&rt, "per_host_concurrency = 1\n");
    mount(
        &rt,
        &server,
        Mock::given(method("GET")).respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "60")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "1800000000")
                .set_body_json(json!({"message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit.)", "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"})),
        ),
    );
    let results = check(
        &config,
        &[
            ("one", "https://github.com/o/one", "repository"),
            ("two", "https://github.com/o/two", "repository"),
            ("three", "https://github.com/o/three", "repository"),
        ],
    );
    for id in ["one", "two", "three"] {
        assert_eq!(verdict(&results, id).0, Status::Unknown, "{id}");
        assert_eq!(verdict(&results, id).1, "rate-limited", "{id}");
    }
    assert!(
        verdict(&results, "one")
            .2
            .contains("until 2027-01-15T08:00:00Z"),
        "{}",
        verdict(&results, "one").2
    );
    let sent = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(
        sent.len(),
        1,
        "the API is paused after the first rate limit"
    );
}

fn zenodo_record(id: u64, concept: u64, modified: &str, is_latest: bool, base: &str) -> Value {
    json!({
        "id": id, "conceptrecid": concept.to_string(), "recid": id.to_string(),
        "created": "2020-04-01T00:00:00+00:00", "modified": modified, "updated": modified,
        "status": "published", "doi": format!("10.5281/zenodo.{id}"),
        "metadata": {"title": "COVID-19 CT", "publication_date": "2020-04-01", "version": "1"},
        "links": {
            "self": format!("{base}/zenodo/api/records/{id}"),
            "self_html": format!("https://zenodo.org/records/{id}"),
            "latest": format!("{base}/zenodo/api/records/{id}/versions/latest")
        },
        "versions": {"is_latest": is_latest, "index": 1}
    })
}

#[test]
fn zenodo_records_concepts_versions_deletions_and_rate_limits() {
    let rt = runtime();
    let (_dir, server, config) = plain_setup(&rt, "");
    let base = server.uri();
    get_json(
        &rt,
        &server,
        "/zenodo/api/records/3757476",
        200,
        zenodo_record(
            3757476,
            3757475,
            "2024-05-02T10:00:00.123456+00:00",
            true,
            &base,
        ),
    );
    // A concept id redirects to its latest version.
    mount(
        &rt,
        &server,
        Mock::given(method("GET"))
            .and(path("/zenodo/api/records/200"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", format!("{base}/zenodo/api/records/202")),
            ),
    );
    get_json(
        &rt,
        &server,
        "/zenodo/api/records/202",
        200,
        zenodo_record(202, 200, &days_ago(60), true, &base),
    );
    // An old version: links.latest leads to the newest.
    get_json(
        &rt,
        &server,
        "/zenodo/api/records/301",
        200,
        zenodo_record(301, 300, "2020-05-05T00:00:00+00:00", false, &base),
    );
    mount(
        &rt,
        &server,
        Mock::given(method("GET"))
            .and(path("/zenodo/api/records/301/versions/latest"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", format!("{base}/zenodo/api/records/305")),
            ),
    );
    get_json(
        &rt,
        &server,
        "/zenodo/api/records/305",
        200,
        zenodo_record(305, 300, &days_ago(20), true, &base),
    );
    get_json(
        &rt,
        &server,
        "/zenodo/api/records/400",
        410,
        json!({"status": 410, "message": "The record has been deleted."}),
    );
    mount(
        &rt,
        &server,
        Mock::given(method("GET"))
            .and(path("/zenodo/api/records/500"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "30")
                    .insert_header("x-ratelimit-limit", "60")
                    .insert_header("x-ratelimit-remaining", "0"),
            ),
    );

    let results = check(
        &config,
        &[
            ("record", "https://zenodo.org/records/3757476", "download"),
            ("concept", "https://zenodo.org/records/200", "download"),
            ("old-version", "https://zenodo.org/records/301", "download"),
            ("deleted", "https://zenodo.org/records/400", "download"),
            ("limited", "https://zenodo.org/records/500", "download"),
        ],
    );
    let record = &results["record"];
    assert_eq!(
        (record.status, record.reason.as_str()),
        (Status::Stale, "last-update-too-old")
    );
    assert_eq!(
        record.last_updated.unwrap().to_string(),
        "2024-05-02T10:00:00.123456Z"
    );
    assert_eq!(
        record.last_updated_source.as_deref(),
        Some("zenodo:modified")
    );
    let concept = &results["concept"];
    assert_eq!(concept.status, Status::Ok);
    assert!(
        concept.observations[0]
            .evidence
            .contains(&"concept record 200 resolves to its latest version 202".to_owned())
    );
    let old = &results["old-version"];
    assert_eq!(old.status, Status::Ok);
    assert!(
        old.message
            .ends_with("; a newer version exists: https://zenodo.org/records/305"),
        "{}",
        old.message
    );
    assert_eq!(
        old.last_updated_source.as_deref(),
        Some("zenodo:latest.modified")
    );
    assert_eq!(verdict(&results, "deleted").0, Status::Dead);
    assert_eq!(verdict(&results, "deleted").1, "zenodo-deleted");
    assert_eq!(
        verdict(&results, "deleted").2,
        "https://zenodo.org/records/400: The record has been deleted."
    );
    assert_eq!(verdict(&results, "limited").0, Status::Unknown);
    assert_eq!(verdict(&results, "limited").1, "rate-limited");
}

#[test]
fn figshare_and_hugging_face() {
    let rt = runtime();
    let (_dir, server, config) = plain_setup(&rt, "");
    get_json(
        &rt,
        &server,
        "/figshare/v2/articles/12345",
        200,
        json!({
            "id": 12345, "title": "COVID-19 X-ray", "doi": "10.6084/m9.figshare.12345.v2", "version": 2,
            "published_date": "2020-06-01T10:00:00Z", "modified_date": "2021-02-03T04:05:06Z", "created_date": "2020-05-30T00:00:00Z"
        }),
    );
    get_json(
        &rt,
        &server,
        "/figshare/v2/articles/999",
        404,
        json!({"message": "Entity not found: article", "code": "EntityNotFound"}),
    );
    get_json(
        &rt,
        &server,
        "/hf/api/datasets/ns/xray",
        200,
        json!({
            "_id": "6512", "id": "ns/xray", "author": "ns", "sha": "abc", "lastModified": days_ago(100),
            "private": false, "gated": "manual", "disabled": false, "downloads": 10, "likes": 2, "createdAt": "2023-01-01T00:00:00.000Z"
        }),
    );
    get_json(
        &rt,
        &server,
        "/hf/api/datasets/ns/missing",
        401,
        json!({"error": "Invalid username or password."}),
    );
    get_json(
        &rt,
        &server,
        "/hf/api/datasets/ns/disabled",
        200,
        json!({"id": "ns/disabled", "private": false, "gated": false, "disabled": true, "lastModified": "2024-01-01T00:00:00.000Z"}),
    );
    get_json(
        &rt,
        &server,
        "/hf/api/datasets/ns/renamed",
        200,
        json!({"id": "other/ct-scans", "private": false, "gated": false, "disabled": false, "lastModified": "2025-01-01T00:00:00.000Z"}),
    );

    let results = check(
        &config,
        &[
            (
                "fig",
                "https://figshare.com/articles/dataset/12345",
                "download",
            ),
            (
                "fig-gone",
                "https://figshare.com/articles/dataset/999",
                "download",
            ),
            ("hf", "https://huggingface.co/datasets/ns/xray", "download"),
            (
                "hf-missing",
                "https://huggingface.co/datasets/ns/missing",
                "download",
            ),
            (
                "hf-disabled",
                "https://huggingface.co/datasets/ns/disabled",
                "download",
            ),
            (
                "hf-renamed",
                "https://huggingface.co/datasets/ns/renamed",
                "download",
            ),
        ],
    );
    assert_eq!(results["fig"].status, Status::Stale, "modified in 2021");
    assert_eq!(
        results["fig"].last_updated_source.as_deref(),
        Some("figshare:modified_date")
    );
    assert_eq!(
        (
            verdict(&results, "fig-gone").0,
            verdict(&results, "fig-gone").1
        ),
        (Status::Dead, "http-404")
    );
    assert_eq!(results["hf"].status, Status::Ok);
    assert_eq!(
        results["hf"].last_updated_source.as_deref(),
        Some("huggingface:lastModified")
    );
    assert!(results["hf"].observations[0].evidence[0].starts_with("gated=manual"));
    assert_eq!(
        (
            verdict(&results, "hf-missing").0,
            verdict(&results, "hf-missing").1
        ),
        (Status::Dead, "huggingface-not-found")
    );
    assert_eq!(
        (
            verdict(&results, "hf-disabled").0,
            verdict(&results, "hf-disabled").1
        ),
        (Status::Dead, "huggingface-disabled")
    );
    assert_eq!(
        (
            verdict(&results, "hf-renamed").0,
            verdict(&results, "hf-renamed").1
        ),
        (Status::Moved, "huggingface-renamed")
    );
    assert_eq!(
        results["hf-renamed"].moved_to.as_deref(),
        Some("https://huggingface.co/datasets/other/ct-scans")
    );
}

#[test]
fn gitlab_osf_and_dataverse() {
    let rt = runtime();
    let (_dir, server, config) = plain_setup(&rt, "");
    let project = |path: &str, archived: bool, marked: Option<&str>| {
        json!({"id": 7, "path_with_namespace": path, "web_url": format!("https://gitlab.com/{path}"),
               "archived": archived, "marked_for_deletion_at": marked, "last_activity_at": days_ago(5)})
    };
    get_json(
        &rt,
        &server,
        "/gitlab/api/v4/projects/group%2Fct",
        200,
        project("group/ct", false, None),
    );
    get_json(
        &rt,
        &server,
        "/gitlab/api/v4/projects/group%2Fold",
        200,
        project("group/old", true, None),
    );
    get_json(
        &rt,
        &server,
        "/gitlab/api/v4/projects/group%2Fbye",
        200,
        project("group/bye", false, Some("2026-12-01")),
    );
    get_json(
        &rt,
        &server,
        "/gitlab/api/v4/projects/group%2Fnone",
        404,
        json!({"message": "404 Project Not Found"}),
    );
    // OSF writes its dates without an offset (UTC), with microseconds.
    let osf_date = format!("{}.123456", days_ago(40).trim_end_matches('Z'));
    let node = |id: &str, withdrawn: bool| {
        json!({"data": {"id": id, "type": "nodes", "attributes": {"title": "CT", "date_created": "2020-04-01T00:00:00.000000",
               "date_modified": &osf_date, "withdrawn": withdrawn, "public": true}}})
    };
    get_json(
        &rt,
        &server,
        "/osf/v2/nodes/abcde/",
        200,
        node("abcde", false),
    );
    get_json(
        &rt,
        &server,
        "/osf/v2/nodes/gone1/",
        410,
        json!({"errors": [{"detail": "The requested node is no longer available."}]}),
    );
    get_json(
        &rt,
        &server,
        "/osf/v2/nodes/regis/",
        404,
        json!({"errors": [{"detail": "Not found."}]}),
    );
    get_json(
        &rt,
        &server,
        "/osf/v2/registrations/regis/",
        200,
        node("regis", true),
    );
    get_json(
        &rt,
        &server,
        "/osf/v2/nodes/privt/",
        403,
        json!({"errors": [{"detail": "You do not have permission to perform this action."}]}),
    );
    let dataset = |state: &str| {
        json!({"status": "OK", "data": {"id": 1, "identifier": "DVN/ABC123", "persistentUrl": "https://doi.org/10.7910/DVN/ABC123",
               "latestVersion": {"versionNumber": 2, "versionState": state, "lastUpdateTime": "2015-04-20T09:58:35Z",
                                 "releaseTime": "2015-04-20T09:58:35Z", "deaccessionNote": "Withdrawn at the authors' request"}}})
    };
    mount(
        &rt,
        &server,
        Mock::given(method("GET"))
            .and(path("/dataverse/api/datasets/:persistentId/"))
            .and(query_param("persistentId", "doi:10.7910/DVN/ABC123"))
            .and(query_param("includeDeaccessioned", "true"))
            .respond_with(ResponseTemplate::new(200).set_body_json(dataset("RELEASED"))),
    );
    mount(
        &rt,
        &server,
        Mock::given(method("GET"))
            .and(path("/dataverse/api/datasets/:persistentId/"))
            .and(query_param("persistentId", "doi:10.7910/DVN/GONE"))
            .respond_with(ResponseTemplate::new(200).set_body_json(dataset("DEACCESSIONED"))),
    );

    let results = check(
        &config,
        &[
            ("gl", "https://gitlab.com/group/ct", "repository"),
            ("gl-archived", "https://gitlab.com/group/old", "repository"),
            ("gl-marked", "https://gitlab.com/group/bye", "repository"),
            ("gl-gone", "https://gitlab.com/group/none", "repository"),
            ("osf", "https://osf.io/abcde/", "landing"),
            ("osf-deleted", "https://osf.io/gone1/", "landing"),
            ("osf-withdrawn", "https://osf.io/regis/", "landing"),
            ("osf-private", "https://osf.io/privt/", "landing"),
            (
                "dv-missing",
                "https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/NOPE",
                "landing",
            ),
            (
                "dv",
                "https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/ABC123",
                "landing",
            ),
            (
                "dv-gone",
                "https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/GONE",
                "landing",
            ),
        ],
    );
    assert_eq!(results["gl"].status, Status::Ok);
    assert_eq!(
        results["gl"].last_updated_source.as_deref(),
        Some("gitlab:last_activity_at")
    );
    assert_eq!(
        (
            verdict(&results, "gl-archived").0,
            verdict(&results, "gl-archived").1
        ),
        (Status::Archived, "gitlab-archived")
    );
    assert_eq!(
        (
            verdict(&results, "gl-marked").0,
            verdict(&results, "gl-marked").1
        ),
        (Status::Dead, "gitlab-marked-for-deletion")
    );
    assert_eq!(
        (
            verdict(&results, "gl-gone").0,
            verdict(&results, "gl-gone").1
        ),
        (Status::Dead, "http-404")
    );
    assert_eq!(results["osf"].status, Status::Ok);
    assert_eq!(
        results["osf"].last_updated.unwrap().to_string(),
        format!("{osf_date}Z")
    );
    assert_eq!(
        (
            verdict(&results, "osf-deleted").0,
            verdict(&results, "osf-deleted").1
        ),
        (Status::Dead, "osf-deleted")
    );
    assert_eq!(
        (
            verdict(&results, "osf-withdrawn").0,
            verdict(&results, "osf-withdrawn").1
        ),
        (Status::Dead, "osf-withdrawn")
    );
    assert_eq!(
        (
            verdict(&results, "osf-private").0,
            verdict(&results, "osf-private").1
        ),
        (Status::Blocked, "access-denied"),
        "a private project is behind a login, not gone"
    );
    assert_eq!(
        (
            verdict(&results, "dv-missing").0,
            verdict(&results, "dv-missing").1
        ),
        (Status::Dead, "http-404")
    );
    assert_eq!(results["dv"].status, Status::Stale, "updated in 2015");
    assert_eq!(
        results["dv"].last_updated_source.as_deref(),
        Some("dataverse:latestVersion.lastUpdateTime")
    );
    assert_eq!(
        verdict(&results, "dv-gone"),
        (
            Status::Dead,
            "dataverse-deaccessioned",
            "https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/GONE: the dataset was deaccessioned: Withdrawn at the authors' request"
        )
    );
}

fn datacite(doi: &str, state: &str, active: bool, newer: Option<&str>) -> Value {
    let related: Vec<Value> = newer
        .map(|n| json!({"relationType": "IsPreviousVersionOf", "relatedIdentifier": n, "relatedIdentifierType": "DOI"}))
        .into_iter()
        .collect();
    json!({"data": {"id": doi, "type": "dois", "attributes": {
        "doi": doi, "state": state, "isActive": active, "url": "https://data.mendeley.com/datasets/x",
        "created": "2020-05-01T00:00:00.000Z", "registered": "2020-05-01T00:00:00.000Z", "updated": "2022-02-02T02:02:02.000Z",
        "relatedIdentifiers": related
    }}})
}

#[test]
fn datacite_dates_mendeley_versions_and_inactive_dois() {
    let rt = runtime();
    let (_dir, server, config) = plain_setup(&rt, "");
    get_json(
        &rt,
        &server,
        "/datacite/dois/10.17632/abcd1234ef.4",
        200,
        datacite(
            "10.17632/abcd1234ef.4",
            "findable",
            true,
            Some("10.17632/abcd1234ef.5"),
        ),
    );
    get_json(
        &rt,
        &server,
        "/datacite/dois/10.17632/inactive00.1",
        200,
        datacite("10.17632/inactive00.1", "registered", false, None),
    );
    let results = check(
        &config,
        &[
            (
                "mendeley",
                "https://data.mendeley.com/datasets/abcd1234ef/4",
                "download",
            ),
            (
                "inactive",
                "https://data.mendeley.com/datasets/inactive00/1",
                "download",
            ),
        ],
    );
    let mendeley = &results["mendeley"];
    assert_eq!(mendeley.status, Status::Stale, "updated in 2022");
    assert_eq!(
        mendeley.last_updated_source.as_deref(),
        Some("datacite:attributes.updated")
    );
    assert!(
        mendeley
            .message
            .ends_with("; a newer version exists: https://data.mendeley.com/datasets/abcd1234ef/5"),
        "{}",
        mendeley.message
    );
    assert_eq!(
        (
            verdict(&results, "inactive").0,
            verdict(&results, "inactive").1
        ),
        (Status::Dead, "datacite-inactive")
    );
}

#[test]
fn kaggle_without_credentials_is_unknown_and_sends_nothing() {
    let rt = runtime();
    let (_dir, server, config) = plain_setup(&rt, "");
    let results = check(
        &config,
        &[(
            "kaggle",
            "https://www.kaggle.com/datasets/someone/xray-images",
            "landing",
        )],
    );
    assert_eq!(
        verdict(&results, "kaggle"),
        (
            Status::Unknown,
            "needs-credentials",
            "https://www.kaggle.com/datasets/someone/xray-images: the platform's API needs credentials: set KAGGLE_USERNAME and KAGGLE_KEY"
        )
    );
    assert!(rt.block_on(server.received_requests()).unwrap().is_empty());
}

/// Answers a GitHub GraphQL batch: every alias in the query gets a repository,
/// except names starting with "gone" (NOT_FOUND) and "moved" (another name).
fn graphql_answer(request: &wiremock::Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let variables = body["variables"].as_object().unwrap();
    let mut data = serde_json::Map::new();
    let mut errors = Vec::new();
    for i in 0.. {
        let (Some(owner), Some(name)) = (
            variables.get(&format!("o{i}")),
            variables.get(&format!("n{i}")),
        ) else {
            break;
        };
        let (owner, name) = (owner.as_str().unwrap(), name.as_str().unwrap());
        let alias = format!("r{i}");
        if name.starts_with("gone") {
            data.insert(alias.clone(), Value::Null);
            errors.push(json!({"type": "NOT_FOUND", "path": [alias], "locations": [{"line": 1, "column": 2}],
                "message": format!("Could not resolve to a Repository with the name '{owner}/{name}'.")}));
        } else {
            let full = if name.starts_with("moved") {
                format!("{owner}/renamed-{name}")
            } else {
                format!("{owner}/{name}")
            };
            data.insert(alias, json!({"nameWithOwner": full, "isArchived": name.starts_with("arch"), "isDisabled": false,
                "pushedAt": "2026-01-01T00:00:00Z", "defaultBranchRef": {"target": {"committedDate": days_ago(1)}}}));
        }
    }
    let mut answer = json!({"data": data});
    if !errors.is_empty() {
        answer["errors"] = Value::Array(errors);
    }
    ResponseTemplate::new(200)
        .insert_header("x-ratelimit-remaining", "4990")
        .set_body_json(answer)
}

/// A TLS front with a test CA for `hosts`, each resolved to it.
struct TlsHost {
    front: tls::TlsFront,
    resolve: Vec<String>,
}

async fn tls_host(ca: &tls::TestCa, hosts: &[&str], backend: &MockServer) -> TlsHost {
    let front =
        tls::TlsFront::start(&ca.leaf(hosts, tls::Validity::Good), *backend.address()).await;
    let resolve = hosts.iter().map(|h| front.resolve_entry(h)).collect();
    TlsHost { front, resolve }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn with_a_token_n_repositories_cost_ceil_n_over_50_graphql_requests() {
    let rt = runtime();
    let dir = TempDir::new().unwrap();
    let ca = tls::TestCa::new("catwatch providers test CA");
    let ca_pem = ca.write_pem(dir.path());
    let github = rt.block_on(MockServer::start());
    mount(
        &rt,
        &github,
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(graphql_answer),
    );
    let host = rt.block_on(tls_host(&ca, &["api.github.com"], &github));
    let toml = format!(
        "{}resolve = [{}]\nextra_root_certs = [\"{}\"]\n[endpoints]\ngithub_api = \"https://api.github.com\"\n",
        probe_settings(""),
        quoted(&host.resolve),
        ca_pem.display()
    );
    let config = config(
        dir.path(),
        &toml,
        &[("CATWATCH_GITHUB_TOKEN", "ghp_canary_token_123")],
    );
    let n: usize = 120;
    let names: Vec<String> = (0..n)
        .map(|i| match i {
            0..=4 => format!("gone-{i}"),
            5 => "moved-x".into(),
            6 => "arch-y".into(),
            _ => format!("repo-{i}"),
        })
        .collect();
    let ids: Vec<String> = (0..n).map(|i| format!("gh-{i}")).collect();
    let urls: Vec<String> = names
        .iter()
        .map(|name| format!("https://github.com/owner/{name}"))
        .collect();
    let rows: Vec<(&str, &str, &str)> = ids
        .iter()
        .zip(&urls)
        .map(|(id, url)| (id.as_str(), url.as_str(), "repository"))
        .collect();
    let results = check(&config, &rows);

    let sent = rt.block_on(github.received_requests()).unwrap();
    assert_eq!(sent.len(), n.div_ceil(50), "ceil(120/50) = 3 requests");
    assert!(sent.len() <= n.div_ceil(50) + 1);
    for request in &sent {
        assert_eq!(request.method.as_str(), "POST");
        assert_eq!(
            request.headers.get("authorization").unwrap(),
            "Bearer ghp_canary_token_123"
        );
    }
    assert!(host.front.handshakes() >= 1);
    assert_eq!(
        (verdict(&results, "gh-0").0, verdict(&results, "gh-0").1),
        (Status::Dead, "github-not-found")
    );
    assert!(
        verdict(&results, "gh-0")
            .2
            .contains("Could not resolve to a Repository")
    );
    assert_eq!(
        results["gh-5"].moved_to.as_deref(),
        Some("https://github.com/owner/renamed-moved-x")
    );
    assert_eq!(results["gh-6"].status, Status::Archived);
    let ok = &results["gh-100"];
    assert_eq!(ok.status, Status::Ok);
    assert_eq!(
        ok.last_updated_source.as_deref(),
        Some("github:defaultBranchRef.target.committedDate")
    );
    assert_eq!(
        results.values().filter(|r| r.status == Status::Ok).count(),
        n - 7
    );
}

#[test]
fn tokens_reach_only_the_host_they_belong_to() {
    let rt = runtime();
    let dir = TempDir::new().unwrap();
    let ca = tls::TestCa::new("catwatch token test CA");
    let ca_pem = ca.write_pem(dir.path());
    // Each host has its own server, so each one's request log shows what it got.
    let github = rt.block_on(MockServer::start());
    let kaggle = rt.block_on(MockServer::start());
    let zenodo = rt.block_on(MockServer::start());
    let website = rt.block_on(MockServer::start());
    mount(
        &rt,
        &github,
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(graphql_answer),
    );
    get_json(
        &rt,
        &kaggle,
        "/api/v1/datasets/view/owner/xray",
        200,
        json!({
            "id": 576013, "ref": "owner/xray", "title": "X-ray", "lastUpdated": days_ago(50),
            "currentVersionNumber": 5, "isPrivate": false, "licenseName": "CC BY 4.0"
        }),
    );
    get_json(
        &rt,
        &kaggle,
        "/api/v1/datasets/view/owner/deleted",
        404,
        json!({"code": 404, "message": "Not found"}),
    );
    // An authenticated request never follows a redirect, least of all to another host.
    mount(
        &rt,
        &kaggle,
        Mock::given(method("GET"))
            .and(path("/api/v1/datasets/view/owner/redirected"))
            .respond_with(
                ResponseTemplate::new(302).insert_header("location", "https://example.org/steal"),
            ),
    );
    get_json(
        &rt,
        &zenodo,
        "/api/records/1",
        200,
        zenodo_record(1, 0, &days_ago(9), true, "https://zenodo.org"),
    );
    mount(
        &rt,
        &website,
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>ok</html>")),
    );
    mount(
        &rt,
        &website,
        Mock::given(method("HEAD")).respond_with(ResponseTemplate::new(200)),
    );
    let gh = rt.block_on(tls_host(&ca, &["api.github.com"], &github));
    let kg = rt.block_on(tls_host(&ca, &["www.kaggle.com"], &kaggle));
    // A look-alike of the GitHub API host, served by the website backend.
    let evil = rt.block_on(tls_host(
        &ca,
        &["api.github.com.evil.test", "example.org"],
        &website,
    ));
    let resolve: Vec<String> = [gh.resolve, kg.resolve, evil.resolve].concat();
    let toml = format!(
        "{}resolve = [{}]\nextra_root_certs = [\"{}\"]\n[endpoints]\ngithub_api = \"https://api.github.com\"\n\
         kaggle_api = \"https://www.kaggle.com/api/v1\"\nzenodo_api = \"{}/api\"\n",
        probe_settings(""),
        quoted(&resolve),
        ca_pem.display(),
        zenodo.uri()
    );
    let config = config(
        dir.path(),
        &toml,
        &[
            ("GITHUB_TOKEN", "ghp_canary_token_456"),
            ("KAGGLE_USERNAME", "catwatch"),
            ("KAGGLE_KEY", "kaggle_canary_key"),
        ],
    );
    let results = check(
        &config,
        &[
            ("gh", "https://github.com/owner/repo", "repository"),
            (
                "kg",
                "https://www.kaggle.com/datasets/owner/xray",
                "landing",
            ),
            (
                "kg-deleted",
                "https://www.kaggle.com/datasets/owner/deleted",
                "landing",
            ),
            (
                "kg-redirected",
                "https://www.kaggle.com/datasets/owner/redirected",
                "landing",
            ),
            ("zen", "https://zenodo.org/records/1", "download"),
            ("site", "https://example.org/covid", "landing"),
            (
                "lookalike",
                "https://api.github.com.evil.test/repos/owner/repo",
                "landing",
            ),
        ],
    );
    assert_eq!(results["gh"].status, Status::Ok);
    assert_eq!(results["kg"].status, Status::Ok);
    assert_eq!(
        results["kg"].last_updated_source.as_deref(),
        Some("kaggle:lastUpdated")
    );
    assert_eq!(
        (
            verdict(&results, "kg-deleted").0,
            verdict(&results, "kg-deleted").1
        ),
        (Status::Dead, "kaggle-not-found")
    );
    assert_eq!(
        (
            verdict(&results, "kg-redirected").0,
            verdict(&results, "kg-redirected").1
        ),
        (Status::Failing, "http-302")
    );
    assert_eq!(results["zen"].status, Status::Ok);
    assert_eq!(results["site"].status, Status::Ok);
    assert_eq!(results["lookalike"].status, Status::Ok);

    let auth = |server: &MockServer| -> Vec<Option<String>> {
        rt.block_on(server.received_requests())
            .unwrap()
            .iter()
            .map(|r| {
                r.headers
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned())
            })
            .collect()
    };
    assert_eq!(
        auth(&github),
        vec![Some("Bearer ghp_canary_token_456".to_owned())]
    );
    let basic = "Basic Y2F0d2F0Y2g6a2FnZ2xlX2NhbmFyeV9rZXk="; // catwatch:kaggle_canary_key
    assert_eq!(auth(&kaggle), vec![Some(basic.to_owned()); 3]);
    let zen = auth(&zenodo);
    assert!(
        !zen.is_empty() && zen.iter().all(Option::is_none),
        "{zen:?}"
    );
    for server in [&github, &kaggle, &zenodo, &website] {
        for request in rt.block_on(server.received_requests()).unwrap() {
            assert!(
                !request.url.as_str().contains("canary"),
                "no token in a URL: {}",
                request.url
            );
        }
    }
    let stolen = rt.block_on(website.received_requests()).unwrap();
    assert!(
        stolen.iter().all(|r| r.url.path() != "/steal"),
        "the redirect of an authenticated request is not followed"
    );
    let site = auth(&website);
    assert!(
        site.len() >= 2 && site.iter().all(Option::is_none),
        "{site:?}"
    );
}

#[test]
fn a_token_is_not_sent_to_a_plain_http_api() {
    let rt = runtime();
    let dir = TempDir::new().unwrap();
    let server = rt.block_on(MockServer::start());
    get_json(
        &rt,
        &server,
        "/github/repos/o/r",
        200,
        github_repo("o/r", false, false),
    );
    get_json(
        &rt,
        &server,
        "/github/repos/o/r/commits",
        200,
        github_commits(&days_ago(7)),
    );
    let toml = format!("{}{}", probe_settings(""), endpoints_at(&server.uri()));
    let config = config(
        dir.path(),
        &toml,
        &[("GITHUB_TOKEN", "ghp_canary_token_789")],
    );
    let results = check(&config, &[("r", "https://github.com/o/r", "repository")]);
    assert_eq!(results["r"].status, Status::Ok);
    let sent = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(
        sent.len(),
        2,
        "REST, anonymously: the repository and its last commit"
    );
    assert!(
        sent.iter()
            .all(|r| r.headers.get("authorization").is_none())
    );
}
