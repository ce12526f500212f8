//! Decoding layers between the stored bytes and the line readers: gzip members (and the
//! zero padding some copies leave after them), the CRC-32 of zip members, UTF-16 text, and
//! CR-only line ends. Each states what it found in the input's [`ReadNotes`].

use std::io::{self, BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

use flate2::bufread::GzDecoder;

use super::origin::FileStamp;

/// Notes about how an input was read (padding skipped, text re-encoded), collected while it
/// is read and shown in the inventory and problems list. Shared by the input's readers; a
/// note said twice (a head read, then the full read) is kept once.
///
/// They also keep the stamp of the file a plain input's chunks were read from, taken when
/// its last chunk was read ([`ReadNotes::read_from`]), so that the end of the run can tell
/// a file replaced under the path from one changed while it was read. It shares the notes'
/// allocation: there is one per input, and there can be 100,000 inputs.
#[derive(Debug, Clone, Default)]
pub struct ReadNotes(Arc<Mutex<Noted>>);

#[derive(Debug, Default)]
struct Noted {
    notes: Vec<String>,
    read_from: Option<FileStamp>,
}

impl ReadNotes {
    pub fn add(&self, note: impl Into<String>) {
        let note = note.into();
        let notes = &mut self.lock().notes;
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().notes)
    }

    /// Records the file the input's bytes were read from, as it was when reading ended.
    pub fn set_read_from(&self, stamp: FileStamp) {
        self.lock().read_from = Some(stamp);
    }

    /// The file the input's bytes were read from, when a plain file's reading ended.
    pub fn read_from(&self) -> Option<FileStamp> {
        self.lock().read_from.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Noted> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How an input's decoded bytes are turned into the text the W3C reader sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextDecoding {
    /// UTF-16 text (Windows PowerShell 5.1 `Out-File` and `>` write UTF-16LE with a BOM).
    pub utf16: Option<crate::parse::eventlog::text::Encoding>,
    /// Lines end in a lone CR (old Mac tools, some converters): read as line ends.
    pub lone_cr: bool,
}

impl TextDecoding {
    pub fn is_plain(&self) -> bool {
        *self == TextDecoding::default()
    }

    pub fn apply(self, r: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
        use crate::parse::eventlog::text::Utf16ToUtf8;
        let r: Box<dyn Read + Send> = match self.utf16 {
            Some(enc) => Box::new(Utf16ToUtf8::new(r, enc)),
            None => r,
        };
        if self.lone_cr {
            Box::new(LoneCr::new(r))
        } else {
            r
        }
    }
}

/// Turns every CR not followed by LF into LF (CR LF stays as it is).
pub struct LoneCr<R> {
    inner: R,
    /// The last byte handed out was a CR turned into LF: an LF right after it is its pair.
    after_cr: bool,
}

impl<R> LoneCr<R> {
    pub fn new(inner: R) -> Self {
        LoneCr {
            inner,
            after_cr: false,
        }
    }
}

impl<R: Read> Read for LoneCr<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            // A CR is emitted as LF; an LF right after a CR is dropped (CR LF → one LF).
            let mut out = 0;
            for i in 0..n {
                let b = buf[i];
                let was_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
                match b {
                    b'\n' if was_cr => {}
                    b'\r' => {
                        buf[out] = b'\n';
                        out += 1;
                    }
                    b => {
                        buf[out] = b;
                        out += 1;
                    }
                }
            }
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

/// Does the head of a text use lone CRs as line ends (CRs, and no LF at all)?
pub fn has_lone_cr_lines(head: &[u8]) -> bool {
    !head.contains(&b'\n') && head.iter().filter(|&&b| b == b'\r').count() >= 2
}

/// The byte order of UTF-32 text, from its BOM (`FF FE 00 00`, `00 00 FE FF`) or, without
/// one, from the NUL pattern of ASCII text in it: each of the first 16 characters (or all
/// of a shorter head) is a printable ASCII character or a line end, and its other three
/// bytes are NUL. A UTF-32 head also looks like UTF-16 with NUL characters: this is asked
/// first.
pub fn utf32_text(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\xFF\xFE\0\0") {
        return Some("little-endian, with a byte-order mark");
    }
    if head.starts_with(b"\0\0\xFE\xFF") {
        return Some("big-endian, with a byte-order mark");
    }
    let n = head.len().min(64) & !3;
    let ascii = |b: u8| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let all = |f: &dyn Fn(&[u8]) -> bool| n >= 16 && head[..n].chunks_exact(4).all(f);
    if all(&|c| ascii(c[0]) && c[1..] == [0, 0, 0]) {
        Some("little-endian")
    } else if all(&|c| c[..3] == [0, 0, 0] && ascii(c[3])) {
        Some("big-endian")
    } else {
        None
    }
}

/// Reads every gzip member of a file one after another (as `gzip -d` does). Zero bytes
/// after the last member (a copy padded to a block size, a preallocated file) are skipped
/// with a note; any other bytes after it are an error.
pub struct GzMembers<R: BufRead> {
    state: GzState<R>,
    notes: ReadNotes,
}

enum GzState<R: BufRead> {
    Member(GzDecoder<R>),
    Done,
    Poisoned,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl<R: Read> GzMembers<BufReader<R>> {
    pub fn new(inner: R, notes: ReadNotes) -> Self {
        // The buffer flate2's own `read::MultiGzDecoder` uses: bombs stop at the same byte.
        GzMembers {
            state: GzState::Member(GzDecoder::new(BufReader::with_capacity(32 << 10, inner))),
            notes,
        }
    }
}

impl<R: BufRead> GzMembers<R> {
    /// After a member: starts the next one, or checks that only zeros follow.
    fn next_member(&mut self, mut inner: R) -> io::Result<()> {
        if inner.fill_buf()?.is_empty() {
            self.state = GzState::Done;
            return Ok(());
        }
        let next = inner.fill_buf()?;
        if next.len() >= 2 && next[..2] == GZIP_MAGIC || next.len() == 1 && next[0] == 0x1f {
            self.state = GzState::Member(GzDecoder::new(inner));
            return Ok(());
        }
        let zeros = skip_zeros(&mut inner)?;
        self.notes.add(format!(
            "{zeros} zero bytes after the end of the gzip data (a padded or preallocated copy): skipped"
        ));
        self.state = GzState::Done;
        Ok(())
    }
}

/// Consumes the rest of `r` if it is all zero bytes; returns how many.
fn skip_zeros(r: &mut impl BufRead) -> io::Result<u64> {
    let mut zeros = 0u64;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(zeros);
        }
        if let Some(i) = buf.iter().position(|&b| b != 0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "bytes that are not gzip data after the end of the compressed stream (compressed byte {} after it)",
                    zeros + i as u64
                ),
            ));
        }
        let n = buf.len();
        zeros += n as u64;
        r.consume(n);
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let GzState::Member(dec) = &mut self.state else {
                return Ok(0);
            };
            let n = dec.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let GzState::Member(dec) = std::mem::replace(&mut self.state, GzState::Poisoned) else {
                unreachable!("matched above");
            };
            self.next_member(dec.into_inner())?;
        }
    }
}

/// Checks a zip member's CRC-32 and size from the central directory when its data ends: a
/// stored member has no other check, so a damaged copy would be read without a word.
pub struct CrcChecked<R> {
    inner: flate2::CrcReader<R>,
    expected_crc: u32,
    expected_size: u64,
    /// Bytes read (`Crc::amount` is 32 bits: it wraps past 4 GiB).
    size: u64,
    checked: bool,
}

impl<R: Read> CrcChecked<R> {
    pub fn new(inner: R, expected_crc: u32, expected_size: u64) -> Self {
        CrcChecked {
            inner: flate2::CrcReader::new(inner),
            expected_crc,
            expected_size,
            size: 0,
            checked: false,
        }
    }
}

impl<R: Read> Read for CrcChecked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.size += n as u64;
        let size = self.size;
        if size > self.expected_size {
            // Held to as it is read: the archive's expansion budget counts declared sizes.
            return Err(damaged(format!(
                "the zip member is damaged: more than the {} bytes the archive records",
                self.expected_size
            )));
        }
        if n > 0 || buf.is_empty() || std::mem::replace(&mut self.checked, true) {
            return Ok(n);
        }
        let crc = self.inner.crc().sum();
        if size != self.expected_size {
            return Err(damaged(format!(
                "the zip member is damaged: {size} bytes read where the archive records {}",
                self.expected_size
            )));
        }
        if crc != self.expected_crc {
            return Err(damaged(format!(
                "the zip member is damaged: CRC-32 {crc:08x} where the archive records {:08x}",
                self.expected_crc
            )));
        }
        Ok(0)
    }
}

fn damaged(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_gz(bytes: Vec<u8>) -> (io::Result<Vec<u8>>, Vec<String>) {
        let notes = ReadNotes::default();
        let mut out = Vec::new();
        let r = GzMembers::new(io::Cursor::new(bytes), notes.clone()).read_to_end(&mut out);
        (r.map(|_| out), notes.take())
    }

    #[test]
    fn gzip_members_are_concatenated_and_zero_padding_is_noted() {
        let mut two = gz(b"one\n");
        two.extend(gz(b"two\n"));
        assert_eq!(read_gz(two.clone()).0.unwrap(), b"one\ntwo\n");
        let mut padded = two;
        padded.extend([0u8; 5000]);
        let (data, notes) = read_gz(padded.clone());
        assert_eq!(data.unwrap(), b"one\ntwo\n");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("5000 zero bytes"), "{notes:?}");
        padded.push(7);
        assert!(read_gz(padded).0.is_err(), "non-zero garbage is an error");
    }

    #[test]
    fn lone_crs_become_line_ends_and_crlf_stays_one() {
        let mut out = Vec::new();
        LoneCr::new(io::Cursor::new(b"a\rb\r\nc\r\rd".to_vec()))
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"a\nb\nc\n\nd");
        assert!(has_lone_cr_lines(b"#Software: x\r#Fields: y\rz"));
        assert!(!has_lone_cr_lines(b"#Software: x\r\n#Fields: y\r\n"));
    }

    #[test]
    fn utf32_is_told_by_its_bom_or_its_nuls_and_utf16_is_not_taken_for_it() {
        let le: Vec<u8> = "#Software: x\r\n"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let be: Vec<u8> = "#Software: x\r\n"
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        assert_eq!(utf32_text(&le), Some("little-endian"));
        assert_eq!(utf32_text(&be), Some("big-endian"));
        assert!(utf32_text(b"\xFF\xFE\0\0#\0\0\0").is_some());
        assert!(utf32_text(b"\0\0\xFE\xFF\0\0\0#").is_some());
        let utf16: Vec<u8> = "#Software: x\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(utf32_text(&utf16), None);
        assert_eq!(utf32_text(b"\xFF\xFE#\0S\0"), None);
        assert_eq!(
            utf32_text(&[1, 0, 0, 0].repeat(8)),
            None,
            "binary, not text"
        );
        assert_eq!(utf32_text(b"#Software: Microsoft Internet"), None);
    }

    #[test]
    fn a_wrong_crc_is_an_error_at_the_end() {
        let data = b"hello\n".to_vec();
        let crc = {
            let mut c = flate2::Crc::new();
            c.update(&data);
            c.sum()
        };
        let mut ok = Vec::new();
        CrcChecked::new(io::Cursor::new(data.clone()), crc, 6)
            .read_to_end(&mut ok)
            .unwrap();
        let mut bad = Vec::new();
        let e = CrcChecked::new(io::Cursor::new(data), crc ^ 1, 6).read_to_end(&mut bad);
        assert!(e.unwrap_err().to_string().contains("CRC-32"));
        assert_eq!(bad, b"hello\n", "the bytes are still handed out");
    }
}
