//! Windows time-zone names (`W. Europe Standard Time`, as `Get-TimeZone`, `tzutil /g` and the
//! registry give them) for `--event-tz`, mapped to IANA zones by the Unicode CLDR table
//! (`windows_zones.tsv`, its default "001" mappings; the source is cited in the file).
//!
//! A Windows name stands for a zone with its daylight-saving rules, not for the offset in its
//! name: mapping it to a fixed offset would put every summer event an hour off. Through the
//! IANA zone, chrono-tz applies the DST rules of each event's own date.

/// The CLDR mappings, `NAME<TAB>ZONE` a line, `#` comments.
const TABLE: &str = include_str!("windows_zones.tsv");

/// The IANA zone of a Windows time-zone name (case and surrounding blanks ignored).
pub fn iana_for(windows: &str) -> Option<&'static str> {
    let wanted = windows.trim();
    mappings().find_map(|(name, zone)| name.eq_ignore_ascii_case(wanted).then_some(zone))
}

fn mappings() -> impl Iterator<Item = (&'static str, &'static str)> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_zone_is_known_to_chrono_tz() {
        let mut n = 0;
        for (name, zone) in mappings() {
            assert!(zone.parse::<chrono_tz::Tz>().is_ok(), "{name} -> {zone}");
            n += 1;
        }
        assert!(n > 130, "{n} mappings");
    }

    #[test]
    fn names_are_found_whatever_their_case() {
        assert_eq!(iana_for("W. Europe Standard Time"), Some("Europe/Berlin"));
        assert_eq!(
            iana_for(" pacific standard time "),
            Some("America/Los_Angeles")
        );
        assert_eq!(
            iana_for("Pacific Standard Time (Mexico)"),
            Some("America/Tijuana")
        );
        assert_eq!(iana_for("UTC+12"), Some("Etc/GMT-12"));
        assert_eq!(iana_for("Atlantis Standard Time"), None);
    }
}
