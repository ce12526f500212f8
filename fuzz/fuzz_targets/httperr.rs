//! Arbitrary lines under HTTP.sys's HTTPERR `#Fields`, through the web sink in HTTPERR mode
//! (`cs-uri` instead of `cs-uri-stem`, `s-reason` rules): every line in exactly one bucket.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fbscope_fuzz::scan(data, fbscope_fuzz::initial_httperr(), true);
});
