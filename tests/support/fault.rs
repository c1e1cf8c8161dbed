//! A raw HTTP/1.1 server on loopback that misbehaves on request.
//!
//! Where wiremock answers well-formed HTTP, [`FaultServer`] writes bytes
//! itself, so tests can reproduce what hostile or broken servers do: never
//! answer ([`Reply::Idle`]), drip a body ([`Reply::Trickle`], curl's
//! `writedelay`), stream forever ([`Reply::Endless`]), send garbage
//! ([`Reply::Raw`]), huge headers ([`Reply::huge_headers`]), gzip bombs
//! ([`gzip_zeros`]), slow answers ([`Reply::Delayed`]).
//!
//! It also measures: connections accepted (a canary must see 0), requests
//! per `Host`, and the most requests in flight at once per `Host` (to check
//! per-host concurrency limits from the server's side).
//!
//! A handler maps each parsed request to a [`Reply`]; connections are
//! kept alive between replies that allow it.
//!
//! Include with `#[path = "support/fault.rs"] mod fault;`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server parsed it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// When the request head was read.
    pub at: std::time::Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn host(&self) -> String {
        self.header("host").unwrap_or_default().to_owned()
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// What to do with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A well-formed answer; `Content-Length` is added unless present.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Wait, then reply.
    Delayed(Duration, Box<Reply>),
    /// Hold the answer until the gate has seen its target of requests held
    /// at once, then reply (a barrier: no sleep stands in for it).
    Held(Arc<Gate>, Box<Reply>),
    /// Read the request, never answer; hold the connection open.
    Idle,
    /// Send a 200 head without length, then `chunk` every `every`, forever.
    Trickle { chunk: Vec<u8>, every: Duration },
    /// Send a 200 head without length, then zeros as fast as possible, forever.
    Endless,
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Close the connection without a byte.
    Close,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Respond {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.into(), value.into()));
                Reply::Respond {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }

    pub fn after(self, delay: Duration) -> Reply {
        Reply::Delayed(delay, Box::new(self))
    }

    /// This reply, held at `gate` until it opens.
    pub fn held(self, gate: &Arc<Gate>) -> Reply {
        Reply::Held(gate.clone(), Box::new(self))
    }

    /// A 200 whose header block is `bytes` long (one giant header).
    pub fn huge_headers(bytes: usize) -> Reply {
        Reply::Respond {
            status: 200,
            headers: vec![("x-filler".into(), "a".repeat(bytes))],
            body: b"ok".to_vec(),
        }
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

#[derive(Default)]
struct Stats {
    connections: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
    /// Per Host: (in flight now, most in flight at once); "*" counts all hosts.
    in_flight: Mutex<HashMap<String, (usize, usize)>>,
}

pub struct FaultServer {
    pub addr: SocketAddr,
    stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultServer {
    /// Listens on 127.0.0.1, a free port.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FaultServer {
        FaultServer::start_on("127.0.0.1:0".parse().unwrap(), handler).await
    }

    /// Listens on `addr` (any loopback address; port 0 for a free one).
    pub async fn start_on(
        addr: SocketAddr,
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> FaultServer {
        let listener = TcpListener::bind(addr).await.expect("bind fault server");
        FaultServer::from_listener(listener, Arc::new(handler))
    }

    /// A server that answers nothing useful and exists to be counted: any
    /// connection to it means a guard failed.
    pub async fn canary_on(addr: SocketAddr) -> FaultServer {
        FaultServer::start_on(addr, |_| Reply::text(200, "canary")).await
    }

    /// Serves on a listener the test bound itself (to pick related ports).
    pub fn serve(
        listener: TcpListener,
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> FaultServer {
        FaultServer::from_listener(listener, Arc::new(handler))
    }

    fn from_listener(listener: TcpListener, handler: Arc<Handler>) -> FaultServer {
        let addr = listener.local_addr().expect("fault server address");
        let stats = Arc::new(Stats::default());
        let shared = stats.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                let stats = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, handler, stats).await;
                });
            }
        });
        FaultServer { addr, stats, task }
    }

    pub fn url(&self, path: &str) -> url::Url {
        url::Url::parse(&format!("http://{}{path}", self.addr)).expect("fault server URL")
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// Every request parsed so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.stats.seen.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        self.stats.seen.lock().unwrap().len()
    }

    /// The most requests with this `Host` header that were in flight at once.
    pub fn max_in_flight(&self, host: &str) -> usize {
        self.stats
            .in_flight
            .lock()
            .unwrap()
            .get(host)
            .map_or(0, |(_, max)| *max)
    }

    /// The most requests in flight at once, all hosts together.
    pub fn max_in_flight_total(&self) -> usize {
        self.max_in_flight("*")
    }

    /// The most requests in flight at once for each `Host`.
    pub fn max_in_flight_by_host(&self) -> HashMap<String, usize> {
        self.stats
            .in_flight
            .lock()
            .unwrap()
            .iter()
            .filter(|(host, _)| host.as_str() != "*")
            .map(|(host, (_, max))| (host.clone(), *max))
            .collect()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A barrier for a limit test: answers are held until `target` requests are
/// held at once, which proves the client had that many in flight; from then
/// on it stays open. Should the client never get there, the gate opens after
/// a minute and says so ([`Gate::timed_out`]), so the test fails instead of
/// hanging.
#[derive(Debug)]
pub struct Gate {
    target: usize,
    held: AtomicUsize,
    open: tokio::sync::watch::Sender<bool>,
    timed_out: std::sync::atomic::AtomicBool,
}

impl Gate {
    pub fn new(target: usize) -> Arc<Gate> {
        Arc::new(Gate {
            target,
            held: AtomicUsize::new(0),
            open: tokio::sync::watch::channel(false).0,
            timed_out: std::sync::atomic::AtomicBool::new(false),
        })
    }

    async fn arrive(&self) {
        let mut opened = self.open.subscribe();
        if self.held.fetch_add(1, Ordering::SeqCst) + 1 >= self.target {
            self.open.send_replace(true);
        }
        let wait = opened.wait_for(|open| *open);
        if tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .is_err()
        {
            self.timed_out.store(true, Ordering::SeqCst);
            self.open.send_replace(true);
        }
        self.held.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether the target was reached (the gate opened by the barrier).
    pub fn reached(&self) -> bool {
        *self.open.borrow() && !self.timed_out.load(Ordering::SeqCst)
    }

    pub fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::SeqCst)
    }
}

struct InFlight<'a> {
    stats: &'a Stats,
    host: String,
}

impl<'a> InFlight<'a> {
    fn enter(stats: &'a Stats, host: String) -> InFlight<'a> {
        let mut map = stats.in_flight.lock().unwrap();
        for key in [host.as_str(), "*"] {
            let entry = map.entry(key.to_owned()).or_insert((0, 0));
            entry.0 += 1;
            entry.1 = entry.1.max(entry.0);
        }
        InFlight { stats, host }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut map = self.stats.in_flight.lock().unwrap();
        for key in [self.host.as_str(), "*"] {
            if let Some(entry) = map.get_mut(key) {
                entry.0 -= 1;
            }
        }
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    stats: Arc<Stats>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    loop {
        let Some(seen) = read_request(&mut stream, &mut buffer).await? else {
            return Ok(());
        };
        stats.seen.lock().unwrap().push(seen.clone());
        let reply = handler(&seen);
        let _guard = InFlight::enter(&stats, seen.host());
        let keep_alive = write_reply(&mut stream, reply, seen.method == "HEAD").await?;
        if !keep_alive {
            return Ok(());
        }
    }
}

/// Reads one request head (and a Content-Length body); `None` at EOF.
async fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> std::io::Result<Option<Seen>> {
    let end = loop {
        if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buffer.len() > 256 * 1024 {
            return Ok(None);
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    buffer.drain(..end + 4);
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    buffer.drain(..length);
    Ok(Some(Seen {
        method,
        target,
        headers,
        at: std::time::Instant::now(),
    }))
}

/// Writes a reply; returns whether the connection may serve another request.
async fn write_reply(
    stream: &mut TcpStream,
    reply: Reply,
    head_only: bool,
) -> std::io::Result<bool> {
    match reply {
        Reply::Respond {
            status,
            headers,
            body,
        } => {
            let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            let has_length = headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
            for (name, value) in &headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            if !has_length {
                out.push_str(&format!("content-length: {}\r\n", body.len()));
            }
            out.push_str("\r\n");
            stream.write_all(out.as_bytes()).await?;
            if !head_only {
                stream.write_all(&body).await?;
            }
            stream.flush().await?;
            Ok(true)
        }
        Reply::Delayed(delay, reply) => {
            tokio::time::sleep(delay).await;
            Box::pin(write_reply(stream, *reply, head_only)).await
        }
        Reply::Held(gate, reply) => {
            gate.arrive().await;
            Box::pin(write_reply(stream, *reply, head_only)).await
        }
        Reply::Idle => {
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok(false)
        }
        Reply::Trickle { chunk, every } => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n",
                )
                .await?;
            loop {
                stream.write_all(&chunk).await?;
                stream.flush().await?;
                tokio::time::sleep(every).await;
            }
        }
        Reply::Endless => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nconnection: close\r\n\r\n")
                .await?;
            let zeros = vec![0u8; 64 * 1024];
            loop {
                stream.write_all(&zeros).await?;
            }
        }
        Reply::Raw(bytes) => {
            stream.write_all(&bytes).await?;
            stream.flush().await?;
            Ok(false)
        }
        Reply::Close => Ok(false),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Other",
    }
}

/// A gzip stream that inflates to `size` zero bytes (at least 1), built by
/// hand from fixed-Huffman deflate back-references: about 13 bits per 258
/// bytes, so 10 MB of zeros costs about 64 KB on the wire.
pub fn gzip_zeros(size: usize) -> Vec<u8> {
    let size = size.max(1);
    let mut bits = BitWriter::default();
    bits.push(1, 1); // BFINAL
    bits.push(1, 2); // BTYPE = fixed Huffman
    bits.push_code(0b0011_0000, 8); // literal 0x00
    let mut left = size - 1;
    while left >= 3 {
        let run = left.min(258);
        let (code, extra_bits, extra) = length_code(run);
        if code <= 279 {
            bits.push_code(code - 256, 7);
        } else {
            bits.push_code(code - 280 + 0b1100_0000, 8);
        }
        bits.push(extra, extra_bits);
        bits.push_code(0, 5); // distance 1
        left -= run;
    }
    for _ in 0..left {
        bits.push_code(0b0011_0000, 8);
    }
    bits.push_code(0, 7); // end of block
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(bits.finish());
    out.extend(crc32_of_zeros(size).to_le_bytes());
    out.extend((size as u32).to_le_bytes());
    out
}

/// The deflate length code for a run of 3..=258 bytes: (code, extra bit count, extra value).
fn length_code(run: usize) -> (u32, u32, u32) {
    const BASES: [(u32, u32); 29] = [
        (3, 0),
        (4, 0),
        (5, 0),
        (6, 0),
        (7, 0),
        (8, 0),
        (9, 0),
        (10, 0),
        (11, 1),
        (13, 1),
        (15, 1),
        (17, 1),
        (19, 2),
        (23, 2),
        (27, 2),
        (31, 2),
        (35, 3),
        (43, 3),
        (51, 3),
        (59, 3),
        (67, 4),
        (83, 4),
        (99, 4),
        (115, 4),
        (131, 5),
        (163, 5),
        (195, 5),
        (227, 5),
        (258, 0),
    ];
    let run = run as u32;
    let index = BASES
        .iter()
        .rposition(|(base, _)| *base <= run)
        .expect("run >= 3");
    let (base, extra_bits) = BASES[index];
    (257 + index as u32, extra_bits, run - base)
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    current: u32,
    filled: u32,
}

impl BitWriter {
    /// Pushes `count` bits of `value`, least significant first (deflate's
    /// order for header fields and extra bits).
    fn push(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.current |= ((value >> i) & 1) << self.filled;
            self.filled += 1;
            if self.filled == 8 {
                self.bytes.push(self.current as u8);
                self.current = 0;
                self.filled = 0;
            }
        }
    }

    /// Pushes a Huffman code, most significant bit first.
    fn push_code(&mut self, code: u32, length: u32) {
        for i in (0..length).rev() {
            self.push((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            self.bytes.push(self.current as u8);
        }
        self.bytes
    }
}

fn crc32_of_zeros(size: usize) -> u32 {
    let mut table = [0u32; 256];
    for (n, slot) in table.iter_mut().enumerate() {
        let mut c = n as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    let mut crc = !0u32;
    for _ in 0..size {
        crc = table[(crc & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}
