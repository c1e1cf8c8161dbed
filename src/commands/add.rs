//! `catwatch add URL`: a new catalog entry from what the platform's API says.
//!
//! Gather (the URL read once, the catalog's ids and URLs, the platform's
//! answer through the same engine and endpoints as `check`), judge (the
//! draft built from that answer, pure, dated by the run's clock), write (a
//! new file, never over an existing one), then the real lint on the catalog
//! with the new file in it, whose findings say what is left to fix.
//!
//! The draft says only what the API said, each claim with the API URL and
//! field it came from; what no API can say (the modality flags, how the data
//! is obtained where the platform is silent, maintenance) is left `U`,
//! `unknown` or the closest value, with a comment on what to check.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::civil::Date;
use url::Url;

use crate::Outcome;
use crate::catalog::entry::UrlRole;
use crate::catalog::platform::Target;
use crate::catalog::{self, Gathered, SourceFile, yaml};
use crate::cli::{AddArgs, ColorChoice};
use crate::config::Config;
use crate::lint::{self, Code, Severity, render, urls};
use crate::probe::describe::{self, Described, shorten};

/// A description shorter than this says too little: a TODO is left beside it.
const SHORT_DESCRIPTION: usize = 20;
/// The schema's limits (`schema/entry.schema.json`).
const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 2000;

pub fn run(config: &Config, args: AddArgs) -> anyhow::Result<Outcome> {
    let (given, target) = read_url(&args.url)?;
    let gathered = catalog::gather(std::slice::from_ref(&config.catalog_dir))?;
    let known = Known::of(&gathered);
    known.refuse(&target.canonical_url())?;
    let wanted = args
        .id
        .as_deref()
        .map(|id| free_id(id, &known))
        .transpose()?;
    let described = ask(config, &target).with_context(|| format!("cannot add {given}"))?;
    let id = wanted.unwrap_or_else(|| id_from(&described, &known));
    let draft = draft(&described, &given, &id, utc_date(config.now));
    for url in &draft.urls {
        known.refuse(url)?;
    }
    let path = config.catalog_dir.join(format!("{id}.yaml"));
    let shown = lint::display_path(&path);
    let (report, linted) = if args.dry_run {
        super::to_stdout(draft.yaml.as_bytes())?;
        lint_with(config, gathered, &path, Some(draft.yaml))
    } else {
        write_new(&path, &draft.yaml)?;
        super::say(format_args!(
            "wrote {shown} from the {} ({})",
            described.answered_by, described.api_url
        ));
        lint_with(config, gathered, &path, None)
    };
    let findings = render::human(
        &report,
        &linted.sources(),
        config.color == ColorChoice::Always,
    );
    let errors = report.errors();
    let next = match (errors, args.dry_run) {
        (_, true) => format!("nothing written (--dry-run); the entry would be {shown}"),
        (0, false) => "Next: set the modality flags from the resource's own pages, check each line a comment points at, then run `catwatch table`".to_owned(),
        (_, false) => format!(
            "{shown} is kept: fix the errors above, then run `catwatch lint {shown}`"
        ),
    };
    if args.dry_run {
        // stdout carries the entry alone, to be redirected into a file.
        eprint!("{findings}");
        eprintln!("{next}");
    } else {
        super::to_stdout(findings.as_bytes())?;
        super::say(format_args!("{next}"));
    }
    Ok(if errors > 0 {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// The URL as lint reads it, refused for what lint refuses (not http(s),
/// credentials, a private address, a retired TCIA wiki link); its
/// non-canonical forms are fine, as the canonical form is what is written.
/// Returns the URL and its target, read from the canonical form.
fn read_url(text: &str) -> anyhow::Result<(Url, Target)> {
    let text = text.trim();
    let (problems, parsed) = urls::check(text);
    let refused: Vec<String> = problems
        .into_iter()
        .filter(|(code, _)| code.severity() == Severity::Error && *code != Code::NonCanonicalUrl)
        .map(|(code, message)| format!("{message} [{code}]"))
        .collect();
    match parsed {
        Some(url) if refused.is_empty() => {
            let canonical = Target::from_url(&url).canonical_url();
            Ok((url, Target::from_url(&canonical)))
        }
        _ => anyhow::bail!(
            "cannot add {}: {}",
            lint::escape_for_display(text),
            refused.join("; ")
        ),
    }
}

/// What the platform says, through the engine and endpoints `check` uses.
fn ask(config: &Config, target: &Target) -> anyhow::Result<Described> {
    let (runtime, engine) = super::check::runtime_and_engine(config)?;
    runtime
        .block_on(describe::describe(
            &engine,
            &config.endpoints,
            &config.secrets,
            target,
        ))
        .map_err(anyhow::Error::msg)
}

/// One URL an existing entry lists.
struct Listed {
    id: String,
    file: PathBuf,
    url: String,
    normalised: String,
    doi: Option<String>,
}

/// The catalog's ids and URLs, read from every file that parses, whatever
/// lint thinks of the rest of it (another entry's error is no reason to
/// refuse this one).
struct Known {
    ids: HashSet<String>,
    urls: Vec<Listed>,
}

impl Known {
    fn of(gathered: &Gathered) -> Known {
        let mut known = Known {
            ids: HashSet::new(),
            urls: Vec::new(),
        };
        for file in &gathered.files {
            let stem = file
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            known.ids.extend(stem.clone());
            let Some(value) = file
                .content
                .as_deref()
                .ok()
                .and_then(|text| yaml::parse_value(text).ok())
            else {
                continue;
            };
            let id = value
                .get("id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .or(stem)
                .unwrap_or_default();
            known.ids.insert(id.clone());
            let listed = value
                .get("urls")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|u| Url::parse(u.get("url")?.as_str()?).ok());
            for url in listed {
                known.urls.push(Listed {
                    id: id.clone(),
                    file: file.path.clone(),
                    normalised: urls::normalise(&url),
                    doi: urls::doi(&url),
                    url: url.to_string(),
                });
            }
        }
        known
    }

    /// Refuses `url` when an entry already lists the same resource: the
    /// same normal form, or the same DOI (as lint's duplicate rules compare).
    fn refuse(&self, url: &Url) -> anyhow::Result<()> {
        let normalised = urls::normalise(url);
        let doi = urls::doi(url);
        let Some(listed) = self
            .urls
            .iter()
            .find(|l| l.normalised == normalised || (doi.is_some() && l.doi == doi))
        else {
            return Ok(());
        };
        anyhow::bail!(
            "{url} is already in the catalog: entry `{}` ({}) lists {}; edit that entry instead of adding another",
            lint::escape_for_display(&listed.id),
            lint::display_path(&listed.file),
            lint::escape_for_display(&listed.url)
        )
    }
}

/// `--id`, when it is a safe id no entry has.
fn free_id(id: &str, known: &Known) -> anyhow::Result<String> {
    if !lint::is_safe_id(id) {
        anyhow::bail!(
            "--id `{}` is not allowed: use 1 to 64 lowercase letters, digits and single hyphens (like `covid-ct-dataset`)",
            lint::escape_for_display(id)
        );
    }
    if known.ids.contains(id) {
        anyhow::bail!("an entry `{id}` already exists in the catalog; choose another --id");
    }
    Ok(id.to_owned())
}

/// A slug of the title (else of the URL's path), made unique with `-2`, `-3`, ...
fn id_from(described: &Described, known: &Known) -> String {
    let base = [
        slug(&described.title.value),
        slug(described.canonical_url.path()),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or_else(|| "resource".to_owned());
    unique(&base, &known.ids)
}

/// Lowercase ASCII letters and digits, every other run one `-`, at most
/// 64 characters (cut at a `-` where one is near).
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    cut(out.trim_end_matches('-'), 64)
}

/// `text` (a slug) in at most `max` bytes, at a hyphen when one is in the
/// second half.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let head = &text[..max];
    let head = match head.rfind('-') {
        Some(at) if at > max / 2 => &head[..at],
        _ => head,
    };
    head.trim_end_matches('-').to_owned()
}

fn unique(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            format!("{}{suffix}", cut(base, 64 - suffix.len()))
        })
        .find(|id| !taken.contains(id))
        .expect("some suffix is free")
}

/// The run's date in UTC: never after lint's today (which is the latest
/// date anywhere on Earth).
fn utc_date(now: jiff::Timestamp) -> Date {
    now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

/// A new entry's text and the resource URLs it lists.
struct Draft {
    yaml: String,
    urls: Vec<Url>,
}

/// The entry for `d`, as YAML with comments on what to check. Pure.
fn draft(d: &Described, given: &Url, id: &str, today: Date) -> Draft {
    let mut y = Yaml::default();
    y.line("# yaml-language-server: $schema=../schema/entry.schema.json");
    y.comment(
        "",
        &format!(
            "Written by `catwatch add` from the {} on {today}. Each comment below names what is left to check against the resource's own pages.",
            d.answered_by
        ),
    );
    for note in &d.notes {
        y.comment("", &format!("Note: {note}"));
    }
    y.field("", "id", id);
    y.field("", "name", &shorten(&d.title.value, MAX_NAME));
    let description = d
        .description
        .as_ref()
        .map(|s| shorten(&s.value, MAX_DESCRIPTION));
    match &description {
        Some(text) if text.chars().count() >= SHORT_DESCRIPTION && *text != d.title.value => {}
        _ => y.comment("", "TODO: describe the data set in a sentence or two"),
    }
    if d.description
        .as_ref()
        .is_some_and(|s| s.value.chars().count() > MAX_DESCRIPTION)
    {
        y.comment(
            "",
            &format!("shortened to the schema's {MAX_DESCRIPTION} characters"),
        );
    }
    y.field(
        "",
        "description",
        description
            .as_deref()
            .unwrap_or(&shorten(&d.title.value, MAX_DESCRIPTION)),
    );
    y.word("", "kind", "imaging");

    let listed = resource_urls(d);
    y.line("urls:");
    for (url, role) in &listed {
        y.field("  - ", "url", url.as_str());
        y.word("    ", "role", role_name(*role));
    }

    y.comment(
        "",
        "check each against the resource's own page: Y, N or U (unknown)",
    );
    y.line("modalities:");
    for flag in ["ct", "xray", "mrt", "ultrasound", "metadata", "case_review"] {
        y.word("  ", flag, "U");
    }

    if let Some(note) = &d.access.note {
        y.comment("", note);
    }
    y.word("", "access", d.access.access.as_str());

    y.line("license:");
    match &d.license {
        Some(license) => {
            let declared = &license.value.declared;
            if declared.spdx {
                y.field("  ", "spdx", &declared.id);
            } else {
                y.field("  ", "name", &shorten(&declared.id, MAX_NAME));
            }
            if let Some(url) = license.value.url.as_ref().and_then(|u| listable(u, false)) {
                y.field("  ", "url", url.as_str());
            }
            y.comment(
                "  ",
                "believed: read from the API, not from the licence text; `confirmed` once you have read the licence itself",
            );
            y.word("  ", "status", "believed");
        }
        None => {
            y.comment(
                "  ",
                "the API names no licence: read the resource's terms, then give spdx or name and a status",
            );
            y.word("  ", "status", "unknown");
        }
    }

    let dates = dates(d);
    y.comment(
        "",
        &format!(
            "{}set active (still updated) or frozen (a finished snapshot) once you know",
            if dates.is_empty() {
                String::new()
            } else {
                format!("the API says: {dates}; ")
            }
        ),
    );
    y.word("", "maintenance", "unknown");

    y.line("provenance:");
    // Lint asks a survey resource for its reference number, whichever URL names it.
    let survey = listed
        .iter()
        .find_map(|(url, _)| lint::survey::resource_for(&urls::normalise(url)));
    if let Some(resource) = survey {
        y.word(
            "  ",
            "survey_reference",
            &resource.references[0].to_string(),
        );
    }
    y.word("  ", "last_verified", &today.to_string());
    y.field(
        "  ",
        "verified_against",
        &format!("{}: {}", d.answered_by, d.api_url),
    );
    y.word("  ", "live_checked", "true");
    y.line("  claims:");
    for (about, source, confidence) in claims(d, given, &listed, description.as_deref(), &dates) {
        y.word("    - ", "about", about);
        y.field("      ", "source", &source);
        y.word("      ", "confidence", confidence);
    }
    Draft {
        yaml: y.0,
        urls: listed.into_iter().map(|(url, _)| url).collect(),
    }
}

/// The canonical URL, then the landing page and the DOI the platform names,
/// each once and only in a form lint accepts.
fn resource_urls(d: &Described) -> Vec<(Url, UrlRole)> {
    let mut out = vec![(d.canonical_url.clone(), d.role)];
    let doi = d
        .doi
        .as_ref()
        .and_then(|doi| Url::parse(&format!("https://doi.org/{}", doi.value)).ok());
    let more = [
        d.landing
            .as_ref()
            .map(|l| (l.value.clone(), UrlRole::Landing)),
        doi.map(|url| (url, UrlRole::Doi)),
    ];
    for (url, role) in more.into_iter().flatten() {
        let Some(url) = listable(&url, true) else {
            continue;
        };
        let form = urls::normalise(&url);
        if !out.iter().any(|(u, _)| urls::normalise(u) == form) {
            out.push((url, role));
        }
    }
    out
}

/// `url` as lint accepts it (https where plain http on a known host is an
/// error), or `None`. `resource`: one of the entry's own URLs, held to the
/// canonical form too.
fn listable(url: &Url, resource: bool) -> Option<Url> {
    let accepted = |url: &Url| {
        urls::check(url.as_str()).0.iter().all(|(code, _)| {
            code.severity() == Severity::Warning
                || !resource
                    && matches!(
                        code,
                        Code::NonCanonicalUrl | Code::KaggleShortLink | Code::TciaWikiLink
                    )
        })
    };
    if accepted(url) {
        return Some(url.clone());
    }
    let mut https = url.clone();
    (url.scheme() == "http" && https.set_scheme("https").is_ok() && accepted(&https))
        .then_some(https)
}

fn role_name(role: UrlRole) -> &'static str {
    match role {
        UrlRole::Landing => "landing",
        UrlRole::Repository => "repository",
        UrlRole::Download => "download",
        UrlRole::Paper => "paper",
        UrlRole::Doi => "doi",
    }
}

/// "published 2020-04-01 (`metadata.publication_date`), last updated ...".
fn dates(d: &Described) -> String {
    [("published", &d.published), ("last updated", &d.updated)]
        .into_iter()
        .filter_map(|(what, date)| {
            let date = date.as_ref()?;
            Some(format!("{what} {} (`{}`)", date.value, date.source.field))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One claim per filled field: what it is about, its source (the API URL
/// and field), and how far to trust it.
fn claims(
    d: &Described,
    given: &Url,
    listed: &[(Url, UrlRole)],
    description: Option<&str>,
    dates: &str,
) -> Vec<(&'static str, String, &'static str)> {
    let mut claims = vec![(
        "existence",
        format!(
            "{} answered with \"{}\"{}",
            d.title.source,
            d.title.value,
            if dates.is_empty() {
                String::new()
            } else {
                format!("; {dates}")
            }
        ),
        "medium",
    )];
    if let (Some(source), Some(_)) = (&d.description, description) {
        claims.push((
            "description",
            format!(
                "{}: the platform's own description, its markup removed",
                source.source
            ),
            "medium",
        ));
    }
    let mut named = vec![if listed[0].0 == *given {
        format!("{} as given", listed[0].0)
    } else {
        format!("{} is the catalog's form of {given}", listed[0].0)
    }];
    for (url, role) in &listed[1..] {
        let source = match role {
            UrlRole::Doi => d.doi.as_ref().map(|s| &s.source),
            _ => d.landing.as_ref().map(|s| &s.source),
        };
        if let Some(source) = source {
            named.push(format!("{url} from {source}"));
        }
    }
    claims.push(("urls", named.join("; "), "medium"));
    if let Some(license) = &d.license {
        claims.push((
            "license",
            format!(
                "{}: \"{}\", the platform's metadata, not the licence text",
                license.source, license.value.declared.id
            ),
            "low",
        ));
    }
    if let Some(source) = &d.access.source {
        claims.push((
            "access",
            format!("{source}: read as `{}`", d.access.access.as_str()),
            "low",
        ));
    }
    claims
}

/// YAML written line by line, every scalar in a style that reads back as
/// the same string (checked with the catalog's own parser).
#[derive(Default)]
struct Yaml(String);

/// Lines are wrapped at this width where the text allows.
const WIDTH: usize = 80;

impl Yaml {
    fn line(&mut self, text: &str) {
        self.0.push_str(text);
        self.0.push('\n');
    }

    /// `# text`, wrapped, at `lead`'s indentation.
    fn comment(&mut self, lead: &str, text: &str) {
        let indent = " ".repeat(lead.len());
        for line in wrap(&describe::clean(text), WIDTH - indent.len() - 2) {
            self.line(&format!("{indent}# {line}"));
        }
    }

    /// `key: token` for a value that is its own YAML (an enum, a date, a
    /// number, a boolean).
    fn word(&mut self, lead: &str, key: &str, token: &str) {
        self.line(&format!("{lead}{key}: {token}"));
    }

    /// `key: value` for text: plain when it reads back as itself and fits,
    /// else folded (`>-`) when it is long, else double-quoted.
    fn field(&mut self, lead: &str, key: &str, value: &str) {
        let room = WIDTH.saturating_sub(lead.len() + key.len() + 2);
        let short = value.chars().count() <= room;
        // A long word (a URL) stays on its line: folding cannot break it.
        if (short || !value.contains(' ')) && reads_back_plain(value) {
            self.line(&format!("{lead}{key}: {value}"));
        } else if !short && foldable(value) {
            self.line(&format!("{lead}{key}: >-"));
            let indent = " ".repeat(lead.len() + 2);
            for line in wrap(value, WIDTH - indent.len()) {
                self.line(&format!("{indent}{line}"));
            }
        } else {
            let quoted = serde_json::to_string(value).expect("a string serialises");
            self.line(&format!("{lead}{key}: {quoted}"));
        }
    }
}

/// Whether `value` may be written plain: it parses back as the same string
/// (not a number, a boolean, null, a comment or a mapping).
fn reads_back_plain(value: &str) -> bool {
    let risky_start = value
        .chars()
        .next()
        .is_none_or(|c| "-?:,[]{}#&*!|>'\"%@`".contains(c));
    if risky_start || value.trim() != value || value.chars().any(crate::text::is_hidden) {
        return false;
    }
    yaml::parse_value(&format!("k: {value}\n")).ok() == Some(serde_json::json!({ "k": value }))
}

/// Whether a folded scalar holds `value` exactly: single spaces between
/// words, nothing else that folding would change.
fn foldable(value: &str) -> bool {
    !value.is_empty()
        && value.trim() == value
        && !value.contains("  ")
        && !value.chars().any(|c| c.is_whitespace() && c != ' ')
        && !value.chars().any(crate::text::is_hidden)
}

/// Words of `text` in lines of at most `width` characters (a longer word
/// on a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `text` to the new file `path` atomically (a temporary file beside
/// it, synced, then linked into place only if nothing is there yet).
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    let temp = super::filled_beside(path, |out| out.write_all(text.as_bytes()))?;
    temp.persist_noclobber(path).map_err(|err| {
        if err.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists; catwatch add never overwrites an entry: choose another --id",
                lint::display_path(path)
            )
        } else {
            anyhow::Error::new(err.error).context(format!("cannot create {}", path.display()))
        }
    })?;
    Ok(())
}

/// Lints the catalog with the new entry (`text`, or the file as written) and
/// keeps the new entry's findings: the duplicate rules see every file.
fn lint_with(
    config: &Config,
    gathered: Gathered,
    path: &Path,
    text: Option<String>,
) -> (lint::LintReport, Gathered) {
    let content = match text {
        Some(text) => Ok(text),
        None => catalog::read::read_entry(path),
    };
    let mut files = gathered.files;
    files.push(SourceFile {
        path: path.to_path_buf(),
        content,
    });
    let linted = Gathered {
        files,
        strays: Vec::new(),
    };
    let mut report = lint::lint(&linted, config.lint_dates());
    report.findings.retain(|f| f.file == path);
    report.files = 1;
    (report, linted)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::catalog::entry::Access;
    use crate::catalog::platform::Platform;
    use crate::observation::DeclaredLicense;
    use crate::probe::describe::{AccessFact, DescribedLicense, Source, Sourced};

    fn sourced<T>(value: T, field: &str) -> Sourced<T> {
        Sourced {
            value,
            source: Source {
                url: Url::parse("https://zenodo.org/api/records/1").unwrap(),
                field: field.into(),
            },
        }
    }

    fn zenodo(description: Option<&str>) -> Described {
        Described {
            platform: Platform::Zenodo,
            answered_by: "Zenodo API",
            api_url: Url::parse("https://zenodo.org/api/records/1").unwrap(),
            canonical_url: Url::parse("https://zenodo.org/records/1").unwrap(),
            role: UrlRole::Landing,
            landing: None,
            title: sourced("COVID-19: CT #1".into(), "metadata.title"),
            description: description.map(|d| sourced(d.into(), "metadata.description")),
            license: Some(sourced(
                DescribedLicense {
                    declared: DeclaredLicense {
                        id: "CC-BY-4.0".into(),
                        spdx: true,
                        source: String::new(),
                    },
                    url: Some(Url::parse("http://creativecommons.org/licenses/by/4.0/").unwrap()),
                },
                "metadata.license.id",
            )),
            doi: Some(sourced("10.5281/zenodo.1".into(), "doi")),
            published: Some(sourced("2020-04-01".into(), "metadata.publication_date")),
            updated: Some(sourced("2024-05-02".into(), "modified")),
            access: AccessFact {
                access: Access::Open,
                source: None,
                note: Some("check".into()),
            },
            notes: vec![],
        }
    }

    fn lint_text(text: &str) -> lint::LintReport {
        let gathered = Gathered {
            files: vec![SourceFile {
                path: PathBuf::from("catalog/covid-19-ct-1.yaml"),
                content: Ok(text.to_owned()),
            }],
            strays: Vec::new(),
        };
        lint::lint(&gathered, lint::Dates::on("2026-12-01".parse().unwrap()))
    }

    #[test]
    fn a_draft_passes_lint_and_says_where_each_fact_came_from() {
        let long = "word ".repeat(60);
        for description in [
            None,
            Some("Chest CT scans of 20 patients: a #hashtag, 'quotes' and \"more\"."),
            Some(long.trim()),
        ] {
            let given = Url::parse("https://zenodo.org/record/1").unwrap();
            let draft = draft(
                &zenodo(description),
                &given,
                "covid-19-ct-1",
                "2026-12-01".parse().unwrap(),
            );
            let report = lint_text(&draft.yaml);
            assert_eq!(report.findings, vec![], "{}", draft.yaml);
            let value = yaml::parse_value(&draft.yaml).unwrap();
            assert_eq!(value["name"], "COVID-19: CT #1");
            assert_eq!(
                value["license"]["url"],
                "https://creativecommons.org/licenses/by/4.0/"
            );
            assert_eq!(value["urls"][1]["url"], "https://doi.org/10.5281/zenodo.1");
            assert_eq!(
                value["provenance"]["verified_against"],
                "Zenodo API: https://zenodo.org/api/records/1"
            );
            match description {
                Some(text) => assert_eq!(value["description"], text),
                None => {
                    assert_eq!(value["description"], "COVID-19: CT #1");
                    assert!(draft.yaml.contains("# TODO: describe the data set"));
                }
            }
            assert!(
                draft
                    .yaml
                    .contains("2020-04-01 (`metadata.publication_date`)")
            );
            assert_eq!(draft.urls.len(), 2);
        }
    }

    #[test]
    fn slugs_are_safe_ids() {
        assert_eq!(
            slug("COVID-19 Image Data Collection (v2)!"),
            "covid-19-image-data-collection-v2"
        );
        assert_eq!(slug("  ÄÖÜ  "), "");
        let long = slug(&"chest x-ray ".repeat(20));
        assert!(long.len() <= 64 && lint::is_safe_id(&long), "{long}");
        let taken: HashSet<String> = ["a".into(), "a-2".into()].into();
        assert_eq!(unique("a", &taken), "a-3");
        let base = "x".repeat(64);
        let taken: HashSet<String> = [base.clone()].into();
        assert_eq!(unique(&base, &taken).len(), 64);
    }

    proptest! {
        /// Any text without hidden characters is written in a style that
        /// reads back as itself.
        #[test]
        fn every_field_reads_back_as_written(value in "[^\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]{1,200}") {
            prop_assume!(!value.chars().any(crate::text::is_hidden));
            let mut y = Yaml::default();
            y.field("  - ", "source", &value);
            let parsed = yaml::parse_value(&y.0).unwrap();
            prop_assert_eq!(&parsed[0]["source"], &serde_json::Value::String(value.clone()), "{}", y.0);
        }
    }
}
