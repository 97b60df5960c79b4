//! Turns an [`Accumulator`] into the summary, compare and national rows of
//! MODEL.md §5 and §6: plain structs, no formatting and no files.

use super::accum::{field, group_metric, group_sum, Accumulator};
use super::{reference, Plan};

/// One row of the summary table (MODEL.md §6).
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Practice id.
    pub practice: String,
    /// Practice kind.
    pub kind: String,
    /// Policy name.
    pub policy: String,
    /// Calendar year.
    pub year: i32,
    /// Mean margin.
    pub margin_mean: f64,
    /// Standard error of the mean margin; `None` when N = 1.
    pub margin_se: Option<f64>,
    /// Margin percentiles P5, P25, P50, P75, P95.
    pub margin_percentiles: [f64; 5],
    /// P(margin < 0).
    pub p_negative: f64,
    /// Its standard error.
    pub p_negative_se: f64,
    /// P(DISTRESS).
    pub p_distress: f64,
    /// Its standard error.
    pub p_distress_se: f64,
    /// P(EXHAUSTED).
    pub p_exhausted: f64,
    /// Its standard error.
    pub p_exhausted_se: f64,
    /// Mean REV.
    pub revenue_mean: f64,
    /// Mean C.
    pub costs_mean: f64,
    /// Mean CUT.
    pub cut_mean: f64,
    /// Mean cumulative CUT through the year.
    pub cut_cum_mean: f64,
    /// Mean CASH.
    pub cash_mean: f64,
    /// Mean DAYS.
    pub days_cash_mean: f64,
    /// Mean CUTBACK, the spending the cost response cut (MODEL.md v1.3).
    pub cutback_mean: f64,
}

/// One row of the compare table: a non-baseline policy minus the baseline, paired by path.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    /// Practice id.
    pub practice: String,
    /// Practice kind.
    pub kind: String,
    /// Policy name.
    pub policy: String,
    /// Calendar year.
    pub year: i32,
    /// Mean margin difference.
    pub dmargin_mean: f64,
    /// P5 of the margin difference.
    pub dmargin_p5: f64,
    /// P95 of the margin difference.
    pub dmargin_p95: f64,
    /// Mean difference of cumulative CUT.
    pub dcut_cum_mean: f64,
    /// Mean difference of CASH.
    pub dcash_mean: f64,
    /// Difference of P(EXHAUSTED).
    pub dp_exhausted: f64,
    /// Mean difference of CUTBACK (MODEL.md v1.3).
    pub dcutback_mean: f64,
    /// Standard error of the mean margin difference; `None` when N = 1 (extra column).
    pub dmargin_se: Option<f64>,
    /// Difference of P(margin < 0).
    pub dp_negative: f64,
    /// Its paired standard error (from the paths on which the policy and
    /// the baseline disagree); `None` when N = 1.
    pub dp_negative_se: Option<f64>,
    /// Difference of P(DISTRESS).
    pub dp_distress: f64,
    /// Its paired standard error; `None` when N = 1.
    pub dp_distress_se: Option<f64>,
    /// Paired standard error of `dp_exhausted`; `None` when N = 1.
    pub dp_exhausted_se: Option<f64>,
    /// Paired standard error of `dcut_cum_mean`; `None` when N = 1.
    pub dcut_cum_se: Option<f64>,
}

/// One row of the national table: count-weighted totals by kind (or `all`).
#[derive(Clone, Debug, PartialEq)]
pub struct NationalRow {
    /// Kind, or `all`.
    pub kind: String,
    /// Policy name.
    pub policy: String,
    /// Calendar year.
    pub year: i32,
    /// Expected CO-253 dollars in the year.
    pub cut_total: f64,
    /// Expected cumulative CO-253 dollars through the year.
    pub cut_cum_total: f64,
    /// Expected practices in distress.
    pub n_distress: f64,
    /// Expected practices with exhausted cash.
    pub n_exhausted: f64,
}

/// The three tables of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Paths behind every number.
    pub paths: u64,
    /// Practice x policy x year.
    pub summary: Vec<SummaryRow>,
    /// Practice x non-baseline policy x year.
    pub compare: Vec<CompareRow>,
    /// Kind (and `all`) x policy x year.
    pub national: Vec<NationalRow>,
}

/// The year in which `policy` moves `practice`'s mean margin most against
/// the baseline (largest absolute mean difference; the earliest year on a
/// tie), so that a policy acting only in early years is not hidden by a
/// zero final-year difference.
pub fn largest_margin_change<'a>(compare: &'a [CompareRow], practice: &str, policy: &str) -> Option<&'a CompareRow> {
    compare.iter().filter(|c| c.practice == practice && c.policy == policy).fold(None, |best, c| match best {
        Some(b) if b.dmargin_mean.abs() >= c.dmargin_mean.abs() => Some(b),
        _ => Some(c),
    })
}

/// The standard error of a mean of `n` values (here, per path: a level or a
/// paired difference) from their sum and sum of squares:
/// `sqrt(((sum_sq - sum^2 / n) / (n - 1)) / n)`; `None` when `n < 2`.
// Standard errors use std's sqrt, which IEEE 754 requires correctly rounded:
// the same bits on every platform (numeric::math says which functions are not).
fn standard_error(sum: f64, sum_sq: f64, n: f64) -> Option<f64> {
    if n < 2.0 {
        return None;
    }
    let variance = ((sum_sq - sum * sum / n) / (n - 1.0)).max(0.0);
    Some((variance / n).sqrt())
}

fn proportion_se(p: f64, n: f64) -> f64 {
    (p * (1.0 - p) / n).max(0.0).sqrt()
}

/// Computes the tables of MODEL.md §5 from an accumulator.
pub fn summarize(plan: &Plan, acc: &Accumulator) -> Summary {
    let reference = reference(plan);
    let layout = acc.layout;
    let n = acc.paths.max(1) as f64;
    let mean = |cell: usize, f: usize| reference[cell * field::COUNT + f] + acc.sum(cell, f) / n;
    let share = |cell: usize, f: usize| acc.sum(cell, f) / n;
    let mut summary = Vec::new();
    let mut compare = Vec::new();
    for (p, practice) in plan.practices.iter().enumerate() {
        for (k, policy) in plan.policies.iter().enumerate() {
            for t in 0..layout.years {
                let cell = layout.cell(p, k, t);
                let year = plan.start_year + t as i32;
                let histogram = acc.margin.get(cell);
                let percentiles = histogram.map_or([None; 5], |h| h.quantiles([0.05, 0.25, 0.5, 0.75, 0.95]));
                let (p_negative, p_distress, p_exhausted) =
                    (share(cell, field::NEGATIVE), share(cell, field::DISTRESS), share(cell, field::EXHAUSTED));
                summary.push(SummaryRow {
                    practice: practice.id.clone(),
                    kind: practice.kind.clone(),
                    policy: policy.name.clone(),
                    year,
                    margin_mean: mean(cell, field::MARGIN),
                    margin_se: standard_error(
                        acc.sum(cell, field::MARGIN),
                        acc.sum(cell, field::MARGIN_SQ),
                        acc.paths as f64,
                    ),
                    margin_percentiles: percentiles.map(|p| p.unwrap_or(f64::NAN)),
                    p_negative,
                    p_negative_se: proportion_se(p_negative, n),
                    p_distress,
                    p_distress_se: proportion_se(p_distress, n),
                    p_exhausted,
                    p_exhausted_se: proportion_se(p_exhausted, n),
                    revenue_mean: mean(cell, field::REVENUE),
                    costs_mean: mean(cell, field::COSTS),
                    cut_mean: mean(cell, field::CUT),
                    cut_cum_mean: mean(cell, field::CUT_CUM),
                    cash_mean: mean(cell, field::CASH),
                    days_cash_mean: mean(cell, field::DAYS),
                    cutback_mean: mean(cell, field::CUTBACK),
                });
                if k != plan.baseline {
                    let base_cell = layout.cell(p, plan.baseline, t);
                    let d = acc.dmargin.get(cell).cloned().unwrap_or_default();
                    let tails = d.quantiles([0.05, 0.95]);
                    // A flag's paired difference sums to the difference of the
                    // two flags' sums; its square's sum is kept by the engine.
                    let flag = |f: usize, f_sq: usize| {
                        let sum = acc.sum(cell, f) - acc.sum(base_cell, f);
                        (sum / n, standard_error(sum, acc.sum(cell, f_sq), acc.paths as f64))
                    };
                    let (dp_negative, dp_negative_se) = flag(field::NEGATIVE, field::DNEGATIVE_SQ);
                    let (dp_distress, dp_distress_se) = flag(field::DISTRESS, field::DDISTRESS_SQ);
                    let (_, dp_exhausted_se) = flag(field::EXHAUSTED, field::DEXHAUSTED_SQ);
                    compare.push(CompareRow {
                        practice: practice.id.clone(),
                        kind: practice.kind.clone(),
                        policy: policy.name.clone(),
                        year,
                        dmargin_mean: mean(cell, field::DMARGIN),
                        dmargin_p5: tails[0].unwrap_or(f64::NAN),
                        dmargin_p95: tails[1].unwrap_or(f64::NAN),
                        dcut_cum_mean: mean(cell, field::DCUT_CUM),
                        dcash_mean: mean(cell, field::DCASH),
                        dp_exhausted: (acc.sum(cell, field::EXHAUSTED) - acc.sum(base_cell, field::EXHAUSTED)) / n,
                        dcutback_mean: mean(cell, field::DCUTBACK),
                        dmargin_se: standard_error(
                            acc.sum(cell, field::DMARGIN),
                            acc.sum(cell, field::DMARGIN_SQ),
                            acc.paths as f64,
                        ),
                        dp_negative,
                        dp_negative_se,
                        dp_distress,
                        dp_distress_se,
                        dp_exhausted_se,
                        dcut_cum_se: standard_error(
                            acc.sum(cell, field::DCUT_CUM),
                            acc.sum(cell, field::DCUT_CUM_SQ),
                            acc.paths as f64,
                        ),
                    });
                }
            }
        }
    }
    let national = national(plan, &summary);
    Summary { paths: acc.paths, summary, compare, national }
}

/// Count-weighted national totals from summary rows (MODEL.md §5), which
/// must be in `summarize`'s order: practice x policy x year.
pub fn national(plan: &Plan, summary: &[SummaryRow]) -> Vec<NationalRow> {
    let (policies, years) = (plan.policies.len(), plan.years);
    let groups = plan.kinds.len() + 1;
    let mut totals = vec![[0.0f64; 4]; groups * policies * years];
    for (p, practice) in plan.practices.iter().enumerate() {
        let kind = plan.kinds.iter().position(|k| *k == practice.kind).unwrap_or(0);
        for k in 0..policies {
            for t in 0..years {
                let Some(s) = summary.get((p * policies + k) * years + t) else { continue };
                let add = [s.cut_mean, s.cut_cum_mean, s.p_distress, s.p_exhausted].map(|v| practice.count * v);
                for group in [kind, groups - 1] {
                    let total = &mut totals[(group * policies + k) * years + t];
                    for (sum, value) in total.iter_mut().zip(add) {
                        *sum += value;
                    }
                }
            }
        }
    }
    let mut rows = Vec::with_capacity(totals.len());
    for group in 0..groups {
        let kind = plan.kinds.get(group).map_or("all", String::as_str);
        for (k, policy) in plan.policies.iter().enumerate() {
            for t in 0..years {
                let [cut_total, cut_cum_total, n_distress, n_exhausted] = totals[(group * policies + k) * years + t];
                rows.push(NationalRow {
                    kind: kind.to_string(),
                    policy: policy.name.clone(),
                    year: plan.start_year + t as i32,
                    cut_total,
                    cut_cum_total,
                    n_distress,
                    n_exhausted,
                });
            }
        }
    }
    rows
}

/// One row of the group table (`--by`): count-weighted expected numbers and
/// the pooled distribution of facility margins.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRow {
    /// The group's values of the `--by` columns.
    pub key: Vec<String>,
    /// Policy name.
    pub policy: String,
    /// Calendar year.
    pub year: i32,
    /// Facilities (sum of counts).
    pub facilities: f64,
    /// Expected facilities with a negative margin.
    pub n_negative: f64,
    /// Expected facilities in distress.
    pub n_distress: f64,
    /// Expected facilities with exhausted cash.
    pub n_exhausted: f64,
    /// Expected CO-253 dollars.
    pub cut_total: f64,
    /// Percentiles P5, P50, P95 of facility margins, pooled over facilities and paths.
    pub margin_percentiles: [f64; 3],
    /// Standard errors of `n_negative`, `n_distress` and `n_exhausted`, from
    /// the group's totals path by path (its facilities are correlated
    /// within a path); `None` when N = 1.
    pub n_negative_se: Option<f64>,
    /// See `n_negative_se`.
    pub n_distress_se: Option<f64>,
    /// See `n_negative_se`.
    pub n_exhausted_se: Option<f64>,
    /// Expected cumulative CO-253 dollars through the year.
    pub cut_cum_total: f64,
    /// Its standard error; `None` when N = 1.
    pub cut_cum_total_se: Option<f64>,
    /// The policy minus the baseline, paired by path (`None` for the
    /// baseline): expected facilities with a negative margin ...
    pub dn_negative: Option<f64>,
    /// ... its standard error (`None` also when N = 1) ...
    pub dn_negative_se: Option<f64>,
    /// ... in distress ...
    pub dn_distress: Option<f64>,
    /// ... its standard error ...
    pub dn_distress_se: Option<f64>,
    /// ... with cash exhausted ...
    pub dn_exhausted: Option<f64>,
    /// ... its standard error ...
    pub dn_exhausted_se: Option<f64>,
    /// ... and cumulative CO-253 dollars (negative for a policy that takes
    /// less, such as a repeal) ...
    pub dcut_cum_total: Option<f64>,
    /// ... and its standard error.
    pub dcut_cum_total_se: Option<f64>,
}

/// The group table from summary rows (in `summarize`'s order), the pooled
/// histograms and the group sums.
pub fn groups(plan: &Plan, acc: &Accumulator, summary: &[SummaryRow]) -> Vec<GroupRow> {
    let (policies, years) = (plan.policies.len(), plan.years);
    let mut totals = vec![[0.0f64; 6]; plan.groups.len() * policies * years];
    for (p, practice) in plan.practices.iter().enumerate() {
        let Some(group) = practice.group else { continue };
        for k in 0..policies {
            for t in 0..years {
                let Some(s) = summary.get((p * policies + k) * years + t) else { continue };
                let total = &mut totals[(group * policies + k) * years + t];
                let c = practice.count;
                let values =
                    [c, c * s.p_negative, c * s.p_distress, c * s.p_exhausted, c * s.cut_mean, c * s.cut_cum_mean];
                for (sum, value) in total.iter_mut().zip(values) {
                    *sum += value;
                }
            }
        }
    }
    let paths = acc.paths as f64;
    let se = |index: usize, metric: usize, sum: usize, sum_sq: usize| {
        standard_error(acc.group_sum(index, metric, sum), acc.group_sum(index, metric, sum_sq), paths)
    };
    let level_se = |index: usize, metric: usize| se(index, metric, group_sum::LEVEL, group_sum::LEVEL_SQ);
    let mut rows = Vec::with_capacity(totals.len());
    for (g, key) in plan.groups.iter().enumerate() {
        for (k, policy) in plan.policies.iter().enumerate() {
            for t in 0..years {
                let index = (g * policies + k) * years + t;
                let [facilities, n_negative, n_distress, n_exhausted, cut_total, cut_cum_total] = totals[index];
                let percentiles = acc.groups.get(index).map_or([None; 3], |h| h.quantiles([0.05, 0.5, 0.95]));
                // Against the baseline: the difference of the two totals,
                // and the spread of the paired difference path by path.
                let [_, base_negative, base_distress, base_exhausted, _, base_cut_cum] =
                    totals[(g * policies + plan.baseline) * years + t];
                let versus = |level: f64, base: f64, metric: usize| {
                    (k != plan.baseline).then(|| (level - base, se(index, metric, group_sum::DIFF, group_sum::DIFF_SQ)))
                };
                let dn_negative = versus(n_negative, base_negative, group_metric::NEGATIVE);
                let dn_distress = versus(n_distress, base_distress, group_metric::DISTRESS);
                let dn_exhausted = versus(n_exhausted, base_exhausted, group_metric::EXHAUSTED);
                let dcut_cum_total = versus(cut_cum_total, base_cut_cum, group_metric::CUT_CUM);
                rows.push(GroupRow {
                    key: key.clone(),
                    policy: policy.name.clone(),
                    year: plan.start_year + t as i32,
                    facilities,
                    n_negative,
                    n_distress,
                    n_exhausted,
                    cut_total,
                    margin_percentiles: percentiles.map(|p| p.unwrap_or(f64::NAN)),
                    n_negative_se: level_se(index, group_metric::NEGATIVE),
                    n_distress_se: level_se(index, group_metric::DISTRESS),
                    n_exhausted_se: level_se(index, group_metric::EXHAUSTED),
                    cut_cum_total,
                    cut_cum_total_se: level_se(index, group_metric::CUT_CUM),
                    dn_negative: dn_negative.map(|d| d.0),
                    dn_negative_se: dn_negative.and_then(|d| d.1),
                    dn_distress: dn_distress.map(|d| d.0),
                    dn_distress_se: dn_distress.and_then(|d| d.1),
                    dn_exhausted: dn_exhausted.map(|d| d.0),
                    dn_exhausted_se: dn_exhausted.and_then(|d| d.1),
                    dcut_cum_total: dcut_cum_total.map(|d| d.0),
                    dcut_cum_total_se: dcut_cum_total.and_then(|d| d.1),
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paired_standard_error_is_that_of_the_paths_differences() {
        // Four paths on which a policy and the baseline disagree once, the
        // policy's flag off: differences 0, 0, -1, 0. Sum -1, sum of squares
        // 1; sample variance (1 - (-1)^2 / 4) / 3 = 0.25; standard error
        // sqrt(0.25 / 4) = 0.25.
        assert_eq!(standard_error(-1.0, 1.0, 4.0), Some(0.25));
        // Disagreeing on every path the same way: no spread at all.
        assert_eq!(standard_error(-4.0, 4.0, 4.0), Some(0.0));
        // Dollars 10, 20, 30, 40: mean 25, squared deviations 225 + 25 + 25
        // + 225 = 500, variance 500 / 3, standard error sqrt(500 / 12).
        assert_eq!(standard_error(100.0, 3000.0, 4.0), Some((500.0f64 / 12.0).sqrt()));
        assert_eq!(standard_error(1.0, 1.0, 1.0), None);
    }
}
