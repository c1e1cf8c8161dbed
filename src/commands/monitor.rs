use crate::Outcome;
use crate::cli::MonitorArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: MonitorArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`catwatch monitor` is not built yet")
}
