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

/// Prefixes a `'` to a cell that a spreadsheet would evaluate.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some(c) if FORMULA_TRIGGERS.contains(&c) => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
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
/// or retitle the terminal. An ESC sequence's parameters stay as harmless printable text
/// without their ESC; newlines and tabs become spaces so one value stays on one line.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' | '\t' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Lossy UTF-8 for display: invalid bytes become U+FFFD.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

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
