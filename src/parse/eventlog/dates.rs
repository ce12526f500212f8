//! Dates as exporters write them: the local, locale-formatted strings of Event Viewer and
//! PowerShell exports (`10/7/2016 6:38:24 PM`, `07.10.2016 18:38:24`, `2016/10/07 18:38:24`,
//! `2016年10月7日 18:38:24`), and the ISO-8601 times of XML (`2016-10-07T16:38:24.123Z`).
//!
//! Numeric dates do not say whether `3/4/2016` is March 4th or April 3rd. A [`DateSurvey`]
//! looks at every date of a file first: one `13/4/2016` settles it for the whole file.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::time::DateOrder;
use crate::time::{SubSecond, UnixTime};

/// A parsed time stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// Wall-clock time of an unknown zone: needs `--event-tz`.
    Local(NaiveDateTime),
    /// The text carried its offset (`Z`, `+02:00`).
    Absolute(UnixTime),
}

/// The numbers of a date-time string, in order, with what was around them.
#[derive(Debug, Default)]
struct Parts {
    nums: [u32; 8],
    widths: [u8; 8],
    len: usize,
    pm: Option<bool>,
}

const AM_MARKERS: [&str; 5] = ["AM", "A.M.", "午前", "오전", "VORM."];
const PM_MARKERS: [&str; 5] = ["PM", "P.M.", "午後", "오후", "NACHM."];

/// Splits `s` into its numbers and an AM/PM marker. `None` for text with letters other than
/// a marker or the CJK date words, or with too many numbers.
fn split_parts(s: &str) -> Option<Parts> {
    let mut p = Parts::default();
    let mut rest = s.trim();
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if p.len == p.nums.len() || end > 9 {
                return None;
            }
            p.nums[p.len] = rest[..end].parse().ok()?;
            p.widths[p.len] = end as u8;
            p.len += 1;
            rest = &rest[end..];
        } else if let Some((pm, n)) = marker(rest) {
            p.pm = Some(pm);
            rest = &rest[n..];
        } else if c.is_alphabetic()
            && !matches!(
                c,
                '年' | '月' | '日' | '년' | '월' | '일' | '时' | '分' | '秒' | '時'
            )
        {
            return None;
        } else {
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(p)
}

fn marker(s: &str) -> Option<(bool, usize)> {
    let up = |m: &str| {
        s.len() >= m.len() && s.is_char_boundary(m.len()) && s[..m.len()].eq_ignore_ascii_case(m)
    };
    AM_MARKERS
        .iter()
        .find(|m| up(m))
        .map(|m| (false, m.len()))
        .or_else(|| PM_MARKERS.iter().find(|m| up(m)).map(|m| (true, m.len())))
}

/// Which of the first three numbers is the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum YearAt {
    First,
    Last,
}

fn year_at(p: &Parts) -> Option<YearAt> {
    if p.len < 5 {
        return None;
    }
    if p.widths[0] == 4 {
        Some(YearAt::First)
    } else if matches!(p.widths[2], 2 | 4) && p.widths[0] <= 2 && p.widths[1] <= 2 {
        Some(YearAt::Last)
    } else {
        None
    }
}

/// Parses a date-time string. `order` decides `a/b/yyyy` dates.
pub fn parse_stamp(s: &str, order: DateOrder) -> Option<Stamp> {
    let s = s.trim();
    if let Some(t) = parse_iso(s) {
        return Some(t);
    }
    let p = split_parts(s)?;
    let (y, m, d) = match year_at(&p)? {
        YearAt::First => (p.nums[0], p.nums[1], p.nums[2]),
        YearAt::Last => {
            let y = if p.widths[2] == 2 {
                2000 + p.nums[2]
            } else {
                p.nums[2]
            };
            match order {
                DateOrder::Dmy => (y, p.nums[1], p.nums[0]),
                DateOrder::Mdy => (y, p.nums[0], p.nums[1]),
            }
        }
    };
    let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
    let mut hour = p.nums[3];
    match p.pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let sec = if p.len >= 6 { p.nums[5] } else { 0 };
    let time = NaiveTime::from_hms_opt(hour, p.nums[4], sec.min(59))?;
    Some(Stamp::Local(date.and_time(time)))
}

/// ISO-8601 / RFC 3339 forms: `2016-10-07T16:38:24.1234567Z`, `...+02:00`, and the space
/// separated `2023-02-06 22:07:30.404066` some converters write (taken as UTC when it has no
/// offset only if `T` or a fraction marks it as machine-written; otherwise it is local).
pub fn parse_iso(s: &str) -> Option<Stamp> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(Stamp::Absolute(t.timestamp()));
    }
    let body = s.trim_end_matches(['Z', 'z']);
    let naive = NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(body, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()?;
    Some(if body.len() < s.len() {
        Stamp::Absolute(naive.and_utc().timestamp())
    } else {
        Stamp::Local(naive)
    })
}

/// [`parse_utc`] with the fraction of the second the text gives (`...:24.1234567Z`).
pub fn parse_utc_precise(s: &str) -> Option<(UnixTime, Option<SubSecond>)> {
    Some((parse_utc(s)?, SubSecond::of_iso(s.as_bytes())))
}

/// Parses a time that the format defines as UTC (EVTX, Event Viewer XML `SystemTime`): any
/// ISO form, with or without `Z`.
pub fn parse_utc(s: &str) -> Option<UnixTime> {
    let s = s.trim();
    // Fast path for the form EVTX and Event Viewer write, `2016-10-07T16:38:24.1234567Z`.
    let b = s.as_bytes();
    if b.len() >= 20 && b[10] == b'T' && b.ends_with(b"Z") && (b.len() == 20 || b[19] == b'.') {
        if let Some(t) = crate::time::parse_date_time(&b[..10], &b[11..19]) {
            return Some(t);
        }
    }
    match parse_iso(s)? {
        Stamp::Absolute(t) => Some(t),
        Stamp::Local(n) => Some(n.and_utc().timestamp()),
    }
}

/// Evidence about the day/month order of a file's dates.
#[derive(Debug, Default, Clone)]
pub struct DateSurvey {
    /// First position (line) of a date whose first number is above 12 (so day-first).
    pub day_first: Option<u64>,
    /// First position of a date whose second number is above 12 (so month-first).
    pub month_first: Option<u64>,
    pub day_first_count: u64,
    pub month_first_count: u64,
    /// Dates with a 12-hour clock marker, and dates with dots (`07.10.2016`).
    pub twelve_hour: u64,
    pub dotted: u64,
    /// Dates that need an order at all (year last).
    pub ambiguous_shape: u64,
}

impl DateSurvey {
    /// Looks at one date string found at `position`.
    pub fn see(&mut self, s: &str, position: u64) {
        let Some(p) = split_parts(s) else { return };
        if year_at(&p) != Some(YearAt::Last) {
            return;
        }
        self.ambiguous_shape += 1;
        self.twelve_hour += u64::from(p.pm.is_some());
        self.dotted += u64::from(s.contains('.'));
        let (a, b) = (p.nums[0], p.nums[1]);
        if a > 12 && b <= 12 {
            self.day_first_count += 1;
            self.day_first.get_or_insert(position);
        } else if b > 12 && a <= 12 {
            self.month_first_count += 1;
            self.month_first.get_or_insert(position);
        }
    }

    /// True once the survey cannot change its answer by seeing more dates.
    pub fn settled(&self) -> bool {
        self.day_first.is_some() || self.month_first.is_some()
    }

    /// The order to use and the reason, for the notes.
    pub fn decide(&self, forced: Option<DateOrder>) -> (DateOrder, String) {
        if let Some(order) = forced {
            return (
                order,
                format!("dates read as {order}: given by --date-order"),
            );
        }
        match (self.day_first, self.month_first) {
            (Some(line), None) => (
                DateOrder::Dmy,
                format!("dates read as dmy: position {line} has a day above 12 in first place"),
            ),
            (None, Some(line)) => (
                DateOrder::Mdy,
                format!("dates read as mdy: position {line} has a day above 12 in second place"),
            ),
            (Some(d), Some(m)) => self.conflict(d, m),
            (None, None) => self.guess(),
        }
    }

    fn conflict(&self, d: u64, m: u64) -> (DateOrder, String) {
        let order = if self.day_first_count >= self.month_first_count {
            DateOrder::Dmy
        } else {
            DateOrder::Mdy
        };
        let why = format!(
            "dates read as {order} by majority: {} dates are day-first (first at position {d}) and {} month-first (first at position {m}); the others are rejected; set --date-order to override",
            self.day_first_count, self.month_first_count
        );
        (order, why)
    }

    fn guess(&self) -> (DateOrder, String) {
        if self.ambiguous_shape == 0 {
            return (
                DateOrder::Mdy,
                "dates are year-first: no day/month ambiguity".into(),
            );
        }
        let (order, why) = if self.dotted * 2 > self.ambiguous_shape {
            (
                DateOrder::Dmy,
                "dotted dates (07.10.2016) are day-first in every locale that writes them",
            )
        } else if self.twelve_hour * 2 > self.ambiguous_shape {
            (
                DateOrder::Mdy,
                "the 12-hour AM/PM clock is the en-US style, which is month-first",
            )
        } else {
            (
                DateOrder::Dmy,
                "24-hour slash dates are day-first in most locales (en-GB, fr-FR)",
            )
        };
        (
            order,
            format!("dates read as {order} (no day above 12 settled it): {why}; set --date-order if this is wrong"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str, order: DateOrder) -> String {
        match parse_stamp(s, order) {
            Some(Stamp::Local(n)) => n.format("%Y-%m-%d %H:%M:%S").to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn reads_locale_shapes() {
        use DateOrder::*;
        assert_eq!(local("10/7/2016 6:38:24 PM", Mdy), "2016-10-07 18:38:24");
        assert_eq!(local("10/7/2016 12:05:00 AM", Mdy), "2016-10-07 00:05:00");
        assert_eq!(local("07.10.2016 18:38:24", Dmy), "2016-10-07 18:38:24");
        assert_eq!(local("2016-10-07 18:38:24", Dmy), "2016-10-07 18:38:24");
        assert_eq!(local("2016/10/07 18:38:24", Mdy), "2016-10-07 18:38:24");
        assert_eq!(local("2016年10月7日 18:38:24", Mdy), "2016-10-07 18:38:24");
        assert_eq!(local("2016/10/07 午後 6:38:24", Mdy), "2016-10-07 18:38:24");
        assert_eq!(local("07/10/16 18:38", Dmy), "2016-10-07 18:38:00");
        assert_eq!(parse_stamp("13/13/2016 10:00:00", Dmy), None);
        assert_eq!(parse_stamp("yesterday at noon", Dmy), None);
        assert_eq!(parse_stamp("", Dmy), None);
    }

    #[test]
    fn reads_iso_with_and_without_offset() {
        let z = parse_stamp("2016-10-07T16:38:24.1234567Z", DateOrder::Mdy);
        let plus2 = parse_stamp("2016-10-07T18:38:24+02:00", DateOrder::Mdy);
        assert_eq!(z, plus2);
        assert!(matches!(z, Some(Stamp::Absolute(_))));
        assert_eq!(
            parse_utc("2023-02-06 22:07:30.404066"),
            parse_utc("2023-02-06T22:07:30Z")
        );
    }

    #[test]
    fn survey_settles_on_a_day_above_twelve() {
        let mut s = DateSurvey::default();
        s.see("10/7/2016 6:38:24 PM", 2);
        assert!(!s.settled());
        s.see("10/13/2016 6:38:24 PM", 9);
        assert_eq!(s.decide(None).0, DateOrder::Mdy);
        assert!(s.decide(None).1.contains("position 9"));
        assert_eq!(s.decide(Some(DateOrder::Dmy)).0, DateOrder::Dmy);
    }

    #[test]
    fn survey_guesses_from_style() {
        let mut dotted = DateSurvey::default();
        dotted.see("07.10.2016 18:38:24", 2);
        assert_eq!(dotted.decide(None).0, DateOrder::Dmy);
        let mut us = DateSurvey::default();
        us.see("10/7/2016 6:38:24 PM", 2);
        assert_eq!(us.decide(None).0, DateOrder::Mdy);
    }
}
