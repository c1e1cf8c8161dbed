//! Composing one digest message per run from the run's alerts. Pure: no I/O,
//! `now` is passed in. Delivery (SMTP) lives in `email`; the digest is plain
//! data so the monitor can keep an undelivered one in its outbox.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::policy::{Alert, AlertKind};
use crate::report::escape;

/// One message ready for delivery: a subject and two renderings of one body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// One line, no control characters (the transport encodes it again).
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The alerts this digest carries, for the outbox and de-duplication.
    pub alert_keys: Vec<String>,
    /// The run's `now`: the mail's Date header.
    pub date: jiff::Timestamp,
}

/// The groups of a digest, in the order a reader needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    MonitorDegraded,
    MonitorRecovered,
    MissedSchedule,
    Dead,
    Moved,
    Archived,
    Stale,
    Flapping,
    Shrank,
    Terms,
    NewVersion,
    Reminder,
    Recovered,
}

impl Group {
    fn of(kind: &AlertKind) -> Group {
        match kind {
            AlertKind::MonitorDegraded { .. } => Group::MonitorDegraded,
            AlertKind::MonitorRecovered { .. } => Group::MonitorRecovered,
            AlertKind::MissedSchedule { .. } => Group::MissedSchedule,
            AlertKind::Dead => Group::Dead,
            AlertKind::Moved { .. } => Group::Moved,
            AlertKind::Archived => Group::Archived,
            AlertKind::Stale => Group::Stale,
            AlertKind::Flapping => Group::Flapping,
            AlertKind::Reminder { .. } => Group::Reminder,
            AlertKind::Recovered { .. } => Group::Recovered,
            AlertKind::ContentShrank { .. } => Group::Shrank,
            AlertKind::LicenseChanged { .. }
            | AlertKind::AccessChanged { .. }
            | AlertKind::Finding { .. } => Group::Terms,
            AlertKind::NewerVersion { .. } => Group::NewVersion,
        }
    }

    /// For the subject: "2 dead", "1 recovered".
    fn label(self) -> &'static str {
        match self {
            Group::MonitorDegraded => "monitor degraded",
            Group::MonitorRecovered => "monitor recovered",
            Group::MissedSchedule => "missed schedule",
            Group::Dead => "dead",
            Group::Moved => "moved",
            Group::Archived => "archived",
            Group::Stale => "stale",
            Group::Flapping => "flapping",
            // Archived, moved or stale is not "broken": a reminder says
            // only that the entry still needs a look.
            Group::Reminder => "reminder",
            Group::Recovered => "recovered",
            Group::Shrank => "content shrank",
            Group::Terms => "licence or access",
            Group::NewVersion => "new version",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Group::MonitorDegraded => "The monitor itself is degraded",
            Group::MonitorRecovered => "The monitor works again",
            Group::MissedSchedule => "Missed schedule",
            Group::Dead => "Dead",
            Group::Moved => "Moved",
            Group::Archived => "Archived",
            Group::Stale => "Stale",
            Group::Flapping => "Flapping",
            Group::Reminder => "Still needs attention (reminder)",
            Group::Recovered => "Recovered",
            Group::Shrank => "Files disappeared or the data set shrank",
            Group::Terms => "Licence or access differs or changed",
            Group::NewVersion => "A newer version exists",
        }
    }
}

const MAX_NAME_IN_SUBJECT: usize = 80;

/// The digest for one run, or None when there is nothing to say.
pub fn digest(alerts: &[Alert], subject_prefix: &str, now: Timestamp) -> Option<Digest> {
    if alerts.is_empty() {
        return None;
    }
    let mut sorted: Vec<&Alert> = alerts.iter().collect();
    sorted.sort_by(|a, b| {
        (Group::of(&a.kind), &a.resource_id).cmp(&(Group::of(&b.kind), &b.resource_id))
    });
    let groups = group(&sorted);
    Some(Digest {
        subject: subject(&groups, subject_prefix),
        text: text_body(&groups, now),
        html: html_body(&groups, now),
        alert_keys: sorted.iter().map(|a| a.key.clone()).collect(),
        date: now,
    })
}

fn group<'a>(sorted: &[&'a Alert]) -> Vec<(Group, Vec<&'a Alert>)> {
    let mut groups: Vec<(Group, Vec<&Alert>)> = Vec::new();
    for alert in sorted {
        let g = Group::of(&alert.kind);
        match groups.last_mut() {
            Some((last, members)) if *last == g => members.push(alert),
            _ => groups.push((g, vec![alert])),
        }
    }
    groups
}

fn subject(groups: &[(Group, Vec<&Alert>)], prefix: &str) -> String {
    let prefix = escape::plain_line(prefix.trim());
    let summary = match groups {
        [(g, members)] if members.len() == 1 => match &members[0].resource_name {
            Some(name) => format!("{}: {}", g.label(), shorten(name, MAX_NAME_IN_SUBJECT)),
            None => g.label().to_owned(),
        },
        _ => groups
            .iter()
            .map(|(g, members)| format!("{} {}", members.len(), g.label()))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let line = if prefix.is_empty() {
        summary
    } else {
        format!("{prefix} {summary}")
    };
    escape::plain_line(&line)
}

fn shorten(text: &str, max_chars: usize) -> String {
    let clean = escape::plain_line(text);
    if clean.chars().count() <= max_chars {
        clean
    } else {
        let cut: String = clean.chars().take(max_chars - 1).collect();
        format!("{cut}…")
    }
}

fn count_line(alerts: usize, now: Timestamp) -> String {
    let plural = if alerts == 1 { "" } else { "s" };
    format!(
        "catwatch has {alerts} new alert{plural} ({}).",
        now.strftime("%Y-%m-%d %H:%M UTC")
    )
}

fn total(groups: &[(Group, Vec<&Alert>)]) -> usize {
    groups.iter().map(|(_, m)| m.len()).sum()
}

fn text_body(groups: &[(Group, Vec<&Alert>)], now: Timestamp) -> String {
    let mut out = count_line(total(groups), now);
    out.push('\n');
    for (g, members) in groups {
        out.push_str(&format!("\n{} ({})\n", g.heading(), members.len()));
        for alert in members {
            let who = match (&alert.resource_name, &alert.resource_id) {
                (Some(name), Some(id)) => {
                    format!("{} ({})", escape::plain_line(name), escape::plain_line(id))
                }
                (None, Some(id)) => escape::plain_line(id),
                (Some(name), None) => escape::plain_line(name),
                (None, None) => "catwatch".to_owned(),
            };
            out.push_str(&format!("  - {who}\n"));
            out.push_str(&format!("    {}\n", escape::plain_line(&alert.message)));
            if let Some(url) = &alert.url {
                out.push_str(&format!("    {}\n", escape::plain_line(url)));
            }
        }
    }
    out.push_str(
        "\n-- \nSent by catwatch once per change; a recovery is announced once the resource is back.\n",
    );
    out
}

fn html_body(groups: &[(Group, Vec<&Alert>)], now: Timestamp) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>catwatch</title></head>\n\
         <body style=\"font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;line-height:1.5\">\n",
    );
    out.push_str(&format!(
        "<p>{}</p>\n",
        escape::html(&count_line(total(groups), now))
    ));
    for (g, members) in groups {
        out.push_str(&format!(
            "<h2 style=\"font-size:1.1em;margin:1.2em 0 .4em\">{} ({})</h2>\n<ul>\n",
            escape::html(g.heading()),
            members.len()
        ));
        for alert in members {
            let name = alert
                .resource_name
                .as_deref()
                .or(alert.resource_id.as_deref())
                .unwrap_or("catwatch");
            let title = match &alert.url {
                Some(url) => escape::html_link(url, name),
                None => escape::html(name),
            };
            let id = alert
                .resource_id
                .as_deref()
                .map(|id| format!(" <code>{}</code>", escape::html(id)))
                .unwrap_or_default();
            out.push_str(&format!(
                "<li><strong>{title}</strong>{id}<br>{}</li>\n",
                escape::html(&alert.message)
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<p style=\"color:#59636e;font-size:.9em\">Sent by catwatch once per change; \
         a recovery is announced once the resource is back.</p>\n</body></html>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::Status;

    fn at() -> Timestamp {
        "2026-11-26T21:00:00Z".parse().unwrap()
    }

    fn alert(id: &str, name: &str, kind: AlertKind, message: &str) -> Alert {
        Alert {
            key: format!("{id}:{kind:?}"),
            resource_id: Some(id.to_owned()),
            resource_name: Some(name.to_owned()),
            kind,
            message: message.to_owned(),
            url: Some(format!("https://example.org/{id}")),
            at: at(),
        }
    }

    #[test]
    fn nothing_to_say_is_no_digest() {
        assert_eq!(digest(&[], "[catwatch]", at()), None);
    }

    #[test]
    fn one_alert_names_the_resource_in_the_subject() {
        let d = digest(
            &[alert("a", "Alpha", AlertKind::Dead, "HTTP 404")],
            "[catwatch]",
            at(),
        )
        .unwrap();
        assert_eq!(d.subject, "[catwatch] dead: Alpha");
        assert_eq!(d.alert_keys, vec!["a:Dead".to_owned()]);
    }

    #[test]
    fn several_alerts_are_counted_by_kind_worst_first() {
        let alerts = [
            alert(
                "c",
                "Gamma",
                AlertKind::Recovered { from: Status::Dead },
                "back",
            ),
            alert("b", "Beta", AlertKind::Dead, "HTTP 410"),
            alert("a", "Alpha", AlertKind::Dead, "HTTP 404"),
        ];
        let d = digest(&alerts, "[catwatch]", at()).unwrap();
        assert_eq!(d.subject, "[catwatch] 2 dead, 1 recovered");
        assert_eq!(
            d.text,
            "catwatch has 3 new alerts (2026-11-26 21:00 UTC).\n\
             \nDead (2)\n  - Alpha (a)\n    HTTP 404\n    https://example.org/a\n\
             \x20 - Beta (b)\n    HTTP 410\n    https://example.org/b\n\
             \nRecovered (1)\n  - Gamma (c)\n    back\n    https://example.org/c\n\
             \n-- \nSent by catwatch once per change; a recovery is announced once the resource is back.\n"
        );
        assert_eq!(d.alert_keys.len(), 3);
    }

    /// An archived repository is read-only, not broken: its reminder says
    /// only that it still needs a look.
    #[test]
    fn a_reminder_of_an_archived_resource_does_not_call_it_broken() {
        let d = digest(
            &[alert(
                "a",
                "Alpha",
                AlertKind::Reminder {
                    of: Status::Archived,
                },
                "Alpha is still archived (first reported 2026-11-01)",
            )],
            "[catwatch]",
            at(),
        )
        .unwrap();
        assert_eq!(d.subject, "[catwatch] reminder: Alpha");
        for text in [&d.subject, &d.text, &d.html] {
            assert!(!text.to_lowercase().contains("broken"), "{text}");
        }
        assert!(d.text.contains("Still needs attention (reminder)"));
    }

    #[test]
    fn names_with_line_breaks_stay_on_one_line() {
        let d = digest(
            &[alert(
                "a",
                "Evil\r\nBcc: victim@example.org",
                AlertKind::Dead,
                "x\r\n.\r\ny",
            )],
            "[catwatch]\r\nX-Evil: 1",
            at(),
        )
        .unwrap();
        assert!(!d.subject.contains(['\r', '\n']), "{}", d.subject);
        assert!(
            !d.text.lines().any(|l| l.starts_with("Bcc:") || l == "."),
            "{}",
            d.text
        );
    }

    #[test]
    fn the_html_part_escapes_names_and_refuses_script_urls() {
        let mut a = alert(
            "a",
            "<script>alert(1)</script>",
            AlertKind::Dead,
            "<b>x</b>",
        );
        a.url = Some("javascript:alert(1)".into());
        let d = digest(&[a], "[catwatch]", at()).unwrap();
        assert!(!d.html.contains("<script>"), "{}", d.html);
        assert!(!d.html.contains("href"), "{}", d.html);
        assert!(d.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
