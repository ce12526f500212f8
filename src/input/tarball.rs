//! Tar archives (`.tar`, and `.tar.gz`/`.tgz` once decoded): their regular files become
//! inputs read in place by offset, never extracted, as zip members are.
//!
//! A `.tar` on disk is read where it lies; a compressed tar has no random access, so it is
//! decoded into memory first, under the same limits as a nested zip. Links, devices and
//! sparse files are not followed or read: each is listed. Entry names are only labels.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use super::origin::{Codec, Container, Input, Origin};
use crate::problem::Problem;

/// Bytes needed to recognise a tar: its first header block.
pub const TAR_HEADER_BYTES: usize = 512;

/// A POSIX (`ustar\0`) or GNU (`ustar  `) tar header: the magic at byte 257.
pub fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar".as_slice())
}

/// What a tar walk found: its file entries as inputs, and the problems met.
pub struct TarEntries {
    pub inputs: Vec<Input>,
    pub problems: Vec<Problem>,
}

/// Lists the regular files of the tar in `reader` (whose bytes are `container`'s), shown
/// under `display`. A broken header stops the walk (the entries before it are kept) and is
/// a failure of the archive.
pub fn entries<R: Read + Seek>(mut reader: R, container: &Container, display: &str) -> TarEntries {
    let mut out = TarEntries {
        inputs: Vec::new(),
        problems: Vec::new(),
    };
    // Seeking past the end does not fail: an entry cut short is found by its end.
    let archive_len = reader.seek(SeekFrom::End(0)).unwrap_or(u64::MAX);
    if let Err(e) = reader.seek(SeekFrom::Start(0)) {
        out.problems
            .push(Problem::failed(display, format!("cannot read: {e}")));
        return out;
    }
    let mut archive = tar::Archive::new(reader);
    let walk = match archive.entries_with_seek() {
        Ok(w) => w,
        Err(e) => {
            out.problems.push(Problem::failed(
                display,
                format!("not a readable tar archive: {e}"),
            ));
            return out;
        }
    };
    let (mut folders, mut seen) = (0usize, HashMap::<String, usize>::new());
    for (i, entry) in walk.enumerate() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let why = format!("tar entry {i}: {e}; the entries after it are not read");
                out.problems.push(Problem::failed(display, why));
                break;
            }
        };
        let kind = entry.header().entry_type();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if kind.is_dir() {
            folders += 1;
            continue;
        }
        let count = seen.entry(name.clone()).or_default();
        *count += 1;
        let shown = match *count {
            1 => format!("{display}!{name}"),
            n => format!("{display}!{name}~{n}"),
        };
        if !(kind.is_file() || kind.is_contiguous()) {
            out.problems.push(skipped_kind(&shown, kind));
            continue;
        }
        if *count > 1 {
            out.problems.push(Problem::note(
                &shown,
                format!("the tar holds {count} entries named {name}: each is read, this one shown with ~{count}"),
            ));
        }
        let (start, declared) = (entry.raw_file_position(), entry.size());
        let size = declared.min(archive_len.saturating_sub(start));
        if size < declared {
            out.problems.push(Problem::failed(
                &shown,
                format!("the tar archive ends inside this entry (cut short): {size} of its {declared} bytes are there, and read"),
            ));
        }
        let origin = Origin::Member {
            container: container.clone(),
            data_start: start,
            compressed_size: size,
            codec: Codec::Stored,
            check: None,
        };
        out.inputs.push(Input {
            origin,
            ..Input::file(shown, PathBuf::new(), false, size)
        });
    }
    if out.inputs.is_empty() && !out.problems.iter().any(|p| p.input == display) {
        let why = match folders {
            0 => "the tar archive holds no file: nothing to read".to_owned(),
            n => format!("the tar archive holds only folders ({n}), no file: nothing to read"),
        };
        out.problems.push(Problem::failed(display, why));
    }
    out
}

/// A link, device or sparse entry: listed, not read. A sparse file's holes are not stored,
/// so its bytes by offset would be wrong: that one is missing evidence.
fn skipped_kind(shown: &str, kind: tar::EntryType) -> Problem {
    if kind.is_gnu_sparse() {
        return Problem::failed(
            shown,
            "sparse tar entry: not read (extract the archive and pass the folder)",
        );
    }
    Problem::note(
        shown,
        format!("skipped: tar entry of type {kind:?} (a link, device or special file)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::sync::Arc;

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn file_entries_become_inputs_at_their_offsets() {
        let bytes = tar_of(&[("EXCH01/W3SVC1/a.log", b"alpha\n"), ("b.log", b"beta\n")]);
        assert!(is_tar(&bytes));
        let container = Container::Memory(Arc::new(bytes.clone()));
        let found = entries(Cursor::new(bytes), &container, "t.tar");
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        let names: Vec<&str> = found.inputs.iter().map(|i| i.display.as_str()).collect();
        assert_eq!(names, ["t.tar!EXCH01/W3SVC1/a.log", "t.tar!b.log"]);
        let mut text = String::new();
        found.inputs[1]
            .open()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "beta\n");
    }
}
