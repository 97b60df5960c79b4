//! Reports: turns ledger rows and Monte Carlo summaries into files and
//! terminal tables. The only layer that imports polars or writes files.
//!
//! `record` is the run record (`manifest.json`); every human-readable output
//! is a renderer of it and typed rows, one file per format: `frame` (CSV,
//! Parquet, JSON through polars), `table` (the table model, as Markdown or
//! HTML), `brief` and `tornado` (Markdown), `html`, `cohort_page` and
//! `backtest_page` (report pages), `chart` and `tilemap` (SVG), `xlsx`
//! (`evidence.xlsx`), `terminal` (tables on stdout). This file writes each command's outputs in order,
//! the manifest last.

mod backtest_page;
mod brief;
pub mod calibration;
pub mod calibration_dynamics;
mod chart;
mod cohort_page;
pub mod format;
mod frame;
mod html;
pub mod output;
pub mod pipeline;
mod raster;
pub mod read;
mod record;
pub mod shard;
pub mod state_page;
mod table;
pub mod terminal;
mod tilemap;
pub use tilemap::state_name;
mod tornado;
mod xlsx;

use std::path::Path;

use crate::engine::summary::{NationalRow, Summary, SummaryRow};
use crate::engine::Plan;
use crate::ledger::LedgerRow;
use crate::scenario::{Citation, ImportInfo};

pub use backtest_page::Inputs as BacktestInputs;
pub use chart::ChartError;
pub use html::escape as html_escape;
pub use output::{OutputError, Staging, WrittenFile};
pub use raster::RasterError;
pub use record::{
    Archetypes, BacktestRecord, CohortRecord, CohortRun, LaterRelease, Merged, PrecisionRecord, Projection,
    RecordError, RunKind, RunRecord, RunTimes, SensitivityRecord, SweepRecord,
};

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
    let png = raster::png(svg).map_err(|source| OutputError::Raster { name: svg_name.to_string(), source })?;
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
    let mut frame = write_csv_parquet(staging, stem, frame, provenance)?;
    staging.write(&format!("{stem}.json"), &encode(stem, frame::json_bytes(&mut frame))?)
}

/// What the command line knows about a projection beyond its plan.
#[derive(Clone, Debug)]
pub struct RunFacts {
    /// The scenario's `description:`.
    pub description: Option<String>,
    /// Model evaluations.
    pub evaluations: u64,
    /// Worker threads (`None` for a merge).
    pub threads: Option<usize>,
    /// `run --precision` and its outcome.
    pub precision: Option<PrecisionRecord>,
    /// The shard files, when the run was merged from shards.
    pub merged_shards: Option<Vec<String>>,
    /// The track record beside the cohort table, when there is one.
    pub track_record: Option<crate::backtest::track_record::TrackRecord>,
}

impl RunFacts {
    fn projection(&self, plan: &Plan) -> Projection {
        Projection {
            precision: self.precision.clone(),
            ..Projection::of(plan, self.description.as_deref(), self.evaluations, self.threads)
        }
    }
}

/// The tables of an archetype run.
pub struct RunTables<'a> {
    /// The plan that was run.
    pub plan: &'a Plan,
    /// Its summary.
    pub summary: &'a Summary,
    /// Each policy against its own base (empty without stacked reforms).
    pub attribution: &'a [crate::analysis::AttributionRow],
    /// Also write the charts as PNG.
    pub png: bool,
    /// Each policy's effect with and without cost responses (empty unless asked).
    pub readings: &'a [crate::analysis::ReadingRow],
}

/// Writes every output of `seqsim run` into `staging`: the three tables in
/// three formats (and `attribution` when some policy has a `base:`),
/// `brief.md`, the charts (SVG, and PNG if `png`), `evidence.xlsx` and
/// `manifest.json` (last, listing the others); returns the run record.
pub fn write_run(
    staging: &mut Staging,
    tables: &RunTables<'_>,
    facts: RunFacts,
    provenance: &Provenance,
    times: &RunTimes,
) -> Result<RunRecord, OutputError> {
    let RunTables { plan, summary, attribution, png, readings } = *tables;
    write_table(staging, "summary", frame::summary(&summary.summary, provenance), provenance)?;
    write_table(staging, "compare", frame::compare(&summary.compare, provenance), provenance)?;
    write_table(staging, "national", frame::national(&summary.national, provenance), provenance)?;
    if !attribution.is_empty() {
        write_table(staging, "attribution", frame::attribution(attribution, provenance), provenance)?;
    }
    if !readings.is_empty() {
        write_table(staging, "readings", frame::readings(readings, provenance), provenance)?;
    }
    let run = Archetypes::of(facts.projection(plan), plan);
    let record = RunRecord::new(provenance, times, RunKind::Run(run.clone()));
    staging.write("brief.md", brief::render(&record, &run, summary, readings).as_bytes())?;
    for (name, svg) in charts(&run, &summary.summary, &summary.national, provenance)? {
        write_chart_as(staging, &name, &svg, png)?;
    }
    let kind = match facts.merged_shards {
        Some(merged_shards) => RunKind::Merge(Merged { merged_shards, run: run.clone() }),
        None => RunKind::Run(run.clone()),
    };
    let record = RunRecord { run: kind, ..record };
    let workbook = xlsx::archetypes(&record.clone().with_files(staging.written()), &run, summary, readings);
    staging.write(EVIDENCE_XLSX, &workbook.map_err(xlsx_error)?)?;
    write_manifest(staging, record)
}

/// The backtest's track record (see [`crate::backtest::track_record`]).
pub const TRACK_RECORD: &str = "track_record.json";

/// Reads a track record written by `seqsim backtest` (copied beside a
/// cohort table as `COHORT.track_record.json`).
pub fn read_track_record(path: &Path) -> Result<crate::backtest::track_record::TrackRecord, ReportError> {
    let bytes = std::fs::read(path).map_err(|source| {
        ReportError::Output(OutputError::Io {
            path: path.to_path_buf(),
            action: "cannot read the track record",
            source,
        })
    })?;
    serde_json::from_slice(&bytes).map_err(|source| ReportError::TrackRecord { path: path.to_path_buf(), source })
}

/// The evidence workbook's file name.
const EVIDENCE_XLSX: &str = "evidence.xlsx";

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> OutputError {
    OutputError::Encode { name: EVIDENCE_XLSX.to_string(), message: error.to_string() }
}

/// Every chart of a run: `charts/fan_<id>.svg`, `charts/risk_<id>.svg` per
/// practice and `charts/national.svg`.
fn charts(
    run: &Archetypes,
    summary: &[SummaryRow],
    national: &[NationalRow],
    provenance: &Provenance,
) -> Result<Vec<(String, String)>, OutputError> {
    let projection = &run.projection;
    let policies = projection.policy_labels();
    let mut out = Vec::new();
    for id in run.practices.iter().map(|p| &p.id) {
        out.push((format!("charts/fan_{id}.svg"), chart::fan(summary, id, &policies, provenance)?));
        out.push((format!("charts/risk_{id}.svg"), chart::risk(summary, id, &policies, provenance)?));
    }
    out.push((
        "charts/national.svg".to_string(),
        chart::national(national, &projection.baseline, &policies, &projection.kinds, provenance)?,
    ));
    Ok(out)
}

/// Why `seqsim report` failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The manifest could not be read as a run record.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The directory was written by a command whose results have no page.
    #[error(
        "{}: written by `{command}`, which has no report page; `seqsim report` reads directories written by \
         `seqsim run` or `seqsim merge`", .dir.display()
    )]
    NoPage {
        /// The results directory.
        dir: std::path::PathBuf,
        /// The command that wrote it.
        command: &'static str,
    },
    /// The results could not be read.
    #[error(transparent)]
    Read(#[from] read::ReadError),
    /// Output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// A track record beside a cohort table could not be read.
    #[error("{}: not a track record written by `seqsim backtest` (its track_record.json): {source}", .path.display())]
    TrackRecord {
        /// The file.
        path: std::path::PathBuf,
        /// What serde_json found.
        source: serde_json::Error,
    },
}

/// Redraws a results directory's charts (into `dir/charts/`, as SVG and, if
/// `png`, PNG) and writes the self-contained report page to `page`: the
/// archetype page or, for a cohort run, the cohort page. The page embeds
/// the SVGs; the PNGs are for people who paste charts elsewhere.
pub fn write_report(dir: &Path, page: &Path, png: bool) -> Result<(), ReportError> {
    let record = RunRecord::read(dir)?;
    if let Some(run) = record.archetypes() {
        write_archetype_report(dir, page, &record, run, png)
    } else if let Some(run) = record.cohort() {
        write_cohort_report(dir, page, &record, run, png)
    } else {
        Err(ReportError::NoPage { dir: dir.to_path_buf(), command: record.command() })
    }
}

/// Writes `(name, svg)` charts under `dir` (`name` starts with `charts/`),
/// each as SVG and, if `png`, PNG.
fn write_report_charts(dir: &Path, charts: &[(String, String)], png: bool) -> Result<(), OutputError> {
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|source| OutputError::Io {
        path: chart_dir.clone(),
        action: "cannot create directory",
        source,
    })?;
    for (name, svg) in charts {
        output::write_atomic(&dir.join(name), svg.as_bytes())?;
        if png {
            let png = raster::png(svg).map_err(|source| OutputError::Raster { name: name.clone(), source })?;
            output::write_atomic(&dir.join(name.replace(".svg", ".png")), &png)?;
        }
    }
    Ok(())
}

fn write_archetype_report(
    dir: &Path,
    page: &Path,
    record: &RunRecord,
    run: &Archetypes,
    png: bool,
) -> Result<(), ReportError> {
    let results = read::results(dir)?;
    let provenance = record.provenance();
    let charts = charts(run, &results.summary, &results.national, &provenance)?;
    write_report_charts(dir, &charts, png)?;
    let find = |name: String| charts.iter().find(|(n, _)| *n == name).map(|(_, svg)| svg.clone()).unwrap_or_default();
    let practice_charts: Vec<(String, Vec<String>)> = run
        .practices
        .iter()
        .map(|p| {
            let svgs = vec![find(format!("charts/fan_{}.svg", p.id)), find(format!("charts/risk_{}.svg", p.id))];
            (p.id.clone(), svgs)
        })
        .collect();
    let national_chart = find("charts/national.svg".to_string());
    let html = html::render(&html::Page {
        record,
        run,
        summary: &results.summary,
        compare: &results.compare,
        national: &results.national,
        practice_charts: &practice_charts,
        national_chart: &national_chart,
        readings: &results.readings,
    });
    output::write_atomic(page, html.as_bytes())?;
    Ok(())
}

/// The cohort page: share charts (`charts/share_negative.svg`,
/// `charts/share_exhausted.svg`) and, with `--by state`, the state maps
/// (`charts/map_exhausted.svg`, `charts/map_negative.svg`).
fn write_cohort_report(
    dir: &Path,
    page: &Path,
    record: &RunRecord,
    run: &CohortRun,
    png: bool,
) -> Result<(), ReportError> {
    let results = read::cohort_results(dir, &run.cohort.by)?;
    let provenance = record.provenance();
    let policies = run.projection.policy_labels();
    let mut charts = Vec::new();
    for (name, share) in
        [("charts/share_negative.svg", chart::Share::Negative), ("charts/share_exhausted.svg", chart::Share::Exhausted)]
    {
        charts.push((name.to_string(), chart::cohort_share(&results.totals, share, &policies, &provenance)?));
    }
    // The map files show the page's first year; the page has every year's.
    let shown = cohort_page::shown_year(&results.totals, &run.projection.baseline);
    charts.extend(
        state_maps(&results, &run.projection, &provenance, shown).into_iter().map(|m| (m.name.to_string(), m.svg)),
    );
    write_report_charts(dir, &charts, png)?;
    let share_charts: Vec<String> = charts.iter().take(2).map(|(_, svg)| svg.clone()).collect();
    let (_, last) = cohort_page::year_span(&results.totals);
    let first = results.totals.iter().map(|t| t.year).min().unwrap_or(last);
    let maps: Vec<(i32, Vec<(String, String)>)> = (first..=last)
        .map(|year| {
            let maps = state_maps(&results, &run.projection, &provenance, year);
            (year, maps.into_iter().map(|m| (m.svg, m.caption)).collect())
        })
        .collect();
    let html = cohort_page::render(&cohort_page::Page {
        record,
        run,
        results: &results,
        share_charts: &share_charts,
        maps: &maps,
    });
    output::write_atomic(page, html.as_bytes())?;
    Ok(())
}

/// A state map of the cohort page.
struct StateMap {
    name: &'static str,
    svg: String,
    caption: String,
}

/// With `--by state`, the maps of the shares of facilities with cash
/// exhausted and in the red in `shown` under the baseline.
fn state_maps(
    results: &read::CohortResults,
    projection: &Projection,
    provenance: &Provenance,
    shown: i32,
) -> Vec<StateMap> {
    let (first, last) = cohort_page::year_span(&results.totals);
    let baseline = &projection.baseline;
    let Some(states) = cohort_page::by_state(results, baseline, shown) else { return Vec::new() };
    let baseline_label = projection.label(baseline);
    let caption = chart::caption(provenance);
    let share = |n: f64, of: f64| if of > 0.0 { n / of } else { f64::NAN };
    let mut maps = Vec::new();
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
        let title = format!("Share of facilities {what} in {shown}, {baseline_label}");
        let svg = tilemap::render(&tilemap::Map {
            title: &title,
            legend: &format!("facilities {what}, % of the state's facilities in the cohort"),
            values: &values,
            scale_max: tilemap::nice_ceiling(top),
            format: cohort_page::tile_share,
            caption: &caption,
            highlight: None,
        });
        let caption = format!(
            "{title}: expected facilities {what} over the state's facilities in the cohort, one tile per state (grey: no facility of the cohort). Projection {first}–{last}."
        );
        maps.push(StateMap { name, svg, caption });
    }
    maps
}

/// Writes `manifest.json` (the record with every file written so far and
/// its SHA-256) and returns the record as written.
fn write_manifest(staging: &mut Staging, record: RunRecord) -> Result<RunRecord, OutputError> {
    let record = record.with_files(staging.written());
    let bytes =
        record.to_json().map_err(|e| OutputError::Encode { name: "manifest.json".into(), message: e.to_string() })?;
    staging.write("manifest.json", &bytes)?;
    Ok(record)
}

/// Writes a backtest: `backtest.csv` (per hospital), `backtest_summary.csv`
/// (by kind and over all), `backtest_unmatched.csv`, the risk scores
/// (`backtest_reliability.csv`, `backtest_brier.csv`, `backtest_ranking.csv`
/// and, with a closure list, `backtest_closures.csv` and
/// `backtest_closure_list.csv`), the PIT, share-in-the-red and reliability
/// charts (SVG and PNG), `brief.md`, `manifest.json`, and `report.html`
/// (after the manifest, like `seqsim report`).
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
        ("backtest_reliability.csv", frame::backtest_reliability(&backtest.risk.reliability, provenance)),
        ("backtest_brier.csv", frame::backtest_brier(&backtest.risk.reliability, provenance)),
        ("backtest_ranking.csv", frame::backtest_ranking(&backtest.risk.ranking, provenance)),
    ];
    for (name, frame) in tables {
        write_csv(staging, name, frame)?;
    }
    if let Some(closures) = &backtest.closures {
        write_csv(staging, "backtest_closures.csv", frame::backtest_closures(closures, provenance))?;
        write_csv(
            staging,
            "backtest_closure_list.csv",
            frame::backtest_closure_list(closures, &backtest.facilities, provenance),
        )?;
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
    let reliability = chart::backtest_reliability(&backtest.risk.reliability, backtest.year, provenance)?;
    write_chart(staging, "backtest_reliability.svg", &reliability)?;
    staging.write("brief.md", backtest_page::brief(backtest, inputs, provenance).as_bytes())?;
    let record = crate::backtest::track_record::of(
        backtest,
        &provenance.scenario_name,
        &provenance.scenario_sha256,
        inputs.base_year,
    );
    if let Some(record) = record {
        let json = serde_json::to_vec_pretty(&record)
            .map_err(|e| OutputError::Encode { name: TRACK_RECORD.into(), message: e.to_string() })?;
        staging.write(TRACK_RECORD, &json)?;
    }
    let run = RunKind::Backtest {
        backtest: BacktestRecord {
            year: backtest.year,
            base_year: inputs.base_year,
            cohort: inputs.cohort_file.clone(),
            later: LaterRelease { file: inputs.later_file.clone(), sha256: inputs.later_sha256.clone() },
            matched: backtest.hospitals.len(),
            unmatched: backtest.unmatched.len(),
            share_paths: backtest.share_paths,
            closures: inputs
                .closures
                .as_ref()
                .map(|(file, sha256)| LaterRelease { file: file.clone(), sha256: sha256.clone() }),
        },
    };
    let record = write_manifest(staging, RunRecord::new(provenance, times, run))?;
    let svgs: Vec<String> = charts.into_iter().map(|(_, svg)| svg).collect();
    staging.write("report.html", backtest_page::page(backtest, inputs, &record, &svgs, Some(&reliability)).as_bytes())
}

/// Writes one table as CSV.
fn write_csv(
    staging: &mut Staging,
    name: &str,
    frame: polars::prelude::PolarsResult<polars::prelude::DataFrame>,
) -> Result<(), OutputError> {
    let mut frame = encode(name, frame)?;
    staging.write(name, &encode(name, frame::csv_bytes(&mut frame))?)
}

/// Writes one table as CSV and Parquet; returns the frame.
fn write_csv_parquet(
    staging: &mut Staging,
    stem: &str,
    frame: polars::prelude::PolarsResult<polars::prelude::DataFrame>,
    provenance: &Provenance,
) -> Result<polars::prelude::DataFrame, OutputError> {
    let mut frame = encode(stem, frame)?;
    staging.write(&format!("{stem}.csv"), &encode(stem, frame::csv_bytes(&mut frame))?)?;
    let parquet = format!("{stem}.parquet");
    staging.write(&parquet, &encode(&parquet, frame::parquet_bytes(&mut frame, provenance.parquet_metadata()))?)?;
    Ok(frame)
}

/// Writes the ledger CSV to `path` atomically.
pub fn write_ledger_csv(path: &Path, rows: &[LedgerRow], provenance: &Provenance) -> Result<WrittenFile, OutputError> {
    output::write_atomic(path, &ledger_csv(rows, provenance)?)
}

/// A sweep's results.
pub struct SweepTables<'a> {
    /// One row per practice, value and year.
    pub rows: &'a [crate::analysis::SweepRow],
    /// The swept values.
    pub values: &'a [f64],
    /// The practices that got the swept values.
    pub practices: &'a [String],
    /// The year the chart shows.
    pub chart_year: i32,
    /// With `--target`: the break-even values.
    pub breakeven: Option<&'a [crate::analysis::BreakEven]>,
}

/// Writes a sweep's outputs: `sweep.csv`, the sweep chart, `breakeven.csv`
/// when a target was given, and the manifest.
pub fn write_sweep(
    staging: &mut Staging,
    tables: &SweepTables<'_>,
    sweep: SweepRecord,
    provenance: &Provenance,
    times: &RunTimes,
) -> Result<(), OutputError> {
    let lever = sweep.lever.as_str();
    write_csv(staging, "sweep.csv", frame::sweep(tables.rows, tables.values, provenance))?;
    let svg = chart::sweep(tables.rows, tables.values, tables.practices, tables.chart_year, lever, provenance)?;
    write_chart(staging, "sweep.svg", &svg)?;
    if let (Some(results), Some(target)) = (tables.breakeven, &sweep.target) {
        write_csv(staging, "breakeven.csv", frame::breakeven(results, lever, target, provenance))?;
    }
    write_manifest(staging, RunRecord::new(provenance, times, RunKind::Sweep { sweep }))?;
    Ok(())
}

/// Writes a sensitivity analysis: `tornado.csv`, `tornado.md` and one
/// tornado chart per practice, then the manifest.
pub fn write_tornado(
    staging: &mut Staging,
    rows: &[crate::analysis::TornadoRow],
    sensitivity: SensitivityRecord,
    provenance: &Provenance,
    times: &RunTimes,
) -> Result<(), OutputError> {
    write_csv(staging, "tornado.csv", frame::tornado(rows, provenance))?;
    let (metric, year) = (sensitivity.metric.name(), sensitivity.year);
    for practice in tornado::practices(rows) {
        let bars: Vec<&crate::analysis::TornadoRow> = rows.iter().filter(|r| r.practice == practice).collect();
        let svg = chart::tornado(&bars, practice, metric, year, provenance)?;
        write_chart(staging, &format!("tornado_{practice}.svg"), &svg)?;
    }
    staging.write("tornado.md", tornado::markdown(rows, &sensitivity, provenance).as_bytes())?;
    write_manifest(staging, RunRecord::new(provenance, times, RunKind::Sensitivity { sensitivity }))?;
    Ok(())
}

/// The tables of a cohort run.
pub struct CohortTables<'a> {
    /// The plan that was run (the facilities' attributes).
    pub plan: &'a Plan,
    /// Its summary.
    pub summary: &'a Summary,
    /// Rows per `--by` group.
    pub groups: &'a [crate::engine::summary::GroupRow],
    /// The `--by` columns.
    pub by: &'a [String],
}

/// Writes a cohort run: `facilities.{csv,parquet}`, `groups.{csv,parquet}`
/// (with `--by`), the national table, the risk list `at_risk.{csv,parquet}`, a short brief, `evidence.xlsx` and the
/// manifest.
/// Per-facility percentiles are not kept (memory stays proportional to
/// facilities x years x policies); percentiles are reported per group.
pub fn write_cohort_run(
    staging: &mut Staging,
    tables: &CohortTables<'_>,
    facts: RunFacts,
    provenance: &Provenance,
    times: &RunTimes,
) -> Result<RunRecord, OutputError> {
    let CohortTables { plan, summary, groups, by } = *tables;
    // Groups (states) in order, then the policies in the scenario's order,
    // then years: groups.csv, the Groups sheet and the brief read alike.
    let policy_order = |name: &str| plan.policies.iter().position(|p| p.name == name).unwrap_or(usize::MAX);
    let mut sorted = groups.to_vec();
    sorted.sort_by(|a, b| (&a.key, policy_order(&a.policy), a.year).cmp(&(&b.key, policy_order(&b.policy), b.year)));
    let groups = sorted.as_slice();
    let attributes: Vec<(String, Vec<(String, String)>)> =
        plan.practices.iter().map(|p| (p.id.clone(), p.attributes.clone())).collect();
    let names: std::collections::HashMap<&str, &str> =
        plan.practices.iter().map(|p| (p.id.as_str(), p.name.as_str())).collect();
    write_csv_parquet(
        staging,
        "facilities",
        frame::facilities(&summary.summary, &summary.compare, &attributes, &names, provenance),
        provenance,
    )?;
    if !by.is_empty() {
        write_csv_parquet(staging, "groups", frame::groups(groups, by, provenance), provenance)?;
    }
    write_table(staging, "national", frame::national(&summary.national, provenance), provenance)?;
    let risk = crate::analysis::at_risk::at_risk(plan, &summary.summary);
    write_csv_parquet(staging, "at_risk", frame::at_risk(&risk, provenance), provenance)?;
    let run = CohortRun {
        projection: facts.projection(plan),
        cohort: {
            let (margin, cash) = CohortRecord::definitions(plan.practices.iter().map(|p| p.attributes.as_slice()));
            CohortRecord {
                facilities: plan.practices.len(),
                by: by.to_vec(),
                margin,
                cash,
                track_record: facts.track_record.clone(),
            }
        },
    };
    let record = RunRecord::new(provenance, times, RunKind::CohortRun(run.clone()));
    staging.write("brief.md", brief::cohort(&record, &run, summary, groups).as_bytes())?;
    let kind = match facts.merged_shards {
        Some(merged_shards) => RunKind::CohortMerge(Merged { merged_shards, run: run.clone() }),
        None => RunKind::CohortRun(run.clone()),
    };
    let record = RunRecord { run: kind, ..record };
    let workbook = xlsx::cohort(&record.clone().with_files(staging.written()), &run, summary, groups);
    staging.write(EVIDENCE_XLSX, &workbook.map_err(xlsx_error)?)?;
    write_manifest(staging, record)
}
