//! Recognising event-log exports from their first bytes, strictly: a W3C log, an Exchange
//! CSV log or a random CSV/text file must never be taken for one.

use super::dates::parse_stamp;
use super::evtx::{is_legacy_evt, EVTX_MAGIC};
use super::named::has_event_properties;
use super::pscsv::header_delimiter;
use super::rows::{trim, Row, RowReader};
use super::text::decode_head;
use super::time::DateOrder;
use super::transcript::list_pair;
use super::vocabulary::Vocabulary;
use super::EventFormat;

/// The CLIXML namespace.
const PS_NAMESPACE: &str = "http://schemas.microsoft.com/powershell/2004/04";
/// The Windows event namespace.
const EVENT_NAMESPACE: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// Localized Event Viewer CSV headers, for a header-only export with no row to judge by.
const VIEWER_HEADERS: &[&str] = &[
    "Level,Date and Time,Source,Event ID,Task Category",
    "Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie",
    "Niveau,Date et heure,Source,ID de l’événement,Catégorie de la tâche",
    "レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ",
];

/// Detects the format; see [`super::sniff`].
pub fn sniff(head: &[u8], display: &str, vocabulary: &Vocabulary) -> Option<EventFormat> {
    if head.starts_with(EVTX_MAGIC) || is_legacy_evt(head) {
        return Some(EventFormat::Evtx);
    }
    let text = decode_head(head);
    // A run of NULs at the end is a copy cut short by a crash or a preallocated file: the
    // text before it decides (the parsers reject the NUL region line by line). NULs
    // inside the text mean it is not text.
    let text = text.trim_end_matches('\0');
    if text.contains('\0') {
        return None;
    }
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('<') {
        return sniff_xml(body);
    }
    if is_w3c(body) {
        return None;
    }
    sniff_powershell_csv(body)
        .or_else(|| sniff_viewer(body, display))
        .or_else(|| sniff_general(body))
        .or_else(|| sniff_transcript(body, vocabulary))
}

fn sniff_xml(body: &str) -> Option<EventFormat> {
    if body.contains("<Objs") && body.contains(PS_NAMESPACE) {
        let eventish = ["EventLogEntry", "EventLogRecord", "EventRecord"]
            .iter()
            .any(|t| body.contains(t));
        return eventish.then_some(EventFormat::Clixml);
    }
    let has_event = body.match_indices("<Event").any(|(i, _)| {
        matches!(
            body.as_bytes().get(i + 6),
            Some(b' ' | b'>' | b'\r' | b'\n' | b'\t')
        )
    });
    (has_event && (body.contains(EVENT_NAMESPACE) || body.contains("<System>")))
        .then_some(EventFormat::ViewerXml)
}

fn is_w3c(body: &str) -> bool {
    ["#Software:", "#Fields:", "#Version:", "#Date:"]
        .iter()
        .any(|d| body.lines().take(4).any(|l| l.starts_with(d)))
}

/// `#TYPE ...EventLogRecord` / `...EventLogEntry`, or a quoted header naming event properties.
fn sniff_powershell_csv(body: &str) -> Option<EventFormat> {
    let mut lines = body.lines().filter(|l| !l.trim().is_empty());
    let mut first = lines.next()?;
    if let Some(t) = first.strip_prefix("#TYPE") {
        if !t.contains("EventLog") && !t.contains("EventRecord") {
            return None;
        }
        first = lines.next()?;
    }
    if !first.starts_with('"') {
        return None;
    }
    let delim = header_delimiter(first.as_bytes());
    let mut rows = RowReader::new(first.as_bytes(), delim);
    rows.next_row(&|_| true).ok()??;
    let names: Vec<String> = (0..rows.len()).map(|i| rows.text(i)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    (names.len() >= 3 && has_event_properties(&names)).then_some(EventFormat::PowerShellCsv)
}

/// Five header cells, then (if the head has one) a row with a numeric Event ID.
fn sniff_viewer(body: &str, display: &str) -> Option<EventFormat> {
    let first = body.lines().next()?;
    let delim = if first.matches('\t').count() == 4 {
        b'\t'
    } else if first.matches(',').count() == 4 {
        b','
    } else {
        return None;
    };
    let format = if delim == b'\t' {
        EventFormat::ViewerTxt
    } else {
        EventFormat::ViewerCsv
    };
    let mut rows = RowReader::new(body.as_bytes(), delim);
    let Ok(Some(Row::Fields { .. })) = rows.next_row(&|_| true) else {
        return None;
    };
    let header_ok = rows.len() == 5
        && (0..5).all(|i| {
            let f = trim(rows.field(i).unwrap_or_default());
            !f.is_empty() && !f.iter().all(u8::is_ascii_digit)
        });
    if !header_ok {
        return None;
    }
    let header_line = first.trim_end().replace('\t', ",");
    loop {
        match rows.next_row(&|_| true) {
            Ok(Some(Row::Blank { .. })) => continue,
            Ok(Some(Row::Fields { .. })) => {
                let id = trim(rows.field(3).unwrap_or_default());
                let numeric = !id.is_empty() && id.iter().all(u8::is_ascii_digit);
                return (rows.len() >= 5 && numeric && is_date_time(&rows.text(1)))
                    .then_some(format);
            }
            // A head cut inside the first row's message: judge the row by its first line.
            Ok(Some(Row::Broken { .. })) => {
                let line = rows.raw();
                return super::viewer::starts_row(line, delim).then_some(format);
            }
            _ => break,
        }
    }
    // Header only: accept a known header, or the shape with a telling file name.
    let known = VIEWER_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&header_line));
    let lower = display.to_ascii_lowercase();
    let named =
        (delim == b',' && lower.ends_with(".csv")) || (delim == b'\t' && lower.ends_with(".txt"));
    (known || named && header_line.to_ascii_lowercase().contains("event")).then_some(format)
}

/// A date with a time of day, in either day/month order.
fn is_date_time(s: &str) -> bool {
    [DateOrder::Mdy, DateOrder::Dmy]
        .into_iter()
        .any(|o| parse_stamp(s, o).is_some())
}

/// `Log Name:` and `Event ID:` lines near the top.
fn sniff_general(body: &str) -> Option<EventFormat> {
    let starts = |l: &str, k: &str| {
        l.trim_start()
            .get(..k.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(k))
    };
    let lines: Vec<&str> = body.lines().take(400).collect();
    let log_name = lines.iter().any(|l| starts(l, "Log Name:"));
    let event_id = lines.iter().any(|l| starts(l, "Event ID:"));
    (log_name && event_id).then_some(EventFormat::GeneralText)
}

/// Test-* output: a step block (`Id : X` with a cmdlet's level and message keys, such as
/// `Type`/`Message`), a step table, or `RESULT:` lines in a file that names a cmdlet.
fn sniff_transcript(body: &str, vocabulary: &Vocabulary) -> Option<EventFormat> {
    let lines: Vec<&str> = body.lines().take(2000).collect();
    let named = lines
        .iter()
        .any(|l| vocabulary.cmdlet_in(l.as_bytes()).is_some());
    let key = |is: &dyn Fn(&str) -> bool| {
        lines
            .iter()
            .any(|l| list_pair(l).is_some_and(|(key, _)| is(key)))
    };
    let list = key(&|k| k.eq_ignore_ascii_case("Id"))
        && key(&|k| vocabulary.is_level_key(k))
        && key(&|k| vocabulary.is_message_key(k));
    let table = lines.windows(2).any(|w| {
        let h = w[0].split_whitespace().collect::<Vec<_>>();
        h.first() == Some(&"Id")
            && h.iter().any(|c| vocabulary.is_level_key(c))
            && w[1].trim_start().starts_with("--")
    });
    let results = lines.iter().any(|l| l.trim_start().starts_with("RESULT:"));
    (list || table || results && named).then_some(EventFormat::Transcript)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::eventlog::testing::vocabulary;

    fn sniff(head: &[u8], display: &str) -> Option<EventFormat> {
        super::sniff(head, display, &vocabulary())
    }

    fn utf16le(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        v
    }

    #[test]
    fn recognises_each_format() {
        assert_eq!(sniff(b"ElfFile\0\0\0", "x"), Some(EventFormat::Evtx));
        let mut evt = vec![0x30, 0, 0, 0];
        evt.extend_from_slice(b"LfLe");
        assert_eq!(sniff(&evt, "SysEvent.Evt"), Some(EventFormat::Evtx));
        let csv = "Level,Date and Time,Source,Event ID,Task Category\r\nError,10/7/2016 6:38:24 PM,MSExchange Availability,4002,Availability Service,\"Process 1:\r\nmore\"\r\n";
        assert_eq!(sniff(csv.as_bytes(), "a.csv"), Some(EventFormat::ViewerCsv));
        let de = "\u{feff}Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\nFehler,07.10.2016 18:38:24,MSExchange Availability,4002,Verfügbarkeitsdienst,\"x\"\n";
        assert_eq!(sniff(de.as_bytes(), "a"), Some(EventFormat::ViewerCsv));
        let fr = "Niveau,Date et heure,Source,ID de l’événement,Catégorie de la tâche\r\nErreur,07/10/2016 18:38:24,MSExchange Availability,4002,Service de disponibilité,\"x\"\r\n";
        assert_eq!(sniff(fr.as_bytes(), "a.csv"), Some(EventFormat::ViewerCsv));
        let ja = "レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ\r\nエラー,2016/10/07 18:38:24,MSExchange Availability,4002,Availability Service,\"x\"\r\n";
        assert_eq!(sniff(ja.as_bytes(), "a.csv"), Some(EventFormat::ViewerCsv));
        let header_only = "Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\r\n";
        assert_eq!(
            sniff(header_only.as_bytes(), "x"),
            Some(EventFormat::ViewerCsv)
        );
        let txt = utf16le("Level\tDate and Time\tSource\tEvent ID\tTask Category\r\nError\t10/7/2016 6:38:24 PM\tMSExchange Availability\t4002\tAvailability Service\tx\r\n");
        assert_eq!(sniff(&txt, "a.txt"), Some(EventFormat::ViewerTxt));
        let ps = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n\"Message\",\"Id\",\"ProviderName\",\"TimeCreated\"\n";
        assert_eq!(
            sniff(ps.as_bytes(), "a.csv"),
            Some(EventFormat::PowerShellCsv)
        );
        let ps7 = "\"EventID\";\"MachineName\";\"Source\";\"Message\"\n";
        assert_eq!(
            sniff(ps7.as_bytes(), "a.csv"),
            Some(EventFormat::PowerShellCsv)
        );
        let xml = "<?xml version=\"1.0\"?><Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>";
        assert_eq!(sniff(xml.as_bytes(), "a.xml"), Some(EventFormat::ViewerXml));
        let cli = "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n  <Obj RefId=\"0\">\r\n    <TN RefId=\"0\">\r\n      <T>System.Diagnostics.EventLogEntry#Application/MSExchange Availability/3221491618</T>";
        assert_eq!(
            sniff(cli.as_bytes(), "EX01_Application.xml"),
            Some(EventFormat::Clixml)
        );
        let general = "Log Name:      Application\r\nSource:        MSExchange Availability\r\nDate:          10/7/2016 6:38:24 PM\r\nEvent ID:      4002\r\n";
        assert_eq!(
            sniff(general.as_bytes(), "t.txt"),
            Some(EventFormat::GeneralText)
        );
        let tr = "RunspaceId : 1\nId         : TokenValidation\nType       : Error\nMessage    : Failed to validate delegation token.\n";
        assert_eq!(sniff(tr.as_bytes(), "t.txt"), Some(EventFormat::Transcript));
    }

    #[test]
    fn leaves_other_files_alone() {
        let w3c = "#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip\r\n";
        assert_eq!(sniff(w3c.as_bytes(), "u_ex1.log"), None);
        assert_eq!(sniff(b"a,b,c\n1,2,3\n", "x.csv"), None);
        assert_eq!(
            sniff(
                b"name,size,owner,group,mode\nfoo,12,root,root,644\n",
                "ls.csv"
            ),
            None
        );
        assert_eq!(sniff(b"hello world\n", "x.txt"), None);
        let dated = "name,date,city,count,category\nfoo,2020-01-01,x,5,y\n";
        assert_eq!(sniff(dated.as_bytes(), "sales.csv"), None);
        assert_eq!(sniff(b"", "x"), None);
        assert_eq!(sniff(b"<html><body>Event</body></html>", "x.xml"), None);
        assert_eq!(sniff(b"<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><Obj><S>x</S></Obj></Objs>", "x.xml"), None);
        assert_eq!(
            sniff(b"#TYPE System.IO.FileInfo\n\"Name\",\"Length\"\n", "x.csv"),
            None
        );
        assert_eq!(sniff(b"\x00\x01\x02\x03binary", "x"), None);
    }
}
