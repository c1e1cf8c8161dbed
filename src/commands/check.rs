//! `catwatch check`: load the catalog, pick the entries asked for, probe them,
//! judge them, record them in the state, render the report, and pass or fail
//! the run against `[policy] fail_on`. Loading, probing and judging overlap:
//! each entry is probed as soon as its file has passed the lint gate, and
//! judged as soon as its last URL has answered (see [`load_and_gather`]).
//!
//! Exit status: 0 when no resource outside an active exemption has a `fail_on`
//! status (default: dead), 1 when one has, 2 when the check could not run.
//! There is no hysteresis here: a dead entry fails the run at once, which is
//! what a pull request that adds or changes an entry needs.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};

use crate::Outcome;
use crate::catalog::{self, Entry};
use crate::cli::{CheckArgs, CheckFormat};
use crate::commands::add_to_batch;
use crate::commands::spool::{Spool, Spooled};
use crate::config::Config;
use crate::free_in_background;
use crate::observation::{Observation, ResourceCheck, Signal, Status, Validators};
use crate::policy::classify;
use crate::policy::network::{self, NetworkHealth};
use crate::probe::engine::Engine;
use crate::probe::{self, Prober};
use crate::report::check::{
    CheckReport, CheckedResource, EntryPlace, NetworkNote, render_human, write_json,
};
use crate::shard::{self, Shard};
use crate::state;

pub fn run(config: &Config, args: CheckArgs) -> anyhow::Result<Outcome> {
    let shard: Option<Shard> = args
        .shard
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let listing = catalog::list(std::slice::from_ref(&config.catalog_dir))?;
    let selection = Selection::new(config, &args, shard, &listing)?;
    // `--only` and `--changed-since` load only the files they select: a
    // mistake in another entry is said on stderr and does not stop them.
    let (mut listing, others) = selection.narrow(listing);
    if let Some(note) = others_with_errors(config, &others) {
        eprintln!("{note}");
    }
    let (known, mut recorder) = if args.no_state {
        (state::Known::default(), None)
    } else {
        let (known, recorder) = Recorder::start(config).context("reading the state file")?;
        (known, Some(recorder))
    };
    if args.dump {
        return dump(config, &args, &listing, &selection, &known);
    }
    // Least recently checked first: a run its budget cuts short leaves a
    // different tail unprobed each night. The report keeps catalog order.
    let catalog_order: HashMap<String, usize> = listing
        .ids()
        .enumerate()
        .map(|(at, id)| (id.to_owned(), at))
        .collect();
    let order = known.probe_order(listing.ids());
    listing.entry_paths = order
        .into_iter()
        .map(|at| listing.entry_paths[at].clone())
        .collect();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    // Each check goes to the spool as soon as it is final, at its place in
    // the catalog: a large run holds none of them while it probes.
    let mut spool = Spool::new()?;
    let mut spooling: std::io::Result<()> = Ok(());
    let health = load_and_gather(
        config,
        &listing,
        &selection,
        &known.validators,
        show_progress,
        |pair| {
            if spooling.is_err() {
                return;
            }
            let JudgedEntry {
                check, exempted, ..
            } = pair;
            // The gate passes only entries named after their file
            // (`id-mismatch`), so every id has its place in the listing.
            spooling = match catalog_order.get(&check.id) {
                Some(&at) => {
                    let resource = CheckedResource { check, exempted };
                    let put = spool.put(at, &resource);
                    if let Some(recorder) = &mut recorder {
                        recorder.add(resource.check);
                    }
                    put
                }
                None => Err(std::io::Error::other(format!(
                    "the entry {} has no file of its name in the catalog",
                    check.id
                ))),
            };
        },
    )?;
    drop(known);
    let early = recorder.and_then(Recorder::finish);
    let spooled = spooling
        .and_then(|()| spool.finish())
        .context("keeping the run's checks in a temporary file")?;
    let summary = spooled.summary(&config.policy.fail_on);
    let mut report = CheckReport::with_summary(
        spooled,
        summary,
        &config.policy.fail_on,
        shard.map(|s| s.to_string()),
        config.now,
    );
    if health.unavailable {
        report.network = Some(NetworkNote {
            health,
            message: health.banner(),
            proxy_hint: proxy_hint(config),
        });
    }
    finish(config, &args, report, early)
}

/// Writes the report (its checks copied from the spool) and saves the state
/// they were recorded in, side by side: should the state have to read the
/// checks back after all (`record_the_state`), both read the spool by
/// positioned reads, neither moving the other's place nor holding them
/// whole. Then ends the run with its verdict.
fn finish(
    config: &Config,
    args: &CheckArgs,
    report: CheckReport<Spooled>,
    early: Option<state::EarlyRecording>,
) -> anyhow::Result<Outcome> {
    std::thread::scope(|scope| {
        let writing = scope.spawn(|| write_the_report(config, args, &report));
        let recorded = if args.no_state {
            Ok(())
        } else {
            record_the_state(config, early, &report.resources)
                .context("recording the checks in the state file")
        };
        let written = writing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.and(recorded)
    })?;
    if let Some(note) = &report.network {
        // The report is written; the run could not do its job.
        anyhow::bail!(
            "{}{}",
            note.message,
            note.proxy_hint
                .as_ref()
                .map(|hint| format!("\n{hint}"))
                .unwrap_or_default()
        );
    }
    Ok(if report.passed {
        Outcome::Clean
    } else {
        Outcome::Failed
    })
}

/// Each check recorded in the state as soon as it is judged, on a thread of
/// its own (a `state::EarlyRecording`), so that nothing is left to read back
/// when the probing ends. The thread loads the state too: the resources are
/// made and replaced on one thread, in one malloc arena (replacing them
/// from another left the old ones' memory scattered in the loader's arena:
/// 20 MB more at the peak of a second run over 100,000 resources).
struct Recorder {
    judged: std::sync::mpsc::Sender<Vec<ResourceCheck>>,
    /// Checks cross to the recorder a batch at a time: its thread is woken
    /// once a batch, not once a check (a wake-up a check cost some 0.08 CPU
    /// s at 10,000 checks, measured).
    batch: Vec<ResourceCheck>,
    thread: std::thread::JoinHandle<Option<state::EarlyRecording>>,
}

/// Checks in a batch handed to the recorder.
const RECORD_BATCH: usize = 64;

impl Recorder {
    /// Loads the state on the recorder's thread; what the run needs of it
    /// before probing comes back at once.
    fn start(config: &Config) -> anyhow::Result<(state::Known, Recorder)> {
        let (loaded, known) = std::sync::mpsc::sync_channel(1);
        let (judged, batches) = std::sync::mpsc::channel::<Vec<ResourceCheck>>();
        let (settings, now) = (config.state.clone(), config.now);
        let thread = std::thread::Builder::new()
            .name("record".into())
            .spawn(move || {
                let (known, early) = match state::load_for_check(&settings) {
                    Ok(found) => found,
                    Err(err) => {
                        let _ = loaded.send(Err(err));
                        return None;
                    }
                };
                let _ = loaded.send(Ok(known));
                // None: the state is recorded at the end, read back.
                let mut early = early?;
                for check in batches.into_iter().flatten() {
                    early.add(&check, now);
                }
                Some(early)
            })
            .context("starting the thread that records the state")?;
        let recorder = Recorder {
            judged,
            batch: Vec::with_capacity(RECORD_BATCH),
            thread,
        };
        match known.recv() {
            Ok(known) => Ok((known?, recorder)),
            Err(_) => {
                // The thread ended without a word: it panicked, and joining
                // it carries the panic on.
                let _ = recorder.finish();
                bail!("the thread that reads the state stopped")
            }
        }
    }

    /// One judged check (each resource once). A recorder that stopped (no
    /// usable state to record into) takes none; the state is then recorded
    /// at the end.
    fn add(&mut self, check: ResourceCheck) {
        let judged = &self.judged;
        add_to_batch(&mut self.batch, RECORD_BATCH, check, |full| {
            judged.send(full).is_ok()
        });
    }

    /// Every check sent: what was recorded, if anything.
    fn finish(self) -> Option<state::EarlyRecording> {
        if !self.batch.is_empty() {
            let _ = self.judged.send(self.batch);
        }
        drop(self.judged);
        self.thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// Saves the state the checks were recorded in as they were judged; if
/// there is none, or the state file changed meanwhile (another run saved
/// it), reads the checks back to record them onto the state as it now is.
/// Reading them back is mostly parsing them: a thread a core (each every
/// n-th check) parses while this one records them, in whatever order they
/// come (each resource is recorded once), a few batches ahead at most.
fn record_the_state(
    config: &Config,
    early: Option<state::EarlyRecording>,
    spooled: &Spooled,
) -> anyhow::Result<()> {
    if let Some(early) = early
        && early.save(&config.state, config.now)? == state::Early::Saved
    {
        return Ok(());
    }
    let parts = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    std::thread::scope(|scope| {
        let (read, batches) = std::sync::mpsc::sync_channel(READ_AHEAD);
        for part in 0..parts {
            let read = read.clone();
            scope.spawn(move || {
                let mut batch = Vec::with_capacity(READ_BATCH);
                for check in spooled.stripe(part, parts) {
                    let check = check.map(|r| r.check).map_err(anyhow::Error::from);
                    // The recording stopped (an error, or a busy lock).
                    if !add_to_batch(&mut batch, READ_BATCH, check, |full| {
                        read.send(full).is_ok()
                    }) {
                        return;
                    }
                }
                let _ = read.send(batch);
            });
        }
        drop(read);
        state::record_checks(&config.state, batches.into_iter().flatten(), config.now)
    })
}

/// Batches of checks read back from the spool ahead of the state's
/// recording, and checks in a batch.
const READ_AHEAD: usize = 8;
const READ_BATCH: usize = 64;

/// The report where `--output` says, else on stdout.
fn write_the_report(
    config: &Config,
    args: &CheckArgs,
    report: &CheckReport<Spooled>,
) -> anyhow::Result<()> {
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            CheckFormat::Json => crate::commands::spool::write_json(report, out),
            other => write_report(config, &read_back(report)?, other, out),
        }
    };
    match &args.output {
        Some(path) => crate::commands::write_atomically_with(path, write),
        None => match write(&mut std::io::stdout().lock()) {
            // A reader that stopped early: the run's verdict still stands.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("writing the report to stdout"),
        },
    }
}

/// `check --dump`: the selected entries loaded through the gate as for a
/// run, then the plan of what would be sent, printed; nothing is sent and
/// the state is not written.
fn dump(
    config: &Config,
    args: &CheckArgs,
    listing: &catalog::Listing,
    selection: &Selection,
    known: &state::Known,
) -> anyhow::Result<Outcome> {
    let mut entries = Vec::new();
    catalog::stream_entries(listing, crate::lint::today(config.now), |entry| {
        if selection.wants(&entry) {
            entries.push(entry);
        }
    })?;
    let plan = crate::commands::dump::plan(config, &entries, &known.validators)?;
    let text = match args.format {
        CheckFormat::Human => crate::commands::dump::render_human(&plan),
        CheckFormat::Json => {
            let mut text = serde_json::to_string_pretty(&plan)?;
            text.push('\n');
            text
        }
        other => anyhow::bail!(
            "--dump writes human or json output, not {}; use --format human or --format json",
            clap::ValueEnum::to_possible_value(&other)
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default()
        ),
    };
    match &args.output {
        Some(path) => crate::commands::write_atomically(path, &text)?,
        None => {
            crate::commands::to_stdout(text.as_bytes()).context("writing the dump to stdout")?
        }
    }
    Ok(Outcome::Clean)
}

/// The environment proxy variables catwatch does not follow (it sends
/// nothing through a proxy unless `[probe] proxy` says so), named when the
/// network looked down, with how to opt in.
fn proxy_hint(config: &Config) -> Option<String> {
    if config.probe.proxy.is_some() {
        return None;
    }
    let set: Vec<&str> = [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ]
    .into_iter()
    .filter(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    .collect();
    (!set.is_empty()).then(|| {
        format!(
            "{} is set, but catwatch does not use proxies from the environment; to send its probes through that proxy, set `proxy = \"<the proxy URL>\"` under [probe] in catwatch.toml",
            set.join(" and ")
        )
    })
}

/// The report on stdout; JSON is written as it is produced, so a large one is
/// never held whole in memory.
pub(crate) fn write_report(
    config: &Config,
    report: &CheckReport,
    format: CheckFormat,
    mut out: impl Write,
) -> std::io::Result<()> {
    let place = |check: &ResourceCheck| entry_place(config, check);
    match format {
        CheckFormat::Human => out.write_all(render_human(report).as_bytes()),
        CheckFormat::Json => write_json(report, out),
        CheckFormat::Github => {
            out.write_all(crate::report::check::render_github(report, place).as_bytes())
        }
        CheckFormat::Sarif => {
            out.write_all(crate::report::check::render_sarif(report, place).as_bytes())
        }
    }
}

/// Where a checked resource is written: `catalog/<id>.yaml`, at the URL whose
/// observation decided its status (one that is not alive, else the first),
/// else at the `id:` line. `None` when the file cannot be read or parsed.
fn entry_place(config: &Config, check: &ResourceCheck) -> Option<EntryPlace> {
    let id = check.id.as_str();
    if !crate::lint::is_safe_id(id) {
        return None;
    }
    let file = config.catalog_dir.join(format!("{id}.yaml"));
    let text = crate::catalog::read::read_entry(&file).ok()?;
    let doc = crate::catalog::yaml::parse(&text).ok()?;
    let deciding = check
        .observations
        .iter()
        .find(|o| {
            !matches!(
                o.signal,
                crate::observation::Signal::Alive | crate::observation::Signal::NotModified
            )
        })
        .or(check.observations.first());
    let urls = doc.value.get("urls").and_then(|u| u.as_array());
    let pointer = deciding
        .and_then(|o| {
            urls?
                .iter()
                .position(|u| u.get("url").and_then(|v| v.as_str()) == Some(o.url.as_str()))
        })
        .map_or_else(|| "/id".to_owned(), |at| format!("/urls/{at}/url"));
    let at = doc.value_position(&pointer);
    Some(EntryPlace {
        file,
        line: at.line,
        column: at.column,
    })
}

/// The entries the command line asks for: all of them, or those `--only`
/// names, then those changed since `--changed-since`, then those of
/// `--shard`, each narrowing the last. Decided entry by entry, so entries can
/// be picked as they are loaded.
struct Selection {
    only: Option<HashSet<String>>,
    changed: Option<HashSet<String>>,
    shard: Option<Shard>,
}

impl Selection {
    /// Refuses `--only` ids that no file in the catalog claims, before anything
    /// is loaded or probed.
    fn new(
        config: &Config,
        args: &CheckArgs,
        shard: Option<Shard>,
        listing: &catalog::Listing,
    ) -> anyhow::Result<Selection> {
        let known: Vec<&str> = if args.only.is_empty() {
            Vec::new()
        } else {
            listing.ids().collect()
        };
        let unknown: Vec<&str> = args
            .only
            .iter()
            .filter(|id| !known.contains(&id.as_str()))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            bail!(
                "--only names unknown entry id(s): {}. Known ids in {}: {}",
                unknown.join(", "),
                config.catalog_dir.display(),
                known.join(", ")
            );
        }
        let changed = match &args.changed_since {
            Some(rev) => Some(changed_files(&config.catalog_dir, rev)?),
            None => None,
        };
        Ok(Selection {
            only: (!args.only.is_empty()).then(|| args.only.iter().cloned().collect()),
            changed: changed.map(HashSet::from_iter),
            shard,
        })
    }

    /// The listing cut down to the files `--only` or `--changed-since`
    /// select (an entry's file is named after its id), and the rest, with
    /// the strays; the whole listing when neither is given.
    fn narrow(&self, listing: catalog::Listing) -> (catalog::Listing, catalog::Listing) {
        if self.only.is_none() && self.changed.is_none() {
            return (listing, catalog::Listing::default());
        }
        let selected = |path: &Path| self.names(catalog::id_of(path).unwrap_or_default());
        let (entry_paths, rest): (Vec<std::path::PathBuf>, Vec<_>) =
            listing.entry_paths.into_iter().partition(|p| selected(p));
        (
            catalog::Listing {
                entry_paths,
                strays: Vec::new(),
                not_listed_regular: listing.not_listed_regular.clone(),
            },
            catalog::Listing {
                entry_paths: rest,
                strays: listing.strays,
                not_listed_regular: listing.not_listed_regular,
            },
        )
    }

    /// Whether `--only` and `--changed-since` (when given) both name `id`.
    fn names(&self, id: &str) -> bool {
        self.only.as_ref().is_none_or(|ids| ids.contains(id))
            && self.changed.as_ref().is_none_or(|ids| ids.contains(id))
    }

    fn wants(&self, entry: &Entry) -> bool {
        self.names(&entry.id)
            && self
                .shard
                .is_none_or(|shard| shard::assigned(entry, shard.count) == shard)
    }
}

/// A warning naming the lint errors in the entries a narrowed run left out
/// (and in strays), so that they are seen without stopping the run; `None`
/// when there are none. Duplicates across the two sets are for `catwatch
/// lint` to find.
fn others_with_errors(config: &Config, others: &catalog::Listing) -> Option<String> {
    if others.entry_paths.is_empty() && others.strays.is_empty() {
        return None;
    }
    // The gate as loading runs it: errors only, warnings neither kept nor
    // located.
    let files = catalog::read_files(others);
    let mut gate = crate::lint::Gate::new(config.lint_dates(), crate::lint::Purpose::Load);
    gate.add_strays(&others.strays);
    gate.add(&files);
    let errors = gate.finish(&files).findings;
    let first = errors.first()?;
    let bad_files: HashSet<&Path> = errors.iter().map(|f| f.file.as_path()).collect();
    Some(format!(
        "catwatch: warning: {} lint error(s) in {} file(s) this run does not check, the first at {}:{}: [{}] {}; they do not stop this run, but run `catwatch lint` to fix them",
        errors.len(),
        bad_files.len(),
        crate::lint::display_path(&first.file),
        first.line,
        first.code,
        first.message
    ))
}

/// The file stems of catalog files added or changed since `rev` (committed,
/// staged, or still untracked). Entry files are named after their id.
fn changed_files(dir: &Path, rev: &str) -> anyhow::Result<Vec<String>> {
    if rev.starts_with('-') {
        bail!("--changed-since takes a git revision, not {rev:?}");
    }
    let git = |args: &[&str]| -> anyhow::Result<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .context("running git for --changed-since (is git installed?)")?;
        if !output.status.success() {
            bail!(
                "git {} failed in {}: {}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let diffed = git(&[
        "diff",
        "--name-only",
        "--relative",
        "--diff-filter=d",
        rev,
        "--",
        ".",
    ])?;
    let untracked = git(&["ls-files", "--others", "--exclude-standard", "--", "."])?;
    Ok(diffed
        .lines()
        .chain(untracked.lines())
        .map(Path::new)
        .filter(|p| p.extension().is_some_and(|ext| ext == "yaml"))
        .filter_map(|p| catalog::id_of(p).map(str::to_owned))
        .collect())
}

/// Loads the catalog and probes it at the same time: a thread streams the
/// entries through the lint gate ([`catalog::stream_entries`]) and each entry
/// the selection wants is probed as soon as its file has passed. Should the
/// gate refuse the catalog (an error in a later file, or a duplicate across
/// files), the probing stops at once and the command fails with the gate's
/// error, writing nothing, as if nothing had been probed. Each selected
/// entry's check goes to `finished` once it is final; returns what the run
/// saw of its own network.
fn load_and_gather(
    config: &Config,
    listing: &catalog::Listing,
    selection: &Selection,
    known: &HashMap<String, Validators>,
    show_progress: bool,
    finished: impl FnMut(JudgedEntry<Entry>),
) -> anyhow::Result<NetworkHealth> {
    let bar = progress_bar(show_progress);
    // Bounded (see `probe::PROBE_QUEUE`): the gate reads on only as fast as
    // the entries are probed. The entries cross in batches, so that the gate's
    // thread is woken once a batch rather than once an entry when the queue
    // is full.
    let (to_probe, loaded) = mpsc::channel::<Vec<Entry>>(probe::PROBE_QUEUE / GATE_BATCH);
    let (gate_says, verdict) = oneshot::channel();
    let gated = std::thread::scope(|scope| {
        // The gate starts first, so that setting up the engine (trust roots,
        // runtime) overlaps reading the first files.
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(GATE_BATCH);
            let passed =
                catalog::stream_entries(listing, crate::lint::today(config.now), |entry| {
                    if selection.wants(&entry) {
                        // Only what judging needs is kept from here on: a
                        // large run holds no descriptions or claims while it
                        // probes.
                        // The receiver is gone only when the probing was
                        // stopped.
                        add_to_batch(&mut batch, GATE_BATCH, entry.for_judging(), |full| {
                            to_probe.blocking_send(full).is_ok()
                        });
                    }
                });
            if passed.is_ok() && !batch.is_empty() {
                let _ = to_probe.blocking_send(batch);
            }
            drop(to_probe);
            let _ = gate_says.send(passed);
        });
        let (runtime, engine) = runtime_and_engine(config)?;
        let prober = Prober::new(
            std::sync::Arc::new(engine),
            &config.endpoints,
            &config.secrets,
            &config.probe,
        );
        let gated = runtime.block_on(async {
            let gate = async {
                match verdict.await {
                    Ok(passed) => passed.map_err(anyhow::Error::from),
                    Err(_) => Err(anyhow::anyhow!("loading the catalog stopped unexpectedly")),
                }
            };
            let judged = probe_and_judge(
                &prober,
                config,
                probe::receiving_bounded(loaded).flat_map(futures_util::stream::iter),
                known,
                &bar,
                finished,
            );
            futures_util::try_join!(gate, judged.map(Ok)).map(|((), judged)| judged)
        });
        // Idle connections need no goodbye, nor the answer to wait for them.
        free_in_background(runtime);
        gated
    });
    bar.finish_and_clear();
    gated
}

/// Entries the gate hands to the probing at a time (at most a chunk of the
/// gate's files: see `catalog::stream_entries`).
const GATE_BATCH: usize = 64;

/// One judged entry: its check, whether an exemption covers the verdict,
/// and the entry itself only while the run may still need it: to judge it
/// again when the run's network turns out blind (a network failure among
/// its observations), or to find the URL for an archive copy (a lost
/// resource). The others are let go at once, so a large run does not hold
/// its catalog while it probes.
struct JudgedEntry<E> {
    check: ResourceCheck,
    exempted: bool,
    entry: Option<E>,
}

impl<E: Borrow<Entry>> JudgedEntry<E> {
    fn new(entry: E, check: ResourceCheck, config: &Config) -> JudgedEntry<E> {
        let exempted = exempted(entry.borrow(), &check, config);
        let needed = is_lost(&check) || check.observations.iter().any(network::is_network_failure);
        JudgedEntry {
            check,
            exempted,
            entry: needed.then_some(entry),
        }
    }
}

/// Whether one of the entry's exemptions covers the check's verdict (the
/// report shows it, and it does not fail the run).
fn exempted(entry: &Entry, check: &ResourceCheck, config: &Config) -> bool {
    !entry.exemptions.is_empty() && {
        let verdict = classify::classify(entry, &check.observations, &config.policy, config.now);
        verdict.status == check.status && classify::exemption(entry, &verdict, config.now).is_some()
    }
}

/// Dead, or moved to nowhere known: the resources an archive copy is
/// looked up for.
fn is_lost(check: &ResourceCheck) -> bool {
    check.status == Status::Dead || (check.status == Status::Moved && check.moved_to.is_none())
}

/// Probes `entries` as they come and judges each as soon as its last URL
/// has answered, while slower answers are still awaited. Each judged entry
/// goes to `finished` as soon as its check is final: at once, unless the run
/// may still judge it again (`settle_network`) or look up its archive copy,
/// which wait for the end of the probing. Returns what the run saw of its
/// own network.
async fn probe_and_judge<E: Borrow<Entry>>(
    prober: &Prober<Engine>,
    config: &Config,
    entries: impl Stream<Item = E>,
    known: &HashMap<String, Validators>,
    bar: &indicatif::ProgressBar,
    mut finished: impl FnMut(JudgedEntry<E>),
) -> NetworkHealth {
    let mut held: Vec<JudgedEntry<E>> = Vec::new();
    let mut network = network::Tally::default();
    let mut counts: std::collections::BTreeMap<Status, usize> = Default::default();
    let scrubber = config.secrets.scrubber();
    let judge = |_: usize, entry: E, seen: Vec<Observation>| {
        let mut check = classify::judge(entry.borrow(), seen, &config.policy, config.now);
        // What servers said never carries a secret further than this.
        check.scrub(&scrubber);
        tracing::info!(
            id = %check.id,
            status = %check.status,
            reason = %check.reason,
            elapsed_ms = check.duration_ms,
            "checked"
        );
        check.observations.iter().for_each(|o| network.add(o));
        let judged = JudgedEntry::new(entry, check, config);
        if judged.entry.is_some() {
            held.push(judged);
        } else {
            *counts.entry(judged.check.status).or_default() += 1;
            finished(judged);
        }
    };
    prober.probe_stream(entries, known, bar, judge).await;
    let health = network.health(&config.policy);
    settle_network(&mut held, &health, config);
    if !health.unavailable && config.probe.archive_lookup {
        archived_copies(prober, config, &mut held).await;
    }
    for judged in held {
        *counts.entry(judged.check.status).or_default() += 1;
        finished(judged);
    }
    tracing::info!(
        resources = counts.values().sum::<usize>(),
        statuses = %counts
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect::<Vec<_>>()
            .join(", "),
        network_unavailable = health.unavailable,
        "run summary"
    );
    health
}

/// For each resource judged dead, or moved to nowhere known, the most recent
/// web-archive copy of the URL that decided ([probe] concurrency lookups at
/// once). A copy is shown with the verdict and never changes it.
async fn archived_copies<E: Borrow<Entry>>(
    prober: &Prober<Engine>,
    config: &Config,
    pairs: &mut [JudgedEntry<E>],
) {
    use futures_util::StreamExt;
    let wanted: Vec<(usize, String)> = pairs
        .iter()
        .enumerate()
        .filter_map(|(at, pair)| {
            let check = &pair.check;
            let url = check
                .observations
                .iter()
                .find(|o| !matches!(o.signal, Signal::Alive | Signal::NotModified))
                .map(|o| o.url.clone())
                .or_else(|| {
                    let entry = pair.entry.as_ref()?.borrow();
                    entry.urls.first().map(|u| u.url.to_string())
                });
            is_lost(check).then_some(url).flatten().map(|url| (at, url))
        })
        .collect();
    let found: Vec<(usize, Option<crate::observation::ArchivedCopy>)> =
        futures_util::stream::iter(wanted)
            .map(|(at, url)| async move { (at, prober.archived_copy(&url).await) })
            .buffer_unordered(config.probe.concurrency.max(1))
            .collect()
            .await;
    for (at, copy) in found {
        pairs[at].check.archived_copy = copy.map(Box::new);
    }
}

/// When the run's own network was unavailable, judges again the entries
/// whose probes failed on it: those failures become `unknown`, never dead.
fn settle_network<E: Borrow<Entry>>(
    pairs: &mut [JudgedEntry<E>],
    health: &NetworkHealth,
    config: &Config,
) {
    if !health.unavailable {
        return;
    }
    for pair in pairs.iter_mut() {
        // Held: every entry with a network failure (JudgedEntry::new).
        let Some(entry) = pair.entry.as_ref().map(Borrow::borrow) else {
            continue;
        };
        let check = &mut pair.check;
        let mut observations = std::mem::take(&mut check.observations);
        let mut changed = false;
        for observation in &mut observations {
            changed |= network::settle(observation, health);
        }
        if changed {
            *check = classify::judge(entry, observations, &config.policy, config.now);
            pair.exempted = exempted(entry, check, config);
        } else {
            check.observations = observations;
        }
    }
}

/// Probes `entries` and judges each one. `known` holds the validators from the
/// previous run (by URL) for conditional requests. Used by `monitor`, which
/// loads the catalog before it takes its lock and reads its state.
pub fn gather(
    config: &Config,
    entries: &[Entry],
    known: &state::Known,
    show_progress: bool,
) -> anyhow::Result<Vec<ResourceCheck>> {
    let (runtime, engine) = runtime_and_engine(config)?;
    let prober = Prober::new(
        std::sync::Arc::new(engine),
        &config.endpoints,
        &config.secrets,
        &config.probe,
    );
    let bar = progress_bar(show_progress);
    // Least recently checked first; the checks come back in catalog order.
    let order = known.probe_order(entries.iter().map(|e| e.id.as_str()));
    let ordered = futures_util::stream::iter(order.iter().map(|at| &entries[*at]));
    // The monitor reads a blind network from the checks themselves
    // (`network-unavailable`), as a degraded run.
    let position: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(at, entry)| (entry.id.as_str(), at))
        .collect();
    let mut checks: Vec<(usize, ResourceCheck)> = Vec::with_capacity(entries.len());
    runtime.block_on(probe_and_judge(
        &prober,
        config,
        ordered,
        &known.validators,
        &bar,
        |pair| checks.push((position[pair.check.id.as_str()], pair.check)),
    ));
    bar.finish_and_clear();
    free_in_background(runtime);
    checks.sort_by_key(|(at, _)| *at);
    Ok(checks.into_iter().map(|(_, check)| check).collect())
}

pub(crate) fn runtime_and_engine(
    config: &Config,
) -> anyhow::Result<(tokio::runtime::Runtime, Engine)> {
    let runtime = runtime(config.probe.threads)?;
    let engine = Engine::new(&config.probe).context("setting up the HTTP engine")?;
    Ok((runtime, engine))
}

/// The runtime the probes are polled on (`[probe] threads`). One thread is
/// the default: the probes wait on the network, and at the limits a polite
/// run uses, one core polls them with room to spare, while a pool pays for
/// every hand-over between its threads (docs/engine.md, "Threads").
fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = if threads > 1 {
        let mut pool = tokio::runtime::Builder::new_multi_thread();
        pool.worker_threads(threads);
        pool
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// A bar on stderr when it is a terminal; its length grows as URLs are queued.
fn progress_bar(show: bool) -> indicatif::ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} checking [{bar:30}] {pos}/{len} URLs {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The spooled report read back whole, for the renderings that are not
/// written as they are produced (a table, annotations, SARIF).
fn read_back(report: &CheckReport<Spooled>) -> std::io::Result<CheckReport> {
    let resources = report
        .resources
        .resources()
        .collect::<std::io::Result<_>>()?;
    Ok(report.with_resources(resources))
}
