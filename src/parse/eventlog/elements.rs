//! Splits an XML stream into its repeated top-level elements (`<Event>` of Event Viewer XML,
//! `<Obj>` of CLIXML) without parsing the whole document, so that each element is parsed on
//! its own: memory stays bounded by one element, and a broken element costs only itself.
//!
//! Boundaries are found lexically. For `<Event>`, which never nests, an element runs from its
//! start tag to the first `</Event>`; a new `<Event` before that means the first was cut off,
//! and reading resumes at the new one. For `<Obj>`, which nests, the `<Obj`/`</Obj>` depth is
//! counted; a missing end tag is caught when an `<Obj` without an `N=` attribute starts at the
//! indentation of the top-level objects (PowerShell indents its output), and otherwise by
//! [`MAX_ELEMENT_BYTES`].

use std::io::{self, BufRead};

/// Largest element kept (bytes). The biggest real events (a 4002 with its full stack trace)
/// are a few tens of KiB; 8 MiB bounds memory when an end tag is missing in a huge file.
pub const MAX_ELEMENT_BYTES: usize = 8 << 20;

/// Deepest element nesting read. Real events nest 5–8 levels (`UserData` a few more), CLIXML
/// objects a few tens at PowerShell's deepest `-Depth`; 256 leaves room for those, and a
/// deeper element (10^6 levels of hostile XML) is rejected instead of being walked.
pub const MAX_XML_DEPTH: usize = 256;

/// An error past [`MAX_XML_DEPTH`].
pub fn check_depth(depth: usize) -> Result<(), String> {
    if depth > MAX_XML_DEPTH {
        return Err(format!(
            "XML nested deeper than {MAX_XML_DEPTH} levels: not read"
        ));
    }
    Ok(())
}

/// Where the next start or end tag was found, remembered between the steps of one element's
/// scan so that each byte is searched once: searching again from every tag made deeply
/// nested input quadratic.
#[derive(Default)]
struct Ahead {
    /// The first match at or after the position searched from.
    at: Option<usize>,
    /// The buffer length when searched: with no match, only what came in since is new.
    searched: usize,
}

/// How much is read from the source at a time.
const READ_BYTES: usize = 1 << 20;

/// One piece of the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A whole element, from `<Name` to its end tag, starting at `line`.
    Element { line: u64, text: &'a [u8] },
    /// An element that could not be delimited, or text between elements that is not a
    /// wrapper tag, declaration or comment.
    Broken {
        line: u64,
        reason: String,
        text: &'a [u8],
    },
}

/// Splits elements named `name` out of a UTF-8 XML stream.
pub struct Splitter<R> {
    src: R,
    name: Vec<u8>,
    close: Vec<u8>,
    /// Searchers for `name` and `close`, built once (building one per search cost 5%).
    find_name: memchr::memmem::Finder<'static>,
    find_close: memchr::memmem::Finder<'static>,
    nesting: bool,
    /// Tags allowed between elements (the wrapper): `Events`, `Objs`.
    wrapper: Vec<u8>,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// A read error met after some bytes came in: reported once the bytes before it have
    /// been handed out, so a stream cut midway (a truncated `.gz`) keeps its whole events.
    failed: Option<io::Error>,
    /// Line number of `buf[line_at]`.
    line: u64,
    line_at: usize,
    /// Leading whitespace of the first top-level element's line (for nesting resync).
    indent: Option<Vec<u8>>,
    /// A piece found but not yet handed out (junk is returned before its element).
    queued: Option<(usize, usize, u64, Option<String>)>,
    /// Bytes asked of the source per fill ([`READ_BYTES`]; tests use tiny ones to put read
    /// boundaries everywhere).
    read_bytes: usize,
}

impl<R: BufRead> Splitter<R> {
    pub fn new(src: R, name: &str, wrapper: &str, nesting: bool) -> Self {
        Splitter {
            src,
            name: format!("<{name}").into_bytes(),
            close: format!("</{name}>").into_bytes(),
            find_name: memchr::memmem::Finder::new(format!("<{name}").as_bytes()).into_owned(),
            find_close: memchr::memmem::Finder::new(format!("</{name}>").as_bytes()).into_owned(),
            nesting,
            wrapper: wrapper.as_bytes().to_vec(),
            buf: Vec::new(),
            pos: 0,
            eof: false,
            failed: None,
            line: 1,
            line_at: 0,
            indent: None,
            queued: None,
            read_bytes: READ_BYTES,
        }
    }

    /// The next element or broken piece; `None` at the end.
    pub fn next_piece(&mut self) -> io::Result<Option<Piece<'_>>> {
        if let Some((start, end, line, reason)) = self.queued.take() {
            return Ok(Some(self.piece(start, end, line, reason)));
        }
        self.compact();
        let start = loop {
            if let Some(s) = self.find_start(self.pos) {
                break s;
            }
            if self.eof {
                let (from, to) = (self.pos, self.buf.len());
                self.pos = to;
                let Some(j) = self.first_junk(from, to) else {
                    return self.failed.take().map_or(Ok(None), Err);
                };
                let line = self.line_of(j);
                return Ok(Some(self.piece(j, to, line, Some(self.junk_reason()))));
            }
            if self.buf.len() - self.pos > MAX_ELEMENT_BYTES {
                // A long stretch with no element: hand it out (or drop it, if only blanks
                // and wrapper tags) so that memory stays bounded. The tail is kept in case an
                // element's name starts there.
                let (from, to) = (self.pos, self.buf.len() - self.name.len());
                self.pos = to;
                if let Some(j) = self.first_junk(from, to) {
                    let line = self.line_of(j);
                    return Ok(Some(self.piece(j, to, line, Some(self.junk_reason()))));
                }
                self.compact();
            }
            self.fill()?;
        };
        let junk_at = self.first_junk(self.pos, start);
        let junk_line = junk_at.map(|j| self.line_of(j));
        let line = self.line_of(start);
        let (end, reason) = self.delimit(start)?;
        self.pos = end;
        match (junk_at, junk_line) {
            (Some(j), Some(jline)) => {
                self.queued = Some((start, end, line, reason));
                Ok(Some(self.piece(j, start, jline, Some(self.junk_reason()))))
            }
            _ => Ok(Some(self.piece(start, end, line, reason))),
        }
    }

    fn piece(&self, start: usize, end: usize, line: u64, reason: Option<String>) -> Piece<'_> {
        let text = &self.buf[start..end];
        match reason {
            None => Piece::Element { line, text },
            Some(reason) => Piece::Broken { line, reason, text },
        }
    }

    /// Finds where the element starting at `start` ends; the reason when it is broken.
    fn delimit(&mut self, start: usize) -> io::Result<(usize, Option<String>)> {
        let mut scan = start + self.name.len();
        let mut depth = 1usize;
        let (mut open, mut close) = (Ahead::default(), Ahead::default());
        loop {
            if let Some(found) = self.step(&mut scan, &mut depth, &mut open, &mut close) {
                return Ok(found);
            }
            if self.buf.len() - start > MAX_ELEMENT_BYTES {
                let end = self.find_start(start + 1).unwrap_or(self.buf.len());
                let reason = format!(
                    "element larger than {} MiB (end tag missing?)",
                    MAX_ELEMENT_BYTES >> 20
                );
                return Ok((end.max(start + 1), Some(reason)));
            }
            if self.eof {
                return Ok((
                    self.buf.len(),
                    Some("element not closed at end of input (file cut off?)".into()),
                ));
            }
            self.fill()?;
        }
    }

    /// Scans from `scan` for the end of the element; `None` when more input is needed.
    fn step(
        &mut self,
        scan: &mut usize,
        depth: &mut usize,
        open: &mut Ahead,
        close: &mut Ahead,
    ) -> Option<(usize, Option<String>)> {
        loop {
            let close_at = self.next_close(close, *scan);
            let open_at = self
                .next_open(open, *scan)
                .filter(|&o| close_at.is_none_or(|c| o < c));
            if *depth > MAX_XML_DEPTH {
                let end = close_at.map_or(self.buf.len(), |c| c + self.close.len());
                let reason = format!("XML nested deeper than {MAX_XML_DEPTH} levels: not read");
                return Some((end, Some(reason)));
            }
            match (open_at, close_at) {
                (Some(o), _) => {
                    if !self.nesting || self.starts_top_level(o) {
                        return Some((
                            o,
                            Some(format!(
                                "element not closed before the next {}",
                                show(&self.name)
                            )),
                        ));
                    }
                    let tag_end = memchr::memchr(b'>', &self.buf[o..]).map(|i| o + i)?;
                    if self.buf[tag_end - 1] != b'/' {
                        *depth += 1;
                    }
                    *scan = tag_end + 1;
                }
                (None, Some(c)) => {
                    *depth -= 1;
                    *scan = c + self.close.len();
                    if *depth == 0 {
                        return Some((*scan, None));
                    }
                }
                (None, None) => {
                    // Keep the scan position short of a tag that may be cut at the buffer end.
                    *scan = self.buf.len().saturating_sub(self.close.len()).max(*scan);
                    return None;
                }
            }
        }
    }

    /// The next end tag at or after `scan`, searching only bytes not searched before.
    fn next_close(&self, ahead: &mut Ahead, scan: usize) -> Option<usize> {
        if let Some(at) = ahead.at.filter(|&at| at >= scan) {
            return Some(at);
        }
        let from = match ahead.at {
            None => scan.max(ahead.searched.saturating_sub(self.close.len())),
            Some(_) => scan,
        };
        ahead.at = self.find_close.find(&self.buf[from..]).map(|i| from + i);
        ahead.searched = self.buf.len();
        ahead.at
    }

    /// The next start tag at or after `scan`, searching only bytes not searched before.
    fn next_open(&self, ahead: &mut Ahead, scan: usize) -> Option<usize> {
        if let Some(at) = ahead.at.filter(|&at| at >= scan) {
            return Some(at);
        }
        let from = match ahead.at {
            None => scan.max(ahead.searched.saturating_sub(self.name.len() + 1)),
            Some(_) => scan,
        };
        ahead.at = self.find_start(from);
        ahead.searched = self.buf.len();
        ahead.at
    }

    /// A nested `<Obj` that is really the next top-level object: no `N=` attribute and the
    /// same indentation as the first top-level object. Only the indentation's length is
    /// looked at before `at` (searching back to the line start from every nested tag of a
    /// long line was quadratic).
    fn starts_top_level(&self, at: usize) -> bool {
        let Some(indent) = &self.indent else {
            return false;
        };
        let Some(line_start) = at.checked_sub(indent.len()) else {
            return false;
        };
        if line_start > 0 && self.buf[line_start - 1] != b'\n' {
            return false;
        }
        if &self.buf[line_start..at] != indent.as_slice() {
            return false;
        }
        let tag_end = memchr::memchr(b'>', &self.buf[at..]).map_or(self.buf.len(), |i| at + i);
        !self.buf[at..tag_end].windows(4).any(|w| w == b" N=\"")
    }

    /// The next `<Name` followed by a delimiter, at or after `from`.
    fn find_start(&self, from: usize) -> Option<usize> {
        let mut at = from;
        while let Some(i) = self.find_name.find(&self.buf[at..]) {
            let s = at + i;
            match self.buf.get(s + self.name.len()) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') => return Some(s),
                Some(_) => at = s + 1,
                None if self.eof => return None,
                None => return None,
            }
        }
        None
    }

    fn junk_reason(&self) -> String {
        format!("text outside any {}> element", show(&self.name))
    }

    /// The first byte between elements that is not whitespace, a declaration, a comment or
    /// the wrapper's tags.
    fn first_junk(&self, from: usize, to: usize) -> Option<usize> {
        let mut i = from;
        while i < to {
            let b = self.buf[i];
            if b.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if b != b'<' {
                return Some(i);
            }
            let tag = &self.buf[i..to];
            let end = if tag.starts_with(b"<!--") {
                memchr::memmem::find(tag, b"-->").map(|e| e + 3)
            } else {
                memchr::memchr(b'>', tag).map(|e| e + 1)
            };
            let allowed = tag.starts_with(b"<?")
                || tag.starts_with(b"<!")
                || self.is_wrapper(&tag[1..])
                || tag.get(1) == Some(&b'/') && self.is_wrapper(&tag[2..]);
            match end {
                Some(e) if allowed => i += e,
                _ => return Some(i),
            }
        }
        None
    }

    fn is_wrapper(&self, after_lt: &[u8]) -> bool {
        after_lt.starts_with(&self.wrapper)
            && matches!(
                after_lt.get(self.wrapper.len()),
                Some(b' ' | b'>' | b'\t' | b'\r' | b'\n' | b'/')
            )
    }

    /// The 1-based line of byte `at` (monotonic: `at` never goes backwards past `line_at`).
    fn line_of(&mut self, at: usize) -> u64 {
        if at >= self.line_at {
            self.line += bytecount::count(&self.buf[self.line_at..at], b'\n') as u64;
            self.line_at = at;
            if self.nesting && self.indent.is_none() {
                let line_start = memchr::memrchr(b'\n', &self.buf[..at]).map_or(0, |i| i + 1);
                let lead = &self.buf[line_start..at];
                if lead.iter().all(|b| *b == b' ' || *b == b'\t') && line_start > 0 {
                    self.indent = Some(lead.to_vec());
                }
            }
            self.line
        } else {
            self.line
                .saturating_sub(bytecount::count(&self.buf[at..self.line_at], b'\n') as u64)
        }
    }

    /// Drops what was handed out, once that is at least half the buffer: each byte is then
    /// moved at most once on average (draining after every element moved the whole window
    /// each time and took half the run time).
    fn compact(&mut self) {
        if self.pos == 0 || self.pos * 2 < self.buf.len() {
            return;
        }
        let from = self.line_at.min(self.pos);
        self.line += bytecount::count(&self.buf[from..self.pos], b'\n') as u64;
        self.buf.drain(..self.pos);
        self.line_at = 0;
        self.pos = 0;
    }

    fn fill(&mut self) -> io::Result<()> {
        let old = self.buf.len();
        self.buf.resize(old + self.read_bytes, 0);
        let mut filled = old;
        while filled < self.buf.len() {
            match self.src.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if filled == old => {
                    self.buf.truncate(filled);
                    return Err(e);
                }
                Err(e) => {
                    self.failed = Some(e);
                    self.eof = true;
                    break;
                }
            }
        }
        self.buf.truncate(filled);
        Ok(())
    }
}

fn show(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &[u8], name: &str, wrapper: &str, nesting: bool) -> Vec<(u64, bool, usize)> {
        pieces_read_by(text, name, wrapper, nesting, READ_BYTES)
            .into_iter()
            .map(|(line, whole, text, _)| (line, whole, text.len()))
            .collect()
    }

    /// Every piece (line, whole element?, text, reason), reading `read_bytes` at a time.
    fn pieces_read_by(
        text: &[u8],
        name: &str,
        wrapper: &str,
        nesting: bool,
        read_bytes: usize,
    ) -> Vec<(u64, bool, Vec<u8>, Option<String>)> {
        let mut split = Splitter::new(text, name, wrapper, nesting);
        split.read_bytes = read_bytes;
        let mut out = Vec::new();
        while let Some(p) = split.next_piece().unwrap() {
            out.push(match p {
                Piece::Element { line, text } => (line, true, text.to_vec(), None),
                Piece::Broken { line, text, reason } => (line, false, text.to_vec(), Some(reason)),
            });
        }
        out
    }

    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "<Events>",
        "</Events>",
        "<Event>",
        "<Event xmlns='x'>",
        "</Event>",
        "<Event/>",
        "<Objs>",
        "</Objs>",
        "<Obj RefId=\"0\">",
        "</Obj>",
        "<Obj/>",
        "<Data>",
        "</Data>",
        "\n",
        "\r\n",
        "  ",
        "text",
        "<",
        ">",
        "/",
        "<!-- c -->",
        "<![CDATA[<Event>]]>",
    ];

    proptest! {
        /// Where the reads end must not change what is cut out: pieces read a few bytes at
        /// a time equal pieces read whole.
        #[test]
        fn pieces_do_not_depend_on_read_boundaries(
            parts in prop::collection::vec(prop::sample::select(TOKENS), 0..60),
            read_bytes in 1usize..24,
            objects in any::<bool>(),
        ) {
            let text = parts.concat();
            let (name, wrapper) = if objects { ("Obj", "Objs") } else { ("Event", "Events") };
            let whole = pieces_read_by(text.as_bytes(), name, wrapper, objects, READ_BYTES);
            let small = pieces_read_by(text.as_bytes(), name, wrapper, objects, read_bytes);
            prop_assert_eq!(small, whole);
        }
    }

    #[test]
    fn endless_text_without_elements_is_handed_out_in_bounded_pieces() {
        let mut text = vec![b'x'; 3 * MAX_ELEMENT_BYTES];
        text.extend_from_slice(b"\n<Event>ok</Event>");
        let got = pieces(&text, "Event", "Events", false);
        assert!(got.len() >= 3, "{}", got.len());
        assert!(got.iter().all(|p| p.2 <= MAX_ELEMENT_BYTES + READ_BYTES));
        assert_eq!(*got.last().unwrap(), (2, true, 17));
    }

    #[test]
    fn nested_objects_are_one_piece() {
        let text = b"<Objs>\n  <Obj RefId=\"0\"><Obj N=\"A\"><Obj N=\"B\"/></Obj></Obj>\n  <Obj RefId=\"1\"></Obj>\n</Objs>";
        let got = pieces(text, "Obj", "Objs", true);
        assert_eq!(
            got.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
            [(2, true), (3, true)]
        );
    }
}
