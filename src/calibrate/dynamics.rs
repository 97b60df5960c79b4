//! Fits MODEL.md v1.3's dynamics to three or more releases of cost reports
//! (issue 26): the drivers' yearly spreads and one-off noise, the price–cost
//! correlation and the cost response's speed and target, by the simulated
//! method of moments. Pure: panels in, a fit and its moments out.
//!
//! The panel is the hospitals (by CCN) present in every release, each at its
//! first release's kind; a hospital is left out of every moment when any
//! log change of its total revenue or costs (between consecutive releases,
//! and first to last) lies beyond Tukey's 3-IQR fences. The model is
//! projected from each hospital's own first report with `model::step`
//! (fee schedule, or cost based for critical access hospitals), its
//! replicates on common random numbers, and its moments are those of the
//! same hospitals. Tied parameters: one spread and noise for volume, one for
//! the commercial and Medicaid prices, one for the three cost inflations
//! (correlated [`COST_LINES_RHO`] with one another, an assumption: only
//! their total is observed); inpatient days load on volume one for one,
//! times a random walk of their own (that pins volume's spread). The
//! drivers' means are not fitted: for each parameter set they are solved so
//! that the simulated mean log changes of revenue, costs and days match the
//! observed ones, period by period. The objective weighs each moment by the
//! inverse of its bootstrap variance (resampling hospitals); Nelder–Mead
//! minimises it from two starts. `scripts/calibrate_dynamics` is the NumPy
//! prototype this follows.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;

use crate::import::panel::Hospital;
use crate::model::{self, Indices, Levers, Payment, PolicyState, Response, Terms};
use crate::numeric::cholesky;
use crate::numeric::math::{exp, ln, tanh};
use crate::numeric::optimize::nelder_mead;
use crate::numeric::stats::{quantile, sample_sd};

/// Tukey's far-out fences.
const FENCE_IQR: f64 = 3.0;
/// The three cost inflations' correlation with one another (assumption).
pub const COST_LINES_RHO: f64 = 0.9;
/// Fewest hospitals a group is fitted from.
pub const MIN_HOSPITALS: usize = 50;

/// What the fit needs besides the panels.
#[derive(Clone, Debug)]
pub struct Options {
    /// `variable_cost_share` of the model's costs.
    pub variable_cost_share: f64,
    /// The Medicare price update of calendar years (the realised IPPS
    /// updates), as (year, rate); a projected year not given is 0.
    pub medicare_updates: Vec<(i32, f64)>,
    /// Also fit each kind.
    pub by_kind: bool,
    /// Replicates per hospital.
    pub replicates: usize,
    /// Bootstrap resamples for the moments' weights.
    pub bootstrap: usize,
    /// Seed of the common random numbers and the bootstrap.
    pub seed: u64,
    /// Objective evaluations per Nelder–Mead run.
    pub evaluations: usize,
}

/// One hospital's totals in every release.
#[derive(Clone, Debug)]
struct Unit {
    kind: String,
    revenue: Vec<[f64; 5]>,
    costs: Vec<[f64; 3]>,
    days: Vec<Option<f64>>,
}

impl Unit {
    fn revenue_total(&self, k: usize) -> f64 {
        self.revenue[k].iter().sum()
    }
    fn costs_total(&self, k: usize) -> f64 {
        self.costs[k].iter().sum()
    }
}

/// The revenue lines in the order of [`Unit::revenue`] (the model's: FFS, MA,
/// Medicaid, commercial, other).
fn revenue_lines(r: &crate::scenario::Revenue) -> [rust_decimal::Decimal; 5] {
    [r.medicare_ffs, r.medicare_advantage, r.medicaid, r.commercial, r.other]
}

/// Hospitals in every release, and the years between releases.
#[derive(Clone, Debug)]
pub struct Series {
    units: Vec<Unit>,
    /// Years from the first release to each release (0 first).
    pub years: Vec<usize>,
    /// The calendar year of the first release's reports (the median
    /// midpoint's); projected year `t` is calendar year `first_year + t`.
    pub first_year: i32,
    /// CCNs in every release.
    pub matched: usize,
    /// Of them, hospitals whose kind changed between releases (kept at the first kind).
    pub kind_changed: usize,
}

impl Series {
    /// The hospitals of `releases` (in time order) present in every one.
    pub fn new(releases: &[&[Hospital]]) -> Series {
        let index: Vec<HashMap<&str, &Hospital>> =
            releases.iter().map(|r| r.iter().map(|h| (h.ccn.as_str(), h)).collect()).collect();
        let mut ccns: Vec<&str> = index.first().map(|m| m.keys().copied().collect()).unwrap_or_default();
        ccns.retain(|c| index.iter().all(|m| m.contains_key(c)));
        ccns.sort_unstable();
        let num = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(f64::NAN);
        let mut units = Vec::new();
        let mut kind_changed = 0;
        let mut gaps: Vec<Vec<f64>> = vec![Vec::new(); releases.len()];
        let mut midpoints: Vec<f64> = Vec::new();
        for ccn in &ccns {
            let rows: Vec<&Hospital> = index.iter().map(|m| m[ccn]).collect();
            if rows.iter().any(|h| h.kind != rows[0].kind) {
                kind_changed += 1;
            }
            // A change of payment basis (a hospital converting to critical access) is left out.
            let cah = |h: &Hospital| h.kind == "critical_access_hospital";
            if rows.iter().any(|h| cah(h) != cah(rows[0])) {
                continue;
            }
            for (k, h) in rows.iter().enumerate() {
                gaps[k].push((h.midpoint_day() - rows[0].midpoint_day()) as f64 / 365.25);
            }
            midpoints.push(rows[0].midpoint_day() as f64);
            let unit = Unit {
                kind: rows[0].kind.clone(),
                revenue: rows.iter().map(|h| revenue_lines(&h.revenue).map(num)).collect(),
                costs: rows.iter().map(|h| [h.costs.labor, h.costs.supplies, h.costs.other].map(num)).collect(),
                days: rows.iter().map(|h| h.patient_days.map(num)).collect(),
            };
            let positive = (0..rows.len()).all(|k| unit.revenue_total(k) > 0.0 && unit.costs_total(k) > 0.0);
            if positive {
                units.push(unit);
            }
        }
        let years = gaps.iter().map(|g| median(g).round().max(0.0) as usize).collect();
        let middle = median(&midpoints);
        let first_year =
            if middle.is_finite() { crate::calendar::date_from_day_number(middle as i64).year() } else { 0 };
        Series { units, years, first_year, matched: ccns.len(), kind_changed }
    }

    /// Hospitals in the series.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether the series has no hospital.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// The parameters fitted (yearly).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dynamics {
    /// `volume_growth` sd and noise.
    pub volume: (f64, f64),
    /// `commercial_rate_growth` and `medicaid_rate_growth` sd and noise.
    pub price: (f64, f64),
    /// The three inflations' sd and noise.
    pub cost: (f64, f64),
    /// Correlation of each price with each cost inflation.
    pub price_cost_rho: f64,
    /// Cost response speed.
    pub speed: f64,
    /// Weight of the hospital's own base margin in its target (the rest is
    /// its kind's median): 1 is `target: base`.
    pub own_weight: f64,
    /// The days walk's yearly sd (a nuisance parameter).
    pub days_sd: f64,
}

impl Dynamics {
    /// From the optimiser's unconstrained coordinates.
    fn from_coordinates(x: &[f64]) -> Dynamics {
        // MODEL.md v1.3: noise in 0..=1; speed and the target's weight shares.
        let share = |v: f64| v.abs().min(1.0);
        Dynamics {
            volume: (x[0].abs(), share(x[1])),
            price: (x[2].abs(), share(x[3])),
            cost: (x[4].abs(), share(x[5])),
            // |rho| below 0.68 keeps the matrix with the 0.9 cost block positive definite.
            price_cost_rho: 0.68 * tanh(x[6]),
            speed: share(x[7]),
            own_weight: share(x[8]),
            days_sd: x[9].abs(),
        }
    }

    fn coordinates(&self) -> Vec<f64> {
        let atanh = |v: f64| {
            let v = v.clamp(-1.0 + 1e-12, 1.0 - 1e-12);
            0.5 * ln((1.0 + v) / (1.0 - v))
        };
        vec![
            self.volume.0,
            self.volume.1,
            self.price.0,
            self.price.1,
            self.cost.0,
            self.cost.1,
            atanh(self.price_cost_rho / 0.68),
            self.speed,
            self.own_weight,
            self.days_sd,
        ]
    }

    fn start() -> Dynamics {
        Dynamics {
            volume: (0.04, 0.01),
            price: (0.05, 0.01),
            cost: (0.05, 0.01),
            price_cost_rho: 0.3,
            speed: 0.3,
            own_weight: 0.7,
            days_sd: 0.08,
        }
    }
}

/// One moment: its name and meaning, observed and fitted values, and the
/// bootstrap standard error of the observed one. `weighted` moments are in
/// the objective; the means are matched, the medians reported.
#[derive(Clone, Debug)]
pub struct Moment {
    /// Short name, e.g. `sd_dR_1`.
    pub name: String,
    /// What it is, for the table.
    pub label: String,
    /// From the reports.
    pub observed: f64,
    /// From the fitted model.
    pub fitted: f64,
    /// Bootstrap standard error of `observed`.
    pub se: f64,
    /// Whether the objective weighs it.
    pub weighted: bool,
}

/// A group's fit.
#[derive(Clone, Debug)]
pub struct GroupFit {
    /// `all` or a kind.
    pub group: String,
    /// Hospitals in the group, and kept after trimming.
    pub hospitals: usize,
    /// Kept after trimming.
    pub kept: usize,
    /// The fitted parameters.
    pub dynamics: Dynamics,
    /// The objective at the fit (sum of squared standardised misses).
    pub objective: f64,
    /// The same fit with `target: base` (own weight 1): its objective.
    pub objective_base_target: f64,
    /// The parameters refitted with `target: base` (own weight 1): the speed
    /// to use with that target.
    pub base_target: Dynamics,
    /// The parameters refitted with the kind's median as the target (own
    /// weight 0), and the objective.
    pub median_target: Dynamics,
    /// Its objective.
    pub objective_median_target: f64,
    /// Moments the objective left out: their observed value or bootstrap
    /// error is not a number (e.g. no inpatient days in the tables).
    pub unusable_moments: Vec<String>,
    /// Every moment.
    pub moments: Vec<Moment>,
    /// The kind's median base margin the target shrinks toward.
    pub median_margin: f64,
    /// The drivers' yearly means solved for each period between releases
    /// (in sample: they reproduce that period's mean changes), as
    /// (commercial and Medicaid price growth, cost inflation); volume's
    /// mean is 0 and its drift is in the days walk. A projection from a
    /// later release may use them as the trend known at its origin.
    pub period_means: Vec<(f64, f64)>,
}

/// The fit of every group.
#[derive(Clone, Debug)]
pub struct DynamicsFit {
    /// Years from the first release to each release.
    pub years: Vec<usize>,
    /// CCNs in every release.
    pub matched: usize,
    /// Hospitals whose kind changed (kept at their first kind).
    pub kind_changed: usize,
    /// All kinds, then each kind (with `by_kind`).
    pub groups: Vec<GroupFit>,
}

/// Fits every group of `series`.
pub fn fit(series: &Series, options: &Options) -> DynamicsFit {
    let mut kinds: Vec<String> = series.units.iter().map(|u| u.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    let mut groups = vec![("all".to_string(), series.units.iter().collect::<Vec<_>>())];
    if options.by_kind {
        for kind in &kinds {
            groups.push((kind.clone(), series.units.iter().filter(|u| &u.kind == kind).collect()));
        }
    }
    let groups = groups
        .into_iter()
        .filter(|(_, units)| units.len() >= MIN_HOSPITALS)
        .map(|(name, units)| fit_group(&name, &units, &series.years, series.first_year, options))
        .collect();
    DynamicsFit { years: series.years.clone(), matched: series.matched, kind_changed: series.kind_changed, groups }
}

/// Totals of a group's hospitals, `[hospital][release]`.
struct Totals {
    revenue: Vec<Vec<f64>>,
    costs: Vec<Vec<f64>>,
    days: Vec<Vec<f64>>,
}

fn totals(units: &[&Unit]) -> Totals {
    let releases = units.first().map_or(0, |u| u.revenue.len());
    Totals {
        revenue: units.iter().map(|u| (0..releases).map(|k| u.revenue_total(k)).collect()).collect(),
        costs: units.iter().map(|u| (0..releases).map(|k| u.costs_total(k)).collect()).collect(),
        days: units.iter().map(|u| u.days.iter().map(|d| d.unwrap_or(f64::NAN)).collect()).collect(),
    }
}

fn fit_group(name: &str, units: &[&Unit], years: &[usize], first_year: i32, options: &Options) -> GroupFit {
    let observed_totals = totals(units);
    let keep = trim(&observed_totals);
    let spec = MomentSpec::new(years.len());
    let observed = spec.compute(&observed_totals, &keep);
    let se = bootstrap(&spec, &observed_totals, options);
    // A moment the reports cannot give (no inpatient days in a cohort table,
    // a correlation of constants) leaves the objective, and the fit says so.
    let mut spec = spec;
    let unusable: Vec<usize> = spec
        .weighted
        .iter()
        .copied()
        .filter(|&m| !(observed[m].is_finite() && se[m].is_finite() && se[m] > 0.0))
        .collect();
    spec.weighted.retain(|m| !unusable.contains(m));
    let spec = spec;
    let median_by_kind = kind_medians(units);
    let sim = Simulation::new(units, years, first_year, options, &median_by_kind);
    let replicate_keep: Vec<bool> = (0..sim.units()).map(|i| keep[i % units.len()]).collect();
    let objective = |d: &Dynamics, means: &Means| -> (f64, Vec<f64>) {
        let simulated = spec.compute(&sim.run(d, means), &replicate_keep);
        let j = spec
            .weighted
            .iter()
            .map(|&m| {
                let z = (simulated[m] - observed[m]) / se[m].max(1e-9);
                z * z
            })
            .sum::<f64>();
        (if j.is_finite() { j } else { f64::MAX }, simulated)
    };
    let run = |start: Dynamics, fixed_own: Option<f64>| -> (Dynamics, Means, f64) {
        let mut means = sim.solve_means(&start, &Means::initial(years.len()), &spec, &observed, &replicate_keep, 8);
        let mut x = start.coordinates();
        let mut best = (start, f64::MAX);
        for round in 0..3 {
            let mut f = |x: &[f64]| {
                let mut d = Dynamics::from_coordinates(x);
                if let Some(w) = fixed_own {
                    d.own_weight = w;
                }
                objective(&d, &means).0
            };
            let budget = if round == 0 { options.evaluations } else { options.evaluations / 2 };
            let (point, value) = nelder_mead(&mut f, &x, budget, 1e-4, 1e-3);
            x = point;
            let mut d = Dynamics::from_coordinates(&x);
            if let Some(w) = fixed_own {
                d.own_weight = w;
            }
            means = sim.solve_means(&d, &means, &spec, &observed, &replicate_keep, 4);
            best = (d, value);
        }
        let (d, _) = best;
        let j = objective(&d, &means).0;
        (d, means, j)
    };
    let (first, first_means, first_j) = run(Dynamics::start(), None);
    // A second start, from the first optimum moved toward moderate values.
    let mut restart = first;
    restart.speed = (first.speed + 0.3) / 2.0;
    restart.own_weight = (first.own_weight + 0.5) / 2.0;
    let (second, second_means, second_j) = run(restart, None);
    let (dynamics, means, objective_value) =
        if second_j < first_j { (second, second_means, second_j) } else { (first, first_means, first_j) };
    let (base_target, _, objective_base_target) = run(dynamics, Some(1.0));
    let (median_target, _, objective_median_target) = run(dynamics, Some(0.0));
    let fitted = objective(&dynamics, &means).1;
    let moments = spec
        .names
        .iter()
        .enumerate()
        .map(|(m, (name, label))| Moment {
            name: name.clone(),
            label: label.clone(),
            observed: observed[m],
            fitted: fitted[m],
            se: se[m],
            weighted: spec.weighted.contains(&m),
        })
        .collect();
    let all: Vec<f64> = units.iter().map(|u| margin(u.revenue_total(0), u.costs_total(0))).collect();
    GroupFit {
        group: name.to_string(),
        hospitals: units.len(),
        kept: keep.iter().filter(|k| **k).count(),
        dynamics,
        objective: objective_value,
        objective_base_target,
        base_target,
        median_target,
        objective_median_target,
        unusable_moments: unusable.iter().map(|&m| spec.names[m].0.clone()).collect(),
        moments,
        median_margin: median(&all),
        period_means: means.price.iter().zip(&means.cost).map(|(p, c)| (*p, *c)).collect(),
    }
}

/// The model's margin (one equation, `model::margin`).
fn margin(revenue: f64, costs: f64) -> f64 {
    model::margin(revenue, costs)
}

fn kind_medians(units: &[&Unit]) -> HashMap<String, f64> {
    let mut by: HashMap<String, Vec<f64>> = HashMap::new();
    for u in units {
        by.entry(u.kind.clone()).or_default().push(margin(u.revenue_total(0), u.costs_total(0)));
    }
    by.into_iter().map(|(k, v)| (k, median(&v))).collect()
}

/// Which hospitals every moment uses: every log change of total revenue and
/// costs (consecutive releases, and first to last) inside its fences.
fn trim(t: &Totals) -> Vec<bool> {
    let n = t.revenue.len();
    let releases = t.revenue.first().map_or(0, Vec::len);
    let mut keep = vec![true; n];
    for series in [&t.revenue, &t.costs] {
        for (a, b) in pairs(releases) {
            let change: Vec<f64> = series.iter().map(|r| ln(r[b]) - ln(r[a])).collect();
            let (low, high) = fences(&change);
            for (k, c) in keep.iter_mut().zip(&change) {
                *k &= c.is_finite() && *c >= low && *c <= high;
            }
        }
    }
    keep
}

/// Consecutive pairs of releases, then first to last (when there are three or more).
fn pairs(releases: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = (1..releases).map(|k| (k - 1, k)).collect();
    if releases >= 3 {
        out.push((0, releases - 1));
    }
    out
}

fn fences(values: &[f64]) -> (f64, f64) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    let (q1, q3) = (quantile(&finite, 0.25), quantile(&finite, 0.75));
    (q1 - FENCE_IQR * (q3 - q1), q3 + FENCE_IQR * (q3 - q1))
}

/// The median; NaN when there are no values.
fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// The mean; NaN when there are no values.
fn mean(values: &[f64]) -> f64 {
    crate::numeric::stats::mean(values.iter().copied())
}

/// The sample standard deviation; NaN (a moment the data cannot give) for
/// fewer than two values.
fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    sample_sd(values)
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a), mean(b));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    ab / (aa * bb).sqrt()
}

/// The moments of a number of releases, by index into `names`.
struct MomentSpec {
    names: Vec<(String, String)>,
    weighted: Vec<usize>,
    releases: usize,
}

impl MomentSpec {
    fn new(releases: usize) -> MomentSpec {
        let mut spec = MomentSpec { names: Vec::new(), weighted: Vec::new(), releases };
        let span = |(a, b): (usize, usize)| format!("{}-{}", a + 1, b + 1);
        for (a, b) in pairs(releases) {
            let s = span((a, b));
            for (name, label) in [
                ("sd_dR", "sd of the log change of revenue"),
                ("sd_dC", "sd of the log change of costs"),
                ("cor_RC", "correlation of the revenue and cost changes"),
                ("sd_dY", "sd of the change of log(revenue / costs)"),
                ("ac_M", "margin autocorrelation"),
                ("sd_dD", "sd of the log change of inpatient days"),
            ] {
                spec.push(&format!("{name}_{s}"), &format!("{label}, releases {s}"), true);
            }
            if b == a + 1 {
                spec.push(
                    &format!("cor_DR_{s}"),
                    &format!("correlation of days and revenue changes, releases {s}"),
                    true,
                );
                spec.push(&format!("cor_DC_{s}"), &format!("correlation of days and cost changes, releases {s}"), true);
            }
        }
        for k in 1..releases {
            spec.push(
                &format!("sd_M_{}", k + 1),
                &format!("spread of margins across hospitals, release {}", k + 1),
                true,
            );
        }
        for k in 2..releases {
            let (first, second) = (span((k - 2, k - 1)), span((k - 1, k)));
            for (name, label) in [
                ("cc_R", "correlation of consecutive revenue changes"),
                ("cc_C", "correlation of consecutive cost changes"),
                ("cc_Y", "correlation of consecutive changes of log(revenue / costs)"),
                ("cx_RC", "correlation of a revenue change with the next cost change"),
                ("cx_CR", "correlation of a cost change with the next revenue change"),
            ] {
                spec.push(&format!("{name}_{first}_{second}"), &format!("{label}, {first} then {second}"), true);
            }
        }
        for k in 1..releases {
            let s = span((k - 1, k));
            spec.push(&format!("mean_dR_{s}"), &format!("mean log change of revenue, releases {s} (matched)"), false);
            spec.push(&format!("mean_dC_{s}"), &format!("mean log change of costs, releases {s} (matched)"), false);
            spec.push(
                &format!("mean_dD_{s}"),
                &format!("mean log change of inpatient days, releases {s} (matched)"),
                false,
            );
        }
        for k in 0..releases {
            spec.push(&format!("med_M_{}", k + 1), &format!("median margin, release {}", k + 1), false);
        }
        spec
    }

    fn push(&mut self, name: &str, label: &str, weighted: bool) {
        if weighted {
            self.weighted.push(self.names.len());
        }
        self.names.push((name.to_string(), label.to_string()));
    }

    fn index(&self, name: &str) -> usize {
        self.names.iter().position(|(n, _)| n == name).unwrap_or(usize::MAX)
    }

    /// Every moment of the hospitals `keep` marks, in `names` order.
    fn compute(&self, t: &Totals, keep: &[bool]) -> Vec<f64> {
        let rows: Vec<usize> = (0..t.revenue.len()).filter(|&i| keep.get(i).copied().unwrap_or(false)).collect();
        let log = |series: &Vec<Vec<f64>>, k: usize| -> Vec<f64> { rows.iter().map(|&i| ln(series[i][k])).collect() };
        let releases = self.releases;
        let lr: Vec<Vec<f64>> = (0..releases).map(|k| log(&t.revenue, k)).collect();
        let lc: Vec<Vec<f64>> = (0..releases).map(|k| log(&t.costs, k)).collect();
        let ly: Vec<Vec<f64>> = (0..releases).map(|k| lr[k].iter().zip(&lc[k]).map(|(r, c)| r - c).collect()).collect();
        let m: Vec<Vec<f64>> =
            (0..releases).map(|k| rows.iter().map(|&i| margin(t.revenue[i][k], t.costs[i][k])).collect()).collect();
        let diff = |l: &Vec<Vec<f64>>, a: usize, b: usize| -> Vec<f64> {
            l[b].iter().zip(&l[a]).map(|(y, x)| y - x).collect()
        };
        // Days: hospitals with days in every release whose days changes lie inside their fences.
        let mut days_ok: Vec<bool> =
            rows.iter().map(|&i| t.days[i].iter().all(|d| d.is_finite() && *d > 0.0)).collect();
        let ld: Vec<Vec<f64>> = (0..releases)
            .map(|k| rows.iter().map(|&i| if t.days[i][k] > 0.0 { ln(t.days[i][k]) } else { f64::NAN }).collect())
            .collect();
        for (a, b) in pairs(releases) {
            let change: Vec<f64> =
                diff(&ld, a, b).iter().zip(&days_ok).map(|(c, ok)| if *ok { *c } else { f64::NAN }).collect();
            let (low, high) = fences(&change);
            for (ok, c) in days_ok.iter_mut().zip(&change) {
                *ok &= c.is_finite() && *c >= low && *c <= high;
            }
        }
        let pick = |v: &[f64]| -> Vec<f64> { v.iter().zip(&days_ok).filter(|(_, ok)| **ok).map(|(x, _)| *x).collect() };
        let mut out = vec![f64::NAN; self.names.len()];
        let mut set = |name: String, value: f64| {
            if let Some(slot) = out.get_mut(self.index(&name)) {
                *slot = value;
            }
        };
        let span = |a: usize, b: usize| format!("{}-{}", a + 1, b + 1);
        for (a, b) in pairs(releases) {
            let s = span(a, b);
            let (dr, dc, dy) = (diff(&lr, a, b), diff(&lc, a, b), diff(&ly, a, b));
            set(format!("sd_dR_{s}"), sd(&dr));
            set(format!("sd_dC_{s}"), sd(&dc));
            set(format!("cor_RC_{s}"), correlation(&dr, &dc));
            set(format!("sd_dY_{s}"), sd(&dy));
            set(format!("ac_M_{s}"), correlation(&m[a], &m[b]));
            let dd = pick(&diff(&ld, a, b));
            set(format!("sd_dD_{s}"), sd(&dd));
            if b == a + 1 {
                set(format!("cor_DR_{s}"), correlation(&dd, &pick(&dr)));
                set(format!("cor_DC_{s}"), correlation(&dd, &pick(&dc)));
                set(format!("mean_dR_{s}"), mean(&dr));
                set(format!("mean_dC_{s}"), mean(&dc));
                set(format!("mean_dD_{s}"), mean(&dd));
            }
        }
        for (k, margins) in m.iter().enumerate() {
            if k > 0 {
                set(format!("sd_M_{}", k + 1), sd(margins));
            }
            set(format!("med_M_{}", k + 1), median(margins));
        }
        for k in 2..releases {
            let (first, second) = (span(k - 2, k - 1), span(k - 1, k));
            let (r1, r2) = (diff(&lr, k - 2, k - 1), diff(&lr, k - 1, k));
            let (c1, c2) = (diff(&lc, k - 2, k - 1), diff(&lc, k - 1, k));
            let (y1, y2) = (diff(&ly, k - 2, k - 1), diff(&ly, k - 1, k));
            set(format!("cc_R_{first}_{second}"), correlation(&r1, &r2));
            set(format!("cc_C_{first}_{second}"), correlation(&c1, &c2));
            set(format!("cc_Y_{first}_{second}"), correlation(&y1, &y2));
            set(format!("cx_RC_{first}_{second}"), correlation(&r1, &c2));
            set(format!("cx_CR_{first}_{second}"), correlation(&c1, &r2));
        }
        out
    }
}

/// Each moment's bootstrap standard error: hospitals resampled with
/// replacement, trimming redone in every resample.
fn bootstrap(spec: &MomentSpec, t: &Totals, options: &Options) -> Vec<f64> {
    let n = t.revenue.len();
    let mut uniforms = vec![0.0; n * options.bootstrap];
    crate::engine::standard_normals(options.seed, 1, "<bootstrap>", &mut uniforms);
    let mut draws: Vec<Vec<f64>> = Vec::with_capacity(options.bootstrap);
    for b in 0..options.bootstrap {
        // A normal's CDF is uniform: hospital floor(n * Phi(z)).
        let picks: Vec<usize> = uniforms[b * n..(b + 1) * n]
            .iter()
            .map(|z| ((crate::numeric::special::normal_cdf(*z) * n as f64) as usize).min(n - 1))
            .collect();
        let resample = Totals {
            revenue: picks.iter().map(|&i| t.revenue[i].clone()).collect(),
            costs: picks.iter().map(|&i| t.costs[i].clone()).collect(),
            days: picks.iter().map(|&i| t.days[i].clone()).collect(),
        };
        let keep = trim(&resample);
        draws.push(spec.compute(&resample, &keep));
    }
    (0..spec.names.len())
        .map(|m| {
            let values: Vec<f64> = draws.iter().map(|d| d[m]).filter(|v| v.is_finite()).collect();
            sd(&values)
        })
        .collect()
}

/// The drivers' means by period between releases: volume 0 (assumption),
/// prices (commercial and Medicaid alike), costs, and days' own drift.
#[derive(Clone, Debug)]
struct Means {
    price: Vec<f64>,
    cost: Vec<f64>,
    days: Vec<f64>,
}

impl Means {
    fn initial(releases: usize) -> Means {
        let periods = releases.saturating_sub(1);
        Means { price: vec![0.05; periods], cost: vec![0.04; periods], days: vec![0.0; periods] }
    }
}

/// The projection of a group's hospitals from their first reports, with
/// fixed standard normals (common random numbers).
struct Simulation<'a> {
    units: &'a [&'a Unit],
    replicates: usize,
    years: &'a [usize],
    /// The Medicare update of each projected year (index 0: year 1).
    updates: Vec<f64>,
    options: &'a Options,
    medians: &'a HashMap<String, f64>,
    /// `[year][unit][driver]`: v, pc, pd, labor, supplies, other.
    draws: Vec<f64>,
    noise: Vec<f64>,
    walk: Vec<f64>,
}

const DRIVERS: usize = 6;

impl<'a> Simulation<'a> {
    fn new(
        units: &'a [&'a Unit],
        years: &'a [usize],
        first_year: i32,
        options: &'a Options,
        medians: &'a HashMap<String, f64>,
    ) -> Simulation<'a> {
        let horizon = years.last().copied().unwrap_or(0);
        let updates = (1..=horizon)
            .map(|t| {
                let year = first_year + t as i32;
                options.medicare_updates.iter().find(|(y, _)| *y == year).map_or(0.0, |(_, rate)| *rate)
            })
            .collect();
        let count = units.len() * options.replicates;
        let mut draws = vec![0.0; horizon * count * DRIVERS];
        let mut noise = vec![0.0; horizon * count * DRIVERS];
        let mut walk = vec![0.0; horizon * count];
        crate::engine::standard_normals(options.seed, 2, "<calibrate-draws>", &mut draws);
        crate::engine::standard_normals(options.seed, 3, "<calibrate-noise>", &mut noise);
        crate::engine::standard_normals(options.seed, 4, "<calibrate-days>", &mut walk);
        Simulation { units, replicates: options.replicates, years, updates, options, medians, draws, noise, walk }
    }

    fn units(&self) -> usize {
        self.units.len() * self.replicates
    }

    fn period(&self, year: usize) -> usize {
        self.years.iter().skip(1).position(|&y| year <= y).unwrap_or(0)
    }

    /// Totals of every replicate at every release, `[unit][release]` (unit
    /// `r * hospitals + h`).
    fn run(&self, d: &Dynamics, means: &Means) -> Totals {
        let n = self.units.len();
        let count = self.units();
        let horizon = self.years.last().copied().unwrap_or(0);
        let releases = self.years.len();
        // The copula: v alone; pc, pd with each cost line at rho; cost lines at 0.9.
        let mut matrix = vec![0.0; DRIVERS * DRIVERS];
        for i in 0..DRIVERS {
            matrix[i * DRIVERS + i] = 1.0;
        }
        for i in 3..DRIVERS {
            for j in 3..DRIVERS {
                if i != j {
                    matrix[i * DRIVERS + j] = COST_LINES_RHO;
                }
            }
            for p in 1..3 {
                matrix[p * DRIVERS + i] = d.price_cost_rho;
                matrix[i * DRIVERS + p] = d.price_cost_rho;
            }
        }
        let lower = cholesky(&matrix, DRIVERS).unwrap_or_else(|| {
            let mut identity = vec![0.0; DRIVERS * DRIVERS];
            (0..DRIVERS).for_each(|i| identity[i * DRIVERS + i] = 1.0);
            identity
        });
        let sds = [d.volume.0, d.price.0, d.price.0, d.cost.0, d.cost.0, d.cost.0];
        let noises = [d.volume.1, d.price.1, d.price.1, d.cost.1, d.cost.1, d.cost.1];
        let vcs = self.options.variable_cost_share;
        let mut out = Totals {
            revenue: vec![vec![0.0; releases]; count],
            costs: vec![vec![0.0; releases]; count],
            days: vec![vec![0.0; releases]; count],
        };
        for unit in 0..count {
            let h = self.units[unit % n];
            let base_margin = margin(h.revenue_total(0), h.costs_total(0));
            let median = self.medians.get(&h.kind).copied().unwrap_or(base_margin);
            let target = median + d.own_weight * (base_margin - median);
            let terms = terms(h, vcs, d.speed, target);
            let mut lasting = [1.0f64; DRIVERS];
            let mut state = PolicyState::opening(&terms);
            let mut walk = 0.0;
            let days0 = h.days[0].unwrap_or(f64::NAN);
            out.revenue[unit][0] = h.revenue_total(0);
            out.costs[unit][0] = h.costs_total(0);
            out.days[unit][0] = days0;
            for year in 1..=horizon {
                let p = self.period(year);
                let mu = [0.0, means.price[p], means.price[p], means.cost[p], means.cost[p], means.cost[p]];
                let at = ((year - 1) * count + unit) * DRIVERS;
                let z = &self.draws[at..at + DRIVERS];
                let zn = &self.noise[at..at + DRIVERS];
                let mut index = [0.0; DRIVERS];
                for i in 0..DRIVERS {
                    let correlated: f64 = (0..=i).map(|k| lower[i * DRIVERS + k] * z[k]).sum();
                    let x = model::clamp_growth(mu[i] + sds[i] * correlated);
                    lasting[i] *= 1.0 + x;
                    index[i] = model::shocked_index(lasting[i], None, model::clamp_growth(noises[i] * zn[i]));
                }
                let idx = Indices {
                    volume: index[0],
                    commercial_price: index[1],
                    medicaid_price: index[2],
                    ma_moved: 0.0,
                    labor: index[3],
                    supplies: index[4],
                    other: index[5],
                };
                let update = self.updates[year - 1];
                let levers = Levers { sequestration: 0.0, medicare_update: update, add_on: 0.0, relief: 0.0 };
                let outcome = model::step(&terms, &model::basis(&terms, &idx), &levers, &mut state);
                walk += means.days[p] + d.days_sd * self.walk[(year - 1) * count + unit];
                if let Some(k) = self.years.iter().position(|&y| y == year) {
                    out.revenue[unit][k] = outcome.accounts.revenue;
                    out.costs[unit][k] = outcome.accounts.costs;
                    out.days[unit][k] = days0 * idx.volume * exp(walk);
                }
            }
        }
        out
    }

    /// Means per period such that the simulated mean log changes of revenue,
    /// costs and days match the observed ones (fixed-point iterations).
    fn solve_means(
        &self,
        d: &Dynamics,
        start: &Means,
        spec: &MomentSpec,
        observed: &[f64],
        keep: &[bool],
        iterations: usize,
    ) -> Means {
        let mut means = start.clone();
        let price_share = mean(
            &self
                .units
                .iter()
                .map(|u| (u.revenue[0][2] + u.revenue[0][3] + u.revenue[0][4]) / u.revenue_total(0))
                .collect::<Vec<_>>(),
        )
        .max(0.05);
        for _ in 0..iterations {
            let simulated = spec.compute(&self.run(d, &means), keep);
            for p in 0..means.price.len() {
                let s = format!("{}-{}", p + 1, p + 2);
                let miss = |name: &str| {
                    let m = spec.index(&format!("{name}_{s}"));
                    let gap = observed.get(m).copied().unwrap_or(0.0) - simulated.get(m).copied().unwrap_or(0.0);
                    if gap.is_finite() {
                        gap
                    } else {
                        0.0
                    }
                };
                let years = (self.years[p + 1] - self.years[p]).max(1) as f64;
                let (dr, dc, dd) = (miss("mean_dR"), miss("mean_dC"), miss("mean_dD"));
                means.cost[p] += dc / years;
                means.price[p] += (dr - 0.5 * dc) / years / price_share;
                means.days[p] += dd / years;
            }
        }
        means
    }
}

/// A hospital's first report as the model's terms: revenue lines as
/// reported, costs with the given variable share, fee schedule or (critical
/// access hospitals) cost based, and the cost response.
fn terms(h: &Unit, vcs: f64, speed: f64, target: f64) -> Terms<f64> {
    let [ffs, ma, medicaid, commercial, other] = h.revenue[0];
    let [labor, supplies, other_costs] = h.costs[0];
    Terms {
        medicare_ffs: ffs,
        medicare_advantage: ma,
        medicaid,
        commercial,
        other_revenue: other,
        labor,
        supplies,
        other_costs,
        base_costs: labor + supplies + other_costs,
        variable_cost_share: vcs,
        payment: if h.kind == "critical_access_hospital" { Payment::CostBased } else { Payment::FeeSchedule },
        program_share: 0.8,
        ma_passthrough: 0.0,
        ma_rate_ratio: 1.0,
        distress_margin: 0.0,
        distress_days_cash: 0.0,
        closure_days_cash: 0.0,
        cash: 0.0,
        response: Response::Steer { speed, target },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_of_a_hand_made_panel() {
        // Three hospitals, three releases; revenue doubles for hospital 0,
        // stays for 1, halves for 2 between releases 1 and 2; costs stay.
        let t = Totals {
            revenue: vec![vec![100.0, 200.0, 200.0], vec![100.0, 100.0, 100.0], vec![100.0, 50.0, 50.0]],
            costs: vec![vec![90.0, 90.0, 90.0], vec![90.0, 90.0, 90.0], vec![90.0, 90.0, 90.0]],
            days: vec![vec![10.0, 10.0, 10.0]; 3],
        };
        let spec = MomentSpec::new(3);
        let m = spec.compute(&t, &[true, true, true]);
        let at = |name: &str| m[spec.index(name)];
        // log changes ln 2, 0, -ln 2: mean 0, sd = sqrt((ln2^2 + ln2^2) / 2) = ln 2.
        assert!((at("sd_dR_1-2") - ln(2.0)).abs() < 1e-12);
        assert!(at("mean_dR_1-2").abs() < 1e-12);
        assert_eq!(at("sd_dC_1-2"), 0.0);
        // Nothing moves between releases 2 and 3.
        assert_eq!(at("sd_dR_2-3"), 0.0);
        // Margins in release 2: 0.55, 0.1, -0.8; their sd by hand:
        // mean -0.05; deviations 0.6, 0.15, -0.75; sum of squares 0.945; /2 = 0.4725.
        assert!((at("sd_M_2") - 0.4725f64.sqrt()).abs() < 1e-12);
        assert_eq!(at("med_M_1"), 0.1);
    }

    /// A panel simulated from known dynamics (each hospital one path) is
    /// fitted back close to them: the moments identify what they should.
    #[test]
    fn a_fit_recovers_the_dynamics_that_made_the_panel() {
        let truth = Dynamics {
            volume: (0.06, 0.0),
            price: (0.09, 0.04),
            cost: (0.07, 0.0),
            price_cost_rho: 0.4,
            speed: 0.2,
            own_weight: 0.4,
            days_sd: 0.08,
        };
        // 600 hospitals of three kinds and sizes, margins from -15% to +15%.
        let units: Vec<Unit> = (0..600)
            .map(|i| {
                let scale = 1.0 + (i % 7) as f64;
                let margin = -0.15 + 0.3 * ((i * 37) % 101) as f64 / 100.0;
                let revenue = [30.0 * scale, 15.0 * scale, 10.0 * scale, 40.0 * scale, 5.0 * scale];
                let total: f64 = revenue.iter().sum();
                let costs_total = total * (1.0 - margin);
                let kind = ["critical_access_hospital", "rural_pps_hospital", "urban_pps_hospital"][i % 3];
                Unit {
                    kind: kind.to_string(),
                    revenue: vec![revenue; 3],
                    costs: vec![[0.5 * costs_total, 0.1 * costs_total, 0.4 * costs_total]; 3],
                    days: vec![Some(1000.0 * scale); 3],
                }
            })
            .collect();
        let years = [0, 2, 4];
        let options = Options {
            variable_cost_share: 0.35,
            medicare_updates: (2018..=2021).map(|y| (y, 0.02)).collect(),
            by_kind: false,
            replicates: 1,
            bootstrap: 40,
            seed: 99,
            evaluations: 400,
        };
        let refs: Vec<&Unit> = units.iter().collect();
        let medians = kind_medians(&refs);
        let maker_options = Options { seed: 7, ..options.clone() };
        let maker = Simulation::new(&refs, &years, 2017, &maker_options, &medians);
        let means = Means { price: vec![0.03, 0.04], cost: vec![0.035, 0.045], days: vec![-0.01, 0.0] };
        let made = maker.run(&truth, &means);
        // The simulated totals become the later releases (each line scaled alike).
        let panel: Vec<Unit> = units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let mut u = u.clone();
                for k in 1..3 {
                    let (r, c) = (made.revenue[i][k] / made.revenue[i][0], made.costs[i][k] / made.costs[i][0]);
                    u.revenue[k] = u.revenue[0].map(|v| v * r);
                    u.costs[k] = u.costs[0].map(|v| v * c);
                    u.days[k] = Some(made.days[i][k]);
                }
                u
            })
            .collect();
        let refs: Vec<&Unit> = panel.iter().collect();
        let fit = fit_group("all", &refs, &years, 2017, &options);
        let d = fit.dynamics;
        assert!((d.speed - truth.speed).abs() < 0.1, "{d:?}");
        assert!((d.price.0 - truth.price.0).abs() < 0.03, "{d:?}");
        assert!((d.cost.0 - truth.cost.0).abs() < 0.02, "{d:?}");
        assert!((d.volume.0 - truth.volume.0).abs() < 0.03, "{d:?}");
        // A target of the hospital's own margin fits worse than the truth's mix.
        assert!(fit.objective_base_target > fit.objective, "{fit:?}");
    }

    #[test]
    fn trimming_drops_a_far_out_change() {
        // Twenty hospitals growing 1-20%, one growing 100-fold.
        let mut revenue: Vec<Vec<f64>> =
            (1..=20).map(|g| vec![100.0, 100.0 * (1.0 + g as f64 / 100.0), 110.0]).collect();
        revenue.push(vec![100.0, 10_000.0, 10_000.0]);
        let costs = vec![vec![90.0, 90.0, 90.0]; 21];
        let t = Totals { revenue, costs, days: vec![vec![1.0; 3]; 21] };
        let keep = trim(&t);
        assert!(keep[..20].iter().all(|k| *k));
        assert!(!keep[20]);
    }
}
