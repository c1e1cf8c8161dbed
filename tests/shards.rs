//! Scale-out: `check --shard K/N` on four shards, combined by `catwatch merge`,
//! gives the report of one `check` over the same catalog, apart from times.
//!
//! The real binary probes a fixture HTTP server on loopback. The catalog's
//! hosts are distinct names (`h01.test`, ...) that `[probe] resolve` points at
//! that server, so the entries spread over the shards as real hosts would; the
//! settings allow 127.0.0.0/8 like any user's configuration could.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The binary under test. CATWATCH_TEST_BIN overrides it, for machines where
/// several checkouts share one target directory and overwrite each other's
/// `target/debug/catwatch`.
fn bin() -> std::path::PathBuf {
    std::env::var_os("CATWATCH_TEST_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_BIN_EXE_catwatch")))
}
const SHARDS: u32 = 4;

/// What each fixture URL answers, by path.
const KINDS: [&str; 6] = ["ok", "ok", "gone", "moved", "broken", "removed"];
const ENTRIES: usize = 12;

struct Fixture {
    _server: MockServer,
    dir: tempfile::TempDir,
}

impl Fixture {
    async fn start() -> Fixture {
        let server = MockServer::start().await;
        let page = "<html><head><title>data</title></head><body>images</body></html>";
        Mock::given(path("/ok"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html")
                    .insert_header("last-modified", "Tue, 04 Mar 2025 10:00:00 GMT")
                    .set_body_string(page),
            )
            .mount(&server)
            .await;
        Mock::given(path("/gone"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        Mock::given(path("/removed"))
            .respond_with(ResponseTemplate::new(410))
            .mount(&server)
            .await;
        Mock::given(path("/moved"))
            .respond_with(ResponseTemplate::new(301).insert_header("location", "/ok"))
            .mount(&server)
            .await;
        Mock::given(path("/broken"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;

        let port = server.address().port();
        let dir = tempfile::tempdir().unwrap();
        let catalog = dir.path().join("catalog");
        std::fs::create_dir(&catalog).unwrap();
        let mut resolve = Vec::new();
        for i in 1..=ENTRIES {
            let host = format!("h{i:02}.test");
            let kind = KINDS[i % KINDS.len()];
            let id = format!("dataset-{i:02}");
            std::fs::write(
                catalog.join(format!("{id}.yaml")),
                entry_yaml(&id, &format!("http://{host}:{port}/{kind}")),
            )
            .unwrap();
            resolve.push(format!("\"{host}:{port}:127.0.0.1\""));
        }
        std::fs::write(
            dir.path().join("catwatch.toml"),
            format!(
                "catalog = \"catalog\"\n\n[probe]\narchive_lookup = false\nallow = [\"127.0.0.0/8\"]\nresolve = [{}]\n\
                 retries = 0\nper_host_interval_ms = 0\ntimeout_secs = 5\nconnect_timeout_secs = 2\n\n\
                 [state]\npath = \"state/catwatch-state.json\"\n",
                resolve.join(", ")
            ),
        )
        .unwrap();
        Fixture {
            _server: server,
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .current_dir(self.dir.path())
            .arg("--config")
            .arg(self.path("catwatch.toml"))
            .args(args)
            .output()
            .unwrap()
    }
}

fn entry_yaml(id: &str, url: &str) -> String {
    format!(
        "id: {id}\nname: Fixture {id}\ndescription: A fixture resource.\nkind: imaging\n\
         urls:\n  - url: {url}\n    role: landing\n\
         modalities:\n  ct: Y\n  xray: N\n  mrt: N\n  ultrasound: N\n  metadata: U\n  case_review: N\n\
         access: open\nlicense:\n  status: unknown\nmaintenance: frozen\n\
         provenance:\n  last_verified: 2026-11-01\n  verified_against: a test fixture\n  \
         live_checked: false\n  claims:\n    - about: existence\n      source: a test fixture\n      confidence: low\n"
    )
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The report without what differs between any two runs: times and durations.
fn without_times(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in ["generated_at", "checked_at", "duration_ms"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_shards_merged_equal_one_run() {
    let fixture = Fixture::start().await;

    let single = fixture.run(&[
        "check",
        "--format",
        "json",
        "--output",
        "single.json",
        "--no-state",
        "--quiet",
    ]);
    let single_code = single.status.code();
    assert!(matches!(single_code, Some(0 | 1)), "{}", stderr(&single));
    let single_json = json(&fixture.path("single.json"));
    assert_eq!(single_json["summary"]["total"], ENTRIES);

    let mut shard_files = Vec::new();
    let mut per_shard = Vec::new();
    for k in 1..=SHARDS {
        let file = format!("shard-{k}.json");
        let out = fixture.run(&[
            "check",
            "--shard",
            &format!("{k}/{SHARDS}"),
            "--format",
            "json",
            "--output",
            &file,
            "--no-state",
            "--quiet",
        ]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
        let report = json(&fixture.path(&file));
        assert_eq!(report["shard"], format!("{k}/{SHARDS}"));
        per_shard.push(report["summary"]["total"].as_u64().unwrap());
        shard_files.push(file);
    }
    // The split is real: every shard has work, and together they have it all.
    assert!(per_shard.iter().all(|n| *n > 0), "{per_shard:?}");
    assert_eq!(per_shard.iter().sum::<u64>(), ENTRIES as u64);

    let mut merge_args = vec!["merge", "--no-state", "--output", "site/merged.json"];
    merge_args.extend(shard_files.iter().rev().map(String::as_str));
    let merged = fixture.run(&merge_args);
    assert_eq!(merged.status.code(), single_code, "{}", stderr(&merged));
    let merged_json = json(&fixture.path("site/merged.json"));
    assert_eq!(
        without_times(merged_json.clone()),
        without_times(single_json.clone())
    );
    assert!(merged_json.get("shard").is_none());

    // The fixture's answers are all there, so the comparison is not vacuous.
    let statuses = &single_json["summary"]["statuses"];
    assert_eq!(statuses["ok"], 4, "{statuses}");
    assert_eq!(statuses["dead"], 4, "{statuses}");
    assert_eq!(statuses["moved"], 2, "{statuses}");
    assert_eq!(statuses["failing"], 2, "{statuses}");

    // Without --no-state, the merged run is recorded like one check run.
    let mut with_state = vec!["merge"];
    with_state.extend(
        merge_args
            .iter()
            .filter(|a| **a != "merge" && **a != "--no-state"),
    );
    let recorded = fixture.run(&with_state);
    assert_eq!(recorded.status.code(), single_code, "{}", stderr(&recorded));
    let state = json(&fixture.path("state/catwatch-state.json"));
    let ids: Vec<&String> = state["resources"].as_object().unwrap().keys().collect();
    let expected: Vec<String> = (1..=ENTRIES).map(|i| format!("dataset-{i:02}")).collect();
    assert_eq!(ids, expected.iter().collect::<Vec<_>>());
    let runs = state["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["checked"], ENTRIES);

    // The human table has no times in it: the same, byte for byte.
    let merged_table = fixture.run(
        &[
            &["merge", "--no-state", "--format", "human"][..],
            &shard_files.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat(),
    );
    let single_table = fixture.run(&["check", "--no-state", "--quiet"]);
    assert_eq!(
        String::from_utf8_lossy(&merged_table.stdout),
        String::from_utf8_lossy(&single_table.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_refuses_a_missing_or_repeated_shard() {
    let fixture = Fixture::start().await;
    for k in 1..=SHARDS {
        let out = fixture.run(&[
            "check",
            "--shard",
            &format!("{k}/{SHARDS}"),
            "--format",
            "json",
            "--output",
            &format!("shard-{k}.json"),
            "--no-state",
            "--quiet",
        ]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    }

    let missing = fixture.run(&[
        "merge",
        "--no-state",
        "shard-1.json",
        "shard-2.json",
        "shard-4.json",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("shard(s) missing: 3/4"),
        "{}",
        stderr(&missing)
    );
    assert!(missing.stdout.is_empty());

    let repeated = fixture.run(&[
        "merge",
        "--no-state",
        "shard-1.json",
        "shard-2.json",
        "shard-3.json",
        "shard-4.json",
        "shard-2.json",
    ]);
    assert_eq!(repeated.status.code(), Some(2));
    assert!(
        stderr(&repeated).contains("shard-2.json and shard-2.json are both shard 2/4"),
        "{}",
        stderr(&repeated)
    );

    let full = fixture.run(&[
        "check",
        "--format",
        "json",
        "--output",
        "single.json",
        "--no-state",
        "--quiet",
    ]);
    assert!(matches!(full.status.code(), Some(0 | 1)));
    let unsharded = fixture.run(&["merge", "--no-state", "single.json"]);
    assert_eq!(unsharded.status.code(), Some(2));
    assert!(
        stderr(&unsharded).contains("single.json: not a shard report"),
        "{}",
        stderr(&unsharded)
    );

    // A FIFO would block a reader forever: refused before it is opened.
    let fifo = std::process::Command::new("mkfifo")
        .arg(fixture.path("pipe.json"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let piped = fixture.run(&["merge", "--no-state", "pipe.json"]);
    assert_eq!(piped.status.code(), Some(2));
    assert!(
        stderr(&piped).contains("pipe.json: is a FIFO (named pipe), not a regular file"),
        "{}",
        stderr(&piped)
    );

    std::fs::write(fixture.path("broken.json"), "{\"version\": 1, ").unwrap();
    let broken = fixture.run(&["merge", "--no-state", "broken.json"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        stderr(&broken).contains("broken.json: not a catwatch check report"),
        "{}",
        stderr(&broken)
    );
}
