//! The table model shared by the briefs and the report pages: a header and
//! rows of cells for people, built once from a run record and typed rows,
//! and laid out as Markdown or HTML. A brief and a page showing the same
//! table cannot disagree.

use std::fmt::Write;

use crate::analysis::ReadingRow;
use crate::engine::summary::{largest_margin_change, CompareRow, NationalRow, SummaryRow};

use super::format::{compare_cells, dollars, dollars_short, margin_interval, points, practices as count, probability};
use super::html::escape;
use super::record::{Archetypes, Projection};

/// A table for people: header cells, then rows of cells (plain text).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Column headers.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these headers and rows.
    pub fn new(header: &[&str], rows: Vec<Vec<String>>) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows }
    }

    /// As a Markdown table, one line per row.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(self.header.len()));
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out
    }

    /// As an HTML table in a scrolling wrapper, every cell escaped.
    pub fn html(&self) -> String {
        let mut out = String::from("<div class=\"table-wrap\"><table><thead><tr>");
        for cell in &self.header {
            let _ = write!(out, "<th>{}</th>", escape(cell));
        }
        let _ = writeln!(out, "</tr></thead><tbody>");
        for row in &self.rows {
            let cells: String = row.iter().map(|c| format!("<td>{}</td>", escape(c))).collect();
            let _ = writeln!(out, "<tr>{cells}</tr>");
        }
        let _ = writeln!(out, "</tbody></table></div>");
        out
    }
}

/// The middle and final projected years, the columns of a practice's table.
pub fn mid_and_last(projection: &Projection) -> (i32, i32) {
    (projection.start_year + (projection.years as i32 - 1) / 2, projection.last_year())
}

/// One practice under each policy: median margins with their 90% intervals
/// in the middle and final years, and the final year's probabilities.
pub fn practice(projection: &Projection, summary: &[SummaryRow], practice: &str) -> Table {
    let (mid, last) = mid_and_last(projection);
    let rows = projection
        .policies
        .iter()
        .filter_map(|policy| {
            let row = |year: i32| {
                summary.iter().find(|r| r.practice == practice && r.policy == policy.name && r.year == year)
            };
            let (m, f) = (row(mid)?, row(last)?);
            Some(vec![
                policy.label.clone(),
                margin_interval(&m.margin_percentiles),
                margin_interval(&f.margin_percentiles),
                probability(f.p_negative, f.p_negative_se),
                probability(f.p_exhausted, f.p_exhausted_se),
            ])
        })
        .collect();
    let header = [
        "Policy".to_string(),
        format!("Median margin {mid} (90% interval)"),
        format!("Median margin {last} (90% interval)"),
        format!("P(margin < 0) {last}"),
        format!("P(cash exhausted by {last})"),
    ];
    Table { header: header.to_vec(), rows }
}

/// Each policy against the baseline for one practice in the final year;
/// `None` when there is no other policy.
pub fn versus_baseline(projection: &Projection, compare: &[CompareRow], practice: &str) -> Option<Table> {
    let last = projection.last_year();
    let rows: Vec<Vec<String>> = compare
        .iter()
        .filter(|c| c.practice == practice && c.year == last)
        .map(|c| {
            let largest = largest_margin_change(compare, &c.practice, &c.policy);
            std::iter::once(projection.label(&c.policy).to_string()).chain(compare_cells(c, largest)).collect()
        })
        .collect();
    (!rows.is_empty()).then(|| {
        Table::new(
            &[
                "Policy",
                "Mean margin change (90% interval)",
                "Change in P(cash exhausted)",
                "Cumulative CO-253 change",
                "Cash change",
                "Largest yearly margin change",
            ],
            rows,
        )
    })
}

/// The kinds of the national tables: the projection's, then `all`.
fn kinds(projection: &Projection) -> Vec<&str> {
    projection.kinds.iter().map(String::as_str).chain(["all"]).collect()
}

/// National totals in the final year, per policy and kind.
pub fn national(projection: &Projection, national: &[NationalRow]) -> Table {
    let last = projection.last_year();
    let kinds = kinds(projection);
    let mut rows = Vec::new();
    for policy in &projection.policies {
        for kind in &kinds {
            if let Some(n) = national.iter().find(|n| n.kind == *kind && n.policy == policy.name && n.year == last) {
                rows.push(vec![
                    policy.label.clone(),
                    kind.to_string(),
                    dollars_short(n.cut_total),
                    dollars_short(n.cut_cum_total),
                    count(n.n_distress),
                    count(n.n_exhausted),
                ]);
            }
        }
    }
    let header = [
        "Policy".to_string(),
        "Kind".to_string(),
        format!("CO-253 in {last}"),
        format!("Cumulative CO-253 {}–{last}", projection.start_year),
        "Practices in distress".to_string(),
        "Practices with cash exhausted".to_string(),
    ];
    Table { header: header.to_vec(), rows }
}

/// CO-253 dollars per year and kind under the baseline.
pub fn baseline_cut_by_year(projection: &Projection, national: &[NationalRow]) -> Table {
    let kinds = kinds(projection);
    let rows = (0..projection.years)
        .map(|t| {
            let year = projection.start_year + t as i32;
            std::iter::once(year.to_string())
                .chain(kinds.iter().map(|kind| {
                    national
                        .iter()
                        .find(|n| n.kind == *kind && n.policy == projection.baseline && n.year == year)
                        .map_or_else(|| "n/a".to_string(), |n| dollars_short(n.cut_total))
                }))
                .collect()
        })
        .collect();
    let header: Vec<&str> = std::iter::once("Year").chain(kinds.iter().copied()).collect();
    Table::new(&header, rows)
}

/// What the two readings of a policy are (`--both-readings`), for the brief and the page.
pub const READINGS_NOTE: &str =
    "Practices with a cost response close part of each year's margin gap by changing their \
spending, so a cut shows up less in margins and more as spending they must cut. Each policy is read both ways, on the \
same paths: the margin change without any response (the practice absorbs the cut), and with the scenario's response, \
the spending the practice need not cut (or must cut) and the margin change left. The year shown is the one in which \
the policy moves the margin most without a response (after the first year for a practice with a response: it answers \
the year before, so in the first year both readings agree).";

/// Each practice and non-baseline policy in the year it moves the margin
/// most without a response, read both ways; `None` when no policy moves
/// anything.
pub fn readings(run: &Archetypes, readings: &[ReadingRow]) -> Option<Table> {
    let projection = &run.projection;
    let mut rows = Vec::new();
    for practice in &run.practices {
        for policy in projection.policies.iter().filter(|p| p.name != projection.baseline) {
            let cells: Vec<&ReadingRow> =
                readings.iter().filter(|r| r.practice == practice.id && r.policy == policy.name).collect();
            let responds = cells.iter().any(|r| r.dcutback_with_response != 0.0);
            let first = projection.start_year;
            let Some(peak) = cells
                .iter()
                .filter(|r| !responds || r.year > first)
                .max_by(|a, b| a.dmargin_without_response.abs().total_cmp(&b.dmargin_without_response.abs()))
            else {
                continue;
            };
            if peak.dmargin_without_response == 0.0 && !responds {
                continue;
            }
            let spending = if !responds {
                "(no response)".to_string()
            } else if peak.dcutback_with_response <= 0.0 {
                format!("need not cut {}", dollars(-peak.dcutback_with_response))
            } else {
                format!("must cut {}", dollars(peak.dcutback_with_response))
            };
            rows.push(vec![
                practice.name.clone(),
                policy.label.clone(),
                peak.year.to_string(),
                points(peak.dmargin_without_response),
                spending,
                points(peak.dmargin_with_response),
            ]);
        }
    }
    let header = [
        "practice",
        "policy",
        "year",
        "margin change without a response",
        "with the response: spending the practice",
        "margin change with the response",
    ];
    (!rows.is_empty()).then(|| Table::new(&header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_html_lay_out_the_same_cells() {
        let table = Table::new(&["Policy", "P(margin < 0)"], vec![vec!["A & B".into(), "1.00%".into()]]);
        assert_eq!(table.markdown(), "| Policy | P(margin < 0) |\n|---|---|\n| A & B | 1.00% |\n");
        assert_eq!(
            table.html(),
            "<div class=\"table-wrap\"><table><thead><tr><th>Policy</th><th>P(margin &lt; 0)</th></tr></thead><tbody>\n\
             <tr><td>A &amp; B</td><td>1.00%</td></tr>\n</tbody></table></div>\n"
        );
    }
}
