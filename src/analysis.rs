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
    pub notes: Vec<String>,
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
