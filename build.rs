//! Build facts the crate needs and cannot compute itself:
//!
//! - whether the shared third-party corpus (`../shared/corpus`) is beside the crate: with it
//!   the tests run, without it they are listed as ignored ("needs ../shared/corpus") instead
//!   of passing without reading anything;
//! - the git commit fbscope is built from (`FBSCOPE_COMMIT`, shown by `--version` and written
//!   into `run.json`), or `unknown` where there is no git or no repository (a source tarball,
//!   a vendored copy). Finding no commit never fails the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(corpus)");
    println!("cargo::rerun-if-changed=../shared/corpus");
    if Path::new("../shared/corpus").is_dir() {
        println!("cargo::rustc-cfg=corpus");
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=FBSCOPE_COMMIT");
    let commit = std::env::var("FBSCOPE_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo::rustc-env=FBSCOPE_COMMIT={commit}");
}

/// `git rev-parse HEAD`, or `None` when git or the repository is missing (or the crate is not
/// the root of the repository found). Asks cargo to run
/// this again when HEAD moves (a commit, a checkout), watching only files that exist: a
/// watched path that is missing would make every build rerun the script.
fn git_commit() -> Option<String> {
    // A tarball unpacked inside some other repository must not take that one's commit.
    let top = git(&["rev-parse", "--show-toplevel"]).map(PathBuf::from)?;
    if top.canonicalize().ok()? != env_dir().canonicalize().ok()? {
        return None;
    }
    let commit = git(&["rev-parse", "HEAD"])?;
    let git_dir = git(&["rev-parse", "--git-dir"]).map(PathBuf::from);
    let common = git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from);
    let head_ref = git(&["rev-parse", "--symbolic-full-name", "HEAD"]);
    let mut watched = Vec::new();
    if let Some(dir) = &git_dir {
        watched.push(dir.join("HEAD"));
    }
    if let Some(dir) = common.as_ref().or(git_dir.as_ref()) {
        watched.push(dir.join("packed-refs"));
        if let Some(r) = head_ref.filter(|r| r.starts_with("refs/")) {
            watched.push(dir.join(r));
        }
    }
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    Some(commit)
}

/// Runs git in the crate folder; its trimmed stdout when it succeeded.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env_dir())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn env_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from)
}
