//! Markdown for the GitHub job summary and issue bodies.
//!
//! Every piece of untrusted text (names, messages, URLs) goes through
//! `escape::markdown`, which also neutralises `@mentions` and `#123`
//! references, so a report can never ping a person or link an issue.

use std::fmt::Write as _;

use crate::observation::Status;
use crate::report::common::Extra;
use crate::report::common::{
    self, age, attention_list, counts, day, empty_attention_text, flag_letter, minute,
};
use crate::report::escape;
use crate::report::model::{ResourceStatus, StatusReport};

/// The whole report: summary, what needs attention, the survey table.
pub fn render(report: &StatusReport) -> String {
    let mut out = String::from("# catwatch status\n\n");
    out.push_str(&summary_line(report));
    out.push_str("\n\n");
    if report.monitor_degraded {
        out.push_str(
            "> [!WARNING]\n> The last run judged its own network broken (too many probes failed at once); \
             statuses were frozen and may be out of date.\n\n",
        );
    }
    out.push_str(&attention_section(report));
    out.push_str("\n## All resources\n\n");
    out.push_str(&table(report));
    out
}

fn summary_line(report: &StatusReport) -> String {
    let mut line = format!("Generated {}", minute(report.generated_at));
    match report.last_successful_run {
        Some(at) => {
            let _ = write!(line, " · last successful run {}", minute(at));
        }
        None => line.push_str(" · no successful run yet"),
    }
    let (by_status, unchecked) = counts(report);
    let mut parts: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
    if unchecked > 0 {
        parts.push(format!("{unchecked} not checked yet"));
    }
    let _ = write!(
        line,
        " · {} resources{}{}",
        report.resources.len(),
        if parts.is_empty() { "" } else { ": " },
        parts.join(", ")
    );
    line
}

/// The "needs attention" section alone (also the body of a digest issue).
pub fn attention_section(report: &StatusReport) -> String {
    let list = attention_list(report);
    let mut out = format!("## Needs attention ({})\n\n", list.len());
    if list.is_empty() {
        out.push_str(empty_attention_text(report));
        out.push('\n');
        return out;
    }
    for r in list {
        out.push_str(&attention_item(r));
    }
    out
}

/// One bullet: name (link), id, status since when, and why.
pub fn attention_item(r: &ResourceStatus) -> String {
    let mut line = format!(
        "- **{}** ({}): {}",
        escape::markdown_link(&r.url, &r.name),
        id_text(&r.id),
        status_text(r)
    );
    if let Some(since) = r.since {
        let _ = write!(line, " since {}", day(since));
    }
    if let Some(message) = r.message.clone().or(r.reason.map(|code| code.to_string())) {
        let _ = write!(line, ": {}", escape::markdown(&message));
    }
    if let Some(to) = &r.moved_to {
        let _ = write!(line, " (now at {})", escape::markdown_link(to, to));
    }
    for extra in crate::report::common::extras(r) {
        match extra {
            Extra::Archived { text, url } => {
                let _ = write!(
                    line,
                    "; {}: {}",
                    escape::markdown(&text),
                    escape::markdown_link(url, url)
                );
            }
            Extra::Text(text) => {
                let _ = write!(line, "; {}", escape::markdown(&text));
            }
        }
    }
    line.push('\n');
    line
}

fn table(report: &StatusReport) -> String {
    let mut out = String::from(
        "| Resource | Status | Since | Last update | Age | CT | X-ray | MRT | Ultrasound | Metadata | Case review |\n\
         |---|---|---|---|---|:-:|:-:|:-:|:-:|:-:|:-:|\n",
    );
    for r in &report.resources {
        let (updated, updated_age) = match &r.last_updated {
            Some(d) => (day(d.at), age(d.at, report.generated_at)),
            None => ("—".to_owned(), "—".to_owned()),
        };
        let flags: Vec<&str> = r
            .modalities
            .columns()
            .iter()
            .map(|(_, f)| flag_letter(*f))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            escape::markdown_link(&r.url, &r.name),
            status_text(r),
            r.since.map(day).unwrap_or_else(|| "—".to_owned()),
            updated,
            updated_age,
            flags.join(" | ")
        );
    }
    out
}

fn status_text(r: &ResourceStatus) -> String {
    let base = match r.status {
        Some(s) => format!("{} {s}", icon(s)),
        None => "⚪ not checked".to_owned(),
    };
    if r.flapping {
        format!("{base} (flapping)")
    } else {
        base
    }
}

fn icon(status: Status) -> &'static str {
    match status {
        Status::Ok => "🟢",
        Status::Stale => "🟡",
        Status::Moved | Status::Failing => "🟠",
        Status::Dead => "🔴",
        Status::Archived | Status::Unknown => "⚪",
        Status::Blocked => "🔵",
    }
}

fn id_text(id: &str) -> String {
    if common::is_safe_id(id) {
        format!("`{id}`")
    } else {
        escape::markdown(id)
    }
}
