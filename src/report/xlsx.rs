//! `evidence.xlsx`: the run's evidence tables as one Excel workbook, for
//! analysts who work in a spreadsheet. One sheet per table (the headline,
//! then the same typed rows the CSVs and the brief are made of), then
//! "Sources" and "Manifest" (the run record). Numbers are stored as numbers
//! with number formats (`0.00%` for margins, shares and probabilities,
//! `$#,##0` for dollars), Monte Carlo errors in their own columns; every
//! sheet has a frozen, filterable header row.
//!
//! Column names of the table sheets are the CSV's (MODEL.md §6) so a cell
//! can be matched with its CSV value; provenance columns are not repeated on
//! every row: the "Manifest" sheet holds them once.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::analysis::ReadingRow;
use crate::engine::summary::{largest_margin_change, CompareRow, GroupRow, NationalRow, Summary, SummaryRow};

use super::format;
use super::record::{Archetypes, CohortRun, Merged, Projection, RunKind, RunRecord};
use super::state_page::{FacilityChange, FacilityLine, LineChange, StateLine, StateView};

/// Excel's last row (1,048,576 rows, the header included).
const MAX_ROWS: usize = 1_048_575;

/// How a column's numbers are shown.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Style {
    /// Text, as written.
    Text,
    /// Excel's general format (the run record's mixed values).
    General,
    /// A whole number without separators (years).
    Year,
    /// A whole number with thousands separators (paths, evaluations).
    Whole,
    /// A fraction shown in percent: margins, shares, probabilities and their errors.
    Share,
    /// A difference of fractions, signed, shown in percent (the tables' own columns).
    Change,
    /// A difference of margins in percentage points (the headline's `+0.49 pp`): the cell holds points.
    Points,
    /// Dollars.
    Dollars,
    /// An expected number of practices or facilities.
    Count,
    /// Days of cash.
    Days,
}

impl Style {
    /// How many styles there are.
    const COUNT: usize = 10;
    /// Every style, each at its [`Style::index`].
    const ALL: [Style; Style::COUNT] = [
        Style::Text,
        Style::General,
        Style::Year,
        Style::Whole,
        Style::Share,
        Style::Change,
        Style::Points,
        Style::Dollars,
        Style::Count,
        Style::Days,
    ];

    /// Its position in [`Style::ALL`] (a new style must be given one here).
    fn index(self) -> usize {
        match self {
            Style::Text => 0,
            Style::General => 1,
            Style::Year => 2,
            Style::Whole => 3,
            Style::Share => 4,
            Style::Change => 5,
            Style::Points => 6,
            Style::Dollars => 7,
            Style::Count => 8,
            Style::Days => 9,
        }
    }

    /// The Excel number format.
    fn number_format(self) -> &'static str {
        match self {
            Style::Text => "@",
            Style::General => "General",
            Style::Year => "0",
            Style::Whole => "#,##0",
            Style::Share => "0.00%",
            Style::Change => "+0.00%;-0.00%;0.00%",
            Style::Points => "+0.00\" pp\";-0.00\" pp\";0.00\" pp\"",
            Style::Dollars => "$#,##0",
            Style::Count => "#,##0.0",
            Style::Days => "0.0",
        }
    }

    /// Roughly how wide the number is on screen, for the column width.
    fn shown_width(self, value: f64) -> usize {
        match self {
            Style::Share | Style::Change => format::percent(value).len() + 1,
            Style::Points => format!("{value:+.2} pp").len() + 1,
            Style::Dollars => format::dollars(value).len(),
            Style::Count | Style::Days => format!("{value:.1}").len() + value.abs().log10().max(0.0) as usize / 3,
            Style::Year | Style::Whole | Style::Text | Style::General => format!("{value:.0}").len() * 4 / 3,
        }
    }
}

/// What "cash exhausted" means, for the Manifest sheet of a cohort run.
const CASH_EXHAUSTED_MEANS: &str =
    "days of cash fell below the closure threshold in that year or earlier; not a forecast that the facility closes";

/// What the counts are, for the Manifest sheet of a cohort run.
const COUNTS_ARE_EXPECTED: &str =
    "expected numbers of facilities (each facility's chance, added up), with their Monte Carlo standard errors";

/// One cell's value.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    /// A number (written as text `n/a` when not finite: Excel has no NaN).
    Number(f64),
    /// Text.
    Text(String),
    /// Nothing (a missing standard error, a baseline's change).
    Empty,
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

/// A column of a table sheet: its header, how it is shown and its value in a row.
struct Column<'a, R> {
    header: String,
    style: Style,
    value: Box<dyn Fn(&R) -> Cell + 'a>,
}

fn column<'a, R>(header: impl Into<String>, style: Style, value: impl Fn(&R) -> Cell + 'a) -> Column<'a, R> {
    Column { header: header.into(), style, value: Box::new(value) }
}

/// The workbook's cell formats, one per style and one for headers.
struct Formats {
    header: Format,
    styles: [Format; Style::COUNT],
}

impl Formats {
    fn new() -> Formats {
        let styles = Style::ALL.map(|s| Format::new().set_num_format(s.number_format()));
        Formats { header: Format::new().set_bold().set_border_bottom(FormatBorder::Thin), styles }
    }

    fn of(&self, style: Style) -> &Format {
        &self.styles[style.index()]
    }
}

/// Writes one cell.
fn write_cell(sheet: &mut Worksheet, row: u32, col: u16, cell: &Cell, format: &Format) -> Result<usize, XlsxError> {
    Ok(match cell {
        Cell::Number(value) if value.is_finite() => {
            sheet.write_number_with_format(row, col, *value, format)?;
            0
        }
        Cell::Number(_) => {
            sheet.write_string(row, col, "n/a")?;
            3
        }
        Cell::Text(value) => {
            sheet.write_string(row, col, value)?;
            value.chars().count()
        }
        Cell::Empty => 0,
    })
}

/// Adds a sheet `name` with `rows` under `columns`: bold frozen header,
/// autofilter, columns as wide as their contents (within reason). Rows past
/// Excel's limit are left out with a note (the CSV has them all).
fn table<R>(
    workbook: &mut Workbook,
    formats: &Formats,
    name: &str,
    columns: &[Column<'_, R>],
    rows: &[R],
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let kept = rows.len().min(MAX_ROWS - 1);
    for (c, column) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, &column.header, &formats.header)?;
        let format = formats.of(column.style);
        let mut width = column.header.chars().count();
        for (r, row) in rows.iter().take(kept).enumerate() {
            let cell = (column.value)(row);
            let shown = write_cell(sheet, r as u32 + 1, c, &cell, format)?;
            let shown = match cell {
                Cell::Number(v) if v.is_finite() => column.style.shown_width(v),
                _ => shown,
            };
            width = width.max(shown);
        }
        sheet.set_column_width(c, (width + 2).clamp(6, 60) as f64)?;
    }
    if kept < rows.len() {
        let note = format!("{} more rows are beyond Excel's row limit; the CSV has every row", rows.len() - kept);
        sheet.write_string(kept as u32 + 1, 0, note)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, kept as u32, columns.len().saturating_sub(1) as u16)?;
    Ok(())
}

/// `summary.csv`'s columns (provenance aside).
fn summary_columns<'a>() -> Vec<Column<'a, SummaryRow>> {
    let n =
        |header: &str, style: Style, get: fn(&SummaryRow) -> f64| column(header, style, move |r| Cell::Number(get(r)));
    vec![
        column("practice", Style::Text, |r: &SummaryRow| text(&r.practice)),
        column("kind", Style::Text, |r: &SummaryRow| text(&r.kind)),
        column("policy", Style::Text, |r: &SummaryRow| text(&r.policy)),
        n("year", Style::Year, |r| f64::from(r.year)),
        n("margin_mean", Style::Share, |r| r.margin_mean),
        column("margin_se", Style::Share, |r: &SummaryRow| r.margin_se.map_or(Cell::Empty, Cell::Number)),
        n("margin_p5", Style::Share, |r| r.margin_percentiles[0]),
        n("margin_p25", Style::Share, |r| r.margin_percentiles[1]),
        n("margin_p50", Style::Share, |r| r.margin_percentiles[2]),
        n("margin_p75", Style::Share, |r| r.margin_percentiles[3]),
        n("margin_p95", Style::Share, |r| r.margin_percentiles[4]),
        n("p_negative", Style::Share, |r| r.p_negative),
        n("p_negative_se", Style::Share, |r| r.p_negative_se),
        n("p_distress", Style::Share, |r| r.p_distress),
        n("p_distress_se", Style::Share, |r| r.p_distress_se),
        n("p_exhausted", Style::Share, |r| r.p_exhausted),
        n("p_exhausted_se", Style::Share, |r| r.p_exhausted_se),
        n("revenue_mean", Style::Dollars, |r| r.revenue_mean),
        n("costs_mean", Style::Dollars, |r| r.costs_mean),
        n("cut_mean", Style::Dollars, |r| r.cut_mean),
        n("cut_cum_mean", Style::Dollars, |r| r.cut_cum_mean),
        n("cash_mean", Style::Dollars, |r| r.cash_mean),
        n("days_cash_mean", Style::Days, |r| r.days_cash_mean),
        n("cutback_mean", Style::Dollars, |r| r.cutback_mean),
    ]
}

/// `readings.csv`'s columns (provenance aside): `--both-readings`.
fn readings_columns<'a>() -> Vec<Column<'a, ReadingRow>> {
    let n =
        |header: &str, style: Style, get: fn(&ReadingRow) -> f64| column(header, style, move |r| Cell::Number(get(r)));
    vec![
        column("practice", Style::Text, |r: &ReadingRow| text(&r.practice)),
        column("kind", Style::Text, |r: &ReadingRow| text(&r.kind)),
        column("policy", Style::Text, |r: &ReadingRow| text(&r.policy)),
        n("year", Style::Year, |r| f64::from(r.year)),
        n("dmargin_with_response", Style::Change, |r| r.dmargin_with_response),
        n("dcutback_with_response", Style::Dollars, |r| r.dcutback_with_response),
        n("dmargin_without_response", Style::Change, |r| r.dmargin_without_response),
    ]
}

/// `compare.csv`'s columns (provenance aside).
fn compare_columns<'a>() -> Vec<Column<'a, CompareRow>> {
    let n =
        |header: &str, style: Style, get: fn(&CompareRow) -> f64| column(header, style, move |r| Cell::Number(get(r)));
    vec![
        column("practice", Style::Text, |r: &CompareRow| text(&r.practice)),
        column("kind", Style::Text, |r: &CompareRow| text(&r.kind)),
        column("policy", Style::Text, |r: &CompareRow| text(&r.policy)),
        n("year", Style::Year, |r| f64::from(r.year)),
        n("dmargin_mean", Style::Change, |r| r.dmargin_mean),
        n("dmargin_p5", Style::Change, |r| r.dmargin_p5),
        n("dmargin_p95", Style::Change, |r| r.dmargin_p95),
        n("dcut_cum_mean", Style::Dollars, |r| r.dcut_cum_mean),
        n("dcash_mean", Style::Dollars, |r| r.dcash_mean),
        n("dp_exhausted", Style::Change, |r| r.dp_exhausted),
        n("dcutback_mean", Style::Dollars, |r| r.dcutback_mean),
        column("dmargin_se", Style::Share, |r: &CompareRow| r.dmargin_se.map_or(Cell::Empty, Cell::Number)),
        n("dp_negative", Style::Change, |r| r.dp_negative),
        column("dp_negative_se", Style::Share, |r: &CompareRow| r.dp_negative_se.map_or(Cell::Empty, Cell::Number)),
        n("dp_distress", Style::Change, |r| r.dp_distress),
        column("dp_distress_se", Style::Share, |r: &CompareRow| r.dp_distress_se.map_or(Cell::Empty, Cell::Number)),
        column("dp_exhausted_se", Style::Share, |r: &CompareRow| r.dp_exhausted_se.map_or(Cell::Empty, Cell::Number)),
        column("dcut_cum_se", Style::Dollars, |r: &CompareRow| r.dcut_cum_se.map_or(Cell::Empty, Cell::Number)),
    ]
}

/// `national.csv`'s columns (provenance aside).
fn national_columns<'a>() -> Vec<Column<'a, NationalRow>> {
    let n =
        |header: &str, style: Style, get: fn(&NationalRow) -> f64| column(header, style, move |r| Cell::Number(get(r)));
    vec![
        column("kind", Style::Text, |r: &NationalRow| text(&r.kind)),
        column("policy", Style::Text, |r: &NationalRow| text(&r.policy)),
        n("year", Style::Year, |r| f64::from(r.year)),
        n("cut_total", Style::Dollars, |r| r.cut_total),
        n("cut_cum_total", Style::Dollars, |r| r.cut_cum_total),
        n("n_distress", Style::Count, |r| r.n_distress),
        n("n_exhausted", Style::Count, |r| r.n_exhausted),
    ]
}

/// `groups.csv`'s columns (provenance aside): the `--by` columns first.
fn group_columns(by: &[String]) -> Vec<Column<'_, GroupRow>> {
    let mut columns: Vec<Column<'_, GroupRow>> = by
        .iter()
        .enumerate()
        .map(|(i, name)| {
            column(name.as_str(), Style::Text, move |r: &GroupRow| text(r.key.get(i).map_or("", String::as_str)))
        })
        .collect();
    let n =
        |header: &str, style: Style, get: fn(&GroupRow) -> f64| column(header, style, move |r| Cell::Number(get(r)));
    columns.extend([
        column("policy", Style::Text, |r: &GroupRow| text(&r.policy)),
        n("year", Style::Year, |r| f64::from(r.year)),
        n("facilities", Style::Count, |r| r.facilities),
        n("n_negative", Style::Count, |r| r.n_negative),
        n("n_distress", Style::Count, |r| r.n_distress),
        n("n_exhausted", Style::Count, |r| r.n_exhausted),
        n("cut_total", Style::Dollars, |r| r.cut_total),
        n("margin_p5", Style::Share, |r| r.margin_percentiles[0]),
        n("margin_p50", Style::Share, |r| r.margin_percentiles[1]),
        n("margin_p95", Style::Share, |r| r.margin_percentiles[2]),
    ]);
    let maybe = |header: &'static str, style: Style, get: fn(&GroupRow) -> Option<f64>| {
        column(header, style, move |r: &GroupRow| get(r).map_or(Cell::Empty, Cell::Number))
    };
    columns.extend([
        maybe("n_negative_se", Style::Count, |r| r.n_negative_se),
        maybe("n_distress_se", Style::Count, |r| r.n_distress_se),
        maybe("n_exhausted_se", Style::Count, |r| r.n_exhausted_se),
        n("cut_cum_total", Style::Dollars, |r| r.cut_cum_total),
        maybe("cut_cum_total_se", Style::Dollars, |r| r.cut_cum_total_se),
        maybe("dn_negative", Style::Count, |r| r.dn_negative),
        maybe("dn_negative_se", Style::Count, |r| r.dn_negative_se),
        maybe("dn_distress", Style::Count, |r| r.dn_distress),
        maybe("dn_distress_se", Style::Count, |r| r.dn_distress_se),
        maybe("dn_exhausted", Style::Count, |r| r.dn_exhausted),
        maybe("dn_exhausted_se", Style::Count, |r| r.dn_exhausted_se),
        maybe("dcut_cum_total", Style::Dollars, |r| r.dcut_cum_total),
        maybe("dcut_cum_total_se", Style::Dollars, |r| r.dcut_cum_total_se),
    ]);
    columns
}

/// A row of the archetype headline: a practice and policy in the final year
/// with its comparison against the baseline (none for the baseline).
struct HeadlineRow<'s> {
    row: &'s SummaryRow,
    compare: Option<&'s CompareRow>,
    largest: Option<&'s CompareRow>,
}

/// The terminal headline's rows as numbers: median margin, P(margin < 0)
/// and P(cash exhausted) each with its standard error in its own column, the
/// final-year margin change, the CO-253 dollars kept and the largest yearly
/// margin change with its year.
fn headline_columns<'a>(projection: &Projection) -> Vec<Column<'a, HeadlineRow<'a>>> {
    let last = projection.last_year();
    let change = |get: fn(&CompareRow) -> f64| {
        move |h: &HeadlineRow<'_>| h.compare.map_or(Cell::Empty, |c| Cell::Number(get(c)))
    };
    vec![
        column("practice", Style::Text, |h: &HeadlineRow<'_>| text(&h.row.practice)),
        column("policy", Style::Text, |h: &HeadlineRow<'_>| text(&h.row.policy)),
        column(format!("median margin {last}"), Style::Share, |h: &HeadlineRow<'_>| {
            Cell::Number(h.row.margin_percentiles[2])
        }),
        column(format!("P(margin < 0) {last}"), Style::Share, |h: &HeadlineRow<'_>| Cell::Number(h.row.p_negative)),
        column("± P(margin < 0)", Style::Share, |h: &HeadlineRow<'_>| Cell::Number(h.row.p_negative_se)),
        column(format!("P(cash exhausted) {last}"), Style::Share, |h: &HeadlineRow<'_>| {
            Cell::Number(h.row.p_exhausted)
        }),
        column("± P(cash exhausted)", Style::Share, |h: &HeadlineRow<'_>| Cell::Number(h.row.p_exhausted_se)),
        column("margin vs baseline (pp)", Style::Points, |h: &HeadlineRow<'_>| match h.compare {
            Some(c) => Cell::Number(c.dmargin_mean * 100.0),
            None => text("baseline"),
        }),
        column(format!("CO-253 kept {}–{last}", projection.start_year), Style::Dollars, change(|c| -c.dcut_cum_mean)),
        column("largest yearly margin change (pp)", Style::Points, |h: &HeadlineRow<'_>| {
            h.largest.map_or(Cell::Empty, |l| Cell::Number(l.dmargin_mean * 100.0))
        }),
        column("in year", Style::Year, |h: &HeadlineRow<'_>| {
            h.largest.map_or(Cell::Empty, |l| Cell::Number(f64::from(l.year)))
        }),
    ]
}

/// A row of the cohort headline: one policy's expected facilities in the
/// final year (all kinds) and its CO-253 dollars.
struct CohortHeadlineRow<'s> {
    policy: &'s str,
    label: &'s str,
    national: &'s NationalRow,
    kept: Option<f64>,
}

fn cohort_headline_columns<'a>(projection: &Projection) -> Vec<Column<'a, CohortHeadlineRow<'a>>> {
    let last = projection.last_year();
    vec![
        column("policy", Style::Text, |h: &CohortHeadlineRow<'_>| text(h.policy)),
        column("label", Style::Text, |h: &CohortHeadlineRow<'_>| match h.kept {
            Some(_) => text(h.label),
            None => Cell::Text(format!("{} (baseline)", h.label)),
        }),
        column(format!("expected facilities in distress {last}"), Style::Count, |h: &CohortHeadlineRow<'_>| {
            Cell::Number(h.national.n_distress)
        }),
        column(format!("expected facilities with cash exhausted {last}"), Style::Count, |h: &CohortHeadlineRow<'_>| {
            Cell::Number(h.national.n_exhausted)
        }),
        column(format!("CO-253 {}–{last}", projection.start_year), Style::Dollars, |h: &CohortHeadlineRow<'_>| {
            Cell::Number(h.national.cut_cum_total)
        }),
        column("CO-253 kept vs baseline", Style::Dollars, |h: &CohortHeadlineRow<'_>| match h.kept {
            Some(kept) => Cell::Number(kept),
            None => Cell::Empty,
        }),
    ]
}

/// A row of the "Sources" or "Manifest" sheet.
struct Pair {
    key: String,
    value: Cell,
}

fn pair(key: &str, value: Cell) -> Pair {
    Pair { key: key.to_string(), value }
}

fn pair_columns<'a>(key: &str, value: &str, style: Style) -> Vec<Column<'a, Pair>> {
    vec![column(key, Style::Text, |p: &Pair| text(&p.key)), column(value, style, |p: &Pair| p.value.clone())]
}

/// The run record as field and value rows: what the results are a function
/// of. When and where the run happened (times, threads, the scenario's and
/// shards' paths) is left to `manifest.json`, so the workbook, like the
/// brief, is the same bytes for the same results. The files are those
/// written before the workbook; `manifest.json` lists every file.
fn manifest_rows(record: &RunRecord) -> Vec<Pair> {
    let mut rows = vec![
        pair("tool", text(&record.tool)),
        pair("version", text(&record.version)),
        pair("run", text(run_name(&record.run))),
        pair("scenario", text(&record.scenario.name)),
        pair("scenario SHA-256", text(&record.scenario.sha256)),
    ];
    // A seed is an identifier and may exceed what a spreadsheet number holds exactly.
    if let Some(seed) = record.seed {
        rows.push(pair("seed", Cell::Text(seed.to_string())));
    }
    if let Some(paths) = record.paths {
        rows.push(pair("paths", Cell::Number(paths as f64)));
    }
    if let Some(law) = &record.baseline_law {
        rows.push(pair("baseline law", text(law)));
    }
    let projection = record.archetypes().map(|a| &a.projection).or(record.cohort().map(|c| &c.projection));
    if let Some(p) = projection {
        if let Some(description) = &p.description {
            rows.push(pair("description", text(description.trim())));
        }
        rows.push(pair("first year", Cell::Number(f64::from(p.start_year))));
        rows.push(pair("years", Cell::Number(p.years as f64)));
        rows.push(pair("baseline", text(&p.baseline)));
        rows.extend(
            p.policies.iter().map(|policy| pair("policy", Cell::Text(format!("{}: {}", policy.name, policy.label)))),
        );
        rows.push(pair("kinds", Cell::Text(p.kinds.join(", "))));
        rows.push(pair("evaluations", Cell::Number(p.evaluations as f64)));
        if let Some(precision) = &p.precision {
            rows.push(pair("precision target (standard error)", Cell::Number(precision.target)));
            rows.push(pair("precision reached", text(if precision.reached { "yes" } else { "no" })));
            rows.push(pair("largest standard error", Cell::Number(precision.largest_standard_error)));
            rows.push(pair("max paths", Cell::Number(precision.max_paths as f64)));
        }
    }
    if let Some(run) = record.archetypes() {
        rows.extend(run.practices.iter().map(|p| {
            let stands_for = format::practices(p.count);
            pair("practice", Cell::Text(format!("{} ({}, kind {}, stands for {stands_for})", p.id, p.name, p.kind)))
        }));
    }
    if let Some(run) = record.cohort() {
        rows.push(pair("facilities", Cell::Number(run.cohort.facilities as f64)));
        if !run.cohort.by.is_empty() {
            rows.push(pair("by", Cell::Text(run.cohort.by.join(", "))));
        }
        // The caveats travel with the numbers.
        if !run.cohort.margin.is_empty() {
            rows.push(pair("margin", text(&run.cohort.margin)));
        }
        if !run.cohort.cash.is_empty() {
            rows.push(pair("cash", text(&run.cohort.cash)));
        }
        rows.push(pair("cash exhausted", text(CASH_EXHAUSTED_MEANS)));
        rows.push(pair("counts", text(COUNTS_ARE_EXPECTED)));
        if let Some(track) = &run.cohort.track_record {
            rows.push(pair("track record", Cell::Text(track.sentence())));
        }
    }
    if let RunKind::Merge(Merged { merged_shards, .. }) | RunKind::CohortMerge(Merged { merged_shards, .. }) =
        &record.run
    {
        rows.push(pair("merged shards", Cell::Number(merged_shards.len() as f64)));
    }
    for import in &record.imports {
        let value = format!("{} ({} as of {}, SHA-256 {})", import.file, import.name, import.as_of, import.sha256);
        rows.push(pair("imported policy file", Cell::Text(value)));
    }
    for file in &record.files {
        rows.push(pair("file", Cell::Text(format!("{} (SHA-256 {}, {} bytes)", file.name, file.sha256, file.bytes))));
    }
    rows.push(pair(
        "note",
        text("manifest.json also records when and where the run happened and lists every file, this workbook too"),
    ));
    rows
}

/// The manifest's name for a kind of run.
fn run_name(run: &RunKind) -> &'static str {
    match run {
        RunKind::Run(_) => "run",
        RunKind::CohortRun(_) => "cohort_run",
        RunKind::Merge(_) => "merge",
        RunKind::CohortMerge(_) => "cohort_merge",
        RunKind::Sweep { .. } => "sweep",
        RunKind::Sensitivity { .. } => "sensitivity",
        RunKind::Backtest { .. } => "backtest",
    }
}

/// The "Sources" and "Manifest" sheets every workbook ends with.
fn provenance_sheets(workbook: &mut Workbook, formats: &Formats, record: &RunRecord) -> Result<(), XlsxError> {
    let sources: Vec<Pair> = record.sources.iter().map(|s| pair(&s.path, text(&s.source))).collect();
    table(workbook, formats, "Sources", &pair_columns("key path", "source", Style::Text), &sources)?;
    table(workbook, formats, "Manifest", &pair_columns("field", "value", Style::General), &manifest_rows(record))
}

/// A workbook with a title and a fixed creation date (the zip entries'
/// date), so that the same results give the same bytes.
fn new_workbook(record: &RunRecord) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let properties = rust_xlsxwriter::DocProperties::new()
        .set_title(format!("{}: evidence tables", record.scenario.name))
        .set_author(format!("seqsim {}", record.version))
        .set_creation_datetime(&rust_xlsxwriter::ExcelDateTime::from_ymd(1980, 1, 1)?);
    workbook.set_properties(&properties);
    Ok(workbook)
}

/// The workbook of an archetype run (or merge): Headline, Summary, Compare,
/// National, Sources, Manifest.
pub fn archetypes(
    record: &RunRecord,
    run: &Archetypes,
    summary: &Summary,
    readings: &[ReadingRow],
) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = new_workbook(record)?;
    let last = run.projection.last_year();
    let headline: Vec<HeadlineRow<'_>> = summary
        .summary
        .iter()
        .filter(|r| r.year == last)
        .map(|row| HeadlineRow {
            row,
            compare: summary
                .compare
                .iter()
                .find(|c| c.practice == row.practice && c.policy == row.policy && c.year == last),
            largest: largest_margin_change(&summary.compare, &row.practice, &row.policy),
        })
        .collect();
    table(&mut workbook, &formats, "Headline", &headline_columns(&run.projection), &headline)?;
    table(&mut workbook, &formats, "Summary", &summary_columns(), &summary.summary)?;
    table(&mut workbook, &formats, "Compare", &compare_columns(), &summary.compare)?;
    table(&mut workbook, &formats, "National", &national_columns(), &summary.national)?;
    if !readings.is_empty() {
        table(&mut workbook, &formats, "Readings", &readings_columns(), readings)?;
    }
    provenance_sheets(&mut workbook, &formats, record)?;
    workbook.save_to_buffer()
}

/// The workbook of a cohort run (or merge): Headline, National, Groups (with
/// `--by`), Sources, Manifest. Per-facility rows stay in `facilities.csv`.
pub fn cohort(
    record: &RunRecord,
    run: &CohortRun,
    summary: &Summary,
    groups: &[GroupRow],
) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = new_workbook(record)?;
    let projection = &run.projection;
    let last = projection.last_year();
    let all = |policy: &str| summary.national.iter().find(|n| n.kind == "all" && n.policy == policy && n.year == last);
    let baseline = all(&projection.baseline);
    let headline: Vec<CohortHeadlineRow<'_>> = projection
        .policies
        .iter()
        .filter_map(|p| {
            let national = all(&p.name)?;
            let kept =
                baseline.filter(|_| p.name != projection.baseline).map(|b| b.cut_cum_total - national.cut_cum_total);
            Some(CohortHeadlineRow { policy: &p.name, label: &p.label, national, kept })
        })
        .collect();
    table(&mut workbook, &formats, "Headline", &cohort_headline_columns(projection), &headline)?;
    table(&mut workbook, &formats, "National", &national_columns(), &summary.national)?;
    if !run.cohort.by.is_empty() {
        table(&mut workbook, &formats, "Groups", &group_columns(&run.cohort.by), groups)?;
    }
    provenance_sheets(&mut workbook, &formats, record)?;
    workbook.save_to_buffer()
}

/// The state's totals, policy × year (the state page's first table, every
/// year), each count and change with its Monte Carlo error beside it.
fn state_line_columns<'a>() -> Vec<Column<'a, StateLine>> {
    let level = |header: &str, get: fn(&StateLine) -> f64| column(header, Style::Count, move |l| Cell::Number(get(l)));
    let level_se = |header: &str, i: usize| {
        column(header, Style::Count, move |l: &StateLine| l.se.map_or(Cell::Empty, |se| Cell::Number(se[i])))
    };
    let change = |header: &str, style: Style, get: fn(&LineChange) -> f64| {
        column(header, style, move |l: &StateLine| l.change.as_ref().map_or(Cell::Empty, |c| Cell::Number(get(c))))
    };
    let change_se = |header: &str, style: Style, i: usize| {
        column(header, style, move |l: &StateLine| {
            l.change.and_then(|c| c.se).map_or(Cell::Empty, |se| Cell::Number(se[i]))
        })
    };
    vec![
        column("policy", Style::Text, |l: &StateLine| text(&l.label)),
        column("year", Style::Year, |l: &StateLine| Cell::Number(f64::from(l.year))),
        column("facilities", Style::Whole, |l: &StateLine| Cell::Number(l.facilities as f64)),
        level("in the red", |l| l.n_negative),
        level_se("± in the red", 0),
        change("change in the red", Style::Count, |c| c.dn_negative),
        change_se("± change in the red", Style::Count, 0),
        level("in distress", |l| l.n_distress),
        level_se("± in distress", 1),
        change("change in distress", Style::Count, |c| c.dn_distress),
        change_se("± change in distress", Style::Count, 1),
        level("cash exhausted", |l| l.n_exhausted),
        level_se("± cash exhausted", 2),
        change("change cash exhausted", Style::Count, |c| c.dn_exhausted),
        change_se("± change cash exhausted", Style::Count, 2),
        column("CO-253 in the year", Style::Dollars, |l: &StateLine| Cell::Number(l.cut_total)),
        column("CO-253 through the year", Style::Dollars, |l: &StateLine| Cell::Number(l.cut_cum_total)),
        change("CO-253 kept through the year", Style::Dollars, |c| c.kept_cum),
        change_se("± CO-253 kept", Style::Dollars, 3),
    ]
}

/// The state's facilities, facility × year × policy, riskiest first; each
/// change against the baseline with its paired Monte Carlo error.
fn state_facility_columns<'a>() -> Vec<Column<'a, FacilityLine>> {
    let change = |header: &str, style: Style, get: fn(&FacilityChange) -> f64| {
        column(header, style, move |l: &FacilityLine| l.change.as_ref().map_or(Cell::Empty, |c| Cell::Number(get(c))))
    };
    let change_se = |header: &str, style: Style, i: usize| {
        column(header, style, move |l: &FacilityLine| {
            l.change.and_then(|c| c.se).map_or(Cell::Empty, |se| Cell::Number(se[i]))
        })
    };
    vec![
        column("facility", Style::Text, |l: &FacilityLine| text(&l.row.name)),
        column("city", Style::Text, |l: &FacilityLine| text(&l.row.city)),
        column("kind", Style::Text, |l: &FacilityLine| text(&l.row.kind.replace('_', " "))),
        column("practice", Style::Text, |l: &FacilityLine| text(&l.row.practice)),
        column("year", Style::Year, |l: &FacilityLine| Cell::Number(f64::from(l.row.year))),
        column("policy", Style::Text, |l: &FacilityLine| text(&l.label)),
        column("margin", Style::Share, |l: &FacilityLine| Cell::Number(l.row.margin_mean)),
        column("P(in the red)", Style::Share, |l: &FacilityLine| Cell::Number(l.row.p_negative)),
        column("P(distress)", Style::Share, |l: &FacilityLine| Cell::Number(l.row.p_distress)),
        column("P(cash exhausted)", Style::Share, |l: &FacilityLine| Cell::Number(l.row.p_exhausted)),
        column("CO-253 in the year", Style::Dollars, |l: &FacilityLine| Cell::Number(l.row.cut_mean)),
        change("margin change", Style::Change, |c| c.dmargin),
        change_se("± margin change", Style::Share, 0),
        change("P(in the red) change", Style::Change, |c| c.dp_negative),
        change_se("± P(in the red) change", Style::Share, 1),
        change("P(distress) change", Style::Change, |c| c.dp_distress),
        change_se("± P(distress) change", Style::Share, 2),
        change("P(cash exhausted) change", Style::Change, |c| c.dp_exhausted),
        change_se("± P(cash exhausted) change", Style::Share, 3),
        change("CO-253 kept through the year", Style::Dollars, |c| c.kept_cum),
        change_se("± CO-253 kept", Style::Dollars, 4),
    ]
}

/// One state's workbook (`seqsim report DIR --state ST`, the workbench's
/// state page): "State" (its totals by policy and year with each change
/// against the baseline), "Facilities" (each facility by year and policy,
/// riskiest first), then "Sources" and "Manifest".
pub fn state(view: &StateView) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = new_workbook(&view.record)?;
    table(&mut workbook, &formats, "State", &state_line_columns(), &view.lines)?;
    table(&mut workbook, &formats, "Facilities", &state_facility_columns(), &view.facilities)?;
    provenance_sheets(&mut workbook, &formats, &view.record)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_have_distinct_formats_and_shares_are_percent() {
        assert_eq!(Style::Share.number_format(), "0.00%");
        assert_eq!(Style::Dollars.number_format(), "$#,##0");
        assert_eq!(Style::Points.number_format(), "+0.00\" pp\";-0.00\" pp\";0.00\" pp\"");
        for (i, style) in Style::ALL.into_iter().enumerate() {
            assert_eq!(style.index(), i, "{style:?}");
        }
        let formats = Formats::new();
        for style in Style::ALL {
            assert_eq!(*formats.of(style), Format::new().set_num_format(style.number_format()), "{style:?}");
        }
    }

    #[test]
    fn widths_follow_what_people_see() {
        assert_eq!(Style::Dollars.shown_width(-1_234_567.0), "-$1,234,567".len());
        assert_eq!(Style::Share.shown_width(0.1234), "12.34%".len() + 1);
    }
}
