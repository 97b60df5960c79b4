//! The accounting of MODEL.md §2 for one practice, one policy and one path,
//! written once and generic over the number type: the point ledger runs it in
//! exact decimal arithmetic ([`Exact`], a 28-significant-digit floating
//! decimal), the Monte Carlo engine in `f64`.
//!
//! Pure functions, no I/O. Operations follow the order written in MODEL.md §2
//! so that the decimal ledger rounds where an independent implementation does.

use std::cmp::Ordering;
use std::ops::{Add, BitOr, Div, Mul, Sub};

use rust_decimal::Decimal;

use crate::numeric::FloatingDecimal;
use crate::policy::DayArithmetic;

mod inputs;

pub use inputs::{economy, terms};

/// The arithmetic the accounting needs. A type may hold one value (`f64`,
/// [`Exact`]) or several paths' values side by side (the engine's lanes), so
/// comparisons return [`Amount::Flag`] rather than `bool`.
pub trait Amount: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> {
    /// The result of a comparison: `bool`, or one `bool` per lane.
    type Flag: Copy + std::fmt::Debug + BitOr<Output = Self::Flag>;
    /// The number `n`.
    fn from_int(n: i64) -> Self;
    /// The larger of two values (for clamps).
    fn max_of(self, other: Self) -> Self;
    /// The smaller of two values (for clamps).
    fn min_of(self, other: Self) -> Self;
    /// `self < other`.
    fn less_than(self, other: Self) -> Self::Flag;
    /// A flag that is false everywhere.
    fn no() -> Self::Flag;
}

impl Amount for f64 {
    type Flag = bool;
    #[inline(always)]
    fn from_int(n: i64) -> f64 {
        n as f64
    }
    #[inline(always)]
    fn max_of(self, other: f64) -> f64 {
        self.max(other)
    }
    #[inline(always)]
    fn min_of(self, other: f64) -> f64 {
        self.min(other)
    }
    #[inline(always)]
    fn less_than(self, other: f64) -> bool {
        self < other
    }
    #[inline(always)]
    fn no() -> bool {
        false
    }
}

/// Exact decimal arithmetic that cannot panic: a [`FloatingDecimal`] with 28
/// significant digits at every magnitude, rounding half to even between
/// operations. An overflow, a division by zero or an exponent out of range
/// poisons the value (like a NaN) instead of panicking; [`Exact::get`]
/// reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exact(Option<FloatingDecimal>);

impl Exact {
    /// Wraps a decimal (rounded half to even if it has 29 significant digits).
    pub fn new(value: Decimal) -> Exact {
        Exact(Some(FloatingDecimal::from_decimal(value)))
    }

    /// Wraps a floating decimal.
    pub fn from_floating(value: FloatingDecimal) -> Exact {
        Exact(Some(value))
    }

    /// The full 28-digit value, or `None` if some operation on the way failed.
    pub fn floating(self) -> Option<FloatingDecimal> {
        self.0
    }

    /// The value as a `Decimal` for output ([`FloatingDecimal::to_decimal`]:
    /// rounded to odd at 28 decimal places if it has more), or `None` if some
    /// operation on the way failed or the value is beyond `Decimal`'s range.
    pub fn get(self) -> Option<Decimal> {
        self.0.and_then(FloatingDecimal::to_decimal)
    }
}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Exact) -> Option<Ordering> {
        match (self.0, other.0) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        }
    }
}

macro_rules! exact_op {
    ($trait:ident, $method:ident, $checked:ident) => {
        impl $trait for Exact {
            type Output = Exact;
            fn $method(self, rhs: Exact) -> Exact {
                match (self.0, rhs.0) {
                    (Some(a), Some(b)) => Exact(a.$checked(b)),
                    _ => Exact(None),
                }
            }
        }
    };
}
exact_op!(Add, add, checked_add);
exact_op!(Sub, sub, checked_sub);
exact_op!(Mul, mul, checked_mul);
exact_op!(Div, div, checked_div);

impl DayArithmetic for Exact {
    fn from_days(days: i64) -> Exact {
        Exact::from_int(days)
    }
    fn plus(self, other: Exact) -> Exact {
        self + other
    }
    fn times(self, other: Exact) -> Exact {
        self * other
    }
    fn divided_by(self, other: Exact) -> Exact {
        self / other
    }
}

impl Amount for Exact {
    type Flag = bool;
    fn from_int(n: i64) -> Exact {
        Exact::from_floating(FloatingDecimal::from_int(n))
    }
    fn max_of(self, other: Exact) -> Exact {
        if other > self {
            other
        } else {
            self
        }
    }
    fn min_of(self, other: Exact) -> Exact {
        if other < self {
            other
        } else {
            self
        }
    }
    /// False when either side has overflowed (like a NaN).
    fn less_than(self, other: Exact) -> bool {
        self < other
    }
    fn no() -> bool {
        false
    }
}

/// How Medicare FFS pays (MODEL.md §2 `B_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    /// `B_t = revenue.medicare_ffs * V_t * Pm_t`.
    FeeSchedule,
    /// `B_t = revenue.medicare_ffs * C_t / C_base`.
    CostBased,
}

/// A practice's cost response (MODEL.md v1.3 §3 "Dynamics").
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Response<T> {
    /// Costs are `C0_t`: `A_t` is 1 in every year.
    Fixed,
    /// `A_t = A_{t-1} * (1 + speed * clamp(MARGIN_{t-1} - target, -1, 1))`.
    Steer {
        /// kappa, the share of last year's margin gap closed.
        speed: T,
        /// The margin steered toward (`base` already resolved to `M_base`).
        target: T,
    },
}

/// A practice's base-year amounts and terms in the number type `T`.
#[derive(Clone, Copy, Debug)]
pub struct Terms<T> {
    /// `revenue.medicare_ffs`.
    pub medicare_ffs: T,
    /// `revenue.medicare_advantage`.
    pub medicare_advantage: T,
    /// `revenue.medicaid`.
    pub medicaid: T,
    /// `revenue.commercial`.
    pub commercial: T,
    /// `revenue.other`.
    pub other_revenue: T,
    /// `costs.labor`.
    pub labor: T,
    /// `costs.supplies`.
    pub supplies: T,
    /// `costs.other`.
    pub other_costs: T,
    /// `C_base`, the sum of base-year costs.
    pub base_costs: T,
    /// `variable_cost_share`.
    pub variable_cost_share: T,
    /// Fee schedule or cost based.
    pub payment: Payment,
    /// `medicare.program_share`.
    pub program_share: T,
    /// `medicare.ma_passthrough`.
    pub ma_passthrough: T,
    /// `medicare.ma_rate_ratio`.
    pub ma_rate_ratio: T,
    /// `thresholds.distress_margin`.
    pub distress_margin: T,
    /// `thresholds.distress_days_cash`.
    pub distress_days_cash: T,
    /// `thresholds.closure_days_cash`.
    pub closure_days_cash: T,
    /// Opening cash, `CASH_base`.
    pub cash: T,
    /// The cost response.
    pub response: Response<T>,
}

impl<T: Copy> Terms<T> {
    /// The same terms in another number type (for example `f64` lanes).
    pub fn map<U>(&self, f: impl Fn(T) -> U) -> Terms<U> {
        Terms {
            medicare_ffs: f(self.medicare_ffs),
            medicare_advantage: f(self.medicare_advantage),
            medicaid: f(self.medicaid),
            commercial: f(self.commercial),
            other_revenue: f(self.other_revenue),
            labor: f(self.labor),
            supplies: f(self.supplies),
            other_costs: f(self.other_costs),
            base_costs: f(self.base_costs),
            variable_cost_share: f(self.variable_cost_share),
            payment: self.payment,
            program_share: f(self.program_share),
            ma_passthrough: f(self.ma_passthrough),
            ma_rate_ratio: f(self.ma_rate_ratio),
            distress_margin: f(self.distress_margin),
            distress_days_cash: f(self.distress_days_cash),
            closure_days_cash: f(self.closure_days_cash),
            cash: f(self.cash),
            response: match self.response {
                Response::Fixed => Response::Fixed,
                Response::Steer { speed, target } => Response::Steer { speed: f(speed), target: f(target) },
            },
        }
    }
}

/// One year's draws of the policy-independent drivers, already clamped.
#[derive(Clone, Copy, Debug)]
pub struct EconomyDraws<T> {
    /// `volume_growth_t`.
    pub volume_growth: T,
    /// `commercial_rate_growth_t`.
    pub commercial_rate_growth: T,
    /// `medicaid_rate_growth_t`.
    pub medicaid_rate_growth: T,
    /// `ma_shift_t`.
    pub ma_shift: T,
    /// `labor_inflation_t`.
    pub labor_inflation: T,
    /// `supply_inflation_t`.
    pub supply_inflation: T,
    /// `other_inflation_t`.
    pub other_inflation: T,
}

/// The policy-independent indices of MODEL.md §2 for one year.
#[derive(Clone, Copy, Debug)]
pub struct Indices<T> {
    /// `V_t`, volume.
    pub volume: T,
    /// `Pc_t`, commercial price.
    pub commercial_price: T,
    /// `Pd_t`, Medicaid price.
    pub medicaid_price: T,
    /// `m_t`, share of the base FFS book moved to MA.
    pub ma_moved: T,
    /// `I_labor_t`.
    pub labor: T,
    /// `I_supplies_t`.
    pub supplies: T,
    /// `I_other_t`.
    pub other: T,
}

impl<T: Amount> Indices<T> {
    /// Base-year indices: every index 1, `m_base` 0.
    #[inline(always)]
    pub fn base() -> Indices<T> {
        let one = T::from_int(1);
        Indices {
            volume: one,
            commercial_price: one,
            medicaid_price: one,
            ma_moved: T::from_int(0),
            labor: one,
            supplies: one,
            other: one,
        }
    }

    /// The next year's indices.
    #[inline(always)]
    pub fn advance(&self, d: &EconomyDraws<T>) -> Indices<T> {
        let one = T::from_int(1);
        Indices {
            volume: self.volume * (one + d.volume_growth),
            commercial_price: self.commercial_price * (one + d.commercial_rate_growth),
            medicaid_price: self.medicaid_price * (one + d.medicaid_rate_growth),
            ma_moved: one - (one - self.ma_moved) * (one - d.ma_shift),
            labor: self.labor * (one + d.labor_inflation),
            supplies: self.supplies * (one + d.supply_inflation),
            other: self.other * (one + d.other_inflation),
        }
    }
}

/// An index as section 2 uses it in year `t` (MODEL.md v1.3 §3
/// "Dynamics"): `index_t = X_t * S_t * (1 + n_t)`, `X_t` the lasting index
/// the draws grow, `S_t` the shared level (`None`: 1, no shared shock, so
/// no multiplication: `X * 1` is `X` exactly) and `n_t` the year's one-off
/// shock (clamped, [`clamp_growth`]).
#[inline(always)]
pub fn shocked_index<T: Amount>(lasting: T, shared_level: Option<T>, noise: T) -> T {
    let one = T::from_int(1);
    match shared_level {
        Some(level) => lasting * level * (one + noise),
        None => lasting * (one + noise),
    }
}

/// The shared level's next year, `S_t = S_{t-1} * (1 + c * w_t)`, with
/// `c * w_t` given (clamped, [`clamp_growth`]); `S_base = 1`.
#[inline(always)]
pub fn shared_level<T: Amount>(previous: T, shock: T) -> T {
    previous * (T::from_int(1) + shock)
}

/// The clamp every driver draw except `ma_shift` gets: `[-0.99, inf)`.
#[inline(always)]
pub fn clamp_growth<T: Amount>(value: T) -> T {
    value.max_of(T::from_int(-99) / T::from_int(100))
}

/// The clamp of `ma_shift`: `[0, 1]`.
#[inline(always)]
pub fn clamp_share<T: Amount>(value: T) -> T {
    value.max_of(T::from_int(0)).min_of(T::from_int(1))
}

/// The volume response of costs, `1 - vcs + vcs * V_t`: the variable share
/// of costs follows volume, the rest does not (MODEL.md §2). The calibration
/// divides measured cost growth by it.
#[inline(always)]
pub fn cost_volume_response<T: Amount>(variable_cost_share: T, volume: T) -> T {
    T::from_int(1) - variable_cost_share + variable_cost_share * volume
}

/// `C_t = sum_k costs.k * Ik_t * (1 - vcs + vcs * V_t)`.
#[inline(always)]
pub fn operating_costs<T: Amount>(terms: &Terms<T>, idx: &Indices<T>) -> T {
    let scale = cost_volume_response(terms.variable_cost_share, idx.volume);
    terms.labor * idx.labor * scale + terms.supplies * idx.supplies * scale + terms.other_costs * idx.other * scale
}

/// The cost-based `B_t = revenue.medicare_ffs * C_t / C_base`.
#[inline(always)]
fn cost_based_book<T: Amount>(terms: &Terms<T>, costs: T) -> T {
    terms.medicare_ffs * costs / terms.base_costs
}

/// The products of MODEL.md §2 for one year that no policy lever touches,
/// computed once per practice, year and path and shared by every policy.
/// Each is the leading factor of a product in MODEL.md §2 exactly as written
/// there (left to right), so splitting the accounting here changes no value.
#[derive(Clone, Copy, Debug, Default)]
pub struct YearBasis<T> {
    /// `revenue.medicare_ffs * V_t` (times `Pm_t` it is the fee-schedule `B_t`).
    pub ffs_volume: T,
    /// The cost-based `B_t = revenue.medicare_ffs * C_t / C_base` before any
    /// cost response (with one, [`step`] computes it from its own `C_t`).
    pub cost_book: T,
    /// `revenue.medicare_advantage * V_t`.
    pub ma_volume: T,
    /// `1 - m_t`, the share of the base FFS book still in FFS.
    pub ffs_kept: T,
    /// `ma_rate_ratio * m_t`.
    pub ma_moved: T,
    /// `revenue.medicaid * V_t * Pd_t`.
    pub medicaid: T,
    /// `(revenue.commercial + revenue.other) * V_t * Pc_t`.
    pub commercial_other: T,
    /// `C0_t`, the costs before any cost response (`C_t` without one).
    pub costs: T,
}

/// The policy-independent part of year `t` (MODEL.md §2) from its indices.
#[inline(always)]
pub fn basis<T: Amount>(terms: &Terms<T>, idx: &Indices<T>) -> YearBasis<T> {
    let one = T::from_int(1);
    let costs = operating_costs(terms, idx);
    YearBasis {
        ffs_volume: terms.medicare_ffs * idx.volume,
        cost_book: match terms.payment {
            Payment::FeeSchedule => T::from_int(0),
            Payment::CostBased => cost_based_book(terms, costs),
        },
        ma_volume: terms.medicare_advantage * idx.volume,
        ffs_kept: one - idx.ma_moved,
        ma_moved: terms.ma_rate_ratio * idx.ma_moved,
        medicaid: terms.medicaid * idx.volume * idx.medicaid_price,
        commercial_other: (terms.commercial + terms.other_revenue) * idx.volume * idx.commercial_price,
        costs,
    }
}

/// One year's levers for one practice and policy (MODEL.md §1, after day-weighting).
#[derive(Clone, Copy, Debug)]
pub struct Levers<T> {
    /// `q_t`.
    pub sequestration: T,
    /// `u_t`, already clamped to `[-0.99, inf)`.
    pub medicare_update: T,
    /// `a_t`.
    pub add_on: T,
    /// `r_t`.
    pub relief: T,
}

/// The revenue lines of one year (the ledger's money columns).
#[derive(Clone, Copy, Debug)]
pub struct Accounts<T> {
    /// `FFS_t`.
    pub ffs: T,
    /// `MA_t`.
    pub ma: T,
    /// `CUT_t`, the CO-253 amount.
    pub cut: T,
    /// `revenue.medicaid * V_t * Pd_t`.
    pub medicaid: T,
    /// `(revenue.commercial + revenue.other) * V_t * Pc_t`.
    pub commercial_other: T,
    /// `r_t`.
    pub relief: T,
    /// `REV_t`.
    pub revenue: T,
    /// `C_t`.
    pub costs: T,
}

/// What carries from one year to the next under one policy.
#[derive(Clone, Copy, Debug)]
pub struct PolicyState<T: Amount> {
    /// `Pm_{t-1}`.
    pub medicare_price: T,
    /// `CASH_{t-1}`.
    pub cash: T,
    /// Cumulative CUT through `t-1`.
    pub cut_cum: T,
    /// `EXHAUSTED_{t-1}`.
    pub exhausted: T::Flag,
    /// `A_{t-1}`, the cost response factor (1 without a response).
    pub cost_factor: T,
    /// `MARGIN_{t-1}` (`M_base` before the first year), read by the cost response.
    pub margin: T,
}

impl<T: Amount> PolicyState<T> {
    /// The base-year state: `Pm` 1, opening cash, nothing cut, not
    /// exhausted, `A_base` 1 and `MARGIN_base = M_base`.
    #[inline(always)]
    pub fn opening(terms: &Terms<T>) -> PolicyState<T> {
        PolicyState {
            medicare_price: T::from_int(1),
            cash: terms.cash,
            cut_cum: T::from_int(0),
            exhausted: T::no(),
            cost_factor: T::from_int(1),
            margin: base_margin(terms),
        }
    }
}

/// `MARGIN = (REV - C) / REV`: the one place a margin is computed, written
/// in `numeric` (the lowest layer) so that the importer, `import::panel`
/// and `backtest` compute a `Decimal` margin with the same equation.
pub use crate::numeric::margin;

/// The base-year margin from the scenario's amounts (MODEL.md v1.3 §3),
/// `M_base = (sum revenue - sum costs) / sum revenue`, revenue before
/// sequestration.
#[inline(always)]
pub fn base_margin<T: Amount>(terms: &Terms<T>) -> T {
    let revenue =
        terms.medicare_ffs + terms.medicare_advantage + terms.medicaid + terms.commercial + terms.other_revenue;
    margin(revenue, terms.base_costs)
}

/// One year's outcome under one policy.
#[derive(Clone, Copy, Debug)]
pub struct YearOutcome<T: Amount> {
    /// Revenue lines and costs.
    pub accounts: Accounts<T>,
    /// `MARGIN_t`.
    pub margin: T,
    /// `CASH_t`.
    pub cash: T,
    /// `DAYS_t`.
    pub days_cash: T,
    /// `CUTBACK_t = C0_t - C_t`, the spending the cost response cut (< 0: added).
    pub cutback: T,
    /// Cumulative CUT through `t`.
    pub cut_cum: T,
    /// `DISTRESS_t`.
    pub distress: T::Flag,
    /// `EXHAUSTED_t`.
    pub exhausted: T::Flag,
}

/// Advances one policy's state by one year (MODEL.md §2), given the year's
/// policy-independent [`basis`].
#[inline(always)]
pub fn step<T: Amount>(
    terms: &Terms<T>,
    basis: &YearBasis<T>,
    levers: &Levers<T>,
    state: &mut PolicyState<T>,
) -> YearOutcome<T> {
    let one = T::from_int(1);
    let medicare_price = state.medicare_price * (one + levers.medicare_update);
    // C_t = A_t * C0_t; a cost-based book follows C_t.
    let (cost_factor, costs, cost_book) = match terms.response {
        Response::Fixed => (state.cost_factor, basis.costs, basis.cost_book),
        Response::Steer { speed, target } => {
            let gap = (state.margin - target).max_of(T::from_int(-1)).min_of(one);
            let cost_factor = state.cost_factor * (one + speed * gap);
            let costs = cost_factor * basis.costs;
            let cost_book = match terms.payment {
                Payment::FeeSchedule => basis.cost_book,
                Payment::CostBased => cost_based_book(terms, costs),
            };
            (cost_factor, costs, cost_book)
        }
    };
    let book = match terms.payment {
        Payment::FeeSchedule => basis.ffs_volume * medicare_price,
        Payment::CostBased => cost_book,
    };
    let ffs = basis.ffs_kept * book * (one + levers.add_on);
    let ma = basis.ma_volume * medicare_price + basis.ma_moved * book;
    let cut = levers.sequestration * terms.program_share * (ffs + terms.ma_passthrough * ma);
    let revenue = ffs + ma - cut + basis.medicaid + basis.commercial_other + levers.relief;
    let margin = margin(revenue, costs);
    let cash = state.cash + revenue - costs;
    let days_cash = T::from_int(365) * cash / costs;
    let distress = margin.less_than(terms.distress_margin) | days_cash.less_than(terms.distress_days_cash);
    let exhausted = state.exhausted | days_cash.less_than(terms.closure_days_cash);
    let cut_cum = state.cut_cum + cut;
    *state = PolicyState { medicare_price, cash, cut_cum, exhausted, cost_factor, margin };
    YearOutcome {
        accounts: Accounts {
            ffs,
            ma,
            cut,
            medicaid: basis.medicaid,
            commercial_other: basis.commercial_other,
            relief: levers.relief,
            revenue,
            costs,
        },
        margin,
        cash,
        days_cash,
        cutback: basis.costs - costs,
        cut_cum,
        distress,
        exhausted,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small practice with every term in play (also used by the engine's lane tests).
    pub(crate) fn terms(payment: Payment) -> Terms<f64> {
        Terms {
            medicare_ffs: 1000.0,
            medicare_advantage: 500.0,
            medicaid: 200.0,
            commercial: 250.0,
            other_revenue: 50.0,
            labor: 1200.0,
            supplies: 500.0,
            other_costs: 300.0,
            base_costs: 2000.0,
            variable_cost_share: 0.5,
            payment,
            program_share: 0.8,
            ma_passthrough: 0.5,
            ma_rate_ratio: 1.0,
            distress_margin: 0.0,
            distress_days_cash: 30.0,
            closure_days_cash: 0.0,
            cash: 100.0,
            response: Response::Fixed,
        }
    }

    #[test]
    fn fee_schedule_year_by_hand() {
        // Draws: volume +10%, commercial +5%, Medicaid 0, ma_shift 10%,
        // every cost index +10%; update 0, sequestration 2%, no add-on or relief.
        let t = terms(Payment::FeeSchedule);
        let draws = EconomyDraws {
            volume_growth: 0.1,
            commercial_rate_growth: 0.05,
            medicaid_rate_growth: 0.0,
            ma_shift: 0.1,
            labor_inflation: 0.1,
            supply_inflation: 0.1,
            other_inflation: 0.1,
        };
        let idx = Indices::base().advance(&draws);
        // C = 2000 * 1.1 * (0.5 + 0.5 * 1.1) = 2000 * 1.1 * 1.05 = 2310
        let costs = operating_costs(&t, &idx);
        assert!((costs - 2310.0).abs() < 1e-9);
        let levers = Levers { sequestration: 0.02, medicare_update: 0.0, add_on: 0.0, relief: 0.0 };
        let mut state = PolicyState::opening(&t);
        let out = step(&t, &basis(&t, &idx), &levers, &mut state);
        // B = 1000 * 1.1 * 1 = 1100; FFS = 0.9 * 1100 = 990
        // MA = 500 * 1.1 + 1.0 * 0.1 * 1100 = 550 + 110 = 660
        // CUT = 0.02 * 0.8 * (990 + 0.5 * 660) = 0.016 * 1320 = 21.12
        // Medicaid = 200 * 1.1 = 220; commercial+other = 300 * 1.1 * 1.05 = 346.5
        // REV = 990 + 660 - 21.12 + 220 + 346.5 = 2195.38
        assert!((out.accounts.ffs - 990.0).abs() < 1e-9);
        assert!((out.accounts.ma - 660.0).abs() < 1e-9);
        assert!((out.accounts.cut - 21.12).abs() < 1e-9);
        assert!((out.accounts.revenue - 2195.38).abs() < 1e-9);
        // MARGIN = (2195.38 - 2310) / 2195.38; CASH = 100 - 114.62 = -14.62
        assert!((out.margin - (-114.62 / 2195.38)).abs() < 1e-12);
        assert!((out.cash + 14.62).abs() < 1e-9);
        assert!(out.distress && out.exhausted);
    }

    #[test]
    fn exact_arithmetic_poisons_on_overflow_instead_of_panicking() {
        // Decimal::MAX squared is a fine floating decimal but no Decimal.
        let big = Exact::new(Decimal::MAX);
        assert!((big * big).floating().is_some());
        assert_eq!((big * big).get(), None);
        // Squaring 1e100 fourteen times leaves the exponent range: poisoned.
        let mut huge = Exact::from_floating(FloatingDecimal::from_parts(false, 1, 100).unwrap());
        for _ in 0..14 {
            huge = huge * huge;
        }
        assert_eq!(huge.floating(), None);
        assert_eq!((huge + Exact::from_int(1)).get(), None);
        assert_eq!(huge.partial_cmp(&Exact::from_int(0)), None);
        assert!(!huge.less_than(Exact::from_int(0)) && !Exact::from_int(0).less_than(huge));
        assert_eq!((Exact::from_int(1) / Exact::from_int(0)).get(), None);
        assert_eq!((Exact::from_int(1) / Exact::from_int(0) - Exact::from_int(1)).floating(), None);
    }

    #[test]
    fn exact_clamps_compare_values() {
        let value = |text: &str| Exact::new(text.parse().unwrap());
        assert_eq!(clamp_growth(value("-1.5")), value("-0.99"));
        assert_eq!(clamp_growth(value("0.03")), value("0.03"));
        assert_eq!(clamp_share(value("1.2")), Exact::from_int(1));
        assert_eq!(clamp_share(value("-0.1")), Exact::from_int(0));
    }
}
