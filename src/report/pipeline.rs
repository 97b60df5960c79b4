//! A run from plan to results directory, as `seqsim run`, `seqsim merge`
//! and the workbench all do it: [`simulate`] the paths (and, for archetype
//! plans, the attribution runs), then [`write()`] every output of the finished
//! run into a staging directory. The commands add only what is theirs:
//! where the paths come from (a range, shards, a job), progress, Ctrl-C,
//! and what they print.

use crate::analysis;
use crate::engine::{self, summary, Accumulator, EngineError, Plan};

use super::{CohortTables, OutputError, Provenance, RunFacts, RunRecord, RunTables, RunTimes, Staging};

/// Simulates `range` of `plan` and, for an archetype plan, its attribution
/// runs, reporting progress to `advance` (which stops the run by returning false).
pub fn simulate(
    plan: &Plan,
    seed: u64,
    range: std::ops::Range<u64>,
    threads: usize,
    cohort: bool,
    advance: &(dyn Fn(u64) -> bool + Sync),
) -> Result<(Accumulator, Vec<Accumulator>), EngineError> {
    let acc = engine::simulate(plan, seed, range.clone(), threads, advance)?;
    let attribution =
        if cohort { Vec::new() } else { analysis::attribution_runs(plan, seed, range, threads, advance)? };
    Ok((acc, attribution))
}

/// A finished simulation, ready to be written.
pub struct Finished<'a> {
    /// The plan that was run.
    pub plan: &'a Plan,
    /// Its accumulator.
    pub acc: &'a Accumulator,
    /// The attribution runs' accumulators (archetype runs with stacked reforms).
    pub attribution: &'a [Accumulator],
    /// Whether the plan is a cohort's.
    pub cohort: bool,
    /// A cohort's `--by` columns.
    pub by: &'a [String],
    /// Also write the charts as PNG.
    pub png: bool,
    /// Each policy's effect with and without cost responses (`--both-readings`; else empty).
    pub readings: &'a [analysis::ReadingRow],
}

/// Summarises a finished run and writes its outputs (archetype or cohort)
/// into `staging`; returns the run record and the summary. Committing the
/// directory is the caller's.
pub fn write(
    staging: &mut Staging,
    finished: &Finished<'_>,
    facts: RunFacts,
    provenance: &Provenance,
    times: &RunTimes,
) -> Result<(RunRecord, summary::Summary), OutputError> {
    let plan = finished.plan;
    let summary = summary::summarize(plan, finished.acc);
    let record = if !finished.cohort {
        let attribution = analysis::attribution(plan, &summary.compare, finished.attribution);
        let tables = RunTables {
            plan,
            summary: &summary,
            attribution: &attribution,
            png: finished.png,
            readings: finished.readings,
        };
        super::write_run(staging, &tables, facts, provenance, times)?
    } else {
        let groups = summary::groups(plan, finished.acc, &summary.summary);
        let tables = CohortTables { plan, summary: &summary, groups: &groups, by: finished.by };
        super::write_cohort_run(staging, &tables, facts, provenance, times)?
    };
    Ok((record, summary))
}
