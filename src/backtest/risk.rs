//! Do the projected probabilities mean what they say, and do they rank
//! hospitals better than last year's margin? For the matched hospitals of
//! a backtest: reliability tables (deciles of the forecast, the mean
//! forecast against the observed share with Wilson's interval) and the
//! Brier score with its decomposition, for P(margin < 0) against a
//! reported margin below zero and for P(distress) against reported distress
//! (the scenario's thresholds applied to the reported margin and days of
//! cash); and each target's AUC beside persistence's (the base-year margin
//! and the base-year days of cash, lower = riskier), by kind and over all.
//! No I/O.

use super::scores::{auc, auc_difference, rank_classes, reliability, Auc, AucDifference, Bin, Brier};
use super::{HospitalRow, Score, ALL};

/// Classes of the reliability tables (deciles of the forecast).
pub const DECILES: usize = 10;

/// What a probability is scored against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A reported margin below zero in the compared year.
    InTheRed,
    /// Reported distress in the compared year: a margin below the
    /// scenario's `distress_margin` or days of cash below its `distress_days_cash`.
    Distress,
}

impl Target {
    /// The id written in tables.
    pub fn id(self) -> &'static str {
        match self {
            Target::InTheRed => "in_the_red",
            Target::Distress => "distress",
        }
    }
    /// The label people read.
    pub fn label(self) -> &'static str {
        match self {
            Target::InTheRed => "in the red (margin < 0)",
            Target::Distress => "in distress",
        }
    }
    /// seqsim's probability of it.
    pub fn forecast(self) -> Score {
        match self {
            Target::InTheRed => Score::PNegative,
            Target::Distress => Score::PDistress,
        }
    }
    fn outcome(self, h: &HospitalRow) -> Option<bool> {
        match self {
            Target::InTheRed => h.actual.is_finite().then_some(h.actual < 0.0),
            Target::Distress => h.actual_distress,
        }
    }
}

/// Both targets, in table order.
pub const TARGETS: [Target; 2] = [Target::InTheRed, Target::Distress];

/// One group's reliability table and Brier score for one target.
#[derive(Clone, Debug, PartialEq)]
pub struct ReliabilityTable {
    /// The target.
    pub target: Target,
    /// Kind, or [`ALL`].
    pub group: String,
    /// Non-empty deciles, lowest forecasts first.
    pub bins: Vec<Bin>,
    /// The Brier score and its decomposition over those deciles.
    pub brier: Brier,
}

/// One score's AUC against one target, for one group.
#[derive(Clone, Debug, PartialEq)]
pub struct RankingLine {
    /// The target.
    pub target: Target,
    /// Kind, or [`ALL`].
    pub group: String,
    /// The score ranked.
    pub score: Score,
    /// Its AUC with DeLong's interval; `None` without a positive and a negative.
    pub auc: Option<Auc>,
    /// `AUC - AUC(persistence: base-year margin)` with the paired interval
    /// (`None` for that score itself).
    pub versus_persistence: Option<AucDifference>,
}

/// The reliability tables and rankings of a backtest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskScores {
    /// By target, then group (kinds, then [`ALL`]).
    pub reliability: Vec<ReliabilityTable>,
    /// By target, then group, then score (seqsim's, then persistence's two).
    pub ranking: Vec<RankingLine>,
    /// Matched hospitals whose distress is not observed (no cash reported
    /// and a margin above the threshold): left out of the distress scores.
    pub distress_unobserved: usize,
}

/// The value of `score` for a matched hospital (higher = riskier).
pub fn value(h: &HospitalRow, score: Score) -> f64 {
    match score {
        Score::PNegative => h.p_negative,
        Score::PDistress => h.p_distress,
        Score::PExhausted => h.p_exhausted,
        Score::PersistenceMargin => -h.persistence,
        Score::PersistenceDaysCash => -h.base_days_cash,
    }
}

/// Scores `hospitals` (the matched ones) for every target, by kind (in
/// `kinds`' order) and over all.
pub fn score(hospitals: &[HospitalRow], kinds: &[String]) -> RiskScores {
    let groups: Vec<&str> = kinds.iter().map(String::as_str).chain([ALL]).collect();
    let mut out = RiskScores {
        distress_unobserved: hospitals.iter().filter(|h| h.actual_distress.is_none()).count(),
        ..RiskScores::default()
    };
    for target in TARGETS {
        for group in &groups {
            let members: Vec<(&HospitalRow, bool)> = hospitals
                .iter()
                .filter(|h| *group == ALL || h.kind == *group)
                .filter_map(|h| Some((h, target.outcome(h)?)))
                .collect();
            let outcomes: Vec<bool> = members.iter().map(|(_, o)| *o).collect();
            let values = |score: Score| members.iter().map(|(h, _)| value(h, score)).collect::<Vec<f64>>();
            let forecasts = values(target.forecast());
            if let Some((bins, brier)) = reliability(&forecasts, &outcomes, &rank_classes(&forecasts, DECILES)) {
                out.reliability.push(ReliabilityTable { target, group: group.to_string(), bins, brier });
            }
            let persistence = values(Score::PersistenceMargin);
            for score in [target.forecast(), Score::PersistenceMargin, Score::PersistenceDaysCash] {
                let v = values(score);
                let versus_persistence =
                    if score == Score::PersistenceMargin { None } else { auc_difference(&v, &persistence, &outcomes) };
                out.ranking.push(RankingLine {
                    target,
                    group: group.to_string(),
                    score,
                    auc: auc(&v, &outcomes),
                    versus_persistence,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hospital(kind: &str, p_negative: f64, actual: f64, persistence: f64, distress: Option<bool>) -> HospitalRow {
        HospitalRow {
            ccn: "010001".into(),
            name: "A".into(),
            kind: kind.into(),
            state: "AL".into(),
            actual_kind: kind.into(),
            predicted: [0.0; 5],
            actual,
            pit: 0.5,
            crps: 0.0,
            persistence,
            p_negative,
            p_exhausted: 0.0,
            p_distress: p_negative,
            base_days_cash: 50.0,
            actual_days_cash: f64::NAN,
            actual_distress: distress,
        }
    }

    #[test]
    fn rankings_and_reliability_by_kind_and_over_all() {
        // Four hospitals of kind a, two of kind b. In kind a, seqsim ranks
        // the two in the red (0.9, 0.6) above the two in the black (0.4,
        // 0.1): AUC 1. Persistence's base margins (-0.02, 0.03, 0.01, 0.05:
        // scores 0.02, -0.03, -0.01, -0.05) rank 0.02 > -0.01 > -0.03 > -0.05,
        // so the second red hospital (-0.03) sits below a black one (-0.01):
        // 3 of 4 pairs, AUC 0.75, and seqsim - persistence = 0.25.
        let hospitals = [
            hospital("a", 0.9, -0.05, -0.02, Some(true)),
            hospital("a", 0.6, -0.01, 0.03, Some(true)),
            hospital("a", 0.4, 0.02, 0.01, Some(false)),
            hospital("a", 0.1, 0.04, 0.05, None),
            hospital("b", 0.5, -0.02, 0.00, Some(true)),
            hospital("b", 0.5, 0.01, 0.00, Some(false)),
        ];
        let scores = score(&hospitals, &["a".to_string(), "b".to_string()]);
        assert_eq!(scores.distress_unobserved, 1);
        let line = |target: Target, group: &str, s: Score| {
            scores.ranking.iter().find(|l| l.target == target && l.group == group && l.score == s).unwrap()
        };
        let seqsim = line(Target::InTheRed, "a", Score::PNegative);
        assert_eq!(seqsim.auc.unwrap().auc, 1.0);
        assert_eq!(line(Target::InTheRed, "a", Score::PersistenceMargin).auc.unwrap().auc, 0.75);
        assert!((seqsim.versus_persistence.unwrap().difference - 0.25).abs() < 1e-12);
        // Kind b: tied forecasts and tied base margins: 0.5 each.
        assert_eq!(line(Target::InTheRed, "b", Score::PNegative).auc.unwrap().auc, 0.5);
        // Distress in kind a leaves the fourth hospital out: 2 positives, 1 negative.
        let distress = line(Target::Distress, "a", Score::PDistress).auc.unwrap();
        assert_eq!((distress.positives, distress.negatives), (2, 1));
        // Over all, six hospitals by rank r = 0..5 in deciles floor(10 (2r) / 12):
        // 0, 1, then the two tied at 0.5 (ranks 2, 3) share floor(10 * 5 / 12) = 4, 6, 8.
        let all = scores.reliability.iter().find(|t| t.target == Target::InTheRed && t.group == ALL).unwrap();
        assert_eq!(
            all.bins.iter().map(|b| (b.class, b.n)).collect::<Vec<_>>(),
            [(0, 1), (1, 1), (4, 2), (6, 1), (8, 1)]
        );
        assert_eq!(all.brier.n, 6);
        // Brier: (0.9-1)² + (0.6-1)² + 0.4² + 0.1² + (0.5-1)² + 0.5² = 0.01 + 0.16 + 0.16 + 0.01 + 0.25 + 0.25 = 0.84 / 6.
        assert!((all.brier.score - 0.14).abs() < 1e-12);
        assert_eq!(scores.reliability.len(), 6, "two targets by three groups");
        assert_eq!(scores.ranking.len(), 18, "two targets by three groups by three scores");
    }
}
