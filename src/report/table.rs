//! The catalog as the survey's Table 1, in Markdown, and the splice that puts
//! it between its markers in CATALOG.md. Pure: strings in, strings out.

use crate::catalog::entry::{Access, Entry, Flag, UrlRole};

pub const START_MARKER: &str = "<!-- catwatch:table:start -->";
pub const END_MARKER: &str = "<!-- catwatch:table:end -->";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error(
        "the markers `{START_MARKER}` and `{END_MARKER}` are missing or out of order; add them, once each, where the table belongs"
    )]
    Markers,
}

/// One row per resource, sorted by name: the name linked to its landing page,
/// the six flags in the survey's column order, access and survey reference.
pub fn render(entries: &[Entry]) -> String {
    let mut rows: Vec<&Entry> = entries.iter().collect();
    rows.sort_by_cached_key(|e| (e.name.to_lowercase(), e.id.clone()));
    let mut out = String::from("| Resource |");
    if let Some(first) = entries.first() {
        for (title, _) in first.modalities.columns() {
            out.push_str(&format!(" {title} |"));
        }
    } else {
        out.push_str(" CT | X-ray | MRT | Ultrasound | Metadata | Case review |");
    }
    out.push_str(
        " Access | Licence | Verified | Survey ref. |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for entry in rows {
        out.push_str(&format!("| {} |", name_cell(entry)));
        for (_, flag) in entry.modalities.columns() {
            out.push_str(match flag {
                Flag::Y => " Y |",
                Flag::N => " N |",
                Flag::U => " U |",
            });
        }
        let reference = entry
            .provenance
            .survey_reference
            .map(|n| format!("\\[{n}\\]"))
            .unwrap_or_default();
        out.push_str(&format!(
            " {} | {} | {} | {reference} |\n",
            access(entry.access),
            license_cell(&entry.license),
            entry.provenance.last_verified
        ));
    }
    out
}

/// The licence and how sure the catalog is of it: `CC-BY-4.0` when its text
/// or the resource's own statement was read, `CC-BY-4.0 (believed)` when a
/// secondary source says so, `unknown` when none does. Linked to the
/// licence's text when the entry gives it.
pub fn license_cell(license: &crate::catalog::entry::License) -> String {
    use crate::catalog::entry::LicenseStatus;
    let named = license
        .spdx
        .as_deref()
        .or(license.name.as_deref())
        .map(escape_markdown);
    let named = match (named, &license.url) {
        (Some(name), Some(url)) if matches!(url.scheme(), "http" | "https") => {
            format!("[{name}]({})", escape_link(url.as_str()))
        }
        (Some(name), _) => name,
        (None, _) => return "unknown".into(),
    };
    match license.status {
        LicenseStatus::Confirmed => named,
        LicenseStatus::Believed => format!("{named} (believed)"),
        LicenseStatus::Unknown => "unknown".into(),
    }
}

fn access(access: Access) -> &'static str {
    match access {
        Access::Open => "open",
        Access::Registration => "registration",
        Access::Request => "on request",
        Access::Agreement => "agreement",
        Access::Closed => "closed",
    }
}

/// The entry's name, linked to its landing page (else its repository, else
/// its first URL). A URL that is not http(s) is never linked, whatever lint said.
fn name_cell(entry: &Entry) -> String {
    let name = escape_markdown(&entry.name);
    let url = [UrlRole::Landing, UrlRole::Repository]
        .iter()
        .find_map(|role| entry.urls.iter().find(|u| u.role == *role))
        .or(entry.urls.first())
        .map(|u| &u.url)
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    match url {
        Some(url) => format!("[{name}]({})", escape_link(url.as_str())),
        None => name,
    }
}

/// Escapes text for a Markdown table cell: table pipes, emphasis, links, HTML,
/// and mentions (`@team`, `#123`), which get a zero-width space.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '@' | '#' => {
                out.push(c);
                out.push('\u{200B}');
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if crate::text::is_hidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn escape_link(url: &str) -> String {
    url.replace('(', "%28")
        .replace(')', "%29")
        .replace('|', "%7C")
        .replace(' ', "%20")
}

/// Replaces what lies between the markers with `table`.
pub fn splice(document: &str, table: &str) -> Result<String, TableError> {
    let start = document.find(START_MARKER).ok_or(TableError::Markers)?;
    let after_start = start + START_MARKER.len();
    let end = document[after_start..]
        .find(END_MARKER)
        .map(|i| after_start + i)
        .ok_or(TableError::Markers)?;
    if document[end + END_MARKER.len()..].contains(START_MARKER) {
        return Err(TableError::Markers);
    }
    Ok(format!(
        "{}\n\n{}\n{}",
        &document[..after_start],
        table,
        &document[end..]
    ))
}

/// A fresh CATALOG.md around the table.
pub fn new_document(table: &str) -> String {
    let skeleton = format!(
        "# The catwatch catalog\n\n\
         Public COVID-19 medical imaging resources, as in Table 1 of the survey\n\
         *COVID-19: A Survey On Public Medical Imaging Data Resources*: one row per\n\
         resource, with the survey's columns (Y yes, N no, U unknown: no source\n\
         confirms it), then how the data can be had (access), under which licence\n\
         (a bare name: read in the licence text or the resource's own statement;\n\
         \"(believed)\": reported by a secondary source; \"unknown\": no source found),\n\
         and the date the entry was last read at its sources. Each row comes from\n\
         one file in `catalog/`; the survey reference number is given for the\n\
         resources the survey listed.\n\n\
         Generated by `catwatch table` from the catalog; do not edit the table by\n\
         hand (CI runs `catwatch table --check`). To add or fix a resource, see\n\
         CONTRIBUTING.md.\n\n\
         {START_MARKER}\n{END_MARKER}\n"
    );
    splice(&skeleton, table).expect("the skeleton has both markers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_escaped_in_cells() {
        assert_eq!(escape_markdown("a | b"), "a \\| b");
        assert_eq!(
            escape_markdown("[x](javascript:y)"),
            "\\[x\\](javascript:y)"
        );
        assert_eq!(escape_markdown("@team #1\nz"), "@\u{200B}team #\u{200B}1 z");
        assert_eq!(escape_markdown("<b>*x*</b>"), "\\<b\\>\\*x\\*\\</b\\>");
    }

    fn fixture_entry() -> Entry {
        let doc = crate::catalog::yaml::parse(include_str!(
            "../../tests/fixtures/lint/good/covid-ct.yaml"
        ))
        .unwrap();
        serde_json::from_value(doc.value).unwrap()
    }

    #[test]
    fn rows_follow_the_survey_column_order() {
        let table = render(&[fixture_entry()]);
        assert_eq!(
            table,
            "| Resource | CT | X-ray | MRT | Ultrasound | Metadata | Case review | Access | Licence | Verified | Survey ref. |\n\
             |---|---|---|---|---|---|---|---|---|---|---|\n\
             | [COVID-CT](https://github.com/UCSD-AI4H/COVID-CT) | Y | N | N | N | Y | N | open | unknown | 2026-11-20 | \\[21\\] |\n"
        );
    }

    #[test]
    fn the_licence_cell_says_how_sure_the_catalog_is() {
        use crate::catalog::entry::{License, LicenseStatus};
        let license = |status| License {
            spdx: Some("CC-BY-4.0".into()),
            name: None,
            url: Some(
                "https://creativecommons.org/licenses/by/4.0/"
                    .parse()
                    .unwrap(),
            ),
            status,
        };
        assert_eq!(
            license_cell(&license(LicenseStatus::Confirmed)),
            "[CC-BY-4.0](https://creativecommons.org/licenses/by/4.0/)"
        );
        assert!(license_cell(&license(LicenseStatus::Believed)).ends_with(" (believed)"));
        assert_eq!(license_cell(&license(LicenseStatus::Unknown)), "unknown");
    }

    #[test]
    fn non_web_urls_are_never_linked() {
        // Case 35: lint refuses these, and the renderer refuses them again.
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
        ] {
            let mut entry = fixture_entry();
            entry.urls[0].url = url::Url::parse(bad).unwrap();
            let table = render(&[entry]);
            assert!(table.contains("| COVID-CT | Y |"), "{table}");
            assert!(!table.contains(bad), "{table}");
        }
    }

    #[test]
    fn splice_replaces_between_markers_only() {
        let doc = format!("intro\n{START_MARKER}\nold\n{END_MARKER}\noutro\n");
        let new = splice(&doc, "| t |\n").unwrap();
        assert_eq!(
            new,
            format!("intro\n{START_MARKER}\n\n| t |\n\n{END_MARKER}\noutro\n")
        );
        assert_eq!(
            splice(&new, "| t |\n").unwrap(),
            new,
            "splicing is idempotent"
        );
        assert_eq!(splice("no markers", "x"), Err(TableError::Markers));
        assert_eq!(
            splice(&format!("{END_MARKER}{START_MARKER}"), "x"),
            Err(TableError::Markers)
        );
    }
}
