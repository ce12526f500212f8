//! Arbitrary bytes as one IIS log chunk: `scan_chunk` with the Exchange default layout, the
//! real candidate finder and the web sink must put every line in exactly one bucket.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fbscope_fuzz::scan(data, fbscope_fuzz::initial_iis(), false);
});
