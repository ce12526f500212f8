//! CLI tests of `fbscope analyze` on the shipped IIS/HTTPERR samples.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::util::*;

/// Per-category IIS/HTTPERR findings in samples/EXCH01 + samples/EXCH02, counted
/// independently when the samples were written (samples/README.md).
const EXPECTED: [(&str, usize); 8] = [
    ("service-unavailable", 7),
    ("connection-reset", 4),
    ("timeout", 3),
    ("wssecurity-500", 12),
    ("ews-forbidden", 4),
    ("autodiscover-failed", 3),
    ("wssecurity-4xx", 22),
    ("unclassified", 3),
];

fn web_findings_by_category(rows: &[Vec<String>]) -> BTreeMap<String, usize> {
    let (cat, src) = (col(&rows[0], "category"), col(&rows[0], "source"));
    let mut m = BTreeMap::new();
    for r in rows
        .iter()
        .skip(1)
        .filter(|r| r[src] == "iis" || r[src] == "httperr")
    {
        *m.entry(r[cat].clone()).or_insert(0) += 1;
    }
    m
}

#[test]
fn samples_find_every_iis_category_with_exact_counts() {
    let out = tempfile::tempdir().unwrap();
    let (code, stdout) = analyze_to(out.path(), &iis_samples(), &[]);
    assert_eq!(code, 0, "{stdout}");
    let rows = read_csv(&out.path().join("findings.csv"));
    let got = web_findings_by_category(&rows);
    let want: BTreeMap<String, usize> = EXPECTED.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(got, want);
    // 58 IIS/HTTPERR findings and the 5 rows of EXCH01's HttpProxy log (exchange_logs.rs).
    assert!(stdout.contains("findings: 63"), "{stdout}");
    for f in [
        "findings.csv",
        "summary.csv",
        "inventory.csv",
        "rejected.txt",
    ] {
        assert!(out.path().join(f).is_file(), "{f} written");
    }
}

#[test]
fn the_whole_samples_folder_keeps_the_iis_findings() {
    let out = tempfile::tempdir().unwrap();
    let (code, stdout) = analyze_to(
        out.path(),
        &[root().join("samples").display().to_string()],
        &["--event-tz", "+01:00"],
    );
    let code = if code == 2 && stdout.is_empty() {
        // Older builds without --event-tz: retry without it.
        analyze_to(
            out.path(),
            &[root().join("samples").display().to_string()],
            &[],
        )
        .0
    } else {
        code
    };
    assert_eq!(code, 0);
    let got = web_findings_by_category(&read_csv(&out.path().join("findings.csv")));
    assert_eq!(got.values().sum::<usize>(), 58);
}

#[test]
fn report_columns_are_the_v1_contract() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &iis_samples(), &[]);
    let header = |f: &str| read_csv(&out.path().join(f)).remove(0).join(",");
    assert!(header("findings.csv").starts_with(
        "time_utc,server,site,source,file,position,category,phase,side,http_status,sub_status,win32_status,method,uri_stem,client_ip,user_agent,target,event_id,mailbox,detail"
    ));
    assert!(header("summary.csv").starts_with(
        "category,title,findings,iis_findings,event_findings,first_seen_utc,last_seen_utc,servers,top_targets,remediation"
    ));
    assert!(header("inventory.csv").starts_with(
        "file,format,server,site,first_utc,last_utc,lines,records,directives,blank,rejected,freebusy_requests,findings"
    ));
}

#[test]
fn every_line_is_accounted_for_and_rejections_are_named() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &iis_samples(), &[]);
    let rows = read_csv(&out.path().join("inventory.csv"));
    let h = &rows[0];
    let n = |r: &Vec<String>, c: &str| r[col(h, c)].parse::<u64>().unwrap();
    let mut rejected = 0;
    for r in rows.iter().skip(1) {
        assert_eq!(
            n(r, "lines"),
            n(r, "records") + n(r, "directives") + n(r, "blank") + n(r, "rejected"),
            "{r:?}"
        );
        rejected += n(r, "rejected");
    }
    assert_eq!(rejected, 2);
    let text = fs::read_to_string(out.path().join("rejected.txt")).unwrap();
    assert!(
        text.contains("u_ex260302.log:11: 9 values where #Fields declares 15"),
        "{text}"
    );
    assert!(
        text.contains("u_ex260302.log:52: 10 values where #Fields declares 15"),
        "{text}"
    );
}

#[test]
fn server_and_site_come_from_the_path_and_fields() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &iis_samples(), &[]);
    let rows = read_csv(&out.path().join("findings.csv"));
    let (server, site) = (col(&rows[0], "server"), col(&rows[0], "site"));
    assert!(rows
        .iter()
        .skip(1)
        .all(|r| r[server] == "EXCH01" || r[server] == "EXCH02"));
    assert!(rows.iter().skip(1).any(|r| r[site] == "W3SVC2"));
}

#[test]
fn output_is_identical_for_any_thread_count_and_chunk_size() {
    let base = tempfile::tempdir().unwrap();
    analyze_to(base.path(), &iis_samples(), &["--threads", "1"]);
    for extra in [
        &["--threads", "4"][..],
        &["--chunk-size", "64", "--threads", "3"],
        &["--chunk-size", "1", "--threads", "2"],
    ] {
        let other = tempfile::tempdir().unwrap();
        let (code, _) = analyze_to(other.path(), &iis_samples(), extra);
        assert_eq!(code, 0, "{extra:?}");
        for f in [
            "findings.csv",
            "summary.csv",
            "inventory.csv",
            "rejected.txt",
        ] {
            let a = fs::read(base.path().join(f)).unwrap();
            let b = fs::read(other.path().join(f)).unwrap();
            assert!(a == b, "{f} differs with {extra:?}");
        }
    }
}

#[test]
fn csv_format_prints_the_findings_csv() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &iis_samples(), &[]);
    let stdout = fbscope()
        .arg("analyze")
        .args(iis_samples())
        .args(["--format", "csv", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(
        stdout.stdout,
        fs::read(out.path().join("findings.csv")).unwrap()
    );
}

#[test]
fn json_document_has_the_schema_fields() {
    let output = fbscope()
        .arg("analyze")
        .args(iis_samples())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    // 58 IIS/HTTPERR findings, 5 HttpProxy ones (in categories the IIS lines have too).
    assert_eq!(doc["totals"]["findings"], 63);
    let cats = doc["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 8);
    for c in cats {
        for k in [
            "id",
            "findings",
            "iis_findings",
            "event_findings",
            "first_seen_utc",
            "last_seen_utc",
            "servers",
        ] {
            assert!(c.get(k).is_some(), "{k} in {c}");
        }
    }
    // Four IIS/HTTPERR logs, EXCH01's HttpProxy log and EXCH02's virtual-directory export.
    assert_eq!(doc["inventory"].as_array().unwrap().len(), 6);
    assert!(doc["problems"].is_array());
}

#[test]
fn time_and_server_filters_narrow_the_findings() {
    let output = fbscope()
        .arg("analyze")
        .args(iis_samples())
        .args([
            "--format",
            "json",
            "--since",
            "2026-03-02T09:00:00Z",
            "--until",
            "2026-03-02 09:40:00",
            "--server",
            "exch01",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let n = doc["totals"]["findings"].as_u64().unwrap();
    assert!(n > 0 && n < 58, "{n}");
    assert!(doc["totals"]["filtered"].as_u64().unwrap() > 0);
    for c in doc["categories"].as_array().unwrap() {
        assert_eq!(c["servers"], serde_json::json!(["EXCH01"]));
        assert!(c["first_seen_utc"].as_str().unwrap() >= "2026-03-02T09:00:00Z");
        assert!(c["last_seen_utc"].as_str().unwrap() <= "2026-03-02T09:40:00Z");
    }
}

#[test]
fn fail_on_findings_exits_one_and_missing_input_exits_two() {
    fbscope()
        .arg("analyze")
        .args(iis_samples())
        .args(["--quiet", "--fail-on-findings"])
        .assert()
        .code(1);
    let out = fbscope()
        .args(["analyze", "no/such/dir", "--quiet"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr, "fbscope: error: no/such/dir: does not exist\n");
    let empty = tempfile::tempdir().unwrap();
    fbscope().arg("analyze").arg(empty.path()).assert().code(2);
    fbscope()
        .args(["analyze", "samples", "--since", "yesterday"])
        .assert()
        .code(2);
}

#[test]
fn gzip_and_zip_bundles_give_the_same_findings() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("bundle.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for rel in [
        "EXCH01/W3SVC1/u_ex260302.log",
        "EXCH01/W3SVC2/u_ex260302.log",
        "EXCH02/HTTPERR/httperr1.log",
    ] {
        zip.start_file(rel, opts).unwrap();
        zip.write_all(&fs::read(root().join("samples").join(rel)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    let gz_dir = dir.path().join("EXCH02/W3SVC1");
    fs::create_dir_all(&gz_dir).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(gz_dir.join("u_ex260302.log.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&fs::read(root().join("samples/EXCH02/W3SVC1/u_ex260302.log")).unwrap())
        .unwrap();
    gz.finish().unwrap();

    let output = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["totals"]["findings"], 58);
    let files: Vec<&str> = doc["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("bundle.zip!EXCH01/W3SVC1/u_ex260302.log")),
        "{files:?}"
    );
    let servers: Vec<&str> = doc["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["server"].as_str().unwrap())
        .collect();
    assert!(
        servers.iter().all(|s| *s == "EXCH01" || *s == "EXCH02"),
        "{servers:?}"
    );
}

#[test]
fn truncated_gzip_is_a_named_failure_and_the_run_goes_on() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&fs::read(root().join("samples/EXCH01/W3SVC1/u_ex260302.log")).unwrap())
        .unwrap();
    let bytes = gz.finish().unwrap();
    fs::write(dir.path().join("cut.log.gz"), &bytes[..bytes.len() / 2]).unwrap();
    fs::copy(
        root().join("samples/EXCH02/HTTPERR/httperr1.log"),
        dir.path().join("httperr1.log"),
    )
    .unwrap();
    let output = fbscope()
        .arg("analyze")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["input"].as_str().unwrap().ends_with("cut.log.gz")
                && p["severity"] == "failed"),
        "{problems:?}"
    );
    assert!(
        doc["totals"]["findings"].as_u64().unwrap() >= 8,
        "the other file was still read"
    );
}

#[test]
fn formula_injection_in_log_fields_is_neutralized() {
    let dir = tempfile::tempdir().unwrap();
    let log = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n\
2026-03-02 09:00:00 10.0.0.1 POST /EWS/Exchange.asmx/WSSecurity - 443 =cmd|'/c+calc'!A1 1.2.3.4 @SUM(1+1) - 401 0 0 1\n";
    fs::write(dir.path().join("u_ex1.log"), log).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &[dir.path().display().to_string()], &[]);
    assert_eq!(code, 0);
    let rows = read_csv(&out.path().join("findings.csv"));
    let ua = &rows[1][col(&rows[0], "user_agent")];
    assert_eq!(ua, "'@SUM(1 1)");
}

#[test]
fn a_byte_order_mark_before_the_directives_changes_nothing() {
    use std::io::Write;
    let sample = fs::read(root().join("samples/EXCH01/W3SVC1/u_ex260302.log")).unwrap();
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(&sample);
    let json_of = |dir: &Path| {
        let output = fbscope()
            .arg("analyze")
            .arg(dir)
            .args(["--format", "json", "--chunk-size", "64"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let plain = tempfile::tempdir().unwrap();
    fs::write(plain.path().join("u_ex260302.log"), &sample).unwrap();
    let bom = tempfile::tempdir().unwrap();
    fs::write(bom.path().join("u_ex260302.log"), &with_bom).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(bom.path().join("u_ex260303.log.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&with_bom).unwrap();
    gz.finish().unwrap();

    let expected = json_of(plain.path());
    let got = json_of(bom.path());
    let per_file = |doc: &serde_json::Value, key: &str| -> Vec<u64> {
        doc["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[key].as_u64().unwrap())
            .collect()
    };
    for key in ["findings", "rejected", "directives", "records"] {
        let want = per_file(&expected, key)[0];
        assert_eq!(per_file(&got, key), vec![want, want], "{key}");
    }
    assert!(per_file(&expected, "findings")[0] > 0);
}

#[test]
fn a_file_named_twice_is_read_once_and_the_repeat_is_noted() {
    let json_of = |args: &[String]| {
        let output = fbscope()
            .arg("analyze")
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let dir = root().join("samples/EXCH01").display().to_string();
    let file = root()
        .join("samples/EXCH01/W3SVC1/u_ex260302.log")
        .display()
        .to_string();
    let once = json_of(std::slice::from_ref(&dir));
    let twice = json_of(&[dir.clone(), file.clone(), dir]);
    assert_eq!(twice["totals"], once["totals"]);
    assert_eq!(twice["inventory"], once["inventory"]);
    let notes: Vec<String> = twice["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        notes.iter().filter(|m| m.contains("read once")).count(),
        1 + once["inventory"].as_array().unwrap().len(),
        "{notes:?}"
    );
}

#[test]
fn local_time_fields_pair_only_with_each_other_and_are_noted() {
    let dir = tempfile::tempdir().unwrap();
    // #Date is UTC and already the next day; the record's local date is what counts.
    let log = "#Software: Microsoft Internet Information Services 10.0\n#Date: 2026-03-03 00:00:00\n\
#Fields: date-local time-local s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n\
2026-03-02 23:30:00 10.0.0.1 POST /EWS/Exchange.asmx/WSSecurity - 443 - 1.2.3.4 ASProxy/CrossForest - 401 0 0 1\n";
    fs::write(dir.path().join("u_ex1.log"), log).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, stdout) = analyze_to(out.path(), &[dir.path().display().to_string()], &[]);
    assert_eq!(code, 0);
    let rows = read_csv(&out.path().join("findings.csv"));
    assert_eq!(rows[1][col(&rows[0], "time_utc")], "2026-03-02T23:30:00Z");
    let inventory = read_csv(&out.path().join("inventory.csv"));
    let notes = &inventory[1][col(&inventory[0], "notes")];
    assert!(
        notes.contains("local times from line 4: server-local date-local/time-local read as UTC"),
        "{notes}"
    );
    assert!(stdout.contains("local times from line 4"), "{stdout}");
}

#[test]
fn an_over_long_line_is_rejected_with_its_whole_length_from_files_and_streams() {
    use std::io::Write;
    let mut log = fs::read(root().join("samples/EXCH01/W3SVC1/u_ex260302.log")).unwrap();
    let long = 3 * (1 << 20) + 5;
    log.extend(std::iter::repeat_n(b'A', long));
    log.extend_from_slice(b"\r\n");
    // Then a short line and one exactly at the limit: both bad records, neither too long.
    log.extend(std::iter::repeat_n(b'a', 65534));
    log.push(b'\n');
    log.extend(std::iter::repeat_n(b'y', 1 << 20));
    log.push(b'\n');
    log.extend_from_slice(&fs::read(root().join("samples/EXCH01/W3SVC1/u_ex260302.log")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("u_ex1.log"), &log).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(dir.path().join("u_ex2.log.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(&log).unwrap();
    gz.finish().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(
        out.path(),
        &[dir.path().display().to_string()],
        &["--chunk-size", "65536"],
    );
    assert_eq!(code, 0);
    let rejected = fs::read_to_string(out.path().join("rejected.txt")).unwrap();
    let reason = format!("line of {long} bytes exceeds the 1048576 byte limit");
    assert_eq!(
        rejected.matches(&reason).count(),
        2,
        "{}",
        &rejected[..rejected.len().min(2000)]
    );
    let inventory = read_csv(&out.path().join("inventory.csv"));
    let sample = tempfile::tempdir().unwrap();
    let (_, _) = analyze_to(
        sample.path(),
        &[root()
            .join("samples/EXCH01/W3SVC1/u_ex260302.log")
            .display()
            .to_string()],
        &[],
    );
    let once = read_csv(&sample.path().join("inventory.csv"));
    for key in ["findings", "records", "rejected"] {
        let (c, one) = (col(&inventory[0], key), col(&once[0], key));
        let single: u64 = once[1][one].parse().unwrap();
        let extra = if key == "rejected" { 3 } else { 0 };
        for row in &inventory[1..] {
            assert_eq!(row[c].parse::<u64>().unwrap(), 2 * single + extra, "{key}");
        }
    }
}

#[test]
fn severity_colours_only_when_asked_and_never_in_files() {
    let run = |extra: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let (code, stdout) = analyze_to(out.path(), &iis_samples(), extra);
        assert_eq!(code, 0);
        let file = fs::read_to_string(out.path().join("summary.txt")).unwrap();
        (stdout, file)
    };
    // The tests' stdout is a pipe: auto means no colour.
    for extra in [&[][..], &["--color", "auto"], &["--color", "never"]] {
        let (stdout, _) = run(extra);
        assert!(!stdout.contains('\x1b'), "{extra:?}: {stdout}");
    }
    let (coloured, file) = run(&["--color", "always"]);
    assert!(coloured.contains("\x1b[31m[error]\x1b[0m") || coloured.contains("[critical]\x1b[0m"));
    assert!(!file.contains('\x1b'), "summary.txt stays plain");
    let plain: String = coloured
        .split('\x1b')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                &part[part.find('m').unwrap() + 1..]
            }
        })
        .collect();
    assert_eq!(plain, file, "colour adds styles, nothing else");
    let csv = fbscope()
        .arg("analyze")
        .args(iis_samples())
        .args(["--format", "csv", "--color", "always"])
        .output()
        .unwrap();
    assert!(
        !csv.stdout.contains(&0x1b),
        "the findings CSV is never coloured"
    );
    assert!(csv.stderr.contains(&0x1b), "the summary on stderr is");
}

#[test]
fn csv_bom_starts_every_csv_report_with_one_utf8_bom_and_changes_nothing_else() {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    const CSVS: [&str; 6] = [
        "findings.csv",
        "incidents.csv",
        "timeline.csv",
        "coverage.csv",
        "summary.csv",
        "inventory.csv",
    ];
    let samples = vec![root().join("samples").display().to_string()];
    let (plain, marked) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    analyze_to(plain.path(), &samples, &[]);
    let (code, _) = analyze_to(marked.path(), &samples, &["--csv-bom"]);
    assert_eq!(code, 0);
    for name in CSVS {
        let without = fs::read(plain.path().join(name)).unwrap();
        let with = fs::read(marked.path().join(name)).unwrap();
        assert!(!without.starts_with(BOM), "{name}: no BOM by default");
        assert_eq!(with.strip_prefix(BOM), Some(&without[..]), "{name}");
    }
    // Non-ASCII text (here the ellipsis of an incident's shortened example) is UTF-8 after
    // the mark.
    let incidents = fs::read(marked.path().join("incidents.csv")).unwrap();
    assert!(String::from_utf8(incidents).unwrap().contains('…'));
    for name in ["findings.jsonl", "summary.txt", "report.html", "run.json"] {
        let bytes = fs::read(marked.path().join(name)).unwrap();
        assert!(!bytes.starts_with(BOM), "{name} is not a CSV");
    }
    let stdout = fbscope()
        .arg("analyze")
        .args(&samples)
        .args(["--format", "csv", "--csv-bom", "--quiet"])
        .output()
        .unwrap()
        .stdout;
    assert!(stdout.starts_with(b"\"time_utc\""), "no BOM into a pipe");
}

/// One server spelled three ways — its folder (`exch01`), its IIS `s-computername`
/// (`EXCH01`) and its events' `Computer` (`Exch01.contoso.com`) — is one server everywhere:
/// in findings.csv, in the category table, in coverage, and for `--server` given as an
/// FQDN. Before `host::HostId` the findings named `exch01`, `EXCH01` and `Exch01` and
/// `--server exch01.contoso.com` matched nothing.
#[test]
fn one_server_spelled_three_ways_is_one_server() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("exch01/W3SVC1");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(
        web.join("u_ex260302.log"),
        "#Fields: date time s-computername cs-uri-stem cs(User-Agent) sc-status\n\
         2026-03-02 09:00:00 EXCH01 /EWS/Exchange.asmx/WSSecurity ASProxy/CrossForest 401\n",
    )
    .unwrap();
    std::fs::write(
        web.join("u_ex260303.log"),
        "#Fields: date time cs-uri-stem cs(User-Agent) sc-status\n\
         2026-03-03 09:00:00 /EWS/Exchange.asmx/WSSecurity ASProxy/CrossForest 401\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("exch01/Application.xml"),
        "<Events><Event><System><Provider Name='MSExchange Availability'/><EventID>4002</EventID>\
         <TimeCreated SystemTime='2026-03-02T09:00:05.000Z'/><Computer>Exch01.contoso.com</Computer>\
         </System><EventData><Data>Process 1: ProxyWebRequest CrossForest from S-1 to \
         https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. \
         The exception returned is System.Net.WebException: The remote server returned an error: \
         (401) Unauthorized.</Data></EventData></Event></Events>",
    )
    .unwrap();
    let input = [dir.path().to_string_lossy().into_owned()];
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &input, &[]);
    assert_eq!(code, 0);
    let rows = read_csv(&out.path().join("findings.csv"));
    let server = col(&rows[0], "server");
    let servers: std::collections::BTreeSet<&str> =
        rows[1..].iter().map(|r| r[server].as_str()).collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(servers, ["EXCH01"].into(), "{rows:?}");
    let coverage = std::fs::read_to_string(out.path().join("coverage.csv")).unwrap();
    assert!(!coverage.contains("exch01"), "{coverage}");
    let doc: serde_json::Value = serde_json::from_slice(
        &fbscope()
            .arg("analyze")
            .args(&input)
            .args(["--format", "json", "--server", "exch01.contoso.com"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(doc["totals"]["findings"], 3, "{doc:#}");
    for c in doc["categories"].as_array().unwrap() {
        assert_eq!(c["servers"], serde_json::json!(["EXCH01"]), "{c:#}");
    }
}

/// A loose log (its path names no server) whose lines carry `s-computername`: its coverage
/// belongs to that server, so a requester's failure can be judged against it (before, it was
/// listed under an empty server and covered no responder).
#[test]
fn a_loose_log_is_the_server_its_lines_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("u_ex260302.log"),
        "#Software: Microsoft Internet Information Services 10.0\r\n\
         #Fields: date time s-computername cs-method cs-uri-stem c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status\r\n\
         2026-03-02 09:00:01 EX01 GET /owa/ 10.0.0.5 Mozilla/5.0 200 0 0\r\n\
         2026-03-02 09:10:00 EX01 POST /EWS/Exchange.asmx/WSSecurity 40.92.4.77 ASProxy/CrossForest 500 0 0\r\n\
         2026-03-02 09:20:00 EX01 GET /owa/ 10.0.0.5 Mozilla/5.0 200 0 0\r\n",
    )
    .unwrap();
    let input = [dir
        .path()
        .join("u_ex260302.log")
        .to_string_lossy()
        .into_owned()];
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &input, &[]);
    assert_eq!(code, 0);
    let rows = read_csv(&out.path().join("coverage.csv"));
    let server = col(&rows[0], "server");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][server], "EX01", "{rows:?}");
    let inventory = read_csv(&out.path().join("inventory.csv"));
    let server = col(&inventory[0], "server");
    assert_eq!(inventory[1][server], "EX01", "{inventory:?}");
}
