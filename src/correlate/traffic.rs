//! Free/busy traffic as the responders logged it, failed or not: counted per responder
//! server, client IP, stem class and minute, so "the responder saw the requests and answered
//! 200" can be told from "nothing arrived", and the timeline can show a failure *rate*.
//!
//! Workers count into a [`TrafficChunk`] per chunk (a lookup by borrowed bytes: no
//! allocation for a key already seen); chunks fold into one [`Traffic`] by addition, which is
//! order-independent, so the result is the same for any `--threads`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::time::UnixTime;

/// Distinct (server, client, stem) keys counted; further ones are folded into one
/// `other` client per server, so a scan from many addresses cannot grow memory.
pub const MAX_CLIENT_KEYS: usize = 50_000;
/// Distinct `cs-host` values remembered per server (a server serves a handful of names).
pub const MAX_HOSTS_PER_SERVER: usize = 64;

/// Who asked which responder for what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientKey {
    pub server: String,
    pub client_ip: String,
    pub stem: &'static str,
}

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

/// One chunk's counts.
#[derive(Debug, Default)]
pub struct TrafficChunk {
    index: HashMap<Vec<u8>, usize>,
    keys: Vec<ClientKey>,
    counts: HashMap<(usize, i64), Count>,
    hosts: BTreeSet<(String, String)>,
    key_buf: Vec<u8>,
}

impl TrafficChunk {
    /// Counts one free/busy request of `server` at `time` (undated requests have no minute
    /// and are not counted here; the inventory counts them).
    pub fn count(
        &mut self,
        server: &[u8],
        client_ip: &[u8],
        stem: &'static str,
        time: Option<UnixTime>,
        failed: bool,
    ) {
        let Some(t) = time else { return };
        self.key_buf.clear();
        self.key_buf.extend_from_slice(server);
        self.key_buf.push(0);
        self.key_buf.extend_from_slice(client_ip);
        self.key_buf.push(0);
        self.key_buf.extend_from_slice(stem.as_bytes());
        let idx = match self.index.get(self.key_buf.as_slice()) {
            Some(&i) => i,
            None => {
                let i = self.keys.len();
                self.keys.push(ClientKey {
                    server: String::from_utf8_lossy(server).into_owned(),
                    client_ip: String::from_utf8_lossy(client_ip).into_owned(),
                    stem,
                });
                self.index.insert(self.key_buf.clone(), i);
                i
            }
        };
        let c = self.counts.entry((idx, t.div_euclid(60) * 60)).or_default();
        c.requests += 1;
        c.failed += u64::from(failed);
    }

    /// Remembers a `cs-host` the server answered for.
    pub fn host(&mut self, server: &[u8], host: &[u8]) {
        if host.is_empty() || host == b"-" {
            return;
        }
        let host = String::from_utf8_lossy(host).to_ascii_lowercase();
        let host = host.split(':').next().unwrap_or_default().to_owned();
        self.hosts
            .insert((String::from_utf8_lossy(server).into_owned(), host));
    }
}

/// Every responder's traffic.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// (client key, minute) → counts.
    pub by_client: BTreeMap<(ClientKey, i64), Count>,
    /// (server upper-cased, minute) → counts.
    pub by_server: BTreeMap<(String, i64), Count>,
    /// server upper-cased → `cs-host` values seen in its free/busy lines.
    pub hosts: BTreeMap<String, BTreeSet<String>>,
    client_keys: BTreeSet<ClientKey>,
}

impl Traffic {
    pub fn merge(&mut self, chunk: TrafficChunk) {
        for ((idx, minute), count) in chunk.counts {
            let mut key = chunk.keys[idx].clone();
            if !self.client_keys.contains(&key) {
                if self.client_keys.len() >= MAX_CLIENT_KEYS {
                    key.client_ip = "other".into();
                }
                self.client_keys.insert(key.clone());
            }
            let server = key.server.to_ascii_uppercase();
            self.by_client.entry((key, minute)).or_default().add(count);
            self.by_server
                .entry((server, minute))
                .or_default()
                .add(count);
        }
        for (server, host) in chunk.hosts {
            let set = self.hosts.entry(server.to_ascii_uppercase()).or_default();
            if set.len() < MAX_HOSTS_PER_SERVER {
                set.insert(host);
            }
        }
    }

    /// Requests `server` logged from `start` to `end` (whole minutes touching the window).
    pub fn requests_between(&self, server: &str, start: UnixTime, end: UnixTime) -> Count {
        let server = server.to_ascii_uppercase();
        let lo = (server.clone(), start.div_euclid(60) * 60);
        let hi = (server, end.div_euclid(60) * 60);
        let mut total = Count::default();
        for (_, c) in self.by_server.range(lo..=hi) {
            total.add(*c);
        }
        total
    }

    /// Servers that logged any free/busy traffic.
    pub fn servers(&self) -> BTreeSet<&str> {
        self.by_server.keys().map(|(s, _)| s.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fold_per_server_and_minute_whatever_the_chunking() {
        let mut a = TrafficChunk::default();
        a.count(
            b"EXCH01",
            b"40.92.17.44",
            "ews-wssecurity",
            Some(120),
            false,
        );
        a.count(b"EXCH01", b"40.92.17.44", "ews-wssecurity", Some(150), true);
        let mut b = TrafficChunk::default();
        b.count(b"exch01", b"40.92.17.45", "ews-wssecurity", Some(170), true);
        b.count(b"EXCH01", b"40.92.17.45", "ews", None, true);
        b.host(b"EXCH01", b"Mail.Contoso.com:443");
        let mut t = Traffic::default();
        t.merge(a);
        t.merge(b);
        let c = t.requests_between("EXCH01", 100, 179);
        assert_eq!((c.requests, c.failed), (3, 2));
        assert_eq!(t.requests_between("EXCH01", 200, 500).requests, 0);
        assert!(t.hosts["EXCH01"].contains("mail.contoso.com"));
    }
}
