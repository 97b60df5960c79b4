//! The command line's one error type: every way a command can fail, each
//! rendered once (by `cli::main`, or on a workbench page) through
//! [`CliError::render`], the one place that writes the `error: ` prefix, and
//! mapped to its exit code here and only here (docs/commands.md, "Exit
//! codes").

use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::engine::{EngineError, PlanError};
use crate::import::{cms, panel, sheps};
use crate::ledger::LedgerError;
use crate::report::{read::ReadError, shard::ShardError, OutputError, ReportError};
use crate::scenario::LoadError;

/// Exit code of a successful command.
pub const EXIT_OK: u8 = 0;
/// Exit code of invalid input or a run that could not complete.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of a usage error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when `run --precision` did not reach its target.
pub const EXIT_IMPRECISE: u8 = 3;
/// Exit code of a run stopped by Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code when standard output was closed under us (128 + SIGPIPE).
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag's value does not fit the scenario or the other flags.
    #[error("{0}")]
    Usage(String),
    /// The input is invalid (a message without a position).
    #[error("{0}")]
    Invalid(String),
    /// A scenario's problems found after it loaded, one line each.
    #[error("{}", .problems.iter().map(|p| in_file(.path, p)).collect::<Vec<_>>().join("\n"))]
    InFile {
        /// The scenario file.
        path: PathBuf,
        /// Each problem, its key path first.
        problems: Vec<String>,
    },
    /// A scenario file could not be read or is invalid.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A cohort table's rows are invalid.
    #[error(transparent)]
    Cohort(#[from] crate::scenario::cohort::CohortError),
    /// A scenario could not be compiled for the engine.
    #[error("{}", in_file(.path, .source))]
    Plan {
        /// The scenario file.
        path: PathBuf,
        /// Why.
        source: PlanError,
    },
    /// The exact ledger could not be computed.
    #[error("{}", in_file(.path, .source))]
    Ledger {
        /// The scenario file.
        path: PathBuf,
        /// Why.
        source: LedgerError,
    },
    /// A file could not be read.
    #[error("{}: {what}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done, e.g. "cannot read the cohort file".
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Output could not be written.
    #[error("{0}")]
    Output(#[from] OutputError),
    /// A results directory or a cohort table could not be read.
    #[error("{0}")]
    Read(#[from] ReadError),
    /// `seqsim report` failed.
    #[error("{0}")]
    Report(#[from] ReportError),
    /// A shard could not be used.
    #[error("{0}")]
    Shard(#[from] ShardError),
    /// A release of cost reports could not be read.
    #[error("{0}")]
    Panel(#[from] panel::PanelError),
    /// A list of closures could not be read.
    #[error("{0}")]
    Closures(#[from] sheps::ShepsError),
    /// CMS cost reports could not be imported.
    #[error("{0}")]
    Import(#[from] cms::ImportError),
    /// A backtest could not be carried out.
    #[error("{0}")]
    Backtest(#[source] crate::backtest::BacktestError),
    /// A scenario could not be copied with absolute paths (`seqsim new`).
    #[error("{0}")]
    Relocate(#[from] crate::scenario::relocate::RelocateError),
    /// The engine could not run.
    #[error("{0}")]
    Engine(EngineError),
    /// Ctrl-C stopped the run.
    #[error("interrupted: no results were written")]
    Interrupted,
    /// `run --precision` stopped at `--max-paths` above the target.
    #[error(
        "precision not reached: the largest standard error is {largest:.5} > {target} at --max-paths {max_paths}; \
         results were written but are less precise than asked (raise --max-paths)"
    )]
    Imprecise {
        /// The largest standard error reached.
        largest: f64,
        /// `--precision`.
        target: f64,
        /// `--max-paths`.
        max_paths: u64,
    },
    /// Some files given to `validate` failed; each was reported already.
    #[error("{failed} of {total} scenario files failed validation")]
    Validation {
        /// Files that failed.
        failed: usize,
        /// Files given.
        total: usize,
        /// The exit code of the worst failure.
        worst: u8,
    },
}

impl CliError {
    /// The exit code (docs/commands.md, "Exit codes").
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Load(LoadError::Read { .. } | LoadError::Directory { .. }) => EXIT_USAGE,
            CliError::Interrupted => EXIT_INTERRUPTED,
            CliError::Imprecise { .. } => EXIT_IMPRECISE,
            CliError::Validation { worst, .. } => *worst,
            CliError::Invalid(_)
            | CliError::Load(_)
            | CliError::Cohort(_)
            | CliError::InFile { .. }
            | CliError::Plan { .. }
            | CliError::Ledger { .. }
            | CliError::Io { .. }
            | CliError::Output(_)
            | CliError::Read(_)
            | CliError::Report(_)
            | CliError::Shard(_)
            | CliError::Panel(_)
            | CliError::Closures(_)
            | CliError::Import(_)
            | CliError::Backtest(_)
            | CliError::Relocate(_)
            | CliError::Engine(_) => EXIT_FAILED,
        }
    }

    /// A usage error with this message (without the `error: ` prefix).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::Usage(message.into())
    }

    /// The message as people see it (on standard error, or on a workbench
    /// page): `error: ` and the message, except where the message places
    /// its own `FILE: error:` (a scenario's or a cohort table's problems) or
    /// is not an error of the input (interrupted, imprecise, how many files
    /// failed validation).
    pub fn render(&self) -> String {
        match self {
            CliError::Load(_)
            | CliError::Cohort(_)
            | CliError::InFile { .. }
            | CliError::Plan { .. }
            | CliError::Ledger { .. }
            | CliError::Interrupted
            | CliError::Imprecise { .. }
            | CliError::Validation { .. } => self.to_string(),
            CliError::Usage(_)
            | CliError::Invalid(_)
            | CliError::Io { .. }
            | CliError::Output(_)
            | CliError::Read(_)
            | CliError::Report(_)
            | CliError::Shard(_)
            | CliError::Panel(_)
            | CliError::Closures(_)
            | CliError::Import(_)
            | CliError::Backtest(_)
            | CliError::Relocate(_)
            | CliError::Engine(_) => format!("error: {self}"),
        }
    }
}

/// A problem with a scenario file, as its diagnostics are written:
/// `FILE: error: MESSAGE`.
fn in_file(path: &Path, message: impl Display) -> String {
    format!("{}: error: {message}", path.display())
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> CliError {
        match e {
            EngineError::Interrupted => CliError::Interrupted,
            other => CliError::Engine(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_readme() {
        assert_eq!(CliError::usage("x").exit_code(), 2);
        assert_eq!(CliError::Invalid("x".into()).exit_code(), 1);
        assert_eq!(CliError::from(EngineError::Interrupted).exit_code(), 130);
        assert_eq!(CliError::Imprecise { largest: 0.1, target: 0.01, max_paths: 10 }.exit_code(), 3);
        let unreadable = LoadError::Directory { path: PathBuf::from("d") };
        assert_eq!(CliError::from(unreadable).exit_code(), 2);
        let io = std::io::Error::other("gone");
        let read = CliError::Io { path: PathBuf::from("f.csv"), what: "cannot read the cohort file", source: io };
        assert_eq!(read.exit_code(), 1);
        assert_eq!(read.render(), "error: f.csv: cannot read the cohort file: gone");
        assert_eq!(CliError::Validation { failed: 1, total: 2, worst: 2 }.exit_code(), 2);
    }
}
