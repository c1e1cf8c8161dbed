//! Grand Challenge challenges (`{slug}.grand-challenge.org`) and archives
//! (`grand-challenge.org/archives/{slug}/`), through its REST API.
//!
//! Read from the server's own code (comic/grand-challenge.org) and gcapi
//! (DIAGNijmegen/rse-gcapi):
//! - `GET /api/v1/challenges/{short_name}/` (`ChallengeViewSet`,
//!   `lookup_field = "short_name"`, `challenges/views.py`) answers
//!   `PublicChallengeSerializer` (`challenges/serializers.py`): `slug`,
//!   `url`, `public`, `status` (`OPEN`, `OPEN_SOON`, `CLOSED`, `COMPLETED`,
//!   `evaluation/utils.py`), `created` and `modified` (the newest of the
//!   challenge's and its phases'). The subdomain is matched without case
//!   (`subdomains/middleware.py`, `short_name__iexact`), the API exactly:
//!   the slug is asked as the subdomain spells it, in lower case, and a 404
//!   there is not a verdict by itself: the challenge's own site is asked
//!   next (its middleware answers 404 for no such challenge), since a short
//!   name registered in capitals would miss the API's exact lookup.
//! - `GET /api/v1/archives/?slug={slug}` (`ArchiveViewSet`,
//!   `filterset_fields = ("slug",)`), as gcapi's `archives.detail(slug=...)`
//!   asks: a DRF page `{count, next, previous, results}` of
//!   `ArchiveSerializer` rows (`pk, title, logo, description, api_url, url`),
//!   with no date and no size.
//! - Anonymous callers see what is public; a hidden challenge answers 404
//!   and a private archive is not in the list (`core/guardian.py` filters
//!   by permission), exactly as a deleted one. Neither is a verdict by
//!   itself: the resource's own page decides (a login wall for a private
//!   archive, a 404 for one that is gone).
//! - No throttle is configured in the server's settings; a 429 would come
//!   with DRF's `Retry-After`, which `api::unsuccessful` reads.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

const DATES: &[(&str, &str)] = &[
    ("/modified", "grand-challenge:modified"),
    ("/created", "grand-challenge:created"),
];

/// What the API says: a finding, or nothing by this name that an anonymous
/// caller may see (the resource's own page decides).
// Built once per URL and taken apart at once: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Lookup {
    Found(Found),
    NotFound,
}

pub async fn challenge<F: Fetch>(fetch: &F, api: &Url, slug: &str) -> Lookup {
    let url = api::endpoint(api, &["challenges", &slug.to_ascii_lowercase(), ""]);
    let response = match api::send(fetch, api::api_get(url)).await {
        Ok(response) => response,
        Err(found) => return Lookup::Found(found),
    };
    if matches!(response.status, 404 | 410) {
        return Lookup::NotFound;
    }
    if response.status != 200 {
        return Lookup::Found(api::unsuccessful(&response, Reason::Http(response.status)));
    }
    let body = match api::json(&response) {
        Ok(body) => body,
        Err(found) => return Lookup::Found(found),
    };
    if api::text_at(&body, "/slug").is_none() {
        return Lookup::Found(Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the Grand Challenge answer has no `slug`",
            ),
            &response,
        ));
    }
    let mut found = Found::answered(Signal::Alive, &response).dated(api::first_date(&body, DATES));
    if let Some(status) = api::text_at(&body, "/status") {
        found = found.note(format!("Grand Challenge status {status}"));
    }
    if body.get("public") == Some(&Value::Bool(false)) {
        found = found.note("Grand Challenge marks the challenge not public");
    }
    Lookup::Found(found)
}

pub async fn archive<F: Fetch>(fetch: &F, api: &Url, slug: &str) -> Lookup {
    let mut url = api::endpoint(api, &["archives", ""]);
    url.query_pairs_mut().append_pair("slug", slug);
    let response = match api::send(fetch, api::api_get(url)).await {
        Ok(response) => response,
        Err(found) => return Lookup::Found(found),
    };
    if response.status != 200 {
        return Lookup::Found(api::unsuccessful(&response, Reason::Http(response.status)));
    }
    let body = match api::json(&response) {
        Ok(body) => body,
        Err(found) => return Lookup::Found(found),
    };
    let Some(results) = body.get("results").and_then(Value::as_array) else {
        return Lookup::Found(Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the Grand Challenge archive list has no `results`",
            ),
            &response,
        ));
    };
    match results.as_slice() {
        // Deleted, or private: the archive's page tells which.
        [] => Lookup::NotFound,
        [archive, ..] => {
            let title = api::text_at(archive, "/title").unwrap_or_else(|| slug.to_owned());
            Lookup::Found(Found::answered(Signal::Alive, &response).note(format!(
                "Grand Challenge archive `{title}`; the API gives it no date"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::Canned;

    const API: &str = "https://grand-challenge.org/api/v1";

    /// `PublicChallengeSerializer`'s fields (challenges/serializers.py).
    fn challenge_body(status: &str) -> String {
        serde_json::json!({
            "api_url": "https://grand-challenge.org/api/v1/challenges/stoic2021/",
            "url": "https://stoic2021.grand-challenge.org/", "slug": "stoic2021",
            "title": "STOIC2021", "description": "COVID-19 AI challenge", "public": true,
            "status": status, "logo": null, "submission_types": ["Algorithm"],
            "start_date": "2021-12-23T00:00:00Z", "end_date": "2022-06-30T00:00:00Z",
            "publications": [], "created": "2021-10-01T10:00:00.123456Z",
            "modified": "2023-02-10T12:00:00.654321Z", "incentives": []
        })
        .to_string()
    }

    #[tokio::test]
    async fn challenges_are_read_by_short_name_and_archives_by_slug() {
        let api = Url::parse(API).unwrap();
        let canned = Canned::default()
            .get(
                &format!("{API}/challenges/stoic2021/"),
                200,
                &challenge_body("COMPLETED"),
            )
            .get(
                &format!("{API}/challenges/gone/"),
                404,
                r#"{"detail": "No Challenge matches the given query."}"#,
            )
            .get(
                &format!("{API}/archives/?slug=private"),
                200,
                r#"{"count":0,"next":null,"previous":null,"results":[]}"#,
            );
        let Lookup::Found(live) = challenge(&canned, &api, "STOIC2021").await else {
            panic!("the challenge is there")
        };
        assert_eq!(live.signal, Signal::Alive);
        assert_eq!(
            live.last_updated.unwrap().source,
            "grand-challenge:modified"
        );
        assert!(live.evidence.iter().any(|e| e.contains("COMPLETED")));
        assert!(
            matches!(challenge(&canned, &api, "gone").await, Lookup::NotFound),
            "an API 404 hands the challenge to its site"
        );
        assert!(
            matches!(archive(&canned, &api, "private").await, Lookup::NotFound),
            "an archive the API does not list is left to its page"
        );
    }
}
