//! `findings.jsonl`: one JSON object per finding with every typed field, in timeline order,
//! for scripts and for loading into DuckDB, Spark or Kusto when a fleet outgrows one machine.
//! Log text is kept verbatim (JSON string escaping makes control characters harmless); the
//! `detail` is never cut here.

use crate::finding::Finding;
use crate::grammar::Taxonomy;

fn opt_str(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The finding's object without its position's value (the returned offset is where it
/// goes) and without its closing `}` (the incident and the other late values are appended
/// by [`with_incident`] once known).
///
/// Written key by key rather than through `serde_json`: this runs once per finding, on a
/// failure-heavy day 1.4 million times per 315 MB of log, and serde's escaping (a byte at a
/// time) was 10% of such a run's rendering. The bytes are serde_json's compact output of
/// the same fields in the same order (tested below against `serde_json`).
pub fn row(f: &Finding, file: &str, taxonomy: &Taxonomy) -> (Vec<u8>, u32) {
    let cat = taxonomy.get(f.category);
    let mut o = Object::new(Vec::with_capacity(1024));
    match f.time {
        Some(t) => {
            o.key("time_utc");
            o.out.push(b'"');
            crate::time::write_utc_precise(&mut o.out, t, None);
            o.out.push(b'"');
        }
        None => o.str("time_utc", None),
    }
    o.str("time_basis", Some(f.time_basis.as_str()));
    o.str("server", opt_str(&f.server));
    o.str("site", opt_str(&f.site));
    o.str("source", Some(f.source.as_str()));
    o.str("file", Some(file));
    o.key("position");
    let split = o.out.len();
    o.str("category", Some(&cat.id));
    o.str("severity", Some(&cat.severity));
    o.str("phase", Some(f.phase.as_str()));
    o.str("side", Some(f.side.as_str()));
    o.num("http_status", f.http_status.map(u64::from));
    o.num("sub_status", f.sub_status.map(u64::from));
    o.num("win32_status", f.win32_status);
    o.num("time_taken_ms", f.time_taken_ms);
    o.str("method", opt_str(&f.method));
    o.str("uri_stem", opt_str(&f.uri_stem));
    o.str("client_ip", opt_str(&f.client_ip));
    o.str("user_agent", opt_str(&f.user_agent));
    o.str("target", opt_str(&f.target));
    o.str("target_host", opt_str(&f.target_host));
    o.str("partner_domain", opt_str(&f.partner_domain));
    o.str("target_url", opt_str(&f.target_url));
    o.num("event_id", f.event_id.map(u64::from));
    o.str("mailbox", opt_str(&f.mailbox));
    o.str("request_type", opt_str(&f.request_type));
    o.str("caller_auth", opt_str(&f.caller_auth));
    o.str("origin_server", opt_str(&f.origin_server));
    o.str("detail", Some(&f.detail));
    (o.out, split as u32)
}

/// A JSON object being written, without its closing brace.
struct Object {
    out: Vec<u8>,
    first: bool,
}

impl Object {
    fn new(mut out: Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, first: true }
    }

    /// `"name":`, after a comma unless it is the first key. Keys are ours: no escaping.
    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn str(&mut self, name: &str, value: Option<&str>) {
        self.key(name);
        match value {
            Some(v) => push_json_string(&mut self.out, v),
            None => self.out.extend_from_slice(b"null"),
        }
    }

    fn num(&mut self, name: &str, value: Option<u64>) {
        self.key(name);
        match value {
            Some(v) => self
                .out
                .extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
            None => self.out.extend_from_slice(b"null"),
        }
    }
}

/// A JSON string as serde_json writes it: `"` and `\\` escaped, the control characters
/// U+0000-U+001F as `\b \f \n \r \t` or `\u00xx`, everything else (DEL, non-ASCII) as is.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.push(b'"');
    // Most values need no escape: checked a whole value at a time, which vectorizes.
    if bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0C => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1F => &[],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.extend_from_slice(short);
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Completes a [`row`] with `"incident"`, `"cafe_req_id"`, `"record_id"`,
/// `"time_utc_precise"` (the values known only at the merge) and the line end, written
/// straight into `out` (once per finding).
pub fn with_incident(
    (row, split): (&[u8], u32),
    position: u64,
    incident: Option<u32>,
    request_id: Option<u128>,
    record_id: Option<u64>,
    precise: Option<(i64, Option<crate::time::SubSecond>)>,
    out: &mut Vec<u8>,
) {
    out.clear();
    let mut digits = itoa::Buffer::new();
    let split = (split as usize).min(row.len());
    out.extend_from_slice(&row[..split]);
    out.extend_from_slice(digits.format(position).as_bytes());
    out.extend_from_slice(&row[split..]);
    match incident {
        Some(id) => {
            out.extend_from_slice(b",\"incident\":");
            out.extend_from_slice(digits.format(id).as_bytes());
        }
        None => out.extend_from_slice(b",\"incident\":null"),
    }
    match request_id {
        Some(id) => {
            out.extend_from_slice(b",\"cafe_req_id\":\"");
            crate::parse::exchange::push_guid(out, id);
            out.push(b'"');
        }
        None => out.extend_from_slice(b",\"cafe_req_id\":null"),
    }
    match record_id {
        Some(id) => {
            out.extend_from_slice(b",\"record_id\":");
            out.extend_from_slice(digits.format(id).as_bytes());
        }
        None => out.extend_from_slice(b",\"record_id\":null"),
    }
    match precise {
        Some((t, subsec)) => {
            out.extend_from_slice(b",\"time_utc_precise\":\"");
            crate::time::write_utc_precise(out, t, subsec);
            out.extend_from_slice(b"\"}\n");
        }
        None => out.extend_from_slice(b",\"time_utc_precise\":null}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(s: &str) -> String {
        let mut out = Vec::new();
        push_json_string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in [
            "",
            "plain",
            "q\"uote",
            "back\\slash",
            "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}",
            "ünï\u{202e}cödé \u{1b}[2J",
        ] {
            assert_eq!(ours(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(s in any::<String>()) {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn any_ascii_control_mix_is_escaped_as_serde_json_escapes_it(
            bytes in proptest::collection::vec(0u8..0x80, 0..64)
        ) {
            let s = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }
    }
}
