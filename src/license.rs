//! One rule for reading a platform's licence text as an SPDX identifier.
//!
//! Platforms write licences their own way: Zenodo `cc-by-4.0`, figshare
//! `CC BY 4.0`, Kaggle `CC BY-NC-SA 4.0` or `CC0: Public Domain`, the Hub's
//! card `cc-by-nc-4.0`, DataCite's `rightsIdentifier` (already SPDX, lower
//! case), Creative Commons deed URLs. The identifiers and their spelling are
//! the SPDX License List's (https://spdx.org/licenses/); matching is without
//! case, and a text we cannot map is kept as the platform wrote it, marked as
//! not SPDX, so it is compared as text and never guessed.

use crate::observation::DeclaredLicense;

/// The SPDX identifiers catwatch knows: the platforms' values are matched
/// against them, and lint warns about an entry's id outside them. Common for
/// data and code; not the whole SPDX list.
pub const KNOWN: &[&str] = &[
    "CC0-1.0",
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-3.0",
    "CC-BY-ND-4.0",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-3.0-IGO",
    "CC-PDDC",
    "PDDL-1.0",
    "ODC-By-1.0",
    "ODbL-1.0",
    "CDLA-Permissive-1.0",
    "CDLA-Permissive-2.0",
    "CDLA-Sharing-1.0",
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "LGPL-3.0-only",
    "AGPL-3.0-only",
    "MPL-2.0",
    "Unlicense",
    "ISC",
    "OGL-UK-3.0",
    "etalab-2.0",
    "DL-DE-BY-2.0",
];

/// Platform spellings that are no SPDX identifier but name one (GitHub's
/// `gpl-3.0` is GPL-3.0-only in SPDX's current list).
const ALIASES: &[(&str, &str)] = &[
    ("cc0", "CC0-1.0"),
    ("cc0: public domain", "CC0-1.0"),
    ("public domain", "CC0-1.0"),
    ("cc-zero", "CC0-1.0"),
    ("gpl-2.0", "GPL-2.0-only"),
    ("gpl-3.0", "GPL-3.0-only"),
    ("gpl-3", "GPL-3.0-only"),
    ("lgpl-3.0", "LGPL-3.0-only"),
    ("agpl-3.0", "AGPL-3.0-only"),
    ("odbl", "ODbL-1.0"),
    (
        "database: open database, contents: database contents",
        "ODbL-1.0",
    ),
    ("apache 2.0", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("mit license", "MIT"),
];

/// The SPDX identifier a platform's licence text names, if any.
pub fn spdx(text: &str) -> Option<&'static str> {
    let key = squash(text);
    if key.is_empty() {
        return None;
    }
    if let Some((_, id)) = ALIASES.iter().find(|(alias, _)| squash(alias) == key) {
        return Some(id);
    }
    if let Some(id) = KNOWN.iter().find(|id| squash(id) == key) {
        return Some(id);
    }
    creative_commons(text)
}

/// What the platform declares, read as SPDX where it can be.
pub fn declared(text: &str, source: &str) -> Option<DeclaredLicense> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("other") || text.eq_ignore_ascii_case("unknown")
    {
        return None;
    }
    Some(match spdx(text) {
        Some(id) => DeclaredLicense {
            id: id.to_owned(),
            spdx: true,
            source: source.to_owned(),
        },
        None => DeclaredLicense {
            id: text.to_owned(),
            spdx: false,
            source: source.to_owned(),
        },
    })
}

/// Lower case, every run of spaces, underscores and dashes one dash, a
/// trailing "international" and "license" dropped.
fn squash(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '.' || c == ':' || c == '+' {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_owned();
    for tail in ["-international", "-license", "-licence", "-public"] {
        if let Some(stripped) = out.strip_suffix(tail) {
            out = stripped.to_owned();
        }
    }
    out
}

/// Creative Commons licences in any of the spellings the platforms use:
/// `CC BY-NC 4.0`, `Creative Commons Attribution 4.0 International`,
/// `https://creativecommons.org/licenses/by-nc/4.0/`.
fn creative_commons(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let words = lower
        .replace("creativecommons.org/licenses/", "cc ")
        .replace("creative commons", "cc")
        .replace("attribution", "by")
        .replace("noncommercial", "nc")
        .replace("non-commercial", "nc")
        .replace("sharealike", "sa")
        .replace("share-alike", "sa")
        .replace("noderivatives", "nd")
        .replace("noderivs", "nd")
        .replace("no-derivatives", "nd");
    let tokens: Vec<&str> = words
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .filter(|t| !t.is_empty())
        .collect();
    if !tokens.contains(&"cc") || !tokens.contains(&"by") {
        return None;
    }
    let version = tokens
        .iter()
        .find(|t| t.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
    let has = |part: &str| tokens.contains(&part);
    let mut id = String::from("CC-BY");
    for part in ["nc", "sa", "nd"] {
        if has(part) {
            id.push('-');
            id.push_str(&part.to_ascii_uppercase());
        }
    }
    id.push('-');
    id.push_str(version.trim_end_matches('.'));
    KNOWN.iter().find(|k| k.eq_ignore_ascii_case(&id)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_spellings_map_to_spdx() {
        for (text, id) in [
            ("cc-by-4.0", "CC-BY-4.0"),             // Zenodo metadata.license.id
            ("CC BY 4.0", "CC-BY-4.0"),             // figshare license.name
            ("CC BY-NC-SA 4.0", "CC-BY-NC-SA-4.0"), // Kaggle licenseName
            ("CC-BY-NC 4.0", "CC-BY-NC-4.0"),       // the AWS registry
            ("CC0: Public Domain", "CC0-1.0"),      // Kaggle
            ("cc0-1.0", "CC0-1.0"),                 // DataCite rightsIdentifier
            (
                "Creative Commons Attribution 4.0 International",
                "CC-BY-4.0",
            ),
            (
                "Creative Commons Attribution-NonCommercial 4.0 International Public License",
                "CC-BY-NC-4.0",
            ),
            (
                "https://creativecommons.org/licenses/by-nc-nd/4.0/",
                "CC-BY-NC-ND-4.0",
            ),
            ("mit", "MIT"), // GitHub spdx_id is MIT already
            ("apache-2.0", "Apache-2.0"),
            ("gpl-3.0", "GPL-3.0-only"),
            ("ODbL", "ODbL-1.0"),
        ] {
            assert_eq!(spdx(text), Some(id), "{text}");
        }
    }

    #[test]
    fn unknown_texts_are_kept_and_never_guessed() {
        assert_eq!(
            spdx("PhysioNet Credentialed Health Data License 1.5.0"),
            None
        );
        assert_eq!(spdx("CC BY"), None, "no version, no identifier");
        let kept = declared("Data Use Agreement", "x").unwrap();
        assert_eq!((kept.id.as_str(), kept.spdx), ("Data Use Agreement", false));
        assert!(declared("other", "x").is_none());
        assert!(declared("  ", "x").is_none());
    }
}
