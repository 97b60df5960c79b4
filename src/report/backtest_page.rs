//! What people read of a backtest: `brief.md` and `report.html`. Both lay
//! out the same table model ([`summary_table`]), so the brief and the page
//! cannot disagree; the page adds the charts, the sources and the manifest.

use std::fmt::Write;

use crate::backtest::{Backtest, SummaryLine, ALL};

use super::format::percent;
use super::html::{escape, inline_svg, page_end, sources_and_manifest, STYLE};
use super::Provenance;

/// Where a backtest's inputs came from.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// The projected cohort file (the earlier release).
    pub cohort_file: String,
    /// The later release or cohort file, as given.
    pub later_file: String,
    /// Its SHA-256.
    pub later_sha256: String,
    /// The cohort's base year (the year before the first projected year).
    pub base_year: i32,
}

/// A table for people: header cells, then rows of cells.
pub struct Table {
    /// Column headers.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

fn points(value: f64) -> String {
    if value.is_finite() {
        format!("{:.1}", value * 100.0)
    } else {
        "n/a".to_string()
    }
}

fn group_label(group: &str) -> String {
    if group == ALL {
        "All hospitals".to_string()
    } else {
        group.replace('_', " ")
    }
}

/// The summary table shared by the brief and the page.
pub fn summary_table(backtest: &Backtest) -> Table {
    let header = [
        "Group",
        "Matched",
        "In the red: projected (±MC; P5–P95 over paths)",
        "In the red: reported",
        "Median margin: projected",
        "Median margin: reported",
        "Inside 50% interval",
        "Inside 90% interval",
        "CRPS seqsim (pp)",
        "CRPS persistence (pp)",
        "Skill",
    ];
    let rows = backtest
        .summary
        .iter()
        .map(|l: &SummaryLine| {
            vec![
                group_label(&l.group),
                l.matched.to_string(),
                format!(
                    "{} ±{:.2} ({}–{})",
                    percent(l.predicted_share_negative),
                    l.predicted_share_negative_se * 100.0,
                    percent(l.predicted_share_negative_interval[0]),
                    percent(l.predicted_share_negative_interval[1])
                ),
                percent(l.actual_share_negative),
                percent(l.predicted_median_margin),
                percent(l.actual_median_margin),
                percent(l.coverage_50),
                percent(l.coverage_90),
                points(l.crps),
                points(l.crps_persistence),
                format!("{:+.3}", l.skill),
            ]
        })
        .collect();
    Table { header: header.iter().map(|h| h.to_string()).collect(), rows }
}

/// The table of hospitals that could not be scored.
pub fn unmatched_table(backtest: &Backtest) -> Table {
    let header = [
        "Group",
        "Matched",
        "Without a later report",
        "Report dropped or not in the later cohort",
        "Kind changed",
        "Projected P(cash exhausted): matched",
        "Projected P(cash exhausted): without a later report",
    ];
    let rows = backtest
        .summary
        .iter()
        .map(|l| {
            vec![
                group_label(&l.group),
                l.matched.to_string(),
                l.no_report.to_string(),
                (l.unmatched - l.no_report).to_string(),
                l.kind_changed.to_string(),
                percent(l.p_exhausted_matched),
                percent(l.p_exhausted_no_report),
            ]
        })
        .collect();
    Table { header: header.iter().map(|h| h.to_string()).collect(), rows }
}

fn markdown_table(out: &mut String, table: &Table) {
    let _ = writeln!(out, "| {} |", table.header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(table.header.len()));
    for row in &table.rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

fn html_table(out: &mut String, table: &Table) {
    let _ = write!(out, "<div class=\"table-wrap\"><table><thead><tr>");
    for cell in &table.header {
        let _ = write!(out, "<th>{}</th>", escape(cell));
    }
    let _ = writeln!(out, "</tr></thead><tbody>");
    for row in &table.rows {
        let cells: String = row.iter().map(|c| format!("<td>{}</td>", escape(c))).collect();
        let _ = writeln!(out, "<tr>{cells}</tr>");
    }
    let _ = writeln!(out, "</tbody></table></div>");
}

/// The paragraph that says what the figures mean, from the `all` row.
fn reading(backtest: &Backtest, inputs: &Inputs) -> String {
    let Some(all) = backtest.summary.iter().find(|l| l.group == ALL) else { return String::new() };
    let verdict = if all.skill > 0.0 { "better" } else { "worse" };
    format!(
        "seqsim projected {} hospitals from their {} reports to {} and was scored against the margins they reported for {}. \
         {} of reported margins fell inside the projected 90% interval (a calibrated projection: 90%) and {} inside the 50% interval. \
         The projection's CRPS was {} percentage points against {} for persistence (each hospital's {} margin carried forward): \
         {verdict} than persistence (skill {:+.3}). Projected share in the red {} against {} reported.",
        all.matched,
        inputs.base_year,
        backtest.year,
        backtest.year,
        percent(all.coverage_90),
        percent(all.coverage_50),
        points(all.crps),
        points(all.crps_persistence),
        inputs.base_year,
        all.skill,
        percent(all.predicted_share_negative),
        percent(all.actual_share_negative),
    )
}

/// `brief.md` of a backtest.
pub fn brief(backtest: &Backtest, inputs: &Inputs, provenance: &Provenance) -> String {
    let mut out = format!("# Backtest: {}\n\n", provenance.scenario_name);
    let _ = writeln!(out, "{}\n", reading(backtest, inputs));
    let _ = writeln!(out, "## Projected against reported, {}\n", backtest.year);
    markdown_table(&mut out, &summary_table(backtest));
    let _ = writeln!(
        out,
        "\n±: Monte Carlo standard error of the expected share ({} paths); P5–P95: the spread of the share over {} simulated paths. \
         CRPS in percentage points of margin; skill = 1 − CRPS seqsim / CRPS persistence (above 0: better than carrying the base-year margin forward).\n",
        backtest.paths, backtest.share_paths
    );
    let _ = writeln!(out, "## Hospitals not scored\n");
    markdown_table(&mut out, &unmatched_table(backtest));
    let _ = writeln!(
        out,
        "\nEvery hospital not scored is listed in `backtest_unmatched.csv` with its reason. Hospitals without a later report closed, merged, converted or had not filed; compare their projected P(cash exhausted) with the matched hospitals'."
    );
    let _ = writeln!(
        out,
        "\nInputs: cohort `{}` (base year {}); later release `{}` (SHA-256 `{}`).",
        inputs.cohort_file, inputs.base_year, inputs.later_file, inputs.later_sha256
    );
    if let Some(law) = &provenance.baseline_law {
        let _ = writeln!(out, "Law: {law}.");
    }
    let _ = writeln!(out, "\n## Sources\n");
    for source in &provenance.sources {
        let _ = writeln!(out, "- `{}`: {}", source.path, source.text);
    }
    let _ = writeln!(out, "\n---\n\n{}", provenance.footer());
    out
}

/// `report.html` of a backtest, from the typed results, the manifest (for
/// the sources and file list) and the two charts.
pub fn page(
    backtest: &Backtest,
    inputs: &Inputs,
    manifest: &serde_json::Value,
    charts: &[String],
    name: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Backtest: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>",
        escape(name)
    );
    let _ = writeln!(out, "<h1>Backtest: {}</h1>", escape(name));
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&reading(backtest, inputs)));
    let _ = writeln!(out, "<h2>Projected against reported, {}</h2>", backtest.year);
    html_table(&mut out, &summary_table(backtest));
    for svg in charts {
        let _ = writeln!(out, "<figure>{}</figure>", inline_svg(svg));
    }
    let _ = writeln!(out, "<h2>Hospitals not scored</h2>");
    html_table(&mut out, &unmatched_table(backtest));
    let extra = [
        ("Projected cohort", inputs.cohort_file.clone()),
        ("Later release", inputs.later_file.clone()),
        ("Later release SHA-256", inputs.later_sha256.clone()),
    ];
    sources_and_manifest(&mut out, manifest, &extra);
    page_end(&mut out, manifest, name);
    out
}
