//! Clock skew as the two sides show it.
//!
//! A delegation token carries the requester's time; the Microsoft Federation Gateway and the
//! responder's WSSecurity check it against their own clocks, and refuse it beyond a tolerance
//! (`clock_tolerance_s` of the `clock-skew` category in taxonomy.toml). What the requester
//! then logs is a token or verification failure (the categories marked `clock_sensitive`),
//! and the responder logs the refusal. When the clocks differ, the two sides of each request
//! are not seconds apart but offset by the skew, every time: that constant offset is the
//! evidence, and it is found here by letting every pair of the two incidents' minutes vote
//! for the offset between them.

use std::collections::BTreeMap;

use super::incident::Incident;
use super::link::HostRules;
use crate::finding::Side;
use crate::grammar::Taxonomy;
use crate::time::UnixTime;

/// Two sides of one request meet within this after the offset is applied (seconds): the
/// width of one vote's bucket.
const MEET: i64 = 30;
/// The largest skew looked for (seconds): beyond it, two incidents meet by chance.
const MAX_OFFSET: i64 = 3 * 3600;
/// Minutes of a requester incident that vote (its earliest): enough for a constant offset to
/// show, few enough that a day-long incident stays cheap.
const VOTERS: usize = 256;
/// Distinct requester minutes that must agree on one offset.
const MIN_AGREEING: usize = 2;

/// A requester incident whose failures meet a responder incident at a constant offset larger
/// than the tolerance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockOffset {
    /// Incident ids.
    pub requester: u32,
    pub responder: u32,
    /// Responder time minus requester time of the same requests (seconds; positive: the
    /// responder's clock is ahead).
    pub offset: i64,
    /// Requester minutes that meet the responder at that offset, of `voters`.
    pub agreeing: usize,
    pub voters: usize,
}

impl ClockOffset {
    /// `7 min 12 s ahead of` / `2 min 3 s behind`: the responder's clock against the
    /// requester's.
    pub fn describe(&self) -> String {
        let a = self.offset.unsigned_abs();
        let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
        let mut out = String::new();
        if h > 0 {
            out += &format!("{h} h ");
        }
        if h > 0 || m > 0 {
            out += &format!("{m} min ");
        }
        out += &format!("{s} s");
        let way = if self.offset > 0 {
            "ahead of"
        } else {
            "behind"
        };
        format!("{out} {way}")
    }
}

/// Marks every requester incident [`offsets`] finds with its offset and a note; the
/// absence of its other side is then not judged (the other side is there, elsewhere in time).
pub fn mark(
    incidents: &mut [Incident],
    taxonomy: &Taxonomy,
    rules: &HostRules<'_>,
    tolerance: i64,
) {
    for o in offsets(incidents, taxonomy, rules, tolerance) {
        let Some(responder) = incidents
            .iter()
            .find(|i| i.id == o.responder)
            .map(|i| i.key.server.clone())
        else {
            continue;
        };
        let Some(inc) = incidents.iter_mut().find(|i| i.id == o.requester) else {
            continue;
        };
        inc.notes.push(format!(
            "its requests meet {responder}'s failures (incident {}) with {responder}'s clock {} this server's, in {} of {} minutes: more than the {} s the token check allows",
            o.responder,
            o.describe(),
            o.agreeing,
            o.voters,
            tolerance
        ));
        inc.clock_offset = Some(o);
    }
}

/// Every clock-sensitive requester incident whose failures meet a responder incident on a
/// server that serves its hosts at one offset beyond `tolerance`, and more often there than
/// as read (offset 0). Whole hours are left to the time-zone hints when the requester's
/// times are not known to be UTC (a zone, not a clock).
pub fn offsets(
    incidents: &[Incident],
    taxonomy: &Taxonomy,
    rules: &HostRules<'_>,
    tolerance: i64,
) -> Vec<ClockOffset> {
    let responders: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.key.side == Side::Responder)
        .collect();
    let mut out = Vec::new();
    let requesters = incidents
        .iter()
        .filter(|i| i.key.side == Side::Requester && taxonomy.get(i.key.category).clock_sensitive);
    for req in requesters {
        let best = responders
            .iter()
            .filter(|p| {
                req.targets
                    .iter()
                    .any(|h| rules.basis(h, &p.key.server).is_some())
            })
            .filter_map(|p| offset_between(req, p, tolerance))
            .max_by_key(|o| (o.agreeing, std::cmp::Reverse(o.offset.abs()), o.responder));
        out.extend(best);
    }
    out
}

/// The offset most of `req`'s minutes meet `resp` at, when it is beyond `tolerance` and
/// beats offset 0.
fn offset_between(req: &Incident, resp: &Incident, tolerance: i64) -> Option<ClockOffset> {
    let theirs: Vec<UnixTime> = resp.minutes.iter().map(|m| m.0).collect();
    // Per voter: bucket of MEET seconds → the first offset in it.
    let per_voter: Vec<BTreeMap<i64, i64>> = req
        .minutes
        .iter()
        .take(VOTERS)
        .map(|&(t, _)| {
            let lo = theirs.partition_point(|&p| p < t - MAX_OFFSET);
            let hi = theirs.partition_point(|&p| p <= t + MAX_OFFSET);
            let mut mine = BTreeMap::new();
            for &p in &theirs[lo..hi] {
                mine.entry((p - t).div_euclid(MEET)).or_insert(p - t);
            }
            mine
        })
        .collect();
    let mut votes: BTreeMap<i64, usize> = BTreeMap::new();
    for mine in &per_voter {
        for &bucket in mine.keys() {
            *votes.entry(bucket).or_default() += 1;
        }
    }
    // A constant offset falls into one bucket or straddles two neighbours: the candidate is
    // the pair of buckets with the most votes (nearer zero on a tie), then counted exactly.
    let count = |b: i64| votes.get(&b).copied().unwrap_or_default();
    let (bucket, _) = votes
        .keys()
        .map(|&b| (b, count(b) + count(b + 1)))
        .max_by_key(|&(b, n)| (n, std::cmp::Reverse(b.abs())))?;
    let meeting = |b: i64| -> Vec<i64> {
        per_voter
            .iter()
            .filter_map(|m| m.get(&b).or_else(|| m.get(&(b + 1))).copied())
            .collect()
    };
    let agreeing = meeting(bucket);
    let at_zero = meeting(-1).len();
    let offset = agreeing.iter().sum::<i64>() / agreeing.len().max(1) as i64;
    let a = offset.abs();
    let whole_hours = a >= 3600 - 2 * MEET
        && (a % 3600 <= 2 * MEET || a % 3600 >= 3600 - 2 * MEET)
        && !req.uncertain.is_empty();
    let found =
        a > tolerance && agreeing.len() >= MIN_AGREEING && agreeing.len() > at_zero && !whole_hours;
    found.then_some(ClockOffset {
        requester: req.id,
        responder: resp.id,
        offset,
        agreeing: agreeing.len(),
        voters: per_voter.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(offset: i64) -> String {
        ClockOffset {
            requester: 1,
            responder: 2,
            offset,
            agreeing: 3,
            voters: 3,
        }
        .describe()
    }

    #[test]
    fn offsets_read_as_a_person_says_them() {
        assert_eq!(describe(432), "7 min 12 s ahead of");
        assert_eq!(describe(-65), "1 min 5 s behind");
        assert_eq!(describe(3600 + 5), "1 h 0 min 5 s ahead of");
    }
}
