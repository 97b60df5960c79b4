//! `seqsim backtest SCENARIO --actual LATER --year Y`: projects a cohort
//! scenario built on an earlier release of cost reports and scores year `Y`
//! against the margins the same hospitals (by CCN) reported later.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use rust_decimal::prelude::ToPrimitive;

use super::{begin_staging, compile, interrupted_or, load, now, provenance, Failure, RunOptions, INTERRUPTED};
use crate::backtest::{self, Later, Outcome};
use crate::calendar::utc_timestamp;
use crate::import::panel::{self, Form};
use crate::report::{self, RunTimes};

/// Paths whose per-path shares in the red are computed for the predictive
/// interval of the share (each such path re-evaluates every hospital once).
pub const SHARE_PATHS: u64 = 1000;

#[derive(Debug, clap::Args)]
pub(super) struct BacktestArgs {
    /// Scenario whose `cohort:` is the earlier release (e.g. scenarios/backtest_2017_2019.yaml).
    scenario: PathBuf,
    /// The later release: a CMS cost-report extract or a cohort table from `seqsim import cms-cost-report`.
    #[arg(long, value_name = "FILE")]
    actual: PathBuf,
    /// The projected year compared with the later release (e.g. 2019).
    #[arg(long, value_name = "YEAR")]
    year: i32,
    #[command(flatten)]
    run: RunOptions,
}

/// Reads the later release into outcomes by CCN.
fn later(path: &Path) -> Result<(Later, panel::Panel), Failure> {
    let panel = panel::read(path).map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let outcomes = panel
        .hospitals
        .iter()
        .filter_map(|h| {
            Some(Outcome {
                ccn: h.ccn.clone(),
                name: h.name.clone(),
                kind: h.kind.clone(),
                margin: h.margin()?.to_f64()?,
                end_year: h.end.year(),
            })
        })
        .collect();
    let later =
        Later { outcomes, dropped: panel.dropped.clone(), from_release: matches!(panel.form, Form::Release(_)) };
    Ok((later, panel))
}

pub(super) fn command(args: &BacktestArgs) -> Result<(), Failure> {
    super::catch_interrupts();
    let started = utc_timestamp(now());
    let loaded = load(&args.scenario, &args.run.imports)?;
    let s = &loaded.scenario;
    let Some(spec) = &s.cohort else {
        return Err(Failure::usage(format!(
            "error: {}: a backtest projects a cohort; give a scenario with a `cohort:` table imported from an earlier release",
            args.scenario.display()
        )));
    };
    let (paths, seed, threads) = args.run.resolve(s);
    let (later, panel) = later(&args.actual)?;
    let plan = compile(&loaded)?;
    let base_margins: Vec<f64> = s
        .practices
        .iter()
        .map(|p| {
            let revenue = p.revenue.total();
            ((revenue - p.costs.total()) / revenue).to_f64().unwrap_or(f64::NAN)
        })
        .collect();
    let out = args.run.out.clone().unwrap_or_else(|| super::default_out(&args.scenario, "-backtest"));
    let mut staging = begin_staging(&out, args.run.force)?;
    let spec_run = backtest::Spec { seed, paths, threads, year: args.year, share_paths: SHARE_PATHS };
    let progress = |_: u64| !INTERRUPTED.load(Ordering::Relaxed);
    let result = backtest::run(&plan, &base_margins, &later, &spec_run, &progress).map_err(|e| match e {
        backtest::BacktestError::Engine(e) => interrupted_or(e),
        backtest::BacktestError::YearOutside { .. } => Failure::usage(format!("error: {e}")),
        other => Failure::invalid(format!("error: {other}")),
    })?;
    let inputs = report::BacktestInputs {
        cohort_file: super::cohort_file(&loaded.path, spec).display().to_string(),
        later_file: args.actual.display().to_string(),
        later_sha256: panel.sha256.clone(),
        base_year: s.start_year - 1,
    };
    let provenance = provenance(&loaded, Some(seed), Some(paths));
    let times = RunTimes { started, finished: utc_timestamp(now()) };
    report::write_backtest(&mut staging, &result, &inputs, &provenance, &times)
        .map_err(|e| Failure::invalid(format!("error: {e}")))?;
    let out = staging.commit().map_err(|e| Failure::invalid(format!("error: {e}")))?;
    if let Some(year) = result.outcome_year.filter(|y| *y != args.year) {
        eprintln!(
            "note: most matched reports in {} end in {year}, not {}: check that --year is the year that release describes",
            args.actual.display(),
            args.year
        );
    }
    print!("{}", report::terminal::backtest(&result));
    println!("Backtest written to {}", out.display());
    Ok(())
}
