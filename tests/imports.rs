//! Policy imports (MODEL.md v1.2 §1 "Imports"): imported policies behave as
//! if written in the scenario, problems name the imported file, and the
//! bundled current-law file states the statute's sequester year by year.

mod common;

use std::path::Path;

use common::{cell, data, read_csv, scenario, seqsim, seqsim_ok, stderr, stdout};
use rust_decimal::Decimal;
use seqsim::policy;

/// A CSV file's text with the `scenario_sha256` column removed: the only
/// column that must differ between two different scenario files.
fn without_file_hash(path: &Path) -> String {
    let (header, rows) = read_csv(path);
    let keep: Vec<usize> = (0..header.len()).filter(|&i| header[i] != "scenario_sha256").collect();
    assert!(keep.len() < header.len(), "{} has a scenario_sha256 column", path.display());
    let line = |cells: &[String]| keep.iter().map(|&i| cells[i].clone()).collect::<Vec<_>>().join(",");
    let mut out = vec![line(&header)];
    out.extend(rows.iter().map(|r| line(r)));
    out.join("\n")
}

#[test]
fn imported_policies_give_the_same_ledger_and_run_as_inline_ones() {
    let dir = tempfile::tempdir().unwrap();
    let imports = data("imports/with_imports.yaml");
    let inline = data("imports/inline.yaml");
    let reform = data("imports/reform.yaml");
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    seqsim_ok(&[
        "ledger",
        imports.to_str().unwrap(),
        "--import",
        reform.to_str().unwrap(),
        "--csv",
        a.to_str().unwrap(),
    ]);
    seqsim_ok(&["ledger", inline.to_str().unwrap(), "--csv", b.to_str().unwrap()]);
    let ledger = without_file_hash(&a);
    // Three policies x two practices x three years, all present.
    assert_eq!(ledger.lines().count(), 1 + 3 * 2 * 3);
    assert_eq!(ledger, without_file_hash(&b));

    let (run_a, run_b) = (dir.path().join("run_a"), dir.path().join("run_b"));
    let args = |scenario: &Path, out: &Path| {
        vec![
            "run".to_string(),
            scenario.display().to_string(),
            "--paths".into(),
            "3000".into(),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let mut first = args(&imports, &run_a);
    first.extend(["--import".to_string(), reform.display().to_string()]);
    seqsim_ok(&first.iter().map(String::as_str).collect::<Vec<_>>());
    seqsim_ok(&args(&inline, &run_b).iter().map(String::as_str).collect::<Vec<_>>());
    for table in ["summary.csv", "compare.csv", "national.csv"] {
        assert_eq!(without_file_hash(&run_a.join(table)), without_file_hash(&run_b.join(table)), "{table}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_a.join("manifest.json")).unwrap()).unwrap();
    let listed = manifest["imports"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["name"], "Test law");
    assert_eq!(listed[0]["as_of"], "2026-12-01");
    assert_eq!(listed[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(listed[1]["name"], "Test reforms");
    assert_eq!(manifest["baseline_law"], "Test law as of 2026-12-01");
    // attribution.csv: each policy against its own base. rural_relief stacks
    // relief for hospitals on repeal_2027, so for the clinic it changes
    // nothing against its base (exactly zero, same draws) while its
    // difference against current law is the repeal's; repeal_2027's rows
    // are its compare rows.
    let (ah, attribution) = read_csv(&run_a.join("attribution.csv"));
    let (ch, compare) = read_csv(&run_a.join("compare.csv"));
    assert_eq!(&ah[..10], &ch[..10]);
    let find = |h: &[String], rows: &[Vec<String>], practice: &str, policy: &str, year: &str| {
        rows.iter()
            .find(|r| {
                cell(h, r, "practice") == practice && cell(h, r, "policy") == policy && cell(h, r, "year") == year
            })
            .unwrap_or_else(|| panic!("no row {practice} {policy} {year}"))
            .clone()
    };
    let relief_clinic = find(&ah, &attribution, "clinic", "rural_relief", "2028");
    assert_eq!(cell(&ah, &relief_clinic, "base"), "repeal_2027");
    for column in ["dmargin_mean", "dmargin_p5", "dmargin_p95", "dcut_cum_mean", "dcash_mean", "dp_exhausted"] {
        assert_eq!(cell(&ah, &relief_clinic, column).parse::<f64>().unwrap(), 0.0, "{column}");
    }
    let relief_vs_law = find(&ch, &compare, "clinic", "rural_relief", "2028");
    assert!(cell(&ch, &relief_vs_law, "dmargin_mean").parse::<f64>().unwrap() > 0.0);
    // The hospital gets $250,000 a year on top of the repeal: its margin rises against repeal_2027.
    let relief_hospital = find(&ah, &attribution, "hospital", "rural_relief", "2027");
    assert!(cell(&ah, &relief_hospital, "dmargin_mean").parse::<f64>().unwrap() > 0.0);
    let repeal = find(&ah, &attribution, "hospital", "repeal_2027", "2029");
    assert_eq!(cell(&ah, &repeal, "base"), "current_law");
    assert_eq!(repeal[..10], find(&ch, &compare, "hospital", "repeal_2027", "2029")[..10]);
    let brief = std::fs::read_to_string(run_a.join("brief.md")).unwrap();
    assert!(brief.contains("Baseline: **Current law** (Test law as of 2026-12-01)."), "{brief}");
    // The law's per-date sources are carried, named by the file.
    assert!(brief.contains("law.yaml: policies.current_law.sequestration"), "{brief}");
}

#[test]
fn a_policy_defined_twice_names_both_files() {
    let law = data("imports/law.yaml");
    let result =
        seqsim(&["validate", data("imports/inline.yaml").to_str().unwrap(), "--import", law.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("policy `current_law` is defined twice"), "{err}");
    assert!(err.contains(&format!("in `{}`", law.display())), "{err}");
    assert!(err.contains("and in the scenario"), "{err}");
}

#[test]
fn imports_do_not_nest() {
    let nested = data("imports/nested.yaml");
    let result =
        seqsim(&["validate", data("imports/inline.yaml").to_str().unwrap(), "--import", nested.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    // nested.yaml line 3 column 1 holds `imports:`.
    assert!(
        err.contains(&format!(
            "{}:3:1: error: imports: an imported policy file cannot import others",
            nested.display()
        )),
        "{err}"
    );
}

#[test]
fn an_error_in_an_imported_file_carries_its_path_line_and_column() {
    let bad = data("imports/bad_law.yaml");
    let result =
        seqsim(&["validate", data("imports/with_imports.yaml").to_str().unwrap(), "--import", bad.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    // bad_law.yaml line 5: `    sequestration: {2027: 0.7}`, the value 0.7 at column 27.
    assert!(
        err.contains(&format!(
            "{}:5:27: error: policies.current_law.sequestration.\"2027\": sequestration must be between 0 and 0.5, found 0.7",
            bad.display()
        )),
        "{err}"
    );
}

#[test]
fn a_missing_import_is_an_error_naming_it() {
    let result = seqsim(&["validate", data("imports/inline.yaml").to_str().unwrap(), "--import", "no/such/law.yaml"]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains("no/such/law.yaml: error: cannot read the imported policy file `no/such/law.yaml`"), "{err}");
}

/// A bundled scenario copied elsewhere loses its relative imports: the
/// errors say where they looked, and the knock-on ones (no policy at all,
/// an unknown baseline or base) are not listed before, or beside, their cause.
#[test]
fn a_copied_scenario_says_where_its_imports_were_looked_for_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.yaml");
    std::fs::write(&copy, std::fs::read_to_string(scenario("national.yaml")).unwrap()).unwrap();
    let result = seqsim(&["validate", copy.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    let errors: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 2, "the two imports, nothing else: {err}");
    let looked = dir.path().parent().unwrap().join("policies/us/current_law.yaml");
    assert!(errors[0].contains(&format!("looked for {}", looked.display())), "{err}");
    for knock_on in ["at least one policy", "is not one of the policies", "unknown base policy"] {
        assert!(!err.contains(knock_on), "{knock_on}: {err}");
    }
}

/// An imported file that is not YAML: its parse error alone, not the
/// unknown base policies of the files that build on it.
#[test]
fn a_broken_import_is_reported_without_its_knock_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let law = std::fs::read_to_string(root.join("policies/us/current_law.yaml")).unwrap();
    std::fs::create_dir_all(dir.path().join("policies/us")).unwrap();
    std::fs::write(dir.path().join("policies/us/current_law.yaml"), law.replacen("name:", "name: \"unclosed", 1))
        .unwrap();
    std::fs::copy(root.join("policies/us/alternatives.yaml"), dir.path().join("policies/us/alternatives.yaml"))
        .unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    let scenario = dir.path().join("scenarios/national.yaml");
    std::fs::write(&scenario, std::fs::read_to_string(root.join("scenarios/national.yaml")).unwrap()).unwrap();
    let result = seqsim(&["validate", scenario.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    let errors: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("current_law.yaml:") && errors[0].contains("not valid YAML"), "{err}");
}

#[test]
fn imported_for_kinds_may_name_kinds_the_scenario_lacks() {
    // law.yaml names `home_health_agency`, which no practice has: allowed in an import.
    let reform = data("imports/reform.yaml");
    let result = seqsim_ok(&[
        "validate",
        data("imports/with_imports.yaml").to_str().unwrap(),
        "--import",
        reform.to_str().unwrap(),
    ]);
    assert!(stdout(&result).contains("imports Test law as of 2026-12-01"), "{}", stdout(&result));
}

/// The calendar-year Medicare sequestration rate that current law gives each
/// year 2013-2034, as the statute's dates imply (day-weighted, MODEL.md §1):
/// - 2% for services from 2013-04-01 (BCA 2011; order of 2013-03-01):
///   2013 = 275 days x 2% / 365 = 11/730;
/// - 0% from 2020-05-01 (CARES Act §3709, extended to 2022-03-31):
///   2020 = 121 days x 2% / 366 = 121/18300; 2021 = 0;
/// - 1% from 2022-04-01, 2% from 2022-07-01 (P.L. 117-71 §2):
///   2022 = (91 x 1% + 184 x 2%) / 365 = 459/36500;
/// - 2% through the FY2032 order and the first 5 months of the FY2033 order,
///   0% from 2033-09-01 (2 U.S.C. 901a(6)(D),(F) as amended by P.L. 119-75
///   §6227): 2033 = 243 days x 2% / 365 = 243/18250; 2034 = 0.
const SEQUESTER_BY_YEAR: [(i32, i64, i64); 22] = [
    (2013, 11, 730),
    (2014, 1, 50),
    (2015, 1, 50),
    (2016, 1, 50),
    (2017, 1, 50),
    (2018, 1, 50),
    (2019, 1, 50),
    (2020, 121, 18300),
    (2021, 0, 1),
    (2022, 459, 36500),
    (2023, 1, 50),
    (2024, 1, 50),
    (2025, 1, 50),
    (2026, 1, 50),
    (2027, 1, 50),
    (2028, 1, 50),
    (2029, 1, 50),
    (2030, 1, 50),
    (2031, 1, 50),
    (2032, 1, 50),
    (2033, 243, 18250),
    (2034, 0, 1),
];

#[test]
fn current_law_sequester_matches_the_statute_every_year_2013_to_2034() {
    let loaded = seqsim::scenario::load(&scenario("national.yaml")).unwrap();
    let s = &loaded.scenario;
    let law = s.policies.iter().position(|p| p.name == "current_law").unwrap();
    assert!(s.policies[law].import.is_some(), "current_law comes from policies/us/current_law.yaml");
    for kind in s.kinds() {
        let [sequestration, ..] = policy::schedules(s, law, &kind);
        for (year, numerator, denominator) in SEQUESTER_BY_YEAR {
            let expected = Decimal::from(numerator) / Decimal::from(denominator);
            let got = sequestration.year(year).weighted(Decimal::ZERO).unwrap();
            assert!((got - expected).abs() < Decimal::new(1, 24), "{kind} {year}: {got} != {expected}");
        }
    }
}

/// Every projection bundled stands on today's law; a backtest
/// (`backtest_*.yaml`) states the law of the years it replays instead.
#[test]
fn every_bundled_scenario_imports_current_law() {
    let mut projections = 0;
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let backtest = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("backtest_"));
        if path.extension().is_some_and(|e| e == "yaml") && !backtest {
            projections += 1;
            let loaded = seqsim::scenario::load(&path).unwrap();
            let files: Vec<&str> = loaded.scenario.imports.iter().map(|i| i.file.as_str()).collect();
            assert!(files.contains(&"../policies/us/current_law.yaml"), "{}: {files:?}", path.display());
            assert_eq!(
                loaded.scenario.baseline_law().map(|l| l.name.as_str()),
                Some("US Medicare current law"),
                "{}",
                path.display()
            );
        }
    }
    assert!(projections >= 4, "national, quickstart, rural_cohort and us_hospitals are checked");
}

/// The CY2027 physician fee schedule update (the general `medicare_update`,
/// which physician practices take): current law uses the proposed rule's
/// non-QP conversion factor, $32.8409 against CY2026's $33.4009:
///   32.8409 / 33.4009 - 1 = -0.56 / 33.4009 = -0.0167660... -> -0.016766;
/// the sensitivity policy the statute's computation,
///   1.0025 / 1.025 - 1 = -9/410 = -0.0219512... -> -0.021951;
/// both hold +0.25% (MACRA) from 2028. The FY2031 split's sensitivity policy
/// is gone (CAA 2023 struck it).
#[test]
fn cy2027_pfs_update_is_the_proposed_rules_and_its_sensitivity_the_statutes() {
    let sensitivity = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/us/sensitivity.yaml");
    let loaded = seqsim::scenario::load_with_imports(&scenario("national.yaml"), &[sensitivity]).unwrap();
    let s = &loaded.scenario;
    let update = |name: &str, year: i32| {
        let at = s.policies.iter().position(|p| p.name == name).unwrap();
        let [_, medicare_update, ..] = policy::schedules(s, at, "primary_care_practice");
        medicare_update.year(year).weighted(Decimal::ZERO).unwrap()
    };
    assert_eq!(update("current_law", 2027), Decimal::new(-16766, 6));
    assert_eq!(update("pfs_2027_alternative", 2027), Decimal::new(-21951, 6));
    for name in ["current_law", "pfs_2027_alternative"] {
        assert_eq!(update(name, 2028), Decimal::new(25, 4), "{name}");
    }
    assert!(s.policies.iter().all(|p| p.name != "seq_fy2031_split_alternative"));
}

/// `seqsim new COPY --from us_hospitals` writes a copy that runs from
/// anywhere: its imports and cohort file are absolute; an existing file is
/// not replaced without --force, and an unknown name is a usage error.
#[test]
fn a_new_copy_of_a_bundled_scenario_validates_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("mine.yaml");
    let new = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_seqsim"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap()
    };
    let made = new(&["new", copy.to_str().unwrap(), "--from", "national"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let text = std::fs::read_to_string(&copy).unwrap();
    assert!(!text.contains("../policies/"), "{text}");
    assert!(text.starts_with("# seqsim national scenario"), "comments are kept");
    let checked = seqsim(&["validate", copy.to_str().unwrap()]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    let again = new(&["new", copy.to_str().unwrap(), "--from", "national"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("exists; pass --force"), "{}", stderr(&again));
    let unknown = new(&["new", dir.path().join("x.yaml").to_str().unwrap(), "--from", "no_such"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no bundled scenario scenarios/no_such.yaml"), "{}", stderr(&unknown));
}
