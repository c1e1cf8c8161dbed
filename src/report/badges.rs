//! shields.io endpoint badges: one small JSON file per resource
//! (`<id>.json`) and one for the whole catalog (`_catalog.json`; ids cannot
//! start with `_`, so the names never collide).
//!
//! Serve the directory anywhere and point
//! `https://img.shields.io/endpoint?url=<that URL>/<id>.json` at it.

use serde::Serialize;

use crate::observation::Status;
use crate::report::common::is_safe_id;
use crate::report::model::{ResourceStatus, StatusReport};

pub const CATALOG_BADGE: &str = "_catalog.json";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "resource id {0:?} cannot name a badge file (ids are 1-64 characters of a-z, 0-9 and -); fix the entry's id"
)]
pub struct UnsafeId(pub String);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint<'a> {
    schema_version: u8,
    label: &'a str,
    message: String,
    color: &'a str,
}

/// (file name, file content) pairs, the catalog badge first, then one per
/// resource in report order.
pub fn render(report: &StatusReport) -> Result<Vec<(String, String)>, UnsafeId> {
    let ok = report
        .resources
        .iter()
        .filter(|r| r.status == Some(Status::Ok))
        .count();
    let total = report.resources.len();
    let checked = report.resources.iter().any(|r| r.status.is_some());
    let catalog_color = if !checked {
        "lightgrey"
    } else if total > 0 && ok == total {
        "brightgreen"
    } else if ok * 10 >= total * 8 {
        "yellowgreen"
    } else {
        "orange"
    };
    let mut files = vec![(
        CATALOG_BADGE.to_owned(),
        to_json(&Endpoint {
            schema_version: 1,
            label: "catwatch",
            message: if checked {
                format!("{ok}/{total} ok")
            } else {
                "not checked yet".to_owned()
            },
            color: catalog_color,
        }),
    )];
    for r in &report.resources {
        if !is_safe_id(&r.id) {
            return Err(UnsafeId(r.id.clone()));
        }
        let (message, color) = status_badge(r);
        files.push((
            format!("{}.json", r.id),
            to_json(&Endpoint {
                schema_version: 1,
                label: &r.id,
                message,
                color,
            }),
        ));
    }
    Ok(files)
}

fn status_badge(r: &ResourceStatus) -> (String, &'static str) {
    if r.flapping {
        return ("flapping".to_owned(), "orange");
    }
    let Some(status) = r.status else {
        return ("not checked".to_owned(), "lightgrey");
    };
    let color = match status {
        Status::Ok => "brightgreen",
        Status::Stale => "yellow",
        Status::Moved | Status::Failing => "orange",
        Status::Dead => "red",
        Status::Blocked => "blue",
        Status::Archived | Status::Unknown => "lightgrey",
    };
    (status.as_str().to_owned(), color)
}

fn to_json(endpoint: &Endpoint<'_>) -> String {
    let mut text = serde_json::to_string(endpoint).expect("a badge serialises to JSON");
    text.push('\n');
    text
}
