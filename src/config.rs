//! The resolved configuration of an `analyze` run (validated; built by the CLI layer).

use std::path::PathBuf;

use crate::input::limits::CHUNK_BYTES;
use crate::parse::eventlog::{DateOrder, EventParseOptions, EventTz};
use crate::time::UnixTime;

/// Which free/busy requests are reported.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
    /// Lower-cased server names; empty means all.
    pub servers: Vec<crate::host::HostId>,
}

impl Filter {
    /// Does a request at `time` on `server` pass? A request without a readable time is left
    /// out of a time window (it cannot be placed in it) and counted as such by the caller.
    pub fn admits(&self, time: Option<UnixTime>, server: &crate::host::HostId) -> bool {
        let in_window = match time {
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u),
            None => !self.has_window(),
        };
        in_window && (self.servers.is_empty() || self.servers.contains(server))
    }

    pub fn has_window(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Does `[start, end)` lie wholly outside the window?
    pub fn excludes_span(&self, start: UnixTime, end: UnixTime) -> bool {
        self.since.is_some_and(|s| end <= s) || self.until.is_some_and(|u| start > u)
    }

    pub fn is_active(&self) -> bool {
        self.since.is_some() || self.until.is_some() || !self.servers.is_empty()
    }
}

/// How the local times of event exports (CSV, TXT, General text) are read: `--event-tz ZONE`,
/// `--event-tz PATH=ZONE` and `--date-order`.
#[derive(Debug, Clone, Default)]
pub struct EventTime {
    /// The zone of every input no `PATH=ZONE` names (assumed UTC when not given).
    pub zone: EventTz,
    /// `PATH=ZONE` pairs, in the order given; the last one that matches an input wins.
    pub per_path: Vec<(String, EventTz)>,
    pub date_order: Option<DateOrder>,
}

impl EventTime {
    /// The parse options of the input shown as `display`.
    pub fn options_for(&self, display: &str) -> EventParseOptions {
        let tz = self
            .per_path
            .iter()
            .rev()
            .find(|(pattern, _)| path_matches(pattern, display))
            .map_or(self.zone, |&(_, tz)| tz);
        EventParseOptions {
            tz,
            date_order: self.date_order,
        }
    }
}

/// A `PATH` of `--event-tz PATH=ZONE` names an input when it is the input's path or a folder
/// (or archive) above it, or a glob matching the path; a pattern without a `/` also matches
/// the file name alone (`*.csv`). Separators and a leading `./` do not matter.
fn path_matches(pattern: &str, display: &str) -> bool {
    let norm = |s: &str| {
        let s = s.replace('\\', "/");
        s.strip_prefix("./").unwrap_or(&s).to_owned()
    };
    let (pattern, display) = (norm(pattern), norm(display));
    let prefix = pattern.trim_end_matches('/');
    if !prefix.is_empty()
        && (display == prefix
            || display
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(['/', '!'])))
    {
        return true;
    }
    let Ok(glob) = glob::Pattern::new(&pattern) else {
        return false;
    };
    let name = display.rsplit(['/', '!']).next().unwrap_or(&display);
    glob.matches(&display) || (!pattern.contains('/') && glob.matches(name))
}

/// Everything an analysis needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Vec<String>,
    pub threads: usize,
    pub filter: Filter,
    /// Server name for inputs whose path and fields do not say it.
    pub server_name: Option<String>,
    pub grammar_dir: Option<PathBuf>,
    pub progress: bool,
    /// Bytes per unit of parallel work (tests shrink it to shake out boundary bugs).
    pub chunk_bytes: usize,
    pub event_time: EventTime,
    /// The `--out` folder: never read as input (its reports and temp files are not evidence).
    pub out_dir: Option<PathBuf>,
    /// Hash every input for `run.json` (`--no-hash` turns it off).
    pub hash_inputs: bool,
    /// What was changed from the flags as given (a `--threads` above the machine's
    /// parallelism), said on stderr before the run.
    pub notes: Vec<String>,
}

/// Threads this machine runs at once (1 when it cannot tell).
pub fn machine_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

impl Config {
    pub fn new(paths: Vec<String>) -> Self {
        Config {
            paths,
            threads: machine_threads(),
            filter: Filter::default(),
            server_name: None,
            grammar_dir: None,
            progress: false,
            chunk_bytes: CHUNK_BYTES,
            event_time: EventTime::default(),
            out_dir: None,
            hash_inputs: true,
            notes: Vec::new(),
        }
    }
}

impl Config {
    /// Sets the worker count: `requested` capped at the machine's parallelism (more threads
    /// than cores only add switching, and `--threads 100000` spawned threads until the
    /// system refused), with a note when capped.
    pub fn set_threads(&mut self, requested: usize) {
        let max = machine_threads();
        self.threads = requested.clamp(1, max);
        if requested > max {
            self.notes.push(format!(
                "--threads {requested}: this machine runs {max} at once; using {max}"
            ));
        }
    }

    /// The `--out` directory, if any (kept beside the config for the report layer).
    pub fn out_dir_hint<'a>(&self, out: &'a Option<PathBuf>) -> Option<&'a std::path::Path> {
        out.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_path_zones_match_folders_globs_and_names() {
        let berlin = EventTz::parse("Europe/Berlin").unwrap();
        let plus2 = EventTz::parse("+02:00").unwrap();
        let t = EventTime {
            zone: EventTz::parse("+01:00").unwrap(),
            per_path: vec![
                ("./samples/FABRIKAM-EX01/".into(), berlin),
                ("*.txt".into(), plus2),
            ],
            date_order: None,
        };
        let tz = |d: &str| t.options_for(d).tz;
        assert_eq!(tz("samples/FABRIKAM-EX01/Application.csv"), berlin);
        assert_eq!(
            tz("samples/FABRIKAM-EX01/paste.txt"),
            plus2,
            "the last match wins"
        );
        assert_eq!(tz("samples/FABRIKAM-EX010/Application.csv"), t.zone);
        assert_eq!(tz(r"samples\FABRIKAM-EX01\a.csv"), berlin);
        assert_eq!(tz("bundle.zip!x/y.txt"), plus2);
        assert!(path_matches(
            "samples/*/Application.csv",
            "samples/EX9/Application.csv"
        ));
        assert!(path_matches("bundle.zip", "bundle.zip!EX9/a.csv"));
        assert_eq!(
            EventTime::default().options_for("x").tz,
            EventTz::AssumedUtc
        );
    }
}
