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

use jiff::Timestamp;

use crate::Outcome;
use crate::catalog::{self, Entry};
use crate::cli::{MonitorArgs, ReportFormat};
use crate::config::Config;
use crate::notify::{DeliveryError, EmailSettings, GitHubIssueSettings};
use crate::policy::Alert;
use crate::policy::alerting::{self, Mode};
use crate::report::model::StatusReport;
use crate::secret::Secret;
use crate::state::model::{Channel, RunKind, RunRecord, State};
use crate::state::{self, Locked, outbox, store};

pub use crate::config::NOW_VARIABLE;

/// One way alerts leave the machine. The real ones talk to an SMTP server or
/// the GitHub API; tests of the outbox logic use a fake.
pub trait Deliver {
    fn channel(&self) -> Channel;
    /// Delivers `alerts` as one message (or one batch of updates). `report`
    /// is the state after this run's judging, for channels that show it.
    fn deliver(
        &self,
        alerts: &[Alert],
        report: &StatusReport,
        now: Timestamp,
    ) -> Result<(), DeliveryError>;
}

fn runtime() -> Result<tokio::runtime::Runtime, DeliveryError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DeliveryError::Transient(format!("cannot start the async runtime: {e}")))
}

struct Email<'a> {
    settings: &'a EmailSettings,
    credentials: Option<&'a (String, Secret)>,
}

impl Deliver for Email<'_> {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn deliver(
        &self,
        alerts: &[Alert],
        _report: &StatusReport,
        now: Timestamp,
    ) -> Result<(), DeliveryError> {
        let Some(digest) =
            crate::notify::compose::digest(alerts, &self.settings.subject_prefix, now)
        else {
            return Ok(());
        };
        runtime()?.block_on(crate::notify::email::send_digest(
            self.settings,
            self.credentials,
            &digest,
        ))
    }
}

struct GitHubIssues<'a> {
    settings: &'a GitHubIssueSettings,
    default_api: &'a url::Url,
    token: Option<&'a Secret>,
}

impl Deliver for GitHubIssues<'_> {
    fn channel(&self) -> Channel {
        Channel::GithubIssues
    }

    fn deliver(
        &self,
        alerts: &[Alert],
        report: &StatusReport,
        _now: Timestamp,
    ) -> Result<(), DeliveryError> {
        runtime()?
            .block_on(crate::notify::github_issues::deliver(
                self.settings,
                self.default_api,
                self.token,
                alerts,
                Some(report),
            ))
            .map(|_| ())
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
    if let Some(settings) = &config.github_issues {
        let api = settings
            .api
            .as_ref()
            .unwrap_or(&config.endpoints.github_api);
        crate::notify::github_issues::check_origin(api, settings.allow_http)
            .map_err(anyhow::Error::msg)?;
        anyhow::ensure!(
            config.secrets.github_token.is_some(),
            "[github_issues] is configured but no token is set: export CATWATCH_GITHUB_TOKEN (or GITHUB_TOKEN) with issues: write, or remove the section"
        );
        channels.push(Box::new(GitHubIssues {
            settings,
            default_api: &config.endpoints.github_api,
            token: config.secrets.github_token.as_ref(),
        }));
    }
    Ok(channels)
}

pub fn run(config: &Config, args: MonitorArgs) -> anyhow::Result<Outcome> {
    let now = config.now;
    let entries = catalog::load_entries(&config.catalog_dir, crate::lint::today(config.now))?;
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
    let mut previous = state::load_reporting(&config.state, now)?.into_state();
    let mode = if previous.needs_baseline {
        Mode::ObserveOnly
    } else {
        Mode::Announce
    };
    previous.needs_baseline = false;

    let known = state::Known::of(&previous);
    let checks = super::check::gather(config, entries, &known, !args.quiet)?;

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
            super::say(format_args!(
                "dry run: {} alert(s) stay in the outbox of {} and go out with the next run without --dry-run",
                state.outbox.len(),
                path.display()
            ));
        }
    } else {
        let report = state::to_report(&state, entries, now);
        let scrubber = config.secrets.scrubber();
        failed = deliver_outbox(&mut state, channels, &report, now, &scrubber, |state| {
            store::save(path, state)
        })?;
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
    report: &StatusReport,
    now: Timestamp,
    scrubber: &crate::secret::Scrubber,
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
        // A server's refusal may quote what it was sent: no secret goes on.
        let outcome = match channel.deliver(&alerts, report, now) {
            Err(DeliveryError::Transient(why)) => {
                Err(DeliveryError::Transient(scrubber.scrub(&why).into_owned()))
            }
            Err(DeliveryError::Permanent(why)) => {
                Err(DeliveryError::Permanent(scrubber.scrub(&why).into_owned()))
            }
            Ok(()) => Ok(()),
        };
        match &outcome {
            Ok(()) => super::say(format_args!(
                "sent {} alert(s) by {}",
                alerts.len(),
                name.as_str()
            )),
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
    super::say(format_args!(
        "checked {} resource(s): {counts}",
        checks.len()
    ));
    if degraded {
        super::say(format_args!(
            "too many probes failed: the monitor judges its own network degraded and froze the per-resource counters"
        ));
    }
    if mode == Mode::ObserveOnly {
        super::say(format_args!(
            "observe-only run (the state was quarantined): no alerts"
        ));
    }
    for alert in alerts {
        super::say(format_args!("alert: {}", alert.message));
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
    use super::report::{Rendered, render};
    use super::write_atomically as write;
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::state::model::DeliveryOutcome;

    /// A channel that answers from a script and remembers what it was given.
    struct Fake {
        channel: Channel,
        answers: RefCell<Vec<Result<(), DeliveryError>>>,
        given: RefCell<Vec<Vec<String>>>,
    }

    impl Fake {
        fn new(channel: Channel, answers: Vec<Result<(), DeliveryError>>) -> Fake {
            Fake {
                channel,
                answers: RefCell::new(answers),
                given: RefCell::default(),
            }
        }
    }

    impl Deliver for &Fake {
        fn channel(&self) -> Channel {
            self.channel
        }

        fn deliver(
            &self,
            alerts: &[Alert],
            _report: &StatusReport,
            _now: Timestamp,
        ) -> Result<(), DeliveryError> {
            self.given
                .borrow_mut()
                .push(alerts.iter().map(|a| a.key.clone()).collect());
            self.answers.borrow_mut().remove(0)
        }
    }

    fn alert(key: &str) -> Alert {
        Alert::sample(key, now())
    }

    fn now() -> Timestamp {
        "2026-11-26T03:00:00Z".parse().unwrap()
    }

    fn report() -> StatusReport {
        crate::state::to_report(&State::default(), &[], now())
    }

    #[test]
    fn each_channel_is_recorded_and_saved_on_its_own() {
        let email = Fake::new(
            Channel::Email,
            vec![Err(DeliveryError::Transient("451".into())), Ok(())],
        );
        let issues = Fake::new(Channel::GithubIssues, vec![Ok(()), Ok(())]);
        let channels: Vec<Box<dyn Deliver>> = vec![Box::new(&email), Box::new(&issues)];
        let mut state = State::default();
        outbox::enqueue(
            &mut state,
            &[alert("k1")],
            &[Channel::Email, Channel::GithubIssues],
        );

        let mut saves = Vec::new();
        let failed = deliver_outbox(
            &mut state,
            &channels,
            &report(),
            now(),
            &Default::default(),
            |s| {
                saves.push(s.outbox.clone());
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert!(!failed);
        assert_eq!(saves.len(), 2, "saved after each channel");
        assert_eq!(state.outbox[0].pending, [Channel::Email]);
        assert_eq!(state.deliveries.len(), 1);

        // The next run: the new alert and the old one go out together, once.
        outbox::enqueue(
            &mut state,
            &[alert("k2")],
            &[Channel::Email, Channel::GithubIssues],
        );
        deliver_outbox(
            &mut state,
            &channels,
            &report(),
            now(),
            &Default::default(),
            |_| Ok::<(), ()>(()),
        )
        .unwrap();
        assert_eq!(*email.given.borrow(), [vec!["k1"], vec!["k1", "k2"]]);
        assert_eq!(*issues.given.borrow(), [vec!["k1"], vec!["k2"]]);
        assert!(state.outbox.is_empty());
        assert!(
            state
                .deliveries
                .iter()
                .all(|d| d.outcome == DeliveryOutcome::Delivered)
        );
    }

    #[test]
    fn a_permanent_refusal_fails_the_run() {
        let email = Fake::new(
            Channel::Email,
            vec![Err(DeliveryError::Permanent("550".into()))],
        );
        let channels: Vec<Box<dyn Deliver>> = vec![Box::new(&email)];
        let mut state = State::default();
        outbox::enqueue(&mut state, &[alert("k1")], &[Channel::Email]);
        let failed = deliver_outbox(
            &mut state,
            &channels,
            &report(),
            now(),
            &Default::default(),
            |_| Ok::<(), ()>(()),
        )
        .unwrap();
        assert!(failed);
        assert!(state.outbox.is_empty());
        assert_eq!(state.deliveries[0].outcome, DeliveryOutcome::Failed);
    }
}
