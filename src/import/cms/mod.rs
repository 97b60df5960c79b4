//! Imports CMS "Hospital Provider Cost Report" extracts (one row per cost
//! report on form CMS-2552-10, as published at data.cms.gov as
//! `CostReport_<YEAR>_Final.csv`) into a seqsim cohort: one practice per
//! hospital, with annualised revenue by payer, costs by line, cash, and
//! grouping attributes, plus an [`ImportReport`] saying what was kept,
//! dropped (and why) and estimated (and how).
//!
//! Modules: [`csv`] (`scenario::csv`) reads RFC-4180 bytes; [`layout`] matches columns by
//! header name and types cells; [`rows`] holds one report's values and the
//! classifications (CCN, facility type, kind, control, drop reasons);
//! [`payer`] checks a report and splits revenue and costs exactly;
//! [`report`] builds `COHORT.import.json` and writes the cohort CSV.
//!
//! Both forms of the files are read: CMS's own (quoted header, six-digit
//! CCNs, `MM/DD/YYYY`) and a spreadsheet re-save (unquoted header, CCNs
//! without leading zeros, `M/D/YYYY`). The 2017 and 2019 files have a `Year`
//! column, the 2021 file does not.
//!
//! Selection, in order (each dropped report is counted under the first
//! reason that applies, see [`DropReason`]): a valid CCN and period; one
//! report per CCN (longest period, then latest end date, then first in the
//! files); a known facility type that is kept (STH and CAH by default, others
//! with [`ImportOptions::include_types`]); a known rurality for STH; a period
//! of [`payer::MIN_DAYS`]..=[`payer::MAX_DAYS`] days; the three margin
//! columns present, NPR > 0, operating expense > 0, NPR - expense = net
//! income (to $1), margin within ±100%, reported Medicaid within 0..=NPR, and
//! a basis to estimate Medicare.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

pub mod definitions;
pub mod layout;
pub mod payer;
pub mod report;
pub mod rows;
#[cfg(test)]
mod tests;

pub use definitions::{
    BaseShares, CashDefinition, MarginDefinition, OtherIncomeRule, OtherShares, RucaCodes, RuralDefinition,
};
pub use payer::{Amounts, Estimator, OtherIncome};
pub use report::{
    cohort_records, report_json, write_cohort_csv, Definitions, DropCount, ImportReport, InputFile, KindTotals, Rule,
};
pub use rows::{DropReason, FacilityType, Kind};

use crate::calendar::Date;
use crate::scenario::csv;
use layout::{Layout, Record};
use rows::Raw;

/// The largest input file read, in bytes (the real files are about 4 MB).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// The most data rows read from one file (the real files hold about 6,200).
pub const MAX_ROWS: usize = 1_000_000;

/// Why an import failed. Each names the file and, for a cell, the row
/// (the header is row 1) and the column.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No input file was given.
    #[error("no input files: give at least one CMS Hospital Provider Cost Report CSV")]
    NoFiles,
    /// The file cannot be opened or read.
    #[error("{}: cannot read it ({source})", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_FILE_BYTES`] or has more than [`MAX_ROWS`] rows.
    #[error("{}: {what}; a cost report extract is about 4 MB and 6,200 rows", file.display())]
    TooLarge {
        /// The file.
        file: PathBuf,
        /// What is too large.
        what: String,
    },
    /// The file has no header row.
    #[error("{}: the file is empty (no header row)", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// Required columns are missing: not a cost report extract (or a new layout).
    #[error(
        "{}: not a CMS Hospital Provider Cost Report layout: missing required column(s) {}; the header has {columns} columns",
        file.display(),
        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
    )]
    Layout {
        /// The file.
        file: PathBuf,
        /// The required columns not found.
        missing: Vec<String>,
        /// How many columns the header has.
        columns: usize,
    },
    /// The rural definition needs a RUCA file.
    #[error("--rural forhp needs the USDA RUCA ZIP file: give --ruca FILE (columns zip and ruca1)")]
    NeedsRuca,
    /// A cell (or a row's shape) is not what the column holds.
    #[error("{}: row {row}, column `{column}`: {message}", file.display())]
    Cell {
        /// The file.
        file: PathBuf,
        /// Row number (the header is row 1).
        row: usize,
        /// Column name (or `#N` for a cell beyond the header).
        column: String,
        /// What is wrong.
        message: String,
    },
}

/// What to import.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportOptions {
    /// Facility types kept besides STH and CAH (which are always kept).
    pub include_types: Vec<FacilityType>,
    /// The base-year margin.
    pub margin: MarginDefinition,
    /// The cash days of cash count.
    pub cash: CashDefinition,
    /// Which short-term hospitals are rural.
    pub rural: RuralDefinition,
    /// RUCA codes by ZIP (required by [`RuralDefinition::Forhp`]; with
    /// another definition they only fill the `ruca` column).
    pub ruca: Option<RucaCodes>,
    /// Earlier releases whose other income and expenses, as shares of NPR,
    /// replace those of relief-window reports (total margin only): each
    /// hospital's latest report that ends before the window, in any of them.
    pub other_income_base: Vec<PathBuf>,
}

/// One kept report: a cohort row.
#[derive(Clone, Debug, PartialEq)]
pub struct CohortRow {
    /// Six-character CCN (leading zeros restored).
    pub ccn: String,
    /// `Hospital Name`.
    pub name: String,
    /// The cohort kind.
    pub kind: Kind,
    /// `CCN Facility Type`.
    pub facility_type: FacilityType,
    /// `Rural Versus Urban` (R, U or NA).
    pub rural_urban: String,
    /// `State Code`.
    pub state: String,
    /// `County`.
    pub county: String,
    /// `City`.
    pub city: String,
    /// Five-digit ZIP (empty when the file has none).
    pub zip: String,
    /// Primary RUCA code of the ZIP, when a RUCA file was given and has it.
    pub ruca: Option<u8>,
    /// `Medicare CBSA Number`.
    pub cbsa: String,
    /// `Type of Control` in words.
    pub control: String,
    /// `Number of Beds` as written.
    pub beds: String,
    /// Reporting period begin.
    pub begin: Date,
    /// Reporting period end.
    pub end: Date,
    /// Days in the period (both ends included).
    pub days: i64,
    /// Annualised amounts.
    pub amounts: Amounts,
    /// Inpatient days of all payers (`Total Days (V + XVIII + XIX +
    /// Unknown)`), annualised: the volume measure `seqsim calibrate` uses.
    pub patient_days: Decimal,
    /// The file's `Net Patient Revenue` (not annualised).
    pub file_npr: Decimal,
    /// The file's `Net Income from Service to Patients` (not annualised).
    pub file_net_income: Decimal,
    /// The file's `Net Income` (not annualised).
    pub file_total_net_income: Option<Decimal>,
    /// The file's `Total Other Income` (not annualised; blank is zero).
    pub file_other_income: Decimal,
    /// The file's `Total Other Expenses` (not annualised; blank is zero).
    pub file_other_expenses: Decimal,
    /// Index of the input file.
    pub file: usize,
    /// Row in that file (the header is row 1).
    pub row: usize,
}

impl CohortRow {
    /// The cohort id: `ccn_` and the CCN in lowercase (`[a-z0-9_]+`).
    pub fn id(&self) -> String {
        format!("ccn_{}", self.ccn.to_ascii_lowercase())
    }

    /// The file's patient-care margin, `Net Income from Service to Patients / Net Patient Revenue`.
    pub fn file_margin(&self) -> Decimal {
        self.file_net_income / self.file_npr
    }

    /// The cohort row's base-year margin, (revenue - costs) / revenue: the
    /// margin of the import's definition.
    pub fn margin(&self) -> Decimal {
        let revenue: Decimal = self.amounts.revenue.iter().sum();
        let costs: Decimal = self.amounts.costs.iter().sum();
        crate::numeric::margin(revenue, costs)
    }
}

/// The imported cohort and the account of how it was made.
#[derive(Clone, Debug)]
pub struct Import {
    /// Kept reports, in file order.
    pub rows: Vec<CohortRow>,
    /// What was read, kept, dropped and estimated.
    pub report: ImportReport,
    /// The options it was made with.
    pub options: ImportOptions,
    /// Each dropped report with a valid CCN, and why (a CCN can appear
    /// twice: once for a duplicate report, once for its kept or dropped twin).
    pub dropped: Vec<(String, DropReason)>,
}

struct FileData {
    info: InputFile,
    raws: Vec<Raw>,
}

fn read_one(index: usize, path: &Path) -> Result<FileData, ImportError> {
    let io = |source| ImportError::Io { file: path.to_path_buf(), source };
    let file = File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            file: path.to_path_buf(),
            what: format!("larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let mut reader = csv::Reader::new(&bytes);
    let csv_error = |p: csv::CsvProblem, layout: Option<&Layout>| ImportError::Cell {
        file: path.to_path_buf(),
        row: p.row,
        column: layout.and_then(|l| l.header_name(p.field)).unwrap_or_else(|| format!("#{}", p.field + 1)),
        message: p.message,
    };
    let header = match reader.next_record() {
        None => return Err(ImportError::Empty { file: path.to_path_buf() }),
        Some(Err(p)) => return Err(csv_error(p, None)),
        Some(Ok((_, cells))) => cells,
    };
    let layout = Layout::new(path, &header)?;
    let mut raws = Vec::new();
    while let Some(record) = reader.next_record() {
        let (row, cells) = record.map_err(|p| csv_error(p, Some(&layout)))?;
        if raws.len() >= MAX_ROWS {
            return Err(ImportError::TooLarge { file: path.to_path_buf(), what: format!("more than {MAX_ROWS} rows") });
        }
        layout.check_width(path, row, &cells)?;
        raws.push(Raw::read(index, &Record { file: path, row, cells: &cells, layout: &layout })?);
    }
    let (release_year, release_year_from) = release_year(&raws, layout.has(layout::Col::Year));
    let info = InputFile {
        file: path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
        sha256,
        bytes: bytes.len() as u64,
        rows_read: raws.len(),
        release_year,
        release_year_from: release_year_from.to_string(),
    };
    Ok(FileData { info, raws })
}

/// The release year of a file: the most common value of its `Year` column
/// when it has one, else the most common calendar year of its fiscal year end
/// dates (ties go to the later year). For the three releases here both give
/// the file's name year (2021: 3,487 periods end in 2021, 2,545 in 2022).
fn release_year(raws: &[Raw], has_year_column: bool) -> (Option<i32>, &'static str) {
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    let from = if has_year_column {
        for raw in raws {
            if let Some(year) = raw.year.as_deref().and_then(|y| y.parse::<i32>().ok()) {
                *counts.entry(year).or_default() += 1;
            }
        }
        "Year column"
    } else {
        for raw in raws {
            if let Some(end) = raw.end {
                *counts.entry(end.year()).or_default() += 1;
            }
        }
        "most common fiscal year end year"
    };
    (counts.iter().max_by_key(|(year, n)| (**n, **year)).map(|(year, _)| *year), from)
}

/// Whether a report is rural by `definition` (`None`: unknown), and
/// whether that came from the `Rural Versus Urban` flag for want of a CBSA.
fn rurality(raw: &Raw, ruca: Option<u8>, definition: RuralDefinition) -> (Option<bool>, bool) {
    let flag = match raw.rural_urban.as_str() {
        "R" => Some(true),
        "U" => Some(false),
        _ => None,
    };
    let cbsa = definitions::rural_cbsa(&raw.cbsa);
    match definition {
        RuralDefinition::CmsFlag => (flag, false),
        RuralDefinition::Cbsa => (cbsa.or(flag), cbsa.is_none()),
        RuralDefinition::Forhp => {
            let by_zip = ruca.is_some_and(definitions::rural_ruca);
            (cbsa.or(flag).map(|rural| rural || by_zip), cbsa.is_none())
        }
    }
}

/// Other income and expenses as shares of NPR, per CCN and median per
/// kind, from the reports of `paths` that end before the relief window (one
/// per CCN: the latest end, then the longest period); empty without files.
fn base_shares(paths: &[PathBuf], options: &ImportOptions) -> Result<BaseShares, ImportError> {
    let data: Vec<FileData> = paths.iter().enumerate().map(|(i, p)| read_one(i, p)).collect::<Result<_, _>>()?;
    let mut best: HashMap<String, (Date, i64, OtherShares, Option<Kind>)> = HashMap::new();
    for raw in data.iter().flat_map(|d| &d.raws) {
        let (Some(ccn), Some(days), Some(end), Some(npr)) =
            (rows::normalise_ccn(&raw.ccn_text), raw.days(), raw.end, raw.npr)
        else {
            continue;
        };
        if end >= definitions::RELIEF_FROM || npr <= Decimal::ZERO {
            continue;
        }
        let shares = OtherShares { income: raw.other_income / npr, expenses: raw.other_expenses / npr };
        let zip = definitions::zip5(&raw.zip).unwrap_or_default();
        let ruca = options.ruca.as_ref().and_then(|codes| codes.code(&zip));
        let kind =
            FacilityType::parse(&raw.facility_type).and_then(|t| Kind::of(t, rurality(raw, ruca, options.rural).0));
        let entry = (end, days, shares, kind);
        match best.get(&ccn) {
            Some(held) if (held.0, held.1) >= (end, days) => {}
            _ => {
                best.insert(ccn, entry);
            }
        }
    }
    let mut by_kind_values: HashMap<Kind, (Vec<Decimal>, Vec<Decimal>)> = HashMap::new();
    for (_, _, shares, kind) in best.values() {
        if let Some(kind) = kind {
            let entry = by_kind_values.entry(*kind).or_default();
            entry.0.push(shares.income);
            entry.1.push(shares.expenses);
        }
    }
    let by_kind = by_kind_values
        .into_iter()
        .map(|(kind, (income, expenses))| {
            (kind, OtherShares { income: definitions::median(income), expenses: definitions::median(expenses) })
        })
        .collect();
    let by_ccn = best.into_iter().map(|(ccn, (_, _, shares, _))| (ccn, shares)).collect();
    Ok(BaseShares { files: paths.to_vec(), by_ccn, by_kind })
}

/// Imports `files` (one or more cost report extracts) with `options`.
///
/// Every file is read whole and checked first: a cell that is not what its
/// column holds (text in a number column, a malformed date, non-UTF-8, a
/// ragged row, an unclosed quote) fails the import with the file, row and
/// column. Reports are then selected (see the module docs); when several
/// files are given, one report per CCN is kept across all of them.
pub fn import(files: &[PathBuf], options: &ImportOptions) -> Result<Import, ImportError> {
    if files.is_empty() {
        return Err(ImportError::NoFiles);
    }
    if options.rural == RuralDefinition::Forhp && options.ruca.is_none() {
        return Err(ImportError::NeedsRuca);
    }
    let data: Vec<FileData> = files.iter().enumerate().map(|(i, f)| read_one(i, f)).collect::<Result<_, _>>()?;
    let base = base_shares(&options.other_income_base, options)?;
    let mut tally = Tally::default();
    let candidates = candidates(&data, &mut tally);
    let best = best_reports(&candidates);
    let mut rows_out = Vec::new();
    for (i, (raw, ccn, days)) in candidates.iter().enumerate() {
        if best.get(ccn.as_str()) != Some(&i) {
            tally.drop(ccn, DropReason::DuplicateReport);
            continue;
        }
        let release_year = data[raw.file].info.release_year;
        match cohort_row(raw, ccn, *days, release_year, &base, options, &mut tally) {
            Ok(row) => rows_out.push(row),
            Err(reason) => tally.drop(ccn, reason),
        }
    }
    let files_info: Vec<InputFile> = data.into_iter().map(|d| d.info).collect();
    let report = report::build(files_info, options, &rows_out, tally.drops, tally.adjustments);
    Ok(Import { rows: rows_out, report, dropped: tally.dropped, options: options.clone() })
}

/// What the selection dropped and adjusted, in the order it met them.
#[derive(Default)]
struct Tally {
    /// Counts and examples by reason, for the import report.
    drops: report::Drops,
    /// Each dropped report with a valid CCN, and why.
    dropped: Vec<(String, DropReason)>,
    /// How many reports each adjustment touched, by its name.
    adjustments: BTreeMap<String, usize>,
}

impl Tally {
    /// Drops the report of `ccn` (a valid CCN) for `reason`.
    fn drop(&mut self, ccn: &str, reason: DropReason) {
        self.dropped.push((ccn.to_string(), reason));
        self.drops.add(reason, ccn.to_string());
    }

    /// Counts one report touched by the adjustment `name`.
    fn adjust(&mut self, name: &str) {
        *self.adjustments.entry(name.to_string()).or_default() += 1;
    }
}

/// The reports with a valid CCN (left-padded to six characters) and a
/// valid period, each with its CCN and its days; the others are dropped.
fn candidates<'d>(data: &'d [FileData], tally: &mut Tally) -> Vec<(&'d Raw, String, i64)> {
    let mut padded = 0;
    let mut candidates = Vec::new();
    for raw in data.iter().flat_map(|d| &d.raws) {
        let Some(ccn) = rows::normalise_ccn(&raw.ccn_text) else {
            let example = if raw.ccn_text.is_empty() {
                format!("(empty, {} row {})", data[raw.file].info.file, raw.row)
            } else {
                layout::clip(&raw.ccn_text)
            };
            tally.drops.add(DropReason::InvalidCcn, example);
            continue;
        };
        if ccn != raw.ccn_text {
            padded += 1;
        }
        match raw.days() {
            Some(days) => candidates.push((raw, ccn, days)),
            None => tally.drop(&ccn, DropReason::InvalidPeriod),
        }
    }
    tally.adjustments.insert("ccn_left_padded".to_string(), padded);
    candidates
}

/// One report per CCN: the index in `candidates` of the longest period,
/// then the latest end date, then the first.
fn best_reports<'c>(candidates: &'c [(&Raw, String, i64)]) -> HashMap<&'c str, usize> {
    let mut best: HashMap<&str, usize> = HashMap::new();
    for (i, (raw, ccn, days)) in candidates.iter().enumerate() {
        match best.get(ccn.as_str()) {
            Some(&j) => {
                let (other, _, other_days) = &candidates[j];
                if (*days, raw.end) > (*other_days, other.end) {
                    best.insert(ccn, i);
                }
            }
            None => {
                best.insert(ccn, i);
            }
        }
    }
    best
}

/// A report's facility type, cohort kind, ZIP and RUCA code.
struct Classified {
    facility_type: FacilityType,
    kind: Kind,
    zip: String,
    ruca: Option<u8>,
}

/// Classifies a selected report, or says why it is dropped: an unknown or
/// excluded facility type, or a short-term hospital of unknown rurality.
fn classify(raw: &Raw, options: &ImportOptions, tally: &mut Tally) -> Result<Classified, DropReason> {
    let facility_type = FacilityType::parse(&raw.facility_type).ok_or(DropReason::UnknownFacilityType)?;
    if !facility_type.kept_by_default() && !options.include_types.contains(&facility_type) {
        return Err(DropReason::FacilityTypeExcluded);
    }
    let zip = definitions::zip5(&raw.zip).unwrap_or_default();
    let ruca = options.ruca.as_ref().and_then(|codes| codes.code(&zip));
    let (rural, from_flag) = rurality(raw, ruca, options.rural);
    if from_flag && facility_type == FacilityType::ShortTerm {
        tally.adjust("rural_from_flag_without_cbsa");
    }
    let kind = Kind::of(facility_type, rural).ok_or(DropReason::RuralUrbanUnknown)?;
    Ok(Classified { facility_type, kind, zip, ruca })
}

/// The cohort row of a selected report (the one kept for its CCN), or why
/// it is dropped; `release_year` is its file's.
fn cohort_row(
    raw: &Raw,
    ccn: &str,
    days: i64,
    release_year: Option<i32>,
    base: &BaseShares,
    options: &ImportOptions,
    tally: &mut Tally,
) -> Result<CohortRow, DropReason> {
    let Classified { facility_type, kind, zip, ruca } = classify(raw, options, tally)?;
    let ma_share = payer::ma_penetration(release_year);
    let other = match (options.margin, raw.begin.zip(raw.end)) {
        (MarginDefinition::PatientCare, _) => OtherIncome::LeftOut,
        (MarginDefinition::Total, Some((begin, end))) if definitions::in_relief_window(begin, end) => {
            let (shares, rule) = base.shares(ccn, kind);
            OtherIncome::Shares(shares, rule)
        }
        (MarginDefinition::Total, _) => OtherIncome::Reported,
    };
    let amounts = payer::evaluate(raw, days, kind, ma_share, other, options.cash)?;
    if amounts.capped_medicare {
        tally.adjust("medicare_capped_to_npr_minus_medicaid");
    }
    if amounts.capped_labor {
        tally.adjust("labor_capped_to_costs");
    }
    let (Some(begin), Some(end), Some(file_npr), Some(file_net_income)) = (raw.begin, raw.end, raw.npr, raw.net_income)
    else {
        return Err(DropReason::InvalidPeriod);
    };
    Ok(CohortRow {
        ccn: ccn.to_string(),
        name: raw.name.clone(),
        kind,
        facility_type,
        rural_urban: raw.rural_urban.clone(),
        state: raw.state.clone(),
        county: raw.county.clone(),
        city: raw.city.clone(),
        zip,
        ruca,
        cbsa: raw.cbsa.clone(),
        control: rows::control_words(&raw.control),
        beds: raw.beds.clone(),
        begin,
        end,
        days,
        patient_days: raw.days_total * Decimal::from(365) / Decimal::from(days),
        amounts,
        file_npr,
        file_net_income,
        file_total_net_income: raw.total_net_income,
        file_other_income: raw.other_income,
        file_other_expenses: raw.other_expenses,
        file: raw.file,
        row: raw.row,
    })
}
