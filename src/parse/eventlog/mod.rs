//! Event-log exports: every shape admins hand over, parsed into [`EventRecord`]s.
//!
//! One module per format. Each parser streams its input (bounded memory), counts every unit
//! (record, row, element) in a [`Tally`] — `lines` = `records` + `directives` (header rows) +
//! `blank` + `rejected` — and keeps the first rejections with their position and reason.

mod clixml;
mod dates;
mod elements;
mod evtx;
mod general;
mod named;
mod pscsv;
mod rendered;
mod rows;
mod sink;
mod sniff;
pub mod text;
pub mod time;
mod transcript;
mod viewer;
pub mod vocabulary;
mod windows_zones;
mod xml;

pub use time::{DateOrder, EventTz};
pub use vocabulary::Vocabulary;

use crate::input::Input;
use crate::record::EventRecord;
use crate::tally::{Rejection, Tally};
use sink::Sink;

/// The event-log formats fbscope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFormat {
    Evtx,
    ViewerCsv,
    ViewerTxt,
    ViewerXml,
    PowerShellCsv,
    Clixml,
    GeneralText,
    Transcript,
}

impl EventFormat {
    /// The name in the inventory's `format` column.
    pub fn name(self) -> &'static str {
        match self {
            EventFormat::Evtx => "evtx",
            EventFormat::ViewerCsv => "event-csv",
            EventFormat::ViewerTxt => "event-txt",
            EventFormat::ViewerXml => "event-xml",
            EventFormat::PowerShellCsv => "event-pscsv",
            EventFormat::Clixml => "event-clixml",
            EventFormat::GeneralText => "event-text",
            EventFormat::Transcript => "test-transcript",
        }
    }

    /// The format writes the exporting machine's local time (Event Viewer CSV/TXT, PowerShell
    /// CSV, pasted text), not UTC: `--event-tz` decides how it is read.
    pub fn has_local_times(self) -> bool {
        matches!(
            self,
            EventFormat::ViewerCsv
                | EventFormat::ViewerTxt
                | EventFormat::PowerShellCsv
                | EventFormat::GeneralText
        )
    }
}

/// What parsing one event input produced besides its events.
#[derive(Debug, Default)]
pub struct EventOutput {
    pub tally: Tally,
    pub rejections: Vec<Rejection>,
    /// Said in the inventory (e.g. "event times converted from Europe/Berlin to UTC").
    pub notes: Vec<String>,
    /// Local event times were read as UTC because no `--event-tz` was given.
    pub assumed_utc: bool,
}

/// How local times in exports are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventParseOptions {
    /// The zone of local-time exports (`--event-tz`).
    pub tz: EventTz,
    /// Forced day/month order (`--date-order`); otherwise decided per file from its rows.
    pub date_order: Option<DateOrder>,
}

/// Detects an event-log format from the first 64 KiB of decoded bytes (may start with a UTF-8
/// or UTF-16LE BOM) and the display name (only as a tie-breaker).
pub fn sniff(head: &[u8], display: &str, vocabulary: &Vocabulary) -> Option<EventFormat> {
    sniff::sniff(head, display, vocabulary)
}

/// Says, given an event's provider, whether the caller reads its message and insertion
/// strings (see [`parse_for`]).
pub type WantsText<'a> = &'a dyn Fn(&str) -> bool;

/// Parses a whole input, calling `on_event` for each event in file order; `vocabulary` (from
/// the rules) gives the messages of records that hold only insertion strings and the cmdlets
/// of transcripts. A partly broken
/// file returns `Ok` with its rejections counted; `Err` when the input cannot be opened or
/// its stream fails, with what was counted before (see [`Stopped`]).
pub fn parse(
    format: EventFormat,
    input: &Input,
    opts: &EventParseOptions,
    vocabulary: &Vocabulary,
    on_event: &mut dyn FnMut(EventRecord),
) -> Result<EventOutput, Stopped> {
    parse_for(format, input, opts, vocabulary, &|_| true, on_event)
}

/// [`parse`] for a caller that reads the message and insertion strings only of the events
/// whose provider `wants_text` accepts: the other events may come with both empty, and are
/// counted and timed as ever. The EVTX reader then skips their `EventData`, which was most of
/// its cost past the crate's own rendering on Security and System logs, where no rule names
/// a provider; the text exports carry their message ready and are read whole.
pub fn parse_for(
    format: EventFormat,
    input: &Input,
    opts: &EventParseOptions,
    vocabulary: &Vocabulary,
    wants_text: WantsText<'_>,
    on_event: &mut dyn FnMut(EventRecord),
) -> Result<EventOutput, Stopped> {
    let mut sink = Sink::new(on_event, wants_text, vocabulary);
    let read = match format {
        EventFormat::Evtx => evtx::parse(input, &mut sink),
        EventFormat::ViewerCsv => viewer::parse(input, opts, b',', &mut sink),
        EventFormat::ViewerTxt => viewer::parse(input, opts, b'\t', &mut sink),
        EventFormat::ViewerXml => xml::parse(input, &mut sink),
        EventFormat::PowerShellCsv => pscsv::parse(input, opts, &mut sink),
        EventFormat::Clixml => clixml::parse(input, opts, &mut sink),
        EventFormat::GeneralText => general::parse(input, opts, &mut sink),
        EventFormat::Transcript => transcript::parse(input, &mut sink),
    };
    match read {
        Ok(bytes) => Ok(sink.finish(bytes)),
        Err(message) => Err(Stopped {
            message,
            partial: Box::new(sink.finish(0)),
        }),
    }
}

/// An input whose reading stopped (it could not be opened, or its stream failed midway):
/// why, and everything counted before it stopped, so that the events already handed to the
/// caller stay accounted for.
#[derive(Debug)]
pub struct Stopped {
    pub message: String,
    pub partial: Box<EventOutput>,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Stopped> for String {
    fn from(stopped: Stopped) -> String {
        stopped.message
    }
}

/// Opens an input's text as UTF-8, whatever its encoding; also returns the count of bytes read.
fn open_text(input: &Input) -> Result<text::Utf8Text, String> {
    let raw = input
        .open()
        .map_err(|e| format!("cannot open {}: {e}", input.display))?;
    text::utf8_stream(raw).map_err(|e| format!("cannot read {}: {e}", input.display))
}

/// Helpers for the parsers' tests: inputs from bytes, and a run collecting the events.
#[cfg(test)]
pub(crate) mod testing {

    use super::*;

    /// An input whose decoded bytes are `bytes`.
    pub fn input(bytes: &[u8]) -> Input {
        Input::from_bytes("test-input", bytes.to_vec())
    }

    /// Parses `bytes` as `format`, asserting the tally balances.
    pub fn run(
        format: EventFormat,
        bytes: &[u8],
        opts: &EventParseOptions,
    ) -> Result<(Vec<EventRecord>, EventOutput), String> {
        let mut events = Vec::new();
        let vocabulary = vocabulary();
        let out = parse(format, &input(bytes), opts, &vocabulary, &mut |e| {
            events.push(e)
        })?;
        assert!(out.tally.is_balanced(), "{:?}", out.tally);
        assert_eq!(out.tally.records, events.len() as u64);
        assert_eq!(out.tally.bytes, bytes.len() as u64);
        Ok((events, out))
    }

    /// The shipped rules' vocabulary (the parsers' tests read real shipped templates). Loaded
    /// once: the property tests ask for it thousands of times, and loading the grammars in
    /// an unoptimized test build takes tens of milliseconds.
    pub fn vocabulary() -> Vocabulary {
        static SHIPPED: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                crate::grammar::Grammar::embedded()
                    .expect("shipped grammar")
                    .sources
                    .vocabulary
            })
            .clone()
    }

    /// UTF-16LE with a BOM.
    pub fn utf16le(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        v
    }

    /// Options with a fixed zone.
    pub fn opts(tz: &str) -> EventParseOptions {
        EventParseOptions {
            tz: EventTz::parse(tz).unwrap(),
            date_order: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{opts, run};
    use super::*;
    use proptest::prelude::*;

    const FORMATS: [EventFormat; 8] = [
        EventFormat::Evtx,
        EventFormat::ViewerCsv,
        EventFormat::ViewerTxt,
        EventFormat::ViewerXml,
        EventFormat::PowerShellCsv,
        EventFormat::Clixml,
        EventFormat::GeneralText,
        EventFormat::Transcript,
    ];

    /// Pieces of every format, so that random inputs reach deep into the parsers.
    const TOKENS: &[&str] = &[
        "\"",
        "\"\"",
        ",",
        ";",
        "\t",
        "\n",
        "\r\n",
        " ",
        ":",
        "<",
        ">",
        "/>",
        "&amp;",
        "&#xD800;",
        "<Event>",
        "<Event xmlns='x'>",
        "</Event>",
        "<Events>",
        "</Events>",
        "<System>",
        "</System>",
        "<EventID>4002</EventID>",
        "<Data>",
        "</Data>",
        "<TimeCreated SystemTime='2016-10-07T16:38:24Z'/>",
        "<Objs>",
        "</Objs>",
        "<Obj RefId=\"1\">",
        "<Obj N=\"EntryType\">",
        "</Obj>",
        "<Props>",
        "</Props>",
        "<S N=\"Message\">",
        "</S>",
        "<I32 N=\"EventID\">",
        "</I32>",
        "<Ref N=\"EntryType\" RefId=\"1\"/>",
        "<ToString>",
        "</ToString>",
        "<LST>",
        "</LST>",
        "_x000D__x000A_",
        "_xD800_",
        "Level,Date and Time,Source,Event ID,Task Category",
        "Error",
        "10/7/2016 6:38:24 PM",
        "13/13/2016 25:61:61",
        "2016/10/07 18:38:24",
        "07.10.2016",
        "午後",
        "4002",
        "99999999999",
        "#TYPE System.Diagnostics.EventLogEntry",
        "\"Message\",\"Id\",\"TimeCreated\"",
        "Log Name: Application",
        "Event ID: 4002",
        "Date: 10/7/2016 6:38:24 PM",
        "Description:",
        "Event Xml:",
        "Source: S",
        "Id : TokenValidation",
        "Type : Error",
        "Message : m",
        "STEP 1: x",
        "RESULT: Error",
        "Id  Type  Message",
        "--  ----  -------",
        "\u{feff}",
        "é",
        "\0",
    ];

    fn soup() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
                1 => prop::collection::vec(any::<u8>(), 0..8),
            ],
            0..80,
        )
        .prop_map(|parts| parts.concat())
    }

    fn check(format: EventFormat, bytes: &[u8]) {
        // Err is fine (nothing readable); a panic or an unbalanced tally is not (see `run`).
        let _ = run(format, bytes, &opts("Europe/Berlin"));
        let _ = sniff(bytes, "x.csv", &testing::vocabulary());
    }

    proptest! {
        // 64 cases by default (fast CI); PROPTEST_CASES=5000 for a deeper local run.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
        ))]

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            for format in FORMATS {
                check(format, &bytes);
            }
        }

        #[test]
        fn never_panics_on_format_soup(bytes in soup(), bom in 0usize..3) {
            let mut input = [&b""[..], b"\xEF\xBB\xBF", b"\xFF\xFE"][bom].to_vec();
            input.extend_from_slice(&bytes);
            for format in FORMATS {
                check(format, &input);
            }
        }

        #[test]
        fn never_panics_on_evtx_garbage(rest in prop::collection::vec(any::<u8>(), 0..70_000)) {
            let mut bytes = b"ElfFile\0".to_vec();
            bytes.extend_from_slice(&rest);
            check(EventFormat::Evtx, &bytes);
        }
    }

    #[test]
    fn legacy_evt_is_refused_with_its_reason() {
        let mut evt = vec![0x30, 0, 0, 0];
        evt.extend_from_slice(b"LfLe\x01\x00\x00\x00");
        assert_eq!(
            sniff(&evt, "SysEvent.Evt", &testing::vocabulary()),
            Some(EventFormat::Evtx)
        );
        let err = run(EventFormat::Evtx, &evt, &opts("UTC")).unwrap_err();
        assert_eq!(err, "legacy .Evt format (Windows XP/2003) is not supported");
    }
}
