//! Scores a projection against what happened: a cohort projected from an
//! earlier release of cost reports is compared, hospital by hospital (CCN),
//! with the margins the same hospitals reported in a later release.
//!
//! For each matched hospital the projected year's margin distribution (its
//! cell histogram) gives the PIT (the share of paths at or below the
//! reported margin) and the CRPS; the persistence forecast (the base-year
//! margin carried forward) is scored by its absolute error, which is its
//! CRPS. Shares in the red get a Monte Carlo standard error and a
//! predictive interval from per-path shares. Hospitals without a later
//! report are listed with the reason, never dropped silently. Nothing here
//! does I/O.
//!
//! The projected probabilities are scored as risk scores too ([`risk`]:
//! reliability and Brier score of P(margin < 0) and P(distress), their AUC
//! beside persistence's), and, given a list of closures, against the
//! closures that followed ([`closures`]); [`scores`] holds the statistics.

pub mod closures;
pub mod risk;
pub mod scores;
pub mod track_record;

use std::collections::HashMap;
use std::ops::Range;

use crate::calendar::Date;
use crate::engine::summary::{summarize, SummaryRow};
use crate::engine::{path_margins, simulate, Accumulator, EngineError, Histogram, Plan};
use crate::import::sheps::Closure;
use crate::numeric::stats::{mean, quantile, sample_sd};

/// The cohort attribute holding a hospital's CMS Certification Number.
pub const CCN_COLUMN: &str = "ccn";
/// The group name of the row over every kind.
pub const ALL: &str = "all";
/// Bins of the PIT histogram (deciles).
pub const PIT_BINS: usize = 10;

/// A risk score: one of seqsim's projected probabilities, or persistence's
/// ranking by a base-year figure (lower = riskier).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Score {
    /// Projected P(margin < 0).
    PNegative,
    /// Projected P(distress).
    PDistress,
    /// Projected P(cash exhausted).
    PExhausted,
    /// Persistence: the base-year margin.
    PersistenceMargin,
    /// Persistence: the base-year days of cash.
    PersistenceDaysCash,
}

impl Score {
    /// The id written in tables.
    pub fn id(self) -> &'static str {
        match self {
            Score::PNegative => "seqsim_p_negative",
            Score::PDistress => "seqsim_p_distress",
            Score::PExhausted => "seqsim_p_exhausted",
            Score::PersistenceMargin => "persistence_margin",
            Score::PersistenceDaysCash => "persistence_days_cash",
        }
    }
    /// The label people read.
    pub fn label(self) -> &'static str {
        match self {
            Score::PNegative => "seqsim P(margin < 0)",
            Score::PDistress => "seqsim P(distress)",
            Score::PExhausted => "seqsim P(cash exhausted)",
            Score::PersistenceMargin => "persistence: base-year margin",
            Score::PersistenceDaysCash => "persistence: base-year days of cash",
        }
    }
    /// Whether it is persistence's.
    pub fn is_persistence(self) -> bool {
        matches!(self, Score::PersistenceMargin | Score::PersistenceDaysCash)
    }
}

/// One hospital's reported margin in the later release.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Six-character CCN.
    pub ccn: String,
    /// Hospital name as reported.
    pub name: String,
    /// Its kind in the later release.
    pub kind: String,
    /// Reported patient-care margin (net income from service to patients / net patient revenue).
    pub margin: f64,
    /// Calendar year the reporting period ends in.
    pub end_year: i32,
    /// Reported days of cash, `365 cash / costs`, when the release gives cash.
    pub days_cash: Option<f64>,
}

/// Why a hospital of the projected cohort has no outcome to compare with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmatched {
    /// The later release holds no report with its CCN (closed, merged into
    /// another CCN, converted, or late to file).
    NoReport,
    /// The later release has a report, but the importer dropped it (the reason).
    Dropped(String),
    /// The later cohort table has no row with its CCN (a cohort table does
    /// not say whether the report was missing or dropped).
    NotInCohort,
}

impl Unmatched {
    /// The reason as written in tables.
    pub fn describe(&self) -> String {
        match self {
            Unmatched::NoReport => "no_report".to_string(),
            Unmatched::Dropped(reason) => format!("dropped:{reason}"),
            Unmatched::NotInCohort => "not_in_cohort".to_string(),
        }
    }
}

/// The later release: outcomes by CCN, and what is known of the others.
#[derive(Clone, Debug, Default)]
pub struct Later {
    /// Reported margins of the kept hospitals.
    pub outcomes: Vec<Outcome>,
    /// CCNs the later release has a report for but the importer dropped, with the reason.
    pub dropped: HashMap<String, String>,
    /// Whether the later file was a cost-report release (so a missing CCN
    /// means no report) rather than a cohort table.
    pub from_release: bool,
}

/// How the backtest runs.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Seed.
    pub seed: u64,
    /// Paths.
    pub paths: u64,
    /// Worker threads.
    pub threads: usize,
    /// The projected calendar year compared with the later release.
    pub year: i32,
    /// Paths whose per-path shares in the red are computed (at most `paths`).
    pub share_paths: u64,
}

/// Why a backtest cannot run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// `--year` outside the projection.
    #[error("--year {year} is outside the projection ({first}-{last}); give a year the scenario projects")]
    YearOutside {
        /// The year asked for.
        year: i32,
        /// First projected year.
        first: i32,
        /// Last projected year.
        last: i32,
    },
    /// No practice has a CCN.
    #[error(
        "no practice of the scenario has a `{CCN_COLUMN}` column: a backtest needs a cohort imported from cost reports"
    )]
    NoCcn,
    /// No hospital matched.
    #[error("none of the scenario's {0} hospitals has a report in the later file: are the files releases of the same kind of facility?")]
    NothingMatched(usize),
    /// The engine failed or was interrupted.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// One matched hospital.
#[derive(Clone, Debug, PartialEq)]
pub struct HospitalRow {
    /// CCN.
    pub ccn: String,
    /// Name (earlier release).
    pub name: String,
    /// Kind in the projected cohort.
    pub kind: String,
    /// State.
    pub state: String,
    /// Kind in the later release (differs after a conversion, e.g. to a CAH).
    pub actual_kind: String,
    /// Projected margin P5, P25, P50, P75, P95 in the compared year.
    pub predicted: [f64; 5],
    /// Reported margin in the later release.
    pub actual: f64,
    /// Share of paths with a margin at or below the reported one.
    pub pit: f64,
    /// CRPS of the projection.
    pub crps: f64,
    /// The persistence forecast: the base-year margin.
    pub persistence: f64,
    /// Projected P(margin < 0).
    pub p_negative: f64,
    /// Projected P(cash exhausted by the compared year).
    pub p_exhausted: f64,
    /// Projected P(distress) in the compared year.
    pub p_distress: f64,
    /// Base-year days of cash, `365 cash / costs`.
    pub base_days_cash: f64,
    /// Reported days of cash (NaN when the later release gives no cash).
    pub actual_days_cash: f64,
    /// Reported distress by the scenario's thresholds (margin below its
    /// threshold or days of cash below theirs); `None` when the margin is
    /// above its threshold and days of cash are not reported.
    pub actual_distress: Option<bool>,
}

impl HospitalRow {
    /// Whether the reported margin lies in the central 90% interval (P5..P95).
    pub fn in_90(&self) -> bool {
        self.predicted[0] <= self.actual && self.actual <= self.predicted[4]
    }
    /// Whether the reported margin lies in the central 50% interval (P25..P75).
    pub fn in_50(&self) -> bool {
        self.predicted[1] <= self.actual && self.actual <= self.predicted[3]
    }
    /// CRPS of persistence: its absolute error.
    pub fn persistence_crps(&self) -> f64 {
        (self.actual - self.persistence).abs()
    }
}

/// One hospital of the projected cohort without an outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct UnmatchedRow {
    /// CCN.
    pub ccn: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// State.
    pub state: String,
    /// Why it has no outcome.
    pub reason: Unmatched,
    /// Projected P(cash exhausted by the compared year).
    pub p_exhausted: f64,
}

/// One row of the summary: one kind, or every kind ([`ALL`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryLine {
    /// Kind, or [`ALL`].
    pub group: String,
    /// Hospitals matched.
    pub matched: usize,
    /// Hospitals of the projected cohort without an outcome.
    pub unmatched: usize,
    /// Of those, hospitals the later release has no report for.
    pub no_report: usize,
    /// Matched hospitals whose kind changed.
    pub kind_changed: usize,
    /// Expected share of matched hospitals with a negative margin.
    pub predicted_share_negative: f64,
    /// Its Monte Carlo standard error.
    pub predicted_share_negative_se: f64,
    /// The 5th and 95th percentiles of the share over paths (the predictive interval).
    pub predicted_share_negative_interval: [f64; 2],
    /// Reported share with a negative margin.
    pub actual_share_negative: f64,
    /// Median of the pooled projected margins of the matched hospitals.
    pub predicted_median_margin: f64,
    /// Median of the reported margins.
    pub actual_median_margin: f64,
    /// Share of reported margins inside the 50% interval.
    pub coverage_50: f64,
    /// Share of reported margins inside the 90% interval.
    pub coverage_90: f64,
    /// Mean CRPS of seqsim.
    pub crps: f64,
    /// Mean CRPS (absolute error) of persistence.
    pub crps_persistence: f64,
    /// 1 - crps / crps_persistence.
    pub skill: f64,
    /// Mean projected P(cash exhausted) of the matched hospitals.
    pub p_exhausted_matched: f64,
    /// Mean projected P(cash exhausted) of the hospitals with no later report.
    pub p_exhausted_no_report: f64,
    /// PIT counts in [`PIT_BINS`] equal bins of [0, 1].
    pub pit_counts: [usize; PIT_BINS],
}

/// Everything a backtest found.
#[derive(Clone, Debug)]
pub struct Backtest {
    /// The compared year.
    pub year: i32,
    /// Paths simulated.
    pub paths: u64,
    /// Paths whose per-path shares in the red were computed.
    pub share_paths: u64,
    /// Matched hospitals, in cohort order.
    pub hospitals: Vec<HospitalRow>,
    /// Hospitals without an outcome, in cohort order.
    pub unmatched: Vec<UnmatchedRow>,
    /// Hospitals the projection had but no CCN (YAML practices), skipped.
    pub without_ccn: usize,
    /// By kind (plan order), then [`ALL`].
    pub summary: Vec<SummaryLine>,
    /// The most common year the matched later reports end in (to check
    /// that `--year` is the year the later release describes).
    pub outcome_year: Option<i32>,
    /// Every hospital of the projected cohort with a CCN, for the closure scores.
    pub facilities: Vec<closures::Facility>,
    /// Reliability and ranking of the projected probabilities.
    pub risk: risk::RiskScores,
    /// Scores against a list of closures, when one was given.
    pub closures: Option<closures::ClosureScores>,
}

/// Projects `plan`'s baseline with `spec`, and scores year `spec.year`
/// against `later` (and the cohort's risk against `closure_list`, when
/// given). `base_margins[p]` is practice `p`'s base-year margin.
pub fn run(
    plan: &Plan,
    base_margins: &[f64],
    later: &Later,
    spec: &Spec,
    closure_list: Option<&[Closure]>,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Backtest, BacktestError> {
    let (first, last) = (plan.start_year, plan.start_year + plan.years as i32 - 1);
    if spec.year < first || spec.year > last {
        return Err(BacktestError::YearOutside { year: spec.year, first, last });
    }
    let t = (spec.year - first) as usize;
    let mut plan = plan.only_policy(plan.baseline);
    plan.cell_histograms = true;
    plan.groups.clear();
    for practice in &mut plan.practices {
        practice.group = None;
    }
    if plan.practices.iter().all(|p| p.attribute(CCN_COLUMN).is_empty()) {
        return Err(BacktestError::NoCcn);
    }
    let acc = simulate(&plan, spec.seed, 0..spec.paths, spec.threads, progress)?;
    let summary = summarize(&plan, &acc).summary;
    let matched = match_hospitals(&plan, base_margins, later, &acc, &summary, t);
    if matched.hospitals.is_empty() {
        return Err(BacktestError::NothingMatched(matched.unmatched.len()));
    }
    let share_paths = spec.share_paths.min(spec.paths).max(1);
    let shares = per_path_shares(&plan, spec.seed, 0..share_paths, t, &matched.practice_of);
    let groups: Vec<String> = plan.kinds.iter().cloned().chain([ALL.to_string()]).collect();
    let summary = groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let in_group = |kind: &str| group == ALL || kind == group;
            let hospitals: Vec<(usize, &HospitalRow)> = matched
                .hospitals
                .iter()
                .zip(&matched.practice_of)
                .filter(|(h, _)| in_group(&h.kind))
                .map(|(h, p)| (*p, h))
                .collect();
            let unmatched: Vec<&UnmatchedRow> = matched.unmatched.iter().filter(|u| in_group(&u.kind)).collect();
            let pooled = pooled_histogram(&acc, &plan, t, hospitals.iter().map(|(p, _)| *p));
            summary_line(group, &hospitals, &unmatched, &pooled, &shares[g.min(shares.len() - 1)], spec.paths)
        })
        .collect();
    let end_years: HashMap<&str, i32> = later.outcomes.iter().map(|o| (o.ccn.as_str(), o.end_year)).collect();
    let outcome_year = most_common(matched.hospitals.iter().filter_map(|h| end_years.get(h.ccn.as_str()).copied()));
    let risk = risk::score(&matched.hospitals, &plan.kinds);
    let base_year = plan.start_year - 1;
    let closures = closure_list
        .map(|list| closures::score(&matched.facilities, &plan.kinds, list, base_year, spec.year, plan.start_year));
    Ok(Backtest {
        outcome_year,
        facilities: matched.facilities,
        risk,
        closures,
        year: spec.year,
        paths: spec.paths,
        share_paths,
        hospitals: matched.hospitals,
        unmatched: matched.unmatched,
        without_ccn: matched.without_ccn,
        summary,
    })
}

/// The most common value (the latest among ties).
fn most_common(values: impl Iterator<Item = i32>) -> Option<i32> {
    let mut counts: std::collections::BTreeMap<i32, usize> = std::collections::BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(v, n)| (*n, *v)).map(|(v, _)| v)
}

struct Matched {
    hospitals: Vec<HospitalRow>,
    /// The practice index of each matched hospital.
    practice_of: Vec<usize>,
    unmatched: Vec<UnmatchedRow>,
    without_ccn: usize,
    facilities: Vec<closures::Facility>,
}

/// Pairs the plan's hospitals with `later`'s outcomes by CCN.
fn match_hospitals(
    plan: &Plan,
    base_margins: &[f64],
    later: &Later,
    acc: &Accumulator,
    summary: &[SummaryRow],
    t: usize,
) -> Matched {
    let outcomes: HashMap<&str, &Outcome> = later.outcomes.iter().map(|o| (o.ccn.as_str(), o)).collect();
    let mut matched = Matched {
        hospitals: Vec::new(),
        practice_of: Vec::new(),
        unmatched: Vec::new(),
        without_ccn: 0,
        facilities: Vec::new(),
    };
    for (p, practice) in plan.practices.iter().enumerate() {
        let ccn = practice.attribute(CCN_COLUMN);
        if ccn.is_empty() {
            matched.without_ccn += 1;
            continue;
        }
        let Some(row) = summary.get(p * plan.years + t) else { continue };
        let state = practice.attribute("state").to_string();
        let terms = &practice.terms;
        let base_days_cash = 365.0 * terms.cash / terms.base_costs;
        let base_margin = base_margins.get(p).copied().unwrap_or(f64::NAN);
        let years = (0..plan.years).filter_map(|y| summary.get(p * plan.years + y));
        matched.facilities.push(closures::Facility {
            ccn: ccn.to_string(),
            name: practice.name.clone(),
            city: practice.attribute("city").to_string(),
            state: state.clone(),
            kind: practice.kind.clone(),
            base_end: Date::parse_iso(practice.attribute("fiscal_year_end")),
            filed_later: outcomes.contains_key(ccn) || later.dropped.contains_key(ccn),
            base_margin,
            base_days_cash,
            p_distress: years.clone().map(|r| r.p_distress).collect(),
            p_exhausted: years.map(|r| r.p_exhausted).collect(),
        });
        let Some(outcome) = outcomes.get(ccn) else {
            let reason = match later.dropped.get(ccn) {
                Some(why) => Unmatched::Dropped(why.clone()),
                None if later.from_release => Unmatched::NoReport,
                None => Unmatched::NotInCohort,
            };
            matched.unmatched.push(UnmatchedRow {
                ccn: ccn.to_string(),
                name: practice.name.clone(),
                kind: practice.kind.clone(),
                state,
                reason,
                p_exhausted: row.p_exhausted,
            });
            continue;
        };
        let histogram = acc.margin_histogram(plan.layout().cell(p, 0, t));
        let actual_distress = if outcome.margin < terms.distress_margin {
            Some(true)
        } else {
            outcome.days_cash.map(|d| d < terms.distress_days_cash)
        };
        let (pit, crps) =
            histogram.map(|h| (h.share_at_or_below(outcome.margin), h.crps(outcome.margin))).unwrap_or((None, None));
        matched.hospitals.push(HospitalRow {
            ccn: ccn.to_string(),
            name: practice.name.clone(),
            kind: practice.kind.clone(),
            state,
            actual_kind: outcome.kind.clone(),
            predicted: row.margin_percentiles,
            actual: outcome.margin,
            pit: pit.unwrap_or(f64::NAN),
            crps: crps.unwrap_or(f64::NAN),
            persistence: base_margin,
            p_negative: row.p_negative,
            p_exhausted: row.p_exhausted,
            p_distress: row.p_distress,
            base_days_cash,
            actual_days_cash: outcome.days_cash.unwrap_or(f64::NAN),
            actual_distress,
        });
        matched.practice_of.push(p);
    }
    matched
}

/// Per-path shares of matched hospitals with a negative margin in year `t`:
/// one list per kind of the plan, then one over all kinds.
fn per_path_shares(plan: &Plan, seed: u64, paths: Range<u64>, t: usize, practices: &[usize]) -> Vec<Vec<f64>> {
    let kind_of: Vec<usize> =
        practices.iter().map(|&p| plan.kinds.iter().position(|k| *k == plan.practices[p].kind).unwrap_or(0)).collect();
    let groups = plan.kinds.len() + 1;
    let mut members = vec![0usize; groups];
    for &k in &kind_of {
        members[k] += 1;
        members[groups - 1] += 1;
    }
    let mut shares = vec![Vec::with_capacity((paths.end - paths.start) as usize); groups];
    for path in paths {
        let margins = path_margins(plan, seed, path);
        let mut negative = vec![0usize; groups];
        for (&p, &k) in practices.iter().zip(&kind_of) {
            if margins.get(p * plan.years + t).is_some_and(|m| *m < 0.0) {
                negative[k] += 1;
                negative[groups - 1] += 1;
            }
        }
        for g in 0..groups {
            if members[g] > 0 {
                shares[g].push(negative[g] as f64 / members[g] as f64);
            }
        }
    }
    shares
}

/// The margin histogram of year `t` pooled over `practices`.
fn pooled_histogram(acc: &Accumulator, plan: &Plan, t: usize, practices: impl Iterator<Item = usize>) -> Histogram {
    let mut pooled = Histogram::default();
    for p in practices {
        if let Some(h) = acc.margin_histogram(plan.layout().cell(p, 0, t)) {
            pooled.merge(h);
        }
    }
    pooled
}

/// The PIT bin of `pit` (a PIT of exactly 1 goes to the last bin).
fn pit_bin(pit: f64) -> usize {
    ((pit * PIT_BINS as f64).floor() as usize).min(PIT_BINS - 1)
}

fn summary_line(
    group: &str,
    hospitals: &[(usize, &HospitalRow)],
    unmatched: &[&UnmatchedRow],
    pooled: &Histogram,
    shares: &[f64],
    paths: u64,
) -> SummaryLine {
    let rows: Vec<&HospitalRow> = hospitals.iter().map(|(_, h)| *h).collect();
    let n = rows.len();
    let share = |pred: fn(&HospitalRow) -> bool| {
        if n == 0 {
            f64::NAN
        } else {
            rows.iter().filter(|h| pred(h)).count() as f64 / n as f64
        }
    };
    let actuals: Vec<f64> = rows.iter().map(|h| h.actual).collect();
    let crps = mean(rows.iter().map(|h| h.crps));
    let crps_persistence = mean(rows.iter().map(|h| h.persistence_crps()));
    let mut pit_counts = [0usize; PIT_BINS];
    for h in rows.iter().filter(|h| h.pit.is_finite()) {
        pit_counts[pit_bin(h.pit)] += 1;
    }
    let no_report: Vec<&&UnmatchedRow> = unmatched.iter().filter(|u| u.reason == Unmatched::NoReport).collect();
    SummaryLine {
        group: group.to_string(),
        matched: n,
        unmatched: unmatched.len(),
        no_report: no_report.len(),
        kind_changed: rows.iter().filter(|h| h.kind != h.actual_kind).count(),
        predicted_share_negative: mean(rows.iter().map(|h| h.p_negative)),
        predicted_share_negative_se: sample_sd(shares) / (paths as f64).sqrt(),
        predicted_share_negative_interval: [quantile(shares, 0.05), quantile(shares, 0.95)],
        actual_share_negative: share(|h| h.actual < 0.0),
        predicted_median_margin: pooled.quantile(0.5).unwrap_or(f64::NAN),
        actual_median_margin: quantile(&actuals, 0.5),
        coverage_50: share(HospitalRow::in_50),
        coverage_90: share(HospitalRow::in_90),
        crps,
        crps_persistence,
        skill: 1.0 - crps / crps_persistence,
        p_exhausted_matched: mean(rows.iter().map(|h| h.p_exhausted)),
        p_exhausted_no_report: mean(no_report.iter().map(|u| u.p_exhausted)),
        pit_counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(predicted: [f64; 5], actual: f64, persistence: f64) -> HospitalRow {
        HospitalRow {
            ccn: "010001".into(),
            name: "A".into(),
            kind: "rural_hospital".into(),
            state: "AL".into(),
            actual_kind: "rural_hospital".into(),
            predicted,
            actual,
            pit: 0.5,
            crps: 0.02,
            persistence,
            p_negative: 0.4,
            p_exhausted: 0.1,
            p_distress: 0.5,
            base_days_cash: 30.0,
            actual_days_cash: 20.0,
            actual_distress: Some(actual < 0.0),
        }
    }

    #[test]
    fn intervals_include_their_ends() {
        let r = row([-0.10, -0.05, 0.0, 0.05, 0.10], 0.10, 0.0);
        assert!(r.in_90() && !r.in_50());
        let r = row([-0.10, -0.05, 0.0, 0.05, 0.10], -0.05, 0.0);
        assert!(r.in_90() && r.in_50());
        let r = row([-0.10, -0.05, 0.0, 0.05, 0.10], 0.1001, 0.0);
        assert!(!r.in_90());
    }

    #[test]
    fn persistence_crps_is_its_absolute_error() {
        // |(-0.03) - 0.02| = 0.05.
        assert!((row([0.0; 5], -0.03, 0.02).persistence_crps() - 0.05).abs() < 1e-15);
    }

    #[test]
    fn pit_bins_are_deciles_with_one_in_the_last() {
        assert_eq!(pit_bin(0.0), 0);
        assert_eq!(pit_bin(0.0999), 0);
        assert_eq!(pit_bin(0.1), 1);
        assert_eq!(pit_bin(1.0), 9);
    }

    #[test]
    fn summary_counts_coverage_skill_and_unmatched() {
        // Two hospitals: the first inside both intervals, the second outside
        // both; CRPS 0.02 each against persistence errors 0.01 and 0.07
        // (mean 0.04), so skill = 1 - 0.02 / 0.04 = 0.5.
        let a = row([-0.10, -0.05, 0.0, 0.05, 0.10], 0.01, 0.0);
        let b = row([-0.10, -0.05, 0.0, 0.05, 0.10], -0.20, -0.13);
        let gone = UnmatchedRow {
            ccn: "010002".into(),
            name: "B".into(),
            kind: "rural_hospital".into(),
            state: "AL".into(),
            reason: Unmatched::NoReport,
            p_exhausted: 0.3,
        };
        let mut pooled = Histogram::default();
        pooled.add(0.01);
        let shares = [0.0, 0.5, 1.0, 0.5];
        let line = summary_line("rural_hospital", &[(0, &a), (1, &b)], &[&gone], &pooled, &shares, 4);
        assert_eq!((line.matched, line.unmatched, line.no_report), (2, 1, 1));
        assert_eq!((line.coverage_50, line.coverage_90), (0.5, 0.5));
        assert!((line.crps_persistence - 0.04).abs() < 1e-12);
        assert!((line.skill - 0.5).abs() < 1e-12);
        // One of two reported margins is negative; the projection says 0.4 each.
        assert_eq!(line.actual_share_negative, 0.5);
        assert!((line.predicted_share_negative - 0.4).abs() < 1e-12);
        // Shares 0, .5, 1, .5: sd = sqrt(0.5 / 3) = 0.408248; se = sd / sqrt(4).
        assert!((line.predicted_share_negative_se - 0.408_248_290_463_863 / 2.0).abs() < 1e-12);
        assert_eq!(line.p_exhausted_no_report, 0.3);
        assert_eq!(line.pit_counts[5], 2);
    }

    #[test]
    fn most_common_prefers_the_later_year_on_ties() {
        assert_eq!(most_common([2019, 2019, 2020].into_iter()), Some(2019));
        assert_eq!(most_common([2019, 2020].into_iter()), Some(2020));
        assert_eq!(most_common(std::iter::empty()), None);
    }

    #[test]
    fn reasons_are_named() {
        assert_eq!(Unmatched::NoReport.describe(), "no_report");
        assert_eq!(Unmatched::Dropped("short_period".into()).describe(), "dropped:short_period");
        assert_eq!(Unmatched::NotInCohort.describe(), "not_in_cohort");
    }
}
