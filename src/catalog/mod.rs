//! Loading the catalog: finding and reading entry files (I/O, in [`gather`]
//! and [`read`]) and parsing them with source positions (pure, in [`yaml`]),
//! so every later finding can point at file:line:column.
//!
//! [`load_entries`] is what the other commands call: it runs the full lint
//! gate and hands back typed entries only when the catalog passes it.

pub mod entry;
pub mod platform;
pub mod read;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use entry::Entry;
use read::ReadProblem;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read the catalog at {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{path}: {message}; run `catwatch lint` for details")]
    Invalid { path: PathBuf, message: String },
}

/// One entry file's path and its text, or why the text is unacceptable.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub content: Result<String, ReadProblem>,
}

/// Everything read from the paths given, before any judging.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// Entry files (`*.yaml`, and any file named explicitly), sorted by path.
    pub files: Vec<SourceFile>,
    /// Other things found in a catalog directory (`x.yml`, `notes.txt`, a
    /// subdirectory): never loaded, always reported.
    pub strays: Vec<Stray>,
}

/// Something that is not an entry file where entry files belong.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stray {
    pub path: PathBuf,
    pub directory: bool,
}

impl Gathered {
    /// The text of each readable file, for snippets.
    pub fn sources(&self) -> std::collections::HashMap<&Path, &str> {
        self.files
            .iter()
            .filter_map(|f| Some((f.path.as_path(), f.content.as_deref().ok()?)))
            .collect()
    }
}

/// Reads the entry files under `paths`: each directory's `*.yaml` files (not
/// recursing; hidden files are skipped), and each file named directly.
/// `Err` only when a path cannot be examined at all (missing, unreadable
/// directory): that is the tool failing, not a finding.
pub fn gather(paths: &[PathBuf]) -> Result<Gathered, CatalogError> {
    let mut entry_paths = Vec::new();
    let mut strays = Vec::new();
    for path in paths {
        let unreadable = |e: std::io::Error| CatalogError::Unreadable {
            path: path.clone(),
            message: e.to_string(),
        };
        let meta = std::fs::symlink_metadata(path).map_err(unreadable)?;
        if !meta.is_dir() {
            // Named directly: judged whatever it is (a symlink is refused when read).
            if path.extension().is_none_or(|ext| ext != "yaml") {
                strays.push(Stray {
                    path: path.clone(),
                    directory: false,
                });
            }
            entry_paths.push(path.clone());
            continue;
        }
        for item in std::fs::read_dir(path).map_err(unreadable)? {
            let item = item.map_err(unreadable)?;
            let name = item.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let child = item.path();
            let directory = item.file_type().is_ok_and(|t| t.is_dir());
            if name.ends_with(".yaml") && !directory {
                entry_paths.push(child);
            } else {
                strays.push(Stray {
                    path: child,
                    directory,
                });
            }
        }
    }
    entry_paths.sort();
    entry_paths.dedup();
    strays.sort();
    strays.dedup();
    let contents = read_all(&entry_paths);
    Ok(Gathered {
        files: entry_paths
            .into_iter()
            .zip(contents)
            .map(|(path, content)| SourceFile { path, content })
            .collect(),
        strays,
    })
}

/// Reads files on every core: a 100,000-entry catalog is mostly syscalls.
fn read_all(paths: &[PathBuf]) -> Vec<Result<String, ReadProblem>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || paths.len() < 64 {
        return paths.iter().map(|p| read::read_entry(p)).collect();
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|p| read::read_entry(p)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("readers do not panic"))
            .collect()
    })
}

/// Loads the catalog in `dir` for the commands that use it (check, monitor,
/// table): runs the whole lint gate first and refuses a catalog with errors,
/// naming the first bad file.
pub fn load_entries(dir: &Path) -> Result<Vec<Entry>, CatalogError> {
    let gathered = gather(&[dir.to_path_buf()])?;
    let today = crate::lint::today();
    let report = crate::lint::lint(&gathered, today, true);
    if let Some(first) = report
        .findings
        .iter()
        .find(|f| f.severity == crate::lint::Severity::Error)
    {
        return Err(CatalogError::Invalid {
            path: first.file.clone(),
            message: format!(
                "the catalog has {} lint error(s), the first at line {}: [{}] {}",
                report.errors(),
                first.line,
                first.code,
                first.message
            ),
        });
    }
    gathered
        .files
        .iter()
        .zip(report.values)
        .map(|(file, value)| {
            let invalid = |message: String| CatalogError::Invalid {
                path: file.path.clone(),
                message,
            };
            let value = value.ok_or_else(|| invalid("the entry could not be parsed".into()))?;
            serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
        })
        .collect()
}
