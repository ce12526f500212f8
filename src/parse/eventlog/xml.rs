//! Event Viewer XML: a "Save As XML" export (`<Events><Event xmlns=...>...`), the output of
//! `Get-WinEvent | % ToXml()` or `wevtutil qe /f:xml` (a bare stream of `<Event>` elements
//! without a root), and single `<Event>` files.
//!
//! Each `<Event>` is cut out of the stream by [`Splitter`] and parsed on its own, so a broken
//! element is rejected and the next one read. Times are `System/TimeCreated/@SystemTime`
//! (UTC). The rendered `RenderingInfo/Message` is used when present; otherwise the message is
//! rebuilt from the `EventData/Data` insertion strings.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::dates::parse_utc_precise;
use super::elements::{check_depth, Piece, Splitter};
use super::evtx::level_name;
use super::open_text;
use super::sink::Sink;
use crate::input::Input;
use crate::record::EventRecord;

/// Parses an Event Viewer XML input. Returns the bytes read.
pub fn parse(input: &Input, sink: &mut Sink) -> Result<u64, String> {
    let (stream, count) = open_text(input)?;
    let mut split = Splitter::new(stream, "Event", "Events", false);
    while let Some(piece) = split.next_piece().map_err(|e| format!("read error: {e}"))? {
        match piece {
            Piece::Element { line, text } => match parse_event(text, line) {
                Ok(ev) => sink.event(ev),
                Err(reason) => sink.reject(line, reason, text),
            },
            Piece::Broken { line, reason, text } => sink.reject(line, reason, text),
        }
    }
    Ok(count.get())
}

/// What one `<Event>` holds, as it is read.
#[derive(Default)]
struct Fields {
    provider: String,
    source_name: String,
    event_id: Option<u32>,
    record_id: Option<u64>,
    level: Option<String>,
    rendered_level: Option<String>,
    time: Option<(i64, Option<crate::time::SubSecond>)>,
    computer: String,
    message: Option<String>,
    data: Vec<String>,
}

/// Where a text belongs, from the path of element names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    EventId,
    RecordId,
    Level,
    Computer,
    Data,
    UserData,
    Message,
    RenderedLevel,
    None,
}

/// Looks at the first three names and the depth only: a cost per element that does not grow
/// with the depth (collecting the whole path made 10^6 nested elements quadratic).
fn slot(path: &[Vec<u8>]) -> Slot {
    let name = |i: usize| path.get(i).map(Vec::as_slice);
    match (path.len(), name(1), name(2)) {
        (3, Some(b"System"), Some(b"EventID")) => Slot::EventId,
        (3, Some(b"System"), Some(b"EventRecordID")) => Slot::RecordId,
        (3, Some(b"System"), Some(b"Level")) => Slot::Level,
        (3, Some(b"System"), Some(b"Computer")) => Slot::Computer,
        (3, Some(b"EventData"), Some(b"Data")) => Slot::Data,
        (n, Some(b"UserData"), _) if n >= 3 => Slot::UserData,
        (3, Some(b"RenderingInfo"), Some(b"Message")) => Slot::Message,
        (3, Some(b"RenderingInfo"), Some(b"Level")) => Slot::RenderedLevel,
        _ => Slot::None,
    }
}

/// Parses the text of one `<Event>` element.
fn parse_event(text: &[u8], line: u64) -> Result<EventRecord, String> {
    let mut reader = Reader::from_reader(text);
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut f = Fields::default();
    let mut current = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("broken XML at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(e) => {
                start(&e, &path, &mut f);
                path.push(e.local_name().as_ref().to_vec());
                check_depth(path.len())?;
                current.clear();
            }
            Event::Empty(e) => {
                start(&e, &path, &mut f);
                path.push(e.local_name().as_ref().to_vec());
                end(&path, &mut f, "");
                path.pop();
            }
            Event::Text(t) => {
                current.push_str(&t.unescape().map_err(|e| format!("bad text: {e}"))?)
            }
            Event::CData(t) => current.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                end(&path, &mut f, &current);
                current.clear();
                path.pop();
                if path.is_empty() {
                    break;
                }
            }
            Event::Eof => return Err("element ended early".into()),
            _ => {}
        }
    }
    Ok(f.into_record(line))
}

/// Reads the attributes that matter from a start tag.
fn start(e: &BytesStart, path: &[Vec<u8>], f: &mut Fields) {
    let in_system = path.len() == 2 && path[1] == b"System";
    if !in_system {
        return;
    }
    match e.local_name().as_ref() {
        b"Provider" => {
            f.provider = attr(e, b"Name").unwrap_or_default().into_owned();
            f.source_name = attr(e, b"EventSourceName").unwrap_or_default().into_owned();
        }
        b"TimeCreated" => f.time = attr(e, b"SystemTime").and_then(|t| parse_utc_precise(&t)),
        _ => {}
    }
}

fn attr<'a>(e: &'a BytesStart, name: &[u8]) -> Option<Cow<'a, str>> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok())
}

/// Files the text of an element that just ended.
fn end(path: &[Vec<u8>], f: &mut Fields, text: &str) {
    match slot(path) {
        Slot::EventId => f.event_id = text.trim().parse().ok(),
        Slot::RecordId => f.record_id = text.trim().parse().ok(),
        Slot::Level => f.level = Some(text.trim().to_string()),
        Slot::Computer => f.computer = text.trim().to_string(),
        Slot::Data => f.data.push(text.to_string()),
        Slot::UserData if !text.trim().is_empty() => f.data.push(text.to_string()),
        Slot::Message => f.message = Some(text.to_string()),
        Slot::RenderedLevel => f.rendered_level = Some(text.trim().to_string()),
        _ => {}
    }
}

impl Fields {
    fn into_record(self, position: u64) -> EventRecord {
        let provider = if self.provider.is_empty() {
            self.source_name
        } else {
            self.provider
        };
        // Without a rendered message, the sink builds one from the insertion strings.
        let message = self.message.unwrap_or_default();
        let level = match self.rendered_level {
            Some(l) if !l.is_empty() => l,
            _ => level_name(self.level.as_deref()),
        };
        EventRecord {
            position,
            time: self.time.map(|(t, _)| t),
            subsec: self.time.and_then(|(_, f)| f),
            provider,
            event_id: self.event_id,
            level,
            computer: self.computer,
            message,
            data: self.data,
            record_id: self.record_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{opts, run};
    use super::super::EventFormat;
    use crate::time::format_opt;

    const EVENT: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MSExchange Availability'/><EventID Qualifiers='49156'>4002</EventID><Level>2</Level><Task>1</Task><TimeCreated SystemTime='2016-10-07T16:38:24.123456700Z'/><Computer>EX01.contoso.com</Computer></System><EventData><Data>5464</Data><Data>FederatedCrossForest</Data><Data>SMTP:a@contoso.com</Data><Data>https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity</Data><Data>WSSecurity</Data><Data>System.Net.WebException: The remote name could not be resolved &amp; more &#8212;&gt; inner</Data><Binary>00</Binary></EventData></Event>";

    #[test]
    fn reads_a_save_as_export_with_rendering_info() {
        let with_message = EVENT.replace(
            "</EventData>",
            "</EventData><RenderingInfo Culture='en-US'><Message>Process 5464: rendered text</Message><Level>Error</Level></RenderingInfo>",
        );
        let doc = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Events>\r\n{with_message}\r\n{EVENT}\r\n</Events>\r\n");
        let (evs, out) = run(EventFormat::ViewerXml, doc.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(out.tally.rejected, 0);
        assert_eq!(evs[0].message, "Process 5464: rendered text");
        let e = &evs[1];
        assert_eq!(
            (e.event_id, e.level.as_str(), e.computer.as_str()),
            (Some(4002), "Error", "EX01.contoso.com")
        );
        assert_eq!(format_opt(e.time), "2016-10-07T16:38:24Z");
        assert_eq!(e.data.len(), 6);
        assert!(e
            .message
            .starts_with("Process 5464: ProxyWebRequest FederatedCrossForest"));
        assert!(e.message.ends_with("could not be resolved & more —> inner"));
        assert_eq!(e.position, 4);
        assert!(out.notes.is_empty());
    }

    #[test]
    fn broken_element_mid_file_is_rejected_and_later_events_read() {
        let broken = EVENT.replace("</Level>", "</Lvl>");
        let cut = &EVENT[..200];
        let doc = format!("{EVENT}\n{broken}\n{cut}\n{EVENT}\ngarbage\n{EVENT}");
        let (evs, out) = run(EventFormat::ViewerXml, doc.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 3);
        assert_eq!(out.tally.rejected, 3);
        let positions: Vec<u64> = out.rejections.iter().map(|r| r.position).collect();
        assert_eq!(positions, [2, 3, 5]);
        assert!(out.rejections[0].reason.contains("broken XML"));
        assert!(out.rejections[1].reason.contains("not closed"));
        assert!(out.rejections[2].reason.contains("outside"));
        assert_eq!(
            evs.iter().map(|e| e.position).collect::<Vec<_>>(),
            [1, 4, 6]
        );
    }

    #[test]
    fn truncated_last_event_is_rejected() {
        let doc = format!("<Events>{EVENT}{}", &EVENT[..300]);
        let (evs, out) = run(EventFormat::ViewerXml, doc.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!((evs.len(), out.tally.rejected), (1, 1));
        assert!(out.rejections[0].reason.contains("end of input"));
    }
}
