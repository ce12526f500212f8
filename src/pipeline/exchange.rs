//! The Exchange CSV pass: HttpProxy, message tracking, SMTP and IMAP/POP logs, each read
//! whole by one worker (`threads` inputs at a time) and merged in input order after the web
//! logs and event exports.
//!
//! HttpProxy findings are joined to the IIS failure of the same request by the front end's
//! request id (`cafeReqId=` in the IIS query, `RequestId` in HttpProxy): the web pass keeps
//! the ids of its failures in a [`RequestIndex`], and a joined HttpProxy finding names the
//! IIS line in its detail. One failure seen twice stays two findings, but says so; both carry
//! the id in the `cafe_req_id` column.

use crate::analysis::InputNote;
use crate::host::HostId;
use std::collections::BTreeMap;
use std::io::BufReader;

use rayon::prelude::*;

use super::{Collected, Context, FindingSink, InputReport};
use crate::classify::proxy::ProxyFindings;
use crate::classify::Classifier;
use crate::error::ReportError;
use crate::finding::{Finding, SourceKind};
use crate::input::Format;
use crate::parse::exchange::{self, ExchangeLog, ExchangeOutput};
use crate::problem::Problem;

/// Request ids of IIS failures kept for the join. Failing free/busy lines are few (an
/// outage's day on a busy front end is tens of thousands); past this many the join is
/// incomplete, and the HttpProxy inventory says so, instead of memory growing with the logs.
const MAX_JOINED_IDS: usize = 1 << 18;

/// Buffer of the line reader: a few lines of HttpProxy's widest rows per refill.
const READ_BUFFER: usize = 64 << 10;

/// IIS failures by the front end's request id: where the first one with each id is.
#[derive(Debug, Default)]
pub(super) struct RequestIndex {
    ids: BTreeMap<u128, (usize, u64)>,
    overflowed: u64,
}

impl RequestIndex {
    /// The request id of a finding the index keeps: an IIS failure's.
    pub(super) fn id_of(f: &Finding) -> Option<u128> {
        f.cafe_req_id.filter(|_| f.source == SourceKind::Iis)
    }

    /// Notes the request id of the IIS failure at `position` of `input` (the first finding
    /// of an id keeps it).
    pub(super) fn add(&mut self, id: u128, input: usize, position: u64) {
        if self.ids.len() < MAX_JOINED_IDS || self.ids.contains_key(&id) {
            self.ids.entry(id).or_insert((input, position));
        } else {
            self.overflowed += 1;
        }
    }
}

/// Whether any input is an HttpProxy log, which the web pass's request ids are kept for.
pub(super) fn joins(reports: &[InputReport]) -> bool {
    reports
        .iter()
        .any(|r| r.format == Format::ExchangeCsv(ExchangeLog::HttpProxy))
}

/// Reads every Exchange CSV input and merges them in input order.
pub(super) fn exchange_pass(
    ctx: &Context<'_>,
    out: &mut Collected,
    sink: &mut dyn FindingSink,
) -> Result<(), ReportError> {
    let classifier = Classifier::new(ctx.grammar);
    let inputs: Vec<(usize, ExchangeLog)> = out
        .reports
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r.format {
            Format::ExchangeCsv(log) => Some((i, log)),
            _ => None,
        })
        .collect();
    for window in inputs.chunks(ctx.config.threads.max(1)) {
        let read: Vec<(usize, Result<Read, String>)> = ctx.pool.install(|| {
            window
                .par_iter()
                .map(|&(i, log)| (i, read_input(ctx, &classifier, i, log)))
                .collect()
        });
        for (i, result) in read {
            merge_input(i, result, out, sink)?;
            ctx.progress.inc(ctx.inputs[i].stored_size);
        }
    }
    Ok(())
}

/// What one Exchange input produced.
struct Read {
    output: ExchangeOutput,
    findings: Vec<Finding>,
    server: Option<HostId>,
}

/// Reads one input whole. Its findings are kept until the merge: an HttpProxy log rolls over
/// at a few MB, and only its failing free/busy rows become findings.
fn read_input(
    ctx: &Context<'_>,
    classifier: &Classifier<'_>,
    index: usize,
    log: ExchangeLog,
) -> Result<Read, String> {
    let input = &ctx.inputs[index];
    let reader = input.open().map_err(|e| e.to_string())?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
    let mut sink = ProxyFindings {
        classifier,
        filter: &ctx.config.filter,
        input: index,
        server: &input.server,
        names: Default::default(),
        findings: Vec::new(),
        first_server: None,
    };
    let defaults = &ctx.grammar.traffic.httpproxy.default_fields;
    let output = exchange::read(&mut reader, log, defaults, &mut sink);
    Ok(Read {
        output,
        findings: sink.findings,
        server: sink.first_server,
    })
}

/// Files one input's counts, notes and findings (joined to the IIS failures).
fn merge_input(
    i: usize,
    result: Result<Read, String>,
    out: &mut Collected,
    sink: &mut dyn FindingSink,
) -> Result<(), ReportError> {
    let read = match result {
        Ok(read) => read,
        Err(e) => {
            let report = &mut out.reports[i];
            out.problems
                .push(Problem::failed(&report.display, e.clone()));
            report.failed = true;
            report.notes.push(InputNote::Text(format!("not read: {e}")));
            return Ok(());
        }
    };
    let mut joined = 0;
    for mut f in read.findings {
        if let Some(at) = join(&f, &out.requests, &out.reports) {
            f.detail.push_str(&at);
            joined += 1;
        }
        out.aggregates.add(&f);
        sink.finding(&f, &out.reports[i].display)?;
    }
    let report = &mut out.reports[i];
    file_output(report, read.output, &mut out.problems);
    if report.server.is_empty() {
        report.server = read.server.unwrap_or_default();
    }
    if joined > 0 {
        report.notes.push(InputNote::Text(format!(
            "{joined} findings joined by cafeReqId to the IIS line of the same request"
        )));
    }
    if out.requests.overflowed > 0 && report.tally.findings > 0 {
        report.notes.push(InputNote::Text(format!(
            "the cafeReqId join kept the first {MAX_JOINED_IDS} IIS failures' ids; {} later ones were not joined",
            out.requests.overflowed
        )));
    }
    Ok(())
}

/// `; the same request's IIS line: <file>:<line> (cafeReqId)` for a finding whose request id
/// an IIS failure carries.
fn join(f: &Finding, requests: &RequestIndex, reports: &[InputReport]) -> Option<String> {
    let &(input, position) = requests.ids.get(&f.cafe_req_id?)?;
    let file = &reports.get(input)?.display;
    Some(format!(
        "; the same request's IIS line: {file}:{position} (cafeReqId)"
    ))
}

fn file_output(report: &mut InputReport, output: ExchangeOutput, problems: &mut Vec<Problem>) {
    if let Some(e) = &output.stopped {
        problems.push(Problem::failed(&report.display, e.clone()));
        report.failed = true;
        report.notes.push(InputNote::Text(format!(
            "read stopped: {e}; what was read before is counted"
        )));
    }
    report.tally.merge(&output.tally);
    report.rejections = output.rejections;
    report
        .notes
        .extend(output.notes.into_iter().map(InputNote::Text));
}
