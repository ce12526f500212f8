//! Server identity: one name for one server, whichever log or folder names it.
//!
//! The same Exchange server is `EXCH01` in its IIS logs (`s-computername`), `exch01.contoso.com`
//! in its events (`Computer`) and its HttpProxy rows (`ServerHostName`), `EXCH01-0302.zip` or
//! `exch01/` in a bundle, and whatever `--server-name` says. The correlator joins sides,
//! coverage and traffic by server, so all of them are resolved here, once, to one spelling.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A server, as its NetBIOS-style name: the first label of a host name (an IP address stays
/// whole), ASCII upper case, as IIS writes `s-computername`. Empty when no source names it.
/// Cheap to clone: one name is shared by every finding of a server.
#[derive(Clone, Eq, PartialOrd, Ord)]
pub struct HostId(Arc<str>);

impl std::hash::Hash for HostId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// The same name, as the derived equality, but one shared name (every line of a server's
/// log) is equal by its pointer, without comparing bytes: the traffic count asks this of
/// every free/busy line.
impl PartialEq for HostId {
    fn eq(&self, other: &HostId) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl HostId {
    /// The server a source names: `exch01.contoso.com`, ` EXCH01 ` and `Exch01` are one.
    pub fn resolve(name: &str) -> HostId {
        let short = short_name(name.trim());
        if short.bytes().any(|b| b.is_ascii_lowercase()) {
            HostId(short.to_ascii_uppercase().into())
        } else {
            HostId(short.into())
        }
    }

    /// [`resolve`](Self::resolve) of a log field's bytes (invalid UTF-8 replaced).
    pub fn resolve_bytes(name: &[u8]) -> HostId {
        HostId::resolve(&String::from_utf8_lossy(name))
    }

    /// No source named the server.
    pub fn unknown() -> HostId {
        HostId(Arc::from(""))
    }

    pub fn is_unknown(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `name` resolves to this server, without building a `HostId` (the web logs'
    /// hot path asks this of every free/busy line).
    pub fn is_named_by(&self, name: &[u8]) -> bool {
        let name = name.trim_ascii();
        let short = match std::str::from_utf8(name) {
            Ok(s) => short_name(s).as_bytes(),
            Err(_) => return *self == HostId::resolve_bytes(name),
        };
        short.eq_ignore_ascii_case(self.0.as_bytes())
    }
}

/// The last server name a log line gave and its id: a web log names the same server on every
/// line, so resolving it once per run of equal names keeps the hot path free of allocations.
#[derive(Debug, Default)]
pub struct HostCache {
    raw: Vec<u8>,
    id: HostId,
}

impl HostCache {
    /// The id of the server `raw` names.
    pub fn resolve(&mut self, raw: &[u8]) -> &HostId {
        if self.raw != raw {
            self.raw.clear();
            self.raw.extend_from_slice(raw);
            self.id = HostId::resolve_bytes(raw);
        }
        &self.id
    }
}

/// The host part of an FQDN; an IPv4 address (all-digit first label) or a name without dots
/// stays whole.
fn short_name(name: &str) -> &str {
    match name.split_once('.') {
        Some((host, _)) if !host.is_empty() && !host.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => name,
    }
}

impl From<&str> for HostId {
    /// [`HostId::resolve`].
    fn from(name: &str) -> HostId {
        HostId::resolve(name)
    }
}

impl Default for HostId {
    fn default() -> Self {
        HostId::unknown()
    }
}

impl Deref for HostId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for HostId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for HostId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl serde::Serialize for HostId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl PartialEq<str> for HostId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for HostId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_server_is_one_id() {
        let id = HostId::resolve("EXCH01");
        for name in [
            "exch01.contoso.com",
            " Exch01 ",
            "EXCH01.CONTOSO.COM",
            "exch01",
        ] {
            assert_eq!(HostId::resolve(name), id, "{name}");
            assert!(id.is_named_by(name.as_bytes()), "{name}");
        }
        assert!(!id.is_named_by(b"EXCH02"));
        assert_eq!(id.as_str(), "EXCH01");
    }

    #[test]
    fn addresses_and_empty_names_stay_whole() {
        assert_eq!(HostId::resolve(" 10.0.1.5 ").as_str(), "10.0.1.5");
        assert!(HostId::resolve("10.0.1.5").is_named_by(b"10.0.1.5"));
        assert_eq!(HostId::resolve(".contoso.com").as_str(), ".CONTOSO.COM");
        assert!(HostId::resolve("  ").is_unknown());
        assert!(HostId::unknown().is_named_by(b""));
    }

    #[test]
    fn the_cache_resolves_each_new_name() {
        let mut cache = HostCache::default();
        assert_eq!(cache.resolve(b"").as_str(), "");
        assert_eq!(cache.resolve(b"exch01.contoso.com").as_str(), "EXCH01");
        assert_eq!(cache.resolve(b"exch01.contoso.com").as_str(), "EXCH01");
        assert_eq!(cache.resolve(b"EXCH02").as_str(), "EXCH02");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_dropped() {
        let id = HostId::resolve_bytes(b"EX\xFF01");
        assert_eq!(id.as_str(), "EX\u{FFFD}01");
        assert!(id.is_named_by(b"ex\xFF01.contoso.com"));
    }
}
