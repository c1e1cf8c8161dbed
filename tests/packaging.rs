//! catwatch for people who do not use cargo: the Python wheel (maturin's
//! binary mode, `pyproject.toml`) installed into a fresh virtual environment
//! and run with no Rust on PATH, and the pre-commit hooks
//! (`.pre-commit-hooks.yaml`) run by the real `pre-commit try-repo` on a
//! scratch catalog repository.
//!
//! The tools (maturin, pre-commit) come from scripts/setup.sh's virtual
//! environment, target/test-venv. The builds use the dev profile in a target
//! directory of their own, target/packaging (maturin moves the binary it
//! packs out of the target directory, which must not touch the binary the
//! other tests run), one build at a time (release wheels are built by
//! .github/workflows/release.yml).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The packaging builds share target/packaging, one at a time.
static BUILDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn build_dir() -> PathBuf {
    root().join("target/packaging")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A tool of scripts/setup.sh's virtual environment.
fn venv_tool(name: &str) -> PathBuf {
    let tool = root().join("target/test-venv/bin").join(name);
    assert!(
        tool.is_file(),
        "{} is missing: run scripts/setup.sh",
        tool.display()
    );
    tool
}

fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A PATH with the system's programs and none of Rust's: no cargo, no rustc.
fn path_without_rust(first: &Path) -> String {
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", first.display());
    for dir in path.split(':') {
        for tool in ["cargo", "rustc"] {
            assert!(
                !Path::new(dir).join(tool).exists(),
                "{dir} has {tool}: the test would not show that the wheel needs no Rust"
            );
        }
    }
    path
}

/// The bar of issue 13: the built wheel, `pip install`ed into a fresh
/// virtual environment, runs `catwatch lint` on the shipped catalog with no
/// cargo on PATH, from the repository's root and from inside `catalog/`.
#[test]
fn the_wheel_installs_into_a_fresh_venv_and_lints_without_rust() {
    let _one_build = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let wheels = work.path().join("wheels");
    let built = run(Command::new(venv_tool("maturin"))
        .args(["build", "--profile", "dev", "--out"])
        .arg(&wheels)
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", build_dir()));
    assert!(built.status.success(), "maturin build: {}", text(&built));
    let wheel = std::fs::read_dir(&wheels)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("maturin wrote a wheel");
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("catwatch-{}-py3-none-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );

    let venv = work.path().join("venv");
    let made = run(Command::new(venv_tool("python3"))
        .args(["-m", "venv"])
        .arg(&venv));
    assert!(made.status.success(), "python3 -m venv: {}", text(&made));
    let installed = run(Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&wheel));
    assert!(
        installed.status.success(),
        "pip install: {}",
        text(&installed)
    );

    let path = path_without_rust(&venv.join("bin"));
    for dir in [root().to_path_buf(), root().join("catalog")] {
        let linted = run(Command::new("catwatch")
            .arg("lint")
            .current_dir(&dir)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", work.path())
            .env("NO_COLOR", "1"));
        let said = text(&linted);
        assert_eq!(
            linted.status.code(),
            Some(0),
            "from {}: {said}",
            dir.display()
        );
        let entries = std::fs::read_dir(root().join("catalog")).unwrap().count();
        assert!(
            said.contains(&format!("catwatch lint: {entries} files, no problems")),
            "{said}"
        );
    }
    let version = run(Command::new(venv.join("bin/catwatch")).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("catwatch {}", env!("CARGO_PKG_VERSION"))
    );
}

/// A scratch catalog repository: a git work tree with `catalog/` (a copy
/// of the good fixtures) and a CATALOG.md one entry behind it (written
/// before the last entry was added, as after a contributor's new file), all
/// committed.
fn scratch_repository(dir: &Path) {
    let catalog = dir.join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    let mut good: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/lint/good"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    good.sort();
    let last = good.pop().unwrap();
    for item in &good {
        std::fs::copy(item, catalog.join(item.file_name().unwrap())).unwrap();
    }
    let table = run(Command::new(assert_cmd::cargo::cargo_bin("catwatch"))
        .arg("table")
        .current_dir(dir));
    assert!(table.status.success(), "catwatch table: {}", text(&table));
    std::fs::copy(&last, catalog.join(last.file_name().unwrap())).unwrap();
    for args in [
        &["init", "--quiet"][..],
        &["add", "catalog", "CATALOG.md"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "--quiet",
            "-m",
            "catalog",
        ],
    ] {
        let done = run(Command::new("git").args(args).current_dir(dir));
        assert!(done.status.success(), "git {args:?}: {}", text(&done));
    }
}

/// `pre-commit try-repo` with this checkout's hooks: on a good catalog,
/// `catwatch-lint` passes and `catwatch-table` writes CATALOG.md (so the
/// run fails, as a fixing hook does, until it is staged); with a planted
/// mistake, `catwatch-lint` fails and shows the finding at its line.
#[test]
fn the_pre_commit_hooks_lint_a_scratch_catalog_and_fail_on_a_planted_mistake() {
    let _one_build = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    scratch_repository(&repo);
    let try_repo = |hook: &str| {
        run(Command::new(venv_tool("pre-commit"))
            .args(["try-repo"])
            .arg(root())
            .args([hook, "--all-files", "--color", "never"])
            .current_dir(&repo)
            // pre-commit's own cache, and the wheel build it starts (pip,
            // maturin) in the packaging tests' target directory.
            .env("PRE_COMMIT_HOME", work.path().join("pre-commit"))
            .env("CARGO_TARGET_DIR", build_dir())
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("NO_COLOR", "1"))
    };

    let clean = try_repo("catwatch-lint");
    assert!(
        clean.status.success(),
        "on a good catalog: {}",
        text(&clean)
    );
    assert!(text(&clean).contains("catwatch lint"), "{}", text(&clean));

    let table = try_repo("catwatch-table");
    assert!(!table.status.success(), "{}", text(&table));
    assert!(
        text(&table).contains("files were modified by this hook"),
        "{}",
        text(&table)
    );
    let written = std::fs::read_to_string(repo.join("CATALOG.md")).unwrap();
    assert!(
        written.contains("MosMedData"),
        "the new entry is in the table: {written}"
    );
    let again = try_repo("catwatch-table");
    assert!(again.status.success(), "a current table: {}", text(&again));

    let entry = repo.join("catalog/covid-ct.yaml");
    let good = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(&entry, good.replace("  xray: N", "\txray: N")).unwrap();
    let planted = try_repo("catwatch-lint");
    let said = text(&planted);
    assert!(!planted.status.success(), "the mistake passed: {said}");
    assert!(
        said.contains("catalog/covid-ct.yaml:13:1: error[yaml-syntax]"),
        "{said}"
    );
}
