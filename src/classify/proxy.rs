//! Turns free/busy HttpProxy rows into findings (the [`ProxySink`] of the Exchange CSV
//! reader). The front end (CAFE) writes one row per request it proxies, so a finding here is
//! responder-side evidence, like the IIS line of the same request.

use crate::config::Filter;
use crate::finding::{Finding, Side, SourceKind, TimeBasis};
use crate::host::{HostCache, HostId};
use crate::parse::exchange::{ProxyField, ProxyRow, ProxySink};
use crate::tally::Tally;

use super::{Classifier, Verdict};

/// How much of `GenericErrors` a finding's detail keeps at most: the exception says what
/// failed; the stack that follows is for the logs.
const GENERIC_ERRORS_CHARS: usize = 300;

/// HttpProxy writes a stack trace on one line, each frame after four spaces (`    at ...`,
/// localized: `    à ...` on a French server): the detail keeps what comes before.
const STACK_FRAME_GAP: &str = "    ";

/// Collects the findings of one HttpProxy log.
pub struct ProxyFindings<'a> {
    pub classifier: &'a Classifier<'a>,
    pub filter: &'a Filter,
    pub input: usize,
    /// The input's server (from its path), for rows without `ServerHostName`.
    pub server: &'a HostId,
    /// Resolves `ServerHostName` values.
    pub names: HostCache,
    pub findings: Vec<Finding>,
    /// The first row's `ServerHostName`: the inventory's server.
    pub first_server: Option<HostId>,
}

impl ProxySink for ProxyFindings<'_> {
    fn row(&mut self, line: u64, row: &ProxyRow<'_>, tally: &mut Tally) {
        if self.first_server.is_none() {
            self.first_server = row
                .get(ProxyField::ServerHostName)
                .map(HostId::resolve_bytes);
        }
        let verdict = self.classifier.classify_proxy(row);
        if verdict == Verdict::NotFreeBusy {
            return;
        }
        let time = row.time();
        let server = match row.get(ProxyField::ServerHostName) {
            Some(name) => self.names.resolve(name).clone(),
            None => self.server.clone(),
        };
        if !self.filter.admits(time, &server) {
            tally.filtered += 1;
            tally.filtered_undated += u64::from(time.is_none());
            return;
        }
        tally.freebusy_requests += 1;
        if let Verdict::Failed {
            category,
            phase,
            rule,
        } = verdict
        {
            tally.findings += 1;
            let rule_id = rule.map(|i| self.classifier.grammar().iis_rules[i].id.as_str());
            let mut f = self.finding(line, row, time, server, rule_id);
            f.category = category;
            f.phase = phase;
            self.findings.push(f);
        }
    }
}

impl ProxyFindings<'_> {
    fn finding(
        &self,
        line: u64,
        row: &ProxyRow<'_>,
        time: Option<i64>,
        server: HostId,
        rule_id: Option<&str>,
    ) -> Finding {
        let target_server = row.text(ProxyField::TargetServer);
        Finding {
            time,
            subsec: row.subsec(),
            site: String::new(),
            source: SourceKind::HttpProxy,
            input: self.input,
            position: line,
            category: crate::grammar::CategoryId(0),
            phase: crate::finding::Phase::Availability,
            side: Side::Responder,
            http_status: row.status(),
            sub_status: None,
            win32_status: None,
            method: row.text(ProxyField::Method),
            uri_stem: row.text(ProxyField::UrlStem),
            client_ip: row.text(ProxyField::ClientIpAddress),
            user_agent: row.text(ProxyField::UserAgent),
            target: if target_server.is_empty() {
                server.to_string()
            } else {
                target_server
            },
            server,
            event_id: None,
            mailbox: String::new(),
            detail: detail(row, rule_id),
            request_type: String::new(),
            caller_auth: String::new(),
            origin_server: String::new(),
            target_url: String::new(),
            time_basis: TimeBasis::LogUtc,
            target_host: row.text(ProxyField::UrlHost),
            partner_domain: String::new(),
            time_taken_ms: row
                .get(ProxyField::TotalRequestTime)
                .and_then(crate::parse::parse_num),
            record_id: None,
            cafe_req_id: row
                .get(ProxyField::RequestId)
                .and_then(crate::parse::exchange::parse_guid),
        }
    }
}

/// `HttpProxy 401 (back end 401); ErrorCode ...; GenericErrors ...; to <server>; rule <id>`.
fn detail(row: &ProxyRow<'_>, rule_id: Option<&str>) -> String {
    let mut d = format!("HttpProxy {}", row.text(ProxyField::HttpStatus));
    let backend = row.text(ProxyField::BackEndStatus);
    if !backend.is_empty() {
        d.push_str(&format!(" (back end {backend})"));
    }
    let code = row.text(ProxyField::ErrorCode);
    if !code.is_empty() {
        d.push_str(&format!("; ErrorCode {code}"));
    }
    let errors = row.text(ProxyField::GenericErrors);
    if !errors.is_empty() {
        let message = errors.split(STACK_FRAME_GAP).next().unwrap_or_default();
        let kept: String = message
            .trim_end()
            .chars()
            .take(GENERIC_ERRORS_CHARS)
            .collect();
        d.push_str(&format!("; GenericErrors {kept}"));
    }
    match rule_id {
        Some(id) => d.push_str(&format!("; rule {id}")),
        None => d.push_str("; no rule matched"),
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::Grammar;
    use crate::parse::exchange::{row, ProxyLayout};

    const FIELDS: &str = "DateTime,RequestId,Protocol,UrlHost,UrlStem,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,BackEndStatus,ErrorCode,Method,TargetServer,GenericErrors";

    /// The verdict on one row under [`FIELDS`], and the category's name if it failed.
    fn verdict(g: &Grammar, line: &str) -> (Verdict, Option<String>) {
        let layout = ProxyLayout::from_names(FIELDS.split(','));
        let mut cells = Vec::new();
        row::split(line.as_bytes(), &mut cells).unwrap();
        let r = ProxyRow {
            line: line.as_bytes(),
            cells: &cells,
            layout: &layout,
        };
        let v = Classifier::new(g).classify_proxy(&r);
        let name = match v {
            Verdict::Failed { category, .. } => Some(g.category(category).id.clone()),
            _ => None,
        };
        (v, name)
    }

    #[test]
    fn freebusy_rows_are_classified_by_the_iis_rules() {
        let g = Grammar::embedded().expect("shipped grammars load");
        let row = |proto: &str, stem: &str, ua: &str, status: &str, code: &str| {
            format!("2026-03-02T09:10:15.412Z,366ee18c-8545-4781-a124-7ac2f3ffc100,{proto},mail.contoso.com,{stem},{ua},40.92.17.44,EXCH01,{status},{status},{code},POST,EXCH01.contoso.com,")
        };
        let asproxy = "ASProxy/CrossForest/EmailDomain//15.02.1544.004";
        let (_, cat) = verdict(
            &g,
            &row("Ews", "/EWS/Exchange.asmx/WSSecurity", asproxy, "401", ""),
        );
        assert_eq!(cat.as_deref(), Some("wssecurity-4xx"));
        let (_, cat) = verdict(
            &g,
            &row("Ews", "/ews/exchange.asmx/wssecurity", "", "500", ""),
        );
        assert_eq!(cat.as_deref(), Some("wssecurity-500"));
        let ad = "ASAutoDiscover/CrossForest/EmailDomain//15.02.1544.004";
        let (_, cat) = verdict(
            &g,
            &row(
                "Autodiscover",
                "/autodiscover/autodiscover.svc",
                ad,
                "404",
                "",
            ),
        );
        assert_eq!(cat.as_deref(), Some("autodiscover-failed"));
        // An ErrorCode makes a failure of a 200; no rule names it.
        let (_, cat) = verdict(
            &g,
            &row(
                "Ews",
                "/EWS/Exchange.asmx/WSSecurity",
                asproxy,
                "200",
                "SomeError",
            ),
        );
        assert_eq!(cat.as_deref(), Some("unclassified"));
        let (v, _) = verdict(
            &g,
            &row("Ews", "/EWS/Exchange.asmx/WSSecurity", asproxy, "200", ""),
        );
        assert_eq!(v, Verdict::Succeeded);
    }

    #[test]
    fn other_rows_are_not_freebusy() {
        let g = Grammar::embedded().expect("shipped grammars load");
        let outlook = "2026-03-02T09:10:15Z,x,Ews,mail.contoso.com,/EWS/Exchange.asmx,Microsoft Office/16.0,10.0.5.31,EXCH01,401,401,,POST,EXCH01,";
        assert_eq!(verdict(&g, outlook).0, Verdict::NotFreeBusy);
        let mapi = "2026-03-02T09:10:15Z,x,Mapi,mail.contoso.com,/EWS/Exchange.asmx/WSSecurity,,10.0.5.31,EXCH01,500,500,,POST,EXCH01,";
        assert_eq!(verdict(&g, mapi).0, Verdict::NotFreeBusy);
    }

    #[test]
    fn the_detail_keeps_the_exception_not_the_stack() {
        let layout = ProxyLayout::from_names(FIELDS.split(','));
        let line = "2026-03-02T09:10:15Z,x,Ews,h,/EWS/Exchange.asmx/WSSecurity,,ip,EXCH01,503,503,,POST,EXCH01,WebException=System.Net.WebException: (503) Server Unavailable.    at System.Net.HttpWebRequest.EndGetResponse()";
        let mut cells = Vec::new();
        row::split(line.as_bytes(), &mut cells).unwrap();
        let r = ProxyRow {
            line: line.as_bytes(),
            cells: &cells,
            layout: &layout,
        };
        assert_eq!(
            detail(&r, Some("iis-503-on-freebusy")),
            "HttpProxy 503 (back end 503); GenericErrors WebException=System.Net.WebException: (503) Server Unavailable.; rule iis-503-on-freebusy"
        );
    }
}
