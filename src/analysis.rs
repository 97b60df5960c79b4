//! Comparative questions above the engine: lever sweeps, break-even values
//! by bisection, and tornado sensitivities. Every run here uses the same
//! seed and paths, so results are paired with common random numbers; nothing
//! here does I/O.

use std::ops::Range;

pub mod at_risk;

use crate::engine::summary::{summarize, CompareRow, SummaryRow};
use crate::engine::{simulate, Accumulator, EngineError, Plan};
use crate::scenario::{Driver, Lever};

/// How each run of an analysis is carried out.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// Seed.
    pub seed: u64,
    /// Paths of every run.
    pub paths: u64,
    /// Worker threads.
    pub threads: usize,
}

impl RunSpec {
    fn range(&self) -> Range<u64> {
        0..self.paths
    }
}

/// A summary metric an analysis reads. Serialised (and written in tables)
/// by its column name; on the command line `margin` is the mean margin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "cli", value(rename_all = "snake_case"))]
pub enum Metric {
    /// Mean margin.
    #[cfg_attr(feature = "cli", value(name = "margin", alias = "margin_mean"))]
    MarginMean,
    /// Median margin.
    MarginP50,
    /// P(margin < 0).
    PNegative,
    /// P(DISTRESS).
    PDistress,
    /// P(EXHAUSTED).
    PExhausted,
}

impl Metric {
    /// The column name it is written as.
    pub fn name(self) -> &'static str {
        match self {
            Metric::MarginMean => "margin_mean",
            Metric::MarginP50 => "margin_p50",
            Metric::PNegative => "p_negative",
            Metric::PDistress => "p_distress",
            Metric::PExhausted => "p_exhausted",
        }
    }

    /// The metric with this name (`margin` means the mean margin).
    pub fn from_name(name: &str) -> Option<Metric> {
        match name {
            "margin" | "margin_mean" => Some(Metric::MarginMean),
            "margin_p50" => Some(Metric::MarginP50),
            "p_negative" => Some(Metric::PNegative),
            "p_distress" => Some(Metric::PDistress),
            "p_exhausted" => Some(Metric::PExhausted),
            _ => None,
        }
    }

    /// Its value in a summary row.
    pub fn of(self, row: &SummaryRow) -> f64 {
        match self {
            Metric::MarginMean => row.margin_mean,
            Metric::MarginP50 => row.margin_percentiles[2],
            Metric::PNegative => row.p_negative,
            Metric::PDistress => row.p_distress,
            Metric::PExhausted => row.p_exhausted,
        }
    }
}

/// One row of a sweep: one lever value, practice and year.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    /// Index of the value in the sweep.
    pub value_index: usize,
    /// Practice id.
    pub practice: String,
    /// Practice kind.
    pub kind: String,
    /// Calendar year.
    pub year: i32,
    /// Mean margin.
    pub margin_mean: f64,
    /// Median margin.
    pub margin_p50: f64,
    /// P(margin < 0).
    pub p_negative: f64,
    /// P(EXHAUSTED).
    pub p_exhausted: f64,
    /// P(DISTRESS) (an extra column).
    pub p_distress: f64,
}

impl SweepRow {
    /// The value of `metric` in this row.
    pub fn metric(&self, metric: Metric) -> f64 {
        match metric {
            Metric::MarginMean => self.margin_mean,
            Metric::MarginP50 => self.margin_p50,
            Metric::PNegative => self.p_negative,
            Metric::PDistress => self.p_distress,
            Metric::PExhausted => self.p_exhausted,
        }
    }
}

fn variant_rows(
    plan: &Plan,
    spec: &RunSpec,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Vec<SummaryRow>, EngineError> {
    let acc = simulate(plan, spec.seed, spec.range(), spec.threads, progress)?;
    Ok(summarize(plan, &acc).summary)
}

/// A run grown until precise enough: its accumulator, its paths, and whether
/// the target was reached.
#[derive(Debug)]
pub struct Precise {
    /// The merged state of paths `0..paths`.
    pub accumulator: Accumulator,
    /// Paths simulated.
    pub paths: u64,
    /// Whether every standard error is at most the target.
    pub reached: bool,
    /// The largest standard error of any margin mean or probability.
    pub largest_standard_error: f64,
}

/// The largest standard error of any margin mean or probability in `rows`
/// (a margin mean without one, N = 1, counts as infinitely imprecise).
pub fn largest_standard_error(rows: &[SummaryRow]) -> f64 {
    rows.iter()
        .flat_map(|r| [r.margin_se.unwrap_or(f64::INFINITY), r.p_negative_se, r.p_distress_se, r.p_exhausted_se])
        .fold(0.0, f64::max)
}

/// Adds paths in doubling, chunk-aligned batches (4 chunks first) until
/// every standard error is at most `target` or `max_paths` is reached;
/// `step` hears each batch's paths and largest error. The accumulator equals
/// a fixed run's with the final path count, bit for bit (results depend only
/// on the path range).
pub fn until_precise(
    plan: &Plan,
    seed: u64,
    threads: usize,
    target: f64,
    max_paths: u64,
    progress: &(dyn Fn(u64) -> bool + Sync),
    step: &dyn Fn(u64, f64),
) -> Result<Precise, EngineError> {
    let mut accumulator = Accumulator::new(plan.layout());
    let mut done = 0u64;
    let mut next = (4 * crate::engine::CHUNK_PATHS).min(max_paths);
    loop {
        accumulator.merge(&simulate(plan, seed, done..next, threads, progress)?);
        done = next;
        let largest = largest_standard_error(&summarize(plan, &accumulator).summary);
        step(done, largest);
        if largest <= target || done >= max_paths {
            return Ok(Precise {
                accumulator,
                paths: done,
                reached: largest <= target,
                largest_standard_error: largest,
            });
        }
        next = (done * 2).min(max_paths);
    }
}

/// One policy's effect against its own `base:` (MODEL.md §5's paired
/// differences, with the base in the baseline's place).
#[derive(Clone, Debug, PartialEq)]
pub struct AttributionRow {
    /// The base the policy is compared with.
    pub base: String,
    /// The paired differences, policy minus base.
    pub effect: CompareRow,
}

/// The bases other than the baseline that some policy is built on, in
/// policy order: each needs its own engine run for [`attribution`].
pub fn attribution_bases(plan: &Plan) -> Vec<usize> {
    let mut bases: Vec<usize> = Vec::new();
    for policy in &plan.policies {
        if let Some(base) = policy.base {
            if base != plan.baseline && !bases.contains(&base) {
                bases.push(base);
            }
        }
    }
    bases
}

/// The policies built on `base`.
fn members(plan: &Plan, base: usize) -> Vec<usize> {
    (0..plan.policies.len()).filter(|&k| plan.policies[k].base == Some(base)).collect()
}

/// The plan that compares the policies built on `base` with it.
pub fn attribution_plan(plan: &Plan, base: usize) -> Plan {
    plan.against(base, &members(plan, base))
}

/// Simulates paths `range` of every attribution plan (one per base of
/// [`attribution_bases`]), on the run's seed: accumulators that merge across
/// shards like the run's own.
pub fn attribution_runs(
    plan: &Plan,
    seed: u64,
    range: Range<u64>,
    threads: usize,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Vec<Accumulator>, EngineError> {
    attribution_bases(plan)
        .into_iter()
        .map(|base| simulate(&attribution_plan(plan, base), seed, range.clone(), threads, progress))
        .collect()
}

/// Each policy with a `base:` against that base, on the same draws (common
/// random numbers), so a package stacked as `base:` chains splits into the
/// effect of each step. Policies based on the baseline take their rows from
/// `compare` (the run's own); the others from `runs`, the accumulators of
/// [`attribution_runs`] in the order of [`attribution_bases`]. Policies
/// without a base have no row. Rows are in practice order, then policy, then year.
pub fn attribution(plan: &Plan, compare: &[CompareRow], runs: &[Accumulator]) -> Vec<AttributionRow> {
    let by_base: Vec<(usize, Vec<CompareRow>)> = attribution_bases(plan)
        .into_iter()
        .zip(runs)
        .map(|(base, acc)| (base, summarize(&attribution_plan(plan, base), acc).compare))
        .collect();
    let mut out = Vec::new();
    for policy in &plan.policies {
        let Some(base) = policy.base else { continue };
        let rows: Vec<&CompareRow> = if base == plan.baseline {
            compare.iter().filter(|c| c.policy == policy.name).collect()
        } else {
            by_base
                .iter()
                .filter(|(b, _)| *b == base)
                .flat_map(|(_, rows)| rows)
                .filter(|c| c.policy == policy.name)
                .collect()
        };
        let base_name = &plan.policies[base].name;
        out.extend(rows.into_iter().map(|c| AttributionRow { base: base_name.clone(), effect: c.clone() }));
    }
    let position = |id: &str| plan.practices.iter().position(|p| p.id == id);
    out.sort_by_key(|r| position(&r.effect.practice));
    out
}

/// What a sweep varies: policy `base` with `lever` set to each of `values`
/// from the start year on, for the practices with `selected`.
#[derive(Clone, Copy, Debug)]
pub struct Swept<'a> {
    /// The policy re-evaluated.
    pub base: usize,
    /// The lever set.
    pub lever: Lever,
    /// The values it is set to.
    pub values: &'a [f64],
    /// Per practice of the plan: whether it gets the values.
    pub selected: &'a [bool],
}

/// Evaluates a sweep on the same draws.
pub fn sweep(
    plan: &Plan,
    swept: &Swept<'_>,
    spec: &RunSpec,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Vec<SweepRow>, EngineError> {
    let Swept { base, lever, values, selected } = *swept;
    let per_practice: Vec<Vec<f64>> = values.iter().map(|v| vec![*v; plan.practices.len()]).collect();
    let names: Vec<String> = (0..values.len()).map(|i| format!("value_{i}")).collect();
    let variants = plan.lever_variants(base, lever, &per_practice, selected, &names);
    let rows = variant_rows(&variants, spec, progress)?;
    let policies = variants.policies.len();
    let years = variants.years;
    let mut out = Vec::with_capacity(values.len() * plan.practices.len() * years);
    for value_index in 0..values.len() {
        for (p, practice) in variants.practices.iter().enumerate() {
            for t in 0..years {
                let row = &rows[(p * policies + value_index + 1) * years + t];
                out.push(SweepRow {
                    value_index,
                    practice: practice.id.clone(),
                    kind: practice.kind.clone(),
                    year: row.year,
                    margin_mean: row.margin_mean,
                    margin_p50: row.margin_percentiles[2],
                    p_negative: row.p_negative,
                    p_exhausted: row.p_exhausted,
                    p_distress: row.p_distress,
                });
            }
        }
    }
    Ok(out)
}

/// A comparison in a break-even target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `<=`
    AtMost,
    /// `<`
    Below,
    /// `>=`
    AtLeast,
    /// `>`
    Above,
}

/// A break-even target such as `p_exhausted<=0.10@2035`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The metric.
    pub metric: Metric,
    /// How it is compared.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: f64,
    /// The calendar year it is read in.
    pub year: i32,
    /// The target as written.
    pub text: String,
}

/// A break-even target that does not read (the text as given).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a target; write METRIC<=VALUE@YEAR, e.g. p_exhausted<=0.10@2035 (metrics: margin_mean, \
     margin_p50, p_negative, p_distress, p_exhausted; comparisons <=, <, >=, >)"
)]
pub struct TargetError(pub String);

impl Target {
    /// Parses `METRIC OP THRESHOLD@YEAR` (OP one of `<=`, `<`, `>=`, `>`).
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let usage = || TargetError(text.to_string());
        let (condition, year) = text.split_once('@').ok_or_else(usage)?;
        let year: i32 = year.trim().parse().map_err(|_| usage())?;
        let (at, len, comparison) = ["<=", ">=", "<", ">"]
            .iter()
            .find_map(|op| {
                condition.find(op).map(|at| {
                    let comparison = match *op {
                        "<=" => Comparison::AtMost,
                        ">=" => Comparison::AtLeast,
                        "<" => Comparison::Below,
                        _ => Comparison::Above,
                    };
                    (at, op.len(), comparison)
                })
            })
            .ok_or_else(usage)?;
        let metric = Metric::from_name(condition[..at].trim()).ok_or_else(usage)?;
        let threshold: f64 = condition[at + len..].trim().parse().map_err(|_| usage())?;
        if !threshold.is_finite() {
            return Err(usage());
        }
        Ok(Target { metric, comparison, threshold, year, text: text.to_string() })
    }

    /// Whether `value` meets the target.
    pub fn met(&self, value: f64) -> bool {
        match self.comparison {
            Comparison::AtMost => value <= self.threshold,
            Comparison::Below => value < self.threshold,
            Comparison::AtLeast => value >= self.threshold,
            Comparison::Above => value > self.threshold,
        }
    }
}

/// The break-even lever value of one practice.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakEven {
    /// Practice id.
    pub practice: String,
    /// The lever value at the edge of the target, if it is reached in the range.
    pub value: Option<f64>,
    /// Where the target switches, if anywhere.
    pub status: BreakEvenStatus,
}

/// Where a practice's break-even lies in the swept range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakEvenStatus {
    /// The target switches between met and not met inside the range.
    Boundary,
    /// The target is met at every value.
    MetAcrossRange,
    /// The target is met at no value.
    Unreachable,
    /// The practice did not get the swept values (`--kinds`).
    NotSwept,
}

impl BreakEvenStatus {
    /// As written in `breakeven.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakEvenStatus::Boundary => "boundary",
            BreakEvenStatus::MetAcrossRange => "met_across_range",
            BreakEvenStatus::Unreachable => "unreachable",
            BreakEvenStatus::NotSwept => "not_swept",
        }
    }
}

impl std::fmt::Display for BreakEvenStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bisection steps: the sweep's step divided by 2^30.
const BISECTION_STEPS: usize = 30;

/// For each practice, the lever value where `target` switches between met
/// and not met, found on the swept grid and refined by bisection on the same
/// draws (so the metric is monotone in the lever path by path). Where the
/// target is met at the start of the range the result is the largest value
/// that still meets it, otherwise the smallest that does.
pub fn break_even(
    plan: &Plan,
    swept: &Swept<'_>,
    rows: &[SweepRow],
    target: &Target,
    spec: &RunSpec,
) -> Result<Vec<BreakEven>, EngineError> {
    let Swept { base, lever, values: grid, selected } = *swept;
    let practices = plan.practices.len();
    let metric_at = |value_index: usize, practice: &str| -> Option<f64> {
        rows.iter()
            .find(|r| r.value_index == value_index && r.practice == practice && r.year == target.year)
            .map(|r| r.metric(target.metric))
    };
    let mut results = Vec::with_capacity(practices);
    // (low, high, met at low) per practice being bisected.
    let mut brackets: Vec<Option<(f64, f64, bool)>> = vec![None; practices];
    for (p, practice) in plan.practices.iter().enumerate() {
        let mut result = BreakEven { practice: practice.id.clone(), value: None, status: BreakEvenStatus::Unreachable };
        if !selected.get(p).copied().unwrap_or(false) {
            result.status = BreakEvenStatus::NotSwept;
        } else {
            let met: Vec<bool> =
                (0..grid.len()).map(|i| metric_at(i, &practice.id).is_some_and(|v| target.met(v))).collect();
            if met.iter().all(|m| *m) {
                result.status = BreakEvenStatus::MetAcrossRange;
                result.value = grid.last().copied();
            } else if let Some(i) = (1..grid.len()).find(|i| met[*i] != met[0]) {
                brackets[p] = Some((grid[i - 1], grid[i], met[0]));
                result.status = BreakEvenStatus::Boundary;
            }
        }
        results.push(result);
    }
    if brackets.iter().any(Option::is_some) {
        for _ in 0..BISECTION_STEPS {
            let mids: Vec<f64> = brackets.iter().map(|b| b.map_or(0.0, |(lo, hi, _)| (lo + hi) / 2.0)).collect();
            let variants =
                plan.lever_variants(base, lever, std::slice::from_ref(&mids), selected, &["probe".to_string()]);
            let acc = simulate(&variants, spec.seed, spec.range(), spec.threads, &|_| true)?;
            let summary = summarize(&variants, &acc).summary;
            let years = variants.years;
            let t = (target.year - variants.start_year).clamp(0, years as i32 - 1) as usize;
            for (p, bracket) in brackets.iter_mut().enumerate() {
                let Some((lo, hi, met_low)) = bracket else { continue };
                let row = &summary[(p * 2 + 1) * years + t];
                if target.met(target.metric.of(row)) == *met_low {
                    *lo = mids[p];
                } else {
                    *hi = mids[p];
                }
            }
        }
    }
    for (result, bracket) in results.iter_mut().zip(&brackets) {
        if let Some((lo, hi, met_low)) = bracket {
            result.value = Some(if *met_low { *lo } else { *hi });
        }
    }
    Ok(results)
}

/// One bar of a tornado chart.
#[derive(Clone, Debug, PartialEq)]
pub struct TornadoRow {
    /// Practice id.
    pub practice: String,
    /// Driver or policy name.
    pub factor: String,
    /// A driver held at its percentiles, or a policy's levers.
    pub factor_type: FactorType,
    /// Metric with the driver at its P10, or under the baseline.
    pub low: f64,
    /// Metric with the driver at its P90, or under the alternative policy.
    pub high: f64,
    /// `|high - low|`.
    pub swing: f64,
}

/// What a tornado bar varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactorType {
    /// An economic driver, held at its P10 and P90.
    Driver,
    /// A policy's levers, against the baseline.
    Lever,
}

impl FactorType {
    /// As written in `tornado.csv`: `driver` or `lever`.
    pub fn as_str(self) -> &'static str {
        match self {
            FactorType::Driver => "driver",
            FactorType::Lever => "lever",
        }
    }
}

impl std::fmt::Display for FactorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much each driver and each policy moves `metric` in `year`, per
/// practice: a driver's swing is between the runs with it held at its P10
/// and at its P90 while every other driver varies (same draws); a lever's is
/// between the baseline and each alternative policy. Rows are sorted by
/// swing within each practice.
pub fn tornado(
    plan: &Plan,
    policy: usize,
    metric: Metric,
    year: i32,
    spec: &RunSpec,
) -> Result<Vec<TornadoRow>, EngineError> {
    let years = plan.years;
    let t = (year - plan.start_year).clamp(0, years as i32 - 1) as usize;
    let policies = plan.policies.len();
    let base_rows = variant_rows(plan, spec, &|_| true)?;
    let metric_in =
        |rows: &[SummaryRow], policies: usize, p: usize, k: usize| metric.of(&rows[(p * policies + k) * years + t]);
    let only_policy = plan.only_policy(policy);
    let mut rows: Vec<TornadoRow> = Vec::new();
    for driver in Driver::ALL {
        let (low, high) = if plan.driver_varies(driver) {
            let scope = plan.driver_scope(driver);
            let pinned = |q: f64| -> Result<Vec<SummaryRow>, EngineError> {
                variant_rows(&only_policy.with_driver_pinned(driver, q, scope)?, spec, &|_| true)
            };
            (Some(pinned(0.1)?), Some(pinned(0.9)?))
        } else {
            (None, None)
        };
        for (p, practice) in plan.practices.iter().enumerate() {
            let base = metric_in(&base_rows, policies, p, policy);
            let lo = low.as_ref().map_or(base, |r| metric_in(r, 1, p, 0));
            let hi = high.as_ref().map_or(base, |r| metric_in(r, 1, p, 0));
            rows.push(TornadoRow {
                practice: practice.id.clone(),
                factor: driver.name().to_string(),
                factor_type: FactorType::Driver,
                low: lo,
                high: hi,
                swing: (hi - lo).abs(),
            });
        }
    }
    for (k, info) in plan.policies.iter().enumerate().filter(|(k, _)| *k != plan.baseline) {
        for (p, practice) in plan.practices.iter().enumerate() {
            let low = metric_in(&base_rows, policies, p, plan.baseline);
            let high = metric_in(&base_rows, policies, p, k);
            rows.push(TornadoRow {
                practice: practice.id.clone(),
                factor: info.name.clone(),
                factor_type: FactorType::Lever,
                low,
                high,
                swing: (high - low).abs(),
            });
        }
    }
    let order = |id: &str| plan.practices.iter().position(|p| p.id == id).unwrap_or(0);
    rows.sort_by(|a, b| order(&a.practice).cmp(&order(&b.practice)).then(b.swing.total_cmp(&a.swing)));
    Ok(rows)
}

/// A policy's effect on one practice in one year read two ways (MODEL.md
/// v1.3 §3 "Dynamics"; issue 26): with the practice's cost response, the
/// spending it need not cut (or must cut) and the margin change left after
/// it; without any response, the margin change the cut makes.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadingRow {
    /// Practice id.
    pub practice: String,
    /// Practice kind.
    pub kind: String,
    /// Policy name (never the baseline).
    pub policy: String,
    /// Calendar year.
    pub year: i32,
    /// Mean margin difference with the response.
    pub dmargin_with_response: f64,
    /// Mean difference of CUTBACK with the response (negative: the
    /// practice cuts less spending than under the baseline).
    pub dcutback_with_response: f64,
    /// Mean margin difference without any response.
    pub dmargin_without_response: f64,
}

/// The two readings, row for row of `with` (the run's compare rows) and
/// `without` (the same run without responses; the same keys in the same order).
pub fn readings(with: &[CompareRow], without: &[CompareRow]) -> Vec<ReadingRow> {
    assert_eq!(with.len(), without.len(), "the two readings come from the same plan's compare rows");
    with.iter()
        .zip(without)
        .inspect(|(a, b)| debug_assert!(a.practice == b.practice && a.policy == b.policy && a.year == b.year))
        .map(|(a, b)| ReadingRow {
            practice: a.practice.clone(),
            kind: a.kind.clone(),
            policy: a.policy.clone(),
            year: a.year,
            dmargin_with_response: a.dmargin_mean,
            dcutback_with_response: a.dcutback_mean,
            dmargin_without_response: b.dmargin_mean,
        })
        .collect()
}
