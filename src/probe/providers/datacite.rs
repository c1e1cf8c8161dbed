//! Any DOI registered with DataCite (Zenodo, figshare, Mendeley Data, TCIA,
//! Dataverse DOIs): `data.attributes.updated`, `state`, `isActive`, the
//! `version`, the licence in `rightsList`, and newer versions through
//! `relatedIdentifiers` (`IsPreviousVersionOf`). The attribute names are
//! datacite/lupo `app/serializers/datacite_doi_serializer.rb`'s (camel case:
//! `rights_list` is `rightsList`, `related_identifiers` `relatedIdentifiers`).
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
use crate::license;
use crate::observation::{DeclaredLicense, NewerVersion, Signal};
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
        .note(format!("state={state}"))
        .versioned(api::text_at(&attributes, "/version"), "datacite:version");
    found.license = rights(&attributes);
    // Only `IsPreviousVersionOf` names a newer version. `HasVersion` is not
    // read: on a concept DOI (Zenodo's, which resolves to the newest version)
    // it lists every version, the newest included, with nothing in the
    // relation to order them, and nothing newer than what the concept DOI
    // already resolves to; on any other DOI it says nothing about newer. The
    // label stays unset: the related identifier is already the link's own
    // text, and a label would change the sighting's `NewerVersion::identity`.
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

/// The licence in `rightsList[]` (DataCite metadata schema 4.2 and later:
/// `rights`, `rightsUri`, `rightsIdentifier` (SPDX, lower case, `cc-by-4.0`),
/// `rightsIdentifierScheme`, `schemeUri`). Of each entry the identifier is
/// preferred, then the URI, then the text; the first entry that reads as SPDX
/// wins, else the first one there is. Entries whose `rightsUri` is an
/// OpenAIRE access right (`info:eu-repo/semantics/openAccess`, as Zenodo and
/// InvenioRDM add beside the licence) say how to get the data, not under
/// which licence, and are skipped.
pub(crate) fn rights(attributes: &Value) -> Option<DeclaredLicense> {
    const SOURCE: &str = "datacite:rightsList";
    let declared: Vec<DeclaredLicense> = attributes
        .get("rightsList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|entry| {
            !api::text_at(entry, "/rightsUri").is_some_and(|uri| {
                uri.to_ascii_lowercase()
                    .starts_with("info:eu-repo/semantics/")
            })
        })
        .filter_map(|entry| {
            let candidates: Vec<DeclaredLicense> = ["/rightsIdentifier", "/rightsUri", "/rights"]
                .iter()
                .filter_map(|pointer| api::text_at(entry, pointer))
                .filter_map(|text| license::declared(&text, SOURCE))
                .collect();
            let spdx = candidates.iter().position(|l| l.spdx).unwrap_or(0);
            candidates.into_iter().nth(spdx)
        })
        .collect();
    let spdx = declared.iter().position(|l| l.spdx).unwrap_or(0);
    declared.into_iter().nth(spdx)
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
    use crate::probe::providers::api::testing::Canned;
    use serde_json::json;

    const API: &str = "https://api.datacite.org";

    /// A findable DOI with `attributes` added to a minimal answer of
    /// `GET /dois/{doi}` (datacite/lupo `datacite_doi_serializer.rb` keys).
    async fn answer(doi: &str, attributes: Value) -> Found {
        let mut body = json!({"data": {"id": doi, "type": "dois", "attributes": {
            "doi": doi, "state": "findable", "isActive": true,
            "updated": "2024-03-04T05:06:07.000Z"
        }}});
        for (key, value) in attributes.as_object().unwrap() {
            body["data"]["attributes"][key] = value.clone();
        }
        let fetch = Canned::default().get(&format!("{API}/dois/{doi}"), 200, &body.to_string());
        match probe(&fetch, &Url::parse(API).unwrap(), doi).await {
            Lookup::Found(found) => found,
            Lookup::NotDataCite(found) => panic!("not DataCite: {found:?}"),
        }
    }

    #[tokio::test]
    async fn version_licence_and_newer_version_are_read() {
        // Zenodo's rightsList: the licence, then the OpenAIRE access right
        // (inveniosoftware/invenio-rdm-records DataCite serializer tests).
        let found = answer(
            "10.5281/zenodo.41",
            json!({
                "version": "v1.2",
                "rightsList": [
                    {"rightsUri": "info:eu-repo/semantics/openAccess", "rights": "Open Access"},
                    {"rights": "Creative Commons Attribution 4.0 International",
                     "rightsUri": "https://creativecommons.org/licenses/by/4.0/legalcode",
                     "rightsIdentifier": "cc-by-4.0", "rightsIdentifierScheme": "SPDX",
                     "schemeUri": "https://spdx.org/licenses/"}
                ],
                "relatedIdentifiers": [
                    {"relationType": "IsVersionOf", "relatedIdentifier": "10.5281/zenodo.40", "relatedIdentifierType": "DOI"},
                    {"relationType": "IsPreviousVersionOf", "relatedIdentifier": "10.5281/zenodo.42", "relatedIdentifierType": "DOI"}
                ]
            }),
        )
        .await;
        assert_eq!(found.signal, Signal::Alive);
        let version = found.version.unwrap();
        assert_eq!(
            (version.label.as_str(), version.source.as_str()),
            ("v1.2", "datacite:version")
        );
        let licence = found.license.unwrap();
        assert_eq!(
            (licence.id.as_str(), licence.spdx, licence.source.as_str()),
            ("CC-BY-4.0", true, "datacite:rightsList")
        );
        assert_eq!(
            found.newer_version,
            Some(NewerVersion::at("https://doi.org/10.5281/zenodo.42"))
        );
    }

    #[tokio::test]
    async fn rights_fall_back_to_the_uri_then_the_text_and_skip_access_rights() {
        let licence = |rights: Value| {
            let rights = rights.clone();
            async move {
                answer("10.1234/x", json!({"rightsList": rights}))
                    .await
                    .license
                    .map(|l| (l.id, l.spdx))
            }
        };
        assert_eq!(
            licence(json!([{"rights": "Some licence", "rightsUri": "https://creativecommons.org/licenses/by-nc/4.0/"}])).await,
            Some(("CC-BY-NC-4.0".into(), true))
        );
        assert_eq!(
            licence(json!([{"rights": "Institutional data licence"}])).await,
            Some(("Institutional data licence".into(), false)),
            "kept as written when it maps to no SPDX identifier"
        );
        assert_eq!(
            licence(json!([{"rights": "Data Use Agreement"}, {"rights": "MIT License"}])).await,
            Some(("MIT".into(), true)),
            "an entry that reads as SPDX wins"
        );
        assert_eq!(
            licence(
                json!([{"rights": "Open Access", "rightsUri": "info:eu-repo/semantics/openAccess"}])
            )
            .await,
            None
        );
        assert_eq!(licence(json!([])).await, None);
    }

    #[tokio::test]
    async fn has_version_on_a_concept_doi_names_no_newer_version() {
        // A Zenodo concept DOI lists its versions with HasVersion and
        // resolves to the newest one itself.
        let found = answer(
            "10.5281/zenodo.40",
            json!({"relatedIdentifiers": [
                {"relationType": "HasVersion", "relatedIdentifier": "10.5281/zenodo.41", "relatedIdentifierType": "DOI"},
                {"relationType": "HasVersion", "relatedIdentifier": "10.5281/zenodo.42", "relatedIdentifierType": "DOI"}
            ]}),
        )
        .await;
        assert_eq!(found.newer_version, None);
        assert_eq!(found.version, None);
        assert_eq!(found.license, None);
    }

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
