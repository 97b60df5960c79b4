//! `seqsim report RESULTS_DIR [-o FILE] [--state ST]`: redraws a results
//! directory's charts and writes its self-contained HTML page, or, with
//! `--state`, one state's page of a cohort run (`state_ST.html`) and its
//! workbook (`state_ST.xlsx`).

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
    /// One state's page of a cohort run (its facilities, margins, risks and each policy's
    /// change; default file RESULTS/state_ST.html) and its Excel workbook beside it (.xlsx).
    #[arg(long, value_name = "ST")]
    state: Option<String>,
}

pub(super) fn command(args: &ReportArgs) -> Result<(), CliError> {
    if let Some(state) = &args.state {
        let page = args.output.clone().unwrap_or_else(|| args.results.join(format!("state_{state}.html")));
        let workbook = report::state_page::write(&args.results, state, &page)?;
        println!("State page written to {} and its workbook to {}", page.display(), workbook.display());
        return Ok(());
    }
    let page = args.output.clone().unwrap_or_else(|| args.results.join("report.html"));
    report::write_report(&args.results, &page, true)?;
    println!("Report written to {}", page.display());
    Ok(())
}
