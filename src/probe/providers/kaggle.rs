//! Kaggle datasets through the API (`/datasets/view/{owner}/{slug}`), which
//! needs credentials: KAGGLE_USERNAME and KAGGLE_KEY from the environment,
//! sent as HTTP Basic only over https to the configured API host. Without
//! them the result is "needs credentials", never gone. Kaggle answers 404 or
//! 403 for a deleted or private dataset.
//!
//! Date: `lastUpdated`.

use serde_json::Value;
use url::Url;

use super::api::{self, Found, why};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;
use crate::secret::Secret;

const VARIABLES: &str = "KAGGLE_USERNAME and KAGGLE_KEY";

pub async fn probe<F: Fetch>(
    fetch: &F,
    api: &Url,
    credentials: Option<&(String, Secret)>,
    owner: &str,
    slug: &str,
) -> Found {
    let Some((user, key)) = credentials else {
        return Found::new(Signal::NeedsCredentials {
            variable: VARIABLES.into(),
        });
    };
    let basic = format!(
        "Basic {}",
        api::base64(format!("{user}:{}", key.expose()).as_bytes())
    );
    let Some(credential) = api::credential_for(api, basic) else {
        return Found::new(Signal::NeedsCredentials {
            variable: VARIABLES.into(),
        })
        .note(format!(
            "credentials are only sent over https; the Kaggle API {api} is not https"
        ));
    };
    let mut request = api::api_get(api::endpoint(api, &["datasets", "view", owner, slug]));
    request.credential = Some(credential);
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    match response.status {
        200 => {}
        401 => {
            return Found::answered(
                Signal::NeedsCredentials {
                    variable: VARIABLES.into(),
                },
                &response,
            )
            .note("Kaggle rejected the credentials (401)");
        }
        403 | 404 if !api::is_rate_limited(&response) => {
            return Found::answered(
                Signal::Gone {
                    why: why(
                        "kaggle-not-found",
                        format!("Kaggle answered {} (deleted or private)", response.status),
                    ),
                },
                &response,
            );
        }
        _ => return api::unsuccessful(&response),
    }
    let dataset = match api::json(&response) {
        Ok(dataset) => dataset,
        Err(found) => return found,
    };
    let mut found = Found::answered(Signal::Alive, &response).dated(api::date_at(
        &dataset,
        "/lastUpdated",
        "kaggle:lastUpdated",
    ));
    if let Some(version) = dataset.get("currentVersionNumber").and_then(Value::as_u64) {
        found = found.note(format!("currentVersionNumber={version}"));
    }
    found
}
