//! Free/busy traffic as data (`[[stem]]` and `[[agent]]` in `grammars/iis.toml`): the
//! request paths and their class, the availability user agents, and the short literals the
//! web-log scan searches for, derived from them by code.
//!
//! The scan looks for literals one of which every free/busy line holds: a WSSecurity stem
//! counts whoever calls it, the other stems only with an availability agent. So each
//! WSSecurity stem and each agent gives one literal: a 3-byte window of it (of a stem's last
//! path segment) that occurs in no stem the rest of Exchange's traffic calls all day (Outlook
//! calls `/EWS/Exchange.asmx` and `/autodiscover/autodiscover.svc` constantly, so "ver/" of
//! `ASAutoDiscover/` would select every autodiscover line), with the fewest letters among
//! those (each letter doubles the case spellings the SIMD searcher is given).

use crate::classify::freebusy::StemClass;

/// Bytes per derived literal: short enough to keep the case spellings few, long enough to be
/// rare in ordinary Exchange traffic. 3, not 4: 24 spellings instead of 48 let the SIMD
/// searcher run about 25% faster (2.9 -> 3.7 GB/s over the first 256 MB of the benchmark log,
/// one core) for 1.9% more matches there and 1 candidate line instead of 0 in the corpus's
/// 4,443 third-party IIS lines; `perf stat` of `bench-iis` took 7-25% less CPU in four pairs.
const LITERAL_LEN: usize = 3;

/// The compiled traffic definition.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// Lower-cased path → class.
    pub stems: Vec<(Vec<u8>, StemClass)>,
    /// Lower-cased user-agent prefixes.
    pub agents: Vec<Vec<u8>>,
    /// The scan's literals, derived by [`derive_literals`].
    pub candidate_literals: Vec<String>,
    /// `(path or agent, example)` as written, for `grammars check`.
    pub examples: Vec<(String, String)>,
    /// `sc-win32-status` values that make a request a failure whatever its status.
    pub connection_lost_win32: Vec<u64>,
    /// `[httpproxy]` of `grammars/exchange.toml`.
    pub httpproxy: HttpProxyTraffic,
}

/// What the grammars say about Exchange HttpProxy logs.
#[derive(Debug, Clone, Default)]
pub struct HttpProxyTraffic {
    /// The `#Fields` assumed for HttpProxy rows without their header.
    pub default_fields: Vec<String>,
    /// `Protocol` values whose rows may be free/busy (compared case-insensitively).
    pub protocols: Vec<String>,
    /// The cs-uri-query key (before its `=`) whose value is the front end's request id.
    pub iis_query_key: Vec<u8>,
}

impl HttpProxyTraffic {
    /// The request id an IIS line's query carries (`...;&cafeReqId=<guid>;`).
    pub fn request_id_in_query(&self, query: &[u8]) -> Option<u128> {
        let key = &self.iis_query_key;
        if key.is_empty() {
            return None;
        }
        memchr::memchr_iter(b'=', query)
            .filter(|&eq| eq >= key.len() && query[eq - key.len()..eq].eq_ignore_ascii_case(key))
            .find_map(|eq| crate::parse::exchange::parse_guid(query.get(eq + 1..eq + 37)?))
    }

    pub fn is_freebusy_protocol(&self, protocol: &[u8]) -> bool {
        self.protocols
            .iter()
            .any(|p| p.as_bytes().eq_ignore_ascii_case(protocol))
    }
}

impl Traffic {
    /// The class of a path, compared exactly (case-insensitive, a trailing `/` ignored).
    pub fn stem_of(&self, path: &[u8]) -> Option<StemClass> {
        let path = path.strip_suffix(b"/").unwrap_or(path);
        self.stems
            .iter()
            .find(|(stem, _)| path.eq_ignore_ascii_case(stem))
            .map(|&(_, class)| class)
    }

    pub fn is_availability_agent(&self, ua: &[u8]) -> bool {
        self.agents
            .iter()
            .any(|a| ua.len() >= a.len() && ua[..a.len()].eq_ignore_ascii_case(a))
    }

    /// Is this request free/busy traffic?
    pub fn is_freebusy(&self, stem: StemClass, user_agent: Option<&[u8]>) -> bool {
        stem.is_wssecurity() || user_agent.is_some_and(|ua| self.is_availability_agent(ua))
    }
}

/// The scan literals for these stems and agents; `Err` names what no literal could be found
/// for.
pub fn derive_literals(
    stems: &[(Vec<u8>, StemClass)],
    agents: &[Vec<u8>],
) -> Result<Vec<String>, String> {
    let common: Vec<&[u8]> = stems
        .iter()
        .filter(|(_, c)| !c.is_wssecurity())
        .map(|(s, _)| s.as_slice())
        .collect();
    let all: Vec<&[u8]> = stems.iter().map(|(s, _)| s.as_slice()).collect();
    let mut out: Vec<String> = Vec::new();
    for (stem, _) in stems.iter().filter(|(_, c)| c.is_wssecurity()) {
        let last = stem.rsplit(|&b| b == b'/').next().unwrap_or(stem);
        push_rare(&mut out, last, &common, stem)?;
    }
    for agent in agents {
        push_rare(&mut out, agent, &all, agent)?;
    }
    Ok(out)
}

fn push_rare(
    out: &mut Vec<String>,
    source: &[u8],
    avoid: &[&[u8]],
    name: &[u8],
) -> Result<(), String> {
    let found = source
        .windows(LITERAL_LEN)
        .filter(|w| !avoid.iter().any(|s| contains(s, w)))
        .min_by_key(|w| w.iter().filter(|b| b.is_ascii_alphabetic()).count());
    let Some(w) = found else {
        return Err(format!(
            "no {LITERAL_LEN}-byte part of {:?} is absent from the other stems: the scan could not find its lines",
            String::from_utf8_lossy(name)
        ));
    };
    let lit = String::from_utf8_lossy(w).into_owned();
    if !out.contains(&lit) {
        out.push(lit);
    }
    Ok(())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::Grammar;

    /// The scan's literals follow from the shipped stems and agents; pinned, because a change
    /// changes how many lines the hot path splits (re-run the IIS benchmark when it does).
    #[test]
    fn the_shipped_stems_and_agents_give_the_scan_literals() {
        let g = Grammar::embedded().expect("shipped grammars load");
        assert_eq!(g.traffic.candidate_literals, ["wss", "xy/", "asa", "ip/"]);
    }

    /// Every free/busy line holds a literal: each WSSecurity stem, and each agent (the other
    /// stems count only with one); no literal is in a stem Outlook calls all day.
    #[test]
    fn every_freebusy_shape_holds_a_literal_and_common_stems_none() {
        let g = Grammar::embedded().expect("shipped grammars load");
        let t = &g.traffic;
        let holds = |s: &[u8]| {
            let lower = s.to_ascii_lowercase();
            t.candidate_literals
                .iter()
                .any(|l| contains(&lower, l.as_bytes()))
        };
        for (stem, class) in &t.stems {
            assert_eq!(holds(stem), class.is_wssecurity(), "{stem:?}");
        }
        for agent in &t.agents {
            assert!(holds(agent), "{agent:?}");
        }
        assert!(!t.examples.is_empty());
    }

    #[test]
    fn the_front_end_request_id_is_read_from_the_iis_query() {
        let g = Grammar::embedded().expect("shipped grammars load");
        let h = &g.traffic.httpproxy;
        let q = b"&CorrelationID=<empty>;&cafeReqId=366ee18c-8545-4781-a124-7ac2f3ffc100;";
        assert_eq!(
            h.request_id_in_query(q),
            Some(0x366ee18c_8545_4781_a124_7ac2f3ffc100)
        );
        assert_eq!(
            h.request_id_in_query(b"CAFEREQID=366ee18c-8545-4781-a124-7ac2f3ffc100"),
            h.request_id_in_query(q)
        );
        assert_eq!(h.request_id_in_query(b"&cafeReqId=not-a-guid;"), None);
        assert_eq!(h.request_id_in_query(b"x=1&cafeReqId="), None);
        assert!(h.is_freebusy_protocol(b"ews") && !h.is_freebusy_protocol(b"Mapi"));
    }

    #[test]
    fn an_agent_inside_the_stems_cannot_be_found() {
        let stems = vec![(
            b"/autodiscover/autodiscover.svc".to_vec(),
            StemClass::AutodiscoverSvc,
        )];
        assert!(derive_literals(&stems, &[b"autodiscover".to_vec()]).is_err());
        let ok = derive_literals(&stems, &[b"asautodiscover/".to_vec()]).unwrap();
        assert_eq!(ok, ["asa"]);
    }
}
