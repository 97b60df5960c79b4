//! Small numerical routines shared by validation, the engine and the ledger:
//! the Cholesky factor behind MODEL.md §3's Gaussian copula, in `f64`
//! (correlation coefficients are not money), and [`FloatingDecimal`], the
//! decimal floating point number the point ledger computes in (MODEL.md §4).
//!
//! [`FloatingDecimal`] keeps [`SIGNIFICANT_DIGITS`] (28) significant digits at
//! every magnitude: a 28-digit integer times a power of ten. Each operation
//! computes its exact result in a 256-bit integer and rounds it once, half to
//! even ([`BETWEEN_OPERATIONS`]), which is what Python's `decimal` module does
//! in its default context. A fixed-scale decimal such as `rust_decimal`'s
//! keeps at most 28 digits after the point, so near zero it holds fewer
//! significant digits; this type does not. No binary floating point is used.
//!
//! [`math`] is the one way to transcendental functions (`exp`, `ln`, ...) on
//! any path to a result, and [`special`] builds the copula's distribution
//! functions on it: the same bits on every platform.

pub mod math;
pub mod optimize;
pub mod special;
pub mod stats;

use std::cmp::Ordering;
use std::ops::{Div, Sub};

use rust_decimal::Decimal;

/// `MARGIN = (REV - C) / REV` (MODEL.md §2): the one place a margin is
/// computed, for any number type: `model` (its `Amount`s), the importer,
/// `import::panel` and `backtest` (`Decimal`). The caller makes sure
/// revenue is not zero.
#[inline(always)]
pub fn margin<T: Copy + Sub<Output = T> + Div<Output = T>>(revenue: T, costs: T) -> T {
    (revenue - costs) / revenue
}

/// Lower-triangular Cholesky factor `L` (row-major, `n x n`) of a symmetric
/// matrix, or `None` if the matrix is not positive definite (MODEL.md §3).
pub fn cholesky(matrix: &[f64], n: usize) -> Option<Vec<f64>> {
    if matrix.len() != n * n {
        return None;
    }
    let mut lower = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = matrix[i * n + j];
            for k in 0..j {
                sum -= lower[i * n + k] * lower[j * n + k];
            }
            if i == j {
                // A tiny positive pivot means the matrix is numerically singular.
                if sum.is_nan() || sum <= 1e-10 {
                    return None;
                }
                // sqrt is correctly rounded (IEEE 754): the same bits everywhere.
                lower[i * n + i] = sum.sqrt();
            } else {
                lower[i * n + j] = sum / lower[j * n + j];
            }
        }
    }
    Some(lower)
}

/// The significant digits a [`FloatingDecimal`] keeps at every magnitude
/// (MODEL.md §4: at least 28).
pub const SIGNIFICANT_DIGITS: u32 = 28;

/// The largest power of ten a normalised [`FloatingDecimal`] may carry, either
/// way. Beyond it a result is unavailable rather than rounded to zero or
/// infinity: no ledger value comes near it.
pub const EXPONENT_LIMIT: i64 = 1_000_000;

/// The most decimal places a `rust_decimal::Decimal` holds.
const DECIMAL_PLACES: u32 = 28;

/// How a number with too many digits is brought back to fewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// To the nearest; a tie goes to the even last digit.
    HalfEven,
    /// Toward zero, except that when any dropped digit is not zero the last
    /// kept digit is made odd. Rounding such a result once more, to at least
    /// two fewer digits, gives what rounding the original once would have.
    ToOdd,
}

/// The rounding after every operation (MODEL.md §4: half to even).
pub const BETWEEN_OPERATIONS: Rounding = Rounding::HalfEven;

/// The rounding of a value handed out as a `Decimal` with more than 28
/// decimal places: to odd, so that the output's own rounding (to cents or to
/// 6 places) is the same as rounding the 28-digit value directly, and a
/// nonzero value never becomes zero.
pub const TO_DECIMAL: Rounding = Rounding::ToOdd;

/// `10^SIGNIFICANT_DIGITS`, one more than the largest mantissa.
const MANTISSA_END: u128 = 10u128.pow(SIGNIFICANT_DIGITS);

/// How many digits below the larger operand's last digit an addition keeps
/// exactly; the smaller operand's digits beyond that only decide rounding.
const ADDITION_SPAN: u32 = SIGNIFICANT_DIGITS + 3;

/// A decimal floating point number: `mantissa * 10^exponent`, negated when
/// `negative`, with a mantissa of exactly [`SIGNIFICANT_DIGITS`] digits (or
/// zero, stored as `+0 * 10^0`). Every representation is unique, so the
/// derived equality is numeric equality.
///
/// Operations return `None` when the result would leave the exponent range
/// or divides by zero, so a caller can poison the value instead of panicking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloatingDecimal {
    negative: bool,
    mantissa: u128,
    exponent: i32,
}

impl FloatingDecimal {
    /// Zero.
    pub const ZERO: FloatingDecimal = FloatingDecimal { negative: false, mantissa: 0, exponent: 0 };

    /// `digits * 10^exponent`, negated when `negative`, rounded half to even
    /// to 28 significant digits; `None` outside the exponent range.
    pub fn from_parts(negative: bool, digits: u128, exponent: i32) -> Option<FloatingDecimal> {
        round(negative, Wide::from_u128(digits), i64::from(exponent))
    }

    /// The integer `n`.
    pub fn from_int(n: i64) -> FloatingDecimal {
        // |n| < 2^63 has at most 19 digits: no rounding, no exponent trouble.
        FloatingDecimal::from_parts(n < 0, u128::from(n.unsigned_abs()), 0).unwrap_or(FloatingDecimal::ZERO)
    }

    /// A `Decimal`, rounded half to even if it has 29 significant digits.
    pub fn from_decimal(value: Decimal) -> FloatingDecimal {
        let digits = value.mantissa();
        // The scale is at most 28, far inside the exponent range.
        round(digits < 0, Wide::from_u128(digits.unsigned_abs()), -i64::from(value.scale()))
            .unwrap_or(FloatingDecimal::ZERO)
    }

    /// The value as a `Decimal`: exact when it has at most 28 decimal places,
    /// otherwise rounded to 28 places by [`TO_DECIMAL`]. `None` when it is
    /// beyond `Decimal`'s range (about 7.9e28).
    pub fn to_decimal(self) -> Option<Decimal> {
        let places = -i64::from(self.exponent);
        let (digits, scale) = if places > i64::from(DECIMAL_PLACES) {
            // Dropping 29 digits or more of a 28-digit mantissa leaves the
            // same thing: nothing kept, something dropped.
            let drop = (places - i64::from(DECIMAL_PLACES)).min(i64::from(SIGNIFICANT_DIGITS) + 1);
            let kept = shorten(Wide::from_u128(self.mantissa), u32::try_from(drop).ok()?, TO_DECIMAL)?;
            (kept.to_u128()?, DECIMAL_PLACES)
        } else if places >= 0 {
            (self.mantissa, u32::try_from(places).ok()?)
        } else {
            let power = 10u128.checked_pow(u32::try_from(-places).ok()?)?;
            (self.mantissa.checked_mul(power)?, 0)
        };
        let magnitude = i128::try_from(digits).ok()?;
        let signed = if self.negative { -magnitude } else { magnitude };
        Decimal::try_from_i128_with_scale(signed, scale).ok()
    }

    /// True for zero.
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// The value with its sign flipped.
    pub fn negated(self) -> FloatingDecimal {
        if self.is_zero() {
            self
        } else {
            FloatingDecimal { negative: !self.negative, ..self }
        }
    }

    /// `self + other`, rounded half to even.
    pub fn checked_add(self, other: FloatingDecimal) -> Option<FloatingDecimal> {
        if other.is_zero() {
            return Some(self);
        }
        if self.is_zero() {
            return Some(other);
        }
        let (large, small) = if self.exponent >= other.exponent { (self, other) } else { (other, self) };
        let gap = i64::from(large.exponent) - i64::from(small.exponent);
        let shift = u32::try_from(gap.min(i64::from(ADDITION_SPAN))).ok()?;
        // The smaller operand's digits beyond the span cannot change any digit
        // the sum keeps: truncate them, remembering whether any was not zero.
        let dropped = gap - i64::from(shift);
        let (small_kept, small_rest) = if dropped == 0 {
            (small.mantissa, false)
        } else if dropped >= i64::from(SIGNIFICANT_DIGITS) {
            (0, true)
        } else {
            let power = 10u128.pow(u32::try_from(dropped).ok()?);
            (small.mantissa / power, small.mantissa % power != 0)
        };
        // One extra digit below both: a 1 there stands for the dropped rest,
        // which lies strictly between two multiples of ten in these units and
        // so on the same side of every rounding boundary as the true sum.
        let large_digits = Wide::product(large.mantissa, 10u128.pow(shift + 1));
        let small_digits = Wide::from_u128(small_kept * 10 + u128::from(small_rest));
        let (negative, digits) = if large.negative == small.negative {
            (large.negative, large_digits.checked_add(small_digits)?)
        } else if large_digits >= small_digits {
            (large.negative, large_digits.minus(small_digits))
        } else {
            (small.negative, small_digits.minus(large_digits))
        };
        round(negative, digits, i64::from(large.exponent) - i64::from(shift) - 1)
    }

    /// `self - other`, rounded half to even.
    pub fn checked_sub(self, other: FloatingDecimal) -> Option<FloatingDecimal> {
        self.checked_add(other.negated())
    }

    /// `self * other`, rounded half to even.
    pub fn checked_mul(self, other: FloatingDecimal) -> Option<FloatingDecimal> {
        round(
            self.negative != other.negative,
            Wide::product(self.mantissa, other.mantissa),
            i64::from(self.exponent) + i64::from(other.exponent),
        )
    }

    /// `self / other`, rounded half to even; `None` when `other` is zero.
    pub fn checked_div(self, other: FloatingDecimal) -> Option<FloatingDecimal> {
        if other.is_zero() {
            return None;
        }
        if self.is_zero() {
            return Some(FloatingDecimal::ZERO);
        }
        // 28 digits times 10^29 over 28 digits: a quotient of 29 or 30 digits,
        // then one more digit that is 1 when the division left a remainder.
        let shift = SIGNIFICANT_DIGITS + 1;
        let (quotient, remainder) = Wide::product(self.mantissa, 10u128.pow(shift)).div_rem(other.mantissa);
        let digits = quotient.times_ten_plus(u64::from(remainder != 0))?;
        round(
            self.negative != other.negative,
            digits,
            i64::from(self.exponent) - i64::from(other.exponent) - i64::from(shift) - 1,
        )
    }
}

impl Ord for FloatingDecimal {
    fn cmp(&self, other: &FloatingDecimal) -> Ordering {
        let sign = |x: &FloatingDecimal| match (x.is_zero(), x.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        let by_sign = sign(self).cmp(&sign(other));
        if by_sign != Ordering::Equal {
            return by_sign;
        }
        // Same sign; normalised mantissas make the exponent decide first.
        let by_size = (self.exponent, self.mantissa).cmp(&(other.exponent, other.mantissa));
        if self.negative {
            by_size.reverse()
        } else {
            by_size
        }
    }
}

impl PartialOrd for FloatingDecimal {
    fn partial_cmp(&self, other: &FloatingDecimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for FloatingDecimal {
    /// Scientific notation with all 28 digits, e.g. `-5.966...E+19`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_zero() {
            return write!(f, "0");
        }
        let digits = self.mantissa.to_string();
        let (first, rest) = digits.split_at(1);
        let power = i64::from(self.exponent) + i64::from(SIGNIFICANT_DIGITS) - 1;
        let sign = if self.negative { "-" } else { "" };
        write!(f, "{sign}{first}.{rest}E{power:+}")
    }
}

/// `digits * 10^exponent` (negated when `negative`) rounded half to even to
/// [`SIGNIFICANT_DIGITS`] and normalised; `None` outside the exponent range.
fn round(negative: bool, digits: Wide, exponent: i64) -> Option<FloatingDecimal> {
    if digits.is_zero() {
        return Some(FloatingDecimal::ZERO);
    }
    let count = digits.digit_count();
    let (mantissa, exponent) = if count > SIGNIFICANT_DIGITS {
        let dropped = count - SIGNIFICANT_DIGITS;
        let kept = shorten(digits, dropped, BETWEEN_OPERATIONS)?.to_u128()?;
        let exponent = exponent + i64::from(dropped);
        // 99...9 rounded up is 10^28: one digit too many.
        if kept == MANTISSA_END {
            (MANTISSA_END / 10, exponent + 1)
        } else {
            (kept, exponent)
        }
    } else {
        let padding = SIGNIFICANT_DIGITS - count;
        (digits.to_u128()?.checked_mul(10u128.pow(padding))?, exponent - i64::from(padding))
    };
    if exponent.abs() > EXPONENT_LIMIT {
        return None;
    }
    Some(FloatingDecimal { negative, mantissa, exponent: i32::try_from(exponent).ok()? })
}

/// `digits / 10^count` rounded by `rounding`.
fn shorten(digits: Wide, count: u32, rounding: Rounding) -> Option<Wide> {
    if count == 0 {
        return Some(digits);
    }
    // Drop all but the last of the `count` digits, noting whether any was not zero.
    let mut rest = digits;
    let mut dropped_nonzero = false;
    let mut left = count - 1;
    while left > 0 {
        let step = left.min(19);
        let (quotient, remainder) = rest.div_rem_small(10u64.pow(step));
        rest = quotient;
        dropped_nonzero |= remainder != 0;
        left -= step;
    }
    let (kept, last) = rest.div_rem_small(10);
    let odd = kept.0[0] & 1 == 1;
    let up = match rounding {
        Rounding::HalfEven => last > 5 || (last == 5 && (dropped_nonzero || odd)),
        Rounding::ToOdd => (last != 0 || dropped_nonzero) && !odd,
    };
    if up {
        kept.checked_add(Wide::from_u128(1))
    } else {
        Some(kept)
    }
}

/// An unsigned 256-bit integer, four 64-bit limbs, least significant first:
/// room for the exact product of two mantissas and for an addition's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide([u64; 4]);

impl Wide {
    fn from_u128(value: u128) -> Wide {
        Wide([value as u64, (value >> 64) as u64, 0, 0])
    }

    /// The value if it fits 128 bits.
    fn to_u128(self) -> Option<u128> {
        if self.0[2] == 0 && self.0[3] == 0 {
            Some(u128::from(self.0[0]) | (u128::from(self.0[1]) << 64))
        } else {
            None
        }
    }

    fn is_zero(self) -> bool {
        self.0 == [0; 4]
    }

    /// `a * b`, exact.
    fn product(a: u128, b: u128) -> Wide {
        let x = [a as u64, (a >> 64) as u64];
        let y = [b as u64, (b >> 64) as u64];
        let mut limbs = [0u64; 4];
        for i in 0..2 {
            let mut carry = 0u128;
            for j in 0..2 {
                // At most (2^64-1)^2 + 2 (2^64-1) = 2^128 - 1: no overflow.
                let t = u128::from(x[i]) * u128::from(y[j]) + u128::from(limbs[i + j]) + carry;
                limbs[i + j] = t as u64;
                carry = t >> 64;
            }
            limbs[i + 2] = carry as u64;
        }
        Wide(limbs)
    }

    fn checked_add(self, other: Wide) -> Option<Wide> {
        let mut limbs = [0u64; 4];
        let mut carry = false;
        for (i, limb) in limbs.iter_mut().enumerate() {
            let (sum, c1) = self.0[i].overflowing_add(other.0[i]);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = c1 || c2;
        }
        if carry {
            None
        } else {
            Some(Wide(limbs))
        }
    }

    /// `self - other` for `self >= other`.
    fn minus(self, other: Wide) -> Wide {
        let mut limbs = [0u64; 4];
        let mut borrow = false;
        for (i, limb) in limbs.iter_mut().enumerate() {
            let (difference, b1) = self.0[i].overflowing_sub(other.0[i]);
            let (difference, b2) = difference.overflowing_sub(u64::from(borrow));
            *limb = difference;
            borrow = b1 || b2;
        }
        Wide(limbs)
    }

    /// `10 * self + digit`, `None` past 256 bits.
    fn times_ten_plus(self, digit: u64) -> Option<Wide> {
        let mut limbs = [0u64; 4];
        let mut carry = u128::from(digit);
        for (i, limb) in limbs.iter_mut().enumerate() {
            let t = u128::from(self.0[i]) * 10 + carry;
            *limb = t as u64;
            carry = t >> 64;
        }
        if carry == 0 {
            Some(Wide(limbs))
        } else {
            None
        }
    }

    /// Quotient and remainder by a nonzero 64-bit divisor.
    fn div_rem_small(self, divisor: u64) -> (Wide, u64) {
        let divisor = u128::from(divisor.max(1));
        let mut limbs = [0u64; 4];
        let mut remainder = 0u128;
        // Limbs above the highest nonzero one give zero quotient limbs.
        let top = (0..4).rev().find(|&i| self.0[i] != 0).map_or(0, |i| i + 1);
        for i in (0..top).rev() {
            let current = (remainder << 64) | u128::from(self.0[i]);
            limbs[i] = (current / divisor) as u64;
            remainder = current % divisor;
        }
        (Wide(limbs), remainder as u64)
    }

    /// Quotient and remainder by a nonzero divisor below 2^127, bit by bit.
    fn div_rem(self, divisor: u128) -> (Wide, u128) {
        let divisor = divisor.max(1);
        let mut limbs = [0u64; 4];
        let mut remainder = 0u128;
        for bit in (0..self.bit_length()).rev() {
            // remainder < divisor < 2^127, so doubling it cannot overflow.
            remainder = (remainder << 1) | u128::from((self.0[bit / 64] >> (bit % 64)) & 1);
            if remainder >= divisor {
                remainder -= divisor;
                limbs[bit / 64] |= 1 << (bit % 64);
            }
        }
        (Wide(limbs), remainder)
    }

    /// The number of bits up to the highest one (0 for zero).
    fn bit_length(self) -> usize {
        (0..4).rev().find(|&i| self.0[i] != 0).map_or(0, |i| 64 * i + 64 - self.0[i].leading_zeros() as usize)
    }

    /// The number of decimal digits (0 for zero).
    fn digit_count(self) -> u32 {
        let mut rest = self;
        let mut count = 0;
        loop {
            if let Some(small) = rest.to_u128() {
                return count + small.checked_ilog10().map_or(0, |log| log + 1);
            }
            rest = rest.div_rem_small(10u64.pow(19)).0;
            count += 19;
        }
    }
}

impl PartialOrd for Wide {
    fn partial_cmp(&self, other: &Wide) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Wide {
    fn cmp(&self, other: &Wide) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_margin_is_revenue_less_costs_over_revenue_in_any_number_type() {
        // (100 - 105) / 100 = -0.05 exactly in Decimal; (8 - 6) / 8 = 0.25 in f64.
        assert_eq!(margin(Decimal::from(100), Decimal::from(105)), Decimal::new(-5, 2));
        assert_eq!(margin(8.0, 6.0), 0.25);
    }

    #[test]
    fn factors_a_two_by_two_correlation() {
        // [[1, 0.6], [0.6, 1]] = L L^T with L = [[1, 0], [0.6, 0.8]].
        let lower = cholesky(&[1.0, 0.6, 0.6, 1.0], 2).unwrap();
        assert_eq!(lower[0], 1.0);
        assert!((lower[2] - 0.6).abs() < 1e-15);
        assert!((lower[3] - 0.8).abs() < 1e-15);
    }

    #[test]
    fn rejects_matrices_that_are_not_positive_definite() {
        // rho(a,b) = rho(b,c) = 0.9 with rho(a,c) = -0.9 is impossible.
        let m = [1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0];
        assert!(cholesky(&m, 3).is_none());
    }

    /// `digits * 10^exponent`, negated when `negative`.
    fn number(negative: bool, digits: u128, exponent: i32) -> FloatingDecimal {
        FloatingDecimal::from_parts(negative, digits, exponent).unwrap()
    }

    fn int(n: i64) -> FloatingDecimal {
        FloatingDecimal::from_int(n)
    }

    #[test]
    fn a_value_near_1e_minus_14_keeps_28_digits_through_multiply_and_divide() {
        // Python: getcontext().prec = 28 (rounding ROUND_HALF_EVEN);
        // x = Decimal('1.234567890123456789012345678E-14')
        // x*3 = 3.703703670370370367037037034E-14; /7 = 5.291005243386243381481481477E-15
        // (x*3/7)*x = 6.532105179959501464498007803E-29; that / x = 5.291005243386243381481481477E-15
        // (A fixed-scale Decimal keeps 28 places: 14 significant digits of x.)
        let x = number(false, 1_234_567_890_123_456_789_012_345_678, -41);
        let tripled = x.checked_mul(int(3)).unwrap();
        assert_eq!(tripled, number(false, 3_703_703_670_370_370_367_037_037_034, -41));
        let seventh = tripled.checked_div(int(7)).unwrap();
        assert_eq!(seventh, number(false, 5_291_005_243_386_243_381_481_481_477, -42));
        let square = seventh.checked_mul(x).unwrap();
        assert_eq!(square, number(false, 6_532_105_179_959_501_464_498_007_803, -56));
        assert_eq!(square.checked_div(x).unwrap(), seventh);
        assert_eq!(seventh.to_string(), "5.291005243386243381481481477E-15");
        // 2/3 and -1/7 * 1e-20, rounded half to even at the 28th digit.
        assert_eq!(int(2).checked_div(int(3)).unwrap(), number(false, 6_666_666_666_666_666_666_666_666_667, -28));
        let tiny = int(-1).checked_div(int(7)).unwrap().checked_mul(number(false, 1, -20)).unwrap();
        assert_eq!(tiny, number(true, 1_428_571_428_571_428_571_428_571_429, -48));
    }

    #[test]
    fn ties_round_half_to_even_between_operations() {
        let odd = number(false, 1_000_000_000_000_000_000_000_000_001, 0);
        let even = number(false, 1_000_000_000_000_000_000_000_000_002, 0);
        let half = number(false, 5, -1);
        // ...001.5 and ...002.5 both go to ...002.
        assert_eq!(odd.checked_add(half).unwrap(), even);
        assert_eq!(even.checked_add(half).unwrap(), even);
        // 2000...001 * 5 = 10000...005 (29 digits): to ...000; 2000...003 * 5 = 10000...015: to ...002.
        let ties = [(1, 1_000_000_000_000_000_000_000_000_000), (3, 1_000_000_000_000_000_000_000_000_002)];
        for (last, expected) in ties {
            let factor = number(false, 2_000_000_000_000_000_000_000_000_000 + last, 0);
            assert_eq!(factor.checked_mul(int(5)).unwrap(), number(false, expected, 1));
            // 2000...001 / 2 = 1000...000.5: to ...000; 2000...003 / 2 = 1000...001.5: to ...002.
            assert_eq!(factor.checked_div(int(2)).unwrap(), number(false, expected, 0));
        }
        // Not a tie when digits beyond the half are not zero, however far down:
        // ...002 + 0.5000000000000000000000000001 = ...003; ...002 - it = ...001.
        let above_half = number(false, 5_000_000_000_000_000_000_000_000_001, -28);
        assert_eq!(even.checked_add(above_half).unwrap(), number(false, 1_000_000_000_000_000_000_000_000_003, 0));
        assert_eq!(even.checked_sub(above_half).unwrap(), odd);
        // 1e27 - 1e-40 = 999...9.99...9 (67 nines) rounds back to 1e27; 1e27 + 1e-40 stays 1e27.
        let large = number(false, 1, 27);
        let far_below = number(false, 1, -40);
        assert_eq!(large.checked_sub(far_below).unwrap(), large);
        assert_eq!(large.checked_add(far_below).unwrap(), large);
        assert_eq!(far_below.checked_sub(large).unwrap(), large.negated());
        assert_eq!(BETWEEN_OPERATIONS, Rounding::HalfEven);
    }

    #[test]
    fn overflow_underflow_and_division_by_zero_are_unavailable_not_panics() {
        let mut huge = number(false, 1, 100);
        let mut minute = number(false, 1, -100);
        for _ in 0..13 {
            huge = huge.checked_mul(huge).unwrap();
            minute = minute.checked_mul(minute).unwrap();
        }
        // 1e819200 squared leaves the exponent range either way: no infinity, no zero.
        assert_eq!(huge.checked_mul(huge), None);
        assert_eq!(minute.checked_mul(minute), None);
        assert_eq!(huge.checked_div(minute), None);
        assert_eq!(int(1).checked_div(FloatingDecimal::ZERO), None);
        assert_eq!(FloatingDecimal::ZERO.checked_div(FloatingDecimal::ZERO), None);
        assert_eq!(FloatingDecimal::from_parts(false, 1, i32::MAX), None);
        assert_eq!(FloatingDecimal::from_parts(true, u128::MAX, i32::MIN), None);
        // Beyond Decimal's range at output; the 29-digit Decimal::MAX rounds up past it.
        assert_eq!(number(false, 1, 29).to_decimal(), None);
        assert_eq!(huge.to_decimal(), None);
        assert_eq!(FloatingDecimal::from_decimal(Decimal::MAX).to_decimal(), None);
    }

    #[test]
    fn converts_to_decimal_exactly_or_rounded_to_odd_at_28_places() {
        let value = |text: &str| text.parse::<Decimal>().unwrap();
        assert_eq!(FloatingDecimal::from_decimal(value("-123.45")).to_decimal(), Some(value("-123.45")));
        assert_eq!(number(true, 5, 27).to_decimal(), Some(value("-5000000000000000000000000000")));
        // 1.234567890123456789012345678E-14: 42 places, to odd at 28 (..1234|5678 -> ..1235).
        assert_eq!(
            number(false, 1_234_567_890_123_456_789_012_345_678, -41).to_decimal(),
            Some(value("0.0000000000000123456789012345"))
        );
        // A nonzero value never becomes zero; a dropped exact tail changes nothing.
        assert_eq!(number(true, 1, -40).to_decimal(), Some(value("-0.0000000000000000000000000001")));
        assert_eq!(number(false, 25, -30).to_decimal(), Some(value("0.0000000000000000000000000001")));
        assert_eq!(number(false, 200, -30).to_decimal(), Some(value("0.0000000000000000000000000002")));
        assert_eq!(FloatingDecimal::ZERO.to_decimal(), Some(Decimal::ZERO));
    }

    #[test]
    fn orders_by_value() {
        let values = [
            number(true, 1, 30),
            int(-2),
            number(true, 1, -30),
            FloatingDecimal::ZERO,
            number(false, 1, -30),
            number(false, 3, -1),
            int(1),
            number(false, 1, 30),
        ];
        for pair in values.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(int(-3).negated(), int(3));
        assert_eq!(FloatingDecimal::ZERO.negated(), FloatingDecimal::ZERO);
        assert_eq!(int(7).checked_sub(int(7)).unwrap(), FloatingDecimal::ZERO);
    }
}
