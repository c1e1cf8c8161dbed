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

use anyhow::Context;
use jiff::Timestamp;
use serde::Deserialize;

use crate::catalog::Entry;
use crate::catalog::entry::UrlRole;
use crate::observation::{ResourceCheck, Validators};
use crate::report::model::{ResourceStatus, StatusReport};

pub use model::{RawResource, ResourceState, RunKind, RunRecord, State};
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
        let mut known = Known::default();
        for (id, resource) in &state.resources {
            known.add(id, resource);
        }
        known
    }

    fn add(&mut self, id: &str, resource: &ResourceState) {
        for (url, validators) in resource.validators.iter() {
            self.validators.insert(url.clone(), validators.clone());
        }
        if let Some(at) = resource.last_probed {
            self.last_checked.insert(id.to_owned(), at);
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
        let mut recording = Recording::onto(load_reporting(settings, now)?.into_state());
        for check in results.take().into_iter().flatten() {
            // A check that cannot be read fails the recording: nothing is saved.
            recording.add(check?.borrow(), now)?;
        }
        recording.save(&settings.path, now, started)
    })?;
    if let Locked::Busy { lock } = outcome {
        warn_busy(&lock);
    }
    Ok(())
}

fn warn_busy(lock: &std::path::Path) {
    eprintln!(
        "catwatch: warning: another catwatch run holds {}; these results were not recorded in the state",
        lock.display()
    );
}

/// A `check` run's checks going into a state, one at a time: the one rule
/// for what a check run records, whether its resources are parsed
/// ([`record_checks`]) or kept as text ([`EarlyRecording`]).
struct Recording<R> {
    state: State<R>,
    counts: std::collections::BTreeMap<crate::observation::Status, usize>,
    checked: usize,
}

/// A resource's state as a [`Recording`] holds it.
trait Slot: Sized + serde::Serialize {
    /// The state of a resource first checked now.
    fn first(check: &ResourceCheck, now: Timestamp) -> anyhow::Result<Self>;
    fn observe(&mut self, check: &ResourceCheck, now: Timestamp) -> anyhow::Result<()>;
}

impl Slot for ResourceState {
    fn first(check: &ResourceCheck, now: Timestamp) -> anyhow::Result<ResourceState> {
        let mut resource = ResourceState::default();
        resource.observe(check, now);
        Ok(resource)
    }

    fn observe(&mut self, check: &ResourceCheck, now: Timestamp) -> anyhow::Result<()> {
        ResourceState::observe(self, check, now);
        Ok(())
    }
}

impl Slot for RawResource {
    fn first(check: &ResourceCheck, now: Timestamp) -> anyhow::Result<RawResource> {
        Ok(RawResource::of(&ResourceState::first(check, now)?)?)
    }

    fn observe(&mut self, check: &ResourceCheck, now: Timestamp) -> anyhow::Result<()> {
        let mut resource = self.parse()?;
        resource.observe(check, now);
        *self = RawResource::of(&resource)?;
        Ok(())
    }
}

impl<R: Slot> Recording<R> {
    fn onto(state: State<R>) -> Recording<R> {
        Recording {
            state,
            counts: Default::default(),
            checked: 0,
        }
    }

    fn add(&mut self, check: &ResourceCheck, now: Timestamp) -> anyhow::Result<()> {
        *self.counts.entry(check.status).or_insert(0) += 1;
        self.checked += 1;
        self.state.retired.remove(&check.id);
        match self.state.resources.get_mut(&check.id) {
            Some(resource) => resource.observe(check, now)?,
            None => {
                let resource = R::first(check, now)?;
                self.state.resources.insert(check.id.clone(), resource);
            }
        }
        Ok(())
    }

    /// Adds the run's record and saves the state (call under the lock).
    fn save(
        mut self,
        path: &std::path::Path,
        now: Timestamp,
        started: std::time::Instant,
    ) -> anyhow::Result<()>
    where
        R: Send + 'static,
    {
        self.state.push_run(RunRecord {
            kind: RunKind::Check,
            started: now,
            ended: elapsed_since(now, started),
            checked: self.checked,
            counts: self.counts,
            degraded: false,
            observe_only: false,
            alerts: 0,
        });
        store::save(path, &self.state)?;
        // A state of 100,000 resources takes a while to free.
        crate::free_in_background(self.state);
        Ok(())
    }
}

/// What a `check` run reads of the state before it probes ([`Known`]),
/// and the state itself, its resources kept as the text the file holds for
/// each ([`RawResource`]), to record each check in as soon as it is judged:
/// nothing is left to read back when the probing ends, and the resources
/// the run did not check are written back as they were read.
///
/// The state was read without the lock, so it is saved only if the file is
/// still the one that was read (the same inode, size and times: every save
/// renames a new file into place), or is still missing. Otherwise, or if a
/// check could not be recorded, [`EarlyRecording::save`] saves nothing and
/// says so, and the run records its checks with [`record_checks`] onto the
/// state as it now is.
pub struct EarlyRecording {
    recording: Recording<RawResource>,
    read: Option<FileStamp>,
    failed: Option<anyhow::Error>,
}

/// What tells one state file from another written later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The state file's stamp now; `None` when there is none.
    fn now_at(path: &std::path::Path) -> anyhow::Result<Option<FileStamp>> {
        match std::fs::metadata(path) {
            Ok(meta) => Ok(Some(FileStamp::of(&meta))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(anyhow::anyhow!(
                "cannot examine the state file {}: {err}",
                path.display()
            )),
        }
    }
}

/// What became of an [`EarlyRecording`]: `Saved` (also when another run
/// held the lock, said on stderr as [`record_checks`] says it), or
/// `RecordAgain`: nothing was saved, as the state file is not the one read
/// before the probing (another run saved it meanwhile) or a check could not
/// be recorded; record the checks with [`record_checks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Early {
    Saved,
    RecordAgain,
}

/// What earlier runs left for this one ([`Known`]): validators (ETag,
/// Last-Modified) by URL for conditional requests, and when each resource
/// was last probed; empty when there is no state yet, or when the state
/// cannot be read. And the state itself for an [`EarlyRecording`]: `None`
/// when the file is not of this version, or cannot be used as it is (the
/// recording at the end migrates or quarantines it under the lock).
pub fn load_for_check(settings: &StateSettings) -> anyhow::Result<(Known, Option<EarlyRecording>)> {
    let file = match crate::catalog::read::open_own_file(
        &settings.path,
        store::MAX_STATE_BYTES,
        "the state file",
    ) {
        Ok(file) => file,
        Err(err) if err.missing => {
            let early = EarlyRecording::onto(State::default(), None);
            return Ok((Known::default(), Some(early)));
        }
        Err(err) => return Err(anyhow::anyhow!("{err}")),
    };
    let read = file
        .metadata()
        .map(|meta| FileStamp::of(&meta))
        .with_context(|| format!("cannot examine the state file {}", settings.path.display()))?;
    // Each resource is parsed once, as the whole file would be: what would
    // not parse there does not pass here.
    if let Some(state) = store::parse_raw(&file) {
        let mut known = Known::default();
        let every = state
            .resources
            .iter()
            .try_for_each(|(id, raw)| raw.parse().map(|resource| known.add(id, &resource)));
        if every.is_ok() {
            return Ok((known, Some(EarlyRecording::onto(state, Some(read)))));
        }
    }
    let rewound = std::io::Seek::rewind(&mut &file);
    match rewound
        .map_err(|err| format!("cannot be read again ({err})"))
        .and_then(|()| store::parse_file(file))
    {
        Ok(state) => Ok((Known::of(&state), None)),
        Err(why) => {
            tracing::warn!(
                "state file {} is unusable ({why}); probing without validators",
                settings.path.display()
            );
            Ok((Known::default(), None))
        }
    }
}

impl EarlyRecording {
    fn onto(state: State<RawResource>, read: Option<FileStamp>) -> EarlyRecording {
        EarlyRecording {
            recording: Recording::onto(state),
            read,
            failed: None,
        }
    }

    /// Records one judged check (each resource once).
    pub fn add(&mut self, check: &ResourceCheck, now: Timestamp) {
        if self.failed.is_none()
            && let Err(err) = self.recording.add(check, now)
        {
            self.failed = Some(err);
        }
    }

    /// Saves the state under the lock if the file is still the one read.
    pub fn save(self, settings: &StateSettings, now: Timestamp) -> anyhow::Result<Early> {
        if let Some(err) = &self.failed {
            tracing::warn!(
                "recording the checks as they came failed ({err:#}); recording them again"
            );
            return Ok(Early::RecordAgain);
        }
        let started = std::time::Instant::now();
        let outcome = store::with_lock(&settings.path, settings.lock_wait(), move || {
            store::remove_leftovers(&settings.path);
            if FileStamp::now_at(&settings.path)? != self.read {
                return Ok(Early::RecordAgain);
            }
            self.recording.save(&settings.path, now, started)?;
            Ok(Early::Saved)
        })?;
        match outcome {
            Locked::Ran(early) => Ok(early),
            Locked::Busy { lock } => {
                warn_busy(&lock);
                Ok(Early::Saved)
            }
        }
    }
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
    use crate::observation::{Observation, Status};

    fn settings_in(dir: &tempfile::TempDir) -> StateSettings {
        StateSettings {
            path: dir.path().join("s.json"),
            ..StateSettings::default()
        }
    }

    /// A check of `id` whose one page sent `etag` and has `fingerprint`.
    fn check(id: &str, status: Status, etag: &str, fingerprint: &str) -> ResourceCheck {
        let at: Timestamp = "2026-12-01T03:00:00Z".parse().unwrap();
        let mut check = ResourceCheck::sample(id, status, at);
        let observation: Observation = serde_json::from_value(serde_json::json!({
            "url": format!("https://{id}.example/page"),
            "platform": "website",
            "signal": {"kind": "alive"},
            "validators": {"etag": etag},
            "fingerprint": fingerprint,
            "checked_at": at,
            "duration_ms": 3,
        }))
        .unwrap();
        check.observations.push(observation);
        check
    }

    /// The state file as JSON, each run's end (the time its saving took)
    /// set to its start.
    fn saved(settings: &StateSettings) -> serde_json::Value {
        let mut state: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&settings.path).unwrap()).unwrap();
        for run in state["runs"].as_array_mut().unwrap() {
            run["ended"] = run["started"].clone();
        }
        state
    }

    /// A state of three resources, one of them retired.
    fn earlier(settings: &StateSettings) {
        let now = "2026-11-30T03:00:00Z".parse().unwrap();
        let checks = [
            check("kept", Status::Ok, "\"k1\"", "aa"),
            check("changed", Status::Ok, "\"c1\"", "bb"),
            check("back", Status::Dead, "\"b1\"", "cc"),
        ];
        record_checks(settings, checks.iter().map(Ok), now).unwrap();
        let mut state = store::parse_file(std::fs::File::open(&settings.path).unwrap()).unwrap();
        state.resources.remove("back").unwrap();
        state.retired.insert(
            "back".into(),
            model::Retired {
                retired_at: now,
                last_status: Some(Status::Dead),
                last_success: None,
            },
        );
        store::save(&settings.path, &state).unwrap();
    }

    /// Recording as the checks come writes the very state that reading them
    /// back at the end writes: the same resources, the unchecked one as it
    /// was, the retired one back in, and the same run record.
    #[test]
    fn recording_early_writes_what_recording_at_the_end_writes() {
        let now: Timestamp = "2026-12-01T03:00:00Z".parse().unwrap();
        let checks = [
            check("changed", Status::Dead, "\"c2\"", "bd"),
            check("back", Status::Ok, "\"b2\"", "ce"),
            check("new", Status::Ok, "\"n1\"", "dd"),
        ];
        let mut written = Vec::new();
        let mut knowns = Vec::new();
        for early in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let settings = settings_in(&dir);
            earlier(&settings);
            let (known, recording) = load_for_check(&settings).unwrap();
            knowns.push((known.validators, known.last_checked));
            if early {
                let mut recording = recording.expect("a state of this version is kept");
                checks.iter().for_each(|c| recording.add(c, now));
                assert_eq!(recording.save(&settings, now).unwrap(), Early::Saved);
            } else {
                record_checks(&settings, checks.iter().map(Ok), now).unwrap();
            }
            written.push(saved(&settings));
        }
        assert_eq!(written[0], written[1]);
        assert_eq!(knowns[0], knowns[1]);
        let state = &written[0];
        assert_eq!(
            state["resources"]["kept"]["fingerprints"]["https://kept.example/page"],
            "aa"
        );
        assert_eq!(state["resources"]["changed"]["observed"]["status"], "dead");
        assert!(state["retired"].get("back").is_none(), "{state}");
        assert_eq!(state["runs"].as_array().unwrap().len(), 2);
        let (validators, last_checked) = &knowns[0];
        assert_eq!(
            validators["https://kept.example/page"].etag.as_deref(),
            Some("\"k1\"")
        );
        assert_eq!(
            last_checked.len(),
            2,
            "kept and changed were probed: {last_checked:?}"
        );
    }

    /// A state another run saved while this one probed is not overwritten:
    /// the early recording saves nothing and says to record again, and so
    /// does one whose file appeared meanwhile.
    #[test]
    fn a_state_saved_meanwhile_is_recorded_onto_not_over() {
        let now: Timestamp = "2026-12-01T03:00:00Z".parse().unwrap();
        for existed in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let settings = settings_in(&dir);
            if existed {
                earlier(&settings);
            }
            let (_, recording) = load_for_check(&settings).unwrap();
            let mut recording = recording.unwrap();
            recording.add(&check("mine", Status::Ok, "\"m\"", "ee"), now);
            let theirs = [check("theirs", Status::Ok, "\"t\"", "ff")];
            record_checks(&settings, theirs.iter().map(Ok), now).unwrap();
            let before = std::fs::read(&settings.path).unwrap();
            assert_eq!(
                recording.save(&settings, now).unwrap(),
                Early::RecordAgain,
                "{existed}"
            );
            assert_eq!(std::fs::read(&settings.path).unwrap(), before, "untouched");
        }
    }

    /// A state of an earlier version, or one that does not parse, is not
    /// kept for recording early (the recording at the end migrates or
    /// quarantines it under the lock); the first still gives its validators.
    #[test]
    fn only_a_state_of_this_version_is_kept_for_recording_early() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        earlier(&settings);
        let mut state: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&settings.path).unwrap()).unwrap();
        state["version"] = serde_json::json!(model::STATE_VERSION - 1);
        std::fs::write(&settings.path, state.to_string()).unwrap();
        let (known, recording) = load_for_check(&settings).unwrap();
        assert!(recording.is_none());
        assert!(known.validators.contains_key("https://kept.example/page"));

        state["version"] = serde_json::json!(model::STATE_VERSION);
        state["resources"]["kept"]["consecutive_failures"] = serde_json::json!("many");
        std::fs::write(&settings.path, state.to_string()).unwrap();
        let (known, recording) = load_for_check(&settings).unwrap();
        assert!(recording.is_none());
        assert!(
            known.validators.is_empty(),
            "an unusable state gives nothing"
        );
    }

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
