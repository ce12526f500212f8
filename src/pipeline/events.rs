//! The event-log pass: every event export parsed and classified whole, one per worker, and
//! merged in input order.

use std::sync::mpsc;

use super::{Collected, Context, FindingSink, InputReport};
use crate::analysis::InputNote;
use crate::classify::EventClassifier;
use crate::config::Config;
use crate::error::ReportError;
use crate::finding::{Finding, TimeBasis};
use crate::host::{HostCache, HostId};
use crate::input::discover::server_from_event_file;
use crate::input::{Format, Input};
use crate::parse::eventlog::{self, EventFormat, EventOutput, EventTz, Stopped};
use crate::problem::Problem;
use crate::tally::REJECTED_KEPT_PER_INPUT;

/// Findings one event input may have waiting for the merge before its parser pauses: the
/// bound on memory for an export full of failures (a multi-GB Application log of 4002s),
/// at a few hundred bytes each.
const FINDINGS_IN_FLIGHT: usize = 4096;

/// Parses the event inputs, `threads` at a time, each on its own thread, and merges them in
/// input order. Findings stream to the merge through bounded channels: the first input of a
/// window is drained while it is parsed, the others run ahead until their channel is full.
/// Plain scoped threads, not the rayon pool: a parser blocked on a full channel must not hold
/// a pool worker that another task waits for.
pub(super) fn event_pass(
    ctx: &Context<'_>,
    out: &mut Collected,
    sink: &mut dyn FindingSink,
) -> Result<(), ReportError> {
    let events = EventPass {
        inputs: ctx.inputs,
        config: ctx.config,
        classifier: EventClassifier::new(ctx.grammar),
        vocabulary: &ctx.grammar.sources.vocabulary,
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
        std::thread::scope(|scope| {
            let running: Vec<_> = window
                .iter()
                .map(|&(i, format)| {
                    let (tx, rx) = mpsc::sync_channel(FINDINGS_IN_FLIGHT);
                    let events = &events;
                    (i, rx, scope.spawn(move || events.run(i, format, &tx)))
                })
                .collect();
            // Returning early (a write error) drops the receivers, so the parsers stop.
            for (i, rx, handle) in running {
                let report = &mut out.reports[i];
                let mut findings = 0;
                for f in rx {
                    out.aggregates.add(&f);
                    sink.finding(&f, &report.display)?;
                    findings += 1;
                }
                let result = handle
                    .join()
                    .unwrap_or_else(|_| Err("the parser stopped unexpectedly".to_owned()));
                merge_event_input(result, findings, report, &mut out.problems);
                ctx.progress.inc(ctx.inputs[i].stored_size);
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Parses and classifies whole event-log inputs (one per worker).
struct EventPass<'a> {
    inputs: &'a [Input],
    config: &'a Config,
    classifier: EventClassifier<'a>,
    /// Templates and cmdlets for the readers.
    vocabulary: &'a crate::parse::eventlog::Vocabulary,
}

/// What one event input produced.
struct EventResult {
    output: EventOutput,
    /// Why reading stopped before the end, if it did.
    stopped: Option<String>,
    /// The input's server for the inventory: the first `Computer` of its events, else the
    /// one its path names.
    server: HostId,
    freebusy: u64,
    filtered: u64,
    filtered_undated: u64,
}

impl EventPass<'_> {
    /// Parses one input, sending its findings in order; stops sending once the merge has
    /// gone (the run is ending on an error) but still finishes the accounting.
    fn run(
        &self,
        index: usize,
        format: EventFormat,
        findings: &mpsc::SyncSender<Finding>,
    ) -> Result<EventResult, String> {
        let input = &self.inputs[index];
        let opts = self.config.event_time.options_for(&input.display);
        let fallback_server = if input.server.is_unknown() {
            server_from_event_file(&input.display)
        } else {
            input.server.clone()
        };
        let time_basis = if !format.has_local_times() {
            TimeBasis::LogUtc
        } else if opts.tz == EventTz::AssumedUtc {
            TimeBasis::AssumedUtc
        } else {
            TimeBasis::Converted
        };
        let (mut freebusy, mut filtered, mut filtered_undated) = (0, 0, 0);
        let mut merge_gone = false;
        let mut first_computer = HostId::unknown();
        let mut computers = HostCache::default();
        let reads_text = |provider: &str| self.classifier.reads_text(provider);
        let parsed = eventlog::parse_for(
            format,
            input,
            &opts,
            self.vocabulary,
            &reads_text,
            &mut |rec| {
                let computer = computers.resolve(rec.computer.as_bytes());
                if first_computer.is_unknown() {
                    first_computer = computer.clone();
                }
                let counted = self.classifier.is_freebusy_event(&rec);
                let verdict = self.classifier.classify(&rec);
                if !counted && verdict.is_none() {
                    return;
                }
                let server = if computer.is_unknown() {
                    &fallback_server
                } else {
                    computer
                };
                if !self.config.filter.admits(rec.time, server) {
                    filtered += 1;
                    filtered_undated += u64::from(rec.time.is_none());
                    return;
                }
                freebusy += u64::from(counted);
                if let (Some(v), false) = (verdict, merge_gone) {
                    let server = server.clone();
                    let finding = self.classifier.finding(&rec, v, index, server, time_basis);
                    merge_gone = findings.send(finding).is_err();
                }
            },
        );
        let (output, stopped) = match parsed {
            Ok(output) => (output, None),
            Err(Stopped { message, partial }) => (*partial, Some(message)),
        };
        Ok(EventResult {
            output,
            stopped,
            server: if first_computer.is_unknown() {
                fallback_server
            } else {
                first_computer
            },
            freebusy,
            filtered,
            filtered_undated,
        })
    }
}

/// Files one event input's counts and notes (its `findings` went to the sink already).
fn merge_event_input(
    result: Result<EventResult, String>,
    findings: u64,
    report: &mut InputReport,
    problems: &mut Vec<Problem>,
) {
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem::failed(&report.display, e.clone()));
            report.failed = true;
            report.notes.push(InputNote::Text(format!("not read: {e}")));
            report.tally.findings += findings;
            return;
        }
    };
    if let Some(e) = &result.stopped {
        problems.push(Problem::failed(&report.display, e.clone()));
        report.failed = true;
        report
            .notes
            .push(InputNote::Text(if result.output.tally.lines == 0 {
                format!("not read: {e}")
            } else {
                format!("read stopped: {e}; what was read before is counted")
            }));
    }
    if report.server.is_empty() {
        report.server = result.server;
    }
    let mut tally = result.output.tally;
    tally.freebusy_requests += result.freebusy;
    tally.filtered += result.filtered;
    tally.filtered_undated += result.filtered_undated;
    tally.findings += findings;
    report.tally.merge(&tally);
    report.rejections = result.output.rejections;
    report.rejections.truncate(REJECTED_KEPT_PER_INPUT);
    report
        .notes
        .extend(result.output.notes.into_iter().map(InputNote::Text));
    if result.output.assumed_utc {
        report.notes.push(InputNote::AssumedUtc);
    }
}
