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

/// Writes `catwatch.1` and one page per subcommand (`catwatch-check.1`, ...),
/// each with the EXIT STATUS and ENVIRONMENT sections clap does not write.
pub fn man(args: ManArgs) -> anyhow::Result<Outcome> {
    fs_err::create_dir_all(&args.out_dir)?;
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = vec![(None, root.clone())];
    pages.extend(
        root.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| (Some(s.get_name().to_owned()), s.clone())),
    );
    for (name, command) in pages {
        let man = clap_mangen::Man::new(command);
        let mut page = Vec::new();
        man.render(&mut page)?;
        page.extend_from_slice(extra_sections(name.as_deref()).as_bytes());
        let path = args.out_dir.join(man.get_filename());
        fs_err::write(&path, page)
            .with_context(|| format!("writing the man page {}", path.display()))?;
    }
    Ok(Outcome::Clean)
}

/// What each exit status means, per command (`None`: the top-level page).
/// The one statement of the exit codes; README.md and docs/operators.md
/// describe the same three.
fn exit_statuses(command: Option<&str>) -> [(&'static str, &'static str); 3] {
    let findings = match command {
        Some("lint") => "The catalog has errors (warnings alone exit 0).",
        Some("table") => "With --check: CATALOG.md is out of date with the catalog.",
        Some("check") | Some("merge") => {
            "A resource has a status listed in [policy] fail_on (by default dead and moved)."
        }
        Some("monitor") => "The run found resources in a failing status, by [policy] fail_on.",
        Some("report") | Some("completions") | Some("man") => "Not used.",
        _ => "Findings: lint errors, a stale table, or resources failing [policy] fail_on.",
    };
    [
        ("0", "Done, and nothing fails the gate or the policy."),
        ("1", findings),
        (
            "2",
            "catwatch could not do its job: bad settings or arguments, an unreadable or refused catalog, an unusable state, or (check, monitor) its own network was unavailable. The message on stderr names the file or setting and the fix.",
        ),
    ]
}

/// The environment catwatch reads. Secrets are read from here only, never
/// from catwatch.toml.
const ENVIRONMENT: [(&str, &str); 10] = [
    ("CATWATCH_CONFIG", "The settings file, as --config."),
    (
        "CATWATCH_NOW",
        "The run's clock, an RFC 3339 time (tests and replays); default the system clock.",
    ),
    (
        "CATWATCH_GITHUB_TOKEN, GITHUB_TOKEN",
        "A GitHub token: checks go through GraphQL in batches, and monitor manages tracking issues. Sent only to the GitHub API over https.",
    ),
    (
        "KAGGLE_API_TOKEN",
        "A Kaggle API token (sent as Bearer), for Kaggle datasets; without one they are unknown (needs credentials), never dead.",
    ),
    (
        "KAGGLE_USERNAME, KAGGLE_KEY",
        "The older Kaggle credentials (Basic), when KAGGLE_API_TOKEN is not set.",
    ),
    (
        "SYNAPSE_AUTH_TOKEN",
        "A Synapse personal access token (sent as Bearer, only to the Synapse API over https), for entities that are not public; without one such an entity is unknown (needs credentials), never dead.",
    ),
    (
        "CATWATCH_SMTP_USERNAME, CATWATCH_SMTP_PASSWORD",
        "The SMTP login for monitor's mail.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY",
        "Not followed: probes go through a proxy only when [probe] proxy says so (catwatch warns when these are set and the network looked down).",
    ),
    (
        "NO_COLOR",
        "No colour in terminal output, as --color never.",
    ),
    (
        "RUST_LOG",
        "Log filter for stderr (for example catwatch=debug); overrides -v.",
    ),
];

/// The EXIT STATUS and ENVIRONMENT sections, in roff.
fn extra_sections(command: Option<&str>) -> String {
    let escape = |text: &str| text.replace('\\', "\\e").replace('-', "\\-");
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in exit_statuses(command) {
        roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", escape(meaning)));
    }
    roff.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in ENVIRONMENT {
        roff.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            escape(name),
            escape(meaning)
        ));
    }
    roff
}
