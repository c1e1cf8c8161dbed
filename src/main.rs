//! The binary: parse the command line, call the library, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = catwatch::cli::Cli::parse();
    init_tracing(cli.verbose);
    match catwatch::run(cli) {
        Ok(catwatch::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(catwatch::Outcome::Failed) => ExitCode::from(1),
        Err(err) => {
            eprintln!("catwatch: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
