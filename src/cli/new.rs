//! `seqsim new SCENARIO [--from BUNDLED]`: writes an editable copy of a
//! scenario (a bundled name such as `us_hospitals`, looked up in
//! `./scenarios/`, or any scenario file) whose imports and cohort file are
//! absolute paths, so the copy runs wherever it is saved; then checks it.

use std::path::PathBuf;

use super::context;
use super::CliError;
use crate::report::output::write_atomic;
use crate::scenario::relocate;

#[derive(Debug, clap::Args)]
pub(super) struct NewArgs {
    /// The scenario file to write.
    scenario: PathBuf,
    /// What to copy: a bundled scenario's name (`national`, `us_hospitals`, ... in ./scenarios/)
    /// or a scenario file.
    #[arg(long, value_name = "BUNDLED", default_value = "quickstart")]
    from: String,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

pub(super) fn command(args: &NewArgs) -> Result<(), CliError> {
    let bundled = PathBuf::from("scenarios").join(format!("{}.yaml", args.from));
    let from = if bundled.is_file() { bundled } else { PathBuf::from(&args.from) };
    if !from.is_file() {
        return Err(CliError::usage(format!(
            "--from {}: no bundled scenario scenarios/{}.yaml here (run from the repository's folder) and no such file",
            args.from, args.from
        )));
    }
    if args.scenario.exists() && !args.force {
        return Err(CliError::usage(format!(
            "{} exists; pass --force to replace it or choose another name",
            args.scenario.display()
        )));
    }
    let text = std::fs::read_to_string(&from).map_err(|source| CliError::Io {
        path: from.clone(),
        what: "cannot read the scenario to copy",
        source,
    })?;
    let copy = relocate::relocate(&from, &text)?;
    write_atomic(&args.scenario, copy.as_bytes())?;
    let loaded = context::load(&args.scenario, &[])?;
    println!(
        "{} written from {} ({} practices, imports and cohort file by absolute path); edit it, then: seqsim run {}",
        args.scenario.display(),
        from.display(),
        loaded.scenario.practices.len(),
        args.scenario.display()
    );
    Ok(())
}
