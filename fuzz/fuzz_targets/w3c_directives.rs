//! Arbitrary bytes as a directive line, then a data line under it.
//!
//! Input: the first line is the directive (a `#` is put in front when it lacks one), the rest
//! is one data line. The directive goes through all three readers the pipeline uses —
//! `HeaderState::apply_line` (the scanner), `HeaderDelta::scan` (the pre-pass that folds
//! directives across chunks) and `FieldLayout::parse` — which must agree; then the data line
//! is scanned under the resulting header, alone and after the directive, with equal results.

#![no_main]

use fbscope::parse::w3c::header::{trim_cr, HeaderDelta};
use fbscope::parse::w3c::layout::{Field, FieldLayout};
use libfuzzer_sys::fuzz_target;

/// Every field the layout resolves to an index.
const FIELDS: [Field; 21] = [
    Field::Date,
    Field::Time,
    Field::DateLocal,
    Field::TimeLocal,
    Field::ServerIp,
    Field::Method,
    Field::UriStem,
    Field::UriQuery,
    Field::Uri,
    Field::ServerPort,
    Field::UserName,
    Field::ClientIp,
    Field::UserAgent,
    Field::Status,
    Field::SubStatus,
    Field::Win32Status,
    Field::Host,
    Field::ComputerName,
    Field::SiteName,
    Field::Reason,
    Field::QueueName,
];

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let mut directive = Vec::with_capacity(split + 1);
    if data.first() != Some(&b'#') {
        directive.push(b'#');
    }
    directive.extend_from_slice(&data[..split]);
    let directive = trim_cr(&directive);
    let data_line = data.get(split + 1..).unwrap_or_default();
    let data_line = &data_line[..data_line
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(data_line.len())];

    let mut by_line = fbscope_fuzz::initial_iis();
    by_line.apply_line(directive);
    let mut by_delta = fbscope_fuzz::initial_iis();
    by_delta.apply_delta(&HeaderDelta::scan(directive));
    assert_eq!(*by_line.layout, *by_delta.layout);
    assert_eq!(by_line.date, by_delta.date);
    assert_eq!(by_line.assumed, by_delta.assumed);
    if let Some(spec) = fields_spec(directive) {
        let layout = FieldLayout::parse(&String::from_utf8_lossy(spec));
        assert_eq!(layout, *by_line.layout);
        check_layout(&layout);
    }

    // The data line alone under the header, and after the directive from the initial state.
    let (alone, alone_findings) = fbscope_fuzz::scan(data_line, by_line, false);
    let mut both = directive.to_vec();
    both.push(b'\n');
    both.extend_from_slice(data_line);
    let (after, after_findings) = fbscope_fuzz::scan(&both, fbscope_fuzz::initial_iis(), false);
    let mut expected = alone.tally.clone();
    expected.lines += 1;
    expected.directives += 1;
    expected.bytes += directive.len() as u64 + 1;
    assert_eq!(after.tally, expected);
    assert_eq!(after_findings.len(), alone_findings.len());
});

/// The text after `#Fields:` (any case), as `Directive::parse` reads it.
fn fields_spec(line: &[u8]) -> Option<&[u8]> {
    const NAME: &[u8] = b"#fields:";
    (line.len() >= NAME.len() && line[..NAME.len()].eq_ignore_ascii_case(NAME))
        .then(|| &line[NAME.len()..])
}

/// Names are the blank-separated words; every resolved index points at one of them.
fn check_layout(layout: &FieldLayout) {
    assert_eq!(layout.len(), layout.names().len());
    assert_eq!(layout.is_empty(), layout.names().is_empty());
    for f in FIELDS {
        if let Some(i) = layout.index(f) {
            assert!(i < layout.len(), "{f:?} at {i} of {}", layout.len());
            assert!(layout.has(f));
        }
    }
    let leading = layout.index(Field::Date) == Some(0) && layout.index(Field::Time) == Some(1);
    assert_eq!(layout.date_time_leading(), leading);
}
