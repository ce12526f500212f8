//! What counts as free/busy traffic in a web log (domain.md §3).
//!
//! The WSSecurity stems are free/busy whoever calls them; `/EWS/Exchange.asmx` and the
//! autodiscover endpoints only when the caller is an availability agent, because Outlook,
//! Teams and Outlook for Mac call them all day (their 401s are normal authentication).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// The class of a request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StemClass {
    EwsWsSecurity = 0,
    AutodiscoverWsSecurity = 1,
    Ews = 2,
    AutodiscoverSvc = 3,
    AutodiscoverXml = 4,
}

const STEMS: [(&[u8], StemClass); 5] = [
    (b"/ews/exchange.asmx/wssecurity", StemClass::EwsWsSecurity),
    (
        b"/autodiscover/autodiscover.svc/wssecurity",
        StemClass::AutodiscoverWsSecurity,
    ),
    (b"/ews/exchange.asmx", StemClass::Ews),
    (
        b"/autodiscover/autodiscover.svc",
        StemClass::AutodiscoverSvc,
    ),
    (
        b"/autodiscover/autodiscover.xml",
        StemClass::AutodiscoverXml,
    ),
];

/// User-agent prefixes of the availability service and its test cmdlet.
const AGENTS: [&[u8]; 3] = [
    b"asproxy/",
    b"asautodiscover/",
    b"testorganizationrelationship/",
];

impl StemClass {
    /// Classifies a path exactly (case-insensitive, a trailing `/` ignored).
    pub fn of_path(path: &[u8]) -> Option<Self> {
        let path = path.strip_suffix(b"/").unwrap_or(path);
        STEMS
            .iter()
            .find(|(stem, _)| path.eq_ignore_ascii_case(stem))
            .map(|&(_, class)| class)
    }

    pub fn is_wssecurity(self) -> bool {
        matches!(
            self,
            StemClass::EwsWsSecurity | StemClass::AutodiscoverWsSecurity
        )
    }

    pub fn is_autodiscover(self) -> bool {
        !matches!(self, StemClass::EwsWsSecurity | StemClass::Ews)
    }
}

/// Is this request free/busy traffic?
pub fn is_freebusy(stem: StemClass, user_agent: Option<&[u8]>) -> bool {
    stem.is_wssecurity() || user_agent.is_some_and(is_availability_agent)
}

pub fn is_availability_agent(ua: &[u8]) -> bool {
    AGENTS
        .iter()
        .any(|a| ua.len() >= a.len() && ua[..a.len()].eq_ignore_ascii_case(a))
}

/// A set of stem classes (rule condition).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StemSet(u8);

impl StemSet {
    pub fn contains(self, class: StemClass) -> bool {
        self.0 & (1 << class as u8) != 0
    }

    /// Parses rule names; an empty list means any stem. Returns the unknown name on error.
    pub fn parse(names: &[String]) -> Result<Self, String> {
        if names.is_empty() {
            return Ok(StemSet(0b11111));
        }
        let mut bits = 0u8;
        for name in names {
            bits |= match name.as_str() {
                "ews-wssecurity" => 1 << StemClass::EwsWsSecurity as u8,
                "autodiscover-wssecurity" => 1 << StemClass::AutodiscoverWsSecurity as u8,
                "ews" => 1 << StemClass::Ews as u8,
                "autodiscover-svc" => 1 << StemClass::AutodiscoverSvc as u8,
                "autodiscover-xml" => 1 << StemClass::AutodiscoverXml as u8,
                "wssecurity" => 0b00011,
                "autodiscover" => 0b11010,
                "any" => 0b11111,
                other => return Err(other.to_owned()),
            };
        }
        Ok(StemSet(bits))
    }
}

/// Short literals, one of which every free/busy line contains (case-insensitively): a
/// WSSecurity stem ends in `/WSSecurity` ("wsse"); the other stems count only with an agent
/// whose name holds "asau" (ASAutoDiscover/), "oxy/" (ASProxy/) or "ship/"
/// (TestOrganizationRelationship/). They are rare in ordinary Exchange traffic, unlike the
/// stems themselves (Outlook calls /EWS/Exchange.asmx all day), so few lines are split.
const CANDIDATE_LITERALS: [&str; 4] = ["wsse", "asau", "oxy/", "ship/"];

/// Finds lines that may be free/busy requests with one multi-literal scan over a whole chunk;
/// every other line is only counted. A candidate is confirmed by [`StemClass::of_path`] and
/// [`is_freebusy`] on its fields.
///
/// The literals are expanded into all their upper/lower-case spellings (56 patterns) and
/// searched case-sensitively: that lets aho-corasick use its SIMD "Teddy" searcher, several
/// times faster here than a case-insensitive automaton whose only prefilter is a common byte.
#[derive(Debug, Clone)]
pub struct CandidateFinder {
    automaton: AhoCorasick,
}

/// Every ASCII case spelling of `lit`.
fn case_variants(lit: &str) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for b in lit.bytes() {
        let spellings: Vec<u8> = if b.is_ascii_alphabetic() {
            vec![b.to_ascii_lowercase(), b.to_ascii_uppercase()]
        } else {
            vec![b]
        };
        out = out
            .into_iter()
            .flat_map(|prefix| {
                spellings.iter().map(move |&c| {
                    let mut v = prefix.clone();
                    v.push(c);
                    v
                })
            })
            .collect();
    }
    out
}

impl CandidateFinder {
    pub fn new() -> Self {
        let patterns: Vec<Vec<u8>> = CANDIDATE_LITERALS
            .iter()
            .flat_map(|l| case_variants(l))
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(patterns)
            .expect("a few short literals always build");
        CandidateFinder { automaton }
    }

    /// Offsets of candidate matches in `haystack`, in order.
    pub fn find_iter<'h>(&'h self, haystack: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
        self.automaton.find_iter(haystack).map(|m| m.start())
    }
}

impl Default for CandidateFinder {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths_case_insensitively() {
        assert_eq!(
            StemClass::of_path(b"/EWS/Exchange.asmx/WSSecurity"),
            Some(StemClass::EwsWsSecurity)
        );
        assert_eq!(
            StemClass::of_path(b"/ews/exchange.asmx/"),
            Some(StemClass::Ews)
        );
        assert_eq!(
            StemClass::of_path(b"/Autodiscover/Autodiscover.xml"),
            Some(StemClass::AutodiscoverXml)
        );
        assert_eq!(StemClass::of_path(b"/owa/"), None);
        assert_eq!(StemClass::of_path(b"/ews/exchange.asmx/wssecurityx"), None);
    }

    #[test]
    fn only_agents_make_plain_endpoints_freebusy() {
        assert!(is_freebusy(StemClass::EwsWsSecurity, None));
        assert!(is_freebusy(
            StemClass::Ews,
            Some(b"ASProxy/CrossSite/Directory/EXCH/15.02")
        ));
        assert!(is_freebusy(
            StemClass::AutodiscoverSvc,
            Some(b"asautodiscover/CrossForest")
        ));
        assert!(is_freebusy(
            StemClass::AutodiscoverXml,
            Some(b"TestOrganizationRelationship/1.1")
        ));
        assert!(!is_freebusy(
            StemClass::AutodiscoverSvc,
            Some(b"MacOutlook/16.80")
        ));
        assert!(!is_freebusy(StemClass::Ews, None));
    }

    #[test]
    fn stem_sets() {
        let s = StemSet::parse(&["wssecurity".into()]).unwrap();
        assert!(s.contains(StemClass::AutodiscoverWsSecurity));
        assert!(!s.contains(StemClass::Ews));
        assert!(StemSet::parse(&["nope".into()]).is_err());
    }

    #[test]
    fn finds_candidates_in_any_case() {
        let f = CandidateFinder::new();
        let hay = b"x /owa/ y\nPOST /EWS/Exchange.ASMX/WSSecurity\n/AutoDiscover/autodiscover.xml Outlook\n\
            /ews/exchange.asmx ASPROXY/CrossSite\n/autodiscover/autodiscover.svc AsAutoDiscover/x\n\
            /autodiscover/autodiscover.xml TestOrganizationRelationship/1.1";
        assert_eq!(f.find_iter(hay).count(), 4);
        assert_eq!(case_variants("oxy/").len(), 8);
    }
}
