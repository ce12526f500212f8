//! The files on disk a run read, for the chain of custody in `run.json`: each with its size
//! and modification time when found, and its SHA-256.
//!
//! An archive is one piece of evidence: its members are not hashed one by one, the archive
//! file is. Streams (standard input, a pipe) are listed but cannot be hashed: they were read
//! once. Hashing re-reads each file with one fixed buffer, on a thread of its own beside the
//! analysis (see `pipeline`), so the analysis never waits on it; `--no-hash` skips it.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// One file (or stream) an argument led to, as discovery found it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// As reports show it (`/` between components).
    pub display: String,
    /// `None` for a stream.
    pub path: Option<PathBuf>,
    pub size: Option<u64>,
    pub modified: Option<SystemTime>,
}

/// A [`SourceFile`] with its digest.
#[derive(Debug, Clone)]
pub struct HashedSource {
    pub source: SourceFile,
    /// Lower-case hex SHA-256, or why there is none.
    pub sha256: Result<String, String>,
}

/// Read size of the hasher: large enough that a read is never the bottleneck, small enough
/// that `threads` of them at once are nothing.
const HASH_BUFFER: usize = 256 << 10;

impl SourceFile {
    /// The file listed without a digest, saying why.
    pub fn unhashed(self, why: &str) -> HashedSource {
        HashedSource {
            source: self,
            sha256: Err(why.to_owned()),
        }
    }

    /// Hashes the file (a stream is not hashed: it cannot be read again).
    pub fn hash(self) -> HashedSource {
        let sha256 = match &self.path {
            None => Err("a stream: read once, not hashed".to_owned()),
            Some(path) => sha256_file(path).map_err(|e| e.to_string()),
        };
        HashedSource {
            source: self,
            sha256,
        }
    }
}

/// The SHA-256 of a file, streamed through one fixed buffer.
pub fn sha256_file(path: &std::path::Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; HASH_BUFFER];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_a_file_matches_the_known_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc.log");
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_stream_is_listed_without_a_digest() {
        let stream = SourceFile {
            display: "<stdin>".into(),
            path: None,
            size: None,
            modified: None,
        };
        assert!(stream.hash().sha256.is_err());
    }
}
