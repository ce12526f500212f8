//! What counts as free/busy traffic in a web log (grammars/README.md §3): the classes of request
//! paths, and the scan that finds candidate lines.
//!
//! The WSSecurity stems are free/busy whoever calls them; `/EWS/Exchange.asmx` and the
//! autodiscover endpoints only when the caller is an availability agent, because Outlook,
//! Teams and Outlook for Mac call them all day (their 401s are normal authentication). The
//! paths, the agents and the scan's literals are data: `[[stem]]` / `[[agent]]` in
//! grammars/iis.toml, compiled by [`crate::grammar::traffic`].

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

/// The classes by the names rule files and reports use, in discriminant order.
const NAMES: [(&str, StemClass); 5] = [
    ("ews-wssecurity", StemClass::EwsWsSecurity),
    ("autodiscover-wssecurity", StemClass::AutodiscoverWsSecurity),
    ("ews", StemClass::Ews),
    ("autodiscover-svc", StemClass::AutodiscoverSvc),
    ("autodiscover-xml", StemClass::AutodiscoverXml),
];

impl StemClass {
    /// The class a `[[stem]]` names.
    pub fn parse(name: &str) -> Option<Self> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }

    /// The name rule files and reports use.
    pub fn name(self) -> &'static str {
        NAMES[self as usize].0
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

/// Finds lines that may be free/busy requests with one multi-literal scan over a whole chunk;
/// every other line is only counted. A candidate is confirmed by [`StemClass::of_path`] and
/// [`is_freebusy`] on its fields.
///
/// The literals are expanded into all their upper/lower-case spellings (24 patterns for the shipped rules) and
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
    /// The finder for the shipped grammars (benchmarks, fuzzing, tests); the grammar is
    /// compiled once per process.
    pub fn new() -> Self {
        static SHIPPED: std::sync::OnceLock<crate::grammar::traffic::Traffic> =
            std::sync::OnceLock::new();
        let traffic = SHIPPED.get_or_init(|| {
            crate::grammar::Grammar::embedded()
                .expect("shipped grammars load")
                .traffic
        });
        Self::for_traffic(traffic)
    }

    /// The finder for a grammar's traffic definition: its derived literals, every case
    /// spelling of each.
    pub fn for_traffic(traffic: &crate::grammar::traffic::Traffic) -> Self {
        let patterns: Vec<Vec<u8>> = traffic
            .candidate_literals
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

    fn traffic() -> crate::grammar::traffic::Traffic {
        crate::grammar::Grammar::embedded()
            .expect("shipped grammars load")
            .traffic
    }

    #[test]
    fn classifies_paths_case_insensitively() {
        let t = traffic();
        assert_eq!(
            t.stem_of(b"/EWS/Exchange.asmx/WSSecurity"),
            Some(StemClass::EwsWsSecurity)
        );
        assert_eq!(t.stem_of(b"/ews/exchange.asmx/"), Some(StemClass::Ews));
        assert_eq!(
            t.stem_of(b"/Autodiscover/Autodiscover.xml"),
            Some(StemClass::AutodiscoverXml)
        );
        assert_eq!(t.stem_of(b"/owa/"), None);
        assert_eq!(t.stem_of(b"/ews/exchange.asmx/wssecurityx"), None);
    }

    #[test]
    fn only_agents_make_plain_endpoints_freebusy() {
        let t = traffic();
        assert!(t.is_freebusy(StemClass::EwsWsSecurity, None));
        assert!(t.is_freebusy(
            StemClass::Ews,
            Some(b"ASProxy/CrossSite/Directory/EXCH/15.02")
        ));
        assert!(t.is_freebusy(
            StemClass::AutodiscoverSvc,
            Some(b"asautodiscover/CrossForest")
        ));
        assert!(t.is_freebusy(
            StemClass::AutodiscoverXml,
            Some(b"TestOrganizationRelationship/1.1")
        ));
        assert!(!t.is_freebusy(StemClass::AutodiscoverSvc, Some(b"MacOutlook/16.80")));
        assert!(!t.is_freebusy(StemClass::Ews, None));
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
