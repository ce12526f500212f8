//! Binary `.evtx` logs, read through the `evtx` crate (never our own parser).
//!
//! Each record is rendered to compact JSON by the crate and read back into the few fields an
//! [`EventRecord`] needs. Records that the crate cannot read (bad chunk header, zeroed record,
//! broken BinXML) are rejected with its reason; every other record is kept, so dirty,
//! truncated or recovered logs give all they can. Legacy `.Evt` logs (XP/2003) are a
//! different format and are refused with a clear reason.

use std::fmt;
use std::io::Read;

use evtx::{EvtxParser, ParserSettings};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::dates::parse_utc;
use super::sink::Sink;
use super::templates;
use crate::input::Input;
use crate::record::EventRecord;

/// Largest archive member or `.gz` read into memory to be parsed (the crate needs to seek).
/// Plain files are read from disk chunk by chunk whatever their size.
pub const MAX_IN_MEMORY_EVTX: u64 = 1 << 30;

/// The magic of an EVTX file.
pub const EVTX_MAGIC: &[u8] = b"ElfFile\0";

/// True for a legacy `.Evt` log: a 0x30-byte header whose signature is `LfLe`.
pub fn is_legacy_evt(head: &[u8]) -> bool {
    head.len() >= 8 && &head[4..8] == b"LfLe" && head[..4] == [0x30, 0, 0, 0]
}

pub const LEGACY_EVT_REASON: &str = "legacy .Evt format (Windows XP/2003) is not supported";

/// Parses an `.evtx` input. Returns the bytes read.
pub fn parse(input: &Input, sink: &mut Sink) -> Result<u64, String> {
    // Built without the crate's rayon feature: one file is one thread; files run in parallel.
    let settings = ParserSettings::new()
        .separate_json_attributes(false)
        .indent(false);
    if let Some(path) = input.plain_path() {
        check_magic(&mut std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?)?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let parser =
            EvtxParser::from_path(path).map_err(|e| format!("not a readable EVTX file: {e}"))?;
        read_records(parser.with_configuration(settings), sink);
        return Ok(size);
    }
    let bytes = read_member(input)?;
    let size = bytes.len() as u64;
    let parser =
        EvtxParser::from_buffer(bytes).map_err(|e| format!("not a readable EVTX file: {e}"))?;
    read_records(parser.with_configuration(settings), sink);
    Ok(size)
}

fn check_magic(r: &mut impl Read) -> Result<(), String> {
    let mut head = [0u8; 8];
    let n = r.read(&mut head).map_err(|e| format!("cannot read: {e}"))?;
    if is_legacy_evt(&head[..n]) {
        return Err(LEGACY_EVT_REASON.into());
    }
    if &head[..n] != EVTX_MAGIC {
        return Err("not an EVTX file (no ElfFile signature)".into());
    }
    Ok(())
}

/// Reads an archive member or `.gz` whole, refusing ones past [`MAX_IN_MEMORY_EVTX`].
fn read_member(input: &Input) -> Result<Vec<u8>, String> {
    let r = input.open().map_err(|e| format!("cannot open: {e}"))?;
    let mut bytes = Vec::new();
    r.take(MAX_IN_MEMORY_EVTX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_IN_MEMORY_EVTX {
        return Err(format!(
            "EVTX inside an archive or .gz is larger than {} MiB: extract it and pass the file",
            MAX_IN_MEMORY_EVTX >> 20
        ));
    }
    check_magic(&mut &bytes[..])?;
    Ok(bytes)
}

/// Reads every record. A panic inside the crate (a bug it has on some hostile file) must not
/// take the run down: it ends this file's reading with a rejection that says so.
fn read_records<T: Read + std::io::Seek>(parser: EvtxParser<T>, sink: &mut Sink) {
    let mut seen = 0u64;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_all(parser, sink, &mut seen)
    }));
    if result.is_err() {
        let reason = format!(
            "the evtx crate failed (panicked) after record {seen}: the rest of the file is not read"
        );
        sink.reject(seen + 1, reason, b"");
    }
}

fn read_all<T: Read + std::io::Seek>(mut parser: EvtxParser<T>, sink: &mut Sink, seen: &mut u64) {
    for (i, item) in parser.records_json_bytes().enumerate() {
        *seen = i as u64;
        let position = i as u64 + 1;
        match item {
            Ok(rec) => match serde_json::from_slice::<Doc>(&rec.data) {
                Ok(doc) => sink.event(doc.into_record(position)),
                Err(e) => sink.reject(
                    position,
                    format!("record {}: unreadable rendering: {e}", rec.event_record_id),
                    &rec.data,
                ),
            },
            Err(e) => sink.reject(position, error_text(&e), b""),
        }
    }
}

/// The crate's error with its causes, on one line.
fn error_text(e: &evtx::err::EvtxError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The rendered record: only what is needed, everything else skipped by serde.
#[derive(Deserialize)]
struct Doc {
    #[serde(rename = "Event")]
    event: Event,
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "System", default)]
    system: Option<System>,
    #[serde(rename = "EventData", default)]
    event_data: Option<Node>,
    #[serde(rename = "UserData", default)]
    user_data: Option<Node>,
}

#[derive(Deserialize, Default)]
struct System {
    #[serde(rename = "Provider", default)]
    provider: Option<Node>,
    #[serde(rename = "EventID", default)]
    event_id: Option<Node>,
    #[serde(rename = "Level", default)]
    level: Option<Node>,
    #[serde(rename = "TimeCreated", default)]
    time_created: Option<Node>,
    #[serde(rename = "Computer", default)]
    computer: Option<Node>,
}

impl Doc {
    fn into_record(self, position: u64) -> EventRecord {
        let sys = self.event.system.unwrap_or_default();
        let provider = sys
            .provider
            .as_ref()
            .and_then(|p| p.attr("Name").or_else(|| p.attr("EventSourceName")))
            .unwrap_or_default();
        let event_id = sys
            .event_id
            .as_ref()
            .and_then(|n| n.text())
            .and_then(|t| t.parse().ok());
        let mut data = Vec::new();
        for node in [&self.event.event_data, &self.event.user_data]
            .into_iter()
            .flatten()
        {
            node.strings(&mut data);
        }
        EventRecord {
            position,
            time: sys
                .time_created
                .as_ref()
                .and_then(|n| n.attr("SystemTime"))
                .and_then(|s| known_time(&s)),
            level: level_name(sys.level.as_ref().and_then(|n| n.text())),
            computer: sys
                .computer
                .as_ref()
                .and_then(|n| n.text())
                .unwrap_or_default(),
            message: templates::render(&provider, event_id, &data),
            provider,
            event_id,
            data,
        }
    }
}

/// A `SystemTime`; the zero FILETIME (1601-01-01) of an empty record means unknown.
fn known_time(s: &str) -> Option<i64> {
    if s.starts_with("1601-01-01T00:00:00") {
        return None;
    }
    parse_utc(s)
}

/// Maps the numeric level to Event Viewer's name. Level 0 (LogAlways) is what classic
/// sources write for information events, and Event Viewer shows it as Information.
pub fn level_name(level: Option<String>) -> String {
    match level.as_deref().map(str::trim) {
        Some("0") | Some("4") => "Information".into(),
        Some("1") => "Critical".into(),
        Some("2") => "Error".into(),
        Some("3") => "Warning".into(),
        Some("5") => "Verbose".into(),
        Some(other) => other.into(),
        None => String::new(),
    }
}

/// A JSON value that keeps object keys in document order (the crate renders named `Data`
/// elements as keys, and their order is the insertion-string order).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Scalar(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value of an attribute (`{"#attributes": {"Name": ...}}`).
    fn attr(&self, name: &str) -> Option<String> {
        self.get("#attributes")?.get(name)?.text()
    }

    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar, or the `#text` of an element with attributes.
    fn text(&self) -> Option<String> {
        match self {
            Node::Scalar(s) => Some(s.clone()),
            Node::Map(_) => self.get("#text")?.text(),
            _ => None,
        }
    }

    /// Appends the insertion strings under this node, in order: scalars as they are, nulls
    /// inside lists as empty strings, attributes and `Binary` skipped.
    fn strings(&self, out: &mut Vec<String>) {
        match self {
            Node::Null => {}
            Node::Scalar(s) => out.push(s.clone()),
            Node::List(items) => {
                for item in items {
                    match item {
                        Node::Null => out.push(String::new()),
                        other => other.strings(out),
                    }
                }
            }
            Node::Map(m) => {
                for (k, v) in m {
                    if k != "#attributes" && k != "Binary" {
                        v.strings(out);
                    }
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            entries.push((k, v));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> EventRecord {
        serde_json::from_str::<Doc>(json).unwrap().into_record(1)
    }

    #[test]
    fn reads_classic_unnamed_data_and_qualifiers() {
        let ev = record(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"MSExchange Availability"}},"EventID":{"#attributes":{"Qualifiers":49156},"#text":4002},"Level":2,"TimeCreated":{"#attributes":{"SystemTime":"2016-10-07T16:38:24.1234567Z"}},"Computer":"EX01.contoso.com"},"EventData":{"Data":{"#text":["5464","FederatedCrossForest","SMTP:a@contoso.com","https://x/EWS/Exchange.asmx/WSSecurity","WSSecurity","System.Net.WebException: The remote name could not be resolved"]},"Binary":"00"}}}"##,
        );
        assert_eq!(ev.provider, "MSExchange Availability");
        assert_eq!(ev.event_id, Some(4002));
        assert_eq!(ev.level, "Error");
        assert_eq!(ev.computer, "EX01.contoso.com");
        assert_eq!(crate::time::format_opt(ev.time), "2016-10-07T16:38:24Z");
        assert_eq!(ev.data.len(), 6);
        assert!(ev
            .message
            .starts_with("Process 5464: ProxyWebRequest FederatedCrossForest"));
        assert!(ev.message.ends_with("could not be resolved"));
    }

    #[test]
    fn keeps_named_data_in_document_order() {
        let ev = record(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"X"}},"EventID":7,"Level":4},"EventData":{"param2":"b","param10":"c","param1":"a","Empty":null}}}"##,
        );
        assert_eq!(ev.data, ["b", "c", "a"]);
        assert_eq!(ev.message, "b\nc\na");
        assert_eq!(ev.level, "Information");
    }

    #[test]
    fn empty_record_has_unknown_time() {
        let ev = record(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Guid":"{0}"}},"EventID":0,"TimeCreated":{"#attributes":{"SystemTime":"1601-01-01T00:00:00.0000000Z"}}}}}"##,
        );
        assert_eq!(ev.time, None);
        assert_eq!(ev.provider, "");
    }

    #[test]
    fn recognises_legacy_evt() {
        let mut head = vec![0x30, 0, 0, 0];
        head.extend_from_slice(b"LfLe\x01\x00\x00\x00");
        assert!(is_legacy_evt(&head));
        assert_eq!(check_magic(&mut &head[..]), Err(LEGACY_EVT_REASON.into()));
        assert!(check_magic(&mut &b"ElfFile\0rest"[..]).is_ok());
        assert!(check_magic(&mut &b"short"[..]).is_err());
    }
}
