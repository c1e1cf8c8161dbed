//! The probe engine against real servers on loopback: the address policy
//! (reliability.md section A), credentials (B 10-13), hostile servers (C),
//! limits and retries. Every server here listens on 127.0.0.0/8; the
//! engine reaches them only because the settings allow it.

#[path = "support/fault.rs"]
mod fault;
#[path = "support/tls.rs"]
mod tls;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use catwatch::observation::Validators;
use catwatch::probe::engine::{Engine, Lookup, LookupFuture, ResolveError};
use catwatch::probe::fetch::{Credential, Fetch, FetchError, Request};
use catwatch::probe::settings::ProbeSettings;
use catwatch::secret::Secret;
use fault::{FaultServer, Gate, Reply, gzip_zeros};
use tls::{TestCa, TlsFront, Validity};
use url::Url;

/// Loopback allowed, short timeouts, no retries, no politeness delay.
fn loopback() -> ProbeSettings {
    ProbeSettings {
        allow: vec!["127.0.0.0/8".into()],
        timeout_secs: 1,
        connect_timeout_secs: 1,
        retries: 0,
        backoff_base_ms: 10,
        per_host_interval_ms: 0,
        ..ProbeSettings::default()
    }
}

fn engine(settings: &ProbeSettings) -> Engine {
    Engine::new(settings).expect("engine")
}

fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL")
}

fn refused(result: Result<catwatch::probe::fetch::Response, FetchError>) -> String {
    match result {
        Err(FetchError::Refused(why)) => why,
        other => panic!("expected Refused, got {other:?}"),
    }
}

/// A scripted DNS: answers per name from a list, one answer per call, and
/// counts the calls.
#[derive(Default)]
struct StubDns {
    answers: HashMap<String, Vec<Vec<IpAddr>>>,
    calls: AtomicUsize,
}

impl StubDns {
    fn with(mut self, name: &str, answers: &[&[&str]]) -> StubDns {
        self.answers.insert(
            name.to_owned(),
            answers
                .iter()
                .map(|ips| ips.iter().map(|ip| ip.parse().unwrap()).collect())
                .collect(),
        );
        self
    }
}

impl Lookup for StubDns {
    fn lookup<'a>(&'a self, name: &'a str) -> LookupFuture<'a> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = self.answers.get(name).map(|answers| {
            answers
                .get(call)
                .or(answers.last())
                .cloned()
                .unwrap_or_default()
        });
        Box::pin(async move { answer.ok_or_else(|| ResolveError::NoSuchHost(name.to_owned())) })
    }
}

/// Binds a server on 127.0.0.2 and a canary on 127.0.0.1 with the same port.
async fn public_and_canary(
    handler: impl Fn(&fault::Seen) -> Reply + Send + Sync + 'static,
) -> (FaultServer, FaultServer) {
    for _ in 0..20 {
        let public = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let port = public.local_addr().unwrap().port();
        let Ok(canary) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
            continue;
        };
        return (
            FaultServer::serve(public, handler),
            FaultServer::serve(canary, |_| Reply::text(200, "canary")),
        );
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2");
}

// ---------- A. SSRF ----------

#[tokio::test]
async fn literal_loopback_in_every_encoding_is_refused_before_connecting() {
    let canary = FaultServer::canary_on("127.0.0.1:0".parse().unwrap()).await;
    let port = canary.addr.port();
    let engine = engine(&ProbeSettings::default());
    for host in [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "017700000001",
        "127.1",
        "0177.0.0.1",
        "①②⑦.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
        "0",
    ] {
        let target = url(&format!("http://{host}:{port}/"));
        let why = refused(engine.fetch(Request::get(target.clone())).await);
        assert!(why.contains("address"), "{target}: {why}");
    }
    assert_eq!(canary.connections(), 0, "the canary must never be reached");
}

#[tokio::test]
async fn a_name_resolving_to_a_blocked_address_is_refused() {
    let canary = FaultServer::canary_on("127.0.0.1:0".parse().unwrap()).await;
    let port = canary.addr.port();
    let dns = Arc::new(
        StubDns::default()
            .with("x.test", &[&["127.0.0.1"]])
            .with("mixed.test", &[&["127.0.0.2", "127.0.0.1"]]),
    );
    let settings = ProbeSettings {
        allow: vec!["127.0.0.2/32".into()],
        ..loopback()
    };
    let engine = Engine::with_lookup(&settings, dns.clone()).unwrap();
    let why = refused(
        engine
            .fetch(Request::get(url(&format!("http://x.test:{port}/"))))
            .await,
    );
    assert!(why.contains("x.test resolves to 127.0.0.1"), "{why}");
    let why = refused(
        engine
            .fetch(Request::get(url(&format!("http://mixed.test:{port}/"))))
            .await,
    );
    assert!(
        why.contains("127.0.0.1"),
        "any blocked address refuses the name: {why}"
    );
    // `localhost` goes through the system resolver and is refused too.
    let system = engine_default_policy();
    refused(
        system
            .fetch(Request::get(url(&format!("http://localhost:{port}/"))))
            .await,
    );
    assert_eq!(canary.connections(), 0);
}

fn engine_default_policy() -> Engine {
    engine(&ProbeSettings {
        allow: Vec::new(),
        ..loopback()
    })
}

/// `resolve` overrides are keyed by host and port, as curl's `--resolve`:
/// `twin.test:PB:127.0.0.2` and `twin.test:PA:127.0.0.1` send each port to
/// its own address (a decoy listens on 127.0.0.2:PA, so an override applied
/// by host alone would reach it), and a port without an override is
/// resolved as usual (a stub resolver that knows no such name).
#[tokio::test]
async fn resolve_overrides_apply_to_their_host_and_port_only() {
    let a = FaultServer::start(|_| Reply::text(200, "server a")).await;
    let pa = a.addr.port();
    let decoy = FaultServer::start_on(format!("127.0.0.2:{pa}").parse().unwrap(), |_| {
        Reply::text(200, "decoy")
    })
    .await;
    let b = FaultServer::start_on("127.0.0.2:0".parse().unwrap(), |_| {
        Reply::text(200, "server b")
    })
    .await;
    let pb = b.addr.port();
    let settings = ProbeSettings {
        resolve: vec![
            format!("twin.test:{pb}:127.0.0.2"),
            format!("twin.test:{pa}:127.0.0.1"),
        ],
        ..loopback()
    };
    let dns = Arc::new(StubDns::default());
    let engine = Engine::with_lookup(&settings, dns.clone()).unwrap();
    let body =
        |response: catwatch::probe::fetch::Response| String::from_utf8(response.body).unwrap();
    for _ in 0..2 {
        let at_a = engine
            .fetch(Request::get(url(&format!("http://twin.test:{pa}/"))))
            .await
            .unwrap();
        assert_eq!(body(at_a), "server a");
        let at_b = engine
            .fetch(Request::get(url(&format!("http://twin.test:{pb}/"))))
            .await
            .unwrap();
        assert_eq!(body(at_b), "server b");
    }
    assert!(decoy.seen().is_empty());
    let elsewhere = engine
        .fetch(Request::get(url("http://twin.test:3333/")))
        .await;
    assert!(
        matches!(elsewhere, Err(FetchError::NoSuchHost(_))),
        "{elsewhere:?}"
    );
    assert_eq!(
        dns.calls.load(Ordering::SeqCst),
        1,
        "only port 3333 asked DNS"
    );
}

#[tokio::test]
async fn dns_rebinding_gets_one_lookup_and_only_checked_addresses() {
    let (public, canary) =
        public_and_canary(|_| Reply::text(200, "public").with_header("connection", "close")).await;
    let port = public.addr.port();
    // First answer: the "public" 127.0.0.2; any later one: the canary.
    let dns = Arc::new(StubDns::default().with("rebind.test", &[&["127.0.0.2"], &["127.0.0.1"]]));
    let settings = ProbeSettings {
        allow: vec!["127.0.0.2/32".into()],
        ..loopback()
    };
    let engine = Engine::with_lookup(&settings, dns.clone()).unwrap();
    for _ in 0..3 {
        let response = engine
            .fetch(Request::get(url(&format!("http://rebind.test:{port}/"))))
            .await
            .unwrap();
        assert_eq!(response.body, b"public");
    }
    assert_eq!(
        dns.calls.load(Ordering::SeqCst),
        1,
        "one lookup per name per run"
    );
    assert_eq!(public.requests(), 3);
    assert!(public.connections() >= 2, "fresh connections were made");
    assert_eq!(canary.connections(), 0);
}

#[tokio::test]
async fn redirects_to_blocked_addresses_are_refused_on_the_hop() {
    let (public, canary) = public_and_canary(|seen| {
        let port = seen.host().rsplit(':').next().unwrap().to_owned();
        match seen.path() {
            "/to-loopback" => Reply::redirect(302, &format!("http://127.0.0.1:{port}/")),
            "/to-decimal" => Reply::redirect(302, &format!("http://2130706433:{port}/")),
            "/to-v6" => Reply::redirect(302, &format!("http://[::1]:{port}/")),
            "/to-localhost" => Reply::redirect(307, &format!("http://localhost:{port}/")),
            "/to-file" => Reply::redirect(302, "file:///etc/passwd"),
            _ => Reply::status(404),
        }
    })
    .await;
    let engine = engine(&ProbeSettings {
        allow: vec!["127.0.0.2/32".into()],
        ..loopback()
    });
    for path in [
        "/to-loopback",
        "/to-decimal",
        "/to-v6",
        "/to-localhost",
        "/to-file",
    ] {
        let start = url(&format!("http://127.0.0.2:{}{path}", public.addr.port()));
        refused(engine.fetch(Request::get(start)).await);
    }
    assert_eq!(public.requests(), 5);
    assert_eq!(canary.connections(), 0);
}

/// Run by `proxy_variables_in_the_environment_are_ignored` in a child
/// process whose environment points every proxy variable at a canary.
#[tokio::test]
#[ignore = "runs as a child of proxy_variables_in_the_environment_are_ignored"]
async fn proxy_child() {
    let target = std::env::var("CATWATCH_TEST_TARGET").expect("target");
    let response = engine(&loopback())
        .fetch(Request::get(url(&target)))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn proxy_variables_in_the_environment_are_ignored() {
    let canary = FaultServer::canary_on("127.0.0.1:0".parse().unwrap()).await;
    let server = FaultServer::start(|_| Reply::text(200, "direct")).await;
    let proxy = format!("http://{}", canary.addr);
    let status = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "proxy_child", "--nocapture"])
        .env("CATWATCH_TEST_TARGET", server.url("/direct").as_str())
        .env("HTTP_PROXY", &proxy)
        .env("HTTPS_PROXY", &proxy)
        .env("ALL_PROXY", &proxy)
        .env("http_proxy", &proxy)
        .env("https_proxy", &proxy)
        .env("all_proxy", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .status()
        .await
        .unwrap();
    assert!(status.success(), "the child test failed");
    assert_eq!(server.requests(), 1);
    assert_eq!(canary.connections(), 0);

    // The canary does notice a proxy when one is configured on purpose.
    let with_proxy = engine(&ProbeSettings {
        proxy: Some(proxy),
        ..loopback()
    });
    let response = with_proxy
        .fetch(Request::get(server.url("/via")))
        .await
        .unwrap();
    assert_eq!(response.body, b"canary");
    assert_eq!(canary.requests(), 1);
}

#[tokio::test]
async fn schemes_userinfo_and_ports_are_checked() {
    let server = FaultServer::start(|_| Reply::text(200, "x")).await;
    let port = server.addr.port();
    let engine = engine(&ProbeSettings {
        allowed_ports: vec![443],
        ..loopback()
    });
    for target in [
        format!("ftp://127.0.0.1:{port}/"),
        format!("http://user:pw@127.0.0.1:{port}/"),
        format!("http://api.github.com@127.0.0.1:{port}/"),
        format!("http://127.0.0.1:{port}/"),
    ] {
        refused(engine.fetch(Request::get(url(&target))).await);
    }
    assert_eq!(server.connections(), 0);
}

// ---------- B. Credentials ----------

const TOKEN: &str = "Bearer ghp_canarytoken0123456789";

fn credential(host: &str) -> Credential {
    Credential {
        host: host.into(),
        port: 443,
        authorization: Secret::new(TOKEN),
    }
}

#[tokio::test]
async fn a_token_reaches_only_its_own_https_host_and_port() {
    let ca = TestCa::new("catwatch test CA");
    let dir = tempfile::tempdir().unwrap();
    let backend = FaultServer::start(|seen| match seen.path() {
        "/redirect" => Reply::redirect(302, "https://other.test/landing"),
        _ => Reply::text(200, "ok"),
    })
    .await;
    let leaf = ca.leaf(&["api.example.test", "other.test"], Validity::Good);
    let front = TlsFront::start(&leaf, backend.addr).await;
    let settings = ProbeSettings {
        extra_root_certs: vec![ca.write_pem(dir.path())],
        resolve: vec![
            front.resolve_entry("api.example.test"),
            front.resolve_entry("other.test"),
            format!("plain.example.test:80:{}", backend.addr),
            // Overrides are per host and port: the same front on its own port.
            format!("api.example.test:{}:127.0.0.1", front.addr.port()),
        ],
        ..loopback()
    };
    let engine = engine(&settings);
    let with_token = |target: &str| {
        let mut request = Request::get(url(target));
        request.credential = Some(credential("api.example.test"));
        request
    };

    let ok = engine
        .fetch(with_token("https://api.example.test/repos?page=1"))
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    let seen = backend.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), Some(TOKEN));
    assert_eq!(seen[0].target, "/repos?page=1", "no token in the query");

    // Another host on the same server, plain http, another port: no token.
    for target in [
        "https://other.test/x".to_owned(),
        "http://plain.example.test/x".to_owned(),
        format!("https://api.example.test:{}/x", front.addr.port()),
    ] {
        let _ = engine.fetch(with_token(&target)).await;
    }
    // A trailing dot or a userinfo trick never gets it either (refused or answered without it).
    for target in [
        "https://api.example.test./x",
        "https://api.example.test@other.test/x",
    ] {
        let _ = engine.fetch(with_token(target)).await;
    }

    // A redirect on an authenticated request is returned, not followed.
    let redirect = engine
        .fetch(with_token("https://api.example.test/redirect"))
        .await
        .unwrap();
    assert_eq!(redirect.status, 302);
    assert!(redirect.hops.is_empty());
    assert_eq!(
        redirect.final_url.as_str(),
        "https://api.example.test/redirect"
    );

    let seen = backend.seen();
    let carrying: Vec<String> = seen
        .iter()
        .filter(|s| s.header("authorization").is_some())
        .map(|s| format!("{} {}", s.host(), s.target))
        .collect();
    assert_eq!(
        carrying,
        vec![
            "api.example.test /repos?page=1",
            "api.example.test /redirect"
        ],
        "the token went only to its host"
    );
    assert!(
        seen.iter().all(|s| s.path() != "/landing"),
        "the redirect was not followed"
    );
    assert!(
        seen.len() >= 5,
        "the other requests did reach the server: {}",
        seen.len()
    );
}

#[tokio::test]
async fn secrets_never_reach_debug_output_or_logs() {
    use std::io::Write;
    #[derive(Clone, Default)]
    struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = FaultServer::start(|_| Reply::status(503)).await;
    let engine = engine(&ProbeSettings {
        retries: 1,
        ..loopback()
    });
    let mut request = Request::get(server.url("/x"));
    request.credential = Some(credential("api.example.test"));
    assert!(!format!("{request:?}").contains("canarytoken"));
    let response = engine.fetch(request).await.unwrap();
    assert_eq!(response.status, 503);
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("credential withheld"),
        "the logs were captured: {logs}"
    );
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains("canarytoken"), "{logs}");
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.header("authorization").is_none())
    );
}

// ---------- C. Hostile servers ----------

#[tokio::test]
async fn trickling_idle_and_refused_servers_hit_the_deadline() {
    let server = FaultServer::start(|seen| match seen.path() {
        "/trickle" => Reply::Trickle {
            chunk: b"<p>".to_vec(),
            every: Duration::from_millis(50),
        },
        _ => Reply::Idle,
    })
    .await;
    let engine = engine(&loopback());
    for path in ["/trickle", "/idle"] {
        let start = Instant::now();
        let result = engine.fetch(Request::get(server.url(path))).await;
        assert!(
            matches!(result, Err(FetchError::Timeout(1000))),
            "{path}: {result:?}"
        );
        // A deadline, not a hang: well under the trickle's forever, with
        // room for a loaded machine.
        assert!(
            start.elapsed() < Duration::from_millis(4000),
            "{path}: {:?}",
            start.elapsed()
        );
    }
    // Nothing listens on this port.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let result = engine
        .fetch(Request::get(url(&format!("http://127.0.0.1:{port}/"))))
        .await;
    assert!(matches!(result, Err(FetchError::Connect(_))), "{result:?}");
    // A name that merely contains "tls" does not make it a TLS error.
    let named = Engine::new(&ProbeSettings {
        resolve: vec![format!("tls-certificate.test:{port}:127.0.0.1")],
        ..loopback()
    })
    .unwrap();
    let result = named
        .fetch(Request::get(url(&format!(
            "http://tls-certificate.test:{port}/"
        ))))
        .await;
    assert!(matches!(result, Err(FetchError::Connect(_))), "{result:?}");
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap_or_not_read() {
    let server = FaultServer::start(|_| Reply::Endless).await;
    let engine = engine(&ProbeSettings {
        max_body_bytes: 100_000,
        ..loopback()
    });
    let response = engine.fetch(Request::get(server.url("/"))).await.unwrap();
    assert_eq!(response.body.len(), 100_000);
    assert!(response.truncated);
    let exact = FaultServer::start(|_| Reply::text(200, &"x".repeat(100_000))).await;
    let response = engine.fetch(Request::get(exact.url("/"))).await.unwrap();
    assert_eq!(response.body.len(), 100_000);
    assert!(!response.truncated, "a body of exactly the cap is whole");
    let mut status_only = Request::get(server.url("/"));
    status_only.read_body = false;
    let response = engine.fetch(status_only).await.unwrap();
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_cap_of_decoded_bytes() {
    let bomb = gzip_zeros(10 * 1024 * 1024);
    assert!(
        bomb.len() < 80_000,
        "the bomb is small on the wire: {}",
        bomb.len()
    );
    let server = FaultServer::start(move |seen| Reply::Respond {
        status: 200,
        headers: vec![(
            "content-encoding".into(),
            if seen.path() == "/double" {
                "gzip, gzip"
            } else {
                "gzip"
            }
            .into(),
        )],
        body: bomb.clone(),
    })
    .await;
    let engine = engine(&ProbeSettings {
        max_body_bytes: 64 * 1024,
        ..loopback()
    });
    let response = engine
        .fetch(Request::get(server.url("/bomb")))
        .await
        .unwrap();
    assert_eq!(response.body.len(), 64 * 1024);
    assert!(response.truncated);
    assert!(
        response.body.iter().all(|b| *b == 0),
        "the body was decoded"
    );
    // A chain of encodings is not unwrapped at all: the raw (small) gzip
    // bytes come back, still under the cap.
    let double = engine
        .fetch(Request::get(server.url("/double")))
        .await
        .unwrap();
    assert_eq!(&double.body[..2], &[0x1f, 0x8b], "still compressed");
    assert!(double.body.len() < 80_000);
}

#[tokio::test]
async fn redirect_chains_loops_and_bad_locations() {
    let server = FaultServer::start(|seen| {
        let path = seen.path().to_owned();
        if let Some(n) = path.strip_prefix("/chain/") {
            let n: usize = n.parse().unwrap();
            return if n == 0 {
                Reply::text(200, "end")
            } else {
                Reply::redirect(301, &format!("/chain/{}", n - 1))
            };
        }
        match path.as_str() {
            "/loop-a" => Reply::redirect(302, "/loop-b"),
            "/loop-b" => Reply::redirect(302, "/loop-a#again"),
            "/no-location" => Reply::status(301),
            "/bad-location" => Reply::redirect(302, "http://[::1"),
            "/mixed" => Reply::redirect(301, "/perm"),
            "/perm" => Reply::redirect(307, "/chain/0"),
            _ => Reply::status(404),
        }
    })
    .await;
    let engine = engine(&loopback());
    let ten = engine
        .fetch(Request::get(server.url("/chain/10")))
        .await
        .unwrap();
    assert_eq!(ten.status, 200);
    assert_eq!(ten.hops.len(), 10);
    assert_eq!(ten.final_url, server.url("/chain/0"));
    assert_eq!(ten.hops[0].status, 301);
    assert_eq!(ten.hops[0].url, server.url("/chain/10").to_string());

    let thirty = engine.fetch(Request::get(server.url("/chain/30"))).await;
    assert_eq!(thirty.unwrap_err(), FetchError::TooManyRedirects(10));
    assert_eq!(
        server.seen().len(),
        11 + 11,
        "the loop stopped after 10 hops"
    );

    let looped = engine.fetch(Request::get(server.url("/loop-a"))).await;
    assert!(
        matches!(looped, Err(FetchError::RedirectLoop(ref to)) if to.contains("/loop-a")),
        "{looped:?}"
    );
    for path in ["/no-location", "/bad-location"] {
        let result = engine.fetch(Request::get(server.url(path))).await;
        assert!(
            matches!(result, Err(FetchError::BadRedirect(_))),
            "{path}: {result:?}"
        );
    }
    let mixed = engine
        .fetch(Request::get(server.url("/mixed")))
        .await
        .unwrap();
    let statuses: Vec<u16> = mixed.hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, vec![301, 307]);

    let mut no_follow = Request::get(server.url("/mixed"));
    no_follow.follow_redirects = false;
    let response = engine.fetch(no_follow).await.unwrap();
    assert_eq!(response.status, 301);
    assert_eq!(response.header("location"), Some("/perm"));
}

#[tokio::test]
async fn huge_and_malformed_headers_are_protocol_errors() {
    let server = FaultServer::start(|seen| match seen.path() {
        "/huge" => Reply::huge_headers(1024 * 1024),
        "/status-line" => Reply::Raw(b"HTTP/1.1 abc Nope\r\n\r\n".to_vec()),
        "/binary" => Reply::Raw(vec![0, 159, 146, 150, 13, 10, 13, 10]),
        "/bad-header" => Reply::Raw(b"HTTP/1.1 200 OK\r\nx y: z\r\n\r\n".to_vec()),
        "/bad-length" => Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-length: -4\r\n\r\nabcd".to_vec()),
        _ => Reply::status(404),
    })
    .await;
    let engine = engine(&loopback());
    for path in [
        "/huge",
        "/status-line",
        "/binary",
        "/bad-header",
        "/bad-length",
    ] {
        let result = engine.fetch(Request::get(server.url(path))).await;
        assert!(
            matches!(result, Err(FetchError::Protocol(_))),
            "{path}: {result:?}"
        );
    }
}

#[tokio::test]
async fn bad_certificates_are_tls_errors_and_good_ones_pass() {
    let ca = TestCa::new("catwatch test CA");
    let stranger = TestCa::new("nobody trusts this CA");
    let dir = tempfile::tempdir().unwrap();
    let backend = FaultServer::start(|_| Reply::text(200, "secure")).await;
    let good = TlsFront::start(&ca.leaf(&["good.test"], Validity::Good), backend.addr).await;
    let expired =
        TlsFront::start(&ca.leaf(&["expired.test"], Validity::Expired), backend.addr).await;
    let wrong_name = TlsFront::start(
        &ca.leaf(&["someone-else.test"], Validity::Good),
        backend.addr,
    )
    .await;
    let untrusted = TlsFront::start(
        &stranger.leaf(&["untrusted.test"], Validity::Good),
        backend.addr,
    )
    .await;
    let engine = engine(&ProbeSettings {
        extra_root_certs: vec![ca.write_pem(dir.path())],
        resolve: vec![
            good.resolve_entry("good.test"),
            expired.resolve_entry("expired.test"),
            wrong_name.resolve_entry("wrong-name.test"),
            untrusted.resolve_entry("untrusted.test"),
        ],
        ..loopback()
    });
    let ok = engine
        .fetch(Request::get(url("https://good.test/")))
        .await
        .unwrap();
    assert_eq!(ok.body, b"secure");
    for host in ["expired.test", "wrong-name.test", "untrusted.test"] {
        let result = engine
            .fetch(Request::get(url(&format!("https://{host}/"))))
            .await;
        assert!(
            matches!(result, Err(FetchError::Tls(_))),
            "{host}: {result:?}"
        );
    }
    assert_eq!(
        backend.requests(),
        1,
        "no request went over a bad TLS connection"
    );
}

#[tokio::test]
async fn bad_engine_settings_name_the_key_to_fix() {
    let cases = [
        (
            ProbeSettings {
                allow: vec!["localhost".into()],
                ..loopback()
            },
            "[probe] allow",
        ),
        (
            ProbeSettings {
                resolve: vec!["nope".into()],
                ..loopback()
            },
            "[probe] resolve",
        ),
        (
            ProbeSettings {
                extra_root_certs: vec!["/nonexistent/ca.pem".into()],
                ..loopback()
            },
            "[probe] extra_root_certs",
        ),
        (
            ProbeSettings {
                proxy: Some("::::".into()),
                ..loopback()
            },
            "[probe] proxy",
        ),
    ];
    for (settings, key) in cases {
        let message = Engine::new(&settings).err().expect("an error").to_string();
        assert!(message.contains(key), "{message}");
    }
}

// ---------- Retries, Retry-After, budget ----------

#[tokio::test]
async fn transient_failures_are_retried_with_backoff() {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let server = FaultServer::start(move |seen| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        match (seen.path(), n) {
            ("/flaky", 0) => Reply::status(503),
            ("/flaky", 1) => Reply::Close,
            ("/flaky", _) => Reply::text(200, "finally"),
            ("/down", _) => Reply::status(500),
            _ => Reply::status(404),
        }
    })
    .await;
    let engine = engine(&ProbeSettings {
        retries: 2,
        ..loopback()
    });
    let response = engine
        .fetch(Request::get(server.url("/flaky")))
        .await
        .unwrap();
    assert_eq!(response.body, b"finally");
    assert_eq!(server.requests(), 3);
    let response = engine
        .fetch(Request::get(server.url("/down")))
        .await
        .unwrap();
    assert_eq!(response.status, 500);
    assert_eq!(server.requests(), 6, "1 try + 2 retries");
    let response = engine
        .fetch(Request::get(server.url("/missing")))
        .await
        .unwrap();
    assert_eq!(response.status, 404);
    assert_eq!(server.requests(), 7, "a 404 is not retried");
}

#[tokio::test]
async fn retry_after_is_honoured_up_to_the_cap() {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let server = FaultServer::start(move |seen| {
        let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
        match seen.path() {
            "/huge" => Reply::status(429).with_header("retry-after", "1000000000"),
            "/far-date" => {
                Reply::status(429).with_header("retry-after", "Fri, 01 Jan 2100 00:00:00 GMT")
            }
            "/garbage" if first => Reply::status(429).with_header("retry-after", "later, maybe"),
            "/short" if first => Reply::status(503).with_header("retry-after", "1"),
            _ => Reply::text(200, "ok"),
        }
    })
    .await;
    let engine = engine(&ProbeSettings {
        retries: 3,
        retry_after_cap_secs: 60,
        ..loopback()
    });
    for path in ["/huge", "/far-date"] {
        let start = Instant::now();
        let response = engine.fetch(Request::get(server.url(path))).await.unwrap();
        assert_eq!(response.status, 429, "{path}: given back as rate limited");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{path}: no waiting (the server asked for years)"
        );
    }
    assert_eq!(server.requests(), 2);

    count.store(0, Ordering::SeqCst);
    let response = engine
        .fetch(Request::get(server.url("/garbage")))
        .await
        .unwrap();
    assert_eq!(response.status, 200, "garbage falls back to our backoff");

    count.store(0, Ordering::SeqCst);
    let start = Instant::now();
    let response = engine
        .fetch(Request::get(server.url("/short")))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "waited as asked"
    );
    assert_eq!(server.requests(), 6);
}

#[tokio::test]
async fn nothing_is_sent_past_the_run_budget() {
    let server = FaultServer::start(|_| Reply::status(503).with_header("retry-after", "2")).await;
    let spent = engine(&ProbeSettings {
        run_budget_secs: 0,
        ..loopback()
    });
    let result = spent.fetch(Request::get(server.url("/"))).await;
    assert_eq!(result.unwrap_err(), FetchError::BudgetExhausted);
    assert_eq!(server.connections(), 0);

    // A wait that would end past the budget is not started: the 503 comes back.
    let short = engine(&ProbeSettings {
        run_budget_secs: 1,
        retries: 5,
        ..loopback()
    });
    let start = Instant::now();
    let response = short.fetch(Request::get(server.url("/"))).await.unwrap();
    assert_eq!(response.status, 503);
    // The asked wait (2 s) would end past the 1 s budget, so none was started.
    assert!(start.elapsed() < Duration::from_millis(1900));
    assert_eq!(server.requests(), 1);
}

// ---------- Limits ----------

/// The global limit is reached and never exceeded, and no host goes past its
/// own: the server holds every answer until 5 requests are in flight at once
/// (a barrier, not a sleep), so the test passes under any load.
#[tokio::test]
async fn per_host_and_global_concurrency_never_exceed_their_limits() {
    let gate = Gate::new(5);
    let held = gate.clone();
    let server = FaultServer::start(move |_| Reply::text(200, "held").held(&held)).await;
    let port = server.addr.port();
    let hosts = ["a.test", "b.test", "c.test", "d.test"];
    let settings = ProbeSettings {
        concurrency: 5,
        per_host_concurrency: 2,
        timeout_secs: 120,
        resolve: hosts
            .iter()
            .map(|h| format!("{h}:{port}:127.0.0.1"))
            .collect(),
        ..loopback()
    };
    let engine = engine(&settings);
    let requests = hosts.iter().flat_map(|host| {
        (0..8).map(move |i| Request::get(url(&format!("http://{host}:{port}/{i}"))))
    });
    let results = futures_util::future::join_all(requests.map(|r| engine.fetch(r))).await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|r| r.status == 200))
    );
    assert!(gate.reached(), "5 requests were never in flight at once");
    let per_host = server.max_in_flight_by_host();
    assert_eq!(per_host.len(), 4);
    for (host, max) in &per_host {
        assert!(*max <= 2, "{host} saw {max} at once");
    }
    assert_eq!(server.max_in_flight_total(), 5);
}

/// One host: its limit of 2 is reached (the server holds answers until 2
/// are in flight) and never exceeded, though the global limit would allow 5.
#[tokio::test]
async fn the_per_host_limit_is_reached_and_never_exceeded() {
    let gate = Gate::new(2);
    let held = gate.clone();
    let server = FaultServer::start(move |_| Reply::text(200, "held").held(&held)).await;
    let engine = engine(&ProbeSettings {
        concurrency: 5,
        per_host_concurrency: 2,
        timeout_secs: 120,
        ..loopback()
    });
    let requests = (0..8).map(|i| engine.fetch(Request::get(server.url(&format!("/{i}")))));
    let results = futures_util::future::join_all(requests).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert!(gate.reached(), "2 requests were never in flight at once");
    assert_eq!(server.max_in_flight(&server.addr.to_string()), 2);
}

#[tokio::test]
async fn requests_to_one_host_are_spaced_by_the_politeness_interval() {
    let server = FaultServer::start(|_| Reply::text(200, "ok")).await;
    let engine = engine(&ProbeSettings {
        per_host_interval_ms: 100,
        per_host_concurrency: 4,
        ..loopback()
    });
    let requests = (0..5).map(|i| engine.fetch(Request::get(server.url(&format!("/{i}")))));
    futures_util::future::join_all(requests).await;
    let times: Vec<Instant> = server.seen().iter().map(|s| s.at).collect();
    assert_eq!(times.len(), 5);
    for pair in times.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(gap >= Duration::from_millis(90), "gap {gap:?}");
    }
}

#[tokio::test]
async fn conditional_headers_come_from_the_validators() {
    let server = FaultServer::start(|seen| {
        if seen.header("if-none-match") == Some("\"v1\"") {
            Reply::status(304)
        } else {
            Reply::text(200, "fresh")
        }
    })
    .await;
    let engine = engine(&loopback());
    let mut request = Request::get(server.url("/"));
    request.validators = Validators {
        etag: Some("\"v1\"".into()),
        last_modified: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
    };
    let response = engine.fetch(request).await.unwrap();
    assert_eq!(response.status, 304);
    let seen = &server.seen()[0];
    assert_eq!(
        seen.header("if-modified-since"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    assert!(seen.header("user-agent").unwrap().starts_with("catwatch/"));
}

// ---------- The plain-website provider ----------

mod website {
    use super::*;
    use catwatch::observation::Signal;
    use catwatch::probe::providers::website::probe_website;
    use catwatch::reason::Reason;
    use jiff::Timestamp;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn now() -> Timestamp {
        "2026-11-26T20:00:00Z".parse().unwrap()
    }

    async fn probe(engine: &Engine, target: &Url) -> catwatch::observation::Observation {
        probe_website(engine, target, &Validators::default(), now()).await
    }

    fn methods(requests: &[wiremock::Request]) -> Vec<String> {
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    /// The evidence says what happened along the way: a 503 that was retried,
    /// and a redirect hop to an address the policy refuses (nothing is sent
    /// there; the hop that led there is named).
    #[tokio::test]
    async fn the_evidence_names_a_retried_503_and_a_refused_redirect_hop() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = calls.clone();
        let server = FaultServer::start(move |seen| {
            if seen.path() == "/away" {
                return Reply::redirect(302, "http://10.0.0.1/inside");
            }
            match counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => Reply::status(503),
                _ => Reply::text(200, "<p>back</p>"),
            }
        })
        .await;
        let engine = engine(&ProbeSettings {
            retries: 1,
            ..loopback()
        });
        let seen = probe(&engine, &server.url("/flaky")).await;
        assert_eq!(seen.signal, Signal::Alive);
        assert!(
            seen.evidence
                .iter()
                .any(|e| e.contains("answered 503, retried after")),
            "{:?}",
            seen.evidence
        );
        let seen = probe(&engine, &server.url("/away")).await;
        let Signal::Refused { why } = &seen.signal else {
            panic!("expected refused, got {:?}", seen.signal);
        };
        assert!(
            why.contains("10.0.0.1") && why.contains("reached by a 302 redirect from"),
            "{why}"
        );
    }

    /// One GET per page: its validators and Last-Modified are read from the
    /// GET itself, and nothing else is sent.
    #[tokio::test]
    async fn one_get_reads_the_validators_and_the_date() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/data"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("etag", "\"abc\"")
                    .insert_header("last-modified", "Tue, 03 Mar 2020 10:00:00 GMT")
                    .set_body_string("<p>data</p>"),
            )
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        let target = url(&format!("{}/data", server.uri()));
        let seen = probe(&engine, &target).await;
        assert_eq!(seen.signal, Signal::Alive);
        assert_eq!(seen.http_status, Some(200));
        assert_eq!(seen.validators.etag.as_deref(), Some("\"abc\""));
        let dated = seen.last_updated.expect("Last-Modified is the date");
        assert_eq!(
            dated.at,
            "2020-03-03T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(dated.source, "http:last-modified");
        assert_eq!(
            methods(&server.received_requests().await.unwrap()),
            vec!["GET /data"]
        );
    }

    /// A page without validators (most dynamic pages) still costs one
    /// request: the GET's body is the fingerprint.
    #[tokio::test]
    async fn a_page_without_validators_costs_one_get_and_is_fingerprinted() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/page"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<p>Hello</p>"))
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        let seen = probe(&engine, &url(&format!("{}/page", server.uri()))).await;
        assert_eq!(seen.signal, Signal::Alive);
        assert_eq!(
            seen.fingerprint.as_deref(),
            Some(catwatch::probe::providers::website::fingerprint(b"<p>Hello</p>").as_str())
        );
        assert_eq!(
            methods(&server.received_requests().await.unwrap()),
            vec!["GET /page"]
        );
    }

    /// A host that answers HEAD 404 for live pages (redis.io, pub.dev and
    /// scalatest.org were reported doing so) cannot mislead a probe that
    /// never asks HEAD: its GET answers 200, and the page is alive.
    #[tokio::test]
    async fn a_host_that_lies_to_head_is_judged_by_its_get() {
        let server = MockServer::start().await;
        Mock::given(method("HEAD"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<p>live</p>"))
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        for p in ["/a", "/b", "/c", "/d"] {
            let seen = probe(&engine, &url(&format!("{}{p}", server.uri()))).await;
            assert_eq!(seen.signal, Signal::Alive, "{p}");
        }
        let sent = methods(&server.received_requests().await.unwrap());
        assert_eq!(sent, vec!["GET /a", "GET /b", "GET /c", "GET /d"]);
    }

    /// A redirect chain is followed once: one request per hop, the final
    /// page's answer is the answer, nothing is asked again from the start.
    #[tokio::test]
    async fn a_redirect_chain_costs_one_request_per_hop() {
        let server = MockServer::start().await;
        let base = server.uri();
        for (from, to) in [("/one", "/two"), ("/two", "/three")] {
            Mock::given(method("GET"))
                .and(path(from))
                .respond_with(
                    ResponseTemplate::new(301)
                        .insert_header("location", format!("{base}{to}").as_str()),
                )
                .mount(&server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path("/three"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<p>here</p>"))
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        let seen = probe(&engine, &url(&format!("{base}/one"))).await;
        assert_eq!(
            seen.signal,
            Signal::moved(Reason::RedirectPermanent, format!("{base}/three"))
        );
        assert_eq!(
            methods(&server.received_requests().await.unwrap()),
            vec!["GET /one", "GET /two", "GET /three"]
        );
    }

    /// Only the start of a large page is read: the fingerprint covers the
    /// first FINGERPRINT_BYTES, and the evidence says so.
    #[tokio::test]
    async fn only_the_start_of_a_large_page_is_read() {
        use catwatch::probe::providers::website::FINGERPRINT_BYTES;
        let server = MockServer::start().await;
        let page = "x".repeat(FINGERPRINT_BYTES * 4);
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string(page.clone()))
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        let seen = probe(&engine, &url(&format!("{}/big", server.uri()))).await;
        assert_eq!(seen.signal, Signal::Alive);
        assert_eq!(
            seen.fingerprint.as_deref(),
            Some(
                catwatch::probe::providers::website::fingerprint(
                    &page.as_bytes()[..FINGERPRINT_BYTES]
                )
                .as_str()
            )
        );
        assert!(
            seen.evidence.iter().any(|e| e.contains(&format!(
                "fingerprint of the first {FINGERPRINT_BYTES} bytes"
            ))),
            "{:?}",
            seen.evidence
        );
    }

    /// A site's robots.txt Crawl-delay spaces the requests to that host,
    /// though the configured politeness interval is 0.
    #[tokio::test]
    async fn a_crawl_delay_spaces_the_requests_to_its_host() {
        use catwatch::probe::providers::website::honour_crawl_delay;
        let server = FaultServer::start(|seen| match seen.path() {
            "/robots.txt" => Reply::text(200, "User-agent: *\nCrawl-delay: 1\n"),
            _ => Reply::text(200, "<p>page</p>"),
        })
        .await;
        let engine = engine(&loopback());
        let delay = honour_crawl_delay(&engine, &server.url("/a")).await;
        assert_eq!(delay, Some(Duration::from_secs(1)));
        for p in ["/a", "/b"] {
            let seen = probe(&engine, &server.url(p)).await;
            assert_eq!(seen.signal, Signal::Alive);
        }
        let times: Vec<Instant> = server.seen().iter().map(|s| s.at).collect();
        assert_eq!(times.len(), 3, "robots.txt and two pages");
        for pair in times.windows(2) {
            let gap = pair[1].duration_since(pair[0]);
            assert!(gap >= Duration::from_millis(950), "gap {gap:?}");
        }
    }

    #[tokio::test]
    async fn a_timeout_is_transient_and_costs_one_request() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        let seen = probe(&engine, &url(&format!("{}/slow", server.uri()))).await;
        assert_eq!(
            seen.signal,
            Signal::transient(Reason::Timeout, "timed out after 1000 ms")
        );
        assert_eq!(
            methods(&server.received_requests().await.unwrap()),
            vec!["GET /slow"]
        );
    }

    #[tokio::test]
    async fn bot_walls_and_rate_limits_are_never_gone() {
        let server = MockServer::start().await;
        Mock::given(path("/challenge"))
            .respond_with(ResponseTemplate::new(403).insert_header("cf-mitigated", "challenge"))
            .mount(&server)
            .await;
        Mock::given(path("/challenge-429"))
            .respond_with(ResponseTemplate::new(429).insert_header("cf-mitigated", "challenge"))
            .mount(&server)
            .await;
        Mock::given(path("/cloudflare-503"))
            .respond_with(
                ResponseTemplate::new(503)
                    .insert_header("server", "cloudflare")
                    .set_body_string("<title>Just a moment...</title>"),
            )
            .mount(&server)
            .await;
        Mock::given(path("/limited"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        for p in ["/challenge", "/challenge-429", "/cloudflare-503"] {
            let seen = probe(&engine, &url(&format!("{}{p}", server.uri()))).await;
            assert!(
                matches!(seen.signal, Signal::Blocked { .. }),
                "{p}: {:?}",
                seen.signal
            );
        }
        let seen = probe(&engine, &url(&format!("{}/limited", server.uri()))).await;
        assert_eq!(
            seen.signal,
            Signal::RateLimited {
                retry_at: Some("2026-11-26T21:00:00Z".parse().unwrap())
            }
        );
    }

    #[tokio::test]
    async fn gone_moved_and_not_modified() {
        let server = MockServer::start().await;
        Mock::given(path("/deleted"))
            .respond_with(ResponseTemplate::new(410))
            .mount(&server)
            .await;
        Mock::given(path("/old"))
            .respond_with(ResponseTemplate::new(301).insert_header("location", "/older"))
            .mount(&server)
            .await;
        Mock::given(path("/older"))
            .respond_with(ResponseTemplate::new(308).insert_header("location", "/new"))
            .mount(&server)
            .await;
        Mock::given(path("/temp"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "/new"))
            .mount(&server)
            .await;
        Mock::given(path("/new"))
            .respond_with(ResponseTemplate::new(200).insert_header("etag", "\"n\""))
            .mount(&server)
            .await;
        Mock::given(path("/cached"))
            .and(header("if-none-match", "\"v7\""))
            .respond_with(ResponseTemplate::new(304))
            .mount(&server)
            .await;
        let engine = engine(&loopback());
        let base = server.uri();

        let gone = probe(&engine, &url(&format!("{base}/deleted"))).await;
        assert_eq!(
            gone.signal,
            Signal::gone(Reason::Http(410), "the page answered 410")
        );

        let moved = probe(&engine, &url(&format!("{base}/old"))).await;
        assert_eq!(
            moved.signal,
            Signal::moved(Reason::RedirectPermanent, format!("{base}/new"))
        );
        assert_eq!(
            moved.redirects.iter().map(|h| h.status).collect::<Vec<_>>(),
            vec![301, 308]
        );
        assert_eq!(
            moved.final_url.as_deref(),
            Some(format!("{base}/new").as_str())
        );

        let temporary = probe(&engine, &url(&format!("{base}/temp"))).await;
        assert_eq!(temporary.signal, Signal::Alive, "a 302 is not a move");

        let known = Validators {
            etag: Some("\"v7\"".into()),
            last_modified: None,
        };
        let cached = probe_website(&engine, &url(&format!("{base}/cached")), &known, now()).await;
        assert_eq!(cached.signal, Signal::NotModified);
        assert_eq!(cached.validators, known, "the known validators are kept");
        let conditional = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == "/cached")
            .count();
        assert_eq!(conditional, 1, "one conditional GET, no HEAD");
    }

    #[tokio::test]
    async fn unresolvable_names_are_gone_and_refused_targets_refused() {
        let dns = Arc::new(StubDns::default());
        let engine = Engine::with_lookup(&loopback(), dns).unwrap();
        let seen = probe(&engine, &url("https://no-such-host.test/")).await;
        assert!(
            matches!(seen.signal, Signal::Gone { reason: Reason::NoSuchHost, ref why } if why.contains("does not resolve")),
            "{:?}",
            seen.signal
        );

        let canary = FaultServer::canary_on("127.0.0.1:0".parse().unwrap()).await;
        let strict = engine_default_policy();
        let seen = probe(&strict, &canary.url("/")).await;
        assert!(
            matches!(seen.signal, Signal::Refused { .. }),
            "{:?}",
            seen.signal
        );
        assert_eq!(canary.connections(), 0);
    }

    #[tokio::test]
    async fn server_errors_and_tls_trouble_are_transient() {
        let server = FaultServer::start(|_| Reply::status(502)).await;
        let engine = engine(&loopback());
        let seen = probe(&engine, &server.url("/")).await;
        assert_eq!(
            seen.signal,
            Signal::transient(Reason::ServerError, "the page answered 502")
        );
        // Speaking TLS to a plain HTTP port fails the handshake.
        let tls_to_plain = url(&format!("https://127.0.0.1:{}/", server.addr.port()));
        let seen = probe(&engine, &tls_to_plain).await;
        assert!(
            matches!(seen.signal, Signal::Transient { .. }),
            "{:?}",
            seen.signal
        );
    }
}

/// An HTTP/2 backend (prior knowledge, behind a TLS front offering h2) whose
/// `/huge` answer carries a header block far over the client's limit.
async fn h2_backend() -> std::net::SocketAddr {
    use http_body_util::{Either, Full, StreamBody};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    |request: hyper::Request<hyper::body::Incoming>| async move {
                        let mut response = hyper::Response::builder().status(200);
                        if request.uri().path() == "/reset" {
                            // A body that fails mid-stream: the server resets the stream.
                            type Chunk = Result<hyper::body::Frame<bytes::Bytes>, std::io::Error>;
                            let chunks: Vec<Chunk> = vec![
                                Ok(hyper::body::Frame::data(bytes::Bytes::from_static(
                                    b"partial",
                                ))),
                                Err(std::io::Error::other("backend gave up")),
                            ];
                            let body = StreamBody::new(futures_util::stream::iter(chunks));
                            return Ok::<_, std::convert::Infallible>(
                                response.body(Either::Right(body)).unwrap(),
                            );
                        }
                        if request.uri().path() == "/huge" {
                            for i in 0..40 {
                                response =
                                    response.header(format!("x-filler-{i}"), "a".repeat(4096));
                            }
                        }
                        Ok::<_, std::convert::Infallible>(
                            response
                                .body(Either::Left(Full::new(bytes::Bytes::from_static(b"h2"))))
                                .unwrap(),
                        )
                    },
                );
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn http2_oversized_header_lists_and_reset_streams_are_protocol_errors() {
    let ca = TestCa::new("catwatch test CA");
    let dir = tempfile::tempdir().unwrap();
    let backend = h2_backend().await;
    let front =
        TlsFront::start_with_alpn(&ca.leaf(&["h2.test"], Validity::Good), backend, &[b"h2"]).await;
    let engine = engine(&ProbeSettings {
        extra_root_certs: vec![ca.write_pem(dir.path())],
        resolve: vec![front.resolve_entry("h2.test")],
        max_header_bytes: 64 * 1024,
        ..loopback()
    });
    let small = engine
        .fetch(Request::get(url("https://h2.test/small")))
        .await
        .unwrap();
    assert_eq!(small.body, b"h2", "HTTP/2 works when the headers fit");
    let huge = engine
        .fetch(Request::get(url("https://h2.test/huge")))
        .await;
    assert!(matches!(huge, Err(FetchError::Protocol(_))), "{huge:?}");
    let reset = engine
        .fetch(Request::get(url("https://h2.test/reset")))
        .await;
    assert!(
        matches!(reset, Err(FetchError::Protocol(_))),
        "a reset stream is a protocol error, not a truncated success: {reset:?}"
    );

    // The same answer passes when the limit allows it: the limit is what refused it.
    let generous = Engine::new(&ProbeSettings {
        extra_root_certs: vec![ca.write_pem(dir.path())],
        resolve: vec![front.resolve_entry("h2.test")],
        max_header_bytes: 1024 * 1024,
        ..loopback()
    })
    .unwrap();
    let huge = generous
        .fetch(Request::get(url("https://h2.test/huge")))
        .await
        .unwrap();
    assert_eq!(huge.status, 200);
}

#[tokio::test]
async fn short_unwanted_bodies_are_drained_so_connections_are_reused() {
    let server = FaultServer::start(|seen| match seen.path() {
        "/hop" => Reply::redirect(301, "/page"),
        _ => Reply::text(404, "<p>not here</p>"),
    })
    .await;
    let engine = engine(&loopback());
    for _ in 0..3 {
        let mut status_only = Request::get(server.url("/hop"));
        status_only.read_body = false;
        let response = engine.fetch(status_only).await.unwrap();
        assert_eq!(response.status, 404);
        assert!(response.body.is_empty(), "status only: no body handed back");
    }
    assert_eq!(server.requests(), 6);
    assert_eq!(
        server.connections(),
        1,
        "one connection served every request"
    );
}
