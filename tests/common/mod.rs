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

/// Runs `seqsim COMMAND SCENARIO ARGS... --out OUT` on a bundled scenario,
/// failing the test if it does not succeed; returns its output.
pub fn bundled_ok(command: &str, name: &str, out: &Path, args: &[&str]) -> Output {
    let file = scenario(name);
    let mut all = vec![command, file.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    seqsim_ok(&all)
}

/// `text` with what varies between runs and machines replaced: `out` (a
/// temporary directory) by `[out]`, the repository by `[repo]`, UTC
/// timestamps by `[time]` and seqsim's version by `[version]`.
pub fn redact(text: &str, out: &Path) -> String {
    let repo = env!("CARGO_MANIFEST_DIR");
    let text = text.replace(out.to_str().unwrap(), "[out]").replace(repo, "[repo]");
    let text = text.replace(&format!("seqsim {}", env!("CARGO_PKG_VERSION")), "seqsim [version]");
    let text = text.replace(&format!("<code>{}</code>", env!("CARGO_PKG_VERSION")), "<code>[version]</code>");
    let mut redacted = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // A timestamp: 2026-12-01T17:29:38Z (20 characters).
    while let Some(i) = rest.find('T').filter(|_| !rest.is_empty()) {
        let start = i.saturating_sub(10);
        let candidate = rest.get(start..start + 20);
        if i >= 10 && candidate.is_some_and(is_timestamp) {
            redacted.push_str(&rest[..start]);
            redacted.push_str("[time]");
            rest = &rest[start + 20..];
        } else {
            redacted.push_str(&rest[..=i]);
            rest = &rest[i + 1..];
        }
    }
    redacted.push_str(rest);
    redacted
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The text a reader sees on an HTML page: styles and inline SVG charts
/// dropped, tags removed, one line per block, blank lines dropped.
pub fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let tag = &rest[open..];
        let skip_to = ["<style", "<svg"].iter().find(|t| tag.starts_with(**t)).map(|t| format!("</{}>", &t[1..]));
        let end = match skip_to {
            Some(close) => tag.find(&close).map_or(tag.len(), |i| i + close.len()),
            None => tag.find('>').map_or(tag.len(), |i| i + 1),
        };
        let name = &tag[..end];
        let heading = |n: &str| n.as_bytes().get(2).is_some_and(u8::is_ascii_digit);
        let block = ["<tr", "<p", "<li", "<figcaption", "<footer", "<div", "</tr"].iter().any(|b| name.starts_with(b));
        if block || (name.starts_with("<h") && heading(name)) || (name.starts_with("</h") && heading(&name[1..])) {
            text.push('\n');
        } else if ["<td>", "<th>", "<td ", "<th "].iter().any(|c| name.starts_with(c)) {
            text.push_str(" | ");
        }
        rest = &tag[end..];
    }
    text.push_str(rest);
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n") + "\n"
}
