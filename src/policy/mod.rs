//! Judging: classify observations into statuses, and decide which transitions
//! alert. Pure: takes `now`, touches no I/O.

use serde::Deserialize;

use crate::observation::Status;

/// `[policy]` in catwatch.toml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySettings {
    /// An active resource not updated for this long is stale (entries may override).
    pub stale_after_days: u32,
    /// Consecutive failed runs before a resource turns dead and alerts.
    pub dead_after_runs: u32,
    /// Consecutive good runs before a dead resource counts as recovered.
    pub recover_after_runs: u32,
    /// How many recent runs the flapping detector looks at.
    pub flap_window: usize,
    /// Share of status changes in the window (percent) above which a resource is flapping.
    pub flap_high_percent: u8,
    /// Share below which a flapping resource is calm again.
    pub flap_low_percent: u8,
    /// When at least this share (percent) of probes fail in one run, the monitor itself is degraded.
    pub degraded_percent: u8,
    /// Degradation is only judged on runs with at least this many probes.
    pub degraded_min_probes: usize,
    /// Repeat an alert still firing after this many days.
    pub repeat_interval_days: u32,
    /// How often the monitor is scheduled; a heartbeat older than twice this is reported.
    pub schedule_interval_hours: u32,
    /// Statuses that make `catwatch check` exit 1.
    pub fail_on: Vec<Status>,
    /// A data set whose total bytes drop by at least this share (percent)
    /// between two monitor runs alerts; files that disappear always do.
    pub shrink_alert_percent: u8,
}

impl Default for PolicySettings {
    fn default() -> PolicySettings {
        PolicySettings {
            stale_after_days: 365,
            dead_after_runs: 2,
            recover_after_runs: 2,
            flap_window: 21,
            flap_high_percent: 50,
            flap_low_percent: 25,
            degraded_percent: 50,
            degraded_min_probes: 5,
            repeat_interval_days: 7,
            schedule_interval_hours: 24,
            fail_on: vec![Status::Dead],
            shrink_alert_percent: 20,
        }
    }
}

/// What an alert announces. Alerts fire only on transitions (and reminders).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertKind {
    /// Newly dead after `dead_after_runs` failed runs.
    Dead,
    Stale,
    Moved {
        to: String,
    },
    Archived,
    /// Changing state too often to trust either side; reported once.
    Flapping,
    /// Back to ok after `recover_after_runs` good runs, following an alert.
    Recovered {
        from: Status,
    },
    /// Still firing after `repeat_interval_days`.
    Reminder {
        of: Status,
    },
    /// Too many probes failed in one run: our own network, not the resources.
    MonitorDegraded {
        failed: usize,
        total: usize,
    },
    /// The monitor's probes work again after a degraded episode; once per episode.
    MonitorRecovered {
        since: jiff::Timestamp,
    },
    /// The previous successful run is older than twice the schedule interval.
    MissedSchedule {
        last_successful_run: Option<jiff::Timestamp>,
    },
    /// The platform names a newer version than the one the entry lists;
    /// once per new version.
    NewerVersion {
        version: crate::observation::NewerVersion,
    },
    /// Files disappeared, or the bytes dropped by `[policy]
    /// shrink_alert_percent` or more, since the last run.
    ContentShrank {
        files_before: u64,
        files_after: u64,
        bytes_before: u64,
        bytes_after: u64,
    },
    /// The licence the platform declares changed since the last run.
    LicenseChanged {
        from: String,
        to: String,
    },
    /// The access the platform declares changed since the last run.
    AccessChanged {
        from: crate::catalog::entry::Access,
        to: crate::catalog::entry::Access,
    },
    /// The platform contradicts the entry's licence or access; once per
    /// pair of values.
    Finding {
        finding: crate::observation::Finding,
    },
}

impl AlertKind {
    /// An event about the resource's content or terms, not its health: it
    /// has no recovery, and it is news even when nothing is broken.
    pub fn is_change(&self) -> bool {
        matches!(
            self,
            AlertKind::NewerVersion { .. }
                | AlertKind::ContentShrank { .. }
                | AlertKind::LicenseChanged { .. }
                | AlertKind::AccessChanged { .. }
                | AlertKind::Finding { .. }
        )
    }
}

/// One notification-worthy event. `key` identifies it for de-duplication: the
/// same key is never delivered twice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Alert {
    pub key: String,
    /// None for alerts about the monitor itself.
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub kind: AlertKind,
    /// One sentence for a person (untrusted text inside is escaped by each renderer).
    pub message: String,
    /// The URL the alert is about, if any.
    pub url: Option<String>,
    pub at: jiff::Timestamp,
}

impl Alert {
    /// "A is dead", about resource `a`, at `at`: a fixture for the tests of
    /// the outbox and the monitor.
    #[cfg(test)]
    pub(crate) fn sample(key: &str, at: jiff::Timestamp) -> Alert {
        Alert {
            key: key.to_owned(),
            resource_id: Some("a".into()),
            resource_name: Some("A".into()),
            kind: AlertKind::Dead,
            message: "A is dead".into(),
            url: None,
            at,
        }
    }
}

pub mod alerting;
pub mod changes;
pub mod classify;
pub mod network;
