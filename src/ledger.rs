//! The point ledger (MODEL.md §4): MODEL.md §2 evaluated once per practice x
//! policy x year with every driver at its distribution's mean, in exact
//! decimal arithmetic. No binary floating point touches this path: amounts
//! come from the scenario text as `Decimal`, the accounting is
//! [`crate::model`] instantiated for [`Exact`], and rounding happens only at
//! output, through [`round_money`] and [`round_ratio`].

use rust_decimal::{Decimal, RoundingStrategy};

use crate::model::{self, Amount, EconomyDraws, Exact, Indices, Levers, PolicyState, Terms, YearOutcome};
use crate::policy::Resolution;
use crate::scenario::{Basis, Driver, Practice, Scenario};

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
}

/// Why the ledger could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A value left the range of exact decimal arithmetic.
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

/// A practice's terms in any number type, converting each `Decimal` with `num`.
/// The engine uses the same function with an `f64` conversion.
pub fn terms<T: Amount>(practice: &Practice, num: impl Fn(Decimal) -> T) -> Terms<T> {
    let r = &practice.revenue;
    let c = &practice.costs;
    Terms {
        medicare_ffs: num(r.medicare_ffs),
        medicare_advantage: num(r.medicare_advantage),
        medicaid: num(r.medicaid),
        commercial: num(r.commercial),
        other_revenue: num(r.other),
        labor: num(c.labor),
        supplies: num(c.supplies),
        other_costs: num(c.other),
        base_costs: num(c.labor) + num(c.supplies) + num(c.other),
        variable_cost_share: num(practice.variable_cost_share),
        payment: match practice.medicare.basis {
            Basis::FeeSchedule => model::Payment::FeeSchedule,
            Basis::CostBased => model::Payment::CostBased,
        },
        program_share: num(practice.medicare.program_share),
        ma_passthrough: num(practice.medicare.ma_passthrough),
        ma_rate_ratio: num(practice.medicare.ma_rate_ratio),
        distress_margin: num(practice.thresholds.distress_margin),
        distress_days_cash: num(practice.thresholds.distress_days_cash),
        closure_days_cash: num(practice.thresholds.closure_days_cash),
        cash: num(practice.cash),
    }
}

/// Every driver at its ledger mean (MODEL.md §4) for `practice`, clamped as in
/// MODEL.md §2, in canonical driver order.
pub fn mean_draws(scenario: &Scenario, practice: &Practice) -> [Decimal; Driver::COUNT] {
    Driver::ALL.map(|driver| {
        let mean = Exact::new(scenario.driver_for(practice, driver).ledger_mean());
        let clamped = if driver == Driver::MaShift { model::clamp_share(mean) } else { model::clamp_growth(mean) };
        clamped.get().unwrap_or(Decimal::ZERO)
    })
}

/// Builds the economy draws of MODEL.md §2 from values in canonical driver order.
pub fn economy<T: Copy>(values: &[T; Driver::COUNT]) -> EconomyDraws<T> {
    let at = |d: Driver| values[d.index()];
    EconomyDraws {
        volume_growth: at(Driver::VolumeGrowth),
        commercial_rate_growth: at(Driver::CommercialRateGrowth),
        medicaid_rate_growth: at(Driver::MedicaidRateGrowth),
        ma_shift: at(Driver::MaShift),
        labor_inflation: at(Driver::LaborInflation),
        supply_inflation: at(Driver::SupplyInflation),
        other_inflation: at(Driver::OtherInflation),
    }
}

/// The ledger of every practice x policy x year, in practice, policy, year order.
pub fn ledger(scenario: &Scenario, resolution: &Resolution) -> Result<Vec<LedgerRow>, LedgerError> {
    let mut rows = Vec::new();
    for practice in &scenario.practices {
        let terms = terms(practice, Exact::new);
        let means = mean_draws(scenario, practice);
        let draws = economy(&means.map(Exact::new));
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
                let update = year_levers.medicare_update.weighted(mei).ok_or_else(overflow)?;
                let rate =
                    |v: &crate::policy::YearValue| v.weighted(Decimal::ZERO).map(Exact::new).ok_or_else(overflow);
                let levers = Levers {
                    sequestration: rate(&year_levers.sequestration)?,
                    medicare_update: model::clamp_growth(Exact::new(update)),
                    add_on: rate(&year_levers.medicare_add_on)?,
                    relief: rate(&year_levers.relief)?,
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
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
        // FACTS.md §1.2: allowed $100, deductible $50, Medicare 80% of the
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
}
