//! Driver draws (MODEL.md §3): each scope's drivers for one year, with the
//! Gaussian copula for correlated drivers.
//!
//! Uncorrelated drivers are sampled directly with rand_distr's samplers.
//! Correlated drivers get standard normals `Z` (rand_distr), correlated with
//! the Cholesky factor, then mapped through each marginal's inverse CDF
//! (statrs): `normal` and `lognormal` use `Z` directly, the others
//! `U = Phi(Z)`. Per year the correlated block is drawn first, then the
//! independent drivers in canonical order; constant drivers use no randomness.

use rand::Rng;
use rand_distr::{Distribution, LogNormal, Normal, Pert, StandardNormal, Triangular, Uniform};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use statrs::distribution::{Beta as BetaCdf, ContinuousCDF, Normal as NormalCdf, Triangular as TriangularCdf};

use crate::numeric::cholesky;
use crate::scenario::{Correlation, Dist, Driver};

/// Converts a validated decimal parameter to `f64`.
pub(crate) fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// Parameters of the log-normal: `1 + X = exp(mu + sigma Z)` (MODEL.md §3).
fn lognormal_parameters(mean: f64, sd: f64) -> (f64, f64) {
    let sigma2 = (1.0 + sd * sd / ((1.0 + mean) * (1.0 + mean))).ln();
    ((1.0 + mean).ln() - sigma2 / 2.0, sigma2.sqrt())
}

#[derive(Clone, Debug)]
enum Direct {
    Constant(f64),
    Normal { dist: Normal<f64>, low: f64, high: f64 },
    Lognormal(LogNormal<f64>),
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    Pert(Pert<f64>),
}

#[derive(Clone, Debug)]
enum Marginal {
    Constant(f64),
    Normal { mean: f64, sd: f64, low: f64, high: f64 },
    Lognormal { mu: f64, sigma: f64 },
    Uniform { min: f64, width: f64 },
    Triangular(TriangularCdf),
    Pert { min: f64, range: f64, beta: BetaCdf },
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
    let err = |message: String| DistError { driver: driver.name(), message };
    if dist.is_degenerate() {
        return Ok(Direct::Constant(to_f64(dist.ledger_mean())));
    }
    Ok(match *dist {
        Dist::Fixed { value } => Direct::Constant(to_f64(value)),
        Dist::Normal { mean, sd, low, high } => {
            let (low, high) = bounds(low, high);
            Direct::Normal { dist: Normal::new(to_f64(mean), to_f64(sd)).map_err(|e| err(e.to_string()))?, low, high }
        }
        Dist::Lognormal { mean, sd } => {
            let (mu, sigma) = lognormal_parameters(to_f64(mean), to_f64(sd));
            Direct::Lognormal(LogNormal::new(mu, sigma).map_err(|e| err(e.to_string()))?)
        }
        Dist::Uniform { min, max } => {
            Direct::Uniform(Uniform::new_inclusive(to_f64(min), to_f64(max)).map_err(|e| err(e.to_string()))?)
        }
        Dist::Triangular { min, mode, max } => {
            Direct::Triangular(Triangular::new(to_f64(min), to_f64(max), to_f64(mode)).map_err(|e| err(e.to_string()))?)
        }
        Dist::Pert { min, mode, max } => {
            Direct::Pert(Pert::new(to_f64(min), to_f64(max)).with_mode(to_f64(mode)).map_err(|e| err(e.to_string()))?)
        }
    })
}

fn marginal(driver: Driver, dist: &Dist) -> Result<Marginal, DistError> {
    let err = |message: String| DistError { driver: driver.name(), message };
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
        Dist::Triangular { min, mode, max } => Marginal::Triangular(
            TriangularCdf::new(to_f64(min), to_f64(max), to_f64(mode)).map_err(|e| err(e.to_string()))?,
        ),
        Dist::Pert { min, mode, max } => {
            let (min, mode, max) = (to_f64(min), to_f64(mode), to_f64(max));
            let range = max - min;
            let alpha = 1.0 + 4.0 * (mode - min) / range;
            let beta = 1.0 + 4.0 * (max - mode) / range;
            Marginal::Pert { min, range, beta: BetaCdf::new(alpha, beta).map_err(|e| err(e.to_string()))? }
        }
    })
}

impl Direct {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Direct::Constant(v) => *v,
            Direct::Normal { dist, low, high } => dist.sample(rng).max(*low).min(*high),
            Direct::Lognormal(dist) => dist.sample(rng) - 1.0,
            Direct::Uniform(dist) => dist.sample(rng),
            Direct::Triangular(dist) => dist.sample(rng),
            Direct::Pert(dist) => dist.sample(rng),
        }
    }
}

impl Marginal {
    fn map(&self, z: f64, phi: &NormalCdf) -> f64 {
        match self {
            Marginal::Constant(v) => *v,
            Marginal::Normal { mean, sd, low, high } => (mean + sd * z).max(*low).min(*high),
            Marginal::Lognormal { mu, sigma } => (mu + sigma * z).exp() - 1.0,
            Marginal::Uniform { min, width } => min + width * phi.cdf(z),
            Marginal::Triangular(dist) => dist.inverse_cdf(phi.cdf(z)),
            Marginal::Pert { min, range, beta } => min + range * beta.inverse_cdf(phi.cdf(z)),
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
    phi: NormalCdf,
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
        let phi = NormalCdf::new(0.0, 1.0).map_err(|e| DistError { driver: "mei", message: e.to_string() })?;
        Ok(ScopeSampler { independent, correlated, lower, means, phi })
    }

    /// Fills this scope's slots of `out` (indexed by driver) with one year's draws.
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64; Driver::COUNT]) {
        if !self.correlated.is_empty() {
            let n = self.correlated.len();
            let mut z = [0.0f64; Driver::COUNT];
            for zi in z.iter_mut().take(n) {
                *zi = StandardNormal.sample(rng);
            }
            for (i, (slot, marginal)) in self.correlated.iter().enumerate() {
                let correlated_z: f64 = (0..=i).map(|k| self.lower[i * n + k] * z[k]).sum();
                out[*slot] = marginal.map(correlated_z, &self.phi);
            }
        }
        for (slot, direct) in &self.independent {
            out[*slot] = direct.sample(rng);
        }
    }

    /// Fills this scope's slots with the drivers' ledger means (MODEL.md §4).
    pub(crate) fn fill_means(&self, out: &mut [f64; Driver::COUNT]) {
        for &(slot, mean) in &self.means {
            out[slot] = mean;
        }
    }
}
