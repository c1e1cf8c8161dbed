//! Email delivery against a real SMTP server on loopback (aiosmtpd, started by
//! each test from tests/support/smtp_sink.py on a free port).

#[path = "support/smtp_sink.rs"]
mod smtp_sink;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use catwatch::notify::compose::{Digest, digest};
use catwatch::notify::email::send_digest;
use catwatch::notify::{DeliveryError, EmailSettings, SmtpSecurity};
use catwatch::policy::{Alert, AlertKind};
use catwatch::secret::Secret;
use smtp_sink::{SmtpSink, test_certificates};

fn settings(port: u16, security: SmtpSecurity) -> EmailSettings {
    EmailSettings {
        host: "127.0.0.1".into(),
        port: Some(port),
        security,
        allow_plain: security == SmtpSecurity::Plain,
        from: "catwatch <bot@catwatch.test>".into(),
        to: vec!["team@catwatch.test".into(), "other@catwatch.test".into()],
        subject_prefix: "[catwatch]".into(),
        timeout_secs: 5,
        extra_root_certs: vec![],
    }
}

fn login() -> (String, Secret) {
    ("bot".to_owned(), Secret::new("s3cret-canary"))
}

fn sample_digest() -> Digest {
    let at = "2026-11-26T21:00:00Z".parse().unwrap();
    digest(
        &[Alert {
            key: "covid-chestxray-dataset:dead:1".into(),
            resource_id: Some("covid-chestxray-dataset".into()),
            resource_name: Some("COVID-19 Image Data Collection".into()),
            kind: AlertKind::Dead,
            message: "HTTP 404 for two runs in a row".into(),
            url: Some("https://github.com/ieee8023/covid-chestxray-dataset".into()),
            at,
        }],
        "[catwatch]",
        at,
    )
    .unwrap()
}

fn header<'a>(message: &'a str, name: &str) -> Vec<&'a str> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    head.lines()
        .filter(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l.as_bytes()[name.len()] == b':'
        })
        .collect()
}

#[tokio::test]
async fn plain_delivery_with_the_opt_in_sends_one_multipart_message() {
    let sink = SmtpSink::start(&[]);
    send_digest(
        &settings(sink.port, SmtpSecurity::Plain),
        None,
        &sample_digest(),
    )
    .await
    .expect("delivered");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(
        header(m, "Subject"),
        ["Subject: [catwatch] dead: COVID-19 Image Data Collection"]
    );
    assert!(m.contains("multipart/alternative"), "{m}");
    assert!(m.contains("text/plain") && m.contains("text/html"), "{m}");
    assert!(m.contains("HTTP 404 for two runs in a row"), "{m}");
    let env = &sink.envelopes()[0];
    assert_eq!(env["mail_from"], "bot@catwatch.test");
    assert_eq!(
        env["rcpt_tos"],
        serde_json::json!(["team@catwatch.test", "other@catwatch.test"])
    );
    assert_eq!(env["tls"], false);
}

#[tokio::test]
async fn plain_without_the_opt_in_is_refused_before_connecting() {
    let sink = SmtpSink::start(&[]);
    let mut s = settings(sink.port, SmtpSecurity::Plain);
    s.allow_plain = false;
    let err = send_digest(&s, None, &sample_digest()).await.unwrap_err();
    let DeliveryError::Permanent(message) = err else {
        panic!("expected a permanent configuration error, got {err:?}");
    };
    assert!(message.contains("allow_plain = true"), "{message}");
    assert_eq!(sink.transcript(), "", "nothing may reach the server");
}

#[tokio::test]
async fn starttls_with_a_test_ca_logs_in_only_after_tls() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = test_certificates(certs_dir.path());
    let sink = SmtpSink::start(&[
        "--starttls",
        "--require-starttls",
        "--cert",
        certs.cert.to_str().unwrap(),
        "--key",
        certs.key.to_str().unwrap(),
        "--auth",
        "bot:s3cret-canary",
    ]);
    let mut s = settings(sink.port, SmtpSecurity::Starttls);
    s.extra_root_certs = vec![certs.ca.clone()];
    send_digest(&s, Some(&login()), &sample_digest())
        .await
        .expect("delivered over STARTTLS");
    assert_eq!(sink.messages().len(), 1);
    let env = &sink.envelopes()[0];
    assert_eq!(env["tls"], true);
    assert_eq!(env["auth_user"], "bot");
    let transcript = sink.transcript();
    assert!(
        transcript
            .lines()
            .filter(|l| l.contains(" AUTH "))
            .all(|l| l.contains(" tls AUTH ")),
        "{transcript}"
    );
    assert!(transcript.contains(" plain STARTTLS"), "{transcript}");
    assert!(!transcript.contains("s3cret"), "{transcript}");
}

#[tokio::test]
async fn starttls_against_an_untrusted_certificate_fails_without_login() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = test_certificates(certs_dir.path());
    let sink = SmtpSink::start(&[
        "--starttls",
        "--cert",
        certs.cert.to_str().unwrap(),
        "--key",
        certs.key.to_str().unwrap(),
        "--auth",
        "bot:s3cret-canary",
        "--auth-without-tls",
    ]);
    // No extra root: the test CA is not trusted.
    let s = settings(sink.port, SmtpSecurity::Starttls);
    let err = send_digest(&s, Some(&login()), &sample_digest())
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Transient(_)), "{err:?}");
    assert!(!sink.transcript().contains("AUTH"), "{}", sink.transcript());
    assert_eq!(sink.messages().len(), 0);
}

#[tokio::test]
async fn stripped_starttls_fails_before_auth() {
    // The server offers AUTH in clear and no STARTTLS: a downgrade.
    let sink = SmtpSink::start(&["--auth", "bot:s3cret-canary", "--auth-without-tls"]);
    let s = settings(sink.port, SmtpSecurity::Starttls);
    let err = send_digest(&s, Some(&login()), &sample_digest())
        .await
        .unwrap_err();
    let DeliveryError::Transient(message) = &err else {
        panic!("expected a transient failure, got {err:?}");
    };
    assert!(message.contains("STARTTLS"), "{message}");
    let transcript = sink.transcript();
    assert!(
        transcript.contains("EHLO"),
        "the client did connect: {transcript}"
    );
    assert!(!transcript.contains("AUTH"), "{transcript}");
    assert!(!transcript.contains("MAIL"), "{transcript}");
    assert_eq!(sink.messages().len(), 0);
}

#[tokio::test]
async fn implicit_tls_delivers_over_tls_from_the_first_byte() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = test_certificates(certs_dir.path());
    let sink = SmtpSink::start(&[
        "--implicit-tls",
        "--cert",
        certs.cert.to_str().unwrap(),
        "--key",
        certs.key.to_str().unwrap(),
        "--auth",
        "bot:s3cret-canary",
    ]);
    let mut s = settings(sink.port, SmtpSecurity::Tls);
    s.extra_root_certs = vec![certs.ca.clone()];
    send_digest(&s, Some(&login()), &sample_digest())
        .await
        .expect("delivered over implicit TLS");
    let env = sink.envelopes();
    assert_eq!(env.len(), 1);
    assert_eq!(env[0]["tls"], true);
    assert_eq!(env[0]["auth_user"], "bot");
    assert!(
        !sink.transcript().contains(" plain "),
        "{}",
        sink.transcript()
    );
}

#[tokio::test]
async fn a_451_is_transient_and_the_retry_delivers_once() {
    let sink = SmtpSink::start(&["--fail-first", "1", "--fail-code", "451"]);
    let s = settings(sink.port, SmtpSecurity::Plain);
    let err = send_digest(&s, None, &sample_digest()).await.unwrap_err();
    let DeliveryError::Transient(message) = &err else {
        panic!("expected transient, got {err:?}");
    };
    assert!(message.contains("451"), "{message}");
    assert_eq!(sink.messages().len(), 0);
    send_digest(&s, None, &sample_digest())
        .await
        .expect("the retry");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn the_sink_refuses_while_its_reject_file_exists() {
    let control = tempfile::tempdir().unwrap();
    let flag = control.path().join("refuse");
    std::fs::write(&flag, "451").unwrap();
    let sink = SmtpSink::start(&["--reject-file", flag.to_str().unwrap()]);
    let s = settings(sink.port, SmtpSecurity::Plain);
    let err = send_digest(&s, None, &sample_digest()).await.unwrap_err();
    assert!(matches!(err, DeliveryError::Transient(_)), "{err:?}");
    std::fs::remove_file(&flag).unwrap();
    send_digest(&s, None, &sample_digest()).await.unwrap();
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_550_is_permanent() {
    let sink = SmtpSink::start(&["--reject-all", "550"]);
    let err = send_digest(
        &settings(sink.port, SmtpSecurity::Plain),
        None,
        &sample_digest(),
    )
    .await
    .unwrap_err();
    let DeliveryError::Permanent(message) = &err else {
        panic!("expected permanent, got {err:?}");
    };
    assert!(message.contains("550"), "{message}");
    assert_eq!(sink.messages().len(), 0);
}

#[tokio::test]
async fn names_with_line_breaks_add_no_header_and_no_recipient() {
    let sink = SmtpSink::start(&[]);
    let at = "2026-11-26T21:00:00Z".parse().unwrap();
    let evil = "Evil\r\nBcc: victim@evil.test\r\nX-Injected: 1";
    let from_alerts = digest(
        &[Alert {
            key: "k".into(),
            resource_id: Some("evil".into()),
            resource_name: Some(evil.into()),
            kind: AlertKind::Dead,
            message: "gone\r\nBcc: victim@evil.test".into(),
            url: None,
            at,
        }],
        "[catwatch]",
        at,
    )
    .unwrap();
    // And a digest whose subject was never cleaned: lettre must encode it.
    let raw = Digest {
        subject: format!("[catwatch] dead: {evil}"),
        ..from_alerts.clone()
    };
    let s = settings(sink.port, SmtpSecurity::Plain);
    send_digest(&s, None, &from_alerts).await.unwrap();
    send_digest(&s, None, &raw).await.unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 2);
    for m in &messages {
        assert!(
            !m.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:") || l.starts_with("X-Injected")),
            "{m}"
        );
        assert_eq!(header(m, "Subject").len(), 1, "{m}");
    }
    for env in sink.envelopes() {
        assert_eq!(
            env["rcpt_tos"],
            serde_json::json!(["team@catwatch.test", "other@catwatch.test"])
        );
    }
}

#[tokio::test]
async fn a_lone_dot_line_in_the_body_does_not_end_the_message() {
    let sink = SmtpSink::start(&[]);
    let d = Digest {
        subject: "[catwatch] dot".into(),
        text: "before\r\n.\r\nMAIL FROM:<x@evil.test>\r\nafter the dot\r\n".into(),
        html: "<p>before</p>\r\n.\r\n<p>after the dot</p>".into(),
        alert_keys: vec![],
        date: "2026-11-26T21:00:00Z".parse().unwrap(),
    };
    send_digest(&settings(sink.port, SmtpSecurity::Plain), None, &d)
        .await
        .unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("after the dot"), "{}", messages[0]);
    assert!(
        messages[0].lines().any(|l| l == "."),
        "the dot line arrives as text: {}",
        messages[0]
    );
    let transcript = sink.transcript();
    assert_eq!(transcript.matches(" MAIL ").count(), 1, "{transcript}");
    assert_eq!(transcript.matches(" DATA").count(), 1, "{transcript}");
}

#[tokio::test]
async fn a_silent_server_is_a_transient_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // accept, then never say a word
        }
    });
    let mut s = settings(port, SmtpSecurity::Plain);
    s.timeout_secs = 1;
    let started = Instant::now();
    let err = send_digest(&s, None, &sample_digest()).await.unwrap_err();
    assert!(matches!(err, DeliveryError::Transient(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    holder.abort();
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = send_digest(&settings(port, SmtpSecurity::Plain), None, &sample_digest())
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn a_missing_root_certificate_file_is_a_permanent_error_naming_it() {
    let mut s = settings(1, SmtpSecurity::Starttls);
    s.extra_root_certs = vec![PathBuf::from("/nonexistent/catwatch-ca.pem")];
    let err = send_digest(&s, None, &sample_digest()).await.unwrap_err();
    let DeliveryError::Permanent(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("catwatch-ca.pem"), "{message}");
}
