//! Many small files read in one submission, through Linux's io_uring (I/O).
//!
//! A catalog that has sat on disk since the last nightly run is not in the
//! page cache. Read one file after another, every file's first page is a
//! block request of its own: on a virtual machine each one is a doorbell to
//! the hypervisor, and `strace`/`perf` put that at three quarters of the
//! catalog's read cost. Submitted together, the reads of a chunk of files go
//! to the block layer under one plug, and the kernel sends them as one
//! batch. Measured on 10,000 entry files evicted from the page cache: 0.69 s
//! of system time one by one, 0.24 s in batches of 128 and 0.26 s in
//! batches of 32 (docs/engine.md).
//! On files in the cache the two cost the same.
//!
//! This is the program's only `unsafe` code. It is sound because every
//! buffer handed to the kernel is owned here, is not touched, moved or freed
//! until its completion has been reaped, and is leaked, never freed, if the
//! ring fails in a way that leaves a request's fate unknown. The files are
//! borrowed for the whole call, and the kernel holds its own reference to
//! each from submission on.
#![allow(unsafe_code)]

use std::fs::File;
use std::os::fd::AsRawFd;

use io_uring::{IoUring, opcode, types};

/// Requests submitted at once: the files the catalog reader holds open.
const ENTRIES: u32 = super::BATCH as u32;

/// A ring for batched reads, or the knowledge that there is none (an old
/// kernel, `kernel.io_uring_disabled`, a seccomp profile that refuses it):
/// then every read is left to the caller.
#[derive(Default)]
pub struct Batch {
    ring: Ring,
}

#[derive(Default)]
enum Ring {
    #[default]
    Untried,
    Ready(Box<IoUring>),
    Unavailable,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.ring {
            Ring::Untried => "untried",
            Ring::Ready(_) => "ready",
            Ring::Unavailable => "unavailable",
        };
        f.debug_struct("Batch").field("ring", &state).finish()
    }
}

impl Batch {
    /// A batch that never uses a ring: every read is left to the caller, as
    /// on a system without io_uring (for the tests of that path).
    #[cfg(test)]
    pub fn without_ring() -> Batch {
        Batch {
            ring: Ring::Unavailable,
        }
    }

    /// Reads each `(file, size)` from its start into a buffer of `size + 1`
    /// bytes. `Some(bytes)` where one read returned exactly `size` bytes: the
    /// file was that long, as a single `read` would have said. `None` where
    /// it did not (the file grew or shrank since it was measured, the read
    /// failed, or there is no ring): the caller reads that file itself, from
    /// its start, as the file position is not moved here.
    pub fn read_whole(&mut self, files: &[(&File, usize)]) -> Vec<Option<Vec<u8>>> {
        let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity(files.len());
        for part in files.chunks(ENTRIES as usize) {
            let read = match self.ring() {
                Some(ring) => submit_and_reap(ring, part),
                None => Err(Unknown),
            };
            match read {
                Ok(part_out) => out.extend(part_out),
                Err(Unknown) => {
                    self.ring = Ring::Unavailable;
                    out.extend(part.iter().map(|_| None));
                }
            }
        }
        out
    }

    fn ring(&mut self) -> Option<&mut IoUring> {
        if matches!(self.ring, Ring::Untried) {
            self.ring = match IoUring::new(ENTRIES) {
                Ok(ring) => Ring::Ready(Box::new(ring)),
                Err(err) => {
                    tracing::debug!(%err, "io_uring is unavailable: entry files are read one by one");
                    Ring::Unavailable
                }
            };
        }
        match &mut self.ring {
            Ring::Ready(ring) => Some(ring),
            _ => None,
        }
    }
}

/// The ring failed with requests whose fate is unknown: their buffers have
/// been leaked, and the ring must not be used again.
struct Unknown;

/// One submission of at most [`ENTRIES`] reads, and every completion reaped.
fn submit_and_reap(
    ring: &mut IoUring,
    files: &[(&File, usize)],
) -> Result<Vec<Option<Vec<u8>>>, Unknown> {
    let mut buffers: Vec<Vec<u8>> = files.iter().map(|(_, size)| vec![0u8; size + 1]).collect();
    // `None` while a request is out; what it answered (or -1, not sent).
    let mut results: Vec<Option<i32>> = vec![Some(-1); files.len()];
    let mut submitted = 0;
    {
        let mut queue = ring.submission();
        for (at, ((file, _), buffer)) in files.iter().zip(buffers.iter_mut()).enumerate() {
            let Ok(length) = u32::try_from(buffer.len()) else {
                continue;
            };
            let read = opcode::Read::new(types::Fd(file.as_raw_fd()), buffer.as_mut_ptr(), length)
                .offset(0)
                .build()
                .user_data(at as u64);
            // SAFETY: the buffer is `length` bytes, owned by `buffers`, which
            // is neither touched nor dropped until this request's completion
            // is reaped below (or is leaked if that cannot be known); the file
            // is borrowed for the whole call. A full queue refuses the push,
            // and that file is left to the caller.
            if unsafe { queue.push(&read) }.is_ok() {
                results[at] = None;
                submitted += 1;
            }
        }
    }
    let mut reaped = 0;
    while reaped < submitted {
        match ring.submit_and_wait(1) {
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => {
                tracing::debug!(%err, "io_uring failed: entry files are read one by one");
                // Some requests may still be in the kernel: their buffers
                // must outlive them.
                std::mem::forget(buffers);
                return Err(Unknown);
            }
        }
        for done in ring.completion() {
            let Some(slot) = usize::try_from(done.user_data())
                .ok()
                .and_then(|at| results.get_mut(at))
            else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(done.result());
                reaped += 1;
            }
        }
    }
    Ok(buffers
        .into_iter()
        .zip(results)
        .zip(files)
        .map(|((mut buffer, result), (_, size))| {
            let read = usize::try_from(result?).ok()?;
            (read == *size).then(|| {
                buffer.truncate(read);
                buffer
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read that returns exactly the size measured is the file; one that
    /// fills the extra byte (the file grew) or falls short (it shrank) is
    /// left to the caller, as is every read without a ring. The ring is
    /// there on the machines this project runs on (Linux 5.6 and later, not
    /// refused by a seccomp profile): a test that passed without it would
    /// not test it.
    #[test]
    fn a_read_is_the_file_only_when_it_returned_the_size_measured() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (at, size) in [0usize, 1, 4096, 70_000].into_iter().enumerate() {
            let path = dir.path().join(format!("{at}.yaml"));
            let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            files.push((File::open(&path).unwrap(), bytes));
        }
        let mut batch = Batch::default();
        let exact: Vec<(&File, usize)> = files.iter().map(|(f, b)| (f, b.len())).collect();
        let read = batch.read_whole(&exact);
        assert!(
            matches!(batch.ring, Ring::Ready(_)),
            "io_uring is unavailable here: {batch:?}"
        );
        for ((_, bytes), read) in files.iter().zip(&read) {
            assert_eq!(read.as_ref(), Some(bytes));
        }
        // Measured shorter (it grew since) or longer (it shrank): not the file.
        let grown: Vec<(&File, usize)> = files[1..].iter().map(|(f, b)| (f, b.len() - 1)).collect();
        assert!(batch.read_whole(&grown).iter().all(Option::is_none));
        let shrunk: Vec<(&File, usize)> = files.iter().map(|(f, b)| (f, b.len() + 1)).collect();
        assert!(batch.read_whole(&shrunk).iter().all(Option::is_none));
        // The file position is not moved: a caller's own read starts at 0.
        let mut first = String::new();
        std::io::Read::read_to_string(&mut &files[1].0, &mut first).unwrap();
        assert_eq!(first.as_bytes(), files[1].1.as_slice());
        // More than one submission holds, and no ring at all.
        let many: Vec<(&File, usize)> = (0..300).map(|at| exact[at % exact.len()]).collect();
        let read = batch.read_whole(&many);
        assert_eq!(read.len(), 300);
        for (at, read) in read.iter().enumerate() {
            assert_eq!(read.as_ref(), Some(&files[at % files.len()].1), "{at}");
        }
        let none = Batch::without_ring().read_whole(&exact);
        assert_eq!(none, vec![None; exact.len()]);
    }
}
