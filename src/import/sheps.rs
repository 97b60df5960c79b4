//! The Sheps Center's list of rural hospital closures and conversions (a
//! CSV, as described in `data/sheps/README.md` of the shared data): one
//! [`Closure`] per row, with the month named in words turned into a number
//! and the third-party `ccn_matched` restored to six characters (the list
//! lost leading zeros: `21303` is CCN `021303`). Columns are found by name;
//! every problem names the file, the row and the column. Matching the list
//! to a cohort is `backtest::closures`'s; this module only reads it.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::cms::{layout, rows};
use crate::scenario::csv;

/// The largest closure list read, in bytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The columns a closure list must have.
pub const REQUIRED: [&str; 7] =
    ["hospital", "city", "state", "closure_month", "closure_year", "converted", "ccn_matched"];

/// One row of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closure {
    /// Row in the file (the header is row 1).
    pub row: usize,
    /// `hospital`: the name the Sheps Center gives.
    pub hospital: String,
    /// `city`.
    pub city: String,
    /// `state` (two letters).
    pub state: String,
    /// `closure_year`.
    pub year: i32,
    /// `closure_month`, 1-12.
    pub month: u32,
    /// `converted`: still provides other services (emergency, outpatient, ...).
    pub converted: bool,
    /// `ccn_matched` restored to six characters; `None` when empty. Not the
    /// Sheps Center's: a third party's match by name and address, a lead to verify.
    pub ccn: Option<String>,
    /// `medicare_payment` (CAH, PPS, ...) when the file has it.
    pub medicare_payment: String,
}

/// A closure list read by [`read`].
#[derive(Clone, Debug)]
pub struct ClosureList {
    /// The file.
    pub file: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Rows, in file order.
    pub closures: Vec<Closure>,
}

impl ClosureList {
    /// The file's name, for sources and messages.
    pub fn file_name(&self) -> String {
        self.file.file_name().map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into_owned())
    }

    /// The last closure year the list covers (its latest closure).
    pub fn last_year(&self) -> Option<i32> {
        self.closures.iter().map(|c| c.year).max()
    }
}

/// Why a closure list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ShepsError {
    /// The file cannot be read.
    #[error("{}: cannot read it ({source})", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A required column is missing.
    #[error("{}: no `{column}` column; a closure list needs {}", file.display(), REQUIRED.join(", "))]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The column.
        column: String,
    },
    /// A cell is not what its column holds.
    #[error("{}: row {row}, column {column}: {message}", file.display())]
    Cell {
        /// The file.
        file: PathBuf,
        /// Row (the header is row 1).
        row: usize,
        /// Column name.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// The file holds no closure.
    #[error("{}: no closure rows", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
}

/// Reads the closure list at `path`.
pub fn read(path: &Path) -> Result<ClosureList, ShepsError> {
    let io = |source| ShepsError::Io { file: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(io(std::io::Error::other(format!("larger than {MAX_FILE_BYTES} bytes"))));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let closures = parse(path, &bytes)?;
    Ok(ClosureList { file: path.to_path_buf(), sha256, closures })
}

/// The month number of `text`: an English month name, its first three
/// letters (any case), or a number 1-12.
pub fn month_number(text: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let text = text.trim().to_ascii_lowercase();
    if let Ok(n) = text.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    let position = MONTHS.iter().position(|m| *m == text || (text.len() == 3 && m.starts_with(&text)))?;
    u32::try_from(position + 1).ok()
}

/// Parses the bytes of a closure list (`file` names it in errors).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<Vec<Closure>, ShepsError> {
    let mut reader = csv::Reader::new(bytes);
    let cell_error = |row: usize, column: &str, message: String| ShepsError::Cell {
        file: file.to_path_buf(),
        row,
        column: column.to_string(),
        message,
    };
    let header: Vec<String> = match reader.next_record() {
        None => return Err(ShepsError::Empty { file: file.to_path_buf() }),
        Some(Err(p)) => return Err(cell_error(p.row, "header", p.message)),
        Some(Ok((_, cells))) => cells.iter().map(|c| String::from_utf8_lossy(c).trim().to_ascii_lowercase()).collect(),
    };
    let position = |name: &str| header.iter().position(|h| h == name);
    let mut index = std::collections::HashMap::new();
    for name in REQUIRED {
        let i = position(name)
            .ok_or_else(|| ShepsError::MissingColumn { file: file.to_path_buf(), column: name.into() })?;
        index.insert(name, i);
    }
    if let Some(i) = position("medicare_payment") {
        index.insert("medicare_payment", i);
    }
    let mut closures = Vec::new();
    while let Some(record) = reader.next_record() {
        let (row, cells) = record.map_err(|p| {
            let column = header.get(p.field).cloned().unwrap_or_else(|| format!("#{}", p.field + 1));
            cell_error(p.row, &column, p.message)
        })?;
        let text = |name: &str| -> Result<String, ShepsError> {
            let Some(&i) = index.get(name) else { return Ok(String::new()) };
            let cell = cells.get(i).map(Vec::as_slice).unwrap_or_default();
            // `trim` also drops the no-break spaces a spreadsheet leaves (`MDH\u{a0}`).
            std::str::from_utf8(cell)
                .map(|s| s.trim().to_string())
                .map_err(|_| cell_error(row, name, "not UTF-8 text".into()))
        };
        let required = |name: &str| -> Result<String, ShepsError> {
            let value = text(name)?;
            if value.is_empty() {
                return Err(cell_error(row, name, "missing value".into()));
            }
            Ok(value)
        };
        let month_text = required("closure_month")?;
        let month = month_number(&month_text).ok_or_else(|| {
            cell_error(
                row,
                "closure_month",
                format!("expected a month name or 1-12, found {:?}", layout::clip(&month_text)),
            )
        })?;
        let year_text = required("closure_year")?;
        let year = year_text.parse::<i32>().ok().filter(|y| (1900..=2200).contains(y)).ok_or_else(|| {
            cell_error(row, "closure_year", format!("expected a year, found {:?}", layout::clip(&year_text)))
        })?;
        let converted = match required("converted")?.to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" => true,
            "0" | "no" | "false" => false,
            other => {
                return Err(cell_error(row, "converted", format!("expected 0 or 1, found {:?}", layout::clip(other))))
            }
        };
        let ccn_text = text("ccn_matched")?;
        let ccn = match ccn_text.as_str() {
            "" => None,
            t => Some(rows::normalise_ccn(t).ok_or_else(|| {
                cell_error(
                    row,
                    "ccn_matched",
                    format!("expected a CCN of up to six letters and digits, found {:?}", layout::clip(t)),
                )
            })?),
        };
        let state = required("state")?.to_ascii_uppercase();
        closures.push(Closure {
            row,
            hospital: required("hospital")?,
            city: text("city")?,
            state,
            year,
            month,
            converted,
            ccn,
            medicare_payment: text("medicare_payment")?,
        });
    }
    if closures.is_empty() {
        return Err(ShepsError::Empty { file: file.to_path_buf() });
    }
    Ok(closures)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "hospital,address,city,state,zip,county,ruca,cbsa,medicare_payment,beds,closure_month,closure_year,converted,ccn_matched\n";

    fn parse_text(body: &str) -> Result<Vec<Closure>, ShepsError> {
        parse(Path::new("closures.csv"), format!("{HEADER}{body}").as_bytes())
    }

    #[test]
    fn months_in_words_abbreviated_or_numbers() {
        assert_eq!(month_number("January"), Some(1));
        assert_eq!(month_number(" december "), Some(12));
        assert_eq!(month_number("Sep"), Some(9));
        assert_eq!(month_number("7"), Some(7));
        assert_eq!(month_number("13"), None);
        assert_eq!(month_number("Ma"), None);
        assert_eq!(month_number("Sept."), None);
    }

    #[test]
    fn a_row_becomes_a_closure_with_its_ccn_restored() {
        let rows = parse_text(
            "Sitka Community Hospital,209 Moller Ave,Sitka,AK,99835,Sitka,4,Micro,CAH,12,July,2019,1,21303\n\
             \"Community HealthCare System - St. Marys\",206 Grand Ave,St. Marys,KS,66536,Pottawatomie,7,Metro,MDH\u{a0},8,June,2021,0,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        let sitka = &rows[0];
        assert_eq!((sitka.row, sitka.year, sitka.month, sitka.converted), (2, 2019, 7, true));
        assert_eq!(sitka.ccn.as_deref(), Some("021303"));
        assert_eq!((sitka.city.as_str(), sitka.state.as_str()), ("Sitka", "AK"));
        assert_eq!(rows[1].ccn, None);
        assert_eq!(rows[1].medicare_payment, "MDH");
        assert!(!rows[1].converted);
    }

    #[test]
    fn problems_name_the_row_and_column() {
        let e = parse_text("A,x,Town,KS,1,c,1,Metro,CAH,8,Juin,2021,0,\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "closures.csv: row 2, column closure_month: expected a month name or 1-12, found \"Juin\""
        );
        let e = parse_text("A,x,Town,KS,1,c,1,Metro,CAH,8,June,2021,maybe,\n").unwrap_err();
        assert!(e.to_string().contains("row 2, column converted: expected 0 or 1"), "{e}");
        let e = parse_text("A,x,Town,KS,1,c,1,Metro,CAH,8,June,20x1,0,\n").unwrap_err();
        assert!(e.to_string().contains("row 2, column closure_year"), "{e}");
        let e = parse_text("A,x,Town,KS,1,c,1,Metro,CAH,8,June,2021,0,12-345\n").unwrap_err();
        assert!(e.to_string().contains("row 2, column ccn_matched"), "{e}");
        let e = parse(Path::new("c.csv"), b"hospital,city,state\nA,B,C\n").unwrap_err();
        assert!(e.to_string().starts_with("c.csv: no `closure_month` column"), "{e}");
        assert!(matches!(parse_text(""), Err(ShepsError::Empty { .. })));
    }

    #[test]
    fn the_committed_excerpt_reads() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sheps/rural_closures_excerpt.csv");
        let list = read(&file).unwrap();
        assert_eq!(list.closures.len(), 16);
        assert_eq!(list.closures.iter().filter(|c| c.ccn.is_none()).count(), 3);
        assert_eq!(list.last_year(), Some(2021));
        assert_eq!(list.sha256.len(), 64);
    }
}
