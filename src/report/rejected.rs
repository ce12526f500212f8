//! `rejected.txt`: the first rejected lines of each input with file:line and the reason.

use std::io::{self, Write};

use crate::pipeline::InputReport;
use crate::sanitize::file_text;

pub fn write_rejected<W: Write>(mut out: W, inputs: &[InputReport]) -> io::Result<W> {
    for r in inputs.iter().filter(|r| r.tally.rejected > 0) {
        let file = file_text(&r.display);
        let (total, shown) = (r.tally.rejected, r.rejections.len());
        writeln!(out, "# {file}: {total} rejected, first {shown} shown")?;
        for rej in &r.rejections {
            // escape_debug keeps one line per rejection and makes control bytes visible.
            let text = rej.text.escape_debug().to_string();
            writeln!(
                out,
                "{file}:{}: {}: {}",
                rej.position,
                rej.reason,
                file_text(&text)
            )?;
        }
    }
    Ok(out)
}
