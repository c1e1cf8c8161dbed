//! Kaggle datasets through the API, `GET {kaggle_api}/datasets/view/{owner}/{slug}`
//! (operation `DatasetsView` in kaggle-cli's `KaggleSwagger.yaml`), which
//! needs credentials. Both kinds Kaggle hands out are read from the
//! environment (see `config::KaggleCredentials`): `KAGGLE_API_TOKEN`, sent as
//! `Authorization: Bearer`, and `KAGGLE_USERNAME`/`KAGGLE_KEY`, sent as HTTP
//! Basic; either only over https to the configured API host. Without them the
//! result is "needs credentials", never gone.
//!
//! Statuses:
//! - 200: alive, dated by `lastUpdated`. A 200 whose JSON carries a top-level
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
use crate::observation::Signal;
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
    let mut found = Found::answered(Signal::Alive, response).dated(api::date_at(
        &dataset,
        "/lastUpdated",
        "kaggle:lastUpdated",
    ));
    if let Some(version) = dataset.get("currentVersionNumber").and_then(Value::as_u64) {
        found = found.note(format!("currentVersionNumber={version}"));
    }
    found
}
