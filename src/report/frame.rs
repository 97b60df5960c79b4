//! Result rows → polars `DataFrame`s with exactly MODEL.md §6's columns, then
//! provenance columns after them. The only place that builds frames.

use polars::prelude::*;
use rust_decimal::Decimal;

use crate::analysis::AttributionRow;
use crate::engine::summary::{CompareRow, NationalRow, SummaryRow};
use crate::ledger::{round_money, round_ratio, LedgerRow};

use super::Provenance;

fn text<'a>(name: &str, values: impl Iterator<Item = &'a str>) -> Column {
    Column::new(name.into(), values.collect::<Vec<&str>>())
}

fn floats(name: &str, values: impl Iterator<Item = f64>) -> Column {
    Column::new(name.into(), values.collect::<Vec<f64>>())
}

fn optional_floats(name: &str, values: impl Iterator<Item = Option<f64>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<Option<f64>>>())
}

fn years(values: impl Iterator<Item = i32>) -> Column {
    Column::new("year".into(), values.collect::<Vec<i32>>())
}

/// A decimal column rounded with `round` to `scale` places (exact, no `f64`).
fn decimals(
    name: &str,
    values: impl Iterator<Item = Decimal>,
    scale: u32,
    round: fn(Decimal) -> Decimal,
) -> PolarsResult<Column> {
    let mantissas: Vec<i128> = values
        .map(|v| {
            let mut rounded = round(v);
            rounded.rescale(scale);
            rounded.mantissa()
        })
        .collect();
    let chunked = Int128Chunked::from_vec(name.into(), mantissas).into_decimal(38, scale as usize)?;
    Ok(chunked.into_series().into_column())
}

/// Appends the provenance columns (scenario, its SHA-256, seed, paths, version).
fn with_provenance(mut columns: Vec<Column>, height: usize, provenance: &Provenance) -> PolarsResult<DataFrame> {
    let repeat = |name: &str, value: &str| Column::new(name.into(), vec![value; height]);
    columns.push(repeat("scenario", &provenance.scenario_name));
    columns.push(repeat("scenario_sha256", &provenance.scenario_sha256));
    if let Some(seed) = provenance.seed {
        columns.push(Column::new("seed".into(), vec![seed; height]));
    }
    if let Some(paths) = provenance.paths {
        columns.push(Column::new("paths".into(), vec![paths; height]));
    }
    columns.push(repeat("seqsim_version", &provenance.version));
    DataFrame::new(height, columns)
}

/// The ledger table (MODEL.md §6), money to cents and ratios to 6 places.
pub fn ledger(rows: &[LedgerRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let money = |name: &str, get: fn(&LedgerRow) -> Decimal| decimals(name, rows.iter().map(get), 2, round_money);
    let ratio = |name: &str, get: fn(&LedgerRow) -> Decimal| decimals(name, rows.iter().map(get), 6, round_ratio);
    let columns = vec![
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        text("policy", rows.iter().map(|r| r.policy.as_str())),
        years(rows.iter().map(|r| r.year)),
        money("ffs", |r| r.ffs)?,
        money("ma", |r| r.ma)?,
        money("cut", |r| r.cut)?,
        money("medicaid", |r| r.medicaid)?,
        money("commercial_other", |r| r.commercial_other)?,
        money("relief", |r| r.relief)?,
        money("revenue", |r| r.revenue)?,
        money("costs", |r| r.costs)?,
        ratio("margin", |r| r.margin)?,
        money("cash", |r| r.cash)?,
        ratio("days_cash", |r| r.days_cash)?,
        Column::new("distress".into(), rows.iter().map(|r| r.distress).collect::<Vec<bool>>()),
        Column::new("exhausted".into(), rows.iter().map(|r| r.exhausted).collect::<Vec<bool>>()),
        money("cutback", |r| r.cutback)?,
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// The summary table (MODEL.md §6).
pub fn summary(rows: &[SummaryRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let f = |name: &str, get: fn(&SummaryRow) -> f64| floats(name, rows.iter().map(get));
    let columns = vec![
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        text("policy", rows.iter().map(|r| r.policy.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("margin_mean", |r| r.margin_mean),
        optional_floats("margin_se", rows.iter().map(|r| r.margin_se)),
        f("margin_p5", |r| r.margin_percentiles[0]),
        f("margin_p25", |r| r.margin_percentiles[1]),
        f("margin_p50", |r| r.margin_percentiles[2]),
        f("margin_p75", |r| r.margin_percentiles[3]),
        f("margin_p95", |r| r.margin_percentiles[4]),
        f("p_negative", |r| r.p_negative),
        f("p_negative_se", |r| r.p_negative_se),
        f("p_distress", |r| r.p_distress),
        f("p_distress_se", |r| r.p_distress_se),
        f("p_exhausted", |r| r.p_exhausted),
        f("p_exhausted_se", |r| r.p_exhausted_se),
        f("revenue_mean", |r| r.revenue_mean),
        f("costs_mean", |r| r.costs_mean),
        f("cut_mean", |r| r.cut_mean),
        f("cut_cum_mean", |r| r.cut_cum_mean),
        f("cash_mean", |r| r.cash_mean),
        f("days_cash_mean", |r| r.days_cash_mean),
        f("cutback_mean", |r| r.cutback_mean),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// The compare table (MODEL.md §6), then `dmargin_se` and the paired
/// differences of the probabilities with their standard errors.
pub fn compare(rows: &[CompareRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let rows: Vec<&CompareRow> = rows.iter().collect();
    with_provenance(compare_columns(&rows), rows.len(), provenance)
}

/// The compare table's columns (MODEL.md §6), then `dmargin_se`,
/// `dp_negative, dp_negative_se, dp_distress, dp_distress_se,
/// dp_exhausted_se, dcut_cum_se`.
fn compare_columns(rows: &[&CompareRow]) -> Vec<Column> {
    let f = |name: &str, get: fn(&CompareRow) -> f64| floats(name, rows.iter().map(|r| get(r)));
    vec![
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        text("policy", rows.iter().map(|r| r.policy.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("dmargin_mean", |r| r.dmargin_mean),
        f("dmargin_p5", |r| r.dmargin_p5),
        f("dmargin_p95", |r| r.dmargin_p95),
        f("dcut_cum_mean", |r| r.dcut_cum_mean),
        f("dcash_mean", |r| r.dcash_mean),
        f("dp_exhausted", |r| r.dp_exhausted),
        f("dcutback_mean", |r| r.dcutback_mean),
        optional_floats("dmargin_se", rows.iter().map(|r| r.dmargin_se)),
        f("dp_negative", |r| r.dp_negative),
        optional_floats("dp_negative_se", rows.iter().map(|r| r.dp_negative_se)),
        f("dp_distress", |r| r.dp_distress),
        optional_floats("dp_distress_se", rows.iter().map(|r| r.dp_distress_se)),
        optional_floats("dp_exhausted_se", rows.iter().map(|r| r.dp_exhausted_se)),
        optional_floats("dcut_cum_se", rows.iter().map(|r| r.dcut_cum_se)),
    ]
}

/// The attribution table: the compare columns for each policy against its
/// own `base:`, then `base` (the policy it is compared with).
pub fn attribution(rows: &[AttributionRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let effects: Vec<&CompareRow> = rows.iter().map(|r| &r.effect).collect();
    let mut columns = compare_columns(&effects);
    columns.push(text("base", rows.iter().map(|r| r.base.as_str())));
    with_provenance(columns, rows.len(), provenance)
}

/// The readings table (`--both-readings`): each policy's effect with and
/// without cost responses.
pub fn readings(rows: &[crate::analysis::ReadingRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let f = |name: &str, get: fn(&crate::analysis::ReadingRow) -> f64| floats(name, rows.iter().map(get));
    let columns = vec![
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        text("policy", rows.iter().map(|r| r.policy.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("dmargin_with_response", |r| r.dmargin_with_response),
        f("dcutback_with_response", |r| r.dcutback_with_response),
        f("dmargin_without_response", |r| r.dmargin_without_response),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// The national table (MODEL.md §6).
pub fn national(rows: &[NationalRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let f = |name: &str, get: fn(&NationalRow) -> f64| floats(name, rows.iter().map(get));
    let columns = vec![
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        text("policy", rows.iter().map(|r| r.policy.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("cut_total", |r| r.cut_total),
        f("cut_cum_total", |r| r.cut_cum_total),
        f("n_distress", |r| r.n_distress),
        f("n_exhausted", |r| r.n_exhausted),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// CSV bytes of a frame.
pub fn csv_bytes(frame: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut bytes = Vec::new();
    CsvWriter::new(&mut bytes).include_header(true).finish(frame)?;
    Ok(bytes)
}

/// Parquet bytes of a frame, with the provenance and sources as file metadata.
pub fn parquet_bytes(frame: &mut DataFrame, metadata: Vec<(String, String)>) -> PolarsResult<Vec<u8>> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(metadata)))
        .finish(frame)?;
    Ok(bytes)
}

/// JSON bytes of a frame: an array of row objects.
pub fn json_bytes(frame: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut bytes = Vec::new();
    JsonWriter::new(&mut bytes).with_json_format(JsonFormat::Json).finish(frame)?;
    Ok(bytes)
}

/// The sweep table: `value, practice, kind, year, margin_mean, margin_p50,
/// p_negative, p_exhausted`, then `p_distress` and provenance.
pub fn sweep(rows: &[crate::analysis::SweepRow], values: &[f64], provenance: &Provenance) -> PolarsResult<DataFrame> {
    use crate::analysis::SweepRow;
    let f = |name: &str, get: fn(&SweepRow) -> f64| floats(name, rows.iter().map(get));
    let columns = vec![
        floats("value", rows.iter().map(|r| values.get(r.value_index).copied().unwrap_or(f64::NAN))),
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("margin_mean", |r| r.margin_mean),
        f("margin_p50", |r| r.margin_p50),
        f("p_negative", |r| r.p_negative),
        f("p_exhausted", |r| r.p_exhausted),
        f("p_distress", |r| r.p_distress),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// The break-even table: `practice, lever, target, value` (empty when
/// unreachable), then `status` and provenance.
pub fn breakeven(
    rows: &[crate::analysis::BreakEven],
    lever: &str,
    target: &str,
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    let columns = vec![
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("lever", rows.iter().map(|_| lever)),
        text("target", rows.iter().map(|_| target)),
        optional_floats("value", rows.iter().map(|r| r.value)),
        text("status", rows.iter().map(|r| r.status.as_str())),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// The tornado table: `practice, factor, factor_type, low, high, swing`, then provenance.
pub fn tornado(rows: &[crate::analysis::TornadoRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let columns = vec![
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("factor", rows.iter().map(|r| r.factor.as_str())),
        text("factor_type", rows.iter().map(|r| r.factor_type.as_str())),
        floats("low", rows.iter().map(|r| r.low)),
        floats("high", rows.iter().map(|r| r.high)),
        floats("swing", rows.iter().map(|r| r.swing)),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// Per-facility table: `practice, kind, <attribute columns>, policy, year,
/// margin_mean, p_negative, p_exhausted, cut_mean, p_distress, cash_mean`,
/// then `name` (the facility's name, for people), the policy minus the
/// baseline paired by path (`dmargin_mean, dmargin_se, dp_negative,
/// dp_negative_se, dp_distress, dp_distress_se, dp_exhausted,
/// dp_exhausted_se, dcut_cum_mean, dcut_cum_se`, from `compare`; empty on
/// the baseline's rows) and provenance.
pub fn facilities(
    rows: &[SummaryRow],
    compare: &[CompareRow],
    attributes: &[(String, Vec<(String, String)>)],
    facility_names: &std::collections::HashMap<&str, &str>,
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    let names: Vec<&str> =
        attributes.first().map(|(_, a)| a.iter().map(|(k, _)| k.as_str()).collect()).unwrap_or_default();
    let by_id: std::collections::HashMap<&str, &[(String, String)]> =
        attributes.iter().map(|(id, a)| (id.as_str(), a.as_slice())).collect();
    let mut columns = vec![
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
    ];
    // Attributes change only between facilities: each facility's are looked
    // up once (not once per row and attribute: the id comparisons were a
    // visible share of writing a 6,000-facility table), and the columns
    // borrow them (a `String` per row and attribute was most of a large
    // cohort's peak memory).
    let mut by_facility: Vec<Vec<&str>> = Vec::new();
    let mut facility_of_row: Vec<usize> = Vec::with_capacity(rows.len());
    let mut last: Option<&str> = None;
    for r in rows {
        if last != Some(r.practice.as_str()) {
            let own = by_id.get(r.practice.as_str()).copied().unwrap_or_default();
            let value = |(n, name): (usize, &&str)| match own.get(n) {
                Some((k, v)) if k == name => v.as_str(),
                _ => own.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str()),
            };
            by_facility.push(names.iter().enumerate().map(value).collect());
            last = Some(r.practice.as_str());
        }
        facility_of_row.push(by_facility.len() - 1);
    }
    for (n, name) in names.iter().enumerate() {
        let values: Vec<&str> = facility_of_row.iter().map(|&f| by_facility[f][n]).collect();
        columns.push(Column::new((*name).into(), values));
    }
    let f = |name: &str, get: fn(&SummaryRow) -> f64| floats(name, rows.iter().map(get));
    columns.extend([
        text("policy", rows.iter().map(|r| r.policy.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("margin_mean", |r| r.margin_mean),
        f("p_negative", |r| r.p_negative),
        f("p_exhausted", |r| r.p_exhausted),
        f("cut_mean", |r| r.cut_mean),
        f("p_distress", |r| r.p_distress),
        f("cash_mean", |r| r.cash_mean),
        text("name", rows.iter().map(|r| facility_names.get(r.practice.as_str()).copied().unwrap_or_default())),
    ]);
    // Each row's compare row: the same practice, policy and year (none for
    // the baseline's rows).
    let by_cell: std::collections::HashMap<(&str, &str, i32), &CompareRow> =
        compare.iter().map(|c| ((c.practice.as_str(), c.policy.as_str(), c.year), c)).collect();
    let versus: Vec<Option<&CompareRow>> =
        rows.iter().map(|r| by_cell.get(&(r.practice.as_str(), r.policy.as_str(), r.year)).copied()).collect();
    let d =
        |name: &str, get: fn(&CompareRow) -> Option<f64>| optional_floats(name, versus.iter().map(|c| c.and_then(get)));
    columns.extend([
        d("dmargin_mean", |c| Some(c.dmargin_mean)),
        d("dmargin_se", |c| c.dmargin_se),
        d("dp_negative", |c| Some(c.dp_negative)),
        d("dp_negative_se", |c| c.dp_negative_se),
        d("dp_distress", |c| Some(c.dp_distress)),
        d("dp_distress_se", |c| c.dp_distress_se),
        d("dp_exhausted", |c| Some(c.dp_exhausted)),
        d("dp_exhausted_se", |c| c.dp_exhausted_se),
        d("dcut_cum_mean", |c| Some(c.dcut_cum_mean)),
        d("dcut_cum_se", |c| c.dcut_cum_se),
    ]);
    with_provenance(columns, rows.len(), provenance)
}

/// The risk list (`at_risk.csv`): `state, rank_in_state, facilities_in_state,
/// practice, name, ccn, city, kind, year, p_negative, p_negative_se,
/// p_distress, p_distress_se, p_exhausted, p_exhausted_se`, then provenance.
pub fn at_risk(rows: &[crate::analysis::at_risk::AtRiskRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    use crate::analysis::at_risk::AtRiskRow;
    let counts = |name: &str, get: fn(&AtRiskRow) -> usize| {
        Column::new(name.into(), rows.iter().map(|r| get(r) as u32).collect::<Vec<u32>>())
    };
    let f = |name: &str, get: fn(&AtRiskRow) -> f64| floats(name, rows.iter().map(get));
    let columns = vec![
        text("state", rows.iter().map(|r| r.state.as_str())),
        counts("rank_in_state", |r| r.rank_in_state),
        counts("facilities_in_state", |r| r.facilities_in_state),
        text("practice", rows.iter().map(|r| r.practice.as_str())),
        text("name", rows.iter().map(|r| r.name.as_str())),
        text("ccn", rows.iter().map(|r| r.ccn.as_str())),
        text("city", rows.iter().map(|r| r.city.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("p_negative", |r| r.p_negative),
        f("p_negative_se", |r| r.p_negative_se),
        f("p_distress", |r| r.p_distress),
        f("p_distress_se", |r| r.p_distress_se),
        f("p_exhausted", |r| r.p_exhausted),
        f("p_exhausted_se", |r| r.p_exhausted_se),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// Group table: `<by columns>, policy, year, facilities, n_negative,
/// n_distress, n_exhausted, cut_total, margin_p5, margin_p50, margin_p95`,
/// then the standard errors of the levels (`n_negative_se, n_distress_se,
/// n_exhausted_se`), `cut_cum_total, cut_cum_total_se`, and the policy
/// minus the baseline paired by path (`dn_negative, dn_negative_se,
/// dn_distress, dn_distress_se, dn_exhausted, dn_exhausted_se,
/// dcut_cum_total, dcut_cum_total_se`; empty on the baseline's rows).
pub fn groups(
    rows: &[crate::engine::summary::GroupRow],
    by: &[String],
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    use crate::engine::summary::GroupRow;
    let mut columns: Vec<Column> = by
        .iter()
        .enumerate()
        .map(|(i, name)| text(name, rows.iter().map(move |r| r.key.get(i).map_or("", String::as_str))))
        .collect();
    let f = |name: &str, get: fn(&GroupRow) -> f64| floats(name, rows.iter().map(get));
    columns.extend([
        text("policy", rows.iter().map(|r| r.policy.as_str())),
        years(rows.iter().map(|r| r.year)),
        f("facilities", |r| r.facilities),
        f("n_negative", |r| r.n_negative),
        f("n_distress", |r| r.n_distress),
        f("n_exhausted", |r| r.n_exhausted),
        f("cut_total", |r| r.cut_total),
        f("margin_p5", |r| r.margin_percentiles[0]),
        f("margin_p50", |r| r.margin_percentiles[1]),
        f("margin_p95", |r| r.margin_percentiles[2]),
    ]);
    let o = |name: &str, get: fn(&GroupRow) -> Option<f64>| optional_floats(name, rows.iter().map(get));
    columns.extend([
        o("n_negative_se", |r| r.n_negative_se),
        o("n_distress_se", |r| r.n_distress_se),
        o("n_exhausted_se", |r| r.n_exhausted_se),
        f("cut_cum_total", |r| r.cut_cum_total),
        o("cut_cum_total_se", |r| r.cut_cum_total_se),
        o("dn_negative", |r| r.dn_negative),
        o("dn_negative_se", |r| r.dn_negative_se),
        o("dn_distress", |r| r.dn_distress),
        o("dn_distress_se", |r| r.dn_distress_se),
        o("dn_exhausted", |r| r.dn_exhausted),
        o("dn_exhausted_se", |r| r.dn_exhausted_se),
        o("dcut_cum_total", |r| r.dcut_cum_total),
        o("dcut_cum_total_se", |r| r.dcut_cum_total_se),
    ]);
    with_provenance(columns, rows.len(), provenance)
}

/// Backtest per hospital: `ccn, name, kind, state, actual_kind,
/// predicted_p5, predicted_p25, predicted_p50, predicted_p75, predicted_p95,
/// actual, pit, crps, persistence, persistence_abs_error, in_50, in_90,
/// p_negative, p_exhausted`, then provenance.
pub fn backtest_hospitals(rows: &[crate::backtest::HospitalRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    use crate::backtest::HospitalRow;
    let f = |name: &str, get: fn(&HospitalRow) -> f64| floats(name, rows.iter().map(get));
    let flag = |name: &str, get: fn(&HospitalRow) -> bool| {
        Column::new(name.into(), rows.iter().map(get).collect::<Vec<bool>>())
    };
    let columns = vec![
        text("ccn", rows.iter().map(|r| r.ccn.as_str())),
        text("name", rows.iter().map(|r| r.name.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        text("state", rows.iter().map(|r| r.state.as_str())),
        text("actual_kind", rows.iter().map(|r| r.actual_kind.as_str())),
        f("predicted_p5", |r| r.predicted[0]),
        f("predicted_p25", |r| r.predicted[1]),
        f("predicted_p50", |r| r.predicted[2]),
        f("predicted_p75", |r| r.predicted[3]),
        f("predicted_p95", |r| r.predicted[4]),
        f("actual", |r| r.actual),
        f("pit", |r| r.pit),
        f("crps", |r| r.crps),
        f("persistence", |r| r.persistence),
        f("persistence_abs_error", HospitalRow::persistence_crps),
        flag("in_50", HospitalRow::in_50),
        flag("in_90", HospitalRow::in_90),
        f("p_negative", |r| r.p_negative),
        f("p_exhausted", |r| r.p_exhausted),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// Backtest summary by kind, then `all`: counts, shares in the red
/// (predicted with its Monte Carlo standard error and predictive P5/P95 over
/// paths, and actual), medians, interval coverage, CRPS and skill, the
/// closure proxy and the PIT decile counts.
pub fn backtest_summary(rows: &[crate::backtest::SummaryLine], provenance: &Provenance) -> PolarsResult<DataFrame> {
    use crate::backtest::{SummaryLine, PIT_BINS};
    let f = |name: &str, get: fn(&SummaryLine) -> f64| floats(name, rows.iter().map(get));
    let n = |name: &str, get: fn(&SummaryLine) -> usize| {
        Column::new(name.into(), rows.iter().map(|r| get(r) as u64).collect::<Vec<u64>>())
    };
    let mut columns = vec![
        text("group", rows.iter().map(|r| r.group.as_str())),
        n("matched", |r| r.matched),
        n("unmatched", |r| r.unmatched),
        n("no_report", |r| r.no_report),
        n("kind_changed", |r| r.kind_changed),
        f("predicted_share_negative", |r| r.predicted_share_negative),
        f("predicted_share_negative_se", |r| r.predicted_share_negative_se),
        f("predicted_share_negative_p5", |r| r.predicted_share_negative_interval[0]),
        f("predicted_share_negative_p95", |r| r.predicted_share_negative_interval[1]),
        f("actual_share_negative", |r| r.actual_share_negative),
        f("predicted_median_margin", |r| r.predicted_median_margin),
        f("actual_median_margin", |r| r.actual_median_margin),
        f("coverage_50", |r| r.coverage_50),
        f("coverage_90", |r| r.coverage_90),
        f("crps_seqsim", |r| r.crps),
        f("crps_persistence", |r| r.crps_persistence),
        f("skill", |r| r.skill),
        f("p_exhausted_matched", |r| r.p_exhausted_matched),
        f("p_exhausted_no_report", |r| r.p_exhausted_no_report),
    ];
    for bin in 0..PIT_BINS {
        let name = format!("pit_{}_{}", bin * 10, (bin + 1) * 10);
        columns.push(Column::new(
            name.as_str().into(),
            rows.iter().map(|r| r.pit_counts[bin] as u64).collect::<Vec<u64>>(),
        ));
    }
    with_provenance(columns, rows.len(), provenance)
}

/// Hospitals of the projected cohort without an outcome: `ccn, name, kind,
/// state, reason, p_exhausted`, then provenance.
pub fn backtest_unmatched(rows: &[crate::backtest::UnmatchedRow], provenance: &Provenance) -> PolarsResult<DataFrame> {
    let reasons: Vec<String> = rows.iter().map(|r| r.reason.describe()).collect();
    let columns = vec![
        text("ccn", rows.iter().map(|r| r.ccn.as_str())),
        text("name", rows.iter().map(|r| r.name.as_str())),
        text("kind", rows.iter().map(|r| r.kind.as_str())),
        text("state", rows.iter().map(|r| r.state.as_str())),
        text("reason", reasons.iter().map(String::as_str)),
        floats("p_exhausted", rows.iter().map(|r| r.p_exhausted)),
    ];
    with_provenance(columns, rows.len(), provenance)
}

fn counts(name: &str, values: impl Iterator<Item = usize>) -> Column {
    Column::new(name.into(), values.map(|v| v as u64).collect::<Vec<u64>>())
}

/// The reliability tables of a backtest: `target, group, decile, hospitals,
/// forecast_min, forecast_max, forecast_mean, observed, observed_share,
/// observed_low, observed_high` (Wilson 95%), one row per non-empty decile,
/// then provenance.
pub fn backtest_reliability(
    tables: &[crate::backtest::risk::ReliabilityTable],
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    let rows: Vec<(&crate::backtest::risk::ReliabilityTable, &crate::backtest::scores::Bin)> =
        tables.iter().flat_map(|t| t.bins.iter().map(move |b| (t, b))).collect();
    let columns = vec![
        text("target", rows.iter().map(|(t, _)| t.target.id())),
        text("group", rows.iter().map(|(t, _)| t.group.as_str())),
        counts("decile", rows.iter().map(|(_, b)| b.class + 1)),
        counts("hospitals", rows.iter().map(|(_, b)| b.n)),
        floats("forecast_min", rows.iter().map(|(_, b)| b.forecast_range[0])),
        floats("forecast_max", rows.iter().map(|(_, b)| b.forecast_range[1])),
        floats("forecast_mean", rows.iter().map(|(_, b)| b.forecast_mean)),
        counts("observed", rows.iter().map(|(_, b)| b.observed)),
        floats("observed_share", rows.iter().map(|(_, b)| b.observed_share)),
        floats("observed_low", rows.iter().map(|(_, b)| b.interval[0])),
        floats("observed_high", rows.iter().map(|(_, b)| b.interval[1])),
    ];
    with_provenance(columns, rows.len(), provenance)
}

/// The Brier scores of a backtest over its reliability deciles: `target,
/// group, hospitals, brier, reliability, resolution, uncertainty,
/// within_variance, within_covariance` (`brier = reliability - resolution +
/// uncertainty + within_variance - 2 within_covariance`), then provenance.
pub fn backtest_brier(
    tables: &[crate::backtest::risk::ReliabilityTable],
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    let columns = vec![
        text("target", tables.iter().map(|t| t.target.id())),
        text("group", tables.iter().map(|t| t.group.as_str())),
        counts("hospitals", tables.iter().map(|t| t.brier.n)),
        floats("brier", tables.iter().map(|t| t.brier.score)),
        floats("reliability", tables.iter().map(|t| t.brier.reliability)),
        floats("resolution", tables.iter().map(|t| t.brier.resolution)),
        floats("uncertainty", tables.iter().map(|t| t.brier.uncertainty)),
        floats("within_variance", tables.iter().map(|t| t.brier.within_variance)),
        floats("within_covariance", tables.iter().map(|t| t.brier.within_covariance)),
    ];
    with_provenance(columns, tables.len(), provenance)
}

/// AUC columns of one score: `auc, auc_se, auc_low, auc_high,
/// vs_persistence_margin, vs_persistence_margin_se,
/// vs_persistence_margin_low, vs_persistence_margin_high` (empty when not
/// computable, e.g. no standard error with a single positive).
fn auc_columns(
    aucs: &[Option<crate::backtest::scores::Auc>],
    differences: &[Option<crate::backtest::scores::AucDifference>],
) -> Vec<Column> {
    let a = |name: &str, get: fn(&crate::backtest::scores::Auc) -> f64| {
        optional_floats(name, aucs.iter().map(|x| x.as_ref().map(get).filter(|v| v.is_finite())))
    };
    let d = |name: &str, get: fn(&crate::backtest::scores::AucDifference) -> f64| {
        optional_floats(name, differences.iter().map(|x| x.as_ref().map(get).filter(|v| v.is_finite())))
    };
    vec![
        a("auc", |x| x.auc),
        a("auc_se", |x| x.se),
        a("auc_low", |x| x.interval[0]),
        a("auc_high", |x| x.interval[1]),
        d("vs_persistence_margin", |x| x.difference),
        d("vs_persistence_margin_se", |x| x.se),
        d("vs_persistence_margin_low", |x| x.interval[0]),
        d("vs_persistence_margin_high", |x| x.interval[1]),
    ]
}

/// The rankings of a backtest: `target, group, score, positives, negatives`,
/// the AUC with DeLong's 95% interval and its difference from persistence's
/// (base-year margin) with the paired interval, then provenance.
pub fn backtest_ranking(
    lines: &[crate::backtest::risk::RankingLine],
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    let aucs: Vec<_> = lines.iter().map(|l| l.auc).collect();
    let differences: Vec<_> = lines.iter().map(|l| l.versus_persistence).collect();
    let mut columns = vec![
        text("target", lines.iter().map(|l| l.target.id())),
        text("group", lines.iter().map(|l| l.group.as_str())),
        text("score", lines.iter().map(|l| l.score.id())),
        counts("positives", lines.iter().map(|l| l.auc.map_or(0, |a| a.positives))),
        counts("negatives", lines.iter().map(|l| l.auc.map_or(0, |a| a.negatives))),
    ];
    columns.extend(auc_columns(&aucs, &differences));
    with_provenance(columns, lines.len(), provenance)
}

/// The closure scores of a backtest: one row per scored horizon, group and
/// score (`horizon_years, end_year, risk_year, group, score, closed,
/// survived`, the AUC columns, closure counts and rates by quartile
/// `q1..q4` and in the top decile, the top decile's share of closures),
/// with the horizon's hospitals left out (`stopped_filing`,
/// `closed_before_base`) and the list's matching counts; a horizon not
/// scored is one row with its reason in `note`. Then provenance.
pub fn backtest_closures(
    scores: &crate::backtest::closures::ClosureScores,
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    use crate::backtest::closures::{ClassRate, ClosureLine, Horizon};
    let mut rows: Vec<(&Horizon, Option<&ClosureLine>)> = Vec::new();
    for h in &scores.horizons {
        rows.extend(h.lines.iter().map(|l| (h, Some(l))));
    }
    let unscored: Vec<Horizon> = scores
        .unscored
        .iter()
        .map(|u| Horizon {
            years: u.years,
            end_year: scores.base_year + u.years,
            risk_year: scores.base_year + u.years,
            closed: 0,
            survived: 0,
            stopped_filing: 0,
            closed_before_base: 0,
            lines: Vec::new(),
        })
        .collect();
    rows.extend(unscored.iter().map(|h| (h, None)));
    let notes: Vec<String> = rows
        .iter()
        .map(|(h, l)| match l {
            Some(_) => String::new(),
            None => scores
                .unscored
                .iter()
                .find(|u| u.years == h.years)
                .map_or_else(String::new, |u| format!("not scored: {}", u.why)),
        })
        .collect();
    let n = rows.len();
    let line_count =
        |name: &str, get: fn(&ClosureLine) -> usize| counts_opt(name, rows.iter().map(|(_, l)| l.map(get)));
    let class = |name: String, get: &dyn Fn(&ClosureLine) -> ClassRate| -> Vec<Column> {
        vec![
            counts_opt(&format!("{name}_hospitals"), rows.iter().map(|(_, l)| l.map(|l| get(l).n))),
            counts_opt(&format!("{name}_closed"), rows.iter().map(|(_, l)| l.map(|l| get(l).closed))),
            optional_floats(
                &format!("{name}_rate"),
                rows.iter().map(|(_, l)| l.map(get).filter(|c| c.n > 0).map(|c| c.rate())),
            ),
        ]
    };
    let aucs: Vec<_> = rows.iter().map(|(_, l)| l.and_then(|l| l.auc)).collect();
    let differences: Vec<_> = rows.iter().map(|(_, l)| l.and_then(|l| l.versus_persistence)).collect();
    let m = &scores.matching;
    let repeat = |name: &str, value: usize| Column::new(name.into(), vec![value as u64; n]);
    let mut columns = vec![
        Column::new("horizon_years".into(), rows.iter().map(|(h, _)| h.years).collect::<Vec<i32>>()),
        Column::new("end_year".into(), rows.iter().map(|(h, _)| h.end_year).collect::<Vec<i32>>()),
        Column::new("risk_year".into(), rows.iter().map(|(h, _)| h.risk_year).collect::<Vec<i32>>()),
        text("group", rows.iter().map(|(_, l)| l.map_or(crate::backtest::ALL, |l| l.group.as_str()))),
        text("score", rows.iter().map(|(_, l)| l.map_or("", |l| l.score.id()))),
        line_count("closed", |l| l.closed),
        line_count("survived", |l| l.survived),
    ];
    columns.extend(auc_columns(&aucs, &differences));
    for q in 0..4 {
        columns.extend(class(format!("q{}", q + 1), &move |l: &ClosureLine| l.quartiles[q]));
    }
    columns.extend(class("top_decile".to_string(), &|l: &ClosureLine| l.top_decile));
    columns.push(optional_floats(
        "top_decile_share_of_closures",
        rows.iter().map(|(_, l)| l.map(ClosureLine::top_decile_share).filter(|v| v.is_finite())),
    ));
    columns.extend([
        counts("stopped_filing", rows.iter().map(|(h, _)| h.stopped_filing)),
        counts("closed_before_base", rows.iter().map(|(h, _)| h.closed_before_base)),
        repeat("list_rows", m.rows),
        repeat("list_rows_from_base_year", m.considered),
        repeat("matched_by_ccn", m.by_ccn),
        repeat("matched_by_ccn_names_differ", m.by_ccn_names_differ),
        repeat("matched_by_name_and_place", m.by_name),
        repeat("unmatched", m.unmatched),
        repeat("ccn_leads_rejected", m.leads_rejected),
        repeat("matched_still_filing", m.still_filing),
        text("note", notes.iter().map(String::as_str)),
    ]);
    with_provenance(columns, n, provenance)
}

fn counts_opt(name: &str, values: impl Iterator<Item = Option<usize>>) -> Column {
    Column::new(name.into(), values.map(|v| v.map(|v| v as u64)).collect::<Vec<Option<u64>>>())
}

/// The list's rows from the base year on and how each was matched:
/// `row, hospital, city, state, closure_year, closure_month, converted,
/// ccn_listed, how, names_agree, ccn_lead_rejected, ccn, cohort_name,
/// cohort_city, kind, base_period_end, after_base_period, filed_later`
/// (the last eight empty when unmatched), then provenance.
pub fn backtest_closure_list(
    scores: &crate::backtest::closures::ClosureScores,
    facilities: &[crate::backtest::closures::Facility],
    provenance: &Provenance,
) -> PolarsResult<DataFrame> {
    let rows = &scores.matches;
    let facility = |i: usize| rows[i].facility.and_then(|f| facilities.get(f));
    let from_facility = |name: &str, get: fn(&crate::backtest::closures::Facility) -> String| {
        Column::new(name.into(), (0..rows.len()).map(|i| facility(i).map(get)).collect::<Vec<Option<String>>>())
    };
    let ends: Vec<Option<String>> =
        (0..rows.len()).map(|i| facility(i).and_then(|f| f.base_end).map(|d| d.to_string())).collect();
    let after: Vec<Option<bool>> = rows
        .iter()
        .enumerate()
        .map(|(i, m)| {
            facility(i).map(|f| f.base_end.is_none_or(|e| (m.closure.year, m.closure.month) > (e.year(), e.month())))
        })
        .collect();
    let columns = vec![
        counts("row", rows.iter().map(|m| m.closure.row)),
        text("hospital", rows.iter().map(|m| m.closure.hospital.as_str())),
        text("city", rows.iter().map(|m| m.closure.city.as_str())),
        text("state", rows.iter().map(|m| m.closure.state.as_str())),
        Column::new("closure_year".into(), rows.iter().map(|m| m.closure.year).collect::<Vec<i32>>()),
        Column::new("closure_month".into(), rows.iter().map(|m| m.closure.month).collect::<Vec<u32>>()),
        Column::new("converted".into(), rows.iter().map(|m| m.closure.converted).collect::<Vec<bool>>()),
        text("ccn_listed", rows.iter().map(|m| m.closure.ccn.as_deref().unwrap_or(""))),
        text("how", rows.iter().map(|m| m.how.id())),
        Column::new("names_agree".into(), rows.iter().map(|m| m.names_agree).collect::<Vec<bool>>()),
        Column::new("ccn_lead_rejected".into(), rows.iter().map(|m| m.lead_rejected).collect::<Vec<bool>>()),
        from_facility("ccn", |f| f.ccn.clone()),
        from_facility("cohort_name", |f| f.name.clone()),
        from_facility("cohort_city", |f| f.city.clone()),
        from_facility("kind", |f| f.kind.clone()),
        Column::new("base_period_end".into(), ends),
        Column::new("after_base_period".into(), after),
        Column::new(
            "filed_later".into(),
            (0..rows.len()).map(|i| facility(i).map(|f| f.filed_later)).collect::<Vec<Option<bool>>>(),
        ),
    ];
    with_provenance(columns, rows.len(), provenance)
}
