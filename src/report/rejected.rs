//! `rejected.txt`: the first rejected lines of each input with file:line and the reason.

use std::io::{self, Write};

use crate::pipeline::InputReport;

pub fn write_rejected<W: Write>(mut out: W, inputs: &[InputReport]) -> io::Result<W> {
    for r in inputs.iter().filter(|r| r.tally.rejected > 0) {
        writeln!(
            out,
            "# {}: {} rejected, first {} shown",
            r.display,
            r.tally.rejected,
            r.rejections.len()
        )?;
        for rej in &r.rejections {
            // Escape control characters so the file shows exactly one line per rejection.
            writeln!(
                out,
                "{}:{}: {}: {}",
                r.display,
                rej.position,
                rej.reason,
                rej.text.escape_debug()
            )?;
        }
    }
    Ok(out)
}
