//! Sharded runs (`run --shard I/K` + `merge`) reproduce the single-machine
//! tables byte for byte, and bad shard sets fail with clear errors.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{scenario, seqsim, seqsim_ok, stderr};

const TABLES: [&str; 10] = [
    "summary.csv",
    "summary.parquet",
    "summary.json",
    "compare.csv",
    "compare.parquet",
    "compare.json",
    "national.csv",
    "national.parquet",
    "national.json",
    "brief.md",
];

fn run(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let quickstart = scenario("national.yaml");
    let mut args = vec!["run", quickstart.to_str().unwrap(), "--paths", "7000", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    seqsim_ok(&args);
    out
}

fn merge(out: &Path, shards: &[PathBuf]) -> std::process::Output {
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().map(|s| s.display().to_string()));
    args.extend(["--out".to_string(), out.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    seqsim(&args)
}

#[test]
fn one_three_and_four_shards_merge_to_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let single = run(dir.path(), "single", &[]);
    for count in [1u64, 3, 4] {
        // Shards run in a shuffled order and with different thread counts, as on a cluster.
        let shards: Vec<PathBuf> = (0..count)
            .rev()
            .map(|i| {
                let threads = if i % 2 == 0 { "1" } else { "2" };
                run(
                    dir.path(),
                    &format!("k{count}-shard-{i}"),
                    &["--shard", &format!("{i}/{count}"), "--threads", threads],
                )
            })
            .collect();
        let merged = dir.path().join(format!("k{count}-final"));
        let result = merge(&merged, &shards);
        assert!(result.status.success(), "{}", stderr(&result));
        for table in TABLES {
            let a = std::fs::read(single.join(table)).unwrap();
            let b = std::fs::read(merged.join(table)).unwrap();
            assert!(a == b, "K = {count}: {table} differs from the single run");
        }
    }
}

#[test]
fn bad_shard_sets_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let s0 = run(dir.path(), "a0", &["--shard", "0/3"]);
    let s1 = run(dir.path(), "a1", &["--shard", "1/3"]);
    let s2 = run(dir.path(), "a2", &["--shard", "2/3"]);
    let other_seed = run(dir.path(), "b2", &["--shard", "2/3", "--seed", "5"]);

    let missing = merge(&dir.path().join("m1"), &[s0.clone(), s2.clone()]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("missing shard index 1 of 3"), "{}", stderr(&missing));

    let duplicate = merge(&dir.path().join("m2"), &[s0.clone(), s1.clone(), s1.clone(), s2.clone()]);
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(stderr(&duplicate).contains("shard 1 of 3 is given twice"), "{}", stderr(&duplicate));

    let mixed = merge(&dir.path().join("m3"), &[s0.clone(), s1.clone(), other_seed]);
    assert_eq!(mixed.status.code(), Some(1));
    assert!(
        stderr(&mixed).contains("belong to different runs: the seed differs (20261127 vs 5)"),
        "{}",
        stderr(&mixed)
    );

    // A shard truncated on disk is caught by its checksum.
    let file = s2.join("shard.seqsim");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 100]).unwrap();
    let truncated = merge(&dir.path().join("m4"), &[s0.clone(), s1.clone(), s2.clone()]);
    assert_eq!(truncated.status.code(), Some(1));
    assert!(stderr(&truncated).contains("the shard is truncated or corrupted"), "{}", stderr(&truncated));
    // So is one flipped byte.
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x01;
    std::fs::write(&file, &flipped).unwrap();
    let corrupted = merge(&dir.path().join("m5"), &[s0.clone(), s1, s2]);
    assert!(stderr(&corrupted).contains("truncated or corrupted"));

    let not_a_shard = merge(&dir.path().join("m6"), &[common::data("valid_minimal.yaml")]);
    assert!(stderr(&not_a_shard).contains("not a seqsim shard file"));
    for name in ["m1", "m2", "m3", "m4", "m5", "m6"] {
        assert!(!dir.path().join(name).exists(), "{name} was created by a failed merge");
    }
    let bad_flag = seqsim(&["run", scenario("quickstart.yaml").to_str().unwrap(), "--shard", "3/3"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn shard_ranges_cover_every_path_once() {
    for paths in [1u64, 1000, 1024, 7000, 100_000] {
        for count in 1..=7 {
            let mut next = 0;
            for index in 0..count {
                let range = seqsim::engine::shard_paths(paths, index, count);
                assert_eq!(range.start, next, "{paths} paths, shard {index}/{count}");
                assert!(range.start.is_multiple_of(1024) || range.start == paths);
                next = range.end;
            }
            assert_eq!(next, paths);
        }
    }
}

#[test]
fn stacked_reforms_from_imports_merge_byte_for_byte_with_their_attribution() {
    // with_imports.yaml imports law.yaml; --import adds reform.yaml
    // (repeal_2027), on which the scenario's rural_relief is stacked: the
    // shards embed both imported files and the attribution run against
    // repeal_2027, and merge reproduces every table of the single run.
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::data("imports/with_imports.yaml");
    let reform = common::data("imports/reform.yaml");
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec![
            "run",
            scenario.to_str().unwrap(),
            "--import",
            reform.to_str().unwrap(),
            "--paths",
            "3000",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        seqsim_ok(&args);
        out
    };
    let single = run("single", &[]);
    let shards = [run("s1", &["--shard", "1/2"]), run("s0", &["--shard", "0/2"])];
    let merged = dir.path().join("merged");
    let result = merge(&merged, &shards);
    assert!(result.status.success(), "{}", stderr(&result));
    for table in TABLES.iter().chain(&["attribution.csv", "attribution.parquet"]) {
        let a = std::fs::read(single.join(table)).unwrap();
        let b = std::fs::read(merged.join(table)).unwrap();
        assert!(a == b, "{table} differs from the single run");
    }
}
