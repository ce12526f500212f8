//! Where a parser's results go: events to the caller, every unit into the tally, the first
//! rejections kept, and the notes said once per input.

use super::dates::{parse_stamp, DateSurvey, Stamp};
use super::time::{DateOrder, EventTz, Shift};
use super::{EventOutput, EventParseOptions, Vocabulary, WantsText};
use crate::record::EventRecord;
use crate::tally::{Rejection, REJECTED_KEPT_PER_INPUT};
use crate::time::{TimeKey, UnixTime};

/// Collects one input's output while its parser runs.
pub struct Sink<'a> {
    out: EventOutput,
    on_event: &'a mut dyn FnMut(EventRecord),
    wants_text: WantsText<'a>,
    vocabulary: &'a Vocabulary,
}

impl<'a> Sink<'a> {
    pub fn new(
        on_event: &'a mut dyn FnMut(EventRecord),
        wants_text: WantsText<'a>,
        vocabulary: &'a Vocabulary,
    ) -> Self {
        Sink {
            out: EventOutput::default(),
            on_event,
            wants_text,
            vocabulary,
        }
    }

    /// What the rules say of sources (templates, cmdlets).
    pub fn vocabulary(&self) -> &'a Vocabulary {
        self.vocabulary
    }

    /// Which providers' message and insertion strings the caller reads (see
    /// [`super::parse_for`]).
    pub fn wants_text(&self) -> WantsText<'a> {
        self.wants_text
    }

    /// Hands one event to the caller and counts it. An event that came without a rendered
    /// message (EVTX, an XML export without `RenderingInfo`) gets one built from its
    /// insertion strings.
    pub fn event(&mut self, mut ev: EventRecord) {
        if ev.message.trim().is_empty() {
            ev.message = self.vocabulary.render(&ev.provider, ev.event_id, &ev.data);
        }
        self.out.tally.lines += 1;
        self.out.tally.records += 1;
        if let Some(t) = ev.time {
            self.out.tally.saw_time(time_key(t));
        }
        (self.on_event)(ev);
    }

    /// Counts one rejected unit, keeping the first few with their reason.
    pub fn reject(&mut self, position: u64, reason: impl Into<String>, raw: &[u8]) {
        self.out.tally.lines += 1;
        self.out.tally.rejected += 1;
        if self.out.rejections.len() < REJECTED_KEPT_PER_INPUT {
            self.out
                .rejections
                .push(Rejection::new(position, reason.into(), raw));
        }
    }

    /// Counts a header row, a type line or other text that is not an event on purpose.
    pub fn directive(&mut self) {
        self.out.tally.lines += 1;
        self.out.tally.directives += 1;
    }

    pub fn blank(&mut self) {
        self.out.tally.lines += 1;
        self.out.tally.blank += 1;
    }

    /// Counts a record accepted only by a tolerant reading (see [`crate::tally::Tally`]).
    pub fn tolerated(&mut self) {
        self.out.tally.tolerated += 1;
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.out.notes.contains(&note) {
            self.out.notes.push(note);
        }
    }

    /// Data units so far, read or rejected: the next one's ordinal is this plus one.
    pub fn data_units(&self) -> u64 {
        self.out.tally.records + self.out.tally.rejected
    }

    /// Records seen so far (for tests and progress).
    pub fn records(&self) -> u64 {
        self.out.tally.records
    }

    pub fn finish(mut self, bytes: u64) -> EventOutput {
        self.out.tally.bytes = bytes;
        self.out
    }
}

/// `YYYY-MM-DD HH:MM:SS` of a UTC time, the tally's sort key; all zero bytes outside years
/// 0–9999. Written digit by digit: formatting a string per event showed in profiles.
fn time_key(t: UnixTime) -> TimeKey {
    use chrono::{Datelike, Timelike};
    let mut key = *b"0000-00-00 00:00:00";
    let Some(dt) = chrono::DateTime::from_timestamp(t, 0) else {
        return [0; 19];
    };
    let Ok(year) = u32::try_from(dt.year()) else {
        return [0; 19];
    };
    if year > 9999 {
        return [0; 19];
    }
    put(&mut key[0..4], year);
    put(&mut key[5..7], dt.month());
    put(&mut key[8..10], dt.day());
    put(&mut key[11..13], dt.hour());
    put(&mut key[14..16], dt.minute());
    put(&mut key[17..19], dt.second());
    key
}

/// Writes `v` as zero-padded decimal digits filling `dst`.
fn put(dst: &mut [u8], mut v: u32) {
    for d in dst.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Reads an export whose dates are local and in its locale's order: decides the day/month
/// order (forced by `--date-order`, else from `survey` of the whole input), runs `read` with
/// a [`Clock`] set to it, then files the notes about times (and, when rows were only
/// ambiguous dates, how the order was decided). A survey cut short by a read error decides
/// from what it saw; the reading pass then meets the error and reports it.
pub fn read_local_times<T>(
    opts: &EventParseOptions,
    survey: impl FnOnce() -> Result<DateSurvey, String>,
    sink: &mut Sink,
    read: impl FnOnce(&mut Clock, &mut Sink) -> Result<T, String>,
) -> Result<T, String> {
    let survey = match opts.date_order {
        Some(_) => DateSurvey::default(),
        None => survey()?,
    };
    let (order, why) = survey.decide(opts.date_order);
    let mut clock = Clock::new(opts.tz, order);
    // The notes go in even when reading stopped early: they apply to the events read.
    let read = read(&mut clock, sink);
    if survey.ambiguous_shape > 0 && sink.records() > 0 {
        sink.note(why);
    }
    clock.finish(sink);
    read
}

/// Converts the local times of one input to UTC, counting what needs saying.
pub struct Clock {
    tz: EventTz,
    pub order: DateOrder,
    ambiguous: u64,
    nonexistent: u64,
    local_seen: bool,
}

impl Clock {
    pub fn new(tz: EventTz, order: DateOrder) -> Self {
        Clock {
            tz,
            order,
            ambiguous: 0,
            nonexistent: 0,
            local_seen: false,
        }
    }

    /// Parses a date-time string of the export; `Err` says why it could not be read.
    pub fn utc(&mut self, s: &str) -> Result<UnixTime, String> {
        match parse_stamp(s, self.order) {
            Some(Stamp::Absolute(t)) => Ok(t),
            Some(Stamp::Local(local)) => {
                self.local_seen = true;
                let (t, shift) = self.tz.to_utc(local);
                match shift {
                    Some(Shift::Ambiguous) => self.ambiguous += 1,
                    Some(Shift::Nonexistent) => self.nonexistent += 1,
                    None => {}
                }
                Ok(t)
            }
            None => Err(format!(
                "unreadable date {:?} (read as {})",
                truncate(s, 60),
                self.order
            )),
        }
    }

    /// Adds the notes about time conversion to the sink.
    pub fn finish(&self, sink: &mut Sink) {
        if !self.local_seen {
            return;
        }
        if self.tz == EventTz::AssumedUtc {
            sink.out.assumed_utc = true;
        } else {
            sink.note(format!("event times converted from {} to UTC", self.tz));
        }
        if self.ambiguous > 0 {
            sink.note(format!(
                "{} local times fell in the repeated hour at the end of DST: the earlier instant was taken",
                self.ambiguous
            ));
        }
        if self.nonexistent > 0 {
            sink.note(format!(
                "{} local times fell in the skipped hour at the start of DST: shifted forward by the gap",
                self.nonexistent
            ));
        }
    }
}

/// The first `max` characters of `s`.
pub fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys_match_the_formatted_time() {
        for t in [0, 1_475_865_504, -11_644_473_600, 253_402_300_799] {
            let formatted = crate::time::format_utc(t).replace('T', " ");
            assert_eq!(&time_key(t)[..], &formatted.as_bytes()[..19], "{t}");
        }
        assert_eq!(time_key(253_402_300_800), [0; 19]);
        assert_eq!(time_key(-62_167_219_201), [0; 19]);
    }
}
