//! Plumbing every platform provider shares: building API URLs under a
//! configured base, binding a credential to exactly that base's host, reading a
//! JSON answer, and turning the HTTP statuses all platforms use alike into
//! signals.
//!
//! A provider answers with a [`Found`]: the signal plus the facts behind it.
//! The dispatcher (`probe::probe_catalog`) adds the URL, the platform and the
//! timing to make an `Observation`.
//!
//! Reason codes: a `why` text (in `Gone`, `Blocked`, `Transient`) may start with
//! a stable code and ": " (`"github-disabled: the repository is disabled"`);
//! `policy::classify` reports that code as the verdict's reason. Without one, the
//! classifier derives the code from the HTTP status.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use jiff::Timestamp;
use serde_json::Value;
use url::Url;

use crate::observation::{
    Dated, DeclaredAccess, DeclaredLicense, Hop, Manifest, Measure, NewerVersion, Signal, Unit,
    Versioned,
};
use crate::probe::fetch::{Credential, Fetch, FetchError, Request, Response};
use crate::reason::Reason;
use crate::secret::Secret;

/// What a provider established about one URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub signal: Signal,
    pub http_status: Option<u16>,
    pub final_url: Option<String>,
    pub redirects: Vec<Hop>,
    pub last_updated: Option<Dated>,
    /// A newer version the platform names (see `Observation::newer_version`).
    pub newer_version: Option<NewerVersion>,
    pub manifest: Option<Manifest>,
    pub license: Option<DeclaredLicense>,
    pub access: Option<DeclaredAccess>,
    /// The version the platform names as current.
    pub version: Option<Versioned>,
    /// The sizes the platform reports.
    pub size: Vec<Measure>,
    pub evidence: Vec<String>,
}

impl Found {
    pub fn new(signal: Signal) -> Found {
        Found {
            signal,
            http_status: None,
            final_url: None,
            redirects: Vec::new(),
            last_updated: None,
            newer_version: None,
            manifest: None,
            license: None,
            access: None,
            version: None,
            size: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// A signal backed by this API answer (status, final URL, hops).
    pub fn answered(signal: Signal, response: &Response) -> Found {
        Found {
            http_status: Some(response.status),
            final_url: Some(response.final_url.to_string()),
            redirects: response.hops.clone(),
            evidence: response.notes.clone(),
            ..Found::new(signal)
        }
    }

    pub fn dated(mut self, date: Option<Dated>) -> Found {
        self.last_updated = date;
        self
    }

    /// The current version, read from `source` (`tcia:version_number`).
    pub fn versioned(mut self, label: Option<String>, source: &str) -> Found {
        self.version = label
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .map(|label| Versioned {
                label,
                source: source.to_owned(),
            });
        self
    }

    /// One more size count, read from `source`, when the platform gave one.
    pub fn measured(mut self, count: Option<u64>, unit: Unit, source: &str) -> Found {
        if let Some(count) = count {
            self.size.push(Measure {
                count,
                unit,
                source: source.to_owned(),
            });
        }
        self
    }

    pub fn note(mut self, fact: impl Into<String>) -> Found {
        self.evidence.push(fact.into());
        self
    }
}

/// `base` with `segments` appended, each percent-encoded as one path segment
/// (a `/` inside a segment becomes `%2F`).
pub fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(segments);
    }
    url
}

/// A credential for the API at `base`: only when `base` is https, bound to its
/// exact host and port. The engine checks the same again before sending.
pub fn credential_for(base: &Url, authorization: String) -> Option<Credential> {
    if base.scheme() != "https" {
        return None;
    }
    Some(Credential {
        host: base.host_str()?.to_owned(),
        port: base.port_or_known_default()?,
        authorization: Secret::new(authorization),
    })
}

/// A GET for a JSON API: no redirects followed unless asked, body read.
pub fn api_get(url: Url) -> Request {
    let mut request = Request::get(url).header("Accept", "application/json");
    request.follow_redirects = false;
    request
}

/// The network failed to produce an answer from a platform API. An API host
/// that cannot be reached says nothing about the resource: transient. A
/// refused redirect hop or target is our own policy, and names the address.
pub fn fetch_failed(err: &FetchError) -> Found {
    let reason = match err {
        FetchError::Refused(text) => return Found::new(Signal::Refused { why: text.clone() }),
        FetchError::BudgetExhausted => {
            return Found::new(Signal::unsettled(Reason::BudgetSpent, err.to_string()));
        }
        FetchError::NoSuchHost(_) => Reason::ApiUnreachable,
        FetchError::Timeout(_) => Reason::Timeout,
        FetchError::Tls(_) => Reason::TlsError,
        FetchError::Connect(_) => Reason::NetworkError,
        FetchError::Protocol(_) => Reason::ProtocolError,
        FetchError::TooManyRedirects(_)
        | FetchError::RedirectLoop(_)
        | FetchError::BadRedirect(_) => Reason::RedirectError,
    };
    Found::new(Signal::transient(reason, err.to_string()))
}

/// Sends `request`; an answer comes back as a response, a network failure as
/// the [`Found`] that reports it.
pub async fn send<F: Fetch>(fetch: &F, request: Request) -> Result<Response, Found> {
    fetch.fetch(request).await.map_err(|err| fetch_failed(&err))
}

/// The body as JSON, or a transient finding naming the API that sent garbage.
pub fn json(response: &Response) -> Result<Value, Found> {
    if response.truncated {
        return Err(Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                "the API answer exceeded the body size cap",
            ),
            response,
        ));
    }
    serde_json::from_slice(&response.body).map_err(|err| {
        Found::answered(
            Signal::transient(
                Reason::BadApiAnswer,
                format!("the API answer is not the JSON expected: {err}"),
            ),
            response,
        )
    })
}

/// Whether a response says we were rate limited (429, or 403 with the
/// rate-limit headers or message). Says nothing about the resource.
pub fn is_rate_limited(response: &Response) -> bool {
    match response.status {
        429 => true,
        // A 403 is a rate limit only when it says so: the remaining count
        // at 0, or the message (GitHub's "API rate limit exceeded", "secondary
        // rate limit", and the older "abuse detection mechanism", as PyGithub
        // reads them). Zenodo sends Retry-After on every answer, so that
        // header alone proves nothing.
        403 => {
            let body = String::from_utf8_lossy(&response.body).to_ascii_lowercase();
            response.header("x-ratelimit-remaining") == Some("0")
                || body.contains("rate limit")
                || body.contains("abuse detection")
        }
        _ => false,
    }
}

/// When the platform says we may ask again: `Retry-After` (seconds or an HTTP
/// date), else `x-ratelimit-reset` (Unix seconds).
pub fn retry_at(response: &Response, now: Timestamp) -> Option<Timestamp> {
    if let Some(value) = response.header("retry-after") {
        let value = value.trim();
        if let Ok(secs) = value.parse::<i64>() {
            return now
                .checked_add(jiff::SignedDuration::from_secs(secs.clamp(0, 86_400 * 7)))
                .ok();
        }
        if let Ok(at) = jiff::fmt::rfc2822::parse(value) {
            return Some(at.timestamp());
        }
    }
    // The reset of the primary window says when only once it is used up.
    if response.header("x-ratelimit-remaining") != Some("0") {
        return None;
    }
    response
        .header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| Timestamp::from_second(secs).ok())
}

/// The signals every platform shares for an answer that is not a success;
/// `not_found` is the platform's code for a 404 or 410.
pub fn unsuccessful(response: &Response, not_found: Reason) -> Found {
    let status = response.status;
    let signal = if response
        .header("cf-mitigated")
        .is_some_and(|v| v.eq_ignore_ascii_case("challenge"))
    {
        Signal::blocked(
            Reason::BotWall,
            "the platform answered with a bot challenge",
        )
    } else if is_rate_limited(response) {
        Signal::RateLimited {
            // When the platform lets us in again is a fact of the real clock.
            retry_at: retry_at(response, Timestamp::now()),
        }
    } else {
        match status {
            404 | 410 => Signal::gone(not_found, format!("the API answered {status}")),
            401 | 403 => Signal::blocked(
                Reason::AccessDenied,
                format!(
                    "the API answered {status}: private, behind a login, or blocked at the platform's edge"
                ),
            ),
            408 | 500..=599 => {
                Signal::transient(Reason::ServerError, format!("the API answered {status}"))
            }
            _ => Signal::transient(Reason::Http(status), format!("the API answered {status}")),
        }
    };
    Found::answered(signal, response)
}

/// Reads a timestamp as platforms write them: RFC 3339 with an offset, a
/// date-time without one (taken as UTC), or a bare date (midnight UTC).
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    if let Ok(civil) = text.parse::<jiff::civil::DateTime>() {
        return civil
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

/// The date at JSON `pointer` in `value`, named `source` in reports.
pub fn date_at(value: &Value, pointer: &str, source: &str) -> Option<Dated> {
    let at = parse_time(value.pointer(pointer)?.as_str()?)?;
    Some(Dated {
        at,
        source: source.to_owned(),
    })
}

/// The first of several candidate dates that is present.
pub fn first_date(value: &Value, candidates: &[(&str, &str)]) -> Option<Dated> {
    candidates
        .iter()
        .find_map(|(pointer, source)| date_at(value, pointer, source))
}

/// A count as platforms write it: a JSON number, or a number in a string
/// (`"1,384"` included).
pub fn count_at(value: &Value, pointer: &str) -> Option<u64> {
    match value.pointer(pointer)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().replace(',', "").parse().ok(),
        _ => None,
    }
}

/// A text field, trimmed, when it is present and not empty (a number is
/// written as text: versions are often numbers).
pub fn text_at(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Standard base64 (RFC 4648, with padding), for HTTP Basic credentials.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `url` is served by the same scheme, host and port as `base`: a
/// link an API hands us is only followed when it stays on that API.
pub fn same_origin(url: &Url, base: &Url) -> bool {
    url.scheme() == base.scheme()
        && url.host_str().map(str::to_ascii_lowercase)
            == base.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == base.port_or_known_default()
}

#[cfg(test)]
pub mod testing {
    //! A canned [`Fetch`] for provider unit tests: answers by method and URL,
    //! and records every request it was asked to send.

    use std::sync::Mutex;

    use url::Url;

    use crate::probe::fetch::{Fetch, FetchError, Method, Request, Response};

    #[derive(Default)]
    pub struct Canned {
        answers: Vec<(Method, String, Result<Response, FetchError>)>,
        pub seen: Mutex<Vec<Request>>,
    }

    pub fn response(url: &str, status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            truncated: false,
            final_url: Url::parse(url).unwrap(),
            hops: Vec::new(),
            notes: Vec::new(),
        }
    }

    impl Canned {
        pub fn get(self, url: &str, status: u16, body: &str) -> Canned {
            self.answer(Method::Get, url, Ok(response(url, status, body)))
        }

        pub fn answer(
            mut self,
            method: Method,
            url: &str,
            answer: Result<Response, FetchError>,
        ) -> Canned {
            self.answers.push((method, url.to_owned(), answer));
            self
        }

        pub fn urls(&self) -> Vec<String> {
            self.seen
                .lock()
                .unwrap()
                .iter()
                .map(|r| r.url.to_string())
                .collect()
        }
    }

    impl Fetch for Canned {
        async fn fetch(&self, request: Request) -> Result<Response, FetchError> {
            let key = request.url.to_string();
            let method = request.method;
            self.seen.lock().unwrap().push(request);
            self.answers
                .iter()
                .find(|(m, url, _)| *m == method && *url == key)
                .map(|(_, _, answer)| answer.clone())
                .unwrap_or_else(|| Err(FetchError::Connect(format!("no canned answer for {key}"))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn credentials_bind_to_https_hosts_only() {
        let https = Url::parse("https://api.github.com").unwrap();
        let cred = credential_for(&https, "Bearer x".into()).unwrap();
        assert_eq!((cred.host.as_str(), cred.port), ("api.github.com", 443));
        let http = Url::parse("http://127.0.0.1:8080/api").unwrap();
        assert!(credential_for(&http, "Bearer x".into()).is_none());
    }

    #[test]
    fn endpoints_encode_each_segment() {
        let base = Url::parse("https://gitlab.com/api/v4").unwrap();
        assert_eq!(
            endpoint(&base, &["projects", "group/sub/project"]).as_str(),
            "https://gitlab.com/api/v4/projects/group%2Fsub%2Fproject"
        );
        let base = Url::parse("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            endpoint(&base, &["repos", "o", "r"]).as_str(),
            "http://127.0.0.1:9/repos/o/r"
        );
    }

    #[test]
    fn platform_dates_parse_with_and_without_offsets() {
        let utc = |s: &str| parse_time(s).unwrap().to_string();
        assert_eq!(utc("2024-05-01T10:00:00Z"), "2024-05-01T10:00:00Z");
        assert_eq!(utc("2024-05-01T12:00:00+02:00"), "2024-05-01T10:00:00Z");
        assert_eq!(utc("2020-03-22T10:40:29.337"), "2020-03-22T10:40:29.337Z");
        assert_eq!(utc("2020-03-22"), "2020-03-22T00:00:00Z");
        assert!(parse_time("last tuesday").is_none());
    }

    #[test]
    fn bot_challenges_are_blocked_not_gone() {
        let mut r = testing::response(
            "https://api.example/x",
            403,
            "<html>Just a moment...</html>",
        );
        r.headers.push(("cf-mitigated".into(), "challenge".into()));
        assert!(matches!(
            unsuccessful(&r, Reason::Http(404)).signal,
            Signal::Blocked {
                reason: Reason::BotWall,
                ..
            }
        ));
        let gone = testing::response("https://api.example/x", 410, "{}");
        assert!(matches!(
            unsuccessful(&gone, Reason::ZenodoNotFound).signal,
            Signal::Gone {
                reason: Reason::ZenodoNotFound,
                ..
            }
        ));
        let busy = testing::response("https://api.example/x", 503, "{}");
        assert!(matches!(
            unsuccessful(&busy, Reason::ZenodoNotFound).signal,
            Signal::Transient {
                reason: Reason::ServerError,
                ..
            }
        ));
    }

    #[test]
    fn rate_limits_are_recognised_from_headers_and_messages() {
        let mut r = testing::response("https://api.github.com/x", 403, "{}");
        assert!(!is_rate_limited(&r));
        r.headers.push(("x-ratelimit-remaining".into(), "0".into()));
        r.headers
            .push(("x-ratelimit-reset".into(), "1800000000".into()));
        assert!(is_rate_limited(&r));
        assert_eq!(
            retry_at(&r, Timestamp::UNIX_EPOCH).unwrap(),
            Timestamp::from_second(1_800_000_000).unwrap()
        );
        let secondary = testing::response(
            "https://api.github.com/x",
            403,
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        );
        assert!(is_rate_limited(&secondary));
    }
}
