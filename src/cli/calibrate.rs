//! `seqsim calibrate RELEASE... [--by kind] [--out FILE]`: with two
//! releases, fits the drivers to the growth of the same hospitals between
//! them; with three or more, fits MODEL.md v1.3's dynamics (spreads, noise,
//! correlation, cost response) by simulated method of moments. Writes a
//! YAML fragment for a scenario.

use std::path::PathBuf;

use super::CliError;
use crate::calibrate::{self, dynamics, Options};
use crate::import::panel;
use crate::report::{self, calibration, calibration_dynamics};

/// What `--by` may group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum CalibrateBy {
    /// Also fit each kind and write the kinds that differ.
    Kind,
}

#[derive(Debug, clap::Args)]
pub(super) struct CalibrateArgs {
    /// Two or more releases in time order: CMS cost-report extracts or cohort
    /// tables from `seqsim import cms-cost-report`. Three or more fit the v1.3 dynamics.
    #[arg(num_args = 2.., required = true)]
    releases: Vec<PathBuf>,
    /// With three or more releases: the realised Medicare price update of
    /// each calendar year projected, as YEAR=RATE, comma-separated
    /// (2018=0.018088,2019=0.0185,...); a year not given is 0.
    #[arg(long, value_delimiter = ',', value_parser = parse_update, value_name = "YEAR=RATE")]
    medicare_update: Vec<(i32, f64)>,
    /// With three or more releases: replicates of each hospital in the simulation.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=100))]
    replicates: u16,
    /// With three or more releases: bootstrap resamples for the moments' weights.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(10..=10000))]
    bootstrap: u16,
    /// With three or more releases: objective evaluations per optimiser run.
    #[arg(long, default_value_t = 1500, value_parser = clap::value_parser!(u32).range(50..=1000000))]
    evaluations: u32,
    /// With three or more releases: seed of the common random numbers and the bootstrap.
    #[arg(long, default_value_t = 20261127)]
    seed: u64,
    /// Also fit each kind; kinds whose spread differs are written as practice overrides.
    #[arg(long, value_enum)]
    by: Option<CalibrateBy>,
    /// Variable cost share used to take volume out of cost growth (as in the scenario).
    #[arg(long, default_value = "0.35", value_parser = parse_share)]
    variable_cost_share: rust_decimal::Decimal,
    /// Write the YAML fragment here (default: standard output).
    #[arg(long, value_name = "FILE.yaml")]
    out: Option<PathBuf>,
}

fn parse_share(text: &str) -> Result<rust_decimal::Decimal, String> {
    let value: rust_decimal::Decimal = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if value < rust_decimal::Decimal::ZERO || value > rust_decimal::Decimal::ONE {
        return Err(format!("{text}: a share runs from 0 to 1"));
    }
    Ok(value)
}

fn parse_update(text: &str) -> Result<(i32, f64), String> {
    let (year, rate) = text.split_once('=').ok_or_else(|| format!("`{text}`: give YEAR=RATE, e.g. 2019=0.0185"))?;
    let year: i32 = year.trim().parse().map_err(|_| format!("`{year}` is not a year"))?;
    let value: f64 = rate.trim().parse().map_err(|_| format!("`{rate}` is not a number"))?;
    if !(-0.99..=1.0).contains(&value) {
        return Err(format!("{text}: a yearly update is a fraction such as 0.029, between -0.99 and 1"));
    }
    Ok((year, value))
}

pub(super) fn command(args: &CalibrateArgs) -> Result<(), CliError> {
    if args.releases.len() >= 3 {
        return dynamics(args);
    }
    let read = |path: &PathBuf| panel::read(path);
    let (early_path, late_path) = (&args.releases[0], &args.releases[1]);
    let (early, late) = (read(early_path)?, read(late_path)?);
    let options = Options { variable_cost_share: args.variable_cost_share, by_kind: args.by.is_some() };
    let result = calibrate::calibrate(&early.hospitals, &late.hospitals, &options);
    if result.pooled.is_empty() {
        return Err(CliError::Invalid(format!(
            "{} and {}: only {} hospitals are in both releases with the same kind and reports at least {} years apart \
             ({} changed kind, {} are closer in time: is LATE a later release than EARLY?); at least {} are needed to fit a driver",
            early_path.display(),
            late_path.display(),
            result.matched,
            calibrate::MIN_YEARS,
            result.kind_changed,
            result.too_close,
            calibrate::MIN_SAMPLE
        )));
    }
    let inputs = calibration::Inputs {
        early: (early.file_name(), early.sha256.clone()),
        late: (late.file_name(), late.sha256.clone()),
    };
    let yaml = calibration::yaml(&result, &inputs);
    eprint!("{}", calibration::table(&result));
    match &args.out {
        Some(out) => {
            report::output::write_atomic(out, yaml.as_bytes())?;
            eprintln!("Drivers written to {}", out.display());
        }
        None => print!("{yaml}"),
    }
    Ok(())
}

/// Three or more releases: the v1.3 dynamics.
fn dynamics(args: &CalibrateArgs) -> Result<(), CliError> {
    let panels = args.releases.iter().map(|p| panel::read(p)).collect::<Result<Vec<_>, _>>()?;
    let hospitals: Vec<&[panel::Hospital]> = panels.iter().map(|p| p.hospitals.as_slice()).collect();
    let series = dynamics::Series::new(&hospitals);
    if series.len() < dynamics::MIN_HOSPITALS || series.years.windows(2).any(|w| w[1] <= w[0]) {
        let files: Vec<String> = args.releases.iter().map(|p| p.display().to_string()).collect();
        return Err(CliError::Invalid(format!(
            "{}: {} hospitals are in every release, {} years apart; at least {} are needed, in releases given in time order at least a year apart",
            files.join(", "),
            series.len(),
            series.years.iter().map(usize::to_string).collect::<Vec<_>>().join(", "),
            dynamics::MIN_HOSPITALS
        )));
    }
    let options = dynamics::Options {
        variable_cost_share: rust_decimal::prelude::ToPrimitive::to_f64(&args.variable_cost_share)
            .ok_or_else(|| CliError::usage("--variable-cost-share: not a number"))?,
        medicare_updates: args.medicare_update.clone(),
        by_kind: args.by.is_some(),
        replicates: usize::from(args.replicates),
        bootstrap: usize::from(args.bootstrap),
        seed: args.seed,
        evaluations: args.evaluations as usize,
    };
    let fit = dynamics::fit(&series, &options);
    let inputs: calibration_dynamics::Inputs = panels.iter().map(|p| (p.file_name(), p.sha256.clone())).collect();
    eprint!("{}", calibration_dynamics::table(&fit));
    let yaml = calibration_dynamics::yaml(&fit, &inputs);
    match &args.out {
        Some(out) => {
            report::output::write_atomic(out, yaml.as_bytes())?;
            eprintln!("Dynamics written to {}", out.display());
        }
        None => print!("{yaml}"),
    }
    Ok(())
}
