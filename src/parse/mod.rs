//! Format parsers: bytes of one input → records, with every line accounted for.

pub mod eventlog;
pub mod w3c;
