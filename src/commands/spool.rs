//! A run's checks written out as each is judged, and read back in catalog
//! order when the report and then the state are written: `check` on 100,000
//! resources holds none of its finished checks while it probes (issue 11,
//! about 2 KB per URL). The file is an unnamed temporary file, gone when the
//! run ends however it ends.
//!
//! Each check is one compact JSON line; what the run keeps per resource is
//! its place in the file, its status and whether an exemption covers it
//! (enough to count the summary before anything is read back).

use std::fs::File;
use std::io::{self, BufWriter, Write};

use serde::Serialize;
use serde::ser::{Error as _, SerializeSeq};

use crate::observation::{ResourceCheck, Status};
use crate::report::check::{CheckedResource, Summary};

/// Where one check lies in the spool.
#[derive(Debug, Clone, Copy)]
struct Place {
    at: u64,
    len: u32,
    status: Status,
    exempted: bool,
}

/// The checks being written, by the resource's position in the catalog.
pub struct Spool {
    out: BufWriter<File>,
    end: u64,
    places: Vec<Option<Place>>,
    scratch: Vec<u8>,
}

impl Spool {
    /// An empty spool in the system's temporary directory (`TMPDIR`).
    pub fn new() -> io::Result<Spool> {
        let file = tempfile::tempfile().map_err(|err| {
            io::Error::new(
                err.kind(),
                format!(
                    "creating a temporary file in {} for the run's checks: {err}; set TMPDIR to a writable directory",
                    std::env::temp_dir().display()
                ),
            )
        })?;
        Ok(Spool {
            out: BufWriter::with_capacity(64 * 1024, file),
            end: 0,
            places: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Writes the check of the resource at `position` in the catalog. A
    /// position written twice keeps the later check.
    pub fn put(
        &mut self,
        position: usize,
        check: &ResourceCheck,
        exempted: bool,
    ) -> io::Result<()> {
        self.scratch.clear();
        serde_json::to_writer(&mut self.scratch, check)?;
        self.scratch.push(b'\n');
        let len = u32::try_from(self.scratch.len())
            .map_err(|_| io::Error::other(format!("the check of {} is over 4 GiB", check.id)))?;
        self.out.write_all(&self.scratch)?;
        if self.places.len() <= position {
            self.places.resize(position + 1, None);
        }
        self.places[position] = Some(Place {
            at: self.end,
            len,
            status: check.status,
            exempted,
        });
        self.end += u64::from(len);
        Ok(())
    }

    /// The spool ready to be read, in catalog order.
    pub fn finish(self) -> io::Result<Spooled> {
        let file = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        Ok(Spooled {
            file,
            places: self.places.into_iter().flatten().collect(),
        })
    }
}

/// The written checks, read back one at a time in catalog order. As the
/// resources of a [`crate::report::check::CheckReport`] it serialises as
/// their array, each check read back as it is written out.
pub struct Spooled {
    file: File,
    places: Vec<Place>,
}

impl Spooled {
    /// The totals, from what was kept of each check (nothing is read back).
    pub fn summary(&self, fail_on: &[Status]) -> Summary {
        Summary::of(self.places.iter().map(|p| (p.status, p.exempted)), fail_on)
    }

    /// The checks in catalog order, each with whether an exemption covers it.
    pub fn resources(&self) -> impl Iterator<Item = io::Result<CheckedResource>> + '_ {
        let mut buffer = Vec::new();
        self.places.iter().map(move |place| {
            let check = read_at(&self.file, place, &mut buffer)?;
            Ok(CheckedResource {
                check,
                exempted: place.exempted,
            })
        })
    }
}

/// Reads one check back. Positioned reads leave the file's offset alone,
/// so the report and the state can read the same spool at once.
fn read_at(file: &File, place: &Place, buffer: &mut Vec<u8>) -> io::Result<ResourceCheck> {
    buffer.resize(place.len as usize, 0);
    read_exact_at(file, buffer, place.at)?;
    serde_json::from_slice(buffer).map_err(|err| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("reading back a check from the run's temporary file: {err}"),
        )
    })
}

#[cfg(unix)]
fn read_exact_at(file: &File, buffer: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buffer: &mut [u8], mut at: u64) -> io::Result<()> {
    while !buffer.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buffer, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buffer = &mut buffer[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

impl Serialize for Spooled {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.places.len()))?;
        for resource in self.resources() {
            seq.serialize_element(&resource.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::check::{CheckReport, write_json};

    #[test]
    fn checks_come_back_in_catalog_order_whatever_order_they_were_judged_in() {
        let at = "2026-12-01T00:00:00Z".parse().unwrap();
        let sample = |id: &str, status| ResourceCheck::sample(id, status, at);
        let mut spool = Spool::new().unwrap();
        spool.put(2, &sample("c", Status::Dead), false).unwrap();
        spool.put(0, &sample("a", Status::Ok), false).unwrap();
        spool.put(3, &sample("d", Status::Dead), true).unwrap();
        // Position 1 was not selected: no check, no hole in the report.
        let spooled = spool.finish().unwrap();
        let read: Vec<CheckedResource> = spooled.resources().map(Result::unwrap).collect();
        let ids: Vec<&str> = read.iter().map(|r| r.check.id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "d"]);
        assert!(read[2].exempted && !read[0].exempted);
        assert_eq!(read[1].check, sample("c", Status::Dead));

        // The spooled report is the report the same checks in memory make,
        // byte for byte.
        let summary = spooled.summary(&[Status::Dead]);
        assert_eq!(
            (summary.total, summary.exempted, summary.failing_policy),
            (3, 1, 1)
        );
        let spooled_report = CheckReport::with_summary(spooled, summary, &[Status::Dead], None, at);
        let in_memory = CheckReport::new(read, &[Status::Dead], None, at);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_json(&spooled_report, &mut a).unwrap();
        write_json(&in_memory, &mut b).unwrap();
        assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
        assert!(!in_memory.passed);
    }

    #[test]
    fn an_empty_spool_is_an_empty_array() {
        let spooled = Spool::new().unwrap().finish().unwrap();
        assert_eq!(serde_json::to_string(&spooled).unwrap(), "[]");
    }
}
