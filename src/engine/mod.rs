//! The Monte Carlo engine (MODEL.md §3 and §5): draws each path's drivers
//! once, evaluates every practice under every policy on them (common random
//! numbers), and folds the outcomes into mergeable accumulators.
//!
//! Paths run in parallel with rayon over fixed chunks of [`CHUNK_PATHS`]
//! global paths; each chunk's partial sums are folded in exactly (see
//! [`accum`]), so results do not depend on the thread count. This module does
//! no I/O: progress is reported through a callback. The one thing it reads
//! from its surroundings is [`KERNEL_VARIABLE`], a switch for checking that
//! the kernel's two builds give the same bits.

pub mod accum;
mod draws;
mod lanes;
mod plan;
mod rng;
mod samplers;
mod shocks;
pub mod summary;
mod variants;
mod ziggurat_tables;

use std::ops::Range;

use rayon::prelude::*;

use crate::model::{self, economy, Amount, Indices, Levers, PolicyState, Terms, YearBasis};
use crate::scenario::Driver;

use accum::{field, group_metric, group_sum, BatchScratch, GROUP_VALUES};
pub use accum::{Accumulator, Histogram, Layout, CHUNK_PATHS};
pub use draws::DistError;
use lanes::{Lanes, LANES};
pub use plan::{Plan, PlanError, PolicyInfo, PracticePlan};

/// Above this many fixed-point sums per accumulator (about 16 MB), chunks are
/// split at most about once per thread to bound memory.
const LARGE_ACCUMULATOR_SUMS: usize = 1 << 20;

/// The environment variable that picks the kernel's build ([`Kernel`]):
/// `auto` (or unset, or empty) or `baseline`.
pub const KERNEL_VARIABLE: &str = "SEQSIM_KERNEL";

/// Which build of the kernel evaluates paths. Both give the same bits (the
/// golden tests check it); the choice exists to prove that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The AVX build when the CPU has AVX, else the baseline (the default).
    Auto,
    /// The baseline build (SSE2 on x86-64), even on a CPU with AVX.
    Baseline,
}

impl Kernel {
    /// The kernel a value of [`KERNEL_VARIABLE`] names (`None`: unset).
    pub fn from_setting(value: Option<&str>) -> Result<Kernel, EngineError> {
        match value {
            None | Some("" | "auto") => Ok(Kernel::Auto),
            Some("baseline") => Ok(Kernel::Baseline),
            Some(other) => Err(EngineError::Kernel { value: other.to_string() }),
        }
    }

    /// The kernel [`KERNEL_VARIABLE`] asks for, read from the environment
    /// once per process.
    pub fn from_environment() -> Result<Kernel, EngineError> {
        static CHOSEN: std::sync::OnceLock<Result<Kernel, String>> = std::sync::OnceLock::new();
        CHOSEN
            .get_or_init(|| {
                let value = std::env::var_os(KERNEL_VARIABLE);
                let text = value.as_ref().map(|v| v.to_string_lossy());
                Kernel::from_setting(text.as_deref()).map_err(|_| text.unwrap_or_default().into_owned())
            })
            .clone()
            .map_err(|value| EngineError::Kernel { value })
    }
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The progress callback asked to stop (e.g. on Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// A distribution could not be set up.
    #[error(transparent)]
    Distribution(#[from] DistError),
    /// [`KERNEL_VARIABLE`] holds something other than `auto` or `baseline`.
    #[error("{KERNEL_VARIABLE}={value:?}: expected `auto` or `baseline`")]
    Kernel {
        /// The variable's value.
        value: String,
    },
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

/// Reusable buffers for evaluating a chunk of paths. Paths sit in groups of
/// [`LANES`] side by side; per-year buffers are laid out `[year][group]`.
struct ChunkScratch {
    /// Macro driver draws, `[path][year]`.
    macro_values: Vec<[f64; Driver::COUNT]>,
    /// One path's draws for the current practice, `[year]`.
    path_values: Vec<[f64; Driver::COUNT]>,
    /// A path's standard normals by year (`ScopeSampler::draw_years`).
    normals: Vec<[f64; Driver::COUNT]>,
    /// Macro draws again, a group's paths side by side, `[group][year]`.
    macro_lanes: Vec<[Lanes; Driver::COUNT]>,
    /// A group's draws for the current practice, `[year]`.
    lane_values: Vec<[Lanes; Driver::COUNT]>,
    /// A group's standard normals by year (`ScopeSampler::draw_years_lanes`).
    lane_normals: Vec<[Lanes; Driver::COUNT]>,
    /// The current group's indices, `[year]`.
    indices: Vec<Indices<Lanes>>,
    /// The current practice's MEI draws.
    mei: Vec<Lanes>,
    /// The current practice's policy-independent accounts.
    basis: Vec<YearBasis<Lanes>>,
    /// Each group's state under the current policy.
    states: Vec<PolicyState<Lanes>>,
    /// The current practice's baseline values that paired differences
    /// need ([`Base`]), `[year][group]`.
    base: Vec<[Lanes; Base::COUNT]>,
    /// The macro noise stream's and the shared stream's normals, a group's
    /// paths side by side, `[group][year]` (MODEL.md v1.3 §3; empty when no
    /// practice reads them).
    macro_noise: Vec<shocks::Normals<Lanes>>,
    shared: Vec<shocks::Normals<Lanes>>,
    /// A group's normals of the practice's noise stream, `[year]`.
    own_lanes: Vec<shocks::Normals<Lanes>>,
    /// One path's normals of the practice's noise stream, `[year]`.
    own_path: Vec<shocks::Normals<f64>>,
    /// The current cell's margins and paired differences, for the histograms.
    margins: Vec<f64>,
    dmargins: Vec<f64>,
    /// Buffers for counting them.
    counting: BatchScratch,
    /// Margins waiting to be counted into group histograms, `[policy * years + year]`:
    /// consecutive practices of one group ([`Pooled`]).
    pooled: Pooled,
    /// Margins and paired differences waiting to be counted into cell
    /// histograms: consecutive chunks of one worker ([`CellPools`]).
    cell_pools: CellPools,
    /// The current group's totals path by path ([`GroupPaths`]).
    group_paths: GroupPaths,
}

/// Where each of a practice's baseline values sits in `ChunkScratch::base`.
struct Base;

impl Base {
    const MARGIN: usize = 0;
    const CUT_CUM: usize = 1;
    const CASH: usize = 2;
    const CUTBACK: usize = 3;
    const NEGATIVE: usize = 4;
    const DISTRESS: usize = 5;
    const EXHAUSTED: usize = 6;
    const COUNT: usize = 7;
}

/// One group's count-weighted totals (`accum::group_metric`) path by path,
/// as deviations from the reference path's, for the chunk's paths: the
/// group's facilities add to them as they are evaluated (practices are
/// evaluated group by group, [`evaluation_order`]), and when the group is
/// done its sums and sums of squares over the chunk's paths, levels and
/// paired differences from the baseline, go to the chunk's group partials
/// ([`GroupPaths::finish`]). A group's total on a path is a sum over
/// correlated facilities (macro draws, shared shocks), so its spread is
/// only known path by path.
struct GroupPaths {
    /// The group being added up.
    group: Option<usize>,
    /// `[(policy * years + year) * GROUP_ROW + g]`: the four totals of group
    /// `g` of [`LANES`] paths (lanes past the chunk's paths hold zeros).
    totals: Vec<[Lanes; group_metric::COUNT]>,
    /// The policies a practice's evaluation of the current policy counts
    /// for: that policy and those that copy it ([`Plan::duplicates`]).
    targets: Vec<usize>,
}

/// Groups of [`LANES`] paths per row of [`GroupPaths::totals`].
const GROUP_ROW: usize = CHUNK_PATHS as usize / LANES;

impl GroupPaths {
    /// Totals for every policy and year of `plan`, none when it has no groups.
    fn new(plan: &Plan) -> GroupPaths {
        let rows = if plan.groups.is_empty() { 0 } else { plan.policies.len() * plan.years };
        GroupPaths {
            group: None,
            totals: vec![[Lanes::default(); group_metric::COUNT]; rows * GROUP_ROW],
            targets: Vec::with_capacity(plan.policies.len()),
        }
    }

    /// Writes the current group's sums over the chunk's `groups` groups of
    /// paths into `partial` (per group cell, [`GROUP_VALUES`]) and clears
    /// the totals for the next group: per policy, year and metric, the sum
    /// of the per-path totals and of their squares and, against the
    /// baseline's on the same path, of the paired differences and their squares.
    #[inline(always)]
    fn finish(&mut self, plan: &Plan, groups: usize, partial: &mut Option<&mut [f64]>) {
        let Some(group) = self.group.take() else { return };
        let (policies, years) = (plan.policies.len(), plan.years);
        for k in 0..policies {
            for t in 0..years {
                let row = &self.totals[(k * years + t) * GROUP_ROW..][..groups];
                let base = &self.totals[(plan.baseline * years + t) * GROUP_ROW..][..groups];
                let zero = Lanes::default();
                let mut s = [[zero; group_sum::COUNT]; group_metric::COUNT];
                for (level, base) in row.iter().zip(base) {
                    for m in 0..group_metric::COUNT {
                        let d = level[m] - base[m];
                        s[m][group_sum::LEVEL] += level[m];
                        s[m][group_sum::LEVEL_SQ] += level[m] * level[m];
                        s[m][group_sum::DIFF] += d;
                        s[m][group_sum::DIFF_SQ] += d * d;
                    }
                }
                if let Some(partial) = partial {
                    let cell = (group * policies + k) * years + t;
                    let out = &mut partial[cell * GROUP_VALUES..(cell + 1) * GROUP_VALUES];
                    for (out, sum) in out.iter_mut().zip(s.iter().flatten()) {
                        *out = sum.total();
                    }
                }
            }
        }
        // The baseline's rows were read by every policy's: cleared last.
        for rows in self.totals.chunks_exact_mut(GROUP_ROW) {
            rows[..groups].fill([Lanes::default(); group_metric::COUNT]);
        }
    }
}

/// Each cell's margins and paired differences over up to
/// [`CELL_POOL_CHUNKS`] consecutive chunks of a worker, counted into the
/// cell's histograms in one batch: a batch's cost is mostly the bins it
/// spans (walking the counting table and the histogram's pages), and four
/// chunks span little more than one. Counts are integers and extremes are
/// order-free, so pooling changes no bit. A worker's last pools are counted
/// by [`CellPools::flush`].
#[derive(Default)]
struct CellPools {
    /// Values a pool holds before it is counted; 0: no pooling (each
    /// chunk's batch is counted at once).
    limit: usize,
    /// `[cell * 2]` margins, `[cell * 2 + 1]` paired differences.
    pools: Vec<Vec<f64>>,
}

/// At most this many chunks are pooled per cell ...
const CELL_POOL_CHUNKS: usize = 4;

/// ... and a worker's cell pools take at most about this many bytes.
const CELL_POOL_BYTES: usize = 32 << 20;

impl CellPools {
    /// Pools for `cells` cells: as many chunks as fit in [`CELL_POOL_BYTES`],
    /// up to [`CELL_POOL_CHUNKS`]; none when only one fits.
    fn new(cells: usize) -> CellPools {
        let chunk_bytes = cells * 2 * CHUNK_PATHS as usize * 8;
        let chunks = CELL_POOL_BYTES.checked_div(chunk_bytes).unwrap_or(0).min(CELL_POOL_CHUNKS);
        let limit = if chunks > 1 { chunks * CHUNK_PATHS as usize } else { 0 };
        CellPools { limit, pools: Vec::new() }
    }

    /// The margin and paired-difference pools of `cell`, for the kernel to
    /// append a chunk's values to.
    #[inline(always)]
    fn pair(&mut self, cell: usize) -> (&mut Vec<f64>, &mut Vec<f64>) {
        if self.pools.len() < 2 * (cell + 1) {
            self.pools.resize_with(2 * (cell + 1), Vec::new);
        }
        let (margins, rest) = self.pools[2 * cell..].split_at_mut(1);
        (&mut margins[0], &mut rest[0])
    }

    /// Counts `cell`'s pools into `histograms` (margin, paired difference)
    /// if another chunk would not fit.
    #[inline(always)]
    fn count_full(
        &mut self,
        cell: usize,
        histograms: [&mut Histogram; 2],
        counting: &mut BatchScratch,
        add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
    ) {
        for (histogram, pool) in histograms.into_iter().zip(&mut self.pools[2 * cell..]) {
            if pool.len() + CHUNK_PATHS as usize > self.limit {
                add_batch(histogram, pool, counting);
                pool.clear();
            }
        }
    }

    /// Counts every pool into its cell's histogram (`margin`, `dmargin`) and
    /// empties it: the end of a worker.
    fn flush(&mut self, margin: &mut [Histogram], dmargin: &mut [Histogram], counting: &mut BatchScratch) {
        for (i, pool) in self.pools.iter_mut().enumerate() {
            let histograms = if i % 2 == 0 { &mut *margin } else { &mut *dmargin };
            if let (Some(histogram), false) = (histograms.get_mut(i / 2), pool.is_empty()) {
                histogram.add_batch_with(pool, counting);
            }
            pool.clear();
        }
    }
}

/// Margins of consecutive practices of one group, pooled per policy and year
/// before they are counted into that group's histograms: one batch of
/// several practices' margins costs little more to count than one
/// practice's (a batch's cost is mostly the bins it spans, and the
/// practices of one state span much the same bins). Counts are integers and
/// extremes are order-free, so pooling changes no bit.
#[derive(Default)]
struct Pooled {
    /// The group the margins belong to.
    group: Option<usize>,
    /// `[policy * years + year]`.
    margins: Vec<Vec<f64>>,
}

/// A group's pooled margins are counted once a buffer would pass the
/// margins of this many practices' full chunks (against eight, the
/// US-hospital cohort on one thread took about 7% less time; on two the
/// same) ...
const POOLED_PRACTICES: usize = 32;

/// ... or the buffers would take more than about this many bytes (5
/// policies x 10 years x 32 practices: 13 MB), though always one practice.
const POOLED_BYTES: usize = 16 << 20;

/// The values a buffer of a plan with `cells` policy-years per practice
/// holds before it is counted.
fn pooled_values(cells: usize) -> usize {
    let chunk = CHUNK_PATHS as usize;
    let practices = (POOLED_BYTES / (cells.max(1) * chunk * 8)).clamp(1, POOLED_PRACTICES);
    practices * chunk
}

impl Pooled {
    /// Counts the pooled margins into their group's histograms
    /// (`[group][policy][year]` in `groups`) and empties the buffers.
    fn flush(
        &mut self,
        groups: &mut Option<&mut [Histogram]>,
        counting: &mut BatchScratch,
        add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
    ) {
        let group = self.group.take();
        let cells = self.margins.len();
        for (cell, margins) in self.margins.iter_mut().enumerate() {
            if let (Some(group), Some(groups), false) = (group, &mut *groups, margins.is_empty()) {
                if let Some(histogram) = groups.get_mut(group * cells + cell) {
                    add_batch(histogram, margins, counting);
                }
            }
            margins.clear();
        }
    }

    /// Makes room for `n` more margins of a practice in `group`, counting
    /// what is pooled first if it is another group's or the buffers are full.
    fn prepare(
        &mut self,
        group: usize,
        n: usize,
        cells: usize,
        groups: &mut Option<&mut [Histogram]>,
        counting: &mut BatchScratch,
        add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
    ) {
        let full = self.margins.first().is_some_and(|m| m.len() + n > pooled_values(cells));
        if self.group != Some(group) || full {
            self.flush(groups, counting, add_batch);
        }
        self.margins.resize_with(cells, Vec::new);
        self.group = Some(group);
    }
}

impl ChunkScratch {
    fn new(plan: &Plan, paths: usize) -> ChunkScratch {
        let groups = paths.div_ceil(LANES);
        let cells = plan.years * groups;
        ChunkScratch {
            macro_values: vec![[0.0; Driver::COUNT]; plan.years * groups * LANES],
            path_values: vec![[0.0; Driver::COUNT]; plan.years],
            normals: vec![[0.0; Driver::COUNT]; plan.years],
            macro_lanes: vec![[Lanes::default(); Driver::COUNT]; cells],
            lane_values: vec![[Lanes::default(); Driver::COUNT]; plan.years],
            lane_normals: vec![[Lanes::default(); Driver::COUNT]; plan.years],
            indices: vec![Indices::base(); plan.years],
            mei: vec![Lanes::default(); cells],
            basis: vec![YearBasis::default(); cells],
            states: Vec::with_capacity(groups),
            base: vec![[Lanes::default(); Base::COUNT]; cells],
            macro_noise: Vec::new(),
            shared: Vec::new(),
            own_lanes: vec![[Lanes::default(); Driver::COUNT]; plan.years],
            own_path: vec![[0.0; Driver::COUNT]; plan.years],
            margins: Vec::with_capacity(paths),
            dmargins: Vec::with_capacity(paths),
            counting: BatchScratch::default(),
            pooled: Pooled::default(),
            cell_pools: CellPools::new(if plan.cell_histograms { plan.layout().cells() } else { 0 }),
            group_paths: GroupPaths::new(plan),
        }
    }
}

/// The paths a call of the kernel evaluates, and what it needs to read.
struct Chunk<'a> {
    plan: &'a Plan,
    draws: Draws,
    /// Global index of the first path.
    first: u64,
    /// Number of paths (at most [`CHUNK_PATHS`]).
    n: usize,
    /// Reference values per cell and field ([`reference`]).
    reference: &'a [f64],
    /// [`Plan::duplicates`].
    duplicates: &'a [Option<usize>],
    /// Practices in the order they are evaluated ([`evaluation_order`]).
    order: &'a [usize],
    /// Which build of the kernel to run.
    kernel: Kernel,
}

/// Where a chunk's per-cell results go.
struct ChunkOut<'a> {
    /// `cells x field::COUNT` sums over the chunk's paths of each field minus
    /// `reference` (overwritten, not added to).
    partial: &'a mut [f64],
    /// Per-cell margin and margin-difference histograms, if wanted.
    histograms: Option<(&'a mut [Histogram], &'a mut [Histogram])>,
    /// Pooled margin histograms per group x policy x year, if grouping.
    groups: Option<&'a mut [Histogram]>,
    /// Per group x policy x year, [`GROUP_VALUES`] sums over the chunk's
    /// paths of the group's totals ([`GroupPaths`]; overwritten), if grouping.
    group_partial: Option<&'a mut [f64]>,
}

/// Evaluates MODEL.md §2 for every practice, policy and year of paths
/// `first..first + n` ([`evaluate_chunk_body`]), compiled for AVX when the
/// CPU has it and [`Kernel::Auto`] is chosen. Every operation is the same IEEE operation either way (Rust
/// never fuses a multiply and an add on its own), so the results are
/// bit-identical; AVX only holds four lanes in one register instead of two.
fn evaluate_chunk(chunk: &Chunk<'_>, out: &mut ChunkOut<'_>, scratch: &mut ChunkScratch) {
    #[cfg(target_arch = "x86_64")]
    if chunk.kernel == Kernel::Auto && std::is_x86_feature_detected!("avx") {
        // SAFETY: `evaluate_chunk_avx` only needs the AVX instructions its
        // `target_feature` names, and the CPU has just been found to have them.
        #[allow(unsafe_code)]
        unsafe {
            return evaluate_chunk_avx(chunk, out, scratch);
        }
    }
    evaluate_chunk_body(chunk, out, scratch, &Histogram::add_batch_with)
}

/// [`evaluate_chunk_body`] compiled with AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn evaluate_chunk_avx(chunk: &Chunk<'_>, out: &mut ChunkOut<'_>, scratch: &mut ChunkScratch) {
    // The closure has this function's AVX, so it may call the AVX build of
    // the histogram code without `unsafe`.
    let add_batch = |histogram: &mut Histogram, values: &[f64], counting: &mut BatchScratch| {
        histogram.add_batch_avx(values, counting)
    };
    evaluate_chunk_body(chunk, out, scratch, &add_batch)
}

/// Evaluates MODEL.md §2 for every practice, policy and year of paths
/// `first..first + n`: draws first, path by path in stream order, then each
/// cell across all paths, [`LANES`] paths at a time, with the cell's sums in
/// one accumulator per lane and its margins added to its histogram in one
/// batch. Path `first + j` always lands in lane `j % LANES`, and the lanes'
/// sums are added in a fixed tree, so a chunk's result depends on nothing
/// but the chunk.
///
/// In three phases: the paths' macro draws and shock normals
/// ([`draw_macro_drivers`], [`path_shock_normals`]); per practice, each
/// group's draws, indices and basis ([`draw_practice`]); then per policy
/// ([`evaluate_policy`]) and year, the cell ([`evaluate_cell`]).
///
/// `add_batch` counts a batch into a histogram (`Histogram::add_batch_with`,
/// or its AVX build from the AVX kernel).
#[inline(always)]
fn evaluate_chunk_body(
    chunk: &Chunk<'_>,
    out: &mut ChunkOut<'_>,
    scratch: &mut ChunkScratch,
    add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
) {
    let Chunk { plan, n, duplicates, order, .. } = *chunk;
    let policies = plan.policies.len();
    draw_macro_drivers(chunk, scratch);
    let (macro_noise, shared) = plan.path_shocks();
    path_shock_normals(chunk, macro_noise, rng::MACRO_NOISE_KEY, &mut scratch.macro_noise, &mut scratch.own_path);
    path_shock_normals(chunk, shared, rng::SHARED_KEY, &mut scratch.shared, &mut scratch.own_path);
    if let Some(partial) = &mut out.group_partial {
        partial.fill(0.0);
    }
    for &p in order {
        let practice = &plan.practices[p];
        let terms = practice.terms.map(Lanes::splat);
        draw_practice(chunk, p, &terms, scratch);
        let joins = join_group(chunk, p, out, scratch, add_batch);
        for &k in &plan.order {
            if let Some(j) = duplicates[p * policies + k] {
                copy_policy(plan, (p, k, j), n, out, joins.group_pool.then_some(&mut scratch.pooled));
                continue;
            }
            evaluate_policy(chunk, (p, k), &terms, joins, out, scratch, add_batch);
        }
    }
    scratch.pooled.flush(&mut out.groups, &mut scratch.counting, add_batch);
    scratch.group_paths.finish(plan, groups_of(n), &mut out.group_partial);
}

/// The groups of [`LANES`] paths in a chunk of `n` paths (the last may be partial).
#[inline(always)]
fn groups_of(n: usize) -> usize {
    n.div_ceil(LANES)
}

/// Every path's macro drivers, path by path in stream order, then again
/// with each group's paths side by side; made only if some practice reads
/// one (none does in the bundled national scenario, whose drivers are all
/// practice-scope).
#[inline(always)]
fn draw_macro_drivers(chunk: &Chunk<'_>, scratch: &mut ChunkScratch) {
    let Chunk { plan, draws, first, n, order, .. } = *chunk;
    let years = plan.years;
    let reads_macro = order.iter().any(|&p| inherited_slots(&plan.practices[p]).next().is_some());
    let macro_groups = if reads_macro { groups_of(n) } else { 0 };
    for (j, path_values) in scratch.macro_values.chunks_exact_mut(years).take(macro_groups * LANES).enumerate() {
        let path = first + j as u64;
        let mut rng = match draws_of(draws, j, n) {
            Draws::Random { seed } => Some(rng::stream(seed, path, rng::MACRO_KEY)),
            Draws::Means => None,
        };
        for values in path_values {
            match &mut rng {
                Some(rng) => plan.macro_sampler.draw(rng, values),
                None => plan.macro_sampler.fill_means(values),
            }
            plan.macro_sampler.clamp(values);
        }
    }
    for (g, group_values) in scratch.macro_lanes.chunks_exact_mut(years).take(macro_groups).enumerate() {
        for (t, lanes) in group_values.iter_mut().enumerate() {
            for (slot, value) in lanes.iter_mut().enumerate() {
                *value = Lanes(std::array::from_fn(|lane| scratch.macro_values[(g * LANES + lane) * years + t][slot]));
            }
        }
    }
}

/// Practice `p`'s draws, indices (shocked, if it has shocks) and the
/// policy-independent `model::basis` of every year, for each group of the
/// chunk's paths.
#[inline(always)]
fn draw_practice(chunk: &Chunk<'_>, p: usize, terms: &Terms<Lanes>, scratch: &mut ChunkScratch) {
    let Chunk { plan, draws, n, .. } = *chunk;
    let practice = &plan.practices[p];
    let (years, groups) = (plan.years, groups_of(n));
    // The drivers the practice does not draw itself: their values are the
    // path's macro draws (none in national.yaml, whose drivers are all
    // practice-scope).
    let mut inherited = [0; Driver::COUNT];
    let mut inherited_count = 0;
    for slot in inherited_slots(practice) {
        inherited[inherited_count] = slot;
        inherited_count += 1;
    }
    let inherited = &inherited[..inherited_count];
    for g in 0..groups {
        match draws {
            Draws::Random { seed } if (g + 1) * LANES <= n && practice.sampler.draws_lanes() => {
                draw_group_side_by_side(chunk, (p, g), seed, inherited, scratch)
            }
            _ => draw_group_by_path(chunk, p, g, scratch),
        }
        if let Some(shocks) = &practice.shocks {
            apply_shocks(chunk, shocks, g, scratch);
        }
        for (t, idx) in scratch.indices[..years].iter().enumerate() {
            scratch.basis[t * groups + g] = model::basis(terms, idx);
        }
    }
}

/// Practice `p`'s draws and indices for a full group `g` of random paths,
/// the four paths' draws side by side, each lane bit for bit what
/// [`draw_group_by_path`] gives it; the `inherited` driver slots are the
/// paths' macro draws.
#[inline(always)]
fn draw_group_side_by_side(
    chunk: &Chunk<'_>,
    (p, g): (usize, usize),
    seed: u64,
    inherited: &[usize],
    scratch: &mut ChunkScratch,
) {
    let Chunk { plan, first, n, .. } = *chunk;
    let practice = &plan.practices[p];
    let (years, groups) = (plan.years, groups_of(n));
    let paths = std::array::from_fn(|lane| first + (g * LANES + lane) as u64);
    let mut rng = rng::Streams::new(seed, paths, practice.stream_key);
    let values = &mut scratch.lane_values[..years];
    for (values, macro_values) in values.iter_mut().zip(&scratch.macro_lanes[g * years..(g + 1) * years]) {
        for &slot in inherited {
            values[slot] = macro_values[slot];
        }
    }
    practice.sampler.draw_years_lanes(&mut rng, values, &mut scratch.lane_normals);
    let mut idx = Indices::<Lanes>::base();
    for (t, (lanes, values)) in scratch.indices[..years].iter_mut().zip(values.iter()).enumerate() {
        idx = idx.advance(&economy(values));
        *lanes = idx;
        scratch.mei[t * groups + g] = values[Driver::Mei.index()];
    }
}

/// Where a practice's results go besides its cells' sums.
#[derive(Clone, Copy)]
struct Joins {
    /// Its margins join its group's pool ([`Pooled`]).
    group_pool: bool,
    /// Its cells' margins and differences go to the cells' pools ([`CellPools`]).
    cell_pools: bool,
    /// Its count-weighted flags and cumulative cut join its group's totals
    /// path by path ([`GroupPaths`]).
    group_totals: bool,
    /// The practice's count, on every lane (the weight in its group's totals).
    count: Lanes,
}

/// Readies practice `p`'s group pool and group totals: what another group
/// pooled or added up so far is counted or finished first.
#[inline(always)]
fn join_group(
    chunk: &Chunk<'_>,
    p: usize,
    out: &mut ChunkOut<'_>,
    scratch: &mut ChunkScratch,
    add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
) -> Joins {
    let Chunk { plan, n, .. } = *chunk;
    let practice = &plan.practices[p];
    let group_pool = match (out.groups.is_some(), practice.group) {
        (true, Some(group)) => {
            let cells = plan.policies.len() * plan.years;
            scratch.pooled.prepare(group, n, cells, &mut out.groups, &mut scratch.counting, add_batch);
            true
        }
        _ => false,
    };
    let group_totals = match (out.group_partial.is_some(), practice.group) {
        (true, Some(group)) => {
            if scratch.group_paths.group != Some(group) {
                scratch.group_paths.finish(plan, groups_of(n), &mut out.group_partial);
                scratch.group_paths.group = Some(group);
            }
            true
        }
        _ => false,
    };
    let cell_pools = out.histograms.is_some() && scratch.cell_pools.limit > 0;
    Joins { group_pool, cell_pools, group_totals, count: Lanes::splat(practice.count) }
}

/// Policy `k` for practice `p`, year after year from the opening state, on
/// every group of the chunk's paths.
#[inline(always)]
fn evaluate_policy(
    chunk: &Chunk<'_>,
    (p, k): (usize, usize),
    terms: &Terms<Lanes>,
    joins: Joins,
    out: &mut ChunkOut<'_>,
    scratch: &mut ChunkScratch,
    add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
) {
    let Chunk { plan, n, duplicates, .. } = *chunk;
    let policies = plan.policies.len();
    // This evaluation counts in the group totals of policy k and of the
    // policies that copy it for this practice.
    let targets = &mut scratch.group_paths.targets;
    targets.clear();
    if joins.group_totals {
        targets.push(k);
        targets.extend((0..policies).filter(|&other| duplicates[p * policies + other] == Some(k)));
    }
    scratch.states.clear();
    scratch.states.resize(groups_of(n), PolicyState::opening(terms));
    for t in 0..plan.years {
        evaluate_cell(chunk, (p, k, t), terms, joins, out, scratch, add_batch);
    }
}

/// One cell, practice `p` under policy `k` in year `t`, on every group of
/// the chunk's paths: `model::step` advances each group's state, each
/// field's deviation from the reference path is summed per lane into the
/// cell's partial sums, and the margins and paired differences are
/// appended to the cell's buffers and counted into its histograms.
#[inline(always)]
fn evaluate_cell(
    chunk: &Chunk<'_>,
    (p, k, t): (usize, usize, usize),
    terms: &Terms<Lanes>,
    joins: Joins,
    out: &mut ChunkOut<'_>,
    scratch: &mut ChunkScratch,
    add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
) {
    let Chunk { plan, n, reference, .. } = *chunk;
    let (policies, years, groups) = (plan.policies.len(), plan.years, groups_of(n));
    let cell = (p * policies + k) * years + t;
    let r: [f64; field::COUNT] =
        reference[cell * field::COUNT..(cell + 1) * field::COUNT].try_into().unwrap_or([0.0; field::COUNT]);
    let r = r.map(Lanes::splat);
    let levers = CellLevers::new(&plan.practices[p].levers[k * years + t]);
    let is_baseline = k == plan.baseline;
    let pool_slot = joins.group_pool.then_some(k * years + t);
    let (margin_buffer, dmargin_buffer) = cell_buffers(
        (&mut scratch.cell_pools, &mut scratch.pooled, &mut scratch.margins, &mut scratch.dmargins),
        cell,
        joins.cell_pools,
        pool_slot,
    );
    let (start, dstart) = (margin_buffer.len(), dmargin_buffer.len());
    margin_buffer.reserve(n);
    dmargin_buffer.reserve(if is_baseline { 0 } else { n });
    let mut s = [Lanes::default(); field::COUNT];
    for (g, state) in scratch.states.iter_mut().enumerate() {
        let i = t * groups + g;
        let o = model::step(terms, &scratch.basis[i], &levers.with_mei(scratch.mei[i]), state);
        let valid = (n - g * LANES).min(LANES);
        let mut c = deviations(&o, &r);
        append_valid(margin_buffer, &o.margin, valid);
        if is_baseline {
            scratch.base[i] = baseline_values(&o, &c);
        } else {
            let dmargin = add_paired_differences(&mut c, &o, &scratch.base[i], &r);
            append_valid(dmargin_buffer, &dmargin, valid);
        }
        if joins.group_totals {
            add_group_totals(&mut scratch.group_paths, (years, t, g), &c, &r, joins.count, valid);
        }
        if valid < LANES {
            c = c.map(|x| x.first(valid));
        }
        for (sum, x) in s.iter_mut().zip(c) {
            *sum += x;
        }
    }
    for (total, sum) in out.partial[cell * field::COUNT..(cell + 1) * field::COUNT].iter_mut().zip(s) {
        *total = sum.total();
    }
    if let Some((margin, dmargin)) = &mut out.histograms {
        if joins.cell_pools {
            count_pooled_cell(scratch, (cell, start), pool_slot, [&mut margin[cell], &mut dmargin[cell]], add_batch);
        } else {
            add_batch(&mut margin[cell], &margin_buffer[start..], &mut scratch.counting);
            add_batch(&mut dmargin[cell], &dmargin_buffer[dstart..], &mut scratch.counting);
        }
    }
}

/// A cell's levers on every lane, Medicare's update still in its linear
/// form in the MEI (`plan::YearLevers`).
#[derive(Clone, Copy)]
struct CellLevers {
    sequestration: Lanes,
    update_constant: Lanes,
    update_mei_weight: Lanes,
    add_on: Lanes,
    relief: Lanes,
}

impl CellLevers {
    #[inline(always)]
    fn new(l: &plan::YearLevers) -> CellLevers {
        CellLevers {
            sequestration: Lanes::splat(l.sequestration),
            update_constant: Lanes::splat(l.update_constant),
            update_mei_weight: Lanes::splat(l.update_mei_weight),
            add_on: Lanes::splat(l.add_on),
            relief: Lanes::splat(l.relief),
        }
    }

    /// The levers of a group whose MEI draws are `mei`, the update clamped
    /// as every growth rate is (MODEL.md §2).
    #[inline(always)]
    fn with_mei(&self, mei: Lanes) -> Levers<Lanes> {
        Levers {
            sequestration: self.sequestration,
            medicare_update: model::clamp_growth(self.update_constant + self.update_mei_weight * mei),
            add_on: self.add_on,
            relief: self.relief,
        }
    }
}

/// Counts a cell's pools into its margin and difference histograms once
/// they are full ([`CellPools::count_full`]), after copying the margins its
/// groups just appended (from `start`) to the end of the practice's group
/// pool (`pool_slot`) when it pools.
#[inline(always)]
fn count_pooled_cell(
    scratch: &mut ChunkScratch,
    (cell, start): (usize, usize),
    pool_slot: Option<usize>,
    histograms: [&mut Histogram; 2],
    add_batch: &impl Fn(&mut Histogram, &[f64], &mut BatchScratch),
) {
    if let Some(slot) = pool_slot {
        let margins = &scratch.cell_pools.pools[2 * cell][start..];
        scratch.pooled.margins[slot].extend_from_slice(margins);
    }
    scratch.cell_pools.count_full(cell, histograms, &mut scratch.counting, add_batch);
}

/// Where a cell's groups append their valid lanes' margins and paired
/// differences (none for the baseline): to the cell's pools when cell
/// histograms are pooled, else the margins to the end of the practice's
/// group pool (`pool_slot`, the policy and year) when it pools, else both
/// to the chunk's buffers, emptied first.
#[inline(always)]
fn cell_buffers<'s>(
    (cell_pools, pooled, margins, dmargins): (&'s mut CellPools, &'s mut Pooled, &'s mut Vec<f64>, &'s mut Vec<f64>),
    cell: usize,
    pool_cells: bool,
    pool_slot: Option<usize>,
) -> (&'s mut Vec<f64>, &'s mut Vec<f64>) {
    if pool_cells {
        return cell_pools.pair(cell);
    }
    dmargins.clear();
    let margin_buffer = match pool_slot {
        Some(slot) => &mut pooled.margins[slot],
        None => {
            margins.clear();
            margins
        }
    };
    (margin_buffer, dmargins)
}

/// A group's fields that need no baseline, each as its deviation from the
/// reference path `r` (flags as 0.0/1.0); the paired differences are added
/// by [`add_paired_differences`].
#[inline(always)]
fn deviations(o: &model::YearOutcome<Lanes>, r: &[Lanes; field::COUNT]) -> [Lanes; field::COUNT] {
    let zero = Lanes::default();
    let dm = o.margin - r[field::MARGIN];
    let mut c = [zero; field::COUNT];
    c[field::MARGIN] = dm;
    c[field::MARGIN_SQ] = dm * dm;
    c[field::REVENUE] = o.accounts.revenue - r[field::REVENUE];
    c[field::COSTS] = o.accounts.costs - r[field::COSTS];
    c[field::CUT] = o.accounts.cut - r[field::CUT];
    c[field::CUT_CUM] = o.cut_cum - r[field::CUT_CUM];
    c[field::CASH] = o.cash - r[field::CASH];
    c[field::DAYS] = o.days_cash - r[field::DAYS];
    c[field::CUTBACK] = o.cutback - r[field::CUTBACK];
    c[field::NEGATIVE] = o.margin.less_than(zero).ones();
    c[field::DISTRESS] = o.distress.ones();
    c[field::EXHAUSTED] = o.exhausted.ones();
    c
}

/// What the other policies' paired differences need from the baseline's
/// outcome on the same paths.
#[inline(always)]
fn baseline_values(o: &model::YearOutcome<Lanes>, c: &[Lanes; field::COUNT]) -> [Lanes; Base::COUNT] {
    let mut base = [Lanes::default(); Base::COUNT];
    base[Base::MARGIN] = o.margin;
    base[Base::CUT_CUM] = o.cut_cum;
    base[Base::CASH] = o.cash;
    base[Base::CUTBACK] = o.cutback;
    base[Base::NEGATIVE] = c[field::NEGATIVE];
    base[Base::DISTRESS] = c[field::DISTRESS];
    base[Base::EXHAUSTED] = c[field::EXHAUSTED];
    base
}

/// Adds a policy's paired differences from the baseline (`base`, the same
/// paths) to its fields `c`, each as its deviation from the reference
/// path's; returns the margin's difference, for the cell's histogram.
#[inline(always)]
fn add_paired_differences(
    c: &mut [Lanes; field::COUNT],
    o: &model::YearOutcome<Lanes>,
    base: &[Lanes; Base::COUNT],
    r: &[Lanes; field::COUNT],
) -> Lanes {
    let dmargin = o.margin - base[Base::MARGIN];
    let ddm = dmargin - r[field::DMARGIN];
    let dcut_cum = (o.cut_cum - base[Base::CUT_CUM]) - r[field::DCUT_CUM];
    let dnegative = c[field::NEGATIVE] - base[Base::NEGATIVE];
    let ddistress = c[field::DISTRESS] - base[Base::DISTRESS];
    let dexhausted = c[field::EXHAUSTED] - base[Base::EXHAUSTED];
    c[field::DMARGIN] = ddm;
    c[field::DMARGIN_SQ] = ddm * ddm;
    c[field::DCUT_CUM] = dcut_cum;
    c[field::DCUT_CUM_SQ] = dcut_cum * dcut_cum;
    c[field::DCASH] = (o.cash - base[Base::CASH]) - r[field::DCASH];
    c[field::DCUTBACK] = (o.cutback - base[Base::CUTBACK]) - r[field::DCUTBACK];
    c[field::DNEGATIVE_SQ] = dnegative * dnegative;
    c[field::DDISTRESS_SQ] = ddistress * ddistress;
    c[field::DEXHAUSTED_SQ] = dexhausted * dexhausted;
    dmargin
}

/// Adds a group's count-weighted deviations from the reference path (the
/// flags) and its cumulative cut to its practice group's totals, path by
/// path, for each policy it counts for ([`GroupPaths::targets`]): group `g`
/// of the chunk's paths in year `t` of `years`.
#[inline(always)]
fn add_group_totals(
    group_paths: &mut GroupPaths,
    (years, t, g): (usize, usize, usize),
    c: &[Lanes; field::COUNT],
    r: &[Lanes; field::COUNT],
    count: Lanes,
    valid: usize,
) {
    let mut totals = [Lanes::default(); group_metric::COUNT];
    totals[group_metric::NEGATIVE] = c[field::NEGATIVE] - r[field::NEGATIVE];
    totals[group_metric::DISTRESS] = c[field::DISTRESS] - r[field::DISTRESS];
    totals[group_metric::EXHAUSTED] = c[field::EXHAUSTED] - r[field::EXHAUSTED];
    totals[group_metric::CUT_CUM] = c[field::CUT_CUM];
    if valid < LANES {
        totals = totals.map(|x| x.first(valid));
    }
    for &target in &group_paths.targets {
        let row = &mut group_paths.totals[(target * years + t) * GROUP_ROW + g];
        for (total, x) in row.iter_mut().zip(totals) {
            *total += count * x;
        }
    }
}

/// Practice `p`'s draws and indices for group `g`, path by path (a
/// chunk's last, partial group, the mean path, or a sampler that does not
/// draw side by side); each lane is bit for bit what the side-by-side
/// branch gives it.
#[inline(always)]
fn draw_group_by_path(chunk: &Chunk<'_>, p: usize, g: usize, scratch: &mut ChunkScratch) {
    let Chunk { plan, draws, first, n, .. } = *chunk;
    let practice = &plan.practices[p];
    let (years, groups) = (plan.years, n.div_ceil(LANES));
    let indices = &mut scratch.indices[..years];
    for lane in 0..LANES {
        let j = g * LANES + lane;
        let path = first + j as u64;
        let mut rng = match draws_of(draws, j, n) {
            Draws::Random { seed } => Some(rng::stream(seed, path, practice.stream_key)),
            Draws::Means => None,
        };
        // All years are drawn before any is read back, so no read
        // waits on a store the sampler has only just made.
        let path_values = &mut scratch.path_values[..years];
        path_values.copy_from_slice(&scratch.macro_values[j * years..(j + 1) * years]);
        match &mut rng {
            Some(rng) => practice.sampler.draw_years(rng, path_values, &mut scratch.normals),
            None => path_values.iter_mut().for_each(|values| practice.sampler.fill_means(values)),
        }
        path_values.iter_mut().for_each(|values| practice.sampler.clamp(values));
        let mut idx = Indices::<f64>::base();
        for (t, (lanes, values)) in indices.iter_mut().zip(path_values.iter()).enumerate() {
            idx = idx.advance(&economy(values));
            lanes.set_lane(lane, &idx);
            scratch.mei[t * groups + g].0[lane] = values[Driver::Mei.index()];
        }
    }
}

/// Where path `j` of a chunk of `n` paths takes its draws: lanes past the
/// last path (a chunk's final group) run on the mean path and are dropped
/// before anything is summed or counted.
#[inline(always)]
fn draws_of(draws: Draws, j: usize, n: usize) -> Draws {
    if j < n {
        draws
    } else {
        Draws::Means
    }
}

/// Applies a practice's one-off and shared shocks (MODEL.md v1.3 §3) to
/// group `g`'s indices: the practice's own noise normals are drawn here,
/// the macro noise and shared normals were drawn once per group at the
/// chunk's start.
#[inline(always)]
fn apply_shocks(chunk: &Chunk<'_>, shocks: &shocks::PracticeShocks, g: usize, scratch: &mut ChunkScratch) {
    let years = chunk.plan.years;
    if shocks.own_noise() {
        group_shock_normals(chunk, g, shocks.noise_key, &mut scratch.own_lanes[..years], &mut scratch.own_path);
    }
    let range = g * years..(g + 1) * years;
    let macro_noise = scratch.macro_noise.get(range.clone()).unwrap_or(&[]);
    let shared = scratch.shared.get(range).unwrap_or(&[]);
    shocks.apply(&mut scratch.indices[..years], &scratch.own_lanes[..years], macro_noise, shared);
}

/// The normals of one of the path-level shock streams (`key`) for every
/// group of the chunk, `[group][year]`, or none when `wanted` is false.
fn path_shock_normals(
    chunk: &Chunk<'_>,
    wanted: bool,
    key: u64,
    rows: &mut Vec<shocks::Normals<Lanes>>,
    one_path: &mut [shocks::Normals<f64>],
) {
    let years = chunk.plan.years;
    rows.clear();
    if !wanted {
        return;
    }
    rows.resize(chunk.n.div_ceil(LANES) * years, [Lanes::default(); Driver::COUNT]);
    for (g, group) in rows.chunks_exact_mut(years).enumerate() {
        group_shock_normals(chunk, g, key, group, one_path);
    }
}

/// Group `g`'s normals of the shock stream `key`, `[year]`: side by side
/// for a full group of random paths, else path by path (each lane the same
/// bits either way; the mean path's are zero).
#[inline(always)]
fn group_shock_normals(
    chunk: &Chunk<'_>,
    g: usize,
    key: u64,
    out: &mut [shocks::Normals<Lanes>],
    one_path: &mut [shocks::Normals<f64>],
) {
    let Chunk { draws, first, n, .. } = *chunk;
    match draws {
        Draws::Random { seed } if (g + 1) * LANES <= n => {
            let paths = std::array::from_fn(|lane| first + (g * LANES + lane) as u64);
            shocks::group_normals(seed, paths, key, out);
        }
        _ => {
            for lane in 0..LANES {
                let j = g * LANES + lane;
                let seed = match draws_of(draws, j, n) {
                    Draws::Random { seed } => Some(seed),
                    Draws::Means => None,
                };
                shocks::path_normals(seed, first + j as u64, key, one_path);
                for (year, row) in out.iter_mut().zip(one_path.iter()) {
                    for (value, z) in year.iter_mut().zip(row) {
                        value.0[lane] = *z;
                    }
                }
            }
        }
    }
}

/// Policy `k` of practice `p` duplicates policy `j` (already evaluated in this
/// chunk): its cells get `j`'s sums, and its pooled group margins `j`'s
/// (the last `n` of `j`'s pool). Its cell histograms are copied once at the
/// end of the run (`Accumulator::copy_duplicate_histograms`): the same for
/// every chunk.
#[inline(always)]
fn copy_policy(
    plan: &Plan,
    (p, k, j): (usize, usize, usize),
    n: usize,
    out: &mut ChunkOut<'_>,
    pooled: Option<&mut Pooled>,
) {
    let (policies, years) = (plan.policies.len(), plan.years);
    for t in 0..years {
        let (cell, source) = ((p * policies + k) * years + t, (p * policies + j) * years + t);
        out.partial.copy_within(source * field::COUNT..(source + 1) * field::COUNT, cell * field::COUNT);
    }
    if let Some(pooled) = pooled {
        for t in 0..years {
            let (to, from) = (k * years + t, j * years + t);
            let (low, high) = pooled.margins.split_at_mut(to.max(from));
            let (target, source) = if to > from { (&mut high[0], &low[from]) } else { (&mut low[to], &high[0]) };
            target.extend_from_slice(&source[source.len() - n..]);
        }
    }
}

/// The driver slots a practice does not draw itself: their values are the
/// path's macro draws.
fn inherited_slots(practice: &PracticePlan) -> impl Iterator<Item = usize> + '_ {
    Driver::ALL.into_iter().filter(|d| !practice.sampler.has(*d)).map(Driver::index)
}

/// Appends the first `valid` lanes of `lanes` (a group's paths that exist).
#[inline(always)]
fn append_valid(buffer: &mut Vec<f64>, lanes: &Lanes, valid: usize) {
    if valid == LANES {
        buffer.extend_from_slice(&lanes.0);
    } else {
        buffer.extend_from_slice(&lanes.0[..valid]);
    }
}

/// The order practices are evaluated in: by group, so that consecutive
/// practices pool their margins into the same group histograms ([`Pooled`]),
/// scenario order within a group and without grouping. Each practice's
/// draws are its own and every sum and count is exact, so the order changes
/// no bit.
fn evaluation_order(plan: &Plan) -> Vec<usize> {
    let mut order: Vec<usize> = (0..plan.practices.len()).collect();
    order.sort_by_key(|&p| plan.practices[p].group);
    order
}

/// Reference values per cell and field: the mean-driver path. Sums in the
/// accumulator are deviations from these.
pub(crate) fn reference(plan: &Plan) -> Vec<f64> {
    one_path(plan, Draws::Means, 0)
}

/// Every field of every cell on one path (sums over a single path with a zero reference).
fn one_path(plan: &Plan, draws: Draws, path: u64) -> Vec<f64> {
    let zeros = vec![0.0; plan.layout().cells() * field::COUNT];
    let mut values = zeros.clone();
    let mut out = ChunkOut { partial: &mut values, histograms: None, groups: None, group_partial: None };
    let duplicates = plan.duplicates();
    // An invalid SEQSIM_KERNEL fails `simulate`; here the default stands in.
    let kernel = Kernel::from_environment().unwrap_or(Kernel::Auto);
    let order = evaluation_order(plan);
    let chunk =
        Chunk { plan, draws, first: path, n: 1, reference: &zeros, duplicates: &duplicates, order: &order, kernel };
    evaluate_chunk(&chunk, &mut out, &mut ChunkScratch::new(plan, 1));
    values
}

/// What one worker carries between chunks.
struct Worker {
    acc: Accumulator,
    partial: Vec<f64>,
    /// The chunk's group sums (empty without groups).
    group_partial: Vec<f64>,
    scratch: ChunkScratch,
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
    let kernel = Kernel::from_environment()?;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let layout = plan.layout();
    let reference = reference(plan);
    let duplicates = plan.duplicates();
    let order = evaluation_order(plan);
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
        group_partial: vec![0.0; layout.group_cells() * GROUP_VALUES],
        scratch: ChunkScratch::new(plan, chunk_paths),
    };
    // rayon splits the chunk range adaptively, and each split starts a
    // worker with its own accumulator. That is fastest (measured with the
    // scalar kernel: 63 M evaluations/s on two cores, against 47-53 M with
    // one worker per thread), but several accumulators can be alive at once. When an
    // accumulator is large (cohorts of thousands of facilities), splits are
    // capped at about one per thread so memory stays threads x accumulator.
    // Every total is an exact integer sum, so which worker ran which chunk
    // cannot change a bit either way.
    let large = layout.cells() * field::COUNT > LARGE_ACCUMULATOR_SUMS;
    let per_thread = if large { ((end_chunk - first_chunk) / threads.max(1) as u64).max(1) as usize } else { 1 };
    let result = pool.install(|| {
        (first_chunk as usize..end_chunk as usize)
            .into_par_iter()
            .with_min_len(per_thread)
            .fold(new_worker, |mut worker, chunk| {
                let chunk = chunk as u64;
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return worker;
                }
                let start = (chunk * CHUNK_PATHS).max(paths.start);
                let end = ((chunk + 1) * CHUNK_PATHS).min(paths.end);
                let Worker { acc, partial, group_partial, scratch } = &mut worker;
                let Accumulator { margin, dmargin, groups, layout, .. } = acc;
                let histograms = layout.cell_histograms.then_some((margin.as_mut_slice(), dmargin.as_mut_slice()));
                let groups = (!groups.is_empty()).then_some(groups.as_mut_slice());
                let group_partial = (!group_partial.is_empty()).then_some(group_partial.as_mut_slice());
                let mut out = ChunkOut { partial, histograms, groups, group_partial };
                let chunk = Chunk {
                    plan,
                    draws: Draws::Random { seed },
                    first: start,
                    n: (end - start) as usize,
                    reference: &reference,
                    duplicates: &duplicates,
                    order: &order,
                    kernel,
                };
                evaluate_chunk(&chunk, &mut out, scratch);
                worker.acc.absorb_chunk(&worker.partial, &worker.group_partial, end - start);
                if !progress(end - start) {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                worker
            })
            .map(|worker| {
                let Worker { mut acc, mut scratch, .. } = worker;
                scratch.cell_pools.flush(&mut acc.margin, &mut acc.dmargin, &mut scratch.counting);
                acc
            })
            // Workers' accumulators are merged into one another, not into a
            // fresh one: an empty accumulator would take a full copy of the
            // first one's histograms (a cohort's are hundreds of MB).
            .reduce_with(|mut a, b| {
                a.merge(&b);
                a
            })
    });
    if stop.into_inner() {
        return Err(EngineError::Interrupted);
    }
    let mut result = result.unwrap_or_else(|| Accumulator::new(layout));
    result.copy_duplicate_histograms(plan.baseline, &duplicates);
    Ok(result)
}

/// A generous estimate of the bytes a run of `plan` needs on `threads`
/// threads: per-worker accumulators, histograms and chunk buffers, plus the
/// summary rows and the tables built from them. It does not depend on paths.
pub fn memory_estimate(plan: &Plan, threads: usize) -> u64 {
    let layout = plan.layout();
    let cells = layout.cells() as u64;
    // Sums (i128) and chunk partials (f64) per field and, when kept, two
    // histograms of typically a few thousand 4-byte bins; pooled group histograms.
    let histograms = if layout.cell_histograms { 2 * 16 * 1024 } else { 2 * 56 };
    let per_cell_worker = field::COUNT as u64 * (16 + 8) + histograms;
    // Pooled group histograms, and the group sums (i128) with their chunk partials (f64).
    let group_histograms = layout.group_cells() as u64 * (16 * 1024 + GROUP_VALUES as u64 * (16 + 8));
    let chunk = plan.years as u64 * CHUNK_PATHS * (8 * 8 + 7 * 8 + 8 + 8 + 8 * 16 + 24);
    // Pooled group margins, pooled cell margins and the counting table.
    let per_practice = layout.policies * layout.years;
    let pooled = if layout.groups > 0 { (per_practice * pooled_values(per_practice)) as u64 * 8 } else { 0 };
    let cell_pools =
        if layout.cell_histograms { CellPools::new(layout.cells()).limit as u64 * cells * 2 * 8 } else { 0 };
    // A group's totals path by path: four per policy, year and path.
    let group_paths = if layout.groups > 0 { (per_practice * group_metric::COUNT) as u64 * CHUNK_PATHS * 8 } else { 0 };
    let chunk = chunk + pooled + cell_pools + group_paths + 4 * accum::TABLE_BINS as u64;
    let workers = threads.max(1) as u64 + 1;
    // Summary, compare and national rows, then their frames in three formats.
    let output = cells * (2 * 400 + 3 * 30 * 8);
    workers * (cells * per_cell_worker + group_histograms + chunk) + output + (64 << 20)
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

/// Standard normals for another analysis's common random numbers (the
/// calibration of the dynamics): `out` filled from the stream of (`seed`,
/// `path`, FNV-1a of `key`), with the engine's own generator and sampler.
pub fn standard_normals(seed: u64, path: u64, key: &str, out: &mut [f64]) {
    let mut rng = rng::stream(seed, path, rng::practice_key(key));
    for value in out {
        *value = samplers::standard_normal(&mut rng);
    }
}

/// The margin of every cell on one path, in cell order: the engine's
/// per-path output, for checking MODEL.md §3's reproducibility rules.
pub fn path_margins(plan: &Plan, seed: u64, path: u64) -> Vec<f64> {
    one_path(plan, Draws::Random { seed }, path).chunks(field::COUNT).map(|f| f[field::MARGIN]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine's own golden hashes (issue 18): for each `engine` line of
    /// `tests/golden/hashes.txt`, the SHA-256 of the `{:?}` text of the run's
    /// [`summary::Summary`] (`{:?}` prints every `f64` in the shortest form
    /// that reads back to the same bits). It needs neither polars nor the
    /// binary, so `.ci/golden-variants.sh` runs it from a library built with
    /// `-C target-cpu=native`, which is cheap to compile. Each hash is
    /// printed as its hashes.txt line (`--update` collects them).
    #[test]
    fn golden_runs_have_their_committed_engine_hash() {
        use sha2::{Digest, Sha256};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let hashes = std::fs::read_to_string(root.join("tests/golden/hashes.txt")).unwrap();
        let mut checked = 0;
        let mut differing = Vec::new();
        for line in hashes.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [scenario, seed, paths, "engine", want] = fields[..] else { continue };
            let loaded = crate::scenario::load(&root.join(scenario)).unwrap();
            let plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
            let acc = simulate(&plan, seed.parse().unwrap(), 0..paths.parse().unwrap(), 2, &|_| true).unwrap();
            let text = format!("{:?}", summary::summarize(&plan, &acc));
            let got: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            eprintln!("golden-engine: {scenario} {seed} {paths} engine {got}");
            if got != want {
                differing.push(format!("  {scenario} {seed} {paths} engine {got} (committed {want})"));
            }
            checked += 1;
        }
        assert!(checked >= 2, "tests/golden/hashes.txt has engine lines");
        assert!(
            differing.is_empty(),
            "the engine's results differ from tests/golden/hashes.txt:\n{}\nIf the change is deliberate, \
             regenerate with `.ci/golden-variants.sh --update SEQSIM` and say in the commit message why the bits changed.",
            differing.join("\n")
        );
    }

    /// The AVX build of the kernel and the baseline build give the same bits:
    /// partial sums and histograms of a chunk that ends in a partial group.
    #[test]
    fn copying_duplicate_policies_changes_no_bit() {
        // national.yaml: for the hospitals mei_update equals current_law and
        // rural_exemption equals repeal_2027 (or current_law), so some
        // evaluations are copies; the accumulator must be the same bytes as
        // when every evaluation is computed.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.yaml");
        let loaded = crate::scenario::load(&path).unwrap();
        let mut plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
        // Grouped by kind, so the group totals' copies are checked too.
        assert!(plan.group_by(&["kind".to_string()]).is_empty());
        let copies = plan.duplicates().iter().filter(|d| d.is_some()).count();
        // 8 practices x 5 policies: mei_update is a copy for the 5 hospital
        // archetypes, rural_exemption for all 8 (of repeal_2027 for the rural
        // kinds, of current_law for the others) = 13.
        assert_eq!(copies, 13);
        let proceed = |_: u64| true;
        let copied = simulate(&plan, 11, 1000..3500, 2, &proceed).unwrap();
        plan.skip_duplicates = false;
        assert!(plan.duplicates().iter().all(Option::is_none));
        let computed = simulate(&plan, 11, 1000..3500, 2, &proceed).unwrap();
        assert!(copied.encode() == computed.encode());
    }

    /// Pooled group histograms (practices evaluated group by group, several
    /// practices' margins counted in one batch, copies taken from the pool,
    /// pools counted when full) and pooled cell histograms (several chunks
    /// counted in one batch) count exactly what each practice's own cell
    /// histograms count, chunk by chunk.
    #[test]
    fn pooled_group_histograms_are_the_merged_cell_histograms() {
        // 100 practices: 34 in group 0, more than a group pool holds; too
        // many cells to pool cell histograms. 20 practices: cell
        // histograms pooled two chunks at a time, as well.
        check_pooled_groups(100, 1100, false);
        check_pooled_groups(20, 2500, true);
    }

    /// [`pooled_group_histograms_are_the_merged_cell_histograms`] for
    /// national's 8 archetypes repeated to `practices` (each copy with its
    /// own draws) in three groups that interleave (practice p in group p % 3).
    fn check_pooled_groups(practices: usize, paths: u64, cells_pooled: bool) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.yaml");
        let loaded = crate::scenario::load(&path).unwrap();
        let mut plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
        let archetypes = plan.practices.clone();
        plan.practices = (0..practices)
            .map(|p| {
                let mut practice = archetypes[p % archetypes.len()].clone();
                practice.stream_key = practice.stream_key.wrapping_add(p as u64);
                practice.group = Some(p % 3);
                practice
            })
            .collect();
        plan.groups = vec![vec!["a".to_string()], vec!["b".to_string()], vec!["c".to_string()]];
        assert!(plan.duplicates().iter().any(Option::is_some));
        assert_eq!(evaluation_order(&plan)[..3], [0, 3, 6]);
        plan.cell_histograms = true;
        assert_eq!(CellPools::new(plan.layout().cells()).limit > 0, cells_pooled);
        let acc = simulate(&plan, 5, 0..paths, 2, &|_| true).unwrap();
        // Every cell histogram counts what its margins path by path count.
        let cells = plan.policies.len() * plan.years;
        let mut by_path = vec![Histogram::default(); practices * cells];
        for path in 0..paths {
            for (histogram, margin) in by_path.iter_mut().zip(path_margins(&plan, 5, path)) {
                histogram.add(margin);
            }
        }
        assert!(acc.margin == by_path);
        for group in 0..3 {
            for cell in 0..cells {
                let mut merged = Histogram::default();
                for p in (group..practices).step_by(3) {
                    merged.merge(&acc.margin[p * cells + cell]);
                }
                let members = (group..practices).step_by(3).count() as u64;
                assert_eq!(merged.total(), members * paths);
                assert_eq!(acc.groups[group * cells + cell], merged);
            }
        }
    }

    /// With MODEL.md v1.3's shocks and cost responses (tests/golden/dynamics.yaml),
    /// full groups of paths (every stream side by side) give each path
    /// exactly the margins the path-by-path branch gives it.
    #[test]
    fn shocked_paths_side_by_side_are_the_paths_one_by_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/dynamics.yaml");
        let loaded = crate::scenario::load(&path).unwrap();
        let mut plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
        plan.cell_histograms = true;
        assert!(plan.practices.iter().all(|p| p.shocks.is_some()));
        assert_eq!(plan.path_shocks(), (true, true));
        let paths = 1030;
        let acc = simulate(&plan, 11, 0..paths, 2, &|_| true).unwrap();
        let mut by_path = vec![Histogram::default(); plan.layout().cells()];
        for path in 0..paths {
            for (histogram, margin) in by_path.iter_mut().zip(path_margins(&plan, 11, path)) {
                histogram.add(margin);
            }
        }
        assert!(acc.margin == by_path);
    }

    /// The standard error of a mean from a two-pass computation over the
    /// values (mean, then squared deviations), to check the engine's from
    /// its sums against.
    fn two_pass_se(values: &[f64]) -> f64 {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        (variance / n).sqrt()
    }

    /// Asserts `engine` is `direct` within `tolerance` of it (relative; so
    /// exactly zero when `direct` is).
    #[track_caller]
    fn assert_close(engine: Option<f64>, direct: f64, tolerance: f64, what: &str) {
        let engine = engine.unwrap();
        assert!((engine - direct).abs() <= tolerance * direct.abs(), "{what}: engine {engine}, path by path {direct}");
    }

    /// National's archetypes grouped by kind on 1,030 paths (a chunk and a
    /// partial one), every path evaluated again on its own ([`one_path`]):
    /// the compare rows' paired standard errors and the group rows'
    /// standard errors, from the engine's sums, are those computed path by
    /// path; and two shards of the run, on one and two threads, merge into
    /// the single run's state.
    #[test]
    fn paired_and_group_standard_errors_are_those_of_the_paths_one_by_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.yaml");
        let loaded = crate::scenario::load(&path).unwrap();
        let mut plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
        assert!(plan.group_by(&["kind".to_string()]).is_empty());
        let (seed, paths) = (13, 1030);
        let acc = simulate(&plan, seed, 0..paths, 2, &|_| true).unwrap();
        let mut merged = simulate(&plan, seed, 0..1024, 1, &|_| true).unwrap();
        merged.merge(&simulate(&plan, seed, 1024..paths, 2, &|_| true).unwrap());
        assert!(merged.encode() == acc.encode());
        assert!(Accumulator::decode(&acc.encode()).unwrap() == acc);

        let tables = summary::summarize(&plan, &acc);
        let group_rows = summary::groups(&plan, &acc, &tables.summary);
        let values: Vec<Vec<f64>> = (0..paths).map(|path| one_path(&plan, Draws::Random { seed }, path)).collect();
        let layout = plan.layout();
        let value = |path: usize, cell: usize, f: usize| values[path][cell * field::COUNT + f];
        let flags = [field::NEGATIVE, field::DISTRESS, field::EXHAUSTED];
        // Per facility: the paired differences of the flags and of the cumulative cut.
        let mut compare = tables.compare.iter();
        let mut moved = 0;
        for p in 0..layout.practices {
            for k in (0..layout.policies).filter(|&k| k != plan.baseline) {
                for t in 0..layout.years {
                    let (cell, base) = (layout.cell(p, k, t), layout.cell(p, plan.baseline, t));
                    let row = compare.next().unwrap();
                    let paired = |f: usize| -> Vec<f64> {
                        (0..paths as usize).map(|j| value(j, cell, f) - value(j, base, f)).collect()
                    };
                    let [negative, distress, exhausted] = flags.map(paired);
                    let mean = |d: &[f64]| d.iter().sum::<f64>() / paths as f64;
                    assert_eq!(row.dp_negative, mean(&negative));
                    assert_eq!(row.dp_distress, mean(&distress));
                    assert_close(row.dp_negative_se, two_pass_se(&negative), 1e-12, "dp_negative_se");
                    assert_close(row.dp_distress_se, two_pass_se(&distress), 1e-12, "dp_distress_se");
                    assert_close(row.dp_exhausted_se, two_pass_se(&exhausted), 1e-12, "dp_exhausted_se");
                    let dcut: Vec<f64> = (0..paths as usize).map(|j| value(j, cell, field::DCUT_CUM)).collect();
                    assert_close(row.dcut_cum_se, two_pass_se(&dcut), 1e-9, "dcut_cum_se");
                    moved += usize::from(row.dp_negative_se.unwrap() > 0.0);
                }
            }
        }
        assert!(moved > 10, "only {moved} cells whose share in the red the policies move");
        // Per group: count-weighted totals path by path, levels and paired differences.
        let fields = [field::NEGATIVE, field::DISTRESS, field::EXHAUSTED, field::CUT_CUM];
        let total = |j: usize, g: usize, k: usize, t: usize, f: usize| -> f64 {
            (0..layout.practices)
                .filter(|&p| plan.practices[p].group == Some(g))
                .map(|p| plan.practices[p].count * value(j, layout.cell(p, k, t), f))
                .sum()
        };
        let mut spread = 0;
        for row in &group_rows {
            let g = plan.groups.iter().position(|key| *key == row.key).unwrap();
            let k = plan.policies.iter().position(|policy| policy.name == row.policy).unwrap();
            let t = (row.year - plan.start_year) as usize;
            let [negative, distress, exhausted, cut_cum] =
                fields.map(|f| (0..paths as usize).map(|j| total(j, g, k, t, f)).collect::<Vec<f64>>());
            assert_close(row.n_negative_se, two_pass_se(&negative), 1e-9, "n_negative_se");
            assert_close(row.n_distress_se, two_pass_se(&distress), 1e-9, "n_distress_se");
            assert_close(row.n_exhausted_se, two_pass_se(&exhausted), 1e-9, "n_exhausted_se");
            assert_close(row.cut_cum_total_se, two_pass_se(&cut_cum), 1e-9, "cut_cum_total_se");
            spread += usize::from(row.n_negative_se.unwrap() > 0.0);
            if k == plan.baseline {
                assert_eq!((row.dn_negative, row.dn_negative_se, row.dcut_cum_total_se), (None, None, None));
                continue;
            }
            let paired = |f: usize| -> Vec<f64> {
                (0..paths as usize).map(|j| total(j, g, k, t, f) - total(j, g, plan.baseline, t, f)).collect()
            };
            let [negative, distress, exhausted, cut_cum] = fields.map(paired);
            assert_close(row.dn_negative_se, two_pass_se(&negative), 1e-9, "dn_negative_se");
            assert_close(row.dn_distress_se, two_pass_se(&distress), 1e-9, "dn_distress_se");
            assert_close(row.dn_exhausted_se, two_pass_se(&exhausted), 1e-9, "dn_exhausted_se");
            assert_close(row.dcut_cum_total_se, two_pass_se(&cut_cum), 1e-9, "dcut_cum_total_se");
        }
        assert!(spread > 10, "only {spread} group cells whose count in the red varies");
    }

    /// Each of national's archetypes twinned (the same stream key, so the
    /// same draws on every path) with counts of one, each pair a group: a
    /// group's total is twice its facility's on every path, so its standard
    /// errors are twice the facility's. Level: P(margin < 0) = p of n paths
    /// has sample variance n p (1 - p) / (n - 1) per path, so the pair's
    /// count has standard error 2 sqrt(p (1 - p) / (n - 1)).
    #[test]
    fn a_group_of_two_facilities_on_the_same_draws_has_twice_the_standard_error_of_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.yaml");
        let loaded = crate::scenario::load(&path).unwrap();
        let mut plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
        let archetypes = std::mem::take(&mut plan.practices);
        for (g, archetype) in archetypes.into_iter().enumerate() {
            let mut one = archetype;
            one.count = 1.0;
            one.group = Some(g);
            let mut twin = one.clone();
            twin.id = format!("{}_twin", one.id);
            plan.groups.push(vec![one.id.clone()]);
            plan.practices.extend([one, twin]);
        }
        let paths = 2100;
        let n = paths as f64;
        let acc = simulate(&plan, 29, 0..paths, 2, &|_| true).unwrap();
        let tables = summary::summarize(&plan, &acc);
        let group_rows = summary::groups(&plan, &acc, &tables.summary);
        let mut moved = 0;
        for row in &group_rows {
            let one =
                |r: &&summary::SummaryRow| r.practice == row.key[0] && r.policy == row.policy && r.year == row.year;
            let facility = tables.summary.iter().find(one).unwrap();
            let p = facility.p_negative;
            assert_close(row.n_negative_se, 2.0 * (p * (1.0 - p) / (n - 1.0)).sqrt(), 1e-12, "n_negative_se");
            let versus = tables
                .compare
                .iter()
                .find(|c| c.practice == row.key[0] && c.policy == row.policy && c.year == row.year);
            let Some(c) = versus else {
                assert_eq!(row.dn_exhausted_se, None);
                continue;
            };
            let twice = |se: Option<f64>| 2.0 * se.unwrap();
            assert_close(row.dn_negative_se, twice(c.dp_negative_se), 1e-12, "dn_negative_se");
            assert_close(row.dn_distress_se, twice(c.dp_distress_se), 1e-12, "dn_distress_se");
            assert_close(row.dn_exhausted_se, twice(c.dp_exhausted_se), 1e-12, "dn_exhausted_se");
            assert_close(row.dcut_cum_total_se, twice(c.dcut_cum_se), 1e-9, "dcut_cum_total_se");
            assert_close(row.dn_negative, 2.0 * c.dp_negative, 1e-12, "dn_negative");
            assert_close(row.dcut_cum_total, 2.0 * c.dcut_cum_mean, 1e-9, "dcut_cum_total");
            moved += usize::from(c.dp_negative_se.unwrap() > 0.0);
        }
        assert!(moved > 10, "only {moved} cells whose share in the red the policies move");
    }

    #[test]
    fn the_kernel_setting_is_auto_baseline_or_an_error() {
        assert_eq!(Kernel::from_setting(None).unwrap(), Kernel::Auto);
        assert_eq!(Kernel::from_setting(Some("auto")).unwrap(), Kernel::Auto);
        assert_eq!(Kernel::from_setting(Some("")).unwrap(), Kernel::Auto);
        assert_eq!(Kernel::from_setting(Some("baseline")).unwrap(), Kernel::Baseline);
        let err = Kernel::from_setting(Some("avx")).unwrap_err().to_string();
        assert_eq!(err, "SEQSIM_KERNEL=\"avx\": expected `auto` or `baseline`");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx_and_baseline_kernels_agree_bit_for_bit() {
        if !std::is_x86_feature_detected!("avx") {
            // CI sets SEQSIM_REQUIRE_AVX=1 where the CPU has AVX: there a
            // skip would be a test that did not run, so it fails instead.
            assert!(
                std::env::var_os("SEQSIM_REQUIRE_AVX").is_none(),
                "SEQSIM_REQUIRE_AVX is set but this CPU has no AVX: the AVX kernel cannot be compared"
            );
            eprintln!("skipped: no AVX on this CPU, only the baseline kernel runs here (SEQSIM_REQUIRE_AVX=1 makes this an error)");
            return;
        }
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.yaml");
        let loaded = crate::scenario::load(&path).unwrap();
        let mut plan = Plan::compile(&loaded.scenario, &crate::policy::resolve(&loaded.scenario)).unwrap();
        // Grouped by kind: pooled group histograms and group totals too.
        assert!(plan.group_by(&["kind".to_string()]).is_empty());
        let reference = reference(&plan);
        let layout = plan.layout();
        let run = |kernel: Kernel| {
            let mut acc = Accumulator::new(layout);
            let mut partials = Vec::new();
            let mut scratch = ChunkScratch::new(&plan, CHUNK_PATHS as usize);
            // Five chunks, so cell pools fill and are counted by the
            // kernel's build of the histogram code; the last has 1,023
            // paths: its last group of four has three.
            for c in 0..5 {
                let mut partial = vec![0.0; layout.cells() * field::COUNT];
                let mut group_partial = vec![0.0; layout.group_cells() * GROUP_VALUES];
                let Accumulator { margin, dmargin, groups, .. } = &mut acc;
                let mut out = ChunkOut {
                    partial: &mut partial,
                    histograms: Some((margin.as_mut_slice(), dmargin.as_mut_slice())),
                    groups: Some(groups.as_mut_slice()),
                    group_partial: Some(&mut group_partial),
                };
                let chunk = Chunk {
                    plan: &plan,
                    draws: Draws::Random { seed: 7 },
                    first: 2048 + c * CHUNK_PATHS,
                    n: if c == 4 { 1023 } else { CHUNK_PATHS as usize },
                    reference: &reference,
                    // Every evaluation computed: this compares the two kernel builds.
                    duplicates: &vec![None; plan.practices.len() * plan.policies.len()],
                    order: &evaluation_order(&plan),
                    kernel,
                };
                evaluate_chunk(&chunk, &mut out, &mut scratch);
                partials.extend(partial);
                partials.extend(group_partial);
            }
            scratch.cell_pools.flush(&mut acc.margin, &mut acc.dmargin, &mut scratch.counting);
            (partials, acc)
        };
        let (baseline_sums, baseline_acc) = run(Kernel::Baseline);
        let (avx_sums, avx_acc) = run(Kernel::Auto);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&avx_sums), bits(&baseline_sums));
        assert_eq!(avx_acc, baseline_acc);
        // 4 x 1,024 + 1,023 paths.
        assert!(baseline_acc.margin.iter().all(|h| h.total() == 5119));
    }
}
