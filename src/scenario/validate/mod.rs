//! Checks a parsed [`Node`] tree against MODEL.md §1 and builds the domain
//! [`Scenario`], collecting every problem with its key path and position
//! instead of stopping at the first.
//!
//! One file per part of a scenario: `context` (reading typed values out of
//! the tree), `drivers`, `correlations`, `practices` (through the practice
//! rules shared with cohort tables), `cohort` (the `cohort:` block),
//! `policies` and `levers`, and `imports`. This file reads the top level.

mod cohort;
mod context;
mod correlations;
mod cost_response;
mod drivers;
mod imports;
mod levers;
mod policies;
mod practices;

use std::collections::HashSet;

use super::diagnostic::{Diagnostic, Severity};
use super::types::Scenario;
use super::yaml::{Node, Value};
use context::{Ctx, Fields};
pub use imports::{import_list, ImportDocument};

/// The keys a scenario file allows at its top level.
const TOP_KEYS: [&str; 13] = [
    "name",
    "description",
    "source",
    "imports",
    "horizon",
    "simulation",
    "drivers",
    "correlations",
    "practices",
    "cohort",
    "cost_response",
    "baseline",
    "policies",
];

/// Validates a whole scenario document and the policy files it imports.
/// Returns the scenario when there is no error, and every diagnostic
/// (errors and warnings) either way.
pub fn validate(
    root: &Node,
    imports: &[ImportDocument],
    imports_incomplete: bool,
) -> (Option<Scenario>, Vec<Diagnostic>) {
    let mut ctx = Ctx { imports_incomplete, ..Ctx::default() };
    let scenario = ctx.scenario(root, imports);
    let failed = ctx.diagnostics.iter().any(|d| d.severity == Severity::Error);
    (if failed { None } else { scenario }, ctx.diagnostics)
}

impl Ctx {
    fn scenario(&mut self, root: &Node, imports: &[ImportDocument]) -> Option<Scenario> {
        if root.value == Value::Null {
            self.error("", root.mark, "the file is empty; a scenario needs at least name, horizon, simulation, drivers, practices, baseline and policies");
            return None;
        }
        let top = self.fields(root, "", &TOP_KEYS)?;
        let name = self.required(&top, "name", "free text naming the scenario").and_then(|n| self.text(n, "name"));
        let description = top.get("description").and_then(|n| self.text(n, "description"));
        self.source(top.get("source"), "source");
        let horizon = self.horizon(&top);
        let simulation = self.simulation(&top);
        let drivers = self.required(&top, "drivers", "all eight drivers").and_then(|n| self.drivers(n));
        let correlations = self.scenario_correlations(top.get("correlations"), drivers.as_ref());
        let cohort = top.get("cohort").map(|n| self.cohort(n, drivers.as_ref()));
        let cost_response = top.get("cost_response").map(|n| self.cost_response(n, "cost_response"));
        let mut practices = self.scenario_practices(&top, cohort.is_some(), drivers.as_ref());
        // The top level's response is every practice's that gives none, and
        // every cohort row's unless the cohort's defaults give one.
        let mut cohort = cohort;
        if let Some(Some(default)) = &cost_response {
            for practice in practices.iter_mut().flatten().filter(|p| p.cost_response.is_none()) {
                practice.cost_response = Some(default.clone());
            }
            if let Some(Some(spec)) = cohort.as_mut() {
                spec.defaults.cost_response.get_or_insert_with(|| default.clone());
            }
        }
        // With a cohort the kinds come from its file: `for_kinds` is checked once it is read.
        let known_practices = if cohort.is_some() { None } else { practices.as_deref() };
        let kinds: Option<HashSet<String>> = known_practices.map(|ps| ps.iter().map(|p| p.kind.clone()).collect());
        let (policies, import_infos) = match self.all_policies(&top, imports, kinds) {
            Some((policies, infos)) => (Some(policies), infos),
            None => (None, Vec::new()),
        };
        let baseline = self.baseline(&top, policies.as_deref());
        let ((start_year, years), (paths, seed)) = (horizon?, simulation?);
        Some(Scenario {
            name: name?,
            description,
            start_year,
            years,
            paths,
            seed,
            drivers: drivers?,
            correlations: correlations?,
            practices: practices?,
            policies: policies?,
            baseline: baseline?,
            sources: std::mem::take(&mut self.sources),
            cohort: match cohort {
                Some(spec) => Some(spec?),
                None => None,
            },
            imports: import_infos,
            cost_response: match cost_response {
                Some(response) => Some(response?),
                None => None,
            },
        })
    }

    /// `horizon:`: the first projected year and how many.
    fn horizon(&mut self, top: &Fields<'_>) -> Option<(i32, u32)> {
        let node = self.required(top, "horizon", "start_year and years")?;
        let f = self.fields(node, "horizon", &["start_year", "years"])?;
        let start = self.required(&f, "start_year", "1990 to 2100");
        let start = start.and_then(|n| self.integer(n, "horizon.start_year", 1990, 2100));
        let years = self.required(&f, "years", "1 to 50");
        let years = years.and_then(|n| self.integer(n, "horizon.years", 1, 50));
        Some((start? as i32, years? as u32))
    }

    /// `simulation:`: paths and seed.
    fn simulation(&mut self, top: &Fields<'_>) -> Option<(u64, u64)> {
        let node = self.required(top, "simulation", "paths and seed")?;
        let f = self.fields(node, "simulation", &["paths", "seed"])?;
        let paths = self.required(&f, "paths", "1 to 100000000");
        let paths = paths.and_then(|n| self.integer(n, "simulation.paths", 1, 100_000_000));
        let seed = self.required(&f, "seed", "0 to 18446744073709551615");
        let seed = seed.and_then(|n| self.integer(n, "simulation.seed", 0, i128::from(u64::MAX)));
        Some((paths? as u64, seed? as u64))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::yaml;

    const VALID: &str = include_str!("../../../tests/data/valid_minimal.yaml");

    fn check(text: &str) -> (Option<Scenario>, Vec<String>) {
        let (root, problems) = yaml::parse(text).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let (scenario, diagnostics) = validate(&root, &[], false);
        (scenario, diagnostics.iter().map(|d| d.render(Path::new("t.yaml"))).collect())
    }

    #[test]
    fn a_valid_scenario_is_built_whole() {
        let (scenario, messages) = check(VALID);
        assert!(messages.is_empty(), "{messages:?}");
        let scenario = scenario.unwrap();
        assert_eq!((scenario.start_year, scenario.years, scenario.paths, scenario.seed), (2027, 3, 2000, 1));
        assert_eq!(scenario.practices.len(), 2);
        assert_eq!(scenario.correlations.len(), 1);
        let names: Vec<&str> = scenario.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["current_law", "repeal_2027", "rural_relief"]);
        assert_eq!(scenario.baseline, 0);
        assert_eq!(scenario.kinds(), ["rural_clinic", "rural_hospital"]);
    }

    #[test]
    fn the_top_level_is_checked_whole() {
        let text = VALID
            .replace("horizon: {start_year: 2027, years: 3}", "horizon: {start_year: 2027, years: 99}")
            .replace("simulation: {paths: 2000, seed: 1}", "simulation: {paths: 0}")
            .replace("name: Minimal valid scenario\n", "nmae: x\n");
        let (scenario, messages) = check(&text);
        assert!(scenario.is_none());
        assert_eq!(
            messages,
            [
                "t.yaml:1:1: error: nmae: unknown key `nmae`; did you mean `name`? (allowed here: name, description, source, imports, horizon, simulation, drivers, correlations, practices, cohort, cost_response, baseline, policies)",
                // The parser starts a block mapping at its first key's `:`.
                "t.yaml:1:5: error: name: missing required key `name` (free text naming the scenario)",
                "t.yaml:2:36: error: horizon.years: must be between 1 and 50, found 99",
                "t.yaml:3:21: error: simulation.paths: must be between 1 and 100000000, found 0",
                "t.yaml:3:13: error: simulation.seed: missing required key `seed` (0 to 18446744073709551615)",
            ]
        );
    }

    #[test]
    fn a_cohort_stands_in_for_practices_and_defers_for_kinds() {
        let start = VALID.find("practices:").unwrap();
        let end = VALID.find("baseline:").unwrap();
        let text = format!("{}cohort: {{file: c.csv}}\n{}", &VALID[..start], &VALID[end..]);
        let (scenario, messages) = check(&text);
        assert!(messages.is_empty(), "{messages:?}");
        let scenario = scenario.unwrap();
        assert!(scenario.practices.is_empty());
        assert_eq!(scenario.cohort.unwrap().file, "c.csv");
        let (_, messages) = check(&format!("{}{}", &VALID[..start], &VALID[end..]));
        assert_eq!(
            messages,
            ["t.yaml:1:5: error: practices: missing required key `practices` (one or more practices, or a `cohort:` table)"]
        );
    }

    #[test]
    fn an_empty_file_says_what_a_scenario_needs() {
        let (scenario, messages) = check("");
        assert!(scenario.is_none());
        assert_eq!(
            messages,
            ["t.yaml:1:1: error: the file is empty; a scenario needs at least name, horizon, simulation, drivers, practices, baseline and policies"]
        );
    }
}
