//! CLI tests of event-log evidence: the event samples analysed with the IIS samples, the
//! `explain` command, `grammars check`, and the shared event corpus when present.

use std::collections::BTreeMap;
use std::fs;

use crate::util::*;

/// Event findings per category in samples/FABRIKAM-EX01 + FABRIKAM-EX02, counted when the
/// samples were written (samples/README.md): every taxonomy id with an event signature, and
/// one unclassified 4002 (an HTTP 500, which no event rule names).
const EXPECTED_EVENTS: [(&str, usize); 19] = [
    ("oauth-auth", 1),
    ("sts-delegation-token", 2),
    ("federation-cert", 2),
    ("token-processing", 2),
    ("security-verification", 1),
    ("tls-trust", 1),
    ("tls-handshake", 1),
    ("dns-resolution", 1),
    ("connect-failure", 1),
    ("connection-reset", 1),
    ("timeout", 2),
    ("ews-forbidden", 1),
    ("service-unavailable", 2),
    ("perimeter-interference", 1),
    ("wssecurity-4xx", 7),
    ("autodiscover-failed", 1),
    ("orgrel-config", 3),
    ("clock-skew", 1),
    ("unclassified", 1),
];

const TLS_4002: &str = "Process 7420[w3wp.exe:/LM/W3SVC/2/ROOT/EWS-1-1]: ProxyWebRequest FederatedCrossForest from S-1-5-21-2847361054-1139624987-3954610227-1147 to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: Proxy web request failed. ---> System.Net.WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel. ---> System.Security.Authentication.AuthenticationException: The remote certificate is invalid according to the validation procedure.";

fn samples() -> Vec<String> {
    vec![root().join("samples").display().to_string()]
}

fn by_source(rows: &[Vec<String>], event: bool) -> BTreeMap<String, usize> {
    let (cat, src) = (col(&rows[0], "category"), col(&rows[0], "source"));
    let mut m = BTreeMap::new();
    for r in rows
        .iter()
        .skip(1)
        .filter(|r| (r[src] == "eventlog") == event)
    {
        *m.entry(r[cat].clone()).or_insert(0) += 1;
    }
    m
}

#[test]
fn samples_list_iis_and_event_findings_together() {
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &samples(), &["--event-tz", "+01:00"]);
    assert_eq!(code, 0);
    let rows = read_csv(&out.path().join("findings.csv"));
    let events = by_source(&rows, true);
    let expected: BTreeMap<String, usize> = EXPECTED_EVENTS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    assert_eq!(events, expected);
    let src = col(&rows[0], "source");
    let web = rows[1..]
        .iter()
        .filter(|r| r[src] == "iis" || r[src] == "httperr");
    assert_eq!(web.count(), 58);
    // The token-processing event at 08:31:44 has no responder line while both responders'
    // logs cover the window: the correlator raises one perimeter-interference finding.
    let raised: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| r[src] == "correlation")
        .collect();
    assert_eq!(raised.len(), 1);
    assert_eq!(
        raised[0][col(&rows[0], "category")],
        "perimeter-interference"
    );

    let summary = read_csv(&out.path().join("summary.csv"));
    let (cat, web, ev) = (
        col(&summary[0], "category"),
        col(&summary[0], "iis_findings"),
        col(&summary[0], "event_findings"),
    );
    let row = |id: &str| {
        summary
            .iter()
            .find(|r| r[cat] == id)
            .unwrap_or_else(|| panic!("{id} in summary.csv"))
    };
    assert_eq!(
        (
            row("wssecurity-4xx")[web].as_str(),
            row("wssecurity-4xx")[ev].as_str()
        ),
        // 22 IIS lines and 2 HttpProxy rows (web-server evidence), 7 events.
        ("24", "7")
    );
    assert_eq!(row("tls-trust")[ev], "1");
}

#[test]
fn both_sides_of_a_failure_are_visible() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &samples(), &["--event-tz", "+01:00"]);
    let rows = read_csv(&out.path().join("findings.csv"));
    let h = &rows[0];
    let (time, cat, src, stem, server) = (
        col(h, "time_utc"),
        col(h, "category"),
        col(h, "source"),
        col(h, "uri_stem"),
        col(h, "server"),
    );
    let find = |t: &str, source: &str| {
        rows.iter()
            .find(|r| r[time] == t && r[src] == source)
            .unwrap_or_else(|| panic!("a {source} finding at {t}"))
    };
    // FABRIKAM-EX01's 4002 "HTTP status 401" (CSV, local +01:00) ↔ EXCH01's IIS 401.
    let (ev, web) = (
        find("2026-03-02T09:10:15Z", "eventlog"),
        find("2026-03-02T09:10:15Z", "iis"),
    );
    assert_eq!(
        (ev[cat].as_str(), web[cat].as_str()),
        ("wssecurity-4xx", "wssecurity-4xx")
    );
    assert!(ev[stem].eq_ignore_ascii_case(&web[stem]));
    assert_eq!(
        (ev[server].as_str(), web[server].as_str()),
        ("FABRIKAM-EX01", "EXCH01")
    );
    // FABRIKAM-EX01's 4002 "HTTP status 503" ↔ EXCH02's HTTP.sys 503 AppOffline.
    let (ev, web) = (
        find("2026-03-02T13:11:47Z", "eventlog"),
        find("2026-03-02T13:11:47Z", "httperr"),
    );
    assert_eq!(
        (ev[cat].as_str(), web[cat].as_str()),
        ("service-unavailable", "service-unavailable")
    );
    // FABRIKAM-EX02's timeout (XML, UTC) ↔ EXCH01's "200 0 64" connection loss.
    let ev = find("2026-03-02T11:52:18Z", "eventlog");
    assert_eq!(ev[cat], "timeout");
    assert_eq!(find("2026-03-02T11:52:18Z", "iis")[cat], "connection-reset");
}

/// `record_id` is the event's own number: the XML export's `EventRecordID`, the data row of
/// an Event Viewer CSV (the first row under the header is 1); IIS findings have none.
#[test]
fn event_findings_carry_their_record_id() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &samples(), &["--event-tz", "+01:00"]);
    let rows = read_csv(&out.path().join("findings.csv"));
    let h = &rows[0];
    let xml =
        std::fs::read_to_string(root().join("samples/FABRIKAM-EX02/Application.xml")).unwrap();
    let ids: Vec<&str> = xml
        .split("<EventRecordID>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .collect();
    let from = |suffix: &str| {
        rows[1..]
            .iter()
            .filter(|r| r[col(h, "file")].ends_with(suffix))
            .map(|r| r[col(h, "record_id")].clone())
            .collect::<Vec<String>>()
    };
    let xml_ids = from("Application.xml");
    assert!(!xml_ids.is_empty());
    assert!(
        xml_ids.iter().all(|id| ids.contains(&id.as_str())),
        "{xml_ids:?} not in {ids:?}"
    );
    let csv_rows = from("Application.csv");
    assert!(!csv_rows.is_empty());
    assert!(
        csv_rows
            .iter()
            .all(|r| r.parse::<u64>().is_ok_and(|n| n >= 1)),
        "{csv_rows:?}"
    );
    assert!(from("u_ex260302.log").iter().all(String::is_empty));
}

#[test]
fn event_findings_carry_the_request_facts() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &samples(), &["--event-tz", "+01:00"]);
    let rows = read_csv(&out.path().join("findings.csv"));
    let h = &rows[0];
    assert_eq!(
        &h[20..24],
        ["request_type", "caller_auth", "origin_server", "target_url"],
        "columns of the first event release keep their place"
    );
    assert_eq!(
        &h[24..30],
        [
            "severity",
            "time_basis",
            "target_host",
            "partner_domain",
            "time_taken_ms",
            "incident"
        ],
        "the correlation release's columns are appended after them"
    );
    assert_eq!(
        &h[30..],
        ["cafe_req_id", "record_id", "time_utc_precise"],
        "the HttpProxy release's column, then record_id and time_utc_precise, are appended after those"
    );
    let r = rows
        .iter()
        .find(|r| r[col(h, "category")] == "tls-trust")
        .expect("the tls-trust event");
    let get = |name: &str| r[col(h, name)].as_str();
    assert_eq!(get("side"), "requester");
    assert_eq!(get("phase"), "availability");
    assert_eq!(get("event_id"), "4002");
    assert_eq!(get("target"), "mail.contoso.com");
    assert_eq!(get("mailbox"), "jsmith@contoso.com");
    assert_eq!(get("request_type"), "FederatedCrossForest");
    assert_eq!(get("caller_auth"), "WSSecurity");
    assert_eq!(get("origin_server"), "FABRIKAM-EX01");
    assert_eq!(
        get("target_url"),
        "https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity"
    );
    assert_eq!(get("time_utc"), "2026-03-02T08:58:09Z");
    // An Event Viewer CSV export has whole seconds: the precise time is the same.
    assert_eq!(get("time_utc_precise"), "2026-03-02T08:58:09Z");
    assert!(
        get("detail").contains("rule tls-trust"),
        "{}",
        get("detail")
    );
}

/// Sub-second times where the source has them: an XML export's `SystemTime` (here written
/// with 9 digits), HttpProxy's milliseconds; IIS lines have whole seconds. `time_utc` keeps
/// its whole-second form; the findings of one second are ordered by their fraction.
#[test]
fn findings_keep_the_fraction_of_a_second_their_source_logged() {
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &samples(), &["--event-tz", "+01:00"]);
    let rows = read_csv(&out.path().join("findings.csv"));
    let h = &rows[0];
    let (file, time, precise) = (
        col(h, "file"),
        col(h, "time_utc"),
        col(h, "time_utc_precise"),
    );
    let xml = rows
        .iter()
        .find(|r| {
            r[file].ends_with("FABRIKAM-EX02/Application.xml") && r[time] == "2026-03-02T09:13:02Z"
        })
        .expect("the 09:13:02 event of the XML export");
    assert_eq!(xml[precise], "2026-03-02T09:13:02.246914700Z");
    let proxy = rows
        .iter()
        .find(|r| r[file].ends_with(".LOG"))
        .expect("an HttpProxy finding");
    let fraction = proxy[precise].strip_prefix(&proxy[time][..19]).unwrap();
    assert!(
        fraction.len() == 5 && fraction.starts_with('.'),
        "{}",
        proxy[precise]
    );
    assert!(rows[1..]
        .iter()
        .filter(|r| r[file].ends_with("u_ex260302.log"))
        .all(|r| r[precise] == r[time]));
    let jsonl = std::fs::read_to_string(out.path().join("findings.jsonl")).unwrap();
    assert!(jsonl.contains("\"time_utc_precise\":\"2026-03-02T09:13:02.246914700Z\""));
}

#[test]
fn without_event_tz_the_reports_say_times_were_assumed_utc() {
    let out = tempfile::tempdir().unwrap();
    let (code, stdout) = analyze_to(out.path(), &samples(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.matches("event times assumed UTC").count(),
        1,
        "{stdout}"
    );
    let inv = read_csv(&out.path().join("inventory.csv"));
    let (file, notes) = (col(&inv[0], "file"), col(&inv[0], "notes"));
    let csv = inv
        .iter()
        .find(|r| r[file].ends_with("Application.csv"))
        .unwrap();
    assert!(csv[notes].contains("assumed UTC"), "{}", csv[notes]);
    let xml = inv
        .iter()
        .find(|r| r[file].ends_with("Application.xml"))
        .unwrap();
    assert!(!xml[notes].contains("assumed UTC"), "XML carries UTC");
    let rows = read_csv(&out.path().join("findings.csv"));
    let t = col(&rows[0], "time_utc");
    assert!(
        rows.iter().any(|r| r[t] == "2026-03-02T10:10:15Z"),
        "local time read as UTC"
    );
}

#[test]
fn a_zone_per_path_applies_to_the_inputs_under_it() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    analyze_to(a.path(), &samples(), &["--event-tz", "+01:00"]);
    let ex01 = root().join("samples/FABRIKAM-EX01").display().to_string();
    let (code, stdout) = analyze_to(
        b.path(),
        &samples(),
        &["--event-tz", &format!("{ex01}=Europe/Berlin")],
    );
    assert_eq!(code, 0);
    assert!(!stdout.contains("assumed UTC"), "{stdout}");
    assert_eq!(
        fs::read(a.path().join("findings.csv")).unwrap(),
        fs::read(b.path().join("findings.csv")).unwrap()
    );
}

#[test]
fn a_windows_zone_name_reads_like_its_iana_zone() {
    let (iana, windows) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    analyze_to(iana.path(), &samples(), &["--event-tz", "Europe/Berlin"]);
    let ex01 = root().join("samples/FABRIKAM-EX01").display().to_string();
    let (code, stdout) = analyze_to(
        windows.path(),
        &samples(),
        &["--event-tz", &format!("{ex01}=W. Europe Standard Time")],
    );
    assert_eq!(code, 0);
    assert!(!stdout.contains("assumed UTC"), "{stdout}");
    assert_eq!(
        fs::read(iana.path().join("findings.csv")).unwrap(),
        fs::read(windows.path().join("findings.csv")).unwrap()
    );
    let out = fbscope()
        .args(["analyze", "samples", "--event-tz", "Atlantis Standard Time"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a Windows zone name (W. Europe Standard Time)"),
        "{err}"
    );
}

#[test]
fn bad_zones_and_date_orders_are_usage_errors() {
    for args in [
        &["--event-tz", "Mars/Olympus"][..],
        &["--event-tz", "+01:00", "--event-tz", "UTC"],
        &["--date-order", "ymd"],
    ] {
        fbscope()
            .arg("analyze")
            .args(samples())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("fbscope: error:"));
    }
}

#[test]
fn output_is_the_same_for_any_thread_count() {
    let (one, many) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    analyze_to(
        one.path(),
        &samples(),
        &["--event-tz", "+01:00", "--threads", "1"],
    );
    analyze_to(
        many.path(),
        &samples(),
        &[
            "--event-tz",
            "+01:00",
            "--threads",
            "7",
            "--chunk-size",
            "512",
        ],
    );
    for f in [
        "findings.csv",
        "summary.csv",
        "inventory.csv",
        "rejected.txt",
    ] {
        assert_eq!(
            fs::read(one.path().join(f)).unwrap(),
            fs::read(many.path().join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn explain_prints_tls_trust_and_the_root_certificate_fix() {
    let out = fbscope().args(["explain", TLS_4002]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().next(), Some("tls-trust"), "{text}");
    assert!(text.contains("root certificate update"), "{text}");
    assert!(text.contains("innermost exception"), "{text}");
}

#[test]
fn explain_reads_stdin_pastes_and_says_when_nothing_matched() {
    let paste = fs::read(root().join("samples/FABRIKAM-EX01/ticket-INC0042-events.txt")).unwrap();
    let out = fbscope()
        .arg("explain")
        .write_stdin(paste)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().next(), Some("wssecurity-4xx"), "{text}");

    let out = fbscope()
        .args(["explain", "-"])
        .write_stdin("the weather is fine")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("nothing matched"));

    let iis = "2026-03-02 09:44:04 10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity - 443 - 40.92.17.44 ASProxy/CrossForest/EmailDomain//15.02.1544.004 - 500 0 0 26";
    let out = fbscope().args(["explain", iis]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("wssecurity-500\n"));

    let trust =
        fs::read(root().join("samples/FABRIKAM-EX01/Test-OrganizationRelationship.txt")).unwrap();
    let out = fbscope()
        .arg("explain")
        .write_stdin(trust)
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("orgrel-config\n"));
}

#[test]
fn grammars_check_runs_every_event_example() {
    let out = fbscope().args(["grammars", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("examples passed"))
        .unwrap();
    let (passed, rest) = line.split_once('/').unwrap();
    assert!(
        rest.starts_with(&format!("{passed} examples passed")),
        "{line}"
    );
    assert!(line.contains("event rules"), "{line}");
    // Run from the checkout, the real-case corpus is checked too.
    let cases = text.lines().last().unwrap();
    let (passed, rest) = cases.trim_start_matches("cases: ").split_once('/').unwrap();
    assert!(rest.starts_with(&format!("{passed} passed")), "{cases}");
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn the_event_corpus_is_read_whole_with_every_file_in_the_inventory() {
    let (Some(evtx), Some(export)) = (corpus("evtx"), corpus("eventlog-export")) else {
        return;
    };
    let out = fbscope()
        .arg("analyze")
        .arg(&evtx)
        .arg(&export)
        .args(["--format", "json", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inventory = doc["inventory"].as_array().unwrap();
    let files = fs::read_dir(&evtx).unwrap().count() + fs::read_dir(&export).unwrap().count();
    assert_eq!(inventory.len(), files);
    for entry in inventory {
        assert!(entry["rejected"].is_u64(), "{entry}");
        assert_eq!(entry["failed"], false, "{entry}");
    }
}

#[test]
fn an_export_cut_midway_keeps_and_counts_the_events_before_the_cut() {
    use std::io::Write;
    // The sample's events twenty times over: long enough to decode in several reads.
    let xml = fs::read_to_string(root().join("samples/FABRIKAM-EX02/Application.xml")).unwrap();
    let (open, close) = (
        xml.find("<Event ").unwrap(),
        xml.rfind("</Events>").unwrap(),
    );
    let long = [&xml[..close], &xml[open..close].repeat(20), &xml[close..]].concat();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(long.as_bytes()).unwrap();
    let packed = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Cut late enough that some whole events decode before the stream fails.
    let cut = packed.len() * 3 / 4;
    fs::write(dir.path().join("Application.xml.gz"), &packed[..cut]).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &[dir.path().display().to_string()], &[]);
    assert_eq!(code, 2, "a failed input exits 2");
    let rows = read_csv(&out.path().join("findings.csv"));
    let inventory = read_csv(&out.path().join("inventory.csv"));
    let (records, findings) = (
        col(&inventory[0], "records"),
        col(&inventory[0], "findings"),
    );
    assert!(inventory[1][records].parse::<u64>().unwrap() > 0);
    assert_eq!(
        inventory[1][findings].parse::<usize>().unwrap(),
        rows.len() - 1,
        "every finding written is counted in the inventory"
    );
    assert!(rows.len() > 1, "events before the cut were classified");
}

#[test]
fn a_local_time_export_cut_midway_keeps_its_events_and_time_notes() {
    use std::io::Write;
    // Every date in the sample has day and month ≤ 12, so the date-order survey reads on to
    // the cut; it must end there quietly and let the events before the cut be read.
    let csv = fs::read_to_string(root().join("samples/FABRIKAM-EX01/Application.csv")).unwrap();
    let (header, rows) = csv.split_once('\n').unwrap();
    let long = [header, "\n", &rows.repeat(40)].concat();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(long.as_bytes()).unwrap();
    let packed = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Application.csv.gz"),
        &packed[..packed.len() * 3 / 4],
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(out.path(), &[dir.path().display().to_string()], &[]);
    assert_eq!(code, 2);
    let inventory = read_csv(&out.path().join("inventory.csv"));
    let (records, notes) = (col(&inventory[0], "records"), col(&inventory[0], "notes"));
    assert_eq!(inventory[1][col(&inventory[0], "format")], "event-csv");
    assert!(inventory[1][records].parse::<u64>().unwrap() > 100);
    let notes = &inventory[1][notes];
    assert!(notes.contains("read stopped: "), "{notes}");
    assert!(notes.contains("event times assumed UTC"), "{notes}");
    let findings = read_csv(&out.path().join("findings.csv"));
    assert_eq!(
        inventory[1][col(&inventory[0], "findings")],
        (findings.len() - 1).to_string()
    );
}

#[test]
fn findings_jsonl_keeps_the_whole_innermost_exception_of_an_unclassified_event() {
    // FABRIKAM-EX02/Application.xml's unclassified 4002 ends its innermost exception with
    // "The request failed with HTTP status 500: Internal Server Error.", past the 240
    // characters the detail used to keep (it ended "Caller SIDs: WSSecur…").
    let out = tempfile::tempdir().unwrap();
    analyze_to(out.path(), &samples(), &["--event-tz", "+01:00"]);
    let jsonl = std::fs::read_to_string(out.path().join("findings.jsonl")).unwrap();
    let detail = jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| {
            v["file"]
                .as_str()
                .unwrap()
                .ends_with("FABRIKAM-EX02/Application.xml")
                && v["detail"].as_str().unwrap().contains("no rule matched")
        })
        .map(|v| v["detail"].as_str().unwrap().to_owned())
        .expect("the unclassified event of the XML export");
    assert!(
        detail.ends_with("The request failed with HTTP status 500: Internal Server Error."),
        "{detail}"
    );
    assert!(!detail.contains('…'), "{detail}");
    let rows = read_csv(&out.path().join("findings.csv"));
    let h = &rows[0];
    assert!(
        rows.iter().any(|r| r[col(h, "detail")] == detail),
        "a detail shorter than the CSV cell's limit is whole there too"
    );
}

#[test]
fn explain_reads_a_paste_as_the_log_wrote_it_whatever_the_copy_did() {
    // A forum or mail copy: the placeholder's angle brackets as entities, a no-break space
    // between date and time, doubled spaces.
    let iis = "2026-03-02\u{a0}09:44:04  10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity - 443 - &lt;IP Address&gt; ASProxy/CrossForest/EmailDomain//15.02.1544.004 -  500 0 0 26";
    let out = fbscope().args(["explain", iis]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("wssecurity-500\n"), "{text}");
    // A message whose spaces became no-break ones and whose quotes typographic ones.
    let copied = TLS_4002.replace(' ', "\u{a0}").replace('"', "\u{201C}");
    let out = fbscope().args(["explain", &copied]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().next(), Some("tls-trust"), "{text}");
}
