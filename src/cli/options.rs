//! The options every simulating command shares, as clap parses them
//! (`RunOptions`), and the typed stage they resolve into against a scenario
//! (`Resolved`): paths, seed and threads with their defaults, and where the
//! results go. Value parsers for what clap checks by itself live here too.

use std::path::{Path, PathBuf};

use crate::scenario::{Loaded, Scenario};

use super::error::CliError;

/// Options every simulating command shares, with the same meaning.
#[derive(Debug, clap::Args)]
pub(super) struct RunOptions {
    /// Monte Carlo paths (default: the scenario's simulation.paths).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    paths: Option<u64>,
    /// Seed (default: the scenario's simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: results/<scenario file stem>[-sweep|-sensitivity]).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Replace an existing, non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Run even if the estimated memory exceeds what the machine has available.
    #[arg(long)]
    pub skip_resource_check: bool,
    /// Also import this policy file (repeatable), as if listed in the scenario's `imports:`.
    #[arg(long = "import", value_name = "FILE")]
    pub imports: Vec<PathBuf>,
    /// Run without any cost response (MODEL.md v1.3): a cut shows as margin
    /// erosion instead of spending cut; every output names the scenario
    /// "... (without cost response)".
    #[arg(long)]
    pub no_cost_response: bool,
}

/// The shared options resolved against a scenario.
#[derive(Clone, Debug)]
pub(super) struct Resolved {
    /// Paths to run.
    pub paths: u64,
    /// Seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// The results directory.
    pub out: PathBuf,
}

impl RunOptions {
    /// Loads the scenario with the `--import` files and its cohort, without
    /// cost responses when `--no-cost-response` asks for it.
    pub fn load(&self, scenario: &Path) -> Result<Loaded, CliError> {
        let mut loaded = super::context::load(scenario, &self.imports)?;
        if self.no_cost_response {
            loaded.scenario.drop_cost_responses();
        }
        Ok(loaded)
    }

    /// Paths, seed and threads, falling back to the scenario's and the
    /// machine's; the results directory, by default
    /// `results/<scenario stem><suffix>`.
    pub fn resolve(&self, scenario: &Scenario, scenario_path: &Path, suffix: &str) -> Resolved {
        let threads =
            self.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);
        Resolved {
            paths: self.paths.unwrap_or(scenario.paths),
            seed: self.seed.unwrap_or(scenario.seed),
            threads,
            out: self.out.clone().unwrap_or_else(|| default_out(scenario_path, suffix)),
        }
    }
}

fn default_out(scenario: &Path, suffix: &str) -> PathBuf {
    let stem = scenario.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("results").join(format!("{stem}{suffix}"))
}

/// Parses `I/K`: shard I (0-based) of K.
pub(super) fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (index, count) = text.split_once('/').ok_or_else(|| format!("expected I/K (e.g. 0/4), found `{text}`"))?;
    let index: u64 = index.trim().parse().map_err(|_| format!("shard index `{index}` is not a whole number"))?;
    let count: u64 = count.trim().parse().map_err(|_| format!("shard count `{count}` is not a whole number"))?;
    if count == 0 || index >= count {
        return Err(format!("shard {index}/{count}: indices run from 0 to K-1 and K must be at least 1"));
    }
    Ok((index, count))
}

/// Parses `--precision`: a standard error above 0.
pub(super) fn parse_precision(text: &str) -> Result<f64, String> {
    let target: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if !(target > 0.0 && target.is_finite()) {
        return Err(format!("{target}: give a standard error above 0, e.g. 0.0025"));
    }
    Ok(target)
}

/// Parses an exact decimal (`--from`, `--to`, `--step`).
pub(super) fn parse_decimal(text: &str) -> Result<rust_decimal::Decimal, String> {
    text.trim().parse::<rust_decimal::Decimal>().map_err(|_| format!("{text}: not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_and_precisions_are_checked_by_their_parsers() {
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert!(parse_shard("4/4").is_err());
        assert!(parse_shard("1-4").is_err());
        assert_eq!(parse_precision("0.0025"), Ok(0.0025));
        assert!(parse_precision("0").is_err());
        assert!(parse_precision("inf").is_err());
        assert!(parse_decimal("0.1x").is_err());
    }

    #[test]
    fn the_default_output_directory_is_named_after_the_scenario() {
        assert_eq!(default_out(Path::new("a/b/national.yaml"), "-sweep"), Path::new("results/national-sweep"));
    }
}
