//! Line-aligned chunks: the unit of parallel work.
//!
//! A chunk owns the lines whose first byte lies in its byte range, so adjacent chunks of a
//! file split it exactly, without coordination. Plain files are read by range into reused
//! buffers (each worker reads its own chunk), so resident memory stays at chunks-in-flight ×
//! chunk size however large the file; decoded streams (gzip, zip members) are cut into blocks
//! at line ends as they are read.
//!
//! Every chunk of a file is read from one handle, opened once, with positional reads
//! ([`read_at`]): the workers share it without a shared cursor, and a file renamed over the
//! path while it is read (a rotated or copied-over log) cannot mix into it, as it did when
//! each chunk opened the path again.
//!
//! Memory maps were measured too (`examples/bench-iis`): slightly faster on one thread, but
//! mapping and unmapping a window per chunk contends on the kernel's address-space lock and
//! costs TLB shootdowns, so two threads scaled 1.78× against 1.84× for reads; a map also
//! faults (SIGBUS) if a live log is truncated under it. Reads win on both counts.

use std::fs::File;
use std::io::{self, Read};

use super::limits::MAX_LINE_BYTES;
use super::sniff::UTF8_BOM;

/// Bytes of one line kept in a buffer: one more than the longest accepted line, so that the
/// scanner sees the line is too long; the rest is skipped and counted ([`Chunk::cut`]).
const LINE_KEPT_BYTES: usize = MAX_LINE_BYTES + 1;

/// Where a chunk's lines are in its buffer, and how the last one was cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chunk {
    /// Offset of the chunk's first line in the buffer.
    pub first: usize,
    /// Bytes of the buffer's last line that were skipped, not stored (that line is longer
    /// than [`MAX_LINE_BYTES`]; its `\n` and a `\r` before it are not counted).
    pub cut: u64,
}

/// How much more is read at a time when a line runs past a chunk's end.
const OVERRUN_STEP: usize = 64 << 10;

/// Splits a file of `len` bytes into chunk ranges of about `chunk` bytes.
pub fn ranges(len: u64, chunk: usize) -> Vec<(u64, u64)> {
    let chunk = chunk.max(1) as u64;
    (0..len.div_ceil(chunk))
        .map(|i| (i * chunk, ((i + 1) * chunk).min(len)))
        .collect()
}

/// Reads at `offset` of `file` into `buf`, without using the handle's cursor, so that
/// threads can read one handle at once; `Ok(0)` at the end of the file.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

/// Reads at `offset` of `file` into `buf`; `Ok(0)` at the end of the file. `seek_read` also
/// moves the handle's cursor, which nothing here reads from: each read names its offset
/// (an `OVERLAPPED` offset on a synchronous handle), so threads can share the handle.
#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// A reader of a shared file handle from an offset on, by positional reads.
struct ReadAt<'f> {
    file: &'f File,
    offset: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_at(self.file, buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads the lines of `file` that start in `[start, end)` into `buf` (cleared first); they
/// begin at the returned offset (the bytes before it belong to the previous chunk's last
/// line, read only to find where ours start). A UTF-8 byte-order mark at the start of the
/// file is skipped: it is encoding, not part of the first line (IIS writes none, but logs
/// re-saved by Notepad or PowerShell carry one before `#Software`). `file` is shared by the
/// workers reading its other chunks: it is read by position, never by its cursor.
pub fn read_range(file: &File, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<Chunk> {
    buf.clear();
    // One byte before the range tells whether a line starts exactly at `start`.
    let from = start.saturating_sub(1);
    let mut file = ReadAt { file, offset: from };
    (&mut file).take(end - from).read_to_end(buf)?;
    let range_len = buf.len();
    let first = if start == 0 {
        0
    } else {
        match memchr::memchr(b'\n', buf) {
            Some(i) => i + 1,
            // No line starts in the range: it lies inside one long line, which belongs to
            // an earlier chunk. Not reading on to that line's end keeps every chunk of a
            // newline-free region from reading the rest of it.
            None => {
                buf.clear();
                return Ok(Chunk::default());
            }
        }
    };
    // A BOM is not part of the first line: it is skipped, and does not count against the
    // line's cap. Looked at again once the line is whole (a range shorter than the BOM).
    let bom = |buf: &[u8]| match start == 0 && buf.starts_with(UTF8_BOM) {
        true => UTF8_BOM.len(),
        false => 0,
    };
    let cut = finish_last_line(&mut file, buf, range_len.max(first), bom(buf))?;
    Ok(Chunk {
        first: first.max(bom(buf)),
        cut,
    })
}

/// Extends `buf` until the line containing its last byte (`range_len - 1`) is complete, or
/// holds [`LINE_KEPT_BYTES`] of it (from `line_floor` at the least: a BOM before the first
/// line is not part of it); returns the bytes of that line skipped after those.
fn finish_last_line(
    file: &mut ReadAt<'_>,
    buf: &mut Vec<u8>,
    range_len: usize,
    line_floor: usize,
) -> io::Result<u64> {
    if range_len == 0 || buf[range_len - 1] == b'\n' {
        return Ok(0);
    }
    let line_start = memchr::memrchr(b'\n', &buf[..range_len]).map_or(line_floor, |i| i + 1);
    let mut searched = range_len;
    loop {
        let room = (line_start + LINE_KEPT_BYTES).saturating_sub(buf.len());
        if room == 0 {
            return cut_length(file, &mut Vec::new(), &[]);
        }
        let before = buf.len();
        file.take(room.min(OVERRUN_STEP) as u64).read_to_end(buf)?;
        if let Some(i) = memchr::memchr(b'\n', &buf[searched..]) {
            buf.truncate(searched + i + 1);
            return Ok(0);
        }
        if buf.len() == before {
            return Ok(0); // end of file: the last line has no newline
        }
        searched = buf.len();
    }
}

/// What [`skip_rest_of_line`] passed over.
struct Skipped {
    /// Bytes before the `\n` (or the end).
    bytes: u64,
    /// The byte before the `\n` was a `\r` (counting `last`, the byte dropped before the
    /// skip started): the line's length does not count it, as the scanner trims it.
    cr: bool,
}

/// Reads on to the end of the current line without keeping it. What was read after the `\n`
/// is appended to `after`.
fn skip_rest_of_line(inner: &mut dyn Read, after: &mut Vec<u8>, last: u8) -> io::Result<Skipped> {
    let mut scratch = vec![0u8; OVERRUN_STEP];
    let (mut bytes, mut last) = (0u64, last);
    loop {
        let n = match inner.read(&mut scratch) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => other?,
        };
        if n == 0 {
            return Ok(Skipped { bytes, cr: false });
        }
        if let Some(i) = memchr::memchr(b'\n', &scratch[..n]) {
            let before_newline = if i > 0 { scratch[i - 1] } else { last };
            after.extend_from_slice(&scratch[i + 1..n]);
            return Ok(Skipped {
                bytes: bytes + i as u64,
                cr: before_newline == b'\r',
            });
        }
        bytes += n as u64;
        last = scratch[n - 1];
    }
}

/// Bytes of a cut line that were not kept: `dropped` already read and thrown away, then
/// those skipped; a `\r` before the `\n` is not part of the line.
fn cut_length(inner: &mut dyn Read, after: &mut Vec<u8>, dropped: &[u8]) -> io::Result<u64> {
    let skipped = skip_rest_of_line(inner, after, dropped.last().copied().unwrap_or(0))?;
    // `cr` means a `\r` was among the bytes dropped or skipped, so this does not underflow.
    Ok(dropped.len() as u64 + skipped.bytes - u64::from(skipped.cr))
}

/// Appends one read of at most [`OVERRUN_STEP`] bytes. The request size never depends on
/// the buffer's capacity, so a stream that fails (a bomb stopped by its limit) fails at the
/// same byte whatever buffers were reused: output stays identical for any `--threads`.
fn read_step(inner: &mut dyn Read, buf: &mut Vec<u8>) -> io::Result<usize> {
    let start = buf.len();
    buf.resize(start + OVERRUN_STEP, 0);
    let read = loop {
        match inner.read(&mut buf[start..]) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other,
        }
    };
    buf.truncate(start + *read.as_ref().unwrap_or(&0));
    read
}

/// Cuts a decoded stream into line-aligned blocks of about `chunk` bytes.
///
/// A stream that fails midway (a truncated `.gz`) first yields what was decoded before the
/// failure, then the error: every line that can be read is read. A UTF-8 byte-order mark at
/// the start of the stream is dropped, as [`read_range`] skips it. A line longer than
/// [`MAX_LINE_BYTES`] ends its block, cut as [`read_range`] cuts it ([`Self::last_cut`]).
pub struct BlockReader {
    inner: Box<dyn Read + Send>,
    carry: Vec<u8>,
    at_start: bool,
    chunk: usize,
    done: bool,
    failed: Option<io::Error>,
    last_cut: u64,
}

impl BlockReader {
    pub fn new(inner: Box<dyn Read + Send>, chunk: usize) -> Self {
        BlockReader {
            inner,
            carry: Vec::new(),
            at_start: true,
            chunk: chunk.max(1),
            done: false,
            failed: None,
            last_cut: 0,
        }
    }

    /// Bytes skipped from the last line of the block `next_block` returned last.
    pub fn last_cut(&self) -> u64 {
        self.last_cut
    }

    /// Fills `buf` with the next block; `Ok(false)` at the end of the stream.
    pub fn next_block(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        buf.clear();
        self.last_cut = 0;
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        buf.append(&mut self.carry);
        // After a cut line the carry holds what followed it, whole lines too: searched once
        // here; after that only the bytes each read adds are.
        let mut last_newline = memchr::memrchr(b'\n', buf);
        loop {
            if self.at_start && (buf.len() >= UTF8_BOM.len() || self.done) {
                let stripped = self.strip_bom(buf);
                last_newline = last_newline.map(|i| i - stripped);
            }
            let line_start = last_newline.map_or(0, |i| i + 1);
            if buf.len() - line_start > LINE_KEPT_BYTES {
                self.last_cut = self.cut(buf, line_start + LINE_KEPT_BYTES);
                return Ok(true);
            }
            if self.done || (buf.len() >= self.chunk && last_newline.is_some()) {
                break;
            }
            let before = buf.len();
            match read_step(&mut self.inner, buf) {
                Ok(n) => self.done = n == 0,
                Err(e) if buf.is_empty() => return Err(e),
                Err(e) => {
                    self.failed = Some(e);
                    self.done = true;
                }
            }
            if let Some(i) = memchr::memrchr(b'\n', &buf[before..]) {
                last_newline = Some(before + i);
            }
        }
        if !self.done {
            if let Some(i) = last_newline {
                self.carry.extend_from_slice(&buf[i + 1..]);
                buf.truncate(i + 1);
            }
        }
        Ok(!buf.is_empty())
    }

    /// Ends the block at `keep` bytes, inside an over-long last line, and skips the rest of
    /// that line (the next block starts after it); returns the bytes of the line not kept.
    fn cut(&mut self, buf: &mut Vec<u8>, keep: usize) -> u64 {
        let dropped = buf.split_off(keep);
        if self.done {
            return dropped.len() as u64; // the stream ended inside the line
        }
        match cut_length(&mut self.inner, &mut self.carry, &dropped) {
            Ok(length) => length,
            Err(e) => {
                self.failed = Some(e);
                self.done = true;
                dropped.len() as u64
            }
        }
    }

    /// Drops a byte-order mark from the stream's first block; returns the bytes dropped.
    fn strip_bom(&mut self, buf: &mut Vec<u8>) -> usize {
        if std::mem::take(&mut self.at_start) && buf.starts_with(UTF8_BOM) {
            buf.drain(..UTF8_BOM.len());
            return UTF8_BOM.len();
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_of_ranges(text: &[u8], chunk: usize) -> Vec<u8> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text).unwrap();
        let mut all = Vec::new();
        let mut buf = Vec::new();
        for (s, e) in ranges(text.len() as u64, chunk) {
            let chunk = read_range(f.as_file(), s, e, &mut buf).unwrap();
            assert_eq!(chunk.cut, 0);
            all.extend_from_slice(&buf[chunk.first..]);
        }
        all
    }

    /// A log copied over the path while it is read (`mv B.log u_ex.log`): the chunks read
    /// after that come from the handle first opened, so they are the first file's bytes.
    #[test]
    fn a_range_read_after_a_rename_over_the_path_is_the_first_files() {
        let dir = tempfile::tempdir().unwrap();
        let (path, other) = (dir.path().join("u_ex.log"), dir.path().join("B.log"));
        std::fs::write(&path, b"first A\nsecond A\nthird A\n").unwrap();
        std::fs::write(&other, b"first B\nsecond B\nthird B\n").unwrap();
        let file = File::open(&path).unwrap();
        let mut buf = Vec::new();
        let c = read_range(&file, 0, 8, &mut buf).unwrap();
        assert_eq!(&buf[c.first..], b"first A\n");
        std::fs::rename(&other, &path).unwrap();
        let c = read_range(&file, 8, 26, &mut buf).unwrap();
        assert_eq!(&buf[c.first..], b"second A\nthird A\n");
    }

    #[test]
    fn ranges_partition_lines_exactly() {
        let text = b"alpha\nbeta\n\ngamma delta\nlast-without-newline";
        for chunk in 1..text.len() + 2 {
            assert_eq!(lines_of_ranges(text, chunk), text, "chunk {chunk}");
        }
    }

    #[test]
    fn blocks_partition_streams_exactly() {
        let text = b"alpha\nbeta\n\ngamma delta\nlast-without-newline".to_vec();
        for chunk in 1..text.len() + 2 {
            let mut r = BlockReader::new(Box::new(std::io::Cursor::new(text.clone())), chunk);
            let (mut all, mut buf) = (Vec::new(), Vec::new());
            while r.next_block(&mut buf).unwrap() {
                assert!(buf.ends_with(b"\n") || all.len() + buf.len() == text.len());
                all.extend_from_slice(&buf);
            }
            assert_eq!(all, text, "chunk {chunk}");
        }
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped_by_ranges_and_blocks() {
        let text = b"\xEF\xBB\xBF#Software: x\n#Fields: date\nrow\n";
        for chunk in 1..text.len() + 2 {
            assert_eq!(
                lines_of_ranges(text, chunk),
                &text[3..],
                "ranges, chunk {chunk}"
            );
            let mut r = BlockReader::new(Box::new(std::io::Cursor::new(text.to_vec())), chunk);
            let (mut all, mut buf) = (Vec::new(), Vec::new());
            while r.next_block(&mut buf).unwrap() {
                all.extend_from_slice(&buf);
            }
            assert_eq!(all, &text[3..], "blocks, chunk {chunk}");
        }
    }

    /// The lines kept of `text` by ranges of `chunk` bytes, and the bytes cut from each.
    fn cut_ranges(text: &[u8], chunk: usize) -> (Vec<u8>, u64) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text).unwrap();
        let (mut all, mut cut, mut buf) = (Vec::new(), 0, Vec::new());
        for (s, e) in ranges(text.len() as u64, chunk) {
            let c = read_range(f.as_file(), s, e, &mut buf).unwrap();
            all.extend_from_slice(&buf[c.first..]);
            cut += c.cut;
        }
        (all, cut)
    }

    fn cut_blocks(text: &[u8], chunk: usize) -> (Vec<u8>, u64) {
        let mut r = BlockReader::new(Box::new(std::io::Cursor::new(text.to_vec())), chunk);
        let (mut all, mut cut, mut buf) = (Vec::new(), 0, Vec::new());
        while r.next_block(&mut buf).unwrap() {
            all.extend_from_slice(&buf);
            cut += r.last_cut();
        }
        (all, cut)
    }

    #[test]
    fn an_over_long_line_is_kept_up_to_the_limit_and_the_rest_counted() {
        let long = 3 * MAX_LINE_BYTES + 17;
        let mut text = b"first\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', long));
        text.extend_from_slice(b"\r\nlast\n");
        for chunk in [1000, 64 << 10, MAX_LINE_BYTES, 4 << 20] {
            for (how, (all, cut)) in [
                ("ranges", cut_ranges(&text, chunk)),
                ("blocks", cut_blocks(&text, chunk)),
            ] {
                assert!(all.starts_with(b"first\n") && all.ends_with(b"last\n"));
                let xs = all.iter().filter(|&&b| b == b'x').count();
                assert_eq!(xs as u64 + cut, long as u64, "{how} {chunk}");
                // A range keeps what lies in it; past it, no more than the limit.
                assert!(xs <= chunk.max(LINE_KEPT_BYTES), "{how} {chunk}: kept {xs}");
                assert_eq!(cut == 0, xs == long, "{how} {chunk}");
            }
        }
    }

    /// Every line's length as a reader reports it: the bytes it kept (without `\n` and a
    /// final `\r`), plus the cut for the last line of a chunk that was cut.
    fn reported_lengths(pieces: &[(Vec<u8>, u64)]) -> Vec<u64> {
        let mut lengths = Vec::new();
        for (bytes, cut) in pieces {
            let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
            if bytes.ends_with(b"\n") || bytes.is_empty() {
                lines.pop();
            }
            let n = lines.len();
            for (i, line) in lines.into_iter().enumerate() {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let cut = if i + 1 == n { *cut } else { 0 };
                lengths.push(line.len() as u64 + cut);
            }
        }
        lengths
    }

    fn range_pieces(text: &[u8], chunk: usize) -> Vec<(Vec<u8>, u64)> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text).unwrap();
        let mut buf = Vec::new();
        ranges(text.len() as u64, chunk)
            .into_iter()
            .map(|(s, e)| {
                let c = read_range(f.as_file(), s, e, &mut buf).unwrap();
                (buf[c.first..].to_vec(), c.cut)
            })
            .collect()
    }

    /// Reads in steps of at most `step` bytes: puts read boundaries anywhere.
    struct Dribble(std::io::Cursor<Vec<u8>>, usize);

    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1);
            self.0.read(&mut buf[..n])
        }
    }

    fn block_pieces(text: &[u8], chunk: usize, step: usize) -> Vec<(Vec<u8>, u64)> {
        let source = Dribble(std::io::Cursor::new(text.to_vec()), step);
        let mut r = BlockReader::new(Box::new(source), chunk);
        let (mut pieces, mut buf) = (Vec::new(), Vec::new());
        while r.next_block(&mut buf).unwrap() {
            pieces.push((buf.clone(), r.last_cut()));
        }
        pieces
    }

    #[test]
    fn every_reader_reports_every_line_at_its_true_length() {
        let line = |c: u8, n: usize, end: &[u8]| {
            let mut l = vec![c; n];
            l.extend_from_slice(end);
            l
        };
        let k = MAX_LINE_BYTES;
        let scenarios: Vec<Vec<u8>> = vec![
            // A cut line, a short one, then one exactly at the limit (kept whole).
            [
                line(b'x', 2 * k, b"\n"),
                line(b'a', 65534, b"\n"),
                line(b'y', k, b"\n"),
            ]
            .concat(),
            // A BOM, then a first line one byte under the limit.
            [
                b"\xEF\xBB\xBF".to_vec(),
                line(b'b', k - 1, b"\r\n"),
                line(b'c', 5, b"\n"),
            ]
            .concat(),
            // CRLF endings with the \r at every distance from a read boundary.
            [
                line(b'd', k + 65535, b"\r\n"),
                line(b'e', k + 1, b"\r\n"),
                line(b'f', 3, b""),
            ]
            .concat(),
            // A long run of blanks, then a directive.
            [
                line(b' ', 2 * k + 7, b"\n"),
                b"#Fields: date time\n".to_vec(),
            ]
            .concat(),
        ];
        for text in &scenarios {
            let body = text.strip_prefix(UTF8_BOM).unwrap_or(text);
            let truth = reported_lengths(&[(body.to_vec(), 0)]);
            for chunk in [1000, 64 << 10, k, 4 << 20] {
                assert_eq!(
                    reported_lengths(&range_pieces(text, chunk)),
                    truth,
                    "ranges {chunk}"
                );
                for step in [1 << 16, 7919] {
                    let got = reported_lengths(&block_pieces(text, chunk, step));
                    assert_eq!(got, truth, "blocks {chunk} step {step}");
                }
            }
        }
    }

    /// Yields its data, then fails.
    struct FailsAfter(std::io::Cursor<Vec<u8>>);

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_failing_stream_yields_what_it_decoded_then_the_error() {
        let data = std::io::Cursor::new(b"a\nb\npartial".to_vec());
        let mut r = BlockReader::new(Box::new(FailsAfter(data)), 1 << 20);
        let mut buf = Vec::new();
        assert!(r.next_block(&mut buf).unwrap());
        assert_eq!(buf, b"a\nb\npartial");
        assert!(r.next_block(&mut buf).is_err());
    }
}
