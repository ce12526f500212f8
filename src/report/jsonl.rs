//! `findings.jsonl`: one JSON object per finding with every typed field, in timeline order,
//! for scripts and for loading into DuckDB, Spark or Kusto when a fleet outgrows one machine.
//! Log text is kept verbatim (JSON string escaping makes control characters harmless); the
//! `detail` is never cut here.

use serde::Serialize;

use crate::finding::Finding;
use crate::grammar::Taxonomy;
use crate::time::format_opt;

fn opt_str(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The finding as written: borrowed fields, serialized straight into the row (one
/// allocation per finding for the whole object, none per field).
#[derive(Serialize)]
struct JsonRow<'a> {
    time_utc: Option<String>,
    time_basis: &'a str,
    server: Option<&'a str>,
    site: Option<&'a str>,
    source: &'a str,
    file: &'a str,
    position: u64,
    category: &'a str,
    severity: &'a str,
    phase: &'a str,
    side: &'a str,
    http_status: Option<u16>,
    sub_status: Option<u32>,
    win32_status: Option<u64>,
    time_taken_ms: Option<u64>,
    method: Option<&'a str>,
    uri_stem: Option<&'a str>,
    client_ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    target: Option<&'a str>,
    target_host: Option<&'a str>,
    partner_domain: Option<&'a str>,
    target_url: Option<&'a str>,
    event_id: Option<u32>,
    mailbox: Option<&'a str>,
    request_type: Option<&'a str>,
    caller_auth: Option<&'a str>,
    origin_server: Option<&'a str>,
    detail: &'a str,
}

/// The finding's object without its position's value (the returned offset is where it
/// goes) and without its closing `}` (the incident and the other late values are appended
/// by [`with_incident`] once known).
pub fn row(f: &Finding, file: &str, taxonomy: &Taxonomy) -> (Vec<u8>, u32) {
    let cat = taxonomy.get(f.category);
    let v = JsonRow {
        time_utc: f.time.map(|t| format_opt(Some(t))),
        time_basis: f.time_basis.as_str(),
        server: opt_str(&f.server),
        site: opt_str(&f.site),
        source: f.source.as_str(),
        file,
        position: 0,
        category: &cat.id,
        severity: &cat.severity,
        phase: f.phase.as_str(),
        side: f.side.as_str(),
        http_status: f.http_status,
        sub_status: f.sub_status,
        win32_status: f.win32_status,
        time_taken_ms: f.time_taken_ms,
        method: opt_str(&f.method),
        uri_stem: opt_str(&f.uri_stem),
        client_ip: opt_str(&f.client_ip),
        user_agent: opt_str(&f.user_agent),
        target: opt_str(&f.target),
        target_host: opt_str(&f.target_host),
        partner_domain: opt_str(&f.partner_domain),
        target_url: opt_str(&f.target_url),
        event_id: f.event_id,
        mailbox: opt_str(&f.mailbox),
        request_type: opt_str(&f.request_type),
        caller_auth: opt_str(&f.caller_auth),
        origin_server: opt_str(&f.origin_server),
        detail: &f.detail,
    };
    let mut bytes = Vec::with_capacity(1024);
    if serde_json::to_writer(&mut bytes, &v).is_err() {
        bytes = b"{}".to_vec();
    }
    bytes.pop(); // the closing brace
                 // The first `,"position":` is the key: a quote inside an earlier string value is
                 // escaped (`\"`), so the sequence cannot occur in one.
    const KEY: &[u8] = b",\"position\":";
    let split = memchr::memmem::find(&bytes, KEY).map_or(bytes.len(), |at| at + KEY.len());
    if bytes.get(split) == Some(&b'0') {
        bytes.remove(split);
    }
    (bytes, split as u32)
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
    use std::io::Write;
    out.clear();
    let split = (split as usize).min(row.len());
    out.extend_from_slice(&row[..split]);
    let _ = write!(out, "{position}");
    out.extend_from_slice(&row[split..]);
    let _ = match incident {
        Some(id) => write!(out, ",\"incident\":{id}"),
        None => out.write_all(b",\"incident\":null"),
    };
    let _ = match request_id {
        Some(id) => write!(
            out,
            ",\"cafe_req_id\":\"{}\"",
            crate::parse::exchange::format_guid(id)
        ),
        None => out.write_all(b",\"cafe_req_id\":null"),
    };
    let _ = match record_id {
        Some(id) => write!(out, ",\"record_id\":{id}"),
        None => out.write_all(b",\"record_id\":null"),
    };
    match precise {
        Some((t, subsec)) => {
            out.extend_from_slice(b",\"time_utc_precise\":\"");
            crate::time::write_utc_precise(out, t, subsec);
            out.extend_from_slice(b"\"}\n");
        }
        None => out.extend_from_slice(b",\"time_utc_precise\":null}\n"),
    }
}
