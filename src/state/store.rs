//! The state file on disk: an exclusive lock on a sibling lock file, loading
//! with quarantine of anything unreadable, and atomic saves (temporary file in
//! the same directory, fsync, rename, fsync of the directory). This module must
//! never overwrite a state it could not read.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::model::{RawResource, STATE_VERSION, State};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The lock file next to the state: `<state>.lock`.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state.with_file_name(name)
}

/// What [`with_lock`] did.
#[derive(Debug)]
pub enum Locked<T> {
    Ran(T),
    /// Another run held the lock for the whole wait.
    Busy {
        lock: PathBuf,
    },
}

/// Runs `work` while holding the exclusive lock on the state's lock file.
/// Waits up to `wait` for a concurrent run to finish; if it does not, `work`
/// is not run. The lock is released when the process exits, even on SIGKILL.
pub fn with_lock<T>(
    state: &Path,
    wait: Duration,
    work: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<Locked<T>> {
    let path = lock_path(state);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        make_state_dir(dir).map_err(io("create the state directory", dir))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io("open the lock file", &path))?;
    let mut lock = fd_lock::RwLock::new(file);
    let deadline = Instant::now() + wait;
    loop {
        match lock.try_write() {
            Ok(_guard) => return work().map(Locked::Ran),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Ok(Locked::Busy { lock: path });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(err) => return Err(io("lock", &path)(err).into()),
        }
    }
}

/// What loading found.
#[derive(Debug)]
pub enum Loaded {
    /// No state yet: a fresh one.
    Fresh(State),
    Existing(State),
    /// The file could not be used; it was moved aside and a fresh state begins.
    Quarantined {
        state: State,
        moved_to: PathBuf,
        why: String,
    },
}

impl Loaded {
    pub fn into_state(self) -> State {
        match self {
            Loaded::Fresh(state) | Loaded::Existing(state) => state,
            Loaded::Quarantined { state, .. } => state,
        }
    }
}

/// Parses a state file of this very version with its resources kept as
/// text ([`RawResource`]), streaming it; `None` for anything else (another
/// version, or a file [`parse_file`] is to judge).
pub fn parse_raw(file: &File) -> Option<State<RawResource>> {
    serde_json::from_reader::<_, State<RawResource>>(reader(file))
        .ok()
        .filter(|state| state.version == STATE_VERSION)
}

/// The state file from where it stands, at most [`MAX_STATE_BYTES`] of it.
fn reader(file: &File) -> std::io::BufReader<std::io::Take<&File>> {
    std::io::BufReader::with_capacity(1 << 16, std::io::Read::take(file, MAX_STATE_BYTES))
}

/// Parses a state file, streaming it (at most [`MAX_STATE_BYTES`] of it): its
/// text is never held, so a 100,000-resource state costs its parsed size
/// only. One pass for a state this version reads; a second, of the version
/// only, to say why another is not one.
pub fn parse_file(file: File) -> Result<State, String> {
    use std::io::Seek;
    let whole = serde_json::from_reader::<_, State>(reader(&file));
    if let Ok(state) = whole
        && (1..=STATE_VERSION).contains(&state.version)
    {
        let from = state.version;
        return Ok(migrate(state, from));
    }
    (&file)
        .rewind()
        .map_err(|e| format!("cannot be read again ({e})"))?;
    #[derive(serde::Deserialize)]
    struct Version {
        version: Option<serde_json::Value>,
    }
    let version: Version =
        serde_json::from_reader(reader(&file)).map_err(|e| format!("not valid JSON ({e})"))?;
    match version.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(v) if (1..=u64::from(STATE_VERSION)).contains(&v) => {
            // The version is one this reads: the rest is what is wrong.
            (&file)
                .rewind()
                .map_err(|e| format!("cannot be read again ({e})"))?;
            match serde_json::from_reader::<_, State>(reader(&file)) {
                Err(e) => Err(format!("not a catwatch state ({e})")),
                Ok(_) => Err("changed while being read".to_owned()),
            }
        }
        Some(v) => Err(format!(
            "state format version {v}, but this catwatch reads versions 1 to {STATE_VERSION}"
        )),
        None => Err("no \"version\" field".to_owned()),
    }
}

/// Brings a state read as version `from` up to [`STATE_VERSION`].
///
/// Version 2 only adds: what the platform declares (the `tracked` facts of
/// each resource) and the newer version, findings and archive copy of each
/// observation. A version-1 state reads into the same types with those
/// empty, so every field it had is kept as it was; the first monitor run
/// after the upgrade records the facts as its baseline and announces none.
pub fn migrate(mut state: State, from: u32) -> State {
    if from < STATE_VERSION {
        tracing::info!(from, to = STATE_VERSION, "migrating the state");
    }
    state.version = STATE_VERSION;
    state
}

/// Temporary files of `path` start with this: `.<name>.` (hidden, and
/// distinct for two state files in one directory).
fn temporary_prefix(path: &Path) -> String {
    format!(
        ".{}.",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Removes temporary files a killed run left behind. Call only under the
/// lock: every writer holds it while its temporary file exists.
pub fn remove_leftovers(path: &Path) {
    let prefix = temporary_prefix(path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix)
            && name.ends_with(".tmp")
            && let Err(err) = std::fs::remove_file(entry.path())
        {
            tracing::warn!("cannot remove the leftover {name}: {err}");
        }
    }
}

/// The largest state file read: about 10 KiB a resource with its history,
/// so room for far more than 100,000 resources. A device or a FIFO named as
/// the state is refused before it is opened.
pub const MAX_STATE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Loads the state, quarantining a corrupt or unknown-version file by renaming
/// it to `<name>.corrupt-<timestamp>`. Only read errors are `Err`.
pub fn load(path: &Path, now: Timestamp) -> Result<Loaded, StoreError> {
    remove_leftovers(path);
    let file = match crate::catalog::read::open_own_file(path, MAX_STATE_BYTES, "the state file") {
        Ok(file) => file,
        Err(err) if err.missing => return Ok(Loaded::Fresh(State::default())),
        Err(err) => {
            return Err(io("read the state file", path)(std::io::Error::other(
                err.problem,
            )));
        }
    };
    let why = match parse_file(file) {
        Ok(state) => return Ok(Loaded::Existing(state)),
        Err(why) => why,
    };
    let moved_to = quarantine(path, now)?;
    Ok(Loaded::Quarantined {
        state: State::default(),
        moved_to,
        why,
    })
}

fn quarantine(path: &Path, now: Timestamp) -> Result<PathBuf, StoreError> {
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut target = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    let mut n = 1;
    while target.exists() {
        target = path.with_file_name(format!("{name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(io("move aside the unreadable state", path))?;
    Ok(target)
}

/// Creates the state's directory when it is missing. One that catwatch
/// creates inside a git work tree gets a `.gitignore` of `*` (as ruff's and
/// pytest's caches do), so a first `catwatch check` in a clone leaves nothing
/// for `git status` to show. A directory that exists is left as it is.
fn make_state_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let absolute = std::path::absolute(dir)?;
    if absolute.ancestors().any(|d| d.join(".git").exists()) {
        std::fs::write(
            dir.join(".gitignore"),
            "# Created by catwatch: the state of its runs, not for git.\n*\n",
        )?;
    }
    Ok(())
}

/// Writes the state atomically: a reader (or a crash) sees the old file or the
/// new one, never a mix.
pub fn save<R: serde::Serialize>(path: &Path, state: &State<R>) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    make_state_dir(&dir).map_err(io("create the state directory", &dir))?;
    let mut temp = tempfile::Builder::new()
        .prefix(&temporary_prefix(path))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io("create a temporary file in", &dir))?;
    // A temporary file is private (0600); the state keeps the mode of the
    // file it replaces, else the usual 0644, so a status page job can read it.
    let permissions = std::fs::metadata(path)
        .map(|m| m.permissions())
        .ok()
        .or_else(default_permissions);
    // Written as it is serialised: a state of 100,000 resources is never
    // held twice in memory. Compact, to keep under 2 KB a resource with a
    // full history (`jq .` reads it pretty).
    let written = {
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, temp.as_file_mut());
        serde_json::to_writer(&mut out, state)
            .map_err(std::io::Error::other)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
    };
    written
        .and_then(|()| match permissions {
            Some(p) => temp.as_file().set_permissions(p),
            None => Ok(()),
        })
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io("write", temp.path()))?;
    temp.persist(path)
        .map_err(|e| io("replace the state file", path)(e.error))?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync the directory", &dir))?;
    Ok(())
}

/// 0644 where modes exist; elsewhere the temporary file's own.
fn default_permissions() -> Option<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {

    /// What one resource costs in the file with a full 30-run history: under
    /// 2 KB for a resource at its fullest with one URL probed (a notified
    /// incident and its archive copy, or a newer version and every tracked
    /// fact), under 3 KB even with a second URL's validators and fingerprint
    /// and a probe that disagreed with the verdict every other night.
    #[test]
    fn a_resource_at_its_fullest_stays_under_2_kb() {
        use crate::observation::{ArchivedCopy, Dated, Status, Validators};
        use crate::report::model::HistoryPoint;
        use crate::state::model::{
            Condition, Notified, Observed, ResourceState, Tracked, TrackedManifest,
        };
        let at: Timestamp = "2026-11-26T03:00:00Z".parse().unwrap();
        let url = "https://www.kaggle.com/datasets/plameneduardo/sarscov2-ctscan-dataset";
        let mut r = ResourceState {
            status: Some(Status::Dead),
            since: Some(at),
            consecutive_failures: 3,
            observed: Some(Box::new(Observed {
                status: Status::Dead,
                reason: crate::reason::Reason::KaggleNotFound,
                message: format!(
                    "{url}: Kaggle answered 404 for a dataset URL with valid credentials"
                ),
                at,
                http_status: Some(404),
                moved_to: None,
                failing_url: Some(url.into()),
                newer_version: None,
                findings: Vec::new(),
                archived_copy: Some(Box::new(ArchivedCopy {
                    of: url.into(),
                    url: format!("https://web.archive.org/web/20240501000000/{url}"),
                    at,
                })),
            })),
            last_success: Some(at),
            last_probed: Some(at),
            last_updated: Some(Dated {
                at,
                source: "kaggle:lastUpdated".into(),
            }),
            condition: Some(Condition::Dead),
            condition_since: Some(at),
            notified: Some(Box::new(Notified {
                condition: Condition::Dead,
                key: format!("x:dead:{at}"),
                at,
                last_sent: at,
                baseline: false,
            })),
            tracked: Some(Box::new(Tracked {
                manifest: Some(TrackedManifest {
                    files: 2482,
                    bytes: 240_000_000,
                    digest: "a".repeat(64),
                }),
                license: Some("CC-BY-NC-SA-4.0".into()),
                access: None,
                newer_version: None,
                findings: Vec::new(),
                note: None,
            })),
            ..ResourceState::default()
        };
        for u in [url, "https://doi.org/10.1101/2020.04.24.20078584"] {
            r.validators.insert(
                u.into(),
                Validators {
                    etag: Some("W/\"5f2c-17a\"".into()),
                    last_modified: Some("Tue, 01 Dec 2026 03:00:00 GMT".into()),
                },
            );
        }
        r.fingerprints.insert(
            "https://doi.org/10.1101/2020.04.24.20078584".into(),
            "b".repeat(64),
        );
        for n in 0..30 {
            r.history.push(HistoryPoint {
                at: at + jiff::SignedDuration::from_hours(24 * n),
                status: Status::Dead,
                observed: (n % 2 == 0).then_some(Status::Failing),
            });
        }
        let size = |r: &ResourceState| {
            serde_json::to_vec(r).unwrap().len() + "\"sarscov2-ctscan-dataset\":,".len()
        };
        let dead = size(&r);
        assert!(dead < 3072, "a dead resource, two URLs: {dead} bytes");
        // Alive, with a newer version named and its facts tracked.
        let alive = alive_one(&r, url, at);
        let alive = size(&alive);
        assert!(alive < 3072, "an alive resource, two URLs: {alive} bytes");
        // One URL, and the probe agreeing with the verdict.
        let second = alive_one(&r, url, at);
        for mut state in [r, second] {
            state.validators.retain(|u, _| u == url);
            state.fingerprints.clear();
            for point in &mut state.history {
                point.observed = None;
            }
            let bytes = size(&state);
            assert!(
                bytes < 2048,
                "one URL: {bytes} bytes: {}",
                serde_json::to_string(&state).unwrap()
            );
        }
    }

    fn alive_one(
        r: &crate::state::model::ResourceState,
        url: &str,
        at: Timestamp,
    ) -> crate::state::model::ResourceState {
        let mut alive = r.clone();
        let observed = alive.observed.as_mut().unwrap();
        observed.status = crate::observation::Status::Ok;
        observed.message = format!(
            "{url}: alive, last updated 2026-10-01 (kaggle:lastUpdated); a newer version exists: version 3, at {url}/versions/3"
        );
        observed.archived_copy = None;
        observed.failing_url = None;
        observed.newer_version = Some(Box::new(crate::observation::NewerVersion {
            url: format!("{url}/versions/3"),
            label: Some("version 3".into()),
            released: Some(at),
        }));
        alive.condition = None;
        alive.notified = None;
        alive.tracked.get_or_insert_default().newer_version =
            Some(format!("{url}/versions/3 version 3"));
        alive
    }

    /// A first run in a clone leaves nothing for `git status`: the state's
    /// directory, which catwatch creates, is ignored by a `.gitignore` of its
    /// own; outside a work tree, or in a directory that exists, none is written.
    #[test]
    fn a_state_directory_made_in_a_work_tree_is_ignored_by_git() {
        let repo = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(repo.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}: {out:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        git(&["init", "--quiet"]);
        let state = repo.path().join("state/catwatch-state.json");
        save(&state, &<State>::default()).unwrap();
        assert!(state.is_file());
        assert_eq!(git(&["status", "--porcelain", "--untracked-files=all"]), "");

        let elsewhere = tempfile::tempdir().unwrap();
        let state = elsewhere.path().join("deep/state.json");
        save(&state, &<State>::default()).unwrap();
        assert!(!elsewhere.path().join("deep/.gitignore").exists());

        let existing = repo.path().join("kept");
        std::fs::create_dir(&existing).unwrap();
        save(&existing.join("state.json"), &<State>::default()).unwrap();
        assert!(!existing.join(".gitignore").exists());
    }
    use super::*;

    fn now() -> Timestamp {
        "2026-11-26T03:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_missing_file_is_a_fresh_state() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load(&dir.path().join("s.json"), now()).unwrap();
        assert!(matches!(loaded, Loaded::Fresh(s) if s == State::default()));
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/s.json");
        let state = State {
            last_successful_run: Some(now()),
            ..State::default()
        };
        save(&path, &state).unwrap();
        let Loaded::Existing(back) = load(&path, now()).unwrap() else {
            panic!("expected the saved state")
        };
        assert_eq!(back, state);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["s.json".to_owned()]);
    }

    #[cfg(unix)]
    #[test]
    fn the_state_is_readable_and_keeps_the_mode_it_had() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        save(&path, &<State>::default()).unwrap();
        assert_eq!(mode(&path), 0o644);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        save(&path, &<State>::default()).unwrap();
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn a_killed_writers_temporary_file_is_removed_by_the_next_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        save(&path, &<State>::default()).unwrap();
        std::fs::write(dir.path().join(".s.json.Ab12Cd.tmp"), "{\"vers").unwrap();
        std::fs::write(dir.path().join(".other.json.Ab12Cd.tmp"), "keep").unwrap();
        assert!(matches!(load(&path, now()).unwrap(), Loaded::Existing(_)));
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [".other.json.Ab12Cd.tmp", "s.json"]);
    }

    #[test]
    fn truncated_state_is_moved_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "{\"version\": 1, \"resour").unwrap();
        let Loaded::Quarantined { moved_to, why, .. } = load(&path, now()).unwrap() else {
            panic!("expected quarantine")
        };
        assert!(!path.exists());
        assert_eq!(moved_to, dir.path().join("s.json.corrupt-20261126T030000Z"));
        assert_eq!(
            std::fs::read_to_string(&moved_to).unwrap(),
            "{\"version\": 1, \"resour"
        );
        assert!(why.contains("not valid JSON"), "{why}");
    }

    #[test]
    fn a_known_version_with_a_wrong_field_says_it_is_not_a_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "{\"version\": 2, \"resources\": 7}").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let why = parse_file(file).unwrap_err();
        assert!(why.starts_with("not a catwatch state ("), "{why}");
        assert!(why.contains("resources") || why.contains("map"), "{why}");
    }

    #[test]
    fn unknown_version_is_quarantined_and_says_which() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "{\"version\": 7}").unwrap();
        std::fs::write(dir.path().join("s.json.corrupt-20261126T030000Z"), "older").unwrap();
        let Loaded::Quarantined { moved_to, why, .. } = load(&path, now()).unwrap() else {
            panic!("expected quarantine")
        };
        assert_eq!(
            moved_to,
            dir.path().join("s.json.corrupt-20261126T030000Z-1"),
            "an earlier quarantined file is kept"
        );
        assert!(why.contains("version 7"), "{why}");
    }

    #[test]
    fn a_second_holder_of_the_lock_is_turned_away() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let outer = with_lock(&path, Duration::ZERO, || {
            // flock locks belong to the open file description, so a second
            // open in the same process contends like another process would.
            with_lock(&path, Duration::from_millis(150), || Ok(()))
        })
        .unwrap();
        let Locked::Ran(Locked::Busy { lock }) = outer else {
            panic!("expected the inner attempt to find the lock busy: {outer:?}")
        };
        assert_eq!(lock, dir.path().join("s.json.lock"));
        assert!(matches!(
            with_lock(&path, Duration::ZERO, || Ok(1)).unwrap(),
            Locked::Ran(1)
        ));
    }
}
