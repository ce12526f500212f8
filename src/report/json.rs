//! The JSON document of `--format json` (schema v1): totals, categories, inventory, problems.
//! It holds no timings, so it is byte-identical for any `--threads`.

use serde_json::{json, Value};

use crate::aggregate::TOP_TARGETS;
use crate::analysis::{Analysis, InputReport};
use crate::correlate::Correlation;
use crate::grammar::Taxonomy;
use crate::report::correlation::related_cells;
use crate::report::verdict::Coverage;
use crate::tally::Tally;
use crate::time::{self, format_opt};

pub const SCHEMA_VERSION: u32 = 1;

fn key(k: Option<time::TimeKey>) -> Value {
    k.as_ref()
        .and_then(time::parse_key)
        .map_or(Value::Null, |t| Value::String(time::format_utc(t)))
}

fn counts(t: &Tally) -> Value {
    json!({
        "lines": t.lines,
        "records": t.records,
        "directives": t.directives,
        "blank": t.blank,
        "rejected": t.rejected,
        "freebusy_requests": t.freebusy_requests,
        "findings": t.findings,
        "bytes": t.bytes,
        "tolerated": t.tolerated,
        "assumed_layout": t.assumed_layout,
        "filtered": t.filtered,
        "filtered_undated": t.filtered_undated,
    })
}

fn inventory_entry(r: &InputReport) -> Value {
    let mut v = counts(&r.tally);
    let extra = json!({
        "file": r.display,
        "format": r.format.name(),
        "server": r.server,
        "site": r.site,
        "first_utc": key(r.tally.first),
        "last_utc": key(r.tally.last),
        "failed": r.failed,
        "notes": r.notes,
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    v
}

/// The document as a value (tests; the binary streams it with [`write_document`]).
pub fn document(analysis: &Analysis, correlation: &Correlation, taxonomy: &Taxonomy) -> Value {
    serde_json::to_value(streamed(analysis, correlation, taxonomy)).unwrap_or(Value::Null)
}

/// Writes the document, pretty-printed and newline-terminated. The inventory (one entry per
/// input: 100,000 of them in a big bundle) is serialized entry by entry as it is written,
/// never held as one tree: built as a `Value`, it cost about 6 KB per input.
pub fn write_document(
    out: &mut impl std::io::Write,
    analysis: &Analysis,
    correlation: &Correlation,
    taxonomy: &Taxonomy,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut w, &streamed(analysis, correlation, taxonomy))?;
    w.write_all(b"\n")?;
    w.flush()
}

/// Everything but the inventory, as a value, and the inventory to stream.
struct Streamed<'a> {
    rest: serde_json::Map<String, Value>,
    inventory: &'a [InputReport],
}

const INVENTORY: &str = "inventory";

impl serde::Serialize for Streamed<'_> {
    /// The keys in the map's own order; the `inventory` placeholder is replaced by the
    /// streamed entries, so the output is the same as serializing the whole tree.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.rest.len()))?;
        for (k, v) in &self.rest {
            if k == INVENTORY {
                map.serialize_entry(k, &Inventory(self.inventory))?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

struct Inventory<'a>(&'a [InputReport]);

impl serde::Serialize for Inventory<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            let mut entry = inventory_entry(r);
            defang_strings(&mut entry);
            seq.serialize_element(&entry)?;
        }
        seq.end()
    }
}

/// Builds the document but its inventory.
fn streamed<'a>(
    analysis: &'a Analysis,
    correlation: &Correlation,
    taxonomy: &Taxonomy,
) -> Streamed<'a> {
    let mut totals = counts(&analysis.totals);
    if let Value::Object(m) = &mut totals {
        m.insert("inputs".into(), json!(analysis.inputs.len()));
        let read = analysis
            .inputs
            .iter()
            .filter(|r| r.format.name() != "skipped")
            .count();
        m.insert("inputs_read".into(), json!(read));
    }
    let categories: Vec<Value> = analysis
        .aggregates
        .categories
        .iter()
        .map(|(id, t)| {
            let cat = taxonomy.get(*id);
            json!({
                "id": cat.id,
                "title": cat.title,
                "severity": cat.severity,
                "findings": t.findings,
                "iis_findings": t.web_findings,
                "event_findings": t.event_findings,
                "first_seen_utc": format_opt(t.first),
                "last_seen_utc": format_opt(t.last),
                "servers": t.servers,
                "top_targets": t.top_targets(TOP_TARGETS).iter().map(|(t, n)| json!({"target": t, "findings": n})).collect::<Vec<_>>(),
                "untracked_target_findings": t.untracked_target_findings(),
                "remediation": cat.remediation,
            })
        })
        .collect();
    let problems: Vec<Value> = analysis
        .problems
        .iter()
        .map(|p| json!({"input": p.input, "position": p.position, "severity": p.severity_str(), "message": p.message}))
        .collect();
    let coverage = Coverage::of(analysis);
    let listed = |list: &[(String, String)]| -> Vec<Value> {
        list.iter()
            .map(|(input, reason)| json!({"input": input, "reason": reason}))
            .collect()
    };
    let verdict = json!({
        "headline": coverage.headline(&analysis.totals),
        "complete": coverage.complete(),
        "inputs": coverage.inputs,
        "read": coverage.read,
        "not_read": listed(&coverage.not_read),
        "no_reader": listed(&coverage.no_reader),
        "not_logs": coverage.not_logs,
    });
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "verdict": verdict,
        "tool": format!("fbscope {}", env!("CARGO_PKG_VERSION")),
        "totals": totals,
        "categories": categories,
        // A placeholder: the entries are streamed in its place (`Streamed`).
        "inventory": Value::Null,
        "problems": problems,
        "incidents": incidents(analysis, correlation, taxonomy),
        "links": correlation.links().iter().map(|(a, b, basis)| json!({"incidents": [a, b], "basis": basis})).collect::<Vec<_>>(),
        "suggestions": correlation
            .suggestions
            .iter()
            .map(|s| s.sentence())
            .chain(correlation.zone_hints.iter().map(|h| h.sentence(input_name(analysis, h.input))))
            .collect::<Vec<_>>(),
        "timeline": timeline(correlation, taxonomy),
    });
    defang_strings(&mut doc);
    let rest = match doc {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    Streamed {
        rest,
        inventory: &analysis.inputs,
    }
}

/// The display name of a finding's input (the correlator's own findings have none).
pub fn input_name(a: &Analysis, input: u32) -> &str {
    a.inputs
        .get(input as usize)
        .map_or("correlation", |r| r.display.as_str())
}

fn incidents(a: &Analysis, c: &Correlation, taxonomy: &Taxonomy) -> Vec<Value> {
    c.incidents
        .iter()
        .map(|i| {
            let cat = taxonomy.get(i.key.category);
            let (related, basis) = related_cells(i);
            json!({
                "incident": i.id,
                "category": cat.id,
                "severity": cat.severity,
                "side": i.key.side.as_str(),
                "server": i.key.server,
                "start_utc": time::format_utc(i.start),
                "end_utc": time::format_utc(i.end),
                "findings": i.findings,
                "iis_findings": i.web_findings(),
                "event_findings": i.event_findings(),
                "peak_per_min": i.peak_per_min,
                "targets": i.targets,
                "related": related,
                "link_basis": basis,
                "notes": i.notes,
                "first_detail": i.first_detail,
                "examples": i.examples.iter().map(|e| json!({
                    "time_utc": time::format_utc(e.order.0),
                    "file": input_name(a, e.order.1),
                    "position": e.order.2,
                    "detail": e.detail,
                })).collect::<Vec<_>>(),
                "remediation": cat.remediation,
            })
        })
        .collect()
}

fn timeline(c: &Correlation, taxonomy: &Taxonomy) -> Value {
    let rows: Vec<Value> = c
        .timeline
        .iter()
        .map(|r| {
            json!({
                "bucket_start_utc": time::format_utc(r.bucket_start),
                "category": taxonomy.get(r.category).id,
                "server": r.server,
                "side": r.side.as_str(),
                "source": r.source.as_str(),
                "findings": r.findings,
                "freebusy_requests": r.freebusy_requests,
            })
        })
        .collect();
    json!({"bucket": crate::report::correlation::bucket_label(c), "rows": rows})
}

/// Passes every string of the document (file names, servers, messages: all may come from
/// logs or archive member names) through [`crate::sanitize::file_text`].
fn defang_strings(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(clean) = crate::sanitize::file_text(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(defang_strings),
        Value::Object(map) => map.values_mut().for_each(defang_strings),
        _ => {}
    }
}
