//! The terminal summary: what was read, what failed, what to do about it.
//! Everything that came from a log passes through the terminal sanitizer.

use std::fmt::Write as _;

use std::path::Path;

use crate::aggregate::TOP_TARGETS;
use crate::analysis::Analysis;
use crate::analysis::InputNote;
use crate::correlate::{Correlation, Incident};
use crate::grammar::Taxonomy;
use crate::input::sniff::SkipKind;
use crate::input::Format;
use crate::problem::Severity;
use crate::sanitize::terminal;

use super::verdict::Coverage;
use crate::time::format_opt;

/// How many problems are listed before "... and N more".
const PROBLEMS_SHOWN: usize = 20;
/// How many failures the verdict details before "... and N more".
const FAILURES_SHOWN: usize = 12;
/// Text width when the terminal's is unknown (`COLUMNS` unset, output not a terminal).
const DEFAULT_WIDTH: usize = 100;

pub use crate::correlate::severity_rank;

fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(DEFAULT_WIDTH)
}

/// Wraps `text` at word boundaries to `width`, every line after the first indented by
/// `indent` spaces (a word longer than the line stays whole).
pub fn wrap(text: &str, first: &str, indent: usize, width: usize) -> String {
    let mut out = String::from(first);
    let mut col = first.chars().count();
    let mut at_start = true;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if !at_start && col + 1 + w > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
            at_start = true;
        }
        if !at_start {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += w;
        at_start = false;
    }
    out.push('\n');
    out
}

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

/// Renders the summary: what was read, the verdict (incidents, most severe first), the
/// categories, coverage, input problems, and where the reports went.
pub fn render(
    a: &Analysis,
    c: &Correlation,
    taxonomy: &Taxonomy,
    out_dir: Option<&Path>,
) -> String {
    let mut s = String::new();
    render_header(&mut s, a);
    render_verdict(&mut s, a, c, taxonomy);
    render_categories(&mut s, a, taxonomy);
    render_coverage(&mut s, c);
    render_problems(&mut s, a);
    if let Some(note) = excel_note(a.totals.findings) {
        let _ = write!(s, "{}", wrap(&note, "\nnote: ", 4, width()));
    }
    if let Some(dir) = out_dir {
        let _ = write!(
            s,
            "{}",
            wrap(
                &super::REPORT_FILES
                    .iter()
                    .chain([&super::MANIFEST_FILE])
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
                &format!(
                    "\nReports written to {}: ",
                    terminal(&dir.display().to_string())
                ),
                4,
                width()
            )
        );
    }
    fit(&s, width())
}

/// Rows of an Excel worksheet, header included (Excel 2007 and later: "Excel specifications
/// and limits", https://support.microsoft.com/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3).
pub const EXCEL_MAX_ROWS: u64 = 1_048_576;

/// Says so when findings.csv has more rows than Excel can open: Excel loads the first
/// [`EXCEL_MAX_ROWS`] with only a warning, and a silently cut list of failures misleads.
fn excel_note(findings: u64) -> Option<String> {
    let rows = findings.saturating_add(1);
    (rows > EXCEL_MAX_ROWS).then(|| {
        format!(
            "findings.csv has {rows} rows with its header, more than Excel's {EXCEL_MAX_ROWS}: \
             Excel opens only the first {EXCEL_MAX_ROWS} and leaves {} finding(s) out. Read \
             findings.jsonl or load findings.csv into a database (DuckDB, Power Query's data \
             model), or narrow the run with --since/--until/--server.",
            rows - EXCEL_MAX_ROWS
        )
    })
}

/// Wraps every line longer than `width` at word boundaries, continuing it indented four
/// spaces deeper than it began (a word longer than the line is left whole).
fn fit(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(s.len() + 64);
    for line in s.lines() {
        if line.chars().count() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let first = &line[..indent];
        out.push_str(&wrap(line.trim_start(), first, indent + 4, width));
    }
    out
}

fn render_header(s: &mut String, a: &Analysis) {
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
        .filter(|r| r.notes.contains(&InputNote::AssumedUtc))
        .count();
    if assumed_utc > 0 {
        let _ = writeln!(
            s,
            "event times assumed UTC in {assumed_utc} input(s) with local times: no --event-tz given (use --event-tz ZONE, or PATH=ZONE per file)"
        );
    }
    let pruned = a
        .inputs
        .iter()
        .filter(|r| matches!(&r.format, Format::Unsupported(s) if s.kind == SkipKind::Pruned))
        .count();
    if pruned > 0 {
        let _ = writeln!(
            s,
            "{} by their names: {pruned} log(s) not read (outside the window)",
            crate::pipeline::PRUNED_NOTE
        );
    }
    if t.filtered > 0 {
        let _ = writeln!(
            s,
            "left out by --since/--until/--server: {} free/busy requests ({} of them undated)",
            t.filtered, t.filtered_undated
        );
    }
}

fn render_categories(s: &mut String, a: &Analysis, taxonomy: &Taxonomy) {
    if a.aggregates.categories.is_empty() {
        return; // the headline said so, with what it covers
    }
    let _ = writeln!(
        s,
        "\nFindings by category (most severe first, then most findings):"
    );
    let mut cats: Vec<_> = a.aggregates.categories.iter().collect();
    cats.sort_by_key(|(id, c)| {
        (
            severity_rank(&taxonomy.get(**id).severity),
            std::cmp::Reverse(c.findings),
            **id,
        )
    });
    for (id, c) in cats {
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
        let _ = write!(s, "{}", wrap(&cat.remediation, "    fix: ", 9, width()));
    }
}

/// The verdict: every incident, most severe first, with both sides, window, counts, fix.
fn render_verdict(s: &mut String, a: &Analysis, c: &Correlation, taxonomy: &Taxonomy) {
    if c.incidents.is_empty() {
        return;
    }
    let servers: std::collections::BTreeSet<&str> =
        c.incidents.iter().map(|i| i.key.server.as_str()).collect();
    let (first, last) = c.span.unwrap_or_default();
    let _ = writeln!(
        s,
        "\nVerdict: {} incident(s) on {} server(s), {} .. {}, {} link(s) between them:",
        c.incidents.len(),
        servers.len(),
        format_opt(Some(first)),
        format_opt(Some(last)),
        c.links().len()
    );
    for hint in &c.zone_hints {
        let file = crate::report::json::input_name(a, hint.input);
        let _ = writeln!(s, "  zone: {}", terminal(&hint.sentence(file)));
    }
    let failures = c.failures(taxonomy);
    let two_sided = failures.iter().filter(|f| f.len() > 1).count();
    let _ = writeln!(
        s,
        "{} failure(s), {two_sided} of them seen on both sides (most severe first)",
        failures.len()
    );
    let w = width();
    for (n, ids) in failures.iter().take(FAILURES_SHOWN).enumerate() {
        render_failure(s, n + 1, ids, c, taxonomy, w);
    }
    if failures.len() > FAILURES_SHOWN {
        let _ = writeln!(
            s,
            "\n  ... and {} more failures (incidents.csv, report.html)",
            failures.len() - FAILURES_SHOWN
        );
    }
    for sug in &c.suggestions {
        let _ = writeln!(s, "  suggestion: {}", terminal(&sug.sentence()));
    }
    if c.undated > 0 {
        let _ = writeln!(
            s,
            "  {} finding(s) without a time are in no incident",
            c.undated
        );
    }
    let _ = a;
}

/// One failure: the incidents it joins (both sides), what the absence of lines says, and the
/// fix of its most severe category.
fn render_failure(
    s: &mut String,
    n: usize,
    ids: &[u32],
    c: &Correlation,
    taxonomy: &Taxonomy,
    w: usize,
) {
    let incs: Vec<&Incident> = ids.iter().filter_map(|id| c.incident(*id)).collect();
    let Some(lead) = incs
        .iter()
        .min_by_key(|i| (severity_rank(&taxonomy.get(i.key.category).severity), i.id))
    else {
        return;
    };
    let cat = taxonomy.get(lead.key.category);
    let start = incs.iter().map(|i| i.start).min().unwrap_or_default();
    let end = incs.iter().map(|i| i.end).max().unwrap_or_default();
    let _ = writeln!(
        s,
        "\n  {n}. {} [{}] {} .. {}: {}",
        cat.id,
        cat.severity,
        format_opt(Some(start)),
        short_time(end, start),
        cat.title
    );
    for inc in &incs {
        let links: Vec<String> = inc
            .related
            .iter()
            .map(|(o, b)| format!("#{o} by {b}"))
            .collect();
        let window = if inc.start == inc.end {
            short_time(inc.start, start)
        } else {
            format!(
                "{}..{}",
                short_time(inc.start, start),
                short_time(inc.end, start)
            )
        };
        let _ = writeln!(
            s,
            "     #{:<3} {:<9} {:<15} {:<22} {:>5} x {}",
            inc.id,
            inc.key.side.as_str(),
            terminal(&inc.key.server),
            taxonomy.get(inc.key.category).id,
            inc.findings,
            window
        );
        if !links.is_empty() {
            let _ = write!(s, "{}", wrap(&links.join(", "), "          <-> ", 14, w));
        }
    }
    let mut notes: Vec<&String> = incs.iter().flat_map(|i| i.notes.iter()).collect();
    notes.dedup();
    for note in notes {
        let _ = write!(s, "{}", wrap(&terminal(note), "     ", 5, w));
    }
    let _ = write!(s, "{}", wrap(&cat.remediation, "     fix: ", 10, w));
}

/// `HH:MM:SSZ` when `t` falls on the same UTC day as `day_of`, else the full time.
fn short_time(t: i64, day_of: i64) -> String {
    let full = format_opt(Some(t));
    if t.div_euclid(86_400) == day_of.div_euclid(86_400) {
        full.get(11..).unwrap_or(&full).to_owned()
    } else {
        full
    }
}

fn render_coverage(s: &mut String, c: &Correlation) {
    if c.coverage.spans.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nCoverage (logs per server and source; a gap is not \"no failures\"):"
    );
    for ((server, source), spans) in &c.coverage.spans {
        let parts: Vec<String> = spans
            .iter()
            .map(|sp| {
                format!(
                    "{} .. {}",
                    format_opt(Some(sp.start)),
                    format_opt(Some(sp.end))
                )
            })
            .collect();
        let gaps = spans.len().saturating_sub(1);
        let _ = writeln!(
            s,
            "  {:<16} {:<9} {}{}",
            terminal(server),
            source,
            parts.join(", "),
            if gaps > 0 {
                format!("  ({gaps} gap(s))")
            } else {
                String::new()
            }
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_past_excels_rows_are_said_in_the_summary() {
        // 1,048,575 findings and the header fill a worksheet exactly.
        assert_eq!(excel_note(EXCEL_MAX_ROWS - 1), None);
        assert_eq!(excel_note(0), None);
        let note = excel_note(EXCEL_MAX_ROWS + 9).unwrap();
        assert!(
            note.starts_with(
                "findings.csv has 1048586 rows with its header, more than Excel's 1048576"
            ),
            "{note}"
        );
        assert!(note.contains("leaves 10 finding(s) out"), "{note}");
        assert!(excel_note(u64::MAX).is_some());
    }
}
