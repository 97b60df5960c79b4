//! `seqsim report` on cohort results: a small cohort imported from the CMS
//! cost-report excerpt, run by state, then the page checked against the
//! tables it was made from.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{cell, data, read_csv, seqsim, seqsim_ok, stderr};

const POLICIES: usize = 5;

/// The flagship scenario on the 18 hospitals of the 2021 excerpt, over 4 years.
fn small_cohort(dir: &Path) -> PathBuf {
    let cohort = dir.join("excerpt.csv");
    seqsim_ok(&[
        "import",
        "cms-cost-report",
        data("cms/CostReport_2021_excerpt.csv").to_str().unwrap(),
        "--out",
        cohort.to_str().unwrap(),
    ]);
    let text = common::bundled_text("us_hospitals.yaml")
        .replace("file: cohorts/us_hospitals_2021.csv", &format!("file: {}", cohort.display()))
        .replace("years: 10", "years: 4");
    let scenario = dir.join("excerpt.yaml");
    std::fs::write(&scenario, text).unwrap();
    scenario
}

fn run_and_report(scenario: &Path, out: &Path, by: &[&str]) -> String {
    let mut args = vec!["run", scenario.to_str().unwrap(), "--paths", "200", "--out", out.to_str().unwrap()];
    args.extend_from_slice(by);
    seqsim_ok(&args);
    seqsim_ok(&["report", out.to_str().unwrap()]);
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

/// The text between `start` and the next `end` after it.
fn section<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page.find(start).unwrap_or_else(|| panic!("no {start}"));
    let rest = &page[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The value written on a state's tile.
fn tile_value<'a>(map: &'a str, state: &str) -> &'a str {
    let tile = section(map, &format!("<text class=\"value\" data-state=\"{state}\""), "</text>");
    &tile[tile.rfind('>').unwrap() + 1..]
}

fn assert_self_contained(page: &str) {
    for banned in ["http:", "https:", "<script", "<link", "url("] {
        assert!(!page.contains(banned), "the page holds {banned}");
    }
}

/// The year the page says it shows, checked against the rule computed from
/// a table: the year in which some policy's expected facilities in the red
/// (`column` summed over the rows of a policy and year) differ most from the
/// baseline's, the earliest on a tie.
fn shown_year(page: &str, header: &[String], rows: &[Vec<String>], column: &str) -> i32 {
    let start = "The page opens on <strong>";
    let said: i32 = section(page, start, "</strong>")[start.len()..].parse().unwrap();
    let mut totals: std::collections::BTreeMap<(String, i32), f64> = Default::default();
    for r in rows {
        let key = (cell(header, r, "policy").to_string(), cell(header, r, "year").parse::<i32>().unwrap());
        *totals.entry(key).or_default() += cell(header, r, column).parse::<f64>().unwrap();
    }
    let mut best: Option<(f64, i32)> = None;
    for ((policy, year), n) in &totals {
        if policy == "current_law" {
            continue;
        }
        let gap = (n - totals[&("current_law".to_string(), *year)]).abs();
        if gap > 1e-6 && best.is_none_or(|(g, y)| gap > g + 1e-9 || ((gap - g).abs() <= 1e-9 && *year < y)) {
            best = Some((gap, *year));
        }
    }
    let expected = best.map(|(_, y)| y).unwrap_or_else(|| totals.keys().map(|k| k.1).max().unwrap());
    assert_eq!(said, expected, "the page shows the year of the largest gap");
    said
}

#[test]
fn a_cohort_report_by_state_maps_and_tabulates_what_groups_csv_holds() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_cohort(dir.path());
    let out = dir.path().join("results");
    let page = run_and_report(&scenario, &out, &["--by", "state"]);
    assert_self_contained(&page);
    assert!(page.contains("US Medicare current law as of 2026-12-01"), "the baseline's law is named");
    for chart in ["share_negative", "share_exhausted", "map_exhausted", "map_negative"] {
        for extension in ["svg", "png"] {
            assert!(out.join(format!("charts/{chart}.{extension}")).is_file(), "charts/{chart}.{extension}");
        }
    }

    let (header, rows) = read_csv(&out.join("groups.csv"));
    // The maps and one-year tables show the year of the largest gap between
    // a policy's and the baseline's expected facilities in the red.
    let last = shown_year(&page, &header, &rows, "n_negative");
    let share = |state: &str, column: &str| {
        let row = rows
            .iter()
            .find(|r| {
                cell(&header, r, "state") == state
                    && cell(&header, r, "policy") == "current_law"
                    && cell(&header, r, "year") == last.to_string()
            })
            .unwrap();
        let n: f64 = cell(&header, row, column).parse().unwrap();
        let of: f64 = cell(&header, row, "facilities").parse().unwrap();
        format!("{:.1}%", n / of * 100.0)
    };
    // Every year has its section behind the year picker; only the shown one is not hidden.
    let years: std::collections::BTreeSet<&str> = rows.iter().map(|r| cell(&header, r, "year")).collect();
    assert_eq!(page.matches("<section class=\"year\"").count(), years.len());
    assert_eq!(page.matches("<section class=\"year\" data-year=\"").count() - page.matches("\" hidden>").count(), 1);
    let year = section(&page, &format!("<section class=\"year\" data-year=\"{last}\">"), "</section>");
    let exhausted_map = section(year, &format!("<figure id=\"map-{last}-0\""), "</figure>");
    let negative_map = section(year, &format!("<figure id=\"map-{last}-1\""), "</figure>");
    for map in [exhausted_map, negative_map] {
        assert_eq!(map.matches("<rect class=\"tile\"").count(), 51, "one tile per state and DC");
        assert_eq!(tile_value(map, "CA"), "no data", "California is not in the excerpt");
        assert_eq!(tile_value(map, "NY"), "no data");
    }
    assert!(exhausted_map.contains("cash exhausted"));
    for state in ["AL", "KS"] {
        assert_eq!(tile_value(exhausted_map, state), share(state, "n_exhausted"), "{state}, cash exhausted");
        assert_eq!(tile_value(negative_map, state), share(state, "n_negative"), "{state}, in the red");
    }
    assert!(page.contains("not on the map") && page.contains("VI ("), "the Virgin Islands are listed under the map");

    // The share-in-the-red chart: one line (more than two points) per policy.
    let chart = section(&page, "<figure id=\"share-negative\"", "</figure>");
    let lines = chart
        .split("<polyline")
        .skip(1)
        .filter(|p| p.contains("stroke-width=\"3\""))
        .filter(|p| section(p, "points=\"", "/>").split_whitespace().filter(|xy| xy.contains(',')).count() > 2)
        .count();
    assert_eq!(lines, POLICIES, "one line per policy");

    // The group tables: one per policy, one row per state.
    let mut states: Vec<&str> = rows.iter().map(|r| cell(&header, r, "state")).collect();
    states.sort_unstable();
    states.dedup();
    assert_eq!(year.matches("<table class=\"groups\"").count(), POLICIES);
    let table = section(year, "<table class=\"groups\" data-policy=\"current_law\"", "</table>");
    assert_eq!(table.matches("<tr data-key=").count(), states.len());
    for state in &states {
        assert!(table.contains(&format!("<tr data-key=\"{state}\">")), "{state} has a row");
    }
    let keys: Vec<&str> = table.split("<tr data-key=\"").skip(1).map(|r| &r[..r.find('"').unwrap()]).collect();
    assert_eq!(keys, states, "rows sorted by state");
    assert!(page.contains("<table class=\"national\""));
    assert!(page.contains("<h2>Sources</h2>") && page.contains("<h2>Manifest</h2>"));
}

#[test]
fn a_cohort_report_without_by_has_no_map_and_counts_from_the_facilities() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_cohort(dir.path());
    let out = dir.path().join("results");
    let page = run_and_report(&scenario, &out, &[]);
    assert_self_contained(&page);
    assert!(!page.contains("<rect class=\"tile\""));
    assert!(page.contains("No state map"));
    // The whole-cohort share in the red in the shown year, from facilities.csv.
    let (header, rows) = read_csv(&out.join("facilities.csv"));
    let last = shown_year(&page, &header, &rows, "p_negative");
    let in_last: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| cell(&header, r, "policy") == "current_law" && cell(&header, r, "year") == last.to_string())
        .collect();
    let negative: f64 = in_last.iter().map(|r| cell(&header, r, "p_negative").parse::<f64>().unwrap()).sum();
    let expected = format!("{:.1} ({:.2}%)", negative, negative / in_last.len() as f64 * 100.0);
    let year = section(&page, &format!("<section class=\"year\" data-year=\"{last}\">"), "</section>");
    let whole = section(year, "<table class=\"whole\"", "</table>");
    assert!(whole.contains(&expected), "{expected} in {whole}");
}

#[test]
fn a_manifest_of_an_unknown_kind_is_refused_naming_the_fields() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.json"), r#"{"tool": "seqsim", "version": "0.1.0"}"#).unwrap();
    let result = seqsim(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let message = stderr(&result);
    assert!(message.contains("missing field `scenario`"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    // A manifest of an older seqsim, without the kind of run: the field is named.
    let manifest = r#"{"tool": "seqsim", "version": "0.0.9", "scenario": {"name": "s", "path": "s.yaml", "sha256": "ab"},
        "seed": 1, "paths": 10, "started": "", "finished": "", "files": [], "imports": [], "baseline_law": null,
        "sources": [], "practices": []}"#;
    std::fs::write(dir.path().join("manifest.json"), manifest).unwrap();
    let message = stderr(&seqsim(&["report", dir.path().to_str().unwrap()]));
    assert!(message.contains("`run`") && message.contains("another version of seqsim"), "{message}");
}

/// A track record beside the cohort table (a copy of a backtest's
/// `track_record.json`) is repeated, figures and all, in the brief, the
/// cohort page, a state page and the workbooks' Manifest sheet; a file that
/// is not one is refused naming it, and nothing is written.
#[test]
fn a_track_record_beside_the_cohort_travels_with_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_cohort(dir.path());
    let sidecar = dir.path().join("excerpt.track_record.json");
    let committed = common::scenario("cohorts/us_hospitals_2021.track_record.json");
    std::fs::copy(&committed, &sidecar).unwrap();
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(&committed).unwrap()).unwrap();
    let figure = |key: &str| record[key].as_f64().unwrap();
    // As the sentence rounds them: AUCs to two decimals, coverage to whole percent.
    let expected = [
        format!(
            "an AUC of {:.2}, against {:.2} for the",
            figure("auc_in_the_red"),
            figure("auc_in_the_red_persistence")
        ),
        format!("{:.0}% of {} hospitals", figure("coverage_90") * 100.0, record["hospitals"]),
        format!("within 2 years with an AUC of {:.2}", record["closures"]["auc"].as_f64().unwrap()),
    ];
    let out = dir.path().join("out");
    let page = run_and_report(&scenario, &out, &["--by", "state"]);
    let brief = std::fs::read_to_string(out.join("brief.md")).unwrap();
    let (header, rows) = read_csv(&out.join("groups.csv"));
    let state = cell(&header, &rows[0], "state").to_string();
    seqsim_ok(&["report", out.to_str().unwrap(), "--state", &state]);
    let state_page = std::fs::read_to_string(out.join(format!("state_{state}.html"))).unwrap();
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    for text in [&brief, &page, &state_page] {
        assert!(text.contains("Track record: projected from their 2017 cost reports to 2021"), "{text}");
        for figure in &expected {
            assert!(text.contains(figure.as_str()), "{figure}");
        }
    }
    assert!(manifest.contains("\"track_record\""), "the run record keeps it");

    std::fs::write(&sidecar, "{\"backtest\": 3}").unwrap();
    let refused = seqsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--paths",
        "20",
        "--out",
        dir.path().join("again").to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("excerpt.track_record.json") && message.contains("not a track record"), "{message}");
    assert!(!dir.path().join("again").exists(), "nothing written");
}
