//! The one home of parallelism: inputs are sniffed in parallel, then web logs are read and
//! parsed in windows of line-aligned chunks, then event-log exports in windows of whole inputs.
//!
//! Each window goes through four steps: (1) in parallel, fill the chunk buffers and find
//! their directive lines; (2) in order, fold the directives so each chunk knows the
//! `#Fields` in force at its start; (3) in parallel, scan the chunks; (4) in order, merge the
//! partial results (line numbers, tallies, findings). Results are merged by (input, chunk)
//! key, never by completion order, so the output is the same for any thread count; memory is
//! bounded by the window (chunks in flight × chunk size) plus the findings of one window.
//!
//! Event-log exports are not cut into chunks (EVTX chunks, quoted multi-line CSV rows and XML
//! elements do not split at line ends): each is parsed and classified whole by one worker,
//! `threads` inputs at a time, and the results are merged in input order after the web logs.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::aggregate::Aggregates;
use crate::classify::event::server_name;
use crate::classify::freebusy::CandidateFinder;
use crate::classify::web::WebSink;
use crate::classify::{Classifier, EventClassifier};
use crate::config::Config;
use crate::error::{ReportError, RunError};
use crate::finding::Finding;
use crate::grammar::Grammar;
use crate::input::chunk::{self, BlockReader};
use crate::input::limits::SNIFF_BYTES;
use crate::input::{discover, Format, Input};
use crate::parse::eventlog::{self, EventFormat, EventOutput};
use crate::parse::w3c::header::{HeaderDelta, HeaderState};
use crate::parse::w3c::layout::{FieldLayout, HTTPERR_DEFAULT_FIELDS};
use crate::parse::w3c::scan::{scan_chunk, ScanOutput};
use crate::problem::{Problem, Severity};
use crate::tally::{Rejection, Tally, REJECTED_KEPT_PER_INPUT};

/// How the inventory note about data before any `#Fields` starts.
const ASSUMED_NOTE: &str = "no #Fields before line";

/// Chunks per window per thread: enough to balance uneven chunks, few enough to bound memory.
const CHUNKS_PER_THREAD: usize = 4;

/// What one input contributed.
#[derive(Debug, Clone)]
pub struct InputReport {
    pub display: String,
    pub format: Format,
    pub server: String,
    pub site: String,
    pub tally: Tally,
    pub rejections: Vec<Rejection>,
    pub failed: bool,
    pub notes: Vec<String>,
}

/// The result of a run (findings themselves went to the caller's sink as they came).
#[derive(Debug, Clone)]
pub struct Analysis {
    pub inputs: Vec<InputReport>,
    pub problems: Vec<Problem>,
    pub aggregates: Aggregates,
    pub totals: Tally,
    pub elapsed: Duration,
    pub threads: usize,
}

impl Analysis {
    /// True when an input could not be read completely (exit code 2).
    pub fn any_input_failed(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Failed)
    }
}

/// Receives every finding in output order, with the display name of its input.
pub type FindingSink<'a> = dyn FnMut(&Finding, &str) -> Result<(), ReportError> + 'a;

/// Runs an analysis with `config.threads` workers.
pub fn analyze(
    config: &Config,
    grammar: &Grammar,
    sink: &mut FindingSink<'_>,
) -> Result<Analysis, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| RunError::Threads {
            threads: config.threads,
            reason: e.to_string(),
        })?;
    run(&pool, config, grammar, sink)
}

/// Runs on the calling thread (which alone touches the sink); the parallel steps run in `pool`.
fn run(
    pool: &rayon::ThreadPool,
    config: &Config,
    grammar: &Grammar,
    sink: &mut FindingSink<'_>,
) -> Result<Analysis, RunError> {
    let started = Instant::now();
    let discovery = discover(&config.paths, config.server_name.as_deref())?;
    let mut problems = discovery.problems;
    let inputs = discovery.inputs;
    let formats: Vec<Result<Format, String>> =
        pool.install(|| inputs.par_iter().map(sniff_input).collect());
    let mut reports: Vec<InputReport> = inputs
        .iter()
        .zip(&formats)
        .map(|(i, f)| new_report(i, f))
        .collect();
    for (input, format) in inputs.iter().zip(&formats) {
        match format {
            Err(e) => problems.push(Problem::failed(&input.display, e.clone())),
            Ok(Format::Unsupported(why)) => {
                problems.push(Problem::note(&input.display, format!("skipped: {why}")))
            }
            Ok(_) => {}
        }
    }
    let progress = progress_bar(config, &inputs, &reports);
    let mut aggregates = Aggregates::default();
    let mut reader = WindowReader::new(&inputs, &reports, config.chunk_bytes);
    let classifier = Classifier::new(grammar);
    let finder = CandidateFinder::new();
    let window = CHUNKS_PER_THREAD * config.threads.max(1);
    loop {
        let mut units = reader.next_window(window);
        if units.is_empty() {
            break;
        }
        pool.install(|| reader.fill(&mut units));
        reader.fold(&mut units, &mut reports, &mut problems);
        // Buffers come back for reuse by the next window.
        let scanned: Vec<(usize, u64, UnitResult, Vec<u8>)> = pool.install(|| {
            units
                .into_par_iter()
                .map(|u| {
                    let (input, report) = (&inputs[u.input], &reports[u.input]);
                    let r = scan_unit(&u, input, report, &classifier, &finder, config);
                    (u.input, u.consumed, r, u.data)
                })
                .collect()
        });
        for (input, consumed, result, buf) in scanned {
            merge_unit(input, result, &mut reports[input], &mut aggregates, sink)?;
            reader.recycle(buf);
            progress.inc(consumed);
        }
    }
    let events = EventPass {
        inputs: &inputs,
        config,
        classifier: EventClassifier::new(grammar),
    };
    let event_inputs: Vec<(usize, EventFormat)> = reports
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r.format {
            Format::Event(f) => Some((i, f)),
            _ => None,
        })
        .collect();
    for window in event_inputs.chunks(config.threads.max(1)) {
        let parsed: Vec<(usize, Result<EventResult, String>)> = pool.install(|| {
            window
                .par_iter()
                .map(|&(i, format)| (i, events.run(i, format)))
                .collect()
        });
        for (i, result) in parsed {
            merge_event_input(
                result,
                &mut reports[i],
                &mut problems,
                &mut aggregates,
                sink,
            )?;
            progress.inc(inputs[i].stored_size);
        }
    }
    progress.finish_and_clear();
    finish_reports(&mut reports, &mut problems);
    let mut totals = Tally::default();
    reports.iter().for_each(|r| totals.merge(&r.tally));
    Ok(Analysis {
        inputs: reports,
        problems,
        aggregates,
        totals,
        elapsed: started.elapsed(),
        threads: config.threads,
    })
}

fn sniff_input(input: &Input) -> Result<Format, String> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let reader = input.open().map_err(|e| e.to_string())?;
    let sniff = |head: &[u8]| crate::input::sniff::sniff_input(head, &input.display);
    match reader.take(SNIFF_BYTES as u64).read_to_end(&mut head) {
        Ok(_) => Ok(sniff(&head)),
        // A stream that fails early (truncated gzip) may still have a readable head.
        Err(e) if !head.is_empty() => Ok(sniff(&head)).and_then(|f| match f {
            Format::Unsupported(_) => Err(e.to_string()),
            f => Ok(f),
        }),
        Err(e) => Err(e.to_string()),
    }
}

fn new_report(input: &Input, format: &Result<Format, String>) -> InputReport {
    InputReport {
        display: input.display.clone(),
        format: format.clone().unwrap_or_else(Format::Unsupported),
        server: input.server.clone(),
        site: input.site.clone(),
        tally: Tally::default(),
        rejections: Vec::new(),
        failed: format.is_err(),
        notes: Vec::new(),
    }
}

fn progress_bar(config: &Config, inputs: &[Input], reports: &[InputReport]) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let total: u64 = inputs
        .iter()
        .zip(reports)
        .filter(|(_, r)| is_web(&r.format) || matches!(r.format, Format::Event(_)))
        .map(|(i, _)| i.stored_size)
        .sum();
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn is_web(format: &Format) -> bool {
    matches!(format, Format::Iis | Format::HttpErr)
}

/// A chunk of one input, in flight.
struct Unit {
    input: usize,
    range: Option<(u64, u64)>,
    /// The chunk's bytes (a reused buffer); its lines start at `first`.
    data: Vec<u8>,
    first: usize,
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
            data: self.pool.pop().unwrap_or_default(),
            first: 0,
            delta: HeaderDelta::default(),
            start: None,
            error: None,
            consumed: range.map_or(0, |(s, e)| e - s),
        }
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
                let u = self.unit(i, Some(range));
                units.push(u);
            } else if self.stream.is_some() {
                while units.len() < cap {
                    let u = self.unit(i, None);
                    units.push(u);
                }
            } else {
                self.current = None;
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
                    let len = std::fs::metadata(path).map_or(input.stored_size, |m| m.len());
                    self.ranges = chunk::ranges(len, self.chunk_bytes).into_iter();
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
            || {
                ranged
                    .par_iter_mut()
                    .for_each(|u| read_range_unit(u, &inputs[u.input]))
            },
            || read_stream_units(stream, &mut streamed),
        );
        units.retain(|u| u.range.is_some() || !u.lines().is_empty() || u.error.is_some());
        if ended {
            self.stream = None;
            self.current = None;
            if let Some(u) = units.iter_mut().rev().find(|u| u.range.is_none()) {
                u.consumed = inputs[u.input].stored_size;
            }
        }
    }

    /// Step 2: gives each unit the header in force at its start.
    fn fold(
        &mut self,
        units: &mut [Unit],
        reports: &mut [InputReport],
        problems: &mut Vec<Problem>,
    ) {
        for u in units.iter_mut() {
            if let Some(e) = &u.error {
                let report = &mut reports[u.input];
                if !report.failed {
                    problems.push(Problem::failed(&report.display, format!("read error: {e}")));
                }
                report.failed = true;
                continue;
            }
            let state = &mut self.states[u.input];
            u.start = Some(state.clone());
            state.apply_delta(&u.delta);
        }
    }
}

fn read_range_unit(u: &mut Unit, input: &Input) {
    let (Some(path), Some((s, e))) = (input.plain_path(), u.range) else {
        return;
    };
    match chunk::read_range(path, s, e, &mut u.data) {
        Ok(first) => {
            u.first = first;
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
            Ok(true) => u.delta = HeaderDelta::scan(&u.data),
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
    findings: Vec<Finding>,
}

/// Step 3: scans one unit.
fn scan_unit(
    u: &Unit,
    input: &Input,
    report: &InputReport,
    classifier: &Classifier<'_>,
    finder: &CandidateFinder,
    config: &Config,
) -> UnitResult {
    let Some(start) = u.start.clone() else {
        return UnitResult {
            scan: ScanOutput::default(),
            findings: Vec::new(),
        };
    };
    let mut sink = WebSink {
        classifier,
        filter: &config.filter,
        input: u.input,
        server: &input.server,
        site: &input.site,
        httperr: report.format == Format::HttpErr,
        findings: Vec::new(),
    };
    let bytes = u.lines();
    let scan = scan_chunk(bytes, start, finder.find_iter(bytes), &mut sink);
    UnitResult {
        scan,
        findings: sink.findings,
    }
}

/// Step 4: appends a unit's results to its input, renumbering lines to the whole input.
fn merge_unit(
    input: usize,
    result: UnitResult,
    report: &mut InputReport,
    aggregates: &mut Aggregates,
    sink: &mut FindingSink<'_>,
) -> Result<(), ReportError> {
    let base = report.tally.lines;
    for mut f in result.findings {
        f.position += base;
        f.input = input;
        aggregates.add(&f);
        sink(&f, &report.display)?;
    }
    let room = REJECTED_KEPT_PER_INPUT.saturating_sub(report.rejections.len());
    report
        .rejections
        .extend(result.scan.rejections.into_iter().take(room).map(|mut r| {
            r.position += base;
            r
        }));
    if let Some(first) = result.scan.first_assumed_line {
        if !report.notes.iter().any(|n| n.starts_with(ASSUMED_NOTE)) {
            report.notes.push(format!(
                "{ASSUMED_NOTE} {}: Exchange default field set assumed",
                base + first
            ));
        }
    }
    report.tally.merge(&result.scan.tally);
    Ok(())
}

/// Parses and classifies whole event-log inputs (one per worker).
struct EventPass<'a> {
    inputs: &'a [Input],
    config: &'a Config,
    classifier: EventClassifier<'a>,
}

/// What one event input produced.
struct EventResult {
    output: EventOutput,
    /// The input's server for the inventory: the first `Computer` of its events, else the
    /// one its path names.
    server: String,
    findings: Vec<Finding>,
    freebusy: u64,
    filtered: u64,
}

impl EventPass<'_> {
    fn run(&self, index: usize, format: EventFormat) -> Result<EventResult, String> {
        let input = &self.inputs[index];
        let opts = self.config.event_time.options_for(&input.display);
        let fallback_server = if input.server.is_empty() {
            server_from_event_path(&input.display)
        } else {
            input.server.clone()
        };
        let mut findings = Vec::new();
        let (mut freebusy, mut filtered) = (0, 0);
        let mut first_computer = String::new();
        let output = eventlog::parse(format, input, &opts, &mut |rec| {
            if first_computer.is_empty() {
                first_computer = server_name(&rec.computer).to_owned();
            }
            let counted = self.classifier.is_freebusy_event(&rec);
            let verdict = self.classifier.classify(&rec);
            if !counted && verdict.is_none() {
                return;
            }
            let server = match server_name(&rec.computer) {
                "" => fallback_server.as_str(),
                c => c,
            };
            if !self.config.filter.admits(rec.time, server) {
                filtered += 1;
                return;
            }
            freebusy += u64::from(counted);
            if let Some(v) = verdict {
                findings.push(self.classifier.finding(&rec, v, index, &fallback_server));
            }
        })?;
        Ok(EventResult {
            output,
            server: if first_computer.is_empty() {
                fallback_server
            } else {
                first_computer
            },
            findings,
            freebusy,
            filtered,
        })
    }
}

/// The server of an event export whose records do not name it (Event Viewer CSV/TXT have no
/// Computer column): `<SERVER>_Application.xml` as ExchangeLogCollector names its exports, or
/// the folder it sits in when that looks like a host name (starts with a letter, has a digit
/// or a '-': `FABRIKAM-EX01/Application.csv`, not `logs/` or `2026-03-02/`).
fn server_from_event_path(display: &str) -> String {
    let mut parts = display.rsplit(['/', '\\', '!']).filter(|p| !p.is_empty());
    let file = parts.next().unwrap_or_default();
    if let Some((server, _)) = file.split_once('_') {
        if looks_like_host(server) {
            return server.to_owned();
        }
    }
    parts
        .next()
        .filter(|dir| looks_like_host(dir))
        .unwrap_or_default()
        .to_owned()
}

fn looks_like_host(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.contains(|c: char| c.is_ascii_digit() || c == '-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Streams one event input's findings to the sink and files its counts and notes.
fn merge_event_input(
    result: Result<EventResult, String>,
    report: &mut InputReport,
    problems: &mut Vec<Problem>,
    aggregates: &mut Aggregates,
    sink: &mut FindingSink<'_>,
) -> Result<(), ReportError> {
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem::failed(&report.display, e.clone()));
            report.failed = true;
            report.notes.push(format!("not read: {e}"));
            return Ok(());
        }
    };
    for f in &result.findings {
        aggregates.add(f);
        sink(f, &report.display)?;
    }
    if report.server.is_empty() {
        report.server = result.server;
    }
    let mut tally = result.output.tally;
    tally.freebusy_requests += result.freebusy;
    tally.filtered += result.filtered;
    tally.findings += result.findings.len() as u64;
    report.tally.merge(&tally);
    report.rejections = result.output.rejections;
    report.rejections.truncate(REJECTED_KEPT_PER_INPUT);
    report.notes.extend(result.output.notes);
    Ok(())
}

/// Notes per input once all its chunks are merged.
fn finish_reports(reports: &mut [InputReport], problems: &mut Vec<Problem>) {
    for r in reports.iter_mut() {
        let t = &r.tally;
        debug_assert!(t.is_balanced(), "{}: {t:?}", r.display);
        if t.tolerated > 0 {
            r.notes.push(format!(
                "{} lines split tolerantly (blank runs or quoted values)",
                t.tolerated
            ));
        }
        if t.rejected > 0 {
            r.notes
                .push(format!("{} lines rejected (see rejected.txt)", t.rejected));
        }
        for note in &r.notes {
            if note.starts_with(ASSUMED_NOTE) {
                problems.push(Problem::note(&r.display, note.clone()));
            }
        }
        if let Format::Unsupported(why) = &r.format {
            r.notes.insert(0, format!("skipped: {why}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_exports_name_their_server_by_file_or_folder() {
        let s = server_from_event_path;
        assert_eq!(s("samples/FABRIKAM-EX01/Application.csv"), "FABRIKAM-EX01");
        assert_eq!(s("bundle.zip!EXCH01_Application.xml"), "EXCH01");
        assert_eq!(s(r"C:\logs\ex02.contoso.com\app.evtx"), "ex02.contoso.com");
        assert_eq!(s("samples/Application.csv"), "");
        assert_eq!(s("2026-03-02/Application.csv"), "");
        assert_eq!(s("Application.csv"), "");
    }
}
