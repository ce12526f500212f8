//! Per-input accounting: every line or record lands in exactly one bucket, and partial tallies
//! from chunks merge associatively in input order.

use crate::time::{self, TimeKey};

/// How many rejected lines are kept verbatim per input for `rejected.txt`.
pub const REJECTED_KEPT_PER_INPUT: usize = 1000;

/// How much of a rejected line is kept (characters): enough to recognise it, bounded so that
/// a 50 MB garbage line cannot bloat the report.
pub const REJECTED_TEXT_CHARS: usize = 300;

/// Counts of one input (or one chunk of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub lines: u64,
    pub records: u64,
    pub directives: u64,
    pub blank: u64,
    pub rejected: u64,
    pub freebusy_requests: u64,
    pub findings: u64,
    /// Records accepted only by the tolerant split (blank runs or quoted values).
    pub tolerated: u64,
    /// Records read with the assumed default `#Fields` (no `#Fields` before them).
    pub assumed_layout: u64,
    /// Free/busy requests left out by `--since`/`--until`/`--server`.
    pub filtered: u64,
    /// Of `filtered`: requests without a readable time, left out of a `--since`/`--until`
    /// window because they cannot be placed in it.
    pub filtered_undated: u64,
    pub bytes: u64,
    pub first: Option<TimeKey>,
    pub last: Option<TimeKey>,
}

impl Tally {
    /// Adds a later part of the same input.
    pub fn merge(&mut self, other: &Tally) {
        self.lines += other.lines;
        self.records += other.records;
        self.directives += other.directives;
        self.blank += other.blank;
        self.rejected += other.rejected;
        self.freebusy_requests += other.freebusy_requests;
        self.findings += other.findings;
        self.tolerated += other.tolerated;
        self.assumed_layout += other.assumed_layout;
        self.filtered += other.filtered;
        self.filtered_undated += other.filtered_undated;
        self.bytes += other.bytes;
        self.first = min_opt(self.first, other.first);
        self.last = max_opt(self.last, other.last);
    }

    /// Notes the time of one record.
    #[inline]
    pub fn saw_time(&mut self, key: TimeKey) {
        // Compared as big-endian integers: the same order as the bytes, without a memcmp
        // call per line (this runs for every record).
        let k = packed(&key);
        let earlier = self.first.is_none_or(|f| k < packed(&f));
        let later = self.last.is_none_or(|l| k > packed(&l));
        // Only a key that would move a bound is checked to be a real time (rare after the
        // first lines): a line of the right shape but with "0000-00-00" or "12:99:99" must
        // not become the input's first or last time.
        if (earlier || later) && time::parse_key(&key).is_none() {
            return;
        }
        if earlier {
            self.first = Some(key);
        }
        if later {
            self.last = Some(key);
        }
    }

    /// True when every line is in exactly one bucket.
    pub fn is_balanced(&self) -> bool {
        self.lines == self.records + self.directives + self.blank + self.rejected
    }
}

/// A time key as a tuple of big-endian integers, ordered like its bytes.
#[inline]
fn packed(key: &TimeKey) -> (u64, u64, u32) {
    let word = |i: usize| u64::from_be_bytes(key[i..i + 8].try_into().unwrap_or_default());
    let tail = u32::from_be_bytes([key[16], key[17], key[18], 0]);
    (word(0), word(8), tail)
}

fn min_opt(a: Option<TimeKey>, b: Option<TimeKey>) -> Option<TimeKey> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<TimeKey>, b: Option<TimeKey>) -> Option<TimeKey> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// One rejected line, kept for `rejected.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based line (or record) number in the input.
    pub position: u64,
    pub reason: String,
    pub text: String,
}

impl Rejection {
    pub fn new(position: u64, reason: String, raw: &[u8]) -> Self {
        // At most 4 bytes per kept character (each invalid byte is one U+FFFD): converting
        // only that much keeps a rejected 50 MB line from being copied whole.
        let raw = &raw[..raw.len().min(4 * REJECTED_TEXT_CHARS)];
        let text: String = String::from_utf8_lossy(raw)
            .chars()
            .take(REJECTED_TEXT_CHARS)
            .collect();
        Rejection {
            position,
            reason,
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_are_not_real_times_never_become_bounds() {
        let key = |s: &str| -> TimeKey { s.as_bytes().try_into().unwrap() };
        let mut t = Tally::default();
        t.saw_time(key("0000-00-00 00:00:00"));
        assert_eq!(t.first, None);
        t.saw_time(key("2026-03-02 09:00:00"));
        t.saw_time(key("2026-03-02 29:99:99"));
        t.saw_time(key("2026-03-01 23:59:59"));
        assert_eq!(t.first, Some(key("2026-03-01 23:59:59")));
        assert_eq!(t.last, Some(key("2026-03-02 09:00:00")));
    }

    #[test]
    fn merge_adds_counts_and_widens_times() {
        let mut a = Tally {
            lines: 2,
            records: 2,
            ..Tally::default()
        };
        a.saw_time(*b"2026-03-02 10:00:00");
        let mut b = Tally {
            lines: 3,
            records: 1,
            blank: 1,
            rejected: 1,
            ..Tally::default()
        };
        b.saw_time(*b"2026-03-02 09:00:00");
        b.saw_time(*b"2026-03-02 11:00:00");
        a.merge(&b);
        assert_eq!(a.lines, 5);
        assert!(a.is_balanced());
        assert_eq!(a.first, Some(*b"2026-03-02 09:00:00"));
        assert_eq!(a.last, Some(*b"2026-03-02 11:00:00"));
    }
}
