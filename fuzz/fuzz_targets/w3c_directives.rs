//! Arbitrary bytes as a directive line, then a data line under it.
//!
//! Input: the first line is the directive (a `#` is put in front when it lacks one), the rest
//! is one data line. The directive goes through all three readers the pipeline uses —
//! `HeaderState::apply_line` (the scanner), `HeaderDelta::scan` (the pre-pass that folds
//! directives across chunks) and `FieldLayout::parse` — which must agree; then the data line
//! is scanned under the resulting header, alone and after the directive, with equal results.
//!
//! The body is `fbscope_fuzz::w3c_directives`, which `tests/fuzz_regressions.rs` replays too.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fbscope_fuzz::w3c_directives(data);
});
