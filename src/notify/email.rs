//! Delivering a digest by SMTP (lettre, tokio, rustls).
//!
//! Security defaults: STARTTLS is required (lettre's `Tls::Required` refuses
//! to go on, and so never sends AUTH, when the server does not offer it);
//! implicit TLS on request; a plain connection only with `allow_plain = true`.
//! Failures are classified for the monitor's outbox: SMTP 4xx, timeouts and
//! connection or TLS trouble are transient (retried next run), 5xx and bad
//! settings are permanent.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::compose::Digest;
use super::{DeliveryError, EmailSettings, SmtpSecurity};
use crate::secret::Secret;

/// Settings problems that no retry can fix, with the fix named. Call it when
/// the configuration is loaded to fail early; `send_digest` checks it again.
pub fn check_settings(settings: &EmailSettings) -> Result<(), String> {
    if settings.security == SmtpSecurity::Plain && !settings.allow_plain {
        return Err(format!(
            "[email] security = \"plain\" sends mail (and any password) unencrypted to {}; \
             use security = \"starttls\" or \"tls\", or set allow_plain = true for a relay on this machine",
            settings.host
        ));
    }
    if settings.host.trim().is_empty() {
        return Err("[email] host is empty; set it to the SMTP server's name".into());
    }
    if settings.to.is_empty() {
        return Err("[email] to is empty; list at least one recipient".into());
    }
    if settings.timeout_secs == 0 {
        return Err("[email] timeout_secs must be at least 1".into());
    }
    mailbox("from", &settings.from)?;
    for to in &settings.to {
        mailbox("to", to)?;
    }
    Ok(())
}

fn mailbox(field: &str, address: &str) -> Result<Mailbox, String> {
    address.parse::<Mailbox>().map_err(|err| {
        format!("[email] {field} = {address:?} is not a mail address ({err}); write it as \"name@example.org\" or \"Name <name@example.org>\"")
    })
}

/// The message as it goes on the wire: a multipart/alternative with the plain
/// text and the HTML part. Header values are encoded by lettre, so no name or
/// subject can add a header.
pub fn build_message(settings: &EmailSettings, digest: &Digest) -> Result<Message, DeliveryError> {
    let permanent = DeliveryError::Permanent;
    let from = mailbox("from", &settings.from).map_err(permanent)?;
    let keys: Vec<&str> = digest.alert_keys.iter().map(String::as_str).collect();
    // The same alerts give the same Message-ID: a digest re-sent after a
    // kill between the server's acceptance and the state save is a copy
    // that mail clients and list servers drop.
    let message_id = format!(
        "<catwatch.{}@{}>",
        crate::notify::alerts_digest(&keys),
        from.email.domain()
    );
    let mut builder = Message::builder()
        .message_id(Some(message_id))
        .from(from)
        .subject(digest.subject.clone())
        // The run's one clock (CATWATCH_NOW when set), not the wall clock.
        .date(system_time(digest.date));
    for to in &settings.to {
        builder = builder.to(mailbox("to", to).map_err(permanent)?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            digest.text.clone(),
            digest.html.clone(),
        ))
        .map_err(|err| DeliveryError::Permanent(format!("cannot build the message: {err}")))
}

/// A jiff timestamp as the standard clock type lettre takes (before 1970,
/// which no run's clock is, becomes the epoch).
fn system_time(at: jiff::Timestamp) -> std::time::SystemTime {
    let since = std::time::Duration::try_from(at.as_duration()).unwrap_or_default();
    std::time::UNIX_EPOCH + since
}

/// Sends one digest. See the module docs for how failures are classified.
pub async fn send_digest(
    settings: &EmailSettings,
    credentials: Option<&(String, Secret)>,
    message: &Digest,
) -> Result<(), DeliveryError> {
    check_settings(settings).map_err(DeliveryError::Permanent)?;
    let email = build_message(settings, message)?;
    let transport = transport(settings, credentials)?;
    let deadline = Duration::from_secs(settings.timeout_secs.saturating_mul(2));
    match tokio::time::timeout(deadline, transport.send(email)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(classify(&settings.host, &err)),
        Err(_) => Err(DeliveryError::Transient(format!(
            "SMTP delivery to {} did not finish within {} s",
            settings.host,
            deadline.as_secs()
        ))),
    }
}

fn transport(
    settings: &EmailSettings,
    credentials: Option<&(String, Secret)>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
    let (tls, default_port) = match settings.security {
        SmtpSecurity::Starttls => (Tls::Required(tls_parameters(settings)?), 587),
        SmtpSecurity::Tls => (Tls::Wrapper(tls_parameters(settings)?), 465),
        SmtpSecurity::Plain => (Tls::None, 25),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(settings.port.unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(settings.timeout_secs)));
    if let Some((user, password)) = credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    Ok(builder.build())
}

fn tls_parameters(settings: &EmailSettings) -> Result<TlsParameters, DeliveryError> {
    let mut builder = TlsParameters::builder(settings.host.clone());
    for path in &settings.extra_root_certs {
        let pem = crate::catalog::read::read_own_file(
            path,
            16 * 1024 * 1024,
            "[email] extra_root_certs file",
        )
        .map_err(|err| DeliveryError::Permanent(err.to_string()))?;
        let cert = Certificate::from_pem(&pem).map_err(|err| {
            DeliveryError::Permanent(format!(
                "[email] extra_root_certs: {} is not a PEM certificate: {err}",
                path.display()
            ))
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|err| {
        DeliveryError::Permanent(format!("cannot set up TLS for {}: {err}", settings.host))
    })
}

fn classify(host: &str, err: &lettre::transport::smtp::Error) -> DeliveryError {
    let detail = error_chain(err);
    if err.is_permanent() {
        DeliveryError::Permanent(format!("{host} refused the mail: {detail}"))
    } else if err.is_transient() {
        DeliveryError::Transient(format!("{host} deferred the mail: {detail}"))
    } else if err.is_timeout() {
        DeliveryError::Transient(format!("SMTP to {host} timed out: {detail}"))
    } else if detail.contains("STARTTLS is not supported") {
        DeliveryError::Transient(format!(
            "{host} did not offer STARTTLS, so nothing was sent (not even the login); \
             check the server, or use security = \"tls\" if it speaks implicit TLS"
        ))
    } else if err.is_client() && detail.contains("authentication") {
        DeliveryError::Permanent(format!("SMTP login at {host} impossible: {detail}"))
    } else {
        DeliveryError::Transient(format!("SMTP to {host} failed: {detail}"))
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> EmailSettings {
        EmailSettings {
            host: "mail.example.org".into(),
            port: None,
            security: SmtpSecurity::Starttls,
            allow_plain: false,
            from: "catwatch <bot@example.org>".into(),
            to: vec!["team@example.org".into()],
            subject_prefix: "[catwatch]".into(),
            timeout_secs: 10,
            extra_root_certs: vec![],
        }
    }

    fn digest(subject: &str, text: &str) -> Digest {
        Digest {
            subject: subject.into(),
            text: text.into(),
            html: format!("<p>{text}</p>"),
            alert_keys: vec![],
            date: "2026-11-26T21:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn plain_needs_the_explicit_opt_in() {
        let mut s = settings();
        s.security = SmtpSecurity::Plain;
        let err = check_settings(&s).unwrap_err();
        assert!(err.contains("allow_plain = true"), "{err}");
        s.allow_plain = true;
        assert_eq!(check_settings(&s), Ok(()));
    }

    #[test]
    fn bad_addresses_name_the_field() {
        let mut s = settings();
        s.to = vec!["not an address".into()];
        let err = check_settings(&s).unwrap_err();
        assert!(err.contains("[email] to"), "{err}");
    }

    #[test]
    fn a_subject_with_line_breaks_adds_no_header() {
        let message = build_message(
            &settings(),
            &digest("[catwatch] dead: x\r\nBcc: victim@example.org", "body"),
        )
        .unwrap();
        let wire = String::from_utf8(message.formatted()).unwrap();
        let headers = wire.split("\r\n\r\n").next().unwrap();
        assert!(
            !wire
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{wire}"
        );
        assert_eq!(
            headers
                .lines()
                .filter(|l| l.starts_with("Subject:"))
                .count(),
            1
        );
    }

    #[test]
    fn the_message_id_is_made_from_the_alerts_and_the_date_is_the_run_s() {
        let header = |d: &Digest, name: &str| {
            let wire =
                String::from_utf8(build_message(&settings(), d).unwrap().formatted()).unwrap();
            wire.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
                .unwrap_or_else(|| panic!("no {name} in {wire}"))
        };
        let mut one = digest("s", "t");
        one.alert_keys = vec!["a:dead:1".into(), "b:stale:2".into()];
        let mut same = digest("another subject", "other text");
        same.alert_keys = vec!["b:stale:2".into(), "a:dead:1".into()];
        let mut other = digest("s", "t");
        other.alert_keys = vec!["a:dead:1".into()];
        assert_eq!(header(&one, "Message-ID"), header(&same, "Message-ID"));
        assert_ne!(header(&one, "Message-ID"), header(&other, "Message-ID"));
        assert!(header(&one, "Message-ID").starts_with("<catwatch."));
        assert_eq!(header(&one, "Date"), "Thu, 26 Nov 2026 21:00:00 +0000");
    }
}
