//! One record per hospital (by CCN) from either form a release takes here: a
//! CMS cost-report extract (imported on the fly with the rules of
//! [`crate::import::cms`]) or a cohort table that `seqsim import
//! cms-cost-report` wrote. `seqsim calibrate` and `seqsim backtest` read
//! their releases through this one reader, so both forms give the same
//! numbers (the table holds the importer's amounts to the cent). A table is
//! read through the cohort record (`scenario::cohort_table`): the columns,
//! number grammar and messages of `seqsim run`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::cms;
use crate::calendar::Date;
use crate::scenario::cohort_table::{self, column, CohortError, CohortRecord, MAX_TABLE_BYTES};
use crate::scenario::{Costs, Revenue};

/// One hospital's report, as the importer keeps it (annualised dollars).
#[derive(Clone, Debug, PartialEq)]
pub struct Hospital {
    /// Six-character CCN.
    pub ccn: String,
    /// Name.
    pub name: String,
    /// City (empty when a cohort table has no `city` column).
    pub city: String,
    /// Cohort kind id (`critical_access_hospital`, ...).
    pub kind: String,
    /// State code.
    pub state: String,
    /// Reporting period.
    pub begin: Date,
    /// Reporting period end.
    pub end: Date,
    /// Revenue lines.
    pub revenue: Revenue,
    /// Cost lines.
    pub costs: Costs,
    /// Annualised inpatient days of all payers, when known.
    pub patient_days: Option<Decimal>,
    /// Whether the Medicaid line is the reported `Net Revenue from Medicaid`.
    pub medicaid_reported: bool,
    /// Cash and investments as the importer counts them (`None` when a
    /// cohort table has no `cash` column or an empty cell).
    pub cash: Option<Decimal>,
}

impl Hospital {
    /// Total revenue.
    pub fn revenue_total(&self) -> Decimal {
        self.revenue.total()
    }
    /// Total costs.
    pub fn costs_total(&self) -> Decimal {
        self.costs.total()
    }
    /// The patient-care margin, (revenue - costs) / revenue; `None` when revenue is not positive.
    pub fn margin(&self) -> Option<Decimal> {
        let revenue = self.revenue_total();
        (revenue > Decimal::ZERO).then(|| crate::numeric::margin(revenue, self.costs_total()))
    }
    /// Days of cash, `365 cash / costs`; `None` without cash or positive costs.
    pub fn days_cash(&self) -> Option<Decimal> {
        let costs = self.costs_total();
        if costs <= Decimal::ZERO {
            return None;
        }
        Decimal::from(365).checked_mul(self.cash?)?.checked_div(costs)
    }
    /// The middle of the reporting period, as a day number.
    pub fn midpoint_day(&self) -> i64 {
        (self.begin.day_number() + self.end.day_number()) / 2
    }
}

/// Which form the file had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// A CMS cost-report extract, with its release year when known.
    Release(Option<i32>),
    /// A cohort table written by the importer.
    CohortTable,
}

/// A release read by [`read`].
#[derive(Clone, Debug)]
pub struct Panel {
    /// The file.
    pub file: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its form.
    pub form: Form,
    /// Hospitals, one per CCN, in file order.
    pub hospitals: Vec<Hospital>,
    /// CCNs with a report the importer dropped, and the reason (releases only).
    pub dropped: HashMap<String, String>,
}

impl Panel {
    /// The file's name, for sources and messages.
    pub fn file_name(&self) -> String {
        self.file.file_name().map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into_owned())
    }
}

/// Why a release could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    /// The file cannot be read.
    #[error("{}: cannot read it ({source})", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The cost-report import failed.
    #[error(transparent)]
    Import(#[from] cms::ImportError),
    /// A cohort table's columns or cells are not what the cohort record holds.
    #[error(transparent)]
    Table(#[from] CohortError),
    /// The file holds no hospital.
    #[error("{}: no hospital rows", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
}

/// Reads `path`: a cost-report extract when its header has `Provider CCN`,
/// else a cohort table (`#` comment lines first, then a header).
pub fn read(path: &Path) -> Result<Panel, PanelError> {
    let io = |source| PanelError::Io { file: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.len() > MAX_TABLE_BYTES.max(cms::MAX_FILE_BYTES) {
        return Err(io(std::io::Error::other(format!("larger than {} bytes", cms::MAX_FILE_BYTES))));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let header_line = skip_comments(&bytes).split(|b| *b == b'\n').next().unwrap_or_default();
    let is_release = String::from_utf8_lossy(header_line).to_ascii_lowercase().contains("provider ccn");
    let panel = if is_release { from_release(path, sha256)? } else { from_table(path, sha256, &bytes)? };
    if panel.hospitals.is_empty() {
        return Err(PanelError::Empty { file: path.to_path_buf() });
    }
    Ok(panel)
}

/// The bytes after the leading `#` comment lines.
fn skip_comments(bytes: &[u8]) -> &[u8] {
    let mut rest = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    while rest.first() == Some(&b'#') {
        rest = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => &rest[end + 1..],
            None => &[],
        };
    }
    rest
}

fn from_release(path: &Path, sha256: String) -> Result<Panel, PanelError> {
    let import = cms::import(&[path.to_path_buf()], &cms::ImportOptions::default())?;
    let kept: std::collections::HashSet<&str> = import.rows.iter().map(|r| r.ccn.as_str()).collect();
    let dropped: HashMap<String, String> = import
        .dropped
        .iter()
        .filter(|(ccn, _)| !kept.contains(ccn.as_str()))
        .map(|(ccn, reason)| (ccn.clone(), reason.id().to_string()))
        .collect();
    let hospitals = import
        .rows
        .iter()
        .map(|row| Hospital {
            ccn: row.ccn.clone(),
            name: row.name.clone(),
            city: row.city.clone(),
            kind: row.kind.id().to_string(),
            state: row.state.clone(),
            begin: row.begin,
            end: row.end,
            revenue: revenue(row.amounts.revenue),
            costs: costs(row.amounts.costs),
            patient_days: Some(row.patient_days),
            medicaid_reported: row.amounts.estimators[2] == cms::Estimator::Reported,
            cash: Some(row.amounts.cash),
        })
        .collect();
    let year = import.report.release_year;
    Ok(Panel { file: path.to_path_buf(), sha256, form: Form::Release(year), hospitals, dropped })
}

/// The importer's revenue lines, in cohort column order, by name.
fn revenue([medicare_ffs, medicare_advantage, medicaid, commercial, other]: [Decimal; 5]) -> Revenue {
    Revenue { medicare_ffs, medicare_advantage, medicaid, commercial, other }
}

/// The importer's cost lines, in cohort column order, by name.
fn costs([labor, supplies, other]: [Decimal; 3]) -> Costs {
    Costs { labor, supplies, other }
}

fn from_table(path: &Path, sha256: String, bytes: &[u8]) -> Result<Panel, PanelError> {
    let table = cohort_table::parse_csv(bytes, path)?;
    let hospitals = cohort_table::records(&table, path)?.into_iter().filter_map(hospital).collect();
    Ok(Panel { file: path.to_path_buf(), sha256, form: Form::CohortTable, hospitals, dropped: HashMap::new() })
}

/// A cohort record as a hospital (`None` without an end date, which
/// [`cohort_table::records`] has already reported).
fn hospital(record: CohortRecord) -> Option<Hospital> {
    let end = record.fiscal_year_end?;
    Some(Hospital {
        city: record.attribute(column::CITY).to_string(),
        state: record.attribute(column::STATE).to_string(),
        medicaid_reported: record.attribute(column::EST_MEDICAID) == cms::Estimator::Reported.id(),
        ccn: record.ccn,
        name: record.name,
        kind: record.kind,
        begin: record.fiscal_year_begin.unwrap_or(end),
        end,
        revenue: record.revenue,
        costs: record.costs,
        patient_days: record.patient_days,
        cash: record.cash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_are_skipped() {
        assert_eq!(skip_comments(b"# a\n# b\nid,ccn\n1,2\n"), b"id,ccn\n1,2\n");
        assert_eq!(skip_comments(b"# only"), b"");
        assert_eq!(skip_comments(b"id\n"), b"id\n");
    }

    #[test]
    fn margin_is_revenue_less_costs_over_revenue() {
        let day = Date::first_of_year(2019);
        let d = |v: i64| Decimal::from(v);
        let h = Hospital {
            ccn: "010001".into(),
            name: String::new(),
            city: String::new(),
            kind: "rural_pps_hospital".into(),
            state: "AL".into(),
            begin: day,
            end: day,
            revenue: Revenue {
                medicare_ffs: d(40),
                medicare_advantage: d(10),
                medicaid: d(20),
                commercial: d(30),
                other: d(0),
            },
            costs: Costs { labor: d(60), supplies: d(10), other: d(35) },
            patient_days: None,
            medicaid_reported: true,
            cash: Some(d(21)),
        };
        // (100 - 105) / 100 = -0.05.
        assert_eq!(h.margin(), Some(Decimal::new(-5, 2)));
        // 365 * 21 / 105 = 73 days.
        assert_eq!(h.days_cash(), Some(d(73)));
    }

    #[test]
    fn a_table_and_its_release_give_the_same_hospitals() {
        let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cms/CostReport_2019_excerpt.csv");
        let from_release = read(&release).expect("the committed excerpt reads");
        let mut table = Vec::new();
        let import = cms::import(std::slice::from_ref(&release), &cms::ImportOptions::default()).expect("imports");
        cms::write_cohort_csv(&import, &mut table).expect("writes");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("cohort.csv");
        std::fs::write(&file, &table).expect("writes");
        let from_table = read(&file).expect("the table reads");
        assert_eq!(from_table.form, Form::CohortTable);
        assert!(matches!(from_release.form, Form::Release(Some(2019))));
        assert_eq!(from_release.hospitals.len(), from_table.hospitals.len());
        for (a, b) in from_release.hospitals.iter().zip(&from_table.hospitals) {
            assert_eq!(
                (&a.ccn, &a.kind, a.margin(), a.medicaid_reported, &a.city, a.cash),
                (&b.ccn, &b.kind, b.margin(), b.medicaid_reported, &b.city, b.cash)
            );
            // The table rounds annualised days to one decimal.
            let days = a
                .patient_days
                .map(|d| d.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
            assert_eq!(days, b.patient_days);
        }
    }
}
