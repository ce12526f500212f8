//! Event-log classification: which Application-log events are free/busy failures, which
//! taxonomy category each one is, and the facts its finding carries.
//!
//! A message is cut into exception segments at the nesting arrows (`--->`, `—>`,
//! `&#8212;>`), each segment ending before its stack trace. The rules of
//! `grammars/events.toml` are then tried in three tiers — exception signatures segment by
//! segment from the innermost outward, then HTTP statuses, then wrapper exceptions — and within
//! one tier and segment the category listed first in the taxonomy wins (grammars/README.md §4). One
//! literal automaton selects the candidate rules; regexes run only on those.

use crate::grammar::pattern::Pattern;

use crate::finding::{Finding, Phase, Side, SourceKind, TimeBasis};
use crate::grammar::sources::FactPatterns;
use crate::grammar::{
    CategoryId, EventFacts, EventRule, Grammar, LiteralHit, Provider, Role, Tier,
};
use crate::host::HostId;
use crate::record::EventRecord;

/// How much of a matched segment `explain` and the detail column show.
const SEGMENT_SHOWN: usize = 240;

/// One exception of a message's chain, without its stack trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'m> {
    pub text: &'m str,
    /// Byte offset of `text` in the message.
    pub start: usize,
}

/// What matched, and where: the "why" of a classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub rule: usize,
    pub tier: Tier,
    /// 0 = the outermost segment (with the event's preamble).
    pub segment: usize,
    pub segments: usize,
    /// The signature as written in the message.
    pub matched: String,
    /// The start of the segment it matched in (one line, shortened).
    pub segment_text: String,
}

impl Evidence {
    /// "innermost exception (3 of 3)", "outermost exception (1 of 2)", "the message".
    pub fn place(&self) -> String {
        let n = self.segment + 1;
        match (self.segments, n) {
            (1, _) => "the message (no inner exceptions)".to_owned(),
            (total, n) if n == total => format!("the innermost exception ({n} of {total})"),
            (total, 1) => format!("the outermost exception (1 of {total})"),
            (total, n) => format!("inner exception {n} of {total}"),
        }
    }
}

/// Facts read from a message (grammars/README.md §2 message shapes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    /// `FederatedCrossForest`, `CrossSite`, ...
    pub request_type: String,
    /// `WSSecurity`, `OAuth`, `NetworkCredentials` (`Caller SIDs:`).
    pub caller_auth: String,
    pub target_url: String,
    pub mailbox: String,
    /// `Name of the server where exception originated:`.
    pub origin_server: String,
    pub http_status: Option<u16>,
}

/// How an event was classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventVerdict {
    pub category: CategoryId,
    pub phase: Phase,
    pub side: Side,
    /// `None`: nothing matched (`unclassified`).
    pub evidence: Option<Evidence>,
    pub facts: MessageFacts,
    /// Shown when nothing matched: the start of the innermost exception.
    pub innermost: String,
}

/// Is an event looked at, and may it fall back to `unclassified`?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relevance {
    /// A free/busy failure: a finding whether or not a rule names it.
    Failure,
    /// A provider some rule names: a finding only when a rule matches.
    RulesOnly,
    Ignored,
}

/// The first capture of the first pattern that matches, without trailing punctuation.
fn first_fact(patterns: &[Pattern], text: &str) -> String {
    patterns
        .iter()
        .find_map(|p| p.captures(text).and_then(|c| c.get(1)))
        .map(|m| trim_trailing_punct(m.as_str()).to_owned())
        .unwrap_or_default()
}

/// The facts of a message, by the patterns of `grammars/sources.toml`.
pub fn read_facts(patterns: &FactPatterns, message: &str) -> MessageFacts {
    let request_type = first_fact(&patterns.request_type, message);
    let not_a_type = patterns
        .not_request_types
        .contains(&request_type.to_ascii_lowercase());
    MessageFacts {
        request_type: if not_a_type {
            String::new()
        } else {
            request_type
        },
        caller_auth: first_fact(&patterns.caller_auth, message),
        target_url: first_fact(&patterns.target_url, message),
        mailbox: first_fact(&patterns.mailbox, message),
        origin_server: first_fact(&patterns.origin_server, message),
        http_status: first_fact(&patterns.http_status, message)
            .parse()
            .ok()
            .filter(|s| (100..600).contains(s)),
    }
}

fn trim_trailing_punct(s: &str) -> &str {
    s.trim_end_matches(['.', ',', ';', ')', '\'', '"', ':'])
}

/// Classifies event records with the compiled grammar.
#[derive(Debug)]
pub struct EventClassifier<'g> {
    grammar: &'g Grammar,
    /// Every provider some rule names, once: most events of a large log (Security, System)
    /// are dismissed by this short list before any text is looked at.
    providers: Vec<String>,
}

impl<'g> EventClassifier<'g> {
    pub fn new(grammar: &'g Grammar) -> Self {
        let mut providers: Vec<String> = grammar
            .event_rules
            .iter()
            .flat_map(|r| r.providers.iter().map(|p| p.to_ascii_lowercase()))
            .collect();
        providers.sort();
        providers.dedup();
        EventClassifier { grammar, providers }
    }

    pub fn grammar(&self) -> &'g Grammar {
        self.grammar
    }

    /// Is this event a free/busy event at all (counted as one), whether or not it failed?
    pub fn is_freebusy_event(&self, rec: &EventRecord) -> bool {
        self.grammar.sources.provider(&rec.provider).is_some()
    }

    /// The verdict for one event; `None` when it is not a free/busy failure.
    pub fn classify(&self, rec: &EventRecord) -> Option<EventVerdict> {
        let relevance = self.relevance(rec);
        if relevance == Relevance::Ignored {
            return None;
        }
        let is_test = self.source(rec).is_some_and(|p| p.role == Role::Test);
        let text = classification_text(rec, is_test);
        let facts = read_facts(&self.grammar.sources.facts, &text);
        let segments = self.segments(&text);
        let event = EventFacts {
            provider: &rec.provider,
            event_id: rec.event_id,
            caller_auth: (!facts.caller_auth.is_empty()).then_some(facts.caller_auth.as_str()),
        };
        let evidence = self.best_match(&text, &segments, &event);
        if evidence.is_none() && relevance == Relevance::RulesOnly {
            return None;
        }
        let rule = evidence.as_ref().map(|e| &self.grammar.event_rules[e.rule]);
        let category = rule.map_or_else(|| self.grammar.taxonomy.unclassified(), |r| r.category);
        Some(EventVerdict {
            category,
            phase: self.phase(rule, category, rec),
            side: if self.is_responder_event(rec) {
                Side::Responder
            } else {
                Side::Requester
            },
            evidence,
            facts,
            // Whole: findings.jsonl keeps the full evidence; the CSV cell and `explain`
            // shorten it, saying so.
            innermost: segments
                .last()
                .map_or_else(String::new, |s| one_line(s.text)),
        })
    }

    fn relevance(&self, rec: &EventRecord) -> Relevance {
        let sources = &self.grammar.sources;
        let failing = sources.is_failure_level(&rec.level);
        match sources.provider(&rec.provider).map(|p| p.role) {
            Some(Role::Availability) => {
                let provider = sources.provider(&rec.provider);
                let failure_id = rec
                    .event_id
                    .zip(provider)
                    .is_some_and(|(id, p)| p.is_failure_id(id));
                if failing || failure_id {
                    Relevance::Failure
                } else {
                    Relevance::Ignored
                }
            }
            Some(Role::Test) if failing || sources.is_warning_level(&rec.level) => {
                Relevance::Failure
            }
            Some(Role::Test) => Relevance::Ignored,
            None if self.rules_name(&rec.provider) => Relevance::RulesOnly,
            None => Relevance::Ignored,
        }
    }

    fn source(&self, rec: &EventRecord) -> Option<&'g Provider> {
        self.grammar.sources.provider(&rec.provider)
    }

    fn is_responder_event(&self, rec: &EventRecord) -> bool {
        let responder = self.source(rec).map_or(&[][..], |p| &p.responder_ids[..]);
        rec.event_id.is_some_and(|id| responder.contains(&id))
    }

    /// Does some rule name this provider?
    fn rules_name(&self, provider: &str) -> bool {
        let provider = provider.trim();
        self.providers
            .iter()
            .any(|p| p.eq_ignore_ascii_case(provider))
    }

    /// Is the message or are the insertion strings of this provider's events ever read? The
    /// events of every other provider are dismissed on their provider alone (see
    /// [`Self::relevance`]), so a reader may leave their text out (the EVTX reader's
    /// costliest part on Security and System logs).
    pub fn reads_text(&self, provider: &str) -> bool {
        self.grammar.sources.provider(provider).is_some() || self.rules_name(provider)
    }

    /// The rule's phase; else the category's if it is `token` or `config`; else the test's
    /// (Test-FederationTrust: token, Test-OrganizationRelationship: config); else the event's
    /// (4001 autodiscover, the other Availability events availability).
    fn phase(&self, rule: Option<&EventRule>, category: CategoryId, rec: &EventRecord) -> Phase {
        if let Some(p) = rule.and_then(|r| r.phase) {
            return p;
        }
        let cat = self.grammar.category(category).phase;
        if matches!(cat, Phase::Token | Phase::Config) {
            return cat;
        }
        let source = self.source(rec);
        if let Some(p) = source
            .filter(|p| p.role == Role::Test)
            .and_then(|p| p.phase)
        {
            return p;
        }
        match (rec.event_id, source) {
            (Some(id), Some(p)) if p.autodiscover_ids.contains(&id) => Phase::Autodiscover,
            (Some(id), Some(p)) if p.is_failure_id(id) => Phase::Availability,
            _ => cat,
        }
    }

    /// The exception segments of a message, outermost first, each cut before its stack trace.
    pub fn segments<'m>(&self, message: &'m str) -> Vec<Segment<'m>> {
        split_at_arrows(message, &self.grammar.sources.arrows)
            .into_iter()
            .map(|seg| {
                let end = self
                    .grammar
                    .sources
                    .facts
                    .stack_frame
                    .iter()
                    .filter_map(|re| re.find(seg.text).map(|m| m.start()))
                    .min()
                    .unwrap_or(seg.text.len());
                Segment {
                    text: &seg.text[..end],
                    start: seg.start,
                }
            })
            .collect()
    }

    /// Tier by tier, segment by segment from the innermost: the first segment with a
    /// matching rule decides, the category listed first in the taxonomy winning within it.
    /// Then causes over symptoms: a rule matching anywhere in the message that `overrides`
    /// the decided category takes its place (see `overrides` in grammars/events.toml).
    fn best_match(
        &self,
        message: &str,
        segments: &[Segment<'_>],
        event: &EventFacts<'_>,
    ) -> Option<Evidence> {
        let rules = &self.grammar.event_rules;
        let hits: Vec<Vec<LiteralHit>> = segments
            .iter()
            .map(|s| {
                let mut v: Vec<LiteralHit> = self
                    .grammar
                    .event_signatures
                    .hits(s.text)
                    .filter(|h| rules[h.rule].applies_to(event))
                    .collect();
                v.sort_by_key(|h| (rules[h.rule].category, h.rule, h.start));
                v
            })
            .collect();
        // Whole-message conditions are checked once per candidate rule, only for rules a
        // literal selected (most messages select two or three).
        let mut fits: Vec<(usize, bool)> = Vec::new();
        let mut fits_message = |rule: usize| match fits.iter().find(|(r, _)| *r == rule) {
            Some(&(_, ok)) => ok,
            None => {
                let ok = rules[rule].fits_message(message);
                fits.push((rule, ok));
                ok
            }
        };
        let mut confirmed: Vec<Vec<(usize, usize, usize)>> = Vec::with_capacity(segments.len());
        for (i, seg) in segments.iter().enumerate() {
            let mut v = Vec::new();
            for h in &hits[i] {
                if v.iter().any(|&(r, _, _)| r == h.rule) || !fits_message(h.rule) {
                    continue;
                }
                if let Some(found) = self.confirm(h, seg.text) {
                    v.push(found);
                }
            }
            confirmed.push(v);
        }
        let evidence = |i: usize, (rule, start, end): (usize, usize, usize)| {
            let seg = &segments[i];
            Evidence {
                rule,
                tier: rules[rule].tier,
                segment: i,
                segments: segments.len(),
                matched: one_line(&seg.text[start..end]),
                segment_text: around(seg.text, start, end),
            }
        };
        let decided = Tier::ALL.into_iter().find_map(|tier| {
            (0..segments.len()).rev().find_map(|i| {
                confirmed[i]
                    .iter()
                    .find(|&&(r, _, _)| rules[r].tier == tier)
                    .map(|&found| (i, found))
            })
        })?;
        let category = rules[decided.1 .0].category;
        let cause = (0..segments.len())
            .flat_map(|i| confirmed[i].iter().map(move |&found| (i, found)))
            .filter(|&(_, (r, _, _))| rules[r].overrides.contains(&category))
            .min_by_key(|&(i, (r, _, _))| (rules[r].category, std::cmp::Reverse(i), r));
        let (i, found) = cause.unwrap_or(decided);
        Some(evidence(i, found))
    }

    /// A literal hit stands when its rule has no regexes or one of them matches the segment;
    /// returns the rule and the span to show (the regex match, if any).
    fn confirm(&self, hit: &LiteralHit, segment: &str) -> Option<(usize, usize, usize)> {
        let rule = &self.grammar.event_rules[hit.rule];
        if rule.regexes.is_empty() {
            return Some((hit.rule, hit.start, hit.end));
        }
        rule.regexes
            .iter()
            .find_map(|re| re.find(segment))
            .map(|m| (hit.rule, m.start(), m.end()))
    }

    /// The finding for a classified event of input `input`.
    pub fn finding(
        &self,
        rec: &EventRecord,
        verdict: EventVerdict,
        input: usize,
        server: HostId,
        time_basis: TimeBasis,
    ) -> Finding {
        let detail = self.detail(rec, &verdict);
        let facts = verdict.facts;
        let (host, path) = split_url(&facts.target_url);
        let partner_domain = facts
            .mailbox
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        let target = if !host.is_empty() {
            host.clone()
        } else if verdict.side == Side::Responder {
            server.to_string()
        } else {
            partner_domain.clone()
        };
        Finding {
            time: rec.time,
            subsec: rec.subsec,
            server,
            site: String::new(),
            source: SourceKind::EventLog,
            input,
            position: rec.position,
            category: verdict.category,
            phase: verdict.phase,
            side: verdict.side,
            http_status: facts.http_status,
            sub_status: None,
            win32_status: None,
            method: String::new(),
            uri_stem: path,
            client_ip: String::new(),
            user_agent: String::new(),
            target,
            event_id: rec.event_id,
            mailbox: facts.mailbox,
            detail,
            request_type: facts.request_type,
            caller_auth: facts.caller_auth,
            origin_server: facts.origin_server,
            target_url: facts.target_url,
            time_basis,
            target_host: host,
            partner_domain,
            time_taken_ms: None,
            cafe_req_id: None,
            record_id: rec.record_id,
        }
    }

    /// `"<signature>" in <place>; rule <id>`, or what the innermost exception says.
    fn detail(&self, rec: &EventRecord, verdict: &EventVerdict) -> String {
        let source = match rec.event_id {
            Some(id) => format!("{} {id}", rec.provider.trim()),
            None => rec.provider.trim().to_owned(),
        };
        match &verdict.evidence {
            Some(e) => format!(
                "{source}: \"{}\" in {}; rule {}",
                e.matched,
                e.place(),
                self.grammar.event_rules[e.rule].id
            ),
            None => format!(
                "{source}: no rule matched; innermost: {}",
                verdict.innermost
            ),
        }
    }
}

/// The text rules read: the message, with the insertion strings when there is no message,
/// and a test step's id in front of its message (rules name step ids such as
/// `TokenValidation`).
fn classification_text(rec: &EventRecord, is_test: bool) -> std::borrow::Cow<'_, str> {
    if rec.message.trim().is_empty() {
        return rec.data.join("\n").into();
    }
    if is_test {
        let extra: Vec<&str> = rec
            .data
            .iter()
            .map(String::as_str)
            .filter(|d| !d.is_empty() && !rec.message.contains(d))
            .collect();
        if !extra.is_empty() {
            return format!("{}: {}", extra.join(" "), rec.message).into();
        }
    }
    rec.message.as_str().into()
}

/// Splits at every nesting arrow (sources.toml `arrows`), outermost first.
fn split_at_arrows<'m>(message: &'m str, arrows: &[String]) -> Vec<Segment<'m>> {
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let rest = &message[start..];
        let next = arrows
            .iter()
            .filter_map(|a| rest.find(a).map(|i| (i, a.len())))
            .min();
        match next {
            Some((i, len)) => {
                out.push(Segment {
                    text: &rest[..i],
                    start,
                });
                start += i + len;
            }
            None => {
                out.push(Segment { text: rest, start });
                return out;
            }
        }
    }
}

/// `https://host:443/path?q` → (`host`, `/path`), host lower-cased.
fn split_url(url: &str) -> (String, String) {
    let Some((_, rest)) = url.split_once("://") else {
        return (String::new(), String::new());
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    let path = path.split('?').next().unwrap_or(path);
    (host.to_ascii_lowercase(), path.to_owned())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The part of a segment around a match: all of it when short, else the match with some
/// context on each side, on one line.
fn around(segment: &str, start: usize, end: usize) -> String {
    if segment.chars().count() <= SEGMENT_SHOWN {
        return one_line(segment);
    }
    let floor = |mut i: usize| {
        while !segment.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let from = floor(start.saturating_sub(SEGMENT_SHOWN / 3));
    let to = floor((end + SEGMENT_SHOWN / 2).min(segment.len()));
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&one_line(&segment[from..to]));
    if to < segment.len() {
        out.push('…');
    }
    out
}

/// One line of at most [`SEGMENT_SHOWN`] characters.
pub fn shorten(s: &str) -> String {
    let line = one_line(s);
    if line.chars().count() <= SEGMENT_SHOWN {
        return line;
    }
    let mut out: String = line.chars().take(SEGMENT_SHOWN).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grammar() -> Grammar {
        Grammar::embedded().expect("shipped grammars load")
    }

    fn event(id: Option<u32>, message: &str) -> EventRecord {
        EventRecord {
            position: 1,
            provider: "MSExchange Availability".into(),
            event_id: id,
            level: "Error".into(),
            computer: "FABRIKAM-EX01.fabrikam.com".into(),
            message: message.into(),
            ..EventRecord::default()
        }
    }

    fn id_of(g: &Grammar, v: &EventVerdict) -> String {
        g.category(v.category).id.clone()
    }

    const TLS_4002: &str = "Process 7420[w3wp.exe:/LM/W3SVC/2/ROOT/EWS-1-1]: ProxyWebRequest FederatedCrossForest from S-1-5-21-1-2-3-1105 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: The request failed with HTTP status 401: Unauthorized. ---> System.Net.WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.\r\n   at System.Net.HttpWebRequest.EndGetResponse(IAsyncResult asyncResult)\r\n   --- End of inner exception stack trace ---\r\n. The request information is ProxyWebRequest type = FederatedCrossForest, url = https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity\r\nMailbox list = <Jane Smith>SMTP:jsmith@contoso.com, Parameters: windowStart = 3/2/2026\r\n. Name of the server where exception originated: FABRIKAM-EX01.fabrikam.com.";

    #[test]
    fn innermost_exception_beats_the_http_status() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let v = c.classify(&event(Some(4002), TLS_4002)).unwrap();
        assert_eq!(id_of(&g, &v), "tls-trust");
        let e = v.evidence.as_ref().unwrap();
        assert_eq!((e.segment, e.segments, e.tier), (1, 2, Tier::Exception));
        assert!(e.matched.starts_with("Could not establish trust"), "{e:?}");
        assert_eq!(v.side, Side::Requester);
        assert_eq!(v.phase, Phase::Availability);
    }

    #[test]
    fn reads_the_facts_of_a_4002() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let rec = event(Some(4002), TLS_4002);
        let v = c.classify(&rec).unwrap();
        let f = c.finding(
            &rec,
            v,
            3,
            HostId::resolve(&rec.computer),
            TimeBasis::LogUtc,
        );
        assert_eq!(f.request_type, "FederatedCrossForest");
        assert_eq!(f.caller_auth, "WSSecurity");
        assert_eq!(
            f.target_url,
            "https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity"
        );
        assert_eq!(f.target, "mail.contoso.com");
        assert_eq!(f.uri_stem, "/EWS/Exchange.asmx/WSSecurity");
        assert_eq!(f.mailbox, "jsmith@contoso.com");
        assert_eq!(f.origin_server, "FABRIKAM-EX01.fabrikam.com");
        assert_eq!(f.http_status, Some(401));
        assert_eq!(f.server, "FABRIKAM-EX01");
        assert_eq!(f.event_id, Some(4002));
        assert_eq!(f.source, SourceKind::EventLog);
        assert!(f.detail.contains("rule tls-trust"), "{}", f.detail);
    }

    #[test]
    fn the_status_decides_when_no_exception_signature_matches() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let msg = "ProxyWebRequest FederatedCrossForest from S-1 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: System.Net.WebException: The request failed with HTTP status 401: Unauthorized.";
        let v = c.classify(&event(Some(4002), msg)).unwrap();
        assert_eq!(id_of(&g, &v), "wssecurity-4xx");
        let other = msg.replace("Caller SIDs: WSSecurity", "Caller SIDs: NetworkCredentials");
        let v = c.classify(&event(Some(4002), &other)).unwrap();
        assert_eq!(id_of(&g, &v), "unclassified");
    }

    #[test]
    fn a_4001_names_the_mail_domain_as_target_and_the_wrapper_comes_last() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let msg = "Process Microsoft.Exchange.InfoWorker.Common.Delayed`1[System.String]: <jsmith@contoso.com>SMTP:jsmith@contoso.com failed. Exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.AutoDiscoverFailedException: Autodiscover failed for e-mail address <jsmith@contoso.com>SMTP:jsmith@contoso.com with exception System.Net.WebException: The remote name could not be resolved: 'autodiscover.contoso.com'";
        let rec = event(Some(4001), msg);
        let v = c.classify(&rec).unwrap();
        assert_eq!(id_of(&g, &v), "dns-resolution");
        assert_eq!(v.phase, Phase::Autodiscover);
        let f = c.finding(&rec, v, 0, HostId::unknown(), TimeBasis::LogUtc);
        assert_eq!(f.target, "contoso.com");
        assert_eq!(f.mailbox, "jsmith@contoso.com");
        let wrapper_only = msg.replace("The remote name could not be resolved", "Something new");
        let v = c.classify(&event(Some(4001), &wrapper_only)).unwrap();
        assert_eq!(id_of(&g, &v), "autodiscover-failed");
        assert_eq!(v.evidence.unwrap().tier, Tier::Wrapper);
    }

    #[test]
    fn other_availability_errors_are_unclassified_and_other_providers_ignored() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let v = c
            .classify(&event(
                Some(4010),
                "Process 1: Request from S-1-5-21 failed security checks.",
            ))
            .unwrap();
        assert_eq!(id_of(&g, &v), "unclassified");
        assert_eq!(v.side, Side::Responder);
        let mut info = event(
            Some(4999),
            "could not establish trust relationship for the ssl/tls secure channel",
        );
        info.level = "Information".into();
        assert!(c.classify(&info).is_none());
        let mut other = event(
            Some(4002),
            "Could not establish trust relationship for the SSL/TLS secure channel",
        );
        other.provider = "MSExchange RPC Client Access".into();
        assert!(c.classify(&other).is_none());
        assert!(!c.is_freebusy_event(&other));
    }

    /// A reader may leave out the text of the providers `reads_text` refuses: their events
    /// are dismissed on the provider alone, whatever their message says.
    #[test]
    fn text_is_read_only_for_providers_classification_looks_at() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        for provider in [
            " msexchange availability ",
            "Test-FederationTrust",
            "TEST-ORGANIZATIONRELATIONSHIP",
        ] {
            assert!(c.reads_text(provider), "{provider}");
        }
        for provider in [
            "Microsoft-Windows-Security-Auditing",
            "MSExchange RPC Client Access",
            "",
        ] {
            assert!(!c.reads_text(provider), "{provider}");
            let mut ev = event(Some(4002), TLS_4002);
            ev.provider = provider.into();
            assert!(c.classify(&ev).is_none(), "{provider}");
        }
    }

    #[test]
    fn test_steps_become_token_or_config_findings() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let step = EventRecord {
            provider: "Test-FederationTrust".into(),
            level: "Error".into(),
            message: "Failed to validate delegation token.".into(),
            data: vec!["TokenValidation".into()],
            ..EventRecord::default()
        };
        let v = c.classify(&step).unwrap();
        assert_eq!(
            (id_of(&g, &v).as_str(), v.phase),
            ("token-processing", Phase::Token)
        );
        let ok = EventRecord {
            level: "Success".into(),
            ..step.clone()
        };
        assert!(c.classify(&ok).is_none());
        let orgrel = EventRecord {
            provider: "Test-OrganizationRelationship".into(),
            level: "Error".into(),
            message: "The application URIs differ.".into(),
            data: vec!["ApplicationUrisDiffer".into()],
            ..EventRecord::default()
        };
        let v = c.classify(&orgrel).unwrap();
        assert_eq!(
            (id_of(&g, &v).as_str(), v.phase),
            ("orgrel-config", Phase::Config)
        );
        let cert = EventRecord {
            provider: "Test-FederationTrust".into(),
            level: "Error".into(),
            message: "OrganizationCertificate: Unable to find the certificate referenced by property OrgPrivCertificate in the FederationTrust object.".into(),
            ..EventRecord::default()
        };
        let v = c.classify(&cert).unwrap();
        assert_eq!(
            (id_of(&g, &v).as_str(), v.phase),
            ("federation-cert", Phase::Token)
        );
        let unknown = EventRecord {
            message: "Something else failed.".into(),
            data: vec!["SomethingElse".into()],
            ..orgrel
        };
        let v = c.classify(&unknown).unwrap();
        assert_eq!(
            (id_of(&g, &v).as_str(), v.phase),
            ("unclassified", Phase::Config)
        );
    }

    #[test]
    fn splits_at_every_arrow_spelling_and_cuts_stack_traces() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let msg = "A: one ---> B: two\n   at X.Y(Z)\n —> C: three &#8212;> D: four    at Q.R(S)";
        let texts: Vec<&str> = c.segments(msg).iter().map(|s| s.text.trim()).collect();
        assert_eq!(texts, ["A: one", "B: two", "C: three", "D: four"]);
        assert_eq!(c.segments("plain").len(), 1);
    }

    #[test]
    fn urls_split_into_host_and_path() {
        assert_eq!(
            split_url("https://Mail.Contoso.com:443/EWS/Exchange.asmx?x=1"),
            ("mail.contoso.com".into(), "/EWS/Exchange.asmx".into())
        );
        assert_eq!(split_url("nonsense"), (String::new(), String::new()));
    }

    /// grammars/README.md §4: a socket reset nested inside a failed *send* is the TLS handshake
    /// failing; the same reset inside a receive from a partner is a reset.
    #[test]
    fn a_cause_overrides_the_symptom_nested_inside_it() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let send = "Process 1: ProxyWebRequest FederatedCrossForest from S-1 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is System.Net.WebException: The underlying connection was closed: An unexpected error occurred on a send. ---> System.IO.IOException: Unable to read data from the transport connection: An existing connection was forcibly closed by the remote host.";
        let v = c.classify(&event(Some(4002), send)).unwrap();
        assert_eq!(id_of(&g, &v), "tls-handshake");
        assert_eq!(v.evidence.unwrap().segment, 0, "the outer cause is shown");
        let receive = send.replace("on a send", "on a receive");
        let v = c.classify(&event(Some(4002), &receive)).unwrap();
        assert_eq!(id_of(&g, &v), "connection-reset");
    }

    /// `unless`: a 403 is ews-forbidden only when it is about EWS.
    #[test]
    fn whole_message_conditions_decide_whether_a_status_rule_applies() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let ews = "Process 1: ProxyWebRequest CrossForest from S-1 to https://mail.contoso.com/EWS/Exchange.asmx failed. Caller SIDs: NetworkCredentials. The exception returned is System.Net.WebException: The request failed with HTTP status 403: Forbidden.";
        let v = c.classify(&event(Some(4002), ews)).unwrap();
        assert_eq!(id_of(&g, &v), "ews-forbidden");
        let pf = "Process 1: Microsoft.Exchange.InfoWorker.Common.Availability.PublicFolderRequest failed. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.PublicFolderRequestProcessingException: The remote server returned an error: (403) Forbidden..";
        let v = c.classify(&event(Some(4003), pf)).unwrap();
        assert_eq!(id_of(&g, &v), "unclassified");
    }

    #[test]
    fn a_4001_with_no_specific_cause_is_autodiscover_failed() {
        let g = grammar();
        let c = EventClassifier::new(&g);
        let msg = "Process Microsoft.Exchange.InfoWorker.Common.Delayed`1[System.String]: <a@contoso.com>SMTP:a@contoso.com failed. Exception returned is System.Exception: Something new.";
        let v = c.classify(&event(Some(4001), msg)).unwrap();
        assert_eq!(id_of(&g, &v), "autodiscover-failed");
        let v = c.classify(&event(Some(4002), msg)).unwrap();
        assert_eq!(id_of(&g, &v), "unclassified");
    }
}
