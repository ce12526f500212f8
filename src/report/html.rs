//! `report.html`: one self-contained page for people (no network, no script, no external
//! font): the verdict, every incident with both sides and the fix, a timeline chart per
//! category and server (inline SVG: failures against the responder's free/busy volume), the
//! coverage chart, the category table, the inventory and the input problems.
//!
//! Every value that came from a log or a file name goes through [`esc`], which escapes all of
//! `<`, `>`, `&`, `"` and `'` (never a list of dangerous tags) and makes control characters
//! visible. The page names the analysed span and the tool's version, not the time it was
//! made, so the same input gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::correlation::bucket_label;
use crate::aggregate::TOP_TARGETS;
use crate::analysis::Analysis;
use crate::analysis::InputNote;
use crate::correlate::severity_rank;
use crate::correlate::{Correlation, Incident};
use crate::finding::Side;
use crate::grammar::Taxonomy;
use crate::host::HostId;
use crate::sanitize;
use crate::time::{format_opt, format_utc, UnixTime};

/// A chart's (failures, requests) per bucket start.
type Points = BTreeMap<UnixTime, (u64, u64)>;

/// Width and height of a timeline chart, in SVG units.
const CHART_W: f64 = 900.0;
const CHART_H: f64 = 84.0;

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1100px;color:#1b1b1b;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.incident{border:1px solid #ddd;border-left:6px solid #888;border-radius:4px;padding:8px 12px;margin:10px 0}
.critical{border-left-color:#b00020}.error{border-left-color:#e06c00}.warning{border-left-color:#c9a400}
.sev{font-weight:600;text-transform:uppercase;font-size:12px}.fix{background:#f4f8ff;padding:6px 8px;border-radius:3px;margin-top:6px}
.note{color:#444;font-style:italic}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}svg{background:#fafafa;border:1px solid #e3e3e3;margin:4px 0 12px}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
code{font-size:12px;word-break:break-all}";

/// Log text made safe for HTML text and attribute values.
fn esc(text: &str) -> String {
    sanitize::html(&sanitize::file_text(text)).into_owned()
}

/// Renders the page.
pub fn render(a: &Analysis, c: &Correlation, taxonomy: &Taxonomy) -> String {
    let mut s = String::with_capacity(64 << 10);
    let span = c.span.map_or_else(
        || "no dated findings".to_owned(),
        |(x, y)| format!("{} .. {}", format_utc(x), format_utc(y)),
    );
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>fbscope report</title><style>{STYLE}</style></head><body>\n\
<h1>Free/busy failures: fbscope report</h1>\n<p class=\"meta\">fbscope {} &middot; analysed span {} &middot; {} inputs, {} lines, {} free/busy requests, {} findings</p>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&span),
        a.inputs.len(),
        a.totals.lines,
        a.totals.freebusy_requests,
        a.totals.findings,
    );
    verdict(&mut s, a, c, taxonomy);
    timelines(&mut s, a, c, taxonomy);
    coverage(&mut s, c);
    categories(&mut s, a, taxonomy);
    inventory(&mut s, a);
    problems(&mut s, a);
    s.push_str("</body></html>\n");
    s
}

fn verdict(s: &mut String, a: &Analysis, c: &Correlation, taxonomy: &Taxonomy) {
    s.push_str("<h2 id=\"verdict\">Verdict</h2>\n");
    let failed = a
        .problems
        .iter()
        .filter(|p| p.severity == crate::problem::Severity::Failed)
        .count();
    if failed > 0 {
        let _ = writeln!(
            s,
            "<p><strong>{failed} input(s) could not be read completely</strong>: the evidence is incomplete (see Input problems).</p>"
        );
    }
    if c.incidents.is_empty() {
        s.push_str("<p>No free/busy failure in the evidence read.</p>\n");
        return;
    }
    let _ = writeln!(
        s,
        "<p>{} incident(s), {} link(s) between requester and responder incidents.</p>",
        c.incidents.len(),
        c.links().len()
    );
    linked_pairs(s, c, taxonomy);
    let mut order: Vec<&Incident> = c.incidents.iter().collect();
    order.sort_by_key(|i| {
        (
            severity_rank(&taxonomy.get(i.key.category).severity),
            std::cmp::Reverse(i.findings),
            i.id,
        )
    });
    s.push_str("<div id=\"incidents\">\n");
    for inc in order {
        incident(s, a, inc, c, taxonomy);
    }
    s.push_str("</div>\n");
    for hint in &c.zone_hints {
        let file = super::json::input_name(a, hint.input);
        let _ = writeln!(
            s,
            "<p class=\"note\"><strong>Time zone:</strong> {}</p>",
            esc(&hint.sentence(file))
        );
    }
    for sug in &c.suggestions {
        let _ = writeln!(
            s,
            "<p class=\"note\">Suggestion: <code>{}</code></p>",
            esc(&sug.sentence())
        );
    }
}

/// The two sides of each linked failure, one row per link, before the incident cards.
fn linked_pairs(s: &mut String, c: &Correlation, taxonomy: &Taxonomy) {
    let links = c.links();
    if links.is_empty() {
        return;
    }
    s.push_str("<table id=\"links\"><tr><th>incident</th><th>side, server</th><th>window</th><th>linked by</th><th>incident</th><th>side, server</th><th>window</th></tr>\n");
    let by_id = |id: u32| c.incident(id);
    for (a, b, basis) in links {
        let (Some(a), Some(b)) = (by_id(a), by_id(b)) else {
            continue;
        };
        let cell = |i: &Incident| {
            format!(
                "<td><a href=\"#incident-{}\">#{} {}</a></td><td>{} {}</td><td>{} .. {}</td>",
                i.id,
                i.id,
                esc(&taxonomy.get(i.key.category).id),
                i.key.side.as_str(),
                esc(&i.key.server),
                format_utc(i.start),
                format_utc(i.end)
            )
        };
        let _ = writeln!(s, "<tr>{}<td>{}</td>{}</tr>", cell(a), esc(basis), cell(b));
    }
    s.push_str("</table>\n");
}

fn incident(s: &mut String, a: &Analysis, inc: &Incident, c: &Correlation, taxonomy: &Taxonomy) {
    let cat = taxonomy.get(inc.key.category);
    let sev = esc(&cat.severity);
    let _ = writeln!(
        s,
        "<div class=\"incident {sev}\" id=\"incident-{}\"><div><span class=\"sev\">{sev}</span> <strong>#{} {}</strong> &mdash; {} &middot; {} on <strong>{}</strong></div>",
        inc.id,
        inc.id,
        esc(&cat.id),
        esc(&cat.title),
        inc.key.side.as_str(),
        esc(&inc.key.server)
    );
    let _ = writeln!(
        s,
        "<div>{} .. {} &middot; {} finding(s) ({} web, {} event) &middot; peak {}/min</div>",
        format_utc(inc.start),
        format_utc(inc.end),
        inc.findings,
        inc.web_findings(),
        inc.event_findings(),
        inc.peak_per_min
    );
    for (other, basis) in &inc.related {
        if let Some(o) = c.incident(*other) {
            let _ = writeln!(
                s,
                "<div>Other side: <a href=\"#incident-{}\">#{} {}</a> {} on <strong>{}</strong>, {} .. {} ({} finding(s); linked by {})</div>",
                o.id,
                o.id,
                esc(&taxonomy.get(o.key.category).id),
                o.key.side.as_str(),
                esc(&o.key.server),
                format_utc(o.start),
                format_utc(o.end),
                o.findings,
                esc(basis)
            );
        }
    }
    for note in &inc.notes {
        let _ = writeln!(s, "<div class=\"note\">{}</div>", esc(note));
    }
    if !inc.examples.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>{} example(s); the first: <code>{}</code></summary><table>",
            inc.examples.len(),
            esc(&inc.first_detail)
        );
        for e in &inc.examples {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}:{}</code></td><td><code>{}</code></td></tr>",
                format_utc(e.order.0),
                esc(super::json::input_name(a, e.order.1)),
                e.order.2,
                esc(&e.detail)
            );
        }
        s.push_str("</table></details>\n");
    }
    let _ = writeln!(
        s,
        "<div class=\"fix\"><strong>Fix:</strong> {}</div></div>",
        esc(&cat.remediation)
    );
}

/// One chart per (category, server): bars of failures per bucket, and the responder's
/// free/busy volume as a line, on the analysed span's axis.
fn timelines(s: &mut String, a: &Analysis, c: &Correlation, taxonomy: &Taxonomy) {
    let Some((start, end)) = c.span else { return };
    let _ = writeln!(
        s,
        "<h2 id=\"timeline\">Timeline</h2>\n<p class=\"legend\"><span><i class=\"sw\" style=\"background:#d9534f\"></i>failures per {} bucket</span><span><i class=\"sw\" style=\"background:#337ab7\"></i>all free/busy requests the responder logged, failed or not</span></p>",
        bucket_label(c)
    );
    let first = start.div_euclid(c.bucket) * c.bucket;
    let last = end.div_euclid(c.bucket) * c.bucket;
    // Each responder's volume in every bucket of the span, not only those with failures.
    let mut volume: BTreeMap<(&str, UnixTime), u64> = BTreeMap::new();
    for ((server, minute), n) in &a.traffic.by_server {
        let b = minute.div_euclid(c.bucket) * c.bucket;
        if (first..=last).contains(&b) {
            *volume.entry((server.as_str(), b)).or_default() += n.requests;
        }
    }
    let mut charts: BTreeMap<(String, Side, String), Points> = BTreeMap::new();
    for r in &c.timeline {
        let key = (
            taxonomy.get(r.category).id.clone(),
            r.side,
            r.server.clone(),
        );
        let e = charts
            .entry(key)
            .or_default()
            .entry(r.bucket_start)
            .or_default();
        e.0 += r.findings;
    }
    for ((_, side, server), points) in charts.iter_mut() {
        if *side == Side::Responder {
            for ((_, b), n) in volume.range((server.as_str(), first)..=(server.as_str(), last)) {
                points.entry(*b).or_default().1 = *n;
            }
        }
    }
    let axis = Axis {
        first,
        width: c.bucket,
        buckets: ((last - first) / c.bucket + 1).max(1) as f64,
    };
    for ((cat, side, server), points) in &charts {
        let _ = writeln!(
            s,
            "<div><strong>{}</strong> &middot; {} {}</div>",
            esc(cat),
            side.as_str(),
            esc(server)
        );
        chart(s, points, &axis);
    }
}

/// The shared time axis of the timeline charts.
struct Axis {
    first: UnixTime,
    width: i64,
    buckets: f64,
}

impl Axis {
    fn x(&self, t: UnixTime) -> f64 {
        ((t - self.first) / self.width) as f64 * CHART_W / self.buckets
    }
}

fn chart(s: &mut String, points: &Points, axis: &Axis) {
    let peak = |f: fn(&(u64, u64)) -> u64| points.values().map(f).max().unwrap_or(0).max(1) as f64;
    let (max_f, max_r) = (peak(|p| p.0), peak(|p| p.1));
    let plot_h = CHART_H - 16.0;
    let bw = (CHART_W / axis.buckets).max(1.5);
    let _ = write!(s, "<svg viewBox=\"0 0 {CHART_W} {CHART_H}\" width=\"100%\" height=\"{CHART_H}\" role=\"img\">");
    let mut line = Vec::new();
    for (t, (failures, requests)) in points {
        let x = axis.x(*t);
        if *failures > 0 {
            let h = (*failures as f64 / max_f * plot_h).max(2.0);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{h:.1}\" fill=\"#d9534f\"><title>{} {} failures, {} requests</title></rect>",
                plot_h - h,
                format_utc(*t),
                failures,
                requests
            );
        }
        if *requests > 0 {
            line.push(format!(
                "{:.1},{:.1}",
                x + bw / 2.0,
                plot_h - *requests as f64 / max_r * plot_h
            ));
        }
    }
    if line.len() > 1 {
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#337ab7\" stroke-width=\"1.2\"/>",
            line.join(" ")
        );
    } else if let Some(p) = line.first() {
        let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
        let _ = write!(
            s,
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"#337ab7\"/>"
        );
    }
    let end = axis.first + (axis.buckets as i64 - 1) * axis.width;
    let scale = if line.is_empty() {
        format!("max {} failures per bucket", max_f as u64)
    } else {
        format!(
            "max {} failures, {} requests per bucket",
            max_f as u64, max_r as u64
        )
    };
    let _ = write!(
        s,
        "<text x=\"2\" y=\"{:.1}\" font-size=\"10\" fill=\"#666\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#666\" text-anchor=\"end\">{}</text><text x=\"{:.1}\" y=\"10\" font-size=\"10\" fill=\"#666\" text-anchor=\"end\">{}</text>",
        CHART_H - 3.0,
        format_utc(axis.first),
        CHART_W - 2.0,
        CHART_H - 3.0,
        format_utc(end),
        CHART_W - 2.0,
        scale
    );
    s.push_str("</svg>\n");
}

/// Spans with data per server and source, gaps left blank.
fn coverage(s: &mut String, c: &Correlation) {
    if c.coverage.spans.is_empty() {
        return;
    }
    let all = c.coverage.spans.values().flatten();
    let (lo, hi) = all.fold((i64::MAX, i64::MIN), |(a, b), sp| {
        (a.min(sp.start), b.max(sp.end))
    });
    let len = (hi - lo).max(1) as f64;
    let rows = c.coverage.spans.len();
    let row_h = 22.0;
    let label_w = 220.0;
    let h = rows as f64 * row_h + 24.0;
    let _ = writeln!(
        s,
        "<h2 id=\"coverage\">Coverage</h2>\n<p class=\"meta\">Logs in the bundle per server and source, {} .. {}. A gap is not \"no failures\": nothing was read there.</p>",
        format_utc(lo),
        format_utc(hi)
    );
    let _ = write!(
        s,
        "<svg viewBox=\"0 0 {CHART_W} {h}\" width=\"100%\" height=\"{h}\" role=\"img\">"
    );
    for (i, ((server, source), spans)) in c.coverage.spans.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{:.1}\" font-size=\"12\">{} {}</text>",
            y + 14.0,
            esc(server),
            esc(source)
        );
        for sp in spans {
            let x = label_w + (sp.start - lo) as f64 / len * (CHART_W - label_w - 8.0);
            let w = ((sp.end - sp.start) as f64 / len * (CHART_W - label_w - 8.0)).max(2.0);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"16\" fill=\"#5cb85c\"><title>{} .. {}</title></rect>",
                format_utc(sp.start),
                format_utc(sp.end)
            );
        }
    }
    s.push_str("</svg>\n");
}

fn categories(s: &mut String, a: &Analysis, taxonomy: &Taxonomy) {
    s.push_str("<h2 id=\"categories\">Findings by category</h2>\n<table><tr><th>category</th><th>severity</th><th>findings</th><th>web</th><th>events</th><th>first .. last</th><th>servers</th><th>top targets</th><th>fix</th></tr>\n");
    let mut cats: Vec<_> = a.aggregates.categories.iter().collect();
    cats.sort_by_key(|(id, t)| {
        (
            severity_rank(&taxonomy.get(**id).severity),
            std::cmp::Reverse(t.findings),
            **id,
        )
    });
    for (id, t) in cats {
        let cat = taxonomy.get(*id);
        let servers: Vec<&str> = t.servers.iter().map(HostId::as_str).collect();
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{} .. {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&cat.id),
            esc(&cat.severity),
            t.findings,
            t.web_findings,
            t.event_findings,
            format_opt(t.first),
            format_opt(t.last),
            esc(&servers.join(", ")),
            esc(&t.top_target_labels(TOP_TARGETS, str::to_owned).join(", ")),
            esc(&cat.remediation)
        );
    }
    s.push_str("</table>\n");
}

fn inventory(s: &mut String, a: &Analysis) {
    s.push_str("<h2 id=\"inventory\">Inventory</h2>\n<table><tr><th>file</th><th>format</th><th>server</th><th>site</th><th>lines</th><th>records</th><th>rejected</th><th>free/busy</th><th>findings</th><th>notes</th></tr>\n");
    for r in &a.inputs {
        let t = &r.tally;
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&r.display),
            esc(r.format.name()),
            esc(&r.server),
            esc(&r.site),
            t.lines,
            t.records,
            t.rejected,
            t.freebusy_requests,
            t.findings,
            esc(&InputNote::joined(&r.notes))
        );
    }
    s.push_str("</table>\n");
}

fn problems(s: &mut String, a: &Analysis) {
    s.push_str("<h2 id=\"problems\">Input problems</h2>\n");
    if a.problems.is_empty() {
        s.push_str("<p>None: every input was read completely.</p>\n");
        return;
    }
    s.push_str("<ul>\n");
    for p in &a.problems {
        let _ = writeln!(
            s,
            "<li><strong>{}</strong>: {}</li>",
            p.severity_str(),
            esc(&p.to_string())
        );
    }
    s.push_str("</ul>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_html_significant_character_is_escaped() {
        let hostile = "<audio src=x onerror=alert(1)>&\"'";
        let out = esc(hostile);
        assert!(!out.contains(['<', '>', '"', '\'']), "{out}");
        assert_eq!(out, "&lt;audio src=x onerror=alert(1)&gt;&amp;&quot;&#39;");
    }
}
