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
//!
//! The answer's `data` is the version itself (`JsonPrinter.json(DatasetVersion)`,
//! the same object as the dataset endpoint's `data.latestVersion`), read for:
//! the version label `versionNumber`.`versionMinorNumber`; the licence
//! (`license` {`name`, `uri`, and since 6.x `rightsIdentifier`} from 5.10 on;
//! before it the string `license` `CC0` or `NONE` beside `termsOfUse`; custom
//! terms have no `license` and carry `termsOfUse`); and, when the answer lists
//! them, `files[]` (`FileMetadata`: `label`, `directoryLabel`, `dataFile`
//! {`filename`, `filesize`, `md5`, `checksum` {`type`, `value`}}) as the
//! manifest. The request says `excludeFiles=true`, so only an installation
//! that predates the parameter (and ignores it) lists files.

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::license;
use crate::observation::{DeclaredLicense, Manifest, Signal, Unit};
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
    found = found
        .note(format!("versionState={state}"))
        .versioned(version_label(&version), "dataverse:versionNumber");
    found.license = declared_license(&version);
    found = contents(found, &version);
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

/// `versionNumber`.`versionMinorNumber` (`2.0`), or the major number alone.
fn version_label(version: &Value) -> Option<String> {
    let major = api::text_at(version, "/versionNumber")?;
    Some(match api::text_at(version, "/versionMinorNumber") {
        Some(minor) => format!("{major}.{minor}"),
        None => major,
    })
}

/// The version's licence (IQSS/dataverse `JsonPrinter.java`
/// `json(DatasetVersion)` and `jsonLicense`): the `license` object's
/// `rightsIdentifier`, `name` or `uri`, whichever reads as SPDX first, else the
/// name; before Dataverse 5.10 `license` was the string `CC0` or `NONE`
/// (custom terms). Without a licence, the custom `termsOfUse` text is what the
/// platform declares, kept as written (an old CC0 dataset's `termsOfUse` is
/// `CC0 Waiver`, but its `license` string says `CC0` first).
pub(crate) fn declared_license(version: &Value) -> Option<DeclaredLicense> {
    const SOURCE: &str = "dataverse:latestVersion.license";
    let declared = |text: String| license::declared(&text, SOURCE);
    match version.get("license") {
        Some(Value::Object(_)) => {
            let candidates: Vec<DeclaredLicense> =
                ["/license/rightsIdentifier", "/license/name", "/license/uri"]
                    .iter()
                    .filter_map(|pointer| api::text_at(version, pointer))
                    .filter_map(declared)
                    .collect();
            let spdx = candidates.iter().position(|l| l.spdx);
            let name = candidates.iter().position(|l| !l.spdx);
            return spdx.or(name).and_then(|i| candidates.into_iter().nth(i));
        }
        Some(Value::String(text)) if text.trim().eq_ignore_ascii_case("CC0") => {
            return declared(text.clone());
        }
        _ => {}
    }
    api::text_at(version, "/termsOfUse").and_then(declared)
}

/// The manifest and sizes of `files[]`, when the answer lists them: each
/// file's path (`directoryLabel`/`filename`), its checksum (`checksum.value`,
/// else the older `md5`, else its size) and `filesize`.
fn contents(mut found: Found, version: &Value) -> Found {
    const SOURCE: &str = "dataverse:files";
    let Some(files) = version.get("files").and_then(Value::as_array) else {
        return found;
    };
    let rows: Vec<(String, String, u64)> = files
        .iter()
        .filter_map(|file| {
            let data = file.get("dataFile")?;
            let name = api::text_at(data, "/filename").or_else(|| api::text_at(file, "/label"))?;
            let path = match api::text_at(file, "/directoryLabel") {
                Some(dir) => format!("{}/{name}", dir.trim_end_matches('/')),
                None => name,
            };
            let bytes = api::count_at(data, "/filesize").unwrap_or(0);
            let check = api::text_at(data, "/checksum/value")
                .or_else(|| api::text_at(data, "/md5"))
                .unwrap_or_else(|| bytes.to_string());
            Some((path, check, bytes))
        })
        .collect();
    let manifest = Manifest::of(
        rows.iter()
            .map(|(path, check, bytes)| (path.as_str(), check.clone(), *bytes)),
        SOURCE,
    );
    found = found
        .measured(Some(manifest.files), Unit::Files, SOURCE)
        .measured(Some(manifest.bytes), Unit::Bytes, SOURCE);
    found.manifest = Some(manifest);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::response;
    use serde_json::json;

    const PID: &str = "doi:10.7910/DVN/ABC123";

    /// A RELEASED version (`JsonPrinter.json(DatasetVersion)` keys) with `extra`.
    fn version(extra: Value) -> Found {
        let mut data = json!({
            "id": 7, "datasetId": 24, "datasetPersistentId": PID,
            "versionNumber": 2, "versionMinorNumber": 1, "versionState": "RELEASED",
            "lastUpdateTime": "2024-05-01T10:00:00Z", "releaseTime": "2024-05-01T10:00:00Z"
        });
        for (key, value) in extra.as_object().unwrap() {
            data[key] = value.clone();
        }
        let body = json!({"status": "OK", "data": data}).to_string();
        read(
            &response("https://dataverse.example/api/x", 200, &body),
            PID,
        )
    }

    fn licence(found: &Found) -> Option<(&str, bool, &str)> {
        found
            .license
            .as_ref()
            .map(|l| (l.id.as_str(), l.spdx, l.source.as_str()))
    }

    #[test]
    fn the_version_label_and_the_licence_object_are_read() {
        // Dataverse 5.10 and later: `license` {name, uri, iconUri}.
        let found = version(json!({"license": {
            "name": "CC0 1.0", "uri": "http://creativecommons.org/publicdomain/zero/1.0",
            "iconUri": "https://licensebuttons.net/p/zero/1.0/88x31.png"}}));
        assert_eq!(found.signal, Signal::Alive);
        let label = found.version.as_ref().unwrap();
        assert_eq!(
            (label.label.as_str(), label.source.as_str()),
            ("2.1", "dataverse:versionNumber")
        );
        assert_eq!(
            licence(&found),
            Some(("CC0-1.0", true, "dataverse:latestVersion.license"))
        );
        let by = version(json!({"license": {"name": "Attribution licence",
            "uri": "https://creativecommons.org/licenses/by/4.0/"}}));
        assert_eq!(licence(&by).map(|l| l.0), Some("CC-BY-4.0"), "the uri maps");
        let custom = version(
            json!({"license": {"name": "Harvard Data Licence", "uri": "https://x.test/l"}}),
        );
        assert_eq!(
            licence(&custom).map(|l| (l.0, l.1)),
            Some(("Harvard Data Licence", false))
        );
        assert!(
            found.manifest.is_none() && found.size.is_empty(),
            "no files listed"
        );
    }

    #[test]
    fn older_licence_strings_and_custom_terms_are_read() {
        // Before 5.10: `license` CC0 or NONE, with `termsOfUse`.
        let cc0 = version(json!({"license": "CC0", "termsOfUse": "CC0 Waiver"}));
        assert_eq!(licence(&cc0).map(|l| l.0), Some("CC0-1.0"));
        let none =
            version(json!({"license": "NONE", "termsOfUse": "Cite the study in any publication."}));
        assert_eq!(
            licence(&none).map(|l| (l.0, l.1)),
            Some(("Cite the study in any publication.", false))
        );
        // Custom terms since 5.10: no `license`, `termsOfUse` only.
        let custom = version(json!({"termsOfUse": "Non-commercial use only."}));
        assert_eq!(
            licence(&custom).map(|l| l.0),
            Some("Non-commercial use only.")
        );
        assert_eq!(licence(&version(json!({}))), None);
        let major = version(json!({"versionMinorNumber": null}));
        assert_eq!(major.version.unwrap().label, "2");
    }

    #[test]
    fn listed_files_make_the_manifest_and_the_sizes() {
        let file = |dir: Option<&str>, name: &str, size: u64, md5: &str| {
            let mut file = json!({"label": name, "restricted": false, "version": 1,
                "dataFile": {"id": 1, "filename": name, "contentType": "text/csv", "filesize": size,
                    "md5": md5, "checksum": {"type": "MD5", "value": md5}}});
            if let Some(dir) = dir {
                file["directoryLabel"] = json!(dir);
            }
            file
        };
        let found = version(json!({"files": [
            file(None, "a.csv", 100, "0cc175b9c0f1b6a831c399e269772661"),
            file(Some("raw"), "b.tab", 23, "92eb5ffee6ae2fec3ad71c777531578f"),
        ]}));
        let manifest = found.manifest.as_ref().unwrap();
        assert_eq!(
            (manifest.files, manifest.bytes, manifest.source.as_str()),
            (2, 123, "dataverse:files")
        );
        let sizes: Vec<(u64, Unit)> = found.size.iter().map(|m| (m.count, m.unit)).collect();
        assert_eq!(sizes, [(2, Unit::Files), (123, Unit::Bytes)]);
        // A changed checksum (and only the checksum) changes the digest; the
        // older `md5` alone stands in for `checksum.value`.
        let changed = version(json!({"files": [
            file(None, "a.csv", 100, "ffffffffffffffffffffffffffffffff"),
            file(Some("raw"), "b.tab", 23, "92eb5ffee6ae2fec3ad71c777531578f"),
        ]}));
        assert_ne!(changed.manifest.unwrap().digest, manifest.digest);
        let md5_only = version(json!({"files": [
            {"label": "b.tab", "directoryLabel": "raw", "dataFile": {"filename": "b.tab", "filesize": 23,
                "md5": "92eb5ffee6ae2fec3ad71c777531578f"}},
            file(None, "a.csv", 100, "0cc175b9c0f1b6a831c399e269772661"),
        ]}));
        assert_eq!(md5_only.manifest.unwrap().digest, manifest.digest);
    }
}
