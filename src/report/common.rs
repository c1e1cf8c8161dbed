//! Small facts every renderer shows the same way: which statuses need
//! attention, how old a date is, how a timestamp reads.

use jiff::Timestamp;

use crate::catalog::entry::Flag;
use crate::observation::Status;
use crate::report::model::{ResourceStatus, StatusReport};

/// Statuses a maintainer should act on, worst first.
pub const ATTENTION: [Status; 5] = [
    Status::Dead,
    Status::Failing,
    Status::Moved,
    Status::Archived,
    Status::Stale,
];

/// Whether a resource belongs in the "needs attention" list: a status to
/// act on, a newer version the entry does not pin, or an entry whose licence
/// or access the platform contradicts.
pub fn needs_attention(resource: &ResourceStatus) -> bool {
    resource.flapping
        || resource.status.is_some_and(|s| ATTENTION.contains(&s))
        || (resource.newer_version.is_some() && !resource.version_pinned)
        || !resource.findings.is_empty()
}

/// What a reader should know beyond the status and its message, one phrase
/// each: the findings, the archive copy, the content note. (A newer version
/// is in the message already, as `check` words it.) Plain text; each
/// renderer escapes it, and links the URLs it knows are URLs.
pub fn extras(resource: &ResourceStatus) -> Vec<Extra<'_>> {
    let mut out = Vec::new();
    for finding in &resource.findings {
        out.push(Extra::Text(finding.describe()));
    }
    if let Some(copy) = &resource.archived_copy {
        out.push(Extra::Archived {
            text: format!("archived copy from {}", day(copy.at)),
            url: &copy.url,
        });
    }
    if let Some(note) = &resource.change_note {
        out.push(Extra::Text(note.clone()));
    }
    out
}

/// One of [`extras`].
pub enum Extra<'a> {
    Archived { text: String, url: &'a str },
    Text(String),
}

/// The resources needing attention, worst status first, then by id.
pub fn attention_list(report: &StatusReport) -> Vec<&ResourceStatus> {
    let rank = |r: &ResourceStatus| {
        r.status
            .and_then(|s| ATTENTION.iter().position(|a| *a == s))
            .unwrap_or(ATTENTION.len())
    };
    let mut list: Vec<&ResourceStatus> = report
        .resources
        .iter()
        .filter(|r| needs_attention(r))
        .collect();
    list.sort_by(|a, b| (rank(a), &a.id).cmp(&(rank(b), &b.id)));
    list
}

/// What an empty "needs attention" list means: only a run that checked
/// something can say nothing is broken. A page or digest rendered before the
/// first check says so instead of reassuring.
pub fn empty_attention_text(report: &StatusReport) -> &'static str {
    if report.resources.iter().any(|r| r.status.is_some()) {
        "Nothing is broken."
    } else {
        NOT_CHECKED_YET
    }
}

/// The words for a catalog or resource no run has checked.
pub const NOT_CHECKED_YET: &str = "Not checked yet: no run of `catwatch check` or `catwatch monitor` has recorded these resources.";

/// How many resources have each status (in `Status::ALL` order), and how many
/// were never checked. Statuses with no resource are left out.
pub fn counts(report: &StatusReport) -> (Vec<(Status, usize)>, usize) {
    let by_status = Status::ALL
        .iter()
        .map(|s| {
            let n = report
                .resources
                .iter()
                .filter(|r| r.status == Some(*s))
                .count();
            (*s, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let unchecked = report
        .resources
        .iter()
        .filter(|r| r.status.is_none())
        .count();
    (by_status, unchecked)
}

/// The survey's cell: "Y", "N" or "U".
pub fn flag_letter(flag: Flag) -> &'static str {
    match flag {
        Flag::Y => "Y",
        Flag::N => "N",
        Flag::U => "U",
    }
}

/// "2026-11-26 21:00 UTC".
pub fn minute(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// "2026-11-26".
pub fn day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

/// A short age: "today", "3 days", "5 months", "2.4 years".
pub fn age(then: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second() - then.as_second();
    if secs < 0 {
        return "in the future".to_owned();
    }
    let days = secs / 86_400;
    match days {
        0 => "today".to_owned(),
        1 => "1 day".to_owned(),
        2..=60 => format!("{days} days"),
        61..=729 => format!("{} months", days / 30),
        _ => format!("{:.1} years", days as f64 / 365.25),
    }
}

/// The catalog's one id rule (`lint::is_safe_id`): what lint lets into the
/// catalog is exactly what the reports, badges and issue markers accept.
pub use crate::lint::is_safe_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        let now: Timestamp = "2026-11-26T21:00:00Z".parse().unwrap();
        let ago = |days: i64| Timestamp::from_second(now.as_second() - days * 86_400).unwrap();
        assert_eq!(age(ago(0), now), "today");
        assert_eq!(age(ago(1), now), "1 day");
        assert_eq!(age(ago(45), now), "45 days");
        assert_eq!(age(ago(200), now), "6 months");
        assert_eq!(age(ago(1000), now), "2.7 years");
    }

    #[test]
    fn unsafe_ids_are_caught() {
        assert!(is_safe_id("covid-chestxray-dataset"));
        for bad in ["", "../x", "/etc", "a\0b", "A", &"a".repeat(65)] {
            assert!(!is_safe_id(bad), "{bad:?}");
        }
    }
}
