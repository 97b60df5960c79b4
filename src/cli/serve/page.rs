//! The workbench's pages: server-rendered HTML with the report layer's
//! pages and charts for results, and a few lines of hand-written
//! JavaScript (reading an uploaded file into the form, following a run's
//! progress). Nothing is loaded from elsewhere: it works offline.

use std::fmt::Write;
use std::sync::Arc;

use std::collections::HashMap;

use super::jobs::{encode_edits, render, EditProblem, Job, JobState, ScenarioView};
use crate::report::html_escape as escape;
use crate::scenario::edit::{self, EditError, Row, Schedule};
use crate::scenario::yaml::join_key;
use crate::scenario::{Lever, PolicyDef, Position, Severity, UnknownLever};

const STYLE: &str =
    "body{font-family:system-ui,'DejaVu Sans',sans-serif;max-width:1240px;margin:0 auto;padding:1rem;color:#1b1b1b}\
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:2px solid #0072b2}table{border-collapse:collapse}\
td,th{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left}.error{color:#b00020;white-space:pre-wrap}\
pre{background:#f5f5f5;padding:.6rem;overflow:auto;font-size:.78rem}iframe{width:100%;height:80vh;border:1px solid #ccc}\
textarea{width:100%;height:12rem;font-family:monospace}\
section.policy{border-top:1px solid #ccc;margin-top:1.5rem}h4{margin:.8rem 0 .2rem;font-size:1rem}\
input.source{width:46rem;max-width:100%}.hint{color:#555;font-size:.9rem}form.inline{display:inline-block;margin:.3rem .6rem .3rem 0}\
table.schedule input{font-family:ui-monospace,monospace}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>{} · seqsim workbench</title>\
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
pub fn index(catalogue: &[super::jobs::Offered], jobs: &[Arc<Job>]) -> String {
    let mut body = String::from(
        "<h1>seqsim workbench</h1><p>seqsim projects how Medicare sequestration (the 2% cut remittances show as CO-253) and \
         other payment policies move the margins and cash of hospitals and practices, year by year, with their uncertainty. \
         Pick a projection, run it, and compare each policy with current law by state and by facility.</p>",
    );
    // Projections of cohorts grouped by state, the most states first (the US
    // hospital cohort before a synthetic one).
    let mut by_state: Vec<&super::jobs::Offered> =
        catalogue.iter().filter(|o| !o.backtest && !o.states.is_empty()).collect();
    by_state.sort_by_key(|o| std::cmp::Reverse(o.states.len()));
    for offered in by_state {
        let options: String = offered
            .states
            .iter()
            .map(|code| {
                let name = crate::report::state_name(code).unwrap_or(code);
                format!("<option value=\"{}\">{}</option>", escape(code), escape(name))
            })
            .collect();
        let _ = write!(
            body,
            "<h2>Pick your state: {1}</h2><form method=\"get\" action=\"/s/{0}/run\" class=\"pick-state\" id=\"pick-state-{0}\">\
             <label>State <select name=\"st\">{options}</select></label> \
             <label>Paths <input name=\"paths\" type=\"number\" min=\"1\" placeholder=\"the scenario's\"></label> \
             <button type=\"submit\">Run it and open the state</button></form>\
             <p class=\"meta\">{2} Each facility's margin and risks under current law and each policy, the state's totals and their differences, \
             as a page that prints as a board handout and an Excel workbook.</p>",
            escape(&offered.id),
            escape(&offered.name),
            escape(&offered.summary)
        );
    }
    for (title, backtests) in
        [("Projections", false), ("Backtests: how earlier projections matched what happened", true)]
    {
        let offered: Vec<&super::jobs::Offered> = catalogue.iter().filter(|o| o.backtest == backtests).collect();
        if offered.is_empty() {
            continue;
        }
        let _ = write!(body, "<h2>{}</h2><ul class=\"catalogue\">", escape(title));
        for o in offered {
            let _ = write!(body, "<li><a href=\"/s/{}\">{}</a>", escape(&o.id), escape(&o.name));
            if !o.summary.is_empty() {
                let _ = write!(body, "<br><span class=\"meta\">{}</span>", escape(&o.summary));
            }
            body.push_str("</li>");
        }
        body.push_str("</ul>");
    }
    body.push_str("<h2>Upload a scenario</h2>");
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

/// A policy form that did not apply: shown again as submitted, with its problems.
pub struct Failed {
    /// The policy the form was for.
    pub policy: String,
    /// Its tables as submitted (empty: show the current ones).
    pub schedules: Vec<Schedule>,
    /// What is wrong.
    pub problem: EditProblem,
}

/// The most tables one policy form carries.
const MAX_TABLES: usize = 64;

/// The lever tables of a policy form (`t{j}.lever`, `t{j}.kind`,
/// `t{j}.date.{i}`, `t{j}.value.{i}`, `t{j}.source.{i}`), without blank rows
/// and without the new-schedule table when no lever was picked.
pub fn read_schedules(form: &HashMap<String, String>) -> Result<Vec<Schedule>, String> {
    let mut schedules = Vec::new();
    for j in 0..MAX_TABLES {
        let Some(lever) = form.get(&format!("t{j}.lever")) else { break };
        if lever.is_empty() {
            continue;
        }
        let lever: Lever = lever.parse().map_err(|e: UnknownLever| e.to_string())?;
        let kind = form.get(&format!("t{j}.kind")).filter(|k| !k.is_empty()).cloned();
        let mut rows = Vec::new();
        for i in 0..=edit::MAX_ROWS {
            let cell = |column: &str| form.get(&format!("t{j}.{column}.{i}")).cloned();
            let (Some(date), Some(value)) = (cell("date"), cell("value")) else { break };
            let row = Row { date, value, source: cell("source").unwrap_or_default() };
            if !(row.date.trim().is_empty() && row.value.trim().is_empty() && row.source.trim().is_empty()) {
                rows.push(row);
            }
        }
        schedules.push(Schedule { kind, lever, rows });
    }
    Ok(schedules)
}

/// Percent-encodes text for a URL's query.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The key path of a policy's lever schedule, as the scenario reader names it.
fn schedule_path(policy: &str, kind: Option<&str>, lever: Lever) -> String {
    let policy = join_key("policies", policy);
    match kind {
        None => join_key(&policy, lever.as_str()),
        Some(kind) => join_key(&join_key(&join_key(&policy, "for_kinds"), kind), lever.as_str()),
    }
}

/// The problems of a failed form: those of each table (by its index in
/// `schedules`) and the rest.
fn sort_problems(policy: &str, schedules: &[Schedule], problem: &EditProblem) -> (Vec<Vec<String>>, Vec<String>) {
    let mut by_table = vec![Vec::new(); schedules.len()];
    let mut rest = Vec::new();
    let table =
        |kind: Option<&str>, lever: Lever| schedules.iter().position(|s| s.kind.as_deref() == kind && s.lever == lever);
    match problem {
        EditProblem::Edit(EditError::Cell { kind, lever, row, column, message, .. }) => {
            match table(kind.as_deref(), *lever) {
                Some(t) => by_table[t].push(format!("row {row}, {column}: {message}")),
                None => rest.push(problem.lines().join(" ")),
            }
        }
        EditProblem::Invalid(diagnostics) => {
            for diagnostic in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
                let path = match &diagnostic.at {
                    Position::Key { path, .. } => path.as_str(),
                    _ => "",
                };
                let home =
                    schedules.iter().position(|s| path.starts_with(&schedule_path(policy, s.kind.as_deref(), s.lever)));
                match home {
                    Some(t) => by_table[t].push(format!("{path}: {}", diagnostic.message)),
                    None => rest.push(render(diagnostic, "scenario.yaml")),
                }
            }
        }
        other => rest.extend(other.lines()),
    }
    (by_table, rest)
}

fn hidden(name: &str, value: &str) -> String {
    format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(name), escape(value))
}

fn problems_list(problems: &[String]) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let items: String = problems.iter().map(|p| format!("<li>{}</li>", escape(p))).collect();
    format!("<ul class=\"error\">{items}</ul>")
}

/// The header of a lever table.
const SCHEDULE_HEAD: &str = "<thead><tr><th>date</th><th>value</th><th>source</th></tr></thead>";

/// The input rows of table `j`: `rows`, then `blank` empty rows to add to.
fn schedule_rows(j: usize, rows: &[Row], blank: usize) -> String {
    let empty = Row::default();
    let mut out = String::new();
    for (i, row) in rows.iter().chain(std::iter::repeat_n(&empty, blank)).enumerate() {
        let _ = write!(
            out,
            "<tr><td><input name=\"t{j}.date.{i}\" value=\"{}\" size=\"11\" aria-label=\"date\"></td>\
             <td><input name=\"t{j}.value.{i}\" value=\"{}\" size=\"14\" aria-label=\"value\"></td>\
             <td><input name=\"t{j}.source.{i}\" value=\"{source}\" title=\"{source}\" class=\"source\" aria-label=\"source\"></td></tr>",
            escape(&row.date),
            escape(&row.value),
            source = escape(&row.source)
        );
    }
    out
}

/// One lever table of a policy form: its rows and `blank` empty rows to add to.
fn schedule_table(j: usize, schedule: &Schedule, blank: usize, problems: &[String]) -> String {
    let whom = schedule.kind.as_ref().map_or(String::new(), |k| format!(" for {k}"));
    format!(
        "<h4>{}{}</h4>{}{}<table class=\"schedule\" data-lever=\"{}\" data-kind=\"{}\">{SCHEDULE_HEAD}<tbody>{}</tbody></table>{}",
        schedule.lever,
        escape(&whom),
        hidden(&format!("t{j}.lever"), schedule.lever.as_str()),
        hidden(&format!("t{j}.kind"), schedule.kind.as_deref().unwrap_or_default()),
        schedule.lever,
        escape(schedule.kind.as_deref().unwrap_or_default()),
        schedule_rows(j, &schedule.rows, blank),
        problems_list(problems)
    )
}

/// What a table of a policy with a base does to the base's schedule (MODEL.md
/// §1: a dated map replaces the inherited schedule from its first date on).
fn replaces_hint(schedule: &Schedule, base: &str) -> String {
    let whom = schedule.kind.as_ref().map_or(String::new(), |k| format!(" for {k}"));
    let text = match schedule.rows.first() {
        Some(first) if !first.date.trim().is_empty() => format!(
            "From {} on, this table replaces {base}'s {}{whom}, its later dates included \
             (to end a change where {base}'s ends, add that date here).",
            first.date.trim(),
            schedule.lever
        ),
        Some(_) => format!("This value replaces {base}'s {}{whom} for all time.", schedule.lever),
        None => return String::new(),
    };
    format!("<p class=\"hint\">{}</p>", escape(&text))
}

/// A scenario with its edits: the policies as editable lever tables, the
/// forms that add a policy or pick the baseline, and the run form.
pub fn scenario(id: &str, view: &ScenarioView, max_paths: u64, failed: Option<&Failed>) -> String {
    let s = &view.loaded.scenario;
    let edits = if view.edits.is_empty() { String::new() } else { encode_edits(&view.edits) };
    let query = if edits.is_empty() { String::new() } else { format!("?e={}", url_encode(&edits)) };
    let mut body = format!("<h1>{}</h1>", escape(&s.name));
    if let Some(description) = &s.description {
        let _ = write!(body, "<p>{}</p>", escape(description.trim()));
    }
    let _ = write!(
        body,
        "<p>Projection {}–{}, {} practices{} · scenario version {} · \
         <a href=\"/s/{id}/scenario.yaml{query}\" id=\"download-yaml\">download this scenario as YAML</a></p>",
        s.start_year,
        s.start_year + s.years as i32 - 1,
        s.practices.len(),
        if view.uploaded { ", uploaded" } else { "" },
        escape(&view.version),
        id = escape(id),
        query = escape(&query),
    );
    if !view.edits.is_empty() {
        body.push_str("<h2>Your edits</h2><ol id=\"edits\">");
        for edit in &view.edits {
            let _ = write!(body, "<li>{}</li>", escape(&edit.to_string()));
        }
        let _ = write!(body, "</ol><p><a href=\"/s/{}\">start over from the file</a></p>", escape(id));
    }
    let _ = write!(
        body,
        "<h2>Run</h2><form method=\"post\" action=\"/s/{id}/run\" id=\"run\">{}\
         <label>paths <input name=\"paths\" type=\"number\" min=\"1\" max=\"{max_paths}\" value=\"{}\"></label> \
         <label>seed <input name=\"seed\" type=\"number\" min=\"0\" value=\"{}\"></label> \
         <button type=\"submit\">Run</button></form>",
        hidden("e", &edits),
        10_000.min(max_paths),
        s.seed,
        id = escape(id)
    );
    body.push_str(
        "<h2>Policies</h2><table><tr><th>policy</th><th>label</th><th>stacked on</th><th>written in</th></tr>",
    );
    for (i, p) in s.policies.iter().enumerate() {
        let base = p.base.and_then(|b| s.policies.get(b)).map_or("", |b| b.name.as_str());
        let role = if i == s.baseline { " (baseline)" } else { "" };
        let file = match p.import.and_then(|i| s.imports.get(i)) {
            Some(f) => format!("{} ({})", f.file, f.citation()),
            None => match view.written_out.iter().find(|(name, _)| *name == p.name) {
                Some((_, from)) => format!("the scenario: written out from {from} when edited"),
                None => "the scenario".to_string(),
            },
        };
        let _ = write!(
            body,
            "<tr><td><a href=\"#policy-{name}\">{name}</a>{role}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.label),
            escape(base),
            escape(&file),
            name = escape(&p.name),
        );
    }
    body.push_str("</table><p class=\"hint\">Values are read as in a scenario file: a date is a year (2027) or a day \
        (2027-04-01), a value a number (0.02 is 2%) or, for medicare_update, {index: mei, offset: 0.001}. A row without \
        a date holds for all time. Clear a row to remove it; clear every row of a table to inherit the lever from the \
        base. Editing a policy of an imported law file writes that file's policies into the scenario.</p>");
    let editor = Editor { id, edits: &edits, view, failed, kinds: s.kinds() };
    for (i, policy) in s.policies.iter().enumerate() {
        body.push_str(&editor.policy_section(i, policy));
    }
    layout(&s.name, &body)
}

/// What every policy section of a scenario page shares.
struct Editor<'a> {
    /// The scenario's id.
    id: &'a str,
    /// The edits so far, as the forms carry them.
    edits: &'a str,
    view: &'a ScenarioView,
    failed: Option<&'a Failed>,
    /// The practice kinds a schedule may be for.
    kinds: Vec<String>,
}

impl Editor<'_> {
    /// A form carrying the edits so far and `action` for `policy`, around `inner`.
    fn form(&self, class: &str, action: &str, policy: &str, inner: &str) -> String {
        format!(
            "<form method=\"post\" action=\"/s/{}/edit\" class=\"{class}\">{}{}{}{inner}</form>",
            escape(self.id),
            hidden("e", self.edits),
            hidden("action", action),
            hidden("policy", policy)
        )
    }

    /// One policy (the `i`th): its label and lever tables in one form (the
    /// submitted tables and their problems when that form failed), an empty
    /// table for a new schedule, and the baseline and new-policy forms.
    fn policy_section(&self, i: usize, policy: &PolicyDef) -> String {
        let s = &self.view.loaded.scenario;
        let fail = self.failed.filter(|f| f.policy == policy.name);
        let current = self
            .view
            .schedules
            .iter()
            .find(|p| p.name == policy.name)
            .map(|p| p.schedules.as_slice())
            .unwrap_or_default();
        let schedules = match fail {
            Some(f) if !f.schedules.is_empty() => f.schedules.as_slice(),
            _ => current,
        };
        let (by_table, rest) = match fail {
            Some(f) => sort_problems(&policy.name, schedules, &f.problem),
            None => (vec![Vec::new(); schedules.len()], Vec::new()),
        };
        let name = escape(&policy.name);
        let mut tables = format!(
            "<p><label>label <input name=\"label\" value=\"{}\" class=\"source\" aria-label=\"label\"></label></p>",
            escape(&policy.label)
        );
        let base = policy.base.and_then(|b| s.policies.get(b)).map(|b| b.name.as_str());
        for (j, schedule) in schedules.iter().enumerate() {
            tables.push_str(&schedule_table(j, schedule, 1, &by_table[j]));
            if let Some(base) = base {
                tables.push_str(&replaces_hint(schedule, base));
            }
        }
        let n = schedules.len();
        let _ = write!(
            tables,
            "<h4>Add a schedule: <select name=\"t{n}.lever\" aria-label=\"lever\"><option value=\"\">lever…</option>"
        );
        for lever in Lever::ALL {
            let _ = write!(tables, "<option>{lever}</option>");
        }
        let _ = write!(
            tables,
            "</select> for <select name=\"t{n}.kind\" aria-label=\"kind\"><option value=\"\">every practice</option>"
        );
        for kind in &self.kinds {
            let _ = write!(tables, "<option>{}</option>", escape(kind));
        }
        let _ = write!(
            tables,
            "</select></h4><table class=\"schedule new\">{SCHEDULE_HEAD}<tbody>{}</tbody></table>\
             <p><button type=\"submit\" class=\"save\">Save {name}</button></p>",
            schedule_rows(n, &[], 2)
        );
        let mut out = format!(
            "<section class=\"policy\" id=\"policy-{name}\" data-policy=\"{name}\"><h3>{name}: {}{}</h3>{}{}<div class=\"actions\">",
            escape(&policy.label),
            if i == s.baseline { " (baseline)" } else { "" },
            problems_list(&rest),
            self.form("levers", "schedules", &policy.name, &tables)
        );
        if i != s.baseline {
            let button = format!("<button type=\"submit\">Make {name} the baseline</button>");
            out.push_str(&self.form("inline", "baseline", &policy.name, &button));
            out.push(' ');
        }
        let new_policy = format!(
            "<input name=\"name\" placeholder=\"new_policy_name\" aria-label=\"new policy name\" required> \
             <input name=\"label\" placeholder=\"Label for tables\" aria-label=\"new policy label\" required> \
             <button type=\"submit\">New policy based on {name}</button>"
        );
        out.push_str(&self.form("inline", "add", &policy.name, &new_policy));
        out.push_str("</div></section>");
        out
    }
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
pub fn job(job: &Job, focus: Option<&str>) -> String {
    let mut body = job_heading(job);
    let state = job.state();
    match &state {
        JobState::Queued | JobState::Running => {
            let (done, total) = job.progress();
            let _ = write!(
                body,
                "<p>This run is <strong id=\"state\">{}</strong>.</p><progress id=\"bar\" value=\"{done}\" max=\"{total}\"></progress> <span id=\"count\"></span>\
                 <form method=\"post\" action=\"/j/{}/cancel\"><button type=\"submit\">Cancel</button></form>{PROGRESS_SCRIPT}",
                state_name(&state),
                escape(&job.id)
            );
        }
        JobState::Cancelled => body.push_str("<p>This run was <strong id=\"state\">cancelled</strong>.</p>"),
        JobState::Failed(message) => {
            let _ = write!(
                body,
                "<p>This run <strong id=\"state\">failed</strong>:</p><p class=\"error\">{}</p>",
                escape(message)
            );
        }
        JobState::Done { files, headline, .. } => body.push_str(&finished_job(job, files, headline, focus)),
    }
    layout(&job.scenario.1, &body)
}

/// A run page's heading: the scenario's name, paths and seed, the
/// permalink, the link back to the scenario and the list of edits.
fn job_heading(job: &Job) -> String {
    let (scenario_id, name) = &job.scenario;
    let edits =
        if job.edits.is_empty() { String::new() } else { format!("&e={}", url_encode(&encode_edits(&job.edits))) };
    let by = if job.by.is_empty() { String::new() } else { format!("&by={}", url_encode(&job.by.join(","))) };
    let permalink =
        escape(&format!("/s/{scenario_id}/run?paths={}&seed={}&v={}{by}{edits}", job.paths, job.seed, job.version));
    let scenario_link = escape(&format!("/s/{scenario_id}{}", edits.replacen('&', "?", 1)));
    let mut heading = format!(
        "<h1>{}</h1><p>{} paths, seed {}{} · <a href=\"{permalink}\" id=\"permalink\">permalink</a> · \
         <a href=\"{scenario_link}\">scenario{}</a></p>",
        escape(name),
        job.paths,
        job.seed,
        if job.edits.is_empty() { "" } else { ", edited" },
        if job.edits.is_empty() { "" } else { " with these edits" },
    );
    if !job.edits.is_empty() {
        heading.push_str("<p>Edits to the scenario file:</p><ol id=\"edits\">");
        for edit in &job.edits {
            let _ = write!(heading, "<li>{}</li>", escape(&edit.to_string()));
        }
        heading.push_str("</ol>");
    }
    heading
}

/// A finished run's part of its page: the link to the state in `focus`
/// (a run `--by state`), the headline, the downloads, the state picker and
/// the report page.
fn finished_job(job: &Job, files: &[String], headline: &str, focus: Option<&str>) -> String {
    let by_state = job.by.iter().any(|c| c == "state");
    let mut body = String::from(
        "<p>This run is <strong id=\"state\">done</strong>: its headline, downloads and report follow.</p>",
    );
    if let (Some(code), true) = (focus, by_state) {
        let state = crate::report::state_name(code).unwrap_or(code);
        let _ = write!(
            body,
            "<p class=\"focus\"><a id=\"focus-state\" href=\"/j/{}/state/{}\">{}: its hospitals, totals and each policy's difference →</a></p>",
            escape(&job.id),
            escape(code),
            escape(state)
        );
    }
    let _ = write!(body, "<h2>Headline</h2><pre>{}</pre>", escape(headline));
    body.push_str(&downloads(&job.id, files));
    if by_state && files.iter().any(|f| f == "at_risk.csv") {
        let _ = write!(
            body,
            "<h2>A state</h2><form method=\"get\" action=\"/j/{}/state\" id=\"state-form\"><label>State (two letters) \
             <input name=\"st\" size=\"3\" maxlength=\"8\" placeholder=\"KS\" required></label> \
             <button type=\"submit\">Open its page</button></form>\
             <p class=\"meta\">One state's facilities by name, with each one's margin and risks and what each policy changes; it prints as a handout.</p>",
            escape(&job.id)
        );
    }
    let _ =
        write!(body, "<h2>Report</h2><iframe src=\"/j/{}/f/report.html\" title=\"report\"></iframe>", escape(&job.id));
    body
}

/// A finished run's downloads: the described files it has, then each table
/// as CSV and, where written, Parquet.
fn downloads(job_id: &str, files: &[String]) -> String {
    let link = |file: &str| format!("<a href=\"/j/{}/f/{}\">{}</a>", escape(job_id), escape(file), escape(file));
    let described = [
        ("evidence.xlsx", "every table in one Excel workbook, with sources and the run record"),
        ("brief.md", "the brief: headline figures with their Monte Carlo ± and sources"),
        ("report.html", "the report page shown below"),
        ("scenario.yaml", "the scenario as run (with your edits): seqsim run reproduces these numbers from it"),
        ("manifest.json", "the run record: version, seed, paths, the scenario's and imports' SHA-256"),
    ];
    let mut list = String::from("<h2>Downloads</h2><ul>");
    for (file, what) in described {
        if files.iter().any(|f| f == file) {
            let _ = write!(list, "<li>{}: {what}</li>", link(file));
        }
    }
    for table in files.iter().filter_map(|f| f.strip_suffix(".csv")) {
        let mut formats = vec![link(&format!("{table}.csv"))];
        if files.iter().any(|f| *f == format!("{table}.parquet")) {
            formats.push(link(&format!("{table}.parquet")));
        }
        let _ = write!(list, "<li>{table} table: {}</li>", formats.join(" · "));
    }
    list.push_str("</ul>");
    list
}
