//! The imaging platforms (TCIA, Grand Challenge, PhysioNet, Synapse and the
//! Registry of Open Data on AWS with its S3 buckets) under their real host
//! names: every host is resolved to a TLS front on loopback with a test CA,
//! and no `[endpoints]` are set, so catwatch asks exactly the addresses it
//! asks in production. One wiremock backend answers for all of them, told
//! apart by the `Host` header where paths could meet.
//!
//! For each platform: a live resource (status, date, version, size), a
//! withdrawn one, a restricted one and a rate-limited answer. Every answer
//! names the document its shape comes from.

#[path = "support/imaging_answers.rs"]
mod imaging_answers;
#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/tls.rs"]
mod tls;

use imaging_answers::{STOIC_YAML, gc_challenge, pn_versions, syn_dataset};
use std::collections::HashMap;
use std::path::Path;

use catwatch::catalog;
use catwatch::cli::Cli;
use catwatch::commands::check::gather;
use catwatch::config::Config;
use catwatch::observation::{ResourceCheck, Status, Unit};
use clap::Parser;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::runtime::Runtime;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use platforms::{entry_yaml, probe_settings, write_catalog};

/// Every host the scenario's URLs and the platforms' default APIs name.
const HOSTS: &[&str] = &[
    "cancerimagingarchive.net",
    "www.cancerimagingarchive.net",
    "services.cancerimagingarchive.net",
    "doi.org",
    "api.datacite.org",
    "grand-challenge.org",
    "stoic2021.grand-challenge.org",
    "hidden.grand-challenge.org",
    "busy.grand-challenge.org",
    "physionet.org",
    "www.synapse.org",
    "repo-prod.prod.sagebase.org",
    "registry.opendata.aws",
    "stoic2021-training.s3.us-west-2.amazonaws.com",
    "busy-bucket.s3.us-east-1.amazonaws.com",
];

struct Scenario {
    rt: Runtime,
    dir: TempDir,
    server: MockServer,
    _front: tls::TlsFront,
    toml: String,
}

impl Scenario {
    fn new() -> Scenario {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = TempDir::new().unwrap();
        let server = rt.block_on(MockServer::start());
        let hosts = rt.block_on(tls::real_hosts(dir.path(), HOSTS, *server.address()));
        let toml = probe_settings(&hosts.probe_lines);
        Scenario {
            rt,
            dir,
            server,
            _front: hosts.front,
            toml,
        }
    }

    fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    /// A GET on `host` and `at` answered with `status` and a JSON body.
    fn json(&self, host: &str, at: &str, status: u16, body: Value) {
        self.mount(
            Mock::given(method("GET"))
                .and(header("host", host))
                .and(path(at))
                .respond_with(ResponseTemplate::new(status).set_body_json(body)),
        );
    }

    fn config(&self, env: &[(&str, &str)]) -> Config {
        let file = self.dir.path().join("catwatch.toml");
        std::fs::write(&file, format!("catalog = \"catalog\"\n{}", self.toml)).unwrap();
        let cli = Cli::parse_from(["catwatch", "--config", file.to_str().unwrap(), "check"]);
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::load(&cli, |name| env.get(name).cloned()).unwrap()
    }

    /// Writes one entry per (id, url, access) and checks them.
    fn check(
        &self,
        config: &Config,
        entries: &[(&str, &str, &str)],
    ) -> HashMap<String, ResourceCheck> {
        let catalog = self.dir.path().join("catalog");
        let _ = std::fs::remove_dir_all(&catalog);
        let written: Vec<(&str, String)> = entries
            .iter()
            .map(|(id, url, access)| {
                let yaml = entry_yaml(id, &[(url, "landing")], "")
                    .replace("access: open", &format!("access: {access}"));
                (*id, yaml)
            })
            .collect();
        write_catalog(self.dir.path(), &written);
        let loaded =
            catalog::load_entries(&config.catalog_dir, catwatch::lint::today(config.now)).unwrap();
        gather(config, &loaded, &catwatch::state::Known::default(), false)
            .unwrap()
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect()
    }

    /// Every received request as (host, method, path?query, authorization).
    fn received(&self) -> Vec<(String, String, String, Option<String>)> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap()
            .iter()
            .map(|r| {
                let text = |name: &str| {
                    r.headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                (
                    text("host").unwrap_or_default(),
                    r.method.to_string(),
                    match r.url.query() {
                        Some(q) => format!("{}?{q}", r.url.path()),
                        None => r.url.path().to_owned(),
                    },
                    text("authorization"),
                )
            })
            .collect()
    }
}

fn verdict(results: &HashMap<String, ResourceCheck>, id: &str) -> (Status, String) {
    let r = results
        .get(id)
        .unwrap_or_else(|| panic!("{id} was checked"));
    (r.status, r.reason.as_str().to_owned())
}

fn size_of(results: &HashMap<String, ResourceCheck>, id: &str, unit: Unit) -> Vec<u64> {
    results[id]
        .size
        .iter()
        .filter(|m| m.unit == unit)
        .map(|m| m.count)
        .collect()
}

// ---------------------------------------------------------------- TCIA

/// One collection as TCIA's Collection Manager lists it: the field names of
/// tcia_utils `wordpress.py` `getCollections` (its docstring lists every
/// possible field), asked with `_fields` as that function passes them.
/// Values of COVID-19-NY-SBU after its collection page.
fn tcia_collection(slug: &str, doi: &str, access: &str, hidden: &str) -> Value {
    json!({
        "id": 12345, "slug": slug,
        "link": format!("https://www.cancerimagingarchive.net/collection/{slug}/"),
        "collection_doi": doi, "collection_short_title": slug.to_ascii_uppercase(),
        "collection_status": "Complete", "collection_page_accessibility": access,
        "hide_from_browse_table": hidden, "date_updated": "2021-01-06",
        "modified_gmt": "2024-03-01T09:00:00", "version_number": "2", "subjects": 1384
    })
}

fn mount_tcia(s: &Scenario) {
    let collections = json!([
        tcia_collection("covid-19-ny-sbu", "10.7937/TCIA.BBAG-2923", "Public", ""),
        tcia_collection("retired-collection", "10.7937/TCIA.OLD-0001", "Public", "1"),
        tcia_collection("limited-collection", "10.7937/TCIA.LIM-0001", "Limited", ""),
    ]);
    // WordPress REST API pagination headers (X-WP-Total, X-WP-TotalPages):
    // developer.wordpress.org/rest-api/using-the-rest-api/pagination/.
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "cancerimagingarchive.net"))
            .and(path("/api/v1/collections/"))
            .and(query_param("page", "1"))
            .and(query_param("per_page", "100"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-wp-total", "3")
                    .insert_header("x-wp-totalpages", "1")
                    .set_body_json(collections),
            ),
    );
    // NBIA V4 getCollectionValuesAndCounts: `criteria` and `count` as the
    // NBIA clients read them (IDC's tcia-to-bq code, `c['criteria']`).
    s.json(
        "services.cancerimagingarchive.net",
        "/nbia-api/services/v4/getCollectionValuesAndCounts",
        200,
        json!([{"criteria": "COVID-19-NY-SBU", "count": "1384"}]),
    );
}

// ---------------------------------------------------------- Grand Challenge

fn mount_grand_challenge(s: &Scenario) {
    s.json(
        "grand-challenge.org",
        "/api/v1/challenges/stoic2021/",
        200,
        gc_challenge("stoic2021", "2026-10-02T12:00:00.654321Z"),
    );
    // DRF's 404 for get_object_or_404 (rest_framework/views.py passes
    // Django's Http404 text): a hidden challenge, invisible to anonymous users.
    s.json(
        "grand-challenge.org",
        "/api/v1/challenges/hidden/",
        404,
        json!({"detail": "No Challenge matches the given query."}),
    );
    // The subdomain middleware answers 404 for no visible challenge
    // (app/grandchallenge/subdomains/middleware.py).
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "hidden.grand-challenge.org"))
            .and(path("/"))
            .respond_with(ResponseTemplate::new(404).set_body_string("<h1>Not Found</h1>")),
    );
    // DRF's throttled answer (rest_framework/exceptions.py Throttled,
    // views.py sets Retry-After).
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "grand-challenge.org"))
            .and(path("/api/v1/challenges/busy/"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "120")
                    .set_body_json(json!({"detail": "Request was throttled. Expected available in 120 seconds."})),
            ),
    );
    // A DRF LimitOffsetPagination page (app/grandchallenge/api/pagination.py)
    // of ArchiveSerializer rows; a private archive is filtered out of an
    // anonymous caller's queryset (core/guardian.py): `count: 0`, as for a
    // deleted one.
    for slug in ["private-archive", "deleted-archive"] {
        s.mount(
            Mock::given(method("GET"))
                .and(header("host", "grand-challenge.org"))
                .and(path("/api/v1/archives/"))
                .and(query_param("slug", slug))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    json!({"count": 0, "next": null, "previous": null, "results": []}),
                )),
        );
    }
    // The archive's page: a private one is behind guardian's permission
    // mixin (403 with raise_exception), a deleted one is a 404.
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "grand-challenge.org"))
            .and(path("/archives/private-archive/"))
            .respond_with(ResponseTemplate::new(403).set_body_string("<h1>403 Forbidden</h1>")),
    );
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "grand-challenge.org"))
            .and(path("/archives/deleted-archive/"))
            .respond_with(ResponseTemplate::new(404).set_body_string("<h1>Not Found</h1>")),
    );
}

// ---------------------------------------------------------------- PhysioNet

/// `PublishedProjectDetailSerializer` (same file); values after the demo
/// project in `physionet-django/project/fixtures/demo-project.json`.
fn pn_detail(slug: &str, version: &str, license: &str, bytes: u64) -> Value {
    json!({
        "slug": slug, "title": "A project", "version": version, "abstract": "<p>x</p>",
        "license": {"name": license}, "short_description": "", "project_home_page": "",
        "publish_datetime": "2026-09-22T14:34:36.678000-04:00", "doi": "10.13026/x2k01x",
        "main_storage_size": bytes, "compressed_storage_size": bytes / 2
    })
}

fn mount_physionet(s: &Scenario) {
    let cc = "Creative Commons Attribution 4.0 International Public License";
    let host = "physionet.org";
    s.json(
        host,
        "/api/v1/project/published/covid-ct/",
        200,
        pn_versions("covid-ct", &["1.0.0", "1.1.0"]),
    );
    s.json(
        host,
        "/api/v1/project/published/covid-ct/1.0.0/",
        200,
        pn_detail("covid-ct", "1.0.0", cc, 3_399_883),
    );
    s.json(
        host,
        "/api/v1/project/published/removed/",
        200,
        pn_versions("removed", &["1.0"]),
    );
    s.json(
        host,
        "/api/v1/project/published/removed/1.0/",
        200,
        pn_detail("removed", "1.0", cc, 0),
    );
    s.json(
        host,
        "/api/v1/project/published/mimic-cxr/",
        200,
        pn_versions("mimic-cxr", &["2.1.0"]),
    );
    s.json(
        host,
        "/api/v1/project/published/mimic-cxr/2.1.0/",
        200,
        pn_detail(
            "mimic-cxr",
            "2.1.0",
            "PhysioNet Credentialed Health Data License 1.5.0",
            554_000_000_000,
        ),
    );
    // PhysioNet configures no throttle of its own; a 429 from its edge is
    // still a rate limit, whatever sent it.
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", host))
            .and(path("/api/v1/project/published/busy/"))
            .respond_with(ResponseTemplate::new(429)),
    );
}

// ------------------------------------------------------------------ Synapse

/// `ErrorResponse.json`: `{"concreteType": ..., "reason": ...}`.
fn syn_error(reason: &str) -> Value {
    json!({"concreteType": "org.sagebionetworks.repo.model.ErrorResponse", "reason": reason})
}

/// `RestrictionInformationResponse.json`, `RestrictionLevel.json`.
fn syn_restriction(object: u64, level: &str) -> Value {
    json!({
        "objectId": object, "restrictionLevel": level,
        "hasUnmetAccessRequirement": level != "OPEN",
        "userEntityPermissions": {"canView": true, "canDownload": level == "OPEN", "canPublicRead": true},
        "restrictionDetails": []
    })
}

fn mount_synapse(s: &Scenario) {
    let host = "repo-prod.prod.sagebase.org";
    s.json(
        host,
        "/repo/v1/entity/syn1000001",
        200,
        syn_dataset("syn1000001"),
    );
    s.json(
        host,
        "/repo/v1/entity/syn1000003",
        200,
        syn_dataset("syn1000003"),
    );
    for (id, level) in [(1_000_001u64, "OPEN"), (1_000_003, "CONTROLLED_BY_ACT")] {
        s.mount(
            Mock::given(method("POST"))
                .and(header("host", host))
                .and(path("/repo/v1/restrictionInformation"))
                .and(wiremock::matchers::body_partial_json(
                    json!({"objectId": format!("syn{id}")}),
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(syn_restriction(id, level))),
        );
    }
    // Messages of EntityAuthorizationUtils / the exception handler advice.
    s.json(
        host,
        "/repo/v1/entity/syn1000002",
        404,
        syn_error("Entity syn1000002 is in trash can."),
    );
    s.json(
        host,
        "/repo/v1/entity/syn1000004",
        403,
        syn_error("You lack READ access to the requested entity."),
    );
    // The request throttle's answer (web/filter/throttle, no Retry-After).
    s.json(
        host,
        "/repo/v1/entity/syn1000005",
        429,
        json!({"reason": "Requests are too frequent. Allowed 600 requests every 60 seconds."}),
    );
}

// ------------------------------------------------------ AWS Open Data + S3

/// ListObjectsV2's answer (docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
fn s3_page(keys: &[(&str, u64)], next: Option<&str>) -> String {
    let contents: String = keys
        .iter()
        .map(|(key, size)| {
            format!(
                "<Contents><Key>{key}</Key><LastModified>2021-11-26T10:00:00.000Z</LastModified>\
                 <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>{size}</Size>\
                 <StorageClass>STANDARD</StorageClass></Contents>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
         <Name>stoic2021-training</Name><Prefix></Prefix>{}<KeyCount>{}</KeyCount><MaxKeys>1000</MaxKeys>\
         <IsTruncated>{}</IsTruncated>{contents}</ListBucketResult>",
        next.map(|t| format!("<NextContinuationToken>{t}</NextContinuationToken>"))
            .unwrap_or_default(),
        keys.len(),
        next.is_some()
    )
}

fn registry_yaml(s: &Scenario, name: &str, body: &str) {
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "registry.opendata.aws"))
            .and(path(format!(
                "/datasets/awslabs-open-data-registry/datasets/{name}.yaml"
            )))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/x-yaml")
                    .set_body_string(body),
            ),
    );
}

fn mount_aws(s: &Scenario) {
    registry_yaml(s, "stoic2021-training", STOIC_YAML);
    let bucket = "stoic2021-training.s3.us-west-2.amazonaws.com";
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", bucket))
            .and(path("/"))
            .and(query_param("list-type", "2"))
            .and(query_param("continuation-token", "page-2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(s3_page(&[("metadata/reference.csv", 857)], None)),
            )
            .with_priority(1),
    );
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", bucket))
            .and(path("/"))
            .and(query_param("list-type", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_string(s3_page(
                &[
                    ("data/mha/0001.mha", 434_234),
                    ("data/mha/0002.mha", 400_000),
                ],
                Some("page-2"),
            )))
            .with_priority(2),
    );
    // Deprecated: True with its notice on the first lines, as the 23
    // deprecated files of the registry write it (e.g. REG
    // `datasets/1000-genomes-data-lakehouse-ready.yaml`).
    registry_yaml(
        s,
        "old-scans",
        &format!(
            "Deprecated: True\nDeprecatedNotice: This dataset has moved to a new location.\n{}",
            STOIC_YAML.replace("stoic2021-training", "old-scans")
        ),
    );
    // ControlledAccess on the bucket (REG `datasets/emory-breast-imaging-dataset-embed.yaml`).
    registry_yaml(
        s,
        "controlled-scans",
        &STOIC_YAML
            .replace("stoic2021-training", "controlled-scans")
            .replace(
                "    Type: S3 Bucket\n",
                "    Type: S3 Bucket\n    ControlledAccess: https://forms.gle/example\n",
            ),
    );
    // SlowDown: S3's 503 "Please reduce your request rate."
    // (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
    registry_yaml(
        s,
        "busy-bucket",
        &STOIC_YAML
            .replace("stoic2021-training", "busy-bucket")
            .replace("us-west-2", "us-east-1"),
    );
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "busy-bucket.s3.us-east-1.amazonaws.com"))
            .respond_with(
                ResponseTemplate::new(503)
                    .insert_header("content-type", "application/xml")
                    .set_body_string(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>\
                         <Message>Please reduce your request rate.</Message>\
                         <RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>",
                    ),
            ),
    );
}

#[test]
fn imaging_platforms_live_withdrawn_restricted_and_rate_limited() {
    let s = Scenario::new();
    mount_tcia(&s);
    mount_grand_challenge(&s);
    mount_physionet(&s);
    mount_synapse(&s);
    mount_aws(&s);
    let config = s.config(&[]);
    let results = s.check(
        &config,
        &[
            (
                "tcia-live",
                "https://doi.org/10.7937/TCIA.BBAG-2923",
                "open",
            ),
            (
                "tcia-page",
                "https://www.cancerimagingarchive.net/collection/covid-19-ny-sbu/",
                "open",
            ),
            (
                "tcia-retired",
                "https://www.cancerimagingarchive.net/collection/retired-collection/",
                "open",
            ),
            (
                "tcia-limited",
                "https://www.cancerimagingarchive.net/collection/limited-collection/",
                "open",
            ),
            (
                "tcia-limited-said",
                "https://doi.org/10.7937/TCIA.LIM-0001",
                "request",
            ),
            (
                "tcia-missing",
                "https://www.cancerimagingarchive.net/collection/no-such-collection/",
                "open",
            ),
            ("gc-live", "https://stoic2021.grand-challenge.org/", "open"),
            ("gc-hidden", "https://hidden.grand-challenge.org/", "open"),
            (
                "gc-private",
                "https://grand-challenge.org/archives/private-archive/",
                "open",
            ),
            (
                "gc-deleted",
                "https://grand-challenge.org/archives/deleted-archive/",
                "open",
            ),
            ("gc-busy", "https://busy.grand-challenge.org/", "open"),
            (
                "pn-live",
                "https://physionet.org/content/covid-ct/1.0.0/",
                "open",
            ),
            (
                "pn-removed",
                "https://physionet.org/content/removed/",
                "open",
            ),
            (
                "pn-credentialed",
                "https://physionet.org/content/mimic-cxr/2.1.0/",
                "open",
            ),
            (
                "pn-credentialed-said",
                "https://physionet.org/content/mimic-cxr/",
                "request",
            ),
            ("pn-busy", "https://physionet.org/content/busy/", "open"),
            (
                "syn-live",
                "https://www.synapse.org/Synapse:syn1000001",
                "open",
            ),
            (
                "syn-trash",
                "https://www.synapse.org/Synapse:syn1000002",
                "open",
            ),
            (
                "syn-controlled",
                "https://www.synapse.org/Synapse:syn1000003",
                "open",
            ),
            (
                "syn-private",
                "https://www.synapse.org/Synapse:syn1000004",
                "open",
            ),
            (
                "syn-busy",
                "https://www.synapse.org/Synapse:syn1000005",
                "open",
            ),
            (
                "aws-live",
                "https://registry.opendata.aws/stoic2021-training/",
                "open",
            ),
            (
                "aws-deprecated",
                "https://registry.opendata.aws/old-scans/",
                "open",
            ),
            (
                "aws-controlled",
                "https://registry.opendata.aws/controlled-scans/",
                "open",
            ),
            (
                "aws-busy",
                "https://registry.opendata.aws/busy-bucket/",
                "open",
            ),
        ],
    );
    let expect = |id: &str, status: Status, reason: &str| {
        assert_eq!(
            verdict(&results, id),
            (status, reason.to_owned()),
            "{id}: {}",
            results[id].message
        );
    };

    // TCIA: one list and one count for six URLs.
    expect("tcia-live", Status::Stale, "last-update-too-old");
    let live = &results["tcia-live"];
    assert_eq!(
        live.last_updated_source.as_deref(),
        Some("tcia:date_updated")
    );
    assert_eq!(live.version.as_ref().unwrap().label, "2");
    assert_eq!(size_of(&results, "tcia-live", Unit::Patients), [1384, 1384]);
    expect("tcia-page", Status::Stale, "last-update-too-old");
    expect("tcia-retired", Status::Dead, "tcia-withdrawn");
    expect("tcia-limited", Status::Blocked, "tcia-limited-access");
    expect("tcia-limited-said", Status::Stale, "last-update-too-old");
    expect("tcia-missing", Status::Dead, "tcia-not-found");

    // Grand Challenge.
    expect("gc-live", Status::Ok, "alive");
    assert_eq!(
        results["gc-live"].last_updated_source.as_deref(),
        Some("grand-challenge:modified")
    );
    expect("gc-hidden", Status::Dead, "http-404");
    expect("gc-private", Status::Blocked, "login-wall");
    expect("gc-deleted", Status::Dead, "http-404");
    expect("gc-busy", Status::Unknown, "rate-limited");

    // PhysioNet.
    expect("pn-live", Status::Ok, "alive");
    let pn = &results["pn-live"];
    assert_eq!(pn.version.as_ref().unwrap().label, "1.0.0");
    assert_eq!(size_of(&results, "pn-live", Unit::Bytes), [3_399_883]);
    assert!(
        pn.message.contains(
            "a newer version exists: 1.1.0, at https://physionet.org/content/covid-ct/1.1.0/"
        ),
        "{}",
        pn.message
    );
    expect("pn-removed", Status::Dead, "physionet-files-removed");
    expect("pn-credentialed", Status::Blocked, "physionet-restricted");
    expect("pn-credentialed-said", Status::Ok, "physionet-restricted");
    expect("pn-busy", Status::Unknown, "rate-limited");

    // Synapse.
    expect("syn-live", Status::Ok, "alive");
    let syn = &results["syn-live"];
    assert_eq!(syn.version.as_ref().unwrap().label, "3");
    assert_eq!(size_of(&results, "syn-live", Unit::Bytes), [52_428_800]);
    assert_eq!(
        syn.last_updated_source.as_deref(),
        Some("synapse:modifiedOn")
    );
    expect("syn-trash", Status::Dead, "synapse-not-found");
    expect("syn-controlled", Status::Blocked, "synapse-restricted");
    expect("syn-private", Status::Unknown, "needs-credentials");
    expect("syn-busy", Status::Unknown, "rate-limited");

    // The Registry of Open Data on AWS and S3.
    expect("aws-live", Status::Ok, "alive");
    assert_eq!(
        size_of(&results, "aws-live", Unit::Bytes),
        [434_234 + 400_000 + 857]
    );
    assert_eq!(size_of(&results, "aws-live", Unit::Files), [3]);
    assert_eq!(
        results["aws-live"].last_updated_source.as_deref(),
        Some("aws-open-data:RegistryEntryLastModified")
    );
    expect(
        "aws-deprecated",
        Status::Archived,
        "aws-open-data-deprecated",
    );
    expect(
        "aws-controlled",
        Status::Blocked,
        "aws-open-data-restricted",
    );
    expect("aws-busy", Status::Unknown, "rate-limited");

    let received = s.received();
    let tcia: Vec<_> = received
        .iter()
        .filter(|(host, ..)| host.ends_with("cancerimagingarchive.net"))
        .collect();
    assert_eq!(
        tcia.len(),
        2,
        "six TCIA URLs cost one collection list and one count list: {tcia:?}"
    );
    assert!(
        !received.iter().any(|(host, ..)| host == "api.datacite.org"),
        "TCIA DOIs the Collection Manager lists are not asked of DataCite"
    );
    assert!(
        received
            .iter()
            .filter(|(host, ..)| host.ends_with(".s3.us-west-2.amazonaws.com"))
            .count()
            == 2,
        "two listing pages"
    );
    assert!(
        received.iter().all(|(.., auth)| auth.is_none()),
        "no token set, none sent"
    );
}

#[test]
fn a_rate_limited_tcia_list_is_unknown_and_the_synapse_token_goes_to_synapse_only() {
    let s = Scenario::new();
    // WordPress answers 429 from its edge: nothing is known of any collection.
    s.mount(
        Mock::given(method("GET"))
            .and(header("host", "cancerimagingarchive.net"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60")),
    );
    mount_synapse(&s);
    mount_grand_challenge(&s);
    let config = s.config(&[("SYNAPSE_AUTH_TOKEN", "syn-pat-secret")]);
    let results = s.check(
        &config,
        &[
            ("tcia-a", "https://doi.org/10.7937/TCIA.BBAG-2923", "open"),
            (
                "tcia-b",
                "https://www.cancerimagingarchive.net/collection/covid-19-ny-sbu/",
                "open",
            ),
            (
                "syn-private",
                "https://www.synapse.org/Synapse:syn1000004",
                "open",
            ),
            (
                "syn-live",
                "https://www.synapse.org/Synapse:syn1000001",
                "open",
            ),
            ("gc-live", "https://stoic2021.grand-challenge.org/", "open"),
        ],
    );
    assert_eq!(
        verdict(&results, "tcia-a"),
        (Status::Unknown, "rate-limited".into())
    );
    assert_eq!(
        verdict(&results, "tcia-b"),
        (Status::Unknown, "rate-limited".into())
    );
    assert_eq!(
        verdict(&results, "syn-private"),
        (Status::Blocked, "access-denied".into()),
        "with a token a 403 is a refusal, not a missing credential"
    );
    assert_eq!(verdict(&results, "syn-live").0, Status::Ok);
    let received = s.received();
    let wp = received
        .iter()
        .filter(|(host, ..)| host == "cancerimagingarchive.net")
        .count();
    assert_eq!(wp, 1, "one rate-limited list answer serves every TCIA URL");
    for (host, verb, at, auth) in &received {
        if host == "repo-prod.prod.sagebase.org" {
            assert_eq!(
                auth.as_deref(),
                Some("Bearer syn-pat-secret"),
                "{verb} {at} carries the token"
            );
        } else {
            assert!(auth.is_none(), "{verb} {host}{at} got a credential");
        }
    }
    assert!(
        received
            .iter()
            .any(|(host, verb, ..)| host == "repo-prod.prod.sagebase.org" && verb == "POST"),
        "the restriction lookup was asked"
    );
    for r in results.values() {
        let text = serde_json::to_string(r).unwrap();
        assert!(
            !text.contains("syn-pat-secret"),
            "the token leaked into {}",
            r.id
        );
    }
}

/// `check --dump` on the shipped catalog: the TCIA entries go to TCIA's API.
#[test]
fn the_shipped_tcia_entries_are_probed_through_the_tcia_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_catwatch"))
        .current_dir(root)
        .args(["check", "--dump", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tcia_urls: Vec<&str> = dump["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["urls"].as_array().unwrap())
        .filter(|u| u["platform"] == "tcia")
        .map(|u| u["url"].as_str().unwrap())
        .collect();
    assert!(
        tcia_urls.len() >= 6,
        "the TCIA DOIs and collection pages are TCIA URLs: {tcia_urls:?}"
    );
    let requests: Vec<&str> = dump["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert!(
        requests
            .iter()
            .any(|u| u
                .starts_with("https://cancerimagingarchive.net/api/v1/collections/?per_page=100")),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|u| u.contains("10.7937")),
        "no TCIA DOI went to DataCite or doi.org: {requests:?}"
    );
}
