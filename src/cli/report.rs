//! `seqsim report RESULTS_DIR [-o FILE]`: redraws a results directory's
//! charts and writes its self-contained HTML page.

use std::path::PathBuf;

use super::CliError;
use crate::report;

#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    /// A directory written by `seqsim run` (or `merge`).
    results: PathBuf,
    /// The page to write (default: RESULTS/report.html).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(super) fn command(args: &ReportArgs) -> Result<(), CliError> {
    let page = args.output.clone().unwrap_or_else(|| args.results.join("report.html"));
    report::write_report(&args.results, &page, true)?;
    println!("Report written to {}", page.display());
    Ok(())
}
