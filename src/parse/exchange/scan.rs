//! Reads an Exchange CSV log line by line: directives (`#Fields` sets the layout), rows split
//! into cells, HttpProxy rows handed to a [`ProxySink`] with their layout. One reused line
//! buffer (bounded by [`MAX_LINE_BYTES`]) and one reused cell list: nothing is allocated per
//! line. Every line lands in one bucket of the [`Tally`]: record, directive, blank, rejected.

use std::io::BufRead;

use super::row::{self, Cell};
use super::ExchangeLog;
use crate::input::limits::MAX_LINE_BYTES;
use crate::tally::{Rejection, Tally};
use crate::time::{self, UnixTime};

/// The HttpProxy columns fbscope reads (Exchange's column names; the rest are counted only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyField {
    DateTime,
    RequestId,
    Protocol,
    UrlHost,
    UrlStem,
    UserAgent,
    ClientIpAddress,
    ServerHostName,
    HttpStatus,
    BackEndStatus,
    ErrorCode,
    Method,
    TargetServer,
    UrlQuery,
    GenericErrors,
    TotalRequestTime,
}

/// Column names as HttpProxy's `#Fields` writes them (compared case-insensitively: some
/// builds write `BackendStatus`).
const KNOWN: [(&str, ProxyField); 16] = [
    ("DateTime", ProxyField::DateTime),
    ("RequestId", ProxyField::RequestId),
    ("Protocol", ProxyField::Protocol),
    ("UrlHost", ProxyField::UrlHost),
    ("UrlStem", ProxyField::UrlStem),
    ("UserAgent", ProxyField::UserAgent),
    ("ClientIpAddress", ProxyField::ClientIpAddress),
    ("ServerHostName", ProxyField::ServerHostName),
    ("HttpStatus", ProxyField::HttpStatus),
    ("BackEndStatus", ProxyField::BackEndStatus),
    ("ErrorCode", ProxyField::ErrorCode),
    ("Method", ProxyField::Method),
    ("TargetServer", ProxyField::TargetServer),
    ("UrlQuery", ProxyField::UrlQuery),
    ("GenericErrors", ProxyField::GenericErrors),
    ("TotalRequestTime", ProxyField::TotalRequestTime),
];

/// An HttpProxy `#Fields` resolved once to the indexes of the columns fbscope reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyLayout {
    columns: usize,
    index: [Option<usize>; KNOWN.len()],
}

impl ProxyLayout {
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut layout = ProxyLayout::default();
        for (i, name) in names.into_iter().enumerate() {
            layout.columns = i + 1;
            let known = KNOWN
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(name.trim()));
            if let Some(k) = known {
                layout.index[k].get_or_insert(i);
            }
        }
        layout
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    fn index(&self, field: ProxyField) -> Option<usize> {
        self.index[field as usize]
    }
}

/// One HttpProxy row under its layout.
#[derive(Debug, Clone, Copy)]
pub struct ProxyRow<'a> {
    pub line: &'a [u8],
    pub cells: &'a [Cell],
    pub layout: &'a ProxyLayout,
}

impl<'a> ProxyRow<'a> {
    /// A column's raw value; `None` when the layout or the row lacks it or it is empty.
    pub fn get(&self, field: ProxyField) -> Option<&'a [u8]> {
        let cell = *self.cells.get(self.layout.index(field)?)?;
        Some(row::raw(self.line, cell)).filter(|v| !v.is_empty())
    }

    /// A column's text (quotes undoubled), empty when absent.
    pub fn text(&self, field: ProxyField) -> String {
        let Some(i) = self.layout.index(field) else {
            return String::new();
        };
        self.cells
            .get(i)
            .map(|c| row::text(self.line, *c).into_owned())
            .unwrap_or_default()
    }

    pub fn time(&self) -> Option<UnixTime> {
        let (date, time) = iso_time(self.get(ProxyField::DateTime)?)?;
        time::parse_date_time(date, time)
    }

    /// The fraction of `DateTime`'s second (`2026-03-02T09:12:44.123Z`: milliseconds).
    pub fn subsec(&self) -> Option<time::SubSecond> {
        time::SubSecond::of_iso(self.get(ProxyField::DateTime)?)
    }

    pub fn status(&self) -> Option<u16> {
        crate::parse::parse_num(self.get(ProxyField::HttpStatus)?)
    }
}

/// Where HttpProxy rows go (the classifier).
pub trait ProxySink {
    fn row(&mut self, line: u64, row: &ProxyRow<'_>, tally: &mut Tally);
}

/// What reading one Exchange log produced.
#[derive(Debug, Clone, Default)]
pub struct ExchangeOutput {
    pub tally: Tally,
    pub rejections: Vec<Rejection>,
    pub notes: Vec<String>,
    /// Why reading stopped before the end (a read error), if it did.
    pub stopped: Option<String>,
}

/// The date and time of an ISO 8601 UTC cell (`2024-01-24T15:26:47.957Z`).
pub fn iso_time(b: &[u8]) -> Option<(&[u8], &[u8])> {
    if b.len() < 20 || b[10] != b'T' || b.last() != Some(&b'Z') {
        return None;
    }
    let (date, time) = (&b[..10], &b[11..b.len() - 1]);
    time::parse_date_time(date, time)?;
    Some((date, time))
}

/// The reader's state between lines.
struct State<'a> {
    kind: ExchangeLog,
    default: ProxyLayout,
    /// The `#Fields` in force: its column count and, for HttpProxy, its layout.
    fields: Option<(usize, ProxyLayout)>,
    first_assumed: Option<u64>,
    mismatched: (u64, u64, usize),
    log_type: Option<String>,
    out: ExchangeOutput,
    sink: &'a mut dyn ProxySink,
}

/// Reads a whole Exchange log. `default_fields` is the layout assumed for HttpProxy rows that
/// come before any `#Fields` (grammars/exchange.toml).
pub fn read(
    reader: &mut dyn BufRead,
    kind: ExchangeLog,
    default_fields: &[String],
    sink: &mut dyn ProxySink,
) -> ExchangeOutput {
    let mut state = State {
        kind,
        default: ProxyLayout::from_names(default_fields.iter().map(String::as_str)),
        fields: None,
        first_assumed: None,
        mismatched: (0, 0, 0),
        log_type: None,
        out: ExchangeOutput::default(),
        sink,
    };
    let mut buf = Vec::new();
    let mut cells = Vec::new();
    loop {
        match next_line(reader, &mut buf) {
            Ok(None) => break,
            Ok(Some((consumed, cut))) => {
                state.out.tally.bytes += consumed as u64;
                state.line(&buf, cut, &mut cells);
            }
            Err(e) => {
                state.out.stopped = Some(format!(
                    "read error after line {}: {e}",
                    state.out.tally.lines
                ));
                break;
            }
        }
    }
    state.finish()
}

impl State<'_> {
    fn line(&mut self, raw: &[u8], cut: bool, cells: &mut Vec<Cell>) {
        let t = &mut self.out.tally;
        t.lines += 1;
        let n = t.lines;
        let mut line = raw.strip_suffix(b"\n").unwrap_or(raw);
        line = line.strip_suffix(b"\r").unwrap_or(line);
        if n == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if cut {
            let reason = format!("line longer than {MAX_LINE_BYTES} bytes: not read");
            return self.reject(n, reason, line);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            t.blank += 1;
        } else if line.first() == Some(&b'#') {
            t.directives += 1;
            self.directive(line);
        } else {
            self.data(n, line, cells);
        }
    }

    fn directive(&mut self, line: &[u8]) {
        let value = |prefix: &[u8]| {
            (line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)).then(
                || {
                    String::from_utf8_lossy(&line[prefix.len()..])
                        .trim()
                        .to_owned()
                },
            )
        };
        if let Some(names) = value(b"#fields:") {
            let layout = ProxyLayout::from_names(names.split(','));
            self.fields = Some((layout.columns(), layout));
        } else if let Some(log_type) = value(b"#log-type:") {
            self.log_type.get_or_insert(log_type);
        }
    }

    fn data(&mut self, n: u64, line: &[u8], cells: &mut Vec<Cell>) {
        if let Err(e) = row::split(line, cells) {
            return self.reject(n, format!("not a CSV row: {e}"), line);
        }
        if iso_time(row::raw(line, cells[0])).is_none() {
            let reason = "first column is not an ISO 8601 UTC time".to_owned();
            return self.reject(n, reason, line);
        }
        let t = &mut self.out.tally;
        t.records += 1;
        if let Some(key) = time::time_key(&line[..10], &line[11..19]) {
            t.saw_time(key);
        }
        if self.fields.is_none() {
            t.assumed_layout += 1;
            self.first_assumed.get_or_insert(n);
        }
        // The column count the row should have: its #Fields', or the default HttpProxy set's
        // (an Exchange 2013 row, with fewer columns, is read by position and noted).
        let expected = match (&self.fields, self.kind) {
            (Some((columns, _)), _) => Some(*columns),
            (None, ExchangeLog::HttpProxy) => Some(self.default.columns()),
            (None, ExchangeLog::Other) => None,
        };
        if let Some(columns) = expected.filter(|&c| c != cells.len()) {
            let m = &mut self.mismatched;
            if m.0 == 0 {
                (m.1, m.2) = (n, columns);
            }
            m.0 += 1;
        }
        if self.kind == ExchangeLog::HttpProxy {
            let layout = self.fields.as_ref().map_or(&self.default, |(_, l)| l);
            let row = ProxyRow {
                line,
                cells,
                layout,
            };
            self.sink.row(n, &row, &mut self.out.tally);
        }
    }

    fn reject(&mut self, n: u64, reason: String, line: &[u8]) {
        self.out.tally.rejected += 1;
        if self.out.rejections.len() < crate::tally::REJECTED_KEPT_PER_INPUT {
            self.out.rejections.push(Rejection::new(n, reason, line));
        }
    }

    fn finish(mut self) -> ExchangeOutput {
        let notes = &mut self.out.notes;
        if let Some(first) = self.first_assumed {
            notes.push(match self.kind {
                ExchangeLog::HttpProxy => format!(
                    "no #Fields before line {first}: the documented default HttpProxy field set ({} fields, grammars/exchange.toml) assumed",
                    self.default.columns()
                ),
                ExchangeLog::Other => format!(
                    "no #Fields before line {first}: layout unknown"
                ),
            });
        }
        if let Some(log_type) = &self.log_type {
            notes.push(format!("Log-type: {log_type}"));
        }
        if self.kind == ExchangeLog::Other && self.out.tally.records > 0 {
            notes.push("not a free/busy log: rows counted, not classified".into());
        }
        let (rows, first, columns) = self.mismatched;
        if rows > 0 {
            notes.push(format!(
                "{rows} rows whose column count is not the {columns} their field set names (the first at line {first}): read by position"
            ));
        }
        self.out
    }
}

/// Reads the next line (with its line end) into `buf`, keeping at most [`MAX_LINE_BYTES`] + 1
/// bytes of it and skipping the rest: `(bytes consumed, cut)`, `None` at the end.
fn next_line(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<(usize, bool)>> {
    buf.clear();
    let mut consumed = 0;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            let cut = buf.len() > MAX_LINE_BYTES;
            return Ok((consumed > 0).then_some((consumed, cut)));
        }
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = (MAX_LINE_BYTES + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        reader.consume(take);
        consumed += take;
        if done {
            return Ok(Some((consumed, buf.len() > MAX_LINE_BYTES)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps (line, status, error code) of every row.
    #[derive(Default)]
    struct Rows(Vec<(u64, Option<u16>, String, String)>);

    impl ProxySink for Rows {
        fn row(&mut self, line: u64, row: &ProxyRow<'_>, _: &mut Tally) {
            let stem = row.text(ProxyField::UrlStem);
            self.0
                .push((line, row.status(), row.text(ProxyField::ErrorCode), stem));
        }
    }

    fn fields(s: &str) -> Vec<String> {
        s.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn reads_rows_under_their_fields_and_accounts_every_line() {
        let log = b"#Software: Microsoft Exchange Server\r\n#Log-type: HttpProxy Logs\r\n#Fields: DateTime,RequestId,UrlStem,HttpStatus,ErrorCode\r\n\
2026-03-02T09:10:14.120Z,0b1e,/EWS/Exchange.asmx/WSSecurity,401,\"Auth, \"\"failed\"\"\"\r\n\
\r\n\
not a row\r\n\
2026-03-02T09:10:15.120Z,0b1f,/ews/,200,\r\n";
        let mut rows = Rows::default();
        let out = read(&mut &log[..], ExchangeLog::HttpProxy, &[], &mut rows);
        let t = &out.tally;
        assert_eq!(
            (t.lines, t.directives, t.records, t.blank, t.rejected),
            (7, 3, 2, 1, 1)
        );
        assert!(t.is_balanced());
        assert_eq!(t.bytes, log.len() as u64);
        assert_eq!(rows.0[0].1, Some(401));
        assert_eq!(rows.0[0].2, "Auth, \"failed\"");
        assert_eq!(rows.0[1].0, 7);
        assert_eq!(out.rejections[0].position, 6);
        assert!(out.notes.iter().any(|n| n == "Log-type: HttpProxy Logs"));
    }

    #[test]
    fn headerless_rows_use_the_default_fields_and_say_so() {
        let log = b"2026-03-02T09:10:14Z,x,/EWS/Exchange.asmx/WSSecurity,503";
        let mut rows = Rows::default();
        let default = fields("DateTime,RequestId,UrlStem,HttpStatus");
        let out = read(&mut &log[..], ExchangeLog::HttpProxy, &default, &mut rows);
        assert_eq!(out.tally.records, 1);
        assert_eq!(out.tally.assumed_layout, 1);
        assert_eq!(rows.0[0].1, Some(503));
        assert!(out.notes[0].starts_with("no #Fields before line 1: the documented default"));
    }

    #[test]
    fn other_logs_are_counted_not_read_and_odd_rows_noted() {
        let log =
            b"#Fields: date-time,a,b\n2021-11-03T08:00:32.100Z,1\n2021-11-03T08:00:33.100Z,1,2\n";
        let mut rows = Rows::default();
        let out = read(&mut &log[..], ExchangeLog::Other, &[], &mut rows);
        assert!(rows.0.is_empty());
        assert_eq!(out.tally.records, 2);
        assert!(out
            .notes
            .iter()
            .any(|n| n.starts_with("1 rows whose column count")));
    }

    proptest::proptest! {
        /// Arbitrary bytes, read as an HttpProxy log under its real default layout: no panic,
        /// every line in one bucket, every byte counted, and the sniffer survives them too.
        #[test]
        fn never_panics_and_every_line_lands_in_one_bucket(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000),
        ) {
            static DEFAULTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
            let defaults = DEFAULTS.get_or_init(|| {
                let g = crate::grammar::Grammar::embedded().expect("shipped grammars load");
                g.traffic.httpproxy.default_fields
            });
            let out = read(&mut &bytes[..], ExchangeLog::HttpProxy, defaults, &mut Rows::default());
            proptest::prop_assert!(out.tally.is_balanced());
            proptest::prop_assert_eq!(out.tally.bytes, bytes.len() as u64);
            let lines = bytecount::count(&bytes, b'\n') as u64
                + u64::from(bytes.last().is_some_and(|&b| b != b'\n'));
            proptest::prop_assert_eq!(out.tally.lines, lines);
            let _ = super::super::sniff(&bytes);
        }

        /// Rows of CSV-ish text (commas, quotes, doubled quotes) split without panicking, and a
        /// row that splits gives cells inside the line.
        #[test]
        fn rows_split_within_the_line(line in "[a-z,\"\\ ]{0,80}") {
            let mut cells = Vec::new();
            if row::split(line.as_bytes(), &mut cells).is_ok() {
                proptest::prop_assert!(!cells.is_empty());
                for c in &cells {
                    proptest::prop_assert!(c.start <= c.end && c.end <= line.len());
                }
            }
        }
    }

    #[test]
    fn long_lines_are_rejected_without_being_kept() {
        let mut log = vec![b'x'; MAX_LINE_BYTES + 10];
        log.extend_from_slice(b"\n2026-03-02T09:10:14Z,a\n");
        let out = read(&mut &log[..], ExchangeLog::Other, &[], &mut Rows::default());
        assert_eq!((out.tally.rejected, out.tally.records), (1, 1));
        assert!(out.tally.is_balanced());
    }
}
