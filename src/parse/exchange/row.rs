//! One CSV row of an Exchange log split into cells on borrowed bytes (RFC 4180: a cell may be
//! quoted, with `""` for a quote inside and commas inside). Nothing is copied: a cell is a
//! byte range of the line, and only the few values that become a finding are unescaped.

use std::borrow::Cow;

/// Most cells a row may have. Exchange's widest logs (EWS) have about 100 columns; a line of
/// commas (garbage, an attack) stops here instead of growing the cell list with the line.
pub const MAX_CELLS: usize = 1024;

/// One cell: `line[start..end]`, without its quotes when `quoted`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub start: usize,
    pub end: usize,
    pub quoted: bool,
}

/// Why a row is not CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("unterminated quote in column {column}")]
    UnterminatedQuote { column: usize },
    #[error("text after the closing quote of column {column}")]
    TextAfterQuote { column: usize },
    #[error("more than {MAX_CELLS} columns")]
    TooManyCells,
}

/// Splits `line` (no line end) into `cells` (cleared first). An empty line is one empty cell.
pub fn split(line: &[u8], cells: &mut Vec<Cell>) -> Result<(), RowError> {
    cells.clear();
    let mut i = 0;
    loop {
        if cells.len() == MAX_CELLS {
            return Err(RowError::TooManyCells);
        }
        let column = cells.len() + 1;
        if line.get(i) == Some(&b'"') {
            let end = closing_quote(line, i + 1).ok_or(RowError::UnterminatedQuote { column })?;
            cells.push(Cell {
                start: i + 1,
                end,
                quoted: true,
            });
            i = end + 1;
            match line.get(i) {
                None => return Ok(()),
                Some(b',') => i += 1,
                Some(_) => return Err(RowError::TextAfterQuote { column }),
            }
        } else {
            match memchr::memchr(b',', &line[i..]) {
                Some(k) => {
                    cells.push(Cell {
                        start: i,
                        end: i + k,
                        quoted: false,
                    });
                    i += k + 1;
                }
                None => {
                    cells.push(Cell {
                        start: i,
                        end: line.len(),
                        quoted: false,
                    });
                    return Ok(());
                }
            }
        }
    }
}

/// The quote that closes a quoted cell whose text starts at `from` (a `""` pair is a quote
/// inside it).
fn closing_quote(line: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let q = from + memchr::memchr(b'"', line.get(from..)?)?;
        if line.get(q + 1) == Some(&b'"') {
            from = q + 2;
        } else {
            return Some(q);
        }
    }
}

/// A cell's raw bytes (a quoted cell's doubled quotes still doubled).
pub fn raw(line: &[u8], cell: Cell) -> &[u8] {
    line.get(cell.start..cell.end).unwrap_or_default()
}

/// A cell's text: quotes undoubled, invalid UTF-8 replaced.
pub fn text(line: &[u8], cell: Cell) -> Cow<'_, str> {
    let bytes = raw(line, cell);
    let s = String::from_utf8_lossy(bytes);
    if cell.quoted && s.contains("\"\"") {
        Cow::Owned(s.replace("\"\"", "\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(line: &[u8]) -> Result<Vec<String>, RowError> {
        let mut v = Vec::new();
        split(line, &mut v)?;
        Ok(v.iter().map(|c| text(line, *c).into_owned()).collect())
    }

    #[test]
    fn splits_plain_and_quoted_cells() {
        assert_eq!(cells(b"a,,b,").unwrap(), ["a", "", "b", ""]);
        assert_eq!(cells(b"").unwrap(), [""]);
        assert_eq!(
            cells(br#"x,"MDB:1, Mailbox:2",y"#).unwrap(),
            ["x", "MDB:1, Mailbox:2", "y"]
        );
        // The IMAP4 row of the corpus: doubled quotes inside a quoted cell.
        assert_eq!(
            cells(
                br#"authenticate,PLAIN,"R=OK;Msg=""Proxy:h:1993:SSL;ProxySuccess"";LiveIdAR=OK","#
            )
            .unwrap(),
            [
                "authenticate",
                "PLAIN",
                r#"R=OK;Msg="Proxy:h:1993:SSL;ProxySuccess";LiveIdAR=OK"#,
                ""
            ]
        );
        assert_eq!(cells(br#""""#).unwrap(), [""]);
    }

    #[test]
    fn rejects_broken_quoting_and_endless_rows() {
        assert_eq!(
            cells(br#"a,"open"#),
            Err(RowError::UnterminatedQuote { column: 2 })
        );
        assert_eq!(
            cells(br#""a"b,c"#),
            Err(RowError::TextAfterQuote { column: 1 })
        );
        let commas = vec![b','; MAX_CELLS + 5];
        assert_eq!(cells(&commas), Err(RowError::TooManyCells));
    }
}
