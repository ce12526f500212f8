//! `Test-FederationTrust` and `Test-OrganizationRelationship` output, as pasted or saved from
//! a shell: PowerShell list blocks (`Id : TokenValidation`, `Type : Error`, `Message : ...`;
//! or `Status` / `Description`), the same as a table (`Id  Type  Message` over a `--  ----`
//! rule), and verbose `STEP n: ...` / `RESULT: Error` lines.
//!
//! Every step becomes an event (successes too, with their level as given, so that the
//! classifier can ignore them): provider is the cmdlet, no event id, message
//! `"<Id>: <Message>"`, position the line where the step starts. Other lines are directives
//! or blank.

use std::io::BufRead;

use super::open_text;
use super::sink::Sink;
use super::text::LineReader;
use super::vocabulary::{Cmdlet, Vocabulary};
use crate::input::Input;
use crate::record::EventRecord;

/// Longest step message kept (bytes): real ones are a few lines; this bounds memory when an
/// indented file would otherwise all be continuation lines of one value.
const MAX_VALUE_BYTES: usize = 1 << 20;

/// Parses a transcript. Returns the bytes read.
pub fn parse(input: &Input, sink: &mut Sink) -> Result<u64, String> {
    let vocabulary = sink.vocabulary();
    let cmdlet = mentioned_cmdlet(input, vocabulary)?;
    let (stream, count) = open_text(input)?;
    read(stream, cmdlet, sink).map_err(|e| format!("read error: {e}"))?;
    Ok(count.get())
}

/// The cmdlet the file names, if it names one of the rules' cmdlets (first pass).
fn mentioned_cmdlet<'v>(
    input: &Input,
    vocabulary: &'v Vocabulary,
) -> Result<Option<&'v Cmdlet>, String> {
    let (stream, _) = open_text(input)?;
    let mut lines = LineReader::new(stream);
    let mut line = Vec::new();
    while lines
        .next_line(&mut line)
        .map_err(|e| format!("read error: {e}"))?
        .is_some()
    {
        if let Some(c) = vocabulary.cmdlet_in(&line) {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// A list block being read: its start line and `key : value` pairs.
#[derive(Default)]
struct Block {
    line: u64,
    pairs: Vec<(String, String)>,
    raw: Vec<u8>,
}

struct Reader<'s, 'a> {
    /// The cmdlet the file names; otherwise each step's keys say whose it is.
    cmdlet: Option<&'a Cmdlet>,
    sink: &'s mut Sink<'a>,
    block: Option<Block>,
    /// The last `STEP n: ...` text, for the next `RESULT:` line.
    step: Option<String>,
    /// The previous line (a table header candidate) and the table being read.
    prev: String,
    table: Option<Vec<(String, usize)>>,
}

fn read<'a>(
    stream: Box<dyn BufRead>,
    cmdlet: Option<&'a Cmdlet>,
    sink: &mut Sink<'a>,
) -> std::io::Result<()> {
    let mut lines = LineReader::new(stream);
    let mut buf = Vec::new();
    let mut r = Reader {
        cmdlet,
        sink,
        block: None,
        step: None,
        prev: String::new(),
        table: None,
    };
    while let Some(info) = lines.next_line(&mut buf)? {
        let text = String::from_utf8_lossy(&buf).into_owned();
        r.line(&text, info.number);
        r.prev = text;
    }
    r.end_block();
    Ok(())
}

impl Reader<'_, '_> {
    fn line(&mut self, text: &str, number: u64) {
        if text.trim().is_empty() {
            // Pasted list output often has a blank line between every pair (web pages
            // render it so): a block ends at a repeated key or a line that is no pair.
            self.table = None;
            return self.sink.blank();
        }
        if let Some(cols) = &self.table {
            let ev = table_row(cols, text, number, self.cmdlet, self.sink.vocabulary());
            return self.sink.event(ev);
        }
        if let Some(cols) = table_columns(&self.prev, text, self.sink.vocabulary()) {
            self.end_block();
            self.table = Some(cols);
            return self.sink.directive();
        }
        if let Some(result) = result_word(text) {
            self.end_block();
            return self.result(text, result, number);
        }
        if let Some((k, v)) = list_pair(text) {
            let repeated = self
                .block
                .as_ref()
                .is_some_and(|b| b.pairs.iter().any(|(key, _)| key.eq_ignore_ascii_case(k)));
            if repeated {
                self.end_block();
            }
            let block = self.block.get_or_insert_with(|| Block {
                line: number,
                ..Block::default()
            });
            block.pairs.push((k.to_string(), v.to_string()));
            block.raw.extend_from_slice(text.as_bytes());
            block.raw.push(b'\n');
            return;
        }
        if let Some(block) = &mut self.block {
            if text.starts_with(char::is_whitespace) {
                if let Some((_, v)) = block.pairs.last_mut() {
                    if v.len() < MAX_VALUE_BYTES {
                        v.push(' ');
                        v.push_str(text.trim());
                    }
                    return;
                }
            }
        }
        self.end_block();
        if let Some(step) = step_text(text) {
            self.step = Some(step);
        }
        self.sink.directive();
    }

    /// A `RESULT: <word>` line closes the last `STEP`.
    fn result(&mut self, text: &str, word: &str, number: u64) {
        let id = self.step.take().unwrap_or_else(|| "RESULT".into());
        let detail = text.trim();
        let cmdlet = self
            .cmdlet
            .or_else(|| self.sink.vocabulary().result_cmdlet());
        self.sink.event(EventRecord {
            position: number,
            provider: cmdlet.map(|c| c.name.clone()).unwrap_or_default(),
            level: word.to_string(),
            message: format!("{id}: {detail}"),
            ..EventRecord::default()
        });
    }

    fn end_block(&mut self) {
        let Some(block) = self.block.take() else {
            return;
        };
        let get = |k: &str| {
            block
                .pairs
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
        };
        let vocabulary = self.sink.vocabulary();
        let id = get("Id");
        let level = vocabulary.first_value(|c| &c.level_key, get);
        let (Some(id), Some(level)) = (id, level) else {
            // A block that is not a step (the cmdlet's parameters, another object).
            return self.sink.directive();
        };
        let message = vocabulary
            .first_value(|c| &c.message_key, get)
            .unwrap_or_default();
        let cmdlet = self
            .cmdlet
            .or_else(|| vocabulary.cmdlet_by_keys(|k| get(k).is_some()));
        self.sink.event(EventRecord {
            position: block.line,
            provider: cmdlet.map(|c| c.name.clone()).unwrap_or_default(),
            level: level.to_string(),
            message: format!("{id}: {message}"),
            ..EventRecord::default()
        });
    }
}

/// `Key   : value` of PowerShell list output (the key starts the line, `:` has spaces around
/// or ends the line).
pub fn list_pair(line: &str) -> Option<(&str, &str)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    // `Key : value`, or `Key: value` where the key is one word (as people retype it).
    let (k, v) = line.split_once(" :").or_else(|| {
        let (k, v) = line.split_once(':')?;
        (!k.contains(' ') && !v.starts_with('\\') && !v.starts_with('/')).then_some((k, v))
    })?;
    let k = k.trim_end();
    let ok_key = !k.is_empty()
        && k.len() <= 40
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_');
    let v = v.strip_prefix(' ').or(v.is_empty().then_some(v))?;
    ok_key.then_some((k, v.trim()))
}

/// The columns of a table whose header is `header` and rule `rule` (`--  ----  -------`),
/// when it has `Id` and a cmdlet's level key (`Type`, `Status`): each name with its start.
fn table_columns(
    header: &str,
    rule: &str,
    vocabulary: &Vocabulary,
) -> Option<Vec<(String, usize)>> {
    if !rule.trim().starts_with('-') || !rule.chars().all(|c| c == '-' || c == ' ') {
        return None;
    }
    let mut cols = Vec::new();
    let mut start = None;
    for (i, c) in rule
        .char_indices()
        .chain(std::iter::once((rule.len(), ' ')))
    {
        match (c, start) {
            ('-', None) => start = Some(i),
            (' ', Some(s)) => {
                cols.push((header.get(s..i).unwrap_or_default().trim().to_string(), s));
                start = None;
            }
            _ => {}
        }
    }
    let has_id = cols.iter().any(|(c, _)| c.eq_ignore_ascii_case("Id"));
    let has_level = cols.iter().any(|(c, _)| vocabulary.is_level_key(c));
    (has_id && has_level).then_some(cols)
}

/// One table row as a step; the last column runs to the end of the line.
fn table_row(
    cols: &[(String, usize)],
    text: &str,
    number: u64,
    cmdlet: Option<&Cmdlet>,
    vocabulary: &Vocabulary,
) -> EventRecord {
    let cell = |name: &str| {
        let i = cols
            .iter()
            .position(|(c, _)| c.eq_ignore_ascii_case(name))?;
        let start = cols[i].1;
        let end = cols.get(i + 1).map_or(text.len(), |c| c.1);
        Some(
            text.get(start.min(text.len())..end.min(text.len()))
                .unwrap_or_default()
                .trim(),
        )
    };
    let id = cell("Id").unwrap_or_default();
    let level = vocabulary
        .first_value(|c| &c.level_key, cell)
        .unwrap_or_default();
    let message = vocabulary
        .first_value(|c| &c.message_key, cell)
        .unwrap_or_default();
    let cmdlet = cmdlet.or_else(|| vocabulary.cmdlet_by_keys(|k| cell(k).is_some()));
    EventRecord {
        position: number,
        provider: cmdlet.map(|c| c.name.clone()).unwrap_or_default(),
        level: level.to_string(),
        message: format!("{id}: {message}"),
        ..EventRecord::default()
    }
}

/// The word after `RESULT:`.
fn result_word(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let rest = t
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("RESULT:"))
        .map(|_| &t[7..])?;
    let word = rest.trim().split(|c: char| !c.is_alphanumeric()).next()?;
    (!word.is_empty()).then_some(word)
}

/// `STEP 3: Getting ...` → `Getting ...`.
fn step_text(line: &str) -> Option<String> {
    let t = line.trim_start();
    let head = t.get(..5)?;
    if !head.eq_ignore_ascii_case("STEP ") {
        return None;
    }
    let (_, rest) = t.split_once(':')?;
    Some(rest.trim().trim_end_matches('.').trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{opts, run};
    use super::super::EventFormat;

    #[test]
    fn reads_federation_trust_list_blocks() {
        let text = "[PS] C:\\>Test-FederationTrust -UserIdentity admin@contoso.com\r\n\r\n\
RunspaceId : 5c1a\r\n\
Id         : FederationTrustConfiguration\r\n\
Type       : Success\r\n\
Message    : FederationTrust object in ActiveDirectory is valid.\r\n\r\n\
RunspaceId : 5c1a\r\n\
Id         : TokenValidation\r\n\
Type       : Error\r\n\
Message    : Failed to validate delegation token. The error occurred when processing the\r\n             security tokens in the message.\r\n";
        let (evs, out) = run(EventFormat::Transcript, text.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(out.tally.directives, 1);
        assert_eq!(evs[0].level, "Success");
        let e = &evs[1];
        assert_eq!(e.provider, "Test-FederationTrust");
        assert_eq!(e.level, "Error");
        assert_eq!(e.position, 8);
        assert_eq!(e.event_id, None);
        assert_eq!(e.message, "TokenValidation: Failed to validate delegation token. The error occurred when processing the security tokens in the message.");
    }

    #[test]
    fn reads_organization_relationship_status_blocks_and_tables() {
        let text = "Identity    :\nId          : MismatchedFederation\nStatus      : Error\nDescription : The federation information differs.\n\n\
Id                     Status  Description\n\
--                     ------  -----------\n\
ApplicationUrisDiffer  Error   The application URIs differ.\n\
OrgRelOk               Success Fine.\n";
        let (evs, _) = run(EventFormat::Transcript, text.as_bytes(), &opts("UTC")).unwrap();
        let got: Vec<(String, String, String)> = evs
            .iter()
            .map(|e| (e.provider.clone(), e.level.clone(), e.message.clone()))
            .collect();
        assert_eq!(got[0].0, "Test-OrganizationRelationship");
        assert_eq!(
            got[0].2,
            "MismatchedFederation: The federation information differs."
        );
        assert_eq!(got[1].1, "Error");
        assert_eq!(
            got[1].2,
            "ApplicationUrisDiffer: The application URIs differ."
        );
        assert_eq!(got[2].1, "Success");
        assert_eq!(evs[1].position, 8);
    }

    #[test]
    fn reads_verbose_step_results() {
        let text = "Test-OrganizationRelationship -Identity Fabrikam -UserIdentity a@contoso.com -Verbose\n\
STEP 1: Getting the organization relationship for fabrikam.com...\nRESULT: Success.\n\
STEP 2: Getting a delegation token...\nRESULT: Error\n";
        let (evs, _) = run(EventFormat::Transcript, text.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].level, "Error");
        assert_eq!(evs[1].message, "Getting a delegation token: RESULT: Error");
        assert_eq!(evs[1].position, 5);
    }

    /// Web pages render PowerShell list output with a blank line between every pair.
    #[test]
    fn list_pairs_separated_by_blank_lines_are_one_step() {
        let text = "[PS] C:\\Test-FederationTrust\n\nRunspaceId : 7300\n\nId : FederationMetadata\n\nType : Error\n\nMessage : The federation trust doesn't contain the same certificates\n\nRunspaceId : 7301\nId: TokenValidation\nType: Error\nMessage : Failed to validate delegation token.\n";
        let (evs, _) = run(EventFormat::Transcript, text.as_bytes(), &opts("UTC")).unwrap();
        assert_eq!(evs.len(), 2, "{evs:?}");
        assert_eq!(
            evs[0].message,
            "FederationMetadata: The federation trust doesn't contain the same certificates"
        );
        assert_eq!(
            (evs[1].level.as_str(), evs[1].message.as_str()),
            (
                "Error",
                "TokenValidation: Failed to validate delegation token."
            )
        );
    }
}
