use crate::Outcome;
use crate::cli::ReportArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: ReportArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`catwatch report` is not built yet")
}
