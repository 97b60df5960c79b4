//! Cohort microsimulation: facilities from a CSV or Parquet table, grouped
//! outputs, row/column errors.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{cell, read_csv, scenario, seqsim, seqsim_ok, stderr};

/// The quickstart scenario with its practice moved into a one-row cohort file.
fn one_row_cohort(dir: &Path) -> std::path::PathBuf {
    let text = common::bundled_text("quickstart.yaml");
    let start = text.find("practices:").unwrap();
    let end = text.find("baseline:").unwrap();
    let cohort = "cohort:\n  file: one.csv\n  defaults:\n    variable_cost_share: 0.3\n    medicare: {program_share: 0.8, ma_passthrough: 0.5}\n";
    let scenario_text = format!("{}{cohort}{}", &text[..start], &text[end..]);
    std::fs::write(dir.join("one.yaml"), scenario_text).unwrap();
    std::fs::write(
        dir.join("one.csv"),
        "id,kind,medicare_ffs,medicare_advantage,medicaid,commercial,other,labor,supplies,other_costs,cash,state\n\
         clinic,rural_health_clinic,500000,250000,450000,700000,100000,1350000,150000,450000,300000,KS\n",
    )
    .unwrap();
    dir.join("one.yaml")
}

#[test]
fn a_one_row_cohort_gives_the_numbers_of_the_equivalent_archetype() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = one_row_cohort(dir.path());
    let archetype_out = dir.path().join("archetype");
    let cohort_out = dir.path().join("cohort");
    seqsim_ok(&[
        "run",
        scenario("quickstart.yaml").to_str().unwrap(),
        "--paths",
        "3000",
        "--out",
        archetype_out.to_str().unwrap(),
    ]);
    seqsim_ok(&[
        "run",
        cohort.to_str().unwrap(),
        "--paths",
        "3000",
        "--by",
        "state",
        "--out",
        cohort_out.to_str().unwrap(),
    ]);
    let (sh, summary) = read_csv(&archetype_out.join("summary.csv"));
    let (fh, facilities) = read_csv(&cohort_out.join("facilities.csv"));
    assert_eq!(summary.len(), facilities.len());
    for (s, f) in summary.iter().zip(&facilities) {
        assert_eq!(cell(&fh, f, "state"), "KS");
        for (sc, fc) in [
            ("margin_mean", "margin_mean"),
            ("p_negative", "p_negative"),
            ("p_exhausted", "p_exhausted"),
            ("cut_mean", "cut_mean"),
        ] {
            assert_eq!(cell(&sh, s, sc), cell(&fh, f, fc), "{sc} in {}", cell(&sh, s, "year"));
        }
    }
    // The pooled percentiles of a one-facility group are that facility's.
    let (gh, groups) = read_csv(&cohort_out.join("groups.csv"));
    for (g, s) in groups.iter().zip(&summary) {
        let (a, b): (f64, f64) =
            (cell(&gh, g, "margin_p50").parse().unwrap(), cell(&sh, s, "margin_p50").parse().unwrap());
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

#[test]
fn group_totals_are_sums_of_facility_rows_and_csv_equals_parquet() {
    let dir = tempfile::tempdir().unwrap();
    // 60 facilities from the bundled synthetic cohort.
    let text = std::fs::read_to_string(scenario("cohorts/rural_hospitals_synthetic.csv")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).take(61).collect();
    std::fs::write(dir.path().join("small.csv"), lines.join("\n") + "\n").unwrap();
    let table = seqsim::scenario::cohort_table::read_csv(&dir.path().join("small.csv")).unwrap();
    seqsim::report::read::write_cohort_parquet(&table, &dir.path().join("small.parquet")).unwrap();
    let yaml = common::bundled_text("rural_cohort.yaml");
    for ext in ["csv", "parquet"] {
        std::fs::write(
            dir.path().join(format!("{ext}.yaml")),
            yaml.replace("cohorts/rural_hospitals_synthetic.csv", &format!("small.{ext}")),
        )
        .unwrap();
        let out = dir.path().join(format!("out-{ext}"));
        let result = seqsim(&[
            "run",
            dir.path().join(format!("{ext}.yaml")).to_str().unwrap(),
            "--paths",
            "1500",
            "--by",
            "state,kind",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(result.status.success(), "{ext}: {}", stderr(&result));
    }
    let strip = |path: &Path| -> Vec<String> {
        let (h, rows) = read_csv(path);
        let keep = h.iter().position(|c| c == "scenario").unwrap();
        rows.iter().map(|r| r[..keep].join(",")).collect()
    };
    for table in ["facilities.csv", "groups.csv", "national.csv"] {
        assert_eq!(
            strip(&dir.path().join("out-csv").join(table)),
            strip(&dir.path().join("out-parquet").join(table)),
            "{table}: CSV and Parquet inputs differ"
        );
    }
    let (fh, facilities) = read_csv(&dir.path().join("out-csv/facilities.csv"));
    let (gh, groups) = read_csv(&dir.path().join("out-csv/groups.csv"));
    assert_eq!(&gh[..2], ["state", "kind"]);
    for g in &groups {
        let members: Vec<&Vec<String>> = facilities
            .iter()
            .filter(|f| {
                cell(&fh, f, "state") == cell(&gh, g, "state")
                    && cell(&fh, f, "kind") == cell(&gh, g, "kind")
                    && cell(&fh, f, "policy") == cell(&gh, g, "policy")
                    && cell(&fh, f, "year") == cell(&gh, g, "year")
            })
            .collect();
        let sum = |column: &str| members.iter().map(|f| cell(&fh, f, column).parse::<f64>().unwrap()).sum::<f64>();
        let value = |column: &str| cell(&gh, g, column).parse::<f64>().unwrap();
        assert_eq!(value("facilities"), members.len() as f64);
        for (group_column, facility_column) in
            [("n_negative", "p_negative"), ("n_exhausted", "p_exhausted"), ("cut_total", "cut_mean")]
        {
            let expected = sum(facility_column);
            assert!(
                (value(group_column) - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                "{group_column}: {} vs {expected}",
                value(group_column)
            );
        }
    }
}

/// `at_risk.csv`: the baseline's chances per facility and year, the same as
/// `facilities.csv`'s, and a rank within the state that orders facilities by
/// their final-year P(cash exhausted), then P(distress).
#[test]
fn the_risk_list_ranks_each_states_facilities_by_final_year_risk() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("cohorts/rural_hospitals_synthetic.csv")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).take(41).collect();
    std::fs::write(dir.path().join("small.csv"), lines.join("\n") + "\n").unwrap();
    let yaml = common::bundled_text("rural_cohort.yaml").replace("cohorts/rural_hospitals_synthetic.csv", "small.csv");
    std::fs::write(dir.path().join("s.yaml"), yaml).unwrap();
    let out = dir.path().join("out");
    let result =
        seqsim(&["run", dir.path().join("s.yaml").to_str().unwrap(), "--paths", "400", "--out", out.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    let (rh, risk) = read_csv(&out.join("at_risk.csv"));
    let (fh, facilities) = read_csv(&out.join("facilities.csv"));
    let baseline: Vec<&Vec<String>> = facilities.iter().filter(|f| cell(&fh, f, "policy") == "current_law").collect();
    assert_eq!(risk.len(), baseline.len(), "one row per facility and year under the baseline");
    for r in &risk {
        let f = baseline
            .iter()
            .find(|f| {
                cell(&fh, f, "practice") == cell(&rh, r, "practice") && cell(&fh, f, "year") == cell(&rh, r, "year")
            })
            .unwrap();
        for column in ["p_negative", "p_exhausted", "p_distress"] {
            assert_eq!(cell(&rh, r, column), cell(&fh, f, column), "{column}");
        }
        assert_eq!(cell(&rh, r, "state"), cell(&fh, f, "state"));
    }
    let last = risk.iter().map(|r| cell(&rh, r, "year").parse::<i32>().unwrap()).max().unwrap();
    let finals: Vec<&Vec<String>> = risk.iter().filter(|r| cell(&rh, r, "year") == last.to_string()).collect();
    let num = |r: &Vec<String>, c: &str| cell(&rh, r, c).parse::<f64>().unwrap();
    for pair in finals.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if cell(&rh, a, "state") != cell(&rh, b, "state") {
            assert_eq!(num(b, "rank_in_state"), 1.0, "a state's list starts at rank 1");
            continue;
        }
        assert_eq!(num(b, "rank_in_state"), num(a, "rank_in_state") + 1.0);
        let key = |r: &Vec<String>| (num(r, "p_exhausted"), num(r, "p_distress"));
        assert!(key(a) >= key(b), "{:?} ranked above {:?}", key(a), key(b));
    }
    assert!(finals.iter().any(|r| num(r, "rank_in_state") > 1.0), "some state has several facilities");
}

#[test]
fn malformed_cohort_files_get_row_and_column_errors() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_file = one_row_cohort(dir.path());
    std::fs::write(
        dir.path().join("one.csv"),
        "id,kind,medicare_ffs,medicare_advantage,medicaid,commercial,other,labor,supplies,other_costs,cash\n\
         ok_one,clinic,1,0,0,0,0,1,0,0,0\n\
         bad_two,clinic,-5,0,0,0,0,1,0,0,0\n\
         Bad Three,clinic,1,0,0,0,0,1,0,0,0\n\
         four,clinic,1,lots,0,0,0,1,0,0,0\n\
         ok_one,all,1,0,0,0,0,1,0,0,\n",
    )
    .unwrap();
    let out = dir.path().join("never");
    let result = seqsim(&["run", scenario_file.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let message = stderr(&result);
    for expected in [
        "one.csv: row 2, column `medicare_ffs`: must be >= 0 dollars, found -5",
        "one.csv: row 3, column `id`: `Bad Three` is not a valid id",
        "one.csv: row 4, column `medicare_advantage`: expected a number, found \"lots\"",
        "one.csv: row 5, column `id`: id `ok_one` is already used by row 1",
        "one.csv: row 5, column `kind`: `all` is reserved",
        "one.csv: row 5, column `cash`: missing value",
        "the cohort was not used",
    ] {
        assert!(message.contains(expected), "expected {expected:?} in\n{message}");
    }
    assert!(!out.exists());
    std::fs::write(dir.path().join("one.csv"), "id,kind,medicare_ffs\nx,clinic,1\n").unwrap();
    let result = seqsim(&["validate", scenario_file.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("missing required column(s) medicare_advantage, medicaid"), "{}", stderr(&result));
}

#[test]
fn cohort_shards_merge_to_the_single_run_byte_for_byte_and_precision_runs() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::scenario("rural_cohort.yaml");
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["run", scenario.to_str().unwrap(), "--paths", "2500", "--by", "state", "--out"];
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        common::seqsim_ok(&args);
        out
    };
    let single = run("single", &[]);
    let shards = [
        run("s2", &["--shard", "2/3", "--threads", "1"]),
        run("s0", &["--shard", "0/3"]),
        run("s1", &["--shard", "1/3"]),
    ];
    let merged = dir.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().map(|s| s.display().to_string()));
    args.extend(["--out".to_string(), merged.display().to_string()]);
    common::seqsim_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    for table in ["facilities.csv", "facilities.parquet", "groups.csv", "groups.parquet", "national.csv", "brief.md"] {
        let a = std::fs::read(single.join(table)).unwrap();
        let b = std::fs::read(merged.join(table)).unwrap();
        assert!(a == b, "{table} differs from the single run");
    }
    // A merge whose shards disagree on --by is refused, naming the difference.
    let other = run("other", &["--shard", "0/3", "--by", "kind"]);
    let result = common::seqsim(&[
        "merge",
        other.to_str().unwrap(),
        shards[1].to_str().unwrap(),
        shards[2].to_str().unwrap(),
        "--out",
        dir.path().join("bad").to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(1));
    assert!(common::stderr(&result).contains("the cohort table or its --by columns"), "{}", common::stderr(&result));
    // --precision on a cohort: doubling batches from 4 chunks, then the
    // cohort outputs of a fixed run with the final path count.
    let precise = dir.path().join("precise");
    let result = common::seqsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--precision",
        "0.5",
        "--by",
        "state",
        "--out",
        precise.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", common::stderr(&result));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(precise.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["paths"], 4096);
    assert_eq!(manifest["precision"]["reached"], true);
    let fixed = dir.path().join("fixed");
    common::seqsim_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--paths",
        "4096",
        "--by",
        "state",
        "--out",
        fixed.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(precise.join("groups.csv")).unwrap(), std::fs::read(fixed.join("groups.csv")).unwrap());
}
