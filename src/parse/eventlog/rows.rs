//! Delimited rows (CSV, tab-separated) as Event Viewer and PowerShell write them: quoted
//! fields may span lines and escape quotes as `""`.
//!
//! A row ends at the first line end outside quotes. An unbalanced quote would otherwise turn
//! the rest of the file into one field, so a quoted field is capped at
//! [`MAX_QUOTED_LINES`] lines and [`MAX_ROW_BYTES`] bytes: past either, or at the end of the
//! input, the row is reported broken, the lines after its first are read again, and reading
//! resumes at the first of them that starts like a row (the caller says what that looks like).

use std::io::{self, BufRead};

use super::text::LineReader;

/// Most lines one quoted field may span. The longest real event messages (4002 with a full
/// .NET stack trace and every inner exception) run to a few hundred lines; 10,000 is far past
/// that and still stops an unbalanced quote long before it swallows a large export.
pub const MAX_QUOTED_LINES: usize = 10_000;

/// Most bytes one row may hold (1 MiB): the same reasoning in bytes, and the bound on the
/// memory kept for re-reading a broken row's lines.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// What [`RowReader::next_row`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A row of fields, starting at `line`; read them with [`RowReader::field`].
    Fields { line: u64 },
    /// An empty (or whitespace-only) line between rows.
    Blank { line: u64 },
    /// A row that could not be read; its text is [`RowReader::raw`].
    Broken { line: u64, reason: String },
}

/// Reads rows from UTF-8 lines.
pub struct RowReader<R> {
    lines: LineReader<R>,
    delim: u8,
    line: Vec<u8>,
    values: Vec<u8>,
    ends: Vec<usize>,
    raw: Vec<u8>,
    resyncing: bool,
    tolerated: bool,
    /// A line inside a quoted field that starts like a row ends the field as unbalanced.
    strict_row_starts: bool,
}

/// Where the scan of a row stands between lines.
#[derive(Debug, Default)]
struct Scan {
    in_quote: bool,
    at_field_start: bool,
    after_quote: bool,
}

impl<R: BufRead> RowReader<R> {
    pub fn new(inner: R, delim: u8) -> Self {
        RowReader {
            lines: LineReader::new(inner),
            delim,
            line: Vec::new(),
            values: Vec::new(),
            ends: Vec::new(),
            raw: Vec::new(),
            resyncing: false,
            tolerated: false,
            strict_row_starts: false,
        }
    }

    /// Number of fields of the last row.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i` of the last row, unescaped (lines inside a quoted field joined by `\n`).
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.values[start..end])
    }

    /// Field `i` as text, lossily; empty when absent.
    pub fn text(&self, i: usize) -> String {
        String::from_utf8_lossy(self.field(i).unwrap_or_default()).into_owned()
    }

    /// The raw text of the last row (its lines joined by `\n`).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Treats a line that `starts_row` inside a quoted field as the start of the next row: the
    /// row with the unbalanced quote is rejected and reading goes on at that line. For
    /// formats whose row start is unmistakable (Event Viewer: level, date, source, numeric
    /// id); without it an unbalanced quote swallows rows until the next quote closes it.
    pub fn strict_row_starts(mut self) -> Self {
        self.strict_row_starts = true;
        self
    }

    /// True when the last row needed tolerance (text after a closing quote).
    pub fn tolerated(&self) -> bool {
        self.tolerated
    }

    /// Reads the next row; `None` at the end. After a broken row, lines for which
    /// `starts_row` is false are skipped as part of it.
    pub fn next_row(&mut self, starts_row: &dyn Fn(&[u8]) -> bool) -> io::Result<Option<Row>> {
        self.values.clear();
        self.ends.clear();
        self.raw.clear();
        self.tolerated = false;
        let first = loop {
            let Some(info) = self.lines.next_line(&mut self.line)? else {
                return Ok(None);
            };
            if self.resyncing && !starts_row(&self.line) {
                continue;
            }
            self.resyncing = false;
            if info.truncated {
                self.raw.extend_from_slice(&self.line);
                return Ok(Some(Row::Broken {
                    line: info.number,
                    reason: format!("line longer than {} bytes", super::text::MAX_LINE_BYTES),
                }));
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(Row::Blank { line: info.number }));
            }
            break info.number;
        };
        self.read_row(first, starts_row).map(Some)
    }

    fn read_row(&mut self, first: u64, starts_row: &dyn Fn(&[u8]) -> bool) -> io::Result<Row> {
        let mut scan = Scan {
            at_field_start: true,
            ..Scan::default()
        };
        let mut line_count = 1;
        loop {
            self.raw.extend_from_slice(&self.line);
            self.raw.push(b'\n');
            let line = std::mem::take(&mut self.line);
            let done = self.scan_line(&line, &mut scan);
            self.line = line;
            if done {
                return Ok(Row::Fields { line: first });
            }
            if line_count >= MAX_QUOTED_LINES || self.raw.len() >= MAX_ROW_BYTES {
                let reason = format!(
                    "unbalanced quote: quoted field not closed within {MAX_QUOTED_LINES} lines or {} MiB",
                    MAX_ROW_BYTES >> 20
                );
                return Ok(self.broken(first, reason));
            }
            match self.lines.next_line(&mut self.line)? {
                Some(info)
                    if self.strict_row_starts && !info.truncated && starts_row(&self.line) =>
                {
                    let reason =
                        format!("unbalanced quote: line {} starts the next row", info.number);
                    self.raw.extend_from_slice(&self.line);
                    self.raw.push(b'\n');
                    return Ok(self.broken(first, reason));
                }
                Some(info) if !info.truncated => line_count += 1,
                Some(_) => {
                    return Ok(self.broken(first, "line longer than 1 MiB in a quoted field".into()))
                }
                None => {
                    return Ok(self.broken(first, "quoted field not closed at end of input".into()))
                }
            }
        }
    }

    /// Reports the row starting at `first` broken and puts its later lines back to be read.
    fn broken(&mut self, first: u64, reason: String) -> Row {
        let first_end = memchr::memchr(b'\n', &self.raw).map_or(self.raw.len(), |i| i + 1);
        let rest = self.raw.split_off(first_end);
        if !rest.is_empty() {
            self.lines.push_back(&rest, first + 1);
        }
        self.raw.pop();
        self.resyncing = true;
        Row::Broken {
            line: first,
            reason,
        }
    }

    /// Scans one line into fields; true when the row is complete.
    fn scan_line(&mut self, line: &[u8], s: &mut Scan) -> bool {
        let mut i = 0;
        loop {
            if s.in_quote {
                match memchr::memchr(b'"', &line[i..]) {
                    None => {
                        self.values.extend_from_slice(&line[i..]);
                        self.values.push(b'\n');
                        return false;
                    }
                    Some(j) => {
                        self.values.extend_from_slice(&line[i..i + j]);
                        i += j + 1;
                        if line.get(i) == Some(&b'"') {
                            self.values.push(b'"');
                            i += 1;
                        } else {
                            s.in_quote = false;
                            s.after_quote = true;
                        }
                    }
                }
                continue;
            }
            if s.at_field_start && line.get(i) == Some(&b'"') {
                s.in_quote = true;
                s.at_field_start = false;
                i += 1;
                continue;
            }
            s.at_field_start = false;
            let end = memchr::memchr(self.delim, &line[i..]).map(|j| i + j);
            let stop = end.unwrap_or(line.len());
            self.tolerated |= s.after_quote && stop > i;
            self.values.extend_from_slice(&line[i..stop]);
            self.ends.push(self.values.len());
            s.after_quote = false;
            match end {
                Some(e) => {
                    i = e + 1;
                    s.at_field_start = true;
                }
                None => return true,
            }
        }
    }
}

/// Trims ASCII whitespace.
pub fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, delim: u8) -> Vec<String> {
        let mut r = RowReader::new(text.as_bytes(), delim);
        let starts = |l: &[u8]| l.starts_with(b"Error");
        let mut out = Vec::new();
        while let Some(row) = r.next_row(&starts).unwrap() {
            out.push(match row {
                Row::Fields { line } => {
                    let f: Vec<String> = (0..r.len()).map(|i| r.text(i)).collect();
                    format!("{line}:{}", f.join("|"))
                }
                Row::Blank { line } => format!("{line}:blank"),
                Row::Broken { line, reason } => format!("{line}:broken:{reason}"),
            });
        }
        out
    }

    #[test]
    fn reads_quoted_multiline_fields_with_escaped_quotes() {
        let text = "a,b\r\nError,\"one\r\n\"\"two\"\"\r\nthree\",x\r\n\r\nError,plain\r\n";
        assert_eq!(
            rows(text, b','),
            [
                "1:a|b",
                "2:Error|one\n\"two\"\nthree|x",
                "5:blank",
                "6:Error|plain"
            ]
        );
    }

    #[test]
    fn reads_tabs_and_empty_fields() {
        assert_eq!(rows("a\t\tc\t\n", b'\t'), ["1:a||c|"]);
    }

    #[test]
    fn unclosed_quote_at_end_resyncs_on_the_next_row() {
        let text = "Error,\"never closed\nnoise\nError,next\nmore\n";
        let got = rows(text, b',');
        assert_eq!(got[0], "1:broken:quoted field not closed at end of input");
        assert_eq!(got[1], "3:Error|next");
        assert_eq!(got[2], "4:more");
    }

    #[test]
    fn unbalanced_quote_is_capped() {
        let mut text = String::from("Error,\"open\n");
        for _ in 0..MAX_QUOTED_LINES + 5 {
            text.push_str("filler\n");
        }
        text.push_str("Error,after\n");
        let got = rows(&text, b',');
        assert!(
            got[0].starts_with("1:broken:unbalanced quote"),
            "{}",
            got[0]
        );
        assert_eq!(got[1], format!("{}:Error|after", MAX_QUOTED_LINES + 7));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn text_after_closing_quote_is_kept_and_tolerated() {
        let mut r = RowReader::new(&b"\"ab\"cd,e\n"[..], b',');
        r.next_row(&|_| true).unwrap();
        assert_eq!(r.text(0), "abcd");
        assert!(r.tolerated());
    }
}
