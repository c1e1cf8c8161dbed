//! GitLab projects, by their url-encoded path. `archived` is archived; a
//! project with `marked_for_deletion_at` (or `marked_for_deletion_on`) set is
//! reported gone (`gitlab-marked-for-deletion`): its owners have asked for it to
//! be deleted, and the entry needs a new home before it vanishes. A renamed
//! project answers under its new `path_with_namespace`.
//!
//! Date: `last_activity_at`.

use serde_json::Value;
use url::Url;

use super::api::{self, Found, why};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, path: &str) -> Found {
    let mut request = api::api_get(api::endpoint(api, &["projects", path]));
    request.follow_redirects = true;
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if response.status != 200 {
        return api::unsuccessful(&response);
    }
    let project = match api::json(&response) {
        Ok(project) => project,
        Err(found) => return found,
    };
    let now_at = project
        .get("path_with_namespace")
        .and_then(Value::as_str)
        .unwrap_or(path);
    let marked = ["marked_for_deletion_at", "marked_for_deletion_on"]
        .iter()
        .find_map(|key| project.get(*key).and_then(Value::as_str));
    let signal = if let Some(when) = marked {
        Signal::Gone {
            why: why(
                "gitlab-marked-for-deletion",
                format!("the project is marked for deletion ({when})"),
            ),
        }
    } else if !now_at.eq_ignore_ascii_case(path) {
        Signal::Moved {
            to: format!("https://gitlab.com/{now_at}"),
        }
    } else if project.get("archived").and_then(Value::as_bool) == Some(true) {
        Signal::Archived {
            field: "archived".into(),
        }
    } else {
        Signal::Alive
    };
    Found::answered(signal, &response).dated(api::date_at(
        &project,
        "/last_activity_at",
        "gitlab:last_activity_at",
    ))
}
