//! The correlation reports: `incidents.csv`, `timeline.csv`, `coverage.csv` (schema v1:
//! columns are only ever appended). Cells pass through the same neutralizer as every CSV.

use std::io::Write;

use super::csv::{finish, write_row, writer};
use crate::correlate::timeline::bucket_name;
use crate::correlate::{Correlation, Incident};
use crate::grammar::Taxonomy;
use crate::time::format_utc;

pub const INCIDENT_COLUMNS: [&str; 14] = [
    "incident",
    "category",
    "side",
    "servers",
    "start_utc",
    "end_utc",
    "findings",
    "iis_findings",
    "event_findings",
    "peak_per_min",
    "related",
    "link_basis",
    "first_detail",
    "remediation",
];

pub const TIMELINE_COLUMNS: [&str; 7] = [
    "bucket_start_utc",
    "category",
    "server",
    "side",
    "source",
    "findings",
    "freebusy_requests",
];

pub const COVERAGE_COLUMNS: [&str; 6] =
    ["server", "source", "kind", "start_utc", "end_utc", "inputs"];

/// `related` and `link_basis` cells: ids and bases in the same order, `;`-separated.
pub fn related_cells(inc: &Incident) -> (String, String) {
    let ids: Vec<String> = inc.related.iter().map(|(id, _)| id.to_string()).collect();
    let bases: Vec<&str> = inc.related.iter().map(|(_, b)| *b).collect();
    (ids.join(";"), bases.join(";"))
}

pub fn write_incidents<W: Write>(out: W, c: &Correlation, taxonomy: &Taxonomy) -> csv::Result<W> {
    let mut w = writer(out);
    w.write_record(INCIDENT_COLUMNS)?;
    for inc in &c.incidents {
        let cat = taxonomy.get(inc.key.category);
        let (related, basis) = related_cells(inc);
        let cells = [
            inc.id.to_string(),
            cat.id.clone(),
            inc.key.side.as_str().to_owned(),
            inc.key.server.to_string(),
            format_utc(inc.start),
            format_utc(inc.end),
            inc.findings.to_string(),
            inc.web_findings().to_string(),
            inc.event_findings().to_string(),
            inc.peak_per_min.to_string(),
            related,
            basis,
            inc.first_detail.clone(),
            cat.remediation.clone(),
        ];
        write_row(&mut w, &cells)?;
    }
    finish(w)
}

pub fn write_timeline<W: Write>(out: W, c: &Correlation, taxonomy: &Taxonomy) -> csv::Result<W> {
    let mut w = writer(out);
    w.write_record(TIMELINE_COLUMNS)?;
    for r in &c.timeline {
        let cells = [
            format_utc(r.bucket_start),
            taxonomy.get(r.category).id.clone(),
            r.server.clone(),
            r.side.as_str().to_owned(),
            r.source.as_str().to_owned(),
            r.findings.to_string(),
            r.freebusy_requests.to_string(),
        ];
        write_row(&mut w, &cells)?;
    }
    finish(w)
}

/// Spans with data, and between them the gaps without any.
pub fn write_coverage<W: Write>(out: W, c: &Correlation) -> csv::Result<W> {
    let mut w = writer(out);
    w.write_record(COVERAGE_COLUMNS)?;
    for ((server, source), spans) in &c.coverage.spans {
        let mut previous_end = None;
        for s in spans {
            if let Some(end) = previous_end {
                let gap = [
                    server.to_string(),
                    source.to_string(),
                    "gap".into(),
                    format_utc(end),
                    format_utc(s.start),
                    "0".into(),
                ];
                write_row(&mut w, &gap)?;
            }
            let span = [
                server.to_string(),
                source.to_string(),
                "data".into(),
                format_utc(s.start),
                format_utc(s.end),
                s.inputs.to_string(),
            ];
            write_row(&mut w, &span)?;
            previous_end = Some(s.end);
        }
    }
    finish(w)
}

/// The bucket as the reports name it (`5m`).
pub fn bucket_label(c: &Correlation) -> &'static str {
    bucket_name(c.bucket)
}
