//! The real-case corpus (`tests/cases/*.toml`, format in `tests/cases/README.md`): every
//! verbatim public text must get the id its source's author diagnosed, through the same code
//! `fbscope explain` runs. A failing case is fixed in the rules, never in its expectation.

use fbscope::grammar::cases::{self, CaseFile};
use fbscope::grammar::Grammar;

use crate::util::root;

fn corpus() -> (Grammar, Vec<CaseFile>) {
    let grammar = Grammar::embedded().expect("shipped grammars load");
    let files = cases::load_dir(&root().join(cases::DEFAULT_DIR)).expect("case files parse");
    (grammar, files)
}

#[test]
fn every_case_has_a_source_a_unique_id_and_taxonomy_ids() {
    let (grammar, files) = corpus();
    assert!(!files.is_empty(), "no case files in tests/cases");
    let problems = cases::validate(&grammar, &files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_case_gets_its_sources_diagnosis() {
    let (grammar, files) = corpus();
    let outcomes = cases::run(&grammar, &files);
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{}: expected {}, got {}", o.name, o.expected, o.got))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} cases fail:\n{}",
        failed.len(),
        outcomes.len(),
        failed.join("\n")
    );
}

/// grammars/README.md's seed evidence (§3 IIS lines, §4 signatures inside a 4002) keeps its id.
#[test]
fn the_domain_notes_seed_texts_keep_their_ids() {
    let grammar = Grammar::embedded().expect("shipped grammars load");
    let iis = |stem: &str, ua: &str, status: &str| {
        format!("2026-03-02 09:31:02 10.0.1.11 POST {stem} - 443 - 40.92.4.77 {ua} - {status} 15")
    };
    let proxy = |inner: &str| {
        format!("Process 7420[w3wp.exe:/LM/W3SVC/2/ROOT/EWS-1-1]: ProxyWebRequest FederatedCrossForest from S-1-5-21-1-2-3-1105 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: Proxy web request failed. ---> {inner}")
    };
    let ews = "/EWS/Exchange.asmx/WSSecurity";
    let ad = "/autodiscover/autodiscover.svc/WSSecurity";
    let asproxy = "ASProxy/CrossForest/EmailDomain//15.02.1544.004";
    let seeds: Vec<(String, &str)> = vec![
        (iis(ews, asproxy, "500 0 0"), "wssecurity-500"),
        (iis(ews, asproxy, "500 0 64"), "wssecurity-500"),
        (iis(ews, asproxy, "200 0 64"), "connection-reset"),
        (iis(ad, "ASAutoDiscover/CrossForest/EmailDomain//15.02", "401 0 0"), "wssecurity-4xx"),
        (iis(ad, "ASAutoDiscover/CrossForest/EmailDomain//15.02", "500 0 0"), "wssecurity-500"),
        (iis("/EWS/Exchange.asmx", asproxy, "403 0 0"), "ews-forbidden"),
        (proxy("Microsoft.Exchange.Security.OAuth.OAuthTokenRequestFailedException: Missing signing certificate."), "oauth-auth"),
        (proxy("Microsoft.Exchange.Net.WSTrust.SoapFaultException: Soap fault exception received."), "sts-delegation-token"),
        (proxy("System.Exception: Unable to find the certificate referenced by property OrgPrivCertificate in the FederationTrust object."), "federation-cert"),
        (proxy("System.Web.Services.Protocols.SoapHeaderException: An error occurred when processing the security tokens in the message."), "token-processing"),
        (proxy("System.Web.Services.Protocols.SoapException: An error occurred when verifying security for the message."), "security-verification"),
        (proxy("System.Net.WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel."), "tls-trust"),
        (proxy("System.Net.WebException: The request was aborted: Could not create SSL/TLS secure channel."), "tls-handshake"),
        (proxy("System.Net.WebException: The underlying connection was closed: An unexpected error occurred on a send. ---> System.IO.IOException: An existing connection was forcibly closed by the remote host."), "tls-handshake"),
        (proxy("System.Net.WebException: The remote name could not be resolved: 'mail.contoso.com'"), "dns-resolution"),
        (proxy("System.Net.WebException: Unable to connect to the remote server"), "connect-failure"),
        (proxy("System.Net.WebException: The underlying connection was closed: An unexpected error occurred on a receive. ---> System.IO.IOException: An existing connection was forcibly closed by the remote host."), "connection-reset"),
        (proxy("System.Net.WebException: The operation has timed out"), "timeout"),
        (proxy("System.Net.WebException: The request failed with HTTP status 503: Service Unavailable."), "service-unavailable"),
        (proxy("System.InvalidOperationException: Response is not well-formed XML."), "perimeter-interference"),
        (proxy("System.Net.WebException: The request failed with HTTP status 401: Unauthorized."), "wssecurity-4xx"),
        (proxy("Microsoft.Exchange.InfoWorker.Common.Availability.NoFreeBusyAccessException: ResponseCode: ErrorNoFreeBusyAccess."), "orgrel-config"),
        ("Unable to federate your domain, your system time appears to be more than five minutes out of sync with the time on our federation servers.".into(), "clock-skew"),
        ("Process Microsoft.Exchange.InfoWorker.Common.Delayed`1[System.String]: <a@contoso.com>SMTP:a@contoso.com failed. Exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.AutoDiscoverFailedException: Autodiscover failed for e-mail address <a@contoso.com>SMTP:a@contoso.com with exception Microsoft.Exchange.SoapWebClient.SoapHttpClientProtocolException: The autodiscover response contains no user settings.".into(), "autodiscover-failed"),
    ];
    let wrong: Vec<String> = seeds
        .iter()
        .map(|(text, want)| (cases::first_id(&grammar, text), want, text))
        .filter(|(got, want, _)| got != *want)
        .map(|(got, want, text)| format!("expected {want}, got {got}: {text}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
