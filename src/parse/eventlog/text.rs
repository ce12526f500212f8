//! Text exports as a stream of UTF-8 lines, whatever their encoding.
//!
//! Event Viewer writes TXT exports in UTF-16LE with a BOM, CSV in UTF-8 (with or without a
//! BOM); PowerShell writes whatever its `-Encoding` said. [`TextReader`] detects the encoding
//! from the first bytes, decodes UTF-16 on the fly (no whole-file buffering), and hands out
//! lines with a length cap so that one endless line cannot exhaust memory. Lines can be pushed
//! back, which the row reader uses to resynchronize after an unbalanced quote.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

/// Longest line kept (bytes). Longer lines are cut here and reported as truncated: real
/// event messages are far shorter (the longest 4002 stack traces run to a few KiB per line),
/// and 1 MiB bounds the memory one line can take.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Read buffer size: large enough that `fill_buf` amortizes the syscall and decode overhead.
const READ_BUFFER_BYTES: usize = 256 << 10;

/// The text encodings recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// Detects the encoding from the first bytes; returns it and the BOM length to skip.
pub fn detect(head: &[u8]) -> (Encoding, usize) {
    if head.starts_with(b"\xEF\xBB\xBF") {
        (Encoding::Utf8, 3)
    } else if head.starts_with(b"\xFF\xFE") {
        (Encoding::Utf16Le, 2)
    } else if head.starts_with(b"\xFE\xFF") {
        (Encoding::Utf16Be, 2)
    } else if looks_utf16le(head) {
        (Encoding::Utf16Le, 0)
    } else {
        (Encoding::Utf8, 0)
    }
}

/// BOM-less UTF-16LE: ASCII text with every odd byte zero in the first few characters.
fn looks_utf16le(head: &[u8]) -> bool {
    let n = head.len().min(64) & !1;
    n >= 8
        && head[..n].chunks_exact(2).all(|p| p[1] == 0)
        && head[..n].chunks_exact(2).all(|p| p[0] != 0)
}

/// Decodes the first bytes of an input (for sniffing) into UTF-8, lossily.
pub fn decode_head(head: &[u8]) -> String {
    let (enc, bom) = detect(head);
    let body = &head[bom..];
    match enc {
        Encoding::Utf8 => String::from_utf8_lossy(body).into_owned(),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let units = body.chunks_exact(2).map(|p| unit(enc, p[0], p[1]));
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
    }
}

fn unit(enc: Encoding, a: u8, b: u8) -> u16 {
    match enc {
        Encoding::Utf16Be => u16::from_be_bytes([a, b]),
        _ => u16::from_le_bytes([a, b]),
    }
}

/// Counts the bytes read through it (the input's decoded size, before any UTF-16 decoding).
pub struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R> Counted<R> {
    pub fn new(inner: R) -> (Self, Rc<Cell<u64>>) {
        let count = Rc::new(Cell::new(0));
        let counted = Counted {
            inner,
            count: count.clone(),
        };
        (counted, count)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A UTF-16 byte stream turned into UTF-8, decoded a buffer at a time. Unpaired surrogates
/// become U+FFFD; a trailing odd byte is dropped.
pub struct Utf16ToUtf8<R> {
    inner: R,
    enc: Encoding,
    raw: Vec<u8>,
    /// Raw bytes kept for the next round: an odd byte or a high surrogate at the buffer end.
    carry: usize,
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl<R: Read> Utf16ToUtf8<R> {
    pub fn new(inner: R, enc: Encoding) -> Self {
        Utf16ToUtf8 {
            inner,
            enc,
            raw: vec![0; READ_BUFFER_BYTES],
            carry: 0,
            out: Vec::with_capacity(READ_BUFFER_BYTES * 3 / 2),
            out_pos: 0,
            eof: false,
        }
    }

    /// Reads and decodes the next buffer into `out`.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.eof {
            let n = read_some(&mut self.inner, &mut self.raw[self.carry..])?;
            self.eof = n == 0;
            let filled = self.carry + n;
            let usable = self.decodable_len(filled);
            self.decode(usable);
            self.raw.copy_within(usable..filled, 0);
            self.carry = filled - usable;
        }
        Ok(())
    }

    /// How many of the `filled` bytes can be decoded now: whole units, and not a high
    /// surrogate whose partner may be in the next read.
    fn decodable_len(&self, filled: usize) -> usize {
        let even = filled & !1;
        if self.eof || even < 2 {
            return if self.eof { even } else { 0 };
        }
        let last = unit(self.enc, self.raw[even - 2], self.raw[even - 1]);
        if (0xD800..0xDC00).contains(&last) {
            even - 2
        } else {
            even
        }
    }

    fn decode(&mut self, len: usize) {
        let enc = self.enc;
        let units = self.raw[..len]
            .chunks_exact(2)
            .map(|p| unit(enc, p[0], p[1]));
        let mut tmp = [0u8; 4];
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            if c.is_ascii() {
                self.out.push(c as u8);
            } else {
                self.out
                    .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
}

fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out.len() {
            self.refill()?;
        }
        let avail = &self.out[self.out_pos..];
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// The shared count of raw bytes read from an input.
pub type ByteCount = Rc<Cell<u64>>;

/// A UTF-8 view of an input and the count of its raw bytes read so far.
pub type Utf8Text = (Box<dyn BufRead>, ByteCount);

/// Opens decoded bytes as a UTF-8 buffered stream, skipping any BOM. Returns the stream and
/// the shared count of raw bytes read.
pub fn utf8_stream(raw: Box<dyn Read + Send>) -> io::Result<Utf8Text> {
    let (counted, count) = Counted::new(raw);
    let mut peek = BufReader::with_capacity(READ_BUFFER_BYTES, counted);
    let (enc, bom) = detect(peek.fill_buf()?);
    peek.consume(bom);
    let stream: Box<dyn BufRead> = match enc {
        Encoding::Utf8 => Box::new(peek),
        _ => Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            Utf16ToUtf8::new(peek, enc),
        )),
    };
    Ok((stream, count))
}

/// One line handed out by [`LineReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInfo {
    /// 1-based line number.
    pub number: u64,
    /// The line was longer than [`MAX_LINE_BYTES`] and was cut.
    pub truncated: bool,
}

/// Lines of a UTF-8 stream, without their `\n` / `\r\n`, capped at [`MAX_LINE_BYTES`], with
/// push-back of already read text.
pub struct LineReader<R> {
    inner: R,
    /// Pushed-back text, read before `inner`.
    pending: Vec<u8>,
    pending_pos: usize,
    /// The number the next line gets.
    next_number: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            pending: Vec::new(),
            pending_pos: 0,
            next_number: 1,
        }
    }

    /// Reads the next line into `out` (cleared first). `None` at the end of input.
    pub fn next_line(&mut self, out: &mut Vec<u8>) -> io::Result<Option<LineInfo>> {
        out.clear();
        let number = self.next_number;
        let (found, truncated) = if self.pending_pos < self.pending.len() {
            self.line_from_pending(out)
        } else {
            read_capped_line(&mut self.inner, out)?
        };
        if !found {
            return Ok(None);
        }
        if out.last() == Some(&b'\r') {
            out.pop();
        }
        self.next_number += 1;
        Ok(Some(LineInfo { number, truncated }))
    }

    fn line_from_pending(&mut self, out: &mut Vec<u8>) -> (bool, bool) {
        let rest = &self.pending[self.pending_pos..];
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                out.extend_from_slice(&rest[..i]);
                self.pending_pos += i + 1;
            }
            None => {
                // Pushed-back text always ends with a full line.
                out.extend_from_slice(rest);
                self.pending_pos = self.pending.len();
            }
        }
        (true, false)
    }

    /// Puts lines back to be read again, starting with line `number`. `text` holds whole
    /// lines, each ending in `\n`.
    pub fn push_back(&mut self, text: &[u8], number: u64) {
        let mut pending = Vec::with_capacity(text.len() + self.pending.len() - self.pending_pos);
        pending.extend_from_slice(text);
        pending.extend_from_slice(&self.pending[self.pending_pos..]);
        self.pending = pending;
        self.pending_pos = 0;
        self.next_number = number;
    }
}

/// Appends one line (without `\n`) to `out`, keeping at most [`MAX_LINE_BYTES`]. Returns
/// whether a line was found and whether it was cut.
fn read_capped_line(r: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<(bool, bool)> {
    let mut any = false;
    let mut truncated = false;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((any, truncated));
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i, true),
            None => (buf.len(), false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(out.len());
        truncated |= take > room;
        out.extend_from_slice(&buf[..take.min(room)]);
        r.consume(take + usize::from(done));
        if done {
            return Ok((true, truncated));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        v
    }

    /// Hands out at most `step` bytes per read: puts read boundaries everywhere.
    struct Dribble {
        bytes: Vec<u8>,
        pos: usize,
        step: usize,
    }

    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len() - self.pos);
            buf[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    use proptest::prelude::*;

    proptest! {
        /// UTF-16 read a few bytes at a time (odd bytes and surrogate pairs cut by reads)
        /// decodes as the whole text does.
        #[test]
        fn utf16_decoding_does_not_depend_on_read_boundaries(
            units in prop::collection::vec(
                prop_oneof![4 => 0x20u16..0x7F, 1 => any::<u16>(), 1 => 0xD800u16..0xE000],
                0..300,
            ),
            step in 1usize..9,
            big_endian in any::<bool>(),
        ) {
            let bytes: Vec<u8> = units
                .iter()
                .flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() })
                .collect();
            let enc = if big_endian { Encoding::Utf16Be } else { Encoding::Utf16Le };
            let mut decoded = Vec::new();
            Utf16ToUtf8::new(Dribble { bytes, pos: 0, step }, enc)
                .read_to_end(&mut decoded)
                .unwrap();
            prop_assert_eq!(String::from_utf8(decoded).unwrap(), String::from_utf16_lossy(&units));
        }
    }

    fn read_all(bytes: Vec<u8>) -> Vec<String> {
        let (stream, _) = utf8_stream(Box::new(io::Cursor::new(bytes))).unwrap();
        let mut lines = LineReader::new(stream);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while lines.next_line(&mut buf).unwrap().is_some() {
            out.push(String::from_utf8(buf.clone()).unwrap());
        }
        out
    }

    #[test]
    fn decodes_utf16le_with_bom_and_crlf() {
        let text = "Level\tDate\r\nFehler\tÄ 😀 ok\r\n";
        assert_eq!(read_all(utf16le(text)), ["Level\tDate", "Fehler\tÄ 😀 ok"]);
    }

    #[test]
    fn decodes_surrogates_split_across_reads() {
        // A reader that hands out one byte at a time splits every unit and pair.
        struct OneByte(io::Cursor<Vec<u8>>);
        impl Read for OneByte {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(1);
                self.0.read(&mut buf[..n])
            }
        }
        let raw = utf16le("a😀b\n")[2..].to_vec();
        let mut dec = Utf16ToUtf8::new(OneByte(io::Cursor::new(raw)), Encoding::Utf16Le);
        let mut s = String::new();
        dec.read_to_string(&mut s).unwrap();
        assert_eq!(s, "a😀b\n");
    }

    #[test]
    fn strips_utf8_bom_and_detects_bomless_utf16() {
        assert_eq!(read_all(b"\xEF\xBB\xBFa,b\nc".to_vec()), ["a,b", "c"]);
        let bomless = utf16le("Level,Date and Time\n")[2..].to_vec();
        assert_eq!(read_all(bomless), ["Level,Date and Time"]);
    }

    #[test]
    fn push_back_replays_lines_with_their_numbers() {
        let mut lines = LineReader::new(&b"one\ntwo\nthree\n"[..]);
        let mut buf = Vec::new();
        lines.next_line(&mut buf).unwrap();
        lines.next_line(&mut buf).unwrap();
        lines.push_back(b"two\n", 2);
        assert_eq!(lines.next_line(&mut buf).unwrap().unwrap().number, 2);
        assert_eq!(buf, b"two");
        assert_eq!(lines.next_line(&mut buf).unwrap().unwrap().number, 3);
        assert_eq!(buf, b"three");
        assert_eq!(lines.next_line(&mut buf).unwrap(), None);
    }

    #[test]
    fn caps_endless_lines() {
        let mut long = vec![b'x'; MAX_LINE_BYTES + 10];
        long.extend_from_slice(b"\nnext\n");
        let mut lines = LineReader::new(&long[..]);
        let mut buf = Vec::new();
        let info = lines.next_line(&mut buf).unwrap().unwrap();
        assert!(info.truncated);
        assert_eq!(buf.len(), MAX_LINE_BYTES);
        lines.next_line(&mut buf).unwrap();
        assert_eq!(buf, b"next");
    }
}
