//! Policy resolution (MODEL.md §1 "Dated values" and "Policies and
//! inheritance"): turns each policy's dated levers, its `base:` chain and its
//! `for_kinds` overrides into the annual, day-weighted lever values that a
//! practice of a given kind faces in each projected year.
//!
//! Pure and exact: `Decimal` in, `Decimal` out, no I/O.

use rust_decimal::Decimal;

use crate::calendar::{days_in_year, Date};
use crate::scenario::{Lever, LeverInput, LeverValue, Scenario};

/// A lever's value over all time: `initial` before the first key, then each
/// key's value from its date on (MODEL.md §1).
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    initial: LeverValue,
    keys: Vec<(Date, LeverValue)>,
}

impl Schedule {
    /// A lever that holds `value` from the beginning of time (its default).
    pub fn constant(value: LeverValue) -> Schedule {
        Schedule { initial: value, keys: Vec::new() }
    }

    /// Applies one level's value with the replacement rule: a scalar replaces
    /// the whole schedule; a dated map keeps inherited keys before its first
    /// key and drops those at or after it.
    pub fn apply(&mut self, input: &LeverInput) {
        match input {
            LeverInput::Scalar(value) => {
                self.initial = *value;
                self.keys.clear();
            }
            LeverInput::Dated(keys) => {
                let Some(&(first, _)) = keys.first() else { return };
                self.keys.retain(|(date, _)| *date < first);
                self.keys.extend(keys.iter().copied());
            }
        }
    }

    /// The value in force on `day`.
    pub fn value_on(&self, day: Date) -> LeverValue {
        self.keys.iter().rev().find(|(date, _)| *date <= day).map_or(self.initial, |(_, v)| *v)
    }

    /// The pieces of calendar year `year` with a constant value each.
    pub fn year(&self, year: i32) -> YearValue {
        let start = Date::first_of_year(year);
        let end = Date::first_of_year(year + 1);
        let mut segments = Vec::new();
        let mut from = start;
        let mut value = self.value_on(start);
        for &(date, next) in &self.keys {
            if date > start && date < end {
                segments.push((date.day_number() - from.day_number(), value));
                from = date;
                value = next;
            }
        }
        segments.push((end.day_number() - from.day_number(), value));
        YearValue { days_in_year: days_in_year(year), segments }
    }
}

/// One calendar year of a lever: `(days, value)` pieces summing to the year.
#[derive(Clone, Debug, PartialEq)]
pub struct YearValue {
    days_in_year: i64,
    segments: Vec<(i64, LeverValue)>,
}

impl YearValue {
    /// The day-weighted annual value `(sum of days_i * v_i) / days_in_year`,
    /// with `mei` standing in for `{index: mei}` pieces (MODEL.md §1).
    /// `None` only if the arithmetic overflows `Decimal`.
    pub fn weighted(&self, mei: Decimal) -> Option<Decimal> {
        let value = |value: LeverValue| match value {
            LeverValue::Rate(rate) => Some(rate),
            LeverValue::Mei { offset } => mei.checked_add(offset),
        };
        day_weighted(self.segments.iter().map(|&(days, v)| (days, value(v))), self.days_in_year)
    }

    /// The `(days, value)` pieces, in date order (the exact ledger weights
    /// them in its own number type).
    pub fn segments(&self) -> &[(i64, LeverValue)] {
        &self.segments
    }

    /// 365 or 366: the denominator of the day-weighted value.
    pub fn days_in_year(&self) -> i64 {
        self.days_in_year
    }

    /// The days the pieces cover: always the days of the year.
    pub fn days(&self) -> i64 {
        self.segments.iter().map(|(days, _)| days).sum()
    }

    /// The same value as `constant + mei_weight * mei`: the form the engine
    /// evaluates once per draw. For levers without an index `mei_weight` is 0;
    /// it is the share of the year the `{index: mei}` pieces are in force.
    /// `None` only if the arithmetic overflows `Decimal`.
    pub fn linear(&self) -> Option<(Decimal, Decimal)> {
        let constant = |value: LeverValue| match value {
            LeverValue::Rate(rate) => rate,
            LeverValue::Mei { offset } => offset,
        };
        let follows_mei = |value: LeverValue| match value {
            LeverValue::Rate(_) => Decimal::ZERO,
            LeverValue::Mei { .. } => Decimal::ONE,
        };
        let weigh = |part: fn(LeverValue) -> Decimal| {
            day_weighted(self.segments.iter().map(|&(days, v)| (days, Some(part(v)))), self.days_in_year)
        };
        Some((weigh(constant)?, weigh(follows_mei)?))
    }
}

/// The arithmetic [`day_weighted`] needs, in each number type a lever's
/// annual value is computed in: `Option<Decimal>` here (`None` once an
/// operation overflows) and the ledger's [`crate::model::Exact`].
pub trait DayArithmetic: Copy {
    /// A number of days.
    fn from_days(days: i64) -> Self;
    /// `self + other`.
    fn plus(self, other: Self) -> Self;
    /// `self * other`.
    fn times(self, other: Self) -> Self;
    /// `self / other`.
    fn divided_by(self, other: Self) -> Self;
}

impl DayArithmetic for Option<Decimal> {
    fn from_days(days: i64) -> Option<Decimal> {
        Some(Decimal::from(days))
    }
    fn plus(self, other: Option<Decimal>) -> Option<Decimal> {
        self?.checked_add(other?)
    }
    fn times(self, other: Option<Decimal>) -> Option<Decimal> {
        self?.checked_mul(other?)
    }
    fn divided_by(self, other: Option<Decimal>) -> Option<Decimal> {
        self?.checked_div(other?)
    }
}

/// Day weighting (MODEL.md §1), the one place it is written: a year's pieces
/// `(days_i, v_i)`, in date order, are worth `(sum of days_i * v_i) /
/// days_in_year`, each value weighing the share of the year it is in force.
pub fn day_weighted<T: DayArithmetic>(pieces: impl IntoIterator<Item = (i64, T)>, days_in_year: i64) -> T {
    let mut total = T::from_days(0);
    for (days, value) in pieces {
        total = total.plus(T::from_days(days).times(value));
    }
    total.divided_by(T::from_days(days_in_year))
}

/// The four levers a practice of one kind faces under one policy, per year.
#[derive(Clone, Debug, PartialEq)]
pub struct KindLevers {
    /// Indexed by projected year (0 is `start_year`).
    pub years: Vec<YearLevers>,
}

/// One year of each lever.
#[derive(Clone, Debug, PartialEq)]
pub struct YearLevers {
    /// Sequestration rate `q_t`.
    pub sequestration: YearValue,
    /// Medicare update `u_t` (before the -0.99 clamp).
    pub medicare_update: YearValue,
    /// FFS add-on `a_t`.
    pub medicare_add_on: YearValue,
    /// Relief dollars `r_t`.
    pub relief: YearValue,
}

/// Every policy resolved for every practice kind of a scenario.
#[derive(Clone, Debug)]
pub struct Resolution {
    kinds: Vec<String>,
    /// `[policy][kind]`.
    table: Vec<Vec<KindLevers>>,
}

impl Resolution {
    /// The levers of policy `policy` (index into `scenario.policies`) for `kind`.
    pub fn levers(&self, policy: usize, kind: &str) -> Option<&KindLevers> {
        let k = self.kinds.iter().position(|x| x == kind)?;
        self.table.get(policy)?.get(k)
    }
}

/// The lever schedules of `policy` for practices of `kind`, built from the root
/// ancestor down, each level applying its general value then its `for_kinds`
/// value (MODEL.md §1); indexed by [`Lever::index`].
pub fn schedules(scenario: &Scenario, policy: usize, kind: &str) -> [Schedule; Lever::COUNT] {
    let mut chain = vec![policy];
    while let Some(base) = scenario.policies[chain[chain.len() - 1]].base {
        if chain.contains(&base) {
            break; // validation rejects cycles; never loop on one.
        }
        chain.push(base);
    }
    let mut schedules = Lever::ALL.map(|_| Schedule::constant(LeverValue::Rate(Decimal::ZERO)));
    for &level in chain.iter().rev() {
        let def = &scenario.policies[level];
        let for_kind = def.for_kinds.iter().filter(|(k, _)| k == kind).map(|(_, set)| set);
        for set in std::iter::once(&def.general).chain(for_kind) {
            for (lever, input) in &set.levers {
                schedules[lever.index()].apply(input);
            }
        }
    }
    schedules
}

/// Resolves every policy for every practice kind over the scenario's horizon.
pub fn resolve(scenario: &Scenario) -> Resolution {
    let kinds = scenario.kinds();
    let table = (0..scenario.policies.len())
        .map(|policy| {
            kinds
                .iter()
                .map(|kind| {
                    let [seq, update, add_on, relief] = schedules(scenario, policy, kind);
                    let years = scenario
                        .calendar_years()
                        .map(|year| YearLevers {
                            sequestration: seq.year(year),
                            medicare_update: update.year(year),
                            medicare_add_on: add_on.year(year),
                            relief: relief.year(year),
                        })
                        .collect();
                    KindLevers { years }
                })
                .collect()
        })
        .collect();
    Resolution { kinds, table }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    fn rate(text: &str) -> LeverValue {
        LeverValue::Rate(dec(text))
    }

    #[test]
    fn model_md_2022_example_is_day_weighted() {
        let mut s = Schedule::constant(rate("0"));
        s.apply(&LeverInput::Dated(vec![
            (date("2013-04-01"), rate("0.02")),
            (date("2020-05-01"), rate("0.0")),
            (date("2022-04-01"), rate("0.01")),
            (date("2022-07-01"), rate("0.02")),
        ]));
        // (90*0 + 91*0.01 + 184*0.02) / 365 = 4.59 / 365
        let expected = dec("4.59") / dec("365");
        assert_eq!(s.year(2022).weighted(Decimal::ZERO), Some(expected));
        // 2013: 90 days at 0, 275 days at 0.02.
        assert_eq!(s.year(2013).weighted(Decimal::ZERO), Some(dec("5.50") / dec("365")));
        assert_eq!(s.year(2023).weighted(Decimal::ZERO), Some(dec("0.02")));
        assert_eq!(s.year(2012).weighted(Decimal::ZERO), Some(Decimal::ZERO));
    }

    #[test]
    fn leap_years_weigh_366_days() {
        let mut s = Schedule::constant(rate("0.02"));
        s.apply(&LeverInput::Dated(vec![(date("2024-03-01"), rate("0"))]));
        // Jan 31 + Feb 29 = 60 days at 0.02, 306 days at 0, over 366.
        assert_eq!(s.year(2024).weighted(Decimal::ZERO), Some(dec("1.20") / dec("366")));
        let segments = &s.year(2024).segments;
        assert_eq!(segments[0].0 + segments[1].0, 366);
    }

    #[test]
    fn replacement_keeps_earlier_keys_and_drops_later_ones() {
        let mut s = Schedule::constant(rate("0"));
        s.apply(&LeverInput::Dated(vec![(date("2026-01-01"), rate("0.0025")), (date("2030-01-01"), rate("0.01"))]));
        s.apply(&LeverInput::Dated(vec![(date("2028-01-01"), rate("0.005"))]));
        assert_eq!(s.value_on(date("2027-06-01")), rate("0.0025"));
        assert_eq!(s.value_on(date("2031-06-01")), rate("0.005"));
        // A scalar replaces everything.
        s.apply(&LeverInput::Scalar(rate("0.03")));
        assert_eq!(s.value_on(date("2000-01-01")), rate("0.03"));
    }

    #[test]
    fn inherited_scalar_holds_until_the_first_new_key() {
        let mut s = Schedule::constant(rate("0"));
        s.apply(&LeverInput::Scalar(rate("0.02")));
        s.apply(&LeverInput::Dated(vec![(date("2027-01-01"), rate("0"))]));
        assert_eq!(s.value_on(date("2026-12-31")), rate("0.02"));
        assert_eq!(s.value_on(date("2027-01-01")), rate("0"));
    }

    #[test]
    fn mei_pieces_mix_linearly() {
        let mut s = Schedule::constant(rate("0.0025"));
        s.apply(&LeverInput::Dated(vec![(date("2027-07-01"), LeverValue::Mei { offset: dec("-0.005") })]));
        let year = s.year(2027);
        // 181 days at 0.0025, 184 days at mei - 0.005; with mei = 0.03:
        // (181*0.0025 + 184*0.025) / 365 = (0.4525 + 4.6) / 365.
        assert_eq!(year.weighted(dec("0.03")), Some(dec("5.0525") / dec("365")));
        let (constant, weight) = year.linear().unwrap();
        assert_eq!(weight, dec("184") / dec("365"));
        let via_linear = constant + weight * dec("0.03");
        assert!((via_linear - dec("5.0525") / dec("365")).abs() < dec("1e-25"));
    }

    const CHAIN: &str = r#"
name: chain
horizon: {start_year: 2027, years: 6}
simulation: {paths: 10, seed: 1}
drivers:
  labor_inflation: 0.03
  supply_inflation: 0.03
  other_inflation: 0.03
  commercial_rate_growth: 0.03
  medicaid_rate_growth: 0.01
  ma_shift: 0.02
  mei: 0.028
  volume_growth: 0.0
practices:
  - {id: c, kind: clinic, count: 1, revenue: {medicare_ffs: 1, medicare_advantage: 0, medicaid: 0, commercial: 0, other: 0}, costs: {labor: 1, supplies: 0, other: 0}, variable_cost_share: 0, cash: 0, medicare: {basis: fee_schedule}}
  - {id: h, kind: hospital, count: 1, revenue: {medicare_ffs: 1, medicare_advantage: 0, medicaid: 0, commercial: 0, other: 0}, costs: {labor: 1, supplies: 0, other: 0}, variable_cost_share: 0, cash: 0, medicare: {basis: fee_schedule}}
baseline: root
policies:
  root:
    sequestration: 0.02
    medicare_update: {2026: 0.0025}
  middle:
    base: root
    medicare_update: {2031: 0.03}
    for_kinds:
      clinic: {medicare_update: {2030: 0.025}, relief: 1000}
  leaf:
    base: middle
    sequestration: {2029: 0.0}
"#;

    #[test]
    fn each_lever_fills_its_own_schedule() {
        let leaf = "  leaf:\n    base: middle\n    sequestration: {2029: 0.0}\n";
        let text = CHAIN.replace(leaf, "  leaf:\n    base: middle\n    medicare_add_on: 0.05\n");
        let (scenario, diagnostics) = crate::scenario::parse_str(&text);
        let scenario = scenario.unwrap_or_else(|| panic!("{diagnostics:?}"));
        let [sequestration, update, add_on, relief] = schedules(&scenario, 2, "hospital");
        let day = date("2031-06-01");
        // root's 0.02, middle's general 0.03 from 2031, leaf's 0.05, nobody's relief.
        assert_eq!(sequestration.value_on(day), rate("0.02"));
        assert_eq!(update.value_on(day), rate("0.03"));
        assert_eq!(add_on.value_on(day), rate("0.05"));
        assert_eq!(relief.value_on(day), rate("0"));
    }

    #[test]
    fn for_kinds_apply_after_each_level_general_value() {
        let (scenario, diagnostics) = crate::scenario::parse_str(CHAIN);
        let scenario = scenario.unwrap_or_else(|| panic!("{diagnostics:?}"));
        let resolution = resolve(&scenario);
        let update = |policy: usize, kind: &str, year: usize| {
            resolution.levers(policy, kind).unwrap().years[year].medicare_update.weighted(Decimal::ZERO).unwrap()
        };
        // Clinics: 0.0025 until 2029, then 0.025 from 2030 on, never 0.03.
        assert_eq!(update(1, "clinic", 2), dec("0.0025"));
        assert_eq!(update(1, "clinic", 3), dec("0.025"));
        assert_eq!(update(1, "clinic", 5), dec("0.025"));
        // Hospitals get the general 0.03 from 2031 on.
        assert_eq!(update(1, "hospital", 3), dec("0.0025"));
        assert_eq!(update(1, "hospital", 4), dec("0.03"));
        // The leaf inherits both and changes only sequestration from 2029.
        assert_eq!(update(2, "clinic", 4), dec("0.025"));
        let seq = |policy: usize, year: usize| {
            resolution.levers(policy, "hospital").unwrap().years[year].sequestration.weighted(Decimal::ZERO).unwrap()
        };
        assert_eq!(seq(2, 1), dec("0.02"));
        assert_eq!(seq(2, 2), dec("0"));
        let relief = resolution.levers(2, "clinic").unwrap().years[0].relief.weighted(Decimal::ZERO);
        assert_eq!(relief, Some(dec("1000")));
        assert_eq!(
            resolution.levers(2, "hospital").unwrap().years[0].relief.weighted(Decimal::ZERO),
            Some(Decimal::ZERO)
        );
    }
}
