//! Notifications: compose messages from alerts (pure) and deliver them (SMTP,
//! the GitHub issues API).

use std::path::PathBuf;

use serde::Deserialize;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// STARTTLS required (the default): fail before AUTH if the server does not offer it.
    Starttls,
    /// Implicit TLS (SMTPS, usually port 465).
    Tls,
    /// No TLS at all; only with `allow_plain = true`, for a relay on the same machine.
    Plain,
}

/// `[email]` in catwatch.toml. Credentials come from CATWATCH_SMTP_USERNAME and
/// CATWATCH_SMTP_PASSWORD, never from the file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub host: String,
    pub port: Option<u16>,
    #[serde(default = "default_security")]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub allow_plain: bool,
    pub from: String,
    pub to: Vec<String>,
    #[serde(default = "default_subject_prefix")]
    pub subject_prefix: String,
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
    #[serde(default)]
    pub extra_root_certs: Vec<PathBuf>,
}

fn default_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

fn default_subject_prefix() -> String {
    "[catwatch]".to_owned()
}

fn default_smtp_timeout() -> u64 {
    30
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueMode {
    /// One tracking issue per broken resource.
    PerResource,
    /// One digest issue for everything broken.
    Digest,
}

/// `[github_issues]` in catwatch.toml. The token comes from GITHUB_TOKEN.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitHubIssueSettings {
    /// "owner/name" of the repository that holds the tracking issues.
    pub repository: String,
    #[serde(default = "default_issue_mode")]
    pub mode: IssueMode,
    #[serde(default = "default_labels")]
    pub labels: Vec<String>,
    /// Overrides `[endpoints] github_api` for the issues API.
    pub api: Option<Url>,
    /// Allow an `http://` API on a loopback address (a local test server).
    /// Without it the API must be https; never needed for GitHub itself.
    #[serde(default)]
    pub allow_http: bool,
}

fn default_issue_mode() -> IssueMode {
    IssueMode::PerResource
}

fn default_labels() -> Vec<String> {
    vec!["catwatch".to_owned()]
}

/// Why a delivery failed. Transient failures (SMTP 4xx, timeouts, connection
/// trouble) are retried next run from the outbox; permanent ones are reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("transient delivery failure: {0}")]
    Transient(String),
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// A short, stable digest of a set of alert keys (order does not matter):
/// the mail's `Message-ID` and the issue comments' marker are made from it,
/// so a delivery repeated after a kill is the same message, which receivers
/// (and the GitHub notifier itself) drop.
pub fn alerts_digest(keys: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let hash = Sha256::digest(sorted.join("\n").as_bytes());
    hash.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub mod compose;
pub mod email;
pub mod github_issues;
