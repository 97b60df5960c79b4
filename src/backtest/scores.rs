//! Scores of probability forecasts and risk rankings against yes/no
//! outcomes: the area under the ROC curve with DeLong's variance (and the
//! paired difference of two AUCs on the same hospitals), the Brier score
//! with its decomposition, Wilson's interval for a share, and the binning of
//! hospitals into equal-count classes by a score. Plain numbers in, plain
//! numbers out: no I/O, no randomness.
//!
//! Conventions. A higher score means more at risk; an outcome `true` is a
//! positive (in the red, in distress, closed). A pair of a positive and a
//! negative with equal scores counts one half (Mann–Whitney). Scores that
//! are not finite are left out, with their outcomes.

/// The 97.5% point of the standard normal: two-sided 95% intervals.
pub const Z95: f64 = 1.959_963_984_540_054;

/// An AUC with its DeLong variance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Auc {
    /// Area under the ROC curve: the probability that a positive scores
    /// above a negative, ties counting one half.
    pub auc: f64,
    /// Standard error (DeLong, DeLong & Clarke-Pearson 1988); NaN with fewer
    /// than two positives or two negatives.
    pub se: f64,
    /// 95% interval `auc ± 1.96 se`, clipped to [0, 1].
    pub interval: [f64; 2],
    /// Positives scored.
    pub positives: usize,
    /// Negatives scored.
    pub negatives: usize,
}

/// The difference of two AUCs on the same hospitals and outcomes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AucDifference {
    /// `AUC(a) - AUC(b)`.
    pub difference: f64,
    /// Its standard error, from DeLong's covariance of the two AUCs.
    pub se: f64,
    /// 95% interval `difference ± 1.96 se`, clipped to [-1, 1].
    pub interval: [f64; 2],
}

/// DeLong's structural components of one score: for each positive, the
/// share of negatives it outranks (`v10`); for each negative, the share of
/// positives that outrank it (`v01`). Their means are both the AUC.
struct Components {
    v10: Vec<f64>,
    v01: Vec<f64>,
}

/// The share of `sorted` below `x`, ties counting one half.
fn share_below(sorted: &[f64], x: f64) -> f64 {
    let below = sorted.partition_point(|v| *v < x);
    let at_or_below = sorted.partition_point(|v| *v <= x);
    (below as f64 + 0.5 * (at_or_below - below) as f64) / sorted.len() as f64
}

fn components(scores: &[f64], outcomes: &[bool]) -> Option<Components> {
    let mut positives = Vec::new();
    let mut negatives = Vec::new();
    for (&s, &o) in scores.iter().zip(outcomes) {
        if s.is_finite() {
            if o {
                positives.push(s);
            } else {
                negatives.push(s);
            }
        }
    }
    if positives.is_empty() || negatives.is_empty() {
        return None;
    }
    let (mut sorted_pos, mut sorted_neg) = (positives.clone(), negatives.clone());
    sorted_pos.sort_by(f64::total_cmp);
    sorted_neg.sort_by(f64::total_cmp);
    let v10 = positives.iter().map(|&x| share_below(&sorted_neg, x)).collect();
    // A negative is outranked by the positives above it: 1 - (share below or tied at half).
    let v01 = negatives.iter().map(|&y| 1.0 - share_below(&sorted_pos, y)).collect();
    Some(Components { v10, v01 })
}

/// The mean of a slice ([`crate::numeric::stats::mean`]).
fn mean(values: &[f64]) -> f64 {
    crate::numeric::stats::mean(values.iter().copied())
}

/// The sample covariance (N - 1) of two equally long lists; NaN for fewer than two.
fn covariance(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 {
        return f64::NAN;
    }
    let (ma, mb) = (mean(a), mean(b));
    a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (a.len() - 1) as f64
}

/// `sqrt(variance)`, rounding's tiny negatives taken as 0; NaN stays NaN.
fn standard_error(variance: f64) -> f64 {
    if variance.is_nan() {
        f64::NAN
    } else {
        variance.max(0.0).sqrt()
    }
}

fn clipped(centre: f64, se: f64, low: f64, high: f64) -> [f64; 2] {
    [(centre - Z95 * se).clamp(low, high), (centre + Z95 * se).clamp(low, high)]
}

/// The AUC of `scores` against `outcomes` with DeLong's standard error;
/// `None` without at least one positive and one negative.
pub fn auc(scores: &[f64], outcomes: &[bool]) -> Option<Auc> {
    let c = components(scores, outcomes)?;
    let auc = mean(&c.v10);
    let (m, n) = (c.v10.len() as f64, c.v01.len() as f64);
    let variance = covariance(&c.v10, &c.v10) / m + covariance(&c.v01, &c.v01) / n;
    let se = standard_error(variance);
    Some(Auc { auc, se, interval: clipped(auc, se, 0.0, 1.0), positives: c.v10.len(), negatives: c.v01.len() })
}

/// `AUC(a) - AUC(b)` on the same outcomes, with the standard error of
/// DeLong's paired comparison; hospitals where either score is not finite
/// are left out of both. `None` without a positive and a negative.
pub fn auc_difference(a: &[f64], b: &[f64], outcomes: &[bool]) -> Option<AucDifference> {
    let both: Vec<usize> =
        (0..outcomes.len().min(a.len()).min(b.len())).filter(|&i| a[i].is_finite() && b[i].is_finite()).collect();
    let pick = |s: &[f64]| both.iter().map(|&i| s[i]).collect::<Vec<f64>>();
    let kept: Vec<bool> = both.iter().map(|&i| outcomes[i]).collect();
    let (ca, cb) = (components(&pick(a), &kept)?, components(&pick(b), &kept)?);
    let difference = mean(&ca.v10) - mean(&cb.v10);
    let (m, n) = (ca.v10.len() as f64, ca.v01.len() as f64);
    let part = |x: &[f64], y: &[f64]| covariance(x, x) + covariance(y, y) - 2.0 * covariance(x, y);
    let variance = part(&ca.v10, &cb.v10) / m + part(&ca.v01, &cb.v01) / n;
    let se = standard_error(variance);
    Some(AucDifference { difference, se, interval: clipped(difference, se, -1.0, 1.0) })
}

/// Wilson's 95% score interval for `successes` out of `n` (Wilson 1927);
/// NaN for `n = 0`.
pub fn wilson(successes: usize, n: usize) -> [f64; 2] {
    if n == 0 {
        return [f64::NAN; 2];
    }
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// Equal-count classes `0..k` by ascending score (class `k - 1` holds the
/// highest scores). Hospitals are ranked by score, ties broken by position
/// only to order the sort; a group of tied scores goes whole into the class
/// of its middle rank, `floor(k * (first + last) / (2n))` with 0-based
/// ranks, so the same scores always land in the same class whatever their
/// order. Classes can therefore be uneven, or empty, when many scores tie.
/// Scores that are not finite get no class (`None`).
pub fn rank_classes(scores: &[f64], k: usize) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i].is_finite()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
    let n = order.len();
    let mut classes = vec![None; scores.len()];
    let mut first = 0;
    while first < n {
        let mut last = first;
        while last + 1 < n && scores[order[last + 1]] == scores[order[first]] {
            last += 1;
        }
        let class = (k * (first + last) / (2 * n)).min(k.saturating_sub(1));
        for &i in &order[first..=last] {
            classes[i] = Some(class);
        }
        first = last + 1;
    }
    classes
}

/// One class of a reliability table.
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    /// Class index (0 = lowest forecasts).
    pub class: usize,
    /// Hospitals in it.
    pub n: usize,
    /// Lowest and highest forecast in it.
    pub forecast_range: [f64; 2],
    /// Mean forecast.
    pub forecast_mean: f64,
    /// Positives observed.
    pub observed: usize,
    /// Observed share of positives.
    pub observed_share: f64,
    /// Wilson 95% interval of the observed share.
    pub interval: [f64; 2],
}

/// The Brier score and its decomposition over the classes it was binned by.
///
/// `score = reliability - resolution + uncertainty + within_variance -
/// 2 * within_covariance` holds exactly (Murphy 1973 for the first three;
/// the within-class terms of Stephenson, Coelho & Jolliffe 2008, which are
/// zero when every class holds a single forecast value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Brier {
    /// Hospitals scored.
    pub n: usize,
    /// Mean of `(forecast - outcome)²`.
    pub score: f64,
    /// `Σ n_k (f̄_k - ō_k)² / N`: how far the classes' mean forecasts are
    /// from their observed shares (0 is perfect).
    pub reliability: f64,
    /// `Σ n_k (ō_k - ō)² / N`: how much the observed shares differ between
    /// classes (higher is better).
    pub resolution: f64,
    /// `ō (1 - ō)`: the score of always forecasting the base rate.
    pub uncertainty: f64,
    /// `Σ Σ (f - f̄_k)² / N`: the spread of forecasts within classes.
    pub within_variance: f64,
    /// `Σ Σ (f - f̄_k)(o - ō_k) / N`: forecasts and outcomes moving together within classes.
    pub within_covariance: f64,
}

/// The reliability table (one [`Bin`] per non-empty class, ascending) and
/// the Brier score of `forecasts` against `outcomes`, binned by `classes`
/// (from [`rank_classes`] or [`distinct_classes`]); hospitals without a
/// class or with a forecast that is not finite are left out. `None` when
/// none is left.
pub fn reliability(forecasts: &[f64], outcomes: &[bool], classes: &[Option<usize>]) -> Option<(Vec<Bin>, Brier)> {
    let kept: Vec<(f64, bool, usize)> = forecasts
        .iter()
        .zip(outcomes)
        .zip(classes)
        .filter_map(|((&f, &o), &c)| Some((f, o, c?)).filter(|_| f.is_finite()))
        .collect();
    if kept.is_empty() {
        return None;
    }
    let total = kept.len() as f64;
    let observed_all = kept.iter().filter(|(_, o, _)| *o).count() as f64 / total;
    let score = kept.iter().map(|&(f, o, _)| square(f - f64::from(u8::from(o)))).sum::<f64>() / total;
    let k = kept.iter().map(|(_, _, c)| c + 1).max().unwrap_or(0);
    let mut bins = Vec::new();
    let (mut rel, mut res, mut wbv, mut wbc) = (0.0, 0.0, 0.0, 0.0);
    for class in 0..k {
        let members: Vec<(f64, bool)> = kept.iter().filter(|(_, _, c)| *c == class).map(|&(f, o, _)| (f, o)).collect();
        if members.is_empty() {
            continue;
        }
        let n = members.len();
        let f_mean = members.iter().map(|(f, _)| f).sum::<f64>() / n as f64;
        let observed = members.iter().filter(|(_, o)| *o).count();
        let o_mean = observed as f64 / n as f64;
        rel += n as f64 * square(f_mean - o_mean);
        res += n as f64 * square(o_mean - observed_all);
        for &(f, o) in &members {
            wbv += square(f - f_mean);
            wbc += (f - f_mean) * (f64::from(u8::from(o)) - o_mean);
        }
        let low = members.iter().map(|(f, _)| *f).fold(f64::INFINITY, f64::min);
        let high = members.iter().map(|(f, _)| *f).fold(f64::NEG_INFINITY, f64::max);
        bins.push(Bin {
            class,
            n,
            forecast_range: [low, high],
            forecast_mean: f_mean,
            observed,
            observed_share: o_mean,
            interval: wilson(observed, n),
        });
    }
    let brier = Brier {
        n: kept.len(),
        score,
        reliability: rel / total,
        resolution: res / total,
        uncertainty: observed_all * (1.0 - observed_all),
        within_variance: wbv / total,
        within_covariance: wbc / total,
    };
    Some((bins, brier))
}

/// One class per distinct forecast value, in ascending order (the binning
/// under which the Brier decomposition has no within-class terms).
pub fn distinct_classes(forecasts: &[f64]) -> Vec<Option<usize>> {
    let mut values: Vec<f64> = forecasts.iter().copied().filter(|f| f.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    forecasts.iter().map(|f| values.iter().position(|v| v == f)).collect()
}

/// `x²` (`powi` is forbidden crate-wide: its code differs with compiler flags).
fn square(x: f64) -> f64 {
    x * x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn a_perfect_ranking_has_an_auc_of_one_and_its_reverse_zero() {
        // Every positive above every negative: each V10 = 1 and V01 = 1, no spread.
        let scores = [0.9, 0.8, 0.7, 0.2, 0.1];
        let outcomes = [true, true, true, false, false];
        let a = auc(&scores, &outcomes).unwrap();
        assert_eq!((a.auc, a.se, a.interval), (1.0, 0.0, [1.0, 1.0]));
        assert_eq!((a.positives, a.negatives), (3, 2));
        let reversed: Vec<f64> = scores.iter().map(|s| -s).collect();
        assert_eq!(auc(&reversed, &outcomes).unwrap().auc, 0.0);
    }

    #[test]
    fn all_tied_scores_give_one_half() {
        let a = auc(&[0.3; 6], &[true, false, true, false, false, true]).unwrap();
        assert_eq!(a.auc, 0.5);
        // Every pair is a tie: every component is 1/2, no spread.
        assert_eq!(a.se, 0.0);
    }

    #[test]
    fn a_ranking_without_information_scores_one_half() {
        // Ranks 1..8 with positives at 1, 4, 5 and 8: they outrank 0, 2, 2
        // and 4 of the four negatives, 8 of 16 pairs = 0.5.
        let scores = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let outcomes = [true, false, false, true, true, false, false, true];
        assert_eq!(auc(&scores, &outcomes).unwrap().auc, 0.5);
    }

    #[test]
    fn a_random_ranking_is_near_one_half() {
        // SplitMix64 (Steele, Lea & Flood 2014) as a seeded uniform source.
        let mut state = 28u64;
        let mut uniform = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        };
        let scores: Vec<f64> = (0..4000).map(|_| uniform()).collect();
        let outcomes: Vec<bool> = (0..4000).map(|_| uniform() < 0.2).collect();
        let a = auc(&scores, &outcomes).unwrap();
        // About 800 positives and 3,200 negatives: se near
        // sqrt(1/12 (1/800 + 1/3200)) = 0.0114; the interval holds 0.5.
        assert!((a.se - 0.0114).abs() < 0.001, "{a:?}");
        assert!(a.interval[0] < 0.5 && 0.5 < a.interval[1], "{a:?}");
    }

    #[test]
    fn ties_between_a_positive_and_a_negative_count_one_half() {
        // Positives {2, 1}, negatives {1, 0}: pairs (2,1) 1, (2,0) 1, (1,1) 1/2,
        // (1,0) 1: 3.5 / 4 = 0.875.
        let a = auc(&[2.0, 1.0, 1.0, 0.0], &[true, true, false, false]).unwrap();
        assert!(close(a.auc, 0.875));
    }

    #[test]
    fn delong_variance_by_hand() {
        // Positives X = {0.9, 0.5, 0.4}, negatives Y = {0.5, 0.2}.
        // V10: 0.9 outranks both (1), 0.5 ties 0.5 and outranks 0.2 (0.75),
        // 0.4 outranks 0.2 only (0.5); AUC = 2.25 / 3 = 0.75.
        // V01: Y = 0.5 is outranked by 0.9, tied with 0.5 ((1 + 0.5) / 3 = 0.5);
        // Y = 0.2 by all three (1).
        // S10 = (0.25² + 0 + 0.25²) / 2 = 0.0625; S01 = (0.25² + 0.25²) / 1 = 0.125.
        // Var = 0.0625 / 3 + 0.125 / 2 = 0.083333; se = 0.288675.
        let a = auc(&[0.9, 0.5, 0.4, 0.5, 0.2], &[true, true, true, false, false]).unwrap();
        assert!(close(a.auc, 0.75));
        assert!(close(a.se * a.se, 0.0625 / 3.0 + 0.0625));
        assert!(close(a.interval[0], 0.75 - Z95 * (1.0f64 / 12.0).sqrt()));
        assert_eq!(a.interval[1], 1.0, "clipped at 1");
    }

    #[test]
    fn too_few_of_a_class_gives_no_variance() {
        let a = auc(&[0.9, 0.5, 0.4], &[true, false, false]).unwrap();
        assert_eq!(a.auc, 1.0);
        assert!(a.se.is_nan());
        assert!(auc(&[0.9, 0.5], &[false, false]).is_none());
    }

    #[test]
    fn non_finite_scores_are_left_out() {
        let a = auc(&[0.9, f64::NAN, 0.2], &[true, true, false]).unwrap();
        assert_eq!((a.auc, a.positives), (1.0, 1));
    }

    #[test]
    fn the_difference_of_a_score_with_itself_is_zero_and_with_its_reverse_known() {
        let scores = [0.9, 0.5, 0.4, 0.5, 0.2];
        let outcomes = [true, true, true, false, false];
        let d = auc_difference(&scores, &scores, &outcomes).unwrap();
        assert_eq!((d.difference, d.se), (0.0, 0.0));
        // The reverse ranking has AUC 1 - 0.75 = 0.25 and components 1 - V:
        // the difference 0.5 has variance 4 Var(AUC) = 4 / 12, se = 0.57735.
        let reversed: Vec<f64> = scores.iter().map(|s| -s).collect();
        let d = auc_difference(&scores, &reversed, &outcomes).unwrap();
        assert!(close(d.difference, 0.5));
        assert!(close(d.se, (4.0f64 / 12.0).sqrt()));
    }

    #[test]
    fn the_difference_is_taken_on_the_hospitals_both_scores_rank() {
        // The NaN drops the third hospital from both: a and b then rank
        // {0.9, 0.2} against outcomes {true, false}: both AUC 1.
        let d = auc_difference(&[0.9, 0.2, 0.1], &[0.5, 0.1, f64::NAN], &[true, false, true]).unwrap();
        assert_eq!(d.difference, 0.0);
    }

    #[test]
    fn wilson_interval_by_hand() {
        // 0 of 10: [0, z² / (n + z²)] = [0, 3.8415 / 13.8415] = [0, 0.27753].
        let w = wilson(0, 10);
        assert_eq!(w[0], 0.0);
        assert!((w[1] - Z95 * Z95 / (10.0 + Z95 * Z95)).abs() < 1e-12);
        // 5 of 10: centred on 0.5, half-width z sqrt(0.025 + z²/400) / (1 + z²/10)
        // = 1.959964 × 0.186021 / 1.384146 = 0.263407.
        let w = wilson(5, 10);
        assert!((w[0] + w[1] - 1.0).abs() < 1e-12);
        assert!((w[1] - 0.5 - 0.263_407).abs() < 1e-6, "{w:?}");
        assert!(wilson(0, 0)[0].is_nan());
    }

    #[test]
    fn rank_classes_are_equal_counts_without_ties() {
        // Ten distinct scores in deciles: class = rank.
        let scores: Vec<f64> = (0..10).map(|i| f64::from(9 - i)).collect();
        let classes = rank_classes(&scores, 10);
        assert_eq!(classes, (0..10).rev().map(Some).collect::<Vec<_>>());
        // Eight scores in quartiles: ranks 0..8, class floor(4 * 2r / 16) = r / 2.
        let classes = rank_classes(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], 4);
        assert_eq!(classes, [0, 0, 1, 1, 2, 2, 3, 3].map(Some));
    }

    #[test]
    fn tied_scores_share_the_class_of_their_middle_rank() {
        // Ten scores, six tied at 0 (ranks 0..=5, middle 2.5): class
        // floor(10 * 5 / 20) = 2; then ranks 6, 7, 8, 9 alone.
        let scores = [0.0, 0.0, 0.3, 0.0, 0.0, 0.1, 0.0, 0.2, 0.0, 0.4];
        let classes = rank_classes(&scores, 10);
        assert_eq!(classes, [2, 2, 8, 2, 2, 6, 2, 7, 2, 9].map(Some));
        // The same scores in another order land in the same classes.
        let mut reordered = scores;
        reordered.reverse();
        let mut again = rank_classes(&reordered, 10);
        again.reverse();
        assert_eq!(again, classes);
        // Every score tied: all in the middle class.
        assert_eq!(rank_classes(&[1.0; 4], 4), [Some(1); 4]);
        // One finite score: rank 0 of 1, class 0.
        assert_eq!(rank_classes(&[f64::NAN, 1.0], 4), [None, Some(0)]);
    }

    #[test]
    fn brier_decomposition_is_exact_with_one_class_per_forecast() {
        // Forecasts 0.2 (outcomes 0, 0, 1, 0) and 0.7 (1, 1, 0, 1): N = 8, ō = 0.5.
        // BS = [3 (0.04) + 0.64 + 3 (0.09) + 0.49] / 8 = 1.52 / 8 = 0.19.
        // REL = [4 (0.2 - 0.25)² + 4 (0.7 - 0.75)²] / 8 = 0.0025.
        // RES = [4 (0.25 - 0.5)² + 4 (0.75 - 0.5)²] / 8 = 0.0625.
        // UNC = 0.25; REL - RES + UNC = 0.19.
        let f = [0.2, 0.2, 0.2, 0.2, 0.7, 0.7, 0.7, 0.7];
        let o = [false, false, true, false, true, true, false, true];
        let (bins, b) = reliability(&f, &o, &distinct_classes(&f)).unwrap();
        assert!(close(b.score, 0.19));
        assert!(close(b.reliability, 0.0025));
        assert!(close(b.resolution, 0.0625));
        assert!(close(b.uncertainty, 0.25));
        assert_eq!((b.within_variance, b.within_covariance), (0.0, 0.0));
        assert!(close(b.reliability - b.resolution + b.uncertainty, b.score));
        assert_eq!(bins.len(), 2);
        assert_eq!((bins[1].n, bins[1].observed, bins[1].observed_share), (4, 3, 0.75));
        assert_eq!(bins[0].forecast_range, [0.2, 0.2]);
    }

    #[test]
    fn brier_decomposition_with_wider_classes_needs_the_within_terms() {
        // Forecasts 0.1 and 0.3 in class 0 (outcomes 0, 1), 0.8 and 0.9 in
        // class 1 (1, 1). BS = (0.01 + 0.49 + 0.04 + 0.01) / 4 = 0.1375.
        // Class 0: f̄ 0.2, ō 0.5; class 1: f̄ 0.85, ō 1; overall ō 0.75.
        // REL = [2 (0.3)² + 2 (0.15)²] / 4 = 0.05625; RES = [2 (0.25)² + 2 (0.25)²] / 4 = 0.0625;
        // UNC = 0.1875; WBV = (0.01 + 0.01 + 0.0025 + 0.0025) / 4 = 0.00625;
        // WBC = [(-0.1)(-0.5) + (0.1)(0.5) + 0 + 0] / 4 = 0.025.
        // REL - RES + UNC + WBV - 2 WBC = 0.05625 - 0.0625 + 0.1875 + 0.00625 - 0.05 = 0.1375.
        let f = [0.1, 0.3, 0.8, 0.9];
        let o = [false, true, true, true];
        let classes = [Some(0), Some(0), Some(1), Some(1)];
        let (_, b) = reliability(&f, &o, &classes).unwrap();
        assert!(close(b.score, 0.1375));
        assert!(close(b.reliability, 0.05625));
        assert!(close(b.resolution, 0.0625));
        assert!(close(b.within_variance, 0.00625));
        assert!(close(b.within_covariance, 0.025));
        let sum = b.reliability - b.resolution + b.uncertainty + b.within_variance - 2.0 * b.within_covariance;
        assert!(close(sum, b.score));
    }

    #[test]
    fn reliability_skips_unclassed_and_empty() {
        assert!(reliability(&[0.5], &[true], &[None]).is_none());
        let (bins, b) = reliability(&[0.5, f64::NAN], &[true, false], &[Some(3), Some(0)]).unwrap();
        assert_eq!((bins.len(), bins[0].class, b.n), (1, 3, 1));
    }
}
