use crate::Outcome;
use crate::cli::LintArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: LintArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`catwatch lint` is not built yet")
}
