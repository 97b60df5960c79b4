//! A backtest's track record in a few figures (`track_record.json`, written
//! by `seqsim backtest`): how well the projection from one release's reports
//! matched the later release and, with a closure list, the closures. A cohort
//! table can carry it beside itself (`COHORT.track_record.json`), and every
//! run on that table repeats it in its brief, page and workbooks in one
//! sentence, so that the figures travel with the numbers they qualify and
//! are never typed by hand.

use serde::{Deserialize, Serialize};

use super::{Backtest, Score, ALL};
use crate::backtest::risk::Target;

/// The figures of one backtest, over all hospitals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackRecord {
    /// The backtest scenario's `name:`.
    pub backtest: String,
    /// Its SHA-256 (the scenario file as run).
    pub scenario_sha256: String,
    /// Paths simulated.
    pub paths: u64,
    /// The reports' year the projection started from.
    pub base_year: i32,
    /// The year compared.
    pub year: i32,
    /// Hospitals matched in the later release.
    pub hospitals: usize,
    /// Share of reported margins inside their 50% interval.
    pub coverage_50: f64,
    /// Share of reported margins inside their 90% interval.
    pub coverage_90: f64,
    /// AUC of P(margin < 0) for the hospitals reported in the red.
    pub auc_in_the_red: f64,
    /// AUC of the base-year margin alone (persistence) for the same.
    pub auc_in_the_red_persistence: f64,
    /// Against the closure list, when the backtest had one.
    pub closures: Option<ClosureRecord>,
}

/// P(cash exhausted) against closures and conversions within a horizon.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClosureRecord {
    /// Years after the base year.
    pub horizon_years: i32,
    /// Hospitals that closed or converted within it.
    pub closed: usize,
    /// AUC of P(cash exhausted).
    pub auc: f64,
    /// AUC of the base-year margin alone.
    pub auc_persistence: f64,
    /// Share of the closures that were in the top decile of P(cash exhausted).
    pub top_decile_share: f64,
}

/// The track record of `backtest` (the shortest closure horizon scored),
/// or `None` when its over-all figures are missing.
pub fn of(backtest: &Backtest, name: &str, scenario_sha256: &str, base_year: i32) -> Option<TrackRecord> {
    let all = backtest.summary.iter().find(|l| l.group == ALL)?;
    let ranked = |score: Score| {
        backtest
            .risk
            .ranking
            .iter()
            .find(|r| r.target == Target::InTheRed && r.group == ALL && r.score == score)
            .and_then(|r| r.auc.as_ref())
            .map(|a| a.auc)
    };
    let closures = backtest.closures.as_ref().and_then(|c| {
        let horizon = c.horizons.iter().min_by_key(|h| h.years)?;
        let line = |score: Score| horizon.lines.iter().find(|l| l.group == ALL && l.score == score);
        let exhausted = line(Score::PExhausted)?;
        Some(ClosureRecord {
            horizon_years: horizon.years,
            closed: exhausted.closed,
            auc: exhausted.auc.as_ref()?.auc,
            auc_persistence: line(Score::PersistenceMargin)?.auc.as_ref()?.auc,
            top_decile_share: exhausted.top_decile_share(),
        })
    });
    Some(TrackRecord {
        backtest: name.to_string(),
        scenario_sha256: scenario_sha256.to_string(),
        paths: backtest.paths,
        base_year,
        year: backtest.year,
        hospitals: all.matched,
        coverage_50: all.coverage_50,
        coverage_90: all.coverage_90,
        auc_in_the_red: ranked(Score::PNegative)?,
        auc_in_the_red_persistence: ranked(Score::PersistenceMargin)?,
        closures,
    })
}

impl TrackRecord {
    /// The record in one sentence, every figure from the backtest.
    pub fn sentence(&self) -> String {
        let percent = |x: f64| format!("{:.0}%", x * 100.0);
        let mut text = format!(
            "Track record: projected from their {} cost reports to {} (seqsim backtest “{}”, {} paths), {} of {} hospitals' reported margins \
             fell inside their 90% intervals ({} inside the 50% ones); P(margin < 0) ranked the hospitals reported in the red with an AUC of {:.2}, \
             against {:.2} for the {} margin alone",
            self.base_year,
            self.year,
            self.backtest,
            self.paths,
            percent(self.coverage_90),
            self.hospitals,
            percent(self.coverage_50),
            self.auc_in_the_red,
            self.auc_in_the_red_persistence,
            self.base_year
        );
        match &self.closures {
            Some(c) => text.push_str(&format!(
                "; P(cash exhausted) ranked the {} rural hospitals that closed or converted within {} years with an AUC of {:.2} \
                 (margin alone {:.2}), and {} of them were in its top tenth.",
                c.closed,
                c.horizon_years,
                c.auc,
                c.auc_persistence,
                percent(c.top_decile_share)
            )),
            None => text.push('.'),
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(closures: Option<ClosureRecord>) -> TrackRecord {
        TrackRecord {
            backtest: "B".into(),
            scenario_sha256: "s".into(),
            paths: 2000,
            base_year: 2017,
            year: 2021,
            hospitals: 4209,
            coverage_50: 0.421,
            coverage_90: 0.8095,
            auc_in_the_red: 0.687,
            auc_in_the_red_persistence: 0.7016,
            closures,
        }
    }

    #[test]
    fn the_sentence_carries_every_figure_rounded_as_shown() {
        let without = record(None).sentence();
        // 0.8095 -> 81%, 0.421 -> 42%, AUCs to two decimals.
        assert!(without.contains(
            "81% of 4209 hospitals' reported margins fell inside their 90% intervals (42% inside the 50% ones)"
        ));
        assert!(without.contains("an AUC of 0.69, against 0.70 for the 2017 margin alone."), "{without}");
        let closures = ClosureRecord {
            horizon_years: 2,
            closed: 26,
            auc: 0.7656,
            auc_persistence: 0.736,
            top_decile_share: 10.0 / 26.0,
        };
        let with = record(Some(closures)).sentence();
        // 10 / 26 = 38.5% -> 38%.
        assert!(with.ends_with("the 26 rural hospitals that closed or converted within 2 years with an AUC of 0.77 (margin alone 0.74), and 38% of them were in its top tenth."), "{with}");
    }
}
