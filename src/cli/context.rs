//! The glue the commands share: loading a scenario with its cohort,
//! compiling it, naming its policies, the provenance outputs carry,
//! results directories, the resource check, progress and Ctrl-C.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::CliError;
use crate::calendar::utc_timestamp;
use crate::engine::{self, Plan};
use crate::policy;
use crate::report::{self, Provenance, RunTimes, Staging};
use crate::scenario::{self, Loaded};
use crate::system;

/// Set by the Ctrl-C handler; the engine stops at the next chunk.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Lets Ctrl-C stop a run at the next chunk so its staging directory is
/// removed. Failing to install the handler is not fatal: Ctrl-C then ends the
/// process at once, still leaving no half-written table in place.
pub(super) fn catch_interrupts() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// Whether Ctrl-C was pressed.
pub(super) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The progress callback of a run without a bar: go on unless interrupted.
pub(super) fn proceed(_: u64) -> bool {
    !INTERRUPTED.load(Ordering::Relaxed)
}

/// A progress bar on standard error (when it is a terminal) counting
/// `total` paths, and the engine's callback that moves it.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    done: AtomicU64,
}

impl Progress {
    /// A bar for `total` paths.
    pub fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} paths ({eta})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, done: AtomicU64::new(0) }
    }

    /// Counts `n` more paths; false once Ctrl-C was pressed.
    pub fn advance(&self, n: u64) -> bool {
        let total = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.set_position(total);
        }
        proceed(n)
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Now, UTC, as the manifest writes it.
pub(super) fn timestamp() -> String {
    utc_timestamp(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// A run's start and, now, its end.
pub(super) fn times_since(started: String) -> RunTimes {
    RunTimes { started, finished: timestamp() }
}

/// Prints a loaded scenario's warnings.
pub(super) fn print_warnings(loaded: &Loaded) {
    for warning in &loaded.warnings {
        eprintln!("{}", warning.render(&loaded.path));
    }
}

/// Loads a scenario with its imports and cohort, printing its warnings.
pub(super) fn load(path: &Path, imports: &[PathBuf]) -> Result<Loaded, CliError> {
    let mut loaded = scenario::load_with_imports(path, imports)?;
    print_warnings(&loaded);
    attach_cohort(&mut loaded)?;
    Ok(loaded)
}

/// Reads a scenario's cohort file (relative to the scenario file), checks
/// every row and adds the facilities as practices.
pub(super) fn attach_cohort(loaded: &mut Loaded) -> Result<(), CliError> {
    let Some(spec) = &loaded.scenario.cohort else { return Ok(()) };
    let file = cohort_file(&loaded.path, spec);
    add_facilities(&mut loaded.scenario, &loaded.path, &file)
}

/// The track record beside a scenario's cohort table
/// (`COHORT.track_record.json`, a copy of a `seqsim backtest`'s
/// `track_record.json`), when there is one.
pub(super) fn track_record(loaded: &Loaded) -> Result<Option<crate::backtest::track_record::TrackRecord>, CliError> {
    let Some(spec) = &loaded.scenario.cohort else { return Ok(None) };
    let path = cohort_file(&loaded.path, spec).with_extension("track_record.json");
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(report::read_track_record(&path)?))
}

/// Where a scenario's cohort table is: relative to the scenario file.
pub(super) fn cohort_file(scenario_path: &Path, spec: &scenario::CohortSpec) -> PathBuf {
    scenario_path.parent().unwrap_or(Path::new(".")).join(&spec.file)
}

/// Reads the cohort table `file`, checks every row and adds the facilities
/// to the scenario's practices.
pub(super) fn add_facilities(
    scenario: &mut scenario::Scenario,
    scenario_path: &Path,
    file: &Path,
) -> Result<(), CliError> {
    let Some(spec) = scenario.cohort.clone() else { return Ok(()) };
    let label = file.display().to_string();
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    let facilities = match extension.as_str() {
        "csv" => scenario::cohort::read_practices(&spec, file, &scenario.practices)?,
        "parquet" => {
            let table = report::read::cohort_parquet(file)?;
            scenario::cohort::practices(&spec, &table, &label, &scenario.practices)?
        }
        _ => {
            let message = "a cohort file must end in .csv or .parquet".to_string();
            return Err(report::read::ReadError::File { path: file.to_path_buf(), message }.into());
        }
    };
    scenario.practices.extend(facilities);
    if scenario.practices.is_empty() {
        return Err(CliError::Invalid(format!("{label}: the cohort has no rows and the scenario no practices")));
    }
    let unknown = scenario::cohort::unknown_kinds(scenario);
    if !unknown.is_empty() {
        return Err(CliError::InFile { path: scenario_path.to_path_buf(), problems: unknown });
    }
    Ok(())
}

/// What every output of a run on `loaded` carries.
pub(super) fn provenance(loaded: &Loaded, seed: Option<u64>, paths: Option<u64>) -> Provenance {
    Provenance {
        scenario_name: loaded.scenario.name.clone(),
        scenario_path: loaded.path.display().to_string(),
        scenario_sha256: loaded.sha256.clone(),
        seed,
        paths,
        version: env!("CARGO_PKG_VERSION").to_string(),
        sources: loaded.scenario.sources.clone(),
        imports: loaded.scenario.imports.clone(),
        baseline_law: loaded.scenario.baseline_law().map(scenario::ImportInfo::citation),
    }
}

/// Compiles a loaded scenario for the engine.
pub(super) fn compile(loaded: &Loaded) -> Result<Plan, CliError> {
    Plan::compile(&loaded.scenario, &policy::resolve(&loaded.scenario))
        .map_err(|source| CliError::Plan { path: loaded.path.clone(), source })
}

/// The index of `--policy NAME`, or the baseline.
pub(super) fn policy_index(scenario: &scenario::Scenario, name: Option<&str>) -> Result<usize, CliError> {
    let Some(name) = name else { return Ok(scenario.baseline) };
    scenario.policies.iter().position(|p| p.name == name).ok_or_else(|| {
        let names: Vec<&str> = scenario.policies.iter().map(|p| p.name.as_str()).collect();
        CliError::usage(format!("--policy {name}: no such policy (policies: {})", names.join(", ")))
    })
}

/// Starts a results directory (see `Staging`), saying which leftovers of
/// killed runs it removed on the way.
pub(super) fn begin_staging(out: &Path, force: bool) -> Result<Staging, CliError> {
    let staging = Staging::begin(out, force)?;
    for leftover in staging.leftovers_removed() {
        eprintln!("note: removed {}, left by a seqsim run that no longer exists", leftover.display());
    }
    Ok(staging)
}

/// Moves a finished results directory into place, unless Ctrl-C was
/// pressed while its files were written.
pub(super) fn commit(staging: Staging) -> Result<PathBuf, CliError> {
    if interrupted() {
        return Err(CliError::Interrupted);
    }
    Ok(staging.commit()?)
}

/// Refuses runs whose estimated memory exceeds what is available.
pub(super) fn check_resources(plan: &Plan, threads: usize) -> Result<(), CliError> {
    let needed = engine::memory_estimate(plan, threads);
    let Some(available) = system::available_memory_bytes() else { return Ok(()) };
    if needed > available {
        return Err(CliError::Invalid(format!(
            "this run would need about {:.1} GB of memory ({} practices x {} policies x {} years on {threads} threads) \
             but {:.1} GB are available; use fewer practices, policies, years or --threads, split it with --shard, \
             or pass --skip-resource-check to try anyway",
            needed as f64 / 1e9,
            plan.practices.len(),
            plan.policies.len(),
            plan.years,
            available as f64 / 1e9
        )));
    }
    Ok(())
}
