//! Plain websites: is the page there, where did it go, did it change.
//!
//! The cheapest request that answers the question is sent first:
//!
//! - validators from the previous run: one conditional GET (304 = unchanged);
//! - otherwise HEAD; then GET when HEAD is refused (405, 403, 501), when the
//!   answer has no ETag or Last-Modified (the page body becomes the change
//!   detector, hashed after normalisation), or to confirm a 404/410 (some
//!   servers answer HEAD 404 for live pages; a dead verdict must not rest on
//!   it) until the host has shown that its HEAD answers agree with GET (see
//!   [`HeadTrust`]). A HEAD that timed out is not retried as a GET.
//!
//! What was seen becomes a [`Signal`] here; whether that makes the entry
//! dead, stale or ok is for `policy` to say. Bot walls, login walls and rate
//! limits are never reported as gone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use jiff::Timestamp;
use jiff::fmt::rfc2822::DateTimeParser;
use sha2::{Digest, Sha256};
use url::Url;

use crate::catalog::platform::Platform;
use crate::observation::{Dated, Observation, Signal, Validators};
use crate::probe::fetch::{Fetch, FetchError, Request, Response};
use crate::reason::Reason;

const ACCEPT: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

/// HEAD 404/410s a host must have had confirmed by GET before its HEAD
/// 404s are believed without asking again.
pub const TRUST_AFTER: u32 = 3;

/// What one run has learned of each host's answers to HEAD. A HEAD 404/410
/// is confirmed with GET until its host has earned trust: a HEAD that
/// succeeded (so HEAD works there for live pages) and [`TRUST_AFTER`] HEAD
/// 404/410s that GET confirmed, none contradicted. One contradiction and the
/// host is confirmed for the rest of the run. A catalog with a few URLs per
/// host sees no difference; a host with many dead links is spared most of the
/// second requests.
#[derive(Debug, Default)]
pub struct HeadTrust {
    hosts: Mutex<HashMap<String, HostRecord>>,
}

#[derive(Debug, Default)]
struct HostRecord {
    head_succeeded: bool,
    confirmed: u32,
    contradicted: bool,
}

impl HeadTrust {
    fn trusts_missing(&self, host: &str) -> bool {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .get(host)
            .is_some_and(|r| r.head_succeeded && r.confirmed >= TRUST_AFTER && !r.contradicted)
    }

    fn record(&self, host: &str, learn: impl FnOnce(&mut HostRecord)) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        learn(hosts.entry(host.to_owned()).or_default());
    }
}

/// Probes one website URL. `known` are the validators the previous run kept;
/// `trust` is what this run has learned of the hosts' HEAD answers.
pub async fn probe_website<F: Fetch>(
    fetch: &F,
    url: &Url,
    known: &Validators,
    trust: &HeadTrust,
    now: Timestamp,
) -> Observation {
    let started = Instant::now();
    let mut evidence = Vec::new();
    let result = if known.is_empty() {
        head_then_get(fetch, url, trust, &mut evidence).await
    } else {
        let mut request = Request::get(url.clone()).header("accept", ACCEPT);
        request.validators = known.clone();
        evidence.push("conditional GET".to_owned());
        fetch.fetch(request).await
    };
    let mut observation = Observation {
        url: url.to_string(),
        platform: Platform::Website,
        signal: Signal::Alive,
        http_status: None,
        final_url: None,
        redirects: Vec::new(),
        last_updated: None,
        validators: Validators::default(),
        fingerprint: None,
        newer_version: None,
        evidence,
        checked_at: now,
        duration_ms: 0,
    };
    match result {
        Ok(response) => describe(&mut observation, url, known, &response, now),
        Err(err) => {
            observation.evidence.push(err.to_string());
            observation.signal = signal_for_error(&err);
        }
    }
    observation.duration_ms = started.elapsed().as_millis() as u64;
    observation
}

async fn head_then_get<F: Fetch>(
    fetch: &F,
    url: &Url,
    trust: &HeadTrust,
    evidence: &mut Vec<String>,
) -> Result<Response, FetchError> {
    let head = fetch
        .fetch(Request::head(url.clone()).header("accept", ACCEPT))
        .await?;
    // The host that answered, after any redirects.
    let host = head.final_url.origin().ascii_serialization();
    let missing = matches!(head.status, 404 | 410);
    let reason = match head.status {
        405 | 403 | 501 => format!("HEAD answered {}, retried with GET", head.status),
        404 | 410 if trust.trusts_missing(&host) => {
            evidence.push(format!(
                "HEAD answered {}, not confirmed with GET: this host's HEAD 404s agreed with GET {TRUST_AFTER} times in this run",
                head.status
            ));
            return Ok(head);
        }
        404 | 410 => format!("HEAD answered {}, confirmed with GET", head.status),
        200..=299 => {
            trust.record(&host, |r| r.head_succeeded = true);
            if head.header("etag").is_some() || head.header("last-modified").is_some() {
                return Ok(head);
            }
            "no validators, GET for the page fingerprint".to_owned()
        }
        _ => return Ok(head),
    };
    evidence.push(reason);
    // The HEAD's own retries, before its answer is set aside for the GET's.
    evidence.extend(head.notes.iter().cloned());
    let get = fetch
        .fetch(Request::get(url.clone()).header("accept", ACCEPT))
        .await?;
    if missing {
        let agreed = matches!(get.status, 404 | 410);
        trust.record(&host, |r| {
            if agreed {
                r.confirmed += 1;
            } else {
                r.contradicted = true;
            }
        });
    }
    Ok(get)
}

/// Fills `observation` from an HTTP answer.
fn describe(
    observation: &mut Observation,
    url: &Url,
    known: &Validators,
    response: &Response,
    now: Timestamp,
) {
    observation.http_status = Some(response.status);
    observation.final_url = Some(response.final_url.to_string());
    observation.redirects = response.hops.clone();
    observation.evidence.extend(response.notes.iter().cloned());
    observation
        .evidence
        .push(format!("HTTP {}", response.status));
    if !response.hops.is_empty() {
        observation.evidence.push(format!(
            "{} redirect(s) to {}",
            response.hops.len(),
            response.final_url
        ));
    }
    observation.validators = Validators {
        etag: response.header("etag").map(str::to_owned),
        last_modified: response.header("last-modified").map(str::to_owned),
    };
    if response.status == 304 {
        // A 304 may omit the validators; the known ones still hold.
        if observation.validators.etag.is_none() {
            observation.validators.etag = known.etag.clone();
        }
        if observation.validators.last_modified.is_none() {
            observation.validators.last_modified = known.last_modified.clone();
        }
    }
    if let Some(date) = observation.validators.last_modified.as_deref() {
        match DateTimeParser::new()
            .relaxed_weekday(true)
            .parse_timestamp(date.trim())
        {
            Ok(at) => {
                observation.last_updated = Some(Dated {
                    at,
                    source: "http:last-modified".to_owned(),
                })
            }
            Err(_) => observation
                .evidence
                .push(format!("Last-Modified {date:?} is not an HTTP date")),
        }
    }
    if (200..300).contains(&response.status) && !response.body.is_empty() {
        observation.fingerprint = Some(fingerprint(&response.body));
        if response.truncated {
            observation.evidence.push(format!(
                "fingerprint of the first {} bytes",
                response.body.len()
            ));
        }
    }
    observation.signal = signal_for_response(url, response, now, &mut observation.evidence);
}

/// The decisive fact of an HTTP answer. Bot walls are recognised before any
/// status is taken at face value.
pub fn signal_for_response(
    url: &Url,
    response: &Response,
    now: Timestamp,
    evidence: &mut Vec<String>,
) -> Signal {
    let status = response.status;
    if let Some(why) = bot_wall(response) {
        evidence.push(why.clone());
        return Signal::blocked(Reason::BotWall, why);
    }
    match status {
        304 => Signal::NotModified,
        200..=399 => {
            let permanent = !response.hops.is_empty()
                && response
                    .hops
                    .iter()
                    .all(|hop| matches!(hop.status, 301 | 308));
            if permanent && response.final_url != *url {
                Signal::moved(Reason::RedirectPermanent, response.final_url.to_string())
            } else {
                Signal::Alive
            }
        }
        404 | 410 => Signal::gone(Reason::Http(status), format!("the page answered {status}")),
        401 | 403 => Signal::blocked(
            Reason::LoginWall,
            format!("the page answered {status} (a login wall or bot protection)"),
        ),
        451 => Signal::blocked(
            Reason::LegalBlock,
            "the page answered 451: unavailable for legal reasons",
        ),
        429 => {
            let retry_at = response.header("retry-after").and_then(|value| {
                match crate::probe::engine::retry::parse_retry_after(value, now) {
                    crate::probe::engine::retry::RetryAfter::Wait(wait) => now
                        .checked_add(jiff::SignedDuration::try_from(wait).ok()?)
                        .ok(),
                    crate::probe::engine::retry::RetryAfter::Garbage => None,
                }
            });
            Signal::RateLimited { retry_at }
        }
        408 | 500..=599 => {
            Signal::transient(Reason::ServerError, format!("the page answered {status}"))
        }
        _ => Signal::transient(Reason::Http(status), format!("the page answered {status}")),
    }
}

/// Recognises the answers of bot protection and login walls.
fn bot_wall(response: &Response) -> Option<String> {
    if let Some(value) = response.header("cf-mitigated") {
        return Some(format!("cf-mitigated: {value}"));
    }
    if !matches!(response.status, 401 | 403 | 429 | 503) {
        return None;
    }
    let server = response
        .header("server")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for (marker, name) in [
        ("cloudflare", "Cloudflare"),
        ("ddos-guard", "DDoS-Guard"),
        ("akamaighost", "Akamai"),
        ("sucuri", "Sucuri"),
    ] {
        if server.contains(marker) {
            return Some(format!("{name} answered {}", response.status));
        }
    }
    if response.header("x-amzn-waf-action").is_some() {
        return Some(format!("AWS WAF answered {}", response.status));
    }
    let head = String::from_utf8_lossy(&response.body[..response.body.len().min(16 * 1024)])
        .to_ascii_lowercase();
    for (marker, why) in [
        ("just a moment...", "a browser challenge page"),
        ("challenge-platform", "a browser challenge page"),
        ("captcha", "a CAPTCHA page"),
        (
            "please enable javascript and cookies",
            "a browser challenge page",
        ),
    ] {
        if head.contains(marker) {
            return Some(format!("{why} answered {}", response.status));
        }
    }
    None
}

/// What a request that got no HTTP answer says about the page. A name that
/// does not resolve is gone here; whether this run's resolver can be
/// believed is judged once every URL is in (`probe::network`).
fn signal_for_error(err: &FetchError) -> Signal {
    let transient = |reason: Reason| Signal::transient(reason, err.to_string());
    match err {
        FetchError::Refused(why) => Signal::Refused { why: why.clone() },
        FetchError::NoSuchHost(name) => {
            Signal::gone(Reason::NoSuchHost, format!("{name} does not resolve"))
        }
        FetchError::Timeout(_) => transient(Reason::Timeout),
        FetchError::Tls(_) => transient(Reason::TlsError),
        FetchError::Connect(_) => transient(Reason::NetworkError),
        FetchError::Protocol(_) => transient(Reason::ProtocolError),
        FetchError::TooManyRedirects(_)
        | FetchError::RedirectLoop(_)
        | FetchError::BadRedirect(_) => transient(Reason::RedirectError),
        FetchError::BudgetExhausted => Signal::unsettled(Reason::BudgetSpent, err.to_string()),
    }
}

/// SHA-256 (lowercase hex) of the page with scripts, styles, comments and
/// all whitespace removed, so a rotating nonce or a reindented template does
/// not count as a change.
pub fn fingerprint(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let normalised = normalise(&text);
    let digest = Sha256::digest(normalised.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        hex.push(DIGITS[usize::from(byte >> 4)] as char);
        hex.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    hex
}

fn normalise(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let skip_blocks = [
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<!--", "-->"),
    ];
    while rest < text.len() {
        let next = skip_blocks
            .iter()
            .filter_map(|(open, close)| lower[rest..].find(open).map(|at| (rest + at, *close)))
            .min_by_key(|(at, _)| *at);
        match next {
            Some((at, close)) => {
                out.extend(text[rest..at].chars().filter(|c| !c.is_whitespace()));
                rest = lower[at..]
                    .find(close)
                    .map_or(text.len(), |end| at + end + close.len());
            }
            None => {
                out.extend(text[rest..].chars().filter(|c| !c.is_whitespace()));
                rest = text.len();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::Hop;

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            truncated: false,
            final_url: Url::parse("https://example.org/page").unwrap(),
            hops: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn signal(response: &Response) -> Signal {
        let url = Url::parse("https://example.org/page").unwrap();
        let now: Timestamp = "2026-11-26T20:00:00Z".parse().unwrap();
        signal_for_response(&url, response, now, &mut Vec::new())
    }

    #[test]
    fn statuses_become_signals() {
        assert_eq!(signal(&response(200, &[])), Signal::Alive);
        assert_eq!(signal(&response(304, &[])), Signal::NotModified);
        assert_eq!(
            signal(&response(404, &[])),
            Signal::gone(Reason::Http(404), "the page answered 404")
        );
        assert_eq!(
            signal(&response(410, &[])),
            Signal::gone(Reason::Http(410), "the page answered 410")
        );
        assert!(matches!(
            signal(&response(503, &[])),
            Signal::Transient { .. }
        ));
        assert!(matches!(
            signal(&response(403, &[])),
            Signal::Blocked { .. }
        ));
        assert_eq!(
            signal(&response(429, &[("retry-after", "60")])),
            Signal::RateLimited {
                retry_at: Some("2026-11-26T20:01:00Z".parse().unwrap())
            }
        );
    }

    #[test]
    fn bot_walls_are_blocked_never_gone() {
        for r in [
            response(403, &[("cf-mitigated", "challenge")]),
            response(429, &[("cf-mitigated", "challenge")]),
            response(503, &[("server", "cloudflare")]),
            response(404, &[("cf-mitigated", "challenge")]),
        ] {
            assert!(matches!(signal(&r), Signal::Blocked { .. }), "{r:?}");
        }
        let mut page = response(503, &[]);
        page.body = b"<title>Just a moment...</title>".to_vec();
        assert!(matches!(signal(&page), Signal::Blocked { .. }));
    }

    #[test]
    fn only_an_all_permanent_chain_is_a_move() {
        let hop = |status| Hop {
            status,
            url: "https://example.org/page".into(),
        };
        let mut moved = response(200, &[]);
        moved.final_url = Url::parse("https://example.org/new").unwrap();
        moved.hops = vec![hop(301), hop(308)];
        assert_eq!(
            signal(&moved),
            Signal::moved(Reason::RedirectPermanent, "https://example.org/new")
        );
        moved.hops = vec![hop(301), hop(302)];
        assert_eq!(signal(&moved), Signal::Alive);
        moved.hops = vec![hop(301)];
        moved.status = 404;
        assert!(
            matches!(signal(&moved), Signal::Gone { .. }),
            "moved to a dead page is dead"
        );
    }

    #[test]
    fn fingerprints_ignore_scripts_styles_comments_and_whitespace() {
        let a =
            fingerprint(b"<html>\n  <body><script>var n=1;</script><p>Data  set</p></body></html>");
        let b = fingerprint(
            b"<html><body>\n<SCRIPT type=x>var n=2;</SCRIPT><!-- built 12:00 --><style>p{}</style><p>Data set</p>\n</body></html>",
        );
        let c = fingerprint(b"<html><body><p>Dataset v2</p></body></html>");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
        );
        assert_eq!(
            fingerprint(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // An unclosed script swallows the rest instead of panicking.
        fingerprint("<p>é</p><script>never closed".as_bytes());
    }
}
