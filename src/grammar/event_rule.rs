//! Compiled event rules: provider + event id + message signatures, and the one literal
//! automaton that finds candidate rules in a message.
//!
//! Every rule has at least one literal, so a single case-insensitive Aho-Corasick pass over a
//! message segment yields every rule that can match; a rule's regexes (if any) then run only
//! on those candidates, and only on that segment.

use super::pattern::Pattern;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::finding::Phase;

use super::taxonomy::CategoryId;

/// Where in a message a rule's signature counts (grammars/README.md §4: "classify on the innermost
/// exception first, then the HTTP status, then the wrapper").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// A specific exception text: evaluated segment by segment, innermost first.
    Exception,
    /// An HTTP status reported by the call (`HTTP status 401`, `(503) Server Unavailable`).
    HttpStatus,
    /// The generic wrapper exception (`AutoDiscoverFailedException`): the last resort.
    Wrapper,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Exception, Tier::HttpStatus, Tier::Wrapper];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Exception => "exception",
            Tier::HttpStatus => "http-status",
            Tier::Wrapper => "wrapper",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Tier::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A compiled `[[event_rule]]`.
#[derive(Debug, Clone)]
pub struct EventRule {
    pub id: String,
    pub category: CategoryId,
    /// Provider names (compared case-insensitively); never empty: a rule that names none
    /// reads every provider of `sources.toml`.
    pub providers: Vec<String>,
    /// Empty: any event id.
    pub event_ids: Vec<u32>,
    /// Lower-cased `Caller SIDs:` values; empty: any.
    pub caller_auth: Vec<String>,
    pub tier: Tier,
    /// As written (matched case-insensitively through [`EventSignatures`]).
    pub literals: Vec<String>,
    /// Case-insensitive; when present, one must also match the segment.
    pub regexes: Vec<Pattern>,
    /// Case-insensitive; when present, one must match somewhere in the whole message (what
    /// the failing call was, e.g. a Microsoft endpoint), not only in the segment.
    pub context: Vec<Pattern>,
    /// Case-insensitive; the rule does not apply when one matches the whole message (e.g. a
    /// 403 that is not about EWS).
    pub unless: Vec<Pattern>,
    /// Categories this rule's cause wins over wherever they match (a symptom nested inside
    /// the cause, such as a socket reset inside a TLS send): when the decision would be one
    /// of these and this rule matches anywhere in the message, this rule decides.
    pub overrides: Vec<CategoryId>,
    /// The next most likely cause of the same text, and what tells the two apart; `explain`
    /// prints them under the first id.
    pub runner_up: Option<CategoryId>,
    pub tells_apart: String,
    pub phase: Option<Phase>,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
    /// `file:line` of the rule, for `grammars check` and `explain`.
    pub origin: String,
}

/// The event an example stands for, and the facts the conditions look at.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts<'a> {
    pub provider: &'a str,
    pub event_id: Option<u32>,
    pub caller_auth: Option<&'a str>,
}

impl EventRule {
    /// Provider, event id and caller conditions (the signature is checked separately).
    pub fn applies_to(&self, facts: &EventFacts<'_>) -> bool {
        self.providers
            .iter()
            .any(|p| p.eq_ignore_ascii_case(facts.provider.trim()))
            && (self.event_ids.is_empty()
                || facts
                    .event_id
                    .is_some_and(|id| self.event_ids.contains(&id)))
            && (self.caller_auth.is_empty()
                || facts
                    .caller_auth
                    .is_some_and(|c| self.caller_auth.iter().any(|a| a.eq_ignore_ascii_case(c))))
    }

    /// The whole-message conditions: a `context` regex matches (if any are given) and no
    /// `unless` regex does.
    pub fn fits_message(&self, message: &str) -> bool {
        (self.context.is_empty() || self.context.iter().any(|re| re.is_match(message)))
            && !self.unless.iter().any(|re| re.is_match(message))
    }

    /// The event an example of this rule is checked as.
    pub fn example_facts(&self) -> (String, Option<u32>) {
        let provider = self.providers.first().cloned().unwrap_or_default();
        (provider, self.event_ids.first().copied())
    }
}

/// One literal hit in a text: which rule, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralHit {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
}

/// All literals of all event rules in one automaton.
#[derive(Debug, Clone)]
pub struct EventSignatures {
    automaton: AhoCorasick,
    /// Pattern index → rule index.
    owners: Vec<usize>,
}

impl EventSignatures {
    pub fn build(rules: &[EventRule]) -> Result<Self, String> {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            for lit in &rule.literals {
                patterns.push(lit.as_bytes());
                owners.push(i);
            }
        }
        // Standard semantics: overlapping search must report every literal of every rule,
        // including a literal that is a substring of another rule's literal.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| format!("cannot build the event literal automaton: {e}"))?;
        Ok(EventSignatures { automaton, owners })
    }

    /// Every literal occurrence in `text`, in order of end position.
    pub fn hits<'t>(&'t self, text: &'t str) -> impl Iterator<Item = LiteralHit> + 't {
        self.automaton
            .find_overlapping_iter(text)
            .map(|m| LiteralHit {
                rule: self.owners[m.pattern().as_usize()],
                start: m.start(),
                end: m.end(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, literals: &[&str]) -> EventRule {
        EventRule {
            id: id.into(),
            category: CategoryId(0),
            providers: vec!["msexchange availability".into()],
            event_ids: vec![4002],
            caller_auth: vec!["wssecurity".into()],
            tier: Tier::Exception,
            literals: literals.iter().map(|s| (*s).to_owned()).collect(),
            regexes: Vec::new(),
            context: Vec::new(),
            unless: Vec::new(),
            overrides: Vec::new(),
            runner_up: None,
            tells_apart: String::new(),
            phase: None,
            examples: Vec::new(),
            counter_examples: Vec::new(),
            origin: String::new(),
        }
    }

    #[test]
    fn overlapping_literals_of_different_rules_are_all_found() {
        let rules = [rule("a", &["HTTP status 401"]), rule("b", &["status 40"])];
        let sigs = EventSignatures::build(&rules).unwrap();
        let hits: Vec<usize> = sigs
            .hits("failed with http STATUS 401: x")
            .map(|h| h.rule)
            .collect();
        assert_eq!(hits, [1, 0]);
    }

    #[test]
    fn conditions_compare_case_insensitively() {
        let r = rule("a", &["x"]);
        let facts = EventFacts {
            provider: "msexchange AVAILABILITY",
            event_id: Some(4002),
            caller_auth: Some("WSSecurity"),
        };
        assert!(r.applies_to(&facts));
        assert!(!r.applies_to(&EventFacts {
            event_id: Some(4001),
            ..facts
        }));
        assert!(!r.applies_to(&EventFacts {
            caller_auth: None,
            ..facts
        }));
        assert_eq!(Tier::parse("http-status"), Some(Tier::HttpStatus));
        assert_eq!(Tier::parse("status"), None);
    }
}
