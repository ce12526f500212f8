//! The hot loop: one pass over a line-aligned chunk that puts every line in a bucket.
//!
//! Most lines of an Exchange log are not free/busy traffic. A case-insensitive multi-literal
//! scan over the whole chunk finds the few candidate lines; every other line is only checked
//! cheaply (its separator count against `#Fields`) and its timestamp read from a fixed
//! position. Only candidates are split into fields and handed to the [`RecordSink`].

use super::header::{trim_cr, HeaderState};
use super::split::{self, Span};
use crate::record::W3cRecord;
use crate::tally::{Rejection, Tally, REJECTED_KEPT_PER_INPUT};
use crate::time;

/// Longest line accepted as a record. IIS truncates its own lines far below this (long query
/// strings run to a few KiB); longer ones are garbage or an attack and are rejected, which
/// also keeps field offsets within `u32`.
pub const MAX_LINE_BYTES: usize = 1 << 20;

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
    /// First line (within the chunk) read with the assumed default `#Fields`.
    pub first_assumed_line: Option<u64>,
}

/// Scans a line-aligned chunk. `candidates` yields the offsets of candidate matches in
/// increasing order (see `classify::freebusy::CandidateFinder`).
pub fn scan_chunk(
    buf: &[u8],
    mut header: HeaderState,
    candidates: impl Iterator<Item = usize>,
    sink: &mut impl RecordSink,
) -> ScanOutput {
    let mut out = ScanOutput::default();
    out.tally.bytes = buf.len() as u64;
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
    if line.iter().all(|b| b.is_ascii_whitespace()) {
        out.tally.blank += 1;
        return;
    }
    if line[0] == b'#' {
        out.tally.directives += 1;
        header.apply_line(line);
        return;
    }
    if line.len() > MAX_LINE_BYTES {
        reject(
            out,
            line_no,
            format!(
                "line of {} bytes exceeds the {} byte limit",
                line.len(),
                MAX_LINE_BYTES
            ),
            line,
        );
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
        Err(found) => {
            let mut reason = format!("{found} values where #Fields declares {expected}");
            if header.assumed {
                reason.push_str(" (no #Fields before this line: Exchange default assumed)");
            }
            reject(out, line_no, reason, line);
        }
    }
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
}

fn reject(out: &mut ScanOutput, line_no: u64, reason: String, line: &[u8]) {
    out.tally.rejected += 1;
    if out.rejections.len() < REJECTED_KEPT_PER_INPUT {
        out.rejections.push(Rejection::new(line_no, reason, line));
    }
}
