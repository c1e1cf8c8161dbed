//! The report as JSON, described by `schema/status-report.schema.json`.
//! `schema_version` changes whenever a field changes meaning or goes away.

use serde::Serialize;

use crate::observation::Status;
use crate::report::common::counts;
use crate::report::model::StatusReport;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a StatusReport,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    never_checked: usize,
    flapping: usize,
    by_status: std::collections::BTreeMap<Status, usize>,
}

/// Pretty-printed JSON with a trailing newline.
pub fn render(report: &StatusReport) -> String {
    let (by_status, never_checked) = counts(report);
    let document = Document {
        schema_version: SCHEMA_VERSION,
        report,
        summary: Summary {
            total: report.resources.len(),
            never_checked,
            flapping: report.resources.iter().filter(|r| r.flapping).count(),
            by_status: by_status.into_iter().collect(),
        },
    };
    let mut text = serde_json::to_string_pretty(&document).expect("the report serialises to JSON");
    text.push('\n');
    text
}
