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
    let script = r#"for f in summary.txt report.html incidents.csv findings.csv findings.jsonl timeline.csv coverage.csv summary.csv inventory.csv rejected.txt; do ln -s "$1" "$2/.$f.$$.tmp"; done; ln -s "$1" "$2/.fbscope-write-test.$$"; exec "$3" analyze "$4" --out "$2" --quiet"#;
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
        ".report.html.4242.0123456789abcdef.tmp",
        ".run.json.4242.0123456789abcdef.tmp",
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
            "coverage.csv",
            "findings.csv",
            "findings.jsonl",
            "incidents.csv",
            "inventory.csv",
            "rejected.txt",
            "report.html",
            "run.json",
            "summary.csv",
            "summary.txt",
            "timeline.csv"
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

/// Runs `analyze --format json` on `inputs` with `extra` args: (exit code, document, stderr).
fn analyze_json(inputs: &[String], extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = fbscope()
        .arg("analyze")
        .args(inputs)
        .args(["--format", "json", "--quiet"])
        .args(extra)
        .output()
        .unwrap();
    let doc = json_of(&out);
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path_str(p: &std::path::Path) -> String {
    p.display().to_string()
}

/// The one inventory entry of a run on one input.
fn only_entry(doc: &serde_json::Value) -> &serde_json::Value {
    let inv = doc["inventory"].as_array().unwrap();
    assert_eq!(inv.len(), 1, "{inv:#?}");
    &inv[0]
}

fn problems_text(doc: &serde_json::Value) -> String {
    doc["problems"].to_string()
}

// ---- §3: threads, dates, gzip padding ----

#[test]
fn threads_above_the_machines_parallelism_are_capped_with_a_note() {
    let out = fbscope()
        .args([
            "analyze",
            "samples/EXCH01",
            "--threads",
            "100000",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let max = std::thread::available_parallelism().map_or(1, usize::from);
    assert!(
        stderr.contains(&format!(
            "--threads 100000: this machine runs {max} at once; using {max}"
        )),
        "{stderr}"
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains(&format!(", {max} threads)")), "{table}");
}

#[test]
fn february_30_is_rejected_not_rolled_over_to_march_2() {
    for bad in ["2026-02-30", "2026-02-30 09:00:00", "2026-04-31T00:00:00Z"] {
        let out = fbscope()
            .args(["analyze", "samples/EXCH01", "--since", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("cannot read"),
            "{bad}"
        );
    }
    // In a log, a Feb 30 line has no time: it is not filed under March 2.
    let dir = tempfile::tempdir().unwrap();
    let log = ONE_FINDING_LOG.replace("2026-03-02", "2026-02-30");
    fs::write(dir.path().join("u_ex260230.log"), log).unwrap();
    let (_, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    assert_ne!(only_entry(&doc)["first_utc"], "2026-03-02T09:00:00Z");
    // ... and it is not silently so: the inventory and the problems say which line.
    let notes = only_entry(&doc)["notes"].to_string();
    assert!(
        notes.contains(
            "1 free/busy request(s) without a readable date and time, the first at line 3"
        ),
        "{notes}"
    );
    assert!(
        problems_text(&doc).contains("without a readable date"),
        "{doc:#}"
    );
}

#[test]
fn gzip_followed_by_trailing_zeros_is_read_with_a_note() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(ONE_FINDING_LOG.as_bytes()).unwrap();
    let mut bytes = gz.finish().unwrap();
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    fs::write(dir.path().join("u_ex260302.log.gz"), bytes).unwrap();
    let (code, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    assert_eq!(code, 0, "{doc:#}");
    let entry = only_entry(&doc);
    assert_eq!(
        (entry["records"].as_u64(), entry["findings"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        problems_text(&doc).contains("4096 zero bytes after the end of the gzip data"),
        "{doc:#}"
    );
}

// ---- §1: inputs silently lost ----

/// Findings of a run on one file holding `bytes`, named `name`: (exit code, entry, doc).
fn one_file(name: &str, bytes: &[u8]) -> (i32, serde_json::Value, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(name), bytes).unwrap();
    let (code, doc, _) = analyze_json(&[path_str(&dir.path().join(name))], &[]);
    (code, only_entry(&doc).clone(), doc)
}

#[test]
fn an_event_export_followed_by_nul_bytes_is_still_sniffed_and_read() {
    for sample in [
        "samples/FABRIKAM-EX01/Application.csv",
        "samples/FABRIKAM-EX02/Application.xml",
    ] {
        let whole = fs::read(root().join(sample)).unwrap();
        let (_, clean, _) = one_file("Application.export", &whole);
        let mut cut = whole.clone();
        cut.extend(std::iter::repeat_n(0u8, 16 << 10));
        let (_, damaged, doc) = one_file("Application.export", &cut);
        assert_eq!(damaged["format"], clean["format"], "{sample}: {doc:#}");
        assert!(clean["findings"].as_u64().unwrap() > 0);
        assert_eq!(damaged["findings"], clean["findings"], "{sample}: {doc:#}");
    }
}

#[test]
fn cr_only_line_endings_in_w3c_logs_are_lines() {
    let log = ONE_FINDING_LOG.replace('\n', "\r");
    let (code, entry, doc) = one_file("u_ex260302.log", log.as_bytes());
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        (
            entry["lines"].as_u64(),
            entry["records"].as_u64(),
            entry["findings"].as_u64()
        ),
        (Some(3), Some(1), Some(1)),
        "{doc:#}"
    );
    assert!(problems_text(&doc).contains("lone CR"), "{doc:#}");
}

/// `text` with its line ends made lone CRs (as old Mac tools and some converters write).
fn cr_only(text: &[u8]) -> Vec<u8> {
    let lf: Vec<u8> = text.iter().copied().filter(|&b| b != b'\r').collect();
    lf.into_iter()
        .map(|b| if b == b'\n' { b'\r' } else { b })
        .collect()
}

#[test]
fn cr_only_line_endings_in_httpproxy_logs_and_event_exports_are_lines() {
    for (sample, name) in [
        (
            "samples/EXCH01/Logging/HttpProxy/Ews/HttpProxy_2026030209-1.LOG",
            "HttpProxy_2026030209-1.LOG",
        ),
        ("samples/FABRIKAM-EX01/Application.csv", "Application.csv"),
    ] {
        let whole = fs::read(root().join(sample)).unwrap();
        let (_, clean, _) = one_file(name, &whole);
        assert!(clean["findings"].as_u64().unwrap() > 0, "{clean:#}");
        let (code, converted, doc) = one_file(name, &cr_only(&whole));
        assert_eq!(code, 0, "{sample}: {doc:#}");
        assert_eq!(converted["format"], clean["format"], "{sample}: {doc:#}");
        assert_eq!(
            converted["findings"], clean["findings"],
            "{sample}: {doc:#}"
        );
        assert!(problems_text(&doc).contains("lone CR"), "{sample}: {doc:#}");
    }
}

#[test]
fn iis_logs_saved_as_utf16_by_windows_powershell_are_read() {
    for (bom, encode) in [
        (&[0xFF, 0xFE][..], u16::to_le_bytes as fn(u16) -> [u8; 2]),
        (&[0xFE, 0xFF][..], u16::to_be_bytes as fn(u16) -> [u8; 2]),
    ] {
        let mut bytes = bom.to_vec();
        let crlf = ONE_FINDING_LOG.replace('\n', "\r\n");
        bytes.extend(crlf.encode_utf16().flat_map(encode));
        let (code, entry, doc) = one_file("u_ex260302.log", &bytes);
        assert_eq!(code, 0, "{doc:#}");
        assert_eq!(entry["format"], "w3c-iis", "{doc:#}");
        assert_eq!(
            (entry["records"].as_u64(), entry["findings"].as_u64()),
            (Some(1), Some(1)),
            "{doc:#}"
        );
        assert!(problems_text(&doc).contains("Utf16"), "{doc:#}");
    }
}

fn utf32(text: &str, bom: &[u8], encode: fn(u32) -> [u8; 4]) -> Vec<u8> {
    let mut bytes = bom.to_vec();
    bytes.extend(text.chars().flat_map(|c| encode(c as u32)));
    bytes
}

#[test]
fn utf32_logs_are_failed_inputs_not_harmless_skips() {
    let crlf = ONE_FINDING_LOG.replace('\n', "\r\n");
    for (what, bytes) in [
        ("LE", utf32(&crlf, &[0xFF, 0xFE, 0, 0], u32::to_le_bytes)),
        ("BE", utf32(&crlf, &[0, 0, 0xFE, 0xFF], u32::to_be_bytes)),
        ("LE, no BOM", utf32(&crlf, &[], u32::to_le_bytes)),
        ("BE, no BOM", utf32(&crlf, &[], u32::to_be_bytes)),
    ] {
        let (code, _, doc) = one_file("u_ex260302.log", &bytes);
        assert_eq!(code, 2, "{what}: {doc:#}");
        assert!(
            failed_with(&doc, "u_ex260302.log", "UTF-32 text: not read"),
            "{what}: {doc:#}"
        );
    }
}

#[test]
fn utf16_httpproxy_logs_and_event_exports_are_read() {
    for (sample, name) in [
        (
            "samples/EXCH01/Logging/HttpProxy/Ews/HttpProxy_2026030209-1.LOG",
            "HttpProxy_2026030209-1.LOG",
        ),
        ("samples/FABRIKAM-EX01/Application.csv", "Application.csv"),
        (
            "samples/EXCH02/Get-WebServicesVirtualDirectory.txt",
            "Get-WebServicesVirtualDirectory.txt",
        ),
    ] {
        let whole = fs::read_to_string(root().join(sample)).unwrap();
        let (_, clean, _) = one_file(name, whole.as_bytes());
        assert!(clean["records"].as_u64().unwrap() > 0, "{clean:#}");
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(whole.encode_utf16().flat_map(u16::to_le_bytes));
        let (code, entry, doc) = one_file(name, &utf16);
        assert_eq!(code, 0, "{sample}: {doc:#}");
        assert_eq!(entry["format"], clean["format"], "{sample}: {doc:#}");
        assert_eq!(entry["findings"], clean["findings"], "{sample}: {doc:#}");
        assert_eq!(entry["records"], clean["records"], "{sample}: {doc:#}");
    }
}

#[test]
fn analyze_dash_reads_standard_input() {
    let out = fbscope()
        .args(["analyze", "-", "--format", "json", "--quiet"])
        .write_stdin(fs::read(root().join("samples/EXCH02/HTTPERR/httperr1.log")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out);
    let entry = only_entry(&doc);
    assert_eq!(entry["file"], "<stdin>");
    assert_eq!(entry["format"], "w3c-httperr");
    assert_eq!(entry["findings"], 8, "{doc:#}");
}

/// A log larger than the format check's head, so a check that ate the first bytes shows.
#[cfg(unix)]
fn big_log() -> Vec<u8> {
    let mut log = ONE_FINDING_LOG.as_bytes().to_vec();
    let ok = "2026-03-02 09:00:01 /owa/ Mozilla/5.0 200\n";
    for _ in 0..5000 {
        log.extend_from_slice(ok.as_bytes());
    }
    log
}

#[cfg(unix)]
#[test]
fn a_utf16_log_on_standard_input_larger_than_the_kept_head_is_read() {
    let mut utf16 = vec![0xFF, 0xFE];
    let text = String::from_utf8(big_log()).unwrap().replace('\n', "\r\n");
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert!(utf16.len() > 2 * (64 << 10), "{}", utf16.len());
    let out = fbscope()
        .args(["analyze", "-", "--format", "json", "--quiet"])
        .write_stdin(utf16)
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    let entry = only_entry(&doc);
    assert_eq!(entry["format"], "w3c-iis", "{doc:#}");
    assert_eq!(
        (entry["records"].as_u64(), entry["findings"].as_u64()),
        (Some(5001), Some(1)),
        "{doc:#}"
    );
}

#[cfg(unix)]
#[test]
fn dev_stdin_and_pipes_given_by_name_are_read_as_streams() {
    let log = big_log();
    let out = fbscope()
        .args(["analyze", "/dev/stdin", "--format", "json", "--quiet"])
        .write_stdin(log.clone())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out);
    let entry = only_entry(&doc);
    assert_eq!(
        (
            entry["lines"].as_u64(),
            entry["records"].as_u64(),
            entry["findings"].as_u64()
        ),
        (Some(5003), Some(5001), Some(1)),
        "{doc:#}"
    );
    assert_eq!(entry["bytes"].as_u64(), Some(log.len() as u64));
}

#[cfg(unix)]
#[test]
fn a_fifo_given_by_name_is_read_as_a_stream_and_one_met_in_a_walk_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("u_ex260302.log");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let log = big_log();
    let writer = {
        let (fifo, log) = (fifo.clone(), log.clone());
        std::thread::spawn(move || fs::write(fifo, log).unwrap())
    };
    let (code, doc, _) = analyze_json(&[path_str(&fifo)], &[]);
    writer.join().unwrap();
    assert_eq!(code, 0);
    assert_eq!(only_entry(&doc)["records"].as_u64(), Some(5001), "{doc:#}");
    // In a folder, a FIFO is listed as skipped, never opened (nobody may ever write to it).
    fs::write(dir.path().join("real.log"), ONE_FINDING_LOG).unwrap();
    let (code, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    assert_eq!(code, 0);
    assert!(
        problems_text(&doc).contains("not a regular file"),
        "{doc:#}"
    );
}

/// A zip of `members` (name, data), stored or deflated; folders end in `/`.
fn zip_of(members: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in members {
        if name.ends_with('/') {
            z.add_directory(*name, opts).unwrap();
        } else {
            z.start_file(*name, opts).unwrap();
            z.write_all(data).unwrap();
        }
    }
    z.finish().unwrap();
    buf.into_inner()
}

/// Replaces every `from` in `bytes` with `to` (same length).
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    let mut hits = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            hits += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(hits > 0, "nothing to patch");
}

/// Runs a bundle `bundle.zip` holding `bytes`: (exit code, doc).
fn bundle(bytes: &[u8]) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bundle.zip"), bytes).unwrap();
    fs::write(dir.path().join("other.log"), ONE_FINDING_LOG).unwrap();
    let (code, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    (code, doc)
}

fn failed_with(doc: &serde_json::Value, input_ends: &str, text: &str) -> bool {
    doc["problems"].as_array().unwrap().iter().any(|p| {
        p["severity"] == "failed"
            && p["input"].as_str().unwrap().ends_with(input_ends)
            && p["message"].as_str().unwrap().contains(text)
    })
}

#[test]
fn an_encrypted_zip_member_is_a_failed_input_not_a_skipped_log() {
    let mut z = zip_of(
        &[("EXCH01/W3SVC1/u_ex260302.log", ONE_FINDING_LOG.as_bytes())],
        zip::CompressionMethod::Stored,
    );
    // General-purpose flag bit 0 (encrypted) in the local and the central header.
    for sig in [&b"PK\x03\x04"[..], b"PK\x01\x02"] {
        let at = z.windows(4).position(|w| w == sig).unwrap();
        let flag = at + if sig[2] == 3 { 6 } else { 8 };
        z[flag] |= 1;
    }
    let (code, doc) = bundle(&z);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        failed_with(&doc, "u_ex260302.log", "encrypted zip member"),
        "{doc:#}"
    );
}

#[test]
fn two_zip_members_with_one_name_are_not_read_as_one() {
    let mut z = zip_of(
        &[
            ("EXCH01/W3SVC1/u_ex260302.log", ONE_FINDING_LOG.as_bytes()),
            ("EXCH01/W3SVC1/u_ex260303.log", ONE_FINDING_LOG.as_bytes()),
        ],
        zip::CompressionMethod::Deflated,
    );
    patch(&mut z, b"u_ex260303.log", b"u_ex260302.log");
    let (code, doc) = bundle(&z);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        failed_with(
            &doc,
            "bundle.zip!EXCH01/W3SVC1/u_ex260302.log",
            "2 members with this name"
        ),
        "{doc:#}"
    );
}

/// Zip members compressed with bzip2, zstd (what 7-Zip and newer archivers write) or deflate64 are
/// read like deflated ones; before the codecs were read, each was a failed input
/// ("unsupported compression method"). The members are written by hand (`method_zip`), so
/// the zip crate needs no codec of its own.
#[test]
fn bzip2_and_zstd_zip_members_are_read() {
    let text = ONE_FINDING_LOG.as_bytes();
    let mut bzip2 = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    std::io::Write::write_all(&mut bzip2, text).unwrap();
    let bzip2 = bzip2.finish().unwrap();
    let zstd = ruzstd::encoding::compress_to_vec(text, ruzstd::encoding::CompressionLevel::Fastest);
    // Two zstd frames with a skippable frame between them: one member's bytes.
    let (head, tail) = text.split_at(text.len() / 2);
    let mut frames =
        ruzstd::encoding::compress_to_vec(head, ruzstd::encoding::CompressionLevel::Fastest);
    frames.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
    frames.extend_from_slice(&3u32.to_le_bytes());
    frames.extend_from_slice(b"pad");
    frames.extend(ruzstd::encoding::compress_to_vec(
        tail,
        ruzstd::encoding::CompressionLevel::Fastest,
    ));
    // Deflate64 (what Explorer writes for large members): one stored block reads the same in
    // deflate and deflate64.
    let len = text.len() as u16;
    let mut deflate64 = vec![1];
    deflate64.extend(len.to_le_bytes().into_iter().chain((!len).to_le_bytes()));
    deflate64.extend_from_slice(text);
    for (method, payload) in [(12, bzip2), (93, zstd), (93, frames), (9, deflate64)] {
        let z = method_zip("EXCH01/W3SVC1/u_ex260302.log", method, &payload, text);
        let (code, doc) = bundle(&z);
        assert_eq!(code, 0, "method {method}: {doc:#}");
        assert_eq!(doc["totals"]["findings"], 2, "method {method}: {doc:#}");
    }
    let cut = method_zip(
        "EXCH01/W3SVC1/u_ex260302.log",
        93,
        &[0x28, 0xB5, 0x2F, 0xFD, 0],
        text,
    );
    let (code, doc) = bundle(&cut);
    assert_eq!(code, 2, "{doc:#}");
    assert!(failed_with(&doc, "u_ex260302.log", "zstd"), "{doc:#}");
}

/// CRC-32 (IEEE), as zip headers hold it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip with one member of compression `method` holding `payload`, the compressed `text`:
/// written stored, then its headers patched to the method and to the CRC and size of the
/// text (the zip crate writes no other method without its codec features).
fn method_zip(name: &str, method: u16, payload: &[u8], text: &[u8]) -> Vec<u8> {
    let mut z = zip_of(&[(name, payload)], zip::CompressionMethod::Stored);
    let central = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    for (method_at, crc_at, size_at) in [(8, 14, 22), (central + 10, central + 16, central + 24)] {
        z[method_at..method_at + 2].copy_from_slice(&method.to_le_bytes());
        z[crc_at..crc_at + 4].copy_from_slice(&crc32(text).to_le_bytes());
        z[size_at..size_at + 4].copy_from_slice(&(text.len() as u32).to_le_bytes());
    }
    z
}

/// A zip with one LZMA member (method 14): the zip LZMA payload is the version, the
/// properties size, then lzma-rs's header-less stream without an end marker.
fn lzma_zip(name: &str, text: &[u8]) -> Vec<u8> {
    let mut packed = Vec::new();
    let options = lzma_rs::compress::Options {
        unpacked_size: lzma_rs::compress::UnpackedSize::SkipWritingToHeader,
    };
    lzma_rs::lzma_compress_with_options(&mut std::io::Cursor::new(text), &mut packed, &options)
        .unwrap();
    let mut payload = vec![9, 20, 5, 0];
    payload.extend_from_slice(&packed);
    method_zip(name, 14, &payload, text)
}

/// LZMA zip members (7-Zip's "LZMA" method for zip) are read; a member the codec cannot
/// decode is a failed input, not a silent skip.
#[test]
fn lzma_zip_members_are_read_and_a_broken_one_fails() {
    let z = lzma_zip("EXCH01/W3SVC1/u_ex260302.log", ONE_FINDING_LOG.as_bytes());
    let (code, doc) = bundle(&z);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["totals"]["findings"], 2, "{doc:#}");
    // Larger than the reader's 64 KiB input blocks: pushed in and taken out in pieces.
    let line = "2026-03-02 09:00:01 /EWS/Exchange.asmx/WSSecurity ASProxy/CrossForest 401\n";
    let big = format!("{ONE_FINDING_LOG}{}", line.repeat(10_000));
    let (code, doc) = bundle(&lzma_zip("EXCH01/W3SVC1/u_ex260302.log", big.as_bytes()));
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["totals"]["findings"], 10_002, "{doc:#}");
    let mut broken = z.clone();
    let at = broken.windows(4).position(|w| w == [9, 20, 5, 0]).unwrap();
    broken[at + 2] = 4;
    let (code, doc) = bundle(&broken);
    assert_eq!(code, 2, "{doc:#}");
    assert!(failed_with(&doc, "u_ex260302.log", "LZMA"), "{doc:#}");
}

#[test]
fn a_stored_zip_member_with_a_wrong_crc_is_a_failed_input() {
    let mut z = zip_of(
        &[("EXCH01/W3SVC1/u_ex260302.log", ONE_FINDING_LOG.as_bytes())],
        zip::CompressionMethod::Stored,
    );
    patch(&mut z, b"09:00:00", b"09:00:07");
    let (code, doc) = bundle(&z);
    assert_eq!(code, 2, "{doc:#}");
    assert!(failed_with(&doc, "u_ex260302.log", "CRC-32"), "{doc:#}");
}

#[test]
fn a_zip_holding_only_folders_is_named() {
    let z = zip_of(
        &[("EXCH01/", b""), ("EXCH01/W3SVC1/", b"")],
        zip::CompressionMethod::Stored,
    );
    let (code, doc) = bundle(&z);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        failed_with(&doc, "bundle.zip", "only folders (2)"),
        "{doc:#}"
    );
}

// ---- §1: the verdict tells what the evidence covers ----

/// The headline: the summary's first line and its continuations (the summary is fitted to
/// the terminal width, continuations indented).
fn headline_of(table: &str) -> String {
    let mut lines = table.lines();
    let mut headline = lines.next().unwrap_or_default().to_owned();
    for more in lines.take_while(|l| l.starts_with("    ")) {
        headline.push(' ');
        headline.push_str(more.trim_start());
    }
    headline
}

#[test]
fn the_headline_names_every_input_not_read_before_any_all_clear() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = fbscope()
        .args(["analyze", "tests/fixtures/hostile", "--quiet", "--out"])
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let table = String::from_utf8_lossy(&out.stdout);
    let headline = headline_of(&table);
    assert!(
        headline
            .starts_with("19 free/busy findings in 11 of 16 inputs; 3 could not be read in full: "),
        "{headline}"
    );
    for name in ["bomb.log.gz", "truncated.log.gz", "zip-bomb.zip!EXCH07"] {
        assert!(headline.contains(name), "{name}: {headline}");
    }
    assert!(headline.ends_with("; 2 skipped as not logs."), "{headline}");
    let summary = fs::read_to_string(out_dir.path().join("summary.txt")).unwrap();
    assert!(
        summary.starts_with(table.lines().next().unwrap()),
        "summary.txt is the summary"
    );
    // No findings: the coverage still comes before the "no failures" words.
    let mut z = zip_of(
        &[("EXCH01/W3SVC1/u_ex260302.log", ONE_FINDING_LOG.as_bytes())],
        zip::CompressionMethod::Stored,
    );
    for sig in [&b"PK\x03\x04"[..], b"PK\x01\x02"] {
        let at = z.windows(4).position(|w| w == sig).unwrap();
        z[at + if sig[2] == 3 { 6 } else { 8 }] |= 1;
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bundle.zip"), z).unwrap();
    fs::copy(
        root().join("samples/EXCH02/W3SVC1/u_ex260302.log"),
        dir.path().join("quiet.log"),
    )
    .unwrap();
    let out = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .args(["--quiet", "--server", "NO-SUCH-SERVER"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let table = String::from_utf8_lossy(&out.stdout);
    let headline = headline_of(&table);
    assert!(
        headline
            .starts_with("No free/busy failures in 1 of 2 inputs; 1 could not be read in full: ")
            && headline.contains("bundle.zip!EXCH01/W3SVC1/u_ex260302.log (encrypted zip member"),
        "{table}"
    );
    let (_, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    assert_eq!(doc["verdict"]["complete"], false);
    assert_eq!(
        doc["verdict"]["not_read"][0]["input"]
            .as_str()
            .map(|s| s.ends_with("u_ex260302.log")),
        Some(true)
    );
}

#[test]
fn a_filter_or_glob_that_matches_nothing_is_a_warning_on_screen() {
    let out = fbscope()
        .args([
            "analyze",
            "samples/EXCH01",
            "samples/NO-SUCH-*",
            "--quiet",
            "--server",
            "NO-SUCH-SERVER",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("--server NO-SUCH-SERVER: warning: matches nothing"),
        "{table}"
    );
    assert!(
        table.contains("samples/NO-SUCH-*: warning: the pattern matches no file"),
        "{table}"
    );
    let headline = table.lines().next().unwrap();
    assert!(headline.contains("left out all"), "{headline}");
}

// ---- §1: identity from the layouts real collectors write ----

#[test]
fn every_file_of_a_collector_bundle_has_its_server_and_site() {
    let (code, doc, _) = analyze_json(&["tests/fixtures/collector".to_owned()], &[]);
    assert_eq!(code, 0, "{doc:#}");
    let expected = [
        (
            "EXCH01-1202.zip!EXCH01/HTTPERR_Logs/httperr1.log",
            "EXCH01",
            "",
        ),
        (
            "EXCH01-1202.zip!EXCH01/IIS_W3SVC1_Logs/u_ex260302.log",
            "EXCH01",
            "W3SVC1",
        ),
        (
            "EXCH01-1202.zip!EXCH01/IIS_W3SVC2_Logs.zip!u_ex260302.log",
            "EXCH01",
            "W3SVC2",
        ),
        (
            "EXCH01-1202.zip!EXCH01/Windows_Event_Logs/Windows-Logs/Application.xml",
            "EXCH01",
            "",
        ),
        (
            "EXCH02/inetpub/logs/LogFiles/W3SVC1/u_ex260302.log",
            "EXCH02",
            "W3SVC1",
        ),
        (
            "EXCH03/C$/inetpub/logs/LogFiles/W3SVC2/u_ex260302.log",
            "EXCH03",
            "W3SVC2",
        ),
        ("EXCH04-1202-1.zip!HTTPERR_Logs/httperr1.log", "EXCH04", ""),
        (
            "EXCH04-1202-1.zip!IIS_W3SVC1_Logs/u_ex260302.log",
            "EXCH04",
            "W3SVC1",
        ),
    ];
    let inv = doc["inventory"].as_array().unwrap();
    let got: Vec<(String, String, String)> = inv
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap().to_owned();
            let file = s("file");
            let file = file
                .strip_prefix("tests/fixtures/collector/")
                .unwrap()
                .to_owned();
            (file, s("server"), s("site"))
        })
        .collect();
    let want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(f, s, t)| (f.to_string(), s.to_string(), t.to_string()))
        .collect();
    assert_eq!(got, want);
    // Web findings carry the site of their file: front and back end can be told apart.
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &["tests/fixtures/collector".to_owned()], &[]);
    let rows = read_csv(&out.path().join("findings.csv"));
    let (file, site, source) = (
        col(&rows[0], "file"),
        col(&rows[0], "site"),
        col(&rows[0], "source"),
    );
    for row in rows.iter().skip(1).filter(|r| r[file].contains("W3SVC")) {
        let want = if row[file].contains("W3SVC2") {
            "W3SVC2"
        } else {
            "W3SVC1"
        };
        assert_eq!(row[site], want, "{row:?} ({})", row[source]);
    }
}

// ---- §3: bounded on every shape ----

/// An Event Viewer XML event that is a free/busy failure (as tests/fixtures/make_hostile.py writes).
const FAILURE_EVENT: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MSExchange Availability'/><EventID Qualifiers='49156'>4002</EventID><Level>2</Level><TimeCreated SystemTime='2026-03-02T09:01:00.000Z'/><Computer>FABRIKAM-EX09.fabrikam.com</Computer></System><EventData><Data>Process 6436: ProxyWebRequest FederatedCrossForest from S-1-5-21-1 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: System.Net.WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.</Data></EventData></Event>";

#[test]
fn deeply_nested_xml_is_read_in_linear_time_and_capped_in_depth() {
    const LEVELS: usize = 1_000_000;
    let deep_event = format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>{}x{}</System></Event>",
        "<a>".repeat(LEVELS),
        "</a>".repeat(LEVELS)
    );
    let events = format!("<Events>{deep_event}{FAILURE_EVENT}</Events>");
    let clixml = format!(
        "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><Obj RefId=\"0\"><TN RefId=\"0\"><T>System.Diagnostics.EventLogEntry</T></TN><Props>{}{}</Props></Obj></Objs>",
        "<Obj><Props>".repeat(LEVELS),
        "</Props></Obj>".repeat(LEVELS)
    );
    for (name, text, findings) in [("deep.xml", events, 1), ("deep.clixml.xml", clixml, 0)] {
        let started = std::time::Instant::now();
        let (code, entry, doc) = one_file(name, text.as_bytes());
        let took = started.elapsed();
        assert!(
            took.as_secs() < 30,
            "{name}: {took:?} (it was minutes: quadratic)"
        );
        assert_eq!(code, 0, "{doc:#}");
        assert_eq!(entry["findings"], findings, "{name}: {doc:#}");
        assert!(entry["rejected"].as_u64().unwrap() >= 1, "{name}: {doc:#}");
        assert!(
            problems_text(&doc).contains("XML nested deeper than 256 levels"),
            "{name}: {doc:#}"
        );
    }
}

/// A zip whose `entries` central-directory entries all point at one stored member: the
/// overlapping-entries bomb (each entry alone is small; together they decode the same
/// bytes over and over).
fn overlapping_zip(entries: usize) -> Vec<u8> {
    let data = ONE_FINDING_LOG.as_bytes();
    let crc = {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    };
    let name = b"EXCH01/W3SVC1/u_ex0.log";
    let mut z = Vec::new();
    let header = |sig: &[u8], central: bool, name: &[u8]| {
        let mut h = sig.to_vec();
        if central {
            h.extend(20u16.to_le_bytes()); // made by
        }
        h.extend(20u16.to_le_bytes()); // version needed
        h.extend(0u16.to_le_bytes()); // flags
        h.extend(0u16.to_le_bytes()); // stored
        h.extend([0u8; 4]); // time, date
        h.extend(crc.to_le_bytes());
        h.extend((data.len() as u32).to_le_bytes());
        h.extend((data.len() as u32).to_le_bytes());
        h.extend((name.len() as u16).to_le_bytes());
        h.extend(0u16.to_le_bytes()); // extra
        if central {
            h.extend([0u8; 6]); // comment len, disk, internal attrs
            h.extend([0u8; 4]); // external attrs
            h.extend(0u32.to_le_bytes()); // local header offset: all the same
        }
        h.extend(name);
        h
    };
    z.extend(header(b"PK\x03\x04", false, name));
    z.extend(data);
    let dir_start = z.len();
    for i in 0..entries {
        z.extend(header(
            b"PK\x01\x02",
            true,
            format!("EXCH01/W3SVC1/u_ex{i}.log").as_bytes(),
        ));
    }
    let dir_len = z.len() - dir_start;
    z.extend(b"PK\x05\x06");
    z.extend([0u8; 4]);
    z.extend((entries as u16).to_le_bytes());
    z.extend((entries as u16).to_le_bytes());
    z.extend((dir_len as u32).to_le_bytes());
    z.extend((dir_start as u32).to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z
}

#[test]
fn overlapping_zip_members_are_refused_and_an_archive_has_one_expansion_budget() {
    let (code, doc) = bundle(&overlapping_zip(1000));
    assert_eq!(code, 2, "{doc:#}");
    let read: Vec<&serde_json::Value> = doc["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["file"].as_str().unwrap().contains("bundle.zip!"))
        .collect();
    assert_eq!(read.len(), 1, "one entry keeps the bytes: {read:#?}");
    let refused = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["message"].as_str().unwrap().contains("overlaps member"))
        .count();
    assert_eq!(refused, 999);
    // Many members, each under the per-member grace, that together pass the archive's
    // 200:1 budget: the ones past it are not read.
    let log =
        ONE_FINDING_LOG.to_owned() + &"2026-03-02 09:00:01 /owa/ Mozilla/5.0 200\n".repeat(50_000); // 2.1 MB
    let line = &log;
    let names: Vec<String> = (0..40)
        .map(|i| format!("EXCH01/W3SVC1/u_ex{i:02}.log"))
        .collect();
    let members: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), line.as_bytes()))
        .collect();
    let z = zip_of(&members, zip::CompressionMethod::Deflated);
    let limit = (z.len() as u64 * 200).max(16 << 20);
    assert!(limit < 40 * line.len() as u64, "{}", z.len());
    let (code, doc) = bundle(&z);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        failed_with(
            &doc,
            "u_ex39.log",
            &format!("the archive's members would expand to more than {limit} bytes")
        ),
        "{doc:#}"
    );
    assert!(
        !problems_text(&doc).contains("u_ex00.log"),
        "the first members are read"
    );
}

// ---- §1: the archives real bundles come in ----

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn tar_and_tgz_bundles_are_read_not_skipped() {
    use std::io::Write;
    let front = fs::read(root().join("samples/EXCH01/W3SVC1/u_ex260302.log")).unwrap();
    let httperr = fs::read(root().join("samples/EXCH02/HTTPERR/httperr1.log")).unwrap();
    let tar = tar_of(&[
        ("EXCH01/W3SVC1/u_ex260302.log", &front),
        ("EXCH02/HTTPERR/httperr1.log", &httperr),
    ]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let tgz = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bundle.tar"), &tar).unwrap();
    fs::write(dir.path().join("bundle.tgz"), &tgz).unwrap();
    let (code, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    assert_eq!(code, 0, "{doc:#}");
    let rows: Vec<(String, String, String, u64)> = doc["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let file = i["file"].as_str().unwrap();
            let file = file.rsplit('/').take(3).collect::<Vec<_>>();
            (
                file.into_iter().rev().collect::<Vec<_>>().join("/"),
                i["server"].as_str().unwrap().to_owned(),
                i["format"].as_str().unwrap().to_owned(),
                i["findings"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |f: &str, s: &str, k: &str, n: u64| (f.to_owned(), s.to_owned(), k.to_owned(), n);
    assert_eq!(
        rows,
        [
            row(
                "bundle.tar!EXCH01/W3SVC1/u_ex260302.log",
                "EXCH01",
                "w3c-iis",
                23
            ),
            row(
                "bundle.tar!EXCH02/HTTPERR/httperr1.log",
                "EXCH02",
                "w3c-httperr",
                8
            ),
            row(
                "bundle.tgz!EXCH01/W3SVC1/u_ex260302.log",
                "EXCH01",
                "w3c-iis",
                23
            ),
            row(
                "bundle.tgz!EXCH02/HTTPERR/httperr1.log",
                "EXCH02",
                "w3c-httperr",
                8
            ),
        ]
    );
    // A tar cut short: the entries before the cut are read, the archive is a failed input.
    fs::remove_file(dir.path().join("bundle.tgz")).unwrap();
    fs::write(dir.path().join("bundle.tar"), &tar[..tar.len() - 2000]).unwrap();
    let (code, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        failed_with(
            &doc,
            "bundle.tar!EXCH02/HTTPERR/httperr1.log",
            "ends inside this entry"
        ),
        "{doc:#}"
    );
}

#[test]
fn a_zip_inside_a_tar_has_its_own_expansion_budget() {
    let logs: Vec<(String, String)> = (0..3)
        .map(|i| {
            let name = format!("EXCH01/IIS_W3SVC1_Logs/u_ex26030{}.log", i + 1);
            (
                name,
                ONE_FINDING_LOG.replace("2026-03-02", &format!("2026-03-0{}", i + 1)),
            )
        })
        .collect();
    let members: Vec<(&str, &[u8])> = logs
        .iter()
        .map(|(n, l)| (n.as_str(), l.as_bytes()))
        .collect();
    let zip = zip_of(&members, zip::CompressionMethod::Deflated);
    for tar in [
        tar_of(&[("EXCH01-1202.zip", &zip)]),
        tar_of(&[("bundles/EXCH01-1202.zip", &zip), ("other/x.txt", b"hello")]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("bundle.tar"), &tar).unwrap();
        let (code, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
        assert_eq!(code, 0, "{doc:#}");
        let findings: Vec<u64> = doc["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["format"] == "w3c-iis")
            .map(|i| i["findings"].as_u64().unwrap())
            .collect();
        assert_eq!(findings, [1, 1, 1], "{doc:#}");
    }
    // Its budget is its own size's, still one across the zip and the zips nested in it.
    let big =
        ONE_FINDING_LOG.to_owned() + &"2026-03-02 09:00:01 /owa/ Mozilla/5.0 200\n".repeat(50_000);
    let names: Vec<String> = (0..40).map(|i| format!("W3SVC1/u_ex{i:02}.log")).collect();
    let (half, rest) = names.split_at(4);
    let of = |names: &[String]| -> Vec<u8> {
        let members: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), big.as_bytes())).collect();
        zip_of(&members, zip::CompressionMethod::Deflated)
    };
    let inner = of(rest);
    let mut members: Vec<(&str, &[u8])> =
        half.iter().map(|n| (n.as_str(), big.as_bytes())).collect();
    members.push(("inner.zip", &inner));
    let outer = zip_of(&members, zip::CompressionMethod::Deflated);
    let limit = (outer.len() as u64 * 200).max(16 << 20);
    assert!(limit < 40 * big.len() as u64, "{}", outer.len());
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bundle.tar"),
        tar_of(&[("EXCH01-1202.zip", &outer)]),
    )
    .unwrap();
    let (code, doc, _) = analyze_json(&[path_str(dir.path())], &[]);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        failed_with(
            &doc,
            "inner.zip!W3SVC1/u_ex39.log",
            &format!("the archive's members would expand to more than {limit} bytes")
        ),
        "{doc:#}"
    );
    assert!(!problems_text(&doc).contains("u_ex00.log"), "{doc:#}");
}

// ---- §2: nothing is written (or read) where it should not be ----

#[test]
fn an_out_folder_inside_an_input_folder_is_never_read_as_input() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("u_ex260302.log"), ONE_FINDING_LOG).unwrap();
    let out = dir.path().join("report");
    let inputs = [path_str(dir.path())];
    for _ in 0..2 {
        let (code, _) = analyze_to(&out, &inputs, &[]);
        assert_eq!(code, 0);
    }
    let inventory = read_csv(&out.join("inventory.csv"));
    assert_eq!(
        inventory.len(),
        2,
        "one input, no report of an earlier run: {inventory:?}"
    );
    let (_, doc, _) = analyze_json(&inputs, &["--out", &path_str(&out)]);
    assert_eq!(doc["totals"]["findings"], 1);
    assert!(
        problems_text(&doc).contains("in the --out folder"),
        "{doc:#}"
    );
}

#[test]
fn logs_a_time_window_leaves_out_by_name_are_not_called_not_logs() {
    let out = fbscope()
        .args([
            "analyze",
            "samples/EXCH01",
            "--quiet",
            "--since",
            "2030-01-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    let headline = table.lines().next().unwrap();
    assert!(
        headline.contains("3 left out by --since/--until") && !headline.contains("not logs"),
        "{table}"
    );
    // The two IIS logs and the HttpProxy log (HttpProxy_2026030209-1.LOG) are dated by name.
    assert!(
        table.contains("warning: matches nothing: 3 log(s) left unread"),
        "{table}"
    );
}

#[test]
fn a_jpeg_and_a_readme_are_harmless_skips_counted_in_the_headline() {
    let dir = tempfile::tempdir().unwrap();
    let mut jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    jpeg.extend((0..4000u32).map(|i| (i * 7 % 251) as u8));
    fs::write(dir.path().join("screenshot.jpg"), jpeg).unwrap();
    fs::write(
        dir.path().join("README.txt"),
        "Logs collected from EXCH01 on 2 March.\nSee the ticket for details.\n",
    )
    .unwrap();
    fs::write(dir.path().join("u_ex260302.log"), ONE_FINDING_LOG).unwrap();
    let out = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "harmless skips leave the exit code alone"
    );
    let table = String::from_utf8_lossy(&out.stdout);
    let headline = table.lines().next().unwrap();
    assert_eq!(
        headline, "1 free/busy finding in the 1 input read; 2 skipped as not logs.",
        "{table}"
    );
}

/// Is there a note on an input whose name ends with `input_ends`, saying `text`?
#[cfg(unix)]
fn noted_with(doc: &serde_json::Value, input_ends: &str, text: &str) -> bool {
    doc["problems"].as_array().unwrap().iter().any(|p| {
        p["severity"] == "note"
            && p["input"].as_str().unwrap().ends_with(input_ends)
            && p["message"].as_str().unwrap().contains(text)
    })
}

/// Runs `fbscope` on `dir`, killed after 30 s: a walk that escaped the folder would run on.
#[cfg(unix)]
fn analyze_bounded(dir: &std::path::Path) -> (i32, serde_json::Value) {
    let out = fbscope()
        .arg("analyze")
        .arg(dir)
        .args(["--format", "json", "--quiet"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some(),
        "killed: the walk left the folder"
    );
    (out.status.code().unwrap(), json_of(&out))
}

#[cfg(target_os = "linux")]
#[test]
fn a_link_to_proc_self_root_is_not_followed_out_of_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("u_ex260302.log"), ONE_FINDING_LOG).unwrap();
    std::os::unix::fs::symlink("/proc/self/root", dir.path().join("root")).unwrap();
    std::os::unix::fs::symlink("/proc/self/cwd", dir.path().join("cwd")).unwrap();
    let (code, doc) = analyze_bounded(dir.path());
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(only_entry(&doc)["findings"], 1, "{doc:#}");
    for link in ["/root", "/cwd"] {
        assert!(
            noted_with(&doc, link, "skipped: a link into /proc"),
            "{link}: {doc:#}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_link_to_an_ancestor_of_the_walk_root_is_not_followed() {
    let top = tempfile::tempdir().unwrap();
    fs::write(top.path().join("sibling.log"), ONE_FINDING_LOG).unwrap();
    let dir = top.path().join("bundle");
    fs::create_dir_all(dir.join("deep")).unwrap();
    fs::write(dir.join("u_ex260302.log"), ONE_FINDING_LOG).unwrap();
    std::os::unix::fs::symlink(top.path(), dir.join("up")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("deep/again")).unwrap();
    let (code, doc) = analyze_bounded(&dir);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        only_entry(&doc)["findings"],
        1,
        "the sibling is not read: {doc:#}"
    );
    for link in ["bundle/up", "deep/again"] {
        assert!(
            noted_with(&doc, link, "skipped: a link to a folder that holds it"),
            "{link}: {doc:#}"
        );
    }
}
