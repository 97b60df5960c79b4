//! The distribution functions MODEL.md §3's Gaussian copula and quantile pins
//! need, written on [`super::math`] so that their bits are the same
//! everywhere: the standard normal CDF and its inverse, the Beta
//! distribution's inverse CDF (the PERT marginal), and the parameters of the
//! lognormal and PERT marginals from the scenario's, written once for the
//! engine's draws and the calibration's fits.
//!
//! The algorithms are the published ones that statrs 0.19 (which seqsim used
//! before) implements, except where noted:
//! - `Φ(z) = erfc(-z / √2) / 2`, with musl's `erfc` (statrs: Boost's).
//! - `Φ⁻¹` by Wichura's AS 241 (PPND16, relative error about 1e-16; R's
//!   `qnorm`), where statrs inverts Boost's `erfc`.
//! - The regularized incomplete beta `I_x(a, b)` by its continued fraction
//!   (Numerical Recipes' `betacf`), and its inverse by AS 64 / AS 109 with
//!   Remark AS R83's convergence test: statrs' code, line for line, with
//!   musl's `lgamma` for statrs' Lanczos `ln_gamma`.

use super::math::{erfc, exp, ln, ln_gamma, pow};

/// `Φ(z)`, the standard normal CDF.
#[inline]
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// `Φ⁻¹(p)`, the standard normal quantile (AS 241, PPND16): `-inf` at 0,
/// `inf` at 1, NaN outside `[0, 1]`.
#[allow(clippy::excessive_precision, reason = "AS 241's coefficients, digit for digit as published")]
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    /// `P(x) / Q(x)` by Horner's rule, highest power first.
    fn ratio(p: &[f64; 8], q: &[f64; 8], x: f64) -> f64 {
        let horner = |c: &[f64; 8]| c.iter().rev().fold(0.0, |acc, k| acc * x + k);
        horner(p) / horner(q)
    }
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        return q * ratio(&A, &B, 0.180_625 - q * q);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail == 0.0 {
        return if q < 0.0 { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    let r = (-ln(tail)).sqrt();
    let magnitude = if r <= 5.0 { ratio(&C, &D, r - 1.6) } else { ratio(&E, &F, r - 5.0) };
    if q < 0.0 {
        -magnitude
    } else {
        magnitude
    }
}

/// `F64_PREC` of statrs: half the machine epsilon.
const HALF_EPSILON: f64 = f64::EPSILON / 2.0;

/// A Beta(a, b) distribution's shapes with the log-gamma values its CDF and
/// quantile need, computed once.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shapes {
    a: f64,
    b: f64,
    ln_gamma_a: f64,
    ln_gamma_b: f64,
    ln_gamma_sum: f64,
}

impl Shapes {
    fn swapped(self) -> Shapes {
        Shapes { a: self.b, b: self.a, ln_gamma_a: self.ln_gamma_b, ln_gamma_b: self.ln_gamma_a, ..self }
    }

    /// The regularized lower incomplete beta function `I_x(a, b)` for `x` in
    /// `[0, 1]` (statrs' `beta_reg`).
    fn regularized(self, x: f64) -> f64 {
        let Shapes { a, b, ln_gamma_a, ln_gamma_b, ln_gamma_sum } = self;
        // statrs: `x == 0.0 || ulps_eq!(x, 1.0, epsilon = 1e-15)`, whose
        // absolute test already covers its ulps test.
        let bt = if x == 0.0 || (x - 1.0).abs() <= 1e-15 {
            0.0
        } else {
            exp(ln_gamma_sum - ln_gamma_a - ln_gamma_b + a * ln(x) + b * ln(1.0 - x))
        };
        let symm_transform = x >= (a + 1.0) / (a + b + 2.0);
        let fpmin = f64::MIN_POSITIVE / HALF_EPSILON;
        let (a, b, x) = if symm_transform { (b, a, 1.0 - x) } else { (a, b, x) };
        let qab = a + b;
        let qap = a + 1.0;
        let qam = a - 1.0;
        let tiny = |v: f64| if v.abs() < fpmin { fpmin } else { v };
        let mut c = 1.0;
        let mut d = 1.0 / tiny(1.0 - qab * x / qap);
        let mut h = d;
        for m in 1..141 {
            let m = f64::from(m);
            let m2 = m * 2.0;
            let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1.0 / tiny(1.0 + aa * d);
            c = tiny(1.0 + aa / c);
            h = h * d * c;
            let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1.0 / tiny(1.0 + aa * d);
            c = tiny(1.0 + aa / c);
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() <= HALF_EPSILON {
                break;
            }
        }
        if symm_transform {
            1.0 - bt * h / a
        } else {
            bt * h / a
        }
    }
}

/// The Beta(a, b) distribution's inverse CDF.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BetaQuantile {
    shapes: Shapes,
}

impl BetaQuantile {
    /// The most Newton steps [`BetaQuantile::quantile`] takes. AS 109
    /// converges in a handful; the bound only guarantees the loop ends.
    const MAX_STEPS: usize = 1000;

    /// Beta(a, b), or `None` unless both shapes are positive and finite.
    pub fn new(a: f64, b: f64) -> Option<BetaQuantile> {
        let valid = |s: f64| s > 0.0 && s.is_finite();
        (valid(a) && valid(b)).then(|| BetaQuantile {
            shapes: Shapes { a, b, ln_gamma_a: ln_gamma(a), ln_gamma_b: ln_gamma(b), ln_gamma_sum: ln_gamma(a + b) },
        })
    }

    /// The CDF, `I_x(a, b)`, for `x` in `[0, 1]`.
    pub fn cdf(&self, x: f64) -> f64 {
        self.shapes.regularized(x)
    }

    /// The `x` quantile, `I⁻¹_x(a, b)`, for `x` in `[0, 1]`; NaN outside.
    /// statrs' `inv_beta_reg` (AS 64, AS 109 and Remark AS R83).
    pub fn quantile(&self, x: f64) -> f64 {
        const SAE: i32 = -30;
        const FPU: f64 = 1e-30;
        if x.is_nan() || !(0.0..=1.0).contains(&x) {
            return f64::NAN;
        }
        if x == 0.0 || x == 1.0 {
            return x;
        }
        let ln_beta = self.shapes.ln_gamma_a + self.shapes.ln_gamma_b - self.shapes.ln_gamma_sum;
        let flip = 0.5 < x;
        let (shapes, x) = if flip { (self.shapes.swapped(), 1.0 - x) } else { (self.shapes, x) };
        let (a, b) = (shapes.a, shapes.b);

        // The starting value (AS 64; Carter's approximation from AS 109 when
        // both shapes exceed 1).
        let mut p = (-ln(x * x)).sqrt();
        let mut q = p - (2.30753 + 0.27061 * p) / (1.0 + (0.99229 + 0.04481 * p) * p);
        if 1.0 < a && 1.0 < b {
            let r = (q * q - 3.0) / 6.0;
            let s = 1.0 / (2.0 * a - 1.0);
            let t = 1.0 / (2.0 * b - 1.0);
            let h = 2.0 / (s + t);
            let w = q * (h + r).sqrt() / h - (t - s) * (r + 5.0 / 6.0 - 2.0 / (3.0 * h));
            p = a / (a + b * exp(2.0 * w));
        } else {
            let t = 1.0 / (9.0 * b);
            let t = 2.0 * b * pow(1.0 - t + q * t.sqrt(), 3.0);
            if t <= 0.0 {
                p = 1.0 - exp((ln((1.0 - x) * b) + ln_beta) / b);
            } else {
                let t = 2.0 * (2.0 * a + b - 1.0) / t;
                p = if t <= 1.0 { exp((ln(x * a) + ln_beta) / a) } else { 1.0 - 2.0 / (t + 1.0) };
            }
        }
        p = p.clamp(0.0001, 0.9999);

        // Newton-Raphson with AS R83's accuracy and step control.
        let e = (-5.0 / a / a - 1.0 / pow(x, 0.2) - 13.0) as i32;
        let acu = if e > SAE { pow(10.0, f64::from(e)) } else { FPU };
        let mut qprev = 0.0;
        let mut sq = 1.0;
        let mut prev = 1.0;
        'outer: for _ in 0..Self::MAX_STEPS {
            q = shapes.regularized(p);
            q = (q - x) * exp(ln_beta + (1.0 - a) * ln(p) + (1.0 - b) * ln(1.0 - p));
            if !q.is_finite() {
                break;
            }
            if q * qprev <= 0.0 {
                prev = if sq > FPU { sq } else { FPU };
            }
            let mut g = 1.0;
            let pnext = loop {
                // Shrinks the step until it is small enough and stays in
                // [0, 1]; `g` reaching 0 ends it at the latest.
                let pnext = loop {
                    let adj = g * q;
                    sq = adj * adj;
                    if sq < prev {
                        let pnext = p - adj;
                        if (0.0..=1.0).contains(&pnext) {
                            break pnext;
                        }
                    }
                    g /= 3.0;
                };
                if prev <= acu || q * q <= acu {
                    p = pnext;
                    break 'outer;
                }
                if pnext != 0.0 && pnext != 1.0 {
                    break pnext;
                }
                g /= 3.0;
            };
            if pnext == p {
                break;
            }
            p = pnext;
            qprev = q;
        }
        if flip {
            1.0 - p
        } else {
            p
        }
    }
}

/// The lognormal's `(mu, sigma)` from its mean and standard deviation, for
/// `1 + X = exp(mu + sigma Z)` (MODEL.md §3).
pub fn lognormal_parameters(mean: f64, sd: f64) -> (f64, f64) {
    let sigma2 = ln(1.0 + sd * sd / ((1.0 + mean) * (1.0 + mean)));
    // sqrt is correctly rounded (IEEE 754): the same bits everywhere.
    (ln(1.0 + mean) - sigma2 / 2.0, sigma2.sqrt())
}

/// The Beta-PERT shapes `(alpha, beta)` with lambda 4 from `min`, `mode` and
/// `max` (MODEL.md §3): both at least 1.
pub fn pert_shapes(min: f64, mode: f64, max: f64) -> (f64, f64) {
    let range = max - min;
    (1.0 + 4.0 * (mode - min) / range, 1.0 + 4.0 * (max - mode) / range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marginal_parameters_reproduce_their_moments() {
        // PERT (0, 0.01, 0.06): alpha = 1 + 4/6 = 5/3, beta = 1 + 20/6 = 13/3.
        let (alpha, beta) = pert_shapes(0.0, 0.01, 0.06);
        assert!((alpha - 5.0 / 3.0).abs() < 1e-12 && (beta - 13.0 / 3.0).abs() < 1e-12);
        assert_eq!(pert_shapes(0.0, 0.03, 0.06), (3.0, 3.0));
        // E[exp(mu + sigma Z)] = exp(mu + sigma^2 / 2) = 1 + mean, and
        // Var = (exp(sigma^2) - 1) (1 + mean)^2 = sd^2.
        let (mu, sigma) = lognormal_parameters(0.03, 0.02);
        assert!((exp(mu + sigma * sigma / 2.0) - 1.03).abs() < 1e-12);
        assert!(((exp(sigma * sigma) - 1.0) * 1.03 * 1.03 - 0.0004).abs() < 1e-15);
    }

    #[test]
    fn normal_cdf_matches_reference_values() {
        // mpmath at 50 digits, rounded to f64.
        for (z, want) in [
            (0.0, 0.5),
            (1.0, 0.8413447460685429),
            (-1.96, 0.024997895148220435),
            (3.0, 0.9986501019683699),
            (-8.0, 6.220960574271784e-16),
        ] {
            // Rounding z / √2 (half an ulp) moves erfc by up to 2x² times that
            // relatively: about 6e-15 at z = -8.
            let got = normal_cdf(z);
            assert!((got - want).abs() <= 1e-14 * want, "Φ({z}) = {got:e}, want {want:e}");
        }
    }

    #[test]
    fn normal_quantile_matches_reference_values_and_inverts_the_cdf() {
        // mpmath at 50 digits, rounded to f64.
        for (p, want) in [
            (0.5, 0.0),
            (0.975, 1.9599639845400538),
            (0.1, -1.2815515655446004),
            (0.3, -0.5244005127080408),
            (1e-10, -6.361340902404057),
            (1e-300, -37.0470962993612),
            (1.0 - 1e-12, 7.0344869100478356),
        ] {
            let got = normal_quantile(p);
            assert!((got - want).abs() <= 1e-15 * want.abs().max(1.0), "Φ⁻¹({p}) = {got}, want {want}");
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(1.5).is_nan() && normal_quantile(f64::NAN).is_nan());
        for i in 1..1000 {
            let p = f64::from(i) / 1000.0;
            let back = normal_cdf(normal_quantile(p));
            assert!((back - p).abs() <= 4e-16, "Φ(Φ⁻¹({p})) = {back}");
        }
    }

    #[test]
    fn beta_quantile_matches_reference_values() {
        // Bisection on mpmath's regularized incomplete beta at 60 digits.
        let cases = [
            (3.0, 3.0, 0.5, 0.5),
            (2.0, 5.0, 0.25, 0.16116291679032652),
            (5.0 / 3.0, 13.0 / 3.0, 0.9, 0.5186015427482905),
            (1.0, 5.0, 0.5, 0.12944943670387585),
            (5.0, 1.0, 0.01, 0.39810717055349726),
            (4.2, 1.8, 1e-6, 0.026982265065439694),
        ];
        for (a, b, x, want) in cases {
            let beta = BetaQuantile::new(a, b).unwrap();
            let got = beta.quantile(x);
            assert!((got - want).abs() <= 1e-13, "Beta({a}, {b}) quantile {x}: {got}, want {want}");
            assert!((beta.cdf(got) - x).abs() <= 1e-13 * x.max(1e-3), "I at the quantile: {}", beta.cdf(got));
        }
        let beta = BetaQuantile::new(2.0, 3.0).unwrap();
        assert_eq!((beta.quantile(0.0), beta.quantile(1.0)), (0.0, 1.0));
        assert!(beta.quantile(-0.1).is_nan() && beta.quantile(f64::NAN).is_nan());
        assert!(BetaQuantile::new(0.0, 1.0).is_none() && BetaQuantile::new(1.0, f64::INFINITY).is_none());
    }

    #[test]
    fn beta_quantile_is_monotone_across_the_unit_interval() {
        let beta = BetaQuantile::new(5.0 / 3.0, 13.0 / 3.0).unwrap();
        let mut last = 0.0;
        for i in 1..2000 {
            let q = beta.quantile(f64::from(i) / 2000.0);
            assert!(q >= last, "quantile fell at {i}: {q} < {last}");
            last = q;
        }
    }
}
