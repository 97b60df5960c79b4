//! Unit tests of the CMS importer on the committed excerpts
//! (`tests/data/cms/`), and on the full releases when
//! `../shared/data/cms` exists beside the crate (skipped otherwise).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use super::*;
use crate::scenario::cohort::{self, Table};
use crate::scenario::{CohortDefaults, CohortSpec};

fn data(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cms")).join(name)
}

fn run(names: &[&str], options: &ImportOptions) -> Import {
    let files: Vec<PathBuf> = names.iter().map(|n| data(n)).collect();
    import(&files, options).unwrap()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn row<'a>(import: &'a Import, ccn: &str) -> &'a CohortRow {
    import.rows.iter().find(|r| r.ccn == ccn).unwrap()
}

fn dropped(import: &Import) -> BTreeMap<&'static str, usize> {
    import.report.dropped.iter().filter(|d| d.count > 0).map(|d| (d.reason.id(), d.count)).collect()
}

/// Every kept row: lines >= 0 (cash aside), revenue = annualised NPR, costs =
/// annualised NPR - net income, and the margin equals the file's to rounding.
fn assert_identities(import: &Import) {
    for r in &import.rows {
        let a = &r.amounts;
        assert!(a.revenue.iter().chain(&a.costs).all(|v| *v >= Decimal::ZERO), "{}: negative line", r.ccn);
        assert!(a.revenue.iter().chain(&a.costs).all(|v| v.scale() <= 2), "{}: more than cents", r.ccn);
        assert_eq!(a.revenue.iter().sum::<Decimal>(), a.npr, "{}: revenue", r.ccn);
        assert_eq!(a.costs.iter().sum::<Decimal>(), a.npr - a.net_income, "{}: costs", r.ccn);
        let gap = (r.margin() - r.file_margin()).abs();
        assert!(gap < dec("0.000001"), "{}: margin {} vs file {}", r.ccn, r.margin(), r.file_margin());
    }
}

#[test]
fn excerpt_2021_keeps_drops_and_counts_every_trap() {
    let out = run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default());
    let report = &out.report;
    assert_eq!((report.rows_read, report.rows_kept, report.rows_dropped), (36, 18, 18));
    assert_eq!(report.release_year, Some(2021));
    assert_eq!(report.files[0].release_year_from, "most common fiscal year end year");
    let expected: BTreeMap<&str, usize> = [
        ("duplicate_report", 2),       // 441314 and 520011: a 92-day report each
        ("facility_type_excluded", 7), // PH, LTCH, RH (x2), CH, RNMHC, ORD
        ("rural_urban_unknown", 2),    // STH with NA: 400010, 360241
        ("short_period", 1),           // 230118: 121 days
        ("missing_financials", 2),     // 370170 (no NPR), 500052 (no operating expense)
        ("npr_not_positive", 1),       // 520107
        ("margin_out_of_range", 2),    // 31309 (-126%), 181305 (-212%)
        ("medicaid_out_of_range", 1),  // 670010: negative Medicaid revenue
    ]
    .into_iter()
    .collect();
    assert_eq!(dropped(&out), expected);
    let kinds: BTreeMap<&str, usize> = report.kept_by_kind.iter().map(|(k, t)| (k.as_str(), t.count)).collect();
    let want: BTreeMap<&str, usize> =
        [("critical_access_hospital", 8), ("rural_pps_hospital", 6), ("urban_pps_hospital", 4)].into_iter().collect();
    assert_eq!(kinds, want);
    // Five-digit CCNs get their zero back; ids are lowercase `ccn_` + CCN.
    assert_eq!(row(&out, "011300").id(), "ccn_011300");
    assert_eq!(report.adjustments["ccn_left_padded"], 5);
    assert!(out.rows.iter().all(|r| r.ccn.len() == 6));
    assert_identities(&out);
}

#[test]
fn hand_checked_ipps_row() {
    // 250060 JEFFERSON COUNTY HOSPITAL (MS), STH R, 10/1/2020-9/30/2021 = 365
    // days, so the annualisation factor 365/365 is 1.
    //   NPR 7,705,763; net income -2,321,364; costs = NPR - NI = 10,027,127
    //   (= Less Total Operating Expense).
    //   medicaid (reported)      651,889.00
    //   medicare_ffs = (DRG after Oct 1 161,513 + DSH 4,846) / 0.60
    //                = 166,359 / 0.6 = 277,265.00
    //   medicare_advantage = 277,265 x 0.42 / 0.58 = 200,778.1034...
    //     cumulative 651,889 + 277,265 + 200,778.1034 = 1,129,932.1034
    //     -> 1,129,932.10, so MA = 1,129,932.10 - 929,154.00 = 200,778.10
    //   commercial = 7,705,763 - 1,129,932.10 = 6,575,830.90
    //   labor = 3,745,280 + 789,039 (wage-related core) + 58,700 (contract) = 4,593,019.00
    //   supplies = 10,027,127 x 0.105 = 1,052,848.335; cumulative
    //     5,645,867.335 -> 5,645,867.34, so supplies = 1,052,848.34
    //   other_costs = 10,027,127 - 5,645,867.34 = 4,381,259.66
    //   margin = -2,321,364 / 7,705,763, the file's.
    let out = run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default());
    let r = row(&out, "250060");
    assert_eq!(r.kind, Kind::RuralPpsHospital);
    assert_eq!(r.kind.basis(), "fee_schedule");
    assert_eq!(r.days, 365);
    let a = &r.amounts;
    let want = ["277265.00", "200778.10", "651889.00", "6575830.90", "0"].map(dec);
    assert_eq!(a.revenue, want);
    assert_eq!(a.costs, ["4593019.00", "1052848.34", "4381259.66"].map(dec));
    assert_eq!(a.cash, dec("4852364"));
    assert_eq!(
        a.estimators,
        [
            Estimator::IppsPayments,
            Estimator::MaPenetration,
            Estimator::Reported,
            Estimator::Remainder,
            Estimator::NotReported
        ]
    );
    assert_eq!(r.margin(), dec("-2321364") / dec("7705763"));
    assert_eq!(r.control, "governmental_county");
}

#[test]
fn duplicate_keeps_the_longest_period_and_days_share_fills_medicaid() {
    // 441314 filed 10/1/2020-12/31/2020 (92 days) and 1/1/2021-12/31/2021
    // (365 days): the longer one is kept. It reports no Medicaid revenue, so
    // medicaid = NPR x XIX days / total days = 13,811,931 x 12 / 1,875
    // = 88,396.3584 -> 88,396.36; Medicare = 13,811,931 x 1,486 / 1,875
    // = 10,946,415.71..., FFS 58% of it, MA 42%.
    let out = run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default());
    let r = row(&out, "441314");
    assert_eq!((r.days, r.begin.to_string()), (365, "2021-01-01".to_string()));
    assert_eq!(r.kind, Kind::CriticalAccessHospital);
    assert_eq!(r.kind.basis(), "cost_based");
    assert_eq!(r.amounts.revenue[2], dec("88396.36"));
    assert_eq!(r.amounts.estimators[2], Estimator::DaysShare);
    let medicare = dec("13811931") * dec("1486") / dec("1875");
    assert_eq!(r.amounts.revenue[0], payer::cents(dec("88396.3584") + medicare * dec("0.58")) - dec("88396.36"));
}

#[test]
fn short_periods_are_annualised_when_kept() {
    // 520011's kept report is 365 days; check a scaled one by hand instead:
    // a 200-day period with NPR 1,000,000 becomes 1,000,000 x 365 / 200 = 1,825,000.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("CostReport_2021_excerpt.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let line = lines.find(|l| l.contains(",250060,")).unwrap().replace("10/1/2020,9/30/2021", "10/1/2020,4/18/2021");
    let path = dir.path().join("one.csv");
    std::fs::write(&path, format!("{header}\n{line}\n")).unwrap();
    let out = import(&[path], &ImportOptions::default()).unwrap();
    let r = &out.rows[0];
    assert_eq!(r.days, 200);
    assert_eq!(r.amounts.npr, dec("14063017.48")); // 7,705,763 x 365 / 200 = 14,063,017.475
    assert_identities(&out);
}

#[test]
fn cms_form_and_spreadsheet_form_give_the_same_rows() {
    // The CMS form: quoted header, six-digit CCNs, MM/DD/YYYY, CRLF.
    let cms = run(&["CostReport_2021_excerpt_cms_form.csv"], &ImportOptions::default());
    let sheet = run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default());
    assert_eq!(cms.report.rows_read, 5);
    assert_eq!(cms.report.adjustments["ccn_left_padded"], 0);
    assert_eq!(cms.rows.len(), 4);
    for r in &cms.rows {
        let other = row(&sheet, &r.ccn);
        assert_eq!((&r.amounts, r.begin, r.end, r.kind), (&other.amounts, other.begin, other.end, other.kind));
    }
}

#[test]
fn include_types_adds_other_kinds() {
    let all = ImportOptions { include_types: FacilityType::ALL.to_vec() };
    let out = run(&["CostReport_2021_excerpt.csv"], &all);
    let kinds: Vec<&str> = out.report.kept_by_kind.keys().map(String::as_str).collect();
    for kind in ["psychiatric_hospital", "long_term_care_hospital", "rehabilitation_hospital", "childrens_hospital"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let drops = dropped(&out);
    assert_eq!(drops.get("facility_type_excluded"), None);
    assert_eq!(drops["long_period"], 1); // 173027, RH, 428 days
    assert_identities(&out);
}

#[test]
fn excerpt_2019_reads_the_year_column_and_shares_ccns() {
    let out = run(&["CostReport_2019_excerpt.csv"], &ImportOptions::default());
    assert_eq!(out.report.release_year, Some(2019));
    assert_eq!(out.report.files[0].release_year_from, "Year column");
    let ccns_2021: Vec<String> =
        run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default()).rows.into_iter().map(|r| r.ccn).collect();
    let shared = out.rows.iter().filter(|r| ccns_2021.contains(&r.ccn)).count();
    assert!(shared >= 12, "{shared} CCNs kept in both");
    assert_identities(&out);
}

/// Reads the cohort CSV as the report layer does: `#` lines are comments.
fn table_of(csv_text: &str) -> Table {
    let body: String = csv_text.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    let mut reader = csv::Reader::new(body.as_bytes());
    let text =
        |cells: Vec<Vec<u8>>| -> Vec<String> { cells.into_iter().map(|c| String::from_utf8(c).unwrap()).collect() };
    let columns = text(reader.next_record().unwrap().unwrap().1);
    let rows = std::iter::from_fn(|| reader.next_record())
        .map(|r| text(r.unwrap().1).into_iter().map(|c| if c.is_empty() { None } else { Some(c) }).collect())
        .collect();
    Table { columns, rows }
}

#[test]
fn cohort_csv_is_read_by_the_cohort_reader() {
    let out = run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default());
    let mut bytes = Vec::new();
    write_cohort_csv(&out, &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("# CMS Hospital Provider Cost Report, 2021 release"));
    assert!(text.contains("sha256 6ac76723d90cc5a40183a7c02f283d1ec9cf6f38b807e40ec864f9f4e03c3b5a"));
    let table = table_of(&text);
    assert_eq!(table.columns, report::CSV_COLUMNS);
    let spec = CohortSpec {
        file: "cohort.csv".to_string(),
        defaults: CohortDefaults { variable_cost_share: Some(dec("0.3")), ..CohortDefaults::default() },
        columns: Vec::new(),
    };
    let practices = cohort::practices(&spec, &table, "cohort.csv", &[]).unwrap();
    assert_eq!(practices.len(), 18);
    let p = practices.iter().find(|p| p.id == "ccn_011300").unwrap();
    assert!(p.attributes.contains(&("ccn".to_string(), "011300".to_string())));
    assert_eq!(p.revenue.total(), row(&out, "011300").amounts.npr);
    let json: serde_json::Value = serde_json::from_str(&report_json(&out)).unwrap();
    assert_eq!(json["rows_kept"], 18);
    assert_eq!(json["dropped"][2]["reason"], "duplicate_report");
    assert_eq!(json["files"][0]["sha256"].as_str().unwrap().len(), 64);
}

fn import_text(bytes: &[u8]) -> Result<Import, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    import(&[path], &ImportOptions::default())
}

fn excerpt_with(edit: impl Fn(&str) -> String) -> Vec<u8> {
    let text = std::fs::read_to_string(data("CostReport_2021_excerpt.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[1] = edit(&lines[1]); // 441314's 92-day report: row 2
    (lines.join("\n") + "\n").into_bytes()
}

#[test]
fn hostile_input_is_an_error_naming_file_row_and_column() {
    assert!(matches!(import(&[], &ImportOptions::default()), Err(ImportError::NoFiles)));
    let missing = import(&[Path::new("/nonexistent/x.csv").to_path_buf()], &ImportOptions::default());
    assert!(missing.unwrap_err().to_string().contains("/nonexistent/x.csv: cannot read it"));
    assert!(matches!(import_text(b""), Err(ImportError::Empty { .. })));
    let layout = import_text(b"Provider CCN,Net Patient Revenue\n1,2\n").unwrap_err().to_string();
    assert!(layout.contains("missing required column(s) `Hospital Name`"), "{layout}");
    assert!(layout.contains("`Total Salaries From Worksheet A`"), "{layout}");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (excerpt_with(|l| l.rsplit_once(',').unwrap().0.to_string()), "row 2, column `Stand-Alone CHIP Charges`"),
        (excerpt_with(|l| format!("{l},extra")), "row 2, column `#118`"),
        (excerpt_with(|l| l.replacen(",363,", ",3\u{1}63,", 1)), "row 2, column `Total Days Title XVIII`"),
        (excerpt_with(|l| l.replacen("3342823", "3,342,823", 1)), "row 2"),
        (excerpt_with(|l| l.replacen("3342823", "12e9", 1)), "row 2, column `Net Patient Revenue`: expected a number"),
        (excerpt_with(|l| l.replacen("10/1/2020", "2020-10-01", 1)), "row 2, column `Fiscal Year Begin Date`"),
        (excerpt_with(|l| l.replacen("LAUDERDALE", "LAUDER\"DALE", 1)), "row 2, column `Hospital Name`"),
        (excerpt_with(|l| l.replacen("3342823", &"9".repeat(70_000), 1)), "row 2"),
    ];
    for (bytes, want) in cases {
        let message = import_text(&bytes).unwrap_err().to_string();
        assert!(message.contains("bad.csv: ") && message.contains(want), "{message} lacks {want}");
    }
    let mut bytes = excerpt_with(|l| l.to_string());
    let at = bytes.windows(10).position(|w| w == b"LAUDERDALE").unwrap();
    bytes[at] = 0xFF;
    let message = import_text(&bytes).unwrap_err().to_string();
    assert!(message.contains("column `Hospital Name`: not valid UTF-8"), "{message}");
}

#[test]
fn invalid_ccns_are_dropped_with_a_reason() {
    let bytes = excerpt_with(|l| l.replacen(",441314,", ",44-314,", 1));
    let out = import_text(&bytes).unwrap();
    let invalid = out.report.dropped.iter().find(|d| d.reason == DropReason::InvalidCcn).unwrap();
    assert_eq!((invalid.count, invalid.examples.clone()), (1, vec!["44-314".to_string()]));
}

/// The full releases, when `../shared/data/cms` is beside the crate: every
/// identity on every kept row, and the summary the import issue asks for
/// (`cargo test --lib --no-default-features import::cms::tests::full -- --nocapture`).
#[test]
fn full_releases_when_present() {
    // SEQSIM_CMS_DIR may point elsewhere (a worktree one level deeper).
    let dir = std::env::var_os("SEQSIM_CMS_DIR")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/cms")), PathBuf::from);
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let program_share = dec("0.8");
    let two_percent = dec("0.02");
    let billions = |d: Decimal| (d / dec("1000000000")).round_dp(2);
    for year in [2017, 2019, 2021] {
        let file = dir.join(format!("CostReport_{year}_Final.csv"));
        let out = import(&[file], &ImportOptions::default()).unwrap();
        assert_identities(&out);
        let r = &out.report;
        assert_eq!(r.release_year, Some(year));
        assert_eq!(r.rows_read, r.rows_kept + r.rows_dropped);
        let sum = |pred: &dyn Fn(&CohortRow) -> bool, line: usize| -> Decimal {
            out.rows.iter().filter(|r| pred(r)).map(|r| r.amounts.revenue[line]).sum()
        };
        let ffs = sum(&|_| true, 0);
        let rural = |r: &CohortRow| matches!(r.kind, Kind::CriticalAccessHospital | Kind::RuralPpsHospital);
        let rural_ffs = sum(&rural, 0);
        let cahs = out.rows.iter().filter(|r| r.kind == Kind::CriticalAccessHospital).count();
        // Rural by geography: a CMS state-rural CBSA code (999xx) rather than
        // the `Rural Versus Urban` flag, which also marks urban hospitals
        // reclassified as rural (42 CFR 412.103).
        let geo = |r: &CohortRow| r.kind == Kind::CriticalAccessHospital || (rural(r) && r.cbsa.starts_with("999"));
        let geo_count = out.rows.iter().filter(|r| geo(r)).count();
        let geo_ffs = sum(&geo, 0);
        println!("== {year}: rows read {}, kept {}, dropped {}", r.rows_read, r.rows_kept, r.rows_dropped);
        for (kind, t) in &r.kept_by_kind {
            println!(
                "   kept {kind}: {} (NPR ${}B, Medicare FFS ${}B, MA ${}B)",
                t.count,
                billions(dec(&t.net_patient_revenue)),
                billions(dec(&t.medicare_ffs)),
                billions(dec(&t.medicare_advantage))
            );
        }
        for d in r.dropped.iter().filter(|d| d.count > 0) {
            println!("   dropped {}: {} (e.g. {})", d.reason, d.count, d.examples.join(" "));
        }
        println!("   estimators {:?}; adjustments {:?}", r.estimators, r.adjustments);
        println!(
            "   CAHs kept {cahs}; Medicare FFS national ${}B, rural (CAH + rural PPS) ${}B; rural CO-253 at 2% x 0.8 = ${}M",
            billions(ffs),
            billions(rural_ffs),
            (rural_ffs * two_percent * program_share / dec("1000000")).round_dp(1)
        );
        println!(
            "   rural by CBSA 999xx (CAH + STH R in a rural CBSA): {geo_count} hospitals, FFS ${}B, CO-253 ${}M",
            billions(geo_ffs),
            (geo_ffs * two_percent * program_share / dec("1000000")).round_dp(1)
        );
        assert!((1_250..=1_400).contains(&cahs), "{cahs} CAHs");
    }
}
