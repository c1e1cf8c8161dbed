//! `catwatch check`, the real binary, over small catalogs in a tempdir with
//! every platform API on a wiremock server on loopback: JSON output valid
//! against schema/check-report.schema.json, exit codes, --only,
//! --changed-since, --output, the table; and one scenario with real host
//! names (github.com, zenodo.org, www.kaggle.com, doi.org, ...) and default
//! endpoints, resolved to a TLS server on loopback signed by a test CA.

#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/tls.rs"]
mod tls;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::runtime::Runtime;
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use platforms::{endpoints_at, entry_yaml, probe_settings, with_survey_reference, write_catalog};

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn days_ago(days: i64) -> String {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days);
    jiff::Timestamp::from_second(at.as_second())
        .unwrap()
        .to_string()
}

/// The binary, run in `dir`, with no secrets or settings from the environment
/// unless a test adds them.
fn catwatch(dir: &Path) -> Command {
    Command::from_std(platforms::catwatch_command(dir))
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Validates `report` against the published schema, with formats checked.
fn assert_valid(report: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/check-report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path().as_str()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

fn by_id<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no resource {id} in {report:#}"))
}

fn ids(report: &Value) -> Vec<String> {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A GitHub API on wiremock: `o/alive` is fresh, `o/gone` is deleted,
/// `o/old` moved to `n/new`. Shapes (only the fields catwatch reads) from
/// GitHub's REST docs: "Get a repository"
/// (https://docs.github.com/rest/repos/repos#get-a-repository), "List
/// commits" (https://docs.github.com/rest/commits/commits#list-commits), and
/// the 301 with `message` and `url` of a renamed repository ("HTTP
/// redirects", https://docs.github.com/v3/#http-redirects).
fn github_mocks(rt: &Runtime, server: &MockServer) {
    let repo = |full: &str| json!({"full_name": full, "archived": false, "disabled": false, "pushed_at": days_ago(2), "default_branch": "main"});
    let commits = json!([{"commit": {"committer": {"name": "a", "date": days_ago(2)}}}]);
    let mocks = [
        Mock::given(method("GET"))
            .and(path("/github/repos/o/alive"))
            .respond_with(ResponseTemplate::new(200).set_body_json(repo("o/alive"))),
        Mock::given(method("GET"))
            .and(path_regex(r"^/github/repos/[a-z]+/[a-z]+/commits$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(commits)),
        Mock::given(method("GET"))
            .and(path("/github/repos/o/gone"))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
            ),
        Mock::given(method("GET"))
            .and(path("/github/repos/o/old"))
            .respond_with(ResponseTemplate::new(301).set_body_json(
                json!({"message": "Moved Permanently", "url": format!("{}/github/repositories/9", server.uri())}),
            )),
        Mock::given(method("GET"))
            .and(path("/github/repositories/9"))
            .respond_with(ResponseTemplate::new(200).set_body_json(repo("n/new"))),
    ];
    for mock in mocks {
        rt.block_on(mock.mount(server));
    }
}

/// A runtime and a server answering as GitHub does for [`three_entries`].
fn github_server() -> (Runtime, MockServer) {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    github_mocks(&rt, &server);
    (rt, server)
}

/// A tempdir with catwatch.toml pointing every API at `server`, and a catalog.
fn project(server: &MockServer, entries: &[(&str, String)], extra: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("catwatch.toml"),
        format!(
            "catalog = \"catalog\"\n{}{}{extra}",
            probe_settings(""),
            endpoints_at(&server.uri())
        ),
    )
    .unwrap();
    write_catalog(dir.path(), entries);
    dir
}

fn three_entries() -> Vec<(&'static str, String)> {
    vec![
        (
            "alive-repo",
            entry_yaml(
                "alive-repo",
                &[("https://github.com/o/alive", "repository")],
                "",
            ),
        ),
        (
            "gone-repo",
            entry_yaml(
                "gone-repo",
                &[("https://github.com/o/gone", "repository")],
                "",
            ),
        ),
        (
            "moved-repo",
            entry_yaml(
                "moved-repo",
                &[
                    ("https://github.com/o/old", "repository"),
                    ("https://github.com/o/unchecked", "paper"),
                ],
                "",
            ),
        ),
    ]
}

#[test]
fn json_report_matches_the_schema_and_a_dead_entry_fails_the_run() {
    let (rt, server) = github_server();
    let mut entries = three_entries();
    // A URL with check: false is never probed.
    entries[2].1 = entries[2]
        .1
        .replace("    role: paper\n", "    role: paper\n    check: false\n");
    let dir = project(&server, &entries, "");
    let output = catwatch(dir.path())
        .args(["check", "--format", "json", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = json_of(&output);
    assert_valid(&report);
    assert_eq!(report["version"], 1);
    assert_eq!(report["passed"], false);
    assert_eq!(report["fail_on"], json!(["dead"]));
    assert_eq!(
        report["summary"],
        json!({"total": 3, "statuses": {"ok": 1, "stale": 0, "moved": 1, "archived": 0, "blocked": 0, "failing": 0, "dead": 1, "unknown": 0}, "exempted": 0, "failing_policy": 1})
    );
    assert_eq!(ids(&report), ["alive-repo", "gone-repo", "moved-repo"]);
    let alive = by_id(&report, "alive-repo");
    assert_eq!(alive["status"], "ok");
    assert_eq!(
        alive["last_updated_source"],
        "github:commits[0].commit.committer.date"
    );
    assert_eq!(alive["http_status"], 200);
    let gone = by_id(&report, "gone-repo");
    assert_eq!(
        (&gone["status"], &gone["reason"], &gone["http_status"]),
        (&json!("dead"), &json!("github-not-found"), &json!(404))
    );
    let moved = by_id(&report, "moved-repo");
    assert_eq!(moved["status"], "moved");
    assert_eq!(moved["moved_to"], "https://github.com/n/new");
    assert_eq!(moved["observations"].as_array().unwrap().len(), 1);
    let sent = rt.block_on(server.received_requests()).unwrap();
    assert!(
        sent.iter().all(|r| !r.url.path().contains("unchecked")),
        "check: false URLs are not probed"
    );
}

/// `[probe] threads`: one thread (the default) and a pool of workers judge
/// the same catalog the same way, and a count out of range is refused.
#[test]
fn one_thread_and_a_pool_of_threads_give_the_same_verdicts() {
    let (_rt, server) = github_server();
    let entries = three_entries();
    let verdicts = |threads: &str| {
        let dir = TempDir::new().unwrap();
        std::fs::write(
            dir.path().join("catwatch.toml"),
            format!(
                "catalog = \"catalog\"\n{}{}",
                probe_settings(threads),
                endpoints_at(&server.uri())
            ),
        )
        .unwrap();
        write_catalog(dir.path(), &entries);
        let output = catwatch(dir.path())
            .args(["check", "--format", "json", "--no-state"])
            .output()
            .unwrap();
        (output.status.code(), output)
    };
    let mut seen = Vec::new();
    for threads in ["", "threads = 1\n", "threads = 4\n"] {
        let (code, output) = verdicts(threads);
        assert_eq!(code, Some(1), "{threads}: {output:?}");
        let report = json_of(&output);
        assert_valid(&report);
        let statuses: Vec<(String, String)> = report["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].to_string(), r["status"].to_string()))
            .collect();
        seen.push(statuses);
    }
    assert_eq!(seen[0].len(), 3);
    assert!(seen.iter().all(|s| *s == seen[0]), "{seen:?}");
    let (code, output) = verdicts("threads = 0\n");
    assert_eq!(code, Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[probe] threads = 0 is out of range: 1..=256"),
        "{stderr}"
    );
}

#[test]
fn only_selects_entries_and_the_run_passes_without_dead_ones() {
    let (rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    let output = catwatch(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--no-state",
            "--only",
            "alive-repo",
            "moved-repo",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report = json_of(&output);
    assert_valid(&report);
    assert_eq!(ids(&report), ["alive-repo", "moved-repo"]);
    assert_eq!(report["passed"], true);
    let sent = rt.block_on(server.received_requests()).unwrap();
    assert!(sent.iter().all(|r| !r.url.path().contains("/o/gone")));
}

#[test]
fn an_unknown_only_id_exits_2_and_lists_the_known_ids() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let dir = project(&server, &three_entries(), "");
    let output = catwatch(dir.path())
        .args(["check", "--only", "alive-repo", "no-such-entry"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--only names unknown entry id(s): no-such-entry")
            && stderr.contains("alive-repo, gone-repo, moved-repo"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert!(rt.block_on(server.received_requests()).unwrap().is_empty());
}

#[test]
fn fail_on_is_configurable_and_exemptions_keep_the_status_but_pass() {
    let (_rt, server) = github_server();
    let mut entries = three_entries();
    entries[1].1.push_str(
        "exemptions:\n  - kind: false-alarm\n    statuses: [dead]\n    reason: Taken down for maintenance, back next week\n    expires: 2099-01-01\n",
    );
    let dir = project(
        &server,
        &entries,
        "[policy]\nfail_on = [\"dead\", \"moved\"]\n",
    );
    let output = catwatch(dir.path())
        .args(["check", "--format", "json", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "moved fails this run");
    let report = json_of(&output);
    assert_valid(&report);
    let gone = by_id(&report, "gone-repo");
    assert_eq!(
        (&gone["status"], &gone["exempted"]),
        (&json!("dead"), &json!(true))
    );
    assert!(gone["message"].as_str().unwrap().ends_with(
        "[exempted as a false alarm until 2099-01-01: Taken down for maintenance, back next week]"
    ));
    assert_eq!(report["summary"]["exempted"], 1);
    assert_eq!(report["summary"]["failing_policy"], 1);

    let output = catwatch(dir.path())
        .args(["check", "--no-state", "--only", "gone-repo", "alive-repo"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "an exempted dead entry passes"
    );
}

#[test]
fn the_table_and_output_file() {
    let (_rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    let output = catwatch(dir.path())
        .args(["check", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let table = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "ID          STATUS  UPDATED     REASON");
    assert!(lines[1].starts_with("alive-repo  ok      20"), "{table}");
    assert!(
        lines[2].starts_with("gone-repo   dead    -           github-not-found: https://github.com/o/gone: no such repository"),
        "{table}"
    );
    assert!(
        lines[3].starts_with("moved-repo  moved   20")
            && lines[3].contains(
                "github-renamed: https://github.com/o/old: moved to https://github.com/n/new"
            ),
        "{table}"
    );
    assert_eq!(lines[5], "3 resources checked: 1 ok, 1 moved, 1 dead.");
    assert_eq!(
        lines[6],
        "FAILED: 1 resource(s) with a status in fail_on [dead]."
    );

    let out = dir.path().join("reports/check.json");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let output = catwatch(dir.path())
        .args(["check", "--no-state", "--format", "json", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "the report goes to the file only");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_valid(&report);
    assert_eq!(report["summary"]["total"], 3);
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["check.json"],
        "no temporary file is left behind"
    );
}

#[test]
fn tool_failures_exit_2() {
    let dir = TempDir::new().unwrap();
    let output = catwatch(dir.path())
        .args(["check", "--catalog", "does-not-exist"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does-not-exist"));
    let output = catwatch(dir.path())
        .args(["check", "--catalog", ".", "--shard", "3/2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--shard takes K/N"));
}

/// The run's checks go to a temporary file as they are judged: a TMPDIR it
/// cannot create that file in stops the run before anything is sent, and
/// says where and what to set.
#[test]
fn an_unusable_temporary_directory_stops_the_run_before_any_probe() {
    let (rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    let missing = dir.path().join("no-such-dir");
    let output = catwatch(dir.path())
        .env("TMPDIR", &missing)
        .args(["check", "--format", "json", "--output", "check.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&*missing.to_string_lossy()), "{stderr}");
    assert!(stderr.contains("set TMPDIR"), "{stderr}");
    assert!(!dir.path().join("check.json").exists(), "no report");
    assert!(!dir.path().join("state").exists(), "no state");
    let asked = rt.block_on(server.received_requests()).unwrap();
    assert!(asked.is_empty(), "nothing is probed: {asked:?}");
}

/// The report and the state are written side by side, each standing without
/// the other: an `--output` whose directory cannot be made (a file stands
/// where it would be) fails the run (exit 2, naming the file), and the
/// checks that were made are recorded in the state all the same, so the
/// next run still sends its conditional requests.
#[test]
fn a_report_that_cannot_be_written_exits_2_and_the_state_is_still_recorded() {
    let (_rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    let output = catwatch(dir.path())
        .args(["check", "--format", "json", "--output", "a-file/check.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a-file"), "{stderr}");
    assert!(output.stdout.is_empty(), "no report elsewhere");
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("state/catwatch-state.json")).unwrap(),
    )
    .unwrap();
    let recorded = state.to_string();
    for id in ["alive-repo", "gone-repo"] {
        assert!(recorded.contains(id), "{id} is recorded: {recorded}");
    }
}

/// Two runs sharing one state file, the second starting and ending while the
/// first is still probing (its one page is held by the server until then):
/// the first records its checks as they come onto the state it read at its
/// start, sees at the end that the file is not that one any more, and
/// records them onto the state as the second left it. Both runs' resources
/// are in the file.
#[test]
fn a_run_that_ends_while_another_probes_is_not_overwritten_by_it() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (arrived, held_arrived) = std::sync::mpsc::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = std::sync::Arc::new(std::sync::Mutex::new(released));
    // Plain HTTP/1.1, one request a connection: robots.txt is not there,
    // /quick answers at once, /held once the test releases it.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (arrived, released) = (arrived.clone(), released.clone());
            std::thread::spawn(move || {
                let mut head = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                while reader.read_line(&mut head).is_ok_and(|n| n > 2) {
                    if head.ends_with("\r\n\r\n") {
                        break;
                    }
                }
                let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
                let status = match path.as_str() {
                    "/held" => {
                        let _ = arrived.send(());
                        let _ = released.lock().unwrap().recv();
                        "200 OK"
                    }
                    "/quick" => "200 OK",
                    _ => "404 Not Found",
                };
                let body = "<html><body>a page</body></html>";
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    // The catalog names a host; `[probe] resolve` points it at the server.
    let base = format!("http://pages.test:{port}");
    let entries = [
        (
            "held",
            entry_yaml("held", &[(&format!("{base}/held"), "landing")], ""),
        ),
        (
            "theirs",
            entry_yaml("theirs", &[(&format!("{base}/quick"), "landing")], ""),
        ),
    ];
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("catwatch.toml"),
        format!(
            "catalog = \"catalog\"\n{}",
            probe_settings(&format!("resolve = [\"pages.test:{port}:127.0.0.1\"]\n"))
        ),
    )
    .unwrap();
    write_catalog(dir.path(), &entries);
    let mut first = platforms::catwatch_command(dir.path())
        .args(["check", "--format", "json", "--quiet", "--only", "held"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Until the page is asked for; a run that ended before that failed.
    while held_arrived
        .recv_timeout(std::time::Duration::from_millis(100))
        .is_err()
    {
        if first.try_wait().unwrap().is_some() {
            let output = first.wait_with_output().unwrap();
            panic!("the first run ended: {output:?}");
        }
    }
    let second = catwatch(dir.path())
        .args(["check", "--format", "json", "--quiet", "--only", "theirs"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    release.send(()).unwrap();
    let first = first.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("state/catwatch-state.json")).unwrap(),
    )
    .unwrap();
    for id in ["held", "theirs"] {
        assert_eq!(
            state["resources"][id]["observed"]["status"], "ok",
            "{id}: {state}"
        );
    }
    assert_eq!(state["runs"].as_array().unwrap().len(), 2, "{state}");
}

/// Probing starts while the catalog is still being read, and a catalog the
/// lint gate refuses late (its last file repeats the first file's URL) stops
/// the probing at once: exit 2 with the gate's error, no report and no
/// state, without waiting for the slow answers already asked for.
#[test]
fn a_catalog_refused_by_the_gate_stops_the_probing_and_writes_nothing() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(60)))
            .mount(&server),
    );
    let mut entries: Vec<(String, String)> = (0..1000)
        .map(|i| {
            let id = format!("repo-{i:04}");
            let url = format!("https://github.com/o/r{i}");
            let yaml = entry_yaml(&id, &[(url.as_str(), "repository")], "");
            (id, yaml)
        })
        .collect();
    entries.push((
        "zz-repeats-the-first".into(),
        entry_yaml(
            "zz-repeats-the-first",
            &[("https://github.com/o/r0", "repository")],
            "",
        ),
    ));
    let entries: Vec<(&str, String)> = entries
        .iter()
        .map(|(id, yaml)| (id.as_str(), yaml.clone()))
        .collect();
    let dir = project(&server, &entries, "");
    let started = std::time::Instant::now();
    let output = catwatch(dir.path())
        .args(["check", "--format", "json", "--output", "check.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("duplicate-url"), "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the probing went on after the gate refused the catalog ({:?})",
        started.elapsed()
    );
    assert!(!dir.path().join("check.json").exists(), "no report");
    assert!(!dir.path().join("state").exists(), "no state");
    let asked = rt.block_on(server.received_requests()).unwrap().len();
    assert!(
        asked > 0,
        "the probing had started before the gate's verdict"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=catwatch test",
            "-c",
            "user.email=test@catwatch.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .expect("git is installed");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn changed_since_checks_only_new_and_changed_entries() {
    let (_rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "catalog"]);
    // Change one entry, add one, leave one alone.
    let changed = dir.path().join("catalog/moved-repo.yaml");
    let text = std::fs::read_to_string(&changed).unwrap();
    std::fs::write(
        &changed,
        text.replace("name: Test moved-repo", "name: Renamed entry"),
    )
    .unwrap();
    write_catalog(
        dir.path(),
        &[(
            "new-entry",
            entry_yaml(
                "new-entry",
                &[("https://github.com/o/vanished", "repository")],
                "",
            ),
        )],
    );
    let output = catwatch(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--no-state",
            "--changed-since",
            "HEAD",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "the new entry is dead: fails at once"
    );
    let report = json_of(&output);
    assert_eq!(ids(&report), ["moved-repo", "new-entry"]);
    assert_eq!(by_id(&report, "new-entry")["status"], "dead");

    let output = catwatch(dir.path())
        .args(["check", "--no-state", "--changed-since", "no-such-revision"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-revision"));
}

/// Real host names, default endpoints: every name resolves (by `[probe]
/// resolve`) to one TLS server on loopback whose certificate, signed by the
/// test CA, covers them all; wiremock answers by Host header and path.
#[test]
fn scenario_with_real_host_names_and_tls() {
    let rt = runtime();
    let dir = TempDir::new().unwrap();
    let ca = tls::TestCa::new("catwatch scenario CA");
    let ca_pem = ca.write_pem(dir.path());
    let server = rt.block_on(MockServer::start());
    let hosts = [
        "api.github.com",
        "zenodo.org",
        "www.kaggle.com",
        "doi.org",
        "api.datacite.org",
        "www.radiology-journal.example",
        "huggingface.co",
        "coronacases.org",
        "www.coronacases.org",
        "brixia.github.io",
    ];
    let front = rt.block_on(tls::TlsFront::start(
        &ca.leaf(&hosts, tls::Validity::Good),
        *server.address(),
    ));
    let on = |host: &str, at: &str| Mock::given(header("host", host)).and(path(at.to_owned()));
    let ok_json = |body: Value| ResponseTemplate::new(200).set_body_json(body);
    let redirect =
        |status: u16, to: &str| ResponseTemplate::new(status).insert_header("location", to);
    let mocks = [
        on("api.github.com", "/repos/ieee8023/covid-chestxray-dataset").respond_with(ok_json(json!({
            "full_name": "ieee8023/covid-chestxray-dataset", "archived": false, "disabled": false,
            "pushed_at": "2021-06-01T00:00:00Z", "default_branch": "master"}))),
        on("api.github.com", "/repos/ieee8023/covid-chestxray-dataset/commits").respond_with(ok_json(json!([
            {"commit": {"committer": {"date": "2020-09-20T18:50:00Z"}}}]))),
        on("api.github.com", "/repos/lindawangg/COVID-Net").respond_with(ok_json(json!({
            "full_name": "lindawangg/COVID-Net", "archived": true, "disabled": false, "pushed_at": days_ago(400)}))),
        on("api.github.com", "/repos/lindawangg/COVID-Net/commits").respond_with(ok_json(json!([]))),
        on("zenodo.org", "/api/records/3757476").respond_with(ok_json(json!({
            "id": 3757476, "conceptrecid": "3757475", "modified": days_ago(10), "versions": {"is_latest": true}}))),
        on("zenodo.org", "/api/records/999").respond_with(
            ResponseTemplate::new(410).set_body_json(json!({"status": 410, "message": "The record has been deleted."}))),
        on("www.kaggle.com", "/api/v1/datasets/view/tawsifurrahman/covid19-radiography-database").respond_with(ok_json(json!({
            "ref": "tawsifurrahman/covid19-radiography-database", "lastUpdated": days_ago(30), "currentVersionNumber": 5}))),
        on("www.kaggle.com", "/competitions/siim-covid19-detection").respond_with(
            ResponseTemplate::new(403).insert_header("cf-mitigated", "challenge").set_body_string("Just a moment...")),
        on("api.datacite.org", "/dois/10.1148/radiol.2020200642").respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"errors": [{"status": "404", "title": "The resource you are looking for doesn't exist."}]}))),
        on("doi.org", "/10.1148/radiol.2020200642").respond_with(redirect(302, "https://www.radiology-journal.example/doi/10.1148/radiol.2020200642")),
        on("www.radiology-journal.example", "/doi/10.1148/radiol.2020200642").respond_with(ResponseTemplate::new(200).set_body_string("<html>article</html>")),
        on("api.datacite.org", "/dois/10.17632/rscbjbr9sj.2").respond_with(ok_json(json!({"data": {"attributes": {
            "state": "findable", "isActive": true, "updated": days_ago(100),
            "relatedIdentifiers": [{"relationType": "IsPreviousVersionOf", "relatedIdentifier": "10.17632/rscbjbr9sj.3", "relatedIdentifierType": "DOI"}]}}}))),
        on("huggingface.co", "/api/datasets/someone/deleted-xrays").respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "Repository not found"}))),
        on("coronacases.org", "/").respond_with(redirect(301, "https://www.coronacases.org/")),
        on("www.coronacases.org", "/").respond_with(ResponseTemplate::new(200).set_body_string("<html>cases</html>")),
        on("brixia.github.io", "/").respond_with(ResponseTemplate::new(404).set_body_string("There isn't a GitHub Pages site here.")),
    ];
    for mock in mocks {
        rt.block_on(mock.mount(&server));
    }
    let resolve: Vec<String> = hosts
        .iter()
        .map(|h| format!("\"{}\"", front.resolve_entry(h)))
        .collect();
    std::fs::write(
        dir.path().join("catwatch.toml"),
        format!(
            "catalog = \"catalog\"\n{}resolve = [{}]\nextra_root_certs = [\"{}\"]\n",
            probe_settings(""),
            resolve.join(", "),
            ca_pem.display()
        ),
    )
    .unwrap();
    // The survey's own resources carry their reference number, as lint requires.
    let reference = |id: &str| match id {
        "coronacases" => Some(2),
        "kaggle-radiography" => Some(5),
        "covid-net" => Some(8),
        "covid-chestxray-dataset" => Some(16),
        _ => None,
    };
    let one = |id: &'static str, url: &str, role: &str| {
        let yaml = entry_yaml(id, &[(url, role)], "");
        (
            id,
            match reference(id) {
                Some(n) => with_survey_reference(yaml, n),
                None => yaml,
            },
        )
    };
    write_catalog(
        dir.path(),
        &[
            one(
                "covid-chestxray-dataset",
                "https://github.com/ieee8023/covid-chestxray-dataset",
                "repository",
            ),
            one(
                "covid-net",
                "https://github.com/lindawangg/COVID-Net",
                "repository",
            ),
            one(
                "zenodo-ct",
                "https://zenodo.org/records/3757476",
                "download",
            ),
            one(
                "zenodo-deleted",
                "https://zenodo.org/records/999",
                "download",
            ),
            one(
                "kaggle-radiography",
                "https://www.kaggle.com/datasets/tawsifurrahman/covid19-radiography-database",
                "landing",
            ),
            one(
                "siim-competition",
                "https://www.kaggle.com/competitions/siim-covid19-detection",
                "landing",
            ),
            one(
                "radiology-paper",
                "https://doi.org/10.1148/radiol.2020200642",
                "doi",
            ),
            one(
                "mendeley-xray",
                "https://data.mendeley.com/datasets/rscbjbr9sj/2",
                "download",
            ),
            one(
                "hf-deleted",
                "https://huggingface.co/datasets/someone/deleted-xrays",
                "download",
            ),
            one("coronacases", "https://coronacases.org/", "landing"),
            one("brixia", "https://brixia.github.io/", "landing"),
        ],
    );
    let output = catwatch(dir.path())
        .env("KAGGLE_USERNAME", "catwatch")
        .env("KAGGLE_KEY", "scenario_key")
        .args(["check", "--format", "json", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    assert_valid(&report);
    let expect = [
        ("covid-chestxray-dataset", "stale", "last-update-too-old"),
        ("covid-net", "archived", "github-archived"),
        ("zenodo-ct", "ok", "alive"),
        ("zenodo-deleted", "dead", "zenodo-deleted"),
        ("kaggle-radiography", "ok", "alive"),
        ("siim-competition", "blocked", "bot-wall"),
        ("radiology-paper", "ok", "alive"),
        ("mendeley-xray", "ok", "alive"),
        ("hf-deleted", "dead", "huggingface-not-found"),
        ("coronacases", "moved", "redirect-permanent"),
        ("brixia", "dead", "http-404"),
    ];
    let seen: Vec<(String, String, String)> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String, String)> = expect
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
    let chest = by_id(&report, "covid-chestxray-dataset");
    assert_eq!(chest["last_updated"], "2020-09-20T18:50:00Z");
    assert_eq!(
        chest["last_updated_source"],
        "github:commits[0].commit.committer.date"
    );
    assert_eq!(
        by_id(&report, "coronacases")["moved_to"],
        "https://www.coronacases.org/"
    );
    assert_eq!(
        by_id(&report, "kaggle-radiography")["last_updated_source"],
        "kaggle:lastUpdated"
    );
    assert!(
        by_id(&report, "mendeley-xray")["message"]
            .as_str()
            .unwrap()
            .ends_with("a newer version exists: https://data.mendeley.com/datasets/rscbjbr9sj/3")
    );
    let paper = by_id(&report, "radiology-paper");
    assert_eq!(
        paper["final_url"],
        "https://www.radiology-journal.example/doi/10.1148/radiol.2020200642"
    );
    assert_eq!(report["summary"]["statuses"]["dead"], 3);
    assert!(front.handshakes() >= hosts.len() - 1);
    let sent = rt.block_on(server.received_requests()).unwrap();
    let kaggle_auth: Vec<_> = sent
        .iter()
        .filter(|r| r.headers.get("authorization").is_some())
        .map(|r| {
            (
                r.headers.get("host").unwrap().to_str().unwrap().to_owned(),
                r.url.path().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kaggle_auth,
        [(
            "www.kaggle.com".to_owned(),
            "/api/v1/datasets/view/tawsifurrahman/covid19-radiography-database".to_owned()
        )],
        "credentials went to the Kaggle API only"
    );
}

/// Reliability case 13: tokens at trace level never reach stdout, stderr or
/// the report, while they do reach their API.
#[test]
fn secrets_never_reach_logs_or_reports() {
    let rt = runtime();
    let dir = TempDir::new().unwrap();
    let ca = tls::TestCa::new("catwatch secrets CA");
    let ca_pem = ca.write_pem(dir.path());
    let server = rt.block_on(MockServer::start());
    let hosts = ["api.github.com", "www.kaggle.com"];
    let front = rt.block_on(tls::TlsFront::start(
        &ca.leaf(&hosts, tls::Validity::Good),
        *server.address(),
    ));
    let mocks = [
        Mock::given(method("POST"))
            .and(header("host", "api.github.com"))
            .and(path("/graphql"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"r0": {
                "nameWithOwner": "o/r", "isArchived": false, "isDisabled": false, "pushedAt": days_ago(3),
                "defaultBranchRef": {"target": {"committedDate": days_ago(3)}}}}}))),
        Mock::given(method("GET"))
            .and(header("host", "www.kaggle.com"))
            .and(path("/api/v1/datasets/view/o/d"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ref": "o/d", "lastUpdated": days_ago(3)}))),
    ];
    for mock in mocks {
        rt.block_on(mock.mount(&server));
    }
    let resolve: Vec<String> = hosts
        .iter()
        .map(|h| format!("\"{}\"", front.resolve_entry(h)))
        .collect();
    std::fs::write(
        dir.path().join("catwatch.toml"),
        format!(
            "catalog = \"catalog\"\n{}resolve = [{}]\nextra_root_certs = [\"{}\"]\n",
            probe_settings(""),
            resolve.join(", "),
            ca_pem.display()
        ),
    )
    .unwrap();
    write_catalog(
        dir.path(),
        &[
            (
                "repo",
                entry_yaml("repo", &[("https://github.com/o/r", "repository")], ""),
            ),
            (
                "data",
                entry_yaml(
                    "data",
                    &[("https://www.kaggle.com/datasets/o/d", "landing")],
                    "",
                ),
            ),
        ],
    );
    let report = dir.path().join("report.json");
    let output = catwatch(dir.path())
        .env("CATWATCH_GITHUB_TOKEN", "ghp_canarySECRET42")
        .env("KAGGLE_USERNAME", "catwatch")
        .env("KAGGLE_KEY", "kaggleCANARY77")
        .args([
            "-vvv",
            "check",
            "--format",
            "json",
            "--no-state",
            "--output",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sent = rt.block_on(server.received_requests()).unwrap();
    let auth: Vec<String> = sent
        .iter()
        .filter_map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(auth.len(), 2, "both APIs got their credential");
    let basic = "Y2F0d2F0Y2g6a2FnZ2xlQ0FOQVJZNzc="; // base64("catwatch:kaggleCANARY77")
    let texts = [
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        std::fs::read_to_string(&report).unwrap(),
    ];
    assert!(!texts[1].is_empty(), "trace logging produced output");
    for text in &texts {
        for secret in ["canarySECRET42", "kaggleCANARY77", basic] {
            assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
        }
    }
}

#[test]
fn shards_split_the_catalog_without_overlap() {
    let (_rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let output = catwatch(dir.path())
            .args([
                "check",
                "--format",
                "json",
                "--no-state",
                "--only",
                "alive-repo",
                "moved-repo",
                "--shard",
                shard,
            ])
            .output()
            .unwrap();
        assert!(matches!(output.status.code(), Some(0)), "{output:?}");
        let report = json_of(&output);
        assert_valid(&report);
        assert_eq!(report["shard"], shard);
        seen.extend(ids(&report));
    }
    seen.sort();
    assert_eq!(
        seen,
        ["alive-repo", "moved-repo"],
        "every entry in exactly one shard"
    );
}

/// With no network at all (the binary runs in a network namespace of its own,
/// with only a loopback interface that is down), `check` on the shipped
/// catalog reports no resource dead, says at the top that the network or
/// resolver is unavailable, and exits 2: the tool could not do its job.
#[test]
fn with_no_network_check_reports_nothing_dead_says_why_and_exits_2() {
    let unshare = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .expect("unshare (util-linux) is installed");
    assert!(
        unshare.success(),
        "this test needs to create a network namespace (unshare -n): run it as root"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = std::env::var_os("CATWATCH_TEST_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_catwatch").into());
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("catwatch.toml"),
        format!(
            "catalog = \"{}\"\n[probe]\nretries = 0\ntimeout_secs = 5\nconnect_timeout_secs = 2\n",
            root.join("catalog").display()
        ),
    )
    .unwrap();
    let mut command = std::process::Command::new("unshare");
    command
        .arg("-n")
        .arg(binary)
        .args(["check", "--no-state", "--format", "json"])
        .current_dir(dir.path())
        .env("HTTPS_PROXY", "http://proxy.invalid:3128");
    for name in platforms::FOREIGN_ENVIRONMENT
        .iter()
        .filter(|n| !n.to_ascii_lowercase().ends_with("proxy"))
    {
        command.env_remove(name);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let report = json_of(&output);
    assert_valid(&report);
    assert_eq!(report["summary"]["statuses"]["dead"], 0, "{report:#}");
    assert!(report["summary"]["total"].as_u64().unwrap() > 30);
    let network = &report["network"];
    assert_eq!(network["unavailable"], true, "{report:#}");
    assert_eq!(network["answered"], 0);
    assert!(
        network["proxy_hint"]
            .as_str()
            .unwrap()
            .contains("HTTPS_PROXY is set, but catwatch does not use proxies from the environment"),
        "{network:#}"
    );
    for resource in report["resources"].as_array().unwrap() {
        assert_eq!(resource["status"], "unknown", "{resource:#}");
    }
    assert!(
        stderr.contains("the network or resolver is unavailable"),
        "{stderr}"
    );
}

/// One clock: with CATWATCH_NOW set, `check` judges staleness and dates its
/// report by it, not by the wall clock; a malformed value is refused (exit 2)
/// naming the variable.
#[test]
fn the_run_clock_decides_staleness_and_the_report_date() {
    let (_rt, server) = github_server();
    let entries = vec![three_entries().remove(0)];
    let dir = project(&server, &entries, "");
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 800);
    let later = jiff::Timestamp::from_second(later.as_second()).unwrap();
    let output = catwatch(dir.path())
        .args(["check", "--format", "json", "--no-state"])
        .env("CATWATCH_NOW", later.to_string())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report = json_of(&output);
    assert_eq!(report["generated_at"], later.to_string());
    let alive = by_id(&report, "alive-repo");
    assert_eq!(
        (&alive["status"], &alive["reason"]),
        (&json!("stale"), &json!("last-update-too-old")),
        "{alive:#}"
    );
    let output = catwatch(dir.path())
        .args(["check", "--no-state"])
        .env("CATWATCH_NOW", "yesterday")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CATWATCH_NOW=\"yesterday\" is not an RFC 3339 time"),
        "{stderr}"
    );
}

/// Issue 10: a setting out of range, or one that would overflow a duration or
/// a semaphore, is exit 2 with its name, line and range, never a panic and
/// never a hang; every such problem in the file is reported at once.
#[test]
fn extreme_settings_are_refused_with_their_name_line_and_range() {
    let dir = TempDir::new().unwrap();
    write_catalog(dir.path(), &three_entries()[..1]);
    for (text, wants) in [
        (
            "[probe]\nconcurrency = 18446744073709551615\n",
            vec!["catwatch.toml:2: [probe] concurrency = 18446744073709551615 is out of range"],
        ),
        (
            "[probe]\nconcurrency = 0\nrun_budget_secs = 9223372036854775807\nper_host_interval_ms = 9223372036854775807\n[state]\nlock_wait_secs = 9223372036854775807\n",
            vec![
                "catwatch.toml:2: [probe] concurrency = 0 is out of range: 1..=4096",
                "catwatch.toml:3: [probe] run_budget_secs = 9223372036854775807 is out of range: 1..=604800",
                "catwatch.toml:4: [probe] per_host_interval_ms",
                "catwatch.toml:6: [state] lock_wait_secs",
                "4 setting(s) out of range",
            ],
        ),
        (
            "[email]\nhost = \"smtp.example.org\"\nport = 0\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n",
            vec!["[email] port = 0 is out of range: 1..=65535"],
        ),
    ] {
        std::fs::write(dir.path().join("catwatch.toml"), text).unwrap();
        let started = std::time::Instant::now();
        let output = catwatch(dir.path())
            .args(["check", "--no-state"])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{text}\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        for want in wants {
            assert!(
                stderr.contains(want),
                "{text}: wanted {want:?} in\n{stderr}"
            );
        }
    }
}

/// Issue 10: every file the program reads goes through one reader. A state
/// file or a certificate bundle that is a FIFO or a device is an error that
/// names the path, within a second: no hang, no gigabytes read.
#[test]
fn special_files_as_state_or_certificates_are_refused_at_once() {
    let dir = TempDir::new().unwrap();
    write_catalog(dir.path(), &three_entries()[..1]);
    let fifo = dir.path().join("state.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for (settings, names) in [
        (
            format!("[state]\npath = \"{}\"\n", fifo.display()),
            "the state file",
        ),
        ("[state]\npath = \"/dev/zero\"\n".to_owned(), "/dev/zero"),
        (
            "[probe]\nextra_root_certs = [\"/dev/zero\"]\n".to_owned(),
            "/dev/zero",
        ),
    ] {
        std::fs::write(dir.path().join("catwatch.toml"), &settings).unwrap();
        let started = std::time::Instant::now();
        let output = catwatch(dir.path())
            .args(["check"])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{settings}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{settings}\n{stderr}");
        assert!(
            stderr.contains(names) && stderr.contains("not a regular file"),
            "{settings}\n{stderr}"
        );
    }
}

/// Issue 10: a server that echoes the Authorization header back (here GitHub's
/// GraphQL endpoint, quoting it in an error message) gets it published
/// nowhere: not in the report, not in the state, not on stderr.
#[test]
fn an_echoed_token_is_scrubbed_from_the_report_and_the_state() {
    let rt = runtime();
    let dir = TempDir::new().unwrap();
    let ca = tls::TestCa::new("catwatch echo CA");
    let ca_pem = ca.write_pem(dir.path());
    let server = rt.block_on(MockServer::start());
    let front = rt.block_on(tls::TlsFront::start(
        &ca.leaf(&["api.github.com"], tls::Validity::Good),
        *server.address(),
    ));
    rt.block_on(
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(|request: &wiremock::Request| {
                let echoed = request
                    .headers
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(json!({
                    "errors": [{"message": format!("Something went wrong for {echoed}")}]
                }))
            })
            .mount(&server),
    );
    std::fs::write(
        dir.path().join("catwatch.toml"),
        format!(
            "catalog = \"catalog\"\n{}resolve = [\"{}\"]\nextra_root_certs = [\"{}\"]\n",
            probe_settings(""),
            front.resolve_entry("api.github.com"),
            ca_pem.display()
        ),
    )
    .unwrap();
    write_catalog(
        dir.path(),
        &[(
            "repo",
            entry_yaml("repo", &[("https://github.com/o/r", "repository")], ""),
        )],
    );
    let output = catwatch(dir.path())
        .env("CATWATCH_GITHUB_TOKEN", "ghp_echoCANARY99")
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&output);
    let message = by_id(&report, "repo")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("Something went wrong for Bearer [redacted]"),
        "{message}"
    );
    let state = std::fs::read_to_string(dir.path().join("state/catwatch-state.json")).unwrap();
    for text in [
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        state,
    ] {
        assert!(
            !text.contains("echoCANARY99"),
            "the token leaked into:\n{text}"
        );
    }
}

/// Issue 10: logs an operator can read. `-v` gives one info line per resource
/// (id, status, reason, elapsed) and a run summary, without colour escapes
/// when stderr is no terminal; without `-v`, a TLS failure is in the verdict
/// and nothing of the libraries' reaches stderr. A reader that closes stdout
/// early ends the run quietly with its own exit code.
#[test]
fn logs_are_one_line_per_resource_at_v_and_a_closed_stdout_is_quiet() {
    let (rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    let output = catwatch(dir.path())
        .args(["-v", "check", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains('\u{1b}'), "no ANSI escapes: {stderr:?}");
    for id in ["alive-repo", "gone-repo", "moved-repo"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!("id={id}")))
            .unwrap_or_else(|| panic!("no line for {id} in\n{stderr}"));
        assert!(
            line.contains("INFO")
                && line.contains("status=")
                && line.contains("reason=")
                && line.contains("elapsed_ms="),
            "{line}"
        );
    }
    assert!(stderr.contains("run summary"), "{stderr}");
    assert!(
        stderr.contains("3 resources") || stderr.contains("resources=3"),
        "{stderr}"
    );

    // Without -v: a TLS failure (no test CA trusted) is a verdict, not log noise.
    let ca = tls::TestCa::new("catwatch untrusted CA");
    let front = rt.block_on(tls::TlsFront::start(
        &ca.leaf(&["untrusted.example.org"], tls::Validity::Good),
        *server.address(),
    ));
    let tls_dir = TempDir::new().unwrap();
    std::fs::write(
        tls_dir.path().join("catwatch.toml"),
        format!(
            "catalog = \"catalog\"\n{}resolve = [\"{}\"]\n",
            probe_settings(""),
            front.resolve_entry("untrusted.example.org")
        ),
    )
    .unwrap();
    write_catalog(
        tls_dir.path(),
        &[(
            "tls",
            entry_yaml(
                "tls",
                &[("https://untrusted.example.org/data", "landing")],
                "",
            ),
        )],
    );
    let output = catwatch(tls_dir.path())
        .args(["check", "--no-state", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&output);
    assert_eq!(by_id(&report, "tls")["reason"], "tls-error", "{report:#}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "",
        "nothing on stderr without -v"
    );

    // A reader that stops at once: no panic, the run's own exit code.
    let binary = std::env::var_os("CATWATCH_TEST_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_catwatch").into());
    let mut child = std::process::Command::new(binary)
        .current_dir(dir.path())
        .args(["check", "--no-state", "--format", "json"])
        .env_remove("CATWATCH_NOW")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        output.status.code(),
        Some(1),
        "the dead entry's exit code: {stderr}"
    );
}

/// A loopback server for plain web pages, reached as `pages.test` through
/// `[probe] resolve`, and a project whose catwatch.toml points there (with
/// `extra` lines in `[probe]`).
struct Pages {
    rt: Runtime,
    server: MockServer,
    port: u16,
    dir: TempDir,
}

impl Pages {
    fn new(extra: &str) -> Pages {
        let rt = runtime();
        let server = rt.block_on(MockServer::start());
        let port = server.address().port();
        let dir = TempDir::new().unwrap();
        std::fs::write(
            dir.path().join("catwatch.toml"),
            format!(
                "catalog = \"catalog\"\n{}",
                probe_settings(&format!(
                    "resolve = [\"pages.test:{port}:127.0.0.1\"]\n{extra}"
                ))
            ),
        )
        .unwrap();
        Pages {
            rt,
            server,
            port,
            dir,
        }
    }

    fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    /// Every GET not mounted otherwise answers 200.
    fn answer_all(&self) {
        self.mount(
            Mock::given(method("GET"))
                .respond_with(ResponseTemplate::new(200).set_body_string("here")),
        );
    }

    /// An entry `id` whose landing page is `/{path}` on this server.
    fn entry(&self, id: &'static str, path: &str) -> (&'static str, String) {
        let url = format!("http://pages.test:{}/{path}", self.port);
        (id, entry_yaml(id, &[(&url, "landing")], ""))
    }
}

/// `--timeout`, `--concurrency` and `--per-host` override `[probe]` for one
/// run, held to the same ranges as the file: the file allows 5 s, the page
/// answers after 3 s, and `--timeout 1` makes it a timeout; values out of
/// range are refused (exit 2) with the flag, the setting and its range.
#[test]
fn command_line_overrides_replace_the_probe_settings_within_their_ranges() {
    let pages = Pages::new("");
    pages.mount(
        Mock::given(method("GET"))
            .and(path("/slow"))
            .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3))),
    );
    // Quick pages beside it, so the run does not judge its own network down.
    pages.answer_all();
    let mut entries = vec![pages.entry("slow-page", "slow")];
    for id in ["fast-a", "fast-b", "fast-c"] {
        entries.push(pages.entry(id, &format!("fast?{id}")));
    }
    let dir = &pages.dir;
    write_catalog(dir.path(), &entries);
    let output = catwatch(dir.path())
        .args(["check", "--format", "json", "--no-state", "--timeout", "1"])
        .args(["--concurrency", "1", "--per-host", "1"])
        .output()
        .unwrap();
    let report = json_of(&output);
    let slow = by_id(&report, "slow-page");
    assert_eq!(slow["reason"], "timeout", "{slow:#}");
    assert_eq!(by_id(&report, "fast-a")["status"], "ok");

    for (flag, value, says) in [
        (
            "--timeout",
            "0",
            "--timeout 0 is out of range: 1..=3600 seconds; it overrides timeout_secs",
        ),
        (
            "--concurrency",
            "5000",
            "--concurrency 5000 is out of range: 1..=4096 requests; it overrides concurrency",
        ),
        (
            "--per-host",
            "0",
            "--per-host 0 is out of range: 1..=256 requests; it overrides per_host_concurrency",
        ),
    ] {
        let output = catwatch(dir.path())
            .args(["check", "--no-state", flag, value])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
}

/// `--only ID` checks its entry even when another entry has lint errors:
/// those are named on stderr and do not stop the run; a whole-catalog check
/// is still refused by them.
#[test]
fn only_checks_its_entry_when_another_has_lint_errors() {
    let pages = Pages::new("");
    pages.answer_all();
    let (_, broken) = pages.entry("broken", "broken");
    let broken = broken.replace("name:", "nmae:");
    let dir = &pages.dir;
    write_catalog(
        dir.path(),
        &[pages.entry("good", "good"), ("broken", broken)],
    );
    let output = catwatch(dir.path())
        .args(["check", "--format", "json", "--no-state", "--only", "good"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(ids(&json_of(&output)), ["good"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("this run does not check, the first at catalog/broken.yaml:"),
        "{stderr}"
    );
    assert!(stderr.contains("2 lint error(s) in 1 file(s)"), "{stderr}");

    let whole = catwatch(dir.path())
        .args(["check", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(2), "{whole:?}");
}

/// `check --format github` annotates each resource that is not ok on the
/// line of the URL that decided it (an error when it fails the policy), and
/// `--format sarif` holds the same results for code scanning.
#[test]
fn github_and_sarif_formats_annotate_the_deciding_url_line() {
    let (_rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    let line_of = |id: &str, url: &str| {
        let text = std::fs::read_to_string(dir.path().join(format!("catalog/{id}.yaml"))).unwrap();
        1 + text.lines().position(|l| l.contains(url)).unwrap()
    };
    let gone_line = line_of("gone-repo", "https://github.com/o/gone");
    let output = catwatch(dir.path())
        .args(["check", "--format", "github", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let gone = format!(
        "::error file=catalog/gone-repo.yaml,line={gone_line},col=10,title=catwatch dead (github-not-found)::gone-repo is dead (github-not-found): "
    );
    assert!(text.contains(&gone), "{text}");
    assert!(!text.contains("alive-repo"), "{text}");
    assert!(
        text.contains("::notice title=catwatch check::3 resources checked"),
        "{text}"
    );

    let output = catwatch(dir.path())
        .args(["check", "--format", "sarif", "--no-state"])
        .output()
        .unwrap();
    let log = json_of(&output);
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let gone = results
        .iter()
        .find(|r| r["ruleId"] == "github-not-found")
        .unwrap_or_else(|| panic!("{log:#}"));
    assert_eq!(gone["level"], "error");
    let at = &gone["locations"][0]["physicalLocation"];
    assert_eq!(at["artifactLocation"]["uri"], "catalog/gone-repo.yaml");
    assert_eq!(at["region"]["startLine"], gone_line);
    assert!(results.iter().all(|r| r["ruleId"] != "alive"));
}

/// URLs matching `--exclude`, `[probe] exclude` or a line of
/// `.catwatchignore` are never requested (the server's record of every
/// request shows none of them), and an entry whose URLs are all excluded is `unknown`
/// (`not-checked`), never dead. A bad pattern is refused with its line.
#[test]
fn excluded_urls_are_never_requested() {
    let pages = Pages::new("exclude = [\"/by-settings$\"]\n");
    pages.answer_all();
    let dir = &pages.dir;
    std::fs::write(
        dir.path().join(".catwatchignore"),
        "# pages we know block robots\n\n/by-file$\n",
    )
    .unwrap();
    let ids = [
        "kept-a",
        "kept-b",
        "kept-c",
        "by-settings",
        "by-file",
        "by-flag",
    ];
    let entries: Vec<(&str, String)> = ids.iter().map(|id| pages.entry(id, id)).collect();
    write_catalog(dir.path(), &entries);
    let output = catwatch(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--no-state",
            "--exclude",
            "/by-fl[a]g$",
        ])
        .output()
        .unwrap();
    let report = json_of(&output);
    for id in ["by-settings", "by-file", "by-flag"] {
        let r = by_id(&report, id);
        assert_eq!(
            (&r["status"], &r["reason"]),
            (&json!("unknown"), &json!("not-checked")),
            "{r:#}"
        );
    }
    assert_eq!(by_id(&report, "kept-a")["status"], "ok");
    let asked: Vec<String> = pages
        .rt
        .block_on(pages.server.received_requests())
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(
        asked
            .iter()
            .all(|p| p.starts_with("/kept-") || p == "/robots.txt"),
        "{asked:?}"
    );
    assert!(asked.iter().any(|p| p == "/kept-a"), "{asked:?}");

    std::fs::write(dir.path().join(".catwatchignore"), "ok\n(unclosed\n").unwrap();
    let output = catwatch(dir.path())
        .args(["check", "--no-state"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(".catwatchignore:2: `(unclosed` is not a valid regular expression"),
        "{stderr}"
    );
    // lint does not read the ignore file.
    let output = catwatch(dir.path()).arg("lint").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

/// `check --dump` lists every selected URL with its platform and the
/// requests the probes would send first (API calls included), and sends
/// nothing: the server records no request, and no state is written.
#[test]
fn dump_lists_the_requests_and_sends_nothing() {
    let (rt, server) = github_server();
    let dir = project(&server, &three_entries(), "");
    let output = catwatch(dir.path())
        .args(["check", "--dump"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("catwatch check --dump: 3 entries, 4 URLs; nothing was sent"),
        "{text}"
    );
    assert!(
        text.contains("  https://github.com/o/gone  (github)"),
        "{text}"
    );
    let api = format!("  GET {}/github/repos/o/gone\n", server.uri());
    assert!(text.contains(&api), "{text}");
    assert!(rt.block_on(server.received_requests()).unwrap().is_empty());
    assert!(!dir.path().join("state").exists());

    let output = catwatch(dir.path())
        .args([
            "check",
            "--dump",
            "--format",
            "json",
            "--only",
            "alive-repo",
        ])
        .output()
        .unwrap();
    let dump = json_of(&output);
    assert_eq!(dump["entries"][0]["id"], "alive-repo");
    assert_eq!(dump["requests"][0]["method"], "GET");
    assert_eq!(
        dump["requests"][0]["url"],
        format!("{}/github/repos/o/alive", server.uri())
    );
    assert_eq!(dump["requests"].as_array().unwrap().len(), 1);
}
