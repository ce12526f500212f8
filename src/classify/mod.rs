//! Classification: which records are free/busy traffic, and which failures they show.
//!
//! Web-log and event rules come from `grammars/` (see [`crate::grammar`]); this module decides
//! what a failing free/busy request or event is and applies the rules with the taxonomy's
//! precedence: [`Classifier`] for web-log lines, [`event::EventClassifier`] for events.

pub mod event;
pub mod freebusy;
pub mod proxy;
pub mod web;

pub use event::{EventClassifier, EventVerdict};

use crate::finding::Phase;
use crate::grammar::{CategoryId, Grammar, IisRule, RequestFacts};
use crate::parse::exchange::{ProxyField, ProxyRow};
use crate::parse::w3c::layout::Field;
use crate::parse::w3c::record::W3cRecord;

/// What a web-log record is, as far as free/busy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    NotFreeBusy,
    Succeeded,
    Failed {
        category: CategoryId,
        phase: Phase,
        rule: Option<usize>,
    },
}

/// Classifies web-log records with the compiled grammar.
#[derive(Debug)]
pub struct Classifier<'g> {
    grammar: &'g Grammar,
}

impl<'g> Classifier<'g> {
    pub fn new(grammar: &'g Grammar) -> Self {
        Classifier { grammar }
    }

    pub fn grammar(&self) -> &'g Grammar {
        self.grammar
    }

    /// Classifies one W3C record (`httperr`: the line comes from an HTTPERR log).
    pub fn classify_w3c(&self, rec: &W3cRecord<'_>, httperr: bool) -> Verdict {
        let traffic = &self.grammar.traffic;
        let Some(stem) = rec.path().and_then(|p| traffic.stem_of(p)) else {
            return Verdict::NotFreeBusy;
        };
        if !traffic.is_freebusy(stem, rec.get(Field::UserAgent)) {
            return Verdict::NotFreeBusy;
        }
        let facts = RequestFacts {
            httperr,
            stem,
            status: rec.status(),
            win32: rec.win32_status(),
            reason: rec.get(Field::Reason),
        };
        if !is_failure(&facts, &traffic.connection_lost_win32) {
            return Verdict::Succeeded;
        }
        self.failed(&facts)
    }

    /// Classifies one HttpProxy row: free/busy when its `Protocol` is one of
    /// `[httpproxy] freebusy_protocols` and its `UrlStem` and `UserAgent` pass the same test
    /// as an IIS line; failed when `HttpStatus` is 400 or more or an `ErrorCode` is logged.
    /// The IIS rules decide the category by status and stem (the row is the front end's
    /// record of the request its IIS log also holds).
    pub fn classify_proxy(&self, row: &ProxyRow<'_>) -> Verdict {
        let traffic = &self.grammar.traffic;
        let protocol = row.get(ProxyField::Protocol).unwrap_or_default();
        if !traffic.httpproxy.is_freebusy_protocol(protocol) {
            return Verdict::NotFreeBusy;
        }
        let Some(stem) = row
            .get(ProxyField::UrlStem)
            .and_then(|p| traffic.stem_of(p))
        else {
            return Verdict::NotFreeBusy;
        };
        if !traffic.is_freebusy(stem, row.get(ProxyField::UserAgent)) {
            return Verdict::NotFreeBusy;
        }
        let status = row.status();
        if status.is_none_or(|s| s < 400) && row.get(ProxyField::ErrorCode).is_none() {
            return Verdict::Succeeded;
        }
        let facts = RequestFacts {
            httperr: false,
            stem,
            status,
            win32: None,
            reason: None,
        };
        self.failed(&facts)
    }

    /// The verdict on a failing request.
    fn failed(&self, facts: &RequestFacts<'_>) -> Verdict {
        let rule = self.best_rule(facts);
        let category =
            rule.map_or_else(|| self.grammar.taxonomy.unclassified(), |(_, r)| r.category);
        let phase = rule
            .and_then(|(_, r)| r.phase)
            .unwrap_or(if facts.stem.is_autodiscover() {
                Phase::Autodiscover
            } else {
                Phase::Availability
            });
        Verdict::Failed {
            category,
            phase,
            rule: rule.map(|(i, _)| i),
        }
    }

    /// The matching rule whose category comes first in the taxonomy.
    fn best_rule(&self, facts: &RequestFacts<'_>) -> Option<(usize, &'g IisRule)> {
        self.grammar
            .iis_rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches(facts))
            .min_by_key(|(i, r)| (r.category, *i))
    }
}

/// A failing request: an error status, a lost connection, or any HTTPERR entry (HTTP.sys
/// logs only what it refused or dropped).
fn is_failure(facts: &RequestFacts<'_>, connection_lost: &[u64]) -> bool {
    facts.httperr
        || facts.status.is_some_and(|s| s >= 400)
        || facts.win32.is_some_and(|w| connection_lost.contains(&w))
}
