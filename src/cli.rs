//! The command line, as clap types only. No logic lives here: `config` turns
//! these into a validated `Config`, `lib::run` sequences the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "catwatch",
    version,
    about = "Lint and monitor the catalog of public COVID-19 medical imaging resources"
)]
pub struct Cli {
    /// Settings file; default: catwatch.toml in the current directory or the nearest one above it (up to the repository root), if present.
    #[arg(long, global = true, env = "CATWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The catalog directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Option<PathBuf>,

    /// Colour in terminal output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check catalog entries against the schema and the catalog's rules.
    Lint(LintArgs),
    /// Render the catalog as the survey's Table 1 into CATALOG.md, or check it is up to date.
    Table(TableArgs),
    /// Probe every resource for availability and its last-update date.
    Check(CheckArgs),
    /// The nightly job: check, record into the state, alert on transitions, write reports.
    Monitor(MonitorArgs),
    /// Render reports from the state, without probing.
    Report(ReportArgs),
    /// Combine the results of sharded `check --shard K/N` runs.
    Merge(MergeArgs),
    /// Write a new catalog entry from what the platform's API says about a URL.
    Add(AddArgs),
    /// Export the catalog for search engines, data portals and spreadsheets.
    Export(ExportArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Write the man pages.
    Man(ManArgs),
}

/// `[probe]` settings a command line may override for one run, held to the
/// same ranges as the file's (docs/operators.md).
#[derive(Debug, Clone, Default, Args)]
pub struct ProbeOverrides {
    /// Seconds per request, as `[probe] timeout_secs`.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Requests in flight at once, as `[probe] concurrency`.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Requests in flight at once per host, as `[probe] per_host_concurrency`.
    #[arg(long, value_name = "N")]
    pub per_host: Option<usize>,
    /// Do not probe URLs matching this regular expression (repeatable), as
    /// `[probe] exclude` and the lines of `.catwatchignore`.
    #[arg(long, value_name = "REGEX")]
    pub exclude: Vec<String>,
}

/// The entry ids of the catalog found from the current directory, as
/// completion candidates for `--only`.
fn entry_ids() -> Vec<clap_complete::engine::CompletionCandidate> {
    let Ok(here) = std::env::current_dir() else {
        return Vec::new();
    };
    let dir = crate::config::discover_catalog_dir(&here);
    let Ok(listing) = crate::catalog::list(&[dir]) else {
        return Vec::new();
    };
    listing
        .ids()
        .map(clap_complete::engine::CompletionCandidate::new)
        .collect()
}

impl Command {
    /// The probe overrides of a command that probes.
    pub fn probe_overrides(&self) -> Option<&ProbeOverrides> {
        match self {
            Command::Check(args) => Some(&args.probe),
            Command::Monitor(args) => Some(&args.probe),
            Command::Add(args) => Some(&args.probe),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Human,
    Github,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint; default: the catalog directory.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
}

#[derive(Debug, Args)]
pub struct TableArgs {
    /// Fail (exit 1) when the committed table differs from the catalog, instead of writing it.
    #[arg(long)]
    pub check: bool,
    /// The Markdown file that holds the table between its markers; default:
    /// CATALOG.md beside the catalog directory's settings (the repository's root).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The resource's URL (a platform page, a DOI link, or a plain website).
    #[arg(value_name = "URL")]
    pub url: String,
    /// The new entry's id (default: derived from the platform's name for it).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Print the entry instead of writing catalog/<id>.yaml.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub probe: ProbeOverrides,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// schema.org `Dataset` records (JSON-LD), as Google Dataset Search reads them.
    Jsonld,
    /// A DCAT-AP catalog (Turtle), as data portals exchange it.
    Dcat,
    /// One row per resource, safe to open in a spreadsheet.
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write here instead of stdout (atomically).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    /// Workflow annotations on each failing entry's line (GitHub Actions).
    Github,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check only these entry ids (completed from the catalog by the
    /// dynamic completions, `COMPLETE=bash catwatch`).
    #[arg(long, value_name = "ID", num_args = 1.., add = clap_complete::engine::ArgValueCandidates::new(entry_ids))]
    pub only: Vec<String>,
    /// Check only the entries whose files changed since this git revision.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// Check only shard K of N (1-based), split by host.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Write the report here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not read or write the state file.
    #[arg(long)]
    pub no_state: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// List the URLs and the requests the check would send (API calls
    /// included), and send nothing.
    #[arg(long)]
    pub dump: bool,
    #[command(flatten)]
    pub probe: ProbeOverrides,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Judge and record, but send no notification.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the reports (Markdown, HTML, JSON, badges) into this directory.
    #[arg(long, value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub probe: ProbeOverrides,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
    Json,
    Badges,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// A file (markdown, html, json) or a directory (badges); default: stdout.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports written by `check --format json --output` on each shard.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Json)]
    pub format: CheckFormat,
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not record the merged results into the state file.
    #[arg(long)]
    pub no_state: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write catwatch.1 and one page per subcommand into.
    #[arg(long, default_value = "man", value_name = "DIR")]
    pub out_dir: PathBuf,
}
