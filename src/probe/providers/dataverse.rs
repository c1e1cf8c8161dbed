//! Dataverse datasets by persistent id. A deaccessioned dataset (its files
//! withdrawn; only the citation remains) is reported gone,
//! `dataverse-deaccessioned`, with the deaccession note when there is one.
//! `includeDeaccessioned=true` is asked so such datasets answer at all.
//!
//! Date: `data.latestVersion.lastUpdateTime` (else `releaseTime`).

use serde_json::Value;
use url::Url;

use super::api::{self, Found, why};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, persistent_id: &str) -> Found {
    let mut url = api::endpoint(api, &["datasets", ":persistentId", ""]);
    url.query_pairs_mut()
        .append_pair("persistentId", persistent_id)
        .append_pair("includeDeaccessioned", "true");
    let response = match api::send(fetch, api::api_get(url)).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if response.status != 200 {
        return api::unsuccessful(&response);
    }
    let body = match api::json(&response) {
        Ok(body) => body,
        Err(found) => return found,
    };
    let latest = body
        .pointer("/data/latestVersion")
        .cloned()
        .unwrap_or(Value::Null);
    let state = latest
        .get("versionState")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let signal = match state {
        "DEACCESSIONED" => Signal::Gone {
            why: why(
                "dataverse-deaccessioned",
                match latest.get("deaccessionNote").and_then(Value::as_str) {
                    Some(note) => format!("the dataset was deaccessioned: {note}"),
                    None => "the dataset was deaccessioned".into(),
                },
            ),
        },
        "ARCHIVED" => Signal::Archived {
            field: "latestVersion.versionState".into(),
        },
        _ => Signal::Alive,
    };
    Found::answered(signal, &response)
        .dated(api::first_date(
            &latest,
            &[
                ("/lastUpdateTime", "dataverse:latestVersion.lastUpdateTime"),
                ("/releaseTime", "dataverse:latestVersion.releaseTime"),
            ],
        ))
        .note(format!("versionState={state}"))
}
