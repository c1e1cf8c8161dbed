//! GitLab projects, by their url-encoded path. `archived` is archived; a
//! project with `marked_for_deletion_on` (or the deprecated `_at`) set, or
//! renamed with GitLab's `-deletion_scheduled-{id}` suffix, is reported gone
//! (`gitlab-marked-for-deletion`): its owners have asked for it to be deleted,
//! and the entry needs a new home before it vanishes. A renamed project
//! answers under its new `path_with_namespace` (moved to its `web_url`).
//! 404 (`{"message":"404 Project Not Found"}`) is `gitlab-not-found`: deleted,
//! or private to anonymous callers.
//!
//! Date: `last_activity_at`.

use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::observation::Signal;
use crate::probe::fetch::Fetch;
use crate::reason::Reason;

pub async fn probe<F: Fetch>(fetch: &F, api: &Url, path: &str) -> Found {
    let mut request = api::api_get(api::endpoint(api, &["projects", path]));
    request.follow_redirects = true;
    let response = match api::send(fetch, request).await {
        Ok(response) => response,
        Err(found) => return found,
    };
    if response.status == 404 {
        return group_or_gone(fetch, api, path, &response).await;
    }
    if response.status != 200 {
        return api::unsuccessful(&response, Reason::GitlabNotFound);
    }
    let project = match api::json(&response) {
        Ok(project) => project,
        Err(found) => return found,
    };
    let Some(now_at) = project
        .get("path_with_namespace")
        .and_then(Value::as_str)
        .filter(|p| p.contains('/'))
    else {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "GitLab answered 200 without the project's path_with_namespace",
            ),
            &response,
        );
    };
    let marked = ["marked_for_deletion_on", "marked_for_deletion_at"]
        .iter()
        .find_map(|key| project.get(*key).and_then(Value::as_str));
    let signal = if let Some(when) = marked {
        Signal::gone(
            Reason::GitlabMarkedForDeletion,
            format!("the project is marked for deletion ({when})"),
        )
    } else if let Some(suffix) = deletion_suffix(&project, now_at) {
        // Marking for deletion renames the project; where the tier does not
        // show the marked_for_deletion fields, the new name tells.
        Signal::gone(
            Reason::GitlabMarkedForDeletion,
            format!("the project was renamed to {now_at} ({suffix}): scheduled for deletion"),
        )
    } else if !now_at.eq_ignore_ascii_case(path) {
        let web = project
            .get("web_url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("https://gitlab.com/{now_at}"));
        Signal::moved(Reason::GitlabRenamed, web)
    } else if project.get("archived").and_then(Value::as_bool) == Some(true) {
        Signal::archived(Reason::GitlabArchived, "archived")
    } else {
        Signal::Alive
    };
    Found::answered(signal, &response).dated(api::date_at(
        &project,
        "/last_activity_at",
        "gitlab:last_activity_at",
    ))
}

/// The suffix GitLab gives a project scheduled for deletion
/// (`-deletion_scheduled-{id}`, or `-deleted-{id}`; `Projects::MarkForDeletionService`),
/// when `path` carries it with the project's own id.
fn deletion_suffix(project: &Value, path: &str) -> Option<String> {
    let id = project.get("id")?.as_u64()?;
    ["deletion_scheduled", "deleted"]
        .iter()
        .map(|word| format!("-{word}-{id}"))
        .find(|suffix| path.ends_with(suffix.as_str()))
}

/// A 404 for a project path may be a group or subgroup page (`gitlab.com/group`
/// and `gitlab.com/group/subgroup` look like project paths): GitLab's Groups
/// API (`GET /groups/{url-encoded path}`, doc/api/groups.md) settles it before
/// anything is called gone.
async fn group_or_gone<F: Fetch>(
    fetch: &F,
    api: &Url,
    path: &str,
    project_404: &crate::probe::fetch::Response,
) -> Found {
    let gone = || {
        api::unsuccessful(project_404, Reason::GitlabNotFound)
            .note("no such project (or it is private), and no such group")
    };
    let mut url = api::endpoint(api, &["groups", path]);
    // The group's own details, not up to 100 of its projects.
    url.query_pairs_mut().append_pair("with_projects", "false");
    let mut request = api::api_get(url);
    request.follow_redirects = true;
    match api::send(fetch, request).await {
        Ok(group) if group.status == 200 => match api::json(&group) {
            Ok(body) if body.get("full_path").and_then(Value::as_str).is_some() => {
                Found::answered(Signal::Alive, &group)
                    .note("the path is a GitLab group, not a project")
            }
            Ok(_) => Found::answered(
                Signal::transient(
                    Reason::BadApiAnswer,
                    "GitLab answered 200 for the group without its full_path",
                ),
                &group,
            ),
            Err(found) => found,
        },
        Ok(group) if group.status == 404 => gone(),
        Ok(group) => api::unsuccessful(&group, Reason::GitlabNotFound),
        Err(found) => found,
    }
}
