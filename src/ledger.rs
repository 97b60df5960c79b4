//! The point ledger (MODEL.md §4): MODEL.md §2 evaluated once per practice x
//! policy x year with every driver at its distribution's mean, in exact
//! decimal arithmetic. No binary floating point touches this path: amounts
//! come from the scenario text as `Decimal`, the accounting is
//! [`crate::model`] instantiated for [`Exact`] (28 significant digits at every
//! magnitude, half to even between operations), and rounding happens only at
//! output, through [`round_money`] and [`round_ratio`].
//!
//! A row holds `Decimal`s: each value with more than 28 decimal places is
//! rounded to odd at the 28th ([`crate::numeric::TO_DECIMAL`]), so the output
//! rounding to cents or 6 places is that of the 28-digit value itself. A value
//! beyond `Decimal`'s range (about 7.9e28), or one whose computation failed,
//! makes the ledger report [`LedgerError::Overflow`] for that row.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::model::{self, economy, terms, Amount, Exact, Indices, Levers, PolicyState, YearOutcome};
use crate::policy::{self, Resolution};
use crate::scenario::{Dist, Driver, LeverValue, Practice, Scenario};

/// How money is rounded for output: to cents, half away from zero (MODEL.md §4).
pub const MONEY_ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;
/// How margins and days of cash are rounded for output: 6 decimals, half away from zero.
pub const RATIO_ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// A dollar amount rounded to cents for output.
pub fn round_money(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, MONEY_ROUNDING)
}

/// A margin or a number of days rounded to 6 decimals for output.
pub fn round_ratio(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(6, RATIO_ROUNDING)
}

/// One row of the ledger table (MODEL.md §6), unrounded.
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerRow {
    /// Practice id.
    pub practice: String,
    /// Practice kind.
    pub kind: String,
    /// Policy name.
    pub policy: String,
    /// Calendar year.
    pub year: i32,
    /// `FFS_t`.
    pub ffs: Decimal,
    /// `MA_t`.
    pub ma: Decimal,
    /// `CUT_t`.
    pub cut: Decimal,
    /// Medicaid line.
    pub medicaid: Decimal,
    /// Commercial plus other line.
    pub commercial_other: Decimal,
    /// `r_t`.
    pub relief: Decimal,
    /// `REV_t`.
    pub revenue: Decimal,
    /// `C_t`.
    pub costs: Decimal,
    /// `MARGIN_t`.
    pub margin: Decimal,
    /// `CASH_t`.
    pub cash: Decimal,
    /// `DAYS_t`.
    pub days_cash: Decimal,
    /// `DISTRESS_t`.
    pub distress: bool,
    /// `EXHAUSTED_t`.
    pub exhausted: bool,
    /// `CUTBACK_t = C0_t - C_t`, the spending the cost response cut (MODEL.md v1.3).
    pub cutback: Decimal,
}

/// Why the ledger could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A value of the row could not be computed (exponent out of range,
    /// division by zero) or is beyond `Decimal`'s range at output.
    #[error("practice `{practice}` under policy `{policy}` in {year}: the numbers outgrow exact decimal arithmetic (about 7.9e28); check the drivers' growth rates and the horizon")]
    Overflow {
        /// Practice id.
        practice: String,
        /// Policy name.
        policy: String,
        /// Calendar year.
        year: i32,
    },
    /// A policy has no levers for a practice's kind (cannot happen for a validated scenario).
    #[error("policy `{policy}` was not resolved for kind `{kind}`")]
    Unresolved {
        /// Policy name.
        policy: String,
        /// Practice kind.
        kind: String,
    },
}

/// A driver's ledger mean (MODEL.md §4) in [`Exact`] arithmetic, so that a
/// mean such as `(min + 4 mode + max) / 6` keeps 28 significant digits.
pub fn ledger_mean(dist: &Dist) -> Exact {
    let num = Exact::new;
    match *dist {
        Dist::Uniform { min, max } => (num(min) + num(max)) / Exact::from_int(2),
        Dist::Triangular { min, mode, max } => (num(min) + num(mode) + num(max)) / Exact::from_int(3),
        Dist::Pert { min, mode, max } => (num(min) + Exact::from_int(4) * num(mode) + num(max)) / Exact::from_int(6),
        // A value or a clamp: no arithmetic.
        Dist::Fixed { .. } | Dist::Normal { .. } | Dist::Lognormal { .. } => num(dist.ledger_mean()),
    }
}

/// Every driver at its ledger mean (MODEL.md §4) for `practice`, clamped as in
/// MODEL.md §2, in canonical driver order.
pub fn mean_draws(scenario: &Scenario, practice: &Practice) -> [Exact; Driver::COUNT] {
    Driver::ALL.map(|driver| {
        let mean = ledger_mean(scenario.driver_for(practice, driver));
        if driver == Driver::MaShift {
            model::clamp_share(mean)
        } else {
            model::clamp_growth(mean)
        }
    })
}

/// A lever's day-weighted value for one year ([`crate::policy::day_weighted`])
/// in `Exact`, so that the ledger keeps 28 significant digits here too; `mei`
/// stands in for `{index: mei}` pieces.
fn day_weighted(year: &crate::policy::YearValue, mei: Exact) -> Exact {
    let value = |value: LeverValue| match value {
        LeverValue::Rate(rate) => Exact::new(rate),
        LeverValue::Mei { offset } => mei + Exact::new(offset),
    };
    policy::day_weighted(year.segments().iter().map(|&(days, v)| (days, value(v))), year.days_in_year())
}

/// The ledger of every practice x policy x year, in practice, policy, year order.
pub fn ledger(scenario: &Scenario, resolution: &Resolution) -> Result<Vec<LedgerRow>, LedgerError> {
    let mut rows = Vec::new();
    for practice in &scenario.practices {
        let terms = terms(practice, Exact::new);
        let means = mean_draws(scenario, practice);
        let draws = economy(&means);
        let mei = means[Driver::Mei.index()];
        for (policy_index, policy) in scenario.policies.iter().enumerate() {
            let levers = resolution
                .levers(policy_index, &practice.kind)
                .ok_or_else(|| LedgerError::Unresolved { policy: policy.name.clone(), kind: practice.kind.clone() })?;
            let mut idx = Indices::<Exact>::base();
            let mut state = PolicyState::opening(&terms);
            for (t, year) in scenario.calendar_years().enumerate() {
                let overflow =
                    || LedgerError::Overflow { practice: practice.id.clone(), policy: policy.name.clone(), year };
                let year_levers = &levers.years[t];
                let levers = Levers {
                    sequestration: day_weighted(&year_levers.sequestration, mei),
                    medicare_update: model::clamp_growth(day_weighted(&year_levers.medicare_update, mei)),
                    add_on: day_weighted(&year_levers.medicare_add_on, mei),
                    relief: day_weighted(&year_levers.relief, mei),
                };
                idx = idx.advance(&draws);
                let outcome = model::step(&terms, &model::basis(&terms, &idx), &levers, &mut state);
                rows.push(row(practice, &policy.name, year, &outcome).ok_or_else(overflow)?);
            }
        }
    }
    Ok(rows)
}

fn row(practice: &Practice, policy: &str, year: i32, o: &YearOutcome<Exact>) -> Option<LedgerRow> {
    let a = &o.accounts;
    Some(LedgerRow {
        practice: practice.id.clone(),
        kind: practice.kind.clone(),
        policy: policy.to_string(),
        year,
        ffs: a.ffs.get()?,
        ma: a.ma.get()?,
        cut: a.cut.get()?,
        medicaid: a.medicaid.get()?,
        commercial_other: a.commercial_other.get()?,
        relief: a.relief.get()?,
        revenue: a.revenue.get()?,
        costs: a.costs.get()?,
        margin: o.margin.get()?,
        cash: o.cash.get()?,
        days_cash: o.days_cash.get()?,
        distress: o.distress,
        exhausted: o.exhausted,
        cutback: o.cutback.get()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Terms;
    use rust_decimal::prelude::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_money(dec("0.125")), dec("0.13"));
        assert_eq!(round_money(dec("-0.125")), dec("-0.13"));
        assert_eq!(round_money(dec("0.135")), dec("0.14"));
        assert_eq!(round_ratio(dec("0.0000005")), dec("0.000001"));
    }

    #[test]
    fn sequestration_of_a_forty_dollar_program_payment() {
        // The MAC's worked example ([FCSO-SEQ], docs/sources.md): allowed $100, deductible $50, Medicare 80% of the
        // remaining $50 = $40.00; 2% of $40.00 = $0.80 (CO-253); paid $39.20.
        // As a one-line FFS book: medicare_ffs $50 (allowed less deductible),
        // program_share 0.8, sequestration 0.02, no migration, add-on or MA.
        let terms = Terms {
            medicare_ffs: Exact::new(dec("50")),
            medicare_advantage: Exact::from_int(0),
            medicaid: Exact::from_int(0),
            commercial: Exact::from_int(0),
            other_revenue: Exact::from_int(0),
            labor: Exact::new(dec("40")),
            supplies: Exact::from_int(0),
            other_costs: Exact::from_int(0),
            base_costs: Exact::new(dec("40")),
            variable_cost_share: Exact::from_int(0),
            payment: model::Payment::FeeSchedule,
            program_share: Exact::new(dec("0.8")),
            ma_passthrough: Exact::from_int(0),
            ma_rate_ratio: Exact::from_int(1),
            distress_margin: Exact::from_int(0),
            distress_days_cash: Exact::from_int(30),
            closure_days_cash: Exact::from_int(0),
            cash: Exact::from_int(0),
            response: model::Response::Fixed,
        };
        let idx = Indices::<Exact>::base();
        let levers = Levers {
            sequestration: Exact::new(dec("0.02")),
            medicare_update: Exact::from_int(0),
            add_on: Exact::from_int(0),
            relief: Exact::from_int(0),
        };
        let mut state = PolicyState::opening(&terms);
        // C_t = labor $40 x index 1 = $40.
        let out = model::step(&terms, &model::basis(&terms, &idx), &levers, &mut state);
        let cut = out.accounts.cut.get().unwrap();
        assert_eq!(round_money(cut), dec("0.80"));
        // Program payment $40.00 less CO-253 = $39.20.
        assert_eq!(round_money(dec("40.00") - cut), dec("39.20"));
        // Gross revenue $50 (incl. $10 coinsurance) less the cut = $49.20.
        assert_eq!(round_money(out.accounts.revenue.get().unwrap()), dec("49.20"));
    }

    /// The ledger of a scenario given as text.
    fn ledger_of(text: &str) -> Vec<LedgerRow> {
        let (scenario, diagnostics) = crate::scenario::parse_str(text);
        let scenario = scenario.unwrap_or_else(|| panic!("{diagnostics:?}"));
        ledger(&scenario, &crate::policy::resolve(&scenario)).unwrap()
    }

    /// One practice whose commercial price falls 10% a year, with a cost
    /// response (MODEL.md v1.3 §3) closing half of last year's gap to a 0%
    /// margin, and a second, cost-based practice with the same response.
    const RESPONSE: &str = "\
name: cost response
horizon: {start_year: 2027, years: 3}
simulation: {paths: 10, seed: 1}
drivers:
  labor_inflation: 0
  supply_inflation: 0
  other_inflation: 0
  commercial_rate_growth: -0.1
  medicaid_rate_growth: 0
  ma_shift: 0
  mei: 0
  volume_growth: 0
cost_response: {speed: 0.5, target: 0}
practices:
  - id: steer
    kind: clinic
    count: 1
    revenue: {medicare_ffs: 0, medicare_advantage: 0, medicaid: 0, commercial: 1000, other: 0}
    costs: {labor: 900, supplies: 0, other: 0}
    variable_cost_share: 0
    cash: 0
    medicare: {basis: fee_schedule}
  - id: cah
    kind: clinic
    count: 1
    revenue: {medicare_ffs: 500, medicare_advantage: 0, medicaid: 0, commercial: 500, other: 0}
    costs: {labor: 900, supplies: 0, other: 0}
    variable_cost_share: 0
    cash: 0
    medicare: {basis: cost_based}
    cost_response: {speed: 1}
baseline: current_law
policies:
  current_law:
    sequestration: 0
";

    #[test]
    fn a_cost_response_closes_part_of_last_years_gap() {
        let rows = ledger_of(RESPONSE);
        let value = |text: &str| dec(text);
        // steer: M_base = (1000 - 900) / 1000 = 0.1; C0_t = 900 every year.
        // 2027: REV = 1000 * 0.9 = 900; gap = 0.1 - 0 = 0.1; A = 1 * (1 + 0.5 * 0.1) = 1.05;
        //       C = 945; MARGIN = (900 - 945) / 900 = -0.05; CUTBACK = 900 - 945 = -45; CASH = -45.
        // 2028: REV = 810; gap = -0.05; A = 1.05 * (1 - 0.025) = 1.02375; C = 921.375;
        //       MARGIN = -111.375 / 810 = -0.1375; CUTBACK = -21.375; CASH = -45 - 111.375 = -156.375.
        // 2029: REV = 729; gap = -0.1375; A = 1.02375 * (1 - 0.06875) = 0.9533671875;
        //       C = 858.03046875; MARGIN = -129.03046875 / 729 = -0.176996527777...;
        //       CUTBACK = 41.96953125; CASH = -156.375 - 129.03046875 = -285.40546875.
        let steer: Vec<&LedgerRow> = rows.iter().filter(|r| r.practice == "steer").collect();
        assert_eq!(
            steer.iter().map(|r| round_money(r.costs)).collect::<Vec<_>>(),
            [value("945.00"), value("921.38"), value("858.03")]
        );
        assert_eq!(steer[1].costs, value("921.375"));
        assert_eq!(steer[2].costs, value("858.03046875"));
        assert_eq!(
            steer.iter().map(|r| r.cutback).collect::<Vec<_>>(),
            [value("-45"), value("-21.375"), value("41.96953125")]
        );
        assert_eq!(
            steer.iter().map(|r| round_ratio(r.margin)).collect::<Vec<_>>(),
            [value("-0.05"), value("-0.1375"), value("-0.176997")]
        );
        assert_eq!(steer[2].cash, value("-285.40546875"));
        // cah: M_base = (1000 - 900) / 1000 = 0.1; speed 1, target base 0.1.
        // 2027: gap = 0.1 - 0.1 = 0 so A = 1, C = 900; B = 500 * 900 / 900 = 500;
        //       REV = 500 + 500 * 0.9 = 950; MARGIN = 50 / 950 = 0.052631578947...
        // 2028: gap = 0.0526315789... - 0.1 = -0.0473684210...; A = 0.9526315789...;
        //       C = 857.3684210...; B = 500 * C / 900 = 476.3157894...;
        //       REV = 476.3157894... + 405 = 881.3157894...; CUTBACK = 900 - C = 42.6315789...
        let cah: Vec<&LedgerRow> = rows.iter().filter(|r| r.practice == "cah").collect();
        assert_eq!(cah[0].costs, value("900"));
        assert_eq!(round_ratio(cah[0].margin), value("0.052632"));
        assert_eq!(round_money(cah[1].costs), value("857.37"));
        assert_eq!(round_money(cah[1].revenue), value("881.32"));
        assert_eq!(round_money(cah[1].cutback), value("42.63"));
        // The cost-based book follows C_t: FFS = 500 * C / 900 exactly.
        assert_eq!(round_money(cah[1].ffs), value("476.32"));
    }

    /// The practice of tests/data/ledger_two_years.yaml (fee schedule) with
    /// volume falling 99% a year for ten years.
    const COLLAPSE: &str = "\
name: volume collapse
horizon: {start_year: 2027, years: 10}
simulation: {paths: 10, seed: 1}
drivers:
  labor_inflation: 0.03
  supply_inflation: 0.02
  other_inflation: 0.025
  commercial_rate_growth: 0.04
  medicaid_rate_growth: 0.01
  ma_shift: 0.02
  mei: 0.03
  volume_growth: -0.99
practices:
  - id: fee
    kind: clinic
    count: 1
    revenue: {medicare_ffs: 1000, medicare_advantage: 500, medicaid: 200, commercial: 250, other: 50}
    costs: {labor: 1200, supplies: 500, other: 300}
    variable_cost_share: 0.5
    cash: 100
    medicare: {basis: fee_schedule, program_share: 0.8, ma_passthrough: 0.5}
baseline: current_law
policies:
  current_law:
    sequestration: 0.02
    medicare_update: 0.0025
";

    #[test]
    fn volume_falling_99_percent_a_year_keeps_the_2036_margin_exact() {
        // Python, following model::basis and model::step operation by operation:
        //   from decimal import *; getcontext().prec = P  (ROUND_HALF_EVEN)
        //   V = Pc = Pd = Il = Is = Io = Pm = 1; m = 0; cash = 100
        //   each of 10 years:
        //     V *= 1 + -0.99; Pc *= 1 + 0.04; Pd *= 1 + 0.01; m = 1 - (1 - m) * (1 - 0.02)
        //     Il *= 1 + 0.03; Is *= 1 + 0.02; Io *= 1 + 0.025
        //     scale = 1 - 0.5 + 0.5 * V
        //     C = 1200 * Il * scale + 500 * Is * scale + 300 * Io * scale
        //     Pm *= 1 + 0.0025; book = 1000 * V * Pm
        //     ffs = (1 - m) * book * (1 + 0); ma = 500 * V * Pm + 1 * m * book
        //     cut = 0.02 * 0.8 * (ffs + 0.5 * ma)
        //     rev = ffs + ma - cut + 200 * V * Pd + (250 + 50) * V * Pc + 0
        //     margin = (rev - C) / rev; cash = cash + rev - C; days = 365 * cash / C
        // P = 60 in 2036: rev = 2.18391716506052214331785785571530016653686249921875E-17,
        //   C = 1303.1111142346161082297630447360961610821673193359375,
        //   margin = -59668522922136721208.8989382764722969456469410817456247156961,
        //   cash = -11489.5679506666672179964766127498469764866447114077546196916,
        //   days = -3218.21543549377505627521831161910420304481522391118279149705.
        // P = 28 (this ledger): margin = -59668522922136721208.89893827,
        //   cash = -11489.56795066666721799647661, days = -3218.215435493775056275218313.
        // The fixed-scale Decimal ledger kept rev to 28 places (12 significant
        // digits) and printed -59668522922150987098.204949: wrong from the 12th digit.
        let rows = ledger_of(COLLAPSE);
        let last = rows.iter().find(|r| r.year == 2036).unwrap();
        assert_eq!(round_ratio(last.margin), dec("-59668522922136721208.898938"));
        assert_eq!(round_money(last.cash), dec("-11489.57"));
        assert_eq!(round_ratio(last.days_cash), dec("-3218.215435"));
        assert_eq!(round_money(last.costs), dec("1303.11"));
        assert_eq!(round_money(last.revenue), dec("0.00"));
        // Unrounded, the 28-digit values are Python's at precision 28, digit for digit.
        assert_eq!(last.margin, dec("-59668522922136721208.89893827"));
        assert_eq!(last.cash, dec("-11489.56795066666721799647661"));
        assert_eq!(last.days_cash, dec("-3218.215435493775056275218313"));
        assert!(last.revenue > Decimal::ZERO && last.distress && last.exhausted);
    }

    #[test]
    fn output_rounding_of_a_28_digit_value_is_not_double_rounding() {
        // 0.004999999999999999999999999999 (28 digits, 30 places) is under half a
        // cent; rounded half to even at 28 places it would become 0.005 and print
        // 0.01. Rounded to odd it stays below and prints 0.00.
        let value = crate::numeric::FloatingDecimal::from_parts(false, 4_999_999_999_999_999_999_999_999_999, -30);
        let row_value = Exact::from_floating(value.unwrap()).get().unwrap();
        assert_eq!(round_money(row_value), dec("0.00"));
        assert_eq!(round_ratio(dec("0.0000004999999999999999999999")), dec("0.000000"));
    }

    /// scenarios/quickstart.yaml (sources left out) over 2031-2032, which
    /// takes in sequestration ending on 2032-04-01 (day-weighted) and
    /// triangular, PERT and uniform means.
    const TYPICAL: &str = "\
name: typical
horizon: {start_year: 2031, years: 2}
simulation: {paths: 10, seed: 1}
drivers:
  labor_inflation:  {dist: normal, mean: 0.035, sd: 0.01}
  supply_inflation: {dist: triangular, min: 0.0, mode: 0.03, max: 0.07}
  other_inflation:  {dist: normal, mean: 0.025, sd: 0.008}
  commercial_rate_growth: {dist: pert, min: 0.01, mode: 0.035, max: 0.06}
  medicaid_rate_growth:   {dist: uniform, min: 0.005, max: 0.025}
  ma_shift: {dist: uniform, min: 0.01, max: 0.03}
  mei:      {dist: normal, mean: 0.028, sd: 0.007}
  volume_growth: {dist: normal, mean: 0.0, sd: 0.03}
practices:
  - id: clinic
    kind: rural_health_clinic
    count: 1
    revenue: {medicare_ffs: 500000, medicare_advantage: 250000, medicaid: 450000, commercial: 700000, other: 100000}
    costs: {labor: 1350000, supplies: 150000, other: 450000}
    variable_cost_share: 0.3
    cash: 300000
    medicare: {basis: fee_schedule, program_share: 0.8, ma_passthrough: 0.5}
baseline: current_law
policies:
  current_law:
    sequestration: {\"2013-04-01\": 0.02, \"2020-05-01\": 0.0, \"2022-04-01\": 0.01, \"2022-07-01\": 0.02, \"2032-04-01\": 0.0}
    medicare_update: {2026: 0.0025}
  repeal_2027:
    base: current_law
    sequestration: {2027: 0.0}
";

    #[test]
    fn a_typical_two_year_ledger_prints_what_the_fixed_scale_ledger_printed() {
        // The printed rows of the ledger computed with rust_decimal's fixed
        // 28 places (before the floating decimal): ffs, ma, cut, medicaid,
        // commercial_other, relief, revenue, costs, margin, cash, days_cash.
        let expected = [
            (
                "current_law",
                2031,
                [
                    "491225.00",
                    "260650.00",
                    "9944.80",
                    "456750.00",
                    "828000.00",
                    "0.00",
                    "2026680.20",
                    "2013500.00",
                    "0.006503",
                    "313180.20",
                    "56.772174",
                ],
                false,
            ),
            (
                "current_law",
                2032,
                [
                    "482604.00",
                    "271150.69",
                    "2459.21",
                    "463601.25",
                    "856980.00",
                    "0.00",
                    "2071876.73",
                    "2079101.67",
                    "-0.003487",
                    "305955.27",
                    "53.712463",
                ],
                true,
            ),
            (
                "repeal_2027",
                2031,
                [
                    "491225.00",
                    "260650.00",
                    "0.00",
                    "456750.00",
                    "828000.00",
                    "0.00",
                    "2036625.00",
                    "2013500.00",
                    "0.011355",
                    "323125.00",
                    "58.574932",
                ],
                false,
            ),
            (
                "repeal_2027",
                2032,
                [
                    "482604.00",
                    "271150.69",
                    "0.00",
                    "463601.25",
                    "856980.00",
                    "0.00",
                    "2074335.94",
                    "2079101.67",
                    "-0.002297",
                    "318359.27",
                    "55.890068",
                ],
                true,
            ),
        ];
        let rows = ledger_of(TYPICAL);
        assert_eq!(rows.len(), expected.len());
        for (row, (policy, year, values, distress)) in rows.iter().zip(expected) {
            assert_eq!((row.policy.as_str(), row.year), (policy, year));
            let money =
                [row.ffs, row.ma, row.cut, row.medicaid, row.commercial_other, row.relief, row.revenue, row.costs];
            let printed: Vec<Decimal> = money
                .into_iter()
                .map(round_money)
                .chain([round_ratio(row.margin), round_money(row.cash), round_ratio(row.days_cash)])
                .collect();
            let wanted: Vec<Decimal> = values.iter().map(|v| dec(v)).collect();
            assert_eq!(printed, wanted, "{policy} {year}");
            assert_eq!((row.distress, row.exhausted), (distress, false));
        }
    }
}
