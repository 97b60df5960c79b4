//! Reads a results directory's Parquet tables back (the manifest is read
//! as a `RunRecord`) so `seqsim report` can redraw charts and the page
//! without re-simulating; and reads cohort tables.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::engine::summary::{CompareRow, GroupRow, NationalRow, SummaryRow};

/// Why a results directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A file is missing or unreadable.
    #[error("{path}: cannot read it ({message}); is this a directory written by `seqsim run`?")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// A run's tables.
pub struct Results {
    /// `summary.parquet`.
    pub summary: Vec<SummaryRow>,
    /// `compare.parquet`.
    pub compare: Vec<CompareRow>,
    /// `national.parquet`.
    pub national: Vec<NationalRow>,
    /// `readings.parquet` (`run --both-readings`; empty without it).
    pub readings: Vec<crate::analysis::ReadingRow>,
}

/// One Parquet table of a results directory, read column by column.
struct Columns {
    frame: DataFrame,
    path: PathBuf,
}

impl Columns {
    fn open(dir: &Path, name: &str) -> Result<Columns, ReadError> {
        let path = dir.join(name);
        let error = |message: String| ReadError::File { path: path.clone(), message };
        let file = File::open(&path).map_err(|e| error(e.to_string()))?;
        let frame = ParquetReader::new(file).finish().map_err(|e| error(e.to_string()))?;
        Ok(Columns { frame, path })
    }
    fn error(&self, column: &str, message: String) -> ReadError {
        ReadError::File { path: self.path.clone(), message: format!("column {column}: {message}") }
    }
    fn text(&self, name: &str) -> Result<Vec<String>, ReadError> {
        let column = self.frame.column(name).map_err(|e| self.error(name, e.to_string()))?;
        let values = column.str().map_err(|e| self.error(name, e.to_string()))?;
        Ok(values.iter().map(|v| v.unwrap_or_default().to_string()).collect())
    }
    /// Any column as text (numbers as their shortest round-trip digits).
    fn as_text(&self, name: &str) -> Result<Vec<String>, ReadError> {
        let column = self.frame.column(name).map_err(|e| self.error(name, e.to_string()))?;
        let text = column.cast(&DataType::String).map_err(|e| self.error(name, e.to_string()))?;
        let values = text.str().map_err(|e| self.error(name, e.to_string()))?;
        Ok(values.iter().map(|v| v.unwrap_or_default().to_string()).collect())
    }
    /// Any numeric column as floats.
    fn number(&self, name: &str) -> Result<Vec<f64>, ReadError> {
        let column = self.frame.column(name).map_err(|e| self.error(name, e.to_string()))?;
        let numbers = column.cast(&DataType::Float64).map_err(|e| self.error(name, e.to_string()))?;
        let values = numbers.f64().map_err(|e| self.error(name, e.to_string()))?;
        Ok(values.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }
    fn floats(&self, name: &str) -> Result<Vec<Option<f64>>, ReadError> {
        let column = self.frame.column(name).map_err(|e| self.error(name, e.to_string()))?;
        let values = column.f64().map_err(|e| self.error(name, e.to_string()))?;
        Ok(values.iter().collect())
    }
    fn float(&self, name: &str) -> Result<Vec<f64>, ReadError> {
        Ok(self.floats(name)?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }
    /// A float column that tables written by an earlier seqsim lack (the
    /// paired differences and the standard errors of issue 30): all
    /// missing there, so older results directories still read.
    fn later_floats(&self, name: &str) -> Result<Vec<Option<f64>>, ReadError> {
        match self.frame.column(name) {
            Ok(_) => self.floats(name),
            Err(_) => Ok(vec![None; self.frame.height()]),
        }
    }
    /// [`Columns::later_floats`] with NaN for missing values.
    fn later_float(&self, name: &str) -> Result<Vec<f64>, ReadError> {
        Ok(self.later_floats(name)?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }
    /// Several float columns, in the order of `names`.
    fn float_columns(&self, names: &[&str]) -> Result<Vec<Vec<f64>>, ReadError> {
        names.iter().map(|name| self.float(name)).collect()
    }
    fn years(&self) -> Result<Vec<i32>, ReadError> {
        let column = self.frame.column("year").map_err(|e| self.error("year", e.to_string()))?;
        let values = column.i32().map_err(|e| self.error("year", e.to_string()))?;
        Ok(values.iter().map(|v| v.unwrap_or_default()).collect())
    }
}

/// Reads `dir`'s Parquet tables.
pub fn results(dir: &Path) -> Result<Results, ReadError> {
    let c = Columns::open(dir, "summary.parquet")?;
    let (practice, kind, policy, year) = (c.text("practice")?, c.text("kind")?, c.text("policy")?, c.years()?);
    let p = c.float_columns(&["margin_p5", "margin_p25", "margin_p50", "margin_p75", "margin_p95"])?;
    let (mean, se) = (c.float("margin_mean")?, c.floats("margin_se")?);
    let f = c.float_columns(&[
        "p_negative",
        "p_negative_se",
        "p_distress",
        "p_distress_se",
        "p_exhausted",
        "p_exhausted_se",
        "revenue_mean",
        "costs_mean",
        "cut_mean",
        "cut_cum_mean",
        "cash_mean",
        "days_cash_mean",
        "cutback_mean",
    ])?;
    let summary = (0..practice.len())
        .map(|i| SummaryRow {
            practice: practice[i].clone(),
            kind: kind[i].clone(),
            policy: policy[i].clone(),
            year: year[i],
            margin_mean: mean[i],
            margin_se: se[i],
            margin_percentiles: [p[0][i], p[1][i], p[2][i], p[3][i], p[4][i]],
            p_negative: f[0][i],
            p_negative_se: f[1][i],
            p_distress: f[2][i],
            p_distress_se: f[3][i],
            p_exhausted: f[4][i],
            p_exhausted_se: f[5][i],
            revenue_mean: f[6][i],
            costs_mean: f[7][i],
            cut_mean: f[8][i],
            cut_cum_mean: f[9][i],
            cash_mean: f[10][i],
            days_cash_mean: f[11][i],
            cutback_mean: f[12][i],
        })
        .collect();

    let c = Columns::open(dir, "compare.parquet")?;
    let (practice, kind, policy, year) = (c.text("practice")?, c.text("kind")?, c.text("policy")?, c.years()?);
    let f = c.float_columns(&[
        "dmargin_mean",
        "dmargin_p5",
        "dmargin_p95",
        "dcut_cum_mean",
        "dcash_mean",
        "dp_exhausted",
        "dcutback_mean",
    ])?;
    let se = c.floats("dmargin_se")?;
    let (dp_negative, dp_distress) = (c.later_float("dp_negative")?, c.later_float("dp_distress")?);
    let later = ["dp_negative_se", "dp_distress_se", "dp_exhausted_se", "dcut_cum_se"]
        .iter()
        .map(|name| c.later_floats(name))
        .collect::<Result<Vec<_>, _>>()?;
    let compare = (0..practice.len())
        .map(|i| CompareRow {
            practice: practice[i].clone(),
            kind: kind[i].clone(),
            policy: policy[i].clone(),
            year: year[i],
            dmargin_mean: f[0][i],
            dmargin_p5: f[1][i],
            dmargin_p95: f[2][i],
            dcut_cum_mean: f[3][i],
            dcash_mean: f[4][i],
            dp_exhausted: f[5][i],
            dcutback_mean: f[6][i],
            dmargin_se: se[i],
            dp_negative: dp_negative[i],
            dp_negative_se: later[0][i],
            dp_distress: dp_distress[i],
            dp_distress_se: later[1][i],
            dp_exhausted_se: later[2][i],
            dcut_cum_se: later[3][i],
        })
        .collect();

    let national = national(dir)?;
    let readings = if dir.join("readings.parquet").exists() { readings(dir)? } else { Vec::new() };
    Ok(Results { summary, compare, national, readings })
}

/// `readings.parquet`.
fn readings(dir: &Path) -> Result<Vec<crate::analysis::ReadingRow>, ReadError> {
    let c = Columns::open(dir, "readings.parquet")?;
    let (practice, kind, policy, year) = (c.text("practice")?, c.text("kind")?, c.text("policy")?, c.years()?);
    let f = c.float_columns(&["dmargin_with_response", "dcutback_with_response", "dmargin_without_response"])?;
    Ok((0..practice.len())
        .map(|i| crate::analysis::ReadingRow {
            practice: practice[i].clone(),
            kind: kind[i].clone(),
            policy: policy[i].clone(),
            year: year[i],
            dmargin_with_response: f[0][i],
            dcutback_with_response: f[1][i],
            dmargin_without_response: f[2][i],
        })
        .collect())
}

/// `national.parquet`.
fn national(dir: &Path) -> Result<Vec<NationalRow>, ReadError> {
    let c = Columns::open(dir, "national.parquet")?;
    let (kind, policy, year) = (c.text("kind")?, c.text("policy")?, c.years()?);
    let f = c.float_columns(&["cut_total", "cut_cum_total", "n_distress", "n_exhausted"])?;
    Ok((0..kind.len())
        .map(|i| NationalRow {
            kind: kind[i].clone(),
            policy: policy[i].clone(),
            year: year[i],
            cut_total: f[0][i],
            cut_cum_total: f[1][i],
            n_distress: f[2][i],
            n_exhausted: f[3][i],
        })
        .collect())
}

/// Expected facilities by policy and year over the whole cohort.
#[derive(Clone, Debug, PartialEq)]
pub struct CohortYear {
    /// Policy name.
    pub policy: String,
    /// Calendar year.
    pub year: i32,
    /// Facilities.
    pub facilities: f64,
    /// Expected facilities with a negative operating margin.
    pub n_negative: f64,
    /// Expected facilities in distress.
    pub n_distress: f64,
    /// Expected facilities with cash exhausted.
    pub n_exhausted: f64,
    /// Expected CO-253 dollars that year.
    pub cut_total: f64,
}

/// A cohort run's tables.
pub struct CohortResults {
    /// The `--by` columns (empty without `--by`).
    pub by: Vec<String>,
    /// `groups.parquet` (empty without `--by`).
    pub groups: Vec<GroupRow>,
    /// Whole-cohort totals by policy and year: from the groups, or from the
    /// facilities table when there are none.
    pub totals: Vec<CohortYear>,
    /// `national.parquet`.
    pub national: Vec<NationalRow>,
    /// The highest-risk facilities of each state in the final year
    /// (`at_risk.parquet`; empty for a run written before it existed).
    pub at_risk: Vec<RiskRow>,
}

/// One facility of the risk list in the final year.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskRow {
    /// State.
    pub state: String,
    /// Rank within the state (1 = highest risk).
    pub rank: usize,
    /// Facilities ranked in the state.
    pub of: usize,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Kind.
    pub kind: String,
    /// P(cash exhausted by the final year) and its standard error.
    pub p_exhausted: (f64, f64),
    /// P(distress) in the final year and its standard error.
    pub p_distress: (f64, f64),
    /// P(margin < 0) in the final year and its standard error.
    pub p_negative: (f64, f64),
}

/// One facility of a state in one year under one policy (`facilities.parquet`).
#[derive(Clone, Debug, PartialEq)]
pub struct StateFacility {
    /// Practice id.
    pub practice: String,
    /// Name.
    pub name: String,
    /// City (empty when the cohort has none).
    pub city: String,
    /// Kind.
    pub kind: String,
    /// Policy.
    pub policy: String,
    /// Year.
    pub year: i32,
    /// Mean margin.
    pub margin_mean: f64,
    /// P(margin < 0).
    pub p_negative: f64,
    /// P(distress).
    pub p_distress: f64,
    /// P(cash exhausted).
    pub p_exhausted: f64,
    /// Mean CO-253 dollars that year.
    pub cut_mean: f64,
    /// The policy minus the baseline, paired by path (`None` on the
    /// baseline's rows, and in a table written before these columns
    /// existed): mean margin difference and its standard error ...
    pub dmargin_mean: Option<f64>,
    /// See `dmargin_mean`.
    pub dmargin_se: Option<f64>,
    /// ... difference of P(margin < 0) and its standard error ...
    pub dp_negative: Option<f64>,
    /// See `dp_negative`.
    pub dp_negative_se: Option<f64>,
    /// ... of P(distress) ...
    pub dp_distress: Option<f64>,
    /// See `dp_distress`.
    pub dp_distress_se: Option<f64>,
    /// ... of P(cash exhausted) ...
    pub dp_exhausted: Option<f64>,
    /// See `dp_exhausted`.
    pub dp_exhausted_se: Option<f64>,
    /// ... and mean difference of cumulative CO-253 dollars.
    pub dcut_cum_mean: Option<f64>,
    /// See `dcut_cum_mean`.
    pub dcut_cum_se: Option<f64>,
}

/// The paired-difference columns of `facilities.parquet`, in `StateFacility`'s order.
const FACILITY_DIFFERENCES: [&str; 10] = [
    "dmargin_mean",
    "dmargin_se",
    "dp_negative",
    "dp_negative_se",
    "dp_distress",
    "dp_distress_se",
    "dp_exhausted",
    "dp_exhausted_se",
    "dcut_cum_mean",
    "dcut_cum_se",
];

/// The rows of `facilities.parquet` whose `state` is `state` (every policy
/// and year); an error when the table has no `state` column.
pub fn state_facilities(dir: &Path, state: &str) -> Result<Vec<StateFacility>, ReadError> {
    let c = Columns::open(dir, "facilities.parquet")?;
    let states = c.as_text("state")?;
    let (practice, kind, policy, year) = (c.text("practice")?, c.text("kind")?, c.text("policy")?, c.years()?);
    let name = c.as_text("name")?;
    let city = if c.frame.column("city").is_ok() { c.as_text("city")? } else { vec![String::new(); states.len()] };
    let f = c.float_columns(&["margin_mean", "p_negative", "p_distress", "p_exhausted", "cut_mean"])?;
    let d = FACILITY_DIFFERENCES.iter().map(|name| c.later_floats(name)).collect::<Result<Vec<_>, _>>()?;
    Ok((0..states.len())
        .filter(|&i| states[i] == state)
        .map(|i| StateFacility {
            practice: practice[i].clone(),
            name: name[i].clone(),
            city: city[i].clone(),
            kind: kind[i].clone(),
            policy: policy[i].clone(),
            year: year[i],
            margin_mean: f[0][i],
            p_negative: f[1][i],
            p_distress: f[2][i],
            p_exhausted: f[3][i],
            cut_mean: f[4][i],
            dmargin_mean: d[0][i],
            dmargin_se: d[1][i],
            dp_negative: d[2][i],
            dp_negative_se: d[3][i],
            dp_distress: d[4][i],
            dp_distress_se: d[5][i],
            dp_exhausted: d[6][i],
            dp_exhausted_se: d[7][i],
            dcut_cum_mean: d[8][i],
            dcut_cum_se: d[9][i],
        })
        .collect())
}

/// How many facilities of each state the page lists.
pub const RISK_ROWS_PER_STATE: usize = 10;

/// The final year's rows of `at_risk.parquet` ranked at most
/// [`RISK_ROWS_PER_STATE`] in their state; none when the file is absent.
fn at_risk(dir: &Path) -> Result<Vec<RiskRow>, ReadError> {
    if !dir.join("at_risk.parquet").exists() {
        return Ok(Vec::new());
    }
    let c = Columns::open(dir, "at_risk.parquet")?;
    let (state, name, city, kind, year) =
        (c.text("state")?, c.text("name")?, c.text("city")?, c.text("kind")?, c.years()?);
    let (rank, of) = (c.number("rank_in_state")?, c.number("facilities_in_state")?);
    let f = c.float_columns(&[
        "p_exhausted",
        "p_exhausted_se",
        "p_distress",
        "p_distress_se",
        "p_negative",
        "p_negative_se",
    ])?;
    let last = year.iter().copied().max().unwrap_or_default();
    Ok((0..year.len())
        .filter(|&i| year[i] == last && rank[i] <= RISK_ROWS_PER_STATE as f64)
        .map(|i| RiskRow {
            state: state[i].clone(),
            rank: rank[i] as usize,
            of: of[i] as usize,
            name: name[i].clone(),
            city: city[i].clone(),
            kind: kind[i].clone(),
            p_exhausted: (f[0][i], f[1][i]),
            p_distress: (f[2][i], f[3][i]),
            p_negative: (f[4][i], f[5][i]),
        })
        .collect())
}

/// Reads a cohort run's groups (by the `by` columns), national and
/// (without groups) facilities tables.
pub fn cohort_results(dir: &Path, by: &[String]) -> Result<CohortResults, ReadError> {
    let by = by.to_vec();
    let groups = if by.is_empty() { Vec::new() } else { group_rows(dir, &by)? };
    let totals = if groups.is_empty() { facility_totals(dir)? } else { group_totals(&groups) };
    let national = national(dir)?;
    let at_risk = at_risk(dir)?;
    Ok(CohortResults { by, groups, totals, national, at_risk })
}

/// `groups.parquet`: key columns kept as text (a CCN or ZIP stays as written).
fn group_rows(dir: &Path, by: &[String]) -> Result<Vec<GroupRow>, ReadError> {
    let c = Columns::open(dir, "groups.parquet")?;
    let keys: Vec<Vec<String>> = by.iter().map(|name| c.as_text(name)).collect::<Result<_, _>>()?;
    let (policy, year) = (c.text("policy")?, c.years()?);
    let f = c.float_columns(&[
        "facilities",
        "n_negative",
        "n_distress",
        "n_exhausted",
        "cut_total",
        "margin_p5",
        "margin_p50",
        "margin_p95",
    ])?;
    let cut_cum_total = c.later_float("cut_cum_total")?;
    let o = [
        "n_negative_se",
        "n_distress_se",
        "n_exhausted_se",
        "cut_cum_total_se",
        "dn_negative",
        "dn_negative_se",
        "dn_distress",
        "dn_distress_se",
        "dn_exhausted",
        "dn_exhausted_se",
        "dcut_cum_total",
        "dcut_cum_total_se",
    ]
    .iter()
    .map(|name| c.later_floats(name))
    .collect::<Result<Vec<_>, _>>()?;
    Ok((0..policy.len())
        .map(|i| GroupRow {
            key: keys.iter().map(|k| k[i].clone()).collect(),
            policy: policy[i].clone(),
            year: year[i],
            facilities: f[0][i],
            n_negative: f[1][i],
            n_distress: f[2][i],
            n_exhausted: f[3][i],
            cut_total: f[4][i],
            margin_percentiles: [f[5][i], f[6][i], f[7][i]],
            n_negative_se: o[0][i],
            n_distress_se: o[1][i],
            n_exhausted_se: o[2][i],
            cut_cum_total: cut_cum_total[i],
            cut_cum_total_se: o[3][i],
            dn_negative: o[4][i],
            dn_negative_se: o[5][i],
            dn_distress: o[6][i],
            dn_distress_se: o[7][i],
            dn_exhausted: o[8][i],
            dn_exhausted_se: o[9][i],
            dcut_cum_total: o[10][i],
            dcut_cum_total_se: o[11][i],
        })
        .collect())
}

/// Adds up rows into whole-cohort totals by policy and year, in the order
/// policies and years first appear.
pub(super) fn add_up(rows: impl Iterator<Item = CohortYear>) -> Vec<CohortYear> {
    let mut totals: Vec<CohortYear> = Vec::new();
    let mut index: std::collections::HashMap<(String, i32), usize> = std::collections::HashMap::new();
    for row in rows {
        match index.get(&(row.policy.clone(), row.year)) {
            Some(&i) => {
                let t = &mut totals[i];
                t.facilities += row.facilities;
                t.n_negative += row.n_negative;
                t.n_distress += row.n_distress;
                t.n_exhausted += row.n_exhausted;
                t.cut_total += row.cut_total;
            }
            None => {
                index.insert((row.policy.clone(), row.year), totals.len());
                totals.push(row);
            }
        }
    }
    totals
}

/// Whole-cohort totals from the group table.
pub fn group_totals(groups: &[GroupRow]) -> Vec<CohortYear> {
    add_up(groups.iter().map(|g| CohortYear {
        policy: g.policy.clone(),
        year: g.year,
        facilities: g.facilities,
        n_negative: g.n_negative,
        n_distress: g.n_distress,
        n_exhausted: g.n_exhausted,
        cut_total: g.cut_total,
    }))
}

/// Whole-cohort totals from `facilities.parquet`: each facility's
/// probabilities weighted by its `count` (1 when the table has none).
fn facility_totals(dir: &Path) -> Result<Vec<CohortYear>, ReadError> {
    let c = Columns::open(dir, "facilities.parquet")?;
    let (policy, year) = (c.text("policy")?, c.years()?);
    let f = c.float_columns(&["p_negative", "p_distress", "p_exhausted", "cut_mean"])?;
    let count = if c.frame.column("count").is_ok() { c.number("count")? } else { vec![1.0; policy.len()] };
    Ok(add_up((0..policy.len()).map(|i| {
        let n = if count[i].is_finite() { count[i] } else { 0.0 };
        CohortYear {
            policy: policy[i].clone(),
            year: year[i],
            facilities: n,
            n_negative: n * f[0][i],
            n_distress: n * f[1][i],
            n_exhausted: n * f[2][i],
            cut_total: n * f[3][i],
        }
    })))
}

/// Reads a Parquet cohort table as text cells (floats as their shortest
/// round-trip text), for `scenario::cohort` to check like a CSV table's.
pub fn cohort_parquet(path: &Path) -> Result<crate::scenario::cohort::Table, ReadError> {
    let error = |message: String| ReadError::File { path: path.to_path_buf(), message };
    let file = File::open(path).map_err(|e| error(e.to_string()))?;
    let frame = ParquetReader::new(file).finish().map_err(|e| error(e.to_string()))?;
    if frame.height() > crate::scenario::cohort::MAX_ROWS {
        return Err(error(format!("more than {} rows", crate::scenario::cohort::MAX_ROWS)));
    }
    let columns: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(columns.len()); frame.height()];
    for name in &columns {
        let column = frame.column(name).map_err(|e| error(e.to_string()))?;
        let text = column.cast(&DataType::String).map_err(|e| error(format!("column {name}: {e}")))?;
        let text = text.str().map_err(|e| error(format!("column {name}: {e}")))?;
        for (row, value) in cells.iter_mut().zip(text.iter()) {
            row.push(value.map(str::to_string));
        }
    }
    Ok(crate::scenario::cohort::Table { columns, rows: cells })
}

/// Writes a cohort table as Parquet (for the synthetic generator and tests).
pub fn write_cohort_parquet(table: &crate::scenario::cohort::Table, path: &Path) -> Result<(), ReadError> {
    let error = |message: String| ReadError::File { path: path.to_path_buf(), message };
    let columns: Vec<Column> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let values: Vec<Option<&str>> = table.rows.iter().map(|r| r.get(i).and_then(|c| c.as_deref())).collect();
            let column = Column::new(name.as_str().into(), values);
            // Numeric-looking columns become floats, as a facility database would store them.
            match column.cast(&DataType::Float64) {
                Ok(numbers) if numbers.null_count() == column.null_count() => numbers,
                _ => column,
            }
        })
        .collect();
    let mut frame = DataFrame::new(table.rows.len(), columns).map_err(|e| error(e.to_string()))?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame).map_err(|e| error(e.to_string()))?;
    super::output::write_atomic(path, &bytes).map_err(|e| error(e.to_string()))?;
    Ok(())
}
