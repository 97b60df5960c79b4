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

use rand_xoshiro::Xoshiro256PlusPlus;
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
    /// The thread pool could not be created.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// The OS's reason.
        message: String,
    },
}

/// Where a path's driver values come from.
trait DrawSource {
    /// Fills macro-scope values for every year.
    fn macro_years(&mut self, plan: &Plan, out: &mut [[f64; Driver::COUNT]]);
    /// Starts a practice's stream.
    fn start_practice(&mut self, practice: &PracticePlan);
    /// Fills the practice-scope values of one year.
    fn practice_year(&mut self, practice: &PracticePlan, out: &mut [f64; Driver::COUNT]);
}

/// Random draws of one path, keyed by (seed, path[, practice]).
struct RandomDraws {
    seed: u64,
    path: u64,
    rng: Xoshiro256PlusPlus,
}

impl DrawSource for RandomDraws {
    fn macro_years(&mut self, plan: &Plan, out: &mut [[f64; Driver::COUNT]]) {
        let mut rng = rng::stream(self.seed, self.path, rng::MACRO_KEY);
        for year in out.iter_mut() {
            plan.macro_sampler.draw(&mut rng, year);
        }
    }
    fn start_practice(&mut self, practice: &PracticePlan) {
        self.rng = rng::stream(self.seed, self.path, practice.stream_key);
    }
    #[inline]
    fn practice_year(&mut self, practice: &PracticePlan, out: &mut [f64; Driver::COUNT]) {
        practice.sampler.draw(&mut self.rng, out);
    }
}

/// Every driver at its mean: the reference path (MODEL.md §4's point, in `f64`).
struct MeanDraws;

impl DrawSource for MeanDraws {
    fn macro_years(&mut self, plan: &Plan, out: &mut [[f64; Driver::COUNT]]) {
        for year in out.iter_mut() {
            plan.macro_sampler.fill_means(year);
        }
    }
    fn start_practice(&mut self, _: &PracticePlan) {}
    fn practice_year(&mut self, practice: &PracticePlan, out: &mut [f64; Driver::COUNT]) {
        practice.sampler.fill_means(out);
    }
}

/// Receives every evaluation of a path, baseline first within each (practice, year).
trait Sink {
    fn record(&mut self, cell: usize, policy: usize, outcome: &YearOutcome<f64>);
}

/// Reusable buffers for evaluating paths.
struct PathScratch {
    macro_values: Vec<[f64; Driver::COUNT]>,
    states: Vec<PolicyState<f64>>,
}

impl PathScratch {
    fn new(plan: &Plan) -> PathScratch {
        PathScratch {
            macro_values: vec![[0.0; Driver::COUNT]; plan.years],
            states: Vec::with_capacity(plan.policies.len()),
        }
    }
}

/// Evaluates MODEL.md §2 for every practice, policy and year of one path.
#[inline]
fn evaluate_path<D: DrawSource, S: Sink>(plan: &Plan, draws: &mut D, sink: &mut S, scratch: &mut PathScratch) {
    let years = plan.years;
    let policies = plan.policies.len();
    draws.macro_years(plan, &mut scratch.macro_values);
    for (p, practice) in plan.practices.iter().enumerate() {
        draws.start_practice(practice);
        let terms = &practice.terms;
        scratch.states.clear();
        scratch.states.resize(policies, PolicyState::opening(terms));
        let mut idx = Indices::<f64>::base();
        for t in 0..years {
            let mut values = scratch.macro_values[t];
            draws.practice_year(practice, &mut values);
            for (d, value) in values.iter_mut().enumerate() {
                *value =
                    if d == Driver::MaShift.index() { model::clamp_share(*value) } else { model::clamp_growth(*value) };
            }
            idx = idx.advance(&economy(&values));
            let costs = model::operating_costs(terms, &idx);
            let mei = values[Driver::Mei.index()];
            for &k in &plan.order {
                let l = &practice.levers[k * years + t];
                let levers = Levers {
                    sequestration: l.sequestration,
                    medicare_update: model::clamp_growth(l.update_constant + l.update_mei_weight * mei),
                    add_on: l.add_on,
                    relief: l.relief,
                };
                let outcome = model::step(terms, &idx, costs, &levers, &mut scratch.states[k]);
                sink.record((p * policies + k) * years + t, k, &outcome);
            }
        }
    }
}

/// Reference values per cell and field: the mean-driver path. Sums in the
/// accumulator are deviations from these.
pub(crate) fn reference(plan: &Plan) -> Vec<f64> {
    struct RefSink<'a> {
        values: &'a mut [f64],
        baseline: usize,
        base: [f64; 4],
    }
    impl Sink for RefSink<'_> {
        fn record(&mut self, cell: usize, policy: usize, o: &YearOutcome<f64>) {
            let v = &mut self.values[cell * field::COUNT..(cell + 1) * field::COUNT];
            v[field::MARGIN] = o.margin;
            v[field::REVENUE] = o.accounts.revenue;
            v[field::COSTS] = o.accounts.costs;
            v[field::CUT] = o.accounts.cut;
            v[field::CUT_CUM] = o.cut_cum;
            v[field::CASH] = o.cash;
            v[field::DAYS] = o.days_cash;
            if policy == self.baseline {
                self.base = [o.margin, o.cut_cum, o.cash, 0.0];
            } else {
                v[field::DMARGIN] = o.margin - self.base[0];
                v[field::DCUT_CUM] = o.cut_cum - self.base[1];
                v[field::DCASH] = o.cash - self.base[2];
            }
        }
    }
    let mut values = vec![0.0; plan.layout().cells() * field::COUNT];
    let mut sink = RefSink { values: &mut values, baseline: plan.baseline, base: [0.0; 4] };
    evaluate_path(plan, &mut MeanDraws, &mut sink, &mut PathScratch::new(plan));
    values
}

/// Folds evaluations into one chunk's partial sums and the thread's histograms.
struct ChunkSink<'a> {
    partial: &'a mut [f64],
    reference: &'a [f64],
    margin: &'a mut [Histogram],
    dmargin: &'a mut [Histogram],
    baseline: usize,
    /// Baseline margin, cumulative cut, cash and exhausted flag of the current (practice, year).
    base: (f64, f64, f64, bool),
}

impl Sink for ChunkSink<'_> {
    #[inline(always)]
    fn record(&mut self, cell: usize, policy: usize, o: &YearOutcome<f64>) {
        let at = cell * field::COUNT;
        let r = &self.reference[at..at + field::COUNT];
        let s = &mut self.partial[at..at + field::COUNT];
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
        self.margin[cell].add(o.margin);
        if policy == self.baseline {
            self.base = (o.margin, o.cut_cum, o.cash, o.exhausted);
        } else {
            let dmargin = o.margin - self.base.0;
            let ddm = dmargin - r[field::DMARGIN];
            s[field::DMARGIN] += ddm;
            s[field::DMARGIN_SQ] += ddm * ddm;
            s[field::DCUT_CUM] += (o.cut_cum - self.base.1) - r[field::DCUT_CUM];
            s[field::DCASH] += (o.cash - self.base.2) - r[field::DCASH];
            self.dmargin[cell].add(dmargin);
        }
    }
}

/// What one worker carries between chunks.
struct Worker {
    acc: Accumulator,
    partial: Vec<f64>,
    scratch: PathScratch,
}

/// Runs paths `paths` (global path indices) of `plan` with `seed` on
/// `threads` threads, calling `progress(n)` after each chunk of `n` paths.
pub fn simulate(
    plan: &Plan,
    seed: u64,
    paths: Range<u64>,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Accumulator, EngineError> {
    let layout = plan.layout();
    let reference = reference(plan);
    let first_chunk = paths.start / CHUNK_PATHS;
    let end_chunk = paths.end.div_ceil(CHUNK_PATHS);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| EngineError::Threads { threads, message: e.to_string() })?;
    let new_worker = || Worker {
        acc: Accumulator::new(layout),
        partial: vec![0.0; layout.cells() * field::COUNT],
        scratch: PathScratch::new(plan),
    };
    let result = pool.install(|| {
        (first_chunk..end_chunk)
            .into_par_iter()
            .fold(new_worker, |mut worker, chunk| {
                let start = (chunk * CHUNK_PATHS).max(paths.start);
                let end = ((chunk + 1) * CHUNK_PATHS).min(paths.end);
                worker.partial.fill(0.0);
                let Worker { acc, partial, scratch } = &mut worker;
                let Accumulator { margin, dmargin, .. } = acc;
                let mut sink = ChunkSink {
                    partial,
                    reference: &reference,
                    margin,
                    dmargin,
                    baseline: plan.baseline,
                    base: (0.0, 0.0, 0.0, false),
                };
                let mut draws = RandomDraws { seed, path: start, rng: rng::stream(seed, start, 0) };
                for path in start..end {
                    draws.path = path;
                    evaluate_path(plan, &mut draws, &mut sink, scratch);
                }
                worker.acc.absorb_chunk(&worker.partial, end - start);
                progress(end - start);
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
    Ok(result)
}

/// The margin of every cell on one path, in cell order: the engine's
/// per-path output, for checking MODEL.md §3's reproducibility rules.
pub fn path_margins(plan: &Plan, seed: u64, path: u64) -> Vec<f64> {
    struct Collect(Vec<f64>);
    impl Sink for Collect {
        fn record(&mut self, cell: usize, _: usize, o: &YearOutcome<f64>) {
            self.0[cell] = o.margin;
        }
    }
    let mut sink = Collect(vec![f64::NAN; plan.layout().cells()]);
    let mut draws = RandomDraws { seed, path, rng: rng::stream(seed, path, 0) };
    evaluate_path(plan, &mut draws, &mut sink, &mut PathScratch::new(plan));
    sink.0
}
