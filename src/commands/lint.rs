//! `catwatch lint [PATH...]`: gather the files, judge them, print the findings.

use std::io::IsTerminal;

use anyhow::Context;

use crate::Outcome;
use crate::catalog;
use crate::cli::{ColorChoice, LintArgs, LintFormat};
use crate::config::Config;
use crate::lint::{self, render};

pub fn run(config: &Config, args: LintArgs) -> anyhow::Result<Outcome> {
    let paths = if args.paths.is_empty() {
        vec![config.catalog_dir.clone()]
    } else {
        args.paths
    };
    let gathered = catalog::gather(&paths)?;
    let report = lint::lint(&gathered, config.lint_dates());
    let text = match args.format {
        LintFormat::Human => render::human(&report, &gathered.sources(), use_color(config.color)),
        LintFormat::Github => render::github(&report),
        LintFormat::Json => render::json(&report),
        LintFormat::Sarif => render::sarif(&report),
    };
    super::to_stdout(text.as_bytes()).context("cannot write the lint report to stdout")?;
    Ok(if report.errors() > 0 {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
