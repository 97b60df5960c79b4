//! `seqsim validate SCENARIO... [--import FILE]`: checks each file (and its
//! imports and cohort table) and lists every problem; the exit code is the
//! worst file's.

use std::path::PathBuf;

use super::context::{attach_cohort, print_warnings};
use super::CliError;
use crate::scenario::{self, Scenario};

#[derive(Debug, clap::Args)]
pub(super) struct ValidateArgs {
    /// Scenario files (.yaml).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Also import this policy file into each scenario (repeatable).
    #[arg(long = "import", value_name = "FILE")]
    imports: Vec<PathBuf>,
}

pub(super) fn command(args: &ValidateArgs) -> Result<(), CliError> {
    let mut worst = 0u8;
    let mut failed = 0usize;
    for path in &args.scenarios {
        let checked =
            scenario::load_with_imports(path, &args.imports).map_err(CliError::from).and_then(|mut loaded| {
                print_warnings(&loaded);
                attach_cohort(&mut loaded)?;
                Ok(loaded)
            });
        match checked {
            Ok(loaded) => println!("{}: valid ({})", path.display(), outline(&loaded.scenario)),
            Err(failure) => {
                eprintln!("{}", failure.render());
                worst = worst.max(failure.exit_code());
                failed += 1;
            }
        }
    }
    match worst {
        0 => Ok(()),
        worst => Err(CliError::Validation { failed, total: args.scenarios.len(), worst }),
    }
}

/// `3 practices, 2 policies, 2027–2036; imports <law>`.
fn outline(s: &Scenario) -> String {
    let laws: Vec<String> = s.imports.iter().map(|i| format!("; imports {}", i.citation())).collect();
    format!(
        "{} practices, {} policies, {}–{}{}",
        s.practices.len(),
        s.policies.len(),
        s.start_year,
        s.start_year + s.years as i32 - 1,
        laws.concat()
    )
}
