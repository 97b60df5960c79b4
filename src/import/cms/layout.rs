//! The cost report's columns, matched by header name (trimmed, case-sensitive,
//! as CMS spells them), and typed access to one record's cells: text, exact
//! decimal numbers and dates in `M/D/YYYY` or `MM/DD/YYYY` form.

use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::ImportError;
use crate::calendar::Date;

/// A column the importer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    /// `Provider CCN`.
    Ccn,
    /// `Hospital Name`.
    Name,
    /// `State Code`.
    State,
    /// `County`.
    County,
    /// `Medicare CBSA Number`.
    Cbsa,
    /// `Rural Versus Urban`.
    RuralUrban,
    /// `CCN Facility Type`.
    FacilityType,
    /// `Type of Control`.
    Control,
    /// `Fiscal Year Begin Date`.
    Begin,
    /// `Fiscal Year End Date`.
    End,
    /// `Net Patient Revenue`.
    Npr,
    /// `Less Total Operating Expense`.
    OperatingExpense,
    /// `Net Income from Service to Patients`.
    NetIncome,
    /// `Total Days Title XVIII`.
    DaysMedicare,
    /// `Total Days Title XIX`.
    DaysMedicaid,
    /// `Total Days (V + XVIII + XIX + Unknown)`.
    DaysTotal,
    /// `Number of Beds`.
    Beds,
    /// `Cash on Hand and in Banks`.
    Cash,
    /// `Net Revenue from Medicaid`.
    MedicaidRevenue,
    /// `Total Salaries From Worksheet A`.
    Salaries,
    /// `Year` (2017 and 2019 files only).
    Year,
    /// `Temporary Investments`.
    TemporaryInvestments,
    /// `Wage-Related Costs (Core)`.
    WageCore,
    /// `Wage-Related Costs (RHC/FQHC)`.
    WageRhc,
    /// `Contract Labor: Direct Patient Care`.
    ContractLabor,
    /// `Wage Related Costs for Part - A Teaching Physicians`.
    WageTeaching,
    /// `Wage Related Costs for Interns and Residents`.
    WageResidents,
    /// `DRG Amounts Other Than Outlier Payments` (empty in every row of these files).
    DrgOther,
    /// `DRG Amounts Before October 1`.
    DrgBefore,
    /// `DRG Amounts After October 1`.
    DrgAfter,
    /// `Outlier Payments For Discharges`.
    Outlier,
    /// `Disproportionate Share Adjustment`.
    Dsh,
    /// `Total IME Payment`.
    Ime,
    /// `Managed Care Simulated Payments`.
    ManagedCare,
    /// `Total Other Income` (grants, appropriations, investment income,
    /// pandemic relief in 2020-2021: outside patient care).
    OtherIncome,
    /// `Total Other Expenses`.
    OtherExpenses,
    /// `Net Income` (net income from service to patients + total other
    /// income - total other expenses).
    TotalNetIncome,
    /// `Investments` (long-term investments, a balance-sheet stock).
    Investments,
    /// `City`.
    City,
    /// `Zip Code` (five digits, ZIP+4, or without its leading zero).
    Zip,
}

/// Every column with its header name and whether the layout requires it, in
/// the order of [`Col`].
pub const COLUMNS: &[(Col, &str, bool)] = &[
    (Col::Ccn, "Provider CCN", true),
    (Col::Name, "Hospital Name", true),
    (Col::State, "State Code", true),
    (Col::County, "County", true),
    (Col::Cbsa, "Medicare CBSA Number", true),
    (Col::RuralUrban, "Rural Versus Urban", true),
    (Col::FacilityType, "CCN Facility Type", true),
    (Col::Control, "Type of Control", true),
    (Col::Begin, "Fiscal Year Begin Date", true),
    (Col::End, "Fiscal Year End Date", true),
    (Col::Npr, "Net Patient Revenue", true),
    (Col::OperatingExpense, "Less Total Operating Expense", true),
    (Col::NetIncome, "Net Income from Service to Patients", true),
    (Col::DaysMedicare, "Total Days Title XVIII", true),
    (Col::DaysMedicaid, "Total Days Title XIX", true),
    (Col::DaysTotal, "Total Days (V + XVIII + XIX + Unknown)", true),
    (Col::Beds, "Number of Beds", true),
    (Col::Cash, "Cash on Hand and in Banks", true),
    (Col::MedicaidRevenue, "Net Revenue from Medicaid", true),
    (Col::Salaries, "Total Salaries From Worksheet A", true),
    (Col::Year, "Year", false),
    (Col::TemporaryInvestments, "Temporary Investments", false),
    (Col::WageCore, "Wage-Related Costs (Core)", false),
    (Col::WageRhc, "Wage-Related Costs (RHC/FQHC)", false),
    (Col::ContractLabor, "Contract Labor: Direct Patient Care", false),
    (Col::WageTeaching, "Wage Related Costs for Part - A Teaching Physicians", false),
    (Col::WageResidents, "Wage Related Costs for Interns and Residents", false),
    (Col::DrgOther, "DRG Amounts Other Than Outlier Payments", false),
    (Col::DrgBefore, "DRG Amounts Before October 1", false),
    (Col::DrgAfter, "DRG Amounts After October 1", false),
    (Col::Outlier, "Outlier Payments For Discharges", false),
    (Col::Dsh, "Disproportionate Share Adjustment", false),
    (Col::Ime, "Total IME Payment", false),
    (Col::ManagedCare, "Managed Care Simulated Payments", false),
    (Col::OtherIncome, "Total Other Income", true),
    (Col::OtherExpenses, "Total Other Expenses", true),
    (Col::TotalNetIncome, "Net Income", true),
    (Col::Investments, "Investments", false),
    (Col::City, "City", false),
    (Col::Zip, "Zip Code", false),
];

/// The header name of `col`.
pub fn name(col: Col) -> &'static str {
    COLUMNS[col as usize].1
}

/// A header name as matched: letters and digits in lower case, every run of
/// anything else (spaces, punctuation, a byte-order mark) as one space, so
/// `Net Patient Revenue`, `NET PATIENT REVENUE` and `Net_Patient_Revenue`
/// are one column (other releases may spell headers so).
fn header_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            key.extend(c.to_lowercase());
        } else if !key.is_empty() && !key.ends_with(' ') {
            key.push(' ');
        }
    }
    key.trim_end().to_string()
}

/// Where each column sits in one file.
#[derive(Clone, Debug)]
pub struct Layout {
    index: Vec<Option<usize>>,
    width: usize,
    header: Vec<String>,
}

impl Layout {
    /// Matches `header` (raw cells) against [`COLUMNS`] by `header_key`;
    /// every missing required column is listed in one error.
    pub fn new(file: &Path, header: &[Vec<u8>]) -> Result<Layout, ImportError> {
        let mut names = Vec::with_capacity(header.len());
        for (i, cell) in header.iter().enumerate() {
            let text = std::str::from_utf8(cell).map_err(|_| ImportError::Cell {
                file: file.to_path_buf(),
                row: 1,
                column: format!("#{}", i + 1),
                message: "the header cell is not valid UTF-8".to_string(),
            })?;
            names.push(text.trim().to_string());
        }
        let mut index = Vec::with_capacity(COLUMNS.len());
        let mut missing = Vec::new();
        for &(_, wanted, required) in COLUMNS {
            let wanted_key = header_key(wanted);
            let mut found = names.iter().enumerate().filter(|(_, n)| header_key(n) == wanted_key).map(|(i, _)| i);
            let first = found.next();
            if found.next().is_some() {
                return Err(ImportError::Cell {
                    file: file.to_path_buf(),
                    row: 1,
                    column: wanted.to_string(),
                    message: "the header names this column more than once".to_string(),
                });
            }
            if first.is_none() && required {
                missing.push(wanted.to_string());
            }
            index.push(first);
        }
        if !missing.is_empty() {
            return Err(ImportError::Layout { file: file.to_path_buf(), missing, columns: names.len() });
        }
        Ok(Layout { index, width: names.len(), header: names })
    }

    /// Whether the file has `col`.
    pub fn has(&self, col: Col) -> bool {
        self.index[col as usize].is_some()
    }

    /// The header's name for 0-based field `field`.
    pub fn header_name(&self, field: usize) -> Option<String> {
        self.header.get(field).cloned()
    }

    /// The number of columns in the header.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Checks a record is as wide as the header.
    pub fn check_width(&self, file: &Path, row: usize, cells: &[Vec<u8>]) -> Result<(), ImportError> {
        if cells.len() == self.width {
            return Ok(());
        }
        let (column, message) = if cells.len() < self.width {
            (
                self.header[cells.len()].clone(),
                format!("the row has {} cells, the header {}; this column is missing", cells.len(), self.width),
            )
        } else {
            (
                format!("#{}", self.width + 1),
                format!("the row has {} cells, the header only {}", cells.len(), self.width),
            )
        };
        Err(ImportError::Cell { file: file.to_path_buf(), row, column, message })
    }
}

/// One record's cells with the file and row it came from.
pub struct Record<'a> {
    /// The file (for messages).
    pub file: &'a Path,
    /// Row number (the header is row 1).
    pub row: usize,
    /// Raw cells, as wide as the header.
    pub cells: &'a [Vec<u8>],
    /// The file's layout.
    pub layout: &'a Layout,
}

impl Record<'_> {
    fn error(&self, col: Col, message: String) -> ImportError {
        ImportError::Cell { file: self.file.to_path_buf(), row: self.row, column: name(col).to_string(), message }
    }

    /// The trimmed text of `col`, `None` if the column is absent or the cell empty.
    pub fn text(&self, col: Col) -> Result<Option<&str>, ImportError> {
        let Some(cell) = self.layout.index[col as usize].and_then(|i| self.cells.get(i)) else {
            return Ok(None);
        };
        let text = std::str::from_utf8(cell)
            .map_err(|e| self.error(col, format!("not valid UTF-8 (invalid byte at offset {})", e.valid_up_to())))?;
        let text = text.trim();
        Ok(if text.is_empty() { None } else { Some(text) })
    }

    /// The exact decimal value of `col` (`-?digits[.digits]`), `None` if empty.
    pub fn number(&self, col: Col) -> Result<Option<Decimal>, ImportError> {
        let Some(text) = self.text(col)? else {
            return Ok(None);
        };
        parse_number(text).map(Some).map_err(|e| self.error(col, e.to_string()))
    }

    /// `number`, with an empty cell read as zero (a blank cost report line is zero).
    pub fn amount(&self, col: Col) -> Result<Decimal, ImportError> {
        Ok(self.number(col)?.unwrap_or(Decimal::ZERO))
    }

    /// The date of `col` (`M/D/YYYY` or `MM/DD/YYYY`), `None` if empty.
    pub fn date(&self, col: Col) -> Result<Option<Date>, ImportError> {
        let Some(text) = self.text(col)? else {
            return Ok(None);
        };
        parse_date(text)
            .map(Some)
            .ok_or_else(|| self.error(col, format!("{:?} is not a date in MM/DD/YYYY (or M/D/YYYY) form", clip(text))))
    }
}

/// At most 40 characters of `text`, for messages.
pub fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Why a cell is not a plain number (each with the cell's text).
#[derive(Debug, thiserror::Error)]
pub enum NumberError {
    /// Not `-?digits[.digits]`.
    #[error("expected a number, found {:?}", clip(.0))]
    Malformed(String),
    /// More than 15 integer or 10 decimal digits.
    #[error("{:?} is implausibly large or precise for dollars, days or beds", clip(.0))]
    Implausible(String),
    /// `Decimal` refused it.
    #[error("{:?}: {source}", clip(.text))]
    Decimal {
        /// The cell's text.
        text: String,
        /// `Decimal`'s reason.
        source: rust_decimal::Error,
    },
}

/// Parses `-?digits[.digits]` exactly (no exponent, no thousands separators).
pub fn parse_number(text: &str) -> Result<Decimal, NumberError> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (unsigned.contains('.') && frac.is_empty()) {
        return Err(NumberError::Malformed(text.to_string()));
    }
    if int.trim_start_matches('0').len() > 15 || frac.len() > 10 {
        return Err(NumberError::Implausible(text.to_string()));
    }
    Decimal::from_str(text).map_err(|source| NumberError::Decimal { text: text.to_string(), source })
}

/// Parses `M/D/YYYY` or `MM/DD/YYYY` (a spreadsheet re-save drops the zeros).
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let ok = |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !ok(m, 1, 2) || !ok(d, 1, 2) || !ok(y, 4, 4) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_whatever_their_case_spacing_or_punctuation() {
        assert_eq!(header_key("Net Patient Revenue"), "net patient revenue");
        assert_eq!(header_key("  NET_PATIENT  REVENUE "), "net patient revenue");
        assert_eq!(header_key("\u{feff}Provider CCN"), "provider ccn");
        assert_eq!(header_key("Total Days (V + XVIII + XIX + Unknown)"), "total days v xviii xix unknown");
        // Distinct columns stay distinct.
        let keys: std::collections::HashSet<String> = COLUMNS.iter().map(|(_, name, _)| header_key(name)).collect();
        assert_eq!(keys.len(), COLUMNS.len());
        let header: Vec<Vec<u8>> =
            COLUMNS.iter().map(|(_, name, _)| name.to_uppercase().replace(' ', "_").into_bytes()).collect();
        let layout = Layout::new(Path::new("upper.csv"), &header).unwrap();
        assert!(layout.has(Col::Npr) && layout.has(Col::ManagedCare));
    }

    #[test]
    fn columns_are_in_enum_order() {
        for (i, (col, _, _)) in COLUMNS.iter().enumerate() {
            assert_eq!(*col as usize, i);
        }
    }

    #[test]
    fn parses_both_date_forms_and_rejects_others() {
        assert_eq!(parse_date("1/1/2021"), Date::new(2021, 1, 1));
        assert_eq!(parse_date("01/01/2021"), Date::new(2021, 1, 1));
        assert_eq!(parse_date("12/31/2020"), Date::new(2020, 12, 31));
        for bad in ["2021-01-01", "13/1/2021", "2/30/2021", "1/1/21", "1/1/2021/1", "a/b/cccc", "", "001/1/2021"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_plain_numbers_only() {
        assert_eq!(parse_number("-1162165").unwrap(), Decimal::from(-1_162_165));
        assert_eq!(parse_number("1.154767").unwrap().to_string(), "1.154767");
        for bad in ["1e5", "1,000", "", "-", ".5", "5.", "0x10", "1 2", "9999999999999999"] {
            assert!(parse_number(bad).is_err(), "{bad}");
        }
    }
}
