//! Reads a results directory back (the Parquet tables and the manifest) so
//! `seqsim report` can redraw charts and the page without re-simulating.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::engine::summary::{CompareRow, NationalRow, SummaryRow};

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

/// A run's tables and manifest.
pub struct Results {
    /// `manifest.json`.
    pub manifest: serde_json::Value,
    /// `summary.parquet`.
    pub summary: Vec<SummaryRow>,
    /// `compare.parquet`.
    pub compare: Vec<CompareRow>,
    /// `national.parquet`.
    pub national: Vec<NationalRow>,
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
    fn floats(&self, name: &str) -> Result<Vec<Option<f64>>, ReadError> {
        let column = self.frame.column(name).map_err(|e| self.error(name, e.to_string()))?;
        let values = column.f64().map_err(|e| self.error(name, e.to_string()))?;
        Ok(values.iter().collect())
    }
    fn float(&self, name: &str) -> Result<Vec<f64>, ReadError> {
        Ok(self.floats(name)?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
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

/// Reads `dir`'s manifest and Parquet tables.
pub fn results(dir: &Path) -> Result<Results, ReadError> {
    let manifest_path = dir.join("manifest.json");
    let manifest: serde_json::Value = std::fs::read(&manifest_path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        .map_err(|message| ReadError::File { path: manifest_path.clone(), message })?;

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
        })
        .collect();

    let c = Columns::open(dir, "compare.parquet")?;
    let (practice, kind, policy, year) = (c.text("practice")?, c.text("kind")?, c.text("policy")?, c.years()?);
    let f =
        c.float_columns(&["dmargin_mean", "dmargin_p5", "dmargin_p95", "dcut_cum_mean", "dcash_mean", "dp_exhausted"])?;
    let se = c.floats("dmargin_se")?;
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
            dmargin_se: se[i],
        })
        .collect();

    let c = Columns::open(dir, "national.parquet")?;
    let (kind, policy, year) = (c.text("kind")?, c.text("policy")?, c.years()?);
    let f = c.float_columns(&["cut_total", "cut_cum_total", "n_distress", "n_exhausted"])?;
    let national = (0..kind.len())
        .map(|i| NationalRow {
            kind: kind[i].clone(),
            policy: policy[i].clone(),
            year: year[i],
            cut_total: f[0][i],
            cut_cum_total: f[1][i],
            n_distress: f[2][i],
            n_exhausted: f[3][i],
        })
        .collect();
    Ok(Results { manifest, summary, compare, national })
}

/// Reads a cohort table (CSV or Parquet, by extension) as text cells, so
/// numbers reach the scenario layer as the digits written in a CSV file
/// (Parquet floats as their shortest round-trip text).
pub fn cohort_table(path: &Path) -> Result<crate::scenario::cohort::Table, ReadError> {
    let error = |message: String| ReadError::File { path: path.to_path_buf(), message };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    let frame = match extension.as_str() {
        "csv" => CsvReadOptions::default()
            .with_has_header(true)
            .with_parse_options(CsvParseOptions::default().with_comment_prefix(Some("#")))
            .with_infer_schema_length(Some(0))
            .with_n_rows(Some(crate::scenario::cohort::MAX_ROWS + 1))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|reader| reader.finish())
            .map_err(|e| error(e.to_string()))?,
        "parquet" => {
            let file = File::open(path).map_err(|e| error(e.to_string()))?;
            ParquetReader::new(file).finish().map_err(|e| error(e.to_string()))?
        }
        _ => return Err(error("a cohort file must end in .csv or .parquet".to_string())),
    };
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
