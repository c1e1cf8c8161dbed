//! Hugging Face datasets, `GET {huggingface_api}/datasets/{repo_id}` with
//! `expand=` for the fields read (huggingface_hub `hf_api.py`,
//! `dataset_info`). The Hub answers 401 (not 404), with `X-Error-Code:
//! RepoNotFound`, for a dataset that does not exist or is private to an
//! anonymous caller: both mean nobody can use it, so it is gone
//! (`huggingface-not-found`); only a 401 whose `X-Error-Message` says the
//! credentials were invalid is not. A disabled dataset answers 403 with
//! `X-Error-Message: Access to this resource is disabled.` (or 200 with
//! `disabled: true`): gone. A gated one (403 `X-Error-Code: GatedRepo`, or
//! `gated` in the answer) is alive. A renamed dataset redirects; the
//! answer's `id` then names the new one.

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, repo_id: &str) -> Found {
    let mut segments = vec!["datasets"];
    segments.extend(repo_id.split('/'));
    let mut url = api::endpoint(api, &segments);
    // Only the fields read: the default answer lists every file and the card.
    for field in ["lastModified", "disabled", "gated", "private"] {
        url.query_pairs_mut().append_pair("expand", field);
    }
    let mut request = api::api_get(url);
    request.follow_redirects = true;
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    // huggingface_hub's `hf_raise_for_status` (utils/_http.py) reads these.
    let error_code = response.header("x-error-code").unwrap_or_default();
    let error_message = response.header("x-error-message").unwrap_or_default();
    match response.status {
        200 => {}
        401 if error_message == "Invalid credentials in Authorization header" => {
            return Found::answered(
                Signal::NeedsCredentials {
                    variable: "no Hugging Face token is sent; the Hub rejected credentials".into(),
                },
                &response,
            );
        }
        // Without a token the Hub answers 401 (or 404), with X-Error-Code
        // RepoNotFound, for a dataset that is missing or private.
        401 | 404 => {
            return Found::answered(
                Signal::gone(
                    Reason::HuggingfaceNotFound,
                    format!(
                        "the Hub answered {} (no such dataset, or it is private){}",
                        response.status,
                        if error_code.is_empty() {
                            String::new()
                        } else {
                            format!("; X-Error-Code: {error_code}")
                        }
                    ),
                ),
                &response,
            );
        }
        403 if error_message.contains("disabled") => {
            return Found::answered(
                Signal::gone(Reason::HuggingfaceDisabled, error_message.to_owned()),
                &response,
            );
        }
        // A gated dataset exists; access needs an agreement or approval.
        403 if error_code == "GatedRepo" => {
            return Found::answered(Signal::Alive, &response)
                .note("X-Error-Code: GatedRepo: access needs approval or agreement");
        }
        _ => return api::unsuccessful(&response, Reason::HuggingfaceNotFound),
    }
    let info = match api::json(&response) {
        Ok(info) => info,
        Err(found) => return found,
    };
    let Some(id) = info.get("id").and_then(Value::as_str) else {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the Hub answered 200 without the dataset's id",
            ),
            &response,
        );
    };
    let signal = if info.get("disabled").and_then(Value::as_bool) == Some(true) {
        Signal::gone(
            Reason::HuggingfaceDisabled,
            "the Hub has disabled this dataset",
        )
    } else if !id.eq_ignore_ascii_case(repo_id) {
        Signal::moved(
            Reason::HuggingfaceRenamed,
            format!("https://huggingface.co/datasets/{id}"),
        )
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
