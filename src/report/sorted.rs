//! Findings in timeline order: rows come in file order (and an Event Viewer CSV is
//! newest-first), `findings.csv` and `findings.jsonl` go out ordered by
//! (time, server, source, file, position). Rows are kept formatted, sorted in memory up to
//! [`RUN_BYTES`], and spilled as sorted runs to anonymous temporary files that are merged at
//! the end, so memory stays bounded however many findings a day of outage holds.
//!
//! Each row is stored without its last cell (the incident, known only once every finding has
//! been seen): [`Row::csv`] lacks the closing `,"<incident>"\n`, [`Row::json`] the closing
//! `,"incident":N}\n`. The writer appends them.

use crate::finding::Finding;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes of formatted rows held in memory before a sorted run is spilled: 16 MiB, because on
/// an all-failure log the window's findings and their rows (rendered on the workers) are
/// most of the peak; a 27 GB all-failure output is then about 1,700 runs in the merge.
pub const RUN_BYTES: usize = 16 << 20;

/// The order of the timeline: total (position is unique within an input) and stable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    /// Seconds since the epoch; undated findings (`i64::MAX`) come last.
    pub time: i64,
    /// The fraction of the second, in nanoseconds (0 for sources that log whole seconds).
    pub nanos: u32,
    /// Shared with the finding (no allocation per row).
    pub server: crate::host::HostId,
    pub source: u8,
    pub input: u32,
    pub position: u64,
}

/// What the incident lookup needs besides the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowFacts {
    pub category: u16,
    pub side: u8,
}

/// A finding's `findings.csv` and `findings.jsonl` rows as formatted, each without its
/// position (spliced in at `*_split` when written: rows are formatted on the workers, before
/// the lines of the chunks ahead of theirs are counted) and without the cells known only
/// at the end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub csv: Box<[u8]>,
    pub csv_split: u32,
    /// Empty when no `findings.jsonl` is written.
    pub json: Box<[u8]>,
    pub json_split: u32,
}

/// One formatted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: SortKey,
    pub facts: RowFacts,
    pub rendered: Rendered,
    /// The finding's front-end request id: the cell after the incident (`cafe_req_id`).
    pub request_id: Option<u128>,
    /// The event's record number (`record_id`).
    pub record_id: Option<u64>,
    /// The fraction of the second as the source wrote it, for `time_utc_precise`.
    pub subsec: Option<crate::time::SubSecond>,
}

impl Row {
    /// The row of a finding, with the cells a worker rendered for it.
    pub fn of(f: &Finding, rendered: Rendered) -> Row {
        Row {
            key: SortKey {
                time: f.time.unwrap_or(i64::MAX),
                nanos: f.subsec.map_or(0, |s| s.nanos),
                server: f.server.clone(),
                source: f.source as u8,
                input: f.input.min(u32::MAX as usize) as u32,
                position: f.position,
            },
            facts: RowFacts {
                category: f.category.0,
                side: f.side as u8,
            },
            rendered,
            request_id: f.cafe_req_id,
            record_id: f.record_id,
            subsec: f.subsec,
        }
    }

    fn bytes(&self) -> usize {
        self.rendered.csv.len() + self.rendered.json.len() + self.key.server.len() + 88
    }
}

/// Collects rows; [`SortedRows::finish`] yields them in order.
pub struct SortedRows {
    dir: Option<PathBuf>,
    rows: Vec<Row>,
    held: usize,
    runs: Vec<File>,
    run_bytes: usize,
    count: u64,
}

impl SortedRows {
    /// Runs spill into anonymous files in `dir` (the `--out` folder; the system's temporary
    /// folder without one): created exclusively, never through a planted link, and gone
    /// when closed, also after a crash.
    pub fn new(dir: Option<&Path>) -> Self {
        Self::with_run_bytes(dir, RUN_BYTES)
    }

    pub fn with_run_bytes(dir: Option<&Path>, run_bytes: usize) -> Self {
        SortedRows {
            dir: dir.map(Path::to_owned),
            rows: Vec::new(),
            held: 0,
            runs: Vec::new(),
            run_bytes: run_bytes.max(1),
            count: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn push(&mut self, row: Row) -> io::Result<()> {
        self.held += row.bytes();
        self.count += 1;
        self.rows.push(row);
        if self.held >= self.run_bytes {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        sort(&mut self.rows);
        let file = match &self.dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        let mut w = BufWriter::with_capacity(1 << 16, file);
        for row in self.rows.drain(..) {
            write_row(&mut w, &row)?;
        }
        let mut file = w.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.held = 0;
        Ok(())
    }

    /// Every row, in key order.
    pub fn finish(mut self) -> io::Result<Merged> {
        sort(&mut self.rows);
        let mut heads = BinaryHeap::new();
        let mut readers = Vec::with_capacity(self.runs.len());
        // Read buffers shrink with the number of runs: their sum stays near 8 MiB.
        let buffer = ((8 << 20) / self.runs.len().max(1)).clamp(4 << 10, 1 << 16);
        for (i, file) in self.runs.into_iter().enumerate() {
            let mut r = BufReader::with_capacity(buffer, file);
            if let Some(row) = read_row(&mut r)? {
                heads.push(Head(row, i));
            }
            readers.push(r);
        }
        let memory = std::mem::take(&mut self.rows).into_iter();
        Ok(Merged {
            memory: memory.peekable(),
            readers,
            heads,
        })
    }
}

fn sort(rows: &mut [Row]) {
    rows.sort_unstable_by(|a, b| a.key.cmp(&b.key));
}

/// The smallest head first (`BinaryHeap` is a max-heap); ties by run for determinism.
struct Head(Row, usize);

impl PartialEq for Head {
    fn eq(&self, o: &Self) -> bool {
        self.0.key == o.0.key && self.1 == o.1
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Head {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (&o.0.key, o.1).cmp(&(&self.0.key, self.1))
    }
}

/// The merge of the in-memory rows and the spilled runs.
pub struct Merged {
    memory: std::iter::Peekable<std::vec::IntoIter<Row>>,
    readers: Vec<BufReader<File>>,
    heads: BinaryHeap<Head>,
}

impl Iterator for Merged {
    type Item = io::Result<Row>;

    fn next(&mut self) -> Option<io::Result<Row>> {
        let take_memory = match (self.memory.peek(), self.heads.peek()) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            // Memory rows were pushed last: on equal keys the runs' rows go first.
            (Some(m), Some(h)) => m.key < h.0.key,
        };
        if take_memory {
            return self.memory.next().map(Ok);
        }
        let Head(row, run) = self.heads.pop()?;
        match read_row(&mut self.readers[run]) {
            Ok(Some(next)) => self.heads.push(Head(next, run)),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(row))
    }
}

fn write_bytes(w: &mut impl Write, b: &[u8]) -> io::Result<()> {
    w.write_all(&(b.len() as u64).to_le_bytes())?;
    w.write_all(b)
}

fn write_row(w: &mut impl Write, row: &Row) -> io::Result<()> {
    let k = &row.key;
    w.write_all(&k.time.to_le_bytes())?;
    w.write_all(&k.nanos.to_le_bytes())?;
    w.write_all(&[row.subsec.map_or(0, |f| f.digits)])?;
    w.write_all(&[k.source, row.facts.side])?;
    w.write_all(&k.input.to_le_bytes())?;
    w.write_all(&k.position.to_le_bytes())?;
    w.write_all(&row.facts.category.to_le_bytes())?;
    write_bytes(w, k.server.as_bytes())?;
    write_bytes(w, &row.rendered.csv)?;
    w.write_all(&row.rendered.csv_split.to_le_bytes())?;
    write_bytes(w, &row.rendered.json)?;
    w.write_all(&row.rendered.json_split.to_le_bytes())?;
    match row.request_id {
        Some(id) => {
            w.write_all(&[1])?;
            w.write_all(&id.to_le_bytes())?;
        }
        None => w.write_all(&[0])?,
    }
    match row.record_id {
        Some(id) => {
            w.write_all(&[1])?;
            w.write_all(&id.to_le_bytes())
        }
        None => w.write_all(&[0]),
    }
}

fn read_array<const N: usize>(r: &mut impl Read) -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    r.read_exact(&mut b)?;
    Ok(b)
}

fn read_bytes(r: &mut impl Read) -> io::Result<Box<[u8]>> {
    let n = u64::from_le_bytes(read_array(r)?) as usize;
    let mut b = vec![0u8; n];
    r.read_exact(&mut b)?;
    Ok(b.into_boxed_slice())
}

/// The next row of a run; `None` at its end.
fn read_row(r: &mut BufReader<File>) -> io::Result<Option<Row>> {
    let mut time = [0u8; 8];
    match r.read_exact(&mut time) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let nanos = u32::from_le_bytes(read_array(r)?);
    let [digits] = read_array(r)?;
    let subsec = (digits > 0).then_some(crate::time::SubSecond { nanos, digits });
    let [source, side] = read_array(r)?;
    let input = u32::from_le_bytes(read_array(r)?);
    let position = u64::from_le_bytes(read_array(r)?);
    let category = u16::from_le_bytes(read_array(r)?);
    let server = String::from_utf8(read_bytes(r)?.into_vec())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let csv = read_bytes(r)?;
    let csv_split = u32::from_le_bytes(read_array(r)?);
    let json = read_bytes(r)?;
    let json_split = u32::from_le_bytes(read_array(r)?);
    let [has_id] = read_array(r)?;
    let request_id = match has_id {
        0 => None,
        _ => Some(u128::from_le_bytes(read_array(r)?)),
    };
    let [has_record] = read_array(r)?;
    let record_id = match has_record {
        0 => None,
        _ => Some(u64::from_le_bytes(read_array(r)?)),
    };
    Ok(Some(Row {
        key: SortKey {
            time: i64::from_le_bytes(time),
            nanos,
            // Written as resolved: reading it back is the identity.
            server: crate::host::HostId::resolve(&server),
            source,
            input,
            position,
        },
        facts: RowFacts { category, side },
        rendered: Rendered {
            csv,
            csv_split,
            json,
            json_split,
        },
        request_id,
        record_id,
        subsec,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(time: i64, server: &str, position: u64) -> Row {
        Row {
            key: SortKey {
                time,
                nanos: (position % 5) as u32 * 1_000_000,
                server: server.into(),
                source: 0,
                input: 0,
                position,
            },
            facts: RowFacts {
                category: 1,
                side: 0,
            },
            rendered: Rendered {
                csv: format!("{time},{server},").into_bytes().into(),
                csv_split: 0,
                json: b"{}".to_vec().into(),
                json_split: 1,
            },
            request_id: position
                .is_multiple_of(2)
                .then_some(u128::from(position) << 64 | 7),
            record_id: position.is_multiple_of(3).then_some(position * 10),
            subsec: (!position.is_multiple_of(5)).then_some(crate::time::SubSecond {
                nanos: (position % 5) as u32 * 1_000_000,
                digits: 3,
            }),
        }
    }

    fn merged(rows: Vec<Row>, run_bytes: usize) -> Vec<Row> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SortedRows::with_run_bytes(Some(dir.path()), run_bytes);
        for r in rows {
            s.push(r).unwrap();
        }
        let out = s.finish().unwrap().map(Result::unwrap).collect();
        // Spilled runs are anonymous: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        out
    }

    #[test]
    fn spilled_runs_merge_to_the_same_order_as_one_sort() {
        let rows: Vec<Row> = (0..500u64)
            .map(|i| row(((i * 7919) % 97) as i64, ["B", "A"][i as usize % 2], i))
            .collect();
        let mut expected = rows.clone();
        expected.sort_by(|a, b| a.key.cmp(&b.key));
        assert_eq!(merged(rows.clone(), usize::MAX), expected);
        assert_eq!(merged(rows.clone(), 1), expected);
        assert_eq!(merged(rows, 3000), expected);
    }

    proptest::proptest! {
        #[test]
        fn any_run_size_gives_the_sorted_sequence(
            keys in proptest::collection::vec((0i64..50, 0u8..3), 0..200),
            run in 1usize..5000,
        ) {
            let rows: Vec<Row> = keys
                .iter()
                .enumerate()
                .map(|(i, (t, s))| row(*t, ["x", "y", "z"][*s as usize], i as u64))
                .collect();
            let mut expected = rows.clone();
            expected.sort_by(|a, b| a.key.cmp(&b.key));
            proptest::prop_assert_eq!(merged(rows, run), expected);
        }
    }
}
