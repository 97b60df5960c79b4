//! One cohort record (issue 29, item 1) through the binary: a cohort table
//! `seqsim run` accepts is accepted by `seqsim calibrate` and `seqsim
//! backtest`, and a bad cell gets the same message (file, row, column) from
//! all three.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{data, seqsim, stderr};

/// tests/data/backtest's two releases copied to `dir`, with the earlier one's
/// 010001 Medicare FFS written `4e7` (a YAML number: 40,000,000, which
/// `calibrate` refused before it read numbers as `run` does) and `edit`
/// applied to its lines; the scenario reads the earlier one.
fn releases(dir: &Path, edit: impl Fn(&str) -> String) -> (String, String, String) {
    let early = std::fs::read_to_string(data("backtest/early.csv")).unwrap();
    let early = early.replacen("rural_pps_hospital,40000000,", "rural_pps_hospital,4e7,", 1);
    assert!(early.contains(",4e7,"), "the first row's medicare_ffs is 40000000");
    let early: String = early.lines().map(|l| format!("{}\n", edit(l))).collect();
    std::fs::write(dir.join("early.csv"), early).unwrap();
    std::fs::copy(data("backtest/later.csv"), dir.join("later.csv")).unwrap();
    std::fs::copy(data("backtest/scenario.yaml"), dir.join("scenario.yaml")).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    (path("scenario.yaml"), path("early.csv"), path("later.csv"))
}

fn run(dir: &Path, scenario: &str) -> std::process::Output {
    let out = dir.join("run");
    seqsim(&["run", scenario, "--paths", "64", "--out", out.to_str().unwrap(), "--force"])
}

fn calibrate(dir: &Path, early: &str, later: &str) -> std::process::Output {
    let fragment = dir.join("drivers.yaml");
    seqsim(&["calibrate", early, later, "--out", fragment.to_str().unwrap()])
}

fn backtest(dir: &Path, scenario: &str, actual: &str) -> std::process::Output {
    let out = dir.join("bt");
    seqsim(&["backtest", scenario, "--actual", actual, "--year", "2019", "--out", out.to_str().unwrap(), "--force"])
}

/// `seqsim import cms-cost-report` of a committed excerpt, with the first
/// unquoted row's Medicare FFS written as an exponent (`1234.56` as
/// `123456e-2`, a YAML number `run` reads).
fn imported(dir: &Path, release: &str) -> String {
    let table = dir.join(format!("{release}.csv"));
    let import = seqsim(&[
        "import",
        "cms-cost-report",
        data(&format!("cms/{release}.csv")).to_str().unwrap(),
        "--out",
        table.to_str().unwrap(),
    ]);
    assert!(import.status.success(), "{}", stderr(&import));
    let text = std::fs::read_to_string(&table).unwrap();
    let header: Vec<&str> = text.lines().find(|l| !l.starts_with('#')).unwrap().split(',').collect();
    let ffs = header.iter().position(|c| *c == "medicare_ffs").unwrap();
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if done || line.starts_with('#') || line.contains('"') || line.starts_with("id,") {
                return line.to_string();
            }
            done = true;
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            let (whole, cents) = cells[ffs].split_once('.').unwrap();
            cells[ffs] = format!("{whole}{cents}e-2");
            cells.join(",")
        })
        .collect();
    assert!(done);
    std::fs::write(&table, lines.join("\n") + "\n").unwrap();
    table.to_str().unwrap().to_string()
}

#[test]
fn a_table_valid_for_run_is_valid_for_calibrate_and_backtest() {
    let dir = tempfile::tempdir().unwrap();
    let early = imported(dir.path(), "panel_2017");
    let later = imported(dir.path(), "panel_2019");
    let base = std::fs::read_to_string(common::scenario("backtest_2017_2019.yaml")).unwrap();
    let scenario = dir.path().join("backtest.yaml");
    std::fs::write(&scenario, base.replace("file: cohorts/us_hospitals_2017.csv", &format!("file: {early}"))).unwrap();
    let scenario = scenario.to_str().unwrap();
    let ran = run(dir.path(), scenario);
    assert!(ran.status.success(), "run: {}", stderr(&ran));
    let calibrated = calibrate(dir.path(), &early, &later);
    assert!(calibrated.status.success(), "calibrate: {}", stderr(&calibrated));
    let scored = backtest(dir.path(), scenario, &later);
    assert!(scored.status.success(), "backtest: {}", stderr(&scored));
}

#[test]
fn a_bad_cell_gets_the_same_message_from_run_calibrate_and_backtest() {
    let dir = tempfile::tempdir().unwrap();
    // Data row 3 (010003): medicare_advantage is not a number.
    let (scenario, early, later) = releases(dir.path(), |line| {
        line.replacen(
            "ccn_010003,010003,CLOSES,critical_access_hospital,4000000,1000000,",
            "ccn_010003,010003,CLOSES,critical_access_hospital,4000000,lots,",
            1,
        )
    });
    assert!(std::fs::read_to_string(&early).unwrap().contains(",lots,"));
    let expected = format!("{early}: row 3, column `medicare_advantage`: expected a number, found \"lots\"");
    let outputs = [
        ("run", run(dir.path(), &scenario)),
        ("calibrate", calibrate(dir.path(), &early, &later)),
        ("backtest", backtest(dir.path(), &scenario, &early)),
    ];
    for (command, output) in outputs {
        assert!(!output.status.success(), "{command} fails");
        let message = stderr(&output);
        let line = message.lines().find(|l| l.contains("row 3")).unwrap_or_else(|| panic!("{command}: {message}"));
        assert!(line.ends_with(&expected), "{command}: {line}\nexpected: {expected}");
    }
}
