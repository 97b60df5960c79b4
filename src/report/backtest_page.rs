//! What people read of a backtest: `brief.md` and `report.html`. Both lay
//! out the same table model ([`Table`], from [`summary_table`]), so the brief and the page
//! cannot disagree; the page adds the charts, the sources and the manifest.

use std::fmt::Write;

use crate::backtest::{Backtest, SummaryLine, ALL};

use super::brief::sources_and_footer;
use super::format::{self, percent};
use super::html::{escape, inline_svg, page_end, page_start, sources_and_manifest, STYLE};
use super::record::RunRecord;
use super::table::Table;
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
                    "{} ({}–{})",
                    format::share_with_error(l.predicted_share_negative, l.predicted_share_negative_se),
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
                format::skill(l.skill),
            ]
        })
        .collect();
    Table::new(&header, rows)
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
    Table::new(&header, rows)
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
    out.push_str(&summary_table(backtest).markdown());
    let _ = writeln!(
        out,
        "\n±: Monte Carlo standard error of the expected share ({} paths); P5–P95: the spread of the share over {} simulated paths. \
         CRPS in percentage points of margin; skill = 1 − CRPS seqsim / CRPS persistence (above 0: better than carrying the base-year margin forward).\n",
        backtest.paths, backtest.share_paths
    );
    let _ = writeln!(out, "## Hospitals not scored\n");
    out.push_str(&unmatched_table(backtest).markdown());
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
    sources_and_footer(&mut out, provenance, None);
    out
}

/// `report.html` of a backtest, from the typed results, the run record
/// (for the sources and file list) and the two charts.
pub fn page(backtest: &Backtest, inputs: &Inputs, record: &RunRecord, charts: &[String]) -> String {
    let name = &record.scenario.name;
    let mut out = String::new();
    page_start(&mut out, &format!("Backtest: {name}"), STYLE);
    let _ = writeln!(out, "<h1>Backtest: {}</h1>", escape(name));
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&reading(backtest, inputs)));
    let _ = writeln!(out, "<h2>Projected against reported, {}</h2>", backtest.year);
    out.push_str(&summary_table(backtest).html());
    for svg in charts {
        let _ = writeln!(out, "<figure>{}</figure>", inline_svg(svg));
    }
    let _ = writeln!(out, "<h2>Hospitals not scored</h2>");
    out.push_str(&unmatched_table(backtest).html());
    let extra = [
        ("Projected cohort", inputs.cohort_file.clone()),
        ("Later release", inputs.later_file.clone()),
        ("Later release SHA-256", inputs.later_sha256.clone()),
    ];
    sources_and_manifest(&mut out, record, &extra);
    page_end(&mut out, record);
    out
}
