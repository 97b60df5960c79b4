//! Charts as SVG (plotters): the sweep chart and tornado charts. Colours are
//! the Okabe–Ito palette, distinguishable with the common colour-vision
//! deficiencies; every chart has a title and a caption with the scenario,
//! seed and paths.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use crate::analysis::{FactorType, Metric, SweepRow, TornadoRow};

use super::Provenance;

/// Okabe–Ito colours (black last).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];
const DRIVER_COLOUR: RGBColor = PALETTE[0];
const LEVER_COLOUR: RGBColor = PALETTE[1];

/// What plotters reports when drawing fails (the SVG backend's errors are
/// I/O errors).
pub type DrawError = DrawingAreaErrorKind<std::io::Error>;

/// Why a chart could not be drawn: the chart and plotters' error.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode {name}: {source}")]
pub struct ChartError {
    /// The chart's file name, e.g. `sweep.svg`.
    pub name: String,
    /// plotters' error.
    #[source]
    pub source: DrawError,
}

/// A drawing area on an SVG string.
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws a chart of `size` pixels with `paint` and returns its SVG; `name`
/// (the chart's file name) labels a failure.
fn draw(
    name: &str,
    size: (u32, u32),
    paint: impl FnOnce(&Area<'_>) -> Result<(), DrawError>,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        paint(&root).and_then(|()| root.present()).map_err(|source| ChartError { name: name.to_string(), source })?;
    }
    Ok(svg)
}

/// The provenance line under every chart.
pub fn caption(provenance: &Provenance) -> String {
    format!(
        "{} · seed {} · {} paths · seqsim {}",
        provenance.scenario_name,
        provenance.seed.unwrap_or_default(),
        provenance.paths.unwrap_or_default(),
        provenance.version
    )
}

/// Fills `root` white, writes `title` above and the provenance caption below,
/// and returns the area between them (`body_height` pixels tall).
fn framed<'a>(root: &Area<'a>, title: &str, body_height: u32, provenance: &Provenance) -> Result<Area<'a>, DrawError> {
    root.fill(&WHITE)?;
    let (head, rest) = root.split_vertically(40);
    head.titled(title, ("sans-serif", 22))?;
    let (body, foot) = rest.split_vertically(body_height);
    foot.titled(&caption(provenance), ("sans-serif", 13))?;
    Ok(body)
}

/// Draws the series legend at `position` on a translucent white box.
fn legend<'a, CT>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawError>
where
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
}

fn padded(low: f64, high: f64) -> (f64, f64) {
    let (low, high) = if low.is_finite() && high.is_finite() { (low, high) } else { (0.0, 1.0) };
    let pad = ((high - low).abs() * 0.08).max(1e-4);
    (low - pad, high + pad)
}

/// The sweep chart: P(cash exhausted) and median margin in `year` against the
/// lever value, one line per practice.
pub fn sweep(
    rows: &[SweepRow],
    values: &[f64],
    practices: &[String],
    year: i32,
    lever: &str,
    provenance: &Provenance,
) -> Result<String, ChartError> {
    draw("sweep.svg", (900, 760), |root| {
        let body =
            framed(root, &format!("{lever} swept: cash exhaustion and median margin in {year}"), 690, provenance)?;
        let panels = body.split_evenly((2, 1));
        let (x_low, x_high) = padded(values.first().copied().unwrap_or(0.0), values.last().copied().unwrap_or(1.0));
        let at = |practice: &str, metric: Metric| -> Vec<(f64, f64)> {
            rows.iter()
                .filter(|r| r.practice == practice && r.year == year)
                .filter_map(|r| values.get(r.value_index).map(|v| (*v, r.metric(metric))))
                .collect()
        };
        let specs: [(&str, Metric); 2] =
            [("P(cash exhausted by year)", Metric::PExhausted), ("median margin", Metric::MarginP50)];
        for (panel, (label, metric)) in panels.iter().zip(specs) {
            let all: Vec<f64> = practices.iter().flat_map(|p| at(p, metric)).map(|(_, y)| y).collect();
            let (y_low, y_high) = padded(
                all.iter().copied().fold(f64::INFINITY, f64::min),
                all.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            // Headroom above the data for the legend, so it covers no line.
            let y_high = y_high + (y_high - y_low) * 0.12 * practices.len().min(8) as f64;
            let mut chart = ChartBuilder::on(panel)
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(x_low..x_high, y_low..y_high)?;
            chart
                .configure_mesh()
                .x_desc(format!("{lever} (from the first projected year on)"))
                .y_desc(format!("{label}, %"))
                .x_label_formatter(&|v| format!("{:.2}%", v * 100.0))
                .y_label_formatter(&|v| format!("{:.1}%", v * 100.0))
                .draw()?;
            for (i, practice) in practices.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                chart
                    .draw_series(LineSeries::new(at(practice, metric), colour.stroke_width(2)))?
                    .label(practice.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
            }
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    })
}

/// A tornado chart for one practice: one bar per factor from its low to its
/// high value, drivers and policy levers in different colours, largest swing
/// on top.
pub fn tornado(
    rows: &[&TornadoRow],
    practice: &str,
    metric: &str,
    year: i32,
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let name = format!("tornado_{practice}.svg");
    let percent_points = metric.starts_with("margin") || metric.starts_with("p_");
    let height = 140 + 34 * rows.len().max(1) as u32;
    draw(&name, (900, height), |root| {
        let body = framed(root, &format!("{practice}: what moves {metric} in {year}"), height - 70, provenance)?;
        let values: Vec<f64> = rows.iter().flat_map(|r| [r.low, r.high]).collect();
        let (x_low, x_high) = padded(
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        let n = rows.len().max(1);
        let labels: Vec<String> = rows.iter().map(|r| format!("{} ({})", r.factor, r.factor_type)).collect();
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(260)
            .build_cartesian_2d(x_low..x_high, -0.5f64..(n as f64 - 0.5))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y| {
                let index = n as i64 - 1 - y.round() as i64;
                usize::try_from(index).ok().and_then(|i| labels.get(i)).cloned().unwrap_or_default()
            })
            .x_desc(if percent_points { format!("{metric}, %") } else { metric.to_string() })
            .x_label_formatter(&|v| if percent_points { format!("{:.2}%", v * 100.0) } else { format!("{v:.3}") })
            .draw()?;
        for (kind, colour) in [(FactorType::Driver, DRIVER_COLOUR), (FactorType::Lever, LEVER_COLOUR)] {
            let bars = rows.iter().enumerate().filter(|(_, r)| r.factor_type == kind).map(|(i, r)| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(r.low.min(r.high), y - 0.35), (r.low.max(r.high), y + 0.35)], colour.filled())
            });
            let label = if kind == FactorType::Driver {
                "economic driver (P10 to P90)"
            } else {
                "policy lever (baseline to policy)"
            };
            chart
                .draw_series(bars)?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], colour.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

use crate::engine::summary::{NationalRow, SummaryRow};

/// Reads a probability and its standard error from a summary row.
type ProbabilityOf = fn(&SummaryRow) -> (f64, f64);

/// One policy's rows for a practice, in year order.
fn series<'a>(rows: &'a [SummaryRow], practice: &str, policy: &str) -> Vec<&'a SummaryRow> {
    rows.iter().filter(|r| r.practice == practice && r.policy == policy).collect()
}

fn year_range(rows: &[SummaryRow]) -> (i32, i32) {
    let first = rows.iter().map(|r| r.year).min().unwrap_or(2027);
    let last = rows.iter().map(|r| r.year).max().unwrap_or(first);
    (first, last.max(first + 1))
}

/// The fan chart of one practice: margin by year, median line with P25–P75
/// and P5–P95 bands, one colour per policy, and a zero line.
pub fn fan(
    rows: &[SummaryRow],
    practice: &str,
    policies: &[(String, String)],
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let name = format!("fan_{practice}.svg");
    let (first, last) = year_range(rows);
    draw(&name, (900, 520), |root| {
        let body = framed(root, &format!("{practice}: operating margin, median and 50% / 90% bands"), 450, provenance)?;
        let values: Vec<f64> = rows
            .iter()
            .filter(|r| r.practice == practice)
            .flat_map(|r| [r.margin_percentiles[0], r.margin_percentiles[4], 0.0])
            .collect();
        let (y_low, y_high) = padded(
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        let y_high = y_high + (y_high - y_low) * 0.08 * policies.len().min(8) as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(first as f64 - 0.3..last as f64 + 0.3, y_low..y_high)?;
        chart
            .configure_mesh()
            .x_desc("calendar year")
            .y_desc("operating margin, %")
            .x_labels((last - first + 1) as usize)
            .x_label_formatter(&|x| format!("{}", x.round() as i64))
            .y_label_formatter(&|y| format!("{:.1}%", y * 100.0 + 0.0))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(first as f64 - 0.3, 0.0), (last as f64 + 0.3, 0.0)],
            BLACK.stroke_width(1),
        )))?;
        for (i, (policy, label)) in policies.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let line = series(rows, practice, policy);
            for (low, high, alpha) in [(0usize, 4usize, 0.12), (1, 3, 0.25)] {
                let mut band: Vec<(f64, f64)> =
                    line.iter().map(|r| (r.year as f64, r.margin_percentiles[low])).collect();
                band.extend(line.iter().rev().map(|r| (r.year as f64, r.margin_percentiles[high])));
                chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(alpha).filled())))?;
            }
            chart
                .draw_series(LineSeries::new(
                    line.iter().map(|r| (r.year as f64, r.margin_percentiles[2])),
                    colour.stroke_width(3),
                ))?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

/// The risk curves of one practice: P(cash exhausted by year) and
/// P(margin < 0) by year, one line per policy, with ±2 standard-error bars.
pub fn risk(
    rows: &[SummaryRow],
    practice: &str,
    policies: &[(String, String)],
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let name = format!("risk_{practice}.svg");
    let (first, last) = year_range(rows);
    draw(&name, (900, 700), |root| {
        let body =
            framed(root, &format!("{practice}: risk by year (bars: ±2 Monte Carlo standard errors)"), 630, provenance)?;
        let panels = body.split_evenly((2, 1));
        let specs: [(&str, ProbabilityOf); 2] = [
            ("P(cash exhausted by year)", |r| (r.p_exhausted, r.p_exhausted_se)),
            ("P(margin < 0)", |r| (r.p_negative, r.p_negative_se)),
        ];
        for (panel, (label, get)) in panels.iter().zip(specs) {
            let top = rows.iter().filter(|r| r.practice == practice).map(|r| get(r).0).fold(0.0f64, f64::max);
            let y_high = (top * (1.0 + 0.1 * policies.len().min(8) as f64)).clamp(0.05, 1.3);
            let mut chart = ChartBuilder::on(panel)
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(first as f64 - 0.3..last as f64 + 0.3, 0.0..y_high)?;
            chart
                .configure_mesh()
                .x_desc("calendar year")
                .y_desc(format!("{label}, %"))
                .x_labels((last - first + 1) as usize)
                .x_label_formatter(&|x| format!("{}", x.round() as i64))
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .draw()?;
            for (i, (policy, policy_label)) in policies.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                let line = series(rows, practice, policy);
                // Offset each policy a little so error bars do not overlap.
                let shift = (i as f64 - (policies.len() as f64 - 1.0) / 2.0) * 0.06;
                chart
                    .draw_series(LineSeries::new(
                        line.iter().map(|r| (r.year as f64 + shift, get(r).0)),
                        colour.stroke_width(2),
                    ))?
                    .label(policy_label.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                chart.draw_series(line.iter().map(|r| {
                    let (p, se) = get(r);
                    let x = r.year as f64 + shift;
                    PathElement::new(vec![(x, (p - 2.0 * se).max(0.0)), (x, p + 2.0 * se)], colour.stroke_width(1))
                }))?;
            }
            legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        }
        Ok(())
    })
}

/// National bars: CO-253 dollars per year by kind under the baseline
/// (stacked), and the cumulative CO-253 dollars each alternative keeps in
/// practices over the horizon.
pub fn national(
    rows: &[NationalRow],
    baseline: &str,
    policies: &[(String, String)],
    kinds: &[String],
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let first = rows.iter().map(|r| r.year).min().unwrap_or(2027);
    let last = rows.iter().map(|r| r.year).max().unwrap_or(first);
    let national = National { rows, baseline, first, last };
    draw("national.svg", (900, 760), |root| {
        let body = framed(root, "CO-253 sequestration dollars, all practices (count-weighted)", 690, provenance)?;
        let (top, bottom) = body.split_vertically(400);
        national_by_kind(&top, &national, kinds)?;
        national_kept(&bottom, &national, policies)
    })
}

/// The national rows of a run, with its baseline and its years.
struct National<'a> {
    rows: &'a [NationalRow],
    baseline: &'a str,
    first: i32,
    last: i32,
}

impl National<'_> {
    /// The row of `kind` under `policy` in `year`.
    fn at(&self, kind: &str, policy: &str, year: i32) -> Option<&NationalRow> {
        self.rows.iter().find(|r| r.kind == kind && r.policy == policy && r.year == year)
    }
}

/// The upper panel of the national chart: CO-253 dollars per year under the
/// baseline, one stacked bar per kind.
fn national_by_kind(area: &Area<'_>, national: &National, kinds: &[String]) -> Result<(), DrawError> {
    let National { baseline, first, last, .. } = *national;
    let totals: Vec<f64> =
        (first..=last).map(|y| national.at("all", baseline, y).map_or(0.0, |r| r.cut_total)).collect();
    let y_high = totals.iter().copied().fold(0.0, f64::max).max(1.0) * (1.15 + 0.06 * kinds.len() as f64);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .caption(format!("per year by kind, {baseline}"), ("sans-serif", 16))
        .build_cartesian_2d(first as f64 - 0.6..last as f64 + 0.6, 0.0..y_high / 1e6)?;
    chart
        .configure_mesh()
        .x_labels((last - first + 1) as usize)
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_desc("$ millions")
        .draw()?;
    let mut base = vec![0.0; (last - first + 1) as usize];
    for (i, kind) in kinds.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let bars: Vec<Rectangle<(f64, f64)>> = (first..=last)
            .enumerate()
            .map(|(t, year)| {
                let value = national.at(kind, baseline, year).map_or(0.0, |r| r.cut_total) / 1e6;
                let rect = Rectangle::new(
                    [(year as f64 - 0.35, base[t]), (year as f64 + 0.35, base[t] + value)],
                    colour.filled(),
                );
                base[t] += value;
                rect
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(kind.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// The lower panel of the national chart: the cumulative CO-253 dollars each
/// policy other than the baseline keeps in practices over the horizon.
fn national_kept(area: &Area<'_>, national: &National, policies: &[(String, String)]) -> Result<(), DrawError> {
    let National { baseline, first, last, .. } = *national;
    let kept: Vec<(String, f64)> = policies
        .iter()
        .filter(|(name, _)| name != baseline)
        .map(|(name, label)| {
            let base_total = national.at("all", baseline, last).map_or(0.0, |r| r.cut_cum_total);
            let policy_total = national.at("all", name, last).map_or(0.0, |r| r.cut_cum_total);
            (label.clone(), (base_total - policy_total) / 1e6)
        })
        .collect();
    let low = kept.iter().map(|(_, v)| *v).fold(0.0, f64::min);
    let high = kept.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let (low, high) = padded(low, high);
    let n = kept.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(240)
        .caption(
            format!("cumulative dollars kept in practices {first}–{last}, each policy vs {baseline}"),
            ("sans-serif", 16),
        )
        .build_cartesian_2d(low..high, -0.5..(n as f64 - 0.5))?;
    let labels: Vec<String> = kept.iter().map(|(l, _)| l.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            usize::try_from(y.round() as i64).ok().and_then(|i| labels.get(i)).cloned().unwrap_or_default()
        })
        .x_desc("$ millions (negative: more is cut)")
        .draw()?;
    chart.draw_series(kept.iter().enumerate().map(|(i, (_, v))| {
        let colour = if *v >= 0.0 { PALETTE[2] } else { PALETTE[1] };
        Rectangle::new([(0.0, i as f64 - 0.3), (*v, i as f64 + 0.3)], colour.filled())
    }))?;
    Ok(())
}

/// Which share of a cohort's facilities a chart follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// Facilities with a negative operating margin ("in the red").
    Negative,
    /// Facilities whose cash is exhausted (that year or earlier).
    Exhausted,
}

impl Share {
    /// The share in a whole-cohort total row.
    pub fn of(self, row: &super::read::CohortYear) -> f64 {
        let n = match self {
            Share::Negative => row.n_negative,
            Share::Exhausted => row.n_exhausted,
        };
        if row.facilities > 0.0 {
            n / row.facilities
        } else {
            f64::NAN
        }
    }
}

/// A cohort's share of facilities in the red (or with cash exhausted) by
/// year, one line per policy.
pub fn cohort_share(
    totals: &[super::read::CohortYear],
    share: Share,
    policies: &[(String, String)],
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let (name, title, axis) = match share {
        Share::Negative => (
            "share_negative.svg",
            "Share of facilities in the red (operating margin below zero)",
            "facilities in the red, %",
        ),
        Share::Exhausted => (
            "share_exhausted.svg",
            "Share of facilities with cash exhausted (that year or earlier)",
            "facilities with cash exhausted, %",
        ),
    };
    let first = totals.iter().map(|r| r.year).min().unwrap_or(2027);
    let last = totals.iter().map(|r| r.year).max().unwrap_or(first).max(first + 1);
    draw(name, (900, 520), |root| {
        let body = framed(root, title, 450, provenance)?;
        // The axis spans the data (policies differ by a few points), with
        // headroom above for the legend.
        let values: Vec<f64> = totals.iter().map(|r| share.of(r)).filter(|v| v.is_finite()).collect();
        let (y_low, y_high) = padded(
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        let y_low = y_low.max(0.0);
        let y_high = (y_high + (y_high - y_low).max(0.01) * 0.12 * policies.len().min(8) as f64).max(y_low + 0.01);
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(first as f64 - 0.3..last as f64 + 0.3, y_low..y_high)?;
        chart
            .configure_mesh()
            .x_desc("calendar year")
            .y_desc(axis)
            .x_labels((last - first + 1) as usize)
            .x_label_formatter(&|x| format!("{}", x.round() as i64))
            .y_label_formatter(&|y| format!("{:.1}%", y * 100.0))
            .draw()?;
        for (i, (policy, label)) in policies.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let mut line: Vec<(f64, f64)> = totals
                .iter()
                .filter(|r| r.policy == *policy)
                .map(|r| (r.year as f64, share.of(r)))
                .filter(|(_, v)| v.is_finite())
                .collect();
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            chart
                .draw_series(LineSeries::new(line, colour.stroke_width(3)))?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}

/// The PIT histogram of a backtest: the share of hospitals whose reported
/// margin fell in each decile of their projected distribution. A calibrated
/// projection puts 10% in each (the dashed line); a U shape means intervals
/// too narrow, a hump too wide, a slope a biased median.
pub fn pit_histogram(
    line: &crate::backtest::SummaryLine,
    year: i32,
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let name = "backtest_pit.svg";
    draw(name, (900, 520), |root| {
        let title = format!("Where {year}'s reported margins fell in the projection ({} hospitals)", line.matched);
        let body = framed(root, &title, 450, provenance)?;
        let total = line.pit_counts.iter().sum::<usize>().max(1) as f64;
        let shares: Vec<f64> = line.pit_counts.iter().map(|c| *c as f64 / total).collect();
        let top = shares.iter().copied().fold(0.12f64, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0f64..1.0, 0.0f64..top)?;
        chart
            .configure_mesh()
            .x_labels(11)
            .x_desc("PIT: share of simulated paths at or below the reported margin")
            .y_desc("share of hospitals")
            .x_label_formatter(&|v| format!("{:.1}", v))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()?;
        let bars = shares.iter().enumerate().map(|(i, share)| {
            let low = i as f64 / shares.len() as f64;
            let high = (i + 1) as f64 / shares.len() as f64;
            Rectangle::new([(low + 0.005, 0.0), (high - 0.005, *share)], PALETTE[0].filled())
        });
        chart
            .draw_series(bars)?
            .label("hospitals in each decile")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], PALETTE[0].filled()));
        chart
            .draw_series(DashedLineSeries::new([(0.0, 0.1), (1.0, 0.1)], 8, 5, PALETTE[1].stroke_width(2)))?
            .label("calibrated: 10% in each")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], PALETTE[1].stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

/// Predicted against reported share of hospitals with a negative margin, by
/// kind and over all: the prediction's bar carries its predictive P5-P95
/// over paths.
pub fn backtest_share_negative(
    lines: &[crate::backtest::SummaryLine],
    year: i32,
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let name = "backtest_share_negative.svg";
    draw(name, (900, 520), |root| {
        let title = format!("Share of hospitals in the red in {year}: projected and reported");
        let body = framed(root, &title, 450, provenance)?;
        let top = lines
            .iter()
            .flat_map(|l| [l.actual_share_negative, l.predicted_share_negative_interval[1], l.predicted_share_negative])
            .filter(|v| v.is_finite())
            .fold(0.1f64, f64::max)
            * 1.2;
        let n = lines.len().max(1);
        let labels: Vec<String> = lines.iter().map(|l| l.group.replace('_', " ")).collect();
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0.0f64..top.min(1.0))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 0.01 || i < 0.0 {
                    return String::new();
                }
                labels.get(i as usize).cloned().unwrap_or_default()
            })
            .y_desc("share with a negative margin")
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()?;
        let predicted = lines.iter().enumerate().map(|(i, l)| {
            Rectangle::new([(i as f64 - 0.36, 0.0), (i as f64 - 0.02, l.predicted_share_negative)], PALETTE[0].filled())
        });
        chart
            .draw_series(predicted)?
            .label("projected (expected share; whisker: P5-P95 over paths)")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], PALETTE[0].filled()));
        let whiskers = lines.iter().enumerate().map(|(i, l)| {
            let x = i as f64 - 0.19;
            PathElement::new(
                [(x, l.predicted_share_negative_interval[0]), (x, l.predicted_share_negative_interval[1])],
                BLACK.stroke_width(2),
            )
        });
        chart.draw_series(whiskers)?;
        let actual = lines.iter().enumerate().map(|(i, l)| {
            Rectangle::new([(i as f64 + 0.02, 0.0), (i as f64 + 0.36, l.actual_share_negative)], PALETTE[1].filled())
        });
        chart
            .draw_series(actual)?
            .label("reported")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], PALETTE[1].filled()));
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}

/// The reliability diagram of a backtest over all hospitals: for each
/// decile of the projected P(margin < 0) and P(distress), the mean
/// projection against the share that happened, with Wilson's 95% interval;
/// probabilities that mean what they say lie on the dashed diagonal.
pub fn backtest_reliability(
    tables: &[crate::backtest::risk::ReliabilityTable],
    year: i32,
    provenance: &Provenance,
) -> Result<String, ChartError> {
    let name = "backtest_reliability.svg";
    draw(name, (900, 620), |root| {
        let title = format!("Projected probability against what happened in {year} (deciles, all hospitals)");
        let body = framed(root, &title, 550, provenance)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0f64..1.0, 0.0f64..1.0)?;
        chart
            .configure_mesh()
            .x_labels(11)
            .y_labels(11)
            .x_desc("projected probability (mean of the decile)")
            .y_desc("observed share (95% Wilson interval)")
            .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()?;
        chart
            .draw_series(DashedLineSeries::new([(0.0, 0.0), (1.0, 1.0)], 8, 5, BLACK.mix(0.6).stroke_width(2)))?
            .label("probabilities that mean what they say")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK.mix(0.6).stroke_width(2)));
        let all = tables.iter().filter(|t| t.group == crate::backtest::ALL);
        for (i, table) in all.enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let points: Vec<(f64, f64)> = table
                .bins
                .iter()
                .map(|b| (b.forecast_mean, b.observed_share))
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            let whiskers = table.bins.iter().filter(|b| b.forecast_mean.is_finite()).map(|b| {
                PathElement::new(
                    [(b.forecast_mean, b.interval[0]), (b.forecast_mean, b.interval[1])],
                    colour.mix(0.7).stroke_width(2),
                )
            });
            chart.draw_series(whiskers)?;
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?
                .label(format!("{} ({} hospitals)", crate::backtest::risk::Target::label(table.target), table.brier.n))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(3)));
            chart.draw_series(points.into_iter().map(|p| Circle::new(p, 5, colour.filled())))?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}
