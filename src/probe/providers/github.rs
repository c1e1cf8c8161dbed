//! GitHub repositories: archived, disabled, renamed or transferred, deleted,
//! blocked, the date of the last commit on the default branch, and the
//! licence GitHub detected (REST `license.spdx_id`, GraphQL
//! `licenseInfo.spdxId`).
//!
//! Without a token every repository costs two REST calls (`/repos/{o}/{r}`, then
//! `/commits?per_page=1`). With a token, repositories go to GraphQL in batches
//! of [`GRAPHQL_BATCH`] aliases, so N repositories cost ceil(N/50) requests.
//!
//! A rate limit is never a verdict on a repository: the answer becomes
//! `Signal::RateLimited`, and the GitHub API is paused for the rest of the run
//! (every later repository is reported rate limited without a request).
//!
//! Decisions: 451 (blocked for legal reasons, usually a DMCA takedown) is
//! reported as gone, `github-legal-block`, because nobody can reach the content;
//! a disabled repository is gone too (`github-disabled`).

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Mutex;

use jiff::Timestamp;
use serde_json::{Value, json};
use url::Url;

use super::api::{self, Found};
use crate::license;
use crate::observation::{Dated, DeclaredLicense, Signal};
use crate::probe::fetch::{Credential, Fetch, Method, Request, Response};
use crate::reason::Reason;

/// Repositories per GraphQL request.
pub const GRAPHQL_BATCH: usize = 50;

/// Once GitHub says "rate limited", no further GitHub API request is sent in
/// this run. Shared by every GitHub probe of one run.
///
/// Requests also pass through `slots` one by one (as many at once as the
/// engine allows per host), and the pause is checked after a slot is taken,
/// so at most the requests already in flight when the limit arrives are sent.
#[derive(Debug)]
pub struct Pause {
    until: Mutex<Option<Option<Timestamp>>>,
    slots: tokio::sync::Semaphore,
}

impl Default for Pause {
    fn default() -> Pause {
        Pause::new(2)
    }
}

impl Pause {
    /// A gate that lets `slots` GitHub API requests be in flight at once.
    pub fn new(slots: usize) -> Pause {
        Pause {
            until: Mutex::new(None),
            slots: tokio::sync::Semaphore::new(slots.max(1)),
        }
    }

    fn trip(&self, retry_at: Option<Timestamp>) {
        let mut until = self.until.lock().expect("pause lock");
        if until.is_none() {
            tracing::warn!(
                ?retry_at,
                "GitHub API rate limit reached; pausing it for this run"
            );
            *until = Some(retry_at);
        }
    }

    /// The finding for a repository skipped because the API is paused.
    fn skipped(&self) -> Option<Found> {
        let until = (*self.until.lock().expect("pause lock"))?;
        Some(
            Found::new(Signal::RateLimited { retry_at: until })
                .note("GitHub API paused for the rest of this run after a rate limit"),
        )
    }
}

/// What one GitHub probe needs from the run.
pub struct GitHub<'a, F> {
    pub fetch: &'a F,
    pub api: &'a Url,
    /// The Authorization value, already bound to the API host (None: anonymous).
    pub credential: Option<Credential>,
    pub pause: &'a Pause,
}

impl<F: Fetch> GitHub<'_, F> {
    fn request(&self, method: Method, url: Url) -> Request {
        let mut request = Request::get(url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        request.method = method;
        request.follow_redirects = false;
        request.credential = self.credential.clone();
        request
    }

    /// Sends a request unless the API is paused; trips the pause on a rate
    /// limit (or on the last request of the allowance, after using its answer).
    async fn send(&self, request: Request) -> Result<Response, Found> {
        let _slot = self.pause.slots.acquire().await;
        if let Some(skipped) = self.pause.skipped() {
            return Err(skipped);
        }
        let response = api::send(self.fetch, request).await?;
        if api::is_rate_limited(&response) {
            let retry_at = api::retry_at(&response, Timestamp::now());
            self.pause.trip(retry_at);
            return Err(Found::answered(Signal::RateLimited { retry_at }, &response)
                .note("GitHub API rate limit reached; not a verdict on the repository"));
        }
        if response.header("x-ratelimit-remaining") == Some("0") {
            self.pause.trip(api::retry_at(&response, Timestamp::now()));
        }
        Ok(response)
    }

    /// One repository through REST.
    pub async fn probe_rest(&self, owner: &str, name: &str) -> Found {
        match self.rest(owner, name).await {
            Ok(found) | Err(found) => found,
        }
    }

    async fn rest(&self, owner: &str, name: &str) -> Result<Found, Found> {
        let url = api::endpoint(self.api, &["repos", owner, name]);
        let mut response = self.send(self.request(Method::Get, url)).await?;
        let mut evidence = Vec::new();
        if matches!(response.status, 301 | 302 | 307 | 308) {
            // Renamed or transferred: the body (or Location) names the repository by id.
            // GitHub's docs name `Location`; the body's `url` carries the same.
            let next = response
                .header("location")
                .map(str::to_owned)
                .or_else(|| {
                    api::json(&response)
                        .ok()
                        .and_then(|body| body.get("url")?.as_str().map(str::to_owned))
                })
                .and_then(|text| response.final_url.join(&text).ok());
            let Some(next) = next.filter(|next| api::same_origin(next, self.api)) else {
                return Err(Found::answered(
                    Signal::transient(
                        Reason::GithubBadRedirect,
                        "the API redirected without a usable address on the same API host",
                    ),
                    &response,
                ));
            };
            evidence.push(format!("api answered {} -> {next}", response.status));
            response = self.send(self.request(Method::Get, next)).await?;
        }
        match response.status {
            200 => {}
            404 => {
                return Err(Found::answered(
                    Signal::gone(
                        Reason::GithubNotFound,
                        "no such repository (deleted, or made private)",
                    ),
                    &response,
                ));
            }
            451 => {
                return Err(blocked_note(
                    Found::answered(
                        Signal::gone(
                            Reason::GithubLegalBlock,
                            "GitHub blocks this repository for legal reasons (451, e.g. a DMCA takedown)",
                        ),
                        &response,
                    ),
                    &response,
                ));
            }
            403 if String::from_utf8_lossy(&response.body)
                .to_ascii_lowercase()
                .contains("access blocked") =>
            {
                return Err(blocked_note(
                    Found::answered(
                        Signal::gone(
                            Reason::GithubDisabled,
                            "GitHub blocks access to this repository",
                        ),
                        &response,
                    ),
                    &response,
                ));
            }
            _ => return Err(api::unsuccessful(&response, Reason::GithubNotFound)),
        }
        let repo = api::json(&response)?;
        let Some(shape) = RepoShape::read(&repo, "full_name", "archived", "disabled") else {
            return Err(Found::answered(
                Signal::transient(
                    Reason::BadApiAnswer,
                    "the API answered 200 without the repository's full_name, archived and disabled",
                ),
                &response,
            ));
        };
        let full_name = shape.full_name.clone();
        let pushed = api::date_at(&repo, "/pushed_at", "github:pushed_at");
        let last_commit = if shape.disabled {
            None
        } else {
            self.last_commit(&full_name, &mut evidence).await
        };
        let mut found = Found::answered(judge(owner, name, &shape, "archived"), &response)
            .dated(last_commit.or(pushed));
        found.license = spdx_license(&repo, "/license/spdx_id", "github:license.spdx_id");
        found.evidence.extend(evidence);
        Ok(found)
    }

    /// The committer date of the newest commit on the default branch.
    async fn last_commit(&self, full_name: &str, evidence: &mut Vec<String>) -> Option<Dated> {
        let (owner, name) = full_name.split_once('/')?;
        let mut url = api::endpoint(self.api, &["repos", owner, name, "commits"]);
        url.query_pairs_mut().append_pair("per_page", "1");
        match self.send(self.request(Method::Get, url)).await {
            Ok(response) if response.status == 200 => {
                let body = api::json(&response).ok()?;
                api::date_at(
                    &body,
                    "/0/commit/committer/date",
                    "github:commits[0].commit.committer.date",
                )
            }
            Ok(response) => {
                evidence.push(format!(
                    "commits answered {}; using pushed_at",
                    response.status
                ));
                None
            }
            Err(_) => {
                evidence.push("commits not read; using pushed_at".into());
                None
            }
        }
    }

    /// Many repositories through GraphQL, [`GRAPHQL_BATCH`] per request. The
    /// findings come back in the order of `repos`.
    pub async fn probe_graphql(&self, repos: &[(String, String)]) -> Vec<Found> {
        let mut found = Vec::with_capacity(repos.len());
        for chunk in repos.chunks(GRAPHQL_BATCH) {
            found.extend(self.graphql_batch(chunk).await);
        }
        found
    }

    async fn graphql_batch(&self, repos: &[(String, String)]) -> Vec<Found> {
        let all = |found: Found| vec![found; repos.len()];
        let mut request = self.request(Method::Post, api::endpoint(self.api, &["graphql"]));
        request
            .headers
            .push(("Content-Type".into(), "application/json".into()));
        request.body = Some(graphql_query(repos).to_string().into_bytes());
        let response = match self.send(request).await {
            Ok(response) => response,
            Err(found) => return all(found),
        };
        match response.status {
            200 => {}
            401 => {
                return all(Found::answered(
                    Signal::NeedsCredentials {
                        variable: "CATWATCH_GITHUB_TOKEN".into(),
                    },
                    &response,
                )
                .note("GitHub rejected the token (401)"));
            }
            // The endpoint itself answering 404 says nothing about the
            // repositories (a GitHub Enterprise base ending in /api/v3, say).
            404 | 410 => {
                return all(Found::answered(
                    Signal::transient(
                        Reason::BadApiAnswer,
                        format!(
                            "the GraphQL endpoint answered {}; check [endpoints] github_api",
                            response.status
                        ),
                    ),
                    &response,
                ));
            }
            _ => return all(api::unsuccessful(&response, Reason::GithubNotFound)),
        }
        let body = match api::json(&response) {
            Ok(body) => body,
            Err(found) => return all(found),
        };
        let errors = body
            .get("errors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(error) = errors.iter().find(|e| is_rate_limit(e)) {
            // Rate limits come as 200 with an error, and the remaining-count
            // header need not say 0 (octokit/plugin-throttling.js#632).
            let retry_at = api::retry_at(&response, Timestamp::now());
            self.pause.trip(retry_at);
            return all(Found::answered(Signal::RateLimited { retry_at }, &response)
                .note(format!("GraphQL: {}", message(error))));
        }
        if !body.get("data").is_some_and(Value::is_object) {
            return all(Found::answered(
                match errors.first() {
                    Some(error) => Signal::transient(Reason::GithubGraphqlError, message(error)),
                    None => Signal::transient(
                        Reason::BadApiAnswer,
                        "GraphQL gave neither data nor an error",
                    ),
                },
                &response,
            ));
        }
        repos
            .iter()
            .enumerate()
            .map(|(i, (owner, name))| {
                let alias = format!("r{i}");
                let error = errors
                    .iter()
                    .find(|e| e.pointer("/path/0").and_then(Value::as_str) == Some(alias.as_str()));
                match (body.pointer(&format!("/data/{alias}")), error) {
                    (Some(repo), _) if repo.is_object() => {
                        read_graphql_repo(owner, name, repo, &response)
                    }
                    (_, Some(error)) if error_type(error) == "NOT_FOUND" => Found::answered(
                        Signal::gone(Reason::GithubNotFound, message(error)),
                        &response,
                    ),
                    // SAML enforcement or a token without access: the token's
                    // problem, never the repository's.
                    (_, Some(error))
                        if error_type(error) == "FORBIDDEN"
                            || error.pointer("/extensions/saml_failure")
                                == Some(&Value::Bool(true)) =>
                    {
                        Found::answered(
                            Signal::blocked(Reason::AccessDenied, message(error)),
                            &response,
                        )
                        .note("the GitHub token may need SSO authorisation for this organisation")
                    }
                    (_, Some(error)) => Found::answered(
                        Signal::transient(Reason::GithubGraphqlError, message(error)),
                        &response,
                    ),
                    _ => Found::answered(
                        Signal::transient(
                            Reason::BadApiAnswer,
                            "GraphQL gave neither data nor an error",
                        ),
                        &response,
                    ),
                }
            })
            .collect()
    }
}

/// The repository fields GitHub documents as required and non-null
/// (`full_name`, `archived`, `disabled` in REST's FullRepository;
/// `nameWithOwner`, `isArchived`, `isDisabled` in GraphQL). An answer
/// without them is not a repository, whatever its status.
struct RepoShape {
    full_name: String,
    archived: bool,
    disabled: bool,
}

impl RepoShape {
    fn read(repo: &Value, name: &str, archived: &str, disabled: &str) -> Option<RepoShape> {
        let full_name = repo.get(name)?.as_str().filter(|n| n.contains('/'))?;
        Some(RepoShape {
            full_name: full_name.to_owned(),
            archived: repo.get(archived)?.as_bool()?,
            disabled: repo.get(disabled)?.as_bool()?,
        })
    }
}

/// The licence GitHub detected for a repository, read at `pointer`: REST's
/// FullRepository `license` is a `nullable-license-simple` whose `spdx_id` is
/// itself nullable (github/rest-api-description, API version 2022-11-28);
/// GraphQL's `Repository.licenseInfo: License` is nullable, and so is
/// `License.spdxId` (octokit/graphql-schema `schema.graphql`). GitHub answers
/// `"NOASSERTION"` (key `other`, name "Other") for a licence file it cannot
/// name: that is no licence to compare, so none is declared.
pub(crate) fn spdx_license(repo: &Value, pointer: &str, source: &str) -> Option<DeclaredLicense> {
    let id = api::text_at(repo, pointer)?;
    if id.eq_ignore_ascii_case("NOASSERTION") {
        return None;
    }
    license::declared(&id, source)
}

/// GitHub's GraphQL rate-limit error, in every form it is known to take:
/// `type` `RATE_LIMITED` (the documented one), `RATE_LIMIT` with `code`
/// `graphql_rate_limit` (seen in 2026, yanyongyu/githubkit#271), or a
/// secondary limit whose message says so.
fn is_rate_limit(error: &Value) -> bool {
    matches!(error_type(error), "RATE_LIMITED" | "RATE_LIMIT")
        || error.get("code").and_then(Value::as_str) == Some("graphql_rate_limit")
        || message(error).to_ascii_lowercase().contains("rate limit")
}

/// The `block` object GitHub adds to 451 and "access blocked" answers
/// (`reason` dmca or tos, the notice's `html_url`), kept as evidence.
fn blocked_note(found: Found, response: &Response) -> Found {
    let block = api::json(response)
        .ok()
        .and_then(|body| body.get("block").cloned());
    match block {
        Some(block) => {
            let field = |key: &str| {
                block
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned()
            };
            found.note(format!(
                "block: reason={} since {} notice {}",
                field("reason"),
                field("created_at"),
                field("html_url")
            ))
        }
        None => found,
    }
}

fn error_type(error: &Value) -> &str {
    error
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn message(error: &Value) -> String {
    error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_owned()
}

/// The signal for a repository GitHub answered for, asked as `owner/name`;
/// `archived_field` names the field that says archived, for the evidence.
fn judge(owner: &str, name: &str, repo: &RepoShape, archived_field: &str) -> Signal {
    if repo.disabled {
        Signal::gone(
            Reason::GithubDisabled,
            "GitHub has disabled this repository",
        )
    } else if !repo
        .full_name
        .eq_ignore_ascii_case(&format!("{owner}/{name}"))
    {
        Signal::moved(
            Reason::GithubRenamed,
            format!("https://github.com/{}", repo.full_name),
        )
    } else if repo.archived {
        Signal::archived(Reason::GithubArchived, archived_field)
    } else {
        Signal::Alive
    }
}

fn read_graphql_repo(owner: &str, name: &str, repo: &Value, response: &Response) -> Found {
    let Some(shape) = RepoShape::read(repo, "nameWithOwner", "isArchived", "isDisabled") else {
        return Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "GraphQL answered a repository without nameWithOwner, isArchived and isDisabled",
            ),
            response,
        );
    };
    let signal = judge(owner, name, &shape, "isArchived");
    let date = api::first_date(
        repo,
        &[
            (
                "/defaultBranchRef/target/committedDate",
                "github:defaultBranchRef.target.committedDate",
            ),
            ("/pushedAt", "github:pushedAt"),
        ],
    );
    let mut found = Found::answered(signal, response).dated(date);
    found.license = spdx_license(repo, "/licenseInfo/spdxId", "github:licenseInfo.spdxId");
    found
}

/// One query with an alias per repository; names travel as variables, never
/// spliced into the query text.
fn graphql_query(repos: &[(String, String)]) -> Value {
    let mut params = Vec::new();
    let mut fields = Vec::new();
    let mut variables = serde_json::Map::new();
    for (i, (owner, name)) in repos.iter().enumerate() {
        params.push(format!("$o{i}: String!, $n{i}: String!"));
        fields.push(format!(
            "r{i}: repository(owner: $o{i}, name: $n{i}, followRenames: true) {{ nameWithOwner isArchived isDisabled pushedAt licenseInfo {{ spdxId }} defaultBranchRef {{ target {{ ... on Commit {{ committedDate }} }} }} }}"
        ));
        variables.insert(format!("o{i}"), json!(owner));
        variables.insert(format!("n{i}"), json!(name));
    }
    json!({
        "query": format!("query({}) {{ {} }}", params.join(", "), fields.join(" ")),
        "variables": variables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::fetch::FetchError;
    use crate::probe::providers::api::testing::{Canned, response};

    const API: &str = "https://api.github.com";

    fn probe<'a>(fetch: &'a Canned, api: &'a Url, pause: &'a Pause) -> GitHub<'a, Canned> {
        GitHub {
            fetch,
            api,
            credential: None,
            pause,
        }
    }

    fn repo_json(full_name: &str, archived: bool) -> String {
        json!({
            "full_name": full_name, "archived": archived, "disabled": false,
            "pushed_at": "2024-01-02T03:04:05Z", "default_branch": "master"
        })
        .to_string()
    }

    #[tokio::test]
    async fn alive_repository_is_dated_by_its_last_commit() {
        let fetch = Canned::default()
            .get(&format!("{API}/repos/o/r"), 200, &repo_json("o/r", false))
            .get(
                &format!("{API}/repos/o/r/commits?per_page=1"),
                200,
                r#"[{"commit":{"committer":{"date":"2025-06-01T00:00:00Z"}}}]"#,
            );
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let found = probe(&fetch, &api, &pause).probe_rest("o", "r").await;
        assert_eq!(found.signal, Signal::Alive);
        let date = found.last_updated.unwrap();
        assert_eq!(date.at.to_string(), "2025-06-01T00:00:00Z");
        assert_eq!(date.source, "github:commits[0].commit.committer.date");
    }

    #[tokio::test]
    async fn renamed_repository_follows_the_301_and_reports_the_new_name() {
        let fetch = Canned::default()
            .get(
                &format!("{API}/repos/old/r"),
                301,
                &json!({"message": "Moved Permanently", "url": format!("{API}/repositories/42")})
                    .to_string(),
            )
            .get(
                &format!("{API}/repositories/42"),
                200,
                &repo_json("new/r2", true),
            )
            .get(&format!("{API}/repos/new/r2/commits?per_page=1"), 409, "{}");
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let found = probe(&fetch, &api, &pause).probe_rest("old", "r").await;
        assert_eq!(
            found.signal,
            Signal::moved(Reason::GithubRenamed, "https://github.com/new/r2")
        );
        assert_eq!(found.last_updated.unwrap().source, "github:pushed_at");
    }

    #[tokio::test]
    async fn a_redirect_to_another_host_is_not_followed() {
        let fetch = Canned::default().get(
            &format!("{API}/repos/o/r"),
            301,
            r#"{"url":"https://evil.test/repositories/1"}"#,
        );
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let found = probe(&fetch, &api, &pause).probe_rest("o", "r").await;
        assert!(matches!(found.signal, Signal::Transient { .. }));
        assert_eq!(fetch.urls().len(), 1);
    }

    #[tokio::test]
    async fn rate_limit_pauses_the_api_and_is_never_gone() {
        let mut limited = response(
            &format!("{API}/repos/a/b"),
            403,
            r#"{"message":"API rate limit exceeded"}"#,
        );
        limited
            .headers
            .push(("x-ratelimit-remaining".into(), "0".into()));
        let fetch = Canned::default().answer(Method::Get, &format!("{API}/repos/a/b"), Ok(limited));
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let gh = probe(&fetch, &api, &pause);
        let first = gh.probe_rest("a", "b").await;
        let second = gh.probe_rest("c", "d").await;
        assert!(matches!(first.signal, Signal::RateLimited { .. }));
        assert!(matches!(second.signal, Signal::RateLimited { .. }));
        assert_eq!(fetch.urls().len(), 1, "no request after the pause");
    }

    #[tokio::test]
    async fn deleted_blocked_and_disabled_repositories_are_gone() {
        let disabled =
            json!({"full_name": "o/dis", "archived": false, "disabled": true}).to_string();
        let fetch = Canned::default()
            .get(
                &format!("{API}/repos/o/gone"),
                404,
                r#"{"message":"Not Found"}"#,
            )
            .get(
                &format!("{API}/repos/o/dmca"),
                451,
                r#"{"message":"Repository access blocked"}"#,
            )
            .get(&format!("{API}/repos/o/dis"), 200, &disabled)
            .answer(
                Method::Get,
                &format!("{API}/repos/o/down"),
                Err(FetchError::Timeout(30_000)),
            );
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let gh = probe(&fetch, &api, &pause);
        let code = |f: Found| match f.signal {
            Signal::Gone { reason, .. } | Signal::Transient { reason, .. } => reason.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(code(gh.probe_rest("o", "gone").await), "github-not-found");
        assert_eq!(code(gh.probe_rest("o", "dmca").await), "github-legal-block");
        assert_eq!(code(gh.probe_rest("o", "dis").await), "github-disabled");
        assert_eq!(code(gh.probe_rest("o", "down").await), "timeout");
    }

    #[tokio::test]
    async fn graphql_reads_each_alias_and_errors_without_a_path() {
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let answer = json!({
            "data": {"r0": {"nameWithOwner": "a/b", "isArchived": false, "isDisabled": false, "pushedAt": "2026-01-01T00:00:00Z", "defaultBranchRef": null},
                     "r1": null},
            "errors": [{"type": "NOT_FOUND", "path": ["r1"], "message": "Could not resolve to a Repository with the name 'c/d'."}]
        });
        let fetch = Canned::default().answer(
            Method::Post,
            &format!("{API}/graphql"),
            Ok(response(
                &format!("{API}/graphql"),
                200,
                &answer.to_string(),
            )),
        );
        let gh = GitHub {
            credential: api::credential_for(&api, "Bearer t".into()),
            ..probe(&fetch, &api, &pause)
        };
        let found = gh
            .probe_graphql(&[("a".into(), "b".into()), ("c".into(), "d".into())])
            .await;
        assert_eq!(found[0].signal, Signal::Alive);
        assert_eq!(
            found[0].last_updated.as_ref().unwrap().source,
            "github:pushedAt"
        );
        assert!(
            matches!(&found[1].signal, Signal::Gone { reason: Reason::GithubNotFound, why } if why.starts_with("Could not resolve"))
        );

        let broken =
            json!({"errors": [{"message": "Something went wrong while executing your query."}]});
        let fetch = Canned::default().answer(
            Method::Post,
            &format!("{API}/graphql"),
            Ok(response(
                &format!("{API}/graphql"),
                200,
                &broken.to_string(),
            )),
        );
        let gh = GitHub {
            fetch: &fetch,
            ..gh
        };
        let found = gh.probe_graphql(&[("a".into(), "b".into())]).await;
        assert!(
            matches!(&found[0].signal, Signal::Transient { reason: Reason::GithubGraphqlError, why } if why == "Something went wrong while executing your query.")
        );
        let request = &fetch.seen.lock().unwrap()[0];
        assert_eq!(request.credential.as_ref().unwrap().host, "api.github.com");
        assert!(!request.follow_redirects);
    }

    #[tokio::test]
    async fn rest_reads_the_spdx_licence_and_drops_noassertion_and_null() {
        // FullRepository's `license` (github/docs "Get a repository" example:
        // key mit, name "MIT License", spdx_id MIT); "Other" has spdx_id
        // NOASSERTION; a repository without a detected licence has null.
        let with = |license: Value| {
            json!({"full_name": "o/r", "archived": false, "disabled": false,
                   "pushed_at": "2024-01-02T03:04:05Z", "license": license})
            .to_string()
        };
        let fetch = Canned::default()
            .get(
                &format!("{API}/repos/o/mit"),
                200,
                &with(json!({"key": "mit", "name": "MIT License", "spdx_id": "MIT",
                             "url": "https://api.github.com/licenses/mit", "node_id": "MDc6TGljZW5zZW1pdA=="})),
            )
            .get(
                &format!("{API}/repos/o/other"),
                200,
                &with(json!({"key": "other", "name": "Other", "spdx_id": "NOASSERTION",
                             "url": null, "node_id": "MDc6TGljZW5zZTA="})),
            )
            .get(&format!("{API}/repos/o/none"), 200, &with(Value::Null))
            .get(
                &format!("{API}/repos/o/gpl"),
                200,
                &with(json!({"key": "gpl-3.0", "name": "GNU General Public License v3.0",
                             "spdx_id": "GPL-3.0", "url": null, "node_id": "x"})),
            );
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let gh = probe(&fetch, &api, &pause);
        let mit = gh.probe_rest("o", "mit").await.license.unwrap();
        assert_eq!(
            (mit.id.as_str(), mit.spdx, mit.source.as_str()),
            ("MIT", true, "github:license.spdx_id")
        );
        assert_eq!(gh.probe_rest("o", "other").await.license, None);
        assert_eq!(gh.probe_rest("o", "none").await.license, None);
        // GitHub still writes the deprecated `GPL-3.0`; the one SPDX rule reads it.
        assert_eq!(
            gh.probe_rest("o", "gpl").await.license.unwrap().id,
            "GPL-3.0-only"
        );
    }

    #[tokio::test]
    async fn graphql_asks_for_and_reads_license_info() {
        let api = Url::parse(API).unwrap();
        let pause = Pause::default();
        let repo = |name: &str, license: Value| {
            json!({"nameWithOwner": name, "isArchived": false, "isDisabled": false,
                   "pushedAt": "2026-01-01T00:00:00Z", "defaultBranchRef": null, "licenseInfo": license})
        };
        let answer = json!({"data": {
            "r0": repo("a/b", json!({"spdxId": "Apache-2.0"})),
            "r1": repo("c/d", json!({"spdxId": "NOASSERTION"})),
            "r2": repo("e/f", Value::Null),
        }});
        let fetch = Canned::default().answer(
            Method::Post,
            &format!("{API}/graphql"),
            Ok(response(
                &format!("{API}/graphql"),
                200,
                &answer.to_string(),
            )),
        );
        let gh = probe(&fetch, &api, &pause);
        let found = gh
            .probe_graphql(&[
                ("a".into(), "b".into()),
                ("c".into(), "d".into()),
                ("e".into(), "f".into()),
            ])
            .await;
        let apache = found[0].license.as_ref().unwrap();
        assert_eq!(
            (apache.id.as_str(), apache.spdx, apache.source.as_str()),
            ("Apache-2.0", true, "github:licenseInfo.spdxId")
        );
        assert_eq!(found[1].license, None);
        assert_eq!(found[2].license, None);
        let sent: Value =
            serde_json::from_slice(fetch.seen.lock().unwrap()[0].body.as_ref().unwrap()).unwrap();
        assert!(
            sent["query"]
                .as_str()
                .unwrap()
                .contains("pushedAt licenseInfo { spdxId } defaultBranchRef")
        );
    }

    #[test]
    fn graphql_names_travel_as_variables() {
        let query = graphql_query(&[("o\"x".into(), "n".into())]);
        let text = query["query"].as_str().unwrap();
        assert!(text.contains("r0: repository(owner: $o0, name: $n0, followRenames: true)"));
        assert!(!text.contains("o\\\"x") && !text.contains("o\"x"));
        assert_eq!(query["variables"]["o0"], "o\"x");
    }
}
