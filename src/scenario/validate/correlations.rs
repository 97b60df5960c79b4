//! `correlations:` (MODEL.md §3): `[driver, driver, rho]` entries between
//! drivers of the same scope, each pair once, forming a positive-definite
//! matrix per scope.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::context::{describe, Ctx};
use crate::numeric::cholesky;
use crate::scenario::types::{Correlation, Driver, DriverSpec, Scope};
use crate::scenario::yaml::{join_index, Node, Value};

/// A checked entry and its coefficient as the engine will use it.
type Entry = (Correlation, f64);

impl Ctx {
    /// The scenario's `correlations:` (none when absent). Without valid
    /// `drivers` each entry's shape is still checked, but not the scopes or
    /// the matrix, which depend on the drivers (no follow-on errors).
    pub(super) fn scenario_correlations(
        &mut self,
        node: Option<&Node>,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
    ) -> Option<Vec<Correlation>> {
        let Some(node) = node else { return Some(Vec::new()) };
        self.correlations(node, drivers)
    }

    fn correlations(&mut self, node: &Node, drivers: Option<&[DriverSpec; Driver::COUNT]>) -> Option<Vec<Correlation>> {
        let items = self.items(node, "correlations", "a list of [driver, driver, rho]")?;
        let mut entries = Vec::new();
        let mut ok = true;
        let mut seen: HashMap<(Driver, Driver), usize> = HashMap::new();
        for (index, item) in items.iter().enumerate() {
            match self.correlation(item, index, drivers, &mut seen) {
                Some(entry) => entries.push(entry),
                None => ok = false,
            }
        }
        let drivers = drivers?;
        if !ok || !self.positive_definite(node, drivers, &entries) {
            return None;
        }
        Some(entries.into_iter().map(|(correlation, _)| correlation).collect())
    }

    /// Entry `index`: two different drivers of one scope, not paired before,
    /// and a coefficient strictly between -1 and 1.
    fn correlation(
        &mut self,
        item: &Node,
        index: usize,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
        seen: &mut HashMap<(Driver, Driver), usize>,
    ) -> Option<Entry> {
        let path = join_index("correlations", index);
        let Value::Seq(parts) = &item.value else {
            self.error(&path, item.mark, format!("expected [driver, driver, rho], found {}", describe(item)));
            return None;
        };
        let [first, second, rho] = parts.as_slice() else {
            self.error(&path, item.mark, format!("expected [driver, driver, rho], found {}", describe(item)));
            return None;
        };
        let first = self.driver_name(first, &join_index(&path, 0));
        let second = self.driver_name(second, &join_index(&path, 1));
        let rho_path = join_index(&path, 2);
        let rho = self.number(rho, &rho_path);
        let (first, second, rho) = (first?, second?, rho?);
        if first == second {
            let message = format!("`{}` is correlated with itself; list two different drivers", first.name());
            self.error(&path, item.mark, message);
            return None;
        }
        if !(rho > -Decimal::ONE && rho < Decimal::ONE) {
            self.error(&rho_path, item.mark, format!("rho must be strictly between -1 and 1, found {rho}"));
            return None;
        }
        if drivers.is_some_and(|d| d[first.index()].scope != d[second.index()].scope) {
            self.error(&path, item.mark, format!("`{}` and `{}` have different scopes; only drivers of the same scope (macro or practice) can be correlated", first.name(), second.name()));
            return None;
        }
        if let Some(previous) = seen.insert((first.min(second), first.max(second)), index) {
            let message = format!(
                "the pair `{}`, `{}` is already listed at correlations[{previous}]",
                first.name(),
                second.name()
            );
            self.error(&path, item.mark, message);
            return None;
        }
        let Some(value) = rho.to_f64() else {
            self.error(&rho_path, item.mark, format!("rho {rho} has no floating-point value"));
            return None;
        };
        Some((Correlation { first, second, rho }, value))
    }

    /// Whether each scope's correlations form a positive-definite matrix (an
    /// error naming the drivers where they do not), with the coefficients the
    /// engine will factor.
    fn positive_definite(&mut self, node: &Node, drivers: &[DriverSpec; Driver::COUNT], entries: &[Entry]) -> bool {
        for scope in [Scope::Macro, Scope::Practice] {
            let members: Vec<Driver> = Driver::ALL.into_iter().filter(|d| drivers[d.index()].scope == scope).collect();
            let involved: Vec<&Entry> = entries.iter().filter(|(c, _)| members.contains(&c.first)).collect();
            if involved.is_empty() {
                continue;
            }
            let n = members.len();
            let mut matrix = vec![0.0; n * n];
            for i in 0..n {
                matrix[i * n + i] = 1.0;
            }
            for (c, rho) in &involved {
                let (i, j) = (members.iter().position(|d| *d == c.first), members.iter().position(|d| *d == c.second));
                if let (Some(i), Some(j)) = (i, j) {
                    matrix[i * n + j] = *rho;
                    matrix[j * n + i] = *rho;
                }
            }
            if cholesky(&matrix, n).is_none() {
                let mut names: Vec<&str> =
                    involved.iter().flat_map(|(c, _)| [c.first.name(), c.second.name()]).collect();
                names.sort_unstable();
                names.dedup();
                self.error("correlations", node.mark, format!("the correlations among {} do not form a positive-definite matrix (no set of random variables can have them); weaken some coefficients", names.join(", ")));
                return false;
            }
        }
        true
    }

    fn driver_name(&mut self, node: &Node, path: &str) -> Option<Driver> {
        let name = self.text(node, path)?;
        self.known_driver(&name, path, node.mark)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::validate::context::testing::{node, rendered, value};

    /// Every driver at its default scope (MODEL.md §3).
    fn default_drivers() -> [DriverSpec; Driver::COUNT] {
        use crate::scenario::types::Dist;
        Driver::ALL.map(|d| DriverSpec {
            dist: Dist::Fixed { value: Decimal::ZERO },
            scope: d.default_scope(),
            dynamics: crate::scenario::types::Dynamics::default(),
        })
    }

    fn read(text: &str) -> (Option<Vec<Correlation>>, Vec<String>) {
        let root = node(text);
        let mut ctx = Ctx::default();
        let correlations = ctx.scenario_correlations(Some(value(&root, "correlations")), Some(&default_drivers()));
        (correlations, rendered(&ctx))
    }

    /// When the drivers block failed, scopes are unknown: a correlation of
    /// `labor_inflation` (macro by default) with `volume_growth` (practice)
    /// is not reported again as a scope error; a malformed entry still is.
    #[test]
    fn without_drivers_only_the_entries_shape_is_checked() {
        let root = node("correlations:\n  - [labor_inflation, volume_growth, 0.1]\n  - [mei, mei, 0.5]\n");
        let mut ctx = Ctx::default();
        let correlations = ctx.scenario_correlations(Some(value(&root, "correlations")), None);
        assert_eq!(correlations, None);
        assert_eq!(
            rendered(&ctx),
            ["t.yaml:3:5: error: correlations[1]: `mei` is correlated with itself; list two different drivers"]
        );
    }

    #[test]
    fn valid_entries_keep_their_exact_coefficients() {
        let (correlations, messages) =
            read("correlations:\n  - [labor_inflation, mei, 0.7]\n  - [supply_inflation, mei, -0.25]\n");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            correlations.unwrap(),
            [
                Correlation { first: Driver::LaborInflation, second: Driver::Mei, rho: Decimal::new(7, 1) },
                Correlation { first: Driver::SupplyInflation, second: Driver::Mei, rho: Decimal::new(-25, 2) },
            ]
        );
    }

    #[test]
    fn each_bad_entry_is_named() {
        let (correlations, messages) = read(
            "correlations:\n  - [mei, mei, 0.5]\n  - [labor_inflation, mei, 1]\n  - [labor_inflation, volume_growth, 0.1]\n  - [mei, labor_inflation, 0.2]\n  - [labor_inflation, mei, 0.3]\n  - [labour_inflation, mei]\n  - [wages, mei, x]\n",
        );
        assert_eq!(correlations, None);
        assert_eq!(
            messages,
            [
                "t.yaml:2:5: error: correlations[0]: `mei` is correlated with itself; list two different drivers",
                "t.yaml:3:5: error: correlations[1][2]: rho must be strictly between -1 and 1, found 1",
                "t.yaml:4:5: error: correlations[2]: `labor_inflation` and `volume_growth` have different scopes; only drivers of the same scope (macro or practice) can be correlated",
                "t.yaml:6:5: error: correlations[4]: the pair `labor_inflation`, `mei` is already listed at correlations[3]",
                "t.yaml:7:5: error: correlations[5]: expected [driver, driver, rho], found a list",
                "t.yaml:8:6: error: correlations[6][0]: unknown driver `wages` (drivers: labor_inflation, supply_inflation, other_inflation, commercial_rate_growth, medicaid_rate_growth, ma_shift, mei, volume_growth)",
                "t.yaml:8:18: error: correlations[6][2]: expected a number, found the text \"x\"",
            ]
        );
    }

    #[test]
    fn an_impossible_matrix_is_refused() {
        // rho(a,b) = rho(a,c) = 0.9 forces b and c close together, so
        // rho(b,c) = -0.9 is impossible: the determinant
        // 1 + 2(0.9)(0.9)(-0.9) - 3(0.81) = 1 - 1.458 - 2.43 < 0.
        let (correlations, messages) = read(
            "correlations:\n  - [labor_inflation, mei, 0.9]\n  - [labor_inflation, other_inflation, 0.9]\n  - [other_inflation, mei, -0.9]\n",
        );
        assert_eq!(correlations, None);
        assert_eq!(
            messages,
            ["t.yaml:2:3: error: correlations: the correlations among labor_inflation, mei, other_inflation do not form a positive-definite matrix (no set of random variables can have them); weaken some coefficients"]
        );
    }
}
