//! The Cancer Imaging Archive: collection pages and `10.7937/...` DOIs,
//! judged from TCIA's own two APIs rather than its HTML.
//!
//! - **Collection Manager** (the WordPress REST API behind
//!   `www.cancerimagingarchive.net`, `GET /api/v1/collections/`; tcia_utils
//!   `wordpress.py` `getCollections`, which names every field read here):
//!   whether the collection is listed, its DOI, `collection_status`,
//!   `collection_page_accessibility` ("Public" or "Limited"),
//!   `hide_from_browse_table` (TCIA's flag for retired and not yet released
//!   collections), `date_updated`, `version_number` and `subjects`. The list is
//!   read once per run, page by page as WordPress pages it (`per_page`,
//!   `X-WP-TotalPages`), with `_fields` naming only these fields, so six TCIA
//!   entries cost one or two requests, not six.
//! - **NBIA** (`GET .../nbia-api/services/v4/getCollectionValuesAndCounts`,
//!   tcia_utils `nbia.py` `getCollectionPatientCounts`; anonymous since the
//!   V4 API, tcia_utils `MIGRATION.md`): how many patients the collection's
//!   DICOM images cover, `[{"criteria": name, "count": n}]`. Also read once per
//!   run; when it fails the collection is still judged from the first API.
//!
//! A DOI the Collection Manager does not list (an analysis result, or a DOI
//! TCIA minted for something else) is handed back to DataCite.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per run, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::catalog::entry::Access;
use crate::observation::{Signal, Unit};
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

/// The fields asked of the Collection Manager (tcia_utils `getCollections`
/// lists them as the possible `fields`).
const FIELDS: &str = "id,slug,link,collection_doi,collection_short_title,collection_status,\
collection_page_accessibility,hide_from_browse_table,date_updated,modified_gmt,version_number,subjects";

/// WordPress caps `per_page` at 100.
const PER_PAGE: usize = 100;

/// Pages read at most: TCIA lists a few hundred collections.
const MAX_PAGES: usize = 20;

/// One collection as the Collection Manager lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub slug: String,
    pub short_title: Option<String>,
    pub doi: Option<String>,
    pub status: Option<String>,
    pub accessibility: Option<String>,
    pub hidden: bool,
    pub record: Value,
}

/// Every collection TCIA lists, by slug and by DOI (lower case), with the
/// patient counts of NBIA by collection name (lower case).
#[derive(Debug, Clone, Default)]
pub struct Index {
    collections: Vec<Collection>,
    by_slug: HashMap<String, usize>,
    by_doi: HashMap<String, usize>,
    patients: HashMap<String, u64>,
    /// Why NBIA's counts are missing, when they are.
    patients_missing: Option<String>,
    /// The Collection Manager answers that backed the list, for the evidence.
    pages: usize,
}

impl Index {
    pub fn by_slug(&self, slug: &str) -> Option<&Collection> {
        self.by_slug
            .get(&slug.to_ascii_lowercase())
            .map(|&i| &self.collections[i])
    }

    pub fn by_doi(&self, doi: &str) -> Option<&Collection> {
        self.by_doi
            .get(&doi.to_ascii_lowercase())
            .map(|&i| &self.collections[i])
    }

    fn insert(&mut self, record: Value) {
        let Some(slug) = api::text_at(&record, "/slug") else {
            return;
        };
        let collection = Collection {
            slug: slug.to_ascii_lowercase(),
            short_title: api::text_at(&record, "/collection_short_title"),
            doi: api::text_at(&record, "/collection_doi").map(|d| bare_doi(&d)),
            status: api::text_at(&record, "/collection_status"),
            accessibility: api::text_at(&record, "/collection_page_accessibility"),
            hidden: api::text_at(&record, "/hide_from_browse_table").as_deref() == Some("1")
                || record.get("hide_from_browse_table") == Some(&Value::Bool(true)),
            record,
        };
        let at = self.collections.len();
        self.by_slug.insert(collection.slug.clone(), at);
        if let Some(doi) = &collection.doi {
            self.by_doi.insert(doi.to_ascii_lowercase(), at);
        }
        self.collections.push(collection);
    }
}

/// `10.7937/...` out of what TCIA writes in `collection_doi` (a bare DOI, or
/// a `https://doi.org/` link).
fn bare_doi(text: &str) -> String {
    let text = text.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    text.to_owned()
}

/// Reads the whole index: the Collection Manager's pages, then NBIA's counts.
/// A failure of the first is the finding every TCIA URL of the run reports.
pub async fn read_index<F: Fetch>(fetch: &F, wordpress: &Url, nbia: &Url) -> Result<Index, Found> {
    let mut index = Index::default();
    let mut page = 1;
    loop {
        let mut url = api::endpoint(wordpress, &["collections", ""]);
        url.query_pairs_mut()
            .append_pair("per_page", &PER_PAGE.to_string())
            .append_pair("page", &page.to_string())
            .append_pair("_fields", FIELDS);
        let response = api::send(fetch, api::api_get(url)).await?;
        if matches!(response.status, 404 | 410) {
            // The list itself is missing: the API moved, which says nothing
            // of any collection.
            return Err(Found::answered(
                Signal::transient(
                    Reason::BadApiAnswer,
                    format!(
                        "the TCIA Collection Manager's collection list answered {}",
                        response.status
                    ),
                ),
                &response,
            ));
        }
        if response.status != 200 {
            return Err(api::unsuccessful(&response, Reason::Http(response.status)));
        }
        let records = match api::json(&response)? {
            Value::Array(records) => records,
            _ => {
                return Err(Found::answered(
                    Signal::transient(
                        Reason::BadApiAnswer,
                        "the TCIA Collection Manager did not answer with a list of collections",
                    ),
                    &response,
                ));
            }
        };
        let got = records.len();
        records.into_iter().for_each(|r| index.insert(r));
        index.pages = page;
        let total_pages = response
            .header("x-wp-totalpages")
            .and_then(|v| v.trim().parse::<usize>().ok());
        let more = match total_pages {
            Some(total) => page < total,
            None => got == PER_PAGE,
        };
        if !more || page == MAX_PAGES {
            break;
        }
        page += 1;
    }
    match nbia_counts(fetch, nbia).await {
        Ok(counts) => index.patients = counts,
        Err(why) => index.patients_missing = Some(why),
    }
    Ok(index)
}

/// NBIA's patients per collection, by lower-case collection name.
async fn nbia_counts<F: Fetch>(fetch: &F, nbia: &Url) -> Result<HashMap<String, u64>, String> {
    let url = api::endpoint(nbia, &["getCollectionValuesAndCounts"]);
    let response = fetch
        .fetch(api::api_get(url.clone()))
        .await
        .map_err(|err| format!("NBIA's counts could not be read: {err}"))?;
    if response.status != 200 {
        return Err(format!("NBIA's counts answered {}", response.status));
    }
    let Ok(Value::Array(rows)) = serde_json::from_slice::<Value>(&response.body) else {
        return Err("NBIA's counts are not the list expected".into());
    };
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some((
                api::text_at(row, "/criteria")?.to_ascii_lowercase(),
                api::count_at(row, "/count")?,
            ))
        })
        .collect())
}

/// What a lookup in the index says about one URL.
// Built once per URL and taken apart at once: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Lookup {
    Found(Found),
    /// The Collection Manager lists no collection with this DOI.
    UnknownDoi,
}

/// Judges the collection a URL names: `slug` for a collection page, `doi`
/// for a DOI link.
pub fn judge(index: &Index, slug: Option<&str>, doi: Option<&str>) -> Lookup {
    let collection = match (slug, doi) {
        (Some(slug), _) => index.by_slug(slug),
        (None, Some(doi)) => match index.by_doi(doi) {
            Some(c) => Some(c),
            None => return Lookup::UnknownDoi,
        },
        (None, None) => None,
    };
    let Some(collection) = collection else {
        let asked = slug.unwrap_or_default();
        return Lookup::Found(Found::new(Signal::gone(
            Reason::TciaNotFound,
            format!(
                "the TCIA Collection Manager lists no collection `{asked}` among its {} collections",
                index.collections.len()
            ),
        )));
    };
    Lookup::Found(describe(index, collection))
}

fn describe(index: &Index, c: &Collection) -> Found {
    let record = &c.record;
    // `date_updated` is the collection's own date (in either spelling);
    // `modified_gmt` is when its page was last edited.
    let dated =
        slashed_date(record).or_else(|| api::date_at(record, "/modified_gmt", "tcia:modified_gmt"));
    let signal = if c.hidden {
        Signal::gone(
            Reason::TciaWithdrawn,
            "TCIA hides the collection from its browse table (`hide_from_browse_table`: retired, or not released)",
        )
    } else if c
        .accessibility
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case("limited"))
    {
        Signal::Restricted {
            reason: Reason::TciaLimitedAccess,
            need: Access::Request,
            why: "TCIA marks the collection's access Limited (`collection_page_accessibility`): downloading needs an approved request".into(),
        }
    } else {
        Signal::Alive
    };
    let declared = crate::observation::DeclaredAccess {
        access: match &signal {
            Signal::Restricted { need, .. } => *need,
            _ => Access::Open,
        },
        source: "tcia:collection_page_accessibility".into(),
    };
    let name = c.short_title.as_deref().unwrap_or(&c.slug);
    let mut found = Found::new(signal)
        .dated(dated)
        .versioned(
            api::text_at(record, "/version_number"),
            "tcia:version_number",
        )
        .measured(
            api::count_at(record, "/subjects"),
            Unit::Patients,
            "tcia:subjects",
        )
        .measured(
            index.patients.get(&name.to_ascii_lowercase()).copied(),
            Unit::Patients,
            "nbia:getCollectionValuesAndCounts",
        )
        .note(format!(
            "TCIA Collection Manager: `{}`{}{}",
            c.slug,
            c.status
                .as_deref()
                .map(|s| format!(", status {s}"))
                .unwrap_or_default(),
            c.accessibility
                .as_deref()
                .map(|a| format!(", access {a}"))
                .unwrap_or_default()
        ));
    if c.accessibility.is_some() && !c.hidden {
        found.access = Some(declared);
    }
    if let Some(link) = api::text_at(record, "/link") {
        found.final_url = Some(link);
    }
    if let Some(why) = &index.patients_missing {
        found = found.note(why.clone());
    }
    found
}

/// `date_updated`, as an ISO date or as TCIA's pages show it, `2021/01/06`.
fn slashed_date(record: &Value) -> Option<crate::observation::Dated> {
    let text = api::text_at(record, "/date_updated")?.replace('/', "-");
    let at = api::parse_time(&text)?;
    Some(crate::observation::Dated {
        at,
        source: "tcia:date_updated".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::{Canned, response};

    const WP: &str = "https://cancerimagingarchive.net/api/v1";
    const NBIA: &str = "https://services.cancerimagingarchive.net/nbia-api/services/v4";

    fn page_url(page: usize) -> String {
        let mut url = api::endpoint(&Url::parse(WP).unwrap(), &["collections", ""]);
        url.query_pairs_mut()
            .append_pair("per_page", "100")
            .append_pair("page", &page.to_string())
            .append_pair("_fields", FIELDS);
        url.to_string()
    }

    /// Field names as tcia_utils `wordpress.getCollections` lists them.
    fn record(slug: &str, doi: &str, access: &str, hidden: &str) -> Value {
        serde_json::json!({
            "id": 1, "slug": slug, "link": format!("https://www.cancerimagingarchive.net/collection/{slug}/"),
            "collection_doi": doi, "collection_short_title": slug.to_ascii_uppercase(),
            "collection_status": "Complete", "collection_page_accessibility": access,
            "hide_from_browse_table": hidden, "date_updated": "2021-01-06",
            "modified_gmt": "2024-02-01T10:00:00", "version_number": "4", "subjects": "1384"
        })
    }

    #[tokio::test]
    async fn collections_are_read_once_and_found_by_slug_and_doi() {
        let body = serde_json::json!([
            record("covid-19-ny-sbu", "10.7937/TCIA.BBAG-2923", "Public", ""),
            record("retired-one", "10.7937/old", "Public", "1"),
            record("limited-one", "https://doi.org/10.7937/lim", "Limited", "")
        ]);
        let mut first = response(&page_url(1), 200, &body.to_string());
        first.headers.push(("x-wp-totalpages".into(), "1".into()));
        let counts = r#"[{"criteria":"COVID-19-NY-SBU","count":"1384"}]"#;
        let canned = Canned::default()
            .answer(crate::probe::fetch::Method::Get, &page_url(1), Ok(first))
            .get(&format!("{NBIA}/getCollectionValuesAndCounts"), 200, counts);
        let index = read_index(
            &canned,
            &Url::parse(WP).unwrap(),
            &Url::parse(NBIA).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(canned.urls().len(), 2, "one page and one count list");
        let Lookup::Found(live) = judge(&index, None, Some("10.7937/tcia.bbag-2923")) else {
            panic!("the DOI is listed")
        };
        assert_eq!(live.signal, Signal::Alive);
        assert_eq!(live.version.as_ref().unwrap().label, "4");
        assert_eq!(live.size.len(), 2);
        assert_eq!(live.last_updated.unwrap().source, "tcia:date_updated");
        let Lookup::Found(retired) = judge(&index, Some("retired-one"), None) else {
            panic!()
        };
        assert!(matches!(
            retired.signal,
            Signal::Gone {
                reason: Reason::TciaWithdrawn,
                ..
            }
        ));
        let Lookup::Found(limited) = judge(&index, None, Some("10.7937/LIM")) else {
            panic!()
        };
        assert!(matches!(limited.signal, Signal::Restricted { .. }));
        assert!(matches!(
            judge(&index, None, Some("10.7937/unknown")),
            Lookup::UnknownDoi
        ));
        let Lookup::Found(missing) = judge(&index, Some("nope"), None) else {
            panic!()
        };
        assert!(matches!(
            missing.signal,
            Signal::Gone {
                reason: Reason::TciaNotFound,
                ..
            }
        ));
    }
}
