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
//!
//! Contents, all from the same answer (no extra request): the record's
//! `metadata.version`; its files as a [`Manifest`] (and `files`/`bytes`
//! sizes); its licence (`metadata.license.id`, InvenioRDM `metadata.rights`),
//! read through [`crate::license::declared`]. See `contents` for the shapes.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::catalog::platform::Target;
use crate::observation::{DeclaredLicense, Manifest, NewerVersion, Signal, Unit};
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
    let mut found = contents(
        Found::answered(Signal::Alive, response).dated(api::first_date(record, DATES)),
        record,
    );
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
                // Both serialisers name the version `metadata.version` and
                // the date of publication `metadata.publication_date`
                // (zenodojson.py / common.py `MetadataSchema`; invenio-rdm-records
                // `services/schemas/metadata.py`). An EDTF date coarser than a
                // day ("2020-04") gives no release date rather than a guess.
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

/// What the record says of its contents: version, files, licence.
///
/// - Version: `metadata.version`, free text, in the legacy serialiser
///   (zenodo/zenodo-rdm `site/zenodo_rdm/legacy/serializers/schemas/common.py`
///   `MetadataSchema.version`) as in InvenioRDM's (invenio-rdm-records
///   `services/schemas/metadata.py`).
/// - Files: see [`manifest`]; its counts are also the `files` and `bytes` sizes.
/// - Licence: see [`license`].
fn contents(found: Found, record: &Value) -> Found {
    let mut found = found.versioned(
        api::text_at(record, "/metadata/version"),
        "zenodo:metadata.version",
    );
    found.license = license(record);
    if let Some(manifest) = manifest(record) {
        found = found
            .measured(Some(manifest.files), Unit::Files, "zenodo:files")
            .measured(Some(manifest.bytes), Unit::Bytes, "zenodo:files");
        found.manifest = Some(manifest);
    }
    found
}

/// The record's files as a manifest: name = `key`, check = `checksum`
/// (`"md5:…"`, else the size), bytes = `size`.
///
/// - The legacy serialiser Zenodo answers `application/json` with lists
///   `files[]` of `{id, key, size, checksum, links: {self}}` (zenodo/zenodo-rdm
///   `site/zenodo_rdm/legacy/serializers/schemas/zenodojson.py`
///   `ZenodoSchema.dump_files`, which keeps the `md5:` prefix).
/// - InvenioRDM's own serialiser has `files: {enabled, count, total_bytes,
///   entries}`, `entries` a map of key to `{key, size, checksum, …}`
///   (inveniosoftware/invenio-rdm-records `services/schemas/files.py`
///   `FilesSchema`, `FileSchema`).
///
/// No listing (restricted files: `entries` is dumped only with `read_files`
/// permission; a metadata-only record: `files.enabled` false, no entries)
/// is no manifest, never an empty one.
fn manifest(record: &Value) -> Option<Manifest> {
    let files: Vec<(Option<&str>, &Value)> = match record.get("files")? {
        Value::Array(list) => list.iter().map(|f| (None, f)).collect(),
        Value::Object(files) => files
            .get("entries")?
            .as_object()?
            .iter()
            .map(|(key, f)| (Some(key.as_str()), f))
            .collect(),
        _ => return None,
    };
    let rows: Vec<(&str, String, u64)> = files
        .into_iter()
        .filter_map(|(entry_key, file)| {
            let name = file
                .get("key")
                .and_then(Value::as_str)
                .or(entry_key)
                .filter(|name| !name.is_empty())?;
            let size = api::count_at(file, "/size");
            let check = api::text_at(file, "/checksum")
                .or_else(|| size.map(|s| s.to_string()))
                .unwrap_or_default();
            Some((name, check, size.unwrap_or(0)))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Manifest::of(rows, "zenodo:files"))
}

/// The licence the record declares, read as SPDX where it maps.
///
/// - Legacy serialiser: `metadata.license: {"id": "cc-by-4.0"}`, the RDM
///   `rights[0].id` through `rdm_to_legacy` (zenodo/zenodo-rdm
///   `legacy/serializers/schemas/zenodojson.py` `MetadataSchema.license`,
///   `common.py` `resolve_license`). Zenodo's pre-RDM v1 JSON wrote the
///   identifier as a plain string (zenodo/zenodo
///   `zenodo/modules/records/serializers/schemas/json.py`
///   `license = fields.Str(attribute="license.identifier")`): read too.
/// - InvenioRDM: `metadata.rights[]` of `{id, title, description, link}`,
///   the first one (invenio-rdm-records `services/schemas/metadata.py`
///   `rights = fields.List(fields.Nested(RightsSchema))`; the legacy
///   serialiser too keeps only the first).
pub(crate) fn license(record: &Value) -> Option<DeclaredLicense> {
    let text = api::text_at(record, "/metadata/license/id")
        .or_else(|| api::text_at(record, "/metadata/license"))
        .or_else(|| api::text_at(record, "/metadata/rights/0/id"))?;
    crate::license::declared(&text, "zenodo:metadata.license")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::observation::Measure;
    use crate::probe::providers::api::testing::Canned;

    /// A record as the legacy serialiser writes it (zenodojson.py), with
    /// only the fields read here.
    fn legacy(id: u64, version: &str, files: Value, is_last: bool) -> Value {
        json!({
            "id": id, "modified": "2024-05-02T10:00:00+00:00",
            "metadata": {
                "version": version, "publication_date": "2024-05-01",
                "license": {"id": "cc-by-4.0"},
                "relations": {"version": [{"index": 0, "is_last": is_last}]}
            },
            "links": {"latest": format!("https://zenodo.org/api/records/{id}/versions/latest")},
            "files": files
        })
    }

    fn two_files() -> Value {
        json!([
            {"id": "a", "key": "ct.zip", "size": 3738, "checksum": "md5:7e47a4d1f3d1b8f8c0a1b2c3d4e5f6a7",
             "links": {"self": "https://zenodo.org/api/records/1/files/ct.zip/content"}},
            {"id": "b", "key": "README.md", "size": 12, "checksum": "md5:0123456789abcdef0123456789abcdef",
             "links": {"self": "https://zenodo.org/api/records/1/files/README.md/content"}}
        ])
    }

    #[test]
    fn legacy_files_make_a_manifest_whose_digest_ignores_order() {
        let record = legacy(1, "1.0.0", two_files(), true);
        let manifest = manifest(&record).unwrap();
        assert_eq!((manifest.files, manifest.bytes), (2, 3750));
        assert_eq!(manifest.source, "zenodo:files");
        let mut reversed = two_files();
        reversed.as_array_mut().unwrap().reverse();
        let again = manifest_of(&legacy(1, "1.0.0", reversed, true));
        assert_eq!(again.digest, manifest.digest);
        // Another checksum is another manifest.
        let mut changed = two_files();
        changed[1]["checksum"] = json!("md5:ffffffffffffffffffffffffffffffff");
        assert_ne!(
            manifest_of(&legacy(1, "1.0.0", changed, true)).digest,
            manifest.digest
        );
    }

    fn manifest_of(record: &Value) -> Manifest {
        manifest(record).unwrap()
    }

    #[test]
    fn rdm_file_entries_make_the_same_manifest() {
        let rdm = json!({
            "id": "1",
            "files": {"enabled": true, "count": 2, "total_bytes": 3750, "entries": {
                "README.md": {"key": "README.md", "size": 12,
                    "checksum": "md5:0123456789abcdef0123456789abcdef", "mimetype": "text/markdown"},
                "ct.zip": {"key": "ct.zip", "size": 3738,
                    "checksum": "md5:7e47a4d1f3d1b8f8c0a1b2c3d4e5f6a7", "mimetype": "application/zip"}
            }},
            "metadata": {"rights": [{"id": "cc-by-4.0", "title": {"en": "Creative Commons Attribution 4.0 International"}}]}
        });
        let legacy = manifest_of(&legacy(1, "1.0.0", two_files(), true));
        assert_eq!(manifest_of(&rdm), legacy);
        let license = license(&rdm).unwrap();
        assert_eq!((license.id.as_str(), license.spdx), ("CC-BY-4.0", true));
    }

    #[test]
    fn a_file_without_checksum_is_fingerprinted_by_its_size() {
        let record = legacy(1, "1", json!([{"key": "a.csv", "size": 5}]), true);
        let with_size = manifest_of(&record);
        let bigger = manifest_of(&legacy(1, "1", json!([{"key": "a.csv", "size": 6}]), true));
        assert_eq!((with_size.files, with_size.bytes), (1, 5));
        assert_ne!(with_size.digest, bigger.digest);
    }

    #[test]
    fn records_without_files_have_no_manifest() {
        for files in [
            Value::Null,
            json!([]),
            json!({"enabled": false, "order": []}),
            json!({"enabled": true, "entries": {}}),
        ] {
            let record = legacy(1, "1.0.0", files.clone(), true);
            assert!(manifest(&record).is_none(), "{files}");
            let found = contents(Found::new(Signal::Alive), &record);
            assert!(found.manifest.is_none() && found.size.is_empty(), "{files}");
        }
        let mut bare = legacy(1, "1.0.0", Value::Null, true);
        bare.as_object_mut().unwrap().remove("files");
        assert!(manifest(&bare).is_none());
    }

    #[test]
    fn licences_version_and_sizes_are_read_from_the_record() {
        let found = contents(
            Found::new(Signal::Alive),
            &legacy(1, " 1.0.0 ", two_files(), true),
        );
        let declared = found.license.unwrap();
        assert_eq!(
            (
                declared.id.as_str(),
                declared.spdx,
                declared.source.as_str()
            ),
            ("CC-BY-4.0", true, "zenodo:metadata.license")
        );
        let version = found.version.unwrap();
        assert_eq!(
            (version.label.as_str(), version.source.as_str()),
            ("1.0.0", "zenodo:metadata.version")
        );
        let sizes: Vec<(u64, Unit, &str)> = found
            .size
            .iter()
            .map(
                |Measure {
                     count,
                     unit,
                     source,
                 }| (*count, *unit, source.as_str()),
            )
            .collect();
        assert_eq!(
            sizes,
            [
                (2, Unit::Files, "zenodo:files"),
                (3750, Unit::Bytes, "zenodo:files")
            ]
        );
        // The v1 JSON's plain string, and a text no SPDX id matches.
        let old = json!({"metadata": {"license": "CC0-1.0"}});
        assert_eq!(license_of(&old), ("CC0-1.0".into(), true));
        let own = json!({"metadata": {"rights": [{"id": "my-own-terms"}]}});
        assert_eq!(license_of(&own), ("my-own-terms".into(), false));
        assert!(license(&json!({"metadata": {}})).is_none());
    }

    fn license_of(record: &Value) -> (String, bool) {
        let l = license(record).unwrap();
        (l.id, l.spdx)
    }

    #[tokio::test]
    async fn an_outdated_version_names_the_latest_label_and_release() {
        let api = Url::parse("https://zenodo.org/api").unwrap();
        let mut latest = legacy(305, "2.0.0", two_files(), true);
        latest["metadata"]["publication_date"] = json!("2024-06-01");
        let canned = Canned::default()
            .get(
                "https://zenodo.org/api/records/301",
                200,
                &legacy(301, "1.0.0", json!([{"key": "old.zip", "size": 1}]), false).to_string(),
            )
            .get(
                "https://zenodo.org/api/records/301/versions/latest",
                200,
                &latest.to_string(),
            );
        let found = probe(&canned, &api, 301).await;
        assert_eq!(found.signal, Signal::Alive);
        let newer = found.newer_version.unwrap();
        assert_eq!(newer.url, "https://zenodo.org/records/305");
        assert_eq!(newer.label.as_deref(), Some("2.0.0"));
        assert_eq!(newer.released.unwrap().to_string(), "2024-06-01T00:00:00Z");
        // The version, files and licence are the linked record's own.
        assert_eq!(found.version.unwrap().label, "1.0.0");
        assert_eq!(found.manifest.unwrap().files, 1);
        assert_eq!(found.license.unwrap().id, "CC-BY-4.0");
    }

    #[tokio::test]
    async fn the_latest_version_costs_no_request_and_has_no_newer_version() {
        let api = Url::parse("https://zenodo.org/api").unwrap();
        let canned = Canned::default().get(
            "https://zenodo.org/api/records/7",
            200,
            &legacy(7, "3", two_files(), true).to_string(),
        );
        let found = probe(&canned, &api, 7).await;
        assert!(found.newer_version.is_none());
        assert_eq!(found.manifest.unwrap().files, 2);
        assert_eq!(canned.urls(), ["https://zenodo.org/api/records/7"]);
    }
}
