//! The Event Viewer "General" text that admins paste into tickets ("Copy details as text"):
//! blocks of `Log Name:`, `Source:`, `Date:`, `Event ID:`, `Task Category:`, `Level:`,
//! `Keywords:`, `User:`, `Computer:`, `Description:`, the description running until the next
//! `Log Name:` (or an `Event Xml:` section, which is skipped). One or many events per file.
//!
//! Units are blocks: each is a record or a rejection; lines outside blocks (ticket prose) are
//! counted as directives. `Date:` is local time; its day/month order is surveyed first.

use std::io::BufRead;

use super::dates::DateSurvey;
use super::sink::{read_local_times, Clock, Sink};
use super::text::LineReader;
use super::{open_text, EventParseOptions};
use crate::input::Input;
use crate::record::EventRecord;

/// How much of a block's text is kept for its rejection line.
const RAW_KEPT: usize = 400;

/// Longest description kept (bytes): far past any real event message, and the bound on
/// memory when a pasted file has one `Log Name:` and then megabytes of text.
const MAX_DESCRIPTION_BYTES: usize = 1 << 20;

/// Parses a General-text input. Returns the bytes read.
pub fn parse(input: &Input, opts: &EventParseOptions, sink: &mut Sink) -> Result<u64, String> {
    read_local_times(
        opts,
        || survey(input),
        sink,
        |clock, sink| {
            let (stream, count) = open_text(input)?;
            read(stream, clock, sink).map_err(|e| format!("read error: {e}"))?;
            Ok(count.get())
        },
    )
}

fn survey(input: &Input) -> Result<DateSurvey, String> {
    let (stream, _) = open_text(input)?;
    let mut lines = LineReader::new(stream);
    let mut line = Vec::new();
    let mut survey = DateSurvey::default();
    // A read error ends the survey with what it saw; the reading pass reports it.
    while let Ok(Some(info)) = lines.next_line(&mut line) {
        let text = String::from_utf8_lossy(&line);
        if let Some(("date", value)) = key_value(&text) {
            survey.see(value, info.number);
            if survey.settled() {
                break;
            }
        }
    }
    Ok(survey)
}

/// One block being read.
#[derive(Default)]
struct Block {
    line: u64,
    source: String,
    date: String,
    event_id: String,
    level: String,
    computer: String,
    description: Option<String>,
    in_xml: bool,
    raw: Vec<u8>,
}

fn read(stream: Box<dyn BufRead>, clock: &mut Clock, sink: &mut Sink) -> std::io::Result<()> {
    let mut lines = LineReader::new(stream);
    let mut buf = Vec::new();
    let mut block: Option<Block> = None;
    while let Some(info) = lines.next_line(&mut buf)? {
        let text = String::from_utf8_lossy(&buf);
        if matches!(key_value(&text), Some(("log name", _))) {
            if let Some(b) = block.take() {
                finish(b, clock, sink);
            }
            block = Some(Block {
                line: info.number,
                ..Block::default()
            });
        }
        match &mut block {
            Some(b) => b.take_line(&text),
            None if text.trim().is_empty() => sink.blank(),
            None => sink.directive(),
        }
    }
    if let Some(b) = block {
        finish(b, clock, sink);
    }
    Ok(())
}

/// `Key:   value` with a known key (lower-cased) → `(key, value)`.
fn key_value(line: &str) -> Option<(&'static str, &str)> {
    const KEYS: [&str; 10] = [
        "log name",
        "source",
        "date",
        "event id",
        "task category",
        "level",
        "keywords",
        "user",
        "computer",
        "description",
    ];
    let (k, v) = line.split_once(':')?;
    let k = k.trim();
    KEYS.iter()
        .find(|key| key.eq_ignore_ascii_case(k))
        .map(|key| (*key, v.trim()))
}

impl Block {
    fn take_line(&mut self, line: &str) {
        if self.raw.len() < RAW_KEPT {
            self.raw.extend_from_slice(line.as_bytes());
            self.raw.push(b'\n');
        }
        if let Some(desc) = &mut self.description {
            if line.trim().eq_ignore_ascii_case("Event Xml:") {
                self.in_xml = true;
            } else if !self.in_xml && desc.len() < MAX_DESCRIPTION_BYTES {
                desc.push_str(line);
                desc.push('\n');
            }
            return;
        }
        match key_value(line) {
            Some(("source", v)) => self.source = v.to_string(),
            Some(("date", v)) => self.date = v.to_string(),
            Some(("event id", v)) => self.event_id = v.to_string(),
            Some(("level", v)) => self.level = v.to_string(),
            Some(("computer", v)) => self.computer = v.to_string(),
            Some(("description", v)) => {
                let mut d = v.to_string();
                if !d.is_empty() {
                    d.push('\n');
                }
                self.description = Some(d);
            }
            _ => {}
        }
    }

    fn into_record(self, clock: &mut Clock) -> Result<EventRecord, String> {
        if self.source.is_empty() {
            return Err("event block without Source:".into());
        }
        let event_id = self
            .event_id
            .parse()
            .map_err(|_| format!("Event ID is not a number: {:?}", self.event_id))?;
        // Pasted events often carry a placeholder (`Date: Date`, `Date: <date>`): no digit,
        // no time; the event is still read.
        let time = if !self.date.bytes().any(|b| b.is_ascii_digit()) {
            None
        } else {
            Some(clock.utc(&self.date)?)
        };
        Ok(EventRecord {
            position: self.line,
            time,
            // Event Viewer's General text and Details show whole seconds.
            subsec: None,
            provider: self.source,
            event_id: Some(event_id),
            level: self.level,
            computer: self.computer,
            message: self.description.unwrap_or_default().trim().to_string(),
            data: Vec::new(),
            record_id: None,
        })
    }
}

fn finish(b: Block, clock: &mut Clock, sink: &mut Sink) {
    let (line, raw) = (b.line, b.raw.clone());
    match b.into_record(clock) {
        Ok(ev) => sink.event(ev),
        Err(reason) => sink.reject(line, reason, &raw),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{opts, run};
    use super::super::EventFormat;
    use crate::time::format_opt;

    const ONE: &str = "Log Name:      Application\r\n\
Source:        MSExchange Availability\r\n\
Date:          10/7/2016 6:38:24 PM\r\n\
Event ID:      4002\r\n\
Task Category: Availability Service\r\n\
Level:         Error\r\n\
Keywords:      Classic\r\n\
User:          N/A\r\n\
Computer:      EX01.contoso.com\r\n\
Description:\r\n\
Process 5464: ProxyWebRequest FederatedCrossForest from S-1-5-21 to https://x/EWS/Exchange.asmx/WSSecurity failed.\r\n\
\r\n\
The exception returned is System.Net.WebException: Unable to connect to the remote server\r\n";

    #[test]
    fn reads_pasted_blocks_with_prose_around() {
        let text = format!(
            "Hi team, the event below keeps coming:\r\n\r\n{ONE}Event Xml:\r\n<Event xmlns=\"x\"></Event>\r\n{}",
            ONE.replace("4002", "4001").replace("Error", "Warning")
        );
        let (evs, out) = run(EventFormat::GeneralText, text.as_bytes(), &opts("+01:00")).unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!((out.tally.directives, out.tally.blank), (1, 1));
        let e = &evs[0];
        assert_eq!(e.position, 3);
        assert_eq!(
            (e.event_id, e.level.as_str(), e.computer.as_str()),
            (Some(4002), "Error", "EX01.contoso.com")
        );
        assert_eq!(format_opt(e.time), "2016-10-07T17:38:24Z");
        assert!(e.message.starts_with("Process 5464"));
        assert!(e
            .message
            .ends_with("Unable to connect to the remote server"));
        assert!(!e.message.contains("Event Xml"));
        assert_eq!(evs[1].level, "Warning");
    }

    #[test]
    fn blocks_without_an_event_id_are_rejected() {
        let text = ONE.replace("Event ID:      4002", "Event ID:      n/a");
        let (evs, out) = run(EventFormat::GeneralText, text.as_bytes(), &opts("UTC")).unwrap();
        assert!(evs.is_empty());
        assert_eq!(out.rejections[0].position, 1);
        assert!(out.rejections[0].reason.contains("Event ID"));
    }

    /// Support articles anonymise the date (`Date: Date`): the event is read without a time.
    #[test]
    fn a_placeholder_date_is_no_time_not_a_rejection() {
        let text = ONE.replace("10/7/2016 6:38:24 PM", "Date");
        let (evs, out) = run(EventFormat::GeneralText, text.as_bytes(), &opts("UTC")).unwrap();
        assert!(out.rejections.is_empty());
        assert_eq!((evs.len(), evs[0].time), (1, None));
    }
}
