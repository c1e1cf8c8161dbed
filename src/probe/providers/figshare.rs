//! figshare articles: `modified_date` (else `published_date`); 404 when gone.

use url::Url;

use super::api::{self, Found};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, id: u64) -> Found {
    let url = api::endpoint(api, &["articles", &id.to_string()]);
    let response = match api::send(fetch, api::api_get(url)).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if response.status != 200 {
        return api::unsuccessful(&response);
    }
    match api::json(&response) {
        Ok(article) => Found::answered(Signal::Alive, &response).dated(api::first_date(
            &article,
            &[
                ("/modified_date", "figshare:modified_date"),
                ("/published_date", "figshare:published_date"),
            ],
        )),
        Err(found) => found,
    }
}
