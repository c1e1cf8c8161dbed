//! The probe engine's settings, as read from `[probe]` in catwatch.toml.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeSettings {
    /// Requests in flight at once across all hosts.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host_concurrency: usize,
    /// Threads that poll the probes: 1 runs them all on the thread that
    /// waits for them (no wake-ups across threads); more spread them over
    /// a pool of that many workers, for limits no single core keeps up with.
    pub threads: usize,
    /// Minimum time between two requests to one host (politeness).
    pub per_host_interval_ms: u64,
    pub connect_timeout_secs: u64,
    /// Deadline for one request, body included.
    pub timeout_secs: u64,
    /// Further attempts after a transient failure.
    pub retries: u32,
    /// First backoff delay; doubled each attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Longest Retry-After honoured; longer answers count as rate limited.
    pub retry_after_cap_secs: u64,
    /// Wall-clock budget for the whole run; requests past it are not sent.
    pub run_budget_secs: u64,
    /// Hard cap on decoded body bytes read from any answer.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Largest header block accepted from a server (HTTP/2 header list size).
    pub max_header_bytes: u32,
    pub user_agent: String,
    /// Addresses or CIDR ranges let through the address policy (tests use 127.0.0.0/8).
    pub allow: Vec<String>,
    /// Host-to-address overrides like curl's --resolve: "host:port:address".
    pub resolve: Vec<String>,
    /// Extra PEM root certificates trusted besides the system's.
    pub extra_root_certs: Vec<PathBuf>,
    /// A proxy URL; proxy variables in the environment are ignored unless this is set.
    pub proxy: Option<String>,
    /// When non-empty, only these ports may be contacted.
    pub allowed_ports: Vec<u16>,
    /// URLs matching any of these regular expressions are not probed (as
    /// `check: false`); `--exclude` and the `.catwatchignore` file add more.
    pub exclude: Exclusions,
    /// Look up a web-archive copy of each dead resource (`[endpoints]
    /// wayback_api`); false: never ask the archive.
    pub archive_lookup: bool,
}

/// Regular expressions (Rust's `regex` syntax, matched anywhere in the URL
/// unless anchored) naming URLs never to probe, compiled once when the
/// settings are read, so a bad pattern is refused with its source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct Exclusions {
    patterns: Vec<String>,
    set: Option<regex::RegexSet>,
}

impl Exclusions {
    /// The patterns, compiled; the error names the pattern and why.
    pub fn new(patterns: Vec<String>) -> Result<Exclusions, String> {
        if patterns.is_empty() {
            return Ok(Exclusions::default());
        }
        for pattern in &patterns {
            regex::Regex::new(pattern)
                .map_err(|e| format!("`{pattern}` is not a valid regular expression: {e}"))?;
        }
        let set = regex::RegexSet::new(&patterns).map_err(|e| e.to_string())?;
        Ok(Exclusions {
            patterns,
            set: Some(set),
        })
    }

    /// These patterns and `more`, compiled together.
    pub fn with(&self, more: impl IntoIterator<Item = String>) -> Result<Exclusions, String> {
        let mut patterns = self.patterns.clone();
        patterns.extend(more);
        Exclusions::new(patterns)
    }

    pub fn excludes(&self, url: &str) -> bool {
        self.set.as_ref().is_some_and(|set| set.is_match(url))
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

impl TryFrom<Vec<String>> for Exclusions {
    type Error = String;
    fn try_from(patterns: Vec<String>) -> Result<Exclusions, String> {
        Exclusions::new(patterns)
    }
}

impl PartialEq for Exclusions {
    fn eq(&self, other: &Exclusions) -> bool {
        self.patterns == other.patterns
    }
}

impl Default for ProbeSettings {
    fn default() -> ProbeSettings {
        ProbeSettings {
            concurrency: 32,
            per_host_concurrency: 2,
            threads: 1,
            per_host_interval_ms: 250,
            connect_timeout_secs: 10,
            timeout_secs: 30,
            retries: 2,
            backoff_base_ms: 500,
            retry_after_cap_secs: 60,
            run_budget_secs: 1800,
            max_body_bytes: 2 * 1024 * 1024,
            max_redirects: 10,
            max_header_bytes: 64 * 1024,
            user_agent: concat!(
                "catwatch/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/catwatch/catwatch)"
            )
            .to_owned(),
            allow: Vec::new(),
            resolve: Vec::new(),
            extra_root_certs: Vec::new(),
            proxy: None,
            allowed_ports: Vec::new(),
            exclude: Exclusions::default(),
            archive_lookup: true,
        }
    }
}
