//! Arbitrary bytes as the head of an input: the pipeline's `sniff_input` (legacy `.Evt`, then
//! the event-log sniffer, then the W3C one) and each sniffer alone decide a format, or a
//! reason to skip, without panicking; `sniff_input` keeps the event sniffer's answer.
//!
//! The body is `fbscope_fuzz::sniff_head`, which `tests/fuzz_regressions.rs` replays too.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fbscope_fuzz::sniff_head(data);
});
