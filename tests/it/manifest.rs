//! `run.json`: which fbscope ran, how it was called, the span analysed, and the chain of
//! custody of every input (path, size, modification time, SHA-256).

use std::fs;
use std::io::Write;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::util::*;

fn sha256_hex(path: &Path) -> String {
    let digest = Sha256::digest(fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&fs::read(out.join("run.json")).expect("run.json written")).unwrap()
}

/// A bundle folder with one plain log and one zip of two members (sorted by name: the log
/// under `EXCH02/` before `bundle.zip`).
fn bundle(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let plain = dir.join("EXCH02/W3SVC1/u_ex260302.log");
    fs::create_dir_all(plain.parent().unwrap()).unwrap();
    fs::copy(root().join("samples/EXCH02/W3SVC1/u_ex260302.log"), &plain).unwrap();
    let zip_path = dir.join("bundle.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for rel in [
        "EXCH01/W3SVC1/u_ex260302.log",
        "EXCH01/W3SVC2/u_ex260302.log",
    ] {
        zip.start_file(rel, opts).unwrap();
        zip.write_all(&fs::read(root().join("samples").join(rel)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    (plain, zip_path)
}

#[test]
fn run_json_names_the_build_the_command_and_the_span() {
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &iis_samples(), &["--threads", "2"]);
    assert_eq!(code, 0);
    let m = manifest(out.path());
    assert_eq!(m["fbscope"]["version"], env!("CARGO_PKG_VERSION"));
    let commit = m["fbscope"]["commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{commit}"
    );
    let command: Vec<&str> = m["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(command[1], "analyze");
    assert!(
        command.ends_with(&["--quiet", "--threads", "2"]),
        "{command:?}"
    );
    assert_eq!(m["span"]["first_utc"], "2026-03-02T00:04:10Z");
    assert!(m["span"]["last_utc"].is_string());
    assert!(m["span"]["findings_first_utc"].is_string());
}

#[test]
fn run_json_hashes_every_input_file_and_an_archive_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, zip_path) = bundle(dir.path());
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &[dir.path().display().to_string()], &[]);
    assert_eq!(code, 0);
    let m = manifest(out.path());
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(
        inputs.len(),
        2,
        "the zip is one input, not its members: {inputs:?}"
    );
    for (entry, path) in inputs.iter().zip([&plain, &zip_path]) {
        assert_eq!(entry["path"], path.display().to_string().replace('\\', "/"));
        assert_eq!(entry["size"], fs::metadata(path).unwrap().len());
        assert_eq!(entry["sha256"], sha256_hex(path));
        let modified = entry["modified_utc"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(modified).is_ok() && modified.ends_with('Z'),
            "{modified}"
        );
    }
}

/// `--no-hash` keeps every input listed, by size and time, and says why there is no digest.
#[test]
fn no_hash_lists_inputs_without_digests_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, _) = bundle(dir.path());
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(
        out.path(),
        &[dir.path().display().to_string()],
        &["--no-hash"],
    );
    assert_eq!(code, 0);
    let m = manifest(out.path());
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2, "{inputs:?}");
    assert_eq!(inputs[0]["size"], fs::metadata(&plain).unwrap().len());
    for entry in inputs {
        assert!(entry["sha256"].is_null(), "{entry}");
        assert_eq!(entry["sha256_missing"], "not hashed: --no-hash");
    }
}

#[test]
fn run_json_differs_across_thread_counts_only_in_the_command_line_and_timings() {
    let run = |threads: &str| {
        let out = tempfile::tempdir().unwrap();
        analyze_to(out.path(), &iis_samples(), &["--threads", threads]);
        let mut m = manifest(out.path());
        // The command line names --threads; summary.txt (the terminal summary) says how long
        // the run took on how many threads, and run_id digests every report, summary.txt too.
        let doc = m.as_object_mut().unwrap();
        doc.remove("command");
        doc.remove("run_id");
        let reports = doc["reports"].as_array_mut().unwrap();
        reports.retain(|r| r["file"] != "summary.txt");
        m
    };
    assert_eq!(run("1"), run("4"));
}

#[test]
fn run_json_lists_every_report_of_the_set_with_its_digest() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &iis_samples(), &[]);
    let m = manifest(out.path());
    let listed: Vec<(String, u64, String)> = m["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_owned();
            (s("file"), r["bytes"].as_u64().unwrap(), s("sha256"))
        })
        .collect();
    let mut on_disk: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "run.json")
        .collect();
    on_disk.sort();
    let mut names: Vec<String> = listed.iter().map(|(n, _, _)| n.clone()).collect();
    names.sort();
    assert_eq!(
        names, on_disk,
        "run.json names every file written beside it"
    );
    for (name, bytes, sha) in &listed {
        let path = out.path().join(name);
        assert_eq!(*bytes, fs::metadata(&path).unwrap().len(), "{name}");
        assert_eq!(*sha, sha256_hex(&path), "{name}");
    }
}

#[test]
fn run_id_is_the_digest_of_what_was_read_and_written() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &iis_samples(), &[]);
    let m = manifest(out.path());
    let mut set = Sha256::new();
    for i in m["inputs"].as_array().unwrap() {
        set.update(format!(
            "{}\0{}\0",
            i["path"].as_str().unwrap(),
            i["sha256"].as_str().unwrap()
        ));
    }
    set.update([1]);
    for r in m["reports"].as_array().unwrap() {
        set.update(format!(
            "{}\0{}\0",
            r["file"].as_str().unwrap(),
            r["sha256"].as_str().unwrap()
        ));
    }
    let digest: String = set.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(m["run_id"], digest);
}

#[test]
fn a_second_run_into_the_same_folder_replaces_the_whole_set() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &iis_samples(), &[]);
    let first = manifest(out.path());
    analyze_to(out.path(), &iis_samples()[..1], &[]);
    let second = manifest(out.path());
    assert_ne!(first["run_id"], second["run_id"]);
    for r in second["reports"].as_array().unwrap() {
        let path = out.path().join(r["file"].as_str().unwrap());
        assert_eq!(r["sha256"], sha256_hex(&path));
    }
}
