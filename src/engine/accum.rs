//! Streaming, mergeable accumulators for MODEL.md §5.
//!
//! Memory does not grow with paths. Every total is an integer: each chunk's
//! `f64` partial sums (over a fixed, thread-independent range of paths) are
//! quantised to fixed point and added as `i128`, and histograms count in
//! integers. Integer addition is exact and order-free, so results are
//! bit-identical whatever the thread count, and shards run on different
//! machines merge into exactly the single-run state.
//!
//! Sums are of deviations from a reference value per cell (the path with
//! every driver at its mean), so a run whose drivers are all fixed has
//! deviations of exactly zero: means equal the reference and standard errors
//! are exactly zero.
//!
//! Percentiles (MODEL.md §5: type 7, within 0.05 percentage points of the
//! exact value at any magnitude, in order) come from a [`Histogram`] per
//! cell: bins `2^-12` wide (0.024 points) everywhere, kept in pages of 1,024
//! bins of which only occupied ones exist, each a list of its occupied bins
//! or, once more than 128 are, a full array. Memory is bounded by the
//! spread of the values (4 KiB per quarter unit of occupied range at most,
//! and about 32 bytes per occupied bin), not by the number of paths.
//! Margins within +/-16 get exactly the bins and arithmetic of the earlier
//! fixed-range histogram, so their percentiles are unchanged; beyond +/-16
//! nothing is clamped any more. Values beyond about +/-2.7e11, infinities
//! and NaN share two end bins, where a percentile that cannot be resolved
//! is NaN rather than a wrong number.

use std::collections::BTreeMap;

/// Paths per chunk. Chunks are global path ranges `[c * 1024, (c + 1) * 1024)`.
pub const CHUNK_PATHS: u64 = 1024;

/// Quantities summed per cell (practice x policy x year).
pub(crate) mod field {
    pub const MARGIN: usize = 0;
    pub const MARGIN_SQ: usize = 1;
    pub const REVENUE: usize = 2;
    pub const COSTS: usize = 3;
    pub const CUT: usize = 4;
    pub const CUT_CUM: usize = 5;
    pub const CASH: usize = 6;
    pub const DAYS: usize = 7;
    pub const NEGATIVE: usize = 8;
    pub const DISTRESS: usize = 9;
    pub const EXHAUSTED: usize = 10;
    pub const DMARGIN: usize = 11;
    pub const DMARGIN_SQ: usize = 12;
    pub const DCUT_CUM: usize = 13;
    pub const DCASH: usize = 14;
    pub const CUTBACK: usize = 15;
    pub const DCUTBACK: usize = 16;
    /// Squares of the paired differences (policy minus baseline) of the
    /// three flags: for 0/1 flags, the paths on which they differ.
    pub const DNEGATIVE_SQ: usize = 17;
    pub const DDISTRESS_SQ: usize = 18;
    pub const DEXHAUSTED_SQ: usize = 19;
    /// Square of the paired cumulative-CUT difference's deviation from the reference.
    pub const DCUT_CUM_SQ: usize = 20;
    pub const COUNT: usize = 21;
}

/// Fixed-point scale (a power of two, so scaling is exact) per field.
///
/// Squares of dollars (`DCUT_CUM_SQ`) share the money scale, `2^20`: a
/// path's paired cumulative-CUT difference of `d` dollars from the
/// reference adds `d^2 * 2^20` to an `i128` (at most about `1.7e38`), so
/// 10 million paths stay exact below `|d| = sqrt(1.7e38 / 2^20 / 1e7)`,
/// about 4e12 dollars: four thousand times a billion dollars of cumulative
/// CO-253 cut at one facility.
pub(crate) const SCALE: [f64; field::COUNT] = {
    const MARGIN: f64 = (1u64 << 40) as f64;
    const MONEY: f64 = (1u64 << 20) as f64;
    [
        MARGIN, MARGIN, MONEY, MONEY, MONEY, MONEY, MONEY, MONEY, 1.0, 1.0, 1.0, MARGIN, MARGIN, MONEY, MONEY, MONEY,
        MONEY, 1.0, 1.0, 1.0, MONEY,
    ]
};

/// The per-group totals whose path-to-path spread is kept (`--by`): each a
/// count-weighted sum over a group's facilities on one path.
pub(crate) mod group_metric {
    /// Facilities with a negative margin.
    pub const NEGATIVE: usize = 0;
    /// Facilities in distress.
    pub const DISTRESS: usize = 1;
    /// Facilities with cash exhausted.
    pub const EXHAUSTED: usize = 2;
    /// Cumulative CO-253 dollars.
    pub const CUT_CUM: usize = 3;
    pub const COUNT: usize = 4;
}

/// The sums kept per group, policy, year and [`group_metric`], over paths,
/// of the path's group total `L` minus the reference path's `L_ref`: the
/// level `L - L_ref` and its square, and (zero for the baseline) the paired
/// difference `(L - L_ref) - (L_b - L_b,ref)` from the baseline's and its
/// square. The square of the per-path total is kept because a group's
/// facilities are correlated within a path (macro draws, `shared` shocks),
/// so their variances do not add up to the group's.
pub(crate) mod group_sum {
    pub const LEVEL: usize = 0;
    pub const LEVEL_SQ: usize = 1;
    pub const DIFF: usize = 2;
    pub const DIFF_SQ: usize = 3;
    pub const COUNT: usize = 4;
}

/// Fixed-point scale of every group sum: facility counts and dollars, and
/// their squares, to `2^-20`. A group's cumulative CUT of `L` dollars from
/// the reference adds `L^2 * 2^20` per path, exact for 10 million paths
/// while `|L|` stays below about 4e12 dollars (all US hospitals' Medicare
/// fee-for-service revenue; their cumulative CO-253 cut over a
/// decade is of the order of 1e11).
pub(crate) const GROUP_SCALE: f64 = (1u64 << 20) as f64;

/// Bins per unit of value: bins are `2^-12` wide (about 0.024 percentage
/// points of margin).
pub const BINS_PER_UNIT: f64 = 4096.0;

/// The shift in the bin function: `value` is counted in bin
/// `floor(value * 4096 + 65536) - 65536`. Between -16 and +16, where margins
/// almost always lie, the shifted position is non-negative and is floored
/// by the conversion-free [`floor_small`].
const SHIFT: i64 = 16 * 4096;

/// Shifted positions are clamped to `+/-2^50`, so bins resolve values
/// within about `+/-2.7e11` (a margin of minus 27 trillion percent).
const REACH: f64 = (1u64 << 50) as f64;

/// The end bins, holding everything at or beyond the reach; NaN is counted
/// in the lowest.
const LOWEST_BIN: i64 = -(1i64 << 50) - SHIFT;
const HIGHEST_BIN: i64 = (1i64 << 50) - SHIFT;

/// Bins per page (a quarter of a unit: 25 percentage points of margin).
const PAGE_BINS: i64 = 1024;

/// A page lists its occupied bins until it holds more than this many, then
/// switches to a full array (1 KiB as a list, 4 KiB as an array).
const SPARSE_LIMIT: usize = 128;

/// Canonical encoding: a run of bins is split where at least this many
/// empty bins lie between occupied ones.
const RUN_GAP: i64 = 4;

/// A histogram over a value (margin or margin difference) with bins
/// `2^-12` wide at every magnitude, and the exact minimum and maximum.
///
/// Bins are kept in pages of 1,024, and only occupied pages exist: a page
/// is a sorted list of its occupied bins, or a full array once more than
/// 128 of its bins are occupied. Memory is therefore bounded by the spread
/// of the values, never by the number of paths: at most 4 KiB per quarter
/// unit of occupied range, and at most about 32 bytes per occupied bin,
/// plus about 100 bytes per page. Margins spread from -99 to -9 take at
/// most 1.5 MB; a lone margin of -1e6 takes one small page.
///
/// Percentiles are read by spreading each bin's values evenly inside it
/// (clamped to the exact minimum and maximum), so an estimated order
/// statistic lies in the same bin as the exact one: within `2^-12`
/// (0.024 points) of it, inside MODEL.md §5's 0.05 points at any magnitude,
/// and in order. Within +/-16 the bins, the counts and the arithmetic are
/// those of the fixed-range histogram this replaced, so percentiles there
/// are bit-identical to it.
///
/// Values beyond the reach (about `+/-2.7e11`), infinities and NaN share
/// the two end bins, which also keep the largest value of the lowest bin
/// and the smallest of the highest. An order statistic falling inside an
/// end bin is exact when that bin holds a single value (all `-inf`, say);
/// otherwise it cannot be resolved and is reported as NaN, never as a
/// wrong number.
///
/// Counts are integers, so adding and merging are exact and order-free: the
/// same values give the same bins and counts (and so bit-identical
/// percentiles) whatever the thread count, chunking, merge order or shards.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    /// Occupied pages by page number: page `p` holds bins `1024 p ..= 1024 p + 1023`.
    pages: BTreeMap<i64, Page>,
    total: u64,
    min: f64,
    max: f64,
    /// The largest value counted in the lowest end bin, if it holds any.
    lowest_bin_max: Option<f64>,
    /// The smallest value counted in the highest end bin, if it holds any.
    highest_bin_min: Option<f64>,
}

/// One page of bins.
#[derive(Clone, Debug)]
enum Page {
    /// The occupied bins as (offset in the page, count), by offset.
    Sparse(Vec<(u16, u32)>),
    /// The count of every bin of the page.
    Dense(Box<[u32]>),
}

impl Default for Page {
    fn default() -> Page {
        Page::Sparse(Vec::new())
    }
}

/// Whether any of (up to) eight counts is non-zero.
fn any_of(eight: &[u32]) -> bool {
    eight.iter().fold(0, |any, count| any | count) != 0
}

/// How many of a run's bins are occupied, found eight at a time (a batch's
/// bins in a sparse page, far in a tail, are mostly empty).
fn occupied(counts: &[u32]) -> usize {
    counts.chunks(8).filter(|e| any_of(e)).map(|e| e.iter().filter(|c| **c > 0).count()).sum()
}

impl Page {
    /// Counts `count` more values in the bin at `offset` (below 1,024).
    #[inline]
    fn add(&mut self, offset: usize, count: u32) {
        let crowded = match self {
            Page::Dense(counts) => {
                if let Some(bin) = counts.get_mut(offset) {
                    *bin += count;
                }
                false
            }
            Page::Sparse(entries) => {
                let key = offset as u16;
                match entries.binary_search_by_key(&key, |entry| entry.0) {
                    Ok(at) => {
                        if let Some(entry) = entries.get_mut(at) {
                            entry.1 += count;
                        }
                    }
                    Err(at) => entries.insert(at, (key, count)),
                }
                entries.len() > SPARSE_LIMIT
            }
        };
        if crowded {
            self.densify();
        }
    }

    /// Adds `counts` to the bins from `offset` on.
    fn add_run(&mut self, offset: usize, counts: &[u32]) {
        if let Page::Sparse(entries) = self {
            if entries.len() + occupied(counts) > SPARSE_LIMIT {
                self.densify();
            } else {
                for (c, eight) in counts.chunks(8).enumerate().filter(|(_, e)| any_of(e)) {
                    for (i, &count) in eight.iter().enumerate() {
                        if count > 0 {
                            self.add(offset + c * 8 + i, count);
                        }
                    }
                }
                return;
            }
        }
        if let Page::Dense(bins) = self {
            if let Some(bins) = bins.get_mut(offset..offset + counts.len()) {
                for (bin, count) in bins.iter_mut().zip(counts) {
                    *bin += count;
                }
            }
        }
    }

    /// [`Page::add_run`], leaving `counts` all zero (a batch's counting
    /// table is cleared as it is read, so it never needs a pass of its own).
    fn drain_run(&mut self, offset: usize, counts: &mut [u32]) {
        if let Page::Sparse(entries) = self {
            if entries.len() + occupied(counts) > SPARSE_LIMIT {
                self.densify();
            } else {
                for (c, eight) in counts.chunks_mut(8).enumerate().filter(|(_, e)| any_of(e)) {
                    for (i, count) in eight.iter_mut().enumerate() {
                        if *count > 0 {
                            self.add(offset + c * 8 + i, std::mem::take(count));
                        }
                    }
                }
                return;
            }
        }
        if let Page::Dense(bins) = self {
            if let Some(bins) = bins.get_mut(offset..offset + counts.len()) {
                for (bin, count) in bins.iter_mut().zip(counts.iter_mut()) {
                    *bin += *count;
                    *count = 0;
                }
            }
        }
    }

    /// Adds another page's counts.
    fn add_page(&mut self, other: &Page) {
        match other {
            Page::Dense(counts) => self.add_run(0, counts),
            Page::Sparse(entries) => entries.iter().for_each(|&(offset, count)| self.add(usize::from(offset), count)),
        }
    }

    fn densify(&mut self) {
        if let Page::Sparse(entries) = self {
            let mut counts = vec![0u32; PAGE_BINS as usize].into_boxed_slice();
            for &(offset, count) in entries.iter() {
                if let Some(bin) = counts.get_mut(usize::from(offset)) {
                    *bin += count;
                }
            }
            *self = Page::Dense(counts);
        }
    }

    /// The occupied bins as (offset, count), by offset.
    fn occupied(&self) -> impl Iterator<Item = (i64, u32)> + '_ {
        let (dense, sparse) = match self {
            Page::Dense(counts) => (Some(counts.iter()), None),
            Page::Sparse(entries) => (None, Some(entries.iter())),
        };
        let dense = dense.into_iter().flat_map(|counts| counts.enumerate()).filter(|(_, count)| **count > 0);
        let sparse = sparse.into_iter().flatten();
        dense
            .map(|(offset, count)| (offset as i64, *count))
            .chain(sparse.map(|&(offset, count)| (i64::from(offset), count)))
    }
}

/// The smallest and largest of `values`, or `None` if there are none or
/// any is NaN. One pass, four running minima, maxima and sums side by side
/// (a NaN makes its lane's sum NaN; so can infinities of both signs, which
/// only sends the batch down the value-by-value path). The values past the
/// last whole group of four are folded in after the loop, on their own, so
/// the loop's minima, maxima and sums stay in vector registers.
#[inline(always)]
fn range(values: &[f64]) -> Option<(f64, f64)> {
    let first = *values.first()?;
    let (mut low, mut high, mut sum) = ([first; 4], [first; 4], [0.0; 4]);
    let mut quads = values.chunks_exact(4);
    for quad in &mut quads {
        for i in 0..4 {
            let v = quad[i];
            low[i] = if v < low[i] { v } else { low[i] };
            high[i] = if v > high[i] { v } else { high[i] };
            sum[i] += v;
        }
    }
    let (mut tail_low, mut tail_high, mut tail_sum) = (first, first, 0.0);
    for &v in quads.remainder() {
        tail_low = if v < tail_low { v } else { tail_low };
        tail_high = if v > tail_high { v } else { tail_high };
        tail_sum += v;
    }
    if sum.iter().any(|s| s.is_nan()) || tail_sum.is_nan() {
        return None;
    }
    let min = low.into_iter().fold(tail_low, |a, b| if b < a { b } else { a });
    let max = high.into_iter().fold(tail_high, |a, b| if b > a { b } else { a });
    Some((min, max))
}

const MAGIC: f64 = 4_503_599_627_370_496.0; // 2^52

/// `floor(x)` for `0 <= x < 2^51`, without a float-to-integer conversion:
/// adding `2^52` leaves `x` rounded to the nearest integer in the low
/// mantissa bits, and one compare corrects a round-up.
#[inline(always)]
fn floor_small(x: f64) -> i64 {
    let y = x + MAGIC;
    let nearest = (y.to_bits() - MAGIC.to_bits()) as i64;
    nearest - i64::from(y - MAGIC > x)
}

/// `ceil(x)` for `0 <= x < 2^51`, as [`floor_small`] (one compare corrects a round-down).
#[inline(always)]
fn ceil_small(x: f64) -> i64 {
    let y = x + MAGIC;
    let nearest = (y.to_bits() - MAGIC.to_bits()) as i64;
    nearest + i64::from(y - MAGIC < x)
}

/// `floor(y)` for `|y| <= 2^50`.
#[inline(always)]
fn floor_any(y: f64) -> i64 {
    if y >= 0.0 {
        floor_small(y)
    } else {
        -ceil_small(-y)
    }
}

/// The shifted position `value * 4096 + 65536`, clamped to `+/-2^50` (NaN
/// goes to the bottom).
#[inline(always)]
#[allow(clippy::manual_clamp)] // `max` then `min` send NaN to the bottom; `clamp` would keep the NaN.
fn shifted(value: f64) -> f64 {
    (value * BINS_PER_UNIT + SHIFT as f64).max(-REACH).min(REACH)
}

/// The widest batch (in bins) counted in a [`BatchScratch`] table before it
/// is added to the histogram in one sequential pass; wider batches are
/// sorted by bin first. 65,536 bins (16 units of margin, 256 KiB of
/// counters): walking that table costs less than counting value by value
/// into the pages, which a cohort's pooled group batches (several
/// hospitals' margins, often over more than four units) used to need. At
/// 16,384 bins with value-by-value counting beyond, the US-hospital cohort
/// took about 10% more time.
pub(crate) const TABLE_BINS: usize = 65_536;

/// The widest batch counted round four planes of counters.
const PLANE_BINS: usize = 1024;

/// Reusable buffers for counting a batch: its bins counted from the batch's
/// lowest, and a table of counters for the batch's bins (counting there
/// first means the histogram's pages are never hit at random); for a batch
/// wider than the table, its bins sorted.
#[derive(Debug, Default)]
pub(crate) struct BatchScratch {
    pub(crate) bins: Vec<u32>,
    pub(crate) table: Vec<u32>,
    pub(crate) spread: Vec<i64>,
}

/// Counts `bins` (each below `span`) into `table[..span]`. Bunched values
/// (paired differences often are) go round four planes of counters, so no
/// increment waits for the one before it; the planes are then added into
/// the first.
#[inline(always)]
fn count_in_table(bins: &[u32], span: usize, table: &mut Vec<u32>) {
    let planes = if span <= PLANE_BINS { 4 } else { 1 };
    // The table is all zeros between batches (the planes are cleared as
    // they are merged, the first as it is added to the histogram), so it is
    // only ever grown, never cleared.
    if table.len() < planes * span {
        table.resize(planes * span, 0);
    }
    // A slice, not the `Vec`: a count's store cannot then change the
    // table's address or length, which would otherwise be read again for
    // every value.
    let table = &mut table[..planes * span];
    if planes == 4 {
        let (first, rest) = table.split_at_mut(span);
        let (second, rest) = rest.split_at_mut(span);
        let (third, fourth) = rest.split_at_mut(span);
        let mut quads = bins.chunks_exact(4);
        for quad in &mut quads {
            bump(first, quad[0]);
            bump(second, quad[1]);
            bump(third, quad[2]);
            bump(fourth, quad[3]);
        }
        for (&bin, plane) in quads.remainder().iter().zip([&mut *first, &mut *second, &mut *third]) {
            bump(plane, bin);
        }
        for (((a, b), c), d) in first.iter_mut().zip(second.iter_mut()).zip(third.iter_mut()).zip(fourth.iter_mut()) {
            *a += *b + *c + *d;
            (*b, *c, *d) = (0, 0, 0);
        }
    } else {
        for &bin in bins {
            bump(table, bin);
        }
    }
}

/// Counts one more value in `bin` of `plane` (bins are below the span by construction).
#[inline(always)]
fn bump(plane: &mut [u32], bin: u32) {
    if let Some(count) = plane.get_mut(bin as usize) {
        *count += 1;
    }
}

impl PartialEq for Histogram {
    /// Equal when they count the same values: pages may be stored differently.
    fn eq(&self, other: &Histogram) -> bool {
        let bits = |value: Option<f64>| value.map(f64::to_bits);
        self.total == other.total
            && self.min.to_bits() == other.min.to_bits()
            && self.max.to_bits() == other.max.to_bits()
            && bits(self.lowest_bin_max) == bits(other.lowest_bin_max)
            && bits(self.highest_bin_min) == bits(other.highest_bin_min)
            && self.occupied().eq(other.occupied())
    }
}

/// The integral over `[a, b]` of `(F(x) - [x >= y])^2` where `F` runs
/// linearly from `fa` at `a` to `fb` at `b`: split at `y`, each part is
/// `width * (u^2 + u v + v^2) / 3` for the linear integrand from `u` to `v`.
fn squared_gap(a: f64, b: f64, fa: f64, fb: f64, y: f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let part = |width: f64, u: f64, v: f64| width * (u * u + u * v + v * v) / 3.0;
    if y <= a {
        part(b - a, fa - 1.0, fb - 1.0)
    } else if y >= b {
        part(b - a, fa, fb)
    } else {
        let fy = fa + (fb - fa) * (y - a) / (b - a);
        part(y - a, fa, fy) + part(b - y, fy - 1.0, fb - 1.0)
    }
}

/// Combines two optional running extremes with `pick` (`f64::max` or
/// `f64::min`, which skip a NaN, so the result does not depend on order).
fn combine(a: Option<f64>, b: Option<f64>, pick: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Histogram {
    /// The occupied bins in increasing order, with their counts (bin `b`
    /// holds values `v` with `floor(v * 4096 + 65536) - 65536 = b`, that is
    /// `[b, b + 1) / 4096` up to rounding).
    pub fn occupied(&self) -> impl Iterator<Item = (i64, u32)> + '_ {
        self.pages.iter().flat_map(|(&page, counts)| {
            counts.occupied().map(move |(offset, count)| (page * PAGE_BINS + offset, count))
        })
    }

    /// The bin `value` is counted in.
    #[inline(always)]
    fn bin_of(value: f64) -> i64 {
        floor_any(shifted(value)) - SHIFT
    }

    /// Adds `count` to `bin`'s counter.
    fn count_in_bin(&mut self, bin: i64, count: u32) {
        self.pages.entry(bin.div_euclid(PAGE_BINS)).or_default().add(bin.rem_euclid(PAGE_BINS) as usize, count);
    }

    /// Adds `counts` to the counters of bins `first..first + counts.len()`,
    /// page by page, skipping pages it adds nothing to, and leaves `counts`
    /// all zero (a batch's counting table is cleared as it is read).
    fn drain_run(&mut self, first: i64, counts: &mut [u32]) {
        let mut done = 0;
        while done < counts.len() {
            let bin = first + done as i64;
            let offset = bin.rem_euclid(PAGE_BINS) as usize;
            let end = counts.len().min(done + PAGE_BINS as usize - offset);
            let part = &mut counts[done..end];
            let page = bin.div_euclid(PAGE_BINS);
            if let Some(counts) = self.pages.get_mut(&page) {
                counts.drain_run(offset, part);
            } else if part.iter().any(|count| *count > 0) {
                self.pages.entry(page).or_default().drain_run(offset, part);
            }
            done = end;
        }
    }

    /// Counts one value.
    pub fn add(&mut self, value: f64) {
        let bin = Self::bin_of(value);
        self.count_in_bin(bin, 1);
        if bin == LOWEST_BIN {
            self.lowest_bin_max = combine(self.lowest_bin_max, Some(value), f64::max);
        }
        if bin == HIGHEST_BIN {
            self.highest_bin_min = combine(self.highest_bin_min, Some(value), f64::min);
        }
        self.tally(value, value, 1);
    }

    /// Counts `count` zeros at once (the paired differences of a policy
    /// that copies the baseline).
    pub(crate) fn add_zeros(&mut self, count: u64) {
        if count == 0 {
            return;
        }
        let mut left = count;
        while left > 0 {
            let now = left.min(u64::from(u32::MAX));
            self.count_in_bin(Self::bin_of(0.0), now as u32);
            left -= now;
        }
        self.tally(0.0, 0.0, count);
    }

    /// Records `count` more values whose smallest is `min` and largest `max`.
    #[inline(always)]
    fn tally(&mut self, min: f64, max: f64, count: u64) {
        if self.total == 0 {
            self.min = min;
            self.max = max;
        } else {
            self.min = self.min.min(min);
            self.max = self.max.max(max);
        }
        self.total += count;
    }

    /// Counts a batch of values (same result as [`Histogram::add`] value by
    /// value).
    pub fn add_batch(&mut self, values: &[f64]) {
        self.add_batch_with(values, &mut BatchScratch::default());
    }

    /// [`Histogram::add_batch`] with reusable buffers. A batch within
    /// [`TABLE_BINS`] bins (16 units) is counted in a table first, then added
    /// to its pages in one pass; a wider one is sorted by bin first.
    pub(crate) fn add_batch_with(&mut self, values: &[f64], scratch: &mut BatchScratch) {
        self.add_batch_body(values, scratch)
    }

    /// [`Histogram::add_batch_with`] compiled with AVX (the engine's AVX
    /// kernel calls it): four values per instruction in the range and
    /// binning passes instead of two. The same IEEE operations either way,
    /// so the same bins and counts.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    pub(crate) fn add_batch_avx(&mut self, values: &[f64], scratch: &mut BatchScratch) {
        self.add_batch_body(values, scratch)
    }

    /// The body of [`Histogram::add_batch_with`], for each of its builds.
    #[inline(always)]
    fn add_batch_body(&mut self, values: &[f64], scratch: &mut BatchScratch) {
        let Some((min, max)) = range(values) else {
            values.iter().for_each(|v| self.add(*v));
            return;
        };
        let (low, high) = (Self::bin_of(min), Self::bin_of(max));
        if low == LOWEST_BIN || high == HIGHEST_BIN {
            // The end bins keep their inner extremes, value by value.
            values.iter().for_each(|v| self.add(*v));
            return;
        }
        if low == high {
            // All in one bin (a policy identical to the baseline gives all-zero differences).
            self.count_in_bin(low, values.len() as u32);
        } else if high - low < TABLE_BINS as i64 {
            let span = (high - low + 1) as usize;
            // Each value's bin counted from `low`: `floor(shifted) - (low + SHIFT)`.
            let base = low + SHIFT;
            scratch.bins.clear();
            if base >= 0 {
                scratch.bins.extend(values.iter().map(|v| (floor_small(shifted(*v)) - base) as u32));
            } else {
                scratch.bins.extend(values.iter().map(|v| (floor_any(shifted(*v)) - base) as u32));
            }
            // Batches narrower than the table are counted there even when it
            // is mostly empty: counted straight into the pages, a national
            // run took 20% more time for 7% fewer instructions (scattered
            // increments into 4 KiB pages, branches on sparse pages).
            count_in_table(&scratch.bins, span, &mut scratch.table);
            if let Some(counts) = scratch.table.get_mut(..span) {
                self.drain_run(low, counts);
            }
        } else {
            // Sorted, so each page is looked up once and each bin counted once.
            scratch.spread.clear();
            scratch.spread.extend(values.iter().map(|v| Self::bin_of(*v)));
            scratch.spread.sort_unstable();
            for page_bins in scratch.spread.chunk_by(|a, b| a.div_euclid(PAGE_BINS) == b.div_euclid(PAGE_BINS)) {
                let Some(first) = page_bins.first() else { continue };
                let page = self.pages.entry(first.div_euclid(PAGE_BINS)).or_default();
                for same in page_bins.chunk_by(|a, b| a == b) {
                    if let Some(bin) = same.first() {
                        page.add(bin.rem_euclid(PAGE_BINS) as usize, same.len() as u32);
                    }
                }
            }
        }
        self.tally(min, max, values.len() as u64);
    }

    /// Adds another histogram's counts (exact).
    pub fn merge(&mut self, other: &Histogram) {
        if other.total == 0 {
            return;
        }
        if self.total == 0 {
            *self = other.clone();
            return;
        }
        for (&page, counts) in &other.pages {
            self.pages.entry(page).or_default().add_page(counts);
        }
        self.lowest_bin_max = combine(self.lowest_bin_max, other.lowest_bin_max, f64::max);
        self.highest_bin_min = combine(self.highest_bin_min, other.highest_bin_min, f64::min);
        self.tally(other.min, other.max, other.total);
    }

    /// Number of values counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Estimates of the `ranks`-th smallest values (0-based, ascending), in
    /// one pass over the bins: exact for the smallest and largest, otherwise
    /// spread evenly inside their bin; NaN inside an end bin that holds more
    /// than one value.
    fn order_statistics(&self, ranks: &[u64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(ranks.len());
        let mut pending = ranks.iter().copied().peekable();
        let mut before = 0u64;
        let mut bins = self.occupied();
        while let Some(&rank) = pending.peek() {
            if rank == 0 {
                out.push(self.min);
            } else if rank + 1 >= self.total {
                out.push(self.max);
            } else {
                // Advance to the bin holding `rank`.
                let found = loop {
                    match bins.next() {
                        Some((bin, count)) => {
                            let count = u64::from(count);
                            if rank < before + count {
                                break Some((bin, count));
                            }
                            before += count;
                        }
                        None => break None,
                    }
                };
                let Some((bin, count)) = found else {
                    out.extend(pending.map(|_| self.max));
                    return out;
                };
                // Every pending rank inside this bin.
                while let Some(&rank) = pending.peek().filter(|r| **r < before + count && **r + 1 < self.total) {
                    out.push(self.within_bin(bin, count, rank - before));
                    pending.next();
                }
                before += count;
                continue;
            }
            pending.next();
        }
        out
    }

    /// The value of rank `offset` (0-based) among the `count` values of `bin`.
    fn within_bin(&self, bin: i64, count: u64, offset: u64) -> f64 {
        match bin {
            LOWEST_BIN => match self.lowest_bin_max {
                Some(inner) if inner == self.min => inner,
                _ => f64::NAN,
            },
            HIGHEST_BIN => match self.highest_bin_min {
                Some(inner) if inner == self.max => inner,
                _ => f64::NAN,
            },
            _ => {
                // Both edges are kept inside [min, max]: the f64 bin of a
                // value a hair below an edge can be the bin above (v * 4096 +
                // offset rounds up), whose lower edge is then beyond the maximum.
                let low = (bin as f64 / BINS_PER_UNIT).max(self.min).min(self.max);
                let high = ((bin + 1) as f64 / BINS_PER_UNIT).min(self.max).max(self.min);
                let within = offset as f64 + 0.5;
                low + (high - low) * within / count as f64
            }
        }
    }

    /// The occupied bins as `(low, high, count)` in increasing order, each
    /// bin's values spread evenly over `[low, high]` (its edges kept inside
    /// the exact minimum and maximum, as [`Histogram::quantile`] reads them);
    /// `None` when empty or when an end bin holds values (beyond about
    /// `+/-2.7e11`, or NaN), whose spread is unknown.
    fn spread_bins(&self) -> Option<Vec<(f64, f64, u64)>> {
        if self.total == 0 || self.lowest_bin_max.is_some() || self.highest_bin_min.is_some() {
            return None;
        }
        Some(
            self.occupied()
                .map(|(bin, count)| {
                    let low = (bin as f64 / BINS_PER_UNIT).max(self.min).min(self.max);
                    let high = ((bin + 1) as f64 / BINS_PER_UNIT).min(self.max).max(self.min);
                    (low, high, u64::from(count))
                })
                .collect(),
        )
    }

    /// The share of counted values at or below `y` (a forecast's probability
    /// integral transform at the outcome `y`), with each bin's values spread
    /// evenly inside it; `None` when `Histogram::spread_bins` is.
    pub fn share_at_or_below(&self, y: f64) -> Option<f64> {
        let bins = self.spread_bins()?;
        let below: f64 = bins
            .iter()
            .map(|&(low, high, count)| {
                let count = count as f64;
                if high <= y {
                    count
                } else if low > y {
                    0.0
                } else {
                    count * (y - low) / (high - low)
                }
            })
            .sum();
        Some(below / self.total as f64)
    }

    /// The continuous ranked probability score of the counted values as a
    /// forecast of the outcome `y`: the integral over `x` of
    /// `(F(x) - [x >= y])^2`, with `F` the distribution of the values, each
    /// bin's spread evenly inside it (exact for that piecewise-uniform `F`).
    /// It is `|v - y|` when every value is `v`, and in the units of the values.
    pub fn crps(&self, y: f64) -> Option<f64> {
        let bins = self.spread_bins()?;
        let n = self.total as f64;
        let (mut total, mut f, mut x) = (0.0, 0.0, y.min(self.min));
        for (low, high, count) in bins {
            total += squared_gap(x, low, f, f, y);
            let next = f + count as f64 / n;
            total += squared_gap(low, high, f, next, y);
            f = next;
            x = high;
        }
        Some(total + squared_gap(x, y.max(x), 1.0, 1.0, y))
    }

    /// The type-7 sample quantile (position `(N-1)q`, linear between order
    /// statistics), read from the histogram; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles([q])[0]
    }

    /// [`Histogram::quantile`] at several `qs` (ascending or not) in one
    /// pass over the bins.
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [Option<f64>; N] {
        if self.total == 0 {
            return [None; N];
        }
        if self.min == self.max {
            return [Some(self.min); N];
        }
        let positions = qs.map(|q| {
            let position = (self.total - 1) as f64 * q;
            let rank = position.floor() as u64;
            (rank, position - rank as f64)
        });
        let mut ranks: Vec<u64> = positions
            .iter()
            .flat_map(|&(rank, fraction)| std::iter::once(rank).chain((fraction != 0.0).then_some(rank + 1)))
            .collect();
        ranks.sort_unstable();
        ranks.dedup();
        let values = self.order_statistics(&ranks);
        let at = |rank: u64| ranks.binary_search(&rank).ok().and_then(|i| values.get(i).copied()).unwrap_or(f64::NAN);
        positions.map(|(rank, fraction)| {
            let low = at(rank);
            if fraction == 0.0 {
                return Some(low);
            }
            let high = at(rank + 1);
            if low == high && low.is_infinite() {
                // Between two equal infinities (the formula below would give NaN).
                return Some(low);
            }
            Some(low + fraction * (high - low))
        })
    }

    /// The occupied bins as runs `(first bin, counts)`, split where
    /// [`RUN_GAP`] or more empty bins lie between occupied ones: the same
    /// runs for the same counts, however the pages are stored.
    fn runs(&self) -> Vec<(i64, Vec<u32>)> {
        let mut runs: Vec<(i64, Vec<u32>)> = Vec::new();
        for (bin, count) in self.occupied() {
            match runs.last_mut() {
                Some((first, counts)) if bin - (*first + counts.len() as i64) < RUN_GAP => {
                    counts.resize((bin - *first) as usize, 0);
                    counts.push(count);
                }
                _ => runs.push((bin, vec![count])),
            }
        }
        runs
    }

    /// Appends the histogram's bytes: total, minimum, maximum, the end
    /// bins' inner extremes (0 when empty), then the number of runs and each
    /// run's first bin, length and counts.
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.total.to_le_bytes());
        for value in [self.min, self.max, self.lowest_bin_max.unwrap_or(0.0), self.highest_bin_min.unwrap_or(0.0)] {
            out.extend_from_slice(&value.to_bits().to_le_bytes());
        }
        let runs = self.runs();
        out.extend_from_slice(&(runs.len() as u64).to_le_bytes());
        for (first, counts) in runs {
            out.extend_from_slice(&first.to_le_bytes());
            out.extend_from_slice(&(counts.len() as u64).to_le_bytes());
            for count in counts {
                out.extend_from_slice(&count.to_le_bytes());
            }
        }
    }

    /// Reads [`Histogram::encode_into`]'s bytes; `None` if malformed (runs
    /// out of order or beyond the end bins, counts not adding up to the
    /// total).
    fn decode_from(reader: &mut Reader<'_>) -> Option<Histogram> {
        let total = reader.u64()?;
        let [min, max, lowest_bin_max, highest_bin_min] = [(); 4].map(|()| reader.u64().map(f64::from_bits));
        let runs = usize::try_from(reader.u64()?).ok()?;
        if runs.checked_mul(16)? > reader.bytes.len() {
            return None;
        }
        let mut histogram = Histogram { min: min?, max: max?, ..Histogram::default() };
        let (mut next, mut counted) = (LOWEST_BIN, 0u64);
        let mut counts = Vec::new();
        for _ in 0..runs {
            let first = reader.i64()?;
            let len = usize::try_from(reader.u64()?).ok()?;
            if first < next || len == 0 || len.checked_mul(4)? > reader.bytes.len() {
                return None;
            }
            next = first.checked_add(len as i64)?;
            if next > HIGHEST_BIN + 1 {
                return None;
            }
            counts.clear();
            for _ in 0..len {
                let count = reader.u32()?;
                counted = counted.checked_add(u64::from(count))?;
                counts.push(count);
            }
            if first == LOWEST_BIN && counts.first().is_some_and(|c| *c > 0) {
                histogram.lowest_bin_max = lowest_bin_max;
            }
            if next == HIGHEST_BIN + 1 && counts.last().is_some_and(|c| *c > 0) {
                histogram.highest_bin_min = highest_bin_min;
            }
            histogram.drain_run(first, &mut counts);
        }
        if counted != total {
            return None;
        }
        histogram.total = total;
        Some(histogram)
    }
}

/// The shape of the cells: practices x policies x years.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Number of practices.
    pub practices: usize,
    /// Number of policies.
    pub policies: usize,
    /// Number of projected years.
    pub years: usize,
    /// Groups of practices whose margins are pooled into one histogram per
    /// group, policy and year (0: none).
    pub groups: usize,
    /// Whether each cell keeps its own margin histograms (off for cohorts of
    /// thousands of facilities, whose percentiles are reported by group).
    pub cell_histograms: bool,
}

impl Layout {
    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.practices * self.policies * self.years
    }

    /// Index of cell (practice, policy, year).
    #[inline(always)]
    pub fn cell(&self, practice: usize, policy: usize, year: usize) -> usize {
        (practice * self.policies + policy) * self.years + year
    }

    /// Number of group cells (group x policy x year).
    pub fn group_cells(&self) -> usize {
        self.groups * self.policies * self.years
    }
}

/// Group sums per group cell: every [`group_sum`] of every [`group_metric`].
pub(crate) const GROUP_VALUES: usize = group_metric::COUNT * group_sum::COUNT;

/// Everything MODEL.md §5 needs, for any number of paths, mergeable exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Accumulator {
    /// Cell shape.
    pub layout: Layout,
    /// Paths accumulated.
    pub paths: u64,
    /// `cells x field::COUNT` fixed-point sums of deviations from the reference.
    pub(crate) sums: Vec<i128>,
    /// Margin histogram per cell.
    pub(crate) margin: Vec<Histogram>,
    /// Paired margin-difference histogram per cell (empty for the baseline).
    pub(crate) dmargin: Vec<Histogram>,
    /// Pooled margin histogram per group x policy x year.
    pub(crate) groups: Vec<Histogram>,
    /// `groups x policies x years x group_metric::COUNT x group_sum::COUNT`
    /// fixed-point sums of per-path group totals ([`group_sum`]).
    pub(crate) group_sums: Vec<i128>,
}

impl Accumulator {
    /// An empty accumulator.
    pub fn new(layout: Layout) -> Accumulator {
        let cells = layout.cells();
        let histograms = if layout.cell_histograms { cells } else { 0 };
        Accumulator {
            layout,
            paths: 0,
            sums: vec![0; cells * field::COUNT],
            margin: vec![Histogram::default(); histograms],
            dmargin: vec![Histogram::default(); histograms],
            groups: vec![Histogram::default(); layout.group_cells()],
            group_sums: vec![0; layout.group_cells() * GROUP_VALUES],
        }
    }

    /// Gives the cells of each practice x policy that `duplicates` (see
    /// `Plan::duplicates`) marks as a copy of an earlier policy that policy's
    /// histograms: the kernel copies their sums chunk by chunk but leaves
    /// their cell histograms to this one step. Differences of a copy of the
    /// baseline are `paths` zeros.
    pub(crate) fn copy_duplicate_histograms(&mut self, baseline: usize, duplicates: &[Option<usize>]) {
        if !self.layout.cell_histograms {
            return;
        }
        let Layout { policies, years, .. } = self.layout;
        for (index, duplicate) in duplicates.iter().enumerate() {
            let Some(j) = *duplicate else { continue };
            let (p, k) = (index / policies, index % policies);
            for t in 0..years {
                let (cell, source) = (self.layout.cell(p, k, t), self.layout.cell(p, j, t));
                self.margin[cell] = self.margin[source].clone();
                self.dmargin[cell] = if j == baseline {
                    let mut zeros = Histogram::default();
                    zeros.add_zeros(self.paths);
                    zeros
                } else {
                    self.dmargin[source].clone()
                };
            }
        }
    }

    /// The margin histogram of `cell`, when the layout keeps cell histograms.
    pub fn margin_histogram(&self, cell: usize) -> Option<&Histogram> {
        self.margin.get(cell)
    }

    /// Adds another accumulator of the same layout (exact, order-free).
    pub fn merge(&mut self, other: &Accumulator) {
        self.paths += other.paths;
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.margin.iter_mut().zip(&other.margin) {
            a.merge(b);
        }
        for (a, b) in self.dmargin.iter_mut().zip(&other.dmargin) {
            a.merge(b);
        }
        for (a, b) in self.groups.iter_mut().zip(&other.groups) {
            a.merge(b);
        }
        for (a, b) in self.group_sums.iter_mut().zip(&other.group_sums) {
            *a += b;
        }
    }

    /// Folds one chunk's `f64` partial sums in, quantised to fixed point:
    /// `chunk` per cell and field, `group_chunk` per group cell and
    /// [`GROUP_VALUES`] (empty without groups).
    pub(crate) fn absorb_chunk(&mut self, chunk: &[f64], group_chunk: &[f64], paths: u64) {
        self.paths += paths;
        for (i, (sum, partial)) in self.sums.iter_mut().zip(chunk).enumerate() {
            *sum += (partial * SCALE[i % field::COUNT]) as i128;
        }
        for (sum, partial) in self.group_sums.iter_mut().zip(group_chunk) {
            *sum += (partial * GROUP_SCALE) as i128;
        }
    }

    /// The total of `field` over all paths for `cell`, in natural units.
    pub(crate) fn sum(&self, cell: usize, field: usize) -> f64 {
        self.sums[cell * field::COUNT + field] as f64 / SCALE[field]
    }

    /// The total over all paths of `which` ([`group_sum`]) of `metric`
    /// ([`group_metric`]) for group cell `index` (group x policy x year), in
    /// natural units.
    pub(crate) fn group_sum(&self, index: usize, metric: usize, which: usize) -> f64 {
        let at = (index * group_metric::COUNT + metric) * group_sum::COUNT + which;
        self.group_sums[at] as f64 / GROUP_SCALE
    }

    /// Encodes the state as bytes (little-endian, histograms as runs of
    /// their occupied bins, the same bytes for the same counts however they
    /// were gathered); [`Accumulator::decode`] reverses it exactly.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for n in [self.layout.practices, self.layout.policies, self.layout.years, self.layout.groups] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        out.push(u8::from(self.layout.cell_histograms));
        out.extend_from_slice(&self.paths.to_le_bytes());
        for sum in self.sums.iter().chain(&self.group_sums) {
            out.extend_from_slice(&sum.to_le_bytes());
        }
        for histogram in self.margin.iter().chain(&self.dmargin).chain(&self.groups) {
            histogram.encode_into(&mut out);
        }
        out
    }

    /// Decodes [`Accumulator::encode`]'s bytes; `None` if they are malformed.
    pub fn decode(bytes: &[u8]) -> Option<Accumulator> {
        let mut reader = Reader { bytes, at: 0 };
        let practices = usize::try_from(reader.u64()?).ok()?;
        let policies = usize::try_from(reader.u64()?).ok()?;
        let years = usize::try_from(reader.u64()?).ok()?;
        let groups = usize::try_from(reader.u64()?).ok()?;
        let cell_histograms = match reader.take::<1>()? {
            [0] => false,
            [1] => true,
            _ => return None,
        };
        let layout = Layout { practices, policies, years, groups, cell_histograms };
        let cells = practices.checked_mul(policies)?.checked_mul(years)?;
        let group_cells = groups.checked_mul(policies)?.checked_mul(years)?;
        // Every cell needs at least its sums (and two histogram headers when
        // it keeps histograms), every group cell its sums and a histogram header.
        let per_cell = field::COUNT * 16 + if cell_histograms { 2 * HISTOGRAM_HEADER } else { 0 };
        let per_group_cell = GROUP_VALUES * 16 + HISTOGRAM_HEADER;
        if cells.checked_mul(per_cell)? > bytes.len() || group_cells.checked_mul(per_group_cell)? > bytes.len() {
            return None;
        }
        let paths = reader.u64()?;
        let sums = (0..cells * field::COUNT).map(|_| reader.i128()).collect::<Option<Vec<i128>>>()?;
        let group_sums = (0..group_cells * GROUP_VALUES).map(|_| reader.i128()).collect::<Option<Vec<i128>>>()?;
        let histogram_cells = if cell_histograms { cells } else { 0 };
        let count = 2 * histogram_cells + group_cells;
        let mut histograms = Vec::with_capacity(count);
        for _ in 0..count {
            histograms.push(Histogram::decode_from(&mut reader)?);
        }
        if reader.at != bytes.len() {
            return None;
        }
        let groups = histograms.split_off(2 * histogram_cells);
        let dmargin = histograms.split_off(histogram_cells);
        Some(Accumulator { layout, paths, sums, margin: histograms, dmargin, groups, group_sums })
    }
}

/// Bytes of a histogram's encoding before its runs: total, minimum,
/// maximum, the end bins' inner extremes and the number of runs.
const HISTOGRAM_HEADER: usize = 6 * 8;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(N)?)?;
        self.at += N;
        slice.try_into().ok()
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take().map(i64::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn i128(&mut self) -> Option<i128> {
        self.take().map(i128::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A degenerate forecast (every path at 0.05): PIT is 0 below the value
    /// and 1 at or above it; CRPS is the absolute error |0.05 - y|.
    #[test]
    fn degenerate_forecast_scores_as_absolute_error() {
        let mut h = Histogram::default();
        for _ in 0..1000 {
            h.add(0.05);
        }
        assert_eq!(h.share_at_or_below(0.0499), Some(0.0));
        assert_eq!(h.share_at_or_below(0.05), Some(1.0));
        // |0.05 - (-0.10)| = 0.15 and |0.05 - 0.30| = 0.25.
        assert!((h.crps(-0.10).unwrap_or(f64::NAN) - 0.15).abs() < 1e-15);
        assert!((h.crps(0.30).unwrap_or(f64::NAN) - 0.25).abs() < 1e-15);
        assert_eq!(h.crps(0.05), Some(0.0));
    }

    /// A uniform forecast on [0, 1] (16,384 evenly spaced values, four per
    /// bin): F(y) = y, and CRPS(y) = y^3/3 + (1-y)^3/3 for y inside, so
    /// 1/12 = 0.083333 at the centre and 1/3 at an end; outside, 1/3 plus
    /// the distance (CRPS(1.5) = 1/3 + 0.5). PIT(0.25) = 0.25.
    #[test]
    fn uniform_forecast_scores_match_closed_form() {
        let mut h = Histogram::default();
        for k in 0..16_384 {
            h.add((f64::from(k) + 0.5) / 16_384.0);
        }
        let close = |a: Option<f64>, b: f64| (a.unwrap_or(f64::NAN) - b).abs() < 1e-4;
        assert!(close(h.share_at_or_below(0.25), 0.25));
        assert!(close(h.share_at_or_below(-1.0), 0.0));
        assert!(close(h.crps(0.5), 1.0 / 12.0));
        assert!(close(h.crps(0.0), 1.0 / 3.0));
        assert!(close(h.crps(1.5), 1.0 / 3.0 + 0.5));
        assert!(close(h.crps(0.2), (0.008 + 0.512) / 3.0));
    }

    /// Values beyond the histogram's reach have no known spread: no score.
    #[test]
    fn scores_are_unknown_with_values_in_an_end_bin() {
        let mut h = Histogram::default();
        h.add(0.1);
        h.add(-1e300);
        assert_eq!(h.crps(0.0), None);
        assert_eq!(h.share_at_or_below(0.0), None);
        assert_eq!(Histogram::default().crps(0.0), None);
    }
    use rand::RngExt;

    fn exact_type7(values: &mut [f64], q: f64) -> f64 {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let h = (values.len() - 1) as f64 * q;
        let k = h.floor() as usize;
        let f = h - k as f64;
        if k + 1 < values.len() {
            values[k] + f * (values[k + 1] - values[k])
        } else {
            values[k]
        }
    }

    #[test]
    fn histogram_percentiles_are_within_a_bin_of_exact() {
        // A deterministic spread of margins between -30% and +20%.
        let mut values: Vec<f64> = (0..10_007).map(|i| ((i * 7919) % 10_007) as f64 / 10_007.0 * 0.5 - 0.3).collect();
        let mut h = Histogram::default();
        for v in &values {
            h.add(*v);
        }
        for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
            let exact = exact_type7(&mut values, q);
            let estimate = h.quantile(q).unwrap();
            assert!((estimate - exact).abs() <= 1.0 / BINS_PER_UNIT, "q={q}: {estimate} vs {exact}");
        }
        assert_eq!(h.quantile(0.0), Some(-0.3));
    }

    #[test]
    fn degenerate_histograms_give_the_value() {
        let mut h = Histogram::default();
        for _ in 0..100 {
            h.add(0.0123);
        }
        assert_eq!(h.quantile(0.05), Some(0.0123));
        assert_eq!(h.quantile(0.95), Some(0.0123));
    }

    #[test]
    fn merging_in_any_order_is_exact() {
        // Spread over [-2, 2).
        let mut uniform = lcg(37);
        let values: Vec<f64> = (0..5000).map(|_| uniform() * 4.0 - 2.0).collect();
        let mut whole = Histogram::default();
        values.iter().for_each(|v| whole.add(*v));
        let (mut a, mut b) = (Histogram::default(), Histogram::default());
        values[..1234].iter().for_each(|v| a.add(*v));
        values[1234..].iter().for_each(|v| b.add(*v));
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        for q in [0.05, 0.5, 0.95] {
            assert_eq!(ab.quantile(q), whole.quantile(q));
            assert_eq!(ba.quantile(q), whole.quantile(q));
        }
    }

    #[test]
    fn encoding_round_trips_and_rejects_damage() {
        let layout = Layout { practices: 1, policies: 2, years: 2, groups: 1, cell_histograms: true };
        let mut acc = Accumulator::new(layout);
        // Group sums too: 1 group x 2 policies x 2 years.
        let group_chunk: Vec<f64> = (0..4 * GROUP_VALUES).map(|i| i as f64 - 7.5).collect();
        acc.absorb_chunk(&[0.25; 4 * field::COUNT], &group_chunk, 3);
        // -7.5 in fixed point: -7.5 * 2^20.
        assert_eq!(acc.group_sums[0], -7_864_320);
        assert_eq!(acc.group_sum(0, 0, 0), -7.5);
        for v in [0.01, -0.02, 0.03] {
            acc.margin[1].add(v);
            acc.dmargin[3].add(v / 10.0);
            acc.groups[2].add(v * 2.0);
        }
        let bytes = acc.encode();
        assert!(Accumulator::decode(&bytes) == Some(acc));
        assert!(Accumulator::decode(&bytes[..bytes.len() - 1]).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Accumulator::decode(&longer).is_none());
        assert!(Accumulator::decode(&[0xff; 64]).is_none());
    }

    #[test]
    fn extreme_values_do_not_panic() {
        let mut h = Histogram::default();
        for v in [-1e300, 1e300, f64::NAN, 0.0, -20.0] {
            h.add(v);
        }
        assert_eq!(h.total(), 5);
        assert!(h.quantile(0.5).is_some());
        // Far below the reach is the lowest end bin (a saturating conversion
        // once wrapped it round to the highest), far above is the highest;
        // -16 and -20 have bins of their own now.
        assert_eq!(Histogram::bin_of(-1e300), LOWEST_BIN);
        assert_eq!(Histogram::bin_of(f64::NEG_INFINITY), LOWEST_BIN);
        assert_eq!(Histogram::bin_of(1e300), HIGHEST_BIN);
        assert_eq!(Histogram::bin_of(f64::INFINITY), HIGHEST_BIN);
        assert_eq!(Histogram::bin_of(-16.0), -16 * 4096);
        assert_eq!(Histogram::bin_of(-20.0), -20 * 4096);
        assert_eq!(Histogram::bin_of((-20.0f64).next_down()), -20 * 4096 - 1);
        assert_eq!(Histogram::bin_of(-1e6), -4_096_000_000);
        assert_eq!(Histogram::bin_of(-1.0 / 4096.0), -1);
        assert_eq!(Histogram::bin_of(0.0), 0);
        assert_eq!(Histogram::bin_of(f64::NAN), LOWEST_BIN);
    }

    #[test]
    fn floor_without_conversion_is_floor() {
        // Integers, values just either side of them, halves (the round-to-even ties).
        for k in [0.0f64, 1.0, 2.0, 3.0, 65535.0, 65536.0, 65537.0, 131071.0, (1u64 << 50) as f64] {
            for x in [k, k + 0.5, k + 0.25, k.next_up(), k.next_down(), (k + 1.0).next_down()] {
                if x >= 0.0 {
                    assert_eq!(floor_small(x), x.floor() as i64, "floor({x})");
                    assert_eq!(ceil_small(x), x.ceil() as i64, "ceil({x})");
                }
                for y in [x, -x] {
                    if y.abs() <= REACH {
                        assert_eq!(floor_any(y), y.floor() as i64, "floor({y})");
                    }
                }
            }
        }
    }

    #[test]
    fn batches_count_what_single_adds_count() {
        // Margins spread over many bins, exact bin edges (k / 4096), one-bin
        // batches, and values beyond +/-16 that share the end bins.
        let mut rng = crate::engine::rng::stream(7, 0, 0);
        let spread: Vec<f64> = (0..5000).map(|_| rng.random::<f64>() * 0.6 - 0.3).collect();
        let edges: Vec<f64> = (-300..300).flat_map(|k| [k as f64 / 4096.0, (k as f64 / 4096.0).next_down()]).collect();
        // Also NaN (counted value by value), infinities of both signs (their
        // lane sums are NaN: value by value too) and of one sign (binned).
        let odd: [&[f64]; 4] = [
            &[0.1, f64::NAN, 0.2, 0.3, 0.4],
            &[f64::NEG_INFINITY, 0.0, f64::INFINITY],
            &[f64::INFINITY, 0.01, 0.02],
            &[-1e300, -0.5],
        ];
        // Below -16 (the other branch of the floor), across it, spread over
        // most of the table's 16 units (about 12: one plane, pages dense and
        // sparse), wider than the table (sorted), and reaching the end bins.
        let below: Vec<f64> = spread.iter().map(|m| m - 47.0).collect();
        let across: Vec<f64> = edges.iter().map(|e| e - 16.0).collect();
        let table_wide: Vec<f64> = spread.iter().map(|m| m * 20.0 - 3.0).collect();
        let wide: Vec<f64> = spread.iter().map(|m| m * 300.0 - 50.0).collect();
        let far: [f64; 4] = [-1e300, -3e11, 0.5, 1e12];
        let batches = [
            &spread[..],
            &edges,
            &[0.0; 100],
            &[-40.0, 0.01, 40.0, -16.0, 16.0],
            &[],
            &below,
            &across,
            &table_wide,
            &wide,
            &far,
        ]
        .into_iter()
        .chain(odd);
        for batch in batches {
            let mut one_by_one = Histogram::default();
            batch.iter().for_each(|v| one_by_one.add(*v));
            let mut batched = Histogram::default();
            for part in batch.chunks(777) {
                batched.add_batch(part);
            }
            assert_eq!(batched, one_by_one);
            assert_eq!(batched.total(), batch.len() as u64);
        }
    }

    /// The five reported percentiles.
    const REPORTED: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

    /// Uniform draws in `[0, 1)` from a small fixed linear congruential generator.
    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// The histogram of `values` counted as the engine does (batches of
    /// 1,024), after checking that value-by-value adds count the same.
    fn histogram_of(values: &[f64]) -> Histogram {
        let mut batched = Histogram::default();
        let mut scratch = BatchScratch::default();
        values.chunks(1024).for_each(|batch| batched.add_batch_with(batch, &mut scratch));
        let mut one_by_one = Histogram::default();
        values.iter().for_each(|v| one_by_one.add(*v));
        assert!(batched == one_by_one);
        batched
    }

    /// Asserts the reported percentiles are within 0.05 percentage points
    /// (0.0005) of the exact type-7 values, in order, and within the range.
    fn assert_within_contract(values: &[f64]) -> Histogram {
        let h = histogram_of(values);
        let mut sorted = values.to_vec();
        let estimates = REPORTED.map(|q| h.quantile(q).unwrap());
        for (q, estimate) in REPORTED.into_iter().zip(estimates) {
            let exact = exact_type7(&mut sorted, q);
            assert!((estimate - exact).abs() <= 0.0005, "q={q}: {estimate} vs exact {exact}");
            assert!(h.min <= estimate && estimate <= h.max, "q={q}: {estimate} outside [{}, {}]", h.min, h.max);
        }
        assert!(estimates.windows(2).all(|pair| pair[0] <= pair[1]), "out of order: {estimates:?}");
        h
    }

    #[test]
    fn margins_spread_from_minus_99_to_minus_9_are_read_exactly() {
        // A practice whose volume falls 90-99% a year: m_i = -99 + 90 (i / (N-1))^3.
        // Exact p50 is at i/(N-1) = 1/2: -99 + 90/8 = -87.75; p95 near
        // -99 + 90 * 0.95^3 = -21.83625. The fixed-range histogram gave -16 for
        // every percentile above its clamp.
        let n = 20_000;
        let values: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).map(|u| -99.0 + 90.0 * (u * u * u)).collect();
        let h = assert_within_contract(&values);
        assert!((h.quantile(0.5).unwrap() + 87.75).abs() < 0.0005);
        assert!((h.quantile(0.95).unwrap() + 21.83625).abs() < 0.001);
    }

    #[test]
    fn margins_all_below_minus_16_come_out_in_order() {
        // -47.5..-46.5 evenly (exact p50 = -47.0), plus three far ones; the
        // fixed-range histogram reported p5 above p50 here.
        let n = 10_000;
        let mut values: Vec<f64> = (0..n).map(|i| -47.5 + i as f64 / (n - 1) as f64).collect();
        values.extend([-1000.0, -250.0, -17.0]);
        let h = assert_within_contract(&values);
        // 10,003 values: p50 is at rank 0.5 * 10,002 = 5,001, the even
        // spread's rank 4,998 after the three below it: -47.5 + 4998 / 9999.
        assert!((h.quantile(0.5).unwrap() - (-47.5 + 4998.0 / 9999.0)).abs() < 0.0005);
    }

    #[test]
    fn paired_differences_with_a_far_tail_are_read_exactly() {
        // 94% of differences near +0.01 (within +/-0.001), 6% in a tail
        // -313 u^2 reaching -313 (the reported failure had dmargin_p5 of
        // -313 printed as -30.4). p5, at rank 0.05 * 10,000 = 500 of the
        // 601 tail values, lies in the tail; exact values come from sorting.
        let mut uniform = lcg(17);
        let mut values: Vec<f64> = (0..9_400).map(|_| 0.01 + (uniform() - 0.5) * 0.002).collect();
        values.extend((0..600).map(|_| uniform()).map(|u| -313.0 * (u * u)));
        values.push(-313.0);
        let h = assert_within_contract(&values);
        assert!(h.quantile(0.05).unwrap() < -1.0);
    }

    #[test]
    fn margins_of_minus_a_million_are_read_exactly() {
        // One margin of -1e6 and one of +0.5 among ordinary ones, then a
        // tenth of them within 5 of -1e6 (p5 there).
        let mut uniform = lcg(23);
        let mut values: Vec<f64> = (0..9_998).map(|_| uniform() * 0.5 - 0.3).collect();
        values.extend([-1e6, 0.5]);
        let h = assert_within_contract(&values);
        assert_eq!((h.quantile(0.0), h.quantile(1.0)), (Some(-1e6), Some(0.5)));
        values.extend((0..1_000).map(|_| -1e6 + 5.0 * uniform()));
        let h = assert_within_contract(&values);
        assert!(h.quantile(0.05).unwrap() < -999_990.0);
        // Across -16, and the earlier failure of -40 (-4000%) with bunched values.
        let across: Vec<f64> = (0..5_000).map(|_| -16.0 + (uniform() - 0.5) * 0.01).collect();
        assert_within_contract(&across);
        let minus_40: Vec<f64> = (0..5_000).map(|_| -40.0 + (uniform() - 0.5) * 1e-3).collect();
        assert_within_contract(&minus_40);
    }

    #[test]
    fn infinities_and_nan_are_counted_and_never_give_a_wrong_number() {
        let mut uniform = lcg(5);
        // A tenth of the paths at -inf (revenue of zero): p5 is -inf, exactly.
        let mut values: Vec<f64> = vec![f64::NEG_INFINITY; 1_000];
        values.extend((0..9_000).map(|_| uniform() * 0.5 - 0.3));
        let h = histogram_of(&values);
        assert_eq!(h.quantile(0.05), Some(f64::NEG_INFINITY));
        assert!(h.quantile(0.5).unwrap() > -0.3);
        // Distinct values beyond the reach: an order statistic among them
        // cannot be resolved, so it is NaN, never a wrong number; the
        // smallest and the largest stay exact.
        let mut far: Vec<f64> = (0..1_000).map(|i| -1e300 * (1.0 + i as f64)).collect();
        far.extend((0..9_000).map(|_| uniform()));
        let h = histogram_of(&far);
        assert!(h.quantile(0.05).unwrap().is_nan());
        assert_eq!(h.quantile(0.0), Some(-1e303));
        assert!(h.quantile(0.5).unwrap() > 0.0);
        // As before: NaN is counted (below everything), the range ignores it.
        let h = histogram_of(&[0.1, f64::NAN, 0.2, 0.3, 0.4]);
        assert_eq!(h.total(), 5);
        assert_eq!((h.quantile(0.0), h.quantile(1.0)), (Some(0.1), Some(0.4)));
        let h = histogram_of(&[0.1, 0.2, f64::INFINITY]);
        assert_eq!(h.quantile(1.0), Some(f64::INFINITY));
        assert!(histogram_of(&[f64::NAN; 3]).quantile(0.5).unwrap().is_nan());
    }

    #[test]
    fn percentiles_within_16_are_those_of_the_fixed_range_histogram() {
        // Pinned from the fixed-range histogram (bins clamped to +/-16) this
        // replaced, on the same samples counted in batches of 1,000:
        // q = 0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.
        let mut uniform = lcg(0x2545_f491_4f6c_dd1d);
        let margins: Vec<f64> = (0..20_000).map(|_| (uniform() + uniform() + uniform() - 1.5) * 0.2).collect();
        let differences: Vec<f64> = (0..20_000).map(|_| 0.016 + (uniform() - 0.5) / 300.0).collect();
        let wide: Vec<f64> = (0..20_000).map(|_| (uniform() - 0.5) * 31.9).collect();
        let pinned: [(&[f64], [f64; 7]); 3] = [
            (
                &margins,
                [
                    -0.2861295536508724,
                    -0.16578826904296876,
                    -0.07172066824776785,
                    -0.0007313747032015932,
                    0.06884511311848959,
                    0.16418631417410712,
                    0.28885776122594387,
                ],
            ),
            (
                &differences,
                [
                    0.014333641995194326,
                    0.014503433024373685,
                    0.015172842457808183,
                    0.01600673814910352,
                    0.01684893055294093,
                    0.017504710535849295,
                    0.017666621089613987,
                ],
            ),
            (
                &wide,
                [
                    -15.943588508572702,
                    -14.40003662109375,
                    -8.04486083984375,
                    0.045654296875,
                    7.9686126708984375,
                    14.350164794921875,
                    15.949730453699063,
                ],
            ),
        ];
        for (values, expected) in pinned {
            let mut h = Histogram::default();
            values.chunks(1000).for_each(|batch| h.add_batch(batch));
            let got = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0].map(|q| h.quantile(q).unwrap());
            assert_eq!(got.map(f64::to_bits), expected.map(f64::to_bits), "{got:?}");
        }
    }

    #[test]
    fn merging_random_pieces_in_any_order_gives_the_same_histogram() {
        // Ordinary margins, a spread below -16, a far tail, end-bin values
        // and NaN, cut into pieces of random sizes.
        let mut uniform = lcg(99);
        let mut values: Vec<f64> = (0..30_000)
            .map(|i| match i % 10 {
                0 => -99.0 + 90.0 * uniform(),
                1 => {
                    let u = uniform();
                    -313.0 * (u * u)
                }
                _ => uniform() * 0.5 - 0.3,
            })
            .collect();
        values.extend([-1e6, f64::NEG_INFINITY, -1e300, 1e300, f64::NAN, 0.5]);
        let mut cuts = vec![0];
        while let Some(&last) = cuts.last().filter(|&&last| last < values.len()) {
            cuts.push((last + 1 + (uniform() * 3000.0) as usize).min(values.len()));
        }
        let pieces: Vec<Histogram> = cuts.windows(2).map(|cut| histogram_of(&values[cut[0]..cut[1]])).collect();
        let whole = histogram_of(&values);
        let forward = pieces.iter().fold(Histogram::default(), |mut a, b| {
            a.merge(b);
            a
        });
        let backward = pieces.iter().rev().fold(Histogram::default(), |mut a, b| {
            a.merge(b);
            a
        });
        let mut tree = pieces.clone();
        while tree.len() > 1 {
            tree = tree
                .chunks(2)
                .map(|pair| {
                    let mut a = pair[0].clone();
                    pair.iter().skip(1).for_each(|b| a.merge(b));
                    a
                })
                .collect();
        }
        let encoded = |h: &Histogram| {
            let mut out = Vec::new();
            h.encode_into(&mut out);
            out
        };
        let qs = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0];
        for merged in [&forward, &backward, &tree[0]] {
            assert!(*merged == whole);
            assert_eq!(encoded(merged), encoded(&whole));
            let bits = |h: &Histogram| qs.map(|q| h.quantile(q).unwrap().to_bits());
            assert_eq!(bits(merged), bits(&whole));
        }
    }

    #[test]
    fn memory_follows_the_spread_not_the_paths() {
        let dense_pages = |h: &Histogram| h.pages.values().filter(|page| matches!(page, Page::Dense(_))).count();
        // 100,000 ordinary margins: the pages of -0.3..0.2, 4 KiB each.
        let mut uniform = lcg(3);
        let ordinary: Vec<f64> = (0..100_000).map(|_| uniform() * 0.5 - 0.3).collect();
        let h = histogram_of(&ordinary);
        assert_eq!(h.pages.len(), 3);
        // A thin tail of 2,000 margins scattered over -10,000..-16: lists
        // of their bins, no arrays (8 bytes a bin, not 4 KiB a page).
        let tail: Vec<f64> = (0..2_000).map(|_| -16.0 - 9984.0 * uniform()).collect();
        let h = histogram_of(&tail);
        assert_eq!(dense_pages(&h), 0);
        assert!(h.pages.len() <= 2_000);
    }
}
