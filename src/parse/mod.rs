//! Format parsers: bytes of one input → records, with every line accounted for.

pub mod eventlog;
pub mod exchange;
pub mod exconfig;
pub mod w3c;
