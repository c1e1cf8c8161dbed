//! Beyond "is it up": what changed in a resource between two monitor runs.
//! Pure; takes what the state tracked, this run's check and `now`.
//!
//! - A **newer version** the platform names is announced once per version
//!   (its URL and label), unless the entry pins its version on purpose.
//! - The **file listing** (a manifest fingerprint: file count, bytes, a
//!   digest) alerts when files disappear or the bytes drop by `[policy]
//!   shrink_alert_percent` or more; growth is noted for the reports only.
//! - A change of the **licence** or the **access** the platform declares is
//!   an alert naming both values.
//!
//! The first sight of a manifest, licence or access is a baseline: nothing
//! changed yet. Facts are judged only on runs where the resource answered:
//! a dead or rate-limited run neither moves nor forgets them.

use jiff::Timestamp;

use super::{Alert, AlertKind, PolicySettings};
use crate::catalog::Entry;
use crate::observation::{Manifest, Measure, ResourceCheck, Unit};
use crate::state::model::{Health, Tracked, TrackedManifest};

/// The tracked facts after this run, and the alerts their changes raise
/// (none when `announce` is false: an observe-only run records a baseline).
pub fn track(
    previous: Tracked,
    check: &ResourceCheck,
    entry: &Entry,
    settings: &PolicySettings,
    now: Timestamp,
    announce: bool,
) -> (Tracked, Vec<Alert>) {
    if Health::of(check.status) != Health::Up {
        return (previous, Vec::new());
    }
    let mut alerts = Vec::new();
    let mut next = Tracked {
        note: None,
        ..previous.clone()
    };
    let mut raise = |key: String, kind: AlertKind, message: String, url: Option<String>| {
        if announce {
            alerts.push(Alert {
                key,
                resource_id: Some(entry.id.clone()),
                resource_name: Some(entry.name.clone()),
                kind,
                message,
                url: url.or_else(|| entry.urls.first().map(|u| u.url.to_string())),
                at: now,
            });
        }
    };

    match &check.newer_version {
        None => next.newer_version = None,
        Some(newer) => {
            let identity = newer.identity();
            if previous.newer_version.as_deref() != Some(identity.as_str())
                && entry.pinned_version.is_none()
            {
                raise(
                    format!("{}:newer-version:{identity}", entry.id),
                    AlertKind::NewerVersion {
                        version: (**newer).clone(),
                    },
                    format!(
                        "{}: a newer version exists: {}",
                        entry.name,
                        newer.describe()
                    ),
                    Some(newer.url.clone()),
                );
            }
            next.newer_version = Some(identity);
        }
    }

    if let Some(now_listed) = check.manifest.as_deref() {
        let after = TrackedManifest::from(now_listed);
        if let Some(before) = &previous.manifest
            && before.digest != after.digest
        {
            let lost_files = after.files < before.files;
            let dropped = before.bytes > 0
                && after.bytes < before.bytes
                && (before.bytes - after.bytes) * 100
                    >= u64::from(settings.shrink_alert_percent) * before.bytes;
            if lost_files || dropped {
                raise(
                    format!("{}:content-shrank:{}", entry.id, after.digest),
                    AlertKind::ContentShrank {
                        files_before: before.files,
                        files_after: after.files,
                        bytes_before: before.bytes,
                        bytes_after: after.bytes,
                    },
                    format!(
                        "{}: the data set shrank: {} ({}), was {}",
                        entry.name,
                        extent(after.files, after.bytes),
                        shrink_share(before.bytes, after.bytes),
                        extent(before.files, before.bytes),
                    ),
                    None,
                );
            } else if after.files > before.files || after.bytes > before.bytes {
                next.note = Some(format!(
                    "grew to {}, from {} ({})",
                    extent(after.files, after.bytes),
                    extent(before.files, before.bytes),
                    now_listed.source
                ));
            } else {
                next.note = Some(format!(
                    "the file listing changed at the same size ({})",
                    now_listed.source
                ));
            }
        }
        next.manifest = Some(after);
    }

    let mut license_changed = false;
    let mut access_changed = false;
    if let Some(declared) = &check.license {
        if let Some(before) = &previous.license
            && !before.eq_ignore_ascii_case(&declared.id)
        {
            license_changed = true;
            raise(
                format!("{}:license:{before}->{}:{now}", entry.id, declared.id),
                AlertKind::LicenseChanged {
                    from: before.clone(),
                    to: declared.id.clone(),
                },
                format!(
                    "{}: the licence changed from {before} to {} ({})",
                    entry.name, declared.id, declared.source
                ),
                None,
            );
        }
        next.license = Some(declared.id.clone());
    }

    if let Some(declared) = &check.access {
        if let Some(before) = previous.access
            && before != declared.access
        {
            access_changed = true;
            raise(
                format!(
                    "{}:access:{}->{}:{now}",
                    entry.id,
                    before.as_str(),
                    declared.access.as_str()
                ),
                AlertKind::AccessChanged {
                    from: before,
                    to: declared.access,
                },
                format!(
                    "{}: access changed from {} to {} ({})",
                    entry.name,
                    before.as_str(),
                    declared.access.as_str(),
                    declared.source
                ),
                None,
            );
        }
        next.access = Some(declared.access);
    }
    for finding in &check.findings {
        let key = finding_key(finding);
        // A change announced this run already names the new value.
        let told = match finding {
            crate::observation::Finding::License { .. } => license_changed,
            crate::observation::Finding::Access { .. } => access_changed,
        };
        if !told && !previous.findings.contains(&key) {
            raise(
                format!("{}:finding:{key}", entry.id),
                AlertKind::Finding {
                    finding: finding.clone(),
                },
                format!("{}: {}", entry.name, finding.describe()),
                None,
            );
        }
    }
    next.findings = check.findings.iter().map(finding_key).collect();

    (next, alerts)
}

/// What makes two findings the same: their kind and both values.
fn finding_key(finding: &crate::observation::Finding) -> String {
    match finding {
        crate::observation::Finding::License { entry, platform } => {
            format!("license:{entry}:{platform}")
        }
        crate::observation::Finding::Access { entry, platform } => {
            format!("access:{}:{}", entry.as_str(), platform.as_str())
        }
    }
}

/// "12 files, 1.5 GB".
pub fn extent(files: u64, bytes: u64) -> String {
    let of = |count, unit| {
        Measure {
            count,
            unit,
            source: String::new(),
        }
        .amount()
    };
    format!("{}, {}", of(files, Unit::Files), of(bytes, Unit::Bytes))
}

fn shrink_share(before: u64, after: u64) -> String {
    if before == 0 || after >= before {
        return "no bytes lost".into();
    }
    format!("{}% fewer bytes", (before - after) * 100 / before)
}

/// A manifest as `track` keeps it, for tests and the reports.
pub fn tracked(manifest: &Manifest) -> TrackedManifest {
    TrackedManifest::from(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::entry::{Access, PinnedVersion};
    use crate::observation::{DeclaredAccess, DeclaredLicense, NewerVersion, Status};
    use crate::policy::alerting::tests::entry;

    fn check(status: Status) -> ResourceCheck {
        let mut c: ResourceCheck = serde_json::from_value(serde_json::json!({
            "id": "a", "status": status, "reason": "alive", "message": "m",
            "checked_at": "2026-11-26T20:00:00Z", "duration_ms": 1, "observations": []
        }))
        .unwrap();
        c.status = status;
        c
    }

    fn night(n: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + n * 86_400).unwrap()
    }

    fn run(tracked: Tracked, c: &ResourceCheck, e: &Entry, n: i64) -> (Tracked, Vec<String>) {
        let (next, alerts) = track(tracked, c, e, &PolicySettings::default(), night(n), true);
        (next, alerts.into_iter().map(|a| a.message).collect())
    }

    #[test]
    fn a_newer_version_is_announced_once_and_never_when_pinned() {
        let e = entry("a");
        let mut c = check(Status::Ok);
        c.newer_version = Some(Box::new(NewerVersion {
            url: "https://zenodo.org/records/2".into(),
            label: Some("v2".into()),
            released: None,
        }));
        let (t, first) = run(Tracked::default(), &c, &e, 1);
        assert_eq!(first.len(), 1, "{first:?}");
        assert!(first[0].contains("v2, at https://zenodo.org/records/2"));
        let (t, second) = run(t, &c, &e, 2);
        assert!(second.is_empty(), "once per version: {second:?}");
        c.newer_version.as_mut().unwrap().label = Some("v3".into());
        c.newer_version.as_mut().unwrap().url = "https://zenodo.org/records/3".into();
        let (_, third) = run(t, &c, &e, 3);
        assert_eq!(third.len(), 1, "a further version is news");
        let mut pinned = entry("a");
        pinned.pinned_version = Some(PinnedVersion {
            reason: "v3 changed the split".into(),
        });
        let (_, none) = run(Tracked::default(), &c, &pinned, 1);
        assert!(none.is_empty());
    }

    #[test]
    fn a_shrink_alerts_growth_is_noted_and_the_first_listing_is_a_baseline() {
        let e = entry("a");
        let mut c = check(Status::Ok);
        let manifest = |files, bytes, digest: &str| Manifest {
            files,
            bytes,
            digest: digest.into(),
            source: "kaggle:totalBytes".into(),
        };
        c.manifest = Some(Box::new(manifest(10, 1_000, "d1")));
        let (t, baseline) = run(Tracked::default(), &c, &e, 1);
        assert!(baseline.is_empty());
        c.manifest = Some(Box::new(manifest(10, 1_200, "d2")));
        let (t, grew) = run(t, &c, &e, 2);
        assert!(grew.is_empty());
        assert!(
            t.note
                .as_deref()
                .unwrap()
                .starts_with("grew to 10 files, 1.2 kB")
        );
        c.manifest = Some(Box::new(manifest(10, 720, "d3")));
        let (t, shrank) = run(t, &c, &e, 3);
        assert_eq!(shrank.len(), 1, "40% fewer bytes alerts");
        assert!(shrank[0].contains("40% fewer bytes"), "{shrank:?}");
        c.manifest = Some(Box::new(manifest(10, 700, "d4")));
        let (t, small) = run(t, &c, &e, 4);
        assert!(small.is_empty(), "3% is below the threshold");
        c.manifest = Some(Box::new(manifest(9, 700, "d5")));
        let (t, lost) = run(t, &c, &e, 5);
        assert_eq!(lost.len(), 1, "a lost file always alerts");
        let (_, dead) = run(t.clone(), &check(Status::Dead), &e, 6);
        assert!(dead.is_empty());
    }

    #[test]
    fn licence_and_access_changes_name_both_values() {
        let e = entry("a");
        let mut c = check(Status::Ok);
        c.license = Some(Box::new(DeclaredLicense {
            id: "CC-BY-4.0".into(),
            spdx: true,
            source: "figshare:license".into(),
        }));
        c.access = Some(Box::new(DeclaredAccess {
            access: Access::Open,
            source: "huggingface:gated".into(),
        }));
        let (t, baseline) = run(Tracked::default(), &c, &e, 1);
        assert!(baseline.is_empty());
        c.license.as_mut().unwrap().id = "CC-BY-NC-4.0".into();
        c.access.as_mut().unwrap().access = Access::Request;
        let (t, changed) = run(t, &c, &e, 2);
        assert_eq!(changed.len(), 2, "{changed:?}");
        assert!(changed[0].contains("from CC-BY-4.0 to CC-BY-NC-4.0"));
        assert!(changed[1].contains("from open to request"));
        let (_, again) = run(t, &c, &e, 3);
        assert!(again.is_empty());
    }

    #[test]
    fn a_finding_is_announced_once_and_not_beside_the_change_that_caused_it() {
        use crate::observation::Finding;
        let e = entry("a");
        let mut c = check(Status::Ok);
        c.access = Some(Box::new(DeclaredAccess {
            access: Access::Open,
            source: "huggingface:gated".into(),
        }));
        let (t, _) = run(Tracked::default(), &c, &e, 1);
        c.access.as_mut().unwrap().access = Access::Agreement;
        c.findings = vec![Finding::Access {
            entry: Access::Open,
            platform: Access::Agreement,
        }];
        let (t, changed) = run(t, &c, &e, 2);
        assert_eq!(changed.len(), 1, "the access change only: {changed:?}");
        let (_, again) = run(t, &c, &e, 3);
        assert!(again.is_empty(), "the finding was told with the change");
        let mut fresh = check(Status::Ok);
        fresh.findings = vec![Finding::License {
            entry: "CC-BY-4.0".into(),
            platform: "CC-BY-NC-4.0".into(),
        }];
        let (t, first) = run(Tracked::default(), &fresh, &e, 1);
        assert_eq!(first.len(), 1);
        assert!(
            first[0]
                .contains("the entry's licence is CC-BY-4.0, the platform declares CC-BY-NC-4.0")
        );
        let (_, second) = run(t, &fresh, &e, 2);
        assert!(second.is_empty());
    }

    #[test]
    fn an_observe_only_run_records_without_alerting() {
        let e = entry("a");
        let mut c = check(Status::Ok);
        c.newer_version = Some(Box::new(NewerVersion::at("https://x/2")));
        let (t, alerts) = track(
            Tracked::default(),
            &c,
            &e,
            &PolicySettings::default(),
            night(1),
            false,
        );
        assert!(alerts.is_empty());
        assert_eq!(t.newer_version.as_deref(), Some("https://x/2"));
    }
}
