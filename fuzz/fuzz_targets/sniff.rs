//! Arbitrary bytes as the head of an input: the W3C sniffer and the event-log sniffer decide a
//! format (or a reason to skip) without panicking, and agree that a head is not both.

#![no_main]

use fbscope::input::sniff::{sniff, Format};
use fbscope::parse::eventlog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let w3c = sniff(data);
    if let Format::Unsupported(reason) = &w3c {
        assert!(!reason.is_empty(), "a skipped input needs a reason");
    }
    for name in [
        "input.log",
        "Application.csv",
        "Application.xml",
        "events.txt",
        "x.evtx",
    ] {
        let _ = eventlog::sniff(data, name);
    }
});
