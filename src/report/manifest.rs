//! `run.json`, the manifest of a run: which fbscope (version, commit), the command line as
//! given, the span analysed, and every input file with its size, modification time and
//! SHA-256 (the chain of custody: anyone can check later that the evidence is the evidence
//! that was read).
//!
//! It holds no wall-clock time or timing, so two runs of one build over the same inputs with
//! the same command line write the same bytes; only `command` changes with `--threads`.

use std::time::SystemTime;

use serde_json::{json, Value};

use crate::analysis::Analysis;
use crate::correlate::Correlation;
use crate::input::evidence::HashedSource;
use crate::time::{self, UnixTime};

/// Version of the layout of `run.json`; raised when a field changes meaning or goes.
pub const MANIFEST_VERSION: u32 = 1;

/// What the run was asked, beyond what [`Analysis`] records.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// The command line as given (`argv`, the program name first).
    pub command: Vec<String>,
    /// `--since` / `--until`, resolved to UTC.
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
}

impl RunInfo {
    /// This process's command line (arguments that are not UTF-8 are shown lossily).
    pub fn from_env(since: Option<UnixTime>, until: Option<UnixTime>) -> Self {
        RunInfo {
            command: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            since,
            until,
        }
    }
}

/// The manifest document.
pub fn document(analysis: &Analysis, correlation: &Correlation, run: &RunInfo) -> Value {
    let key = |k: Option<time::TimeKey>| k.as_ref().and_then(time::parse_key).map(time::format_utc);
    let (first, last) = correlation.span.unzip();
    json!({
        "manifest_version": MANIFEST_VERSION,
        "fbscope": {
            "version": crate::version::VERSION,
            "commit": crate::version::COMMIT,
        },
        "command": run.command,
        "span": {
            "first_utc": key(analysis.totals.first),
            "last_utc": key(analysis.totals.last),
            "findings_first_utc": first.map(time::format_utc),
            "findings_last_utc": last.map(time::format_utc),
            "since_utc": run.since.map(time::format_utc),
            "until_utc": run.until.map(time::format_utc),
        },
        "inputs": analysis.sources.iter().map(input_entry).collect::<Vec<_>>(),
    })
}

fn input_entry(h: &HashedSource) -> Value {
    let s = &h.source;
    let mut entry = json!({
        "path": s.display,
        "size": s.size,
        "modified_utc": s.modified.map(rfc3339),
        "sha256": h.sha256.as_ref().ok(),
    });
    if let (Err(why), Value::Object(m)) = (&h.sha256, &mut entry) {
        m.insert("sha256_missing".into(), Value::String(why.clone()));
    }
    entry
}

/// A file time as RFC 3339 in UTC, to the precision the file system keeps
/// (`2026-03-02T09:15:04.123456789Z`).
fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The document as written: pretty JSON and a final newline.
pub fn render(doc: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn file_times_are_rfc3339_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_772_442_904);
        assert_eq!(rfc3339(t), "2026-03-02T09:15:04Z");
        let t = t + Duration::from_millis(250);
        assert_eq!(rfc3339(t), "2026-03-02T09:15:04.250Z");
    }
}
