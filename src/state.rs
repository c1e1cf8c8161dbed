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
