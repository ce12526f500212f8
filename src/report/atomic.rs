//! Atomic output files: written to a temporary file in the target directory and renamed into
//! place on success, so a reader never sees a half-written report and an interrupted run
//! leaves the previous report intact.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::ReportError;

/// Temporary files not yet committed, removed if the run is interrupted.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Exit code after Ctrl-C / SIGTERM (128 + SIGINT, the shell convention).
pub const EXIT_INTERRUPTED: i32 = 130;

/// On Ctrl-C or SIGTERM (Ctrl-Break/close on Windows), removes every uncommitted temporary
/// file and exits, so an interrupted run leaves neither a partial report nor a temp file.
/// Committed files from an earlier run stay as they were.
pub fn remove_temps_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        for temp in pending().drain(..) {
            let _ = fs::remove_file(temp);
        }
        eprintln!("fbscope: interrupted; no report written");
        std::process::exit(EXIT_INTERRUPTED);
    });
}

/// A file being written; becomes visible under its name only on [`AtomicFile::commit`].
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dir: &Path, name: &str) -> Result<Self, ReportError> {
        let target = dir.join(name);
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        pending().push(temp.clone());
        let file = File::create(&temp).map_err(|source| ReportError::Io {
            path: temp.clone(),
            source,
        })?;
        Ok(AtomicFile {
            temp,
            target,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> Result<(), ReportError> {
        let err = |source| ReportError::Io {
            path: self.target.clone(),
            source,
        };
        let writer = self.writer.take().expect("writer present until commit");
        let file = writer.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        drop(file);
        let renamed = fs::rename(&self.temp, &self.target).map_err(err);
        forget_pending(&self.temp);
        renamed
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.as_mut().map_or(Ok(0), |w| w.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.as_mut().map_or(Ok(()), BufWriter::flush)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.temp);
            forget_pending(&self.temp);
        }
    }
}

fn forget_pending(temp: &Path) {
    pending().retain(|p| p != temp);
}

/// Creates `dir` if needed and proves it writable before any input is read.
pub fn prepare_dir(dir: &Path) -> Result<(), ReportError> {
    let err = |source| ReportError::Io {
        path: dir.to_owned(),
        source,
    };
    fs::create_dir_all(dir).map_err(err)?;
    let probe = dir.join(format!(".fbscope-write-test.{}", std::process::id()));
    File::create(&probe).map_err(err)?;
    fs::remove_file(&probe).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_committed_files_appear() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = AtomicFile::create(dir.path(), "a.csv").unwrap();
        a.write_all(b"x").unwrap();
        a.commit().unwrap();
        let mut b = AtomicFile::create(dir.path(), "b.csv").unwrap();
        b.write_all(b"y").unwrap();
        drop(b);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.csv"]);
    }
}
