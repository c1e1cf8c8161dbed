//! The benchmark's fixture: many "hosts" on loopback answering like websites.
//!
//! ```text
//! cargo run --release --example fixture_server -- [--port P] [--hosts 20]
//!     [--first-ip 10] [--latency-ms 20] [--slow-ms 1500] [--head-liar-hosts 1]
//! ```
//!
//! Listens on 127.0.0.<first-ip> .. 127.0.0.<first-ip + hosts - 1>, all on
//! the same port (0 = a free one), so each address is a separate host for
//! every client. Prints `ready <port>` on stdout once listening. Every answer
//! comes after `latency-ms`; the path decides what it is, as on the real web
//! (most pages carry no validator at all):
//!
//! | path                  | answer                                                   |
//! |-----------------------|----------------------------------------------------------|
//! | `/page/<id>`          | 200, a small HTML page, no ETag, no Last-Modified        |
//! | `/etag/<id>`          | 200 with an ETag only; 304 when `If-None-Match` matches  |
//! | `/lm/<id>`            | 200 with Last-Modified only; 304 when `If-Modified-Since` is that date or later |
//! | `/ok/<id>`            | 200 with both; 304 on either conditional (`If-None-Match` wins when both are sent, RFC 9110 §13.2.2) |
//! | `/missing/<id>`       | 404                                                      |
//! | `/chain/<hops>/<id>`  | hops 1..3: 301 to `/chain/<hops-1>/<id>`, the last hop to `/page/final-<id>`, same host |
//! | `/slow/<id>`          | like `/page`, after `slow-ms` more                       |
//! | anything else         | 404 (`/robots.txt` too, counted as its own kind)         |
//! | `/__stats`            | JSON, see below (not counted, not delayed)              |
//! | `/__reset`            | zeroes every counter: a fresh stats window, same port    |
//!
//! The first `head-liar-hosts` hosts (default 1: 127.0.0.<first-ip>) answer
//! every HEAD with 404, as some real servers do; their GETs tell the truth.
//!
//! `/__stats` gives: connections; requests by method (`head`, `get`,
//! `other`) and by kind of path (`by_kind`); `conditional` (requests that
//! carried `If-None-Match` or `If-Modified-Since`), `not_modified` (304s
//! answered), `redirects` (301s answered); the time from the first request to
//! the last answer (`busy_ms`); the most requests in flight at once per host
//! and in total; and `validator_pages`, per URL of the `etag`, `lm` and `ok`
//! kinds: how many were asked (`urls`), and how many of them cost exactly one
//! request, a conditional one, answered 304 (`one_conditional_304`).
//!
//! The in-flight figures are measured here, on the server's side, so a
//! client's per-host concurrency limit can be verified from outside it.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

struct Options {
    port: u16,
    hosts: u8,
    first_ip: u8,
    latency: Duration,
    slow: Duration,
    head_liar_hosts: u8,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        hosts: 20,
        first_ip: 10,
        latency: Duration::from_millis(20),
        slow: Duration::from_millis(1500),
        head_liar_hosts: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: {v:?} is not a number"))
        };
        match flag.as_str() {
            "--port" => options.port = number(&value)? as u16,
            "--hosts" => options.hosts = number(&value)?.clamp(1, 200) as u8,
            "--first-ip" => options.first_ip = number(&value)?.clamp(1, 54) as u8,
            "--latency-ms" => options.latency = Duration::from_millis(number(&value)?),
            "--slow-ms" => options.slow = Duration::from_millis(number(&value)?),
            "--head-liar-hosts" => options.head_liar_hosts = number(&value)?.min(200) as u8,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[derive(Default)]
struct Stats {
    connections: AtomicU64,
    /// When the first request arrived and the last answer left.
    window: Mutex<Option<(std::time::Instant, std::time::Instant)>>,
    heads: AtomicU64,
    gets: AtomicU64,
    other: AtomicU64,
    conditional: AtomicU64,
    not_modified: AtomicU64,
    redirects: AtomicU64,
    /// Requests by the path's first segment (`page`, `etag`, ...).
    by_kind: Mutex<BTreeMap<String, u64>>,
    /// Per URL of a page with validators: (requests, conditional, 304s).
    validator_pages: Mutex<HashMap<String, (u64, u64, u64)>>,
    /// Per host (and "total"): (in flight now, most at once).
    in_flight: Mutex<BTreeMap<String, (u64, u64)>>,
    /// Requests in flight integrated over time (request-microseconds), when
    /// it last changed, and when the last request arrived: how well a client
    /// kept its slots busy, and how long its tail was.
    occupancy: Mutex<Occupancy>,
}

#[derive(Default)]
struct Occupancy {
    request_us: u128,
    changed: Option<std::time::Instant>,
    last_start: Option<std::time::Instant>,
}

impl Stats {
    fn enter(&self, host: &str) {
        let now = std::time::Instant::now();
        self.window.lock().unwrap().get_or_insert((now, now));
        let mut map = self.in_flight.lock().unwrap();
        self.occupy(now, map.get("total").map_or(0, |t| t.0), true);
        for key in [host, "total"] {
            let entry = map.entry(key.to_owned()).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(entry.0);
        }
    }

    /// Adds the time since the last change at `in_flight` requests.
    fn occupy(&self, now: std::time::Instant, in_flight: u64, starting: bool) {
        let mut occupancy = self.occupancy.lock().unwrap();
        if let Some(changed) = occupancy.changed {
            occupancy.request_us += now.duration_since(changed).as_micros() * u128::from(in_flight);
        }
        occupancy.changed = Some(now);
        if starting {
            occupancy.last_start = Some(now);
        }
    }

    fn leave(&self, host: &str) {
        let now = std::time::Instant::now();
        if let Some((_, last)) = self.window.lock().unwrap().as_mut() {
            *last = now;
        }
        let mut map = self.in_flight.lock().unwrap();
        self.occupy(now, map.get("total").map_or(0, |t| t.0), false);
        for key in [host, "total"] {
            if let Some(entry) = map.get_mut(key) {
                entry.0 -= 1;
            }
        }
    }

    /// A fresh window: every counter back to zero. Requests still in flight
    /// stay counted as in flight (the maxima restart from them).
    fn reset(&self) {
        for counter in [
            &self.connections,
            &self.heads,
            &self.gets,
            &self.other,
            &self.conditional,
            &self.not_modified,
            &self.redirects,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
        *self.window.lock().unwrap() = None;
        self.by_kind.lock().unwrap().clear();
        self.validator_pages.lock().unwrap().clear();
        let mut map = self.in_flight.lock().unwrap();
        map.retain(|_, entry| entry.0 > 0);
        for entry in map.values_mut() {
            entry.1 = entry.0;
        }
        *self.occupancy.lock().unwrap() = Occupancy::default();
    }

    fn json(&self) -> String {
        let map = self.in_flight.lock().unwrap();
        let per_host: Vec<String> = map
            .iter()
            .filter(|(host, _)| host.as_str() != "total")
            .map(|(host, (_, max))| format!("\"{host}\": {max}"))
            .collect();
        let window = *self.window.lock().unwrap();
        let busy_ms = window.map_or(0, |(first, last)| last.duration_since(first).as_millis());
        // Wall-clock times (ms since the epoch) of the first request and last answer.
        let epoch_ms = |at: std::time::Instant| {
            let ago = std::time::Instant::now().saturating_duration_since(at);
            (std::time::SystemTime::now() - ago)
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        };
        let (first_ms, last_ms) =
            window.map_or((0, 0), |(first, last)| (epoch_ms(first), epoch_ms(last)));
        let occupancy = self.occupancy.lock().unwrap();
        let mean_in_flight = if busy_ms == 0 {
            0.0
        } else {
            occupancy.request_us as f64 / (busy_ms as f64 * 1000.0)
        };
        let tail_ms = match (window, occupancy.last_start) {
            (Some((_, last)), Some(start)) => last.saturating_duration_since(start).as_millis(),
            _ => 0,
        };
        let by_kind: Vec<String> = self
            .by_kind
            .lock()
            .unwrap()
            .iter()
            .map(|(kind, n)| format!("\"{kind}\": {n}"))
            .collect();
        let pages = self.validator_pages.lock().unwrap();
        let (mut requests, mut conditional, mut not_modified, mut one) = (0, 0, 0, 0);
        for &(r, c, n) in pages.values() {
            requests += r;
            conditional += c;
            not_modified += n;
            if (r, c, n) == (1, 1, 1) {
                one += 1;
            }
        }
        format!(
            "{{\"connections\": {}, \"busy_ms\": {busy_ms}, \"first_ms\": {first_ms}, \"last_ms\": {last_ms}, \
             \"mean_in_flight\": {mean_in_flight:.1}, \"tail_ms\": {tail_ms}, \"head\": {}, \"get\": {}, \"other\": {}, \
             \"conditional\": {}, \"not_modified\": {}, \"redirects\": {}, \"by_kind\": {{{}}}, \
             \"validator_pages\": {{\"urls\": {}, \"requests\": {requests}, \"conditional\": {conditional}, \
             \"not_modified\": {not_modified}, \"one_conditional_304\": {one}}}, \
             \"max_in_flight_total\": {}, \"max_in_flight_per_host\": {{{}}}}}\n",
            self.connections.load(Ordering::SeqCst),
            self.heads.load(Ordering::SeqCst),
            self.gets.load(Ordering::SeqCst),
            self.other.load(Ordering::SeqCst),
            self.conditional.load(Ordering::SeqCst),
            self.not_modified.load(Ordering::SeqCst),
            self.redirects.load(Ordering::SeqCst),
            by_kind.join(", "),
            pages.len(),
            map.get("total").map_or(0, |(_, max)| *max),
            per_host.join(", ")
        )
    }
}

/// Counts a request in flight for as long as it lives.
struct InFlight {
    stats: Arc<Stats>,
    host: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.stats.leave(&self.host);
    }
}

const LAST_MODIFIED: &str = "Mon, 02 Nov 2026 10:00:00 GMT";

fn http_date(text: &str) -> Option<jiff::Timestamp> {
    static PARSER: jiff::fmt::rfc2822::DateTimeParser = jiff::fmt::rfc2822::DateTimeParser::new();
    PARSER.parse_timestamp(text.trim()).ok()
}

/// `If-None-Match` against `etag`: `*`, or any listed tag equal to it under
/// the weak comparison (RFC 9110 §13.1.2).
fn none_match_hits(value: &str, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    value
        .split(',')
        .any(|tag| tag.trim() == "*" || bare(tag) == bare(etag))
}

/// Whether a GET or HEAD for a page with these validators gets a 304
/// (RFC 9110 §13.2.2: `If-None-Match` decides when present; else
/// `If-Modified-Since` when the page has a date).
fn not_modified(headers: &HeaderMap, etag: Option<&str>, last_modified: Option<&str>) -> bool {
    if let Some(value) = headers.get(header::IF_NONE_MATCH) {
        let value = value.to_str().unwrap_or("");
        return etag.is_some_and(|etag| none_match_hits(value, etag));
    }
    match (headers.get(header::IF_MODIFIED_SINCE), last_modified) {
        (Some(since), Some(modified)) => {
            match (since.to_str().ok().and_then(http_date), http_date(modified)) {
                (Some(since), Some(modified)) => modified <= since,
                _ => false,
            }
        }
        _ => false,
    }
}

async fn answer(
    request: Request<Incoming>,
    host: String,
    head_liar: bool,
    stats: Arc<Stats>,
    options: Arc<Options>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    if path == "/__stats" {
        return Ok(Response::new(Full::new(Bytes::from(stats.json()))));
    }
    if path == "/__reset" {
        stats.reset();
        return Ok(Response::new(Full::new(Bytes::from_static(b"reset\n"))));
    }
    let method = request.method().clone();
    match method {
        Method::HEAD => stats.heads.fetch_add(1, Ordering::SeqCst),
        Method::GET => stats.gets.fetch_add(1, Ordering::SeqCst),
        _ => stats.other.fetch_add(1, Ordering::SeqCst),
    };
    let headers = request.headers();
    let conditional = headers.contains_key(header::IF_NONE_MATCH)
        || headers.contains_key(header::IF_MODIFIED_SINCE);
    if conditional {
        stats.conditional.fetch_add(1, Ordering::SeqCst);
    }
    let (kind, id) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or(("", ""));
    let known = ["page", "etag", "lm", "ok", "missing", "chain", "slow"];
    let kind_key = match kind {
        _ if known.contains(&kind) => kind,
        _ if path == "/robots.txt" => "robots.txt",
        _ => "other",
    };
    *stats
        .by_kind
        .lock()
        .unwrap()
        .entry(kind_key.to_owned())
        .or_default() += 1;
    stats.enter(&host);
    let _in_flight = InFlight {
        stats: stats.clone(),
        host,
    };
    tokio::time::sleep(options.latency).await;

    let page = |title: &str, etag: Option<&str>, last_modified: Option<&str>| {
        let mut builder = Response::builder().header("content-type", "text/html; charset=utf-8");
        if let Some(etag) = etag {
            builder = builder.header(header::ETAG, etag);
        }
        if let Some(date) = last_modified {
            builder = builder.header(header::LAST_MODIFIED, date);
        }
        let cacheable = matches!(method, Method::GET | Method::HEAD);
        if cacheable && not_modified(request.headers(), etag, last_modified) {
            stats.not_modified.fetch_add(1, Ordering::SeqCst);
            return builder
                .status(StatusCode::NOT_MODIFIED)
                .body(Full::new(Bytes::new()));
        }
        let body = format!(
            "<!doctype html><html><head><title>Dataset {title}</title></head>\
             <body><h1>Dataset {title}</h1><p>Chest imaging fixture page.</p></body></html>\n"
        );
        builder
            .status(StatusCode::OK)
            .body(Full::new(Bytes::from(body)))
    };
    let not_found = || {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(b"not found\n")))
    };
    let response = if head_liar && method == Method::HEAD {
        not_found()
    } else {
        match kind {
            "page" => page(id, None, None),
            "slow" => {
                tokio::time::sleep(options.slow).await;
                page(id, None, None)
            }
            "etag" => page(id, Some(&format!("\"etag-{id}\"")), None),
            "lm" => page(id, None, Some(LAST_MODIFIED)),
            "ok" => page(id, Some(&format!("\"ok-{id}\"")), Some(LAST_MODIFIED)),
            "chain" => match id.split_once('/') {
                Some((hops @ ("1" | "2" | "3"), rest)) if !rest.is_empty() => {
                    stats.redirects.fetch_add(1, Ordering::SeqCst);
                    let location = match hops {
                        "1" => format!("/page/final-{rest}"),
                        "2" => format!("/chain/1/{rest}"),
                        _ => format!("/chain/2/{rest}"),
                    };
                    Response::builder()
                        .status(StatusCode::MOVED_PERMANENTLY)
                        .header(header::LOCATION, location)
                        .body(Full::new(Bytes::new()))
                }
                _ => not_found(),
            },
            _ => not_found(),
        }
    };
    let response = response.expect("static response parts are valid");
    if matches!(kind, "etag" | "lm" | "ok") {
        let mut pages = stats.validator_pages.lock().unwrap();
        let entry = pages.entry(path).or_default();
        entry.0 += 1;
        entry.1 += u64::from(conditional);
        entry.2 += u64::from(response.status() == StatusCode::NOT_MODIFIED);
    }
    Ok(response)
}

fn main() -> std::process::ExitCode {
    let options = match options() {
        Ok(options) => Arc::new(options),
        Err(message) => {
            eprintln!("fixture_server: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(serve(options))
}

async fn serve(options: Arc<Options>) -> std::process::ExitCode {
    let stats = Arc::new(Stats::default());
    let mut port = options.port;
    let mut listeners = Vec::new();
    for i in 0..options.hosts {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, options.first_ip + i));
        match TcpListener::bind(SocketAddr::new(ip, port)).await {
            Ok(listener) => {
                port = listener.local_addr().expect("bound address").port();
                listeners.push((ip, i < options.head_liar_hosts, listener));
            }
            Err(err) => {
                eprintln!("fixture_server: cannot listen on {ip}:{port}: {err}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    println!("ready {port}");
    let mut tasks = Vec::new();
    for (ip, head_liar, listener) in listeners {
        let stats = stats.clone();
        let options = options.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                stats.connections.fetch_add(1, Ordering::SeqCst);
                let host = ip.to_string();
                let stats = stats.clone();
                let options = options.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        answer(
                            request,
                            host.clone(),
                            head_liar,
                            stats.clone(),
                            options.clone(),
                        )
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    std::process::ExitCode::SUCCESS
}
