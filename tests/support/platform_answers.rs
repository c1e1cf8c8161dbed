//! Platform answers more than one test file shares (tests/providers.rs and
//! tests/add.rs), each in the platform's own shape, its source above it.

#![allow(dead_code)]

use serde_json::{Value, json};

/// A public figshare article, `GET /v2/articles/{id}` (`ArticleComplete`):
/// the recorded live answer for article 14763051 kept in a public
/// repository (fixture F-1 of the research note; fields as in
/// digital-science/figshare-user-documentation `swagger.json` ArticleComplete),
/// abridged, with ArticleComplete's `description` (HTML). For other ids only
/// the id, version, dates and URLs change.
pub fn figshare_article(id: u64, version: u32, modified: &str, html: &str) -> Value {
    json!({
        "files": [{"id": 28369770, "name": "tiny-data.txt", "size": 59, "is_link_only": false,
            "download_url": "https://ndownloader.figshare.com/files/28369770",
            "supplied_md5": "70e2afd3fd7e336ae478b1e740a5f08e", "computed_md5": "70e2afd3fd7e336ae478b1e740a5f08e",
            "mimetype": "text/plain"}],
        "authors": [{"id": 97471, "full_name": "Leonardo Uieda"}], "custom_fields": [],
        "figshare_url": html, "download_disabled": false, "version": version, "status": "public", "size": 839,
        "created_date": "2021-06-10T14:45:37Z", "modified_date": modified,
        "is_public": true, "is_confidential": false, "is_metadata_record": false,
        "license": {"value": 1, "name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
        "is_embargoed": false, "embargo_date": null, "embargo_type": "file", "embargo_title": "",
        "embargo_reason": "", "embargo_options": [],
        "id": id, "title": "Test data for the Pooch library",
        "description": "<p>Sample data files used to test <i>Pooch</i> downloads.</p>",
        "doi": format!("10.6084/m9.figshare.{id}.v{version}"), "handle": "",
        "url": format!("https://api.figshare.com/v2/articles/{id}"),
        "published_date": "2021-06-10T14:45:37Z", "defined_type": 3, "defined_type_name": "dataset",
        "group_id": null, "url_public_api": format!("https://api.figshare.com/v2/articles/{id}"),
        "url_public_html": html,
        "timeline": {"posted": "2021-06-10T14:45:37", "firstOnline": "2021-06-10T14:45:37"},
        "resource_title": null, "resource_doi": null
    })
}
