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
    /// Another seqsim process is writing the same results directory.
    #[error("{path}: another seqsim run (process {pid}) is writing these results now; wait for it to finish or choose another --out")]
    Busy {
        /// The results directory.
        path: PathBuf,
        /// The other process.
        pid: u32,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] super::ChartError),
    /// A chart could not be rasterised as PNG.
    #[error("cannot encode {name}: {source}")]
    Raster {
        /// The chart's SVG file.
        name: String,
        /// resvg's reason.
        source: super::RasterError,
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
///
/// While it lives it holds a lock file, `.NAME.lock` beside the results
/// directory, holding its process id: a second run into the same directory
/// fails with [`OutputError::Busy`] instead of racing the first. A process
/// killed outright (SIGKILL) leaves its `.NAME.partial-PID` directory and lock
/// behind; the next run into the same parent removes those of processes that
/// no longer exist ([`Staging::leftovers_removed`] lists them).
#[derive(Debug)]
pub struct Staging {
    final_dir: PathBuf,
    staging_dir: PathBuf,
    lock: PathBuf,
    force: bool,
    written: Vec<WrittenFile>,
    committed: bool,
    leftovers: Vec<PathBuf>,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging_dir);
        }
        let _ = fs::remove_file(&self.lock);
    }
}

/// The process id in a seqsim staging name `.NAME.partial-PID` (or its
/// `.NAME.partial-PID.old` twin), if `name` is one.
fn staging_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, pid) = rest.rsplit_once(".partial-")?;
    let pid = pid.strip_suffix(".old").unwrap_or(pid);
    pid.bytes().all(|b| b.is_ascii_digit()).then(|| pid.parse().ok()).flatten()
}

/// Removes staging directories in `parent` left by processes that no longer
/// exist; returns what it removed.
fn remove_leftovers(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = staging_pid(&name) else { continue };
        if pid != std::process::id() && crate::system::process_alive(pid) == Some(false) && entry.path().is_dir() {
            let path = entry.path();
            if fs::remove_dir_all(&path).is_ok() {
                removed.push(path);
            }
        }
    }
    removed.sort();
    removed
}

/// Takes the lock file `lock` for this process: fails with the holder's
/// process id while it lives; a lock whose process is gone is taken over.
fn take_lock(lock: &Path, final_dir: &Path) -> Result<(), OutputError> {
    for _ in 0..2 {
        match fs::OpenOptions::new().write(true).create_new(true).open(lock) {
            Ok(mut file) => {
                file.write_all(std::process::id().to_string().as_bytes()).map_err(io(lock, "cannot write"))?;
                return Ok(());
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = fs::read_to_string(lock).ok().and_then(|t| t.trim().parse::<u32>().ok());
                match holder {
                    Some(pid) if crate::system::process_alive(pid) != Some(false) => {
                        return Err(OutputError::Busy { path: final_dir.to_path_buf(), pid });
                    }
                    // A lock of a process that is gone, or one being written
                    // this instant (empty): the first is taken over; the
                    // second loses the retry to its owner and reports busy.
                    _ => {
                        let _ = fs::remove_file(lock);
                    }
                }
            }
            Err(err) => return Err(io(lock, "cannot create the lock file")(err)),
        }
    }
    Err(OutputError::Busy { path: final_dir.to_path_buf(), pid: 0 })
}

impl Staging {
    /// Starts a results directory at `final_dir`; fails early if it exists,
    /// is not empty and `force` is false, or if another run is writing it.
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
        let leftovers = remove_leftovers(parent);
        let lock = parent.join(format!(".{name}.lock"));
        take_lock(&lock, final_dir)?;
        let staging_dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        // From here on, dropping `staging` (on an error) releases the lock.
        let staging = Staging {
            final_dir: final_dir.to_path_buf(),
            staging_dir,
            lock,
            force,
            written: Vec::new(),
            committed: false,
            leftovers,
        };
        if staging.staging_dir.exists() {
            fs::remove_dir_all(&staging.staging_dir)
                .map_err(io(&staging.staging_dir, "cannot clear old staging directory"))?;
        }
        fs::create_dir_all(&staging.staging_dir).map_err(io(&staging.staging_dir, "cannot create directory"))?;
        Ok(staging)
    }

    /// Staging directories of runs that no longer exist, removed by [`Staging::begin`].
    pub fn leftovers_removed(&self) -> &[PathBuf] {
        &self.leftovers
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
