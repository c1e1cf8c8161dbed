use crate::Outcome;
use crate::cli::CheckArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: CheckArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`catwatch check` is not built yet")
}

/// Probes `entries` and judges each one. `known` holds the validators from the
/// previous run (by URL) for conditional requests. Shared by `check` and `monitor`.
pub fn gather(
    _config: &Config,
    _entries: &[crate::catalog::Entry],
    _known: &std::collections::HashMap<String, crate::observation::Validators>,
    _show_progress: bool,
) -> anyhow::Result<Vec<crate::observation::ResourceCheck>> {
    anyhow::bail!("probing is not built yet")
}
