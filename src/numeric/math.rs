//! The one door to transcendental functions for everything that reaches a
//! result: driver samplers, inverse CDFs, the copula, the model. Each is a
//! pure-Rust port of musl's libm (the `libm` crate), so the same arguments
//! give the same bits on every operating system and CPU.
//!
//! Why not `f64::exp` and its siblings: std's transcendental methods call the
//! platform's C library, and the C library's answer is not fixed. glibc picks
//! an FMA or AVX2 build of `exp`, `log` and `pow` when the CPU has those
//! instructions (`GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA` turns that off,
//! and changed cells of `summary.csv` in their last bits), macOS has its own
//! libm, and a new C library release may change any last bit. `clippy.toml`
//! forbids std's transcendental methods in this crate, so this module stays
//! the only way in.
//!
//! What stays with std, and why it is safe:
//! - `f64::sqrt`: IEEE 754 requires it correctly rounded, and x86-64 and
//!   aarch64 compute it with one instruction, so every platform gives the
//!   same bits. Callers use it directly.
//! - `abs`, `floor`, `ceil`, `round`, `trunc`, `min`, `max`, `clamp`: exact.
//! - `+ - * /` are correctly rounded, and Rust never fuses a multiply and an
//!   add into an FMA unless asked (`mul_add`), whatever `-C target-cpu` says,
//!   so the compiled arithmetic is the same with or without AVX or FMA.
//! - `rust_decimal`'s `to_f64`, which converts every scenario parameter,
//!   scales with `10f64.powi(scale)`. LLVM lowers that to `__powidf2`
//!   (compiler-rt or libgcc: plain repeated squaring, no platform maths), and
//!   powers of ten up to 10^22 are exact in `f64` anyway.
//!
//! `libm`'s own machine-specific code (its `arch` feature) is limited to
//! `sqrt` and `fma`, both exactly rounded by definition; the functions here
//! call neither.

/// `e^x`.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// The natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// The hyperbolic tangent.
#[inline]
pub fn tanh(x: f64) -> f64 {
    libm::tanh(x)
}

/// `x^y`.
#[inline]
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// The complementary error function, `1 - erf(x)`.
#[inline]
pub fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

/// The natural logarithm of `|Γ(x)|`.
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite `f64` of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn values_are_within_one_ulp_of_the_true_ones() {
        // True values rounded to f64 (mpmath at 50 digits).
        let cases: [(f64, f64); 9] = [
            (exp(1.0), std::f64::consts::E),
            (exp(-0.5), 0.6065306597126334),
            (exp(10.0), 22026.465794806718),
            (ln(2.0), std::f64::consts::LN_2),
            (ln(10.0), std::f64::consts::LN_10),
            (ln(0.001), -6.907755278982137),
            (pow(2.0, 0.5), std::f64::consts::SQRT_2),
            (erfc(1.0), 0.15729920705028513),
            (ln_gamma(0.5), 0.5723649429247001),
        ];
        for (i, (got, want)) in cases.iter().enumerate() {
            assert!(ulps(*got, *want) <= 1, "case {i}: {got:e} against {want:e}");
        }
        assert_eq!(erfc(0.0), 1.0);
        assert_eq!(ln_gamma(1.0), 0.0);
        assert_eq!(ln_gamma(2.0), 0.0);
    }

    /// Pins the exact bits of many outputs, so that a `libm` release that
    /// changes any of them fails here, by name, before the golden hashes do.
    #[test]
    fn outputs_are_pinned_bit_for_bit() {
        let mut digest = 0u64;
        let mut mix = |value: f64| digest = (digest ^ value.to_bits()).wrapping_mul(0x0000_0100_0000_01b3);
        for i in 1..=2000 {
            let x = f64::from(i) / 97.0;
            mix(exp(x - 10.0));
            mix(exp(-x));
            mix(ln(x));
            mix(pow(x, 0.2));
            mix(pow(x, 3.0));
            mix(erfc(x / 40.0 - 3.0));
            mix(ln_gamma(x));
        }
        assert_eq!(digest, PINNED_DIGEST, "libm's outputs changed: {digest:#018x}");
    }

    /// [`outputs_are_pinned_bit_for_bit`]'s digest with libm 0.2.16.
    const PINNED_DIGEST: u64 = 0x0b38_8a6a_3fb8_1b6f;
}
