//! The CSV reports: `findings.csv`, `summary.csv`, `inventory.csv` (schema v1).
//!
//! Columns are a public contract: new ones are only ever appended. Every cell is quoted
//! (RFC 4180) and passed through the formula neutralizer.

use std::io::Write;

use crate::aggregate::{Aggregates, TOP_TARGETS};
use crate::analysis::InputNote;
use crate::analysis::InputReport;
use crate::finding::Finding;
use crate::grammar::Taxonomy;
use crate::host::HostId;
use crate::sanitize::csv_cell;
use crate::time::{self, format_opt};

pub const FINDINGS_COLUMNS: [&str; 33] = [
    "time_utc",
    "server",
    "site",
    "source",
    "file",
    "position",
    "category",
    "phase",
    "side",
    "http_status",
    "sub_status",
    "win32_status",
    "method",
    "uri_stem",
    "client_ip",
    "user_agent",
    "target",
    "event_id",
    "mailbox",
    "detail",
    "request_type",
    "caller_auth",
    "origin_server",
    "target_url",
    "severity",
    "time_basis",
    "target_host",
    "partner_domain",
    "time_taken_ms",
    "incident",
    "cafe_req_id",
    "record_id",
    "time_utc_precise",
];

pub const SUMMARY_COLUMNS: [&str; 10] = [
    "category",
    "title",
    "findings",
    "iis_findings",
    "event_findings",
    "first_seen_utc",
    "last_seen_utc",
    "servers",
    "top_targets",
    "remediation",
];

pub const INVENTORY_COLUMNS: [&str; 14] = [
    "file",
    "format",
    "server",
    "site",
    "first_utc",
    "last_utc",
    "lines",
    "records",
    "directives",
    "blank",
    "rejected",
    "freebusy_requests",
    "findings",
    "notes",
];

pub(super) fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(out)
}

pub(super) fn write_row<W: Write>(w: &mut csv::Writer<W>, cells: &[String]) -> csv::Result<()> {
    w.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))
}

/// Flushes a finished report and hands back its writer.
pub(super) fn finish<W: Write>(mut w: csv::Writer<W>) -> csv::Result<W> {
    w.flush()?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Characters of `detail` a `findings.csv` cell holds: a screenful in a spreadsheet cell
/// (Excel's own limit is 32,767). `findings.jsonl` holds the whole detail.
pub const DETAIL_CELL_CHARS: usize = 1_000;

/// The detail as its CSV cell shows it: whole, or cut with a note saying so.
fn detail_cell(detail: &str) -> std::borrow::Cow<'_, str> {
    match detail.char_indices().nth(DETAIL_CELL_CHARS) {
        None => detail.into(),
        Some((end, _)) => format!(
            "{}… [cut: {} characters in all; findings.jsonl has the whole detail]",
            &detail[..end],
            detail.chars().count()
        )
        .into(),
    }
}

/// Formats findings as `findings.csv` rows, all but the last cell (`incident`, known only
/// once every finding has been seen: [`with_incident`] appends it).
pub struct FindingRows;

/// The header row of `findings.csv`.
pub fn findings_header() -> Vec<u8> {
    let mut w = writer(Vec::new());
    let _ = w.write_record(FINDINGS_COLUMNS);
    w.into_inner().unwrap_or_default()
}

/// The column of `position` in [`FINDINGS_COLUMNS`].
const POSITION_COLUMN: usize = 5;

impl FindingRows {
    /// One row without its position cell (the returned offset is where `"<position>"` goes:
    /// see [`with_incident`]) and without its trailing cells and line end.
    pub fn row(&self, f: &Finding, file: &str, taxonomy: &Taxonomy) -> (Vec<u8>, u32) {
        let cat = taxonomy.get(f.category);
        let (time, position) = (time::format_opt(f.time), String::new());
        let (http, sub, win32) = (opt(f.http_status), opt(f.sub_status), opt(f.win32_status));
        let (event_id, taken) = (opt(f.event_id), opt(f.time_taken_ms));
        // Borrowed cells: one row costs a handful of allocations, not one per column.
        let cells: [&str; 29] = [
            &time,
            &f.server,
            &f.site,
            f.source.as_str(),
            file,
            &position,
            &cat.id,
            f.phase.as_str(),
            f.side.as_str(),
            &http,
            &sub,
            &win32,
            &f.method,
            &f.uri_stem,
            &f.client_ip,
            &f.user_agent,
            &f.target,
            &event_id,
            &f.mailbox,
            &detail_cell(&f.detail),
            &f.request_type,
            &f.caller_auth,
            &f.origin_server,
            &f.target_url,
            &cat.severity,
            f.time_basis.as_str(),
            &f.target_host,
            &f.partner_domain,
            &taken,
        ];
        let mut row = Vec::with_capacity(512);
        let mut split = 0;
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                row.push(b',');
            }
            // The position cell is left out; `with_incident` writes it here.
            if i == POSITION_COLUMN {
                split = row.len();
                continue;
            }
            push_quoted(&mut row, &csv_cell(cell));
        }
        (row, split as u32)
    }
}

/// A cell as the `csv` crate writes it with [`csv::QuoteStyle::Always`] (the other reports'
/// writer): in quotes, each quote doubled. Written by hand because this runs for every cell
/// of every finding, and the crate's writer, with the row taken back out of it, was the
/// costliest part of rendering an all-failure run (tested against the crate below).
fn push_quoted(row: &mut Vec<u8>, cell: &str) {
    row.push(b'"');
    let mut rest = cell.as_bytes();
    while let Some(at) = memchr::memchr(b'"', rest) {
        row.extend_from_slice(&rest[..=at]);
        row.push(b'"');
        rest = &rest[at + 1..];
    }
    row.extend_from_slice(rest);
    row.push(b'"');
}

/// Completes a row of [`FindingRows::row`] with the cells known only at the merge, appended
/// as columns only ever are: its incident (empty when the finding belongs to none: it has no
/// time), its front-end request id (`cafe_req_id`) and its event's record number
/// (`record_id`), then its time with the source's fraction of a second (`time_utc_precise`).
/// Numbers are written straight into `out`: this runs once per finding.
pub fn with_incident(
    (row, split): (&[u8], u32),
    position: u64,
    incident: Option<u32>,
    request_id: Option<u128>,
    record_id: Option<u64>,
    precise: Option<(i64, Option<crate::time::SubSecond>)>,
    out: &mut Vec<u8>,
) {
    out.clear();
    let mut digits = itoa::Buffer::new();
    let split = (split as usize).min(row.len());
    out.extend_from_slice(&row[..split]);
    out.push(b'"');
    out.extend_from_slice(digits.format(position).as_bytes());
    out.push(b'"');
    out.extend_from_slice(&row[split..]);
    out.extend_from_slice(b",\"");
    if let Some(id) = incident {
        out.extend_from_slice(digits.format(id).as_bytes());
    }
    out.extend_from_slice(b"\",\"");
    if let Some(id) = request_id {
        crate::parse::exchange::push_guid(out, id);
    }
    out.extend_from_slice(b"\",\"");
    if let Some(id) = record_id {
        out.extend_from_slice(digits.format(id).as_bytes());
    }
    out.extend_from_slice(b"\",\"");
    if let Some((t, subsec)) = precise {
        crate::time::write_utc_precise(out, t, subsec);
    }
    out.extend_from_slice(b"\"\n");
}

/// Writes `summary.csv`: one row per category with findings, in taxonomy order.
pub fn write_summary<W: Write>(
    out: W,
    aggregates: &Aggregates,
    taxonomy: &Taxonomy,
) -> csv::Result<W> {
    let mut w = writer(out);
    w.write_record(SUMMARY_COLUMNS)?;
    for (id, tally) in &aggregates.categories {
        let cat = taxonomy.get(*id);
        let targets = tally.top_target_labels(TOP_TARGETS, str::to_owned);
        let cells = [
            cat.id.clone(),
            cat.title.clone(),
            tally.findings.to_string(),
            tally.web_findings.to_string(),
            tally.event_findings.to_string(),
            format_opt(tally.first),
            format_opt(tally.last),
            tally
                .servers
                .iter()
                .map(HostId::as_str)
                .collect::<Vec<_>>()
                .join(";"),
            targets.join(";"),
            cat.remediation.clone(),
        ];
        write_row(&mut w, &cells)?;
    }
    w.flush()?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `inventory.csv`: one row per input, read or skipped.
pub fn write_inventory<W: Write>(out: W, inputs: &[InputReport]) -> csv::Result<W> {
    let mut w = writer(out);
    w.write_record(INVENTORY_COLUMNS)?;
    for r in inputs {
        let t = &r.tally;
        let key = |k: Option<time::TimeKey>| format_opt(k.as_ref().and_then(time::parse_key));
        let cells = [
            r.display.clone(),
            r.format.name().to_owned(),
            r.server.to_string(),
            r.site.clone(),
            key(t.first),
            key(t.last),
            t.lines.to_string(),
            t.records.to_string(),
            t.directives.to_string(),
            t.blank.to_string(),
            t.rejected.to_string(),
            t.freebusy_requests.to_string(),
            t.findings.to_string(),
            InputNote::joined(&r.notes),
        ];
        write_row(&mut w, &cells)?;
    }
    w.flush()?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A row of cells as the `csv` crate writes it with the reports' writer (no line end).
    fn crate_row(cells: &[String]) -> Vec<u8> {
        let mut w = writer(Vec::new());
        w.write_record(cells).unwrap();
        let mut row = w.into_inner().unwrap();
        while matches!(row.last(), Some(b'\n' | b'\r')) {
            row.pop();
        }
        row
    }

    proptest! {
        #[test]
        fn cells_are_quoted_as_the_csv_crate_quotes_them(
            cells in proptest::collection::vec(any::<String>(), 1..6)
        ) {
            let mut ours = Vec::new();
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    ours.push(b',');
                }
                push_quoted(&mut ours, cell);
            }
            prop_assert_eq!(ours, crate_row(&cells));
        }
    }

    #[test]
    fn a_detail_past_the_cells_limit_is_cut_saying_so() {
        let short = "x".repeat(DETAIL_CELL_CHARS);
        assert_eq!(detail_cell(&short), short.as_str());
        let long = "é".repeat(DETAIL_CELL_CHARS + 5);
        let cell = detail_cell(&long);
        assert!(cell.starts_with(&"é".repeat(DETAIL_CELL_CHARS)));
        assert!(
            cell.ends_with("… [cut: 1005 characters in all; findings.jsonl has the whole detail]"),
            "{cell}"
        );
    }
}
