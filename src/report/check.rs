//! The report of one `catwatch check` run, and its two renderings: a table for
//! a person and JSON for machines (`schema/check-report.schema.json`). Renderers
//! return strings (JSON can also be written as it is produced); the command
//! writes them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::observation::{ResourceCheck, Status};

/// Bumped on any incompatible change to the JSON form.
pub const REPORT_VERSION: u32 = 1;

/// `R` holds the resources: a vector, or (for a large run) the spool they
/// were written to as they were judged (`report::spool`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport<R = Vec<CheckedResource>> {
    pub version: u32,
    pub generated_at: Timestamp,
    /// `K/N` when the run checked one shard of the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Statuses that fail the run (`[policy] fail_on`).
    pub fail_on: Vec<Status>,
    /// No resource outside an active exemption has a `fail_on` status.
    pub passed: bool,
    pub summary: Summary,
    /// Set when this run's own network was down: the failures it caused are
    /// `unknown`, and the run exits 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkNote>,
    pub resources: R,
}

/// What the report says at its top when the network was unavailable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkNote {
    #[serde(flatten)]
    pub health: crate::policy::network::NetworkHealth,
    pub message: String,
    /// A proxy variable was set but not used, and how to opt in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    /// Resources per status; every status is present, zero included.
    pub statuses: BTreeMap<Status, usize>,
    /// Resources whose status an active exemption covers.
    pub exempted: usize,
    /// Resources whose status fails the run.
    pub failing_policy: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedResource {
    #[serde(flatten)]
    pub check: ResourceCheck,
    /// An active exemption covers this status: shown, but it does not fail the run.
    #[serde(default)]
    pub exempted: bool,
}

impl CheckReport {
    /// Builds the report and decides whether the run passes.
    pub fn new(
        resources: Vec<CheckedResource>,
        fail_on: &[Status],
        shard: Option<String>,
        generated_at: Timestamp,
    ) -> CheckReport {
        let summary = Summary::of(
            resources.iter().map(|r| (r.check.status, r.exempted)),
            fail_on,
        );
        CheckReport::with_summary(resources, summary, fail_on, shard, generated_at)
    }
}

impl<R> CheckReport<R> {
    /// The report of `resources`, whose `summary` was counted as they were
    /// judged ([`Summary::of`]); the run passes when none fails the policy.
    pub fn with_summary(
        resources: R,
        summary: Summary,
        fail_on: &[Status],
        shard: Option<String>,
        generated_at: Timestamp,
    ) -> CheckReport<R> {
        CheckReport {
            version: REPORT_VERSION,
            generated_at,
            shard,
            fail_on: fail_on.to_vec(),
            passed: summary.failing_policy == 0,
            summary,
            network: None,
            resources,
        }
    }
}

impl<R> CheckReport<R> {
    /// The same report (its head: date, policy, verdict, summary, network
    /// note) with `resources` in place of its own.
    pub fn with_resources<T>(&self, resources: T) -> CheckReport<T> {
        CheckReport {
            version: self.version,
            generated_at: self.generated_at,
            shard: self.shard.clone(),
            fail_on: self.fail_on.clone(),
            passed: self.passed,
            summary: self.summary.clone(),
            network: self.network.clone(),
            resources,
        }
    }
}

impl Summary {
    /// The totals of resources given as (status, exempted): every status
    /// counted (zero included), the exempted, and those that fail the run
    /// (a `fail_on` status no exemption covers).
    pub fn of(verdicts: impl IntoIterator<Item = (Status, bool)>, fail_on: &[Status]) -> Summary {
        let mut summary = Summary {
            total: 0,
            statuses: Status::ALL.iter().map(|s| (*s, 0)).collect(),
            exempted: 0,
            failing_policy: 0,
        };
        for (status, exempted) in verdicts {
            summary.total += 1;
            *summary.statuses.entry(status).or_default() += 1;
            summary.exempted += usize::from(exempted);
            summary.failing_policy += usize::from(!exempted && fail_on.contains(&status));
        }
        summary
    }
}

pub fn render_json(report: &CheckReport) -> String {
    let mut bytes = Vec::new();
    write_json(report, &mut bytes).expect("writing to memory does not fail");
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// [`render_json`] written to `out` as it is produced, so that a report of
/// many thousand resources is never held whole in memory.
pub fn write_json<R: Serialize>(
    report: &CheckReport<R>,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// What the platform declared, as a suffix: ` [version 2; 1,384 patients]`,
/// the findings against the entry, a dead resource's archive copy; or
/// nothing.
fn extent(c: &ResourceCheck) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(v) = &c.version {
        parts.push(format!("version {}", clean(&v.label)));
    }
    let mut seen = Vec::new();
    for m in &c.size {
        // Two APIs may count the same thing (TCIA's page and NBIA): once.
        if seen.contains(&(m.count, m.unit)) {
            continue;
        }
        seen.push((m.count, m.unit));
        parts.push(m.amount());
    }
    parts.extend(c.findings.iter().map(|f| clean(&f.describe())));
    if let Some(copy) = &c.archived_copy {
        parts.push(format!(
            "archived copy from {}: {}",
            copy.at.to_zoned_datetime(TimeZone::UTC).date(),
            clean(&copy.url)
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" [{}]", parts.join("; "))
    }
}

/// A plain table, one row per resource, then the totals. Untrusted text
/// (messages carry URLs and platform answers) has its control characters
/// replaced so it cannot rewrite the terminal.
pub fn render_human(report: &CheckReport) -> String {
    let rows: Vec<[String; 4]> = report
        .resources
        .iter()
        .map(|r| {
            let c = &r.check;
            [
                clean(&c.id),
                if r.exempted {
                    format!("{} (exempt)", c.status)
                } else {
                    c.status.to_string()
                },
                c.last_updated
                    .map(|at| at.to_zoned_datetime(TimeZone::UTC).date().to_string())
                    .unwrap_or_else(|| "-".into()),
                format!("{}: {}{}", c.reason, clean(&c.message), extent(c)),
            ]
        })
        .collect();
    let header = ["ID", "STATUS", "UPDATED", "REASON"];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    if let Some(note) = &report.network {
        let _ = writeln!(out, "WARNING: {}", clean(&note.message));
        if let Some(hint) = &note.proxy_hint {
            let _ = writeln!(out, "WARNING: {}", clean(hint));
        }
        out.push('\n');
    }
    let mut line = |cells: [&str; 4]| {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
    let counts: Vec<String> = report
        .summary
        .statuses
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let _ = writeln!(
        out,
        "\n{} resources checked: {}{}.",
        report.summary.total,
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        },
        if report.summary.exempted > 0 {
            format!(" ({} exempted)", report.summary.exempted)
        } else {
            String::new()
        }
    );
    let gate: Vec<&str> = report.fail_on.iter().map(|s| s.as_str()).collect();
    let _ = writeln!(
        out,
        "{}: {} resource(s) with a status in fail_on [{}].",
        if report.passed { "PASSED" } else { "FAILED" },
        report.summary.failing_policy,
        gate.join(", ")
    );
    out
}

fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if crate::text::is_hidden(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(id: &str, status: Status, exempted: bool) -> CheckedResource {
        CheckedResource {
            check: ResourceCheck {
                reason: crate::reason::Reason::Http(404),
                message: "https://example.org/x: the API answered 404\x1b[2J".into(),
                http_status: Some(404),
                last_updated: Some("2025-02-03T04:05:06Z".parse().unwrap()),
                last_updated_source: Some("github:pushedAt".into()),
                duration_ms: 12,
                ..ResourceCheck::sample(id, status, "2026-11-26T20:00:00Z".parse().unwrap())
            },
            exempted,
        }
    }

    #[test]
    fn the_table_names_the_platforms_version_and_size_once() {
        use crate::observation::{Measure, Unit, Versioned};
        let mut r = resource("tcia", Status::Ok, false);
        r.check.version = Some(Box::new(Versioned {
            label: "2".into(),
            source: "tcia:version_number".into(),
        }));
        let patients = |source: &str| Measure {
            count: 1384,
            unit: Unit::Patients,
            source: source.into(),
        };
        r.check.size = vec![patients("tcia:subjects"), patients("nbia:counts")];
        let at = "2026-11-26T20:00:00Z".parse().unwrap();
        let text = render_human(&CheckReport::new(vec![r], &[Status::Dead], None, at));
        assert!(text.contains(" [version 2; 1,384 patients]\n"), "{text}");
    }

    #[test]
    fn exempted_resources_do_not_fail_the_run() {
        let at = "2026-11-26T20:00:00Z".parse().unwrap();
        let report = CheckReport::new(
            vec![
                resource("a", Status::Dead, true),
                resource("b", Status::Ok, false),
            ],
            &[Status::Dead],
            None,
            at,
        );
        assert!(report.passed);
        assert_eq!(report.summary.statuses[&Status::Dead], 1);
        assert_eq!(report.summary.statuses[&Status::Stale], 0);
        let failed = CheckReport::new(
            vec![resource("a", Status::Dead, false)],
            &[Status::Dead],
            None,
            at,
        );
        assert!(!failed.passed);
        assert_eq!(failed.summary.failing_policy, 1);
    }

    #[test]
    fn the_table_escapes_control_characters_and_sums_up() {
        let at = "2026-11-26T20:00:00Z".parse().unwrap();
        let report = CheckReport::new(
            vec![
                resource("covid-a", Status::Dead, false),
                resource("b", Status::Ok, false),
            ],
            &[Status::Dead],
            None,
            at,
        );
        let text = render_human(&report);
        assert_eq!(
            text,
            "ID       STATUS  UPDATED     REASON\n\
             covid-a  dead    2025-02-03  http-404: https://example.org/x: the API answered 404\u{FFFD}[2J\n\
             b        ok      2025-02-03  http-404: https://example.org/x: the API answered 404\u{FFFD}[2J\n\
             \n2 resources checked: 1 ok, 1 dead.\n\
             FAILED: 1 resource(s) with a status in fail_on [dead].\n"
        );
    }

    #[test]
    fn json_snapshot() {
        let at = "2026-11-26T20:00:00Z".parse().unwrap();
        let mut moved = resource("moved-one", Status::Moved, false);
        moved.check.reason = crate::reason::Reason::GithubRenamed;
        moved.check.message = "https://github.com/o/r: moved to https://github.com/n/r".into();
        moved.check.moved_to = Some("https://github.com/n/r".into());
        moved
            .check
            .observations
            .push(crate::observation::Observation {
                url: "https://github.com/o/r".into(),
                platform: crate::catalog::platform::Platform::GitHub,
                signal: crate::observation::Signal::moved(
                    crate::reason::Reason::GithubRenamed,
                    "https://github.com/n/r",
                ),
                http_status: Some(200),
                final_url: Some("https://api.github.com/repositories/42".into()),
                redirects: Vec::new(),
                last_updated: Some(crate::observation::Dated {
                    at: "2025-02-03T04:05:06Z".parse().unwrap(),
                    source: "github:pushedAt".into(),
                }),
                validators: Default::default(),
                fingerprint: None,
                newer_version: None,
                manifest: None,
                license: None,
                access: None,
                version: None,
                size: Vec::new(),
                evidence: vec!["api answered 301 -> https://api.github.com/repositories/42".into()],
                checked_at: at,
                duration_ms: 12,
            });
        let report = CheckReport::new(
            vec![resource("dead-one", Status::Dead, false), moved],
            &[Status::Dead],
            Some("2/3".into()),
            at,
        );
        insta::assert_snapshot!(render_json(&report));
    }

    #[test]
    fn json_round_trips() {
        let at = "2026-11-26T20:00:00Z".parse().unwrap();
        let report = CheckReport::new(
            vec![resource("a", Status::Dead, false)],
            &[Status::Dead],
            Some("1/2".into()),
            at,
        );
        let text = render_json(&report);
        let back: CheckReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["resources"][0]["id"], "a");
        assert_eq!(value["summary"]["statuses"]["dead"], 1);
    }
}

/// Where a resource is written in the catalog: its entry file and the line
/// and column of the URL that decided its status (found by the command,
/// which reads the files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPlace {
    pub file: std::path::PathBuf,
    pub line: u32,
    pub column: u32,
}

/// How a resource's status shows as an annotation: an error when it fails
/// the run (`[policy] fail_on`, outside an exemption), a warning for any
/// other status that is not ok or unknown, nothing otherwise.
fn annotation_level(
    report: &CheckReport,
    r: &CheckedResource,
) -> Option<crate::report::sarif::Level> {
    use crate::report::sarif::Level;
    match r.check.status {
        Status::Ok | Status::Unknown => None,
        status if report.fail_on.contains(&status) && !r.exempted => Some(Level::Error),
        _ => Some(Level::Warning),
    }
}

/// The resources to annotate, each with its level, place, and message.
fn annotations<'a>(
    report: &'a CheckReport,
    place: &impl Fn(&ResourceCheck) -> Option<EntryPlace>,
) -> Vec<(
    &'a CheckedResource,
    crate::report::sarif::Level,
    EntryPlace,
    String,
)> {
    report
        .resources
        .iter()
        .filter_map(|r| {
            let level = annotation_level(report, r)?;
            let at = place(&r.check)?;
            let message = format!(
                "{} is {} ({}): {}",
                r.check.id, r.check.status, r.check.reason, r.check.message
            );
            Some((r, level, at, message))
        })
        .collect()
}

/// `check --format github`: one workflow command per resource that is not
/// ok, on its entry's line, then the summary as a notice.
pub fn render_github(
    report: &CheckReport,
    place: impl Fn(&ResourceCheck) -> Option<EntryPlace>,
) -> String {
    use crate::lint::render::{escape_data, escape_property};
    let mut out = String::new();
    for (r, level, at, message) in annotations(report, &place) {
        let command = match level {
            crate::report::sarif::Level::Error => "error",
            _ => "warning",
        };
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            escape_property(&crate::lint::display_path(&at.file)),
            at.line,
            at.column,
            escape_property(&format!("catwatch {} ({})", r.check.status, r.check.reason)),
            escape_data(&clean(&message))
        ));
    }
    let s = &report.summary;
    out.push_str(&format!(
        "::notice title=catwatch check::{} resources checked; {}\n",
        s.total,
        if report.passed {
            "none fails the policy"
        } else {
            "some fail the policy"
        }
    ));
    out
}

/// `check --format sarif`: the resources that are not ok as SARIF results
/// on their entries' lines, every reason code a rule.
pub fn render_sarif(
    report: &CheckReport,
    place: impl Fn(&ResourceCheck) -> Option<EntryPlace>,
) -> String {
    use crate::report::sarif::{self, Item, Level, Rule};
    let reasons: Vec<String> = {
        let mut used: Vec<String> = report
            .resources
            .iter()
            .map(|r| r.check.reason.as_str().to_owned())
            .collect();
        used.extend(
            crate::reason::Reason::ALL
                .iter()
                .map(|r| r.as_str().to_owned()),
        );
        used.sort();
        used.dedup();
        used
    };
    let meaning = |id: &str| {
        id.parse::<crate::reason::Reason>()
            .map(|r| r.meaning())
            .unwrap_or("Decided by that HTTP status alone.")
    };
    let rules: Vec<Rule<'_>> = reasons
        .iter()
        .map(|id| Rule {
            id,
            help: meaning(id),
            level: Level::Warning,
        })
        .collect();
    let items = annotations(report, &place)
        .into_iter()
        .map(|(r, level, at, message)| Item {
            rule: r.check.reason.as_str(),
            level,
            message,
            uri: sarif::uri_of(&at.file),
            line: at.line,
            column: at.column,
        })
        .collect();
    sarif::render(&rules, items)
}
