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
mod rows;
mod sink;
mod sniff;
mod templates;
mod text;
pub mod time;
mod transcript;
mod viewer;
mod xml;

pub use time::{DateOrder, EventTz};

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
}

/// What parsing one event input produced besides its events.
#[derive(Debug, Default)]
pub struct EventOutput {
    pub tally: Tally,
    pub rejections: Vec<Rejection>,
    /// Said in the inventory (e.g. "times assumed UTC: no --event-tz given").
    pub notes: Vec<String>,
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
pub fn sniff(head: &[u8], display: &str) -> Option<EventFormat> {
    sniff::sniff(head, display)
}

/// Parses a whole input, calling `on_event` for each event in file order. `Err` only when
/// nothing can be read at all (the message says why); a partly broken file returns `Ok` with
/// its rejections counted.
pub fn parse(
    format: EventFormat,
    input: &Input,
    opts: &EventParseOptions,
    on_event: &mut dyn FnMut(EventRecord),
) -> Result<EventOutput, String> {
    let mut sink = Sink::new(on_event);
    let bytes = match format {
        EventFormat::Evtx => evtx::parse(input, &mut sink)?,
        EventFormat::ViewerCsv => viewer::parse(input, opts, b',', &mut sink)?,
        EventFormat::ViewerTxt => viewer::parse(input, opts, b'\t', &mut sink)?,
        EventFormat::ViewerXml => xml::parse(input, &mut sink)?,
        EventFormat::PowerShellCsv => pscsv::parse(input, opts, &mut sink)?,
        EventFormat::Clixml => clixml::parse(input, opts, &mut sink)?,
        EventFormat::GeneralText => general::parse(input, opts, &mut sink)?,
        EventFormat::Transcript => transcript::parse(input, &mut sink)?,
    };
    Ok(sink.finish(bytes))
}

/// Opens an input's text as UTF-8, whatever its encoding; also returns the count of bytes read.
fn open_text(input: &Input) -> Result<text::Utf8Text, String> {
    let raw = input
        .open()
        .map_err(|e| format!("cannot open {}: {e}", input.display))?;
    text::utf8_stream(raw).map_err(|e| format!("cannot read {}: {e}", input.display))
}
