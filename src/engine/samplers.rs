//! The random variates MODEL.md §3's drivers are built from: standard normal,
//! standard exponential, gamma (shape at least 1) and triangular.
//!
//! They are rand_distr 0.6's algorithms, step for step, drawing the same
//! random numbers in the same order: the ZIGNOR ziggurat (Doornik 2005) for
//! the normal and the exponential, with rand_distr's tables
//! ([`super::ziggurat_tables`]); Marsaglia and Tsang (2000) for the gamma;
//! inversion for the triangular. What differs is where the transcendental
//! functions come from: rand_distr calls std's `exp` and `ln`, i.e. the
//! platform's C library, and these call [`crate::numeric::math`]. Where the
//! two disagree in a last bit, a draw can differ in its last bit (the
//! log-normal), or, very rarely, a ziggurat or gamma acceptance test can go
//! the other way.

use rand::distr::{Open01, StandardUniform};
use rand::{Rng, RngExt};

use super::lanes::LANES;
use super::rng::Streams;
use super::ziggurat_tables::{self as tables, ZigTable};
use crate::numeric::math::{exp, ln};

/// `f64` with the 52 high bits of `bits` as fraction and `2^exponent` as
/// scale: in `[2^exponent, 2^(exponent+1))` (rand's `into_float_with_exponent`).
#[inline(always)]
fn with_exponent(bits: u64, exponent: u64) -> f64 {
    f64::from_bits((bits >> 12) | ((1023 + exponent) << 52))
}

/// One ziggurat draw (rand_distr's `utils::ziggurat`): `symmetric` for a
/// density on the whole line, else on `[0, inf)`; `pdf` is the unnormalised
/// density and `zero_case` samples the tail beyond the base strip.
#[inline(always)]
fn ziggurat<R, P, Z>(rng: &mut R, symmetric: bool, x_tab: ZigTable, f_tab: ZigTable, pdf: P, mut zero_case: Z) -> f64
where
    R: Rng + ?Sized,
    P: Fn(f64) -> f64,
    Z: FnMut(&mut R, f64) -> f64,
{
    loop {
        let bits = rng.next_u64();
        if let Some(x) = ziggurat_attempt(bits, rng, symmetric, x_tab, f_tab, &pdf, &mut zero_case) {
            return x;
        }
    }
}

/// The strip, the uniform and the candidate of a ziggurat attempt from the
/// random word `bits`: 8 low bits pick the strip; the 52 high bits make the
/// uniform.
#[inline(always)]
fn ziggurat_candidate(bits: u64, symmetric: bool, x_tab: ZigTable) -> (usize, f64, f64) {
    let i = (bits & 0xff) as usize;
    let u = if symmetric {
        // [2, 4) - 3: [-1, 1).
        with_exponent(bits, 1) - 3.0
    } else {
        // [1, 2) - (1 - eps/2): (0, 1).
        with_exponent(bits, 0) - (1.0 - f64::EPSILON / 2.0)
    };
    (i, u, u * x_tab[i])
}

/// One pass of the ziggurat's loop from the random word `bits` already
/// drawn: the draw, or `None` to start again with the next word.
#[inline(always)]
fn ziggurat_attempt<R, P, Z>(
    bits: u64,
    rng: &mut R,
    symmetric: bool,
    x_tab: ZigTable,
    f_tab: ZigTable,
    pdf: &P,
    zero_case: &mut Z,
) -> Option<f64>
where
    R: Rng + ?Sized,
    P: Fn(f64) -> f64,
    Z: FnMut(&mut R, f64) -> f64,
{
    let (i, u, x) = ziggurat_candidate(bits, symmetric, x_tab);
    let test_x = if symmetric { x.abs() } else { x };
    if test_x < x_tab[i + 1] {
        return Some(x);
    }
    if i == 0 {
        return Some(zero_case(rng, u));
    }
    if f_tab[i + 1] + (f_tab[i] - f_tab[i + 1]) * rng.random::<f64>() < pdf(x) {
        return Some(x);
    }
    None
}

/// The normal's tail beyond R by Marsaglia's method (the base strip's zero case).
fn normal_tail<R: Rng + ?Sized>(rng: &mut R, u: f64) -> f64 {
    let mut x = 1.0f64;
    let mut y = 0.0f64;
    while -2.0 * y < x * x {
        let x_: f64 = rng.sample(Open01);
        let y_: f64 = rng.sample(Open01);
        x = ln(x_) / tables::ZIG_NORM_R;
        y = ln(y_);
    }
    if u < 0.0 {
        x - tables::ZIG_NORM_R
    } else {
        tables::ZIG_NORM_R - x
    }
}

/// The normal's unnormalised density.
#[inline(always)]
fn normal_pdf(x: f64) -> f64 {
    exp(-x * x / 2.0)
}

/// A standard normal draw.
#[inline]
pub(crate) fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ziggurat(rng, true, &tables::ZIG_NORM_X, &tables::ZIG_NORM_F, normal_pdf, normal_tail)
}

/// One standard normal draw from each lane of `rng`: lane `l` gets exactly
/// the draw [`standard_normal`] makes from lane `l`'s generator, with the
/// same random words. The first attempt (accepted about 99% of the time)
/// runs on all lanes side by side; a lane whose attempt is rejected carries
/// on alone from the word it rejected, as the scalar loop does.
#[inline(always)]
pub(crate) fn standard_normals(rng: &mut Streams) -> [f64; LANES] {
    let bits = rng.next();
    let x_tab: ZigTable = &tables::ZIG_NORM_X;
    let mut x = [0.0f64; LANES];
    let mut accepted = [true; LANES];
    for l in 0..LANES {
        let (i, _, candidate) = ziggurat_candidate(bits[l], true, x_tab);
        x[l] = candidate;
        accepted[l] = candidate.abs() < x_tab[i + 1];
    }
    if !accepted.iter().all(|a| *a) {
        // A copy goes to the rare path, so the caller's generators need no
        // address and can stay in registers.
        let mut lone = rng.clone();
        for l in 0..LANES {
            if !accepted[l] {
                x[l] = normal_after_rejection(&mut lone.lane(l), bits[l]);
            }
        }
        *rng = lone;
    }
    x
}

/// The rest of [`standard_normal`]'s loop after its first word `bits`
/// failed the quick test.
#[cold]
#[inline(never)]
fn normal_after_rejection<R: Rng + ?Sized>(rng: &mut R, bits: u64) -> f64 {
    let (x_tab, f_tab): (ZigTable, ZigTable) = (&tables::ZIG_NORM_X, &tables::ZIG_NORM_F);
    match ziggurat_attempt(bits, rng, true, x_tab, f_tab, &normal_pdf, &mut normal_tail) {
        Some(x) => x,
        None => standard_normal(rng),
    }
}

/// A standard exponential draw (rate 1).
#[inline]
pub(crate) fn standard_exponential<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let zero_case = |rng: &mut R, _u: f64| tables::ZIG_EXP_R - ln(rng.random::<f64>());
    ziggurat(rng, false, &tables::ZIG_EXP_X, &tables::ZIG_EXP_F, |x| exp(-x), zero_case)
}

/// Gamma(shape, 1) for shape at least 1 (PERT's shapes always are).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Gamma {
    /// Shape 1: the standard exponential.
    One,
    /// Shape above 1: Marsaglia and Tsang with `d = shape - 1/3`, `c = 1 / sqrt(9 d)`.
    Large { c: f64, d: f64 },
}

impl Gamma {
    /// Gamma(shape, 1), or `None` unless `1 <= shape < inf`.
    pub(crate) fn new(shape: f64) -> Option<Gamma> {
        if !(shape >= 1.0 && shape.is_finite()) {
            return None;
        }
        if shape == 1.0 {
            return Some(Gamma::One);
        }
        let d = shape - 1.0 / 3.0;
        // sqrt is correctly rounded (IEEE 754): the same bits everywhere.
        Some(Gamma::Large { c: 1.0 / (9.0 * d).sqrt(), d })
    }

    /// One draw.
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let (c, d) = match *self {
            Gamma::One => return standard_exponential(rng),
            Gamma::Large { c, d } => (c, d),
        };
        loop {
            let x = standard_normal(rng);
            let v_cbrt = 1.0 + c * x;
            if v_cbrt <= 0.0 {
                continue;
            }
            let v = v_cbrt * v_cbrt * v_cbrt;
            let u: f64 = rng.sample(Open01);
            let x_sqr = x * x;
            if u < 1.0 - 0.0331 * x_sqr * x_sqr || ln(u) < 0.5 * x_sqr + d * (1.0 - v + ln(v)) {
                // rand_distr scales by `d * scale`; the scale here is 1.
                return v * d;
            }
        }
    }
}

/// Triangular(min, mode, max) by inversion of one uniform draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Triangular {
    min: f64,
    mode: f64,
    max: f64,
}

impl Triangular {
    /// Triangular(min, mode, max), or `None` unless `min <= mode <= max`.
    pub(crate) fn new(min: f64, mode: f64, max: f64) -> Option<Triangular> {
        (min <= mode && mode <= max).then_some(Triangular { min, mode, max })
    }

    /// One draw: the inverse CDF at a uniform `[0, 1)` draw.
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let f: f64 = rng.sample(StandardUniform);
        let diff_mode_min = self.mode - self.min;
        let range = self.max - self.min;
        let f_range = f * range;
        // sqrt is correctly rounded (IEEE 754): the same bits everywhere.
        if f_range < diff_mode_min {
            self.min + (f_range * diff_mode_min).sqrt()
        } else {
            self.max - ((range - f_range) * (self.max - self.mode)).sqrt()
        }
    }

    /// The inverse CDF at `p` in `[0, 1]` (statrs' `Triangular::inverse_cdf`).
    #[inline]
    pub(crate) fn quantile(&self, p: f64) -> f64 {
        let Triangular { min: a, mode: c, max: b } = *self;
        if p < (c - a) / (b - a) {
            a + ((c - a) * (b - a) * p).sqrt()
        } else {
            b - ((b - a) * (b - c) * (1.0 - p)).sqrt()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> impl Rng {
        crate::engine::rng::stream(2024, 5, 11)
    }

    fn mean_and_variance(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        (mean, values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0))
    }

    /// Asserts a sample's mean and variance are within 5 standard errors of
    /// the given ones (`kurtosis` is the distribution's, for the variance's SE).
    fn assert_moments(values: &[f64], mean: f64, variance: f64, kurtosis: f64) {
        let n = values.len() as f64;
        let (m, v) = mean_and_variance(values);
        assert!((m - mean).abs() <= 5.0 * (variance / n).sqrt(), "mean {m} against {mean}");
        let variance_se = (variance * variance * (kurtosis - 1.0) / n).sqrt();
        assert!((v - variance).abs() <= 5.0 * variance_se, "variance {v} against {variance}");
    }

    #[test]
    fn the_normal_and_the_exponential_have_their_moments_and_tails() {
        let mut rng = rng();
        let normals: Vec<f64> = (0..400_000).map(|_| standard_normal(&mut rng)).collect();
        assert_moments(&normals, 0.0, 1.0, 3.0);
        // P(|Z| > 3.6541...) = 2.58e-4: the tail strip is used (about 103 of 400,000).
        let tail = normals.iter().filter(|z| z.abs() > tables::ZIG_NORM_R).count();
        assert!((60..150).contains(&tail), "{tail} draws beyond R");
        let exponentials: Vec<f64> = (0..400_000).map(|_| standard_exponential(&mut rng)).collect();
        assert_moments(&exponentials, 1.0, 1.0, 9.0);
        assert!(exponentials.iter().all(|x| *x > 0.0));
        // P(X > 7.697) = 4.5e-4: about 181 of 400,000.
        let tail = exponentials.iter().filter(|x| **x > tables::ZIG_EXP_R).count();
        assert!((120..250).contains(&tail), "{tail} draws beyond R");
    }

    #[test]
    fn gamma_has_its_moments() {
        let mut rng = rng();
        for shape in [1.0, 5.0 / 3.0, 3.0, 13.0 / 3.0] {
            let gamma = Gamma::new(shape).unwrap();
            let draws: Vec<f64> = (0..200_000).map(|_| gamma.sample(&mut rng)).collect();
            // Mean = variance = shape; kurtosis 3 + 6 / shape.
            assert_moments(&draws, shape, shape, 3.0 + 6.0 / shape);
        }
        assert_eq!(Gamma::new(1.0), Some(Gamma::One));
        assert!(Gamma::new(0.5).is_none() && Gamma::new(f64::NAN).is_none() && Gamma::new(f64::INFINITY).is_none());
    }

    #[test]
    fn triangular_draws_and_quantiles_agree() {
        let t = Triangular::new(0.0, 0.03, 0.09).unwrap();
        assert_eq!((t.quantile(0.0), t.quantile(1.0)), (0.0, 0.09));
        // The CDF at the mode is (mode - min) / (max - min) = 1/3.
        assert!((t.quantile(1.0 / 3.0) - 0.03).abs() < 1e-15);
        let mut rng = rng();
        let draws: Vec<f64> = (0..200_000).map(|_| t.sample(&mut rng)).collect();
        // Mean 0.04; variance (a² + b² + c² - ab - ac - bc) / 18 = 0.0063 / 18; kurtosis 2.4.
        assert_moments(&draws, 0.04, 0.0063 / 18.0, 2.4);
        assert!(Triangular::new(0.0, 0.1, 0.05).is_none());
    }

    /// The samplers draw what rand_distr 0.6 drew from the same stream: the
    /// first four of each, in this order from the stream the other tests
    /// use, as rand_distr's `StandardNormal`, `Exp1` and
    /// `Gamma::new(3.0, 1.0)` printed them (a throwaway program, before
    /// rand_distr was dropped). Over two million draws of each, on glibc,
    /// 3 normals and 7 exponentials differed, all in their last bits: tail
    /// draws, where rand_distr's `ln` is glibc's and this one musl's.
    #[test]
    fn first_draws_are_rand_distr_draws() {
        let mut rng = rng();
        let normals: Vec<u64> = (0..4).map(|_| standard_normal(&mut rng).to_bits()).collect();
        assert_eq!(normals, RAND_DISTR_NORMALS);
        let exponentials: Vec<u64> = (0..4).map(|_| standard_exponential(&mut rng).to_bits()).collect();
        assert_eq!(exponentials, RAND_DISTR_EXPONENTIALS);
        let gamma = Gamma::new(3.0).unwrap();
        let gammas: Vec<u64> = (0..4).map(|_| gamma.sample(&mut rng).to_bits()).collect();
        assert_eq!(gammas, RAND_DISTR_GAMMAS);
    }

    /// Side-by-side normals are each lane's scalar normals, bit for bit,
    /// through rejections and the tail (a million draws per lane).
    #[test]
    fn side_by_side_normals_are_the_scalar_normals() {
        let paths = [3, 4, 5, 1 << 40];
        let mut lanes = Streams::new(2024, paths, 11);
        let mut scalar: Vec<_> = paths.iter().map(|&p| crate::engine::rng::stream(2024, p, 11)).collect();
        let mut tail = 0;
        for round in 0..1_000_000 {
            let got = standard_normals(&mut lanes);
            for (lane, rng) in scalar.iter_mut().enumerate() {
                let want = standard_normal(rng);
                assert_eq!(got[lane].to_bits(), want.to_bits(), "round {round}, lane {lane}");
                tail += usize::from(want.abs() > tables::ZIG_NORM_R);
            }
            if round % 1000 == 0 {
                // Interleaved lone draws keep the lanes out of step.
                let lane = round / 1000 % LANES;
                assert_eq!(
                    standard_normal(&mut lanes.lane(lane)).to_bits(),
                    standard_normal(&mut scalar[lane]).to_bits()
                );
            }
        }
        // About 1,030 of 4,000,000 are beyond R: the tail is exercised.
        assert!(tail > 500, "{tail} tail draws");
    }

    const RAND_DISTR_NORMALS: [u64; 4] =
        [13823068170719805978, 13837384861247734372, 4605741488526905626, 4596808108696270077];
    const RAND_DISTR_EXPONENTIALS: [u64; 4] =
        [4599733252069545705, 4607617527334749086, 4591450913457288204, 4608737761484498992];
    const RAND_DISTR_GAMMAS: [u64; 4] =
        [4610287578217646601, 4612056651265921591, 4614543759515671501, 4611979397141196676];
}
