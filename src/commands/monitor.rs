//! `catwatch monitor`: the nightly job.
//!
//! lock the state -> load the catalog and the state -> probe (`check::gather`)
//! -> judge (`policy::alerting`) -> save, with new alerts in the outbox ->
//! deliver the outbox -> save what was delivered -> write the reports.
//!
//! The state is saved before anything is sent, so a crash loses no alert, and
//! each delivery is recorded right after it, so a rerun does not repeat it.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use jiff::Timestamp;

use crate::Outcome;
use crate::catalog::{self, Entry};
use crate::cli::{MonitorArgs, ReportFormat};
use crate::config::Config;
use crate::notify::{DeliveryError, EmailSettings};
use crate::policy::Alert;
use crate::policy::alerting::{self, Mode};
use crate::secret::Secret;
use crate::state::model::{Channel, RunKind, RunRecord, State};
use crate::state::{self, Loaded, Locked, outbox, store};

/// The environment variable that overrides the clock for one run (RFC 3339,
/// e.g. `2026-11-26T03:00:00Z`). A testing and operations knob: it lets a test
/// simulate nights, and an operator replay a run as of a given time.
pub const NOW_VARIABLE: &str = "CATWATCH_NOW";

/// The run's `now`: CATWATCH_NOW when set, else the system clock. Read once.
pub fn run_clock() -> anyhow::Result<Timestamp> {
    match std::env::var(NOW_VARIABLE) {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().with_context(|| {
            format!("{NOW_VARIABLE}={text:?} is not an RFC 3339 time such as 2026-11-26T03:00:00Z")
        }),
        _ => Ok(Timestamp::now()),
    }
}

/// One way alerts leave the machine. The real ones talk to an SMTP server or
/// the GitHub API; tests of the outbox logic use a fake.
pub trait Deliver {
    fn channel(&self) -> Channel;
    /// Delivers `alerts` as one message (or one batch of updates).
    fn deliver(&self, alerts: &[Alert], now: Timestamp) -> Result<(), DeliveryError>;
}

struct Email<'a> {
    settings: &'a EmailSettings,
    credentials: Option<&'a (String, Secret)>,
}

impl Deliver for Email<'_> {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn deliver(&self, alerts: &[Alert], now: Timestamp) -> Result<(), DeliveryError> {
        let Some(digest) =
            crate::notify::compose::digest(alerts, &self.settings.subject_prefix, now)
        else {
            return Ok(());
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DeliveryError::Transient(format!("cannot start the runtime: {e}")))?;
        runtime.block_on(crate::notify::email::send_digest(
            self.settings,
            self.credentials,
            &digest,
        ))
    }
}

/// The channels the configuration turns on.
fn channels(config: &Config) -> anyhow::Result<Vec<Box<dyn Deliver + '_>>> {
    let mut channels: Vec<Box<dyn Deliver + '_>> = Vec::new();
    if let Some(settings) = &config.email {
        crate::notify::email::check_settings(settings).map_err(anyhow::Error::msg)?;
        channels.push(Box::new(Email {
            settings,
            credentials: config.secrets.smtp.as_ref(),
        }));
    }
    if config.github_issues.is_some() {
        tracing::warn!("[github_issues] is configured but this build cannot deliver to it yet");
    }
    Ok(channels)
}

pub fn run(config: &Config, args: MonitorArgs) -> anyhow::Result<Outcome> {
    let now = run_clock()?;
    let entries = catalog::load_entries(&config.catalog_dir)?;
    let channels = channels(config)?;
    let path = &config.state.path;
    match store::with_lock(path, config.state.lock_wait(), || {
        monitor_locked(config, &args, &entries, &channels, now)
    })? {
        Locked::Ran(outcome) => Ok(outcome),
        Locked::Busy { lock } => {
            eprintln!(
                "catwatch: another catwatch run holds {} (waited {} s); this run did nothing and leaves the work to it",
                lock.display(),
                config.state.lock_wait_secs
            );
            Ok(Outcome::Clean)
        }
    }
}

fn monitor_locked(
    config: &Config,
    args: &MonitorArgs,
    entries: &[Entry],
    channels: &[Box<dyn Deliver + '_>],
    now: Timestamp,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let path = &config.state.path;
    let loaded = state::load_reporting(&config.state, now)?;
    let mode = match loaded {
        Loaded::Quarantined { .. } => Mode::ObserveOnly,
        _ => Mode::Announce,
    };
    let previous = loaded.into_state();

    let checks = super::check::gather(config, entries, &previous.validators(), !args.quiet)?;

    let judged = alerting::judge_run(
        previous,
        entries,
        &checks,
        &config.policy,
        config.state.history_len,
        now,
        mode,
    );
    let mut state = judged.state;
    let names: Vec<Channel> = channels.iter().map(|c| c.channel()).collect();
    outbox::enqueue(&mut state, &judged.alerts, &names);
    state.push_run(RunRecord {
        kind: RunKind::Monitor,
        started: now,
        ended: state::elapsed_since(now, started),
        checked: checks.len(),
        counts: state::count_statuses(&checks),
        degraded: judged.degraded,
        observe_only: mode == Mode::ObserveOnly,
        alerts: judged.alerts.len(),
    });
    store::save(path, &state)?;

    print_summary(&checks, &judged.alerts, judged.degraded, mode);
    let mut failed = false;
    if args.dry_run {
        if !state.outbox.is_empty() {
            println!(
                "dry run: {} alert(s) stay in the outbox of {} and go out with the next run without --dry-run",
                state.outbox.len(),
                path.display()
            );
        }
    } else {
        failed = deliver_outbox(&mut state, channels, now, |state| store::save(path, state))?;
    }

    if let Some(dir) = &args.reports {
        write_reports(dir, &state, entries, now)?;
    }
    // Exit 1: the run completed but a person must look (the state was lost,
    // or a channel refused an alert for good).
    Ok(if failed || mode == Mode::ObserveOnly {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// Hands each channel what is due for it, recording (and saving, through
/// `save`) each outcome at once. Returns whether a delivery failed
/// permanently.
pub fn deliver_outbox<E>(
    state: &mut State,
    channels: &[Box<dyn Deliver + '_>],
    now: Timestamp,
    mut save: impl FnMut(&State) -> Result<(), E>,
) -> Result<bool, E> {
    let mut failed = false;
    for channel in channels {
        let name = channel.channel();
        let alerts = outbox::due(state, name);
        if alerts.is_empty() {
            continue;
        }
        let keys: Vec<String> = alerts.iter().map(|a| a.key.clone()).collect();
        let outcome = channel.deliver(&alerts, now);
        match &outcome {
            Ok(()) => println!("sent {} alert(s) by {}", alerts.len(), name.as_str()),
            Err(DeliveryError::Transient(why)) => eprintln!(
                "catwatch: warning: {} delivery failed for now ({why}); {} alert(s) stay in the outbox for the next run",
                name.as_str(),
                alerts.len()
            ),
            Err(DeliveryError::Permanent(why)) => {
                failed = true;
                eprintln!(
                    "catwatch: error: {} refused delivery permanently ({why}); {} alert(s) recorded as not delivered",
                    name.as_str(),
                    alerts.len()
                );
            }
        }
        outbox::record(state, name, &keys, &outcome, now);
        save(state)?;
    }
    Ok(failed)
}

fn print_summary(
    checks: &[crate::observation::ResourceCheck],
    alerts: &[Alert],
    degraded: bool,
    mode: Mode,
) {
    let counts = state::count_statuses(checks)
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!("checked {} resource(s): {counts}", checks.len());
    if degraded {
        println!(
            "too many probes failed: the monitor judges its own network degraded and froze the per-resource counters"
        );
    }
    if mode == Mode::ObserveOnly {
        println!("observe-only run (the state was quarantined): no alerts");
    }
    for alert in alerts {
        println!("alert: {}", alert.message);
    }
}

/// Writes every report rendered from the state into `dir`: `status.md`,
/// `index.html`, `status.json` and `badges/<id>.json`.
fn write_reports(
    dir: &Path,
    state: &State,
    entries: &[Entry],
    now: Timestamp,
) -> anyhow::Result<()> {
    use super::report::{Rendered, render, write};
    let report = state::to_report(state, entries, now);
    let files = [
        (ReportFormat::Markdown, "status.md"),
        (ReportFormat::Html, "index.html"),
        (ReportFormat::Json, "status.json"),
        (ReportFormat::Badges, "badges"),
    ];
    for (format, name) in files {
        match render(format, &report)? {
            Rendered::One(text) => write(&dir.join(name), &text)?,
            Rendered::Many(parts) => {
                for (file, text) in parts {
                    write(&dir.join(name).join(file), &text)?;
                }
            }
        }
    }
    Ok(())
}
