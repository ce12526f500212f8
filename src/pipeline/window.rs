//! The web-log pass: IIS and HTTPERR inputs cut into windows of line-aligned chunks.
//!
//! Each window goes through four steps: (1) in parallel, fill the chunk buffers and find
//! their directive lines; (2) in order, fold the directives so each chunk knows the
//! `#Fields` in force at its start; (3) in parallel, scan the chunks; (4) in order, merge the
//! partial results (line numbers, tallies, findings). Results are merged by (input, chunk)
//! key, never by completion order, so the output is the same for any thread count; memory is
//! bounded by the window (chunks in flight × chunk size) plus the findings of one window.
//!
//! A plain file is opened once, when its chunks are first cut, and every chunk is read from
//! that handle (its units share it): a file renamed over the path meanwhile is not read
//! into it. The handle is closed with the input's last chunk, after its stamp is noted for
//! the end-of-run check ([`Input::change_since_found`]), so one handle is open at a time.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use super::exchange::RequestIndex;
use super::fold::{Folded, Folder, Wants};
use super::{is_web, Collected, Context, FindingSink, InputReport};
use crate::aggregate::Aggregates;
use crate::analysis::InputNote;
use crate::classify::freebusy::CandidateFinder;
use crate::classify::web::{Undated, WebSink};
use crate::classify::Classifier;
use crate::correlate::TrafficChunk;
use crate::error::ReportError;
use crate::input::chunk::{self, BlockReader};
use crate::input::origin::FileStamp;
use crate::input::{Format, Input};
use crate::parse::w3c::header::{HeaderDelta, HeaderState};
use crate::parse::w3c::layout::{FieldLayout, HTTPERR_DEFAULT_FIELDS};
use crate::parse::w3c::scan::{scan_cut_chunk, ScanOutput};
use crate::problem::Problem;
use crate::tally::REJECTED_KEPT_PER_INPUT;

/// Chunks per window per thread: enough to balance uneven chunks, few enough to bound memory.
const CHUNKS_PER_THREAD: usize = 2;

/// Findings per chunk above which a log counts as failure-heavy (one in ~2 KiB of log; an
/// ordinary day has tens per 4 MiB chunk): the next window then holds one chunk per thread,
/// because its findings and their rendered rows, not the log bytes, are most of the memory
/// (~2 KB per finding). Windows only batch the work: the merge order, and so every output,
/// is the same for any window size.
const DENSE_FINDINGS_PER_CHUNK: usize = 2_000;

/// The next window's size in chunks, from how many findings the last one's chunks held.
fn window_size(threads: usize, last: Option<(usize, usize)>) -> usize {
    let dense = last.is_some_and(|(units, findings)| findings > DENSE_FINDINGS_PER_CHUNK * units);
    threads.max(1) * if dense { 1 } else { CHUNKS_PER_THREAD }
}

/// Reads, scans and merges every web-log input, window by window.
pub(super) fn web_pass(
    ctx: &Context<'_>,
    out: &mut Collected,
    sink: &mut dyn FindingSink,
) -> Result<(), ReportError> {
    let classifier = Classifier::new(ctx.grammar);
    let finder = CandidateFinder::for_traffic(&ctx.grammar.traffic);
    let mut reader = WindowReader::new(ctx.inputs, &out.reports, ctx.config.chunk_bytes);
    let wants = Wants {
        rows: sink.rows(),
        series: sink.series(),
        request_ids: super::exchange::joins(&out.reports),
    };
    let mut last: Option<(usize, usize)> = None;
    // The previous window's traffic, folded in while this window is scanned: the fold is
    // serial (a hash probe per client and minute) and was otherwise wall time with every
    // core but one idle. Windows fold in order, chunks in order within one, as before.
    let mut pending: Vec<TrafficChunk> = Vec::new();
    loop {
        let mut units = reader.next_window(window_size(ctx.config.threads, last));
        if units.is_empty() {
            pending.into_iter().for_each(|t| out.traffic.merge(t));
            return Ok(());
        }
        ctx.pool.install(|| reader.fill(&mut units));
        reader.fold(&mut units, &mut out.reports, &mut out.problems);
        let (reports, traffic) = (&out.reports, &mut out.traffic);
        let (scanned, ()) = ctx.pool.install(|| {
            rayon::join(
                || -> Vec<(usize, u64, UnitResult, Vec<u8>)> {
                    units
                        .into_par_iter()
                        .map(|u| {
                            let (input, report) = (&ctx.inputs[u.input], &reports[u.input]);
                            let r =
                                scan_unit(&u, input, report, &classifier, &finder, (ctx, &wants));
                            (u.input, u.consumed, r, u.data)
                        })
                        .collect()
                },
                || pending.drain(..).for_each(|t| traffic.merge(t)),
            )
        });
        let findings = scanned.iter().map(|s| s.2.folded.count).sum();
        last = Some((scanned.len(), findings));
        for (input, consumed, mut result, buf) in scanned {
            pending.push(std::mem::take(&mut result.traffic));
            let report = &mut out.reports[input];
            let merged = (&mut out.aggregates, &mut out.requests);
            merge_unit(input, result, report, merged, sink)?;
            // Buffers come back for reuse by the next window.
            reader.recycle(buf);
            ctx.progress.inc(consumed);
        }
    }
}

/// A chunk of one input, in flight.
struct Unit {
    input: usize,
    range: Option<(u64, u64)>,
    /// The handle a range is read from, shared by its input's units; dropped once read.
    file: Option<Arc<File>>,
    /// The input's last range: its file's stamp is noted once it is read.
    last: bool,
    /// The chunk's bytes (a reused buffer); its lines start at `first`.
    data: Vec<u8>,
    first: usize,
    /// Bytes the reader skipped from the last line (too long to keep).
    cut: u64,
    delta: HeaderDelta,
    start: Option<HeaderState>,
    error: Option<String>,
    /// Stored bytes this unit accounts for (progress).
    consumed: u64,
}

impl Unit {
    fn lines(&self) -> &[u8] {
        &self.data[self.first.min(self.data.len())..]
    }
}

/// Cuts the inputs into windows of units, in input order, and reads them.
struct WindowReader<'a> {
    inputs: &'a [Input],
    web: Vec<bool>,
    next_input: usize,
    current: Option<usize>,
    ranges: std::vec::IntoIter<(u64, u64)>,
    /// The current plain file, opened once for all its ranges (or why it could not be).
    file: Option<Result<Arc<File>, String>>,
    stream: Option<BlockReader>,
    states: Vec<HeaderState>,
    pool: Vec<Vec<u8>>,
    chunk_bytes: usize,
}

impl<'a> WindowReader<'a> {
    fn new(inputs: &'a [Input], reports: &[InputReport], chunk_bytes: usize) -> Self {
        WindowReader {
            inputs,
            web: reports.iter().map(|r| is_web(&r.format)).collect(),
            next_input: 0,
            current: None,
            ranges: Vec::new().into_iter(),
            file: None,
            stream: None,
            states: reports.iter().map(|r| initial_state(&r.format)).collect(),
            pool: Vec::new(),
            chunk_bytes,
        }
    }

    /// Keeps a buffer for reuse, emptied: a stream slot left unfilled must never show the
    /// bytes of an earlier chunk.
    fn recycle(&mut self, mut buf: Vec<u8>) {
        buf.clear();
        self.pool.push(buf);
    }

    fn unit(&mut self, input: usize, range: Option<(u64, u64)>) -> Unit {
        Unit {
            input,
            range,
            file: None,
            last: false,
            data: self.pool.pop().unwrap_or_default(),
            first: 0,
            cut: 0,
            delta: HeaderDelta::default(),
            start: None,
            error: None,
            consumed: range.map_or(0, |(s, e)| e - s),
        }
    }

    /// A unit for the current plain file's `range`: it shares the file's handle, or carries
    /// why the file could not be opened; the last range takes the reader's handle along.
    fn range_unit(&mut self, input: usize, range: (u64, u64)) -> Unit {
        let mut u = self.unit(input, Some(range));
        u.last = self.ranges.len() == 0;
        let file = if u.last {
            self.file.take()
        } else {
            self.file.clone()
        };
        match file {
            Some(Ok(file)) => u.file = Some(file),
            Some(Err(e)) => u.error = Some(e),
            None => {}
        }
        u
    }

    /// The next units: ranges of plain files; for a stream, slots for its next blocks. A
    /// window ends with an unfinished stream, so every input's chunks stay in order. Empty
    /// only when every input has been read.
    fn next_window(&mut self, cap: usize) -> Vec<Unit> {
        let mut units = Vec::new();
        while units.len() < cap {
            let Some(i) = self.current.or_else(|| self.advance()) else {
                break;
            };
            if let Some(range) = self.ranges.next() {
                let u = self.range_unit(i, range);
                units.push(u);
            } else if self.stream.is_some() {
                while units.len() < cap {
                    let u = self.unit(i, None);
                    units.push(u);
                }
            } else {
                self.current = None;
                self.file = None;
            }
        }
        units
    }

    /// Moves to the next web-log input and prepares its ranges or its stream.
    fn advance(&mut self) -> Option<usize> {
        while self.next_input < self.inputs.len() {
            let i = self.next_input;
            self.next_input += 1;
            if !self.web[i] {
                continue;
            }
            let input = &self.inputs[i];
            self.current = Some(i);
            match input.plain_path() {
                Some(path) => {
                    let opened = File::open(path).and_then(|f| Ok((f.metadata()?.len(), f)));
                    let len = opened.as_ref().map_or(input.stored_size, |(len, _)| *len);
                    self.ranges = chunk::ranges(len, self.chunk_bytes).into_iter();
                    self.file = Some(opened.map(|(_, f)| Arc::new(f)).map_err(|e| e.to_string()));
                }
                None => {
                    let reader: Box<dyn Read + Send> = match input.open() {
                        Ok(r) => r,
                        Err(e) => Box::new(FailingReader(e.to_string())),
                    };
                    self.stream = Some(BlockReader::new(reader, self.chunk_bytes));
                }
            }
            return Some(i);
        }
        None
    }

    /// Step 1: reads every unit's bytes (ranges in parallel, the stream's blocks in order
    /// meanwhile) and finds their directives.
    fn fill(&mut self, units: &mut Vec<Unit>) {
        let inputs = self.inputs;
        let (mut ranged, mut streamed): (Vec<&mut Unit>, Vec<&mut Unit>) =
            units.iter_mut().partition(|u| u.range.is_some());
        let stream = &mut self.stream;
        let ((), ended) = rayon::join(
            || ranged.par_iter_mut().for_each(|u| read_range_unit(u)),
            || read_stream_units(stream, &mut streamed),
        );
        close_read_files(units, inputs);
        units.retain(|u| u.range.is_some() || !u.lines().is_empty() || u.error.is_some());
        if ended {
            self.stream = None;
            self.current = None;
            if let Some(u) = units.iter_mut().rev().find(|u| u.range.is_none()) {
                u.consumed = inputs[u.input].stored_size;
            }
        }
    }

    /// Step 2: gives each unit the header in force at its start. After a read error the
    /// rest of that input is not scanned: its line numbers and `#Fields` would be wrong
    /// without the lines that could not be read.
    fn fold(
        &mut self,
        units: &mut [Unit],
        reports: &mut [InputReport],
        problems: &mut Vec<Problem>,
    ) {
        for u in units.iter_mut() {
            let report = &mut reports[u.input];
            if report.failed {
                continue; // `start` stays unset: the unit is not scanned
            }
            if let Some(e) = &u.error {
                let at = u
                    .range
                    .map_or_else(String::new, |(s, _)| format!(" at byte {s}"));
                let message = format!("read error{at}: {e}");
                report
                    .notes
                    .push(InputNote::Text(format!("{message}; the rest is not read")));
                problems.push(Problem::failed(&report.display, message));
                report.failed = true;
                if self.current == Some(u.input) {
                    self.ranges = Vec::new().into_iter();
                }
                continue;
            }
            let state = &mut self.states[u.input];
            u.start = Some(state.clone());
            state.apply_delta(&u.delta);
        }
    }
}

/// Drops the units' file handles, once read: the input's last range notes the stamp of the
/// file its chunks were read from, and closes it (no other unit holds it by then).
fn close_read_files(units: &mut [Unit], inputs: &[Input]) {
    for u in units.iter_mut() {
        let Some(file) = u.file.take() else {
            continue;
        };
        if u.last {
            if let Ok(meta) = file.metadata() {
                inputs[u.input].notes.set_read_from(FileStamp::of(&meta));
            }
        }
    }
}

fn read_range_unit(u: &mut Unit) {
    let (Some(file), Some((s, e))) = (&u.file, u.range) else {
        return;
    };
    match chunk::read_range(file, s, e, &mut u.data) {
        Ok(chunk) => {
            u.first = chunk.first;
            u.cut = chunk.cut;
            u.delta = HeaderDelta::scan(u.lines());
        }
        Err(err) => u.error = Some(err.to_string()),
    }
}

/// Fills the stream's slots in order; true when the stream ended (or failed).
fn read_stream_units(stream: &mut Option<BlockReader>, units: &mut [&mut Unit]) -> bool {
    let Some(reader) = stream.as_mut() else {
        return !units.is_empty();
    };
    for u in units.iter_mut() {
        match reader.next_block(&mut u.data) {
            Ok(true) => {
                u.cut = reader.last_cut();
                u.delta = HeaderDelta::scan(&u.data);
            }
            Ok(false) => return true,
            Err(e) => {
                u.data.clear();
                u.error = Some(e.to_string());
                return true;
            }
        }
    }
    false
}

fn initial_state(format: &Format) -> HeaderState {
    let layout = match format {
        Format::HttpErr => Arc::new(FieldLayout::parse(HTTPERR_DEFAULT_FIELDS)),
        _ => FieldLayout::exchange_default(),
    };
    HeaderState::initial(layout)
}

/// Stands in for an input that could not be opened: its first read reports why.
struct FailingReader(String);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other(self.0.clone()))
    }
}

/// What step 3 produced for one unit.
struct UnitResult {
    scan: ScanOutput,
    folded: Folded,
    traffic: TrafficChunk,
    undated: Undated,
}

/// Step 3: scans one unit and folds its findings.
fn scan_unit(
    u: &Unit,
    input: &Input,
    report: &InputReport,
    classifier: &Classifier<'_>,
    finder: &CandidateFinder,
    (ctx, wants): (&Context<'_>, &Wants),
) -> UnitResult {
    let Some(start) = u.start.clone() else {
        return UnitResult {
            scan: ScanOutput::default(),
            folded: Folded::default(),
            traffic: TrafficChunk::default(),
            undated: Undated::default(),
        };
    };
    let mut sink = WebSink {
        classifier,
        filter: &ctx.config.filter,
        input: u.input,
        server: &input.server,
        names: Default::default(),
        site: &input.site,
        httperr: report.format == Format::HttpErr,
        findings: Folder::new(wants, &report.display, ctx),
        traffic: TrafficChunk::default(),
        undated: Undated::default(),
    };
    let bytes = u.lines();
    let scan = scan_cut_chunk(bytes, u.cut, start, finder.find_iter(bytes), &mut sink);
    UnitResult {
        scan,
        folded: sink.findings.finish(),
        traffic: sink.traffic,
        undated: sink.undated,
    }
}

/// Step 4: appends a unit's results to its input, renumbering lines to the whole input.
fn merge_unit(
    input: usize,
    result: UnitResult,
    report: &mut InputReport,
    (aggregates, requests): (&mut Aggregates, &mut RequestIndex),
    sink: &mut dyn FindingSink,
) -> Result<(), ReportError> {
    let base = report.tally.lines;
    let folded = result.folded;
    aggregates.merge(folded.aggregates);
    for (id, position) in folded.request_ids {
        requests.add(id, input, base + position);
    }
    if let Some(series) = folded.series {
        sink.folded(series, folded.rows, base)?;
    }
    for mut f in folded.findings {
        f.position += base;
        sink.finding(&f, &report.display)?;
    }
    let room = REJECTED_KEPT_PER_INPUT.saturating_sub(report.rejections.len());
    report
        .rejections
        .extend(result.scan.rejections.into_iter().take(room).map(|mut r| {
            r.position += base;
            r
        }));
    if let Some(first) = result.scan.first_assumed_line {
        note_once(report, InputNote::AssumedFields { line: base + first });
    }
    if let Some(first) = result.scan.first_local_time_line {
        note_once(report, InputNote::LocalTimes { line: base + first });
    }
    if let Some(first) = result.undated.first_line {
        note_undated(report, base + first, result.undated.requests);
    }
    report.tally.merge(&result.scan.tally);
    Ok(())
}

/// Counts undated records in the input's one note of them, which names the first.
fn note_undated(report: &mut InputReport, line: u64, n: u64) {
    let found = report.notes.iter_mut().find_map(|note| match note {
        InputNote::Undated { requests, .. } => Some(requests),
        _ => None,
    });
    match found {
        Some(requests) => *requests += n,
        None => report.notes.push(InputNote::Undated {
            first_line: line,
            requests: n,
        }),
    }
}

/// Notes `note` once per input, at the first chunk that saw it (a later chunk's line is not
/// the first).
fn note_once(report: &mut InputReport, note: InputNote) {
    let same = |n: &InputNote| std::mem::discriminant(n) == std::mem::discriminant(&note);
    if !report.notes.iter().any(same) {
        report.notes.push(note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Severity;
    use std::path::Path;

    /// `lines` lines of `tag`, each 8 bytes.
    fn log_of(tag: char, lines: usize) -> String {
        (0..lines).map(|i| format!("{tag}{i:06}\n")).collect()
    }

    /// A file found at `path` as discovery finds it, and its report as an IIS log.
    fn found(path: &Path) -> (Vec<Input>, Vec<InputReport>) {
        let meta = std::fs::metadata(path).unwrap();
        let input = Input {
            modified: meta.modified().ok(),
            ..Input::file("u_ex260302.log", path.to_owned(), false, meta.len())
        };
        let report = super::super::new_report(&input, &Ok(Format::Iis));
        (vec![input], vec![report])
    }

    /// Writes `text` to `path` with the modification time of `like` (as `touch -r`).
    fn write_like(path: &Path, text: &str, like: &Path) {
        std::fs::write(path, text).unwrap();
        let modified = std::fs::metadata(like).unwrap().modified().unwrap();
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(modified).unwrap();
    }

    /// Reads every chunk of the inputs, one chunk per window, calling `between` after the
    /// first window; returns the lines read.
    fn read_all(reader: &mut WindowReader<'_>, mut between: impl FnMut()) -> Vec<u8> {
        let mut read = Vec::new();
        let mut first = true;
        loop {
            let mut units = reader.next_window(1);
            if units.is_empty() {
                return read;
            }
            reader.fill(&mut units);
            for u in units {
                assert_eq!(u.error, None);
                read.extend_from_slice(u.lines());
                reader.recycle(u.data);
            }
            if std::mem::take(&mut first) {
                between();
            }
        }
    }

    /// A log rotated or copied over (same size, same modification time) after its first
    /// chunk was read: the later chunks are still the first file's, not the new one's.
    #[test]
    fn a_file_renamed_over_while_read_is_read_whole_from_the_file_first_opened() {
        let dir = tempfile::tempdir().unwrap();
        let (path, other) = (dir.path().join("u_ex260302.log"), dir.path().join("B.log"));
        let (a, b) = (log_of('A', 40), log_of('B', 40));
        std::fs::write(&path, &a).unwrap();
        write_like(&other, &b, &path);
        let (inputs, reports) = found(&path);
        let mut reader = WindowReader::new(&inputs, &reports, 64);
        let read = read_all(&mut reader, || std::fs::rename(&other, &path).unwrap());
        assert_eq!(String::from_utf8(read).unwrap(), a);
    }

    /// The same replacement is reported: a note that the path now names another file and
    /// that the file first opened was read whole, not a failed input.
    #[test]
    fn a_file_renamed_over_while_read_is_reported_as_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (path, other) = (dir.path().join("u_ex260302.log"), dir.path().join("B.log"));
        std::fs::write(&path, log_of('A', 40)).unwrap();
        write_like(&other, &log_of('B', 40), &path);
        let (inputs, mut reports) = found(&path);
        let mut reader = WindowReader::new(&inputs, &reports, 64);
        read_all(&mut reader, || std::fs::rename(&other, &path).unwrap());
        let mut problems = Vec::new();
        super::super::report_changes(&inputs, &mut reports, &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].severity, Severity::Note, "{problems:?}");
        assert!(problems[0].message.contains("replaced"), "{problems:?}");
        assert!(!reports[0].failed);
    }

    #[test]
    fn a_failure_heavy_window_makes_the_next_one_smaller() {
        assert_eq!(window_size(2, None), 4);
        assert_eq!(window_size(2, Some((4, 100))), 4);
        assert_eq!(window_size(2, Some((4, 4 * DENSE_FINDINGS_PER_CHUNK))), 4);
        assert_eq!(
            window_size(2, Some((4, 4 * DENSE_FINDINGS_PER_CHUNK + 1))),
            2
        );
        assert_eq!(window_size(0, Some((1, usize::MAX))), 1);
    }
}
