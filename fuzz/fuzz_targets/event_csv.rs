//! Arbitrary bytes as a file of one event-log format (Event Viewer "Save As" CSV): `parse` with
//! `EventFormat::ViewerCsv` must count every unit in exactly one bucket and never panic.

#![no_main]

use fbscope::parse::eventlog::EventFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fbscope_fuzz::parse_event(EventFormat::ViewerCsv, data);
});
