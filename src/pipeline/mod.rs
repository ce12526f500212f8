//! The one home of parallelism: inputs are sniffed in parallel, then web logs are read and
//! parsed in windows of line-aligned chunks, then event-log exports in windows of whole inputs,
//! then Exchange's CSV logs (HttpProxy...) in windows of whole inputs.
//!
//! `window.rs` holds the web-log pass (four steps per window of chunks), `events.rs` the
//! event-log pass, `exchange.rs` the Exchange CSV pass. Results are always merged by input (and chunk) order, never by completion
//! order, so the output is the same for any thread count. Event-log exports are not cut into chunks (EVTX chunks, quoted multi-line CSV rows and XML
//! elements do not split at line ends): each is parsed and classified whole by one worker,
//! `threads` inputs at a time, and the results are merged in input order after the web logs.

use std::io::Read;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::aggregate::Aggregates;
use crate::analysis::InputNote;
use crate::config::Config;
use crate::correlate::Traffic;
use crate::error::{ReportError, RunError};
use crate::finding::Finding;
use crate::grammar::Grammar;
use crate::host::HostId;
use crate::input::decode::{has_lone_cr_lines, utf32_text, TextDecoding};
use crate::input::discover::discover_excluding;
use crate::input::evidence::{HashedSource, SourceFile};
use crate::input::limits::SNIFF_BYTES;
use crate::input::origin::Change;
use crate::input::sniff::{Skip, SkipKind};
use crate::input::{Format, Input, Origin};
use crate::parse::eventlog::{EventFormat, Vocabulary};
use crate::parse::exchange::ExchangeLog;
use crate::problem::Problem;
use crate::tally::Tally;

mod events;
mod exchange;
mod fold;
mod window;

pub use crate::analysis::{Analysis, InputReport};

use crate::correlate::Series;
pub use crate::report::render::RowKinds;
use crate::report::sorted::Row;

/// Where findings leave the pipeline: every finding, in (input, position) order, with the
/// display name of its input. The reports fan it out (sorted findings files, aggregates,
/// correlator); tests pass a closure.
pub trait FindingSink {
    fn finding(&mut self, f: &Finding, file: &str) -> Result<(), ReportError>;

    /// The rows this sink writes: the workers render them beside the findings they find.
    fn rows(&self) -> RowKinds {
        RowKinds::None
    }

    /// An empty series for the web pass's workers to fold their findings into, for a sink
    /// that takes each chunk's findings folded ([`FindingSink::folded`]) instead of one by
    /// one; `None`, the default, passes every finding to [`FindingSink::finding`].
    fn series(&self) -> Option<Series> {
        None
    }

    /// A chunk's findings as its worker folded them: their series and, as
    /// [`FindingSink::rows`] asked, their rows in order, both with positions counted from the
    /// chunk's first line, which is `base` lines into its input. Called in (input, chunk)
    /// order, only when [`FindingSink::series`] gave a series.
    fn folded(&mut self, _series: Series, _rows: Vec<Row>, _base: u64) -> Result<(), ReportError> {
        Ok(())
    }
}

impl<F: FnMut(&Finding, &str) -> Result<(), ReportError>> FindingSink for F {
    fn finding(&mut self, f: &Finding, file: &str) -> Result<(), ReportError> {
        self(f, file)
    }
}

/// Runs an analysis with `config.threads` workers.
pub fn analyze(
    config: &Config,
    grammar: &Grammar,
    sink: &mut dyn FindingSink,
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

/// What the passes share, read-only.
struct Context<'a> {
    pool: &'a rayon::ThreadPool,
    config: &'a Config,
    grammar: &'a Grammar,
    inputs: &'a [Input],
    progress: &'a ProgressBar,
}

/// What the passes fill in, per input in input order.
struct Collected {
    reports: Vec<InputReport>,
    problems: Vec<Problem>,
    aggregates: Aggregates,
    traffic: Traffic,
    /// IIS failures by request id, for the HttpProxy join.
    requests: exchange::RequestIndex,
}

/// Runs on the calling thread (which alone touches the sink); the parallel steps run in `pool`.
fn run(
    pool: &rayon::ThreadPool,
    config: &Config,
    grammar: &Grammar,
    sink: &mut dyn FindingSink,
) -> Result<Analysis, RunError> {
    let started = Instant::now();
    let discovery = discover_excluding(
        &config.paths,
        config.server_name.as_deref(),
        config.out_dir.as_deref(),
    )?;
    let mut inputs = discovery.inputs;
    let hashing = start_hashing(config, discovery.sources);
    let mut out = Collected {
        reports: Vec::new(),
        problems: discovery.problems,
        aggregates: Aggregates::default(),
        traffic: Traffic::default(),
        requests: exchange::RequestIndex::default(),
    };
    out.reports = sniff_all(pool, &mut inputs, vocabulary(grammar), &mut out.problems);
    prune_by_name(&mut out.reports, &config.filter);
    let progress = progress_bar(config, &inputs, &out.reports);
    let ctx = Context {
        pool,
        config,
        grammar,
        inputs: &inputs,
        progress: &progress,
    };
    window::web_pass(&ctx, &mut out, sink)?;
    events::event_pass(&ctx, &mut out, sink)?;
    exchange::exchange_pass(&ctx, &mut out, sink)?;
    let config_hosts = config_pass(&inputs, &mut out.reports, &mut out.problems);
    progress.finish_and_clear();
    take_read_notes(&inputs, &mut out.reports, &mut out.problems);
    report_changes(&inputs, &mut out.reports, &mut out.problems);
    finish_reports(&mut out.reports, &mut out.problems);
    let sources = hashing.finish();
    let mut totals = Tally::default();
    out.reports.iter().for_each(|r| totals.merge(&r.tally));
    let pruned = out
        .reports
        .iter()
        .filter(|r| matches!(&r.format, Format::Unsupported(s) if s.kind == SkipKind::Pruned))
        .count();
    if let Some(warning) = filter_warning(config, &totals, pruned) {
        out.problems.push(warning);
    }
    Ok(Analysis {
        inputs: out.reports,
        problems: out.problems,
        aggregates: out.aggregates,
        traffic: out.traffic,
        config_hosts,
        totals,
        sources,
        elapsed: started.elapsed(),
        threads: config.threads,
    })
}

/// What the event readers and the sniffer take from the rules.
fn vocabulary(grammar: &Grammar) -> &Vocabulary {
    &grammar.sources.vocabulary
}

/// The hashing of the files read, for `run.json`.
enum Hashing {
    /// No `--out`: no manifest, nothing to hash.
    None,
    /// `--no-hash`: listed without digests.
    Skipped(Vec<SourceFile>),
    /// On its own thread, in discovery order.
    Running(std::thread::JoinHandle<Vec<HashedSource>>, Vec<SourceFile>),
}

/// Starts hashing on a thread of its own while the passes read the logs. Hashing after
/// the analysis (as first built) added its whole time to the run's: SHA-256 of a 2 GB log
/// is about 2 s of CPU, more than the analysis itself on 2 cores. Beside it, the passes
/// and the hash share the cores and the wall time is their sum divided among them.
fn start_hashing(config: &Config, sources: Vec<SourceFile>) -> Hashing {
    if config.out_dir.is_none() {
        return Hashing::None;
    }
    if !config.hash_inputs {
        return Hashing::Skipped(sources);
    }
    let listed = sources.clone();
    let handle = std::thread::spawn(move || sources.into_iter().map(SourceFile::hash).collect());
    Hashing::Running(handle, listed)
}

impl Hashing {
    fn finish(self) -> Vec<HashedSource> {
        match self {
            Hashing::None => Vec::new(),
            Hashing::Skipped(sources) => sources
                .into_iter()
                .map(|s| s.unhashed("not hashed: --no-hash"))
                .collect(),
            // A hasher that panicked leaves the inputs listed, each saying why.
            Hashing::Running(handle, listed) => handle.join().unwrap_or_else(|_| {
                listed
                    .into_iter()
                    .map(|s| s.unhashed("not hashed: the hashing thread failed"))
                    .collect()
            }),
        }
    }
}

/// A `--since`/`--until`/`--server` that leaves no free/busy request: said on screen, not
/// left to look like a clean result.
fn filter_warning(config: &Config, totals: &Tally, pruned: usize) -> Option<Problem> {
    let f = &config.filter;
    if !f.is_active() || totals.freebusy_requests > 0 {
        return None;
    }
    let mut flags = Vec::new();
    let shown = |t: Option<i64>| t.map(crate::time::format_utc).unwrap_or_default();
    if f.since.is_some() {
        flags.push(format!("--since {}", shown(f.since)));
    }
    if f.until.is_some() {
        flags.push(format!("--until {}", shown(f.until)));
    }
    flags.extend(f.servers.iter().map(|s| format!("--server {s}")));
    let message = match (totals.filtered, pruned) {
        (0, 0) => "warning: matches nothing: the inputs hold no free/busy request at all".to_owned(),
        (0, p) => format!(
            "warning: matches nothing: {p} log(s) left unread as their names date them outside, and no free/busy request in the rest"
        ),
        (n, _) => format!(
            "warning: matches nothing: all {n} free/busy requests read were left out, none is reported"
        ),
    };
    Some(Problem::note(flags.join(" "), message))
}

/// Detects every input's format (in parallel) and opens its report; unreadable and skipped
/// inputs become problems.
fn sniff_all(
    pool: &rayon::ThreadPool,
    inputs: &mut [Input],
    vocabulary: &Vocabulary,
    problems: &mut Vec<Problem>,
) -> Vec<InputReport> {
    let formats: Vec<Result<Format, String>> = pool.install(|| {
        inputs
            .par_iter_mut()
            .map(|i| sniff_and_decide(i, vocabulary))
            .collect()
    });
    for (input, format) in inputs.iter().zip(&formats) {
        match format {
            Err(e) => problems.push(Problem::failed(&input.display, e.clone())),
            Ok(Format::Unsupported(why)) => {
                problems.push(Problem::note(&input.display, format!("skipped: {why}")))
            }
            Ok(_) => {}
        }
    }
    inputs
        .iter()
        .zip(&formats)
        .map(|(i, f)| new_report(i, f))
        .collect()
}

/// Detects an input's format; a text log in UTF-16 or with CR-only line ends is given the
/// text decoding that makes it readable (and a note saying so).
fn sniff_and_decide(input: &mut Input, vocabulary: &Vocabulary) -> Result<Format, String> {
    let (format, head) = sniff_input(input, vocabulary, SNIFF_BYTES)?;
    if matches!(format, Format::Unsupported(_)) {
        if let Some(utf32) = utf32_text(&head) {
            // A log in an encoding not read is missing evidence, not a harmless skip.
            return Err(format!(
                "UTF-32 text: not read ({utf32}); save it as UTF-8 or UTF-16 (PowerShell: Get-Content IN | Set-Content -Encoding UTF8 OUT) and pass that"
            ));
        }
    }
    let (format, head) = match text_decoding_for(&format, &head) {
        Some(text) => sniff_decoded(input, vocabulary, text)?.unwrap_or((format, head)),
        None => (format, head),
    };
    name_server_from_lines(input, &format, &head);
    Ok(format)
}

/// Sniffs `input` again through `text`: the decoding is kept (and noted) when the decoded
/// text is a format fbscope reads; otherwise the input is left as it was.
fn sniff_decoded(
    input: &mut Input,
    vocabulary: &Vocabulary,
    text: TextDecoding,
) -> Result<Option<(Format, Vec<u8>)>, String> {
    input.text = text;
    let (format, head) = sniff_input(input, vocabulary, decoded_sniff_bytes(input, text))?;
    if !matches!(format, Format::Unsupported(_)) {
        input.notes.add(text_note(text));
        return Ok(Some((format, head)));
    }
    input.text = TextDecoding::default();
    Ok(None)
}

/// A web log whose path names no server is given the `s-computername` of its first line:
/// without it, its coverage (what absence is judged against) belonged to no server and so
/// covered none of its responders.
fn name_server_from_lines(input: &mut Input, format: &Format, head: &[u8]) {
    if !input.server.is_unknown() || !is_web(format) {
        return;
    }
    if let Some(name) = crate::parse::w3c::header::first_computer_name(head) {
        input.server = HostId::resolve_bytes(name);
    }
}

/// The decoding a text log needs: UTF-16 (a log re-saved by Windows PowerShell 5.1), lone CR
/// line ends (old Mac tools, some converters: a whole log would otherwise be one line), for
/// every format read as lines (web logs, Exchange CSV logs and configuration exports, event
/// text exports) and for a text not recognised as it is.
fn text_decoding_for(format: &Format, head: &[u8]) -> Option<TextDecoding> {
    use crate::parse::eventlog::text::{decode_head, detect, Encoding};
    if *format == Format::Event(EventFormat::Evtx) {
        return None; // binary records, not lines
    }
    let (encoding, _) = detect(head);
    let lone_cr = match encoding {
        Encoding::Utf8 => has_lone_cr_lines(head),
        _ => has_lone_cr_lines(decode_head(head).as_bytes()),
    };
    // The event readers decode UTF-16 themselves; it is decoded here for a text nothing read
    // as it was, and before its lone CRs are made line ends (a CR byte alone is not one).
    let unread = matches!(format, Format::Unsupported(_));
    let utf16 = (encoding != Encoding::Utf8 && (unread || lone_cr)).then_some(encoding);
    let text = TextDecoding { utf16, lone_cr };
    (!text.is_plain()).then_some(text)
}

fn text_note(text: TextDecoding) -> String {
    let mut parts = Vec::new();
    if let Some(enc) = text.utf16 {
        parts.push(format!(
            "{enc:?} text (as Windows PowerShell 5.1 Out-File writes) read as UTF-8"
        ));
    }
    if text.lone_cr {
        parts.push("lines ending in a lone CR read as lines".to_owned());
    }
    parts.join("; ")
}

/// What reading noticed about each input (gzip padding, re-encoded text) goes into its
/// inventory notes and the problems list.
fn take_read_notes(inputs: &[Input], reports: &mut [InputReport], problems: &mut Vec<Problem>) {
    for (input, report) in inputs.iter().zip(reports.iter_mut()) {
        for note in input.notes.take() {
            problems.push(Problem::note(&report.display, note.clone()));
            report.notes.push(InputNote::Text(note));
        }
    }
}

/// Files that changed while they were read: a truncated or rewritten file is a failed input,
/// a grown one (a live log) a note. A file replaced under its path (renamed over, or away) is
/// a note too, not lost evidence: a plain file's chunks all come from the one handle opened
/// first, and that file was read whole and did not change, so the lines read are its own;
/// only the file the path names now was not read. Had the file read changed as well, that
/// change is what is reported ([`Input::change_since_found`]).
fn report_changes(inputs: &[Input], reports: &mut [InputReport], problems: &mut Vec<Problem>) {
    for (input, report) in inputs.iter().zip(reports.iter_mut()) {
        if matches!(report.format, Format::Unsupported(_)) {
            continue;
        }
        match input.change_since_found() {
            Some(Change::Lost(why)) => {
                report.failed = true;
                report.notes.push(InputNote::Text(why.clone()));
                problems.push(Problem::failed(&report.display, why));
            }
            Some(Change::Grew(why) | Change::Replaced(why)) => {
                report.notes.push(InputNote::Text(why.clone()));
                problems.push(Problem::note(&report.display, why));
            }
            None => {}
        }
    }
}

/// How many decoded bytes a sniff through `text` reads. A stream keeps only its first
/// [`SNIFF_BYTES`] for replay, and UTF-16 takes two of them (or more) per character: a
/// decoded head as long would read past them, using up the stream's one full read. A
/// quarter of them is decoded from within them, whatever the decoder's read-ahead.
fn decoded_sniff_bytes(input: &Input, text: TextDecoding) -> usize {
    match (&input.origin, text.utf16) {
        (Origin::Stream(_), Some(_)) => SNIFF_BYTES / 4,
        _ => SNIFF_BYTES,
    }
}

/// The format of `input` from its first `limit` decoded bytes, and those bytes.
fn sniff_input(
    input: &Input,
    vocabulary: &Vocabulary,
    limit: usize,
) -> Result<(Format, Vec<u8>), String> {
    let mut head = Vec::with_capacity(limit);
    let reader = input.open().map_err(|e| e.to_string())?;
    let sniff = |head: &[u8]| crate::input::sniff::sniff_input(head, &input.display, vocabulary);
    let format = match reader.take(limit as u64).read_to_end(&mut head) {
        Ok(_) => Ok(sniff(&head)),
        // A stream that fails early (truncated gzip) may still have a readable head.
        Err(e) if !head.is_empty() => Ok(sniff(&head)).and_then(|f| match f {
            Format::Unsupported(_) => Err(e.to_string()),
            f => Ok(f),
        }),
        Err(e) => Err(e.to_string()),
    }?;
    Ok((format, head))
}

fn new_report(input: &Input, format: &Result<Format, String>) -> InputReport {
    InputReport {
        display: input.display.clone(),
        format: format.clone().unwrap_or_else(Skip::unreadable),
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
        .filter(|(_, r)| {
            is_web(&r.format) || matches!(r.format, Format::Event(_) | Format::ExchangeCsv(_))
        })
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

/// Starts the inventory note of an input left unread because `--since`/`--until` exclude it.
pub const PRUNED_NOTE: &str = "pruned by --since/--until";

/// IIS names its logs by the UTC day or hour they cover (`u_exYYMMDD.log`,
/// `u_exYYMMDDHH.log`), Exchange its HttpProxy logs by the UTC hour
/// (`HttpProxy_YYYYMMDDHH-N.LOG`, whose `#Date` is that hour): a log whose whole span lies
/// outside the window is not read.
fn prune_by_name(reports: &mut [InputReport], filter: &crate::config::Filter) {
    if !filter.has_window() {
        return;
    }
    let named = |f: &Format| is_web(f) || *f == Format::ExchangeCsv(ExchangeLog::HttpProxy);
    for r in reports.iter_mut().filter(|r| named(&r.format)) {
        let span = iis_name_span(&r.display).or_else(|| httpproxy_name_span(&r.display));
        let Some((start, end)) = span else {
            continue;
        };
        if filter.excludes_span(start, end) {
            r.format = Skip::pruned(format!(
                "{PRUNED_NOTE}: its name dates it {} .. {}",
                crate::time::format_utc(start),
                crate::time::format_utc(end - 1)
            ));
        }
    }
}

/// The UTC span an IIS log's file name gives it.
fn iis_name_span(display: &str) -> Option<(i64, i64)> {
    let name = display
        .rsplit(['/', '\\', '!'])
        .next()?
        .to_ascii_lowercase();
    let stem = name.strip_suffix(".log")?;
    let digits = stem
        .strip_prefix("u_ex")
        .or_else(|| stem.strip_prefix("ex"))?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !(digits.len() == 6 || digits.len() == 8) {
        return None;
    }
    let date = format!("20{}-{}-{}", &digits[0..2], &digits[2..4], &digits[4..6]);
    let day = crate::time::parse_date(date.as_bytes())? * 86_400;
    match digits.get(6..8) {
        Some(h) => {
            let h: i64 = h.parse().ok().filter(|h| *h < 24)?;
            Some((day + h * 3600, day + (h + 1) * 3600))
        }
        None => Some((day, day + 86_400)),
    }
}

/// The UTC hour an HttpProxy log's file name gives it (`HttpProxy_2026030209-1.LOG`).
fn httpproxy_name_span(display: &str) -> Option<(i64, i64)> {
    let name = display
        .rsplit(['/', '\\', '!'])
        .next()?
        .to_ascii_lowercase();
    let stem = name.strip_suffix(".log")?.strip_prefix("httpproxy_")?;
    let digits = stem.split('-').next()?;
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = format!("{}-{}-{}", &digits[0..4], &digits[4..6], &digits[6..8]);
    let day = crate::time::parse_date(date.as_bytes())? * 86_400;
    let h: i64 = digits[8..10].parse().ok().filter(|h| *h < 24)?;
    Some((day + h * 3600, day + (h + 1) * 3600))
}

/// Server → the host names it answers on.
type HostsByServer = std::collections::BTreeMap<HostId, std::collections::BTreeSet<String>>;

/// Largest configuration export read (Format-List output of a few cmdlets, not a log).
const MAX_CONFIG_BYTES: u64 = 8 << 20;

/// Reads the Exchange configuration exports: which server answers for which host.
fn config_pass(
    inputs: &[Input],
    reports: &mut [InputReport],
    problems: &mut Vec<Problem>,
) -> HostsByServer {
    let mut hosts = HostsByServer::default();
    for (input, report) in inputs.iter().zip(reports.iter_mut()) {
        if report.format != Format::ExchangeConfig {
            continue;
        }
        let mut bytes = Vec::new();
        let read = input
            .open()
            .and_then(|r| r.take(MAX_CONFIG_BYTES).read_to_end(&mut bytes));
        if let Err(e) = read {
            problems.push(Problem::failed(&report.display, e.to_string()));
            report.failed = true;
            continue;
        }
        let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
        let export = crate::parse::exconfig::parse(&text);
        let t = &mut report.tally;
        t.bytes = bytes.len() as u64;
        t.lines = export.lines;
        t.records = export.properties + export.other;
        t.blank = export.blank;
        if report.server.is_empty() {
            report.server = export.hosts.keys().next().cloned().unwrap_or_default();
        }
        for (server, hs) in export.hosts {
            report.notes.push(InputNote::Text(format!(
                "{server} answers on {}",
                hs.iter().cloned().collect::<Vec<_>>().join(", ")
            )));
            hosts.entry(server).or_default().extend(hs);
        }
    }
    hosts
}

fn is_web(format: &Format) -> bool {
    matches!(format, Format::Iis | Format::HttpErr)
}

/// The problems-list entry of an input with rejected lines: how many, and the first one's
/// position and reason, so the list names every bad file without opening rejected.txt.
fn rejected_problem(r: &InputReport) -> Problem {
    let n = r.tally.rejected;
    let lines = if n == 1 { "line" } else { "lines" };
    match r.rejections.first() {
        Some(first) => Problem::note(
            &r.display,
            format!("{n} {lines} rejected; the first: {}", first.reason),
        )
        .at(first.position),
        None => Problem::note(&r.display, format!("{n} {lines} rejected")),
    }
}

/// Notes per input once all its chunks are merged.
fn finish_reports(reports: &mut [InputReport], problems: &mut Vec<Problem>) {
    for r in reports.iter_mut() {
        let t = &r.tally;
        debug_assert!(t.is_balanced(), "{}: {t:?}", r.display);
        if t.tolerated > 0 {
            r.notes.push(InputNote::Text(format!(
                "{} lines or rows read tolerantly (blank runs, quoted values, text after a closing quote)",
                t.tolerated
            )));
        }
        if t.rejected > 0 {
            r.notes.push(InputNote::Text(format!(
                "{} lines rejected (see rejected.txt)",
                t.rejected
            )));
            problems.push(rejected_problem(r));
        }
        for note in r.notes.iter().filter(|n| n.is_problem()) {
            problems.push(Problem::note(&r.display, note.to_string()));
        }
        if let Format::Unsupported(why) = &r.format {
            r.notes.insert(0, InputNote::Skipped(why.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iis_log_names_give_their_utc_day_or_hour() {
        let day = crate::time::parse_user_time("2026-03-02").unwrap();
        assert_eq!(
            iis_name_span("logs/EXCH01/W3SVC1/u_ex260302.log"),
            Some((day, day + 86_400))
        );
        assert_eq!(
            iis_name_span("bundle.zip!W3SVC1/u_ex26030209.log"),
            Some((day + 9 * 3600, day + 10 * 3600))
        );
        assert_eq!(iis_name_span("httperr1.log"), None);
        assert_eq!(iis_name_span("u_ex261399.log"), None);
        assert_eq!(
            httpproxy_name_span("EXCH01/Logging/HttpProxy/Ews/HttpProxy_2026030209-1.LOG"),
            Some((day + 9 * 3600, day + 10 * 3600))
        );
        assert_eq!(httpproxy_name_span("HttpProxy_20260302-1.LOG"), None);
        assert_eq!(httpproxy_name_span("HttpProxy_2026030224-1.LOG"), None);
    }
}
