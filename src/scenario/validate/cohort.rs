//! `cohort:` (README "Cohorts"): the table's file, `defaults` for the
//! optional columns (checked by the practice rules, as the fields they stand
//! in for) and `columns` renames. The table itself is read later, by
//! `scenario::cohort`.

use super::context::Ctx;
use super::practices::YamlPractice;
use crate::scenario::practice;
use crate::scenario::types::{CohortDefaults, CohortSpec, Driver, DriverSpec, Field, KindDefaults};
use crate::scenario::yaml::{join_key, scalar_text, Node};

impl Ctx {
    /// The `cohort:` block.
    pub(super) fn cohort(&mut self, node: &Node, drivers: Option<&[DriverSpec; Driver::COUNT]>) -> Option<CohortSpec> {
        let f = self.fields(node, "cohort", &["file", "defaults", "columns", "source"])?;
        self.source(f.get("source"), "cohort.source");
        let file = self
            .required(&f, "file", "a .csv or .parquet file, relative to the scenario")
            .and_then(|n| self.text(n, "cohort.file"));
        let defaults = match f.get("defaults") {
            Some(node) => self.cohort_defaults(node, drivers),
            None => Some(CohortDefaults::default()),
        };
        let columns = match f.get("columns") {
            Some(node) => self.cohort_columns(node),
            None => Some(Vec::new()),
        };
        Some(CohortSpec { file: file?, defaults: defaults?, columns: columns? })
    }

    /// `cohort.defaults`: practice fields a row may leave empty, and drivers.
    fn cohort_defaults(
        &mut self,
        node: &Node,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
    ) -> Option<CohortDefaults> {
        let allowed = [
            "count",
            "variable_cost_share",
            "medicare",
            "thresholds",
            "drivers",
            "cost_response",
            "for_kinds",
            "source",
        ];
        let top = self.fields(node, "cohort.defaults", &allowed)?;
        self.source(top.get("source"), "cohort.defaults.source");
        let mut defaults = practice::cohort_defaults(&mut YamlPractice::new(self, top.clone(), false));
        if let Some(node) = top.get("drivers") {
            defaults.driver_overrides = self.overrides(node, "cohort.defaults.drivers", drivers)?;
        }
        if let Some(node) = top.get("cost_response") {
            defaults.cost_response = Some(self.cost_response(node, "cohort.defaults.cost_response")?);
        }
        if let Some(node) = top.get("for_kinds") {
            defaults.for_kinds = self.cohort_kinds(node, drivers)?;
        }
        Some(defaults)
    }

    /// `cohort.defaults.for_kinds: {KIND: {drivers, cost_response}}`: the
    /// rows of one kind take these over the defaults (whether the cohort has
    /// the kind is checked once its rows are read).
    fn cohort_kinds(
        &mut self,
        node: &Node,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
    ) -> Option<Vec<(String, KindDefaults)>> {
        let path = "cohort.defaults.for_kinds";
        let entries = self.entries(node, path, "a mapping from kinds to their drivers and cost_response")?;
        let mut out = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            let kind_path = join_key(path, &scalar_text(key));
            let Some(kind) = self.identifier(key, &kind_path) else {
                ok = false;
                continue;
            };
            let Some(f) = self.fields(value, &kind_path, &["drivers", "cost_response", "source"]) else {
                ok = false;
                continue;
            };
            self.source(f.get("source"), &f.path("source"));
            let driver_overrides = match f.get("drivers") {
                Some(n) => self.overrides(n, &f.path("drivers"), drivers),
                None => Some(Vec::new()),
            };
            let cost_response = match f.get("cost_response") {
                Some(n) => self.cost_response(n, &f.path("cost_response")).map(Some),
                None => Some(None),
            };
            match (driver_overrides, cost_response) {
                (Some(driver_overrides), Some(cost_response)) => {
                    out.push((kind, KindDefaults { driver_overrides, cost_response }))
                }
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// `cohort.columns`: standard column name → the file's column name.
    fn cohort_columns(&mut self, node: &Node) -> Option<Vec<(Field, String)>> {
        let entries =
            self.entries(node, "cohort.columns", "a mapping from standard column names to the file's column names")?;
        let mut columns = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            let standard = scalar_text(key);
            let path = join_key("cohort.columns", &standard);
            match Field::from_column(&standard) {
                Some(field) => {
                    if let Some(actual) = self.text(value, &path) {
                        columns.push((field, actual));
                    }
                }
                None => {
                    let names: Vec<&str> = Field::ALL.iter().map(|f| f.column()).collect();
                    let message = format!("`{standard}` is not a cohort column (columns: {})", names.join(", "));
                    self.error(&path, key.mark, message);
                    ok = false;
                }
            }
        }
        ok.then_some(columns)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::scenario::types::Basis;
    use crate::scenario::validate::context::testing::{node, rendered, value};

    fn read(text: &str) -> (Option<CohortSpec>, Vec<String>) {
        let root = node(text);
        let mut ctx = Ctx::default();
        let spec = ctx.cohort(value(&root, "cohort"), None);
        (spec, rendered(&ctx))
    }

    #[test]
    fn a_cohort_block_is_read_with_its_defaults_and_renames() {
        let (spec, messages) = read(
            "cohort:\n  file: hospitals.csv\n  defaults:\n    variable_cost_share: {value: 0.35, source: \"assumption\"}\n    medicare: {basis: cost_based, program_share: 0.8}\n    thresholds: {distress_days_cash: 45}\n  columns: {id: ccn, other_costs: other_expenses}\n",
        );
        assert!(messages.is_empty(), "{messages:?}");
        let spec = spec.unwrap();
        assert_eq!(spec.file, "hospitals.csv");
        let expected = CohortDefaults {
            variable_cost_share: Some(Decimal::new(35, 2)),
            basis: Some(Basis::CostBased),
            program_share: Some(Decimal::new(8, 1)),
            distress_days_cash: Some(Decimal::from(45)),
            ..CohortDefaults::default()
        };
        assert_eq!(spec.defaults, expected);
        assert_eq!(spec.columns, [(Field::Id, "ccn".to_string()), (Field::OtherCosts, "other_expenses".to_string())]);
    }

    #[test]
    fn a_kind_takes_its_own_drivers_and_response_over_the_defaults() {
        let (spec, messages) = read(
            "cohort:\n  file: h.csv\n  defaults:\n    cost_response: {speed: 0.15}\n    drivers:\n      volume_growth: {dist: normal, mean: 0, sd: 0.07}\n      labor_inflation: {dist: normal, mean: 0.03, sd: 0.07}\n    for_kinds:\n      cah:\n        drivers: {volume_growth: {dist: normal, mean: 0, sd: 0.08, noise: 0.01}}\n        cost_response: {speed: 0.18, target: -0.05}\n",
        );
        assert!(messages.is_empty(), "{messages:?}");
        let defaults = spec.unwrap().defaults;
        let (drivers, response) = defaults.for_kind("cah");
        // labor from the defaults, volume replaced by the kind's (noise included).
        assert_eq!(drivers.len(), 2);
        let volume = drivers.iter().find(|(d, _)| *d == Driver::VolumeGrowth).unwrap();
        assert_eq!(volume.1.dynamics.noise, Decimal::new(1, 2));
        let response = response.unwrap();
        assert_eq!(response.speed, Decimal::new(18, 2));
        assert_eq!(response.target, crate::scenario::types::CostTarget::Margin(Decimal::new(-5, 2)));
        // Another kind keeps the defaults.
        let (drivers, response) = defaults.for_kind("urban");
        assert_eq!(drivers.iter().find(|(d, _)| *d == Driver::VolumeGrowth).unwrap().1.dynamics.noise, Decimal::ZERO);
        assert_eq!(response.unwrap().speed, Decimal::new(15, 2));
        // Only drivers and cost_response (and a source) per kind.
        let (_, messages) = read("cohort:\n  file: h.csv\n  defaults:\n    for_kinds:\n      cah: {count: 3}\n");
        assert_eq!(
            messages,
            ["t.yaml:5:13: error: cohort.defaults.for_kinds.cah.count: unknown key `count` (allowed here: drivers, cost_response, source)"]
        );
    }

    #[test]
    fn defaults_follow_the_practice_rules() {
        let (spec, messages) = read(
            "cohort:\n  file: h.csv\n  defaults:\n    count: -1\n    medicare: {basis: capitation, program_share: 80}\n    revenue: {medicare_ffs: 1}\n  columns: {ident: id}\n",
        );
        assert_eq!(spec, None);
        assert_eq!(
            messages,
            [
                "t.yaml:6:5: error: cohort.defaults.revenue: unknown key `revenue` (allowed here: count, variable_cost_share, medicare, thresholds, drivers, cost_response, for_kinds, source)",
                "t.yaml:4:12: error: cohort.defaults.count: must be >= 0 (the number of real practices it stands for), found -1",
                "t.yaml:5:23: error: cohort.defaults.medicare.basis: unknown basis `capitation`: use fee_schedule or cost_based",
                "t.yaml:5:50: error: cohort.defaults.medicare.program_share: must be between 0 and 1, found 80; shares are fractions, so 80% is 0.80",
                "t.yaml:7:13: error: cohort.columns.ident: `ident` is not a cohort column (columns: id, kind, medicare_ffs, medicare_advantage, medicaid, commercial, other, labor, supplies, other_costs, cash, name, count, variable_cost_share, basis, program_share, ma_passthrough, ma_rate_ratio, distress_margin, distress_days_cash, closure_days_cash)",
            ]
        );
    }
}
