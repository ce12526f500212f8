//! The column layout a `#Fields` directive declares, with the columns fbscope reads resolved to
//! indexes once, so that the hot path never compares field names.

use std::sync::Arc;

/// The columns fbscope interprets. Every other column is kept in the layout by name and
/// counted, but not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Date,
    Time,
    DateLocal,
    TimeLocal,
    ServerIp,
    Method,
    UriStem,
    UriQuery,
    /// HTTPERR logs write the whole URI in `cs-uri`.
    Uri,
    ServerPort,
    UserName,
    ClientIp,
    UserAgent,
    Status,
    SubStatus,
    Win32Status,
    Host,
    ComputerName,
    SiteName,
    /// HTTPERR: why HTTP.sys refused or dropped the request.
    Reason,
    QueueName,
    TimeTaken,
}

const KNOWN: [(&str, Field); 24] = [
    ("date", Field::Date),
    ("time", Field::Time),
    ("date-local", Field::DateLocal),
    ("time-local", Field::TimeLocal),
    ("s-ip", Field::ServerIp),
    ("cs-method", Field::Method),
    ("cs-uri-stem", Field::UriStem),
    ("cs-uri-query", Field::UriQuery),
    ("cs-uri", Field::Uri),
    ("s-port", Field::ServerPort),
    ("cs-username", Field::UserName),
    ("c-ip", Field::ClientIp),
    ("cs(user-agent)", Field::UserAgent),
    ("sc-status", Field::Status),
    ("sc-substatus", Field::SubStatus),
    ("sc-win32-status", Field::Win32Status),
    ("cs-host", Field::Host),
    ("cs(host)", Field::Host),
    ("s-computername", Field::ComputerName),
    ("s-sitename", Field::SiteName),
    ("s-reason", Field::Reason),
    ("s-queuename", Field::QueueName),
    ("x-forwarded-for", Field::ClientIp),
    ("time-taken", Field::TimeTaken),
];

const FIELD_COUNT: usize = Field::TimeTaken as usize + 1;

/// Exchange's default IIS `#Fields` (grammars/README.md §3), assumed for data before any `#Fields`.
pub const EXCHANGE_DEFAULT_FIELDS: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

/// HTTP.sys's HTTPERR `#Fields`.
pub const HTTPERR_DEFAULT_FIELDS: &str =
    "date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename";

/// A resolved `#Fields` layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLayout {
    names: Vec<String>,
    index: [Option<u16>; FIELD_COUNT],
    /// See [`Self::local_times`]; decided once here, read for every line.
    local_times: bool,
}

impl FieldLayout {
    /// Builds a layout from the text after `#Fields:` (names separated by runs of blanks).
    pub fn parse(spec: &str) -> Self {
        let names: Vec<String> = spec.split_ascii_whitespace().map(str::to_owned).collect();
        let mut index = [None; FIELD_COUNT];
        for (i, name) in names.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            if let Some((_, f)) = KNOWN.iter().find(|(n, _)| *n == lower) {
                // The first column of a name wins; X-Forwarded-For only fills a missing c-ip.
                let slot = &mut index[*f as usize];
                if slot.is_none() {
                    *slot = u16::try_from(i).ok();
                }
            }
        }
        let has = |f: Field| index[f as usize].is_some();
        let local_times = !has(Field::Time) && has(Field::TimeLocal);
        FieldLayout {
            names,
            index,
            local_times,
        }
    }

    pub fn exchange_default() -> Arc<Self> {
        Arc::new(Self::parse(EXCHANGE_DEFAULT_FIELDS))
    }

    /// Number of values a record of this layout has.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Column index of a known field, if the layout has it.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.index[field as usize].map(usize::from)
    }

    pub fn has(&self, field: Field) -> bool {
        self.index[field as usize].is_some()
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// True when record times come from `date-local`/`time-local` (the server's local time,
    /// as IIS logs when "Use local time for file naming and rollover" is set with those
    /// fields chosen) because there is no UTC `time` field.
    pub fn local_times(&self) -> bool {
        self.local_times
    }

    /// True when `date` and `time` are the first two columns, the case the hot path reads
    /// without splitting the line.
    pub fn date_time_leading(&self) -> bool {
        self.index(Field::Date) == Some(0) && self.index(Field::Time) == Some(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_known_fields_in_any_order() {
        let l = FieldLayout::parse("time  cs-uri-stem date sc-status cs(User-Agent) x-custom");
        assert_eq!(l.len(), 6);
        assert_eq!(l.index(Field::Date), Some(2));
        assert_eq!(l.index(Field::UserAgent), Some(4));
        assert_eq!(l.index(Field::Win32Status), None);
        assert!(!l.date_time_leading());
    }

    #[test]
    fn exchange_default_has_fifteen_fields() {
        let l = FieldLayout::exchange_default();
        assert_eq!(l.len(), 15);
        assert!(l.date_time_leading());
    }
}
