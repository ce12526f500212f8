//! Normalized event records: one event from any event-log export, as the classifier reads it.

use crate::time::{SubSecond, UnixTime};

/// One event from any event-log export (EVTX, Event Viewer CSV/TXT/XML, PowerShell CSV or
/// CLIXML, pasted General text, Test-* transcripts), normalized. Owned: events are few
/// compared to web-log lines, and parsers of nested formats build them piecemeal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventRecord {
    /// 1-based record number within the input (or the line where the record starts, for
    /// text exports): the `position` column.
    pub position: u64,
    /// UTC, after the `--event-tz` conversion of local-time exports.
    pub time: Option<UnixTime>,
    /// The fraction of `time`'s second, when the export gives one (EVTX and XML do).
    pub subsec: Option<SubSecond>,
    /// `MSExchange Availability`, ...
    pub provider: String,
    pub event_id: Option<u32>,
    /// `Error`, `Warning`, ... (localized names are kept as given).
    pub level: String,
    /// The logging server (`Computer`, `MachineName`).
    pub computer: String,
    /// The rendered message, or one rebuilt from the insertion strings.
    pub message: String,
    /// Insertion strings (`EventData/Data`), when the format has them.
    pub data: Vec<String>,
    /// The record's own number: `EventRecordID` of EVTX and XML exports, the data row (1 =
    /// the first under the header) of Event Viewer and PowerShell CSV/TXT exports.
    pub record_id: Option<u64>,
}
