//! Report models for renderer tests: a small hand-written one with every
//! status and every kind of hostile text, and one built from the shipped
//! catalog with sample statuses (for the screenshot in docs/).
#![allow(dead_code)]

use catwatch::catalog::entry::{Access, Flag, Maintenance, Modalities, ResourceKind, UrlRole};
use catwatch::observation::{Dated, Status};
use catwatch::report::model::{HistoryPoint, ResourceStatus, StatusReport};
use jiff::Timestamp;

pub fn now() -> Timestamp {
    "2026-11-26T21:00:00Z".parse().unwrap()
}

pub fn days_ago(days: i64) -> Timestamp {
    Timestamp::from_second(now().as_second() - days * 86_400).unwrap()
}

/// One history point per night, oldest first, ending with `statuses.last()` last night.
pub fn history(statuses: &[Status]) -> Vec<HistoryPoint> {
    let n = statuses.len() as i64;
    statuses
        .iter()
        .enumerate()
        .map(|(i, s)| HistoryPoint {
            at: days_ago(n - i as i64),
            status: *s,
            observed: None,
        })
        .collect()
}

fn flags(ct: Flag, xray: Flag, metadata: Flag) -> Modalities {
    Modalities {
        ct,
        xray,
        mrt: Flag::N,
        ultrasound: Flag::U,
        metadata,
        case_review: Flag::N,
    }
}

fn resource(id: &str, name: &str, status: Option<Status>) -> ResourceStatus {
    ResourceStatus {
        id: id.to_owned(),
        name: name.to_owned(),
        kind: ResourceKind::Imaging,
        url: format!("https://example.org/{id}"),
        description: format!(
            "The test resource {id}, a data set of chest images for the reports' tests."
        ),
        doi: None,
        modalities: flags(Flag::Y, Flag::Y, Flag::N),
        access: Access::Open,
        license: catwatch::catalog::entry::License {
            spdx: Some("CC-BY-4.0".into()),
            name: None,
            url: None,
            status: catwatch::catalog::entry::LicenseStatus::Believed,
        },
        last_verified: "2026-11-26".parse().unwrap(),
        maintenance: Maintenance::Active,
        survey_reference: None,
        status,
        since: status.map(|_| days_ago(10)),
        reason: None,
        message: None,
        moved_to: None,
        last_updated: None,
        newer_version: None,
        version_pinned: false,
        findings: Vec::new(),
        archived_copy: None,
        change_note: None,
        last_checked: status.map(|_| days_ago(1)),
        flapping: false,
        history: vec![],
    }
}

/// Every status, a never-checked entry, flapping, a move, and hostile text:
/// a `<script>` name, mentions and references, a `javascript:` URL.
pub fn fixture() -> StatusReport {
    use Status::*;
    let mut ok = resource("alpha-ct", "Alpha CT collection", Some(Ok));
    ok.survey_reference = Some(16);
    ok.last_updated = Some(Dated {
        at: days_ago(12),
        source: "github:pushed_at".into(),
    });
    ok.history = history(&[Ok, Ok, Failing, Ok, Ok]);

    let mut xss = resource("xss-probe", "<script>alert(1)</script>", Some(Dead));
    xss.url = "javascript:alert(1)".into();
    xss.reason = Some(catwatch::reason::Reason::Http(404));
    xss.message = Some("HTTP 404 <b>twice</b> @team see #12 [x](javascript:y)".into());
    xss.history = history(&[Ok, Failing, Dead]);

    let mut moved = resource("beta-xray", "Beta | X-ray *set*", Some(Moved));
    moved.modalities = flags(Flag::N, Flag::Y, Flag::Y);
    moved.moved_to = Some("https://example.org/new-home".into());
    moved.message = Some("Permanent redirect (308) to a new home".into());

    let mut stale = resource("gamma-archive", "Gamma archive", Some(Stale));
    stale.maintenance = Maintenance::Active;
    stale.last_updated = Some(Dated {
        at: days_ago(800),
        source: "zenodo:modified".into(),
    });
    stale.message = Some("No update for 800 days (threshold 365)".into());

    let mut flapping = resource("delta-ultrasound", "Delta ultrasound", Some(Failing));
    flapping.modalities = flags(Flag::N, Flag::N, Flag::Y);
    flapping.modalities.ultrasound = Flag::Y;
    flapping.flapping = true;
    flapping.history = history(&[Ok, Failing, Ok, Failing, Ok, Failing]);

    let mut literature = resource("epsilon-papers", "Epsilon literature hub", Some(Blocked));
    literature.kind = ResourceKind::Literature;
    literature.access = Access::Registration;
    literature.modalities = flags(Flag::U, Flag::U, Flag::Y);
    literature.modalities.case_review = Flag::Y;

    let mut archived = resource("zeta-repo", "Zeta repository", Some(Archived));
    archived.maintenance = Maintenance::Frozen;
    let unknown = resource("eta-kaggle", "Eta Kaggle set", Some(Unknown));
    let unchecked = resource("theta-new", "Theta (new entry)", None);

    StatusReport {
        generated_at: now(),
        last_successful_run: Some(days_ago(1)),
        monitor_degraded: false,
        resources: vec![
            ok, xss, moved, stale, flapping, literature, archived, unknown, unchecked,
        ],
    }
}

/// The shipped catalog (`catalog/`) with statuses and histories assigned by a
/// fixed pattern: what a page looks like after a few weeks of nightly runs.
pub fn from_catalog() -> StatusReport {
    use Status::*;
    // CATWATCH_SAMPLE_CATALOG: another catalog directory (for the screenshot
    // while the shipped catalog grows on another branch).
    let dir = std::env::var("CATWATCH_SAMPLE_CATALOG")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/catalog").to_owned());
    let entries = catwatch::catalog::load_entries(
        std::path::Path::new(&dir),
        catwatch::lint::today(jiff::Timestamp::now()),
    )
    .expect("the shipped catalog loads");
    // Mostly healthy, as a real night looks: a few dead, flapping, stale,
    // moved and bot-walled resources, some ok ones with an old blip.
    const HEALTHY: &[Status] = &[Ok; 14];
    const BLIP: &[Status] = &[Ok, Ok, Ok, Ok, Ok, Failing, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok];
    const DEAD: &[Status] = &[
        Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Failing, Dead, Dead, Dead,
    ];
    const FLAPPING: &[Status] = &[
        Ok, Failing, Ok, Failing, Ok, Ok, Failing, Ok, Failing, Ok, Failing, Ok, Ok, Failing,
    ];
    const STALE: &[Status] = &[Stale; 14];
    const MOVED: &[Status] = &[Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Moved, Moved];
    const BLOCKED: &[Status] = &[
        Blocked, Blocked, Ok, Blocked, Blocked, Blocked, Blocked, Ok, Blocked, Blocked, Blocked,
        Blocked, Blocked, Blocked,
    ];
    let pattern = |i: usize| -> (&'static [Status], bool) {
        match i {
            _ if i % 17 == 3 => (DEAD, false),
            _ if i % 19 == 7 => (FLAPPING, true),
            _ if i % 23 == 5 => (STALE, false),
            12 => (MOVED, false),
            _ if i % 13 == 9 => (BLOCKED, false),
            _ if i % 4 == 1 => (BLIP, false),
            _ => (HEALTHY, false),
        }
    };
    let resources = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let (statuses, flapping) = pattern(i);
            let status = *statuses.last().unwrap();
            let changed = statuses.iter().rev().take_while(|s| **s == status).count() as i64;
            let url = entry
                .urls
                .iter()
                .find(|u| u.role == UrlRole::Landing)
                .unwrap_or(&entry.urls[0])
                .url
                .to_string();
            ResourceStatus {
                id: entry.id.clone(),
                name: entry.name.clone(),
                kind: entry.kind,
                url: url.clone(),
                description: entry.description.clone(),
                doi: None,
                modalities: entry.modalities,
                access: entry.access,
                license: entry.license.clone(),
                last_verified: entry.provenance.last_verified,
                maintenance: entry.maintenance,
                survey_reference: entry.provenance.survey_reference,
                status: Some(status),
                since: Some(days_ago(changed)),
                reason: None,
                message: match status {
                    Dead => Some("HTTP 404 on three nightly runs in a row".into()),
                    Stale => Some("No upstream update for more than 365 days".into()),
                    Moved => Some("Permanent redirect to a new address".into()),
                    Failing => Some("Timed out after 30 s".into()),
                    _ => None,
                },
                moved_to: (status == Moved).then(|| format!("{url}-moved")),
                last_updated: Some(Dated {
                    at: days_ago([3, 40, 210, 900, 15, 120, 60, 1500][i % 8]),
                    source: "github:pushed_at".into(),
                }),
                newer_version: None,
                version_pinned: false,
                findings: Vec::new(),
                archived_copy: None,
                change_note: None,
                last_checked: Some(days_ago(1)),
                flapping,
                history: history(statuses),
            }
        })
        .collect();
    StatusReport {
        generated_at: now(),
        last_successful_run: Some(days_ago(1)),
        monitor_degraded: false,
        resources,
    }
}
