//! What people read of a backtest: `brief.md` and `report.html`. Both lay
//! out the same table model ([`Table`], from [`summary_table`]), so the brief and the page
//! cannot disagree; the page adds the charts, the sources and the manifest.

use std::fmt::Write;

use crate::backtest::closures::{ClosureScores, Horizon};
use crate::backtest::risk::{RankingLine, ReliabilityTable, Target, TARGETS};
use crate::backtest::scores::{Auc, AucDifference};
use crate::backtest::{Backtest, Score, SummaryLine, ALL};

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
    /// The list of closures (file name, SHA-256), when one was given.
    pub closures: Option<(String, String)>,
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

/// An AUC with its 95% interval: `0.712 (0.650–0.774)`; `n/a` without one.
fn auc_cell(auc: Option<&Auc>) -> String {
    match auc {
        Some(a) if a.se.is_finite() => format!("{:.3} ({:.3}–{:.3})", a.auc, a.interval[0], a.interval[1]),
        Some(a) => format!("{:.3}", a.auc),
        None => "n/a".to_string(),
    }
}

/// A difference of AUCs with its 95% interval: `+0.041 (−0.010 to +0.092)`.
fn difference_cell(d: Option<&AucDifference>) -> String {
    match d {
        Some(d) if d.se.is_finite() => {
            format!("{:+.3} ({:+.3} to {:+.3})", d.difference, d.interval[0], d.interval[1])
        }
        Some(d) => format!("{:+.3}", d.difference),
        None => "n/a".to_string(),
    }
}

/// The reliability table of one target over all hospitals.
pub fn reliability_table(table: &ReliabilityTable) -> Table {
    let header = ["Decile", "Hospitals", "Projected: range", "Projected: mean", "Happened: share (95% interval)"];
    let rows = table
        .bins
        .iter()
        .map(|b| {
            vec![
                (b.class + 1).to_string(),
                b.n.to_string(),
                format!("{}–{}", percent(b.forecast_range[0]), percent(b.forecast_range[1])),
                percent(b.forecast_mean),
                format!("{} ({}–{})", percent(b.observed_share), percent(b.interval[0]), percent(b.interval[1])),
            ]
        })
        .collect();
    Table::new(&header, rows)
}

/// Brier scores and their decomposition, by target and group.
pub fn brier_table(tables: &[ReliabilityTable]) -> Table {
    let header = [
        "Target",
        "Group",
        "Hospitals",
        "Brier",
        "Reliability (0 best)",
        "Resolution",
        "Uncertainty",
        "Within deciles",
        "Skill against the base rate",
    ];
    let rows = tables
        .iter()
        .map(|t| {
            let b = &t.brier;
            vec![
                t.target.label().to_string(),
                group_label(&t.group),
                b.n.to_string(),
                format!("{:.4}", b.score),
                format!("{:.4}", b.reliability),
                format!("{:.4}", b.resolution),
                format!("{:.4}", b.uncertainty),
                format!("{:+.4}", b.within_variance - 2.0 * b.within_covariance),
                format::skill(1.0 - b.score / b.uncertainty),
            ]
        })
        .collect();
    Table::new(&header, rows)
}

/// AUCs of seqsim and persistence, by target and group.
pub fn ranking_table(lines: &[RankingLine]) -> Table {
    let header = [
        "Target",
        "Group",
        "Positives / negatives",
        "AUC seqsim",
        "AUC persistence: base margin",
        "AUC persistence: base days of cash",
        "seqsim − persistence (margin)",
    ];
    let mut rows = Vec::new();
    for target in TARGETS {
        let mut groups: Vec<&str> = Vec::new();
        for l in lines.iter().filter(|l| l.target == target) {
            if !groups.contains(&l.group.as_str()) {
                groups.push(&l.group);
            }
        }
        for group in groups {
            let find = |score: Score| lines.iter().find(|l| l.target == target && l.group == group && l.score == score);
            let seqsim = find(target.forecast());
            let counts = seqsim
                .and_then(|l| l.auc)
                .map_or_else(|| "n/a".to_string(), |a| format!("{} / {}", a.positives, a.negatives));
            rows.push(vec![
                target.label().to_string(),
                group_label(group),
                counts,
                auc_cell(seqsim.and_then(|l| l.auc.as_ref())),
                auc_cell(find(Score::PersistenceMargin).and_then(|l| l.auc.as_ref())),
                auc_cell(find(Score::PersistenceDaysCash).and_then(|l| l.auc.as_ref())),
                difference_cell(seqsim.and_then(|l| l.versus_persistence.as_ref())),
            ]);
        }
    }
    Table::new(&header, rows)
}

fn rate_cell(closed: usize, n: usize) -> String {
    if n == 0 {
        "n/a".to_string()
    } else {
        format!("{} ({closed}/{n})", percent(closed as f64 / n as f64))
    }
}

/// One horizon's closure scores, by group and score.
pub fn closure_table(horizon: &Horizon) -> Table {
    let header = [
        "Group",
        "Score",
        "Closed / survived",
        "AUC",
        "AUC − persistence (margin)",
        "Closure rate by quartile, lowest risk first",
        "Top decile: closure rate",
        "Closures in the top decile",
    ];
    let rows = horizon
        .lines
        .iter()
        .map(|l| {
            vec![
                group_label(&l.group),
                l.score.label().to_string(),
                format!("{} / {}", l.closed, l.survived),
                auc_cell(l.auc.as_ref()),
                difference_cell(l.versus_persistence.as_ref()),
                l.quartiles.iter().map(|q| percent(q.rate())).collect::<Vec<_>>().join(", "),
                rate_cell(l.top_decile.closed, l.top_decile.n),
                percent(l.top_decile_share()),
            ]
        })
        .collect();
    Table::new(&header, rows)
}

/// How the closure list was matched, for people.
pub fn matching_paragraph(scores: &ClosureScores, list_file: &str) -> String {
    let m = &scores.matching;
    format!(
        "The list `{list_file}` has {} closures and conversions through {}; {} are before {} and not looked at. \
         Of the {} from {} on, {} were matched to the cohort by their CCN (a third party's lead, accepted when the cohort's \
         hospital with that CCN is in the same state and city or its name shares a distinctive word with the list's; {} of them \
         on the city alone, their names sharing no word), {} by name, city and state, and {} are left unmatched \
         (not in this cohort, or several hospitals agreeing equally); {} CCN leads were rejected. {} matched hospitals \
         closed before the later release's year and still have a report in it (a conversion that kept filing, or a doubtful \
         match): they count as closures, as the list says. Every row and its match are in `backtest_closure_list.csv`.",
        m.rows,
        scores.list_last_year,
        m.before_base_year,
        scores.base_year,
        m.considered,
        scores.base_year,
        m.by_ccn,
        m.by_ccn_names_differ,
        m.by_name,
        m.unmatched,
        m.leads_rejected,
        m.still_filing,
    )
}

/// What one horizon counted, for people.
pub fn horizon_paragraph(horizon: &Horizon, base_year: i32) -> String {
    format!(
        "Closures or conversions after each hospital's {base_year} report ended and by December {}: {} hospitals closed, \
         {} survived (a report in the later release, or a listed closure after {}). Left out: {} that stopped filing and are \
         not on the list (neither closures nor survivors) and {} whose listed closure came before their base report ended. \
         seqsim's probabilities are those of {} (P(cash exhausted) by then; P(distress) in that year); persistence ranks by \
         the {base_year} margin and days of cash, lower first.",
        horizon.end_year,
        horizon.closed,
        horizon.survived,
        horizon.end_year,
        horizon.stopped_filing,
        horizon.closed_before_base,
        horizon.risk_year,
    )
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

/// The texts that go with the risk tables, for the brief and the page alike.
struct RiskTexts {
    reliability_note: String,
    ranking_note: String,
}

fn risk_texts(backtest: &Backtest, base_year: i32) -> RiskTexts {
    let unobserved = backtest.risk.distress_unobserved;
    let reliability_note = format!(
        "Hospitals in deciles of the projected probability for {year} (tied probabilities share a decile, so some deciles are empty), \
         the mean projection against the share that happened, with Wilson's 95% interval. Distress as the scenario defines it: \
         a margin below `distress_margin` or days of cash (cash and investments over a day's costs) below `distress_days_cash`, \
         read from the later release{}. Brier = reliability − resolution + uncertainty + the within-decile terms; \
         skill against the base rate = 1 − Brier / uncertainty. `backtest_reliability.csv` and `backtest_brier.csv` hold every group.",
        if unobserved > 0 {
            format!(" ({unobserved} hospitals without reported cash and a margin above the threshold are left out)")
        } else {
            String::new()
        },
        year = backtest.year,
    );
    let ranking_note = format!(
        "AUC: the chance that a hospital in the red (or in distress) in {} was ranked above one that was not (0.5: no better \
         than chance, 1: perfect), with DeLong's 95% interval; persistence ranks by the {base_year} margin or days of cash, \
         lower first, and the difference from its margin ranking has the paired DeLong interval. \
         `backtest_ranking.csv` holds every score.",
        backtest.year,
    );
    RiskTexts { reliability_note, ranking_note }
}

/// A section of the risk part: a heading, then paragraphs and tables in order.
enum Block {
    Heading(String),
    Text(String),
    Table(Table),
}

/// The risk part of the brief and the page: reliability, ranking, closures.
fn risk_blocks(backtest: &Backtest, inputs: &Inputs) -> Vec<Block> {
    let texts = risk_texts(backtest, inputs.base_year);
    let mut blocks = vec![Block::Heading(format!("Risk scores: are the probabilities right? ({})", backtest.year))];
    for target in TARGETS {
        let table = backtest.risk.reliability.iter().find(|t| t.target == target && t.group == ALL);
        if let Some(table) = table {
            blocks.push(Block::Text(format!(
                "Projected P({}) against what happened, all hospitals:",
                match target {
                    Target::InTheRed => "margin < 0",
                    Target::Distress => "distress",
                }
            )));
            blocks.push(Block::Table(reliability_table(table)));
        }
    }
    blocks.push(Block::Table(brier_table(&backtest.risk.reliability)));
    blocks.push(Block::Text(texts.reliability_note));
    blocks.push(Block::Heading(format!("Risk scores: ranking against persistence ({})", backtest.year)));
    blocks.push(Block::Table(ranking_table(&backtest.risk.ranking)));
    blocks.push(Block::Text(texts.ranking_note));
    if let (Some(scores), Some((file, _))) = (&backtest.closures, &inputs.closures) {
        blocks.push(Block::Heading("Closures".to_string()));
        blocks.push(Block::Text(matching_paragraph(scores, file)));
        for horizon in &scores.horizons {
            blocks.push(Block::Heading(format!(
                "Closures within {} years ({}–{})",
                horizon.years, inputs.base_year, horizon.end_year
            )));
            blocks.push(Block::Text(horizon_paragraph(horizon, inputs.base_year)));
            blocks.push(Block::Table(closure_table(horizon)));
        }
        for u in &scores.unscored {
            blocks.push(Block::Text(format!("Closures within {} years: not scored, {}.", u.years, u.why)));
        }
    }
    blocks
}

fn risk_sections_markdown(out: &mut String, backtest: &Backtest, inputs: &Inputs) {
    for block in risk_blocks(backtest, inputs) {
        // Every block starts after one blank line.
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        match block {
            Block::Heading(h) => {
                let _ = writeln!(out, "## {h}");
            }
            Block::Text(t) => {
                let _ = writeln!(out, "{t}");
            }
            Block::Table(t) => out.push_str(&t.markdown()),
        }
    }
}

fn risk_sections_html(out: &mut String, backtest: &Backtest, inputs: &Inputs, chart: Option<&str>) {
    for (i, block) in risk_blocks(backtest, inputs).into_iter().enumerate() {
        match block {
            Block::Heading(h) => {
                let _ = writeln!(out, "<h2>{}</h2>", escape(&h));
                if i == 0 {
                    if let Some(svg) = chart {
                        let _ = writeln!(out, "<figure>{}</figure>", inline_svg(svg));
                    }
                }
            }
            Block::Text(t) => {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&t));
            }
            Block::Table(t) => out.push_str(&t.html()),
        }
    }
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
    risk_sections_markdown(&mut out, backtest, inputs);
    let _ = writeln!(
        out,
        "\nInputs: cohort `{}` (base year {}); later release `{}` (SHA-256 `{}`).",
        inputs.cohort_file, inputs.base_year, inputs.later_file, inputs.later_sha256
    );
    if let Some((file, sha256)) = &inputs.closures {
        let _ = writeln!(out, "Closures: `{file}` (SHA-256 `{sha256}`).");
    }
    if let Some(law) = &provenance.baseline_law {
        let _ = writeln!(out, "Law: {law}.");
    }
    sources_and_footer(&mut out, provenance, None);
    out
}

/// `report.html` of a backtest, from the typed results, the run record
/// (for the sources and file list), the charts of the projection and the
/// reliability diagram.
pub fn page(
    backtest: &Backtest,
    inputs: &Inputs,
    record: &RunRecord,
    charts: &[String],
    reliability_chart: Option<&str>,
) -> String {
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
    risk_sections_html(&mut out, backtest, inputs, reliability_chart);
    let mut extra = vec![
        ("Projected cohort", inputs.cohort_file.clone()),
        ("Later release", inputs.later_file.clone()),
        ("Later release SHA-256", inputs.later_sha256.clone()),
    ];
    if let Some((file, sha256)) = &inputs.closures {
        extra.push(("Closure list", file.clone()));
        extra.push(("Closure list SHA-256", sha256.clone()));
    }
    sources_and_manifest(&mut out, record, &extra);
    page_end(&mut out, record);
    out
}
