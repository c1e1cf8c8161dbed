//! `catwatch merge`: combine the JSON reports of `check --shard K/N` runs into
//! the report one run over the whole catalog would have written, and record
//! it in the state.
//!
//! Gather (read the reports and the catalog), then judge in [`merge`], which
//! is pure: it refuses anything that would make the merged report differ from
//! a single run (a shard missing or given twice, an entry in two reports, an
//! entry the catalog does not have or that belongs to another shard, reports
//! written under different `fail_on` policies) and lists every problem at once.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::Outcome;
use crate::catalog::{self, Entry};
use crate::cli::{CheckFormat, MergeArgs};
use crate::commands::write_atomically;
use crate::config::Config;
use crate::report::check::{
    CheckReport, CheckedResource, REPORT_VERSION, render_human, render_json,
};
use crate::shard::{self, Shard};
use crate::state;

/// Larger inputs are refused rather than read into memory.
const MAX_REPORT_BYTES: u64 = 1 << 30;

pub fn run(config: &Config, args: MergeArgs) -> anyhow::Result<Outcome> {
    let reports = args
        .inputs
        .iter()
        .map(|path| Ok((path.clone(), read_report(path)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let entries = catalog::load_entries(&config.catalog_dir, crate::lint::today(config.now))?;
    let merged = merge(&entries, reports).map_err(|err| {
        anyhow::anyhow!(
            "{err}\n(the catalog is {}; every report must come from `catwatch check --shard K/N \
             --format json` over that same catalog, one per shard)",
            config.catalog_dir.display()
        )
    })?;
    if !args.no_state {
        // A merged report covers exactly the catalog, in its order.
        let results = merged.resources.iter().map(|r| Ok(&r.check));
        state::record_checks(&config.state, results, merged.generated_at)
            .context("recording the merged checks in the state file")?;
    }
    let text = match args.format {
        CheckFormat::Json => render_json(&merged),
        CheckFormat::Human => render_human(&merged),
        format => {
            let mut out = Vec::new();
            super::check::write_report(config, &merged, format, &mut out)
                .context("rendering the merged report")?;
            String::from_utf8(out).context("the merged report is text")?
        }
    };
    match &args.output {
        Some(path) => write_atomically(path, &text)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()) {
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.context("writing the merged report to stdout")?,
            }
        }
    }
    Ok(if merged.passed {
        Outcome::Clean
    } else {
        Outcome::Failed
    })
}

/// Why shard reports cannot be merged: every problem found, one per line.
#[derive(Debug, thiserror::Error)]
#[error("cannot merge these reports:\n  - {}", .problems.join("\n  - "))]
pub struct MergeError {
    pub problems: Vec<String>,
}

/// Combines shard reports (each with the file it came from) into the report
/// a single run over `catalog` would have produced: resources in catalog
/// order, summary and verdict recomputed, no `shard` field. The merged
/// report's time is the latest shard's.
pub fn merge(
    catalog: &[Entry],
    reports: Vec<(PathBuf, CheckReport)>,
) -> Result<CheckReport, MergeError> {
    if reports.is_empty() {
        return Err(MergeError {
            problems: vec!["no report to merge".to_owned()],
        });
    }
    let mut problems = Vec::new();
    let shown = |path: &Path| path.display().to_string();

    // Which shard each report is, and that together they are all of them.
    let mut shards: Vec<Option<Shard>> = Vec::new();
    for (path, report) in &reports {
        if report.version != REPORT_VERSION {
            problems.push(format!(
                "{}: report version {} (this catwatch reads version {REPORT_VERSION})",
                shown(path),
                report.version
            ));
        }
        let shard = match report.shard.as_deref().map(str::parse::<Shard>) {
            Some(Ok(shard)) => Some(shard),
            Some(Err(why)) => {
                problems.push(format!("{}: bad shard field: {why}", shown(path)));
                None
            }
            None => {
                problems.push(format!(
                    "{}: not a shard report (no `shard` field); write each with `check --shard K/N`",
                    shown(path)
                ));
                None
            }
        };
        shards.push(shard);
    }
    let count = shards.iter().flatten().map(|s| s.count).next();
    if let Some(count) = count {
        let mut seen: HashMap<u32, &Path> = HashMap::new();
        for ((path, _), shard) in reports.iter().zip(&shards) {
            let Some(shard) = shard else { continue };
            if shard.count != count {
                problems.push(format!(
                    "{}: shard {shard}, but other reports split the catalog into {count}",
                    shown(path)
                ));
            } else if let Some(first) = seen.insert(shard.index, path) {
                problems.push(format!(
                    "{} and {} are both shard {shard}",
                    shown(first),
                    shown(path)
                ));
            }
        }
        let missing: Vec<String> = (1..=count)
            .filter(|k| !seen.contains_key(k))
            .map(|k| format!("{k}/{count}"))
            .collect();
        if !missing.is_empty() && shards.iter().all(|s| s.is_none_or(|s| s.count == count)) {
            problems.push(format!("shard(s) missing: {}", missing.join(", ")));
        }
    }
    if let Some((first_path, first)) = reports.first() {
        for (path, report) in &reports[1..] {
            if report.fail_on != first.fail_on {
                problems.push(format!(
                    "{} and {} were checked under different [policy] fail_on ({:?} and {:?})",
                    shown(first_path),
                    shown(path),
                    first.fail_on,
                    report.fail_on
                ));
            }
        }
    }

    // Every resource exactly once, from the shard it belongs to.
    let position: HashMap<&str, usize> = catalog
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    let mut found: HashMap<String, &Path> = HashMap::new();
    let mut resources: Vec<(usize, CheckedResource)> = Vec::new();
    for ((path, report), shard) in reports.iter().zip(&shards) {
        for resource in &report.resources {
            let id = resource.check.id.as_str();
            let Some(&at) = position.get(id) else {
                problems.push(format!(
                    "{}: entry {id:?} is not in the catalog",
                    shown(path)
                ));
                continue;
            };
            if let Some(first) = found.insert(id.to_owned(), path) {
                problems.push(format!(
                    "entry {id:?} is in both {} and {}",
                    shown(first),
                    shown(path)
                ));
                continue;
            }
            if let Some(shard) = shard {
                let owner = shard::assigned(&catalog[at], shard.count);
                if owner != *shard {
                    problems.push(format!(
                        "{}: entry {id:?} belongs to shard {owner}, not {shard}",
                        shown(path)
                    ));
                }
            }
            resources.push((at, resource.clone()));
        }
    }
    if problems.is_empty() {
        let unchecked: Vec<&str> = catalog
            .iter()
            .filter(|e| !found.contains_key(&e.id))
            .map(|e| e.id.as_str())
            .collect();
        if !unchecked.is_empty() {
            const SHOWN: usize = 10;
            let more = unchecked.len().saturating_sub(SHOWN);
            problems.push(format!(
                "{} catalog entr{} in no report: {}{}",
                unchecked.len(),
                if unchecked.len() == 1 {
                    "y is"
                } else {
                    "ies are"
                },
                unchecked[..unchecked.len().min(SHOWN)].join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
    }
    if !problems.is_empty() {
        return Err(MergeError { problems });
    }

    resources.sort_by_key(|(at, _)| *at);
    let generated_at = reports
        .iter()
        .map(|(_, r)| r.generated_at)
        .max()
        .unwrap_or_default();
    let fail_on = reports[0].1.fail_on.clone();
    // A shard whose network was down makes the whole run blind there.
    let network = reports.iter().find_map(|(_, r)| r.network.clone());
    let mut merged = CheckReport::new(
        resources.into_iter().map(|(_, r)| r).collect(),
        &fail_on,
        None,
        generated_at,
    );
    merged.network = network;
    Ok(merged)
}

/// Reads one shard report. Only regular files (a FIFO would block forever),
/// at most [`MAX_REPORT_BYTES`].
fn read_report(path: &Path) -> anyhow::Result<CheckReport> {
    let text = crate::catalog::read::read_own_text(path, MAX_REPORT_BYTES, "the shard report")
        .map_err(|err| anyhow::anyhow!("{err}; pass the JSON files written by `check --output`"))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a catwatch check report (schema/check-report.schema.json)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::{ResourceCheck, Status};

    fn entry(id: &str, url: &str) -> Entry {
        let yaml = format!(
            r#"{{"id":"{id}","name":"{id}","description":"d","kind":"imaging",
            "urls":[{{"url":"{url}","role":"landing"}}],
            "modalities":{{"ct":"Y","xray":"N","mrt":"N","ultrasound":"N","metadata":"U","case_review":"N"}},
            "access":"open","license":{{"status":"unknown"}},"maintenance":"unknown",
            "provenance":{{"last_verified":"2026-11-26","verified_against":"t","live_checked":false,"claims":[]}}}}"#
        );
        serde_json::from_str(&yaml).unwrap()
    }

    fn checked(id: &str, status: Status) -> CheckedResource {
        CheckedResource {
            check: ResourceCheck::sample(id, status, "2026-11-26T20:00:00Z".parse().unwrap()),
            exempted: false,
        }
    }

    /// A catalog of `n` entries on distinct hosts, and the shard reports of a
    /// split into `count`.
    fn split(n: usize, count: u32) -> (Vec<Entry>, Vec<(PathBuf, CheckReport)>) {
        let catalog: Vec<Entry> = (0..n)
            .map(|i| entry(&format!("e{i:02}"), &format!("https://h{i}.example/")))
            .collect();
        let reports = (1..=count)
            .map(|k| {
                let shard = Shard { index: k, count };
                let resources = shard::select(catalog.clone(), shard)
                    .iter()
                    .map(|e| checked(&e.id, Status::Ok))
                    .collect();
                let at = format!("2026-11-26T20:0{k}:00Z").parse().unwrap();
                let report =
                    CheckReport::new(resources, &[Status::Dead], Some(shard.to_string()), at);
                (PathBuf::from(format!("shard-{k}.json")), report)
            })
            .collect();
        (catalog, reports)
    }

    fn problems(catalog: &[Entry], reports: Vec<(PathBuf, CheckReport)>) -> Vec<String> {
        merge(catalog, reports).unwrap_err().problems
    }

    #[test]
    fn shards_merge_in_catalog_order_with_the_latest_time() {
        let (catalog, mut reports) = split(20, 4);
        reports.reverse();
        let merged = merge(&catalog, reports).unwrap();
        let ids: Vec<&str> = merged
            .resources
            .iter()
            .map(|r| r.check.id.as_str())
            .collect();
        let expected: Vec<&str> = catalog.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, expected);
        assert_eq!(merged.summary.total, 20);
        assert_eq!(merged.shard, None);
        assert!(merged.passed);
        assert_eq!(merged.generated_at, "2026-11-26T20:04:00Z".parse().unwrap());
    }

    #[test]
    fn the_verdict_is_recomputed_over_all_shards() {
        let (catalog, mut reports) = split(8, 2);
        let (_, second) = &mut reports[1];
        second.resources[0].check.status = Status::Dead;
        let merged = merge(&catalog, reports).unwrap();
        assert!(!merged.passed);
        assert_eq!(merged.summary.failing_policy, 1);
        assert_eq!(merged.summary.statuses[&Status::Dead], 1);
        assert_eq!(merged.summary.statuses[&Status::Ok], 7);
    }

    #[test]
    fn a_shard_given_twice_or_missing_is_refused() {
        let (catalog, reports) = split(12, 3);
        let twice = vec![
            reports[0].clone(),
            (PathBuf::from("copy.json"), reports[0].1.clone()),
        ];
        let found = problems(&catalog, twice);
        assert!(
            found.contains(&"shard-1.json and copy.json are both shard 1/3".to_owned()),
            "{found:?}"
        );
        assert!(
            found.contains(&"shard(s) missing: 2/3, 3/3".to_owned()),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("entry \"") && p.contains("is in both")),
            "{found:?}"
        );
    }

    #[test]
    fn reports_of_another_split_or_catalog_are_refused() {
        let (catalog, reports) = split(12, 2);
        let (_, other) = split(12, 3);
        let mut mixed = vec![reports[0].clone(), reports[1].clone()];
        mixed[1].1.shard = other[1].1.shard.clone();
        let found = problems(&catalog, mixed);
        assert!(
            found.contains(
                &"shard-2.json: shard 2/3, but other reports split the catalog into 2".to_owned()
            ),
            "{found:?}"
        );

        let mut stranger = reports.clone();
        stranger[0]
            .1
            .resources
            .push(checked("not-in-catalog", Status::Ok));
        let found = problems(&catalog, stranger);
        assert_eq!(
            found,
            ["shard-1.json: entry \"not-in-catalog\" is not in the catalog"]
        );

        // The same reports against a catalog with one more entry.
        let mut grown = catalog.clone();
        grown.push(entry("zz-new", "https://new.example/"));
        let found = problems(&grown, reports.clone());
        assert_eq!(found, ["1 catalog entry is in no report: zz-new"]);

        // An entry reported by the wrong shard.
        let mut swapped = reports;
        let moved = swapped[0].1.resources.remove(0);
        let id = moved.check.id.clone();
        swapped[1].1.resources.push(moved);
        let found = problems(&catalog, swapped);
        assert_eq!(
            found,
            [format!(
                "shard-2.json: entry {id:?} belongs to shard 1/2, not 2/2"
            )]
        );
    }

    #[test]
    fn unsharded_reports_and_other_policies_are_refused() {
        let (catalog, mut reports) = split(6, 2);
        reports[0].1.shard = None;
        reports[1].1.fail_on = vec![Status::Dead, Status::Moved];
        let found = problems(&catalog, reports);
        assert!(
            found[0].contains("shard-1.json: not a shard report"),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("different [policy] fail_on")),
            "{found:?}"
        );
    }
}
