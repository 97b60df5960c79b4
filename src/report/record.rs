//! The run record: what a results directory says about the run that wrote
//! it (provenance, timing, the scenario and its imports, and what kind of
//! run it was). `manifest.json` is its serialisation, written last, and
//! `seqsim report` reads it back with typed errors. Every human-readable
//! output is a renderer of a `&RunRecord` and typed rows.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::import::cms::MarginDefinition;

use crate::analysis::Metric;
use crate::engine::Plan;
use crate::scenario::{Citation, Lever};

use super::{Provenance, WrittenFile};

/// One run, as `manifest.json` records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Always `seqsim`.
    pub tool: String,
    /// seqsim's version.
    pub version: String,
    /// The scenario file.
    pub scenario: ScenarioFile,
    /// Seed (absent for the ledger).
    pub seed: Option<u64>,
    /// Paths (absent for the ledger).
    pub paths: Option<u64>,
    /// Start, UTC.
    pub started: String,
    /// End, UTC.
    pub finished: String,
    /// Every file written before the manifest, in order.
    pub files: Vec<FileRecord>,
    /// The policy files the scenario imports.
    pub imports: Vec<ImportRecord>,
    /// "`<name> as of <as_of>`" of the imported law the baseline stands on.
    pub baseline_law: Option<String>,
    /// Every `source:` of the scenario and its imports.
    pub sources: Vec<SourceRecord>,
    /// What the run was, with what only that kind of run records.
    #[serde(flatten)]
    pub run: RunKind,
}

/// The scenario a run read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioFile {
    /// `name:`.
    pub name: String,
    /// The file as given.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// A file of the results directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative to the directory.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// An imported policy file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    /// As written in `imports:` or given to `--import`.
    pub file: String,
    /// Its `name:`.
    pub name: String,
    /// Its `as_of:` (ISO date).
    pub as_of: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// A `source:` and where it was given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Key path, e.g. `practices[0].revenue.medicare_ffs`.
    pub path: String,
    /// The citation.
    pub source: String,
}

/// What kind of run wrote the directory (`"run"` in the manifest).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "run", rename_all = "snake_case")]
pub enum RunKind {
    /// `seqsim run` on archetype practices.
    Run(Archetypes),
    /// `seqsim run` on a cohort of facilities.
    CohortRun(CohortRun),
    /// `seqsim merge` of an archetype run's shards.
    Merge(Merged<Archetypes>),
    /// `seqsim merge` of a cohort run's shards.
    CohortMerge(Merged<CohortRun>),
    /// `seqsim sweep`.
    Sweep {
        /// The swept lever and range.
        sweep: SweepRecord,
    },
    /// `seqsim sensitivity`.
    Sensitivity {
        /// The metric, year and policy.
        sensitivity: SensitivityRecord,
    },
    /// `seqsim backtest`.
    Backtest {
        /// The releases compared and how many hospitals matched.
        backtest: BacktestRecord,
    },
}

/// What a projection (archetype or cohort) records beyond provenance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// The scenario's `description:`.
    pub description: Option<String>,
    /// First projected year.
    pub start_year: i32,
    /// Projected years.
    pub years: usize,
    /// The baseline policy's name.
    pub baseline: String,
    /// Kinds of practice, in scenario order.
    pub kinds: Vec<String>,
    /// Every policy with its label, in scenario order.
    pub policies: Vec<PolicyRecord>,
    /// Model evaluations (practices x policies x years x paths).
    pub evaluations: u64,
    /// Worker threads (absent for a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// `run --precision`: the target and whether it was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionRecord>,
}

/// A run on archetype practices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Archetypes {
    /// Years, policies and evaluations.
    #[serde(flatten)]
    pub projection: Projection,
    /// The practices with the number of real practices each stands for.
    pub practices: Vec<PracticeRecord>,
}

/// A run on a cohort of facilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CohortRun {
    /// Years, policies and evaluations.
    #[serde(flatten)]
    pub projection: Projection,
    /// The cohort's size and grouping.
    pub cohort: CohortRecord,
}

/// A merge of shards: the merged run and the shard files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Merged<T> {
    /// The shard files merged.
    pub merged_shards: Vec<String>,
    /// The run the shards make up.
    #[serde(flatten)]
    pub run: T,
}

/// A policy and its label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRecord {
    /// Name.
    pub name: String,
    /// Label for people.
    pub label: String,
}

/// An archetype practice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PracticeRecord {
    /// Id.
    pub id: String,
    /// Name for people.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Real practices it stands for.
    pub count: f64,
}

/// A cohort's size and `--by` columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CohortRecord {
    /// Facilities simulated.
    pub facilities: usize,
    /// The `--by` columns (empty without `--by`).
    pub by: Vec<String>,
    /// What the facilities' margin is, in words (from the cohort table's
    /// `margin_definition` column; see [`CohortRecord::definitions`]).
    #[serde(default)]
    pub margin: String,
    /// What their cash is, in words (from `cash_definition`).
    #[serde(default)]
    pub cash: String,
    /// The backtest's track record beside the cohort table, when there is
    /// one (see [`crate::backtest::track_record`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_record: Option<crate::backtest::track_record::TrackRecord>,
}

impl CohortRecord {
    /// The margin and cash definitions of facilities with these attributes:
    /// the words of the importer's `margin_definition` and
    /// `cash_definition` when every facility has the same, "mixed" when they
    /// differ, and what the model computes when the table does not say.
    pub fn definitions<'a>(attributes: impl Iterator<Item = &'a [(String, String)]> + Clone) -> (String, String) {
        let one = |column: &str| -> Option<Option<String>> {
            let mut values = attributes.clone().map(|a| a.iter().find(|(k, _)| k == column).map(|(_, v)| v.clone()));
            let first = values.next()?;
            values.all(|v| v == first).then_some(first).or(Some(Some("mixed".to_string())))
        };
        let margin = match one("margin_definition").flatten().as_deref() {
            Some("mixed") => "mixed: the cohort table's rows use different margin definitions".to_string(),
            Some(id) => MarginDefinition::parse(id).map_or_else(|| id.to_string(), |d| d.words().to_string()),
            None => "revenue minus costs, over revenue, as the cohort table gives them".to_string(),
        };
        let cash = match one("cash_definition").flatten().as_deref() {
            Some("with_investments") => "cash, temporary investments and investments".to_string(),
            Some("liquid") => "cash and temporary investments".to_string(),
            Some(other) => other.to_string(),
            None => "the cohort table's cash".to_string(),
        };
        (margin, cash)
    }
}

/// `run --precision SE --max-paths N` and its outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrecisionRecord {
    /// The standard error asked for.
    pub target: f64,
    /// Whether every standard error reached it.
    pub reached: bool,
    /// The largest standard error at the end.
    pub largest_standard_error: f64,
    /// Paths used.
    pub paths: u64,
    /// `--max-paths`.
    pub max_paths: u64,
}

/// A sweep's lever, policy and range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRecord {
    /// The swept lever.
    #[serde(with = "lever_name")]
    pub lever: Lever,
    /// The policy re-evaluated.
    pub policy: String,
    /// `--from`, exactly as a decimal.
    pub from: String,
    /// `--to`.
    pub to: String,
    /// `--step`.
    pub step: String,
    /// `--kinds` (empty: all).
    pub kinds: Vec<String>,
    /// `--target`, as given.
    pub target: Option<String>,
}

/// A sensitivity analysis's metric, year and policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitivityRecord {
    /// The metric.
    pub metric: Metric,
    /// The year it is read in.
    pub year: i32,
    /// The policy the drivers are varied under.
    pub policy: String,
    /// How the swings were computed, for people.
    pub method: String,
}

/// A backtest's releases and matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestRecord {
    /// The projected year compared.
    pub year: i32,
    /// The cohort's base year.
    pub base_year: i32,
    /// The projected cohort file.
    pub cohort: String,
    /// The later release.
    pub later: LaterRelease,
    /// Hospitals scored.
    pub matched: usize,
    /// Hospitals not scored.
    pub unmatched: usize,
    /// Paths of the predictive interval of the share in the red.
    pub share_paths: u64,
    /// The list of closures scored against (`--closures`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closures: Option<LaterRelease>,
}

/// A file a backtest read besides its cohort: the later release, or the list of closures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaterRelease {
    /// As given.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// Start and end of a run, UTC.
#[derive(Clone, Debug)]
pub struct RunTimes {
    /// Start.
    pub started: String,
    /// End.
    pub finished: String,
}

/// Why a manifest could not be read as a run record.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The manifest could not be read.
    #[error("{path}: cannot read it ({source}); is this a directory written by `seqsim run`?")]
    Read {
        /// The manifest.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest is not a run record (a field is missing or of the wrong type).
    #[error(
        "{path}: not a manifest this seqsim writes ({source}); it was written by another version of seqsim or \
         another tool: rerun the run with this seqsim"
    )]
    Format {
        /// The manifest.
        path: std::path::PathBuf,
        /// serde's message, naming the field.
        source: serde_json::Error,
    },
}

impl RunRecord {
    /// A record of a run with `provenance`, `times` and `run`; its `files`
    /// are filled in when the manifest is written.
    pub fn new(provenance: &Provenance, times: &RunTimes, run: RunKind) -> RunRecord {
        RunRecord {
            tool: "seqsim".to_string(),
            version: provenance.version.clone(),
            scenario: ScenarioFile {
                name: provenance.scenario_name.clone(),
                path: provenance.scenario_path.clone(),
                sha256: provenance.scenario_sha256.clone(),
            },
            seed: provenance.seed,
            paths: provenance.paths,
            started: times.started.clone(),
            finished: times.finished.clone(),
            files: Vec::new(),
            imports: provenance
                .imports
                .iter()
                .map(|i| ImportRecord {
                    file: i.file.clone(),
                    name: i.name.clone(),
                    as_of: i.as_of.to_string(),
                    sha256: i.sha256.clone(),
                })
                .collect(),
            baseline_law: provenance.baseline_law.clone(),
            sources: provenance
                .sources
                .iter()
                .map(|s| SourceRecord { path: s.path.clone(), source: s.text.clone() })
                .collect(),
            run,
        }
    }

    /// The provenance the record carries (imports are not needed again).
    pub fn provenance(&self) -> Provenance {
        Provenance {
            scenario_name: self.scenario.name.clone(),
            scenario_path: self.scenario.path.clone(),
            scenario_sha256: self.scenario.sha256.clone(),
            seed: self.seed,
            paths: self.paths,
            version: self.version.clone(),
            sources: self.sources.iter().map(|s| Citation { path: s.path.clone(), text: s.source.clone() }).collect(),
            imports: Vec::new(),
            baseline_law: self.baseline_law.clone(),
        }
    }

    /// The record with `files` listed.
    pub fn with_files(mut self, files: &[WrittenFile]) -> RunRecord {
        self.files = files
            .iter()
            .map(|f| FileRecord { name: f.name.clone(), sha256: f.sha256.clone(), bytes: f.bytes })
            .collect();
        self
    }

    /// `manifest.json`: pretty JSON with every object's keys sorted.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        // Through `Value`, whose maps are sorted, so the flattened kinds'
        // fields fall in among the common ones as they always have.
        serde_json::to_vec_pretty(&serde_json::to_value(self)?)
    }

    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<RunRecord, RecordError> {
        let path = dir.join("manifest.json");
        let bytes = std::fs::read(&path).map_err(|source| RecordError::Read { path: path.clone(), source })?;
        serde_json::from_slice(&bytes).map_err(|source| RecordError::Format { path, source })
    }

    /// The archetype run the record describes, if it is one (run or merge).
    pub fn archetypes(&self) -> Option<&Archetypes> {
        match &self.run {
            RunKind::Run(run) | RunKind::Merge(Merged { run, .. }) => Some(run),
            _ => None,
        }
    }

    /// The cohort run the record describes, if it is one (run or merge).
    pub fn cohort(&self) -> Option<&CohortRun> {
        match &self.run {
            RunKind::CohortRun(run) | RunKind::CohortMerge(Merged { run, .. }) => Some(run),
            _ => None,
        }
    }

    /// The command that wrote the directory, for messages.
    pub fn command(&self) -> &'static str {
        match self.run {
            RunKind::Run(_) | RunKind::CohortRun(_) => "seqsim run",
            RunKind::Merge(_) | RunKind::CohortMerge(_) => "seqsim merge",
            RunKind::Sweep { .. } => "seqsim sweep",
            RunKind::Sensitivity { .. } => "seqsim sensitivity",
            RunKind::Backtest { .. } => "seqsim backtest",
        }
    }
}

impl Projection {
    /// What every projection of `plan` records.
    pub fn of(plan: &Plan, description: Option<&str>, evaluations: u64, threads: Option<usize>) -> Projection {
        Projection {
            description: description.map(str::to_string),
            start_year: plan.start_year,
            years: plan.years,
            baseline: plan.policies.get(plan.baseline).map(|p| p.name.clone()).unwrap_or_default(),
            kinds: plan.kinds.clone(),
            policies: plan
                .policies
                .iter()
                .map(|p| PolicyRecord { name: p.name.clone(), label: p.label.clone() })
                .collect(),
            evaluations,
            threads,
            precision: None,
        }
    }

    /// The final projected year.
    pub fn last_year(&self) -> i32 {
        self.start_year + self.years as i32 - 1
    }

    /// The label of `policy`, or its name when it is not listed.
    pub fn label<'a>(&'a self, policy: &'a str) -> &'a str {
        self.policies.iter().find(|p| p.name == policy).map_or(policy, |p| p.label.as_str())
    }

    /// `(name, label)` of every policy, for the charts.
    pub fn policy_labels(&self) -> Vec<(String, String)> {
        self.policies.iter().map(|p| (p.name.clone(), p.label.clone())).collect()
    }
}

impl Archetypes {
    /// An archetype run of `plan`.
    pub fn of(projection: Projection, plan: &Plan) -> Archetypes {
        let practices = plan
            .practices
            .iter()
            .map(|p| PracticeRecord { id: p.id.clone(), name: p.name.clone(), kind: p.kind.clone(), count: p.count })
            .collect();
        Archetypes { projection, practices }
    }
}

/// A lever as its scenario-file name.
mod lever_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::scenario::Lever;

    pub fn serialize<S: Serializer>(lever: &Lever, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(lever.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Lever, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(|e: crate::scenario::UnknownLever| serde::de::Error::custom(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(run: RunKind) -> RunRecord {
        RunRecord {
            tool: "seqsim".into(),
            version: "0.1.0".into(),
            scenario: ScenarioFile { name: "s".into(), path: "s.yaml".into(), sha256: "ab".into() },
            seed: Some(7),
            paths: Some(100),
            started: "2026-01-01T00:00:00Z".into(),
            finished: "2026-01-01T00:00:01Z".into(),
            files: vec![FileRecord { name: "brief.md".into(), sha256: "cd".into(), bytes: 3 }],
            imports: Vec::new(),
            baseline_law: None,
            sources: vec![SourceRecord { path: "source".into(), source: "[X]".into() }],
            run,
        }
    }

    fn projection() -> Projection {
        Projection {
            description: None,
            start_year: 2027,
            years: 5,
            baseline: "law".into(),
            kinds: vec!["clinic".into()],
            policies: vec![PolicyRecord { name: "law".into(), label: "Law".into() }],
            evaluations: 500,
            threads: Some(2),
            precision: None,
        }
    }

    #[test]
    fn every_kind_round_trips_with_its_tag() {
        let archetypes = Archetypes {
            projection: projection(),
            practices: vec![PracticeRecord { id: "a".into(), name: "A".into(), kind: "clinic".into(), count: 2.5 }],
        };
        let cohort = CohortRun {
            projection: projection(),
            cohort: CohortRecord {
                facilities: 3,
                by: vec![],
                margin: String::new(),
                cash: String::new(),
                track_record: None,
            },
        };
        let kinds = [
            (RunKind::Run(archetypes.clone()), "run"),
            (RunKind::CohortRun(cohort.clone()), "cohort_run"),
            (RunKind::Merge(Merged { merged_shards: vec!["x".into()], run: archetypes }), "merge"),
            (RunKind::CohortMerge(Merged { merged_shards: vec!["y".into()], run: cohort }), "cohort_merge"),
            (
                RunKind::Sensitivity {
                    sensitivity: SensitivityRecord {
                        metric: Metric::MarginMean,
                        year: 2030,
                        policy: "law".into(),
                        method: "m".into(),
                    },
                },
                "sensitivity",
            ),
            (
                RunKind::Sweep {
                    sweep: SweepRecord {
                        lever: Lever::MedicareAddOn,
                        policy: "law".into(),
                        from: "0".into(),
                        to: "0.1".into(),
                        step: "0.05".into(),
                        kinds: vec![],
                        target: None,
                    },
                },
                "sweep",
            ),
        ];
        for (kind, tag) in kinds {
            let record = record(kind);
            let json = record.to_json().unwrap();
            let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
            assert_eq!(value["run"], tag);
            assert_eq!(serde_json::from_slice::<RunRecord>(&json).unwrap(), record);
        }
    }

    #[test]
    fn keys_are_sorted_and_kind_fields_sit_at_the_top_level() {
        let json = String::from_utf8(
            record(RunKind::Run(Archetypes { projection: projection(), practices: vec![] })).to_json().unwrap(),
        )
        .unwrap();
        let keys: Vec<&str> =
            json.lines().filter(|l| l.starts_with("  \"")).map(|l| l.trim().split('"').nth(1).unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        assert!(keys.contains(&"practices") && keys.contains(&"threads") && !keys.contains(&"precision"));
    }

    #[test]
    fn a_manifest_without_a_kind_is_refused_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), r#"{"tool": "seqsim", "version": "0.1.0"}"#).unwrap();
        let message = RunRecord::read(dir.path()).unwrap_err().to_string();
        assert!(message.contains("missing field `scenario`"), "{message}");
        let mut value =
            serde_json::to_value(record(RunKind::Run(Archetypes { projection: projection(), practices: vec![] })))
                .unwrap();
        value.as_object_mut().unwrap().remove("run");
        std::fs::write(dir.path().join("manifest.json"), value.to_string()).unwrap();
        let message = RunRecord::read(dir.path()).unwrap_err().to_string();
        assert!(message.contains("`run`"), "{message}");
    }
}
