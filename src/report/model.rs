//! The report model: what every renderer (Markdown, HTML, JSON, badges) reads.
//! Built from the state and the catalog, never from a live probe.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalog::entry::{Access, Maintenance, Modalities, ResourceKind};
use crate::observation::{Dated, Status};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub generated_at: Timestamp,
    /// The heartbeat: end of the last run that completed.
    pub last_successful_run: Option<Timestamp>,
    /// The last run judged its own network broken (too many probes failed).
    pub monitor_degraded: bool,
    pub resources: Vec<ResourceStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceStatus {
    pub id: String,
    pub name: String,
    pub kind: ResourceKind,
    /// The URL a reader should follow (the landing page, else the first URL).
    pub url: String,
    /// The entry's description (for the page's schema.org records).
    #[serde(default)]
    pub description: String,
    /// The entry's DOI link, when it lists one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    pub modalities: Modalities,
    pub access: Access,
    /// The data's licence and how sure the catalog is of it.
    pub license: crate::catalog::entry::License,
    /// When the entry was last read at its sources.
    pub last_verified: jiff::civil::Date,
    pub maintenance: Maintenance,
    pub survey_reference: Option<u8>,
    /// None: never checked yet.
    pub status: Option<Status>,
    pub since: Option<Timestamp>,
    pub reason: Option<crate::reason::Reason>,
    pub message: Option<String>,
    pub moved_to: Option<String>,
    pub last_updated: Option<Dated>,
    /// A newer version the platform names, and whether the entry pins its
    /// version on purpose (then it is shown, not flagged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_version: Option<crate::observation::NewerVersion>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub version_pinned: bool,
    /// Where the platform's licence or access differs from the entry's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<crate::observation::Finding>,
    /// The most recent web-archive copy of a dead resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_copy: Option<crate::observation::ArchivedCopy>,
    /// What the last monitor run noticed of the content without alerting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_note: Option<String>,
    pub last_checked: Option<Timestamp>,
    pub flapping: bool,
    /// Newest last, at most the state's history length.
    pub history: Vec<HistoryPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPoint {
    pub at: Timestamp,
    /// The judged status of that run (what the reports show).
    pub status: Status,
    /// What the probe itself saw, when it differs from the judged status
    /// (a failing probe of a resource not yet dead, a good probe of one still
    /// recovering): the flapping detector counts these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Status>,
}

impl HistoryPoint {
    /// What the probe saw in that run.
    pub fn probed(&self) -> Status {
        self.observed.unwrap_or(self.status)
    }
}
