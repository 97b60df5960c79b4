//! What `seqsim calibrate` writes for three or more releases (MODEL.md v1.3
//! dynamics): the observed-against-fitted moments table and the fitted
//! parameters for the terminal and the methodology, and a YAML fragment
//! (`drivers:`, `correlations:`, `cost_response:`) to paste into a scenario,
//! every value with a `source:` naming the files and the fit.

use std::fmt::Write;

use crate::calibrate::dynamics::{DynamicsFit, GroupFit, COST_LINES_RHO};

/// The files a fit read: name and SHA-256 of each release, in order.
pub type Inputs = Vec<(String, String)>;

/// The fitted parameters, a row per group, and each group's moments
/// observed against fitted (Markdown).
pub fn table(fit: &DynamicsFit) -> String {
    let mut out = String::new();
    let years: Vec<String> = fit.years.iter().map(usize::to_string).collect();
    let _ = writeln!(
        out,
        "Dynamics fitted by simulated method of moments: {} hospitals in every release ({} changed kind and keep their first), releases {} years after the first.\n",
        fit.matched,
        fit.kind_changed,
        years.join(", ")
    );
    let _ = writeln!(
        out,
        "| group | hospitals (kept) | volume sd / noise | price sd / noise | cost sd / noise | price-cost rho | speed | own weight in target | J | speed (J) with target base | speed (J) with the kind median |"
    );
    let _ = writeln!(out, "|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|");
    for g in &fit.groups {
        let d = &g.dynamics;
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {:.2} | {:.3} | {:.2} | {:.1} | {:.3} ({:.1}) | {:.3} ({:.1}) |",
            g.group,
            g.hospitals,
            g.kept,
            d.volume.0,
            d.volume.1,
            d.price.0,
            d.price.1,
            d.cost.0,
            d.cost.1,
            d.price_cost_rho,
            d.speed,
            d.own_weight,
            g.objective,
            g.base_target.speed,
            g.objective_base_target,
            g.median_target.speed,
            g.objective_median_target
        );
    }
    for g in fit.groups.iter().filter(|g| !g.unusable_moments.is_empty()) {
        let _ = writeln!(
            out,
            "\n{}: left out of the objective (not a number in the reports): {}",
            g.group,
            g.unusable_moments.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nYearly means solved per period between releases (in sample; volume 0): price growth / cost inflation\n"
    );
    let _ = writeln!(
        out,
        "| group | {} |",
        (1..fit.years.len()).map(|k| format!("releases {}-{}", k, k + 1)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(fit.years.len().saturating_sub(1)));
    for g in &fit.groups {
        let cells: Vec<String> =
            g.period_means.iter().map(|(price, cost)| format!("{:.4} / {:.4}", price, cost)).collect();
        let _ = writeln!(out, "| {} | {} |", g.group, cells.join(" | "));
    }
    for g in &fit.groups {
        let _ = writeln!(out, "\nMoments, {} (observed ± bootstrap se, fitted; * in the objective):\n", g.group);
        let _ = writeln!(out, "| moment | observed | se | fitted |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for m in &g.moments {
            let star = if m.weighted { " *" } else { "" };
            let _ = writeln!(out, "| {}{star} | {:.4} | {:.4} | {:.4} |", m.label, m.observed, m.se, m.fitted);
        }
    }
    out
}

fn source(g: &GroupFit, inputs: &Inputs) -> String {
    let files: Vec<&str> = inputs.iter().map(|(name, _)| name.as_str()).collect();
    format!(
        "seqsim calibrate {} ({}): simulated method of moments, {} hospitals in every release ({} kept after 3-IQR trimming), J {:.1}",
        files.join(" "),
        g.group,
        g.hospitals,
        g.kept,
        g.objective
    )
}

/// The YAML fragment: the first group's drivers and correlations at the
/// top level, each group's response and driver overrides in comments.
pub fn yaml(fit: &DynamicsFit, inputs: &Inputs) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by seqsim calibrate (MODEL.md v1.3 dynamics) from {} releases:", inputs.len());
    for (name, sha) in inputs {
        let _ = writeln!(out, "#   {name} (SHA-256 {sha})");
    }
    let _ = writeln!(
        out,
        "# Means are the scenario's to set (replace MEAN): only spreads, noise, correlations and the response are fitted;"
    );
    let _ = writeln!(out, "# `shared` cannot be fitted from the reports (methodology 8.4).");
    let Some(first) = fit.groups.first() else { return out };
    let line = |out: &mut String, indent: &str, g: &GroupFit, name: &str, (sd, noise): (f64, f64)| {
        let noise = if noise >= 0.0005 { format!(", noise: {noise:.3}") } else { String::new() };
        let _ = writeln!(
            out,
            "{indent}{name}: {{dist: normal, mean: MEAN, sd: {sd:.3}{noise}, scope: practice, source: \"{}\"}}",
            source(g, inputs)
        );
    };
    let drivers = |out: &mut String, indent: &str, g: &GroupFit| {
        let d = &g.dynamics;
        line(out, indent, g, "volume_growth", d.volume);
        line(out, indent, g, "commercial_rate_growth", d.price);
        line(out, indent, g, "medicaid_rate_growth", d.price);
        for name in ["labor_inflation", "supply_inflation", "other_inflation"] {
            line(out, indent, g, name, d.cost);
        }
    };
    let _ = writeln!(out, "drivers:");
    drivers(&mut out, "  ", first);
    let _ = writeln!(out, "correlations:");
    let _ = writeln!(
        out,
        "  # the cost lines move together ({COST_LINES_RHO}, an assumption: only their total is observed)"
    );
    for (a, b) in [
        ("labor_inflation", "supply_inflation"),
        ("labor_inflation", "other_inflation"),
        ("supply_inflation", "other_inflation"),
    ] {
        let _ = writeln!(out, "  - [{a}, {b}, {COST_LINES_RHO}]");
    }
    for price in ["commercial_rate_growth", "medicaid_rate_growth"] {
        for cost in ["labor_inflation", "supply_inflation", "other_inflation"] {
            let _ = writeln!(out, "  - [{price}, {cost}, {:.2}]", first.dynamics.price_cost_rho);
        }
    }
    let target = |g: &GroupFit| {
        format!(
            "a margin of {:.3} (the median base margin) + {:.2} x (own base margin - it); `base` when the weight is 1",
            g.median_margin, g.dynamics.own_weight
        )
    };
    let _ = writeln!(
        out,
        "cost_response: {{speed: {:.3}, target: base, source: \"{}; fitted target: {}\"}}",
        first.dynamics.speed,
        source(first, inputs),
        target(first)
    );
    for g in fit.groups.iter().skip(1) {
        let _ = writeln!(out, "# {}: its own fit, as practice overrides (drivers:) and response:", g.group);
        let mut block = String::new();
        drivers(&mut block, "#     ", g);
        out.push_str(&block);
        let _ = writeln!(
            out,
            "#   cost_response: {{speed: {:.3}, target: base}}  # fitted target: {}",
            g.dynamics.speed,
            target(g)
        );
    }
    out
}
