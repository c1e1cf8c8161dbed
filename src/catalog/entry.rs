//! The typed form of one catalog entry, mirroring `schema/entry.schema.json`.
//!
//! The schema is the contract contributors see; these types are what the rest of
//! the program reads after lint has accepted a file. Keep both in step.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: ResourceKind,
    pub urls: Vec<ResourceUrl>,
    pub modalities: Modalities,
    pub access: Access,
    pub license: License,
    pub maintenance: Maintenance,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after_days: Option<u32>,
    /// The entry lists this version on purpose: a newer one is reported,
    /// never alerted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_version: Option<PinnedVersion>,
    pub provenance: Provenance,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<Exemption>,
}

/// Why the entry lists an older version on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedVersion {
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Imaging,
    Literature,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceUrl {
    pub url: Url,
    pub role: UrlRole,
    /// `false`: recorded for reference, never probed.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub check: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UrlRole {
    Landing,
    Repository,
    Download,
    Paper,
    Doi,
}

/// The survey's Y / N / U cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flag {
    Y,
    N,
    U,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Modalities {
    pub ct: Flag,
    pub xray: Flag,
    pub mrt: Flag,
    pub ultrasound: Flag,
    pub metadata: Flag,
    pub case_review: Flag,
}

impl Modalities {
    /// The six flags in the survey's column order, with their column titles.
    pub fn columns(&self) -> [(&'static str, Flag); 6] {
        [
            ("CT", self.ct),
            ("X-ray", self.xray),
            ("MRT", self.mrt),
            ("Ultrasound", self.ultrasound),
            ("Metadata", self.metadata),
            ("Case review", self.case_review),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Open,
    Registration,
    Request,
    Agreement,
    Closed,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Open => "open",
            Access::Registration => "registration",
            Access::Request => "request",
            Access::Agreement => "agreement",
            Access::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct License {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spdx: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub status: LicenseStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseStatus {
    Confirmed,
    Believed,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Maintenance {
    Active,
    Frozen,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_reference: Option<u8>,
    pub last_verified: Date,
    pub verified_against: String,
    pub live_checked: bool,
    pub claims: Vec<Claim>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub about: ClaimSubject,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimSubject {
    Existence,
    Urls,
    Modalities,
    Access,
    License,
    Maintenance,
    Description,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    pub kind: ExemptionKind,
    /// Empty: every non-ok status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<crate::observation::Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub reason: String,
    pub expires: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExemptionKind {
    FalseAlarm,
    Snooze,
}

impl Exemption {
    /// Whether this exemption silences `status` for `url` on `today`.
    pub fn covers(&self, status: crate::observation::Status, url: &Url, today: Date) -> bool {
        today <= self.expires
            && (self.statuses.is_empty() || self.statuses.contains(&status))
            && self.url.as_ref().is_none_or(|only| only == url)
    }
}

impl Entry {
    /// The entry with only what judging it needs (its id, URLs and roles,
    /// maintenance, staleness threshold and exemptions): the description,
    /// the claims and the URL notes are dropped, so that a large run does not
    /// carry them while it probes.
    pub fn for_judging(mut self) -> Entry {
        self.description = String::new();
        self.provenance.claims = Vec::new();
        self.provenance.verified_against = String::new();
        for url in &mut self.urls {
            url.note = None;
        }
        self
    }
}
