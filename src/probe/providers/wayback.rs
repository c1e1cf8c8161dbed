//! A way back for dead links: the most recent copy the Internet Archive's
//! Wayback Machine holds, through its availability API
//! (https://archive.org/help/wayback_api.php):
//! `GET {wayback_api}/wayback/available?url={url}` answers
//! `{"url": ..., "archived_snapshots": {"closest": {"available": true,
//! "url": "http://web.archive.org/web/20240501000000/https://example.org/",
//! "timestamp": "20240501000000", "status": "200"}}}`, and an empty
//! `archived_snapshots` when there is no copy. Without a `timestamp`
//! parameter `closest` is the most recent capture.
//!
//! Only a capture whose own status was 200 is offered: a copy of the site's
//! 404 page rescues nobody. A copy never makes a resource alive: it is shown
//! next to the verdict, which stays what the resource itself answered. Any
//! failure (the API down, rate limited, the run's budget spent) is simply no
//! copy this run.

use jiff::Timestamp;
use serde_json::Value;
use url::Url;

use super::api;
use crate::observation::ArchivedCopy;
use crate::probe::fetch::Fetch;

pub async fn lookup<F: Fetch>(fetch: &F, api: &Url, url: &str) -> Option<ArchivedCopy> {
    let mut ask = api::endpoint(api, &["wayback", "available"]);
    ask.query_pairs_mut().append_pair("url", url);
    let response = fetch.fetch(api::api_get(ask)).await.ok()?;
    if response.status != 200 {
        tracing::debug!(status = response.status, url, "no archive lookup");
        return None;
    }
    let body: Value = serde_json::from_slice(&response.body).ok()?;
    read(&body, url)
}

/// The copy in an availability answer, if it is a usable one.
pub fn read(body: &Value, of: &str) -> Option<ArchivedCopy> {
    let closest = body.pointer("/archived_snapshots/closest")?;
    if closest.get("available").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    if api::text_at(closest, "/status").as_deref() != Some("200") {
        return None;
    }
    let copy = api::text_at(closest, "/url")?;
    let copy = Url::parse(&copy).ok()?;
    if !matches!(copy.scheme(), "http" | "https") {
        return None;
    }
    let at = timestamp(&api::text_at(closest, "/timestamp")?)?;
    // The API answers http links; the archive serves the same copy on https.
    let mut secure = copy;
    if secure.scheme() == "http" {
        let _ = secure.set_scheme("https");
    }
    Some(ArchivedCopy {
        of: of.to_owned(),
        url: secure.to_string(),
        at,
    })
}

/// The archive's 14-digit `YYYYMMDDhhmmss`, in UTC.
fn timestamp(text: &str) -> Option<Timestamp> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[8..10],
        &text[10..12],
        &text[12..14]
    );
    iso.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::Canned;

    /// The example answer of https://archive.org/help/wayback_api.php.
    const FOUND: &str = r#"{
        "url": "example.com",
        "archived_snapshots": {
            "closest": {
                "available": true,
                "url": "http://web.archive.org/web/20130919044612/http://example.com/",
                "timestamp": "20130919044612",
                "status": "200"
            }
        }
    }"#;

    #[tokio::test]
    async fn the_most_recent_good_copy_is_offered_on_https() {
        let api = Url::parse("https://archive.org").unwrap();
        let asked = "https://archive.org/wayback/available?url=http%3A%2F%2Fexample.com%2F";
        let canned = Canned::default().get(asked, 200, FOUND);
        let copy = lookup(&canned, &api, "http://example.com/").await.unwrap();
        assert_eq!(
            copy.url,
            "https://web.archive.org/web/20130919044612/http://example.com/"
        );
        assert_eq!(copy.at.to_string(), "2013-09-19T04:46:12Z");
        assert_eq!(canned.urls(), [asked]);
    }

    #[test]
    fn no_snapshot_a_copy_of_an_error_or_garbage_is_no_copy() {
        let none: Value = serde_json::from_str(r#"{"url":"x","archived_snapshots":{}}"#).unwrap();
        assert!(read(&none, "x").is_none());
        let mut error: Value = serde_json::from_str(FOUND).unwrap();
        error["archived_snapshots"]["closest"]["status"] = "404".into();
        assert!(read(&error, "x").is_none());
        let mut odd: Value = serde_json::from_str(FOUND).unwrap();
        odd["archived_snapshots"]["closest"]["timestamp"] = "2013".into();
        assert!(read(&odd, "x").is_none());
        let mut script: Value = serde_json::from_str(FOUND).unwrap();
        script["archived_snapshots"]["closest"]["url"] = "javascript:alert(1)".into();
        assert!(read(&script, "x").is_none());
    }
}
