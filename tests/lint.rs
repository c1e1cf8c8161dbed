//! `catwatch lint` end to end: the real binary on fixture catalogs, asserting
//! the exact file:line:column and code of every finding, and the exit status.

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

#[path = "support/lint_catalog.rs"]
mod lint_catalog;
use lint_catalog::{edit, fixtures, scratch_catalog};
use serde_json::Value;

fn catwatch(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("catwatch").unwrap();
    cmd.current_dir(dir)
        .env_remove("CATWATCH_CONFIG")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(30));
    cmd
}

type Row = (String, u32, u32, String);

/// Runs `lint --format json` in `dir` on `paths`; returns the exit code and
/// (file, line, column, code) of every finding, in report order.
fn lint_json(dir: &Path, paths: &[&str]) -> (i32, Vec<Row>, Value) {
    let out = catwatch(dir)
        .arg("lint")
        .args(["--format", "json"])
        .args(paths)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let rows = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap() as u32,
                f["column"].as_u64().unwrap() as u32,
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (out.status.code().unwrap(), rows, report)
}

fn row(file: &str, line: u32, column: u32, code: &str) -> Row {
    (file.to_owned(), line, column, code.to_owned())
}

#[test]
fn the_good_catalog_is_clean() {
    catwatch(&fixtures())
        .args(["lint", "good"])
        .assert()
        .code(0)
        .stdout("catwatch lint: 3 files, no problems\n");
}

#[test]
fn warnings_alone_exit_zero() {
    let (code, rows, report) = lint_json(&fixtures(), &["warnings"]);
    let file = "warnings/mosmeddata-covid19-1110.yaml";
    assert_eq!(
        rows,
        vec![
            row(file, 8, 10, "prefer-https"),
            row(file, 21, 9, "unknown-spdx"),
            row(file, 35, 14, "expired-exemption"),
        ]
    );
    assert_eq!(report["summary"]["warnings"], 3);
    assert_eq!(code, 0);
}

#[test]
fn every_semantic_rule_reports_at_its_line() {
    let (code, rows, _) = lint_json(&fixtures(), &["rules"]);
    let f = |name: &str| format!("rules/{name}.yaml");
    let expected = vec![
        row(&f("all-no"), 8, 1, "all-flags-no"),
        // Case 39: formats are asserted, not annotations.
        row(&f("bad-date"), 20, 18, "invalid-format"),
        row(&f("control-chars"), 2, 7, "invalid-text"),
        row(&f("control-chars"), 3, 14, "invalid-text"),
        row(&f("dup-b"), 6, 10, "duplicate-url"),
        row(&f("dup-b"), 8, 10, "duplicate-doi"),
        row(&f("future-date"), 20, 18, "future-date"),
        row(&f("future-date"), 30, 14, "expired-exemption"),
        row(&f("id-mismatch"), 1, 5, "id-mismatch"),
        row(&f("survey-clinical"), 20, 21, "survey-reference-invalid"),
        row(&f("survey-mismatch"), 20, 21, "survey-reference-mismatch"),
        row(&f("survey-missing"), 19, 1, "survey-reference-missing"),
        row(&f("unsafe-id"), 1, 5, "id-mismatch"),
        row(&f("unsafe-id"), 1, 5, "unsafe-id"),
        row(&f("urls"), 6, 10, "forbidden-url"),
        row(&f("urls"), 8, 10, "url-credentials"),
        row(&f("urls"), 10, 10, "private-address"),
        row(&f("urls"), 12, 10, "insecure-url"),
        row(&f("urls"), 14, 10, "non-canonical-url"),
        row(&f("urls"), 16, 10, "prefer-https"),
        row(&f("urls"), 18, 10, "invalid-url"),
        row(&f("urls"), 29, 9, "unknown-spdx"),
    ];
    assert_eq!(rows, expected);
    assert_eq!(code, 1);
}

#[test]
fn duplicate_ids_across_directories_name_the_first() {
    let (code, rows, report) = lint_json(&fixtures(), &["dup-id/one", "dup-id/two"]);
    assert_eq!(
        rows,
        vec![row("dup-id/two/same.yaml", 1, 5, "duplicate-id")]
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("dup-id/one/same.yaml:1"), "{message}");
    assert_eq!(code, 1);
}

#[test]
fn hostile_files_are_refused_each_with_its_position() {
    let started = Instant::now();
    let (code, rows, _) = lint_json(&fixtures(), &["hostile"]);
    // Case 29: the 9-level billion-laughs file fails at its first anchor, at once.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let f = |name: &str| format!("hostile/{name}");
    assert_eq!(
        rows,
        vec![
            row(&f("alias-bomb.yaml"), 1, 4, "yaml-alias"),
            row(&f("bom.yaml"), 1, 1, "bom"),
            row(&f("duplicate-key-json.yaml"), 4, 3, "duplicate-key"),
            row(&f("duplicate-key.yaml"), 4, 1, "duplicate-key"),
            row(&f("empty.yaml"), 1, 1, "empty-file"),
            row(&f("multi-doc.yaml"), 2, 1, "multiple-documents"),
            row(&f("non-utf8.yaml"), 2, 10, "not-utf8"),
            row(&f("nul.yaml"), 2, 8, "nul-byte"),
            row(&f("stray.yml"), 1, 1, "stray-file"),
            row(&f("subdir"), 1, 1, "stray-file"),
            row(&f("syntax.yaml"), 3, 5, "yaml-syntax"),
            row(&f("tag.yaml"), 2, 7, "yaml-tag"),
        ]
    );
    assert_eq!(code, 1);
}

/// The issue's bar: eight planted mistakes, each reported at its file and line.
#[test]
fn bar_every_planted_mistake_is_reported_at_its_line() {
    let dir = scratch_catalog();
    let cat = dir.path().join("catalog");
    // 1. A duplicate URL: a new entry reusing covid-ct's repository (line 6 of the copy).
    let dup = std::fs::read_to_string(cat.join("covid-ct.yaml"))
        .unwrap()
        .replace("id: covid-ct", "id: covid-ct-copy");
    std::fs::write(cat.join("covid-ct-copy.yaml"), dup).unwrap();
    // 2. An unknown key, 3. a flag `maybe`, 4. a javascript: URL, in the mosmed entry.
    let mosmed = cat.join("mosmeddata-covid19-1110.yaml");
    edit(&mosmed, "kind: imaging\n", "kind: imaging\ncolour: red\n");
    edit(&mosmed, "  mrt: N\n", "  mrt: maybe\n");
    edit(
        &mosmed,
        "https://mosmed.ai/datasets/covid19_1110",
        "javascript:alert(document.cookie)",
    );
    // 5. A file name that differs from its id.
    std::fs::rename(cat.join("covid-ct.yaml"), cat.join("covid-ct-scans.yaml")).unwrap();
    // 6. A duplicate key.
    edit(
        &cat.join("covid-chestxray-dataset.yaml"),
        "access: open\n",
        "access: open\naccess: request\n",
    );
    // 7. An alias bomb, 8. a non-UTF-8 file.
    std::fs::copy(
        fixtures().join("hostile/alias-bomb.yaml"),
        cat.join("lol.yaml"),
    )
    .unwrap();
    std::fs::write(
        cat.join("latin1.yaml"),
        b"id: latin1\nname: Radiograf\xeda\n",
    )
    .unwrap();

    let (code, rows, _) = lint_json(dir.path(), &["catalog"]);
    let f = |name: &str| format!("catalog/{name}.yaml");
    assert_eq!(
        rows,
        vec![
            row(&f("covid-chestxray-dataset"), 22, 1, "duplicate-key"),
            row(&f("covid-ct-scans"), 2, 5, "id-mismatch"),
            row(&f("covid-ct-scans"), 7, 10, "duplicate-url"),
            row(&f("latin1"), 2, 16, "not-utf8"),
            row(&f("lol"), 1, 4, "yaml-alias"),
            row(&f("mosmeddata-covid19-1110"), 7, 1, "unknown-key"),
            row(&f("mosmeddata-covid19-1110"), 9, 10, "forbidden-url"),
            row(&f("mosmeddata-covid19-1110"), 16, 8, "invalid-value"),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn deep_nesting_huge_files_and_unsafe_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // Case 30: 10,000 levels of nesting (the scanner stops flow nesting at
    // 256), and 200 levels of block nesting (stopped at our limit, 128).
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    std::fs::write(p.join("deep.yaml"), deep).unwrap();
    let block: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    std::fs::write(p.join("deep-block.yaml"), block).unwrap();
    // Case 32: a file over the 1 MiB cap.
    std::fs::write(p.join("huge.yaml"), "#".repeat(3 << 20)).unwrap();
    // Case 38: ids that would escape a directory or break a path.
    let long = "a".repeat(300);
    for (file, id) in [
        ("dotdot", "\"../x\""),
        ("etc", "/etc"),
        ("nul", "\"a\\0b\""),
        ("long", long.as_str()),
    ] {
        std::fs::write(p.join(format!("{file}.yaml")), format!("id: {id}\n")).unwrap();
    }
    let (code, rows, _) = lint_json(p, &["."]);
    let mine: Vec<_> = rows.into_iter().filter(|r| r.3 != "missing-key").collect();
    assert_eq!(
        mine,
        vec![
            row("./deep-block.yaml", 129, 129, "too-deep"),
            row("./deep.yaml", 1, 256, "too-deep"),
            row("./dotdot.yaml", 1, 5, "id-mismatch"),
            row("./dotdot.yaml", 1, 5, "unsafe-id"),
            row("./etc.yaml", 1, 5, "id-mismatch"),
            row("./etc.yaml", 1, 5, "unsafe-id"),
            row("./huge.yaml", 1, 1, "file-too-large"),
            row("./long.yaml", 1, 5, "id-mismatch"),
            row("./long.yaml", 1, 5, "unsafe-id"),
            row("./nul.yaml", 1, 5, "id-mismatch"),
            row("./nul.yaml", 1, 5, "unsafe-id"),
        ]
    );
    assert_eq!(code, 1);
    // Lint writes nothing anywhere: the directory holds only what we put there.
    assert_eq!(std::fs::read_dir(p).unwrap().count(), 7);
}

#[cfg(unix)]
#[test]
fn symlinks_and_fifos_are_refused_without_reading_them() {
    let dir = scratch_catalog();
    let cat = dir.path().join("catalog");
    // Case 16: a symlink to the process environment must never be echoed.
    std::os::unix::fs::symlink("/proc/self/environ", cat.join("environ.yaml")).unwrap();
    let fifo = cat.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo is required for this test");
    let out = catwatch(dir.path())
        .env("CATWATCH_CANARY_SECRET", "canary-value-4711")
        .args(["lint", "catalog"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout
            .contains("catalog/environ.yaml:1:1: error[not-regular-file]: this is a symbolic link"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "catalog/pipe.yaml:1:1: error[not-regular-file]: this is a FIFO (named pipe)"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("CATWATCH_CANARY_SECRET") && !stdout.contains("canary-value"));
    assert!(
        stdout.ends_with("catwatch lint: 2 errors, 0 warnings in 5 files\n"),
        "{stdout}"
    );
}

#[test]
fn control_and_bidi_characters_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\u{202E}lmth.yaml";
    std::fs::write(dir.path().join(name), "id: x\u{1b}[2Jy\n").unwrap();
    for format in ["human", "github"] {
        let out = catwatch(dir.path())
            .args(["lint", "--format", format, "."])
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            !stdout.contains('\u{202E}') && !stdout.contains('\u{1b}'),
            "{format}: {stdout}"
        );
        assert!(
            stdout.contains("evil\\u{202E}lmth.yaml"),
            "{format}: {stdout}"
        );
        assert!(stdout.contains("x\\u{001B}[2Jy"), "{format}: {stdout}");
        assert_eq!(out.status.code(), Some(1));
    }
}

#[test]
fn the_tool_failing_exits_two() {
    catwatch(&fixtures())
        .args(["lint", "no-such-directory"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "cannot read the catalog at no-such-directory",
        ));
    catwatch(&fixtures())
        .args(["lint", "--format", "xml", "good"])
        .assert()
        .code(2);
}

#[test]
fn the_default_path_is_the_catalog_directory() {
    let dir = scratch_catalog();
    catwatch(dir.path())
        .arg("lint")
        .assert()
        .code(0)
        .stdout("catwatch lint: 3 files, no problems\n");
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let out = catwatch(&fixtures())
        .args(["--color", "always", "lint", "rules/id-mismatch.yaml"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[1;31merror\x1b[0m"));
    let out = catwatch(&fixtures())
        .args(["lint", "rules/id-mismatch.yaml"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

mod snapshots {
    use super::*;

    fn output(format: &str) -> String {
        let out = catwatch(&fixtures())
            .args(["lint", "--format", format, "rules", "hostile"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn human() {
        insta::assert_snapshot!("lint_human", output("human"));
    }

    #[test]
    fn github() {
        insta::assert_snapshot!("lint_github", output("github"));
    }

    #[test]
    fn json() {
        insta::assert_snapshot!("lint_json", output("json"));
    }

    /// The mistakes a researcher new to YAML makes, each planted in a copy
    /// of a good entry (tests/fixtures/lint/researcher): a tab in the
    /// indentation (reported on its own line, 13), a key indented unlike
    /// the one above it, misspelt keys (with the schema's key to use), and
    /// bare DOIs. The exact wording of every message is pinned here.
    #[test]
    fn messages_for_a_researcher() {
        let out = catwatch(&fixtures())
            .args(["lint", "researcher"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("researcher/tab-indent.yaml:13:1: error[yaml-syntax]"),
            "{text}"
        );
        insta::assert_snapshot!("lint_researcher", text);
    }
}

#[test]
fn the_json_report_matches_its_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/lint-report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for dirs in [&["good"][..], &["rules", "hostile", "warnings"][..]] {
        let (_, rows, report) = lint_json(&fixtures(), dirs);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(report["findings"].as_array().unwrap().len(), rows.len());
    }
}

#[test]
fn every_code_is_documented_in_contributing() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("CONTRIBUTING.md"))
            .unwrap();
    for code in catwatch::lint::Code::ALL {
        assert!(
            guide.contains(&format!("`{code}`")),
            "CONTRIBUTING.md does not document `{code}`"
        );
    }
}

/// The issue's bar: the shipped catalog passes, and its published table is current.
#[test]
fn bar_the_shipped_catalog_is_clean_and_its_table_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = catwatch(root).arg("lint").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with(" files, no problems\n"), "{stdout}");
    catwatch(root)
        .args(["table", "--check"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("CATALOG.md is up to date"));
}

/// Issue 12: lint keeps the catalog honest. A `high`-confidence claim or a
/// `confirmed` licence must name a document a reader can open (an error
/// otherwise); an entry verified longer ago than `[lint] verified_max_age_days`
/// gets a warning; a snoozed move whose new address is known gets a warning
/// suggesting the edit; a licence link into a repository is no
/// non-canonical URL.
#[test]
fn claims_need_openable_sources_and_old_verifications_and_known_moves_warn() {
    let dir = scratch_catalog();
    let path = dir.path().join("catalog/covid-ct.yaml");
    edit(
        &path,
        "      source: Survey reference [21] (https://github.com/UCSD-AI4H/COVID-CT).\n      confidence: high",
        "      source: Our reference notes say so.\n      confidence: high",
    );
    edit(
        &path,
        "license:\n  status: unknown",
        "license:\n  spdx: CC-BY-4.0\n  status: confirmed",
    );
    let (code, rows, _) = lint_json(dir.path(), &["catalog/covid-ct.yaml"]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
    assert_eq!(codes, ["unsourced-claim", "unsourced-claim"], "{rows:?}");

    // A licence link into the repository fixes the licence, and is no
    // canonical-URL finding; a repository path fixes the claim.
    edit(
        &path,
        "  status: confirmed",
        "  url: https://github.com/UCSD-AI4H/COVID-CT/blob/HEAD/LICENSE\n  status: confirmed",
    );
    edit(
        &path,
        "Our reference notes say so.",
        "UCSD-AI4H/COVID-CT:README.md says so.",
    );
    let (code, rows, _) = lint_json(dir.path(), &["catalog/covid-ct.yaml"]);
    assert_eq!((code, rows.len()), (0, 0), "{rows:?}");

    // Verified 2026-11-20: a 5-day limit makes that a warning.
    std::fs::write(
        dir.path().join("catwatch.toml"),
        "[lint]\nverified_max_age_days = 5\n",
    )
    .unwrap();
    let out = catwatch(dir.path())
        .env("CATWATCH_NOW", "2026-12-01T00:00:00Z")
        .args(["lint", "catalog/covid-ct.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("warning[stale-verification]") && stdout.contains("2026-11-20"),
        "{stdout}"
    );
    std::fs::remove_file(dir.path().join("catwatch.toml")).unwrap();

    // A snooze that holds back a known move.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "exemptions:\n  - kind: snooze\n    statuses: [moved]\n    url: https://github.com/UCSD-AI4H/COVID-CT\n    reason: Renamed to UCSD-AI4H/COVID-CT-v2; hold the alert until the entry is edited.\n    expires: 2027-01-31\n",
    );
    std::fs::write(&path, text).unwrap();
    let (code, rows, _) = lint_json(dir.path(), &["catalog/covid-ct.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(
        rows.iter().map(|r| r.3.as_str()).collect::<Vec<_>>(),
        ["snoozed-known-move"],
        "{rows:?}"
    );
}

/// Issue 10: a seeded fuzz of 1,000 mutated entries. Every mutation (bytes
/// deleted, duplicated, replaced with YAML's own punctuation, controls,
/// invisible characters or numbers at their limits) is judged without a
/// panic, and an entry the gate lets through is one lint calls clean.
#[test]
fn a_thousand_mutated_entries_are_judged_without_a_panic() {
    let good =
        std::fs::read_to_string(fixtures().join("good/covid-chestxray-dataset.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    let path = catalog.join("covid-chestxray-dataset.yaml");
    let pieces = [
        ":",
        "-",
        " ",
        "\t",
        "\n",
        "\"",
        "'",
        "&a",
        "*a",
        "!tag",
        "[",
        "]",
        "{",
        "}",
        "#",
        "|",
        ">",
        "\u{0}",
        "\u{202e}",
        "\u{2028}",
        "\u{feff}",
        "\u{200b}",
        "99999999999999999999",
        "-1",
        "1e400",
        "~",
        "null",
        "2026-02-30",
        "https://127.0.0.1/",
        "é",
        "\r",
    ];
    let mut rng = fastrand::Rng::with_seed(20261201);
    let today = catwatch::lint::Dates::on("2026-12-01".parse().unwrap());
    let mut judged = 0;
    for _ in 0..1000 {
        let mut text: Vec<char> = good.chars().collect();
        for _ in 0..rng.usize(1..4) {
            let at = rng.usize(..text.len().max(1));
            match rng.u8(..3) {
                0 => {
                    let end = (at + rng.usize(1..40)).min(text.len());
                    text.drain(at..end);
                }
                1 => {
                    let end = (at + rng.usize(1..40)).min(text.len());
                    let copy: Vec<char> = text[at..end].to_vec();
                    text.splice(at..at, copy);
                }
                _ => {
                    let piece = pieces[rng.usize(..pieces.len())];
                    text.splice(at..at, piece.chars());
                }
            }
        }
        let text: String = text.into_iter().collect();
        std::fs::write(&path, &text).unwrap();
        let gathered = catwatch::catalog::gather(std::slice::from_ref(&catalog)).unwrap();
        let report = catwatch::lint::lint(&gathered, today);
        let loaded = catwatch::catalog::load_entries(&catalog, today.today);
        assert_eq!(
            loaded.is_ok(),
            report.errors() == 0,
            "the gate and lint disagree on:\n{text}"
        );
        judged += 1;
    }
    assert_eq!(judged, 1000);
}

/// `cd catalog && catwatch lint` works: the root is found by walking up to
/// `catalog/` (or `catwatch.toml`), and findings name paths relative to where
/// the user is, so a terminal or editor can open them.
#[test]
fn lint_finds_the_catalog_from_any_folder_of_the_repository() {
    let repo = scratch_catalog();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let nested = repo.path().join("docs/notes");
    std::fs::create_dir_all(&nested).unwrap();
    edit(
        &repo.path().join("catalog/covid-ct.yaml"),
        "id: covid-ct",
        "id: covid-ct-renamed",
    );
    for (dir, prefix) in [
        (repo.path().to_path_buf(), "catalog"),
        (repo.path().join("catalog"), "../catalog"),
        (nested.clone(), "../../catalog"),
    ] {
        let (code, rows, _) = lint_json(&dir, &[]);
        assert_eq!(code, 1, "from {}", dir.display());
        assert_eq!(
            rows,
            [row(&format!("{prefix}/covid-ct.yaml"), 2, 5, "id-mismatch")],
            "from {}",
            dir.display()
        );
    }
    // `catwatch table` writes CATALOG.md at the root, not in the folder the
    // user stands in.
    let entry = repo.path().join("catalog/covid-ct.yaml");
    edit(&entry, "id: covid-ct-renamed", "id: covid-ct");
    let done = catwatch(&repo.path().join("catalog"))
        .arg("table")
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    assert!(repo.path().join("CATALOG.md").is_file());
    assert!(!repo.path().join("catalog/CATALOG.md").exists());
    edit(&entry, "id: covid-ct", "id: covid-ct-renamed");

    // A settings file is found the same way, and its `catalog` is used.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir(other.path().join(".git")).unwrap();
    std::fs::rename(repo.path().join("catalog"), other.path().join("entries")).unwrap();
    std::fs::write(
        other.path().join("catwatch.toml"),
        "catalog = \"entries\"\n",
    )
    .unwrap();
    let (code, rows, _) = lint_json(&other.path().join("entries"), &[]);
    assert_eq!(code, 1);
    assert_eq!(rows, [row("../entries/covid-ct.yaml", 2, 5, "id-mismatch")]);

    // The walk stops at the repository's root: a catalog above it is not used.
    let inner = other.path().join("entries/inner");
    std::fs::create_dir_all(inner.join(".git")).unwrap();
    let out = catwatch(&inner).arg("lint").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// `lint --format sarif`: a SARIF 2.1.0 log with the properties GitHub's
/// "SARIF support for code scanning" page requires (version 2.1.0, one run,
/// the driver's rules, each result's `ruleId`, `message.text` and a
/// `physicalLocation` with `artifactLocation.uri` and `region.startLine`),
/// holding exactly the findings of the JSON report, at the same places.
#[test]
fn sarif_output_holds_every_finding_at_its_place() {
    let (code, rows, _) = lint_json(&fixtures(), &["rules", "hostile"]);
    let out = catwatch(&fixtures())
        .args(["lint", "--format", "sarif", "rules", "hostile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(code));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "catwatch");
    let rules: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"unknown-key") && rules.contains(&"yaml-syntax"));
    let results = runs[0]["results"].as_array().unwrap();
    let placed: Vec<Row> = results
        .iter()
        .map(|r| {
            let rule = r["ruleId"].as_str().unwrap();
            assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], rule);
            assert!(!r["message"]["text"].as_str().unwrap().is_empty());
            assert!(["error", "warning"].contains(&r["level"].as_str().unwrap()));
            let at = &r["locations"][0]["physicalLocation"];
            (
                at["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                at["region"]["startLine"].as_u64().unwrap() as u32,
                at["region"]["startColumn"].as_u64().unwrap() as u32,
                rule.to_owned(),
            )
        })
        .collect();
    assert!(!placed.is_empty());
    assert_eq!(placed, rows);
}
