//! One cost report as typed values (before any estimation), and the
//! classifications the importer applies to it: the six-character CCN,
//! facility types and the cohort kinds they map to, the type of control in
//! words, and the reasons a report is dropped.

use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;

use super::layout::{Col, Record};
use super::ImportError;
use crate::calendar::Date;

/// `CCN Facility Type` as the files code it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum FacilityType {
    /// `STH`: short-term (acute care) hospital.
    #[serde(rename = "STH")]
    ShortTerm,
    /// `CAH`: critical access hospital.
    #[serde(rename = "CAH")]
    CriticalAccess,
    /// `PH`: psychiatric hospital.
    #[serde(rename = "PH")]
    Psychiatric,
    /// `LTCH`: long-term care hospital.
    #[serde(rename = "LTCH")]
    LongTermCare,
    /// `RH`: rehabilitation hospital.
    #[serde(rename = "RH")]
    Rehabilitation,
    /// `CH`: children's hospital.
    #[serde(rename = "CH")]
    Childrens,
    /// `RNMHC`: religious non-medical health care institution.
    #[serde(rename = "RNMHC")]
    ReligiousNonMedical,
    /// `ORD`: other.
    #[serde(rename = "ORD")]
    Other,
}

impl FacilityType {
    /// Every type, in the order above.
    pub const ALL: [FacilityType; 8] = [
        FacilityType::ShortTerm,
        FacilityType::CriticalAccess,
        FacilityType::Psychiatric,
        FacilityType::LongTermCare,
        FacilityType::Rehabilitation,
        FacilityType::Childrens,
        FacilityType::ReligiousNonMedical,
        FacilityType::Other,
    ];

    /// The file's code (`STH`, `CAH`, ...).
    pub fn code(self) -> &'static str {
        match self {
            FacilityType::ShortTerm => "STH",
            FacilityType::CriticalAccess => "CAH",
            FacilityType::Psychiatric => "PH",
            FacilityType::LongTermCare => "LTCH",
            FacilityType::Rehabilitation => "RH",
            FacilityType::Childrens => "CH",
            FacilityType::ReligiousNonMedical => "RNMHC",
            FacilityType::Other => "ORD",
        }
    }

    /// Reads a code (case-insensitive, for command lines too).
    pub fn parse(code: &str) -> Option<FacilityType> {
        FacilityType::ALL.into_iter().find(|t| t.code().eq_ignore_ascii_case(code.trim()))
    }

    /// Whether the importer keeps this type without `include_types`.
    pub fn kept_by_default(self) -> bool {
        matches!(self, FacilityType::ShortTerm | FacilityType::CriticalAccess)
    }
}

impl fmt::Display for FacilityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The cohort `kind` a kept report becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// CAH (any `Rural Versus Urban`).
    CriticalAccessHospital,
    /// STH with `Rural Versus Urban` = R.
    RuralPpsHospital,
    /// STH with `Rural Versus Urban` = U.
    UrbanPpsHospital,
    /// PH.
    PsychiatricHospital,
    /// LTCH.
    LongTermCareHospital,
    /// RH.
    RehabilitationHospital,
    /// CH.
    ChildrensHospital,
    /// RNMHC.
    ReligiousNonmedicalInstitution,
    /// ORD.
    OtherHospital,
}

impl Kind {
    /// The kind's identifier as written in the cohort file.
    pub fn id(self) -> &'static str {
        match self {
            Kind::CriticalAccessHospital => "critical_access_hospital",
            Kind::RuralPpsHospital => "rural_pps_hospital",
            Kind::UrbanPpsHospital => "urban_pps_hospital",
            Kind::PsychiatricHospital => "psychiatric_hospital",
            Kind::LongTermCareHospital => "long_term_care_hospital",
            Kind::RehabilitationHospital => "rehabilitation_hospital",
            Kind::ChildrensHospital => "childrens_hospital",
            Kind::ReligiousNonmedicalInstitution => "religious_nonmedical_institution",
            Kind::OtherHospital => "other_hospital",
        }
    }

    /// `cost_based` for critical access hospitals (Medicare pays them 101% of
    /// allowable cost), `fee_schedule` for every other kind.
    pub fn basis(self) -> &'static str {
        if self == Kind::CriticalAccessHospital {
            "cost_based"
        } else {
            "fee_schedule"
        }
    }

    /// The kind of `facility_type`, given whether it is rural (by the
    /// import's definition); `None` for a short-term hospital whose rurality
    /// is unknown.
    pub fn of(facility_type: FacilityType, rural: Option<bool>) -> Option<Kind> {
        Some(match facility_type {
            FacilityType::CriticalAccess => Kind::CriticalAccessHospital,
            FacilityType::ShortTerm => match rural? {
                true => Kind::RuralPpsHospital,
                false => Kind::UrbanPpsHospital,
            },
            FacilityType::Psychiatric => Kind::PsychiatricHospital,
            FacilityType::LongTermCare => Kind::LongTermCareHospital,
            FacilityType::Rehabilitation => Kind::RehabilitationHospital,
            FacilityType::Childrens => Kind::ChildrensHospital,
            FacilityType::ReligiousNonMedical => Kind::ReligiousNonmedicalInstitution,
            FacilityType::Other => Kind::OtherHospital,
        })
    }
}

/// `Type of Control` in words (CMS-2552-10 Worksheet S-2 Part I line 21;
/// codes as transcribed by two independent public HCRIS data dictionaries).
pub fn control_words(code: &str) -> String {
    let words = match code.trim() {
        "1" => "voluntary_nonprofit_church",
        "2" => "voluntary_nonprofit_other",
        "3" => "proprietary_individual",
        "4" => "proprietary_corporation",
        "5" => "proprietary_partnership",
        "6" => "proprietary_other",
        "7" => "governmental_federal",
        "8" => "governmental_city_county",
        "9" => "governmental_county",
        "10" => "governmental_state",
        "11" => "governmental_hospital_district",
        "12" => "governmental_city",
        "13" => "governmental_other",
        "" => "",
        _ => "unknown",
    };
    words.to_string()
}

/// Why a report is not in the cohort.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// `Provider CCN` empty, longer than six characters, not alphanumeric,
    /// or shorter than six with letters (only all-digit CCNs lost zeros).
    InvalidCcn,
    /// A begin or end date is missing, or the period ends before it begins.
    InvalidPeriod,
    /// Another report of the same CCN was chosen (longest period, then
    /// latest end date, then first in the files).
    DuplicateReport,
    /// `CCN Facility Type` is not one of the eight codes.
    UnknownFacilityType,
    /// A facility type not kept by default and not in `include_types`.
    FacilityTypeExcluded,
    /// A short-term hospital with `Rural Versus Urban` neither R nor U: its
    /// kind (rural or urban PPS) is unknown, so it is not guessed.
    RuralUrbanUnknown,
    /// The reporting period is shorter than [`super::payer::MIN_DAYS`] days.
    ShortPeriod,
    /// The reporting period is longer than [`super::payer::MAX_DAYS`] days.
    LongPeriod,
    /// `Net Patient Revenue`, `Less Total Operating Expense` or `Net Income
    /// from Service to Patients` is empty (or `Net Income`, for the total margin).
    MissingFinancials,
    /// `Net Patient Revenue` <= 0.
    NprNotPositive,
    /// `Less Total Operating Expense` <= 0 (or costs NPR - net income <= 0).
    OperatingExpenseNotPositive,
    /// NPR - operating expense differs from net income from service to
    /// patients by more than $1.
    IncomeMismatch,
    /// Net income from service to patients + total other income - total
    /// other expenses differs from `Net Income` by more than $1 (total
    /// margin only).
    NetIncomeMismatch,
    /// The margin of the import's definition is outside [-100%, +100%].
    MarginOutOfRange,
    /// `Net Revenue from Medicaid` is negative or larger than NPR.
    MedicaidOutOfRange,
    /// Neither IPPS payments nor Medicare days to estimate Medicare revenue.
    MedicareNotEstimable,
}

impl DropReason {
    /// Every reason, in the order the importer checks them.
    pub const ALL: [DropReason; 16] = [
        DropReason::InvalidCcn,
        DropReason::InvalidPeriod,
        DropReason::DuplicateReport,
        DropReason::UnknownFacilityType,
        DropReason::FacilityTypeExcluded,
        DropReason::RuralUrbanUnknown,
        DropReason::ShortPeriod,
        DropReason::LongPeriod,
        DropReason::MissingFinancials,
        DropReason::NprNotPositive,
        DropReason::OperatingExpenseNotPositive,
        DropReason::IncomeMismatch,
        DropReason::NetIncomeMismatch,
        DropReason::MarginOutOfRange,
        DropReason::MedicaidOutOfRange,
        DropReason::MedicareNotEstimable,
    ];

    /// The reason's identifier (as in `COHORT.import.json`).
    pub fn id(self) -> &'static str {
        match self {
            DropReason::InvalidCcn => "invalid_ccn",
            DropReason::InvalidPeriod => "invalid_period",
            DropReason::DuplicateReport => "duplicate_report",
            DropReason::UnknownFacilityType => "unknown_facility_type",
            DropReason::FacilityTypeExcluded => "facility_type_excluded",
            DropReason::RuralUrbanUnknown => "rural_urban_unknown",
            DropReason::ShortPeriod => "short_period",
            DropReason::LongPeriod => "long_period",
            DropReason::MissingFinancials => "missing_financials",
            DropReason::NprNotPositive => "npr_not_positive",
            DropReason::OperatingExpenseNotPositive => "operating_expense_not_positive",
            DropReason::IncomeMismatch => "income_mismatch",
            DropReason::NetIncomeMismatch => "net_income_mismatch",
            DropReason::MarginOutOfRange => "margin_out_of_range",
            DropReason::MedicaidOutOfRange => "medicaid_out_of_range",
            DropReason::MedicareNotEstimable => "medicare_not_estimable",
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The six-character CCN of `text`: all-digit CCNs of 1-6 digits are
/// left-padded with zeros (a spreadsheet re-save strips them); a CCN with
/// letters must already have six characters. `None` when invalid.
pub fn normalise_ccn(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("{text:0>6}"))
    } else if text.len() == 6 {
        Some(text.to_ascii_uppercase())
    } else {
        None
    }
}

/// One report's cells, typed. Blank money and day cells are zero (a blank
/// cost report line is a zero line), except the three margin columns and
/// Medicaid revenue, whose absence matters.
#[derive(Clone, Debug)]
pub struct Raw {
    /// Index of the input file.
    pub file: usize,
    /// Row number in that file (the header is row 1).
    pub row: usize,
    /// `Provider CCN` as written.
    pub ccn_text: String,
    /// `Hospital Name`.
    pub name: String,
    /// `State Code`.
    pub state: String,
    /// `County`.
    pub county: String,
    /// `Medicare CBSA Number`.
    pub cbsa: String,
    /// `Rural Versus Urban`.
    pub rural_urban: String,
    /// `CCN Facility Type` as written.
    pub facility_type: String,
    /// `Type of Control` as written.
    pub control: String,
    /// `Fiscal Year Begin Date`.
    pub begin: Option<Date>,
    /// `Fiscal Year End Date`.
    pub end: Option<Date>,
    /// `Year`, when the file has it.
    pub year: Option<String>,
    /// `Net Patient Revenue`.
    pub npr: Option<Decimal>,
    /// `Less Total Operating Expense`.
    pub operating_expense: Option<Decimal>,
    /// `Net Income from Service to Patients`.
    pub net_income: Option<Decimal>,
    /// `Net Revenue from Medicaid`.
    pub medicaid: Option<Decimal>,
    /// `Total Days Title XVIII`.
    pub days_medicare: Decimal,
    /// `Total Days Title XIX`.
    pub days_medicaid: Decimal,
    /// `Total Days (V + XVIII + XIX + Unknown)`.
    pub days_total: Decimal,
    /// `Number of Beds` as written.
    pub beds: String,
    /// `Cash on Hand and in Banks` + `Temporary Investments`.
    pub cash: Decimal,
    /// `Investments` (long-term).
    pub investments: Decimal,
    /// `Total Other Income` (blank is zero).
    pub other_income: Decimal,
    /// `Total Other Expenses` (blank is zero).
    pub other_expenses: Decimal,
    /// `Net Income`.
    pub total_net_income: Option<Decimal>,
    /// `City`.
    pub city: String,
    /// `Zip Code` as written.
    pub zip: String,
    /// Salaries, wage-related costs and contract labor (see `payer`).
    pub labor: Decimal,
    /// Inpatient DRG payments other than outliers (`DRG Amounts Other Than
    /// Outlier Payments`, or Before + After October 1 when that is blank).
    pub drg: Decimal,
    /// Outlier + DSH + IME payments.
    pub ipps_add_ons: Decimal,
    /// `Managed Care Simulated Payments`.
    pub managed_care: Decimal,
}

impl Raw {
    /// Reads every cell the importer uses; a cell that is not what its
    /// column holds is an error naming the file, row and column.
    pub fn read(file: usize, record: &Record<'_>) -> Result<Raw, ImportError> {
        let text = |col: Col| -> Result<String, ImportError> { Ok(record.text(col)?.unwrap_or_default().to_string()) };
        let amount = |col: Col| record.amount(col);
        let drg_other = record.number(Col::DrgOther)?;
        let drg = match drg_other {
            Some(value) => value,
            None => amount(Col::DrgBefore)? + amount(Col::DrgAfter)?,
        };
        Ok(Raw {
            file,
            row: record.row,
            ccn_text: text(Col::Ccn)?,
            name: text(Col::Name)?,
            state: text(Col::State)?,
            county: text(Col::County)?,
            cbsa: text(Col::Cbsa)?,
            rural_urban: text(Col::RuralUrban)?,
            facility_type: text(Col::FacilityType)?,
            control: text(Col::Control)?,
            begin: record.date(Col::Begin)?,
            end: record.date(Col::End)?,
            year: record.text(Col::Year)?.map(str::to_string),
            npr: record.number(Col::Npr)?,
            operating_expense: record.number(Col::OperatingExpense)?,
            net_income: record.number(Col::NetIncome)?,
            medicaid: record.number(Col::MedicaidRevenue)?,
            days_medicare: amount(Col::DaysMedicare)?,
            days_medicaid: amount(Col::DaysMedicaid)?,
            days_total: amount(Col::DaysTotal)?,
            beds: text(Col::Beds)?,
            cash: amount(Col::Cash)? + amount(Col::TemporaryInvestments)?,
            investments: amount(Col::Investments)?,
            other_income: amount(Col::OtherIncome)?,
            other_expenses: amount(Col::OtherExpenses)?,
            total_net_income: record.number(Col::TotalNetIncome)?,
            city: text(Col::City)?,
            zip: text(Col::Zip)?,
            labor: amount(Col::Salaries)?
                + amount(Col::WageCore)?
                + amount(Col::WageRhc)?
                + amount(Col::ContractLabor)?
                + amount(Col::WageTeaching)?
                + amount(Col::WageResidents)?,
            drg,
            ipps_add_ons: amount(Col::Outlier)? + amount(Col::Dsh)? + amount(Col::Ime)?,
            managed_care: amount(Col::ManagedCare)?,
        })
    }

    /// Days covered, both ends included; `None` without a valid period.
    pub fn days(&self) -> Option<i64> {
        let (begin, end) = (self.begin?, self.end?);
        let days = end.day_number() - begin.day_number() + 1;
        (days >= 1).then_some(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccns_keep_six_characters() {
        assert_eq!(normalise_ccn("50660").as_deref(), Some("050660"));
        assert_eq!(normalise_ccn(" 10001 ").as_deref(), Some("010001"));
        assert_eq!(normalise_ccn("7").as_deref(), Some("000007"));
        assert_eq!(normalise_ccn("043036").as_deref(), Some("043036"));
        assert_eq!(normalise_ccn("14t001").as_deref(), Some("14T001"));
        for bad in ["", "1234567", "12-456", "4T001", "12 45", "é1234"] {
            assert_eq!(normalise_ccn(bad), None, "{bad}");
        }
    }

    #[test]
    fn kinds_follow_type_and_rurality() {
        assert_eq!(Kind::of(FacilityType::CriticalAccess, Some(false)), Some(Kind::CriticalAccessHospital));
        assert_eq!(Kind::of(FacilityType::ShortTerm, Some(true)), Some(Kind::RuralPpsHospital));
        assert_eq!(Kind::of(FacilityType::ShortTerm, Some(false)), Some(Kind::UrbanPpsHospital));
        assert_eq!(Kind::of(FacilityType::ShortTerm, None), None);
        assert_eq!(Kind::of(FacilityType::Psychiatric, None), Some(Kind::PsychiatricHospital));
        assert_eq!(FacilityType::parse("ltch"), Some(FacilityType::LongTermCare));
        assert_eq!(Kind::CriticalAccessHospital.basis(), "cost_based");
        assert_eq!(control_words("11"), "governmental_hospital_district");
    }
}
