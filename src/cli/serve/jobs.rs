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
use super::super::run::{grouped_plan, runs_per_path, simulate, write_finished, Finished};
use super::super::CliError;
use crate::report::{self, terminal, RunFacts};
use crate::scenario::{self, ImportOrigin, Loaded};

/// A scenario the workbench can run.
#[derive(Clone)]
enum Source {
    /// A file given on the command line or found in a directory.
    File(PathBuf),
    /// Uploaded text, already validated.
    Upload(Arc<Loaded>),
}

/// A scenario as the pages show it.
pub struct ScenarioView {
    /// `name:`.
    pub name: String,
    /// `description:`.
    pub description: Option<String>,
    /// Whether it was uploaded.
    pub uploaded: bool,
    /// The loaded scenario, or why it does not load.
    pub loaded: Result<Loaded, String>,
    /// Its default seed.
    pub seed: u64,
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
    /// Seed and paths.
    pub seed: u64,
    /// Paths.
    pub paths: u64,
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
}

/// The scenarios, uploads and runs.
pub struct Workbench {
    catalogue: Vec<(String, Source)>,
    uploads: Mutex<Vec<(String, Source)>>,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
    slots: Arc<tokio::sync::Semaphore>,
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
        let results = std::env::temp_dir().join(format!("seqsim-serve-{}", std::process::id()));
        std::fs::create_dir_all(&results).map_err(|source| CliError::Io {
            path: results.clone(),
            what: "cannot create directory",
            source,
        })?;
        Ok(Workbench {
            catalogue,
            uploads: Mutex::new(Vec::new()),
            jobs: Mutex::new(HashMap::new()),
            slots: Arc::new(tokio::sync::Semaphore::new(max_runs)),
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

    /// Every offered scenario: id and name (or why it does not load).
    pub fn catalogue(&self) -> Vec<(String, String)> {
        self.catalogue
            .iter()
            .map(|(id, source)| {
                let name = match load(source) {
                    Ok(loaded) => loaded.scenario.name,
                    Err(_) => format!("{id} (does not load)"),
                };
                (id.clone(), name)
            })
            .collect()
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

    /// A scenario by id, loaded.
    pub fn scenario(&self, id: &str) -> Option<ScenarioView> {
        let source = self.source(id)?;
        let loaded = load(&source).map_err(|e| e.to_string());
        let (name, description, seed) = match &loaded {
            Ok(l) => (l.scenario.name.clone(), l.scenario.description.clone(), l.scenario.seed),
            Err(_) => (id.to_string(), None, 0),
        };
        Some(ScenarioView { name, description, uploaded: matches!(source, Source::Upload(_)), loaded, seed })
    }

    /// Validates uploaded scenario text with the scenario reader; its
    /// `imports:` are read only from under the directory above the first
    /// scenario directory (where `policies/` sits). Returns the upload's id,
    /// or the problems rendered with their key paths.
    pub fn upload(&self, text: &str) -> Result<String, Vec<String>> {
        let sha256 = scenario::hex(&sha2::Sha256::digest(text.as_bytes()));
        let id = format!("u{}", &sha256[..16]);
        let shown = PathBuf::from("upload.yaml");
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
        let Some(scenario) = parsed.scenario else {
            return Err(parsed.diagnostics.iter().map(|d| d.render(&shown)).collect());
        };
        if scenario.cohort.is_some() {
            return Err(vec![
                "upload.yaml: error: cohort: an uploaded scenario cannot name a cohort table on the server; run it with `seqsim run`"
                    .to_string(),
            ]);
        }
        let loaded = Loaded {
            scenario,
            warnings: parsed.diagnostics,
            path: PathBuf::from(format!("{id}.yaml")),
            sha256,
            bytes: text.as_bytes().to_vec(),
            imports: parsed.imports,
        };
        let mut uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        if !uploads.iter().any(|(i, _)| *i == id) {
            if uploads.len() >= MAX_UPLOADS {
                uploads.remove(0);
            }
            uploads.push((id.clone(), Source::Upload(Arc::new(loaded))));
        }
        Ok(id)
    }

    /// Starts (or finds, when the same scenario, seed and paths ran before)
    /// a run; returns its id.
    pub fn start(&self, id: &str, paths: Option<u64>, seed: Option<u64>) -> Result<String, StartError> {
        let source = self.source(id).ok_or(StartError::NoScenario)?;
        let loaded = load(&source).map_err(|e| StartError::Invalid(e.to_string()))?;
        let paths = paths.unwrap_or(loaded.scenario.paths.min(self.max_paths));
        if paths == 0 || paths > self.max_paths {
            return Err(StartError::Invalid(format!("paths: between 1 and {} on this server", self.max_paths)));
        }
        let seed = seed.unwrap_or(loaded.scenario.seed);
        let key = format!("{} {seed} {paths}", loaded.sha256);
        let job_id = format!("r{}", &scenario::hex(&sha2::Sha256::digest(key.as_bytes()))[..16]);
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(job) = jobs.get(&job_id) {
            if !matches!(job.state(), JobState::Cancelled | JobState::Failed(_)) {
                return Ok(job_id);
            }
        }
        let job = Arc::new(Job {
            id: job_id.clone(),
            scenario: (id.to_string(), loaded.scenario.name.clone()),
            seed,
            paths,
            total: AtomicU64::new(paths),
            done: AtomicU64::new(0),
            cancelled: AtomicBool::new(false),
            state: Mutex::new(JobState::Queued),
        });
        jobs.insert(job_id.clone(), job.clone());
        let slots = self.slots.clone();
        let out = self.results.join(&job_id);
        tokio::spawn(async move {
            let Ok(_permit) = slots.acquire_owned().await else { return };
            job.set(JobState::Running);
            let worker = job.clone();
            let result = tokio::task::spawn_blocking(move || execute(&worker, &loaded, &out)).await;
            job.set(match result {
                Ok(Ok(done)) => done,
                Ok(Err(CliError::Interrupted)) => JobState::Cancelled,
                Ok(Err(error)) if job.cancelled.load(Ordering::SeqCst) => {
                    let _ = error;
                    JobState::Cancelled
                }
                Ok(Err(error)) => JobState::Failed(error.to_string()),
                Err(_) => JobState::Failed("the run stopped on an internal error (a bug in seqsim)".to_string()),
            });
        });
        Ok(job_id)
    }
}

/// Loads a scenario as `seqsim run` does (a file with its imports and
/// cohort), or the validated upload.
fn load(source: &Source) -> Result<Loaded, CliError> {
    match source {
        Source::File(path) => context::load(path, &[]),
        Source::Upload(loaded) => Ok(loaded.as_ref().clone()),
    }
}

/// One run, as `seqsim run` does it: the plan, the engine (stopped when the
/// job is cancelled), the results directory with every output, then the
/// report page and the scenario text beside them.
fn execute(job: &Job, loaded: &Loaded, out: &Path) -> Result<JobState, CliError> {
    let started = context::timestamp();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let plan = grouped_plan(loaded, &[])?;
    check_resources(&plan, threads)?;
    let cohort = loaded.scenario.cohort.is_some();
    job.total.store(job.paths * runs_per_path(&plan, cohort), Ordering::Relaxed);
    let staging = begin_staging(out, true)?;
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
    };
    let finished = Finished { plan: &plan, acc: &acc, attribution: &attribution, cohort, by: &[], png: false };
    let written = write_finished(staging, &finished, facts, &provenance, started)?;
    report::write_report(&written.out, &written.out.join("report.html"))
        .map_err(|e| CliError::Invalid(format!("error: the report page: {e}")))?;
    std::fs::write(written.out.join("scenario.yaml"), &loaded.bytes).map_err(|source| CliError::Io {
        path: PathBuf::from("scenario.yaml"),
        what: "cannot write",
        source,
    })?;
    let mut files: Vec<String> = written.record.files.iter().map(|f| f.name.clone()).collect();
    files.extend(["manifest.json", "report.html", "scenario.yaml"].map(String::from));
    Ok(JobState::Done {
        out: written.out.clone(),
        files,
        headline: terminal::run_headline(&written.record, &written.summary),
    })
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
