//! `seqsim merge SHARD_DIR... --out DIR`: merges the shards of one
//! `run --shard` into the outputs of a single run (the same bytes as the
//! unsharded run's tables).

use std::path::PathBuf;

use sha2::Digest;

use super::context::{self, add_facilities, begin_staging, compile, provenance};
use super::run::finish;
use super::CliError;
use crate::analysis;
use crate::engine::{Accumulator, Plan};
use crate::report::pipeline::Finished;
use crate::report::{shard, RunFacts};
use crate::scenario::{self, LoadError, Loaded};

#[derive(Debug, clap::Args)]
pub(super) struct MergeArgs {
    /// Shard output directories (or their shard.seqsim files), e.g. results/shard-*.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Output directory for the merged results.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing, non-empty output directory.
    #[arg(long)]
    force: bool,
}

pub(super) fn command(args: &MergeArgs) -> Result<(), CliError> {
    context::catch_interrupts();
    let started = context::timestamp();
    let shards = args.shards.iter().map(|p| shard::read(p)).collect::<Result<Vec<_>, _>>()?;
    let shards = shard::check_set(shards)?;
    let first = &shards[0];
    let loaded = embedded_scenario(first)?;
    let mut plan = compile(&loaded)?;
    let by = first.header.cohort.as_ref().map(|c| c.by.clone()).unwrap_or_default();
    let cohort = loaded.scenario.cohort.is_some();
    if cohort {
        plan.cell_histograms = false;
        plan.group_by(&by);
    }
    let (acc, attribution) = merged_accumulators(&plan, &shards, cohort)?;
    let staging = begin_staging(&args.out, args.force)?;
    let provenance = provenance(&loaded, Some(first.header.seed), Some(first.header.paths));
    let facts = RunFacts {
        description: loaded.scenario.description.clone(),
        evaluations: plan.evaluations_per_path() * first.header.paths,
        threads: None,
        precision: None,
        merged_shards: Some(shards.iter().map(|s| s.file.display().to_string()).collect()),
        track_record: context::track_record(&loaded)?,
    };
    let finished =
        Finished { plan: &plan, acc: &acc, attribution: &attribution, cohort, by: &by, png: false, readings: &[] };
    finish(staging, &finished, facts, &provenance, started)
}

/// The scenario a shard embeds, with its embedded imports and, for a cohort
/// run, its cohort table read again from where `run` read it (checked
/// against the SHA-256 the shard recorded).
fn embedded_scenario(first: &shard::Shard) -> Result<Loaded, CliError> {
    let origin = PathBuf::from(&first.header.scenario_path);
    let text = std::str::from_utf8(&first.scenario)
        .map_err(|_| CliError::Invalid(format!("{}: the embedded scenario is not UTF-8", first.file.display())))?;
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
        return Err(LoadError::Invalid { path: origin, diagnostics: parsed.diagnostics }.into());
    };
    if scenario.cohort.is_some() {
        let file = cohort_table(first)?;
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

/// The cohort table the shards were run on, unchanged since (by SHA-256).
fn cohort_table(first: &shard::Shard) -> Result<PathBuf, CliError> {
    let Some(cohort) = &first.header.cohort else {
        return Err(CliError::Invalid(format!(
            "{}: the scenario has a cohort but the shard does not record its table; rerun the shards with this seqsim",
            first.file.display()
        )));
    };
    let file = PathBuf::from(&cohort.file);
    let bytes = std::fs::read(&file).map_err(|e| {
        CliError::Invalid(format!(
            "{}: cannot read the cohort table the shards were run on: {e}; merge where that file is",
            file.display()
        ))
    })?;
    if scenario::hex(&sha2::Sha256::digest(&bytes)) != cohort.sha256 {
        return Err(CliError::Invalid(format!(
            "{}: the cohort table changed since the shards were run (SHA-256 differs); rerun the shards",
            file.display()
        )));
    }
    Ok(file)
}

/// The shards' accumulators merged: the run's and, for an archetype run,
/// each attribution run's. Every shard must fit `plan`.
fn merged_accumulators(
    plan: &Plan,
    shards: &[shard::Shard],
    cohort: bool,
) -> Result<(Accumulator, Vec<Accumulator>), CliError> {
    let mut acc = Accumulator::new(plan.layout());
    let bases = if cohort { Vec::new() } else { analysis::attribution_bases(plan) };
    let mut attribution: Vec<Accumulator> =
        bases.into_iter().map(|base| Accumulator::new(analysis::attribution_plan(plan, base).layout())).collect();
    for shard in shards {
        let attribution_fits = shard.attribution.len() == attribution.len()
            && shard.attribution.iter().zip(&attribution).all(|(a, b)| a.layout == b.layout);
        if shard.accumulator.layout != plan.layout() || !attribution_fits {
            return Err(CliError::Invalid(format!(
                "{}: its tables do not match its scenario; rerun that shard",
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
        return Err(CliError::Invalid(format!(
            "the shards hold {} paths but the run had {expected}; rerun the shards",
            acc.paths
        )));
    }
    Ok((acc, attribution))
}
