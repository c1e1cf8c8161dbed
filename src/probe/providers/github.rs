//! GitHub repositories: archived, disabled, renamed or transferred, deleted,
//! blocked, and the date of the last commit on the default branch.
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

use super::api::{self, Found, why};
use crate::observation::{Dated, Signal};
use crate::probe::fetch::{Credential, Fetch, Method, Request, Response};

/// Repositories per GraphQL request.
pub const GRAPHQL_BATCH: usize = 50;

/// Once GitHub says "rate limited", no further GitHub API request is sent in
/// this run. Shared by every GitHub probe of one run.
#[derive(Debug, Default)]
pub struct Pause {
    until: Mutex<Option<Option<Timestamp>>>,
}

impl Pause {
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

    pub fn is_paused(&self) -> bool {
        self.until.lock().expect("pause lock").is_some()
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
            let next = api::json(&response)
                .ok()
                .and_then(|body| body.get("url")?.as_str().map(str::to_owned))
                .or_else(|| response.header("location").map(str::to_owned))
                .and_then(|text| response.final_url.join(&text).ok());
            let Some(next) = next.filter(|next| api::same_origin(next, self.api)) else {
                return Err(Found::answered(
                    Signal::Transient {
                        why: why(
                            "github-bad-redirect",
                            "the API redirected without a usable address on the same API host",
                        ),
                    },
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
                    Signal::Gone {
                        why: why(
                            "github-not-found",
                            "no such repository (deleted, or made private)",
                        ),
                    },
                    &response,
                ));
            }
            451 => {
                return Err(Found::answered(
                    Signal::Gone {
                        why: why(
                            "github-legal-block",
                            "GitHub blocks this repository for legal reasons (451, e.g. a DMCA takedown)",
                        ),
                    },
                    &response,
                ));
            }
            403 if String::from_utf8_lossy(&response.body)
                .to_ascii_lowercase()
                .contains("access blocked") =>
            {
                return Err(Found::answered(
                    Signal::Gone {
                        why: why(
                            "github-access-blocked",
                            "GitHub blocks access to this repository",
                        ),
                    },
                    &response,
                ));
            }
            _ => return Err(api::unsuccessful(&response)),
        }
        let repo = api::json(&response)?;
        let full_name = repo
            .get("full_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let pushed = api::date_at(&repo, "/pushed_at", "github:pushed_at");
        let last_commit = if repo.get("disabled").and_then(Value::as_bool) == Some(true) {
            None
        } else {
            self.last_commit(&full_name, &mut evidence).await
        };
        let mut found = Found::answered(
            judge(
                owner,
                name,
                &full_name,
                flag(&repo, "archived"),
                flag(&repo, "disabled"),
            ),
            &response,
        )
        .dated(last_commit.or(pushed));
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
            _ => return all(api::unsuccessful(&response)),
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
        if errors.iter().any(|e| error_type(e) == "RATE_LIMITED") {
            let retry_at = api::retry_at(&response, Timestamp::now());
            self.pause.trip(retry_at);
            return all(Found::answered(Signal::RateLimited { retry_at }, &response));
        }
        let unplaced = errors.iter().find(|e| e.get("path").is_none());
        if body.get("data").is_none_or(Value::is_null)
            && let Some(error) = unplaced
        {
            return all(Found::answered(
                Signal::Transient {
                    why: why("github-graphql-error", message(error)),
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
                        Signal::Gone {
                            why: why("github-not-found", message(error)),
                        },
                        &response,
                    ),
                    (_, Some(error)) => Found::answered(
                        Signal::Transient {
                            why: why("github-graphql-error", message(error)),
                        },
                        &response,
                    ),
                    _ => Found::answered(
                        Signal::Transient {
                            why: why("bad-api-answer", "GraphQL gave neither data nor an error"),
                        },
                        &response,
                    ),
                }
            })
            .collect()
    }
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool) == Some(true)
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

/// The signal for a repository GitHub answered for, asked as `owner/name`.
fn judge(owner: &str, name: &str, full_name: &str, archived: bool, disabled: bool) -> Signal {
    if disabled {
        Signal::Gone {
            why: why("github-disabled", "GitHub has disabled this repository"),
        }
    } else if !full_name.is_empty() && !full_name.eq_ignore_ascii_case(&format!("{owner}/{name}")) {
        Signal::Moved {
            to: format!("https://github.com/{full_name}"),
        }
    } else if archived {
        Signal::Archived {
            field: "archived".into(),
        }
    } else {
        Signal::Alive
    }
}

fn read_graphql_repo(owner: &str, name: &str, repo: &Value, response: &Response) -> Found {
    let full_name = repo
        .get("nameWithOwner")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut signal = judge(
        owner,
        name,
        full_name,
        flag(repo, "isArchived"),
        flag(repo, "isDisabled"),
    );
    if let Signal::Archived { field } = &mut signal {
        *field = "isArchived".into();
    }
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
    Found::answered(signal, response).dated(date)
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
            "r{i}: repository(owner: $o{i}, name: $n{i}) {{ nameWithOwner isArchived isDisabled pushedAt defaultBranchRef {{ target {{ ... on Commit {{ committedDate }} }} }} }}"
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
            Signal::Moved {
                to: "https://github.com/new/r2".into()
            }
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
            Signal::Gone { why } | Signal::Transient { why } => {
                why.split(':').next().unwrap().to_owned()
            }
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
            matches!(&found[1].signal, Signal::Gone { why } if why.starts_with("github-not-found: Could not resolve"))
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
            matches!(&found[0].signal, Signal::Transient { why } if why == "github-graphql-error: Something went wrong while executing your query.")
        );
        let request = &fetch.seen.lock().unwrap()[0];
        assert_eq!(request.credential.as_ref().unwrap().host, "api.github.com");
        assert!(!request.follow_redirects);
    }

    #[test]
    fn graphql_names_travel_as_variables() {
        let query = graphql_query(&[("o\"x".into(), "n".into())]);
        let text = query["query"].as_str().unwrap();
        assert!(text.contains("r0: repository(owner: $o0, name: $n0)"));
        assert!(!text.contains("o\\\"x") && !text.contains("o\"x"));
        assert_eq!(query["variables"]["o0"], "o\"x");
    }
}
