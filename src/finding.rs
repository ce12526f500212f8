//! A classified failure: one row of `findings.csv`.

use crate::host::HostId;
use crate::time::{SubSecond, UnixTime};

/// A taxonomy id, as the index of its category in the loaded taxonomy (a lower index has
/// precedence). The names live in `grammars/taxonomy.toml`; the model only needs the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CategoryId(pub u16);

/// Which link of the free/busy chain failed (grammars/README.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Token,
    Autodiscover,
    Availability,
    Config,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Token => "token",
            Phase::Autodiscover => "autodiscover",
            Phase::Availability => "availability",
            Phase::Config => "config",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Phase::Token,
            Phase::Autodiscover,
            Phase::Availability,
            Phase::Config,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// Which end of the request logged the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Requester,
    Responder,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Requester => "requester",
            Side::Responder => "responder",
        }
    }
}

/// The kind of log a finding came from (the `source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    Iis,
    HttpErr,
    EventLog,
    /// Raised by the correlator from what the logs together show (or do not show).
    Correlation,
    /// An Exchange HttpProxy log row: the front end's (CAFE's) record of a proxied request.
    HttpProxy,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Iis => "iis",
            SourceKind::HttpErr => "httperr",
            SourceKind::EventLog => "eventlog",
            SourceKind::Correlation => "correlation",
            SourceKind::HttpProxy => "httpproxy",
        }
    }

    /// IIS, HTTPERR and HttpProxy lines are all web-server evidence (`iis_findings` in the
    /// summary).
    pub fn is_web(self) -> bool {
        matches!(
            self,
            SourceKind::Iis | SourceKind::HttpErr | SourceKind::HttpProxy
        )
    }
}

/// Where a finding's time came from, so a reader knows how far to trust its place on the
/// timeline (the `time_basis` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum TimeBasis {
    /// The log wrote UTC (IIS `date`/`time`, EVTX and Event Viewer XML `SystemTime`).
    #[default]
    LogUtc,
    /// A local-time export read as UTC because no `--event-tz` was given.
    AssumedUtc,
    /// IIS `date-local`/`time-local`: the server's local clock, zone unknown.
    ServerLocal,
    /// A local-time export converted with `--event-tz`.
    Converted,
}

impl TimeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeBasis::LogUtc => "utc",
            TimeBasis::AssumedUtc => "assumed-utc",
            TimeBasis::ServerLocal => "server-local",
            TimeBasis::Converted => "converted",
        }
    }
}

/// One failure with everything the reports print. Text is owned: findings are few compared to
/// lines, and they outlive the chunk buffer they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub time: Option<UnixTime>,
    /// The fraction of `time`'s second, where the source logs one (events, HttpProxy).
    pub subsec: Option<SubSecond>,
    pub server: HostId,
    pub site: String,
    pub source: SourceKind,
    /// Index of the input in the inventory.
    pub input: usize,
    /// Line number (W3C, CSV) or record number (event logs), 1-based.
    pub position: u64,
    pub category: CategoryId,
    pub phase: Phase,
    pub side: Side,
    pub http_status: Option<u16>,
    pub sub_status: Option<u32>,
    pub win32_status: Option<u64>,
    pub method: String,
    pub uri_stem: String,
    pub client_ip: String,
    pub user_agent: String,
    pub target: String,
    pub event_id: Option<u32>,
    pub mailbox: String,
    pub detail: String,
    /// Event findings: `FederatedCrossForest`, `CrossSite`, ... (empty for web findings).
    pub request_type: String,
    /// Event findings: `WSSecurity`, `OAuth`, `NetworkCredentials` (`Caller SIDs:`).
    pub caller_auth: String,
    /// Event findings: `Name of the server where exception originated:`.
    pub origin_server: String,
    /// Event findings: the URL the request went to (its host is `target`).
    pub target_url: String,
    pub time_basis: TimeBasis,
    /// The host the request went to: the URL host of an event, `cs-host` of an IIS line
    /// (empty when the evidence does not name it; `target` falls back to the server).
    pub target_host: String,
    /// The partner organization's domain: the domain of the event's mailbox.
    pub partner_domain: String,
    /// IIS `time-taken`: the request started this long before `time`.
    pub time_taken_ms: Option<u64>,
    /// The front end's request id: `cafeReqId=` of an IIS line's query, an HttpProxy row's
    /// `RequestId`. One request seen in both logs has the same id (the join of
    /// [`crate::pipeline`]'s HttpProxy pass).
    pub cafe_req_id: Option<u128>,
    /// The event's record number (EVTX/XML `EventRecordID`, the data row of a CSV export).
    pub record_id: Option<u64>,
}

impl Finding {
    /// The responder a web finding belongs to, or the requester of an event: front and back
    /// end sites of one server are one server here.
    pub fn server_key(&self) -> &str {
        &self.server
    }
}

#[cfg(test)]
impl Finding {
    /// An IIS 500 of `server` at `time`, line `time` of input 0, for tests to vary.
    pub fn at(time: UnixTime, server: &str) -> Finding {
        Finding {
            time: Some(time),
            subsec: None,
            server: server.into(),
            site: "W3SVC1".into(),
            source: SourceKind::Iis,
            input: 0,
            position: time as u64,
            category: CategoryId(0),
            phase: Phase::Availability,
            side: Side::Responder,
            http_status: Some(500),
            sub_status: None,
            win32_status: None,
            method: String::new(),
            uri_stem: String::new(),
            client_ip: String::new(),
            user_agent: String::new(),
            target: String::new(),
            event_id: None,
            mailbox: String::new(),
            detail: format!("at {time}"),
            request_type: String::new(),
            caller_auth: String::new(),
            origin_server: String::new(),
            target_url: String::new(),
            time_basis: TimeBasis::LogUtc,
            target_host: String::new(),
            partner_domain: String::new(),
            time_taken_ms: None,
            cafe_req_id: None,
            record_id: None,
        }
    }
}
