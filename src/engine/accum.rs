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
    pub const COUNT: usize = 15;
}

/// Fixed-point scale (a power of two, so scaling is exact) per field.
pub(crate) const SCALE: [f64; field::COUNT] = {
    const MARGIN: f64 = (1u64 << 40) as f64;
    const MONEY: f64 = (1u64 << 20) as f64;
    [MARGIN, MARGIN, MONEY, MONEY, MONEY, MONEY, MONEY, MONEY, 1.0, 1.0, 1.0, MARGIN, MARGIN, MONEY, MONEY]
};

/// A fixed-width histogram over a value (margin or margin difference), with
/// its exact minimum and maximum. Bins are `2^-12` wide (about 0.024
/// percentage points), so percentiles read from it are within one bin width
/// of the exact sample percentile (MODEL.md §5 allows 0.05 points). The bin
/// range grows as values arrive; values beyond +/-16 share the end bins.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    /// Index of the first bin in `counts` (bin `b` covers `[b, b + 1) / 4096`).
    pub(crate) first_bin: i64,
    pub(crate) counts: Vec<u32>,
    pub(crate) total: u64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

/// The smallest and largest of `values`, or `None` if there are none or
/// any is NaN. One pass, four running minima, maxima and sums side by side
/// (a NaN makes its lane's sum NaN; so can infinities of both signs, which
/// only sends the batch down the value-by-value path).
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
    for (i, &v) in quads.remainder().iter().enumerate() {
        low[i] = if v < low[i] { v } else { low[i] };
        high[i] = if v > high[i] { v } else { high[i] };
        sum[i] += v;
    }
    if sum.iter().any(|s| s.is_nan()) {
        return None;
    }
    let min = low.into_iter().fold(first, |a, b| if b < a { b } else { a });
    let max = high.into_iter().fold(first, |a, b| if b > a { b } else { a });
    Some((min, max))
}

/// `floor(x)` for `0 <= x < 2^51`, without a float-to-integer conversion:
/// adding `2^52` leaves `x` rounded to the nearest integer in the low
/// mantissa bits, and one compare corrects a round-up.
#[inline(always)]
fn floor_small(x: f64) -> i64 {
    const MAGIC: f64 = 4_503_599_627_370_496.0; // 2^52
    let y = x + MAGIC;
    let nearest = (y.to_bits() - MAGIC.to_bits()) as i64;
    nearest - i64::from(y - MAGIC > x)
}

/// The widest batch (in bins) counted in a [`BatchScratch`] table before it
/// is added to the histogram in one sequential pass; wider batches are
/// counted straight into the histogram.
const TABLE_BINS: usize = 4096;

/// Reusable buffers for counting a batch: its [`bin_number`]s, and a table
/// of counters for the batch's bins. Counting there first means the
/// histogram (often larger than the cache) is never hit at random.
#[derive(Debug, Default)]
pub(crate) struct BatchScratch {
    pub(crate) bins: Vec<u32>,
    pub(crate) table: Vec<u32>,
}

/// The bin of `value` counted from the lowest bin, `floor(value * 4096) + 65536`
/// clamped to `0..=131071` (values beyond +/-16 share the end bins; NaN
/// lands in bin 0). Branch-free, so the engine bins four paths at once.
#[inline(always)]
#[allow(clippy::manual_clamp)] // `max` then `min` send NaN to 0; `clamp` would keep the NaN.
pub(crate) fn bin_number(value: f64) -> u32 {
    const TOP: f64 = (HIGHEST_BIN - LOWEST_BIN) as f64 + 0.5;
    floor_small((value * BINS_PER_UNIT - LOWEST_BIN as f64).max(0.0).min(TOP)) as u32
}

/// Counts `bins` into `table[..span]`: bin `b` goes to counter `b + offset`,
/// known to be in `0..span`. Bunched values (paired differences often are)
/// go round four planes of counters, so no increment waits for the one
/// before it; the planes are then added into the first.
fn count_in_table(bins: &[u32], offset: i64, span: usize, table: &mut Vec<u32>) {
    let planes = if span <= TABLE_BINS / 4 { 4 } else { 1 };
    table.clear();
    table.resize(planes * span, 0);
    let mut bump = |at: i64| {
        if let Some(count) = table.get_mut(at as usize) {
            *count += 1;
        }
    };
    let span = span as i64;
    if planes == 4 {
        let mut quads = bins.chunks_exact(4);
        for quad in &mut quads {
            bump(i64::from(quad[0]) + offset);
            bump(span + i64::from(quad[1]) + offset);
            bump(2 * span + i64::from(quad[2]) + offset);
            bump(3 * span + i64::from(quad[3]) + offset);
        }
        for (plane, &bin) in quads.remainder().iter().enumerate() {
            bump(plane as i64 * span + i64::from(bin) + offset);
        }
        let span = span as usize;
        let (first, rest) = table.split_at_mut(span);
        let (second, rest) = rest.split_at(span);
        let (third, fourth) = rest.split_at(span);
        for (((a, b), c), d) in first.iter_mut().zip(second).zip(third).zip(fourth) {
            *a += b + c + d;
        }
    } else {
        for &bin in bins {
            bump(i64::from(bin) + offset);
        }
    }
}

/// Bins per unit of value.
pub const BINS_PER_UNIT: f64 = 4096.0;
const LOWEST_BIN: i64 = -16 * 4096;
const HIGHEST_BIN: i64 = 16 * 4096 - 1;

impl PartialEq for Histogram {
    /// Equal when they count the same values: the allocated bin range may differ.
    fn eq(&self, other: &Histogram) -> bool {
        self.total == other.total
            && self.min.to_bits() == other.min.to_bits()
            && self.max.to_bits() == other.max.to_bits()
            && self.occupied() == other.occupied()
    }
}

impl Histogram {
    /// The first occupied bin and the counts from it to the last occupied bin.
    pub fn occupied(&self) -> (i64, &[u32]) {
        let start = self.counts.iter().position(|c| *c > 0).unwrap_or(0);
        let end = self.counts.iter().rposition(|c| *c > 0).map_or(start, |e| e + 1);
        (self.first_bin + start as i64, &self.counts[start..end])
    }

    #[inline(always)]
    fn bin_of(value: f64) -> i64 {
        i64::from(bin_number(value)) + LOWEST_BIN
    }

    /// Counts one value.
    #[inline(always)]
    pub fn add(&mut self, value: f64) {
        let bin = Self::bin_of(value);
        self.cover(bin, bin);
        self.counts[(bin - self.first_bin) as usize] += 1;
        self.tally(value, value, 1);
    }

    /// Grows the bin range, if needed, to hold bins `low..=high`.
    #[inline(always)]
    fn cover(&mut self, low: i64, high: i64) {
        if self.counts.is_empty() || low < self.first_bin || high >= self.first_bin + self.counts.len() as i64 {
            self.grow(low);
            self.grow(high);
        }
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

    /// Counts a batch of values: the bin range is grown once to cover the
    /// batch, then each value is counted (same result as [`Histogram::add`]
    /// value by value).
    pub fn add_batch(&mut self, values: &[f64]) {
        self.add_batch_with(values, &mut BatchScratch::default());
    }

    /// [`Histogram::add_batch`] with reusable buffers.
    pub(crate) fn add_batch_with(&mut self, values: &[f64], scratch: &mut BatchScratch) {
        let Some((min, max)) = range(values) else {
            values.iter().for_each(|v| self.add(*v));
            return;
        };
        scratch.bins.clear();
        scratch.bins.extend(values.iter().map(|v| bin_number(*v)));
        self.add_bins(&scratch.bins, min, max, &mut scratch.table);
    }

    /// Counts a batch given as its [`bin_number`]s and its exact minimum and
    /// maximum (no NaN among them), using `table` as working space.
    pub(crate) fn add_bins(&mut self, bins: &[u32], min: f64, max: f64, table: &mut Vec<u32>) {
        if bins.is_empty() {
            return;
        }
        let (low, high) = (Self::bin_of(min), Self::bin_of(max));
        self.cover(low, high);
        let span = (high - low + 1) as usize;
        let start = (low - self.first_bin) as usize;
        let offset = LOWEST_BIN - low;
        if low == high {
            // All in one bin (a policy identical to the baseline gives all-zero differences).
            if let Some(count) = self.counts.get_mut(start) {
                *count += bins.len() as u32;
            }
        } else if span <= TABLE_BINS {
            count_in_table(bins, offset, span, table);
            for (count, local) in self.counts[start..].iter_mut().zip(&table[..span]) {
                *count += local;
            }
        } else {
            for &bin in bins {
                if let Some(count) = self.counts.get_mut((i64::from(bin) + offset) as usize + start) {
                    *count += 1;
                }
            }
        }
        self.tally(min, max, bins.len() as u64);
    }

    #[cold]
    fn grow(&mut self, bin: i64) {
        let (low, high) = if self.counts.is_empty() {
            (bin - 64, bin + 64)
        } else {
            let end = self.first_bin + self.counts.len() as i64;
            (self.first_bin.min(bin - 64), end.max(bin + 65))
        };
        let low = low.max(LOWEST_BIN);
        let high = high.min(HIGHEST_BIN + 1);
        let mut counts = vec![0u32; (high - low) as usize];
        for (i, c) in self.counts.iter().enumerate() {
            counts[(self.first_bin - low) as usize + i] = *c;
        }
        self.first_bin = low;
        self.counts = counts;
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
        self.cover(other.first_bin, other.first_bin + other.counts.len() as i64 - 1);
        for (i, c) in other.counts.iter().enumerate() {
            let at = (other.first_bin - self.first_bin) as usize + i;
            self.counts[at] += c;
        }
        self.tally(other.min, other.max, other.total);
    }

    /// Number of values counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Estimate of the `rank`-th smallest value (0-based): exact for the
    /// smallest and largest, otherwise spread evenly inside its bin.
    fn order_statistic(&self, rank: u64) -> f64 {
        if rank == 0 {
            return self.min;
        }
        if rank + 1 >= self.total {
            return self.max;
        }
        let mut before = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            let count = u64::from(count);
            if rank < before + count {
                let bin = self.first_bin + i as i64;
                let low = (bin as f64 / BINS_PER_UNIT).max(self.min);
                let high = ((bin + 1) as f64 / BINS_PER_UNIT).min(self.max);
                let within = (rank - before) as f64 + 0.5;
                return low + (high - low) * within / count as f64;
            }
            before += count;
        }
        self.max
    }

    /// The type-7 sample quantile (position `(N-1)q`, linear between order
    /// statistics), read from the histogram; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        if self.min == self.max {
            return Some(self.min);
        }
        let position = (self.total - 1) as f64 * q;
        let rank = position.floor() as u64;
        let fraction = position - rank as f64;
        let low = self.order_statistic(rank);
        if fraction == 0.0 {
            return Some(low);
        }
        let high = self.order_statistic(rank + 1);
        Some(low + fraction * (high - low))
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
}

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
            groups: vec![Histogram::default(); layout.groups * layout.policies * layout.years],
        }
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
    }

    /// Folds one chunk's `f64` partial sums in, quantised to fixed point.
    pub(crate) fn absorb_chunk(&mut self, chunk: &[f64], paths: u64) {
        self.paths += paths;
        for (i, (sum, partial)) in self.sums.iter_mut().zip(chunk).enumerate() {
            *sum += (partial * SCALE[i % field::COUNT]) as i128;
        }
    }

    /// The total of `field` over all paths for `cell`, in natural units.
    pub(crate) fn sum(&self, cell: usize, field: usize) -> f64 {
        self.sums[cell * field::COUNT + field] as f64 / SCALE[field]
    }

    /// Encodes the state as bytes (little-endian, histograms trimmed to
    /// their occupied bins); [`Accumulator::decode`] reverses it exactly.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for n in [self.layout.practices, self.layout.policies, self.layout.years, self.layout.groups] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        out.push(u8::from(self.layout.cell_histograms));
        out.extend_from_slice(&self.paths.to_le_bytes());
        for sum in &self.sums {
            out.extend_from_slice(&sum.to_le_bytes());
        }
        for histogram in self.margin.iter().chain(&self.dmargin).chain(&self.groups) {
            let (first_bin, counts) = histogram.occupied();
            out.extend_from_slice(&first_bin.to_le_bytes());
            out.extend_from_slice(&histogram.total.to_le_bytes());
            out.extend_from_slice(&histogram.min.to_bits().to_le_bytes());
            out.extend_from_slice(&histogram.max.to_bits().to_le_bytes());
            out.extend_from_slice(&(counts.len() as u64).to_le_bytes());
            for count in counts {
                out.extend_from_slice(&count.to_le_bytes());
            }
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
        // Every cell needs at least its sums and two histogram headers.
        if cells.checked_mul(field::COUNT * 16 + 2 * 40)? > bytes.len() {
            return None;
        }
        let paths = reader.u64()?;
        let sums = (0..cells * field::COUNT).map(|_| reader.i128()).collect::<Option<Vec<i128>>>()?;
        let histogram_cells = if cell_histograms { cells } else { 0 };
        if group_cells > bytes.len() {
            return None;
        }
        let count = 2 * histogram_cells + group_cells;
        let mut histograms = Vec::with_capacity(count);
        for _ in 0..count {
            let first_bin = reader.i64()?;
            let total = reader.u64()?;
            let min = f64::from_bits(reader.u64()?);
            let max = f64::from_bits(reader.u64()?);
            let len = usize::try_from(reader.u64()?).ok()?;
            if len > HIGHEST_BIN.abs_diff(LOWEST_BIN) as usize + 1 || len.checked_mul(4)? > bytes.len() {
                return None;
            }
            let counts = (0..len).map(|_| reader.u32()).collect::<Option<Vec<u32>>>()?;
            if counts.iter().map(|c| u64::from(*c)).sum::<u64>() != total {
                return None;
            }
            histograms.push(Histogram { first_bin, counts, total, min, max });
        }
        if reader.at != bytes.len() {
            return None;
        }
        let groups = histograms.split_off(2 * histogram_cells);
        let dmargin = histograms.split_off(histogram_cells);
        Some(Accumulator { layout, paths, sums, margin: histograms, dmargin, groups })
    }
}

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
        let values: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.37).sin() * 2.0).collect();
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
        acc.absorb_chunk(&[0.25; 4 * field::COUNT], 3);
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
        // Far below -16 is the lowest bin (a saturating conversion once
        // wrapped it round to the highest), far above is the highest.
        assert_eq!(Histogram::bin_of(-1e300), LOWEST_BIN);
        assert_eq!(Histogram::bin_of(f64::NEG_INFINITY), LOWEST_BIN);
        assert_eq!(Histogram::bin_of(1e300), HIGHEST_BIN);
        assert_eq!(Histogram::bin_of(-16.0), LOWEST_BIN);
        assert_eq!(Histogram::bin_of(-1.0 / 4096.0), -1);
        assert_eq!(Histogram::bin_of(0.0), 0);
        assert_eq!(Histogram::bin_of(f64::NAN), LOWEST_BIN);
    }

    #[test]
    fn floor_without_conversion_is_floor() {
        // Integers, values just either side of them, halves (the round-to-even ties).
        for k in [0.0f64, 1.0, 2.0, 3.0, 65535.0, 65536.0, 65537.0, 131071.0, 2f64.powi(50)] {
            for x in [k, k + 0.5, k + 0.25, k.next_up(), k.next_down(), (k + 1.0).next_down()] {
                if x >= 0.0 {
                    assert_eq!(floor_small(x), x.floor() as i64, "floor({x})");
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
        let batches = [&spread[..], &edges, &[0.0; 100], &[-40.0, 0.01, 40.0, -16.0, 16.0], &[]].into_iter().chain(odd);
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
}
