//! Shell completions and man pages, generated from the clap definition.

use clap::CommandFactory;

use crate::Outcome;
use crate::cli::{Cli, CompletionsArgs, ManArgs};

pub fn completions(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "catwatch", &mut std::io::stdout());
    Ok(Outcome::Clean)
}

pub fn man(args: ManArgs) -> anyhow::Result<Outcome> {
    fs_err::create_dir_all(&args.out_dir)?;
    clap_mangen::generate_to(Cli::command(), &args.out_dir)?;
    Ok(Outcome::Clean)
}
