//! Plain websites: is the page there, where did it go, did it change.
//!
//! One request per URL, one per redirect hop:
//!
//! - validators from the previous run: one conditional GET (`If-None-Match`,
//!   `If-Modified-Since`); a 304 is the cheapest "unchanged" there is;
//! - otherwise one GET, its body read at most [`FINGERPRINT_BYTES`] far (the
//!   fingerprint of the normalised page is the change detector for the many
//!   pages that send no validator), redirects followed once by the engine,
//!   the final page's answer being the answer.
//!
//! HEAD is not sent. It was worth a request only where the answer carried
//! validators; on the pages that send none (most dynamic pages) it cost a
//! second request, it follows a redirect chain that the GET then walks
//! again, and some servers answer HEAD 404 for live pages (redis.io,
//! pub.dev and scalatest.org have been reported doing so), so a dead
//! verdict could never rest on it. A GET's 404 is the page's own answer, and
//! its cost is bounded by the body cap.
//!
//! What was seen becomes a [`Signal`] here; whether that makes the entry
//! dead, stale or ok is for `policy` to say. Bot walls, login walls and rate
//! limits are never reported as gone.

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

/// How much of a page is read: the fingerprint covers the first 256 KiB of
/// the page (a change past that goes unseen, and the engine's cap still
/// bounds everything else read).
pub const FINGERPRINT_BYTES: usize = 256 * 1024;

/// Probes one website URL. `known` are the validators the previous run kept.
pub async fn probe_website<F: Fetch>(
    fetch: &F,
    url: &Url,
    known: &Validators,
    now: Timestamp,
) -> Observation {
    let started = Instant::now();
    let mut evidence = Vec::new();
    let mut request = Request::get(url.clone()).header("accept", ACCEPT);
    request.max_body_bytes = Some(FINGERPRINT_BYTES);
    if !known.is_empty() {
        request.validators = known.clone();
        evidence.push("conditional GET".to_owned());
    }
    let result = fetch.fetch(request).await;
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
        manifest: None,
        license: None,
        access: None,
        version: None,
        size: Vec::new(),
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

/// The `Crawl-delay` robots.txt asks of catwatch, in seconds: the group
/// naming `catwatch` wins over the `*` group; none, or a value that is no
/// number, is `None`. (Crawl-delay is not in RFC 9309, but many sites set
/// it, and it is what they ask of a crawler that returns every night.)
pub fn crawl_delay(robots: &str) -> Option<f64> {
    let mut agents: Vec<String> = Vec::new();
    let mut in_rules = false;
    let (mut ours, mut anyone) = (None, None);
    for line in robots.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        match key.as_str() {
            "user-agent" => {
                if in_rules {
                    agents.clear();
                    in_rules = false;
                }
                agents.push(value.to_ascii_lowercase());
            }
            "crawl-delay" => {
                in_rules = true;
                let Ok(seconds) = value.parse::<f64>() else {
                    continue;
                };
                if !seconds.is_finite() || seconds < 0.0 {
                    continue;
                }
                if agents.iter().any(|a| a.contains("catwatch")) {
                    ours = Some(seconds);
                } else if agents.iter().any(|a| a == "*") {
                    anyone = anyone.or(Some(seconds));
                }
            }
            _ => in_rules = true,
        }
    }
    ours.or(anyone)
}

/// The longest Crawl-delay honoured: past it, a host would hold the run
/// (its budget still ends it).
pub const MAX_CRAWL_DELAY_SECS: f64 = 60.0;

/// Reads `origin`'s robots.txt (one small GET per host and run) and slows
/// the requests to that host to its `Crawl-delay`. Returns the delay kept.
pub async fn honour_crawl_delay<F: Fetch>(fetch: &F, origin: &Url) -> Option<std::time::Duration> {
    let robots = origin.join("/robots.txt").ok()?;
    let mut request = Request::get(robots).header("accept", "text/plain");
    request.max_body_bytes = Some(64 * 1024);
    let response = fetch.fetch(request).await.ok()?;
    if response.status != 200 {
        return None;
    }
    let seconds = crawl_delay(&String::from_utf8_lossy(&response.body))?;
    let delay = std::time::Duration::from_secs_f64(seconds.min(MAX_CRAWL_DELAY_SECS));
    let authority = format!("{}:{}", origin.host_str()?, origin.port_or_known_default()?);
    fetch.slow_down(&authority, delay);
    Some(delay)
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
                "fingerprint of the first {} bytes of the page",
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

    #[test]
    fn crawl_delay_is_read_from_our_group_else_everyone_s() {
        let robots = "User-agent: *\nDisallow: /private\nCrawl-delay: 5\n\nUser-agent: catwatch\nCrawl-delay: 2.5\n";
        assert_eq!(crawl_delay(robots), Some(2.5));
        assert_eq!(
            crawl_delay("User-agent: *\nCrawl-delay: 10 # be kind\n"),
            Some(10.0)
        );
        assert_eq!(crawl_delay("User-agent: googlebot\nCrawl-delay: 9\n"), None);
        assert_eq!(crawl_delay("User-agent: *\nCrawl-delay: soon\n"), None);
        assert_eq!(
            crawl_delay("User-agent: a\nUser-agent: *\nCrawl-delay: 3\n"),
            Some(3.0)
        );
        assert_eq!(crawl_delay(""), None);
    }
}
