//! Free/busy traffic as the responders logged it, failed or not: counted per responder
//! server, client IP, stem class and minute, so "the responder saw the requests and answered
//! 200" can be told from "nothing arrived", and the timeline can show a failure *rate*.
//!
//! This runs once per free/busy line in the workers, so a key allocates nothing: the client
//! address is parsed into an integer ([`Client`]), the server is an index into the chunk's
//! few server names, the stem its class's discriminant. Chunks fold into one [`Traffic`] by addition,
//! which is order-independent, so the result is the same for any `--threads`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

// aHash: these maps are hit once per free/busy line; SipHash showed in profiles.
use ahash::AHashMap as HashMap;

use crate::classify::freebusy::StemClass;
use crate::host::HostId;
use crate::time::UnixTime;

/// Distinct client addresses kept per run; requests from further ones are counted under
/// [`Client::Other`], so a scan from many addresses cannot grow memory.
pub const MAX_CLIENTS: usize = 50_000;
/// (client, minute) entries kept per run (about 16 MB); past it a new client's minutes are
/// counted under [`Client::Other`], so a day of traffic from many addresses stays bounded.
pub const MAX_CLIENT_MINUTES: usize = 250_000;
/// Distinct `cs-host` values remembered per server (a server serves a handful of names).
pub const MAX_HOSTS_PER_SERVER: usize = 64;

/// A client address as an integer: no allocation on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Client {
    Ip(IpAddr),
    /// Not an IP address (`-`, a host name) or past [`MAX_CLIENTS`].
    Other,
}

impl Client {
    fn parse(b: &[u8]) -> Self {
        if let Some(v4) = parse_ipv4(b) {
            return Client::Ip(IpAddr::V4(v4));
        }
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(Client::Other, Client::Ip)
    }
}

/// Dotted-quad IPv4, the common case, without going through `str` parsing.
fn parse_ipv4(b: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = b.split(|&c| c == b'.');
    for o in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = part.iter().fold(0u16, |a, d| a * 10 + u16::from(d - b'0'));
        *o = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then(|| octets.into())
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Client::Ip(ip) => write!(f, "{ip}"),
            Client::Other => f.write_str("other"),
        }
    }
}

/// Who asked which responder for what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientKey {
    pub server: HostId,
    pub client: Client,
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

/// (server index, client, stem class, minute) packed into two words, hashed in two writes:
/// this is hashed once per free/busy line in the workers and once per entry in the merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    /// The address as IPv6 bits (IPv4 mapped); 0 with [`Key::OTHER`] set for
    /// [`Client::Other`].
    client: u128,
    /// minute (signed, since the epoch) << 25 | other-client flag << 24 | server << 8 | stem.
    rest: u64,
}

impl Key {
    const OTHER: u64 = 1 << 24;

    fn new(server: u32, client: Client, stem: u8, minute: i64) -> Self {
        let (bits, other) = match client {
            Client::Ip(ip) => (ip_bits(ip), 0),
            Client::Other => (0, Key::OTHER),
        };
        // Minutes of the years 0000-9999 need 34 bits; a server index above 16 bits would
        // need 65,536 servers in one chunk (a chunk holds one input's lines).
        let rest =
            ((minute as u64) << 25) | other | (u64::from(server & 0xFFFF) << 8) | u64::from(stem);
        Key { client: bits, rest }
    }

    fn server(self) -> u32 {
        ((self.rest >> 8) & 0xFFFF) as u32
    }

    fn stem(self) -> u8 {
        self.rest as u8
    }

    fn minute(self) -> i64 {
        (self.rest as i64) >> 25
    }

    fn client(self) -> Client {
        if self.rest & Key::OTHER != 0 {
            return Client::Other;
        }
        Client::Ip(std::net::Ipv6Addr::from_bits(self.client).to_canonical())
    }

    fn is_other(self) -> bool {
        self.rest & Key::OTHER != 0
    }

    fn with_server(self, server: u32) -> Self {
        let rest = (self.rest & !(0xFFFF << 8)) | (u64::from(server & 0xFFFF) << 8);
        Key { rest, ..self }
    }

    fn with_other_client(self) -> Self {
        Key {
            client: 0,
            rest: self.rest | Key::OTHER,
        }
    }
}

fn ip_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().to_bits(),
        IpAddr::V6(v6) => v6.to_bits(),
    }
}

/// The stem byte of a request whose path is no free/busy stem class.
const OTHER_STEM: u8 = u8::MAX;

fn stem_byte(stem: Option<StemClass>) -> u8 {
    stem.map_or(OTHER_STEM, |c| c as u8)
}

fn stem_name(byte: u8) -> &'static str {
    StemClass::from_discriminant(byte).map_or("other", StemClass::name)
}

/// One chunk's counts.
#[derive(Debug, Default)]
pub struct TrafficChunk {
    /// Servers of the chunk (usually one).
    servers: Vec<HostId>,
    counts: HashMap<Key, Count>,
    /// (server index, host bytes) → host name, allocated once per chunk.
    hosts: HashMap<(u32, Vec<u8>), String>,
    host_buf: Vec<u8>,
    /// The (server index, host bytes) of the previous line: lines of a log mostly repeat it,
    /// and comparing is cheaper than hashing.
    last_host: (u32, Vec<u8>),
}

impl TrafficChunk {
    fn server_index(&mut self, server: &HostId) -> u32 {
        let found = self.servers.iter().position(|s| s == server);
        let at = found.unwrap_or_else(|| {
            self.servers.push(server.clone());
            self.servers.len() - 1
        });
        at as u32
    }

    /// Counts one free/busy request of `server` at `time` (undated requests have no minute
    /// and are not counted here; the inventory counts them).
    pub fn count(
        &mut self,
        server: &HostId,
        client_ip: &[u8],
        stem: Option<StemClass>,
        time: Option<UnixTime>,
        failed: bool,
    ) {
        let Some(t) = time else { return };
        let key = Key::new(
            self.server_index(server),
            Client::parse(client_ip),
            stem_byte(stem),
            t.div_euclid(60),
        );
        let c = self.counts.entry(key).or_default();
        c.requests += 1;
        c.failed += u64::from(failed);
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
    servers: Vec<HostId>,
    server_ids: HashMap<HostId, u32>,
    /// The addresses counted as themselves, as IPv6 bits.
    clients: ahash::AHashSet<u128>,
    /// (server id, client, stem, minute) → counts.
    by_client: HashMap<Key, Count>,
    /// (server, minute) → counts.
    pub by_server: BTreeMap<(HostId, i64), Count>,
    /// server → `cs-host` values seen in its free/busy lines.
    pub hosts: BTreeMap<HostId, BTreeSet<String>>,
}

impl Traffic {
    pub fn merge(&mut self, chunk: TrafficChunk) {
        let ids: Vec<u32> = chunk.servers.iter().map(|s| self.server_id(s)).collect();
        let mut per_server: HashMap<(u32, i64), Count> = HashMap::default();
        for (key, count) in chunk.counts {
            let id = ids[key.server() as usize];
            let mut key = key.with_server(id);
            if !key.is_other() && !self.admit(key.client) {
                key = key.with_other_client();
            }
            if self.by_client.len() >= MAX_CLIENT_MINUTES && !self.by_client.contains_key(&key) {
                key = key.with_other_client();
            }
            self.by_client.entry(key).or_default().add(count);
            per_server
                .entry((id, key.minute() * 60))
                .or_default()
                .add(count);
        }
        for ((id, minute), count) in per_server {
            let key = (self.servers[id as usize].clone(), minute);
            self.by_server.entry(key).or_default().add(count);
        }
        for ((at, _), host) in chunk.hosts {
            let server = chunk.servers[at as usize].clone();
            let set = self.hosts.entry(server).or_default();
            if set.len() < MAX_HOSTS_PER_SERVER {
                set.insert(host);
            }
        }
    }

    fn server_id(&mut self, server: &HostId) -> u32 {
        if let Some(&id) = self.server_ids.get(server) {
            return id;
        }
        let id = self.servers.len() as u32;
        self.servers.push(server.clone());
        self.server_ids.insert(server.clone(), id);
        id
    }

    /// Is the address (its IPv6 bits) counted as itself? Yes while fewer than
    /// [`MAX_CLIENTS`] are known; one probe while there is room, the usual case.
    fn admit(&mut self, client: u128) -> bool {
        if self.clients.len() < MAX_CLIENTS {
            self.clients.insert(client);
            return true;
        }
        self.clients.contains(&client)
    }

    /// Per (client key, minute) counts, in key order (for reports).
    pub fn by_client(&self) -> BTreeMap<(ClientKey, i64), Count> {
        self.by_client
            .iter()
            .map(|(key, c)| {
                let client_key = ClientKey {
                    server: self.servers[key.server() as usize].clone(),
                    client: key.client(),
                    stem: stem_name(key.stem()),
                };
                ((client_key, key.minute() * 60), *c)
            })
            .collect()
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

    #[test]
    fn counts_fold_per_server_and_minute_whatever_the_chunking() {
        let mut a = TrafficChunk::default();
        a.count(
            &HostId::resolve("EXCH01"),
            b"40.92.17.44",
            Some(StemClass::EwsWsSecurity),
            Some(120),
            false,
        );
        a.count(
            &HostId::resolve("EXCH01"),
            b"40.92.17.44",
            Some(StemClass::EwsWsSecurity),
            Some(150),
            true,
        );
        let mut b = TrafficChunk::default();
        b.count(
            &HostId::resolve("exch01"),
            b"40.92.17.45",
            Some(StemClass::EwsWsSecurity),
            Some(170),
            true,
        );
        let exch01 = HostId::resolve("EXCH01");
        b.count(&exch01, b"40.92.17.45", Some(StemClass::Ews), None, true);
        b.host(&exch01, b"Mail.Contoso.com:443");
        b.host(&exch01, b"Mail.Contoso.com:443");
        let mut t = Traffic::default();
        t.merge(a);
        t.merge(b);
        let c = t.requests_between(&exch01, 100, 179);
        assert_eq!((c.requests, c.failed), (3, 2));
        assert_eq!(t.requests_between(&exch01, 200, 500).requests, 0);
        assert!(t.hosts[&exch01].contains("mail.contoso.com"));
        let clients: Vec<String> = t
            .by_client()
            .keys()
            .map(|(k, m)| format!("{} {} {} {m}", k.server, k.client, k.stem))
            .collect();
        assert_eq!(
            clients,
            [
                "EXCH01 40.92.17.44 ews-wssecurity 120",
                "EXCH01 40.92.17.45 ews-wssecurity 120"
            ]
        );
    }

    #[test]
    fn a_packed_key_gives_back_what_it_was_made_of() {
        let v6: IpAddr = "2603:10a6:10:1::7".parse().unwrap();
        let v4: IpAddr = "40.92.17.44".parse().unwrap();
        for (server, client, stem, minute) in [
            (0, Client::Ip(v4), 0, 29_500_000),
            (65_535, Client::Ip(v6), OTHER_STEM, -1),
            (7, Client::Other, 4, -52_000_000),
            (1, Client::Ip(v4), 2, 4_200_000_000),
        ] {
            let key = Key::new(server, client, stem, minute);
            assert_eq!(
                (key.server(), key.client(), key.stem(), key.minute()),
                (server, client, stem, minute)
            );
            assert_eq!(key.with_server(3).server(), 3);
            assert_eq!(key.with_server(3).minute(), minute);
            let other = key.with_other_client();
            assert_eq!((other.client(), other.minute()), (Client::Other, minute));
        }
    }

    #[test]
    fn an_address_that_is_no_ip_is_counted_as_other() {
        assert_eq!(Client::parse(b"-"), Client::Other);
        assert_eq!(Client::parse(b"::1"), Client::Ip("::1".parse().unwrap()));
        assert_eq!(
            Client::parse(b"40.92.17.44"),
            Client::Ip("40.92.17.44".parse().unwrap())
        );
        for bad in [
            &b"1.2.3"[..],
            b"1.2.3.4.5",
            b"256.1.1.1",
            b"1..2.3",
            b"a.b.c.d",
        ] {
            assert_eq!(parse_ipv4(bad), None, "{bad:?}");
        }
    }
}
