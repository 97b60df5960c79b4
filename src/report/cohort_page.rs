//! `report.html` for a cohort run: the share of facilities in the red and
//! with cash exhausted by year and policy, tile-grid maps by state, a table
//! per policy of the `--by` groups in the final year, national totals,
//! sources and the manifest. Same style as the archetype page (html.rs): no
//! scripts, no fonts, no network requests.

use std::fmt::Write;

use crate::engine::summary::GroupRow;

use super::format::{dollars_short, facilities_count, percent, practices as count};
use super::html::{escape, inline_svg, law, number, page_end, page_start, sources_and_manifest, STYLE};
use super::read::{CohortResults, CohortYear};
use super::record::{CohortRun, RunRecord};
use super::tilemap;

/// The column of `--by` the maps are drawn from.
pub const STATE_COLUMN: &str = "state";

/// What the page is built from.
pub struct Page<'a> {
    /// The run record (`manifest.json`).
    pub record: &'a RunRecord,
    /// The cohort run it describes.
    pub run: &'a CohortRun,
    /// The run's tables.
    pub results: &'a CohortResults,
    /// Share in the red, then share with cash exhausted (SVG).
    pub share_charts: &'a [String],
    /// Each year's state maps (SVG) with their captions; none without `--by state`.
    pub maps: &'a [(i32, Vec<(String, String)>)],
}

/// Whether a policy's figure equals the baseline's: within a billionth of
/// the larger (and of 1, for figures near zero). The one rule behind every
/// "no effect on these facilities" (the policy windows and changes tables
/// here, the brief and the state page).
pub fn same_figure(policy: f64, baseline: f64) -> bool {
    (policy - baseline).abs() <= 1e-9 * policy.abs().max(baseline.abs()).max(1.0)
}

/// The year the page's one-year tables and maps show: the year in which
/// some policy's expected facilities in the red differ most from the
/// baseline's (the earliest on a tie), so that a policy's effect is seen
/// even when the final year falls after it ended; the last year when no
/// policy differs. The page states this rule.
pub fn shown_year(totals: &[CohortYear], baseline: &str) -> i32 {
    let (_, last) = year_span(totals);
    let mut best: Option<(f64, i32)> = None;
    for t in totals.iter().filter(|t| t.policy != baseline) {
        let Some(b) = totals.iter().find(|b| b.policy == baseline && b.year == t.year) else { continue };
        let gap = (t.n_negative - b.n_negative).abs();
        if !gap.is_finite() || gap <= 1e-9 {
            continue;
        }
        let better = match best {
            None => true,
            Some((g, y)) => gap > g || (gap == g && t.year < y),
        };
        if better {
            best = Some((gap, t.year));
        }
    }
    best.map_or(last, |(_, year)| year)
}

/// First and last projected year.
pub fn year_span(totals: &[CohortYear]) -> (i32, i32) {
    let first = totals.iter().map(|r| r.year).min().unwrap_or_default();
    let last = totals.iter().map(|r| r.year).max().unwrap_or(first);
    (first, last)
}

/// One state's facilities under a policy.
pub struct StateTotals {
    /// The state's code as written in the cohort.
    pub state: String,
    /// Facilities.
    pub facilities: f64,
    /// Expected facilities in the red in the year asked for.
    pub n_negative: f64,
    /// Expected facilities with cash exhausted by the year asked for.
    pub n_exhausted: f64,
}

/// Per state under `policy`, counts in `year`, adding up any other `--by`
/// columns; `None` when `state` is not a `--by` column.
pub fn by_state(results: &CohortResults, policy: &str, year: i32) -> Option<Vec<StateTotals>> {
    let column = results.by.iter().position(|b| b == STATE_COLUMN)?;
    let mut states: Vec<StateTotals> = Vec::new();
    for g in results.groups.iter().filter(|g| g.policy == policy) {
        let Some(state) = g.key.get(column) else { continue };
        let index = match states.iter().position(|s| s.state == *state) {
            Some(i) => i,
            None => {
                states.push(StateTotals { state: state.clone(), facilities: 0.0, n_negative: 0.0, n_exhausted: 0.0 });
                states.len() - 1
            }
        };
        let s = &mut states[index];
        if g.year == year {
            s.facilities += g.facilities;
            s.n_negative += g.n_negative;
            s.n_exhausted += g.n_exhausted;
        }
    }
    states.sort_by(|a, b| a.state.cmp(&b.state));
    Some(states)
}

/// A share of facilities on a map tile: `12.3%`.
pub fn tile_share(value: f64) -> String {
    if value.is_finite() {
        format!("{:.1}%", value * 100.0)
    } else {
        "n/a".to_string()
    }
}

fn share(n: f64, of: f64) -> f64 {
    if of > 0.0 {
        n / of
    } else {
        f64::NAN
    }
}

/// A count of facilities and its share: `12.3 (45.60%)`.
fn count_share(n: f64, of: f64) -> String {
    format!("{} ({})", count(n), percent(share(n, of)))
}

/// One group's cells in the final year, with CO-253 over the projection.
struct GroupLine<'a> {
    last: &'a GroupRow,
    cut_projection: f64,
}

fn group_lines<'a>(groups: &'a [GroupRow], policy: &str, last: i32) -> Vec<GroupLine<'a>> {
    let mut lines: Vec<GroupLine<'a>> = groups
        .iter()
        .filter(|g| g.policy == policy && g.year == last)
        .map(|g| GroupLine {
            last: g,
            cut_projection: groups
                .iter()
                .filter(|h| h.policy == policy && h.key == g.key)
                .map(|h| h.cut_total)
                .filter(|v| v.is_finite())
                .sum(),
        })
        .collect();
    lines.sort_by(|a, b| a.last.key.cmp(&b.last.key));
    lines
}

/// Renders the page.
pub fn render(page: &Page<'_>) -> String {
    let r = page.results;
    let record = page.record;
    let projection = &page.run.projection;
    let name = &record.scenario.name;
    let baseline = &projection.baseline;
    let label_of = |policy: &str| -> String { projection.label(policy).to_string() };
    let (first, last) = year_span(&r.totals);
    let shown = shown_year(&r.totals, baseline);
    let mut out = String::new();
    page_start(&mut out, &format!("{name} — seqsim cohort report"), &format!("{STYLE}{EXTRA_STYLE}"));
    let _ = writeln!(out, "<h1>{}</h1>", escape(name));
    if let Some(description) = &projection.description {
        let _ = writeln!(out, "<p>{}</p>", escape(description.trim()));
    }
    let by_text = if r.by.is_empty() {
        "no grouping".to_string()
    } else {
        format!(
            "grouped by {}",
            r.by.iter().map(|b| format!("<code>{}</code>", escape(b))).collect::<Vec<_>>().join(", ")
        )
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">Cohort of {} facilities, {by_text} · projection {first}–{last} · {} Monte Carlo paths · seed {} · baseline: <strong>{}</strong>{} · seqsim {}</p>",
        page.run.cohort.facilities,
        number(record.paths),
        number(record.seed),
        escape(&label_of(baseline)),
        law(record),
        escape(&record.version)
    );
    let _ = writeln!(
        out,
        "<div class=\"note\"><strong>How to read this.</strong> Every facility of the cohort is simulated on its own, from its own reported revenue, costs and cash, \
         over {} simulated futures of the economy under each policy; all policies share the same futures, so differences between policies are paired. \
         A facility is <em>in the red</em> in a year when its margin is below zero; the margin is the {}. Its cash ({}) is <em>exhausted</em> when days of cash fell below the closure threshold in that year or earlier, which is not a forecast that it closes. \
         Counts are expected numbers of facilities (each facility's chance, added up), so they need not be whole numbers, and shares divide them by the facilities counted. \
         Margin percentiles (P5, P50, P95) pool every facility and every simulated future of a group. \
         CO-253 is the remittance code of the Medicare sequestration cut; “CO-253 {first}–{last}” adds the expected dollars over the projection. \
         The projection shows how policy moves facilities from where they stood in their cost reports, not a forecast of each facility. Inputs and their sources are listed at the end.</div>",
        number(record.paths),
        escape(if page.run.cohort.margin.is_empty() { "margin the cohort table gives" } else { &page.run.cohort.margin }),
        escape(if page.run.cohort.cash.is_empty() { "as the cohort table gives it" } else { &page.run.cohort.cash })
    );

    let _ = writeln!(out, "<h2>Facilities in the red and out of cash</h2>");
    let _ = writeln!(
        out,
        "<p>Whole cohort, each year, one line per policy: expected facilities in the red (or with cash exhausted) over all facilities.</p>"
    );
    for (svg, (id, caption)) in page.share_charts.iter().zip([
        ("share-negative", "Share of the cohort's facilities with a negative margin, by year and policy."),
        ("share-exhausted", "Share of the cohort's facilities with cash exhausted by each year, by policy."),
    ]) {
        let _ = writeln!(out, "<figure id=\"{id}\">{}<figcaption>{caption}</figcaption></figure>", inline_svg(svg));
    }
    write_policy_windows(&mut out, page, &label_of);
    let options: String = (first..=last)
        .map(|y| format!("<option value=\"{y}\"{}>{y}</option>", if y == shown { " selected" } else { "" }))
        .collect();
    let _ = writeln!(
        out,
        "<h2>One year</h2><p>The tables and maps below are for one year: <label>year <select id=\"year\" onchange=\"{YEAR_PICKER}\">{options}</select></label>. \
         The page opens on <strong>{shown}</strong>, the year in which a policy's expected facilities in the red differ most from the baseline's \
         (the final year, {last}, when no policy differs), because a policy that ends before {last} would otherwise show no effect.</p>"
    );
    for year in first..=last {
        let hidden = if year == shown { "" } else { " hidden" };
        let _ = writeln!(out, "<section class=\"year\" data-year=\"{year}\"{hidden}>");
        write_whole_cohort(&mut out, page, &label_of, first, year);
        write_year_maps(&mut out, page, &label_of, year);
        write_groups(&mut out, page, first, year);
        let _ = writeln!(out, "</section>");
    }

    write_at_risk(&mut out, page, last);
    write_national(&mut out, page, &label_of, first, shown);
    let cohort = &page.run.cohort;
    let cohort_rows = [("Facilities", cohort.facilities.to_string()), ("Grouped by", cohort.by.join(", "))];
    sources_and_manifest(&mut out, record, &cohort_rows);
    page_end(&mut out, record);
    out
}

/// The state maps of one year, and the places of the cohort off the map.
fn write_year_maps(out: &mut String, page: &Page<'_>, label_of: &dyn Fn(&str) -> String, shown: i32) {
    let r = page.results;
    let baseline = &page.run.projection.baseline;
    let _ = writeln!(out, "<h3>By state, {shown}</h3>");
    if page.maps.iter().all(|(_, maps)| maps.is_empty()) {
        let _ = writeln!(
            out,
            "<p class=\"note\">No state map: this run was not grouped by <code>{STATE_COLUMN}</code>. Run it with <code>--by {STATE_COLUMN}</code> (a column of the cohort table) to map it.</p>"
        );
    } else {
        let maps = page.maps.iter().filter(|(y, _)| *y == shown).flat_map(|(_, maps)| maps);
        for (i, (svg, caption)) in maps.enumerate() {
            let _ = writeln!(
                out,
                "<figure id=\"map-{shown}-{i}\" class=\"map\">{}<figcaption>{}</figcaption></figure>",
                inline_svg(svg),
                escape(caption)
            );
        }
        if let Some(states) = by_state(r, baseline, shown) {
            let off: Vec<String> = states
                .iter()
                .filter(|s| !tilemap::on_map(&s.state))
                .map(|s| {
                    format!(
                        "{} ({} facilities, {} in the red, {} with cash exhausted)",
                        escape(&s.state),
                        facilities_count(s.facilities),
                        tile_share(share(s.n_negative, s.facilities)),
                        tile_share(share(s.n_exhausted, s.facilities))
                    )
                })
                .collect();
            if !off.is_empty() {
                let _ = writeln!(
                    out,
                    "<p>Also in the cohort but not on the map (territories or other codes), {shown}, {}: {}. They are in the tables below.</p>",
                    escape(&label_of(baseline)),
                    off.join("; ")
                );
            }
        }
    }
}

/// One table per policy of the groups in one year.
fn write_groups(out: &mut String, page: &Page<'_>, first: i32, shown: i32) {
    let r = page.results;
    let projection = &page.run.projection;
    let (_, last) = year_span(&r.totals);
    if !r.by.is_empty() {
        let _ = writeln!(out, "<h3>Groups in {shown}</h3>");
        let _ = writeln!(
            out,
            "<p>One table per policy, one row per group of {}, sorted by {}. Counts and margins are for {shown}; CO-253 adds up {first}–{last}.</p>",
            r.by.iter().map(|b| format!("<code>{}</code>", escape(b))).collect::<Vec<_>>().join(", "),
            if r.by.len() > 1 { "the group's values" } else { "its value" }
        );
        for policy in &projection.policies {
            let (policy, label) = (&policy.name, &policy.label);
            let lines = group_lines(&r.groups, policy, shown);
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "<h4>{} <span class=\"meta\">(<code>{}</code>)</span></h4>",
                escape(label),
                escape(policy)
            );
            let key_heads: String = r.by.iter().map(|b| format!("<th>{}</th>", escape(b))).collect();
            let _ = writeln!(
                out,
                "<div class=\"table-wrap\"><table class=\"groups\" data-policy=\"{}\"><thead><tr>{key_heads}<th>Facilities</th><th>In the red</th><th>In distress</th><th>Cash exhausted</th><th>CO-253 {first}–{last}</th><th>Margin P5</th><th>Margin P50</th><th>Margin P95</th></tr></thead><tbody>",
                escape(policy)
            );
            for line in &lines {
                let g = line.last;
                let keys: String = g.key.iter().map(|k| format!("<td>{}</td>", escape(k))).collect();
                let _ = writeln!(
                    out,
                    "<tr data-key=\"{}\">{keys}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&g.key.join(" / ")),
                    facilities_count(g.facilities),
                    count_share(g.n_negative, g.facilities),
                    count_share(g.n_distress, g.facilities),
                    count_share(g.n_exhausted, g.facilities),
                    dollars_short(line.cut_projection),
                    percent(g.margin_percentiles[0]),
                    percent(g.margin_percentiles[1]),
                    percent(g.margin_percentiles[2])
                );
            }
            let _ = writeln!(out, "</tbody></table></div>");
        }
        write_group_changes(out, page, first, shown);
    }
}

/// Each policy minus the baseline by group in one year, with paired Monte
/// Carlo errors: expected facilities in the red, in distress and with cash
/// exhausted, and CO-253 kept from the first year through this one. A
/// policy without any effect on the run's facilities is left out (the
/// policy windows name it once).
fn write_group_changes(out: &mut String, page: &Page<'_>, first: i32, shown: i32) {
    let r = page.results;
    let projection = &page.run.projection;
    let baseline = &projection.baseline;
    let changes: Vec<&super::record::PolicyRecord> = projection
        .policies
        .iter()
        .filter(|p| p.name != *baseline)
        .filter(|p| {
            r.groups.iter().filter(|g| g.policy == p.name).any(|g| {
                let base = r.groups.iter().find(|b| b.policy == *baseline && b.key == g.key && b.year == g.year);
                base.is_some_and(|b| {
                    !same_figure(g.n_negative, b.n_negative) || !same_figure(g.cut_cum_total, b.cut_cum_total)
                })
            })
        })
        .collect();
    if changes.is_empty() {
        return;
    }
    let pm = |value: Option<f64>, se: Option<f64>| match (value, se) {
        (Some(v), Some(se)) => format!("{v:+.1} <span class=\"se\">± {se:.1}</span>"),
        (Some(v), None) => format!("{v:+.1}"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<h3>Changes against {} in {shown}</h3><p>Each policy minus the baseline, group by group, on the same simulated futures; \
         ± is the paired Monte Carlo standard error. CO-253 kept adds up {first}–{shown} (negative: the policy takes more).</p>",
        escape(projection.label(baseline))
    );
    let key_heads: String = r.by.iter().map(|b| format!("<th>{}</th>", escape(b))).collect();
    for policy in changes {
        let _ = writeln!(
            out,
            "<h4>{}</h4><div class=\"table-wrap\"><table class=\"group-changes\" data-policy=\"{}\"><thead><tr>{key_heads}\
             <th>In the red</th><th>In distress</th><th>Cash exhausted</th><th>CO-253 kept {first}–{shown}</th></tr></thead><tbody>",
            escape(&policy.label),
            escape(&policy.name)
        );
        let mut rows: Vec<&GroupRow> = r.groups.iter().filter(|g| g.policy == policy.name && g.year == shown).collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        for g in rows {
            let keys: String = g.key.iter().map(|k| format!("<td>{}</td>", escape(k))).collect();
            let kept = g.dcut_cum_total.map_or(String::new(), |d| {
                let se = g
                    .dcut_cum_total_se
                    .map_or(String::new(), |se| format!(" <span class=\"se\">± {}</span>", dollars_short(se)));
                format!("{}{se}", dollars_short(-d))
            });
            let _ = writeln!(
                out,
                "<tr data-key=\"{}\">{keys}<td>{}</td><td>{}</td><td>{}</td><td>{kept}</td></tr>",
                escape(&g.key.join(" / ")),
                pm(g.dn_negative, g.dn_negative_se),
                pm(g.dn_distress, g.dn_distress_se),
                pm(g.dn_exhausted, g.dn_exhausted_se)
            );
        }
        let _ = writeln!(out, "</tbody></table></div>");
    }
}

/// The highest-risk facilities of each state under the baseline, from
/// `at_risk.csv`, with a state picker (a few lines of script; without
/// script every state shows).
fn write_at_risk(out: &mut String, page: &Page<'_>, last: i32) {
    let rows = &page.results.at_risk;
    if rows.is_empty() {
        return;
    }
    let mut states: Vec<&str> = rows.iter().map(|r| r.state.as_str()).collect();
    states.sort_unstable();
    states.dedup();
    let _ = writeln!(out, "<h2 id=\"at-risk\">Facilities most at risk, by state</h2>");
    let _ = writeln!(
        out,
        "<p>Under the baseline, the {} facilities of each state with the highest chance that their cash ran out by {last} \
         (then the highest chance of distress), from <code>at_risk.csv</code>, which lists every facility with these chances by year, \
         their Monte Carlo errors (±) and its rank in its state. These are chances from the model, not closure forecasts: how well \
         such rankings have matched later closures and reported losses is scored by <code>seqsim backtest --closures</code> \
         (docs/real-hospitals.md, “Risk scores”).</p>",
        super::read::RISK_ROWS_PER_STATE
    );
    if let Some(track) = &page.run.cohort.track_record {
        let _ = writeln!(out, "<p class=\"track-record\">{}</p>", escape(&track.sentence()));
    }
    let options: String = states
        .iter()
        .map(|s| format!("<option value=\"{0}\">{0}</option>", escape(if s.is_empty() { "(none)" } else { s })))
        .collect();
    let _ = writeln!(
        out,
        "<p><label>State <select id=\"risk-state\" onchange=\"for (const r of document.querySelectorAll('#risk-table tbody tr')) r.hidden = this.value !== '' && r.dataset.state !== this.value;\"><option value=\"\">all states</option>{options}</select></label></p>"
    );
    let _ = writeln!(
        out,
        "<div class=\"table-wrap\"><table id=\"risk-table\"><thead><tr><th>State</th><th>Rank</th><th>Facility</th><th>City</th><th>Kind</th><th>P(cash exhausted by {last})</th><th>P(distress) {last}</th><th>P(margin &lt; 0) {last}</th></tr></thead><tbody>"
    );
    let chance = |(p, se): (f64, f64)| format!("{} ± {}", percent(p), percent(se));
    for r in rows {
        let state = if r.state.is_empty() { "(none)" } else { r.state.as_str() };
        let _ = writeln!(
            out,
            "<tr data-state=\"{0}\"><td>{0}</td><td>{1} of {2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td><td>{8}</td></tr>",
            escape(state),
            r.rank,
            r.of,
            escape(&r.name),
            escape(&r.city),
            escape(&r.kind.replace('_', " ")),
            chance(r.p_exhausted),
            chance(r.p_distress),
            chance(r.p_negative)
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
}

/// The year picker's handler: shows the chosen year's section, hides the
/// others (without script, the first shown year stays; the page holds no
/// `<script>` element).
pub(super) const YEAR_PICKER: &str =
    "for (const s of document.querySelectorAll('section.year')) s.hidden = s.dataset.year !== this.value;";

/// Style the archetype page does not need: maps may scale down on a phone.
const EXTRA_STYLE: &str = "\nfigure.map svg { width: 100%; }\nspan.se { color: #555; font-size: 85%; }\n";

/// The whole cohort in the final year, one row per policy.
fn write_whole_cohort(out: &mut String, page: &Page<'_>, label_of: &dyn Fn(&str) -> String, first: i32, shown: i32) {
    let totals = &page.results.totals;
    let (_, last) = year_span(totals);
    let _ = writeln!(
        out,
        "<div class=\"table-wrap\"><table class=\"whole\"><thead><tr><th>Policy, whole cohort</th><th>Facilities</th><th>In the red {shown}</th><th>In distress {shown}</th><th>Cash exhausted by {shown}</th><th>CO-253 {first}–{last}</th></tr></thead><tbody>"
    );
    for policy in page.run.projection.policies.iter().map(|p| &p.name) {
        let Some(t) = totals.iter().find(|t| t.policy == *policy && t.year == shown) else { continue };
        let cut: f64 =
            totals.iter().filter(|t| t.policy == *policy).map(|t| t.cut_total).filter(|v| v.is_finite()).sum();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&label_of(policy)),
            facilities_count(t.facilities),
            count_share(t.n_negative, t.facilities),
            count_share(t.n_distress, t.facilities),
            count_share(t.n_exhausted, t.facilities),
            dollars_short(cut)
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
}

/// Each policy against the baseline over the years in which they differ:
/// CO-253 kept, and the peak and average change in expected facilities in
/// the red (negative: fewer in the red). A policy that equals the baseline
/// in every year is listed once as having no effect.
fn write_policy_windows(out: &mut String, page: &Page<'_>, label_of: &dyn Fn(&str) -> String) {
    let totals = &page.results.totals;
    let baseline = &page.run.projection.baseline;
    let mut rows = String::new();
    let mut no_effect: Vec<String> = Vec::new();
    for policy in page.run.projection.policies.iter().map(|p| &p.name).filter(|p| *p != baseline) {
        let mut kept = 0.0;
        let mut changes: Vec<(i32, f64)> = Vec::new();
        for t in totals.iter().filter(|t| t.policy == *policy) {
            let Some(b) = totals.iter().find(|b| b.policy == *baseline && b.year == t.year) else { continue };
            kept += b.cut_total - t.cut_total;
            let change = t.n_negative - b.n_negative;
            if change.is_finite() && !same_figure(t.n_negative, b.n_negative) {
                changes.push((t.year, change));
            }
        }
        let cut = |p: &str| totals.iter().filter(|t| t.policy == p).map(|t| t.cut_total).sum::<f64>();
        if changes.is_empty() && same_figure(cut(policy), cut(baseline)) {
            no_effect.push(label_of(policy));
            continue;
        }
        let (from, to) = (
            changes.iter().map(|c| c.0).min().unwrap_or_default(),
            changes.iter().map(|c| c.0).max().unwrap_or_default(),
        );
        let peak =
            changes.iter().copied().fold((0, 0.0_f64), |best, c| if c.1.abs() > best.1.abs() { c } else { best });
        let average = changes.iter().map(|c| c.1).sum::<f64>() / changes.len().max(1) as f64;
        let signed = |v: f64| {
            format!(
                "{}{:.1}",
                if v > 0.0 {
                    "+"
                } else if v < 0.0 {
                    "−"
                } else {
                    ""
                },
                v.abs()
            )
        };
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td></tr>",
            escape(&label_of(policy)),
            if changes.is_empty() { "none".to_string() } else { format!("{from}–{to}") },
            dollars_short(kept),
            signed(peak.1),
            peak.0,
            signed(average)
        );
    }
    let _ = writeln!(out, "<h3>Each policy against the baseline, over the years they differ</h3>");
    if !rows.is_empty() {
        let _ = writeln!(
            out,
            "<div class=\"table-wrap\"><table class=\"windows\"><thead><tr><th>Policy</th><th>Years it differs</th><th>CO-253 kept</th><th>Change in facilities in the red: peak (year)</th><th>Average change over those years</th></tr></thead><tbody>{rows}</tbody></table></div>"
        );
        let _ = writeln!(out, "<p>Changes are expected facilities (each facility's chance, added up); negative means fewer facilities in the red than under the baseline.</p>");
    }
    if !no_effect.is_empty() {
        let _ = writeln!(out, "<p>No effect on these facilities: {}.</p>", escape(&no_effect.join(", ")));
    }
}

/// National totals by kind of facility, from `national.parquet`.
fn write_national(out: &mut String, page: &Page<'_>, label_of: &dyn Fn(&str) -> String, first: i32, shown: i32) {
    let national = &page.results.national;
    let _ = writeln!(out, "<h2>National totals</h2>");
    let _ = writeln!(out, "<p>Every facility of the cohort, by kind of facility and in all (<code>all</code>).</p>");
    let mut kinds: Vec<&str> = Vec::new();
    for n in national {
        if n.kind != "all" && !kinds.contains(&n.kind.as_str()) {
            kinds.push(&n.kind);
        }
    }
    kinds.sort_unstable();
    kinds.push("all");
    let _ = writeln!(
        out,
        "<div class=\"table-wrap\"><table class=\"national\"><thead><tr><th>Policy</th><th>Kind</th><th>CO-253 in {shown}</th><th>Cumulative CO-253 {first}–{shown}</th><th>Facilities in distress {shown}</th><th>Facilities with cash exhausted by {shown}</th></tr></thead><tbody>"
    );
    for policy in page.run.projection.policies.iter().map(|p| &p.name) {
        for kind in &kinds {
            let Some(n) = national.iter().find(|n| n.kind == *kind && n.policy == *policy && n.year == shown) else {
                continue;
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&label_of(policy)),
                escape(kind),
                dollars_short(n.cut_total),
                dollars_short(n.cut_cum_total),
                count(n.n_distress),
                count(n.n_exhausted)
            );
        }
    }
    let _ = writeln!(out, "</tbody></table></div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_the_same_within_a_billionth_of_the_larger_or_of_one() {
        // $1e9 against $1e9 + $0.5: tolerance 1e-9 x 1e9 = $1, so the same.
        assert!(same_figure(1e9, 1e9 + 0.5));
        // ... but $2 apart is a difference.
        assert!(!same_figure(1e9, 1e9 + 2.0));
        // Near zero the floor is 1: 1e-10 apart is the same, 1e-8 apart is not.
        assert!(same_figure(0.05, 0.05 + 1e-10));
        assert!(!same_figure(0.0, 1e-8));
        // Symmetric.
        assert_eq!(same_figure(3.0, 3.0 + 1e-8), same_figure(3.0 + 1e-8, 3.0));
    }
}
