//! Free/busy traffic as the responders logged it, failed or not: counted per responder
//! server and minute, so "the responder saw the requests and answered 200" can be told from
//! "nothing arrived", and the timeline can show a failure *rate*.
//!
//! This runs once per free/busy line in the workers, so a key allocates nothing: the server
//! is an index into the chunk's few server names, and a log's lines mostly repeat the
//! previous line's (server, minute), which is counted without hashing. Chunks fold into one
//! [`Traffic`] by addition, which is order-independent, so the result is the same for any
//! `--threads`.
//!
//! Earlier versions also counted per client address and stem class. No report read those
//! counts, and on an all-failure log from Exchange Online (random source addresses, so most
//! (client, minute) keys new) they were 12% of the samples of a run (`perf record`).

use std::collections::{BTreeMap, BTreeSet};

// aHash: these maps are hit once per free/busy line; SipHash showed in profiles.
use ahash::AHashMap as HashMap;

use crate::host::HostId;
use crate::time::UnixTime;

/// Distinct `cs-host` values remembered per server (a server serves a handful of names).
pub const MAX_HOSTS_PER_SERVER: usize = 64;

/// Requests and failures in one minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub requests: u64,
    pub failed: u64,
}

impl Count {
    fn add(&mut self, o: Count) {
        self.requests += o.requests;
        self.failed += o.failed;
    }
}

/// (index of the server in the chunk's list, minute since the epoch).
type Key = (u32, i64);

/// (server index, `cs-host` bytes) → host name.
type Hosts = HashMap<(u32, Vec<u8>), String>;

/// One chunk's counts.
#[derive(Debug, Default)]
pub struct TrafficChunk {
    /// Servers of the chunk (usually one).
    servers: Vec<HostId>,
    counts: HashMap<Key, Count>,
    /// The (server, minute) being counted and its count so far, not yet in `counts`.
    current: Option<(Key, Count)>,
    /// (server index, host bytes) → host name, allocated once per chunk.
    hosts: Hosts,
    host_buf: Vec<u8>,
    /// The (server index, host bytes) of the previous line: lines of a log mostly repeat it,
    /// and comparing is cheaper than hashing.
    last_host: (u32, Vec<u8>),
}

impl TrafficChunk {
    fn server_index(&mut self, server: &HostId) -> u32 {
        // The previous line's server, the usual case, is found by its first comparison.
        let found = self.servers.iter().position(|s| s == server);
        let at = found.unwrap_or_else(|| {
            self.servers.push(server.clone());
            self.servers.len() - 1
        });
        at as u32
    }

    /// Counts one free/busy request of `server` at `time` (undated requests have no minute
    /// and are not counted here; the inventory counts them).
    pub fn count(&mut self, server: &HostId, time: Option<UnixTime>, failed: bool) {
        let Some(t) = time else { return };
        let key = (self.server_index(server), t.div_euclid(60));
        let current = match &mut self.current {
            Some((k, count)) if *k == key => count,
            slot => {
                if let Some((k, count)) = slot.take() {
                    self.counts.entry(k).or_default().add(count);
                }
                &mut slot.insert((key, Count::default())).1
            }
        };
        current.requests += 1;
        current.failed += u64::from(failed);
    }

    /// Every (server, minute) count of the chunk.
    fn into_counts(mut self) -> (Vec<HostId>, HashMap<Key, Count>, Hosts) {
        if let Some((k, count)) = self.current.take() {
            self.counts.entry(k).or_default().add(count);
        }
        (self.servers, self.counts, self.hosts)
    }

    /// Remembers a `cs-host` the server answered for.
    pub fn host(&mut self, server: &HostId, host: &[u8]) {
        if host.is_empty() || host == b"-" {
            return;
        }
        let at = self.server_index(server);
        if self.last_host.0 == at && self.last_host.1 == host {
            return;
        }
        self.last_host.0 = at;
        self.last_host.1.clear();
        self.last_host.1.extend_from_slice(host);
        self.host_buf.clear();
        self.host_buf.extend_from_slice(host);
        let key = (at, std::mem::take(&mut self.host_buf));
        if self.hosts.contains_key(&key) {
            self.host_buf = key.1;
            return;
        }
        let name = String::from_utf8_lossy(host).to_ascii_lowercase();
        let name = name.split(':').next().unwrap_or_default().to_owned();
        self.hosts.insert(key, name);
    }
}

/// Every responder's traffic.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// (server, minute) → counts.
    pub by_server: BTreeMap<(HostId, i64), Count>,
    /// server → `cs-host` values seen in its free/busy lines.
    pub hosts: BTreeMap<HostId, BTreeSet<String>>,
}

impl Traffic {
    pub fn merge(&mut self, chunk: TrafficChunk) {
        let (servers, counts, hosts) = chunk.into_counts();
        for ((at, minute), count) in counts {
            let key = (servers[at as usize].clone(), minute * 60);
            self.by_server.entry(key).or_default().add(count);
        }
        for ((at, _), host) in hosts {
            let set = self.hosts.entry(servers[at as usize].clone()).or_default();
            if set.len() < MAX_HOSTS_PER_SERVER {
                set.insert(host);
            }
        }
    }

    /// Requests `server` logged from `start` to `end` (whole minutes touching the window).
    pub fn requests_between(&self, server: &HostId, start: UnixTime, end: UnixTime) -> Count {
        let lo = (server.clone(), start.div_euclid(60) * 60);
        let hi = (server.clone(), end.div_euclid(60) * 60);
        let mut total = Count::default();
        for (_, c) in self.by_server.range(lo..=hi) {
            total.add(*c);
        }
        total
    }

    /// Servers that logged any free/busy traffic.
    pub fn servers(&self) -> BTreeSet<&HostId> {
        self.by_server.keys().map(|(s, _)| s).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (server, second, failed) of a few requests, out of order and across two servers.
    const REQUESTS: [(&str, i64, bool); 7] = [
        ("EXCH01", 120, false),
        ("EXCH01", 150, true),
        ("exch02", 130, true),
        ("EXCH01", 170, true),
        ("EXCH01", 60, false),
        ("exch01", 179, false),
        ("EXCH02", 240, false),
    ];

    fn counted(chunks: &[&[(&str, i64, bool)]]) -> Traffic {
        let mut t = Traffic::default();
        for requests in chunks {
            let mut chunk = TrafficChunk::default();
            for &(server, second, failed) in *requests {
                chunk.count(&HostId::resolve(server), Some(second), failed);
            }
            t.merge(chunk);
        }
        t
    }

    #[test]
    fn counts_fold_per_server_and_minute_whatever_the_chunking() {
        let whole = counted(&[&REQUESTS]);
        let exch01 = HostId::resolve("EXCH01");
        let c = whole.requests_between(&exch01, 120, 179);
        assert_eq!((c.requests, c.failed), (4, 2));
        assert_eq!(whole.requests_between(&exch01, 0, 60).requests, 1);
        assert_eq!(whole.requests_between(&exch01, 200, 500).requests, 0);
        let c = whole.requests_between(&HostId::resolve("EXCH02"), 0, 500);
        assert_eq!((c.requests, c.failed), (2, 1));
        for cut in 0..=REQUESTS.len() {
            let (a, b) = REQUESTS.split_at(cut);
            assert_eq!(counted(&[a, b]).by_server, whole.by_server, "cut at {cut}");
        }
    }

    #[test]
    fn undated_requests_are_not_counted_in_a_minute() {
        let mut chunk = TrafficChunk::default();
        chunk.count(&HostId::resolve("EXCH01"), None, true);
        let mut t = Traffic::default();
        t.merge(chunk);
        assert!(t.by_server.is_empty());
    }

    #[test]
    fn a_server_keeps_the_hosts_it_answered_for() {
        let exch01 = HostId::resolve("EXCH01");
        let mut chunk = TrafficChunk::default();
        chunk.host(&exch01, b"Mail.Contoso.com:443");
        chunk.host(&exch01, b"Mail.Contoso.com:443");
        chunk.host(&exch01, b"-");
        let mut t = Traffic::default();
        t.merge(chunk);
        assert_eq!(t.hosts[&exch01].len(), 1);
        assert!(t.hosts[&exch01].contains("mail.contoso.com"));
    }
}
