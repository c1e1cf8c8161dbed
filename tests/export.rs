//! `catwatch export --format jsonld|dcat|csv`, the real binary on the shipped
//! catalog and on a scratch catalog with hostile names and a state file.
//!
//! The CSV is read back by Python's `csv` module; the JSON-LD is held to what
//! Google's Dataset documentation requires and recommends; the DCAT-AP Turtle
//! is validated by pyshacl against the official DCAT-AP 2.1.1 SHACL shapes
//! vendored in tests/fixtures/dcat-ap/ (scripts/setup.sh installs pyshacl
//! into target/test-venv; these tests fail when it is missing).

#[path = "support/lint_catalog.rs"]
mod lint_catalog;
#[path = "support/smtp_sink.rs"]
mod smtp_sink;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const NOW: &str = "2026-12-02T12:00:00Z";
const SURVEY: &str = "https://arxiv.org/abs/2004.04569";

fn shipped_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog")
}

fn shapes() -> [PathBuf; 2] {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dcat-ap");
    [
        dir.join("dcat-ap_2.1.1_shacl_shapes.ttl"),
        dir.join("dcat-ap_2.1.1_shacl_range.ttl"),
    ]
}

/// The binary in `dir` (where it looks for catwatch.toml and the state),
/// reading the catalog `catalog`.
fn catwatch(dir: &Path, catalog: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_catwatch"));
    cmd.current_dir(dir)
        .env_remove("CATWATCH_CONFIG")
        .env("CATWATCH_NOW", NOW)
        .env("NO_COLOR", "1")
        .arg("--catalog")
        .arg(catalog);
    cmd
}

fn run_ok(mut cmd: Command) -> String {
    let out = cmd.output().expect("run catwatch");
    assert!(
        out.status.success(),
        "{:?} exited {:?}: {}",
        cmd,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn export(dir: &Path, catalog: &Path, format: &str) -> String {
    let mut cmd = catwatch(dir, catalog);
    cmd.args(["export", "--format", format]);
    run_ok(cmd)
}

/// Runs a Python snippet with the test tools' Python (target/test-venv),
/// `input` on stdin; returns stdout.
fn python(code: &str, args: &[&Path], input: &str) -> String {
    let mut child = Command::new(smtp_sink::test_python())
        .arg("-c")
        .arg(code)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed (scripts/setup.sh)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed (run scripts/setup.sh for pyshacl and rdflib): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn entries(catalog: &Path) -> Vec<catwatch::catalog::Entry> {
    let today = catwatch::lint::today(NOW.parse().unwrap());
    catwatch::catalog::load_entries(catalog, today).expect("the catalog loads")
}

/// A copy of the good lint fixtures (covid-chestxray-dataset, covid-ct,
/// mosmeddata-covid19-1110) with a formula for a name, a name full of CSV and
/// Turtle syntax, a description under Google's 50 characters, a DOI, a
/// download URL, and a state file that knows one of them.
fn scratch() -> tempfile::TempDir {
    use lint_catalog::edit;
    let dir = lint_catalog::scratch_catalog();
    let catalog = dir.path().join("catalog");
    let ct = catalog.join("covid-ct.yaml");
    edit(&ct, "name: COVID-CT", "name: =cmd()");
    edit(
        &ct,
        "description: CT slices of COVID-19 and non-COVID-19 cases collected from preprints.",
        "description: CT slices.",
    );
    let cxr = catalog.join("covid-chestxray-dataset.yaml");
    edit(
        &cxr,
        "name: COVID-19 Image Data Collection",
        r#"name: 'Comma, "quoted" \ name'"#,
    );
    edit(
        &cxr,
        "  name: Per-image licences of the original sources (listed in metadata.csv)",
        "  name: -NC terms, per image",
    );
    let mosmed = catalog.join("mosmeddata-covid19-1110.yaml");
    edit(
        &mosmed,
        "    role: paper\n",
        "    role: paper\n  - url: https://doi.org/10.5281/zenodo.1234567\n    role: doi\n  \
         - url: https://example.org/files/covid19_1110.zip?part=a\n    role: download\n",
    );
    std::fs::create_dir(dir.path().join("state")).unwrap();
    std::fs::write(
        dir.path().join("state/catwatch-state.json"),
        r#"{"version": 2, "resources": {"mosmeddata-covid19-1110": {
            "status": "ok", "since": "2026-11-01T03:00:00Z",
            "observed": {"status": "ok", "reason": "alive", "message": "answered", "at": "2026-12-01T03:00:00Z"},
            "last_updated": {"at": "2025-06-01T10:20:30Z", "source": "test"}}}}"#,
    )
    .unwrap();
    dir
}

// ---------------------------------------------------------------- CSV

const READ_CSV: &str = "import csv, json, sys\n\
     print(json.dumps(list(csv.reader(sys.stdin, strict=True))))";

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    serde_json::from_str(&python(READ_CSV, &[], text)).unwrap()
}

const HEADER: [&str; 18] = [
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

#[test]
fn the_shipped_catalog_as_csv_reads_back_in_python_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = export(dir.path(), &shipped_catalog(), "csv");
    assert!(text.ends_with("\r\n"), "RFC 4180 line ends");
    let rows = csv_rows(&text);
    assert_eq!(rows[0], HEADER);
    let entries = entries(&shipped_catalog());
    assert_eq!(rows.len(), entries.len() + 1, "a header and one row each");
    for (row, entry) in rows[1..].iter().zip(&entries) {
        assert_eq!(row.len(), HEADER.len(), "{row:?}");
        assert_eq!(row[0], entry.id);
        assert_eq!(row[1], entry.name);
        let m = &entry.modalities;
        let flags: Vec<String> = [m.ct, m.xray, m.mrt, m.ultrasound, m.metadata, m.case_review]
            .iter()
            .map(|f| format!("{f:?}"))
            .collect();
        assert_eq!(row[4..10], flags[..], "{}", entry.id);
        assert_eq!(row[10], entry.access.as_str());
        assert_eq!(row[11], entry.license.spdx.clone().unwrap_or_default());
        assert_eq!(row[12], entry.license.name.clone().unwrap_or_default());
        assert_eq!(row[15..], ["", "", ""], "no state file, no status");
    }
}

#[test]
fn csv_quotes_syntax_and_defuses_formulas_and_fills_the_status_from_the_state() {
    let dir = scratch();
    let text = export(dir.path(), &dir.path().join("catalog"), "csv");
    let rows = csv_rows(&text);
    assert_eq!(
        rows,
        vec![
            HEADER.map(str::to_owned).to_vec(),
            [
                "covid-chestxray-dataset",
                r#"Comma, "quoted" \ name"#,
                "https://github.com/ieee8023/covid-chestxray-dataset",
                "imaging",
                "Y",
                "Y",
                "N",
                "N",
                "Y",
                "N",
                "open",
                "",
                "'-NC terms, per image",
                "believed",
                "unknown",
                "",
                "",
                "",
            ]
            .map(str::to_owned)
            .to_vec(),
            [
                "covid-ct",
                "'=cmd()",
                "https://github.com/UCSD-AI4H/COVID-CT",
                "imaging",
                "Y",
                "N",
                "N",
                "N",
                "Y",
                "N",
                "open",
                "",
                "",
                "unknown",
                "frozen",
                "",
                "",
                "",
            ]
            .map(str::to_owned)
            .to_vec(),
            [
                "mosmeddata-covid19-1110",
                "MosMedData COVID19_1110",
                "https://mosmed.ai/datasets/covid19_1110",
                "imaging",
                "Y",
                "N",
                "N",
                "N",
                "U",
                "N",
                "open",
                "CC-BY-NC-ND-3.0",
                "",
                "believed",
                "frozen",
                "ok",
                "2025-06-01T10:20:30Z",
                "2026-12-01T03:00:00Z",
            ]
            .map(str::to_owned)
            .to_vec(),
        ]
    );
}

#[test]
fn output_is_written_atomically_and_readable_by_all() {
    let dir = scratch();
    let catalog = dir.path().join("catalog");
    let target = dir.path().join("site/catalog.csv");
    let mut cmd = catwatch(dir.path(), &catalog);
    cmd.args(["export", "--format", "csv", "--output"])
        .arg(&target);
    assert_eq!(run_ok(cmd), "", "nothing on stdout");
    let written = std::fs::read_to_string(&target).unwrap();
    assert_eq!(written, export(dir.path(), &catalog, "csv"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    let left: Vec<_> = std::fs::read_dir(dir.path().join("site"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["catalog.csv"], "no temporary file left behind");
}

// ---------------------------------------------------------------- JSON-LD

fn is_http_url(value: &Value) -> bool {
    value
        .as_str()
        .and_then(|s| url::Url::parse(s).ok())
        .is_some_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// What Google's Dataset documentation requires of every `Dataset` (`name`,
/// and `description` of 50 to 5000 characters) and the types of the
/// recommended properties this export writes.
fn assert_google_dataset(d: &Value) {
    let id = &d["@id"];
    assert_eq!(d["@type"], "Dataset", "{id}");
    assert!(d["name"].as_str().is_some_and(|n| !n.is_empty()), "{id}");
    let description = d["description"].as_str().expect("a description");
    let length = description.chars().count();
    assert!(
        (50..=5000).contains(&length),
        "{id}: Google wants a description of 50 to 5000 characters, not {length}"
    );
    for key in ["url", "identifier", "license"] {
        if let Some(value) = d.get(key) {
            assert!(is_http_url(value), "{id}: {key} {value}");
        }
    }
    if let Some(free) = d.get("isAccessibleForFree") {
        assert!(free.is_boolean(), "{id}");
    }
    if let Some(modified) = d.get("dateModified") {
        let text = modified.as_str().expect("a date-time text");
        assert!(text.parse::<jiff::Timestamp>().is_ok(), "{id}: {text}");
    }
    if let Some(techniques) = d.get("measurementTechnique") {
        let list = techniques.as_array().expect("a list");
        assert!(
            !list.is_empty() && list.iter().all(Value::is_string),
            "{id}"
        );
    }
}

fn techniques(entry: &catwatch::catalog::Entry) -> Vec<&'static str> {
    use catwatch::catalog::entry::Flag::Y;
    let m = &entry.modalities;
    [
        (m.ct, "Computed tomography"),
        (m.xray, "Radiography"),
        (m.mrt, "Magnetic resonance imaging"),
        (m.ultrasound, "Ultrasonography"),
    ]
    .into_iter()
    .filter(|(flag, _)| *flag == Y)
    .map(|(_, name)| name)
    .collect()
}

#[test]
fn every_shipped_dataset_has_what_google_requires_and_what_it_recommends_where_known() {
    use catwatch::catalog::entry::{Access, LicenseStatus, UrlRole};
    let dir = tempfile::tempdir().unwrap();
    let doc: Value =
        serde_json::from_str(&export(dir.path(), &shipped_catalog(), "jsonld")).unwrap();
    assert_eq!(doc["@context"], "https://schema.org");
    assert_eq!(doc["@type"], "DataCatalog");
    assert!(doc["name"].is_string() && doc["description"].is_string());
    let datasets = doc["dataset"].as_array().expect("dataset: [...]");
    let entries = entries(&shipped_catalog());
    assert_eq!(datasets.len(), entries.len());
    for (d, entry) in datasets.iter().zip(&entries) {
        assert_google_dataset(d);
        assert_eq!(d["name"], entry.name.as_str());
        let doi = entry.urls.iter().find(|u| u.role == UrlRole::Doi);
        assert_eq!(
            d.get("identifier").and_then(Value::as_str),
            doi.map(|u| u.url.as_str()),
            "{}",
            entry.id
        );
        let license_known = entry.license.status != LicenseStatus::Unknown
            && (entry.license.url.is_some() || entry.license.spdx.is_some());
        assert_eq!(d.get("license").is_some(), license_known, "{}", entry.id);
        if let (Some(spdx), None, true) = (&entry.license.spdx, &entry.license.url, license_known) {
            assert_eq!(
                d["license"],
                format!("https://spdx.org/licenses/{spdx}.html")
            );
        }
        let free = matches!(
            entry.access,
            Access::Open | Access::Registration | Access::Agreement
        );
        assert_eq!(
            d.get("isAccessibleForFree") == Some(&Value::Bool(true)),
            free
        );
        let expected = techniques(entry);
        match d.get("measurementTechnique") {
            Some(list) => assert_eq!(list, &serde_json::json!(expected), "{}", entry.id),
            None => assert!(expected.is_empty(), "{}", entry.id),
        }
        assert_eq!(
            d.get("citation").map(|c| &c["url"]),
            entry
                .provenance
                .survey_reference
                .map(|_| Value::from(SURVEY))
                .as_ref(),
            "{}",
            entry.id
        );
        assert!(d.get("dateModified").is_none(), "no state file, no date");
    }
}

#[test]
fn a_short_description_is_exported_as_it_is_and_dates_come_from_the_state() {
    let dir = scratch();
    let doc: Value =
        serde_json::from_str(&export(dir.path(), &dir.path().join("catalog"), "jsonld")).unwrap();
    let datasets = doc["dataset"].as_array().unwrap();
    // Nothing is padded: covid-ct's "CT slices." stays 10 characters, which
    // Google's Dataset rich results would reject (50 to 5000). The shipped
    // catalog's descriptions all pass (the test above).
    assert_eq!(datasets[1]["name"], "=cmd()");
    assert_eq!(datasets[1]["description"], "CT slices.");
    assert!(datasets[1]["description"].as_str().unwrap().len() < 50);
    let mosmed = &datasets[2];
    assert_google_dataset(mosmed);
    assert_eq!(mosmed["dateModified"], "2025-06-01T10:20:30Z");
    assert_eq!(
        mosmed["identifier"],
        "https://doi.org/10.5281/zenodo.1234567"
    );
    assert_eq!(
        mosmed["license"],
        "https://spdx.org/licenses/CC-BY-NC-ND-3.0.html"
    );
    assert!(mosmed.get("citation").is_none(), "not in the survey");
    assert_eq!(
        mosmed["description"],
        "Chest CT studies from Moscow hospitals, 50 of them with infection masks."
    );
}

/// The JSON-LD of `<script type="application/ld+json">` in an HTML page.
fn embedded_jsonld(page: &str) -> Value {
    let open = "<script type=\"application/ld+json\">";
    assert_eq!(page.matches("<script").count(), 1, "one script element");
    let start = page.find(open).expect("a JSON-LD script") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).expect("the embedded JSON-LD parses")
}

#[test]
fn the_status_page_embeds_the_same_json_ld() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = catwatch(dir.path(), &shipped_catalog());
    cmd.args(["report", "--format", "html"]);
    let page = embedded_jsonld(&run_ok(cmd));
    let exported: Value =
        serde_json::from_str(&export(dir.path(), &shipped_catalog(), "jsonld")).unwrap();
    assert_eq!(page, exported);
    for d in page["dataset"].as_array().unwrap() {
        assert!(
            d["description"].as_str().is_some_and(|t| t.len() >= 50),
            "Google's required description: {d}"
        );
    }
}

#[test]
fn the_status_page_json_ld_survives_a_name_that_closes_the_script() {
    let dir = scratch();
    lint_catalog::edit(
        &dir.path().join("catalog/covid-ct.yaml"),
        "name: =cmd()",
        "name: '</script><!--<script>x'",
    );
    let mut cmd = catwatch(dir.path(), &dir.path().join("catalog"));
    cmd.args(["report", "--format", "html"]);
    let html = run_ok(cmd);
    assert!(
        !html.contains("</script><!--"),
        "the name cannot close the element"
    );
    let page = embedded_jsonld(&html);
    assert_eq!(page["dataset"][1]["name"], "</script><!--<script>x");
}

// ---------------------------------------------------------------- DCAT-AP

/// pyshacl over `turtle` with the vendored shapes (no inference: the export
/// types every node the range shapes look at). Returns (conforms, report).
fn shacl(turtle: &str) -> (bool, String) {
    const VALIDATE: &str = "import sys, pyshacl, rdflib\n\
         data = rdflib.Graph().parse(data=sys.stdin.read(), format='turtle')\n\
         shapes = rdflib.Graph()\n\
         for path in sys.argv[1:]:\n    shapes.parse(path, format='turtle')\n\
         conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference='none')\n\
         print('CONFORMS' if conforms else 'VIOLATES')\n\
         print(text)";
    let [a, b] = shapes();
    let out = python(VALIDATE, &[&a, &b], turtle);
    (out.starts_with("CONFORMS"), out)
}

#[test]
fn the_shipped_catalog_as_dcat_ap_passes_the_official_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let turtle = export(dir.path(), &shipped_catalog(), "dcat");
    let (conforms, report) = shacl(&turtle);
    assert!(conforms, "{report}");
    assert_eq!(
        turtle.matches(" a dcat:Dataset ;").count(),
        entries(&shipped_catalog()).len()
    );
}

#[test]
fn the_shapes_reject_a_dataset_without_a_title_and_an_untyped_landing_page() {
    let dir = tempfile::tempdir().unwrap();
    let turtle = export(dir.path(), &shipped_catalog(), "dcat");
    // The first dataset's title is its first line after its class.
    let at = turtle.find(" a dcat:Dataset ;\n").unwrap() + " a dcat:Dataset ;\n".len();
    let line = turtle[at..].find('\n').unwrap() + 1;
    assert!(turtle[at..at + line].trim_start().starts_with("dct:title "));
    let untitled = format!("{}{}", &turtle[..at], &turtle[at + line..]);
    let (conforms, report) = shacl(&untitled);
    assert!(!conforms, "a dataset without dct:title must fail: {report}");
    assert!(report.contains("dct:title") || report.contains("purl.org/dc/terms/title"));
    // The range shapes are in force too: a landing page not typed foaf:Document fails.
    let untyped: String = turtle
        .lines()
        .filter(|l| !l.ends_with(" a foaf:Document ."))
        .map(|l| format!("{l}\n"))
        .collect();
    let (conforms, report) = shacl(&untyped);
    assert!(!conforms, "an untyped landing page must fail: {report}");
    assert!(report.contains("ClassConstraintComponent"), "{report}");
}

#[test]
fn dcat_escapes_hostile_text_and_iris_and_dates_come_from_the_state() {
    let dir = scratch();
    let turtle = export(dir.path(), &dir.path().join("catalog"), "dcat");
    let (conforms, report) = shacl(&turtle);
    assert!(conforms, "{report}\n{turtle}");
    // Read back by rdflib: the title is the name, byte for byte.
    const TITLES: &str = "import json, sys, rdflib\n\
         g = rdflib.Graph().parse(data=sys.stdin.read(), format='turtle')\n\
         DCT = rdflib.Namespace('http://purl.org/dc/terms/')\n\
         DCAT = rdflib.Namespace('http://www.w3.org/ns/dcat#')\n\
         out = {}\n\
         for d in g.subjects(rdflib.RDF.type, DCAT.Dataset):\n    \
             dists = list(g.objects(d, DCAT.distribution))\n    \
             out[str(g.value(d, DCT.title))] = {\n        \
                 'modified': str(g.value(d, DCT.modified) or ''),\n        \
                 'identifier': str(g.value(d, DCT.identifier) or ''),\n        \
                 'download': sorted(str(u) for x in dists for u in g.objects(x, DCAT.downloadURL)),\n        \
                 'access': sorted(str(u) for x in dists for u in g.objects(x, DCAT.accessURL)),\n    }\n\
         print(json.dumps(out, sort_keys=True))";
    let read: Value = serde_json::from_str(&python(TITLES, &[], &turtle)).unwrap();
    let hostile = &read[r#"Comma, "quoted" \ name"#];
    assert_eq!(hostile["modified"], "", "not in the state");
    assert_eq!(
        hostile["access"],
        serde_json::json!(["https://github.com/ieee8023/covid-chestxray-dataset"])
    );
    let mosmed = &read["MosMedData COVID19_1110"];
    assert_eq!(mosmed["modified"], "2025-06-01T10:20:30+00:00");
    assert_eq!(
        mosmed["identifier"],
        "https://doi.org/10.5281/zenodo.1234567"
    );
    assert_eq!(
        mosmed["download"],
        serde_json::json!(["https://example.org/files/covid19_1110.zip?part=a"])
    );
    assert!(read.get("=cmd()").is_some());
}
