//! Saved fuzz inputs, replayed through the fuzz harness itself (`fuzz/src/lib.rs`), so that
//! `cargo test` checks them with the very code and invariants the fuzzer used, without any
//! fuzzing tools:
//!
//! - `tests/fixtures/fuzz/<target>-<n>.bin`: inputs that once crashed a target (kept after
//!   the fix, so the bug stays fixed);
//! - `fuzz/seeds/<target>/`: the hand-written seeds every fuzz run starts from.
//!
//! A panic or a broken invariant (a tally that does not balance, chunked ≠ whole) fails the
//! test with the target and file named.

#[allow(dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod fbscope_fuzz;

use std::path::{Path, PathBuf};

/// Runs each file through its target; returns how many ran.
fn replay(files: Vec<(String, PathBuf)>) -> usize {
    let mut ran = 0;
    for (target, path) in files {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| fbscope_fuzz::run_target(&target, &data));
        match outcome {
            Ok(true) => ran += 1,
            Ok(false) => panic!("{}: no fuzz target named {target:?}", path.display()),
            Err(_) => panic!("{} failed in target {target}", path.display()),
        }
    }
    ran
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// Crash inputs (`tests/fixtures/fuzz/<target>-<n>.bin`) with the target their name gives.
fn crash_inputs() -> Vec<(String, PathBuf)> {
    files_in(&crate::util::root().join("tests/fixtures/fuzz"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let target = stem
                .rsplit_once('-')
                .map_or(stem.clone(), |(t, _)| t.to_owned());
            (target, p)
        })
        .collect()
}

/// Seeds (`fuzz/seeds/<target>/*`) with the target their folder names.
fn seeds() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for target_dir in files_in_dirs(&crate::util::root().join("fuzz/seeds")) {
        let target = target_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        files.extend(
            files_in(&target_dir)
                .into_iter()
                .map(|p| (target.clone(), p)),
        );
    }
    files
}

#[test]
fn saved_inputs_pass_their_targets() {
    let mut files = crash_inputs();
    let crashes = files.len();
    files.extend(seeds());
    let count = files.len();
    assert!(
        count - crashes >= 10,
        "fuzz/seeds holds {} seeds",
        count - crashes
    );
    assert_eq!(replay(files), count);
}

fn files_in_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}
