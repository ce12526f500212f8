//! Per-category aggregates for the summary, built as findings stream past.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::CategoryId;
use crate::finding::Finding;
use crate::host::HostId;
use crate::time::UnixTime;

/// Distinct targets tracked per category: the smallest names, so tallies folded apart (one
/// per chunk) merge into the tally of one serial fold; the findings of the others are counted
/// as "untracked".
const MAX_TARGETS_TRACKED: usize = 10_000;

/// How many targets the summary names.
pub const TOP_TARGETS: usize = 5;

/// What the summary says about one category.
#[derive(Debug, Clone, Default)]
pub struct CategoryTally {
    pub findings: u64,
    pub web_findings: u64,
    pub event_findings: u64,
    pub first: Option<UnixTime>,
    pub last: Option<UnixTime>,
    pub servers: BTreeSet<HostId>,
    targets: BTreeMap<String, u64>,
    other_targets: u64,
}

impl CategoryTally {
    fn add(&mut self, f: &Finding) {
        self.findings += 1;
        if f.source.is_web() {
            self.web_findings += 1;
        } else {
            self.event_findings += 1;
        }
        if let Some(t) = f.time {
            self.first = Some(self.first.map_or(t, |x| x.min(t)));
            self.last = Some(self.last.map_or(t, |x| x.max(t)));
        }
        if !f.server.is_unknown() && !self.servers.contains(&f.server) {
            self.servers.insert(f.server.clone());
        }
        if f.target.is_empty() {
            return;
        }
        if let Some(n) = self.targets.get_mut(&f.target) {
            *n += 1;
        } else {
            self.track(f.target.clone(), 1);
        }
    }

    /// Counts `n` findings of a target not tracked yet, keeping the smallest names.
    fn track(&mut self, target: String, n: u64) {
        let full = self.targets.len() >= MAX_TARGETS_TRACKED;
        if full
            && self
                .targets
                .last_key_value()
                .is_some_and(|(last, _)| *last < target)
        {
            self.other_targets += n;
            return;
        }
        self.targets.insert(target, n);
        if full {
            let (_, dropped) = self.targets.pop_last().expect("full");
            self.other_targets += dropped;
        }
    }

    /// Adds a tally folded apart. A target among the smallest overall is among the smallest
    /// of every part it appears in, so its count is whole.
    fn merge(&mut self, other: CategoryTally) {
        self.findings += other.findings;
        self.web_findings += other.web_findings;
        self.event_findings += other.event_findings;
        self.first = either(self.first, other.first, i64::min);
        self.last = either(self.last, other.last, i64::max);
        self.servers.extend(other.servers);
        self.other_targets += other.other_targets;
        for (target, n) in other.targets {
            match self.targets.get_mut(&target) {
                Some(m) => *m += n,
                None => self.track(target, n),
            }
        }
    }

    /// Findings whose target was not tracked because [`MAX_TARGETS_TRACKED`] distinct ones
    /// were already: reported beside the top targets so the list never looks complete
    /// when it is not.
    pub fn untracked_target_findings(&self) -> u64 {
        self.other_targets
    }

    /// The top targets as the summaries print them: `host (n)`, then `untracked (n)` if
    /// any finding's target was past the tracking limit.
    pub fn top_target_labels(&self, n: usize, show: impl Fn(&str) -> String) -> Vec<String> {
        let mut labels: Vec<String> = self
            .top_targets(n)
            .iter()
            .map(|(t, c)| format!("{} ({c})", show(t)))
            .collect();
        if self.other_targets > 0 {
            labels.push(format!("untracked ({})", self.other_targets));
        }
        labels
    }

    /// The most frequent targets, ties broken by name (deterministic).
    pub fn top_targets(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.targets.iter().map(|(k, &c)| (k.as_str(), c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

/// All categories seen, keyed by taxonomy order.
#[derive(Debug, Clone, Default)]
pub struct Aggregates {
    pub categories: std::collections::BTreeMap<CategoryId, CategoryTally>,
}

impl Aggregates {
    pub fn add(&mut self, f: &Finding) {
        self.categories.entry(f.category).or_default().add(f);
    }

    /// Adds the aggregates of findings folded apart (a chunk's, on its worker).
    pub fn merge(&mut self, other: Aggregates) {
        for (category, tally) in other.categories {
            self.categories.entry(category).or_default().merge(tally);
        }
    }

    pub fn total_findings(&self) -> u64 {
        self.categories.values().map(|c| c.findings).sum()
    }
}

/// `pick` of both bounds where both are known, else the known one.
fn either(a: Option<UnixTime>, b: Option<UnixTime>, pick: fn(i64, i64) -> i64) -> Option<UnixTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding_to(target: String) -> Finding {
        let mut f = Finding::at(0, "EXCH01");
        f.http_status = Some(401);
        f.target = target;
        f
    }

    #[test]
    fn targets_past_the_tracking_limit_are_counted_as_untracked() {
        let mut t = CategoryTally::default();
        for i in 0..MAX_TARGETS_TRACKED + 3 {
            t.add(&finding_to(format!("host{i}.example")));
        }
        t.add(&finding_to("host0.example".into()));
        assert_eq!(t.untracked_target_findings(), 3);
        let labels = t.top_target_labels(2, str::to_owned);
        assert_eq!(
            labels,
            ["host0.example (2)", "host1.example (1)", "untracked (3)"]
        );
    }

    #[test]
    fn tallies_folded_apart_merge_into_the_serial_tally_past_the_limit() {
        // Targets in a shuffled order, some repeated, more distinct ones than are tracked.
        let targets: Vec<String> = (0..MAX_TARGETS_TRACKED + 50)
            .map(|i| format!("host{}.example", (i * 7919) % (MAX_TARGETS_TRACKED + 40)))
            .collect();
        let mut serial = Aggregates::default();
        targets
            .iter()
            .for_each(|t| serial.add(&finding_to(t.clone())));
        for parts in [2, 3, 17] {
            let mut merged = Aggregates::default();
            for part in targets.chunks(targets.len() / parts + 1) {
                let mut apart = Aggregates::default();
                part.iter().for_each(|t| apart.add(&finding_to(t.clone())));
                merged.merge(apart);
            }
            let (a, b) = (
                &serial.categories[&CategoryId(0)],
                &merged.categories[&CategoryId(0)],
            );
            assert_eq!(a.findings, b.findings);
            assert_eq!(a.untracked_target_findings(), b.untracked_target_findings());
            assert!(a.untracked_target_findings() > 0);
            assert_eq!(a.top_targets(usize::MAX), b.top_targets(usize::MAX));
            assert_eq!((a.first, a.last, &a.servers), (b.first, b.last, &b.servers));
        }
    }
}
