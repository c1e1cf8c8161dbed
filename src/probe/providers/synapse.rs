//! Synapse entities (`www.synapse.org/Synapse:syn123`, `.N` pinning a
//! version), judged from the Synapse REST API (`repo-prod.prod.sagebase.org/repo/v1`).
//!
//! Sources (Sage-Bionetworks/Synapse-Repository-Services, schemas under
//! `lib/lib-auto-generated/src/main/resources/schema/org/sagebionetworks/repo/model/`;
//! Sage-Bionetworks/synapsePythonClient):
//!
//! - **The entity**, `GET /entity/{id}` or `GET /entity/{id}/version/{n}`
//!   (`EntityController.java`). A 200 carries `Entity.json`'s `id`, `name`,
//!   `etag`, `createdOn`, `modifiedOn` and `concreteType`; a versionable
//!   entity (`VersionableEntity.json`) adds `versionNumber`, `versionLabel`
//!   and `isLatestVersion`; a Dataset (`table/Dataset.json`) adds `size`
//!   (bytes) and `count` (items). The date is `modifiedOn`, the version
//!   `versionLabel` (else `versionNumber`). A pinned version that is not the
//!   latest stays alive and names the unpinned entity as its newer version.
//! - **Errors** are `ErrorResponse.json`, `{"concreteType": ..., "reason": ...}`.
//!   404 says `Resource: 'syn123' does not exist` or `Entity syn123 is in trash
//!   can.`: `synapse-not-found`. 403 (`You lack READ access to the requested
//!   entity.`, `EntityAuthorizationUtils`) or 401 means a private entity: with
//!   no token it needs `SYNAPSE_AUTH_TOKEN` (the variable synapseclient's
//!   `credential_provider.py` reads; sent as `Authorization: Bearer`,
//!   `cred_data.py`), never dead; with one, the token lacks access. 429
//!   (`Requests are too frequent.`, no `Retry-After`; synapseclient
//!   `core/retry.py` retries it blindly) is a rate limit.
//! - **Restrictions**, `POST /restrictionInformation` with
//!   `{"restrictableObjectType":"ENTITY","objectId":"syn123"}`
//!   (`DataAccessController.java`), answers `RestrictionInformationResponse.json`,
//!   whose `restrictionLevel` (`RestrictionLevel.json`) is `OPEN`,
//!   `RESTRICTED_BY_TERMS_OF_USE` (a click-through agreement) or
//!   `CONTROLLED_BY_ACT` (an application reviewed by Sage's Access and
//!   Compliance Team). Asked only after the entity answered 200; when it
//!   cannot be read the entity stays alive, with a note saying so.
//!
//! The credential (already bound to the API host by the caller) goes with
//! every request sent here.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::catalog::entry::Access;
use crate::catalog::platform::Target;
use crate::observation::{NewerVersion, Signal, Unit};
use crate::probe::fetch::{Credential, Fetch, Method, Request, Response};
use crate::reason::Reason;

/// The variable synapseclient reads its personal access token from.
const TOKEN_VARIABLE: &str = "SYNAPSE_AUTH_TOKEN";

/// The `concreteType` of a Dataset (`table/Dataset.json`).
const DATASET: &str = "org.sagebionetworks.repo.model.table.Dataset";

/// Judges the Synapse entity `id` (`syn123`), at `version` when pinned.
pub async fn probe<F: Fetch>(
    fetch: &F,
    api: &Url,
    credential: Option<Credential>,
    id: &str,
    version: Option<u32>,
) -> Found {
    let url = match version {
        Some(n) => api::endpoint(api, &["entity", id, "version", &n.to_string()]),
        None => api::endpoint(api, &["entity", id]),
    };
    let mut request = api::api_get(url);
    request.credential = credential.clone();
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if response.status != 200 {
        return unsuccessful(&response, credential.is_some());
    }
    let entity = match api::json(&response) {
        Ok(entity) => entity,
        Err(found) => return found,
    };
    if api::text_at(&entity, "/id").is_none() {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the Synapse entity answer has no `id`",
            ),
            &response,
        );
    }
    let found = describe(&response, &entity, id, version);
    restrict(fetch, api, credential, id, found).await
}

/// A non-200 answer about the entity.
fn unsuccessful(response: &Response, has_credential: bool) -> Found {
    let status = response.status;
    match status {
        404 => Found::answered(
            Signal::gone(Reason::SynapseNotFound, reason_text(response)),
            response,
        ),
        401 | 403 if !api::is_rate_limited(response) => {
            let why = reason_text(response);
            // A 403 with a token is a refusal of that user; a 401 means the
            // token itself was rejected (`HttpAuthUtil`: "Invalid access
            // token"): a credential to fix, never a verdict on the entity.
            if has_credential && status == 403 {
                return Found::answered(Signal::blocked(Reason::AccessDenied, why), response);
            }
            if has_credential {
                return Found::answered(
                    Signal::NeedsCredentials {
                        variable: TOKEN_VARIABLE.into(),
                    },
                    response,
                )
                .note(format!("Synapse rejected the token (401): {why}"));
            }
            Found::answered(
                Signal::NeedsCredentials {
                    variable: TOKEN_VARIABLE.into(),
                },
                response,
            )
            .note(format!("Synapse answered {status} without a token: {why}"))
        }
        _ => api::unsuccessful(response, Reason::SynapseNotFound),
    }
}

/// The `reason` of Synapse's `ErrorResponse`, else the bare status.
fn reason_text(response: &Response) -> String {
    serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|body| api::text_at(&body, "/reason"))
        .unwrap_or_else(|| format!("the Synapse API answered {}", response.status))
}

/// The facts of an entity that answered 200.
fn describe(response: &Response, entity: &Value, id: &str, version: Option<u32>) -> Found {
    let (label, source) = match api::text_at(entity, "/versionLabel") {
        Some(label) => (Some(label), "synapse:versionLabel"),
        None => (
            api::text_at(entity, "/versionNumber"),
            "synapse:versionNumber",
        ),
    };
    let kind = api::text_at(entity, "/concreteType");
    let short = kind
        .as_deref()
        .and_then(|k| k.rsplit('.').next())
        .filter(|k| !k.is_empty())
        .unwrap_or("entity");
    let shown_id = api::text_at(entity, "/id").unwrap_or_else(|| id.to_owned());
    let mut note = format!("Synapse {short} {shown_id}");
    if let Some(name) = api::text_at(entity, "/name") {
        note.push_str(&format!(" `{name}`"));
    }
    if let Some(n) = version {
        note.push_str(&format!(", version {n} asked"));
    }
    let mut found = Found::answered(Signal::Alive, response)
        .dated(api::first_date(
            entity,
            &[("/modifiedOn", "synapse:modifiedOn")],
        ))
        .versioned(label, source)
        .measured(api::count_at(entity, "/size"), Unit::Bytes, "synapse:size")
        .measured(
            api::count_at(entity, "/count"),
            Unit::Files,
            "synapse:count",
        )
        .note(note);
    if kind.as_deref() == Some(DATASET) && found.size.is_empty() {
        found = found.note("the Synapse Dataset gives no `size` or `count`");
    }
    if version.is_some() && entity.get("isLatestVersion") == Some(&Value::Bool(false)) {
        found = found.note("a newer version exists (`isLatestVersion` false)");
        found.newer_version = Some(NewerVersion::at(
            Target::SynapseEntity {
                id: id.to_owned(),
                version: None,
            }
            .canonical_url()
            .to_string(),
        ));
    }
    found
}

/// Asks Synapse how downloading the entity is restricted, and turns a
/// restriction into the signal.
async fn restrict<F: Fetch>(
    fetch: &F,
    api: &Url,
    credential: Option<Credential>,
    id: &str,
    found: Found,
) -> Found {
    let body = serde_json::json!({
        "restrictableObjectType": "ENTITY",
        "objectId": id,
    });
    let request = Request {
        method: Method::Post,
        body: Some(body.to_string().into_bytes()),
        credential,
        read_body: true,
        follow_redirects: false,
        ..Request::get(api::endpoint(api, &["restrictionInformation"]))
    }
    .header("Accept", "application/json")
    .header("Content-Type", "application/json");
    let response = match fetch.fetch(request).await {
        Ok(response) => response,
        Err(err) => return unread(found, &err.to_string()),
    };
    if response.status != 200 {
        return unread(found, &format!("it answered {}", response.status));
    }
    let Ok(answer) = serde_json::from_slice::<Value>(&response.body) else {
        return unread(found, "its answer is not JSON");
    };
    let Some(level) = api::text_at(&answer, "/restrictionLevel") else {
        return unread(found, "its answer has no `restrictionLevel`");
    };
    let declared = |access| crate::observation::DeclaredAccess {
        access,
        source: "synapse:restrictionLevel".into(),
    };
    let (need, why) = match level.as_str() {
        "OPEN" => {
            let mut found = found.note("Synapse restrictionLevel OPEN");
            found.access = Some(declared(Access::Open));
            return found;
        }
        "RESTRICTED_BY_TERMS_OF_USE" => (
            Access::Agreement,
            "Synapse restricts downloads by terms of use (restrictionLevel RESTRICTED_BY_TERMS_OF_USE)",
        ),
        "CONTROLLED_BY_ACT" => (
            Access::Request,
            "Synapse controls downloads through its Access and Compliance Team: access needs an approved request (restrictionLevel CONTROLLED_BY_ACT)",
        ),
        other => {
            return found.note(format!(
                "Synapse named a restrictionLevel not known here: {other}"
            ));
        }
    };
    let mut found = Found {
        signal: Signal::Restricted {
            reason: Reason::SynapseRestricted,
            need,
            why: why.into(),
        },
        access: Some(declared(need)),
        ..found
    };
    if let Some(unmet) = answer
        .get("hasUnmetAccessRequirement")
        .and_then(Value::as_bool)
    {
        found = found.note(format!("Synapse hasUnmetAccessRequirement {unmet}"));
    }
    found
}

fn unread(found: Found, why: &str) -> Found {
    found.note(format!(
        "Synapse's restriction information could not be read ({why})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::{Canned, response};
    use crate::secret::Secret;

    const API: &str = "https://repo-prod.prod.sagebase.org/repo/v1";
    const RESTRICTION: &str = "https://repo-prod.prod.sagebase.org/repo/v1/restrictionInformation";

    fn api() -> Url {
        Url::parse(API).unwrap()
    }

    fn token() -> Credential {
        api::credential_for(&api(), "Bearer test-token".into()).unwrap()
    }

    /// Follows `RestrictionInformationResponse.json` and `RestrictionLevel.json`.
    fn restriction(level: &str, unmet: bool) -> String {
        format!(
            r#"{{"objectId":123,"restrictionLevel":"{level}","hasUnmetAccessRequirement":{unmet}}}"#
        )
    }

    fn with_restriction(canned: Canned, level: &str) -> Canned {
        canned.answer(
            Method::Post,
            RESTRICTION,
            Ok(response(RESTRICTION, 200, &restriction(level, false))),
        )
    }

    #[tokio::test]
    async fn a_live_project_is_dated_and_has_no_version() {
        let url = format!("{API}/entity/syn123");
        // Follows `Entity.json` (a Project is not versionable).
        let body = r#"{"id":"syn123","name":"A project","etag":"e","createdOn":"2019-01-01T00:00:00.000Z",
            "modifiedOn":"2024-05-01T10:00:00.000Z","concreteType":"org.sagebionetworks.repo.model.Project"}"#;
        let canned = with_restriction(Canned::default().get(&url, 200, body), "OPEN");
        let found = probe(&canned, &api(), None, "syn123", None).await;
        assert_eq!(found.signal, Signal::Alive);
        let date = found.last_updated.as_ref().unwrap();
        assert_eq!(date.source, "synapse:modifiedOn");
        assert_eq!(date.at.to_string(), "2024-05-01T10:00:00Z");
        assert!(found.version.is_none());
        assert!(found.newer_version.is_none());
        assert!(
            found
                .evidence
                .iter()
                .any(|e| e.starts_with("Synapse Project syn123")),
            "{:?}",
            found.evidence
        );
        assert_eq!(canned.urls(), vec![url, RESTRICTION.to_owned()]);
    }

    #[tokio::test]
    async fn an_old_pinned_version_names_the_unpinned_entity() {
        let url = format!("{API}/entity/syn456/version/2");
        // Follows `VersionableEntity.json`: versionNumber, versionLabel, isLatestVersion.
        let body = r#"{"id":"syn456","name":"data.csv","etag":"e","modifiedOn":"2021-03-04T05:06:07.000Z",
            "concreteType":"org.sagebionetworks.repo.model.FileEntity",
            "versionNumber":2,"versionLabel":"v2-release","isLatestVersion":false}"#;
        let canned = with_restriction(Canned::default().get(&url, 200, body), "OPEN");
        let found = probe(&canned, &api(), None, "syn456", Some(2)).await;
        assert_eq!(found.signal, Signal::Alive);
        let version = found.version.as_ref().unwrap();
        assert_eq!(
            (version.label.as_str(), version.source.as_str()),
            ("v2-release", "synapse:versionLabel")
        );
        assert_eq!(
            found.newer_version.as_ref().map(|n| n.url.as_str()),
            Some("https://www.synapse.org/Synapse:syn456")
        );
        assert!(
            found
                .evidence
                .iter()
                .any(|e| e.contains("a newer version exists"))
        );
    }

    #[tokio::test]
    async fn a_version_number_stands_in_for_a_missing_label() {
        let url = format!("{API}/entity/syn456/version/3");
        // Follows `VersionableEntity.json`, without the optional versionLabel.
        let body = r#"{"id":"syn456","modifiedOn":"2021-03-04T05:06:07.000Z",
            "concreteType":"org.sagebionetworks.repo.model.FileEntity","versionNumber":3,"isLatestVersion":true}"#;
        let canned = with_restriction(Canned::default().get(&url, 200, body), "OPEN");
        let found = probe(&canned, &api(), None, "syn456", Some(3)).await;
        let version = found.version.as_ref().unwrap();
        assert_eq!(
            (version.label.as_str(), version.source.as_str()),
            ("3", "synapse:versionNumber")
        );
        assert!(found.newer_version.is_none());
    }

    #[tokio::test]
    async fn a_dataset_reports_its_size_and_count() {
        let url = format!("{API}/entity/syn789");
        // Follows `table/Dataset.json`: size in bytes, count of items.
        let body = r#"{"id":"syn789","name":"A dataset","modifiedOn":"2023-09-10T11:12:13.000Z",
            "concreteType":"org.sagebionetworks.repo.model.table.Dataset",
            "versionNumber":1,"versionLabel":"1","isLatestVersion":true,"size":1048576,"count":42}"#;
        let canned = with_restriction(Canned::default().get(&url, 200, body), "OPEN");
        let found = probe(&canned, &api(), None, "syn789", None).await;
        assert_eq!(found.signal, Signal::Alive);
        let sizes: Vec<_> = found
            .size
            .iter()
            .map(|m| (m.count, m.unit, m.source.as_str()))
            .collect();
        assert_eq!(
            sizes,
            vec![
                (1_048_576, Unit::Bytes, "synapse:size"),
                (42, Unit::Files, "synapse:count")
            ]
        );
        assert!(
            found
                .evidence
                .iter()
                .any(|e| e.starts_with("Synapse Dataset syn789"))
        );
    }

    #[tokio::test]
    async fn a_missing_entity_is_gone_with_synapses_reason() {
        let url = format!("{API}/entity/syn1");
        // Follows `ErrorResponse.json`, with EntityController's 404 text.
        let body = r#"{"concreteType":"org.sagebionetworks.repo.model.ErrorResponse","reason":"Resource: 'syn1' does not exist"}"#;
        let canned = Canned::default().get(&url, 404, body);
        let found = probe(&canned, &api(), None, "syn1", None).await;
        assert_eq!(
            found.signal,
            Signal::gone(Reason::SynapseNotFound, "Resource: 'syn1' does not exist")
        );
        assert_eq!(found.http_status, Some(404));
        assert_eq!(canned.urls().len(), 1, "no restriction asked after a 404");
    }

    #[tokio::test]
    async fn an_entity_in_the_trash_can_is_gone() {
        let url = format!("{API}/entity/syn2");
        // Follows `ErrorResponse.json`, with the trash-can text Synapse answers 404 with.
        let body = r#"{"concreteType":"org.sagebionetworks.repo.model.ErrorResponse","reason":"Entity syn2 is in trash can."}"#;
        let canned = Canned::default().get(&url, 404, body);
        let found = probe(&canned, &api(), None, "syn2", None).await;
        assert_eq!(
            found.signal,
            Signal::gone(Reason::SynapseNotFound, "Entity syn2 is in trash can.")
        );
    }

    /// Follows `ErrorResponse.json`, with `EntityAuthorizationUtils`' READ denial.
    const NO_READ: &str = r#"{"concreteType":"org.sagebionetworks.repo.model.ErrorResponse","reason":"You lack READ access to the requested entity."}"#;

    #[tokio::test]
    async fn a_private_entity_without_a_token_needs_credentials() {
        let url = format!("{API}/entity/syn3");
        let canned = Canned::default().get(&url, 403, NO_READ);
        let found = probe(&canned, &api(), None, "syn3", None).await;
        assert_eq!(
            found.signal,
            Signal::NeedsCredentials {
                variable: "SYNAPSE_AUTH_TOKEN".into()
            }
        );
    }

    #[tokio::test]
    async fn a_private_entity_with_a_token_is_blocked() {
        let url = format!("{API}/entity/syn3");
        let canned = Canned::default().get(&url, 403, NO_READ);
        let found = probe(&canned, &api(), Some(token()), "syn3", None).await;
        assert_eq!(
            found.signal,
            Signal::blocked(
                Reason::AccessDenied,
                "You lack READ access to the requested entity."
            )
        );
    }

    #[tokio::test]
    async fn too_many_requests_is_a_rate_limit() {
        let url = format!("{API}/entity/syn4");
        // Follows `ErrorResponse.json`, with Synapse's throttle text; no Retry-After.
        let body =
            r#"{"reason":"Requests are too frequent. Allowed 600 requests every 60 seconds."}"#;
        let canned = Canned::default().get(&url, 429, body);
        let found = probe(&canned, &api(), None, "syn4", None).await;
        assert_eq!(found.signal, Signal::RateLimited { retry_at: None });
    }

    #[tokio::test]
    async fn an_act_controlled_entity_needs_a_request() {
        let url = format!("{API}/entity/syn5");
        // Follows `Entity.json`.
        let body = r#"{"id":"syn5","modifiedOn":"2022-02-02T02:02:02.000Z","concreteType":"org.sagebionetworks.repo.model.Folder"}"#;
        let canned = Canned::default().get(&url, 200, body).answer(
            Method::Post,
            RESTRICTION,
            Ok(response(
                RESTRICTION,
                200,
                &restriction("CONTROLLED_BY_ACT", true),
            )),
        );
        let found = probe(&canned, &api(), None, "syn5", None).await;
        let Signal::Restricted { reason, need, why } = &found.signal else {
            panic!("{:?}", found.signal)
        };
        assert_eq!(
            (*reason, *need),
            (Reason::SynapseRestricted, Access::Request)
        );
        assert!(why.contains("Access and Compliance Team"), "{why}");
        assert!(found.last_updated.is_some(), "the entity's facts are kept");
    }

    #[tokio::test]
    async fn terms_of_use_need_an_agreement() {
        let url = format!("{API}/entity/syn6");
        // Follows `Entity.json`.
        let body = r#"{"id":"syn6","concreteType":"org.sagebionetworks.repo.model.Folder"}"#;
        let canned = with_restriction(
            Canned::default().get(&url, 200, body),
            "RESTRICTED_BY_TERMS_OF_USE",
        );
        let found = probe(&canned, &api(), None, "syn6", None).await;
        assert_eq!(
            found.signal,
            Signal::Restricted {
                reason: Reason::SynapseRestricted,
                need: Access::Agreement,
                why: "Synapse restricts downloads by terms of use (restrictionLevel RESTRICTED_BY_TERMS_OF_USE)".into(),
            }
        );
    }

    #[tokio::test]
    async fn an_unreadable_restriction_keeps_the_entity_alive() {
        let url = format!("{API}/entity/syn7");
        // Follows `Entity.json`; the restriction call has no canned answer.
        let body = r#"{"id":"syn7","concreteType":"org.sagebionetworks.repo.model.Project"}"#;
        let canned = Canned::default().get(&url, 200, body);
        let found = probe(&canned, &api(), None, "syn7", None).await;
        assert_eq!(found.signal, Signal::Alive);
        assert!(
            found
                .evidence
                .iter()
                .any(|e| e.starts_with("Synapse's restriction information could not be read"))
        );
    }

    #[tokio::test]
    async fn an_answer_without_an_id_is_a_bad_api_answer() {
        let url = format!("{API}/entity/syn8");
        let canned = Canned::default().get(&url, 200, r#"{"name":"x"}"#);
        let found = probe(&canned, &api(), None, "syn8", None).await;
        assert!(matches!(
            found.signal,
            Signal::Transient {
                reason: Reason::BadApiAnswer,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn the_token_goes_with_both_requests() {
        let url = format!("{API}/entity/syn9");
        // Follows `Entity.json`.
        let body = r#"{"id":"syn9","concreteType":"org.sagebionetworks.repo.model.Project"}"#;
        let canned = with_restriction(Canned::default().get(&url, 200, body), "OPEN");
        let found = probe(&canned, &api(), Some(token()), "syn9", None).await;
        assert_eq!(found.signal, Signal::Alive);
        let seen = canned.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        for request in seen.iter() {
            let credential = request.credential.as_ref().expect("credential attached");
            // synapseclient `cred_data.py` sends the token as a Bearer.
            assert_eq!(
                credential.authorization,
                Secret::new("Bearer test-token"),
                "{}",
                request.url
            );
            assert_eq!(credential.host, "repo-prod.prod.sagebase.org");
        }
        let post = &seen[1];
        assert_eq!(post.method, Method::Post);
        assert!(!post.follow_redirects);
        assert!(
            post.headers
                .iter()
                .any(|(k, v)| k == "Content-Type" && v == "application/json")
        );
        // `DataAccessController.java`: a RestrictionInformationRequest.
        let sent: Value = serde_json::from_slice(post.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            sent,
            serde_json::json!({"restrictableObjectType": "ENTITY", "objectId": "syn9"})
        );
    }
}
