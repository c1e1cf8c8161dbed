//! Name resolution that the address policy can trust.
//!
//! reqwest asks this resolver for the addresses of every name it connects to.
//! It resolves each name once per run (host overrides first, then the system
//! resolver or a [`Lookup`] given by the caller), refuses the name when ANY
//! address is blocked, and hands back exactly the addresses it checked. The
//! connection therefore goes to a checked address; a second, different answer
//! from DNS (rebinding) is never asked for.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::OnceCell;

use crate::probe::address::AddressPolicy;

/// Why a name gave no usable address. Carried inside reqwest's error and
/// recovered by the engine with `downcast_ref`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}")]
    Refused(String),
    #[error("{0} does not resolve")]
    NoSuchHost(String),
    #[error("looking up {name} failed: {message}")]
    Failed { name: String, message: String },
}

pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<IpAddr>, ResolveError>> + Send + 'a>>;

/// The DNS seam: turns a name into addresses. The real one asks the system;
/// tests may count or script answers.
pub trait Lookup: Send + Sync {
    fn lookup<'a>(&'a self, name: &'a str) -> LookupFuture<'a>;
}

/// The operating system's resolver (getaddrinfo through tokio).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup<'a>(&'a self, name: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            match tokio::net::lookup_host((name, 0)).await {
                Ok(addrs) => Ok(addrs.map(|addr| addr.ip()).collect()),
                Err(err) => {
                    let message = err.to_string();
                    let lower = message.to_ascii_lowercase();
                    if lower.contains("not known")
                        || lower.contains("no address associated")
                        || lower.contains("nodename nor servname")
                    {
                        Err(ResolveError::NoSuchHost(name.to_owned()))
                    } else {
                        Err(ResolveError::Failed {
                            name: name.to_owned(),
                            message,
                        })
                    }
                }
            }
        })
    }
}

type Answer = Result<Vec<SocketAddr>, ResolveError>;

tokio::task_local! {
    /// The port of the request being connected: the engine sets it around
    /// each exchange, so host overrides apply to their host *and* port, as
    /// curl's `--resolve host:port:address` does. reqwest asks the resolver
    /// for a name only.
    pub static PORT: u16;
}

/// Host overrides by host name: each with the port it is for.
pub type Overrides = HashMap<String, Vec<(u16, SocketAddr)>>;

/// The resolver installed in the engine's reqwest client. Cheap to clone;
/// clones share the run's answers.
#[derive(Clone)]
pub struct GuardedResolver {
    inner: Arc<Inner>,
}

struct Inner {
    policy: Arc<AddressPolicy>,
    overrides: Overrides,
    lookup: Arc<dyn Lookup>,
    answers: Mutex<HashMap<String, Arc<OnceCell<Answer>>>>,
}

impl GuardedResolver {
    pub fn new(
        policy: Arc<AddressPolicy>,
        overrides: Overrides,
        lookup: Arc<dyn Lookup>,
    ) -> GuardedResolver {
        GuardedResolver {
            inner: Arc::new(Inner {
                policy,
                overrides,
                lookup,
                answers: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The checked addresses of `name`, resolving it at most once per run
    /// (a failed lookup that may be transient is asked again next time).
    /// `port` is the port being connected to, when known: an override
    /// applies only to its own host and port.
    pub async fn addresses(&self, name: &str, port: Option<u16>) -> Answer {
        let inner = &self.inner;
        // `host.` is `host` to DNS: one name, one answer, one override.
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let overridden = inner.override_for(&name, port);
        let key = match (&overridden, port) {
            (Some(_), Some(port)) => format!("{name}:{port}"),
            _ => name.clone(),
        };
        let cell = {
            let mut answers = inner.answers.lock().unwrap_or_else(|e| e.into_inner());
            answers.entry(key.clone()).or_default().clone()
        };
        let answer = cell
            .get_or_init(|| inner.resolve_and_check(&name, overridden))
            .await
            .clone();
        if matches!(answer, Err(ResolveError::Failed { .. })) {
            let mut answers = inner.answers.lock().unwrap_or_else(|e| e.into_inner());
            answers.remove(&key);
        }
        answer
    }
}

impl Inner {
    /// The override addresses for `name` on `port` (on every port of the
    /// name's overrides when the port is not known), if any.
    fn override_for(&self, name: &str, port: Option<u16>) -> Option<Vec<SocketAddr>> {
        let entries = self.overrides.get(name)?;
        let addrs: Vec<SocketAddr> = entries
            .iter()
            .filter(|(for_port, _)| port.is_none_or(|p| p == *for_port))
            .map(|(_, addr)| *addr)
            .collect();
        (!addrs.is_empty()).then_some(addrs)
    }

    async fn resolve_and_check(&self, name: &str, overridden: Option<Vec<SocketAddr>>) -> Answer {
        let addrs: Vec<SocketAddr> = match overridden {
            Some(addrs) => addrs,
            None => self
                .lookup
                .lookup(name)
                .await?
                .into_iter()
                .map(|ip| SocketAddr::new(ip, 0))
                .collect(),
        };
        if addrs.is_empty() {
            return Err(ResolveError::NoSuchHost(name.to_owned()));
        }
        for addr in &addrs {
            self.policy.check_ip(addr.ip()).map_err(|refusal| {
                ResolveError::Refused(format!("{name} resolves to {refusal}"))
            })?;
        }
        Ok(addrs)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let port = PORT.try_with(|port| *port).ok();
            let addrs = this.addresses(&name, port).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}
