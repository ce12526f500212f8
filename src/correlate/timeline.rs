//! The timeline: findings per bucket, category, server, side and source, beside all the
//! free/busy traffic of that responder server in the bucket (failed or not), so the failure
//! rate shows and not only the count.

use std::collections::BTreeMap;

use super::series::{Series, SOURCES};
use super::traffic::Traffic;
use crate::finding::{Side, SourceKind};
use crate::grammar::CategoryId;
use crate::time::UnixTime;

/// Bucket widths `--bucket` accepts, in seconds.
pub const BUCKETS: [(&str, i64); 5] = [
    ("1m", 60),
    ("5m", 300),
    ("15m", 900),
    ("1h", 3600),
    ("1d", 86_400),
];

/// Most buckets the default width may give over the analysed span (the chart stays legible).
const MAX_DEFAULT_BUCKETS: i64 = 300;

/// Parses `1m|5m|15m|1h|1d`.
pub fn parse_bucket(s: &str) -> Option<i64> {
    BUCKETS.iter().find(|(n, _)| *n == s).map(|(_, w)| *w)
}

/// The bucket name of a width.
pub fn bucket_name(width: i64) -> &'static str {
    BUCKETS
        .iter()
        .find(|(_, w)| *w == width)
        .map_or("custom", |(n, _)| n)
}

/// The smallest width that gives at most [`MAX_DEFAULT_BUCKETS`] buckets over the span.
pub fn default_bucket(span: Option<(UnixTime, UnixTime)>) -> i64 {
    let Some((a, b)) = span else { return 3600 };
    let len = (b - a).max(1);
    BUCKETS
        .iter()
        .map(|(_, w)| *w)
        .find(|w| len / w < MAX_DEFAULT_BUCKETS)
        .unwrap_or(86_400)
}

/// One row of `timeline.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub bucket_start: UnixTime,
    pub category: CategoryId,
    pub server: String,
    pub side: Side,
    pub source: SourceKind,
    pub findings: u64,
    /// All free/busy requests the server logged in the bucket (responder rows; 0 for a
    /// requester, whose successes no log records).
    pub freebusy_requests: u64,
}

/// Folds the minute cells into buckets of `width` seconds.
pub fn build(series: &Series, traffic: &Traffic, width: i64) -> Vec<Row> {
    let bucket = |t: UnixTime| t.div_euclid(width) * width;
    let mut requests: BTreeMap<(&str, UnixTime), u64> = BTreeMap::new();
    for ((server, minute), c) in &traffic.by_server {
        *requests
            .entry((server.as_str(), bucket(*minute)))
            .or_default() += c.requests;
    }
    let mut rows: BTreeMap<(UnixTime, CategoryId, &str, Side, SourceKind), u64> = BTreeMap::new();
    for (key, cells) in &series.cells {
        for (minute, cell) in cells {
            for (i, n) in cell.by_source.iter().enumerate().filter(|(_, n)| **n > 0) {
                let k = (
                    bucket(*minute),
                    key.category,
                    key.server.as_str(),
                    key.side,
                    SOURCES[i],
                );
                *rows.entry(k).or_default() += n;
            }
        }
    }
    rows.into_iter()
        .map(|((b, category, server, side, source), findings)| Row {
            bucket_start: b,
            category,
            server: server.to_owned(),
            side,
            source,
            findings,
            freebusy_requests: if side == Side::Responder {
                requests.get(&(server, b)).copied().unwrap_or(0)
            } else {
                0
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_bucket_keeps_the_chart_under_300_buckets() {
        assert_eq!(default_bucket(Some((0, 3600))), 60);
        assert_eq!(default_bucket(Some((0, 86_400))), 300);
        assert_eq!(default_bucket(Some((0, 30 * 86_400))), 86_400);
    }
}
