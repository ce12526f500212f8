//! Helpers shared by the CLI tests (the pattern of ripgrep's tests/util.rs).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped IIS/HTTPERR sample servers (stable: event samples live beside them).
pub fn iis_samples() -> Vec<String> {
    ["samples/EXCH01", "samples/EXCH02"]
        .iter()
        .map(|p| root().join(p).display().to_string())
        .collect()
}

/// `../shared/corpus/<sub>` when present; `None` (after saying so) when absent.
/// A folder of the shared corpus. Tests that call it carry
/// `#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]` (build.rs sets `corpus` when
/// the folder is there), so reaching this without it is a failure, not a silent pass.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/corpus").join(sub);
    assert!(dir.is_dir(), "{} is needed by this test", dir.display());
    Some(dir)
}

pub fn fbscope() -> Command {
    let mut cmd = Command::cargo_bin("fbscope").expect("binary built");
    cmd.current_dir(root());
    cmd
}

/// Runs `analyze` on `inputs` with `--out out` and extra args; returns (exit code, stdout).
pub fn analyze_to(out: &Path, inputs: &[String], extra: &[&str]) -> (i32, String) {
    let output = fbscope()
        .arg("analyze")
        .args(inputs)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Reads a CSV file into rows of cells (header included).
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("csv opens");
    r.records()
        .map(|rec| rec.expect("csv row").iter().map(str::to_owned).collect())
        .collect()
}

/// Index of a column in a header row.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}
