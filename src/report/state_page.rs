//! One state's page of a cohort run (`seqsim report DIR --state KS`, and the
//! workbench's `/j/ID/state/KS`): the state's facilities with their names,
//! city and kind, each one's margin and risks under the baseline and what
//! each policy changes, in the year the policies differ most (the cohort
//! page's rule), with a print stylesheet for a board handout.

use std::fmt::Write;
use std::path::Path;

use super::cohort_page::{shown_year, year_span};
use super::format::{dollars_short, percent};
use super::html::{escape, law, page_end, page_start, STYLE};
use super::read::{self, CohortYear, StateFacility};
use super::record::RunRecord;
use super::ReportError;

/// Extra style: a handout prints on one or two pages (no navigation, small
/// type, tables not split inside a row).
const PRINT_STYLE: &str = "\n@media print { body { font-size: 9pt; max-width: none; } .noprint { display: none; } \
tr { break-inside: avoid; } h1 { font-size: 16pt; } table { font-size: 8pt; } }\n\
td.name, th.name { text-align: left; }\n";

/// Renders the page of `state` from the results directory `dir`.
pub fn render(dir: &Path, state: &str) -> Result<String, ReportError> {
    let record = RunRecord::read(dir)?;
    let Some(run) = record.cohort() else {
        return Err(ReportError::NoPage { dir: dir.to_path_buf(), command: record.command() });
    };
    let rows = read::state_facilities(dir, state)?;
    let projection = &run.projection;
    let baseline = projection.baseline.clone();
    // The state's totals by policy and year (each facility counts once), for
    // the shown year and the summary.
    let totals = read::add_up(rows.iter().map(|r| CohortYear {
        policy: r.policy.clone(),
        year: r.year,
        facilities: 1.0,
        n_negative: r.p_negative,
        n_distress: r.p_distress,
        n_exhausted: r.p_exhausted,
        cut_total: r.cut_mean,
    }));
    let mut out = String::new();
    let title = format!("{state}: {}", record.scenario.name);
    page_start(&mut out, &format!("{title} — seqsim state page"), &format!("{STYLE}{PRINT_STYLE}"));
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    if rows.is_empty() {
        let _ = writeln!(out, "<p>No facility of this run is in <code>{}</code>.</p>", escape(state));
        page_end(&mut out, &record);
        return Ok(out);
    }
    let (first, last) = year_span(&totals);
    let shown = shown_year(&totals, &baseline);
    let label = |policy: &str| projection.label(policy).to_string();
    let facilities = rows.iter().filter(|r| r.policy == baseline && r.year == shown).count();
    let _ = writeln!(
        out,
        "<p class=\"meta\">{facilities} facilities · projection {first}–{last} · {} Monte Carlo paths · baseline: <strong>{}</strong>{} · figures for <strong>{shown}</strong>, the year the policies differ most (the cohort page's rule)</p>",
        record.paths.unwrap_or_default(),
        escape(&label(&baseline)),
        law(&record)
    );
    let _ = writeln!(
        out,
        "<p>The margin is the {}. Counts are expected numbers (each facility's chance, added up). \
         “Cash exhausted” means the facility's days of cash fell below the closure threshold, which is not a forecast that it closes.</p>",
        escape(if run.cohort.margin.is_empty() { "margin the cohort table gives" } else { &run.cohort.margin })
    );
    // The state's lines: each policy against the baseline.
    let at = |policy: &str, year: i32| totals.iter().find(|t| t.policy == policy && t.year == year);
    let cut_over = |policy: &str| totals.iter().filter(|t| t.policy == policy).map(|t| t.cut_total).sum::<f64>();
    let _ = writeln!(out, "<h2>The state, {shown}</h2><div class=\"table-wrap\"><table><thead><tr><th class=\"name\">Policy</th><th>In the red</th><th>Change</th><th>Cash exhausted</th><th>Change</th><th>CO-253 {first}–{last}</th><th>Kept vs baseline</th></tr></thead><tbody>");
    let base = at(&baseline, shown);
    for policy in projection.policies.iter().map(|p| p.name.as_str()) {
        let (Some(t), Some(b)) = (at(policy, shown), base) else { continue };
        let is_base = policy == baseline;
        let change = |v: f64| if is_base { String::new() } else { format!("{:+.1}", v) };
        let kept = if is_base { String::new() } else { dollars_short(cut_over(&baseline) - cut_over(policy)) };
        let _ = writeln!(
            out,
            "<tr><td class=\"name\">{}</td><td>{:.1}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&label(policy)),
            t.n_negative,
            change(t.n_negative - b.n_negative),
            t.n_exhausted,
            change(t.n_exhausted - b.n_exhausted),
            dollars_short(cut_over(policy)),
            kept
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
    write_facilities(&mut out, &rows, projection, &baseline, shown);
    page_end(&mut out, &record);
    Ok(out)
}

/// The facilities, riskiest first (P(cash exhausted) under the baseline):
/// margin and chances under the baseline, then each policy's change.
fn write_facilities(
    out: &mut String,
    rows: &[StateFacility],
    projection: &super::record::Projection,
    baseline: &str,
    shown: i32,
) {
    // Policies that change nothing for this state's facilities are named once, below.
    let changes = |p: &str| {
        rows.iter().filter(|r| r.policy == p).any(|r| {
            rows.iter().find(|b| b.policy == baseline && b.practice == r.practice && b.year == r.year).is_some_and(
                |b| (r.margin_mean - b.margin_mean).abs() > 1e-12 || (r.p_negative - b.p_negative).abs() > 1e-12,
            )
        })
    };
    let (others, idle): (Vec<&super::record::PolicyRecord>, Vec<&super::record::PolicyRecord>) =
        projection.policies.iter().filter(|p| p.name != baseline).partition(|p| changes(&p.name));
    let mut base: Vec<&StateFacility> = rows.iter().filter(|r| r.policy == baseline && r.year == shown).collect();
    base.sort_by(|a, b| b.p_exhausted.total_cmp(&a.p_exhausted).then(a.name.cmp(&b.name)));
    let groups: String = others.iter().map(|p| format!("<th colspan=\"2\">{}</th>", escape(&p.label))).collect();
    let heads: String = others.iter().map(|_| "<th>margin</th><th>P(in the red)</th>").collect();
    let _ = writeln!(
        out,
        "<h2>Facilities, {shown}</h2><p>Riskiest first (P(cash exhausted) under the baseline). Each policy's columns are its change against the baseline, in percentage points.</p>\
         <div class=\"table-wrap\"><table id=\"state-facilities\"><thead>\
         <tr><th colspan=\"6\">Under the baseline</th>{groups}</tr>\
         <tr><th class=\"name\">Facility</th><th class=\"name\">City</th><th class=\"name\">Kind</th><th>Margin</th><th>P(in the red)</th><th>P(cash exhausted)</th>{heads}</tr></thead><tbody>"
    );
    for b in base {
        let mut cells = String::new();
        for p in &others {
            match rows.iter().find(|r| r.practice == b.practice && r.policy == p.name && r.year == shown) {
                Some(r) => {
                    let _ = write!(
                        cells,
                        "<td>{:+.2} pp</td><td>{:+.1} pp</td>",
                        (r.margin_mean - b.margin_mean) * 100.0,
                        (r.p_negative - b.p_negative) * 100.0
                    );
                }
                None => cells.push_str("<td></td><td></td>"),
            }
        }
        let _ = writeln!(
            out,
            "<tr><td class=\"name\">{}</td><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td>{cells}</tr>",
            escape(&b.name),
            escape(&b.city),
            escape(&b.kind.replace('_', " ")),
            percent(b.margin_mean),
            percent(b.p_negative),
            percent(b.p_exhausted)
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
    if !idle.is_empty() {
        let labels: Vec<String> = idle.iter().map(|p| escape(&p.label)).collect();
        let _ = writeln!(out, "<p>No effect on these facilities: {}.</p>", labels.join("; "));
    }
}
