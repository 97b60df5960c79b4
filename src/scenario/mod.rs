//! Scenario files (MODEL.md §1): read a YAML file, check it, and hand out a
//! validated [`Scenario`].
//!
//! `yaml` is the only module that knows the YAML library; `validate` turns its
//! tree into the domain types of `types`, reporting every problem with the key
//! path and line:column. `cohort_table` is the cohort record: a cohort
//! table's columns, number grammar, CSV reader and writer, shared by the
//! importer, `run`, `calibrate` and `backtest`; `csv` the RFC-4180 reader
//! under it. `cohort` turns the rows of a cohort table into
//! practices. Both check a practice with the one set of rules in `practice`,
//! and read numbers exactly with `number`. Nothing in here prints or exits.

pub mod cohort;
pub mod cohort_table;
pub mod csv;
mod diagnostic;
pub mod edit;
mod number;
mod practice;
pub mod relocate;
mod text;
mod types;
mod validate;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use diagnostic::{Diagnostic, Position, Severity};
pub use number::parse_decimal;
pub use types::*;
pub use yaml::Mark;

/// Largest scenario file seqsim reads. Real scenarios are a few kilobytes;
/// the cap keeps a stray or hostile file from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

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
    /// The policy files it imports (and `--import` adds), in import order.
    pub imports: Vec<ImportedFile>,
}

/// Who asked for an imported policy file, which decides what its name is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOrigin {
    /// The scenario's `imports:` list: relative to the scenario file.
    Scenario,
    /// The command line's `--import`: relative to the working directory.
    CommandLine,
}

/// One imported policy file as read (embedded in shard files beside the scenario).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedFile {
    /// The name as written in `imports:` or given to `--import`.
    pub written: String,
    /// Where the name came from.
    pub origin: ImportOrigin,
    /// The path it was read from (for messages).
    pub path: PathBuf,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its bytes.
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

/// Reads, parses and validates a scenario file and the policy files it imports.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    load_with_imports(path, &[])
}

/// Reads a file of at most [`MAX_FILE_BYTES`] that must be a regular file.
fn read_capped(path: &Path) -> Result<Vec<u8>, ReadProblem> {
    let meta = std::fs::metadata(path).map_err(ReadProblem::Io)?;
    if meta.is_dir() {
        return Err(ReadProblem::Directory);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path).map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Why a file could not be read.
#[derive(Debug)]
enum ReadProblem {
    Io(std::io::Error),
    Directory,
    TooLarge(u64),
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadProblem::Io(err) => write!(f, "{err}"),
            ReadProblem::Directory => f.write_str("is a directory; give the path of a policy .yaml file"),
            ReadProblem::TooLarge(size) => {
                write!(f, "the file is {size} bytes; policy files are limited to {MAX_FILE_BYTES} bytes")
            }
        }
    }
}

/// Where `written` points: beside the scenario for `imports:`, as given for `--import`.
/// (`scenarios/../policies/x.yaml` reads as `policies/x.yaml`: the path is
/// cleaned of `dir/..` pairs without touching the file system.)
pub fn import_path(scenario: &Path, origin: ImportOrigin, written: &str) -> PathBuf {
    let joined = match origin {
        ImportOrigin::Scenario => scenario.parent().unwrap_or(Path::new("")).join(written),
        ImportOrigin::CommandLine => PathBuf::from(written),
    };
    let mut clean = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(clean.components().next_back(), Some(std::path::Component::Normal(_))) =>
            {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// Like [`load`], with `extra` policy files imported as if listed after the
/// scenario's own `imports:` (the command line's `--import`).
pub fn load_with_imports(path: &Path, extra: &[PathBuf]) -> Result<Loaded, LoadError> {
    let bytes = read_capped(path).map_err(|problem| match problem {
        ReadProblem::Io(source) => LoadError::Read { path: path.to_path_buf(), source },
        ReadProblem::Directory => LoadError::Directory { path: path.to_path_buf() },
        ReadProblem::TooLarge(size) => LoadError::TooLarge { path: path.to_path_buf(), size, max: MAX_FILE_BYTES },
    })?;
    load_bytes(path, bytes, extra)
}

/// Like [`load_with_imports`] for text that is not (yet) a file: `bytes`
/// read as if they were the file `path`, its imports relative to that path
/// (the workbench's edited scenarios, beside their original).
pub fn load_bytes(path: &Path, bytes: Vec<u8>, extra: &[PathBuf]) -> Result<Loaded, LoadError> {
    let text = utf8(path, &bytes)?;
    let extra: Vec<String> = extra.iter().map(|p| p.display().to_string()).collect();
    let mut read = |origin: ImportOrigin, written: &str| {
        let file = import_path(path, origin, written);
        read_capped(&file).map(|bytes| (file.clone(), bytes)).map_err(|problem| match origin {
            ImportOrigin::Scenario => format!(
                "{problem}; looked for {} (imports are relative to the scenario file's folder: a copy of a bundled \
                 scenario must name the repository's policies/ folder by an absolute path or one relative to the copy)",
                file.display()
            ),
            ImportOrigin::CommandLine => problem.to_string(),
        })
    };
    let parsed = parse_with_imports(text, &extra, &mut read);
    match parsed.scenario {
        Some(scenario) => Ok(Loaded {
            scenario,
            warnings: parsed.diagnostics,
            path: path.to_path_buf(),
            sha256: hex(&Sha256::digest(&bytes)),
            bytes,
            imports: parsed.imports,
        }),
        None => Err(LoadError::Invalid { path: path.to_path_buf(), diagnostics: parsed.diagnostics }),
    }
}

/// The text of a file's bytes, or where its first non-UTF-8 byte is.
fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, LoadError> {
    std::str::from_utf8(bytes).map_err(|err| {
        let offset = err.valid_up_to();
        let before = &bytes[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = offset - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
        LoadError::NotUtf8 { path: path.to_path_buf(), line, column, offset }
    })
}

/// A scenario parsed with its imports.
#[derive(Debug)]
pub struct Parsed {
    /// The scenario, when no diagnostic is an error.
    pub scenario: Option<Scenario>,
    /// Every diagnostic of the scenario and its imports, scenario first, each in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The imported files that could be read.
    pub imports: Vec<ImportedFile>,
}

/// Reads an imported file named `written`: its path and bytes, or why not.
pub type ImportReader<'a> = dyn FnMut(ImportOrigin, &str) -> Result<(PathBuf, Vec<u8>), String> + 'a;

/// Parses and validates scenario text and its imports: those its
/// `imports:` lists, then `extra` (the command line's `--import`), each read
/// through `read` (from disk, or from a shard's embedded copies).
pub fn parse_with_imports(text: &str, extra: &[String], read: &mut ImportReader<'_>) -> Parsed {
    let (root, mut diagnostics) = match parse_yaml(text, None) {
        Ok(parsed) => parsed,
        Err(diagnostic) => return Parsed { scenario: None, diagnostics: vec![diagnostic], imports: Vec::new() },
    };
    let (listed, problems) = validate::import_list(&root);
    diagnostics.extend(problems);
    let requests = listed
        .into_iter()
        .map(|(written, mark)| (ImportOrigin::Scenario, written, Some(mark)))
        .chain(extra.iter().map(|written| (ImportOrigin::CommandLine, written.clone(), None)));
    let mut imports = Vec::new();
    let mut documents = Vec::new();
    let mut incomplete = false;
    for (index, (origin, written, mark)) in requests.enumerate() {
        let (file, bytes) = match read(origin, &written) {
            Ok(found) => found,
            Err(reason) => {
                incomplete = true;
                let (path, file) = match origin {
                    ImportOrigin::Scenario => (format!("imports[{index}]"), None),
                    ImportOrigin::CommandLine => (String::new(), Some(PathBuf::from(&written))),
                };
                diagnostics.push(Diagnostic::error(
                    Position::Key { path, mark },
                    format!("cannot read the imported policy file `{written}`: {reason}"),
                    file,
                ));
                continue;
            }
        };
        let sha256 = hex(&Sha256::digest(&bytes));
        match parse_import(&bytes, &file, &mut diagnostics) {
            Some(root) => documents.push(validate::ImportDocument {
                written: written.clone(),
                file: file.clone(),
                sha256: sha256.clone(),
                root,
            }),
            None => incomplete = true,
        }
        imports.push(ImportedFile { written, origin, path: file, sha256, bytes });
    }
    let (scenario, more) = validate::validate(&root, &documents, incomplete);
    diagnostics.extend(more);
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.file.is_some(), d.file.clone(), d.mark().map(|m| (m.line, m.column)));
        key(a).cmp(&key(b))
    });
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Parsed { scenario: if failed { None } else { scenario }, diagnostics, imports }
}

/// The tree of an imported file's bytes; its problems go to `diagnostics`.
fn parse_import(bytes: &[u8], file: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<yaml::Node> {
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => parse_yaml(text, Some(file)),
        Err(err) => Err(Diagnostic::error(
            Position::Key { path: String::new(), mark: None },
            format!("the file is not UTF-8 text (invalid byte at offset {}); save it as UTF-8", err.valid_up_to()),
            Some(file.to_path_buf()),
        )),
    };
    match parsed {
        Ok((root, problems)) => {
            diagnostics.extend(problems);
            Some(root)
        }
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    }
}

/// Parses YAML text into a tree, turning the parser's problems into diagnostics of `file`.
fn parse_yaml(text: &str, file: Option<&Path>) -> Result<(yaml::Node, Vec<Diagnostic>), Diagnostic> {
    let diagnostic = |problem: yaml::YamlProblem| {
        let at = Position::Key { path: problem.path, mark: Some(problem.mark) };
        Diagnostic::error(at, problem.message, file.map(Path::to_path_buf))
    };
    let (root, problems) = yaml::parse(text.trim_start_matches('\u{feff}')).map_err(diagnostic)?;
    Ok((root, problems.into_iter().map(diagnostic).collect()))
}

/// Parses and validates scenario text that imports nothing. The scenario is
/// `Some` exactly when no diagnostic is an error.
pub fn parse_str(text: &str) -> (Option<Scenario>, Vec<Diagnostic>) {
    let mut refuse = |_: ImportOrigin, written: &str| -> Result<(PathBuf, Vec<u8>), String> {
        Err(format!("`{written}`: imports need a scenario file on disk; use scenario::load"))
    };
    let parsed = parse_with_imports(text, &[], &mut refuse);
    (parsed.scenario, parsed.diagnostics)
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
