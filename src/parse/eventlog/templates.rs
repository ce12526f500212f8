//! Message templates for events whose EVTX records hold only insertion strings.
//!
//! Classic event sources keep their message text in a DLL on the logging server, so an
//! `.evtx` carries only the `%1..%n` values. For the free/busy events the values still hold
//! the exception text that classification searches, so a readable message is rebuilt here.
//! The real layout of the strings is not public: when the count does not fit a template, the
//! message is every string in order, so nothing the classifier needs is ever dropped.

/// `MSExchange Availability` templates by event id. Each uses `%1..%n` once, in order.
const AVAILABILITY: &[(u32, &str)] = &[
    // Public wording of 4002 (domain.md §2, KB 2734791 and the cited write-ups).
    (
        4002,
        "Process %1: ProxyWebRequest %2 from %3 to %4 failed. Caller SIDs: %5. The exception returned is %6",
    ),
    // 4001's public shape is "Process <delayed type>: <addr>SMTP:<addr> failed. Exception
    // returned is <exception>" (domain.md §2); the split into three strings is inferred.
    (4001, "Process %1: %2 failed. Exception returned is %3"),
];

/// The provider whose events are rebuilt from templates.
pub const AVAILABILITY_PROVIDER: &str = "MSExchange Availability";

/// Rebuilds the message of an event from its insertion strings.
pub fn render(provider: &str, event_id: Option<u32>, data: &[String]) -> String {
    let template = event_id.and_then(|id| template(provider, id));
    match template {
        Some(t) if placeholders(t) <= data.len() && !data.is_empty() => fill(t, data),
        _ => data.join("\n"),
    }
}

fn template(provider: &str, id: u32) -> Option<&'static str> {
    if !provider.eq_ignore_ascii_case(AVAILABILITY_PROVIDER) {
        return None;
    }
    AVAILABILITY.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
}

/// How many `%n` the template uses (it uses `%1..%n`, each once).
fn placeholders(t: &str) -> usize {
    (1..=99)
        .take_while(|n| t.contains(&format!("%{n}")))
        .count()
}

/// Substitutes `%1..%n` (highest first, so `%1` does not eat `%10`) and appends any strings
/// past `%n` on their own lines.
fn fill(t: &str, data: &[String]) -> String {
    let n = placeholders(t);
    let mut out = String::with_capacity(t.len() + data.iter().map(String::len).sum::<usize>());
    let mut rest = t;
    for (i, value) in data.iter().enumerate().take(n) {
        let mark = format!("%{}", i + 1);
        let at = rest.find(&mark).unwrap_or(rest.len());
        out.push_str(&rest[..at]);
        out.push_str(value.trim_end());
        rest = &rest[(at + mark.len()).min(rest.len())..];
    }
    out.push_str(rest);
    for extra in &data[n..] {
        out.push('\n');
        out.push_str(extra);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rebuilds_4002() {
        let data = strings(&[
            "5464",
            "FederatedCrossForest",
            "SMTP:user@contoso.com",
            "https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity",
            "WSSecurity",
            "Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: ... ---> System.Net.WebException: The remote name could not be resolved",
        ]);
        let msg = render("MSExchange Availability", Some(4002), &data);
        assert!(msg.starts_with("Process 5464: ProxyWebRequest FederatedCrossForest from SMTP:user@contoso.com to https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange"));
        assert!(msg.contains("remote name could not be resolved"));
    }

    #[test]
    fn keeps_every_string_in_order_when_the_layout_differs() {
        let data = strings(&["a", "b", "The exception returned is X"]);
        let msg = render("MSExchange Availability", Some(4002), &data);
        assert_eq!(msg, "a\nb\nThe exception returned is X");
        let more = strings(&["1", "2", "3", "4", "5", "6", "seventh"]);
        let msg = render("MSExchange Availability", Some(4002), &more);
        assert!(msg.ends_with("is 6\nseventh"));
    }

    #[test]
    fn other_providers_join_strings() {
        let data = strings(&["x", "y"]);
        assert_eq!(render("ESENT", Some(4002), &data), "x\ny");
        assert_eq!(render("ESENT", None, &[]), "");
    }

    #[test]
    fn templates_use_each_placeholder_once_in_order() {
        for (_, t) in AVAILABILITY {
            let n = placeholders(t);
            let positions: Vec<usize> =
                (1..=n).map(|i| t.find(&format!("%{i}")).unwrap()).collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{t}");
            assert_eq!(t.matches('%').count(), n, "{t}");
        }
    }
}
