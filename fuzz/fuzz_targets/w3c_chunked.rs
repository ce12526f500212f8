//! Arbitrary bytes cut in two at a line start: scanning the parts (the second with the
//! directives of the first folded in, as the pipeline does) must equal scanning the whole.
//!
//! Input: two bytes (little-endian) pick the cut, modulo the length; the rest is the log.
//! The cut moves forward to the next line start, as `input::chunk` aligns chunks.

#![no_main]

use fbscope::parse::w3c::header::HeaderDelta;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((cut, buf)) = data.split_first_chunk::<2>() else {
        return;
    };
    let cut = usize::from(u16::from_le_bytes(*cut)) % (buf.len() + 1);
    let start = line_start_at_or_after(buf, cut);
    let (head, tail) = buf.split_at(start);

    let (whole, whole_findings) = fbscope_fuzz::scan(buf, fbscope_fuzz::initial_iis(), false);

    let mut state = fbscope_fuzz::initial_iis();
    let (first, mut findings) = fbscope_fuzz::scan(head, state.clone(), false);
    state.apply_delta(&HeaderDelta::scan(head));
    let (second, second_findings) = fbscope_fuzz::scan(tail, state, false);

    let mut tally = first.tally.clone();
    tally.merge(&second.tally);
    assert_eq!(tally, whole.tally, "cut at byte {start}");

    // Positions are per chunk; the pipeline renumbers them by the lines before the chunk.
    findings.extend(second_findings.into_iter().map(|mut f| {
        f.position += first.tally.lines;
        f
    }));
    assert_eq!(findings, whole_findings, "cut at byte {start}");

    let mut rejections = first.rejections;
    rejections.extend(second.rejections.into_iter().map(|mut r| {
        r.position += first.tally.lines;
        r
    }));
    rejections.truncate(whole.rejections.len());
    assert_eq!(rejections, whole.rejections, "cut at byte {start}");
    assert_eq!(
        first
            .first_assumed_line
            .or(second.first_assumed_line.map(|l| l + first.tally.lines)),
        whole.first_assumed_line
    );
});

/// The start of the line that holds byte `cut - 1`'s successor: `cut` itself when a line
/// starts there, else the byte after the next `\n` (or the end).
fn line_start_at_or_after(buf: &[u8], cut: usize) -> usize {
    if cut == 0 {
        return 0;
    }
    buf[cut - 1..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |i| cut + i)
}
