//! The report renderers: snapshots of every format, the JSON against its
//! schema, and the HTML page in real headless Chromium (Debian's `chromium`,
//! installed by scripts/setup.sh; these tests fail when it is missing).
//!
//! `CATWATCH_UPDATE_SCREENSHOT=1 cargo test --test reports screenshot`
//! rewrites docs/status-page.png from the shipped catalog.

#[path = "support/sample_report.rs"]
mod sample_report;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use catwatch::report::{badges, html, json, markdown};

// ---------------------------------------------------------------- snapshots

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(markdown::render(&sample_report::fixture()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(json::render(&sample_report::fixture()));
}

#[test]
fn badges_snapshot() {
    let files = badges::render(&sample_report::fixture()).unwrap();
    let listing: String = files
        .iter()
        .map(|(name, content)| format!("{name}: {content}"))
        .collect();
    insta::assert_snapshot!(listing);
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!(html::render(&sample_report::fixture()));
}

// ---------------------------------------------------------------- markdown

#[test]
fn markdown_neutralises_mentions_references_and_links_from_untrusted_text() {
    let text = markdown::render(&sample_report::fixture());
    assert!(text.contains("@\u{200B}team"), "{text}");
    assert!(text.contains("#\u{200B}12"), "{text}");
    assert!(!text.contains("@team") && !text.contains("#12"), "{text}");
    assert!(!text.contains("](javascript"), "{text}");
    assert!(!text.contains("<script>"), "{text}");
    // The name with a pipe stays inside its table cell.
    let row = text
        .lines()
        .find(|l| l.contains("Beta"))
        .expect("Beta's row");
    assert!(row.contains(r"Beta \| X\-ray \*set\*"), "{row}");
}

#[test]
fn markdown_lists_exactly_what_needs_attention() {
    let text = markdown::render(&sample_report::fixture());
    assert!(text.contains("## Needs attention (5)"), "{text}");
    let section: Vec<&str> = text
        .split("## Needs attention")
        .nth(1)
        .unwrap()
        .split("## All resources")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("- "))
        .collect();
    let order: Vec<&str> = section
        .iter()
        .map(|l| l.split('`').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        order,
        [
            "xss-probe",
            "delta-ultrasound",
            "beta-xray",
            "zeta-repo",
            "gamma-archive"
        ]
    );
}

// ---------------------------------------------------------------- json

fn status_schema() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/status-report.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .build(&status_schema())
        .expect("the schema compiles")
}

#[test]
fn json_output_validates_against_the_schema() {
    assert!(
        jsonschema::draft202012::meta::is_valid(&status_schema()),
        "the schema itself is valid JSON Schema 2020-12"
    );
    let validator = validator();
    for report in [sample_report::fixture(), sample_report::from_catalog()] {
        let value: serde_json::Value = serde_json::from_str(&json::render(&report)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(value["schema_version"], 1);
        assert_eq!(
            value["resources"].as_array().unwrap().len(),
            report.resources.len()
        );
    }
}

#[test]
fn the_schema_rejects_what_the_renderer_never_writes() {
    let validator = validator();
    let good: serde_json::Value =
        serde_json::from_str(&json::render(&sample_report::fixture())).unwrap();
    let broken = [
        ("/resources/0/status", serde_json::json!("sleeping")),
        ("/resources/0/id", serde_json::json!("../etc")),
        ("/generated_at", serde_json::json!("yesterday")),
        ("/schema_version", serde_json::json!(2)),
    ];
    for (pointer, value) in broken {
        let mut doc = good.clone();
        *doc.pointer_mut(pointer).unwrap() = value;
        assert!(!validator.is_valid(&doc), "{pointer} should be refused");
    }
    let mut extra = good.clone();
    extra["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&extra));
}

#[test]
fn json_summary_counts_by_status() {
    let value: serde_json::Value =
        serde_json::from_str(&json::render(&sample_report::fixture())).unwrap();
    assert_eq!(
        value["summary"],
        serde_json::json!({
            "total": 9, "never_checked": 1, "flapping": 1,
            "by_status": {"ok": 1, "stale": 1, "moved": 1, "archived": 1, "blocked": 1,
                          "failing": 1, "dead": 1, "unknown": 1}
        })
    );
}

// ---------------------------------------------------------------- badges

#[test]
fn badges_are_shields_endpoints_named_after_ids() {
    let report = sample_report::fixture();
    let files = badges::render(&report).unwrap();
    assert_eq!(files.len(), report.resources.len() + 1);
    assert_eq!(files[0].0, "_catalog.json");
    let catalog: serde_json::Value = serde_json::from_str(&files[0].1).unwrap();
    assert_eq!(catalog["message"], "1/9 ok");
    let dead: serde_json::Value =
        serde_json::from_str(&files.iter().find(|(n, _)| n == "xss-probe.json").unwrap().1)
            .unwrap();
    assert_eq!(
        dead,
        serde_json::json!({"schemaVersion": 1, "label": "xss-probe", "message": "dead", "color": "red"})
    );
}

#[test]
fn a_badge_for_an_unsafe_id_is_refused() {
    let mut report = sample_report::fixture();
    report.resources[0].id = "../../etc/passwd".into();
    let err = badges::render(&report).unwrap_err();
    assert!(err.to_string().contains("../../etc/passwd"), "{err}");
}

// ---------------------------------------------------------------- html in Chromium

struct BrowserRun {
    stdout: String,
    console: Vec<String>,
}

/// Runs headless Chromium on a local file with the given extra arguments,
/// with a deadline, and returns the DOM (for --dump-dom) and every console
/// line the page produced (CSP violations are console errors).
fn chromium(page: &Path, extra: &[&str]) -> BrowserRun {
    let work = tempfile::tempdir().unwrap();
    let stdout_path = work.path().join("stdout");
    let stderr_path = work.path().join("stderr");
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("chromium must be installed (scripts/setup.sh installs Debian's chromium)");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    BrowserRun {
        stdout: std::fs::read_to_string(&stdout_path).unwrap(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

fn write_page(dir: &Path, html: &str) -> PathBuf {
    let path = dir.join("status.html");
    std::fs::write(&path, html).unwrap();
    path
}

#[test]
fn the_page_renders_in_chromium_without_console_errors_and_shows_script_names_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), &html::render(&sample_report::fixture()));
    let run = chromium(&page, &["--dump-dom"]);
    assert!(run.console.is_empty(), "console output: {:#?}", run.console);
    let dom = run.stdout;
    assert!(dom.contains("</table>"), "the page rendered: {dom}");
    // One script element, the schema.org data block, which no browser runs.
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the JSON-LD data block: {dom}"
    );
    assert_eq!(
        dom.matches("<script type=\"application/ld+json\">").count(),
        1,
        "the one script element is JSON-LD data"
    );
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the hostile name is text: {dom}"
    );
    let hrefs: Vec<&str> = dom.split("href=\"").skip(1).collect();
    assert!(!hrefs.is_empty());
    for href in hrefs {
        assert!(
            href.starts_with("https://")
                || href.starts_with("http://")
                || href.starts_with("data:,"),
            "only http(s) links: {}",
            &href[..href.len().min(60)]
        );
    }
    assert!(!dom.contains(" onerror") && !dom.contains(" onclick"));
    // Nine resources, nine rows.
    assert_eq!(dom.matches("<tr class=\"row ").count(), 9);
}

#[test]
fn the_console_capture_does_see_a_csp_violation() {
    // Negative control: with a wrong style hash the same page must report a
    // violation, or the test above proves nothing.
    let dir = tempfile::tempdir().unwrap();
    let good = html::render(&sample_report::fixture());
    let tampered = good.replacen("style-src 'sha256-", "style-src 'sha256-AAAA", 1);
    assert_ne!(good, tampered);
    let run = chromium(&write_page(dir.path(), &tampered), &["--dump-dom"]);
    assert!(
        run.console
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "{:#?}",
        run.console
    );
}

#[test]
fn screenshot_of_the_catalog_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), &html::render(&sample_report::from_catalog()));
    let shot = dir.path().join("status-page.png");
    let run = chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
        ],
    );
    assert!(run.console.is_empty(), "{:#?}", run.console);
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 900));
    if std::env::var_os("CATWATCH_UPDATE_SCREENSHOT").is_some() {
        let target = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/status-page.png");
        std::fs::create_dir_all(Path::new(target).parent().unwrap()).unwrap();
        std::fs::write(target, &png).unwrap();
    }
}

// ---------------------------------------------------------------- html over DevTools

/// Loads the page in Chromium through tests/support/cdp.py, evaluates the
/// expressions in order, and returns (results, everything the page logged).
fn devtools(page: &Path, expressions: &[&str]) -> (Vec<serde_json::Value>, Vec<String>) {
    devtools_on(page, None, expressions)
}

/// [`devtools`] on a screen of `viewport` (`"390x844"`: a phone, mobile).
fn devtools_on(
    page: &Path,
    viewport: Option<&str>,
    expressions: &[&str],
) -> (Vec<serde_json::Value>, Vec<String>) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/cdp.py");
    let mut command = Command::new("python3");
    if let Some(viewport) = viewport {
        command.env("CDP_VIEWPORT", viewport);
    }
    let output = command
        .arg(script)
        .arg(page)
        .args(expressions)
        .stdin(Stdio::null())
        .output()
        .expect("python3 and chromium must be installed (scripts/setup.sh)");
    assert!(
        output.status.success(),
        "cdp.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut logged = Vec::new();
    for key in ["console", "log", "exceptions"] {
        for line in report[key].as_array().unwrap() {
            logged.push(format!("{key}: {}", line.as_str().unwrap()));
        }
    }
    (report["results"].as_array().unwrap().clone(), logged)
}

const VISIBLE_IDS: &str = "[...document.querySelectorAll('tr.row')]\
    .filter(r => getComputedStyle(r).display !== 'none').map(r => r.dataset.id).join(' ')";

#[test]
fn the_filters_work_without_script_and_the_page_logs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), &html::render(&sample_report::fixture()));
    let click = |id: &str| format!("document.getElementById('{id}').click(); {VISIBLE_IDS}");
    let steps = [
        VISIBLE_IDS.to_owned(),
        click("m-ct"),
        click("m-ct") + "; " + &click("m-metadata"),
        click("s-attention"),
        click("m-metadata") + "; " + &click("s-dead"),
        click("s-all"),
        "document.querySelector('tr[data-id=\"xss-probe\"] th').textContent".to_owned(),
        "document.querySelectorAll('script:not([type=\"application/ld+json\"])').length".to_owned(),
    ];
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    let (results, logged) = devtools(&page, &steps);
    assert!(logged.is_empty(), "{logged:#?}");
    let all = "alpha-ct xss-probe beta-xray gamma-archive delta-ultrasound epsilon-papers zeta-repo eta-kaggle theta-new";
    assert_eq!(results[0], all, "everything is shown at first");
    assert_eq!(
        results[1], "alpha-ct xss-probe gamma-archive zeta-repo eta-kaggle theta-new",
        "CT only"
    );
    assert_eq!(
        results[2], "beta-xray delta-ultrasound epsilon-papers",
        "metadata only"
    );
    assert_eq!(
        results[3], "beta-xray delta-ultrasound",
        "metadata and needs attention"
    );
    assert_eq!(results[4], "xss-probe", "dead only");
    assert_eq!(results[5], all, "back to everything");
    assert!(
        results[6]
            .as_str()
            .unwrap()
            .starts_with("<script>alert(1)</script>"),
        "the hostile name is text: {}",
        results[6]
    );
    assert_eq!(
        results[7], 0,
        "no script element but the JSON-LD data block"
    );
}

/// Long URLs (a moved-to address, a message quoting a URL) wrap on a phone:
/// on a 390 px screen nothing is wider than the screen, so nothing scrolls
/// sideways, in the real browser.
#[test]
fn long_urls_wrap_on_a_phone_sized_screen() {
    let mut report = sample_report::fixture();
    let long = format!(
        "https://data.example.org/collections/{}/versions/latest/download?token={}",
        "a".repeat(120),
        "b".repeat(80)
    );
    report.resources[2].moved_to = Some(long.clone());
    report.resources[2].message = Some(format!("{long}: answered 301 to {long}"));
    report.resources[0].url = long.clone();
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), &html::render(&report));
    // The table of all resources scrolls inside its own box (eleven columns
    // do not fit a phone); everything else must fit the screen.
    let widest = "Math.max(...[...document.querySelectorAll('body *')]\
        .filter(e => !e.closest('.table-wrap'))\
        .map(e => e.getBoundingClientRect().right))";
    let name_cell =
        "document.querySelector('tr[data-id=\"alpha-ct\"] th').getBoundingClientRect().width";
    let (results, logged) = devtools_on(
        &page,
        Some("390x844"),
        &[
            "window.innerWidth",
            "document.documentElement.scrollWidth",
            widest,
            "document.body.innerText.includes('versions/latest')",
            name_cell,
        ],
    );
    assert!(logged.is_empty(), "{logged:#?}");
    assert_eq!(
        results[0], 390,
        "the screen is a phone's, and nothing widens it"
    );
    assert!(
        results[1].as_f64().unwrap() <= 390.0,
        "the page scrolls sideways: {} px wide",
        results[1]
    );
    assert!(
        results[2].as_f64().unwrap() <= 390.5,
        "an element reaches {} px",
        results[2]
    );
    assert_eq!(results[3], true, "the long URL is on the page");
    assert!(
        results[4].as_f64().unwrap() <= 390.0,
        "the name cell holding the long URL is {} px wide",
        results[4]
    );
}

/// Before any run, the page, the Markdown and the catalog badge say "not
/// checked yet": never "nothing is broken" or "0/49 ok".
#[test]
fn a_report_with_no_checks_says_not_checked_yet() {
    let mut report = sample_report::from_catalog();
    for r in &mut report.resources {
        r.status = None;
        r.since = None;
        r.reason = None;
        r.message = None;
        r.moved_to = None;
        r.flapping = false;
        r.history.clear();
    }
    report.last_successful_run = None;
    let markdown = markdown::render(&report);
    assert!(markdown.contains("Not checked yet"), "{markdown}");
    assert!(!markdown.contains("Nothing is broken"), "{markdown}");
    let page = html::render(&report);
    assert!(page.contains("Not checked yet"));
    assert!(!page.contains("Nothing is broken"));
    let badges = badges::render(&report).unwrap();
    let catalog: serde_json::Value = serde_json::from_str(&badges[0].1).unwrap();
    assert_eq!(catalog["message"], "not checked yet");
    assert_eq!(catalog["color"], "lightgrey");
    // One checked resource is enough for the usual words.
    report.resources[0].status = Some(catwatch::observation::Status::Ok);
    assert!(markdown::render(&report).contains("Nothing is broken"));
    let badges = badges::render(&report).unwrap();
    let catalog: serde_json::Value = serde_json::from_str(&badges[0].1).unwrap();
    assert_eq!(
        catalog["message"],
        format!("1/{} ok", report.resources.len())
    );
}

/// A researcher browses the page as a catalog: access and licence-family
/// filters beside the modality and status ones, combined, in the real
/// browser, still without a script under the same policy.
#[test]
fn access_and_licence_filters_work_without_script() {
    use catwatch::catalog::entry::{Access, License, LicenseStatus};
    let mut report = sample_report::fixture();
    let license = |spdx: Option<&str>, name: Option<&str>| License {
        spdx: spdx.map(str::to_owned),
        name: name.map(str::to_owned),
        url: None,
        status: LicenseStatus::Confirmed,
    };
    // fixture order: alpha-ct xss-probe beta-xray gamma-archive
    // delta-ultrasound epsilon-papers zeta-repo eta-kaggle theta-new
    report.resources[1].license = license(Some("CC-BY-NC-SA-4.0"), None);
    report.resources[2].license = license(Some("CC0-1.0"), None);
    report.resources[3].license = license(None, Some("Custom research licence"));
    report.resources[4].license = license(None, None);
    report.resources[6].access = Access::Agreement;
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), &html::render(&report));
    let click = |id: &str| format!("document.getElementById('{id}').click(); {VISIBLE_IDS}");
    let steps = [
        click("l-nc"),
        click("l-cc0"),
        click("l-other"),
        click("l-unknown"),
        click("l-all") + "; " + &click("a-registration"),
        click("a-agreement"),
        click("a-open") + "; " + &click("l-cc-by") + "; " + &click("m-ct"),
        "document.querySelectorAll('#a-request, #a-closed').length".to_owned(),
        "document.querySelectorAll('script:not([type=\"application/ld+json\"])').length".to_owned(),
    ];
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    let (results, logged) = devtools(&page, &steps);
    assert!(logged.is_empty(), "{logged:#?}");
    assert_eq!(results[0], "xss-probe", "non-commercial licences");
    assert_eq!(results[1], "beta-xray", "public domain");
    assert_eq!(
        results[2], "gamma-archive",
        "a named licence without SPDX id"
    );
    assert_eq!(results[3], "delta-ultrasound", "no licence known");
    assert_eq!(results[4], "epsilon-papers", "registration");
    assert_eq!(results[5], "zeta-repo", "data agreement");
    assert_eq!(
        results[6], "alpha-ct eta-kaggle theta-new",
        "open, CC BY and CT, combined"
    );
    assert_eq!(results[7], 0, "no chip for an access model nobody has");
    assert_eq!(
        results[8], 0,
        "no script element but the JSON-LD data block"
    );
}
