//! The event-log parsers over the shared corpus of real, third-party files
//! (`../shared/corpus/evtx/` and `../shared/corpus/eventlog-export/`, described in its
//! `MANIFEST.md`): per file, the format sniffed and the exact record and rejected counts,
//! dirty files included. Skipped when the corpus is not beside the crate.

use std::io::Read;
use std::path::{Path, PathBuf};

use fbscope::input::Input;
use fbscope::parse::eventlog::{self, EventFormat, EventOutput, EventParseOptions, Stopped};
use fbscope::record::EventRecord;

/// The readers as `analyze` runs them: with the shipped rules' templates and cmdlets.
fn vocabulary() -> &'static eventlog::Vocabulary {
    static GRAMMAR: std::sync::OnceLock<fbscope::grammar::Grammar> = std::sync::OnceLock::new();
    &GRAMMAR
        .get_or_init(|| fbscope::grammar::Grammar::embedded().expect("shipped grammars"))
        .sources
        .vocabulary
}

fn sniff(head: &[u8], display: &str) -> Option<EventFormat> {
    eventlog::sniff(head, display, vocabulary())
}

fn parse(
    format: EventFormat,
    input: &Input,
    opts: &EventParseOptions,
    on_event: &mut dyn FnMut(EventRecord),
) -> Result<EventOutput, Stopped> {
    eventlog::parse(format, input, opts, vocabulary(), on_event)
}

/// What one corpus file must give.
enum Expect {
    /// Parsed: records and rejected units.
    Counts(u64, u64),
    /// Refused whole, with this reason.
    Refused(&'static str),
}

use Expect::{Counts, Refused};

const EVTX: &[(&str, Expect)] = &[
    ("log2timeline_plaso__SysEvent.Evt", Refused("legacy .Evt format (Windows XP/2003) is not supported")),
    // Truncated past its second chunk: the 194 records of the whole chunks.
    ("log2timeline_plaso__System2.evtx", Counts(194, 0)),
    ("mdecrevoisier_EVTX-to-MITRE-Attack__ID6-Failed to install an Exchange transport agent.evtx", Counts(4, 0)),
    // Invalid BinXML token and garbage record headers: 2 records and 2 chunk tails lost.
    ("omerbenamram_evtx__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx", Counts(1910, 4)),
    ("omerbenamram_evtx__2-vss_7-System.evtx", Counts(1160, 0)),
    ("omerbenamram_evtx__Application_no_crc32.evtx", Counts(17, 0)),
    ("omerbenamram_evtx__MSExchange_Management_wec.evtx", Counts(1, 0)),
    // One record with an incomplete SID renders as an empty event: kept, with no time.
    ("omerbenamram_evtx__Microsoft-Windows-HelloForBusiness%4Operational.evtx", Counts(6, 0)),
    ("omerbenamram_evtx__post-Security.evtx", Counts(126, 0)),
    // A record with data size 0 in chunk 0.
    ("omerbenamram_evtx__sample-with-zero-data-size-event.evtx", Counts(449, 1)),
    // Chunks 6 and 10 with zeroed headers, a zeroed record header in chunk 7.
    ("omerbenamram_evtx__sample_with_a_bad_chunk_magic.evtx", Counts(301, 3)),
    ("omerbenamram_evtx__security_bad_string_cache.evtx", Counts(2261, 0)),
    ("sans-blue-team_DeepBlueCLI__many-events-application.evtx", Counts(2216, 0)),
    ("sbousseaden_EVTX-ATTACK-SAMPLES__LM_xp_cmdshell_MSSQL_Events.evtx", Counts(21, 0)),
    ("williballenthin_python-evtx__dns_log_malformed.evtx", Counts(5, 0)),
];

const EXPORTS: &[(&str, EventFormat, Expect)] = &[
    (
        "elastic_beats__application-windows-error-reporting.xml",
        EventFormat::ViewerXml,
        Counts(1, 0),
    ),
    (
        "wagga40_Zircolite__xml_events_sample.xml",
        EventFormat::ViewerXml,
        Counts(2, 0),
    ),
];

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(dir.is_dir(), "{} is needed by this test", dir.display());
    Some(dir)
}

fn input(path: &Path) -> Input {
    Input::file(
        path.display().to_string(),
        path.to_path_buf(),
        false,
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    )
}

fn head(path: &Path) -> Vec<u8> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .unwrap()
        .take(64 << 10)
        .read_to_end(&mut head)
        .unwrap();
    head
}

/// Sniffs and parses one file, checking it against `expect`.
fn check(path: &Path, format: EventFormat, expect: &Expect) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        sniff(&head(path), &name),
        Some(format),
        "{name}: sniffed format"
    );
    let mut events = Vec::new();
    let result = parse(
        format,
        &input(path),
        &EventParseOptions::default(),
        &mut |e| events.push(e),
    );
    match (expect, result) {
        (Counts(records, rejected), Ok(out)) => {
            let got = (out.tally.records, out.tally.rejected);
            assert_eq!(
                got,
                (*records, *rejected),
                "{name}: (records, rejected); rejections {:?}",
                out.rejections
            );
            assert_eq!(events.len() as u64, *records, "{name}");
            assert!(out.tally.is_balanced(), "{name}: {:?}", out.tally);
            assert_eq!(
                out.tally.bytes,
                std::fs::metadata(path).unwrap().len(),
                "{name}: bytes"
            );
            assert!(
                out.rejections
                    .iter()
                    .all(|r| r.position > 0 && !r.reason.is_empty()),
                "{name}"
            );
        }
        (Refused(reason), Err(e)) => assert_eq!(e.message, *reason, "{name}"),
        (_, other) => panic!("{name}: unexpected {:?}", other.map(|o| o.tally)),
    }
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn evtx_corpus_counts() {
    let Some(dir) = corpus() else { return };
    for (name, expect) in EVTX {
        check(&dir.join("evtx").join(name), EventFormat::Evtx, expect);
    }
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn export_corpus_counts() {
    let Some(dir) = corpus() else { return };
    for (name, format, expect) in EXPORTS {
        check(&dir.join("eventlog-export").join(name), *format, expect);
    }
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn every_corpus_file_is_pinned() {
    let Some(dir) = corpus() else { return };
    for (sub, pinned) in [
        ("evtx", EVTX.iter().map(|(n, _)| *n).collect::<Vec<_>>()),
        (
            "eventlog-export",
            EXPORTS.iter().map(|(n, _, _)| *n).collect(),
        ),
    ] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                pinned.contains(&name.as_str()),
                "{sub}/{name} has no pinned counts"
            );
        }
    }
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn exchange_evtx_fields_are_read() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("evtx/omerbenamram_evtx__MSExchange_Management_wec.evtx");
    let mut events = Vec::new();
    parse(
        EventFormat::Evtx,
        &input(&path),
        &EventParseOptions::default(),
        &mut |e| events.push(e),
    )
    .unwrap();
    let e = &events[0];
    assert_eq!(e.provider, "MSExchange CmdletLogs");
    assert_eq!(e.event_id, Some(1));
    assert_eq!(e.computer, "WEC.ave.local");
    assert!(e.time.is_some());
    assert!(e.message.contains("Set-Mailbox"), "{}", e.message);
    assert!(!e.data.is_empty());
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn rootless_xml_stream_times_are_utc() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("eventlog-export/wagga40_Zircolite__xml_events_sample.xml");
    let mut events = Vec::new();
    let out = parse(
        EventFormat::ViewerXml,
        &input(&path),
        &EventParseOptions::default(),
        &mut |e| events.push(e),
    )
    .unwrap();
    let times: Vec<String> = events
        .iter()
        .map(|e| fbscope::time::format_opt(e.time))
        .collect();
    assert_eq!(times, ["2023-02-06T22:07:30Z", "2023-02-06T22:07:30Z"]);
    assert_eq!(events[0].event_id, Some(4672));
    assert_eq!(events[0].data[0], "S-1-5-18");
    assert!(out.notes.is_empty(), "XML times are UTC: no zone note");
}

/// An `.evtx` inside an archive (read into memory) gives what the file on disk gives.
#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn evtx_from_an_archive_member_matches_the_file() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("evtx/omerbenamram_evtx__sample_with_a_bad_chunk_magic.evtx");
    let bytes = std::fs::read(&path).unwrap();
    let member = Input::from_bytes("bundle.zip!Application.evtx", bytes.clone());
    let opts = EventParseOptions::default();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let from_disk = parse(EventFormat::Evtx, &input(&path), &opts, &mut |e| a.push(e)).unwrap();
    let from_member = parse(EventFormat::Evtx, &member, &opts, &mut |e| b.push(e)).unwrap();
    assert_eq!(from_disk.tally, from_member.tally);
    assert_eq!(a, b);
}
