//! A borrowed view of one parsed W3C line, with typed accessors.
//!
//! Nothing here allocates; a record lives as long as the chunk buffer it points into. It is
//! the parser's view, not the model's: classification turns it into a `Finding`.

use super::header::HeaderState;
use super::layout::Field;
use super::split::{value, Span};
use crate::parse::parse_num;
use crate::time::{self, TimeKey, UnixTime};

/// One W3C data line split into values under the header in force.
#[derive(Debug, Clone, Copy)]
pub struct W3cRecord<'a> {
    pub line: &'a [u8],
    pub spans: &'a [Span],
    pub header: &'a HeaderState,
}

impl<'a> W3cRecord<'a> {
    /// A field's value; `None` when the layout lacks it or the value is `-`.
    pub fn get(&self, field: Field) -> Option<&'a [u8]> {
        let i = self.header.layout.index(field)?;
        value(self.line, *self.spans.get(i)?)
    }

    /// The date and time fields of the record. UTC `time` goes with `date`, or with the
    /// `#Date` directive when the layout has no `date`; a server-local `time-local` only ever
    /// goes with `date-local` (pairing it with the UTC `#Date` would be wrong by a day around
    /// midnight).
    fn date_time(&self) -> Option<(&'a [u8], &'a [u8])> {
        if let Some(time) = self.get(Field::Time) {
            let date = self
                .get(Field::Date)
                .or_else(|| self.header.date.as_ref().map(|d| &d[..]))?;
            return Some((date, time));
        }
        Some((self.get(Field::DateLocal)?, self.get(Field::TimeLocal)?))
    }

    /// The record's time is UTC (`time`), not the server's local `time-local`.
    pub fn has_utc_time(&self) -> bool {
        self.get(Field::Time).is_some()
    }

    pub fn time(&self) -> Option<UnixTime> {
        let (date, time) = self.date_time()?;
        time::parse_date_time(date, time)
    }

    pub fn time_key(&self) -> Option<TimeKey> {
        let (date, time) = self.date_time()?;
        time::time_key(date, time)
    }

    /// The request path: `cs-uri-stem`, or the path part of HTTPERR's `cs-uri`.
    pub fn path(&self) -> Option<&'a [u8]> {
        if let Some(stem) = self.get(Field::UriStem) {
            return Some(stem);
        }
        let uri = self.get(Field::Uri)?;
        let uri = strip_scheme_and_host(uri);
        let end = memchr::memchr(b'?', uri).unwrap_or(uri.len());
        Some(&uri[..end])
    }

    pub fn status(&self) -> Option<u16> {
        parse_num(self.get(Field::Status)?)
    }

    pub fn sub_status(&self) -> Option<u32> {
        parse_num(self.get(Field::SubStatus)?)
    }

    pub fn win32_status(&self) -> Option<u64> {
        parse_num(self.get(Field::Win32Status)?)
    }
}

/// `https://host:443/path` → `/path`.
fn strip_scheme_and_host(uri: &[u8]) -> &[u8] {
    let Some(after) = memchr::memmem::find(uri, b"://").map(|i| &uri[i + 3..]) else {
        return uri;
    };
    memchr::memchr(b'/', after).map_or(b"/", |i| &after[i..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::w3c::layout::FieldLayout;
    use crate::parse::w3c::split::split;
    use std::sync::Arc;

    #[test]
    fn reads_httperr_uri_and_header_date() {
        let mut header =
            HeaderState::initial(Arc::new(FieldLayout::parse("time cs-uri sc-status")));
        header.apply_line(b"#Date: 2026-03-02 00:00:00");
        let line = b"10:03:05 https://mail.contoso.com:443/EWS/Exchange.asmx/WSSecurity?x=1 503";
        let mut spans = Vec::new();
        split(line, 3, &mut spans).unwrap();
        let rec = W3cRecord {
            line,
            spans: &spans,
            header: &header,
        };
        assert_eq!(rec.path(), Some(&b"/EWS/Exchange.asmx/WSSecurity"[..]));
        assert_eq!(rec.status(), Some(503));
        assert_eq!(time::format_opt(rec.time()), "2026-03-02T10:03:05Z");
    }
}
