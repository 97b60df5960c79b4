//! The cohort record: one row per facility of a cohort table, as `seqsim
//! import cms-cost-report` writes it and `seqsim run` (through
//! `scenario::cohort`), `calibrate` and `backtest` (through
//! `import::panel`) read it. It owns the table's format once: the columns
//! ([`SCHEMA`]: names, order, what each holds, who needs it), the number
//! grammar (a YAML number read exactly, [`cell_number`]), the CSV reader
//! ([`read_csv`]), the typed reader ([`records`]), the writer
//! ([`write_csv`]) and how a table's problems are reported ([`CohortError`],
//! `FILE: row N, column NAME`, data rows counted from 1).
//!
//! Pure apart from [`read_csv`], which reads one file; it never prints.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use super::csv;
use super::diagnostic::{Diagnostic, Position};
use super::types::{Costs, Field, Revenue};
use crate::calendar::Date;

pub use super::number::{cell_number, NumberError};

/// Rows a cohort may hold.
pub const MAX_ROWS: usize = 1_000_000;
/// The largest cohort table read, in bytes.
pub const MAX_TABLE_BYTES: u64 = 256 * 1024 * 1024;
/// Problems listed before the rest are only counted.
const MAX_ERRORS: usize = 20;

/// The standard column names of a cohort table.
pub mod column {
    /// Unique facility id, `[a-z0-9_]+` (the importer writes `ccn_` and the CCN).
    pub const ID: &str = "id";
    /// Six-character CCN.
    pub const CCN: &str = "ccn";
    /// Facility name.
    pub const NAME: &str = "name";
    /// Cohort kind (`critical_access_hospital`, ...).
    pub const KIND: &str = "kind";
    /// `fee_schedule` or `cost_based`.
    pub const BASIS: &str = "basis";
    /// Revenue from traditional Medicare.
    pub const MEDICARE_FFS: &str = "medicare_ffs";
    /// Revenue from Medicare Advantage.
    pub const MEDICARE_ADVANTAGE: &str = "medicare_advantage";
    /// Revenue from Medicaid.
    pub const MEDICAID: &str = "medicaid";
    /// Revenue from commercial insurance (every other payer, for the importer).
    pub const COMMERCIAL: &str = "commercial";
    /// Other revenue.
    pub const OTHER: &str = "other";
    /// Labor costs.
    pub const LABOR: &str = "labor";
    /// Supply costs.
    pub const SUPPLIES: &str = "supplies";
    /// Other costs.
    pub const OTHER_COSTS: &str = "other_costs";
    /// Cash (of the import's cash definition).
    pub const CASH: &str = "cash";
    /// State code.
    pub const STATE: &str = "state";
    /// County.
    pub const COUNTY: &str = "county";
    /// Medicare CBSA number.
    pub const CBSA: &str = "cbsa";
    /// `Rural Versus Urban` flag.
    pub const RURAL_URBAN: &str = "rural_urban";
    /// CCN facility type code.
    pub const FACILITY_TYPE: &str = "facility_type";
    /// Type of control, in words.
    pub const CONTROL: &str = "control";
    /// Number of beds, as reported.
    pub const BEDS: &str = "beds";
    /// Reporting period begin.
    pub const FISCAL_YEAR_BEGIN: &str = "fiscal_year_begin";
    /// Reporting period end.
    pub const FISCAL_YEAR_END: &str = "fiscal_year_end";
    /// Days in the reporting period.
    pub const PERIOD_DAYS: &str = "period_days";
    /// Annualised inpatient days of all payers.
    pub const PATIENT_DAYS: &str = "patient_days";
    /// How `medicare_ffs` was estimated.
    pub const EST_MEDICARE_FFS: &str = "est_medicare_ffs";
    /// How `medicare_advantage` was estimated.
    pub const EST_MEDICARE_ADVANTAGE: &str = "est_medicare_advantage";
    /// How `medicaid` was obtained (`reported` when read from the report).
    pub const EST_MEDICAID: &str = "est_medicaid";
    /// How `commercial` was estimated.
    pub const EST_COMMERCIAL: &str = "est_commercial";
    /// How `other` was obtained.
    pub const EST_OTHER: &str = "est_other";
    /// City.
    pub const CITY: &str = "city";
    /// Five-digit ZIP.
    pub const ZIP: &str = "zip";
    /// Primary RUCA code of the ZIP.
    pub const RUCA: &str = "ruca";
    /// Whether the CBSA is non-metropolitan.
    pub const RURAL_CBSA: &str = "rural_cbsa";
    /// The import's margin definition.
    pub const MARGIN_DEFINITION: &str = "margin_definition";
    /// The import's cash definition.
    pub const CASH_DEFINITION: &str = "cash_definition";
    /// The import's rural definition.
    pub const RURAL_DEFINITION: &str = "rural_definition";
    /// Annualised net patient revenue.
    pub const NET_PATIENT_REVENUE: &str = "net_patient_revenue";
    /// Annualised other income as used.
    pub const OTHER_INCOME: &str = "other_income";
    /// Annualised other expenses as used.
    pub const OTHER_EXPENSES: &str = "other_expenses";
    /// How other income was taken.
    pub const OTHER_INCOME_RULE: &str = "other_income_rule";
    /// Annualised net income of the margin definition.
    pub const NET_INCOME: &str = "net_income";
    /// Annualised net income from service to patients.
    pub const NET_INCOME_PATIENT_CARE: &str = "net_income_patient_care";
    /// Cash on hand and in banks + temporary investments.
    pub const CASH_LIQUID: &str = "cash_liquid";
    /// Long-term investments.
    pub const INVESTMENTS: &str = "investments";
    /// Real facilities a row stands for.
    pub const COUNT: &str = "count";
    /// Share of costs that moves with volume.
    pub const VARIABLE_COST_SHARE: &str = "variable_cost_share";
    /// Share of the FFS book that is program payment.
    pub const PROGRAM_SHARE: &str = "program_share";
    /// Share of MA revenue passing the sequester through.
    pub const MA_PASSTHROUGH: &str = "ma_passthrough";
    /// MA payment for a migrated FFS dollar.
    pub const MA_RATE_RATIO: &str = "ma_rate_ratio";
    /// Margin below which a year is in distress.
    pub const DISTRESS_MARGIN: &str = "distress_margin";
    /// Days of cash below which a year is in distress.
    pub const DISTRESS_DAYS_CASH: &str = "distress_days_cash";
    /// Days of cash below which cash counts as exhausted.
    pub const CLOSURE_DAYS_CASH: &str = "closure_days_cash";
}

/// What a column's cells hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// Free text.
    Text,
    /// A number in the YAML syntax ([`cell_number`]), read exactly.
    Number,
    /// A date `YYYY-MM-DD`.
    Date,
}

/// Which readers need a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Every reader: the kind and the amounts.
    Always,
    /// `seqsim run`: a practice needs its id and cash.
    Run,
    /// `calibrate` and `backtest`, which match releases by CCN and date.
    Matching,
    /// Nobody: read when present.
    Optional,
}

/// One standard column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Its name in the header.
    pub name: &'static str,
    /// What its cells hold.
    pub holds: Holds,
    /// Which readers need it.
    pub need: Need,
    /// Whether the importer writes it ([`write_csv`]'s header).
    pub written: bool,
}

const fn col(name: &'static str, holds: Holds, need: Need, written: bool) -> Column {
    Column { name, holds, need, written }
}

/// Every standard column, in the order the importer writes them (then the
/// practice fields only a hand-made table gives).
pub const SCHEMA: &[Column] = {
    use column::*;
    use Holds::{Date as D, Number as N, Text as T};
    use Need::{Always as A, Matching as M, Optional as O, Run as R};
    &[
        col(ID, T, R, true),
        col(CCN, T, M, true),
        col(NAME, T, O, true),
        col(KIND, T, A, true),
        col(BASIS, T, O, true),
        col(MEDICARE_FFS, N, A, true),
        col(MEDICARE_ADVANTAGE, N, A, true),
        col(MEDICAID, N, A, true),
        col(COMMERCIAL, N, A, true),
        col(OTHER, N, A, true),
        col(LABOR, N, A, true),
        col(SUPPLIES, N, A, true),
        col(OTHER_COSTS, N, A, true),
        col(CASH, N, R, true),
        col(STATE, T, O, true),
        col(COUNTY, T, O, true),
        col(CBSA, T, O, true),
        col(RURAL_URBAN, T, O, true),
        col(FACILITY_TYPE, T, O, true),
        col(CONTROL, T, O, true),
        col(BEDS, T, O, true),
        col(FISCAL_YEAR_BEGIN, D, O, true),
        col(FISCAL_YEAR_END, D, M, true),
        col(PERIOD_DAYS, N, O, true),
        col(PATIENT_DAYS, N, O, true),
        col(EST_MEDICARE_FFS, T, O, true),
        col(EST_MEDICARE_ADVANTAGE, T, O, true),
        col(EST_MEDICAID, T, O, true),
        col(EST_COMMERCIAL, T, O, true),
        col(EST_OTHER, T, O, true),
        col(CITY, T, O, true),
        col(ZIP, T, O, true),
        col(RUCA, T, O, true),
        col(RURAL_CBSA, T, O, true),
        col(MARGIN_DEFINITION, T, O, true),
        col(CASH_DEFINITION, T, O, true),
        col(RURAL_DEFINITION, T, O, true),
        col(NET_PATIENT_REVENUE, N, O, true),
        col(OTHER_INCOME, N, O, true),
        col(OTHER_EXPENSES, N, O, true),
        col(OTHER_INCOME_RULE, T, O, true),
        col(NET_INCOME, N, O, true),
        col(NET_INCOME_PATIENT_CARE, N, O, true),
        col(CASH_LIQUID, N, O, true),
        col(INVESTMENTS, N, O, true),
        col(COUNT, N, O, false),
        col(VARIABLE_COST_SHARE, N, O, false),
        col(PROGRAM_SHARE, N, O, false),
        col(MA_PASSTHROUGH, N, O, false),
        col(MA_RATE_RATIO, N, O, false),
        col(DISTRESS_MARGIN, N, O, false),
        col(DISTRESS_DAYS_CASH, N, O, false),
        col(CLOSURE_DAYS_CASH, N, O, false),
    ]
};

/// The standard column named `name`.
pub fn schema_column(name: &str) -> Option<&'static Column> {
    SCHEMA.iter().find(|c| c.name == name)
}

/// A table as text: a header and rows of cells (`None` for empty or null).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Option<String>>>,
}

/// One facility of a cohort table, typed: what `calibrate` and `backtest`
/// read of a release, and what the importer writes.
#[derive(Clone, Debug, PartialEq)]
pub struct CohortRecord {
    /// `id` (empty when the table has none).
    pub id: String,
    /// `ccn`.
    pub ccn: String,
    /// `name` (empty when the table has none).
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// The five revenue lines.
    pub revenue: Revenue,
    /// The three cost lines.
    pub costs: Costs,
    /// `cash` (`None`: no column or an empty cell).
    pub cash: Option<Decimal>,
    /// `fiscal_year_begin`.
    pub fiscal_year_begin: Option<Date>,
    /// `fiscal_year_end`.
    pub fiscal_year_end: Option<Date>,
    /// `patient_days`.
    pub patient_days: Option<Decimal>,
    /// Every other column (grouping attributes and provenance), by name,
    /// as written; an empty cell is "".
    pub attributes: Vec<(String, String)>,
}

impl CohortRecord {
    /// The text of the attribute column `name` ("" when absent).
    pub fn attribute(&self, name: &str) -> &str {
        self.attributes.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
}

/// The columns [`CohortRecord`] holds as typed fields.
const TYPED: [&str; 15] = [
    column::ID,
    column::CCN,
    column::NAME,
    column::KIND,
    column::MEDICARE_FFS,
    column::MEDICARE_ADVANTAGE,
    column::MEDICAID,
    column::COMMERCIAL,
    column::OTHER,
    column::LABOR,
    column::SUPPLIES,
    column::OTHER_COSTS,
    column::CASH,
    column::FISCAL_YEAR_BEGIN,
    column::FISCAL_YEAR_END,
];

/// Why a cohort table could not be used: its first 20 problems
/// and how many there were.
#[derive(Clone, Debug, PartialEq)]
pub struct CohortError {
    /// The table, as messages name it.
    pub file: PathBuf,
    /// The problems listed, in row order.
    pub diagnostics: Vec<Diagnostic>,
    /// How many problems there were in all.
    pub total: usize,
}

impl fmt::Display for CohortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            writeln!(f, "{}", diagnostic.render(&self.file))?;
        }
        if self.total > self.diagnostics.len() {
            let more = self.total - self.diagnostics.len();
            writeln!(f, "{}: … and {more} more problems not listed", self.file.display())?;
        }
        write!(f, "{}: the cohort was not used", self.file.display())
    }
}

impl std::error::Error for CohortError {}

impl CohortError {
    /// One problem with the table as a whole.
    pub fn table(file: &Path, message: String) -> CohortError {
        let diagnostic = Diagnostic::error(Position::Table, message, Some(file.to_path_buf()));
        CohortError { file: file.to_path_buf(), diagnostics: vec![diagnostic], total: 1 }
    }
}

/// A cohort table without some required columns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("missing required column(s) {}; the file has {}", .missing.join(", "), .present.join(", "))]
pub struct MissingColumns {
    /// The required columns it lacks (under their names after renames).
    pub missing: Vec<String>,
    /// The columns it has.
    pub present: Vec<String>,
}

/// The problems of a table found so far: the first 20 kept, all counted.
#[derive(Debug, Default)]
pub struct Problems {
    listed: Vec<Diagnostic>,
    total: usize,
}

impl Problems {
    /// A problem at data row `row` (from 1), in `column` when one cell.
    pub fn push(&mut self, file: &Path, row: usize, column: Option<String>, message: String) {
        self.total += 1;
        if self.listed.len() < MAX_ERRORS {
            let at = Position::Row { row, column };
            self.listed.push(Diagnostic::error(at, message, Some(file.to_path_buf())));
        }
    }

    /// `Ok(())` without problems, else the error listing them.
    pub fn into_result(self, file: &Path) -> Result<(), CohortError> {
        if self.total == 0 {
            return Ok(());
        }
        Err(CohortError { file: file.to_path_buf(), diagnostics: self.listed, total: self.total })
    }
}

/// Reads a cohort CSV file as text cells: RFC-4180 with an optional byte
/// order mark, lines starting with `#` are comments, the first other line
/// is the header (names trimmed), and an empty cell is `None`. A row shorter
/// than the header is filled with `None`; a longer one is a problem.
pub fn read_csv(path: &Path) -> Result<Table, CohortError> {
    let cannot = |e: &dyn fmt::Display| CohortError::table(path, format!("cannot read it ({e})"));
    let metadata = std::fs::metadata(path).map_err(|e| cannot(&e))?;
    if metadata.len() > MAX_TABLE_BYTES {
        return Err(cannot(&format!("larger than {MAX_TABLE_BYTES} bytes")));
    }
    let bytes = std::fs::read(path).map_err(|e| cannot(&e))?;
    parse_csv(&bytes, path)
}

/// [`read_csv`] on bytes; `file` names the table in messages.
pub fn parse_csv(bytes: &[u8], file: &Path) -> Result<Table, CohortError> {
    let mut reader = csv::Reader::new(bytes).skipping_comments();
    let mut problems = Problems::default();
    let text = |cell: &[u8]| String::from_utf8(cell.to_vec()).ok();
    let columns: Vec<String> = match reader.next_record() {
        None => return Err(CohortError::table(file, "the file is empty (no header row)".to_string())),
        Some(Err(p)) => return Err(CohortError::table(file, format!("header: {}", p.message))),
        Some(Ok((_, cells))) => {
            let names: Option<Vec<String>> = cells.iter().map(|c| text(c).map(|t| t.trim().to_string())).collect();
            names.ok_or_else(|| CohortError::table(file, "header: not UTF-8 text".to_string()))?
        }
    };
    let mut rows = Vec::new();
    while let Some(record) = reader.next_record() {
        let row = rows.len() + 1;
        if row > MAX_ROWS {
            return Err(CohortError::table(
                file,
                format!("more than {MAX_ROWS} rows; a cohort may hold at most {MAX_ROWS}"),
            ));
        }
        let name = |field: usize| columns.get(field).cloned().unwrap_or_else(|| format!("#{}", field + 1));
        let cells = match record {
            Ok((_, cells)) => cells,
            Err(p) => {
                problems.push(file, row, Some(name(p.field)), p.message);
                rows.push(vec![None; columns.len()]);
                continue;
            }
        };
        if cells.len() > columns.len() {
            let message = format!("{} cells, the header has {}", cells.len(), columns.len());
            problems.push(file, row, None, message);
        }
        let mut out: Vec<Option<String>> = Vec::with_capacity(columns.len());
        for (i, cell) in cells.iter().take(columns.len()).enumerate() {
            match text(cell) {
                Some(t) if t.is_empty() => out.push(None),
                Some(t) => out.push(Some(t)),
                None => {
                    problems.push(file, row, Some(name(i)), "not UTF-8 text".to_string());
                    out.push(None);
                }
            }
        }
        out.resize(columns.len(), None);
        rows.push(out);
    }
    problems.into_result(file)?;
    Ok(Table { columns, rows })
}

/// The cohort records of `table`, for readers that match releases
/// (`calibrate`, `backtest`): the columns [`Need::Always`] and
/// [`Need::Matching`] are required, every problem is counted and the first
/// 20 listed; `file` names the table in messages.
pub fn records(table: &Table, file: &Path) -> Result<Vec<CohortRecord>, CohortError> {
    let position = |name: &str| table.columns.iter().position(|c| c == name);
    let missing: Vec<String> = SCHEMA
        .iter()
        .filter(|c| matches!(c.need, Need::Always | Need::Matching) && position(c.name).is_none())
        .map(|c| c.name.to_string())
        .collect();
    if !missing.is_empty() {
        let missing = MissingColumns { missing, present: table.columns.clone() };
        return Err(CohortError::table(file, missing.to_string()));
    }
    let attributes: Vec<usize> =
        (0..table.columns.len()).filter(|&i| !TYPED.contains(&table.columns[i].as_str())).collect();
    let mut problems = Problems::default();
    let mut out = Vec::with_capacity(table.rows.len());
    for (r, cells) in table.rows.iter().enumerate() {
        let mut row = RecordRow { table, cells, number: r + 1, file, problems: &mut problems };
        let ccn = row.required_text(column::CCN, "a CCN");
        let kind = row.required_text(column::KIND, Field::Kind.expected());
        let mut amount = |field: Field| row.amount(field);
        let revenue = Revenue {
            medicare_ffs: amount(Field::MedicareFfs),
            medicare_advantage: amount(Field::MedicareAdvantage),
            medicaid: amount(Field::Medicaid),
            commercial: amount(Field::Commercial),
            other: amount(Field::OtherRevenue),
        };
        let costs =
            Costs { labor: amount(Field::Labor), supplies: amount(Field::Supplies), other: amount(Field::OtherCosts) };
        let record = CohortRecord {
            id: row.text(column::ID).unwrap_or_default(),
            ccn,
            name: row.text(column::NAME).unwrap_or_default(),
            kind,
            revenue,
            costs,
            cash: row.number(column::CASH),
            fiscal_year_begin: row.date(column::FISCAL_YEAR_BEGIN),
            fiscal_year_end: row.date(column::FISCAL_YEAR_END),
            patient_days: row.number(column::PATIENT_DAYS),
            attributes: attributes
                .iter()
                .map(|&i| (table.columns[i].clone(), cells.get(i).cloned().flatten().unwrap_or_default()))
                .collect(),
        };
        if record.fiscal_year_end.is_none() && row.cell(column::FISCAL_YEAR_END).is_none() {
            row.push(column::FISCAL_YEAR_END, "missing value (a date YYYY-MM-DD)".to_string());
        }
        out.push(record);
    }
    problems.into_result(file)?;
    Ok(out)
}

/// One row, read for [`records`].
struct RecordRow<'t> {
    table: &'t Table,
    cells: &'t [Option<String>],
    number: usize,
    file: &'t Path,
    problems: &'t mut Problems,
}

impl RecordRow<'_> {
    fn push(&mut self, column: &str, message: String) {
        self.problems.push(self.file, self.number, Some(column.to_string()), message);
    }

    /// The cell of `column`, trimmed; `None` when empty or absent.
    fn cell(&self, column: &str) -> Option<&str> {
        let i = self.table.columns.iter().position(|c| c == column)?;
        self.cells.get(i)?.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }

    fn text(&self, column: &str) -> Option<String> {
        self.cell(column).map(str::to_string)
    }

    fn required_text(&mut self, column: &str, expected: &str) -> String {
        self.text(column).unwrap_or_else(|| {
            self.push(column, format!("missing value ({expected})"));
            String::new()
        })
    }

    fn number(&mut self, column: &str) -> Option<Decimal> {
        let text = self.cell(column)?.to_string();
        cell_number(&text).map_err(|e| self.push(column, e.to_string())).ok()
    }

    /// A revenue or cost line: required (zero after a problem).
    fn amount(&mut self, field: Field) -> Decimal {
        let column = field.column();
        if self.cell(column).is_none() {
            self.push(column, format!("missing value ({})", field.expected()));
            return Decimal::ZERO;
        }
        self.number(column).unwrap_or_default()
    }

    fn date(&mut self, column: &str) -> Option<Date> {
        let text = self.cell(column)?.to_string();
        let date = Date::parse_iso(&text);
        if date.is_none() {
            let message = format!("expected a date YYYY-MM-DD, found {:?}", super::text::truncate(&text));
            self.push(column, message);
        }
        date
    }
}

/// Writes a cohort CSV: each of `comments` as a `# ` line, a header of the
/// [`SCHEMA`] columns the importer writes, and one line per record. Numbers
/// are written as their `Decimal` text (the writer's caller fixes their
/// scale), dates as `YYYY-MM-DD`, text quoted when it must be.
pub fn write_csv(out: &mut impl Write, comments: &[String], records: &[CohortRecord]) -> io::Result<()> {
    for comment in comments {
        writeln!(out, "# {comment}")?;
    }
    let written: Vec<&str> = SCHEMA.iter().filter(|c| c.written).map(|c| c.name).collect();
    writeln!(out, "{}", written.join(","))?;
    let number = |value: Option<Decimal>| value.map(|v| v.to_string()).unwrap_or_default();
    let date = |value: Option<Date>| value.map(|d| d.to_string()).unwrap_or_default();
    for record in records {
        let cells: Vec<String> = written
            .iter()
            .map(|&name| match name {
                column::ID => quote(&record.id),
                column::CCN => quote(&record.ccn),
                column::NAME => quote(&record.name),
                column::KIND => quote(&record.kind),
                column::MEDICARE_FFS => record.revenue.medicare_ffs.to_string(),
                column::MEDICARE_ADVANTAGE => record.revenue.medicare_advantage.to_string(),
                column::MEDICAID => record.revenue.medicaid.to_string(),
                column::COMMERCIAL => record.revenue.commercial.to_string(),
                column::OTHER => record.revenue.other.to_string(),
                column::LABOR => record.costs.labor.to_string(),
                column::SUPPLIES => record.costs.supplies.to_string(),
                column::OTHER_COSTS => record.costs.other.to_string(),
                column::CASH => number(record.cash),
                column::FISCAL_YEAR_BEGIN => date(record.fiscal_year_begin),
                column::FISCAL_YEAR_END => date(record.fiscal_year_end),
                column::PATIENT_DAYS => number(record.patient_days),
                other => quote(record.attribute(other)),
            })
            .collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// A text cell as CSV: control characters become spaces, and a cell with a
/// comma or quote, or that a reader would trim or take for a comment, is quoted.
pub fn quote(text: &str) -> String {
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if clean.contains([',', '"']) || clean.starts_with(['#', ' ']) || clean.ends_with(' ') {
        format!("\"{}\"", clean.replace('"', "\"\""))
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    const HEADER: &str =
        "id,ccn,kind,medicare_ffs,medicare_advantage,medicaid,commercial,other,labor,supplies,other_costs,cash,state,fiscal_year_end";

    fn table(rows: &[&str]) -> Table {
        let text = format!("# a comment\n{HEADER}\n{}\n", rows.join("\n"));
        parse_csv(text.as_bytes(), Path::new("t.csv")).unwrap()
    }

    #[test]
    fn the_schema_names_each_column_once_and_the_record_types_its_own() {
        for (i, c) in SCHEMA.iter().enumerate() {
            assert!(SCHEMA[..i].iter().all(|d| d.name != c.name), "{} twice", c.name);
        }
        for name in TYPED {
            assert!(schema_column(name).is_some_and(|c| c.written), "{name}");
        }
        // Every practice field's column is a standard column.
        for field in Field::ALL {
            assert!(schema_column(field.column()).is_some(), "{field:?}");
        }
    }

    #[test]
    fn a_row_becomes_a_typed_record() {
        let t = table(&["ccn_010001,010001,rural_pps_hospital,1e6,0,20.5,30,0,60,10,33,,AL,2019-12-31"]);
        let r = &records(&t, Path::new("t.csv")).unwrap()[0];
        assert_eq!((r.ccn.as_str(), r.kind.as_str()), ("010001", "rural_pps_hospital"));
        // 1e6 is a YAML number: 1,000,000 exactly; 1000000 + 20.5 + 30 = 1000050.5.
        assert_eq!(r.revenue.medicare_ffs, dec("1000000"));
        assert_eq!(r.revenue.total(), dec("1000050.5"));
        assert_eq!(r.costs.total(), dec("103"));
        assert_eq!(r.cash, None);
        assert_eq!(r.fiscal_year_end, Date::new(2019, 12, 31));
        assert_eq!(r.attribute("state"), "AL");
    }

    #[test]
    fn every_bad_cell_is_named_by_data_row_and_column() {
        let t = table(&[
            "a,010001,k,1,0,0,0,0,1,0,0,0,AL,2019-12-31",
            "b,,k,1,0,0,0,0,1,0,0,0,AL,2019-12-31",
            "c,010003,k,1,lots,0,0,0,1,0,0,0,AL,2019-13-01",
            "d,010004,k,1,0,0,0,,1,0,0,1_000,AL,",
        ]);
        let message = records(&t, Path::new("t.csv")).unwrap_err().to_string();
        assert_eq!(
            message,
            "t.csv: row 2, column `ccn`: missing value (a CCN)\n\
             t.csv: row 3, column `medicare_advantage`: expected a number, found \"lots\"\n\
             t.csv: row 3, column `fiscal_year_end`: expected a date YYYY-MM-DD, found \"2019-13-01\"\n\
             t.csv: row 4, column `other`: missing value (>= 0 dollars)\n\
             t.csv: row 4, column `cash`: expected a number, found \"1_000\"\n\
             t.csv: row 4, column `fiscal_year_end`: missing value (a date YYYY-MM-DD)\n\
             t.csv: the cohort was not used"
        );
        let short = parse_csv(b"id,kind\nx,y\n", Path::new("t.csv")).unwrap();
        assert_eq!(
            records(&short, Path::new("t.csv")).unwrap_err().to_string(),
            "t.csv: missing required column(s) ccn, medicare_ffs, medicare_advantage, medicaid, commercial, other, labor, supplies, other_costs, fiscal_year_end; the file has id, kind\n\
             t.csv: the cohort was not used"
        );
    }

    #[test]
    fn csv_comments_quotes_and_ragged_rows() {
        let t = parse_csv(b"\xEF\xBB\xBF# c\n a ,b\n\"x, y\",\n# mid\n1\n", Path::new("t.csv")).unwrap();
        assert_eq!(t.columns, ["a", "b"]);
        assert_eq!(t.rows, [vec![Some("x, y".to_string()), None], vec![Some("1".to_string()), None]]);
        let long = parse_csv(b"a\n1\n1,2\n", Path::new("t.csv")).unwrap_err().to_string();
        assert_eq!(long, "t.csv: row 2: 2 cells, the header has 1\nt.csv: the cohort was not used");
    }

    #[test]
    fn written_records_read_back_the_same() {
        let t = table(&["ccn_010001,010001,rural_pps_hospital,1.50,0,0,0,0,1.25,0,0,-5,\"A, B\",2019-12-31"]);
        let read = records(&t, Path::new("t.csv")).unwrap();
        let mut bytes = Vec::new();
        write_csv(&mut bytes, &["made by a test".to_string()], &read).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("# made by a test\nid,ccn,name,kind,basis,medicare_ffs,"), "{text}");
        // A number is read as its value, not its scale (1.50 is 1.5); the
        // writer's caller fixes the scale. The state is quoted.
        assert!(text.contains("ccn_010001,010001,,rural_pps_hospital,,1.5,0,0,0,0,1.25,0,0,-5,\"A, B\","), "{text}");
        let again = records(&parse_csv(&bytes, Path::new("t.csv")).unwrap(), Path::new("t.csv")).unwrap();
        assert_eq!(
            (again[0].revenue.clone(), again[0].cash, again[0].attribute("state")),
            (read[0].revenue.clone(), Some(dec("-5")), "A, B")
        );
    }

    #[test]
    fn quoting_keeps_commas_quotes_and_comment_marks_inside_a_cell() {
        assert_eq!(quote("JEFF DAVIS"), "JEFF DAVIS");
        assert_eq!(quote("A, B"), "\"A, B\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("#1"), "\"#1\"");
        assert_eq!(quote("tab\there"), "tab here");
    }
}
