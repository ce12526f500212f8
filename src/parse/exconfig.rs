//! Exchange configuration exports in a bundle (`Get-WebServicesVirtualDirectory | fl`,
//! `Get-AutodiscoverVirtualDirectory | fl`, `Get-ClientAccessService | fl`): which server
//! answers for which host name. The correlator uses them to tie a requester's target host to
//! a responder server when its IIS logs do not record `cs-host` (link basis `config-export`).
//!
//! Format-List output is `Name : value` lines in blocks separated by blank lines; a long value
//! wraps onto indented continuation lines (ignored here: URLs in these exports fit one line).

use crate::host::HostId;
use std::collections::{BTreeMap, BTreeSet};

/// Property names whose values are the URLs a server answers on.
const URL_PROPERTIES: [&str; 4] = [
    "internalurl",
    "externalurl",
    "autodiscoverserviceinternaluri",
    "autodiscoverserviceexternaluri",
];

/// Does the head of a file look like such an export? (A URL property and a `Server` or
/// `Identity` line, in Format-List shape.)
pub fn sniff(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let (mut url, mut owner) = (false, false);
    for line in text.lines() {
        if let Some((name, value)) = property(line) {
            url |= URL_PROPERTIES.contains(&name.as_str()) && value.contains("://");
            owner |= name == "server" || name == "identity";
        }
    }
    url && owner
}

fn property(line: &str) -> Option<(String, &str)> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let (name, value) = line.split_once(':')?;
    let name = name.trim();
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.trim()))
}

/// What one export says, and how its lines were read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ConfigExport {
    /// Server → host names (lower-cased) it answers on.
    pub hosts: BTreeMap<HostId, BTreeSet<String>>,
    pub lines: u64,
    pub properties: u64,
    pub blank: u64,
    /// Lines that are not `Name : value` (prompts, headers, continuations).
    pub other: u64,
}

/// Reads a whole export.
pub fn parse(text: &str) -> ConfigExport {
    let mut out = ConfigExport::default();
    let mut block: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        out.lines += 1;
        if line.trim().is_empty() {
            out.blank += 1;
            flush(&mut block, &mut out.hosts);
            continue;
        }
        match property(line) {
            Some((name, value)) => {
                out.properties += 1;
                block.push((name, value.to_owned()));
            }
            None => out.other += 1,
        }
    }
    flush(&mut block, &mut out.hosts);
    out
}

/// The server of a block (`Server`, else the part of `Identity` before `\`) and its URL hosts.
fn flush(block: &mut Vec<(String, String)>, hosts: &mut BTreeMap<HostId, BTreeSet<String>>) {
    let get = |n: &str| block.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let server = get("server").filter(|s| !s.is_empty()).or_else(|| {
        get("identity")
            .and_then(|i| i.split_once('\\'))
            .map(|(s, _)| s)
    });
    if let Some(server) = server {
        for (name, value) in block.iter() {
            if let Some(host) = URL_PROPERTIES
                .contains(&name.as_str())
                .then(|| url_host(value))
                .flatten()
            {
                hosts
                    .entry(HostId::resolve(server))
                    .or_default()
                    .insert(host);
            }
        }
    }
    block.clear();
}

fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', ':', '?']).next()?.trim();
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "[PS] C:\\>Get-WebServicesVirtualDirectory | fl Server,Identity,InternalUrl,ExternalUrl\r\n\r\nServer      : EXCH02\r\nIdentity    : EXCH02\\EWS (Default Web Site)\r\nInternalUrl : https://mail.contoso.com/EWS/Exchange.asmx\r\nExternalUrl : https://Mail.Contoso.com:443/EWS/Exchange.asmx\r\n\r\nIdentity    : EXCH03\\EWS (Default Web Site)\r\nExternalUrl :\r\nInternalUrl : https://exch03.contoso.local/EWS/Exchange.asmx\r\n";

    #[test]
    fn servers_and_their_url_hosts_are_read_and_every_line_counted() {
        assert!(sniff(EXPORT.as_bytes()));
        let e = parse(EXPORT);
        assert_eq!(
            e.hosts[&HostId::resolve("EXCH02")]
                .iter()
                .collect::<Vec<_>>(),
            ["mail.contoso.com"]
        );
        assert_eq!(
            e.hosts[&HostId::resolve("EXCH03")]
                .iter()
                .collect::<Vec<_>>(),
            ["exch03.contoso.local"]
        );
        assert_eq!(e.lines, e.properties + e.blank + e.other);
        assert_eq!(e.other, 1);
    }

    #[test]
    fn a_transcript_without_urls_is_not_a_config_export() {
        assert!(!sniff(
            b"Id         : FederationMetadata\nType       : Success\n"
        ));
    }
}
