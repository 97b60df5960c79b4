//! Charts as SVG (plotters): the sweep chart and tornado charts. Colours are
//! the Okabe–Ito palette, distinguishable with the common colour-vision
//! deficiencies; every chart has a title and a caption with the scenario,
//! seed and paths.

use plotters::prelude::*;

use crate::analysis::{Metric, SweepRow, TornadoRow};

use super::{OutputError, Provenance};

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

fn chart_error(name: &str) -> impl Fn(String) -> OutputError + '_ {
    move |message| OutputError::Encode { name: name.to_string(), message }
}

fn caption(provenance: &Provenance) -> String {
    format!(
        "{} · seed {} · {} paths · seqsim {}",
        provenance.scenario_name,
        provenance.seed.unwrap_or_default(),
        provenance.paths.unwrap_or_default(),
        provenance.version
    )
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
) -> Result<String, OutputError> {
    let mut svg = String::new();
    let err = chart_error("sweep.svg");
    {
        let root = SVGBackend::with_string(&mut svg, (900, 760)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (title, rest) = root.split_vertically(40);
        title
            .titled(&format!("{lever} swept: cash exhaustion and median margin in {year}"), ("sans-serif", 22))
            .map_err(|e| err(e.to_string()))?;
        let (body, foot) = rest.split_vertically(690);
        foot.titled(&caption(provenance), ("sans-serif", 13)).map_err(|e| err(e.to_string()))?;
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
                .build_cartesian_2d(x_low..x_high, y_low..y_high)
                .map_err(|e| err(e.to_string()))?;
            chart
                .configure_mesh()
                .x_desc(format!("{lever} (from the first projected year on)"))
                .y_desc(format!("{label}, %"))
                .x_label_formatter(&|v| format!("{:.2}%", v * 100.0))
                .y_label_formatter(&|v| format!("{:.1}%", v * 100.0))
                .draw()
                .map_err(|e| err(e.to_string()))?;
            for (i, practice) in practices.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                chart
                    .draw_series(LineSeries::new(at(practice, metric), colour.stroke_width(2)))
                    .map_err(|e| err(e.to_string()))?
                    .label(practice.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()
                .map_err(|e| err(e.to_string()))?;
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
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
) -> Result<String, OutputError> {
    let mut svg = String::new();
    let name = format!("tornado_{practice}.svg");
    let err = chart_error(&name);
    let percent_points = metric.starts_with("margin") || metric.starts_with("p_");
    {
        let height = 140 + 34 * rows.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (title, rest) = root.split_vertically(40);
        title
            .titled(&format!("{practice}: what moves {metric} in {year}"), ("sans-serif", 22))
            .map_err(|e| err(e.to_string()))?;
        let (body, foot) = rest.split_vertically(height - 70);
        foot.titled(&caption(provenance), ("sans-serif", 13)).map_err(|e| err(e.to_string()))?;
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
            .build_cartesian_2d(x_low..x_high, -0.5f64..(n as f64 - 0.5))
            .map_err(|e| err(e.to_string()))?;
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
            .draw()
            .map_err(|e| err(e.to_string()))?;
        for (kind, colour) in [("driver", DRIVER_COLOUR), ("lever", LEVER_COLOUR)] {
            let bars = rows.iter().enumerate().filter(|(_, r)| r.factor_type == kind).map(|(i, r)| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(r.low.min(r.high), y - 0.35), (r.low.max(r.high), y + 0.35)], colour.filled())
            });
            let label =
                if kind == "driver" { "economic driver (P10 to P90)" } else { "policy lever (baseline to policy)" };
            chart
                .draw_series(bars)
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}
