//! Hostile and broken input (issue 4): exact accounting, the message the user sees, and
//! outputs that cannot act on the person reading them. Fixtures: tests/fixtures/hostile
//! (made by tests/fixtures/make_hostile.py); the large and platform-specific cases are built
//! at run time in a temporary directory.

use std::fs;

use crate::util::*;

/// (file, format, [lines, records, directives, blank, rejected], findings)
const EXPECTED: [(&str, &str, [u64; 5], u64); 16] = [
    ("bomb.log.gz", "w3c-iis", [572622, 572617, 4, 0, 1], 0),
    ("broken-mid-file.xml", "event-xml", [3, 2, 0, 0, 1], 2),
    ("empty.log", "skipped", [0, 0, 0, 0, 0], 0),
    ("fields-500.log", "w3c-iis", [4, 1, 2, 0, 1], 1),
    ("garbage.bin", "skipped", [0, 0, 0, 0, 0], 0),
    ("hostile-strings.log", "w3c-iis", [4, 2, 2, 0, 0], 2),
    ("invalid-utf8.log", "w3c-iis", [5, 1, 4, 0, 0], 1),
    (
        "nested.zip!inner.zip!EXCH09/W3SVC1/u_ex260302.log",
        "w3c-iis",
        [5, 1, 4, 0, 0],
        1,
    ),
    ("nul-bytes.log", "w3c-iis", [6, 1, 4, 0, 1], 1),
    ("only-directives.log", "w3c-iis", [12, 0, 12, 0, 0], 0),
    ("quotes-tabs.log", "w3c-iis", [6, 2, 4, 0, 0], 1),
    (
        "traversal.zip!../../../etc/EXCH08/W3SVC1/u_ex260302.log",
        "w3c-iis",
        [5, 1, 4, 0, 0],
        1,
    ),
    ("truncated.log.gz", "w3c-iis", [11, 6, 4, 0, 1], 6),
    ("unbalanced-quote.csv", "event-csv", [14, 12, 1, 0, 1], 2),
    (
        "unknown-types.clixml.xml",
        "event-clixml",
        [2, 1, 0, 0, 1],
        1,
    ),
    (
        "zip-bomb.zip!EXCH07/W3SVC1/u_ex260302.log",
        "w3c-iis",
        [572622, 572617, 4, 0, 1],
        0,
    ),
];

fn hostile_json() -> (i32, serde_json::Value) {
    let out = fbscope()
        .args(["analyze", "tests/fixtures/hostile", "--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn hostile_fixtures_are_accounted_exactly() {
    let (code, doc) = hostile_json();
    assert_eq!(code, 2, "failed inputs make the exit code 2");
    let inv = doc["inventory"].as_array().unwrap();
    assert_eq!(inv.len(), EXPECTED.len());
    for (entry, (name, format, counts, findings)) in inv.iter().zip(EXPECTED) {
        assert!(entry["file"].as_str().unwrap().ends_with(name), "{entry}");
        assert_eq!(entry["format"], format, "{name}");
        let got: Vec<u64> = ["lines", "records", "directives", "blank", "rejected"]
            .iter()
            .map(|k| entry[k].as_u64().unwrap())
            .collect();
        assert_eq!(got, counts, "{name}");
        assert_eq!(entry["findings"], findings, "{name}");
    }
}

#[test]
fn every_bad_file_is_named_with_its_reason() {
    let (_, doc) = hostile_json();
    let problems: Vec<(String, String, String)> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (s("input"), s("severity"), s("message"))
        })
        .collect();
    let has = |file: &str, severity: &str, text: &str| {
        problems
            .iter()
            .any(|(i, s, m)| i.ends_with(file) && s == severity && m.contains(text))
    };
    assert!(
        has("bomb.log.gz", "failed", "likely a decompression bomb"),
        "{problems:#?}"
    );
    assert!(has(
        "zip-bomb.zip!EXCH07/W3SVC1/u_ex260302.log",
        "failed",
        "expansion ratio passed 200:1"
    ));
    assert!(has(
        "truncated.log.gz",
        "failed",
        "incomplete deflate stream"
    ));
    assert!(has("empty.log", "note", "skipped: empty"));
    assert!(has("garbage.bin", "note", "not a W3C log"));
    // Files read with rejected lines are named too, with the first line's reason.
    for (file, first) in [
        (
            "nul-bytes.log",
            "1 line rejected; the first: NUL bytes in the line",
        ),
        (
            "fields-500.log",
            "1 line rejected; the first: 10 values where #Fields declares 500",
        ),
        (
            "unbalanced-quote.csv",
            "the first: unbalanced quote: line 4 starts the next row",
        ),
        (
            "broken-mid-file.xml",
            "the first: element not closed before the next <Event",
        ),
        ("unknown-types.clixml.xml", "the first: broken XML"),
    ] {
        assert!(has(file, "note", first), "{file}: {problems:#?}");
    }
    // Every input with a rejected line or a failure is in the list.
    for entry in doc["inventory"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        if entry["rejected"].as_u64().unwrap() > 0 || entry["failed"] == true {
            assert!(
                problems.iter().any(|(i, _, _)| i == file),
                "{file} not named"
            );
        }
    }
    let rejected = fbscope_out_dir_file("rejected.txt");
    assert!(
        rejected.contains("nul-bytes.log:6: NUL bytes in the line"),
        "{rejected}"
    );
    assert!(
        rejected.contains("fields-500.log:4: 10 values where #Fields declares 500"),
        "{rejected}"
    );
    for expected in [
        "unbalanced-quote.csv:3: unbalanced quote: line 4 starts the next row",
        "broken-mid-file.xml:1: element not closed before the next <Event",
        "unknown-types.clixml.xml:1: broken XML",
    ] {
        assert!(rejected.contains(expected), "{expected} in {rejected}");
    }
}

/// Runs the hostile analysis with --out and returns one output file's text.
fn fbscope_out_dir_file(name: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &["tests/fixtures/hostile".to_owned()], &[]);
    fs::read_to_string(out.path().join(name)).unwrap()
}

#[test]
fn no_output_carries_a_formula_markup_into_html_or_an_escape_sequence() {
    let out = tempfile::tempdir().unwrap();
    let table = fbscope()
        .args(["analyze", "tests/fixtures/hostile", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&table.stdout).into_owned()
        + &String::from_utf8_lossy(&table.stderr);
    assert!(
        !screen.contains('\x1b') && !screen.contains('\x07'),
        "terminal output: {screen:?}"
    );
    assert!(
        screen.contains("EVIL[2J]0;PWNED"),
        "the hostile server name is shown, defanged"
    );
    for f in ["findings.csv", "summary.csv", "inventory.csv"] {
        for row in read_csv(&out.path().join(f)).iter().skip(1) {
            for cell in row {
                let first = cell.chars().next();
                assert!(
                    !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                    "{f}: {cell:?}"
                );
            }
        }
    }
    let findings = read_csv(&out.path().join("findings.csv"));
    let ua = col(&findings[0], "user_agent");
    assert!(
        findings
            .iter()
            .any(|r| r[ua] == "<script>alert(1)</script>"),
        "markup is evidence: kept verbatim in the CSV (report.html escapes it)"
    );
    let page = fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        !page.contains("<script>alert(1)"),
        "report.html escapes the markup it shows (tests/it/correlation.rs checks how)"
    );
    for f in [
        "findings.csv",
        "summary.csv",
        "inventory.csv",
        "rejected.txt",
    ] {
        let text = fs::read_to_string(out.path().join(f)).unwrap();
        assert!(
            !text.contains('\x1b') && !text.contains('\0') && !text.contains('\x07'),
            "{f}"
        );
    }
    let json = fbscope()
        .args(["analyze", "tests/fixtures/hostile", "--format", "json"])
        .output()
        .unwrap();
    let json = String::from_utf8_lossy(&json.stdout);
    assert!(
        !json.contains("\\u001b"),
        "no escape sequence in the JSON: {json}"
    );
}

#[test]
fn a_50_mb_single_line_is_one_rejected_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"#Software: Microsoft Internet Information Services 10.0\n#Fields: date time cs-uri-stem\n".to_vec();
    text.extend(std::iter::repeat_n(b'A', 50 << 20));
    text.extend_from_slice(b"\n2026-03-02 09:00:00 /owa/\n");
    fs::write(dir.path().join("long.log"), text).unwrap();
    let out = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let i = &doc["inventory"][0];
    assert_eq!(
        (
            i["lines"].as_u64(),
            i["records"].as_u64(),
            i["rejected"].as_u64()
        ),
        (Some(4), Some(1), Some(1))
    );
    let out_dir = tempfile::tempdir().unwrap();
    analyze_to(out_dir.path(), &[dir.path().display().to_string()], &[]);
    let rejected = fs::read_to_string(out_dir.path().join("rejected.txt")).unwrap();
    assert!(
        rejected.contains("long.log:3: line of 52428800 bytes exceeds the 1048576 byte limit"),
        "{rejected}"
    );
    assert!(rejected.len() < 2000, "the kept text is bounded");
}

#[test]
fn ten_thousand_small_files() {
    let dir = tempfile::tempdir().unwrap();
    let line = "#Fields: date time cs-uri-stem cs(User-Agent) sc-status\n2026-03-02 09:00:00 /EWS/Exchange.asmx/WSSecurity ASProxy/x 401\n";
    for i in 0..10_000 {
        let sub = dir.path().join(format!("S{:02}/W3SVC1", i % 50));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("u_ex{i}.log")), line).unwrap();
    }
    let out = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .args(["--format", "json", "--threads", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["totals"]["inputs"], 10_000);
    assert_eq!(doc["totals"]["findings"], 10_000);
    assert_eq!(
        doc["categories"][0]["servers"].as_array().unwrap().len(),
        50
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_noted_and_the_walk_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("EXCH01/W3SVC1");
    fs::create_dir_all(&sub).unwrap();
    fs::copy(
        root().join("samples/EXCH01/W3SVC1/u_ex260302.log"),
        sub.join("u_ex260302.log"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
    let out = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a loop is a note, not a failure"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["totals"]["findings"], 23);
    let problems = doc["problems"].to_string();
    assert!(problems.contains("symbolic link loop"), "{problems}");
}

#[cfg(unix)]
#[test]
fn unreadable_files_fail_by_name_and_the_rest_is_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.log");
    fs::write(&locked, "#Fields: date time\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_ok() {
        eprintln!("skipping: running with privileges that read mode-000 files (root)");
        return;
    }
    fs::copy(
        root().join("samples/EXCH02/HTTPERR/httperr1.log"),
        dir.path().join("httperr1.log"),
    )
    .unwrap();
    let out = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["problems"].to_string().contains("locked.log"));
    assert_eq!(doc["totals"]["findings"], 8);
}

#[test]
fn an_unwritable_out_dir_fails_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    fs::write(&file, "x").unwrap();
    let out = fbscope()
        .args(["analyze", "samples/EXCH01", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-a-dir"));
    assert!(out.stdout.is_empty(), "nothing was analysed");
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_partial_or_temp_file() {
    // Many findings, so that writing the reports takes a while: the interrupt lands while
    // the first report's temporary file exists (report files are created only once the
    // analysis is done).
    let input = tempfile::tempdir().unwrap();
    let dir = input.path().join("EXCH01/W3SVC1");
    fs::create_dir_all(&dir).unwrap();
    let line = "2026-03-02 09:00:00 /EWS/Exchange.asmx/WSSecurity ASProxy/CrossForest 401\n";
    let log = format!(
        "#Fields: date time cs-uri-stem cs(User-Agent) sc-status\n{}",
        line.repeat(30_000)
    );
    fs::write(dir.join("u_ex260302.log"), log).unwrap();
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("fbscope");
    let mut child = std::process::Command::new(bin)
        .arg("analyze")
        .arg(input.path())
        .arg("--out")
        .arg(out.path())
        .args(["--quiet", "--threads", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first temporary report file exists, then interrupt.
    let started = std::time::Instant::now();
    while fs::read_dir(out.path()).unwrap().count() == 0 && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let writing = fs::read_dir(out.path()).unwrap().count() > 0;
    let killed = std::process::Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(writing, "the reports were never being written");
    assert_eq!(status.code(), Some(130), "interrupted, not finished");
    let left: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
