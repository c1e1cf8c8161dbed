//! Hugging Face datasets. The Hub answers 401 (not 404) for a dataset that
//! does not exist or is private: both mean nobody can use it, so it is gone
//! (`huggingface-not-found`). `disabled` is gone too; `gated` datasets are
//! alive (access needs a click or an approval), noted in the evidence. A
//! renamed dataset redirects; the answer's `id` then names the new one.

use serde_json::Value;
use url::Url;

use super::api::{self, Found, why};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, repo_id: &str) -> Found {
    let mut segments = vec!["datasets"];
    segments.extend(repo_id.split('/'));
    let mut request = api::api_get(api::endpoint(api, &segments));
    request.follow_redirects = true;
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    match response.status {
        200 => {}
        401 | 404 => {
            return Found::answered(
                Signal::Gone {
                    why: why(
                        "huggingface-not-found",
                        format!(
                            "the Hub answered {} (no such dataset, or it is private)",
                            response.status
                        ),
                    ),
                },
                &response,
            );
        }
        _ => return api::unsuccessful(&response),
    }
    let info = match api::json(&response) {
        Ok(info) => info,
        Err(found) => return found,
    };
    let id = info.get("id").and_then(Value::as_str).unwrap_or(repo_id);
    let signal = if info.get("disabled").and_then(Value::as_bool) == Some(true) {
        Signal::Gone {
            why: why("huggingface-disabled", "the Hub has disabled this dataset"),
        }
    } else if !id.eq_ignore_ascii_case(repo_id) {
        Signal::Moved {
            to: format!("https://huggingface.co/datasets/{id}"),
        }
    } else {
        Signal::Alive
    };
    let mut found = Found::answered(signal, &response).dated(api::date_at(
        &info,
        "/lastModified",
        "huggingface:lastModified",
    ));
    match info.get("gated") {
        Some(Value::String(mode)) => {
            found = found.note(format!("gated={mode}: access needs approval or agreement"))
        }
        Some(Value::Bool(true)) => found = found.note("gated=true"),
        _ => {}
    }
    if info.get("private").and_then(Value::as_bool) == Some(true) {
        found = found.note("private=true");
    }
    found
}
