//! Events as PowerShell objects: the properties of `EventLogRecord` (`Get-WinEvent`) and
//! `EventLogEntry` (`Get-EventLog`), by name, whichever subset and order an export holds.
//! Shared by the `Export-Csv` and `Export-Clixml` readers.

use super::evtx::level_name;
use super::sink::Clock;
use crate::record::EventRecord;

/// Property names, in order of preference, for each field.
const MESSAGE: &[&str] = &["Message"];
const EVENT_ID: &[&str] = &["Id", "EventID", "EventId"];
const INSTANCE_ID: &[&str] = &["InstanceId"];
const PROVIDER: &[&str] = &["ProviderName", "Source"];
const COMPUTER: &[&str] = &["MachineName"];
const TIME: &[&str] = &["TimeCreated", "TimeGenerated", "TimeWritten"];
const LEVEL: &[&str] = &["LevelDisplayName", "EntryType", "Level"];
/// `Get-WinEvent`'s record number, `Get-EventLog`'s entry index.
const RECORD: &[&str] = &["RecordId", "Index"];

/// Properties holding insertion strings (`Get-EventLog`'s `ReplacementStrings`, the
/// `Properties` list of `Get-WinEvent`, each entry's `Value`).
const LISTS: &[&str] = &["ReplacementStrings", "Properties", "Value"];

/// True for a property name that an event is built from (the others are skipped unread).
pub fn is_wanted(name: &str) -> bool {
    [
        MESSAGE,
        EVENT_ID,
        INSTANCE_ID,
        PROVIDER,
        COMPUTER,
        TIME,
        LEVEL,
        RECORD,
        LISTS,
    ]
    .iter()
    .any(|set| set.iter().any(|s| s.eq_ignore_ascii_case(name)))
}

/// True when the names include an event id and a message or provider: enough to be events.
pub fn has_event_properties(names: &[&str]) -> bool {
    let has = |set: &[&str]| {
        names
            .iter()
            .any(|n| set.iter().any(|s| s.eq_ignore_ascii_case(n)))
    };
    (has(EVENT_ID) || has(INSTANCE_ID)) && (has(MESSAGE) || has(PROVIDER))
}

/// Builds an event from its properties; `get` returns a property's text by name
/// (case-insensitive), `None` when absent.
pub fn build(
    get: &dyn Fn(&str) -> Option<String>,
    data: Vec<String>,
    position: u64,
    clock: &mut Clock,
) -> Result<EventRecord, String> {
    let first = |names: &[&str]| names.iter().find_map(|n| get(n).filter(|v| !v.is_empty()));
    let event_id = match first(EVENT_ID) {
        Some(id) => Some(parse_id(&id)?),
        None => first(INSTANCE_ID)
            .and_then(|i| i.trim().parse::<u64>().ok())
            .map(|i| (i & 0xFFFF) as u32),
    };
    let (time, subsec) = match first(TIME) {
        // PowerShell's CLIXML `<DT>` and ISO-formatted CSV times carry the fraction.
        Some(t) => (
            Some(clock.utc(t.trim())?),
            crate::time::SubSecond::of_iso(t.as_bytes()),
        ),
        None => (None, None),
    };
    let level = first(LEVEL).map(|l| {
        if l.trim().bytes().all(|b| b.is_ascii_digit()) {
            level_name(Some(&l))
        } else {
            l.trim().to_string()
        }
    });
    Ok(EventRecord {
        position,
        time,
        subsec,
        provider: first(PROVIDER).unwrap_or_default().trim().to_string(),
        event_id,
        level: level.unwrap_or_default(),
        computer: first(COMPUTER).unwrap_or_default().trim().to_string(),
        message: first(MESSAGE).unwrap_or_default(),
        data,
        record_id: first(RECORD).and_then(|r| r.trim().parse().ok()),
    })
}

fn parse_id(s: &str) -> Result<u32, String> {
    s.trim().parse().map_err(|_| {
        format!(
            "event id is not a number: {:?}",
            super::sink::truncate(s, 40)
        )
    })
}

/// Decodes PowerShell's XML-safe escapes: `_x000D__x000A_` → CRLF, `_xHHHH_` → that
/// character (`_x005F_` is a literal underscore).
pub fn decode_escapes(s: &str) -> std::borrow::Cow<'_, str> {
    let escape_at_or_after = |t: &str| {
        let b = t.as_bytes();
        let mut from = 0;
        while let Some(i) = memchr::memchr(b'_', &b[from..]) {
            if b.get(from + i + 1) == Some(&b'x') {
                return Some(from + i);
            }
            from += i + 1;
        }
        None
    };
    if escape_at_or_after(s).is_none() {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = escape_at_or_after(rest) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match escape_at(tail) {
            Some(c) => {
                out.push(c);
                rest = &tail[7..];
            }
            None => {
                out.push_str("_x");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// `_xHHHH_` at the start of `s`.
fn escape_at(s: &str) -> Option<char> {
    let b = s.as_bytes();
    if b.len() < 7 || b[6] != b'_' || !b[2..6].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    char::from_u32(u32::from_str_radix(&s[2..6], 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::eventlog::time::{DateOrder, EventTz};

    #[test]
    fn decodes_powershell_escapes() {
        assert_eq!(decode_escapes("a_x000D__x000A_b"), "a\r\nb");
        assert_eq!(decode_escapes("x_x005F_y_x"), "x_y_x");
        assert_eq!(decode_escapes("no escapes"), "no escapes");
        assert_eq!(decode_escapes("_xZZZZ_ _x00"), "_xZZZZ_ _x00");
    }

    #[test]
    fn builds_from_get_eventlog_names() {
        let props = [
            ("EventID", "4002"),
            ("Source", "MSExchange Availability"),
            ("EntryType", "Error"),
            ("TimeGenerated", "10/7/2016 6:38:24 PM"),
            ("MachineName", "EX01"),
            ("Message", "Process 1: ..."),
        ];
        let get = |n: &str| {
            props
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.to_string())
        };
        let mut clock = Clock::new(EventTz::Utc, DateOrder::Mdy);
        let ev = build(&get, vec![], 3, &mut clock).unwrap();
        assert_eq!(ev.event_id, Some(4002));
        assert_eq!(ev.level, "Error");
        assert_eq!(crate::time::format_opt(ev.time), "2016-10-07T18:38:24Z");
    }

    #[test]
    fn instance_id_gives_the_low_bits() {
        let get = |n: &str| (n == "InstanceId").then(|| "3221491618".to_string());
        let mut clock = Clock::new(EventTz::Utc, DateOrder::Mdy);
        assert_eq!(
            build(&get, vec![], 1, &mut clock).unwrap().event_id,
            Some(4002)
        );
        assert!(has_event_properties(&["instanceid", "Message"]));
        assert!(!has_event_properties(&["Name", "Message"]));
    }
}
