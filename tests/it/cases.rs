//! The real-case corpus (`tests/cases/*.toml`, format in `tests/cases/README.md`): every
//! verbatim public text must get the id its source's author diagnosed, through the same code
//! `fbscope explain` runs. A failing case is fixed in the rules, never in its expectation.

use fbscope::grammar::cases::{self, CaseFile};
use fbscope::grammar::Grammar;

use crate::util::root;

fn corpus() -> (Grammar, Vec<CaseFile>) {
    let grammar = Grammar::embedded().expect("shipped grammars load");
    let files = cases::load_dir(&root().join(cases::DEFAULT_DIR)).expect("case files parse");
    (grammar, files)
}

#[test]
fn every_case_has_a_source_a_unique_id_and_taxonomy_ids() {
    let (grammar, files) = corpus();
    assert!(!files.is_empty(), "no case files in tests/cases");
    let problems = cases::validate(&grammar, &files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_case_gets_its_sources_diagnosis() {
    let (grammar, files) = corpus();
    let outcomes = cases::run(&grammar, &files);
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{}: expected {}, got {}", o.name, o.expected, o.got))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} cases fail:\n{}",
        failed.len(),
        outcomes.len(),
        failed.join("\n")
    );
}
