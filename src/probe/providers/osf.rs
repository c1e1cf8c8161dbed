//! OSF objects by their five-character GUID. An `osf.io/{id}` link can be a
//! project or component (nodes), a registration, a preprint, a file, a user
//! or a collection, and each type has its own endpoint: the nodes endpoint
//! answers 404 for all the others (osf.io `api/nodes/views.py`,
//! `NodeMixin.get_node`). So:
//!
//! 1. `GET /v2/nodes/{id}/`: most catalog links are projects; 200 decides.
//! 2. On 404, `GET /v2/guids/{id}/?resolve=false`, which names the referent's
//!    type even for private items (osf.io `api/guids/views.py`; osfclient
//!    resolves every id this way) and answers 404 only for a GUID that does
//!    not exist (`osf-not-found`).
//! 3. `GET /v2/{type}/{id}/` for registrations and preprints, which can be
//!    withdrawn, and for files and users, which can be deleted: the GUID
//!    still resolves then (the lookup is on the GUID row), and only their own
//!    endpoint answers 410 (osf.io `api/files/views.py` `FileMixin.get_file`,
//!    which takes the GUID too). The other types are alive once the GUID
//!    resolves.
//!
//! Verdicts: 410 is deleted (`osf-deleted`). A registration with
//! `withdrawn: true`, or a preprint with `date_withdrawn` set or
//! `reviews_state: "withdrawn"` (preprints have no `withdrawn` field), is
//! `osf-withdrawn`: only a tombstone remains. 401/403 (private) is blocked.
//!
//! Date: `data.attributes.date_modified`.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::Signal;
use crate::probe::fetch::{Fetch, Response};
use crate::reason::Reason;

/// The referent types whose own endpoint is read for a verdict.
const JUDGED: &[&str] = &["nodes", "registrations", "preprints", "files", "users"];

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, id: &str) -> Found {
    match fetch_object(fetch, api, "nodes", id).await {
        Ok(response) => return read(&response),
        Err(found) if found.http_status != Some(404) => return found,
        Err(_) => {}
    }
    let mut guid = api::endpoint(api, &["guids", id, ""]);
    guid.query_pairs_mut().append_pair("resolve", "false");
    let response = match api::send(fetch, api::api_get(guid)).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if response.status != 200 {
        return not_found_or_other(&response);
    }
    let body = match api::json(&response) {
        Ok(body) => body,
        Err(found) => return found,
    };
    let kind = body
        .pointer("/data/relationships/referent/data/type")
        .or_else(|| body.pointer("/data/relationships/referent/links/related/meta/type"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(kind) = kind else {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "OSF resolved the GUID without naming its referent's type",
            ),
            &response,
        );
    };
    if kind == "nodes" {
        // The nodes endpoint already answered 404 for it: a collection or a
        // draft that only its owners see.
        return Found::answered(
            Signal::blocked(
                Reason::AccessDenied,
                "OSF knows this GUID as a node, but its nodes endpoint does not show it",
            ),
            &response,
        );
    }
    if !JUDGED.contains(&kind.as_str()) {
        return Found::answered(Signal::Alive, &response)
            .note(format!("the GUID resolves to OSF {kind}"));
    }
    match fetch_object(fetch, api, &kind, id).await {
        Ok(response) => read(&response).note(format!("the GUID resolves to OSF {kind}")),
        Err(found) => found,
    }
}

/// `GET /v2/{kind}/{id}/`: the 200 answer, or the finding for any other.
async fn fetch_object<F: Fetch>(
    fetch: &F,
    api: &Url,
    kind: &str,
    id: &str,
) -> Result<Response, Found> {
    let response = api::send(fetch, api::api_get(api::endpoint(api, &[kind, id, ""]))).await?;
    match response.status {
        200 => Ok(response),
        _ => Err(not_found_or_other(&response)),
    }
}

fn not_found_or_other(response: &Response) -> Found {
    match response.status {
        410 => Found::answered(
            Signal::gone(
                Reason::OsfDeleted,
                detail(response).unwrap_or_else(|| "OSF says it was deleted (410)".into()),
            ),
            response,
        ),
        _ => api::unsuccessful(response, Reason::OsfNotFound),
    }
}

/// The `errors[0].detail` of an OSF error answer.
fn detail(response: &Response) -> Option<String> {
    api::json(response)
        .ok()?
        .pointer("/errors/0/detail")?
        .as_str()
        .map(str::to_owned)
}

fn read(response: &Response) -> Found {
    let body = match api::json(response) {
        Ok(body) => body,
        Err(found) => return found,
    };
    let Some(attributes) = body.pointer("/data/attributes").filter(|a| a.is_object()) else {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "OSF answered 200 without data.attributes",
            ),
            response,
        );
    };
    let withdrawn = attributes.get("withdrawn").and_then(Value::as_bool) == Some(true)
        || attributes
            .get("date_withdrawn")
            .is_some_and(|d| d.is_string())
        || attributes.get("reviews_state").and_then(Value::as_str) == Some("withdrawn");
    let signal = if withdrawn {
        Signal::gone(
            Reason::OsfWithdrawn,
            match attributes
                .get("withdrawal_justification")
                .and_then(Value::as_str)
            {
                Some(why) if !why.trim().is_empty() => format!("withdrawn: {why}"),
                _ => "withdrawn; only a tombstone remains".into(),
            },
        )
    } else {
        Signal::Alive
    };
    Found::answered(signal, response).dated(api::date_at(
        attributes,
        "/date_modified",
        "osf:date_modified",
    ))
}
