//! The benchmark's fixture: many "hosts" on loopback answering like websites.
//!
//! ```text
//! cargo run --release --example fixture_server -- [--port P] [--hosts 20]
//!     [--first-ip 10] [--latency-ms 20] [--slow-ms 1500]
//! ```
//!
//! Listens on 127.0.0.<first-ip> .. 127.0.0.<first-ip + hosts - 1>, all on
//! the same port (0 = a free one), so each address is a separate host for
//! every client. Prints `ready <port>` on stdout once listening. Every answer
//! comes after `latency-ms`; the path decides what it is:
//!
//! | path            | answer                                                    |
//! |-----------------|-----------------------------------------------------------|
//! | `/ok/<id>`      | 200, a small HTML page, ETag and Last-Modified             |
//! | `/missing/<id>` | 404                                                       |
//! | `/moved/<id>`   | 301 to `/ok/moved-<id>` on the same host                  |
//! | `/slow/<id>`    | like `/ok`, after `slow-ms` more                           |
//! | `/__stats`      | JSON: connections, requests by method, the time from the  |
//! |                 | first request to the last answer (`busy_ms`), and the most |
//! |                 | requests in flight at once per host and in total          |
//!
//! The in-flight figures are measured here, on the server's side, so a
//! client's per-host concurrency limit can be verified from outside it.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

struct Options {
    port: u16,
    hosts: u8,
    first_ip: u8,
    latency: Duration,
    slow: Duration,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        hosts: 20,
        first_ip: 10,
        latency: Duration::from_millis(20),
        slow: Duration::from_millis(1500),
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
        format!(
            "{{\"connections\": {}, \"busy_ms\": {busy_ms}, \"first_ms\": {first_ms}, \"last_ms\": {last_ms}, \"mean_in_flight\": {mean_in_flight:.1}, \"tail_ms\": {tail_ms}, \"head\": {}, \"get\": {}, \"other\": {}, \"max_in_flight_total\": {}, \"max_in_flight_per_host\": {{{}}}}}\n",
            self.connections.load(Ordering::SeqCst),
            self.heads.load(Ordering::SeqCst),
            self.gets.load(Ordering::SeqCst),
            self.other.load(Ordering::SeqCst),
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

async fn answer(
    request: Request<Incoming>,
    host: String,
    stats: Arc<Stats>,
    options: Arc<Options>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    if path == "/__stats" {
        return Ok(Response::new(Full::new(Bytes::from(stats.json()))));
    }
    match *request.method() {
        Method::HEAD => stats.heads.fetch_add(1, Ordering::SeqCst),
        Method::GET => stats.gets.fetch_add(1, Ordering::SeqCst),
        _ => stats.other.fetch_add(1, Ordering::SeqCst),
    };
    stats.enter(&host);
    let _in_flight = InFlight {
        stats: stats.clone(),
        host,
    };
    tokio::time::sleep(options.latency).await;
    let (kind, id) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or(("", ""));
    let page = |id: &str| {
        let body = format!(
            "<!doctype html><html><head><title>Dataset {id}</title></head>\
             <body><h1>Dataset {id}</h1><p>Chest imaging fixture page.</p></body></html>\n"
        );
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "text/html; charset=utf-8")
            .header("etag", format!("\"{id}\""))
            .header("last-modified", LAST_MODIFIED)
            .body(Full::new(Bytes::from(body)))
    };
    let response = match kind {
        "ok" => page(id),
        "slow" => {
            tokio::time::sleep(options.slow).await;
            page(id)
        }
        "moved" => Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header("location", format!("/ok/moved-{id}"))
            .body(Full::new(Bytes::new())),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(b"not found\n"))),
    };
    Ok(response.expect("static response parts are valid"))
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
                listeners.push((ip, listener));
            }
            Err(err) => {
                eprintln!("fixture_server: cannot listen on {ip}:{port}: {err}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    println!("ready {port}");
    let mut tasks = Vec::new();
    for (ip, listener) in listeners {
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
                        answer(request, host.clone(), stats.clone(), options.clone())
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
