//! Rule regexes: checked when the rules load, compiled when a text first reaches them.
//!
//! Compiling the rules' case-insensitive regexes was most of fbscope's start-up (perf on an
//! analysis of an empty log: about 70 of 100 ms, nearly all of it Unicode case folding of
//! their character classes), paid by every run, yet a run over IIS logs needs none of them
//! and an event run only those of the rules its literals select. So a pattern is parsed at
//! load, where a syntax error is still an error with file:line, and compiled on first use.
//! Rules from `--grammars DIR` are compiled whole at load ([`super::Grammar::with_dir`]), so
//! a user's rule that parses but does not compile is reported there; the shipped rules are
//! compiled whole by `fbscope grammars check` and the tests.

use std::ops::Deref;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// The compiled-size limit of one rule regex.
const SIZE_LIMIT: usize = 1 << 20;

/// A rule regex; derefs to the compiled [`Regex`], compiling it on first use.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    case_insensitive: bool,
    /// Capture groups besides the whole match, as the parser counted them.
    groups: usize,
    /// The rule file and line it was written at, for a compile error.
    file: String,
    line: usize,
    compiled: OnceLock<Regex>,
}

impl Pattern {
    /// Parses `source`; `case_insensitive` as `RegexBuilder::case_insensitive`.
    pub fn new(source: &str, case_insensitive: bool) -> Result<Self, String> {
        // Translated without case folding (the costly part), which finds the same errors.
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(source)
            .map_err(|e| e.to_string())?;
        Ok(Pattern {
            source: source.to_owned(),
            case_insensitive,
            groups: hir.properties().explicit_captures_len(),
            file: String::new(),
            line: 0,
            compiled: OnceLock::new(),
        })
    }

    /// Where the pattern was written (named by a compile error).
    pub fn located(mut self, file: &str, line: usize) -> Self {
        self.file = file.to_owned();
        self.line = line;
        self
    }

    /// Compiles the pattern now; an error names its file and line.
    pub fn check(&self) -> Result<(), crate::error::GrammarError> {
        self.compile()
            .map(|_| ())
            .map_err(|e| crate::error::GrammarError::Invalid {
                file: self.file.clone(),
                line: self.line,
                message: format!("regex {:?} does not compile: {e}", self.source),
            })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Explicit capture groups (a fact pattern needs one for its value).
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Compiles the pattern now, reporting what stops it (the size limit).
    pub fn compile(&self) -> Result<&Regex, regex::Error> {
        if let Some(re) = self.compiled.get() {
            return Ok(re);
        }
        let re = self.build()?;
        Ok(self.compiled.get_or_init(|| re))
    }

    fn build(&self) -> Result<Regex, regex::Error> {
        RegexBuilder::new(&self.source)
            .case_insensitive(self.case_insensitive)
            .size_limit(SIZE_LIMIT)
            .build()
    }
}

impl Deref for Pattern {
    type Target = Regex;

    /// The compiled regex. A pattern that parsed but does not compile (it only can by
    /// exceeding the size limit) matches nothing; `compile` reports it, and every rule
    /// that is not shipped has been compiled at load.
    fn deref(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            self.build()
                .unwrap_or_else(|_| Regex::new(r"[^\s\S]").expect("the empty class compiles"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_now_compiles_later() {
        let p = Pattern::new(r"remote name could not be (resolved)", true).unwrap();
        assert_eq!(p.groups(), 1);
        assert!(p.compiled.get().is_none());
        assert!(p.is_match("The Remote Name could not be RESOLVED"));
        assert!(p.compiled.get().is_some());
        let exact = Pattern::new("Caller SIDs", false).unwrap();
        assert!(!exact.is_match("caller sids"));
    }

    #[test]
    fn syntax_errors_are_found_at_load() {
        assert!(Pattern::new("(unclosed", true).is_err());
        assert!(Pattern::new(r"\p{NoSuchClass}", true).is_err());
        assert!(Pattern::new("(?<=look)behind", true).is_err());
    }

    #[test]
    fn a_pattern_over_the_size_limit_is_reported_by_compile_and_matches_nothing() {
        let huge = Pattern::new(r"\w{2000}", true).unwrap();
        assert!(huge.compile().is_err());
        assert!(!huge.is_match(&"a".repeat(3000)));
    }
}
