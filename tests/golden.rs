//! Golden outputs (issue 18, "same bits everywhere"): the runs listed in
//! `tests/golden/hashes.txt` write `summary.csv`, `compare.csv` and
//! `national.csv` with exactly the committed SHA-256, on one thread and on
//! two, with the engine's baseline kernel, and as two shards merged.
//! `.ci/golden-variants.sh` checks the same file under glibc's CPU tunables
//! and for a `-C target-cpu=native` build.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const REGENERATE: &str = "If the change is deliberate (a new version, a changed sampler or \
column), regenerate the hashes with `cargo build --release && .ci/golden-variants.sh --update \
\"$CARGO_TARGET_DIR/release/seqsim\"` and say in the commit message why the bits changed.";

/// One golden run and the hashes of the tables it writes.
struct Run {
    scenario: String,
    seed: String,
    paths: String,
    /// (file name, SHA-256 in hex).
    files: Vec<(String, String)>,
}

/// The runs of `tests/golden/hashes.txt`, in file order.
fn golden_runs() -> Vec<Run> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("tests/golden/hashes.txt")).unwrap();
    let mut runs: Vec<Run> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [scenario, seed, paths, file, hash] = fields[..] else { panic!("malformed line in hashes.txt: {line}") };
        if file == "engine" {
            // The engine's own hash, checked by a unit test in src/engine/mod.rs.
            continue;
        }
        let scenario = root.join(scenario).display().to_string();
        match runs.last_mut() {
            Some(run) if run.scenario == scenario && run.seed == seed && run.paths == paths => {}
            _ => runs.push(Run { scenario, seed: seed.into(), paths: paths.into(), files: Vec::new() }),
        }
        runs.last_mut().unwrap().files.push((file.into(), hash.into()));
    }
    assert!(runs.len() >= 2 && runs.iter().all(|r| r.files.len() == 3), "hashes.txt lists its runs");
    runs
}

/// Runs `seqsim run` for `run` into `out` with `extra` arguments and the
/// kernel variable set to `kernel` (or removed).
fn seqsim_run(run: &Run, out: &Path, extra: &[&str], kernel: Option<&str>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seqsim"));
    command.args(["run", &run.scenario, "--seed", &run.seed, "--paths", &run.paths, "--out"]).arg(out).args(extra);
    match kernel {
        Some(value) => command.env("SEQSIM_KERNEL", value),
        None => command.env_remove("SEQSIM_KERNEL"),
    };
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", common::stderr(&output));
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Fails, naming every table that differs, unless the tables in `out` have
/// `run`'s committed hashes.
fn assert_golden(run: &Run, out: &Path, how: &str) {
    let differing: Vec<String> = run
        .files
        .iter()
        .filter_map(|(file, want)| {
            let got = sha256_hex(&out.join(file));
            (got != *want).then(|| format!("  {file}: {got}, committed {want}"))
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{} (seed {}, {} paths, {how}) wrote tables other than tests/golden/hashes.txt's:\n{}\n{REGENERATE}",
        run.scenario,
        run.seed,
        run.paths,
        differing.join("\n")
    );
}

#[test]
fn every_run_writes_its_committed_hashes_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    for (i, run) in golden_runs().iter().enumerate() {
        for threads in ["1", "2"] {
            let out = dir.path().join(format!("run{i}-threads{threads}"));
            seqsim_run(run, &out, &["--threads", threads], None);
            assert_golden(run, &out, &format!("--threads {threads}"));
        }
    }
}

#[test]
fn the_baseline_kernel_writes_the_same_bits() {
    let dir = tempfile::tempdir().unwrap();
    for (i, run) in golden_runs().iter().enumerate() {
        let out = dir.path().join(format!("run{i}-baseline"));
        seqsim_run(run, &out, &["--threads", "2"], Some("baseline"));
        assert_golden(run, &out, "SEQSIM_KERNEL=baseline");
    }
}

#[test]
fn two_shards_merged_write_the_same_bits() {
    let dir = tempfile::tempdir().unwrap();
    let runs = golden_runs();
    let run = &runs[0];
    let shards: Vec<PathBuf> = ["0/2", "1/2"]
        .iter()
        .enumerate()
        .map(|(i, shard)| {
            let out = dir.path().join(format!("shard{i}"));
            seqsim_run(run, &out, &["--shard", shard, "--threads", "1"], None);
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().map(|s| s.display().to_string()));
    args.extend(["--out".to_string(), merged.display().to_string()]);
    common::seqsim_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_golden(run, &merged, "two shards merged");
}

#[test]
fn an_unknown_kernel_setting_fails_the_run_and_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let runs = golden_runs();
    let mut command = Command::new(env!("CARGO_BIN_EXE_seqsim"));
    command.args(["run", &runs[0].scenario, "--paths", "100", "--out"]).arg(dir.path().join("out"));
    let output = command.env("SEQSIM_KERNEL", "avx512").output().unwrap();
    assert!(!output.status.success());
    let stderr = common::stderr(&output);
    assert!(stderr.contains("SEQSIM_KERNEL=\"avx512\": expected `auto` or `baseline`"), "{stderr}");
}
