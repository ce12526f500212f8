//! The verdict: what the evidence covers, said before any "no failures" sentence.
//!
//! A diagnostic tool must never give an all clear about evidence it did not read. Every
//! input falls in one of five groups, and the headline names all but the first:
//! - **read**: its format was recognised and it was read to the end;
//! - **not read in full** (missing evidence, exit code 2): it could not be opened,
//!   decoded or parsed to the end: a damaged archive or member, an encrypted member, a
//!   read error, a decompression bomb, a refused zip member;
//! - **no reader** (exit code unaffected): a log fbscope recognises but has no reader for
//!   (Exchange's CSV logs, legacy `.Evt`);
//! - **left out by the time window**: IIS logs whose names date them outside
//!   `--since`/`--until`, not read on purpose; counted;
//! - **not a log** (exit code unaffected): empty files, binary data, text that is no log
//!   format (a JPEG, a README, a ticket note); counted, listed in the problems as notes.

use std::collections::BTreeMap;

use crate::input::sniff::SkipKind;
use crate::input::Format;
use crate::pipeline::Analysis;
use crate::problem::Severity;
use crate::tally::Tally;

/// Inputs named in the headline before "and N more".
const NAMED_IN_HEADLINE: usize = 3;

/// What the evidence of a run covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Inputs found (those refused before they could be read included).
    pub inputs: usize,
    /// Inputs read to the end.
    pub read: usize,
    /// Inputs not read in full, each with the first reason (missing evidence).
    pub not_read: Vec<(String, String)>,
    /// Logs with no reader, each with the reason.
    pub no_reader: Vec<(String, String)>,
    /// Inputs skipped as not logs.
    pub not_logs: usize,
    /// IIS logs left unread because their names date them outside `--since`/`--until`.
    pub pruned: usize,
}

impl Coverage {
    pub fn of(a: &Analysis) -> Coverage {
        let mut first_failure: BTreeMap<&str, &str> = BTreeMap::new();
        for p in a.problems.iter().filter(|p| p.severity == Severity::Failed) {
            first_failure.entry(&p.input).or_insert(&p.message);
        }
        let mut c = Coverage::default();
        for r in &a.inputs {
            let failure = first_failure.remove(r.display.as_str());
            match (&r.format, r.failed || failure.is_some()) {
                (_, true) => c.not_read.push((
                    r.display.clone(),
                    failure.unwrap_or("could not be read in full").to_owned(),
                )),
                (Format::Unsupported(skip), false) => match skip.kind {
                    SkipKind::NoReader => c.no_reader.push((r.display.clone(), skip.to_string())),
                    SkipKind::Pruned => c.pruned += 1,
                    SkipKind::NotALog => c.not_logs += 1,
                    // Marked failed, so the arm above took it.
                    SkipKind::Unreadable => c.not_read.push((r.display.clone(), skip.to_string())),
                },
                _ => c.read += 1,
            }
        }
        // Failures of inputs that never got a report: refused zip members, missing paths.
        c.not_read.extend(
            first_failure
                .into_iter()
                .map(|(input, why)| (input.to_owned(), why.to_owned())),
        );
        c.inputs = c.read + c.not_read.len() + c.no_reader.len() + c.not_logs + c.pruned;
        c
    }

    /// Was every input that could hold evidence read (those the user's time window left
    /// out aside)?
    pub fn complete(&self) -> bool {
        self.not_read.is_empty() && self.no_reader.is_empty()
    }

    /// The one-line verdict: findings or their absence, always with what they cover.
    pub fn headline(&self, totals: &Tally) -> String {
        let mut s = match (totals.findings, self.complete()) {
            (0, true) => format!(
                "No free/busy failures found in the {} read",
                inputs(self.read)
            ),
            (0, false) => format!(
                "No free/busy failures in {} of {}",
                self.read,
                inputs(self.inputs)
            ),
            (n, true) => format!("{} in the {} read", findings(n), inputs(self.read)),
            (n, false) => format!(
                "{} in {} of {}",
                findings(n),
                self.read,
                inputs(self.inputs)
            ),
        };
        if !self.not_read.is_empty() {
            s += &format!(
                "; {} could not be read in full: {}",
                self.not_read.len(),
                named(&self.not_read)
            );
        }
        if !self.no_reader.is_empty() {
            s += &format!(
                "; {} not read (a log format fbscope has no reader for): {}",
                self.no_reader.len(),
                named(&self.no_reader)
            );
        }
        if self.not_logs > 0 {
            s += &format!("; {} skipped as not logs", self.not_logs);
        }
        if self.pruned > 0 {
            s += &format!(
                "; {} left out by --since/--until (their names date them outside)",
                self.pruned
            );
        }
        if totals.freebusy_requests == 0 && totals.filtered > 0 {
            s += &format!(
                "; --since/--until/--server left out all {} free/busy requests",
                totals.filtered
            );
        }
        s.push('.');
        s
    }
}

fn findings(n: u64) -> String {
    match n {
        1 => "1 free/busy finding".to_owned(),
        n => format!("{n} free/busy findings"),
    }
}

fn inputs(n: usize) -> String {
    match n {
        1 => "1 input".to_owned(),
        n => format!("{n} inputs"),
    }
}

/// The first few inputs with their reasons, then how many more.
fn named(list: &[(String, String)]) -> String {
    let mut shown: Vec<String> = list
        .iter()
        .take(NAMED_IN_HEADLINE)
        .map(|(input, why)| format!("{input} ({why})"))
        .collect();
    if list.len() > NAMED_IN_HEADLINE {
        shown.push(format!("and {} more", list.len() - NAMED_IN_HEADLINE));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_names_what_was_not_read_before_any_all_clear() {
        let c = Coverage {
            inputs: 6,
            read: 3,
            not_read: vec![
                ("a.zip!x.log".into(), "encrypted zip member".into()),
                ("b.log.gz".into(), "read error".into()),
            ],
            no_reader: Vec::new(),
            not_logs: 1,
            pruned: 0,
        };
        let findings = |n| Tally {
            findings: n,
            ..Tally::default()
        };
        assert_eq!(
            c.headline(&findings(0)),
            "No free/busy failures in 3 of 6 inputs; 2 could not be read in full: \
             a.zip!x.log (encrypted zip member), b.log.gz (read error); 1 skipped as not logs."
        );
        let all = Coverage {
            inputs: 2,
            read: 2,
            ..Coverage::default()
        };
        assert_eq!(
            all.headline(&findings(0)),
            "No free/busy failures found in the 2 inputs read."
        );
        assert_eq!(
            all.headline(&findings(5)),
            "5 free/busy findings in the 2 inputs read."
        );
    }
}
