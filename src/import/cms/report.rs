//! The account of an import (`COHORT.import.json`) and the two writers: the
//! cohort CSV (through the cohort record, `scenario::cohort_table`, which
//! `seqsim run`, `calibrate` and `backtest` read) and the JSON report.

use std::collections::BTreeMap;
use std::io::{self, Write};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::definitions::{self, CashDefinition};
use super::payer;
use super::rows::{DropReason, FacilityType};
use super::{CohortRow, Import, ImportOptions};
use crate::scenario::cohort_table::{self, column, quote, CohortRecord};
use crate::scenario::{Costs, Revenue};

/// Examples listed per drop reason.
pub const MAX_EXAMPLES: usize = 5;

/// One input file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputFile {
    /// The file's name (without its directory).
    pub file: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Data rows read.
    pub rows_read: usize,
    /// The release year (see `release_year_from`).
    pub release_year: Option<i32>,
    /// `Year column` or `most common fiscal year end year`.
    pub release_year_from: String,
}

/// Reports dropped for one reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DropCount {
    /// The reason.
    pub reason: DropReason,
    /// How many reports.
    pub count: usize,
    /// Up to [`MAX_EXAMPLES`] CCNs (six characters; the raw text for an invalid CCN).
    pub examples: Vec<String>,
}

/// Kept reports of one kind, with totals (annualised dollars, as exact decimal text).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindTotals {
    /// Reports kept.
    pub count: usize,
    /// Sum of net patient revenue.
    pub net_patient_revenue: String,
    /// Sum of Medicare FFS revenue.
    pub medicare_ffs: String,
    /// Sum of Medicare Advantage revenue.
    pub medicare_advantage: String,
    /// Sum of Medicaid revenue.
    pub medicaid: String,
    /// Sum of net income from service to patients.
    pub net_income: String,
    /// Sum of other income as used (total margin; 0 otherwise).
    pub other_income: String,
    /// Sum of net income of the margin definition.
    pub net_income_of_definition: String,
}

/// The definitions an import used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Definitions {
    /// `total` or `patient_care`.
    pub margin: String,
    /// `with_investments` or `liquid`.
    pub cash: String,
    /// `cbsa`, `forhp` or `cms_flag`.
    pub rural: String,
    /// The RUCA file, when given.
    pub ruca_file: Option<String>,
    /// The releases whose shares replaced relief-window other income.
    pub other_income_base: Vec<String>,
    /// Kept reports per `other_income_rule`.
    pub other_income_rules: BTreeMap<String, usize>,
}

/// An estimation or selection rule the import applied.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// The rule's identifier.
    pub id: String,
    /// What it does, with its source.
    pub description: String,
}

/// What an import read, kept, dropped and estimated (`COHORT.import.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportReport {
    /// `CMS Hospital Provider Cost Report`.
    pub source: String,
    /// The input files.
    pub files: Vec<InputFile>,
    /// The release year when every file has the same one.
    pub release_year: Option<i32>,
    /// The margin, cash and rural definitions.
    pub definitions: Definitions,
    /// Facility types kept (STH and CAH, plus `include_types`).
    pub facility_types_kept: Vec<FacilityType>,
    /// Data rows read over all files.
    pub rows_read: usize,
    /// Reports kept (cohort rows).
    pub rows_kept: usize,
    /// Reports dropped.
    pub rows_dropped: usize,
    /// Kept reports per kind.
    pub kept_by_kind: BTreeMap<String, KindTotals>,
    /// Dropped reports per reason (every reason, zero counts included).
    pub dropped: Vec<DropCount>,
    /// Rows per estimator, per revenue line.
    pub estimators: BTreeMap<String, BTreeMap<String, usize>>,
    /// Rows per adjustment (CCNs padded, caps applied).
    pub adjustments: BTreeMap<String, usize>,
    /// Every rule applied, with its source.
    pub rules: Vec<Rule>,
}

/// Drop counts and examples being gathered.
#[derive(Default)]
pub(super) struct Drops {
    by_reason: BTreeMap<DropReason, (usize, Vec<String>)>,
}

impl Drops {
    pub(super) fn add(&mut self, reason: DropReason, example: String) {
        let entry = self.by_reason.entry(reason).or_default();
        entry.0 += 1;
        if entry.1.len() < MAX_EXAMPLES && !entry.1.contains(&example) {
            entry.1.push(example);
        }
    }
}

/// Dollars as the cohort table writes them: cents, with exactly two decimals.
fn dollars(value: Decimal) -> Decimal {
    let mut value = payer::cents(value);
    value.rescale(2);
    value
}

fn money(value: Decimal) -> String {
    dollars(value).to_string()
}

/// The revenue lines, in cohort column order.
pub const REVENUE_LINES: [&str; 5] =
    [column::MEDICARE_FFS, column::MEDICARE_ADVANTAGE, column::MEDICAID, column::COMMERCIAL, column::OTHER];

/// Every rule, with its source, for an import with `options`.
pub fn rules(options: &ImportOptions) -> Vec<Rule> {
    let pct = |d: Decimal| format!("{}%", (d * Decimal::from(100)).normalize());
    let ma: Vec<String> = payer::MA_PENETRATION.iter().map(|(y, s)| format!("{y} {}", pct(*s))).collect();
    let list: Vec<(&str, String)> = vec![
        ("columns_by_name", "Columns are matched by header name, quoted or not, whatever its case, spacing or punctuation; a missing required column is an error listing all of them.".into()),
        ("ccn_six_characters", "Provider CCN is text: all-digit CCNs of 1-6 digits are left-padded with zeros to six (a spreadsheet re-save strips them); other CCNs must be six alphanumerics, else dropped (invalid_ccn).".into()),
        ("dates_both_forms", "Dates are read as MM/DD/YYYY or M/D/YYYY; days = end - begin + 1.".into()),
        ("release_year", "Release year = most common value of the Year column, else (2021 file) the most common calendar year of Fiscal Year End Date, ties to the later year.".into()),
        ("one_report_per_ccn", "Several reports for one CCN: keep the longest period, then the latest end date, then the first in the files; the others are dropped (duplicate_report).".into()),
        ("facility_types", "STH and CAH are kept; PH, LTCH, RH, CH, RNMHC and ORD only with include_types, else dropped (facility_type_excluded). Kinds: CAH -> critical_access_hospital, STH R -> rural_pps_hospital, STH U -> urban_pps_hospital; STH with NA is dropped (rural_urban_unknown) rather than guessed.".into()),
        ("basis", "basis = cost_based for critical access hospitals (Medicare pays 101% of allowable cost: MedPAC Payment Basics, Critical Access Hospitals), fee_schedule for every other kind (children's and RNMHC hospitals are also paid on cost by Medicare, a caveat for include_types).".into()),
        ("period_limits", format!("Reporting periods of {}..={} days are kept; shorter ones (short_period) are too seasonal to annualise, longer ones (long_period) are rare.", payer::MIN_DAYS, payer::MAX_DAYS)),
        ("annualise", "Flows (revenue, income, costs, payments) are annualised as value x 365 / days in exact decimal arithmetic; cash is a stock and is not.".into()),
        ("blank_is_zero", "A blank money or day cell is a zero cost report line; blank NPR, operating expense or net income drops the report (missing_financials).".into()),
        ("margin_checks", format!("NPR <= 0 (npr_not_positive), operating expense <= 0 (operating_expense_not_positive), |NPR - operating expense - net income from service to patients| > ${tol} (income_mismatch; zero rows in 2017, 2019, 2021), for the total margin |net income from service to patients + total other income - total other expenses - net income| > ${tol} (net_income_mismatch; zero rows in 2017, 2019, 2021) and a margin of the chosen definition beyond +-100% (margin_out_of_range) are dropped, never repaired.", tol = payer::INCOME_TOLERANCE)),
        ("margin_definition", format!("The base-year margin is the {} (default total: the nearest this extract comes to the operating and total margins Chartis, MedPAC and hospital associations publish; patient_care with --margin patient-care). With the total margin, other = total other income (a revenue line no policy cuts) and total other expenses join other_costs, so revenue - costs = Net Income; negative other income counts as an expense and negative other expense as income, so no line is negative.", options.margin.words())),
        ("relief_window", format!("Total margin, a reporting period overlapping {}..={} (Provider Relief Fund and American Rescue Plan rural payments, one-off pandemic relief booked as other income): other income and other expenses are NPR x the hospital's own shares from its latest report ending before {} in the --other-income-from releases, else NPR x its kind's median shares there, else the 2019 release's kind medians (CAH 10.63%, rural PPS 7.08%, urban PPS 4.49% of NPR; other expenses 0%); other_income_rule says which.", definitions::RELIEF_FROM, definitions::RELIEF_TO, definitions::RELIEF_FROM)),
        ("round_cents_once", "Annualised NPR and net income are rounded to cents half away from zero; each other line is the difference of rounded cumulative sums, so lines are >= 0 and sum exactly to their total.".into()),
        ("revenue_total", "Revenue lines sum exactly to annualised Net Patient Revenue.".into()),
        ("costs_total", "Cost lines sum exactly to annualised NPR - annualised Net Income from Service to Patients (equal to Less Total Operating Expense on every kept row), so the base-year margin equals the file's net income / NPR up to cent rounding.".into()),
        ("medicaid_reported", "medicaid = Net Revenue from Medicaid when reported (negative or above NPR: dropped, medicaid_out_of_range).".into()),
        ("medicaid_days_share", "medicaid, when not reported = NPR x Total Days Title XIX / Total Days (V + XVIII + XIX + Unknown); without days, 0 (not_reported).".into()),
        ("medicare_ipps_payments", format!("Short-term hospitals with IPPS DRG payments: medicare_ffs = (DRG Amounts Other Than Outlier Payments, or DRG Amounts Before + After October 1, + Outlier Payments For Discharges + Disproportionate Share Adjustment + Total IME Payment) / {} (inpatient share of hospitals' Medicare FFS revenue: MedPAC, March 2017 Report to the Congress, ch. 3, for 2015).", payer::INPATIENT_SHARE)),
        ("medicare_advantage_managed_care", "With IPPS payments and Managed Care Simulated Payments (what Medicare would have paid for the hospital's MA inpatients) > 0: medicare_advantage = medicare_ffs x managed care simulated payments / DRG payments (ratio capped at 10).".into()),
        ("medicare_days_share", "Other hospitals (CAHs, STH without DRG payments, other types): Medicare revenue = NPR x Total Days Title XVIII / Total Days (V + XVIII + XIX + Unknown); medicare_ffs = that x (1 - p), medicare_advantage = that x p. Days include swing-bed and subprovider days, so this likely overstates Medicare's share of NPR for CAHs (outpatient care, where Medicare's share is lower, is most of their revenue). No Medicare days: dropped (medicare_not_estimable).".into()),
        ("medicare_advantage_penetration", format!("Otherwise medicare_advantage = medicare_ffs x p / (1 - p), p = Medicare Advantage share of all Medicare beneficiaries for the release year (KFF's all-beneficiary series: {}; 2017 and 2021 checked, 2019 is 2018's 34%: NOT VERIFIED for 2019; KFF's later shares of beneficiaries eligible for MA are a different denominator and are not used).", ma.join(", "))),
        ("medicare_cap", "If Medicare FFS + MA exceed NPR - Medicaid, both are scaled down to fit (counted in adjustments).".into()),
        ("commercial_remainder", "commercial = NPR - Medicare FFS - MA - Medicaid: every payer that is not Medicare or Medicaid (private insurance, self-pay, TRICARE, VA, other), which the file does not split.".into()),
        ("other_income", "other = total other income under the total margin (est_other reported, or pre_relief_share in the relief window), 0 (not_reported) under the patient-care margin: the file has no other-payer patient revenue line, so other-payer patient revenue is in commercial.".into()),
        ("labor", "labor = Total Salaries From Worksheet A + Wage-Related Costs (Core) + Wage-Related Costs (RHC/FQHC) + Contract Labor: Direct Patient Care + Wage Related Costs for Part - A Teaching Physicians + Wage Related Costs for Interns and Residents (those present), annualised, capped at total costs.".into()),
        ("supplies_ratio", format!("supplies = {} of total costs, capped at costs - labor (the file has no supply expense column; AHA, Costs of Caring 2024, citing Strata Decision Technology).", pct(payer::SUPPLY_SHARE))),
        ("other_costs_remainder", "other_costs = total costs - labor - supplies.".into()),
        ("cash", format!("cash = {} ({}; --cash liquid for cash on hand and in banks + temporary investments only); cash_liquid and investments are both written; may be negative (overdrafts). The cost report does not separate restricted from unrestricted investments, so days of cash with investments may overstate what rating agencies count.", options.cash.id(), cash_words(options.cash))),
        ("rural", format!("Short-term hospitals are rural_pps_hospital when {}; a report without a CBSA falls back to the Rural Versus Urban flag (counted in adjustments). The R flag also marks urban hospitals reclassified as rural for payment (42 CFR 412.103): 307 of 1,074 R-flag STH reports in 2019 sit in a metropolitan CBSA. ruca is the ZIP's primary 2010 RUCA code when --ruca is given; rural_cbsa says whether the CBSA is non-metropolitan.", options.rural.words())),
        ("control_words", "control = Type of Control (Worksheet S-2 line 21) in words: 1 voluntary nonprofit church, 2 voluntary nonprofit other, 3-6 proprietary individual/corporation/partnership/other, 7-13 governmental federal/city-county/county/state/hospital district/city/other (as in public HCRIS data dictionaries; not checked against the CMS form itself).".into()),
    ];
    list.into_iter().map(|(id, description)| Rule { id: id.to_string(), description }).collect()
}

pub(super) fn build(
    files: Vec<InputFile>,
    options: &ImportOptions,
    rows: &[CohortRow],
    drops: Drops,
    adjustments: BTreeMap<String, usize>,
) -> ImportReport {
    let rows_read = files.iter().map(|f| f.rows_read).sum();
    let years: Vec<Option<i32>> = files.iter().map(|f| f.release_year).collect();
    let release_year = years.first().copied().flatten().filter(|y| years.iter().all(|z| *z == Some(*y)));
    let mut sums: BTreeMap<String, (usize, [Decimal; 7])> = BTreeMap::new();
    let mut other_income_rules: BTreeMap<String, usize> = BTreeMap::new();
    let mut estimators: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for row in rows {
        let a = &row.amounts;
        let entry = sums.entry(row.kind.id().to_string()).or_default();
        entry.0 += 1;
        let values =
            [a.npr, a.revenue[0], a.revenue[1], a.revenue[2], a.net_income_patient_care, a.revenue[4], a.net_income];
        for (sum, value) in entry.1.iter_mut().zip(values) {
            *sum += value;
        }
        *other_income_rules.entry(a.other_income_rule.id().to_string()).or_default() += 1;
        for (line, estimator) in REVENUE_LINES.iter().zip(a.estimators) {
            *estimators.entry(line.to_string()).or_default().entry(estimator.id().to_string()).or_default() += 1;
        }
    }
    let kept_by_kind = sums
        .into_iter()
        .map(|(kind, (count, s))| {
            let totals = KindTotals {
                count,
                net_patient_revenue: money(s[0]),
                medicare_ffs: money(s[1]),
                medicare_advantage: money(s[2]),
                medicaid: money(s[3]),
                net_income: money(s[4]),
                other_income: money(s[5]),
                net_income_of_definition: money(s[6]),
            };
            (kind, totals)
        })
        .collect();
    let dropped: Vec<DropCount> = DropReason::ALL
        .iter()
        .map(|&reason| {
            let (count, examples) = drops.by_reason.get(&reason).cloned().unwrap_or_default();
            DropCount { reason, count, examples }
        })
        .collect();
    let mut kept: Vec<FacilityType> =
        FacilityType::ALL.into_iter().filter(|t| t.kept_by_default() || options.include_types.contains(t)).collect();
    kept.dedup();
    ImportReport {
        source: "CMS Hospital Provider Cost Report".to_string(),
        files,
        release_year,
        definitions: Definitions {
            margin: options.margin.id().to_string(),
            cash: options.cash.id().to_string(),
            rural: options.rural.id().to_string(),
            ruca_file: options.ruca.as_ref().map(|r| file_name(&r.file)),
            other_income_base: options.other_income_base.iter().map(|p| file_name(p)).collect(),
            other_income_rules,
        },
        facility_types_kept: kept,
        rows_read,
        rows_kept: rows.len(),
        rows_dropped: dropped.iter().map(|d| d.count).sum(),
        kept_by_kind,
        dropped,
        estimators,
        adjustments,
        rules: rules(options),
    }
}

/// `COHORT.import.json`: the report as pretty-printed JSON.
pub fn report_json(import: &Import) -> String {
    serde_json::to_string_pretty(&import.report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise the import report: {e}\"}}"))
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn cash_words(cash: CashDefinition) -> &'static str {
    match cash {
        CashDefinition::WithInvestments => {
            "cash on hand and in banks + temporary investments + investments, as rating agencies count days of cash"
        }
        CashDefinition::Liquid => "cash on hand and in banks + temporary investments",
    }
}

fn release_words(import: &Import) -> String {
    let mut years: Vec<i32> = import.report.files.iter().filter_map(|f| f.release_year).collect();
    years.sort_unstable();
    years.dedup();
    match years.as_slice() {
        [] => "release year unknown".to_string(),
        [year] => format!("{year} release"),
        many => format!("{} releases", many.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// The cohort records of an import: one per kept report, in file order,
/// with its grouping attributes and provenance. Money has exactly two
/// decimals, patient days one.
pub fn cohort_records(import: &Import) -> Vec<CohortRecord> {
    import.rows.iter().map(|row| cohort_record(row, &import.options)).collect()
}

fn cohort_record(row: &CohortRow, options: &ImportOptions) -> CohortRecord {
    let a = &row.amounts;
    let [medicare_ffs, medicare_advantage, medicaid, commercial, other] = a.revenue.map(dollars);
    let [labor, supplies, other_costs] = a.costs.map(dollars);
    let [est_ffs, est_ma, est_medicaid, est_commercial, est_other] = a.estimators.map(|e| e.id().to_string());
    let rural_cbsa = match definitions::rural_cbsa(&row.cbsa) {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let attributes: Vec<(&str, String)> = vec![
        (column::BASIS, row.kind.basis().to_string()),
        (column::STATE, row.state.clone()),
        (column::COUNTY, row.county.clone()),
        (column::CBSA, row.cbsa.clone()),
        (column::RURAL_URBAN, row.rural_urban.clone()),
        (column::FACILITY_TYPE, row.facility_type.code().to_string()),
        (column::CONTROL, row.control.clone()),
        (column::BEDS, row.beds.clone()),
        (column::PERIOD_DAYS, row.days.to_string()),
        (column::EST_MEDICARE_FFS, est_ffs),
        (column::EST_MEDICARE_ADVANTAGE, est_ma),
        (column::EST_MEDICAID, est_medicaid),
        (column::EST_COMMERCIAL, est_commercial),
        (column::EST_OTHER, est_other),
        (column::CITY, row.city.clone()),
        (column::ZIP, row.zip.clone()),
        (column::RUCA, row.ruca.map(|c| c.to_string()).unwrap_or_default()),
        (column::RURAL_CBSA, rural_cbsa.to_string()),
        (column::MARGIN_DEFINITION, options.margin.id().to_string()),
        (column::CASH_DEFINITION, options.cash.id().to_string()),
        (column::RURAL_DEFINITION, options.rural.id().to_string()),
        (column::NET_PATIENT_REVENUE, money(a.npr)),
        (column::OTHER_INCOME, money(a.other_income)),
        (column::OTHER_EXPENSES, money(a.other_expenses)),
        (column::OTHER_INCOME_RULE, a.other_income_rule.id().to_string()),
        (column::NET_INCOME, money(a.net_income)),
        (column::NET_INCOME_PATIENT_CARE, money(a.net_income_patient_care)),
        (column::CASH_LIQUID, money(a.cash_liquid)),
        (column::INVESTMENTS, money(a.investments)),
    ];
    CohortRecord {
        id: row.id(),
        ccn: row.ccn.clone(),
        name: row.name.clone(),
        kind: row.kind.id().to_string(),
        revenue: Revenue { medicare_ffs, medicare_advantage, medicaid, commercial, other },
        costs: Costs { labor, supplies, other: other_costs },
        cash: Some(dollars(a.cash)),
        fiscal_year_begin: Some(row.begin),
        fiscal_year_end: Some(row.end),
        patient_days: Some(row.patient_days.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)),
        attributes: attributes.into_iter().map(|(name, value)| (name.to_string(), value)).collect(),
    }
}

/// Writes the cohort CSV through the cohort record's writer: `#` comment
/// lines naming the source release, files and SHA-256, then the cohort
/// records ([`cohort_records`]).
pub fn write_cohort_csv(import: &Import, out: &mut impl Write) -> io::Result<()> {
    let report = &import.report;
    let options = &import.options;
    let mut comments = vec![format!(
        "CMS Hospital Provider Cost Report, {} (data.cms.gov, form CMS-2552-10); public domain.",
        release_words(import)
    )];
    for file in &report.files {
        comments.push(format!("input {} sha256 {} ({} rows read)", quote(&file.file), file.sha256, file.rows_read));
    }
    comments.extend([
        format!(
            "{} reports kept, {} dropped; drop reasons, estimators and sources in the .import.json beside this file.",
            report.rows_kept, report.rows_dropped
        ),
        "Dollars per year (flows x 365 / days in the reporting period); cash as reported. Payer lines other than medicaid (when est_medicaid = reported) are ESTIMATES.".to_string(),
        format!("margin: {} ({})", options.margin.id(), options.margin.words()),
        format!("cash: {} ({})", options.cash.id(), cash_words(options.cash)),
        format!("rural: {} ({})", options.rural.id(), options.rural.words()),
    ]);
    cohort_table::write_csv(out, &comments, &cohort_records(import))
}
