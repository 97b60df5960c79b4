//! Cohort tables: one facility per row of a CSV or Parquet file, checked
//! row by row and turned into practices (the file is read by the report
//! layer, which owns polars; this module only sees text cells).

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::types::*;
use super::validate::parse_decimal;
use super::yaml::NumberText;

/// The standard column names a cohort file may hold.
pub const COLUMNS: &[&str] = &[
    "id",
    "kind",
    "medicare_ffs",
    "medicare_advantage",
    "medicaid",
    "commercial",
    "other",
    "labor",
    "supplies",
    "other_costs",
    "cash",
    "name",
    "count",
    "variable_cost_share",
    "basis",
    "program_share",
    "ma_passthrough",
    "ma_rate_ratio",
    "distress_margin",
    "distress_days_cash",
    "closure_days_cash",
];
const REQUIRED: usize = 11;
/// Rows a cohort may hold.
pub const MAX_ROWS: usize = 1_000_000;
/// Errors listed before the rest are only counted.
const MAX_ERRORS: usize = 20;

/// A table as text: a header and rows of cells (`None` for empty or null).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Option<String>>>,
}

struct Row<'a> {
    cells: &'a [Option<String>],
    index: &'a [Option<usize>],
    number: usize,
    errors: &'a mut Vec<String>,
    file: &'a str,
}

impl Row<'_> {
    fn cell(&self, column: usize) -> Option<&str> {
        self.index[column]
            .and_then(|i| self.cells.get(i))
            .and_then(|c| c.as_deref())
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }

    fn fail(&mut self, column: usize, message: String) {
        self.errors.push(format!("{}: row {}, column `{}`: {message}", self.file, self.number, COLUMNS[column]));
    }

    fn number(
        &mut self,
        column: usize,
        default: Option<Decimal>,
        rule: fn(Decimal) -> bool,
        expected: &str,
    ) -> Option<Decimal> {
        let Some(text) = self.cell(column).map(str::to_string) else {
            if default.is_none() {
                self.fail(column, format!("missing value ({expected})"));
            }
            return default;
        };
        match parse_decimal(&NumberText { text: text.clone(), integer_syntax: false }) {
            Ok(value) if value.abs() > Decimal::from(1_000_000_000_000_000i64) => {
                self.fail(column, format!("{value} is implausibly large"));
                None
            }
            Ok(value) if rule(value) => Some(value),
            Ok(value) => {
                self.fail(column, format!("must be {expected}, found {value}"));
                None
            }
            Err(_) if text.parse::<f64>().is_err() || text.contains(['_', ',']) => {
                self.fail(column, format!("expected a number, found {text:?}"));
                None
            }
            Err(message) => {
                self.fail(column, message);
                None
            }
        }
    }
}

fn identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks every row of `table` and builds one practice per row; `file` names
/// the table in messages. All problems are returned, not just the first.
pub fn practices(
    spec: &CohortSpec,
    table: &Table,
    file: &str,
    existing: &[Practice],
) -> Result<Vec<Practice>, Vec<String>> {
    let mut errors = Vec::new();
    if table.rows.len() > MAX_ROWS {
        return Err(vec![format!("{file}: {} rows; a cohort may hold at most {MAX_ROWS}", table.rows.len())]);
    }
    let actual = |standard: &str| -> String {
        spec.columns.iter().find(|(s, _)| s == standard).map_or_else(|| standard.to_string(), |(_, a)| a.clone())
    };
    let index: Vec<Option<usize>> =
        COLUMNS.iter().map(|c| table.columns.iter().position(|h| *h == actual(c))).collect();
    let missing: Vec<String> =
        COLUMNS[..REQUIRED].iter().zip(&index).filter(|(_, i)| i.is_none()).map(|(c, _)| actual(c)).collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "{file}: missing required column(s) {}; the file has {}",
            missing.join(", "),
            table.columns.join(", ")
        )]);
    }
    let used: HashSet<usize> = index.iter().flatten().copied().collect();
    let attribute_columns: Vec<usize> = (0..table.columns.len()).filter(|i| !used.contains(i)).collect();
    let mut seen: HashSet<String> = existing.iter().map(|p| p.id.clone()).collect();
    let d = &spec.defaults;
    let non_negative: fn(Decimal) -> bool = |v| v >= Decimal::ZERO;
    let share: fn(Decimal) -> bool = |v| v >= Decimal::ZERO && v <= Decimal::ONE;
    let any: fn(Decimal) -> bool = |_| true;
    let mut out = Vec::with_capacity(table.rows.len());
    for (r, cells) in table.rows.iter().enumerate() {
        let mut row = Row { cells, index: &index, number: r + 1, errors: &mut errors, file };
        let id = row.cell(0).map(str::to_string);
        let id = match id {
            Some(id) if identifier(&id) => {
                if !seen.insert(id.clone()) {
                    row.fail(0, format!("id `{id}` is used twice; ids must be unique"));
                }
                Some(id)
            }
            Some(id) => {
                row.fail(0, format!("`{id}` is not a valid id: use lowercase letters, digits and `_` only"));
                None
            }
            None => {
                row.fail(0, "missing value (an id)".to_string());
                None
            }
        };
        let kind = match row.cell(1).map(str::to_string) {
            Some(kind) if identifier(&kind) && kind != "all" => Some(kind),
            Some(kind) => {
                row.fail(1, format!("`{kind}` is not a valid kind: lowercase letters, digits and `_`, not `all`"));
                None
            }
            None => {
                row.fail(1, "missing value (a kind)".to_string());
                None
            }
        };
        let amounts: Vec<Option<Decimal>> = (2..REQUIRED)
            .map(|c| {
                if c == 10 {
                    row.number(c, None, any, "a number of dollars")
                } else {
                    row.number(c, None, non_negative, ">= 0 dollars")
                }
            })
            .collect();
        let count = row.number(12, Some(d.count.unwrap_or(Decimal::ONE)), non_negative, ">= 0");
        let vcs = row.number(
            13,
            d.variable_cost_share,
            share,
            "between 0 and 1 (or give cohort.defaults.variable_cost_share)",
        );
        let basis = match row.cell(14) {
            Some("fee_schedule") => Some(Basis::FeeSchedule),
            Some("cost_based") => Some(Basis::CostBased),
            Some(other) => {
                let other = other.to_string();
                row.fail(14, format!("`{other}` is not a basis: use fee_schedule or cost_based"));
                None
            }
            None => Some(d.basis.unwrap_or(Basis::FeeSchedule)),
        };
        let program_share = row.number(15, Some(d.program_share.unwrap_or(Decimal::ONE)), share, "between 0 and 1");
        let ma_passthrough = row.number(16, Some(d.ma_passthrough.unwrap_or(Decimal::ZERO)), share, "between 0 and 1");
        let ma_rate_ratio = row.number(17, Some(d.ma_rate_ratio.unwrap_or(Decimal::ONE)), |v| v > Decimal::ZERO, "> 0");
        let distress_margin =
            row.number(18, Some(d.distress_margin.unwrap_or(Decimal::ZERO)), |v| v < Decimal::ONE, "below 1");
        let distress_days =
            row.number(19, Some(d.distress_days_cash.unwrap_or(Decimal::from(30))), any, "a number of days");
        let closure_days = row.number(20, Some(d.closure_days_cash.unwrap_or(Decimal::ZERO)), any, "a number of days");
        let name = row.cell(11).map(str::to_string);
        let attributes: Vec<(String, String)> = attribute_columns
            .iter()
            .map(|&i| (table.columns[i].clone(), cells.get(i).cloned().flatten().unwrap_or_default()))
            .collect();
        let (Some(id), Some(kind), Some(count), Some(vcs), Some(basis)) = (id, kind, count, vcs, basis) else {
            continue;
        };
        let [Some(ffs), Some(ma), Some(medicaid), Some(commercial), Some(other), Some(labor), Some(supplies), Some(other_costs), Some(cash)] =
            <[Option<Decimal>; 9]>::try_from(amounts).unwrap_or([None; 9])
        else {
            continue;
        };
        let (
            Some(program_share),
            Some(ma_passthrough),
            Some(ma_rate_ratio),
            Some(distress_margin),
            Some(distress_days),
            Some(closure_days),
        ) = (program_share, ma_passthrough, ma_rate_ratio, distress_margin, distress_days, closure_days)
        else {
            continue;
        };
        let revenue = Revenue { medicare_ffs: ffs, medicare_advantage: ma, medicaid, commercial, other };
        let costs = Costs { labor, supplies, other: other_costs };
        if revenue.total() <= Decimal::ZERO {
            errors.push(format!("{file}: row {}: base revenue must total more than 0", r + 1));
            continue;
        }
        if costs.total() <= Decimal::ZERO {
            errors.push(format!("{file}: row {}: base costs must total more than 0", r + 1));
            continue;
        }
        out.push(Practice {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            kind,
            count,
            revenue,
            costs,
            variable_cost_share: vcs,
            cash,
            medicare: MedicareTerms { basis, program_share, ma_passthrough, ma_rate_ratio },
            thresholds: Thresholds {
                distress_margin,
                distress_days_cash: distress_days,
                closure_days_cash: closure_days,
            },
            driver_overrides: d.driver_overrides.clone(),
            attributes,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        let total = errors.len();
        errors.truncate(MAX_ERRORS);
        if total > MAX_ERRORS {
            errors.push(format!("{file}: … and {} more problems not listed", total - MAX_ERRORS));
        }
        Err(errors)
    }
}

/// `for_kinds` entries naming a kind no practice has, once a cohort's kinds are known.
pub fn unknown_kinds(scenario: &Scenario) -> Vec<String> {
    let kinds = scenario.kinds();
    let mut problems = Vec::new();
    // Imported files may name kinds the scenario lacks (MODEL.md §1 "Imports").
    for policy in scenario.policies.iter().filter(|p| p.import.is_none()) {
        for (kind, _) in &policy.for_kinds {
            if !kinds.contains(kind) {
                problems.push(format!(
                    "policies.{}.for_kinds.{kind}: no practice has kind `{kind}` (kinds here: {})",
                    policy.name,
                    kinds.join(", ")
                ));
            }
        }
    }
    problems
}
