//! Several paths side by side: [`Lanes`] holds one `f64` per path and
//! implements [`Amount`] element by element, so the engine runs MODEL.md §2
//! (`model::step`, written once) on [`LANES`] paths at a time and the
//! compiler turns each operation into one vector instruction.
//!
//! Every operation is the scalar IEEE operation applied to each lane, so a
//! lane's value is bit-for-bit what `f64` arithmetic gives for that path.

use std::ops::{Add, AddAssign, BitOr, Div, Mul, Sub};

use crate::model::{Amount, Indices};

/// Paths evaluated side by side (four `f64`: one AVX register, two SSE2 registers).
pub const LANES: usize = 4;

/// One `f64` per path.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(32))]
pub struct Lanes(pub [f64; LANES]);

/// One comparison result per path, held as `1.0` (true) or `0.0` (false) so
/// that comparing, combining and counting flags stay vector operations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(32))]
pub struct LaneFlags([f64; LANES]);

impl Lanes {
    /// Every lane `value`.
    #[inline(always)]
    pub fn splat(value: f64) -> Lanes {
        Lanes([value; LANES])
    }

    #[inline(always)]
    fn zip(self, other: Lanes, f: impl Fn(f64, f64) -> f64) -> Lanes {
        Lanes(std::array::from_fn(|i| f(self.0[i], other.0[i])))
    }

    /// The lanes' total, added in a fixed tree: `(l0 + l1) + (l2 + l3)`.
    #[inline(always)]
    pub fn total(self) -> f64 {
        let [a, b, c, d] = self.0;
        (a + b) + (c + d)
    }

    /// Lanes at and above `valid` set to zero (a chunk's last, partly filled group of paths).
    #[inline(always)]
    pub fn first(self, valid: usize) -> Lanes {
        Lanes(std::array::from_fn(|i| if i < valid { self.0[i] } else { 0.0 }))
    }
}

impl LaneFlags {
    /// Flags from one `bool` per lane.
    #[cfg(test)]
    pub fn new(flags: [bool; LANES]) -> LaneFlags {
        LaneFlags(flags.map(|f| f64::from(u8::from(f))))
    }

    /// 1 where the flag is set, 0 elsewhere.
    #[inline(always)]
    pub fn ones(self) -> Lanes {
        Lanes(self.0)
    }

    /// Whether the flag of lane `lane` is set.
    #[cfg(test)]
    pub fn get(self, lane: usize) -> bool {
        self.0[lane] != 0.0
    }
}

impl Indices<Lanes> {
    /// Puts one path's indices into lane `lane`.
    #[inline(always)]
    pub(crate) fn set_lane(&mut self, lane: usize, idx: &Indices<f64>) {
        self.volume.0[lane] = idx.volume;
        self.commercial_price.0[lane] = idx.commercial_price;
        self.medicaid_price.0[lane] = idx.medicaid_price;
        self.ma_moved.0[lane] = idx.ma_moved;
        self.labor.0[lane] = idx.labor;
        self.supplies.0[lane] = idx.supplies;
        self.other.0[lane] = idx.other;
    }
}

impl Add for Lanes {
    type Output = Lanes;
    #[inline(always)]
    fn add(self, other: Lanes) -> Lanes {
        self.zip(other, |a, b| a + b)
    }
}

impl AddAssign for Lanes {
    #[inline(always)]
    fn add_assign(&mut self, other: Lanes) {
        *self = *self + other;
    }
}

impl Sub for Lanes {
    type Output = Lanes;
    #[inline(always)]
    fn sub(self, other: Lanes) -> Lanes {
        self.zip(other, |a, b| a - b)
    }
}

impl Mul for Lanes {
    type Output = Lanes;
    #[inline(always)]
    fn mul(self, other: Lanes) -> Lanes {
        self.zip(other, |a, b| a * b)
    }
}

impl Div for Lanes {
    type Output = Lanes;
    #[inline(always)]
    fn div(self, other: Lanes) -> Lanes {
        self.zip(other, |a, b| a / b)
    }
}

impl BitOr for LaneFlags {
    type Output = LaneFlags;
    #[inline(always)]
    fn bitor(self, other: LaneFlags) -> LaneFlags {
        // 1.0 | 1.0 = 1.0 | 0.0 = 1.0 and 0.0 | 0.0 = 0.0 bit for bit.
        LaneFlags(std::array::from_fn(|i| f64::from_bits(self.0[i].to_bits() | other.0[i].to_bits())))
    }
}

impl Amount for Lanes {
    type Flag = LaneFlags;
    #[inline(always)]
    fn from_int(n: i64) -> Lanes {
        Lanes::splat(n as f64)
    }
    #[inline(always)]
    fn max_of(self, other: Lanes) -> Lanes {
        self.zip(other, f64::max)
    }
    #[inline(always)]
    fn min_of(self, other: Lanes) -> Lanes {
        self.zip(other, f64::min)
    }
    #[inline(always)]
    fn less_than(self, other: Lanes) -> LaneFlags {
        LaneFlags(std::array::from_fn(|i| if self.0[i] < other.0[i] { 1.0 } else { 0.0 }))
    }
    #[inline(always)]
    fn no() -> LaneFlags {
        LaneFlags([0.0; LANES])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::terms;
    use crate::model::{self, Indices, Levers, Payment, PolicyState};

    /// Each lane of a lane-wise step is bit-identical to the scalar step on that lane's inputs.
    #[test]
    fn lanes_agree_with_scalar_steps_bit_for_bit() {
        for payment in [Payment::FeeSchedule, Payment::CostBased] {
            let scalar_terms = terms(payment);
            let lane_terms = scalar_terms.map(Lanes::splat);
            let volumes = [0.7, 1.0, 1.13, 1.9];
            let updates = [-0.5, 0.0, 0.023, 0.31];
            let cash = [-5000.0, 0.0, 100.0, 1e9];
            let mut lane_idx = Indices::<Lanes>::base();
            lane_idx.volume = Lanes(volumes);
            lane_idx.ma_moved = Lanes([0.0, 0.1, 0.2, 0.9]);
            let lane_levers = Levers {
                sequestration: Lanes::splat(0.02),
                medicare_update: Lanes(updates),
                add_on: Lanes::splat(0.01),
                relief: Lanes::splat(3.0),
            };
            let mut lane_state = PolicyState::opening(&lane_terms);
            lane_state.cash = Lanes(cash);
            let lanes = model::step(&lane_terms, &model::basis(&lane_terms, &lane_idx), &lane_levers, &mut lane_state);
            for i in 0..LANES {
                let mut idx = Indices::<f64>::base();
                idx.volume = volumes[i];
                idx.ma_moved = lane_idx.ma_moved.0[i];
                let levers = Levers { sequestration: 0.02, medicare_update: updates[i], add_on: 0.01, relief: 3.0 };
                let mut state = PolicyState::opening(&scalar_terms);
                state.cash = cash[i];
                let one = model::step(&scalar_terms, &model::basis(&scalar_terms, &idx), &levers, &mut state);
                assert_eq!(lanes.margin.0[i].to_bits(), one.margin.to_bits());
                assert_eq!(lanes.cash.0[i].to_bits(), one.cash.to_bits());
                assert_eq!(lanes.days_cash.0[i].to_bits(), one.days_cash.to_bits());
                assert_eq!(lanes.cut_cum.0[i].to_bits(), one.cut_cum.to_bits());
                assert_eq!(lanes.distress.get(i), one.distress);
                assert_eq!(lanes.exhausted.get(i), one.exhausted);
                assert_eq!(lane_state.medicare_price.0[i].to_bits(), state.medicare_price.to_bits());
            }
        }
    }

    #[test]
    fn totals_add_in_a_fixed_tree_and_partial_groups_drop_unused_lanes() {
        // (1e16 + 1) + (-1e16 + 1): 1e16 + 1 rounds to 1e16, -1e16 + 1 to -1e16, total 0.
        assert_eq!(Lanes([1e16, 1.0, -1e16, 1.0]).total(), 0.0);
        assert_eq!(Lanes([1.0, 2.0, 3.0, 4.0]).first(2), Lanes([1.0, 2.0, 0.0, 0.0]));
        let flags = LaneFlags::new([true, false, false, true]);
        assert_eq!(flags.ones(), Lanes([1.0, 0.0, 0.0, 1.0]));
        assert_eq!((flags | LaneFlags::new([true, true, false, false])).ones(), Lanes([1.0, 1.0, 0.0, 1.0]));
    }
}
