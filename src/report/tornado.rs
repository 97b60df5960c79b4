//! `tornado.md`: a sensitivity analysis for people, one table per practice
//! of the factors that move the metric, largest swing first.

use std::fmt::Write;

use crate::analysis::TornadoRow;

use super::format;
use super::record::SensitivityRecord;
use super::table::Table;
use super::Provenance;

/// The practices of `rows`, in order of first appearance.
pub fn practices(rows: &[TornadoRow]) -> Vec<&str> {
    let mut practices: Vec<&str> = Vec::new();
    for row in rows {
        if !practices.contains(&row.practice.as_str()) {
            practices.push(&row.practice);
        }
    }
    practices
}

/// One practice's factors: low, high and swing.
fn practice_table(rows: &[TornadoRow], practice: &str, percent: bool) -> Table {
    let show = |v: f64| if percent { format::percent(v) } else { format!("{v:.4}") };
    let body = rows
        .iter()
        .filter(|r| r.practice == practice)
        .map(|r| {
            let swing = if percent { format!("{:.2} pp", r.swing * 100.0) } else { format!("{:.4}", r.swing) };
            vec![r.factor.clone(), r.factor_type.to_string(), show(r.low), show(r.high), swing]
        })
        .collect();
    Table::new(&["Factor", "Type", "Low", "High", "Swing"], body)
}

/// Renders `tornado.md`.
pub fn markdown(rows: &[TornadoRow], sensitivity: &SensitivityRecord, provenance: &Provenance) -> String {
    let (metric, year) = (sensitivity.metric.name(), sensitivity.year);
    let percent = metric.starts_with("margin") || metric.starts_with("p_");
    let mut out = format!(
        "# What moves {metric} in {year}\n\nDrivers: the metric with the driver held at its 10th and 90th percentile \
         while every other driver varies (same simulated paths). Levers: the baseline against each policy.\n"
    );
    for practice in practices(rows) {
        let _ = write!(out, "\n## {practice}\n\n{}", practice_table(rows, practice, percent).markdown());
    }
    let _ = write!(out, "\n---\n\n{}\n", provenance.footer());
    out
}
