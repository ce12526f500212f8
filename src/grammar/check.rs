//! `fbscope grammars check`: runs every rule's examples and counter-examples through the real
//! parser and classifier (web rules as W3C lines, event rules as events of their provider), so
//! an example passes only if the whole precedence picks the rule's category.

use std::sync::Arc;

use crate::classify::{Classifier, EventClassifier, Verdict};
use crate::parse::w3c::header::HeaderState;
use crate::parse::w3c::layout::FieldLayout;
use crate::parse::w3c::record::W3cRecord;
use crate::parse::w3c::split::split;
use crate::record::EventRecord;

use super::{EventRule, Grammar, IisRule};

/// The outcome of one example.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub rule: String,
    pub origin: String,
    pub input: String,
    pub passed: bool,
    pub message: String,
}

/// Runs all examples of all rules.
pub fn run(grammar: &Grammar) -> Vec<CaseResult> {
    let classifier = Classifier::new(grammar);
    let mut results = Vec::new();
    for rule in &grammar.iis_rules {
        for ex in &rule.examples {
            results.push(check_iis(&classifier, rule, ex, true));
        }
        for ex in &rule.counter_examples {
            results.push(check_iis(&classifier, rule, ex, false));
        }
    }
    let events = EventClassifier::new(grammar);
    for rule in &grammar.event_rules {
        for ex in &rule.examples {
            results.push(check_event(&events, rule, ex, true));
        }
        for ex in &rule.counter_examples {
            results.push(check_event(&events, rule, ex, false));
        }
    }
    for ex in &grammar.sources.fact_examples {
        results.push(check_facts(grammar, ex));
    }
    results
}

/// A `[[fact_example]]` of sources.toml: every fact it names must be read as given.
fn check_facts(grammar: &Grammar, ex: &super::sources::FactExample) -> CaseResult {
    let facts = crate::classify::event::read_facts(&grammar.sources.facts, &ex.text);
    let got = |name: &str| match name {
        "request_type" => facts.request_type.clone(),
        "caller_auth" => facts.caller_auth.clone(),
        "target_url" => facts.target_url.clone(),
        "mailbox" => facts.mailbox.clone(),
        "origin_server" => facts.origin_server.clone(),
        "http_status" => facts.http_status.map(|s| s.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    let wrong: Vec<String> = ex
        .expect
        .iter()
        .filter(|(name, want)| got(name) != *want)
        .map(|(name, want)| format!("{name}: expected {want:?}, got {:?}", got(name)))
        .collect();
    CaseResult {
        rule: "fact_example".into(),
        origin: ex.origin.clone(),
        input: ex.text.clone(),
        passed: wrong.is_empty(),
        message: if wrong.is_empty() {
            "facts read as expected".into()
        } else {
            wrong.join("; ")
        },
    }
}

/// The event an event rule's example stands for: an Error of the rule's first provider and
/// first event id.
pub fn example_event(rule: &EventRule, message: &str) -> EventRecord {
    let (provider, event_id) = rule.example_facts();
    EventRecord {
        position: 1,
        provider,
        event_id,
        level: "Error".into(),
        message: message.to_owned(),
        ..EventRecord::default()
    }
}

fn check_event(
    classifier: &EventClassifier<'_>,
    rule: &EventRule,
    message: &str,
    expect_match: bool,
) -> CaseResult {
    let taxonomy = &classifier.grammar().taxonomy;
    let want = &taxonomy.get(rule.category).id;
    let got = classifier
        .classify(&example_event(rule, message))
        .map_or_else(
            || "(not a free/busy failure)".to_owned(),
            |v| taxonomy.get(v.category).id.clone(),
        );
    let passed = (got == *want) == expect_match;
    let message_text = if expect_match {
        format!("expected {want}, got {got}")
    } else {
        format!("must not be {want}, got {got}")
    };
    CaseResult {
        rule: rule.id.clone(),
        origin: rule.origin.clone(),
        input: message.to_owned(),
        passed,
        message: message_text,
    }
}

/// Classifies one example line under the rule's example `#Fields`.
fn classify_line(
    classifier: &Classifier<'_>,
    rule: &IisRule,
    line: &str,
) -> Result<Verdict, String> {
    let layout = Arc::new(FieldLayout::parse(&rule.example_fields));
    let mut header = HeaderState::initial(layout.clone());
    header.assumed = false;
    let mut spans = Vec::new();
    split(line.as_bytes(), layout.len(), &mut spans).map_err(|found| {
        format!(
            "{found} values where the example #Fields declares {}",
            layout.len()
        )
    })?;
    let rec = W3cRecord {
        line: line.as_bytes(),
        spans: &spans,
        header: &header,
    };
    let httperr = rule.kinds.httperr && !rule.kinds.iis;
    Ok(classifier.classify_w3c(&rec, httperr))
}

fn check_iis(
    classifier: &Classifier<'_>,
    rule: &IisRule,
    line: &str,
    expect_match: bool,
) -> CaseResult {
    let taxonomy = &classifier.grammar().taxonomy;
    let want = &taxonomy.get(rule.category).id;
    let (passed, message) = match classify_line(classifier, rule, line) {
        Err(e) => (false, e),
        Ok(verdict) => {
            let got = match verdict {
                Verdict::Failed { category, .. } => taxonomy.get(category).id.clone(),
                Verdict::Succeeded => "(free/busy, not failing)".into(),
                Verdict::NotFreeBusy => "(not free/busy)".into(),
            };
            let ok = (got == *want) == expect_match;
            let msg = if expect_match {
                format!("expected {want}, got {got}")
            } else {
                format!("must not be {want}, got {got}")
            };
            (ok, msg)
        }
    };
    CaseResult {
        rule: rule.id.clone(),
        origin: rule.origin.clone(),
        input: line.to_owned(),
        passed,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_example_passes() {
        let grammar = Grammar::embedded().expect("shipped grammars load");
        let results = run(&grammar);
        assert!(results.len() >= 18, "only {} examples", results.len());
        let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
    }

    /// grammars/README.md §4: every taxonomy id with an event signature has a rule with an example.
    #[test]
    fn every_event_category_has_a_rule_with_examples() {
        let grammar = Grammar::embedded().expect("shipped grammars load");
        let with_event_signature = [
            "oauth-auth",
            "sts-delegation-token",
            "federation-cert",
            "token-processing",
            "security-verification",
            "tls-trust",
            "tls-handshake",
            "dns-resolution",
            "connect-failure",
            "connection-reset",
            "timeout",
            "ews-forbidden",
            "service-unavailable",
            "perimeter-interference",
            "wssecurity-4xx",
            "autodiscover-failed",
            "orgrel-config",
            "clock-skew",
        ];
        for id in with_event_signature {
            let cat = grammar.taxonomy.find(id).expect(id);
            assert!(
                grammar
                    .event_rules
                    .iter()
                    .any(|r| r.category == cat && !r.examples.is_empty()),
                "no event rule with examples for {id}"
            );
        }
    }
}
