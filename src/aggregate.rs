//! Per-category aggregates for the summary, built as findings stream past.

use std::collections::{BTreeSet, HashMap};

use crate::finding::CategoryId;
use crate::finding::Finding;
use crate::host::HostId;
use crate::time::UnixTime;

/// Distinct targets tracked per category; further ones are counted as "other".
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
    targets: HashMap<String, u64>,
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
        } else if self.targets.len() < MAX_TARGETS_TRACKED {
            self.targets.insert(f.target.clone(), 1);
        } else {
            self.other_targets += 1;
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

    pub fn total_findings(&self) -> u64 {
        self.categories.values().map(|c| c.findings).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Phase, Side, SourceKind};

    fn finding_to(target: String) -> Finding {
        Finding {
            time: Some(0),
            subsec: None,
            server: "EXCH01".into(),
            site: String::new(),
            source: SourceKind::Iis,
            input: 0,
            position: 1,
            category: CategoryId(0),
            phase: Phase::Availability,
            side: Side::Responder,
            http_status: Some(401),
            sub_status: None,
            win32_status: None,
            method: String::new(),
            uri_stem: String::new(),
            client_ip: String::new(),
            user_agent: String::new(),
            target,
            event_id: None,
            mailbox: String::new(),
            detail: String::new(),
            request_type: String::new(),
            caller_auth: String::new(),
            origin_server: String::new(),
            target_url: String::new(),
            time_basis: Default::default(),
            target_host: String::new(),
            partner_domain: String::new(),
            time_taken_ms: None,
            cafe_req_id: None,
            record_id: None,
        }
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
}
