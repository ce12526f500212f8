//! What fbscope build this is: the package version and the git commit it was built from
//! (`build.rs` embeds it; `unknown` when the source had no git history, e.g. a tarball).

/// The package version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit built, or `unknown`.
pub const COMMIT: &str = env!("FBSCOPE_COMMIT");

/// `0.1.0 (commit 0123abcd…)`, as `--version` prints it after the name.
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("FBSCOPE_COMMIT"),
    ")"
);
