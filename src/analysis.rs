//! The result of a run: what every input contributed, the problems met, the aggregates and
//! the responders' traffic. The pipeline fills it; correlation and reports read it.

use std::time::Duration;

use crate::aggregate::Aggregates;
use crate::correlate::Traffic;
use crate::host::HostId;
use crate::input::evidence::HashedSource;
use crate::input::Format;
use crate::problem::{Problem, Severity};
use crate::tally::{Rejection, Tally};

/// What one input contributed.
#[derive(Debug, Clone)]
pub struct InputReport {
    pub display: String,
    pub format: Format,
    pub server: HostId,
    pub site: String,
    pub tally: Tally,
    pub rejections: Vec<Rejection>,
    pub failed: bool,
    pub notes: Vec<InputNote>,
}

/// What the inventory says about an input beyond its counts. The notes the reports act on
/// are variants, so that no report recognises a note by its wording; the rest is text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputNote {
    /// No `#Fields` before this line: read with Exchange's default field set.
    AssumedFields {
        line: u64,
    },
    /// From this line on, times are the server's `date-local`/`time-local`, read as UTC.
    LocalTimes {
        line: u64,
    },
    /// Free/busy requests whose `date`/`time` could not be read (a day past the month's
    /// end, a garbled time): counted, but without a place on the timeline.
    Undated {
        first_line: u64,
        requests: u64,
    },
    /// Event times without a zone, read as UTC because no `--event-tz` was given.
    AssumedUtc,
    /// Why the input was not read (its format says the kind).
    Skipped(String),
    Text(String),
}

impl InputNote {
    /// The notes as one cell of the inventory.
    pub fn joined(notes: &[InputNote]) -> String {
        let texts: Vec<String> = notes.iter().map(InputNote::to_string).collect();
        texts.join("; ")
    }

    /// Notes repeated in the problems list (they change how every later line is read).
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            InputNote::AssumedFields { .. }
                | InputNote::LocalTimes { .. }
                | InputNote::Undated { .. }
        )
    }
}

impl std::fmt::Display for InputNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputNote::AssumedFields { line } => write!(
                f,
                "no #Fields before line {line}: Exchange default field set assumed"
            ),
            InputNote::LocalTimes { line } => write!(
                f,
                "local times from line {line}: server-local date-local/time-local read as UTC"
            ),
            InputNote::Undated {
                first_line,
                requests,
            } => write!(
                f,
                "{requests} free/busy request(s) without a readable date and time, the first \
                 at line {first_line}: counted, but not placed on the timeline"
            ),
            InputNote::AssumedUtc => f.write_str("event times assumed UTC: no --event-tz given"),
            InputNote::Skipped(why) => write!(f, "skipped: {why}"),
            InputNote::Text(text) => f.write_str(text),
        }
    }
}

impl From<String> for InputNote {
    fn from(text: String) -> Self {
        InputNote::Text(text)
    }
}

impl serde::Serialize for InputNote {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The result of a run (findings themselves went to the caller's sink as they came).
#[derive(Debug, Clone)]
pub struct Analysis {
    pub inputs: Vec<InputReport>,
    pub problems: Vec<Problem>,
    pub aggregates: Aggregates,
    /// Free/busy requests per responder server and minute, failed or not.
    pub traffic: Traffic,
    /// Server → host names it answers on, from configuration exports in the bundle.
    pub config_hosts: std::collections::BTreeMap<HostId, std::collections::BTreeSet<String>>,
    pub totals: Tally,
    /// The files read, hashed (empty when no `--out` is written): the chain of custody.
    pub sources: Vec<HashedSource>,
    pub elapsed: Duration,
    pub threads: usize,
}

impl Analysis {
    /// True when an input could not be read completely (exit code 2).
    pub fn any_input_failed(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Failed)
    }
}
