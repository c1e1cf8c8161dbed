//! Shell completions and man pages, generated from the clap definition so they
//! can never drift from the real command line. Install notes: docs/operators.md.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;

use crate::Outcome;
use crate::cli::{Cli, CompletionsArgs, ManArgs};

/// Prints the completion script for one shell. The script is rendered into
/// memory first: clap_complete panics on a failed write, and a reader that
/// stops early (`| head`) is not an error.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "catwatch", &mut script);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&script).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Clean),
        other => {
            other.context("writing the completion script to stdout")?;
            Ok(Outcome::Clean)
        }
    }
}

/// Writes `catwatch.1` and one page per subcommand (`catwatch-check.1`, ...).
pub fn man(args: ManArgs) -> anyhow::Result<Outcome> {
    fs_err::create_dir_all(&args.out_dir)?;
    clap_mangen::generate_to(Cli::command(), &args.out_dir)
        .with_context(|| format!("writing the man pages into {}", args.out_dir.display()))?;
    Ok(Outcome::Clean)
}
