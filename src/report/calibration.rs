//! What `seqsim calibrate` writes: a YAML fragment (`drivers:`,
//! `correlations:` and per-kind practice overrides) to paste into a
//! scenario, every driver with a `source:` naming the files, the hospitals
//! and the fit; and the fit table for the terminal.

use std::fmt::Write;

use crate::calibrate::{Calibration, DriverFit};

/// The two releases a calibration read.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// Earlier file name and SHA-256.
    pub early: (String, String),
    /// Later file name and SHA-256.
    pub late: (String, String),
}

fn source(fit: &DriverFit, calibration: &Calibration, inputs: &Inputs, group: &str) -> String {
    let others: Vec<String> = fit
        .candidates
        .iter()
        .filter(|(f, _)| *f != fit.chosen)
        .map(|(f, ks)| format!("{} {:.3}", f.name(), ks))
        .collect();
    format!(
        "seqsim calibrate {} -> {} ({group}): {} hospitals measured, {} beyond 3 IQR of the quartiles trimmed; annual rates over {:.2} years (mean {:.4}, sd {:.4}) scaled to a yearly spread (sd {:.4}); {} by least Kolmogorov-Smirnov D = {:.3} (others: {})",
        inputs.early.0,
        inputs.late.0,
        fit.measured - fit.trimmed,
        fit.trimmed,
        calibration.mean_years,
        fit.annual_mean,
        fit.annual_sd,
        fit.yearly_sd,
        fit.chosen.name(),
        fit.ks(),
        others.join(", ")
    )
}

fn driver_line(out: &mut String, indent: &str, fit: &DriverFit, source: &str) {
    let _ = writeln!(
        out,
        "{indent}{}: {{dist: {}, {}, scope: practice, source: \"{}\"}}",
        fit.driver.name(),
        fit.chosen.name(),
        fit.chosen.yaml_parameters(),
        source.replace('"', "'")
    );
}

/// The YAML fragment.
pub fn yaml(calibration: &Calibration, inputs: &Inputs) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by seqsim calibrate from two releases of cost reports:");
    let _ = writeln!(out, "#   earlier {} (SHA-256 {})", inputs.early.0, inputs.early.1);
    let _ = writeln!(out, "#   later   {} (SHA-256 {})", inputs.late.0, inputs.late.1);
    let _ = writeln!(
        out,
        "# {} hospitals in both with the same kind ({} changed kind and were left out), {:.2} years apart on average.",
        calibration.matched, calibration.kind_changed, calibration.mean_years
    );
    let _ = writeln!(
        out,
        "# Drivers not measurable from cost reports (mei, ma_shift) are not written: keep the scenario's."
    );
    let _ = writeln!(out, "drivers:");
    for fit in &calibration.pooled {
        driver_line(&mut out, "  ", fit, &source(fit, calibration, inputs, "all kinds"));
    }
    if !calibration.correlations.is_empty() {
        let _ = writeln!(
            out,
            "# Pearson correlations of the yearly-equivalent rates over the {} hospitals with every driver measured.",
            calibration.correlation_sample
        );
        let _ = writeln!(out, "correlations:");
        for (a, b, rho) in &calibration.correlations {
            let _ = writeln!(out, "  - [{}, {}, {:.2}]", a.name(), b.name(), rho);
        }
    }
    if !calibration.by_kind.is_empty() {
        let _ = writeln!(
            out,
            "# Kinds whose yearly spread differs from the pooled one by more than a factor 1.25: give practices of that kind these overrides (practice `drivers:`)."
        );
        let _ = writeln!(out, "practice_drivers_by_kind:");
        for (kind, fits) in &calibration.by_kind {
            let _ = writeln!(out, "  {kind}:");
            for fit in fits {
                driver_line(&mut out, "    ", fit, &source(fit, calibration, inputs, kind));
            }
        }
    }
    out
}

/// The fit table for people.
pub fn table(calibration: &Calibration) -> String {
    let mut out = format!(
        "{} hospitals matched ({} changed kind, left out), {:.2} years apart on average\n",
        calibration.matched, calibration.kind_changed, calibration.mean_years
    );
    let _ = writeln!(
        out,
        "{:<24} {:<26} {:>6} {:>8} {:>8} {:>8} {:>10} {:>7}",
        "driver", "group", "kept", "trimmed", "mean", "sd/yr", "fit", "KS D"
    );
    let groups = std::iter::once(("all kinds", &calibration.pooled))
        .chain(calibration.by_kind.iter().map(|(k, f)| (k.as_str(), f)));
    for (group, fits) in groups {
        for fit in fits {
            let _ = writeln!(
                out,
                "{:<24} {:<26} {:>6} {:>8} {:>7.2}% {:>7.2}% {:>10} {:>7.3}",
                fit.driver.name(),
                group,
                fit.measured - fit.trimmed,
                fit.trimmed,
                fit.annual_mean * 100.0,
                fit.yearly_sd * 100.0,
                fit.chosen.name(),
                fit.ks()
            );
        }
    }
    out
}
