//! Scratch catalogs for the lint and table tests: a copy of the good fixture
//! catalog in a temporary directory, and an exact-text editor for planting mistakes.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

/// A temporary directory holding `catalog/`, a copy of `tests/fixtures/lint/good`.
pub fn scratch_catalog() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    for item in std::fs::read_dir(fixtures().join("good")).unwrap() {
        let item = item.unwrap();
        std::fs::copy(item.path(), catalog.join(item.file_name())).unwrap();
    }
    dir
}

/// Replaces the first `from` in the file with `to`; `from` must be there.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}
