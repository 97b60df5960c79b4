//! One state's view of a cohort run (`seqsim report DIR --state KS`, and
//! the workbench's `/j/ID/state/KS`): the state's facilities with their
//! names, city and kind, each one's margin and risks under the baseline and
//! what each policy changes, the state's totals and their differences, and
//! its tile on the map, for every projected year behind a year picker whose
//! default is the year the policies differ most (the cohort page's rule).
//! [`StateView`] holds the figures once; the page ([`render`], with a print
//! stylesheet for a board handout) and the state workbook
//! (`xlsx::state`) are both written from it.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use super::cohort_page::{by_state, same_figure, shown_year, tile_share, year_span, STATE_COLUMN, YEAR_PICKER};
use super::format::{dollars_short, percent};
use super::html::{escape, law, page_end, page_start, STYLE};
use super::read::{self, CohortYear, StateFacility};
use super::record::RunRecord;
use super::{tilemap, ReportError};
use crate::engine::summary::GroupRow;

/// Extra style: a handout prints the shown year on one or two pages (no
/// navigation or picker, small type, tables not split inside a row).
/// The handout lists the [`PRINTED_FACILITIES`] riskiest facilities; the rest
/// are on screen and in the workbook.
const PRINT_STYLE: &str = "\n.printonly { display: none; }\n@page { size: letter; margin: 1.2cm; }\n\
@media print { body { font-size: 8.5pt; max-width: none; margin: 0; } .noprint, tr.more { display: none; } \
.printonly { display: block; } tr { break-inside: avoid; } h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11pt; margin: 8pt 0 4pt; } \
table { font-size: 7.5pt; } th, td { padding: 1pt 3pt; } .state-map { max-width: 8cm; margin: 0; } .table-wrap { overflow: visible; } }\n\
td.name, th.name { text-align: left; }\ntd { white-space: nowrap; } td.name { white-space: normal; }\n\
.state-map { max-width: 520px; width: 100%; margin: 0; } .state-map svg { width: 100%; height: auto; }\n\
span.se { color: #555; font-size: 85%; }\n";

/// How many facilities the printed handout lists.
const PRINTED_FACILITIES: usize = 15;

/// A Monte Carlo error after its number: ` ± 0.3` (nothing when unknown).
fn pm(se: Option<f64>, decimals: usize) -> String {
    se.map_or(String::new(), |se| format!(" <span class=\"se\">± {se:.decimals$}</span>"))
}

/// A kind as a table cell shows it.
fn kind_short(kind: &str) -> String {
    match kind {
        "critical_access_hospital" => "CAH".to_string(),
        "rural_pps_hospital" => "rural PPS".to_string(),
        "urban_pps_hospital" => "urban PPS".to_string(),
        other => other.replace('_', " "),
    }
}

/// The state's totals under one policy in one year (each facility counts once).
#[derive(Clone, Debug, PartialEq)]
pub struct StateLine {
    /// Policy name.
    pub policy: String,
    /// Its label.
    pub label: String,
    /// Year.
    pub year: i32,
    /// The state's facilities.
    pub facilities: usize,
    /// Expected facilities in the red (margin below zero).
    pub n_negative: f64,
    /// Expected facilities in distress.
    pub n_distress: f64,
    /// Expected facilities whose cash ran out.
    pub n_exhausted: f64,
    /// Expected CO-253 dollars in the year.
    pub cut_total: f64,
    /// Expected CO-253 dollars from the first projected year through this one.
    pub cut_cum_total: f64,
    /// Monte Carlo standard errors of `n_negative`, `n_distress` and
    /// `n_exhausted` (from `groups.csv`; none when the run was not grouped by
    /// state alone, whose per-path state totals they need).
    pub se: Option<[f64; 3]>,
    /// Against the baseline (none for the baseline itself).
    pub change: Option<LineChange>,
}

/// A policy's state totals minus the baseline's, in the same year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineChange {
    /// Change in expected facilities in the red.
    pub dn_negative: f64,
    /// Change in expected facilities in distress.
    pub dn_distress: f64,
    /// Change in expected facilities whose cash ran out.
    pub dn_exhausted: f64,
    /// CO-253 dollars kept through the year (baseline minus policy; negative: taken).
    pub kept_cum: f64,
    /// Paired Monte Carlo standard errors of the four changes, in that order
    /// (none as for [`StateLine::se`]).
    pub se: Option<[f64; 4]>,
}

/// One facility under one policy in one year.
#[derive(Clone, Debug, PartialEq)]
pub struct FacilityLine {
    /// The facility's figures as read.
    pub row: StateFacility,
    /// Its policy's label.
    pub label: String,
    /// Expected CO-253 dollars from the first projected year through this one.
    pub cut_cum: f64,
    /// Against the baseline (none for the baseline itself).
    pub change: Option<FacilityChange>,
}

/// A facility's figures under a policy minus the baseline's, paired by path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FacilityChange {
    /// Margin change (a fraction; ×100 for points).
    pub dmargin: f64,
    /// Change in P(margin < 0).
    pub dp_negative: f64,
    /// Change in P(distress).
    pub dp_distress: f64,
    /// Change in P(cash exhausted).
    pub dp_exhausted: f64,
    /// CO-253 dollars kept through the year (baseline minus policy).
    pub kept_cum: f64,
    /// Paired Monte Carlo standard errors of the five changes, in that order
    /// (none for results written before `facilities.csv` carried them).
    pub se: Option<[f64; 5]>,
}

/// Everything the state's page and workbook show.
pub struct StateView {
    /// The run.
    pub record: RunRecord,
    /// The state's code as the cohort writes it.
    pub state: String,
    /// Its name (the code for a place without a map tile).
    pub state_name: String,
    /// The baseline policy.
    pub baseline: String,
    /// Projected years, in order.
    pub years: Vec<i32>,
    /// The default year: the policies differ most (see `cohort_page::shown_year`).
    pub shown: i32,
    /// The policies that change something for the state's facilities, baseline first.
    pub policies: Vec<(String, String)>,
    /// Labels of the policies that change nothing for them.
    pub no_effect: Vec<String>,
    /// The state's totals: policy × year, in policy then year order.
    pub lines: Vec<StateLine>,
    /// Facilities × year × policy, riskiest first (P(cash exhausted) under the
    /// baseline in the shown year, then the name).
    pub facilities: Vec<FacilityLine>,
    /// Each year's share of facilities in the red under the baseline, by state (the map).
    pub map: Vec<(i32, Vec<(String, f64)>)>,
    /// What the margin is, in words.
    pub margin: String,
    /// The state's line of the brief (a run grouped by state alone).
    pub brief_line: Option<String>,
}

impl StateView {
    /// Reads the view of `state` from the results directory `dir`.
    pub fn read(dir: &Path, state: &str) -> Result<StateView, ReportError> {
        let record = RunRecord::read(dir)?;
        let Some(run) = record.cohort() else {
            return Err(ReportError::NoPage { dir: dir.to_path_buf(), command: record.command() });
        };
        let rows = read::state_facilities(dir, state)?;
        let projection = run.projection.clone();
        let margin = run.cohort.margin.clone();
        let by = run.cohort.by.clone();
        let baseline = projection.baseline.clone();
        let totals = read::add_up(rows.iter().map(|r| CohortYear {
            policy: r.policy.clone(),
            year: r.year,
            facilities: 1.0,
            n_negative: r.p_negative,
            n_distress: r.p_distress,
            n_exhausted: r.p_exhausted,
            cut_total: r.cut_mean,
        }));
        let mut years: Vec<i32> = totals.iter().map(|t| t.year).collect();
        years.sort_unstable();
        years.dedup();
        let shown = if rows.is_empty() { year_span(&totals).1 } else { shown_year(&totals, &baseline) };
        let index = RowIndex::new(&rows);
        let changes = |p: &str| {
            rows.iter().filter(|r| r.policy == p).any(|r| {
                index.get(&r.practice, &baseline, r.year).is_some_and(|(b, _)| {
                    !same_figure(r.margin_mean, b.margin_mean) || !same_figure(r.cut_mean, b.cut_mean)
                })
            })
        };
        let mut policies = Vec::new();
        let mut no_effect = Vec::new();
        for p in &projection.policies {
            if p.name == baseline || changes(&p.name) {
                policies.push((p.name.clone(), p.label.clone()));
            } else {
                no_effect.push(p.label.clone());
            }
        }
        policies.sort_by_key(|(name, _)| *name != baseline);
        let results = read::cohort_results(dir, &by)?;
        let mut lines = state_lines(&totals, &policies, &baseline, &years);
        let mut brief_line = None;
        if by == [STATE_COLUMN] {
            let groups: Vec<&GroupRow> = results.groups.iter().filter(|g| g.key == [state]).collect();
            add_errors(&mut lines, &groups);
            brief_line = super::brief::group_sentence(&projection, &results.groups, &[state.to_string()]);
        }
        let facilities = facility_lines(&rows, &index, &policies, &baseline, (&years, shown));
        let map = years
            .iter()
            .filter_map(|&year| {
                let states = by_state(&results, &baseline, year)?;
                let values = states
                    .iter()
                    .map(|s| (s.state.clone(), if s.facilities > 0.0 { s.n_negative / s.facilities } else { f64::NAN }))
                    .collect();
                Some((year, values))
            })
            .collect();
        let state_name = tilemap::state_name(state).unwrap_or(state).to_string();
        Ok(StateView {
            record,
            state: state.to_string(),
            state_name,
            baseline,
            years,
            shown,
            policies,
            no_effect,
            lines,
            facilities,
            map,
            margin,
            brief_line,
        })
    }

    /// The label of a policy.
    fn label<'a>(&'a self, policy: &'a str) -> &'a str {
        self.policies.iter().find(|(name, _)| name == policy).map_or(policy, |(_, label)| label.as_str())
    }
}

/// `Some` of every value when all are known.
fn all_known<const N: usize>(values: [Option<f64>; N]) -> Option<[f64; N]> {
    values.iter().all(Option::is_some).then(|| values.map(|v| v.unwrap_or(f64::NAN)))
}

/// The Monte Carlo errors of the state's lines, from its rows of
/// `groups.csv` (grouped by state alone: per-path state totals, so the
/// facilities' correlation through shared shocks is in them).
fn add_errors(lines: &mut [StateLine], groups: &[&GroupRow]) {
    for line in lines {
        let Some(g) = groups.iter().find(|g| g.policy == line.policy && g.year == line.year) else { continue };
        line.se = all_known([g.n_negative_se, g.n_distress_se, g.n_exhausted_se]);
        if let Some(change) = &mut line.change {
            change.se = all_known([g.dn_negative_se, g.dn_distress_se, g.dn_exhausted_se, g.dcut_cum_total_se]);
        }
    }
}

/// The state's totals by policy and year with their change against the baseline.
fn state_lines(totals: &[CohortYear], policies: &[(String, String)], baseline: &str, years: &[i32]) -> Vec<StateLine> {
    let at = |policy: &str, year: i32| totals.iter().find(|t| t.policy == policy && t.year == year);
    let cut_through = |policy: &str, year: i32| {
        totals.iter().filter(|t| t.policy == policy && t.year <= year).map(|t| t.cut_total).sum::<f64>()
    };
    let mut lines = Vec::new();
    for (policy, label) in policies {
        for &year in years {
            let Some(t) = at(policy, year) else { continue };
            let change = match (policy != baseline, at(baseline, year)) {
                (true, Some(b)) => Some(LineChange {
                    dn_negative: t.n_negative - b.n_negative,
                    dn_distress: t.n_distress - b.n_distress,
                    dn_exhausted: t.n_exhausted - b.n_exhausted,
                    kept_cum: cut_through(baseline, year) - cut_through(policy, year),
                    se: None,
                }),
                _ => None,
            };
            lines.push(StateLine {
                policy: policy.clone(),
                label: label.clone(),
                year,
                facilities: t.facilities.round() as usize,
                n_negative: t.n_negative,
                n_distress: t.n_distress,
                n_exhausted: t.n_exhausted,
                cut_total: t.cut_total,
                cut_cum_total: cut_through(policy, year),
                se: None,
                change,
            });
        }
    }
    lines
}

/// The state's rows by facility, policy and year, each with its CO-253
/// dollars from the first projected year through its own: built once, so
/// that a large state's page does not search its rows for every cell.
struct RowIndex<'a> {
    rows: HashMap<(&'a str, &'a str, i32), (&'a StateFacility, f64)>,
}

impl<'a> RowIndex<'a> {
    fn new(rows: &'a [StateFacility]) -> RowIndex<'a> {
        let mut ordered: Vec<&StateFacility> = rows.iter().collect();
        ordered.sort_by(|a, b| (&a.practice, &a.policy, a.year).cmp(&(&b.practice, &b.policy, b.year)));
        let mut index = HashMap::with_capacity(rows.len());
        let mut through = 0.0;
        let mut previous: Option<(&str, &str)> = None;
        for row in ordered {
            let key = (row.practice.as_str(), row.policy.as_str());
            if previous != Some(key) {
                through = 0.0;
                previous = Some(key);
            }
            through += row.cut_mean;
            index.insert((key.0, key.1, row.year), (row, through));
        }
        RowIndex { rows: index }
    }

    /// A facility's row under a policy in a year, and its CO-253 dollars through that year.
    fn get(&self, practice: &str, policy: &str, year: i32) -> Option<(&'a StateFacility, f64)> {
        self.rows.get(&(practice, policy, year)).copied()
    }
}

/// Each facility's lines, riskiest first, then by year and policy.
fn facility_lines(
    rows: &[StateFacility],
    index: &RowIndex<'_>,
    policies: &[(String, String)],
    baseline: &str,
    (years, shown): (&[i32], i32),
) -> Vec<FacilityLine> {
    let mut ranked: Vec<&StateFacility> = rows.iter().filter(|r| r.policy == baseline && r.year == shown).collect();
    ranked.sort_by(|a, b| b.p_exhausted.total_cmp(&a.p_exhausted).then(a.name.cmp(&b.name)));
    let mut lines = Vec::new();
    for facility in ranked {
        for &year in years {
            let Some((base, base_cut_cum)) = index.get(&facility.practice, baseline, year) else { continue };
            for (policy, label) in policies {
                let Some((row, cut_cum)) = index.get(&facility.practice, policy, year) else { continue };
                let se = [row.dmargin_se, row.dp_negative_se, row.dp_distress_se, row.dp_exhausted_se, row.dcut_cum_se];
                let change = (policy != baseline).then(|| FacilityChange {
                    dmargin: row.margin_mean - base.margin_mean,
                    dp_negative: row.p_negative - base.p_negative,
                    dp_distress: row.p_distress - base.p_distress,
                    dp_exhausted: row.p_exhausted - base.p_exhausted,
                    kept_cum: base_cut_cum - cut_cum,
                    se: all_known(se),
                });
                lines.push(FacilityLine { row: row.clone(), label: label.clone(), cut_cum, change });
            }
        }
    }
    lines
}

/// Writes the page of `state` to `page` and its workbook beside it (the same
/// name with `.xlsx`), each atomically; returns the workbook's path.
pub fn write(dir: &Path, state: &str, page_path: &Path) -> Result<std::path::PathBuf, ReportError> {
    let view = StateView::read(dir, state)?;
    let workbook_path = page_path.with_extension("xlsx");
    let workbook_name = workbook_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bytes = workbook(&view)?;
    super::output::write_atomic(&workbook_path, &bytes)?;
    super::output::write_atomic(page_path, page(&view, &workbook_name).as_bytes())?;
    Ok(workbook_path)
}

/// The state's workbook (see `xlsx::state`).
pub fn workbook(view: &StateView) -> Result<Vec<u8>, ReportError> {
    super::xlsx::state(view).map_err(|e| {
        ReportError::Output(super::output::OutputError::Encode {
            name: format!("state_{}.xlsx", view.state),
            message: e.to_string(),
        })
    })
}

/// Renders the page of `state` from the results directory `dir`;
/// `workbook` is the address of the state's workbook, linked from the page.
pub fn render(dir: &Path, state: &str, workbook: &str) -> Result<String, ReportError> {
    let view = StateView::read(dir, state)?;
    Ok(page(&view, workbook))
}

/// The page of a view.
pub fn page(view: &StateView, workbook: &str) -> String {
    let record = &view.record;
    let mut out = String::new();
    let title = format!("{}: {}", view.state_name, record.scenario.name);
    page_start(&mut out, &format!("{title} — seqsim state page"), &format!("{STYLE}{PRINT_STYLE}"));
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    if view.facilities.is_empty() {
        let _ = writeln!(out, "<p>No facility of this run is in <code>{}</code>.</p>", escape(&view.state));
        page_end(&mut out, record);
        return out;
    }
    let (first, last) =
        (view.years.first().copied().unwrap_or_default(), view.years.last().copied().unwrap_or_default());
    let facilities = view.lines.iter().find(|l| l.policy == view.baseline).map_or(0, |l| l.facilities);
    let _ = writeln!(
        out,
        "<p class=\"meta\">{facilities} facilities in {} · projection {first}–{last} · {} Monte Carlo paths · baseline: <strong>{}</strong>{}</p>",
        escape(&view.state),
        record.paths.unwrap_or_default(),
        escape(view.label(&view.baseline)),
        law(record)
    );
    let _ = writeln!(
        out,
        "<p>The margin is the {}. Counts are expected numbers (each facility's chance, added up), so they carry decimals; ± is the Monte Carlo standard error \
         (changes are paired: every policy runs on the same simulated futures). \
         “Cash exhausted” means the facility's days of cash fell below the closure threshold, which is not a forecast that it closes.</p>",
        escape(if view.margin.is_empty() { "margin the cohort table gives" } else { &view.margin })
    );
    if let Some(line) = &view.brief_line {
        let _ = writeln!(out, "<p class=\"brief-line\"><strong>In the brief:</strong> {}</p>", escape(line));
    }
    if let Some(track) = view.record.cohort().and_then(|run| run.cohort.track_record.as_ref()) {
        let _ = writeln!(out, "<p class=\"track-record\">{}</p>", escape(&track.sentence()));
    }
    let options: String = view
        .years
        .iter()
        .map(|y| format!("<option value=\"{y}\"{}>{y}</option>", if *y == view.shown { " selected" } else { "" }))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"noprint\"><label>Year <select id=\"year\" onchange=\"{YEAR_PICKER}\">{options}</select></label> \
         (first shown: {}, the year the policies differ most in facilities in the red) · \
         <a id=\"state-workbook\" href=\"{}\">this state as an Excel workbook</a> (every year)</p>",
        view.shown,
        escape(workbook)
    );
    for &year in &view.years {
        let hidden = if year == view.shown { "" } else { " hidden" };
        let _ = writeln!(out, "<section class=\"year\" data-year=\"{year}\"{hidden}>");
        write_state_lines(&mut out, view, year, first);
        write_map(&mut out, view, year);
        write_facilities(&mut out, view, year);
        let _ = writeln!(out, "</section>");
    }
    if !view.no_effect.is_empty() {
        let labels: Vec<String> = view.no_effect.iter().map(|l| escape(l)).collect();
        let _ = writeln!(out, "<p>No effect on these facilities: {}.</p>", labels.join("; "));
    }
    page_end(&mut out, record);
    out
}

/// The state's lines of one year: each policy, and its change against the baseline.
fn write_state_lines(out: &mut String, view: &StateView, year: i32, first: i32) {
    let _ = writeln!(
        out,
        "<h2>{}, {year}</h2><div class=\"table-wrap\"><table class=\"state-lines\" data-year=\"{year}\"><thead><tr><th class=\"name\">Policy</th>\
         <th>In the red</th><th>Change</th><th>In distress</th><th>Change</th><th>Cash exhausted</th><th>Change</th>\
         <th>CO-253 {first}–{year}</th><th>Kept vs baseline</th></tr></thead><tbody>",
        escape(&view.state_name)
    );
    for line in view.lines.iter().filter(|l| l.year == year) {
        let level = |i: usize, value: f64| format!("{value:.1}{}", pm(line.se.map(|se| se[i]), 1));
        let change = |i: usize, pick: fn(&LineChange) -> f64| {
            line.change.as_ref().map_or(String::new(), |c| format!("{:+.1}{}", pick(c), pm(c.se.map(|se| se[i]), 1)))
        };
        let kept = line.change.as_ref().map_or(String::new(), |c| {
            let se = c.se.map_or(String::new(), |se| format!(" <span class=\"se\">± {}</span>", dollars_short(se[3])));
            format!("{}{se}", dollars_short(c.kept_cum))
        });
        let _ = writeln!(
            out,
            "<tr data-policy=\"{}\"><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&line.policy),
            escape(&line.label),
            level(0, line.n_negative),
            change(0, |c| c.dn_negative),
            level(1, line.n_distress),
            change(1, |c| c.dn_distress),
            level(2, line.n_exhausted),
            change(2, |c| c.dn_exhausted),
            dollars_short(line.cut_cum_total),
            kept
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
}

/// The map of the year: every state's share in the red under the baseline,
/// this state's tile outlined.
fn write_map(out: &mut String, view: &StateView, year: i32) {
    let Some((_, values)) = view.map.iter().find(|(y, _)| *y == year) else { return };
    if !tilemap::on_map(&view.state) {
        return;
    }
    let top = values.iter().filter(|(c, v)| tilemap::on_map(c) && v.is_finite()).map(|(_, v)| *v).fold(0.0, f64::max);
    let label = view.label(&view.baseline);
    let title = format!("Share of facilities in the red in {year}, {label}");
    let svg = tilemap::render(&tilemap::Map {
        title: &title,
        legend: "facilities in the red, % of the state's facilities in the cohort",
        values,
        scale_max: tilemap::nice_ceiling(top),
        format: tile_share,
        caption: &format!(
            "{} outlined. Expected facilities in the red over the state's facilities in the cohort.",
            view.state_name
        ),
        highlight: Some(&view.state),
    });
    let _ =
        writeln!(out, "<figure class=\"state-map\" role=\"img\" aria-label=\"{}\">{}</figure>", escape(&title), svg);
}

/// The facilities in one year: margin and chances under the baseline, then
/// each policy's change.
fn write_facilities(out: &mut String, view: &StateView, year: i32) {
    let others: Vec<&(String, String)> = view.policies.iter().filter(|(p, _)| *p != view.baseline).collect();
    let groups: String = others.iter().map(|(_, l)| format!("<th colspan=\"3\">{}</th>", escape(l))).collect();
    let heads: String = others.iter().map(|_| "<th>margin</th><th>P(in the red)</th><th>CO-253 kept</th>").collect();
    let _ = writeln!(
        out,
        "<h2>Facilities, {year}</h2><p>Riskiest first (P(cash exhausted) under the baseline in {}). Each policy's columns are its change \
         against the baseline: margin and chance in percentage points, CO-253 kept from the first projected year through {year}.</p>\
         <div class=\"table-wrap\"><table class=\"state-facilities\" data-year=\"{year}\"><thead>\
         <tr><th colspan=\"6\">Under the baseline</th>{groups}</tr>\
         <tr><th class=\"name\">Facility</th><th class=\"name\">City</th><th>Kind</th><th>Margin</th><th>P(in the red)</th><th>P(cash exhausted)</th>{heads}</tr></thead><tbody>",
        view.shown
    );
    let lines: Vec<&FacilityLine> = view.facilities.iter().filter(|l| l.row.year == year).collect();
    let bases: Vec<&&FacilityLine> = lines.iter().filter(|l| l.row.policy == view.baseline).collect();
    for (rank, base) in bases.iter().enumerate() {
        let mut cells = String::new();
        for (policy, _) in &others {
            let change = lines
                .iter()
                .find(|l| l.row.practice == base.row.practice && l.row.policy == *policy)
                .and_then(|l| l.change);
            match change {
                Some(c) => {
                    let _ = write!(
                        cells,
                        "<td>{:+.2} pp{}</td><td>{:+.1} pp{}</td><td>{}</td>",
                        c.dmargin * 100.0,
                        pm(c.se.map(|se| se[0] * 100.0), 2),
                        c.dp_negative * 100.0,
                        pm(c.se.map(|se| se[1] * 100.0), 1),
                        dollars_short(c.kept_cum)
                    );
                }
                None => cells.push_str("<td></td><td></td><td></td>"),
            }
        }
        let r = &base.row;
        let _ = writeln!(
            out,
            "<tr data-practice=\"{}\"{}><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{cells}</tr>",
            escape(&r.practice),
            if rank < PRINTED_FACILITIES { "" } else { " class=\"more\"" },
            escape(&r.name),
            escape(&r.city),
            escape(&kind_short(&r.kind)),
            percent(r.margin_mean),
            percent(r.p_negative),
            percent(r.p_exhausted)
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
    if bases.len() > PRINTED_FACILITIES {
        let _ = writeln!(
            out,
            "<p class=\"printonly\">The {PRINTED_FACILITIES} riskiest of the state's {} facilities; the page on screen and the state's workbook list them all.</p>",
            bases.len()
        );
    }
}
