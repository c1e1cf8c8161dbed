//! The seam between the providers and the network.
//!
//! Providers describe the request they want; an implementation of [`Fetch`]
//! carries it out under the run's rules (address policy, limits, retries,
//! redirects, body cap). The real one is `probe::engine::Engine`; unit tests may
//! use a canned one, integration tests use the real engine against loopback servers.

use std::future::Future;

use url::Url;

use crate::observation::{Hop, Validators};
use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Head,
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Head => "HEAD",
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A credential bound to the one API host it belongs to. The engine attaches
/// it only over https to exactly `host` (and port), and never follows a
/// redirect on a request that carries it.
#[derive(Debug, Clone)]
pub struct Credential {
    pub host: String,
    pub port: u16,
    /// The full `Authorization` header value ("Bearer ...", "Basic ...").
    pub authorization: Secret,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    /// Extra non-secret headers (Accept, Content-Type).
    pub headers: Vec<(String, String)>,
    pub credential: Option<Credential>,
    /// Sent as If-None-Match / If-Modified-Since when present.
    pub validators: Validators,
    pub body: Option<Vec<u8>>,
    /// Read the body (up to the engine's cap); false for status-only probes.
    pub read_body: bool,
    /// Read at most this much of the body (below the engine's cap), for a
    /// caller that needs only the start of it.
    pub max_body_bytes: Option<usize>,
    /// Follow redirects with our own hop loop. Ignored (treated as false) when a
    /// credential is attached.
    pub follow_redirects: bool,
}

impl Request {
    pub fn get(url: Url) -> Request {
        Request {
            method: Method::Get,
            url,
            headers: Vec::new(),
            credential: None,
            validators: Validators::default(),
            body: None,
            read_body: true,
            max_body_bytes: None,
            follow_redirects: true,
        }
    }

    pub fn head(url: Url) -> Request {
        Request {
            method: Method::Head,
            read_body: false,
            ..Request::get(url)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// At most the engine's cap of decoded bytes.
    pub body: Vec<u8>,
    /// The body was cut at the cap.
    pub truncated: bool,
    /// The URL that answered, after any redirects followed.
    pub final_url: Url,
    /// Every redirect hop followed, in order.
    pub hops: Vec<Hop>,
    /// What happened along the way that the answer alone does not show
    /// ("GET answered 503, retried after 120 ms"), for the evidence.
    pub notes: Vec<String>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Why a request produced no HTTP answer. Transient or definitive is for the
/// classifier to say; these only name what happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("refused by the address policy: {0}")]
    Refused(String),
    #[error("name does not resolve: {0}")]
    NoSuchHost(String),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("timed out after {0} ms")]
    Timeout(u64),
    #[error("TLS error: {0}")]
    Tls(String),
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("redirect loop back to {0}")]
    RedirectLoop(String),
    #[error("bad redirect Location: {0}")]
    BadRedirect(String),
    #[error("the run's time budget is spent")]
    BudgetExhausted,
}

pub trait Fetch: Send + Sync {
    fn fetch(&self, request: Request) -> impl Future<Output = Result<Response, FetchError>> + Send;

    /// Spaces the requests to `authority` (`host:port`) by at least
    /// `interval` from now on: a host asked for it (robots.txt
    /// `Crawl-delay`). A fetcher without limits ignores it.
    fn slow_down(&self, _authority: &str, _interval: std::time::Duration) {}
}
