//! `catwatch export --format jsonld|dcat|csv`: the catalog for search engines,
//! data portals and spreadsheets.

use crate::Outcome;
use crate::cli::ExportArgs;
use crate::config::Config;

pub fn run(_config: &Config, args: ExportArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("catwatch export --format {:?}: not built yet", args.format)
}
