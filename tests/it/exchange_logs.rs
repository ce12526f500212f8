//! Exchange's own CSV logs: the HttpProxy sample and fixture give their findings (source
//! `httpproxy`, joined to the IIS line of the same request by cafeReqId), and every Exchange
//! CSV log of ../shared/corpus/exchange gets an inventory row with every line accounted for.

use crate::util::*;

fn json_run(inputs: &[String]) -> serde_json::Value {
    let output = fbscope()
        .arg("analyze")
        .args(inputs)
        .args(["--format", "json", "--threads", "2"])
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn entry<'a>(inv: &'a [serde_json::Value], suffix: &str) -> &'a serde_json::Value {
    inv.iter()
        .find(|i| i["file"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} in inventory"))
}

fn assert_balanced(i: &serde_json::Value) {
    let n = |k: &str| i[k].as_u64().unwrap();
    assert_eq!(
        n("lines"),
        n("records") + n("directives") + n("blank") + n("rejected"),
        "{i}"
    );
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn corpus_exchange_logs_are_read_with_every_line_accounted() {
    let Some(dir) = corpus("exchange") else {
        return;
    };
    let doc = json_run(&[dir.display().to_string()]);
    let inv = doc["inventory"].as_array().unwrap().clone();
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(inv.len(), files, "every file is in the inventory");
    for i in &inv {
        assert_balanced(i);
        assert!(i["lines"].as_u64().unwrap() > 0, "{i}");
        assert_eq!(i["rejected"], 0, "{i}");
        let format = i["format"].as_str().unwrap();
        assert!(format.starts_with("exchange-"), "{i}");
    }
    // The header-less HttpProxy line: read with the documented default field set, said so.
    let proxy = entry(&inv, "elastic_integrations__test-httpproxy.log");
    assert_eq!(proxy["format"], "exchange-httpproxy");
    assert_eq!(
        (proxy["records"].as_u64(), proxy["server"].as_str()),
        (Some(1), Some("HOST123")),
        "one spelling per server (host::HostId), as IIS writes s-computername"
    );
    let notes = proxy["notes"].to_string();
    assert!(
        notes.contains(
            "no #Fields before line 1: the documented default HttpProxy field set (74 fields"
        ),
        "{notes}"
    );
    // A Mapi request, not free/busy.
    assert_eq!(proxy["freebusy_requests"], 0);
    // Message tracking with its (corrupt) header: 5 directives, 2 rows, the mismatch noted.
    let tracking = entry(&inv, "Velocidex_velociraptor__exchange.log");
    assert_eq!(tracking["format"], "exchange-csv");
    assert_eq!(
        (
            tracking["directives"].as_u64(),
            tracking["records"].as_u64()
        ),
        (Some(5), Some(2))
    );
    assert!(
        tracking["notes"]
            .to_string()
            .contains("Message Tracking Log"),
        "{tracking}"
    );
    assert!(
        tracking["notes"]
            .to_string()
            .contains("is not the 49 their field set names"),
        "{tracking}"
    );
    // Header-less SMTP/IMAP/POP/tracking rows: counted, the unknown layout said.
    for f in [
        "SmtpRecive.log",
        "imappop_Imap4.log",
        "imappop_Pop3.log",
        "smtp_SmtpSend.log",
        "test-messagetracking.log",
    ] {
        let e = entry(&inv, f);
        assert_eq!(e["format"], "exchange-csv", "{e}");
        assert_eq!(e["records"], e["lines"], "{e}");
        assert!(e["notes"].to_string().contains("layout unknown"), "{e}");
    }
    assert_eq!(doc["totals"]["findings"], 0);
}

#[test]
fn the_samples_httpproxy_log_gives_its_findings_joined_to_iis() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _) = analyze_to(tmp.path(), &iis_samples(), &[]);
    assert!(matches!(code, 0 | 1), "{code}");
    let rows = read_csv(&tmp.path().join("findings.csv"));
    let h = &rows[0];
    let proxy: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| r[col(h, "source")] == "httpproxy")
        .collect();
    let got: Vec<(&str, &str, &str)> = proxy
        .iter()
        .map(|r| {
            (
                r[col(h, "time_utc")].as_str(),
                r[col(h, "category")].as_str(),
                r[col(h, "http_status")].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2026-03-02T09:10:15Z", "wssecurity-4xx", "401"),
            ("2026-03-02T09:13:02Z", "wssecurity-4xx", "401"),
            ("2026-03-02T09:41:12Z", "service-unavailable", "503"),
            ("2026-03-02T09:44:04Z", "wssecurity-500", "500"),
            ("2026-03-02T09:51:37Z", "wssecurity-500", "500"),
        ]
    );
    let iis_lines = [30, 31, 50, 52, 53];
    for (r, line) in proxy.iter().zip(iis_lines) {
        assert!(r[col(h, "file")].ends_with("Logging/HttpProxy/Ews/HttpProxy_2026030209-1.LOG"));
        assert_eq!(r[col(h, "server")], "EXCH01");
        assert_eq!(r[col(h, "side")], "responder");
        assert_eq!(r[col(h, "target")], "EXCH01.contoso.com");
        let detail = &r[col(h, "detail")];
        assert!(
            detail.ends_with(&format!("W3SVC1/u_ex260302.log:{line} (cafeReqId)")),
            "{detail}"
        );
        assert!(
            !detail.contains("   at "),
            "the stack is left out: {detail}"
        );
        // The join key is a column of both rows.
        let id = &r[col(h, "cafe_req_id")];
        assert_eq!(id.len(), 36, "{r:?}");
        let iis = rows[1..]
            .iter()
            .find(|i| i[col(h, "source")] == "iis" && &i[col(h, "cafe_req_id")] == id)
            .expect("the IIS finding of the same request");
        assert_eq!(iis[col(h, "position")], line.to_string());
    }
    let inv = read_csv(&tmp.path().join("inventory.csv"));
    let ih = &inv[0];
    let row = inv
        .iter()
        .find(|r| r[0].ends_with("HttpProxy_2026030209-1.LOG"))
        .expect("inventory row");
    assert_eq!(row[col(ih, "format")], "exchange-httpproxy");
    assert_eq!(
        (
            &row[col(ih, "lines")][..],
            &row[col(ih, "directives")][..],
            &row[col(ih, "findings")][..]
        ),
        ("10", "5", "5")
    );
    assert!(row[col(ih, "notes")].contains("5 findings joined by cafeReqId"));
}

#[test]
fn the_httpproxy_fixture_counts_ok_and_rejected_rows() {
    let fixture = root().join("tests/fixtures/exchange/HttpProxy_2026030214-1.LOG");
    let doc = json_run(&[fixture.display().to_string()]);
    let inv = doc["inventory"].as_array().unwrap();
    let i = &inv[0];
    assert_balanced(i);
    let n = |k: &str| i[k].as_u64().unwrap();
    assert_eq!(
        (
            n("lines"),
            n("records"),
            n("directives"),
            n("blank"),
            n("rejected")
        ),
        (18, 6, 10, 1, 1)
    );
    // Autodiscover 404, the agent's 403 on /EWS/Exchange.asmx, a WSSecurity 500 with an
    // ErrorCode; the agent's 200 is free/busy traffic, Outlook's 401 and the Mapi 500 are not.
    assert_eq!((n("freebusy_requests"), n("findings")), (4, 3));
    let tmp = tempfile::tempdir().unwrap();
    analyze_to(tmp.path(), &[fixture.display().to_string()], &[]);
    let rows = read_csv(&tmp.path().join("findings.csv"));
    let h = &rows[0];
    let cats: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[col(h, "category")].as_str())
        .collect();
    assert_eq!(
        cats,
        ["autodiscover-failed", "ews-forbidden", "wssecurity-500"]
    );
    assert!(rows[3][col(h, "detail")].contains("ErrorCode ProxyNotAuthenticated"));
    let rejected = std::fs::read_to_string(tmp.path().join("rejected.txt")).unwrap();
    assert!(
        rejected.contains("HttpProxy_2026030214-1.LOG:11: not a CSV row: unterminated quote"),
        "{rejected}"
    );
}
