//! W3C directives (`#Fields`, `#Date`, ...) and the header state they leave in force.
//!
//! A chunk of a large file must know the `#Fields` in force at its first line. The pipeline
//! first scans every chunk for directives ([`HeaderDelta::scan`], a `memchr` pass), folds the
//! deltas in file order, and only then parses the chunks in parallel, each with the state in
//! force at its start.

use std::sync::Arc;

use super::layout::FieldLayout;

/// One directive line, borrowed.
#[derive(Debug, PartialEq, Eq)]
pub enum Directive<'a> {
    Fields(&'a [u8]),
    Date(&'a [u8]),
    Other,
}

impl<'a> Directive<'a> {
    /// Reads a line that starts with `#`.
    pub fn parse(line: &'a [u8]) -> Self {
        if let Some(rest) = strip_name(line, b"#fields:") {
            Directive::Fields(rest)
        } else if let Some(rest) = strip_name(line, b"#date:") {
            Directive::Date(trim(rest))
        } else {
            Directive::Other
        }
    }
}

fn strip_name<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    (line.len() >= name.len() && line[..name.len()].eq_ignore_ascii_case(name))
        .then(|| &line[name.len()..])
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// The header in force at a point of a file.
#[derive(Debug, Clone)]
pub struct HeaderState {
    pub layout: Arc<FieldLayout>,
    /// The date part of the last `#Date`, for layouts without a `date` column.
    pub date: Option<[u8; 10]>,
    /// No `#Fields` seen yet: `layout` is the assumed default.
    pub assumed: bool,
}

impl HeaderState {
    /// The state at the start of a file: the given default layout, marked as assumed.
    pub fn initial(default: Arc<FieldLayout>) -> Self {
        HeaderState {
            layout: default,
            date: None,
            assumed: true,
        }
    }

    /// Applies one directive line.
    pub fn apply_line(&mut self, line: &[u8]) {
        match Directive::parse(line) {
            Directive::Fields(spec) => {
                let layout = FieldLayout::parse(&String::from_utf8_lossy(spec));
                self.set_layout(Arc::new(layout));
            }
            Directive::Date(value) => self.date = date_part(value),
            Directive::Other => {}
        }
    }

    fn set_layout(&mut self, layout: Arc<FieldLayout>) {
        // Keep the shared Arc when a restart repeats the same #Fields.
        if *self.layout != *layout || self.assumed {
            self.layout = layout;
        }
        self.assumed = false;
    }

    /// Applies what a chunk's directives changed.
    pub fn apply_delta(&mut self, delta: &HeaderDelta) {
        if let Some(layout) = &delta.layout {
            self.set_layout(layout.clone());
        }
        if let Some(date) = delta.date {
            self.date = date;
        }
    }
}

/// Keeps `YYYY-MM-DD` of a `#Date:` value; other shapes (seen in non-IIS W3C writers) are ignored.
fn date_part(value: &[u8]) -> Option<[u8; 10]> {
    let head = value.get(..10)?;
    crate::time::parse_date(head)?;
    head.try_into().ok()
}

/// The net effect of the directives in one chunk: the last `#Fields` and the last `#Date`.
#[derive(Debug, Clone, Default)]
pub struct HeaderDelta {
    pub layout: Option<Arc<FieldLayout>>,
    /// `Some(None)` when the last `#Date` was unreadable.
    pub date: Option<Option<[u8; 10]>>,
}

impl HeaderDelta {
    /// Finds the directive lines of a line-aligned buffer.
    pub fn scan(buf: &[u8]) -> Self {
        let mut delta = HeaderDelta::default();
        for start in directive_starts(buf) {
            let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |e| start + e);
            let line = trim_cr(&buf[start..end]);
            match Directive::parse(line) {
                Directive::Fields(spec) => {
                    let layout = FieldLayout::parse(&String::from_utf8_lossy(spec));
                    delta.layout = Some(Arc::new(layout));
                }
                Directive::Date(value) => delta.date = Some(date_part(value)),
                Directive::Other => {}
            }
        }
        delta
    }
}

/// Offsets of the lines that start with `#`. `#` is rare in web logs (browsers do not send
/// URL fragments), so a single-byte search beats a two-byte `"\n#"` search, whose first
/// byte occurs on every line.
fn directive_starts(buf: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'#', buf).filter(move |&p| p == 0 || buf[p - 1] == b'\n')
}

/// The `s-computername` of the first data line of a log's head that has one: the server a
/// loose log belongs to when its path names none (the line value wins over nothing, never
/// over a path). Lines are read under the `#Fields` in force; a line whose values do not
/// match them is passed over, and so is a last line without its line end (the head may cut
/// it: "EX0" of "EX01" is no server).
pub fn first_computer_name(head: &[u8]) -> Option<&[u8]> {
    use super::layout::Field;
    let complete = &head[..head.iter().rposition(|&b| b == b'\n')?];
    let mut column: Option<(usize, usize)> = None; // (index, value count)
    let mut spans = Vec::new();
    for line in complete.split(|&b| b == b'\n').map(trim_cr) {
        if line.first() == Some(&b'#') {
            if let Directive::Fields(spec) = Directive::parse(line) {
                let layout = FieldLayout::parse(&String::from_utf8_lossy(spec));
                column = layout.index(Field::ComputerName).map(|i| (i, layout.len()));
            }
            continue;
        }
        let Some((index, count)) = column else {
            continue;
        };
        // The scanner's own split and value (quotes off, `-` is none): a line it would
        // reject names no server either.
        if super::split::split(line, count, &mut spans).is_ok() {
            if let Some(name) = super::split::value(line, spans[index]) {
                return Some(name);
            }
        }
    }
    None
}

/// Drops a trailing `\r` (CRLF files).
pub fn trim_cr(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::w3c::layout::Field;

    #[test]
    fn the_first_data_line_names_the_server() {
        let head = b"#Software: IIS\r\n#Fields: date time s-computername cs-uri-stem\r\n2026-03-02 00:00:01 - /owa\r\n2026-03-02 00:00:02 EX01 /ews\r\n";
        assert_eq!(first_computer_name(head), Some(&b"EX01"[..]));
        assert_eq!(
            first_computer_name(b"#Fields: date time cs-uri-stem\n2026-03-02 00:00:02 /ews\n"),
            None
        );
        // Values that do not match #Fields, and data before any #Fields, are passed over.
        assert_eq!(
            first_computer_name(
                b"2026 EX09 x\n#Fields: s-computername time\nEX01 a b\nEX02 00:00:01\n"
            ),
            Some(&b"EX02"[..])
        );
        // A quoted layout (Incapsula's, in the lnav corpus) names the server without quotes.
        assert_eq!(
            first_computer_name(b"#Fields: date s-computername\n\"2017-06-28\" \"WEB01\"\n"),
            Some(&b"WEB01"[..])
        );
        let cut = b"#Fields: date time s-computername\n2026-03-02 00:00:01 EX0";
        assert_eq!(first_computer_name(cut), None);
    }

    #[test]
    fn delta_keeps_the_last_fields_and_date() {
        let buf = b"#Software: x\r\n#Date: 2026-03-02 00:00:01\r\n#Fields: date time\r\na b\n#Fields: time cs-uri-stem sc-status\n";
        let delta = HeaderDelta::scan(buf);
        let layout = delta.layout.unwrap();
        assert_eq!(layout.len(), 3);
        assert_eq!(layout.index(Field::Status), Some(2));
        assert_eq!(delta.date, Some(Some(*b"2026-03-02")));
    }

    #[test]
    fn state_starts_assumed_and_rebinds() {
        let mut s = HeaderState::initial(FieldLayout::exchange_default());
        assert!(s.assumed);
        s.apply_line(b"#Fields: date time c-ip");
        assert!(!s.assumed);
        assert_eq!(s.layout.len(), 3);
        s.apply_line(b"#Date: 28/Jun/2017 07:28:59");
        assert_eq!(s.date, None);
    }
}
