//! Hugging Face datasets, `GET {huggingface_api}/datasets/{repo_id}` with
//! `expand=` for the fields read (huggingface_hub `hf_api.py`,
//! `dataset_info`). The Hub answers 401 (not 404), with `X-Error-Code:
//! RepoNotFound`, for a dataset that does not exist or is private to an
//! anonymous caller: both mean nobody can use it, so it is gone
//! (`huggingface-not-found`); only a 401 whose `X-Error-Message` says the
//! credentials were invalid is not. A disabled dataset answers 403 with
//! `X-Error-Message: Access to this resource is disabled.` (or 200 with
//! `disabled: true`): gone. A gated one (403 `X-Error-Code: GatedRepo`, or
//! `gated` in the answer) is alive. A renamed dataset redirects; the
//! answer's `id` then names the new one.
//!
//! From the same answer (`DatasetInfo` in huggingface_hub `hf_api.py`, which
//! reads the JSON keys `gated`, `cardData`, `siblings`, `usedStorage`):
//! - access from `gated`: `false` is open; `"auto"` grants access to whoever
//!   accepts the conditions (shares contact details), an agreement;
//!   `"manual"` has the authors review each request, a request (Hub docs,
//!   "Gated datasets", https://huggingface.co/docs/hub/datasets-gated).
//!   The verdict stays alive either way: a gated dataset exists.
//! - the licence from the card's `license` (`DatasetCardData`,
//!   `repocard_data.py`: a string or a list; the first is taken).
//! - the manifest from `siblings` and the size from `usedStorage` (see
//!   [`contents`]).

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::catalog::entry::Access;
use crate::license;
use crate::observation::{DeclaredAccess, DeclaredLicense, Manifest, Signal, Unit};
use crate::probe::fetch::{Fetch, Response};
use crate::reason::Reason;

/// The fields asked for (huggingface_hub `ExpandDatasetProperty_T`): only
/// those read, as the default answer carries much more.
const FIELDS: &[&str] = &[
    "lastModified",
    "disabled",
    "gated",
    "private",
    "cardData",
    "siblings",
    "usedStorage",
];

/// The dataset info URL asking for `fields`.
fn info_url(api: &Url, repo_id: &str, fields: &[&str]) -> Url {
    let mut segments = vec!["datasets"];
    segments.extend(repo_id.split('/'));
    let mut url = api::endpoint(api, &segments);
    for field in fields {
        url.query_pairs_mut().append_pair("expand", field);
    }
    url
}

async fn ask<F: Fetch>(fetch: &F, url: Url) -> Result<Response, Found> {
    let mut request = api::api_get(url);
    request.follow_redirects = true;
    api::send(fetch, request).await
}

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, repo_id: &str) -> Found {
    let mut response = match ask(fetch, info_url(api, repo_id, FIELDS)).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    // A dataset of very many files lists them past the body size cap: asked
    // once more without the listing, so the verdict never hangs on it.
    let mut listing_dropped = false;
    if response.status == 200 && response.truncated {
        let fields: Vec<&str> = FIELDS
            .iter()
            .copied()
            .filter(|f| *f != "siblings")
            .collect();
        response = match ask(fetch, info_url(api, repo_id, &fields)).await {
            Ok(response) => response,
            Err(found) => return found,
        };
        listing_dropped = true;
    }
    // huggingface_hub's `hf_raise_for_status` (utils/_http.py) reads these.
    let error_code = response.header("x-error-code").unwrap_or_default();
    let error_message = response.header("x-error-message").unwrap_or_default();
    match response.status {
        200 => {}
        401 if error_message == "Invalid credentials in Authorization header" => {
            return Found::answered(
                Signal::NeedsCredentials {
                    variable: "no Hugging Face token is sent; the Hub rejected credentials".into(),
                },
                &response,
            );
        }
        // Without a token the Hub answers 401 (or 404), with X-Error-Code
        // RepoNotFound, for a dataset that is missing or private.
        401 | 404 => {
            return Found::answered(
                Signal::gone(
                    Reason::HuggingfaceNotFound,
                    format!(
                        "the Hub answered {} (no such dataset, or it is private){}",
                        response.status,
                        if error_code.is_empty() {
                            String::new()
                        } else {
                            format!("; X-Error-Code: {error_code}")
                        }
                    ),
                ),
                &response,
            );
        }
        403 if error_message.contains("disabled") => {
            return Found::answered(
                Signal::gone(Reason::HuggingfaceDisabled, error_message.to_owned()),
                &response,
            );
        }
        // A gated dataset exists; access needs an agreement or approval.
        403 if error_code == "GatedRepo" => {
            return Found::answered(Signal::Alive, &response)
                .note("X-Error-Code: GatedRepo: access needs approval or agreement");
        }
        _ => return api::unsuccessful(&response, Reason::HuggingfaceNotFound),
    }
    let info = match api::json(&response) {
        Ok(info) => info,
        Err(found) => return found,
    };
    let Some(id) = info.get("id").and_then(Value::as_str) else {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the Hub answered 200 without the dataset's id",
            ),
            &response,
        );
    };
    let signal = if info.get("disabled").and_then(Value::as_bool) == Some(true) {
        Signal::gone(
            Reason::HuggingfaceDisabled,
            "the Hub has disabled this dataset",
        )
    } else if !id.eq_ignore_ascii_case(repo_id) {
        Signal::moved(
            Reason::HuggingfaceRenamed,
            format!("https://huggingface.co/datasets/{id}"),
        )
    } else {
        Signal::Alive
    };
    let mut found = Found::answered(signal, &response).dated(api::date_at(
        &info,
        "/lastModified",
        "huggingface:lastModified",
    ));
    match info.get("gated") {
        Some(Value::String(mode)) => {
            found = found.note(format!("gated={mode}: access needs approval or agreement"))
        }
        Some(Value::Bool(true)) => found = found.note("gated=true"),
        _ => {}
    }
    if info.get("private").and_then(Value::as_bool) == Some(true) {
        found = found.note("private=true");
    }
    if listing_dropped {
        found = found.note(
            "the file listing exceeded the body size cap; asked again without it (no manifest)",
        );
    }
    found.access = access(&info);
    found.license = card_license(&info);
    contents(found, &info)
}

/// The access `gated` declares: `false`, `"auto"` or `"manual"`
/// (`DatasetInfo.gated: Literal["auto", "manual", False]`). Anything else
/// (an older `true`, which names no mode) declares nothing.
fn access(info: &Value) -> Option<DeclaredAccess> {
    let access = match info.get("gated")? {
        Value::Bool(false) => Access::Open,
        Value::String(mode) if mode == "auto" => Access::Agreement,
        Value::String(mode) if mode == "manual" => Access::Request,
        _ => return None,
    };
    Some(DeclaredAccess {
        access,
        source: "huggingface:gated".into(),
    })
}

/// The card's `license`: a string, or a list whose first entry is taken.
pub(crate) fn card_license(info: &Value) -> Option<DeclaredLicense> {
    let text = match info.pointer("/cardData/license")? {
        Value::String(text) => text.as_str(),
        Value::Array(list) => list.first()?.as_str()?,
        _ => return None,
    };
    license::declared(text, "huggingface:cardData.license")
}

/// The manifest of `siblings` and the sizes. A sibling is `{rfilename}`,
/// with `size` and `blobId` only when the files' metadata is asked for
/// (`RepoSibling` docstring, `hf_api.py`), and `dataset_info` refuses
/// `expand` together with that (`blobs=True`). So the rows are the names
/// with a `blobId` (else a `size`, else nothing) to check, and when no sibling
/// carries a size, the manifest's bytes are the repository's `usedStorage`
/// ("size in bytes of the dataset on the Hub") rather than a sum of zeros.
fn contents(mut found: Found, info: &Value) -> Found {
    let used_storage = api::count_at(info, "/usedStorage");
    if let Some(siblings) = info.get("siblings").and_then(Value::as_array) {
        let rows: Vec<(&str, String, Option<u64>)> = siblings
            .iter()
            .filter_map(|sibling| {
                let name = sibling.get("rfilename")?.as_str()?;
                let size = api::count_at(sibling, "/size");
                let check = api::text_at(sibling, "/blobId")
                    .or_else(|| size.map(|s| s.to_string()))
                    .unwrap_or_default();
                Some((name, check, size))
            })
            .collect();
        let sized = rows.iter().any(|(_, _, size)| size.is_some());
        let mut manifest = Manifest::of(
            rows.into_iter()
                .map(|(name, check, size)| (name, check, size.unwrap_or(0))),
            "huggingface:siblings",
        );
        if !sized {
            manifest.bytes = used_storage.unwrap_or(0);
        }
        found = found.measured(Some(manifest.files), Unit::Files, "huggingface:siblings");
        found.manifest = Some(manifest);
    }
    found.measured(used_storage, Unit::Bytes, "huggingface:usedStorage")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::fetch::Method;
    use crate::probe::providers::api::testing::{Canned, response};

    const API: &str = "https://huggingface.co/api";

    fn api() -> Url {
        Url::parse(API).unwrap()
    }

    fn url(fields: &[&str]) -> String {
        info_url(&api(), "ns/xray", fields).to_string()
    }

    /// Keys of the Hub's dataset info as `DatasetInfo.__init__` reads them.
    async fn info(extra: &str) -> Found {
        let body = format!(
            r#"{{"_id":"621ffdd236468d709f181e3f","id":"ns/xray","private":false,
            "disabled":false,"lastModified":"2024-05-01T10:00:00.000Z"{extra}}}"#
        );
        let canned = Canned::default().get(&url(FIELDS), 200, &body);
        probe(&canned, &api(), "ns/xray").await
    }

    #[tokio::test]
    async fn gated_modes_declare_access_and_stay_alive() {
        for (gated, access) in [
            ("false", Some(Access::Open)),
            (r#""auto""#, Some(Access::Agreement)),
            (r#""manual""#, Some(Access::Request)),
            ("true", None),
        ] {
            let found = info(&format!(r#","gated":{gated}"#)).await;
            assert_eq!(found.signal, Signal::Alive, "{gated}");
            assert_eq!(found.access.as_ref().map(|a| a.access), access, "{gated}");
            if let Some(declared) = &found.access {
                assert_eq!(declared.source, "huggingface:gated");
            }
        }
        let found = info(r#","gated":"manual""#).await;
        assert!(found.evidence[0].starts_with("gated=manual"));
    }

    #[tokio::test]
    async fn the_card_licence_is_a_string_or_the_first_of_a_list() {
        let found = info(r#","cardData":{"license":"cc-by-nc-4.0"}"#).await;
        let license = found.license.unwrap();
        assert_eq!(
            (license.id.as_str(), license.spdx, license.source.as_str()),
            ("CC-BY-NC-4.0", true, "huggingface:cardData.license")
        );
        let found = info(r#","cardData":{"license":["mit","apache-2.0"]}"#).await;
        assert_eq!(found.license.unwrap().id, "MIT");
        let found = info(r#","cardData":{"license":"other"}"#).await;
        assert!(found.license.is_none());
    }

    #[tokio::test]
    async fn siblings_make_the_manifest_and_used_storage_its_bytes() {
        let found = info(
            r#","siblings":[{"rfilename":".gitattributes"},{"rfilename":"README.md"},
            {"rfilename":"data/train-00000-of-00001.parquet"}],"usedStorage":98765"#,
        )
        .await;
        let manifest = found.manifest.as_ref().unwrap();
        assert_eq!(
            (manifest.files, manifest.bytes, manifest.source.as_str()),
            (3, 98_765, "huggingface:siblings")
        );
        let sizes: Vec<_> = found
            .size
            .iter()
            .map(|m| (m.count, m.unit, m.source.as_str()))
            .collect();
        assert_eq!(
            sizes,
            [
                (3, Unit::Files, "huggingface:siblings"),
                (98_765, Unit::Bytes, "huggingface:usedStorage")
            ]
        );
        // With sizes (files metadata), the bytes are their sum.
        let found = info(
            r#","siblings":[{"rfilename":"a.csv","size":10,"blobId":"b1"},
            {"rfilename":"b.csv","size":5}],"usedStorage":99"#,
        )
        .await;
        let manifest = found.manifest.unwrap();
        assert_eq!((manifest.files, manifest.bytes), (2, 15));
    }

    #[tokio::test]
    async fn a_listing_past_the_cap_is_asked_again_without_it() {
        let mut cut = response(&url(FIELDS), 200, r#"{"id":"ns/xray","siblings":[{"rfi"#);
        cut.truncated = true;
        let lean: Vec<&str> = FIELDS
            .iter()
            .copied()
            .filter(|f| *f != "siblings")
            .collect();
        let canned = Canned::default()
            .answer(Method::Get, &url(FIELDS), Ok(cut))
            .get(
                &url(&lean),
                200,
                r#"{"id":"ns/xray","gated":false,"usedStorage":7}"#,
            );
        let found = probe(&canned, &api(), "ns/xray").await;
        assert_eq!(found.signal, Signal::Alive);
        assert!(found.manifest.is_none());
        assert_eq!(found.size.len(), 1);
        assert_eq!(canned.urls().len(), 2);
    }
}
