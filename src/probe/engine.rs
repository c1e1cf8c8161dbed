//! The real [`Fetch`]: reqwest under the run's rules.
//!
//! One request goes through, in order:
//!
//! 1. the address policy on the URL (scheme, userinfo, port, IP literals);
//! 2. a per-host slot, the host's politeness interval, a global slot;
//! 3. the exchange itself under a total deadline (connect, headers, body up
//!    to the cap of decoded bytes), with names resolved by the
//!    [`GuardedResolver`], which refuses blocked addresses after DNS;
//! 4. retries with exponential backoff and jitter for transient failures,
//!    honouring Retry-After up to a cap, never past the run's budget;
//! 5. our own redirect loop: reqwest never follows a redirect
//!    (`Policy::none()`); every hop goes through steps 1-4 again.
//!
//! A request that carries a [`Credential`] never follows redirects, and the
//! credential is attached only over https to exactly its host and port.
//!
//! This module must never log a secret, weaken TLS, or connect to an address
//! the policy has not checked.

pub mod limits;
pub mod resolver;
pub mod retry;

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::{self, HeaderValue};
use tokio::time::Instant;
use url::Url;

use crate::observation::Hop;
use crate::probe::address::AddressPolicy;
use crate::probe::fetch::{Credential, Fetch, FetchError, Method, Request, Response};
use crate::probe::settings::ProbeSettings;

use limits::Limits;
pub use resolver::{GuardedResolver, Lookup, LookupFuture, ResolveError, SystemLookup};
use retry::{RetryAfter, backoff, parse_retry_after};

/// Unwanted bodies up to this size are read and dropped to keep the
/// connection reusable; longer ones are abandoned with their connection.
const DRAIN_LIMIT: u64 = 16 * 1024;

/// The settings could not make an engine. Each names the `[probe]` key to fix.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("[probe] allow: {0}")]
    Allow(String),
    #[error(
        "[probe] resolve: {entry:?} is not \"host:port:address\" (like \"example.org:443:127.0.0.1\"): {why}"
    )]
    Resolve { entry: String, why: String },
    #[error("[probe] extra_root_certs: {path}: {why}")]
    RootCert { path: String, why: String },
    #[error("[probe] proxy: {0}")]
    Proxy(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// The HTTP probe engine of one run. Share it by reference between tasks.
pub struct Engine {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    limits: Limits,
    timeout: Duration,
    connect_timeout: Duration,
    retries: u32,
    backoff_base: Duration,
    retry_after_cap: Duration,
    budget_end: Instant,
    max_body_bytes: usize,
    max_redirects: usize,
}

impl Engine {
    /// An engine that resolves names with the system resolver.
    pub fn new(settings: &ProbeSettings) -> Result<Engine, EngineError> {
        Engine::with_lookup(settings, Arc::new(SystemLookup))
    }

    /// An engine that resolves names (other than `resolve` overrides) with
    /// `lookup`. Every answer still passes the address policy.
    pub fn with_lookup(
        settings: &ProbeSettings,
        lookup: Arc<dyn Lookup>,
    ) -> Result<Engine, EngineError> {
        let policy = Arc::new(
            AddressPolicy::new(&settings.allow, &settings.allowed_ports)
                .map_err(EngineError::Allow)?,
        );
        let overrides = parse_overrides(&settings.resolve)?;
        let resolver = GuardedResolver::new(policy.clone(), overrides, lookup);
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .user_agent(settings.user_agent.clone())
            .connect_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
            .dns_resolver(resolver)
            .http2_max_header_list_size(settings.max_header_bytes)
            .pool_max_idle_per_host(settings.per_host_concurrency.max(1));
        let certs = load_root_certs(settings)?;
        if !certs.is_empty() {
            builder = builder.tls_certs_merge(certs);
        }
        builder = match &settings.proxy {
            Some(proxy) => builder.proxy(
                reqwest::Proxy::all(proxy.as_str())
                    .map_err(|e| EngineError::Proxy(e.to_string()))?,
            ),
            None => builder.no_proxy(),
        };
        let client = builder
            .build()
            .map_err(|e| EngineError::Client(error_chain(&e)))?;
        let limits = Limits::new(
            settings.concurrency,
            settings.per_host_concurrency,
            Duration::from_millis(settings.per_host_interval_ms),
        );
        for (authority, pace) in PLATFORM_PACE {
            limits.slow_down(authority, *pace);
        }
        Ok(Engine {
            client,
            policy,
            limits,
            timeout: Duration::from_secs(settings.timeout_secs.max(1)),
            connect_timeout: Duration::from_secs(settings.connect_timeout_secs.max(1)),
            retries: settings.retries,
            backoff_base: Duration::from_millis(settings.backoff_base_ms),
            retry_after_cap: Duration::from_secs(settings.retry_after_cap_secs),
            budget_end: Instant::now() + Duration::from_secs(settings.run_budget_secs),
            max_body_bytes: settings.max_body_bytes,
            max_redirects: settings.max_redirects,
        })
    }

    /// The address policy this engine enforces.
    pub fn policy(&self) -> &AddressPolicy {
        &self.policy
    }

    async fn run(&self, request: Request) -> Result<Response, FetchError> {
        let follow = request.follow_redirects && request.credential.is_none();
        let mut url = request.url.clone();
        let mut method = request.method;
        let mut body = request.body.clone();
        let mut hops: Vec<Hop> = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([without_fragment(&url)]);
        let mut notes: Vec<String> = Vec::new();
        loop {
            self.policy.check_url(&url).map_err(|refusal| {
                FetchError::Refused(match hops.last() {
                    // Say where the chain went: nothing was sent to `url`.
                    Some(hop) => format!(
                        "{url}: {refusal} (reached by a {} redirect from {}; not requested)",
                        hop.status, hop.url
                    ),
                    None => format!("{url}: {refusal}"),
                })
            })?;
            let exchange = Exchange {
                request: &request,
                method,
                url: &url,
                body: body.as_deref(),
                follow,
            };
            let answer = self.with_retries(&exchange, &mut notes).await?;
            if !(follow && is_redirect(answer.status)) {
                return Ok(Response {
                    status: answer.status,
                    headers: answer.headers,
                    body: answer.body,
                    truncated: answer.truncated,
                    final_url: url,
                    hops,
                    notes,
                });
            }
            let location = answer.location.ok_or_else(|| {
                FetchError::BadRedirect(format!("{} from {url} has no Location", answer.status))
            })?;
            let next = url
                .join(&location)
                .map_err(|e| FetchError::BadRedirect(format!("{location:?} from {url}: {e}")))?;
            if hops.len() >= self.max_redirects {
                return Err(FetchError::TooManyRedirects(self.max_redirects));
            }
            hops.push(Hop {
                status: answer.status,
                url: url.to_string(),
            });
            if !seen.insert(without_fragment(&next)) {
                return Err(FetchError::RedirectLoop(next.to_string()));
            }
            if answer.status == 303
                || (matches!(answer.status, 301 | 302) && method == Method::Post)
            {
                if method != Method::Head {
                    method = Method::Get;
                }
                body = None;
            }
            url = next;
        }
    }

    /// One URL, retried while the failure is transient and time allows.
    async fn with_retries(
        &self,
        exchange: &Exchange<'_>,
        notes: &mut Vec<String>,
    ) -> Result<Answer, FetchError> {
        let mut attempt = 0u32;
        loop {
            if Instant::now() >= self.budget_end {
                return Err(FetchError::BudgetExhausted);
            }
            let result = self.attempt(exchange).await;
            attempt += 1;
            let wait = match &result {
                Ok(answer) if answer.status == 429 || answer.status >= 500 => {
                    let asked = answer
                        .retry_after
                        .as_deref()
                        .map(|value| parse_retry_after(value, Timestamp::now()));
                    match asked {
                        Some(RetryAfter::Wait(wait)) if wait > self.retry_after_cap => {
                            return result;
                        }
                        Some(RetryAfter::Wait(wait)) => wait,
                        _ => self.backoff(attempt),
                    }
                }
                Err(FetchError::Timeout(_) | FetchError::Connect(_)) => self.backoff(attempt),
                _ => return result,
            };
            if attempt > self.retries || Instant::now() + wait >= self.budget_end {
                return result;
            }
            tracing::debug!(url = %exchange.url, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            notes.push(format!(
                "{} {} {}, retried after {} ms",
                exchange.method.as_str(),
                exchange.url,
                match &result {
                    Ok(answer) => format!("answered {}", answer.status),
                    Err(err) => format!("failed ({err})"),
                },
                wait.as_millis()
            ));
            tokio::time::sleep(wait).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff(self.backoff_base, attempt, fastrand::f64())
    }

    /// One attempt under the limits and the total deadline.
    async fn attempt(&self, exchange: &Exchange<'_>) -> Result<Answer, FetchError> {
        let authority = format!(
            "{}:{}",
            exchange.url.host_str().unwrap_or_default(),
            exchange.url.port_or_known_default().unwrap_or_default()
        );
        // The budget holds while a request waits for its host's slot and
        // politeness interval too: a long interval must not outlast the run.
        let Ok(_slot) =
            tokio::time::timeout_at(self.budget_end, self.limits.acquire(&authority)).await
        else {
            return Err(FetchError::BudgetExhausted);
        };
        let remaining = self.budget_end.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(FetchError::BudgetExhausted);
        }
        let deadline = self.timeout.min(remaining);
        let port = exchange.url.port_or_known_default().unwrap_or_default();
        let exchange_future = resolver::PORT.scope(port, self.exchange(exchange));
        match tokio::time::timeout(deadline, exchange_future).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(deadline.as_millis() as u64)),
        }
    }

    async fn exchange(&self, exchange: &Exchange<'_>) -> Result<Answer, FetchError> {
        let request = exchange.request;
        let method = match exchange.method {
            Method::Head => reqwest::Method::HEAD,
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, exchange.url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(etag) = &request.validators.etag {
            builder = builder.header(header::IF_NONE_MATCH, etag.as_str());
        }
        if let Some(date) = &request.validators.last_modified {
            builder = builder.header(header::IF_MODIFIED_SINCE, date.as_str());
        }
        if let Some(credential) = &request.credential {
            if credential_applies(credential, exchange.url) {
                let mut value =
                    HeaderValue::from_str(credential.authorization.expose()).map_err(|_| {
                        FetchError::Protocol("the credential is not a valid header value".into())
                    })?;
                value.set_sensitive(true);
                builder = builder.header(header::AUTHORIZATION, value);
            } else {
                tracing::warn!(
                    url = %exchange.url,
                    "credential withheld: it belongs to https://{}:{} only",
                    credential.host,
                    credential.port
                );
            }
        }
        if let Some(body) = exchange.body {
            builder = builder.body(body.to_vec());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| map_error(&e, self.connect_timeout))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let location = match response.headers().get(header::LOCATION) {
            Some(value) => Some(
                value
                    .to_str()
                    .map_err(|_| FetchError::BadRedirect("Location is not ASCII".into()))?
                    .to_owned(),
            ),
            None => None,
        };
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let will_follow = exchange.follow && is_redirect(status);
        let mut body = Vec::new();
        let mut truncated = false;
        if request.read_body && exchange.method != Method::Head && !will_follow {
            let cap = request
                .max_body_bytes
                .map_or(self.max_body_bytes, |wanted| {
                    wanted.min(self.max_body_bytes)
                });
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| map_error(&e, self.connect_timeout))?
            {
                let room = cap - body.len();
                if chunk.len() >= room {
                    body.extend_from_slice(&chunk[..room]);
                    // Reading on to learn whether more would come could wait
                    // on a trickling server; a length that fits says no.
                    truncated = chunk.len() > room
                        || response
                            .content_length()
                            .is_none_or(|length| length > cap as u64);
                    break;
                }
                body.extend_from_slice(&chunk);
            }
        } else if exchange.method != Method::Head
            && response
                .content_length()
                .is_some_and(|length| length <= DRAIN_LIMIT)
        {
            // Not wanted, but short: reading it lets the connection serve the
            // next request instead of being closed.
            while let Ok(Some(_)) = response.chunk().await {}
        }
        Ok(Answer {
            status,
            headers,
            location,
            retry_after,
            body,
            truncated,
        })
    }
}

impl Fetch for Engine {
    fn fetch(
        &self,
        request: Request,
    ) -> impl std::future::Future<Output = Result<Response, FetchError>> + Send {
        self.run(request)
    }

    fn slow_down(&self, authority: &str, interval: Duration) {
        self.limits.slow_down(authority, interval);
    }
}

/// The pace some platforms ask of their API's clients, beyond
/// `per_host_interval_ms` (docs/providers.md has the sources): figshare asks
/// for at most one request a second; DataCite allows an unidentified client
/// 500 requests in 5 minutes.
pub const PLATFORM_PACE: &[(&str, Duration)] = &[
    ("api.figshare.com:443", Duration::from_millis(1000)),
    ("api.datacite.org:443", Duration::from_millis(600)),
];

struct Exchange<'a> {
    request: &'a Request,
    method: Method,
    url: &'a Url,
    body: Option<&'a [u8]>,
    follow: bool,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    location: Option<String>,
    retry_after: Option<String>,
    body: Vec<u8>,
    truncated: bool,
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

fn without_fragment(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.into()
}

/// A credential goes only over https, to exactly its host and port.
pub fn credential_applies(credential: &Credential, url: &Url) -> bool {
    url.scheme() == "https"
        && url.username().is_empty()
        && url.password().is_none()
        && url
            .host_str()
            .is_some_and(|host| host.eq_ignore_ascii_case(&credential.host))
        && url.port_or_known_default() == Some(credential.port)
}

/// Parses `host:port:address[,address...]` overrides; an address may carry
/// its own port (`127.0.0.1:8443`, `[::1]:8443`), else the override's port is used.
fn parse_overrides(entries: &[String]) -> Result<resolver::Overrides, EngineError> {
    let mut overrides = resolver::Overrides::new();
    for entry in entries {
        let bad = |why: &str| EngineError::Resolve {
            entry: entry.clone(),
            why: why.to_owned(),
        };
        let mut parts = entry.splitn(3, ':');
        let (Some(host), Some(port), Some(addrs)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected three parts separated by ':'"));
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
        let mut parsed = Vec::new();
        for addr in addrs.split(',') {
            let addr = addr.trim();
            let socket = match addr.parse::<SocketAddr>() {
                Ok(socket) => socket,
                Err(_) => {
                    let ip: IpAddr = addr
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse()
                        .map_err(|_| bad("the address is not an IP address"))?;
                    SocketAddr::new(ip, port)
                }
            };
            parsed.push((port, socket));
        }
        overrides
            .entry(host.to_ascii_lowercase())
            .or_default()
            .extend(parsed);
    }
    Ok(overrides)
}

/// The largest PEM bundle read (the whole Mozilla bundle is about 220 KiB).
const MAX_CERT_BYTES: u64 = 16 * 1024 * 1024;

fn load_root_certs(settings: &ProbeSettings) -> Result<Vec<reqwest::Certificate>, EngineError> {
    let mut certs = Vec::new();
    for path in &settings.extra_root_certs {
        let fail = |why: String| EngineError::RootCert {
            path: path.display().to_string(),
            why,
        };
        let pem = crate::catalog::read::read_own_file(path, MAX_CERT_BYTES, "the certificate file")
            .map_err(|e| fail(e.problem))?;
        let bundle = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| fail(format!("not a PEM certificate bundle: {e}")))?;
        if bundle.is_empty() {
            return Err(fail("holds no PEM certificate".into()));
        }
        certs.extend(bundle);
    }
    Ok(certs)
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    join_sources(err.to_string(), err.source())
}

fn join_sources(
    mut text: String,
    mut source: Option<&(dyn std::error::Error + 'static)>,
) -> String {
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

/// Names what went wrong in reqwest's terms as one of ours.
/// A timeout reported by reqwest itself can only be the connect timeout (the
/// total deadline is ours).
fn map_error(err: &reqwest::Error, connect_timeout: Duration) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(inner) = source {
        if let Some(resolve) = inner.downcast_ref::<ResolveError>() {
            return match resolve {
                ResolveError::Refused(why) => FetchError::Refused(why.clone()),
                ResolveError::NoSuchHost(name) => FetchError::NoSuchHost(name.clone()),
                ResolveError::Failed { .. } => FetchError::Connect(resolve.to_string()),
            };
        }
        source = inner.source();
    }
    // The causes only: reqwest's own message carries the URL, whose text must
    // not decide the kind of error.
    let text = match std::error::Error::source(err) {
        Some(cause) => join_sources(cause.to_string(), cause.source()),
        None => err.to_string(),
    };
    let lower = text.to_ascii_lowercase();
    if err.is_timeout() {
        FetchError::Timeout(connect_timeout.as_millis() as u64)
    } else if lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("handshake")
        || lower.contains("ssl")
    {
        FetchError::Tls(text)
    } else if err.is_connect()
        || lower.contains("reset")
        || lower.contains("broken pipe")
        || lower.contains("connection closed")
        || lower.contains("unexpected eof")
    {
        FetchError::Connect(text)
    } else {
        FetchError::Protocol(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn github() -> Credential {
        Credential {
            host: "api.github.com".into(),
            port: 443,
            authorization: Secret::new("Bearer t"),
        }
    }

    #[test]
    fn credentials_go_only_to_their_exact_https_host_and_port() {
        let applies = |text: &str| credential_applies(&github(), &Url::parse(text).unwrap());
        assert!(applies("https://api.github.com/repos/a/b"));
        assert!(applies("https://API.github.com:443/x"));
        assert!(!applies("http://api.github.com/repos/a/b"));
        assert!(!applies("https://api.github.com:8443/x"));
        assert!(!applies("https://api.github.com./x"));
        assert!(!applies("https://api.github.com.evil.test/x"));
        assert!(!applies("https://api.github.com@127.0.0.1/x"));
        assert!(!applies("https://user@api.github.com/x"));
        assert!(!applies("https://github.com/x"));
    }

    #[test]
    fn overrides_parse_like_curl_resolve() {
        let parsed = parse_overrides(&[
            "Example.org:443:127.0.0.1".into(),
            "api.test:443:127.0.0.2:8443,[::1]".into(),
        ])
        .unwrap();
        assert_eq!(
            parsed["example.org"],
            vec![(443, "127.0.0.1:443".parse().unwrap())]
        );
        assert_eq!(
            parsed["api.test"],
            vec![
                (443, "127.0.0.2:8443".parse::<SocketAddr>().unwrap()),
                (443, "[::1]:443".parse().unwrap())
            ]
        );
        for bad in [
            "example.org",
            "example.org:x:127.0.0.1",
            ":443:127.0.0.1",
            "a:443:nope",
        ] {
            let err = parse_overrides(&[bad.into()]).unwrap_err().to_string();
            assert!(err.contains("[probe] resolve"), "{err}");
        }
    }
}
