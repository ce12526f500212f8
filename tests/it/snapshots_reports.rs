//! Snapshot tests of the report files for the IIS/HTTPERR samples: any change to a column,
//! a count or a remediation text shows up as a reviewed diff (`cargo insta review`).

use std::fs;

use crate::util::*;

fn reports() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let inputs = ["samples/EXCH01".to_owned(), "samples/EXCH02".to_owned()];
    let (code, _) = analyze_to(out.path(), &inputs, &["--threads", "2"]);
    assert_eq!(code, 0);
    out
}

#[test]
fn summary_csv_snapshot() {
    let out = reports();
    insta::assert_snapshot!(fs::read_to_string(out.path().join("summary.csv")).unwrap());
}

#[test]
fn inventory_csv_snapshot() {
    let out = reports();
    insta::assert_snapshot!(fs::read_to_string(out.path().join("inventory.csv")).unwrap());
}

#[test]
fn rejected_txt_snapshot() {
    let out = reports();
    insta::assert_snapshot!(fs::read_to_string(out.path().join("rejected.txt")).unwrap());
}

#[test]
fn findings_csv_first_rows_snapshot() {
    let out = reports();
    let text = fs::read_to_string(out.path().join("findings.csv")).unwrap();
    let head: Vec<&str> = text.lines().take(12).collect();
    insta::assert_snapshot!(head.join("\n"));
}
