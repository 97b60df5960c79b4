//! A scenario compiled for the engine: every amount in `f64`, every policy's
//! levers resolved per practice and year, every driver's sampler built.

use crate::model::{self, Terms};
use crate::policy::Resolution;
use crate::scenario::{Driver, Scenario, Scope};

use super::draws::{to_f64, DistError, ScopeSampler};
use super::rng::practice_key;
use super::shocks::PracticeShocks;

/// One year's levers for one practice under one policy, in the linear form
/// `u_t = update_constant + update_mei_weight * mei_t` (before the clamp).
#[derive(Clone, Copy, Debug)]
pub(crate) struct YearLevers {
    pub sequestration: f64,
    pub update_constant: f64,
    pub update_mei_weight: f64,
    pub add_on: f64,
    pub relief: f64,
}

/// A practice ready to simulate.
#[derive(Clone, Debug)]
pub struct PracticePlan {
    /// Practice id.
    pub id: String,
    /// Label.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Real practices it stands for.
    pub count: f64,
    pub(crate) terms: Terms<f64>,
    pub(crate) stream_key: u64,
    /// `[policy * years + year]`.
    pub(crate) levers: Vec<YearLevers>,
    pub(crate) sampler: ScopeSampler,
    /// `noise` and `shared` on its drivers, if any (MODEL.md v1.3 §3).
    pub(crate) shocks: Option<PracticeShocks>,
    /// Grouping attributes (from a cohort file).
    pub attributes: Vec<(String, String)>,
    /// The group this practice's margins are pooled into, if grouping is on.
    pub group: Option<usize>,
}

impl PracticePlan {
    /// The value of grouping attribute `name` (a cohort column), empty when
    /// the practice has none.
    pub fn attribute(&self, name: &str) -> &str {
        self.attributes.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

/// A policy's name and label.
#[derive(Clone, Debug)]
pub struct PolicyInfo {
    /// Name.
    pub name: String,
    /// Label for people.
    pub label: String,
    /// Index of its `base:` policy, if any (for attribution).
    pub base: Option<usize>,
}

/// The compiled scenario.
#[derive(Clone, Debug)]
pub struct Plan {
    /// First projected year.
    pub start_year: i32,
    /// Number of projected years.
    pub years: usize,
    /// Practices in scenario order.
    pub practices: Vec<PracticePlan>,
    /// Policies in scenario order.
    pub policies: Vec<PolicyInfo>,
    /// Index of the baseline policy.
    pub baseline: usize,
    /// Distinct kinds in order of first appearance.
    pub kinds: Vec<String>,
    pub(crate) macro_sampler: ScopeSampler,
    /// Policy evaluation order: the baseline first, so paired differences are at hand.
    pub(crate) order: Vec<usize>,
    /// Names of the groups practices are pooled into (`--by`), each the group's key values.
    pub groups: Vec<Vec<String>>,
    /// Whether each cell keeps its own margin histograms.
    pub cell_histograms: bool,
    /// Whether evaluations identical to an earlier policy's are copied
    /// rather than computed ([`Plan::duplicates`]); off only to test that
    /// copying changes no bit.
    pub skip_duplicates: bool,
}

/// Why a scenario could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A distribution could not be set up.
    #[error(transparent)]
    Distribution(#[from] DistError),
    /// A policy's levers overflowed.
    #[error("policy `{policy}`: a lever value is out of range")]
    Lever {
        /// Policy name.
        policy: String,
    },
}

impl Plan {
    /// Compiles a validated scenario and its resolved policies.
    pub fn compile(scenario: &Scenario, resolution: &Resolution) -> Result<Plan, PlanError> {
        let years = scenario.years as usize;
        let scope_of = |d: Driver| scenario.drivers[d.index()].scope;
        let macro_drivers: Vec<(Driver, &crate::scenario::Dist)> = Driver::ALL
            .into_iter()
            .filter(|d| scope_of(*d) == Scope::Macro)
            .map(|d| (d, &scenario.drivers[d.index()].dist))
            .collect();
        let macro_sampler = ScopeSampler::new(&macro_drivers, &scenario.correlations)?;
        let mut practices = Vec::new();
        for practice in &scenario.practices {
            let practice_drivers: Vec<(Driver, &crate::scenario::Dist)> = Driver::ALL
                .into_iter()
                .filter(|d| scope_of(*d) == Scope::Practice)
                .map(|d| (d, scenario.driver_for(practice, d)))
                .collect();
            let sampler = ScopeSampler::new(&practice_drivers, &scenario.correlations)?;
            let mut levers = Vec::with_capacity(scenario.policies.len() * years);
            for (k, policy) in scenario.policies.iter().enumerate() {
                let lever_error = || PlanError::Lever { policy: policy.name.clone() };
                let resolved = resolution.levers(k, &practice.kind).ok_or_else(lever_error)?;
                for year in &resolved.years {
                    let (constant, weight) = year.medicare_update.linear().ok_or_else(lever_error)?;
                    let rate = |v: &crate::policy::YearValue| {
                        v.weighted(rust_decimal::Decimal::ZERO).map(to_f64).ok_or_else(lever_error)
                    };
                    levers.push(YearLevers {
                        sequestration: rate(&year.sequestration)?,
                        update_constant: to_f64(constant),
                        update_mei_weight: to_f64(weight),
                        add_on: rate(&year.medicare_add_on)?,
                        relief: rate(&year.relief)?,
                    });
                }
            }
            practices.push(PracticePlan {
                id: practice.id.clone(),
                name: practice.name.clone(),
                kind: practice.kind.clone(),
                count: to_f64(practice.count),
                terms: model::terms(practice, to_f64),
                stream_key: practice_key(&practice.id),
                levers,
                sampler,
                shocks: PracticeShocks::new(scenario, practice),
                attributes: practice.attributes.clone(),
                group: None,
            });
        }
        let mut order = vec![scenario.baseline];
        order.extend((0..scenario.policies.len()).filter(|k| *k != scenario.baseline));
        Ok(Plan {
            start_year: scenario.start_year,
            years,
            practices,
            policies: scenario
                .policies
                .iter()
                .map(|p| PolicyInfo { name: p.name.clone(), label: p.label.clone(), base: p.base })
                .collect(),
            baseline: scenario.baseline,
            kinds: scenario.kinds(),
            macro_sampler,
            order,
            groups: Vec::new(),
            cell_histograms: true,
            skip_duplicates: true,
        })
    }

    /// The cell layout of this plan.
    pub fn layout(&self) -> super::Layout {
        super::Layout {
            practices: self.practices.len(),
            policies: self.policies.len(),
            years: self.years,
            groups: self.groups.len(),
            cell_histograms: self.cell_histograms,
        }
    }

    /// Pools practices into groups by the values of `by` (attribute columns,
    /// or `kind`): each group gets one margin histogram per policy and year.
    /// Returns the columns no practice has.
    pub fn group_by(&mut self, by: &[String]) -> Vec<String> {
        let missing: Vec<String> = by
            .iter()
            .filter(|c| *c != "kind" && self.practices.iter().all(|p| !p.attributes.iter().any(|(k, _)| k == *c)))
            .cloned()
            .collect();
        if !missing.is_empty() || by.is_empty() {
            return missing;
        }
        self.groups.clear();
        for practice in &mut self.practices {
            let key: Vec<String> = by
                .iter()
                .map(|c| {
                    if c == "kind" {
                        practice.kind.clone()
                    } else {
                        practice.attributes.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default()
                    }
                })
                .collect();
            let index = match self.groups.iter().position(|g| *g == key) {
                Some(i) => i,
                None => {
                    self.groups.push(key);
                    self.groups.len() - 1
                }
            };
            practice.group = Some(index);
        }
        Vec::new()
    }

    /// For each practice x policy (`[practice * policies + policy]`), an
    /// earlier policy in evaluation order whose levers for that practice are
    /// identical in every year: its results are copies, so the engine copies
    /// them instead of evaluating again (bit-identical either way).
    pub fn duplicates(&self) -> Vec<Option<usize>> {
        let (policies, years) = (self.policies.len(), self.years);
        let same = |a: &YearLevers, b: &YearLevers| {
            a.sequestration.to_bits() == b.sequestration.to_bits()
                && a.update_constant.to_bits() == b.update_constant.to_bits()
                && a.update_mei_weight.to_bits() == b.update_mei_weight.to_bits()
                && a.add_on.to_bits() == b.add_on.to_bits()
                && a.relief.to_bits() == b.relief.to_bits()
        };
        let mut out = vec![None; self.practices.len() * policies];
        if !self.skip_duplicates {
            return out;
        }
        for (p, practice) in self.practices.iter().enumerate() {
            let levers = |k: usize| &practice.levers[k * years..(k + 1) * years];
            for (position, &k) in self.order.iter().enumerate() {
                out[p * policies + k] = self.order[..position].iter().copied().find(|&j| {
                    out[p * policies + j].is_none() && levers(j).iter().zip(levers(k)).all(|(a, b)| same(a, b))
                });
            }
        }
        out
    }

    /// Whether some practice reads the macro noise stream, and the shared
    /// stream (MODEL.md v1.3 §3): each is drawn once per path if so.
    pub(crate) fn path_shocks(&self) -> (bool, bool) {
        let shocks = || self.practices.iter().filter_map(|p| p.shocks.as_ref());
        (shocks().any(PracticeShocks::macro_noise), shocks().any(PracticeShocks::reads_shared))
    }

    /// The same plan with every cost response off (MODEL.md v1.3: the
    /// reading of a cut as margin erosion), or `None` when no practice has
    /// one. The draws are the same: a response uses no randomness.
    pub fn without_cost_response(&self) -> Option<Plan> {
        let responds = |p: &PracticePlan| p.terms.response != crate::model::Response::Fixed;
        if !self.practices.iter().any(responds) {
            return None;
        }
        let mut plan = self.clone();
        for practice in &mut plan.practices {
            practice.terms.response = crate::model::Response::Fixed;
        }
        Some(plan)
    }

    /// Evaluations per path the engine computes rather than copies (see [`Plan::duplicates`]).
    pub fn computed_evaluations_per_path(&self) -> u64 {
        (self.duplicates().iter().filter(|d| d.is_none()).count() * self.years) as u64
    }

    /// Evaluations per path: practices x policies x years (the unit of throughput).
    pub fn evaluations_per_path(&self) -> u64 {
        (self.practices.len() * self.policies.len() * self.years) as u64
    }
}
