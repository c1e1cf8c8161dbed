//! The catalog for other programs: schema.org JSON-LD for search engines
//! (also embedded in the status page), a DCAT-AP 2.1 catalog in Turtle for
//! data portals, and CSV for spreadsheets.
//!
//! Each format is a pure function from the report model (every entry with
//! what the state remembers of it: status, last update, last check) and the
//! entries, for what the model does not carry (description, DOI, download
//! URLs). Nothing here reads or writes a file; `commands/export.rs` does.
//!
//! Outside text never becomes syntax on its own: JSON goes through
//! serde_json, Turtle through [`turtle_literal`] and [`turtle_iri`], CSV
//! through [`csv_cell`] (RFC 4180 quoting, and a leading `'` before a cell
//! that a spreadsheet would run as a formula).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use url::Url;

use crate::catalog::Entry;
use crate::catalog::entry::{
    Access, Flag, License, LicenseStatus, Maintenance, Modalities, ResourceKind, UrlRole,
};
use crate::report::common::flag_letter;
use crate::report::escape::safe_link;
use crate::report::model::{ResourceStatus, StatusReport};

/// The project's home; the catalog's and the datasets' IRIs are built on it.
const HOME: &str = env!("CARGO_PKG_REPOSITORY");
const CATALOG_TITLE: &str = "catwatch: public COVID-19 medical imaging resources";
const CATALOG_DESCRIPTION: &str = "A living catalog of public COVID-19 medical imaging data \
     resources (CT, X-ray, MRT, ultrasound), grown from the 2020 survey by Kalkreuth and \
     Kaufmann: for each resource its modalities, access and licence, and from catwatch's \
     nightly checks whether it is still online and when it was last updated.";
const PUBLISHER: &str = "The catwatch maintainers";

/// The survey the catalog grew from, cited by every entry that has a
/// `provenance.survey_reference`.
const SURVEY_TITLE: &str = "COVID-19: A Survey on Public Medical Imaging Data Resources";
const SURVEY_AUTHORS: [&str; 2] = ["Roman Kalkreuth", "Paul Kaufmann"];
const SURVEY_URL: &str = "https://arxiv.org/abs/2004.04569";

/// The CSV header, in column order.
pub const CSV_COLUMNS: [&str; 18] = [
    "id",
    "name",
    "url",
    "kind",
    "ct",
    "xray",
    "mrt",
    "ultrasound",
    "metadata",
    "case_review",
    "access",
    "license_spdx",
    "license_name",
    "license_status",
    "maintenance",
    "status",
    "last_updated",
    "last_checked",
];

// ---------------------------------------------------------------- JSON-LD

/// The catalog as schema.org JSON-LD: one `DataCatalog` whose `dataset` holds
/// a `Dataset` per resource, in catalog order. Without `entries` (the status
/// page has only the report), the datasets lack what only entries know:
/// `description` and `identifier`.
pub fn jsonld(report: &StatusReport, entries: &[Entry]) -> String {
    let datasets: Vec<Value> = records(report, entries)
        .iter()
        .map(Record::jsonld)
        .collect();
    let catalog = json!({
        "@context": "https://schema.org",
        "@type": "DataCatalog",
        "@id": catalog_iri(),
        "name": CATALOG_TITLE,
        "description": CATALOG_DESCRIPTION,
        "url": HOME,
        "dataset": datasets,
    });
    let mut text = serde_json::to_string_pretty(&catalog).unwrap_or_default();
    text.push('\n');
    text
}

fn survey_citation() -> Value {
    json!({
        "@type": "ScholarlyArticle",
        "name": SURVEY_TITLE,
        "author": SURVEY_AUTHORS
            .iter()
            .map(|name| json!({"@type": "Person", "name": name}))
            .collect::<Vec<_>>(),
        "datePublished": "2020",
        "url": SURVEY_URL,
    })
}

// ---------------------------------------------------------------- DCAT-AP

/// The catalog as DCAT-AP 2.1 in Turtle: a `dcat:Catalog` with its publisher
/// and one `dcat:Dataset` per resource, each with a `dcat:Distribution` per
/// download URL (or one giving access at the landing page). The landing pages
/// and licences are typed (`foaf:Document`, `dct:LicenseDocument`), as the
/// DCAT-AP range shapes require.
pub fn dcat(report: &StatusReport, entries: &[Entry]) -> String {
    let records = records(report, entries);
    let mut out = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n\
         @prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix foaf: <http://xmlns.com/foaf/0.1/> .\n\
         @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n",
    );
    let mut catalog = vec![
        format!("dct:title {}", english(CATALOG_TITLE)),
        format!("dct:description {}", english(CATALOG_DESCRIPTION)),
        format!(
            "dct:publisher [ a foaf:Agent ; foaf:name {} ]",
            turtle_literal(PUBLISHER)
        ),
        format!("foaf:homepage {}", turtle_iri(HOME)),
    ];
    if !records.is_empty() {
        let datasets: Vec<String> = records
            .iter()
            .map(|r| turtle_iri(&dataset_iri(&r.status.id)))
            .collect();
        catalog.push(format!("dcat:dataset {}", datasets.join(",\n        ")));
    }
    subject(
        &mut out,
        &turtle_iri(&catalog_iri()),
        "dcat:Catalog",
        &catalog,
    );
    let mut documents = BTreeSet::from([HOME.to_owned()]);
    let mut licenses = BTreeSet::new();
    for record in &records {
        let (about, landing, license) = record.dcat();
        subject(
            &mut out,
            &turtle_iri(&dataset_iri(&record.status.id)),
            "dcat:Dataset",
            &about,
        );
        documents.extend(landing);
        licenses.extend(license);
    }
    for iri in documents {
        let _ = writeln!(out, "{} a foaf:Document .", turtle_iri(&iri));
    }
    for iri in licenses {
        let _ = writeln!(out, "{} a dct:LicenseDocument .", turtle_iri(&iri));
    }
    out
}

/// One Turtle subject with its class and `predicate object` pairs.
fn subject(out: &mut String, iri: &str, class: &str, pairs: &[String]) {
    let _ = write!(out, "{iri} a {class}");
    for pair in pairs {
        let _ = write!(out, " ;\n    {pair}");
    }
    out.push_str(" .\n\n");
}

fn catalog_iri() -> String {
    format!("{HOME}#catalog")
}

fn dataset_iri(id: &str) -> String {
    format!("{HOME}#dataset-{id}")
}

/// A Turtle string literal: `"` and `\` escaped, line breaks and every other
/// control character written as escapes, so no text can end the literal.
fn turtle_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn english(text: &str) -> String {
    format!("{}@en", turtle_literal(text))
}

/// An absolute IRI in Turtle's `<...>` form. The characters that Turtle's
/// IRIREF forbids (controls, space, `<>"{}|^` and backtick, backslash) are
/// percent-encoded, which leaves an http(s) URL naming the same resource.
fn turtle_iri(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 2);
    out.push('<');
    for c in raw.chars() {
        if c <= ' ' || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\') {
            let mut utf8 = [0; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        } else {
            out.push(c);
        }
    }
    out.push('>');
    out
}

// ---------------------------------------------------------------- CSV

/// The catalog as CSV (RFC 4180, CRLF line ends): a header, then one row per
/// resource. The status columns are empty for a resource never checked (and
/// for all of them without a state file).
pub fn csv(report: &StatusReport) -> String {
    let mut out = String::new();
    csv_row(&mut out, CSV_COLUMNS);
    for r in &report.resources {
        let m = &r.modalities;
        csv_row(
            &mut out,
            [
                r.id.as_str(),
                &r.name,
                &r.url,
                kind_text(r.kind),
                flag_letter(m.ct),
                flag_letter(m.xray),
                flag_letter(m.mrt),
                flag_letter(m.ultrasound),
                flag_letter(m.metadata),
                flag_letter(m.case_review),
                r.access.as_str(),
                r.license.spdx.as_deref().unwrap_or(""),
                r.license.name.as_deref().unwrap_or(""),
                license_status_text(r.license.status),
                maintenance_text(r.maintenance),
                r.status.map_or("", |s| s.as_str()),
                &r.last_updated
                    .as_ref()
                    .map(|d| d.at.to_string())
                    .unwrap_or_default(),
                &r.last_checked.map(|t| t.to_string()).unwrap_or_default(),
            ],
        );
    }
    out
}

fn csv_row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(cell));
    }
    out.push_str("\r\n");
}

/// One CSV cell. A cell that a spreadsheet would read as a formula (it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
/// OWASP's CSV injection guidance says; then a cell holding a comma, a quote
/// or a line break is quoted, its quotes doubled (RFC 4180).
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

// ---------------------------------------------------------------- one resource

/// One resource as the exports see it: its row of the report, and its entry
/// when the caller has the catalog.
struct Record<'a> {
    status: &'a ResourceStatus,
    entry: Option<&'a Entry>,
}

fn records<'a>(report: &'a StatusReport, entries: &'a [Entry]) -> Vec<Record<'a>> {
    let by_id: HashMap<&str, &Entry> = entries.iter().map(|e| (e.id.as_str(), e)).collect();
    report
        .resources
        .iter()
        .map(|status| Record {
            status,
            entry: by_id.get(status.id.as_str()).copied(),
        })
        .collect()
}

impl<'a> Record<'a> {
    fn description(&self) -> Option<&'a str> {
        self.entry
            .map(|e| e.description.trim())
            .or(Some(self.status.description.trim()))
            .filter(|d| !d.is_empty())
    }

    fn urls(&self, role: UrlRole) -> Vec<&'a Url> {
        self.entry.map_or_else(Vec::new, |e| {
            e.urls
                .iter()
                .filter(|u| u.role == role)
                .map(|u| &u.url)
                .collect()
        })
    }

    /// The entry's DOI link: from the catalog when the caller has it, else
    /// as the status report carries it.
    fn doi(&self) -> Option<Url> {
        self.urls(UrlRole::Doi)
            .into_iter()
            .next()
            .cloned()
            .or_else(|| self.status.doi.as_deref().and_then(safe_link))
    }

    /// The page a reader starts from (the report's URL: the landing page,
    /// else the entry's first URL), when it is http(s).
    fn landing(&self) -> Option<Url> {
        safe_link(&self.status.url)
    }

    fn jsonld(&self) -> Value {
        let r = self.status;
        let mut d = Map::new();
        let mut put = |key: &str, value: Value| {
            d.insert(key.to_owned(), value);
        };
        put("@type", "Dataset".into());
        put("@id", dataset_iri(&r.id).into());
        put("name", r.name.as_str().into());
        if let Some(description) = self.description() {
            put("description", description.into());
        }
        if let Some(url) = self.landing() {
            put("url", url.as_str().into());
        }
        if let Some(doi) = self.doi() {
            put("identifier", doi.as_str().into());
        }
        if let Some(license) = license_iri(&r.license) {
            put("license", license.into());
        }
        if let Some(free) = free_of_charge(r.access) {
            put("isAccessibleForFree", free.into());
        }
        if let Some(updated) = &r.last_updated {
            put("dateModified", updated.at.to_string().into());
        }
        let techniques = techniques(&r.modalities);
        if !techniques.is_empty() {
            put("measurementTechnique", techniques.into());
        }
        if r.survey_reference.is_some() {
            put("citation", survey_citation());
        }
        Value::Object(d)
    }

    /// The dataset's `predicate object` pairs, with the landing page and
    /// licence IRIs it points at (to be typed once for the whole catalog).
    fn dcat(&self) -> (Vec<String>, Option<String>, Option<String>) {
        let r = self.status;
        let mut pairs = vec![format!("dct:title {}", english(&r.name))];
        if let Some(description) = self.description() {
            pairs.push(format!("dct:description {}", english(description)));
        }
        if let Some(doi) = self.doi() {
            pairs.push(format!("dct:identifier {}", turtle_literal(doi.as_str())));
        }
        let landing = self.landing().map(String::from);
        if let Some(page) = &landing {
            pairs.push(format!("dcat:landingPage {}", turtle_iri(page)));
        }
        let keywords: Vec<String> = techniques(&r.modalities).into_iter().map(english).collect();
        if !keywords.is_empty() {
            pairs.push(format!("dcat:keyword {}", keywords.join(", ")));
        }
        let license = license_iri(&r.license);
        if let Some(iri) = &license {
            pairs.push(format!("dct:license {}", turtle_iri(iri)));
        }
        if let Some(updated) = &r.last_updated {
            pairs.push(format!(
                "dct:modified {}^^xsd:dateTime",
                turtle_literal(&updated.at.to_string())
            ));
        }
        let distribution = |access: &str, download: Option<&str>| {
            let mut parts = vec![
                "a dcat:Distribution".to_owned(),
                format!("dcat:accessURL {}", turtle_iri(access)),
            ];
            if let Some(file) = download {
                parts.push(format!("dcat:downloadURL {}", turtle_iri(file)));
            }
            if let Some(iri) = &license {
                parts.push(format!("dct:license {}", turtle_iri(iri)));
            }
            format!("[ {} ]", parts.join(" ; "))
        };
        let downloads = self.urls(UrlRole::Download);
        let distributions: Vec<String> = if downloads.is_empty() {
            landing
                .iter()
                .map(|page| distribution(page, None))
                .collect()
        } else {
            downloads
                .iter()
                .map(|url| distribution(url.as_str(), Some(url.as_str())))
                .collect()
        };
        if !distributions.is_empty() {
            pairs.push(format!(
                "dcat:distribution {}",
                distributions.join(",\n        ")
            ));
        }
        (pairs, landing, license)
    }
}

/// The licence as an IRI, when the catalog knows the licence: its own URL,
/// else the SPDX License List's page for its identifier.
fn license_iri(license: &License) -> Option<String> {
    if license.status == LicenseStatus::Unknown {
        return None;
    }
    license.url.as_ref().map(Url::to_string).or_else(|| {
        license
            .spdx
            .as_ref()
            .map(|id| format!("https://spdx.org/licenses/{id}.html"))
    })
}

/// Whether the data costs nothing to get: an open download, a free account or
/// a click-through agreement. Unsaid for an application per request and for a
/// closed resource, where the catalog does not know.
fn free_of_charge(access: Access) -> Option<bool> {
    match access {
        Access::Open | Access::Registration | Access::Agreement => Some(true),
        Access::Request | Access::Closed => None,
    }
}

/// The imaging modalities the resource has (flag Y), as schema.org's
/// `measurementTechnique` and DCAT keywords name them.
fn techniques(modalities: &Modalities) -> Vec<&'static str> {
    [
        (modalities.ct, "Computed tomography"),
        (modalities.xray, "Radiography"),
        (modalities.mrt, "Magnetic resonance imaging"),
        (modalities.ultrasound, "Ultrasonography"),
    ]
    .into_iter()
    .filter(|(flag, _)| *flag == Flag::Y)
    .map(|(_, name)| name)
    .collect()
}

fn kind_text(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Imaging => "imaging",
        ResourceKind::Literature => "literature",
    }
}

fn license_status_text(status: LicenseStatus) -> &'static str {
    match status {
        LicenseStatus::Confirmed => "confirmed",
        LicenseStatus::Believed => "believed",
        LicenseStatus::Unknown => "unknown",
    }
}

fn maintenance_text(maintenance: Maintenance) -> &'static str {
    match maintenance {
        Maintenance::Active => "active",
        Maintenance::Frozen => "frozen",
        Maintenance::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_and_special_cells_are_quoted() {
        assert_eq!(csv_cell("=cmd()"), "'=cmd()");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_cell("=a,b"), "\"'=a,b\"");
        assert_eq!(csv_cell("plain a-b"), "plain a-b");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn turtle_literals_and_iris_cannot_be_broken_out_of() {
        assert_eq!(
            turtle_literal("a \"b\" \\ c\nd\u{7}"),
            r#""a \"b\" \\ c\nd\u0007""#
        );
        assert_eq!(
            turtle_iri("https://example.org/a b?q={x}|<y>^`\\\""),
            "<https://example.org/a%20b?q=%7Bx%7D%7C%3Cy%3E%5E%60%5C%22>"
        );
    }

    #[test]
    fn a_licence_is_an_iri_only_when_known() {
        let license = |spdx: Option<&str>, url: Option<&str>, status| License {
            spdx: spdx.map(str::to_owned),
            name: None,
            url: url.map(|u| u.parse().unwrap()),
            status,
        };
        assert_eq!(
            license_iri(&license(Some("CC-BY-4.0"), None, LicenseStatus::Confirmed)).as_deref(),
            Some("https://spdx.org/licenses/CC-BY-4.0.html")
        );
        assert_eq!(
            license_iri(&license(
                Some("CC-BY-4.0"),
                Some("https://example.org/terms"),
                LicenseStatus::Believed
            ))
            .as_deref(),
            Some("https://example.org/terms")
        );
        assert_eq!(
            license_iri(&license(Some("CC-BY-4.0"), None, LicenseStatus::Unknown)),
            None
        );
    }
}
