//! Loading the catalog: finding and reading entry files (I/O, in [`gather`]
//! and [`read`]) and parsing them with source positions (pure, in [`yaml`]),
//! so every later finding can point at file:line:column.
//!
//! [`load_entries`] and [`stream_entries`] are what the other commands call:
//! they run the full lint gate and hand back typed entries only when the
//! catalog passes it.

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

/// What a catalog holds, before any file is read.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Entry files, sorted by path.
    pub entry_paths: Vec<PathBuf>,
    pub strays: Vec<Stray>,
    /// The entry paths no directory listing showed as regular files (named
    /// directly, or listed as a link, a FIFO, a device), sorted: each is
    /// looked at before it is opened ([`read::read_entry`]). The rest are
    /// opened by name in their directory ([`read::EntryReader`]).
    pub not_listed_regular: Vec<PathBuf>,
}

impl Listing {
    /// The ids the entry files claim by their names (an entry's id must be its
    /// file name, which the gate enforces).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entry_paths.iter().filter_map(|path| id_of(path))
    }

    /// The listed files at `paths` (a part of [`Listing::entry_paths`]),
    /// read on this thread: those the listing vouched for as regular files
    /// together, through `reader`'s open directory
    /// ([`read::EntryReader::read_listed_all`]), the others one by one.
    fn read_serially(&self, paths: &[PathBuf], reader: &mut read::EntryReader) -> Vec<SourceFile> {
        let vouched = |path: &PathBuf| self.not_listed_regular.binary_search(path).is_err();
        let listed: Vec<&Path> = paths
            .iter()
            .filter(|path| vouched(path))
            .map(PathBuf::as_path)
            .collect();
        let mut listed = reader.read_listed_all(&listed).into_iter();
        paths
            .iter()
            .map(|path| SourceFile {
                path: path.clone(),
                content: match vouched(path) {
                    true => listed.next().unwrap_or_else(|| read::read_entry(path)),
                    false => read::read_entry(path),
                },
            })
            .collect()
    }
}

/// The id a file's name claims: its stem, as [`Path::file_stem`] has it.
/// A listed file's name is its last segment ending in `.yaml`, read at once
/// (a run lists 100,000 of them more than once); any other path is left to
/// `file_stem`.
pub fn id_of(path: &Path) -> Option<&str> {
    let listed = path.to_str().and_then(|text| {
        let name = text.rsplit(std::path::is_separator).next()?;
        name.strip_suffix(".yaml").filter(|stem| !stem.is_empty())
    });
    listed.or_else(|| path.file_stem()?.to_str())
}

/// Finds the entry files under `paths`: each directory's `*.yaml` files (not
/// recursing; hidden files are skipped), and each file named directly.
/// `Err` only when a path cannot be examined at all (missing, unreadable
/// directory): that is the tool failing, not a finding.
pub fn list(paths: &[PathBuf]) -> Result<Listing, CatalogError> {
    let mut entry_paths = Vec::new();
    let mut strays = Vec::new();
    let mut not_listed_regular = Vec::new();
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
            not_listed_regular.push(path.clone());
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
            // The listing's own word on the kind (d_type): no look at the file.
            let kind = item.file_type();
            let directory = kind.as_ref().is_ok_and(|t| t.is_dir());
            if name.ends_with(".yaml") && !directory {
                if !kind.is_ok_and(|t| t.is_file()) {
                    not_listed_regular.push(child.clone());
                }
                entry_paths.push(child);
            } else {
                strays.push(Stray {
                    path: child,
                    directory,
                });
            }
        }
    }
    // By bytes: the same order as comparing paths component by component
    // within one directory, and many times faster for 100,000 files.
    entry_paths.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    entry_paths.dedup();
    strays.sort();
    strays.dedup();
    not_listed_regular.sort();
    not_listed_regular.dedup();
    Ok(Listing {
        entry_paths,
        strays,
        not_listed_regular,
    })
}

/// Lists and reads the entry files under `paths` (see [`list`]).
pub fn gather(paths: &[PathBuf]) -> Result<Gathered, CatalogError> {
    let listing = list(paths)?;
    Ok(Gathered {
        files: read_files(&listing),
        strays: listing.strays,
    })
}

/// Reads every file the listing holds (on every core), in order.
pub fn read_files(listing: &Listing) -> Vec<SourceFile> {
    parallel_parts(&listing.entry_paths, |paths| {
        listing.read_serially(paths, &mut read::EntryReader::default())
    })
}

/// Maps `f` over `items` on every core, keeping order: a 100,000-entry
/// catalog is mostly syscalls and parsing. Used to judge in lint.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    parallel_parts(items, |part| part.iter().map(&f).collect())
}

/// `items` cut in one part a core, each mapped by `f` on a thread of its own
/// (at once when there are few), the results kept in order.
fn parallel_parts<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 64 {
        return f(items);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                scope.spawn(move || f(part))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("workers do not panic"))
            .collect()
    })
}

/// Files read and judged at a time while streaming: small enough that the
/// first entries are ready within milliseconds, large enough for every core.
const STREAM_CHUNK: usize = 128;

/// Loads the catalog in `dir` for the commands that use it (table, report,
/// monitor, merge): runs the whole lint gate and refuses a catalog with
/// errors, naming the first bad file.
pub fn load_entries(dir: &Path, today: jiff::civil::Date) -> Result<Vec<Entry>, CatalogError> {
    let mut entries = Vec::new();
    stream_entries(&list(&[dir.to_path_buf()])?, today, |entry| {
        entries.push(entry)
    })?;
    Ok(entries)
}

/// Reads the listed catalog through the lint gate a chunk at a time, handing
/// each entry to `accept`, in file order, as soon as its own file has passed,
/// so that `check` can start probing while later files are still being read.
/// Entries stop flowing at the first error; the rules that compare entries
/// (duplicates) run at the end. On `Err` the catalog is refused and whatever
/// `accept` received must be thrown away.
pub fn stream_entries(
    listing: &Listing,
    today: jiff::civil::Date,
    mut accept: impl FnMut(Entry),
) -> Result<(), CatalogError> {
    let mut gate =
        crate::lint::Gate::new(crate::lint::Dates::on(today), crate::lint::Purpose::Load);
    gate.add_strays(&listing.strays);
    // A fixed pool of threads reads and judges the chunks; this thread hands
    // the results to the gate in file order. Each chunk's texts are dropped
    // once judged, so a 100,000-entry catalog is never held in memory (a
    // file is read again only for the position of a duplicate found in it).
    let (dates, purpose) = gate.judging();
    let chunks: Vec<&[PathBuf]> = listing.entry_paths.chunks(STREAM_CHUNK).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (done, results) = std::sync::mpsc::sync_channel(workers * 2);
        for _ in 0..workers {
            let (next, done, chunks) = (&next, done.clone(), &chunks);
            scope.spawn(move || {
                let mut reader = read::EntryReader::default();
                loop {
                    let at = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(paths) = chunks.get(at) else {
                        return;
                    };
                    let judged: Vec<crate::lint::FileResult> = listing
                        .read_serially(paths, &mut reader)
                        .iter()
                        .map(|file| crate::lint::judge_file(file, dates, purpose))
                        .collect();
                    if done.send((at, judged)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done);
        let mut waiting = std::collections::BTreeMap::new();
        let mut expected = 0;
        for (at, judged) in results {
            waiting.insert(at, judged);
            while let Some(judged) = waiting.remove(&expected) {
                expected += 1;
                let entries = gate.accept(judged);
                if !gate.has_errors() {
                    entries.into_iter().flatten().for_each(&mut accept);
                }
            }
        }
    });
    let report = gate.finish_reading_again(&listing.entry_paths);
    match report.findings.first() {
        // Only errors are kept when loading, and they are sorted.
        Some(first) => Err(CatalogError::Invalid {
            path: first.file.clone(),
            message: format!(
                "the catalog has {} lint error(s), the first at line {}: [{}] {}",
                report.errors(),
                first.line,
                first.code,
                first.message
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_the_file_stem() {
        for path in [
            "catalog/covid-ct.yaml",
            "covid-ct.yaml",
            "/abs/dir/a.b.yaml",
            "catalog/.yaml",
            "catalog/x.yaml/",
            "catalog/x.yaml/.",
            "catalog/notes.txt",
            "catalog/",
            "..",
            "catalog/x.YAML",
        ] {
            let path = Path::new(path);
            assert_eq!(
                id_of(path),
                path.file_stem().and_then(|s| s.to_str()),
                "{}",
                path.display()
            );
        }
    }

    /// Only what the directory listing showed as a regular file is opened by
    /// name; a link or a FIFO listed, and a file named directly, are looked
    /// at first, and refused without being opened.
    #[cfg(unix)]
    #[test]
    fn the_listing_vouches_only_for_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.yaml");
        std::fs::write(&plain, "id: a\n").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&plain, &link).unwrap();
        let fifo = dir.path().join("fifo.yaml");
        read::tests::make_fifo(&fifo);
        let elsewhere = tempfile::tempdir().unwrap();
        let named = elsewhere.path().join("b.yaml");
        std::fs::write(&named, "id: b\n").unwrap();
        let listing = list(&[dir.path().to_path_buf(), named.clone()]).unwrap();
        let mut expected = vec![fifo.clone(), link.clone(), named.clone()];
        expected.sort();
        assert_eq!(listing.not_listed_regular, expected);
        let files = read_files(&listing);
        let content = |path: &Path| {
            files
                .iter()
                .find(|file| file.path == path)
                .map(|file| file.content.clone())
                .unwrap()
        };
        assert_eq!(content(&plain).unwrap(), "id: a\n");
        assert_eq!(content(&named).unwrap(), "id: b\n");
        assert_eq!(
            content(&link),
            Err(ReadProblem::NotRegular("a symbolic link"))
        );
        assert_eq!(
            content(&fifo),
            Err(ReadProblem::NotRegular("a FIFO (named pipe)"))
        );
    }

    fn load_entries_today(dir: &Path) -> Result<Vec<Entry>, CatalogError> {
        load_entries(dir, crate::lint::today(jiff::Timestamp::now()))
    }

    fn fixture(dir: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lint")
            .join(dir)
    }

    #[test]
    fn load_entries_returns_typed_entries_in_file_order() {
        let entries = load_entries_today(&fixture("good")).unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "covid-chestxray-dataset",
                "covid-ct",
                "mosmeddata-covid19-1110"
            ]
        );
        assert_eq!(entries[1].provenance.survey_reference, Some(21));
    }

    #[test]
    fn load_entries_refuses_a_failing_catalog_naming_the_first_bad_file() {
        let err = load_entries_today(&fixture("rules")).unwrap_err();
        let CatalogError::Invalid { path, message } = &err else {
            panic!("{err}");
        };
        assert_eq!(path, &fixture("rules").join("all-no.yaml"));
        assert!(message.contains("[all-flags-no]"), "{message}");
        assert!(
            err.to_string().ends_with("run `catwatch lint` for details"),
            "{err}"
        );
        // Warnings alone do not stop the other commands.
        assert_eq!(load_entries_today(&fixture("warnings")).unwrap().len(), 1);
        assert!(matches!(
            load_entries_today(&fixture("missing")),
            Err(CatalogError::Unreadable { .. })
        ));
    }
}
