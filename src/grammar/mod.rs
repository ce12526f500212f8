//! Rules as data: the taxonomy and the rule files of `grammars/`, loaded, validated and
//! compiled once at start.
//!
//! The shipped files are embedded in the binary; `--grammars DIR` adds files, and a file with
//! the name of a shipped one replaces it. Every problem is reported with file:line, all at once.
//! `iis.toml` holds web-log rules (`[[rule]]`), `events.toml` event-log rules
//! (`[[event_rule]]`); any file may hold either. `exchange.toml` describes Exchange's own CSV
//! logs (the HttpProxy default `#Fields`).

pub mod cases;
pub mod check;
mod event_rule;
mod iis_rule;
mod load;
pub mod pattern;
pub mod sources;
mod taxonomy;
pub mod traffic;

pub use event_rule::{EventFacts, EventRule, EventSignatures, LiteralHit, Tier};
pub use iis_rule::{IisRule, LogKinds, RequestFacts, StatusPattern};
pub use load::GrammarSource;
pub use sources::{EventSources, Provider, Role};
pub use taxonomy::{Category, CategoryId, OtherSide, Taxonomy, UNCLASSIFIED};

use std::path::Path;

use crate::error::GrammarError;

/// The shipped grammar files, embedded at build time.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "taxonomy.toml",
        include_str!("../../grammars/taxonomy.toml"),
    ),
    ("iis.toml", include_str!("../../grammars/iis.toml")),
    ("events.toml", include_str!("../../grammars/events.toml")),
    ("sources.toml", include_str!("../../grammars/sources.toml")),
    (
        "exchange.toml",
        include_str!("../../grammars/exchange.toml"),
    ),
];

/// Everything the classifier needs, compiled.
#[derive(Debug, Clone)]
pub struct Grammar {
    pub taxonomy: Taxonomy,
    pub iis_rules: Vec<IisRule>,
    pub event_rules: Vec<EventRule>,
    /// The literals of all event rules, in one automaton.
    pub event_signatures: EventSignatures,
    /// Event providers, failure ids and levels, message shapes, fact patterns.
    pub sources: EventSources,
    /// Free/busy stems, availability agents and the scan literals derived from them.
    pub traffic: traffic::Traffic,
}

impl Grammar {
    /// The shipped grammars.
    pub fn embedded() -> Result<Self, Vec<GrammarError>> {
        Self::from_sources(&GrammarSource::embedded())
    }

    /// The shipped grammars with the files of `dir` added or replacing them.
    pub fn with_dir(dir: Option<&Path>) -> Result<Self, Vec<GrammarError>> {
        let mut sources = GrammarSource::embedded();
        if let Some(dir) = dir {
            let extra = GrammarSource::read_dir(dir).map_err(|e| vec![e])?;
            GrammarSource::overlay(&mut sources, extra);
            // A user's rules are compiled whole now, so that one that parses but does not
            // compile is an error at load, not a rule that silently never matches.
            let grammar = Self::from_sources(&sources)?;
            grammar.compile_patterns()?;
            return Ok(grammar);
        }
        Self::from_sources(&sources)
    }

    /// Every rule regex, compiled now (they are otherwise compiled on first use; see
    /// [`pattern`]).
    pub fn patterns(&self) -> impl Iterator<Item = &pattern::Pattern> {
        let rules = self
            .event_rules
            .iter()
            .flat_map(|r| r.regexes.iter().chain(&r.context).chain(&r.unless));
        let f = &self.sources.facts;
        let facts = [
            &f.request_type,
            &f.caller_auth,
            &f.target_url,
            &f.mailbox,
            &f.origin_server,
            &f.http_status,
            &f.stack_frame,
            &f.message_start,
        ];
        rules.chain(facts.into_iter().flatten())
    }

    /// Compiles every rule regex now, returning those that do not compile.
    pub fn compile_patterns(&self) -> Result<(), Vec<GrammarError>> {
        let errors: Vec<GrammarError> = self.patterns().filter_map(|p| p.check().err()).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    pub fn from_sources(sources: &[GrammarSource]) -> Result<Self, Vec<GrammarError>> {
        load::compile(sources)
    }

    pub fn category(&self, id: CategoryId) -> &Category {
        self.taxonomy.get(id)
    }
}
