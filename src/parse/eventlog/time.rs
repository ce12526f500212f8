//! Event times: the zone a local-time export was written in, and the day/month order of its
//! dates.
//!
//! EVTX and XML carry UTC; CSV, TXT and General-text exports carry the exporting machine's
//! local wall-clock time in its locale's format. [`EventTz`] turns those into UTC, and
//! [`DateOrder`] settles `3/4/2016` (March 4th or April 3rd).

use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, LocalResult, NaiveDateTime, TimeZone};

use crate::time::UnixTime;

/// The zone local-time exports are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventTz {
    /// Nothing given: read as UTC and say so in the notes.
    #[default]
    AssumedUtc,
    Utc,
    Fixed(FixedOffset),
    Named(chrono_tz::Tz),
}

impl EventTz {
    /// Parses `UTC`, `Z`, `+01:00`, `-0530`, `+01`, an IANA name such as `Europe/Berlin`, or a
    /// Windows zone name such as `W. Europe Standard Time` (read as its CLDR IANA zone, so
    /// daylight saving time applies as on the machine that wrote the export).
    pub fn parse(s: &str) -> Result<EventTz, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("z") || s == "GMT" {
            return Ok(EventTz::Utc);
        }
        if s.starts_with(['+', '-']) {
            return parse_offset(s).map(EventTz::Fixed).ok_or_else(|| {
                format!("bad UTC offset {s:?}: expected +HH:MM, -HHMM or +HH (e.g. +01:00)")
            });
        }
        let windows = || super::windows_zones::iana_for(s).and_then(|z| z.parse().ok());
        s.parse::<chrono_tz::Tz>()
            .ok()
            .or_else(windows)
            .map(EventTz::Named)
            .ok_or_else(|| {
                format!("unknown time zone {s:?}: give an IANA name (Europe/Berlin), a Windows zone name (W. Europe Standard Time), UTC, or an offset (+01:00)")
            })
    }

    /// Converts a local wall-clock time to UTC. Ambiguous times (the repeated hour when DST
    /// ends) take the earlier instant; times that do not exist (the skipped hour when DST
    /// starts) are shifted forward by the gap. Either is returned as a [`Shift`] to note.
    pub fn to_utc(&self, local: NaiveDateTime) -> (UnixTime, Option<Shift>) {
        match self {
            EventTz::AssumedUtc | EventTz::Utc => (local.and_utc().timestamp(), None),
            EventTz::Fixed(off) => ((local - *off).and_utc().timestamp(), None),
            EventTz::Named(tz) => resolve(tz, local),
        }
    }
}

impl fmt::Display for EventTz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventTz::AssumedUtc => f.write_str("UTC (assumed)"),
            EventTz::Utc => f.write_str("UTC"),
            EventTz::Fixed(off) => write!(f, "{off}"),
            EventTz::Named(tz) => f.write_str(tz.name()),
        }
    }
}

/// A local time that had to be adjusted around a DST transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    /// The wall time happened twice; the earlier instant was taken.
    Ambiguous,
    /// The wall time never happened; it was moved forward past the gap.
    Nonexistent,
}

fn resolve(tz: &chrono_tz::Tz, local: NaiveDateTime) -> (UnixTime, Option<Shift>) {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => (t.timestamp(), None),
        LocalResult::Ambiguous(a, b) => (a.timestamp().min(b.timestamp()), Some(Shift::Ambiguous)),
        LocalResult::None => (skip_gap(tz, local), Some(Shift::Nonexistent)),
    }
}

/// Moves a time inside a DST gap forward by the gap's length: the offset in force before the
/// gap is applied, which lands the same distance after the gap's end.
fn skip_gap(tz: &chrono_tz::Tz, local: NaiveDateTime) -> UnixTime {
    // Gaps are at most a few hours; the offset three hours earlier is the one before the gap.
    let before = local - chrono::Duration::hours(3);
    let offset = match tz.from_local_datetime(&before) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.offset().fix(),
        LocalResult::None => FixedOffset::east_opt(0).expect("zero offset is valid"),
    };
    (local - offset).and_utc().timestamp()
}

use chrono::Offset;

/// `+01:00`, `-0530`, `+01`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let rest: String = s[1..].chars().filter(|&c| c != ':').collect();
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match rest.len() {
        1 | 2 => (rest.parse::<i32>().ok()?, 0),
        4 => (
            rest[..2].parse::<i32>().ok()?,
            rest[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 18 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Day/month order of numeric dates like `3/4/2016`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// Day first: `07.10.2016`, `7/10/2016` (most of Europe).
    Dmy,
    /// Month first: `10/7/2016` (en-US).
    Mdy,
}

impl FromStr for DateOrder {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dmy" => Ok(DateOrder::Dmy),
            "mdy" => Ok(DateOrder::Mdy),
            other => Err(format!("bad date order {other:?}: expected dmy or mdy")),
        }
    }
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zone_spellings() {
        assert_eq!(EventTz::parse("UTC"), Ok(EventTz::Utc));
        let plus1 = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(EventTz::parse("+01:00"), Ok(EventTz::Fixed(plus1)));
        assert_eq!(EventTz::parse("+0100"), Ok(EventTz::Fixed(plus1)));
        assert_eq!(
            EventTz::parse("-0530"),
            Ok(EventTz::Fixed(
                FixedOffset::west_opt(5 * 3600 + 1800).unwrap()
            ))
        );
        assert_eq!(
            EventTz::parse("Europe/Berlin"),
            Ok(EventTz::Named(chrono_tz::Europe::Berlin))
        );
        assert!(EventTz::parse("Mars/Olympus").is_err());
        assert!(EventTz::parse("+25:00").is_err());
        assert!(EventTz::parse("+1:0x").is_err());
    }

    #[test]
    fn windows_zone_names_keep_daylight_saving_time() {
        let west = EventTz::parse("W. Europe Standard Time").unwrap();
        assert_eq!(west, EventTz::Named(chrono_tz::Europe::Berlin));
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let utc = |s: &str| at(s).and_utc().timestamp();
        // Winter: UTC+1; summer: UTC+2, which a table of fixed offsets would get wrong.
        assert_eq!(
            west.to_utc(at("2026-01-15 10:00:00")).0,
            utc("2026-01-15 09:00:00")
        );
        assert_eq!(
            west.to_utc(at("2026-07-15 10:00:00")).0,
            utc("2026-07-15 08:00:00")
        );
        let pacific = EventTz::parse("pacific standard time").unwrap();
        assert_eq!(pacific.to_string(), "America/Los_Angeles");
        assert_eq!(
            pacific.to_utc(at("2026-07-15 10:00:00")).0,
            utc("2026-07-15 17:00:00")
        );
        let err = EventTz::parse("Atlantis Standard Time").unwrap_err();
        assert!(err.contains("Windows zone name"), "{err}");
    }

    #[test]
    fn dst_transitions_take_the_earlier_or_shift_forward() {
        let berlin = EventTz::parse("Europe/Berlin").unwrap();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let utc = |s: &str| at(s).and_utc().timestamp();
        // 02:30 happened twice on 2016-10-30 (CEST then CET): the earlier is 00:30Z.
        assert_eq!(
            berlin.to_utc(at("2016-10-30 02:30:00")),
            (utc("2016-10-30 00:30:00"), Some(Shift::Ambiguous))
        );
        // 02:30 never happened on 2016-03-27: shifted to 03:30 CEST, 01:30Z.
        assert_eq!(
            berlin.to_utc(at("2016-03-27 02:30:00")),
            (utc("2016-03-27 01:30:00"), Some(Shift::Nonexistent))
        );
        assert_eq!(
            berlin.to_utc(at("2016-10-07 18:38:24")),
            (utc("2016-10-07 16:38:24"), None)
        );
        let fixed = EventTz::parse("-05:30").unwrap();
        assert_eq!(
            fixed.to_utc(at("2016-10-07 10:00:00")).0,
            utc("2016-10-07 15:30:00")
        );
    }

    #[test]
    fn parses_date_order() {
        assert_eq!("dmy".parse::<DateOrder>(), Ok(DateOrder::Dmy));
        assert_eq!("MDY".parse::<DateOrder>(), Ok(DateOrder::Mdy));
        assert!("ymd".parse::<DateOrder>().is_err());
    }
}
