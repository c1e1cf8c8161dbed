//! `catwatch check`: load the catalog, pick the entries asked for, probe them,
//! judge them, record them in the state, render the report, and pass or fail
//! the run against `[policy] fail_on`.
//!
//! Exit status: 0 when no resource outside an active exemption has a `fail_on`
//! status (default: dead), 1 when one has, 2 when the check could not run.
//! There is no hysteresis here: a dead entry fails the run at once, which is
//! what a pull request that adds or changes an entry needs.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use jiff::Timestamp;

use crate::Outcome;
use crate::catalog::{self, Entry};
use crate::cli::{CheckArgs, CheckFormat};
use crate::commands::write_atomically;
use crate::config::Config;
use crate::observation::{ResourceCheck, Validators};
use crate::policy::classify;
use crate::probe::Prober;
use crate::probe::engine::Engine;
use crate::probe::fetch::Fetch;
use crate::report::check::{CheckReport, CheckedResource, render_human, render_json};
use crate::shard::{self, Shard};
use crate::state;

pub fn run(config: &Config, args: CheckArgs) -> anyhow::Result<Outcome> {
    let shard: Option<Shard> = args
        .shard
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let entries = catalog::load_entries(&config.catalog_dir)?;
    let entries = select(config, entries, &args, shard)?;
    let known = if args.no_state {
        HashMap::new()
    } else {
        state::load_validators(&config.state).context("reading the state file")?
    };
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let results = gather(config, &entries, &known, show_progress)?;
    let now = Timestamp::now();
    if !args.no_state {
        state::record_checks(&config.state, &entries, &results, now)
            .context("recording the checks in the state file")?;
    }
    let report = report(config, &entries, results, shard, now);
    let text = match args.format {
        CheckFormat::Human => render_human(&report),
        CheckFormat::Json => render_json(&report),
    };
    match &args.output {
        Some(path) => write_atomically(path, &text)?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("writing the report to stdout")?,
    }
    Ok(if report.passed {
        Outcome::Clean
    } else {
        Outcome::Failed
    })
}

/// The entries the command line asks for: `--only`, then `--changed-since`,
/// then `--shard`, each narrowing the last.
fn select(
    config: &Config,
    entries: Vec<Entry>,
    args: &CheckArgs,
    shard: Option<Shard>,
) -> anyhow::Result<Vec<Entry>> {
    let mut entries = entries;
    if !args.only.is_empty() {
        let unknown: Vec<&str> = args
            .only
            .iter()
            .filter(|id| !entries.iter().any(|e| &e.id == *id))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
            bail!(
                "--only names unknown entry id(s): {}. Known ids in {}: {}",
                unknown.join(", "),
                config.catalog_dir.display(),
                known.join(", ")
            );
        }
        entries.retain(|e| args.only.contains(&e.id));
    }
    if let Some(rev) = &args.changed_since {
        let changed = changed_files(&config.catalog_dir, rev)?;
        entries.retain(|e| changed.contains(&e.id));
    }
    if let Some(shard) = shard {
        entries = shard::select(entries, shard);
    }
    Ok(entries)
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
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_owned))
        .collect())
}

/// Probes `entries` and judges each one. `known` holds the validators from the
/// previous run (by URL) for conditional requests. Shared by `check` and `monitor`.
pub fn gather(
    config: &Config,
    entries: &[Entry],
    known: &HashMap<String, Validators>,
    show_progress: bool,
) -> anyhow::Result<Vec<ResourceCheck>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let engine = Engine::new(&config.probe).context("setting up the HTTP engine")?;
    Ok(runtime.block_on(gather_with(&engine, config, entries, known, show_progress)))
}

/// [`gather`] over any [`Fetch`], on the caller's runtime.
pub async fn gather_with<F: Fetch>(
    fetch: &F,
    config: &Config,
    entries: &[Entry],
    known: &HashMap<String, Validators>,
    show_progress: bool,
) -> Vec<ResourceCheck> {
    let urls: usize = entries
        .iter()
        .map(|e| e.urls.iter().filter(|u| u.check).count())
        .sum();
    let bar = if show_progress && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(urls as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} checking [{bar:30}] {pos}/{len} URLs {elapsed}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let prober = Prober::new(fetch, &config.endpoints, &config.secrets, &config.probe);
    let observations = prober.probe_entries(entries, known, &|| bar.inc(1)).await;
    bar.finish_and_clear();
    let now = Timestamp::now();
    entries
        .iter()
        .zip(observations)
        .map(|(entry, seen)| classify::judge(entry, seen, &config.policy, now))
        .collect()
}

fn report(
    config: &Config,
    entries: &[Entry],
    results: Vec<ResourceCheck>,
    shard: Option<Shard>,
    now: Timestamp,
) -> CheckReport {
    let by_id: HashMap<&str, &Entry> = entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let resources = results
        .into_iter()
        .map(|check| {
            let exempted = by_id.get(check.id.as_str()).is_some_and(|entry| {
                let verdict = classify::classify(entry, &check.observations, &config.policy, now);
                verdict.status == check.status
                    && classify::exemption(entry, &verdict, now).is_some()
            });
            CheckedResource { check, exempted }
        })
        .collect();
    CheckReport::new(
        resources,
        &config.policy.fail_on,
        shard.map(|s| s.to_string()),
        now,
    )
}
