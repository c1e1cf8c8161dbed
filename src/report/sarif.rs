//! SARIF 2.1.0 logs (`lint --format sarif`, `check --format sarif`), for
//! GitHub code scanning: upload the file with `github/codeql-action/upload-sarif`
//! and each finding shows on its entry's line in the pull request and the
//! Security tab.
//!
//! The shape follows the OASIS SARIF 2.1.0 standard and GitHub's "SARIF
//! support for code scanning" page: one run, the tool's `driver` with one
//! rule per code (`id`, `shortDescription`, `defaultConfiguration.level`),
//! and results with `ruleId`, `level`, `message.text` and one
//! `physicalLocation` (`artifactLocation.uri` relative to the repository,
//! `region.startLine` / `startColumn`, both 1-based).

use serde::Serialize;

/// One finding to log.
pub struct Item<'a> {
    pub rule: &'a str,
    pub level: Level,
    pub message: String,
    /// Relative to the repository's root, with `/` separators.
    pub uri: String,
    pub line: u32,
    pub column: u32,
}

/// One rule (a lint code or a reason code) and what it means.
pub struct Rule<'a> {
    pub id: &'a str,
    pub help: &'a str,
    pub level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<SarifRule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule<'a> {
    id: &'a str,
    short_description: Text<'a>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: Level,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: Level,
    message: OwnedText,
    locations: [Location; 1],
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

/// The SARIF log of `items` under `rules` (every rule an item names must be
/// among them; the log lists all of them, so a code that found nothing is
/// still documented).
pub fn render(rules: &[Rule<'_>], items: Vec<Item<'_>>) -> String {
    let index_of = |id: &str| rules.iter().position(|r| r.id == id).unwrap_or(0);
    let results = items
        .into_iter()
        .map(|item| SarifResult {
            rule_id: item.rule,
            rule_index: index_of(item.rule),
            level: item.level,
            message: OwnedText { text: item.message },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: item.uri },
                    region: Region {
                        start_line: item.line.max(1),
                        start_column: item.column.max(1),
                    },
                },
            }],
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "catwatch",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/catwatch/catwatch",
                    rules: rules
                        .iter()
                        .map(|rule| SarifRule {
                            id: rule.id,
                            short_description: Text { text: rule.help },
                            default_configuration: Configuration { level: rule.level },
                        })
                        .collect(),
                },
            },
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).expect("a SARIF log serialises");
    text.push('\n');
    text
}

/// A path as a SARIF `uri`: relative, `/`-separated, without a leading `./`.
pub fn uri_of(path: &std::path::Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}
