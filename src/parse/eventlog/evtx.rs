//! Binary `.evtx` logs, read through the `evtx` crate (never our own parser).
//!
//! Each record is rendered to compact JSON by the crate and read back into the few fields an
//! [`EventRecord`] needs. Records that the crate cannot read (bad chunk header, zeroed record,
//! broken BinXML) are rejected with its reason; every other record is kept, so dirty,
//! truncated or recovered logs give all they can. Legacy `.Evt` logs (XP/2003) are a
//! different format and are refused with a clear reason.

use std::io::Read;

use evtx::{EvtxParser, ParserSettings, RenderedChunkItem};

use super::dates::parse_utc_precise;
use super::rendered;
use super::sink::Sink;
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
    let result = crate::panics::quietly(|| read_all(parser, sink, &mut seen));
    if result.is_err() {
        let reason = format!(
            "the evtx crate failed (panicked) after record {seen}: the rest of the file is not read"
        );
        sink.reject(seen + 1, reason, b"");
    }
}

/// Renders a chunk at a time into one buffer (the path the crate's own `evtx_dump` takes):
/// the per-record iterator allocates a buffer per record and cost 45% more than this on
/// Security logs. `chunks_json_bytes` is `#[doc(hidden)]` ("CLI-internal"), so the crate is
/// pinned to an exact version in Cargo.toml; the corpus test pins its counts.
fn read_all<T: Read + std::io::Seek>(mut parser: EvtxParser<T>, sink: &mut Sink, seen: &mut u64) {
    for chunk in parser.chunks_json_bytes(false) {
        let mut start = 0;
        for item in &chunk.items {
            *seen += 1;
            let position = *seen;
            match item {
                RenderedChunkItem::Record {
                    event_record_id,
                    end,
                } => {
                    let json = &chunk.data[start..end.saturating_sub(1).max(start)];
                    start = *end;
                    take(json, *event_record_id, position, sink);
                }
                RenderedChunkItem::Failed(e) => sink.reject(position, error_text(e), b""),
            }
        }
    }
}

fn take(json: &[u8], record_id: u64, position: u64, sink: &mut Sink) {
    match rendered::extract_for(json, sink.wants_text()) {
        Ok(fields) => sink.event(record(fields, position, record_id)),
        Err(e) => sink.reject(
            position,
            format!("record {record_id}: unreadable rendering: {e}"),
            json,
        ),
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

/// Builds the event from the fields read out of the rendering.
fn record(f: rendered::Extracted<'_>, position: u64, record_id: u64) -> EventRecord {
    let system_time = f.system_time.as_deref().and_then(known_time);
    EventRecord {
        position,
        time: system_time.map(|(t, _)| t),
        subsec: system_time.and_then(|(_, f)| f),
        level: level_name(f.level.as_deref()),
        computer: f.computer,
        // Filled from the insertion strings by the sink (`Vocabulary::render`).
        message: String::new(),
        provider: f.provider,
        event_id: f.event_id,
        data: f.data,
        record_id: Some(record_id),
    }
}

/// A `SystemTime` and its fraction; the zero FILETIME (1601-01-01) of an empty record means
/// unknown.
fn known_time(s: &str) -> Option<(i64, Option<crate::time::SubSecond>)> {
    if s.starts_with("1601-01-01T00:00:00") {
        return None;
    }
    parse_utc_precise(s)
}

/// Maps the numeric level to Event Viewer's name. Level 0 (LogAlways) is what classic
/// sources write for information events, and Event Viewer shows it as Information.
pub fn level_name(level: Option<&str>) -> String {
    match level.map(str::trim) {
        Some("0") | Some("4") => "Information".into(),
        Some("1") => "Critical".into(),
        Some("2") => "Error".into(),
        Some("3") => "Warning".into(),
        Some("5") => "Verbose".into(),
        Some(other) => other.into(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reference::Doc;

    /// The fast reader gives what the serde reading gives, on every record of the corpus; a
    /// record whose text is not wanted, the same but for its (empty) message and strings.
    #[test]
    #[cfg_attr(not(corpus), ignore = "needs ../shared/corpus")]
    fn fast_extraction_matches_serde_on_the_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/evtx");
        // Reached only with the corpus there (build.rs): a missing folder is a failure.
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{} is needed by this test: {e}", dir.display()));
        let mut compared = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let Ok(mut parser) = EvtxParser::from_path(&path) else {
                continue;
            };
            for rec in parser.records_json_bytes().flatten() {
                let doc: Doc<'_> = serde_json::from_slice(&rec.data).unwrap();
                let id = rec.event_record_id;
                let fast = super::record(rendered::extract(&rec.data).unwrap(), 1, id);
                let reference = EventRecord {
                    record_id: Some(id),
                    ..doc.into_record(1)
                };
                assert_eq!(fast, reference, "{}", path.display());
                let light = rendered::extract_for(&rec.data, &|_| false).unwrap();
                let untexted = EventRecord {
                    message: String::new(),
                    data: Vec::new(),
                    ..reference
                };
                assert_eq!(super::record(light, 1, id), untexted, "{}", path.display());
                compared += 1;
            }
        }
        assert!(compared > 8000, "{compared}");
    }

    /// The record as the sink hands it on: with its message built from the strings by the
    /// shipped templates.
    fn record(json: &str) -> EventRecord {
        let mut ev = serde_json::from_str::<Doc<'_>>(json)
            .unwrap()
            .into_record(1);
        ev.message = crate::parse::eventlog::testing::vocabulary().render(
            &ev.provider,
            ev.event_id,
            &ev.data,
        );
        ev
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

/// A serde reading of the rendering, kept as the reference that [`rendered::extract`] is
/// checked against.
#[cfg(test)]
mod reference {
    use super::*;
    use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;
    use std::borrow::Cow;
    use std::fmt;

    /// The rendered record: only what is needed, everything else skipped by serde.
    /// Strings are borrowed from the rendering where they need no unescaping: most need none, and
    /// allocating every attribute and value made our side cost as much as the crate's rendering.
    #[derive(Deserialize)]
    pub struct Doc<'a> {
        #[serde(rename = "Event", borrow)]
        event: Event<'a>,
    }

    #[derive(Deserialize)]
    struct Event<'a> {
        #[serde(rename = "System", default, borrow)]
        system: Option<System<'a>>,
        #[serde(rename = "EventData", default, borrow)]
        event_data: Option<Node<'a>>,
        #[serde(rename = "UserData", default, borrow)]
        user_data: Option<Node<'a>>,
    }

    #[derive(Deserialize, Default)]
    struct System<'a> {
        #[serde(rename = "Provider", default, borrow)]
        provider: Option<Node<'a>>,
        #[serde(rename = "EventID", default, borrow)]
        event_id: Option<Node<'a>>,
        #[serde(rename = "Level", default, borrow)]
        level: Option<Node<'a>>,
        #[serde(rename = "TimeCreated", default, borrow)]
        time_created: Option<Node<'a>>,
        #[serde(rename = "Computer", default, borrow)]
        computer: Option<Node<'a>>,
    }

    impl Doc<'_> {
        pub fn into_record(self, position: u64) -> EventRecord {
            let sys = self.event.system.unwrap_or_default();
            let provider = sys
                .provider
                .as_ref()
                .and_then(|p| p.attr("Name").or_else(|| p.attr("EventSourceName")))
                .map(Cow::into_owned)
                .unwrap_or_default();
            let event_id = sys
                .event_id
                .as_ref()
                .and_then(|n| n.text())
                .and_then(|t| t.parse().ok());
            let system_time = sys
                .time_created
                .as_ref()
                .and_then(|n| n.attr("SystemTime"))
                .and_then(|s| known_time(&s));
            let mut data = Vec::new();
            for node in [&self.event.event_data, &self.event.user_data]
                .into_iter()
                .flatten()
            {
                node.strings(&mut data);
            }
            EventRecord {
                position,
                time: system_time.map(|(t, _)| t),
                subsec: system_time.and_then(|(_, f)| f),
                level: level_name(sys.level.as_ref().and_then(|n| n.text()).as_deref()),
                computer: sys
                    .computer
                    .as_ref()
                    .and_then(|n| n.text())
                    .map(Cow::into_owned)
                    .unwrap_or_default(),
                message: String::new(),
                provider,
                event_id,
                data,
                record_id: None,
            }
        }
    }

    /// A JSON value that keeps object keys in document order (the crate renders named `Data`
    /// elements as keys, and their order is the insertion-string order).
    #[derive(Debug, Clone, PartialEq)]
    enum Node<'a> {
        Null,
        Scalar(Cow<'a, str>),
        List(Vec<Node<'a>>),
        Map(Vec<(Cow<'a, str>, Node<'a>)>),
    }

    impl<'a> Node<'a> {
        /// The value of an attribute (`{"#attributes": {"Name": ...}}`).
        fn attr(&self, name: &str) -> Option<Cow<'a, str>> {
            self.get("#attributes")?.get(name)?.text()
        }

        fn get(&self, key: &str) -> Option<&Node<'a>> {
            match self {
                Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }

        /// A scalar, or the `#text` of an element with attributes.
        fn text(&self) -> Option<Cow<'a, str>> {
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
                Node::Scalar(s) => out.push(s.to_string()),
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

    impl<'de: 'a, 'a> Deserialize<'de> for Node<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(NodeVisitor(std::marker::PhantomData))
        }
    }

    struct NodeVisitor<'a>(std::marker::PhantomData<&'a ()>);

    impl<'de: 'a, 'a> Visitor<'de> for NodeVisitor<'a> {
        type Value = Node<'a>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Node<'a>, E> {
            Ok(Node::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Node<'a>, E> {
            Ok(Node::Null)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node<'a>, E> {
            Ok(Node::Scalar(v.to_string().into()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node<'a>, E> {
            Ok(Node::Scalar(v.to_string().into()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node<'a>, E> {
            Ok(Node::Scalar(v.to_string().into()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node<'a>, E> {
            Ok(Node::Scalar(v.to_string().into()))
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node<'a>, E> {
            Ok(Node::Scalar(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Node<'a>, E> {
            Ok(Node::Scalar(v.to_string().into()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Node<'a>, E> {
            Ok(Node::Scalar(v.into()))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'a>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(Node::List(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'a>, A::Error> {
            let mut entries = Vec::new();
            while let Some((Key(k), v)) = map.next_entry::<Key<'a>, Node<'a>>()? {
                entries.push((k, v));
            }
            Ok(Node::Map(entries))
        }
    }

    /// A map key, borrowed when it needs no unescaping (serde's own `Cow` always allocates).
    struct Key<'a>(Cow<'a, str>);

    impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match Node::deserialize(d)? {
                Node::Scalar(s) => Ok(Key(s)),
                _ => Err(de::Error::custom("map key is not a string")),
            }
        }
    }
}
