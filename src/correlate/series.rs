//! Findings folded per minute: for every (category, side, server) a map of the minutes that
//! hold findings, with what the timeline, the incidents and the links need of them. Memory is
//! bounded by the minutes with findings, not by the findings (a day of outage is 1,440
//! minutes however many millions of lines failed), and the fold is order-independent (every
//! capped set keeps its smallest members), so series folded apart — one per chunk, on the
//! worker that scanned it — [`Series::merge`] into exactly the series of one serial fold, for
//! any input order or `--threads`.

use crate::host::HostId;
use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Finding, Side, SourceKind, TimeBasis};
use crate::grammar::CategoryId;
use crate::time::UnixTime;

/// Target hosts remembered per minute cell (a requester names one or two partners): the
/// smallest names, so the set does not depend on the order findings arrive in.
const TARGETS_PER_CELL: usize = 8;
/// How much of a finding's detail an incident keeps as its first example.
const DETAIL_CHARS: usize = 400;
/// Examples a minute cell keeps at most: an incident collects its examples across its cells
/// in time order, and a day of outage has thousands of cells (20 × 400 characters each made
/// the correlator the largest user of memory on an all-failure log).
const EXAMPLES_PER_CELL: usize = 4;

/// The series a finding belongs to. Front and back end sites of one server are one
/// responder: the site is left out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    pub category: CategoryId,
    pub side: Side,
    pub server: HostId,
}

impl SeriesKey {
    pub fn of(f: &Finding) -> Self {
        SeriesKey {
            category: f.category,
            side: f.side,
            server: f.server.clone(),
        }
    }
}

/// Bit of [`Cell::sites`] for a front end (`W3SVC1`) and a back end (`W3SVC2`) line.
pub const FRONT_END: u8 = 1;
pub const BACK_END: u8 = 2;

/// The earliest finding of a cell, as the incident will quote it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Example {
    /// (time, input, position): the timeline order within one server.
    pub order: (UnixTime, u32, u64),
    pub detail: String,
}

/// The findings of one series in one minute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub findings: u64,
    /// Indexed by [`source_index`].
    pub by_source: [u64; 5],
    pub first: UnixTime,
    pub last: UnixTime,
    /// The earliest findings of the minute (at most the series' `examples`), in order.
    pub examples: Vec<Example>,
    pub targets: BTreeSet<String>,
    pub sites: u8,
    /// Inputs whose times here are not known to be UTC (a local-time export read without
    /// `--event-tz`, IIS local times): the correlator does not conclude from their absence.
    pub uncertain: BTreeSet<u32>,
}

pub fn source_index(s: SourceKind) -> usize {
    match s {
        SourceKind::Iis => 0,
        SourceKind::HttpErr => 1,
        SourceKind::EventLog => 2,
        SourceKind::Correlation => 3,
        SourceKind::HttpProxy => 4,
    }
}

pub const SOURCES: [SourceKind; 5] = [
    SourceKind::Iis,
    SourceKind::HttpErr,
    SourceKind::EventLog,
    SourceKind::Correlation,
    SourceKind::HttpProxy,
];

impl Cell {
    fn add(&mut self, f: &Finding, t: UnixTime, cap: usize) {
        if self.findings == 0 {
            self.first = t;
            self.last = t;
        }
        self.findings += 1;
        self.by_source[source_index(f.source)] += 1;
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        let order = (t, f.input.min(u32::MAX as usize) as u32, f.position);
        // The detail is copied only for a finding that makes the cut.
        if self.examples.len() < cap || self.examples.last().is_some_and(|e| order < e.order) {
            let at = self.examples.partition_point(|e| e.order < order);
            let detail = match f.detail.char_indices().nth(DETAIL_CHARS) {
                Some((end, _)) => format!("{}…", &f.detail[..end]),
                None => f.detail.clone(),
            };
            self.examples.insert(at, Example { order, detail });
            self.examples.truncate(cap);
        }
        let target = if f.target_host.is_empty() {
            &f.target
        } else {
            &f.target_host
        };
        if !target.is_empty() && !self.targets.contains(target.as_str()) {
            keep_smallest(&mut self.targets, target.to_ascii_lowercase());
        }
        self.sites |= site_bit(&f.site);
        if matches!(f.time_basis, TimeBasis::AssumedUtc | TimeBasis::ServerLocal) {
            keep_smallest(&mut self.uncertain, f.input.min(u32::MAX as usize) as u32);
        }
    }

    /// Adds the findings of `other`, a cell of the same series and minute folded apart.
    fn merge(&mut self, other: Cell, cap: usize) {
        if self.findings == 0 {
            *self = other;
            return;
        }
        self.findings += other.findings;
        for (n, m) in self.by_source.iter_mut().zip(other.by_source) {
            *n += m;
        }
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.examples.extend(other.examples);
        self.examples.sort_unstable_by_key(|e| e.order);
        self.examples.truncate(cap);
        other
            .targets
            .into_iter()
            .for_each(|t| keep_smallest(&mut self.targets, t));
        self.sites |= other.sites;
        other
            .uncertain
            .into_iter()
            .for_each(|i| keep_smallest(&mut self.uncertain, i));
    }
}

/// Inserts `value`, keeping the [`TARGETS_PER_CELL`] smallest: whatever order values come in,
/// the same set remains.
fn keep_smallest<T: Ord>(set: &mut BTreeSet<T>, value: T) {
    set.insert(value);
    if set.len() > TARGETS_PER_CELL {
        set.pop_last();
    }
}

fn site_bit(site: &str) -> u8 {
    if site.eq_ignore_ascii_case("W3SVC1") {
        FRONT_END
    } else if site.eq_ignore_ascii_case("W3SVC2") {
        BACK_END
    } else {
        0
    }
}

/// Every series, and the findings that have no time (they have no place on a timeline and
/// are counted instead).
#[derive(Debug, Clone)]
pub struct Series {
    pub cells: BTreeMap<SeriesKey, BTreeMap<i64, Cell>>,
    pub undated: u64,
    /// Findings an incident keeps as examples (`--examples`).
    pub examples: usize,
}

/// Default `--examples`.
pub const DEFAULT_EXAMPLES: usize = 20;

impl Default for Series {
    fn default() -> Self {
        Series::new(DEFAULT_EXAMPLES)
    }
}

impl Series {
    pub fn new(examples: usize) -> Self {
        Series {
            cells: BTreeMap::new(),
            undated: 0,
            examples: examples.max(1),
        }
    }

    pub fn add(&mut self, f: &Finding) {
        let Some(t) = f.time else {
            self.undated += 1;
            return;
        };
        let minute = t.div_euclid(60) * 60;
        self.cells
            .entry(SeriesKey::of(f))
            .or_default()
            .entry(minute)
            .or_default()
            .add(f, t, self.examples.min(EXAMPLES_PER_CELL));
    }

    /// Adds a series folded apart from the findings of one chunk, whose positions count from
    /// the chunk's first line: `base` lines of its input came before it. Cells merge exactly
    /// (sums, bounds, and the smallest members of every capped set), so the result is the
    /// series of one fold over every finding.
    pub fn merge(&mut self, other: Series, base: u64) {
        let cap = self.examples.min(EXAMPLES_PER_CELL);
        self.undated += other.undated;
        for (key, cells) in other.cells {
            let mine = self.cells.entry(key).or_default();
            for (minute, mut cell) in cells {
                cell.examples.iter_mut().for_each(|e| e.order.2 += base);
                mine.entry(minute).or_default().merge(cell, cap);
            }
        }
    }

    /// The first and last finding time over every series.
    pub fn span(&self) -> Option<(UnixTime, UnixTime)> {
        let mut span: Option<(UnixTime, UnixTime)> = None;
        for cells in self.cells.values() {
            for c in cells.values() {
                span =
                    Some(span.map_or((c.first, c.last), |(a, b)| (a.min(c.first), b.max(c.last))));
            }
        }
        span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A finding of line `position`, at a time and with a target drawn from small ranges, so
    /// cells collect more targets and examples than they keep.
    fn finding(position: u64, (second, target, server, local): (i64, u8, u8, bool)) -> Finding {
        let mut f = Finding::at(second, if server == 0 { "EX01" } else { "EX02" });
        f.position = position;
        f.detail = format!("line {position}");
        f.target = format!("partner{target}.example");
        f.site = ["W3SVC1", "W3SVC2"][usize::from(target % 2)].into();
        if local {
            f.time_basis = TimeBasis::ServerLocal;
            f.input = usize::from(target);
        }
        f
    }

    proptest! {
        #[test]
        fn series_folded_apart_merge_into_the_serial_fold(
            lines in prop::collection::vec((0i64..240, 0u8..20, 0u8..2, any::<bool>()), 1..300),
            cuts in prop::collection::vec(0usize..300, 0..6),
        ) {
            let findings: Vec<Finding> =
                lines.iter().enumerate().map(|(i, &l)| finding(i as u64 + 1, l)).collect();
            let mut serial = Series::new(3);
            findings.iter().for_each(|f| serial.add(f));
            // Chunks as the web pass cuts them: positions count from each chunk's first line.
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % findings.len()).collect();
            cuts.extend([0, findings.len()]);
            cuts.sort_unstable();
            let mut merged = Series::new(3);
            for w in cuts.windows(2) {
                let base = w[0] as u64;
                let mut part = Series::new(3);
                for f in &findings[w[0]..w[1]] {
                    let mut f = f.clone();
                    f.position -= base;
                    part.add(&f);
                }
                merged.merge(part, base);
            }
            prop_assert_eq!(&merged.cells, &serial.cells);
            prop_assert_eq!(merged.undated, serial.undated);
        }
    }
}
