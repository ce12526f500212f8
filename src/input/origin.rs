//! Where an input's bytes come from, and how to open them decoded and bounded.
//!
//! Archives are read, never extracted: a zip member is decoded straight from its offset in
//! the archive (or from memory for a nested archive), so names like `../../x` are only labels.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::DeflateDecoder;

use super::decode::{CrcChecked, GzMembers, ReadNotes, TextDecoding};
use super::limits::{MAX_EXPANDED_BYTES, MAX_EXPANSION_RATIO, RATIO_GRACE_BYTES};
use super::stream::Stream;

/// Bytes that hold zip members: an archive on disk, or a nested archive read into memory.
#[derive(Debug, Clone)]
pub enum Container {
    Disk(PathBuf),
    Memory(Arc<Vec<u8>>),
}

/// How a zip member's bytes are compressed (the methods archivers write: deflate by
/// Windows and most tools, deflate64 by Explorer for members over 2 GiB, bzip2 and zstd by
/// 7-Zip and newer zip tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Stored,
    Deflate,
    Deflate64,
    Bzip2,
    Zstd,
    /// LZMA, with the member's uncompressed size (a zip's LZMA data need not end with an
    /// end marker).
    Lzma(u64),
}

impl Codec {
    /// The codec of a zip compression method, when fbscope reads it.
    pub fn of_zip(method: zip::CompressionMethod, size: u64) -> Option<Codec> {
        // The zip crate names the methods it has no codec feature for only as constants of
        // its `Unsupported` variant; fbscope decodes the member range itself.
        use zip::CompressionMethod as M;
        match method {
            M::Stored => Some(Codec::Stored),
            M::Deflated => Some(Codec::Deflate),
            M::DEFLATE64 => Some(Codec::Deflate64),
            M::BZIP2 => Some(Codec::Bzip2),
            M::ZSTD => Some(Codec::Zstd),
            // LZMA's member data need not end with an end marker: the size bounds it.
            M::LZMA => Some(Codec::Lzma(size)),
            _ => None,
        }
    }

    /// A reader of the decoded bytes of `stored`.
    fn decoder(self, stored: impl Read + Send + 'static) -> io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Codec::Stored => Box::new(stored),
            Codec::Deflate => Box::new(DeflateDecoder::new(stored)),
            Codec::Deflate64 => Box::new(deflate64::Deflate64Decoder::new(stored)),
            Codec::Bzip2 => Box::new(bzip2::read::BzDecoder::new(stored)),
            Codec::Zstd => Box::new(ZstdReader::new(stored)),
            Codec::Lzma(size) => Box::new(LzmaReader::new(stored, size)?),
        })
    }
}

/// A zip member's zstd data as a reader: every frame in turn (a zstd stream may hold several,
/// and skippable frames between them), until the member's bytes end. Windows are capped at
/// ruzstd's default, 128 MiB, as the reference decoder caps them.
struct ZstdReader<R> {
    source: io::BufReader<R>,
    frame: ruzstd::decoding::FrameDecoder,
    in_frame: bool,
}

impl<R: Read> ZstdReader<R> {
    fn new(stored: R) -> Self {
        ZstdReader {
            source: io::BufReader::new(stored),
            frame: ruzstd::decoding::FrameDecoder::new(),
            in_frame: false,
        }
    }

    /// Starts the next frame; false at the end of the member.
    fn next_frame(&mut self) -> io::Result<bool> {
        use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
        loop {
            if io::BufRead::fill_buf(&mut self.source)?.is_empty() {
                return Ok(false);
            }
            match self.frame.reset(&mut self.source) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped = io::copy(
                        &mut (&mut self.source).take(u64::from(length)),
                        &mut io::sink(),
                    )?;
                    if skipped < u64::from(length) {
                        return Err(invalid_zstd("skippable frame cut short"));
                    }
                }
                Err(e) => return Err(invalid_zstd(e)),
            }
        }
    }
}

fn invalid_zstd(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}"))
}

impl<R: Read> Read for ZstdReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if !self.next_frame()? {
                    return Ok(0);
                }
                self.in_frame = true;
            }
            if self.frame.can_collect() > 0 {
                return self.frame.read(buf);
            }
            if self.frame.is_finished() {
                self.in_frame = false;
                continue;
            }
            self.frame
                .decode_blocks(
                    &mut self.source,
                    ruzstd::decoding::BlockDecodingStrategy::UptoBlocks(1),
                )
                .map_err(invalid_zstd)?;
        }
    }
}

/// A zip member's LZMA data as a reader: lzma-rs decodes by being written to, so compressed
/// bytes are pushed in a block at a time and the decoded ones taken from its output buffer.
struct LzmaReader<R> {
    input: R,
    stream: Option<lzma_rs::decompress::Stream<Vec<u8>>>,
    decoded: Vec<u8>,
    at: usize,
    block: Vec<u8>,
}

/// Decoded bytes the LZMA decoder may hold before they are read: its dictionary, at most.
const LZMA_MEMLIMIT: usize = 256 << 20;

impl<R: Read> LzmaReader<R> {
    /// Skips the zip's LZMA header prefix (version, 2 bytes; properties size, 2 bytes); the
    /// 5 bytes of properties that follow are the decoder's header.
    fn new(mut input: R, size: u64) -> io::Result<Self> {
        let mut prefix = [0u8; 4];
        input.read_exact(&mut prefix)?;
        if u16::from_le_bytes([prefix[2], prefix[3]]) != 5 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "zip LZMA member: properties are not 5 bytes",
            ));
        }
        let options = lzma_rs::decompress::Options {
            unpacked_size: lzma_rs::decompress::UnpackedSize::UseProvided(Some(size)),
            memlimit: Some(LZMA_MEMLIMIT),
            allow_incomplete: false,
        };
        Ok(LzmaReader {
            input,
            stream: Some(lzma_rs::decompress::Stream::new_with_options(
                &options,
                Vec::new(),
            )),
            decoded: Vec::new(),
            at: 0,
            block: vec![0; 64 << 10],
        })
    }
}

impl<R: Read> Read for LzmaReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.at < self.decoded.len() {
                let n = buf.len().min(self.decoded.len() - self.at);
                buf[..n].copy_from_slice(&self.decoded[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            let Some(stream) = self.stream.as_mut() else {
                return Ok(0);
            };
            self.decoded.clear();
            self.at = 0;
            if let Some(out) = stream.get_output_mut() {
                std::mem::swap(out, &mut self.decoded);
            }
            if !self.decoded.is_empty() {
                continue;
            }
            let n = self.input.read(&mut self.block)?;
            if n == 0 || !feed(stream, &self.block[..n])? {
                let stream = self.stream.take().expect("checked above");
                self.decoded = stream
                    .finish()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}")))?;
            }
        }
    }
}

/// Writes `bytes` into the decoder; false once it takes no more: it has decoded the member's
/// whole size, and what is left is the end marker 7-Zip writes after it (zip flag bit 1),
/// which a size-bounded decoder does not read. The member's CRC and size are checked after.
fn feed(stream: &mut lzma_rs::decompress::Stream<Vec<u8>>, mut bytes: &[u8]) -> io::Result<bool> {
    while !bytes.is_empty() {
        match stream.write(bytes)? {
            0 => return Ok(false),
            n => bytes = &bytes[n..],
        }
    }
    Ok(true)
}

/// The raw location of an input.
#[derive(Debug, Clone)]
pub enum Origin {
    File(PathBuf),
    Member {
        container: Container,
        data_start: u64,
        compressed_size: u64,
        codec: Codec,
        /// CRC-32 and size from the zip's central directory, checked when the data ends.
        check: Option<(u32, u64)>,
    },
    /// Standard input, a pipe, a FIFO or a device: read once, from the start.
    Stream(Arc<Stream>),
}

/// One input: a log file, a `.gz`, or an archive member.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path as shown in reports (`bundle.zip!EXCH01/W3SVC1/u_ex260302.log` for members).
    pub display: String,
    pub origin: Origin,
    /// The raw bytes are gzip (detected from the magic number, not the name).
    pub gzip: bool,
    /// Bytes as stored (compressed size for archives), for progress and ratio limits.
    pub stored_size: u64,
    /// The server the path names (or `--server-name`); unknown when neither does.
    pub server: crate::host::HostId,
    pub site: String,
    /// How the decoded bytes become text for the W3C reader (set by format detection).
    pub text: TextDecoding,
    /// What reading the input noticed (shared by its readers).
    pub notes: ReadNotes,
    /// The file's modification time when it was found (files on disk), to tell at the end
    /// whether it changed while it was read.
    pub modified: Option<std::time::SystemTime>,
}

impl Input {
    /// A file on disk (`gzip` when its bytes are gzip), shown as `display`.
    pub fn file(display: impl Into<String>, path: PathBuf, gzip: bool, stored_size: u64) -> Input {
        Input {
            display: display.into(),
            origin: Origin::File(path),
            gzip,
            stored_size,
            server: Default::default(),
            site: String::new(),
            text: TextDecoding::default(),
            notes: ReadNotes::default(),
            modified: None,
        }
    }

    /// An input whose decoded bytes are `bytes`, shown as `display`: a paste (`explain`),
    /// an archive member already in memory, a test's data.
    pub fn from_bytes(display: impl Into<String>, bytes: Vec<u8>) -> Input {
        let len = bytes.len() as u64;
        let origin = Origin::Member {
            container: Container::Memory(Arc::new(bytes)),
            data_start: 0,
            compressed_size: len,
            codec: Codec::Stored,
            check: None,
        };
        Input {
            origin,
            ..Input::file(display, PathBuf::new(), false, len)
        }
    }

    /// A plain file on disk that can be read in parallel ranges (its bytes are the text).
    pub fn plain_path(&self) -> Option<&Path> {
        match (&self.origin, self.gzip) {
            (Origin::File(p), false) if self.text.is_plain() => Some(p),
            _ => None,
        }
    }

    /// Opens the raw (still gzip-encoded, if so) bytes.
    pub fn open_raw(&self) -> io::Result<Box<dyn Read + Send>> {
        match &self.origin {
            Origin::File(path) => Ok(Box::new(File::open(path)?)),
            Origin::Member {
                container,
                data_start,
                compressed_size,
                codec,
                check,
            } => {
                let stored = container.open_at(*data_start)?.take(*compressed_size);
                let data = codec.decoder(stored)?;
                Ok(match *check {
                    Some((crc, size)) => Box::new(CrcChecked::new(data, crc, size)),
                    None => data,
                })
            }
            Origin::Stream(stream) => Ok(Box::new(stream.reader())),
        }
    }

    /// Opens the decoded bytes, with the expansion limits applied, made into UTF-8 text with
    /// LF line ends where format detection found a UTF-16 or CR-only log ([`Input::text`]).
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        let mut raw = self.open_raw()?;
        // A stream's stored size is not known ahead: the ratio is taken to the bytes read.
        let mut raw_count = None;
        if matches!(self.origin, Origin::Stream(_)) {
            let count = Arc::new(AtomicU64::new(0));
            raw = Box::new(CountedRaw(raw, count.clone()));
            raw_count = Some(count);
        }
        let compressed = self.gzip
            || matches!(self.origin, Origin::Member { codec, .. } if codec != Codec::Stored);
        let decoded: Box<dyn Read + Send> = if self.gzip {
            Box::new(GzMembers::new(raw, self.notes.clone()))
        } else {
            raw
        };
        let bounded: Box<dyn Read + Send> = if compressed {
            Box::new(Bounded::new(decoded, self.stored_size, raw_count))
        } else {
            decoded
        };
        Ok(self.text.apply(bounded))
    }
}

/// How a file on disk changed between its discovery and the end of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Shorter, gone, or rewritten (same size, new modification time): what was read may
    /// mix old and new bytes, or stop early.
    Lost(String),
    /// Longer with the old bytes kept: a live log written to; the lines after the end
    /// found may not have been read.
    Grew(String),
    /// The path names another file now (renamed over it, or gone), while the file first
    /// opened was read whole and did not change: nothing read is lost or mixed, but what
    /// the path holds now was not read.
    Replaced(String),
}

/// What tells one file from another, and one state of it from the next: size, modification
/// time and the file's identity, where std gives one. On unix that is the device and inode;
/// Windows' file index is not in stable std, so there the creation time stands in (a copy or
/// a new log made under the name has a new one; NTFS may tunnel the old name's creation time
/// to a file created under it within 15 s, and then a replacement of the same size and
/// modification time is not seen: it still cannot mix into what was read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
    id: FileId,
}

#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(windows)]
type FileId = u64;
#[cfg(not(any(unix, windows)))]
type FileId = ();

impl FileStamp {
    pub fn of(meta: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            id: file_id(meta),
        }
    }

    /// Do both stamps name the same file (whatever its size and time now)?
    pub fn same_file(&self, other: &FileStamp) -> bool {
        self.id == other.id
    }
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(windows)]
fn file_id(meta: &std::fs::Metadata) -> FileId {
    std::os::windows::fs::MetadataExt::creation_time(meta)
}

#[cfg(not(any(unix, windows)))]
fn file_id(_: &std::fs::Metadata) -> FileId {}

impl Input {
    /// Has the file behind this input changed since it was found? `None` for archive
    /// members and streams (their bytes cannot change under fbscope) and unchanged files.
    ///
    /// A plain file's chunks are all read from one handle: the file it names (its stamp when
    /// its last chunk was read) is judged first; a change there is one while it was read.
    /// When that file did not change, it was read whole, and the path naming another file
    /// now (or none) is a replacement, a note: the lines read are all the first file's.
    pub fn change_since_found(&self) -> Option<Change> {
        let Origin::File(path) = &self.origin else {
            return None;
        };
        let now = std::fs::metadata(path).map(|m| FileStamp::of(&m));
        let Some(read) = self.notes.read_from() else {
            return match now {
                Ok(now) => self.change_to(&now),
                Err(e) => Some(Change::Lost(format!("it is gone or unreadable now ({e})"))),
            };
        };
        if let Some(change) = self.change_to(&read) {
            return Some(change);
        }
        match now {
            Ok(now) if read.same_file(&now) => self.change_to(&now),
            Ok(_) => Some(Change::Replaced(
                "it was replaced while it was read (the path names another file now): the file as first opened was read whole, the one there now was not read".into(),
            )),
            Err(e) => Some(Change::Replaced(format!(
                "it was renamed or removed while it was read ({e}): the file as first opened was read whole"
            ))),
        }
    }

    /// How the file found became `now` (the file read, or what the path names).
    fn change_to(&self, now: &FileStamp) -> Option<Change> {
        let (was, now_len) = (self.stored_size, now.len);
        if now_len < was {
            return Some(Change::Lost(format!(
                "it was truncated while it was read ({was} bytes when found, {now_len} now): lines may be missing"
            )));
        }
        if now_len > was {
            return Some(Change::Grew(format!(
                "it grew while it was read ({was} bytes when found, {now_len} now): lines written after that may not be read"
            )));
        }
        let rewritten = matches!((self.modified, now.modified), (Some(a), Some(b)) if a != b);
        rewritten.then(|| {
            Change::Lost(
                "it was rewritten while it was read (same size, new modification time)".into(),
            )
        })
    }
}

impl Container {
    fn open_at(&self, offset: u64) -> io::Result<Box<dyn Read + Send>> {
        match self {
            Container::Disk(path) => {
                let mut f = File::open(path)?;
                f.seek(SeekFrom::Start(offset))?;
                Ok(Box::new(f))
            }
            Container::Memory(bytes) => {
                let mut c = Cursor::new(ArcBytes(bytes.clone()));
                c.set_position(offset);
                Ok(Box::new(c))
            }
        }
    }
}

/// Shared bytes usable by `Cursor`.
#[derive(Debug, Clone)]
pub struct ArcBytes(pub Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Counts the raw bytes read from a stream.
struct CountedRaw(Box<dyn Read + Send>, Arc<AtomicU64>);

impl Read for CountedRaw {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Stops a decoder that expands beyond the limits (a decompression bomb).
struct Bounded<R> {
    inner: R,
    produced: u64,
    stored: u64,
    /// For a stream: the raw bytes read so far stand for the stored size.
    raw_count: Option<Arc<AtomicU64>>,
}

impl<R> Bounded<R> {
    fn new(inner: R, stored: u64, raw_count: Option<Arc<AtomicU64>>) -> Self {
        Bounded {
            inner,
            produced: 0,
            stored: stored.max(1),
            raw_count,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        if let Some(count) = &self.raw_count {
            self.stored = count.load(Ordering::Relaxed).max(1);
        }
        if self.produced > MAX_EXPANDED_BYTES {
            return Err(limit_error(format!(
                "expanded size passed the {MAX_EXPANDED_BYTES} byte limit"
            )));
        }
        if self.produced > RATIO_GRACE_BYTES && self.produced / self.stored > MAX_EXPANSION_RATIO {
            return Err(limit_error(format!(
                "expansion ratio passed {MAX_EXPANSION_RATIO}:1 ({} bytes from {} stored): likely a decompression bomb",
                self.produced, self.stored
            )));
        }
        Ok(n)
    }
}

fn limit_error(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn found(path: &Path) -> Input {
        let meta = std::fs::metadata(path).unwrap();
        Input {
            modified: meta.modified().ok(),
            ..Input::file("f.log", path.to_owned(), false, meta.len())
        }
    }

    #[test]
    fn a_file_changed_while_read_is_told_apart_from_one_that_grew() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u_ex.log");
        std::fs::write(&path, "line one\nline two\n").unwrap();
        let input = found(&path);
        assert_eq!(input.change_since_found(), None);
        std::fs::write(&path, "line one\nline two\nline three\n").unwrap();
        assert!(matches!(input.change_since_found(), Some(Change::Grew(_))));
        std::fs::write(&path, "line one\n").unwrap();
        assert!(
            matches!(input.change_since_found(), Some(Change::Lost(w)) if w.contains("truncated"))
        );
        std::fs::write(&path, "LINE ONE\nLINE TWO\n").unwrap();
        let f = File::options().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::now() + Duration::from_secs(3600))
            .unwrap();
        assert!(
            matches!(input.change_since_found(), Some(Change::Lost(w)) if w.contains("rewritten"))
        );
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(input.change_since_found(), Some(Change::Lost(w)) if w.contains("gone")));
    }

    /// With the stamp of the handle read from: the path naming another file is a note when
    /// that file was read unchanged, and its own change stays lost evidence.
    #[test]
    fn a_file_replaced_under_its_path_is_told_apart_from_the_file_read_changing() {
        let dir = tempfile::tempdir().unwrap();
        let (path, other) = (dir.path().join("u_ex.log"), dir.path().join("B.log"));
        std::fs::write(&path, "line one\nline two\n").unwrap();
        let input = found(&path);
        let read = File::options().read(true).write(true).open(&path).unwrap();
        std::fs::write(&other, "LINE ONE\nLINE TWO\n").unwrap();
        let f = File::options().write(true).open(&other).unwrap();
        f.set_modified(input.modified.unwrap()).unwrap();
        std::fs::rename(&other, &path).unwrap();
        let stamp = || FileStamp::of(&read.metadata().unwrap());
        input.notes.set_read_from(stamp());
        assert!(
            matches!(input.change_since_found(), Some(Change::Replaced(w)) if w.contains("read whole"))
        );
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(input.change_since_found(), Some(Change::Replaced(w)) if w.contains("removed"))
        );
        read.set_len(5).unwrap();
        input.notes.set_read_from(stamp());
        assert!(
            matches!(input.change_since_found(), Some(Change::Lost(w)) if w.contains("truncated"))
        );
    }
}
