//! What fbscope says about itself: `--version` (with the commit built), shell completions and
//! the manual page.

use std::fs;

use crate::util::*;

fn stdout_of(args: &[&str]) -> String {
    let out = fbscope().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn version_names_the_release_and_the_commit() {
    let text = stdout_of(&["--version"]);
    let expected = format!("fbscope {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    let commit = text
        .trim_end()
        .trim_start_matches(&expected)
        .trim_end_matches(')');
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{text}"
    );
}

#[test]
fn completions_cover_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        for word in ["analyze", "explain", "event-tz"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    fbscope().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_prints_a_roff_page_and_writes_one_per_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH fbscope 1"), "{page}");
    assert!(page.contains("analyze"));
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    stdout_of(&["man", "--dir", pages.to_str().unwrap()]);
    let analyze = fs::read_to_string(pages.join("fbscope-analyze.1")).unwrap();
    assert!(analyze.contains("event\\-tz"), "{analyze}");
    assert!(pages.join("fbscope.1").is_file());
}
