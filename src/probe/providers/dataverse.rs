//! Dataverse datasets by persistent id, through the latest published version
//! (IQSS/dataverse `doc/sphinx-guides/source/api/native-api.rst`, "Get
//! Version of a Dataset"; `Datasets.java` `getVersion`):
//!
//! 1. `GET /api/datasets/:persistentId/versions/:latest-published?persistentId=…&excludeFiles=true&excludeMetadataBlocks=true`
//!    gives the newest RELEASED version: alive.
//! 2. Only on 404 (no released version) the same with
//!    `includeDeaccessioned=true` (Dataverse 6.1 and later): a
//!    `DEACCESSIONED` version is gone (`dataverse-deaccessioned`, with the
//!    deaccession note); a second 404 is `dataverse-not-found`.
//!
//! The order matters: with `includeDeaccessioned`, `:latest-published` is the
//! newest released *or* deaccessioned version, so a deaccessioned v2 would
//! hide a v1 that is still public. The dataset endpoint
//! (`/api/datasets/:persistentId/`) is not used: it ignores
//! `includeDeaccessioned`, answers a fully deaccessioned dataset with 200
//! and no `latestVersion` (IQSS/dataverse#2071), and carries every file.
//! An answer without `data.versionState` is a bad API answer, never "alive".
//!
//! Date: `data.lastUpdateTime` (else `releaseTime`).

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, persistent_id: &str) -> Found {
    let released = match latest_published(fetch, api, persistent_id, false).await {
        Ok(found) => return found,
        Err(found) if found.http_status == Some(404) => found,
        Err(found) => return found,
    };
    // No released version: deaccessioned, or never published, or no such id.
    match latest_published(fetch, api, persistent_id, true).await {
        Ok(found) => found.note("no released version; asked again with includeDeaccessioned=true"),
        Err(again) if again.http_status == Some(404) => {
            let mut gone = again;
            gone.signal = Signal::gone(
                Reason::DataverseNotFound,
                "Dataverse has no published version of this dataset, deaccessioned ones included",
            );
            gone.evidence.extend(released.evidence);
            gone
        }
        Err(again) => again,
    }
}

/// `versions/:latest-published` for the dataset, without its files and
/// metadata blocks (a dataset of thousands of files would not fit the body
/// cap); `Ok` with the judged answer for a 200, `Err` with the finding for
/// any other status.
async fn latest_published<F: Fetch>(
    fetch: &F,
    api: &Url,
    persistent_id: &str,
    include_deaccessioned: bool,
) -> Result<Found, Found> {
    let mut url = api::endpoint(
        api,
        &["datasets", ":persistentId", "versions", ":latest-published"],
    );
    url.query_pairs_mut()
        .append_pair("persistentId", persistent_id)
        .append_pair("excludeFiles", "true")
        .append_pair("excludeMetadataBlocks", "true");
    if include_deaccessioned {
        url.query_pairs_mut()
            .append_pair("includeDeaccessioned", "true");
    }
    let response = api::send(fetch, api::api_get(url)).await?;
    if response.status == 400 {
        return Err(Found::answered(
            Signal::gone(
                Reason::DataverseNotFound,
                "Dataverse answered 400: the persistent id does not parse",
            ),
            &response,
        ));
    }
    if response.status != 200 {
        let mut found = api::unsuccessful(&response, Reason::DataverseNotFound);
        if let Some(message) = api::json(&response)
            .ok()
            .and_then(|body| body.get("message")?.as_str().map(str::to_owned))
        {
            found = found.note(format!("Dataverse: {message}"));
        }
        return Err(found);
    }
    Ok(read(&response, persistent_id))
}

fn read(response: &crate::probe::fetch::Response, persistent_id: &str) -> Found {
    let body = match api::json(response) {
        Ok(body) => body,
        Err(found) => return found,
    };
    let version = body.get("data").cloned().unwrap_or(Value::Null);
    let Some(state) = version.get("versionState").and_then(Value::as_str) else {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the Dataverse answer has no data.versionState",
            ),
            response,
        );
    };
    // `deaccessionNote` since Dataverse 6.6, `versionNote` before it.
    let note = ["deaccessionNote", "versionNote"]
        .iter()
        .find_map(|key| version.get(*key).and_then(Value::as_str))
        .filter(|note| !note.trim().is_empty());
    let signal = match state {
        "DEACCESSIONED" => Signal::gone(
            Reason::DataverseDeaccessioned,
            match note {
                Some(note) => format!("the dataset was deaccessioned: {note}"),
                None => "the dataset was deaccessioned".into(),
            },
        ),
        "RELEASED" => Signal::Alive,
        other => Signal::transient(
            Reason::BadApiAnswer,
            format!("the latest published version has versionState {other:?}"),
        ),
    };
    let mut found = Found::answered(signal, response).dated(api::first_date(
        &version,
        &[
            ("/lastUpdateTime", "dataverse:lastUpdateTime"),
            ("/releaseTime", "dataverse:releaseTime"),
        ],
    ));
    found = found.note(format!("versionState={state}"));
    if let Some(link) = version.get("deaccessionLink").and_then(Value::as_str) {
        found = found.note(format!("deaccessionLink: {link}"));
    }
    if let Some(answered) = version.get("datasetPersistentId").and_then(Value::as_str)
        && !answered.eq_ignore_ascii_case(persistent_id)
    {
        found = found.note(format!(
            "Dataverse answers under the persistent id {answered}"
        ));
    }
    found
}
