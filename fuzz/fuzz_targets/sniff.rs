//! Arbitrary bytes as the head of an input: the pipeline's `sniff_input` (legacy `.Evt`, then
//! the event-log sniffer, then the W3C one) and each sniffer alone decide a format, or a
//! reason to skip, without panicking; `sniff_input` keeps the event sniffer's answer.

#![no_main]

use fbscope::input::sniff::{sniff, sniff_input, Format};
use fbscope::parse::eventlog;
use libfuzzer_sys::fuzz_target;

/// Display names: only a tie-breaker between event formats, so each kind is tried.
const NAMES: [&str; 5] = [
    "input.log",
    "Application.csv",
    "Application.xml",
    "events.txt",
    "x.evtx",
];

fuzz_target!(|data: &[u8]| {
    check_reason(&sniff(data));
    for name in NAMES {
        let chosen = sniff_input(data, name);
        check_reason(&chosen);
        if let Some(event) = eventlog::sniff(data, name) {
            // An event format wins, unless the head is a legacy .Evt log (skipped, with why).
            assert!(
                chosen == Format::Event(event) || matches!(chosen, Format::Unsupported(_)),
                "{name}: event sniffer said {event:?}, sniff_input {chosen:?}"
            );
        }
    }
});

fn check_reason(format: &Format) {
    if let Format::Unsupported(reason) = format {
        assert!(!reason.is_empty(), "a skipped input needs a reason");
    }
}
