//! Snapshots (insta) of what people read: the terminal headlines of a run,
//! a cohort run and a backtest, the calibration's table and YAML fragment,
//! the printed ledger, the briefs of a run, a cohort run and a backtest,
//! `tornado.md`, and the visible text of the report pages, on fixed small
//! runs. Timestamps, temporary directories, the repository's path and the
//! version are redacted. Review a change with `cargo insta review` (or
//! accept the `.snap.new` files by renaming them) when it is deliberate.

#![allow(clippy::unwrap_used)]

mod common;

use common::{bundled_ok, data, redact, seqsim_ok, stdout, visible_text};

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_run_headline_brief_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quick");
    let run = bundled_ok("run", "quickstart.yaml", &out, &["--paths", "2000", "--seed", "7"]);
    insta::assert_snapshot!("run_headline", redact(&stdout(&run), &out));
    insta::assert_snapshot!("run_brief", redact(&read(&out.join("brief.md")), &out));
    seqsim_ok(&["report", out.to_str().unwrap()]);
    insta::assert_snapshot!("run_page", redact(&visible_text(&read(&out.join("report.html"))), &out));
}

#[test]
fn a_cohort_run_headline_brief_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rural");
    let run = bundled_ok("run", "rural_cohort.yaml", &out, &["--paths", "200", "--by", "state"]);
    insta::assert_snapshot!("cohort_headline", redact(&stdout(&run), &out));
    insta::assert_snapshot!("cohort_brief", redact(&read(&out.join("brief.md")), &out));
    seqsim_ok(&["report", out.to_str().unwrap()]);
    insta::assert_snapshot!("cohort_page", redact(&visible_text(&read(&out.join("report.html"))), &out));
}

#[test]
fn a_backtest_brief_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backtest");
    let (scenario, later) = (data("backtest/scenario.yaml"), data("backtest/later.csv"));
    let args = ["backtest", scenario.to_str().unwrap(), "--actual", later.to_str().unwrap(), "--year", "2019"];
    let run = seqsim_ok(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    insta::assert_snapshot!("backtest_headline", redact(&stdout(&run), &out));
    insta::assert_snapshot!("backtest_brief", redact(&read(&out.join("brief.md")), &out));
    insta::assert_snapshot!("backtest_page", redact(&visible_text(&read(&out.join("report.html"))), &out));
}

/// `seqsim calibrate` on the committed excerpt: the fit table (standard
/// error) and the YAML fragment (standard output).
#[test]
fn a_calibration_table_and_fragment() {
    let (early, late) = (data("cms/panel_2017.csv"), data("cms/panel_2019.csv"));
    let run = seqsim_ok(&["calibrate", early.to_str().unwrap(), late.to_str().unwrap(), "--by", "kind"]);
    insta::assert_snapshot!("calibrate_table", String::from_utf8_lossy(&run.stderr));
    insta::assert_snapshot!("calibrate_fragment", stdout(&run));
}

/// The exact ledger as printed.
#[test]
fn a_ledger() {
    let scenario = common::scenario("quickstart.yaml");
    let run = seqsim_ok(&["ledger", scenario.to_str().unwrap(), "--policy", "current_law"]);
    insta::assert_snapshot!("ledger", stdout(&run));
}

#[test]
fn a_tornado() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sensitivity");
    bundled_ok("sensitivity", "quickstart.yaml", &out, &["--paths", "2000", "--seed", "7"]);
    insta::assert_snapshot!("tornado", redact(&read(&out.join("tornado.md")), &out));
}

#[test]
fn redaction_replaces_timestamps_and_directories() {
    let out = std::path::Path::new("/tmp/x");
    assert_eq!(redact("at 2026-12-01T17:29:38Z in /tmp/x/y, T", out), "at [time] in [out]/y, T");
    assert_eq!(visible_text("<p>a &lt; b</p><style>x</style><table><tr><td>1</td></tr></table>"), "a < b\n| 1\n");
}
