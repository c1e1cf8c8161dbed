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
//!   newer, that version's URL is the observation's `newer_version`.

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::{NewerVersion, Signal};
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

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
            released: None,
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
