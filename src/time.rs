//! UTC timestamps: parsing the fixed W3C forms cheaply and printing ISO-8601.
//!
//! Log times are kept as seconds since the Unix epoch (`i64`). W3C `date`/`time` fields are
//! fixed-width ASCII, so they are parsed by hand (no allocation, no locale) instead of through
//! a general date parser; `chrono` is used only for user-given times on the command line.

/// Seconds since 1970-01-01T00:00:00Z.
pub type UnixTime = i64;

/// The fraction of a second a source logged (EVTX and XML `SystemTime` to 100 ns, HttpProxy
/// `DateTime` to the millisecond; IIS logs whole seconds), with the digits it gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubSecond {
    pub nanos: u32,
    /// 1..=9: how many fraction digits the source wrote (trailing zeros included).
    pub digits: u8,
}

impl SubSecond {
    /// The digits after a second's `.` (at least one; digits past the ninth are dropped).
    pub fn parse(fraction: &[u8]) -> Option<SubSecond> {
        let end = fraction
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(fraction.len());
        let given = &fraction[..end];
        if given.is_empty() {
            return None;
        }
        let kept = &given[..given.len().min(9)];
        let value = digits(kept)?;
        Some(SubSecond {
            nanos: value * 10u32.pow(9 - kept.len() as u32),
            digits: kept.len() as u8,
        })
    }

    /// The fraction of an ISO-8601 time's second (`2016-10-07T18:38:24.123+02:00`): the same
    /// in any zone.
    pub fn of_iso(time: &[u8]) -> Option<SubSecond> {
        let b = time.trim_ascii();
        if b.len() > 20 && b[4] == b'-' && b[13] == b':' && b[19] == b'.' {
            SubSecond::parse(&b[20..])
        } else {
            None
        }
    }
}

/// A `YYYY-MM-DD HH:MM:SS` sort key: byte order equals time order, so the hot path can keep
/// first/last seen times without parsing every line.
pub type TimeKey = [u8; 19];

/// Days since the epoch of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Parses `YYYY-MM-DD` into days since the epoch.
pub fn parse_date(b: &[u8]) -> Option<i64> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    // A day past the month's end (Feb 30, Apr 31) is not a date: without this check
    // days_from_civil rolls it over into the next month (Feb 30 → Mar 2).
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, d))
}

/// Days in month `m` (1–12) of year `y`, proleptic Gregorian.
fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `HH:MM:SS` (fractions of a second are accepted and dropped) into seconds of the day.
pub fn parse_time_of_day(b: &[u8]) -> Option<i64> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    if b.len() > 8 && b[8] != b'.' {
        return None;
    }
    let (h, m, s) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(i64::from(h * 3600 + m * 60 + s))
}

/// Combines a W3C date and time field.
pub fn parse_date_time(date: &[u8], time: &[u8]) -> Option<UnixTime> {
    Some(parse_date(date)? * 86_400 + parse_time_of_day(time)?)
}

/// Builds a sort key from a date and a time field, if both have the fixed W3C shape.
pub fn time_key(date: &[u8], time: &[u8]) -> Option<TimeKey> {
    if date.len() != 10 || time.len() < 8 || date[4] != b'-' || time[2] != b':' {
        return None;
    }
    let mut key = [0u8; 19];
    key[..10].copy_from_slice(date);
    key[10] = b' ';
    key[11..].copy_from_slice(&time[..8]);
    Some(key)
}

/// Parses a sort key back into a time.
pub fn parse_key(key: &TimeKey) -> Option<UnixTime> {
    parse_date_time(&key[..10], &key[11..19])
}

/// Formats as `2026-03-02T09:15:04Z`.
pub fn format_utc(t: UnixTime) -> String {
    let mut out = Vec::with_capacity(20);
    write_utc_precise(&mut out, t, None);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes `2026-03-02T09:15:04.1234567Z` into `out`, with the source's fraction digits (as
/// [`format_utc`] when the source logged whole seconds), without a `String`: the merge
/// writes one per finding.
pub fn write_utc_precise(out: &mut Vec<u8>, t: UnixTime, subsec: Option<SubSecond>) {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    // Digits pushed directly, not through `write!`: this runs twice per row of
    // findings.csv and findings.jsonl, and the formatting machinery's padding showed in
    // profiles of an all-failure run. Years outside 0..=9999 keep `write!`'s form.
    if (0..=9999).contains(&y) {
        push_padded(out, y as u64, 4);
    } else {
        use std::io::Write;
        let _ = write!(out, "{y:04}");
    }
    out.push(b'-');
    push_padded(out, u64::from(m), 2);
    out.push(b'-');
    push_padded(out, u64::from(d), 2);
    out.push(b'T');
    push_padded(out, (secs / 3600) as u64, 2);
    out.push(b':');
    push_padded(out, (secs / 60 % 60) as u64, 2);
    out.push(b':');
    push_padded(out, (secs % 60) as u64, 2);
    if let Some(f) = subsec {
        out.push(b'.');
        let mut nanos = [0u8; 9];
        let mut n = f.nanos.min(999_999_999);
        for digit in nanos.iter_mut().rev() {
            *digit = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.extend_from_slice(&nanos[..usize::from(f.digits).min(9)]);
    }
    out.push(b'Z');
}

/// `n` in decimal, zero-padded to `width` digits (`n` must fit in them).
fn push_padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let start = out.len();
    out.resize(start + width, b'0');
    for digit in out[start..].iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Formats an optional time, empty when unknown (an empty CSV cell).
pub fn format_opt(t: Option<UnixTime>) -> String {
    t.map(format_utc).unwrap_or_default()
}

/// Parses a user-given time: RFC 3339, `YYYY-MM-DD HH:MM:SS` (UTC), a bare date (midnight
/// UTC), or a time relative to now (`-3d`, `12h`, `90m`, `2w`: that long ago).
pub fn parse_user_time(s: &str) -> Option<UnixTime> {
    parse_user_time_at(s, chrono::Utc::now().timestamp())
}

/// [`parse_user_time`] with "now" given (for tests and reproducible runs).
pub fn parse_user_time_at(s: &str, now: UnixTime) -> Option<UnixTime> {
    let s = s.trim();
    if let Some(ago) = parse_relative(s) {
        return Some(now - ago);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    let b = s.as_bytes();
    match b.len() {
        10 => parse_date(b).map(|d| d * 86_400),
        19 if b[10] == b' ' || b[10] == b'T' => parse_date_time(&b[..10], &b[11..]),
        20 if b[10] == b'T' && b[19] == b'Z' => parse_date_time(&b[..10], &b[11..19]),
        _ => None,
    }
}

/// `-3d`, `3d`, `12h`, `90m`, `30s`, `2w` → seconds (the sign is optional: both mean "ago").
fn parse_relative(s: &str) -> Option<i64> {
    let s = s.strip_prefix('-').unwrap_or(s);
    let unit = s.chars().last()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    let n: i64 = s[..s.len() - 1].parse().ok()?;
    n.checked_mul(scale).filter(|v| *v >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_utc_precise(t: UnixTime, subsec: Option<SubSecond>) -> String {
        let mut out = Vec::new();
        write_utc_precise(&mut out, t, subsec);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn precise_times_read_as_chrono_writes_them() {
        // From the year 0 to past 9999 (where the year loses its fixed width).
        let mut t: i64 = -62_167_219_200;
        while t < 253_402_300_800 + 86_400 * 800 {
            let expected = chrono::DateTime::from_timestamp(t, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            let expected = match expected.strip_prefix('+') {
                Some(wide) => wide.to_owned(),
                None => expected,
            };
            assert_eq!(format_utc_precise(t, None), expected, "{t}");
            t += 86_400 * 13 + 3_601 * 7 + 11;
        }
    }

    #[test]
    fn fractions_keep_the_digits_the_source_wrote() {
        let f = SubSecond::parse(b"1234567Z").unwrap();
        assert_eq!((f.nanos, f.digits), (123_456_700, 7));
        assert_eq!(
            format_utc_precise(0, Some(f)),
            "1970-01-01T00:00:00.1234567Z"
        );
        let ms = SubSecond::parse(b"050").unwrap();
        assert_eq!(format_utc_precise(60, Some(ms)), "1970-01-01T00:01:00.050Z");
        assert_eq!(
            SubSecond::parse(b"1234567891234").unwrap().nanos,
            123_456_789
        );
        assert_eq!(SubSecond::parse(b"Z"), None);
        assert_eq!(format_utc_precise(0, None), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn relative_times_count_back_from_now() {
        let now = 1_772_442_000;
        assert_eq!(parse_user_time_at("-3d", now), Some(now - 3 * 86_400));
        assert_eq!(parse_user_time_at("12h", now), Some(now - 12 * 3600));
        assert_eq!(parse_user_time_at("90m", now), Some(now - 5400));
        assert_eq!(parse_user_time_at("3x", now), None);
        assert_eq!(parse_user_time_at("d", now), None);
    }

    #[test]
    fn round_trips_dates_across_eras() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_514, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parses_w3c_date_and_time() {
        let t = parse_date_time(b"2026-03-02", b"09:15:04").unwrap();
        assert_eq!(format_utc(t), "2026-03-02T09:15:04Z");
        assert_eq!(parse_date_time(b"2026-03-02", b"09:15:04.123"), Some(t));
        assert_eq!(parse_date_time(b"2026-13-02", b"09:15:04"), None);
        assert_eq!(parse_date_time(b"2026-03-02", b"9:15:04"), None);
    }

    #[test]
    fn keys_sort_like_times() {
        let a = time_key(b"2026-03-02", b"09:15:04").unwrap();
        let b = time_key(b"2026-03-02", b"10:00:00").unwrap();
        assert!(a < b);
        assert_eq!(parse_key(&a), parse_date_time(b"2026-03-02", b"09:15:04"));
    }

    #[test]
    fn reads_user_times() {
        let t = parse_date_time(b"2026-03-02", b"09:15:04");
        assert_eq!(parse_user_time("2026-03-02T09:15:04Z"), t);
        assert_eq!(parse_user_time("2026-03-02T10:15:04+01:00"), t);
        assert_eq!(parse_user_time("2026-03-02 09:15:04"), t);
        assert_eq!(
            parse_user_time("2026-03-02"),
            parse_user_time("2026-03-02 00:00:00")
        );
        assert_eq!(parse_user_time("yesterday"), None);
    }

    #[test]
    fn days_past_the_end_of_the_month_are_not_dates() {
        for bad in [
            "2026-02-29",
            "2026-02-30",
            "2026-04-31",
            "1900-02-29",
            "2026-13-01",
            "2026-01-00",
        ] {
            assert_eq!(parse_date(bad.as_bytes()), None, "{bad}");
        }
        for good in ["2024-02-29", "2000-02-29", "2026-12-31", "2026-04-30"] {
            assert!(parse_date(good.as_bytes()).is_some(), "{good}");
        }
    }
}
