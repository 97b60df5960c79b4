//! `seqsim sweep SCENARIO --lever L --from A --to B --step S`: re-evaluates
//! a policy with a lever set to each value of a range on the same draws;
//! with `--target`, the break-even value per practice.

use std::path::PathBuf;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::context::{self, begin_staging, check_resources, compile, policy_index, provenance};
use super::options::{parse_decimal, RunOptions};
use super::CliError;
use crate::analysis::{self, Swept};
use crate::report::{self, SweepRecord};
use crate::scenario::{Lever, Scenario};

#[derive(Debug, clap::Args)]
pub(super) struct SweepArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// The lever to sweep (a rate: relief is not swept).
    #[arg(long, value_enum)]
    lever: Lever,
    /// First value.
    #[arg(long, value_parser = parse_decimal)]
    from: Decimal,
    /// Last value (included when the steps land on it).
    #[arg(long, value_parser = parse_decimal)]
    to: Decimal,
    /// Step between values.
    #[arg(long, value_parser = parse_decimal)]
    step: Decimal,
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

/// The swept values, checked against the lever's range: `from`, `from +
/// step`, ... up to `to`, at most 1001 of them.
fn values(args: &SweepArgs) -> Result<Vec<Decimal>, CliError> {
    let (from, to, step) = (args.from, args.to, args.step);
    let (low, high) = match args.lever {
        Lever::Sequestration => (Decimal::ZERO, Decimal::new(5, 1)),
        Lever::MedicareUpdate | Lever::MedicareAddOn => (Decimal::new(-99, 2), Decimal::from(1000)),
        Lever::Relief => {
            return Err(CliError::usage(
                "--lever relief: a sweep sets a rate; use sequestration, medicare_update or medicare_add_on",
            ))
        }
    };
    if step <= Decimal::ZERO || from > to {
        return Err(CliError::usage("the sweep needs --from <= --to and --step > 0"));
    }
    let count = ((to - from) / step).floor();
    if count > Decimal::from(1000) {
        return Err(CliError::usage("the sweep would have more than 1001 values; use a larger --step"));
    }
    if from < low || to > high {
        return Err(CliError::usage(format!("{} must stay between {low} and {high} in a sweep", args.lever)));
    }
    Ok((0..=count.to_u32().unwrap_or(0)).map(|i| from + step * Decimal::from(i)).collect())
}

/// `--kinds` must name kinds of the scenario's practices.
fn check_kinds(s: &Scenario, kinds: &[String]) -> Result<(), CliError> {
    let known = s.kinds();
    match kinds.iter().find(|k| !known.contains(k)) {
        Some(unknown) => {
            Err(CliError::usage(format!("--kinds {unknown}: no practice has that kind (kinds: {})", known.join(", "))))
        }
        None => Ok(()),
    }
}

pub(super) fn command(args: &SweepArgs) -> Result<(), CliError> {
    context::catch_interrupts();
    let started = context::timestamp();
    let loaded = args.run.load(&args.scenario)?;
    let s = &loaded.scenario;
    let settings = args.run.resolve(s, &args.scenario, "-sweep");
    let values = values(args)?;
    let base = policy_index(s, args.policy.as_deref())?;
    check_kinds(s, &args.kinds)?;
    let target = args
        .target
        .as_deref()
        .map(analysis::Target::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--target {e}")))?;
    let plan = compile(&loaded)?;
    if !args.run.skip_resource_check {
        let widest = plan.lever_variants(base, args.lever, &vec![Vec::new(); values.len()], &[], &[]);
        check_resources(&widest, settings.threads)?;
    }
    let selected: Vec<bool> =
        plan.practices.iter().map(|p| args.kinds.is_empty() || args.kinds.contains(&p.kind)).collect();
    let mut staging = begin_staging(&settings.out, args.run.force)?;
    let spec = analysis::RunSpec { seed: settings.seed, paths: settings.paths, threads: settings.threads };
    let grid: Vec<f64> = values.iter().map(|v| v.to_f64().unwrap_or(0.0)).collect();
    let swept = Swept { base, lever: args.lever, values: &grid, selected: &selected };
    let rows = analysis::sweep(&plan, &swept, &spec, &context::proceed)?;
    let breakeven = match &target {
        Some(target) => Some(analysis::break_even(&plan, &swept, &rows, target, &spec)?),
        None => None,
    };
    let practices: Vec<String> =
        plan.practices.iter().zip(&selected).filter(|(_, s)| **s).map(|(p, _)| p.id.clone()).collect();
    let final_year = plan.start_year + plan.years as i32 - 1;
    let tables = report::SweepTables {
        rows: &rows,
        values: &grid,
        practices: &practices,
        chart_year: target.as_ref().map_or(final_year, |t| t.year),
        breakeven: breakeven.as_deref(),
    };
    let record = SweepRecord {
        lever: args.lever,
        policy: plan.policies[base].name.clone(),
        from: args.from.to_string(),
        to: args.to.to_string(),
        step: args.step.to_string(),
        kinds: args.kinds.clone(),
        target: args.target.clone(),
    };
    let provenance = provenance(&loaded, Some(settings.seed), Some(settings.paths));
    report::write_sweep(&mut staging, &tables, record, &provenance, &context::times_since(started))?;
    let out = context::commit(staging)?;
    if let (Some(results), Some(target)) = (&breakeven, &target) {
        print_breakeven(args.lever, target, results);
    }
    println!("Sweep of {} over {} values written to {}", args.lever, values.len(), out.display());
    Ok(())
}

/// The break-even value per practice, on standard output.
fn print_breakeven(lever: Lever, target: &analysis::Target, results: &[analysis::BreakEven]) {
    println!("Break-even {lever} for {}:", target.text);
    for r in results {
        let value = r.value.map_or_else(|| "-".to_string(), |v| format!("{:.4}%", v * 100.0));
        println!("  {:<28} {:>10}  {}", r.practice, value, r.status);
    }
}
