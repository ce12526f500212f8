//! Atomic output files: written to a temporary file in the target directory and renamed into
//! place on success, so a reader never sees a half-written report and an interrupted run
//! leaves the previous report intact.
//!
//! A run's reports are committed as a set ([`commit_set`]): the manifest (`run.json`), which
//! lists every report with its SHA-256, is removed before the first rename and written after
//! the last, so an interrupt or an error between them leaves no manifest and the set reads
//! as incomplete, never as new findings beside an old inventory under an old manifest.
//!
//! Temporary and probe files are created exclusively (`create_new`: an existing file or a
//! symbolic link planted under the name makes the create fail instead of being followed)
//! with a name no one can guess ahead of the run, so nobody who can write into `--out` can
//! make fbscope write elsewhere. Temporary files a killed run left behind are removed when
//! the next run prepares the folder.

use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::{MANIFEST_FILE, REPORT_FILES};
use crate::error::ReportError;
use crate::input::evidence::hex;

/// Temporary files not yet committed, removed if the run is interrupted.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Exit code after Ctrl-C / SIGTERM (128 + SIGINT, the shell convention).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Set while a report set is being renamed into place (what an interrupt then says).
static COMMITTING: AtomicBool = AtomicBool::new(false);

/// On Ctrl-C or SIGTERM (Ctrl-Break/close on Windows), removes every uncommitted temporary
/// file and exits, so an interrupted run leaves neither a partial report nor a temp file.
/// Committed files from an earlier run stay as they were.
pub fn remove_temps_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        for temp in pending().drain(..) {
            let _ = fs::remove_file(temp);
        }
        if COMMITTING.load(Ordering::SeqCst) {
            eprintln!("fbscope: interrupted while renaming the reports into place: the output folder has no run.json, so its files are not a complete set; run again");
        } else {
            eprintln!("fbscope: interrupted; no report written");
        }
        std::process::exit(EXIT_INTERRUPTED);
    });
}

/// A file being written; becomes visible under its name only on [`AtomicFile::commit`].
/// Its SHA-256 is taken as it is written, for the manifest (`run.json`).
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
    hasher: Sha256,
    bytes: u64,
}

/// A report file renamed into place: what the manifest says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The file name in `--out`.
    pub name: String,
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the contents.
    pub sha256: String,
}

impl AtomicFile {
    pub fn create(dir: &Path, name: &str) -> Result<Self, ReportError> {
        let target = dir.join(name);
        let (temp, file) = create_unique(dir, &format!(".{name}."), TEMP_SUFFIX)?;
        Ok(AtomicFile {
            temp,
            target,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// What the manifest will say of this file once it is committed.
    pub fn facts(&self) -> Committed {
        let name = self.target.file_name().unwrap_or_default();
        Committed {
            name: name.to_string_lossy().into_owned(),
            bytes: self.bytes,
            sha256: hex(&self.hasher.clone().finalize()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames into place; says what was committed.
    pub fn commit(mut self) -> Result<Committed, ReportError> {
        let facts = self.facts();
        let err = |source| ReportError::Io {
            path: self.target.clone(),
            source,
        };
        let writer = self.writer.take().expect("writer present until commit");
        let file = writer.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        drop(file);
        let renamed = fs::rename(&self.temp, &self.target).map_err(err);
        if renamed.is_err() {
            let _ = fs::remove_file(&self.temp);
        }
        forget_pending(&self.temp);
        renamed.map(|()| facts)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.writer.as_mut().map_or(Ok(0), |w| w.write(buf))?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
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

/// Commits `files` as one set: the manifest `manifest(facts)` renders from what each file
/// holds is written to a temporary file, the old manifest is removed, every file is renamed
/// into place, and the manifest is renamed last. Until that last rename there is no
/// manifest in `dir`: a reader (or the next run) can tell an incomplete set from a complete
/// one, whatever stopped the renames.
pub fn commit_set(
    dir: &Path,
    files: Vec<AtomicFile>,
    manifest: impl FnOnce(&[Committed]) -> Vec<u8>,
) -> Result<Vec<Committed>, ReportError> {
    let facts: Vec<Committed> = files.iter().map(AtomicFile::facts).collect();
    let mut manifest_file = AtomicFile::create(dir, MANIFEST_FILE)?;
    let manifest_path = manifest_file.path().to_owned();
    manifest_file
        .write_all(&manifest(&facts))
        .map_err(|source| ReportError::Io {
            path: manifest_path.clone(),
            source,
        })?;
    COMMITTING.store(true, Ordering::SeqCst);
    let committed = remove_manifest(&manifest_path).and_then(|()| {
        let done = files
            .into_iter()
            .map(AtomicFile::commit)
            .collect::<Result<Vec<_>, _>>()?;
        manifest_file.commit()?;
        Ok(done)
    });
    COMMITTING.store(false, Ordering::SeqCst);
    committed
}

/// Removes the manifest of an earlier run (absent is fine).
fn remove_manifest(path: &Path) -> Result<(), ReportError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(ReportError::Io {
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Ends the names of temporary report files.
const TEMP_SUFFIX: &str = ".tmp";
/// Starts the name of the probe file that proves `--out` writable.
const PROBE_PREFIX: &str = ".fbscope-write-test.";
/// Tries with fresh names before giving up: a clash is already one in 2^64.
const CREATE_ATTEMPTS: usize = 16;

/// A name part no one can predict: 64 bits from the standard library's per-process random
/// hasher keys (seeded from the OS), mixed with the process id, the time and a counter.
/// Not a cryptographic generator, but an attacker who can list `--out` only sees names
/// after they exist, and `create_new` refuses any name planted before.
fn unpredictable() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    format!("{}.{:016x}", std::process::id(), h.finish())
}

/// Creates `<prefix><unpredictable><suffix>` in `dir` exclusively; registers it as pending
/// (removed on interrupt) before it exists, so no window leaves it behind.
fn create_unique(dir: &Path, prefix: &str, suffix: &str) -> Result<(PathBuf, File), ReportError> {
    let mut last = None;
    for _ in 0..CREATE_ATTEMPTS {
        let path = dir.join(format!("{prefix}{}{suffix}", unpredictable()));
        pending().push(path.clone());
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) => {
                forget_pending(&path);
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(ReportError::Io { path, source: e });
                }
                last = Some((path, e));
            }
        }
    }
    let (path, source) = last.expect("at least one attempt");
    Err(ReportError::Io { path, source })
}

/// Is `name` a temporary or probe file an earlier run of fbscope left in `--out` (a temp
/// of one of the [`REPORT_FILES`] fbscope writes there)?
fn is_stale_temp(name: &str) -> bool {
    let temp = REPORT_FILES.iter().chain([&MANIFEST_FILE]).any(|report| {
        name.strip_prefix('.')
            .and_then(|n| n.strip_prefix(report))
            .is_some_and(|n| n.starts_with('.') && n.ends_with(TEMP_SUFFIX))
    });
    temp || name.starts_with(PROBE_PREFIX)
}

/// Removes the temporary files of earlier runs that were killed before they could clean up
/// (SIGKILL, a power cut). Only names fbscope itself makes are touched; a symbolic link
/// under such a name is removed itself, never what it points to. Returns how many.
fn remove_stale_temps(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_stale_temp(name) && !entry.file_type()?.is_dir() {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Creates `dir` if needed, removes temporary files left by killed runs, and proves it
/// writable before any input is read. Returns how many stale files were removed.
pub fn prepare_dir(dir: &Path) -> Result<usize, ReportError> {
    let err = |source| ReportError::Io {
        path: dir.to_owned(),
        source,
    };
    fs::create_dir_all(dir).map_err(err)?;
    let removed = remove_stale_temps(dir).map_err(err)?;
    let (probe, file) = create_unique(dir, PROBE_PREFIX, "")?;
    drop(file);
    let removed_probe = fs::remove_file(&probe).map_err(err);
    forget_pending(&probe);
    removed_probe.map(|()| removed)
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

    #[test]
    fn only_names_fbscope_makes_count_as_stale() {
        assert!(is_stale_temp(".findings.csv.123.tmp"));
        assert!(is_stale_temp(".rejected.txt.9.00ff00ff00ff00ff.tmp"));
        assert!(is_stale_temp(".fbscope-write-test.77"));
        assert!(is_stale_temp(".report.html.5.0123456789abcdef.tmp"));
        assert!(is_stale_temp(".findings.jsonl.5.tmp"));
        assert!(is_stale_temp(".run.json.5.0123456789abcdef.tmp"));
        assert!(!is_stale_temp("findings.csv"));
        assert!(!is_stale_temp(".findings.csv"));
        assert!(!is_stale_temp(".notes.txt.1.tmp"));
        assert!(!is_stale_temp(".findings.csvx.1.tmp"));
    }

    fn file(dir: &Path, name: &str, text: &str) -> AtomicFile {
        let mut f = AtomicFile::create(dir, name).unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn listing(facts: &[Committed]) -> Vec<u8> {
        let lines: Vec<String> = facts
            .iter()
            .map(|c| format!("{} {} {}", c.name, c.bytes, c.sha256))
            .collect();
        lines.join("\n").into_bytes()
    }

    #[test]
    fn a_committed_set_is_listed_by_its_manifest_with_each_files_digest() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            file(dir.path(), "a.csv", "abc"),
            file(dir.path(), "b.csv", ""),
        ];
        let done = commit_set(dir.path(), files, listing).unwrap();
        let manifest = fs::read_to_string(dir.path().join(MANIFEST_FILE)).unwrap();
        assert_eq!(
            manifest,
            "a.csv 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n\
             b.csv 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(done.len(), 2);
        assert_eq!(fs::read_to_string(dir.path().join("a.csv")).unwrap(), "abc");
    }

    #[test]
    fn a_set_whose_renames_stop_halfway_leaves_no_manifest() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MANIFEST_FILE), "the old run").unwrap();
        fs::write(dir.path().join("a.csv"), "old a").unwrap();
        // b.csv cannot be renamed into place: a folder that is not empty holds its name.
        fs::create_dir_all(dir.path().join("b.csv/x")).unwrap();
        let files = vec![
            file(dir.path(), "a.csv", "new a"),
            file(dir.path(), "b.csv", "new b"),
        ];
        assert!(commit_set(dir.path(), files, listing).is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "new a"
        );
        assert!(
            !dir.path().join(MANIFEST_FILE).exists(),
            "new a.csv beside an old manifest"
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(TEMP_SUFFIX)), "{names:?}");
    }

    #[test]
    fn temp_names_differ_every_time() {
        let (a, b) = (unpredictable(), unpredictable());
        assert_ne!(a, b);
    }
}
