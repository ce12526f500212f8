//! Format detection from content, not names: the first bytes of an input decide its parser.
//! Event-log exports are recognised first (strictly, by [`eventlog::sniff`]), then Exchange
//! configuration exports and Exchange's own CSV logs; everything else must look like a W3C log.

use crate::parse::eventlog::{self, EventFormat, Vocabulary};
use crate::parse::exchange::ExchangeLog;
use crate::parse::w3c::header::trim_cr;

/// What an input holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// IIS W3C extended log (also other W3C writers, read tolerantly).
    Iis,
    /// HTTP.sys error log.
    HttpErr,
    /// An event-log export (EVTX, Event Viewer CSV/TXT/XML, PowerShell, General text, Test-*).
    Event(EventFormat),
    /// An Exchange configuration export (`Get-WebServicesVirtualDirectory | fl`, ...): which
    /// server answers for which host (read for correlation, not for findings).
    ExchangeConfig,
    /// One of Exchange's own CSV logs (HttpProxy, message tracking, SMTP, IMAP/POP...).
    ExchangeCsv(ExchangeLog),
    /// Not something fbscope reads; the reason is shown in the inventory.
    Unsupported(Skip),
}

/// Why an input is not read, and whether that leaves evidence unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub kind: SkipKind,
    /// The sentence the inventory and the notes show.
    pub reason: String,
}

/// What a skip means for the verdict (grammars/README.md: which skips are harmless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipKind {
    /// Not a log: empty, binary, a README or a picture. Harmless.
    NotALog,
    /// A log fbscope recognises but has no reader for: evidence left unread, named in the
    /// headline.
    NoReader,
    /// Left out by `--since`/`--until`: its name dates it outside the window.
    Pruned,
    /// Its first bytes could not be read, so its format is unknown: a failed input (the
    /// problem says why).
    Unreadable,
}

impl Skip {
    pub fn not_a_log(reason: impl Into<String>) -> Format {
        Format::Unsupported(Skip {
            kind: SkipKind::NotALog,
            reason: reason.into(),
        })
    }

    pub fn no_reader(reason: impl Into<String>) -> Format {
        Format::Unsupported(Skip {
            kind: SkipKind::NoReader,
            reason: reason.into(),
        })
    }

    pub fn unreadable(reason: impl Into<String>) -> Format {
        Format::Unsupported(Skip {
            kind: SkipKind::Unreadable,
            reason: reason.into(),
        })
    }

    pub fn pruned(reason: impl Into<String>) -> Format {
        Format::Unsupported(Skip {
            kind: SkipKind::Pruned,
            reason: reason.into(),
        })
    }
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl Format {
    /// The name in the inventory's `format` column.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Iis => "w3c-iis",
            Format::HttpErr => "w3c-httperr",
            Format::Event(f) => f.name(),
            Format::ExchangeConfig => "exchange-config",
            Format::ExchangeCsv(log) => log.name(),
            Format::Unsupported(_) => "skipped",
        }
    }
}

/// The UTF-8 byte-order mark Windows editors and PowerShell put before a file's text.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many leading lines are looked at.
const SNIFF_LINES: usize = 32;

/// Detects the format of an input from its first bytes (its display name only breaks ties
/// between event-log formats).
pub fn sniff_input(head: &[u8], display: &str, vocabulary: &Vocabulary) -> Format {
    if is_legacy_evt(head) {
        return Skip::no_reader(
            "legacy .Evt event log (Windows XP/2003): not read; export it from Event Viewer as .evtx, CSV or XML",
        );
    }
    match eventlog::sniff(head, display, vocabulary) {
        Some(f) => Format::Event(f),
        None if crate::parse::exconfig::sniff(head) => Format::ExchangeConfig,
        None => {
            crate::parse::exchange::sniff(head).map_or_else(|| sniff(head), Format::ExchangeCsv)
        }
    }
}

/// The `ELF_LOGFILE_HEADER` of a pre-Vista `.Evt` file: size 0x30, then `LfLe`. It is not an
/// export fbscope reads, so it is skipped (and listed), not a failed input.
fn is_legacy_evt(head: &[u8]) -> bool {
    head.len() >= 8 && head[..4] == [0x30, 0, 0, 0] && &head[4..8] == b"LfLe"
}

/// Detects a W3C format from the first bytes of the decoded input.
pub fn sniff(head: &[u8]) -> Format {
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    if head.is_empty() {
        return Skip::not_a_log("empty");
    }
    if head.starts_with(b"ElfFile\0") {
        return Skip::no_reader("EVTX event log: not read by this version");
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Skip::not_a_log("UTF-16 text: not a W3C log");
    }
    let lines = head
        .split(|&b| b == b'\n')
        .map(trim_cr)
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(SNIFF_LINES);
    let mut saw_w3c_directive = false;
    for line in lines {
        // NULs after the header are a crashed or preallocated log: its lines are rejected
        // one by one. NULs before any directive mean the file is not text.
        if !saw_w3c_directive && line.contains(&0) {
            return Skip::not_a_log("binary data");
        }
        if line.first() != Some(&b'#') {
            return if saw_w3c_directive || looks_like_w3c_data(line) {
                Format::Iis
            } else {
                Skip::not_a_log("not a W3C log (no #Software or #Fields directive)")
            };
        }
        if starts_with_ci(line, b"#software: microsoft http api") {
            return Format::HttpErr;
        }
        if crate::parse::exchange::is_exchange_directive(line) {
            return Skip::no_reader(
                "Exchange CSV log (HttpProxy, message tracking, protocol log): not a W3C log",
            );
        }
        saw_w3c_directive |= [&b"#software:"[..], b"#fields:", b"#version:", b"#date:"]
            .iter()
            .any(|d| starts_with_ci(line, d));
    }
    if saw_w3c_directive {
        Format::Iis
    } else {
        Skip::not_a_log("not a W3C log (no #Software or #Fields directive)")
    }
}

fn starts_with_ci(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// A headerless W3C line: `YYYY-MM-DD HH:MM:SS` followed by several space-separated values.
fn looks_like_w3c_data(line: &[u8]) -> bool {
    line.len() > 20
        && crate::time::parse_date(&line[..10]).is_some()
        && line[10] == b' '
        && crate::time::parse_time_of_day(&line[11..19]).is_some()
        && bytecount::count(line, b' ') >= 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_iis_and_httperr() {
        assert_eq!(sniff(b"\xEF\xBB\xBF#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n"), Format::Iis);
        assert_eq!(
            sniff(b"#Software: Microsoft HTTP API 2.0\n#Version: 1.0\n"),
            Format::HttpErr
        );
        assert_eq!(
            sniff(b"2026-03-02 10:00:00 10.0.0.1 GET /owa/ - 443 - 1.2.3.4 UA - 200 0 0 1\n"),
            Format::Iis
        );
    }

    #[test]
    fn skips_other_content() {
        assert!(matches!(sniff(b""), Format::Unsupported(_)));
        assert!(matches!(sniff(b"hello world\n"), Format::Unsupported(_)));
        assert!(matches!(
            sniff(b"#Software: Microsoft Exchange Server\n#Fields: date-time,client-ip\n"),
            Format::Unsupported(_)
        ));
        assert!(matches!(
            sniff(b"\x00\x01\x02binary"),
            Format::Unsupported(_)
        ));
        assert!(matches!(sniff(b"ElfFile\x00rest"), Format::Unsupported(_)));
    }

    #[test]
    fn event_exports_are_recognised_before_w3c() {
        let csv = b"Level,Date and Time,Source,Event ID,Task Category\r\nError,3/2/2026 10:10:15 AM,MSExchange Availability,4002,Availability Service,x\r\n";
        assert_eq!(
            sniff_input(csv, "Application.csv", &Vocabulary::default()),
            Format::Event(EventFormat::ViewerCsv)
        );
        assert_eq!(Format::Event(EventFormat::ViewerCsv).name(), "event-csv");
        assert!(matches!(
            sniff_input(
                b"0\0\0\0LfLe\x01\0\0\0",
                "SysEvent.Evt",
                &Vocabulary::default()
            ),
            Format::Unsupported(_)
        ));
        assert_eq!(
            sniff_input(
                b"#Software: Microsoft HTTP API 2.0\n#Version: 1.0\n",
                "h.log",
                &Vocabulary::default()
            ),
            Format::HttpErr
        );
    }
}
