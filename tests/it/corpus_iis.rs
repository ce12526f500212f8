//! Third-party IIS/W3C logs from ../shared/corpus/iis (skipped, saying so, when absent):
//! no panic, exit 0, every line in exactly one bucket, and the known traps handled.

use crate::util::*;

fn inventory(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["inventory"].as_array().unwrap().clone()
}

fn entry<'a>(inv: &'a [serde_json::Value], suffix: &str) -> &'a serde_json::Value {
    inv.iter()
        .find(|i| i["file"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} in inventory"))
}

#[test]
#[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
fn corpus_iis_every_line_accounted() {
    let Some(dir) = corpus("iis") else { return };
    let output = fbscope()
        .arg("analyze")
        .arg(&dir)
        .args(["--format", "json", "--threads", "2"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let inv = inventory(&doc);
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(inv.len(), files, "every file is in the inventory");
    for i in &inv {
        let n = |k: &str| i[k].as_u64().unwrap();
        assert_eq!(
            n("lines"),
            n("records") + n("directives") + n("blank") + n("rejected"),
            "{i}"
        );
    }

    // #Fields changes mid-file; the two 15-value lines under the 22-field header are rejected.
    let beats = entry(&inv, "elastic_beats__test.log");
    assert_eq!(
        (beats["records"].as_u64(), beats["rejected"].as_u64()),
        (Some(3), Some(2))
    );
    // HTTPERR is recognised as such.
    assert_eq!(
        entry(&inv, "elastic_beats__error__test.log")["format"],
        "w3c-httperr"
    );
    // Headerless: read with the assumed Exchange default, and said so.
    let headerless = entry(&inv, "elastic_integrations__test-iis10-access.log");
    assert_eq!(headerless["lines"], 8);
    assert!(
        headerless["notes"]
            .to_string()
            .contains("Exchange default field set assumed"),
        "{headerless}"
    );
    // Blank-padded empty values are accepted by the tolerant split, not rejected.
    let edge = entry(&inv, "log2timeline_plaso__iis10_edge_cases.log");
    assert_eq!(
        (edge["records"].as_u64(), edge["rejected"].as_u64()),
        (Some(15), Some(0))
    );
    // Header block repeated 11 times with the same layout.
    let big = entry(&inv, "tstack_lnav__logfile_w3c_big.0");
    assert_eq!(
        (big["records"].as_u64(), big["directives"].as_u64()),
        (Some(210), Some(44))
    );
}
