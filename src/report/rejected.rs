//! `rejected.txt`: the first rejected lines of each input with file:line and the reason.

use std::io::{self, Write};

use crate::analysis::InputReport;
use crate::sanitize::{file_text, name_text};

pub fn write_rejected<W: Write>(mut out: W, inputs: &[InputReport]) -> io::Result<W> {
    for r in inputs.iter().filter(|r| r.tally.rejected > 0) {
        // A name may hold a newline: escaped so it cannot forge lines of this file.
        let file = name_text(&r.display);
        let (total, shown) = (r.tally.rejected, r.rejections.len());
        writeln!(out, "# {file}: {total} rejected, first {shown} shown")?;
        for rej in &r.rejections {
            // escape_debug keeps one line per rejection and makes control bytes visible; a
            // reason may quote the input (a bad value, an element name), so it is escaped too.
            let text = rej.text.escape_debug().to_string();
            let reason = rej.reason.replace(['\n', '\r', '\t'], " ");
            writeln!(
                out,
                "{file}:{}: {}: {}",
                rej.position,
                file_text(&reason),
                file_text(&text)
            )?;
        }
    }
    Ok(out)
}
