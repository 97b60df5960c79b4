//! The definitions an analyst chooses at import: which margin a hospital
//! starts from, which cash counts as days of cash, and which hospitals are
//! rural; and the rule that keeps one-off pandemic relief out of a base
//! year's recurring revenue.
//!
//! Defaults are the ones published figures use: the total margin (net
//! income over net patient revenue plus other income: Chartis, MedPAC and
//! state hospital associations publish operating or total margins), days of
//! cash with investments (as Fitch, S&P and Moody's count them), and rural
//! by geography (a non-metropolitan CBSA, the Federal Office of Rural Health
//! Policy's county rule; with a RUCA file, also ZIPs of RUCA 4-10).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Serialize;

use super::rows::Kind;
use super::ImportError;
use crate::calendar::Date;
use crate::scenario::csv;

/// Which margin the cohort's base year holds (the `margin_definition` column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarginDefinition {
    /// `Net Income / (Net Patient Revenue + Total Other Income)`: other
    /// income is the `other` revenue line and other expenses join costs.
    #[default]
    Total,
    /// `Net Income from Service to Patients / Net Patient Revenue`: patient
    /// care only (other income and expenses left out).
    PatientCare,
}

impl MarginDefinition {
    /// Every definition.
    pub const ALL: [MarginDefinition; 2] = [MarginDefinition::Total, MarginDefinition::PatientCare];

    /// The identifier (`total`, `patient_care`), as in the cohort table.
    pub fn id(self) -> &'static str {
        match self {
            MarginDefinition::Total => "total",
            MarginDefinition::PatientCare => "patient_care",
        }
    }

    /// Reads an identifier (`-` and `_` alike, for command lines too).
    pub fn parse(text: &str) -> Option<MarginDefinition> {
        MarginDefinition::ALL.into_iter().find(|d| d.id() == text.trim().replace('-', "_"))
    }

    /// What a reader is told the margin is.
    pub fn words(self) -> &'static str {
        match self {
            MarginDefinition::Total => {
                "total margin: net income / (net patient revenue + other income), as CMS cost reports give them"
            }
            MarginDefinition::PatientCare => {
                "patient-care margin: net income from service to patients / net patient revenue (other income left out)"
            }
        }
    }
}

impl fmt::Display for MarginDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Which cash the cohort's `cash` column holds (days of cash are cash over
/// daily costs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CashDefinition {
    /// Cash on hand and in banks + temporary investments + investments:
    /// days of cash on hand as rating agencies count them (unrestricted cash
    /// and investments; the cost report does not split off restricted funds).
    #[default]
    WithInvestments,
    /// Cash on hand and in banks + temporary investments only.
    Liquid,
}

impl CashDefinition {
    /// Every definition.
    pub const ALL: [CashDefinition; 2] = [CashDefinition::WithInvestments, CashDefinition::Liquid];

    /// The identifier (`with_investments`, `liquid`).
    pub fn id(self) -> &'static str {
        match self {
            CashDefinition::WithInvestments => "with_investments",
            CashDefinition::Liquid => "liquid",
        }
    }

    /// Reads an identifier (`-` and `_` alike).
    pub fn parse(text: &str) -> Option<CashDefinition> {
        CashDefinition::ALL.into_iter().find(|d| d.id() == text.trim().replace('-', "_"))
    }
}

/// Which short-term hospitals are rural (`rural_pps_hospital`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuralDefinition {
    /// In a non-metropolitan area: the report's `Medicare CBSA Number` is a
    /// state's rural code (`999SS`). A report without a CBSA falls back to
    /// the `Rural Versus Urban` flag.
    #[default]
    Cbsa,
    /// The Federal Office of Rural Health Policy's rule at ZIP level: a
    /// non-metropolitan CBSA, or a ZIP whose primary RUCA code is 4-10
    /// (needs a RUCA file).
    Forhp,
    /// The cost report's `Rural Versus Urban` flag, which also marks urban
    /// hospitals reclassified as rural for payment (42 CFR 412.103).
    CmsFlag,
}

impl RuralDefinition {
    /// Every definition.
    pub const ALL: [RuralDefinition; 3] = [RuralDefinition::Cbsa, RuralDefinition::Forhp, RuralDefinition::CmsFlag];

    /// The identifier (`cbsa`, `forhp`, `cms_flag`).
    pub fn id(self) -> &'static str {
        match self {
            RuralDefinition::Cbsa => "cbsa",
            RuralDefinition::Forhp => "forhp",
            RuralDefinition::CmsFlag => "cms_flag",
        }
    }

    /// Reads an identifier (`-` and `_` alike).
    pub fn parse(text: &str) -> Option<RuralDefinition> {
        RuralDefinition::ALL.into_iter().find(|d| d.id() == text.trim().replace('-', "_"))
    }

    /// What a reader is told "rural" means.
    pub fn words(self) -> &'static str {
        match self {
            RuralDefinition::Cbsa => "rural = in a non-metropolitan area (Medicare CBSA 999SS)",
            RuralDefinition::Forhp => {
                "rural = non-metropolitan CBSA or ZIP RUCA 4-10 (FORHP's rule at ZIP level, USDA 2010 RUCA)"
            }
            RuralDefinition::CmsFlag => {
                "rural = the cost report's Rural Versus Urban flag R (includes urban hospitals reclassified as rural)"
            }
        }
    }
}

/// Whether a `Medicare CBSA Number` is non-metropolitan: `None` when blank.
pub fn rural_cbsa(cbsa: &str) -> Option<bool> {
    let cbsa = cbsa.trim();
    (!cbsa.is_empty()).then(|| cbsa.starts_with("999"))
}

/// A ZIP code's five digits: ZIP+4 cut, a lost leading zero restored;
/// `None` when it is not one.
pub fn zip5(text: &str) -> Option<String> {
    let head = text.trim().split('-').next().unwrap_or_default();
    if head.is_empty() || head.len() > 5 || !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{head:0>5}"))
}

/// Primary RUCA codes by five-digit ZIP (USDA ERS, 2010 ZIP file).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RucaCodes {
    /// The file read (for the import report).
    pub file: PathBuf,
    codes: HashMap<String, u8>,
}

impl RucaCodes {
    /// Reads a RUCA ZIP file with columns `zip` and `ruca1` (the USDA
    /// workbook's `ZIP_CODE` and `RUCA1` are accepted too).
    pub fn read(path: &Path) -> Result<RucaCodes, ImportError> {
        let io = |source| ImportError::Io { file: path.to_path_buf(), source };
        let bytes = std::fs::read(path).map_err(io)?;
        let cell = |row: usize, column: &str, message: String| ImportError::Cell {
            file: path.to_path_buf(),
            row,
            column: column.to_string(),
            message,
        };
        let mut reader = csv::Reader::new(&bytes);
        let header: Vec<String> = match reader.next_record() {
            None => return Err(ImportError::Empty { file: path.to_path_buf() }),
            Some(Err(p)) => return Err(cell(p.row, "header", p.message)),
            Some(Ok((_, cells))) => {
                cells.iter().map(|c| String::from_utf8_lossy(c).trim().to_ascii_lowercase()).collect()
            }
        };
        let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
        let (Some(zip_at), Some(ruca_at)) = (find(&["zip", "zip_code"]), find(&["ruca1"])) else {
            return Err(ImportError::Layout {
                file: path.to_path_buf(),
                missing: vec!["zip".into(), "ruca1".into()],
                columns: header.len(),
            });
        };
        let mut codes = HashMap::new();
        while let Some(record) = reader.next_record() {
            let (row, cells) = record.map_err(|p| cell(p.row, "zip", p.message))?;
            let text =
                |i: usize| cells.get(i).map(|c| String::from_utf8_lossy(c).trim().to_string()).unwrap_or_default();
            let zip = text(zip_at);
            let Some(zip) = zip5(&zip) else {
                return Err(cell(row, "zip", format!("{zip:?} is not a five-digit ZIP code")));
            };
            let ruca = text(ruca_at);
            let code = ruca
                .split('.')
                .next()
                .and_then(|c| c.parse::<u8>().ok())
                .filter(|c| (1..=10).contains(c) || *c == 99)
                .ok_or_else(|| cell(row, "ruca1", format!("{ruca:?} is not a RUCA code (1-10, or 99)")))?;
            codes.insert(zip, code);
        }
        Ok(RucaCodes { file: path.to_path_buf(), codes })
    }

    /// Builds codes from pairs (tests).
    pub fn from_pairs(pairs: &[(&str, u8)]) -> RucaCodes {
        RucaCodes { file: PathBuf::new(), codes: pairs.iter().map(|(z, c)| (z.to_string(), *c)).collect() }
    }

    /// The primary RUCA code of a ZIP as a cost report writes it.
    pub fn code(&self, zip: &str) -> Option<u8> {
        zip5(zip).and_then(|z| self.codes.get(&z).copied())
    }

    /// How many ZIPs the file holds.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the file held no ZIP.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Whether a RUCA primary code is rural under FORHP's rule (4-10; 99, not
/// coded, is not).
pub fn rural_ruca(code: u8) -> bool {
    (4..=10).contains(&code)
}

/// The first day of the pandemic-relief window: the Provider Relief Fund's
/// first general distribution was paid from 10 April 2020 (HHS); periods
/// from 1 April 2020 are taken as touched.
pub const RELIEF_FROM: Date = Date::from_ymd_const(2020, 4, 1);
/// The last day of the window: the Provider Relief Fund's Phase 4 and the
/// American Rescue Plan rural payments were paid from late 2021 into 2022
/// (HRSA); periods that begin after 30 June 2022 are taken as clean.
pub const RELIEF_TO: Date = Date::from_ymd_const(2022, 6, 30);

/// Whether a reporting period overlaps the relief window.
pub fn in_relief_window(begin: Date, end: Date) -> bool {
    begin <= RELIEF_TO && end >= RELIEF_FROM
}

/// How a report's other income and other expenses were taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherIncomeRule {
    /// As reported (a period outside the relief window).
    Reported,
    /// A relief-window period: the hospital's own pre-window shares of NPR
    /// (other income / NPR, other expenses / NPR) from a base release.
    BaseShare,
    /// A relief-window period without a pre-window report of the hospital:
    /// its kind's median shares in the base releases (the 2019 release's
    /// without them).
    KindMedian,
    /// The patient-care margin: other income and expenses left out.
    LeftOut,
}

impl OtherIncomeRule {
    /// The identifier (the `other_income_rule` column).
    pub fn id(self) -> &'static str {
        match self {
            OtherIncomeRule::Reported => "reported",
            OtherIncomeRule::BaseShare => "base_share",
            OtherIncomeRule::KindMedian => "kind_median",
            OtherIncomeRule::LeftOut => "left_out",
        }
    }
}

/// Other income and other expenses as shares of net patient revenue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OtherShares {
    /// Total other income / NPR.
    pub income: Decimal,
    /// Total other expenses / NPR.
    pub expenses: Decimal,
}

/// Median shares by kind of the 2019 release (reports of STH and CAH with
/// NPR > 0, kinds by the default rural definition): CAH 10.63% and 0%,
/// rural PPS 7.08% and 0%, urban PPS 4.49% and 0% (CMS Hospital Provider
/// Cost Report, 2019 release; computed for seqsim). Kinds not listed use
/// the urban PPS shares.
pub fn kind_median_2019(kind: Kind) -> OtherShares {
    let income = match kind {
        Kind::CriticalAccessHospital => Decimal::new(1063, 4),
        Kind::RuralPpsHospital => Decimal::new(708, 4),
        _ => Decimal::new(449, 4),
    };
    OtherShares { income, expenses: Decimal::ZERO }
}

/// Pre-window shares per CCN, and kind medians, from base releases.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BaseShares {
    /// The base releases (for the import report).
    pub files: Vec<PathBuf>,
    /// Shares per six-character CCN.
    pub by_ccn: HashMap<String, OtherShares>,
    /// Median shares per kind among the base release's hospitals.
    pub by_kind: HashMap<Kind, OtherShares>,
}

impl BaseShares {
    /// The shares for a relief-window report of `ccn`, and the rule used.
    pub fn shares(&self, ccn: &str, kind: Kind) -> (OtherShares, OtherIncomeRule) {
        match self.by_ccn.get(ccn) {
            Some(shares) => (*shares, OtherIncomeRule::BaseShare),
            None => (self.by_kind.get(&kind).copied().unwrap_or(kind_median_2019(kind)), OtherIncomeRule::KindMedian),
        }
    }
}

/// The median of `values` (sorted here); zero when empty.
pub fn median(mut values: Vec<Decimal>) -> Decimal {
    if values.is_empty() {
        return Decimal::ZERO;
    }
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / Decimal::TWO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_keep_five_digits() {
        assert_eq!(zip5("4538-").as_deref(), Some("04538"));
        assert_eq!(zip5("29180-0620").as_deref(), Some("29180"));
        assert_eq!(zip5("27016").as_deref(), Some("27016"));
        assert_eq!(zip5(""), None);
        assert_eq!(zip5("123456"), None);
        assert_eq!(zip5("12a45"), None);
    }

    #[test]
    fn rural_codes_follow_the_definitions() {
        assert_eq!(rural_cbsa("99917"), Some(true));
        assert_eq!(rural_cbsa("48900"), Some(false));
        assert_eq!(rural_cbsa(" "), None);
        assert!(!rural_ruca(3) && rural_ruca(4) && rural_ruca(10) && !rural_ruca(99));
        let codes = RucaCodes::from_pairs(&[("04538", 10), ("27016", 2)]);
        assert_eq!(codes.code("4538-"), Some(10));
        assert_eq!(codes.code("27016-1234"), Some(2));
        assert_eq!(codes.code("99999"), None);
    }

    #[test]
    fn the_relief_window_is_touched_by_overlap() {
        let d = Date::from_ymd_const;
        assert!(!in_relief_window(d(2019, 1, 1), d(2019, 12, 31)));
        assert!(!in_relief_window(d(2019, 4, 1), d(2020, 3, 31)));
        assert!(in_relief_window(d(2019, 7, 1), d(2020, 6, 30)));
        assert!(in_relief_window(d(2022, 1, 1), d(2022, 12, 31)));
        assert!(!in_relief_window(d(2022, 7, 1), d(2023, 6, 30)));
    }

    #[test]
    fn definitions_read_their_ids() {
        assert_eq!(MarginDefinition::parse("patient-care"), Some(MarginDefinition::PatientCare));
        assert_eq!(CashDefinition::parse("liquid"), Some(CashDefinition::Liquid));
        assert_eq!(RuralDefinition::parse("cms-flag"), Some(RuralDefinition::CmsFlag));
        assert_eq!(RuralDefinition::parse("metro"), None);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(vec![Decimal::from(3), Decimal::ONE, Decimal::TWO]), Decimal::TWO);
        assert_eq!(median(vec![Decimal::from(4), Decimal::ONE]), Decimal::new(25, 1));
        assert_eq!(median(vec![]), Decimal::ZERO);
    }
}
