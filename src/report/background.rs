//! A report file written and hashed on a thread of its own.
//!
//! `findings.csv` and `findings.jsonl` are most of what a failure-heavy run writes (1.6 GB
//! for a 315 MB all-failure log). The merge that orders their rows runs on one thread; while
//! it also hashed each byte for `run.json` and copied it into the kernel, a fifth of its
//! samples were SHA-256 and the other core idled (`perf record` of that phase). Here the
//! merge fills blocks and hands them to the file's own thread, which writes and hashes them
//! in order: the bytes and their digest are the same, only the work moves.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use super::atomic::AtomicFile;

/// Bytes handed over at a time: large enough that a block costs one channel send and one
/// write call, small enough that [`IN_FLIGHT`] of them are a few MiB.
const BLOCK: usize = 1 << 20;
/// Blocks queued for the writer before the merge waits for it (memory stays bounded when
/// the disk is slower than the merge).
const IN_FLIGHT: usize = 4;

/// An [`AtomicFile`] whose writes happen on its own thread; [`BackgroundFile::finish`] gives
/// it back, every byte written and hashed, for the commit.
pub struct BackgroundFile {
    path: PathBuf,
    block: Vec<u8>,
    full: Option<SyncSender<Vec<u8>>>,
    /// Written blocks coming back, so the merge reuses their memory.
    empty: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<AtomicFile>>>,
}

impl BackgroundFile {
    pub fn spawn(file: AtomicFile) -> io::Result<Self> {
        let path = file.path().to_owned();
        let (full, blocks) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (give_back, empty) = sync_channel::<Vec<u8>>(IN_FLIGHT + 1);
        let thread = std::thread::Builder::new()
            .name("fbscope-report-writer".into())
            .spawn(move || write_blocks(file, &blocks, &give_back))?;
        Ok(BackgroundFile {
            path,
            block: Vec::with_capacity(BLOCK),
            full: Some(full),
            empty,
            thread: Some(thread),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits until every byte is written; the file, for [`super::atomic::commit_set`].
    pub fn finish(mut self) -> io::Result<AtomicFile> {
        if !self.block.is_empty() {
            self.hand_over()?;
        }
        self.full = None;
        self.join()
    }

    fn hand_over(&mut self) -> io::Result<()> {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BLOCK));
        let block = std::mem::replace(&mut self.block, next);
        let sent = self.full.as_ref().map(|full| full.send(block));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writer stopped early: its error says why.
            _ => match self.join() {
                Ok(_) => Err(io::Error::other("the report writer stopped early")),
                Err(e) => Err(e),
            },
        }
    }

    fn join(&mut self) -> io::Result<AtomicFile> {
        let thread = self
            .thread
            .take()
            .ok_or_else(|| io::Error::other("the report writer already ended"))?;
        thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the report writer panicked")))
    }
}

fn write_blocks(
    mut file: AtomicFile,
    blocks: &Receiver<Vec<u8>>,
    give_back: &SyncSender<Vec<u8>>,
) -> io::Result<AtomicFile> {
    for mut block in blocks {
        file.write_all(&block)?;
        block.clear();
        let _ = give_back.try_send(block);
    }
    file.flush()?;
    Ok(file)
}

impl Write for BackgroundFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.block.extend_from_slice(buf);
        if self.block.len() >= BLOCK {
            self.hand_over()?;
        }
        Ok(buf.len())
    }

    /// Bytes go out a block at a time; [`BackgroundFile::finish`] writes the rest.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Not finished (an error elsewhere): the writer ends, and the file it drops removes its
/// temporary file before this returns.
impl Drop for BackgroundFile {
    fn drop(&mut self) {
        self.full = None;
        let _ = self.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn bytes_and_digest_are_those_written_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = AtomicFile::create(dir.path(), "rows.txt").unwrap();
        let mut background = BackgroundFile::spawn(file).unwrap();
        let mut expected = Vec::new();
        for i in 0..200_000u32 {
            let row = format!("row {i} {}\n", "x".repeat((i % 97) as usize));
            background.write_all(row.as_bytes()).unwrap();
            expected.extend_from_slice(row.as_bytes());
        }
        assert!(expected.len() > 4 * BLOCK, "crosses several blocks");
        let committed = background.finish().unwrap().commit().unwrap();
        let written = std::fs::read(dir.path().join("rows.txt")).unwrap();
        assert!(written == expected, "same bytes in the same order");
        assert_eq!(committed.bytes, expected.len() as u64);
        let digest = crate::input::evidence::hex(&Sha256::digest(&expected));
        assert_eq!(committed.sha256, digest);
    }

    #[test]
    fn a_file_dropped_unfinished_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = AtomicFile::create(dir.path(), "rows.txt").unwrap();
        let mut background = BackgroundFile::spawn(file).unwrap();
        background.write_all(&vec![b'x'; 3 * BLOCK]).unwrap();
        drop(background);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
