//! Splitting a W3C data line into its values.
//!
//! IIS writes exactly one space between values and `+` for spaces inside them, so the fast
//! check is a count of spaces. Other W3C writers (and hand-edited fixtures) pad with runs of
//! blanks or double-quote values that contain spaces; those lines are accepted when the
//! tolerant split yields exactly the declared number of values, and rejected otherwise.

/// A value's byte range inside its line.
pub type Span = (u32, u32);

/// How a line matched its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitKind {
    /// One space between values (IIS).
    Exact,
    /// Runs of blanks between values.
    Blanks,
    /// Double-quoted values containing blanks.
    Quoted,
}

/// The cheap check of the hot path: does the line have `expected` single-space separated values?
#[inline]
pub fn has_exact_count(line: &[u8], expected: usize) -> bool {
    bytecount::count(line, b' ') + 1 == expected
}

/// Splits `line` into `expected` values, trying the exact form first and then the tolerant
/// ones. On failure returns the number of values the exact split found.
pub fn split(line: &[u8], expected: usize, out: &mut Vec<Span>) -> Result<SplitKind, usize> {
    split_exact(line, out);
    if out.len() == expected {
        return Ok(SplitKind::Exact);
    }
    let found = out.len();
    if line.contains(&b'"') {
        split_quoted(line, out);
        if out.len() == expected {
            return Ok(SplitKind::Quoted);
        }
    }
    split_blank_runs(line, out);
    if out.len() == expected {
        return Ok(SplitKind::Blanks);
    }
    Err(found)
}

fn span(start: usize, end: usize) -> Span {
    // Lines are capped far below 4 GiB by the reader (see input::limits).
    (start as u32, end as u32)
}

fn split_exact(line: &[u8], out: &mut Vec<Span>) {
    out.clear();
    let mut start = 0;
    for sep in memchr::memchr_iter(b' ', line) {
        out.push(span(start, sep));
        start = sep + 1;
    }
    out.push(span(start, line.len()));
}

fn split_blank_runs(line: &[u8], out: &mut Vec<Span>) {
    out.clear();
    let mut start = None;
    for (i, &c) in line.iter().enumerate() {
        match (c == b' ' || c == b'\t', start) {
            (true, Some(s)) => {
                out.push(span(s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(span(s, line.len()));
    }
}

/// Values separated by blanks, where a value starting with `"` runs to the closing quote
/// (`""` inside is an escaped quote).
fn split_quoted(line: &[u8], out: &mut Vec<Span>) {
    out.clear();
    let mut i = 0;
    while i < line.len() {
        if line[i] == b' ' || line[i] == b'\t' {
            i += 1;
            continue;
        }
        let start = i;
        if line[i] == b'"' {
            i += 1;
            while i < line.len() {
                if line[i] == b'"' {
                    if line.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        }
        while i < line.len() && line[i] != b' ' && line[i] != b'\t' {
            i += 1;
        }
        out.push(span(start, i));
    }
}

/// The value of a span: `-` (and empty) mean "no value"; surrounding quotes are removed.
#[inline]
pub fn value(line: &[u8], (s, e): Span) -> Option<&[u8]> {
    let v = &line[s as usize..e as usize];
    let v = match v {
        [b'"', inner @ .., b'"'] => inner,
        v => v,
    };
    (!v.is_empty() && v != b"-").then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &[u8], n: usize) -> Result<(SplitKind, Vec<String>), usize> {
        let mut out = Vec::new();
        let kind = split(line, n, &mut out)?;
        let v = out
            .iter()
            .map(|&s| String::from_utf8_lossy(value(line, s).unwrap_or(b"")).into_owned())
            .collect();
        Ok((kind, v))
    }

    #[test]
    fn exact_split_keeps_dash_as_empty() {
        let (kind, v) = values(b"a - c", 3).unwrap();
        assert_eq!(kind, SplitKind::Exact);
        assert_eq!(v, ["a", "", "c"]);
        assert!(has_exact_count(b"a - c", 3));
    }

    #[test]
    fn tolerates_blank_runs() {
        let (kind, v) = values(b"a  b   c", 3).unwrap();
        assert_eq!(kind, SplitKind::Blanks);
        assert_eq!(v, ["a", "b", "c"]);
    }

    #[test]
    fn tolerates_quoted_values_with_spaces() {
        let (kind, v) = values(br#"a "Mozilla/4.5 [en] (WinNT; I)" "x ""y"" z" d"#, 4).unwrap();
        assert_eq!(kind, SplitKind::Quoted);
        assert_eq!(v[1], "Mozilla/4.5 [en] (WinNT; I)");
        assert_eq!(v[3], "d");
    }

    #[test]
    fn reports_the_exact_count_on_mismatch() {
        assert_eq!(values(b"a b c d", 3), Err(4));
        assert_eq!(values(b"", 3), Err(1));
    }
}
