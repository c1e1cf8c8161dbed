//! `catwatch table [--check]`: render the catalog as Table 1 into CATALOG.md,
//! or fail when the committed table is stale.

use anyhow::Context;

use crate::Outcome;
use crate::catalog;
use crate::cli::TableArgs;
use crate::config::Config;
use crate::report::table;

pub fn run(config: &Config, args: TableArgs) -> anyhow::Result<Outcome> {
    let entries = catalog::load_entries(&config.catalog_dir, crate::lint::today(config.now))?;
    let rendered = table::render(&entries);
    let file = &args
        .file
        .unwrap_or_else(|| config.base_dir.join(crate::config::DEFAULT_TABLE_FILE));
    let current =
        match crate::catalog::read::read_own_text(file, 64 * 1024 * 1024, "the table file") {
            Ok(text) => Some(text),
            Err(e) if e.missing => None,
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        };
    let wanted = match &current {
        Some(text) => table::splice(text, &rendered)
            .with_context(|| format!("cannot place the table in {}", file.display()))?,
        None => table::new_document(&rendered),
    };
    let up_to_date = current.as_deref() == Some(wanted.as_str());
    if args.check {
        if up_to_date {
            super::say(format_args!(
                "{} is up to date ({} entries)",
                file.display(),
                entries.len()
            ));
            return Ok(Outcome::Clean);
        }
        eprintln!(
            "catwatch table: {} is out of date with the catalog ({} entries); run `catwatch table` and commit the result",
            file.display(),
            entries.len()
        );
        return Ok(Outcome::Failed);
    }
    if !up_to_date {
        crate::commands::write_atomically(file, &wanted)?;
    }
    super::say(format_args!(
        "wrote the table of {} entries to {}",
        entries.len(),
        file.display()
    ));
    Ok(Outcome::Clean)
}
