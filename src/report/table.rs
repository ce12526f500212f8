//! The terminal summary: what was read, what failed, what to do about it.
//! Everything that came from a log passes through the terminal sanitizer.

use std::fmt::Write as _;

use crate::aggregate::TOP_TARGETS;
use crate::grammar::Taxonomy;
use crate::parse::eventlog::time::ASSUMED_UTC_NOTE;
use crate::pipeline::Analysis;
use crate::problem::Severity;
use crate::sanitize::terminal;

use super::verdict::Coverage;
use crate::time::format_opt;

/// How many problems are listed before "... and N more".
const PROBLEMS_SHOWN: usize = 20;

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Renders the summary.
pub fn render(a: &Analysis, taxonomy: &Taxonomy) -> String {
    let mut s = String::new();
    let t = &a.totals;
    let read = a
        .inputs
        .iter()
        .filter(|r| r.format.name() != "skipped")
        .count();
    let secs = a.elapsed.as_secs_f64().max(1e-6);
    // The verdict first: what the evidence covers, before any "no failures" sentence.
    let headline = Coverage::of(a).headline(t);
    let _ = writeln!(s, "{}", terminal(&headline));
    let _ = writeln!(
        s,
        "fbscope {}: {} inputs ({} read, {} skipped), {} in {:.2} s ({}/s, {} threads)",
        env!("CARGO_PKG_VERSION"),
        a.inputs.len(),
        read,
        a.inputs.len() - read,
        human_bytes(t.bytes),
        secs,
        human_bytes((t.bytes as f64 / secs) as u64),
        a.threads
    );
    let _ = writeln!(
        s,
        "lines: {} = {} records + {} directives + {} blank + {} rejected",
        t.lines, t.records, t.directives, t.blank, t.rejected
    );
    let _ = writeln!(
        s,
        "free/busy requests: {}, findings: {}",
        t.freebusy_requests, t.findings
    );
    let assumed_utc = a
        .inputs
        .iter()
        .filter(|r| r.notes.iter().any(|n| n == ASSUMED_UTC_NOTE))
        .count();
    if assumed_utc > 0 {
        let _ = writeln!(
            s,
            "event times assumed UTC in {assumed_utc} input(s) with local times: no --event-tz given (use --event-tz ZONE, or PATH=ZONE per file)"
        );
    }
    if t.filtered > 0 {
        let _ = writeln!(
            s,
            "left out by --since/--until/--server: {} free/busy requests",
            t.filtered
        );
    }
    render_categories(&mut s, a, taxonomy);
    render_problems(&mut s, a);
    s
}

fn render_categories(s: &mut String, a: &Analysis, taxonomy: &Taxonomy) {
    if a.aggregates.categories.is_empty() {
        return; // the headline said so, with what it covers
    }
    let _ = writeln!(
        s,
        "\nFindings by category (most severe first in taxonomy order):"
    );
    for (id, c) in &a.aggregates.categories {
        let cat = taxonomy.get(*id);
        let servers: Vec<String> = c.servers.iter().map(|x| terminal(x).into_owned()).collect();
        let targets = c.top_target_labels(TOP_TARGETS, |t| terminal(t).into_owned());
        let _ = writeln!(
            s,
            "\n  {:<24} {:>7}  [{}]  {}",
            cat.id, c.findings, cat.severity, cat.title
        );
        let _ = writeln!(
            s,
            "    web {} / events {}   {} .. {}",
            c.web_findings,
            c.event_findings,
            format_opt(c.first),
            format_opt(c.last)
        );
        let _ = writeln!(s, "    servers: {}", servers.join(", "));
        if !targets.is_empty() {
            let _ = writeln!(s, "    targets: {}", targets.join(", "));
        }
        let _ = writeln!(s, "    fix: {}", cat.remediation);
    }
}

fn render_problems(s: &mut String, a: &Analysis) {
    if a.problems.is_empty() {
        return;
    }
    let failed = a
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Failed)
        .count();
    let _ = writeln!(
        s,
        "\nInput problems ({} failed, {} notes):",
        failed,
        a.problems.len() - failed
    );
    for p in a.problems.iter().take(PROBLEMS_SHOWN) {
        let _ = writeln!(s, "  {}: {}", p.severity_str(), terminal(&p.to_string()));
    }
    if a.problems.len() > PROBLEMS_SHOWN {
        let _ = writeln!(
            s,
            "  ... and {} more (see --format json)",
            a.problems.len() - PROBLEMS_SHOWN
        );
    }
}
