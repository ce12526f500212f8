//! Typed errors of the library, one enum per layer, each saying where it happened.
//!
//! The binary wraps them with `anyhow` context; inside the library an error always carries the
//! path (and where it makes sense the line or byte offset) so that a message can be acted on.

use std::path::PathBuf;

/// Errors while finding and opening inputs.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable archive: {reason}")]
    Archive { path: String, reason: String },
    #[error("{path}: expansion stopped after {expanded} bytes: {reason}")]
    ExpansionLimit {
        path: String,
        expanded: u64,
        reason: &'static str,
    },
    #[error("{pattern}: bad glob pattern: {reason}")]
    Glob { pattern: String, reason: String },
    #[error("no input files found in {0}")]
    NothingFound(String),
    /// Every path named does not exist (each shown once, sanitized for one line).
    #[error("{}", .0.iter().map(|p| format!("{p}: {MISSING}")).collect::<Vec<_>>().join("\n  "))]
    Missing(Vec<String>),
}

/// What is said of a path named on the command line that does not exist.
pub const MISSING: &str = "does not exist";

/// Errors while loading and compiling grammar files.
#[derive(Debug, thiserror::Error)]
pub enum GrammarError {
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Errors while writing reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write to {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write CSV to {path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

/// Errors of the command-line configuration (usage errors, exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--{flag}: cannot read {value:?} as a time (use 2026-03-02T09:15:04Z, 2026-03-02 09:15:04, 2026-03-02 or -3d / 12h / 90m)")]
    BadTime { flag: &'static str, value: String },
    #[error("--{flag} {value:?}: give a duration such as 90s, 15m, 2h or a number of minutes")]
    BadDuration { flag: &'static str, value: String },
    #[error("--bucket {0:?}: use 1m, 5m, 15m, 1h or 1d")]
    BadBucket(String),
    #[error("--host-map {0:?}: use HOST=SERVER (mail.contoso.com=EXCH01)")]
    BadHostMap(String),
    #[error("--since {since} is after --until {until}: the window is empty")]
    InvertedWindow { since: String, until: String },
    #[error("--threads must be at least 1")]
    BadThreads,
    #[error("no input paths given")]
    NoInputs,
    #[error("--event-tz {value:?}: {reason}")]
    BadEventTz { value: String, reason: String },
    #[error("--event-tz: give one ZONE for all inputs (got {first:?} and {second:?}); use PATH=ZONE for single files")]
    TwoEventTz { first: String, second: String },
    #[error("--date-order {value:?}: {reason}")]
    BadDateOrder { value: String, reason: String },
}

/// Errors that stop a run before or while it writes its outputs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads { threads: usize, reason: String },
}

/// An error and its causes as one message: `error: cause: cause`, leaving out a cause whose
/// text the message already holds (an error that quotes its source, as `{path}: {source}`
/// does, would otherwise print the OS error twice).
pub fn chain_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    message
}

/// Is the error (or one of its causes) a write to a closed pipe: a reader such as `head`
/// that stopped reading? That ends output quietly; it is not a failure of the run.
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found() -> std::io::Error {
        std::io::Error::from(std::io::ErrorKind::NotFound)
    }

    #[test]
    fn a_cause_the_message_quotes_is_not_repeated() {
        let e = ReportError::Io {
            path: PathBuf::from("/out"),
            source: not_found(),
        };
        let os = not_found().to_string();
        assert_eq!(chain_message(&e), format!("cannot write to /out: {os}"));
        let e = RunError::from(e);
        assert_eq!(chain_message(&e), format!("cannot write to /out: {os}"));
    }

    #[test]
    fn missing_paths_are_said_once_each() {
        let one = InputError::Missing(vec!["a/b".into()]);
        assert_eq!(one.to_string(), "a/b: does not exist");
        let two = InputError::Missing(vec!["a".into(), "b".into()]);
        assert_eq!(two.to_string(), "a: does not exist\n  b: does not exist");
    }

    #[test]
    fn a_closed_pipe_is_found_among_the_causes() {
        let pipe = ReportError::Io {
            path: PathBuf::from("<stdout>"),
            source: std::io::Error::from(std::io::ErrorKind::BrokenPipe),
        };
        assert!(is_broken_pipe(&RunError::from(pipe)));
        assert!(!is_broken_pipe(&ReportError::Io {
            path: PathBuf::new(),
            source: not_found(),
        }));
    }
}
