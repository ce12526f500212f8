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
use fbscope::finding::Finding;
use fbscope::grammar::Grammar;
use fbscope::input::discover;
use fbscope::parse::eventlog::{
    parse, DateOrder, EventFormat, EventOutput, EventParseOptions, EventTz,
};
use fbscope::parse::w3c::header::HeaderState;
use fbscope::parse::w3c::layout::FieldLayout;
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
    let mut sink = WebSink {
        classifier: &classifier,
        filter: &web.filter,
        input: 0,
        server: "EXCH01",
        site: "W3SVC1",
        httperr,
        findings: Vec::new(),
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
        let mut events = 0u64;
        let Ok(out) = parse(format, input, &opts, &mut |_| events += 1) else {
            continue;
        };
        check_event(&out, events, plain.then_some(bytes.len() as u64));
    }
}

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
