//! The entry schema, compiled once, and its errors turned into findings at the
//! YAML position of the offending value (or, for an unexpected key, the key).
//!
//! The schema is embedded in the binary, so lint works from any directory, and
//! it is compiled offline: a `$ref` to anything outside it fails to compile
//! rather than fetching.

use std::path::Path;
use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind as Kind;
use serde_json::Value;

use super::{Code, Finding, escape_for_display, finding};
use crate::catalog::yaml::{Document, escape_token};

/// The entry schema as shipped in `schema/entry.schema.json`.
pub const ENTRY_SCHEMA: &str = include_str!("../../schema/entry.schema.json");

/// The compiled entry schema, built on first use and shared by every thread.
pub fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(ENTRY_SCHEMA).expect("the embedded entry schema is JSON");
        compile(&schema).expect("the embedded entry schema compiles")
    })
}

/// The keys the schema allows in the object at `pointer` (an instance
/// pointer such as `/modalities` or `/urls/0`), read from the schema itself
/// (`properties`, through `$ref` and array `items`), so a suggestion never
/// names a key the schema would refuse.
fn keys_at(pointer: &str) -> Vec<String> {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    let root = SCHEMA.get_or_init(|| {
        serde_json::from_str(ENTRY_SCHEMA).expect("the embedded entry schema is JSON")
    });
    let resolve = |mut node: &'static Value| {
        // Local references only (`#/$defs/...`), as the schema is offline.
        for _ in 0..8 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(target) => match target.strip_prefix('#').and_then(|p| root.pointer(p)) {
                    Some(next) => node = next,
                    None => break,
                },
                None => break,
            }
        }
        node
    };
    let mut node = resolve(root);
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = if token.parse::<usize>().is_ok() && node.get("items").is_some() {
            node.get("items")
        } else {
            node.get("properties").and_then(|p| p.get(&token))
        };
        match next {
            Some(next) => node = resolve(next),
            None => return Vec::new(),
        }
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The known key `key` was most likely meant to be: the same letters in
/// another case or separator (`caseReview` for `case_review`), or at most
/// two edits away (`descripton`), and never more than a third of the key.
fn closest_key<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    let folded = |k: &str| -> String {
        k.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = folded(key);
    if let Some(same) = known.iter().find(|k| folded(k) == wanted) {
        return Some(same);
    }
    let limit = (wanted.chars().count() / 3).clamp(1, 2);
    known
        .iter()
        .map(|k| (edit_distance(&wanted, &folded(k)), k))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, k)| (*distance, k.len()))
        .map(|(_, k)| k.as_str())
}

/// Edit distance by characters, counting a swap of two neighbours as one
/// edit (`nmae` is one from `name`): the optimal string alignment distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

/// Compiles a schema the way lint does: draft 2020-12, formats asserted,
/// unknown formats refused, nothing fetched.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// Validates `doc`. Pattern and format errors at `owned` pointers (URLs and
/// the id, which the rules check more precisely) are left to the rules, and
/// so are the id's length limits.
pub fn check(
    validator: &jsonschema::Validator,
    doc: &Document,
    path: &Path,
    entry: Option<&str>,
    owned: &[String],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if validator.is_valid(&doc.value) {
        return findings;
    }
    for error in validator.iter_errors(&doc.value) {
        let pointer = error.instance_path().as_str();
        let kind = error.kind();
        let owned_here = owned.iter().any(|p| p == pointer);
        let told_better = match kind {
            Kind::Pattern { .. } | Kind::Format { .. } => owned_here,
            Kind::MinLength { .. } | Kind::MaxLength { .. } => owned_here && pointer == "/id",
            _ => false,
        };
        if told_better {
            continue;
        }
        let field = field_name(pointer);
        let (code, message, at) = match kind {
            Kind::AdditionalProperties { unexpected } => {
                let known = keys_at(pointer);
                for key in unexpected {
                    let child = format!("{pointer}/{}", escape_token(key));
                    let advice = match closest_key(key, &known) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "check its spelling against CONTRIBUTING.md or remove it".to_owned(),
                    };
                    findings.push(finding(
                        path,
                        doc.key_position(&child),
                        Code::UnknownKey,
                        format!(
                            "unknown key `{}`{}; {advice}",
                            escape_for_display(key),
                            in_field(pointer)
                        ),
                        entry,
                    ));
                }
                continue;
            }
            Kind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                (
                    Code::MissingKey,
                    format!(
                        "missing required key `{}`{}; add it",
                        escape_for_display(name),
                        in_field(pointer)
                    ),
                    doc.key_position(pointer),
                )
            }
            Kind::Enum { options } => (
                Code::InvalidValue,
                format!(
                    "{} is not allowed for `{field}`; use one of: {}",
                    shown(error.instance()),
                    list_options(options)
                ),
                doc.value_position(pointer),
            ),
            Kind::Type { kind } => (
                Code::WrongType,
                format!("`{field}` must be {}; found {}", type_name(kind), shown(error.instance())),
                doc.value_position(pointer),
            ),
            Kind::Format { format } => (
                Code::InvalidFormat,
                format!(
                    "{} is not a valid {}{}",
                    shown(error.instance()),
                    format,
                    match format.as_str() {
                        "date" => "; write a real calendar date as YYYY-MM-DD",
                        "uri" => "; write a full https://... address",
                        _ => "",
                    }
                ),
                doc.value_position(pointer),
            ),
            Kind::Pattern { .. } => (
                Code::InvalidText,
                format!(
                    "`{field}` contains characters that are not allowed (line breaks, control or bidirectional-override characters) or does not match its pattern; remove them"
                ),
                doc.value_position(pointer),
            ),
            Kind::MaxLength { limit } => (
                Code::OutOfRange,
                format!("`{field}` is longer than {limit} characters; shorten it"),
                doc.value_position(pointer),
            ),
            Kind::MinLength { limit } => (
                Code::OutOfRange,
                format!("`{field}` is shorter than {limit} character(s); fill it in"),
                doc.value_position(pointer),
            ),
            Kind::MaxItems { limit } => (
                Code::OutOfRange,
                format!("`{field}` has more than {limit} items; keep the important ones"),
                doc.value_position(pointer),
            ),
            Kind::MinItems { limit } => (
                Code::OutOfRange,
                format!("`{field}` needs at least {limit} item(s); add one"),
                doc.value_position(pointer),
            ),
            Kind::Minimum { limit } | Kind::ExclusiveMinimum { limit } => (
                Code::OutOfRange,
                format!("`{field}` is below its minimum {limit}; use a larger number"),
                doc.value_position(pointer),
            ),
            Kind::Maximum { limit } | Kind::ExclusiveMaximum { limit } => (
                Code::OutOfRange,
                format!("`{field}` is above its maximum {limit}; use a smaller number"),
                doc.value_position(pointer),
            ),
            Kind::AnyOf { .. } if pointer == "/license" => (
                Code::Schema,
                "a licence whose status is `confirmed` or `believed` needs an `spdx` id or a `name`; add one, or set `status: unknown`".to_owned(),
                doc.key_position(pointer),
            ),
            Kind::UniqueItems => (
                Code::Schema,
                format!("`{field}` lists the same item twice; remove the repeat"),
                doc.value_position(pointer),
            ),
            _ => (
                Code::Schema,
                format!(
                    "`{field}` breaks the schema rule `{}`: {}",
                    kind.keyword(),
                    escape_for_display(&error.masked().to_string())
                ),
                doc.value_position(pointer),
            ),
        };
        findings.push(finding(path, at, code, message, entry));
    }
    findings
}

/// A readable name for the field at `pointer`: `urls[0].role`.
fn field_name(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the entry".to_owned();
    }
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = crate::catalog::yaml::unescape_token(token);
        if token.chars().all(|c| c.is_ascii_digit()) && !token.is_empty() {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&escape_for_display(&token));
        }
    }
    out
}

fn in_field(pointer: &str) -> String {
    if pointer.is_empty() {
        String::new()
    } else {
        format!(" in `{}`", field_name(pointer))
    }
}

/// A value as it is safe to echo: escaped and cut short.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => {
            let cut: String = s.chars().take(60).collect();
            let more = if cut.len() < s.len() { "..." } else { "" };
            format!("`{}{more}`", escape_for_display(&cut))
        }
        Value::Null => "nothing (null)".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
        other => format!("`{other}`"),
    }
}

fn list_options(options: &Value) -> String {
    match options {
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn type_name(kind: &jsonschema::error::TypeKind) -> String {
    let name = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "object" => "a mapping (key: value lines)".to_owned(),
        "array" => "a list (lines starting with `- `)".to_owned(),
        "string" => "text".to_owned(),
        "integer" => "a whole number".to_owned(),
        "boolean" => "true or false".to_owned(),
        other => format!("a {other}"),
    };
    match kind {
        jsonschema::error::TypeKind::Single(t) => name(t),
        jsonschema::error::TypeKind::Multiple(ts) => {
            ts.iter().map(|t| name(&t)).collect::<Vec<_>>().join(" or ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_read_like_yaml_paths() {
        assert_eq!(field_name(""), "the entry");
        assert_eq!(field_name("/urls/0/role"), "urls[0].role");
        assert_eq!(field_name("/a~1b"), "a/b");
    }

    #[test]
    fn remote_refs_are_never_fetched() {
        // A $ref to a loopback canary: compiling must fail without a request.
        let canary = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        canary.set_nonblocking(true).unwrap();
        let port = canary.local_addr().unwrap().port();
        let schema = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("http://127.0.0.1:{port}/evil.json")
        });
        assert!(compile(&schema).is_err());
        assert!(canary.accept().is_err(), "the canary got a connection");
    }

    #[test]
    fn the_embedded_schema_asserts_formats() {
        let v = validator();
        let mut entry = crate::catalog::yaml::parse(include_str!(
            "../../tests/fixtures/lint/good/covid-chestxray-dataset.yaml"
        ))
        .unwrap()
        .value;
        assert!(v.is_valid(&entry), "{:?}", v.iter_errors(&entry).next());
        entry["provenance"]["last_verified"] = "2026-02-30".into();
        assert!(!v.is_valid(&entry), "an impossible date must be refused");
        entry["provenance"]["last_verified"] = "2026-02-03".into();
        entry["urls"][0]["url"] = "https://exa mple.org/".into();
        assert!(!v.is_valid(&entry), "an invalid uri must be refused");
    }
}
