//! `catwatch report`: render the state as Markdown, HTML, JSON or badges,
//! without probing and without changing the state.

use anyhow::Context;

use crate::Outcome;
use crate::catalog;
use crate::cli::{ReportArgs, ReportFormat};
use crate::commands::write_atomically as write;
use crate::config::Config;
use crate::report::model::StatusReport;
use crate::state::{self, State, store};

pub fn run(config: &Config, args: ReportArgs) -> anyhow::Result<Outcome> {
    let now = config.now;
    let entries = catalog::load_entries(&config.catalog_dir, crate::lint::today(config.now))?;
    let state = read_state(&config.state.path)?;
    let report = state::to_report(&state, &entries, now);
    match render(args.format, &report)? {
        Rendered::One(text) => match &args.output {
            Some(path) => write(path, &text)?,
            None => super::to_stdout(text.as_bytes())?,
        },
        Rendered::Many(files) => {
            let dir = args.output.as_ref().context(
                "--format badges writes one file per resource: name a directory with --output DIR",
            )?;
            fs_err::create_dir_all(dir)?;
            for (name, text) in files {
                write(&dir.join(name), &text)?;
            }
        }
    }
    Ok(Outcome::Clean)
}

/// The state as it is; a missing file is an empty state, an unusable one an
/// error (only `monitor` and `check`, which hold the lock, may quarantine it).
pub(crate) fn read_state(path: &std::path::Path) -> anyhow::Result<State> {
    match crate::catalog::read::open_own_file(path, store::MAX_STATE_BYTES, "the state file") {
        Ok(file) => store::parse_file(file).map_err(|why| {
            anyhow::anyhow!(
                "the state file {} is unusable ({why}); the next `catwatch monitor` moves it aside and starts afresh",
                path.display()
            )
        }),
        Err(err) if err.missing => Ok(State::default()),
        Err(err) => Err(anyhow::anyhow!(
            "{err} ({})",
            path.display()
        )),
    }
}

pub(crate) enum Rendered {
    One(String),
    /// (file name, content) pairs.
    Many(Vec<(String, String)>),
}

/// One format of the report, by the renderers in `report/`.
pub(crate) fn render(format: ReportFormat, report: &StatusReport) -> anyhow::Result<Rendered> {
    use crate::report::{badges, html, json, markdown};
    Ok(match format {
        ReportFormat::Markdown => Rendered::One(markdown::render(report)),
        ReportFormat::Html => Rendered::One(html::render(report)),
        ReportFormat::Json => Rendered::One(json::render(report)),
        ReportFormat::Badges => Rendered::Many(badges::render(report)?),
    })
}
