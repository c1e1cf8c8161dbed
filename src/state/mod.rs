//! What was seen across runs: one JSON file, versioned, written atomically and
//! locked against a concurrent run.
//!
//! [`model`] holds the types (pure), [`store`] the file I/O (lock, load with
//! quarantine, atomic save). The judging of transitions lives in
//! `policy::alerting`; this module only remembers.

pub mod model;
pub mod outbox;
pub mod store;
pub mod url_map;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use crate::catalog::Entry;
use crate::catalog::entry::UrlRole;
use crate::observation::{ResourceCheck, Validators};
use crate::report::model::{ResourceStatus, StatusReport};

pub use model::{ResourceState, RunKind, RunRecord, State};
pub use store::{Loaded, Locked};

/// `[state]` in catwatch.toml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateSettings {
    pub path: PathBuf,
    /// Monitor runs remembered per resource (the history on the status page).
    pub history_len: usize,
    /// How long a run waits for a concurrent run to release the state before
    /// giving up (cleanly, exit 0).
    pub lock_wait_secs: u64,
}

impl Default for StateSettings {
    fn default() -> StateSettings {
        StateSettings {
            path: PathBuf::from("state/catwatch-state.json"),
            history_len: 30,
            lock_wait_secs: 10,
        }
    }
}

impl StateSettings {
    pub fn lock_wait(&self) -> Duration {
        Duration::from_secs(self.lock_wait_secs)
    }
}

/// What earlier runs left for this one ([`Known`]): validators (ETag,
/// Last-Modified) by URL for conditional requests, and when each resource
/// was last probed. Empty when there is no state yet, or when the state
/// cannot be read (the next recording run quarantines it).
pub fn load_known(settings: &StateSettings) -> anyhow::Result<Known> {
    let file = match crate::catalog::read::open_own_file(
        &settings.path,
        store::MAX_STATE_BYTES,
        "the state file",
    ) {
        Ok(file) => file,
        Err(err) if err.missing => return Ok(Known::default()),
        Err(err) => return Err(anyhow::anyhow!("{err}")),
    };
    match store::parse_file(file) {
        Ok(state) => Ok(Known::of(&state)),
        Err(why) => {
            tracing::warn!(
                "state file {} is unusable ({why}); probing without validators",
                settings.path.display()
            );
            Ok(Known::default())
        }
    }
}

/// What a run takes from the state before probing: the validators of each
/// URL (for conditional requests) and when each resource was last probed
/// (so the least recently checked go first, and a run cut short by its
/// budget starves a different tail each night).
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub validators: HashMap<String, Validators>,
    pub last_checked: HashMap<String, Timestamp>,
}

impl Known {
    pub fn of(state: &State) -> Known {
        Known {
            validators: state.validators(),
            last_checked: state
                .resources
                .iter()
                .filter_map(|(id, r)| Some((id.clone(), r.last_probed?)))
                .collect(),
        }
    }

    /// The probing order of `ids`: never checked first, then the least
    /// recently checked; ties keep their catalog order. Returns positions
    /// into `ids`.
    pub fn probe_order<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
        let mut keyed: Vec<(Option<Timestamp>, usize)> = ids
            .into_iter()
            .enumerate()
            .map(|(at, id)| (self.last_checked.get(id).copied(), at))
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, at)| at).collect()
    }
}

/// Records one run of `catwatch check` into the state file: what each probe
/// saw, validators and dates. It never alerts and never moves the hysteresis
/// counters (only `monitor` runs do), and it retires nothing, since a check
/// may cover only part of the catalog.
///
/// The checks are taken one at a time and let go once recorded, so a run
/// that hands over its report's checks holds the report and the state only
/// as long as it has to.
pub fn record_checks<C: std::borrow::Borrow<ResourceCheck>>(
    settings: &StateSettings,
    results: impl IntoIterator<Item = anyhow::Result<C>>,
    now: Timestamp,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut results = Some(results);
    let outcome = store::with_lock(&settings.path, settings.lock_wait(), || {
        let mut state = load_reporting(settings, now)?.into_state();
        let mut counts = std::collections::BTreeMap::new();
        let mut checked = 0;
        for check in results.take().into_iter().flatten() {
            // A check that cannot be read fails the recording: nothing is saved.
            let check = check?;
            let check = check.borrow();
            *counts.entry(check.status).or_insert(0) += 1;
            checked += 1;
            state.retired.remove(&check.id);
            state
                .resources
                .entry(check.id.clone())
                .or_default()
                .observe(check, now);
        }
        state.push_run(RunRecord {
            kind: RunKind::Check,
            started: now,
            ended: elapsed_since(now, started),
            checked,
            counts,
            degraded: false,
            observe_only: false,
            alerts: 0,
        });
        store::save(&settings.path, &state)?;
        // A state of 100,000 resources takes a while to free.
        crate::free_in_background(state);
        Ok(())
    })?;
    if let Locked::Busy { lock } = outcome {
        eprintln!(
            "catwatch: warning: another catwatch run holds {}; these results were not recorded in the state",
            lock.display()
        );
    }
    Ok(())
}

/// Loads the state (call under the lock). An unusable file is quarantined,
/// said so on stderr, and replaced at once by a fresh state marked
/// `needs_baseline`, so that the next monitor run only observes even if this
/// run fails before it saves.
pub fn load_reporting(settings: &StateSettings, now: Timestamp) -> anyhow::Result<Loaded> {
    let mut loaded = store::load(&settings.path, now)?;
    if let Loaded::Quarantined {
        moved_to,
        why,
        state,
    } = &mut loaded
    {
        eprintln!(
            "catwatch: error: the state file {} is unusable ({why}); it was moved to {} and a fresh state begins; the first monitor run on it only observes and sends no alerts.",
            settings.path.display(),
            moved_to.display()
        );
        state.needs_baseline = true;
        store::save(&settings.path, state)?;
    }
    Ok(loaded)
}

/// `now` plus the wall-clock time since `started` (so a run overridden by
/// CATWATCH_NOW still records a plausible end).
pub fn elapsed_since(now: Timestamp, started: std::time::Instant) -> Timestamp {
    let elapsed = jiff::SignedDuration::try_from(started.elapsed()).unwrap_or_default();
    now.checked_add(elapsed).unwrap_or(now)
}

pub fn count_statuses<'c>(
    results: impl IntoIterator<Item = &'c ResourceCheck>,
) -> std::collections::BTreeMap<crate::observation::Status, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for check in results {
        *counts.entry(check.status).or_insert(0) += 1;
    }
    counts
}

/// The report model for the renderers: every catalog entry, in catalog order,
/// with what the state remembers of it.
pub fn to_report(state: &State, entries: &[Entry], now: Timestamp) -> StatusReport {
    let resources = entries
        .iter()
        .map(|entry| {
            let remembered = state.resources.get(&entry.id);
            let observed = remembered.and_then(|r| r.observed.as_ref());
            let url = entry
                .urls
                .iter()
                .find(|u| u.role == UrlRole::Landing)
                .or_else(|| entry.urls.first())
                .map(|u| u.url.to_string())
                .unwrap_or_default();
            ResourceStatus {
                id: entry.id.clone(),
                name: entry.name.clone(),
                kind: entry.kind,
                url,
                description: entry.description.trim().to_owned(),
                doi: entry
                    .urls
                    .iter()
                    .find(|u| u.role == UrlRole::Doi)
                    .map(|u| u.url.to_string()),
                modalities: entry.modalities,
                access: entry.access,
                license: entry.license.clone(),
                last_verified: entry.provenance.last_verified,
                maintenance: entry.maintenance,
                survey_reference: entry.provenance.survey_reference,
                status: remembered
                    .and_then(|r| r.status)
                    .or(observed.map(|o| o.status)),
                since: remembered.and_then(|r| r.since),
                reason: observed.map(|o| o.reason),
                message: observed.map(|o| o.message.clone()),
                moved_to: observed.and_then(|o| o.moved_to.clone()),
                last_updated: remembered.and_then(|r| r.last_updated.clone()),
                newer_version: observed.and_then(|o| o.newer_version.as_deref().cloned()),
                version_pinned: entry.pinned_version.is_some(),
                findings: observed.map(|o| o.findings.clone()).unwrap_or_default(),
                archived_copy: observed
                    .filter(|o| {
                        matches!(
                            o.status,
                            crate::observation::Status::Dead | crate::observation::Status::Moved
                        )
                    })
                    .and_then(|o| o.archived_copy.as_deref().cloned()),
                change_note: remembered
                    .and_then(|r| r.tracked.as_ref())
                    .and_then(|t| t.note.clone()),
                last_checked: observed.map(|o| o.at),
                flapping: remembered.is_some_and(|r| r.flapping),
                history: remembered.map(|r| r.history.clone()).unwrap_or_default(),
            }
        })
        .collect();
    StatusReport {
        generated_at: now,
        last_successful_run: state.last_successful_run,
        monitor_degraded: state.monitor.degraded_since.is_some(),
        resources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarantine_is_followed_at_once_by_a_fresh_state_awaiting_its_baseline() {
        let dir = tempfile::tempdir().unwrap();
        let settings = StateSettings {
            path: dir.path().join("s.json"),
            ..StateSettings::default()
        };
        std::fs::write(&settings.path, "not json").unwrap();
        let now = "2026-11-26T03:00:00Z".parse().unwrap();
        let loaded = load_reporting(&settings, now).unwrap();
        assert!(matches!(&loaded, Loaded::Quarantined { state, .. } if state.needs_baseline));
        // Even if the run died here, the next one finds the mark.
        let Loaded::Existing(saved) = store::load(&settings.path, now).unwrap() else {
            panic!("a fresh state was saved")
        };
        assert!(saved.needs_baseline);
    }
}
