//! Neutralizes attacker-controlled log text before it reaches a spreadsheet, a browser or a
//! terminal.
//!
//! User agents, URIs, user names and event messages are written by whoever sends the request,
//! so every writer passes text through here: CSV cells lose their formula trigger
//! (OWASP "CSV injection"), HTML is escaped, and terminal output loses control characters and
//! ANSI escape sequences.

use std::borrow::Cow;

/// Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell: [`file_text`], then a `'` before a cell that a spreadsheet would evaluate.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let text = file_text(text);
    match text.chars().next() {
        Some(c) if FORMULA_TRIGGERS.contains(&c) => Cow::Owned(format!("'{text}")),
        _ => text,
    }
}

/// Is `c` a character that must not reach a reader as it is: a control character (C0, DEL,
/// C1), or a bidirectional override or isolate that reorders what is displayed around it
/// (the "Trojan Source" trick, CVE-2021-42574: a user name that reads as another).
fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Log text as written into any report file (CSV, JSON, text): control characters other
/// than tab and line breaks, and bidirectional overrides, become visible `\u{..}` escapes (so no escape sequence reaches a
/// terminal that `cat`s the file); everything else is kept as the log wrote it. Markup is
/// not touched here: a CSV, JSON or text file is not HTML, and `report.html` escapes every
/// `<`, `>`, `&` and quote itself ([`html`]); a list of dangerous tags would only ever be
/// incomplete (`<audio onerror>` passed the one that was here).
pub fn file_text(text: &str) -> Cow<'_, str> {
    // Printable ASCII, most log text, holds no hazard; checking bytes is what lets this
    // vectorize (a char at a time it was 9% of an all-failure run's rendering).
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return Cow::Borrowed(text);
    }
    let has_control = text
        .chars()
        .any(|c| is_hazard(c) && !matches!(c, '\t' | '\n' | '\r'));
    if !has_control {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if is_hazard(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes the five HTML-significant characters.
pub fn html(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '>', '&', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Removes control characters (C0, DEL, C1) so that log text cannot move the cursor, recolour
/// or retitle the terminal, and bidirectional overrides so it cannot reorder the line. An ESC sequence's parameters stay as harmless printable text
/// without their ESC; newlines and tabs become spaces so one value stays on one line.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' | '\t' | '\r' => Some(' '),
                c if is_hazard(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// [`terminal`] for multi-line text (an error and its causes): each line cleaned, the line
/// breaks kept.
pub fn terminal_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| terminal(line.strip_suffix('\r').unwrap_or(line)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file or archive member name in a line-oriented report (`rejected.txt`): [`file_text`],
/// and line breaks and tabs shown as `\n`, `\r`, `\t`, so a name cannot end the line it is
/// printed on and forge the lines after it (a newline is a legal character in Unix names and
/// zip member names).
pub fn name_text(name: &str) -> Cow<'_, str> {
    if !name.contains(['\n', '\r', '\t']) {
        return file_text(name);
    }
    let mut escaped = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c => escaped.push(c),
        }
    }
    Cow::Owned(file_text(&escaped).into_owned())
}

/// Lossy UTF-8 for display: invalid bytes become U+FFFD.
///
/// Valid text is checked by `str::from_utf8` first: it validates a word at a time, while
/// `String::from_utf8_lossy` walks `Utf8Chunks` byte by byte, which was 5% of the samples of
/// an all-failure run (every field of every finding passes here).
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidirectional_overrides_are_made_visible_in_files_and_dropped_on_screen() {
        let spoof = "admin\u{202E}gnp.exe\u{2066}x\u{2069}";
        assert_eq!(file_text(spoof), "admin\\u{202e}gnp.exe\\u{2066}x\\u{2069}");
        assert_eq!(terminal(spoof), "admingnp.exex");
        assert_eq!(csv_cell("\u{200F}=1"), "\\u{200f}=1");
    }

    #[test]
    fn multi_line_messages_keep_their_lines_and_lose_escapes() {
        assert_eq!(
            terminal_lines("error in a\x1b]0;x\x07.zip\r\n  caused by: \u{202E}b"),
            "error in a]0;x.zip\n  caused by: b"
        );
    }

    #[test]
    fn neutralizes_every_formula_trigger() {
        for hostile in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tcmd",
            "\rcmd",
        ] {
            assert!(csv_cell(hostile).starts_with('\''), "{hostile:?}");
        }
        assert_eq!(csv_cell("ASProxy/CrossForest"), "ASProxy/CrossForest");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn report_files_keep_markup_verbatim_and_make_control_characters_visible() {
        assert_eq!(
            file_text("<script>alert(1)</script>"),
            "<script>alert(1)</script>"
        );
        assert_eq!(
            file_text("<audio src=x onerror=y>"),
            "<audio src=x onerror=y>"
        );
        assert_eq!(
            file_text("&CorrelationID=<empty>;"),
            "&CorrelationID=<empty>;"
        );
        assert_eq!(file_text("<scripts>"), "<scripts>");
        assert_eq!(file_text("EVIL\x1b[2J"), "EVIL\\u{1b}[2J");
        assert_eq!(file_text("line1\r\nline2\tx"), "line1\r\nline2\tx");
        assert_eq!(csv_cell("=\x07"), "'=\\u{7}");
    }

    #[test]
    fn names_stay_on_one_line() {
        assert_eq!(name_text("a\nb:1: forged\r\tx"), "a\\nb:1: forged\\r\\tx");
        assert_eq!(name_text("EXCH01/W3SVC1/u.log"), "EXCH01/W3SVC1/u.log");
        assert_eq!(name_text("e\x1b[2J\n"), "e\\u{1b}[2J\\n");
    }

    #[test]
    fn escapes_script_tags() {
        assert_eq!(
            html("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }

    #[test]
    fn strips_ansi_and_control_characters() {
        let hostile = "ok\x1b[2J\x1b]0;pwned\x07\u{9b}31m\nnext";
        let clean = terminal(hostile);
        assert!(!clean.chars().any(char::is_control), "{clean:?}");
        assert_eq!(clean, "ok[2J]0;pwned31m next");
    }
}
