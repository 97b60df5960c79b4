//! The command line: clap's definitions of the commands, and `main`, which
//! parses them, runs one and renders its error once. Each command lives in
//! its own file and goes through a typed options stage (`options.rs`) for
//! what clap cannot declare. Messages for people are printed here and
//! nowhere below; exit codes are mapped in `error.rs`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod backtest;
mod calibrate;
mod context;
mod error;
mod import;
mod ledger;
mod merge;
mod new;
mod options;
mod report;
mod run;
mod sensitivity;
mod serve;
mod sweep;
mod validate;

pub use error::CliError;

/// seqsim: how Medicare sequestration (CO-253) and alternative payment
/// policies erode practices' operating margins, with uncertainty.
#[derive(Debug, Parser)]
#[command(name = "seqsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check scenario files against the format of MODEL.md §1 and list every problem.
    Validate(validate::ValidateArgs),
    /// Write an editable copy of a bundled scenario whose imports work wherever it is saved.
    New(new::NewArgs),
    /// Print the exact point ledger: every driver at its mean, decimal arithmetic.
    Ledger(ledger::LedgerArgs),
    /// Run the Monte Carlo simulation and write the evidence tables.
    Run(run::RunArgs),
    /// Re-evaluate a policy with one lever set to each value of a range (same draws).
    Sweep(sweep::SweepArgs),
    /// How much each economic driver and each policy moves a metric, per practice.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Redraw a results directory's charts and write one self-contained HTML page.
    Report(report::ReportArgs),
    /// Score a projection from an earlier release against what hospitals reported later.
    Backtest(backtest::BacktestArgs),
    /// Fit the drivers to how the same hospitals grew between two releases of cost reports.
    Calibrate(calibrate::CalibrateArgs),
    /// Turn public data into cohort tables that `cohort:` reads.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Merge the shards of one `run --shard` into the outputs of a single run.
    Merge(merge::MergeArgs),
    /// Serve the analyst's workbench in the browser: pick or upload a scenario, run it, download the results.
    Serve(serve::ServeArgs),
}

/// Replaces Rust's panic message (and backtrace) with a short bug report.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // `println!` panics when the reader of standard output has gone
        // (`seqsim run ... | head`): results are already in place by then,
        // so end quietly as a Unix tool does on SIGPIPE.
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(error::EXIT_BROKEN_PIPE));
        }
        let location = info.location().map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!(
            "seqsim {} hit an internal error{location}. This is a bug in seqsim, not in your scenario: \
             please report it with the command you ran and the scenario file. No results were written.",
            env!("CARGO_PKG_VERSION")
        );
    }));
}

/// Parses the command line, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { error::EXIT_USAGE } else { error::EXIT_OK });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::from(error::EXIT_OK),
        Err(failure) => {
            eprintln!("{}", failure.render());
            ExitCode::from(failure.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Validate(args) => validate::command(&args),
        Command::New(args) => new::command(&args),
        Command::Ledger(args) => ledger::command(&args),
        Command::Run(args) => run::command(&args),
        Command::Sweep(args) => sweep::command(&args),
        Command::Sensitivity(args) => sensitivity::command(&args),
        Command::Report(args) => report::command(&args),
        Command::Backtest(args) => backtest::command(&args),
        Command::Calibrate(args) => calibrate::command(&args),
        Command::Merge(args) => merge::command(&args),
        Command::Import(command) => import::command(command),
        Command::Serve(args) => serve::command(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
