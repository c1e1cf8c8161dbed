//! OSF projects and registrations. The id is tried as a node, then as a
//! registration. 410 means deleted; a withdrawn registration is gone
//! (`osf-withdrawn`): only its tombstone remains.
//!
//! Date: `data.attributes.date_modified`.

use serde_json::Value;
use url::Url;

use super::api::{self, Found, why};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, id: &str) -> Found {
    let mut last = None;
    for kind in ["nodes", "registrations"] {
        let url = api::endpoint(api, &[kind, id, ""]);
        let response = match api::send(fetch, api::api_get(url)).await {
            Ok(response) => response,
            Err(found) => return found,
        };
        match response.status {
            200 => return read(&response),
            404 => last = Some(response),
            410 => {
                return Found::answered(
                    Signal::Gone {
                        why: why("osf-deleted", "OSF says the project was deleted (410)"),
                    },
                    &response,
                );
            }
            _ => return api::unsuccessful(&response),
        }
    }
    last.map_or_else(
        || {
            Found::new(Signal::Transient {
                why: "no answer".into(),
            })
        },
        |response| api::unsuccessful(&response),
    )
}

fn read(response: &crate::probe::fetch::Response) -> Found {
    let body = match api::json(response) {
        Ok(body) => body,
        Err(found) => return found,
    };
    let attributes = body
        .pointer("/data/attributes")
        .cloned()
        .unwrap_or(Value::Null);
    let signal = if attributes.get("withdrawn").and_then(Value::as_bool) == Some(true) {
        Signal::Gone {
            why: why("osf-withdrawn", "the registration has been withdrawn"),
        }
    } else {
        Signal::Alive
    };
    Found::answered(signal, response).dated(api::date_at(
        &attributes,
        "/date_modified",
        "osf:date_modified",
    ))
}
