//! Arbitrary text as one more grammar file next to the shipped ones: compiling must return the
//! grammar or the list of errors (each naming a loaded file and a line it has), never panic; a
//! grammar that compiles must run its own examples (`fbscope grammars check`) without panicking.
//!
//! The body is `fbscope_fuzz::grammar`, which `tests/fuzz_regressions.rs` replays too.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fbscope_fuzz::grammar(data);
});
