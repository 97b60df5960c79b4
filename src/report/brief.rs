//! `brief.md`: the evidence tables an analyst pastes into a brief.

use std::fmt::Write;

use crate::analysis::ReadingRow;
use crate::engine::summary::{GroupRow, Summary};

use super::format::{dollars_short, facilities_count, percent, practices};
use super::record::{Archetypes, CohortRun, PolicyRecord, Projection, RunRecord};
use super::{table, Provenance};

/// "` (<name> as of <as_of>)`" when the baseline stands on an imported law.
fn law(provenance: &Provenance) -> String {
    provenance.baseline_law.as_ref().map_or_else(String::new, |law| format!(" ({law})"))
}

/// The sources list (or `when_none` if there are none) and the footer that
/// end every brief.
pub(super) fn sources_and_footer(out: &mut String, provenance: &Provenance, when_none: Option<&str>) {
    let _ = writeln!(out, "\n## Sources\n");
    if let (true, Some(note)) = (provenance.sources.is_empty(), when_none) {
        let _ = writeln!(out, "{note}");
    }
    for source in &provenance.sources {
        let _ = writeln!(out, "- `{}`: {}", source.path, source.text);
    }
    let _ = writeln!(out, "\n---\n\n{}", provenance.footer());
}

/// Renders the brief of an archetype run.
pub fn render(record: &RunRecord, run: &Archetypes, summary: &Summary, readings: &[ReadingRow]) -> String {
    let provenance = record.provenance();
    let projection = &run.projection;
    let last = projection.last_year();
    let baseline = projection.label(&projection.baseline);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", provenance.scenario_name);
    if let Some(description) = &projection.description {
        let _ = writeln!(out, "{}\n", description.trim());
    }
    let _ = writeln!(
        out,
        "Projection {}–{}, {} Monte Carlo paths (seed {}). Baseline: **{}**{}. \
         Intervals are the 5th–95th percentiles of simulated margins (a 90% interval); \
         ± is the Monte Carlo standard error, in percentage points (pp). \
         Differences are each policy minus the baseline on the same simulated paths.\n",
        projection.start_year,
        last,
        summary.paths,
        provenance.seed.unwrap_or_default(),
        baseline,
        law(&provenance)
    );

    let _ = writeln!(out, "## Practices\n");
    for practice in &run.practices {
        let _ = writeln!(
            out,
            "### {} (`{}`, kind `{}`, stands for {})\n",
            practice.name,
            practice.id,
            practice.kind,
            super::format::stands_for(practice.count)
        );
        out.push_str(&table::practice(projection, &summary.summary, &practice.id).markdown());
        if let Some(versus) = table::versus_baseline(projection, &summary.compare, &practice.id) {
            let _ = writeln!(out, "\nAgainst {baseline} in {last}:\n");
            out.push_str(&versus.markdown());
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## National totals (weighted by practice counts)\n");
    let _ = writeln!(out, "CO-253 dollars per year under {baseline}:\n");
    out.push_str(&table::baseline_cut_by_year(projection, &summary.national).markdown());
    let _ = writeln!(out, "\nEach policy in {last}:\n");
    out.push_str(&table::national(projection, &summary.national).markdown());
    two_readings(&mut out, run, readings);

    sources_and_footer(&mut out, &provenance, Some("The scenario cites no sources."));
    out
}

/// `--both-readings`: each policy's effect on each practice read both ways.
fn two_readings(out: &mut String, run: &Archetypes, readings: &[ReadingRow]) {
    if readings.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Two readings of each policy\n");
    let _ = writeln!(out, "{}\n", table::READINGS_NOTE);
    match table::readings(run, readings) {
        Some(readings) => out.push_str(&readings.markdown()),
        None => {
            let _ = writeln!(out, "No policy moves any practice's margin or spending.");
        }
    }
}

/// CO-253 dollars a group's facilities lose under `policy` over the whole projection.
fn cumulative_cut(groups: &[GroupRow], key: &[String], policy: &str) -> f64 {
    groups.iter().filter(|g| g.key == key && g.policy == policy).map(|g| g.cut_total).sum()
}

/// Whether `policy` equals the baseline in every group and year: the same
/// CO-253 dollars and expected facilities in the red and out of cash.
fn no_effect(groups: &[GroupRow], policy: &str, baseline: &str) -> bool {
    let same = super::cohort_page::same_figure;
    groups.iter().filter(|g| g.policy == policy).all(|g| {
        groups.iter().find(|b| b.policy == baseline && b.key == g.key && b.year == g.year).is_some_and(|b| {
            same(g.cut_total, b.cut_total) && same(g.n_negative, b.n_negative) && same(g.n_exhausted, b.n_exhausted)
        })
    })
}

/// The policies that change something for the groups' facilities, then
/// those that change nothing.
fn effective_policies<'a>(
    projection: &'a Projection,
    groups: &[GroupRow],
) -> (Vec<&'a PolicyRecord>, Vec<&'a PolicyRecord>) {
    projection
        .policies
        .iter()
        .filter(|p| p.name != projection.baseline)
        .partition(|p| !no_effect(groups, &p.name, &projection.baseline))
}

/// The brief's line of one group (a state page repeats its state's), in
/// the brief's year (see `cohort_page::shown_year`), without the list
/// marker and bold key; `None` when the group has no rows.
pub(super) fn group_sentence(projection: &Projection, groups: &[GroupRow], key: &[String]) -> Option<String> {
    let shown = super::cohort_page::shown_year(&super::read::group_totals(groups), &projection.baseline);
    let (effective, _) = effective_policies(projection, groups);
    let line = group_line(projection, groups, key, (shown, projection.last_year()), &effective)?;
    let prefix = format!("- **{}**: ", key.join(", "));
    Some(line.strip_prefix(&prefix).map_or(line.clone(), str::to_string))
}

/// One sentence for a group (a state, say): its facilities, how many run
/// negative margins and out of cash in the shown year under the baseline,
/// the CO-253 dollars taken over the projection, and what each policy that
/// has an effect changes.
fn group_line(
    projection: &Projection,
    groups: &[GroupRow],
    key: &[String],
    (shown, last): (i32, i32),
    effective: &[&PolicyRecord],
) -> Option<String> {
    let baseline = projection.policies.iter().find(|p| p.name == projection.baseline)?;
    let at = |policy: &str| groups.iter().find(|g| g.key == key && g.policy == policy && g.year == shown);
    let Some(base) = at(&baseline.name) else { return Some(format!("- **{}**: no rows", key.join(", "))) };
    let base_cut = cumulative_cut(groups, key, &baseline.name);
    let mut line = format!(
        "- **{}**: {} facilities; under {} in {shown}, {} with negative margins and {} with cash exhausted; CO-253 takes {} over {}–{last}.",
        key.join(", "),
        facilities_count(base.facilities),
        baseline.label,
        with_error(practices(base.n_negative), base.n_negative_se),
        with_error(practices(base.n_exhausted), base.n_exhausted_se),
        dollars_short(base_cut),
        projection.start_year
    );
    for policy in effective {
        if let Some(g) = at(&policy.name) {
            let kept = base_cut - cumulative_cut(groups, key, &policy.name);
            // The paired error of the dollars kept over the projection (the final year's cumulative change).
            let kept_se = groups
                .iter()
                .find(|h| h.key == key && h.policy == policy.name && h.year == last)
                .and_then(|h| h.dcut_cum_total_se)
                .map_or(String::new(), |se| format!(" ± {}", dollars_short(se)));
            let dollars = if kept < 0.0 {
                format!("takes {}{kept_se} more", dollars_short(-kept))
            } else {
                format!("keeps {}{kept_se}", dollars_short(kept))
            };
            // Rounded first, so that a change below 0.05 reads "+0.0", never "-0.0".
            let change = |a: f64, b: f64| format!("{:+.1}", ((a - b) * 10.0).round() / 10.0 + 0.0);
            let _ = write!(
                line,
                " {}: {dollars}; in {shown}, {} in the red and {} with cash exhausted.",
                policy.label,
                with_error(change(g.n_negative, base.n_negative), g.dn_negative_se),
                with_error(change(g.n_exhausted, base.n_exhausted), g.dn_exhausted_se)
            );
        }
    }
    Some(line)
}

/// An expected count with its Monte Carlo error, `69.1 ± 0.3` (the count
/// alone when the results carry no error).
fn with_error(count: String, se: Option<f64>) -> String {
    se.map_or(count.clone(), |se| format!("{count} ± {se:.1}"))
}

/// A definition as recorded, or a word saying an older manifest had none.
fn or_unknown(text: &str) -> &str {
    if text.is_empty() {
        "not recorded"
    } else {
        text
    }
}

/// The brief of a cohort run: national totals and, with `--by`, each group's
/// facilities with negative margins and exhausted cash in the final year.
pub fn cohort(record: &RunRecord, run: &CohortRun, summary: &Summary, groups: &[GroupRow]) -> String {
    let provenance = record.provenance();
    let projection = &run.projection;
    let by = &run.cohort.by;
    let last = projection.last_year();
    let mut out = format!(
        "# {}\n\nA cohort of {} facilities, {}–{last}, {} Monte Carlo paths (seed {}). Expected numbers are \
         count-weighted; margin percentiles pool every facility's simulated margins.\n\n\
         Margin: {}. Cash: {}. A facility is in the red when its margin is below zero; its cash is exhausted when its \
         days of cash fall below the closure threshold, which is not a forecast that it closes.\n\n",
        provenance.scenario_name,
        run.cohort.facilities,
        projection.start_year,
        summary.paths,
        provenance.seed.unwrap_or_default(),
        or_unknown(&run.cohort.margin),
        or_unknown(&run.cohort.cash)
    );
    if let Some(track) = &run.cohort.track_record {
        out.push_str(&track.sentence());
        out.push_str("\n\n");
    }
    if !by.is_empty() {
        let mut keys: Vec<&Vec<String>> = Vec::new();
        for g in groups {
            if !keys.contains(&&g.key) {
                keys.push(&g.key);
            }
        }
        keys.sort();
        let shown = super::cohort_page::shown_year(&super::read::group_totals(groups), &projection.baseline);
        let (effective, idle) = effective_policies(projection, groups);
        let _ = writeln!(out, "## By {}, one line each\n", by.join(", "));
        let _ = writeln!(
            out,
            "Counts are for {shown}, the year in which a policy's expected facilities in the red differ most from the baseline's (the final year when none differs).\n"
        );
        if !idle.is_empty() {
            let labels: Vec<&str> = idle.iter().map(|p| p.label.as_str()).collect();
            let _ = writeln!(out, "No effect on these facilities: {}.\n", labels.join("; "));
        }
        for key in &keys {
            if let Some(line) = group_line(projection, groups, key, (shown, last), &effective) {
                let _ = writeln!(out, "{line}");
            }
        }
        let _ = writeln!(out, "\n## By {} in {last}\n", by.join(", "));
        let _ = writeln!(
            out,
            "| {} | Policy | Facilities | Negative margin | Cash exhausted | CO-253 {} | CO-253 {}–{last} | Margin P5 / P50 / P95 |",
            by.join(" | "),
            last,
            projection.start_year
        );
        let _ = writeln!(out, "|{}---|---|---|---|---|---|---|", "---|".repeat(by.len()));
        let mut rows: Vec<&GroupRow> = groups.iter().filter(|g| g.year == last).collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        for g in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} / {} / {} |",
                g.key.join(" | "),
                projection.label(&g.policy),
                facilities_count(g.facilities),
                practices(g.n_negative),
                practices(g.n_exhausted),
                dollars_short(g.cut_total),
                dollars_short(cumulative_cut(groups, &g.key, &g.policy)),
                percent(g.margin_percentiles[0]),
                percent(g.margin_percentiles[1]),
                percent(g.margin_percentiles[2])
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## National totals in {last}\n\n| Policy | Kind | CO-253 | Cumulative CO-253 | In distress | Cash exhausted |\n|---|---|---|---|---|---|");
    for n in summary.national.iter().filter(|n| n.year == last) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            projection.label(&n.policy),
            n.kind,
            dollars_short(n.cut_total),
            dollars_short(n.cut_cum_total),
            practices(n.n_distress),
            practices(n.n_exhausted)
        );
    }
    sources_and_footer(&mut out, &provenance, None);
    out
}
