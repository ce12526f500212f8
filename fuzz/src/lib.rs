//! The harness shared by the fuzz targets: the pipeline's objects (grammar, candidate finder,
//! filter) built once per process, and the invariants every target checks after a call.
//!
//! Each target drives the public library API the way `pipeline.rs` does, so a crash here is a
//! crash a hostile log would cause in `fbscope analyze`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use fbscope::classify::freebusy::CandidateFinder;
use fbscope::classify::web::WebSink;
use fbscope::classify::Classifier;
use fbscope::config::Filter;
use fbscope::error::GrammarError;
use fbscope::finding::Finding;
use fbscope::grammar::{check, Grammar, GrammarSource};
use fbscope::input::discover;
use fbscope::input::sniff::{sniff, sniff_input, Format};
use fbscope::parse::eventlog;
use fbscope::parse::eventlog::{
    parse, parse_for, DateOrder, EventFormat, EventOutput, EventParseOptions, EventTz,
};
use fbscope::parse::w3c::header::{trim_cr, HeaderDelta, HeaderState};
use fbscope::parse::w3c::layout::{Field, FieldLayout};
use fbscope::parse::w3c::scan::{scan_chunk, ScanOutput};

/// What the W3C targets need, compiled once: compiling the grammar per input would make
/// each execution ~100× slower and the runs find nothing in their 10 minutes.
pub struct Web {
    pub grammar: Grammar,
    pub finder: CandidateFinder,
    pub filter: Filter,
}

pub fn web() -> &'static Web {
    static WEB: OnceLock<Web> = OnceLock::new();
    WEB.get_or_init(|| Web {
        grammar: Grammar::embedded().expect("the shipped grammars compile"),
        finder: CandidateFinder::new(),
        filter: Filter::default(),
    })
}

/// The shipped rules' templates and cmdlets, as the pipeline hands them to the readers.
pub fn vocabulary() -> &'static eventlog::Vocabulary {
    &web().grammar.sources.vocabulary
}

/// The header a file starts with: Exchange's default IIS `#Fields`, marked as assumed.
pub fn initial_iis() -> HeaderState {
    HeaderState::initial(FieldLayout::exchange_default())
}

/// The header of an HTTPERR file: HTTP.sys's `#Fields`.
pub fn initial_httperr() -> HeaderState {
    use fbscope::parse::w3c::layout::HTTPERR_DEFAULT_FIELDS;
    HeaderState::initial(Arc::new(FieldLayout::parse(HTTPERR_DEFAULT_FIELDS)))
}

/// Scans one line-aligned chunk with the real candidate finder and web sink, as a pipeline
/// worker does, and checks the accounting of what came back.
pub fn scan(buf: &[u8], header: HeaderState, httperr: bool) -> (ScanOutput, Vec<Finding>) {
    let web = web();
    let classifier = Classifier::new(&web.grammar);
    let server = fbscope::host::HostId::resolve("EXCH01");
    let mut sink = WebSink {
        classifier: &classifier,
        filter: &web.filter,
        input: 0,
        server: &server,
        names: Default::default(),
        site: "W3SVC1",
        httperr,
        findings: Vec::new(),
        traffic: Default::default(),
        undated: Default::default(),
    };
    let out = scan_chunk(buf, header, web.finder.find_iter(buf), &mut sink);
    check_scan(buf, &out, &sink.findings);
    (out, sink.findings)
}

/// Every line in exactly one bucket, the right number of lines, and no more findings than
/// free/busy requests.
pub fn check_scan(buf: &[u8], out: &ScanOutput, findings: &[Finding]) {
    let t = &out.tally;
    assert!(t.is_balanced(), "unbalanced tally: {t:?}");
    assert_eq!(t.lines, line_count(buf), "line count: {t:?}");
    assert_eq!(t.bytes, buf.len() as u64);
    assert_eq!(t.findings, findings.len() as u64);
    assert!(t.findings <= t.freebusy_requests, "{t:?}");
    assert!(t.freebusy_requests + t.filtered <= t.records, "{t:?}");
    assert!(out.rejections.len() as u64 <= t.rejected, "{t:?}");
}

/// Lines of a buffer as the scanner counts them: a final line without `\n` counts.
pub fn line_count(buf: &[u8]) -> u64 {
    let newlines = buf.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(buf.last().is_some_and(|&b| b != b'\n'))
}

/// Where fuzz inputs are written for the APIs that take a path: one file per process, reused
/// for every execution (libFuzzer runs one input at a time per process).
pub fn scratch_file(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fbscope-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory in the temp dir");
        dir
    });
    dir.join(name)
}

/// Parses fuzz bytes as one event-log export of `format`, the way the pipeline does: the bytes
/// are a file on disk, discovery turns it into inputs (a gzip or zip magic makes it a `.gz` or
/// an archive, which fuzzes the decoders too), and each input is parsed with that format.
///
/// For the formats that read local times, the first byte picks the options (`--event-tz`,
/// `--date-order`) and the rest is the file; see [`event_options`].
pub fn parse_event(format: EventFormat, data: &[u8]) {
    let (opts, bytes) = match takes_options(format) {
        true => match data.split_first() {
            Some((&selector, rest)) => (event_options(selector), rest),
            None => (EventParseOptions::default(), data),
        },
        false => (EventParseOptions::default(), data),
    };
    let path = scratch_file("input.log");
    std::fs::write(&path, bytes).expect("the scratch file is writable");
    let Ok(found) = discover(&[path.display().to_string()], None) else {
        return;
    };
    for input in &found.inputs {
        let plain = input.plain_path().is_some();
        let mut full = Vec::new();
        let full_out = match parse(format, input, &opts, vocabulary(), &mut |e| {
            full.push(header_of(&e))
        }) {
            Ok(out) => {
                check_event(&out, full.len() as u64, plain.then_some(bytes.len() as u64));
                out
            }
            // Reading stopped (a truncated .gz): what was read before must still balance.
            Err(stopped) => {
                check_event(&stopped.partial, full.len() as u64, None);
                *stopped.partial
            }
        };
        check_lean_reading(format, input, &opts, &full, &full_out);
    }
}

/// Reads the input as `analyze` reads a log no rule names (no message, no strings) and
/// compares with the full reading: the same units, every event of the full reading with the
/// same header, in order. Reading less may accept more: an EVTX record whose rendering
/// breaks only after `System` is rejected when its strings are read and counted as a record
/// when they are not (nothing reads them); such a record must be one the full reading
/// rejected.
fn check_lean_reading(
    format: EventFormat,
    input: &fbscope::input::Input,
    opts: &EventParseOptions,
    full: &[EventHeader],
    full_out: &EventOutput,
) {
    let mut lean = Vec::new();
    let lean_out = match parse_for(format, input, opts, vocabulary(), &|_| false, &mut |e| {
        lean.push(header_of(&e))
    }) {
        Ok(out) => out,
        Err(stopped) => *stopped.partial,
    };
    let (t, l) = (&full_out.tally, &lean_out.tally);
    assert_eq!(l.lines, t.lines, "units read without the text");
    assert_eq!(
        l.records + l.rejected,
        t.records + t.rejected,
        "{l:?} vs {t:?}"
    );
    let rejected: Vec<u64> = full_out.rejections.iter().map(|r| r.position).collect();
    let mut full_events = full.iter().peekable();
    for event in &lean {
        if full_events.peek() == Some(&event) {
            full_events.next();
        } else {
            assert!(
                rejected.contains(&event.0) || rejected.len() as u64 != t.rejected,
                "record {} read without its text was neither read nor rejected with it",
                event.0
            );
        }
    }
    assert!(
        full_events.next().is_none(),
        "an event read with its text was lost without it"
    );
}

/// What every event has whether or not its text is read.
fn header_of(e: &fbscope::record::EventRecord) -> EventHeader {
    (
        e.position,
        e.provider.clone(),
        e.event_id,
        e.time,
        e.level.clone(),
        e.computer.clone(),
    )
}

/// Position, provider, event id, time, level, computer.
type EventHeader = (u64, String, Option<u32>, Option<i64>, String, String);

/// Formats whose parser reads `EventParseOptions` (local times, numeric dates).
fn takes_options(format: EventFormat) -> bool {
    matches!(
        format,
        EventFormat::ViewerCsv
            | EventFormat::ViewerTxt
            | EventFormat::PowerShellCsv
            | EventFormat::Clixml
            | EventFormat::GeneralText
    )
}

/// Bits 0–1: the zone (none given, UTC, a fixed offset, a zone with DST); bits 2–3: the
/// day/month order (decided per file, day first, month first).
pub fn event_options(selector: u8) -> EventParseOptions {
    let tz = match selector & 3 {
        0 => EventTz::AssumedUtc,
        1 => EventTz::Utc,
        2 => EventTz::parse("+05:30").expect("a valid offset"),
        _ => EventTz::parse("America/New_York").expect("a valid zone"),
    };
    let date_order = match (selector >> 2) & 3 {
        1 => Some(DateOrder::Dmy),
        2 => Some(DateOrder::Mdy),
        _ => None,
    };
    EventParseOptions { tz, date_order }
}

/// Every unit in one bucket, one record per event handed over, all bytes of a plain file read.
pub fn check_event(out: &EventOutput, events: u64, plain_len: Option<u64>) {
    let t = &out.tally;
    assert!(t.is_balanced(), "unbalanced tally: {t:?}");
    assert_eq!(t.records, events, "records vs events: {t:?}");
    assert!(out.rejections.len() as u64 <= t.rejected, "{t:?}");
    if let Some(len) = plain_len {
        assert_eq!(t.bytes, len, "bytes read: {t:?}");
    }
}

/// Runs the target called `name` (the file name in `fuzz_targets/`) on `data`; `false` when
/// no target has that name. `tests/fuzz_regressions.rs` replays saved inputs through this,
/// so a crash input reproduces under `cargo test` exactly as under the fuzzer.
pub fn run_target(name: &str, data: &[u8]) -> bool {
    match name {
        "w3c_scan" => {
            scan(data, initial_iis(), false);
        }
        "httperr" => {
            scan(data, initial_httperr(), true);
        }
        "w3c_chunked" => w3c_chunked(data),
        "w3c_directives" => w3c_directives(data),
        "sniff" => sniff_head(data),
        "grammar" => grammar(data),
        "event_csv" => parse_event(EventFormat::ViewerCsv, data),
        "event_txt" => parse_event(EventFormat::ViewerTxt, data),
        "event_xml" => parse_event(EventFormat::ViewerXml, data),
        "event_pscsv" => parse_event(EventFormat::PowerShellCsv, data),
        "clixml" => parse_event(EventFormat::Clixml, data),
        "general_text" => parse_event(EventFormat::GeneralText, data),
        "transcript" => parse_event(EventFormat::Transcript, data),
        "evtx" => parse_event(EventFormat::Evtx, data),
        _ => return false,
    }
    true
}

/// Arbitrary bytes cut in two at a line start: scanning the parts (the second with the
/// directives of the first folded in, as the pipeline does) must equal scanning the whole.
///
/// Input: two bytes (little-endian) pick the cut, modulo the length; the rest is the log.
/// The cut moves forward to the next line start, as `input::chunk` aligns chunks.
pub fn w3c_chunked(data: &[u8]) {
    let Some((cut, buf)) = data.split_first_chunk::<2>() else {
        return;
    };
    let cut = usize::from(u16::from_le_bytes(*cut)) % (buf.len() + 1);
    let start = line_start_at_or_after(buf, cut);
    let (head, tail) = buf.split_at(start);

    let (whole, whole_findings) = scan(buf, initial_iis(), false);

    let mut state = initial_iis();
    let (first, mut findings) = scan(head, state.clone(), false);
    state.apply_delta(&HeaderDelta::scan(head));
    let (second, second_findings) = scan(tail, state, false);

    let mut tally = first.tally.clone();
    tally.merge(&second.tally);
    assert_eq!(tally, whole.tally, "cut at byte {start}");

    // Positions are per chunk; the pipeline renumbers them by the lines before the chunk.
    findings.extend(second_findings.into_iter().map(|mut f| {
        f.position += first.tally.lines;
        f
    }));
    assert_eq!(findings, whole_findings, "cut at byte {start}");

    let mut rejections = first.rejections;
    rejections.extend(second.rejections.into_iter().map(|mut r| {
        r.position += first.tally.lines;
        r
    }));
    rejections.truncate(whole.rejections.len());
    assert_eq!(rejections, whole.rejections, "cut at byte {start}");
    assert_eq!(
        first
            .first_assumed_line
            .or(second.first_assumed_line.map(|l| l + first.tally.lines)),
        whole.first_assumed_line
    );
}

/// The start of the line that holds byte `cut - 1`'s successor: `cut` itself when a line
/// starts there, else the byte after the next `\n` (or the end).
fn line_start_at_or_after(buf: &[u8], cut: usize) -> usize {
    if cut == 0 {
        return 0;
    }
    buf[cut - 1..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |i| cut + i)
}

/// Every field the layout resolves to an index.
const FIELDS: [Field; 21] = [
    Field::Date,
    Field::Time,
    Field::DateLocal,
    Field::TimeLocal,
    Field::ServerIp,
    Field::Method,
    Field::UriStem,
    Field::UriQuery,
    Field::Uri,
    Field::ServerPort,
    Field::UserName,
    Field::ClientIp,
    Field::UserAgent,
    Field::Status,
    Field::SubStatus,
    Field::Win32Status,
    Field::Host,
    Field::ComputerName,
    Field::SiteName,
    Field::Reason,
    Field::QueueName,
];

/// Arbitrary bytes as a directive line, then a data line under it.
///
/// Input: the first line is the directive (a `#` is put in front when it lacks one), the rest
/// is one data line. The directive goes through all three readers the pipeline uses —
/// `HeaderState::apply_line` (the scanner), `HeaderDelta::scan` (the pre-pass that folds
/// directives across chunks) and `FieldLayout::parse` — which must agree; then the data line
/// is scanned under the resulting header, alone and after the directive, with equal results.
pub fn w3c_directives(data: &[u8]) {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let mut directive = Vec::with_capacity(split + 1);
    if data.first() != Some(&b'#') {
        directive.push(b'#');
    }
    directive.extend_from_slice(&data[..split]);
    let directive = trim_cr(&directive);
    let data_line = data.get(split + 1..).unwrap_or_default();
    let data_line = &data_line[..data_line
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(data_line.len())];

    let mut by_line = initial_iis();
    by_line.apply_line(directive);
    let mut by_delta = initial_iis();
    by_delta.apply_delta(&HeaderDelta::scan(directive));
    assert_eq!(*by_line.layout, *by_delta.layout);
    assert_eq!(by_line.date, by_delta.date);
    assert_eq!(by_line.assumed, by_delta.assumed);
    if let Some(spec) = fields_spec(directive) {
        let layout = FieldLayout::parse(&String::from_utf8_lossy(spec));
        assert_eq!(layout, *by_line.layout);
        check_layout(&layout);
    }

    // The data line alone under the header, and after the directive from the initial state.
    let (alone, alone_findings) = scan(data_line, by_line, false);
    let mut both = directive.to_vec();
    both.push(b'\n');
    both.extend_from_slice(data_line);
    let (after, after_findings) = scan(&both, initial_iis(), false);
    let mut expected = alone.tally.clone();
    expected.lines += 1;
    expected.directives += 1;
    expected.bytes += directive.len() as u64 + 1;
    assert_eq!(after.tally, expected);
    assert_eq!(after_findings.len(), alone_findings.len());
}

/// The text after `#Fields:` (any case), as `Directive::parse` reads it.
fn fields_spec(line: &[u8]) -> Option<&[u8]> {
    const NAME: &[u8] = b"#fields:";
    (line.len() >= NAME.len() && line[..NAME.len()].eq_ignore_ascii_case(NAME))
        .then(|| &line[NAME.len()..])
}

/// Names are the blank-separated words; every resolved index points at one of them.
fn check_layout(layout: &FieldLayout) {
    assert_eq!(layout.len(), layout.names().len());
    assert_eq!(layout.is_empty(), layout.names().is_empty());
    for f in FIELDS {
        if let Some(i) = layout.index(f) {
            assert!(i < layout.len(), "{f:?} at {i} of {}", layout.len());
            assert!(layout.has(f));
        }
    }
    let leading = layout.index(Field::Date) == Some(0) && layout.index(Field::Time) == Some(1);
    assert_eq!(layout.date_time_leading(), leading);
}

/// Arbitrary text as one more grammar file next to the shipped ones: compiling must return the
/// grammar or the list of errors (each naming a loaded file and a line it has), never panic; a
/// grammar that compiles must run its own examples (`fbscope grammars check`) without panicking.
pub fn grammar(data: &[u8]) {
    let mut sources = GrammarSource::embedded();
    sources.push(GrammarSource {
        name: "fuzz.toml".into(),
        text: String::from_utf8_lossy(data).into_owned(),
    });
    match Grammar::from_sources(&sources) {
        Ok(grammar) => {
            check::run(&grammar);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "Err with no errors");
            for e in &errors {
                check_location(e, &sources);
            }
        }
    }
}

/// Errors about the grammar as a whole name these instead of a file, at line 1.
const WHOLE_GRAMMAR: [&str; 2] = ["taxonomy", "events"];

/// An error names a file that was loaded and a line that file has.
fn check_location(e: &GrammarError, sources: &[GrammarSource]) {
    let GrammarError::Invalid { file, line, .. } = e else {
        panic!("no I/O happens here: {e}");
    };
    if WHOLE_GRAMMAR.contains(&file.as_str()) && *line == 1 {
        return;
    }
    let src = sources.iter().find(|s| &s.name == file);
    let src = src.unwrap_or_else(|| panic!("error names an unknown file: {e}"));
    let lines = src.text.matches('\n').count() + 1;
    assert!((1..=lines).contains(line), "line {line} of {lines}: {e}");
}

/// Display names: only a tie-breaker between event formats, so each kind is tried.
const NAMES: [&str; 5] = [
    "input.log",
    "Application.csv",
    "Application.xml",
    "events.txt",
    "x.evtx",
];

/// Arbitrary bytes as the head of an input: the pipeline's `sniff_input` (legacy `.Evt`, then
/// the event-log sniffer, then the W3C one) and each sniffer alone decide a format, or a
/// reason to skip, without panicking; `sniff_input` keeps the event sniffer's answer.
pub fn sniff_head(data: &[u8]) {
    check_reason(&sniff(data));
    for name in NAMES {
        let chosen = sniff_input(data, name, vocabulary());
        check_reason(&chosen);
        if let Some(event) = eventlog::sniff(data, name, vocabulary()) {
            // An event format wins, unless the head is a legacy .Evt log (skipped, with why).
            assert!(
                chosen == Format::Event(event) || matches!(chosen, Format::Unsupported(_)),
                "{name}: event sniffer said {event:?}, sniff_input {chosen:?}"
            );
        }
    }
}

fn check_reason(format: &Format) {
    if let Format::Unsupported(reason) = format {
        assert!(!reason.reason.is_empty(), "a skipped input needs a reason");
    }
}
