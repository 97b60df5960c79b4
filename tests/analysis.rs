//! Sweeps, break-even, sensitivity and the convergence gate (MODEL.md §3's
//! common random numbers make the comparisons exact path by path).

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cell, data, read_csv, scenario, seqsim, seqsim_ok, stderr};

#[test]
fn exhaustion_never_falls_as_sequestration_rises() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    seqsim_ok(&[
        "sweep",
        scenario("national.yaml").to_str().unwrap(),
        "--lever",
        "sequestration",
        "--from",
        "0",
        "--to",
        "0.06",
        "--step",
        "0.01",
        "--paths",
        "3000",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (h, rows) = read_csv(&out.join("sweep.csv"));
    assert_eq!(
        &h[..8],
        ["value", "practice", "kind", "year", "margin_mean", "margin_p50", "p_negative", "p_exhausted"]
    );
    // 7 values x 8 practices x 10 years.
    assert_eq!(rows.len(), 7 * 8 * 10);
    // (practice, year) -> [(value, p_exhausted, margin_mean)]
    type Series = Vec<(f64, f64, f64)>;
    let mut by_key: std::collections::BTreeMap<(String, String), Series> = Default::default();
    for r in &rows {
        let key = (cell(&h, r, "practice").to_string(), cell(&h, r, "year").to_string());
        let value: f64 = cell(&h, r, "value").parse().unwrap();
        by_key.entry(key).or_default().push((
            value,
            cell(&h, r, "p_exhausted").parse().unwrap(),
            cell(&h, r, "margin_mean").parse().unwrap(),
        ));
    }
    for ((practice, year), mut series) in by_key {
        series.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in series.windows(2) {
            assert!(pair[1].1 >= pair[0].1, "{practice} {year}: P(exhausted) fell from {} to {}", pair[0].1, pair[1].1);
            assert!(pair[1].2 <= pair[0].2, "{practice} {year}: mean margin rose");
        }
    }
    assert!(out.join("sweep.png").is_file());
    let svg = std::fs::read_to_string(out.join("sweep.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("rural_pps_in_the_red") && svg.contains("seed 20261127"));
}

#[test]
fn break_even_by_bisection_matches_the_swept_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("be");
    // The rural health clinic crosses 20% near a 4% sequester (sweep of the
    // national scenario at 3,000 paths: 16.0% at 2%, 20.2% at 4%).
    let target = "p_exhausted<=0.2@2033";
    seqsim_ok(&[
        "sweep",
        scenario("national.yaml").to_str().unwrap(),
        "--lever",
        "sequestration",
        "--from",
        "0",
        "--to",
        "0.06",
        "--step",
        "0.005",
        "--paths",
        "3000",
        "--target",
        target,
        "--out",
        out.to_str().unwrap(),
    ]);
    let (bh, breakeven) = read_csv(&out.join("breakeven.csv"));
    assert_eq!(&bh[..4], ["practice", "lever", "target", "value"]);
    let (sh, sweep) = read_csv(&out.join("sweep.csv"));
    let mut boundaries = 0;
    for row in &breakeven {
        let practice = cell(&bh, row, "practice");
        let status = cell(&bh, row, "status");
        let met: Vec<(f64, bool)> = sweep
            .iter()
            .filter(|r| cell(&sh, r, "practice") == practice && cell(&sh, r, "year") == "2033")
            .map(|r| {
                (cell(&sh, r, "value").parse().unwrap(), cell(&sh, r, "p_exhausted").parse::<f64>().unwrap() <= 0.2)
            })
            .collect();
        match status {
            "unreachable" => assert!(met.iter().all(|(_, m)| !m), "{practice}"),
            "met_across_range" => assert!(met.iter().all(|(_, m)| *m), "{practice}"),
            "boundary" => {
                boundaries += 1;
                let value: f64 = cell(&bh, row, "value").parse().unwrap();
                // The table meets the target at every grid value below the break-even and misses it above.
                for (grid, m) in &met {
                    if *grid <= value {
                        assert!(m, "{practice}: grid {grid} below break-even {value} misses the target");
                    } else {
                        assert!(!m, "{practice}: grid {grid} above break-even {value} meets the target");
                    }
                }
                // Re-evaluating at the break-even and just above it brackets the target.
                let check = dir.path().join(format!("check-{practice}"));
                seqsim_ok(&[
                    "sweep",
                    scenario("national.yaml").to_str().unwrap(),
                    "--lever",
                    "sequestration",
                    "--from",
                    &format!("{value:.12}"),
                    "--to",
                    &format!("{:.12}", value + 1e-6),
                    "--step",
                    "0.000001",
                    "--paths",
                    "3000",
                    "--out",
                    check.to_str().unwrap(),
                ]);
                let (ch, rows) = read_csv(&check.join("sweep.csv"));
                let at: Vec<f64> = rows
                    .iter()
                    .filter(|r| cell(&ch, r, "practice") == practice && cell(&ch, r, "year") == "2033")
                    .map(|r| cell(&ch, r, "p_exhausted").parse().unwrap())
                    .collect();
                assert!(at[0] <= 0.2, "{practice}: {} at the break-even", at[0]);
                assert!(at[1] > 0.2, "{practice}: {} just above the break-even", at[1]);
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(boundaries >= 1, "no practice crosses the target in the range");
}

#[test]
fn fixed_drivers_have_zero_sensitivity_and_levers_are_labelled() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("valid_minimal.yaml"))
        .unwrap()
        .replace("  other_inflation: {dist: normal, mean: 0.025, sd: 0.008}", "  other_inflation: 0.025");
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("sens");
    seqsim_ok(&["sensitivity", file.to_str().unwrap(), "--paths", "2000", "--out", out.to_str().unwrap()]);
    let (h, rows) = read_csv(&out.join("tornado.csv"));
    assert_eq!(&h[..6], ["practice", "factor", "factor_type", "low", "high", "swing"]);
    // Every practice has a row for each driver; the rows are asserted to
    // exist before their values are.
    let of = |factor: &str| -> Vec<&Vec<String>> { rows.iter().filter(|r| cell(&h, r, "factor") == factor).collect() };
    let (fixed, labor) = (of("other_inflation"), of("labor_inflation"));
    assert_eq!(fixed.len(), 2, "one other_inflation row per practice");
    assert_eq!(labor.len(), 2, "one labor_inflation row per practice");
    for r in fixed {
        assert_eq!(cell(&h, r, "swing").parse::<f64>().unwrap(), 0.0, "{r:?}");
        assert_eq!(cell(&h, r, "low"), cell(&h, r, "high"));
    }
    for r in labor {
        // Higher labor inflation lowers margins: P90 below P10.
        assert!(cell(&h, r, "high").parse::<f64>().unwrap() < cell(&h, r, "low").parse::<f64>().unwrap());
    }
    let levers: Vec<&str> =
        rows.iter().filter(|r| cell(&h, r, "factor_type") == "lever").map(|r| cell(&h, r, "factor")).collect();
    assert!(levers.contains(&"repeal_2027") && levers.contains(&"rural_relief"));
    // The clinic's rural_relief swing is zero: the policy only touches rural hospitals.
    let relief =
        rows.iter().find(|r| cell(&h, r, "practice") == "clinic" && cell(&h, r, "factor") == "rural_relief").unwrap();
    assert_eq!(cell(&h, relief, "swing").parse::<f64>().unwrap(), 0.0);
    assert!(out.join("tornado_hospital.png").is_file());
    let svg = std::fs::read_to_string(out.join("tornado_hospital.svg")).unwrap();
    assert!(svg.contains("economic driver") && svg.contains("policy lever"));
    assert!(std::fs::read_to_string(out.join("tornado.md")).unwrap().contains("| labor_inflation | driver |"));
}

#[test]
fn the_convergence_gate_reproduces_with_fixed_paths() {
    let dir = tempfile::tempdir().unwrap();
    let gated = dir.path().join("gated");
    seqsim_ok(&[
        "run",
        data("valid_minimal.yaml").to_str().unwrap(),
        "--precision",
        "0.004",
        "--out",
        gated.to_str().unwrap(),
    ]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(gated.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["precision"]["reached"], true);
    assert!(manifest["precision"]["largest_standard_error"].as_f64().unwrap() <= 0.004);
    let paths = manifest["paths"].as_u64().unwrap();
    assert!(paths > 4096, "the gate should have needed more than one batch, used {paths}");
    let fixed = dir.path().join("fixed");
    let result = seqsim(&[
        "run",
        data("valid_minimal.yaml").to_str().unwrap(),
        "--paths",
        &paths.to_string(),
        "--out",
        fixed.to_str().unwrap(),
    ]);
    assert!(result.status.success());
    for table in ["summary.csv", "compare.csv", "national.csv", "brief.md"] {
        assert!(
            std::fs::read(gated.join(table)).unwrap() == std::fs::read(fixed.join(table)).unwrap(),
            "{table} differs"
        );
    }
    // Out of reach: outputs are written, the manifest says so, the exit code is 3.
    let capped = dir.path().join("capped");
    let result = seqsim(&[
        "run",
        data("valid_minimal.yaml").to_str().unwrap(),
        "--precision",
        "0.0001",
        "--max-paths",
        "5000",
        "--out",
        capped.to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(3), "{}", stderr(&result));
    assert!(stderr(&result).contains("precision not reached"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(capped.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["precision"]["reached"], false);
    assert_eq!(manifest["paths"], 5000);
}
