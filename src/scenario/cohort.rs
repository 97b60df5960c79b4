//! Cohort tables as practices: each row of a table (read as text cells by
//! `cohort_table`, or from Parquet by the report layer, which owns polars)
//! checked by the practice rules of `practice` (the same rules, defaults and
//! messages as a practice in a scenario file) and turned into a practice.
//! Column names, the number grammar and how problems are positioned
//! (`FILE: row N, column NAME`, the column named as the file names it) are
//! the cohort record's (`cohort_table`).

use std::collections::HashSet;
use std::path::Path;

use rust_decimal::Decimal;

use super::cohort_table::{self, MissingColumns, Problems};
pub use super::cohort_table::{CohortError, Table, MAX_ROWS};
use super::practice::{self, Defaults, Ids, Read, Source};
use super::text::no_such_kind;
use super::types::{Block, CohortSpec, Field, Practice, Scenario};

/// Where each field's column is, resolved once from the table's header.
struct Columns {
    /// By [`Field::index`]: the column's position, if the table has it.
    index: [Option<usize>; Field::COUNT],
    /// By [`Field::index`]: the column's name in the file (a rename, or the standard name).
    names: Vec<String>,
    /// The columns no field reads: grouping attributes, in file order.
    attributes: Vec<usize>,
}

impl Columns {
    /// The columns of `table` under the renames of `spec`, or the required
    /// columns it lacks.
    fn resolve(spec: &CohortSpec, table: &Table) -> Result<Columns, MissingColumns> {
        let names: Vec<String> = Field::ALL
            .iter()
            .map(|field| {
                let renamed = spec.columns.iter().find(|(f, _)| f == field);
                renamed.map_or_else(|| field.column().to_string(), |(_, name)| name.clone())
            })
            .collect();
        let index = Field::ALL.map(|field| table.columns.iter().position(|h| *h == names[field.index()]));
        let missing: Vec<String> = Field::ALL
            .iter()
            .filter(|f| f.required_column() && index[f.index()].is_none())
            .map(|f| names[f.index()].clone())
            .collect();
        if !missing.is_empty() {
            return Err(MissingColumns { missing, present: table.columns.clone() });
        }
        let used: HashSet<usize> = index.iter().flatten().copied().collect();
        let attributes = (0..table.columns.len()).filter(|i| !used.contains(i)).collect();
        Ok(Columns { index, names, attributes })
    }

    /// The field's cell in `cells`, trimmed; `None` when empty or absent.
    fn cell<'t>(&self, cells: &'t [Option<String>], field: Field) -> Option<&'t str> {
        self.index[field.index()]
            .and_then(|i| cells.get(i))
            .and_then(|c| c.as_deref())
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }

    /// A row's grouping attributes: (column, cell), an empty cell as "".
    fn attributes(&self, header: &[String], cells: &[Option<String>]) -> Vec<(String, String)> {
        self.attributes
            .iter()
            .map(|&i| (header[i].clone(), cells.get(i).cloned().flatten().unwrap_or_default()))
            .collect()
    }
}

/// One row, read for the practice rules.
struct Row<'t> {
    cells: &'t [Option<String>],
    columns: &'t Columns,
    /// Counting data rows from 1.
    number: usize,
    file: &'t Path,
    problems: &'t mut Problems,
}

impl Row<'_> {
    fn push(&mut self, column: Option<String>, message: String) {
        self.problems.push(self.file, self.number, column, message);
    }
}

impl Source for Row<'_> {
    fn text(&mut self, field: Field) -> Read<String> {
        self.columns.cell(self.cells, field).map_or(Read::Absent, |text| Read::Given(text.to_string()))
    }

    fn number(&mut self, field: Field) -> Read<Decimal> {
        let text = self.columns.cell(self.cells, field);
        practice::cell_number(self, field, text)
    }

    fn error(&mut self, field: Field, message: String) {
        let column = self.columns.names[field.index()].clone();
        self.push(Some(column), message);
    }

    fn missing(&mut self, field: Field) {
        let hint = if field.required_column() {
            String::new()
        } else {
            format!("; give one or set cohort.defaults.{}", field.path())
        };
        self.error(field, format!("missing value ({}){hint}", field.expected()));
    }

    fn block_error(&mut self, _: Block, message: &str) {
        self.push(None, message.to_string());
    }

    fn label(&self) -> String {
        format!("row {}", self.number)
    }
}

/// Checks every row of `table` and builds one practice per row; `file` names
/// the table in messages, `existing` are the scenario's own practices (whose
/// ids a row may not take). All problems are counted, not just the first.
pub fn practices(
    spec: &CohortSpec,
    table: &Table,
    file: &str,
    existing: &[Practice],
) -> Result<Vec<Practice>, CohortError> {
    let path = Path::new(file);
    if table.rows.len() > MAX_ROWS {
        let message = format!("{} rows; a cohort may hold at most {MAX_ROWS}", table.rows.len());
        return Err(CohortError::table(path, message));
    }
    let columns = Columns::resolve(spec, table).map_err(|missing| CohortError::table(path, missing.to_string()))?;
    let defaults = Defaults::cohort(&spec.defaults);
    let mut ids = Ids::taken_by(existing);
    let mut problems = Problems::default();
    let mut out = Vec::with_capacity(table.rows.len());
    for (r, cells) in table.rows.iter().enumerate() {
        let mut row = Row { cells, columns: &columns, number: r + 1, file: path, problems: &mut problems };
        if let Some(practice) = practice::practice(&mut row, &defaults, &mut ids) {
            let (driver_overrides, cost_response) = spec.defaults.for_kind(&practice.kind);
            out.push(Practice {
                driver_overrides,
                cost_response,
                attributes: columns.attributes(&table.columns, cells),
                ..practice
            });
        }
    }
    problems.into_result(path)?;
    Ok(out)
}

/// Reads the cohort CSV `file` ([`cohort_table::read_csv`]) and checks
/// every row as [`practices`] does; the table is named as `file` is.
pub fn read_practices(spec: &CohortSpec, file: &Path, existing: &[Practice]) -> Result<Vec<Practice>, CohortError> {
    let table = cohort_table::read_csv(file)?;
    practices(spec, &table, &file.display().to_string(), existing)
}

/// `for_kinds` entries naming a kind no practice has, once a cohort's kinds are known.
pub fn unknown_kinds(scenario: &Scenario) -> Vec<String> {
    let kinds = scenario.kinds();
    let mut problems = Vec::new();
    if let Some(cohort) = &scenario.cohort {
        for (kind, _) in &cohort.defaults.for_kinds {
            if !kinds.contains(kind) {
                let message = no_such_kind(kind, kinds.iter().map(String::as_str));
                problems.push(format!("cohort.defaults.for_kinds.{kind}: {message}"));
            }
        }
    }
    // Imported files may name kinds the scenario lacks (MODEL.md §1 "Imports").
    for policy in scenario.policies.iter().filter(|p| p.import.is_none()) {
        for (kind, _) in &policy.for_kinds {
            if !kinds.contains(kind) {
                let message = no_such_kind(kind, kinds.iter().map(String::as_str));
                problems.push(format!("policies.{}.for_kinds.{kind}: {message}", policy.name));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::types::{Basis, CohortDefaults};

    const HEADER: &str =
        "id,kind,medicare_ffs,medicare_advantage,medicaid,commercial,other,labor,supplies,other_costs,cash";

    fn table(header: &str, rows: &[&str]) -> Table {
        let cells = |line: &str| -> Vec<Option<String>> {
            line.split(',').map(|c| if c.is_empty() { None } else { Some(c.to_string()) }).collect()
        };
        Table {
            columns: header.split(',').map(str::to_string).collect(),
            rows: rows.iter().map(|r| cells(r)).collect(),
        }
    }

    fn spec() -> CohortSpec {
        let defaults = CohortDefaults { variable_cost_share: Some(Decimal::new(3, 1)), ..CohortDefaults::default() };
        CohortSpec { file: "c.csv".to_string(), defaults, columns: Vec::new() }
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn errors(spec: &CohortSpec, table: &Table, existing: &[Practice]) -> String {
        practices(spec, table, "c.csv", existing).unwrap_err().to_string()
    }

    #[test]
    fn a_row_becomes_a_practice_with_its_attributes() {
        let t = table(
            &format!("{HEADER},state,basis,name"),
            &["ccn_1,critical_access_hospital,3067410.19,0,777020,1e6,0,8921270,0,0,-5,GA,cost_based,JEFF DAVIS"],
        );
        let practices = practices(&spec(), &t, "c.csv", &[]).unwrap();
        let p = &practices[0];
        assert_eq!((p.id.as_str(), p.name.as_str()), ("ccn_1", "JEFF DAVIS"));
        // 3067410.19 + 777020 + 1000000 = 4844430.19.
        assert_eq!(p.revenue.total(), dec("4844430.19"));
        assert_eq!(p.cash, dec("-5"));
        assert_eq!(p.medicare.basis, Basis::CostBased);
        assert_eq!(p.count, Decimal::ONE);
        assert_eq!(p.variable_cost_share, dec("0.3"));
        assert_eq!(p.thresholds.distress_days_cash, dec("30"));
        assert_eq!(p.attributes, [("state".to_string(), "GA".to_string())]);
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let t = table(
            &format!("{HEADER},variable_cost_share"),
            &[
                "ok_one,clinic,1,0,0,0,0,1,0,0,0,",
                "bad_two,clinic,-5,0,0,0,0,1,0,0,0,",
                "Bad Three,clinic,1,0,0,0,0,1,0,0,0,",
                "four,clinic,1,lots,0,0,0,1,0,0,0,",
                "ok_one,all,1,0,0,0,0,1,0,0,,",
                "six,clinic,1,0,0,0,0,1,0,0,0,40",
                "seven,clinic,1_000,0,0,0,0,1,0,0,.nan,",
            ],
        );
        let mut no_default = spec();
        no_default.defaults.variable_cost_share = None;
        assert_eq!(
            errors(&no_default, &t, &[]),
            "c.csv: row 1, column `variable_cost_share`: missing value (between 0 and 1); give one or set cohort.defaults.variable_cost_share\n\
             c.csv: row 2, column `medicare_ffs`: must be >= 0 dollars, found -5\n\
             c.csv: row 2, column `variable_cost_share`: missing value (between 0 and 1); give one or set cohort.defaults.variable_cost_share\n\
             c.csv: row 3, column `id`: `Bad Three` is not a valid id: use lowercase letters, digits and `_` only\n\
             c.csv: row 3, column `variable_cost_share`: missing value (between 0 and 1); give one or set cohort.defaults.variable_cost_share\n\
             c.csv: row 4, column `medicare_advantage`: expected a number, found \"lots\"\n\
             c.csv: row 4, column `variable_cost_share`: missing value (between 0 and 1); give one or set cohort.defaults.variable_cost_share\n\
             c.csv: row 5, column `id`: id `ok_one` is already used by row 1; ids must be unique\n\
             c.csv: row 5, column `kind`: `all` is reserved for the national total over kinds; choose another kind name\n\
             c.csv: row 5, column `variable_cost_share`: missing value (between 0 and 1); give one or set cohort.defaults.variable_cost_share\n\
             c.csv: row 5, column `cash`: missing value (a number of dollars)\n\
             c.csv: row 6, column `variable_cost_share`: must be between 0 and 1, found 40; shares are fractions, so 40% is 0.40\n\
             c.csv: row 7, column `medicare_ffs`: expected a number, found \"1_000\"\n\
             c.csv: row 7, column `variable_cost_share`: missing value (between 0 and 1); give one or set cohort.defaults.variable_cost_share\n\
             c.csv: row 7, column `cash`: must be a number, not `.nan`\n\
             c.csv: the cohort was not used"
        );
    }

    #[test]
    fn renamed_columns_are_named_as_the_file_names_them() {
        let mut renamed = spec();
        renamed.columns = vec![(Field::Id, "ccn".to_string())];
        let header = HEADER.replacen("id", "ccn", 1);
        let t = table(&header, &["X1,clinic,1,0,0,0,0,1,0,0,0", "x2,clinic,0,0,0,0,0,1,0,0,0"]);
        assert_eq!(
            errors(&renamed, &t, &[]),
            "c.csv: row 1, column `ccn`: `X1` is not a valid id: use lowercase letters, digits and `_` only\n\
             c.csv: row 2: base revenue must total more than 0 (margins divide by revenue)\n\
             c.csv: the cohort was not used"
        );
        let t = table("ccn,kind,medicare_ffs", &["x,clinic,1"]);
        assert_eq!(
            errors(&spec(), &t, &[]),
            "c.csv: missing required column(s) id, medicare_advantage, medicaid, commercial, other, labor, supplies, other_costs, cash; the file has ccn, kind, medicare_ffs\n\
             c.csv: the cohort was not used"
        );
    }

    #[test]
    fn ids_of_the_scenario_are_taken_and_long_lists_are_cut() {
        let row = "clinic,clinic,1,0,0,0,0,1,0,0,0";
        let existing = practices(&spec(), &table(HEADER, &[row]), "c.csv", &[]).unwrap();
        let rows: Vec<String> = (0..25).map(|i| format!("X{i},clinic,1,0,0,0,0,1,0,0,0")).collect();
        let mut all: Vec<&str> = vec![row];
        all.extend(rows.iter().map(String::as_str));
        let message = errors(&spec(), &table(HEADER, &all), &existing);
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(
            lines[0],
            "c.csv: row 1, column `id`: id `clinic` is already used by practices[0]; ids must be unique"
        );
        // 1 + 25 problems, 20 listed, 26 - 20 = 6 counted.
        assert_eq!(lines.len(), 22);
        assert_eq!(lines[20], "c.csv: … and 6 more problems not listed");
    }

    #[test]
    fn for_kinds_of_the_scenario_must_name_a_cohort_kind() {
        let text = include_str!("../../tests/data/valid_minimal.yaml");
        let (scenario, _) = crate::scenario::parse_str(text);
        let mut scenario = scenario.unwrap();
        scenario.practices.retain(|p| p.kind == "rural_clinic");
        assert_eq!(
            unknown_kinds(&scenario),
            ["policies.rural_relief.for_kinds.rural_hospital: no practice has kind `rural_hospital` (kinds here: rural_clinic)"]
        );
    }
}
