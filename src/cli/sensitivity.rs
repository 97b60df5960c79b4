//! `seqsim sensitivity SCENARIO [--metric M] [--year Y] [--policy P]`: a
//! tornado of how much each driver and each policy moves a metric.

use std::path::PathBuf;

use super::context::{self, begin_staging, check_resources, compile, policy_index, provenance};
use super::options::RunOptions;
use super::CliError;
use crate::analysis::{self, Metric, TornadoRow};
use crate::report::{self, SensitivityRecord};
use crate::scenario::Scenario;

/// How the swings are computed, as the manifest records it.
const METHOD: &str =
    "driver held at its P10 and P90 while the others vary, same draws; levers: baseline vs each policy";

#[derive(Debug, clap::Args)]
pub(super) struct SensitivityArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Metric: margin (mean margin), margin_p50, p_negative, p_distress or p_exhausted.
    #[arg(long, value_enum, default_value = "margin")]
    metric: Metric,
    /// Calendar year to read the metric in (default: the final year).
    #[arg(long)]
    year: Option<i32>,
    /// Policy the drivers are varied under (default: the baseline).
    #[arg(long)]
    policy: Option<String>,
    #[command(flatten)]
    run: RunOptions,
}

/// `--year`, by default the final year; it must be projected.
fn year(s: &Scenario, year: Option<i32>) -> Result<i32, CliError> {
    let final_year = s.start_year + s.years as i32 - 1;
    match year.unwrap_or(final_year) {
        year if (s.start_year..=final_year).contains(&year) => Ok(year),
        year => Err(CliError::usage(format!("--year {year}: the scenario projects {}–{final_year}", s.start_year))),
    }
}

pub(super) fn command(args: &SensitivityArgs) -> Result<(), CliError> {
    context::catch_interrupts();
    let started = context::timestamp();
    let loaded = args.run.load(&args.scenario)?;
    let s = &loaded.scenario;
    let settings = args.run.resolve(s, &args.scenario, "-sensitivity");
    let year = year(s, args.year)?;
    let policy = policy_index(s, args.policy.as_deref())?;
    let plan = compile(&loaded)?;
    if !args.run.skip_resource_check {
        check_resources(&plan, settings.threads)?;
    }
    let mut staging = begin_staging(&settings.out, args.run.force)?;
    let spec = analysis::RunSpec { seed: settings.seed, paths: settings.paths, threads: settings.threads };
    let rows = analysis::tornado(&plan, policy, args.metric, year, &spec)?;
    if context::interrupted() {
        return Err(CliError::Interrupted);
    }
    let record = SensitivityRecord {
        metric: args.metric,
        year,
        policy: plan.policies[policy].name.clone(),
        method: METHOD.to_string(),
    };
    let provenance = provenance(&loaded, Some(settings.seed), Some(settings.paths));
    report::write_tornado(&mut staging, &rows, record, &provenance, &context::times_since(started))?;
    let out = context::commit(staging)?;
    println!("Largest factors for {} in {year}:", args.metric.name());
    for practice in &plan.practices {
        println!("  {:<28} {}", practice.id, largest(&rows, &practice.id).join(", "));
    }
    println!("Sensitivity written to {}", out.display());
    Ok(())
}

/// A practice's three largest factors: `name (type) 1.23 pp`.
fn largest(rows: &[TornadoRow], practice: &str) -> Vec<String> {
    rows.iter()
        .filter(|r| r.practice == practice)
        .take(3)
        .map(|r| format!("{} ({}) {:.2} pp", r.factor, r.factor_type, r.swing * 100.0))
        .collect()
}
