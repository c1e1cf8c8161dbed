//! The range of every number in catwatch.toml, in one table, and the check
//! that holds a settings file to it. A value outside its range (or one that
//! would overflow a duration or a semaphore) is refused before anything runs,
//! with the setting's name, its line and its range; every such problem in the
//! file is reported at once. `docs/operators.md` carries
//! [`markdown_table`] between markers, and a test keeps the two equal.

use super::FileSettings;

/// One numeric setting and the values it may take.
pub struct Range {
    pub table: &'static str,
    pub key: &'static str,
    pub min: u64,
    pub max: u64,
    pub unit: &'static str,
    /// The value in a parsed file (`None`: not set, where that is allowed).
    value: fn(&FileSettings) -> Option<u64>,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

fn n(value: usize) -> Option<u64> {
    u64::try_from(value).ok().or(Some(u64::MAX))
}

/// Every numeric setting. The maxima keep durations, semaphores and
/// allocations far from overflow; none is near what a real run needs.
pub const RANGES: &[Range] = &[
    Range {
        table: "probe",
        key: "concurrency",
        min: 1,
        max: 4096,
        unit: "requests",
        value: |f| n(f.probe.concurrency),
    },
    Range {
        table: "probe",
        key: "per_host_concurrency",
        min: 1,
        max: 256,
        unit: "requests",
        value: |f| n(f.probe.per_host_concurrency),
    },
    Range {
        table: "probe",
        key: "threads",
        min: 1,
        max: 256,
        unit: "threads",
        value: |f| n(f.probe.threads),
    },
    Range {
        table: "probe",
        key: "per_host_interval_ms",
        min: 0,
        max: 600_000,
        unit: "milliseconds (10 minutes)",
        value: |f| Some(f.probe.per_host_interval_ms),
    },
    Range {
        table: "probe",
        key: "connect_timeout_secs",
        min: 1,
        max: 300,
        unit: "seconds",
        value: |f| Some(f.probe.connect_timeout_secs),
    },
    Range {
        table: "probe",
        key: "timeout_secs",
        min: 1,
        max: 3600,
        unit: "seconds",
        value: |f| Some(f.probe.timeout_secs),
    },
    Range {
        table: "probe",
        key: "retries",
        min: 0,
        max: 10,
        unit: "attempts",
        value: |f| Some(u64::from(f.probe.retries)),
    },
    Range {
        table: "probe",
        key: "backoff_base_ms",
        min: 0,
        max: 60_000,
        unit: "milliseconds",
        value: |f| Some(f.probe.backoff_base_ms),
    },
    Range {
        table: "probe",
        key: "retry_after_cap_secs",
        min: 0,
        max: 86_400,
        unit: "seconds (a day)",
        value: |f| Some(f.probe.retry_after_cap_secs),
    },
    Range {
        table: "probe",
        key: "run_budget_secs",
        min: 1,
        max: 604_800,
        unit: "seconds (a week)",
        value: |f| Some(f.probe.run_budget_secs),
    },
    Range {
        table: "probe",
        key: "max_body_bytes",
        min: KIB,
        max: 256 * MIB,
        unit: "bytes (256 MiB)",
        value: |f| n(f.probe.max_body_bytes),
    },
    Range {
        table: "probe",
        key: "max_redirects",
        min: 0,
        max: 10,
        unit: "hops",
        value: |f| n(f.probe.max_redirects),
    },
    Range {
        table: "probe",
        key: "max_header_bytes",
        min: KIB,
        max: MIB,
        unit: "bytes (1 MiB)",
        value: |f| Some(u64::from(f.probe.max_header_bytes)),
    },
    Range {
        table: "policy",
        key: "stale_after_days",
        min: 1,
        max: 36_500,
        unit: "days",
        value: |f| Some(u64::from(f.policy.stale_after_days)),
    },
    Range {
        table: "policy",
        key: "dead_after_runs",
        min: 1,
        max: 1000,
        unit: "runs",
        value: |f| Some(u64::from(f.policy.dead_after_runs)),
    },
    Range {
        table: "policy",
        key: "recover_after_runs",
        min: 1,
        max: 1000,
        unit: "runs",
        value: |f| Some(u64::from(f.policy.recover_after_runs)),
    },
    Range {
        table: "policy",
        key: "flap_window",
        min: 0,
        max: 1000,
        unit: "runs (below 2: no flapping detection)",
        value: |f| n(f.policy.flap_window),
    },
    Range {
        table: "policy",
        key: "flap_high_percent",
        min: 0,
        max: 100,
        unit: "percent",
        value: |f| Some(u64::from(f.policy.flap_high_percent)),
    },
    Range {
        table: "policy",
        key: "flap_low_percent",
        min: 0,
        max: 100,
        unit: "percent, at most flap_high_percent",
        value: |f| Some(u64::from(f.policy.flap_low_percent)),
    },
    Range {
        table: "policy",
        key: "degraded_percent",
        min: 0,
        max: 100,
        unit: "percent",
        value: |f| Some(u64::from(f.policy.degraded_percent)),
    },
    Range {
        table: "policy",
        key: "shrink_alert_percent",
        min: 1,
        max: 100,
        unit: "percent",
        value: |f| Some(u64::from(f.policy.shrink_alert_percent)),
    },
    Range {
        table: "policy",
        key: "degraded_min_probes",
        min: 0,
        max: 1_000_000,
        unit: "probes",
        value: |f| n(f.policy.degraded_min_probes),
    },
    Range {
        table: "policy",
        key: "repeat_interval_days",
        min: 0,
        max: 3650,
        unit: "days (0: no reminders)",
        value: |f| Some(u64::from(f.policy.repeat_interval_days)),
    },
    Range {
        table: "policy",
        key: "schedule_interval_hours",
        min: 0,
        max: 8760,
        unit: "hours (0: no missed-schedule check)",
        value: |f| Some(u64::from(f.policy.schedule_interval_hours)),
    },
    Range {
        table: "state",
        key: "history_len",
        min: 1,
        max: 10_000,
        unit: "runs",
        value: |f| n(f.state.history_len),
    },
    Range {
        table: "state",
        key: "lock_wait_secs",
        min: 0,
        max: 3600,
        unit: "seconds",
        value: |f| Some(f.state.lock_wait_secs),
    },
    Range {
        table: "email",
        key: "port",
        min: 1,
        max: 65_535,
        unit: "TCP port",
        value: |f| f.email.as_ref()?.port.map(u64::from),
    },
    Range {
        table: "email",
        key: "timeout_secs",
        min: 1,
        max: 600,
        unit: "seconds",
        value: |f| f.email.as_ref().map(|e| e.timeout_secs),
    },
];

/// Every problem with the numbers of `file` (read from `text`), each as
/// `line N: [table] key = value: ...`, in file order.
/// Holds one value given elsewhere (a command-line override) to the range of
/// `[table] key`; the error says the range.
pub fn check_one(table: &str, key: &str, value: u64) -> Result<(), String> {
    let range = RANGES
        .iter()
        .find(|r| r.table == table && r.key == key)
        .expect("every override names a setting of RANGES");
    if value < range.min || value > range.max {
        return Err(format!("{}..={} {}", range.min, range.max, range.unit));
    }
    Ok(())
}

pub fn problems(file: &FileSettings, text: &str) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = RANGES
        .iter()
        .filter_map(|range| {
            let value = (range.value)(file)?;
            (value < range.min || value > range.max).then(|| {
                (
                    line_of(text, range.table, range.key),
                    format!(
                        "[{}] {} = {value} is out of range: {}..={} {}",
                        range.table, range.key, range.min, range.max, range.unit
                    ),
                )
            })
        })
        .collect();
    let policy = &file.policy;
    if policy.flap_low_percent > policy.flap_high_percent {
        found.push((
            line_of(text, "policy", "flap_low_percent"),
            format!(
                "[policy] flap_low_percent = {} exceeds flap_high_percent = {}; the low mark must be at most the high one",
                policy.flap_low_percent, policy.flap_high_percent
            ),
        ));
    }
    found.sort_by_key(|(line, _)| *line);
    found
}

/// The 1-based line where `[table] key` is set in `text` (0 when it is not:
/// a default cannot be out of range, so that only happens for values set in
/// inline tables).
pub fn line_of(text: &str, table: &str, key: &str) -> usize {
    let mut current = String::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[') {
            current = name
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            continue;
        }
        let Some((name, _)) = trimmed.split_once('=') else {
            continue;
        };
        let name = name.trim().trim_matches('"');
        if current == table && name == key {
            return index + 1;
        }
    }
    0
}

/// The range table of docs/operators.md.
pub fn markdown_table() -> String {
    let mut out = String::from("| setting | range | unit |\n|---|---|---|\n");
    for range in RANGES {
        out.push_str(&format!(
            "| `[{}] {}` | {}..={} | {} |\n",
            range.table, range.key, range.min, range.max, range.unit
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> FileSettings {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_defaults_are_in_range() {
        assert!(problems(&FileSettings::default(), "").is_empty());
        let example = include_str!("../../catwatch.example.toml");
        assert!(problems(&parse(example), example).is_empty());
    }

    #[test]
    fn every_bad_value_is_reported_at_once_with_its_line() {
        let text = "[probe]\nconcurrency = 0\nrun_budget_secs = 9223372036854775807\nper_host_interval_ms = 9223372036854775807\n\n[state]\nlock_wait_secs = 9223372036854775807\n\n[policy]\nflap_high_percent = 10\nflap_low_percent = 20\n";
        let found = problems(&parse(text), text);
        let lines: Vec<usize> = found.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 3, 4, 7, 11], "{found:#?}");
        assert!(
            found[1].1.contains(
                "[probe] run_budget_secs = 9223372036854775807 is out of range: 1..=604800"
            )
        );
        assert!(
            found[4]
                .1
                .contains("flap_low_percent = 20 exceeds flap_high_percent = 10")
        );
    }

    #[test]
    fn the_operators_guide_lists_every_range() {
        let docs = include_str!("../../docs/operators.md");
        let start = "<!-- setting-ranges:start (generated from src/config/ranges.rs; a test keeps it equal) -->\n";
        let end = "<!-- setting-ranges:end -->";
        let from = docs
            .find(start)
            .expect("docs/operators.md has the start marker")
            + start.len();
        let to = docs[from..]
            .find(end)
            .expect("docs/operators.md has the end marker")
            + from;
        assert_eq!(&docs[from..to], markdown_table());
    }
}
