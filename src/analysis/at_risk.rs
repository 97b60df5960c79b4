//! The risk list of a cohort run (`at_risk.csv`): under the baseline, each
//! facility's P(margin < 0), P(distress) and P(cash exhausted) by year with
//! their Monte Carlo errors, its state and kind, and its rank within its
//! state. Pure: rows in, rows out.
//!
//! The rank is stated once, here: within a state, facilities are ordered by
//! P(cash exhausted) in the final projected year (the chance that their
//! cash ran out at any time in the projection), then by P(distress) in that
//! year, then by id; rank 1 is the highest risk. Facilities without a
//! `state` attribute are ranked together under an empty state.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::engine::summary::SummaryRow;
use crate::engine::Plan;

/// The attribute a facility's state is read from.
pub const STATE: &str = "state";

/// One facility in one year under the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct AtRiskRow {
    /// The facility's state (empty when the cohort has none).
    pub state: String,
    /// Its rank within the state (1 = highest risk), the same in every year.
    pub rank_in_state: usize,
    /// Facilities ranked in the state.
    pub facilities_in_state: usize,
    /// Practice id.
    pub practice: String,
    /// Its name.
    pub name: String,
    /// Its `ccn` attribute (empty when absent).
    pub ccn: String,
    /// Its `city` attribute (empty when absent).
    pub city: String,
    /// Its kind.
    pub kind: String,
    /// Calendar year.
    pub year: i32,
    /// P(margin < 0) and its standard error.
    pub p_negative: f64,
    /// Standard error of `p_negative`.
    pub p_negative_se: f64,
    /// P(distress).
    pub p_distress: f64,
    /// Standard error of `p_distress`.
    pub p_distress_se: f64,
    /// P(cash exhausted by this year).
    pub p_exhausted: f64,
    /// Standard error of `p_exhausted`.
    pub p_exhausted_se: f64,
}

/// The baseline's rows of `summary`, one per facility and year, ranked
/// within each state (see the module docs), in the order state, rank, year.
pub fn at_risk(plan: &Plan, summary: &[SummaryRow]) -> Vec<AtRiskRow> {
    let baseline = &plan.policies[plan.baseline].name;
    let last_year = plan.start_year + plan.years.saturating_sub(1) as i32;
    let facilities: HashMap<&str, &crate::engine::PracticePlan> =
        plan.practices.iter().map(|p| (p.id.as_str(), p)).collect();
    let rows: Vec<&SummaryRow> = summary.iter().filter(|r| &r.policy == baseline).collect();
    // Final-year risk of each facility, for the rank.
    let mut last: HashMap<&str, (f64, f64)> = HashMap::new();
    for r in rows.iter().filter(|r| r.year == last_year) {
        last.insert(r.practice.as_str(), (r.p_exhausted, r.p_distress));
    }
    let mut by_state: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in &plan.practices {
        by_state.entry(p.attribute(STATE)).or_default().push(p.id.as_str());
    }
    let mut rank: HashMap<&str, (usize, usize)> = HashMap::new();
    for ids in by_state.values_mut() {
        let risk = |id: &str| last.get(id).copied().unwrap_or((0.0, 0.0));
        ids.sort_by(|a, b| {
            let (ea, da) = risk(a);
            let (eb, db) = risk(b);
            eb.partial_cmp(&ea)
                .unwrap_or(Ordering::Equal)
                .then(db.partial_cmp(&da).unwrap_or(Ordering::Equal))
                .then(a.cmp(b))
        });
        let n = ids.len();
        for (i, id) in ids.iter().enumerate() {
            rank.insert(id, (i + 1, n));
        }
    }
    let mut out: Vec<AtRiskRow> = rows
        .iter()
        .filter_map(|r| {
            let p = facilities.get(r.practice.as_str())?;
            let (rank_in_state, facilities_in_state) = rank.get(r.practice.as_str()).copied()?;
            Some(AtRiskRow {
                state: p.attribute(STATE).to_string(),
                rank_in_state,
                facilities_in_state,
                practice: r.practice.clone(),
                name: p.name.clone(),
                ccn: p.attribute("ccn").to_string(),
                city: p.attribute("city").to_string(),
                kind: r.kind.clone(),
                year: r.year,
                p_negative: r.p_negative,
                p_negative_se: r.p_negative_se,
                p_distress: r.p_distress,
                p_distress_se: r.p_distress_se,
                p_exhausted: r.p_exhausted,
                p_exhausted_se: r.p_exhausted_se,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.state, a.rank_in_state, a.year).cmp(&(&b.state, b.rank_in_state, b.year)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(practice: &str, policy: &str, year: i32, p_exhausted: f64, p_distress: f64) -> SummaryRow {
        SummaryRow {
            practice: practice.to_string(),
            kind: "critical_access_hospital".to_string(),
            policy: policy.to_string(),
            year,
            margin_mean: 0.0,
            margin_se: None,
            margin_percentiles: [0.0; 5],
            p_negative: 0.5,
            p_negative_se: 0.01,
            p_distress,
            p_distress_se: 0.01,
            p_exhausted,
            p_exhausted_se: 0.01,
            revenue_mean: 0.0,
            costs_mean: 0.0,
            cut_mean: 0.0,
            cut_cum_mean: 0.0,
            cash_mean: 0.0,
            days_cash_mean: 0.0,
            cutback_mean: 0.0,
        }
    }

    #[test]
    fn facilities_rank_within_their_state_by_final_year_risk() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = crate::scenario::load(&root.join("scenarios/national.yaml")).unwrap();
        let mut plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
        // Three facilities: two in KS, one in NE; a two-year projection.
        plan.practices.truncate(3);
        plan.years = 2;
        let set = |p: &mut crate::engine::PracticePlan, state: &str| {
            p.attributes.retain(|(k, _)| k != STATE);
            p.attributes.push((STATE.to_string(), state.to_string()));
        };
        set(&mut plan.practices[0], "KS");
        set(&mut plan.practices[1], "KS");
        set(&mut plan.practices[2], "NE");
        let ids: Vec<String> = plan.practices.iter().map(|p| p.id.clone()).collect();
        let baseline = plan.policies[plan.baseline].name.clone();
        let (first, last) = (plan.start_year, plan.start_year + 1);
        // In KS the second facility is riskier in the final year (0.4 > 0.3)
        // though not in the first; another policy's rows are ignored.
        let summary = vec![
            row(&ids[0], &baseline, first, 0.9, 0.9),
            row(&ids[0], &baseline, last, 0.3, 0.5),
            row(&ids[1], &baseline, first, 0.1, 0.1),
            row(&ids[1], &baseline, last, 0.4, 0.2),
            row(&ids[2], &baseline, last, 0.0, 0.0),
            row(&ids[0], "another_policy", last, 1.0, 1.0),
        ];
        let out = at_risk(&plan, &summary);
        let ranks: Vec<(&str, usize, usize, i32)> =
            out.iter().map(|r| (r.state.as_str(), r.rank_in_state, r.facilities_in_state, r.year)).collect();
        assert_eq!(
            ranks,
            [("KS", 1, 2, first), ("KS", 1, 2, last), ("KS", 2, 2, first), ("KS", 2, 2, last), ("NE", 1, 1, last)],
            "KS: {} first, then {}",
            ids[1],
            ids[0]
        );
        assert_eq!(out[0].practice, ids[1]);
        // Equal final-year P(cash exhausted): P(distress) breaks the tie.
        let tied = vec![row(&ids[0], &baseline, last, 0.3, 0.6), row(&ids[1], &baseline, last, 0.3, 0.2)];
        let out = at_risk(&plan, &tied);
        assert_eq!((out[0].practice.as_str(), out[0].rank_in_state), (ids[0].as_str(), 1));
    }
}
