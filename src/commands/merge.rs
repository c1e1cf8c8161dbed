use crate::Outcome;
use crate::cli::MergeArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: MergeArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`catwatch merge` is not built yet")
}
