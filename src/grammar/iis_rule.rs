//! Compiled IIS / HTTPERR rules: conditions on the fields of a free/busy request.

use crate::classify::freebusy::{StemClass, StemSet};
use crate::finding::Phase;

use super::taxonomy::CategoryId;

/// Which W3C log kinds a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogKinds {
    pub iis: bool,
    pub httperr: bool,
}

/// An `sc-status` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPattern {
    Exact(u16),
    /// `4xx`: the hundreds digit.
    Class(u16),
}

impl StatusPattern {
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() == 3 && b[1..].eq_ignore_ascii_case(b"xx") && (b'1'..=b'5').contains(&b[0]) {
            return Some(StatusPattern::Class(u16::from(b[0] - b'0')));
        }
        s.parse()
            .ok()
            .filter(|n| (100..600).contains(n))
            .map(StatusPattern::Exact)
    }

    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Exact(n) => status == n,
            StatusPattern::Class(h) => status / 100 == h,
        }
    }
}

/// The fields of a request that rules look at.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    pub httperr: bool,
    pub stem: StemClass,
    pub status: Option<u16>,
    pub win32: Option<u64>,
    pub reason: Option<&'a [u8]>,
}

/// A compiled IIS rule.
#[derive(Debug, Clone)]
pub struct IisRule {
    pub id: String,
    pub category: CategoryId,
    pub kinds: LogKinds,
    pub stems: StemSet,
    pub status: Vec<StatusPattern>,
    pub win32: Vec<u64>,
    /// Lower-cased `s-reason` prefixes.
    pub reasons: Vec<Vec<u8>>,
    pub phase: Option<Phase>,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
    /// `#Fields` of the examples.
    pub example_fields: String,
    /// Where the rule was defined, for `grammars check`.
    pub origin: String,
}

impl IisRule {
    pub fn matches(&self, req: &RequestFacts<'_>) -> bool {
        let kind_ok = if req.httperr {
            self.kinds.httperr
        } else {
            self.kinds.iis
        };
        kind_ok
            && self.stems.contains(req.stem)
            && (self.status.is_empty()
                || req
                    .status
                    .is_some_and(|s| self.status.iter().any(|p| p.matches(s))))
            && (self.win32.is_empty() || req.win32.is_some_and(|w| self.win32.contains(&w)))
            && (self.reasons.is_empty() || req.reason.is_some_and(|r| self.reason_matches(r)))
    }

    fn reason_matches(&self, reason: &[u8]) -> bool {
        self.reasons
            .iter()
            .any(|p| reason.len() >= p.len() && reason[..p.len()].eq_ignore_ascii_case(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_patterns() {
        assert_eq!(StatusPattern::parse("4xx"), Some(StatusPattern::Class(4)));
        assert_eq!(StatusPattern::parse("503"), Some(StatusPattern::Exact(503)));
        assert_eq!(StatusPattern::parse("7xx"), None);
        assert_eq!(StatusPattern::parse("abc"), None);
        assert!(StatusPattern::Class(4).matches(401));
        assert!(!StatusPattern::Class(4).matches(500));
    }
}
