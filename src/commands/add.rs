//! `catwatch add URL`: a new catalog entry from what the platform's API says.

use crate::Outcome;
use crate::cli::AddArgs;
use crate::config::Config;

pub fn run(_config: &Config, args: AddArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("catwatch add {}: not built yet", args.url)
}
