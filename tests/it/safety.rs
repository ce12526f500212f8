//! Issue 9: never an "all clear" about evidence fbscope did not read, nothing written outside
//! `--out`, bounded on every shape. Each test is named after what it guards.

use std::fs;

use crate::util::*;

/// A small IIS log with one free/busy failure.
const ONE_FINDING_LOG: &str = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time cs-uri-stem cs(User-Agent) sc-status\n2026-03-02 09:00:00 /EWS/Exchange.asmx/WSSecurity ASProxy/CrossForest 401\n";

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[cfg(unix)]
#[test]
fn a_planted_temp_symlink_does_not_make_fbscope_write_outside_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    // The shell plants links under the names its own pid (kept by `exec`) would give.
    let bin = assert_cmd::cargo::cargo_bin("fbscope");
    let script = r#"for f in findings.csv summary.csv inventory.csv rejected.txt; do ln -s "$1" "$2/.$f.$$.tmp"; done; ln -s "$1" "$2/.fbscope-write-test.$$"; exec "$3" analyze "$4" --out "$2" --quiet"#;
    let status = std::process::Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&victim)
        .arg(&out)
        .arg(&bin)
        .arg(root().join("samples/EXCH01"))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(out.join("findings.csv").is_file());
    let left: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        left.is_empty(),
        "planted links are removed as stale temp files: {left:?}"
    );
}

#[test]
fn temp_files_of_a_killed_run_are_removed_by_the_next_run() {
    let out = tempfile::tempdir().unwrap();
    for stale in [
        ".findings.csv.4242.tmp",
        ".inventory.csv.4242.0123456789abcdef.tmp",
        ".fbscope-write-test.4242",
    ] {
        fs::write(out.path().join(stale), "left by a killed run").unwrap();
    }
    fs::write(out.path().join(".notes.tmp"), "not ours").unwrap();
    let (code, _) = analyze_to(out.path(), &iis_samples(), &[]);
    assert_eq!(code, 0);
    let mut names: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".notes.tmp",
            "findings.csv",
            "inventory.csv",
            "rejected.txt",
            "summary.csv"
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_newline_in_a_file_name_cannot_forge_lines_in_rejected_txt() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil.log\nforged.log:1: injected line";
    fs::write(
        dir.path().join(name),
        format!("{ONE_FINDING_LOG}2026-03-02 09:00:01 \0\0\n"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &[dir.path().display().to_string()], &[]);
    let rejected = fs::read_to_string(out.path().join("rejected.txt")).unwrap();
    assert!(
        rejected.lines().all(|l| !l.starts_with("forged.log")),
        "{rejected}"
    );
    assert!(
        rejected.contains("evil.log\\nforged.log:1: injected line:4:"),
        "{rejected}"
    );
}
