//! The Monte Carlo engine against MODEL.md §3-§5: agreement with the exact
//! ledger when every driver is fixed, reproducibility (threads, removals,
//! path prefixes), common random numbers and national totals.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use seqsim::engine::{self, summary, Plan};
use seqsim::{ledger, policy, scenario};

use common::{cell, data, read_csv, seqsim, seqsim_ok, stderr};

fn plan_of(path: &Path) -> (scenario::Scenario, Plan) {
    let loaded = scenario::load(path).unwrap();
    let resolution = policy::resolve(&loaded.scenario);
    let plan = Plan::compile(&loaded.scenario, &resolution).unwrap();
    (loaded.scenario, plan)
}

fn plan_from_text(text: &str) -> Plan {
    let (scenario, diagnostics) = scenario::parse_str(text);
    let scenario = scenario.unwrap_or_else(|| panic!("{diagnostics:?}"));
    Plan::compile(&scenario, &policy::resolve(&scenario)).unwrap()
}

/// MODEL.md §4: |engine - ledger| <= 1e-6 * max(|x|, S).
fn close(engine: f64, ledger: f64, scale: f64) -> bool {
    (engine - ledger).abs() <= 1e-6 * ledger.abs().max(scale)
}

#[test]
fn fixed_drivers_reproduce_the_unrounded_ledger() {
    let (scenario, plan) = plan_of(&data("all_fixed.yaml"));
    let rows = ledger::ledger(&scenario, &policy::resolve(&scenario)).unwrap();
    let acc = engine::simulate(&plan, 5, 0..3000, 2, &|_| true).unwrap();
    let tables = summary::summarize(&plan, &acc);
    assert_eq!(rows.len(), tables.summary.len());
    let mut cut_cum = 0.0;
    for (l, s) in rows.iter().zip(&tables.summary) {
        assert_eq!((&l.practice, &l.policy, l.year), (&s.practice, &s.policy, s.year));
        let practice = scenario.practices.iter().find(|p| p.id == l.practice).unwrap();
        let base_revenue = practice.revenue.total().to_f64().unwrap();
        let f = |d: rust_decimal::Decimal| d.to_f64().unwrap();
        if l.year == scenario.start_year {
            cut_cum = 0.0;
        }
        cut_cum += f(l.cut);
        let what = format!("{} {} {}", l.practice, l.policy, l.year);
        assert!(
            close(s.revenue_mean, f(l.revenue), base_revenue),
            "{what} revenue {} vs {}",
            s.revenue_mean,
            l.revenue
        );
        assert!(close(s.costs_mean, f(l.costs), base_revenue), "{what} costs");
        assert!(close(s.cut_mean, f(l.cut), base_revenue), "{what} cut {} vs {}", s.cut_mean, l.cut);
        assert!(close(s.cut_cum_mean, cut_cum, base_revenue), "{what} cut_cum");
        assert!(close(s.cash_mean, f(l.cash), base_revenue), "{what} cash");
        assert!(close(s.days_cash_mean, f(l.days_cash), 365.0), "{what} days");
        assert!(close(s.margin_mean, f(l.margin), 1.0), "{what} margin {} vs {}", s.margin_mean, l.margin);
        // Zero standard errors and degenerate percentiles.
        assert_eq!(s.margin_se, Some(0.0), "{what}");
        assert!(s.margin_percentiles.iter().all(|p| *p == s.margin_mean), "{what} {:?}", s.margin_percentiles);
        assert_eq!(s.p_distress, if l.distress { 1.0 } else { 0.0 }, "{what} distress");
        assert_eq!(s.p_exhausted, if l.exhausted { 1.0 } else { 0.0 }, "{what} exhausted");
        assert_eq!(s.p_negative, if l.margin.is_sign_negative() && !l.margin.is_zero() { 1.0 } else { 0.0 });
        assert_eq!((s.p_negative_se, s.p_distress_se, s.p_exhausted_se), (0.0, 0.0, 0.0));
    }
}

#[test]
fn outputs_are_bit_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::scenario("national.yaml");
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        seqsim_ok(&[
            "run",
            scenario.to_str().unwrap(),
            "--paths",
            "9000",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ]);
        out
    };
    let (one, two) = (run("1"), run("2"));
    for file in ["summary.csv", "compare.csv", "national.csv", "summary.parquet", "summary.json", "brief.md"] {
        let a = std::fs::read(one.join(file)).unwrap();
        let b = std::fs::read(two.join(file)).unwrap();
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
}

#[test]
fn shards_of_paths_merge_into_the_whole_run_exactly() {
    let (_, plan) = plan_of(&data("valid_minimal.yaml"));
    let whole = engine::simulate(&plan, 11, 0..6144, 2, &|_| true).unwrap();
    let mut first = engine::simulate(&plan, 11, 0..3072, 1, &|_| true).unwrap();
    let second = engine::simulate(&plan, 11, 3072..6144, 2, &|_| true).unwrap();
    first.merge(&second);
    assert!(first == whole, "merged shards differ from the whole run");
    assert_eq!(summary::summarize(&plan, &first), summary::summarize(&plan, &whole));
}

#[test]
fn path_draws_depend_only_on_seed_path_and_practice() {
    let base = std::fs::read_to_string(data("valid_minimal.yaml")).unwrap();
    let full = plan_from_text(&base);
    // Drop the clinic (the first practice) and the repeal policy.
    let start = base.find("  - id: clinic").unwrap();
    let end = base.find("  - id: hospital").unwrap();
    let smaller_text = format!("{}{}", &base[..start], &base[end..])
        .replace("  repeal_2027:\n    base: current_law\n    sequestration: {2027: 0.0}\n", "");
    let smaller = plan_from_text(&smaller_text);
    assert_eq!(smaller.practices.len(), 1);
    assert_eq!(smaller.policies.len(), 2);
    let years = full.years;
    for path in [0u64, 1, 1023, 1024, 5000] {
        let a = engine::path_margins(&full, 3, path);
        let b = engine::path_margins(&smaller, 3, path);
        // hospital is practice 1 in `full`, 0 in `smaller`; rural_relief is policy 2 and 1.
        for (pf, ps) in [(0usize, 0usize), (2, 1)] {
            for t in 0..years {
                let in_full = a[(full.policies.len() + pf) * years + t];
                let in_smaller = b[ps * years + t];
                assert_eq!(in_full.to_bits(), in_smaller.to_bits(), "path {path} policy {pf} year {t}");
            }
        }
    }
    // The first N paths of a larger run are the N paths of the smaller run.
    let small = engine::simulate(&full, 3, 0..2048, 2, &|_| true).unwrap();
    let mut rest = engine::simulate(&full, 3, 2048..4096, 2, &|_| true).unwrap();
    rest.merge(&small);
    assert!(rest == engine::simulate(&full, 3, 0..4096, 1, &|_| true).unwrap(), "prefix runs do not add up");
}

fn summary_rows_without_provenance(dir: &Path) -> Vec<String> {
    let (header, rows) = read_csv(&dir.join("summary.csv"));
    let keep = header.iter().position(|h| h == "scenario").unwrap();
    rows.into_iter().map(|r| r[..keep].join(",")).collect()
}

#[test]
fn removing_a_practice_or_policy_leaves_other_rows_identical() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(data("valid_minimal.yaml")).unwrap();
    let start = base.find("  - id: clinic").unwrap();
    let end = base.find("  - id: hospital").unwrap();
    let variants = [
        ("full", base.clone()),
        ("no_clinic", format!("{}{}", &base[..start], &base[end..])),
        ("no_repeal", base.replace("  repeal_2027:\n    base: current_law\n    sequestration: {2027: 0.0}\n", "")),
    ];
    let mut outputs = Vec::new();
    for (name, text) in &variants {
        let file = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&file, text).unwrap();
        let out = dir.path().join(name);
        seqsim_ok(&["run", file.to_str().unwrap(), "--paths", "3000", "--out", out.to_str().unwrap()]);
        outputs.push(summary_rows_without_provenance(&out));
    }
    let full = &outputs[0];
    let hospital_rows: Vec<&String> = full.iter().filter(|r| r.starts_with("hospital,")).collect();
    assert_eq!(outputs[1].iter().collect::<Vec<_>>(), hospital_rows);
    let without_repeal: Vec<&String> = full.iter().filter(|r| !r.contains(",repeal_2027,")).collect();
    assert_eq!(outputs[2].iter().collect::<Vec<_>>(), without_repeal);
}

#[test]
fn a_higher_sequestration_rate_never_raises_a_margin() {
    let base = std::fs::read_to_string(data("valid_minimal.yaml")).unwrap();
    let text = base.replace(
        "  repeal_2027:\n    base: current_law\n    sequestration: {2027: 0.0}\n",
        "  deeper:\n    base: current_law\n    sequestration: {2027: 0.03}\n",
    );
    let plan = plan_from_text(&text);
    let years = plan.years;
    let policies = plan.policies.len();
    for path in 0..200 {
        let margins = engine::path_margins(&plan, 8, path);
        for p in 0..plan.practices.len() {
            for t in 0..years {
                let base_margin = margins[(p * policies) * years + t];
                let deeper = margins[(p * policies + 1) * years + t];
                assert!(deeper <= base_margin, "path {path} practice {p} year {t}");
            }
        }
    }
    let acc = engine::simulate(&plan, 8, 0..5000, 2, &|_| true).unwrap();
    let tables = summary::summarize(&plan, &acc);
    for row in tables.compare.iter().filter(|r| r.policy == "deeper") {
        assert!(row.dmargin_p95 <= 0.0, "{row:?}");
        assert!(row.dcut_cum_mean >= 0.0);
        assert!(row.dp_exhausted >= 0.0);
    }
}

#[test]
fn national_totals_are_count_weighted_sums_of_summary_means() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("national");
    common::run_ok(&common::scenario("national.yaml"), "2000", &out, &[]);
    let (sh, summary_rows) = read_csv(&out.join("summary.csv"));
    let (nh, national_rows) = read_csv(&out.join("national.csv"));
    let loaded = scenario::load(&common::scenario("national.yaml")).unwrap();
    let count = |id: &str| loaded.scenario.practices.iter().find(|p| p.id == id).unwrap().count.to_f64().unwrap();
    for n in &national_rows {
        let (kind, policy, year) = (cell(&nh, n, "kind"), cell(&nh, n, "policy"), cell(&nh, n, "year"));
        let mut expected = [0.0f64; 4];
        for s in summary_rows.iter().filter(|s| {
            cell(&sh, s, "policy") == policy
                && cell(&sh, s, "year") == year
                && (kind == "all" || cell(&sh, s, "kind") == kind)
        }) {
            let c = count(cell(&sh, s, "practice"));
            for (i, column) in ["cut_mean", "cut_cum_mean", "p_distress", "p_exhausted"].iter().enumerate() {
                expected[i] += c * cell(&sh, s, column).parse::<f64>().unwrap();
            }
        }
        for (i, column) in ["cut_total", "cut_cum_total", "n_distress", "n_exhausted"].iter().enumerate() {
            let value: f64 = cell(&nh, n, column).parse().unwrap();
            assert!(
                (value - expected[i]).abs() <= 1e-9 * expected[i].abs().max(1.0),
                "{kind} {policy} {year} {column}: {value} vs {}",
                expected[i]
            );
        }
    }
    // 6 kinds + all; 5 policies (current law and the 4 of policies/us/alternatives.yaml); 10 years.
    assert_eq!(national_rows.len(), 7 * 5 * 10);
}

#[test]
fn run_writes_every_output_with_exact_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q");
    common::run_ok(&common::scenario("quickstart.yaml"), "1500", &out, &[]);
    for file in ["summary", "compare", "national"] {
        for ext in ["csv", "parquet", "json"] {
            assert!(out.join(format!("{file}.{ext}")).is_file(), "{file}.{ext}");
        }
    }
    let (header, _) = read_csv(&out.join("summary.csv"));
    let expected = "practice, kind, policy, year, margin_mean, margin_se, margin_p5, margin_p25, margin_p50, margin_p75, margin_p95, p_negative, p_negative_se, p_distress, p_distress_se, p_exhausted, p_exhausted_se, revenue_mean, costs_mean, cut_mean, cut_cum_mean, cash_mean, days_cash_mean";
    assert_eq!(header[..23].join(", "), expected);
    let (header, _) = read_csv(&out.join("compare.csv"));
    assert_eq!(
        header[..10].join(", "),
        "practice, kind, policy, year, dmargin_mean, dmargin_p5, dmargin_p95, dcut_cum_mean, dcash_mean, dp_exhausted"
    );
    let (header, _) = read_csv(&out.join("national.csv"));
    assert_eq!(header[..7].join(", "), "kind, policy, year, cut_total, cut_cum_total, n_distress, n_exhausted");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["paths"], 1500);
    assert_eq!(manifest["seed"], 20261127);
    // 4 tables (summary, compare, national, attribution) x 3 formats,
    // brief.md, and for the one practice a fan chart, risk curves, plus the
    // national chart, and evidence.xlsx.
    assert_eq!(manifest["files"].as_array().unwrap().len(), 17);
    assert_eq!(manifest["scenario"]["sha256"].as_str().unwrap().len(), 64);
    let brief = std::fs::read_to_string(out.join("brief.md")).unwrap();
    for expected in [
        "## Practices",
        "P(cash exhausted by 2031)",
        "## National totals",
        "## Sources",
        "MACRA (P.L. 114-10) statutory non-QP conversion-factor update +0.25%",
        "Baseline: **Current law** (US Medicare current law as of 2026-12-01)",
        "1500 paths",
        "seed 20261127",
    ] {
        assert!(brief.contains(expected), "brief lacks {expected:?}");
    }
    // An existing results directory is not replaced without --force.
    let quickstart = common::scenario("quickstart.yaml");
    let rerun = |extra: &[&str]| {
        let mut args = vec!["run", quickstart.to_str().unwrap(), "--paths", "100", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        seqsim(&args)
    };
    let again = rerun(&[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("pass --force"));
    let forced = rerun(&["--force"]);
    assert!(forced.status.success());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "staging directories left behind: {leftovers:?}");
}

fn type7(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let h = (values.len() - 1) as f64 * q;
    let k = h.floor() as usize;
    let next = values[(k + 1).min(values.len() - 1)];
    values[k] + (h - k as f64) * (next - values[k])
}

#[test]
fn percentiles_are_within_five_hundredths_of_a_point_of_the_exact_sample() {
    let (_, plan) = plan_of(&common::scenario("national.yaml"));
    let n = 5000u64;
    let acc = engine::simulate(&plan, 21, 0..n, 2, &|_| true).unwrap();
    let tables = summary::summarize(&plan, &acc);
    let per_path: Vec<Vec<f64>> = (0..n).map(|path| engine::path_margins(&plan, 21, path)).collect();
    let layout = plan.layout();
    let mut worst = 0.0f64;
    for (cell, row) in tables.summary.iter().enumerate() {
        let mut sample: Vec<f64> = per_path.iter().map(|m| m[cell]).collect();
        let mean = sample.iter().sum::<f64>() / n as f64;
        assert!((row.margin_mean - mean).abs() < 1e-9, "mean of cell {cell}");
        for (q, estimate) in [0.05, 0.25, 0.5, 0.75, 0.95].iter().zip(row.margin_percentiles) {
            let exact = type7(&mut sample, *q);
            worst = worst.max((estimate - exact).abs());
        }
        let negative = sample.iter().filter(|m| **m < 0.0).count() as f64 / n as f64;
        assert_eq!(row.p_negative, negative, "p_negative of cell {cell}");
    }
    assert!(worst <= 0.0005, "worst percentile error {worst} exceeds 0.05 percentage points");
    // Paired differences too.
    let baseline = plan.baseline;
    for row in &tables.compare {
        let p = plan.practices.iter().position(|x| x.id == row.practice).unwrap();
        let k = plan.policies.iter().position(|x| x.name == row.policy).unwrap();
        let t = (row.year - plan.start_year) as usize;
        let (cell, base) = (layout.cell(p, k, t), layout.cell(p, baseline, t));
        let mut differences: Vec<f64> = per_path.iter().map(|m| m[cell] - m[base]).collect();
        for (q, estimate) in [(0.05, row.dmargin_p5), (0.95, row.dmargin_p95)] {
            let exact = type7(&mut differences, q);
            assert!((estimate - exact).abs() <= 0.0005, "{row:?} q{q}: {estimate} vs {exact}");
        }
    }
}

/// A scenario of two identical practices (and a third with other keys) for
/// the v1.3 shock streams: `KEYS_A` and `KEYS_B` are the two practices'
/// `volume_growth` overrides.
fn twins(keys_a: &str, keys_b: &str) -> String {
    let practice = |id: &str, keys: &str| {
        format!(
            "  - id: {id}\n    kind: clinic\n    count: 1\n    revenue: {{medicare_ffs: 500, medicare_advantage: 250, medicaid: 450, commercial: 700, other: 100}}\n    costs: {{labor: 1350, supplies: 150, other: 420}}\n    variable_cost_share: 0.3\n    cash: 300\n    medicare: {{basis: fee_schedule}}\n    drivers:\n      volume_growth: {{dist: normal, mean: 0, sd: 0{keys}}}\n"
        )
    };
    format!(
        "name: twins\nhorizon: {{start_year: 2027, years: 4}}\nsimulation: {{paths: 100, seed: 7}}\ndrivers:\n  labor_inflation: 0.03\n  supply_inflation: 0.02\n  other_inflation: 0.02\n  commercial_rate_growth: {{dist: normal, mean: 0.03, sd: 0.01, scope: practice}}\n  medicaid_rate_growth: 0.01\n  ma_shift: 0.02\n  mei: 0.028\n  volume_growth: {{dist: normal, mean: 0, sd: 0.03}}\npractices:\n{}{}baseline: law\npolicies:\n  law: {{sequestration: 0.02}}\n",
        practice("twin_a", keys_a),
        practice("twin_b", keys_b)
    )
}

/// Per path and year, twin_a's and twin_b's margins.
fn twin_margins(text: &str, paths: u64) -> Vec<(Vec<f64>, Vec<f64>)> {
    let plan = plan_from_text(text);
    (0..paths)
        .map(|path| {
            // path_margins: [practice][policy][year], flattened.
            let margins = engine::path_margins(&plan, 7, path);
            let half = margins.len() / 2;
            (margins[..half].to_vec(), margins[half..].to_vec())
        })
        .collect()
}

#[test]
fn a_shared_shock_is_common_to_every_practice_of_a_path() {
    // Identical twins whose only uncertainty is a shared volume shock (the
    // commercial price draws differ, so pin them): the same margins on
    // every path, and margins that differ across paths.
    let text = twins(", shared: 0.05", ", shared: 0.05").replace(
        "commercial_rate_growth: {dist: normal, mean: 0.03, sd: 0.01, scope: practice}",
        "commercial_rate_growth: 0.03",
    );
    let rows = twin_margins(&text, 50);
    for (a, b) in &rows {
        assert_eq!(a, b);
    }
    assert_ne!(rows[0].0, rows[1].0, "the shared shock varies across paths");
    // One-off noise is each practice's own: the twins part.
    let text = twins(", noise: 0.05", ", noise: 0.05").replace(
        "commercial_rate_growth: {dist: normal, mean: 0.03, sd: 0.01, scope: practice}",
        "commercial_rate_growth: 0.03",
    );
    let rows = twin_margins(&text, 50);
    assert!(rows.iter().all(|(a, b)| a != b));
}

#[test]
fn adding_a_shock_changes_no_other_draw() {
    // twin_b is the same whatever keys twin_a has, and twin_a's margins
    // without keys are the v1.2 margins (sd 0: volume flat, only the
    // commercial draws move it).
    let plain = twin_margins(&twins("", ""), 30);
    let keyed = twin_margins(&twins(", noise: 0.04, shared: 0.02", ""), 30);
    for ((plain_a, plain_b), (keyed_a, keyed_b)) in plain.iter().zip(&keyed) {
        assert_eq!(plain_b, keyed_b);
        assert_ne!(plain_a, keyed_a);
    }
    // With both keys at 0 nothing is drawn and nothing moves.
    let zero = twin_margins(&twins(", noise: 0, shared: 0", ", noise: 0"), 30);
    assert_eq!(plain, zero);
}

#[test]
fn without_cost_response_a_cut_shows_as_margin_erosion() {
    // dynamics.yaml: a cost response by default and on two of its three
    // practices. With --no-cost-response nobody cuts spending and the
    // outputs say which reading they are.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("tests/golden/dynamics.yaml");
    let dir = tempfile::tempdir().unwrap();
    let (with, without) = (dir.path().join("with"), dir.path().join("without"));
    let scenario = scenario.to_str().unwrap();
    seqsim_ok(&["run", scenario, "--paths", "500", "--out", with.to_str().unwrap()]);
    seqsim_ok(&["run", scenario, "--paths", "500", "--no-cost-response", "--out", without.to_str().unwrap()]);
    let cutbacks = |dir: &Path| -> Vec<f64> {
        let (header, rows) = read_csv(&dir.join("summary.csv"));
        rows.iter().map(|r| cell(&header, r, "cutback_mean").parse::<f64>().unwrap()).collect()
    };
    assert!(cutbacks(&with).iter().any(|c| c.abs() > 1.0));
    assert!(cutbacks(&without).iter().all(|c| *c == 0.0));
    let brief = std::fs::read_to_string(without.join("brief.md")).unwrap();
    assert!(brief.contains("(without cost response)"), "{brief}");
}

#[test]
fn both_readings_state_each_policy_with_and_without_the_response() {
    // dynamics.yaml: `hospital` has speed 0 (its two readings agree), the
    // others respond (a repeal from 2028 changes their spending from 2029).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("tests/golden/dynamics.yaml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("both");
    seqsim_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--paths",
        "400",
        "--both-readings",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (header, rows) = read_csv(&out.join("readings.csv"));
    assert_eq!(
        header[..7],
        [
            "practice",
            "kind",
            "policy",
            "year",
            "dmargin_with_response",
            "dcutback_with_response",
            "dmargin_without_response"
        ]
    );
    let value = |row: &[String], column: &str| cell(&header, row, column).parse::<f64>().unwrap();
    let hospital: Vec<&Vec<String>> = rows.iter().filter(|r| cell(&header, r, "practice") == "hospital").collect();
    assert!(!hospital.is_empty());
    for row in &hospital {
        assert_eq!(value(row, "dmargin_with_response"), value(row, "dmargin_without_response"));
        assert_eq!(value(row, "dcutback_with_response"), 0.0);
    }
    // A responding practice: in 2030 the repeal's extra revenue is partly spent.
    let clinic =
        rows.iter().find(|r| cell(&header, r, "practice") == "clinic" && cell(&header, r, "year") == "2030").unwrap();
    assert!(value(clinic, "dcutback_with_response") < 0.0);
    assert!(value(clinic, "dmargin_with_response") < value(clinic, "dmargin_without_response"));
    let brief = std::fs::read_to_string(out.join("brief.md")).unwrap();
    assert!(brief.contains("## Two readings of each policy"), "{brief}");
    assert!(brief.contains("(no response)") || brief.contains("need not cut"), "{brief}");
    // Without any response there is one reading: a usage error that says why.
    let plain = data("all_fixed.yaml");
    let run = seqsim(&[
        "run",
        plain.to_str().unwrap(),
        "--paths",
        "10",
        "--both-readings",
        "--out",
        dir.path().join("no").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("no practice of this scenario has a cost_response"), "{}", stderr(&run));
}
