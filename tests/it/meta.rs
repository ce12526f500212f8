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

#[test]
fn a_missing_path_is_said_once_without_os_error_text() {
    let out = fbscope()
        .args(["analyze", "no/such/dir", "also/missing.log", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "fbscope: error: no/such/dir: does not exist\n  also/missing.log: does not exist\n"
    );
    // Beside an input that exists, the run goes on and the problems name it once.
    let out = fbscope()
        .args(["analyze", "samples/EXCH01", "no/such/dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "missing evidence");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.matches("no/such/dir").count(),
        2,
        "headline and problems: {stdout}"
    );
    assert!(
        stdout.contains("failed: no/such/dir: does not exist"),
        "{stdout}"
    );
    assert!(!stdout.contains("os error"), "{stdout}");
}

#[test]
fn an_os_error_is_not_repeated_by_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "not a folder").unwrap();
    let out = fbscope()
        .args(["analyze", "samples/EXCH01", "--quiet", "--out"])
        .arg(file.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.matches("os error").count() <= 1, "{stderr}");
}

/// Runs fbscope with its stdout a pipe whose reader is gone before anything is written
/// (as `fbscope ... | head -1` once head has exited); returns (exit code, stderr).
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_fbscope"))
        .current_dir(root())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_runs_code() {
    for args in [
        &["analyze", "samples"][..],
        &["analyze", "samples", "--format", "json"],
        &["analyze", "samples", "--format", "csv", "--quiet"],
        &["grammars", "check"],
        &["completions", "bash"],
        &["man"],
    ] {
        let (code, stderr) = with_closed_stdout(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
    // The reports under --out are still written, whole.
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let (code, stderr) = with_closed_stdout(&[
        "analyze", "samples", "--format", "csv", "--quiet", "--out", dir,
    ]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(out.path().join("run.json").is_file());
    assert!(out.path().join("findings.csv").is_file());
}
