//! Variants of a compiled plan for sweeps and sensitivity: a lever set to
//! other values, or a driver held at a quantile. Every variant keeps every
//! random stream as it was, so results are paired path by path with the
//! original (common random numbers).

use crate::scenario::{Driver, Lever, Scope};

use super::draws::DistError;
use super::plan::{PolicyInfo, YearLevers};
use super::Plan;

/// Sets `lever` to `value` in a year's levers (a Medicare update set this
/// way no longer follows the MEI).
fn set(lever: Lever, levers: &mut YearLevers, value: f64) {
    match lever {
        Lever::Sequestration => levers.sequestration = value,
        Lever::MedicareUpdate => {
            levers.update_constant = value;
            levers.update_mei_weight = 0.0;
        }
        Lever::MedicareAddOn => levers.add_on = value,
        Lever::Relief => levers.relief = value,
    }
}

impl Plan {
    /// A plan with policy `base` (now the baseline, index 0) followed by one
    /// variant per entry of `values`: variant `i` sets `lever` to
    /// `values[i][p]` in every projected year for each practice `p` with
    /// `selected[p]`, and leaves other practices as under `base`.
    pub fn lever_variants(
        &self,
        base: usize,
        lever: Lever,
        values: &[Vec<f64>],
        selected: &[bool],
        names: &[String],
    ) -> Plan {
        let years = self.years;
        let mut plan = self.clone();
        for (p, practice) in plan.practices.iter_mut().enumerate() {
            let original = &self.practices[p].levers[base * years..(base + 1) * years];
            let mut levers = original.to_vec();
            for variant in values {
                for year in original {
                    let mut year = *year;
                    if selected.get(p).copied().unwrap_or(false) {
                        set(lever, &mut year, variant.get(p).copied().unwrap_or(0.0));
                    }
                    levers.push(year);
                }
            }
            practice.levers = levers;
        }
        let base_info = self.policies[base].clone();
        plan.policies = std::iter::once(base_info)
            .chain((0..values.len()).map(|i| {
                let name = names.get(i).cloned().unwrap_or_else(|| format!("variant_{i}"));
                PolicyInfo { label: name.clone(), name, base: Some(0) }
            }))
            .collect();
        plan.baseline = 0;
        plan.order = (0..plan.policies.len()).collect();
        plan
    }

    /// A plan with policy `base` as its baseline (index 0) followed by the
    /// policies `members`, their levers unchanged: their paired differences
    /// are then against `base` (attribution of stacked reforms).
    pub fn against(&self, base: usize, members: &[usize]) -> Plan {
        let years = self.years;
        let keep: Vec<usize> = std::iter::once(base).chain(members.iter().copied()).collect();
        let mut plan = self.clone();
        for (p, practice) in plan.practices.iter_mut().enumerate() {
            let original = &self.practices[p].levers;
            practice.levers = keep.iter().flat_map(|&k| original[k * years..(k + 1) * years].iter().copied()).collect();
        }
        plan.policies = keep
            .iter()
            .enumerate()
            .map(|(i, &k)| PolicyInfo { base: (i > 0).then_some(0), ..self.policies[k].clone() })
            .collect();
        plan.baseline = 0;
        plan.order = (0..plan.policies.len()).collect();
        plan
    }

    /// A plan with only policy `policy` (as its baseline).
    pub fn only_policy(&self, policy: usize) -> Plan {
        self.lever_variants(policy, Lever::Sequestration, &[], &[], &[])
    }

    /// The same plan with `driver` held at its `q` quantile (per practice for
    /// a practice-scope driver); every other draw is unchanged.
    pub fn with_driver_pinned(&self, driver: Driver, q: f64, scope: Scope) -> Result<Plan, DistError> {
        let mut plan = self.clone();
        match scope {
            Scope::Macro => plan.macro_sampler.pin(driver, q)?,
            Scope::Practice => {
                for practice in &mut plan.practices {
                    practice.sampler.pin(driver, q)?;
                }
            }
        }
        Ok(plan)
    }

    /// Whether `driver` varies anywhere in this plan (for a practice-scope
    /// driver, in any practice).
    pub fn driver_varies(&self, driver: Driver) -> bool {
        self.macro_sampler.varies(driver) || self.practices.iter().any(|p| p.sampler.varies(driver))
    }

    /// The scope `driver` is drawn in.
    pub fn driver_scope(&self, driver: Driver) -> Scope {
        if self.macro_sampler.has(driver) {
            Scope::Macro
        } else {
            Scope::Practice
        }
    }
}
