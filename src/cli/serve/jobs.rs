//! The workbench's state: the scenarios it offers (by id), uploaded
//! scenarios (validated by the scenario reader), and runs (jobs), each
//! carried out on a blocking thread by the same functions as `seqsim run`
//! and cached by (scenario SHA-256, seed, paths).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::Digest;

use super::super::context::{self, begin_staging, check_resources, provenance};
use super::super::run::{grouped_plan, runs_per_path};
use super::super::CliError;
use crate::report::pipeline::{self, simulate, Finished};
use crate::report::{self, terminal, RunFacts};
use crate::scenario::edit::{self, Edit, EditError, PolicySchedules};
use crate::scenario::{self, Diagnostic, ImportOrigin, LoadError, Loaded};

/// A scenario the workbench can run.
#[derive(Clone)]
enum Source {
    /// A file given on the command line or found in a directory.
    File(PathBuf),
    /// Uploaded text, already validated.
    Upload(Arc<Loaded>),
}

/// A scenario as the pages show it, with the edits made in the browser.
pub struct ScenarioView {
    /// Whether it was uploaded.
    pub uploaded: bool,
    /// The first 12 hex digits of the unedited scenario's SHA-256 (a
    /// permalink carries it, so a link to an older file is refused).
    pub version: String,
    /// The edits, in the order made.
    pub edits: Vec<Edit>,
    /// The edited scenario, loaded and validated.
    pub loaded: Loaded,
    /// Its policies' lever schedules as written.
    pub schedules: Vec<PolicySchedules>,
    /// Policies of an imported file that an edit wrote into the scenario,
    /// with the file they came from and its law's citation.
    pub written_out: Vec<(String, String)>,
}

/// Why a scenario with edits cannot be shown or run.
pub enum EditProblem {
    /// The edits do not apply (a cell is not YAML, a policy is unknown).
    Edit(EditError),
    /// The edited scenario breaks a rule of the scenario reader.
    Invalid(Vec<Diagnostic>),
    /// The scenario itself does not load (message for people, no server path).
    Load(String),
}

impl EditProblem {
    /// Every problem as one line for people.
    pub fn lines(&self) -> Vec<String> {
        match self {
            EditProblem::Edit(error) => vec![error.to_string()],
            EditProblem::Invalid(diagnostics) => diagnostics.iter().map(|d| render(d, "scenario.yaml")).collect(),
            EditProblem::Load(message) => vec![message.clone()],
        }
    }
}

/// A diagnostic as `FILE:LINE:COLUMN: error: PATH: MESSAGE`, where FILE is
/// `shown` for the scenario text and an imported file's name without its
/// directory (the client never sees a server path).
pub fn render(diagnostic: &Diagnostic, shown: &str) -> String {
    let file = diagnostic
        .file
        .as_ref()
        .and_then(|f| f.file_name())
        .map_or(shown.to_string(), |f| f.to_string_lossy().into_owned());
    diagnostic.render(std::path::Path::new(&file))
}

/// Where a run is.
#[derive(Clone, Debug)]
pub enum JobState {
    /// Waiting for a free run slot.
    Queued,
    /// Simulating.
    Running,
    /// Written: the results directory's files and the headline.
    Done {
        /// The results directory.
        out: PathBuf,
        /// File names that may be downloaded.
        files: Vec<String>,
        /// The terminal's headline.
        headline: String,
    },
    /// Stopped by a person.
    Cancelled,
    /// Failed (the message is for people and names no server path).
    Failed(String),
}

/// One run.
pub struct Job {
    /// Its id.
    pub id: String,
    /// The scenario's id and name.
    pub scenario: (String, String),
    /// The edits the scenario was run with.
    pub edits: Vec<Edit>,
    /// The unedited scenario's version (see [`ScenarioView::version`]).
    pub version: String,
    /// Seed and paths.
    pub seed: u64,
    /// Paths.
    pub paths: u64,
    /// The cohort columns its tables are grouped by.
    pub by: Vec<String>,
    /// The order runs were started in.
    started: u64,
    total: AtomicU64,
    done: AtomicU64,
    cancelled: AtomicBool,
    state: Mutex<JobState>,
}

impl Job {
    /// Paths done and to do (attribution runs included).
    pub fn progress(&self) -> (u64, u64) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }

    /// Where the run is.
    pub fn state(&self) -> JobState {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set(&self, state: JobState) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = state;
    }

    /// Asks the engine to stop at its next chunk.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// The path of a downloadable file of a finished run, by name: only
    /// names the run record lists, `report.html`, `manifest.json` and
    /// `scenario.yaml`.
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        match self.state() {
            JobState::Done { out, files, .. } if files.iter().any(|f| f == name) => Some(out.join(name)),
            _ => None,
        }
    }
}

/// Why a run could not start.
pub enum StartError {
    /// No scenario has that id.
    NoScenario,
    /// The settings are out of range.
    Invalid(String),
    /// The edits do not make a valid scenario.
    Edits(EditProblem),
    /// A permalink made for another version of the scenario file.
    Stale {
        /// The version the link names.
        linked: String,
        /// The version the server has.
        current: String,
    },
}

/// The scenarios, uploads and runs.
/// A scenario on the front page.
#[derive(Clone, Debug)]
pub struct Offered {
    /// Its id in links.
    pub id: String,
    /// Its `name:`.
    pub name: String,
    /// The first sentence of its `description:` (empty without one).
    pub summary: String,
    /// Whether it is a backtest (`backtest_*.yaml`): listed after the projections.
    pub backtest: bool,
    /// The states of its facilities, sorted, when a run of it is grouped by
    /// state (a cohort whose every facility has one): the front page's
    /// "pick your state".
    pub states: Vec<String>,
}

/// The first sentence of a description, on one line.
fn first_sentence(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.find(". ") {
        Some(end) => one_line[..=end].to_string(),
        None => one_line,
    }
}

pub struct Workbench {
    catalogue: Vec<(String, Source)>,
    names: Vec<Offered>,
    uploads: Mutex<Vec<(String, Source)>>,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
    slots: Arc<tokio::sync::Semaphore>,
    /// Threads each run may use: the machine's share of one run slot.
    threads: usize,
    started: AtomicU64,
    results: PathBuf,
    max_paths: u64,
    /// Where uploaded scenarios' `imports:` are read from (and nowhere outside it).
    import_root: PathBuf,
}

/// Most uploads kept in memory; older ones are forgotten first.
const MAX_UPLOADS: usize = 64;

impl Workbench {
    /// The scenarios of `dirs` (files, or directories of `.yaml` files).
    pub fn new(dirs: &[PathBuf], max_runs: usize, max_paths: u64) -> Result<Workbench, CliError> {
        let mut files = Vec::new();
        for dir in dirs {
            if dir.is_dir() {
                let entries = std::fs::read_dir(dir).map_err(|source| CliError::Io {
                    path: dir.clone(),
                    what: "cannot read the directory",
                    source,
                })?;
                let mut found: Vec<PathBuf> = entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                    .collect();
                found.sort();
                files.extend(found);
            } else if dir.is_file() {
                files.push(dir.clone());
            } else {
                return Err(CliError::usage(format!("{}: no such scenario file or directory", dir.display())));
            }
        }
        if files.is_empty() {
            return Err(CliError::usage("no scenario to offer: name scenario files or directories"));
        }
        let mut catalogue: Vec<(String, Source)> = Vec::new();
        for file in files {
            let stem: String = file
                .file_stem()
                .map(|s| s.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
                .unwrap_or_default();
            let mut id = if stem.is_empty() { "scenario".to_string() } else { stem };
            while catalogue.iter().any(|(other, _)| *other == id) {
                id.push('_');
            }
            catalogue.push((id, Source::File(file)));
        }
        let first = match &catalogue[0].1 {
            Source::File(file) => file.parent().map(Path::to_path_buf).unwrap_or_default(),
            Source::Upload(_) => PathBuf::new(),
        };
        let first = if first.as_os_str().is_empty() { PathBuf::from(".") } else { first };
        let import_root = first
            .canonicalize()
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("/nonexistent"));
        remove_leftover_results();
        let results = std::env::temp_dir().join(format!("{RESULTS_PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&results).map_err(|source| CliError::Io {
            path: results.clone(),
            what: "cannot create directory",
            source,
        })?;
        let names = catalogue
            .iter()
            .map(|(id, source)| {
                let (name, summary, states) = match load(source) {
                    Ok(loaded) => (
                        loaded.scenario.name.clone(),
                        loaded.scenario.description.as_deref().map(first_sentence).unwrap_or_default(),
                        states_of(&loaded),
                    ),
                    Err(_) => (format!("{id} (does not load)"), String::new(), Vec::new()),
                };
                Offered { id: id.clone(), name, summary, backtest: id.starts_with("backtest"), states }
            })
            .collect();
        Ok(Workbench {
            catalogue,
            names,
            uploads: Mutex::new(Vec::new()),
            jobs: Mutex::new(HashMap::new()),
            slots: Arc::new(tokio::sync::Semaphore::new(max_runs)),
            threads: (std::thread::available_parallelism().map_or(1, usize::from) / max_runs).max(1),
            started: AtomicU64::new(0),
            results,
            max_paths,
            import_root,
        })
    }

    /// The most paths a run may ask for.
    pub fn max_paths(&self) -> u64 {
        self.max_paths
    }

    fn source(&self, id: &str) -> Option<Source> {
        let uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        self.catalogue.iter().chain(uploads.iter()).find(|(i, _)| i == id).map(|(_, s)| s.clone())
    }

    /// Every offered scenario: id and name (or that it does not load), as
    /// read when the server started.
    pub fn catalogue(&self) -> &[Offered] {
        &self.names
    }

    /// Every run so far.
    pub fn jobs(&self) -> Vec<Arc<Job>> {
        let mut jobs: Vec<Arc<Job>> =
            self.jobs.lock().unwrap_or_else(PoisonError::into_inner).values().cloned().collect();
        jobs.sort_by(|a, b| a.id.cmp(&b.id));
        jobs
    }

    /// A run by id.
    pub fn job(&self, id: &str) -> Option<Arc<Job>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner).get(id).cloned()
    }

    /// A scenario by id with `edits` applied: `None` when no scenario has the id.
    pub fn scenario(&self, id: &str, edits: &[Edit]) -> Option<Result<ScenarioView, EditProblem>> {
        let source = self.source(id)?;
        Some(self.edited(&source, edits).and_then(|(base, loaded)| {
            let schedules = edit::schedules(&loaded).map_err(EditProblem::Edit)?;
            let written_out = loaded
                .scenario
                .policies
                .iter()
                .filter(|p| p.import.is_none())
                .filter_map(|p| {
                    let before = base.scenario.policies.iter().find(|b| b.name == p.name)?;
                    let file = before.import.and_then(|i| base.scenario.imports.get(i))?;
                    Some((p.name.clone(), format!("{} ({})", file.file, file.citation())))
                })
                .collect();
            Ok(ScenarioView {
                uploaded: matches!(source, Source::Upload(_)),
                version: base.sha256[..12].to_string(),
                edits: edits.to_vec(),
                schedules,
                written_out,
                loaded,
            })
        }))
    }

    /// The scenario of `source` and that scenario with `edits` applied, read
    /// again by the scenario reader (imports and cohort as for its file).
    fn edited(&self, source: &Source, edits: &[Edit]) -> Result<(Loaded, Loaded), EditProblem> {
        let base = load(source).map_err(|e| EditProblem::Load(self.scrub(&e.render())))?;
        if edits.is_empty() {
            return Ok((base.clone(), base));
        }
        let text = edit::apply(&base, edits).map_err(EditProblem::Edit)?;
        let loaded = match source {
            Source::File(path) => {
                let stem = path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
                let beside = path.with_file_name(format!("{stem}.edited.yaml"));
                let mut loaded = scenario::load_bytes(&beside, text.into_bytes(), &[]).map_err(|e| match e {
                    LoadError::Invalid { diagnostics, .. } => EditProblem::Invalid(diagnostics),
                    other => EditProblem::Load(self.scrub(&other.to_string())),
                })?;
                context::attach_cohort(&mut loaded).map_err(|e| EditProblem::Load(self.scrub(&e.render())))?;
                loaded
            }
            Source::Upload(_) => self.read_upload(&text).map_err(EditProblem::Invalid)?,
        };
        Ok((base, loaded))
    }

    /// Removes the server's directories from a message for the client.
    fn scrub(&self, message: &str) -> String {
        self.scrubber().apply(message)
    }

    fn scrubber(&self) -> Scrub {
        Scrub { results: self.results.clone(), import_root: self.import_root.clone() }
    }

    /// Reads uploaded scenario text with the scenario reader; its `imports:`
    /// are read only from under the directory above the first scenario
    /// directory (where `policies/` sits).
    fn read_upload(&self, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
        let sha256 = scenario::hex(&sha2::Sha256::digest(text.as_bytes()));
        let base = self.import_root.join("scenarios");
        let root = self.import_root.clone();
        let mut read = |origin: ImportOrigin, written: &str| -> Result<(PathBuf, Vec<u8>), String> {
            if origin != ImportOrigin::Scenario {
                return Err("not allowed here".to_string());
            }
            let path =
                base.join(written).canonicalize().map_err(|_| "no such policy file on the server".to_string())?;
            if !path.starts_with(&root) || !path.is_file() {
                return Err("no such policy file on the server".to_string());
            }
            let bytes = std::fs::read(&path).map_err(|_| "cannot be read".to_string())?;
            if bytes.len() as u64 > scenario::MAX_FILE_BYTES {
                return Err("too large".to_string());
            }
            // Messages name the file as written, never where it is on the server.
            Ok((PathBuf::from(written), bytes))
        };
        let parsed = scenario::parse_with_imports(text, &[], &mut read);
        let Some(scenario) = parsed.scenario else { return Err(parsed.diagnostics) };
        if scenario.cohort.is_some() {
            return Err(vec![Diagnostic::error(
                scenario::Position::Key { path: "cohort".to_string(), mark: None },
                "an uploaded scenario cannot name a cohort table on the server; run it with `seqsim run`",
                None,
            )]);
        }
        Ok(Loaded {
            scenario,
            warnings: parsed.diagnostics,
            path: PathBuf::from(format!("u{}.yaml", &sha256[..16])),
            sha256,
            bytes: text.as_bytes().to_vec(),
            imports: parsed.imports,
        })
    }

    /// Validates uploaded scenario text (see [`Workbench::read_upload`]).
    /// Returns the upload's id, or the problems rendered with their key paths.
    pub fn upload(&self, text: &str) -> Result<String, Vec<String>> {
        let loaded =
            self.read_upload(text).map_err(|d| d.iter().map(|d| render(d, "upload.yaml")).collect::<Vec<_>>())?;
        let id = format!("u{}", &loaded.sha256[..16]);
        let mut uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        if !uploads.iter().any(|(i, _)| *i == id) {
            if uploads.len() >= MAX_UPLOADS {
                uploads.remove(0);
            }
            uploads.push((id.clone(), Source::Upload(Arc::new(loaded))));
        }
        Ok(id)
    }

    /// Starts (or finds, when the same edited scenario, seed and paths ran
    /// before) a run; returns its id. `version`, from a permalink, must be
    /// the scenario file's current version.
    pub fn start(&self, id: &str, edits: &[Edit], settings: RunRequest) -> Result<String, StartError> {
        let source = self.source(id).ok_or(StartError::NoScenario)?;
        let (base, loaded) = self.edited(&source, edits).map_err(StartError::Edits)?;
        let current = base.sha256[..12].to_string();
        if let Some(linked) = settings.version {
            if linked != current {
                return Err(StartError::Stale { linked, current });
            }
        }
        let paths = settings.paths.unwrap_or(loaded.scenario.paths.min(self.max_paths));
        if paths == 0 || paths > self.max_paths {
            return Err(StartError::Invalid(format!("paths: between 1 and {} on this server", self.max_paths)));
        }
        let seed = settings.seed.unwrap_or(loaded.scenario.seed);
        let by = match settings.by {
            Some(by) => grouping_on_request(&loaded, by)?,
            None => default_grouping(&loaded),
        };
        let key = format!("{} {seed} {paths} {}", loaded.sha256, by.join(","));
        let job_id = format!("r{}", &scenario::hex(&sha2::Sha256::digest(key.as_bytes()))[..16]);
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(job) = jobs.get(&job_id) {
            if !matches!(job.state(), JobState::Cancelled | JobState::Failed(_)) {
                return Ok(job_id);
            }
        }
        self.forget_oldest(&mut jobs);
        let job = Arc::new(Job {
            id: job_id.clone(),
            scenario: (id.to_string(), loaded.scenario.name.clone()),
            edits: edits.to_vec(),
            version: current,
            seed,
            paths,
            by,
            started: self.started.fetch_add(1, Ordering::Relaxed),
            total: AtomicU64::new(paths),
            done: AtomicU64::new(0),
            cancelled: AtomicBool::new(false),
            state: Mutex::new(JobState::Queued),
        });
        jobs.insert(job_id.clone(), job.clone());
        let slots = self.slots.clone();
        let out = self.results.join(&job_id);
        let scrub = self.scrubber();
        let threads = self.threads;
        tokio::spawn(async move {
            let Ok(_permit) = slots.acquire_owned().await else { return };
            if job.cancelled.load(Ordering::SeqCst) {
                job.set(JobState::Cancelled);
                return;
            }
            job.set(JobState::Running);
            let worker = job.clone();
            let result = tokio::task::spawn_blocking(move || execute(&worker, &loaded, &out, threads)).await;
            job.set(match result {
                Ok(Ok(done)) => done,
                Ok(Err(CliError::Interrupted)) => JobState::Cancelled,
                Ok(Err(_)) if job.cancelled.load(Ordering::SeqCst) => JobState::Cancelled,
                Ok(Err(error)) => JobState::Failed(scrub.apply(&error.render())),
                Err(_) => JobState::Failed("the run stopped on an internal error (a bug in seqsim)".to_string()),
            });
        });
        Ok(job_id)
    }

    /// Keeps at most [`MAX_JOBS`] runs: the oldest finished ones go first,
    /// with their results directories.
    fn forget_oldest(&self, jobs: &mut HashMap<String, Arc<Job>>) {
        while jobs.len() >= MAX_JOBS {
            let oldest = jobs
                .values()
                .filter(|j| !matches!(j.state(), JobState::Queued | JobState::Running))
                .min_by_key(|j| j.started)
                .map(|j| j.id.clone());
            let Some(id) = oldest else { return };
            jobs.remove(&id);
            let _ = std::fs::remove_dir_all(self.results.join(&id));
        }
    }

    /// Cancels every run; true once none is still running (a running run
    /// stops at the engine's next chunk and removes its staging directory).
    pub fn stop_runs(&self) -> bool {
        let jobs = self.jobs();
        for job in &jobs {
            job.cancel();
        }
        !jobs.iter().any(|job| matches!(job.state(), JobState::Running))
    }

    /// Removes the results directory (when the server stops, after [`Workbench::stop_runs`]).
    pub fn remove_results(&self) {
        let _ = std::fs::remove_dir_all(&self.results);
    }
}

/// The results directory of a server is `RESULTS_PREFIX` + its process id, in the temporary directory.
const RESULTS_PREFIX: &str = "seqsim-serve-";

/// Removes the results directories of servers that no longer run (stopped
/// by SIGKILL or a crash), saying so.
fn remove_leftover_results() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(RESULTS_PREFIX).and_then(|p| p.parse::<u32>().ok()) else { continue };
        let dead = pid != std::process::id() && crate::system::process_alive(pid) == Some(false);
        if dead && std::fs::remove_dir_all(entry.path()).is_ok() {
            eprintln!("seqsim serve: removed the results of a server that no longer runs ({name})");
        }
    }
}

/// Most runs kept; older finished ones are forgotten first.
const MAX_JOBS: usize = 64;

/// A run's settings as a form or permalink gives them.
#[derive(Default)]
pub struct RunRequest {
    /// Paths (default: the scenario's, capped by the server's maximum).
    pub paths: Option<u64>,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// The scenario version a permalink names.
    pub version: Option<String>,
    /// The cohort columns to group by (default: by state when every
    /// facility has one; see [`default_grouping`]).
    pub by: Option<Vec<String>>,
}

/// Scrubs server directories from a run's error (see [`Workbench::scrub`]).
struct Scrub {
    results: PathBuf,
    import_root: PathBuf,
}

impl Scrub {
    fn apply(&self, message: &str) -> String {
        let mut message = message.replace(&self.results.display().to_string(), "results");
        message = message.replace(&self.import_root.display().to_string(), ".");
        if let Ok(cwd) = std::env::current_dir() {
            message = message.replace(&format!("{}/", cwd.display()), "");
        }
        message
    }
}

/// The most characters of edits a link or form may carry.
pub const MAX_EDITS_CHARS: usize = 256 * 1024;

/// Edits as a link carries them: JSON.
pub fn encode_edits(edits: &[Edit]) -> String {
    serde_json::to_string(edits).unwrap_or_default()
}

/// Edits from a link or form (empty text: none).
pub fn decode_edits(text: &str) -> Result<Vec<Edit>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    if text.len() > MAX_EDITS_CHARS {
        return Err(format!("the edits are longer than {MAX_EDITS_CHARS} characters"));
    }
    serde_json::from_str(text).map_err(|e| format!("the edits cannot be read: {e}"))
}

/// Loads a scenario as `seqsim run` does (a file with its imports and
/// cohort), or the validated upload.
fn load(source: &Source) -> Result<Loaded, CliError> {
    match source {
        Source::File(path) => context::load(path, &[]),
        Source::Upload(loaded) => Ok(loaded.as_ref().clone()),
    }
}

/// The workbench groups a cohort by state when every facility has one (as
/// `seqsim run --by state`: the Groups sheet, the state maps and tables);
/// archetype runs and cohorts without a state are not grouped.
fn default_grouping(loaded: &Loaded) -> Vec<String> {
    let scenario = &loaded.scenario;
    let has_state = |p: &crate::scenario::Practice| p.attributes.iter().any(|(k, v)| k == "state" && !v.is_empty());
    if scenario.cohort.is_some() && !scenario.practices.is_empty() && scenario.practices.iter().all(has_state) {
        vec!["state".to_string()]
    } else {
        Vec::new()
    }
}

/// The grouping a run asks for (`?by=kind,state`), by `run --by`'s rule
/// (checked before the run starts); no columns for an empty request.
fn grouping_on_request(loaded: &Loaded, by: Vec<String>) -> Result<Vec<String>, StartError> {
    let by: Vec<String> = by.into_iter().filter(|c| !c.is_empty()).collect();
    if by.is_empty() {
        return Ok(by);
    }
    grouped_plan(loaded, &by).map_err(|e| StartError::Invalid(e.to_string()))?;
    Ok(by)
}

/// The states of a scenario grouped by state by default (sorted, once
/// each); none for any other scenario.
fn states_of(loaded: &Loaded) -> Vec<String> {
    if default_grouping(loaded).is_empty() {
        return Vec::new();
    }
    let mut states: Vec<String> = loaded
        .scenario
        .practices
        .iter()
        .filter_map(|p| p.attributes.iter().find(|(k, _)| k == "state").map(|(_, v)| v.clone()))
        .collect();
    states.sort_unstable();
    states.dedup();
    states
}

/// One run, as `seqsim run` does it: the plan, the engine (stopped when the
/// job is cancelled), the results directory with every output, then the
/// report page and the scenario text beside them.
fn execute(job: &Job, loaded: &Loaded, out: &Path, threads: usize) -> Result<JobState, CliError> {
    let started = context::timestamp();
    let by = job.by.clone();
    let plan = grouped_plan(loaded, &by)?;
    check_resources(&plan, threads)?;
    let cohort = loaded.scenario.cohort.is_some();
    job.total.store(job.paths * runs_per_path(&plan, cohort), Ordering::Relaxed);
    let mut staging = begin_staging(out, true)?;
    let advance = |n: u64| {
        job.done.fetch_add(n, Ordering::Relaxed);
        !job.cancelled.load(Ordering::Relaxed)
    };
    let (acc, attribution) = simulate(&plan, job.seed, 0..job.paths, threads, cohort, &advance)?;
    let provenance = provenance(loaded, Some(job.seed), Some(job.paths));
    let facts = RunFacts {
        description: loaded.scenario.description.clone(),
        evaluations: plan.evaluations_per_path() * job.paths,
        threads: Some(threads),
        precision: None,
        merged_shards: None,
        track_record: context::track_record(loaded)?,
    };
    let finished =
        Finished { plan: &plan, acc: &acc, attribution: &attribution, cohort, by: &by, png: false, readings: &[] };
    let (record, summary) =
        pipeline::write(&mut staging, &finished, facts, &provenance, &context::times_since(started))?;
    // A cancelled job stops in the engine; a finished one is always committed.
    let out = staging.commit()?;
    // The page embeds the SVG charts; PNG copies would triple the time of a run.
    report::write_report(&out, &out.join("report.html"), false)
        .map_err(|e| CliError::Invalid(format!("the report page: {e}")))?;
    // Through the report layer's atomic writer, like every other output.
    report::output::write_atomic(&out.join("scenario.yaml"), &loaded.bytes)?;
    let mut files: Vec<String> = record.files.iter().map(|f| f.name.clone()).collect();
    files.extend(["manifest.json", "report.html", "scenario.yaml"].map(String::from));
    Ok(JobState::Done { out, files, headline: terminal::run_headline(&record, &summary) })
}

/// A random token (from the OS's random source; the time and process id
/// when it cannot be read).
pub fn generate_token() -> String {
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_err() {
        let seed = format!("{:?} {}", std::time::SystemTime::now(), std::process::id());
        bytes.copy_from_slice(&sha2::Sha256::digest(seed.as_bytes())[..16]);
    }
    scenario::hex(&bytes)
}

/// Compares tokens by their SHA-256 (so the time taken says nothing about a prefix).
pub fn same_token(given: &str, token: &str) -> bool {
    sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(token.as_bytes())
}
