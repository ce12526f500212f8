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
}

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
