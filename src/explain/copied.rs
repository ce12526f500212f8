//! Undoing what copying does to a pasted message: web pages and mail turn quotes into
//! typographic ones, spaces into no-break spaces and markup characters into entities, and
//! forums double spaces. `explain` reads the text as the log wrote it again before matching;
//! line breaks stay (they mark event fields and transcript lines). Only pasted text is
//! tidied: `analyze` reads logs as written.

use std::borrow::Cow;

/// HTML character references a copy from a web page or a mail leaves, and what they stand for.
const ENTITIES: [(&str, char); 14] = [
    ("&quot;", '"'),
    ("&#34;", '"'),
    ("&apos;", '\''),
    ("&#39;", '\''),
    ("&#x27;", '\''),
    ("&lt;", '<'),
    ("&#60;", '<'),
    ("&gt;", '>'),
    ("&#62;", '>'),
    ("&nbsp;", ' '),
    ("&#160;", ' '),
    ("&#xa0;", ' '),
    ("&amp;", '&'),
    ("&#38;", '&'),
];

/// The text as the log wrote it: entities decoded, typographic quotes and Unicode spaces made
/// ASCII, zero-width characters dropped, runs of spaces and tabs one space, CRLF one LF.
/// Borrowed when there is nothing to undo.
pub fn as_logged(text: &str) -> Cow<'_, str> {
    if !needs_tidying(text) {
        return Cow::Borrowed(text);
    }
    let decoded = decode_entities(text);
    let mut out = String::with_capacity(decoded.len());
    let mut last_space = false;
    for c in decoded.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\r' => continue,
            '\t' => ' ',
            c if c != '\n' && c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        out.push(c);
    }
    Cow::Owned(out)
}

fn needs_tidying(text: &str) -> bool {
    text.contains("  ")
        || text.contains('&')
        || text.contains('\t')
        || text.contains('\r')
        || !text.is_ascii()
}

/// Decodes [`ENTITIES`] in one pass (`&amp;lt;` is `&lt;`, not `<`).
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let known = ENTITIES.iter().find(|(name, _)| {
            tail.len() >= name.len() && tail[..name.len()].eq_ignore_ascii_case(name)
        });
        match known {
            Some((name, c)) => {
                out.push(*c);
                rest = &tail[name.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_from_a_web_page_reads_as_logged() {
        let copied = "The remote server returned an error: (401)\u{a0}Unauthorized. \
                      \u{201C}Could not establish trust relationship\u{201D} &lt;IP Address&gt; \
                      cafe&amp;x  a\t\tb\r\nnext  line";
        assert_eq!(
            as_logged(copied),
            "The remote server returned an error: (401) Unauthorized. \"Could not establish \
             trust relationship\" <IP Address> cafe&x a b\nnext line"
        );
    }

    #[test]
    fn what_needs_nothing_is_borrowed_and_entities_decode_once() {
        assert!(matches!(as_logged("plain text\nline"), Cow::Borrowed(_)));
        assert_eq!(as_logged("&amp;lt; &AMP; & x &#x27;s"), "&lt; & & x 's");
        assert_eq!(as_logged("don\u{2019}t"), "don't");
    }
}
