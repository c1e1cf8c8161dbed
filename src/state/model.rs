//! The state file's content as types: what the monitor remembers between runs.
//!
//! Pure data plus the small pure updates every writer shares (recording what a
//! probe saw, bounding the history). Judging what those observations mean
//! across runs is `policy::alerting`'s job, never this module's.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::url_map::UrlMap;
use crate::catalog::entry::Access;
use crate::observation::{
    ArchivedCopy, Dated, Finding, Manifest, NewerVersion, ResourceCheck, Signal, Status, Validators,
};
use crate::policy::{Alert, AlertKind};
use crate::reason::Reason;
use crate::report::model::HistoryPoint;

/// The state format this build writes. It also reads every older version
/// and migrates it (`store::migrate`).
pub const STATE_VERSION: u32 = 2;

/// How many run records the state keeps (newest last).
pub const RUNS_KEPT: usize = 30;

/// How many delivery records the state keeps, for de-duplication and audit.
pub const DELIVERIES_KEPT: usize = 500;

/// The whole state file. Its resources are parsed ([`ResourceState`]), or
/// kept as the text the file holds for each ([`RawResource`]) by a `check`
/// run that records its checks as they come (`state::EarlyRecording`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "R: Deserialize<'de>"))]
pub struct State<R = ResourceState> {
    pub version: u32,
    /// The heartbeat: the start time (`now`) of the last monitor run that
    /// completed its judging.
    #[serde(default)]
    pub last_successful_run: Option<Timestamp>,
    #[serde(default)]
    pub monitor: MonitorHealth,
    /// Newest last, at most [`RUNS_KEPT`].
    #[serde(default)]
    pub runs: Vec<RunRecord>,
    /// By entry id.
    #[serde(default)]
    pub resources: BTreeMap<String, R>,
    /// Entries that left the catalog, by id.
    #[serde(default)]
    pub retired: BTreeMap<String, Retired>,
    /// Alerts decided but not yet delivered on every channel.
    #[serde(default)]
    pub outbox: Vec<OutboxItem>,
    /// What was delivered (or given up on), newest last, at most [`DELIVERIES_KEPT`].
    #[serde(default)]
    pub deliveries: Vec<DeliveryRecord>,
    /// Set when `check` had to quarantine the state: the next monitor run
    /// only observes (records a silent baseline), as if it had quarantined it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_baseline: bool,
}

impl<R> Default for State<R> {
    fn default() -> State<R> {
        State {
            version: STATE_VERSION,
            last_successful_run: None,
            monitor: MonitorHealth::default(),
            runs: Vec::new(),
            resources: BTreeMap::new(),
            retired: BTreeMap::new(),
            outbox: Vec::new(),
            deliveries: Vec::new(),
            needs_baseline: false,
        }
    }
}

/// The monitor's view of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorHealth {
    /// Since when the monitor judges its own network broken; None when healthy.
    #[serde(default)]
    pub degraded_since: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Check,
    Monitor,
}

/// One run of `check` or `monitor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub kind: RunKind,
    pub started: Timestamp,
    pub ended: Timestamp,
    /// Resources checked in this run.
    pub checked: usize,
    /// How many resources had each observed status.
    pub counts: BTreeMap<Status, usize>,
    /// Too many probes failed: counters were frozen.
    #[serde(default)]
    pub degraded: bool,
    /// The state was quarantined at the start: this run only observed.
    #[serde(default)]
    pub observe_only: bool,
    /// Alerts this run decided.
    #[serde(default)]
    pub alerts: usize,
}

/// What this run's probe saw for one resource, before any policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub status: Status,
    pub reason: Reason,
    pub message: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// The first URL whose probe did not find the resource alive, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_url: Option<String>,
    /// A newer version the platform names (since state version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_version: Option<Box<NewerVersion>>,
    /// Where the platform's licence or access differs from the entry's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// The most recent web-archive copy of a dead resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_copy: Option<Box<ArchivedCopy>>,
}

/// An alert-worthy condition a resource is in. The alert policy compares the
/// current condition with the one last notified; it never alerts twice for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    Dead,
    Stale,
    Moved { to: String },
    Archived,
    Flapping,
}

impl Condition {
    /// The status an exemption must name to silence this condition.
    pub fn status(&self) -> Status {
        match self {
            Condition::Dead => Status::Dead,
            Condition::Stale => Status::Stale,
            Condition::Moved { .. } => Status::Moved,
            Condition::Archived => Status::Archived,
            Condition::Flapping => Status::Failing,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Condition::Dead => "dead",
            Condition::Stale => "stale",
            Condition::Moved { .. } => "moved",
            Condition::Archived => "archived",
            Condition::Flapping => "flapping",
        }
    }

    pub fn alert_kind(&self) -> AlertKind {
        match self {
            Condition::Dead => AlertKind::Dead,
            Condition::Stale => AlertKind::Stale,
            Condition::Moved { to } => AlertKind::Moved { to: to.clone() },
            Condition::Archived => AlertKind::Archived,
            Condition::Flapping => AlertKind::Flapping,
        }
    }
}

/// What was last notified about one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notified {
    pub condition: Condition,
    /// The key of the alert that announced it.
    pub key: String,
    /// When it was first announced (or, for `baseline`, first recorded).
    pub at: Timestamp,
    /// When it was last announced or reminded of.
    pub last_sent: Timestamp,
    /// Recorded by an observe-only run without announcing anything: a later
    /// recovery is not announced either.
    #[serde(default)]
    pub baseline: bool,
}

/// Everything the state remembers about one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceState {
    /// The status after hysteresis (what reports show); None until a monitor run judged it.
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub since: Option<Timestamp>,
    #[serde(default)]
    pub consecutive_failures: u32,
    #[serde(default)]
    pub consecutive_successes: u32,
    /// The last probe (from `check` or `monitor`).
    #[serde(default)]
    pub observed: Option<Box<Observed>>,
    #[serde(default)]
    pub last_success: Option<Timestamp>,
    /// When a probe last reached a verdict on it (a run whose budget ran out,
    /// or whose network was down, before it got there does not count): the
    /// next run probes the least recently probed first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_probed: Option<Timestamp>,
    /// The upstream last-updated date and where it came from.
    #[serde(default)]
    pub last_updated: Option<Dated>,
    /// ETag / Last-Modified by URL, for conditional requests.
    #[serde(default, skip_serializing_if = "UrlMap::is_empty")]
    pub validators: UrlMap<Validators>,
    /// Page fingerprints (SHA-256 of the normalised page) by URL.
    #[serde(default, skip_serializing_if = "UrlMap::is_empty")]
    pub fingerprints: UrlMap<String>,
    /// Observed status per monitor run, newest last, bounded by `[state] history_len`.
    /// Written as `"<time> <status>[ <observed>]"` since state version 2,
    /// each time after the first as `+<seconds>` after the one before (a
    /// fifth of the object form's size); version 1's objects still read.
    #[serde(default, with = "compact_history")]
    pub history: Vec<HistoryPoint>,
    #[serde(default)]
    pub flapping: bool,
    /// The alert-worthy condition the resource is in now, and since when.
    #[serde(default)]
    pub condition: Option<Condition>,
    #[serde(default)]
    pub condition_since: Option<Timestamp>,
    #[serde(default)]
    pub notified: Option<Box<Notified>>,
    /// What the platform last declared of the resource's content, licence,
    /// access and version, as the monitor last judged it (since state
    /// version 2).
    /// (None when there is nothing to track: most websites.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracked: Option<Box<Tracked>>,
}

/// The facts whose change between two monitor runs is an alert: a small
/// fingerprint of the file listing (never the list), the licence and access
/// as declared, and the newer version last announced. Only the monitor's
/// judging writes it, so a `check` run in between cannot swallow a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<TrackedManifest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// The identity (URL and label) of the newer version last announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_version: Option<String>,
    /// The findings last announced (kind and both values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// What the last judged run noticed without alerting (growth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Tracked {
    pub fn is_empty(&self) -> bool {
        *self == Tracked::default()
    }
}

/// A manifest without its source: files, bytes and the digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedManifest {
    pub files: u64,
    pub bytes: u64,
    pub digest: String,
}

impl From<&Manifest> for TrackedManifest {
    fn from(m: &Manifest) -> TrackedManifest {
        TrackedManifest {
            files: m.files,
            bytes: m.bytes,
            digest: m.digest.clone(),
        }
    }
}

/// Whether an observed status means the resource answered, failed, or says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Up,
    Down,
    Unknown,
}

impl Health {
    pub fn of(status: Status) -> Health {
        match status {
            Status::Ok | Status::Stale | Status::Moved | Status::Archived | Status::Blocked => {
                Health::Up
            }
            Status::Failing | Status::Dead => Health::Down,
            Status::Unknown => Health::Unknown,
        }
    }
}

impl ResourceState {
    /// Records what a probe saw: the observation, validators, fingerprints and
    /// dates. Touches neither the counters nor the judged status.
    pub fn observe(&mut self, check: &ResourceCheck, now: Timestamp) {
        let failing_url = check
            .observations
            .iter()
            .find(|o| !matches!(o.signal, Signal::Alive | Signal::NotModified))
            .map(|o| o.url.clone());
        self.observed = Some(Box::new(Observed {
            status: check.status,
            reason: check.reason,
            message: check.message.clone(),
            at: now,
            http_status: check.http_status,
            moved_to: check.moved_to.clone(),
            failing_url,
            newer_version: check.newer_version.clone(),
            findings: check.findings.clone(),
            archived_copy: check.archived_copy.clone(),
        }));
        if Health::of(check.status) == Health::Up {
            self.last_success = Some(now);
        }
        if !matches!(
            check.reason,
            Reason::BudgetSpent | Reason::NetworkUnavailable
        ) {
            self.last_probed = Some(now);
        }
        if let Some(at) = check.last_updated {
            self.last_updated = Some(Dated {
                at,
                source: check
                    .last_updated_source
                    .clone()
                    .unwrap_or_else(|| "unknown".to_owned()),
            });
        }
        for o in &check.observations {
            if !o.validators.is_empty() {
                self.validators.insert(o.url.clone(), o.validators.clone());
            }
            if let Some(fingerprint) = &o.fingerprint {
                self.fingerprints.insert(o.url.clone(), fingerprint.clone());
            }
        }
    }

    /// Appends a history point, keeping the newest `keep`.
    pub fn push_history(&mut self, point: HistoryPoint, keep: usize) {
        self.history.push(point);
        let excess = self.history.len().saturating_sub(keep.max(1));
        self.history.drain(..excess);
    }
}

/// An entry that left the catalog, kept so that its disappearance is visible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    pub retired_at: Timestamp,
    pub last_status: Option<Status>,
    pub last_success: Option<Timestamp>,
}

/// Where alerts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    GithubIssues,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::GithubIssues => "github_issues",
        }
    }
}

/// An alert waiting for delivery on the channels still listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub alert: Alert,
    pub pending: Vec<Channel>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    Delivered,
    /// The channel refused it permanently; it will not be retried.
    Failed,
}

/// One alert's fate on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub key: String,
    pub channel: Channel,
    pub outcome: DeliveryOutcome,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<R> State<R> {
    /// Whether `key` already reached `channel` (or was given up on there).
    pub fn was_handled(&self, key: &str, channel: Channel) -> bool {
        self.deliveries
            .iter()
            .any(|d| d.key == key && d.channel == channel)
    }

    pub fn push_run(&mut self, run: RunRecord) {
        self.runs.push(run);
        let excess = self.runs.len().saturating_sub(RUNS_KEPT);
        self.runs.drain(..excess);
    }

    pub fn push_delivery(&mut self, record: DeliveryRecord) {
        self.deliveries.push(record);
        let excess = self.deliveries.len().saturating_sub(DELIVERIES_KEPT);
        self.deliveries.drain(..excess);
    }
}

/// One resource's state as the compact JSON the state file holds for it,
/// unparsed: some 660 bytes where the parsed [`ResourceState`] takes about
/// twice that, so a run can hold 100,000 of them while it probes. Written
/// back as it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawResource(Box<serde_json::value::RawValue>);

impl RawResource {
    /// The resource's text, written into a buffer this thread keeps from
    /// one call to the next and then copied out at its exact size: a text
    /// grown in place leaves a trail of outgrown buffers behind it, which
    /// 100,000 resources turn into tens of megabytes of scattered free
    /// memory.
    pub fn of(resource: &ResourceState) -> serde_json::Result<RawResource> {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.clear();
            serde_json::to_writer(&mut *scratch, resource)?;
            let text = std::str::from_utf8(scratch).map_err(serde::ser::Error::custom)?;
            serde_json::from_str(text).map(RawResource)
        })
    }

    pub fn parse(&self) -> serde_json::Result<ResourceState> {
        serde_json::from_str(self.0.get())
    }
}

/// The history of a resource as short strings: `"2026-11-26T03:00:00Z dead"`
/// for the first point, then `"+86400 dead"` (seconds after the point before)
/// and, when the probe saw something else than the judged status,
/// `"+86400 dead failing"`. A time before the one before is written whole.
/// Reads the object form of state version 1 too.
mod compact_history {
    use jiff::{SignedDuration, Timestamp};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::observation::Status;
    use crate::report::model::HistoryPoint;

    pub fn serialize<S: Serializer>(points: &[HistoryPoint], out: S) -> Result<S::Ok, S::Error> {
        let mut previous: Option<Timestamp> = None;
        let texts: Vec<String> = points
            .iter()
            .map(|p| {
                let when = match previous {
                    Some(before) if p.at >= before => after(p.at.duration_since(before)),
                    _ => p.at.to_string(),
                };
                previous = Some(p.at);
                match p.observed {
                    Some(seen) => format!("{when} {} {}", p.status.as_str(), seen.as_str()),
                    None => format!("{when} {}", p.status.as_str()),
                }
            })
            .collect();
        texts.serialize(out)
    }

    /// `+86400`, or `+86400.25` with the fraction a run's start time had.
    fn after(gap: SignedDuration) -> String {
        let nanos = gap.subsec_nanos();
        if nanos == 0 {
            return format!("+{}", gap.as_secs());
        }
        let fraction = format!("{nanos:09}");
        format!("+{}.{}", gap.as_secs(), fraction.trim_end_matches('0'))
    }

    fn gap(text: &str) -> Option<SignedDuration> {
        let (secs, fraction) = text.split_once('.').unwrap_or((text, ""));
        let secs: i64 = secs.parse().ok()?;
        if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) || secs < 0 {
            return None;
        }
        let nanos: i32 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<9}").parse().ok()?
        };
        Some(SignedDuration::new(secs, nanos))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Point {
        Text(String),
        Object(HistoryPoint),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Vec<HistoryPoint>, D::Error> {
        let points: Vec<Point> = Vec::deserialize(input)?;
        let mut out: Vec<HistoryPoint> = Vec::with_capacity(points.len());
        for p in points {
            let point = match p {
                Point::Object(point) => point,
                Point::Text(text) => parse(&text, out.last().map(|p| p.at))
                    .ok_or_else(|| D::Error::custom(format!("`{text}` is not a history point")))?,
            };
            out.push(point);
        }
        Ok(out)
    }

    fn status(word: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == word)
    }

    fn parse(text: &str, previous: Option<Timestamp>) -> Option<HistoryPoint> {
        let mut words = text.split(' ');
        let when = words.next()?;
        let at = match when.strip_prefix('+') {
            Some(rest) => previous?.checked_add(gap(rest)?).ok()?,
            None => when.parse().ok()?,
        };
        let judged = status(words.next()?)?;
        let observed = match words.next() {
            Some(word) => Some(status(word)?),
            None => None,
        };
        if words.next().is_some() {
            return None;
        }
        Some(HistoryPoint {
            at,
            status: judged,
            observed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compact_history_reads_back_exactly_and_reads_version_1_objects() {
        let at: Timestamp = "2026-11-26T03:00:00.123456789Z".parse().unwrap();
        let mut r = ResourceState::default();
        for (n, observed) in [(0, None), (1, Some(Status::Failing)), (3, None)] {
            r.history.push(HistoryPoint {
                at: at + jiff::SignedDuration::from_secs(86_400 * n + n * 7),
                status: Status::Dead,
                observed,
            });
        }
        // A clock set back between two runs: the time is written whole.
        r.history.push(HistoryPoint {
            at: "2026-11-20T00:00:00Z".parse().unwrap(),
            status: Status::Ok,
            observed: None,
        });
        let text = serde_json::to_string(&r).unwrap();
        assert!(
            text.contains(r#""history":["2026-11-26T03:00:00.123456789Z dead","+86407 dead failing","+172814 dead","2026-11-20T00:00:00Z ok"]"#),
            "{text}"
        );
        let back: ResourceState = serde_json::from_str(&text).unwrap();
        assert_eq!(back.history, r.history);
        let v1: ResourceState = serde_json::from_str(
            r#"{"history":[{"at":"2026-11-01T03:00:00Z","status":"failing","observed":"dead"}]}"#,
        )
        .unwrap();
        assert_eq!(v1.history[0].observed, Some(Status::Dead));
        assert!(serde_json::from_str::<ResourceState>(r#"{"history":["+5 dead"]}"#).is_err());
        assert!(
            serde_json::from_str::<ResourceState>(r#"{"history":["2026-11-01T03:00:00Z gone"]}"#)
                .is_err()
        );
    }
}
