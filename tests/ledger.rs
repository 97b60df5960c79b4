//! The point ledger through the binary: hand-computed two-year ledgers for a
//! fee-schedule and a cost-based practice, with the arithmetic written out.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cell, data, read_csv, seqsim, seqsim_ok, stdout};

const LEDGER_COLUMNS: [&str; 17] = [
    "practice",
    "kind",
    "policy",
    "year",
    "ffs",
    "ma",
    "cut",
    "medicaid",
    "commercial_other",
    "relief",
    "revenue",
    "costs",
    "margin",
    "cash",
    "days_cash",
    "distress",
    "exhausted",
];

fn ledger_csv() -> (Vec<String>, Vec<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("ledger.csv");
    seqsim_ok(&["ledger", data("ledger_two_years.yaml").to_str().unwrap(), "--csv", csv.to_str().unwrap()]);
    read_csv(&csv)
}

fn row<'a>(rows: &'a [Vec<String>], header: &[String], practice: &str, policy: &str, year: &str) -> &'a [String] {
    rows.iter()
        .find(|r| {
            cell(header, r, "practice") == practice
                && cell(header, r, "policy") == policy
                && cell(header, r, "year") == year
        })
        .unwrap_or_else(|| panic!("no row {practice} {policy} {year}"))
}

#[test]
fn columns_are_model_md_section_6_in_order() {
    let (header, rows) = ledger_csv();
    assert_eq!(&header[..17], &LEDGER_COLUMNS);
    // 2 practices x 2 policies x 2 years.
    assert_eq!(rows.len(), 8);
}

#[test]
fn fee_schedule_two_years_by_hand() {
    let (h, rows) = ledger_csv();
    // Year 1 (2027): V = 1.1, Pc = 1.05, Pd = 1, Pm = 1, m = 1 - 1 * 0.9 = 0.1,
    // I_labor = 1.1, I_supplies = I_other = 1; scale = 1 - 0.5 + 0.5 * 1.1 = 1.05.
    // C = 1200*1.1*1.05 + 500*1.05 + 300*1.05 = 1386 + 525 + 315 = 2226
    // B = 1000 * 1.1 * 1 = 1100; FFS = 0.9 * 1100 = 990
    // MA = 500 * 1.1 + 1 * 0.1 * 1100 = 550 + 110 = 660
    // CUT = 0.02 * 0.8 * (990 + 0.5 * 660) = 0.016 * 1320 = 21.12
    // Medicaid = 200 * 1.1 = 220; commercial+other = 300 * 1.1 * 1.05 = 346.5
    // REV = 990 + 660 - 21.12 + 220 + 346.5 = 2195.38
    // MARGIN = (2195.38 - 2226) / 2195.38 = -0.0139474...; CASH = 100 - 30.62 = 69.38
    // DAYS = 365 * 69.38 / 2226 = 11.376325...
    let r = row(&rows, &h, "fee", "current_law", "2027");
    let expect = [
        ("ffs", "990.00"),
        ("ma", "660.00"),
        ("cut", "21.12"),
        ("medicaid", "220.00"),
        ("commercial_other", "346.50"),
        ("relief", "0.00"),
        ("revenue", "2195.38"),
        ("costs", "2226.00"),
        ("margin", "-0.013947"),
        ("cash", "69.38"),
        ("days_cash", "11.376325"),
        ("distress", "true"),
        ("exhausted", "false"),
    ];
    for (column, value) in expect {
        assert_eq!(cell(&h, r, column), value, "2027 {column}");
    }
    // Year 2 (2028): V = 1.21, Pc = 1.1025, m = 1 - 0.9 * 0.9 = 0.19, I_labor = 1.21,
    // scale = 0.5 + 0.5 * 1.21 = 1.105.
    // C = 1200*1.21*1.105 + 500*1.105 + 300*1.105 = 1604.46 + 552.5 + 331.5 = 2488.46
    // B = 1210; FFS = 0.81 * 1210 = 980.1; MA = 605 + 0.19 * 1210 = 834.9
    // CUT = 0.016 * (980.1 + 417.45) = 22.3608 -> 22.36
    // REV = 980.1 + 834.9 - 22.3608 + 242 + 400.2075 = 2434.8467 -> 2434.85
    // CASH = 69.38 + 2434.8467 - 2488.46 = 15.7667 -> 15.77; DAYS = 365 * 15.7667 / 2488.46 = 2.312613
    let r = row(&rows, &h, "fee", "current_law", "2028");
    for (column, value) in [
        ("ffs", "980.10"),
        ("ma", "834.90"),
        ("cut", "22.36"),
        ("revenue", "2434.85"),
        ("costs", "2488.46"),
        ("margin", "-0.022019"),
        ("cash", "15.77"),
        ("days_cash", "2.312613"),
    ] {
        assert_eq!(cell(&h, r, column), value, "2028 {column}");
    }
}

#[test]
fn medicare_update_indexed_to_mei_by_hand() {
    let (h, rows) = ledger_csv();
    // mei = 0.03 so u = 0.03 and Pm = 1.03, then 1.0609; no sequestration.
    // 2027: B = 1000 * 1.1 * 1.03 = 1133; FFS = 0.9 * 1133 = 1019.7
    // MA = 500 * 1.1 * 1.03 + 0.1 * 1133 = 566.5 + 113.3 = 679.8
    // REV = 1019.7 + 679.8 + 220 + 346.5 = 2266; MARGIN = 40 / 2266 = 0.017652
    let r = row(&rows, &h, "fee", "mei_no_cut", "2027");
    for (column, value) in [
        ("ffs", "1019.70"),
        ("ma", "679.80"),
        ("cut", "0.00"),
        ("revenue", "2266.00"),
        ("margin", "0.017652"),
        ("cash", "140.00"),
    ] {
        assert_eq!(cell(&h, r, column), value, "{column}");
    }
    // 2028: B = 1000 * 1.21 * 1.0609 = 1283.689; FFS = 0.81 * B = 1039.78809 -> 1039.79
    let r = row(&rows, &h, "fee", "mei_no_cut", "2028");
    assert_eq!(cell(&h, r, "ffs"), "1039.79");
    assert_eq!(cell(&h, r, "distress"), "false");
}

#[test]
fn cost_based_two_years_by_hand() {
    let (h, rows) = ledger_csv();
    // The FFS book tracks costs: B = 1000 * C / 2000, and the update does not apply.
    // 2027: B = 1000 * 2226 / 2000 = 1113; FFS = 0.9 * 1113 = 1001.7
    // MA = 550 + 0.1 * 1113 = 661.3; CUT = 0.016 * (1001.7 + 330.65) = 21.3176 -> 21.32
    // REV = 1001.7 + 661.3 - 21.3176 + 220 + 346.5 = 2208.1824; CASH = 82.1824 -> 82.18
    let r = row(&rows, &h, "cah", "current_law", "2027");
    for (column, value) in [
        ("ffs", "1001.70"),
        ("ma", "661.30"),
        ("cut", "21.32"),
        ("revenue", "2208.18"),
        ("margin", "-0.008069"),
        ("cash", "82.18"),
        ("days_cash", "13.475551"),
    ] {
        assert_eq!(cell(&h, r, column), value, "2027 {column}");
    }
    // 2028: B = 1000 * 2488.46 / 2000 = 1244.23; FFS = 0.81 * 1244.23 = 1007.8263
    // MA = 605 + 0.19 * 1244.23 = 841.4037; CUT = 0.016 * (1007.8263 + 420.70185) = 22.8564504
    // REV = 1007.8263 + 841.4037 - 22.8564504 + 242 + 400.2075 = 2468.5810496
    // CASH = 82.1824 + 2468.5810496 - 2488.46 = 62.3034496 -> 62.30
    let r = row(&rows, &h, "cah", "current_law", "2028");
    for (column, value) in [
        ("ffs", "1007.83"),
        ("ma", "841.40"),
        ("cut", "22.86"),
        ("revenue", "2468.58"),
        ("margin", "-0.008053"),
        ("cash", "62.30"),
        ("days_cash", "9.138487"),
    ] {
        assert_eq!(cell(&h, r, column), value, "2028 {column}");
    }
    // Cost-based: the MEI update leaves the FFS book unchanged.
    let r = row(&rows, &h, "cah", "mei_no_cut", "2027");
    assert_eq!(cell(&h, r, "ffs"), "1001.70");
}

#[test]
fn terminal_table_filters_by_policy_and_practice() {
    let out = seqsim(&[
        "ledger",
        data("ledger_two_years.yaml").to_str().unwrap(),
        "--policy",
        "mei_no_cut",
        "--practice",
        "fee",
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("1.77%"), "{text}");
    assert!(!text.contains("current_law"));
    assert!(!text.contains("cah"));
    let out = seqsim(&["ledger", data("ledger_two_years.yaml").to_str().unwrap(), "--policy", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("no such policy (policies: current_law, mei_no_cut)"));
}

#[test]
fn bundled_scenarios_validate_and_give_ledgers() {
    for name in ["national.yaml", "quickstart.yaml"] {
        let out = seqsim(&["validate", common::scenario(name).to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", common::stderr(&out));
        let out = seqsim(&["ledger", common::scenario(name).to_str().unwrap()]);
        assert!(out.status.success(), "{name}");
    }
}
