//! One validated [`Config`], built once from the command line, catwatch.toml and
//! the environment. Core code never sees clap types or raw strings; secrets come
//! only from the environment and stay wrapped in [`Secret`].

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{Cli, ColorChoice};
use crate::notify::{EmailSettings, GitHubIssueSettings};
use crate::policy::PolicySettings;
use crate::probe::providers::Endpoints;
use crate::probe::settings::ProbeSettings;
use crate::secret::Secret;
use crate::state::StateSettings;

pub mod ranges;

pub const DEFAULT_CONFIG_FILE: &str = "catwatch.toml";
/// The largest settings file read (the full example is about 8 KiB).
const MAX_SETTINGS_BYTES: u64 = 1024 * 1024;
pub const DEFAULT_CATALOG_DIR: &str = "catalog";
/// Where `catwatch table` writes Table 1, beside the catalog directory.
pub const DEFAULT_TABLE_FILE: &str = "CATALOG.md";

/// catwatch.toml as written. Unknown keys are errors, so a typo never silently
/// falls back to a default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileSettings {
    pub catalog: Option<PathBuf>,
    pub probe: ProbeSettings,
    pub endpoints: Endpoints,
    pub policy: PolicySettings,
    pub state: StateSettings,
    pub email: Option<EmailSettings>,
    pub github_issues: Option<GitHubIssueSettings>,
    pub lint: crate::lint::LintSettings,
}

/// Secrets, read from the environment only.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// CATWATCH_GITHUB_TOKEN, else GITHUB_TOKEN.
    pub github_token: Option<Secret>,
    /// KAGGLE_API_TOKEN, else KAGGLE_USERNAME and KAGGLE_KEY.
    pub kaggle: Option<KaggleCredentials>,
    /// CATWATCH_SMTP_USERNAME and CATWATCH_SMTP_PASSWORD.
    pub smtp: Option<(String, Secret)>,
    /// SYNAPSE_AUTH_TOKEN, the personal access token synapseclient reads
    /// (`credential_provider.py`); sent only to the Synapse API's host.
    pub synapse_token: Option<Secret>,
}

impl Secrets {
    /// A scrubber for every secret value this run holds, in the forms it
    /// travels in (the raw values, HTTP Basic and SMTP AUTH encodings).
    pub fn scrubber(&self) -> crate::secret::Scrubber {
        let b64 = |text: String| crate::probe::providers::api::base64(text.as_bytes());
        let mut values = Vec::new();
        for token in [&self.github_token, &self.synapse_token]
            .into_iter()
            .flatten()
        {
            values.push(token.expose().to_owned());
        }
        match &self.kaggle {
            Some(KaggleCredentials::Token(token)) => values.push(token.expose().to_owned()),
            Some(KaggleCredentials::Legacy { username, key }) => {
                values.push(key.expose().to_owned());
                values.push(b64(format!("{username}:{}", key.expose())));
            }
            None => {}
        }
        if let Some((user, password)) = &self.smtp {
            values.push(password.expose().to_owned());
            values.push(b64(password.expose().to_owned()));
            values.push(b64(format!("\0{user}\0{}", password.expose())));
        }
        crate::secret::Scrubber::new(values)
    }

    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Secrets {
        let non_empty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let pair =
            |user: &str, secret: &str| Some((non_empty(user)?, Secret::new(non_empty(secret)?)));
        Secrets {
            github_token: non_empty("CATWATCH_GITHUB_TOKEN")
                .or_else(|| non_empty("GITHUB_TOKEN"))
                .map(Secret::new),
            kaggle: KaggleCredentials::from_env(&non_empty),
            smtp: pair("CATWATCH_SMTP_USERNAME", "CATWATCH_SMTP_PASSWORD"),
            synapse_token: non_empty("SYNAPSE_AUTH_TOKEN")
                .map(|t| Secret::new(t.trim().to_owned())),
        }
    }
}

/// Kaggle's two kinds of credential (kagglesdk `kaggle_env.py` and
/// `kaggle_http_client.py`): the API tokens Kaggle issues today, sent as
/// `Authorization: Bearer`, and the legacy username and key, sent as HTTP
/// Basic. A token wins when both are set, as in kagglesdk; a `KGAT_` token
/// put into KAGGLE_KEY is a token too (Kaggle answers 401 to it as Basic,
/// Kaggle/kaggle-cli#1188).
#[derive(Debug, Clone)]
pub enum KaggleCredentials {
    Token(Secret),
    Legacy { username: String, key: Secret },
}

impl KaggleCredentials {
    fn from_env(non_empty: &dyn Fn(&str) -> Option<String>) -> Option<KaggleCredentials> {
        if let Some(token) = non_empty("KAGGLE_API_TOKEN") {
            return Some(KaggleCredentials::Token(Secret::new(
                token.trim().to_owned(),
            )));
        }
        let (username, key) = (non_empty("KAGGLE_USERNAME"), non_empty("KAGGLE_KEY")?);
        if key.trim().starts_with("KGAT_") {
            return Some(KaggleCredentials::Token(Secret::new(key.trim().to_owned())));
        }
        Some(KaggleCredentials::Legacy {
            username: username?,
            key: Secret::new(key),
        })
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> String {
        match self {
            KaggleCredentials::Token(token) => format!("Bearer {}", token.expose()),
            KaggleCredentials::Legacy { username, key } => format!(
                "Basic {}",
                crate::probe::providers::api::base64(
                    format!("{username}:{}", key.expose()).as_bytes()
                )
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub catalog_dir: PathBuf,
    /// The directory relative paths in the settings file are resolved against.
    pub base_dir: PathBuf,
    pub probe: ProbeSettings,
    pub endpoints: Endpoints,
    pub policy: PolicySettings,
    pub state: StateSettings,
    pub email: Option<EmailSettings>,
    pub github_issues: Option<GitHubIssueSettings>,
    pub lint: crate::lint::LintSettings,
    pub secrets: Secrets,
    pub color: ColorChoice,
    /// The run's one clock: `CATWATCH_NOW` when set, else the system clock,
    /// read once here. Classification, staleness, exemptions, lint's "today",
    /// the state and the mail's Date header all take it from here.
    pub now: jiff::Timestamp,
}

/// The environment variable that sets the run's clock (RFC 3339, e.g.
/// `2026-11-26T03:00:00Z`). A testing and operations knob: it lets a test
/// simulate nights, and an operator replay a run as of a given time.
pub const NOW_VARIABLE: &str = "CATWATCH_NOW";

/// The run's `now` from `CATWATCH_NOW`, else the system clock.
pub fn run_clock(env: impl Fn(&str) -> Option<String>) -> Result<jiff::Timestamp, ConfigError> {
    match env(NOW_VARIABLE) {
        Some(text) if !text.trim().is_empty() => {
            text.trim().parse().map_err(|err| ConfigError::Clock {
                text: text.clone(),
                message: format!("{err}"),
            })
        }
        _ => Ok(jiff::Timestamp::now()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "{NOW_VARIABLE}={text:?} is not an RFC 3339 time ({message}); write it like 2026-11-26T03:00:00Z, or unset it to use the system clock"
    )]
    Clock { text: String, message: String },
    #[error("{origin}: {message}; fix or remove the pattern (Rust regex syntax)")]
    Exclude { origin: String, message: String },
    #[error("{flag} {value} is out of range: {range}; it overrides {setting} for this run")]
    Override {
        flag: &'static str,
        value: u64,
        setting: &'static str,
        range: String,
    },
}

impl Config {
    /// What lint judges dates against in this run: its clock and
    /// `[lint] verified_max_age_days`.
    pub fn lint_dates(&self) -> crate::lint::Dates {
        crate::lint::Dates {
            today: crate::lint::today(self.now),
            verified_max_age_days: self.lint.verified_max_age_days,
        }
    }

    /// Builds the configuration from the command line, the settings file (the
    /// one named, else ./catwatch.toml when it exists) and the environment.
    pub fn load(cli: &Cli, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let root = match (&cli.config, &cli.catalog) {
            (None, None) => std::env::current_dir()
                .map(|here| discover_root(&here))
                .unwrap_or(Root::Here),
            _ => Root::Here,
        };
        let path = cli.config.clone().or_else(|| match &root {
            Root::Settings(path) => Some(path.clone()),
            Root::Catalog(_) | Root::Here => None,
        });
        let (file, base_dir) = match &path {
            Some(path) => {
                let text = crate::catalog::read::read_own_text(
                    path,
                    MAX_SETTINGS_BYTES,
                    "the settings file",
                )
                .map_err(|err| ConfigError::Read {
                    path: path.clone(),
                    source: std::io::Error::other(err.problem),
                })?;
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let file = parse_file_settings(path, &text)?;
                check_ranges(path, &file, &text)?;
                (file, base)
            }
            None => match root {
                Root::Catalog(base) => (FileSettings::default(), base),
                Root::Settings(_) | Root::Here => (FileSettings::default(), PathBuf::new()),
            },
        };
        let catalog_dir = cli
            .catalog
            .clone()
            .or_else(|| file.catalog.as_ref().map(|dir| base_dir.join(dir)))
            .unwrap_or_else(|| base_dir.join(DEFAULT_CATALOG_DIR));
        let mut probe = resolve_probe_paths(file.probe, &base_dir);
        if let Some(overrides) = cli.command.probe_overrides() {
            apply_overrides(&mut probe, overrides)?;
            probe.exclude = probe
                .exclude
                .with(overrides.exclude.iter().cloned())
                .map_err(|message| ConfigError::Exclude {
                    origin: "--exclude".to_owned(),
                    message,
                })?;
            // Only the commands that probe read the ignore file.
            probe.exclude = with_ignore_file(probe.exclude, &base_dir.join(IGNORE_FILE))?;
        }
        let config = Config {
            catalog_dir,
            probe,
            endpoints: file.endpoints,
            policy: file.policy,
            state: StateSettings {
                path: base_dir.join(&file.state.path),
                ..file.state
            },
            email: file
                .email
                .map(|email| resolve_email_paths(email, &base_dir)),
            github_issues: file.github_issues,
            lint: file.lint,
            now: run_clock(&env)?,
            secrets: Secrets::from_env(&env),
            color: cli.color,
            base_dir,
        };
        Ok(config)
    }
}

/// Where a run given neither `--config` nor `--catalog` finds its catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Root {
    /// The settings file found (relative to the current directory).
    Settings(PathBuf),
    /// A directory holding `catalog/` and no settings file (relative, such
    /// as `..`), so that paths in findings stay relative to where the user is.
    Catalog(PathBuf),
    /// Nothing found: the current directory, as before.
    Here,
}

/// The catalog directory a run from `here` without `--config` or
/// `--catalog` would use (for shell completion): found as [`Config::load`]
/// finds it, with the settings file's `catalog` when there is one.
pub fn discover_catalog_dir(here: &Path) -> PathBuf {
    let within = |base: &Path, dir: Option<&str>| base.join(dir.unwrap_or(DEFAULT_CATALOG_DIR));
    match discover_root(here) {
        Root::Settings(path) => {
            let base = here.join(path.parent().unwrap_or(Path::new("")));
            let catalog = std::fs::read_to_string(here.join(&path))
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .and_then(|t| t.get("catalog").and_then(|c| c.as_str()).map(str::to_owned));
            within(&base, catalog.as_deref())
        }
        Root::Catalog(base) => within(&here.join(base), None),
        Root::Here => within(here, None),
    }
}

/// Walks up from `here`, as git and cargo do, to the first directory that
/// holds `catwatch.toml` or a `catalog/` directory: so that `catwatch lint`
/// works from `catalog/` or any folder of the catalog's repository. The walk
/// stops at the repository's root (a directory holding `.git`), so a catalog
/// somewhere above the repository is never picked up by surprise.
fn discover_root(here: &Path) -> Root {
    let mut up = PathBuf::new();
    for dir in here.ancestors() {
        let settings = dir.join(DEFAULT_CONFIG_FILE);
        if settings.is_file() {
            return Root::Settings(up.join(DEFAULT_CONFIG_FILE));
        }
        if dir.join(DEFAULT_CATALOG_DIR).is_dir() {
            return if up.as_os_str().is_empty() {
                Root::Here
            } else {
                Root::Catalog(up)
            };
        }
        if dir.join(".git").exists() {
            break;
        }
        up.push("..");
    }
    Root::Here
}

/// The ignore file: one regular expression per line naming URLs never to
/// probe (blank lines and `#` comments skipped), beside the catalog
/// directory, as lychee's `.lycheeignore`.
pub const IGNORE_FILE: &str = ".catwatchignore";

/// `exclude` with the patterns of the ignore file at `path`, when there is
/// one; a bad pattern is refused with its line.
fn with_ignore_file(
    exclude: crate::probe::settings::Exclusions,
    path: &Path,
) -> Result<crate::probe::settings::Exclusions, ConfigError> {
    let text =
        match crate::catalog::read::read_own_text(path, MAX_SETTINGS_BYTES, "the ignore file") {
            Ok(text) => text,
            Err(err) if err.missing => return Ok(exclude),
            Err(err) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(err.problem),
                });
            }
        };
    let mut patterns = Vec::new();
    for (at, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        crate::probe::settings::Exclusions::new(vec![line.to_owned()]).map_err(|message| {
            ConfigError::Exclude {
                origin: format!("{}:{}", path.display(), at + 1),
                message,
            }
        })?;
        patterns.push(line.to_owned());
    }
    exclude
        .with(patterns)
        .map_err(|message| ConfigError::Exclude {
            origin: path.display().to_string(),
            message,
        })
}

/// The command line's `--timeout`, `--concurrency` and `--per-host` over the
/// file's `[probe]`, each held to the range of the setting it replaces.
fn apply_overrides(
    probe: &mut crate::probe::settings::ProbeSettings,
    overrides: &crate::cli::ProbeOverrides,
) -> Result<(), ConfigError> {
    let check = |flag: &'static str, key: &'static str, value: u64| {
        ranges::check_one("probe", key, value).map_err(|range| ConfigError::Override {
            flag,
            value,
            setting: key,
            range,
        })
    };
    let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    if let Some(secs) = overrides.timeout {
        check("--timeout", "timeout_secs", secs)?;
        probe.timeout_secs = secs;
    }
    if let Some(n) = overrides.concurrency {
        check("--concurrency", "concurrency", wide(n))?;
        probe.concurrency = n;
    }
    if let Some(n) = overrides.per_host {
        check("--per-host", "per_host_concurrency", wide(n))?;
        probe.per_host_concurrency = n;
    }
    Ok(())
}

/// Holds every number of the file to its range ([`ranges::RANGES`]),
/// reporting every problem at once, each with its line.
fn check_ranges(path: &Path, file: &FileSettings, text: &str) -> Result<(), ConfigError> {
    let problems = ranges::problems(file, text);
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems
        .iter()
        .map(|(line, message)| match line {
            0 => format!("  {}: {message}", path.display()),
            line => format!("  {}:{line}: {message}", path.display()),
        })
        .collect();
    Err(ConfigError::Invalid {
        path: path.to_path_buf(),
        message: format!(
            "{} setting(s) out of range (docs/operators.md lists every range):\n{}",
            problems.len(),
            lines.join("\n")
        ),
    })
}

pub fn parse_file_settings(path: &Path, text: &str) -> Result<FileSettings, ConfigError> {
    toml::from_str(text).map_err(|first| {
        // Every table's problem at once, each with its line, rather than the
        // first one alone; a syntax error leaves nothing else to say.
        let message = match table_problems(path, text) {
            Some(problems) if problems.len() > 1 => format!(
                "{} problems:\n{}",
                problems.len(),
                problems
                    .iter()
                    .map(|p| format!("  {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            _ => first.to_string(),
        };
        ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        }
    })
}

/// Each top-level key of the file read into its own type separately, so
/// that a mistake in `[probe]` does not hide one in `[policy]`: one line
/// per problem, `path:line: [table] ...`. `None` when the file is no TOML.
fn table_problems(path: &Path, text: &str) -> Option<Vec<String>> {
    fn check<T: serde::de::DeserializeOwned>(value: &toml::Value) -> Result<(), String> {
        T::deserialize(value.clone())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    let table: toml::Table = toml::from_str(text).ok()?;
    let mut problems = Vec::new();
    for (key, value) in &table {
        let result = match key.as_str() {
            "catalog" => check::<PathBuf>(value),
            "probe" => check::<ProbeSettings>(value),
            "endpoints" => check::<Endpoints>(value),
            "policy" => check::<PolicySettings>(value),
            "state" => check::<StateSettings>(value),
            "email" => check::<EmailSettings>(value),
            "github_issues" => check::<GitHubIssueSettings>(value),
            "lint" => check::<crate::lint::LintSettings>(value),
            other => Err(format!(
                "unknown setting `{other}`; the tables are probe, endpoints, policy, state, email, github_issues and lint (catwatch.example.toml lists every key)"
            )),
        };
        if let Err(message) = result {
            // The key the message names (`unknown field `x``), else the table.
            let field = message.split('`').nth(1).unwrap_or(key);
            let line = match ranges::line_of(text, key, field) {
                0 => text
                    .lines()
                    .position(|l| {
                        l.trim().trim_matches(['[', ']']).trim() == key
                            || l.trim_start().starts_with(&format!("{key} "))
                            || l.trim_start().starts_with(&format!("{key}="))
                    })
                    .map_or(0, |at| at + 1),
                line => line,
            };
            let message = message.trim().replace('\n', " ");
            problems.push(match line {
                0 => format!("{}: [{key}] {message}", path.display()),
                line => format!("{}:{line}: [{key}] {message}", path.display()),
            });
        }
    }
    Some(problems)
}

fn resolve_email_paths(mut email: EmailSettings, base: &Path) -> EmailSettings {
    email.extra_root_certs = email
        .extra_root_certs
        .iter()
        .map(|p| base.join(p))
        .collect();
    email
}

fn resolve_probe_paths(mut probe: ProbeSettings, base: &Path) -> ProbeSettings {
    probe.extra_root_certs = probe
        .extra_root_certs
        .iter()
        .map(|p| base.join(p))
        .collect();
    probe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_the_file_named() {
        let err =
            parse_file_settings(Path::new("x.toml"), "[probe]\nconcurency = 3\n").unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("x.toml") && message.contains("concurency"),
            "{message}"
        );
    }

    #[test]
    fn every_table_s_problem_is_reported_at_once_with_its_line() {
        let text =
            "[probe]\nconcurency = 3\n\n[policy]\ndead_after_runs = \"two\"\n\n[extra]\nx = 1\n";
        let message = parse_file_settings(Path::new("x.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(message.contains("3 problems"), "{message}");
        assert!(
            message.contains("x.toml:2: [probe]") && message.contains("concurency"),
            "{message}"
        );
        assert!(
            message.contains("x.toml:5: [policy]") && message.contains("dead_after_runs"),
            "{message}"
        );
        assert!(message.contains("unknown setting `extra`"), "{message}");
    }

    #[test]
    fn the_example_settings_file_documents_the_real_defaults() {
        let path = Path::new("catwatch.example.toml");
        let text = include_str!("../catwatch.example.toml");
        let example = parse_file_settings(path, text).expect("the example parses");
        let defaults = FileSettings::default();
        assert_eq!(example.probe, defaults.probe);
        assert_eq!(example.endpoints, defaults.endpoints);
        assert_eq!(example.policy, defaults.policy);
        assert_eq!(example.state, defaults.state);
        assert_eq!(
            example.catalog.as_deref(),
            Some(Path::new(DEFAULT_CATALOG_DIR))
        );
    }

    #[test]
    fn the_readme_shows_the_example_settings_file_in_full() {
        let readme = include_str!("../README.md");
        let example = include_str!("../catwatch.example.toml");
        assert!(
            readme.contains(&format!("```toml\n{example}```")),
            "README.md's settings block differs from catwatch.example.toml: copy the file into it"
        );
    }

    #[test]
    fn secrets_come_from_the_environment_only() {
        let secrets = Secrets::from_env(|name| match name {
            "GITHUB_TOKEN" => Some("t0k".into()),
            "KAGGLE_USERNAME" => Some("me".into()),
            _ => None,
        });
        assert_eq!(secrets.github_token.unwrap().expose(), "t0k");
        assert!(
            secrets.kaggle.is_none(),
            "a username without a key is no credential"
        );
    }

    #[test]
    fn kaggle_tokens_are_bearer_and_win_over_the_legacy_pair() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let both = Secrets::from_env(env(&[
            ("KAGGLE_API_TOKEN", "KGAT_abc"),
            ("KAGGLE_USERNAME", "me"),
            ("KAGGLE_KEY", "k"),
        ]));
        assert_eq!(both.kaggle.unwrap().authorization(), "Bearer KGAT_abc");
        let legacy = Secrets::from_env(env(&[("KAGGLE_USERNAME", "me"), ("KAGGLE_KEY", "k")]));
        assert_eq!(legacy.kaggle.unwrap().authorization(), "Basic bWU6aw==");
        let token_as_key = Secrets::from_env(env(&[("KAGGLE_KEY", "KGAT_xyz")]));
        assert_eq!(
            token_as_key.kaggle.unwrap().authorization(),
            "Bearer KGAT_xyz"
        );
    }
}
