//! Format parsers: bytes of one input → records, with every line accounted for.

pub mod eventlog;
pub mod exchange;
pub mod exconfig;
pub mod w3c;

/// Parses a decimal field; values that overflow the type are treated as unknown.
pub fn parse_num<T: std::str::FromStr>(b: &[u8]) -> Option<T> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflowing_numbers_are_unknown() {
        assert_eq!(parse_num::<u16>(b"70000"), None);
        assert_eq!(parse_num::<u64>(b"67567567567"), Some(67_567_567_567));
    }
}
