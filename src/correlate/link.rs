//! Links between incidents, and what the absence of a responder's lines says.
//!
//! A requester incident names the hosts its requests went to; a responder incident sits on a
//! server. They are related when a host rule says the server serves one of those hosts and
//! the windows overlap within `--skew`. The host rules, strongest first (the `link_basis`):
//! `host-map` (`--host-map H=SERVER`), `cs-host` (H in the server's IIS `cs-host` values),
//! `server-name` (H's first label is the server's name). Where no rule applies but the windows
//! overlap, nothing is linked: a suggestion names the `--host-map` that would link them.

use crate::host::HostId;
use std::collections::{BTreeMap, BTreeSet};

use super::coverage::Coverage;
use super::incident::Incident;
use super::series::{BACK_END, FRONT_END};
use super::traffic::Traffic;
use crate::finding::Side;
use crate::grammar::{OtherSide, Taxonomy};

/// How a requester's target host was tied to a responder server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    HostMap,
    CsHost,
    ServerName,
    ConfigExport,
    FrontBack,
    Absence,
    /// The two sides meet at a constant offset: the clocks differ ([`super::clocks`]).
    ClockOffset,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::HostMap => "host-map",
            Basis::CsHost => "cs-host",
            Basis::ServerName => "server-name",
            Basis::ConfigExport => "config-export",
            Basis::FrontBack => "front-end/back-end",
            Basis::Absence => "absence",
            Basis::ClockOffset => "clock-offset",
        }
    }
}

/// Which servers serve a host, by the rules above.
pub struct HostRules<'a> {
    /// (host lower-cased, server) from `--host-map`.
    pub host_map: &'a [(String, HostId)],
    pub traffic: &'a Traffic,
    /// Server → hosts, from configuration exports in the bundle.
    pub config_hosts: &'a BTreeMap<HostId, BTreeSet<String>>,
}

/// Does a host a server answers on serve the target? The same name, or a name under the
/// target when the target is the partner's domain (a 4001 names the domain it autodiscovers).
fn serves(known: &str, target: &str) -> bool {
    known == target || known.strip_suffix(target).is_some_and(|p| p.ends_with('.'))
}

impl HostRules<'_> {
    /// The strongest rule tying `host` to `server`, if any.
    pub fn basis(&self, host: &str, server: &HostId) -> Option<Basis> {
        let host = host.to_ascii_lowercase();
        if self.host_map.iter().any(|(h, s)| *h == host && s == server) {
            return Some(Basis::HostMap);
        }
        let known = |hs: Option<&BTreeSet<String>>| {
            hs.is_some_and(|hs| hs.iter().any(|k| serves(k, &host)))
        };
        if known(self.traffic.hosts.get(server)) {
            return Some(Basis::CsHost);
        }
        if !server.is_unknown() && server.is_named_by(host.as_bytes()) {
            return Some(Basis::ServerName);
        }
        known(self.config_hosts.get(server)).then_some(Basis::ConfigExport)
    }

    /// Does `--host-map` name this server (then its hosts are known)?
    pub fn is_mapped(&self, server: &HostId) -> bool {
        self.host_map.iter().any(|(_, s)| s == server) || self.config_hosts.contains_key(server)
    }

    /// Every responder server that serves one of `hosts`, with the rule.
    pub fn servers_for(
        &self,
        hosts: &BTreeSet<String>,
        servers: &BTreeSet<HostId>,
    ) -> Vec<(HostId, Basis)> {
        let mut out = Vec::new();
        for server in servers {
            if let Some(b) = hosts.iter().filter_map(|h| self.basis(h, server)).min() {
                out.push((server.clone(), b));
            }
        }
        out
    }
}

/// Links the correlator would make if a host rule allowed them: one `--host-map`, the
/// incident pairs it would link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suggestion {
    pub host: String,
    pub server: String,
    /// (requester, responder) incident ids.
    pub pairs: Vec<(u32, u32)>,
}

/// Pairs named in a suggestion's sentence before "and N more".
const PAIRS_SHOWN: usize = 4;

impl Suggestion {
    pub fn sentence(&self) -> String {
        let shown: Vec<String> = self
            .pairs
            .iter()
            .take(PAIRS_SHOWN)
            .map(|(r, p)| format!("{r} and {p}"))
            .collect();
        let more = self.pairs.len().saturating_sub(PAIRS_SHOWN);
        let more = if more > 0 {
            format!(" (and {more} more pairs)")
        } else {
            String::new()
        };
        format!(
            "--host-map {}={} would link incidents {}{more}",
            self.host,
            self.server,
            shown.join(", ")
        )
    }
}

/// The responder incidents on one server a requester incident is closest to: those within
/// `skew` of it, the nearest (ties: all of them) and every one of the same category. A
/// 30-minute responder incident does not claim every requester failure around it.
fn nearest(req: &Incident, candidates: &[&Incident], skew: i64) -> Vec<u32> {
    let near: Vec<(&Incident, i64)> = candidates
        .iter()
        .map(|p| (*p, req.distance(p)))
        .filter(|(_, d)| *d <= skew)
        .collect();
    let Some(best) = near.iter().map(|(_, d)| *d).min() else {
        return Vec::new();
    };
    near.iter()
        .filter(|(p, d)| *d == best || p.key.category == req.key.category)
        .map(|(p, _)| p.id)
        .collect()
}

/// Links requester incidents to responder incidents, and front-end to back-end incidents of
/// different servers; returns the suggestions for pairs no rule ties.
pub fn link(
    incidents: &mut [Incident],
    taxonomy: &Taxonomy,
    rules: &HostRules<'_>,
    skew: i64,
) -> Vec<Suggestion> {
    let mut by_server: BTreeMap<&HostId, Vec<&Incident>> = BTreeMap::new();
    for p in incidents.iter().filter(|i| i.key.side == Side::Responder) {
        by_server.entry(&p.key.server).or_default().push(p);
    }
    let mut pairs: Vec<(u32, u32, Basis)> = Vec::new();
    let mut suggested: BTreeMap<(String, String), Vec<(u32, u32)>> = BTreeMap::new();
    let requesters = incidents.iter().filter(|i| {
        i.key.side == Side::Requester && taxonomy.get(i.key.category).other_side.reaches_responder()
    });
    for req in requesters {
        for (server, candidates) in &by_server {
            let ids = nearest(req, candidates, skew);
            if ids.is_empty() {
                continue;
            }
            let basis = req
                .targets
                .iter()
                .filter_map(|h| rules.basis(h, server))
                .min();
            match (basis, req.targets.iter().find(|h| h.contains('.'))) {
                (Some(b), _) => pairs.extend(ids.iter().map(|p| (req.id, *p, b))),
                (None, Some(host)) => suggested
                    .entry((host.clone(), server.to_string()))
                    .or_default()
                    .extend(ids.iter().map(|p| (req.id, *p))),
                (None, None) => {}
            }
        }
    }
    pairs.extend(front_back_pairs(incidents, skew));
    let pos: BTreeMap<u32, usize> = incidents
        .iter()
        .enumerate()
        .map(|(i, inc)| (inc.id, i))
        .collect();
    for (a, b, basis) in pairs {
        incidents[pos[&a]].related.push((b, basis.as_str()));
        incidents[pos[&b]].related.push((a, basis.as_str()));
    }
    for inc in incidents.iter_mut() {
        inc.related.sort();
        inc.related.dedup();
    }
    suggested
        .into_iter()
        .map(|((host, server), pairs)| Suggestion {
            host,
            server,
            pairs,
        })
        .collect()
}

/// A front end that proxies to another server's back end logs the same failure twice: one
/// failure, seen on two servers.
fn front_back_pairs(incidents: &[Incident], skew: i64) -> Vec<(u32, u32, Basis)> {
    let mut out = Vec::new();
    for fe in incidents.iter() {
        for be in incidents.iter() {
            let responders = fe.key.side == Side::Responder && be.key.side == Side::Responder;
            if responders
                && fe.id != be.id
                && fe.key.category == be.key.category
                && fe.key.server != be.key.server
                && fe.sites & FRONT_END != 0
                && be.sites & BACK_END != 0
                && fe.sites & BACK_END == 0
                && fe.distance(be) <= skew
            {
                out.push((fe.id, be.id, Basis::FrontBack));
            }
        }
    }
    out
}

/// What the responder side says about one requester incident whose responders are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Absence {
    /// The request never left or never arrived, and the responder indeed logged nothing.
    Expected { server: String },
    /// No responder line in a window the responder's logs cover: something upstream answered.
    Missing { server: String, host: String },
}

/// Judges every requester incident against its responders' traffic and coverage; writes the
/// conclusions into the incidents' notes and returns the [`Absence::Missing`] ones (they
/// become `perimeter-interference` findings).
pub fn judge_absence(
    incidents: &mut [Incident],
    taxonomy: &Taxonomy,
    rules: &HostRules<'_>,
    coverage: &Coverage,
    skew: i64,
) -> Vec<(u32, Absence)> {
    let servers: BTreeSet<HostId> = rules.traffic.servers().into_iter().cloned().collect();
    let mut covered: BTreeSet<HostId> = coverage
        .spans
        .keys()
        .filter(|(_, s)| *s == "iis")
        .map(|(srv, _)| srv.clone())
        .collect();
    covered.extend(servers);
    let mut verdicts = Vec::new();
    for inc in incidents
        .iter_mut()
        .filter(|i| i.key.side == Side::Requester)
    {
        let cat = taxonomy.get(inc.key.category);
        if inc.clock_offset.is_some() {
            // Its other side is in the responder's logs, offset by the clock skew.
            continue;
        }
        let responders = rules.servers_for(&inc.targets, &covered);
        if responders.is_empty() {
            if !inc.targets.is_empty() {
                let hosts: Vec<&str> = inc.targets.iter().map(String::as_str).collect();
                inc.notes.push(format!(
                    "no responder logs in the bundle for {} (or no host rule ties them to a server)",
                    hosts.join(", ")
                ));
            }
            continue;
        }
        let (from, to) = (inc.start - skew, inc.end + skew);
        let names: Vec<&str> = responders.iter().map(|(s, _)| s.as_str()).collect();
        let names = names.join(", ");
        if cat.other_side == OtherSide::None {
            inc.notes.push(format!(
                "the token failed before any request was sent: no line on {names} is expected"
            ));
            continue;
        }
        // Every server that may have answered: those a rule ties to the host, and those
        // whose logs name no host at all (they may serve it too).
        let seen: u64 = covered
            .iter()
            .filter(|s| {
                responders.iter().any(|(r, _)| r == *s)
                    || (!rules.traffic.hosts.contains_key(*s) && !rules.is_mapped(s))
            })
            .map(|s| rules.traffic.requests_between(s, from, to).requests)
            .sum();
        if cat.other_side == OtherSide::NotArrived {
            if seen == 0 {
                inc.notes.push(format!(
                    "expected: {names} logged no free/busy request in the window (the request never arrived)"
                ));
                verdicts.push((inc.id, Absence::Expected { server: names }));
            } else {
                inc.notes.push(format!(
                    "{names} logged {seen} free/busy request(s) in the window: others got through"
                ));
            }
            continue;
        }
        let all_covered = responders
            .iter()
            .all(|(s, _)| coverage.covers(s, "iis", from, to));
        if seen == 0
            && all_covered
            && cat.other_side == OtherSide::Answered
            && !inc.uncertain.is_empty()
        {
            inc.notes.push(format!(
                "no free/busy request on {names} in the window as read, but these event times are not known to be UTC (no --event-tz): absence is not judged"
            ));
        } else if seen == 0 && all_covered && cat.other_side == OtherSide::Answered {
            let host = inc.targets.iter().next().cloned().unwrap_or_default();
            inc.upstream_answered = true;
            inc.notes.push(format!(
                "the IIS logs of {names} cover the window but hold no free/busy request: something upstream (a reverse proxy, a firewall) answered"
            ));
            verdicts.push((
                inc.id,
                Absence::Missing {
                    server: names,
                    host,
                },
            ));
        }
    }
    verdicts
}

/// Seconds within which a shifted requester incident must meet a responder incident.
const ZONE_TOLERANCE: i64 = 120;

/// Whole hours an export's clock may be off by when read as UTC (UTC-12 .. UTC+14).
const ZONE_HOURS: std::ops::RangeInclusive<i64> = -12..=14;

/// A zone that lines an export's events up with the responders' logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneHint {
    pub input: u32,
    /// The export's offset from UTC, in hours, that the evidence suggests.
    pub hours: i64,
    /// Requester incidents of the input with a responder incident within `--skew`, at that
    /// offset and as read.
    pub matched: usize,
    pub at_zero: usize,
}

impl ZoneHint {
    pub fn sentence(&self, file: &str) -> String {
        let zone = format!(
            "{}{:02}:00",
            if self.hours < 0 { '-' } else { '+' },
            self.hours.abs()
        );
        format!(
            "{file} was read as UTC, but its events meet the responders' logs at UTC{zone} ({} incidents against {} as read): rerun with --event-tz {file}={zone}",
            self.matched, self.at_zero
        )
    }
}

/// For every input whose times were assumed UTC: if shifting its requester incidents by a
/// whole number of hours puts clearly more of them next to a responder incident than as
/// read, that offset is probably the exporting machine's zone.
pub fn zone_hints(incidents: &[Incident], skew: i64) -> Vec<ZoneHint> {
    // Two sides of one request are seconds apart: a tight tolerance tells the true offset
    // from chance meetings with long responder incidents.
    let skew = skew.min(ZONE_TOLERANCE);
    let responders: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.key.side == Side::Responder)
        .collect();
    let inputs: BTreeSet<u32> = incidents
        .iter()
        .filter(|i| i.key.side == Side::Requester)
        .flat_map(|i| i.uncertain.iter().copied())
        .collect();
    let mut hints = Vec::new();
    for input in inputs {
        let mine: Vec<&Incident> = incidents
            .iter()
            .filter(|i| i.key.side == Side::Requester && i.uncertain.contains(&input))
            .collect();
        let score = |hours: i64| {
            mine.iter()
                .filter(|r| {
                    responders
                        .iter()
                        .any(|p| r.distance_shifted(p, -hours * 3600) <= skew)
                })
                .count()
        };
        let at_zero = score(0);
        let best = ZONE_HOURS
            .filter(|h| *h != 0)
            .map(|h| (score(h), -h.abs(), h))
            .max();
        if let Some((matched, _, hours)) = best {
            if matched >= 2 && matched > at_zero {
                hints.push(ZoneHint {
                    input,
                    hours,
                    matched,
                    at_zero,
                });
            }
        }
    }
    hints
}
