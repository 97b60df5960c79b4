//! `seqsim run SCENARIO`: the Monte Carlo run and its evidence tables; with
//! `--precision`, grown until the standard errors are small enough; with
//! `--shard I/K`, one shard's accumulator state for `seqsim merge`.
//! `finish` writes a finished run's outputs and is shared with `merge`.

use std::path::PathBuf;
use std::time::Instant;

use sha2::Digest;

use super::context::{self, begin_staging, check_resources, compile, provenance, Progress};
use super::options::{parse_precision, parse_shard, Resolved, RunOptions};
use super::CliError;
use crate::analysis;
use crate::engine::{self, summary, Accumulator, Plan};
use crate::report::pipeline::{self, simulate, Finished};
use crate::report::{self, shard, terminal, PrecisionRecord, Provenance, RunFacts, Staging};
use crate::scenario::{self, Loaded};
use crate::system;

#[derive(Debug, clap::Args)]
pub(super) struct RunArgs {
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
    #[arg(long, value_name = "SE", value_parser = parse_precision, conflicts_with = "shard")]
    precision: Option<f64>,
    /// The most paths --precision may use.
    #[arg(long, value_name = "N", default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    max_paths: u64,
    /// Group a cohort's facilities by these columns (attribute columns or kind) for groups.csv.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    by: Vec<String>,
    /// Run only shard I of K (0-based) and write its accumulator state for `seqsim merge`.
    #[arg(long, value_name = "I/K", value_parser = parse_shard, conflicts_with = "no_cost_response")]
    shard: Option<(u64, u64)>,
    /// Also run the scenario without its cost responses, on the same paths,
    /// and state each policy's effect both ways (readings.csv, brief.md,
    /// evidence.xlsx): spending the practice need not cut with the
    /// response, margin change without it. Archetype runs, unsharded.
    #[arg(long, conflicts_with_all = ["shard", "precision", "no_cost_response"])]
    both_readings: bool,
}

/// A run being carried out: its scenario, plan and settings.
struct RunContext<'a> {
    clock: Instant,
    args: &'a RunArgs,
    loaded: &'a Loaded,
    plan: &'a Plan,
    settings: Resolved,
    started: String,
}

pub(super) fn command(args: &RunArgs) -> Result<(), CliError> {
    context::catch_interrupts();
    let clock = Instant::now();
    let started = context::timestamp();
    let loaded = args.run.load(&args.scenario)?;
    let settings = args.run.resolve(&loaded.scenario, &args.scenario, "");
    let plan = grouped_plan(&loaded, &args.by)?;
    if !args.run.skip_resource_check {
        check_resources(&plan, settings.threads)?;
    }
    let run = RunContext { clock, args, loaded: &loaded, plan: &plan, settings, started };
    if let Some(target) = args.precision {
        return precision_run(&run, target);
    }
    let simulated_in = fixed_run(&run)?;
    if args.stats {
        let range = paths_of(&run);
        print_stats(&plan, range.end - range.start, run.settings.threads, simulated_in, clock);
    }
    Ok(())
}

/// The compiled plan; for a cohort, grouped by `--by` (which needs a cohort).
pub(super) fn grouped_plan(loaded: &Loaded, by: &[String]) -> Result<Plan, CliError> {
    let mut plan = compile(loaded)?;
    if loaded.scenario.cohort.is_none() {
        if !by.is_empty() {
            return Err(CliError::usage("--by groups the facilities of a scenario with a `cohort:` table"));
        }
        return Ok(plan);
    }
    plan.cell_histograms = false;
    let missing = plan.group_by(by);
    if !missing.is_empty() {
        return Err(CliError::usage(format!("--by {}: no such column in the cohort file", missing.join(", "))));
    }
    Ok(plan)
}

/// The paths this process runs: all, or its shard's.
fn paths_of(run: &RunContext<'_>) -> std::ops::Range<u64> {
    match run.args.shard {
        Some((index, count)) => engine::shard_paths(run.settings.paths, index, count),
        None => 0..run.settings.paths,
    }
}

/// A run with a fixed number of paths (or one shard of it); returns how
/// long the command took up to the end of the simulation.
fn fixed_run(run: &RunContext<'_>) -> Result<std::time::Duration, CliError> {
    let Resolved { paths, seed, threads, ref out } = run.settings;
    let without_response = if run.args.both_readings { Some(reading_plan(run)?) } else { None };
    let staging = begin_staging(out, run.args.run.force)?;
    let range = paths_of(run);
    let cohort = run.loaded.scenario.cohort.is_some();
    // Policies stacked on a base other than the baseline need one more run
    // per base for attribution.csv (cohort runs write no attribution).
    let progress = Progress::new((range.end - range.start) * runs_per_path(run.plan, cohort));
    let simulated = simulate(run.plan, seed, range.clone(), threads, cohort, &|n: u64| progress.advance(n));
    progress.finish();
    let (acc, attribution) = simulated?;
    let readings = match &without_response {
        Some(without) => second_reading(run.plan, without, &acc, seed, range.clone(), threads)?,
        None => Vec::new(),
    };
    let simulated_in = run.clock.elapsed();
    let provenance = provenance(run.loaded, Some(seed), Some(paths));
    if let Some((index, count)) = run.args.shard {
        write_shard(run, staging, (index, count), &acc, &attribution)?;
        return Ok(simulated_in);
    }
    let facts = facts(run, paths, None)?;
    let finished = Finished {
        plan: run.plan,
        acc: &acc,
        attribution: &attribution,
        cohort,
        by: &run.args.by,
        png: run.args.png,
        readings: &readings,
    };
    finish(staging, &finished, facts, &provenance, run.started.clone())?;
    Ok(simulated_in)
}

/// `--both-readings`: the plan without cost responses, checked before
/// anything is simulated.
fn reading_plan(run: &RunContext<'_>) -> Result<Plan, CliError> {
    if run.loaded.scenario.cohort.is_some() {
        return Err(CliError::usage(
            "--both-readings is for archetype scenarios; for a cohort, run it twice, once with --no-cost-response",
        ));
    }
    run.plan.without_cost_response().ok_or_else(|| {
        CliError::usage(
            "--both-readings: no practice of this scenario has a cost_response, so a cut has one reading (the margin change)",
        )
    })
}

/// `--both-readings`: the run again without cost responses, on the same
/// paths, and each policy's effect read both ways.
fn second_reading(
    plan: &Plan,
    without: &Plan,
    acc: &Accumulator,
    seed: u64,
    range: std::ops::Range<u64>,
    threads: usize,
) -> Result<Vec<analysis::ReadingRow>, CliError> {
    let progress = Progress::new(range.end - range.start);
    let second = engine::simulate(without, seed, range, threads, &|n: u64| progress.advance(n));
    progress.finish();
    let with = summary::summarize(plan, acc).compare;
    Ok(analysis::readings(&with, &summary::summarize(without, &second?).compare))
}

/// Paths an archetype run of `plan` simulates per path of the run: the run
/// and one attribution run per base other than the baseline.
pub(super) fn runs_per_path(plan: &Plan, cohort: bool) -> u64 {
    1 + if cohort { 0 } else { analysis::attribution_bases(plan).len() as u64 }
}

/// What the manifest records of a run of `paths` paths.
fn facts(run: &RunContext<'_>, paths: u64, precision: Option<PrecisionRecord>) -> Result<RunFacts, CliError> {
    Ok(RunFacts {
        description: run.loaded.scenario.description.clone(),
        evaluations: run.plan.evaluations_per_path() * paths,
        threads: Some(run.settings.threads),
        precision,
        merged_shards: None,
        track_record: context::track_record(run.loaded)?,
    })
}

/// Writes one shard's accumulators (with the scenario, its imports and its
/// cohort table's SHA-256) for `seqsim merge`.
fn write_shard(
    run: &RunContext<'_>,
    mut staging: Staging,
    (index, count): (u64, u64),
    acc: &Accumulator,
    attribution: &[Accumulator],
) -> Result<(), CliError> {
    let Resolved { paths, seed, .. } = run.settings;
    let loaded = run.loaded;
    let cohort = match &loaded.scenario.cohort {
        Some(spec) => {
            let file = context::cohort_file(&loaded.path, spec);
            let bytes = std::fs::read(&file).map_err(|source| CliError::Io {
                path: file.clone(),
                what: "cannot read the cohort file",
                source,
            })?;
            let sha256 = scenario::hex(&sha2::Sha256::digest(&bytes));
            Some(shard::CohortShard { file: file.display().to_string(), sha256, by: run.args.by.clone() })
        }
        None => None,
    };
    let range = engine::shard_paths(paths, index, count);
    let header = shard::ShardHeader {
        cohort,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_path: loaded.path.display().to_string(),
        scenario_sha256: loaded.sha256.clone(),
        seed,
        paths,
        index,
        count,
        path_start: range.start,
        path_end: range.end,
    };
    staging.write(shard::SHARD_FILE, &shard::encode(&header, &loaded.bytes, &loaded.imports, acc, attribution))?;
    let out = staging.commit()?;
    println!(
        "Shard {index}/{count}: paths {}..{} of {paths} written to {}; merge all {count} shards with `seqsim merge`",
        range.start,
        range.end,
        out.join(shard::SHARD_FILE).display()
    );
    Ok(())
}

/// `run --precision`: the engine adds paths until every standard error is at
/// most the target (`analysis::until_precise`); then the run's outputs are
/// written as for a fixed run with that many paths (they are equal, bit for bit).
fn precision_run(run: &RunContext<'_>, target: f64) -> Result<(), CliError> {
    let Resolved { seed, threads, ref out, .. } = run.settings;
    let max_paths = run.args.max_paths;
    let staging = begin_staging(out, run.args.run.force)?;
    let step = |paths: u64, largest: f64| {
        eprintln!("precision: {paths} paths, largest standard error {largest:.5} (target {target})");
    };
    let precise = analysis::until_precise(run.plan, seed, threads, target, max_paths, &context::proceed, &step)?;
    let (done, reached, largest) = (precise.paths, precise.reached, precise.largest_standard_error);
    let provenance = provenance(run.loaded, Some(seed), Some(done));
    let record = PrecisionRecord { target, reached, largest_standard_error: largest, paths: done, max_paths };
    let attribution = if run.loaded.scenario.cohort.is_some() {
        Vec::new()
    } else {
        analysis::attribution_runs(run.plan, seed, 0..done, threads, &context::proceed)?
    };
    let finished = Finished {
        plan: run.plan,
        acc: &precise.accumulator,
        attribution: &attribution,
        cohort: run.loaded.scenario.cohort.is_some(),
        by: &run.args.by,
        png: run.args.png,
        readings: &[],
    };
    finish(staging, &finished, facts(run, done, Some(record))?, &provenance, run.started.clone())?;
    if !reached {
        return Err(CliError::Imprecise { largest, target, max_paths });
    }
    println!("Precision reached: every standard error <= {target} with {done} paths");
    Ok(())
}

/// Summarises a finished run, writes its outputs (archetype or cohort),
/// moves the directory into place and prints the headline.
pub(super) fn finish(
    staging: Staging,
    finished: &Finished<'_>,
    facts: RunFacts,
    provenance: &Provenance,
    started: String,
) -> Result<(), CliError> {
    let written = write_finished(staging, finished, facts, provenance, started)?;
    print!("{}", terminal::run_headline(&written.record, &written.summary));
    println!("Results written to {}", written.out.display());
    Ok(())
}

/// A finished run's results directory, in place.
pub(super) struct Written {
    /// The directory.
    pub out: PathBuf,
    /// Its run record.
    pub record: report::RunRecord,
    /// The run's summary.
    pub summary: summary::Summary,
}

/// Writes a finished run's outputs (see [`pipeline::write()`]) and moves the
/// directory into place, unless Ctrl-C was pressed meanwhile.
pub(super) fn write_finished(
    mut staging: Staging,
    finished: &Finished<'_>,
    facts: RunFacts,
    provenance: &Provenance,
    started: String,
) -> Result<Written, CliError> {
    let (record, summary) = pipeline::write(&mut staging, finished, facts, provenance, &context::times_since(started))?;
    let out = context::commit(staging)?;
    Ok(Written { out, record, summary })
}

/// `--stats`: evaluations, time, throughput and peak memory, on stderr.
fn print_stats(plan: &Plan, paths: u64, threads: usize, simulated_in: std::time::Duration, clock: Instant) {
    let evaluations = plan.evaluations_per_path() * paths;
    let computed = plan.computed_evaluations_per_path() * paths;
    let wall = clock.elapsed().as_secs_f64();
    let peak = system::peak_rss_bytes().map_or_else(|| "unknown".to_string(), |b| format!("{:.1} MB", b as f64 / 1e6));
    eprintln!(
        "stats: {evaluations} evaluations ({} practices x {} policies x {} years x {paths} paths), {computed} computed \
         and the rest copied from identical policies ({:.1}% saved), on {threads} threads; simulation {:.3} s, \
         total {wall:.3} s; {:.1} M evaluations/s; peak RSS {peak}",
        plan.practices.len(),
        plan.policies.len(),
        plan.years,
        100.0 * (1.0 - computed as f64 / evaluations.max(1) as f64),
        simulated_in.as_secs_f64(),
        evaluations as f64 / wall / 1e6,
    );
}
