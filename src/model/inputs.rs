//! The model's inputs from the scenario's types, in any number type: a
//! practice's [`Terms`] and a year's [`EconomyDraws`] from driver values in
//! canonical order. The ledger and the engine both build their inputs here.

use rust_decimal::Decimal;

use super::{base_margin, Amount, EconomyDraws, Payment, Response, Terms};
use crate::scenario::{Basis, CostTarget, Driver, Practice};

/// A practice's terms in any number type, converting each `Decimal` with `num`.
/// The ledger uses it with [`super::Exact::new`], the engine with an `f64` conversion.
pub fn terms<T: Amount>(practice: &Practice, num: impl Fn(Decimal) -> T) -> Terms<T> {
    let r = &practice.revenue;
    let c = &practice.costs;
    let mut terms = Terms {
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
            Basis::FeeSchedule => Payment::FeeSchedule,
            Basis::CostBased => Payment::CostBased,
        },
        program_share: num(practice.medicare.program_share),
        ma_passthrough: num(practice.medicare.ma_passthrough),
        ma_rate_ratio: num(practice.medicare.ma_rate_ratio),
        distress_margin: num(practice.thresholds.distress_margin),
        distress_days_cash: num(practice.thresholds.distress_days_cash),
        closure_days_cash: num(practice.thresholds.closure_days_cash),
        cash: num(practice.cash),
        response: Response::Fixed,
    };
    // MODEL.md v1.3 §3: `target: base` is the base-year margin of these amounts.
    terms.response = match &practice.cost_response {
        None => Response::Fixed,
        Some(response) => Response::Steer {
            speed: num(response.speed),
            target: match response.target {
                CostTarget::Base => base_margin(&terms),
                CostTarget::Margin(target) => num(target),
            },
        },
    };
    terms
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
