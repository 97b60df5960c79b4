//! `seqsim ledger SCENARIO [--csv FILE] [--policy NAME] [--practice ID]`:
//! the exact point ledger, printed and optionally written as CSV.

use std::path::PathBuf;

use super::context::{load, provenance};
use super::CliError;
use crate::ledger;
use crate::policy;
use crate::report::{self, terminal};
use crate::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub(super) struct LedgerArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Also write the ledger table (MODEL.md §6 columns) to this CSV file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Only this policy.
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
    /// Only this practice.
    #[arg(long, value_name = "ID")]
    practice: Option<String>,
    /// Also import this policy file (repeatable), as if listed in the scenario's `imports:`.
    #[arg(long = "import", value_name = "FILE")]
    imports: Vec<PathBuf>,
}

/// `--policy` and `--practice` must name one of the scenario's.
fn check_names(s: &Scenario, policy: Option<&str>, practice: Option<&str>) -> Result<(), CliError> {
    if let Some(name) = policy.filter(|name| !s.policies.iter().any(|p| p.name == *name)) {
        let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
        return Err(CliError::usage(format!("--policy {name}: no such policy (policies: {})", names.join(", "))));
    }
    if let Some(id) = practice.filter(|id| !s.practices.iter().any(|p| p.id == *id)) {
        let ids: Vec<&str> = s.practices.iter().map(|p| p.id.as_str()).collect();
        return Err(CliError::usage(format!("--practice {id}: no such practice (practices: {})", ids.join(", "))));
    }
    Ok(())
}

pub(super) fn command(args: &LedgerArgs) -> Result<(), CliError> {
    let loaded = load(&args.scenario, &args.imports)?;
    let s = &loaded.scenario;
    let (policy, practice) = (args.policy.as_deref(), args.practice.as_deref());
    check_names(s, policy, practice)?;
    let resolution = policy::resolve(s);
    let mut rows =
        ledger::ledger(s, &resolution).map_err(|source| CliError::Ledger { path: args.scenario.clone(), source })?;
    rows.retain(|r| policy.is_none_or(|p| r.policy == p) && practice.is_none_or(|p| r.practice == p));
    print!("{}", terminal::ledger(&rows));
    if let Some(csv) = &args.csv {
        report::write_ledger_csv(csv, &rows, &provenance(&loaded, None, None))?;
        eprintln!("wrote {}", csv.display());
    }
    Ok(())
}
