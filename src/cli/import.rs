//! `seqsim import cms-cost-report FILE... --out COHORT.csv`: turns CMS
//! cost reports into a cohort table and, beside it, `<stem>.import.json`
//! with every drop and estimation rule.

use std::path::PathBuf;

use super::CliError;
use crate::import::cms::{self, CashDefinition, FacilityType, MarginDefinition, RucaCodes, RuralDefinition};
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
    /// The base-year margin: `total` (net income / (net patient revenue + other income), as
    /// published margins are) or `patient-care` (net income from service to patients / NPR).
    #[arg(long, default_value = "total", value_parser = parse_margin)]
    margin: MarginDefinition,
    /// Days of cash count `with-investments` (cash + temporary + long-term investments, as rating
    /// agencies do) or `liquid` cash (cash + temporary investments).
    #[arg(long, default_value = "with-investments", value_parser = parse_cash)]
    cash: CashDefinition,
    /// Which short-term hospitals are rural: `cbsa` (a non-metropolitan CBSA), `forhp` (a
    /// non-metropolitan CBSA or ZIP RUCA 4-10; needs --ruca) or `cms-flag` (the Rural Versus
    /// Urban flag, which includes urban hospitals reclassified as rural).
    #[arg(long, default_value = "cbsa", value_parser = parse_rural)]
    rural: RuralDefinition,
    /// The USDA ZIP RUCA file (columns zip and ruca1): fills the ruca column; needed by --rural forhp.
    #[arg(long, value_name = "RUCA.csv")]
    ruca: Option<PathBuf>,
    /// Earlier releases (e.g. the 2017 and 2019 cost reports, comma-separated or repeated):
    /// relief-window reports take their other income and expenses as shares of NPR from the
    /// hospital's latest report there that ends before April 2020 (see the import rules).
    #[arg(long, value_name = "RELEASE.csv", value_delimiter = ',')]
    other_income_from: Vec<PathBuf>,
    /// Replace an existing cohort table.
    #[arg(long)]
    force: bool,
}

fn parse_margin(text: &str) -> Result<MarginDefinition, String> {
    MarginDefinition::parse(text).ok_or_else(|| format!("`{text}` is not a margin definition (total, patient-care)"))
}

fn parse_cash(text: &str) -> Result<CashDefinition, String> {
    CashDefinition::parse(text).ok_or_else(|| format!("`{text}` is not a cash definition (with-investments, liquid)"))
}

fn parse_rural(text: &str) -> Result<RuralDefinition, String> {
    RuralDefinition::parse(text).ok_or_else(|| format!("`{text}` is not a rural definition (cbsa, forhp, cms-flag)"))
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
                "{} exists; pass --force to replace it or choose another --out",
                path.display()
            )));
        }
    }
    let ruca = args.ruca.as_deref().map(RucaCodes::read).transpose()?;
    let options = cms::ImportOptions {
        include_types: args.include_types,
        margin: args.margin,
        cash: args.cash,
        rural: args.rural,
        ruca,
        other_income_base: args.other_income_from,
    };
    let import = cms::import(&args.files, &options)?;
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
    let d = &r.definitions;
    println!("  margin {}, cash {}, rural {}", d.margin, d.cash, d.rural);
    for (kind, totals) in &r.kept_by_kind {
        println!("  kept {kind:<28} {:>6}", totals.count);
    }
    for drop in r.dropped.iter().filter(|d| d.count > 0) {
        println!("  dropped {:<26} {:>6}", drop.reason.to_string(), drop.count);
    }
}
