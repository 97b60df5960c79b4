//! Helpers shared by the integration tests: run the built binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of a file under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Path of a bundled scenario.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

/// Runs `seqsim` with `args`.
pub fn seqsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seqsim")).args(args).output().expect("the seqsim binary runs")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses a CSV file into a header and rows of cells (no quoted commas expected
/// in the columns the tests read).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).expect("the CSV file exists");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap_or_default().split(',').map(str::to_string).collect();
    let rows = lines.map(split_csv_line).collect();
    (header, rows)
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// The cell of `row` under `column`.
pub fn cell<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let index = header.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
    &row[index]
}

/// Runs `seqsim run SCENARIO --paths PATHS --out OUT EXTRA...` and fails the
/// test, showing stderr, if it does not succeed.
pub fn run_ok(scenario: &Path, paths: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", scenario.to_str().unwrap(), "--paths", paths, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    seqsim_ok(&args);
}

/// Runs `seqsim` with `args` and fails the test, showing stderr, if it does
/// not succeed.
pub fn seqsim_ok(args: &[&str]) -> Output {
    let result = seqsim(args);
    assert!(result.status.success(), "{}", stderr(&result));
    result
}

/// A bundled scenario's text with its imports made absolute, so that the
/// text still works when written into another directory.
pub fn bundled_text(name: &str) -> String {
    let text = std::fs::read_to_string(scenario(name)).expect("the bundled scenario exists");
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    text.replace("../policies/", &format!("{}/", policies.display()))
}
