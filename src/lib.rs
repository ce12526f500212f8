//! fbscope: finds, classifies and correlates Exchange federated free/busy failures in IIS W3C,
//! HTTPERR and event logs.
//!
//! The modules follow the data: [`input`] (discovery, decoding, chunks) → [`parse`] (format
//! parsers) → [`record`] (normalized records) → [`grammar`] + [`classify`] (taxonomy and
//! rules) → [`aggregate`] → [`report`] (outputs). [`pipeline`] is the one place that runs
//! work in parallel.

pub mod aggregate;
pub mod analysis;
pub mod classify;
pub mod cli;
pub mod config;
pub mod correlate;
pub mod error;
pub mod explain;
pub mod finding;
pub mod grammar;
pub mod host;
pub mod input;
pub mod panics;
pub mod parse;
pub mod pipeline;
pub mod problem;
pub mod record;
pub mod report;
pub mod sanitize;
pub mod tally;
pub mod time;
pub mod version;
