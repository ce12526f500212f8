//! Reading the `evtx` crate's compact JSON rendering of one record: only the fields an
//! [`EventRecord`](crate::record::EventRecord) needs, in one pass, allocating only for the
//! values kept.
//!
//! A general JSON parser (serde building a tree of every attribute) cost as much as the
//! crate's own rendering; this walker skips what it does not need at memchr speed. Its
//! results are checked against a serde-based reading of every corpus record in the tests.

use std::borrow::Cow;

/// What is taken from one rendered record. The level and time are only looked at, so they
/// stay borrowed from the rendering (an allocation each per record showed in profiles).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Extracted<'a> {
    /// `System/Provider/@Name`, else `@EventSourceName`.
    pub provider: String,
    pub event_id: Option<u32>,
    /// The numeric level as written.
    pub level: Option<Cow<'a, str>>,
    /// `System/TimeCreated/@SystemTime`.
    pub system_time: Option<Cow<'a, str>>,
    pub computer: String,
    /// `EventData` then `UserData` values, in document order: scalars as written, `null`
    /// list items as empty strings, attributes and `Binary` skipped.
    pub data: Vec<String>,
}

/// Where the walker is, which decides what a value means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Root,
    Event,
    System,
    Provider,
    ProviderAttrs,
    EventId,
    Level,
    Computer,
    Time,
    TimeAttrs,
    Data,
}

/// Reads one rendered record whole.
#[cfg(test)]
pub fn extract(json: &[u8]) -> Result<Extracted<'_>, String> {
    extract_for(json, &|_| true)
}

/// Reads one rendered record; its insertion strings only when `wants_text(provider)`.
///
/// A record whose provider the caller does not read the text of (most of a Security or
/// System log) is read only up to the end of its `System` element, which the crate renders
/// first: walking the `EventData` behind it and copying out its strings cost as much as the
/// crate's own rendering. Its `data` is empty.
pub fn extract_for<'a>(
    json: &'a [u8],
    wants_text: &dyn Fn(&str) -> bool,
) -> Result<Extracted<'a>, String> {
    // Validated once here, so that strings are slices of `text` with no check of their own.
    let text = std::str::from_utf8(json).map_err(|e| format!("bad UTF-8 in rendering: {e}"))?;
    let mut w = Walker {
        s: text,
        b: json,
        i: 0,
        wants_text,
        text: None,
    };
    let mut out = Extracted::default();
    let mut source_name = String::new();
    w.record(&mut out, &mut source_name)?;
    if out.provider.is_empty() {
        out.provider = source_name;
    }
    // Strings read before `System` (never in the crate's order) or with no `System` at all.
    if !w.text.unwrap_or_else(|| wants_text(&out.provider)) {
        out.data.clear();
    }
    Ok(out)
}

struct Walker<'a, 'f> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    wants_text: &'f dyn Fn(&str) -> bool,
    /// Whether the insertion strings are read, once `System` has named the provider.
    text: Option<bool>,
}

/// Bytes looked at eight at a time before handing a long string to `memchr` (whose setup
/// costs more than the scan for the short values that make up most records).
const SHORT_SCAN: usize = 64;

/// The first `"` or `\\` at or after `from`.
#[inline]
fn quote_or_escape(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while i + 8 <= b.len() && i - from < SHORT_SCAN {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let (q, e) = (w ^ (ONES * u64::from(b'"')), w ^ (ONES * u64::from(b'\\')));
        // The classic zero-byte test; its lowest set bit always marks the first match.
        let hits = (q.wrapping_sub(ONES) & !q | e.wrapping_sub(ONES) & !e) & HIGHS;
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr::memchr2(b'"', b'\\', b.get(i..)?).map(|j| i + j)
}

/// How the crate starts every record, up to the value of `System`.
const USUAL_START: &[u8] =
    br##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":"##;

impl<'a> Walker<'a, '_> {
    /// The whole record. One that starts as the crate starts every record is read from its
    /// `System` on, as the walk would have gone (nothing is taken before it): walking that
    /// start was a twelfth of the cost of a record whose text is not read.
    fn record(&mut self, out: &mut Extracted<'a>, source: &mut String) -> Result<(), String> {
        if !self.b.starts_with(USUAL_START) {
            return self.value(At::Root, out, source);
        }
        self.i = USUAL_START.len();
        if !self.member(At::Event, "System", out, source)? {
            return Ok(());
        }
        // The rest of `Event`, then of the root object.
        if self.more()? {
            self.members(At::Event, out, source)?;
            if self.text == Some(false) {
                return Ok(());
            }
        }
        if self.more()? {
            self.members(At::Root, out, source)?;
        }
        Ok(())
    }

    fn value(
        &mut self,
        at: At,
        out: &mut Extracted<'a>,
        source: &mut String,
    ) -> Result<(), String> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(at, out, source),
            b'[' if at == At::Data => self.data_list(out),
            b'[' => self.skip(),
            _ if at == At::Data => {
                if let Some(s) = self.scalar()? {
                    out.data.push(s.into_owned());
                }
                Ok(())
            }
            _ => {
                let s = self.scalar()?;
                match at {
                    At::EventId => out.event_id = s.and_then(|s| s.parse().ok()),
                    At::Level => out.level = s,
                    At::Computer => out.computer = s.unwrap_or_default().into_owned(),
                    _ => {}
                }
                Ok(())
            }
        }
    }

    fn object(
        &mut self,
        at: At,
        out: &mut Extracted<'a>,
        source: &mut String,
    ) -> Result<(), String> {
        self.expect(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(());
        }
        self.members(at, out, source)
    }

    /// An object's members, from the first one's name to the closing brace.
    fn members(
        &mut self,
        at: At,
        out: &mut Extracted<'a>,
        source: &mut String,
    ) -> Result<(), String> {
        loop {
            let key = self.key()?;
            if !self.member(at, &key, out, source)? || !self.more()? {
                return Ok(());
            }
        }
    }

    /// After a member: `true` at the `,` before another, `false` at the closing brace.
    fn more(&mut self) -> Result<bool, String> {
        self.ws();
        match self.next()? {
            b',' => Ok(true),
            b'}' => Ok(false),
            c => Err(self.error(c, "',' or '}'")),
        }
    }

    /// One member's value, read or skipped by its name; `false` when the walk stops there.
    fn member(
        &mut self,
        at: At,
        key: &str,
        out: &mut Extracted<'a>,
        source: &mut String,
    ) -> Result<bool, String> {
        match child(at, key) {
            Some(Child::Into(At::System)) => {
                self.value(At::System, out, source)?;
                // Nothing past `System` is read for a record whose text is not wanted.
                return Ok(self.decide_text(out, source));
            }
            Some(Child::Into(next)) => {
                self.value(next, out, source)?;
                return Ok(self.text != Some(false));
            }
            Some(Child::Take(slot)) => {
                self.ws();
                if let Some(v) = self.scalar_or_skip()? {
                    match slot {
                        Slot::ProviderName => out.provider = v.into_owned(),
                        Slot::SourceName => *source = v.into_owned(),
                        Slot::SystemTime => out.system_time = Some(v),
                    }
                }
            }
            None => self.skip()?,
        }
        Ok(true)
    }

    /// A member's name and the `:` after it.
    #[inline]
    fn key(&mut self) -> Result<Cow<'a, str>, String> {
        if let Some(key) = self.plain_key() {
            return Ok(Cow::Borrowed(key));
        }
        self.ws();
        let key = self.string()?;
        self.ws();
        self.expect(b':')?;
        Ok(key)
    }

    /// The usual name, read in one step: no escapes and the colon right after it (the crate
    /// writes compact JSON). This took a tenth off the walk; any other is left to [`Self::key`].
    #[inline]
    fn plain_key(&mut self) -> Option<&'a str> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let end = quote_or_escape(self.b, start)?;
        if self.b[end] != b'"' || self.b.get(end + 1) != Some(&b':') {
            return None;
        }
        let key = self.s.get(start..end)?;
        self.i = end + 2;
        Some(key)
    }

    /// Decides from the provider `System` named whether the insertion strings are read.
    fn decide_text(&mut self, out: &Extracted<'_>, source: &str) -> bool {
        let provider = if out.provider.is_empty() {
            source
        } else {
            &out.provider
        };
        let wanted = (self.wants_text)(provider);
        self.text = Some(wanted);
        wanted
    }

    /// A list inside the data: `null` items are empty strings.
    fn data_list(&mut self, out: &mut Extracted<'a>) -> Result<(), String> {
        self.expect(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.b[self.i..].starts_with(b"null") {
                self.i += 4;
                out.data.push(String::new());
            } else {
                self.value(At::Data, out, &mut String::new())?;
            }
            self.ws();
            match self.next()? {
                b',' => continue,
                b']' => return Ok(()),
                c => return Err(self.error(c, "',' or ']'")),
            }
        }
    }

    /// A string, number or literal as text; `None` for `null`. Objects and lists are errors.
    #[inline]
    fn scalar(&mut self) -> Result<Option<Cow<'a, str>>, String> {
        match self.peek()? {
            b'"' => self.string().map(Some),
            b'n' => self.literal(b"null").map(|_| None),
            b't' => self.literal(b"true").map(|_| Some("true".into())),
            b'f' => self.literal(b"false").map(|_| Some("false".into())),
            b'-' | b'0'..=b'9' => Ok(Some(self.number())),
            c => Err(self.error(c, "a value")),
        }
    }

    /// A scalar, or `None` after skipping an object or list.
    #[inline]
    fn scalar_or_skip(&mut self) -> Result<Option<Cow<'a, str>>, String> {
        match self.peek()? {
            b'{' | b'[' => self.skip().map(|_| None),
            _ => self.scalar(),
        }
    }

    #[inline]
    fn number(&mut self) -> Cow<'a, str> {
        let start = self.i;
        while self.i < self.b.len()
            && matches!(
                self.b[self.i],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.i += 1;
        }
        // ASCII by construction, so both ends are on character boundaries (borrowed, not
        // `from_utf8_lossy`, whose scan showed in profiles: most levels and ids are numbers).
        Cow::Borrowed(self.s.get(start..self.i).unwrap_or_default())
    }

    #[inline]
    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(format!("bad literal at byte {}", self.i))
        }
    }

    /// A JSON string, borrowed when it has no escapes.
    #[inline]
    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.expect(b'"')?;
        let start = self.i;
        let end = quote_or_escape(self.b, start).ok_or("unterminated string")?;
        if self.b[end] == b'"' {
            self.i = end + 1;
            // Both ends are ASCII quotes, so the slice is on character boundaries.
            return self
                .s
                .get(start..end)
                .map(Cow::Borrowed)
                .ok_or_else(|| "bad string bounds".into());
        }
        self.i = start;
        self.escaped_string().map(Cow::Owned)
    }

    #[cold]
    #[inline(never)]
    fn escaped_string(&mut self) -> Result<String, String> {
        let mut out = Vec::new();
        loop {
            let j = memchr::memchr2(b'"', b'\\', &self.b[self.i..]).ok_or("unterminated string")?;
            out.extend_from_slice(&self.b[self.i..self.i + j]);
            self.i += j;
            if self.next()? == b'"' {
                return String::from_utf8(out).map_err(|e| format!("bad UTF-8 in string: {e}"));
            }
            let c = match self.next()? {
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'u' => self.unicode_escape()?,
                c @ (b'"' | b'\\' | b'/') => c as char,
                c => return Err(self.error(c, "an escape")),
            };
            let mut tmp = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
    }

    /// `\uXXXX`, with a following `\uXXXX` low surrogate when the first is high.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
            self.i += 2;
            let lo = self.hex4()?;
            let c = 0x10000
                + ((u32::from(hi) - 0xD800) << 10)
                + (u32::from(lo).wrapping_sub(0xDC00) & 0x3FF);
            return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        Ok(char::from_u32(u32::from(hi)).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex4(&mut self) -> Result<u16, String> {
        let digits = self.b.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        let text = std::str::from_utf8(digits).map_err(|_| "bad \\u escape")?;
        let v = u16::from_str_radix(text, 16).map_err(|_| "bad \\u escape")?;
        self.i += 4;
        Ok(v)
    }

    /// Skips one value of any kind.
    #[inline]
    fn skip(&mut self) -> Result<(), String> {
        self.ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => self.skip_nested(),
            // What `scalar` does with a number, without keeping it.
            b'-' | b'0'..=b'9' => {
                self.number();
                Ok(())
            }
            _ => self.scalar().map(|_| ()),
        }
    }

    /// [`Self::string`] without keeping the text: an escaped one is still decoded, so that
    /// what is refused stays the same.
    #[inline]
    fn skip_string(&mut self) -> Result<(), String> {
        self.expect(b'"')?;
        let end = quote_or_escape(self.b, self.i).ok_or("unterminated string")?;
        if self.b[end] == b'"' {
            self.i = end + 1;
            return Ok(());
        }
        self.escaped_string().map(|_| ())
    }

    /// Skips a whole object or list, minding strings (the skipped parts are short).
    fn skip_nested(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => self.skip_string_body()?,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        Err("unterminated object".into())
    }

    /// From a string's opening quote to its closing quote.
    fn skip_string_body(&mut self) -> Result<(), String> {
        let mut j = self.i + 1;
        loop {
            j = quote_or_escape(self.b, j).ok_or("unterminated string")?;
            if self.b[j] == b'"' {
                self.i = j;
                return Ok(());
            }
            // An escape: its second byte is never the closing quote.
            j += 2;
            if j >= self.b.len() {
                return Err("unterminated string".into());
            }
        }
    }

    // The helpers below run dozens of times per record: their fast paths are inlined and
    // their error messages built out of line (the formatting code kept them from inlining,
    // and the calls were a sixth of the walk).
    #[inline]
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Result<u8, String> {
        match self.b.get(self.i) {
            Some(&c) => Ok(c),
            None => Err(end_of_json()),
        }
    }

    #[inline]
    fn next(&mut self) -> Result<u8, String> {
        let c = self.peek()?;
        self.i += 1;
        Ok(c)
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), String> {
        match self.next()? {
            got if got == c => Ok(()),
            got => Err(self.expected(got, c)),
        }
    }

    #[cold]
    #[inline(never)]
    fn expected(&self, got: u8, c: u8) -> String {
        self.error(got, &format!("'{}'", c as char))
    }

    #[cold]
    #[inline(never)]
    fn error(&self, got: u8, wanted: &str) -> String {
        format!(
            "bad JSON at byte {}: found {:?}, expected {wanted}",
            self.i, got as char
        )
    }
}

#[cold]
#[inline(never)]
fn end_of_json() -> String {
    "unexpected end of JSON".into()
}

/// What a key leads to.
enum Child {
    Into(At),
    Take(Slot),
}

#[derive(Clone, Copy)]
enum Slot {
    ProviderName,
    SourceName,
    SystemTime,
}

fn child(at: At, key: &str) -> Option<Child> {
    use At::*;
    Some(match (at, key) {
        (Root, "Event") => Child::Into(Event),
        (Event, "System") => Child::Into(System),
        (Event, "EventData" | "UserData") => Child::Into(Data),
        (System, "Provider") => Child::Into(Provider),
        (System, "EventID") => Child::Into(EventId),
        (System, "Level") => Child::Into(Level),
        (System, "Computer") => Child::Into(Computer),
        (System, "TimeCreated") => Child::Into(Time),
        (Provider, "#attributes") => Child::Into(ProviderAttrs),
        (ProviderAttrs, "Name") => Child::Take(Slot::ProviderName),
        (ProviderAttrs, "EventSourceName") => Child::Take(Slot::SourceName),
        (Time, "#attributes") => Child::Into(TimeAttrs),
        (TimeAttrs, "SystemTime") => Child::Take(Slot::SystemTime),
        (EventId | Level | Computer, "#text") => Child::Into(at),
        (Data, "#attributes" | "Binary") => return None,
        (Data, _) => Child::Into(Data),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_and_skips_the_rest() {
        let json = br##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"MSExchange Availability","Guid":"{g}"}},"EventID":{"#attributes":{"Qualifiers":49156},"#text":4002},"Version":0,"Level":2,"TimeCreated":{"#attributes":{"SystemTime":"2016-10-07T16:38:24.1Z"}},"Execution":{"#attributes":{"ProcessID":1}},"Computer":"EX01","Security":null},"EventData":{"Data":{"#text":["a\"b\\c\u00e9\ud83d\ude00",null,"",7]},"Binary":"00"}}}"##;
        let e = extract(json).unwrap();
        assert_eq!(e.provider, "MSExchange Availability");
        assert_eq!(e.event_id, Some(4002));
        assert_eq!(e.level.as_deref(), Some("2"));
        assert_eq!(e.system_time.as_deref(), Some("2016-10-07T16:38:24.1Z"));
        assert_eq!(e.computer, "EX01");
        assert_eq!(e.data, ["a\"b\\cé😀", "", "", "7"]);
    }

    #[test]
    fn finds_the_first_quote_or_escape_at_any_offset() {
        for len in 0..80 {
            for at in 0..=len {
                let mut b = vec![b'a'; len];
                if at < len {
                    b[at] = if at % 2 == 0 { b'"' } else { b'\\' };
                }
                let want = (at < len).then_some(at);
                assert_eq!(quote_or_escape(&b, 0), want, "len {len} at {at}");
            }
        }
        assert_eq!(quote_or_escape(b"ab\"", 2), Some(2));
        assert_eq!(quote_or_escape(b"ab\"", 3), None);
        assert_eq!(quote_or_escape(b"ab", 2), None);
    }

    #[test]
    fn unwanted_text_is_left_unread() {
        let json = br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Sec"}},"EventID":4624,"Level":0,"TimeCreated":{"#attributes":{"SystemTime":"2016-07-08T18:12:51.6Z"}},"Computer":"DC1"},"EventData":{"A":"x","B":"y"}}}"##;
        let asked = std::cell::RefCell::new(Vec::new());
        let wants = |p: &str| {
            asked.borrow_mut().push(p.to_owned());
            p != "Sec"
        };
        let e = extract_for(json, &wants).unwrap();
        assert_eq!((e.provider.as_str(), e.event_id), ("Sec", Some(4624)));
        assert_eq!(
            (e.level.as_deref(), e.computer.as_str()),
            (Some("0"), "DC1")
        );
        assert_eq!(e.system_time.as_deref(), Some("2016-07-08T18:12:51.6Z"));
        assert!(e.data.is_empty());
        assert_eq!(*asked.borrow(), ["Sec"]);
        // Nothing past `System` is looked at.
        let cut = &json[..json.len() - 12];
        assert!(extract(cut).is_err());
        assert_eq!(extract_for(cut, &wants).unwrap().event_id, Some(4624));
        // Strings seen before `System` (not the crate's order) are dropped too.
        let data_first = br##"{"Event":{"EventData":{"A":"x"},"System":{"Provider":{"#attributes":{"EventSourceName":"Sec"}}}}}"##;
        assert!(extract_for(data_first, &wants).unwrap().data.is_empty());
        assert_eq!(extract(data_first).unwrap().data, ["x"]);
        let no_system = br##"{"Event":{"EventData":{"A":"x"}}}"##;
        assert_eq!(
            extract_for(no_system, &|p| !p.is_empty()).unwrap().data,
            Vec::<String>::new()
        );
        assert_eq!(extract_for(no_system, &|_| true).unwrap().data, ["x"]);
    }

    /// The crate's usual start is stepped over, not walked: the result is the walk's.
    #[test]
    fn the_usual_start_reads_as_the_walk_would() {
        let usual = [
            USUAL_START,
            br##"{"Provider":{"#attributes":{"Name":"P"}},"EventID":7,"Computer":"C"},"##,
            br##""EventData":{"A":"x"},"More":[1,{"b":null}]}}"##,
        ]
        .concat();
        let walked = String::from_utf8(usual.clone()).unwrap().replacen(
            r#"{"Event":{"#,
            r#"{ "Event":{"#,
            1,
        );
        for text in [true, false] {
            let wants = |_: &str| text;
            let (a, b) = (
                extract_for(&usual, &wants),
                extract_for(walked.as_bytes(), &wants),
            );
            assert_eq!(a.unwrap(), b.unwrap());
        }
        assert_eq!(extract(&usual).unwrap().data, ["x"]);
        for cut in [USUAL_START.len(), USUAL_START.len() + 20, usual.len() - 1] {
            let (a, b) = (
                extract(&usual[..cut]),
                extract(&walked.as_bytes()[..cut + 1]),
            );
            assert!(a.is_err() && b.is_err(), "{cut}");
        }
    }

    #[test]
    fn source_name_stands_in_for_a_missing_name() {
        let json = br##"{"Event":{"System":{"Provider":{"#attributes":{"EventSourceName":"Old"}},"EventID":5},"UserData":{"Foo":{"A":"x","B":{"C":"y"}}}}}"##;
        let e = extract(json).unwrap();
        assert_eq!((e.provider.as_str(), e.event_id), ("Old", Some(5)));
        assert_eq!(e.data, ["x", "y"]);
    }

    #[test]
    fn broken_json_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"{",
            b"{\"Event\":",
            b"{\"Event\":{\"System\":[}",
            b"{\"a\":\"\\u12\"}",
            b"[1,2",
        ] {
            assert!(extract(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_json_soup(parts in proptest::collection::vec(
            proptest::sample::select(vec!["{", "}", "[", "]", "\"", "\\", "\\u", "d83d", ":", ",", "null", "1", "\"Event\"", "\"System\"", "\"EventData\"", "\"#attributes\"", "\"Name\"", "\"EventID\"", "\"#text\"", "é", " "]),
            0..60,
        )) {
            let json = parts.concat();
            let _ = extract(json.as_bytes());
            let _ = extract_for(json.as_bytes(), &|p| p.len() % 2 == 0);
        }
    }
}
