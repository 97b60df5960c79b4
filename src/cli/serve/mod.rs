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
//!
//! A browser's neighbours are kept out ([`guard`], before the token check):
//!
//! - **Host.** On a loopback address a request must name the server as its
//!   `Host`: the address it listens on (with the port it got, for port 0),
//!   or `localhost`, `127.0.0.1` or `[::1]` with that port. Anything else,
//!   or no `Host`, gets 421 Misdirected Request: a web page the analyst
//!   visits could otherwise point its own name at 127.0.0.1 (DNS rebinding)
//!   and read the workbench as its own origin. On any other address the
//!   token is required already (generated when not given) and guards the
//!   server, so any `Host` is accepted (names and proxies in front of it
//!   are the operator's).
//! - **Origin.** A request other than GET or HEAD is refused (403) when its
//!   `Origin` is not `http://HOST` (HOST as the request names it, or one of
//!   the loopback names above), or, with no `Origin`, when its `Referer` does
//!   not start with `http://HOST/`; with neither it is let through, as
//!   `curl` and scripts send neither. Browsers send `Origin` with every
//!   cross-origin POST, so another site's page cannot post the workbench's
//!   forms. This was chosen over a per-page form token because the server
//!   keeps no state for pages (edits travel in the address and a link is
//!   the edited scenario, surviving a restart): a token would need a secret
//!   and a field in every form for what the browser's `Origin` already says.

mod jobs;
mod page;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Form, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::CliError;
use crate::scenario::edit::{self, Edit};
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
    /// Runs at once, each on an equal share of the machine's threads; more wait their turn.
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
    let app = router(server.clone(), Hosts::for_address(address));
    let stop = Arc::new(tokio::sync::Notify::new());
    let notify = stop.clone();
    // SIGINT and SIGTERM end the accept loop; the results directory goes with the server.
    let _ = ctrlc::set_handler(move || notify.notify_one());
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.notified() => break,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors or a reset before accept: try again shortly.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else { continue };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            let _ = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
        });
    }
    // Runs are cancelled and waited for (they stop within a chunk), so that
    // none writes into the results directory after it is removed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !server.workbench.stop_runs() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.workbench.remove_results();
    println!("seqsim serve: stopped (its results directory is removed)");
    Ok(())
}

/// How long a client may take to send a request's headers (slow clients
/// cannot hold connections open by trickling them).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at once; more are closed as they arrive.
const MAX_CONNECTIONS: usize = 512;

/// Runs `work` on the blocking pool (scenario files are read and checked
/// there, not on the two threads that answer requests).
async fn blocking(work: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        html(
            StatusCode::INTERNAL_SERVER_ERROR,
            page::error("Internal error", "the request stopped on an internal error (a bug in seqsim)"),
        )
    })
}

fn router(server: Shared, hosts: Hosts) -> Router {
    let timed = Router::new()
        .route("/", get(index))
        .route("/upload", post(upload))
        .route("/s/{id}", get(scenario))
        .route("/s/{id}/edit", post(edit_form))
        .route("/s/{id}/scenario.yaml", get(scenario_yaml))
        .route("/s/{id}/run", get(run).post(run_form))
        .route("/j/{id}", get(job))
        .route("/j/{id}/cancel", post(cancel))
        .route("/j/{id}/f/{*name}", get(file))
        .route("/j/{id}/state", get(state_pick))
        .route("/j/{id}/state/{state}", get(state_page))
        .route("/j/{id}/state/{state}/workbook.xlsx", get(state_workbook))
        .layer(middleware::from_fn(timeout));
    Router::new()
        .route("/j/{id}/events", get(events))
        .merge(timed)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(middleware::from_fn_with_state(server.clone(), authorize))
        .layer(middleware::from_fn_with_state(Arc::new(hosts), guard))
        .with_state(server)
}

/// The `Host` names a request may give (`host:port`; on port 80 also `host`
/// alone, as browsers leave the default port out).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hosts {
    /// A loopback address: only these.
    Only(Vec<String>),
    /// Any other address: any (the token guards the server).
    Any,
}

impl Hosts {
    /// The names of the server listening on `address` (its actual port).
    fn for_address(address: SocketAddr) -> Hosts {
        if !address.ip().is_loopback() {
            return Hosts::Any;
        }
        let port = address.port();
        let ip = SocketAddr::new(address.ip(), port).to_string();
        let mut names = vec![ip, format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")];
        if port == 80 {
            let bare: Vec<String> =
                names.iter().filter_map(|n| n.rsplit_once(':').map(|(h, _)| h.to_string())).collect();
            names.extend(bare);
        }
        let mut seen = Vec::new();
        for name in names {
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
        Hosts::Only(seen)
    }

    /// Whether a request may name `host`.
    fn allows(&self, host: &str) -> bool {
        match self {
            Hosts::Only(names) => names.iter().any(|n| n.eq_ignore_ascii_case(host)),
            Hosts::Any => true,
        }
    }

    /// Whether `authority` (from `Origin` or `Referer`) is the server as the
    /// request named it (`host`) or another of its loopback names.
    fn same_server(&self, host: Option<&str>, authority: &str) -> bool {
        host.is_some_and(|h| h.eq_ignore_ascii_case(authority))
            || (matches!(self, Hosts::Only(_)) && self.allows(authority))
    }
}

/// The host a request names: its `Host` header, which must be the only one
/// and must agree with the target's authority when the target has one
/// (`GET http://host/ HTTP/1.1`). `None` when it names none or several.
fn request_host(request: &Request) -> Option<&str> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        _ => None,
    };
    match (host, request.uri().authority()) {
        (Some(host), Some(authority)) if !authority.as_str().eq_ignore_ascii_case(host) => None,
        (Some(host), _) => Some(host),
        (None, Some(authority)) => Some(authority.as_str()),
        (None, None) => None,
    }
}

/// Whether a request other than GET or HEAD comes from the server's own
/// pages (or from no browser): its `Origin` is `http://HOST`; or, with no
/// `Origin`, its `Referer` starts with `http://HOST/`; or it has neither.
fn same_origin(hosts: &Hosts, host: Option<&str>, headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).map(|v| v.to_str().ok());
    match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(origin), _) => {
            origin.and_then(|o| o.strip_prefix("http://")).is_some_and(|authority| hosts.same_server(host, authority))
        }
        (None, Some(referer)) => referer
            .and_then(|r| r.strip_prefix("http://"))
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(authority, _)| hosts.same_server(host, authority)),
        (None, None) => true,
    }
}

/// Keeps a browser's neighbours out (see the module's documentation): a
/// request must name the server as its `Host` (on loopback), and a request
/// that changes something must not come from another origin.
async fn guard(State(hosts): State<Arc<Hosts>>, request: Request, next: Next) -> Response {
    let host = request_host(&request);
    if let Hosts::Only(names) = hosts.as_ref() {
        if !host.is_some_and(|h| hosts.allows(h)) {
            let message = format!(
                "seqsim serve answers only to Host {} (it listens on loopback; other names are refused so that \
                 a web page cannot reach it through DNS rebinding)\n",
                names.join(", ")
            );
            return (StatusCode::MISDIRECTED_REQUEST, message).into_response();
        }
    }
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    if !reads && !same_origin(&hosts, host, request.headers()) {
        let message = "seqsim serve refuses a form posted from another origin (its Origin or Referer is not this \
                       server)\n";
        return (StatusCode::FORBIDDEN, message).into_response();
    }
    next.run(request).await
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
    html(StatusCode::OK, page::index(server.workbench.catalogue(), &server.workbench.jobs()))
}

#[derive(serde::Deserialize)]
struct Upload {
    yaml: String,
}

async fn upload(State(server): State<Shared>, Form(form): Form<Upload>) -> Response {
    blocking(move || match server.workbench.upload(&form.yaml) {
        Ok(id) => Redirect::to(&format!("/s/{id}")).into_response(),
        Err(errors) => html(StatusCode::UNPROCESSABLE_ENTITY, page::upload_errors(&form.yaml, &errors)),
    })
    .await
}

/// `?e=EDITS`: the edits a page or link carries (JSON, see [`jobs::encode_edits`]).
#[derive(serde::Deserialize, Default)]
struct EditsQuery {
    #[serde(default)]
    e: String,
}

fn bad_edits(message: &str) -> Response {
    html(StatusCode::BAD_REQUEST, page::error("Cannot read the edits", message))
}

async fn scenario(State(server): State<Shared>, Path(id): Path<String>, Query(query): Query<EditsQuery>) -> Response {
    let edits = match jobs::decode_edits(&query.e) {
        Ok(edits) => edits,
        Err(message) => return bad_edits(&message),
    };
    blocking(move || show_scenario(&server, &id, &edits, None)).await
}

/// The scenario page; `failed` is a policy form that did not apply, shown
/// again as submitted with its problems.
fn show_scenario(server: &Server, id: &str, edits: &[Edit], failed: Option<page::Failed>) -> Response {
    let status = if failed.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    match server.workbench.scenario(id, edits) {
        None => not_found("scenario"),
        Some(Ok(view)) => html(status, page::scenario(id, &view, server.workbench.max_paths(), failed.as_ref())),
        Some(Err(problem)) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page::error("The scenario does not load", &problem.lines().join("\n")),
        ),
    }
}

/// The edited scenario as YAML (the unedited file's text when there are no edits).
async fn scenario_yaml(
    State(server): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<EditsQuery>,
) -> Response {
    let edits = match jobs::decode_edits(&query.e) {
        Ok(edits) => edits,
        Err(message) => return bad_edits(&message),
    };
    blocking(move || match server.workbench.scenario(&id, &edits) {
        None => not_found("scenario"),
        Some(Ok(view)) => {
            let name = format!("attachment; filename=\"{id}{}.yaml\"", if edits.is_empty() { "" } else { "-edited" });
            let mut response = view.loaded.bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/yaml; charset=utf-8"));
            if let Ok(value) = HeaderValue::from_str(&name) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Some(Err(problem)) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page::error("The scenario does not load", &problem.lines().join("\n")),
        ),
    })
    .await
}

/// One edit from a form: `action` is `schedules` (a policy's lever tables),
/// `add` (a policy based on another) or `baseline`; `e` carries the edits so far.
async fn edit_form(
    State(server): State<Shared>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    blocking(move || apply_form(&server, &id, &form)).await
}

fn apply_form(server: &Server, id: &str, form: &HashMap<String, String>) -> Response {
    let id = id.to_string();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut edits = match jobs::decode_edits(field("e")) {
        Ok(edits) => edits,
        Err(message) => return bad_edits(&message),
    };
    let policy = field("policy").to_string();
    match field("action") {
        "schedules" => {
            let Some(Ok(view)) = server.workbench.scenario(&id, &edits) else {
                return show_scenario(server, &id, &edits, None);
            };
            let current = view.schedules.iter().find(|p| p.name == policy).map(|p| p.schedules.clone());
            let Some(current) = current else { return bad_edits(&format!("no policy is named `{policy}`")) };
            let submitted = match page::read_schedules(form) {
                Ok(submitted) => submitted,
                Err(message) => return bad_edits(&message),
            };
            let original = edits.clone();
            let label = form.get("label").map(|l| l.trim().to_string());
            let current_label =
                view.loaded.scenario.policies.iter().find(|p| p.name == policy).map(|p| p.label.clone());
            if let Some(label) = label.filter(|l| Some(l) != current_label.as_ref()) {
                edit::record(&mut edits, Edit::Label { policy: policy.clone(), label });
            }
            for schedule in &submitted {
                let unchanged = current.iter().any(|c| c == schedule)
                    || (schedule.rows.is_empty()
                        && !current.iter().any(|c| c.kind == schedule.kind && c.lever == schedule.lever));
                if unchanged {
                    continue;
                }
                let edit = Edit::Schedule {
                    policy: policy.clone(),
                    kind: schedule.kind.clone(),
                    lever: schedule.lever,
                    rows: schedule.rows.clone(),
                };
                edit::record(&mut edits, edit);
            }
            match server.workbench.scenario(&id, &edits) {
                Some(Ok(_)) => redirect_to_scenario(&id, &edits),
                Some(Err(problem)) => {
                    let failed = page::Failed { policy, schedules: submitted, problem };
                    show_scenario(server, &id, &original, Some(failed))
                }
                None => not_found("scenario"),
            }
        }
        "add" => {
            let base = policy;
            edits.push(Edit::AddPolicy {
                name: field("name").trim().to_string(),
                label: field("label").trim().to_string(),
                base,
            });
            apply_or_explain(server, &id, edits)
        }
        "baseline" => {
            edits.push(Edit::Baseline { policy });
            apply_or_explain(server, &id, edits)
        }
        _ => bad_edits("the form names no edit"),
    }
}

fn redirect_to_scenario(id: &str, edits: &[Edit]) -> Response {
    let query =
        if edits.is_empty() { String::new() } else { format!("?e={}", page::url_encode(&jobs::encode_edits(edits))) };
    Redirect::to(&format!("/s/{id}{query}")).into_response()
}

/// Goes to the scenario with `edits` when they make a valid scenario; else
/// shows the problems on the page without the last edit.
fn apply_or_explain(server: &Server, id: &str, mut edits: Vec<Edit>) -> Response {
    match server.workbench.scenario(id, &edits) {
        Some(Ok(_)) => redirect_to_scenario(id, &edits),
        Some(Err(problem)) => {
            let last = edits.pop();
            let policy = match last {
                Some(Edit::AddPolicy { base, .. }) | Some(Edit::Baseline { policy: base }) => base,
                _ => String::new(),
            };
            show_scenario(server, id, &edits, Some(page::Failed { policy, schedules: Vec::new(), problem }))
        }
        None => not_found("scenario"),
    }
}

/// A run's settings: `?paths=N&seed=S&e=EDITS&v=VERSION` (the permalink) or
/// the form, with `by=COLUMNS` (grouping) and `st=STATE` (the state whose
/// page the finished run leads to). An empty field is no setting.
#[derive(serde::Deserialize)]
struct RunSettings {
    #[serde(default, deserialize_with = "empty_as_none")]
    paths: Option<u64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    seed: Option<u64>,
    #[serde(default)]
    e: String,
    v: Option<String>,
    by: Option<String>,
    st: Option<String>,
}

/// A number field of a form, `None` when left empty.
fn empty_as_none<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| serde::de::Error::custom(format!("{t:?} is not a whole number"))),
    }
}

/// A state code as a link carries it: letters and digits, at most 8.
fn state_code(text: &str) -> Option<String> {
    let code = text.trim().to_ascii_uppercase();
    (!code.is_empty() && code.len() <= 8 && code.chars().all(|c| c.is_ascii_alphanumeric())).then_some(code)
}

async fn run(State(server): State<Shared>, Path(id): Path<String>, Query(settings): Query<RunSettings>) -> Response {
    blocking(move || start(&server, &id, settings)).await
}

async fn run_form(State(server): State<Shared>, Path(id): Path<String>, Form(settings): Form<RunSettings>) -> Response {
    blocking(move || start(&server, &id, settings)).await
}

fn start(server: &Server, id: &str, settings: RunSettings) -> Response {
    let edits = match jobs::decode_edits(&settings.e) {
        Ok(edits) => edits,
        Err(message) => return bad_edits(&message),
    };
    let by = settings.by.map(|by| by.split(',').map(|c| c.trim().to_string()).collect());
    let request = jobs::RunRequest { paths: settings.paths, seed: settings.seed, version: settings.v, by };
    let focus = match settings.st.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(text) => match state_code(text) {
            Some(code) => format!("?st={code}"),
            None => return not_found("state"),
        },
    };
    match server.workbench.start(id, &edits, request) {
        Ok(job) => Redirect::to(&format!("/j/{job}{focus}")).into_response(),
        Err(jobs::StartError::NoScenario) => not_found("scenario"),
        Err(jobs::StartError::Invalid(message)) => {
            html(StatusCode::UNPROCESSABLE_ENTITY, page::error("Cannot run", &message))
        }
        Err(jobs::StartError::Edits(problem)) => {
            html(StatusCode::UNPROCESSABLE_ENTITY, page::error("Cannot run", &problem.lines().join("\n")))
        }
        Err(jobs::StartError::Stale { linked, current }) => html(
            StatusCode::CONFLICT,
            page::error(
                "The scenario changed",
                &format!(
                    "This link was made for version {linked} of the scenario; the server has version {current}. \
                     Open the scenario to run the current version."
                ),
            ),
        ),
    }
}

async fn job(
    State(server): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let focus = query.get("st").and_then(|s| state_code(s));
    match server.workbench.job(&id) {
        Some(job) => html(StatusCode::OK, page::job(&job, focus.as_deref())),
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

/// The state form of a run's page: to the state's page.
async fn state_pick(
    State(server): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(job) = server.workbench.job(&id) else { return not_found("run") };
    let id = job.id.clone();
    let Some(state) = query.get("st").and_then(|s| state_code(s)) else { return not_found("state") };
    Redirect::to(&format!("/j/{id}/state/{state}")).into_response()
}

/// One state's page of a finished cohort run.
async fn state_page(State(server): State<Shared>, Path((id, state)): Path<(String, String)>) -> Response {
    let Some(job) = server.workbench.job(&id) else { return not_found("run") };
    let JobState::Done { out, .. } = job.state() else { return not_found("finished run") };
    let Some(state) = state_code(&state) else { return not_found("state") };
    let workbook = format!("/j/{id}/state/{state}/workbook.xlsx");
    match tokio::task::spawn_blocking(move || crate::report::state_page::render(&out, &state, &workbook)).await {
        Ok(Ok(page)) => html(StatusCode::OK, page),
        _ => not_found("state page"),
    }
}

/// One state's workbook of a finished cohort run.
async fn state_workbook(State(server): State<Shared>, Path((id, state)): Path<(String, String)>) -> Response {
    let Some(job) = server.workbench.job(&id) else { return not_found("run") };
    let JobState::Done { out, .. } = job.state() else { return not_found("finished run") };
    let Some(state) = state_code(&state) else { return not_found("state") };
    let name = format!("state_{state}.xlsx");
    let built = tokio::task::spawn_blocking(move || {
        let view = crate::report::state_page::StateView::read(&out, &state)?;
        crate::report::state_page::workbook(&view)
    })
    .await;
    let Ok(Ok(bytes)) = built else { return not_found("state workbook") };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(address: &str) -> Hosts {
        Hosts::for_address(address.parse().unwrap())
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn a_loopback_server_answers_to_its_own_names_only() {
        let h = hosts("127.0.0.1:8080");
        for name in ["127.0.0.1:8080", "localhost:8080", "LocalHost:8080", "[::1]:8080"] {
            assert!(h.allows(name), "{name}");
        }
        for name in ["evil.example", "evil.example:8080", "localhost", "localhost:8081", "127.0.0.1", ""] {
            assert!(!h.allows(name), "{name}");
        }
        let v6 = hosts("[::1]:9000");
        assert!(v6.allows("[::1]:9000") && v6.allows("localhost:9000") && !v6.allows("[::1]:9001"));
        // Port 80: a browser names the host alone.
        let web = hosts("127.0.0.1:80");
        assert!(web.allows("localhost") && web.allows("127.0.0.1:80") && web.allows("[::1]"));
        assert!(!web.allows("evil.example"));
        // Another loopback address is one of the names.
        assert!(hosts("127.0.0.2:7000").allows("127.0.0.2:7000"));
        // Anything but loopback: the token guards it.
        assert_eq!(hosts("0.0.0.0:8080"), Hosts::Any);
        assert!(hosts("192.0.2.1:8080").allows("evil.example"));
    }

    #[test]
    fn a_post_from_another_origin_is_refused() {
        let h = hosts("127.0.0.1:8080");
        let host = Some("127.0.0.1:8080");
        let ok = |pairs: &[(header::HeaderName, &str)]| same_origin(&h, host, &headers(pairs));
        assert!(ok(&[]), "curl sends neither");
        assert!(ok(&[(header::ORIGIN, "http://127.0.0.1:8080")]));
        assert!(ok(&[(header::ORIGIN, "http://localhost:8080")]), "another of the server's names");
        assert!(ok(&[(header::REFERER, "http://127.0.0.1:8080/s/quickstart?e=")]));
        for origin in ["http://evil.example", "null", "http://127.0.0.1:8081", "https://127.0.0.1:8080", ""] {
            assert!(!ok(&[(header::ORIGIN, origin)]), "{origin}");
            // Origin decides when both are there.
            assert!(!ok(&[(header::ORIGIN, origin), (header::REFERER, "http://127.0.0.1:8080/")]), "{origin}");
        }
        for referer in ["http://evil.example/", "http://127.0.0.1:8080@evil.example/", "http://127.0.0.1:8080", "x"] {
            assert!(!ok(&[(header::REFERER, referer)]), "{referer}");
        }
        // Any address but loopback: the origin must be the host the request names.
        let any = Hosts::Any;
        let origin = headers(&[(header::ORIGIN, "http://workbench.example:8080")]);
        assert!(same_origin(&any, Some("workbench.example:8080"), &origin));
        assert!(!same_origin(&any, Some("other.example:8080"), &origin));
        assert!(!same_origin(&any, None, &origin));
    }
}
