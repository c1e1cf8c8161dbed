//! `catwatch export --format jsonld|dcat|csv`: the catalog for search engines,
//! data portals and spreadsheets, with what the state remembers of each
//! resource (status, last update, last check) when there is a state file.

use crate::Outcome;
use crate::catalog;
use crate::cli::{ExportArgs, ExportFormat};
use crate::config::Config;
use crate::report::export;
use crate::state;

pub fn run(config: &Config, args: ExportArgs) -> anyhow::Result<Outcome> {
    let entries = catalog::load_entries(&config.catalog_dir, crate::lint::today(config.now))?;
    let state = super::report::read_state(&config.state.path)?;
    let report = state::to_report(&state, &entries, config.now);
    let text = match args.format {
        ExportFormat::Jsonld => export::jsonld(&report, &entries),
        ExportFormat::Dcat => export::dcat(&report, &entries),
        ExportFormat::Csv => export::csv(&report),
    };
    match &args.output {
        Some(path) => super::write_atomically(path, &text)?,
        None => super::to_stdout(text.as_bytes())?,
    }
    Ok(Outcome::Clean)
}
