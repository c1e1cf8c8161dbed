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

use smtp_sink::SmtpSink;

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
}

impl Fixture {
    fn start() -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answers: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let (a, h) = (answers.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (a, h) = (a.clone(), h.clone());
                std::thread::spawn(move || serve(stream, &a, &h));
            }
        });
        Fixture {
            port,
            answers,
            hits,
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

fn serve(mut stream: TcpStream, answers: &Mutex<HashMap<String, Answer>>, hits: &AtomicUsize) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&head);
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
        "HTTP/1.1 {} Fixture\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
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
      confidence: high
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
allow = [\"127.0.0.0/8\"]
resolve = [{resolve}]
retries = 0
timeout_secs = 5
connect_timeout_secs = 2
per_host_interval_ms = 0

[policy]
{policy}

[state]
path = \"state/catwatch-state.json\"
{state}

{email}",
            policy = self.policy,
            state = self.state,
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

    /// The state file, checked to be a complete version-1 state.
    fn state(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.state_path()).expect("a state file");
        let value: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("state is not JSON ({e}): {text}"));
        assert_eq!(value["version"], 1, "{text}");
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
    assert!(schema.is_valid(&serde_json::json!({"version": 1})));
    for bad in [
        serde_json::json!({"version": 2}),
        serde_json::json!({"version": 1, "resources": {"../x": {}}}),
        serde_json::json!({"version": 1, "resources": {"a": {"status": "gone"}}}),
        serde_json::json!({"version": 1, "outbox": [{"alert": {"key": "k", "kind": {"kind": "dead"}, "message": "m", "at": "2026-11-02T03:00:00Z"}, "pending": []}]}),
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

/// The text/plain part of a received message, decoded (7bit or quoted-printable).
fn plain_text(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let start = lower
        .find("content-type: text/plain")
        .unwrap_or_else(|| panic!("no text/plain part in {message}"));
    let part = &message[start..];
    let (head, body) = part.split_once("\r\n\r\n").expect("part head");
    let body = body.split("\r\n--").next().unwrap_or(body);
    let head = head.to_ascii_lowercase();
    if head.contains("content-transfer-encoding: base64") {
        panic!("unexpected base64 body; extend the test decoder: {message}");
    }
    if !head.contains("quoted-printable") {
        return body.replace("\r\n", "\n");
    }
    let joined = body.replace("=\r\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 3 <= bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap().replace("\r\n", "\n")
}

fn subject(message: &str) -> String {
    message
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_default()
        .to_owned()
}

/// Every mail the sinks received, oldest first, as (subject, text).
fn mail(sinks: &[&SmtpSink]) -> Vec<(String, String)> {
    sinks
        .iter()
        .flat_map(|s| s.messages())
        .map(|m| (subject(&m), plain_text(&m)))
        .collect()
}

/// How many received mails contain `needle` in their text.
fn count(mail: &[(String, String)], needle: &str) -> usize {
    mail.iter().filter(|(_, t)| t.contains(needle)).count()
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
            std::fs::read_to_string(s.state_path())
                .is_ok_and(|t| t.contains("\"outbox\": [\n    {"))
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

    s.http.set_slow("a", 404, 2_000);
    let hits = s.http.hits();
    let first = s.spawn_monitor(2);
    wait_for(|| s.http.hits() > hits, "the first run to be probing");

    s.state = "lock_wait_secs = 0".into();
    s.configure(Some(sink.port));
    let started = Instant::now();
    let second = s.monitor(2);
    assert_ran(&second);
    assert!(started.elapsed() < Duration::from_secs(2));
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
    std::fs::write(s.state_path(), "{\"version\": 2, \"resources\": {}}").unwrap();
    let out = s.monitor(3);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 2"));
    assert!(
        s.path("state/catwatch-state.json.corrupt-20261103T030000Z")
            .exists()
    );
    assert!(sink.messages().is_empty());
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
    let kept = value["outbox"].as_array().unwrap().len();
    let failed = value["deliveries"].as_array().unwrap().len();
    assert_eq!(
        kept + failed,
        1,
        "either retried later or recorded as failed: {value:#}"
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

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
