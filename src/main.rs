//! The binary: parse the command line, call the library, map the outcome to an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use catwatch::cli::ColorChoice;
use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    // `COMPLETE=bash catwatch` prints the shell's dynamic completion
    // script, and the shell calls back here to complete (entry ids for
    // `--only` among them); otherwise this returns at once.
    clap_complete::CompleteEnv::with_factory(catwatch::cli::Cli::command).complete();
    let cli = catwatch::cli::Cli::parse();
    init_tracing(cli.verbose, cli.color);
    match catwatch::run(cli) {
        Ok(catwatch::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(catwatch::Outcome::Failed) => ExitCode::from(1),
        Err(err) => {
            eprintln!("catwatch: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr. Without `-v`, only catwatch's own warnings: what the
/// libraries would print (a TLS verification failure, a reset connection)
/// reaches the verdict and its evidence instead. `-v` adds one line per
/// resource and a run summary; `-vv` and `-vvv` add the libraries' debug
/// and trace output. No colour escapes unless stderr is a terminal (or
/// `--color always`).
fn init_tracing(verbose: u8, color: ColorChoice) {
    let default = match verbose {
        0 => "off,catwatch=warn",
        1 => "warn,catwatch=info",
        2 => "info,catwatch=debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stderr().is_terminal(),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}
