//! Zenodo records. A concept record (the id every version shares) answers
//! with a redirect to its latest version, which we follow; a version record
//! that is not the latest is alive, with the newer version named in the
//! evidence (`newer version: <url>`), so the entry can be pointed at it
//! without a false alarm. Deleted records answer 410.
//!
//! Date: the record's `modified` (else `updated`); for an outdated version,
//! the latest version's date, since that is when the resource last changed.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use serde_json::Value;
use url::Url;

use super::api::{self, Found, why};
use crate::catalog::platform::Target;
use crate::observation::Signal;
use crate::probe::fetch::{Fetch, Response};

const DATES: &[(&str, &str)] = &[
    ("/modified", "zenodo:modified"),
    ("/updated", "zenodo:updated"),
];

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, id: u64) -> Found {
    match fetch_record(
        fetch,
        api,
        api::endpoint(api, &["records", &id.to_string()]),
    )
    .await
    {
        Ok((response, record)) => read(fetch, api, id, &response, &record).await,
        Err(found) => found,
    }
}

async fn fetch_record<F: Fetch>(
    fetch: &F,
    api: &Url,
    url: Url,
) -> Result<(Response, Value), Found> {
    let mut request = api::api_get(url);
    // A concept id redirects to its latest version, on the same API.
    request.follow_redirects = true;
    let response = api::send(fetch, request).await?;
    if !api::same_origin(&response.final_url, api) {
        return Err(Found::answered(
            Signal::Transient {
                why: why(
                    "bad-api-answer",
                    "the Zenodo API redirected to another host",
                ),
            },
            &response,
        ));
    }
    match response.status {
        200 => {
            let body = api::json(&response)?;
            Ok((response, body))
        }
        410 => Err(Found::answered(
            Signal::Gone {
                why: why(
                    "zenodo-deleted",
                    api::json(&response)
                        .ok()
                        .and_then(|b| b.get("message")?.as_str().map(str::to_owned))
                        .unwrap_or_else(|| "the record has been deleted".into()),
                ),
            },
            &response,
        )),
        _ => Err(api::unsuccessful(&response)),
    }
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
    let is_latest = record
        .pointer("/versions/is_latest")
        .and_then(Value::as_bool);
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
                found.note(format!("newer version: {newer}"))
            }
            _ => found,
        },
        Err(_) => found.note("the latest version could not be read"),
    }
}
