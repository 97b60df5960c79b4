//! The workbench's pages: server-rendered HTML with the report layer's
//! pages and charts for results, and a few lines of hand-written
//! JavaScript (reading an uploaded file into the form, following a run's
//! progress). Nothing is loaded from elsewhere: it works offline.

use std::fmt::Write;
use std::sync::Arc;

use super::jobs::{Job, JobState, ScenarioView};
use crate::report::html_escape as escape;

const STYLE: &str =
    "body{font-family:system-ui,'DejaVu Sans',sans-serif;max-width:1000px;margin:0 auto;padding:1rem;color:#1b1b1b}\
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:2px solid #0072b2}table{border-collapse:collapse}\
td,th{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left}.error{color:#b00020;white-space:pre-wrap}\
pre{background:#f5f5f5;padding:.6rem;overflow:auto}iframe{width:100%;height:80vh;border:1px solid #ccc}\
textarea{width:100%;height:12rem;font-family:monospace}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · seqsim workbench</title>\
         <style>{STYLE}</style></head><body><p><a href=\"/\">seqsim workbench</a></p>{body}</body></html>",
        escape(title)
    )
}

/// An error page.
pub fn error(title: &str, message: &str) -> String {
    layout(title, &format!("<h1>{}</h1><p class=\"error\">{}</p>", escape(title), escape(message)))
}

const UPLOAD_FORM_SCRIPT: &str = "<script>\
document.getElementById('file').addEventListener('change',function(e){\
var f=e.target.files[0];if(!f)return;f.text().then(function(t){document.getElementById('yaml').value=t;});});\
</script>";

fn upload_form(text: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/upload\"><p><input type=\"file\" id=\"file\" accept=\".yaml,.yml\"> \
         or paste the YAML:</p><textarea id=\"yaml\" name=\"yaml\">{}</textarea>\
         <p><button type=\"submit\">Check and open</button></p></form>{UPLOAD_FORM_SCRIPT}",
        escape(text)
    )
}

/// The front page: the offered scenarios, the upload form and the runs so far.
pub fn index(catalogue: &[(String, String)], jobs: &[Arc<Job>]) -> String {
    let mut body = String::from("<h1>seqsim workbench</h1><h2>Scenarios</h2><ul>");
    for (id, name) in catalogue {
        let _ = write!(body, "<li><a href=\"/s/{}\">{}</a></li>", escape(id), escape(name));
    }
    body.push_str("</ul><h2>Upload a scenario</h2>");
    body.push_str(&upload_form(""));
    if !jobs.is_empty() {
        body.push_str("<h2>Runs</h2><ul>");
        for job in jobs {
            let _ = write!(
                body,
                "<li><a href=\"/j/{}\">{}</a>: {} paths, seed {} ({})</li>",
                escape(&job.id),
                escape(&job.scenario.1),
                job.paths,
                job.seed,
                state_name(&job.state())
            );
        }
        body.push_str("</ul>");
    }
    layout("Scenarios", &body)
}

/// The upload form again with the reader's problems beside it.
pub fn upload_errors(text: &str, errors: &[String]) -> String {
    let mut body = String::from("<h1>The scenario has problems</h1><ul class=\"error\">");
    for error in errors {
        let _ = write!(body, "<li>{}</li>", escape(error));
    }
    body.push_str("</ul>");
    body.push_str(&upload_form(text));
    layout("Problems", &body)
}

/// A scenario: its policies and practices, and the run form.
pub fn scenario(id: &str, view: &ScenarioView, max_paths: u64) -> String {
    let mut body = format!("<h1>{}</h1>", escape(&view.name));
    if let Some(description) = &view.description {
        let _ = write!(body, "<p>{}</p>", escape(description.trim()));
    }
    match &view.loaded {
        Err(message) => {
            let _ = write!(body, "<p class=\"error\">{}</p>", escape(message));
            return layout(&view.name, &body);
        }
        Ok(loaded) => {
            let s = &loaded.scenario;
            let _ = write!(
                body,
                "<p>Projection {}–{}, {} practices{}.</p><h2>Policies</h2><table><tr><th>policy</th><th>label</th><th>stacked on</th></tr>",
                s.start_year,
                s.start_year + s.years as i32 - 1,
                s.practices.len(),
                if view.uploaded { ", uploaded" } else { "" }
            );
            for (i, p) in s.policies.iter().enumerate() {
                let base = p.base.and_then(|b| s.policies.get(b)).map_or("", |b| b.name.as_str());
                let role = if i == s.baseline { " (baseline)" } else { "" };
                let _ = write!(
                    body,
                    "<tr><td>{}{role}</td><td>{}</td><td>{}</td></tr>",
                    escape(&p.name),
                    escape(&p.label),
                    escape(base)
                );
            }
            body.push_str("</table>");
        }
    }
    let _ = write!(
        body,
        "<h2>Run</h2><form method=\"post\" action=\"/s/{id}/run\">\
         <label>paths <input name=\"paths\" type=\"number\" min=\"1\" max=\"{max_paths}\" value=\"{}\"></label> \
         <label>seed <input name=\"seed\" type=\"number\" min=\"0\" value=\"{}\"></label> \
         <button type=\"submit\">Run</button></form>",
        10_000.min(max_paths),
        view.seed,
        id = escape(id)
    );
    layout(&view.name, &body)
}

fn state_name(state: &JobState) -> &'static str {
    match state {
        JobState::Queued => "queued",
        JobState::Running => "running",
        JobState::Done { .. } => "done",
        JobState::Cancelled => "cancelled",
        JobState::Failed(_) => "failed",
    }
}

const PROGRESS_SCRIPT: &str = "<script>\
var s=new EventSource(location.pathname+'/events');\
s.addEventListener('progress',function(e){var p=e.data.split(' ');var b=document.getElementById('bar');b.max=+p[1];b.value=+p[0];\
document.getElementById('count').textContent=p[0]+' of '+p[1]+' paths';});\
s.addEventListener('end',function(){s.close();location.reload();});\
</script>";

/// A run: progress while it goes (server-sent events), then the headline,
/// the downloads and the report page.
pub fn job(job: &Job) -> String {
    let (scenario_id, name) = &job.scenario;
    let permalink = escape(&format!("/s/{scenario_id}/run?paths={}&seed={}", job.paths, job.seed));
    let mut body = format!(
        "<h1>{}</h1><p>{} paths, seed {} · <a href=\"{permalink}\">permalink</a> · <a href=\"/s/{}\">scenario</a></p>",
        escape(name),
        job.paths,
        job.seed,
        escape(scenario_id)
    );
    match job.state() {
        JobState::Queued | JobState::Running => {
            let (done, total) = job.progress();
            let _ = write!(
                body,
                "<p id=\"state\">{}</p><progress id=\"bar\" value=\"{done}\" max=\"{total}\"></progress> <span id=\"count\"></span>\
                 <form method=\"post\" action=\"/j/{}/cancel\"><button type=\"submit\">Cancel</button></form>{PROGRESS_SCRIPT}",
                state_name(&job.state()),
                escape(&job.id)
            );
        }
        JobState::Cancelled => body.push_str("<p id=\"state\">cancelled</p>"),
        JobState::Failed(message) => {
            let _ = write!(body, "<p id=\"state\">failed</p><p class=\"error\">{}</p>", escape(&message));
        }
        JobState::Done { files, headline, .. } => {
            let _ = write!(body, "<p id=\"state\">done</p><pre>{}</pre><h2>Downloads</h2><ul>", escape(&headline));
            let wanted = ["evidence.xlsx", "brief.md", "report.html", "manifest.json", "scenario.yaml"];
            let listed = files.iter().filter(|f| wanted.contains(&f.as_str()) || f.ends_with(".csv"));
            for file in listed {
                let _ =
                    write!(body, "<li><a href=\"/j/{}/f/{}\">{}</a></li>", escape(&job.id), escape(file), escape(file));
            }
            let _ = write!(body, "</ul><h2>Report</h2><iframe src=\"/j/{}/f/report.html\"></iframe>", escape(&job.id));
        }
    }
    layout(name, &body)
}
