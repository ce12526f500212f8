//! Event Viewer "Save All Events As" CSV and tab-delimited TXT.
//!
//! Header `Level,Date and Time,Source,Event ID,Task Category` (localized on non-English
//! Windows), then one row per event, newest first, with the message as an unnamed sixth field
//! (quoted, multi-line). Rows are recognised by shape, not header names: five or more fields
//! with a numeric fourth. There is no computer column. Dates are the exporting machine's local
//! time in its locale's format; their day/month order is settled by a first pass over the file
//! (see [`DateSurvey`]) unless `--date-order` gave it.

use std::io::BufRead;

use super::dates::DateSurvey;
use super::rows::{trim, Row, RowReader};
use super::sink::{read_local_times, Clock, Sink};
use super::{open_text, EventParseOptions};
use crate::input::Input;
use crate::record::EventRecord;

/// Columns of a row (the fifth, Task Category, is not kept).
const LEVEL: usize = 0;
const DATE: usize = 1;
const SOURCE: usize = 2;
const EVENT_ID: usize = 3;
const MESSAGE: usize = 5;

/// Parses an Event Viewer CSV (`delim` `,`) or TXT (`\t`) export. Returns the bytes read.
pub fn parse(
    input: &Input,
    opts: &EventParseOptions,
    delim: u8,
    sink: &mut Sink,
) -> Result<u64, String> {
    read_local_times(
        opts,
        || survey(input, delim),
        sink,
        |clock, sink| {
            let (stream, count) = open_text(input)?;
            read_rows(stream, delim, clock, sink).map_err(|e| format!("read error: {e}"))?;
            Ok(count.get())
        },
    )
}

/// First pass: looks at the dates until one settles the day/month order.
fn survey(input: &Input, delim: u8) -> Result<DateSurvey, String> {
    let (stream, _) = open_text(input)?;
    let mut rows = RowReader::new(stream, delim).strict_row_starts();
    let mut survey = DateSurvey::default();
    let starts = |l: &[u8]| starts_row(l, delim);
    // A read error ends the survey with what it saw; the reading pass reports it.
    while let Ok(Some(row)) = rows.next_row(&starts) {
        if let Row::Fields { line } = row {
            if is_event_row(&rows) {
                survey.see(&rows.text(DATE), line);
                if survey.settled() {
                    break;
                }
            }
        }
    }
    Ok(survey)
}

fn read_rows(
    stream: Box<dyn BufRead>,
    delim: u8,
    clock: &mut Clock,
    sink: &mut Sink,
) -> std::io::Result<()> {
    let mut rows = RowReader::new(stream, delim).strict_row_starts();
    let starts = |l: &[u8]| starts_row(l, delim);
    while let Some(row) = rows.next_row(&starts)? {
        match row {
            Row::Blank { .. } => sink.blank(),
            Row::Broken { line, reason } => sink.reject(line, reason, rows.raw()),
            Row::Fields { line } => take_row(&rows, line, delim, clock, sink),
        }
    }
    Ok(())
}

/// A row with an Event ID where the fourth field is.
fn is_event_row<R: BufRead>(rows: &RowReader<R>) -> bool {
    rows.len() >= 5 && is_number(rows.field(EVENT_ID).unwrap_or_default())
}

fn is_number(b: &[u8]) -> bool {
    let b = trim(b);
    !b.is_empty() && b.len() <= 10 && b.iter().all(u8::is_ascii_digit)
}

fn take_row<R: BufRead>(
    rows: &RowReader<R>,
    line: u64,
    delim: u8,
    clock: &mut Clock,
    sink: &mut Sink,
) {
    if !is_event_row(rows) {
        if is_header(rows) {
            return sink.directive();
        }
        let reason = if rows.len() < 5 {
            format!(
                "expected 6 fields (Level, Date and Time, Source, Event ID, Task Category, message), found {}",
                rows.len()
            )
        } else {
            format!(
                "Event ID (4th field) is not a number: {:?}",
                rows.text(EVENT_ID)
            )
        };
        return sink.reject(line, reason, rows.raw());
    }
    let row = sink.data_units() + 1;
    match build(rows, line, delim, clock) {
        Ok(mut ev) => {
            // An Event Viewer export carries no record number: its data row stands in.
            ev.record_id = Some(row);
            if rows.tolerated() || rows.len() > 6 {
                sink.tolerated();
            }
            sink.event(ev);
        }
        Err(reason) => sink.reject(line, reason, rows.raw()),
    }
}

/// The header: five or six non-empty text cells, no number among them, and no digit where
/// the date goes.
fn is_header<R: BufRead>(rows: &RowReader<R>) -> bool {
    (5..=6).contains(&rows.len())
        && !rows
            .field(DATE)
            .unwrap_or_default()
            .iter()
            .any(u8::is_ascii_digit)
        && (0..5).all(|i| !trim(rows.field(i).unwrap_or_default()).is_empty())
        && !(0..5).any(|i| is_number(rows.field(i).unwrap_or_default()))
}

fn build<R: BufRead>(
    rows: &RowReader<R>,
    line: u64,
    delim: u8,
    clock: &mut Clock,
) -> Result<EventRecord, String> {
    let date = rows.text(DATE);
    let time = clock.utc(date.trim())?;
    let event_id = rows.text(EVENT_ID).trim().parse().ok();
    Ok(EventRecord {
        position: line,
        time: Some(time),
        // Event Viewer writes whole seconds.
        subsec: None,
        provider: rows.text(SOURCE).trim().to_string(),
        event_id,
        level: rows.text(LEVEL).trim().to_string(),
        computer: String::new(),
        message: message(rows, delim),
        data: Vec::new(),
        record_id: None,
    })
}

/// The sixth field, or — when an unquoted message held the delimiter — the sixth and after,
/// joined back.
fn message<R: BufRead>(rows: &RowReader<R>, delim: u8) -> String {
    let mut out = Vec::new();
    for i in MESSAGE..rows.len() {
        if i > MESSAGE {
            out.push(delim);
        }
        out.extend_from_slice(rows.field(i).unwrap_or_default());
    }
    String::from_utf8_lossy(&out).trim_end().to_string()
}

/// A line that starts a row: level, a date with a digit, source, a numeric Event ID.
pub fn starts_row(line: &[u8], delim: u8) -> bool {
    let mut parts = line.splitn(6, |&b| b == delim);
    let (Some(_), Some(date), Some(_), Some(id)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let id = trim(id);
    let id = id.strip_prefix(b"\"").unwrap_or(id);
    let id = id.strip_suffix(b"\"").unwrap_or(id);
    date.iter().any(u8::is_ascii_digit) && is_number(id)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{opts, run, utf16le};
    use super::super::{EventFormat, EventParseOptions};
    use crate::time::format_opt;

    const CSV: &str = "Level,Date and Time,Source,Event ID,Task Category\r\n\
Error,10/13/2016 6:38:24 PM,MSExchange Availability,4002,Availability Service,\"Process 5464: ProxyWebRequest FederatedCrossForest from S-1-5-21 to https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: System.Net.WebException: The remote name could not be resolved: \"\"mail.fabrikam.com\"\"\r\n   at System.Net.HttpWebRequest.EndGetResponse()\r\n\r\nName of the server where exception originated: EX01\"\r\n\
Information,10/7/2016 9:00:00 AM,MSExchange ADAccess,2080,Topology,\"Process MSExchangeHMWorker.exe\"\r\n";

    #[test]
    fn reads_multiline_quoted_messages_newest_first() {
        let (evs, out) = run(EventFormat::ViewerCsv, CSV.as_bytes(), &opts("+02:00")).unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(out.tally.directives, 1);
        let e = &evs[0];
        assert_eq!(
            (e.position, e.event_id, e.level.as_str()),
            (2, Some(4002), "Error")
        );
        assert_eq!(e.provider, "MSExchange Availability");
        assert!(e
            .message
            .contains("could not be resolved: \"mail.fabrikam.com\"\n   at System.Net"));
        assert!(e.message.ends_with("originated: EX01"));
        assert_eq!(format_opt(e.time), "2016-10-13T16:38:24Z");
        assert_eq!(evs[1].position, 6);
        assert_eq!(format_opt(evs[1].time), "2016-10-07T07:00:00Z");
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("mdy") && n.contains("position 2")),
            "{:?}",
            out.notes
        );
        assert!(!out.assumed_utc);
    }

    #[test]
    fn without_a_zone_says_utc_was_assumed() {
        let (_, out) = run(
            EventFormat::ViewerCsv,
            CSV.as_bytes(),
            &EventParseOptions::default(),
        )
        .unwrap();
        assert!(out.assumed_utc);
    }

    #[test]
    fn reads_localized_dotted_dates_day_first() {
        let de = "\u{feff}Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\n\
Fehler,07.10.2016 18:38:24,MSExchange Availability,4002,Verfügbarkeitsdienst,\"Prozess\"\n\
Fehler,03.10.2016 08:00:00,MSExchange Availability,4001,Verfügbarkeitsdienst,\"x\"\n";
        let (evs, out) = run(
            EventFormat::ViewerCsv,
            de.as_bytes(),
            &opts("Europe/Berlin"),
        )
        .unwrap();
        assert_eq!(format_opt(evs[0].time), "2016-10-07T16:38:24Z");
        assert_eq!(format_opt(evs[1].time), "2016-10-03T06:00:00Z");
        assert_eq!(evs[0].level, "Fehler");
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("dmy") && n.contains("dotted")),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn day_above_twelve_anywhere_settles_the_order() {
        let csv = "Level,Date and Time,Source,Event ID,Task Category\n\
Error,05/04/2016 10:00:00,S,1,C,m\n\
Error,25/03/2016 10:00:00,S,1,C,m\n";
        let (evs, _) = run(EventFormat::ViewerCsv, csv.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(format_opt(evs[0].time), "2016-04-05T10:00:00Z");
        let mut forced = opts("UTC");
        forced.date_order = Some(super::super::DateOrder::Mdy);
        let (evs, out) = run(EventFormat::ViewerCsv, csv.as_bytes(), &forced).unwrap();
        assert_eq!(format_opt(evs[0].time), "2016-05-04T10:00:00Z");
        assert_eq!(out.tally.rejected, 1);
        assert!(out.rejections[0].reason.contains("unreadable date"));
    }

    #[test]
    fn reads_utf16_tab_export() {
        let txt = "Level\tDate and Time\tSource\tEvent ID\tTask Category\r\n\
Error\t2016/10/07 18:38:24\tMSExchange Availability\t4002\tAvailability Service\t\"Process 1:\r\nline two\"\r\n\
Warning\t2016/10/07 18:00:00\tMSExchange Availability\t4001\tAvailability Service\tunquoted, with comma\r\n";
        let (evs, _) = run(EventFormat::ViewerTxt, &utf16le(txt), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].message, "Process 1:\nline two");
        assert_eq!(evs[1].message, "unquoted, with comma");
        assert_eq!(format_opt(evs[0].time), "2016-10-07T18:38:24Z");
    }

    #[test]
    fn bad_rows_are_rejected_and_reading_goes_on() {
        let csv = "Level,Date and Time,Source,Event ID,Task Category\n\
Error,10/7/2016 6:38:24 PM,S,notanumber,C,m\n\
Error,yesterday,S,4002,C,m\n\
short,row\n\
\n\
Error,\"10/7/2016 6:38:24 PM\",S,4002,C,\"unbalanced\n\
Error,10/7/2016 6:39:00 PM,S,4001,C,after\n";
        let (evs, out) = run(EventFormat::ViewerCsv, csv.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].event_id, Some(4001));
        assert_eq!(evs[0].position, 7);
        assert_eq!(out.tally.rejected, 4);
        assert_eq!(out.tally.blank, 1);
        let reasons: Vec<(u64, &str)> = out
            .rejections
            .iter()
            .map(|r| (r.position, r.reason.as_str()))
            .collect();
        assert!(reasons[0].1.contains("Event ID"));
        assert_eq!(reasons[1].0, 3);
        assert!(reasons[2].1.contains("expected 6 fields"));
        assert_eq!(reasons[3].0, 6);
        assert!(
            reasons[3]
                .1
                .contains("unbalanced quote: line 7 starts the next row"),
            "{reasons:?}"
        );
    }
}
