//! The hot loop: one pass over a line-aligned chunk that puts every line in a bucket.
//!
//! Most lines of an Exchange log are not free/busy traffic. A case-insensitive multi-literal
//! scan over the whole chunk finds the few candidate lines; every other line is only checked
//! cheaply (its separator count against `#Fields`) and its timestamp read from a fixed
//! position. Only candidates are split into fields and handed to the [`RecordSink`].

use super::header::{trim_cr, HeaderState};
use super::record::W3cRecord;
use super::split::{self, Span};
use crate::tally::{Rejection, Tally, REJECTED_KEPT_PER_INPUT};
use crate::time;

/// Longest line accepted as a record (see the limit's reasons); it also keeps field
/// offsets within `u32`.
pub use crate::input::limits::MAX_LINE_BYTES;

/// Receives the candidate records of a chunk.
pub trait RecordSink {
    /// `line` is the 1-based line number within the chunk.
    fn record(&mut self, line: u64, rec: &W3cRecord<'_>, tally: &mut Tally);
}

/// What scanning a chunk produced besides the sink's output.
#[derive(Debug, Default)]
pub struct ScanOutput {
    pub tally: Tally,
    pub rejections: Vec<Rejection>,
    /// First data line (within the chunk) read with the assumed default `#Fields`.
    pub first_assumed_line: Option<u64>,
    /// First record (within the chunk) whose time is the server's local time.
    pub first_local_time_line: Option<u64>,
}

/// Scans a line-aligned chunk. `candidates` yields the offsets of candidate matches in
/// increasing order (see `classify::freebusy::CandidateFinder`).
pub fn scan_chunk(
    buf: &[u8],
    header: HeaderState,
    candidates: impl Iterator<Item = usize>,
    sink: &mut impl RecordSink,
) -> ScanOutput {
    scan_cut_chunk(buf, 0, header, candidates, sink)
}

/// [`scan_chunk`] of a chunk whose last line was cut by the reader: `cut` bytes of it were
/// skipped (see `input::chunk::Chunk`), so it is rejected as too long, with its whole length.
pub fn scan_cut_chunk(
    buf: &[u8],
    cut: u64,
    mut header: HeaderState,
    candidates: impl Iterator<Item = usize>,
    sink: &mut impl RecordSink,
) -> ScanOutput {
    let mut out = ScanOutput::default();
    out.tally.bytes = buf.len() as u64 + cut;
    let mut spans: Vec<Span> = Vec::with_capacity(32);
    let mut candidates = candidates.peekable();
    let mut pos = 0;
    let mut line_no = 0u64;
    while pos < buf.len() {
        let end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |e| pos + e);
        let line = trim_cr(&buf[pos..end]);
        line_no += 1;
        let mut is_candidate = false;
        while let Some(&c) = candidates.peek() {
            if c >= end {
                break;
            }
            is_candidate |= c >= pos;
            candidates.next();
        }
        // A cut directive is still applied (truncated), as the directive pre-scan sees it.
        if cut > 0 && end == buf.len() && !line.starts_with(b"#") {
            let length = line.len() as u64 + cut;
            reject(&mut out, line_no, line, || too_long(length));
            break;
        }
        classify_line(
            line,
            line_no,
            is_candidate,
            &mut header,
            &mut spans,
            sink,
            &mut out,
        );
        pos = end + 1;
    }
    out.tally.lines = line_no;
    out
}

fn classify_line(
    line: &[u8],
    line_no: u64,
    is_candidate: bool,
    header: &mut HeaderState,
    spans: &mut Vec<Span>,
    sink: &mut impl RecordSink,
    out: &mut ScanOutput,
) {
    if line.first() == Some(&b'#') {
        out.tally.directives += 1;
        header.apply_line(line);
        return;
    }
    // Before the blank test: a reader keeps only the start of an over-long line, so a long
    // run of blanks must be rejected however much of it a chunk holds.
    if line.len() > MAX_LINE_BYTES {
        reject(out, line_no, line, || too_long(line.len() as u64));
        return;
    }
    if line.iter().all(|b| b.is_ascii_whitespace()) {
        out.tally.blank += 1;
        return;
    }
    let expected = header.layout.len();
    let fast = !is_candidate && split::has_exact_count(line, expected);
    if fast && header.layout.date_time_leading() {
        accept_fast(line, line_no, header, out);
        return;
    }
    match split::split(line, expected, spans) {
        Ok(kind) => {
            out.tally.records += 1;
            out.tally.tolerated += u64::from(kind != split::SplitKind::Exact);
            note_assumed(header, line_no, out);
            let rec = W3cRecord {
                line,
                spans,
                header,
            };
            if let Some(key) = rec.time_key() {
                out.tally.saw_time(key);
            }
            if is_candidate {
                sink.record(line_no, &rec, &mut out.tally);
            }
        }
        Err(found) => reject_split(line, line_no, found, header, out),
    }
}

/// A line whose values do not match `#Fields` (`found` of them): rejected with why.
fn reject_split(
    line: &[u8],
    line_no: u64,
    found: usize,
    header: &HeaderState,
    out: &mut ScanOutput,
) {
    if memchr::memchr(0, line).is_some() {
        let why = "NUL bytes in the line (a crashed or preallocated log leaves these)";
        return reject(out, line_no, line, || why.into());
    }
    if header.assumed {
        out.first_assumed_line.get_or_insert(line_no);
    }
    let expected = header.layout.len();
    reject(out, line_no, line, || {
        let mut reason = format!("{found} values where #Fields declares {expected}");
        if header.assumed {
            reason.push_str(" (no #Fields before this line: Exchange default assumed)");
        }
        reason
    });
}

/// A non-candidate line with the right value count and `date time` first: only its
/// timestamp is read.
#[inline]
fn accept_fast(line: &[u8], line_no: u64, header: &HeaderState, out: &mut ScanOutput) {
    out.tally.records += 1;
    note_assumed(header, line_no, out);
    if line.len() >= 19 && line[10] == b' ' {
        if let Some(key) = time::time_key(&line[..10], &line[11..19]) {
            out.tally.saw_time(key);
        }
    }
}

fn note_assumed(header: &HeaderState, line_no: u64, out: &mut ScanOutput) {
    if header.assumed {
        out.tally.assumed_layout += 1;
        out.first_assumed_line.get_or_insert(line_no);
    }
    if header.layout.local_times() {
        out.first_local_time_line.get_or_insert(line_no);
    }
}

fn too_long(length: u64) -> String {
    format!("line of {length} bytes exceeds the {MAX_LINE_BYTES} byte limit")
}

/// Counts a rejected line; the reason is written only for the lines that are kept.
fn reject(out: &mut ScanOutput, line_no: u64, line: &[u8], reason: impl FnOnce() -> String) {
    out.tally.rejected += 1;
    if out.rejections.len() < REJECTED_KEPT_PER_INPUT {
        out.rejections.push(Rejection::new(line_no, reason(), line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::freebusy::CandidateFinder;
    use crate::parse::w3c::header::HeaderDelta;
    use crate::parse::w3c::layout::FieldLayout;
    use proptest::prelude::*;

    /// Remembers the candidate records it was given.
    #[derive(Default)]
    struct Collect(Vec<(u64, Vec<u8>)>);

    impl RecordSink for Collect {
        fn record(&mut self, line: u64, rec: &W3cRecord<'_>, _: &mut Tally) {
            self.0.push((line, rec.line.to_vec()));
        }
    }

    fn initial() -> HeaderState {
        HeaderState::initial(FieldLayout::exchange_default())
    }

    fn scan_whole(buf: &[u8]) -> (ScanOutput, Collect) {
        let finder = CandidateFinder::new();
        let mut sink = Collect::default();
        let out = scan_chunk(buf, initial(), finder.find_iter(buf), &mut sink);
        (out, sink)
    }

    /// Scans `buf` cut at the line starts nearest to `cuts`, as the pipeline does: fold the
    /// directives of earlier chunks, then renumber lines.
    fn scan_chunked(buf: &[u8], cuts: &[usize]) -> (Tally, Vec<(u64, Vec<u8>)>) {
        let mut starts: Vec<usize> = cuts
            .iter()
            .map(|&c| {
                let c = c.min(buf.len());
                if c == 0 {
                    0
                } else {
                    memchr::memchr(b'\n', &buf[c - 1..]).map_or(buf.len(), |i| c + i)
                }
            })
            .collect();
        starts.push(0);
        starts.push(buf.len());
        starts.sort_unstable();
        starts.dedup();
        let finder = CandidateFinder::new();
        let (mut state, mut tally, mut records) = (initial(), Tally::default(), Vec::new());
        for w in starts.windows(2) {
            let chunk = &buf[w[0]..w[1]];
            let mut sink = Collect::default();
            let out = scan_chunk(chunk, state.clone(), finder.find_iter(chunk), &mut sink);
            state.apply_delta(&HeaderDelta::scan(chunk));
            records.extend(sink.0.into_iter().map(|(l, r)| (l + tally.lines, r)));
            tally.merge(&out.tally);
        }
        (tally, records)
    }

    const HEADER: &str = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n";

    fn line_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("2026-03-02 09:12:44 10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity - 443 - 40.92.4.77 ASProxy/CrossForest - 401 0 0 15".to_owned()),
            Just("2026-03-02 09:12:45 10.0.1.11 GET /owa/ - 443 - 1.2.3.4 Mozilla/5.0 - 200 0 0 1".to_owned()),
            Just("#Fields: date time cs-uri-stem cs(User-Agent) sc-status".to_owned()),
            Just("2026-03-02 09:13:00 /autodiscover/autodiscover.svc ASAutoDiscover/x 404".to_owned()),
            // HTTPERR's layout and lines (the same scanner reads them).
            Just("#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename".to_owned()),
            Just("2026-03-02 09:14:07 40.92.4.77 50123 10.0.1.11 443 HTTP/1.1 POST /EWS/Exchange.asmx/WSSecurity - 503 2 QueueFull MSExchangeServicesAppPool".to_owned()),
            Just("2026-03-02 09:14:08 40.92.4.77 50124 10.0.1.11 443 - - - - - - Timer_ConnectionIdle -".to_owned()),
            Just(String::new()),
            Just("\r".to_owned()),
            "[ -~]{0,80}",
        ]
    }

    proptest! {
        #[test]
        fn never_panics_and_every_line_lands_in_one_bucket(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let (out, _) = scan_whole(&bytes);
            prop_assert!(out.tally.is_balanced());
            let expected_lines = if bytes.is_empty() { 0 } else {
                bytecount::count(&bytes, b'\n') as u64 + u64::from(*bytes.last().unwrap() != b'\n')
            };
            prop_assert_eq!(out.tally.lines, expected_lines);
        }

        #[test]
        fn chunked_scan_equals_whole_scan(
            lines in proptest::collection::vec(line_strategy(), 0..40),
            cuts in proptest::collection::vec(0usize..4000, 0..8),
            final_newline in any::<bool>(),
        ) {
            let mut text = HEADER.to_owned() + &lines.join("\n");
            if final_newline { text.push('\n'); }
            let (whole, whole_records) = scan_whole(text.as_bytes());
            let (tally, records) = scan_chunked(text.as_bytes(), &cuts);
            prop_assert_eq!(&tally, &whole.tally);
            prop_assert_eq!(records, whole_records.0);
        }
    }

    #[test]
    fn data_before_fields_uses_the_default_and_says_so() {
        let (out, _) = scan_whole(
            b"2026-03-02 09:12:45 10.0.1.11 GET /owa/ - 443 - 1.2.3.4 UA - 200 0 0 1\nshort line\n",
        );
        assert_eq!(
            (
                out.tally.records,
                out.tally.rejected,
                out.tally.assumed_layout
            ),
            (1, 1, 1)
        );
        assert_eq!(out.first_assumed_line, Some(1));
        assert!(out.rejections[0]
            .reason
            .contains("Exchange default assumed"));
    }

    #[test]
    fn overlong_lines_are_rejected_with_their_size() {
        let mut buf = vec![b'x'; MAX_LINE_BYTES + 1];
        buf.push(b'\n');
        let (out, _) = scan_whole(&buf);
        assert_eq!(out.tally.rejected, 1);
        assert!(out.rejections[0].reason.contains("exceeds"));
        assert!(out.rejections[0].text.len() <= crate::tally::REJECTED_TEXT_CHARS);
    }
}
