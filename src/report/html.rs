//! `report.html`: one self-contained page with the brief's tables, the
//! charts inlined as SVG, the sources, the manifest and a note on how to read
//! it. No scripts, no fonts, no network requests; a print stylesheet and a
//! layout that reflows to a phone's width.

use std::fmt::Write;

use crate::engine::summary::{CompareRow, NationalRow, SummaryRow};

use super::record::{Archetypes, RunRecord};
use super::table;

/// What the page is built from: the run's record and tables, and the charts.
pub struct Page<'a> {
    /// The run record (`manifest.json`).
    pub record: &'a RunRecord,
    /// The archetype run it describes.
    pub run: &'a Archetypes,
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
    /// Each policy read with and without cost responses (`run --both-readings`; else empty).
    pub readings: &'a [crate::analysis::ReadingRow],
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

/// A number of the record as the manifest writes it (`null` when absent).
pub(super) fn number(value: Option<u64>) -> String {
    value.map_or_else(|| "null".to_string(), |v| v.to_string())
}

/// The page's head (title and style) and the opening of its body.
pub(super) fn page_start(out: &mut String, title: &str, style: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{style}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    );
}

/// ` (<law>)` after the baseline when it stands on an imported law.
pub(super) fn law(record: &RunRecord) -> String {
    record.baseline_law.as_ref().map_or_else(String::new, |law| format!(" ({})", escape(law)))
}

/// Renders the page.
pub fn render(page: &Page<'_>) -> String {
    let record = page.record;
    let projection = &page.run.projection;
    let name = &record.scenario.name;
    let baseline = projection.label(&projection.baseline);
    let (first, last) = (projection.start_year, projection.last_year());
    let mut out = String::new();
    page_start(&mut out, &format!("{name} — seqsim report"), STYLE);
    let _ = writeln!(out, "<h1>{}</h1>", escape(name));
    if let Some(description) = &projection.description {
        let _ = writeln!(out, "<p>{}</p>", escape(description.trim()));
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">Projection {first}–{last} · {} Monte Carlo paths · seed {} · baseline: <strong>{}</strong>{} · seqsim {}</p>",
        number(record.paths),
        number(record.seed),
        escape(baseline),
        law(record),
        escape(&record.version)
    );
    let _ = writeln!(
        out,
        "<div class=\"note\"><strong>How to read this.</strong> Margins are revenue minus costs, over revenue; a hospital's revenue includes its other income (grants, appropriations, investment income), so its margin is the total margin of the cost reports, and a physician practice's margin is before physician pay. \
         Each figure comes from {} simulated futures of the economy under each policy, all policies on the same futures, so differences between policies are paired. \
         Medians and 90% intervals (5th–95th percentile) describe the spread of outcomes; ± is the Monte Carlo standard error (the precision of the simulation, not the uncertainty of the future). \
         “Cash exhausted” means days of cash fell below the closure threshold in that year or earlier. \
         CO-253 is the remittance code of the Medicare sequestration cut. Inputs and their sources are listed at the end.</div>",
        number(record.paths)
    );

    let _ = writeln!(out, "<h2>Practices</h2>");
    for practice in &page.run.practices {
        let id = &practice.id;
        let _ = writeln!(
            out,
            "<h3>{} <span class=\"meta\">(<code>{}</code>, kind <code>{}</code>, stands for {})</span></h3>",
            escape(&practice.name),
            escape(id),
            escape(&practice.kind),
            super::format::stands_for(practice.count)
        );
        out.push_str(&table::practice(projection, page.summary, id).html());
        if let Some(mut versus) = table::versus_baseline(projection, page.compare, id) {
            versus.header[0] = format!("Against {baseline} in {last}");
            out.push_str(&versus.html());
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
        escape(baseline)
    );
    out.push_str(&table::national(projection, page.national).html());
    if !page.readings.is_empty() {
        let _ = writeln!(out, "<h2>Two readings of each policy</h2>");
        let _ = writeln!(out, "<p>{}</p>", escape(table::READINGS_NOTE));
        match table::readings(page.run, page.readings) {
            Some(readings) => out.push_str(&readings.html()),
            None => {
                let _ = writeln!(out, "<p>No policy moves any practice's margin or spending.</p>");
            }
        }
    }

    sources_and_manifest(&mut out, record, &[]);
    page_end(&mut out, record);
    out
}

/// The footer naming the run, and the end of the page.
pub(super) fn page_end(out: &mut String, record: &RunRecord) {
    let _ = writeln!(
        out,
        "<footer>Scenario “{}” · SHA-256 <code>{}</code> · seed {} · {} paths · seqsim {}</footer>\n</main>\n</body>\n</html>",
        escape(&record.scenario.name),
        escape(&record.scenario.sha256),
        number(record.seed),
        number(record.paths),
        escape(&record.version)
    );
}

/// The Sources list and the Manifest tables of a report page: the run's
/// provenance (with `extra` rows after the path count), the imported policy
/// files, and every file with its SHA-256.
pub(super) fn sources_and_manifest(out: &mut String, record: &RunRecord, extra: &[(&str, String)]) {
    let _ = writeln!(out, "<h2>Sources</h2><ul>");
    for source in &record.sources {
        let _ = writeln!(out, "<li><code>{}</code>: {}</li>", escape(&source.path), escape(&source.source));
    }
    let _ = writeln!(out, "</ul>");
    let _ = writeln!(out, "<h2>Manifest</h2><div class=\"table-wrap\"><table><tbody>");
    for (key, value) in [
        ("Scenario file", record.scenario.path.clone()),
        ("Scenario SHA-256", record.scenario.sha256.clone()),
        ("Seed", number(record.seed)),
        ("Paths", number(record.paths)),
    ]
    .into_iter()
    .chain(extra.iter().map(|(key, value)| (*key, value.clone())))
    .chain([
        ("Baseline law", record.baseline_law.clone().unwrap_or_default()),
        ("seqsim version", record.version.clone()),
        ("Started", record.started.clone()),
        ("Finished", record.finished.clone()),
    ]) {
        let _ = writeln!(out, "<tr><td>{key}</td><td><code>{}</code></td></tr>", escape(&value));
    }
    let _ = writeln!(out, "</tbody></table></div>");
    if !record.imports.is_empty() {
        let _ = writeln!(
            out,
            "<div class=\"table-wrap\"><table><thead><tr><th>Imported policy file</th><th>Name</th><th>As of</th><th>SHA-256</th></tr></thead><tbody>"
        );
        for import in &record.imports {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                escape(&import.file),
                escape(&import.name),
                escape(&import.as_of),
                escape(&import.sha256)
            );
        }
        let _ = writeln!(out, "</tbody></table></div>");
    }
    let _ = writeln!(
        out,
        "<div class=\"table-wrap\"><table><thead><tr><th>File</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>"
    );
    for file in &record.files {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape(&file.name),
            file.bytes,
            escape(&file.sha256)
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
}
