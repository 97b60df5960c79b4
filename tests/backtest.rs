//! `seqsim backtest` and `seqsim calibrate` through the binary: the matching
//! rules and scores on a hand-made pair of releases, and both commands on the
//! committed excerpt of real releases (tests/data/cms/panel_2017.csv and
//! panel_2019.csv: the same CCNs two years apart, plus four 2017 hospitals
//! with no 2019 report).

mod common;

use common::{cell, data, read_csv, scenario, seqsim, stderr, stdout};

fn number(header: &[String], row: &[String], column: &str) -> f64 {
    cell(header, row, column).parse().unwrap_or_else(|_| panic!("{column} is a number"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// tests/data/backtest: every driver fixed at zero, so each projection is
/// the base-year margin, (100 - 95) / 100 = 0.05, on every path.
/// 010001 reports (100 - 103) / 100 = -0.03: PIT 0, CRPS |0.05 + 0.03| = 0.08.
/// 010002 converted to a CAH and reports (100 - 94) / 100 = 0.06: matched
/// by CCN (kind changed), PIT 1, CRPS 0.01. 010003 is not in the later
/// table; 010004 is new and ignored.
#[test]
fn matching_rules_and_degenerate_scores() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let run = seqsim(&[
        "backtest",
        data("backtest/scenario.yaml").to_str().unwrap(),
        "--actual",
        data("backtest/later.csv").to_str().unwrap(),
        "--year",
        "2019",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let (h, rows) = read_csv(&out.join("backtest.csv"));
    assert_eq!(rows.len(), 2, "010001 and 010002 are matched");
    let (first, second) = (&rows[0], &rows[1]);
    assert_eq!(cell(&h, first, "ccn"), "010001");
    assert!(close(number(&h, first, "predicted_p5"), 0.05) && close(number(&h, first, "predicted_p95"), 0.05));
    assert!(close(number(&h, first, "actual"), -0.03));
    assert_eq!(number(&h, first, "pit"), 0.0);
    assert!(close(number(&h, first, "crps"), 0.08));
    assert!(close(number(&h, first, "persistence_abs_error"), 0.08));
    assert_eq!(cell(&h, second, "ccn"), "010002");
    assert_eq!(cell(&h, second, "kind"), "rural_pps_hospital");
    assert_eq!(cell(&h, second, "actual_kind"), "critical_access_hospital");
    assert_eq!(number(&h, second, "pit"), 1.0);
    assert!(close(number(&h, second, "crps"), 0.01));

    let (h, rows) = read_csv(&out.join("backtest_unmatched.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!((cell(&h, &rows[0], "ccn"), cell(&h, &rows[0], "reason")), ("010003", "not_in_cohort"));

    let (h, rows) = read_csv(&out.join("backtest_summary.csv"));
    let all = rows.iter().find(|r| cell(&h, r, "group") == "all").expect("an `all` row");
    assert_eq!(cell(&h, all, "matched"), "2");
    assert_eq!(cell(&h, all, "unmatched"), "1");
    assert_eq!(cell(&h, all, "kind_changed"), "1");
    // CRPS (0.08 + 0.01) / 2 = 0.045 for both forecasts: skill 1 - 1 = 0.
    assert!(close(number(&h, all, "crps_seqsim"), 0.045));
    assert!(close(number(&h, all, "crps_persistence"), 0.045));
    assert!(close(number(&h, all, "skill"), 0.0));
    // One of two reported margins is negative; none projected.
    assert_eq!(number(&h, all, "actual_share_negative"), 0.5);
    assert_eq!(number(&h, all, "predicted_share_negative"), 0.0);
    // Neither reported margin lies in [0.05, 0.05].
    assert_eq!(number(&h, all, "coverage_90"), 0.0);
    assert_eq!(cell(&h, all, "pit_0_10"), "1");
    assert_eq!(cell(&h, all, "pit_90_100"), "1");
    for file in ["backtest_pit.svg", "backtest_share_negative.svg", "brief.md", "report.html", "manifest.json"] {
        assert!(out.join(file).exists(), "{file} written");
    }
    let brief = std::fs::read_to_string(out.join("brief.md")).unwrap();
    assert!(brief.contains("| All hospitals | 2 | 0.00% ±0.00 (0.00%–0.00%) | 50.00% |"), "{brief}");
}

#[test]
fn a_year_outside_the_projection_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = seqsim(&[
        "backtest",
        data("backtest/scenario.yaml").to_str().unwrap(),
        "--actual",
        data("backtest/later.csv").to_str().unwrap(),
        "--year",
        "2021",
        "--out",
        dir.path().join("bt").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("--year 2021 is outside the projection (2018-2019)"), "{}", stderr(&run));
    assert!(!dir.path().join("bt").exists(), "nothing written");
}

#[test]
fn a_later_table_without_ccns_names_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("later.csv");
    std::fs::write(&bad, "id,kind\nccn_1,rural_pps_hospital\n").unwrap();
    let run = seqsim(&[
        "backtest",
        data("backtest/scenario.yaml").to_str().unwrap(),
        "--actual",
        bad.to_str().unwrap(),
        "--year",
        "2019",
        "--out",
        dir.path().join("bt").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("later.csv: missing required column(s) ccn, medicare_ffs"), "{}", stderr(&run));
}

/// The committed real excerpt: calibrate writes a drivers block a scenario
/// accepts, and the bundled backtest scenario runs on the excerpt's 2017
/// cohort against its 2019 release, listing the 2017 hospitals with no 2019
/// report as `no_report`.
#[test]
fn calibrate_and_backtest_run_on_the_committed_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let early = data("cms/panel_2017.csv");
    let late = data("cms/panel_2019.csv");
    let fragment = dir.path().join("drivers.yaml");
    let run =
        seqsim(&["calibrate", early.to_str().unwrap(), late.to_str().unwrap(), "--out", fragment.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains("hospitals matched"));
    let drivers = std::fs::read_to_string(&fragment).unwrap();
    for driver in ["volume_growth", "commercial_rate_growth", "labor_inflation", "other_inflation"] {
        let line = drivers.lines().find(|l| l.trim_start().starts_with(&format!("{driver}:"))).expect(driver);
        assert!(line.contains("scope: practice") && line.contains("panel_2017.csv -> panel_2019.csv"), "{line}");
        assert!(line.contains("Kolmogorov-Smirnov D = "), "{line}");
    }

    // The fragment is scenario syntax: the test scenario with these drivers validates.
    let cohort = dir.path().join("early.csv");
    let import = seqsim(&["import", "cms-cost-report", early.to_str().unwrap(), "--out", cohort.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    let base = std::fs::read_to_string(scenario("backtest_2017_2019.yaml")).unwrap();
    let with_cohort = base.replace("file: cohorts/us_hospitals_2017.csv", &format!("file: {}", cohort.display()));
    assert_ne!(with_cohort, base, "the bundled scenario names its cohort file");
    let scenario_file = dir.path().join("backtest.yaml");
    std::fs::write(&scenario_file, &with_cohort).unwrap();
    let calibrated = dir.path().join("calibrated.yaml");
    let head = with_cohort.split("\ndrivers:\n").next().unwrap();
    let tail = with_cohort.split("\ncohort:\n").nth(1).unwrap();
    // The fragment leaves out what cost reports cannot measure (ma_shift, mei): keep the scenario's.
    let unmeasured: String = with_cohort
        .lines()
        .filter(|l| l.starts_with("  ma_shift:") || l.starts_with("  mei:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(unmeasured.lines().count(), 2);
    let drivers = drivers.replacen("drivers:\n", &format!("drivers:\n{unmeasured}"), 1);
    std::fs::write(&calibrated, format!("{head}\n{drivers}cohort:\n{tail}")).unwrap();
    let check = seqsim(&["validate", calibrated.to_str().unwrap()]);
    assert!(check.status.success(), "{}\n{}", stderr(&check), std::fs::read_to_string(&calibrated).unwrap());

    let out = dir.path().join("bt");
    let run = seqsim(&[
        "backtest",
        scenario_file.to_str().unwrap(),
        "--actual",
        late.to_str().unwrap(),
        "--year",
        "2019",
        "--paths",
        "300",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stdout(&run).contains("Backtest 2019:"));
    let (h, rows) = read_csv(&out.join("backtest.csv"));
    assert!(rows.len() > 100, "most of the 143 CCNs are matched: {}", rows.len());
    for row in &rows {
        let pit = number(&h, row, "pit");
        assert!((0.0..=1.0).contains(&pit), "PIT {pit}");
        assert!(number(&h, row, "crps") >= 0.0);
        assert!(number(&h, row, "predicted_p5") <= number(&h, row, "predicted_p95"));
    }
    let (uh, unmatched) = read_csv(&out.join("backtest_unmatched.csv"));
    let closed: Vec<&str> =
        unmatched.iter().filter(|r| cell(&uh, r, "reason") == "no_report").map(|r| cell(&uh, r, "ccn")).collect();
    // The four 2017 hospitals the 2019 release has no report for, less any the
    // 2017 import itself dropped.
    assert!(
        !closed.is_empty() && closed.iter().all(|c| ["670024", "370032", "330268", "360274"].contains(c)),
        "{closed:?}"
    );
    let (sh, summary) = read_csv(&out.join("backtest_summary.csv"));
    let all = summary.iter().find(|r| cell(&sh, r, "group") == "all").unwrap();
    assert_eq!(cell(&sh, all, "matched"), rows.len().to_string());
    assert_eq!(cell(&sh, all, "unmatched"), unmatched.len().to_string());
}

/// Three releases of the committed excerpt: `seqsim calibrate` fits the
/// v1.3 dynamics (a small, quick fit) and writes the moments table and a
/// fragment whose drivers carry spreads, and a cost response with a speed
/// in [0, 1].
#[test]
fn calibrate_on_three_releases_fits_the_dynamics() {
    let dir = tempfile::tempdir().unwrap();
    let releases = ["cms/panel_2017.csv", "cms/panel_2019.csv", "cms/panel_2021.csv"].map(data);
    let fragment = dir.path().join("dynamics.yaml");
    let mut args: Vec<&str> = vec!["calibrate"];
    args.extend(releases.iter().map(|p| p.to_str().unwrap()));
    args.extend([
        "--medicare-update",
        "2018=0.018088,2019=0.0185,2020=0.031,2021=0.029",
        "--evaluations",
        "80",
        "--bootstrap",
        "20",
        "--replicates",
        "2",
        "--out",
        fragment.to_str().unwrap(),
    ]);
    let run = seqsim(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    let table = stderr(&run);
    assert!(table.contains("Dynamics fitted by simulated method of moments"), "{table}");
    assert!(table.contains("releases 0, 2, 4 years after the first"), "{table}");
    assert!(table.contains("| margin autocorrelation, releases 1-3 * |"), "{table}");
    let yaml = std::fs::read_to_string(&fragment).unwrap();
    let speed: f64 = yaml
        .lines()
        .find_map(|l| l.strip_prefix("cost_response: {speed: "))
        .and_then(|rest| rest.split(',').next())
        .expect("a cost_response line")
        .parse()
        .unwrap();
    assert!((0.0..=1.0).contains(&speed), "{speed}");
    for driver in ["volume_growth", "commercial_rate_growth", "labor_inflation"] {
        let line = yaml.lines().find(|l| l.trim_start().starts_with(&format!("{driver}:"))).expect(driver);
        assert!(line.contains("sd: 0.") && line.contains("panel_2017.csv panel_2019.csv panel_2021.csv"), "{line}");
    }
    // Two releases out of order are refused with what was found.
    let reversed = seqsim(&[
        "calibrate",
        releases[2].to_str().unwrap(),
        releases[1].to_str().unwrap(),
        releases[0].to_str().unwrap(),
    ]);
    assert_eq!(reversed.status.code(), Some(1), "{}", stderr(&reversed));
    assert!(stderr(&reversed).contains("in releases given in time order"), "{}", stderr(&reversed));
}

fn optional(header: &[String], row: &[String], column: &str) -> Option<f64> {
    let text = cell(header, row, column);
    (!text.is_empty()).then(|| text.parse().unwrap_or_else(|_| panic!("{column} is a number")))
}

/// tests/data/backtest_risk (issue 28): every driver fixed at zero, so each
/// hospital keeps its base margin and its cash grows by its result; every
/// probability is 0 or 1. Revenue $100M each; costs and cash ($M):
///   010001 Alpha   105,  5: margin -5%; cash 0 in 2018, -5 in 2019: in the
///                             red, distressed, exhausted by 2019 (days < 0).
///   010002 Bravo   102, 50: margin -2%: in the red and distressed, not exhausted.
///   010003 Charlie  95,  1: margin +5%; cash 11 in 2019, 365 * 11 / 95 = 42
///                             days: no distress in 2019.
///   010004 Delta    95, 20, 011305 Echo (a CAH) 90, 30: all zero.
///   010006 Foxtrot 101,  2: in the red; not in the later table.
/// Reported in 2019: Bravo -3% (red), Charlie +2% with 7 days of cash
/// (distressed), Delta +4% with 95 days (neither), Echo -1% (red).
///
/// In the red, all: positives Bravo (1) and Echo (0), negatives Charlie and
/// Delta (0): Bravo outranks both, Echo ties both: 3 / 4 = 0.75.
/// Persistence (base margins -0.02, 0.05, 0.05, 0.10; lower is riskier):
/// Bravo outranks both negatives, Echo neither: 2 / 4 = 0.5; seqsim - persistence = 0.25.
/// Distress: positives Bravo (1), Charlie (0), Echo (0), negative Delta (0):
/// (1 + 0.5 + 0.5) / 3 = 0.6667.
/// Reliability of P(margin < 0), all: three tied at 0 (ranks 0-2, decile
/// floor(10 * 2 / 8) = 3rd) with one of three in the red, Bravo alone in the
/// 8th (rank 3, floor(10 * 6 / 8) = 7); Brier (0 + 0 + 0 + 1) / 4 = 0.25.
///
/// Closures: Alpha (CCN `10001` on the list, June 2019) closed within two
/// years; Delta (no CCN, matched by name and city, March 2020) survived the
/// horizon; Zeta is not in the cohort; the 2015 row naming Bravo's CCN is
/// before the base year and not matched. Foxtrot stopped filing and is not
/// on the list: left out. Scored: Alpha closed; Bravo, Charlie, Delta, Echo
/// survived. P(cash exhausted by 2019): Alpha 1, the rest 0: AUC 1.
/// P(distress in 2019): Alpha 1, Bravo 1, the rest 0: (0.5 + 3) / 4 = 0.875.
/// Persistence, days of cash (365 cash / costs: Alpha 17.4, Bravo 178.9,
/// Charlie 3.8, Delta 76.8, Echo 121.7; lower is riskier): Alpha outranks
/// all but Charlie: 3 / 4 = 0.75. Quartiles of P(cash exhausted), five
/// hospitals: the four tied at 0 (ranks 0-3) in floor(4 * 3 / 10) = Q2,
/// Alpha (rank 4) in floor(4 * 8 / 10) = Q4: rates n/a, 0, n/a, 100%.
/// The four-year horizon is not scored: the list ends in 2020.
#[test]
fn risk_scores_and_closures_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let run = seqsim(&[
        "backtest",
        data("backtest_risk/scenario.yaml").to_str().unwrap(),
        "--actual",
        data("backtest_risk/later.csv").to_str().unwrap(),
        "--year",
        "2019",
        "--closures",
        data("backtest_risk/closures.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("Closures within 2 years (to 2019): 1 closed, 4 survived, 1 stopped filing"),
        "{}",
        stdout(&run)
    );
    assert!(stdout(&run).contains("Closures within 4 years: not scored, the closure list ends in 2020, before 2021"));

    let (h, rows) = read_csv(&out.join("backtest_ranking.csv"));
    let line = |target: &str, group: &str, score: &str| {
        rows.iter()
            .find(|r| cell(&h, r, "target") == target && cell(&h, r, "group") == group && cell(&h, r, "score") == score)
            .unwrap_or_else(|| panic!("{target} {group} {score}"))
    };
    let red = line("in_the_red", "all", "seqsim_p_negative");
    assert_eq!((cell(&h, red, "positives"), cell(&h, red, "negatives")), ("2", "2"));
    assert!(close(number(&h, red, "auc"), 0.75));
    assert!(close(number(&h, line("in_the_red", "all", "persistence_margin"), "auc"), 0.5));
    assert!(close(number(&h, red, "vs_persistence_margin"), 0.25));
    assert!(close(number(&h, line("distress", "all", "seqsim_p_distress"), "auc"), 2.0 / 3.0));
    // Rural PPS alone: Bravo (red, 1) above Charlie and Delta (0): 1. Echo's
    // kind has one positive and no negative: no AUC.
    assert!(close(number(&h, line("in_the_red", "rural_pps_hospital", "seqsim_p_negative"), "auc"), 1.0));
    assert_eq!(optional(&h, line("in_the_red", "critical_access_hospital", "seqsim_p_negative"), "auc"), None);

    let (h, rows) = read_csv(&out.join("backtest_reliability.csv"));
    let bins: Vec<(String, String, String)> = rows
        .iter()
        .filter(|r| cell(&h, r, "target") == "in_the_red" && cell(&h, r, "group") == "all")
        .map(|r| (cell(&h, r, "decile").into(), cell(&h, r, "hospitals").into(), cell(&h, r, "observed").into()))
        .collect();
    assert_eq!(bins, [("3".into(), "3".into(), "1".into()), ("8".into(), "1".into(), "1".into())]);
    let (h, rows) = read_csv(&out.join("backtest_brier.csv"));
    let all = rows.iter().find(|r| cell(&h, r, "target") == "in_the_red" && cell(&h, r, "group") == "all").unwrap();
    assert!(close(number(&h, all, "brier"), 0.25));

    let (h, rows) = read_csv(&out.join("backtest_closures.csv"));
    let closure = |group: &str, score: &str| {
        rows.iter()
            .find(|r| {
                cell(&h, r, "horizon_years") == "2" && cell(&h, r, "group") == group && cell(&h, r, "score") == score
            })
            .unwrap_or_else(|| panic!("{group} {score}"))
    };
    let exhausted = closure("all", "seqsim_p_exhausted");
    assert_eq!((cell(&h, exhausted, "closed"), cell(&h, exhausted, "survived")), ("1", "4"));
    assert_eq!(number(&h, exhausted, "auc"), 1.0);
    assert_eq!(optional(&h, exhausted, "auc_se"), None, "one closure: no DeLong variance");
    assert!(close(number(&h, closure("all", "seqsim_p_distress"), "auc"), 0.875));
    assert_eq!(number(&h, closure("all", "persistence_margin"), "auc"), 1.0);
    assert!(close(number(&h, closure("all", "persistence_days_cash"), "auc"), 0.75));
    let quartiles: Vec<String> = (1..=4).map(|q| cell(&h, exhausted, &format!("q{q}_rate")).to_string()).collect();
    assert_eq!(quartiles, ["", "0.0", "", "1.0"]);
    assert_eq!(cell(&h, exhausted, "stopped_filing"), "1");
    for (column, expected) in [
        ("list_rows", "4"),
        ("list_rows_from_base_year", "3"),
        ("matched_by_ccn", "1"),
        ("matched_by_name_and_place", "1"),
        ("unmatched", "1"),
        ("matched_still_filing", "0"),
    ] {
        assert_eq!(cell(&h, exhausted, column), expected, "{column}");
    }
    let unscored = rows.iter().find(|r| cell(&h, r, "horizon_years") == "4").expect("a row for the 4-year horizon");
    assert_eq!(cell(&h, unscored, "note"), "not scored: the closure list ends in 2020, before 2021");

    let (h, rows) = read_csv(&out.join("backtest_closure_list.csv"));
    let how: Vec<(&str, &str)> = rows.iter().map(|r| (cell(&h, r, "how"), cell(&h, r, "ccn"))).collect();
    assert_eq!(how, [("ccn", "010001"), ("name_and_place", "010004"), ("not_in_cohort", "")]);

    let brief = std::fs::read_to_string(out.join("brief.md")).unwrap();
    for heading in [
        "## Risk scores: are the probabilities right? (2019)",
        "## Risk scores: ranking against persistence (2019)",
        "## Closures within 2 years (2017–2019)",
    ] {
        assert!(brief.contains(heading), "{heading}\n{brief}");
    }
    assert!(
        brief.contains("Closures within 4 years: not scored, the closure list ends in 2020, before 2021."),
        "{brief}"
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("Closures within 2 years") && page.contains("Closure list SHA-256"));
    assert!(out.join("backtest_reliability.svg").exists() && out.join("backtest_reliability.png").exists());
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"closures\"") && manifest.contains("closures.csv"), "{manifest}");
}

#[test]
fn a_bad_closure_list_names_the_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("closures.csv");
    std::fs::write(
        &bad,
        "hospital,city,state,closure_month,closure_year,converted,ccn_matched\nA,Town,AL,Smarch,2019,0,\n",
    )
    .unwrap();
    let run = seqsim(&[
        "backtest",
        data("backtest_risk/scenario.yaml").to_str().unwrap(),
        "--actual",
        data("backtest_risk/later.csv").to_str().unwrap(),
        "--year",
        "2019",
        "--closures",
        bad.to_str().unwrap(),
        "--out",
        dir.path().join("bt").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run)
            .contains("closures.csv: row 2, column closure_month: expected a month name or 1-12, found \"Smarch\""),
        "{}",
        stderr(&run)
    );
    assert!(!dir.path().join("bt").exists(), "nothing written");
}

/// The full Sheps list, when the shared data is beside the crate (or
/// SEQSIM_SHEPS_DIR names its folder): it reads, and matched to the bundled
/// 2017 cohort it leaves a stated number of rows from 2017 on unmatched.
#[test]
fn the_full_closure_list_when_present() {
    let dir = std::env::var_os("SEQSIM_SHEPS_DIR").map_or_else(
        || std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/sheps")),
        std::path::PathBuf::from,
    );
    let list = dir.join("rural_closures_2005_2021.csv");
    if !list.is_file() {
        eprintln!("skipped: {} is absent", list.display());
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = seqsim(&[
        "backtest",
        scenario("backtest_2017_2019.yaml").to_str().unwrap(),
        "--actual",
        scenario("cohorts/us_hospitals_2019.csv").to_str().unwrap(),
        "--year",
        "2019",
        "--paths",
        "200",
        "--closures",
        list.to_str().unwrap(),
        "--out",
        out.path().join("bt").to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let (h, rows) = read_csv(&out.path().join("bt/backtest_closures.csv"));
    let all =
        rows.iter().find(|r| cell(&h, r, "group") == "all" && cell(&h, r, "score") == "seqsim_p_exhausted").unwrap();
    // 176 rows, 61 from 2017 on: 40 by CCN, 3 by name and place, 18 unmatched.
    for (column, expected) in [
        ("list_rows", "176"),
        ("list_rows_from_base_year", "61"),
        ("matched_by_ccn", "40"),
        ("matched_by_name_and_place", "3"),
        ("unmatched", "18"),
        ("closed", "26"),
    ] {
        assert_eq!(cell(&h, all, column), expected, "{column}");
    }
}
