//! What the zip reader does not tell: every name in the central directory (the reader keeps
//! one member per name, so a second member of the same name would vanish), and which
//! members' bytes overlap (the overlapping-entries zip bomb: many entries pointing at one
//! compressed block, David Fifield, "A better zip bomb", WOOT 2019).

use std::io::{Read, Seek, SeekFrom};

/// End of central directory record signature.
const EOCD_SIG: [u8; 4] = *b"PK\x05\x06";
/// Central directory file header signature.
const CDFH_SIG: [u8; 4] = *b"PK\x01\x02";
/// The record is 22 bytes, followed by a comment of at most 65535.
const EOCD_SEARCH_BYTES: u64 = 22 + 65_535;
/// Largest central directory walked here (a million entries of short names); past it the
/// name check is skipped, the zip reader's own limits apply.
const MAX_CENTRAL_DIRECTORY_BYTES: u64 = 64 << 20;

/// The member names of the central directory, duplicates included, in order; `None` when
/// it cannot be walked here (zip64 records, a damaged directory: the zip reader decides).
pub fn central_names<R: Read + Seek>(r: &mut R) -> Option<Vec<String>> {
    let names = walk_central(r);
    r.seek(SeekFrom::Start(0)).ok()?;
    names
}

fn walk_central<R: Read + Seek>(r: &mut R) -> Option<Vec<String>> {
    let len = r.seek(SeekFrom::End(0)).ok()?;
    let tail_len = len.min(EOCD_SEARCH_BYTES);
    let mut tail = vec![0u8; tail_len as usize];
    r.seek(SeekFrom::Start(len - tail_len)).ok()?;
    r.read_exact(&mut tail).ok()?;
    let at = tail.windows(4).rposition(|w| w == EOCD_SIG)?;
    let eocd = tail.get(at..at + 22)?;
    let entries = u16::from_le_bytes([eocd[10], eocd[11]]);
    let size = u32::from_le_bytes(eocd[12..16].try_into().ok()?);
    if entries == u16::MAX || size == u32::MAX || u64::from(size) > MAX_CENTRAL_DIRECTORY_BYTES {
        return None; // zip64, or too large to walk here
    }
    // The directory ends where the record starts (this holds with data prepended to the
    // archive too, when the recorded offset does not).
    let start = (len - tail_len + at as u64).checked_sub(u64::from(size))?;
    let mut dir = vec![0u8; size as usize];
    r.seek(SeekFrom::Start(start)).ok()?;
    r.read_exact(&mut dir).ok()?;
    let names = names_in(&dir)?;
    (names.len() == usize::from(entries)).then_some(names)
}

fn names_in(mut dir: &[u8]) -> Option<Vec<String>> {
    let mut names = Vec::new();
    while !dir.is_empty() {
        if dir.len() < 46 || dir[..4] != CDFH_SIG {
            return None;
        }
        let u16_at = |i: usize| usize::from(u16::from_le_bytes([dir[i], dir[i + 1]]));
        let (name, extra, comment) = (u16_at(28), u16_at(30), u16_at(32));
        let raw = dir.get(46..46 + name)?;
        names.push(String::from_utf8_lossy(raw).into_owned());
        dir = dir.get(46 + name + extra + comment..)?;
    }
    Some(names)
}

/// The byte extents of an archive's members (local header to the end of the data).
pub struct Extents {
    /// For each member index, the member whose extent it overlaps, if any.
    overlaps: Vec<Option<usize>>,
}

impl Extents {
    pub fn of<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Extents {
        let mut spans: Vec<(u64, u64, usize)> = (0..archive.len())
            .filter_map(|i| {
                let m = archive.by_index_raw(i).ok()?;
                let end = m.data_start().checked_add(m.compressed_size())?;
                Some((m.header_start(), end, i))
            })
            .collect();
        spans.sort_unstable();
        let mut overlaps = vec![None; archive.len()];
        let mut reach: Option<(u64, usize)> = None; // furthest end so far, and whose
        for (start, end, i) in spans {
            match reach {
                Some((far, owner)) if start < far => {
                    overlaps[i] = Some(owner);
                    if end > far {
                        reach = Some((end, owner));
                    }
                }
                _ => reach = Some((end, i)),
            }
        }
        Extents { overlaps }
    }

    /// The member that member `i` overlaps (the one that starts first keeps its bytes).
    pub fn overlap(&self, i: usize) -> Option<usize> {
        self.overlaps.get(i).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    #[test]
    fn names_in_the_central_directory_include_duplicates() {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            z.start_file("a.log", opts).unwrap();
            z.write_all(b"one\n").unwrap();
            z.start_file("b.log", opts).unwrap();
            z.write_all(b"two\n").unwrap();
            z.finish().unwrap();
        }
        let names = central_names(&mut buf).unwrap();
        assert_eq!(names, ["a.log", "b.log"]);
        let mut archive = zip::ZipArchive::new(buf).unwrap();
        let extents = Extents::of(&mut archive);
        assert_eq!((extents.overlap(0), extents.overlap(1)), (None, None));
    }
}
