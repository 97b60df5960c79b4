//! `evidence.xlsx` read back as a spreadsheet program reads it (calamine):
//! the sheets are there, numbers are stored as numbers equal to the CSV's,
//! with percent and dollar formats, and the manifest lists the workbook.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use calamine::{open_workbook, Data, DataType, Range, Reader, Xlsx};
use common::{bundled_ok, read_csv};

fn workbook(dir: &Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(dir.join("evidence.xlsx")).expect("evidence.xlsx opens as a workbook")
}

fn header(range: &Range<Data>) -> Vec<String> {
    range.rows().next().unwrap().iter().map(|c| c.to_string()).collect()
}

/// Every cell of a sheet equals its CSV's cell: text as text, numbers as
/// numbers (the same `f64`), missing values as empty cells. The CSV's
/// provenance columns (after the sheet's) are not on the sheet.
fn assert_sheet_equals_csv(range: &Range<Data>, csv: &Path) {
    let (csv_header, csv_rows) = read_csv(csv);
    let sheet_header = header(range);
    assert_eq!(sheet_header[..], csv_header[..sheet_header.len()], "{}", csv.display());
    assert_eq!(range.height() - 1, csv_rows.len(), "{}: one sheet row per CSV row", csv.display());
    for (sheet_row, csv_row) in range.rows().skip(1).zip(&csv_rows) {
        for ((cell, value), name) in sheet_row.iter().zip(csv_row).zip(&sheet_header) {
            match cell {
                Data::Float(number) => {
                    assert_eq!(*number, value.parse::<f64>().unwrap(), "{name}: {value} in the CSV")
                }
                Data::String(text) => {
                    assert!(value.parse::<f64>().is_err(), "{name}: the number {value} is stored as text");
                    assert_eq!(text, value);
                }
                Data::Empty => assert_eq!(value, "", "{name}"),
                other => panic!("{name}: unexpected cell {other:?}"),
            }
        }
    }
}

/// The number format of the first data cell under `column`.
fn number_format(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, sheet: &str, column: &str) -> String {
    let range = book.worksheet_range(sheet).unwrap();
    let index = header(&range).iter().position(|h| h == column).unwrap() as u32;
    let styles = book.worksheet_style(sheet).unwrap();
    let style = styles.get((1, index)).unwrap_or_else(|| panic!("{sheet}/{column} has a style"));
    style.number_format.as_ref().map(|f| f.format_code.clone()).unwrap_or_default()
}

#[test]
fn a_run_writes_the_evidence_workbook_with_numbers_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quick");
    bundled_ok("run", "quickstart.yaml", &out, &["--paths", "2000", "--seed", "7"]);
    let mut book = workbook(&out);
    assert_eq!(book.sheet_names(), ["Headline", "Summary", "Compare", "National", "Sources", "Manifest"]);

    for (sheet, csv) in [("Summary", "summary.csv"), ("Compare", "compare.csv"), ("National", "national.csv")] {
        assert_sheet_equals_csv(&book.worksheet_range(sheet).unwrap(), &out.join(csv));
    }
    assert_eq!(number_format(&mut book, "Summary", "margin_mean"), "0.00%");
    assert_eq!(number_format(&mut book, "Summary", "p_exhausted_se"), "0.00%");
    assert_eq!(number_format(&mut book, "Summary", "cut_cum_mean"), "$#,##0");
    assert_eq!(number_format(&mut book, "National", "cut_total"), "$#,##0");

    // The headline: one row per practice and policy in the final year, the
    // probabilities and their standard errors in columns of their own.
    let headline = book.worksheet_range("Headline").unwrap();
    let columns = header(&headline);
    assert!(columns.iter().any(|c| c == "± P(margin < 0)") && columns.iter().any(|c| c == "± P(cash exhausted)"));
    let (summary_header, summary_rows) = read_csv(&out.join("summary.csv"));
    let last = summary_rows.iter().map(|r| common::cell(&summary_header, r, "year").to_string()).max().unwrap();
    let final_rows: Vec<&Vec<String>> =
        summary_rows.iter().filter(|r| common::cell(&summary_header, r, "year") == last).collect();
    assert_eq!(headline.height() - 1, final_rows.len());
    let p_negative = columns.iter().position(|c| c.starts_with("P(margin < 0)")).unwrap();
    for (sheet_row, csv_row) in headline.rows().skip(1).zip(&final_rows) {
        assert_eq!(sheet_row[0].to_string(), common::cell(&summary_header, csv_row, "practice"));
        let expected: f64 = common::cell(&summary_header, csv_row, "p_negative").parse().unwrap();
        assert_eq!(sheet_row[p_negative], Data::Float(expected));
        assert!(sheet_row[p_negative + 1].is_float(), "the ± is a number");
    }
    let share = format!("P(margin < 0) {last}");
    assert_eq!(number_format(&mut book, "Headline", &share), "0.00%");

    // Sources and the run record; manifest.json lists the workbook.
    let sources = book.worksheet_range("Sources").unwrap();
    assert_eq!(header(&sources), ["key path", "source"]);
    assert!(sources.height() > 1, "quickstart cites its sources");
    let manifest = book.worksheet_range("Manifest").unwrap();
    let field = |name: &str| manifest.rows().find(|r| r[0] == name).map(|r| r[1].clone());
    assert_eq!(field("seed"), Some(Data::String("7".into())));
    assert_eq!(field("paths"), Some(Data::Float(2000.0)));
    assert_eq!(field("run"), Some(Data::String("run".into())));
    let record = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(record.contains("\"name\": \"evidence.xlsx\""), "manifest.json lists evidence.xlsx");

    // The same results give the same workbook, whenever and wherever they ran.
    let again = dir.path().join("again");
    bundled_ok("run", "quickstart.yaml", &again, &["--paths", "2000", "--seed", "7", "--threads", "1"]);
    let bytes = |d: &Path| std::fs::read(d.join("evidence.xlsx")).unwrap();
    assert!(bytes(&out) == bytes(&again), "evidence.xlsx differs between two runs of the same results");
}

#[test]
fn a_cohort_run_by_state_writes_headline_national_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rural");
    bundled_ok("run", "rural_cohort.yaml", &out, &["--paths", "200", "--by", "state"]);
    let mut book = workbook(&out);
    assert_eq!(book.sheet_names(), ["Headline", "National", "Groups", "Sources", "Manifest"]);
    assert_sheet_equals_csv(&book.worksheet_range("National").unwrap(), &out.join("national.csv"));
    assert_sheet_equals_csv(&book.worksheet_range("Groups").unwrap(), &out.join("groups.csv"));
    assert_eq!(number_format(&mut book, "Groups", "margin_p50"), "0.00%");
    assert_eq!(number_format(&mut book, "Groups", "cut_total"), "$#,##0");
    let headline = book.worksheet_range("Headline").unwrap();
    // The baseline's row says so in its label and keeps no dollars (an
    // empty cell, not the word "baseline" among the numbers).
    let baseline = headline.rows().nth(1).unwrap();
    assert!(baseline[1].to_string().ends_with("(baseline)"), "{:?}", baseline[1]);
    assert_eq!(baseline.last().unwrap().clone(), Data::Empty);
    assert!(headline.rows().skip(2).all(|r| r.last().is_some_and(DataType::is_float)), "kept dollars are numbers");
    // The Groups sheet (like groups.csv) is in order: by state, then policy, then year.
    let groups = book.worksheet_range("Groups").unwrap();
    let states: Vec<String> = groups.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert!(states.windows(2).all(|w| w[0] <= w[1]), "sorted by state");
}
