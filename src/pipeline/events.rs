//! The event-log pass: every event export parsed and classified whole, one per worker, and
//! merged in input order.

use rayon::prelude::*;

use super::{Collected, Context, FindingSink, InputReport};
use crate::aggregate::Aggregates;
use crate::classify::event::server_name;
use crate::classify::EventClassifier;
use crate::config::Config;
use crate::error::ReportError;
use crate::finding::Finding;
use crate::input::{Format, Input};
use crate::parse::eventlog::{self, EventFormat, EventOutput};
use crate::problem::Problem;
use crate::tally::REJECTED_KEPT_PER_INPUT;

/// Parses the event inputs, `threads` at a time, and merges each in input order.
pub(super) fn event_pass(
    ctx: &Context<'_>,
    out: &mut Collected,
    sink: &mut FindingSink<'_>,
) -> Result<(), ReportError> {
    let events = EventPass {
        inputs: ctx.inputs,
        config: ctx.config,
        classifier: EventClassifier::new(ctx.grammar),
    };
    let event_inputs: Vec<(usize, EventFormat)> = out
        .reports
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r.format {
            Format::Event(f) => Some((i, f)),
            _ => None,
        })
        .collect();
    for window in event_inputs.chunks(ctx.config.threads.max(1)) {
        let parsed: Vec<(usize, Result<EventResult, String>)> = ctx.pool.install(|| {
            window
                .par_iter()
                .map(|&(i, format)| (i, events.run(i, format)))
                .collect()
        });
        for (i, result) in parsed {
            merge_event_input(
                result,
                &mut out.reports[i],
                &mut out.problems,
                &mut out.aggregates,
                sink,
            )?;
            ctx.progress.inc(ctx.inputs[i].stored_size);
        }
    }
    Ok(())
}

/// Parses and classifies whole event-log inputs (one per worker).
struct EventPass<'a> {
    inputs: &'a [Input],
    config: &'a Config,
    classifier: EventClassifier<'a>,
}

/// What one event input produced.
struct EventResult {
    output: EventOutput,
    /// The input's server for the inventory: the first `Computer` of its events, else the
    /// one its path names.
    server: String,
    findings: Vec<Finding>,
    freebusy: u64,
    filtered: u64,
}

impl EventPass<'_> {
    fn run(&self, index: usize, format: EventFormat) -> Result<EventResult, String> {
        let input = &self.inputs[index];
        let opts = self.config.event_time.options_for(&input.display);
        let fallback_server = if input.server.is_empty() {
            server_from_event_path(&input.display)
        } else {
            input.server.clone()
        };
        let mut findings = Vec::new();
        let (mut freebusy, mut filtered) = (0, 0);
        let mut first_computer = String::new();
        let output = eventlog::parse(format, input, &opts, &mut |rec| {
            if first_computer.is_empty() {
                first_computer = server_name(&rec.computer).to_owned();
            }
            let counted = self.classifier.is_freebusy_event(&rec);
            let verdict = self.classifier.classify(&rec);
            if !counted && verdict.is_none() {
                return;
            }
            let server = match server_name(&rec.computer) {
                "" => fallback_server.as_str(),
                c => c,
            };
            if !self.config.filter.admits(rec.time, server) {
                filtered += 1;
                return;
            }
            freebusy += u64::from(counted);
            if let Some(v) = verdict {
                findings.push(self.classifier.finding(&rec, v, index, &fallback_server));
            }
        })?;
        Ok(EventResult {
            output,
            server: if first_computer.is_empty() {
                fallback_server
            } else {
                first_computer
            },
            findings,
            freebusy,
            filtered,
        })
    }
}

/// The server of an event export whose records do not name it (Event Viewer CSV/TXT have no
/// Computer column): `<SERVER>_Application.xml` as ExchangeLogCollector names its exports, or
/// the folder it sits in when that looks like a host name (starts with a letter, has a digit
/// or a '-': `FABRIKAM-EX01/Application.csv`, not `logs/` or `2026-03-02/`).
fn server_from_event_path(display: &str) -> String {
    let mut parts = display.rsplit(['/', '\\', '!']).filter(|p| !p.is_empty());
    let file = parts.next().unwrap_or_default();
    if let Some((server, _)) = file.split_once('_') {
        if looks_like_host(server) {
            return server.to_owned();
        }
    }
    parts
        .next()
        .filter(|dir| looks_like_host(dir))
        .unwrap_or_default()
        .to_owned()
}

fn looks_like_host(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.contains(|c: char| c.is_ascii_digit() || c == '-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Streams one event input's findings to the sink and files its counts and notes.
fn merge_event_input(
    result: Result<EventResult, String>,
    report: &mut InputReport,
    problems: &mut Vec<Problem>,
    aggregates: &mut Aggregates,
    sink: &mut FindingSink<'_>,
) -> Result<(), ReportError> {
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem::failed(&report.display, e.clone()));
            report.failed = true;
            report.notes.push(format!("not read: {e}"));
            return Ok(());
        }
    };
    for f in &result.findings {
        aggregates.add(f);
        sink(f, &report.display)?;
    }
    if report.server.is_empty() {
        report.server = result.server;
    }
    let mut tally = result.output.tally;
    tally.freebusy_requests += result.freebusy;
    tally.filtered += result.filtered;
    tally.findings += result.findings.len() as u64;
    report.tally.merge(&tally);
    report.rejections = result.output.rejections;
    report.rejections.truncate(REJECTED_KEPT_PER_INPUT);
    report.notes.extend(result.output.notes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_exports_name_their_server_by_file_or_folder() {
        let s = server_from_event_path;
        assert_eq!(s("samples/FABRIKAM-EX01/Application.csv"), "FABRIKAM-EX01");
        assert_eq!(s("bundle.zip!EXCH01_Application.xml"), "EXCH01");
        assert_eq!(s(r"C:\logs\ex02.contoso.com\app.evtx"), "ex02.contoso.com");
        assert_eq!(s("samples/Application.csv"), "");
        assert_eq!(s("2026-03-02/Application.csv"), "");
        assert_eq!(s("Application.csv"), "");
    }
}
