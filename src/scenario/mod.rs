//! Scenario files (MODEL.md §1): read a YAML file, check it, and hand out a
//! validated [`Scenario`].
//!
//! `yaml` is the only module that knows the YAML library; `validate` turns its
//! tree into the domain types of `types`, reporting every problem with the key
//! path and line:column. Nothing in here prints or exits.

pub mod cohort;
mod types;
mod validate;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use types::*;
pub use validate::parse_decimal;
pub use yaml::Mark;

/// Largest scenario file seqsim reads. Real scenarios are a few kilobytes;
/// the cap keeps a stray or hostile file from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Whether a diagnostic stops the file from being used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The file is invalid.
    Error,
    /// Legal but suspicious.
    Warning,
}

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Key path such as `practices[2].revenue.medicare_ffs` (empty for the whole file).
    pub path: String,
    /// Position in the file, when known.
    pub mark: Option<Mark>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl Diagnostic {
    /// Renders as `FILE:LINE:COL: error: PATH: MESSAGE`.
    pub fn render(&self, file: &Path) -> String {
        let position = match self.mark {
            Some(mark) => format!("{}:{}", file.display(), mark),
            None => file.display().to_string(),
        };
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.path.is_empty() {
            format!("{position}: {severity}: {}", self.message)
        } else {
            format!("{position}: {severity}: {}: {}", self.path, self.message)
        }
    }
}

/// A validated scenario with what is needed to cite it.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// Warnings (the file is still valid).
    pub warnings: Vec<Diagnostic>,
    /// The file it came from.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The file's bytes (embedded in shard files).
    pub bytes: Vec<u8>,
}

/// Why a scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: error: cannot read the scenario file: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The path is a directory.
    #[error("{path}: error: is a directory; give the path of a scenario .yaml file")]
    Directory {
        /// The path.
        path: PathBuf,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("{path}: error: the file is {size} bytes; scenario files are limited to {max} bytes (16 MiB) — is this the right file?")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The file is not UTF-8 text.
    #[error(
        "{path}:{line}:{column}: error: the file is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8"
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Line of the first bad byte.
        line: usize,
        /// Column of the first bad byte.
        column: usize,
        /// Byte offset of the first bad byte.
        offset: usize,
    },
    /// The file has errors; every diagnostic (warnings too) is listed.
    #[error("{}", render_all(path, diagnostics))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// All diagnostics in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

/// At most this many diagnostics are listed; the rest are counted.
const MAX_LISTED: usize = 20;

fn render_all(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let mut lines: Vec<String> = diagnostics.iter().take(MAX_LISTED).map(|d| d.render(path)).collect();
    if diagnostics.len() > MAX_LISTED {
        lines.push(format!(
            "{}: … and {} more not listed; fix the ones above first",
            path.display(),
            diagnostics.len() - MAX_LISTED
        ));
    }
    lines.push(format!(
        "{}: {errors} error{} found; the scenario was not used",
        path.display(),
        if errors == 1 { "" } else { "s" }
    ));
    lines.join("\n")
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let read_error = |source| LoadError::Read { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if meta.is_dir() {
        return Err(LoadError::Directory { path: path.to_path_buf() });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge { path: path.to_path_buf(), size: meta.len(), max: MAX_FILE_BYTES });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, max: MAX_FILE_BYTES });
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    let (scenario, diagnostics) = match std::str::from_utf8(&bytes) {
        Err(err) => {
            let offset = err.valid_up_to();
            let before = &bytes[..offset];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let column = offset - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
            return Err(LoadError::NotUtf8 { path: path.to_path_buf(), line, column, offset });
        }
        Ok(text) => parse_str(text),
    };
    match scenario {
        Some(scenario) => Ok(Loaded { scenario, warnings: diagnostics, path: path.to_path_buf(), sha256, bytes }),
        None => Err(LoadError::Invalid { path: path.to_path_buf(), diagnostics }),
    }
}

/// Parses and validates scenario text. The scenario is `Some` exactly when
/// no diagnostic is an error.
pub fn parse_str(text: &str) -> (Option<Scenario>, Vec<Diagnostic>) {
    let (root, problems) = match yaml::parse(text.trim_start_matches('\u{feff}')) {
        Ok(parsed) => parsed,
        Err(problem) => {
            return (
                None,
                vec![Diagnostic {
                    severity: Severity::Error,
                    path: problem.path,
                    mark: Some(problem.mark),
                    message: problem.message,
                }],
            )
        }
    };
    let mut diagnostics: Vec<Diagnostic> = problems
        .into_iter()
        .map(|p| Diagnostic { severity: Severity::Error, path: p.path, mark: Some(p.mark), message: p.message })
        .collect();
    let (scenario, more) = validate::validate(&root);
    diagnostics.extend(more);
    diagnostics.sort_by_key(|d| d.mark.map(|m| (m.line, m.column)));
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    (if failed { None } else { scenario }, diagnostics)
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
