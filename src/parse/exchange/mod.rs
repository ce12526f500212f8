//! Exchange's own CSV logs: HttpProxy (`Logging/HttpProxy/<Protocol>/HttpProxy_*.LOG`),
//! message tracking, SMTP receive/send and IMAP/POP protocol logs. They share a W3C-like
//! header (`#Software: Microsoft Exchange Server`, `#Log-type: ...`, `#Fields:` with
//! comma-separated names) above RFC 4180 rows whose first cell is an ISO 8601 UTC time.
//!
//! HttpProxy rows are read field by field (the front end's record of each proxied request:
//! status, `ErrorCode`, `GenericErrors`, target server, request id); every other Exchange log
//! is read row by row and counted, every line accounted for, but not classified. A file
//! without its header is recognised by the shape of its rows (see [`sniff`]).

pub mod row;
pub mod scan;

pub use scan::{read, ExchangeOutput, ProxyField, ProxyLayout, ProxyRow, ProxySink};

/// Which Exchange log an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeLog {
    /// `#Log-type: HttpProxy Logs`, or rows of its shape.
    HttpProxy,
    /// Message tracking, SMTP, IMAP/POP, EWS, ECP...: counted, not classified.
    Other,
}

impl ExchangeLog {
    /// The name in the inventory's `format` column.
    pub fn name(self) -> &'static str {
        match self {
            ExchangeLog::HttpProxy => "exchange-httpproxy",
            ExchangeLog::Other => "exchange-csv",
        }
    }
}

/// How many leading lines are looked at.
const SNIFF_LINES: usize = 32;

/// Detects an Exchange CSV log from its first bytes: by its header, or, for a file without
/// one, by its first row: an HttpProxy row starts `<ISO time>,<GUID request id>,<major
/// version>,...`; any other row that starts with an ISO 8601 UTC time and has at least five
/// cells is an Exchange CSV log of some other kind (the SMTP, IMAP/POP and tracking rows
/// Elastic's samples hold without their headers).
pub fn sniff(head: &[u8]) -> Option<ExchangeLog> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(SNIFF_LINES);
    let mut exchange_header = false;
    let mut httpproxy = false;
    for line in lines.by_ref() {
        if line.first() != Some(&b'#') {
            if exchange_header {
                break;
            }
            return row_shape(line);
        }
        exchange_header |= is_exchange_directive(line);
        httpproxy |= starts_with_ci(line, b"#log-type: httpproxy")
            || starts_with_ci(line, b"#fields: datetime,requestid,");
    }
    exchange_header.then_some(if httpproxy {
        ExchangeLog::HttpProxy
    } else {
        ExchangeLog::Other
    })
}

/// The kind of log a header-less first row belongs to, if it is an Exchange CSV row.
fn row_shape(line: &[u8]) -> Option<ExchangeLog> {
    let mut cells = Vec::new();
    row::split(line, &mut cells).ok()?;
    let cell = |i: usize| cells.get(i).map(|c| row::raw(line, *c));
    scan::iso_time(cell(0)?)?;
    let version = cell(2).is_some_and(|v| !v.is_empty() && v.iter().all(u8::is_ascii_digit));
    if cells.len() >= 20 && cell(1).is_some_and(is_guid) && version {
        return Some(ExchangeLog::HttpProxy);
    }
    (cells.len() >= 5).then_some(ExchangeLog::Other)
}

/// `8-4-4-4-12` hexadecimal digits.
pub fn is_guid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A GUID's 128 bits (`8-4-4-4-12` hexadecimal digits, either case). Every failed IIS line
/// carries one (`cafeReqId=`), and its digits are random: they are read through a table
/// with no branch per digit (a branch on `0-9` or `a-f` mispredicted every other digit),
/// into two 64-bit halves.
pub fn parse_guid(b: &[u8]) -> Option<u128> {
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut bad = 0u8;
    let mut half = |ranges: [std::ops::Range<usize>; 3]| {
        ranges
            .into_iter()
            .flat_map(|r| &b[r])
            .fold(0u64, |acc, &c| {
                let v = HEX[usize::from(c)];
                bad |= v;
                acc << 4 | u64::from(v & 0x0f)
            })
    };
    let high = half([0..8, 9..13, 14..18]);
    let low = half([19..23, 24..36, 36..36]);
    (bad & NOT_HEX == 0).then_some(u128::from(high) << 64 | u128::from(low))
}

/// [`HEX`]'s mark of a byte that is no hexadecimal digit.
const NOT_HEX: u8 = 0x80;

/// The value of each hexadecimal digit, [`NOT_HEX`] for every other byte.
static HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// A GUID as Exchange writes it: lower-case `8-4-4-4-12`.
pub fn format_guid(id: u128) -> String {
    let mut out = Vec::with_capacity(36);
    push_guid(&mut out, id);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `id` as a lower-case GUID, `8-4-4-4-12` hex digits: once per row of the findings
/// reports, where `format!` (two strings per row) showed in profiles.
pub fn push_guid(out: &mut Vec<u8>, id: u128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for nibble in 0..32 {
        if matches!(nibble, 8 | 12 | 16 | 20) {
            out.push(b'-');
        }
        let shift = 124 - 4 * nibble;
        out.push(HEX[((id >> shift) & 0xF) as usize]);
    }
}

fn starts_with_ci(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// A directive only Exchange's own CSV logs write: their `#Software`, or `#Fields` with
/// commas (the W3C sniffer uses it too, to leave such a log to this reader).
pub fn is_exchange_directive(line: &[u8]) -> bool {
    starts_with_ci(line, b"#software: microsoft exchange") || is_csv_fields(line)
}

/// Exchange's logs write `#Fields:` comma-separated, W3C space-separated.
fn is_csv_fields(line: &[u8]) -> bool {
    starts_with_ci(line, b"#fields:")
        && line.contains(&b',')
        && !line[8..].trim_ascii().contains(&b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_read_in_either_case_and_round_trip() {
        let text = "0c6a0bb4-61d5-4b1a-8e53-5c2d3f0a2b11";
        let id = parse_guid(text.as_bytes()).expect("a guid");
        assert_eq!(id, 0x0c6a0bb4_61d5_4b1a_8e53_5c2d3f0a2b11);
        assert_eq!(format_guid(id), text);
        assert_eq!(parse_guid(text.to_ascii_uppercase().as_bytes()), Some(id));
        for bad in [
            "0c6a0bb4-61d5-4b1a-8e53-5c2d3f0a2b1",
            "0c6a0bb4-61d5-4b1a-8e53-5c2d3f0a2b11a",
            "0c6a0bb4-61d5-4b1a-8e53-5c2d3f0a2bx1",
            "0c6a0bb4061d5-4b1a-8e53-5c2d3f0a2b11",
            "0c6a-bb4-61d5-4b1a-8e53-5c2d3f0a2b11",
        ] {
            assert_eq!(parse_guid(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn headers_name_the_log() {
        let proxy = b"#Software: Microsoft Exchange Server\r\n#Version: 15.01.2375.007\r\n#Log-type: HttpProxy Logs\r\n#Date: 2023-01-09T19:00:00.130Z\r\n#Fields: DateTime,RequestId,MajorVersion\r\n";
        assert_eq!(sniff(proxy), Some(ExchangeLog::HttpProxy));
        let tracking = b"\xEF\xBB\xBF#Software: Microsoft Exchange Server\n#Log-type: Message Tracking Log\n#Fields: date-time,client-ip\n2021-11-03T08:00:32.100Z,1.1.1.1\n";
        assert_eq!(sniff(tracking), Some(ExchangeLog::Other));
        assert_eq!(
            sniff(b"#Software: Microsoft Internet Information Services 10.0\n#Fields: date time\n"),
            None
        );
        assert_eq!(
            sniff(b"#Software: Microsoft HTTP API 2.0\n#Fields: date time c-ip\n"),
            None
        );
    }

    #[test]
    fn headerless_rows_are_known_by_shape() {
        let proxy = b"2024-01-24T15:26:47.957Z,3422ea93-768f-4cd4-8b0c-578038deb0b2,15,1,2507,35,,Mapi,mail.domain.tld,/mapi/emsmdb/,,Negotiate,true,DOMAIN\\user,domain.tld,x,Outlook,10.12.13.14,Host123,200,200,,POST\n";
        assert_eq!(sniff(proxy), Some(ExchangeLog::HttpProxy));
        let smtp = b"2024-01-25T15:14:39.460Z,Inbound Proxy Internal Send Connector,08DC1DB8591B22A0,1,,10.11.12.13:2525,*,,attempting to connect";
        assert_eq!(sniff(smtp), Some(ExchangeLog::Other));
        assert_eq!(
            sniff(b"2026-03-02 10:00:00 10.0.0.1 GET /owa/ - 443\n"),
            None
        );
        assert_eq!(sniff(b"Level,Date and Time,Source\n"), None);
        assert_eq!(sniff(b"2024-01-25T15:14:39Z,a,b\n"), None);
        assert!(is_guid(b"3422ea93-768f-4cd4-8b0c-578038deb0b2"));
        assert!(!is_guid(b"3422ea93-768f-4cd4-8b0c-578038deb0bz"));
        assert_eq!(
            parse_guid(b"3422EA93-768f-4cd4-8b0c-578038deb0b2"),
            Some(0x3422ea93_768f_4cd4_8b0c_578038deb0b2)
        );
        assert_eq!(
            format_guid(0x0022ea93_768f_4cd4_8b0c_578038deb0b2),
            "0022ea93-768f-4cd4-8b0c-578038deb0b2"
        );
    }
}
