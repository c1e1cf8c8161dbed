//! catwatch: a living catalog of public COVID-19 medical imaging resources, and
//! the linter and freshness monitor that keep it true.
//!
//! The program is one pipeline; the modules follow its order:
//!
//! ```text
//!  catalog/*.yaml ──> catalog ──> lint ──> probe ──> state ──> policy ──> report ──> notify
//!                    (load with   (schema  (HTTP +   (what was  (classify,  (strings:  (SMTP,
//!                     positions)   + rules) APIs)     seen)      transitions) md, html) issues)
//! ```
//!
//! Gathering (files, network) happens first; judging (`lint`, `policy`) is pure
//! and takes `now`; renderers return strings; one place writes. Each command in
//! [`commands`] sequences one path through the pipeline.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod license;
pub mod lint;
pub mod notify;
pub mod observation;
pub mod policy;
pub mod probe;
pub mod reason;
pub mod report;
pub mod secret;
pub mod shard;
pub mod state;
pub mod text;

use cli::{Cli, Command};
use config::Config;

/// How a command ended when it could run at all. `Err` from [`run`] means the
/// tool could not do its job (exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: nothing that fails the gate or the policy.
    Clean,
    /// Exit 1: findings or a failed policy.
    Failed,
}

/// Runs one command line to its outcome.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let config = Config::load(&cli, |name| std::env::var(name).ok())?;
    match cli.command {
        Command::Lint(args) => commands::lint::run(&config, args),
        Command::Table(args) => commands::table::run(&config, args),
        Command::Check(args) => commands::check::run(&config, args),
        Command::Monitor(args) => commands::monitor::run(&config, args),
        Command::Report(args) => commands::report::run(&config, args),
        Command::Merge(args) => commands::merge::run(&config, args),
        Command::Add(args) => commands::add::run(&config, args),
        Command::Export(args) => commands::export::run(&config, args),
        Command::Completions(args) => commands::docs::completions(args),
        Command::Man(args) => commands::docs::man(args),
    }
}

/// Frees `value` on another thread. A large run's entries and reports are
/// hundreds of thousands of small allocations; the command's answer need not
/// wait while they are freed one by one (and if the process exits first, the
/// operating system takes them back at once).
pub(crate) fn free_in_background<T: Send + 'static>(value: T) {
    // Without a thread, free them here.
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}
