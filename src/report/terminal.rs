//! Plain-text tables for the terminal: the ledger and the run's headline.

use crate::engine::summary::Summary;
use crate::engine::Plan;
use crate::ledger::{round_money, round_ratio, LedgerRow};
use rust_decimal::Decimal;

use super::format::{percent, points, probability};

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
    let header = [
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
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let margin = round_ratio(r.margin * Decimal::ONE_HUNDRED).round_dp(2);
            vec![
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
            ]
        })
        .collect();
    table(&header, &body)
}

/// The run's headline: each practice and policy in the final year.
pub fn headline(plan: &Plan, summary: &Summary) -> String {
    let last = plan.start_year + plan.years as i32 - 1;
    let header = ["practice", "policy", "", "median margin", "P(margin < 0)", "P(cash exhausted)", "vs baseline"];
    let mut body = Vec::new();
    for row in summary.summary.iter().filter(|r| r.year == last) {
        let versus = summary
            .compare
            .iter()
            .find(|c| c.practice == row.practice && c.policy == row.policy && c.year == last)
            .map_or_else(|| "baseline".to_string(), |c| points(c.dmargin_mean));
        body.push(vec![
            row.practice.clone(),
            row.policy.clone(),
            String::new(),
            percent(row.margin_percentiles[2]),
            probability(row.p_negative, row.p_negative_se),
            probability(row.p_exhausted, row.p_exhausted_se),
            versus,
        ]);
    }
    format!("Final year {last}, {} paths:\n{}", summary.paths, table(&header, &body))
}
