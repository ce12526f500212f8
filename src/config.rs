//! The resolved configuration of an `analyze` run (validated; built by the CLI layer).

use std::path::PathBuf;

use crate::input::limits::CHUNK_BYTES;
use crate::time::UnixTime;

/// Which free/busy requests are reported.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
    /// Lower-cased server names; empty means all.
    pub servers: Vec<String>,
}

impl Filter {
    /// Does a request at `time` on `server` pass? A request without a readable time passes a
    /// time filter (it is never silently dropped; its time cell stays empty).
    pub fn admits(&self, time: Option<UnixTime>, server: &str) -> bool {
        let in_window = time
            .is_none_or(|t| self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u));
        in_window
            && (self.servers.is_empty()
                || self.servers.iter().any(|s| s.eq_ignore_ascii_case(server)))
    }

    pub fn is_active(&self) -> bool {
        self.since.is_some() || self.until.is_some() || !self.servers.is_empty()
    }
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
}

impl Config {
    pub fn new(paths: Vec<String>) -> Self {
        Config {
            paths,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            filter: Filter::default(),
            server_name: None,
            grammar_dir: None,
            progress: false,
            chunk_bytes: CHUNK_BYTES,
        }
    }
}

impl Config {
    /// The `--out` directory, if any (kept beside the config for the report layer).
    pub fn out_dir_hint<'a>(&self, out: &'a Option<PathBuf>) -> Option<&'a std::path::Path> {
        out.as_deref()
    }
}
