//! `catwatch monitor` end to end: the real binary, a fixture HTTP server on
//! loopback whose answers the test switches per simulated night, and a real
//! SMTP server (aiosmtpd, tests/support/smtp_sink.py). Nights are simulated
//! with CATWATCH_NOW.

#[path = "support/smtp_sink.rs"]
mod smtp_sink;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use smtp_sink::{SmtpSink, count, mail};

// ---------------------------------------------------------------- fixtures

#[derive(Clone, Copy)]
struct Answer {
    status: u16,
    delay_ms: u64,
}

/// A tiny HTTP/1.1 server on 127.0.0.1: each path answers with the status the
/// test set for it (404 when unset), after an optional delay.
struct Fixture {
    port: u16,
    answers: Arc<Mutex<HashMap<String, Answer>>>,
    hits: Arc<AtomicUsize>,
    /// Every request head received, in order.
    heads: Arc<Mutex<Vec<String>>>,
}

impl Fixture {
    fn start() -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answers: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let heads: Arc<Mutex<Vec<String>>> = Arc::default();
        let (a, h, r) = (answers.clone(), hits.clone(), heads.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (a, h, r) = (a.clone(), h.clone(), r.clone());
                std::thread::spawn(move || serve(stream, &a, &h, &r));
            }
        });
        Fixture {
            port,
            answers,
            hits,
            heads,
        }
    }

    /// The catalog must name public-looking hosts (lint refuses loopback
    /// addresses), so each resource gets its own name under `.test`, pinned
    /// to this server with `[probe] resolve`.
    fn url(&self, id: &str) -> String {
        format!("http://{id}.catwatch.test:{}/{id}", self.port)
    }

    fn resolve_line(&self, id: &str) -> String {
        format!("\"{id}.catwatch.test:{}:127.0.0.1\"", self.port)
    }

    fn set(&self, path: &str, status: u16) {
        self.set_slow(path, status, 0);
    }

    fn set_slow(&self, path: &str, status: u16, delay_ms: u64) {
        self.answers
            .lock()
            .unwrap()
            .insert(format!("/{path}"), Answer { status, delay_ms });
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn serve(
    mut stream: TcpStream,
    answers: &Mutex<HashMap<String, Answer>>,
    hits: &AtomicUsize,
    heads: &Mutex<Vec<String>>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&head).into_owned();
    heads.lock().unwrap().push(head.clone());
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("/").to_owned();
    let answer = answers
        .lock()
        .unwrap()
        .get(&path)
        .copied()
        .unwrap_or(Answer {
            status: 404,
            delay_ms: 0,
        });
    std::thread::sleep(Duration::from_millis(answer.delay_ms));
    let body = "<html><body>fixture</body></html>";
    let mut reply = format!(
        "HTTP/1.1 {} Fixture\r\nContent-Type: text/html\r\nETag: \"v1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.status,
        body.len()
    );
    if method != "HEAD" {
        reply.push_str(body);
    }
    let _ = stream.write_all(reply.as_bytes());
}

/// A TCP server that accepts and never answers: an SMTP server that hangs.
fn black_hole() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

fn entry_yaml(id: &str, url: &str) -> String {
    format!(
        "id: {id}
name: Resource {upper}
description: A fixture resource for the monitor tests.
kind: imaging
urls:
  - url: {url}
    role: landing
modalities:
  ct: Y
  xray: N
  mrt: N
  ultrasound: N
  metadata: N
  case_review: N
access: open
license:
  status: unknown
maintenance: frozen
provenance:
  last_verified: 2026-11-01
  verified_against: the monitor tests
  live_checked: false
  claims:
    - about: existence
      source: the monitor tests
      confidence: low
",
        upper = id.to_uppercase()
    )
}

/// One scenario: a catalog of fixture resources, a settings file, a state file.
struct Scenario {
    dir: tempfile::TempDir,
    http: Fixture,
    ids: Vec<String>,
    policy: String,
    state: String,
    /// Extra `[probe]` settings.
    probe: String,
    /// `[probe] timeout_secs`.
    timeout_secs: u64,
}

impl Scenario {
    fn new(ids: &[&str], policy: &str) -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let http = Fixture::start();
        std::fs::create_dir(dir.path().join("catalog")).unwrap();
        for id in ids {
            std::fs::write(
                dir.path().join(format!("catalog/{id}.yaml")),
                entry_yaml(id, &http.url(id)),
            )
            .unwrap();
            http.set(id, 200);
        }
        Scenario {
            dir,
            http,
            ids: ids.iter().map(|id| id.to_string()).collect(),
            policy: policy.to_owned(),
            state: String::new(),
            probe: String::new(),
            timeout_secs: 5,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn state_path(&self) -> PathBuf {
        self.path("state/catwatch-state.json")
    }

    /// Writes catwatch.toml with mail going to `smtp_port` (plain, opted in).
    fn configure(&self, smtp_port: Option<u16>) {
        let email = smtp_port.map_or_else(String::new, |port| {
            format!(
                "[email]
host = \"127.0.0.1\"
port = {port}
security = \"plain\"
allow_plain = true
from = \"catwatch <bot@catwatch.test>\"
to = [\"team@catwatch.test\"]
timeout_secs = 2
"
            )
        });
        let text = format!(
            "catalog = \"catalog\"

[probe]
archive_lookup = false
allow = [\"127.0.0.0/8\"]
resolve = [{resolve}]
retries = 0
timeout_secs = {timeout_secs}
connect_timeout_secs = 2
{probe}

[policy]
{policy}

[state]
path = \"state/catwatch-state.json\"
{state}

{email}",
            policy = self.policy,
            state = self.state,
            timeout_secs = self.timeout_secs,
            probe = if self.probe.is_empty() {
                "per_host_interval_ms = 0"
            } else {
                &self.probe
            },
            resolve = self
                .ids
                .iter()
                .map(|id| self.http.resolve_line(id))
                .collect::<Vec<_>>()
                .join(", "),
        );
        std::fs::write(self.path("catwatch.toml"), text).unwrap();
    }

    fn command(&self, night: u32, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.current_dir(self.dir.path())
            .env_remove("CATWATCH_CONFIG")
            .env_remove("RUST_LOG")
            .env_remove("GITHUB_TOKEN")
            .env_remove("CATWATCH_GITHUB_TOKEN")
            .env_remove("CATWATCH_SMTP_USERNAME")
            .env_remove("CATWATCH_SMTP_PASSWORD")
            .env("CATWATCH_NOW", night_at(night))
            .arg("--config")
            .arg(self.path("catwatch.toml"))
            .args(args);
        cmd
    }

    fn monitor(&self, night: u32) -> Output {
        self.command(night, &["monitor", "--quiet"])
            .output()
            .unwrap()
    }

    fn spawn_monitor(&self, night: u32) -> Child {
        self.command(night, &["monitor", "--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// The state file, checked to be a complete version-2 state.
    fn state(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.state_path()).expect("a state file");
        let value: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("state is not JSON ({e}): {text}"));
        assert_eq!(value["version"], 2, "{text}");
        let errors: Vec<String> = state_schema()
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "state does not match schema/state.schema.json: {errors:#?}\n{text}"
        );
        value
    }

    fn leftover_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path("state"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

/// The binary under test. CATWATCH_TEST_BIN overrides it, for machines where
/// several checkouts share one target directory and overwrite each other's
/// `target/debug/catwatch`.
fn binary() -> PathBuf {
    std::env::var_os("CATWATCH_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_catwatch")))
}

fn state_schema() -> jsonschema::Validator {
    let text = include_str!("../schema/state.schema.json");
    jsonschema::validator_for(&serde_json::from_str(text).unwrap()).expect("a valid schema")
}

#[test]
fn the_state_schema_is_strict_enough_to_fail() {
    let schema = state_schema();
    assert!(schema.is_valid(&serde_json::json!({"version": 2})));
    for bad in [
        serde_json::json!({"version": 3}),
        serde_json::json!({"version": 2, "resources": {"../x": {}}}),
        serde_json::json!({"version": 2, "resources": {"a": {"status": "gone"}}}),
        serde_json::json!({"version": 2, "outbox": [{"alert": {"key": "k", "kind": {"kind": "dead"}, "message": "m", "at": "2026-11-02T03:00:00Z"}, "pending": []}]}),
        serde_json::json!({"version": 2, "resources": {"a": {"tracked": {"manifest": {"files": 1, "bytes": 2, "digest": "d", "list": []}}}}}),
    ] {
        assert!(!schema.is_valid(&bad), "{bad}");
    }
}

/// Night `n` of the simulated month, 03:00 UTC.
fn night_at(n: u32) -> String {
    format!("2026-11-{n:02}T03:00:00Z")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_ran(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "{}", text(output));
}

const SCENARIO_POLICY: &str = "dead_after_runs = 2
recover_after_runs = 2
flap_window = 4
flap_high_percent = 60
flap_low_percent = 25";

// ---------------------------------------------------------------- the Bar

/// Five nights. A fails on nights 1 and 2 (declared dead on night 2, its
/// second failed run: dead_after_runs = 2) and answers again from night 3
/// (declared recovered on night 4, its second good run: recover_after_runs =
/// 2). B fails on nights 1, 3 and 5. The SMTP server refuses mail (451) on
/// night 3, when B's flapping is first announced.
#[test]
fn five_nights_one_mail_per_transition_and_nothing_lost_to_an_outage() {
    let s = Scenario::new(&["a", "b"], SCENARIO_POLICY);
    let mut sinks = Vec::new();
    let plan: [(u16, u16, Option<&str>); 5] = [
        (404, 404, None),
        (404, 200, None),
        (200, 404, Some("451")),
        (200, 200, None),
        (200, 404, None),
    ];
    for (i, (a, b, refuse)) in plan.iter().enumerate() {
        let night = i as u32 + 1;
        s.http.set("a", *a);
        s.http.set("b", *b);
        let sink = match refuse {
            Some(code) => SmtpSink::start(&["--reject-all", code]),
            None => SmtpSink::start(&[]),
        };
        s.configure(Some(sink.port));
        let out = s.monitor(night);
        assert_ran(&out);
        let state = s.state();
        assert_eq!(
            state["runs"].as_array().unwrap().len(),
            night as usize,
            "night {night}"
        );
        assert_eq!(
            s.leftover_files(),
            ["catwatch-state.json", "catwatch-state.json.lock"]
        );
        if night == 3 {
            assert!(sink.messages().is_empty());
            assert_eq!(state["outbox"].as_array().unwrap().len(), 1, "{state:#}");
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("stay in the outbox"),
                "{}",
                text(&out)
            );
        } else {
            assert!(
                state["outbox"].as_array().unwrap().is_empty(),
                "night {night}: {state:#}"
            );
        }
        sinks.push(sink);
    }
    let received = mail(&sinks.iter().collect::<Vec<_>>());
    let per_night: Vec<usize> = sinks.iter().map(|s| s.messages().len()).collect();
    assert_eq!(per_night, [0, 1, 0, 1, 0], "{received:#?}");
    assert_eq!(count(&received, "Resource A is dead"), 1, "{received:#?}");
    assert_eq!(
        count(&received, "Resource A has recovered"),
        1,
        "{received:#?}"
    );
    assert_eq!(
        count(&received, "Resource B is flapping"),
        1,
        "{received:#?}"
    );
    assert_eq!(count(&received, "Resource B is dead"), 0, "{received:#?}");
    // Nothing else: the two digests carry exactly these three alerts.
    assert_eq!(received[0].0, "[catwatch] dead: Resource A");
    assert!(received[1].1.contains("Flapping (1)") && received[1].1.contains("Recovered (1)"));
    assert_eq!(
        received
            .iter()
            .map(|(_, t)| t.matches("\n  - ").count())
            .sum::<usize>(),
        3
    );

    let state = s.state();
    assert_eq!(state["resources"]["a"]["status"], "ok");
    assert_eq!(state["resources"]["b"]["flapping"], true);
    assert_eq!(
        state["resources"]["b"]["history"].as_array().unwrap().len(),
        5
    );
    assert_eq!(state["last_successful_run"], night_at(5));
    let delivered: Vec<&str> = state["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(delivered, ["delivered", "delivered", "delivered"]);
}

// ---------------------------------------------------------------- section E

/// E40/E43: SIGKILL while probing: the state is the previous one, byte for
/// byte, and the rerun sends the alert once.
#[test]
fn killed_while_probing_leaves_the_old_state_and_the_rerun_mails_once() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    s.http.set("a", 404);
    assert_ran(&s.monitor(1));
    let before = std::fs::read(s.state_path()).unwrap();

    s.http.set_slow("a", 404, 5_000);
    let hits = s.http.hits();
    let mut child = s.spawn_monitor(2);
    wait_for(|| s.http.hits() > hits, "the run to reach the fixture");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read(s.state_path()).unwrap(),
        before,
        "old state intact"
    );
    assert!(sink.messages().is_empty());

    s.http.set("a", 404);
    assert_ran(&s.monitor(2));
    assert_ran(&s.monitor(3));
    let received = mail(&[&sink]);
    assert_eq!(count(&received, "Resource A is dead"), 1, "{received:#?}");
    assert_eq!(received.len(), 1);
    assert_eq!(
        s.leftover_files(),
        ["catwatch-state.json", "catwatch-state.json.lock"]
    );
}

/// E40: SIGKILL at moments spread over whole runs (probing, judging, the
/// saves, delivery): the state is always a complete old or new state, and
/// the next completed run leaves no temporary file behind.
#[test]
fn killed_at_any_moment_the_state_is_old_or_new_never_partial() {
    let ids: Vec<String> = (0..12).map(|i| format!("r{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let s = Scenario::new(&ids, SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    s.http.set("r0", 404);
    let started = Instant::now();
    assert_ran(&s.monitor(1));
    let full = started.elapsed();
    // Kill moments from 0 to 1.3 times a whole run: before, during and
    // between the two saves, and after the run ended.
    let steps = 16u32;
    for i in 0..steps {
        let before = std::fs::read(s.state_path()).unwrap();
        let mut child = s.spawn_monitor(2 + i);
        std::thread::sleep(full * i * 13 / (steps * 10));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let after = std::fs::read(s.state_path()).unwrap();
        let state = s.state();
        if after != before {
            let runs = state["runs"].as_array().unwrap();
            assert_eq!(
                runs.last().unwrap()["started"],
                night_at(2 + i),
                "{status:?}"
            );
        }
    }
    assert_ran(&s.monitor(20));
    assert_eq!(
        s.leftover_files(),
        ["catwatch-state.json", "catwatch-state.json.lock"]
    );
}

/// E40/E43: SIGKILL while delivering (the SMTP server hangs): the alert was
/// saved in the outbox before sending, and the rerun delivers it once.
#[test]
fn killed_while_delivering_keeps_the_alert_in_the_outbox_for_the_rerun() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    s.http.set("a", 404);
    let hang = black_hole();
    s.configure(Some(hang));
    assert_ran(&s.monitor(1));

    let mut child = s.spawn_monitor(2);
    wait_for(
        || {
            std::fs::read_to_string(s.state_path()).is_ok_and(|t| {
                serde_json::from_str::<serde_json::Value>(&t)
                    .is_ok_and(|v| v["outbox"].as_array().is_some_and(|o| !o.is_empty()))
            })
        },
        "the alert to reach the outbox",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let state = s.state();
    assert_eq!(
        state["outbox"][0]["alert"]["kind"]["kind"], "dead",
        "{state:#}"
    );

    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    assert_ran(&s.monitor(3));
    assert_ran(&s.monitor(4));
    let received = mail(&[&sink]);
    assert_eq!(received.len(), 1, "{received:#?}");
    assert_eq!(count(&received, "Resource A is dead"), 1);
    assert!(s.state()["outbox"].as_array().unwrap().is_empty());
}

/// E42: two runs at once: with no wait, the second exits 0 at once and
/// touches nothing; with a wait, it runs after the first and repeats nothing.
#[test]
fn a_second_concurrent_run_exits_cleanly_or_waits_its_turn() {
    let mut s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.http.set("a", 404);
    s.configure(Some(sink.port));
    assert_ran(&s.monitor(1));

    // The first run holds the lock while its probe waits 10 s on the server.
    s.timeout_secs = 30;
    s.configure(Some(sink.port));
    s.http.set_slow("a", 404, 10_000);
    let hits = s.http.hits();
    let first = s.spawn_monitor(2);
    wait_for(|| s.http.hits() > hits, "the first run to be probing");

    s.state = "lock_wait_secs = 0".into();
    s.configure(Some(sink.port));
    let started = Instant::now();
    let second = s.monitor(2);
    assert_ran(&second);
    // It stepped aside at once: well before the first run let go.
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("another catwatch run holds"),
        "{}",
        text(&second)
    );

    s.state = "lock_wait_secs = 30".into();
    s.configure(Some(sink.port));
    let third = s.monitor(2);
    assert_ran(&third);
    let first = first.wait_with_output().unwrap();
    assert_ran(&first);

    let received = mail(&[&sink]);
    assert_eq!(count(&received, "Resource A is dead"), 1, "{received:#?}");
    assert_eq!(received.len(), 1);
    assert_eq!(
        s.state()["runs"].as_array().unwrap().len(),
        3,
        "the busy run recorded nothing"
    );
}

/// E41: a truncated state is moved aside (not overwritten), the run says so,
/// sends nothing, and starts a valid fresh state.
#[test]
fn a_corrupt_state_is_quarantined_and_that_run_sends_nothing() {
    let s = Scenario::new(&["a", "b"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    s.http.set("a", 404);
    assert_ran(&s.monitor(1));
    let full = std::fs::read_to_string(s.state_path()).unwrap();
    let truncated = &full[..full.len() / 2];
    std::fs::write(s.state_path(), truncated).unwrap();

    let out = s.monitor(2);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is unusable")
            && stderr.contains("catwatch-state.json.corrupt-20261102T030000Z"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(s.path("state/catwatch-state.json.corrupt-20261102T030000Z"))
            .unwrap(),
        truncated
    );
    let state = s.state();
    assert_eq!(state["runs"][0]["observe_only"], true);
    assert!(
        sink.messages().is_empty(),
        "no alerts from an observe-only run"
    );

    // Unknown version: the same.
    std::fs::write(s.state_path(), "{\"version\": 3, \"resources\": {}}").unwrap();
    let out = s.monitor(3);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 3"));
    assert!(
        s.path("state/catwatch-state.json.corrupt-20261103T030000Z")
            .exists()
    );
    assert!(sink.messages().is_empty());
}

/// E41 via `check`: check quarantines the unusable state, and the next
/// monitor run still only observes (a silent baseline), then alerts normally.
#[test]
fn a_state_quarantined_by_check_makes_the_next_monitor_run_observe_only() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    s.http.set("a", 404);
    assert_ran(&s.monitor(1));
    std::fs::write(s.state_path(), "\u{0}\u{1}garbage").unwrap();
    let out = s.command(2, &["check", "--quiet"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is unusable"),
        "{}",
        text(&out)
    );
    // `check` stamps the quarantined file with the real clock.
    let files = s.leftover_files();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(
        files[1].starts_with("catwatch-state.json.corrupt-"),
        "{files:?}"
    );
    assert_eq!(s.state()["needs_baseline"], true);

    let out = s.monitor(3);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("observe-only run"));
    assert!(s.state().get("needs_baseline").is_none());
    assert!(sink.messages().is_empty());
    // A was failing when the state was lost: whether it had been announced
    // cannot be known, so reaching dead_after_runs announces nothing.
    assert_ran(&s.monitor(4));
    assert!(sink.messages().is_empty(), "{:#?}", mail(&[&sink]));
}

/// Issue 10: after a state loss, neither the observing run nor the next ones
/// re-announce a resource that was announced dead before the loss (dead
/// needs `dead_after_runs` runs, so a baseline of "no condition" would have
/// announced it again), its recovery is silent, and a new failure after the
/// baseline is announced once.
#[test]
fn a_state_loss_does_not_re_announce_a_dead_resource_over_the_next_nights() {
    let s = Scenario::new(&["a", "b"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    s.http.set("a", 404);
    assert_ran(&s.monitor(1));
    assert_ran(&s.monitor(2));
    assert_eq!(count(&mail(&[&sink]), "Resource A is dead"), 1);
    // The state branch loses its file: garbage where the JSON was.
    std::fs::write(s.state_path(), "{\"version\": 1, \"resources\": ").unwrap();
    let out = s.monitor(3);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    for night in 4..=6 {
        assert_ran(&s.monitor(night));
    }
    let received = mail(&[&sink]);
    assert_eq!(count(&received, "Resource A is dead"), 1, "{received:#?}");
    assert_eq!(received.len(), 1, "{received:#?}");
    // A recovers (silently: its death after the loss was a baseline); B dies.
    s.http.set("a", 200);
    s.http.set("b", 404);
    for night in 7..=9 {
        assert_ran(&s.monitor(night));
    }
    let received = mail(&[&sink]);
    assert_eq!(count(&received, "Resource B is dead"), 1, "{received:#?}");
    assert_eq!(count(&received, "Resource A is dead"), 1, "{received:#?}");
    assert_eq!(count(&received, "recovered"), 0, "{received:#?}");
    assert_eq!(received.len(), 2, "{received:#?}");
}

/// E44: a 5xx refusal is permanent: reported (exit 1), recorded, not retried.
#[test]
fn a_permanent_refusal_is_reported_recorded_and_not_retried() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let refusing = SmtpSink::start(&["--reject-all", "550"]);
    s.configure(Some(refusing.port));
    s.http.set("a", 404);
    assert_ran(&s.monitor(1));
    let out = s.monitor(2);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused delivery permanently"));
    let state = s.state();
    assert!(state["outbox"].as_array().unwrap().is_empty());
    assert_eq!(state["deliveries"][0]["outcome"], "failed");

    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    assert_ran(&s.monitor(3));
    assert!(sink.messages().is_empty(), "not retried");
}

/// Issue 10: killed (SIGKILL) right after the SMTP server accepted the digest
/// and before the state recorded it, the rerun sends it again, as the outbox
/// promises, and the copy carries the same Message-ID, so mail clients and
/// list servers drop it.
#[test]
fn a_digest_re_sent_after_a_kill_carries_the_same_message_id() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    s.http.set("a", 404);
    let hold = s.path("hold-the-reply");
    let sink = SmtpSink::start(&["--hold-file", hold.to_str().unwrap()]);
    s.configure(Some(sink.port));
    assert_ran(&s.monitor(1));
    std::fs::write(&hold, "").unwrap();
    let mut child = s.spawn_monitor(2);
    wait_for(
        || sink.messages().len() == 1,
        "the server to accept the digest",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_file(&hold).unwrap();
    assert_eq!(s.state()["outbox"].as_array().unwrap().len(), 1);
    assert_ran(&s.monitor(3));
    assert_ran(&s.monitor(4));
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "the rerun re-sent it: {messages:#?}");
    let id = |message: &str| {
        message
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("message-id")
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no Message-ID in {message}"))
    };
    assert_eq!(id(&messages[0]), id(&messages[1]));
    assert!(
        id(&messages[0]).ends_with("@catwatch.test>"),
        "{}",
        id(&messages[0])
    );
    assert!(s.state()["outbox"].as_array().unwrap().is_empty());
}

/// E45: dry runs send nothing and lose nothing; a rerun never repeats.
#[test]
fn a_dry_run_sends_nothing_and_the_next_run_sends_it_once() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    s.http.set("a", 404);
    assert_ran(&s.monitor(1));
    let out = s
        .command(2, &["monitor", "--quiet", "--dry-run"])
        .output()
        .unwrap();
    assert_ran(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("dry run: 1 alert(s) stay in the outbox")
    );
    assert!(sink.messages().is_empty());
    assert_ran(&s.monitor(3));
    assert_ran(&s.monitor(4));
    let received = mail(&[&sink]);
    assert_eq!(received.len(), 1);
    assert_eq!(count(&received, "Resource A is dead"), 1);
}

/// E46: STARTTLS required but not offered: nothing is sent, no AUTH goes out
/// in clear, and the alert waits in the outbox.
#[test]
fn starttls_stripped_sends_no_credentials_and_keeps_the_alert() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&["--auth", "bot:canary-pw", "--auth-without-tls"]);
    s.configure(Some(sink.port));
    let toml = std::fs::read_to_string(s.path("catwatch.toml"))
        .unwrap()
        .replace("security = \"plain\"", "security = \"starttls\"");
    std::fs::write(s.path("catwatch.toml"), toml).unwrap();
    s.http.set("a", 404);
    let run = |night| {
        s.command(night, &["monitor", "--quiet"])
            .env("CATWATCH_SMTP_USERNAME", "bot")
            .env("CATWATCH_SMTP_PASSWORD", "canary-pw")
            .output()
            .unwrap()
    };
    assert_ran(&run(1));
    let out = run(2);
    assert!(sink.messages().is_empty());
    let transcript = sink.transcript();
    assert!(!transcript.contains("AUTH"), "{transcript}");
    assert!(!transcript.contains("MAIL"), "{transcript}");
    let state = std::fs::read_to_string(s.state_path()).unwrap();
    assert!(!state.contains("canary-pw"));
    assert!(!text(&out).contains("canary-pw"));
    let value = s.state();
    // Transient (the server may be fixed): kept for the next run, not failed.
    assert_eq!(value["outbox"].as_array().unwrap().len(), 1, "{value:#}");
    assert!(
        value["deliveries"].as_array().unwrap().is_empty(),
        "{value:#}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did not offer STARTTLS"),
        "{}",
        text(&out)
    );
}

/// E47: a heartbeat older than twice the schedule interval is reported once.
#[test]
fn a_missed_schedule_is_mailed_once() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    assert_ran(&s.monitor(1));
    assert_ran(&s.monitor(2));
    assert!(sink.messages().is_empty(), "24 hours is on schedule");
    assert_ran(&s.monitor(5));
    assert_ran(&s.monitor(6));
    let received = mail(&[&sink]);
    assert_eq!(received.len(), 1, "{received:#?}");
    assert!(
        received[0].1.contains("2026-11-02T03:00:00Z"),
        "{received:#?}"
    );
    assert!(received[0].0.contains("missed schedule"), "{received:#?}");
}

/// The run record and the retirement of an entry removed from the catalog.
#[test]
fn an_entry_removed_from_the_catalog_is_retired_with_a_date() {
    let s = Scenario::new(&["a", "b"], SCENARIO_POLICY);
    s.configure(None);
    assert_ran(&s.monitor(1));
    std::fs::remove_file(s.path("catalog/b.yaml")).unwrap();
    assert_ran(&s.monitor(2));
    let state = s.state();
    assert!(state["resources"].get("b").is_none());
    assert_eq!(state["retired"]["b"]["retired_at"], night_at(2));
    assert_eq!(state["retired"]["b"]["last_status"], "ok");
    assert_eq!(state["runs"][1]["counts"]["ok"], 1);
}

/// `catwatch report --format json` renders from the state without probing.
#[test]
fn report_renders_from_the_state_without_probing() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    s.configure(None);
    s.http.set("a", 404);
    let out = s
        .command(1, &["report", "--format", "json"])
        .output()
        .unwrap();
    assert_ran(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["resources"][0]["status"].is_null(), "never checked");
    assert!(!s.state_path().exists(), "report writes no state");
    assert_ran(&s.monitor(1));
    assert_ran(&s.monitor(2));
    let hits = s.http.hits();
    let out = s
        .command(3, &["report", "--format", "json"])
        .output()
        .unwrap();
    assert_ran(&out);
    assert_eq!(s.http.hits(), hits, "no probe");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["resources"][0]["id"], "a");
    assert_eq!(report["resources"][0]["status"], "dead");
    assert_eq!(report["resources"][0]["since"], night_at(2));
    assert_eq!(report["last_successful_run"], night_at(2));
    assert_eq!(
        report["resources"][0]["history"].as_array().unwrap().len(),
        2
    );

    std::fs::write(s.state_path(), "{").unwrap();
    let out = s
        .command(3, &["report", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the next `catwatch monitor` moves it aside")
    );
    assert_eq!(
        std::fs::read_to_string(s.state_path()).unwrap(),
        "{",
        "report never quarantines"
    );
}

/// `monitor --reports DIR` writes all four formats from the state it saved;
/// `report --format badges` needs a directory.
#[test]
fn monitor_writes_every_report_and_report_renders_each_format() {
    let s = Scenario::new(&["a", "b"], SCENARIO_POLICY);
    s.configure(None);
    s.http.set("a", 404);
    assert_ran(&s.monitor(1));
    let out = s
        .command(2, &["monitor", "--quiet", "--reports", "site"])
        .output()
        .unwrap();
    assert_ran(&out);
    let site = s.path("site");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("status.json")).unwrap()).unwrap();
    assert_eq!(json["resources"][0]["status"], "dead");
    assert_eq!(json["resources"][1]["status"], "ok");
    assert_eq!(json["generated_at"], night_at(2));
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(html.contains("Resource A") && html.contains("Content-Security-Policy"));
    let markdown = std::fs::read_to_string(site.join("status.md")).unwrap();
    assert!(markdown.contains("Resource A"), "{markdown}");
    let badge: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("badges/a.json")).unwrap())
            .unwrap();
    assert_eq!(badge["message"], "dead", "{badge}");
    assert!(site.join("badges/b.json").exists());

    for (format, needle) in [("markdown", "Resource B"), ("html", "<!DOCTYPE html>")] {
        let out = s
            .command(3, &["report", "--format", format])
            .output()
            .unwrap();
        assert_ran(&out);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(needle),
            "{format}"
        );
    }
    let out = s
        .command(3, &["report", "--format", "badges"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output DIR"));
    let out = s
        .command(3, &["report", "--format", "badges", "--output", "b2"])
        .output()
        .unwrap();
    assert_ran(&out);
    assert_eq!(
        std::fs::read_to_string(s.path("b2/a.json")).unwrap(),
        std::fs::read_to_string(site.join("badges/a.json")).unwrap()
    );
}

/// Two channels, one outbox: the GitHub API fails (503) on the night A dies,
/// so mail goes out at once and the tracking issue is created on the next
/// run, once; the dead alert is not mailed again meanwhile.
#[test]
fn each_channel_delivers_once_and_a_failing_one_retries_alone() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/catwatch/catalog/issues"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/repos/catwatch/catalog/issues"))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(serde_json::json!({"number": 7})),
            )
            .mount(&server)
            .await;
        server
    });
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    let mut toml = std::fs::read_to_string(s.path("catwatch.toml")).unwrap();
    toml.push_str(&format!(
        "\n[github_issues]\nrepository = \"catwatch/catalog\"\napi = \"{}\"\nallow_http = true\n",
        api.uri()
    ));
    std::fs::write(s.path("catwatch.toml"), toml).unwrap();
    s.http.set("a", 404);
    let run = |night| {
        s.command(night, &["monitor", "--quiet"])
            .env("CATWATCH_GITHUB_TOKEN", "ghp_canary_monitor")
            .output()
            .unwrap()
    };
    assert_ran(&run(1));
    let night2 = run(2);
    assert_ran(&night2);
    assert!(
        String::from_utf8_lossy(&night2.stderr).contains("github_issues delivery failed for now")
    );
    assert_eq!(
        s.state()["outbox"][0]["pending"],
        serde_json::json!(["github_issues"])
    );
    assert_ran(&run(3));
    assert_ran(&run(4));

    let requests = runtime.block_on(api.received_requests()).unwrap();
    let created: Vec<serde_json::Value> = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(created.len(), 1, "{created:#?}");
    assert!(
        created[0]["title"].as_str().unwrap().contains("Resource A"),
        "{created:#?}"
    );
    let received = mail(&[&sink]);
    assert_eq!(received.len(), 1, "{received:#?}");
    let state = s.state();
    assert!(state["outbox"].as_array().unwrap().is_empty());
    let channels: Vec<&str> = state["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["email", "github_issues"]);
    assert!(
        !std::fs::read_to_string(s.state_path())
            .unwrap()
            .contains("ghp_canary")
    );
}

/// `catwatch check` records what it saw (no counters, no alerts), and the
/// validators it remembers make the next run's requests conditional.
#[test]
fn check_records_into_the_state_and_validators_make_requests_conditional() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    s.http.set("a", 404);
    for night in 1..=3 {
        let out = s.command(night, &["check", "--quiet"]).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "dead fails the check: {}",
            text(&out)
        );
    }
    let state = s.state();
    let a = &state["resources"]["a"];
    assert_eq!(a["observed"]["status"], "dead");
    assert_eq!(a["consecutive_failures"], 0, "check moves no counter");
    assert!(a["status"].is_null());
    assert_eq!(state["runs"].as_array().unwrap().len(), 3);
    assert_eq!(state["runs"][0]["kind"], "check");
    assert!(sink.messages().is_empty(), "check never alerts");

    s.http.set("a", 200);
    assert_ran(&s.monitor(4));
    assert_eq!(
        s.state()["resources"]["a"]["validators"][s.http.url("a")]["etag"],
        "\"v1\""
    );
    assert_ran(&s.monitor(5));
    let heads = s.http.heads.lock().unwrap().clone();
    let last = heads.last().unwrap().to_ascii_lowercase();
    assert!(last.contains("if-none-match: \"v1\""), "{heads:#?}");
}

/// Channel settings are checked before anything is probed.
#[test]
fn a_channel_that_cannot_work_stops_the_run_before_probing() {
    let s = Scenario::new(&["a"], SCENARIO_POLICY);
    s.configure(None);
    let mut toml = std::fs::read_to_string(s.path("catwatch.toml")).unwrap();
    toml.push_str("\n[github_issues]\nrepository = \"catwatch/catalog\"\n");
    std::fs::write(s.path("catwatch.toml"), toml).unwrap();
    let out = s.command(1, &["monitor", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no token is set"),
        "{}",
        text(&out)
    );
    assert_eq!(s.http.hits(), 0);
    assert!(!s.state_path().exists());
}

/// One host. With a politeness interval of 5 s and a run budget of 9 s each
/// night reaches its robots.txt and one resource before the budget is spent
/// (the one resource is due at 5 s, leaving 4 s for a loaded machine; the
/// next is due at 10 s, after the budget); the rest are unknown
/// (budget-spent) and move no counter, so the nights alert nothing, and the
/// second night probes first what the first did not reach. With a 5 s budget
/// and an interval of 60 s the night still ends within 15 s.
#[test]
fn a_spent_budget_is_unknown_ends_in_time_and_starves_a_different_tail() {
    let mut s = Scenario::new(&["a", "b", "c"], SCENARIO_POLICY);
    for id in ["a", "b", "c"] {
        std::fs::write(
            s.path(&format!("catalog/{id}.yaml")),
            entry_yaml(
                id,
                &format!("http://shared.catwatch.test:{}/{id}", s.http.port),
            ),
        )
        .unwrap();
    }
    s.ids.push("shared".into());
    let sink = SmtpSink::start(&[]);
    let mut first_probed = Vec::new();
    for (night, interval_ms, budget_secs, spent) in
        [(1, 5_000, 9, 2), (2, 5_000, 9, 2), (3, 60_000, 5, 3)]
    {
        s.probe = format!("per_host_interval_ms = {interval_ms}\nrun_budget_secs = {budget_secs}");
        s.configure(Some(sink.port));
        let before = s.http.heads.lock().unwrap().len();
        let started = Instant::now();
        let out = s.monitor(night);
        let took = started.elapsed();
        assert_ran(&out);
        assert!(
            took < Duration::from_secs(15),
            "night {night} took {took:?} with a {budget_secs} s budget"
        );
        let state = s.state();
        let reasons: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(|id| {
                state["resources"][id]["observed"]["reason"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            reasons.iter().filter(|r| *r == "budget-spent").count(),
            spent,
            "night {night}: {reasons:?}"
        );
        for id in ["a", "b", "c"] {
            assert_eq!(
                state["resources"][id]["consecutive_failures"], 0,
                "night {night}: {id} moved a counter"
            );
        }
        let heads = s.http.heads.lock().unwrap();
        let probed: Vec<&str> = heads[before..]
            .iter()
            .filter_map(|h| h.split_whitespace().nth(1))
            .filter(|path| *path != "/robots.txt")
            .collect();
        first_probed.push(probed.first().map(|p| p.to_string()));
    }
    // Night 1's three were never probed: a tie, kept in catalog order. Night
    // 2 starts with the first that night 1 did not reach. A host serves its
    // line by that order, however the probe tasks race to it.
    assert_eq!(
        first_probed,
        [Some("/a".to_owned()), Some("/b".to_owned()), None],
        "each night starts with what the last did not reach"
    );
    assert!(sink.messages().is_empty(), "starved probes alert nothing");
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every leaf of `value` as (JSON pointer, value), for comparing two states.
fn leaves(value: &serde_json::Value, at: String, out: &mut Vec<(String, serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                // RFC 6901: `~` and `/` in a key are escaped.
                let key = key.replace('~', "~0").replace('/', "~1");
                leaves(v, format!("{at}/{key}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, format!("{at}/{i}"), out);
            }
        }
        leaf => out.push((at, leaf.clone())),
    }
}

/// A state written by the previous version (state format 1, captured from
/// catwatch at 5c85854 after four nights with a dead resource and a mail
/// delivered) loads, is migrated to version 2, keeps every value it had,
/// and the monitor goes on from it without announcing the dead resource again.
#[test]
fn a_version_1_state_is_migrated_and_loses_nothing() {
    let text = include_str!("fixtures/state/v1.json");
    let before: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(before["version"], 1);
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/state/v1.json"
    ))
    .unwrap();
    let migrated = catwatch::state::store::parse_file(file).expect("a version-1 state reads");
    let after = serde_json::to_value(&migrated).unwrap();
    assert_eq!(after["version"], 2);
    let errors: Vec<String> = state_schema()
        .iter_errors(&after)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut old = Vec::new();
    leaves(&before, String::new(), &mut old);
    // The history is written in a shorter form since version 2: compared
    // as points, everything else as it was written.
    for (id, resource) in before["resources"].as_object().unwrap() {
        let old: Vec<catwatch::report::model::HistoryPoint> =
            serde_json::from_value(resource["history"].clone()).unwrap();
        assert_eq!(migrated.resources[id].history, old, "{id}'s history");
        assert!(!old.is_empty());
    }
    let mut lost = Vec::new();
    for (pointer, value) in old {
        if pointer == "/version" || pointer.contains("/history/") {
            continue;
        }
        if after.pointer(&pointer) != Some(&value) {
            lost.push(pointer);
        }
    }
    assert!(lost.is_empty(), "the migration lost {lost:?}");

    let s = Scenario::new(&["a", "b", "c"], SCENARIO_POLICY);
    let sink = SmtpSink::start(&[]);
    s.configure(Some(sink.port));
    // The nights go on as they were: A still gone, B failing again.
    s.http.set("a", 404);
    s.http.set("b", 500);
    std::fs::create_dir_all(s.state_path().parent().unwrap()).unwrap();
    std::fs::write(s.state_path(), text).unwrap();
    assert_ran(&s.monitor(5));
    let state = s.state();
    assert_eq!(state["resources"]["a"]["status"], "dead");
    assert_eq!(
        state["resources"]["a"]["notified"]["key"], "a:dead:2026-11-02T03:00:00Z",
        "the announcement of version 1 is kept"
    );
    assert_eq!(
        state["deliveries"][0]["key"], "a:dead:2026-11-02T03:00:00Z",
        "the old delivery record is kept"
    );
    let received = mail(&[&sink]);
    assert_eq!(count(&received, "Resource A is dead"), 0, "{received:#?}");
    assert_eq!(
        count(&received, "Resource B is dead"),
        1,
        "B's second failed night, counted from version 1's first: {received:#?}"
    );
    assert_eq!(received.len(), 1, "{received:#?}");
}
