//! `catwatch table [--check]` end to end on a scratch copy of the good fixture catalog.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

#[path = "support/lint_catalog.rs"]
mod lint_catalog;
use lint_catalog::{edit, scratch_catalog};
use predicates::str::contains;

fn catwatch(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("catwatch").unwrap();
    cmd.current_dir(dir)
        .env_remove("CATWATCH_CONFIG")
        .timeout(Duration::from_secs(30));
    cmd
}

#[test]
fn table_creates_catalog_md_and_check_accepts_it() {
    let dir = scratch_catalog();
    catwatch(dir.path())
        .arg("table")
        .assert()
        .code(0)
        .stdout("wrote the table of 3 entries to CATALOG.md\n");
    let written = std::fs::read_to_string(dir.path().join("CATALOG.md")).unwrap();
    insta::assert_snapshot!("table_catalog_md", written);
    catwatch(dir.path())
        .args(["table", "--check"])
        .assert()
        .code(0)
        .stdout("CATALOG.md is up to date (3 entries)\n");
    // Writing again changes nothing.
    catwatch(dir.path()).arg("table").assert().code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("CATALOG.md")).unwrap(),
        written
    );
}

#[test]
fn check_fails_when_the_catalog_changed_and_leaves_the_file_alone() {
    let dir = scratch_catalog();
    catwatch(dir.path()).arg("table").assert().code(0);
    let before = std::fs::read_to_string(dir.path().join("CATALOG.md")).unwrap();
    edit(
        &dir.path().join("catalog/covid-ct.yaml"),
        "  mrt: N\n",
        "  mrt: U\n",
    );
    catwatch(dir.path())
        .args(["table", "--check"])
        .assert()
        .code(1)
        .stderr(contains(
            "CATALOG.md is out of date with the catalog (3 entries); run `catwatch table` and commit the result",
        ));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("CATALOG.md")).unwrap(),
        before
    );
    catwatch(dir.path()).arg("table").assert().code(0);
    let after = std::fs::read_to_string(dir.path().join("CATALOG.md")).unwrap();
    assert!(after.contains("| [COVID-CT](https://github.com/UCSD-AI4H/COVID-CT) | Y | N | U | N | Y | N | open | unknown | 2026-11-20 | \\[21\\] |"), "{after}");
}

#[test]
fn text_around_the_markers_is_kept_and_cells_are_escaped() {
    let dir = scratch_catalog();
    edit(
        &dir.path().join("catalog/covid-ct.yaml"),
        "name: COVID-CT\n",
        "name: \"COVID-CT | <b>@team</b>\"\n",
    );
    std::fs::write(
        dir.path().join("CATALOG.md"),
        "# Mine\n\n<!-- catwatch:table:start -->\nold\n<!-- catwatch:table:end -->\n\nFooter.\n",
    )
    .unwrap();
    catwatch(dir.path()).arg("table").assert().code(0);
    let text = std::fs::read_to_string(dir.path().join("CATALOG.md")).unwrap();
    assert!(
        text.starts_with("# Mine\n\n<!-- catwatch:table:start -->\n\n| Resource | CT |"),
        "{text}"
    );
    assert!(
        text.ends_with("<!-- catwatch:table:end -->\n\nFooter.\n"),
        "{text}"
    );
    assert!(!text.contains("old\n"));
    assert!(
        text.contains(
            "| [COVID-CT \\| \\<b\\>@\u{200B}team\\</b\\>](https://github.com/UCSD-AI4H/COVID-CT) |"
        ),
        "{text}"
    );
}

#[test]
fn missing_markers_and_a_failing_catalog_stop_the_tool() {
    let dir = scratch_catalog();
    std::fs::write(dir.path().join("CATALOG.md"), "# No markers\n").unwrap();
    catwatch(dir.path())
        .arg("table")
        .assert()
        .code(2)
        .stderr(contains("<!-- catwatch:table:start -->"));
    edit(
        &dir.path().join("catalog/covid-ct.yaml"),
        "  ct: Y\n",
        "  ct: maybe\n",
    );
    catwatch(dir.path())
        .args(["table", "--check"])
        .assert()
        .code(2)
        .stderr(contains("catalog/covid-ct.yaml"))
        .stderr(contains("run `catwatch lint`"));
}
