//! `seqsim calibrate EARLY LATE [--by kind] [--out FILE]`: fits the drivers
//! to the growth of the same hospitals between two releases and writes a
//! YAML fragment for a scenario.

use std::path::PathBuf;

use super::CliError;
use crate::calibrate::{self, Options};
use crate::import::panel;
use crate::report::{self, calibration};

/// What `--by` may group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum CalibrateBy {
    /// Also fit each kind and write the kinds that differ.
    Kind,
}

#[derive(Debug, clap::Args)]
pub(super) struct CalibrateArgs {
    /// The earlier release: a CMS cost-report extract or a cohort table from `seqsim import cms-cost-report`.
    early: PathBuf,
    /// The later release, in either form.
    late: PathBuf,
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

pub(super) fn command(args: &CalibrateArgs) -> Result<(), CliError> {
    let read = |path: &PathBuf| panel::read(path);
    let (early, late) = (read(&args.early)?, read(&args.late)?);
    let options = Options { variable_cost_share: args.variable_cost_share, by_kind: args.by.is_some() };
    let result = calibrate::calibrate(&early.hospitals, &late.hospitals, &options);
    if result.pooled.is_empty() {
        return Err(CliError::Invalid(format!(
            "error: {} and {}: only {} hospitals are in both releases with the same kind and reports at least {} years apart \
             ({} changed kind, {} are closer in time: is LATE a later release than EARLY?); at least {} are needed to fit a driver",
            args.early.display(),
            args.late.display(),
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
