//! PhysioNet published projects, `physionet.org/content/{slug}/{version}/`,
//! through its REST API (MIT-LCP/physionet-build, `physionet-django/export/`
//! `urls.py`, `views.py` and `serializers.py`):
//! - `GET /api/v1/project/published/{slug}/` lists the published versions
//!   (`ProjectVersionsSerializer`: `slug, title, version, abstract`); an
//!   unknown slug is an empty list, not a 404.
//! - `GET /api/v1/project/published/{slug}/{version}/` is one version
//!   (`PublishedProjectDetailSerializer`: `version`, `publish_datetime`,
//!   `doi`, `main_storage_size` in bytes, `license {name}`); an unknown version
//!   answers 404 `{"detail": "No PublishedProject matches the given query."}`.
//! - Both are open to anonymous callers (no permission class is set,
//!   `physionet/settings/base.py`), restricted and credentialed projects
//!   included: the access policy is not in the answer, so it is read from the
//!   licence's name (PhysioNet's "Restricted Health Data License" needs a
//!   signed data-use agreement, its "Credentialed Health Data License" and
//!   "Contributor Review Health Data License" an approved application).
//! - Deprecating a project's files deletes them and resets the storage sizes
//!   (`PublishedProject.deprecate_files`, `set_storage_info`): 0 bytes.
//!
//! The latest version is the highest of the listed ones (the list is in
//! publication order, not version order). A URL that pins an older version
//! is alive with the newer one named; one without a version is judged by the
//! latest. Two requests per URL.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::cmp::Ordering;

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::catalog::entry::Access;
use crate::catalog::platform::Target;
use crate::observation::{NewerVersion, Signal, Unit};
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, slug: &str, pinned: Option<&str>) -> Found {
    let versions = match list_versions(fetch, api, slug).await {
        Ok(versions) => versions,
        Err(found) => return found,
    };
    let Some(latest) = versions.iter().max_by(|a, b| compare(a, b)).cloned() else {
        return Found::new(Signal::gone(
            Reason::PhysionetNotFound,
            format!("PhysioNet lists no published version of `{slug}`"),
        ));
    };
    let asked = pinned.unwrap_or(&latest);
    if !versions.iter().any(|v| v == asked) {
        return Found::new(Signal::gone(
            Reason::PhysionetNotFound,
            format!(
                "PhysioNet has no version {asked} of `{slug}` (published: {})",
                versions.join(", ")
            ),
        ));
    }
    let url = api::endpoint(api, &["project", "published", slug, asked, ""]);
    let response = match api::send(fetch, api::api_get(url)).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if matches!(response.status, 404 | 410) {
        return Found::answered(
            Signal::gone(
                Reason::PhysionetNotFound,
                format!(
                    "PhysioNet has no version {asked} of `{slug}` (published: {})",
                    versions.join(", ")
                ),
            ),
            &response,
        );
    }
    if response.status != 200 {
        return api::unsuccessful(&response, Reason::PhysionetNotFound);
    }
    let body = match api::json(&response) {
        Ok(body) => body,
        Err(found) => return found,
    };
    let mut found = read(&body, &response);
    if compare(asked, &latest) == Ordering::Less {
        let newer = Target::PhysioNetProject {
            slug: slug.to_owned(),
            version: Some(latest.clone()),
        };
        found.newer_version = Some(NewerVersion {
            url: newer.canonical_url().to_string(),
            label: Some(latest.clone()),
            released: None,
        });
        found = found.note(format!("PhysioNet's latest version is {latest}"));
    }
    found
}

async fn list_versions<F: Fetch>(fetch: &F, api: &Url, slug: &str) -> Result<Vec<String>, Found> {
    let url = api::endpoint(api, &["project", "published", slug, ""]);
    let response = api::send(fetch, api::api_get(url)).await?;
    if response.status != 200 {
        return Err(api::unsuccessful(&response, Reason::PhysionetNotFound));
    }
    match api::json(&response)? {
        Value::Array(rows) => Ok(rows
            .iter()
            .filter_map(|row| api::text_at(row, "/version"))
            .collect()),
        _ => Err(Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "PhysioNet's version list is not a list",
            ),
            &response,
        )),
    }
}

fn read(body: &Value, response: &crate::probe::fetch::Response) -> Found {
    let license = api::text_at(body, "/license/name");
    let bytes = api::count_at(body, "/main_storage_size");
    let signal = if bytes == Some(0) {
        Signal::gone(
            Reason::PhysionetFilesRemoved,
            "PhysioNet reports main_storage_size 0: the project's files were deprecated and removed",
        )
    } else {
        match policy(body).or_else(|| license.as_deref().and_then(needs)) {
            Some(need) => Signal::Restricted {
                reason: Reason::PhysionetRestricted,
                need,
                why: match (api::count_at(body, "/access_policy"), license.as_deref()) {
                    (Some(n), _) => format!("PhysioNet's access_policy is {n}"),
                    (None, Some(l)) => format!("the project's licence is the {l}"),
                    (None, None) => "PhysioNet restricts the project".into(),
                },
            },
            None => Signal::Alive,
        }
    };
    let mut found = Found::answered(signal, response)
        .dated(api::date_at(
            body,
            "/publish_datetime",
            "physionet:publish_datetime",
        ))
        .versioned(api::text_at(body, "/version"), "physionet:version")
        .measured(bytes, Unit::Bytes, "physionet:main_storage_size");
    // What the project declares, for the access-change alert.
    found.access = Some(crate::observation::DeclaredAccess {
        access: match &found.signal {
            Signal::Restricted { need, .. } => *need,
            _ => Access::Open,
        },
        source: if body.get("access_policy").is_some() {
            "physionet:access_policy".into()
        } else {
            "physionet:license.name".into()
        },
    });
    if let Some(license) = license {
        found = found.note(format!("PhysioNet licence: {license}"));
    }
    found
}

/// `access_policy` where the answer carries it (later physionet-build
/// versions serialise it, as the label of `AccessPolicy` in
/// `physionet-django/project/modelcomponents/access.py`: "Open",
/// "Restricted", "Credentialed", "Contributor Review"; the number behind it,
/// 0 to 3, is read too). Restricted needs a signed data-use agreement;
/// credentialed and contributor review an approved application. Open is no
/// need: None.
fn policy(body: &Value) -> Option<Access> {
    let value = body.get("access_policy")?;
    let label = match value {
        Value::String(text) => text.trim().to_ascii_lowercase(),
        _ => match api::count_at(body, "/access_policy")? {
            1 => "restricted".into(),
            2 => "credentialed".into(),
            3 => "contributor review".into(),
            _ => "open".into(),
        },
    };
    match label.as_str() {
        "restricted" => Some(Access::Agreement),
        "credentialed" | "contributor review" | "contributor_review" => Some(Access::Request),
        _ => None,
    }
}

/// What PhysioNet's health-data licences ask of a downloader.
fn needs(license: &str) -> Option<Access> {
    let name = license.to_ascii_lowercase();
    if name.contains("credentialed health data") || name.contains("contributor review") {
        Some(Access::Request)
    } else if name.contains("restricted health data") {
        Some(Access::Agreement)
    } else {
        None
    }
}

/// Versions compared part by part, numbers as numbers (`1.10.0` > `1.9.1`).
fn compare(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<(u64, String)> {
        v.split(['.', '-'])
            .map(|p| (p.parse().unwrap_or(0), p.to_owned()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::Canned;

    const API: &str = "https://physionet.org/api/v1";

    /// `PublishedProjectDetailSerializer`'s fields, values after the demo
    /// project in `physionet-django/project/fixtures/demo-project.json`.
    fn detail(version: &str, license: &str, bytes: u64) -> String {
        serde_json::json!({
            "slug": "covid-ct", "title": "COVID CT", "version": version,
            "abstract": "<p>CT scans.</p>", "license": {"name": license},
            "short_description": "", "project_home_page": "",
            "publish_datetime": "2021-02-22T14:34:36.678000-05:00",
            "doi": "10.13026/x2k01x", "main_storage_size": bytes,
            "compressed_storage_size": bytes / 2
        })
        .to_string()
    }

    fn versions(list: &[&str]) -> String {
        serde_json::Value::Array(
            list.iter()
                .map(|v| serde_json::json!({"slug": "covid-ct", "title": "COVID CT", "version": v, "abstract": ""}))
                .collect(),
        )
        .to_string()
    }

    #[tokio::test]
    async fn the_latest_version_decides_and_an_old_pin_names_it() {
        let api = Url::parse(API).unwrap();
        let cc = "Creative Commons Attribution 4.0 International Public License";
        let canned = Canned::default()
            .get(
                &format!("{API}/project/published/covid-ct/"),
                200,
                &versions(&["1.0.0", "1.10.0", "1.9.1"]),
            )
            .get(
                &format!("{API}/project/published/covid-ct/1.10.0/"),
                200,
                &detail("1.10.0", cc, 3_399_883),
            )
            .get(
                &format!("{API}/project/published/covid-ct/1.0.0/"),
                200,
                &detail("1.0.0", cc, 3_000_000),
            );
        let latest = probe(&canned, &api, "covid-ct", None).await;
        assert_eq!(latest.signal, Signal::Alive);
        assert_eq!(latest.version.unwrap().label, "1.10.0");
        assert_eq!(latest.size[0].count, 3_399_883);
        assert_eq!(
            latest.last_updated.unwrap().at.to_string(),
            "2021-02-22T19:34:36.678Z"
        );
        assert!(latest.newer_version.is_none());
        let pinned = probe(&canned, &api, "covid-ct", Some("1.0.0")).await;
        assert_eq!(
            pinned.newer_version.as_ref().map(|n| n.url.as_str()),
            Some("https://physionet.org/content/covid-ct/1.10.0/")
        );
    }

    #[tokio::test]
    async fn unknown_projects_credentialed_licences_and_removed_files() {
        let api = Url::parse(API).unwrap();
        let canned = Canned::default()
            .get(&format!("{API}/project/published/nope/"), 200, "[]")
            .get(
                &format!("{API}/project/published/mimic/"),
                200,
                &versions(&["2.2"]),
            )
            .get(
                &format!("{API}/project/published/mimic/2.2/"),
                200,
                &detail(
                    "2.2",
                    "PhysioNet Credentialed Health Data License 1.5.0",
                    10,
                ),
            )
            .get(
                &format!("{API}/project/published/old/"),
                200,
                &versions(&["1.0"]),
            )
            .get(
                &format!("{API}/project/published/old/1.0/"),
                200,
                &detail("1.0", "Open Data Commons Attribution License v1.0", 0),
            );
        assert!(matches!(
            probe(&canned, &api, "nope", None).await.signal,
            Signal::Gone {
                reason: Reason::PhysionetNotFound,
                ..
            }
        ));
        assert!(matches!(
            probe(&canned, &api, "mimic", None).await.signal,
            Signal::Restricted {
                need: Access::Request,
                ..
            }
        ));
        assert!(matches!(
            probe(&canned, &api, "old", None).await.signal,
            Signal::Gone {
                reason: Reason::PhysionetFilesRemoved,
                ..
            }
        ));
        let mut body: Value =
            serde_json::from_str(&detail("2.2", "Open Data Commons", 10)).unwrap();
        body["access_policy"] = "Credentialed".into();
        let response = crate::probe::providers::api::testing::response("https://x/", 200, "{}");
        assert!(
            matches!(
                read(&body, &response).signal,
                Signal::Restricted {
                    need: Access::Request,
                    ..
                }
            ),
            "access_policy decides where it is given"
        );
        let gone = probe(&canned, &api, "mimic", Some("9.9")).await;
        assert!(matches!(gone.signal, Signal::Gone { .. }), "{gone:?}");
    }
}
