//! Incidents: runs of findings of one category on one side of one server whose gaps stay under
//! `--incident-gap`. Built from the minute cells of [`super::series`], numbered by
//! (start, category, side, server) so the same input always gives the same ids.

use std::collections::BTreeSet;

use super::series::{source_index, Cell, Example, Series, SeriesKey};
use crate::finding::SourceKind;
use crate::time::UnixTime;

/// One incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// 1-based, in (start, category, side, server) order.
    pub id: u32,
    pub key: SeriesKey,
    pub start: UnixTime,
    pub end: UnixTime,
    pub findings: u64,
    pub by_source: [u64; 5],
    pub peak_per_min: u64,
    pub first_detail: String,
    /// Hosts the evidence names (requester: where the requests went; responder: `cs-host`).
    pub targets: BTreeSet<String>,
    /// [`super::series::FRONT_END`] / [`super::series::BACK_END`] bits of its web lines.
    pub sites: u8,
    /// Inputs of its findings whose times are not known to be UTC.
    pub uncertain: BTreeSet<u32>,
    /// Ids of related incidents, with how each link was made.
    pub related: Vec<(u32, &'static str)>,
    /// What the correlator concluded about the other side (absence, suggestions).
    pub notes: Vec<String>,
    /// The responders' logs cover its window and hold no free/busy request: something
    /// upstream answered ([`super::link::Absence::Missing`]).
    pub upstream_answered: bool,
    /// Its failures meet a responder incident at a constant offset beyond the clock
    /// tolerance ([`super::clocks`]).
    pub clock_offset: Option<super::clocks::ClockOffset>,
    /// The earliest findings, at most the series' `examples`.
    pub examples: Vec<Example>,
    /// (first, last) finding time of each minute with findings, in order: how close two
    /// incidents really come, not only whether their windows overlap.
    pub minutes: Vec<(UnixTime, UnixTime)>,
}

impl Incident {
    pub fn web_findings(&self) -> u64 {
        self.by_source[source_index(SourceKind::Iis)]
            + self.by_source[source_index(SourceKind::HttpErr)]
            + self.by_source[source_index(SourceKind::HttpProxy)]
    }

    pub fn event_findings(&self) -> u64 {
        self.by_source[source_index(SourceKind::EventLog)]
    }

    /// Do the windows overlap when this one is widened by `slack` seconds on each side?
    pub fn overlaps(&self, other: &Incident, slack: i64) -> bool {
        self.start - slack <= other.end && other.start <= self.end + slack
    }

    fn open(key: &SeriesKey, c: &Cell) -> Self {
        Incident {
            id: 0,
            key: key.clone(),
            start: c.first,
            end: c.last,
            findings: 0,
            by_source: [0; 5],
            peak_per_min: 0,
            first_detail: String::new(),
            targets: BTreeSet::new(),
            sites: 0,
            uncertain: BTreeSet::new(),
            related: Vec::new(),
            notes: Vec::new(),
            upstream_answered: false,
            clock_offset: None,
            minutes: Vec::new(),
            examples: Vec::new(),
        }
    }

    fn add(&mut self, c: &Cell, cap: usize) {
        if self.findings == 0 {
            self.first_detail = c
                .examples
                .first()
                .map(|e| e.detail.clone())
                .unwrap_or_default();
        }
        let room = cap.saturating_sub(self.examples.len());
        self.examples.extend(c.examples.iter().take(room).cloned());
        self.findings += c.findings;
        for (a, b) in self.by_source.iter_mut().zip(c.by_source) {
            *a += b;
        }
        self.start = self.start.min(c.first);
        self.end = self.end.max(c.last);
        self.peak_per_min = self.peak_per_min.max(c.findings);
        self.targets.extend(c.targets.iter().cloned());
        self.sites |= c.sites;
        self.uncertain.extend(c.uncertain.iter().copied());
        self.minutes.push((c.first, c.last));
    }

    /// Seconds between the closest findings of two incidents (0 when they interleave).
    pub fn distance(&self, other: &Incident) -> i64 {
        self.distance_shifted(other, 0)
    }

    /// [`Self::distance`] with this incident's times moved by `shift` seconds.
    pub fn distance_shifted(&self, other: &Incident, shift: i64) -> i64 {
        let a: Vec<(UnixTime, UnixTime)> = self
            .minutes
            .iter()
            .map(|(x, y)| (x + shift, y + shift))
            .collect();
        let b = &other.minutes;
        let (mut i, mut j, mut best) = (0, 0, i64::MAX);
        while i < a.len() && j < b.len() {
            let ((a0, a1), (b0, b1)) = (a[i], b[j]);
            best = best.min((b0 - a1).max(a0 - b1).max(0));
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        best
    }
}

/// Cuts every series into incidents at gaps longer than `gap` seconds.
pub fn build(series: &Series, gap: i64) -> Vec<Incident> {
    let mut out = Vec::new();
    for (key, cells) in &series.cells {
        let mut current: Option<Incident> = None;
        for cell in cells.values() {
            if let Some(inc) = &current {
                if cell.first - inc.end > gap {
                    out.extend(current.take());
                }
            }
            current
                .get_or_insert_with(|| Incident::open(key, cell))
                .add(cell, series.examples);
        }
        out.extend(current);
    }
    out.sort_by(|a, b| (a.start, &a.key).cmp(&(b.start, &b.key)));
    for (i, inc) in out.iter_mut().enumerate() {
        inc.id = i as u32 + 1;
    }
    out
}

/// Finds the incident of a finding: by its series key and time (incidents of one key never
/// overlap, so at most one holds the time).
pub struct IncidentIndex {
    /// (key, start, end, id), sorted by key then start.
    spans: Vec<(SeriesKey, UnixTime, UnixTime, u32)>,
}

impl IncidentIndex {
    pub fn new(incidents: &[Incident]) -> Self {
        let mut spans: Vec<_> = incidents
            .iter()
            .map(|i| (i.key.clone(), i.start, i.end, i.id))
            .collect();
        spans.sort();
        IncidentIndex { spans }
    }

    pub fn find(&self, key: &SeriesKey, time: UnixTime) -> Option<u32> {
        let at = self
            .spans
            .partition_point(|(k, start, _, _)| (k, *start) <= (key, time));
        let (k, start, end, id) = self.spans.get(at.checked_sub(1)?)?;
        (k == key && *start <= time && time <= *end).then_some(*id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::grammar::CategoryId;

    fn finding(t: i64, server: &str) -> Finding {
        let mut f = Finding::at(t, server);
        f.category = CategoryId(3);
        f
    }

    #[test]
    fn an_incident_keeps_its_earliest_findings_as_examples_up_to_the_cap() {
        let mut s = Series::new(3);
        for t in [200, 10, 70, 5, 130] {
            s.add(&finding(t, "EX01"));
        }
        let incs = build(&s, 900);
        let times: Vec<i64> = incs[0].examples.iter().map(|e| e.order.0).collect();
        assert_eq!(times, [5, 10, 70]);
        assert_eq!(incs[0].findings, 5, "all are counted, only the cap is kept");
    }

    #[test]
    fn distance_is_between_the_closest_findings_not_the_windows() {
        let mut s = Series::default();
        for t in [0, 1000] {
            s.add(&finding(t, "EX01"));
        }
        s.add(&finding(500, "EX02"));
        let incs = build(&s, 2000);
        assert_eq!(incs[0].distance(&incs[1]), 500);
        assert!(incs[0].overlaps(&incs[1], 0));
    }

    #[test]
    fn a_gap_longer_than_the_limit_starts_a_new_incident() {
        let mut s = Series::default();
        for t in [0, 30, 600, 2000, 2010] {
            s.add(&finding(t, "ex01"));
        }
        s.add(&finding(100, "EX02"));
        let incs = build(&s, 900);
        let shape: Vec<_> = incs
            .iter()
            .map(|i| (i.id, i.key.server.as_str(), i.start, i.end, i.findings))
            .collect();
        assert_eq!(
            shape,
            [
                (1, "EX01", 0, 600, 3),
                (2, "EX02", 100, 100, 1),
                (3, "EX01", 2000, 2010, 2)
            ]
        );
        assert_eq!(incs[0].first_detail, "at 0");
        let index = IncidentIndex::new(&incs);
        let key = SeriesKey::of(&finding(0, "EX01"));
        assert_eq!(index.find(&key, 30), Some(1));
        assert_eq!(index.find(&key, 2005), Some(3));
        assert_eq!(index.find(&key, 1000), None);
    }
}
