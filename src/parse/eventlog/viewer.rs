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
use super::sink::{Clock, Sink};
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
    let survey = match opts.date_order {
        Some(_) => DateSurvey::default(),
        None => survey(input, delim)?,
    };
    let (order, why) = survey.decide(opts.date_order);
    let mut clock = Clock::new(opts.tz, order);
    let (stream, count) = open_text(input)?;
    read_rows(stream, delim, &mut clock, sink).map_err(|e| format!("read error: {e}"))?;
    if sink.records() > 0 {
        sink.note(why);
    }
    clock.finish(sink);
    Ok(count.get())
}

/// First pass: looks at the dates until one settles the day/month order.
fn survey(input: &Input, delim: u8) -> Result<DateSurvey, String> {
    let (stream, _) = open_text(input)?;
    let mut rows = RowReader::new(stream, delim);
    let mut survey = DateSurvey::default();
    let starts = |l: &[u8]| starts_row(l, delim);
    while let Some(row) = rows
        .next_row(&starts)
        .map_err(|e| format!("read error: {e}"))?
    {
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
    let mut rows = RowReader::new(stream, delim);
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
    match build(rows, line, delim, clock) {
        Ok(ev) => {
            if rows.tolerated() || rows.len() > 6 {
                sink.tolerated();
            }
            sink.event(ev);
        }
        Err(reason) => sink.reject(line, reason, rows.raw()),
    }
}

/// The header: five or six non-empty text cells and no number where the Event ID goes.
fn is_header<R: BufRead>(rows: &RowReader<R>) -> bool {
    (5..=6).contains(&rows.len())
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
        provider: rows.text(SOURCE).trim().to_string(),
        event_id,
        level: rows.text(LEVEL).trim().to_string(),
        computer: String::new(),
        message: message(rows, delim),
        data: Vec::new(),
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
