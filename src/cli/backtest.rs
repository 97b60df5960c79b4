//! `seqsim backtest SCENARIO --actual LATER --year Y [--closures LIST]`:
//! projects a cohort scenario built on an earlier release of cost reports
//! and scores year `Y` against the margins the same hospitals (by CCN)
//! reported later; with `--closures`, scores the cohort's risk against the
//! closures on the Sheps Center's list.

use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;

use super::context::{self, begin_staging, compile, provenance};
use super::options::RunOptions;
use super::CliError;
use crate::backtest::{self, Later, Outcome};
use crate::import::panel::{self, Form};
use crate::import::sheps;
use crate::report;

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
    /// The Sheps Center's list of rural hospital closures (CSV with
    /// `hospital, city, state, closure_month, closure_year, converted,
    /// ccn_matched`): P(cash exhausted) and P(distress) are scored against
    /// closures within 2 and 4 years of the base year, where the list and
    /// the later release reach that far.
    #[arg(long, value_name = "FILE")]
    closures: Option<PathBuf>,
    #[command(flatten)]
    run: RunOptions,
}

/// Reads the later release into outcomes by CCN.
fn later(path: &Path) -> Result<(Later, panel::Panel), CliError> {
    let panel = panel::read(path)?;
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
                days_cash: h.days_cash().and_then(|d| d.to_f64()),
            })
        })
        .collect();
    let later =
        Later { outcomes, dropped: panel.dropped.clone(), from_release: matches!(panel.form, Form::Release(_)) };
    Ok((later, panel))
}

pub(super) fn command(args: &BacktestArgs) -> Result<(), CliError> {
    context::catch_interrupts();
    let started = context::timestamp();
    let loaded = args.run.load(&args.scenario)?;
    let s = &loaded.scenario;
    let Some(spec) = &s.cohort else {
        return Err(CliError::usage(format!(
            "{}: a backtest projects a cohort; give a scenario with a `cohort:` table imported from an earlier release",
            args.scenario.display()
        )));
    };
    let settings = args.run.resolve(s, &args.scenario, "-backtest");
    let (paths, seed, threads) = (settings.paths, settings.seed, settings.threads);
    let (later, panel) = later(&args.actual)?;
    let closure_list = args.closures.as_deref().map(sheps::read).transpose()?;
    let plan = compile(&loaded)?;
    let base_margins: Vec<f64> = s
        .practices
        .iter()
        .map(|p| crate::model::margin(p.revenue.total(), p.costs.total()).to_f64().unwrap_or(f64::NAN))
        .collect();
    let mut staging = begin_staging(&settings.out, args.run.force)?;
    let spec_run = backtest::Spec { seed, paths, threads, year: args.year, share_paths: SHARE_PATHS };
    let list = closure_list.as_ref().map(|l| l.closures.as_slice());
    let result =
        backtest::run(&plan, &base_margins, &later, &spec_run, list, &context::proceed).map_err(|e| match e {
            backtest::BacktestError::Engine(e) => CliError::from(e),
            backtest::BacktestError::YearOutside { .. } => CliError::usage(e.to_string()),
            other => CliError::Backtest(other),
        })?;
    let inputs = report::BacktestInputs {
        // As the scenario writes it and by file name (the SHA-256 identifies
        // it): what the brief says must not depend on where the files sit.
        cohort_file: spec.file.clone(),
        later_file: panel.file_name(),
        later_sha256: panel.sha256.clone(),
        base_year: s.start_year - 1,
        closures: closure_list.as_ref().map(|l| (l.file_name(), l.sha256.clone())),
    };
    let provenance = provenance(&loaded, Some(seed), Some(paths));
    let times = context::times_since(started);
    report::write_backtest(&mut staging, &result, &inputs, &provenance, &times)?;
    let out = staging.commit()?;
    if let Some(year) = result.outcome_year.filter(|y| *y != args.year) {
        eprintln!(
            "note: most matched reports in {} end in {year}, not {}: check that --year is the year that release describes",
            args.actual.display(),
            args.year
        );
    }
    print!("{}", report::terminal::backtest(&result));
    if let Some(scores) = &result.closures {
        print!("{}", report::terminal::backtest_closures(scores));
    }
    println!("Backtest written to {}", out.display());
    Ok(())
}
