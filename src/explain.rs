//! `fbscope explain`: one pasted piece of evidence → its taxonomy id, why, and what to do.
//!
//! The text is read the way `analyze` would read a file of it: an event-log export or paste
//! (Event Viewer General text, CSV, XML, Test-FederationTrust / Test-OrganizationRelationship
//! output, ...) through the event-log parsers; W3C lines (with or without a `#Fields` line)
//! through the web classifier; anything else as the message of an MSExchange Availability
//! error. The first line printed is the taxonomy id, so scripts can `head -1`.

mod copied;
mod paste;

use std::fmt::Write as _;
use std::sync::Arc;

use crate::classify::{Classifier, EventClassifier, EventVerdict, Verdict};
use crate::grammar::pattern::Pattern;
use crate::grammar::{CategoryId, Grammar};
use crate::input::origin::Input;
use crate::input::sniff::{self, Format};
use crate::parse::eventlog::{self, EventFormat, EventParseOptions};
use crate::parse::w3c::header::HeaderState;
use crate::parse::w3c::layout::{Field, FieldLayout, HTTPERR_DEFAULT_FIELDS};
use crate::parse::w3c::record::W3cRecord;
use crate::parse::w3c::split::split;
use crate::record::EventRecord;
use crate::sanitize::terminal;

/// Display name of the explained text in messages.
const DISPLAY: &str = "<explain>";

/// One explained failure.
#[derive(Debug, Clone)]
pub struct Item {
    pub category: CategoryId,
    /// A rule matched (false: the `unclassified` fallback).
    pub matched: bool,
    /// Which rule and signature, and where.
    pub why: String,
    /// What the evidence was read as (event id, side, phase, target, ...).
    pub context: String,
    /// Where the text is genuinely ambiguous: the next most likely id and what tells the two
    /// apart (from the matching rule's `runner_up` / `tells_apart`).
    pub runner_up: Option<(CategoryId, String)>,
}

/// Everything `explain` found in the text.
#[derive(Debug, Clone, Default)]
pub struct Explanation {
    /// "an error message", "an IIS log line", "event-text export (2 events)", ...
    pub read_as: String,
    pub items: Vec<Item>,
    /// Said after the items (e.g. lines that were not free/busy failures).
    pub notes: Vec<String>,
}

impl Explanation {
    /// At least one item matched a rule (exit code 0).
    pub fn classified(&self) -> bool {
        self.items.iter().any(|i| i.matched)
    }

    /// The text printed: the taxonomy id of the first item on the first line.
    pub fn render(&self, grammar: &Grammar) -> String {
        let mut s = String::new();
        if self.items.is_empty() {
            let _ = writeln!(
                s,
                "nothing matched: no free/busy failure found in {}",
                self.read_as
            );
        }
        for (n, item) in self.items.iter().enumerate() {
            if n > 0 {
                s.push('\n');
            }
            render_item(&mut s, grammar, item);
        }
        if !self.items.is_empty() && !self.classified() {
            let _ = writeln!(
                s,
                "\nnothing matched: no signature of grammars/ names this failure (it is kept as unclassified)"
            );
        }
        let _ = writeln!(s, "\nread as: {}", self.read_as);
        for note in &self.notes {
            let _ = writeln!(s, "note: {note}");
        }
        terminal_lines(&s)
    }
}

fn render_item(s: &mut String, grammar: &Grammar, item: &Item) {
    let cat = grammar.category(item.category);
    let _ = writeln!(s, "{}", cat.id);
    let _ = writeln!(s, "  why:   {}", item.why);
    if !item.context.is_empty() {
        let _ = writeln!(s, "  seen:  {}", item.context);
    }
    if let Some((other, tells)) = &item.runner_up {
        let _ = writeln!(
            s,
            "  or:    {} (runner-up): {tells}",
            grammar.category(*other).id
        );
    }
    let _ = writeln!(s, "  title: {} [{}]", cat.title, cat.severity);
    let _ = writeln!(s, "  fix:   {}", cat.remediation);
    for r in &cat.references {
        let _ = writeln!(s, "  see:   {r}");
    }
}

/// Sanitizes every line for the terminal, keeping the line breaks.
fn terminal_lines(s: &str) -> String {
    s.lines()
        .map(|l| terminal(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Explains one text, with pasted local event times read as UTC.
pub fn explain(grammar: &Grammar, text: &str) -> Explanation {
    explain_with(grammar, text, &EventParseOptions::default())
}

/// Explains one text; `events` says the zone of pasted local times (`--event-tz`).
pub fn explain_with(grammar: &Grammar, text: &str, events: &EventParseOptions) -> Explanation {
    // An export is parsed as written (an XML export's own entities are XML's); anything else
    // is read as the log wrote it, undoing what copying did (see `copied`).
    if let Some(e) = explain_export(grammar, text, events) {
        return e;
    }
    let logged = copied::as_logged(text);
    if matches!(logged, std::borrow::Cow::Owned(_)) {
        if let Some(e) = explain_export(grammar, &logged, events) {
            return e;
        }
    }
    let text = logged.as_ref();
    let bytes = text.as_bytes();
    match sniff::sniff(bytes) {
        Format::Iis => explain_web(grammar, text, false),
        Format::HttpErr => explain_web(grammar, text, true),
        _ if pasted_w3c(text) => explain_web(grammar, text, false),
        _ => explain_message(grammar, text),
    }
}

/// An event-log export or paste, when the text is one.
fn explain_export(
    grammar: &Grammar,
    text: &str,
    events: &EventParseOptions,
) -> Option<Explanation> {
    let bytes = text.as_bytes();
    let format = eventlog::sniff(bytes, DISPLAY, &grammar.sources.vocabulary)?;
    Some(match explain_events(grammar, format, bytes, events) {
        Ok(e) => e,
        Err(why) => {
            let mut e = explain_message(grammar, text);
            e.notes.push(format!(
                "looked like {} but could not be read as one ({why})",
                format.name()
            ));
            e
        }
    })
}

/// Most pastes are a line or two; more than this is a log for `analyze`.
const MAX_PASTED_LINES: usize = 200;

/// IIS lines as pasted (a label in front, placeholders, a lost column) that the log sniffer
/// does not take for a log: every data line must look like a request line once tidied.
fn pasted_w3c(text: &str) -> bool {
    let reader = paste::PasteReader::new();
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .peekable();
    lines.peek().is_some()
        && lines
            .take(MAX_PASTED_LINES + 1)
            .enumerate()
            .all(|(i, l)| i < MAX_PASTED_LINES && reader.looks_like_w3c(&reader.tidy(l).line))
}

/// An event-log export or paste, parsed by the same parsers as `analyze`.
fn explain_events(
    grammar: &Grammar,
    format: EventFormat,
    bytes: &[u8],
    opts: &EventParseOptions,
) -> Result<Explanation, String> {
    let input = in_memory(bytes);
    let classifier = EventClassifier::new(grammar);
    let mut items = Vec::new();
    let mut events = 0u64;
    let mut other = 0u64;
    let out = eventlog::parse(
        format,
        &input,
        opts,
        &grammar.sources.vocabulary,
        &mut |rec: EventRecord| {
            events += 1;
            match classifier.classify(&rec) {
                Some(v) => items.push(event_item(&classifier, &rec, v)),
                None => other += 1,
            }
        },
    )?;
    let mut e = Explanation {
        read_as: format!("{} export ({events} events)", format.name()),
        items: ordered(items),
        notes: Vec::new(),
    };
    if other > 0 {
        e.notes.push(format!(
            "{other} event(s) were not free/busy failures (other providers, or not errors)"
        ));
    }
    for note in &out.notes {
        e.notes.push(note.clone());
    }
    if out.tally.rejected > 0 {
        e.notes.push(format!(
            "{} unit(s) could not be read: {}",
            out.tally.rejected,
            out.rejections
                .first()
                .map_or_else(String::new, |r| r.reason.clone())
        ));
    }
    Ok(e)
}

/// Matched items first, each group in order of appearance.
fn ordered(items: Vec<Item>) -> Vec<Item> {
    let (mut matched, unmatched): (Vec<Item>, Vec<Item>) =
        items.into_iter().partition(|i| i.matched);
    matched.extend(unmatched);
    matched
}

fn in_memory(bytes: &[u8]) -> Input {
    Input::from_bytes(DISPLAY, bytes.to_vec())
}

/// Bare messages: several pasted one after the other (each starts a line as a
/// `facts.message_start` pattern of sources.toml says) are explained one by one.
fn explain_message(grammar: &Grammar, text: &str) -> Explanation {
    let starts: Vec<usize> = message_starts(text, &grammar.sources.facts.message_start);
    if starts.len() < 2 {
        return explain_one_message(grammar, text);
    }
    let mut all = Explanation {
        read_as: format!("{} pasted error messages", starts.len()),
        ..Explanation::default()
    };
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    for (n, (from, to)) in starts.iter().zip(ends).enumerate() {
        let one = explain_one_message(grammar, &text[*from..to]);
        all.items.extend(one.items);
        all.notes.extend(
            one.notes
                .into_iter()
                .map(|m| format!("message {}: {m}", n + 1)),
        );
    }
    all
}

/// Byte offsets of the lines that start a message: lines (less their indentation) that a
/// pattern matches at their start.
fn message_starts(text: &str, patterns: &[Pattern]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if patterns
            .iter()
            .any(|p| p.find(t).is_some_and(|m| m.start() == 0))
        {
            starts.push(at + (line.len() - t.len()));
        }
        at += line.len();
    }
    starts
}

/// A bare message: an MSExchange Availability error, its event id guessed from its shape.
fn explain_one_message(grammar: &Grammar, text: &str) -> Explanation {
    // The event id from the message's shape, the provider from sources.toml.
    let event_id = grammar.sources.shape_of(text);
    let provider = grammar
        .sources
        .availability()
        .map_or_else(String::new, |p| p.name.clone());
    let rec = EventRecord {
        position: 1,
        provider: provider.clone(),
        event_id,
        level: "Error".into(),
        message: text.to_owned(),
        ..EventRecord::default()
    };
    let classifier = EventClassifier::new(grammar);
    let read_as = match event_id {
        Some(id) => format!("an error message (shaped like an {provider} {id})"),
        None => "an error message".to_owned(),
    };
    // Text of no known shape that no rule names is not an Availability error at all.
    let items = classifier
        .classify(&rec)
        .filter(|v| v.evidence.is_some() || event_id.is_some())
        .map(|v| {
            let mut item = event_item(&classifier, &rec, v);
            // No event was given: say what the text was taken for, not a provider.
            item.context = item
                .context
                .replacen(&provider, "read as an Availability message", 1);
            item
        })
        .into_iter()
        .collect();
    Explanation {
        read_as,
        items,
        notes: Vec::new(),
    }
}

fn event_item(classifier: &EventClassifier<'_>, rec: &EventRecord, v: EventVerdict) -> Item {
    let grammar = classifier.grammar();
    let why = match &v.evidence {
        Some(e) => {
            let rule = &grammar.event_rules[e.rule];
            format!(
                "rule {} ({}, tier {}) matched \"{}\" in {}: {}",
                rule.id,
                rule.origin,
                e.tier.as_str(),
                e.matched,
                e.place(),
                e.segment_text
            )
        }
        None => format!(
            "no rule matched; the innermost exception says: {}",
            crate::classify::event::shorten(&v.innermost)
        ),
    };
    let context = event_context(rec, &v);
    let runner_up = v.evidence.as_ref().and_then(|e| {
        let rule = &grammar.event_rules[e.rule];
        rule.runner_up.map(|c| (c, rule.tells_apart.clone()))
    });
    Item {
        category: v.category,
        matched: v.evidence.is_some(),
        why,
        context,
        runner_up,
    }
}

/// "MSExchange Availability 4002 on FABRIKAM-EX01 (requester, phase availability); request
/// FederatedCrossForest; caller WSSecurity; target https://...; mailbox ...".
fn event_context(rec: &EventRecord, v: &EventVerdict) -> String {
    let mut parts = Vec::new();
    let mut head = rec.provider.trim().to_owned();
    if let Some(id) = rec.event_id {
        let _ = write!(head, " {id}");
    }
    if !rec.computer.trim().is_empty() {
        let _ = write!(head, " on {}", rec.computer.trim());
    }
    if let Some(t) = rec.time {
        let _ = write!(head, " at {}", crate::time::format_utc(t));
    }
    let _ = write!(head, " ({}, phase {})", v.side.as_str(), v.phase.as_str());
    parts.push(head);
    let f = &v.facts;
    let named = [
        ("request", &f.request_type),
        ("caller", &f.caller_auth),
        ("target", &f.target_url),
        ("mailbox", &f.mailbox),
        ("originated on", &f.origin_server),
    ];
    for (name, value) in named {
        if !value.is_empty() {
            parts.push(format!("{name} {value}"));
        }
    }
    if let Some(s) = f.http_status {
        parts.push(format!("HTTP {s}"));
    }
    parts.join("; ")
}

/// W3C lines: each data line under the `#Fields` in force (the Exchange or HTTP.sys default
/// when the text has none), classified like `analyze` does.
fn explain_web(grammar: &Grammar, text: &str, httperr: bool) -> Explanation {
    let classifier = Classifier::new(grammar);
    let default = if httperr {
        Arc::new(FieldLayout::parse(HTTPERR_DEFAULT_FIELDS))
    } else {
        FieldLayout::exchange_default()
    };
    let mut header = HeaderState::initial(default);
    let reader = paste::PasteReader::new();
    let mut spans = Vec::new();
    let mut items = Vec::new();
    let mut notes = Vec::new();
    let mut lines = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.starts_with('#') {
            header.apply_line(line.as_bytes());
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let tidied = reader.tidy(line);
        for note in tidied.notes {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        let line = tidied.line.as_str();
        let shaped;
        let mut in_force = &header;
        if let Err(found) = split(line.as_bytes(), header.layout.len(), &mut spans) {
            // Without a #Fields line the layout was a guess: read the line by its shape.
            match paste::shaped_layout(line).filter(|_| header.assumed) {
                Some((layout, name)) => {
                    notes.push(format!(
                        "line {}: {found} values: read by shape as the Exchange default layout {name}",
                        n + 1
                    ));
                    shaped = HeaderState::initial(layout);
                    in_force = &shaped;
                    let _ = split(line.as_bytes(), in_force.layout.len(), &mut spans);
                }
                None => {
                    notes.push(format!(
                        "line {}: {found} values where the #Fields in force has {}; give the log's #Fields line before it",
                        n + 1,
                        header.layout.len()
                    ));
                    continue;
                }
            }
        }
        let rec = W3cRecord {
            line: line.as_bytes(),
            spans: &spans,
            header: in_force,
        };
        match classifier.classify_w3c(&rec, httperr) {
            Verdict::Failed {
                category,
                phase,
                rule,
            } => items.push(web_item(grammar, &rec, category, phase, rule, n + 1)),
            Verdict::Succeeded => notes.push(format!(
                "line {}: a free/busy request that succeeded (status {})",
                n + 1,
                rec.status().map_or_else(|| "-".into(), |s| s.to_string())
            )),
            Verdict::NotFreeBusy => notes.push(format!(
                "line {}: not free/busy traffic (neither a WSSecurity endpoint nor an availability agent)",
                n + 1
            )),
        }
    }
    let kind = if httperr { "HTTPERR" } else { "IIS" };
    Explanation {
        read_as: format!("{lines} {kind} log line(s)"),
        items: ordered(items),
        notes,
    }
}

fn web_item(
    grammar: &Grammar,
    rec: &W3cRecord<'_>,
    category: CategoryId,
    phase: crate::finding::Phase,
    rule: Option<usize>,
    line: usize,
) -> Item {
    let text = |f| {
        rec.get(f).map_or_else(
            || "-".to_owned(),
            |v| String::from_utf8_lossy(v).into_owned(),
        )
    };
    let request = format!(
        "{} {} {} {} {} from {} ({})",
        text(Field::Method),
        rec.path()
            .map_or_else(|| "-".into(), |p| String::from_utf8_lossy(p).into_owned()),
        text(Field::Status),
        text(Field::SubStatus),
        text(Field::Win32Status),
        text(Field::ClientIp),
        text(Field::UserAgent).replace('+', " "),
    );
    let why = match rule.map(|i| &grammar.iis_rules[i]) {
        Some(r) => format!(
            "web rule {} ({}) matched line {line}: {request}",
            r.id, r.origin
        ),
        None => format!("a failing free/busy request no web rule names, line {line}: {request}"),
    };
    Item {
        category,
        matched: rule.is_some(),
        why,
        context: format!(
            "{}{} (responder, phase {})",
            rec.get(Field::ComputerName).map_or_else(
                || "the web server".to_owned(),
                |v| String::from_utf8_lossy(v).into_owned()
            ),
            // A paste without date and time says nothing of when.
            rec.time()
                .map(|t| format!(" at {}", crate::time::format_utc(t)))
                .unwrap_or_default(),
            phase.as_str()
        ),
        runner_up: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grammar() -> Grammar {
        Grammar::embedded().expect("shipped grammars load")
    }

    const TLS_4002: &str = "Process 7420[w3wp.exe:/LM/W3SVC/2/ROOT/EWS-1-1]: ProxyWebRequest FederatedCrossForest from S-1-5-21-1-2-3-1105 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: Proxy web request failed. ---> System.Net.WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel. ---> System.Security.Authentication.AuthenticationException: The remote certificate is invalid according to the validation procedure.";

    #[test]
    fn a_4002_with_an_inner_tls_trust_failure_prints_tls_trust_first() {
        let g = grammar();
        let e = explain(&g, TLS_4002);
        assert!(e.classified());
        let out = e.render(&g);
        assert_eq!(out.lines().next(), Some("tls-trust"), "{out}");
        assert!(out.contains("innermost exception (3 of 3)"), "{out}");
        assert!(out.contains("root"), "{out}");
        assert!(
            out.contains("shaped like an MSExchange Availability 4002"),
            "{out}"
        );
    }

    #[test]
    fn an_iis_line_is_classified_by_the_web_rules() {
        let g = grammar();
        let line = "2026-03-02 09:31:02 10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity - 443 - 40.92.4.77 ASProxy/CrossForest/EmailDomain//15.02.1544.004 - 500 0 0 31";
        let out = explain(&g, line).render(&g);
        assert_eq!(out.lines().next(), Some("wssecurity-500"), "{out}");
        assert!(out.contains("iis-500-on-wssecurity"), "{out}");
        let with_fields = "#Fields: date time s-computername cs-method cs-uri-stem sc-status c-ip cs(User-Agent)\n2026-03-02 09:31:02 EXCH01 POST /autodiscover/autodiscover.svc/WSSecurity 401 40.92.4.77 ASAutoDiscover/CrossForest/EmailDomain//15.02";
        let out = explain(&g, with_fields).render(&g);
        assert_eq!(out.lines().next(), Some("wssecurity-4xx"), "{out}");
    }

    /// The first line of a GetUserAvailability error (gh-ews-managed-api-issue-210) is an
    /// Availability failure no rule names: unclassified, not "no free/busy failure found".
    #[test]
    fn a_proxy_web_request_failure_alone_is_an_unclassified_failure() {
        let g = grammar();
        let text = "Proxy web request failed. , inner exception: System.Web.Services.Protocols.SoapException: An internal server error occurred. The operation failed.";
        let e = explain(&g, text);
        let out = e.render(&g);
        assert!(!e.items.is_empty(), "{out}");
        assert!(!e.classified(), "{out}");
        assert!(out.contains("kept as unclassified"), "{out}");
    }

    #[test]
    fn nothing_matched_says_so() {
        let g = grammar();
        let e = explain(&g, "the weather is fine");
        assert!(!e.classified());
        let out = e.render(&g);
        assert!(out.contains("nothing matched"), "{out}");
        let ok = "2026-03-02 08:12:33 10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity - 443 - 52.100.14.23 ASProxy/CrossForest/EmailDomain//15.02.1544.004 - 200 0 0 674";
        let e = explain(&g, ok);
        assert!(!e.classified());
        assert!(e.render(&g).contains("succeeded"));
    }

    #[test]
    fn hostile_text_cannot_reach_the_terminal() {
        let g = grammar();
        let out = explain(&g, &format!("{TLS_4002}\x1b]0;pwned\x07\x1b[2J")).render(&g);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    }

    /// "verifying security" is ambiguous: the first id, then the runner-up and what tells them
    /// apart; the first line stays the id.
    #[test]
    fn an_ambiguous_text_names_the_runner_up() {
        let g = grammar();
        let msg = "ProxyWebRequest FederatedCrossForest from S-1 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is System.Web.Services.Protocols.SoapException: An error occurred when verifying security for the message.";
        let out = explain(&g, msg).render(&g);
        assert_eq!(out.lines().next(), Some("security-verification"), "{out}");
        assert!(
            out.contains("or:    token-processing (runner-up): "),
            "{out}"
        );
        assert!(out.contains("clock"), "{out}");
        let ad = "Autodiscover failed for email address User@contoso.com with error System.Web.Services.Protocols.SoapHeaderException: An error occurred when verifying security for the message";
        let out = explain(&g, ad).render(&g);
        assert_eq!(out.lines().next(), Some("token-processing"), "{out}");
        assert!(
            out.contains("or:    security-verification (runner-up)"),
            "{out}"
        );
    }

    #[test]
    fn several_pasted_messages_are_explained_one_by_one() {
        let g = grammar();
        let two = format!("{TLS_4002}\n\nProcess 7420[w3wp.exe]: ProxyWebRequest CrossForest from S-1 to https://mail.contoso.com/EWS/Exchange.asmx failed. Caller SIDs: NetworkCredentials. The exception returned is System.Net.WebException: The request failed with HTTP status 503: Service Unavailable.");
        let e = explain(&g, &two);
        assert_eq!(e.items.len(), 2, "{}", e.render(&g));
        let ids: Vec<&str> = e
            .items
            .iter()
            .map(|i| g.category(i.category).id.as_str())
            .collect();
        assert_eq!(ids, ["tls-trust", "service-unavailable"]);
        assert!(e.read_as.contains("2 pasted error messages"));
    }

    #[test]
    fn pasted_iis_lines_are_read_by_their_shape() {
        let g = grammar();
        let labelled = "IIS Logs:  2015-06-08 04:19:25 <IP Address> POST /EWS/Exchange.asmx - 443 domain\\svc <IP Address> ASProxy/CrossForest/EmailDomain/EXCH/08.03.0083.000 - 403 0 0 718";
        let out = explain(&g, labelled).render(&g);
        assert_eq!(out.lines().next(), Some("ews-forbidden"), "{out}");
        assert!(out.contains("dropped \"IIS Logs:\""), "{out}");
        let no_referer = "2015-06-08 04:16:29 <IP Address> POST /EWS/Exchange.asmx - 444 domain\\svc 10.152.152.166 ASProxy/CrossForest/EmailDomain/EXCH/08.03.0083.000 403 0 0 233";
        let out = explain(&g, no_referer).render(&g);
        assert_eq!(out.lines().next(), Some("ews-forbidden"), "{out}");
        assert!(out.contains("without cs(Referer)"), "{out}");
        let no_time = "10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity - 443 - 40.92.4.77 ASProxy/CrossForest/EmailDomain//15.02 - 500 0 64 31";
        let out = explain(&g, no_time).render(&g);
        assert_eq!(out.lines().next(), Some("wssecurity-500"), "{out}");
        assert!(out.contains("without date and time"), "{out}");
    }
}
