//! Judging the catalog: schema validation and semantic rules, producing
//! findings. Pure: it takes the gathered files and `today`, and returns
//! findings as data. It never reads files, never prints, and never stops at the
//! first problem.
//!
//! Order of work: each file is parsed, validated against the schema and checked
//! by the per-file rules (in parallel, one chunk per core); then the rules that
//! compare entries (duplicates) run over the facts each file left behind.

pub mod codes;
pub mod render;
mod rules;
mod schema;
pub mod survey;
pub(crate) mod urls;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::read::ReadProblem;
use crate::catalog::yaml::{self, Position, YamlErrorKind};
use crate::catalog::{Entry, Gathered, SourceFile};
pub use codes::Code;
pub use rules::is_safe_id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one file, at one place, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub code: Code,
    pub severity: Severity,
    /// Says what is wrong and what to do.
    pub message: String,
    /// The entry's id, when the file got far enough to have one.
    pub entry: Option<String>,
}

/// Everything lint concluded about a set of files.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    /// Sorted by file, line, column.
    pub findings: Vec<Finding>,
    /// How many files were examined.
    pub files: usize,
}

impl LintReport {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// What one file leaves for the rules that compare entries.
#[derive(Debug, Default)]
struct Facts {
    /// The id, when it is safe.
    id: Option<String>,
    urls: Vec<urls::UrlFact>,
}

/// One file judged on its own (before the rules that compare files), as
/// [`Gate::accept`] takes it: so that the judging can run on any thread.
pub struct FileResult {
    findings: Vec<Finding>,
    facts: Facts,
    entry: Option<Entry>,
}

/// Why files are linted, which decides what the gate keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `catwatch lint`: every finding, each at its exact place.
    Report,
    /// Loading the catalog for another command: the typed entries and the
    /// errors that refuse the catalog. Warnings are the contributor's business,
    /// so they are neither kept nor located (locating costs a second parse).
    Load,
}

/// The lint gate, fed the files in order a batch at a time: each batch is
/// judged file by file (in parallel, one chunk per core), and the rules that
/// compare entries (duplicates) run once every file is in.
/// What lint judges dates against: today (where it is latest, see
/// [`today`]) and how long ago an entry may have been verified before a
/// warning asks for it to be read again (`[lint] verified_max_age_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub today: Date,
    pub verified_max_age_days: u32,
}

impl Dates {
    /// `today` with the default age (one year).
    pub fn on(today: Date) -> Dates {
        Dates {
            today,
            verified_max_age_days: LintSettings::default().verified_max_age_days,
        }
    }
}

/// `[lint]` in catwatch.toml.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LintSettings {
    /// An entry last verified longer ago than this gets a warning naming
    /// what to read again.
    pub verified_max_age_days: u32,
}

impl Default for LintSettings {
    fn default() -> LintSettings {
        LintSettings {
            verified_max_age_days: 365,
        }
    }
}

pub struct Gate {
    today: Dates,
    purpose: Purpose,
    findings: Vec<Finding>,
    facts: Vec<Facts>,
}

impl Gate {
    pub fn new(today: Dates, purpose: Purpose) -> Gate {
        Gate {
            today,
            purpose,
            findings: Vec::new(),
            facts: Vec::new(),
        }
    }

    /// Things in the catalog directory that are not entry files.
    pub fn add_strays(&mut self, strays: &[crate::catalog::Stray]) {
        self.findings.extend(strays.iter().map(stray_finding));
    }

    /// Judges the next `files`, which follow those given before. For
    /// [`Purpose::Load`], each file's typed entry when the file has no error
    /// (`None` otherwise); for [`Purpose::Report`], nothing.
    pub fn add(&mut self, files: &[SourceFile]) -> Vec<Option<Entry>> {
        let (today, purpose) = (self.today, self.purpose);
        let results = crate::catalog::parallel_map(files, |file| judge_file(file, today, purpose));
        self.accept(results)
    }

    /// The gate's dates and purpose, for judging files elsewhere
    /// ([`judge_file`]) and handing the results to [`Gate::accept`].
    pub fn judging(&self) -> (Dates, Purpose) {
        (self.today, self.purpose)
    }

    /// Takes the judgements of the next files, in file order (see [`Gate::add`]).
    pub fn accept(&mut self, results: Vec<FileResult>) -> Vec<Option<Entry>> {
        let purpose = self.purpose;
        let mut entries = Vec::new();
        for result in results {
            self.findings.extend(result.findings);
            self.facts.push(result.facts);
            if purpose == Purpose::Load {
                entries.push(result.entry);
            }
        }
        entries
    }

    /// Whether an error has been found so far: if so, the catalog is refused
    /// whatever the remaining files say.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Runs the rules that compare entries over `files` (every file given to
    /// [`Gate::add`], in the same order) and returns the sorted findings.
    pub fn finish(self, files: &[SourceFile]) -> LintReport {
        let paths: Vec<&Path> = files.iter().map(|file| file.path.as_path()).collect();
        self.finish_with(&paths, |file| files[file].content.clone().ok())
    }

    /// [`Gate::finish`] for a gate whose files' texts were not kept (a large
    /// catalog streamed through it): a file is read again only when a
    /// duplicate is found in it, for the finding's position.
    pub fn finish_reading_again(self, paths: &[std::path::PathBuf]) -> LintReport {
        let paths: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        self.finish_with(&paths, |file| {
            crate::catalog::read::read_entry(paths[file]).ok()
        })
    }

    fn finish_with(self, paths: &[&Path], text_of: impl Fn(usize) -> Option<String>) -> LintReport {
        let facts: Vec<(&Path, Facts)> = paths.iter().copied().zip(self.facts).collect();
        // Positions of duplicates come from parsing those files again, in full.
        let locate = |file: usize, pointer: &str| match text_of(file) {
            Some(text) => {
                yaml::parse(&text).map_or(Position::START, |doc| doc.value_position(pointer))
            }
            None => Position::START,
        };
        let mut findings = self.findings;
        findings.extend(rules::duplicates(&facts, &locate));
        findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.code).cmp(&(&b.file, b.line, b.column, b.code))
        });
        LintReport {
            findings,
            files: paths.len(),
        }
    }
}

/// Lints every gathered file and reports every finding (`catwatch lint`).
pub fn lint(gathered: &Gathered, today: Dates) -> LintReport {
    let mut gate = Gate::new(today, Purpose::Report);
    gate.add_strays(&gathered.strays);
    gate.add(&gathered.files);
    gate.finish(&gathered.files)
}

/// Whether a JSON value passes the entry schema alone (no semantic rules).
pub fn schema_accepts(value: &Value) -> bool {
    schema::validator().is_valid(value)
}

/// Judges one file on its own: pure, and safe to run on any thread.
pub fn judge_file(file: &SourceFile, today: Dates, purpose: Purpose) -> FileResult {
    lint_file(file, schema::validator(), today, purpose)
}

fn lint_file(
    file: &SourceFile,
    schema: &jsonschema::Validator,
    today: Dates,
    purpose: Purpose,
) -> FileResult {
    let path = file.path.as_path();
    let fail = |finding: Finding| FileResult {
        findings: vec![finding],
        facts: Facts::default(),
        entry: None,
    };
    let text = match &file.content {
        Ok(text) => text,
        Err(problem) => return fail(read_finding(path, problem)),
    };
    // Most files have nothing to report: judge them first without positions,
    // and parse again with positions only when something must be reported.
    let quick = match yaml::parse_value(text) {
        Ok(value) => yaml::Document {
            value,
            positions: Vec::new(),
        },
        Err(err) => return fail(yaml_finding(path, err)),
    };
    let first = judge(path, &quick, schema, today);
    let reportable = |f: &Finding| purpose == Purpose::Report || f.severity == Severity::Error;
    if !first.findings.iter().any(reportable) {
        return match purpose {
            Purpose::Report => FileResult {
                findings: first.findings,
                facts: first.facts,
                entry: None,
            },
            Purpose::Load => match typed(quick.value) {
                Ok(entry) => FileResult {
                    findings: Vec::new(),
                    facts: first.facts,
                    entry: Some(entry),
                },
                Err(why) => fail(finding(
                    path,
                    Position::START,
                    Code::Schema,
                    format!(
                        "the entry passes the schema but does not load ({why}); this is a catwatch bug, please report it"
                    ),
                    None,
                )),
            },
        };
    }
    let doc = match yaml::parse(text) {
        Ok(doc) => doc,
        Err(err) => return fail(yaml_finding(path, err)),
    };
    let mut full = judge(path, &doc, schema, today);
    full.findings.retain(reportable);
    FileResult {
        findings: full.findings,
        facts: full.facts,
        entry: None,
    }
}

fn typed(value: Value) -> Result<Entry, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

struct Judgement {
    findings: Vec<Finding>,
    facts: Facts,
}

/// The per-file rules and the schema, on one parsed document.
fn judge(
    path: &Path,
    doc: &yaml::Document,
    schema: &jsonschema::Validator,
    today: Dates,
) -> Judgement {
    let entry_id = doc
        .value
        .get("id")
        .and_then(Value::as_str)
        .map(|id| escape_for_display(id).into_owned());
    let mut ctx = rules::FileContext {
        path,
        doc,
        entry: entry_id,
        today: today.today,
        verified_max_age_days: today.verified_max_age_days,
        findings: Vec::new(),
        owned_pointers: Vec::new(),
        facts: Facts::default(),
    };
    rules::check_file(&mut ctx);
    let schema_findings =
        schema::check(schema, doc, path, ctx.entry.as_deref(), &ctx.owned_pointers);
    let mut findings = ctx.findings;
    findings.extend(schema_findings);
    Judgement {
        findings,
        facts: ctx.facts,
    }
}

fn yaml_finding(path: &Path, err: yaml::YamlError) -> Finding {
    let code = match err.kind {
        YamlErrorKind::Syntax => Code::YamlSyntax,
        YamlErrorKind::DuplicateKey => Code::DuplicateKey,
        YamlErrorKind::Alias => Code::YamlAlias,
        YamlErrorKind::TooDeep => Code::TooDeep,
        YamlErrorKind::MultipleDocuments => Code::MultipleDocuments,
        YamlErrorKind::Empty => Code::EmptyFile,
        YamlErrorKind::ComplexKey => Code::ComplexKey,
        YamlErrorKind::Tag => Code::YamlTag,
    };
    finding(path, err.position, code, err.message, None)
}

fn finding(
    file: &Path,
    at: Position,
    code: Code,
    message: impl Into<String>,
    entry: Option<&str>,
) -> Finding {
    Finding {
        file: file.to_path_buf(),
        line: at.line,
        column: at.column,
        code,
        severity: code.severity(),
        message: message.into(),
        entry: entry.map(str::to_owned),
    }
}

fn read_finding(path: &Path, problem: &ReadProblem) -> Finding {
    let max_kib = crate::catalog::read::MAX_FILE_BYTES / 1024;
    let (at, code, message) = match problem {
        ReadProblem::NotRegular(kind) => (
            Position::START,
            Code::NotRegularFile,
            format!(
                "this is {kind}, not a regular file; catalog entries must be plain files (it was not opened)"
            ),
        ),
        ReadProblem::TooLarge => (
            Position::START,
            Code::FileTooLarge,
            format!("the file is larger than {max_kib} KiB; an entry is a few KiB, so shorten it"),
        ),
        ReadProblem::NotUtf8 { line, column } => (
            Position {
                line: *line,
                column: *column,
            },
            Code::NotUtf8,
            "the file is not valid UTF-8 from here; save it as UTF-8".to_owned(),
        ),
        ReadProblem::Bom => (
            Position::START,
            Code::Bom,
            "the file starts with a byte-order mark; save it as UTF-8 without BOM".to_owned(),
        ),
        ReadProblem::Nul { line, column } => (
            Position {
                line: *line,
                column: *column,
            },
            Code::NulByte,
            "the file contains a NUL byte here; remove it (is this a binary file?)".to_owned(),
        ),
        ReadProblem::Io(reason) => (
            Position::START,
            Code::Unreadable,
            format!("cannot read the file ({reason}); check its permissions"),
        ),
    };
    finding(path, at, code, message, None)
}

fn stray_finding(stray: &crate::catalog::Stray) -> Finding {
    let path = stray.path.as_path();
    let message = if stray.directory {
        "a directory inside the catalog; the catalog holds only <id>.yaml files, so move it out"
            .to_owned()
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let stem = path
            .file_stem()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        format!(
            "`{}` does not end in `.yaml`, so the catalog skips it; rename it to `{}.yaml`, or move it out of the catalog",
            escape_for_display(&name),
            escape_for_display(&stem)
        )
    };
    finding(path, Position::START, Code::StrayFile, message, None)
}

/// The run's date where it is latest (UTC+14), so a contributor east of UTC
/// who writes today's local date is never told it lies in the future. `now`
/// is the run's one clock reading (`Config::now`); the judging itself takes
/// the date as a parameter.
pub fn today(now: jiff::Timestamp) -> Date {
    let latest = now + jiff::SignedDuration::from_hours(14);
    latest.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

/// Makes text safe to print: control characters and bidirectional overrides
/// become visible `\u{..}` escapes (a newline becomes `\n`), so a hostile name
/// cannot rewrite a terminal line or reorder what a reviewer sees.
pub fn escape_for_display(text: &str) -> Cow<'_, str> {
    // The one set (src/text.rs): controls, separators, bidi marks and
    // overrides, zero-width and invisible characters.
    fn unsafe_char(c: char) -> bool {
        crate::text::is_hidden(c)
    }
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:04X}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path as it is safe to print.
pub fn display_path(path: &Path) -> String {
    escape_for_display(&path.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_makes_controls_and_bidi_visible() {
        assert_eq!(escape_for_display("plain"), "plain");
        assert_eq!(escape_for_display("a\r\nb"), "a\\r\\nb");
        assert_eq!(
            escape_for_display("x\u{202E}y\u{1b}[31m"),
            "x\\u{202E}y\\u{001B}[31m"
        );
        assert_eq!(escape_for_display("\u{2066}\u{0085}"), "\\u{2066}\\u{0085}");
    }
}
