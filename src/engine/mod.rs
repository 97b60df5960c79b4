//! The Monte Carlo engine (MODEL.md §3 and §5): draws each path's drivers
//! once, evaluates every practice under every policy on them (common random
//! numbers), and folds the outcomes into mergeable accumulators.
//!
//! Paths run in parallel with rayon over fixed chunks of [`CHUNK_PATHS`]
//! global paths; each chunk's partial sums are folded in exactly (see
//! [`accum`]), so results do not depend on the thread count. This module does
//! no I/O: progress is reported through a callback.

pub mod accum;
mod draws;
mod plan;
mod rng;
pub mod summary;

use std::ops::Range;

use rayon::prelude::*;

use crate::ledger::economy;
use crate::model::{self, Indices, Levers, PolicyState, YearOutcome};
use crate::scenario::Driver;

use accum::field;
pub use accum::{Accumulator, Histogram, Layout, CHUNK_PATHS};
pub use plan::{Plan, PlanError, PolicyInfo, PracticePlan};

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The progress callback asked to stop (e.g. on Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// The thread pool could not be created.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// The OS's reason.
        message: String,
    },
}

/// Where a chunk's driver values come from.
#[derive(Clone, Copy)]
enum Draws {
    /// Random draws keyed by (seed, path[, practice]).
    Random { seed: u64 },
    /// Every driver at its mean: the reference path (MODEL.md §4's point, in `f64`).
    Means,
}

/// Receives a chunk's outcomes one cell at a time: for each practice, the
/// baseline policy's years first, then the other policies'.
trait Sink {
    /// `outcomes[j]` is path `j` of the chunk in cell `cell` (policy `policy`, year `year`).
    fn record(&mut self, cell: usize, policy: usize, year: usize, outcomes: &[YearOutcome<f64>]);
}

/// Reusable buffers for evaluating a chunk of paths, laid out `[year][path]`.
struct ChunkScratch {
    macro_values: Vec<[f64; Driver::COUNT]>,
    indices: Vec<Indices<f64>>,
    costs: Vec<f64>,
    mei: Vec<f64>,
    states: Vec<PolicyState<f64>>,
    outcomes: Vec<YearOutcome<f64>>,
}

impl ChunkScratch {
    fn new(plan: &Plan, paths: usize) -> ChunkScratch {
        let cells = plan.years * paths;
        ChunkScratch {
            macro_values: vec![[0.0; Driver::COUNT]; cells],
            indices: vec![Indices::base(); cells],
            costs: vec![0.0; cells],
            mei: vec![0.0; cells],
            states: Vec::with_capacity(paths),
            outcomes: Vec::with_capacity(paths),
        }
    }
}

fn clamp_draws(values: &mut [f64; Driver::COUNT]) {
    for (d, value) in values.iter_mut().enumerate() {
        *value = if d == Driver::MaShift.index() { model::clamp_share(*value) } else { model::clamp_growth(*value) };
    }
}

/// Evaluates MODEL.md §2 for every practice, policy and year of paths
/// `first..first + n`: draws first, path by path in stream order, then each
/// cell across all paths, so a cell's accumulators stay hot in cache.
fn evaluate_chunk<S: Sink>(plan: &Plan, draws: Draws, first: u64, n: usize, sink: &mut S, scratch: &mut ChunkScratch) {
    let years = plan.years;
    let policies = plan.policies.len();
    let at = |t: usize, j: usize| t * n + j;
    for j in 0..n {
        let path = first + j as u64;
        let mut rng = match draws {
            Draws::Random { seed } => Some(rng::stream(seed, path, rng::MACRO_KEY)),
            Draws::Means => None,
        };
        for t in 0..years {
            let values = &mut scratch.macro_values[at(t, j)];
            match &mut rng {
                Some(rng) => plan.macro_sampler.draw(rng, values),
                None => plan.macro_sampler.fill_means(values),
            }
        }
    }
    for (p, practice) in plan.practices.iter().enumerate() {
        let terms = &practice.terms;
        for j in 0..n {
            let path = first + j as u64;
            let mut rng = match draws {
                Draws::Random { seed } => Some(rng::stream(seed, path, practice.stream_key)),
                Draws::Means => None,
            };
            let mut idx = Indices::<f64>::base();
            for t in 0..years {
                let mut values = scratch.macro_values[at(t, j)];
                match &mut rng {
                    Some(rng) => practice.sampler.draw(rng, &mut values),
                    None => practice.sampler.fill_means(&mut values),
                }
                clamp_draws(&mut values);
                idx = idx.advance(&economy(&values));
                scratch.indices[at(t, j)] = idx;
                scratch.costs[at(t, j)] = model::operating_costs(terms, &idx);
                scratch.mei[at(t, j)] = values[Driver::Mei.index()];
            }
        }
        for &k in &plan.order {
            scratch.states.clear();
            scratch.states.resize(n, PolicyState::opening(terms));
            for t in 0..years {
                let l = &practice.levers[k * years + t];
                scratch.outcomes.clear();
                for j in 0..n {
                    let levers = Levers {
                        sequestration: l.sequestration,
                        medicare_update: model::clamp_growth(
                            l.update_constant + l.update_mei_weight * scratch.mei[at(t, j)],
                        ),
                        add_on: l.add_on,
                        relief: l.relief,
                    };
                    let i = at(t, j);
                    scratch.outcomes.push(model::step(
                        terms,
                        &scratch.indices[i],
                        scratch.costs[i],
                        &levers,
                        &mut scratch.states[j],
                    ));
                }
                sink.record((p * policies + k) * years + t, k, t, &scratch.outcomes);
            }
        }
    }
}

/// Reference values per cell and field: the mean-driver path. Sums in the
/// accumulator are deviations from these.
pub(crate) fn reference(plan: &Plan) -> Vec<f64> {
    struct RefSink {
        values: Vec<f64>,
        baseline: usize,
        /// Baseline margin, cumulative cut and cash per year.
        base: Vec<[f64; 3]>,
    }
    impl Sink for RefSink {
        fn record(&mut self, cell: usize, policy: usize, year: usize, outcomes: &[YearOutcome<f64>]) {
            let Some(o) = outcomes.first() else { return };
            let v = &mut self.values[cell * field::COUNT..(cell + 1) * field::COUNT];
            v[field::MARGIN] = o.margin;
            v[field::REVENUE] = o.accounts.revenue;
            v[field::COSTS] = o.accounts.costs;
            v[field::CUT] = o.accounts.cut;
            v[field::CUT_CUM] = o.cut_cum;
            v[field::CASH] = o.cash;
            v[field::DAYS] = o.days_cash;
            if policy == self.baseline {
                self.base[year] = [o.margin, o.cut_cum, o.cash];
            } else {
                let [margin, cut_cum, cash] = self.base[year];
                v[field::DMARGIN] = o.margin - margin;
                v[field::DCUT_CUM] = o.cut_cum - cut_cum;
                v[field::DCASH] = o.cash - cash;
            }
        }
    }
    let mut sink = RefSink {
        values: vec![0.0; plan.layout().cells() * field::COUNT],
        baseline: plan.baseline,
        base: vec![[0.0; 3]; plan.years],
    };
    evaluate_chunk(plan, Draws::Means, 0, 1, &mut sink, &mut ChunkScratch::new(plan, 1));
    sink.values
}

/// Baseline outcomes of the current practice that paired differences need.
#[derive(Clone, Copy, Default)]
struct BaseOutcome {
    margin: f64,
    cut_cum: f64,
    cash: f64,
}

/// Folds a chunk's outcomes into its partial sums and the worker's histograms.
struct ChunkSink<'a> {
    partial: &'a mut [f64],
    reference: &'a [f64],
    margin: &'a mut [Histogram],
    dmargin: &'a mut [Histogram],
    baseline: usize,
    /// `[year][path]` baseline outcomes of the current practice.
    base: Vec<BaseOutcome>,
    paths: usize,
}

impl Sink for ChunkSink<'_> {
    fn record(&mut self, cell: usize, policy: usize, year: usize, outcomes: &[YearOutcome<f64>]) {
        let at = cell * field::COUNT;
        let r = &self.reference[at..at + field::COUNT];
        let mut s = [0.0f64; field::COUNT];
        let histogram = &mut self.margin[cell];
        for o in outcomes {
            let dm = o.margin - r[field::MARGIN];
            s[field::MARGIN] += dm;
            s[field::MARGIN_SQ] += dm * dm;
            s[field::REVENUE] += o.accounts.revenue - r[field::REVENUE];
            s[field::COSTS] += o.accounts.costs - r[field::COSTS];
            s[field::CUT] += o.accounts.cut - r[field::CUT];
            s[field::CUT_CUM] += o.cut_cum - r[field::CUT_CUM];
            s[field::CASH] += o.cash - r[field::CASH];
            s[field::DAYS] += o.days_cash - r[field::DAYS];
            s[field::NEGATIVE] += f64::from(u8::from(o.margin < 0.0));
            s[field::DISTRESS] += f64::from(u8::from(o.distress));
            s[field::EXHAUSTED] += f64::from(u8::from(o.exhausted));
            histogram.add(o.margin);
        }
        let base = &mut self.base[year * self.paths..(year + 1) * self.paths];
        if policy == self.baseline {
            for (b, o) in base.iter_mut().zip(outcomes) {
                *b = BaseOutcome { margin: o.margin, cut_cum: o.cut_cum, cash: o.cash };
            }
        } else {
            let dhistogram = &mut self.dmargin[cell];
            for (b, o) in base.iter().zip(outcomes) {
                let dmargin = o.margin - b.margin;
                let ddm = dmargin - r[field::DMARGIN];
                s[field::DMARGIN] += ddm;
                s[field::DMARGIN_SQ] += ddm * ddm;
                s[field::DCUT_CUM] += (o.cut_cum - b.cut_cum) - r[field::DCUT_CUM];
                s[field::DCASH] += (o.cash - b.cash) - r[field::DCASH];
                dhistogram.add(dmargin);
            }
        }
        self.partial[at..at + field::COUNT].copy_from_slice(&s);
    }
}

/// What one worker carries between chunks.
struct Worker {
    acc: Accumulator,
    partial: Vec<f64>,
    scratch: ChunkScratch,
    base: Vec<BaseOutcome>,
}

/// Runs paths `paths` (global path indices) of `plan` with `seed` on
/// `threads` threads, calling `progress(n)` after each chunk of `n` paths;
/// when it returns `false` the run stops with [`EngineError::Interrupted`].
pub fn simulate(
    plan: &Plan,
    seed: u64,
    paths: Range<u64>,
    threads: usize,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Accumulator, EngineError> {
    let stop = std::sync::atomic::AtomicBool::new(false);
    let layout = plan.layout();
    let reference = reference(plan);
    let first_chunk = paths.start / CHUNK_PATHS;
    let end_chunk = paths.end.div_ceil(CHUNK_PATHS);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| EngineError::Threads { threads, message: e.to_string() })?;
    let chunk_paths = CHUNK_PATHS as usize;
    let new_worker = || Worker {
        acc: Accumulator::new(layout),
        partial: vec![0.0; layout.cells() * field::COUNT],
        scratch: ChunkScratch::new(plan, chunk_paths),
        base: vec![BaseOutcome::default(); plan.years * chunk_paths],
    };
    let result = pool.install(|| {
        (first_chunk..end_chunk)
            .into_par_iter()
            .fold(new_worker, |mut worker, chunk| {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return worker;
                }
                let start = (chunk * CHUNK_PATHS).max(paths.start);
                let end = ((chunk + 1) * CHUNK_PATHS).min(paths.end);
                let n = (end - start) as usize;
                let Worker { acc, partial, scratch, base } = &mut worker;
                let Accumulator { margin, dmargin, .. } = acc;
                let mut sink = ChunkSink {
                    partial,
                    reference: &reference,
                    margin,
                    dmargin,
                    baseline: plan.baseline,
                    base: std::mem::take(base),
                    paths: n,
                };
                evaluate_chunk(plan, Draws::Random { seed }, start, n, &mut sink, scratch);
                worker.base = sink.base;
                worker.acc.absorb_chunk(&worker.partial, end - start);
                if !progress(end - start) {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                worker
            })
            .map(|worker| worker.acc)
            .reduce(
                || Accumulator::new(layout),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            )
    });
    if stop.into_inner() {
        return Err(EngineError::Interrupted);
    }
    Ok(result)
}

/// A generous estimate of the bytes a run of `plan` needs on `threads`
/// threads: per-worker accumulators, histograms and chunk buffers, plus the
/// summary rows and the tables built from them. It does not depend on paths.
pub fn memory_estimate(plan: &Plan, threads: usize) -> u64 {
    let cells = plan.layout().cells() as u64;
    // Sums (i128) and chunk partials (f64) per field, two histograms of
    // typically a few thousand 4-byte bins.
    let per_cell_worker = field::COUNT as u64 * (16 + 8) + 2 * 16 * 1024;
    let chunk = plan.years as u64 * CHUNK_PATHS * (8 * 8 + 7 * 8 + 8 + 8 + 8 * 16 + 24);
    let workers = threads.max(1) as u64 + 1;
    // Summary, compare and national rows, then their frames in three formats.
    let output = cells * (2 * 400 + 3 * 30 * 8);
    workers * (cells * per_cell_worker + chunk) + output + (64 << 20)
}

/// The contiguous, chunk-aligned path range of shard `index` (0-based) of
/// `count` in a run of `paths` paths: chunks are split as evenly as possible,
/// so the shards together cover `0..paths` exactly once.
pub fn shard_paths(paths: u64, index: u64, count: u64) -> Range<u64> {
    let chunks = u128::from(paths.div_ceil(CHUNK_PATHS));
    let count = u128::from(count.max(1));
    let first = chunks * u128::from(index) / count;
    let end = chunks * (u128::from(index) + 1) / count;
    let to_path = |chunk: u128| u64::try_from(chunk * u128::from(CHUNK_PATHS)).unwrap_or(u64::MAX).min(paths);
    to_path(first)..to_path(end)
}

/// The margin of every cell on one path, in cell order: the engine's
/// per-path output, for checking MODEL.md §3's reproducibility rules.
pub fn path_margins(plan: &Plan, seed: u64, path: u64) -> Vec<f64> {
    struct Collect(Vec<f64>);
    impl Sink for Collect {
        fn record(&mut self, cell: usize, _: usize, _: usize, outcomes: &[YearOutcome<f64>]) {
            if let Some(o) = outcomes.first() {
                self.0[cell] = o.margin;
            }
        }
    }
    let mut sink = Collect(vec![f64::NAN; plan.layout().cells()]);
    evaluate_chunk(plan, Draws::Random { seed }, path, 1, &mut sink, &mut ChunkScratch::new(plan, 1));
    sink.0
}
