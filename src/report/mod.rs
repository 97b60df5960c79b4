//! Reports: turns ledger rows and Monte Carlo summaries into files and
//! terminal tables. The only layer that imports polars or writes files.
//!
//! Exporters sit side by side: `frame` (CSV, Parquet, JSON through polars),
//! `brief` (Markdown), `terminal` (tables on stdout), and the manifest here.

mod backtest_page;
mod brief;
pub mod calibration;
mod chart;
mod cohort_page;
pub mod format;
mod frame;
mod html;
pub mod output;
mod raster;
pub mod read;
pub mod shard;
pub mod terminal;
mod tilemap;

use std::path::Path;

use crate::engine::summary::Summary;
use crate::engine::Plan;
use crate::ledger::LedgerRow;
use crate::scenario::{Citation, ImportInfo};

pub use backtest_page::Inputs as BacktestInputs;
pub use output::{OutputError, Staging, WrittenFile};

/// Writes a chart as `NAME.svg` and, rasterised from it, `NAME.png`.
fn write_chart(staging: &mut Staging, svg_name: &str, svg: &str) -> Result<(), OutputError> {
    write_chart_as(staging, svg_name, svg, true)
}

/// Writes a chart as SVG and, if `png`, as PNG too.
fn write_chart_as(staging: &mut Staging, svg_name: &str, svg: &str, png: bool) -> Result<(), OutputError> {
    staging.write(svg_name, svg.as_bytes())?;
    if !png {
        return Ok(());
    }
    let png = raster::png(svg).map_err(|message| OutputError::Encode { name: svg_name.to_string(), message })?;
    staging.write(&svg_name.replace(".svg", ".png"), &png)
}

/// What every output carries: which scenario, seed, paths and tool made it,
/// and every source the scenario cites (MODEL.md §6).
#[derive(Clone, Debug)]
pub struct Provenance {
    /// `name:` of the scenario.
    pub scenario_name: String,
    /// The scenario file as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Seed (absent for the ledger).
    pub seed: Option<u64>,
    /// Paths (absent for the ledger).
    pub paths: Option<u64>,
    /// seqsim's version.
    pub version: String,
    /// Every `source:` in the scenario and its imported policy files.
    pub sources: Vec<Citation>,
    /// The policy files the scenario imports.
    pub imports: Vec<ImportInfo>,
    /// "`<name> as of <as_of>`" of the imported law the baseline stands on.
    pub baseline_law: Option<String>,
}

impl Provenance {
    /// The one-line footer of human-readable outputs.
    pub fn footer(&self) -> String {
        let mut parts =
            vec![format!("Scenario “{}”", self.scenario_name), format!("file SHA-256 `{}`", self.scenario_sha256)];
        if let Some(seed) = self.seed {
            parts.push(format!("seed {seed}"));
        }
        if let Some(paths) = self.paths {
            parts.push(format!("{paths} paths"));
        }
        parts.push(format!("seqsim {}", self.version));
        parts.join(" · ")
    }

    fn parquet_metadata(&self) -> Vec<(String, String)> {
        let sources = serde_json::to_string(
            &self.sources.iter().map(|s| serde_json::json!({"path": s.path, "source": s.text})).collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        let mut metadata = vec![
            ("seqsim.scenario".to_string(), self.scenario_name.clone()),
            ("seqsim.scenario_sha256".to_string(), self.scenario_sha256.clone()),
            ("seqsim.version".to_string(), self.version.clone()),
            ("seqsim.sources".to_string(), sources),
        ];
        if let Some(seed) = self.seed {
            metadata.push(("seqsim.seed".to_string(), seed.to_string()));
        }
        if let Some(paths) = self.paths {
            metadata.push(("seqsim.paths".to_string(), paths.to_string()));
        }
        metadata
    }
}

fn encode<T>(name: &str, result: polars::prelude::PolarsResult<T>) -> Result<T, OutputError> {
    result.map_err(|e| OutputError::Encode { name: name.to_string(), message: e.to_string() })
}

/// The ledger as CSV bytes (MODEL.md §6 columns, then provenance).
pub fn ledger_csv(rows: &[LedgerRow], provenance: &Provenance) -> Result<Vec<u8>, OutputError> {
    let mut frame = encode("ledger", frame::ledger(rows, provenance))?;
    encode("ledger.csv", frame::csv_bytes(&mut frame))
}

/// Writes a table in CSV, Parquet and JSON.
fn write_table(
    staging: &mut Staging,
    stem: &str,
    frame: polars::prelude::PolarsResult<polars::prelude::DataFrame>,
    provenance: &Provenance,
) -> Result<(), OutputError> {
    let mut frame = encode(stem, frame)?;
    staging.write(&format!("{stem}.csv"), &encode(stem, frame::csv_bytes(&mut frame))?)?;
    staging.write(
        &format!("{stem}.parquet"),
        &encode(stem, frame::parquet_bytes(&mut frame, provenance.parquet_metadata()))?,
    )?;
    staging.write(&format!("{stem}.json"), &encode(stem, frame::json_bytes(&mut frame))?)
}

/// Run timing recorded in the manifest.
#[derive(Clone, Debug)]
pub struct RunTimes {
    /// Start, UTC.
    pub started: String,
    /// End, UTC.
    pub finished: String,
}

/// Writes every output of `seqsim run` into `staging`: the three tables in
/// three formats (and `attribution` when some policy has a `base:`), `brief.md`, the charts (SVG, and PNG if `png`), and
/// `manifest.json` (last, listing the others).
#[allow(clippy::too_many_arguments)]
pub fn write_run(
    staging: &mut Staging,
    plan: &Plan,
    summary: &Summary,
    attribution: &[crate::analysis::AttributionRow],
    provenance: &Provenance,
    description: Option<&str>,
    times: &RunTimes,
    extra_manifest: serde_json::Value,
    png: bool,
) -> Result<(), OutputError> {
    write_table(staging, "summary", frame::summary(&summary.summary, provenance), provenance)?;
    write_table(staging, "compare", frame::compare(&summary.compare, provenance), provenance)?;
    write_table(staging, "national", frame::national(&summary.national, provenance), provenance)?;
    if !attribution.is_empty() {
        write_table(staging, "attribution", frame::attribution(attribution, provenance), provenance)?;
    }
    staging.write("brief.md", brief::render(plan, summary, provenance, description).as_bytes())?;
    let meta = run_meta(plan, description);
    for (name, svg) in charts(&meta, &summary.summary, &summary.national, provenance)? {
        write_chart_as(staging, &name, &svg, png)?;
    }
    let mut extra = extra_manifest;
    if let (Some(object), serde_json::Value::Object(more)) = (extra.as_object_mut(), meta) {
        object.extend(more);
    }
    write_manifest(staging, provenance, times, extra)
}

/// What the report page and charts need to know about the run beyond its
/// tables: practices, policies with labels, the baseline, kinds.
fn run_meta(plan: &Plan, description: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "description": description,
        "start_year": plan.start_year,
        "years": plan.years,
        "baseline": plan.policies[plan.baseline].name,
        "kinds": plan.kinds,
        "policies": plan.policies.iter().map(|p| serde_json::json!({"name": p.name, "label": p.label})).collect::<Vec<_>>(),
        "practices": plan.practices.iter().map(|p| serde_json::json!({"id": p.id, "name": p.name, "kind": p.kind, "count": p.count})).collect::<Vec<_>>(),
    })
}

fn meta_list(meta: &serde_json::Value, key: &str, field: &str) -> Vec<String> {
    meta[key].as_array().map_or_else(Vec::new, |items| {
        items
            .iter()
            .filter_map(|i| if field.is_empty() { i.as_str() } else { i[field].as_str() })
            .map(str::to_string)
            .collect()
    })
}

/// Every chart of a run: `charts/fan_<id>.svg`, `charts/risk_<id>.svg` per
/// practice and `charts/national.svg`.
fn charts(
    meta: &serde_json::Value,
    summary: &[crate::engine::summary::SummaryRow],
    national: &[crate::engine::summary::NationalRow],
    provenance: &Provenance,
) -> Result<Vec<(String, String)>, OutputError> {
    let policies: Vec<(String, String)> =
        meta_list(meta, "policies", "name").into_iter().zip(meta_list(meta, "policies", "label")).collect();
    let mut out = Vec::new();
    for id in meta_list(meta, "practices", "id") {
        out.push((format!("charts/fan_{id}.svg"), chart::fan(summary, &id, &policies, provenance)?));
        out.push((format!("charts/risk_{id}.svg"), chart::risk(summary, &id, &policies, provenance)?));
    }
    let baseline = meta["baseline"].as_str().unwrap_or_default();
    out.push((
        "charts/national.svg".to_string(),
        chart::national(national, baseline, &policies, &meta_list(meta, "kinds", ""), provenance)?,
    ));
    Ok(out)
}

/// Why `seqsim report` failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The results could not be read.
    #[error(transparent)]
    Read(#[from] read::ReadError),
    /// Output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Redraws a results directory's charts (into `dir/charts/`) and writes the
/// self-contained report page to `page`: the archetype page or, when the
/// manifest has a `cohort` field, the cohort page.
pub fn write_report(dir: &Path, page: &Path) -> Result<(), ReportError> {
    let manifest = read::manifest(dir)?;
    match read::run_kind(dir, &manifest)? {
        read::RunKind::Archetypes => write_archetype_report(dir, page),
        read::RunKind::Cohort => write_cohort_report(dir, page),
    }
}

/// The provenance a results directory's manifest records.
fn recorded_provenance(m: &serde_json::Value) -> Provenance {
    Provenance {
        scenario_name: m["scenario"]["name"].as_str().unwrap_or_default().to_string(),
        scenario_path: m["scenario"]["path"].as_str().unwrap_or_default().to_string(),
        scenario_sha256: m["scenario"]["sha256"].as_str().unwrap_or_default().to_string(),
        seed: m["seed"].as_u64(),
        paths: m["paths"].as_u64(),
        version: m["version"].as_str().unwrap_or_default().to_string(),
        sources: Vec::new(),
        imports: Vec::new(),
        baseline_law: m["baseline_law"].as_str().map(str::to_string),
    }
}

/// Writes `(name, svg)` charts under `dir` (`name` starts with `charts/`),
/// each as SVG and PNG.
fn write_report_charts(dir: &Path, charts: &[(String, String)]) -> Result<(), OutputError> {
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|source| OutputError::Io {
        path: chart_dir.clone(),
        action: "cannot create directory",
        source,
    })?;
    for (name, svg) in charts {
        output::write_atomic(&dir.join(name), svg.as_bytes())?;
        let png = raster::png(svg).map_err(|message| OutputError::Encode { name: name.clone(), message })?;
        output::write_atomic(&dir.join(name.replace(".svg", ".png")), &png)?;
    }
    Ok(())
}

fn write_archetype_report(dir: &Path, page: &Path) -> Result<(), ReportError> {
    let results = read::results(dir)?;
    let m = &results.manifest;
    let provenance = recorded_provenance(m);
    let charts = charts(m, &results.summary, &results.national, &provenance)?;
    write_report_charts(dir, &charts)?;
    let find = |name: String| charts.iter().find(|(n, _)| *n == name).map(|(_, svg)| svg.clone()).unwrap_or_default();
    let practice_charts: Vec<(String, Vec<String>)> = meta_list(m, "practices", "id")
        .into_iter()
        .map(|id| {
            let svgs = vec![find(format!("charts/fan_{id}.svg")), find(format!("charts/risk_{id}.svg"))];
            (id, svgs)
        })
        .collect();
    let national_chart = find("charts/national.svg".to_string());
    let html = html::render(&html::Page {
        manifest: m,
        summary: &results.summary,
        compare: &results.compare,
        national: &results.national,
        practice_charts: &practice_charts,
        national_chart: &national_chart,
    });
    output::write_atomic(page, html.as_bytes())?;
    Ok(())
}

/// The cohort page: share charts (`charts/share_negative.svg`,
/// `charts/share_exhausted.svg`) and, with `--by state`, the state maps
/// (`charts/map_exhausted.svg`, `charts/map_negative.svg`).
fn write_cohort_report(dir: &Path, page: &Path) -> Result<(), ReportError> {
    let results = read::cohort_results(dir)?;
    let provenance = recorded_provenance(&results.manifest);
    let policies = cohort_page::policies(&results);
    let baseline = cohort_page::baseline(&results, &policies);
    let baseline_label =
        policies.iter().find(|(n, _)| *n == baseline).map_or_else(|| baseline.clone(), |(_, l)| l.clone());
    let mut charts = Vec::new();
    for (name, share) in
        [("charts/share_negative.svg", chart::Share::Negative), ("charts/share_exhausted.svg", chart::Share::Exhausted)]
    {
        charts.push((name.to_string(), chart::cohort_share(&results.totals, share, &policies, &provenance)?));
    }
    let (first, last) = cohort_page::year_span(&results.totals);
    let mut maps = Vec::new();
    if let Some(states) = cohort_page::by_state(&results, &baseline, last) {
        let caption = chart::caption(&provenance);
        let share = |n: f64, of: f64| if of > 0.0 { n / of } else { f64::NAN };
        for (name, what, exhausted) in [
            ("charts/map_exhausted.svg", "with cash exhausted", true),
            ("charts/map_negative.svg", "in the red (margin below zero)", false),
        ] {
            let values: Vec<(String, f64)> = states
                .iter()
                .map(|s| (s.state.clone(), share(if exhausted { s.n_exhausted } else { s.n_negative }, s.facilities)))
                .collect();
            let top = values
                .iter()
                .filter(|(c, _)| tilemap::on_map(c))
                .map(|(_, v)| *v)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            let title = format!("Share of facilities {what} in {last}, {baseline_label}");
            let svg = tilemap::render(&tilemap::Map {
                title: &title,
                legend: &format!("facilities {what}, % of the state's facilities in the cohort"),
                values: &values,
                scale_max: tilemap::nice_ceiling(top),
                format: cohort_page::tile_share,
                caption: &caption,
            });
            let figure_caption = format!(
                "{title}: expected facilities {what} over the state's facilities in the cohort, one tile per state (grey: no facility of the cohort). Projection {first}–{last}."
            );
            charts.push((name.to_string(), svg.clone()));
            maps.push((svg, figure_caption));
        }
    }
    write_report_charts(dir, &charts)?;
    let share_charts: Vec<String> = charts.iter().take(2).map(|(_, svg)| svg.clone()).collect();
    let html = cohort_page::render(&cohort_page::Page {
        results: &results,
        policies: &policies,
        baseline: &baseline,
        share_charts: &share_charts,
        maps: &maps,
    });
    output::write_atomic(page, html.as_bytes())?;
    Ok(())
}

/// What `seqsim report` needs to know about a cohort run beyond its tables:
/// the baseline, the policies with their labels, the years and kinds.
fn cohort_meta(plan: &Plan) -> serde_json::Value {
    serde_json::json!({
        "start_year": plan.start_year,
        "years": plan.years,
        "baseline": plan.policies.get(plan.baseline).map(|p| p.name.clone()),
        "kinds": plan.kinds,
        "policies": plan.policies.iter().map(|p| serde_json::json!({"name": p.name, "label": p.label})).collect::<Vec<_>>(),
    })
}

/// Writes `manifest.json` listing every file written so far with its SHA-256.
pub fn write_manifest(
    staging: &mut Staging,
    provenance: &Provenance,
    times: &RunTimes,
    extra: serde_json::Value,
) -> Result<(), OutputError> {
    let manifest = manifest_value(staging, provenance, times, extra);
    let bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| OutputError::Encode { name: "manifest.json".into(), message: e.to_string() })?;
    staging.write("manifest.json", &bytes)
}

/// The manifest of the files written so far (see [`write_manifest`]).
fn manifest_value(
    staging: &Staging,
    provenance: &Provenance,
    times: &RunTimes,
    extra: serde_json::Value,
) -> serde_json::Value {
    let files: Vec<serde_json::Value> = staging
        .written()
        .iter()
        .map(|f| serde_json::json!({"name": f.name, "sha256": f.sha256, "bytes": f.bytes}))
        .collect();
    let mut manifest = serde_json::json!({
        "tool": "seqsim",
        "version": provenance.version,
        "scenario": {
            "name": provenance.scenario_name,
            "path": provenance.scenario_path,
            "sha256": provenance.scenario_sha256,
        },
        "seed": provenance.seed,
        "paths": provenance.paths,
        "started": times.started,
        "finished": times.finished,
        "files": files,
        "imports": provenance.imports.iter().map(|i| serde_json::json!({"file": i.file, "name": i.name, "as_of": i.as_of.to_string(), "sha256": i.sha256})).collect::<Vec<_>>(),
        "baseline_law": provenance.baseline_law,
        "sources": provenance.sources.iter().map(|s| serde_json::json!({"path": s.path, "source": s.text})).collect::<Vec<_>>(),
    });
    if let (Some(object), serde_json::Value::Object(more)) = (manifest.as_object_mut(), extra) {
        object.extend(more);
    }
    manifest
}

/// Writes a backtest: `backtest.csv` (per hospital), `backtest_summary.csv`
/// (by kind and over all), `backtest_unmatched.csv`, the PIT and
/// share-in-the-red charts (SVG and PNG), `brief.md`, `manifest.json`, and
/// `report.html` (after the manifest, like `seqsim report`).
pub fn write_backtest(
    staging: &mut Staging,
    backtest: &crate::backtest::Backtest,
    inputs: &BacktestInputs,
    provenance: &Provenance,
    times: &RunTimes,
) -> Result<(), OutputError> {
    let tables = [
        ("backtest.csv", frame::backtest_hospitals(&backtest.hospitals, provenance)),
        ("backtest_summary.csv", frame::backtest_summary(&backtest.summary, provenance)),
        ("backtest_unmatched.csv", frame::backtest_unmatched(&backtest.unmatched, provenance)),
    ];
    for (name, frame) in tables {
        let mut frame = encode(name, frame)?;
        staging.write(name, &encode(name, frame::csv_bytes(&mut frame))?)?;
    }
    let all = backtest.summary.iter().find(|l| l.group == crate::backtest::ALL);
    let mut charts = Vec::new();
    if let Some(all) = all {
        charts.push(("backtest_pit.svg", chart::pit_histogram(all, backtest.year, provenance)?));
    }
    charts.push((
        "backtest_share_negative.svg",
        chart::backtest_share_negative(&backtest.summary, backtest.year, provenance)?,
    ));
    for (name, svg) in &charts {
        write_chart(staging, name, svg)?;
    }
    staging.write("brief.md", backtest_page::brief(backtest, inputs, provenance).as_bytes())?;
    let extra = serde_json::json!({
        "run": "backtest",
        "backtest": {
            "year": backtest.year,
            "base_year": inputs.base_year,
            "cohort": inputs.cohort_file,
            "later": {"file": inputs.later_file, "sha256": inputs.later_sha256},
            "matched": backtest.hospitals.len(),
            "unmatched": backtest.unmatched.len(),
            "share_paths": backtest.share_paths,
        },
    });
    let manifest = manifest_value(staging, provenance, times, extra);
    let bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| OutputError::Encode { name: "manifest.json".into(), message: e.to_string() })?;
    staging.write("manifest.json", &bytes)?;
    let svgs: Vec<String> = charts.into_iter().map(|(_, svg)| svg).collect();
    let page = backtest_page::page(backtest, inputs, &manifest, &svgs, &provenance.scenario_name);
    staging.write("report.html", page.as_bytes())
}

/// Writes the ledger CSV to `path` atomically.
pub fn write_ledger_csv(path: &Path, rows: &[LedgerRow], provenance: &Provenance) -> Result<WrittenFile, OutputError> {
    output::write_atomic(path, &ledger_csv(rows, provenance)?)
}

/// Writes a sweep's outputs: `sweep.csv`, the sweep chart, `breakeven.csv`
/// when a target was given, and the manifest.
#[allow(clippy::too_many_arguments)]
pub fn write_sweep(
    staging: &mut Staging,
    rows: &[crate::analysis::SweepRow],
    values: &[f64],
    practices: &[String],
    chart_year: i32,
    lever: &str,
    breakeven: Option<(&[crate::analysis::BreakEven], &str)>,
    provenance: &Provenance,
    times: &RunTimes,
    extra: serde_json::Value,
) -> Result<(), OutputError> {
    let mut frame = encode("sweep", frame::sweep(rows, values, provenance))?;
    staging.write("sweep.csv", &encode("sweep.csv", frame::csv_bytes(&mut frame))?)?;
    write_chart(staging, "sweep.svg", &chart::sweep(rows, values, practices, chart_year, lever, provenance)?)?;
    if let Some((results, target)) = breakeven {
        let mut frame = encode("breakeven", frame::breakeven(results, lever, target, provenance))?;
        staging.write("breakeven.csv", &encode("breakeven.csv", frame::csv_bytes(&mut frame))?)?;
    }
    write_manifest(staging, provenance, times, extra)
}

/// Writes a sensitivity analysis: `tornado.csv`, `tornado.md` and one
/// tornado chart per practice, then the manifest.
pub fn write_tornado(
    staging: &mut Staging,
    rows: &[crate::analysis::TornadoRow],
    metric: &str,
    year: i32,
    provenance: &Provenance,
    times: &RunTimes,
    extra: serde_json::Value,
) -> Result<(), OutputError> {
    let mut frame = encode("tornado", frame::tornado(rows, provenance))?;
    staging.write("tornado.csv", &encode("tornado.csv", frame::csv_bytes(&mut frame))?)?;
    let percent = metric.starts_with("margin") || metric.starts_with("p_");
    let show = |v: f64| if percent { format::percent(v) } else { format!("{v:.4}") };
    let mut markdown = format!("# What moves {metric} in {year}\n\nDrivers: the metric with the driver held at its 10th and 90th percentile while every other driver varies (same simulated paths). Levers: the baseline against each policy.\n");
    let mut practices: Vec<&str> = Vec::new();
    for row in rows {
        if !practices.contains(&row.practice.as_str()) {
            practices.push(&row.practice);
        }
    }
    for practice in &practices {
        let bars: Vec<&crate::analysis::TornadoRow> = rows.iter().filter(|r| r.practice == *practice).collect();
        markdown
            .push_str(&format!("\n## {practice}\n\n| Factor | Type | Low | High | Swing |\n|---|---|---|---|---|\n"));
        for r in &bars {
            let swing = if percent { format!("{:.2} pp", r.swing * 100.0) } else { format!("{:.4}", r.swing) };
            markdown.push_str(&format!(
                "| {} | {} | {} | {} | {swing} |\n",
                r.factor,
                r.factor_type,
                show(r.low),
                show(r.high)
            ));
        }
        write_chart(
            staging,
            &format!("tornado_{practice}.svg"),
            &chart::tornado(&bars, practice, metric, year, provenance)?,
        )?;
    }
    markdown.push_str(&format!("\n---\n\n{}\n", provenance.footer()));
    staging.write("tornado.md", markdown.as_bytes())?;
    write_manifest(staging, provenance, times, extra)
}

/// Writes a cohort run: `facilities.{csv,parquet}`, `groups.{csv,parquet}`
/// (with `--by`), the national table, a short brief and the manifest.
/// Per-facility percentiles are not kept (memory stays proportional to
/// facilities x years x policies); percentiles are reported per group.
#[allow(clippy::too_many_arguments)]
pub fn write_cohort_run(
    staging: &mut Staging,
    plan: &Plan,
    summary: &Summary,
    groups: &[crate::engine::summary::GroupRow],
    by: &[String],
    provenance: &Provenance,
    times: &RunTimes,
    extra: serde_json::Value,
) -> Result<(), OutputError> {
    let attributes: Vec<(String, Vec<(String, String)>)> =
        plan.practices.iter().map(|p| (p.id.clone(), p.attributes.clone())).collect();
    let mut frame = encode("facilities", frame::facilities(&summary.summary, &attributes, provenance))?;
    staging.write("facilities.csv", &encode("facilities.csv", frame::csv_bytes(&mut frame))?)?;
    staging.write(
        "facilities.parquet",
        &encode("facilities.parquet", frame::parquet_bytes(&mut frame, provenance.parquet_metadata()))?,
    )?;
    if !by.is_empty() {
        let mut frame = encode("groups", frame::groups(groups, by, provenance))?;
        staging.write("groups.csv", &encode("groups.csv", frame::csv_bytes(&mut frame))?)?;
        staging.write(
            "groups.parquet",
            &encode("groups.parquet", frame::parquet_bytes(&mut frame, provenance.parquet_metadata()))?,
        )?;
    }
    write_table(staging, "national", frame::national(&summary.national, provenance), provenance)?;
    staging.write("brief.md", brief::cohort(plan, summary, groups, by, provenance).as_bytes())?;
    let mut extra = extra;
    if let (Some(object), serde_json::Value::Object(more)) = (extra.as_object_mut(), cohort_meta(plan)) {
        for (key, value) in more {
            object.entry(key).or_insert(value);
        }
    }
    write_manifest(staging, provenance, times, extra)
}
