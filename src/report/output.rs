//! Writing result files safely: each file goes to a temporary name in its
//! final directory, is flushed to disk, then renamed into place, so a reader
//! (or an interrupted run) never sees a half-written table. A results
//! directory is built under a staging name and renamed into place whole.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::scenario::hex;

/// A file that was written, with its digest.
#[derive(Clone, Debug)]
pub struct WrittenFile {
    /// File name relative to the output directory.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// An I/O operation failed.
    #[error("{path}: {action}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The results directory exists and `--force` was not given.
    #[error("{path}: the results directory already exists and is not empty; pass --force to replace it, or choose another --out")]
    Exists {
        /// The directory.
        path: PathBuf,
    },
    /// A table could not be encoded.
    #[error("cannot encode {name}: {message}")]
    Encode {
        /// The file.
        name: String,
        /// The encoder's reason.
        message: String,
    },
}

fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::Io { path: path.to_path_buf(), action, source }
}

/// Writes `bytes` to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<WrittenFile, OutputError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp).map_err(io(&temp, "cannot create"))?;
        file.write_all(bytes).map_err(io(&temp, "cannot write"))?;
        file.sync_all().map_err(io(&temp, "cannot flush to disk"))?;
        fs::rename(&temp, path).map_err(io(path, "cannot move into place"))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    Ok(WrittenFile { name, sha256: hex(&Sha256::digest(bytes)), bytes: bytes.len() as u64 })
}

/// A results directory being assembled under a staging name. Dropped
/// without [`Staging::commit`] (an error, an interruption, a panic), it
/// removes its staging directory, so no partial results are left behind.
#[derive(Debug)]
pub struct Staging {
    final_dir: PathBuf,
    staging_dir: PathBuf,
    force: bool,
    written: Vec<WrittenFile>,
    committed: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging_dir);
        }
    }
}

impl Staging {
    /// Starts a results directory at `final_dir`; fails early if it exists,
    /// is not empty and `force` is false.
    pub fn begin(final_dir: &Path, force: bool) -> Result<Staging, OutputError> {
        if !force && final_dir.exists() {
            let empty = fs::read_dir(final_dir).map(|mut d| d.next().is_none()).unwrap_or(false);
            if !empty {
                return Err(OutputError::Exists { path: final_dir.to_path_buf() });
            }
        }
        let parent = final_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io(parent, "cannot create directory"))?;
        let name = final_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "results".into());
        let staging_dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging_dir.exists() {
            fs::remove_dir_all(&staging_dir).map_err(io(&staging_dir, "cannot clear old staging directory"))?;
        }
        fs::create_dir_all(&staging_dir).map_err(io(&staging_dir, "cannot create directory"))?;
        Ok(Staging { final_dir: final_dir.to_path_buf(), staging_dir, force, written: Vec::new(), committed: false })
    }

    /// The staging directory (removed when dropped uncommitted).
    pub fn staging_dir(&self) -> &Path {
        &self.staging_dir
    }

    /// Writes one file (name may contain `/` for subdirectories).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.staging_dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent, "cannot create directory"))?;
        }
        let mut file = write_atomic(&path, bytes)?;
        file.name = name.to_string();
        self.written.push(file);
        Ok(())
    }

    /// Files written so far.
    pub fn written(&self) -> &[WrittenFile] {
        &self.written
    }

    /// Moves the finished directory into place (replacing an old one only with `force`).
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if self.final_dir.exists() {
            let empty = fs::read_dir(&self.final_dir).map(|mut d| d.next().is_none()).unwrap_or(false);
            if !empty && !self.force {
                return Err(OutputError::Exists { path: self.final_dir.clone() });
            }
            let old = self.staging_dir.with_extension("old");
            fs::rename(&self.final_dir, &old).map_err(io(&self.final_dir, "cannot move the old results aside"))?;
            fs::rename(&self.staging_dir, &self.final_dir)
                .map_err(io(&self.final_dir, "cannot move results into place"))?;
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&self.staging_dir, &self.final_dir)
                .map_err(io(&self.final_dir, "cannot move results into place"))?;
        }
        self.committed = true;
        Ok(self.final_dir.clone())
    }
}
