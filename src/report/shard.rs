//! Shard files: one process's share of a run's paths, as exact accumulator
//! state, so that `seqsim merge` can reproduce the single-machine tables byte
//! for byte.
//!
//! Layout: the magic `SEQSIMSHARD\0`, a format version (u32 LE), a JSON header
//! (u64 LE length, then UTF-8), the scenario file's bytes (u64 LE length, then
//! bytes), each imported policy file's bytes in import order (the header lists
//! them; u64 LE length, then bytes), the encoded accumulator (u64 LE length,
//! then bytes), the accumulators of the attribution runs (as many as the
//! header says, each u64 LE length then bytes), and a SHA-256 of everything before it, which catches
//! truncation and corruption.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::engine::Accumulator;
use crate::scenario::{hex, ImportOrigin, ImportedFile};

/// The file a shard's output directory holds.
pub const SHARD_FILE: &str = "shard.seqsim";
const MAGIC: &[u8; 12] = b"SEQSIMSHARD\0";
/// Version 2 embeds imported policy files; version 3's accumulators keep
/// the squares of paired differences and the per-path group sums
/// (`engine::accum`'s `DNEGATIVE_SQ` ... and `group_sums`).
const FORMAT_VERSION: u32 = 3;
/// Largest shard file read (accumulators for huge cohorts stay far below).
const MAX_SHARD_BYTES: u64 = 4 << 30;

/// A cohort run's table and grouping, recorded in its shards: `merge` reads
/// the table again (it must still be there, unchanged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CohortShard {
    /// The cohort file as read by `run`.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The `--by` columns.
    pub by: Vec<String>,
}

/// Which run a shard belongs to and which part of it it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardHeader {
    /// The cohort table, for a cohort run.
    pub cohort: Option<CohortShard>,
    /// seqsim version that wrote it.
    pub tool_version: String,
    /// Scenario path as given to `run`.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Seed of the run.
    pub seed: u64,
    /// Paths of the whole run (N).
    pub paths: u64,
    /// This shard's index I (0-based).
    pub index: u64,
    /// Number of shards K.
    pub count: u64,
    /// First path of this shard.
    pub path_start: u64,
    /// One past the last path of this shard.
    pub path_end: u64,
}

/// A shard read back from disk.
#[derive(Clone, Debug)]
pub struct Shard {
    /// Where it was read from.
    pub file: PathBuf,
    /// Its header.
    pub header: ShardHeader,
    /// The scenario file's bytes.
    pub scenario: Vec<u8>,
    /// The policy files the scenario imported, as embedded.
    pub imports: Vec<ImportedFile>,
    /// Its accumulator state.
    pub accumulator: Accumulator,
    /// The state of each attribution run (`analysis::attribution_runs`), in order.
    pub attribution: Vec<Accumulator>,
}

/// Why shards could not be read or merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// The file could not be read.
    #[error("{file}: cannot read the shard: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a seqsim shard file.
    #[error("{file}: not a seqsim shard file (it should be the {SHARD_FILE} that `seqsim run --shard` writes)")]
    NotAShard {
        /// The file.
        file: PathBuf,
    },
    /// Written by an incompatible format version.
    #[error("{file}: shard format version {found}, this seqsim reads version {FORMAT_VERSION}; merge with the seqsim that wrote it")]
    Version {
        /// The file.
        file: PathBuf,
        /// Its version.
        found: u32,
    },
    /// Truncated or corrupted on disk.
    #[error("{file}: the shard is truncated or corrupted (its checksum does not match); rerun that shard")]
    Corrupt {
        /// The file.
        file: PathBuf,
    },
    /// Shards from different runs.
    #[error("{first} and {second} belong to different runs: {what} differs ({a} vs {b}); merge only the shards of one `seqsim run --shard` invocation")]
    Mismatch {
        /// One file.
        first: PathBuf,
        /// Another file.
        second: PathBuf,
        /// The header field that differs.
        what: &'static str,
        /// Its value in `first`.
        a: String,
        /// Its value in `second`.
        b: String,
    },
    /// A shard index is given twice.
    #[error("shard {index} of {count} is given twice ({first} and {second})")]
    Duplicate {
        /// The index.
        index: u64,
        /// The count K.
        count: u64,
        /// One file.
        first: PathBuf,
        /// The other file.
        second: PathBuf,
    },
    /// Shard indices are missing.
    #[error("missing shard index {missing} of {count} (indices run from 0 to {last}); run the missing shards and merge again")]
    Missing {
        /// The missing indices, comma-separated.
        missing: String,
        /// The count K.
        count: u64,
        /// K - 1.
        last: u64,
    },
    /// No shard given.
    #[error("no shard files given")]
    Empty,
}

/// Encodes a shard file's bytes.
pub fn encode(
    header: &ShardHeader,
    scenario: &[u8],
    imports: &[ImportedFile],
    accumulator: &Accumulator,
    attribution: &[Accumulator],
) -> Vec<u8> {
    let header_json = serde_json::json!({
        "tool_version": header.tool_version,
        "scenario_path": header.scenario_path,
        "scenario_sha256": header.scenario_sha256,
        "seed": header.seed,
        "paths": header.paths,
        "index": header.index,
        "count": header.count,
        "path_start": header.path_start,
        "path_end": header.path_end,
        "imports": imports.iter().map(|i| serde_json::json!({
            "written": i.written,
            "origin": origin_name(i.origin),
            "sha256": i.sha256,
        })).collect::<Vec<_>>(),
        "attribution_runs": attribution.len(),
        "cohort": header.cohort.as_ref().map(|c| serde_json::json!({"file": c.file, "sha256": c.sha256, "by": c.by})),
    })
    .to_string();
    let state = accumulator.encode();
    let attribution: Vec<Vec<u8>> = attribution.iter().map(Accumulator::encode).collect();
    let mut out = Vec::with_capacity(state.len() + scenario.len() + header_json.len() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let parts = [header_json.as_bytes(), scenario].into_iter().chain(imports.iter().map(|i| i.bytes.as_slice()));
    for part in parts.chain([state.as_slice()]).chain(attribution.iter().map(Vec::as_slice)) {
        out.extend_from_slice(&(part.len() as u64).to_le_bytes());
        out.extend_from_slice(part);
    }
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

fn decode(file: &Path, bytes: &[u8]) -> Result<Shard, ShardError> {
    let corrupt = || ShardError::Corrupt { file: file.to_path_buf() };
    if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ShardError::NotAShard { file: file.to_path_buf() });
    }
    let version = u32::from_le_bytes(bytes[12..16].try_into().map_err(|_| corrupt())?);
    if version != FORMAT_VERSION {
        return Err(ShardError::Version { file: file.to_path_buf(), found: version });
    }
    let (body, checksum) = bytes.split_at(bytes.len().checked_sub(32).ok_or_else(corrupt)?);
    if Sha256::digest(body).as_slice() != checksum {
        return Err(corrupt());
    }
    let mut at = 16usize;
    let mut part = || -> Option<&[u8]> {
        let len = usize::try_from(u64::from_le_bytes(body.get(at..at + 8)?.try_into().ok()?)).ok()?;
        let slice = body.get(at + 8..at.checked_add(8)?.checked_add(len)?)?;
        at += 8 + len;
        Some(slice)
    };
    let (Some(header), Some(scenario)) = (part(), part()) else { return Err(corrupt()) };
    let json: serde_json::Value = serde_json::from_slice(header).map_err(|_| corrupt())?;
    let listed = json["imports"].as_array().ok_or_else(corrupt)?;
    let mut imports = Vec::with_capacity(listed.len());
    for entry in listed {
        let bytes = part().ok_or_else(corrupt)?;
        let written = entry["written"].as_str().ok_or_else(corrupt)?.to_string();
        let origin = match entry["origin"].as_str() {
            Some("scenario") => ImportOrigin::Scenario,
            Some("command_line") => ImportOrigin::CommandLine,
            _ => return Err(corrupt()),
        };
        let sha256 = entry["sha256"].as_str().ok_or_else(corrupt)?.to_string();
        if hex(&Sha256::digest(bytes)) != sha256 {
            return Err(corrupt());
        }
        imports.push(ImportedFile { path: PathBuf::from(&written), written, origin, sha256, bytes: bytes.to_vec() });
    }
    let state = part().ok_or_else(corrupt)?;
    let runs = json["attribution_runs"].as_u64().ok_or_else(corrupt)?;
    let mut attribution = Vec::new();
    for _ in 0..runs {
        attribution.push(Accumulator::decode(part().ok_or_else(corrupt)?).ok_or_else(corrupt)?);
    }
    let text = |key: &str| json[key].as_str().map(str::to_string).ok_or_else(corrupt);
    let number = |key: &str| json[key].as_u64().ok_or_else(corrupt);
    let cohort = match &json["cohort"] {
        serde_json::Value::Null => None,
        c => Some(CohortShard {
            file: c["file"].as_str().ok_or_else(corrupt)?.to_string(),
            sha256: c["sha256"].as_str().ok_or_else(corrupt)?.to_string(),
            by: c["by"]
                .as_array()
                .ok_or_else(corrupt)?
                .iter()
                .map(|b| b.as_str().map(str::to_string).ok_or_else(corrupt))
                .collect::<Result<_, _>>()?,
        }),
    };
    let header = ShardHeader {
        cohort,
        tool_version: text("tool_version")?,
        scenario_path: text("scenario_path")?,
        scenario_sha256: text("scenario_sha256")?,
        seed: number("seed")?,
        paths: number("paths")?,
        index: number("index")?,
        count: number("count")?,
        path_start: number("path_start")?,
        path_end: number("path_end")?,
    };
    if hex(&Sha256::digest(scenario)) != header.scenario_sha256 || header.index >= header.count {
        return Err(corrupt());
    }
    let accumulator = Accumulator::decode(state).ok_or_else(corrupt)?;
    Ok(Shard { file: file.to_path_buf(), header, scenario: scenario.to_vec(), imports, accumulator, attribution })
}

/// How the header names an import's origin.
fn origin_name(origin: ImportOrigin) -> &'static str {
    match origin {
        ImportOrigin::Scenario => "scenario",
        ImportOrigin::CommandLine => "command_line",
    }
}

/// The imported files' hashes, in order, as one comparable text.
fn import_hashes(shard: &Shard) -> String {
    let hashes: Vec<&str> = shard.imports.iter().map(|i| i.sha256.as_str()).collect();
    if hashes.is_empty() {
        "none".to_string()
    } else {
        hashes.join(", ")
    }
}

/// Reads a shard from a file, or from the [`SHARD_FILE`] in a directory.
pub fn read(path: &Path) -> Result<Shard, ShardError> {
    let file = if path.is_dir() { path.join(SHARD_FILE) } else { path.to_path_buf() };
    let read_error = |source| ShardError::Read { file: file.clone(), source };
    let size = std::fs::metadata(&file).map_err(read_error)?.len();
    if size > MAX_SHARD_BYTES {
        return Err(ShardError::NotAShard { file });
    }
    let bytes = std::fs::read(&file).map_err(read_error)?;
    decode(&file, &bytes)
}

/// Checks that `shards` are all the shards of one run, each exactly once,
/// and returns them sorted by index.
pub fn check_set(mut shards: Vec<Shard>) -> Result<Vec<Shard>, ShardError> {
    let first = shards.first().ok_or(ShardError::Empty)?.clone();
    for shard in &shards[1..] {
        let (a, b) = (&first.header, &shard.header);
        let differs: Option<(&'static str, String, String)> = if a.scenario_sha256 != b.scenario_sha256 {
            Some(("the scenario file (SHA-256)", a.scenario_sha256.clone(), b.scenario_sha256.clone()))
        } else if import_hashes(&first) != import_hashes(shard) {
            Some(("the imported policy files (SHA-256)", import_hashes(&first), import_hashes(shard)))
        } else if a.cohort != b.cohort {
            let describe = |c: &Option<CohortShard>| {
                c.as_ref().map_or_else(|| "none".to_string(), |c| format!("{} by [{}]", c.sha256, c.by.join(", ")))
            };
            Some(("the cohort table or its --by columns", describe(&a.cohort), describe(&b.cohort)))
        } else if a.seed != b.seed {
            Some(("the seed", a.seed.to_string(), b.seed.to_string()))
        } else if a.paths != b.paths {
            Some(("the number of paths", a.paths.to_string(), b.paths.to_string()))
        } else if a.count != b.count {
            Some(("the number of shards", a.count.to_string(), b.count.to_string()))
        } else if a.tool_version != b.tool_version {
            Some(("the seqsim version", a.tool_version.clone(), b.tool_version.clone()))
        } else {
            None
        };
        if let Some((what, a, b)) = differs {
            return Err(ShardError::Mismatch { first: first.file.clone(), second: shard.file.clone(), what, a, b });
        }
    }
    shards.sort_by_key(|s| s.header.index);
    for pair in shards.windows(2) {
        if pair[0].header.index == pair[1].header.index {
            return Err(ShardError::Duplicate {
                index: pair[0].header.index,
                count: first.header.count,
                first: pair[0].file.clone(),
                second: pair[1].file.clone(),
            });
        }
    }
    let count = first.header.count;
    let missing: Vec<String> =
        (0..count).filter(|i| !shards.iter().any(|s| s.header.index == *i)).map(|i| i.to_string()).collect();
    if !missing.is_empty() {
        return Err(ShardError::Missing { missing: missing.join(", "), count, last: count - 1 });
    }
    Ok(shards)
}
