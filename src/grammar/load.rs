//! Reading grammar files: serde structs that reject unknown keys, then validation that
//! collects every error with its file and line.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::classify::freebusy::{StemClass, StemSet};
use crate::error::GrammarError;
use crate::finding::Phase;
use crate::parse::eventlog::vocabulary::{check_template, Cmdlet, MessageTemplate};
use crate::parse::w3c::layout::{EXCHANGE_DEFAULT_FIELDS, HTTPERR_DEFAULT_FIELDS};

use super::event_rule::{EventRule, EventSignatures, Tier};
use super::iis_rule::{IisRule, LogKinds, StatusPattern};
use super::pattern::Pattern;
use super::sources::{
    parse_id_range, parse_role, EventSources, FactExample, FactPatterns, Provider, RawFactExample,
    RawFacts, RawLevels, RawProvider, RawShape, RawTemplate, Role,
};
use super::taxonomy::{Category, OtherSide, Taxonomy, UNCLASSIFIED};
use super::traffic::{derive_literals, HttpProxyTraffic, Traffic};
use super::Grammar;

/// A grammar file's name and text.
#[derive(Debug, Clone)]
pub struct GrammarSource {
    pub name: String,
    pub text: String,
}

impl GrammarSource {
    pub fn embedded() -> Vec<Self> {
        super::EMBEDDED
            .iter()
            .map(|(name, text)| GrammarSource {
                name: (*name).to_owned(),
                text: (*text).to_owned(),
            })
            .collect()
    }

    /// The `*.toml` files of a directory, sorted by name.
    pub fn read_dir(dir: &Path) -> Result<Vec<Self>, GrammarError> {
        let io = |source| GrammarError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).map_err(|source| GrammarError::Io {
                    path: path.clone(),
                    source,
                })?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                Ok(GrammarSource {
                    name: name.unwrap_or_default(),
                    text,
                })
            })
            .collect()
    }

    /// Adds `extra` to `base`, a file of the same name replacing the shipped one.
    pub fn overlay(base: &mut Vec<Self>, extra: Vec<Self>) {
        for file in extra {
            match base.iter_mut().find(|b| b.name == file.name) {
                Some(slot) => *slot = file,
                None => base.push(file),
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    category: Vec<RawCategory>,
    #[serde(default)]
    rule: Vec<RawIisRule>,
    #[serde(default)]
    event_rule: Vec<RawEventRule>,
    #[serde(default)]
    provider: Vec<RawProvider>,
    levels: Option<RawLevels>,
    #[serde(default)]
    message_shape: Vec<RawShape>,
    facts: Option<RawFacts>,
    #[serde(default)]
    fact_example: Vec<RawFactExample>,
    #[serde(default)]
    template: Vec<RawTemplate>,
    #[serde(default)]
    stem: Vec<RawStem>,
    #[serde(default)]
    agent: Vec<RawAgent>,
    web_failure: Option<RawWebFailure>,
    httpproxy: Option<RawHttpProxy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpProxy {
    default_fields: String,
    freebusy_protocols: Vec<String>,
    iis_query_key: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebFailure {
    connection_lost_win32: Vec<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStem {
    class: Spanned<String>,
    path: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    prefix: Spanned<String>,
    example: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: Spanned<String>,
    title: String,
    severity: String,
    phase: String,
    other_side: String,
    remediation: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    clock_sensitive: bool,
    #[serde(default)]
    clock_tolerance_s: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIisRule {
    id: Spanned<String>,
    category: String,
    #[serde(default)]
    formats: Vec<String>,
    #[serde(default)]
    stems: Vec<String>,
    #[serde(default)]
    status: Vec<String>,
    #[serde(default)]
    win32: Vec<u64>,
    #[serde(default)]
    reasons: Vec<String>,
    phase: Option<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    counter_examples: Vec<String>,
    example_fields: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEventRule {
    id: Spanned<String>,
    category: String,
    #[serde(default)]
    providers: Vec<String>,
    #[serde(default)]
    event_ids: Vec<u32>,
    #[serde(default)]
    caller_auth: Vec<String>,
    tier: Option<String>,
    #[serde(default)]
    literals: Vec<Spanned<String>>,
    #[serde(default)]
    regexes: Vec<Spanned<String>>,
    #[serde(default)]
    context: Vec<Spanned<String>>,
    #[serde(default)]
    unless: Vec<Spanned<String>>,
    #[serde(default)]
    overrides: Vec<String>,
    runner_up: Option<String>,
    tells_apart: Option<String>,
    phase: Option<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    counter_examples: Vec<String>,
}

const SEVERITIES: [&str; 3] = ["critical", "error", "warning"];

/// Collects errors with file:line.
struct Errors<'a> {
    file: &'a GrammarSource,
    list: Vec<GrammarError>,
}

impl Errors<'_> {
    fn at(&mut self, offset: usize, message: String) {
        let line = self.line_of(offset);
        self.list.push(GrammarError::Invalid {
            file: self.file.name.clone(),
            line,
            message,
        });
    }

    fn line_of(&self, offset: usize) -> usize {
        self.file.text[..offset.min(self.file.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    /// `file:line` of a rule, as `grammars check` and failing examples name it.
    fn origin(&self, offset: usize) -> String {
        format!("{}:{}", self.file.name, self.line_of(offset))
    }

    /// The taxonomy id a rule names; an error if the taxonomy lacks it.
    fn category(
        &mut self,
        taxonomy: &Taxonomy,
        rule: &str,
        name: &str,
        at: usize,
    ) -> super::CategoryId {
        taxonomy.find(name).unwrap_or_else(|| {
            self.at(at, format!("{rule}: unknown category {name:?}"));
            super::CategoryId(0)
        })
    }

    /// A rule's optional phase; an error if it is not one of the phases.
    fn phase(&mut self, raw: Option<&str>, rule: &str, at: usize) -> Option<Phase> {
        let raw = raw?;
        let parsed = Phase::parse(raw);
        if parsed.is_none() {
            self.at(at, format!("{rule}: unknown phase {raw:?}"));
        }
        parsed
    }
}

pub(super) fn compile(sources: &[GrammarSource]) -> Result<Grammar, Vec<GrammarError>> {
    let mut errors = Vec::new();
    let parsed = parse_files(sources, &mut errors);
    let taxonomy = build_taxonomy(sources, &parsed, &mut errors);
    let iis_rules = compile_iis_rules(sources, &parsed, &taxonomy, &mut errors);
    let event_sources = compile_sources(sources, &parsed, &mut errors);
    let traffic = compile_traffic(sources, &parsed, &mut errors);
    let default_providers: Vec<String> = event_sources
        .providers
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let event_rules =
        compile_event_rules(sources, &parsed, &taxonomy, &default_providers, &mut errors);
    let event_signatures = EventSignatures::build(&event_rules).map_err(|message| {
        errors.push(GrammarError::Invalid {
            file: "events".into(),
            line: 1,
            message,
        })
    });
    match event_signatures {
        Ok(event_signatures) if errors.is_empty() => Ok(Grammar {
            taxonomy,
            iis_rules,
            event_rules,
            event_signatures,
            sources: event_sources,
            traffic,
        }),
        _ => Err(errors),
    }
}

/// Each source as TOML, with its index; a file that is not valid TOML is an error at the
/// line the TOML parser names.
fn parse_files(sources: &[GrammarSource], errors: &mut Vec<GrammarError>) -> Vec<(usize, RawFile)> {
    sources
        .iter()
        .enumerate()
        .filter_map(|(i, src)| match toml::from_str::<RawFile>(&src.text) {
            Ok(raw) => Some((i, raw)),
            Err(e) => {
                let line = e
                    .span()
                    .map_or(1, |s| src.text[..s.start].matches('\n').count() + 1);
                errors.push(GrammarError::Invalid {
                    file: src.name.clone(),
                    line,
                    message: e.message().to_owned(),
                });
                None
            }
        })
        .collect()
}

/// Runs `each` on every parsed file with an error list that knows the file's lines.
fn for_each_file<'a>(
    sources: &'a [GrammarSource],
    parsed: &'a [(usize, RawFile)],
    errors: &mut Vec<GrammarError>,
    mut each: impl FnMut(&'a RawFile, &mut Errors<'a>),
) {
    for (i, raw) in parsed {
        let mut errs = Errors {
            file: &sources[*i],
            list: Vec::new(),
        };
        each(raw, &mut errs);
        errors.extend(errs.list);
    }
}

fn build_taxonomy(
    sources: &[GrammarSource],
    parsed: &[(usize, RawFile)],
    errors: &mut Vec<GrammarError>,
) -> Taxonomy {
    let mut taxonomy = Taxonomy::default();
    for_each_file(sources, parsed, errors, |raw, errs| {
        for cat in &raw.category {
            add_category(&mut taxonomy, cat, errs);
        }
    });
    if taxonomy.find(UNCLASSIFIED).is_none() {
        errors.push(GrammarError::Invalid {
            file: "taxonomy".into(),
            line: 1,
            message: format!("the taxonomy must define the category {UNCLASSIFIED:?}"),
        });
    }
    taxonomy
}

fn compile_iis_rules(
    sources: &[GrammarSource],
    parsed: &[(usize, RawFile)],
    taxonomy: &Taxonomy,
    errors: &mut Vec<GrammarError>,
) -> Vec<IisRule> {
    let mut rules: Vec<IisRule> = Vec::new();
    for_each_file(sources, parsed, errors, |raw, errs| {
        for rule in &raw.rule {
            if let Some(r) = compile_iis_rule(taxonomy, rule, errs) {
                if rules.iter().any(|o| o.id == r.id) {
                    let at = rule.id.span().start;
                    errs.at(at, format!("duplicate rule id {:?}", r.id));
                }
                rules.push(r);
            }
        }
    });
    rules
}

fn compile_event_rules(
    sources: &[GrammarSource],
    parsed: &[(usize, RawFile)],
    taxonomy: &Taxonomy,
    default_providers: &[String],
    errors: &mut Vec<GrammarError>,
) -> Vec<EventRule> {
    let mut rules: Vec<EventRule> = Vec::new();
    for_each_file(sources, parsed, errors, |raw, errs| {
        for rule in &raw.event_rule {
            if let Some(r) = compile_event_rule(taxonomy, default_providers, rule, errs) {
                if rules.iter().any(|o| o.id == r.id) {
                    let at = rule.id.span().start;
                    errs.at(at, format!("duplicate event rule id {:?}", r.id));
                }
                rules.push(r);
            }
        }
    });
    rules
}

fn add_category(taxonomy: &mut Taxonomy, raw: &RawCategory, errs: &mut Errors<'_>) {
    let at = raw.id.span().start;
    let id = raw.id.get_ref();
    if !is_valid_id(id) {
        errs.at(
            at,
            format!("category id {id:?} must be lower-case letters, digits and '-'"),
        );
    }
    if taxonomy.find(id).is_some() {
        errs.at(at, format!("duplicate category id {id:?}"));
    }
    if !SEVERITIES.contains(&raw.severity.as_str()) {
        errs.at(
            at,
            format!("severity {:?} is not one of {SEVERITIES:?}", raw.severity),
        );
    }
    let Some(phase) = Phase::parse(&raw.phase) else {
        errs.at(
            at,
            format!(
                "phase {:?} is not token, autodiscover, availability or config",
                raw.phase
            ),
        );
        return;
    };
    let Some(other_side) = OtherSide::parse(&raw.other_side) else {
        errs.at(
            at,
            format!(
                "other_side {:?} is not one of {:?}",
                raw.other_side,
                OtherSide::NAMES
            ),
        );
        return;
    };
    if raw.clock_tolerance_s.is_some_and(|t| t <= 0) {
        errs.at(
            at,
            "clock_tolerance_s must be a positive number of seconds".to_owned(),
        );
        return;
    }
    taxonomy.push(Category {
        id: id.clone(),
        title: raw.title.clone(),
        severity: raw.severity.clone(),
        phase,
        other_side,
        remediation: raw.remediation.clone(),
        references: raw.references.clone(),
        clock_sensitive: raw.clock_sensitive,
        clock_tolerance_s: raw.clock_tolerance_s,
    });
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn compile_iis_rule(
    taxonomy: &Taxonomy,
    raw: &RawIisRule,
    errs: &mut Errors<'_>,
) -> Option<IisRule> {
    let at = raw.id.span().start;
    let id = raw.id.get_ref().clone();
    let rule = format!("rule {id:?}");
    let before = errs.list.len();
    let category = errs.category(taxonomy, &rule, &raw.category, at);
    let kinds = parse_kinds(&raw.formats).unwrap_or_else(|bad| {
        errs.at(at, format!("{rule}: unknown format {bad:?} (iis, httperr)"));
        LogKinds {
            iis: true,
            httperr: true,
        }
    });
    let stems = StemSet::parse(&raw.stems).unwrap_or_else(|bad| {
        errs.at(at, format!("{rule}: unknown stem class {bad:?}"));
        StemSet::default()
    });
    let status = status_patterns(&raw.status, &rule, at, errs);
    let phase = errs.phase(raw.phase.as_deref(), &rule, at);
    if raw.examples.is_empty() {
        errs.at(
            at,
            format!("{rule}: every rule needs at least one example line"),
        );
    }
    let default_fields = if kinds.httperr && !kinds.iis {
        HTTPERR_DEFAULT_FIELDS
    } else {
        EXCHANGE_DEFAULT_FIELDS
    };
    (errs.list.len() == before).then(|| IisRule {
        id,
        category,
        kinds,
        stems,
        status,
        win32: raw.win32.clone(),
        reasons: raw
            .reasons
            .iter()
            .map(|r| r.to_ascii_lowercase().into_bytes())
            .collect(),
        phase,
        examples: raw.examples.clone(),
        counter_examples: raw.counter_examples.clone(),
        example_fields: raw
            .example_fields
            .clone()
            .unwrap_or_else(|| default_fields.to_owned()),
        origin: errs.origin(at),
    })
}

/// A rule's status conditions (`503`, `4xx`); each one that is neither is an error.
fn status_patterns(
    raw: &[String],
    rule: &str,
    at: usize,
    errs: &mut Errors<'_>,
) -> Vec<StatusPattern> {
    raw.iter()
        .filter_map(|s| {
            let p = StatusPattern::parse(s);
            if p.is_none() {
                let why = "is not a code like 503 or a class like 4xx";
                errs.at(at, format!("{rule}: status {s:?} {why}"));
            }
            p
        })
        .collect()
}

fn compile_event_rule(
    taxonomy: &Taxonomy,
    default_providers: &[String],
    raw: &RawEventRule,
    errs: &mut Errors<'_>,
) -> Option<EventRule> {
    let at = raw.id.span().start;
    let id = raw.id.get_ref().clone();
    let rule = format!("event rule {id:?}");
    let before = errs.list.len();
    if !is_valid_id(&id) {
        errs.at(
            at,
            format!("event rule id {id:?} must be lower-case letters, digits and '-'"),
        );
    }
    let category = errs.category(taxonomy, &rule, &raw.category, at);
    let tier = raw.tier.as_deref().map_or(Some(Tier::Exception), |t| {
        let parsed = Tier::parse(t);
        if parsed.is_none() {
            let why = "is not exception, http-status or wrapper";
            errs.at(at, format!("{rule}: tier {t:?} {why}"));
        }
        parsed
    });
    let phase = errs.phase(raw.phase.as_deref(), &rule, at);
    check_literals(&id, raw, at, errs);
    let regexes = compile_regexes(&id, &raw.regexes, errs);
    let context = compile_regexes(&id, &raw.context, errs);
    let unless = compile_regexes(&id, &raw.unless, errs);
    let overrides: Vec<_> = raw
        .overrides
        .iter()
        .map(|c| errs.category(taxonomy, &rule, c, at))
        .collect();
    let runner_up = raw
        .runner_up
        .as_deref()
        .map(|c| errs.category(taxonomy, &rule, c, at));
    if runner_up.is_some() != raw.tells_apart.is_some() {
        errs.at(
            at,
            format!(
                "{rule}: runner_up and tells_apart go together (what tells the two causes apart)"
            ),
        );
    }
    if raw.examples.is_empty() {
        errs.at(
            at,
            format!("{rule}: every rule needs at least one example message"),
        );
    }
    let providers = providers(&raw.providers, default_providers, &rule, at, errs);
    (errs.list.len() == before).then(|| EventRule {
        id,
        category,
        providers,
        event_ids: raw.event_ids.clone(),
        caller_auth: raw.caller_auth.clone(),
        tier: tier.unwrap_or(Tier::Exception),
        literals: raw.literals.iter().map(|l| l.get_ref().clone()).collect(),
        regexes,
        context,
        unless,
        overrides,
        runner_up,
        tells_apart: raw.tells_apart.clone().unwrap_or_default(),
        phase,
        examples: raw.examples.clone(),
        counter_examples: raw.counter_examples.clone(),
        origin: errs.origin(at),
    })
}

/// The providers an event rule applies to: the ones it names, else every provider of
/// `sources.toml` (the free/busy sources, whose messages carry the same exception texts).
fn providers(
    raw: &[String],
    default: &[String],
    rule: &str,
    at: usize,
    errs: &mut Errors<'_>,
) -> Vec<String> {
    if raw.iter().any(|p| p.trim().is_empty()) {
        errs.at(at, format!("{rule}: empty provider name"));
    }
    if raw.is_empty() {
        default.to_vec()
    } else {
        raw.iter().map(|p| p.trim().to_owned()).collect()
    }
}

/// Every rule needs a literal: the automaton is the only way a rule becomes a candidate.
fn check_literals(id: &str, raw: &RawEventRule, at: usize, errs: &mut Errors<'_>) {
    if raw.literals.is_empty() {
        errs.at(
            at,
            format!("event rule {id:?}: needs at least one literal (regexes run only on messages a literal selected)"),
        );
    }
    for lit in &raw.literals {
        if lit.get_ref().trim().len() < 3 {
            errs.at(
                lit.span().start,
                format!("event rule {id:?}: literal {:?} is too short to be a signature (3 characters at least)", lit.get_ref()),
            );
        }
    }
}

fn compile_regexes(id: &str, raw: &[Spanned<String>], errs: &mut Errors<'_>) -> Vec<Pattern> {
    raw.iter()
        .filter_map(|r| {
            let line = errs.line_of(r.span().start);
            match Pattern::new(r.get_ref(), true).map(|p| p.located(&errs.file.name, line)) {
                Ok(re) => Some(re),
                Err(e) => {
                    errs.at(
                        r.span().start,
                        format!("event rule {id:?}: bad regex {:?}: {e}", r.get_ref()),
                    );
                    None
                }
            }
        })
        .collect()
}

fn parse_kinds(formats: &[String]) -> Result<LogKinds, String> {
    if formats.is_empty() {
        return Ok(LogKinds {
            iis: true,
            httperr: true,
        });
    }
    let mut kinds = LogKinds {
        iis: false,
        httperr: false,
    };
    for f in formats {
        match f.as_str() {
            "iis" => kinds.iis = true,
            "httperr" => kinds.httperr = true,
            other => return Err(other.to_owned()),
        }
    }
    Ok(kinds)
}

/// `[[provider]]`, `[levels]`, `[[message_shape]]`, `[facts]` and `[[fact_example]]` of all
/// files, in file order (lists are joined; a later file's fact patterns are tried after).
fn compile_sources(
    sources: &[GrammarSource],
    parsed: &[(usize, RawFile)],
    errors: &mut Vec<GrammarError>,
) -> EventSources {
    let mut out = EventSources::default();
    for_each_file(sources, parsed, errors, |raw, errs| {
        for p in &raw.provider {
            if let Some(cmdlet) = compile_cmdlet(p, errs) {
                out.vocabulary.cmdlets.push(cmdlet);
            }
            if let Some(p) = compile_provider(p, errs) {
                out.providers.push(p);
            }
        }
        for t in &raw.template {
            if let Some(t) = compile_template(t, &out.providers, errs) {
                out.vocabulary.templates.push(t);
            }
        }
        if let Some(levels) = &raw.levels {
            add_levels(&mut out, levels);
        }
        for shape in &raw.message_shape {
            add_shape(&mut out, shape);
        }
        if let Some(facts) = &raw.facts {
            compile_facts(&mut out.facts, facts, errs);
            add_arrows(&mut out, facts, errs);
        }
        for ex in &raw.fact_example {
            out.fact_examples.push(compile_fact_example(ex, errs));
        }
    });
    if out.providers.is_empty() {
        errors.push(GrammarError::Invalid {
            file: "sources".into(),
            line: 1,
            message: "no [[provider]]: the grammars must name at least one event source".into(),
        });
    }
    out
}

fn compile_provider(raw: &RawProvider, errs: &mut Errors<'_>) -> Option<Provider> {
    let at = raw.name.span().start;
    let name = raw.name.get_ref().trim().to_owned();
    let what = format!("provider {name:?}");
    let Some(role) = parse_role(&raw.role) else {
        errs.at(
            at,
            format!("{what}: role {:?} is not availability or test", raw.role),
        );
        return None;
    };
    let phase = errs.phase(raw.phase.as_deref(), &what, at);
    let mut failure_ids = Vec::new();
    for r in &raw.failure_ids {
        match parse_id_range(r) {
            Some(range) => failure_ids.push(range),
            None => errs.at(
                at,
                format!("{what}: {r:?} is not an id or a range like 4001-4018"),
            ),
        }
    }
    Some(Provider {
        name,
        role,
        phase,
        failure_ids,
        responder_ids: raw.responder_ids.clone(),
        autodiscover_ids: raw.autodiscover_ids.clone(),
    })
}

/// The step keys of a test provider, which the transcript reader needs.
fn compile_cmdlet(raw: &RawProvider, errs: &mut Errors<'_>) -> Option<Cmdlet> {
    let at = raw.name.span().start;
    let name = raw.name.get_ref().trim();
    let is_test = parse_role(&raw.role) == Some(Role::Test);
    match (&raw.step_keys, is_test) {
        (Some([level, message]), true) => Some(Cmdlet {
            name: name.to_owned(),
            level_key: level.clone(),
            message_key: message.clone(),
            result_lines: raw.result_lines,
        }),
        (None, true) => {
            errs.at(
                at,
                format!(
                    "provider {name:?}: a test provider needs step_keys = [level key, message key]"
                ),
            );
            None
        }
        (Some(_), false) => {
            errs.at(
                at,
                format!("provider {name:?}: step_keys are for test providers"),
            );
            None
        }
        (None, false) => None,
    }
}

/// A `[[template]]`: its provider must be listed before it, and its text must use
/// `%1..%n` once each, in order.
fn compile_template(
    raw: &RawTemplate,
    providers: &[Provider],
    errs: &mut Errors<'_>,
) -> Option<MessageTemplate> {
    let at = raw.provider.span().start;
    let provider = raw.provider.get_ref().trim();
    if !providers
        .iter()
        .any(|p| p.name.eq_ignore_ascii_case(provider))
    {
        errs.at(
            at,
            format!(
                "template {provider:?}/{}: no [[provider]] of that name before it",
                raw.event_id
            ),
        );
        return None;
    }
    if let Err(why) = check_template(&raw.text) {
        errs.at(
            at,
            format!("template {provider:?}/{}: its text {why}", raw.event_id),
        );
        return None;
    }
    Some(MessageTemplate {
        provider: provider.to_owned(),
        event_id: raw.event_id,
        text: raw.text.clone(),
    })
}

fn add_levels(out: &mut EventSources, raw: &RawLevels) {
    out.failure_levels.extend(raw.failure.iter().cloned());
    out.warning_levels.extend(raw.test_warning.iter().cloned());
}

fn add_shape(out: &mut EventSources, raw: &RawShape) {
    for word in &raw.words {
        out.message_shapes.push((word.clone(), raw.event_id));
    }
}

/// One fact's raw patterns, where they compile to, and whether they need a capture group.
type FactList<'a> = (&'a str, &'a [Spanned<String>], &'a mut Vec<Pattern>, bool);

/// Fact patterns are compiled as written (`(?i)` makes one case-insensitive); each but
/// `stack_frame` needs a capture group, whose text is the value.
fn compile_facts(out: &mut FactPatterns, raw: &RawFacts, errs: &mut Errors<'_>) {
    let lists: [FactList<'_>; 8] = [
        (
            "request_type",
            &raw.request_type,
            &mut out.request_type,
            true,
        ),
        (
            "caller_auth",
            &raw.caller_auth[..],
            &mut out.caller_auth,
            true,
        ),
        ("target_url", &raw.target_url[..], &mut out.target_url, true),
        ("mailbox", &raw.mailbox[..], &mut out.mailbox, true),
        (
            "origin_server",
            &raw.origin_server,
            &mut out.origin_server,
            true,
        ),
        (
            "http_status",
            &raw.http_status[..],
            &mut out.http_status,
            true,
        ),
        (
            "stack_frame",
            &raw.stack_frame[..],
            &mut out.stack_frame,
            false,
        ),
        (
            "message_start",
            &raw.message_start[..],
            &mut out.message_start,
            false,
        ),
    ];
    for (name, patterns, into, needs_group) in lists {
        for p in patterns {
            let line = errs.line_of(p.span().start);
            match Pattern::new(p.get_ref(), false).map(|r| r.located(&errs.file.name, line)) {
                Ok(re) if needs_group && re.groups() < 1 => errs.at(
                    p.span().start,
                    format!(
                        "facts.{name}: {:?} has no capture group for the value",
                        p.get_ref()
                    ),
                ),
                Ok(re) => into.push(re),
                Err(e) => errs.at(
                    p.span().start,
                    format!("facts.{name}: bad regex {:?}: {e}", p.get_ref()),
                ),
            }
        }
    }
    out.not_request_types
        .extend(raw.not_request_types.iter().map(|w| w.to_ascii_lowercase()));
}

fn add_arrows(out: &mut EventSources, raw: &RawFacts, errs: &mut Errors<'_>) {
    for a in &raw.arrows {
        if a.trim().len() < 2 {
            errs.at(
                0,
                format!("facts.arrows: {a:?} is too short to mark a nested exception"),
            );
        } else {
            out.arrows.push(a.clone());
        }
    }
}

fn compile_fact_example(raw: &RawFactExample, errs: &mut Errors<'_>) -> FactExample {
    let at = raw.text.span().start;
    let expect = raw.expected();
    if expect.is_empty() {
        errs.at(at, "fact_example: names no fact to expect".to_owned());
    }
    FactExample {
        text: raw.text.get_ref().clone(),
        expect,
        origin: errs.origin(at),
    }
}

/// `[[stem]]` and `[[agent]]` of all files, and the scan literals derived from them.
fn compile_traffic(
    sources: &[GrammarSource],
    parsed: &[(usize, RawFile)],
    errors: &mut Vec<GrammarError>,
) -> Traffic {
    let mut out = Traffic::default();
    for_each_file(sources, parsed, errors, |raw, errs| {
        for stem in &raw.stem {
            match StemClass::parse(stem.class.get_ref()) {
                Some(class) => out
                    .stems
                    .push((stem.path.trim().to_ascii_lowercase().into_bytes(), class)),
                None => errs.at(
                    stem.class.span().start,
                    format!(
                        "stem {:?}: unknown class {:?}",
                        stem.path,
                        stem.class.get_ref()
                    ),
                ),
            }
        }
        for agent in &raw.agent {
            let prefix = agent.prefix.get_ref();
            if !agent
                .example
                .to_ascii_lowercase()
                .starts_with(&prefix.to_ascii_lowercase())
            {
                errs.at(
                    agent.prefix.span().start,
                    format!(
                        "agent {prefix:?}: the example {:?} does not start with it",
                        agent.example
                    ),
                );
            }
            out.agents.push(prefix.to_ascii_lowercase().into_bytes());
            out.examples.push((prefix.clone(), agent.example.clone()));
        }
        if let Some(f) = &raw.web_failure {
            out.connection_lost_win32
                .extend(f.connection_lost_win32.iter().copied());
        }
        // A later file's [httpproxy] replaces an earlier one's.
        if let Some(h) = &raw.httpproxy {
            out.httpproxy = HttpProxyTraffic {
                default_fields: h
                    .default_fields
                    .split(',')
                    .map(|f| f.trim().to_owned())
                    .collect(),
                protocols: h.freebusy_protocols.clone(),
                iis_query_key: h.iis_query_key.trim().as_bytes().to_vec(),
            };
        }
    });
    match derive_literals(&out.stems, &out.agents) {
        Ok(literals) => out.candidate_literals = literals,
        Err(message) => errors.push(GrammarError::Invalid {
            file: "iis.toml".into(),
            line: 1,
            message,
        }),
    }
    if out.stems.is_empty() {
        errors.push(GrammarError::Invalid {
            file: "iis.toml".into(),
            line: 1,
            message: "no [[stem]]: the grammars must name the free/busy request paths".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> GrammarSource {
        GrammarSource {
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn shipped_grammars_compile() {
        let g = compile(&GrammarSource::embedded()).expect("shipped grammars");
        assert!(g.taxonomy.find("tls-trust").is_some());
        assert!(!g.iis_rules.is_empty());
        assert!(g.event_rules.len() >= 18);
        // Every shipped regex compiles (`analyze` compiles them only on first use).
        assert!(g.patterns().count() > 50);
        g.compile_patterns().expect("every shipped regex compiles");
    }

    /// A rule from `--grammars DIR` whose regex parses but is too big to compile is an
    /// error at load, with its file and line, not a rule that never matches.
    #[test]
    fn user_rules_are_compiled_whole_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("big.toml"),
            "[[event_rule]]\nid = \"big\"\ncategory = \"tls-trust\"\nliterals = [\"abc\"]\nregexes = [\n  '\\w{5000}',\n]\nexamples = [\"abc\"]\n",
        )
        .unwrap();
        let errs: Vec<String> = crate::grammar::Grammar::with_dir(Some(dir.path()))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            errs.iter()
                .any(|e| e.starts_with("big.toml:6:") && e.contains("does not compile")),
            "{errs:?}"
        );
    }

    #[test]
    fn errors_carry_file_and_line() {
        let mut sources = GrammarSource::embedded();
        sources.push(src(
            "bad.toml",
            "# comment\n\n[[rule]]\nid = \"x\"\ncategory = \"no-such-id\"\nexamples = [\"a\"]\n",
        ));
        let errs = compile(&sources).unwrap_err();
        assert_eq!(errs.len(), 1);
        let msg = errs[0].to_string();
        assert!(msg.starts_with("bad.toml:4:"), "{msg}");
        assert!(msg.contains("no-such-id"), "{msg}");
    }

    /// The readers' vocabulary comes from sources.toml: the 4001/4002 templates and the two
    /// Test-* cmdlets with their step keys.
    #[test]
    fn shipped_vocabulary_holds_templates_and_cmdlets() {
        let g = compile(&GrammarSource::embedded()).expect("shipped grammars");
        let v = &g.sources.vocabulary;
        let ids: Vec<u32> = v.templates.iter().map(|t| t.event_id).collect();
        assert!(ids.contains(&4001) && ids.contains(&4002), "{ids:?}");
        let names: Vec<&str> = v.cmdlets.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["Test-FederationTrust", "Test-OrganizationRelationship"]
        );
        assert_eq!(
            v.result_cmdlet().unwrap().name,
            "Test-OrganizationRelationship"
        );
        let cat = &g.taxonomy;
        let side = |id: &str| cat.get(cat.find(id).unwrap()).other_side;
        assert_eq!(side("federation-cert"), OtherSide::None);
        assert_eq!(side("tls-trust"), OtherSide::NotArrived);
        assert_eq!(side("wssecurity-500"), OtherSide::Answered);
        assert_eq!(side("clock-skew"), OtherSide::Maybe);
        let clock = cat.find("clock-skew").unwrap();
        assert_eq!(cat.clock_skew(), Some((clock, 300)));
        assert!(
            cat.get(cat.find("token-processing").unwrap())
                .clock_sensitive
        );
    }

    #[test]
    fn bad_templates_cmdlets_and_other_sides_are_errors() {
        let cases = [
            ("[[template]]\nprovider = \"Nobody\"\nevent_id = 1\ntext = \"%1\"\n", "no [[provider]]"),
            ("[[template]]\nprovider = \"MSExchange Availability\"\nevent_id = 1\ntext = \"%2 %1\"\n", "not in order"),
            ("[[provider]]\nname = \"Test-Thing\"\nrole = \"test\"\nphase = \"config\"\n", "needs step_keys"),
            ("[[provider]]\nname = \"Other\"\nrole = \"availability\"\nstep_keys = [\"a\", \"b\"]\n", "for test providers"),
            ("[[category]]\nid = \"x-y\"\ntitle = \"t\"\nseverity = \"error\"\nphase = \"token\"\nother_side = \"far\"\nremediation = \"r\"\n", "other_side \"far\""),
            ("[[category]]\nid = \"x-z\"\ntitle = \"t\"\nseverity = \"error\"\nphase = \"token\"\nother_side = \"maybe\"\nclock_tolerance_s = 0\nremediation = \"r\"\n", "clock_tolerance_s must be a positive"),
        ];
        for (text, want) in cases {
            let mut sources = GrammarSource::embedded();
            sources.push(src("extra.toml", text));
            let errs: Vec<String> = compile(&sources)
                .unwrap_err()
                .iter()
                .map(ToString::to_string)
                .collect();
            assert!(errs.iter().any(|e| e.contains(want)), "{text}: {errs:?}");
        }
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let mut sources = GrammarSource::embedded();
        sources.push(src(
            "typo.toml",
            "[[rule]]\nid = \"x\"\ncategry = \"tls-trust\"\n",
        ));
        let errs = compile(&sources).unwrap_err();
        assert!(errs[0].to_string().starts_with("typo.toml:"), "{}", errs[0]);
    }

    #[test]
    fn event_rule_errors_carry_the_line_of_the_bad_value() {
        let mut sources = GrammarSource::embedded();
        sources.push(src(
            "ev.toml",
            "[[event_rule]]\nid = \"x\"\ncategory = \"tls-trust\"\nliterals = [\"abc\"]\nregexes = [\n  \"ok\",\n  \"(unclosed\",\n]\nexamples = [\"abc\"]\n\n[[event_rule]]\nid = \"y\"\ncategory = \"tls-trust\"\ntier = \"outer\"\nexamples = [\"z\"]\n",
        ));
        let errs: Vec<String> = compile(&sources)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            errs.iter()
                .any(|e| e.starts_with("ev.toml:7:") && e.contains("bad regex")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("ev.toml:12:") && e.contains("tier")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("ev.toml:12:") && e.contains("literal")),
            "{errs:?}"
        );
    }

    #[test]
    fn unknown_event_rule_keys_are_rejected() {
        let mut sources = GrammarSource::embedded();
        sources.push(src(
            "ev.toml",
            "[[event_rule]]\nid = \"x\"\ncategory = \"tls-trust\"\nliteral = [\"abc\"]\n",
        ));
        let errs = compile(&sources).unwrap_err();
        assert!(errs[0].to_string().starts_with("ev.toml:"), "{}", errs[0]);
        assert!(errs[0].to_string().contains("literal"), "{}", errs[0]);
    }

    #[test]
    fn overlay_replaces_by_name() {
        let mut base = GrammarSource::embedded();
        let n = base.len();
        GrammarSource::overlay(&mut base, vec![src("iis.toml", ""), src("extra.toml", "")]);
        assert_eq!(base.len(), n + 1);
        assert!(base
            .iter()
            .any(|s| s.name == "iis.toml" && s.text.is_empty()));
    }
}
