//! The semantic rules: what the schema cannot say. Per-file rules read the
//! parsed value defensively (the schema reports wrong types; the rules skip
//! what they cannot read) so every problem is reported in one run.

use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;
use serde_json::Value;

use super::urls::{self, UrlFact};
use super::{Code, Facts, Finding, escape_for_display, finding, survey};
use crate::catalog::yaml::{Document, Position};

/// The longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 64;

pub struct FileContext<'a> {
    pub path: &'a Path,
    pub doc: &'a Document,
    pub entry: Option<String>,
    pub today: Date,
    pub verified_max_age_days: u32,
    pub findings: Vec<Finding>,
    /// Pointers whose pattern/format errors a rule reports better than the schema.
    pub owned_pointers: Vec<String>,
    pub facts: Facts,
}

impl FileContext<'_> {
    fn report(&mut self, at: Position, code: Code, message: impl Into<String>) {
        let finding = finding(self.path, at, code, message, self.entry.as_deref());
        self.findings.push(finding);
    }

    fn str_at(&self, pointer: &str) -> Option<&str> {
        lookup(&self.doc.value, pointer).and_then(Value::as_str)
    }
}

/// `Value::pointer` without its allocations (it unescapes every token into a
/// new string); the rules look up a dozen pointers in every file.
fn lookup<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    let mut current = value;
    for token in pointer.split('/').skip(1) {
        let token = crate::catalog::yaml::unescape_token(token);
        current = match current {
            Value::Object(members) => members.get(token.as_ref())?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

pub fn check_file(ctx: &mut FileContext<'_>) {
    check_id(ctx);
    check_urls(ctx);
    check_dates(ctx);
    check_flags(ctx);
    check_survey_reference(ctx);
    check_license(ctx);
    check_sources(ctx);
    check_snoozed_moves(ctx);
    // Kept until every file is in: no spare capacity per file.
    ctx.facts.urls.shrink_to_fit();
}

/// Whether `id` is safe to use as a file name: 1-64 bytes of `a-z`, `0-9`
/// and single inner hyphens. Checked in code as well as in the schema, since
/// the id becomes a path (`Path::join` with `/etc` would replace the base).
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

fn check_id(ctx: &mut FileContext<'_>) {
    let Some(id) = ctx.str_at("/id").map(str::to_owned) else {
        return;
    };
    let at = ctx.doc.value_position("/id");
    ctx.owned_pointers.push("/id".to_owned());
    let shown = escape_for_display(&id).into_owned();
    if !is_safe_id(&id) {
        ctx.report(
            at,
            Code::UnsafeId,
            format!(
                "the id `{shown}` is not allowed: use 1 to {MAX_ID_LEN} lowercase letters, digits and single hyphens (like `covid-ct-dataset`)"
            ),
        );
    } else {
        ctx.facts.id = Some(id.clone());
    }
    let stem = ctx
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.strip_suffix(".yaml").unwrap_or(&stem);
    if stem != id {
        let message = if is_safe_id(&id) {
            format!(
                "the id `{shown}` differs from the file name `{}`; rename the file to `{shown}.yaml` or change the id to `{}`",
                escape_for_display(stem),
                escape_for_display(stem)
            )
        } else {
            format!(
                "the id `{shown}` differs from the file name `{}`; they must be equal",
                escape_for_display(stem)
            )
        };
        ctx.report(at, Code::IdMismatch, message);
    }
}

fn check_urls(ctx: &mut FileContext<'_>) {
    let mut pointers: Vec<(String, Option<String>)> = Vec::new();
    if let Some(Value::Array(items)) = ctx.doc.value.get("urls") {
        for (i, item) in items.iter().enumerate() {
            let role = item.get("role").and_then(Value::as_str).map(str::to_owned);
            pointers.push((format!("/urls/{i}/url"), role));
        }
    }
    pointers.push(("/license/url".to_owned(), None));
    if let Some(Value::Array(items)) = ctx.doc.value.get("exemptions") {
        for i in 0..items.len() {
            pointers.push((format!("/exemptions/{i}/url"), None));
        }
    }
    for (pointer, role) in pointers {
        let Some(text) = ctx.str_at(&pointer).map(str::to_owned) else {
            continue;
        };
        ctx.owned_pointers.push(pointer.clone());
        let at = ctx.doc.value_position(&pointer);
        let (problems, parsed) = urls::check(&text);
        // The canonical-form rule is for the resource's own URLs: a licence
        // link may well point into a repository (`.../blob/HEAD/LICENSE`).
        let resource_url = pointer.starts_with("/urls/");
        for (code, message) in problems {
            if !resource_url
                && matches!(
                    code,
                    Code::NonCanonicalUrl | Code::KaggleShortLink | Code::TciaWikiLink
                )
            {
                continue;
            }
            ctx.report(at, code, message);
        }
        if let (Some(url), true) = (parsed, pointer.starts_with("/urls/")) {
            ctx.facts.urls.push(UrlFact {
                shown: escape_for_display(&text).into_owned(),
                normalised: urls::normalise(&url),
                doi: urls::doi(&url),
                shareable: role.as_deref() == Some("paper"),
                pointer: pointer.clone(),
            });
        }
    }
}

fn check_dates(ctx: &mut FileContext<'_>) {
    let today = ctx.today;
    let verified = ctx
        .str_at("/provenance/last_verified")
        .and_then(|s| s.parse::<Date>().ok());
    if let Some(date) = verified.filter(|d| *d > today) {
        let at = ctx.doc.value_position("/provenance/last_verified");
        ctx.report(
            at,
            Code::FutureDate,
            format!("`last_verified` is {date}, which is in the future; give the date the entry was actually checked"),
        );
    }
    let age_limit = i64::from(ctx.verified_max_age_days);
    if let Some(date) = verified
        && let Ok(age) = today.since(date)
        && i64::from(age.get_days()) > age_limit
    {
        let at = ctx.doc.value_position("/provenance/last_verified");
        ctx.report(
            at,
            Code::StaleVerification,
            format!(
                "`last_verified` is {date}, {} days ago, more than {age_limit}: read the resource's own documents again (its flags, licence and URLs), then set `last_verified`",
                age.get_days()
            ),
        );
    }
    let count = match ctx.doc.value.get("exemptions") {
        Some(Value::Array(items)) => items.len(),
        _ => 0,
    };
    for i in 0..count {
        let pointer = format!("/exemptions/{i}/expires");
        let expires = ctx.str_at(&pointer).and_then(|s| s.parse::<Date>().ok());
        if let Some(date) = expires.filter(|d| *d < today) {
            let at = ctx.doc.value_position(&pointer);
            ctx.report(
                at,
                Code::ExpiredExemption,
                format!("this exemption expired on {date} and no longer applies; remove it, or renew `expires` with a fresh reason"),
            );
        }
    }
}

fn check_flags(ctx: &mut FileContext<'_>) {
    const FLAGS: [&str; 6] = ["ct", "xray", "mrt", "ultrasound", "metadata", "case_review"];
    let Some(Value::Object(flags)) = ctx.doc.value.get("modalities") else {
        return;
    };
    if FLAGS
        .iter()
        .all(|f| flags.get(*f).and_then(Value::as_str) == Some("N"))
    {
        let at = ctx.doc.key_position("/modalities");
        ctx.report(
            at,
            Code::AllFlagsNo,
            "all six modality flags are N, so the entry offers nothing the catalog tracks; set the flags that apply, and U where no source confirms one",
        );
    }
}

fn check_survey_reference(ctx: &mut FileContext<'_>) {
    let pointer = "/provenance/survey_reference";
    let given = lookup(&ctx.doc.value, pointer).and_then(Value::as_i64);
    if let Some(n) = given.filter(|n| !survey::is_data_reference(*n)) {
        let at = ctx.doc.value_position(pointer);
        ctx.report(
            at,
            Code::SurveyReferenceInvalid,
            format!("survey reference [{n}] is not one of the survey's data resources; use the number of the reference that lists this resource, or remove `survey_reference`"),
        );
        return;
    }
    let matched = ctx
        .facts
        .urls
        .iter()
        .filter(|u| !u.shareable)
        .find_map(|u| survey::resource_for(&u.normalised).map(|r| (r, u.shown.clone())));
    let Some((resource, shown)) = matched else {
        return;
    };
    let wanted = resource.references[0];
    match given {
        None => {
            let at = ctx.doc.key_position("/provenance");
            ctx.report(
                at,
                Code::SurveyReferenceMissing,
                format!("{shown} is the survey's reference [{wanted}]; add `survey_reference: {wanted}` under `provenance`"),
            );
        }
        Some(n) if !resource.references.iter().any(|r| i64::from(*r) == n) => {
            let at = ctx.doc.value_position(pointer);
            ctx.report(
                at,
                Code::SurveyReferenceMismatch,
                format!("{shown} is the survey's reference [{wanted}], but `survey_reference` is {n}; change it to {wanted}"),
            );
        }
        Some(_) => {}
    }
}

fn check_license(ctx: &mut FileContext<'_>) {
    let Some(id) = ctx.str_at("/license/spdx").map(str::to_owned) else {
        return;
    };
    // `LicenseRef-...` is SPDX's own form for a licence without an id.
    if !crate::license::KNOWN.contains(&id.as_str()) && !id.starts_with("LicenseRef-") {
        let hint = crate::license::KNOWN
            .iter()
            .find(|known| known.eq_ignore_ascii_case(&id))
            .map(|known| format!(" (did you mean `{known}`?)"))
            .unwrap_or_default();
        let at = ctx.doc.value_position("/license/spdx");
        ctx.report(
            at,
            Code::UnknownSpdx,
            format!(
                "`{}` is not an SPDX id catwatch knows{hint}; check it at https://spdx.org/licenses/, or use `name` for a licence without one",
                escape_for_display(&id)
            ),
        );
    }
}

/// Whether `text` names a document a reader can open: a URL, or a
/// repository and a path in it (`owner/repo:path/to/file`).
pub fn names_an_openable_document(text: &str) -> bool {
    text.split_whitespace().any(|word| {
        let word = word.trim_matches(|c: char| "()[]<>,;\"'`".contains(c));
        let url = ["https://", "http://"]
            .iter()
            .any(|scheme| word.len() > scheme.len() + 3 && word.starts_with(scheme));
        let repo_path = word.split_once(':').is_some_and(|(repo, path)| {
            let parts: Vec<&str> = repo.split('/').collect();
            parts.len() == 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                })
                && !path.is_empty()
                && !path.starts_with("//")
        });
        url || repo_path
    })
}

/// A `confirmed` licence and every `high`-confidence claim must name a
/// document a reader can open: our own notes are never enough.
fn check_sources(ctx: &mut FileContext<'_>) {
    let claims: Vec<(usize, String, String, String)> =
        match ctx.doc.value.pointer("/provenance/claims") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let field = |k: &str| {
                        c.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (i, field("about"), field("source"), field("confidence"))
                })
                .collect(),
            _ => Vec::new(),
        };
    for (i, about, source, confidence) in &claims {
        if confidence == "high" && !names_an_openable_document(source) {
            let at = ctx
                .doc
                .value_position(&format!("/provenance/claims/{i}/source"));
            ctx.report(
                at,
                Code::UnsourcedClaim,
                format!(
                    "this `{about}` claim is `high` confidence but its source names no document a reader can open; give the URL (https://...) or the repository and path (owner/repo:path) of what was read, or lower the confidence"
                ),
            );
        }
    }
    if ctx.str_at("/license/status") == Some("confirmed") {
        let sourced = ctx.str_at("/license/url").is_some()
            || claims.iter().any(|(_, about, source, _)| {
                about == "license" && names_an_openable_document(source)
            });
        if !sourced {
            let at = ctx.doc.value_position("/license/status");
            ctx.report(
                at,
                Code::UnsourcedClaim,
                "the licence is `confirmed` but nothing names where it was read: add `license.url`, or a `license` claim whose source gives the licence text's URL (or owner/repo:path); else say `believed`",
            );
        }
    }
}

/// A snooze of a `moved` status whose reason names the new address: the move
/// is known, so the entry should be edited rather than silenced.
fn check_snoozed_moves(ctx: &mut FileContext<'_>) {
    let Some(Value::Array(items)) = ctx.doc.value.get("exemptions") else {
        return;
    };
    let snoozed: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.get("kind").and_then(Value::as_str) == Some("snooze")
                && e.get("statuses")
                    .and_then(Value::as_array)
                    .is_some_and(|s| s.iter().any(|v| v.as_str() == Some("moved")))
                && e.get("reason")
                    .and_then(Value::as_str)
                    .is_some_and(names_a_new_address)
        })
        .map(|(i, _)| i)
        .collect();
    for i in snoozed {
        let at = ctx.doc.value_position(&format!("/exemptions/{i}"));
        ctx.report(
            at,
            Code::SnoozedKnownMove,
            "this snooze holds back a move whose new address its reason names: make the new address the entry's URL, keep the old one as a URL with `check: false` and a note, and remove the snooze",
        );
    }
}

/// Whether an exemption's reason names where the resource went: a URL, or a
/// repository as `owner/name` after "to".
fn names_a_new_address(reason: &str) -> bool {
    if names_an_openable_document(reason) {
        return true;
    }
    let words: Vec<&str> = reason.split_whitespace().collect();
    words.windows(2).any(|pair| {
        pair[0].eq_ignore_ascii_case("to") && {
            let target = pair[1].trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '/');
            let parts: Vec<&str> = target.split('/').collect();
            parts.len() == 2 && parts.iter().all(|p| !p.is_empty())
        }
    })
}

/// Ids, resource URLs and DOIs that appear twice, reported at the second
/// occurrence (in file order) and naming the first. `locate(file, pointer)`
/// gives a position; it is called only for the duplicates found.
pub fn duplicates(
    files: &[(&Path, Facts)],
    locate: &dyn Fn(usize, &str) -> Position,
) -> Vec<Finding> {
    /// Where a value was first seen: the file's index and the value's pointer.
    type First<'a> = (usize, &'a str);
    let mut ids: HashMap<&str, First<'_>> = HashMap::new();
    let mut seen_urls: HashMap<&str, First<'_>> = HashMap::new();
    let mut dois: HashMap<&str, First<'_>> = HashMap::new();
    let mut findings = Vec::new();
    let where_ = |(file, pointer): First<'_>| {
        let line = locate(file, pointer).line;
        format!("{}:{line}", super::display_path(files[file].0))
    };
    for (index, (path, facts)) in files.iter().enumerate() {
        let entry = facts.id.as_deref();
        let mut report = |pointer: &str, code: Code, message: String| {
            findings.push(finding(path, locate(index, pointer), code, message, entry));
        };
        if let Some(id) = &facts.id {
            match ids.get(id.as_str()) {
                Some(first) => report(
                    "/id",
                    Code::DuplicateId,
                    format!(
                        "the id `{id}` is already used at {}; merge the two entries or choose another id",
                        where_(*first)
                    ),
                ),
                None => {
                    ids.insert(id, (index, "/id"));
                }
            }
        }
        // A URL naming a DOI is compared by its DOI below.
        for url in facts
            .urls
            .iter()
            .filter(|u| !u.shareable && u.doi.is_none())
        {
            match seen_urls.get(url.normalised.as_str()) {
                Some(first) => report(
                    &url.pointer,
                    Code::DuplicateUrl,
                    format!(
                        "{} names the same resource as the URL at {}; merge the entries or remove this URL",
                        url.shown,
                        where_(*first)
                    ),
                ),
                None => {
                    seen_urls.insert(&url.normalised, (index, &url.pointer));
                }
            }
        }
        // One entry may give its DOI twice (a landing page and a doi.org link).
        for url in facts.urls.iter().filter(|u| !u.shareable) {
            let Some(doi) = &url.doi else { continue };
            match dois.get(doi.as_str()) {
                Some(first) if first.0 != index => report(
                    &url.pointer,
                    Code::DuplicateDoi,
                    format!(
                        "the DOI {doi} is already given at {}; one DOI belongs to one entry",
                        where_(*first)
                    ),
                ),
                Some(_) => {}
                None => {
                    dois.insert(doi, (index, &url.pointer));
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_agrees_with_serde_json() {
        let value = serde_json::json!({"a": [{"b/c": 1, "d~e": 2}], "": 3});
        for pointer in [
            "",
            "/a",
            "/a/0",
            "/a/0/b~1c",
            "/a/0/d~0e",
            "/",
            "/a/1",
            "/a/x",
            "/z",
            "/a/0/b~1c/q",
        ] {
            assert_eq!(lookup(&value, pointer), value.pointer(pointer), "{pointer}");
        }
    }

    #[test]
    fn safe_ids() {
        for ok in ["a", "covid-ct", "x1-2-3", &"a".repeat(64)] {
            assert!(is_safe_id(ok), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "/etc",
            "a\0b",
            "A",
            "a_b",
            "-a",
            "a-",
            "a--b",
            "a/b",
            "a.yaml",
            &"a".repeat(65),
            &"a".repeat(300),
        ] {
            assert!(!is_safe_id(bad), "{bad:?}");
        }
    }
}
