//! Any DOI registered with DataCite (Zenodo, figshare, Mendeley Data, TCIA,
//! Dataverse DOIs): `data.attributes.updated`, `state`, `isActive`, and newer
//! versions through `relatedIdentifiers` (`IsPreviousVersionOf`).
//!
//! A draft DOI or one DataCite marks inactive is gone. A newer version is not
//! a fault: the resource stays alive and the evidence names the newer DOI
//! (the observation's `newer_version`). DataCite's public API answers 200
//! only for findable DataCite DOIs; a DOI of another agency (Crossref), a
//! hidden (registered) DOI and a draft all get the same 404
//! `{"errors":[{"status":"404","title":"The resource you are looking for
//! doesn't exist."}]}` (datacite/lupo `datacite_dois_controller.rb`), so a 404
//! is no verdict: this module says [`Lookup::NotDataCite`] and the
//! dispatcher checks the link itself as a page.

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::{NewerVersion, Signal};
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

pub enum Lookup {
    Found(Found),
    /// DataCite does not know this DOI.
    NotDataCite(Found),
}

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, doi: &str) -> Lookup {
    let mut segments = vec!["dois"];
    segments.extend(doi.split('/'));
    let request =
        api::api_get(api::endpoint(api, &segments)).header("Accept", "application/vnd.api+json");
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return Lookup::Found(found),
    };
    match response.status {
        200 => {}
        404 => return Lookup::NotDataCite(api::unsuccessful(&response, Reason::DataciteNotFound)),
        _ => return Lookup::Found(api::unsuccessful(&response, Reason::DataciteNotFound)),
    }
    let body = match api::json(&response) {
        Ok(body) => body,
        Err(found) => return Lookup::Found(found),
    };
    let Some(attributes) = body
        .pointer("/data/attributes")
        .filter(|a| a.is_object())
        .cloned()
    else {
        return Lookup::Found(Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "DataCite answered 200 without data.attributes",
            ),
            &response,
        ));
    };
    let state = attributes
        .get("state")
        .and_then(Value::as_str)
        .unwrap_or("findable");
    let active = attributes.get("isActive").and_then(Value::as_bool);
    let signal = if state == "draft" {
        Signal::gone(
            Reason::DataciteDraft,
            "the DOI is only a draft and does not resolve",
        )
    } else if active == Some(false) {
        Signal::gone(
            Reason::DataciteInactive,
            "DataCite marks the DOI inactive (isActive=false)",
        )
    } else {
        Signal::Alive
    };
    let mut found = Found::answered(signal, &response)
        .dated(api::date_at(
            &attributes,
            "/updated",
            "datacite:attributes.updated",
        ))
        .note(format!("state={state}"));
    let newer = attributes
        .get("relatedIdentifiers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("relationType").and_then(Value::as_str) == Some("IsPreviousVersionOf"))
        .filter_map(|r| r.get("relatedIdentifier").and_then(Value::as_str))
        .next();
    if let Some(newer) = newer {
        found.newer_version = Some(NewerVersion::at(newer_link(newer)));
    }
    Lookup::Found(found)
}

/// The link a person should follow for a newer version's DOI: the Mendeley
/// Data page for Mendeley DOIs (`10.17632/<id>.<version>`), else doi.org.
fn newer_link(doi: &str) -> String {
    let doi = doi.trim_start_matches("https://doi.org/");
    if let Some(rest) = doi.strip_prefix("10.17632/")
        && let Some((id, version)) = rest.rsplit_once('.')
        && version.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("https://data.mendeley.com/datasets/{id}/{version}");
    }
    format!("https://doi.org/{doi}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mendeley_dois_link_to_their_dataset_page() {
        assert_eq!(
            newer_link("10.17632/2fxz4px6d8.5"),
            "https://data.mendeley.com/datasets/2fxz4px6d8/5"
        );
        assert_eq!(
            newer_link("10.5281/zenodo.42"),
            "https://doi.org/10.5281/zenodo.42"
        );
    }
}
