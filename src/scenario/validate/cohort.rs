//! `cohort:` (README "Cohorts"): the table's file, `defaults` for the
//! optional columns (checked by the practice rules, as the fields they stand
//! in for) and `columns` renames. The table itself is read later, by
//! `scenario::cohort`.

use super::context::Ctx;
use super::practices::YamlPractice;
use crate::scenario::practice;
use crate::scenario::types::{CohortDefaults, CohortSpec, Driver, DriverSpec, Field};
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
        let allowed = ["count", "variable_cost_share", "medicare", "thresholds", "drivers", "cost_response", "source"];
        let top = self.fields(node, "cohort.defaults", &allowed)?;
        self.source(top.get("source"), "cohort.defaults.source");
        let mut defaults = practice::cohort_defaults(&mut YamlPractice::new(self, top.clone(), false));
        if let Some(node) = top.get("drivers") {
            defaults.driver_overrides = self.overrides(node, "cohort.defaults.drivers", drivers)?;
        }
        if let Some(node) = top.get("cost_response") {
            defaults.cost_response = Some(self.cost_response(node, "cohort.defaults.cost_response")?);
        }
        Some(defaults)
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
    fn defaults_follow_the_practice_rules() {
        let (spec, messages) = read(
            "cohort:\n  file: h.csv\n  defaults:\n    count: -1\n    medicare: {basis: capitation, program_share: 80}\n    revenue: {medicare_ffs: 1}\n  columns: {ident: id}\n",
        );
        assert_eq!(spec, None);
        assert_eq!(
            messages,
            [
                "t.yaml:6:5: error: cohort.defaults.revenue: unknown key `revenue` (allowed here: count, variable_cost_share, medicare, thresholds, drivers, cost_response, source)",
                "t.yaml:4:12: error: cohort.defaults.count: must be >= 0 (the number of real practices it stands for), found -1",
                "t.yaml:5:23: error: cohort.defaults.medicare.basis: unknown basis `capitation`: use fee_schedule or cost_based",
                "t.yaml:5:50: error: cohort.defaults.medicare.program_share: must be between 0 and 1, found 80; shares are fractions, so 80% is 0.80",
                "t.yaml:7:13: error: cohort.columns.ident: `ident` is not a cohort column (columns: id, kind, medicare_ffs, medicare_advantage, medicaid, commercial, other, labor, supplies, other_costs, cash, name, count, variable_cost_share, basis, program_share, ma_passthrough, ma_rate_ratio, distress_margin, distress_days_cash, closure_days_cash)",
            ]
        );
    }
}
