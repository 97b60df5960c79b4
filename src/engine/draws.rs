//! Driver draws (MODEL.md §3): each scope's drivers for one year, with the
//! Gaussian copula for correlated drivers.
//!
//! Uncorrelated drivers are sampled directly ([`super::samplers`]: ziggurat
//! normals, Marsaglia-Tsang gammas for PERT, inversion for the triangular;
//! rand's `Uniform`). Correlated drivers get standard normals `Z`,
//! correlated with the Cholesky factor, then mapped through each marginal's
//! inverse CDF ([`crate::numeric::special`]): `normal` and `lognormal` use
//! `Z` directly, the others `U = Phi(Z)`. Per year the correlated block is
//! drawn first, then the independent drivers in canonical order; constant
//! drivers use no randomness. Every `exp`, `ln` and `erfc` here goes through
//! [`crate::numeric::math`], so draws are the same bits on every platform.

use rand::distr::{Distribution, Uniform};
use rand::Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::lanes::Lanes;
use super::rng::Streams;
use super::samplers::{standard_normal, standard_normals, Gamma, Triangular};
use crate::model::Amount;
use crate::numeric::cholesky;
use crate::numeric::math::exp;
use crate::numeric::special::{lognormal_parameters, normal_cdf, normal_quantile, pert_shapes, BetaQuantile};
use crate::scenario::{Correlation, Dist, Driver};

/// Converts a validated decimal parameter to `f64`.
pub(crate) fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

#[derive(Clone, Debug)]
enum Direct {
    Constant(f64),
    /// `mean + sd * Z`, then clamped to `[low, high]`.
    Normal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
    /// `exp(mu + sigma * Z) - 1`.
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Uniform(Uniform<f64>),
    Triangular(Triangular),
    /// `min + range * X / (X + Y)`, `X ~ Gamma(alpha)`, `Y ~ Gamma(beta)`:
    /// a Beta(alpha, beta) draw from two gamma draws (Marsaglia-Tsang, which
    /// rarely needs a logarithm), faster than rand_distr's Beta sampler.
    Pert {
        min: f64,
        range: f64,
        alpha: Gamma,
        beta: Gamma,
    },
}

#[derive(Clone, Debug)]
enum Marginal {
    Constant(f64),
    Normal { mean: f64, sd: f64, low: f64, high: f64 },
    Lognormal { mu: f64, sigma: f64 },
    Uniform { min: f64, width: f64 },
    Triangular(Triangular),
    Pert { min: f64, range: f64, beta: BetaQuantile },
}

/// Why a distribution could not be set up (validation should prevent all of these).
#[derive(Debug, thiserror::Error)]
#[error("driver `{driver}`: {message}")]
pub struct DistError {
    driver: &'static str,
    message: String,
}

fn bounds(low: Option<Decimal>, high: Option<Decimal>) -> (f64, f64) {
    (low.map_or(f64::NEG_INFINITY, to_f64), high.map_or(f64::INFINITY, to_f64))
}

fn direct(driver: Driver, dist: &Dist) -> Result<Direct, DistError> {
    let err = |message: &str| DistError { driver: driver.name(), message: message.to_string() };
    if dist.is_degenerate() {
        return Ok(Direct::Constant(to_f64(dist.ledger_mean())));
    }
    Ok(match *dist {
        Dist::Fixed { value } => Direct::Constant(to_f64(value)),
        Dist::Normal { mean, sd, low, high } => {
            let (low, high) = bounds(low, high);
            let (mean, sd) = (to_f64(mean), to_f64(sd));
            if !sd.is_finite() {
                return Err(err("the standard deviation is not finite"));
            }
            Direct::Normal { mean, sd, low, high }
        }
        Dist::Lognormal { mean, sd } => {
            let (mu, sigma) = lognormal_parameters(to_f64(mean), to_f64(sd));
            if !sigma.is_finite() {
                return Err(err("the standard deviation is not finite"));
            }
            Direct::Lognormal { mu, sigma }
        }
        Dist::Uniform { min, max } => {
            Direct::Uniform(Uniform::new_inclusive(to_f64(min), to_f64(max)).map_err(|e| err(&e.to_string()))?)
        }
        Dist::Triangular { min, mode, max } => Direct::Triangular(
            Triangular::new(to_f64(min), to_f64(mode), to_f64(max)).ok_or_else(|| err("needs min <= mode <= max"))?,
        ),
        Dist::Pert { min, mode, max } => {
            let (alpha, beta) = pert_shapes(to_f64(min), to_f64(mode), to_f64(max));
            let shape = |s: f64| Gamma::new(s).ok_or_else(|| err("a PERT shape is not in [1, inf)"));
            Direct::Pert {
                min: to_f64(min),
                range: to_f64(max) - to_f64(min),
                alpha: shape(alpha)?,
                beta: shape(beta)?,
            }
        }
    })
}

fn marginal(driver: Driver, dist: &Dist) -> Result<Marginal, DistError> {
    let err = |message: &str| DistError { driver: driver.name(), message: message.to_string() };
    if dist.is_degenerate() {
        return Ok(Marginal::Constant(to_f64(dist.ledger_mean())));
    }
    Ok(match *dist {
        Dist::Fixed { value } => Marginal::Constant(to_f64(value)),
        Dist::Normal { mean, sd, low, high } => {
            let (low, high) = bounds(low, high);
            Marginal::Normal { mean: to_f64(mean), sd: to_f64(sd), low, high }
        }
        Dist::Lognormal { mean, sd } => {
            let (mu, sigma) = lognormal_parameters(to_f64(mean), to_f64(sd));
            Marginal::Lognormal { mu, sigma }
        }
        Dist::Uniform { min, max } => Marginal::Uniform { min: to_f64(min), width: to_f64(max) - to_f64(min) },
        Dist::Triangular { min, mode, max } => {
            let (min, mode, max) = (to_f64(min), to_f64(mode), to_f64(max));
            if min >= max {
                return Err(err("needs min < max"));
            }
            Marginal::Triangular(Triangular::new(min, mode, max).ok_or_else(|| err("needs min <= mode <= max"))?)
        }
        Dist::Pert { min, mode, max } => {
            let (min, mode, max) = (to_f64(min), to_f64(mode), to_f64(max));
            let (alpha, beta) = pert_shapes(min, mode, max);
            let beta = BetaQuantile::new(alpha, beta).ok_or_else(|| err("the PERT shapes are not positive"))?;
            Marginal::Pert { min, range: max - min, beta }
        }
    })
}

impl Direct {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Direct::Constant(v) => *v,
            Direct::Normal { mean, sd, low, high } => (mean + sd * standard_normal(rng)).max(*low).min(*high),
            Direct::Lognormal { mu, sigma } => exp(mu + sigma * standard_normal(rng)) - 1.0,
            Direct::Uniform(dist) => dist.sample(rng),
            Direct::Triangular(dist) => dist.sample(rng),
            Direct::Pert { min, range, alpha, beta } => {
                let x = alpha.sample(rng);
                let y = beta.sample(rng);
                min + range * (x / (x + y))
            }
        }
    }
}

impl Direct {
    /// One draw for each lane of `rng`, lane `l` bit for bit what
    /// [`Direct::sample`] draws from lane `l`'s generator: normals side by
    /// side, uniforms and triangulars from one word per lane taken side by
    /// side, PERT lane by lane.
    #[inline(always)]
    fn sample_lanes(&self, rng: &mut Streams) -> Lanes {
        match self {
            Direct::Constant(v) => Lanes::splat(*v),
            Direct::Normal { mean, sd, low, high } => {
                let z = standard_normals(rng);
                Lanes(z.map(|z| (mean + sd * z).max(*low).min(*high)))
            }
            Direct::Lognormal { mu, sigma } => Lanes(standard_normals(rng).map(|z| exp(mu + sigma * z) - 1.0)),
            Direct::Uniform(dist) => Lanes(rng.next().map(|word| dist.sample(&mut OneWord(Some(word))))),
            Direct::Triangular(dist) => Lanes(rng.next().map(|word| dist.sample(&mut OneWord(Some(word))))),
            Direct::Pert { .. } => {
                let mut lone = rng.clone();
                let value = Lanes(std::array::from_fn(|lane| self.sample(&mut lone.lane(lane))));
                *rng = lone;
                value
            }
        }
    }
}

/// A generator that has one word to give: a lane's word, already drawn side
/// by side, for a sampler that takes exactly one (rand's uniform `f64` and
/// [`Triangular`]; the lanes test checks they take no more). A second
/// request gets zero.
struct OneWord(Option<u64>);

impl rand::TryRng for OneWord {
    type Error = std::convert::Infallible;

    #[inline(always)]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.take().unwrap_or(0))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        rand::rand_core::utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

impl Marginal {
    fn map(&self, z: f64) -> f64 {
        match self {
            Marginal::Constant(v) => *v,
            Marginal::Normal { mean, sd, low, high } => (mean + sd * z).max(*low).min(*high),
            Marginal::Lognormal { mu, sigma } => exp(mu + sigma * z) - 1.0,
            Marginal::Uniform { min, width } => min + width * normal_cdf(z),
            Marginal::Triangular(dist) => dist.quantile(normal_cdf(z)),
            Marginal::Pert { min, range, beta } => min + range * beta.quantile(normal_cdf(z)),
        }
    }
}

/// Draws one scope's drivers for one year.
#[derive(Clone, Debug)]
pub(crate) struct ScopeSampler {
    independent: Vec<(usize, Direct)>,
    correlated: Vec<(usize, Marginal)>,
    /// Row-major Cholesky factor of the correlated block.
    lower: Vec<f64>,
    /// Every driver of the scope at its ledger mean (for the reference path).
    means: Vec<(usize, f64)>,
    /// Every driver of the scope with its distribution (for quantiles).
    dists: Vec<(Driver, Dist)>,
    /// Drivers held at a value: drawn as usual (so every other draw stays the
    /// same), then overwritten.
    pinned: Vec<(usize, f64)>,
    /// The correlated block again when every member is a normal: the same
    /// arithmetic as the general path, in the same order (so the same bits),
    /// without dispatching on the marginal or indexing the full factor.
    normal_block: Option<Vec<NormalRow>>,
}

/// One correlated normal driver: its slot, parameters and Cholesky row.
#[derive(Clone, Debug)]
struct NormalRow {
    slot: usize,
    mean: f64,
    sd: f64,
    low: f64,
    high: f64,
    /// Whether `bounds` clamp the draw (`max`/`min` cost more than the rest
    /// of the row; a finite draw is unchanged by `(-inf, inf)`).
    bounded: bool,
    /// Row `i` of the factor, entries `0..=i`.
    coefficients: Vec<f64>,
}

impl NormalRow {
    /// This row's driver in every year of `years` from that year's
    /// standard normals, for rows of `N` coefficients (the sum unrolled:
    /// `Iterator::sum` starts from -0.0, which leaves the first product as
    /// it is, then adds the others in order, as here).
    #[inline(always)]
    fn values<const N: usize>(&self, normals: &[[Lanes; Driver::COUNT]], years: &mut [[Lanes; Driver::COUNT]]) {
        let Some(coefficients) = self.coefficients.first_chunk::<N>() else { return };
        let c = coefficients.map(Lanes::splat);
        let (mean, sd, low, high) =
            (Lanes::splat(self.mean), Lanes::splat(self.sd), Lanes::splat(self.low), Lanes::splat(self.high));
        for (out, z) in years.iter_mut().zip(normals) {
            let mut correlated_z = c[0] * z[0];
            for k in 1..N.min(Driver::COUNT) {
                correlated_z += c[k] * z[k];
            }
            let value = mean + sd * correlated_z;
            let value = if self.bounded { value.max_of(low).min_of(high) } else { value };
            if let Some(o) = out.get_mut(self.slot) {
                *o = value;
            }
        }
    }
}

/// The correlated block as [`NormalRow`]s, if every marginal is a normal.
fn normal_block(correlated: &[(usize, Marginal)], lower: &[f64]) -> Option<Vec<NormalRow>> {
    let n = correlated.len();
    correlated
        .iter()
        .enumerate()
        .map(|(i, (slot, marginal))| match *marginal {
            Marginal::Normal { mean, sd, low, high } => Some(NormalRow {
                slot: *slot,
                mean,
                sd,
                low,
                high,
                bounded: low > f64::NEG_INFINITY || high < f64::INFINITY,
                coefficients: lower.get(i * n..=i * n + i)?.to_vec(),
            }),
            _ => None,
        })
        .collect()
}

impl ScopeSampler {
    /// A sampler for `drivers` (canonical order, with their distributions)
    /// and the correlations among them.
    pub(crate) fn new(drivers: &[(Driver, &Dist)], correlations: &[Correlation]) -> Result<ScopeSampler, DistError> {
        let members: Vec<Driver> = drivers.iter().map(|(d, _)| *d).collect();
        let relevant: Vec<&Correlation> =
            correlations.iter().filter(|c| members.contains(&c.first) && members.contains(&c.second)).collect();
        let mut correlated_drivers: Vec<Driver> =
            members.iter().copied().filter(|d| relevant.iter().any(|c| c.first == *d || c.second == *d)).collect();
        correlated_drivers.sort();
        let n = correlated_drivers.len();
        let mut matrix = vec![0.0; n * n];
        for i in 0..n {
            matrix[i * n + i] = 1.0;
        }
        for c in &relevant {
            let i = correlated_drivers.iter().position(|d| *d == c.first).unwrap_or(0);
            let j = correlated_drivers.iter().position(|d| *d == c.second).unwrap_or(0);
            matrix[i * n + j] = to_f64(c.rho);
            matrix[j * n + i] = to_f64(c.rho);
        }
        let lower = if n == 0 {
            Vec::new()
        } else {
            cholesky(&matrix, n).ok_or_else(|| DistError {
                driver: correlated_drivers[0].name(),
                message: "correlation matrix is not positive definite".to_string(),
            })?
        };
        let mut independent = Vec::new();
        let mut correlated = Vec::new();
        let mut means = Vec::new();
        for (driver, dist) in drivers {
            means.push((driver.index(), to_f64(dist.ledger_mean())));
            if correlated_drivers.contains(driver) {
                correlated.push((driver.index(), marginal(*driver, dist)?));
            } else {
                independent.push((driver.index(), direct(*driver, dist)?));
            }
        }
        let dists = drivers.iter().map(|(d, dist)| (*d, (*dist).clone())).collect();
        let normal_block = if correlated.is_empty() { None } else { normal_block(&correlated, &lower) };
        Ok(ScopeSampler { independent, correlated, lower, means, dists, pinned: Vec::new(), normal_block })
    }

    /// Fills this scope's slots of `out` (indexed by driver) with one year's draws.
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64; Driver::COUNT]) {
        if let Some(rows) = &self.normal_block {
            let mut z = [0.0f64; Driver::COUNT];
            for zi in z.iter_mut().take(rows.len()) {
                *zi = standard_normal(rng);
            }
            for row in rows {
                let correlated_z: f64 = row.coefficients.iter().zip(&z).map(|(l, z)| l * z).sum();
                let value = row.mean + row.sd * correlated_z;
                out[row.slot] = if row.bounded { value.max(row.low).min(row.high) } else { value };
            }
        } else if !self.correlated.is_empty() {
            let n = self.correlated.len();
            let mut z = [0.0f64; Driver::COUNT];
            for zi in z.iter_mut().take(n) {
                *zi = standard_normal(rng);
            }
            for (i, (slot, marginal)) in self.correlated.iter().enumerate() {
                let correlated_z: f64 = (0..=i).map(|k| self.lower[i * n + k] * z[k]).sum();
                out[*slot] = marginal.map(correlated_z);
            }
        }
        for (slot, direct) in &self.independent {
            out[*slot] = direct.sample(rng);
        }
        for &(slot, value) in &self.pinned {
            out[slot] = value;
        }
    }

    /// [`ScopeSampler::draw`] for every year of a path, `years[t]` for year
    /// `t`, with the same random numbers in the same order and the same
    /// results. With a normal block, each year's standard normals (and its
    /// independent draws) are taken first, then the correlated values are
    /// formed row by row across years, so the years' sums run side by side
    /// instead of each waiting on the last. `normals` is scratch space, one
    /// row per year (its contents are overwritten before they are read).
    #[inline]
    pub(crate) fn draw_years<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        years: &mut [[f64; Driver::COUNT]],
        normals: &mut [[f64; Driver::COUNT]],
    ) {
        let Some(rows) = self.normal_block.as_ref().filter(|_| normals.len() >= years.len()) else {
            years.iter_mut().for_each(|out| self.draw(rng, out));
            return;
        };
        let z = &mut normals[..years.len()];
        for (out, z) in years.iter_mut().zip(z.iter_mut()) {
            for zi in z.iter_mut().take(rows.len()) {
                *zi = standard_normal(rng);
            }
            for (slot, direct) in &self.independent {
                out[*slot] = direct.sample(rng);
            }
        }
        for row in rows {
            for (out, z) in years.iter_mut().zip(z.iter()) {
                let correlated_z: f64 = row.coefficients.iter().zip(z).map(|(l, z)| l * z).sum();
                let value = row.mean + row.sd * correlated_z;
                out[row.slot] = if row.bounded { value.max(row.low).min(row.high) } else { value };
            }
        }
        for out in years.iter_mut() {
            for &(slot, value) in &self.pinned {
                out[slot] = value;
            }
        }
    }

    /// Whether [`ScopeSampler::draw_years_lanes`] can draw this scope (its
    /// correlated block, if any, is all normals).
    pub(crate) fn draws_lanes(&self) -> bool {
        self.correlated.is_empty() || self.normal_block.is_some()
    }

    /// [`ScopeSampler::draw_years`] followed by [`ScopeSampler::clamp`] for
    /// [`super::lanes::LANES`] paths side by side, lane `l` from lane `l` of
    /// `rng`: each lane gets, bit for bit, what those two give its path. Per
    /// year the lanes' standard normals are drawn side by side
    /// ([`standard_normals`]), then the independent drivers (each lane's
    /// stream sees the scalar order: the year's normals, then its
    /// independent drivers); then each correlated value is formed, row by
    /// row across the years, with the same products added in the same
    /// order, four lanes per operation. Only this scope's slots of `years`
    /// are written; `normals` is scratch space, one row per year. Needs
    /// [`ScopeSampler::draws_lanes`].
    #[inline(always)]
    pub(crate) fn draw_years_lanes(
        &self,
        rng: &mut Streams,
        years: &mut [[Lanes; Driver::COUNT]],
        normals: &mut [[Lanes; Driver::COUNT]],
    ) {
        let rows: &[NormalRow] = self.normal_block.as_deref().unwrap_or(&[]);
        debug_assert!(normals.len() >= years.len(), "a row of normals per year");
        let used = years.len().min(normals.len());
        let normals = &mut normals[..used];
        for (out, z) in years.iter_mut().zip(normals.iter_mut()) {
            for zi in z.iter_mut().take(rows.len()) {
                *zi = Lanes(standard_normals(rng));
            }
            for (slot, direct) in &self.independent {
                let value = direct.sample_lanes(rng);
                if let Some(o) = out.get_mut(*slot) {
                    *o = value;
                }
            }
        }
        for row in rows {
            match row.coefficients.len() {
                1 => row.values::<1>(normals, years),
                2 => row.values::<2>(normals, years),
                3 => row.values::<3>(normals, years),
                4 => row.values::<4>(normals, years),
                5 => row.values::<5>(normals, years),
                6 => row.values::<6>(normals, years),
                7 => row.values::<7>(normals, years),
                _ => row.values::<{ Driver::COUNT }>(normals, years),
            }
        }
        for out in years.iter_mut() {
            for &(slot, value) in &self.pinned {
                if let Some(o) = out.get_mut(slot) {
                    *o = Lanes::splat(value);
                }
            }
            for &(slot, _) in &self.means {
                if let Some(o) = out.get_mut(slot) {
                    *o = if slot == Driver::MaShift.index() {
                        crate::model::clamp_share(*o)
                    } else {
                        crate::model::clamp_growth(*o)
                    };
                }
            }
        }
    }

    /// Clamps this scope's drivers in `out` as MODEL.md §2 says (after any
    /// normal's bounds): `ma_shift` to [0, 1], every other draw to
    /// [-0.99, inf). Slot by slot, leaving other scopes' values alone.
    #[inline]
    pub(crate) fn clamp(&self, out: &mut [f64; Driver::COUNT]) {
        for &(slot, _) in &self.means {
            let value = out[slot];
            out[slot] = if slot == Driver::MaShift.index() {
                crate::model::clamp_share(value)
            } else {
                crate::model::clamp_growth(value)
            };
        }
    }

    /// Whether `driver` is drawn by this sampler.
    pub(crate) fn has(&self, driver: Driver) -> bool {
        self.dists.iter().any(|(d, _)| *d == driver)
    }

    /// Whether `driver` is drawn here and varies from draw to draw.
    pub(crate) fn varies(&self, driver: Driver) -> bool {
        self.dists.iter().any(|(d, dist)| *d == driver && !dist.is_degenerate())
    }

    /// Holds `driver` at its `q` quantile (0 < q < 1) from now on; the draws
    /// of every other driver stay exactly as they were (common random numbers).
    pub(crate) fn pin(&mut self, driver: Driver, q: f64) -> Result<(), DistError> {
        let Some((_, dist)) = self.dists.iter().find(|(d, _)| *d == driver) else { return Ok(()) };
        let z = normal_quantile(q.clamp(1e-12, 1.0 - 1e-12));
        let value = marginal(driver, dist)?.map(z);
        self.pinned.retain(|(slot, _)| *slot != driver.index());
        self.pinned.push((driver.index(), value));
        if let Some(mean) = self.means.iter_mut().find(|(slot, _)| *slot == driver.index()) {
            mean.1 = value;
        }
        Ok(())
    }

    /// Fills this scope's slots with the drivers' ledger means (MODEL.md §4).
    pub(crate) fn fill_means(&self, out: &mut [f64; Driver::COUNT]) {
        for &(slot, mean) in &self.means {
            out[slot] = mean;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    struct Moments {
        mean: f64,
        variance: f64,
        mean_se: f64,
        variance_se: f64,
    }

    fn moments(values: &[f64]) -> Moments {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        let m4 = values.iter().map(|v| ((v - mean) * (v - mean)) * ((v - mean) * (v - mean))).sum::<f64>() / n;
        Moments {
            mean,
            variance,
            mean_se: (variance / n).sqrt(),
            variance_se: ((m4 - variance * variance) / n).max(0.0).sqrt(),
        }
    }

    fn draws(sampler: &ScopeSampler, slot: usize, n: usize) -> Vec<f64> {
        let mut rng = crate::engine::rng::stream(42, 0, 7);
        let mut out = [0.0; Driver::COUNT];
        (0..n)
            .map(|_| {
                sampler.draw(&mut rng, &mut out);
                out[slot]
            })
            .collect()
    }

    /// Asserts the sample mean and variance are within 4 standard errors of the analytic values.
    fn check(dist: Dist, mean: f64, sd: f64) {
        let sampler = ScopeSampler::new(&[(Driver::Mei, &dist)], &[]).unwrap();
        let m = moments(&draws(&sampler, Driver::Mei.index(), 200_000));
        // 1e-12 absorbs the rounding of summing 200,000 equal values.
        assert!(
            (m.mean - mean).abs() <= 4.0 * m.mean_se + 1e-12,
            "{dist:?}: mean {} vs {mean} (se {})",
            m.mean,
            m.mean_se
        );
        let variance = sd * sd;
        assert!(
            (m.variance - variance).abs() <= 4.0 * m.variance_se + 1e-12,
            "{dist:?}: variance {} vs {variance} (se {})",
            m.variance,
            m.variance_se
        );
    }

    #[test]
    fn each_distribution_has_its_analytic_moments() {
        check(Dist::Normal { mean: dec("0.03"), sd: dec("0.01"), low: None, high: None }, 0.03, 0.01);
        // Lognormal: X has the given mean and sd by construction (MODEL.md §3).
        check(Dist::Lognormal { mean: dec("0.03"), sd: dec("0.05") }, 0.03, 0.05);
        // Uniform [0, 0.02]: mean 0.01, sd 0.02 / sqrt(12).
        check(Dist::Uniform { min: dec("0"), max: dec("0.02") }, 0.01, 0.02 / 12f64.sqrt());
        // Triangular (0, 0.03, 0.09): mean 0.04, var (a²+b²+c²-ab-ac-bc)/18 = (0.0081+0.0009-0.0027)/18.
        check(Dist::Triangular { min: dec("0"), mode: dec("0.03"), max: dec("0.09") }, 0.04, (0.0063f64 / 18.0).sqrt());
        // PERT (0, 0.03, 0.06): alpha = beta = 3, mean 0.03, var = ab/((a+b)²(a+b+1)) * range² = 9/252 * 0.0036.
        check(
            Dist::Pert { min: dec("0"), mode: dec("0.03"), max: dec("0.06") },
            0.03,
            (9.0f64 / 252.0 * 0.0036).sqrt(),
        );
        // PERT (0, 0.01, 0.06): alpha = 1 + 4/6 = 5/3, beta = 1 + 20/6 = 13/3, mean (0 + 0.04 + 0.06)/6;
        // var = ab/((a+b)²(a+b+1)) * range² = (65/9)/(36 * 7) * 0.0036.
        check(
            Dist::Pert { min: dec("0"), mode: dec("0.01"), max: dec("0.06") },
            0.1 / 6.0,
            (65.0f64 / 9.0 / 252.0 * 0.0036).sqrt(),
        );
        check(Dist::Fixed { value: dec("0.025") }, 0.025, 0.0);
    }

    /// Four paths drawn side by side are, slot by slot and bit for bit, each
    /// path's own draws and clamps, and leave each stream where the path's
    /// own draws do: every kind of distribution, bounded and unbounded
    /// correlated normals, a pinned driver, with and without correlations.
    #[test]
    fn side_by_side_draws_are_each_paths_draws() {
        let normal = |mean: &str, sd: &str, bounds: Option<(&str, &str)>| Dist::Normal {
            mean: dec(mean),
            sd: dec(sd),
            low: bounds.map(|b| dec(b.0)),
            high: bounds.map(|b| dec(b.1)),
        };
        let dists = [
            (Driver::LaborInflation, normal("0.035", "0.02", Some(("0.0", "0.06")))),
            (Driver::SupplyInflation, normal("0.03", "0.5", None)),
            (Driver::OtherInflation, Dist::Lognormal { mean: dec("0.02"), sd: dec("0.3") }),
            (Driver::CommercialRateGrowth, Dist::Pert { min: dec("-1.5"), mode: dec("0.03"), max: dec("0.06") }),
            (Driver::MedicaidRateGrowth, Dist::Triangular { min: dec("-2"), mode: dec("0.0"), max: dec("0.02") }),
            (Driver::MaShift, Dist::Uniform { min: dec("-0.5"), max: dec("1.5") }),
            (Driver::Mei, normal("0.028", "0.9", None)),
            (Driver::VolumeGrowth, normal("0.0", "0.8", Some(("-0.95", "0.5")))),
        ];
        let drivers: Vec<(Driver, &Dist)> = dists.iter().map(|(d, dist)| (*d, dist)).collect();
        let correlations = [
            Correlation { first: Driver::LaborInflation, second: Driver::Mei, rho: dec("0.6") },
            Correlation { first: Driver::SupplyInflation, second: Driver::Mei, rho: dec("-0.3") },
            Correlation { first: Driver::SupplyInflation, second: Driver::LaborInflation, rho: dec("0.2") },
        ];
        let mut pinned = ScopeSampler::new(&drivers, &correlations).unwrap();
        pinned.pin(Driver::VolumeGrowth, 0.2).unwrap();
        let samplers = [
            ScopeSampler::new(&drivers, &correlations).unwrap(),
            ScopeSampler::new(&drivers, &[]).unwrap(),
            ScopeSampler::new(&drivers[..6], &correlations[2..]).unwrap(),
            pinned,
        ];
        let years = 25;
        for (s, sampler) in samplers.iter().enumerate() {
            assert!(sampler.draws_lanes());
            for first in [0u64, 4096, 1 << 33] {
                let paths = std::array::from_fn(|lane| first + lane as u64);
                let mut streams = Streams::new(91, paths, 42);
                let mut lanes = vec![[Lanes::splat(7.5); Driver::COUNT]; years];
                sampler.draw_years_lanes(&mut streams, &mut lanes, &mut vec![[Lanes::default(); Driver::COUNT]; years]);
                for (lane, &path) in paths.iter().enumerate() {
                    let mut rng = crate::engine::rng::stream(91, path, 42);
                    let mut want = vec![[7.5; Driver::COUNT]; years];
                    sampler.draw_years(&mut rng, &mut want, &mut vec![[0.0; Driver::COUNT]; years]);
                    want.iter_mut().for_each(|values| sampler.clamp(values));
                    for (t, values) in want.iter().enumerate() {
                        for (slot, want) in values.iter().enumerate() {
                            let got = lanes[t][slot].0[lane];
                            assert_eq!(
                                got.to_bits(),
                                want.to_bits(),
                                "sampler {s}, path {path}, year {t}, slot {slot}"
                            );
                        }
                    }
                    assert_eq!(streams.lane(lane).next_u64(), rng.next_u64(), "sampler {s}, path {path}");
                }
            }
        }
        // A correlated block with a marginal other than the normal is drawn path by path.
        let mixed = [Correlation { first: Driver::LaborInflation, second: Driver::MaShift, rho: dec("0.5") }];
        assert!(!ScopeSampler::new(&drivers, &mixed).unwrap().draws_lanes());
    }

    #[test]
    fn normal_bounds_clamp() {
        let dist = Dist::Normal { mean: dec("0"), sd: dec("1"), low: Some(dec("-0.5")), high: Some(dec("0.5")) };
        let sampler = ScopeSampler::new(&[(Driver::Mei, &dist)], &[]).unwrap();
        let values = draws(&sampler, Driver::Mei.index(), 10_000);
        assert!(values.iter().all(|v| (-0.5..=0.5).contains(v)));
        assert!(values.iter().filter(|v| **v == 0.5).count() > 2000);
    }

    fn pearson(a: &[f64], b: &[f64]) -> f64 {
        let (ma, mb) = (moments(a).mean, moments(b).mean);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma) * (x - ma)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn copula_recovers_the_requested_correlation_and_keeps_marginals() {
        let labor = Dist::Normal { mean: dec("0.035"), sd: dec("0.01"), low: None, high: None };
        let mei = Dist::Normal { mean: dec("0.028"), sd: dec("0.007"), low: None, high: None };
        let supply = Dist::Pert { min: dec("0"), mode: dec("0.03"), max: dec("0.06") };
        let correlations = [
            Correlation { first: Driver::LaborInflation, second: Driver::Mei, rho: dec("0.7") },
            Correlation { first: Driver::SupplyInflation, second: Driver::Mei, rho: dec("-0.3") },
        ];
        let drivers = [(Driver::LaborInflation, &labor), (Driver::SupplyInflation, &supply), (Driver::Mei, &mei)];
        let sampler = ScopeSampler::new(&drivers, &correlations).unwrap();
        let mut rng = crate::engine::rng::stream(1, 2, 3);
        let mut out = [0.0; Driver::COUNT];
        let n = 100_000;
        let (mut l, mut s, mut m) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            sampler.draw(&mut rng, &mut out);
            l.push(out[Driver::LaborInflation.index()]);
            s.push(out[Driver::SupplyInflation.index()]);
            m.push(out[Driver::Mei.index()]);
        }
        // Two normal marginals: Pearson correlation is rho; its SE is about (1 - rho²)/sqrt(n) = 0.0016.
        let rho = pearson(&l, &m);
        assert!((rho - 0.7).abs() < 0.01, "recovered {rho}");
        // Through a PERT marginal the sign and rough size survive.
        let rho_ps = pearson(&s, &m);
        assert!((-0.33..-0.25).contains(&rho_ps), "recovered {rho_ps}");
        // The PERT marginal is unchanged by the copula: mean 0.03, sd sqrt(9/252 * 0.0036).
        let ms = moments(&s);
        assert!((ms.mean - 0.03).abs() <= 4.0 * ms.mean_se);
        let variance = 9.0 / 252.0 * 0.0036;
        assert!((ms.variance - variance).abs() <= 4.0 * ms.variance_se);
    }
}
