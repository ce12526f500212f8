//! A finding rendered into its `findings.csv` and `findings.jsonl` rows, on whichever thread
//! holds it: the workers render the findings they find (formatting is the costliest step per
//! finding on a failure-heavy day, and there it runs in parallel); the merge renders only
//! the findings of the sources it classifies itself. The position is left out of both rows
//! and spliced in when they are written (see [`Rendered`]).

use crate::finding::Finding;
use crate::grammar::Taxonomy;

use super::csv::FindingRows;
use super::jsonl;
use super::sorted::Rendered;

/// The rows a sink writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKinds {
    /// None: the sink only counts (the table or JSON without `--out`).
    None,
    /// `findings.csv` rows (CSV on standard output without `--out`).
    Csv,
    /// `findings.csv` and `findings.jsonl` rows (`--out`).
    CsvAndJson,
}

/// Renders rows; one per thread (the CSV writer inside is not shared).
pub struct RowRenderer {
    csv: FindingRows,
    json: bool,
}

impl RowRenderer {
    pub fn new(kinds: RowKinds) -> Self {
        RowRenderer {
            csv: FindingRows,
            json: kinds == RowKinds::CsvAndJson,
        }
    }

    pub fn render(&mut self, f: &Finding, file: &str, taxonomy: &Taxonomy) -> Rendered {
        let (csv, csv_split) = self.csv.row(f, file, taxonomy);
        let (json, json_split) = if self.json {
            jsonl::row(f, file, taxonomy)
        } else {
            (Vec::new(), 0)
        };
        Rendered {
            csv: csv.into_boxed_slice(),
            csv_split,
            json: json.into_boxed_slice(),
            json_split,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Phase, Side, SourceKind, TimeBasis};
    use crate::report::{csv, jsonl};

    /// A finding whose text fields hold quotes, commas and the JSON key the splice looks for.
    fn hostile(position: u64) -> Finding {
        let text = |s: &str| s.to_owned();
        Finding {
            time: Some(1_772_443_964),
            subsec: None,
            server: "EXCH01".into(),
            site: text("W3SVC1"),
            source: SourceKind::Iis,
            input: 0,
            position,
            category: crate::grammar::CategoryId(1),
            phase: Phase::Availability,
            side: Side::Responder,
            http_status: Some(401),
            sub_status: Some(0),
            win32_status: Some(0),
            method: text("POST"),
            uri_stem: text("/EWS/Exchange.asmx/WSSecurity"),
            client_ip: text("40.92.17.44"),
            user_agent: text(r#"ASProxy/"x","position":7,"y""#),
            target: text("=cmd,\"a\""),
            event_id: None,
            mailbox: String::new(),
            detail: text("401 0 0; rule iis-401"),
            request_type: String::new(),
            caller_auth: String::new(),
            origin_server: String::new(),
            target_url: String::new(),
            time_basis: TimeBasis::LogUtc,
            target_host: text("mail.contoso.com"),
            partner_domain: String::new(),
            time_taken_ms: Some(15),
            cafe_req_id: None,
            record_id: None,
        }
    }

    /// Rendered without its position and spliced at the merge, a row is the row the cells
    /// give: the CSV parses back to the position in its column, the JSON to the position key.
    #[test]
    fn a_spliced_position_lands_in_its_own_cell_and_key() {
        let g = crate::grammar::Grammar::embedded().expect("shipped grammars load");
        let file = r#"EXCH01/W3SVC1/u_ex"26","position":0,.log"#;
        let mut renderer = RowRenderer::new(RowKinds::CsvAndJson);
        let r = renderer.render(&hostile(0), file, &g.taxonomy);
        let (mut csv_line, mut json_line) = (Vec::new(), Vec::new());
        csv::with_incident(
            (&r.csv, r.csv_split),
            1234,
            Some(3),
            None,
            None,
            None,
            &mut csv_line,
        );
        jsonl::with_incident(
            (&r.json, r.json_split),
            1234,
            Some(3),
            None,
            None,
            None,
            &mut json_line,
        );

        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv_line.as_slice());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(record.len(), csv::FINDINGS_COLUMNS.len());
        let at = |name: &str| {
            csv::FINDINGS_COLUMNS
                .iter()
                .position(|c| *c == name)
                .unwrap()
        };
        assert_eq!(&record[at("position")], "1234");
        assert_eq!(&record[at("file")], file);
        assert_eq!(&record[at("incident")], "3");

        let v: serde_json::Value = serde_json::from_slice(&json_line).unwrap();
        assert_eq!(v["position"], 1234);
        assert_eq!(v["file"], file);
        assert_eq!(v["user_agent"], r#"ASProxy/"x","position":7,"y""#);
        assert_eq!(v["incident"], 3);
    }
}
