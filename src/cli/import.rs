//! `seqsim import cms-cost-report FILE... --out COHORT.csv`: turns CMS
//! cost reports into a cohort table and, beside it, `<stem>.import.json`
//! with every drop and estimation rule.

use std::path::PathBuf;

use super::CliError;
use crate::import::cms::{self, FacilityType};
use crate::report::output::write_atomic;

#[derive(Debug, clap::Subcommand)]
pub(super) enum ImportCommand {
    /// CMS Hospital Provider Cost Report files (one row per report) → one row per hospital.
    CmsCostReport(CmsArgs),
}

#[derive(Debug, clap::Args)]
pub(super) struct CmsArgs {
    /// Cost-report CSV files of one release (e.g. CostReport_2021_Final.csv).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The cohort table to write; COHORT.import.json is written beside it.
    #[arg(long, value_name = "COHORT.csv")]
    out: PathBuf,
    /// Also keep these facility types (comma-separated CMS codes: PH, LTCH, RH, CH, RNMHC, ORD).
    #[arg(long, value_delimiter = ',', value_name = "TYPES", value_parser = parse_facility_type)]
    include_types: Vec<FacilityType>,
    /// Replace an existing cohort table.
    #[arg(long)]
    force: bool,
}

/// Parses a CMS facility type code.
fn parse_facility_type(text: &str) -> Result<FacilityType, String> {
    FacilityType::parse(text).ok_or_else(|| {
        let codes: Vec<&str> = FacilityType::ALL.iter().map(|t| t.code()).collect();
        format!("`{text}` is not a CMS facility type (codes: {})", codes.join(", "))
    })
}

pub(super) fn command(command: ImportCommand) -> Result<(), CliError> {
    let ImportCommand::CmsCostReport(args) = command;
    let report_path = args.out.with_extension("import.json");
    for path in [&args.out, &report_path] {
        if path.exists() && !args.force {
            return Err(CliError::Invalid(format!(
                "error: {} exists; pass --force to replace it or choose another --out",
                path.display()
            )));
        }
    }
    let import = cms::import(&args.files, &cms::ImportOptions { include_types: args.include_types })?;
    let mut table = Vec::new();
    cms::write_cohort_csv(&import, &mut table).map_err(|source| CliError::Io {
        path: args.out.clone(),
        what: "cannot write the cohort table",
        source,
    })?;
    write_atomic(&args.out, &table)?;
    write_atomic(&report_path, cms::report_json(&import).as_bytes())?;
    print_counts(&import.report);
    println!("Cohort written to {} (rules and drops in {})", args.out.display(), report_path.display());
    Ok(())
}

/// Reports read, hospitals kept by kind, reports dropped by reason.
fn print_counts(r: &cms::ImportReport) {
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
}
