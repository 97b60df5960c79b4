//! `seqsim serve`: the analyst's workbench, a local web application on axum
//! and tokio. Pages are rendered on the server (`page.rs`) with a few lines
//! of hand-written JavaScript; runs go through the same loading, validation,
//! engine and report writers as `seqsim run` (`jobs.rs`).
//!
//! Safe by default: it listens on loopback unless `--bind` says otherwise,
//! and then every request must carry the `--token` (generated and printed
//! when not given); uploads are capped; the client names scenarios, runs and
//! files by ids, never by a path; at most `--max-runs` runs go at once;
//! every request but the progress stream times out; a run that fails or
//! panics is reported on its page and the server goes on serving.

mod jobs;
mod page;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Form, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::CliError;
use jobs::{JobState, Workbench};

/// Largest scenario upload (the YAML text, form-encoded).
const MAX_UPLOAD_BYTES: usize = 1024 * 1024;
/// How long any request but the progress stream may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Scenario files, or directories of them, to offer (default: ./scenarios).
    scenarios: Vec<PathBuf>,
    /// Address and port to listen on; anything but loopback needs a token (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Token every request must carry (`Authorization: Bearer TOKEN`, or `?token=TOKEN` once, then a cookie);
    /// generated and printed when the address is not loopback and none is given.
    #[arg(long)]
    token: Option<String>,
    /// Runs at once; more wait their turn.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=16))]
    max_runs: u64,
    /// The most paths a run may ask for.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    max_paths: u64,
}

pub(super) fn command(args: &ServeArgs) -> Result<(), CliError> {
    let dirs = if args.scenarios.is_empty() { vec![PathBuf::from("scenarios")] } else { args.scenarios.clone() };
    let token = match &args.token {
        Some(token) if token.len() < 16 => {
            return Err(CliError::usage("--token: use at least 16 characters"));
        }
        Some(token) => Some(token.clone()),
        None if !args.bind.ip().is_loopback() => {
            let token = jobs::generate_token();
            println!("token: {token} (every request must carry it; open /?token={token} once in a browser)");
            Some(token)
        }
        None => None,
    };
    let workbench = Workbench::new(&dirs, args.max_runs as usize, args.max_paths)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|source| {
            CliError::Io { path: PathBuf::from("."), what: "cannot start the server's runtime", source }
        })?;
    runtime.block_on(serve(Arc::new(Server { workbench, token }), args.bind))
}

/// What every handler shares.
struct Server {
    workbench: Workbench,
    token: Option<String>,
}

type Shared = Arc<Server>;

async fn serve(server: Shared, bind: SocketAddr) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|source| CliError::Io {
        path: PathBuf::from(bind.to_string()),
        what: "cannot listen on",
        source,
    })?;
    let address = listener.local_addr().map_err(|source| CliError::Io {
        path: PathBuf::from(bind.to_string()),
        what: "cannot listen on",
        source,
    })?;
    println!("seqsim serve: listening on http://{address}/");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let app = router(server);
    axum::serve(listener, app).await.map_err(|source| CliError::Io {
        path: PathBuf::from(address.to_string()),
        what: "the server stopped",
        source,
    })
}

fn router(server: Shared) -> Router {
    let timed = Router::new()
        .route("/", get(index))
        .route("/upload", post(upload))
        .route("/s/{id}", get(scenario))
        .route("/s/{id}/run", get(run).post(run_form))
        .route("/j/{id}", get(job))
        .route("/j/{id}/cancel", post(cancel))
        .route("/j/{id}/f/{*name}", get(file))
        .layer(middleware::from_fn(timeout));
    Router::new()
        .route("/j/{id}/events", get(events))
        .merge(timed)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(middleware::from_fn_with_state(server.clone(), authorize))
        .with_state(server)
}

/// Ends a request that takes longer than [`REQUEST_TIMEOUT`].
async fn timeout(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "the request took too long").into_response(),
    }
}

/// With a token, lets through only requests that carry it (header, cookie,
/// or `?token=`, which sets the cookie).
async fn authorize(State(server): State<Shared>, request: Request, next: Next) -> Response {
    let Some(token) = &server.token else { return next.run(request).await };
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| jobs::same_token(t, token));
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("seqsim_token="))
        .any(|t| jobs::same_token(t, token));
    let query = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|p| p.strip_prefix("token="))
        .any(|t| jobs::same_token(t, token));
    if !(bearer || cookie || query) {
        return (StatusCode::UNAUTHORIZED, "this server needs its token").into_response();
    }
    let mut response = next.run(request).await;
    if query && !cookie {
        let value = format!("seqsim_token={token}; HttpOnly; SameSite=Strict; Path=/");
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// A page or an error page.
fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

fn not_found(what: &str) -> Response {
    html(StatusCode::NOT_FOUND, page::error("Not found", &format!("No {what} with that id.")))
}

async fn index(State(server): State<Shared>) -> Response {
    html(StatusCode::OK, page::index(&server.workbench.catalogue(), &server.workbench.jobs()))
}

#[derive(serde::Deserialize)]
struct Upload {
    yaml: String,
}

async fn upload(State(server): State<Shared>, Form(form): Form<Upload>) -> Response {
    let workbench = &server.workbench;
    match workbench.upload(&form.yaml) {
        Ok(id) => Redirect::to(&format!("/s/{id}")).into_response(),
        Err(errors) => html(StatusCode::UNPROCESSABLE_ENTITY, page::upload_errors(&form.yaml, &errors)),
    }
}

async fn scenario(State(server): State<Shared>, Path(id): Path<String>) -> Response {
    match server.workbench.scenario(&id) {
        Some(view) => html(StatusCode::OK, page::scenario(&id, &view, server.workbench.max_paths())),
        None => not_found("scenario"),
    }
}

/// A run's settings: `?paths=N&seed=S` (the permalink) or the form.
#[derive(serde::Deserialize)]
struct RunSettings {
    paths: Option<u64>,
    seed: Option<u64>,
}

async fn run(State(server): State<Shared>, Path(id): Path<String>, Query(settings): Query<RunSettings>) -> Response {
    start(&server, &id, settings)
}

async fn run_form(State(server): State<Shared>, Path(id): Path<String>, Form(settings): Form<RunSettings>) -> Response {
    start(&server, &id, settings)
}

fn start(server: &Server, id: &str, settings: RunSettings) -> Response {
    match server.workbench.start(id, settings.paths, settings.seed) {
        Ok(job) => Redirect::to(&format!("/j/{job}")).into_response(),
        Err(jobs::StartError::NoScenario) => not_found("scenario"),
        Err(jobs::StartError::Invalid(message)) => {
            html(StatusCode::UNPROCESSABLE_ENTITY, page::error("Cannot run", &message))
        }
    }
}

async fn job(State(server): State<Shared>, Path(id): Path<String>) -> Response {
    match server.workbench.job(&id) {
        Some(job) => html(StatusCode::OK, page::job(&job)),
        None => not_found("run"),
    }
}

async fn cancel(State(server): State<Shared>, Path(id): Path<String>) -> Response {
    match server.workbench.job(&id) {
        Some(job) => {
            job.cancel();
            Redirect::to(&format!("/j/{id}")).into_response()
        }
        None => not_found("run"),
    }
}

/// Progress as server-sent events: `progress` (paths done, of total) every
/// quarter second while the run goes, then one `end`.
async fn events(State(server): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(job) = server.workbench.job(&id) else { return not_found("run") };
    let stream = futures_util::stream::unfold((job, false), |(job, ended)| async move {
        if ended {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (done, total) = job.progress();
        let event = match job.state() {
            JobState::Queued | JobState::Running => Event::default().event("progress").data(format!("{done} {total}")),
            _ => Event::default().event("end").data("end"),
        };
        let ended = event_is_end(&job);
        Some((Ok::<Event, std::convert::Infallible>(event), (job, ended)))
    });
    Sse::new(stream).into_response()
}

fn event_is_end(job: &jobs::Job) -> bool {
    !matches!(job.state(), JobState::Queued | JobState::Running)
}

async fn file(State(server): State<Shared>, Path((id, name)): Path<(String, String)>) -> Response {
    let Some(job) = server.workbench.job(&id) else { return not_found("run") };
    let Some(path) = job.file(&name) else { return not_found("file") };
    let Ok(bytes) = tokio::fs::read(&path).await else { return not_found("file") };
    let kind = match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "md" | "yaml" => "text/plain; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    };
    let mut response = bytes.into_response();
    if let Ok(value) = HeaderValue::from_str(kind) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}
