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

/// The resolver installed in the engine's reqwest client. Cheap to clone;
/// clones share the run's answers.
#[derive(Clone)]
pub struct GuardedResolver {
    inner: Arc<Inner>,
}

struct Inner {
    policy: Arc<AddressPolicy>,
    overrides: HashMap<String, Vec<SocketAddr>>,
    lookup: Arc<dyn Lookup>,
    answers: Mutex<HashMap<String, Arc<OnceCell<Answer>>>>,
}

impl GuardedResolver {
    pub fn new(
        policy: Arc<AddressPolicy>,
        overrides: HashMap<String, Vec<SocketAddr>>,
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
    pub async fn addresses(&self, name: &str) -> Answer {
        let inner = &self.inner;
        let name = name.to_ascii_lowercase();
        let cell = {
            let mut answers = inner.answers.lock().unwrap_or_else(|e| e.into_inner());
            answers.entry(name.clone()).or_default().clone()
        };
        let answer = cell
            .get_or_init(|| inner.resolve_and_check(&name))
            .await
            .clone();
        if matches!(answer, Err(ResolveError::Failed { .. })) {
            let mut answers = inner.answers.lock().unwrap_or_else(|e| e.into_inner());
            answers.remove(&name);
        }
        answer
    }
}

impl Inner {
    async fn resolve_and_check(&self, name: &str) -> Answer {
        let addrs: Vec<SocketAddr> = match self.overrides.get(name) {
            Some(addrs) => addrs.clone(),
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
            let addrs = this.addresses(&name).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}
