//! Problems with inputs: reported with where they happened, never fatal to the run.

use std::fmt;

/// How bad a problem is for the run's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing (e.g. a file that is not a log, a symlink loop): exit code unaffected.
    Note,
    /// An input could not be read completely: the run goes on and exits with code 2.
    Failed,
}

/// One problem, attached to an input and optionally a position in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub input: String,
    pub position: Option<u64>,
    pub severity: Severity,
    pub message: String,
}

impl Problem {
    pub fn failed(input: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            input: input.into(),
            position: None,
            severity: Severity::Failed,
            message: message.into(),
        }
    }

    pub fn note(input: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Note,
            ..Problem::failed(input, message)
        }
    }

    pub fn at(mut self, position: u64) -> Self {
        self.position = Some(position);
        self
    }

    pub fn severity_str(&self) -> &'static str {
        match self.severity {
            Severity::Note => "note",
            Severity::Failed => "failed",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}: {}", self.input, p, self.message),
            None => write!(f, "{}: {}", self.input, self.message),
        }
    }
}
