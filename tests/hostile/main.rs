//! Hostile scenario files (hardening issue): each must end with exit code 1
//! or 2 and a short error naming the problem, never a panic or a hang, and
//! must not create an output directory. The files are generated here from
//! `tests/data/valid_minimal.yaml` so the repository stays small.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn valid() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/valid_minimal.yaml");
    std::fs::read_to_string(path).unwrap()
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
}

/// Runs `seqsim run FILE --out DIR`, killing it after a generous limit so a
/// hang fails the test instead of stalling CI (not a speed assertion).
fn run(file: &Path, out: &Path) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seqsim"))
        .args(["run", &file.to_string_lossy(), "--paths", "100", "--out", &out.to_string_lossy()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr concurrently so a long message cannot fill the pipe and block the child.
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{} did not finish within 60 s", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome { code: status.code(), stderr: reader.join().unwrap() }
}

/// Asserts the clean-failure contract and that the message contains `expected`.
fn check(dir: &Path, name: &str, file: &Path, expected: &str) {
    let out = dir.join(format!("{name}-out"));
    let outcome = run(file, &out);
    assert!(matches!(outcome.code, Some(1) | Some(2)), "{name}: exit {:?}\n{}", outcome.code, outcome.stderr);
    assert!(outcome.stderr.contains(expected), "{name}: expected {expected:?} in\n{}", outcome.stderr);
    assert!(
        !outcome.stderr.contains("panicked") && !outcome.stderr.contains("internal error"),
        "{name}: {}",
        outcome.stderr
    );
    assert!(outcome.stderr.len() < 8000, "{name}: error is {} bytes long", outcome.stderr.len());
    assert!(!out.exists(), "{name}: an output directory was created");
    let staging: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".partial-"))
        .collect();
    assert!(staging.is_empty(), "{name}: staging left behind: {staging:?}");
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn empty_garbage_and_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    check(d, "empty", &write(d, "empty", ""), "the file is empty");
    check(d, "whitespace", &write(d, "whitespace", "\n\n   \n"), "the file is empty");
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    check(d, "binary", &write(d, "binary", &garbage), "not UTF-8 text");
    check(d, "text_garbage", &write(d, "text_garbage", "%%%: : [ }{ &&& *x\n\t- - :"), "not valid YAML");
    let mut non_utf8 = valid().into_bytes();
    let at = non_utf8.len() / 2;
    non_utf8.splice(at..at, [0xc3, 0x28]);
    check(d, "non_utf8", &write(d, "non_utf8", &non_utf8), "not UTF-8 text");
    check(d, "a_list", &write(d, "a_list", "- 1\n- 2\n"), "expected a mapping");
    check(d, "a_scalar", &write(d, "a_scalar", "just text"), "expected a mapping");
    check(d, "two_documents", &write(d, "two_documents", format!("{}---\n{}", valid(), valid())), "one YAML document");
}

#[test]
fn expansion_bombs_and_deep_nesting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..=12 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    check(d, "billion_laughs", &write(d, "billion_laughs", &bomb), "alias");
    let flow = format!("name: x\nhorizon: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    check(d, "deep_flow", &write(d, "deep_flow", flow), "not valid YAML");
    let block: String = (0..10_000).map(|i| format!("{}k{i}:\n", " ".repeat(i % 100))).collect();
    check(d, "deep_block", &write(d, "deep_block", block), "nesting deeper than 64 levels");
    let seq =
        format!("name: x\nhorizon:\n{}", (0..10_000).map(|i| format!("{}- \n", "  ".repeat(i))).collect::<String>());
    // 10,000 levels of indentation make a 100 MB file: refused by its size.
    check(d, "deep_sequence", &write(d, "deep_sequence", seq), "scenario files are limited to");
}

#[test]
fn non_finite_and_huge_numbers_in_every_kind_of_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = valid();
    // (what the field is, the text to replace, a template with X for the bad
    // value, the key path the error must name)
    let fields = [
        ("amount", "      medicare_ffs: 500000\n", "      medicare_ffs: X\n", "practices[0].revenue.medicare_ffs:"),
        (
            "share",
            "    variable_cost_share: 0.3\n",
            "    variable_cost_share: X\n",
            "practices[0].variable_cost_share:",
        ),
        ("count", "    count: 100\n", "    count: X\n", "practices[0].count:"),
        ("cash", "    cash: 250000\n", "    cash: X\n", "practices[0].cash:"),
        ("driver_parameter", "mean: 0.035, sd: 0.01}", "mean: X, sd: 0.01}", "drivers.labor_inflation.mean:"),
        ("driver_sd", "mean: 0.035, sd: 0.01}", "mean: 0.035, sd: X}", "drivers.labor_inflation.sd:"),
        ("fixed_driver", "  mei: {dist: normal, mean: 0.028, sd: 0.007}", "  mei: X", "drivers.mei:"),
        ("correlation", "  - [labor_inflation, mei, 0.7]", "  - [labor_inflation, mei, X]", "correlations[0][2]:"),
        (
            "lever",
            "sequestration: {2027: 0.0}",
            "sequestration: {2027: X}",
            "policies.repeal_2027.sequestration.\"2027\":",
        ),
        (
            "scalar_lever",
            "    medicare_update: {2026: 0.0025}",
            "    medicare_update: X",
            "policies.current_law.medicare_update:",
        ),
        (
            "relief",
            "relief: {2027: 250000}",
            "relief: {2027: X}",
            "policies.rural_relief.for_kinds.rural_hospital.relief.\"2027\":",
        ),
        ("start_year", "start_year: 2027", "start_year: X", "horizon.start_year:"),
        ("years", "years: 3}", "years: X}", "horizon.years:"),
        ("paths", "paths: 2000", "paths: X", "simulation.paths:"),
        ("seed", "seed: 1}", "seed: X}", "simulation.seed:"),
    ];
    for (what, old, template, key_path) in fields {
        assert!(base.contains(old), "{what}: template text not found");
        for (label, value) in
            [("nan", ".nan"), ("inf", ".inf"), ("neg_inf", "-.inf"), ("huge", "1e308"), ("big", "1e30")]
        {
            let text = base.replace(old, &template.replace('X', value));
            let name = format!("{what}_{label}");
            // FILE:LINE:COL: error: KEY.PATH: ... — the error names the field.
            check(d, &name, &write(d, &name, text), &format!(": error: {key_path}"));
        }
    }
}

#[test]
fn absurd_sizes_duplicates_and_non_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = valid();
    for (name, old, new, expected) in [
        ("negative_paths", "paths: 2000", "paths: -5", "simulation.paths: must be between 1 and 100000000"),
        ("absurd_paths", "paths: 2000", "paths: 1000000000000", "simulation.paths: must be between 1 and 100000000"),
        ("zero_years", "years: 3}", "years: 0}", "horizon.years: must be between 1 and 50"),
        ("absurd_years", "years: 3}", "years: 1000000}", "horizon.years: must be between 1 and 50"),
        ("fractional_years", "years: 3}", "years: 2.5}", "expected a whole number"),
        (
            "duplicate_top_key",
            "name: Minimal valid scenario\n",
            "name: Minimal valid scenario\nname: again\n",
            "duplicate key `name`",
        ),
        ("huge_year_key", "sequestration: {2027: 0.0}", "sequestration: {99999999999999999999: 0.0}", "is not a year"),
    ] {
        let text = base.replace(old, new);
        check(d, name, &write(d, name, text), expected);
    }
    // A 50 MB scenario is refused before it is parsed.
    let mut big = base.clone();
    big.push_str(&format!("# {}\n", "x".repeat(50 * 1024 * 1024)));
    check(d, "fifty_megabytes", &write(d, "fifty_megabytes", big), "scenario files are limited to");
    // Paths that are not readable files.
    check(d, "directory", d, "is a directory");
    check(d, "missing", &d.join("nope.yaml"), "cannot read the scenario file");
    let file = write(d, "plain", &base);
    check(d, "through_a_file", &file.join("x.yaml"), "cannot read the scenario file");
}
