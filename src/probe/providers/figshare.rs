//! figshare articles, `GET {figshare_api}/articles/{id}` (docs.figshare.com,
//! "Public articles: View article details").
//!
//! - 200: alive, dated by `modified_date` (else `published_date`). An answer
//!   without the article's `id` is a bad API answer, never alive.
//! - 404: gone (`figshare-not-found`). figshare answers 404, not 403, for
//!   private and deleted items (`{"message": "Entity not found: article",
//!   "code": "EntityNotFound"}`); a 403 from the public API is an edge or
//!   firewall block, which `api::unsuccessful` reports as blocked.
//! - A URL pinned to a version (`/articles/{type}/{slug}/{id}/{version}`) is
//!   alive while the article is; when the article's current `version` is
//!   newer, that version's URL is the observation's `newer_version`, labelled
//!   `version N` and released on the article's `published_date` (the answer
//!   is the current version's).
//! - Contents, from the same answer: `version` (as `version N`), `files[]` as a
//!   [`Manifest`] (and `files`/`bytes` sizes), `license` read through
//!   [`crate::license::declared`]. The answer lists at most
//!   `FILES_IN_ARTICLE` files; with that many, the full list is asked of
//!   `GET /articles/{id}/files` (one more request). See `listing` and
//!   `license`.

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::{DeclaredLicense, Manifest, NewerVersion, Signal, Unit};
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

/// How many files the article answer lists at most: `ArticleComplete.files`
/// is the "List of up to 10 article files." (figshare-user-documentation
/// `swagger_documentation/swagger.json`, `components/v2.0/schemas.yaml`).
const FILES_IN_ARTICLE: usize = 10;

/// The page size asked of `/articles/{id}/files`: the API's maximum
/// (`page_size` "maximum": 1000, same swagger).
const FILES_PAGE: usize = 1000;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, id: u64, pinned: Option<u32>) -> Found {
    let url = api::endpoint(api, &["articles", &id.to_string()]);
    let response = match api::send(fetch, api::api_get(url)).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if response.status != 200 {
        return api::unsuccessful(&response, Reason::FigshareNotFound);
    }
    let article = match api::json(&response) {
        Ok(article) => article,
        Err(found) => return found,
    };
    if article.get("id").and_then(Value::as_u64).is_none() {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "figshare answered 200 without the article's id",
            ),
            &response,
        );
    }
    let mut found = Found::answered(Signal::Alive, &response).dated(api::first_date(
        &article,
        &[
            ("/modified_date", "figshare:modified_date"),
            ("/published_date", "figshare:published_date"),
        ],
    ));
    let current = article.get("version").and_then(Value::as_u64);
    // `version`: an integer, 1 for the first public version (figshare
    // user_documentation `APIv2/presenters/article.md` ArticlePresenter.L1).
    found = found.versioned(current.map(|n| format!("version {n}")), "figshare:version");
    found.license = license(&article);
    found = match listing(fetch, api, id, &article).await {
        Ok(Some(manifest)) => {
            let found = found
                .measured(Some(manifest.files), Unit::Files, "figshare:files")
                .measured(Some(manifest.bytes), Unit::Bytes, "figshare:files");
            Found {
                manifest: Some(manifest),
                ..found
            }
        }
        Ok(None) => found,
        Err(why) => found.note(why),
    };
    if let (Some(pinned), Some(current)) = (pinned, current)
        && current > u64::from(pinned)
    {
        let public = article
            .get("url_public_html")
            .and_then(Value::as_str)
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("https://figshare.com/articles/dataset/{id}"));
        found.newer_version = Some(NewerVersion {
            url: format!("{public}/{current}"),
            label: Some(format!("version {current}")),
            // The answer is the current version's; its `published_date` is
            // taken as that version's release. The swagger describes it as
            // "Date when article was first published, null if not published"
            // (ArticleComplete): whether it moves with each new version is
            // not documented; `null` gives no date.
            released: api::date_at(&article, "/published_date", "").map(|d| d.at),
        });
        found = found.note(format!(
            "the link pins version {pinned}; the article is at version {current}"
        ));
    }
    if article.get("is_embargoed").and_then(Value::as_bool) == Some(true) {
        found = found.note("is_embargoed=true: the files are under embargo");
    }
    found
}

/// The article's file listing as a manifest. On public endpoints an article
/// under file embargo, or confidential, has no `files` at all (figshare
/// user_documentation `APIv2/presenters/article.md`, ArticlePresenter.L2
/// note): no manifest, never an empty one. The answer lists up to
/// [`FILES_IN_ARTICLE`] files; with that many listed, the rest may be
/// missing, and the list is read from `GET /articles/{id}/files`
/// ("Files list for article", an array of `PublicFile`). A listing that
/// cannot be read, or fills a whole page, is no manifest (`Err`: the note why).
async fn listing<F: Fetch>(
    fetch: &F,
    api: &Url,
    id: u64,
    article: &Value,
) -> Result<Option<Manifest>, String> {
    let Some(files) = article.get("files").and_then(Value::as_array) else {
        return Ok(None);
    };
    if files.len() < FILES_IN_ARTICLE {
        return Ok(manifest(files));
    }
    let mut url = api::endpoint(api, &["articles", &id.to_string(), "files"]);
    url.query_pairs_mut()
        .append_pair("page", "1")
        .append_pair("page_size", &FILES_PAGE.to_string());
    let unread = |why: String| format!("no file manifest: /articles/{id}/files {why}");
    let response =
        api::send(fetch, api::api_get(url))
            .await
            .map_err(|found| match found.signal {
                Signal::Transient { why, .. }
                | Signal::Unsettled { why, .. }
                | Signal::Refused { why } => unread(format!("could not be read: {why}")),
                _ => unread("could not be read".into()),
            })?;
    if response.status != 200 {
        return Err(unread(format!("answered {}", response.status)));
    }
    let body = api::json(&response).map_err(|_| unread("is not the JSON expected".into()))?;
    let all = body
        .as_array()
        .ok_or_else(|| unread("is not a list".into()))?;
    if all.len() >= FILES_PAGE {
        return Err(unread(format!("lists more than {} files", FILES_PAGE - 1)));
    }
    Ok(manifest(all))
}

/// `files` as a manifest: name = `name`, check = `computed_md5` (else
/// `supplied_md5`, else the size), bytes = `size`. A file is `{id, name, size,
/// is_link_only, download_url, supplied_md5, computed_md5, mimetype}`
/// (figshare user_documentation `APIv2/presenters/file.md` FilePresenter and
/// .L1; figshare-user-documentation `swagger.json` PublicFile). An empty md5
/// (a link-only file may have none) lets the size stand in.
fn manifest(files: &[Value]) -> Option<Manifest> {
    let rows: Vec<(&str, String, u64)> = files
        .iter()
        .filter_map(|file| {
            let name = file
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())?;
            let size = api::count_at(file, "/size");
            let check = api::text_at(file, "/computed_md5")
                .or_else(|| api::text_at(file, "/supplied_md5"))
                .or_else(|| size.map(|s| s.to_string()))
                .unwrap_or_default();
            Some((name, check, size.unwrap_or(0)))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Manifest::of(rows, "figshare:files"))
}

/// The licence the article declares: `license: {value, name, url}`
/// (figshare user_documentation `APIv2/presenters/license.md`
/// LicensePresenter; `"CC BY 4.0"` and the deed URL in the live answer).
/// The `name` is read first; when it names no SPDX licence (the docs' own
/// example is a bare `"CC-BY"`) but the deed `url` does, the URL decides;
/// with neither mapping, the name is kept as text (else the URL).
pub(crate) fn license(article: &Value) -> Option<DeclaredLicense> {
    let read = |pointer: &str| {
        api::text_at(article, pointer)
            .and_then(|text| crate::license::declared(&text, "figshare:license"))
    };
    match (read("/license/name"), read("/license/url")) {
        (Some(name), _) if name.spdx => Some(name),
        (_, Some(url)) if url.spdx => Some(url),
        (name, url) => name.or(url),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::probe::providers::api::testing::Canned;

    const API: &str = "https://api.figshare.com/v2";

    /// A public article as `GET /v2/articles/{id}` answers it
    /// (ArticleComplete), with only the fields read here.
    fn article(id: u64, version: u32, files: Value) -> Value {
        json!({
            "id": id, "version": version, "files": files,
            "modified_date": "2024-05-02T10:00:00Z", "published_date": "2024-05-01T09:00:00Z",
            "license": {"value": 1, "name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "url_public_html": format!("https://figshare.com/articles/dataset/Some_Slug/{id}"),
            "is_embargoed": false
        })
    }

    fn file(id: u64, name: &str, size: u64, md5: &str) -> Value {
        json!({"id": id, "name": name, "size": size, "is_link_only": false,
            "download_url": format!("https://ndownloader.figshare.com/files/{id}"),
            "supplied_md5": md5, "computed_md5": md5, "mimetype": "text/plain"})
    }

    fn two_files() -> Value {
        json!([
            file(1, "tiny-data.txt", 59, "70e2afd3fd7e336ae478b1e740a5f08e"),
            file(2, "README.md", 41, "0123456789abcdef0123456789abcdef"),
        ])
    }

    async fn probed(article: &Value, pinned: Option<u32>) -> Found {
        let id = article["id"].as_u64().unwrap();
        let canned =
            Canned::default().get(&format!("{API}/articles/{id}"), 200, &article.to_string());
        probe(&canned, &Url::parse(API).unwrap(), id, pinned).await
    }

    #[test]
    fn files_make_a_manifest_whose_digest_ignores_order() {
        let files = two_files();
        let manifest = manifest(files.as_array().unwrap()).unwrap();
        assert_eq!((manifest.files, manifest.bytes), (2, 100));
        assert_eq!(manifest.source, "figshare:files");
        let mut reversed = files.as_array().unwrap().clone();
        reversed.reverse();
        assert_eq!(super::manifest(&reversed).unwrap(), manifest);
    }

    #[test]
    fn the_computed_md5_decides_then_the_supplied_then_the_size() {
        let digest = |f: Value| super::manifest(&[f]).unwrap().digest;
        let computed = file(1, "a", 5, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        let mut supplied_only = computed.clone();
        supplied_only["computed_md5"] = json!("");
        assert_eq!(digest(computed.clone()), digest(supplied_only.clone()));
        let mut neither = supplied_only.clone();
        neither["supplied_md5"] = json!("");
        let by_size = digest(neither.clone());
        assert_ne!(by_size, digest(computed));
        neither["size"] = json!(6);
        assert_ne!(by_size, digest(neither));
    }

    #[test]
    fn licences_map_to_spdx_by_name_else_by_deed() {
        let of = |license: Value| {
            let l = super::license(&json!({ "license": license })).unwrap();
            (l.id, l.spdx, l.source)
        };
        assert_eq!(
            of(
                json!({"value": 1, "name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"})
            ),
            ("CC-BY-4.0".into(), true, "figshare:license".into())
        );
        // The docs' LicensePresenter example names no version: the deed does.
        assert_eq!(
            of(json!({"value": 1, "name": "CC-BY", "url": "https://creativecommons.org/licenses/by/4.0/"})).0,
            "CC-BY-4.0"
        );
        assert_eq!(
            of(json!({"value": 2, "name": "CC0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"})).0,
            "CC0-1.0"
        );
        assert_eq!(
            of(
                json!({"value": 9, "name": "In Copyright", "url": "https://rightsstatements.org/page/InC/1.0/"})
            ),
            ("In Copyright".into(), false, "figshare:license".into())
        );
        assert!(super::license(&json!({"license": null})).is_none());
    }

    #[tokio::test]
    async fn an_article_reports_version_licence_files_and_sizes() {
        let found = probed(&article(14763051, 2, two_files()), None).await;
        assert_eq!(found.signal, Signal::Alive);
        let version = found.version.unwrap();
        assert_eq!(
            (version.label.as_str(), version.source.as_str()),
            ("version 2", "figshare:version")
        );
        assert_eq!(found.license.unwrap().id, "CC-BY-4.0");
        assert_eq!(found.manifest.unwrap().files, 2);
        let sizes: Vec<(u64, Unit)> = found.size.iter().map(|m| (m.count, m.unit)).collect();
        assert_eq!(sizes, [(2, Unit::Files), (100, Unit::Bytes)]);
        assert!(found.newer_version.is_none());
    }

    #[tokio::test]
    async fn a_pinned_older_version_names_the_current_one_and_its_release() {
        let found = probed(&article(7325816, 5, two_files()), Some(3)).await;
        let newer = found.newer_version.unwrap();
        assert_eq!(
            newer.url,
            "https://figshare.com/articles/dataset/Some_Slug/7325816/5"
        );
        assert_eq!(newer.label.as_deref(), Some("version 5"));
        assert_eq!(newer.released.unwrap().to_string(), "2024-05-01T09:00:00Z");
        let mut unpublished = article(7325816, 5, two_files());
        unpublished["published_date"] = Value::Null;
        let found = probed(&unpublished, Some(3)).await;
        assert!(found.newer_version.unwrap().released.is_none());
        let found = probed(&article(7325816, 5, two_files()), Some(5)).await;
        assert!(found.newer_version.is_none());
    }

    #[tokio::test]
    async fn an_article_without_files_has_no_manifest() {
        let mut embargoed = article(1, 1, Value::Null);
        embargoed.as_object_mut().unwrap().remove("files");
        embargoed["is_embargoed"] = json!(true);
        for body in [embargoed, article(2, 1, json!([]))] {
            let found = probed(&body, None).await;
            assert!(found.manifest.is_none() && found.size.is_empty(), "{body}");
        }
    }

    #[tokio::test]
    async fn ten_listed_files_are_completed_from_the_files_endpoint() {
        let files = |n: u64| -> Vec<Value> {
            (1..=n)
                .map(|i| file(i, &format!("part-{i}.csv"), 10, &format!("{i:032x}")))
                .collect()
        };
        let body = article(3, 1, Value::Array(files(10)));
        let list = format!("{API}/articles/3/files?page=1&page_size=1000");
        let canned = Canned::default()
            .get(&format!("{API}/articles/3"), 200, &body.to_string())
            .get(&list, 200, &Value::Array(files(12)).to_string());
        let found = probe(&canned, &Url::parse(API).unwrap(), 3, None).await;
        let manifest = found.manifest.unwrap();
        assert_eq!((manifest.files, manifest.bytes), (12, 120));
        assert_eq!(canned.urls(), [format!("{API}/articles/3"), list.clone()]);

        // A listing that cannot be read is no manifest, and says why.
        let canned = Canned::default().get(&format!("{API}/articles/3"), 200, &body.to_string());
        let found = probe(&canned, &Url::parse(API).unwrap(), 3, None).await;
        assert!(found.manifest.is_none() && found.size.is_empty());
        assert!(
            found
                .evidence
                .iter()
                .any(|e| e.starts_with("no file manifest: /articles/3/files could not be read")),
            "{:?}",
            found.evidence
        );
    }
}
