//! Arbitrary bytes as a binary `.evtx` log: `parse` with `EventFormat::Evtx` must count every
//! record in exactly one bucket and never panic.
//!
//! fbscope runs the `evtx` crate under `catch_unwind` (a panic inside the crate rejects the
//! rest of that file, see `src/parse/eventlog/evtx.rs`), but libFuzzer's panic hook aborts on
//! any panic, caught or not. The hook installed here lets a panic raised *inside the evtx
//! crate* unwind to fbscope's handler (and names its location once on stderr, for the
//! crate's maintainers); a panic anywhere else, fbscope's own code included, still aborts.

#![no_main]

use std::collections::HashSet;
use std::sync::Mutex;

use fbscope::parse::eventlog::EventFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        let abort_hook = std::panic::take_hook();
        let seen = Mutex::new(HashSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let at = info.location().map(|l| (l.file().to_owned(), l.line()));
            match at {
                Some((file, line)) if is_evtx_crate(&file) => {
                    if seen.lock().unwrap().insert((file.clone(), line)) {
                        eprintln!("contained evtx crate panic at {file}:{line}: {info}");
                    }
                }
                _ => abort_hook(info),
            }
        }));
    },
    |data: &[u8]| {
        fbscope_fuzz::parse_event(EventFormat::Evtx, data);
    }
);

/// Source files of the evtx crate as the registry stores them (`.../evtx-0.15.1/src/...`).
fn is_evtx_crate(file: &str) -> bool {
    file.split(['/', '\\']).any(|c| c.starts_with("evtx-0."))
}
