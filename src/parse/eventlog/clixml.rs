//! PowerShell CLIXML (`Export-Clixml`), as ExchangeLogCollector writes
//! `<SERVER>_Application.xml`: `<Objs>` holding one `<Obj>` per event, whose `<Props>` carry
//! typed properties (`<S N="Message">`, `<I32 N="EventID">`, `<DT N="TimeGenerated">`,
//! `<Obj N="EntryType">` with a `<ToString>`, or a `<Ref>` to an earlier one).
//!
//! Each top-level `<Obj>` is cut out by [`Splitter`] and parsed alone: a broken one is
//! rejected and the next read. Unknown property types are kept as text or skipped; they never
//! stop the parse. Strings decode PowerShell's `_x000D__x000A_` escapes.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::elements::{check_depth, Piece, Splitter};
use super::named::{build, decode_escapes, has_event_properties, is_wanted};
use super::open_text;
use super::sink::{Clock, Sink};
use super::time::DateOrder;
use super::EventParseOptions;
use crate::input::Input;
use crate::record::EventRecord;

/// Most `RefId → ToString` pairs remembered for `<Ref>` lookups. Refs point at the few enum
/// values (EntryType `Error`, `Warning`, ...) written in full once; 4096 covers those many
/// times over while bounding memory on exports with millions of objects.
const MAX_REFS: usize = 4096;

/// Parses a CLIXML input. Returns the bytes read.
pub fn parse(input: &Input, opts: &EventParseOptions, sink: &mut Sink) -> Result<u64, String> {
    let (stream, count) = open_text(input)?;
    // CLIXML times are ISO-8601; the order only matters for odd hand-made files.
    let mut clock = Clock::new(opts.tz, opts.date_order.unwrap_or(DateOrder::Mdy));
    let mut refs = HashMap::new();
    let mut split = Splitter::new(stream, "Obj", "Objs", true);
    while let Some(piece) = split.next_piece().map_err(|e| format!("read error: {e}"))? {
        match piece {
            Piece::Element { line, text } => match parse_obj(text, line, &mut refs, &mut clock) {
                Ok(ev) => sink.event(ev),
                Err(reason) => sink.reject(line, reason, text),
            },
            Piece::Broken { line, reason, text } => sink.reject(line, reason, text),
        }
    }
    clock.finish(sink);
    Ok(count.get())
}

/// The element names that matter; every other type is `Other` (kept as text or skipped).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Obj,
    Props,
    Ms,
    Ref,
    Nil,
    ToString,
    Lst,
    Other,
}

impl Tag {
    fn of(name: &[u8]) -> Tag {
        match name {
            b"Obj" => Tag::Obj,
            b"Props" => Tag::Props,
            b"MS" => Tag::Ms,
            b"Ref" => Tag::Ref,
            b"Nil" => Tag::Nil,
            b"ToString" => Tag::ToString,
            b"LST" => Tag::Lst,
            _ => Tag::Other,
        }
    }
}

/// One open element while walking an object.
struct Frame {
    tag: Tag,
    name: Option<String>,
    ref_id: Option<String>,
}

/// What an object yielded.
#[derive(Default)]
struct Obj {
    props: Vec<(String, String)>,
    data: Vec<String>,
}

fn parse_obj(
    text: &[u8],
    line: u64,
    refs: &mut HashMap<String, String>,
    clock: &mut Clock,
) -> Result<EventRecord, String> {
    let mut obj = walk(text, refs)?;
    let names: Vec<&str> = obj.props.iter().map(|(k, _)| k.as_str()).collect();
    if !has_event_properties(&names) {
        return Err("object has no event properties (Id/EventID with Message or Source)".into());
    }
    let get = |n: &str| {
        obj.props
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let data = std::mem::take(&mut obj.data);
    build(&get, data, line, clock)
}

fn walk(text: &[u8], refs: &mut HashMap<String, String>) -> Result<Obj, String> {
    let mut reader = Reader::from_reader(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut obj = Obj::default();
    let mut current = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("broken XML at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(e) => {
                stack.push(frame(&e));
                check_depth(stack.len())?;
                current.clear();
            }
            Event::Empty(e) => {
                stack.push(frame(&e));
                close(&stack, "", &mut obj, refs);
                stack.pop();
            }
            Event::Text(t) => {
                current.push_str(&t.unescape().map_err(|e| format!("bad text: {e}"))?)
            }
            Event::CData(t) => current.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                close(&stack, &current, &mut obj, refs);
                current.clear();
                stack.pop();
                if stack.is_empty() {
                    return Ok(obj);
                }
            }
            Event::Eof => return Err("object ended early".into()),
            _ => {}
        }
    }
}

fn frame(e: &BytesStart) -> Frame {
    let attr = |name: &[u8]| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.unescape_value().ok())
    };
    let tag = Tag::of(e.local_name().as_ref());
    let wants_ref = matches!(tag, Tag::Obj | Tag::Ref);
    // Names of properties nobody reads are kept as "" (no allocation): still named, so not
    // taken for list items, and skipped when filed.
    let name = attr(b"N").map(|n| {
        if is_wanted(&n) {
            n.into_owned()
        } else {
            String::new()
        }
    });
    Frame {
        tag,
        name,
        ref_id: if wants_ref {
            attr(b"RefId").map(|r| r.into_owned())
        } else {
            None
        },
    }
}

/// Files the element on top of `stack`, which just ended with text `text`.
///
/// Layout: `stack[0]` is the event object, `stack[1]` its `Props` or `MS`, `stack[2]` a
/// property; deeper elements belong to a property object (`EntryType`'s `ToString`, the
/// `LST` items of `ReplacementStrings`, the `Value` of each `Properties` entry).
fn close(stack: &[Frame], text: &str, obj: &mut Obj, refs: &mut HashMap<String, String>) {
    let top = &stack[stack.len() - 1];
    let in_props = stack.len() >= 3 && matches!(stack[1].tag, Tag::Props | Tag::Ms);
    // Only property objects (EntryType values) are worth remembering, not the events.
    if top.tag == Tag::ToString && stack.len() >= 4 {
        remember(&stack[stack.len() - 2], text, refs);
    }
    if !in_props {
        return;
    }
    let prop = &stack[2];
    let prop_name = prop.name.clone().unwrap_or_default();
    if prop_name.is_empty() {
        return;
    }
    match stack.len() {
        3 => match top.tag {
            Tag::Obj | Tag::Nil => {}
            Tag::Ref => {
                if let Some(v) = top.ref_id.as_ref().and_then(|r| refs.get(r)) {
                    obj.props.push((prop_name, v.clone()));
                }
            }
            _ => obj
                .props
                .push((prop_name, decode_escapes(text).into_owned())),
        },
        4 if top.tag == Tag::ToString => obj
            .props
            .push((prop_name, decode_escapes(text).into_owned())),
        _ if is_list_value(stack) => obj.data.push(decode_escapes(text).into_owned()),
        _ => {}
    }
}

/// A string item of a property list: `ReplacementStrings` → `LST` → `S`, or a `Properties`
/// entry's `N="Value"`.
fn is_list_value(stack: &[Frame]) -> bool {
    let top = &stack[stack.len() - 1];
    let direct_item =
        stack.len() == 5 && stack[3].tag == Tag::Lst && top.name.is_none() && top.tag != Tag::Obj;
    let value = stack.len() > 5 && top.name.as_deref() == Some("Value") && stack[3].tag == Tag::Lst;
    direct_item || value
}

fn remember(owner: &Frame, text: &str, refs: &mut HashMap<String, String>) {
    if let Some(id) = &owner.ref_id {
        if refs.len() < MAX_REFS || refs.contains_key(id) {
            refs.insert(id.clone(), text.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{opts, run};
    use super::super::EventFormat;
    use crate::time::format_opt;

    fn obj(ref_id: u32, entry_type: &str, message: &str) -> String {
        format!(
            r#"  <Obj RefId="{ref_id}">
    <TNRef RefId="0" />
    <ToString>System.Diagnostics.EventLogEntry</ToString>
    <Props>
      <S N="MachineName">EX01.contoso.com</S>
      <BA N="Data"></BA>
      <I32 N="Index">{ref_id}</I32>
      <S N="Category">Availability Service</S>
      <I16 N="CategoryNumber">1</I16>
      {entry_type}
      <S N="Message">{message}</S>
      <S N="Source">MSExchange Availability</S>
      <Obj N="ReplacementStrings" RefId="{ref_id}1">
        <TN RefId="9"><T>System.String[]</T></TN>
        <LST><S>5464</S><S>The remote name could not be resolved</S></LST>
      </Obj>
      <I64 N="InstanceId">3221491618</I64>
      <DT N="TimeGenerated">2016-10-07T18:38:24+02:00</DT>
      <DT N="TimeWritten">2016-10-07T18:38:24+02:00</DT>
      <Nil N="UserName" />
      <Unknown N="Future"><Whatever>1</Whatever></Unknown>
      <I32 N="EventID">4002</I32>
    </Props>
  </Obj>
"#
        )
    }

    const ERROR_OBJ: &str = r#"<Obj N="EntryType" RefId="100"><TN RefId="1"><T>System.Diagnostics.EventLogEntryType</T></TN><ToString>Error</ToString><I32>1</I32></Obj>"#;
    const ERROR_REF: &str = r#"<Ref N="EntryType" RefId="100" />"#;

    fn doc(objs: &[String]) -> String {
        format!(
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n{}</Objs>",
            objs.concat()
        )
    }

    #[test]
    fn reads_get_eventlog_objects_with_refs_and_escapes() {
        let d = doc(&[
            obj(
                1,
                ERROR_OBJ,
                "Process 5464: ProxyWebRequest_x000D__x000A_The exception returned is X",
            ),
            obj(2, ERROR_REF, "second"),
        ]);
        let (evs, out) = run(EventFormat::Clixml, d.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(out.tally.rejected, 0, "{:?}", out.rejections);
        assert_eq!(evs.len(), 2);
        let e = &evs[0];
        assert_eq!(e.event_id, Some(4002));
        assert_eq!(e.level, "Error");
        assert_eq!(evs[1].level, "Error");
        assert_eq!(e.provider, "MSExchange Availability");
        assert_eq!(e.computer, "EX01.contoso.com");
        assert_eq!(
            e.message,
            "Process 5464: ProxyWebRequest\r\nThe exception returned is X"
        );
        assert_eq!(e.data, ["5464", "The remote name could not be resolved"]);
        assert_eq!(format_opt(e.time), "2016-10-07T16:38:24Z");
        assert_eq!(e.position, 2);
        assert!(
            out.notes.is_empty(),
            "absolute times need no zone: {:?}",
            out.notes
        );
    }

    #[test]
    fn broken_object_is_rejected_and_the_next_read() {
        let broken = obj(2, ERROR_OBJ, "bad <tag").replace("bad <tag", "bad &unknown; <x>");
        let unclosed = obj(3, ERROR_OBJ, "unclosed").replace("    </Props>\n  </Obj>\n", "");
        let d = doc(&[
            obj(1, ERROR_OBJ, "one"),
            broken,
            unclosed,
            obj(4, ERROR_REF, "four"),
        ]);
        let (evs, out) = run(EventFormat::Clixml, d.as_bytes(), &opts("UTC")).unwrap();
        let messages: Vec<&str> = evs.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["one", "four"]);
        assert_eq!(out.tally.rejected, 2, "{:?}", out.rejections);
        assert!(
            out.rejections[1].reason.contains("not closed"),
            "{:?}",
            out.rejections
        );
    }

    #[test]
    fn objects_without_event_properties_are_rejected() {
        let d = doc(&["  <Obj RefId=\"0\"><Props><S N=\"Name\">x</S></Props></Obj>\n".into()]);
        let (evs, out) = run(EventFormat::Clixml, d.as_bytes(), &opts("UTC")).unwrap();
        assert!(evs.is_empty());
        assert!(out.rejections[0].reason.contains("no event properties"));
    }
}
