//! Coverage: per server and source, the spans of time the bundle has logs for, and the gaps
//! between them. A gap is not "no failures": the report draws it and the absence rules only
//! conclude where the responder's logs cover the window.

use crate::host::HostId;
use std::collections::BTreeMap;

use crate::analysis::InputReport;
use crate::input::Format;
use crate::time::{self, UnixTime};

/// Log kinds of the coverage chart.
pub fn source_of(format: &Format) -> Option<&'static str> {
    match format {
        Format::Iis => Some("iis"),
        Format::HttpErr => Some("httperr"),
        Format::Event(_) => Some("eventlog"),
        _ => None,
    }
}

/// One span with data, from the inputs that cover it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: UnixTime,
    pub end: UnixTime,
    pub inputs: u32,
}

/// (server upper-cased, source) → spans in time order, each separated from the next by a
/// gap longer than the tolerance given to [`Coverage::build`].
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub spans: BTreeMap<(HostId, &'static str), Vec<Span>>,
}

impl Coverage {
    /// Joins the inputs' first..last times; spans closer than `tolerance` seconds merge (a
    /// daily IIS log ends at 23:59:59 and the next begins at 00:00:00).
    pub fn build(inputs: &[InputReport], tolerance: i64) -> Self {
        let mut raw: BTreeMap<(HostId, &'static str), Vec<Span>> = BTreeMap::new();
        for r in inputs {
            let Some(source) = source_of(&r.format) else {
                continue;
            };
            let key = |k: &Option<time::TimeKey>| k.as_ref().and_then(time::parse_key);
            let (Some(start), Some(end)) = (key(&r.tally.first), key(&r.tally.last)) else {
                continue;
            };
            raw.entry((r.server.clone(), source))
                .or_default()
                .push(Span {
                    start,
                    end,
                    inputs: 1,
                });
        }
        let spans = raw
            .into_iter()
            .map(|(k, v)| (k, merge(v, tolerance)))
            .collect();
        Coverage { spans }
    }

    /// Does `server`'s `source` logging cover the whole window?
    pub fn covers(
        &self,
        server: &HostId,
        source: &'static str,
        start: UnixTime,
        end: UnixTime,
    ) -> bool {
        self.spans
            .get(&(server.clone(), source))
            .is_some_and(|v| v.iter().any(|s| s.start <= start && end <= s.end))
    }
}

fn merge(mut spans: Vec<Span>, tolerance: i64) -> Vec<Span> {
    spans.sort_by_key(|s| (s.start, s.end));
    let mut out: Vec<Span> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start - last.end <= tolerance => {
                last.end = last.end.max(s.end);
                last.inputs += s.inputs;
            }
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_spans_merge_and_far_ones_leave_a_gap() {
        let s = |start, end| Span {
            start,
            end,
            inputs: 1,
        };
        let merged = merge(vec![s(100, 200), s(0, 99), s(5000, 6000)], 60);
        assert_eq!(
            merged,
            [
                Span {
                    start: 0,
                    end: 200,
                    inputs: 2
                },
                s(5000, 6000)
            ]
        );
    }
}
