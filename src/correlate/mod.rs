//! Correlation: the two sides of every failure put together. Findings from every source and
//! server are folded per minute ([`series`]) as they stream past; at the end they are cut into
//! incidents ([`incident`]), linked requester ↔ responder and front end ↔ back end
//! ([`link`]), judged against the responders' traffic and log coverage ([`traffic`],
//! [`coverage`]) and summed into the timeline ([`timeline`]).
//!
//! Everything here is a fold whose result does not depend on the order findings arrive in, so
//! incidents, links and their ids are the same for any `--threads`.

pub mod clocks;
pub mod coverage;
pub mod incident;
pub mod link;
pub mod series;
pub mod timeline;
pub mod traffic;

use std::collections::BTreeMap;

use crate::analysis::Analysis;
use crate::finding::{Finding, Phase, Side, SourceKind, TimeBasis};
use crate::grammar::Taxonomy;
use crate::host::HostId;
use crate::time::{format_utc, UnixTime};

pub use coverage::Coverage;
pub use incident::{Incident, IncidentIndex};
pub use link::Suggestion;
pub use series::{Series, SeriesKey};
pub use traffic::{Traffic, TrafficChunk};

/// Default `--incident-gap`: findings further apart start a new incident.
pub const DEFAULT_INCIDENT_GAP: i64 = 15 * 60;
/// Default `--skew`: how far apart two sides' clocks and windows may be and still link.
pub const DEFAULT_SKEW: i64 = 5 * 60;

/// The correlation flags.
#[derive(Debug, Clone)]
pub struct CorrelateOptions {
    pub incident_gap: i64,
    pub skew: i64,
    /// Timeline bucket width in seconds; `None` picks one from the span.
    pub bucket: Option<i64>,
    /// `--host-map H=SERVER` (host lower-cased, server upper-cased).
    pub host_map: Vec<(String, HostId)>,
    /// Findings each incident keeps as examples (`--examples`).
    pub examples: usize,
}

impl Default for CorrelateOptions {
    fn default() -> Self {
        CorrelateOptions {
            incident_gap: DEFAULT_INCIDENT_GAP,
            skew: DEFAULT_SKEW,
            bucket: None,
            host_map: Vec::new(),
            examples: series::DEFAULT_EXAMPLES,
        }
    }
}

/// What the correlator concluded.
#[derive(Debug, Clone, Default)]
pub struct Correlation {
    pub incidents: Vec<Incident>,
    pub suggestions: Vec<Suggestion>,
    pub timeline: Vec<timeline::Row>,
    pub bucket: i64,
    pub coverage: Coverage,
    /// Findings with no time: on no timeline and in no incident.
    pub undated: u64,
    /// The first and last finding time.
    pub span: Option<(UnixTime, UnixTime)>,
    /// Exports read as UTC whose events line up with the responders at another offset.
    pub zone_hints: Vec<link::ZoneHint>,
}

impl Correlation {
    /// Related incident pairs (each once, lower id first), with the basis.
    pub fn links(&self) -> Vec<(u32, u32, &'static str)> {
        let mut out: Vec<_> = self
            .incidents
            .iter()
            .flat_map(|i| i.related.iter().map(move |(o, b)| (i.id, *o, *b)))
            .filter(|(a, b, _)| a < b)
            .collect();
        out.sort();
        out
    }

    /// Failures: incidents joined by their links (both sides of one failure, and what the
    /// correlator concluded from them), each as incident ids in id order; ordered by the
    /// most severe category in it, then by findings, then by first id.
    pub fn failures(&self, taxonomy: &Taxonomy) -> Vec<Vec<u32>> {
        let n = self.incidents.len();
        let pos: std::collections::BTreeMap<u32, usize> = self
            .incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| (inc.id, i))
            .collect();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        for (a, b, _) in self.links() {
            let (ra, rb) = (root(&mut parent, pos[&a]), root(&mut parent, pos[&b]));
            parent[ra.max(rb)] = ra.min(rb);
        }
        let mut groups: std::collections::BTreeMap<usize, Vec<u32>> = Default::default();
        for i in 0..n {
            let r = root(&mut parent, i);
            groups.entry(r).or_default().push(self.incidents[i].id);
        }
        let mut out: Vec<Vec<u32>> = groups.into_values().collect();
        let rank = |ids: &Vec<u32>| {
            let incs = ids.iter().map(|id| &self.incidents[pos[id]]);
            let severity = incs
                .clone()
                .map(|i| severity_rank(&taxonomy.get(i.key.category).severity))
                .min()
                .unwrap_or(u8::MAX);
            let findings: u64 = incs.map(|i| i.findings).sum();
            (severity, std::cmp::Reverse(findings), ids[0])
        };
        out.sort_by_key(rank);
        out
    }

    pub fn incident(&self, id: u32) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == id)
    }

    pub fn index(&self) -> IncidentIndex {
        IncidentIndex::new(&self.incidents)
    }
}

/// Severity rank for ordering: critical first.
pub fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 0,
        "error" => 1,
        "warning" => 2,
        _ => 3,
    }
}

/// Collects findings as they stream past.
#[derive(Debug, Default)]
pub struct Correlator {
    series: Series,
}

impl Correlator {
    pub fn new(opts: &CorrelateOptions) -> Self {
        Correlator {
            series: Series::new(opts.examples),
        }
    }

    pub fn add(&mut self, f: &Finding) {
        self.series.add(f);
    }

    /// A series to fold findings into apart (on a worker), with this one's settings.
    pub fn empty_series(&self) -> Series {
        Series::new(self.series.examples)
    }

    /// Adds findings folded apart; their positions count from `base` (see [`Series::merge`]).
    pub fn merge(&mut self, series: Series, base: u64) {
        self.series.merge(series, base);
    }

    /// Builds incidents and links. Requester failures that the responder's logs should have
    /// seen and did not become `perimeter-interference` findings (source `correlation`):
    /// they are returned, already counted in the incidents, for the caller to report.
    pub fn finish(
        mut self,
        analysis: &Analysis,
        taxonomy: &Taxonomy,
        opts: &CorrelateOptions,
    ) -> (Correlation, Vec<Finding>) {
        let coverage = Coverage::build(&analysis.inputs, opts.incident_gap);
        let rules = link::HostRules {
            host_map: &opts.host_map,
            traffic: &analysis.traffic,
            config_hosts: &analysis.config_hosts,
        };
        let clock = taxonomy.clock_skew();
        let mark_clocks = |incidents: &mut [Incident]| {
            if let Some((_, tolerance)) = clock {
                clocks::mark(incidents, taxonomy, &rules, tolerance);
            }
        };
        let mut incidents = incident::build(&self.series, opts.incident_gap);
        mark_clocks(&mut incidents);
        let verdicts = link::judge_absence(&mut incidents, taxonomy, &rules, &coverage, opts.skew);
        let mut raised = perimeter_findings(&incidents, &verdicts, taxonomy);
        raised.extend(clock_findings(&incidents, taxonomy, raised.len()));
        let mut incidents = if raised.is_empty() {
            incidents
        } else {
            raised.iter().for_each(|f| self.series.add(f));
            let mut again = incident::build(&self.series, opts.incident_gap);
            mark_clocks(&mut again);
            link::judge_absence(&mut again, taxonomy, &rules, &coverage, opts.skew);
            again
        };
        let suggestions = link::link(&mut incidents, taxonomy, &rules, opts.skew);
        let zone_hints = link::zone_hints(&incidents, opts.skew);
        link_raised(&mut incidents, taxonomy, opts.skew);
        let span = self.series.span();
        let bucket = opts
            .bucket
            .unwrap_or_else(|| timeline::default_bucket(span));
        let timeline = timeline::build(&self.series, &analysis.traffic, bucket);
        let correlation = Correlation {
            incidents,
            suggestions,
            timeline,
            bucket,
            coverage,
            undated: self.series.undated,
            span,
            zone_hints,
        };
        (correlation, raised)
    }
}

/// One `perimeter-interference` finding per requester incident whose responder logged
/// nothing while its logs cover the window.
fn perimeter_findings(
    incidents: &[Incident],
    verdicts: &[(u32, link::Absence)],
    taxonomy: &Taxonomy,
) -> Vec<Finding> {
    let Some(category) = taxonomy.find("perimeter-interference") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (id, verdict) in verdicts {
        let link::Absence::Missing { server, host } = verdict else {
            continue;
        };
        let Some(inc) = incidents.iter().find(|i| i.id == *id) else {
            continue;
        };
        let cat = taxonomy.get(inc.key.category);
        let detail = format!(
            "correlation: {} {} failure(s) on {} to {host} from {} to {}, and {server}'s IIS logs, which cover that window, hold no free/busy request: something upstream answered",
            inc.findings,
            cat.id,
            inc.key.server,
            format_utc(inc.start),
            format_utc(inc.end),
        );
        out.push(raised_finding(
            inc,
            category,
            taxonomy.get(category).phase,
            host,
            detail,
            out.len() as u64 + 1,
        ));
    }
    out
}

/// One `clock-skew` finding per requester incident whose two sides meet at an offset beyond
/// the clock tolerance; positions continue after the `before` findings raised already.
fn clock_findings(incidents: &[Incident], taxonomy: &Taxonomy, before: usize) -> Vec<Finding> {
    let Some((category, tolerance)) = taxonomy.clock_skew() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for inc in incidents {
        let Some(o) = &inc.clock_offset else {
            continue;
        };
        let Some(resp) = incidents.iter().find(|i| i.id == o.responder) else {
            continue;
        };
        let host = inc.targets.iter().next().cloned().unwrap_or_default();
        let detail = format!(
            "correlation: {} {} failure(s) on {} to {host} from {} to {} meet {}'s {} failures in {} of {} minutes with {}'s clock {} {}'s: the clocks differ by more than the {tolerance} s a token is allowed",
            inc.findings,
            taxonomy.get(inc.key.category).id,
            inc.key.server,
            format_utc(inc.start),
            format_utc(inc.end),
            resp.key.server,
            taxonomy.get(resp.key.category).id,
            o.agreeing,
            o.voters,
            resp.key.server,
            o.describe(),
            inc.key.server,
        );
        let position = (before + out.len() + 1) as u64;
        let phase = taxonomy.get(category).phase;
        out.push(raised_finding(
            inc, category, phase, &host, detail, position,
        ));
    }
    out
}

/// The input index of findings the correlator raised (after every real input).
pub const CORRELATION_INPUT: usize = u32::MAX as usize;

fn raised_finding(
    inc: &Incident,
    category: crate::grammar::CategoryId,
    phase: Phase,
    host: &str,
    detail: String,
    position: u64,
) -> Finding {
    Finding {
        time: Some(inc.start),
        subsec: None,
        server: inc.key.server.clone(),
        site: String::new(),
        source: SourceKind::Correlation,
        input: CORRELATION_INPUT,
        position,
        category,
        phase,
        side: Side::Requester,
        http_status: None,
        sub_status: None,
        win32_status: None,
        method: String::new(),
        uri_stem: String::new(),
        client_ip: String::new(),
        user_agent: String::new(),
        target: host.to_owned(),
        event_id: None,
        mailbox: String::new(),
        detail,
        request_type: String::new(),
        caller_auth: String::new(),
        origin_server: String::new(),
        target_url: String::new(),
        time_basis: TimeBasis::LogUtc,
        target_host: host.to_owned(),
        partner_domain: String::new(),
        time_taken_ms: None,
        cafe_req_id: None,
        record_id: None,
    }
}

/// A raised incident is related to the requester incident it was concluded from: a
/// `perimeter-interference` one by `absence`, a `clock-skew` one by `clock-offset` (and the
/// requester incident to the responder incident its requests meet, offset).
fn link_raised(incidents: &mut [Incident], taxonomy: &Taxonomy, skew: i64) {
    let mut pairs: Vec<(usize, usize, link::Basis)> = Vec::new();
    if let Some(perimeter) = taxonomy.find("perimeter-interference") {
        let raised = raised_pairs(incidents, perimeter, skew, |i| i.upstream_answered);
        pairs.extend(
            raised
                .into_iter()
                .map(|(a, b)| (a, b, link::Basis::Absence)),
        );
    }
    if let Some((clock, _)) = taxonomy.clock_skew() {
        let raised = raised_pairs(incidents, clock, skew, |i| i.clock_offset.is_some());
        pairs.extend(
            raised
                .into_iter()
                .map(|(a, b)| (a, b, link::Basis::ClockOffset)),
        );
        // The requester incident and the responder incident its requests meet, offset.
        let pos: BTreeMap<u32, usize> = incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| (inc.id, i))
            .collect();
        for (b, inc) in incidents.iter().enumerate() {
            if let Some(&a) = inc
                .clock_offset
                .as_ref()
                .and_then(|o| pos.get(&o.responder))
            {
                pairs.push((a, b, link::Basis::ClockOffset));
            }
        }
    }
    for (a, b, basis) in pairs {
        let (ida, idb) = (incidents[a].id, incidents[b].id);
        for (at, other) in [(a, idb), (b, ida)] {
            let related = &mut incidents[at].related;
            if !related.iter().any(|(id, _)| *id == other) {
                related.push((other, basis.as_str()));
                related.sort();
            }
        }
    }
}

/// (raised incident, requester incident) pairs: a correlation-raised incident of `category`
/// and the requester incidents on its server, overlapping it, that it was concluded from.
fn raised_pairs(
    incidents: &[Incident],
    category: crate::grammar::CategoryId,
    skew: i64,
    concluded: impl Fn(&Incident) -> bool,
) -> Vec<(usize, usize)> {
    let correlation = series::source_index(SourceKind::Correlation);
    let mut pairs = Vec::new();
    for (a, raised) in incidents.iter().enumerate() {
        if raised.key.category != category || raised.by_source[correlation] == 0 {
            continue;
        }
        for (b, other) in incidents.iter().enumerate() {
            if a != b
                && other.key.side == Side::Requester
                && other.key.server == raised.key.server
                && other.by_source[correlation] == 0
                && other.overlaps(raised, skew)
                && concluded(other)
            {
                pairs.push((a, b));
            }
        }
    }
    pairs
}
