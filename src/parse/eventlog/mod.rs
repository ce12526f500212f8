//! Event-log exports: every shape admins hand over, parsed into [`EventRecord`]s.
//!
//! One module per format. Each parser streams its input (bounded memory), counts every unit
//! (record, row, element) in a [`Tally`] — `lines` = `records` + `directives` (header rows) +
//! `blank` + `rejected` — and keeps the first rejections with their position and reason.

pub mod time;

pub use time::{DateOrder, EventTz};

use crate::input::Input;
use crate::record::EventRecord;
use crate::tally::{Rejection, Tally};

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
    let _ = (head, display);
    None
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
    let _ = (input, opts, on_event);
    Err(format!("{} parser not implemented yet", format.name()))
}
