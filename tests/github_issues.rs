//! The GitHub-issue notifier against a wiremock API on loopback. Plain http
//! is allowed here only through `allow_http = true`, which the notifier
//! accepts for loopback addresses alone.

#[path = "support/sample_report.rs"]
mod sample_report;

use catwatch::notify::github_issues::deliver;
use catwatch::notify::{DeliveryError, GitHubIssueSettings, IssueMode};
use catwatch::observation::Status;
use catwatch::policy::{Alert, AlertKind};
use catwatch::secret::Secret;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghp_canary_token_123";

fn settings(server: &MockServer, mode: IssueMode) -> GitHubIssueSettings {
    GitHubIssueSettings {
        repository: "catwatch/catalog".into(),
        mode,
        labels: vec!["catwatch".into()],
        api: Some(Url::parse(&server.uri()).unwrap()),
        allow_http: true,
    }
}

fn default_api() -> Url {
    Url::parse("https://api.github.com").unwrap()
}

fn alert(id: &str, name: &str, kind: AlertKind, message: &str) -> Alert {
    Alert {
        key: format!("{id}:{kind:?}"),
        resource_id: Some(id.into()),
        resource_name: Some(name.into()),
        kind,
        message: message.into(),
        url: Some(format!("https://example.org/{id}")),
        at: sample_report::now(),
    }
}

async fn api_with_open_issues(issues: Value) -> MockServer {
    api_with_open_issues_on(MockServer::start().await, issues).await
}

/// The mocks of [`api_with_open_issues`] on `server`, after any it already has
/// (wiremock answers with the first mock that matches).
async fn api_with_open_issues_on(server: MockServer, issues: Value) -> MockServer {
    Mock::given(method("GET"))
        .and(path("/repos/catwatch/catalog/issues"))
        .and(query_param("state", "open"))
        .and(query_param("labels", "catwatch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issues))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/catwatch/catalog/issues"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"number": 42})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            r"^/repos/catwatch/catalog/issues/\d+/comments$",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .mount(&server)
        .await;
    // "List issue comments" (docs.github.com/en/rest/issues/comments): an
    // array of comment objects, `body` among their fields; none yet here.
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/repos/catwatch/catalog/issues/\d+/comments$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    server
}

/// A rerun after a kill between posting and saving: the comment carrying
/// these alerts is already on the issue (its marker names them), so it is
/// not posted again; an issue created by the killed run (its body carries the
/// marker) gets no comment either.
#[tokio::test]
async fn a_comment_already_posted_for_these_alerts_is_not_posted_again() {
    let alerts = [alert("covid-ct", "COVID CT", AlertKind::Dead, "still 404")];
    // First delivery: the comment it posts, marker included.
    let first = api_with_open_issues(json!([
        {"number": 7, "title": "catwatch: COVID CT is dead",
         "body": "<!-- catwatch:resource=covid-ct -->\n\nold text"}
    ]))
    .await;
    deliver(
        &settings(&first, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        None,
    )
    .await
    .unwrap();
    let posted = writes(&first).await;
    let comment = posted
        .iter()
        .find(|(_, p, _)| p.ends_with("/comments"))
        .map(|(_, _, body)| body["body"].as_str().unwrap().to_owned())
        .expect("a comment");
    assert!(comment.starts_with("<!-- catwatch:alerts="), "{comment}");

    // The rerun sees that comment on the issue: it posts nothing again.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/repos/catwatch/catalog/issues/7/comments$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 1, "body": comment}])))
        .mount(&server)
        .await;
    let again = api_with_open_issues_on(
        server,
        json!([
            {"number": 7, "title": "catwatch: COVID CT is dead",
             "body": "<!-- catwatch:resource=covid-ct -->\n\nold text"}
        ]),
    )
    .await;
    let summary = deliver(
        &settings(&again, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        None,
    )
    .await
    .unwrap();
    assert_eq!((summary.commented, summary.skipped), (0, 1));
    assert!(
        writes(&again)
            .await
            .iter()
            .all(|(_, p, _)| !p.ends_with("/comments")),
        "no second comment"
    );

    // An issue the killed run created carries the marker in its body.
    let created = api_with_open_issues(json!([])).await;
    deliver(
        &settings(&created, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        None,
    )
    .await
    .unwrap();
    let body = writes(&created).await[0].2["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let rerun = api_with_open_issues(json!([
        {"number": 42, "title": "catwatch: COVID CT is dead", "body": body}
    ]))
    .await;
    let summary = deliver(
        &settings(&rerun, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        (summary.created, summary.commented, summary.skipped),
        (0, 0, 1)
    );
}

async fn writes(server: &MockServer) -> Vec<(String, String, Value)> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r: Request| {
            (
                r.method.to_string(),
                r.url.path().to_owned(),
                serde_json::from_slice(&r.body).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_dead_resource_gets_one_new_issue_with_the_marker_and_neutral_text() {
    let server = api_with_open_issues(json!([])).await;
    let alerts = [alert(
        "covid-ct",
        "COVID CT @maintainers",
        AlertKind::Dead,
        "HTTP 404, see #12",
    )];
    let summary = deliver(
        &settings(&server, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        None,
    )
    .await
    .unwrap();
    assert_eq!(summary.created, 1);
    let w = writes(&server).await;
    assert_eq!(w.len(), 1, "{w:#?}");
    let (m, p, body) = &w[0];
    assert_eq!(
        (m.as_str(), p.as_str()),
        ("POST", "/repos/catwatch/catalog/issues")
    );
    assert_eq!(body["labels"], json!(["catwatch"]));
    let text = body["body"].as_str().unwrap();
    assert!(
        text.starts_with("<!-- catwatch:resource=covid-ct -->"),
        "{text}"
    );
    assert!(
        text.contains("@\u{200B}maintainers") && text.contains("#\u{200B}12"),
        "{text}"
    );
    assert!(
        !text.contains("@maintainers") && !text.contains("#12"),
        "{text}"
    );
    assert_eq!(
        body["title"],
        "catwatch: COVID CT @\u{200B}maintainers is dead"
    );
    // The token went with every request, as a bearer token.
    for request in server.received_requests().await.unwrap() {
        assert_eq!(
            request.headers.get("authorization").unwrap(),
            &format!("Bearer {TOKEN}")
        );
    }
}

#[tokio::test]
async fn a_rerun_finds_the_issue_by_its_marker_and_comments_instead_of_opening_another() {
    let server = api_with_open_issues(json!([
        {"number": 7, "title": "catwatch: COVID CT is dead",
         "body": "<!-- catwatch:resource=covid-ct -->\n\nold text"},
        {"number": 8, "title": "unrelated", "body": "no marker here"},
        {"number": 9, "title": "a PR", "body": "<!-- catwatch:resource=covid-ct -->",
         "pull_request": {}}
    ]))
    .await;
    let alerts = [alert("covid-ct", "COVID CT", AlertKind::Dead, "still 404")];
    let summary = deliver(
        &settings(&server, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        (summary.created, summary.updated, summary.commented),
        (0, 1, 1)
    );
    let w = writes(&server).await;
    let calls: Vec<(&str, &str)> = w.iter().map(|(m, p, _)| (m.as_str(), p.as_str())).collect();
    assert_eq!(
        calls,
        [
            ("PATCH", "/repos/catwatch/catalog/issues/7"),
            ("POST", "/repos/catwatch/catalog/issues/7/comments")
        ]
    );
    assert!(w[1].2["body"].as_str().unwrap().contains("still 404"));
}

#[tokio::test]
async fn recovery_comments_then_closes_as_completed() {
    let server = api_with_open_issues(json!([
        {"number": 7, "title": "catwatch: COVID CT is dead",
         "body": "<!-- catwatch:resource=covid-ct -->\n\nx"}
    ]))
    .await;
    let alerts = [alert(
        "covid-ct",
        "COVID CT",
        AlertKind::Recovered { from: Status::Dead },
        "back to ok",
    )];
    let summary = deliver(
        &settings(&server, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        None,
    )
    .await
    .unwrap();
    assert_eq!((summary.commented, summary.closed), (1, 1));
    let w = writes(&server).await;
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].1, "/repos/catwatch/catalog/issues/7/comments");
    assert_eq!(w[1].1, "/repos/catwatch/catalog/issues/7");
    assert_eq!(
        w[1].2,
        json!({"state": "closed", "state_reason": "completed"})
    );
}

#[tokio::test]
async fn digest_mode_keeps_one_issue_with_everything_that_needs_attention() {
    let server = api_with_open_issues(json!([])).await;
    let report = sample_report::fixture();
    let alerts = [alert(
        "xss-probe",
        "<script>alert(1)</script>",
        AlertKind::Dead,
        "gone",
    )];
    let summary = deliver(
        &settings(&server, IssueMode::Digest),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &alerts,
        Some(&report),
    )
    .await
    .unwrap();
    assert_eq!(summary.created, 1);
    let w = writes(&server).await;
    let body = w[0].2["body"].as_str().unwrap();
    assert!(body.starts_with("<!-- catwatch:digest -->"), "{body}");
    assert!(body.contains("## Needs attention (5)"), "{body}");
    assert!(body.contains(r"\<script\>"), "{body}");
}

#[tokio::test]
async fn plain_http_without_the_opt_in_sends_nothing() {
    let server = api_with_open_issues(json!([])).await;
    let mut s = settings(&server, IssueMode::PerResource);
    s.allow_http = false;
    let err = deliver(
        &s,
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &[alert("a", "A", AlertKind::Dead, "x")],
        None,
    )
    .await
    .unwrap_err();
    let DeliveryError::Permanent(message) = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("https"), "{message}");
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_other_host_sees_nothing() {
    let canary = MockServer::start().await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("location", format!("{}/stolen", canary.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let err = deliver(
        &settings(&server, IssueMode::PerResource),
        &default_api(),
        Some(&Secret::new(TOKEN)),
        &[alert("a", "A", AlertKind::Dead, "x")],
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)), "{err:?}");
    assert_eq!(canary.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_transient_and_bad_tokens_permanent() {
    for (status, headers, transient) in [
        (502, vec![], true),
        (429, vec![], true),
        (403, vec![("x-ratelimit-remaining", "0")], true),
        (401, vec![], false),
        (404, vec![], false),
    ] {
        let server = MockServer::start().await;
        let mut response = ResponseTemplate::new(status).set_body_json(json!({"message": "nope"}));
        for (name, value) in headers {
            response = response.insert_header(name, value);
        }
        Mock::given(method("GET"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = deliver(
            &settings(&server, IssueMode::PerResource),
            &default_api(),
            Some(&Secret::new(TOKEN)),
            &[alert("a", "A", AlertKind::Dead, "x")],
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(
            matches!(err, DeliveryError::Transient(_)),
            transient,
            "HTTP {status}: {err:?}"
        );
        let text = format!("{err}");
        assert!(!text.contains(TOKEN), "{text}");
    }
}

#[tokio::test]
async fn without_a_token_nothing_is_sent() {
    let server = api_with_open_issues(json!([])).await;
    let err = deliver(
        &settings(&server, IssueMode::PerResource),
        &default_api(),
        None,
        &[alert("a", "A", AlertKind::Dead, "x")],
        None,
    )
    .await
    .unwrap_err();
    assert!(format!("{err}").contains("GITHUB_TOKEN"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}
