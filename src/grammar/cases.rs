//! The real-case corpus (`tests/cases/*.toml`): verbatim texts quoted from public sources,
//! each with the diagnosis its author reached and the taxonomy id that diagnosis is.
//!
//! Rule examples say what a rule's author meant; the cases say what the world writes. Both
//! `cargo test` (tests/it/cases.rs) and `fbscope grammars check` run every case through
//! [`crate::explain::explain`], the code `fbscope explain` uses: the first item's category
//! (or `unclassified` when nothing matched) must be `expect` or one of `also`. A failing case
//! is fixed in the rules, never by editing its expectation. The file format is in
//! `tests/cases/README.md`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Grammar, UNCLASSIFIED};

/// Where `grammars check` looks for the corpus when not told: a checkout's `tests/cases`.
pub const DEFAULT_DIR: &str = "tests/cases";

/// One case file: its source and its cases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    #[serde(skip)]
    pub name: String,
    pub source: Source,
    #[serde(default, rename = "case")]
    pub cases: Vec<Case>,
}

/// The public source the texts are quoted from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub url: String,
    pub title: String,
    pub kind: String,
}

/// One quoted text and the diagnosis it stands for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub text: String,
    pub diagnosis: String,
    pub expect: String,
    #[serde(default)]
    pub also: Vec<String>,
    #[serde(default)]
    pub note: String,
}

impl Case {
    /// Is `got` the source's diagnosis (or another cause the source itself names)?
    pub fn accepts(&self, got: &str) -> bool {
        self.expect == got || self.also.iter().any(|a| a == got)
    }
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// `file:id`.
    pub name: String,
    pub expected: String,
    pub got: String,
    pub passed: bool,
}

const SOURCE_KINDS: [&str; 8] = [
    "microsoft-learn",
    "microsoft-qa",
    "technet",
    "exchange-blog",
    "community-blog",
    "github-issue",
    "github-code",
    "other",
];

/// Reads every `*.toml` of `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<CaseFile>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load_file(p)).collect()
}

fn load_file(path: &Path) -> Result<CaseFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut file: CaseFile =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    file.name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(file)
}

/// What is wrong with the files themselves: a source without a url or known kind, a case id
/// repeated in its file, an id or `also` that is no taxonomy id, an empty text or diagnosis.
pub fn validate(grammar: &Grammar, files: &[CaseFile]) -> Vec<String> {
    let mut problems = Vec::new();
    for file in files {
        let f = &file.name;
        if file.source.url.trim().is_empty() {
            problems.push(format!("{f}: the source has no url"));
        }
        if !SOURCE_KINDS.contains(&file.source.kind.as_str()) {
            problems.push(format!("{f}: unknown source kind {:?}", file.source.kind));
        }
        let mut seen = std::collections::HashSet::new();
        for case in &file.cases {
            let at = format!("{f}:{}", case.id);
            if !seen.insert(case.id.as_str()) {
                problems.push(format!("{at}: the id is used twice in the file"));
            }
            for id in std::iter::once(&case.expect).chain(&case.also) {
                if grammar.taxonomy.find(id).is_none() {
                    problems.push(format!("{at}: {id:?} is not a taxonomy id"));
                }
            }
            if case.text.trim().is_empty() || case.diagnosis.trim().is_empty() {
                problems.push(format!("{at}: empty text or diagnosis"));
            }
        }
    }
    problems
}

/// The id `fbscope explain` prints first for `text`.
pub fn first_id(grammar: &Grammar, text: &str) -> String {
    crate::explain::explain(grammar, text)
        .items
        .first()
        .map_or_else(
            || UNCLASSIFIED.to_owned(),
            |i| grammar.category(i.category).id.clone(),
        )
}

/// Runs every case of every file.
pub fn run(grammar: &Grammar, files: &[CaseFile]) -> Vec<CaseOutcome> {
    files
        .iter()
        .flat_map(|file| {
            file.cases.iter().map(move |case| {
                let got = first_id(grammar, &case.text);
                let mut expected = case.expect.clone();
                for a in &case.also {
                    expected.push_str(" | ");
                    expected.push_str(a);
                }
                CaseOutcome {
                    name: format!("{}:{}", file.name, case.id),
                    passed: case.accepts(&got),
                    expected,
                    got,
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(cases: &str) -> CaseFile {
        let text = format!(
            "[source]\nurl = \"https://example.org/a\"\ntitle = \"t\"\nkind = \"other\"\n{cases}"
        );
        let mut f: CaseFile = toml::from_str(&text).expect("parses");
        f.name = "x.toml".into();
        f
    }

    const CASE: &str = "[[case]]\nid = \"a\"\ntext = \"The remote name could not be resolved: 'x'\"\ndiagnosis = \"DNS\"\nexpect = \"dns-resolution\"\n";

    #[test]
    fn a_repeated_id_and_an_unknown_category_are_reported() {
        let g = Grammar::embedded().expect("shipped grammars load");
        assert!(validate(&g, &[file(CASE)]).is_empty());
        let bad = format!("{CASE}{}", CASE.replace("dns-resolution", "dns"));
        let problems = validate(&g, &[file(&bad)]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("used twice"), "{problems:?}");
        assert!(
            problems[1].contains("\"dns\" is not a taxonomy id"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_case_passes_on_expect_or_also_only() {
        let g = Grammar::embedded().expect("shipped grammars load");
        let f = file(CASE);
        let out = run(&g, std::slice::from_ref(&f));
        assert!(out[0].passed, "{out:?}");
        assert_eq!(out[0].name, "x.toml:a");
        let wrong = file(&CASE.replace("dns-resolution", "timeout"));
        assert!(!run(&g, &[wrong])[0].passed);
    }
}
