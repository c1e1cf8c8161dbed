//! Zenodo records, `GET /api/records/{id}`.
//!
//! - A concept record (the id every version shares, and the DOI Zenodo asks
//!   people to cite) answers 404 there while its web page redirects
//!   (zenodo/zenodo#2499). Before anything is called gone, the id is asked
//!   again as `/api/records/{id}/versions/latest`, which InvenioRDM answers
//!   with a redirect to the latest version's record (followed on the same
//!   API host only). Only when both answer 404 is it `zenodo-not-found`.
//! - A version that is not the latest (`metadata.relations.version[0].is_last`
//!   false) is alive; `links.latest` names the newest, reported as the
//!   observation's `newer_version`, so the entry can be pointed at it without
//!   a false alarm. The latest version costs no extra request.
//! - A deleted record answers 410 (`zenodo-deleted`, with Zenodo's message).
//!
//! Date: the record's `modified` (else `updated`); for an outdated version,
//! the latest version's date, since that is when the resource last changed.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::catalog::platform::Target;
use crate::observation::{NewerVersion, Signal};
use crate::probe::fetch::{Fetch, Response};
use crate::reason::Reason;

const DATES: &[(&str, &str)] = &[
    ("/modified", "zenodo:modified"),
    ("/updated", "zenodo:updated"),
];

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, id: u64) -> Found {
    let record_url = api::endpoint(api, &["records", &id.to_string()]);
    let found = match fetch_record(fetch, api, record_url).await {
        Ok((response, record)) => return read(fetch, api, id, &response, &record).await,
        Err(found) => found,
    };
    if found.http_status != Some(404) {
        return found;
    }
    // A concept record (the DOI Zenodo asks people to cite) answers 404 on
    // /api/records/{id}; its latest version answers at .../versions/latest.
    let latest = api::endpoint(api, &["records", &id.to_string(), "versions", "latest"]);
    match fetch_record(fetch, api, latest).await {
        Ok((response, record)) => read(fetch, api, id, &response, &record).await.note(format!(
            "/records/{id} answered 404; resolved through /records/{id}/versions/latest"
        )),
        Err(again) if again.http_status == Some(404) => Found {
            signal: Signal::gone(
                Reason::ZenodoNotFound,
                format!(
                    "no record or concept {id}: /records/{id} and its versions/latest answered 404"
                ),
            ),
            ..again
        },
        Err(again) => again,
    }
}

async fn fetch_record<F: Fetch>(
    fetch: &F,
    api: &Url,
    url: Url,
) -> Result<(Response, Value), Found> {
    let mut request = api::api_get(url);
    // versions/latest redirects to the latest version's record, on the same API.
    request.follow_redirects = true;
    let response = api::send(fetch, request).await?;
    if !api::same_origin(&response.final_url, api) {
        return Err(Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the Zenodo API redirected to another host",
            ),
            &response,
        ));
    }
    match response.status {
        200 => {
            let body = api::json(&response)?;
            if record_id(&body).is_none() {
                return Err(Found::answered(
                    Signal::transient(Reason::BadApiAnswer, "the Zenodo record has no id"),
                    &response,
                ));
            }
            Ok((response, body))
        }
        410 => Err(Found::answered(
            Signal::gone(Reason::ZenodoDeleted, deleted_text(&response)),
            &response,
        )),
        _ => Err(api::unsuccessful(&response, Reason::ZenodoNotFound)),
    }
}

/// Zenodo's words for a deleted record: its message, and the tombstone's
/// removal reason, note and date where it shows them (InvenioRDM's 410 body,
/// invenio-rdm-records `resources/config.py` and `records/systemfields/tombstone.py`).
fn deleted_text(response: &Response) -> String {
    let Ok(body) = api::json(response) else {
        return "the record has been deleted".into();
    };
    let text = |pointer: &str| {
        body.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let mut out = text("/message")
        .unwrap_or("the record has been deleted")
        .to_owned();
    if let Some(reason) = text("/tombstone/removal_reason/id") {
        out.push_str(&format!("; reason: {reason}"));
    }
    if let Some(note) = text("/tombstone/note") {
        out.push_str(&format!("; note: {note}"));
    }
    if let Some(date) = text("/tombstone/removal_date") {
        out.push_str(&format!("; removed {date}"));
    }
    out
}

/// Whether the record is its concept's latest version. Zenodo's own JSON
/// (the legacy serialiser it answers `application/json` with) says so in
/// `metadata.relations.version[0].is_last`; InvenioRDM's default serialiser
/// in `versions.is_latest`. Either is read; neither known is `None`.
fn is_latest(record: &Value) -> Option<bool> {
    record
        .pointer("/metadata/relations/version/0/is_last")
        .and_then(Value::as_bool)
        .or_else(|| {
            record
                .pointer("/versions/is_latest")
                .and_then(Value::as_bool)
        })
}

fn record_id(record: &Value) -> Option<u64> {
    match record.get("id")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

async fn read<F: Fetch>(
    fetch: &F,
    api: &Url,
    asked: u64,
    response: &Response,
    record: &Value,
) -> Found {
    let this = record_id(record).unwrap_or(asked);
    let mut found = Found::answered(Signal::Alive, response).dated(api::first_date(record, DATES));
    if this != asked {
        found = found.note(format!(
            "concept record {asked} resolves to its latest version {this}"
        ));
    }
    let is_latest = is_latest(record);
    let latest_link = record
        .pointer("/links/latest")
        .and_then(Value::as_str)
        .and_then(|link| Url::parse(link).ok())
        .filter(|link| api::same_origin(link, api));
    if is_latest == Some(true) {
        return found;
    }
    let Some(link) = latest_link else {
        return found;
    };
    match fetch_record(fetch, api, link).await {
        Ok((_, latest)) => match record_id(&latest) {
            Some(newest) if newest != this => {
                let newer = Target::ZenodoRecord { id: newest }.canonical_url();
                let date = api::first_date(
                    &latest,
                    &[
                        ("/modified", "zenodo:latest.modified"),
                        ("/updated", "zenodo:latest.updated"),
                    ],
                );
                found.last_updated = date.or(found.last_updated);
                found.newer_version = Some(NewerVersion {
                    url: newer.to_string(),
                    label: api::text_at(&latest, "/metadata/version"),
                    released: api::date_at(&latest, "/metadata/publication_date", "").map(|d| d.at),
                });
                found
            }
            _ => found,
        },
        Err(_) => found.note("the latest version could not be read"),
    }
}
