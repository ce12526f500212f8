//! Arbitrary bytes cut in two at a line start: scanning the parts (the second with the
//! directives of the first folded in, as the pipeline does) must equal scanning the whole.
//!
//! Input: two bytes (little-endian) pick the cut, modulo the length; the rest is the log.
//! The cut moves forward to the next line start, as `input::chunk` aligns chunks.
//!
//! The body is `fbscope_fuzz::w3c_chunked`, which `tests/fuzz_regressions.rs` replays too.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fbscope_fuzz::w3c_chunked(data);
});
