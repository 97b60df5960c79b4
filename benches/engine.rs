//! Benchmarks of the engine (issue: performance): one chunk of paths (the
//! per-path kernel), a whole national run at 100,000 paths through the binary
//! (outputs included), one cell's histogram batch, the accumulator merge,
//! and the exact ledger.
//! Run with `cargo bench`; figures are documented in docs/performance.md.

use std::path::Path;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use seqsim::engine::{self, Histogram, Plan, CHUNK_PATHS};
use seqsim::{ledger, policy, scenario};

fn national() -> (scenario::Scenario, Plan) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.yaml");
    let loaded = match scenario::load(&path) {
        Ok(loaded) => loaded,
        Err(err) => panic!("{err}"),
    };
    let resolution = policy::resolve(&loaded.scenario);
    let plan = match Plan::compile(&loaded.scenario, &resolution) {
        Ok(plan) => plan,
        Err(err) => panic!("{err}"),
    };
    (loaded.scenario, plan)
}

fn kernel(c: &mut Criterion) {
    let (_, plan) = national();
    let mut group = c.benchmark_group("kernel");
    group.throughput(Throughput::Elements(plan.evaluations_per_path() * CHUNK_PATHS));
    group.bench_function("national_one_chunk_one_thread", |b| {
        b.iter(|| engine::simulate(&plan, 1, 0..CHUNK_PATHS, 1, &|_| true))
    });
    group.finish();
}

fn whole_run(c: &mut Criterion) {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.yaml");
    let out = std::env::temp_dir().join(format!("seqsim-bench-{}", std::process::id()));
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    group.throughput(Throughput::Elements(300 * 100_000));
    group.bench_function("national_100k_paths_binary", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_seqsim"))
                .args([
                    "run",
                    &scenario.to_string_lossy(),
                    "--paths",
                    "100000",
                    "--force",
                    "--out",
                    &out.to_string_lossy(),
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
            assert!(matches!(status, Ok(s) if s.success()));
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&out);
}

fn merge(c: &mut Criterion) {
    let (_, plan) = national();
    let a = engine::simulate(&plan, 1, 0..CHUNK_PATHS * 4, 1, &|_| true);
    let b = engine::simulate(&plan, 1, CHUNK_PATHS * 4..CHUNK_PATHS * 8, 1, &|_| true);
    let (Ok(a), Ok(b)) = (a, b) else { panic!("simulation failed") };
    c.bench_function("accumulator_merge_national", |bench| {
        bench.iter(|| {
            let mut merged = a.clone();
            merged.merge(&b);
            merged
        })
    });
}

/// One cell's batch of 1,024 margins into its histogram, as the kernel adds
/// them: spread like a hospital's margins (sd about 6 points) and bunched
/// like a paired difference (sd about 0.02 points).
fn histogram_batch(c: &mut Criterion) {
    // A fixed, smooth spread of values: a sum of three uniforms per value.
    let uniform = |i: u64| ((i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64) / (1u64 << 53) as f64;
    let spread: Vec<f64> =
        (0..1024u64).map(|i| (uniform(3 * i) + uniform(3 * i + 1) + uniform(3 * i + 2) - 1.5) * 0.2).collect();
    let bunched: Vec<f64> = spread.iter().map(|m| 0.016 + m / 300.0).collect();
    let mut group = c.benchmark_group("histogram");
    group.throughput(Throughput::Elements(1024));
    for (name, values) in [("margins_1024", &spread), ("differences_1024", &bunched)] {
        let mut histogram = Histogram::default();
        group.bench_function(name, |b| b.iter(|| histogram.add_batch(values)));
    }
    group.finish();
}

fn exact_ledger(c: &mut Criterion) {
    let (scenario, _) = national();
    let resolution = policy::resolve(&scenario);
    c.bench_function("ledger_national", |b| b.iter(|| ledger::ledger(&scenario, &resolution)));
}

criterion_group!(benches, kernel, whole_run, histogram_batch, merge, exact_ledger);
criterion_main!(benches);
