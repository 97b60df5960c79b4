//! The dynamics of MODEL.md v1.3 §3 in the engine: one-off shocks `n_t =
//! s z_t` to an index's level and lasting shared shocks `S_t = S_{t-1} (1 +
//! c w_t)`, applied to the indices a practice's draws have grown.
//!
//! Each comes from a stream of its own ([`super::rng`]): `z_t` of a
//! practice-scope driver from the practice's noise stream (seed, path,
//! `<noise>` + id), `z_t` of a macro driver from the path's macro noise
//! stream, `w_t` from the path's shared stream. Every year each stream
//! gives one standard normal per index-growing driver, in canonical order,
//! whether or not that driver has the key: adding `noise` or `shared` to
//! one driver changes no other draw. The driver draws and the copula use
//! none of these streams.

use super::lanes::{Lanes, LANES};
use super::rng::{self, Streams};
use super::samplers::{standard_normal, standard_normals};
use crate::model::{self, Indices};
use crate::scenario::{Driver, Practice, Scenario, Scope};

/// One standard normal per driver slot (zero for `ma_shift` and `mei`).
pub(crate) type Normals<T> = [T; Driver::COUNT];

/// The index-growing drivers, in the order their normals are drawn.
fn index_slots() -> impl Iterator<Item = usize> {
    Driver::ALL.into_iter().filter(|d| d.grows_index()).map(Driver::index)
}

/// A practice's `noise` and `shared` values, by driver slot.
#[derive(Clone, Debug)]
pub(crate) struct PracticeShocks {
    /// `s` per slot: the sd of the one-off shock.
    noise: [f64; Driver::COUNT],
    /// Whether a slot's `z_t` comes from the macro noise stream (a macro driver).
    macro_slot: [bool; Driver::COUNT],
    /// `c` per slot: the sd of the practice's share of the shared shock.
    shared: [f64; Driver::COUNT],
    /// The key of the practice's own noise stream.
    pub(crate) noise_key: u64,
    /// The slots with `noise` or `shared`.
    active: Vec<usize>,
}

impl PracticeShocks {
    /// The practice's shocks, or `None` when it has neither key on any
    /// driver (its indices are then exactly v1.2's, and nothing is drawn).
    pub(crate) fn new(scenario: &Scenario, practice: &Practice) -> Option<PracticeShocks> {
        let mut shocks = PracticeShocks {
            noise: [0.0; Driver::COUNT],
            macro_slot: [false; Driver::COUNT],
            shared: [0.0; Driver::COUNT],
            noise_key: rng::practice_noise_key(&practice.id),
            active: Vec::new(),
        };
        let mut active = false;
        for driver in Driver::ALL.into_iter().filter(|d| d.grows_index()) {
            let top = &scenario.drivers[driver.index()];
            let spec = if top.scope == Scope::Macro { top } else { scenario.spec_for(practice, driver) };
            active |= spec.dynamics.is_active();
            shocks.noise[driver.index()] = super::draws::to_f64(spec.dynamics.noise);
            shocks.shared[driver.index()] = super::draws::to_f64(spec.dynamics.shared);
            shocks.macro_slot[driver.index()] = top.scope == Scope::Macro;
            if spec.dynamics.is_active() {
                shocks.active.push(driver.index());
            }
        }
        active.then_some(shocks)
    }

    /// Whether the practice draws from its own noise stream.
    pub(crate) fn own_noise(&self) -> bool {
        index_slots().any(|slot| !self.macro_slot[slot] && self.noise[slot] != 0.0)
    }

    /// Whether the practice reads the macro noise stream.
    pub(crate) fn macro_noise(&self) -> bool {
        index_slots().any(|slot| self.macro_slot[slot] && self.noise[slot] != 0.0)
    }

    /// Whether the practice reads the shared stream.
    pub(crate) fn reads_shared(&self) -> bool {
        index_slots().any(|slot| self.shared[slot] != 0.0)
    }

    /// Applies the shocks to a group's indices, year by year: `own`,
    /// `macro_z` and `shared_w` are year `t`'s normals of the practice's
    /// noise stream, the macro noise stream and the shared stream. A slot
    /// with neither key is left as it is (`X * 1 * (1 + 0)` is `X`, bit for
    /// bit), and a slot without `shared` keeps `S_t = 1` without multiplying.
    #[inline(always)]
    pub(crate) fn apply(
        &self,
        indices: &mut [Indices<Lanes>],
        own: &[Normals<Lanes>],
        macro_z: &[Normals<Lanes>],
        shared_w: &[Normals<Lanes>],
    ) {
        let mut levels = [Lanes::splat(1.0); Driver::COUNT];
        for (t, idx) in indices.iter_mut().enumerate() {
            for &slot in &self.active {
                let noise = if self.noise[slot] == 0.0 {
                    // `X * S * (1 + 0)`: the same bits as with any z times 0.
                    Lanes::splat(0.0)
                } else {
                    let z = if self.macro_slot[slot] { macro_z[t][slot] } else { own[t][slot] };
                    model::clamp_growth(Lanes::splat(self.noise[slot]) * z)
                };
                let index = index_of(idx, slot);
                *index = if self.shared[slot] == 0.0 {
                    model::shocked_index(*index, None, noise)
                } else {
                    let shock = model::clamp_growth(Lanes::splat(self.shared[slot]) * shared_w[t][slot]);
                    levels[slot] = model::shared_level(levels[slot], shock);
                    model::shocked_index(*index, Some(levels[slot]), noise)
                };
            }
        }
    }
}

/// The index a driver slot grows.
#[inline(always)]
fn index_of<T>(idx: &mut Indices<T>, slot: usize) -> &mut T {
    match Driver::ALL[slot] {
        Driver::VolumeGrowth => &mut idx.volume,
        Driver::CommercialRateGrowth => &mut idx.commercial_price,
        Driver::MedicaidRateGrowth => &mut idx.medicaid_price,
        Driver::LaborInflation => &mut idx.labor,
        Driver::SupplyInflation => &mut idx.supplies,
        // Only index-growing slots are active; `other_inflation` is the last.
        Driver::OtherInflation | Driver::MaShift | Driver::Mei => &mut idx.other,
    }
}

/// One path's normals of the stream `key`, year by year (`None`: the mean
/// path, all zero).
pub(crate) fn path_normals(seed: Option<u64>, path: u64, key: u64, out: &mut [Normals<f64>]) {
    let Some(seed) = seed else {
        out.iter_mut().for_each(|year| *year = [0.0; Driver::COUNT]);
        return;
    };
    let mut rng = rng::stream(seed, path, key);
    for year in out {
        *year = [0.0; Driver::COUNT];
        for slot in index_slots() {
            year[slot] = standard_normal(&mut rng);
        }
    }
}

/// [`path_normals`] for [`LANES`] paths side by side, lane `l` bit for bit
/// path `paths[l]`'s.
pub(crate) fn group_normals(seed: u64, paths: [u64; LANES], key: u64, out: &mut [Normals<Lanes>]) {
    let mut rng = Streams::new(seed, paths, key);
    for year in out {
        for slot in index_slots() {
            year[slot] = Lanes(standard_normals(&mut rng));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_normals_are_the_paths_normals() {
        let paths = [3, 4, 5, 1_000_003];
        let mut lanes = vec![[Lanes::default(); Driver::COUNT]; 7];
        group_normals(42, paths, rng::SHARED_KEY, &mut lanes);
        for (lane, path) in paths.into_iter().enumerate() {
            let mut scalar = vec![[0.0; Driver::COUNT]; 7];
            path_normals(Some(42), path, rng::SHARED_KEY, &mut scalar);
            for (t, year) in scalar.iter().enumerate() {
                for slot in 0..Driver::COUNT {
                    assert_eq!(year[slot].to_bits(), lanes[t][slot].0[lane].to_bits(), "path {path} year {t}");
                }
            }
            // ma_shift and mei have no shocks.
            assert_eq!(scalar[0][Driver::Mei.index()], 0.0);
            assert_ne!(scalar[0][Driver::VolumeGrowth.index()], 0.0);
        }
    }

    #[test]
    fn the_mean_path_has_no_shocks() {
        let mut rows = vec![[1.0; Driver::COUNT]; 3];
        path_normals(None, 0, rng::SHARED_KEY, &mut rows);
        assert!(rows.iter().all(|r| r.iter().all(|v| *v == 0.0)));
    }
}
