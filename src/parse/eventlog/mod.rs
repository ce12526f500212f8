//! Event-log exports: every shape admins hand over, parsed into [`EventRecord`]s.
//!
//! One module per format. Each parser streams its input (bounded memory), counts every unit
//! (record, row, element) in a [`Tally`] — `lines` = `records` + `directives` (header rows) +
//! `blank` + `rejected` — and keeps the first rejections with their position and reason.

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
