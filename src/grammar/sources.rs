//! Event sources as data (`grammars/sources.toml`): which providers are free/busy sources,
//! which of their event ids and level words mean a failure, the event id a bare pasted
//! message is taken for, and the regexes that read facts (target URL, mailbox, request type,
//! caller, HTTP status) from messages. A support engineer adds a provider, an event id, a
//! localized level word or a fact pattern there, with an example, without touching Rust.

use std::ops::RangeInclusive;

use super::pattern::Pattern;
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Phase;
use crate::parse::eventlog::Vocabulary;

/// What a provider's events are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The Availability service: its failure ids are findings whatever their level.
    Availability,
    /// A Test-* cmdlet: its failing (and warning) steps are findings, in the provider's phase.
    Test,
}

/// A compiled `[[provider]]`.
#[derive(Debug, Clone)]
pub struct Provider {
    pub name: String,
    pub role: Role,
    pub phase: Option<Phase>,
    pub failure_ids: Vec<RangeInclusive<u32>>,
    pub responder_ids: Vec<u32>,
    pub autodiscover_ids: Vec<u32>,
}

impl Provider {
    pub fn is_failure_id(&self, id: u32) -> bool {
        self.failure_ids.iter().any(|r| r.contains(&id))
    }
}

/// The regexes that read facts from a message; the first capture group of the first
/// pattern that matches is the value.
#[derive(Debug, Clone, Default)]
pub struct FactPatterns {
    pub request_type: Vec<Pattern>,
    pub caller_auth: Vec<Pattern>,
    pub target_url: Vec<Pattern>,
    pub mailbox: Vec<Pattern>,
    pub origin_server: Vec<Pattern>,
    pub http_status: Vec<Pattern>,
    /// Where an exception's text ends: a stack frame or the end-of-inner-trace marker.
    pub stack_frame: Vec<Pattern>,
    /// Where a pasted message starts (a line it matches at its start): several messages
    /// pasted one after the other are explained one by one.
    pub message_start: Vec<Pattern>,
    /// Values of `request_type` that are words of the message shape, not request types.
    pub not_request_types: Vec<String>,
}

/// One `[[fact_example]]`: a message and the facts it must yield.
#[derive(Debug, Clone)]
pub struct FactExample {
    pub text: String,
    pub expect: Vec<(String, String)>,
    pub origin: String,
}

/// Everything `sources.toml` says, compiled.
#[derive(Debug, Clone, Default)]
pub struct EventSources {
    pub providers: Vec<Provider>,
    /// Level words (as exports write them, localized ones included) that mean a failure.
    pub failure_levels: Vec<String>,
    /// Level words of a Test-* step that still name a problem.
    pub warning_levels: Vec<String>,
    /// `(word, event id)`: a bare message holding the word is taken for that event.
    pub message_shapes: Vec<(String, u32)>,
    pub facts: FactPatterns,
    pub fact_examples: Vec<FactExample>,
    /// How nested exceptions are joined in a message (`--->`, and as copies render it).
    pub arrows: Vec<String>,
    /// What the event readers need: message templates and the Test-* cmdlets' step keys.
    pub vocabulary: Vocabulary,
}

impl EventSources {
    pub fn provider(&self, name: &str) -> Option<&Provider> {
        let name = name.trim();
        self.providers
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The provider a bare message is taken from: the first Availability provider.
    pub fn availability(&self) -> Option<&Provider> {
        self.providers.iter().find(|p| p.role == Role::Availability)
    }

    pub fn is_failure_level(&self, level: &str) -> bool {
        let level = level.trim();
        self.failure_levels
            .iter()
            .any(|l| level.eq_ignore_ascii_case(l))
    }

    pub fn is_warning_level(&self, level: &str) -> bool {
        let level = level.trim();
        self.warning_levels
            .iter()
            .any(|l| level.eq_ignore_ascii_case(l))
    }

    /// The event id a bare message is taken for, by the words only its messages hold.
    pub fn shape_of(&self, text: &str) -> Option<u32> {
        let lower = text.to_ascii_lowercase();
        self.message_shapes
            .iter()
            .find(|(word, _)| lower.contains(&word.to_ascii_lowercase()))
            .map(|&(_, id)| id)
    }
}

// ---- raw TOML -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProvider {
    pub name: Spanned<String>,
    pub role: String,
    pub phase: Option<String>,
    #[serde(default)]
    pub failure_ids: Vec<String>,
    #[serde(default)]
    pub responder_ids: Vec<u32>,
    #[serde(default)]
    pub autodiscover_ids: Vec<u32>,
    /// Test providers: `[level key, message key]` of a step in the cmdlet's output.
    pub step_keys: Option<[String; 2]>,
    /// Test providers: its verbose output writes `STEP n:` / `RESULT:` lines.
    #[serde(default)]
    pub result_lines: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    pub provider: Spanned<String>,
    pub event_id: u32,
    pub text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLevels {
    #[serde(default)]
    pub failure: Vec<String>,
    #[serde(default)]
    pub test_warning: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShape {
    pub words: Vec<String>,
    pub event_id: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFacts {
    #[serde(default)]
    pub request_type: Vec<Spanned<String>>,
    #[serde(default)]
    pub caller_auth: Vec<Spanned<String>>,
    #[serde(default)]
    pub target_url: Vec<Spanned<String>>,
    #[serde(default)]
    pub mailbox: Vec<Spanned<String>>,
    #[serde(default)]
    pub origin_server: Vec<Spanned<String>>,
    #[serde(default)]
    pub http_status: Vec<Spanned<String>>,
    #[serde(default)]
    pub stack_frame: Vec<Spanned<String>>,
    #[serde(default)]
    pub message_start: Vec<Spanned<String>>,
    #[serde(default)]
    pub not_request_types: Vec<String>,
    #[serde(default)]
    pub arrows: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFactExample {
    pub text: Spanned<String>,
    pub request_type: Option<String>,
    pub caller_auth: Option<String>,
    pub target_url: Option<String>,
    pub mailbox: Option<String>,
    pub origin_server: Option<String>,
    pub http_status: Option<String>,
}

/// `4001-4018` or `4010`.
pub(super) fn parse_id_range(s: &str) -> Option<RangeInclusive<u32>> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some(a..=b)
}

pub(super) fn parse_role(s: &str) -> Option<Role> {
    match s {
        "availability" => Some(Role::Availability),
        "test" => Some(Role::Test),
        _ => None,
    }
}

impl RawFactExample {
    /// The facts the example names, by field name.
    pub fn expected(&self) -> Vec<(String, String)> {
        [
            ("request_type", &self.request_type),
            ("caller_auth", &self.caller_auth),
            ("target_url", &self.target_url),
            ("mailbox", &self.mailbox),
            ("origin_server", &self.origin_server),
            ("http_status", &self.http_status),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ranges() {
        assert_eq!(parse_id_range("4001-4018"), Some(4001..=4018));
        assert_eq!(parse_id_range("4010"), Some(4010..=4010));
        assert_eq!(parse_id_range("4018-4001"), None);
        assert_eq!(parse_id_range("x"), None);
    }
}
