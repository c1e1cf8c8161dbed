//! Kaggle datasets through the API, `GET {kaggle_api}/datasets/view/{owner}/{slug}`
//! (operation `DatasetsView` in kaggle-cli's `KaggleSwagger.yaml`), which
//! needs credentials. Both kinds Kaggle hands out are read from the
//! environment (see `config::KaggleCredentials`): `KAGGLE_API_TOKEN`, sent as
//! `Authorization: Bearer`, and `KAGGLE_USERNAME`/`KAGGLE_KEY`, sent as HTTP
//! Basic; either only over https to the configured API host. Without them the
//! result is "needs credentials", never gone.
//!
//! Statuses:
//! - 200: alive, dated by `lastUpdated`, versioned by `currentVersionNumber`,
//!   with the licence of `licenseName` and the size of `totalBytes` (see
//!   [`contents`]). A 200 whose JSON carries a top-level
//!   error `code` of 400 or more is an error answer (kagglesdk reads it so).
//! - 401: the credentials were rejected: needs credentials.
//! - 403: `Permission 'datasets.get' was denied` covers private datasets,
//!   datasets that need consent and tokens without the permission
//!   (kagglehub treats 401/403 as "authenticate, private or consent"): blocked,
//!   never gone.
//! - 404: gone (`kaggle-not-found`) for a `/datasets/...` link. For the old
//!   short form `kaggle.com/{owner}/{slug}`, which Kaggle also used for
//!   notebooks (learntools builds notebook links that way), a 404 says only
//!   that it is no dataset: the caller probes the page instead.

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::config::KaggleCredentials;
use crate::license;
use crate::observation::{DeclaredLicense, Manifest, Signal, Unit};
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

const VARIABLES: &str = "KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY)";

/// What the dataset API said about a link.
pub enum Lookup {
    Found(Found),
    /// 404 for a short link: no dataset by that name; maybe a notebook.
    NotADataset(Found),
}

pub async fn probe<F: Fetch>(
    fetch: &F,
    api: &Url,
    credentials: Option<&KaggleCredentials>,
    owner: &str,
    slug: &str,
    short_link: bool,
) -> Lookup {
    let Some(credentials) = credentials else {
        return Lookup::Found(Found::new(Signal::NeedsCredentials {
            variable: VARIABLES.into(),
        }));
    };
    let Some(credential) = api::credential_for(api, credentials.authorization()) else {
        return Lookup::Found(
            Found::new(Signal::NeedsCredentials {
                variable: VARIABLES.into(),
            })
            .note(format!(
                "credentials are only sent over https; the Kaggle API {api} is not https"
            )),
        );
    };
    let mut request = api::api_get(api::endpoint(api, &["datasets", "view", owner, slug]));
    request.credential = Some(credential);
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return Lookup::Found(found),
    };
    let found = match response.status {
        200 => read(&response),
        401 => Found::answered(
            Signal::NeedsCredentials {
                variable: VARIABLES.into(),
            },
            &response,
        )
        .note("Kaggle rejected the credentials (401)"),
        404 if short_link => {
            return Lookup::NotADataset(
                Found::answered(
                    Signal::gone(Reason::KaggleNotFound, "Kaggle has no dataset by this name"),
                    &response,
                )
                .note("the API knows no dataset by this short link; it may be a notebook"),
            );
        }
        404 => Found::answered(
            Signal::gone(
                Reason::KaggleNotFound,
                "Kaggle answered 404 for this dataset (deleted, or renamed)",
            ),
            &response,
        ),
        403 if !api::is_rate_limited(&response) => Found::answered(
            Signal::blocked(
                Reason::AccessDenied,
                "Kaggle answered 403: a private dataset, one that needs consent, or credentials without permission",
            ),
            &response,
        ),
        _ => api::unsuccessful(&response, Reason::KaggleNotFound),
    };
    Lookup::Found(found)
}

fn read(response: &crate::probe::fetch::Response) -> Found {
    let dataset = match api::json(response) {
        Ok(dataset) => dataset,
        Err(found) => return found,
    };
    if let Some(code) = dataset.get("code").and_then(Value::as_u64)
        && code >= 400
    {
        let message = dataset
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                format!("Kaggle answered 200 with error code {code}: {message}"),
            ),
            response,
        );
    }
    if !dataset.is_object() || dataset.get("ref").is_none() && dataset.get("id").is_none() {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "Kaggle answered 200 without a dataset (no ref, no id)",
            ),
            response,
        );
    }
    let found = Found::answered(Signal::Alive, response)
        .dated(api::date_at(&dataset, "/lastUpdated", "kaggle:lastUpdated"))
        .versioned(
            api::text_at(&dataset, "/currentVersionNumber"),
            "kaggle:currentVersionNumber",
        );
    let found = Found {
        license: declared_license(&dataset),
        ..found
    };
    contents(found, &dataset)
}

/// The dataset's `licenseName` (`DatasetsView`'s `licenseName`), as SPDX
/// where it maps.
pub(crate) fn declared_license(dataset: &Value) -> Option<DeclaredLicense> {
    api::text_at(dataset, "/licenseName")
        .and_then(|name| license::declared(&name, "kaggle:licenseName"))
}

/// The manifest and sizes of an `ApiDataset` (kagglesdk
/// `datasets/types/dataset_api_service.py`, `ApiDataset._fields`): `files`
/// (`ApiDatasetFile`: `name`, `totalBytes`) when the answer lists them, else
/// the dataset's `totalBytes` alone. Kaggle gives no checksum per file, so a
/// file's size stands in for it. Counts may come as JSON strings (proto3 JSON
/// writes 64-bit integers so); `count_at` reads both. Kaggle also lists files
/// at `datasets/list/{owner}/{slug}` (`ApiListDatasetFilesResponse.datasetFiles`),
/// paged; that is one more request per dataset, so it is not asked.
fn contents(mut found: Found, dataset: &Value) -> Found {
    let total_bytes = api::count_at(dataset, "/totalBytes");
    let files: Vec<(&str, u64)> = dataset
        .get("files")
        .and_then(Value::as_array)
        .map(|files| {
            files
                .iter()
                .filter_map(|file| {
                    let name = file.get("name")?.as_str()?;
                    Some((name, api::count_at(file, "/totalBytes").unwrap_or(0)))
                })
                .collect()
        })
        .unwrap_or_default();
    if !files.is_empty() {
        let manifest = Manifest::of(
            files
                .iter()
                .map(|&(name, bytes)| (name, bytes.to_string(), bytes)),
            "kaggle:files",
        );
        let listed_bytes = manifest.bytes;
        found = found
            .measured(Some(manifest.files), Unit::Files, "kaggle:files")
            .measured(
                total_bytes.or(Some(listed_bytes)),
                Unit::Bytes,
                if total_bytes.is_some() {
                    "kaggle:totalBytes"
                } else {
                    "kaggle:files"
                },
            );
        found.manifest = Some(manifest);
    } else if let Some(bytes) = total_bytes {
        found = found.measured(Some(bytes), Unit::Bytes, "kaggle:totalBytes");
        found.manifest = Some(Manifest::totals(0, bytes, "kaggle:totalBytes"));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::response;

    const URL: &str = "https://www.kaggle.com/api/v1/datasets/view/someone/xray";

    /// Field names of kagglesdk `ApiDataset._fields`; `totalBytes` as proto3
    /// JSON may write it, a string.
    fn dataset(extra: &str) -> Found {
        let body = format!(
            r#"{{"id":576013,"ref":"someone/xray","title":"X-ray",
            "lastUpdated":"2024-05-01T10:00:00.000","currentVersionNumber":5,
            "licenseName":"CC BY-NC-SA 4.0"{extra}}}"#
        );
        read(&response(URL, 200, &body))
    }

    #[test]
    fn version_bytes_and_licence_are_read() {
        let found = dataset(r#","totalBytes":"1234567""#);
        assert_eq!(found.signal, Signal::Alive);
        let version = found.version.as_ref().unwrap();
        assert_eq!(
            (version.label.as_str(), version.source.as_str()),
            ("5", "kaggle:currentVersionNumber")
        );
        let license = found.license.as_ref().unwrap();
        assert_eq!(
            (license.id.as_str(), license.spdx, license.source.as_str()),
            ("CC-BY-NC-SA-4.0", true, "kaggle:licenseName")
        );
        assert_eq!(
            found.manifest,
            Some(Manifest::totals(0, 1_234_567, "kaggle:totalBytes"))
        );
        assert_eq!(found.size.len(), 1);
        assert_eq!(
            (found.size[0].count, found.size[0].unit),
            (1_234_567, Unit::Bytes)
        );
        assert_eq!(found.size[0].source, "kaggle:totalBytes");
    }

    #[test]
    fn a_file_list_makes_the_manifest() {
        let found = dataset(
            r#","totalBytes":300,"files":[{"ref":"a","name":"train.csv","totalBytes":"200"},
            {"ref":"b","name":"test.csv","totalBytes":100}]"#,
        );
        let manifest = found.manifest.as_ref().unwrap();
        assert_eq!(
            (manifest.files, manifest.bytes, manifest.source.as_str()),
            (2, 300, "kaggle:files")
        );
        let units: Vec<_> = found.size.iter().map(|m| (m.count, m.unit)).collect();
        assert_eq!(units, [(2, Unit::Files), (300, Unit::Bytes)]);
    }

    #[test]
    fn missing_facts_stay_missing() {
        let found = read(&response(
            URL,
            200,
            r#"{"id":1,"ref":"someone/xray","licenseName":"other"}"#,
        ));
        assert_eq!(found.signal, Signal::Alive);
        assert!(found.version.is_none());
        assert!(found.license.is_none());
        assert!(found.manifest.is_none());
        assert!(found.size.is_empty());
    }
}
