//! Reading entry files safely (I/O).
//!
//! A catalog arrives by pull request, so its files are untrusted: a symlink to
//! `/proc/self/environ`, a FIFO that blocks forever, a 10 GB file. A file a
//! directory listing showed as regular is opened by name in its directory
//! with no link followed and no wait on a FIFO ([`EntryReader`]); any other
//! path is looked at before it is opened. Either way only a regular file is
//! read, the opened file itself is checked, and at most [`MAX_FILE_BYTES`].
//! Contents are never echoed in the error.

use std::io::Read;
use std::path::Path;

#[cfg(target_os = "linux")]
mod uring;

/// The largest entry file accepted. A real entry is about 2 KiB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Why a file's bytes are not acceptable entry text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    /// A symlink, FIFO, socket, device or directory, named.
    NotRegular(&'static str),
    TooLarge,
    /// Invalid UTF-8 starting at this 1-based line and column.
    NotUtf8 {
        line: u32,
        column: u32,
    },
    Bom,
    /// A NUL byte at this 1-based line and column.
    Nul {
        line: u32,
        column: u32,
    },
    /// The operating system refused (permissions, vanished file).
    Io(String),
}

/// Reads one entry file, refusing anything but a regular file of valid UTF-8.
pub fn read_entry(path: &Path) -> Result<String, ReadProblem> {
    let bytes = read_capped(path, MAX_FILE_BYTES, Links::Refuse)?;
    decode(bytes)
}

/// Why one of the program's own files could not be read, naming it, what it
/// is for, and what to do. `missing` tells an absent file from the rest, for
/// the callers to whom absent means "start empty".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {path}: {problem}")]
pub struct OwnFileError {
    pub what: String,
    pub path: String,
    pub problem: String,
    pub missing: bool,
}

/// Reads one of the program's own files (`what` names it in the error: "the
/// state file", "[probe] extra_root_certs file"), through [`read_capped`].
pub fn read_own_file(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>, OwnFileError> {
    read_capped(path, cap, Links::Follow).map_err(own_file_error(path, cap, what))
}

/// [`read_own_file`]'s checks and errors, and the file for a reader that
/// streams it ([`open_capped`]).
pub fn open_own_file(path: &Path, cap: u64, what: &str) -> Result<std::fs::File, OwnFileError> {
    open_capped(path, cap, Links::Follow).map_err(own_file_error(path, cap, what))
}

fn own_file_error(path: &Path, cap: u64, what: &str) -> impl FnOnce(ReadProblem) -> OwnFileError {
    let missing = std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
    move |problem| OwnFileError {
        what: what.to_owned(),
        path: path.display().to_string(),
        problem: match problem {
            ReadProblem::NotRegular(kind) => {
                format!("is {kind}, not a regular file; point the setting at a regular file")
            }
            ReadProblem::TooLarge => format!(
                "is larger than {cap} bytes, far more than such a file ever holds; check the path"
            ),
            ReadProblem::Io(why) => format!("cannot be read ({why})"),
            other => format!("{other:?}"),
        },
        missing,
    }
}

/// [`read_own_file`] as UTF-8 text.
pub fn read_own_text(path: &Path, cap: u64, what: &str) -> Result<String, OwnFileError> {
    let bytes = read_own_file(path, cap, what)?;
    String::from_utf8(bytes).map_err(|_| OwnFileError {
        what: what.to_owned(),
        path: path.display().to_string(),
        problem: "is not UTF-8 text".into(),
        missing: false,
    })
}

/// What kind of non-regular file `meta` describes, or `None` for a regular file.
pub fn non_regular_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_symlink() {
        return Some("a symbolic link");
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// Whether a path that is a symbolic link may be read through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Entry files: a link could point anywhere (`/proc/self/environ`).
    Refuse,
    /// The program's own files (settings, state, certificates): an operator
    /// may link them (Debian's `/etc/ssl/certs/*.pem` are links); the target
    /// must still be a regular file within the cap.
    Follow,
}

/// The one reader of every file the program reads: the catalog's entries
/// ([`read_entry`]) and its own files ([`read_own_file`]). Regular files
/// only (a FIFO, a device such as `/dev/zero`, a directory is refused before
/// it is opened, so nothing blocks or fills memory), at most `cap` bytes.
pub fn read_capped(path: &Path, cap: u64, links: Links) -> Result<Vec<u8>, ReadProblem> {
    let file = open_capped(path, cap, links)?;
    let size = file.metadata().map_err(io)?.len();
    read_opened(&file, size, cap)
}

fn io(e: std::io::Error) -> ReadProblem {
    ReadProblem::Io(e.to_string())
}

/// The bytes of an opened regular file that measured `size` when it was
/// looked at, at most `cap`. A read that reaches `size` with room left over
/// ends it: the file was that long, and asking again only to be told so is
/// a second system call a file. A file that grew meanwhile fills the room
/// and is read on to its end or past `cap`.
fn read_opened(mut file: &std::fs::File, size: u64, cap: u64) -> Result<Vec<u8>, ReadProblem> {
    if size > cap {
        return Err(ReadProblem::TooLarge);
    }
    let mut bytes = vec![0u8; usize::try_from(size).unwrap_or(0) + 1];
    let mut filled = 0;
    loop {
        let read = match file.read(&mut bytes[filled..]) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        filled += read;
        if read == 0 {
            break;
        }
        if filled as u64 > cap {
            return Err(ReadProblem::TooLarge);
        }
        if filled as u64 == size && filled < bytes.len() {
            break;
        }
        if filled == bytes.len() {
            let room = bytes
                .len()
                .saturating_mul(2)
                .min(usize::try_from(cap).unwrap_or(usize::MAX).saturating_add(1));
            bytes.resize(room, 0);
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// Reads the entry files a directory listing showed as regular files, by
/// name from their directory, kept open between files: one lookup of one
/// name a file, where [`read_entry`] walks the whole path twice (to look,
/// then to open). The open itself refuses what the listing did not see: it
/// follows no link, does not wait on a FIFO (`O_NONBLOCK`), takes no
/// terminal, and the opened file must still be a regular file within the
/// cap. A file the listing did not vouch for goes to [`read_entry`].
#[derive(Debug, Default)]
pub struct EntryReader {
    #[cfg(unix)]
    directory: Option<(std::path::PathBuf, rustix::fd::OwnedFd)>,
    #[cfg(target_os = "linux")]
    batch: uring::Batch,
}

/// Listed files open at once on each of the gate's threads, read in one
/// submission. Small, as each is a file descriptor: at most eight threads
/// hold 256 of them, well under the usual soft limit of 1,024 (systemd's
/// default too) beside the probes' sockets. Batches of 32 fetched 10,000
/// uncached files for about 10% more system time than batches of 128.
pub const BATCH: usize = 32;

/// A listed file opened and measured, or what became of it already.
enum Opened {
    /// Its size is within [`MAX_FILE_BYTES`].
    File(std::fs::File, usize),
    Done(Result<Vec<u8>, ReadProblem>),
}

impl Opened {
    /// The text, read on its own (no batch, or the batch left it).
    fn read_alone(self) -> Result<String, ReadProblem> {
        decode(match self {
            Opened::File(file, size) => read_opened(&file, size as u64, MAX_FILE_BYTES)?,
            Opened::Done(read) => read?,
        })
    }
}

impl EntryReader {
    /// A reader that reads each file on its own, never in a batch (the path
    /// taken where io_uring is unavailable).
    #[cfg(test)]
    pub fn one_by_one() -> EntryReader {
        EntryReader {
            #[cfg(target_os = "linux")]
            batch: uring::Batch::without_ring(),
            ..EntryReader::default()
        }
    }

    /// One listed entry file's text.
    pub fn read_listed(&mut self, path: &Path) -> Result<String, ReadProblem> {
        self.open_listed(path).read_alone()
    }

    /// Listed entry files' texts, in the order given, each the same as
    /// [`EntryReader::read_listed`] gives. They are opened one by one and
    /// read together, [`BATCH`] at a time: on Linux in one io_uring
    /// submission ([`uring::Batch`]), so that files no longer in the page
    /// cache are fetched from disk in one batch rather than one request at
    /// a time.
    pub fn read_listed_all(&mut self, paths: &[&Path]) -> Vec<Result<String, ReadProblem>> {
        let mut texts = Vec::with_capacity(paths.len());
        for group in paths.chunks(BATCH) {
            let opened: Vec<Opened> = group.iter().map(|path| self.open_listed(path)).collect();
            let measured: Vec<(&std::fs::File, usize)> = opened
                .iter()
                .filter_map(|opened| match opened {
                    Opened::File(file, size) => Some((file, *size)),
                    Opened::Done(_) => None,
                })
                .collect();
            let mut batched = self.read_batch(&measured).into_iter();
            texts.extend(opened.into_iter().map(|opened| match opened {
                Opened::File(..) => match batched.next().flatten() {
                    Some(bytes) => decode(bytes),
                    None => opened.read_alone(),
                },
                Opened::Done(_) => opened.read_alone(),
            }));
        }
        texts
    }

    #[cfg(target_os = "linux")]
    fn read_batch(&mut self, files: &[(&std::fs::File, usize)]) -> Vec<Option<Vec<u8>>> {
        self.batch.read_whole(files)
    }

    #[cfg(not(target_os = "linux"))]
    fn read_batch(&mut self, files: &[(&std::fs::File, usize)]) -> Vec<Option<Vec<u8>>> {
        files.iter().map(|_| None).collect()
    }

    /// The listed file opened by name in its open directory and measured,
    /// within the cap; or why not.
    #[cfg(unix)]
    fn open_listed(&mut self, path: &Path) -> Opened {
        use rustix::fs::{Mode, OFlags};
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Opened::Done(read_capped(path, MAX_FILE_BYTES, Links::Refuse));
        };
        let directory = match self.directory(parent) {
            Ok(directory) => directory,
            Err(problem) => return Opened::Done(Err(problem)),
        };
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let file = match rustix::fs::openat(directory, name, flags, Mode::empty()) {
            Ok(fd) => std::fs::File::from(fd),
            // What O_NOFOLLOW answers for a link: one put in the file's
            // place since the listing.
            Err(rustix::io::Errno::LOOP) => {
                return Opened::Done(Err(ReadProblem::NotRegular("a symbolic link")));
            }
            Err(errno) => return Opened::Done(Err(io(errno.into()))),
        };
        let opened = match file.metadata() {
            Ok(opened) => opened,
            Err(err) => return Opened::Done(Err(io(err))),
        };
        if let Some(kind) = non_regular_kind(&opened) {
            return Opened::Done(Err(ReadProblem::NotRegular(kind)));
        }
        match usize::try_from(opened.len()) {
            Ok(size) if opened.len() <= MAX_FILE_BYTES => Opened::File(file, size),
            _ => Opened::Done(Err(ReadProblem::TooLarge)),
        }
    }

    #[cfg(not(unix))]
    fn open_listed(&mut self, path: &Path) -> Opened {
        Opened::Done(read_capped(path, MAX_FILE_BYTES, Links::Refuse))
    }

    /// The open directory `parent` (`.` for a bare name), opened once for
    /// all the files listed in it.
    #[cfg(unix)]
    fn directory(&mut self, parent: &Path) -> Result<&rustix::fd::OwnedFd, ReadProblem> {
        use rustix::fs::{Mode, OFlags};
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if self
            .directory
            .as_ref()
            .is_none_or(|(path, _)| path != parent)
        {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd =
                rustix::fs::open(parent, flags, Mode::empty()).map_err(|errno| io(errno.into()))?;
            self.directory = Some((parent.to_path_buf(), fd));
        }
        Ok(&self.directory.as_ref().expect("opened above").1)
    }
}

/// [`read_capped`]'s checks, and the file they passed, for a reader that
/// streams it (the state file: its text is never held whole). The reader
/// reads at most `cap` bytes of it.
pub fn open_capped(path: &Path, cap: u64, links: Links) -> Result<std::fs::File, ReadProblem> {
    let before = match links {
        Links::Refuse => std::fs::symlink_metadata(path),
        Links::Follow => std::fs::metadata(path),
    }
    .map_err(io)?;
    if let Some(kind) = non_regular_kind(&before) {
        return Err(ReadProblem::NotRegular(kind));
    }
    if before.len() > cap {
        return Err(ReadProblem::TooLarge);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    if !opened.is_file() || !same_file(&before, &opened) {
        // Swapped between the look and the open: refuse rather than follow.
        return Err(ReadProblem::NotRegular("replaced while being read"));
    }
    Ok(file)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

/// Checks the bytes are BOM-free, NUL-free UTF-8 (pure).
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadProblem> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(ReadProblem::Bom);
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        let (line, column) = line_column(&bytes, at);
        return Err(ReadProblem::Nul { line, column });
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let (line, column) = line_column(e.as_bytes(), at);
        ReadProblem::NotUtf8 { line, column }
    })
}

/// 1-based line and character column of byte `at`, counting only the valid
/// UTF-8 before it.
fn line_column(bytes: &[u8], at: usize) -> (u32, u32) {
    let before = &bytes[..at];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn decode_accepts_plain_utf8() {
        assert_eq!(decode("id: é\n".as_bytes().to_vec()).unwrap(), "id: é\n");
    }

    #[test]
    fn decode_refuses_bom_nul_and_bad_utf8_with_positions() {
        assert_eq!(decode(b"\xEF\xBB\xBFid: a".to_vec()), Err(ReadProblem::Bom));
        assert_eq!(
            decode(b"id: a\nname: x\0y".to_vec()),
            Err(ReadProblem::Nul { line: 2, column: 8 })
        );
        assert_eq!(
            decode(b"id: a\nname: \xC3\xA9\xFF".to_vec()),
            Err(ReadProblem::NotUtf8 { line: 2, column: 8 })
        );
    }

    #[test]
    fn reading_refuses_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, vec![b'#'; 2048]).unwrap();
        assert_eq!(
            read_capped(&path, 1024, Links::Refuse),
            Err(ReadProblem::TooLarge)
        );
        assert_eq!(read_capped(&path, 4096, Links::Refuse).unwrap().len(), 2048);
    }

    #[cfg(unix)]
    #[test]
    fn reading_refuses_symlinks_and_fifos_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.yaml");
        std::fs::write(&target, "id: a\n").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(
            read_entry(&link),
            Err(ReadProblem::NotRegular("a symbolic link"))
        );
        let fifo = dir.path().join("fifo.yaml");
        make_fifo(&fifo);
        assert_eq!(
            read_entry(&fifo),
            Err(ReadProblem::NotRegular("a FIFO (named pipe)"))
        );
    }

    /// A FIFO at `path`, made with the system's `mkfifo`.
    #[cfg(unix)]
    pub(crate) fn make_fifo(path: &Path) {
        let status = std::process::Command::new("mkfifo").arg(path).status();
        assert!(status.is_ok_and(|s| s.success()), "mkfifo is needed");
    }

    /// The reader that opens listed files by name gives what [`read_entry`]
    /// gives for regular files, of any size up to the cap and past it, and
    /// refuses a link, a FIFO or a directory put in a listed file's place at
    /// once, without following or waiting on it.
    #[cfg(unix)]
    #[test]
    fn listed_files_read_by_name_as_read_entry_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut reader = EntryReader::default();
        for size in [0usize, 1, 2047, 2048, 4096, MAX_FILE_BYTES as usize] {
            let path = dir.path().join(format!("size-{size}.yaml"));
            let text: String = (0..size)
                .map(|at| (b'a' + (at % 26) as u8) as char)
                .collect();
            std::fs::write(&path, &text).unwrap();
            assert_eq!(reader.read_listed(&path), read_entry(&path), "{size} bytes");
            assert_eq!(reader.read_listed(&path).unwrap(), text);
        }
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'a'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert_eq!(reader.read_listed(&big), Err(ReadProblem::TooLarge));
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, b"id: a\n\xff\n").unwrap();
        assert_eq!(reader.read_listed(&bad), read_entry(&bad));
        assert!(matches!(
            reader.read_listed(&bad),
            Err(ReadProblem::NotUtf8 { line: 2, column: 1 })
        ));
        let gone = dir.path().join("gone.yaml");
        assert_eq!(reader.read_listed(&gone), read_entry(&gone));

        let started = std::time::Instant::now();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(dir.path().join("size-1.yaml"), &link).unwrap();
        assert_eq!(
            reader.read_listed(&link),
            Err(ReadProblem::NotRegular("a symbolic link"))
        );
        let fifo = dir.path().join("fifo.yaml");
        make_fifo(&fifo);
        assert_eq!(
            reader.read_listed(&fifo),
            Err(ReadProblem::NotRegular("a FIFO (named pipe)"))
        );
        let sub = dir.path().join("sub.yaml");
        std::fs::create_dir(&sub).unwrap();
        assert_eq!(
            reader.read_listed(&sub),
            Err(ReadProblem::NotRegular("a directory"))
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));

        // Files in another directory, and a bare name in the working one.
        let other = tempfile::tempdir().unwrap();
        let there = other.path().join("there.yaml");
        std::fs::write(&there, "id: there\n").unwrap();
        assert_eq!(reader.read_listed(&there).unwrap(), "id: there\n");
        assert_eq!(
            reader.read_listed(&dir.path().join("size-1.yaml")).unwrap(),
            "a"
        );
        let bare = reader.read_listed(Path::new("Cargo.toml")).unwrap();
        assert_eq!(bare, std::fs::read_to_string("Cargo.toml").unwrap());
    }

    /// Reading a chunk of listed files together gives, file by file, what
    /// reading each alone gives: over more files than one submission holds,
    /// of every size up to the cap, and mixed with what is refused (too
    /// large, not UTF-8, gone, a link, a FIFO, a directory), with and
    /// without a ring.
    #[cfg(unix)]
    #[test]
    fn listed_files_read_together_as_each_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for at in 0..300usize {
            let size = match at % 7 {
                0 => 0,
                1 => 1,
                2 => 4095,
                3 => 4096,
                4 => 4097,
                _ => 100 + at * 13,
            };
            let path = dir.path().join(format!("f-{at:03}.yaml"));
            let text: String = (0..size)
                .map(|i| (b'a' + ((i + at) % 26) as u8) as char)
                .collect();
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        let full = dir.path().join("full.yaml");
        std::fs::write(&full, vec![b'b'; MAX_FILE_BYTES as usize]).unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'a'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, b"id: a\n\xff\n").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&paths[5], &link).unwrap();
        let fifo = dir.path().join("fifo.yaml");
        make_fifo(&fifo);
        let sub = dir.path().join("sub.yaml");
        std::fs::create_dir(&sub).unwrap();
        let gone = dir.path().join("gone.yaml");
        for (at, odd) in [full, big, bad, link, fifo, sub, gone]
            .into_iter()
            .enumerate()
        {
            paths.insert(at * 40 + 3, odd);
        }
        let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let alone: Vec<_> = {
            let mut reader = EntryReader::one_by_one();
            paths.iter().map(|path| reader.read_listed(path)).collect()
        };
        assert_eq!(alone.iter().filter(|read| read.is_ok()).count(), 301);
        let started = std::time::Instant::now();
        for mut reader in [EntryReader::default(), EntryReader::one_by_one()] {
            let together = reader.read_listed_all(&paths);
            assert_eq!(together.len(), alone.len());
            for ((path, alone), together) in paths.iter().zip(&alone).zip(&together) {
                assert_eq!(together, alone, "{}", path.display());
            }
            // The reader is used again, past what the first call took.
            assert_eq!(reader.read_listed_all(&paths[..2]), alone[..2]);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    /// A file that grew after it was measured is read to its end (or
    /// refused past the cap), never cut at the size measured.
    #[test]
    fn a_file_longer_than_measured_is_read_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grown.yaml");
        std::fs::write(&path, vec![b'a'; 10_000]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        assert_eq!(read_opened(&file, 10, 1 << 20).unwrap().len(), 10_000);
        let file = std::fs::File::open(&path).unwrap();
        assert_eq!(read_opened(&file, 10, 5_000), Err(ReadProblem::TooLarge));
        let file = std::fs::File::open(&path).unwrap();
        assert_eq!(read_opened(&file, 10_000, 10_000).unwrap().len(), 10_000);
        let file = std::fs::File::open(&path).unwrap();
        assert_eq!(
            read_opened(&file, 10_001, 10_000),
            Err(ReadProblem::TooLarge)
        );
    }

    /// The program's own files: a device or a FIFO is refused at once (no
    /// hang, no gigabytes read), a link to a regular file is followed, and
    /// the error names the file and what it is for.
    #[cfg(unix)]
    #[test]
    fn own_files_refuse_devices_and_fifos_and_follow_links_to_regular_files() {
        let started = std::time::Instant::now();
        let err = read_own_file(Path::new("/dev/zero"), 1024, "the state file").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the state file /dev/zero: is a device, not a regular file; point the setting at a regular file"
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("state.json");
        make_fifo(&fifo);
        assert!(read_own_file(&fifo, 1024, "the state file").is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let target = dir.path().join("ca.pem");
        std::fs::write(&target, "pem").unwrap();
        let link = dir.path().join("link.pem");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_own_file(&link, 1024, "a certificate").unwrap(), b"pem");
        let gone = read_own_file(&dir.path().join("nope"), 1024, "the state file").unwrap_err();
        assert!(gone.missing);
    }
}
