//! One module per command; each sequences one path through the pipeline.

pub mod add;
pub mod check;
pub mod docs;
pub mod dump;
pub mod export;
pub mod lint;
pub mod merge;
pub mod monitor;
pub mod report;
mod spool;
pub mod table;

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The one way a command writes its output to stdout: a reader that stops
/// early (`catwatch check | head`) is not an error, and the command ends
/// with its own exit code, quietly.
pub(crate) fn to_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// One line of progress for a person on stdout; a closed stdout is ignored
/// (the line is for the reader, and the reader is gone), never a panic.
pub(crate) fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Adds `item` to `batch`; once the batch holds `size`, hands it to `send`
/// and starts the next. False when `send` says the receiver is gone.
pub(crate) fn add_to_batch<T>(
    batch: &mut Vec<T>,
    size: usize,
    item: T,
    send: impl FnOnce(Vec<T>) -> bool,
) -> bool {
    batch.push(item);
    batch.len() < size || send(std::mem::replace(batch, Vec::with_capacity(size)))
}

/// The one way a command writes a file: a temporary file beside it, synced,
/// then renamed over it, so a reader (a web server, a CI step) never sees half
/// a file. The result is world-readable (0644), not the temporary file's 0600.
pub(crate) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    write_atomically_with(path, |out| out.write_all(text.as_bytes()))
}

/// [`write_atomically`], the content written by `fill` as it is produced
/// (a large report is never held whole in memory).
pub(crate) fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let temp = filled_beside(path, fill)?;
    temp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// The first half of [`write_atomically`]: a temporary file in `path`'s
/// directory (created if missing), filled by `fill`, made world-readable
/// (0644) and synced, ready to be renamed or linked into place.
pub(crate) fn filled_beside(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs_err::create_dir_all(&dir)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".catwatch-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    fill(&mut temp)
        .and_then(|()| readable_by_all(temp.as_file()))
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(temp)
}

#[cfg(unix)]
fn readable_by_all(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn readable_by_all(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}
