//! Plain-text tables for the terminal: the ledger and the run's headline.

use crate::engine::summary::{largest_margin_change, Summary};
use crate::ledger::{round_money, round_ratio, LedgerRow};
use rust_decimal::Decimal;

use super::format::{self, co253_kept, dollars_short, largest_change, percent, points, practices, probability};
use super::record::{Archetypes, CohortRun, RunRecord};

/// Lays out rows as aligned columns (first column left, others right).
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| if i < 3 { format!("{cell:<w$}") } else { format!("{cell:>w$}") })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len().saturating_sub(1))));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

fn money(value: Decimal) -> String {
    let rounded = round_money(value).to_string();
    let (sign, digits) = rounded.strip_prefix('-').map_or(("", rounded.as_str()), |d| ("-", d));
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{cents}")
}

/// The ledger for people: money in dollars, margins in percent.
pub fn ledger(rows: &[LedgerRow]) -> String {
    // The cost response's column only when some practice has one (MODEL.md v1.3).
    let cutback = rows.iter().any(|r| !r.cutback.is_zero());
    let mut header = vec![
        "practice",
        "policy",
        "year",
        "revenue",
        "CO-253 cut",
        "costs",
        "margin",
        "cash",
        "days cash",
        "distress",
        "exhausted",
    ];
    if cutback {
        header.push("spending cut");
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let margin = r
                .margin
                .checked_mul(Decimal::ONE_HUNDRED)
                .map_or_else(|| "beyond range".to_string(), |m| round_ratio(m).round_dp(2).to_string());
            let mut cells = vec![
                r.practice.clone(),
                r.policy.clone(),
                r.year.to_string(),
                money(r.revenue),
                money(r.cut),
                money(r.costs),
                format!("{margin}%"),
                money(r.cash),
                round_ratio(r.days_cash).round_dp(1).to_string(),
                if r.distress { "yes" } else { "no" }.to_string(),
                if r.exhausted { "yes" } else { "no" }.to_string(),
            ];
            if cutback {
                cells.push(money(r.cutback));
            }
            cells
        })
        .collect();
    table(&header, &body)
}

/// The run's headline: each practice and policy in the final year, and for
/// each policy against the baseline the final-year margin change, the
/// CO-253 dollars it keeps with the practice over the projection, and its
/// largest yearly margin change (a policy acting only in early years must not
/// read as no effect).
pub fn headline(run: &Archetypes, summary: &Summary) -> String {
    let projection = &run.projection;
    let last = projection.last_year();
    let kept = format!("CO-253 kept {}–{last}", projection.start_year);
    let header = [
        "practice",
        "policy",
        "",
        "median margin",
        "P(margin < 0)",
        "P(cash exhausted)",
        "vs baseline",
        &kept,
        "largest yearly change",
    ];
    let mut body = Vec::new();
    for row in summary.summary.iter().filter(|r| r.year == last) {
        let compare =
            summary.compare.iter().find(|c| c.practice == row.practice && c.policy == row.policy && c.year == last);
        let (versus, kept, largest) = match compare {
            Some(c) => (
                points(c.dmargin_mean),
                co253_kept(c),
                largest_change(largest_margin_change(&summary.compare, &row.practice, &row.policy)),
            ),
            None => ("baseline".to_string(), String::new(), String::new()),
        };
        body.push(vec![
            row.practice.clone(),
            row.policy.clone(),
            String::new(),
            percent(row.margin_percentiles[2]),
            probability(row.p_negative, row.p_negative_se),
            probability(row.p_exhausted, row.p_exhausted_se),
            versus,
            kept,
            largest,
        ]);
    }
    format!("Final year {last}, {} paths:\n{}", summary.paths, table(&header, &body))
}

/// The headline of a cohort run: for each policy, the expected facilities in
/// distress and with cash exhausted in the final year, the cumulative CO-253
/// dollars, and the CO-253 dollars it keeps with the facilities against the
/// baseline over the projection.
pub fn cohort_headline(run: &CohortRun, summary: &Summary) -> String {
    let projection = &run.projection;
    let last = projection.last_year();
    let all = |policy: &str| summary.national.iter().find(|n| n.kind == "all" && n.policy == policy && n.year == last);
    let baseline = &projection.baseline;
    let baseline_cut = all(baseline).map(|n| n.cut_cum_total);
    let cumulative = format!("CO-253 {}–{last}", projection.start_year);
    let header = ["policy", "", "", "in distress", "cash exhausted", &cumulative, "CO-253 kept vs baseline"];
    let body: Vec<Vec<String>> = projection
        .policies
        .iter()
        .filter_map(|policy| {
            let n = all(&policy.name)?;
            let kept = match baseline_cut {
                Some(base) if policy.name != *baseline => dollars_short(base - n.cut_cum_total),
                _ => "baseline".to_string(),
            };
            Some(vec![
                policy.name.clone(),
                String::new(),
                String::new(),
                practices(n.n_distress),
                practices(n.n_exhausted),
                dollars_short(n.cut_cum_total),
                kept,
            ])
        })
        .collect();
    format!(
        "{} facilities, {} paths; expected facilities in {last} (all kinds):\n{}",
        run.cohort.facilities,
        summary.paths,
        table(&header, &body)
    )
}

/// The headline of a run or merge, archetype or cohort (empty for other
/// kinds of run, which print their own).
pub fn run_headline(record: &RunRecord, summary: &Summary) -> String {
    match (record.archetypes(), record.cohort()) {
        (Some(run), _) => headline(run, summary),
        (None, Some(run)) => cohort_headline(run, summary),
        (None, None) => String::new(),
    }
}

/// The closure scores' lines over all hospitals: each horizon's AUCs, or why
/// it was not scored.
pub fn backtest_closures(scores: &crate::backtest::closures::ClosureScores) -> String {
    use crate::backtest::ALL;
    let mut out = String::new();
    for h in &scores.horizons {
        out.push_str(&format!(
            "Closures within {} years (to {}): {} closed, {} survived, {} stopped filing (left out); AUC over all:",
            h.years, h.end_year, h.closed, h.survived, h.stopped_filing
        ));
        for line in h.lines.iter().filter(|l| l.group == ALL) {
            let auc = line.auc.map_or_else(|| "n/a".to_string(), |a| format!("{:.3}", a.auc));
            out.push_str(&format!(" {} {auc};", line.score.id()));
        }
        out.push('\n');
    }
    for u in &scores.unscored {
        out.push_str(&format!("Closures within {} years: not scored, {}\n", u.years, u.why));
    }
    out
}

/// The backtest's headline: per kind and over all, projected and reported
/// share in the red, 90% interval coverage and CRPS skill against persistence.
pub fn backtest(backtest: &crate::backtest::Backtest) -> String {
    let mut out = format!(
        "Backtest {}: {} hospitals scored, {} not scored (listed in backtest_unmatched.csv)\n",
        backtest.year,
        backtest.hospitals.len(),
        backtest.unmatched.len()
    );
    out.push_str(&format!(
        "{:<28} {:>8} {:>18} {:>10} {:>10} {:>8}\n",
        "group", "matched", "in red: projected", "reported", "in 90%", "skill"
    ));
    for line in &backtest.summary {
        out.push_str(&format!(
            "{:<28} {:>8} {:>18} {:>10} {:>10} {:>8}\n",
            line.group,
            line.matched,
            format::share_with_error(line.predicted_share_negative, line.predicted_share_negative_se),
            percent(line.actual_share_negative),
            percent(line.coverage_90),
            format::skill(line.skill)
        ));
    }
    out
}
