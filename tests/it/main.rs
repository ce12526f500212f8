//! The integration tests: one crate (one binary to link instead of one per file), a module per
//! concern. Helpers shared by the CLI tests are in `util`.

mod analyze_iis;
mod archives;
mod cases;
mod corpus_iis;
mod correlation;
mod eventlog_corpus;
mod events_cli;
mod exchange_logs;
mod fuzz_regressions;
mod hostile;
mod manifest;
mod meta;
mod safety;
mod snapshots_reports;
mod util;
