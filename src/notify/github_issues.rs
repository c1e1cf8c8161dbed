//! GitHub issues as a notification channel: one tracking issue per broken
//! resource (or one digest issue), updated in place, closed on recovery.
//!
//! Issues are found again by a hidden marker in their body
//! (`<!-- catwatch:resource=<id> -->`, `<!-- catwatch:digest -->`) among the
//! open issues carrying the configured labels, so a rerun after a crash
//! updates the issue it created instead of opening a second one.
//!
//! Deciding what to do ([`plan`]) is pure; [`deliver`] lists the open issues,
//! plans, and carries the actions out. The token goes only to the configured
//! API origin, over https (plain http only for a loopback test API with
//! `allow_http = true`), and no redirect is ever followed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};
use url::Url;

use super::{DeliveryError, GitHubIssueSettings, IssueMode};
use crate::policy::{Alert, AlertKind};
use crate::report::common::{attention_list, day, is_safe_id};
use crate::report::model::{ResourceStatus, StatusReport};
use crate::report::{escape, markdown};
use crate::secret::Secret;

/// An open issue that carries one of our markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
}

/// One change to make on GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create {
        title: String,
        body: String,
    },
    Update {
        number: u64,
        title: String,
        body: String,
    },
    /// `marker` names the alerts the comment carries (in its first line):
    /// a comment already on the issue with the same marker is not posted again.
    Comment {
        number: u64,
        body: String,
        marker: String,
    },
    Close {
        number: u64,
    },
}

/// What one delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub commented: usize,
    pub closed: usize,
    /// Comments not posted: the issue already carried them (a rerun after a kill).
    pub skipped: usize,
}

const DIGEST_MARKER: &str = "<!-- catwatch:digest -->";
const MAX_PAGES: u32 = 10;

fn resource_marker(id: &str) -> String {
    format!("<!-- catwatch:resource={id} -->")
}

/// The marker a body starts with, if any: `resource=<id>` or `digest`.
pub fn marker_of(body: &str) -> Option<&str> {
    let rest = body.trim_start().strip_prefix("<!-- catwatch:")?;
    let end = rest.find(" -->")?;
    Some(&rest[..end])
}

/// Decides the actions for this run's alerts, given the open issues (and,
/// when available, the full report for richer bodies and, in digest mode,
/// for knowing when nothing is broken any more).
pub fn plan(
    mode: IssueMode,
    alerts: &[Alert],
    open: &[OpenIssue],
    report: Option<&StatusReport>,
) -> Vec<Action> {
    match mode {
        IssueMode::PerResource => plan_per_resource(alerts, open, report),
        IssueMode::Digest => plan_digest(alerts, open, report),
    }
}

fn find_open<'a>(open: &'a [OpenIssue], marker: &str) -> Option<&'a OpenIssue> {
    open.iter()
        .filter(|issue| marker_of(&issue.body) == Some(marker))
        .min_by_key(|issue| issue.number)
}

fn plan_per_resource(
    alerts: &[Alert],
    open: &[OpenIssue],
    report: Option<&StatusReport>,
) -> Vec<Action> {
    let mut by_resource: BTreeMap<&str, Vec<&Alert>> = BTreeMap::new();
    for alert in alerts {
        // Ids become part of an HTML comment (the marker): only the catalog's
        // safe ids ([a-z0-9-]) qualify; lint refuses any other.
        if let Some(id) = alert.resource_id.as_deref().filter(|id| is_safe_id(id)) {
            by_resource.entry(id).or_default().push(alert);
        }
    }
    let mut actions = Vec::new();
    for (id, alerts) in by_resource {
        let last = alerts[alerts.len() - 1];
        let marker = format!("resource={id}");
        let existing = find_open(open, &marker);
        let sent = alerts_marker(&alerts);
        let comment = comment_body(&alerts);
        if matches!(last.kind, AlertKind::Recovered { .. }) {
            if let Some(issue) = existing {
                actions.push(Action::Comment {
                    number: issue.number,
                    body: comment,
                    marker: sent,
                });
                actions.push(Action::Close {
                    number: issue.number,
                });
            }
            continue;
        }
        let resource = report.and_then(|r| r.resources.iter().find(|res| res.id == id));
        let title = resource_title(last);
        let body = resource_body(id, last, resource);
        match existing {
            Some(issue) => {
                if issue.title != title || issue.body != body {
                    actions.push(Action::Update {
                        number: issue.number,
                        title,
                        body,
                    });
                }
                actions.push(Action::Comment {
                    number: issue.number,
                    body: comment,
                    marker: sent,
                });
            }
            None => actions.push(Action::Create {
                title,
                // A rerun after a kill between creating and saving finds
                // these alerts already told, and does not comment them.
                body: format!("{body}\n{sent}\n"),
            }),
        }
    }
    actions
}

fn plan_digest(alerts: &[Alert], open: &[OpenIssue], report: Option<&StatusReport>) -> Vec<Action> {
    let existing = find_open(open, "digest");
    let all: Vec<&Alert> = alerts.iter().collect();
    let sent = alerts_marker(&all);
    let mut actions = Vec::new();
    // A change (a new version, lost files, new terms) is news even when
    // nothing is broken: the digest issue carries it.
    let nothing_broken = report.is_some_and(|r| attention_list(r).is_empty())
        && !alerts.iter().any(|a| a.kind.is_change());
    if nothing_broken {
        if let Some(issue) = existing {
            if !alerts.is_empty() {
                actions.push(Action::Comment {
                    number: issue.number,
                    body: comment_body(&all),
                    marker: sent.clone(),
                });
            }
            actions.push(Action::Close {
                number: issue.number,
            });
        }
        return actions;
    }
    if alerts.is_empty() && report.is_none() {
        return actions;
    }
    let title = "catwatch: resources that need attention".to_owned();
    let body = digest_body(&all, report);
    match existing {
        Some(issue) => {
            if issue.title != title || issue.body != body {
                actions.push(Action::Update {
                    number: issue.number,
                    title,
                    body,
                });
            }
            if !alerts.is_empty() {
                actions.push(Action::Comment {
                    number: issue.number,
                    body: comment_body(&all),
                    marker: sent,
                });
            }
        }
        None if alerts.is_empty() => actions.push(Action::Create { title, body }),
        None => actions.push(Action::Create {
            title,
            body: format!("{body}\n{sent}\n"),
        }),
    }
    actions
}

/// An issue title: one line, mentions and references neutralised.
fn title_text(text: &str) -> String {
    escape::plain_line(text)
        .replace('@', "@\u{200B}")
        .replace('#', "#\u{200B}")
}

fn resource_title(alert: &Alert) -> String {
    let name = alert
        .resource_name
        .as_deref()
        .or(alert.resource_id.as_deref())
        .unwrap_or("a resource");
    let state = match &alert.kind {
        AlertKind::Dead => "is dead".to_owned(),
        AlertKind::Stale => "is stale".to_owned(),
        AlertKind::Moved { .. } => "has moved".to_owned(),
        AlertKind::Archived => "is archived".to_owned(),
        AlertKind::Flapping => "is flapping".to_owned(),
        AlertKind::Reminder { of } => format!("is still {of}"),
        AlertKind::Recovered { .. } => "recovered".to_owned(),
        AlertKind::MonitorDegraded { .. } => "monitor degraded".to_owned(),
        AlertKind::MonitorRecovered { .. } => "monitor recovered".to_owned(),
        AlertKind::MissedSchedule { .. } => "missed schedule".to_owned(),
        AlertKind::NewerVersion { .. } => "has a newer version".to_owned(),
        AlertKind::ContentShrank { .. } => "lost files".to_owned(),
        AlertKind::LicenseChanged { .. } => "changed its licence".to_owned(),
        AlertKind::AccessChanged { .. } => "changed its access".to_owned(),
        AlertKind::Finding { .. } => "differs from its entry".to_owned(),
    };
    title_text(&format!("catwatch: {name} {state}"))
}

fn resource_body(id: &str, alert: &Alert, resource: Option<&ResourceStatus>) -> String {
    let mut body = resource_marker(id);
    body.push_str("\n\n");
    match resource {
        Some(r) => {
            body.push_str(&markdown::attention_item(r));
            if let Some(checked) = r.last_checked {
                let _ = writeln!(body, "\nLast checked {}.", day(checked));
            }
            if let Some(updated) = &r.last_updated {
                let _ = writeln!(
                    body,
                    "Last updated upstream {} (from {}).",
                    day(updated.at),
                    escape::markdown(&updated.source)
                );
            }
        }
        None => {
            let name = alert.resource_name.as_deref().unwrap_or(id);
            let link = match &alert.url {
                Some(url) => escape::markdown_link(url, name),
                None => escape::markdown(name),
            };
            let _ = writeln!(
                body,
                "**{link}** (`{}`): {}",
                escape::markdown(id),
                escape::markdown(&alert.message)
            );
        }
    }
    body.push_str(
        "\n_This issue is kept up to date by catwatch and closed when the resource recovers._\n",
    );
    body
}

fn digest_body(alerts: &[&Alert], report: Option<&StatusReport>) -> String {
    let mut body = format!("{DIGEST_MARKER}\n\n");
    match report {
        Some(report) => body.push_str(&markdown::attention_section(report)),
        None => body.push_str(&comment_body(alerts)),
    }
    body.push_str(
        "\n_This issue is kept up to date by catwatch and closed when nothing needs attention._\n",
    );
    body
}

/// `<!-- catwatch:alerts=<hash> -->`: the alerts a comment (or a new issue)
/// carries, by their keys, so a delivery repeated after a kill is recognised.
fn alerts_marker(alerts: &[&Alert]) -> String {
    let keys: Vec<&str> = alerts.iter().map(|a| a.key.as_str()).collect();
    format!(
        "<!-- catwatch:alerts={} -->",
        crate::notify::alerts_digest(&keys)
    )
}

fn comment_body(alerts: &[&Alert]) -> String {
    let mut body = format!("{}\n", alerts_marker(alerts));
    for alert in alerts {
        let who = alert
            .resource_name
            .as_deref()
            .or(alert.resource_id.as_deref())
            .unwrap_or("catwatch");
        let _ = writeln!(
            body,
            "- {} **{}**: {}",
            day(alert.at),
            escape::markdown(who),
            escape::markdown(&alert.message)
        );
    }
    body
}

// ------------------------------------------------------------------ delivery

/// Lists the open issues, plans, and carries the plan out. The token is
/// required; failures are classified like mail (5xx, 429, rate limits and
/// connection trouble transient; other 4xx and settings permanent).
pub async fn deliver(
    settings: &GitHubIssueSettings,
    default_api: &Url,
    token: Option<&Secret>,
    alerts: &[Alert],
    report: Option<&StatusReport>,
) -> Result<Summary, DeliveryError> {
    let api = Api::new(settings, default_api, token)?;
    let open = api.open_issues(&settings.labels).await?;
    let mut summary = Summary::default();
    for action in plan(settings.mode, alerts, &open, report) {
        match action {
            Action::Create { title, body } => {
                api.send(
                    reqwest::Method::POST,
                    "issues",
                    json!({"title": title, "body": body, "labels": settings.labels}),
                )
                .await?;
                summary.created += 1;
            }
            Action::Update {
                number,
                title,
                body,
            } => {
                api.send(
                    reqwest::Method::PATCH,
                    &format!("issues/{number}"),
                    json!({"title": title, "body": body}),
                )
                .await?;
                summary.updated += 1;
            }
            Action::Comment {
                number,
                body,
                marker,
            } => {
                let told = open
                    .iter()
                    .any(|issue| issue.number == number && issue.body.contains(&marker))
                    || api.has_comment(number, &marker).await?;
                if told {
                    summary.skipped += 1;
                    continue;
                }
                api.send(
                    reqwest::Method::POST,
                    &format!("issues/{number}/comments"),
                    json!({ "body": body }),
                )
                .await?;
                summary.commented += 1;
            }
            Action::Close { number } => {
                api.send(
                    reqwest::Method::PATCH,
                    &format!("issues/{number}"),
                    json!({"state": "closed", "state_reason": "completed"}),
                )
                .await?;
                summary.closed += 1;
            }
        }
    }
    Ok(summary)
}

struct Api {
    client: reqwest::Client,
    /// `{api}/repos/{owner}/{name}/`
    repo_base: Url,
    token: String,
}

impl Api {
    fn new(
        settings: &GitHubIssueSettings,
        default_api: &Url,
        token: Option<&Secret>,
    ) -> Result<Api, DeliveryError> {
        let permanent = |m: String| DeliveryError::Permanent(m);
        let base = settings.api.as_ref().unwrap_or(default_api);
        check_origin(base, settings.allow_http).map_err(permanent)?;
        let (owner, name) = split_repository(&settings.repository).map_err(permanent)?;
        let token = token.ok_or_else(|| {
            permanent(
                "[github_issues] needs a token: set CATWATCH_GITHUB_TOKEN (or GITHUB_TOKEN) with issues: write"
                    .into(),
            )
        })?;
        let repo_base = Url::parse(&format!(
            "{}/repos/{owner}/{name}/",
            base.as_str().trim_end_matches('/')
        ))
        .map_err(|e| permanent(format!("[github_issues] api {base}: {e}")))?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("catwatch/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| permanent(format!("cannot build the HTTP client: {e}")))?;
        Ok(Api {
            client,
            repo_base,
            token: token.expose().to_owned(),
        })
    }

    fn url(&self, path: &str) -> Result<Url, DeliveryError> {
        let url = self
            .repo_base
            .join(path)
            .map_err(|e| DeliveryError::Permanent(format!("bad API path {path}: {e}")))?;
        // Belt and braces: the token only ever goes to the API's own origin.
        if url.origin() != self.repo_base.origin() {
            return Err(DeliveryError::Permanent(format!(
                "refusing to send the token to {}",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    async fn open_issues(&self, labels: &[String]) -> Result<Vec<OpenIssue>, DeliveryError> {
        let mut found = Vec::new();
        for page in 1..=MAX_PAGES {
            let mut url = self.url("issues")?;
            url.query_pairs_mut()
                .append_pair("state", "open")
                .append_pair("labels", &labels.join(","))
                .append_pair("per_page", "100")
                .append_pair("page", &page.to_string());
            let items = self.request(reqwest::Method::GET, url, None).await?;
            let items = items.as_array().cloned().unwrap_or_default();
            for item in &items {
                if item.get("pull_request").is_some() {
                    continue;
                }
                let body = item["body"].as_str().unwrap_or_default();
                let (Some(number), Some(_)) = (item["number"].as_u64(), marker_of(body)) else {
                    continue;
                };
                found.push(OpenIssue {
                    number,
                    title: item["title"].as_str().unwrap_or_default().to_owned(),
                    body: body.to_owned(),
                });
            }
            if items.len() < 100 {
                break;
            }
        }
        Ok(found)
    }

    /// Whether a comment on issue `number` carries `marker` (GitHub's "List
    /// issue comments", `GET /repos/{owner}/{repo}/issues/{number}/comments`,
    /// oldest first, 100 a page).
    async fn has_comment(&self, number: u64, marker: &str) -> Result<bool, DeliveryError> {
        for page in 1..=MAX_PAGES {
            let mut url = self.url(&format!("issues/{number}/comments"))?;
            url.query_pairs_mut()
                .append_pair("per_page", "100")
                .append_pair("page", &page.to_string());
            let items = self.request(reqwest::Method::GET, url, None).await?;
            let items = items.as_array().cloned().unwrap_or_default();
            if items
                .iter()
                .any(|c| c["body"].as_str().is_some_and(|b| b.contains(marker)))
            {
                return Ok(true);
            }
            if items.len() < 100 {
                break;
            }
        }
        Ok(false)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, DeliveryError> {
        let url = self.url(path)?;
        self.request(method, url, Some(body)).await
    }

    async fn request(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<Value>,
    ) -> Result<Value, DeliveryError> {
        let what = format!("{method} {}", url.path());
        let mut request = self
            .client
            .request(method, url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| {
            DeliveryError::Transient(format!("GitHub API {what}: {}", without_url(&e)))
        })?;
        let status = response.status().as_u16();
        let rate_limited = response
            .headers()
            .get("x-ratelimit-remaining")
            .is_some_and(|v| v == "0")
            || response.headers().contains_key("retry-after");
        let text = response.text().await.unwrap_or_default();
        let detail = || {
            serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(200).collect())
        };
        match status {
            200..=299 => Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
            300..=399 => Err(DeliveryError::Permanent(format!(
                "GitHub API {what} answered a redirect ({status}); catwatch does not follow redirects with a token. Check [github_issues] api"
            ))),
            429 | 500..=599 => Err(DeliveryError::Transient(format!(
                "GitHub API {what}: HTTP {status}: {}",
                detail()
            ))),
            403 if rate_limited => Err(DeliveryError::Transient(format!(
                "GitHub API {what}: rate limited: {}",
                detail()
            ))),
            _ => Err(DeliveryError::Permanent(format!(
                "GitHub API {what}: HTTP {status}: {}",
                detail()
            ))),
        }
    }
}

/// reqwest's error text without the URL (which is ours and harmless, but
/// keeps messages short).
fn without_url(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        let _ = write!(text, ": {inner}");
        source = inner.source();
    }
    text
}

/// https always; http only for a loopback address and only with the opt-in.
pub fn check_origin(api: &Url, allow_http: bool) -> Result<(), String> {
    if !api.username().is_empty() || api.password().is_some() {
        return Err(format!(
            "[github_issues] api {api} carries credentials in the URL; remove them (the token comes from the environment)"
        ));
    }
    match api.scheme() {
        "https" => Ok(()),
        "http" if allow_http && is_loopback(api) => Ok(()),
        "http" if allow_http => Err(format!(
            "[github_issues] allow_http = true only permits a loopback API (127.0.0.1, [::1]); {api} is not one"
        )),
        "http" => Err(format!(
            "[github_issues] api {api} is plain http and would expose the token; use https (allow_http = true exists only for a local test API on loopback)"
        )),
        other => Err(format!(
            "[github_issues] api {api}: scheme {other} is not supported; use https"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    }
}

fn split_repository(repository: &str) -> Result<(&str, &str), String> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    match repository.split_once('/') {
        Some((owner, name)) if part_ok(owner) && part_ok(name) => Ok((owner, name)),
        _ => Err(format!(
            "[github_issues] repository = {repository:?} is not \"owner/name\""
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::Status;

    fn at() -> jiff::Timestamp {
        "2026-11-26T21:00:00Z".parse().unwrap()
    }

    fn alert(id: &str, kind: AlertKind) -> Alert {
        Alert {
            key: format!("{id}:{kind:?}"),
            resource_id: Some(id.into()),
            resource_name: Some(format!("Name of {id}")),
            kind,
            message: "HTTP 404 @team #1".into(),
            url: Some(format!("https://example.org/{id}")),
            at: at(),
        }
    }

    fn issue(number: u64, body: &str) -> OpenIssue {
        OpenIssue {
            number,
            title: "t".into(),
            body: body.into(),
        }
    }

    #[test]
    fn markers_are_read_from_the_start_of_the_body() {
        assert_eq!(
            marker_of("<!-- catwatch:resource=a-b -->\n\nx"),
            Some("resource=a-b")
        );
        assert_eq!(marker_of("<!-- catwatch:digest -->"), Some("digest"));
        assert_eq!(marker_of("hello <!-- catwatch:digest -->"), None);
        assert_eq!(marker_of(""), None);
    }

    #[test]
    fn a_new_failure_opens_one_issue_and_a_known_one_is_updated_and_commented() {
        let alerts = [alert("a", AlertKind::Dead), alert("b", AlertKind::Stale)];
        let open = [issue(5, "<!-- catwatch:resource=b -->\nold")];
        let actions = plan(IssueMode::PerResource, &alerts, &open, None);
        assert_eq!(actions.len(), 3, "{actions:#?}");
        let Action::Create { title, body } = &actions[0] else {
            panic!("{actions:#?}")
        };
        assert_eq!(title, "catwatch: Name of a is dead");
        assert!(body.starts_with("<!-- catwatch:resource=a -->"));
        assert!(body.contains("@\u{200B}team #\u{200B}1"), "{body}");
        assert!(matches!(actions[1], Action::Update { number: 5, .. }));
        assert!(matches!(actions[2], Action::Comment { number: 5, .. }));
    }

    /// A change (a new version, lost files, new terms) is news even when
    /// nothing is broken: the digest issue is opened for it, not closed; a
    /// per-resource issue gets a title that says what changed.
    #[test]
    fn changes_reach_the_tracking_issues_when_nothing_is_broken() {
        let calm = StatusReport {
            generated_at: at(),
            last_successful_run: Some(at()),
            monitor_degraded: false,
            resources: Vec::new(),
        };
        let newer = alert(
            "a",
            AlertKind::NewerVersion {
                version: crate::observation::NewerVersion::at("https://zenodo.org/records/2"),
            },
        );
        let actions = plan(
            IssueMode::Digest,
            std::slice::from_ref(&newer),
            &[],
            Some(&calm),
        );
        assert!(
            matches!(&actions[..], [Action::Create { .. }]),
            "{actions:#?}"
        );
        let open = [issue(3, "<!-- catwatch:digest -->\nold")];
        let actions = plan(
            IssueMode::Digest,
            std::slice::from_ref(&newer),
            &open,
            Some(&calm),
        );
        assert!(
            !actions.iter().any(|a| matches!(a, Action::Close { .. })),
            "{actions:#?}"
        );
        let shrank = alert(
            "b",
            AlertKind::ContentShrank {
                files_before: 10,
                files_after: 9,
                bytes_before: 100,
                bytes_after: 90,
            },
        );
        let actions = plan(IssueMode::PerResource, &[shrank], &[], None);
        let [Action::Create { title, .. }] = &actions[..] else {
            panic!("{actions:#?}")
        };
        assert_eq!(title, "catwatch: Name of b lost files");
    }

    #[test]
    fn recovery_comments_and_closes_and_needs_an_open_issue() {
        let alerts = [
            alert("a", AlertKind::Recovered { from: Status::Dead }),
            alert("b", AlertKind::Recovered { from: Status::Dead }),
        ];
        let open = [issue(9, "<!-- catwatch:resource=a -->")];
        let actions = plan(IssueMode::PerResource, &alerts, &open, None);
        assert_eq!(actions.len(), 2, "{actions:#?}");
        assert!(matches!(actions[0], Action::Comment { number: 9, .. }));
        assert_eq!(actions[1], Action::Close { number: 9 });
    }

    #[test]
    fn an_id_that_could_close_the_marker_gets_no_issue() {
        let alerts = [alert("x -->", AlertKind::Dead)];
        assert_eq!(plan(IssueMode::PerResource, &alerts, &[], None), vec![]);
    }

    #[test]
    fn titles_cannot_mention_or_break_lines() {
        let mut a = alert("a", AlertKind::Dead);
        a.resource_name = Some("@org/team\r\n#5".into());
        assert_eq!(
            resource_title(&a),
            "catwatch: @\u{200B}org/team\u{FFFD}\u{FFFD}#\u{200B}5 is dead"
        );
    }

    #[test]
    fn the_api_must_be_https_unless_a_loopback_test_api_opts_in() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(check_origin(&url("https://api.github.com"), false).is_ok());
        assert!(check_origin(&url("http://127.0.0.1:8080"), true).is_ok());
        assert!(check_origin(&url("http://[::1]:8080"), true).is_ok());
        let err = check_origin(&url("http://127.0.0.1:8080"), false).unwrap_err();
        assert!(err.contains("https"), "{err}");
        assert!(check_origin(&url("http://api.github.com"), true).is_err());
        assert!(check_origin(&url("http://localhost.evil.test"), true).is_err());
        assert!(check_origin(&url("https://user:pw@api.github.com"), false).is_err());
        assert!(check_origin(&url("ftp://api.github.com"), false).is_err());
    }

    #[test]
    fn repositories_must_be_owner_and_name() {
        assert_eq!(
            split_repository("catwatch/catwatch"),
            Ok(("catwatch", "catwatch"))
        );
        for bad in ["catwatch", "a/b/c", "../x", "a/..", "/x", "a/b?c"] {
            assert!(split_repository(bad).is_err(), "{bad}");
        }
    }
}
