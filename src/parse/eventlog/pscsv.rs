//! PowerShell `Get-WinEvent | Export-Csv` and `Get-EventLog | Export-Csv`.
//!
//! An optional `#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord` (or
//! `...EventLogEntry`) line, then a quoted header naming the properties, then one quoted row
//! per event. Columns are taken by name, in any order and subset (see [`super::named`]). The
//! delimiter is `,` or, with `-UseCulture` on many locales, `;` (read from the header). Times
//! are local strings in the exporter's culture, read like the Event Viewer CSV's.

use std::io::BufRead;

use super::dates::DateSurvey;
use super::named::{build, has_event_properties};
use super::rows::{Row, RowReader};
use super::sink::{read_local_times, Clock, Sink};
use super::{open_text, EventParseOptions};
use crate::input::Input;

/// The header of one file: names and where the time column is.
struct Header {
    names: Vec<String>,
    time: Option<usize>,
}

/// Parses a PowerShell CSV export. Returns the bytes read.
pub fn parse(input: &Input, opts: &EventParseOptions, sink: &mut Sink) -> Result<u64, String> {
    let delim = delimiter(input)?;
    read_local_times(
        opts,
        || survey(input, delim),
        sink,
        |clock, sink| {
            let (stream, count) = open_text(input)?;
            read(&mut RowReader::new(stream, delim), clock, sink)?;
            Ok(count.get())
        },
    )
}

/// Reads the delimiter from the header line: the character after the first quoted name.
fn delimiter(input: &Input) -> Result<u8, String> {
    let (stream, _) = open_text(input)?;
    let mut lines = super::text::LineReader::new(stream);
    let mut line = Vec::new();
    while lines
        .next_line(&mut line)
        .map_err(|e| format!("read error: {e}"))?
        .is_some()
    {
        if line.starts_with(b"#") || line.trim_ascii().is_empty() {
            continue;
        }
        return Ok(header_delimiter(&line));
    }
    Ok(b',')
}

/// `"Message","Id"` → `,`; `"Message";"Id"` → `;`; tabs likewise. Quoted separators count
/// first, then bare ones; ties go to the comma (last in the list, which `max_by_key` keeps).
pub fn header_delimiter(line: &[u8]) -> u8 {
    let quoted = |d: u8| {
        line.windows(3)
            .filter(|w| w[0] == b'"' && w[1] == d && w[2] == b'"')
            .count()
    };
    let bare = |d: u8| bytecount::count(line, d);
    [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|&d| (quoted(d), bare(d)))
        .unwrap_or(b',')
}

fn survey(input: &Input, delim: u8) -> Result<DateSurvey, String> {
    let (stream, _) = open_text(input)?;
    let mut rows = RowReader::new(stream, delim);
    let mut header: Option<Header> = None;
    let mut survey = DateSurvey::default();
    // A read error ends the survey with what it saw; the reading pass reports it.
    while let Ok(Some(row)) = rows.next_row(&starts_row) {
        let Row::Fields { line } = row else { continue };
        if is_type_line(&rows) {
            continue;
        }
        match &header {
            None => header = Some(read_header(&rows)),
            Some(h) => {
                if let Some(t) = h.time {
                    survey.see(&rows.text(t), line);
                }
            }
        }
        if survey.settled() {
            break;
        }
    }
    Ok(survey)
}

fn read<R: BufRead>(
    rows: &mut RowReader<R>,
    clock: &mut Clock,
    sink: &mut Sink,
) -> Result<(), String> {
    let mut header: Option<Header> = None;
    while let Some(row) = rows
        .next_row(&starts_row)
        .map_err(|e| format!("read error: {e}"))?
    {
        match row {
            Row::Blank { .. } => sink.blank(),
            Row::Broken { line, reason } => sink.reject(line, reason, rows.raw()),
            Row::Fields { line } => {
                if is_type_line(rows) {
                    sink.directive();
                    continue;
                }
                match &header {
                    None => {
                        let h = read_header(rows);
                        let names: Vec<&str> = h.names.iter().map(String::as_str).collect();
                        if !has_event_properties(&names) {
                            return Err("CSV header has no event columns (Id or EventID, and Message or ProviderName/Source)".into());
                        }
                        header = Some(h);
                        sink.directive();
                    }
                    Some(h) => take_row(rows, h, line, clock, sink),
                }
            }
        }
    }
    Ok(())
}

/// `#TYPE ...` (or another `#` line) before the header: unquoted, unlike any row.
fn is_type_line<R: BufRead>(rows: &RowReader<R>) -> bool {
    rows.raw().starts_with(b"#")
}

fn read_header<R: BufRead>(rows: &RowReader<R>) -> Header {
    let names: Vec<String> = (0..rows.len())
        .map(|i| rows.text(i).trim().to_string())
        .collect();
    let time = ["TimeCreated", "TimeGenerated", "TimeWritten"]
        .iter()
        .find_map(|t| names.iter().position(|n| n.eq_ignore_ascii_case(t)));
    Header { names, time }
}

fn take_row<R: BufRead>(
    rows: &RowReader<R>,
    h: &Header,
    line: u64,
    clock: &mut Clock,
    sink: &mut Sink,
) {
    if rows.len() != h.names.len() {
        let reason = format!(
            "expected {} fields as in the header, found {}",
            h.names.len(),
            rows.len()
        );
        return sink.reject(line, reason, rows.raw());
    }
    let get = |n: &str| {
        h.names
            .iter()
            .position(|k| k.eq_ignore_ascii_case(n))
            .map(|i| rows.text(i))
    };
    match build(&get, Vec::new(), line, clock) {
        Ok(ev) => {
            if rows.tolerated() {
                sink.tolerated();
            }
            sink.event(ev)
        }
        Err(reason) => sink.reject(line, reason, rows.raw()),
    }
}

/// PowerShell quotes every field, so a row starts with a quote.
fn starts_row(line: &[u8]) -> bool {
    line.first() == Some(&b'"')
}

#[cfg(test)]
mod tests {
    use super::super::testing::{opts, run};
    use super::super::EventFormat;
    use crate::time::format_opt;

    #[test]
    fn reads_get_winevent_columns_by_name() {
        let csv = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\
\"Message\",\"Id\",\"Version\",\"Level\",\"ProviderName\",\"MachineName\",\"TimeCreated\",\"LevelDisplayName\",\"Properties\"\r\n\
\"Process 5464: ProxyWebRequest CrossSite\r\nThe exception returned is \"\"X\"\"\",\"4002\",,\"2\",\"MSExchange Availability\",\"EX01.contoso.com\",\"10/7/2016 6:38:24 PM\",\"Error\",\"System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]\"\r\n";
        let (evs, out) = run(EventFormat::PowerShellCsv, csv.as_bytes(), &opts("-05:00")).unwrap();
        assert_eq!(out.tally.directives, 2);
        let e = &evs[0];
        assert_eq!(e.position, 3);
        assert_eq!(e.event_id, Some(4002));
        assert_eq!(e.level, "Error");
        assert_eq!(e.computer, "EX01.contoso.com");
        assert_eq!(
            e.message,
            "Process 5464: ProxyWebRequest CrossSite\nThe exception returned is \"X\""
        );
        assert_eq!(format_opt(e.time), "2016-10-07T23:38:24Z");
    }

    #[test]
    fn reads_get_eventlog_with_semicolons_any_order() {
        let csv = "\"TimeGenerated\";\"EntryType\";\"Source\";\"EventID\";\"Message\"\n\
\"13.10.2016 18:38:24\";\"Error\";\"MSExchange Availability\";\"4001\";\"Process x failed\"\n\
\"13.10.2016 18:39:24\";\"Error\";\"MSExchange Availability\";\"4001\"\n\
\"13.10.2016 18:40:24\";\"Error\";\"MSExchange Availability\";\"abc\";\"m\"\n";
        let (evs, out) = run(EventFormat::PowerShellCsv, csv.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].event_id, Some(4001));
        assert_eq!(format_opt(evs[0].time), "2016-10-13T18:38:24Z");
        assert_eq!(out.tally.rejected, 2);
        assert!(out.rejections[0].reason.contains("expected 5 fields"));
        assert!(out.rejections[1].reason.contains("not a number"));
    }

    #[test]
    fn a_message_starting_with_hash_is_a_row_not_a_type_line() {
        let csv = "\"Message\",\"Id\",\"ProviderName\"\n\"#1 failure\",\"4002\",\"MSExchange Availability\"\n";
        let (evs, out) = run(EventFormat::PowerShellCsv, csv.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!((evs.len(), out.tally.directives), (1, 1));
        assert_eq!(evs[0].message, "#1 failure");
        assert_eq!(evs[0].time, None);
    }

    #[test]
    fn a_csv_without_event_columns_is_an_error() {
        let err = run(
            EventFormat::PowerShellCsv,
            b"\"Name\",\"Length\"\n\"a\",\"1\"\n",
            &opts("UTC"),
        )
        .unwrap_err();
        assert!(err.contains("no event columns"));
    }
}
