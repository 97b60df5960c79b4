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

/// Every kept row: lines >= 0 (cash aside), the four patient revenue lines
/// = annualised NPR, revenue - costs = the definition's net income; and that
/// net income against the file's: `Net Income` annualised (total margin,
/// other income as reported), the margin `Net Income / (NPR + Total Other
/// Income)` when other income and expenses are not negative, and `Net Income
/// from Service to Patients / NPR` for the patient-care margin.
fn assert_identities(import: &Import) {
    let annual = |r: &CohortRow, x: Decimal| x * Decimal::from(365) / Decimal::from(r.days);
    for r in &import.rows {
        let a = &r.amounts;
        assert!(a.revenue.iter().chain(&a.costs).all(|v| *v >= Decimal::ZERO), "{}: negative line", r.ccn);
        assert!(a.revenue.iter().chain(&a.costs).all(|v| v.scale() <= 2), "{}: more than cents", r.ccn);
        assert_eq!(a.revenue[..4].iter().sum::<Decimal>(), a.npr, "{}: revenue", r.ccn);
        let revenue: Decimal = a.revenue.iter().sum();
        assert_eq!(a.costs.iter().sum::<Decimal>(), revenue - a.net_income, "{}: costs", r.ccn);
        match a.other_income_rule {
            OtherIncomeRule::LeftOut => {
                assert_eq!(a.revenue[4], Decimal::ZERO);
                let gap = (r.margin() - r.file_margin()).abs();
                assert!(gap < dec("0.000001"), "{}: margin {} vs file {}", r.ccn, r.margin(), r.file_margin());
            }
            OtherIncomeRule::Reported => {
                let file = r.file_total_net_income.unwrap();
                // The file's identity holds to $1, annualised at most x 365/180.
                let gap = (a.net_income - annual(r, file)).abs();
                assert!(gap <= dec("2.03"), "{}: net income {} vs file {}", r.ccn, a.net_income, annual(r, file));
                if r.file_other_income >= Decimal::ZERO && r.file_other_expenses >= Decimal::ZERO {
                    let file_margin = file / (r.file_npr + r.file_other_income);
                    let gap = (r.margin() - file_margin).abs();
                    assert!(gap < dec("0.00001"), "{}: total margin {} vs file {file_margin}", r.ccn, r.margin());
                }
            }
            OtherIncomeRule::BaseShare | OtherIncomeRule::KindMedian => {
                let (begin, end) = (r.begin, r.end);
                assert!(definitions::in_relief_window(begin, end), "{}: share outside the window", r.ccn);
                let expected = a.net_income_patient_care + a.other_income - a.other_expenses;
                assert!((a.net_income - expected).abs() <= dec("0.02"), "{}: relief-window net income", r.ccn);
            }
        }
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
        ("margin_out_of_range", 2),    // 31309 (-126%), 181305 (-198% total with the kind-median other income)
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
    // Total margin (the default): the period 10/1/2020-9/30/2021 is in the
    // relief window, where the file's Total Other Income of 7,243,585 (94% of
    // NPR: pandemic relief) is replaced; without a base release, by the rural
    // PPS median share of 2019, 7.08%:
    //   other = 7,705,763 x 0.0708 = 545,568.0204 -> 545,568.02
    //   net income = -2,321,364 + 545,568.0204 = -1,775,795.9796 -> -1,775,795.98
    //   revenue = 7,705,763 + 545,568.02 = 8,251,331.02; costs unchanged
    //   (8,251,331.02 + 1,775,795.98 = 10,027,127.00).
    //   margin = -1,775,795.98 / 8,251,331.02 = -21.5%
    // CBSA 99925 is Mississippi's rural code: rural PPS by geography too.
    let out = run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default());
    let r = row(&out, "250060");
    assert_eq!(r.kind, Kind::RuralPpsHospital);
    assert_eq!(r.kind.basis(), "fee_schedule");
    assert_eq!(r.days, 365);
    let a = &r.amounts;
    let want = ["277265.00", "200778.10", "651889.00", "6575830.90", "545568.02"].map(dec);
    assert_eq!(a.revenue, want);
    assert_eq!(a.costs, ["4593019.00", "1052848.34", "4381259.66"].map(dec));
    assert_eq!(a.cash, dec("4852364"));
    assert_eq!(a.other_income_rule, OtherIncomeRule::KindMedian);
    assert_eq!(
        a.estimators,
        [
            Estimator::IppsPayments,
            Estimator::MaPenetration,
            Estimator::Reported,
            Estimator::Remainder,
            Estimator::PreReliefShare
        ]
    );
    assert_eq!(r.margin(), dec("-1775795.98") / dec("8251331.02"));
    assert_eq!(r.control, "governmental_county");

    // The patient-care margin: other = 0, the file's margin -2,321,364 / 7,705,763.
    let patient_care = ImportOptions { margin: MarginDefinition::PatientCare, ..ImportOptions::default() };
    let out = run(&["CostReport_2021_excerpt.csv"], &patient_care);
    let r = row(&out, "250060");
    assert_eq!(r.amounts.revenue[4], Decimal::ZERO);
    assert_eq!(r.amounts.costs, ["4593019.00", "1052848.34", "4381259.66"].map(dec));
    assert_eq!(r.amounts.estimators[4], Estimator::NotReported);
    assert_eq!(r.margin(), dec("-2321364") / dec("7705763"));
    assert_identities(&out);
}

#[test]
fn relief_window_other_income_comes_from_the_2019_report() {
    // 250060's 2019 report (10/1/2018-9/30/2019, before the window): NPR
    // 7,761,275, Total Other Income 164,904, Total Other Expenses blank (0).
    //   share = 164,904 / 7,761,275 = 0.021247024490177...
    //   other (2021) = 7,705,763 x share = 163,724.5351765... -> 163,724.54
    //   net income = -2,321,364 + 163,724.5351765 -> -2,157,639.46
    //   revenue = 7,705,763 + 163,724.54 = 7,869,487.54
    //   costs = 7,869,487.54 + 2,157,639.46 = 10,027,127.00 (as before)
    let options =
        ImportOptions { other_income_base: vec![data("CostReport_2019_excerpt.csv")], ..ImportOptions::default() };
    let out = run(&["CostReport_2021_excerpt.csv"], &options);
    let r = row(&out, "250060");
    assert_eq!(r.amounts.other_income_rule, OtherIncomeRule::BaseShare);
    assert_eq!(r.amounts.revenue[4], dec("163724.54"));
    assert_eq!(r.amounts.net_income, dec("-2157639.46"));
    assert_eq!(r.amounts.costs.iter().sum::<Decimal>(), dec("10027127.00"));
    assert_eq!(r.margin(), dec("-2157639.46") / dec("7869487.54"));
    assert_identities(&out);
    // Every 2021 report here is in the window, so each takes a share; those
    // whose 2019 period touches the window too (010173: 7/1/2019-6/30/2020;
    // 100079: 6/1/2019-5/31/2020) take their kind's median in the 2019
    // excerpt (181305's too, but its margin is then below -100%: dropped).
    let rules = &out.report.definitions.other_income_rules;
    assert_eq!(rules.values().sum::<usize>(), out.rows.len());
    let medians: Vec<&str> = out
        .rows
        .iter()
        .filter(|r| r.amounts.other_income_rule == OtherIncomeRule::KindMedian)
        .map(|r| r.ccn.as_str())
        .collect();
    assert_eq!(medians, ["100079", "010173"]);
    assert!(out.report.rules.iter().any(|rule| rule.id == "relief_window"));
}

#[test]
fn a_report_before_the_window_keeps_its_other_income() {
    // 250060's 2019 report is outside the window: other = 164,904 as
    // reported, net income = Net Income -1,677,135, so the total margin is
    //   -1,677,135 / (7,761,275 + 164,904) = -0.211594388670758...
    let out = run(&["CostReport_2019_excerpt.csv"], &ImportOptions::default());
    let r = row(&out, "250060");
    assert_eq!(r.amounts.other_income_rule, OtherIncomeRule::Reported);
    assert_eq!(r.amounts.revenue[4], dec("164904.00"));
    assert_eq!(r.amounts.net_income, dec("-1677135.00"));
    assert_eq!(r.margin(), dec("-1677135") / dec("7926179"));
    assert_identities(&out);
}

#[test]
fn cash_with_investments_is_the_default() {
    // 140143 (2019): cash on hand 1,608,503 + temporary investments 0 +
    // investments 35,434,317 = 37,042,820; liquid cash 1,608,503.
    let out = run(&["CostReport_2019_excerpt.csv"], &ImportOptions::default());
    let a = &row(&out, "140143").amounts;
    assert_eq!((a.cash, a.cash_liquid, a.investments), (dec("37042820"), dec("1608503"), dec("35434317")));
    let liquid = ImportOptions { cash: CashDefinition::Liquid, ..ImportOptions::default() };
    let out = run(&["CostReport_2019_excerpt.csv"], &liquid);
    assert_eq!(row(&out, "140143").amounts.cash, dec("1608503"));
}

#[test]
fn rural_by_cbsa_flag_or_ruca() {
    // 241364 is a CAH (always its own kind); 170186 is an STH flagged U in
    // CBSA 48620 (Wichita): urban by every definition unless its ZIP is
    // rural by RUCA. 250060 is STH R in Mississippi's rural CBSA 99925.
    let cbsa = run(&["CostReport_2021_excerpt.csv"], &ImportOptions::default());
    assert_eq!(row(&cbsa, "170186").kind, Kind::UrbanPpsHospital);
    assert_eq!(row(&cbsa, "250060").kind, Kind::RuralPpsHospital);
    // FORHP at ZIP level: 170186's ZIP 67226 given RUCA 4 becomes rural.
    let forhp = ImportOptions {
        rural: RuralDefinition::Forhp,
        ruca: Some(RucaCodes::from_pairs(&[("67226", 4), ("39069", 10)])),
        ..ImportOptions::default()
    };
    let out = run(&["CostReport_2021_excerpt.csv"], &forhp);
    assert_eq!(row(&out, "170186").kind, Kind::RuralPpsHospital);
    assert_eq!((row(&out, "170186").ruca, row(&out, "250060").ruca), (Some(4), Some(10)));
    assert_eq!(row(&out, "250060").zip, "39069");
    // A hospital flagged R in a metropolitan CBSA (a reclassified urban
    // hospital): rural by the flag, urban by geography.
    let text = std::fs::read_to_string(data("CostReport_2021_excerpt.csv")).unwrap();
    assert_eq!(text.matches(",99925,R,STH,").count(), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reclassified.csv");
    std::fs::write(&path, text.replacen(",99925,R,STH,", ",25060,R,STH,", 1)).unwrap();
    let flag = ImportOptions { rural: RuralDefinition::CmsFlag, ..ImportOptions::default() };
    assert_eq!(row(&import(std::slice::from_ref(&path), &flag).unwrap(), "250060").kind, Kind::RuralPpsHospital);
    assert_eq!(row(&import(&[path], &ImportOptions::default()).unwrap(), "250060").kind, Kind::UrbanPpsHospital);
    // Without the RUCA file, FORHP is refused with what to do.
    let no_file = ImportOptions { rural: RuralDefinition::Forhp, ..ImportOptions::default() };
    let files = [data("CostReport_2021_excerpt.csv")];
    assert!(matches!(import(&files, &no_file), Err(ImportError::NeedsRuca)));
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
    let all = ImportOptions { include_types: FacilityType::ALL.to_vec(), ..ImportOptions::default() };
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
    let written: Vec<&str> =
        crate::scenario::cohort_table::SCHEMA.iter().filter(|c| c.written).map(|c| c.name).collect();
    assert_eq!(table.columns, written);
    let spec = CohortSpec {
        file: "cohort.csv".to_string(),
        defaults: CohortDefaults { variable_cost_share: Some(dec("0.3")), ..CohortDefaults::default() },
        columns: Vec::new(),
    };
    let practices = cohort::practices(&spec, &table, "cohort.csv", &[]).unwrap();
    assert_eq!(practices.len(), 18);
    let p = practices.iter().find(|p| p.id == "ccn_011300").unwrap();
    assert!(p.attributes.contains(&("ccn".to_string(), "011300".to_string())));
    assert_eq!(p.revenue.total(), row(&out, "011300").amounts.revenue.iter().sum::<Decimal>());
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
        let out = import(std::slice::from_ref(&file), &ImportOptions::default()).unwrap();
        assert_identities(&out);
        let r = &out.report;
        assert_eq!(r.release_year, Some(year));
        assert_eq!(r.rows_read, r.rows_kept + r.rows_dropped);
        let sum = |pred: &dyn Fn(&CohortRow) -> bool, line: usize| -> Decimal {
            out.rows.iter().filter(|r| pred(r)).map(|r| r.amounts.revenue[line]).sum()
        };
        let ffs = sum(&|_| true, 0);
        let cahs = out.rows.iter().filter(|r| r.kind == Kind::CriticalAccessHospital).count();
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
        println!("   CAHs kept {cahs}; Medicare FFS national ${}B", billions(ffs));
        // The rural CO-253 (2% x 80% program share of rural Medicare FFS)
        // under each rural definition; FORHP needs the RUCA file.
        let ruca_path = dir.join("../ruca/ruca2010_zip.csv");
        let ruca = ruca_path.is_file().then(|| RucaCodes::read(&ruca_path).unwrap());
        for rural in RuralDefinition::ALL {
            if rural == RuralDefinition::Forhp && ruca.is_none() {
                continue;
            }
            let options = ImportOptions { rural, ruca: ruca.clone(), ..ImportOptions::default() };
            let by = import(std::slice::from_ref(&file), &options).unwrap();
            let is_rural = |r: &&CohortRow| matches!(r.kind, Kind::CriticalAccessHospital | Kind::RuralPpsHospital);
            let count = by.rows.iter().filter(is_rural).count();
            let rural_ffs: Decimal = by.rows.iter().filter(is_rural).map(|r| r.amounts.revenue[0]).sum();
            println!(
                "   rural ({}): {count} hospitals, Medicare FFS ${}B, CO-253 at 2% x 0.8 = ${}M",
                rural.id(),
                billions(rural_ffs),
                (rural_ffs * two_percent * program_share / dec("1000000")).round_dp(1)
            );
        }
        // The R flag and geography against the RUCA file: a rural CBSA's
        // hospitals sit in rural ZIPs, and the R-flagged hospitals of
        // metropolitan CBSAs (reclassified) mostly in metropolitan ones.
        if let Some(codes) = &ruca {
            let flagged =
                ImportOptions { rural: RuralDefinition::CmsFlag, ruca: ruca.clone(), ..ImportOptions::default() };
            let rows = import(std::slice::from_ref(&file), &flagged).unwrap().rows;
            let sth = |r: &&CohortRow| r.facility_type == FacilityType::ShortTerm;
            let share_rural = |rows: &[&CohortRow]| {
                let coded: Vec<u8> = rows.iter().filter_map(|r| codes.code(&r.zip)).collect();
                let rural = coded.iter().filter(|c| definitions::rural_ruca(**c)).count();
                (rural as f64 / coded.len().max(1) as f64, coded.len())
            };
            let in_rural_cbsa: Vec<&CohortRow> =
                rows.iter().filter(sth).filter(|r| definitions::rural_cbsa(&r.cbsa) == Some(true)).collect();
            let reclassified: Vec<&CohortRow> = rows
                .iter()
                .filter(sth)
                .filter(|r| r.rural_urban == "R" && definitions::rural_cbsa(&r.cbsa) == Some(false))
                .collect();
            let (geo, geo_n) = share_rural(&in_rural_cbsa);
            let (rec, rec_n) = share_rural(&reclassified);
            println!(
                "   RUCA 4-10 share: STH in a rural CBSA {:.1}% of {geo_n}; R-flag STH in a metro CBSA {:.1}% of {rec_n}",
                100.0 * geo,
                100.0 * rec
            );
            assert!(geo > 0.9, "{geo}");
            assert!(rec < 0.5, "{rec}");
        }
        // Every identity under the patient-care margin and liquid cash too.
        let other = ImportOptions {
            margin: MarginDefinition::PatientCare,
            cash: CashDefinition::Liquid,
            ..ImportOptions::default()
        };
        assert_identities(&import(std::slice::from_ref(&file), &other).unwrap());
        assert!((1_250..=1_400).contains(&cahs), "{cahs} CAHs");
    }
}
