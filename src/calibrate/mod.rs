//! Fits the drivers' distributions to a panel of hospitals: the same CCNs in
//! two releases of cost reports, years apart. Each driver is measured per
//! hospital the way MODEL.md §2 uses it, annualised over the years between
//! the two reports; outliers are trimmed by a stated rule; normal, lognormal
//! and PERT are fitted and the one with the smallest Kolmogorov-Smirnov
//! statistic is chosen. Nothing here does I/O.
//!
//! Measures (ratios later / earlier, `V` the ratio of annualised inpatient
//! days, `vcs` the variable cost share):
//! - `volume_growth`: `V`;
//! - `medicaid_rate_growth`: Medicaid revenue / `V` (reported Medicaid only);
//! - `commercial_rate_growth`: commercial and other revenue / `V`;
//! - `labor_inflation`, `supply_inflation`, `other_inflation`: the cost line
//!   / `(1 - vcs + vcs V)`, the model's volume response of costs.
//!
//! Each ratio `r` over `d` years becomes an annual rate `g = r^(1/d) - 1`.
//! The model draws every year independently, so a spread of `s` per year
//! gives `s sqrt(d)` over `d` years in the annualised rate's units only if
//! it is scaled: the fitted sample is `m + (g - m) sqrt(d)` (`m` the mean
//! of `g`), whose spread reproduces the observed spread of the `d`-year
//! change. The drivers are written with `scope: practice`: the spread is
//! between hospitals, and one pair of releases cannot tell a shared shock
//! from the mean.

pub mod dynamics;

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::import::panel::Hospital;
use crate::model;
use crate::numeric::math::{ln, pow};
use crate::numeric::special::{lognormal_parameters, normal_cdf, pert_shapes, BetaQuantile};
use crate::numeric::stats::sample_sd;
use crate::scenario::Driver;

/// Tukey's far-out fences: values beyond `Q1 - 3 IQR` or `Q3 + 3 IQR` are trimmed.
pub const FENCE_IQR: f64 = 3.0;
/// Fewest measurements a driver is fitted from.
pub const MIN_SAMPLE: usize = 30;
/// A kind's own fit is written when its yearly spread differs from the
/// pooled one by more than this factor (either way).
pub const KIND_SPREAD_FACTOR: f64 = 1.25;

/// Fewest years between two reports' midpoints for a hospital to be measured.
pub const MIN_YEARS: f64 = 0.5;

/// The drivers measured from cost reports, in output order.
pub const MEASURED: [Driver; 6] = [
    Driver::VolumeGrowth,
    Driver::CommercialRateGrowth,
    Driver::MedicaidRateGrowth,
    Driver::LaborInflation,
    Driver::SupplyInflation,
    Driver::OtherInflation,
];

/// A fitted distribution, with the parameters MODEL.md §3 names.
#[derive(Clone, Debug, PartialEq)]
pub enum Fit {
    /// `normal {mean, sd}`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// `lognormal {mean, sd}` (1 + X log-normal).
    Lognormal {
        /// Mean of X.
        mean: f64,
        /// Standard deviation of X.
        sd: f64,
    },
    /// `pert {min, mode, max}`.
    Pert {
        /// Minimum.
        min: f64,
        /// Mode.
        mode: f64,
        /// Maximum.
        max: f64,
    },
}

impl Fit {
    /// The distribution's name in a scenario.
    pub fn name(&self) -> &'static str {
        match self {
            Fit::Normal { .. } => "normal",
            Fit::Lognormal { .. } => "lognormal",
            Fit::Pert { .. } => "pert",
        }
    }

    /// Its cumulative distribution function.
    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            Fit::Normal { mean, sd } => normal_cdf((x - mean) / sd.max(1e-12)),
            Fit::Lognormal { mean, sd } => {
                if x <= -1.0 {
                    return 0.0;
                }
                let (mu, sigma) = lognormal_parameters(mean, sd);
                normal_cdf((ln(1.0 + x) - mu) / sigma.max(1e-12))
            }
            Fit::Pert { min, mode, max } => {
                if x <= min {
                    return 0.0;
                }
                if x >= max {
                    return 1.0;
                }
                let (alpha, beta) = pert_shapes(min, mode, max);
                BetaQuantile::new(alpha, beta).map_or(f64::NAN, |b| b.cdf((x - min) / (max - min)))
            }
        }
    }

    /// The parameters as YAML flow-mapping entries, rounded to 4 decimals
    /// (0.01 percentage points).
    pub fn yaml_parameters(&self) -> String {
        let r = |v: f64| format!("{:.4}", v);
        match *self {
            Fit::Normal { mean, sd } | Fit::Lognormal { mean, sd } => format!("mean: {}, sd: {}", r(mean), r(sd)),
            Fit::Pert { min, mode, max } => format!("min: {}, mode: {}, max: {}", r(min), r(mode), r(max)),
        }
    }
}

/// One driver's fit.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverFit {
    /// The driver.
    pub driver: Driver,
    /// Hospitals measured (before trimming).
    pub measured: usize,
    /// Hospitals trimmed as outliers.
    pub trimmed: usize,
    /// Mean annual rate of the kept sample.
    pub annual_mean: f64,
    /// Standard deviation of the kept annual rates.
    pub annual_sd: f64,
    /// Standard deviation of the yearly-equivalent sample the fits are of.
    pub yearly_sd: f64,
    /// The chosen fit (of the yearly-equivalent sample).
    pub chosen: Fit,
    /// Every candidate with its KS statistic, in candidate order.
    pub candidates: Vec<(Fit, f64)>,
}

impl DriverFit {
    /// The chosen fit's KS statistic.
    pub fn ks(&self) -> f64 {
        self.candidates.iter().find(|(f, _)| *f == self.chosen).map_or(f64::NAN, |(_, d)| *d)
    }
}

/// The result of a calibration.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// Hospitals present in both releases with the same kind.
    pub matched: usize,
    /// CCNs in both releases whose kind changed (left out).
    pub kind_changed: usize,
    /// CCNs in both whose reports are less than [`MIN_YEARS`] apart (left out).
    pub too_close: usize,
    /// Mean years between the two reports' midpoints.
    pub mean_years: f64,
    /// Pooled fits, in [`MEASURED`] order (drivers with too few measurements left out).
    pub pooled: Vec<DriverFit>,
    /// Correlations between pooled drivers, from hospitals with every driver measured and kept.
    pub correlations: Vec<(Driver, Driver, f64)>,
    /// Hospitals the correlations come from.
    pub correlation_sample: usize,
    /// Per-kind fits that differ from the pooled ones (see [`KIND_SPREAD_FACTOR`]).
    pub by_kind: Vec<(String, Vec<DriverFit>)>,
}

/// Options of a calibration.
#[derive(Clone, Debug)]
pub struct Options {
    /// The variable cost share used to take volume out of cost growth.
    pub variable_cost_share: Decimal,
    /// Whether to fit each kind too.
    pub by_kind: bool,
}

/// One matched hospital's annual rates by driver (NaN where not measurable).
struct Rates {
    kind: String,
    rates: [f64; MEASURED.len()],
}

fn ratio(late: Decimal, early: Decimal) -> Option<f64> {
    if late > Decimal::ZERO && early > Decimal::ZERO {
        (late / early).to_f64()
    } else {
        None
    }
}

/// The annual rates of one hospital between two reports `years` apart.
fn rates(early: &Hospital, late: &Hospital, years: f64, vcs: f64) -> [f64; MEASURED.len()] {
    let annual = |r: Option<f64>| r.map_or(f64::NAN, |r| pow(r, 1.0 / years) - 1.0);
    let volume = match (early.patient_days, late.patient_days) {
        (Some(e), Some(l)) => ratio(l, e),
        _ => None,
    };
    let per_volume = |r: Option<f64>| match (r, volume) {
        (Some(r), Some(v)) => Some(r / v),
        _ => None,
    };
    let per_cost_volume = |r: Option<f64>| match (r, volume) {
        (Some(r), Some(v)) => Some(r / model::cost_volume_response(vcs, v)),
        _ => None,
    };
    let medicaid = if early.medicaid_reported && late.medicaid_reported {
        ratio(late.revenue.medicaid, early.revenue.medicaid)
    } else {
        None
    };
    let commercial_and_other = |h: &Hospital| h.revenue.commercial + h.revenue.other;
    [
        annual(volume),
        annual(per_volume(ratio(commercial_and_other(late), commercial_and_other(early)))),
        annual(per_volume(medicaid)),
        annual(per_cost_volume(ratio(late.costs.labor, early.costs.labor))),
        annual(per_cost_volume(ratio(late.costs.supplies, early.costs.supplies))),
        annual(per_cost_volume(ratio(late.costs.other, early.costs.other))),
    ]
}

/// Calibrates from the hospitals of `early` and `late` (matched by CCN).
pub fn calibrate(early: &[Hospital], late: &[Hospital], options: &Options) -> Calibration {
    let vcs = options.variable_cost_share.to_f64().unwrap_or(0.0);
    let later: HashMap<&str, &Hospital> = late.iter().map(|h| (h.ccn.as_str(), h)).collect();
    let mut panel = Vec::new();
    let mut kind_changed = 0;
    let mut too_close = 0;
    let mut years_total = 0.0;
    for e in early {
        let Some(l) = later.get(e.ccn.as_str()) else { continue };
        if l.kind != e.kind {
            kind_changed += 1;
            continue;
        }
        let years = (l.midpoint_day() - e.midpoint_day()) as f64 / 365.25;
        if years < MIN_YEARS {
            too_close += 1;
            continue;
        }
        years_total += years;
        panel.push((Rates { kind: e.kind.clone(), rates: rates(e, l, years, vcs) }, years));
    }
    let matched = panel.len();
    let mean_years = if matched > 0 { years_total / matched as f64 } else { f64::NAN };
    let (pooled, kept) = fit_all(panel.iter().map(|(r, y)| (&r.rates, *y)));
    let (correlations, correlation_sample) = correlations(&pooled, &kept);
    let mut by_kind = Vec::new();
    if options.by_kind {
        let mut kinds: Vec<&str> = panel.iter().map(|(r, _)| r.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for kind in kinds {
            let (fits, _) = fit_all(panel.iter().filter(|(r, _)| r.kind == kind).map(|(r, y)| (&r.rates, *y)));
            let differing: Vec<DriverFit> = fits
                .into_iter()
                .filter(|f| {
                    pooled.iter().find(|p| p.driver == f.driver).is_some_and(|p| {
                        let ratio = f.yearly_sd / p.yearly_sd;
                        !(1.0 / KIND_SPREAD_FACTOR..=KIND_SPREAD_FACTOR).contains(&ratio)
                    })
                })
                .collect();
            if !differing.is_empty() {
                by_kind.push((kind.to_string(), differing));
            }
        }
    }
    Calibration { matched, kind_changed, too_close, mean_years, pooled, correlations, correlation_sample, by_kind }
}

/// Kept yearly-equivalent values per hospital (NaN where not measured or trimmed).
type Kept = Vec<[f64; MEASURED.len()]>;

/// Fits every measured driver; returns the fits and each hospital's kept
/// yearly-equivalent values.
fn fit_all<'a>(panel: impl Iterator<Item = (&'a [f64; MEASURED.len()], f64)>) -> (Vec<DriverFit>, Kept) {
    let panel: Vec<(&[f64; MEASURED.len()], f64)> = panel.collect();
    let mut kept: Kept = vec![[f64::NAN; MEASURED.len()]; panel.len()];
    let mut fits = Vec::new();
    for (d, driver) in MEASURED.iter().enumerate() {
        let values: Vec<f64> = panel.iter().map(|(r, _)| r[d]).filter(|v| v.is_finite()).collect();
        if values.len() < MIN_SAMPLE {
            continue;
        }
        let (low, high) = fences(&values);
        let inside = |v: f64| v.is_finite() && v >= low && v <= high;
        let annual: Vec<f64> = values.iter().copied().filter(|v| inside(*v)).collect();
        let mean = mean(&annual);
        let yearly: Vec<f64> = panel
            .iter()
            .enumerate()
            .filter(|(_, (r, _))| inside(r[d]))
            .map(|(i, (r, years))| {
                let y = mean + (r[d] - mean) * years.sqrt();
                kept[i][d] = y;
                y
            })
            .collect();
        let candidates = candidates(&yearly);
        let Some(chosen) = candidates
            .iter()
            .filter(|(_, ks)| ks.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(f, _)| f.clone())
        else {
            continue;
        };
        fits.push(DriverFit {
            driver: *driver,
            measured: values.len(),
            trimmed: values.len() - annual.len(),
            annual_mean: mean,
            annual_sd: sample_sd(&annual),
            yearly_sd: sample_sd(&yearly),
            chosen,
            candidates,
        });
    }
    (fits, kept)
}

/// The mean of a sample (the backtest's summary statistic, one definition).
fn mean(values: &[f64]) -> f64 {
    crate::numeric::stats::mean(values.iter().copied())
}

/// Tukey's far-out fences of `values`.
fn fences(values: &[f64]) -> (f64, f64) {
    let q1 = crate::numeric::stats::quantile(values, 0.25);
    let q3 = crate::numeric::stats::quantile(values, 0.75);
    let iqr = q3 - q1;
    (q1 - FENCE_IQR * iqr, q3 + FENCE_IQR * iqr)
}

/// The Kolmogorov-Smirnov statistic of `sample` against `fit`.
pub fn ks_statistic(sample: &[f64], fit: &Fit) -> f64 {
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let f = fit.cdf(*x);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max)
}

/// Normal and lognormal by moments, PERT with the sample's range and the
/// mode that gives the sample mean; each with its KS statistic.
fn candidates(sample: &[f64]) -> Vec<(Fit, f64)> {
    let (m, s) = (mean(sample), sample_sd(sample));
    let min = sample.iter().copied().fold(f64::INFINITY, f64::min);
    let max = sample.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut fits = vec![Fit::Normal { mean: m, sd: s }];
    if min > -1.0 && m > -1.0 {
        fits.push(Fit::Lognormal { mean: m, sd: s });
    }
    if max > min {
        let mode = ((6.0 * m - min - max) / 4.0).clamp(min, max);
        fits.push(Fit::Pert { min, mode, max });
    }
    fits.into_iter()
        .map(|f| {
            let ks = ks_statistic(sample, &f);
            (f, ks)
        })
        .collect()
}

/// Pearson correlations between fitted drivers over the hospitals with
/// every one of them kept (so the matrix is a proper correlation matrix).
fn correlations(fits: &[DriverFit], kept: &Kept) -> (Vec<(Driver, Driver, f64)>, usize) {
    let columns: Vec<usize> = fits.iter().filter_map(|f| MEASURED.iter().position(|d| *d == f.driver)).collect();
    let complete: Vec<&[f64; MEASURED.len()]> =
        kept.iter().filter(|row| columns.iter().all(|c| row[*c].is_finite())).collect();
    let mut out = Vec::new();
    if complete.len() < MIN_SAMPLE {
        return (out, complete.len());
    }
    for (i, a) in columns.iter().enumerate() {
        for b in &columns[i + 1..] {
            let xs: Vec<f64> = complete.iter().map(|r| r[*a]).collect();
            let ys: Vec<f64> = complete.iter().map(|r| r[*b]).collect();
            let (mx, my) = (mean(&xs), mean(&ys));
            let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum::<f64>();
            let rho = cov
                / (xs.iter().map(|x| (x - mx) * (x - mx)).sum::<f64>().sqrt()
                    * ys.iter().map(|y| (y - my) * (y - my)).sum::<f64>().sqrt());
            if rho.is_finite() {
                out.push((MEASURED[*a], MEASURED[*b], (rho * 100.0).round() / 100.0));
            }
        }
    }
    (out, complete.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ks_of_a_sample_against_its_own_uniform_is_one_over_n_at_most() {
        // Sample 0.1, 0.3, 0.5, 0.7, 0.9 against PERT(0, 0.5, 1) is not
        // uniform, but against a normal far away the statistic is ~1.
        let sample = [0.1, 0.3, 0.5, 0.7, 0.9];
        let far = Fit::Normal { mean: 100.0, sd: 1.0 };
        assert!((ks_statistic(&sample, &far) - 1.0).abs() < 1e-9);
        // Against N(0.5, sd): F(0.5) = 0.5, steps at 0.4 and 0.6 there: D >= 0.1.
        let centred = Fit::Normal { mean: 0.5, sd: 0.3 };
        assert!(ks_statistic(&sample, &centred) >= 0.1);
    }

    #[test]
    fn fences_are_three_iqr_beyond_the_quartiles() {
        // Quartiles of 1..=9: Q1 = 3, Q3 = 7, IQR = 4: fences -9 and 19.
        let values: Vec<f64> = (1..=9).map(f64::from).collect();
        assert_eq!(fences(&values), (-9.0, 19.0));
    }

    #[test]
    fn pert_mode_reproduces_the_mean() {
        // Sample mean (-0.1 + 0 + 0.02 + 0.2 + 0) / 5 = 0.024, range -0.1..0.2:
        // mode = (6 * 0.024 + 0.1 - 0.2) / 4 = 0.011.
        let sample = [-0.1, 0.0, 0.02, 0.2, 0.0];
        let fits = candidates(&sample);
        let pert = fits.iter().find(|(f, _)| f.name() == "pert").map(|(f, _)| f.clone());
        match pert {
            Some(Fit::Pert { min, mode, max }) => {
                assert_eq!((min, max), (-0.1, 0.2));
                assert!((mode - 0.011).abs() < 1e-12);
            }
            other => panic!("expected a PERT fit, got {other:?}"),
        }
    }

    #[test]
    fn rates_take_volume_out_and_annualise() {
        use crate::calendar::Date;
        use crate::scenario::{Costs, Revenue};
        let d = |v: i64| Decimal::from(v);
        let hospital = |days: i64, labor: i64, medicaid: i64| Hospital {
            ccn: "010001".into(),
            name: String::new(),
            city: String::new(),
            kind: "rural_pps_hospital".into(),
            state: "AL".into(),
            begin: Date::first_of_year(2017),
            end: Date::first_of_year(2017),
            revenue: Revenue {
                medicare_ffs: d(10),
                medicare_advantage: d(0),
                medicaid: d(medicaid),
                commercial: d(50),
                other: d(0),
            },
            costs: Costs { labor: d(labor), supplies: d(10), other: d(10) },
            patient_days: Some(d(days)),
            medicaid_reported: true,
            cash: None,
        };
        // Volume 1000 -> 1210 over 2 years: sqrt(1.21) - 1 = 0.10.
        // Labor 100 -> 121 with vcs 0: 0.10 a year; Medicaid 20 -> 24.2 is
        // flat per volume: 0.0.
        let r = rates(&hospital(1000, 100, 20), &hospital(1210, 121, 0).clone_with_medicaid(d(242) / d(10)), 2.0, 0.0);
        assert!((r[0] - 0.10).abs() < 1e-12);
        assert!((r[3] - 0.10).abs() < 1e-12);
        assert!(r[2].abs() < 1e-12);
    }

    trait WithMedicaid {
        fn clone_with_medicaid(&self, medicaid: Decimal) -> Hospital;
    }
    impl WithMedicaid for Hospital {
        fn clone_with_medicaid(&self, medicaid: Decimal) -> Hospital {
            let mut h = self.clone();
            h.revenue.medicaid = medicaid;
            h
        }
    }
}
