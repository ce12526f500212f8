//! Inputs that can be read only once, from the start: standard input (`analyze -`), pipes
//! (`<(cat log)`, `/dev/stdin`), FIFOs and character devices given by name.
//!
//! Discovery and format detection look at the first bytes before the full read starts, and a
//! stream cannot be rewound: its first [`KEPT_HEAD_BYTES`] are kept, every reader replays
//! them, and only the one full read goes on past them. A second read past the head fails
//! with an error instead of handing out the wrong bytes.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::limits::SNIFF_BYTES;

/// Bytes kept for replay: all that format detection reads.
pub const KEPT_HEAD_BYTES: usize = SNIFF_BYTES;

/// A once-only byte source with its first bytes kept.
pub struct Stream {
    state: Mutex<State>,
}

struct State {
    head: Vec<u8>,
    source: Box<dyn Read + Send>,
    /// Bytes read from the source past the head (by the one full read).
    past_head: u64,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stream")
    }
}

impl Stream {
    pub fn new(source: Box<dyn Read + Send>) -> Arc<Stream> {
        Arc::new(Stream {
            state: Mutex::new(State {
                head: Vec::new(),
                source,
                past_head: 0,
            }),
        })
    }

    /// Standard input.
    pub fn stdin() -> Arc<Stream> {
        Stream::new(Box::new(io::stdin()))
    }

    /// A pipe, FIFO or device by name (opening a FIFO waits for its writer, as `cat` does).
    pub fn open(path: &Path) -> io::Result<Arc<Stream>> {
        Ok(Stream::new(Box::new(File::open(path)?)))
    }

    /// A reader from byte 0.
    pub fn reader(self: &Arc<Self>) -> StreamReader {
        StreamReader {
            stream: self.clone(),
            pos: 0,
        }
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let head_len = s.head.len() as u64;
        if pos < head_len {
            let from = &s.head[pos as usize..];
            let n = from.len().min(buf.len());
            buf[..n].copy_from_slice(&from[..n]);
            return Ok(n);
        }
        if s.head.len() < KEPT_HEAD_BYTES && s.past_head == 0 {
            let want = buf.len().min(KEPT_HEAD_BYTES - s.head.len());
            let n = read_retrying(&mut s.source, &mut buf[..want])?;
            s.head.extend_from_slice(&buf[..n]);
            return Ok(n);
        }
        if pos != head_len + s.past_head {
            return Err(io::Error::other(
                "a stream (standard input, a pipe) can be read only once, and it was read already",
            ));
        }
        let n = read_retrying(&mut s.source, buf)?;
        s.past_head += n as u64;
        Ok(n)
    }
}

fn read_retrying(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Reads a [`Stream`] from byte 0.
pub struct StreamReader {
    stream: Arc<Stream>,
    pos: u64,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.stream.read_at(self.pos, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Is the file at `path` something to read as a stream, not by offset: a pipe, FIFO,
/// socket or device (`/dev/stdin` is one of these)? Regular files are read in ranges.
pub fn is_stream_path(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reader_sees_the_head_and_the_full_read_sees_everything() {
        let text: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let s = Stream::new(Box::new(io::Cursor::new(text.clone())));
        let mut magic = [0u8; 4];
        s.reader().read_exact(&mut magic).unwrap();
        let mut head = Vec::new();
        s.reader().take(1000).read_to_end(&mut head).unwrap();
        assert_eq!(head, text[..1000]);
        let mut all = Vec::new();
        s.reader().read_to_end(&mut all).unwrap();
        assert_eq!(all, text);
        let again = s.reader().read_to_end(&mut Vec::new());
        assert!(
            again.is_err(),
            "a second full read fails, never hands out wrong bytes"
        );
    }
}
