//! `seqsim validate` on one bad file per rule of MODEL.md §1: each error names
//! the file, the key path and line:column, says what would be valid, and the
//! exit code is 1 (invalid), 2 (usage) or 0 (valid, warnings allowed).

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{data, seqsim, stderr, stdout};

/// (file under tests/data/invalid, text the error must contain).
const CASES: &[(&str, &str)] = &[
    ("unknown_key", "unknown_key.yaml:28:5: error: practices[0].revenu: unknown key `revenu`; did you mean `revenue`?"),
    ("wrong_type", "wrong_type.yaml:2:36: error: horizon.years: expected a number, found the text \"three\""),
    ("out_of_range", "out_of_range.yaml:20:21: error: practices[0].revenue.medicare_ffs: must be >= 0 dollars, found -5"),
    ("missing_driver", "error: drivers.mei: missing driver `mei`: all eight drivers are required"),
    ("duplicate_id", "duplicate_id.yaml:31:9: error: practices[1].id: id `clinic` is already used by practices[0]"),
    ("unknown_base", "unknown_base.yaml:50:11: error: policies.repeal_2027.base: unknown base policy `curent_law` (policies: current_law, repeal_2027, rural_relief)"),
    ("cyclic_base", "policies.current_law.base: policies inherit in a cycle (current_law -> rural_relief -> current_law)"),
    ("missing_baseline", "missing_baseline.yaml:44:11: error: baseline: `status_quo` is not one of the policies"),
    ("unknown_kind", "unknown_kind.yaml:55:7: error: policies.rural_relief.for_kinds.urban_hospital: no practice has kind `urban_hospital` (kinds here: rural_clinic, rural_hospital)"),
    ("kind_all", "kind_all.yaml:17:11: error: practices[0].kind: `all` is reserved"),
    ("duplicate_yaml_key", "duplicate_yaml_key.yaml:28:5: error: practices[0].cash: duplicate key `cash` (first given at 27:5)"),
    ("macro_override", "macro_override.yaml:30:7: error: practices[0].drivers.labor_inflation: `labor_inflation` is a macro-scope driver"),
    ("not_positive_definite", "error: correlations: the correlations among labor_inflation, mei, other_inflation do not form a positive-definite matrix"),
    ("bad_date", "bad_date.yaml:47:21: error: policies.current_law.sequestration.\"2013-02-30\": `2013-02-30` is not a date"),
    ("float_key", "float_key.yaml:51:21: error: policies.repeal_2027.sequestration.\"2027.5\": `2027.5` is a fractional key"),
    ("same_day_twice", "policies.repeal_2027.sequestration.\"2027-01-01\": `2027-01-01` names the same day (2027-01-01) as `2027`"),
    ("empty_dated_map", "policies.repeal_2027.sequestration: an empty dated map gives no value"),
    ("percent_not_fraction", "sequestration must be between 0 and 0.5, found 2; rates are fractions, so 2% is 0.02"),
    ("underscore_number", "practices[0].cash: expected a number, found the text \"250_000\""),
    ("not_a_number", "practices[0].revenue.medicaid: must be a number, not `.nan`"),
    ("syntax_error", "syntax_error.yaml:3:11: error: this is not valid YAML"),
    ("bad_distribution", "drivers.commercial_rate_growth: pert needs min < max and min <= mode <= max"),
    ("index_on_wrong_lever", "only medicare_update can follow an index; sequestration takes a number"),
];

#[test]
fn every_rule_has_a_clear_positioned_error() {
    for (name, expected) in CASES {
        let path = data(&format!("invalid/{name}.yaml"));
        let out = seqsim(&["validate", path.to_str().unwrap()]);
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {message}");
        assert!(message.contains(expected), "{name}: expected {expected:?} in\n{message}");
        assert!(!message.contains("panicked"), "{name}: {message}");
    }
}

#[test]
fn every_file_in_the_invalid_folder_is_covered() {
    let mut files: Vec<String> = std::fs::read_dir(data("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| name != "many_errors")
        .collect();
    files.sort();
    let mut covered: Vec<String> = CASES.iter().map(|(name, _)| name.to_string()).collect();
    covered.sort();
    assert_eq!(files, covered);
}

#[test]
fn all_errors_of_a_file_are_reported() {
    let out = seqsim(&["validate", data("invalid/many_errors.yaml").to_str().unwrap()]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    for expected in [
        "horizon.years: must be between 1 and 50, found 99",
        "practices[0].cash: expected a number, found the text \"-oops\"",
        "practices[0].revenu: unknown key",
        "practices[1].kind: `Rural Hospital` is not a valid kind",
        "4 errors found",
    ] {
        assert!(message.contains(expected), "expected {expected:?} in\n{message}");
    }
}

#[test]
fn warnings_keep_exit_code_zero() {
    let out = seqsim(&["validate", data("warnings.yaml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let message = stderr(&out);
    assert!(
        message.contains(
            "warning: policies.repeal_2027.sequestration.\"2027\": sequestration 0.07 is above 6%, the most the 2% BCA sequester and a 4% PAYGO sequester take together"
        ),
        "{message}"
    );
    assert!(
        message.contains("warning: policies.current_law.medicare_update.\"2026\": medicare_update 2 is a 200% update"),
        "{message}"
    );
    assert!(stdout(&out).contains("valid (2 practices, 3 policies, 2027–2029)"));
}

#[test]
fn valid_minimal_scenario_passes() {
    let out = seqsim(&["validate", data("valid_minimal.yaml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty());
}

#[test]
fn unreadable_inputs_are_usage_errors() {
    let out = seqsim(&["validate", "no/such/file.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/file.yaml: error: cannot read the scenario file"));
    let out = seqsim(&["validate", data("invalid").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a directory"));
    let out = seqsim(&["validate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = seqsim(&["run", data("valid_minimal.yaml").to_str().unwrap(), "--paths", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn empty_and_binary_files_are_rejected_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "").unwrap();
    let out = seqsim(&["validate", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the file is empty"));
    let binary = dir.path().join("binary.yaml");
    std::fs::write(&binary, [0x66u8, 0x6f, 0xff, 0xfe, 0x00, 0x81]).unwrap();
    let out = seqsim(&["validate", binary.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("binary.yaml:1:3: error: the file is not UTF-8 text"), "{}", stderr(&out));
}
