//! Turns candidate web-log records into findings (the [`RecordSink`] of the W3C scanner).

use crate::config::Filter;
use crate::finding::{Finding, Side, SourceKind, TimeBasis};
use crate::host::{HostCache, HostId};
use crate::parse::w3c::layout::Field;
use crate::parse::w3c::record::W3cRecord;
use crate::parse::w3c::scan::RecordSink;
use crate::sanitize::lossy;
use crate::tally::Tally;

use super::{Classifier, Verdict};
use crate::correlate::TrafficChunk;

/// Collects the findings of one chunk of one web log into `F`: a `Vec`, or a fold that
/// takes each finding as it is made (on a failure-heavy log, a chunk's findings held
/// together were megabytes moved and freed again).
pub struct WebSink<'a, F: Extend<Finding> = Vec<Finding>> {
    pub classifier: &'a Classifier<'a>,
    pub filter: &'a Filter,
    pub input: usize,
    /// The input's server, for lines without `s-computername`.
    pub server: &'a HostId,
    /// Resolves `s-computername` values.
    pub names: HostCache,
    pub site: &'a str,
    pub httperr: bool,
    pub findings: F,
    /// Every free/busy request of the chunk, failed or not.
    pub traffic: TrafficChunk,
    /// Free/busy requests without a readable date and time (a day past the month's end, a
    /// garbled time), and the first one's line: said in the inventory, not silently undated.
    pub undated: Undated,
}

/// Free/busy requests of a chunk without a readable time.
#[derive(Debug, Default, Clone, Copy)]
pub struct Undated {
    pub requests: u64,
    pub first_line: Option<u64>,
}

impl<F: Extend<Finding>> RecordSink for WebSink<'_, F> {
    fn record(&mut self, line: u64, rec: &W3cRecord<'_>, tally: &mut Tally) {
        let verdict = self.classifier.classify_w3c(rec, self.httperr);
        if verdict == Verdict::NotFreeBusy {
            return;
        }
        let time = rec.time();
        if time.is_none() {
            self.undated.requests += 1;
            self.undated.first_line.get_or_insert(line);
        }
        // Borrowed, not cloned: every free/busy line passes here, and cloning the server's
        // `Arc` from both workers made its reference count a contended cache line.
        let server: &HostId = match rec.get(Field::ComputerName) {
            Some(name) => self.names.resolve(name),
            None => self.server,
        };
        if !self.filter.admits(time, server) {
            tally.filtered += 1;
            tally.filtered_undated += u64::from(time.is_none());
            return;
        }
        tally.freebusy_requests += 1;
        count_traffic(
            &mut self.traffic,
            rec,
            time,
            server,
            verdict != Verdict::Succeeded,
        );
        if let Verdict::Failed {
            category,
            phase,
            rule,
        } = verdict
        {
            tally.findings += 1;
            let failure = Failure {
                category,
                phase,
                rule_id: rule.map(|i| self.classifier.grammar().iis_rules[i].id.as_str()),
            };
            let server = server.clone();
            let finding = self.finding(line, rec, time, server, failure);
            self.findings.extend(std::iter::once(finding));
        }
    }
}

fn text(v: Option<&[u8]>) -> String {
    v.map(|b| lossy(b).into_owned()).unwrap_or_default()
}

/// A user agent as people read it: IIS writes its spaces as `+`.
fn agent_text(v: Option<&[u8]>) -> String {
    let mut bytes = v.unwrap_or_default().to_vec();
    bytes
        .iter_mut()
        .filter(|b| **b == b'+')
        .for_each(|b| *b = b' ');
    String::from_utf8(bytes).unwrap_or_else(|e| lossy(e.as_bytes()).into_owned())
}

/// What classification decided about a failing record.
struct Failure<'g> {
    category: crate::grammar::CategoryId,
    phase: crate::finding::Phase,
    /// The rule that matched; `None` for an unclassified failure.
    rule_id: Option<&'g str>,
}

/// Counts a free/busy request, failed or not, in the chunk's traffic.
fn count_traffic(
    counts: &mut TrafficChunk,
    rec: &W3cRecord<'_>,
    time: Option<i64>,
    server: &HostId,
    failed: bool,
) {
    counts.count(server, time, failed);
    if let Some(host) = rec.get(Field::Host) {
        counts.host(server, host);
    }
}

impl<F: Extend<Finding>> WebSink<'_, F> {
    fn finding(
        &self,
        line: u64,
        rec: &W3cRecord<'_>,
        time: Option<i64>,
        server: HostId,
        failure: Failure<'_>,
    ) -> Finding {
        let Failure {
            category,
            phase,
            rule_id,
        } = failure;
        let site = rec
            .get(Field::SiteName)
            .map_or_else(|| self.site.to_owned(), |s| lossy(s).into_owned());
        let target_host = text(rec.get(Field::Host));
        let target = if target_host.is_empty() {
            server.to_string()
        } else {
            target_host.clone()
        };
        Finding {
            time,
            // IIS and HTTPERR log whole seconds.
            subsec: None,
            server,
            site,
            source: if self.httperr {
                SourceKind::HttpErr
            } else {
                SourceKind::Iis
            },
            input: self.input,
            position: line,
            category,
            phase,
            side: Side::Responder,
            http_status: rec.status(),
            sub_status: rec.sub_status(),
            win32_status: rec.win32_status(),
            method: text(rec.get(Field::Method)),
            uri_stem: text(rec.path()),
            client_ip: text(rec.get(Field::ClientIp)),
            user_agent: agent_text(rec.get(Field::UserAgent)),
            target,
            event_id: None,
            mailbox: String::new(),
            detail: self.detail(rec, rule_id),
            request_type: String::new(),
            caller_auth: String::new(),
            origin_server: String::new(),
            target_url: String::new(),
            time_basis: if rec.has_utc_time() {
                TimeBasis::LogUtc
            } else {
                TimeBasis::ServerLocal
            },
            target_host,
            partner_domain: String::new(),
            time_taken_ms: rec.get(Field::TimeTaken).and_then(crate::parse::parse_num),
            record_id: None,
            cafe_req_id: rec.get(Field::UriQuery).and_then(|q| {
                let traffic = &self.classifier.grammar().traffic;
                traffic.httpproxy.request_id_in_query(q)
            }),
        }
    }

    /// `401 0 0; rule <id>` (`HTTP.sys <status> <reason>` for HTTPERR), built in one buffer:
    /// every failed line makes one.
    fn detail(&self, rec: &W3cRecord<'_>, rule_id: Option<&str>) -> String {
        let (prefix, fields): (&str, &[Field]) = if self.httperr {
            ("HTTP.sys ", &[Field::Status, Field::Reason])
        } else {
            ("", &[Field::Status, Field::SubStatus, Field::Win32Status])
        };
        let mut d = String::with_capacity(48);
        d.push_str(prefix);
        for (i, &field) in fields.iter().enumerate() {
            if i > 0 {
                d.push(' ');
            }
            d.push_str(&lossy(rec.get(field).unwrap_or_default()));
        }
        if let Some(q) = rec.get(Field::QueueName) {
            d.push_str(" (queue ");
            d.push_str(&lossy(q));
            d.push(')');
        }
        match rule_id {
            Some(id) => {
                d.push_str("; rule ");
                d.push_str(id);
            }
            None => d.push_str("; no rule matched"),
        }
        match d.trim() {
            t if t.len() == d.len() => d,
            t => t.to_owned(),
        }
    }
}
