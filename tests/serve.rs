//! `seqsim serve` used as a person would, over HTTP on an ephemeral loopback
//! port: the front page, a run from start to downloads, uploads good and
//! bad, policies edited in their lever tables (saved, refused with the
//! problem beside the table, a new policy, another baseline), permalinks,
//! hostile requests and edits (oversized, unknown ids, paths, not JSON, alias
//! bombs), a browser's neighbours (another `Host`, a form posted from another
//! origin), a token when the address is not loopback, and SIGTERM. After every
//! bad request the server still serves.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server, killed when dropped.
struct Server {
    child: Child,
    address: String,
    token: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Server {
    start_with(args, &["quickstart.yaml", "national.yaml"])
}

/// A server offering these bundled scenarios.
fn start_with(args: &[&str], offered: &[&str]) -> Server {
    let scenarios = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut child = Command::new(env!("CARGO_BIN_EXE_seqsim"))
        .arg("serve")
        .args(args)
        .args(offered.iter().map(|s| scenarios.join(s)))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Owned by a `Server` at once, so the process is killed and waited for
    // even when the test fails below.
    let mut server = Server { child, address: String::new(), token: None };
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines.next().expect("the server says where it listens").unwrap();
        if let Some(rest) = line.strip_prefix("token: ") {
            server.token = rest.split_whitespace().next().map(str::to_string);
        }
        if let Some(address) = line.strip_prefix("seqsim serve: listening on http://") {
            server.address = address.trim_end_matches('/').replace("0.0.0.0", "127.0.0.1");
            return server;
        }
    }
}

/// A response: status, headers (lower-case names) and body.
struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn location(&self) -> String {
        let line = self.head.lines().find(|l| l.to_ascii_lowercase().starts_with("location:")).unwrap();
        line[9..].trim().to_string()
    }
}

/// A request naming the server by the address it printed as its `Host`.
fn request(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    request_as(server, Some(&server.address), method, path, headers, body)
}

/// A request with `host` as its `Host` (none: no `Host` header).
fn request_as(
    server: &Server,
    host: Option<&str>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if let Some(host) = host {
        head.push_str(&format!("Host: {host}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) before reading a large body: ignore a reset while sending.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Reply { status, head, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&data[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
}

fn get(server: &Server, path: &str) -> Reply {
    request(server, "GET", path, &[], b"")
}

fn post_form(server: &Server, path: &str, form: &str) -> Reply {
    request(server, "POST", path, &[("Content-Type", "application/x-www-form-urlencoded")], form.as_bytes())
}

/// Form-encodes text.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Follows a run's page until it is no longer queued or running.
fn wait_for(server: &Server, job: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let page = get(server, job).text();
        if !page.contains("id=\"state\">queued") && !page.contains("id=\"state\">running") {
            return page;
        }
        assert!(Instant::now() < deadline, "the run did not finish");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The front page says what seqsim answers, lists projections before
/// backtests with a line each, and puts the upload form after them.
#[test]
fn the_front_page_lists_projections_then_backtests_with_a_line_each() {
    let server = start_with(&["--bind", "127.0.0.1:0"], &["backtest_2017_2019.yaml", "national.yaml"]);
    let page = get(&server, "/").text();
    assert!(page.contains("Medicare sequestration"), "what it answers");
    let projections = page.find("<h2>Projections</h2>").unwrap();
    let backtests = page.find("<h2>Backtests").unwrap();
    let upload = page.find("<h2>Upload a scenario</h2>").unwrap();
    assert!(projections < backtests && backtests < upload, "projections, backtests, then the upload form");
    assert!(page[projections..backtests].contains("/s/national"), "national is a projection");
    assert!(page[backtests..upload].contains("/s/backtest_2017_2019"), "the backtest is listed after");
    assert!(page[projections..backtests].contains("class=\"meta\">Eight archetypes"), "a line from its description");
}

/// A cohort with states is grouped by state in the workbench, as `run --by
/// state` would: the groups table, the state maps and the risk list.
#[test]
fn a_cohort_run_in_the_workbench_is_grouped_by_state() {
    let server = start_with(&["--bind", "127.0.0.1:0"], &["rural_cohort.yaml"]);
    let started = post_form(&server, "/s/rural_cohort/run", "paths=100&seed=5");
    assert_eq!(started.status, 303);
    let job = started.location();
    let page = wait_for(&server, &job);
    assert!(page.contains("id=\"state\">done"), "{page}");
    let groups = get(&server, &format!("{job}/f/groups.csv"));
    assert_eq!(groups.status, 200, "a groups table");
    assert!(groups.text().starts_with("state,policy,year,"), "grouped by state");
    assert_eq!(get(&server, &format!("{job}/f/at_risk.csv")).status, 200, "the risk list");
    let report = get(&server, &format!("{job}/f/report.html")).text();
    assert!(report.contains("map_exhausted") || report.contains("<svg"), "the state map");
    assert!(!report.contains("No state map"), "no advice to rerun with --by state");

    // A state's page: the run page's form leads there, and it lists the
    // state's facilities by name with the baseline's chances of facilities.csv.
    assert!(page.contains("id=\"state-form\""), "the run page offers a state");
    let picked = get(&server, &format!("{job}/state?st=ks"));
    assert_eq!((picked.status, picked.location()), (303, format!("{job}/state/KS")));
    let state = get(&server, &format!("{job}/state/KS"));
    assert_eq!(state.status, 200);
    let state = state.text();
    let csv = get(&server, &format!("{job}/f/facilities.csv")).text();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let kansas: Vec<Vec<&str>> = lines
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .filter(|r| r[col("state")] == "KS" && r[col("policy")] == "current_law")
        .collect();
    assert!(!kansas.is_empty());
    // The year the page opens on is the picker's selected one; every year has its section.
    let picker = state.split("<select id=\"year\"").nth(1).unwrap().split("</select>").next().unwrap();
    let shown = picker.split("\" selected>").next().unwrap().rsplit("value=\"").next().unwrap().to_string();
    assert_eq!(state.matches("<section class=\"year\"").count(), picker.matches("<option").count());
    assert!(state.contains(&format!("<section class=\"year\" data-year=\"{shown}\">")), "the shown year is not hidden");
    let section = format!("<section class=\"year\" data-year=\"{shown}\">");
    let state = state.split(&section).nth(1).unwrap().split("</section>").next().unwrap();
    let row = kansas.iter().find(|r| r[col("year")] == shown).unwrap();
    let p: f64 = row[col("p_exhausted")].parse().unwrap();
    assert!(state.contains(&format!("{:.2}%", p * 100.0)), "{} at {} in {shown}", row[col("name")], p);
    assert!(state.contains(row[col("name")]), "facilities by name");
    let page_text = get(&server, &format!("{job}/state/KS")).text();
    assert!(page_text.contains("@media print"), "a print stylesheet");
    assert!(page_text.contains("class=\"highlight\" data-state=\"KS\""), "Kansas's tile outlined");
    assert_eq!(get(&server, &format!("{job}/state/..%2F..")).status, 404);

    // The state's workbook, linked from its page.
    assert!(page_text.contains(&format!("href=\"{job}/state/KS/workbook.xlsx\"")));
    let workbook = get(&server, &format!("{job}/state/KS/workbook.xlsx"));
    assert_eq!(workbook.status, 200);
    assert!(workbook.body.starts_with(b"PK"), "an xlsx (zip) file");
    assert_eq!(get(&server, &format!("{job}/state/K%20S/workbook.xlsx")).status, 404);
}

/// The front page's "pick your state" runs the cohort and the finished run
/// page leads to the state; `by=` groups by another column, and a column
/// the table lacks is refused before anything runs.
#[test]
fn a_state_is_picked_on_the_front_page_and_a_run_is_grouped_on_request() {
    let server = start_with(&["--bind", "127.0.0.1:0"], &["rural_cohort.yaml"]);
    let front = get(&server, "/").text();
    assert!(front.contains("id=\"pick-state-rural_cohort\""), "{front}");
    assert!(front.contains("<option value=\"KS\">Kansas</option>"), "states by name");
    let started = get(&server, "/s/rural_cohort/run?st=ks&paths=50&seed=5");
    assert_eq!(started.status, 303);
    let job = started.location();
    assert!(job.ends_with("?st=KS"), "{job}");
    let page = wait_for(&server, &job);
    let id = job.trim_end_matches("?st=KS");
    assert!(page.contains(&format!("id=\"focus-state\" href=\"{id}/state/KS\"")), "{page}");

    let by_kind = get(&server, "/s/rural_cohort/run?by=kind&paths=50&seed=5");
    assert_eq!(by_kind.status, 303);
    let job = by_kind.location();
    wait_for(&server, &job);
    assert!(get(&server, &format!("{job}/f/groups.csv")).text().starts_with("kind,policy,year,"));
    let refused = get(&server, "/s/rural_cohort/run?by=no_such_column&paths=50");
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("no_such_column"));
}

#[test]
fn a_person_picks_a_scenario_runs_it_and_downloads_the_results() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    let front = get(&server, "/");
    assert_eq!(front.status, 200);
    let text = front.text();
    assert!(text.contains("Quickstart") && text.contains("/s/quickstart"), "{text}");
    assert!(!text.contains(env!("CARGO_MANIFEST_DIR")), "the page names no server path");

    let scenario = get(&server, "/s/quickstart");
    assert_eq!(scenario.status, 200);
    assert!(scenario.text().contains("repeal_2027"));

    let started = post_form(&server, "/s/quickstart/run", "paths=600&seed=5");
    assert_eq!(started.status, 303);
    let job = started.location();
    // The same scenario, seed and paths are the same run (cached).
    assert_eq!(get(&server, "/s/quickstart/run?paths=600&seed=5").location(), job);
    let page = wait_for(&server, &job);
    assert!(page.contains("id=\"state\">done"), "{page}");
    assert!(page.contains("P(margin &lt; 0)"), "the headline is shown");

    let xlsx = get(&server, &format!("{job}/f/evidence.xlsx"));
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"), "an xlsx is a zip");
    let csv = get(&server, &format!("{job}/f/summary.csv")).text();
    assert!(csv.starts_with("practice,kind,policy,year,margin_mean"));
    for name in ["manifest.json", "report.html", "brief.md", "scenario.yaml"] {
        assert_eq!(get(&server, &format!("{job}/f/{name}")).status, 200, "{name}");
    }
    let events = get(&server, &format!("{job}/events"));
    assert!(events.text().contains("event: end"), "{}", events.text());

    // Names that are not the run's files are not served: traversal, plain and
    // percent-encoded (slashes and backslashes too), absolute paths, and a
    // detour to a file the run has.
    for path in [
        "/f/../../../etc/passwd",
        "/f/%2e%2e/%2e%2e/etc/passwd",
        "/f/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/f/..%2f..%2f..%2fetc%2fpasswd",
        "/f/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/f/..%5c..%5c..%5cetc%5cpasswd",
        "/f/%252e%252e/%252e%252e/etc/passwd",
        "/f//etc/passwd",
        "/f/%2fetc%2fpasswd",
        "/f/charts/../manifest.json",
        "/f/./manifest.json",
        "/f/%2e/manifest.json",
        "/f/nope.csv",
    ] {
        assert_eq!(get(&server, &format!("{job}{path}")).status, 404, "{path}");
    }
    assert_eq!(get(&server, "/").status, 200);
}

#[test]
fn hostile_requests_get_4xx_and_the_server_goes_on() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    assert_eq!(get(&server, "/s/no_such").status, 404);
    assert_eq!(get(&server, "/j/no_such").status, 404);
    assert_eq!(get(&server, "/j/no_such/events").status, 404);
    assert_eq!(post_form(&server, "/s/quickstart/run", "paths=999999999&seed=1").status, 422);
    assert_eq!(post_form(&server, "/s/quickstart/run", "paths=-4").status, 422);

    // Malformed YAML: the problems are shown with their key paths.
    let bad = post_form(&server, "/upload", &format!("yaml={}", encode("name: x\nyears: [1, 2\n")));
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("upload.yaml"), "{}", bad.text());
    let invalid =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml"))
            .unwrap()
            .replacen("years: 5", "years: -5", 1);
    let reply = post_form(&server, "/upload", &format!("yaml={}", encode(&invalid)));
    assert_eq!(reply.status, 422);
    assert!(reply.text().contains("years"), "{}", reply.text());

    // An import outside the server's tree is refused, naming no server path.
    let escape = "name: x\nimports: [../../../../../../etc/passwd]\n";
    let reply = post_form(&server, "/upload", &format!("yaml={}", encode(escape)));
    assert_eq!(reply.status, 422);
    assert!(!reply.text().contains(env!("CARGO_MANIFEST_DIR")));

    // Oversized upload.
    let big = format!("yaml={}", "a".repeat(2 * 1024 * 1024));
    assert_eq!(post_form(&server, "/upload", &big).status, 413);

    // A valid upload opens as a scenario and runs.
    let good =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml"))
            .unwrap()
            .replacen("name:", "name: Uploaded", 1);
    let reply = post_form(&server, "/upload", &format!("yaml={}", encode(&good)));
    assert_eq!(reply.status, 303, "{}", reply.text());
    let id = reply.location();
    assert!(get(&server, &id).text().contains("uploaded"));
    let job = post_form(&server, &format!("{id}/run"), "paths=300&seed=2").location();
    assert!(wait_for(&server, &job).contains("id=\"state\">done"));
    assert_eq!(get(&server, "/").status, 200);
}

#[test]
fn a_run_can_be_cancelled() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    let job = post_form(&server, "/s/national/run", "paths=200000&seed=9").location();
    assert_eq!(post_form(&server, &format!("{job}/cancel"), "").status, 303);
    let page = wait_for(&server, &job);
    assert!(page.contains("id=\"state\">cancelled"), "{page}");
    assert_eq!(get(&server, "/").status, 200);
}

#[test]
fn a_browsers_neighbours_are_kept_out() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    let port = server.address.rsplit_once(':').unwrap().1.to_string();

    // Another name for the server (DNS rebinding) is refused, saying which are accepted and why.
    for host in [Some("evil.example"), Some("evil.example:80"), Some(&*format!("evil.example:{port}")), None] {
        let reply = request_as(&server, host, "GET", "/", &[], b"");
        assert_eq!(reply.status, 421, "{host:?}");
        let text = reply.text();
        assert!(text.contains(&format!("localhost:{port}")) && text.contains("DNS rebinding"), "{text}");
    }
    // So is a target naming another host (absolute form).
    let absolute = request_as(&server, Some(&server.address), "GET", "http://evil.example/", &[], b"");
    assert_eq!(absolute.status, 421);
    let reply = request_as(&server, Some("evil.example"), "POST", "/s/quickstart/run", &[], b"paths=300&seed=11");
    assert_eq!(reply.status, 421);
    // The server's own names are served.
    for host in
        [format!("localhost:{port}"), format!("LOCALHOST:{port}"), format!("[::1]:{port}"), server.address.clone()]
    {
        assert_eq!(request_as(&server, Some(&host), "GET", "/", &[], b"").status, 200, "{host}");
    }

    // A form posted from another site's page is refused and does nothing.
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let from = |origin: &'static str| [form[0], ("Origin", origin)];
    let evil = request(&server, "POST", "/s/quickstart/run", &from("http://evil.example"), b"paths=300&seed=11");
    assert_eq!(evil.status, 403);
    assert!(evil.text().contains("another origin"), "{}", evil.text());
    for origin in ["null", "http://localhost:1", "https://evil.example"] {
        assert_eq!(request(&server, "POST", "/s/quickstart/run", &from(origin), b"paths=300&seed=11").status, 403);
    }
    let referer = [form[0], ("Referer", "http://evil.example/s/quickstart")];
    assert_eq!(request(&server, "POST", "/s/quickstart/run", &referer, b"paths=300&seed=11").status, 403);
    let good =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml"))
            .unwrap()
            .replacen("name:", "name: Crossorigin", 1);
    let upload = format!("yaml={}", encode(&good));
    let origin = [form[0], ("Origin", "http://evil.example")];
    assert_eq!(request(&server, "POST", "/upload", &origin, upload.as_bytes()).status, 403);
    let edit = repeal_form("", "2027", "0.01");
    assert_eq!(request(&server, "POST", "/s/quickstart/edit", &origin, edit.as_bytes()).status, 403);
    let front = get(&server, "/").text();
    assert!(!front.contains("/j/"), "nothing was run: {front}");

    // The same form from the server's own page works (Origin, or Referer when there is no Origin).
    let own = format!("http://{}", server.address);
    let started = request(&server, "POST", "/s/quickstart/run", &[form[0], ("Origin", &own)], b"paths=300&seed=11");
    assert_eq!(started.status, 303, "{}", started.text());
    let job = started.location();
    let named = format!("http://localhost:{port}");
    let again = request(&server, "POST", "/s/quickstart/run", &[form[0], ("Origin", &named)], b"paths=300&seed=11");
    assert_eq!(again.location(), job, "another of the server's names is the same origin");
    let page = format!("{own}/s/quickstart");
    let referred = request(&server, "POST", "/s/quickstart/run", &[form[0], ("Referer", &page)], b"paths=300&seed=11");
    assert_eq!(referred.location(), job);
    // A run cannot be cancelled from another origin either.
    assert_eq!(request(&server, "POST", &format!("{job}/cancel"), &origin, b"").status, 403);
    assert!(wait_for(&server, &job).contains("id=\"state\">done"));
    let uploaded = request(&server, "POST", "/upload", &[form[0], ("Origin", &own)], upload.as_bytes());
    assert_eq!(uploaded.status, 303, "{}", uploaded.text());
    assert!(get(&server, &uploaded.location()).text().contains("Crossorigin"));
}

#[test]
fn a_non_loopback_address_needs_the_token() {
    let server = start(&["--bind", "0.0.0.0:0"]);
    let token = server.token.clone().expect("a generated token is printed");
    assert_eq!(get(&server, "/").status, 401);
    assert_eq!(request(&server, "GET", "/", &[("Authorization", "Bearer wrong-token-000000")], b"").status, 401);
    let bearer = format!("Bearer {token}");
    assert_eq!(request(&server, "GET", "/", &[("Authorization", &bearer)], b"").status, 200);
    let first = get(&server, &format!("/?token={token}"));
    assert_eq!(first.status, 200);
    assert!(first.head.to_ascii_lowercase().contains("set-cookie: seqsim_token="));
    let cookie = format!("seqsim_token={token}");
    assert_eq!(request(&server, "GET", "/s/quickstart", &[("Cookie", &cookie)], b"").status, 200);
    // The token guards it, so any name for the server is served (a proxy's, say)...
    let named = request_as(&server, Some("workbench.example:8080"), "GET", "/", &[("Authorization", &bearer)], b"");
    assert_eq!(named.status, 200);
    assert_eq!(request_as(&server, Some("workbench.example"), "GET", "/", &[], b"").status, 401);
    // ...but a form posted from another origin is still refused.
    let evil = [("Authorization", &*bearer), ("Origin", "http://evil.example")];
    assert_eq!(request(&server, "POST", "/s/quickstart/run", &evil, b"paths=300&seed=1").status, 403);
}

/// The `e=` of a location such as `/s/quickstart?e=...`.
fn edits_of(location: &str) -> String {
    location.split_once("?e=").map(|(_, e)| e.to_string()).unwrap_or_default()
}

/// The form that saves quickstart's `repeal_2027` with one sequestration row.
fn repeal_form(edits: &str, date: &str, value: &str) -> String {
    format!(
        "e={edits}&action=schedules&policy=repeal_2027&t0.lever=sequestration&t0.kind=\
         &t0.date.0={}&t0.value.0={}&t0.source.0=what%20if&t0.date.1=&t0.value.1=&t0.source.1=&t1.lever=&t1.kind=",
        encode(date),
        encode(value)
    )
}

#[test]
fn a_person_edits_a_lever_table_runs_it_and_takes_the_scenario_away() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    let page = get(&server, "/s/quickstart").text();
    assert!(page.contains("data-policy=\"repeal_2027\""), "{page}");
    assert!(page.contains("name=\"t0.value.0\" value=\"0.0\""), "the 2027 value is in an input: {page}");

    // Sequestration of 1% from 2027 instead of repeal.
    let saved = post_form(&server, "/s/quickstart/edit", &repeal_form("", "2027", "0.01"));
    assert_eq!(saved.status, 303, "{}", saved.text());
    let edited = saved.location();
    assert!(edited.starts_with("/s/quickstart?e="), "{edited}");
    let page = get(&server, &edited).text();
    assert!(page.contains("<li>repeal_2027: sequestration = 2027: 0.01</li>"), "{page}");
    assert!(page.contains("name=\"t0.value.0\" value=\"0.01\""), "{page}");

    // The edited scenario as YAML says what changed and keeps the law it did not touch as an import.
    let yaml = get(&server, &edited.replacen("/s/quickstart?", "/s/quickstart/scenario.yaml?", 1));
    assert_eq!(yaml.status, 200);
    let yaml = yaml.text();
    assert!(yaml.starts_with("# Edited in the seqsim workbench from quickstart.yaml"), "{yaml}");
    assert!(yaml.contains("    sequestration:\n      2027: {value: 0.01, source: \"what if\"}\n"), "{yaml}");
    assert!(yaml.contains("imports: [\"../policies/us/current_law.yaml\"]"), "{yaml}");

    // Run it: the run page's permalink carries the edits and the scenario's version.
    let e = edits_of(&edited);
    let job = post_form(&server, "/s/quickstart/run", &format!("e={e}&paths=400&seed=3")).location();
    let done = wait_for(&server, &job);
    assert!(done.contains("id=\"state\">done"), "{done}");
    let permalink = done.split("href=\"").find(|s| s.contains("id=\"permalink\"")).unwrap();
    let permalink = permalink.split('"').next().unwrap().replace("&amp;", "&");
    assert!(permalink.contains("&v=") && permalink.contains("&e="), "{permalink}");
    assert_eq!(get(&server, &permalink).location(), job, "the permalink is the same run");
    // The unedited scenario with the same seed and paths is another run.
    let plain = post_form(&server, "/s/quickstart/run", "paths=400&seed=3").location();
    assert_ne!(plain, job);
    // The downloaded scenario is the edited text.
    assert_eq!(get(&server, &format!("{job}/f/scenario.yaml")).text(), yaml);

    // The law file this edit did not touch stays an import; none was written out.
    assert!(page.contains("../policies/us/current_law.yaml (US Medicare current law as of"), "{page}");
    assert!(!page.contains("written out from"), "{page}");
    // Editing current law itself writes its file into the scenario, and the page says where it came from.
    let law =
        "e=&action=schedules&policy=current_law&t0.lever=relief&t0.kind=&t0.date.0=2027&t0.value.0=100&t0.source.0=";
    let law = get(&server, &post_form(&server, "/s/quickstart/edit", law).location()).text();
    assert!(
        law.contains("the scenario: written out from ../policies/us/current_law.yaml (US Medicare current law as of"),
        "{law}"
    );

    // A link made for another version of the file is refused.
    let stale = permalink.replace("&v=", "&v=000000");
    assert_eq!(get(&server, &stale).status, 409);
}

#[test]
fn a_bad_cell_is_shown_beside_its_table_and_nothing_is_saved() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    // Valid YAML, but above the lever's range: the scenario reader's rule, with its key path.
    let reply = post_form(&server, "/s/quickstart/edit", &repeal_form("", "2027", "0.9"));
    assert_eq!(reply.status, 422);
    let page = reply.text();
    let table = page.find("data-lever=\"sequestration\"").unwrap();
    let problem = page.find("policies.repeal_2027.sequestration.&quot;2027&quot;").expect("the key path is shown");
    assert!(problem > table, "the problem is shown with the table");
    assert!(page.contains("value=\"0.9\""), "what was typed is kept: {page}");
    assert!(!page.contains("id=\"edits\""), "nothing was saved");

    // Not YAML at all: the row and column are named.
    let page = post_form(&server, "/s/quickstart/edit", &repeal_form("", "2027", "[0.01")).text();
    assert!(page.contains("row 1, value:"), "{page}");
    // A float date is the reader's error too.
    let page = post_form(&server, "/s/quickstart/edit", &repeal_form("", "2027.5", "0.01")).text();
    assert!(page.contains("policies.repeal_2027.sequestration"), "{page}");
}

#[test]
fn a_new_policy_based_on_another_becomes_the_baseline() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    let added = post_form(
        &server,
        "/s/quickstart/edit",
        "e=&action=add&policy=repeal_2027&name=relief_2028&label=Repeal%20and%20relief",
    );
    assert_eq!(added.status, 303, "{}", added.text());
    let page = get(&server, &added.location()).text();
    assert!(page.contains("data-policy=\"relief_2028\""), "{page}");
    assert!(page.contains("<li>new policy relief_2028 based on repeal_2027</li>"), "{page}");

    let e = edits_of(&added.location());
    let baseline = post_form(&server, "/s/quickstart/edit", &format!("e={e}&action=baseline&policy=relief_2028"));
    assert_eq!(baseline.status, 303);
    let page = get(&server, &baseline.location()).text();
    assert!(page.contains("relief_2028: Repeal and relief (baseline)"), "{page}");

    // A label is edited in the policy's form.
    let relabel = post_form(
        &server,
        "/s/quickstart/edit",
        "e=&action=schedules&policy=repeal_2027&label=Repeal%20at%201%25&t0.lever=sequestration&t0.kind=\
         &t0.date.0=2027&t0.value.0=0.0&t0.source.0=",
    );
    assert_eq!(relabel.status, 303, "{}", relabel.text());
    let page = get(&server, &relabel.location()).text();
    assert!(page.contains("<li>repeal_2027: label &quot;Repeal at 1%&quot;</li>"), "{page}");
    assert!(page.contains("repeal_2027: Repeal at 1%</h3>"), "{page}");

    // A name the reader refuses is explained, and the edit is not kept.
    let bad = post_form(&server, "/s/quickstart/edit", "e=&action=add&policy=repeal_2027&name=Bad%20Name&label=x");
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("Bad Name"), "{}", bad.text());
    // So is a name taken by an imported policy.
    let taken = post_form(&server, "/s/quickstart/edit", "e=&action=add&policy=repeal_2027&name=current_law&label=x");
    assert_eq!(taken.status, 422, "{}", taken.text());
}

#[test]
fn hostile_edits_get_4xx_and_the_server_goes_on() {
    let server = start(&["--bind", "127.0.0.1:0"]);
    for e in ["not%20json", "%7B%7D", "%5B%7B%22op%22%3A%22drop_tables%22%7D%5D"] {
        assert_eq!(get(&server, &format!("/s/quickstart?e={e}")).status, 400, "{e}");
        assert_eq!(get(&server, &format!("/s/quickstart/run?e={e}")).status, 400, "{e}");
    }
    // An edit naming a policy that does not exist.
    let ghost = encode(r#"[{"op":"schedule","policy":"ghost","lever":"relief","rows":[]}]"#);
    let reply = get(&server, &format!("/s/quickstart?e={ghost}"));
    assert_eq!(reply.status, 422);
    assert!(reply.text().contains("ghost"));
    // Too many edits.
    let many = format!("[{}]", vec![r#"{"op":"baseline","policy":"current_law"}"#; 201].join(","));
    assert_eq!(get(&server, &format!("/s/quickstart?e={}", encode(&many))).status, 422);
    // An unknown lever or no action in a form.
    let form = "e=&action=schedules&policy=repeal_2027&t0.lever=tariff&t0.kind=&t0.date.0=2027&t0.value.0=1";
    assert_eq!(post_form(&server, "/s/quickstart/edit", form).status, 400);
    assert_eq!(post_form(&server, "/s/quickstart/edit", "e=").status, 400);
    // A YAML alias bomb in a cell is stopped by the reader's limits.
    let bomb = "[&a [x,x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], \
                &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]]";
    assert_eq!(post_form(&server, "/s/quickstart/edit", &repeal_form("", "2027", bomb)).status, 422);
    assert_eq!(get(&server, "/").status, 200);
}

#[test]
fn sigterm_stops_the_server_and_removes_its_results_and_dead_servers_leftovers() {
    let tmp = std::env::temp_dir().join(format!("seqsim-serve-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    // A dead server's results: a process id above Linux's largest.
    let leftover = tmp.join("seqsim-serve-4194999");
    std::fs::create_dir_all(leftover.join("r1")).unwrap();
    let scenarios = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut child = Command::new(env!("CARGO_BIN_EXE_seqsim"))
        .args(["serve", "--bind", "127.0.0.1:0", "--max-paths", "10000000"])
        .arg(scenarios.join("quickstart.yaml"))
        .env("TMPDIR", &tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(address) = line.strip_prefix("seqsim serve: listening on http://") {
            break address.trim_end_matches('/').to_string();
        }
    };
    assert!(!leftover.exists(), "a dead server's results are removed");
    let server = Server { child, address, token: None };
    let job = post_form(&server, "/s/quickstart/run", "paths=200&seed=1").location();
    assert!(wait_for(&server, &job).contains("id=\"state\">done"));
    let own = tmp.join(format!("seqsim-serve-{}", server.child.id()));
    assert!(own.is_dir());
    // A long run is going when the server is told to stop: it is cancelled
    // and waited for, so it cannot write after the directory is removed.
    let long = post_form(&server, "/s/quickstart/run", "paths=10000000&seed=2").location();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !get(&server, &long).text().contains("id=\"state\">running") {
        assert!(Instant::now() < deadline, "the long run did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut server = server;
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(!own.exists(), "its results directory is removed");
    let _ = std::fs::remove_dir_all(&tmp);
}
