//! `run.json`, the manifest of a run: which fbscope (version, commit), the command line as
//! given, the span analysed, and every input file with its size, modification time and
//! SHA-256 (the chain of custody: anyone can check later that the evidence is the evidence
//! that was read).
//!
//! It is also what makes the reports one set: it is written after them and lists each
//! with its size and SHA-256 (see [`super::atomic::commit_set`]), under a `run_id` derived
//! from the digests of the inputs and reports. A report set is complete only when `run.json`
//! lists it; files in `--out` whose digest it does not list belong to no complete run.
//!
//! It holds no wall-clock time of its own; across `--threads` only `command`, `run_id` and the
//! digest of `summary.txt` (which, like the terminal, shows the time taken and the threads)
//! change.

use std::time::SystemTime;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::analysis::Analysis;
use crate::correlate::Correlation;
use crate::input::evidence::{hex, HashedSource};
use crate::report::atomic::Committed;
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

/// The manifest document, listing `reports` (the files of the set, committed before it).
pub fn document(
    analysis: &Analysis,
    correlation: &Correlation,
    run: &RunInfo,
    reports: &[Committed],
) -> Value {
    let key = |k: Option<time::TimeKey>| k.as_ref().and_then(time::parse_key).map(time::format_utc);
    let (first, last) = correlation.span.unzip();
    json!({
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id(&analysis.sources, reports),
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
        "reports": reports.iter().map(report_entry).collect::<Vec<_>>(),
    })
}

/// Names a run by what it read and wrote: the first 128 bits of the SHA-256 over every
/// input's path and digest (NUL after each), a 0x01 byte, then every report's name and
/// digest (NUL after each). Anyone can recompute it from the manifest; any change to any
/// file of the set (summary.txt's timing included, so in practice every run) changes it.
fn run_id(inputs: &[HashedSource], reports: &[Committed]) -> String {
    let mut h = Sha256::new();
    for i in inputs {
        h.update(i.source.display.as_bytes());
        h.update([0]);
        h.update(i.sha256.as_deref().unwrap_or("-").as_bytes());
        h.update([0]);
    }
    h.update([1]);
    for r in reports {
        h.update(r.name.as_bytes());
        h.update([0]);
        h.update(r.sha256.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..16])
}

fn report_entry(r: &Committed) -> Value {
    json!({ "file": r.name, "bytes": r.bytes, "sha256": r.sha256 })
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
