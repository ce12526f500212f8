//! Throughput of one event-log parser on one file (parsing only, no classification).
//!
//! ```text
//! python3 benches/gen_events.py csv /tmp/events.csv 200
//! cargo run --release --example bench-events -- csv /tmp/events.csv 3
//! ```
//! FORMAT is evtx, csv, txt, xml, pscsv, clixml or auto (sniffed). Prints seconds, MB/s, the
//! record and rejected counts and the peak resident memory (Linux VmHWM; elsewhere n/a).
//!
//! Events are read as `analyze` reads them: the message and insertion strings only of the
//! providers the shipped grammars name. `FBSCOPE_BENCH_ALL_TEXT=1` reads every event's text.

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use fbscope::classify::EventClassifier;
use fbscope::grammar::Grammar;
use fbscope::input::Input;
use fbscope::parse::eventlog::{parse_for, sniff, EventFormat, EventParseOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(kind), Some(file)) = (args.first(), args.get(1)) else {
        eprintln!("usage: bench-events FORMAT FILE [REPEAT]");
        std::process::exit(2);
    };
    let repeat: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let path = PathBuf::from(file);
    let format = match kind.as_str() {
        "evtx" => EventFormat::Evtx,
        "csv" => EventFormat::ViewerCsv,
        "txt" => EventFormat::ViewerTxt,
        "xml" => EventFormat::ViewerXml,
        "pscsv" => EventFormat::PowerShellCsv,
        "clixml" => EventFormat::Clixml,
        _ => sniffed(&path, file),
    };
    let size = std::fs::metadata(&path)
        .map(|m| m.len())
        .expect("file readable");
    let input = Input::file(file.clone(), path, false, size);
    let opts = EventParseOptions::default();
    let grammar = Grammar::embedded().expect("shipped grammars load");
    let classifier = EventClassifier::new(&grammar);
    let all_text = std::env::var_os("FBSCOPE_BENCH_ALL_TEXT").is_some_and(|v| v == "1");
    let wants_text = |provider: &str| all_text || classifier.reads_text(provider);
    let started = Instant::now();
    let mut last = None;
    for _ in 0..repeat {
        let out = parse_for(
            format,
            &input,
            &opts,
            &grammar.sources.vocabulary,
            &wants_text,
            &mut |_| {},
        );
        last = Some(out.expect("parses"));
    }
    let secs = started.elapsed().as_secs_f64();
    let out = last.expect("ran at least once");
    println!(
        "{format:?} {file} x{repeat}: {secs:.3} s, {:.0} MB/s, {} records, {} rejected, peak RSS {}",
        size as f64 * f64::from(repeat) / secs / 1e6,
        out.tally.records,
        out.tally.rejected,
        peak_rss().unwrap_or_else(|| "n/a".into())
    );
}

fn sniffed(path: &PathBuf, display: &str) -> EventFormat {
    let mut head = Vec::new();
    let opened = std::fs::File::open(path).and_then(|f| f.take(64 << 10).read_to_end(&mut head));
    opened.expect("file readable");
    let grammar = Grammar::embedded().expect("shipped grammars load");
    sniff(&head, display, &grammar.sources.vocabulary).expect("an event-log export")
}

fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}
