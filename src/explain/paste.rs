//! Reading what people paste into tickets and forums: IIS lines with a label in front
//! (`IIS Logs:  2015-06-08 ...`), anonymised placeholders with spaces (`<IP Address>`,
//! `<FQDN>`), and lines that lost a column or the date and time — read by their shape against
//! the Exchange default layout, saying which shape was assumed.
//!
//! Only `explain` uses this: `analyze` reads real log files, whose `#Fields` say the layout.

use std::sync::Arc;

use regex::Regex;

use crate::parse::w3c::header::HeaderState;
use crate::parse::w3c::layout::{FieldLayout, EXCHANGE_DEFAULT_FIELDS};
use crate::parse::w3c::record::W3cRecord;
use crate::parse::w3c::split::split;

/// The Exchange default layout with columns a paste is seen to lose, most likely first.
/// Each is tried only when the line's value count fits it, and kept only when the method,
/// path and status land where the layout puts them.
const SHAPES: [(&str, &[&str]); 7] = [
    ("without cs(Referer)", &["cs(Referer)"]),
    ("without date and time", &["date", "time"]),
    (
        "without date, time and cs(Referer)",
        &["date", "time", "cs(Referer)"],
    ),
    // Copied from the method on (a thread's `POST /EWS/Exchange.asmx/WSSecurity ... 500 0 0
    // 74`): the server's address went with the time.
    (
        "from cs-method on (without date, time and s-ip)",
        &["date", "time", "s-ip"],
    ),
    (
        "from cs-method on, without cs(Referer)",
        &["date", "time", "s-ip", "cs(Referer)"],
    ),
    ("without time-taken", &["time-taken"]),
    ("without cs-uri-query", &["cs-uri-query"]),
];

/// HTTP methods a W3C line of free/busy traffic carries.
const METHODS: [&str; 6] = ["POST", "GET", "HEAD", "OPTIONS", "PUT", "RPC_IN_DATA"];

/// Longest label accepted in front of a pasted line (`IIS Logs:`, `W3SVC1:`, `>`).
const MAX_LABEL: usize = 40;

/// Compiled once per `explain`.
pub struct PasteReader {
    placeholder: Regex,
    stamp: Regex,
}

/// A pasted line made readable, with what was changed.
pub struct Tidied {
    pub line: String,
    pub notes: Vec<String>,
}

impl PasteReader {
    pub fn new() -> Self {
        PasteReader {
            placeholder: Regex::new(r"<[^<>\s][^<>]{0,60}>").expect("placeholder pattern"),
            stamp: Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\b").expect("stamp pattern"),
        }
    }

    /// Drops a short label before the date and joins placeholders into one value.
    pub fn tidy(&self, line: &str) -> Tidied {
        let mut notes = Vec::new();
        let mut text = line.trim().to_owned();
        if let Some(m) = self.stamp.find(&text) {
            let label = &text[..m.start()];
            if m.start() > 0 && label.len() <= MAX_LABEL && !label.contains('/') {
                notes.push(format!("dropped {:?} before the line", label.trim()));
                text = text[m.start()..].to_owned();
            }
        }
        if self
            .placeholder
            .find_iter(&text)
            .any(|m| m.as_str().contains(' '))
        {
            text = self
                .placeholder
                .replace_all(&text, |c: &regex::Captures<'_>| c[0].replace(' ', "_"))
                .into_owned();
            notes.push("read placeholders such as <IP Address> as one value each".to_owned());
        }
        Tidied { line: text, notes }
    }

    /// Does a tidied line look like a W3C request line (a method and a path among 8+ values)?
    pub fn looks_like_w3c(&self, line: &str) -> bool {
        let values: Vec<&str> = line.split(' ').collect();
        values.len() >= 8
            && values
                .windows(2)
                .any(|w| METHODS.contains(&w[0]) && w[1].starts_with('/'))
            && values
                .iter()
                .any(|v| v.len() == 3 && v.parse::<u16>().is_ok_and(|s| (100..600).contains(&s)))
    }
}

impl Default for PasteReader {
    fn default() -> Self {
        Self::new()
    }
}

/// The layout a line of `values` values has, when it is not the default: the first shape of
/// [`SHAPES`] that fits and puts a method, a path and a status where they belong.
pub fn shaped_layout(line: &str) -> Option<(Arc<FieldLayout>, &'static str)> {
    let mut spans = Vec::new();
    SHAPES.iter().find_map(|(name, dropped)| {
        let fields: Vec<&str> = EXCHANGE_DEFAULT_FIELDS
            .split(' ')
            .filter(|f| !dropped.contains(f))
            .collect();
        let layout = Arc::new(FieldLayout::parse(&fields.join(" ")));
        split(line.as_bytes(), layout.len(), &mut spans).ok()?;
        let header = HeaderState::initial(layout.clone());
        let rec = W3cRecord {
            line: line.as_bytes(),
            spans: &spans,
            header: &header,
        };
        plausible(&rec).then_some((layout, *name))
    })
}

fn plausible(rec: &W3cRecord<'_>) -> bool {
    use crate::parse::w3c::layout::Field;
    let method = rec.get(Field::Method).unwrap_or_default();
    METHODS.iter().any(|m| m.as_bytes() == method)
        && rec.path().is_some_and(|p| p.starts_with(b"/"))
        && rec.status().is_some_and(|s| (100..600).contains(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_placeholders_are_tidied() {
        let r = PasteReader::new();
        let t = r.tidy("IIS Logs:  2015-06-08 04:19:25 <IP Address> POST /EWS/Exchange.asmx - 443 - <IP Address> ASProxy/CrossForest - 403 0 0 718");
        assert!(
            t.line.starts_with("2015-06-08 04:19:25 <IP_Address> POST"),
            "{}",
            t.line
        );
        assert_eq!(t.notes.len(), 2);
        assert!(r.looks_like_w3c(&t.line));
        assert!(!r.looks_like_w3c("The request failed with HTTP status 403: Forbidden."));
    }

    #[test]
    fn a_line_without_the_referer_is_read_by_its_shape() {
        let line = "2015-06-08 04:16:29 <IP_Address> POST /EWS/Exchange.asmx - 444 domain\\serviceaccount 10.152.152.166 ASProxy/CrossForest/EmailDomain/EXCH/08.03.0083.000 403 0 0 233";
        let (layout, name) = shaped_layout(line).expect("a shape fits");
        assert_eq!(name, "without cs(Referer)");
        assert_eq!(layout.len(), 14);
        let no_time = "10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity - 443 - 40.92.4.77 ASProxy/CrossForest/EmailDomain//15.02 - 500 0 64 31";
        assert_eq!(shaped_layout(no_time).unwrap().1, "without date and time");
        let from_method = "POST /EWS/Exchange.asmx/WSSecurity &cafeReqId=287f; 443 - 52.97.244.45 TestOrganizationRelationship/1.1 - 500 0 0 74";
        assert_eq!(
            shaped_layout(from_method).unwrap().1,
            "from cs-method on (without date, time and s-ip)"
        );
        let no_referer = "POST /EWS/Exchange.asmx/WSSecurity - 443 - 52.97.244.45 ASProxy/CrossForest 500 0 0 74";
        assert_eq!(
            shaped_layout(no_referer).unwrap().1,
            "from cs-method on, without cs(Referer)"
        );
        assert!(shaped_layout("a b c").is_none());
    }
}
