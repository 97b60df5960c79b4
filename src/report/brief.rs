//! `brief.md`: the evidence tables an analyst pastes into a brief.

use std::fmt::Write;

use crate::engine::summary::{largest_margin_change, Summary};
use crate::engine::Plan;

use super::format::{compare_cells, dollars_short, margin_interval, percent, practices, probability};
use super::Provenance;

fn final_and_mid(plan: &Plan) -> (i32, i32) {
    let last = plan.start_year + plan.years as i32 - 1;
    let mid = plan.start_year + (plan.years as i32 - 1) / 2;
    (mid, last)
}

fn label<'a>(plan: &'a Plan, policy: &'a str) -> &'a str {
    plan.policies.iter().find(|p| p.name == policy).map_or(policy, |p| p.label.as_str())
}

/// "` (<name> as of <as_of>)`" when the baseline stands on an imported law.
fn law(provenance: &Provenance) -> String {
    provenance.baseline_law.as_ref().map_or_else(String::new, |law| format!(" ({law})"))
}

/// Renders the brief.
pub fn render(plan: &Plan, summary: &Summary, provenance: &Provenance, description: Option<&str>) -> String {
    let (mid, last) = final_and_mid(plan);
    let baseline = &plan.policies[plan.baseline];
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", provenance.scenario_name);
    if let Some(description) = description {
        let _ = writeln!(out, "{}\n", description.trim());
    }
    let _ = writeln!(
        out,
        "Projection {}–{}, {} Monte Carlo paths (seed {}). Baseline: **{}**{}. \
         Intervals are the 5th–95th percentiles of simulated margins (a 90% interval); \
         ± is the Monte Carlo standard error, in percentage points (pp). \
         Differences are each policy minus the baseline on the same simulated paths.\n",
        plan.start_year,
        last,
        summary.paths,
        provenance.seed.unwrap_or_default(),
        baseline.label,
        law(provenance)
    );

    let _ = writeln!(out, "## Practices\n");
    for practice in &plan.practices {
        let _ = writeln!(
            out,
            "### {} (`{}`, kind `{}`, stands for {} practices)\n",
            practice.name,
            practice.id,
            practice.kind,
            practices(practice.count)
        );
        let _ = writeln!(
            out,
            "| Policy | Median margin {mid} (90% interval) | Median margin {last} (90% interval) | P(margin < 0) {last} | P(cash exhausted by {last}) |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        for policy in &plan.policies {
            let row = |year: i32| {
                summary.summary.iter().find(|r| r.practice == practice.id && r.policy == policy.name && r.year == year)
            };
            let (Some(m), Some(f)) = (row(mid), row(last)) else { continue };
            let interval = |r: &crate::engine::summary::SummaryRow| margin_interval(&r.margin_percentiles);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                policy.label,
                interval(m),
                interval(f),
                probability(f.p_negative, f.p_negative_se),
                probability(f.p_exhausted, f.p_exhausted_se)
            );
        }
        let compares: Vec<_> = summary.compare.iter().filter(|c| c.practice == practice.id && c.year == last).collect();
        if !compares.is_empty() {
            let _ = writeln!(out, "\nAgainst {} in {last}:\n", baseline.label);
            let _ = writeln!(
                out,
                "| Policy | Mean margin change (90% interval) | Change in P(cash exhausted) | Cumulative CO-253 change | Cash change | Largest yearly margin change |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|---|");
            for c in compares {
                let largest = largest_margin_change(&summary.compare, &c.practice, &c.policy);
                let _ = writeln!(out, "| {} | {} |", label(plan, &c.policy), compare_cells(c, largest).join(" | "));
            }
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## National totals (weighted by practice counts)\n");
    let mut kinds: Vec<&str> = plan.kinds.iter().map(String::as_str).collect();
    kinds.push("all");
    let _ = writeln!(out, "CO-253 dollars per year under {}:\n", baseline.label);
    let _ = writeln!(out, "| Year | {} |", kinds.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(kinds.len()));
    for t in 0..plan.years {
        let year = plan.start_year + t as i32;
        let cells: Vec<String> = kinds
            .iter()
            .map(|kind| {
                summary
                    .national
                    .iter()
                    .find(|n| n.kind == *kind && n.policy == baseline.name && n.year == year)
                    .map_or_else(|| "n/a".to_string(), |n| dollars_short(n.cut_total))
            })
            .collect();
        let _ = writeln!(out, "| {year} | {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\nEach policy in {last}:\n");
    let _ = writeln!(
        out,
        "| Policy | Kind | CO-253 in {last} | Cumulative CO-253 {}–{last} | Practices in distress | Practices with cash exhausted |",
        plan.start_year
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for policy in &plan.policies {
        for kind in &kinds {
            if let Some(n) =
                summary.national.iter().find(|n| n.kind == *kind && n.policy == policy.name && n.year == last)
            {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    policy.label,
                    kind,
                    dollars_short(n.cut_total),
                    dollars_short(n.cut_cum_total),
                    practices(n.n_distress),
                    practices(n.n_exhausted)
                );
            }
        }
    }

    let _ = writeln!(out, "\n## Sources\n");
    if provenance.sources.is_empty() {
        let _ = writeln!(out, "The scenario cites no sources.");
    }
    for source in &provenance.sources {
        let _ = writeln!(out, "- `{}`: {}", source.path, source.text);
    }
    let _ = writeln!(out, "\n---\n\n{}", provenance.footer());
    out
}

/// CO-253 dollars a group's facilities lose under `policy` over the whole projection.
fn cumulative_cut(groups: &[crate::engine::summary::GroupRow], key: &[String], policy: &str) -> f64 {
    groups.iter().filter(|g| g.key == key && g.policy == policy).map(|g| g.cut_total).sum()
}

/// One sentence for a group (a state, say): its facilities, how many run
/// negative margins and out of cash by the final year under the baseline,
/// the CO-253 dollars taken over the projection, and what each other policy
/// changes.
fn group_line(plan: &Plan, groups: &[crate::engine::summary::GroupRow], key: &[String], last: i32) -> String {
    let baseline = &plan.policies[plan.baseline];
    let at = |policy: &str| groups.iter().find(|g| g.key == key && g.policy == policy && g.year == last);
    let Some(base) = at(&baseline.name) else { return format!("- **{}**: no rows", key.join(", ")) };
    let base_cut = cumulative_cut(groups, key, &baseline.name);
    let mut line = format!(
        "- **{}**: {} facilities; under {} in {last}, {} with negative margins and {} with cash exhausted; CO-253 takes {} over {}–{last}.",
        key.join(", "),
        practices(base.facilities),
        baseline.label,
        practices(base.n_negative),
        practices(base.n_exhausted),
        dollars_short(base_cut),
        plan.start_year
    );
    for policy in plan.policies.iter().filter(|p| p.name != baseline.name) {
        if let Some(g) = at(&policy.name) {
            let kept = base_cut - cumulative_cut(groups, key, &policy.name);
            let dollars = if kept < 0.0 {
                format!("takes {} more", dollars_short(-kept))
            } else {
                format!("keeps {}", dollars_short(kept))
            };
            // Rounded first, so that a change below 0.05 reads "+0.0", never "-0.0".
            let exhausted = ((g.n_exhausted - base.n_exhausted) * 10.0).round() / 10.0 + 0.0;
            let _ = write!(line, " {}: {dollars}, cash exhausted {exhausted:+.1}.", policy.label);
        }
    }
    line
}

/// The brief of a cohort run: national totals and, with `--by`, each group's
/// facilities with negative margins and exhausted cash in the final year.
pub fn cohort(
    plan: &Plan,
    summary: &Summary,
    groups: &[crate::engine::summary::GroupRow],
    by: &[String],
    provenance: &Provenance,
) -> String {
    let last = plan.start_year + plan.years as i32 - 1;
    let mut out = format!(
        "# {}\n\nA cohort of {} facilities, {}–{last}, {} Monte Carlo paths (seed {}). Expected numbers are \
         count-weighted; margin percentiles pool every facility's simulated margins.\n\n",
        provenance.scenario_name,
        plan.practices.len(),
        plan.start_year,
        summary.paths,
        provenance.seed.unwrap_or_default()
    );
    if !by.is_empty() {
        let mut keys: Vec<&Vec<String>> = Vec::new();
        for g in groups {
            if !keys.contains(&&g.key) {
                keys.push(&g.key);
            }
        }
        keys.sort();
        let _ = writeln!(out, "## By {}, one line each\n", by.join(", "));
        for key in &keys {
            let _ = writeln!(out, "{}", group_line(plan, groups, key, last));
        }
        let _ = writeln!(out, "\n## By {} in {last}\n", by.join(", "));
        let _ = writeln!(
            out,
            "| {} | Policy | Facilities | Negative margin | Cash exhausted | CO-253 {} | CO-253 {}–{last} | Margin P5 / P50 / P95 |",
            by.join(" | "),
            last,
            plan.start_year
        );
        let _ = writeln!(out, "|{}---|---|---|---|---|---|---|", "---|".repeat(by.len()));
        let mut rows: Vec<&crate::engine::summary::GroupRow> = groups.iter().filter(|g| g.year == last).collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        for g in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} / {} / {} |",
                g.key.join(" | "),
                label(plan, &g.policy),
                practices(g.facilities),
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
            label(plan, &n.policy),
            n.kind,
            dollars_short(n.cut_total),
            dollars_short(n.cut_cum_total),
            practices(n.n_distress),
            practices(n.n_exhausted)
        );
    }
    let _ = writeln!(out, "\n## Sources\n");
    for source in &provenance.sources {
        let _ = writeln!(out, "- `{}`: {}", source.path, source.text);
    }
    let _ = writeln!(out, "\n---\n\n{}", provenance.footer());
    out
}
