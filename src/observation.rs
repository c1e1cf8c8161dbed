//! What one probe saw, and the verdict judged from it.
//!
//! This is the seam between gathering (the probe engine and the providers, which
//! touch the network) and judging (classification and alert policy, which are
//! pure and take `now`). Probes fill an [`Observation`]; `policy::classify`
//! turns it into a [`Verdict`]; the state and the reports store and render both.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalog::entry::Access;
use crate::catalog::platform::Platform;
use crate::reason::Reason;

/// The closed set of statuses a resource can have after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Alive, and fresh enough (or frozen).
    Ok,
    /// Alive, but last updated longer ago than the threshold, and not frozen.
    Stale,
    /// A permanent redirect or a renamed repository: the entry should be updated.
    Moved,
    /// The platform marks it read-only (an archived repository, a deaccessioned dataset).
    Archived,
    /// Bot protection or a login wall: alive as far as we can tell.
    Blocked,
    /// A transient failure in this run (timeout, reset, 5xx).
    Failing,
    /// Definitively gone: 404 or 410, a name that does not resolve, a deleted record.
    Dead,
    /// No way to tell: credentials missing, rate limited.
    Unknown,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Ok,
        Status::Stale,
        Status::Moved,
        Status::Archived,
        Status::Blocked,
        Status::Failing,
        Status::Dead,
        Status::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Stale => "stale",
            Status::Moved => "moved",
            Status::Archived => "archived",
            Status::Blocked => "blocked",
            Status::Failing => "failing",
            Status::Dead => "dead",
            Status::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One hop of a redirect chain, as our own redirect loop followed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub status: u16,
    pub url: String,
}

/// HTTP cache validators kept between runs for conditional requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A last-update date and where it came from (`github:pushed_at`,
/// `http:last-modified`, `datacite:attributes.updated`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated {
    pub at: Timestamp,
    pub source: String,
}

/// A version label and the API field it was read from (`tcia:version_number`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioned {
    pub label: String,
    pub source: String,
}

/// A newer version of the same resource that the platform names: where it
/// is, its label (`v3`, `1.1.0`) and when it was released, where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewerVersion {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<Timestamp>,
}

impl NewerVersion {
    pub fn at(url: impl Into<String>) -> NewerVersion {
        NewerVersion {
            url: url.into(),
            label: None,
            released: None,
        }
    }

    /// "v3, at URL, released on 2024-05-01", as far as it is known.
    pub fn describe(&self) -> String {
        let mut out = match &self.label {
            Some(label) => format!("{label}, at {}", self.url),
            None => self.url.clone(),
        };
        if let Some(at) = self.released {
            out.push_str(&format!(
                ", released on {}",
                at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
            ));
        }
        out
    }

    /// What makes two sightings the same new version: its URL and label.
    pub fn identity(&self) -> String {
        match &self.label {
            Some(label) => format!("{} {label}", self.url),
            None => self.url.clone(),
        }
    }
}

/// The platform's file listing, reduced to what content drift needs: how
/// many files, how many bytes, and a SHA-256 over the sorted names with their
/// checksums (or sizes, where the platform gives no checksum). Small on
/// purpose: the state keeps this, never the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub files: u64,
    pub bytes: u64,
    pub digest: String,
    /// The API field the listing came from (`zenodo:files`).
    pub source: String,
}

impl Manifest {
    /// The manifest of `(name, checksum or size, bytes)` rows.
    pub fn of<'a>(
        rows: impl IntoIterator<Item = (&'a str, String, u64)>,
        source: &str,
    ) -> Manifest {
        use sha2::{Digest, Sha256};
        let mut lines: Vec<String> = Vec::new();
        let mut bytes = 0u64;
        for (name, check, size) in rows {
            bytes = bytes.saturating_add(size);
            lines.push(format!("{name}\0{check}\n"));
        }
        lines.sort();
        let mut hasher = Sha256::new();
        for line in &lines {
            hasher.update(line.as_bytes());
        }
        let digest: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Manifest {
            files: lines.len() as u64,
            bytes,
            digest,
            source: source.to_owned(),
        }
    }

    /// Totals without a listing to digest (Kaggle's `totalBytes` when its
    /// answer lists no files): the digest is of the totals themselves.
    pub fn totals(files: u64, bytes: u64, source: &str) -> Manifest {
        let digest = format!("totals:{files}:{bytes}");
        Manifest {
            files,
            bytes,
            digest,
            source: source.to_owned(),
        }
    }
}

/// A licence as the platform declares it: an SPDX identifier where the
/// platform's value maps to one, else the platform's own text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredLicense {
    pub id: String,
    /// Whether `id` is an SPDX identifier.
    pub spdx: bool,
    pub source: String,
}

/// The access the platform declares (a gated Hub repository, a credentialed
/// PhysioNet licence), and the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredAccess {
    pub access: Access,
    pub source: String,
}

/// The most recent web-archive copy of a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedCopy {
    /// The URL whose copy this is.
    pub of: String,
    pub url: String,
    pub at: Timestamp,
}

/// What a size counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Bytes,
    Files,
    Series,
    Studies,
    Patients,
    Images,
    Cases,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Files => "files",
            Unit::Series => "series",
            Unit::Studies => "studies",
            Unit::Patients => "patients",
            Unit::Images => "images",
            Unit::Cases => "cases",
        }
    }
}

/// One count of a resource's size, and the API field it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub count: u64,
    pub unit: Unit,
    pub source: String,
}

impl Measure {
    /// The amount for a person: `1,384 patients`, `3.4 MB` (decimal units,
    /// as the platforms show sizes).
    pub fn amount(&self) -> String {
        if self.unit == Unit::Bytes {
            const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
            let mut value = self.count as f64;
            let mut unit = 0;
            while value >= 1000.0 && unit + 1 < UNITS.len() {
                value /= 1000.0;
                unit += 1;
            }
            return if unit == 0 {
                format!("{} B", self.count)
            } else {
                format!("{value:.1} {}", UNITS[unit])
            };
        }
        let digits = self.count.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{grouped} {}", self.unit.as_str())
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.amount(), self.source)
    }
}

/// The decisive fact a probe established, before any threshold or policy.
/// Every signal that is not plainly "alive" carries its [`Reason`]: the
/// provider that saw it names it, and nothing downstream guesses it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// The resource answered and is there.
    Alive,
    /// A conditional request answered 304: unchanged since the last run.
    NotModified,
    /// Permanently moved (301/308 chain, renamed repository) to `to`.
    Moved { reason: Reason, to: String },
    /// Read-only on its platform; `field` is the API field that said so.
    Archived { reason: Reason, field: String },
    /// Definitively gone (404, 410, NXDOMAIN, deleted record, disabled repository).
    Gone { reason: Reason, why: String },
    /// A bot wall or login wall answered instead of the resource.
    Blocked { reason: Reason, why: String },
    /// Transient failure in this run: timeout, reset, 5xx, TLS trouble.
    Transient { reason: Reason, why: String },
    /// The platform rate-limited us; says nothing about the resource.
    RateLimited { retry_at: Option<Timestamp> },
    /// The platform's API needs credentials we do not have.
    NeedsCredentials { variable: String },
    /// Our own address policy refused the target (SSRF guard).
    Refused { why: String },
    /// The resource is there, and its platform says getting it needs `need`
    /// (a free account, an application, a signed data-use agreement). Ok for
    /// an entry that says so in its `access`; blocked for one that says open.
    Restricted {
        reason: Reason,
        need: Access,
        why: String,
    },
    /// Not judged in this run for a reason of ours, not the resource's: the
    /// run's budget was spent, our network was down, a fallback could not
    /// settle it. Moves no counter.
    Unsettled { reason: Reason, why: String },
}

impl Signal {
    pub fn gone(reason: Reason, why: impl Into<String>) -> Signal {
        Signal::Gone {
            reason,
            why: why.into(),
        }
    }

    pub fn blocked(reason: Reason, why: impl Into<String>) -> Signal {
        Signal::Blocked {
            reason,
            why: why.into(),
        }
    }

    pub fn transient(reason: Reason, why: impl Into<String>) -> Signal {
        Signal::Transient {
            reason,
            why: why.into(),
        }
    }

    pub fn unsettled(reason: Reason, why: impl Into<String>) -> Signal {
        Signal::Unsettled {
            reason,
            why: why.into(),
        }
    }

    pub fn moved(reason: Reason, to: impl Into<String>) -> Signal {
        Signal::Moved {
            reason,
            to: to.into(),
        }
    }

    pub fn archived(reason: Reason, field: impl Into<String>) -> Signal {
        Signal::Archived {
            reason,
            field: field.into(),
        }
    }
}

/// Everything one probe of one URL saw. Gathered, not judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub url: String,
    pub platform: Platform,
    pub signal: Signal,
    /// The HTTP status that decided (of the API call for platforms, of the page otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Hop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Dated>,
    #[serde(default, skip_serializing_if = "Validators::is_empty")]
    pub validators: Validators,
    /// SHA-256 of the normalised page, for plain websites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// A newer version of the same record that the platform names (a Zenodo
    /// or Mendeley version that is not the latest): alive, but worth a look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_version: Option<Box<NewerVersion>>,
    /// The platform's file listing, as a fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Box<Manifest>>,
    /// The licence the platform declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<Box<DeclaredLicense>>,
    /// The access the platform declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Box<DeclaredAccess>>,
    /// The version the platform names as current for this URL ("v4",
    /// "1.0.0", "version 3"), with where it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Box<Versioned>>,
    /// How big the resource is now, as its platform counts it (series,
    /// patients, images, files, bytes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub size: Vec<Measure>,
    /// Short facts that back the signal ("api.github.com archived=true"), and
    /// what happened along the way (a retried 503, a refused redirect hop).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    pub checked_at: Timestamp,
    pub duration_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_like_the_platforms_show_them() {
        let m = |count, unit| Measure {
            count,
            unit,
            source: "x".into(),
        };
        assert_eq!(m(1384, Unit::Patients).amount(), "1,384 patients");
        assert_eq!(m(999, Unit::Files).amount(), "999 files");
        assert_eq!(m(1_000_000, Unit::Series).amount(), "1,000,000 series");
        assert_eq!(m(3_399_883, Unit::Bytes).amount(), "3.4 MB");
        assert_eq!(m(512, Unit::Bytes).amount(), "512 B");
        assert_eq!(m(554_000_000_000, Unit::Bytes).amount(), "554.0 GB");
    }
}

/// A difference between what the entry says and what its platform declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The entry's licence and the platform's differ.
    License { entry: String, platform: String },
    /// The entry's access and the platform's differ.
    Access { entry: Access, platform: Access },
}

impl Finding {
    pub fn describe(&self) -> String {
        match self {
            Finding::License { entry, platform } => {
                format!("the entry's licence is {entry}, the platform declares {platform}")
            }
            Finding::Access { entry, platform } => format!(
                "the entry's access is {}, the platform declares {}",
                entry.as_str(),
                platform.as_str()
            ),
        }
    }
}

/// The judged status of one resource, with a structured reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    /// The stable reason code (`http-404`, `github-archived`, `last-update-too-old`, ...).
    pub reason: Reason,
    /// One sentence for a person.
    pub message: String,
    /// The URL whose observation decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// The result of checking one catalog entry: its verdict, the decisive facts
/// flattened for reports, and every observation behind them. This is one row
/// of `catwatch check --format json` (see `schema/check-report.schema.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceCheck {
    pub id: String,
    pub status: Status,
    pub reason: Reason,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_source: Option<String>,
    /// The current version the deciding URL's platform names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Box<Versioned>>,
    /// The size the deciding URL's platform reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub size: Vec<Measure>,
    /// A newer version a deciding URL's platform names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_version: Option<Box<NewerVersion>>,
    /// The file listing fingerprint of the deciding URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Box<Manifest>>,
    /// The licence a deciding URL's platform declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<Box<DeclaredLicense>>,
    /// The access a deciding URL's platform declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Box<DeclaredAccess>>,
    /// Where the platform's licence or access differs from the entry's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// For a dead resource (or one moved to nowhere known): its most recent
    /// web-archive copy. Never a reason to call it alive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_copy: Option<Box<ArchivedCopy>>,
    pub checked_at: Timestamp,
    pub duration_ms: u64,
    pub observations: Vec<Observation>,
}

impl ResourceCheck {
    /// A check with only its identity, status and a message, for tests.
    #[cfg(test)]
    pub fn sample(id: &str, status: Status, checked_at: Timestamp) -> ResourceCheck {
        ResourceCheck {
            id: id.to_owned(),
            status,
            reason: Reason::Alive,
            message: "m".into(),
            http_status: None,
            final_url: None,
            moved_to: None,
            last_updated: None,
            last_updated_source: None,
            version: None,
            size: Vec::new(),
            newer_version: None,
            manifest: None,
            license: None,
            access: None,
            findings: Vec::new(),
            archived_copy: None,
            checked_at,
            duration_ms: 1,
            observations: Vec::new(),
        }
    }

    /// Replaces every known secret value in what servers said (messages,
    /// evidence, URLs they named), before the check is stored or shown.
    pub fn scrub(&mut self, scrubber: &crate::secret::Scrubber) {
        let clean = |text: &mut String| scrubber.scrub_in_place(text);
        clean(&mut self.message);
        for text in [
            &mut self.final_url,
            &mut self.moved_to,
            &mut self.last_updated_source,
        ]
        .into_iter()
        .flatten()
        {
            clean(text);
        }
        for observation in &mut self.observations {
            observation.scrub(scrubber);
        }
    }
}

impl Observation {
    /// See [`ResourceCheck::scrub`].
    pub fn scrub(&mut self, scrubber: &crate::secret::Scrubber) {
        let clean = |text: &mut String| scrubber.scrub_in_place(text);
        match &mut self.signal {
            Signal::Moved { to: text, .. }
            | Signal::Archived { field: text, .. }
            | Signal::Gone { why: text, .. }
            | Signal::Blocked { why: text, .. }
            | Signal::Transient { why: text, .. }
            | Signal::Refused { why: text }
            | Signal::Restricted { why: text, .. }
            | Signal::Unsettled { why: text, .. } => clean(text),
            Signal::Alive | Signal::NotModified | Signal::RateLimited { .. } => {}
            Signal::NeedsCredentials { variable } => clean(variable),
        }
        if let Some(newer) = &mut self.newer_version {
            clean(&mut newer.url);
        }
        for text in [&mut self.final_url, &mut self.fingerprint]
            .into_iter()
            .flatten()
        {
            clean(text);
        }
        for hop in &mut self.redirects {
            clean(&mut hop.url);
        }
        for fact in &mut self.evidence {
            clean(fact);
        }
        if let Some(dated) = &mut self.last_updated {
            clean(&mut dated.source);
        }
    }
}
