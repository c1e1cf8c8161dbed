//! Lint findings as text: human (with source snippets), GitHub workflow
//! commands, and JSON. Renderers return strings; the command writes them.

use std::collections::HashMap;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use super::{Finding, LintReport, Severity, display_path, escape_for_display};

/// The version of the JSON report shape (`schema/lint-report.schema.json`).
/// Bumped only for a change that would break a reader.
pub const JSON_REPORT_VERSION: u32 = 1;

/// `file:line:col: severity[code]: message`, a snippet under each finding when
/// the source is at hand, then a summary line.
pub fn human(report: &LintReport, sources: &HashMap<&Path, &str>, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for f in &report.findings {
        let severity = match (f.severity, color) {
            (Severity::Error, true) => "\x1b[1;31merror\x1b[0m",
            (Severity::Warning, true) => "\x1b[1;33mwarning\x1b[0m",
            (s, false) => s.as_str(),
        };
        out.push_str(&format!(
            "{}:{}:{}: {severity}[{}]: {}\n",
            display_path(&f.file),
            f.line,
            f.column,
            f.code,
            f.message
        ));
        if let Some(snippet) = sources
            .get(f.file.as_path())
            .and_then(|text| snippet(&renderer, f, text))
        {
            out.push_str(&snippet);
            out.push('\n');
        }
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

fn snippet(renderer: &Renderer, f: &Finding, text: &str) -> Option<String> {
    let line = text
        .lines()
        .nth(usize::try_from(f.line).ok()?.checked_sub(1)?)?;
    let line = escape_for_display(line);
    let start = line
        .char_indices()
        .nth(usize::try_from(f.column).ok()?.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let end = token_end(&line, start);
    let level = match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let report = &[Group::with_level(level).element(
        Snippet::source(line.as_ref())
            .line_start(usize::try_from(f.line).ok()?)
            .annotation(AnnotationKind::Primary.span(start..end)),
    )];
    Some(renderer.render(report))
}

/// The end of the YAML token starting at `start`: up to whitespace, a flow
/// indicator, or a `: ` key separator.
fn token_end(line: &str, start: usize) -> usize {
    let rest = &line[start..];
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next_blank = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        if c.is_whitespace() || matches!(c, ',' | ']' | '}') || (c == ':' && next_blank) {
            return start + i.max(1).min(rest.len());
        }
    }
    line.len()
}

pub fn summary(report: &LintReport) -> String {
    let (errors, warnings) = (report.errors(), report.warnings());
    let files = report.files;
    let noun = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if errors == 0 && warnings == 0 {
        format!(
            "catwatch lint: {}, no problems",
            noun(files, "file", "files")
        )
    } else {
        format!(
            "catwatch lint: {}, {} in {}",
            noun(errors, "error", "errors"),
            noun(warnings, "warning", "warnings"),
            noun(files, "file", "files")
        )
    }
}

/// GitHub Actions workflow commands, one per finding, so a pull request shows
/// each on its line; then the summary as plain text.
pub fn github(report: &LintReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!(
            "::{} file={},line={},col={},title={}::{}\n",
            f.severity.as_str(),
            escape_property(&display_path(&f.file)),
            f.line,
            f.column,
            escape_property(&format!("catwatch {}", f.code)),
            escape_data(&f.message)
        ));
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// The findings as a SARIF 2.1.0 log (`--format sarif`), every lint code a
/// rule, for GitHub code scanning.
pub fn sarif(report: &LintReport) -> String {
    use crate::report::sarif::{self, Item, Level, Rule};
    let level = |severity: Severity| match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    let rules: Vec<Rule<'_>> = super::Code::ALL
        .iter()
        .map(|code| Rule {
            id: code.as_str(),
            help: code.help(),
            level: level(code.severity()),
        })
        .collect();
    let items = report
        .findings
        .iter()
        .map(|f| Item {
            rule: f.code.as_str(),
            level: level(f.severity),
            message: f.message.clone(),
            uri: sarif::uri_of(&f.file),
            line: f.line,
            column: f.column,
        })
        .collect();
    sarif::render(&rules, items)
}

/// Escapes a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: &'static str,
    summary: JsonSummary,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: String,
    line: u32,
    column: u32,
    code: super::Code,
    severity: Severity,
    message: &'a str,
    entry: Option<&'a str>,
}

/// The stable JSON shape described by `schema/lint-report.schema.json`.
pub fn json(report: &LintReport) -> String {
    let shape = JsonReport {
        version: JSON_REPORT_VERSION,
        tool: "catwatch lint",
        summary: JsonSummary {
            files: report.files,
            errors: report.errors(),
            warnings: report.warnings(),
        },
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                file: f.file.to_string_lossy().into_owned(),
                line: f.line,
                column: f.column,
                code: f.code,
                severity: f.severity,
                message: &f.message,
                entry: f.entry.as_deref(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&shape).expect("the report serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn tokens_end_at_separators() {
        let line = "  colour: red";
        assert_eq!(&line[2..token_end(line, 2)], "colour");
        let url = "  - url: https://x.org/a:b";
        assert_eq!(&url[9..token_end(url, 9)], "https://x.org/a:b");
        assert_eq!(token_end("a: ", 3), 3);
    }
}
