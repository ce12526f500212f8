//! Arbitrary text as one more grammar file next to the shipped ones: compiling must return the
//! grammar or the list of errors (each naming a loaded file and a line it has), never panic; a
//! grammar that compiles must run its own examples (`fbscope grammars check`) without panicking.

#![no_main]

use fbscope::error::GrammarError;
use fbscope::grammar::{check, Grammar, GrammarSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sources = GrammarSource::embedded();
    sources.push(GrammarSource {
        name: "fuzz.toml".into(),
        text: String::from_utf8_lossy(data).into_owned(),
    });
    match Grammar::from_sources(&sources) {
        Ok(grammar) => {
            check::run(&grammar);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "Err with no errors");
            for e in &errors {
                check_location(e, &sources);
            }
        }
    }
});

/// Errors about the grammar as a whole name these instead of a file, at line 1.
const WHOLE_GRAMMAR: [&str; 2] = ["taxonomy", "events"];

/// An error names a file that was loaded and a line that file has.
fn check_location(e: &GrammarError, sources: &[GrammarSource]) {
    let GrammarError::Invalid { file, line, .. } = e else {
        panic!("no I/O happens here: {e}");
    };
    if WHOLE_GRAMMAR.contains(&file.as_str()) && *line == 1 {
        return;
    }
    let src = sources.iter().find(|s| &s.name == file);
    let src = src.unwrap_or_else(|| panic!("error names an unknown file: {e}"));
    let lines = src.text.matches('\n').count() + 1;
    assert!((1..=lines).contains(line), "line {line} of {lines}: {e}");
}
