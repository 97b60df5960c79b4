//! From one report's typed cells to cohort amounts: the period checks, the
//! annualisation of flows, the payer split of net patient revenue and the
//! cost split, all in exact `Decimal` arithmetic with one rounding point.
//!
//! The identities that hold for every kept row, to the cent:
//! - revenue lines sum to annualised `Net Patient Revenue` (NPR);
//! - cost lines sum to annualised NPR - annualised `Net Income from Service
//!   to Patients` (NI), so (revenue - costs) / revenue = NI / NPR of the file
//!   up to the cent rounding of the two annualised amounts.
//!
//! On all three releases NPR - `Less Total Operating Expense` equals NI
//! exactly on every row that has the three, so "costs = NPR - NI" is
//! also the file's operating expense; a row where they differ by more than
//! $1 is dropped (`income_mismatch`), never reconciled by guessing.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::definitions::{CashDefinition, OtherIncomeRule, OtherShares};
use super::rows::{DropReason, Kind, Raw};

/// Shortest reporting period kept, in days: half a year. Shorter periods
/// (a change of ownership or of fiscal year) are too seasonal to annualise.
pub const MIN_DAYS: i64 = 180;
/// Longest reporting period kept, in days: a 13-month period plus slack.
/// Longer periods (up to 459 days in 2021) are annualised poorly and rare.
pub const MAX_DAYS: i64 = 400;
/// Largest `Managed Care Simulated Payments` / DRG payments ratio used.
const MAX_MA_RATIO: Decimal = Decimal::from_parts(10, 0, 0, false, 0);
/// Largest accepted |NPR - operating expense - net income|, in dollars.
pub const INCOME_TOLERANCE: Decimal = Decimal::ONE;

/// Inpatient share of Medicare fee-for-service payments to hospitals:
/// 60% (MedPAC, March 2017 Report to the Congress, ch. 3, for 2015:
/// inpatient 60%, outpatient 28%, uncompensated care 4% of hospitals'
/// Medicare revenue). Used to gross IPPS inpatient payments up to all
/// Medicare FFS hospital revenue.
pub const INPATIENT_SHARE: Decimal = Decimal::from_parts(60, 0, 0, false, 2);

/// Supplies as a share of total operating expense: 10.5% (AHA, "Costs of
/// Caring" 2024, citing Strata Decision Technology). The file has no supply
/// expense column.
pub const SUPPLY_SHARE: Decimal = Decimal::from_parts(105, 0, 0, false, 3);

/// Medicare Advantage share of ALL Medicare beneficiaries by year (KFF's
/// series before 2022; from 2022 KFF reports shares of beneficiaries
/// eligible for MA, a different denominator that is not mixed in here):
/// 2017 33% ("Medicare Advantage 2017 Spotlight"), 2021 42% (26.4 of 62.7
/// million, "Medicare Advantage in 2021: Enrollment Update and Key Trends"),
/// both checked; 2019 34% is KFF's 2018 figure ("A Dozen Facts About
/// Medicare Advantage", checked): no 2019 figure of the series was found
/// (NOT VERIFIED for 2019). A release year outside the table uses the
/// nearest year's share.
pub const MA_PENETRATION: &[(i32, Decimal)] = &[
    (2017, Decimal::from_parts(33, 0, 0, false, 2)),
    (2019, Decimal::from_parts(34, 0, 0, false, 2)),
    (2021, Decimal::from_parts(42, 0, 0, false, 2)),
];

/// The Medicare Advantage share for a release year (nearest year in the table).
pub fn ma_penetration(year: Option<i32>) -> Decimal {
    let year = year.unwrap_or(2021);
    MA_PENETRATION
        .iter()
        .min_by_key(|(y, _)| ((y - year).abs(), -y))
        .map_or(Decimal::from_parts(42, 0, 0, false, 2), |(_, share)| *share)
}

/// How a revenue line was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Read from the file (`Net Revenue from Medicaid`).
    Reported,
    /// NPR x the payer's share of total inpatient days.
    DaysShare,
    /// IPPS inpatient payments (DRG + outlier + DSH + IME) / [`INPATIENT_SHARE`].
    IppsPayments,
    /// `Managed Care Simulated Payments` x (Medicare FFS / DRG payments).
    ManagedCareSimulated,
    /// Medicare FFS x p / (1 - p), or Medicare days revenue x p, with p the
    /// Medicare Advantage share of beneficiaries ([`MA_PENETRATION`]).
    MaPenetration,
    /// NPR minus every other line.
    Remainder,
    /// A relief-window report's other income: NPR x the hospital's (or its
    /// kind's) pre-window share (see `definitions::OtherIncomeRule`).
    PreReliefShare,
    /// Not in the file and not estimated: zero.
    NotReported,
}

impl Estimator {
    /// The estimator's identifier (the `est_*` column values).
    pub fn id(self) -> &'static str {
        match self {
            Estimator::Reported => "reported",
            Estimator::DaysShare => "days_share",
            Estimator::IppsPayments => "ipps_payments",
            Estimator::ManagedCareSimulated => "managed_care_simulated",
            Estimator::MaPenetration => "ma_penetration",
            Estimator::Remainder => "remainder",
            Estimator::PreReliefShare => "pre_relief_share",
            Estimator::NotReported => "not_reported",
        }
    }
}

/// Where a report's other income and other expenses come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherIncome {
    /// Left out: the patient-care margin.
    LeftOut,
    /// As the report gives them.
    Reported,
    /// NPR x these shares (a relief-window report), by this rule.
    Shares(OtherShares, OtherIncomeRule),
}

/// The amounts of one kept report, annualised, in dollars and cents.
#[derive(Clone, Debug, PartialEq)]
pub struct Amounts {
    /// Revenue lines: medicare_ffs, medicare_advantage, medicaid, commercial,
    /// other (other income with the total margin, else zero).
    pub revenue: [Decimal; 5],
    /// How each revenue line was obtained.
    pub estimators: [Estimator; 5],
    /// Cost lines: labor, supplies, other_costs (other expenses included
    /// with the total margin).
    pub costs: [Decimal; 3],
    /// The cash of the import's [`CashDefinition`] (a stock: not annualised).
    pub cash: Decimal,
    /// Cash on hand and in banks + temporary investments.
    pub cash_liquid: Decimal,
    /// `Investments` (long-term), as reported.
    pub investments: Decimal,
    /// Annualised net patient revenue (= the sum of the first four revenue lines).
    pub npr: Decimal,
    /// Annualised net income of the margin definition: revenue - costs.
    pub net_income: Decimal,
    /// Annualised net income from service to patients.
    pub net_income_patient_care: Decimal,
    /// Annualised other income as used (signed; zero when left out).
    pub other_income: Decimal,
    /// Annualised other expenses as used (signed; zero when left out).
    pub other_expenses: Decimal,
    /// How other income and expenses were taken.
    pub other_income_rule: OtherIncomeRule,
    /// Medicare FFS + MA was scaled down to fit NPR - Medicaid.
    pub capped_medicare: bool,
    /// Labor was capped at total costs.
    pub capped_labor: bool,
}

/// Rounds to cents, half away from zero: the one rounding point.
pub fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Splits `total` (already in cents) into lines whose unrounded values are
/// `parts` (non-negative, summing to at most `total`) and a last line taking
/// the remainder: cumulative sums are rounded, so every line is >= 0 and the
/// lines sum to `total` exactly.
fn split_exact<const N: usize>(total: Decimal, parts: [Decimal; N]) -> ([Decimal; N], Decimal) {
    let mut out = [Decimal::ZERO; N];
    let mut cumulative = Decimal::ZERO;
    let mut previous = Decimal::ZERO;
    for (line, part) in out.iter_mut().zip(parts) {
        cumulative += part;
        let rounded = cents(cumulative).min(total);
        *line = rounded - previous;
        previous = rounded;
    }
    (out, total - previous)
}

/// Checks one report (of a kept facility type and valid period) and computes
/// its amounts, or says why it is dropped.
pub fn evaluate(
    raw: &Raw,
    days: i64,
    kind: Kind,
    ma_share: Decimal,
    other: OtherIncome,
    cash: CashDefinition,
) -> Result<Amounts, DropReason> {
    if days < MIN_DAYS {
        return Err(DropReason::ShortPeriod);
    }
    if days > MAX_DAYS {
        return Err(DropReason::LongPeriod);
    }
    let (Some(npr), Some(expense), Some(income)) = (raw.npr, raw.operating_expense, raw.net_income) else {
        return Err(DropReason::MissingFinancials);
    };
    if npr <= Decimal::ZERO {
        return Err(DropReason::NprNotPositive);
    }
    if expense <= Decimal::ZERO {
        return Err(DropReason::OperatingExpenseNotPositive);
    }
    if (npr - expense - income).abs() > INCOME_TOLERANCE {
        return Err(DropReason::IncomeMismatch);
    }
    if other != OtherIncome::LeftOut {
        let Some(total_income) = raw.total_net_income else {
            return Err(DropReason::MissingFinancials);
        };
        if (income + raw.other_income - raw.other_expenses - total_income).abs() > INCOME_TOLERANCE {
            return Err(DropReason::NetIncomeMismatch);
        }
    }
    // Annualise: x * 365 / days, multiplied before dividing.
    let year = Decimal::from(365);
    let span = Decimal::from(days);
    let annual = |x: Decimal| x * year / span;
    let npr_a = annual(npr);
    let total = cents(npr_a);
    // Other income and expenses as used; a negative income counts as an
    // expense and a negative expense as income, so every line is >= 0.
    let (other_income, other_expenses, other_rule) = match other {
        OtherIncome::LeftOut => (Decimal::ZERO, Decimal::ZERO, OtherIncomeRule::LeftOut),
        OtherIncome::Reported => (annual(raw.other_income), annual(raw.other_expenses), OtherIncomeRule::Reported),
        OtherIncome::Shares(shares, rule) => (npr_a * shares.income, npr_a * shares.expenses, rule),
    };
    let other_revenue_a = other_income.max(Decimal::ZERO) + (-other_expenses).max(Decimal::ZERO);
    let other_costs_a = other_expenses.max(Decimal::ZERO) + (-other_income).max(Decimal::ZERO);
    let other_revenue = cents(other_revenue_a);
    let revenue_total = total + other_revenue;
    let net_income = cents(annual(income) + other_revenue_a - other_costs_a);
    if net_income.abs() > revenue_total {
        return Err(DropReason::MarginOutOfRange);
    }
    let costs_total = revenue_total - net_income;
    if costs_total <= Decimal::ZERO {
        return Err(DropReason::OperatingExpenseNotPositive);
    }
    if raw.medicaid.is_some_and(|m| m < Decimal::ZERO || m > npr) {
        return Err(DropReason::MedicaidOutOfRange);
    }

    // Medicaid.
    let days_total = raw.days_total;
    let share_of_days = |d: Decimal| -> Option<Decimal> {
        (days_total > Decimal::ZERO && d >= Decimal::ZERO).then(|| (d / days_total).min(Decimal::ONE))
    };
    let (medicaid, est_medicaid) = match raw.medicaid {
        Some(m) => (annual(m), Estimator::Reported),
        None => match share_of_days(raw.days_medicaid) {
            Some(share) => (npr_a * share, Estimator::DaysShare),
            None => (Decimal::ZERO, Estimator::NotReported),
        },
    };

    // Medicare FFS and MA.
    let ipps = kind != Kind::CriticalAccessHospital && raw.drg > Decimal::ZERO && raw.ipps_add_ons >= Decimal::ZERO;
    let (mut ffs, mut ma, est_ffs, est_ma) = if ipps {
        let ffs = annual(raw.drg + raw.ipps_add_ons) / INPATIENT_SHARE;
        if raw.managed_care > Decimal::ZERO {
            // MA inpatient volume at FFS prices relative to FFS inpatient DRG
            // payments, capped at 10 (hostile input cannot overflow).
            let ratio = raw.managed_care.checked_div(raw.drg).unwrap_or(MAX_MA_RATIO).min(MAX_MA_RATIO);
            (ffs, ffs * ratio, Estimator::IppsPayments, Estimator::ManagedCareSimulated)
        } else {
            (ffs, ffs * ma_share / (Decimal::ONE - ma_share), Estimator::IppsPayments, Estimator::MaPenetration)
        }
    } else {
        let Some(share) = share_of_days(raw.days_medicare).filter(|_| raw.days_medicare > Decimal::ZERO) else {
            return Err(DropReason::MedicareNotEstimable);
        };
        let medicare = npr_a * share;
        (medicare * (Decimal::ONE - ma_share), medicare * ma_share, Estimator::DaysShare, Estimator::MaPenetration)
    };
    let room = npr_a - medicaid;
    let capped_medicare = ffs + ma > room;
    if capped_medicare {
        let scale = room / (ffs + ma);
        ffs *= scale;
        ma = (room - ffs).max(Decimal::ZERO);
    }
    // Medicaid first (it is the reported line), then FFS, then MA; commercial
    // takes the remainder; `other` is not reported in the file.
    let ([medicaid_c, ffs_c, ma_c], commercial) = split_exact(total, [medicaid, ffs, ma]);

    // Costs: supplies are a share of operating expense; other expenses (and
    // negative other income) go to other_costs.
    let labor_a = annual(raw.labor).max(Decimal::ZERO);
    let operating_a = npr_a - annual(income);
    let costs_a = operating_a + other_costs_a;
    let capped_labor = labor_a > costs_a;
    let labor = labor_a.min(costs_a);
    let supplies = (operating_a * SUPPLY_SHARE).max(Decimal::ZERO).min(costs_a - labor);
    let ([labor_c, supplies_c], other_costs) = split_exact(costs_total, [labor, supplies]);

    let est_other = match other_rule {
        OtherIncomeRule::LeftOut => Estimator::NotReported,
        OtherIncomeRule::Reported => Estimator::Reported,
        OtherIncomeRule::BaseShare | OtherIncomeRule::KindMedian => Estimator::PreReliefShare,
    };
    let cash_total = match cash {
        CashDefinition::WithInvestments => raw.cash + raw.investments,
        CashDefinition::Liquid => raw.cash,
    };
    Ok(Amounts {
        revenue: [ffs_c, ma_c, medicaid_c, commercial, other_revenue],
        estimators: [est_ffs, est_ma, est_medicaid, Estimator::Remainder, est_other],
        costs: [labor_c, supplies_c, other_costs],
        cash: cash_total,
        cash_liquid: raw.cash,
        investments: raw.investments,
        npr: total,
        net_income,
        net_income_patient_care: cents(annual(income)),
        other_income: cents(other_income),
        other_expenses: cents(other_expenses),
        other_income_rule: other_rule,
        capped_medicare,
        capped_labor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_exact_and_non_negative() {
        let total = Decimal::new(100, 2);
        let third = Decimal::ONE / Decimal::from(3);
        let (lines, rest) = split_exact(total, [third, third, third]);
        assert_eq!(lines.iter().sum::<Decimal>() + rest, total);
        assert!(lines.iter().all(|l| *l >= Decimal::ZERO) && rest >= Decimal::ZERO);
        let (lines, rest) = split_exact(total, [Decimal::new(1005, 3), Decimal::ZERO]);
        assert_eq!((lines, rest), ([total, Decimal::ZERO], Decimal::ZERO));
    }

    #[test]
    fn penetration_uses_nearest_year() {
        assert_eq!(ma_penetration(Some(2021)), Decimal::new(42, 2));
        assert_eq!(ma_penetration(Some(2018)), Decimal::new(34, 2));
        assert_eq!(ma_penetration(Some(2030)), Decimal::new(42, 2));
        assert_eq!(ma_penetration(None), Decimal::new(42, 2));
    }
}
