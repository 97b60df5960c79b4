//! `report.html`: one self-contained page with the brief's tables, the
//! charts inlined as SVG, the sources, the manifest and a note on how to read
//! it. No scripts, no fonts, no network requests; a print stylesheet and a
//! layout that reflows to a phone's width.

use std::fmt::Write;

use crate::engine::summary::{largest_margin_change, CompareRow, NationalRow, SummaryRow};

use super::format::{compare_cells, dollars_short, margin_interval, practices as count, probability};

/// What the page is built from: the run's tables, its manifest, and the charts.
pub struct Page<'a> {
    /// The manifest as written by `run` (or `merge`).
    pub manifest: &'a serde_json::Value,
    /// Summary rows.
    pub summary: &'a [SummaryRow],
    /// Compare rows.
    pub compare: &'a [CompareRow],
    /// National rows.
    pub national: &'a [NationalRow],
    /// `(title, svg)` per practice: fan chart then risk curves.
    pub practice_charts: &'a [(String, Vec<String>)],
    /// The national chart.
    pub national_chart: &'a str,
}

/// An SVG prepared for inlining in HTML5, where the SVG namespace is implied
/// (dropping it keeps the page free of any `http:` text).
pub(super) fn inline_svg(svg: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page style, shared with the cohort page.
pub(super) const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0; color: #1b1b1b; background: #fff; line-height: 1.45; }
main { max-width: 1000px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.7rem; margin: .5rem 0; } h2 { font-size: 1.35rem; margin-top: 2rem; border-bottom: 2px solid #0072b2; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
.meta { color: #444; font-size: .9rem; }
.note { background: #f3f7fb; border-left: 4px solid #0072b2; padding: .6rem 1rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .88rem; min-width: 60%; }
th, td { border: 1px solid #c9c9c9; padding: .3rem .5rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef2f5; }
figure { margin: 1rem 0; } figcaption { font-size: .85rem; color: #444; }
svg { max-width: 100%; height: auto; display: block; }
code { font-size: .85em; word-break: break-all; }
footer { margin-top: 2rem; font-size: .8rem; color: #555; border-top: 1px solid #ccc; padding-top: .5rem; }
@media (max-width: 600px) { main { padding: .5rem; } table { font-size: .78rem; } h1 { font-size: 1.35rem; } }
@media print {
  body { font-size: 10pt; } main { max-width: none; padding: 0; }
  h2 { break-before: page; } h2:first-of-type { break-before: auto; }
  figure, table { break-inside: avoid; } .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// A manifest text field, empty when absent (issue 16 replaces this with a typed record).
pub(super) fn text<'a>(value: &'a serde_json::Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or("")
}

/// Renders the page.
pub fn render(page: &Page<'_>) -> String {
    let m = page.manifest;
    let name = text(&m["scenario"], "name");
    let baseline = text(m, "baseline");
    let label_of = |policy: &str| -> String {
        m["policies"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == policy))
            .map_or_else(|| policy.to_string(), |p| text(p, "label").to_string())
    };
    let years: Vec<i32> = {
        let mut ys: Vec<i32> = page.summary.iter().map(|r| r.year).collect();
        ys.sort_unstable();
        ys.dedup();
        ys
    };
    let (first, last) = (years.first().copied().unwrap_or_default(), years.last().copied().unwrap_or_default());
    let mid = first + (last - first) / 2;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — seqsim report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(name)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(name));
    if let Some(description) = m["description"].as_str() {
        let _ = writeln!(out, "<p>{}</p>", escape(description.trim()));
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">Projection {first}–{last} · {} Monte Carlo paths · seed {} · baseline: <strong>{}</strong>{} · seqsim {}</p>",
        m["paths"],
        m["seed"],
        escape(&label_of(baseline)),
        m["baseline_law"].as_str().map_or_else(String::new, |law| format!(" ({})", escape(law))),
        escape(text(m, "version"))
    );
    let _ = writeln!(
        out,
        "<div class=\"note\"><strong>How to read this.</strong> Margins are operating margins (revenue minus costs, over revenue). \
         Each figure comes from {} simulated futures of the economy under each policy, all policies on the same futures, so differences between policies are paired. \
         Medians and 90% intervals (5th–95th percentile) describe the spread of outcomes; ± is the Monte Carlo standard error (the precision of the simulation, not the uncertainty of the future). \
         “Cash exhausted” means days of cash fell below the closure threshold in that year or earlier. \
         CO-253 is the remittance code of the Medicare sequestration cut. Inputs and their sources are listed at the end.</div>",
        m["paths"]
    );

    let _ = writeln!(out, "<h2>Practices</h2>");
    let practices = m["practices"].as_array().cloned().unwrap_or_default();
    for practice in &practices {
        let id = text(practice, "id");
        let _ = writeln!(
            out,
            "<h3>{} <span class=\"meta\">(<code>{}</code>, kind <code>{}</code>, stands for {} practices)</span></h3>",
            escape(text(practice, "name")),
            escape(id),
            escape(text(practice, "kind")),
            count(practice["count"].as_f64().unwrap_or_default())
        );
        let _ = writeln!(
            out,
            "<div class=\"table-wrap\"><table><thead><tr><th>Policy</th><th>Median margin {mid} (90% interval)</th><th>Median margin {last} (90% interval)</th><th>P(margin &lt; 0) {last}</th><th>P(cash exhausted by {last})</th></tr></thead><tbody>"
        );
        let policies = m["policies"].as_array().cloned().unwrap_or_default();
        for policy in &policies {
            let pname = text(policy, "name");
            let row = |year: i32| page.summary.iter().find(|r| r.practice == id && r.policy == pname && r.year == year);
            let (Some(mr), Some(fr)) = (row(mid), row(last)) else { continue };
            let interval = |r: &crate::engine::summary::SummaryRow| margin_interval(&r.margin_percentiles);
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(text(policy, "label")),
                interval(mr),
                interval(fr),
                probability(fr.p_negative, fr.p_negative_se),
                probability(fr.p_exhausted, fr.p_exhausted_se)
            );
        }
        let _ = writeln!(out, "</tbody></table></div>");
        let compares: Vec<&CompareRow> = page.compare.iter().filter(|c| c.practice == id && c.year == last).collect();
        if !compares.is_empty() {
            let _ = writeln!(
                out,
                "<div class=\"table-wrap\"><table><thead><tr><th>Against {} in {last}</th><th>Mean margin change (90% interval)</th><th>Change in P(cash exhausted)</th><th>Cumulative CO-253 change</th><th>Cash change</th><th>Largest yearly margin change</th></tr></thead><tbody>",
                escape(&label_of(baseline))
            );
            for c in compares {
                let largest = largest_margin_change(page.compare, &c.practice, &c.policy);
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    escape(&label_of(&c.policy)),
                    compare_cells(c, largest).join("</td><td>")
                );
            }
            let _ = writeln!(out, "</tbody></table></div>");
        }
        if let Some((_, charts)) = page.practice_charts.iter().find(|(p, _)| p == id) {
            for (svg, caption) in charts.iter().zip([
                "Fan chart: median margin (line), 50% band (dark) and 90% band (light) by policy; the black line is zero.",
                "Risk curves: share of simulated futures with cash exhausted by each year, and with a negative margin, with ±2 standard-error bars.",
            ]) {
                let _ = writeln!(out, "<figure>{}<figcaption>{caption}</figcaption></figure>", inline_svg(svg));
            }
        }
    }

    let _ = writeln!(out, "<h2>National totals</h2>");
    let _ = writeln!(out, "<p>Weighted by the number of real practices each archetype stands for.</p>");
    let _ = writeln!(
        out,
        "<figure>{}<figcaption>CO-253 dollars per year by kind under {}, and the cumulative dollars each policy keeps in practices.</figcaption></figure>",
        inline_svg(page.national_chart),
        escape(&label_of(baseline))
    );
    let mut kinds: Vec<&str> =
        m["kinds"].as_array().map(|ks| ks.iter().filter_map(|k| k.as_str()).collect()).unwrap_or_default();
    kinds.push("all");
    let _ = writeln!(
        out,
        "<div class=\"table-wrap\"><table><thead><tr><th>Policy</th><th>Kind</th><th>CO-253 in {last}</th><th>Cumulative CO-253 {first}–{last}</th><th>Practices in distress</th><th>Practices with cash exhausted</th></tr></thead><tbody>"
    );
    for policy in m["policies"].as_array().cloned().unwrap_or_default() {
        for kind in &kinds {
            if let Some(n) =
                page.national.iter().find(|n| n.kind == *kind && n.policy == text(&policy, "name") && n.year == last)
            {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(text(&policy, "label")),
                    escape(kind),
                    dollars_short(n.cut_total),
                    dollars_short(n.cut_cum_total),
                    count(n.n_distress),
                    count(n.n_exhausted)
                );
            }
        }
    }
    let _ = writeln!(out, "</tbody></table></div>");

    sources_and_manifest(&mut out, m, &[]);
    page_end(&mut out, m, name);
    out
}

/// The footer naming the run, and the end of the page.
pub(super) fn page_end(out: &mut String, m: &serde_json::Value, name: &str) {
    let _ = writeln!(
        out,
        "<footer>Scenario “{}” · SHA-256 <code>{}</code> · seed {} · {} paths · seqsim {}</footer>\n</main>\n</body>\n</html>",
        escape(name),
        escape(text(&m["scenario"], "sha256")),
        m["seed"],
        m["paths"],
        escape(text(m, "version"))
    );
}

/// The Sources list and the Manifest tables of a report page: the run's
/// provenance (with `extra` rows after the path count), the imported policy
/// files, and every file with its SHA-256.
pub(super) fn sources_and_manifest(out: &mut String, m: &serde_json::Value, extra: &[(&str, String)]) {
    let _ = writeln!(out, "<h2>Sources</h2><ul>");
    for source in m["sources"].as_array().cloned().unwrap_or_default() {
        let _ = writeln!(
            out,
            "<li><code>{}</code>: {}</li>",
            escape(text(&source, "path")),
            escape(text(&source, "source"))
        );
    }
    let _ = writeln!(out, "</ul>");
    let _ = writeln!(out, "<h2>Manifest</h2><div class=\"table-wrap\"><table><tbody>");
    for (key, value) in [
        ("Scenario file", text(&m["scenario"], "path").to_string()),
        ("Scenario SHA-256", text(&m["scenario"], "sha256").to_string()),
        ("Seed", m["seed"].to_string()),
        ("Paths", m["paths"].to_string()),
    ]
    .into_iter()
    .chain(extra.iter().map(|(key, value)| (*key, value.clone())))
    .chain([
        ("Baseline law", text(m, "baseline_law").to_string()),
        ("seqsim version", text(m, "version").to_string()),
        ("Started", text(m, "started").to_string()),
        ("Finished", text(m, "finished").to_string()),
    ]) {
        let _ = writeln!(out, "<tr><td>{key}</td><td><code>{}</code></td></tr>", escape(&value));
    }
    let _ = writeln!(out, "</tbody></table></div>");
    let imports = m["imports"].as_array().cloned().unwrap_or_default();
    if !imports.is_empty() {
        let _ = writeln!(
            out,
            "<div class=\"table-wrap\"><table><thead><tr><th>Imported policy file</th><th>Name</th><th>As of</th><th>SHA-256</th></tr></thead><tbody>"
        );
        for import in &imports {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                escape(text(import, "file")),
                escape(text(import, "name")),
                escape(text(import, "as_of")),
                escape(text(import, "sha256"))
            );
        }
        let _ = writeln!(out, "</tbody></table></div>");
    }
    let _ = writeln!(
        out,
        "<div class=\"table-wrap\"><table><thead><tr><th>File</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>"
    );
    for file in m["files"].as_array().cloned().unwrap_or_default() {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape(text(&file, "name")),
            file["bytes"],
            escape(text(&file, "sha256"))
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
}
