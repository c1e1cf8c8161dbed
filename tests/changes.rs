//! Beyond "is it up", over seven simulated nights of the real `catwatch
//! monitor` binary, with a real SMTP server: a Zenodo record gets a new
//! version, a Kaggle data set loses 40% of its bytes, a figshare licence
//! changes, a Hugging Face data set becomes gated, and a dead website has a
//! web-archive copy. The platforms' real host names (zenodo.org,
//! www.kaggle.com, api.figshare.com, huggingface.co, coronacases.org,
//! archive.org) resolve to one TLS front on loopback with a test CA; one
//! wiremock backend answers by Host header and path, in each platform's own
//! shape (sources above each answer).

#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/smtp_sink.rs"]
mod smtp_sink;
#[path = "support/tls.rs"]
mod tls;

use std::process::Command;

use serde_json::{Value, json};
use tokio::runtime::Runtime;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use platforms::{entry_yaml, probe_settings, write_catalog};

use smtp_sink::{SmtpSink, mail};

const HOSTS: &[&str] = &[
    "zenodo.org",
    "www.kaggle.com",
    "api.figshare.com",
    "huggingface.co",
    "coronacases.org",
    "archive.org",
];

/// What the platforms answer on one night.
#[derive(Clone, Copy)]
struct World {
    zenodo_new_version: bool,
    kaggle_bytes: u64,
    figshare_license: &'static str,
    hf_gated: Option<&'static str>,
}

const BEFORE: World = World {
    zenodo_new_version: false,
    kaggle_bytes: 1_000_000,
    figshare_license: "CC BY 4.0",
    hf_gated: None,
};

/// A Zenodo record as `GET /api/records/{id}` answers it, in the legacy
/// serialiser's shape (the same record tests/providers.rs builds from
/// zenodo/zenodo `zenodo/modules/records/serializers/schemas/json.py`).
fn zenodo_record(id: u64, is_last: bool, version: &str, published: &str) -> Value {
    let api = "https://zenodo.org/api";
    json!({
        "created": "2020-04-01T00:00:00.000000+00:00", "modified": "2026-11-01T00:00:00.000000+00:00",
        "updated": "2026-11-01T00:00:00.000000+00:00",
        "id": id, "conceptrecid": "99", "recid": id.to_string(), "revision": 4,
        "doi": format!("10.5281/zenodo.{id}"), "conceptdoi": "10.5281/zenodo.99",
        "title": "COVID-19 CT",
        "metadata": {
            "title": "COVID-19 CT", "doi": format!("10.5281/zenodo.{id}"),
            "publication_date": published, "access_right": "open", "version": version,
            "license": {"id": "cc-by-4.0"},
            "resource_type": {"title": "Dataset", "type": "dataset"},
            "relations": {"version": [{"index": 0, "is_last": is_last,
                "parent": {"pid_type": "recid", "pid_value": "99"}}]}
        },
        "links": {
            "self": format!("{api}/records/{id}"),
            "self_html": format!("https://zenodo.org/records/{id}"),
            "latest": format!("{api}/records/{id}/versions/latest"),
            "latest_html": format!("https://zenodo.org/records/{id}/latest")
        },
        "files": [{"id": "dc2ddb5c-0000-4000-8000-000000000000", "key": "ct.zip", "size": 3738,
            "checksum": "md5:7e47a4d1f3d1b8f8c0a1b2c3d4e5f6a7",
            "links": {"self": format!("{api}/records/{id}/files/ct.zip/content")}}],
        "status": "published", "state": "done", "submitted": true
    })
}

struct Night {
    rt: Runtime,
    server: MockServer,
    _front: tls::TlsFront,
    dir: tempfile::TempDir,
    sink: SmtpSink,
}

impl Night {
    fn new() -> Night {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let server = rt.block_on(MockServer::start());
        let hosts = rt.block_on(tls::real_hosts(dir.path(), HOSTS, *server.address()));
        let sink = SmtpSink::start(&[]);
        std::fs::write(
            dir.path().join("catwatch.toml"),
            format!(
                "catalog = \"catalog\"\n{}\n[policy]\ndead_after_runs = 2\nstale_after_days = 36500\n\n\
                 [state]\npath = \"state/catwatch-state.json\"\n\n\
                 [email]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"plain\"\nallow_plain = true\n\
                 from = \"catwatch <bot@catwatch.test>\"\nto = [\"team@catwatch.test\"]\ntimeout_secs = 5\n",
                probe_settings(&format!("archive_lookup = true\n{}", hosts.probe_lines)),
                sink.port
            ),
        )
        .unwrap();
        let entries = [
            ("zenodo-ct", "https://zenodo.org/records/100"),
            (
                "kaggle-ct",
                "https://www.kaggle.com/datasets/someone/covid-ct",
            ),
            (
                "figshare-ct",
                "https://figshare.com/articles/dataset/covid_ct/12345678",
            ),
            ("hub-xray", "https://huggingface.co/datasets/ns/covid-xray"),
            ("coronacases", "https://coronacases.org/"),
        ];
        let written: Vec<(&str, String)> = entries
            .iter()
            .map(|(id, url)| {
                let yaml = entry_yaml(id, &[(url, "landing")], "");
                // coronacases.org is the survey's reference [2].
                let yaml = if *id == "coronacases" {
                    platforms::with_survey_reference(yaml, 2)
                } else {
                    yaml
                };
                (*id, yaml)
            })
            .collect();
        write_catalog(dir.path(), &written);
        Night {
            rt,
            server,
            _front: hosts.front,
            dir,
            sink,
        }
    }

    fn json(&self, host: &str, at: &str, body: Value) {
        self.rt.block_on(
            Mock::given(method("GET"))
                .and(header("host", host))
                .and(path(at))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&self.server),
        );
    }

    /// The platforms as they answer on a night of `world`.
    fn serve(&self, world: World) {
        self.rt.block_on(self.server.reset());
        // Zenodo: record 100, then outdated by record 101 (versions/latest
        // redirects to it: invenio-drafts-resources `read_latest`).
        self.json(
            "zenodo.org",
            "/api/records/100",
            zenodo_record(100, !world.zenodo_new_version, "1.0", "2020-04-01"),
        );
        if world.zenodo_new_version {
            self.rt.block_on(
                Mock::given(method("GET"))
                    .and(header("host", "zenodo.org"))
                    .and(path("/api/records/100/versions/latest"))
                    .respond_with(
                        ResponseTemplate::new(301)
                            .insert_header("location", "https://zenodo.org/api/records/101")
                            .set_body_json(json!({"status": 301, "message": "Redirecting..."})),
                    )
                    .mount(&self.server),
            );
            self.json(
                "zenodo.org",
                "/api/records/101",
                zenodo_record(101, true, "2.0", "2026-11-02"),
            );
        }
        // Kaggle: kagglesdk `ApiDataset` field names (no captured body was
        // found; assembled as tests/providers.rs does).
        self.json(
            "www.kaggle.com",
            "/api/v1/datasets/view/someone/covid-ct",
            json!({"id": 576013, "ref": "someone/covid-ct", "title": "COVID CT",
                "url": "https://www.kaggle.com/datasets/someone/covid-ct",
                "lastUpdated": "2026-10-01T00:00:00", "currentVersionNumber": 3,
                "licenseName": "CC0: Public Domain", "totalBytes": world.kaggle_bytes,
                "downloadCount": 10, "voteCount": 2, "ownerName": "Someone", "ownerRef": "someone"}),
        );
        // figshare: an article as API v2 `GET /articles/{id}` answers it
        // (docs.figshare.com swagger `ArticleComplete`; the body
        // tests/providers.rs took from a live answer).
        self.json(
            "api.figshare.com",
            "/v2/articles/12345678",
            json!({
                "files": [{"id": 28369770, "name": "ct.zip", "size": 59, "is_link_only": false,
                    "download_url": "https://ndownloader.figshare.com/files/28369770",
                    "supplied_md5": "70e2afd3fd7e336ae478b1e740a5f08e",
                    "computed_md5": "70e2afd3fd7e336ae478b1e740a5f08e", "mimetype": "application/zip"}],
                "authors": [{"id": 97471, "full_name": "A. Author"}], "custom_fields": [],
                "figshare_url": "https://figshare.com/articles/dataset/covid_ct/12345678",
                "version": 1, "status": "public", "size": 59,
                "created_date": "2021-06-10T14:45:37Z", "modified_date": "2026-10-10T14:45:37Z",
                "is_public": true, "is_confidential": false, "is_metadata_record": false,
                "license": {"value": 1, "name": world.figshare_license, "url": "https://creativecommons.org/licenses/"},
                "id": 12345678, "title": "COVID CT", "doi": "10.6084/m9.figshare.12345678.v1",
                "url": "https://api.figshare.com/v2/articles/12345678",
                "published_date": "2021-06-10T14:45:37Z", "defined_type": 3, "defined_type_name": "dataset",
                "url_public_api": "https://api.figshare.com/v2/articles/12345678",
                "url_public_html": "https://figshare.com/articles/dataset/covid_ct/12345678"
            }),
        );
        // The Hub: the wire type of huggingface/huggingface.js
        // packages/hub/src/types/api/api-dataset.ts; `gated` is false,
        // "auto" or "manual".
        let gated = world.hf_gated.map_or(Value::Bool(false), |g| g.into());
        self.json(
            "huggingface.co",
            "/api/datasets/ns/covid-xray",
            json!({
                "_id": "621ffdd236468d709f181e3f", "id": "ns/covid-xray", "author": "ns",
                "sha": "cb2099c76426ff97da7aa591cbd317d91fb5fcb7",
                "lastModified": "2026-10-20T10:00:00.000Z",
                "private": false, "gated": gated, "disabled": false, "downloads": 1000, "likes": 10,
                "cardData": {"license": "cc-by-4.0"},
                "siblings": [{"rfilename": "README.md"}, {"rfilename": "data/train.parquet"}],
                "usedStorage": 52428800
            }),
        );
        // A web site that is gone; its robots.txt too.
        self.rt.block_on(
            Mock::given(method("GET"))
                .and(header("host", "coronacases.org"))
                .respond_with(ResponseTemplate::new(404).set_body_string("<h1>Not Found</h1>"))
                .mount(&self.server),
        );
        // The Wayback Machine's availability API
        // (https://archive.org/help/wayback_api.php, its example answer).
        self.rt.block_on(
            Mock::given(method("GET"))
                .and(header("host", "archive.org"))
                .and(path("/wayback/available"))
                .and(query_param("url", "https://coronacases.org/"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "url": "https://coronacases.org/",
                    "archived_snapshots": {"closest": {"available": true,
                        "url": "http://web.archive.org/web/20240501000000/https://coronacases.org/",
                        "timestamp": "20240501000000", "status": "200"}}
                })))
                .mount(&self.server),
        );
    }

    /// One monitor run on night `n`; the mails it sent.
    fn run(&self, n: u32, world: World) -> Vec<(String, String)> {
        self.serve(world);
        let before = mail(&[&self.sink]).len();
        let out = Command::new(env!("CARGO_BIN_EXE_catwatch"))
            .current_dir(self.dir.path())
            .env_remove("CATWATCH_CONFIG")
            .env_remove("GITHUB_TOKEN")
            .env_remove("CATWATCH_GITHUB_TOKEN")
            .env_remove("SYNAPSE_AUTH_TOKEN")
            .env("KAGGLE_API_TOKEN", "KGAT_scenario")
            .env("CATWATCH_NOW", format!("2026-12-{n:02}T03:00:00Z"))
            .args(["monitor", "--quiet"])
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "night {n}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        mail(&[&self.sink]).split_off(before)
    }

    fn state(&self) -> Value {
        let text =
            std::fs::read_to_string(self.dir.path().join("state/catwatch-state.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

fn one_alert<'a>(night: u32, mails: &'a [(String, String)], needle: &str) -> &'a str {
    assert_eq!(mails.len(), 1, "night {night}: {mails:#?}");
    let (subject, text) = &mails[0];
    assert!(
        text.contains("catwatch has 1 new alert"),
        "night {night}: one alert: {subject}\n{text}"
    );
    assert!(text.contains(needle), "night {night}: {needle}\n{text}");
    text
}

#[test]
fn seven_nights_of_versions_shrinking_licences_gating_and_a_way_back() {
    let night = Night::new();

    let first = night.run(1, BEFORE);
    assert!(
        first.is_empty(),
        "a first night records baselines: {first:#?}"
    );

    let new_version = World {
        zenodo_new_version: true,
        ..BEFORE
    };
    let second = night.run(2, new_version);
    assert_eq!(second.len(), 1, "{second:#?}");
    let text = &second[0].1;
    assert!(
        text.contains("catwatch has 2 new alerts"),
        "the new version and the website's death: {text}"
    );
    assert!(
        text.contains(
            "a newer version exists: 2.0, at https://zenodo.org/records/101, released on 2026-11-02"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "archived copy from 2024-05-01: https://web.archive.org/web/20240501000000/https://coronacases.org/"
        ),
        "{text}"
    );
    let state = night.state();
    assert_eq!(
        state["resources"]["coronacases"]["status"], "dead",
        "an archive copy never makes a resource alive"
    );

    let third = night.run(3, new_version);
    assert!(
        third.is_empty(),
        "an unchanged night sends nothing: {third:#?}"
    );

    let shrunk = World {
        kaggle_bytes: 600_000,
        ..new_version
    };
    one_alert(4, &night.run(4, shrunk), "40% fewer bytes");

    let relicensed = World {
        figshare_license: "CC BY-NC 4.0",
        ..shrunk
    };
    one_alert(
        5,
        &night.run(5, relicensed),
        "the licence changed from CC-BY-4.0 to CC-BY-NC-4.0",
    );

    let gated = World {
        hf_gated: Some("auto"),
        ..relicensed
    };
    one_alert(
        6,
        &night.run(6, gated),
        "access changed from open to agreement",
    );

    let seventh = night.run(7, gated);
    assert!(seventh.is_empty(), "nothing new: {seventh:#?}");

    // The status page says what the mails said, from the state alone.
    let report = Command::new(env!("CARGO_BIN_EXE_catwatch"))
        .current_dir(night.dir.path())
        .env_remove("CATWATCH_CONFIG")
        .env("CATWATCH_NOW", "2026-12-07T04:00:00Z")
        .args(["report", "--format", "markdown"])
        .output()
        .unwrap();
    let markdown = String::from_utf8_lossy(&report.stdout);
    for needle in [
        r"a newer version exists: 2\.0, at https://zenodo\.org/records/101, released on 2026\-11\-02",
        r"archived copy from 2024\-05\-01: [https://web\.archive\.org/web/20240501000000/https://coronacases\.org/](<https://web.archive.org/web/20240501000000/https://coronacases.org/>)",
        "the entry's access is open, the platform declares agreement",
    ] {
        assert!(markdown.contains(needle), "{needle}\n{markdown}");
    }

    let html = Command::new(env!("CARGO_BIN_EXE_catwatch"))
        .current_dir(night.dir.path())
        .env_remove("CATWATCH_CONFIG")
        .env("CATWATCH_NOW", "2026-12-07T04:00:00Z")
        .args(["report", "--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&html.stdout);
    for needle in [
        "archived copy from 2024-05-01: <a href=\"https://web.archive.org/web/20240501000000/https://coronacases.org/\"",
        "the entry&#39;s access is open, the platform declares agreement",
    ] {
        assert!(html.contains(needle), "{needle}");
    }

    // `check`'s JSON report carries the declared facts and the archive copy,
    // valid against the published schema.
    night.serve(gated);
    let checked = Command::new(env!("CARGO_BIN_EXE_catwatch"))
        .current_dir(night.dir.path())
        .env_remove("CATWATCH_CONFIG")
        .env("KAGGLE_API_TOKEN", "KGAT_scenario")
        .env("CATWATCH_NOW", "2026-12-07T05:00:00Z")
        .args(["check", "--no-state", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&checked.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&checked.stderr)));
    let schema: Value =
        serde_json::from_str(include_str!("../schema/check-report.schema.json")).unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path().as_str()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let by_id = |id: &str| {
        report["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_id("coronacases")["archived_copy"]["url"],
        "https://web.archive.org/web/20240501000000/https://coronacases.org/"
    );
    assert_eq!(by_id("figshare-ct")["license"]["id"], "CC-BY-NC-4.0");
    assert_eq!(by_id("kaggle-ct")["manifest"]["bytes"], 600_000);
    assert_eq!(by_id("zenodo-ct")["newer_version"]["label"], "2.0");
    assert_eq!(by_id("hub-xray")["findings"][0]["platform"], "agreement");

    // Small: fingerprints, not file lists.
    let file = night.dir.path().join("state/catwatch-state.json");
    let bytes = std::fs::metadata(&file).unwrap().len();
    let resources = night.state()["resources"].as_object().unwrap().len() as u64;
    assert_eq!(resources, 5);
    assert!(
        bytes / resources < 2048,
        "{bytes} bytes for {resources} resources"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("train.parquet"),
        "no file names in the state"
    );
}
