use crate::Outcome;
use crate::cli::TableArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: TableArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`catwatch table` is not built yet")
}
