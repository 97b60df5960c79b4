//! The command line: argument definitions (clap) and the glue that runs each
//! command through the library's layers. Messages for people are printed
//! here and nowhere below; exit codes: 0 success, 1 invalid input or failed
//! run, 2 usage error.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use sha2::Digest;

mod backtest;
mod calibrate;

use crate::analysis;
use crate::calendar::utc_timestamp;
use crate::engine::{self, summary, Plan};
use crate::ledger;
use crate::policy;
use crate::report::{self, shard, terminal, Provenance, RunTimes, Staging};
use crate::scenario::{self, LoadError, Loaded};

/// seqsim: how Medicare sequestration (CO-253) and alternative payment
/// policies erode practices' operating margins, with uncertainty.
#[derive(Debug, Parser)]
#[command(name = "seqsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check scenario files against the format of MODEL.md §1 and list every problem.
    Validate {
        /// Scenario files (.yaml).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Also import this policy file into each scenario (repeatable).
        #[arg(long = "import", value_name = "FILE")]
        imports: Vec<PathBuf>,
    },
    /// Print the exact point ledger: every driver at its mean, decimal arithmetic.
    Ledger {
        /// Scenario file.
        scenario: PathBuf,
        /// Also write the ledger table (MODEL.md §6 columns) to this CSV file.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Only this policy.
        #[arg(long, value_name = "NAME")]
        policy: Option<String>,
        /// Only this practice.
        #[arg(long, value_name = "ID")]
        practice: Option<String>,
        /// Also import this policy file (repeatable), as if listed in the scenario's `imports:`.
        #[arg(long = "import", value_name = "FILE")]
        imports: Vec<PathBuf>,
    },
    /// Run the Monte Carlo simulation and write the evidence tables.
    Run(RunArgs),
    /// Re-evaluate a policy with one lever set to each value of a range (same draws).
    Sweep(SweepArgs),
    /// How much each economic driver and each policy moves a metric, per practice.
    Sensitivity(SensitivityArgs),
    /// Redraw a results directory's charts and write one self-contained HTML page.
    Report {
        /// A directory written by `seqsim run` (or `merge`).
        results: PathBuf,
        /// The page to write (default: RESULTS/report.html).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Score a projection from an earlier release against what hospitals reported later.
    Backtest(backtest::BacktestArgs),
    /// Fit the drivers to how the same hospitals grew between two releases of cost reports.
    Calibrate(calibrate::CalibrateArgs),
    /// Turn public data into cohort tables that `cohort:` reads.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Merge the shards of one `run --shard` into the outputs of a single run.
    Merge {
        /// Shard output directories (or their shard.seqsim files), e.g. results/shard-*.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output directory for the merged results.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace an existing, non-empty output directory.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// CMS Hospital Provider Cost Report files (one row per report) → one row per hospital.
    CmsCostReport {
        /// Cost-report CSV files of one release (e.g. CostReport_2021_Final.csv).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The cohort table to write; COHORT.import.json is written beside it.
        #[arg(long, value_name = "COHORT.csv")]
        out: PathBuf,
        /// Also keep these facility types (comma-separated CMS codes: PH, LTCH, RH, CH, RNMHC, ORD).
        #[arg(long, value_delimiter = ',', value_name = "TYPES", value_parser = parse_facility_type)]
        include_types: Vec<crate::import::cms::FacilityType>,
        /// Replace an existing cohort table.
        #[arg(long)]
        force: bool,
    },
}

/// Parses a CMS facility type code.
fn parse_facility_type(text: &str) -> Result<crate::import::cms::FacilityType, String> {
    crate::import::cms::FacilityType::parse(text).ok_or_else(|| {
        let codes: Vec<&str> = crate::import::cms::FacilityType::ALL.iter().map(|t| t.code()).collect();
        format!("`{text}` is not a CMS facility type (codes: {})", codes.join(", "))
    })
}

/// Parses `I/K`: shard I (0-based) of K.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (index, count) = text.split_once('/').ok_or_else(|| format!("expected I/K (e.g. 0/4), found `{text}`"))?;
    let index: u64 = index.trim().parse().map_err(|_| format!("shard index `{index}` is not a whole number"))?;
    let count: u64 = count.trim().parse().map_err(|_| format!("shard count `{count}` is not a whole number"))?;
    if count == 0 || index >= count {
        return Err(format!("shard {index}/{count}: indices run from 0 to K-1 and K must be at least 1"));
    }
    Ok((index, count))
}

/// Options every simulating command shares, with the same meaning.
#[derive(Debug, clap::Args)]
struct RunOptions {
    /// Monte Carlo paths (default: the scenario's simulation.paths).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    paths: Option<u64>,
    /// Seed (default: the scenario's simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: results/<scenario file stem>[-sweep|-sensitivity]).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Replace an existing, non-empty output directory.
    #[arg(long)]
    force: bool,
    /// Run even if the estimated memory exceeds what the machine has available.
    #[arg(long)]
    skip_resource_check: bool,
    /// Also import this policy file (repeatable), as if listed in the scenario's `imports:`.
    #[arg(long = "import", value_name = "FILE")]
    imports: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct SweepArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// The lever to sweep: sequestration, medicare_update or medicare_add_on.
    #[arg(long)]
    lever: String,
    /// First value.
    #[arg(long)]
    from: String,
    /// Last value (included when the steps land on it).
    #[arg(long)]
    to: String,
    /// Step between values.
    #[arg(long)]
    step: String,
    /// Policy to re-evaluate (default: the baseline).
    #[arg(long)]
    policy: Option<String>,
    /// Only practices of these kinds get the swept value (comma-separated; default: all).
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// Break-even target, e.g. "p_exhausted<=0.10@2035": writes breakeven.csv.
    #[arg(long)]
    target: Option<String>,
    #[command(flatten)]
    run: RunOptions,
}

#[derive(Debug, clap::Args)]
struct SensitivityArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Metric: margin (mean margin), margin_p50, p_negative, p_distress or p_exhausted.
    #[arg(long, default_value = "margin")]
    metric: String,
    /// Calendar year to read the metric in (default: the final year).
    #[arg(long)]
    year: Option<i32>,
    /// Policy the drivers are varied under (default: the baseline).
    #[arg(long)]
    policy: Option<String>,
    #[command(flatten)]
    run: RunOptions,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file.
    scenario: PathBuf,
    #[command(flatten)]
    run: RunOptions,
    /// Print evaluations, wall time, evaluations per second and peak memory.
    #[arg(long)]
    stats: bool,
    /// Also write each chart as PNG (SVG is always written; `seqsim report` writes both).
    #[arg(long)]
    png: bool,
    /// Add paths until every margin mean and probability has a standard error at most this (e.g. 0.0025).
    #[arg(long, value_name = "SE")]
    precision: Option<f64>,
    /// The most paths --precision may use.
    #[arg(long, value_name = "N", default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    max_paths: u64,
    /// Group a cohort's facilities by these columns (attribute columns or kind) for groups.csv.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    by: Vec<String>,
    /// Run only shard I of K (0-based) and write its accumulator state for `seqsim merge`.
    #[arg(long, value_name = "I/K", value_parser = parse_shard)]
    shard: Option<(u64, u64)>,
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn invalid(message: impl ToString) -> Failure {
        Failure { code: 1, message: message.to_string() }
    }
    fn usage(message: impl ToString) -> Failure {
        Failure { code: 2, message: message.to_string() }
    }
}

/// Set by the Ctrl-C handler; the engine stops at the next chunk.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit code of an interrupted run (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

/// Replaces Rust's panic message (and backtrace) with a short bug report.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // `println!` panics when the reader of standard output has gone
        // (`seqsim run ... | head`): results are already in place by then,
        // so end quietly as a Unix tool does on SIGPIPE (128 + 13).
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        let location = info.location().map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!(
            "seqsim {} hit an internal error{location}. This is a bug in seqsim, not in your scenario: \
             please report it with the command you ran and the scenario file. No results were written.",
            env!("CARGO_PKG_VERSION")
        );
    }));
}

/// Parses the command line, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Validate { scenarios, imports } => validate(&scenarios, &imports),
        Command::Ledger { scenario, csv, policy, practice, imports } => {
            ledger_command(&scenario, &imports, csv.as_deref(), policy.as_deref(), practice.as_deref())
        }
        Command::Run(args) => run_command(&args),
        Command::Sweep(args) => sweep_command(&args),
        Command::Report { results, output } => {
            let page = output.unwrap_or_else(|| results.join("report.html"));
            report::write_report(&results, &page).map_err(|e| Failure::invalid(format!("error: {e}")))?;
            println!("Report written to {}", page.display());
            Ok(())
        }
        Command::Sensitivity(args) => sensitivity_command(&args),
        Command::Backtest(args) => backtest::command(&args),
        Command::Calibrate(args) => calibrate::command(&args),
        Command::Merge { shards, out, force } => merge_command(&shards, &out, force),
        Command::Import(ImportCommand::CmsCostReport { files, out, include_types, force }) => {
            import_cms_command(&files, &out, include_types, force)
        }
    }
}

fn print_warnings(loaded: &Loaded) {
    for warning in &loaded.warnings {
        eprintln!("{}", warning.render(&loaded.path));
    }
}

fn load(path: &Path, imports: &[PathBuf]) -> Result<Loaded, Failure> {
    let mut loaded = scenario::load_with_imports(path, imports).map_err(|e| match e {
        LoadError::Read { .. } | LoadError::Directory { .. } => Failure::usage(e),
        other => Failure::invalid(other),
    })?;
    print_warnings(&loaded);
    attach_cohort(&mut loaded)?;
    Ok(loaded)
}

/// Reads a scenario's cohort file (relative to the scenario file), checks
/// every row and adds the facilities as practices.
fn attach_cohort(loaded: &mut Loaded) -> Result<(), Failure> {
    let Some(spec) = loaded.scenario.cohort.clone() else { return Ok(()) };
    let file = cohort_file(&loaded.path, &spec);
    add_facilities(&mut loaded.scenario, &loaded.path, &file)
}

/// Where a scenario's cohort table is: relative to the scenario file.
fn cohort_file(scenario_path: &Path, spec: &scenario::CohortSpec) -> PathBuf {
    scenario_path.parent().unwrap_or(Path::new(".")).join(&spec.file)
}

/// Reads the cohort table `file`, checks every row and adds the facilities
/// to the scenario's practices.
fn add_facilities(scenario: &mut scenario::Scenario, scenario_path: &Path, file: &Path) -> Result<(), Failure> {
    let Some(spec) = scenario.cohort.clone() else { return Ok(()) };
    let table = report::read::cohort_table(file).map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let label = file.display().to_string();
    let facilities =
        scenario::cohort::practices(&spec, &table, &label, &scenario.practices).map_err(Failure::invalid)?;
    scenario.practices.extend(facilities);
    if scenario.practices.is_empty() {
        return Err(Failure::invalid(format!("error: {label}: the cohort has no rows and the scenario no practices")));
    }
    let unknown = scenario::cohort::unknown_kinds(scenario);
    if !unknown.is_empty() {
        let lines: Vec<String> = unknown.iter().map(|u| format!("{}: error: {u}", scenario_path.display())).collect();
        return Err(Failure::invalid(lines.join("\n")));
    }
    Ok(())
}

fn validate(paths: &[PathBuf], imports: &[PathBuf]) -> Result<(), Failure> {
    let mut worst = 0u8;
    let mut failed = 0usize;
    for path in paths {
        match scenario::load_with_imports(path, imports) {
            Ok(mut loaded) => {
                print_warnings(&loaded);
                if let Err(failure) = attach_cohort(&mut loaded) {
                    eprintln!("{}", failure.message);
                    worst = worst.max(failure.code);
                    failed += 1;
                    continue;
                }
                let s = &loaded.scenario;
                let laws: Vec<String> = s.imports.iter().map(|i| format!("; imports {}", i.citation())).collect();
                println!(
                    "{}: valid ({} practices, {} policies, {}–{}{})",
                    path.display(),
                    s.practices.len(),
                    s.policies.len(),
                    s.start_year,
                    s.start_year + s.years as i32 - 1,
                    laws.concat()
                );
            }
            Err(err) => {
                let code = match err {
                    LoadError::Read { .. } | LoadError::Directory { .. } => 2,
                    _ => 1,
                };
                eprintln!("{err}");
                worst = worst.max(code);
                failed += 1;
            }
        }
    }
    match worst {
        0 => Ok(()),
        code => Err(Failure { code, message: format!("{failed} of {} scenario files failed validation", paths.len()) }),
    }
}

fn provenance(loaded: &Loaded, seed: Option<u64>, paths: Option<u64>) -> Provenance {
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

fn ledger_command(
    path: &Path,
    imports: &[PathBuf],
    csv: Option<&Path>,
    policy: Option<&str>,
    practice: Option<&str>,
) -> Result<(), Failure> {
    let loaded = load(path, imports)?;
    let s = &loaded.scenario;
    if let Some(name) = policy {
        if !s.policies.iter().any(|p| p.name == name) {
            let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
            return Err(Failure::usage(format!(
                "error: --policy {name}: no such policy (policies: {})",
                names.join(", ")
            )));
        }
    }
    if let Some(id) = practice {
        if !s.practices.iter().any(|p| p.id == id) {
            let ids: Vec<&str> = s.practices.iter().map(|p| p.id.as_str()).collect();
            return Err(Failure::usage(format!(
                "error: --practice {id}: no such practice (practices: {})",
                ids.join(", ")
            )));
        }
    }
    let resolution = policy::resolve(s);
    let mut rows =
        ledger::ledger(s, &resolution).map_err(|e| Failure::invalid(format!("{}: error: {e}", path.display())))?;
    rows.retain(|r| policy.is_none_or(|p| r.policy == p) && practice.is_none_or(|p| r.practice == p));
    print!("{}", terminal::ledger(&rows));
    if let Some(csv) = csv {
        let provenance = provenance(&loaded, None, None);
        report::write_ledger_csv(csv, &rows, &provenance).map_err(|e| Failure::invalid(format!("error: {e}")))?;
        eprintln!("wrote {}", csv.display());
    }
    Ok(())
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Peak resident memory of this process in bytes (Linux), if known.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Memory the OS can give this process now (Linux `MemAvailable`), if known.
fn available_memory_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses runs whose estimated memory exceeds what is available.
fn check_resources(plan: &Plan, threads: usize) -> Result<(), Failure> {
    let needed = engine::memory_estimate(plan, threads);
    let Some(available) = available_memory_bytes() else { return Ok(()) };
    if needed > available {
        return Err(Failure::invalid(format!(
            "error: this run would need about {:.1} GB of memory ({} practices x {} policies x {} years on {threads} threads) \
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

fn default_out(scenario: &Path, suffix: &str) -> PathBuf {
    let stem = scenario.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("results").join(format!("{stem}{suffix}"))
}

impl RunOptions {
    /// Paths, seed and threads, falling back to the scenario's and the machine's.
    fn resolve(&self, scenario: &scenario::Scenario) -> (u64, u64, usize) {
        let threads =
            self.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);
        (self.paths.unwrap_or(scenario.paths), self.seed.unwrap_or(scenario.seed), threads)
    }
}

fn compile(loaded: &Loaded) -> Result<Plan, Failure> {
    Plan::compile(&loaded.scenario, &policy::resolve(&loaded.scenario))
        .map_err(|e| Failure::invalid(format!("{}: error: {e}", loaded.path.display())))
}

/// The index of `--policy NAME`, or the baseline.
fn policy_index(scenario: &scenario::Scenario, name: Option<&str>) -> Result<usize, Failure> {
    let Some(name) = name else { return Ok(scenario.baseline) };
    scenario.policies.iter().position(|p| p.name == name).ok_or_else(|| {
        let names: Vec<&str> = scenario.policies.iter().map(|p| p.name.as_str()).collect();
        Failure::usage(format!("error: --policy {name}: no such policy (policies: {})", names.join(", ")))
    })
}

fn interrupted_or(e: engine::EngineError) -> Failure {
    match e {
        engine::EngineError::Interrupted => {
            Failure { code: EXIT_INTERRUPTED, message: "interrupted: no results were written".into() }
        }
        other => Failure::invalid(format!("error: {other}")),
    }
}

/// Exit code when `--precision` was not reached within `--max-paths`.
const EXIT_IMPRECISE: u8 = 3;

/// `--precision SE --max-paths N`.
struct Precision {
    target: f64,
    max_paths: u64,
}

/// `run --precision`: the engine adds paths until every standard error is at
/// most the target (`analysis::until_precise`); then the run's outputs are
/// written as for a fixed run with that many paths (they are equal, bit for bit).
#[allow(clippy::too_many_arguments)]
fn precision_run(
    loaded: &Loaded,
    plan: &Plan,
    seed: u64,
    threads: usize,
    precision: Precision,
    out: &Path,
    force: bool,
    started: String,
    png: bool,
    by: &[String],
) -> Result<(), Failure> {
    let Precision { target, max_paths } = precision;
    let staging = begin_staging(out, force)?;
    let proceed = |_: u64| !INTERRUPTED.load(Ordering::Relaxed);
    let step = |paths: u64, largest: f64| {
        eprintln!("precision: {paths} paths, largest standard error {largest:.5} (target {target})");
    };
    let precise =
        analysis::until_precise(plan, seed, threads, target, max_paths, &proceed, &step).map_err(interrupted_or)?;
    let (done, reached, largest) = (precise.paths, precise.reached, precise.largest_standard_error);
    let provenance = provenance(loaded, Some(seed), Some(done));
    let extra = serde_json::json!({
        "threads": threads,
        "evaluations": plan.evaluations_per_path() * done,
        "precision": {"target": target, "reached": reached, "largest_standard_error": largest, "paths": done, "max_paths": max_paths},
    });
    if loaded.scenario.cohort.is_some() {
        let mut extra = extra;
        if let Some(object) = extra.as_object_mut() {
            object.insert("description".into(), serde_json::json!(loaded.scenario.description));
        }
        finish_cohort(staging, plan, &precise.accumulator, by, &provenance, started, extra)?;
    } else {
        let attribution = analysis::attribution_runs(plan, seed, 0..done, threads, &proceed).map_err(interrupted_or)?;
        let description = loaded.scenario.description.as_deref();
        finish(staging, plan, &precise.accumulator, &attribution, &provenance, description, started, extra, png)?;
    }
    if reached {
        println!("Precision reached: every standard error <= {target} with {done} paths");
        Ok(())
    } else {
        Err(Failure {
            code: EXIT_IMPRECISE,
            message: format!(
                "precision not reached: the largest standard error is {largest:.5} > {target} at --max-paths {max_paths}; \
                 results were written but are less precise than asked (raise --max-paths)"
            ),
        })
    }
}

/// Parses an exact decimal option.
fn decimal_option(name: &str, text: &str) -> Result<rust_decimal::Decimal, Failure> {
    text.trim()
        .parse::<rust_decimal::Decimal>()
        .map_err(|_| Failure::usage(format!("error: --{name} {text}: not a number")))
}

fn sweep_command(args: &SweepArgs) -> Result<(), Failure> {
    catch_interrupts();
    let started = utc_timestamp(now());
    let loaded = load(&args.scenario, &args.run.imports)?;
    let s = &loaded.scenario;
    let (paths, seed, threads) = args.run.resolve(s);
    let lever = engine::SweptLever::from_name(&args.lever).ok_or_else(|| {
        Failure::usage(format!("error: --lever {}: use sequestration, medicare_update or medicare_add_on", args.lever))
    })?;
    let (from, to, step) =
        (decimal_option("from", &args.from)?, decimal_option("to", &args.to)?, decimal_option("step", &args.step)?);
    if step <= rust_decimal::Decimal::ZERO || from > to {
        return Err(Failure::usage("error: the sweep needs --from <= --to and --step > 0"));
    }
    let count = ((to - from) / step).floor();
    if count > rust_decimal::Decimal::from(1000) {
        return Err(Failure::usage("error: the sweep would have more than 1001 values; use a larger --step"));
    }
    let values: Vec<rust_decimal::Decimal> =
        (0..=count.try_into().unwrap_or(0u32)).map(|i| from + step * rust_decimal::Decimal::from(i)).collect();
    let (low, high) = match lever {
        engine::SweptLever::Sequestration => (rust_decimal::Decimal::ZERO, rust_decimal::Decimal::new(5, 1)),
        _ => (rust_decimal::Decimal::new(-99, 2), rust_decimal::Decimal::from(1000)),
    };
    if from < low || to > high {
        return Err(Failure::usage(format!("error: {} must stay between {low} and {high} in a sweep", lever.name())));
    }
    let base = policy_index(s, args.policy.as_deref())?;
    let kinds = s.kinds();
    if let Some(unknown) = args.kinds.iter().find(|k| !kinds.contains(k)) {
        return Err(Failure::usage(format!(
            "error: --kinds {unknown}: no practice has that kind (kinds: {})",
            kinds.join(", ")
        )));
    }
    let target = args
        .target
        .as_deref()
        .map(analysis::Target::parse)
        .transpose()
        .map_err(|e| Failure::usage(format!("error: --target {e}")))?;
    let plan = compile(&loaded)?;
    if !args.run.skip_resource_check {
        check_resources(&plan.lever_variants(base, lever, &vec![Vec::new(); values.len()], &[], &[]), threads)?;
    }
    let selected: Vec<bool> =
        plan.practices.iter().map(|p| args.kinds.is_empty() || args.kinds.contains(&p.kind)).collect();
    let out = args.run.out.clone().unwrap_or_else(|| default_out(&args.scenario, "-sweep"));
    let mut staging = begin_staging(&out, args.run.force)?;
    let spec = analysis::RunSpec { seed, paths, threads };
    let grid: Vec<f64> = values.iter().map(|v| rust_decimal::prelude::ToPrimitive::to_f64(v).unwrap_or(0.0)).collect();
    let proceed = |_: u64| !INTERRUPTED.load(Ordering::Relaxed);
    let result = analysis::sweep(&plan, base, lever, &grid, &selected, &spec, &proceed).and_then(|rows| {
        let breakeven = match &target {
            Some(target) => Some(analysis::break_even(&plan, base, lever, &grid, &selected, &rows, target, &spec)?),
            None => None,
        };
        Ok((rows, breakeven))
    });
    let (rows, breakeven) = result.map_err(interrupted_or)?;
    let provenance = provenance(&loaded, Some(seed), Some(paths));
    let final_year = plan.start_year + plan.years as i32 - 1;
    let chart_year = target.as_ref().map_or(final_year, |t| t.year);
    let practices: Vec<String> =
        plan.practices.iter().zip(&selected).filter(|(_, s)| **s).map(|(p, _)| p.id.clone()).collect();
    let extra = serde_json::json!({
        "sweep": {"lever": lever.name(), "policy": plan.policies[base].name, "from": from.to_string(), "to": to.to_string(), "step": step.to_string(), "kinds": args.kinds, "target": args.target},
    });
    let times = RunTimes { started, finished: utc_timestamp(now()) };
    let breakeven_pair = breakeven.as_deref().zip(target.as_ref().map(|t| t.text.as_str()));
    report::write_sweep(
        &mut staging,
        &rows,
        &grid,
        &practices,
        chart_year,
        lever.name(),
        breakeven_pair,
        &provenance,
        &times,
        extra,
    )
    .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let out = staging.commit().map_err(|e| Failure::invalid(format!("error: {e}")))?;
    if let (Some(results), Some(target)) = (&breakeven, &target) {
        println!("Break-even {} for {}:", lever.name(), target.text);
        for r in results {
            let value = r.value.map_or_else(|| "-".to_string(), |v| format!("{:.4}%", v * 100.0));
            println!("  {:<28} {:>10}  {}", r.practice, value, r.status);
        }
    }
    println!("Sweep of {} over {} values written to {}", lever.name(), values.len(), out.display());
    Ok(())
}

fn sensitivity_command(args: &SensitivityArgs) -> Result<(), Failure> {
    catch_interrupts();
    let started = utc_timestamp(now());
    let loaded = load(&args.scenario, &args.run.imports)?;
    let s = &loaded.scenario;
    let (paths, seed, threads) = args.run.resolve(s);
    let metric = analysis::Metric::from_name(&args.metric).ok_or_else(|| {
        Failure::usage(format!(
            "error: --metric {}: use margin, margin_p50, p_negative, p_distress or p_exhausted",
            args.metric
        ))
    })?;
    let final_year = s.start_year + s.years as i32 - 1;
    let year = args.year.unwrap_or(final_year);
    if year < s.start_year || year > final_year {
        return Err(Failure::usage(format!(
            "error: --year {year}: the scenario projects {}–{final_year}",
            s.start_year
        )));
    }
    let policy = policy_index(s, args.policy.as_deref())?;
    let plan = compile(&loaded)?;
    if !args.run.skip_resource_check {
        check_resources(&plan, threads)?;
    }
    let out = args.run.out.clone().unwrap_or_else(|| default_out(&args.scenario, "-sensitivity"));
    let mut staging = begin_staging(&out, args.run.force)?;
    let spec = analysis::RunSpec { seed, paths, threads };
    let rows = analysis::tornado(&plan, policy, metric, year, &spec).map_err(interrupted_or)?;
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Failure { code: EXIT_INTERRUPTED, message: "interrupted: no results were written".into() });
    }
    let provenance = provenance(&loaded, Some(seed), Some(paths));
    let extra = serde_json::json!({"sensitivity": {"metric": metric.name(), "year": year, "policy": plan.policies[policy].name, "method": "driver held at its P10 and P90 while the others vary, same draws; levers: baseline vs each policy"}});
    let times = RunTimes { started, finished: utc_timestamp(now()) };
    report::write_tornado(&mut staging, &rows, metric.name(), year, &provenance, &times, extra)
        .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let out = staging.commit().map_err(|e| Failure::invalid(format!("error: {e}")))?;
    println!("Largest factors for {} in {year}:", metric.name());
    for practice in &plan.practices {
        let top: Vec<String> = rows
            .iter()
            .filter(|r| r.practice == practice.id)
            .take(3)
            .map(|r| format!("{} ({}) {:.2} pp", r.factor, r.factor_type, r.swing * 100.0))
            .collect();
        println!("  {:<28} {}", practice.id, top.join(", "));
    }
    println!("Sensitivity written to {}", out.display());
    Ok(())
}

/// Lets Ctrl-C stop a run at the next chunk so its staging directory is
/// removed. Failing to install the handler is not fatal: Ctrl-C then ends the
/// process at once, still leaving no half-written table in place.
fn catch_interrupts() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

fn run_command(args: &RunArgs) -> Result<(), Failure> {
    catch_interrupts();
    let started_clock = Instant::now();
    let started = utc_timestamp(now());
    let loaded = load(&args.scenario, &args.run.imports)?;
    let s = &loaded.scenario;
    let (paths, seed, threads) = args.run.resolve(s);
    if args.precision.is_some() && args.shard.is_some() {
        return Err(Failure::usage(
            "error: --precision and --shard cannot be combined; run the shards with a fixed --paths",
        ));
    }
    if let Some(target) = args.precision {
        if !(target > 0.0 && target.is_finite()) {
            return Err(Failure::usage(format!(
                "error: --precision {target}: give a standard error above 0, e.g. 0.0025"
            )));
        }
    }
    let out = args.run.out.clone().unwrap_or_else(|| default_out(&args.scenario, ""));
    let mut plan = compile(&loaded)?;
    let cohort = s.cohort.is_some();
    if !args.by.is_empty() && !cohort {
        return Err(Failure::usage("error: --by groups the facilities of a scenario with a `cohort:` table"));
    }
    if cohort {
        plan.cell_histograms = false;
        let missing = plan.group_by(&args.by);
        if !missing.is_empty() {
            return Err(Failure::usage(format!(
                "error: --by {}: no such column in the cohort file",
                missing.join(", ")
            )));
        }
    }
    if !args.run.skip_resource_check {
        check_resources(&plan, threads)?;
    }
    if let Some(target) = args.precision {
        let precision = Precision { target, max_paths: args.max_paths };
        return precision_run(
            &loaded,
            &plan,
            seed,
            threads,
            precision,
            &out,
            args.run.force,
            started,
            args.png,
            &args.by,
        );
    }
    let mut staging = begin_staging(&out, args.run.force)?;
    let range = match args.shard {
        Some((index, count)) => engine::shard_paths(paths, index, count),
        None => 0..paths,
    };
    // Policies stacked on a base other than the baseline need one more run
    // per base for attribution.csv (cohort runs write no attribution).
    let attribution_bases = if cohort { 0 } else { analysis::attribution_bases(&plan).len() as u64 };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new((range.end - range.start) * (1 + attribution_bases));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} paths ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let done = AtomicU64::new(0);
    let progress = |n: u64| {
        let total = done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &bar {
            bar.set_position(total);
        }
        !INTERRUPTED.load(Ordering::Relaxed)
    };
    let simulated = engine::simulate(&plan, seed, range.clone(), threads, &progress).and_then(|acc| {
        let attribution = if cohort {
            Vec::new()
        } else {
            analysis::attribution_runs(&plan, seed, range.clone(), threads, &progress)?
        };
        Ok((acc, attribution))
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let (acc, attribution) = simulated.map_err(interrupted_or)?;
    let simulated_at = started_clock.elapsed();
    let provenance = provenance(&loaded, Some(seed), Some(paths));
    if let Some((index, count)) = args.shard {
        let cohort = match &s.cohort {
            Some(spec) => {
                let file = cohort_file(&loaded.path, spec);
                let bytes = std::fs::read(&file).map_err(|e| {
                    Failure::invalid(format!("error: {}: cannot read the cohort file: {e}", file.display()))
                })?;
                Some(shard::CohortShard {
                    file: file.display().to_string(),
                    sha256: scenario::hex(&sha2::Sha256::digest(&bytes)),
                    by: args.by.clone(),
                })
            }
            None => None,
        };
        let header = shard::ShardHeader {
            cohort,
            tool_version: provenance.version.clone(),
            scenario_path: provenance.scenario_path.clone(),
            scenario_sha256: provenance.scenario_sha256.clone(),
            seed,
            paths,
            index,
            count,
            path_start: range.start,
            path_end: range.end,
        };
        let written = staging
            .write(shard::SHARD_FILE, &shard::encode(&header, &loaded.bytes, &loaded.imports, &acc, &attribution));
        written.map_err(|e| Failure::invalid(format!("error: {e}")))?;
        let out = staging.commit().map_err(|e| Failure::invalid(format!("error: {e}")))?;
        println!(
            "Shard {index}/{count}: paths {}..{} of {paths} written to {}; merge all {count} shards with `seqsim merge`",
            range.start,
            range.end,
            out.join(shard::SHARD_FILE).display()
        );
    } else if cohort {
        let extra = serde_json::json!({"threads": threads, "evaluations": plan.evaluations_per_path() * paths, "description": s.description});
        finish_cohort(staging, &plan, &acc, &args.by, &provenance, started, extra)?;
    } else {
        let extra = serde_json::json!({"threads": threads, "evaluations": plan.evaluations_per_path() * paths});
        finish(staging, &plan, &acc, &attribution, &provenance, s.description.as_deref(), started, extra, args.png)?;
    }
    if args.stats {
        let paths = range.end - range.start;
        let evaluations = plan.evaluations_per_path() * paths;
        let computed = plan.computed_evaluations_per_path() * paths;
        let wall = started_clock.elapsed().as_secs_f64();
        let peak = peak_rss_bytes().map_or_else(|| "unknown".to_string(), |b| format!("{:.1} MB", b as f64 / 1e6));
        eprintln!(
            "stats: {evaluations} evaluations ({} practices x {} policies x {} years x {paths} paths), {computed} computed \
             and the rest copied from identical policies ({:.1}% saved), on {threads} threads; simulation {:.3} s, \
             total {wall:.3} s; {:.1} M evaluations/s; peak RSS {peak}",
            plan.practices.len(),
            plan.policies.len(),
            plan.years,
            100.0 * (1.0 - computed as f64 / evaluations.max(1) as f64),
            simulated_at.as_secs_f64(),
            evaluations as f64 / wall / 1e6,
        );
    }
    Ok(())
}

/// Starts a results directory (see `Staging`), saying which leftovers of
/// killed runs it removed on the way.
fn begin_staging(out: &Path, force: bool) -> Result<Staging, Failure> {
    let staging = Staging::begin(out, force).map_err(|e| Failure::invalid(format!("error: {e}")))?;
    for leftover in staging.leftovers_removed() {
        eprintln!("note: removed {}, left by a seqsim run that no longer exists", leftover.display());
    }
    Ok(staging)
}

/// Summarises a cohort run's accumulator, writes its outputs (facilities,
/// groups by `by`, national, brief, manifest) and moves the directory into place.
fn finish_cohort(
    mut staging: Staging,
    plan: &Plan,
    acc: &engine::Accumulator,
    by: &[String],
    provenance: &Provenance,
    started: String,
    mut extra: serde_json::Value,
) -> Result<(), Failure> {
    let summary = summary::summarize(plan, acc);
    let groups = summary::groups(plan, acc, &summary.summary);
    if let Some(object) = extra.as_object_mut() {
        object.insert("cohort".into(), serde_json::json!({"facilities": plan.practices.len(), "by": by}));
    }
    let times = RunTimes { started, finished: utc_timestamp(now()) };
    report::write_cohort_run(&mut staging, plan, &summary, &groups, by, provenance, &times, extra)
        .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Failure { code: EXIT_INTERRUPTED, message: "interrupted: no results were written".into() });
    }
    let out = staging.commit().map_err(|e| Failure::invalid(format!("error: {e}")))?;
    print!("{}", terminal::cohort_headline(plan, &summary));
    println!("Results written to {}", out.display());
    Ok(())
}

/// Summarises an accumulator, writes every run output and moves the directory into place.
#[allow(clippy::too_many_arguments)]
fn finish(
    mut staging: Staging,
    plan: &Plan,
    acc: &engine::Accumulator,
    attribution_runs: &[engine::Accumulator],
    provenance: &Provenance,
    description: Option<&str>,
    started: String,
    extra: serde_json::Value,
    png: bool,
) -> Result<(), Failure> {
    let summary = summary::summarize(plan, acc);
    let attribution = analysis::attribution(plan, &summary.compare, attribution_runs);
    let times = RunTimes { started, finished: utc_timestamp(now()) };
    report::write_run(&mut staging, plan, &summary, &attribution, provenance, description, &times, extra, png)
        .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Failure { code: EXIT_INTERRUPTED, message: "interrupted: no results were written".into() });
    }
    let out = staging.commit().map_err(|e| Failure::invalid(format!("error: {e}")))?;
    print!("{}", terminal::headline(plan, &summary));
    println!("Results written to {}", out.display());
    Ok(())
}

/// `seqsim import cms-cost-report`: writes the cohort table and, beside it,
/// `<stem>.import.json` with every drop and estimation rule.
fn import_cms_command(
    files: &[PathBuf],
    out: &Path,
    include_types: Vec<crate::import::cms::FacilityType>,
    force: bool,
) -> Result<(), Failure> {
    use crate::import::cms;
    let report_path = out.with_extension("import.json");
    for path in [out, report_path.as_path()] {
        if path.exists() && !force {
            return Err(Failure::invalid(format!(
                "error: {} exists; pass --force to replace it or choose another --out",
                path.display()
            )));
        }
    }
    let import = cms::import(files, &cms::ImportOptions { include_types })
        .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let mut table = Vec::new();
    cms::write_cohort_csv(&import, &mut table).map_err(|e| Failure::invalid(format!("error: {e}")))?;
    report::output::write_atomic(out, &table).map_err(|e| Failure::invalid(format!("error: {e}")))?;
    report::output::write_atomic(&report_path, cms::report_json(&import).as_bytes())
        .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let r = &import.report;
    println!(
        "{} reports read, {} hospitals kept, {} reports dropped (release {})",
        r.rows_read,
        r.rows_kept,
        r.rows_dropped,
        r.release_year.map_or_else(|| "unknown".to_string(), |y| y.to_string())
    );
    for (kind, totals) in &r.kept_by_kind {
        println!("  kept {kind:<28} {:>6}", totals.count);
    }
    for drop in r.dropped.iter().filter(|d| d.count > 0) {
        println!("  dropped {:<26} {:>6}", drop.reason.to_string(), drop.count);
    }
    println!("Cohort written to {} (rules and drops in {})", out.display(), report_path.display());
    Ok(())
}

fn merge_command(paths: &[PathBuf], out: &Path, force: bool) -> Result<(), Failure> {
    catch_interrupts();
    let started = utc_timestamp(now());
    let shards = paths
        .iter()
        .map(|p| shard::read(p))
        .collect::<Result<Vec<_>, _>>()
        .and_then(shard::check_set)
        .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let first = &shards[0];
    let loaded = embedded_scenario(first)?;
    let mut plan = compile(&loaded)?;
    let by = first.header.cohort.as_ref().map(|c| c.by.clone()).unwrap_or_default();
    if loaded.scenario.cohort.is_some() {
        plan.cell_histograms = false;
        plan.group_by(&by);
    }
    let (acc, attribution) = merged_accumulators(&plan, &shards, loaded.scenario.cohort.is_some())?;
    let staging = begin_staging(out, force)?;
    let provenance = provenance(&loaded, Some(first.header.seed), Some(first.header.paths));
    let mut extra = serde_json::json!({
        "merged_shards": shards.iter().map(|s| s.file.display().to_string()).collect::<Vec<_>>(),
        "evaluations": plan.evaluations_per_path() * first.header.paths,
    });
    if loaded.scenario.cohort.is_some() {
        if let Some(object) = extra.as_object_mut() {
            object.insert("description".into(), serde_json::json!(loaded.scenario.description));
        }
        return finish_cohort(staging, &plan, &acc, &by, &provenance, started, extra);
    }
    let description = loaded.scenario.description.as_deref();
    finish(staging, &plan, &acc, &attribution, &provenance, description, started, extra, false)
}

/// The scenario a shard embeds, with its embedded imports and, for a cohort
/// run, its cohort table read again from where `run` read it (checked
/// against the SHA-256 the shard recorded).
fn embedded_scenario(first: &shard::Shard) -> Result<Loaded, Failure> {
    let origin = PathBuf::from(&first.header.scenario_path);
    let text = std::str::from_utf8(&first.scenario).map_err(|_| {
        Failure::invalid(format!("error: {}: the embedded scenario is not UTF-8", first.file.display()))
    })?;
    let embedded = &first.imports;
    let mut read = |origin: scenario::ImportOrigin, written: &str| {
        embedded
            .iter()
            .find(|i| i.origin == origin && i.written == written)
            .map(|i| (i.path.clone(), i.bytes.clone()))
            .ok_or_else(|| "not embedded in the shard; rerun the shards with this seqsim".to_string())
    };
    let extra: Vec<String> = embedded
        .iter()
        .filter(|i| i.origin == scenario::ImportOrigin::CommandLine)
        .map(|i| i.written.clone())
        .collect();
    let parsed = scenario::parse_with_imports(text, &extra, &mut read);
    let Some(mut scenario) = parsed.scenario else {
        return Err(Failure::invalid(LoadError::Invalid { path: origin, diagnostics: parsed.diagnostics }));
    };
    if scenario.cohort.is_some() {
        let Some(cohort) = &first.header.cohort else {
            return Err(Failure::invalid(format!(
                "error: {}: the scenario has a cohort but the shard does not record its table; rerun the shards with this seqsim",
                first.file.display()
            )));
        };
        let file = PathBuf::from(&cohort.file);
        let bytes = std::fs::read(&file).map_err(|e| {
            Failure::invalid(format!(
                "error: {}: cannot read the cohort table the shards were run on: {e}; merge where that file is",
                file.display()
            ))
        })?;
        if scenario::hex(&sha2::Sha256::digest(&bytes)) != cohort.sha256 {
            return Err(Failure::invalid(format!(
                "error: {}: the cohort table changed since the shards were run (SHA-256 differs); rerun the shards",
                file.display()
            )));
        }
        add_facilities(&mut scenario, &origin, &file)?;
    }
    Ok(Loaded {
        scenario,
        warnings: Vec::new(),
        path: origin,
        sha256: first.header.scenario_sha256.clone(),
        bytes: first.scenario.clone(),
        imports: parsed.imports,
    })
}

/// The shards' accumulators merged: the run's and, for an archetype run,
/// each attribution run's. Every shard must fit `plan`.
fn merged_accumulators(
    plan: &Plan,
    shards: &[shard::Shard],
    cohort: bool,
) -> Result<(engine::Accumulator, Vec<engine::Accumulator>), Failure> {
    let mut acc = engine::Accumulator::new(plan.layout());
    let bases = if cohort { Vec::new() } else { analysis::attribution_bases(plan) };
    let mut attribution: Vec<engine::Accumulator> = bases
        .into_iter()
        .map(|base| engine::Accumulator::new(analysis::attribution_plan(plan, base).layout()))
        .collect();
    for shard in shards {
        let attribution_fits = shard.attribution.len() == attribution.len()
            && shard.attribution.iter().zip(&attribution).all(|(a, b)| a.layout == b.layout);
        if shard.accumulator.layout != plan.layout() || !attribution_fits {
            return Err(Failure::invalid(format!(
                "error: {}: its tables do not match its scenario; rerun that shard",
                shard.file.display()
            )));
        }
        acc.merge(&shard.accumulator);
        for (total, part) in attribution.iter_mut().zip(&shard.attribution) {
            total.merge(part);
        }
    }
    let expected = shards.first().map_or(0, |s| s.header.paths);
    if acc.paths != expected {
        return Err(Failure::invalid(format!(
            "error: the shards hold {} paths but the run had {expected}; rerun the shards",
            acc.paths
        )));
    }
    Ok((acc, attribution))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
