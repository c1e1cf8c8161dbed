//! A run's checks written out as each is judged, and read back in catalog
//! order when the report and then the state are written: `check` on 100,000
//! resources holds none of its finished checks while it probes (issue 11,
//! about 2 KB per URL). The file is an unnamed temporary file, gone when the
//! run ends however it ends.
//!
//! Each check is written once, as the very bytes the JSON report holds for
//! it (pretty-printed, indented for its place in the report's array), so
//! writing the report copies them; the state reads them back as checks.
//! What the run keeps per resource is its place in the file, its status and
//! whether an exemption covers it: enough to count the summary before
//! anything is read back.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use serde::Serialize;

use crate::observation::Status;
use crate::report::check::{CheckReport, CheckedResource, Summary};

/// The indentation of an element of the report's `resources` array, which
/// is the second level of the document (serde_json indents by two spaces).
const ELEMENT_INDENT: &[u8] = b"    ";

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
    pub fn put(&mut self, position: usize, resource: &CheckedResource) -> io::Result<()> {
        self.scratch.clear();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
        resource.serialize(&mut serde_json::Serializer::with_formatter(
            &mut self.scratch,
            formatter,
        ))?;
        // Strings carry their line breaks escaped: every raw one is the
        // printer's, and the element's lines sit two levels deep.
        let mut len = 0usize;
        for (at, line) in self.scratch.split(|b| *b == b'\n').enumerate() {
            if at > 0 {
                self.out.write_all(b"\n")?;
                self.out.write_all(ELEMENT_INDENT)?;
                len += 1 + ELEMENT_INDENT.len();
            }
            self.out.write_all(line)?;
            len += line.len();
        }
        let len = u32::try_from(len).map_err(|_| {
            io::Error::other(format!("the check of {} is over 4 GiB", resource.check.id))
        })?;
        if self.places.len() <= position {
            self.places.resize(position + 1, None);
        }
        self.places[position] = Some(Place {
            at: self.end,
            len,
            status: resource.check.status,
            exempted: resource.exempted,
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

/// The written checks, read back one at a time in catalog order; a report
/// of them is written by [`write_json`].
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
        self.stripe(0, 1)
    }

    /// Every `parts`-th check from the `part`-th on, in catalog order: the
    /// share of one of `parts` threads that read the checks back together.
    pub fn stripe(
        &self,
        part: usize,
        parts: usize,
    ) -> impl Iterator<Item = io::Result<CheckedResource>> + '_ {
        let mut buffer = Vec::new();
        self.places
            .iter()
            .skip(part)
            .step_by(parts.max(1))
            .map(move |place| {
                read_at(&self.file, place, &mut buffer)?;
                // The `exempted` beside the check's fields is the place's own.
                let check = serde_json::from_slice(&buffer).map_err(|err| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("reading back a check from the run's temporary file: {err}"),
                    )
                })?;
                Ok(CheckedResource {
                    check,
                    exempted: place.exempted,
                })
            })
    }
}

/// The report as JSON, byte for byte what
/// [`crate::report::check::write_json`] writes for the same checks in
/// memory: its head as serde_json prints it, then each check's bytes copied
/// from the spool into the `resources` array, which is the last field.
pub fn write_json(report: &CheckReport<Spooled>, out: impl Write) -> io::Result<()> {
    let head = report.with_resources(Vec::<()>::new());
    let head = serde_json::to_vec_pretty(&head)?;
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let spooled = &report.resources;
    match head.strip_suffix(b"[]\n}") {
        Some(open) if !spooled.places.is_empty() => {
            out.write_all(open)?;
            out.write_all(b"[")?;
            let mut buffer = Vec::new();
            for (at, place) in spooled.places.iter().enumerate() {
                out.write_all(if at == 0 { b"\n" } else { b",\n" })?;
                out.write_all(ELEMENT_INDENT)?;
                read_at(&spooled.file, place, &mut buffer)?;
                out.write_all(&buffer)?;
            }
            out.write_all(b"\n  ]\n}")?;
        }
        Some(_) => out.write_all(&head)?,
        None => {
            return Err(io::Error::other(
                "the report's head did not end in its resources array",
            ));
        }
    }
    out.write_all(b"\n")?;
    out.flush()
}

/// Reads one check's bytes back into `buffer`. Positioned reads leave the
/// file's offset alone.
fn read_at(file: &File, place: &Place, buffer: &mut Vec<u8>) -> io::Result<()> {
    buffer.resize(place.len as usize, 0);
    read_exact_at(file, buffer, place.at)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::ResourceCheck;

    fn at() -> jiff::Timestamp {
        "2026-12-01T00:00:00Z".parse().unwrap()
    }

    fn resource(id: &str, status: Status, exempted: bool) -> CheckedResource {
        let mut check = ResourceCheck::sample(id, status, at());
        // What a server said, line breaks, quotes and all.
        check.message = "line one\nline \"two\"\t\u{1F600} </script>".into();
        check.final_url = Some(format!("https://example.org/{id}?q=\\n"));
        CheckedResource { check, exempted }
    }

    fn spooled(resources: &[(usize, CheckedResource)]) -> Spooled {
        let mut spool = Spool::new().unwrap();
        for (position, resource) in resources {
            spool.put(*position, resource).unwrap();
        }
        spool.finish().unwrap()
    }

    fn both_reports(spooled: Spooled, in_memory: Vec<CheckedResource>) -> (String, String) {
        let fail_on = [Status::Dead];
        let summary = spooled.summary(&fail_on);
        let report = CheckReport::with_summary(spooled, summary, &fail_on, None, at());
        let expected = CheckReport::new(in_memory, &fail_on, None, at());
        assert_eq!(report.summary, expected.summary);
        assert_eq!(report.passed, expected.passed);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_json(&report, &mut a).unwrap();
        crate::report::check::write_json(&expected, &mut b).unwrap();
        (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap())
    }

    #[test]
    fn checks_come_back_in_catalog_order_whatever_order_they_were_judged_in() {
        let (a, c, d) = (
            resource("a", Status::Ok, false),
            resource("c", Status::Dead, false),
            resource("d", Status::Dead, true),
        );
        // Position 1 was not selected: no check, and no hole in the report.
        let spooled = spooled(&[(2, c.clone()), (0, a.clone()), (3, d.clone())]);
        let read: Vec<CheckedResource> = spooled.resources().map(Result::unwrap).collect();
        assert_eq!(read, [a.clone(), c.clone(), d.clone()]);
        // Two readers' stripes: every check once, each stripe in order.
        let stripe = |part| -> Vec<CheckedResource> {
            spooled.stripe(part, 2).map(Result::unwrap).collect()
        };
        assert_eq!(stripe(0), [a.clone(), d.clone()]);
        assert_eq!(stripe(1), std::slice::from_ref(&c));
        let summary = spooled.summary(&[Status::Dead]);
        assert_eq!(
            (summary.total, summary.exempted, summary.failing_policy),
            (3, 1, 1)
        );

        // The report copied from the spool is the report the same checks
        // make in memory, byte for byte.
        let (from_spool, in_memory) = both_reports(spooled, vec![a, c, d]);
        assert_eq!(from_spool, in_memory);
        let parsed: serde_json::Value = serde_json::from_str(&from_spool).unwrap();
        assert_eq!(
            parsed["resources"][1]["message"],
            "line one\nline \"two\"\t\u{1F600} </script>"
        );
        assert_eq!(parsed["resources"][2]["exempted"], true);
    }

    #[test]
    fn an_empty_spool_is_an_empty_array() {
        let (from_spool, in_memory) = both_reports(spooled(&[]), Vec::new());
        assert_eq!(from_spool, in_memory);
        assert!(from_spool.contains("\"resources\": []\n}"), "{from_spool}");
    }
}
