#!/usr/bin/env python3
"""Load test of `seqsim serve` (the workbench), Python 3 standard library only.

CLIENTS simultaneous clients (default 20) each POST a run of one scenario
(default `national`) at PATHS paths (default 10,000) with its own seed
(SEED0, SEED0+1, ...: distinct seeds, so each is a real run and the run cache
cannot share them), follow the 303 to the run's page, poll it every POLL
seconds until it says done, then check the headline <pre> is there and
download summary.csv (checked: the expected header, at least one row, every
row as wide as the header and of this client's seed and paths) and
evidence.xlsx (checked: a zip).

Then, unless --no-cache-wave, a second wave repeats the same requests at once:
each must land on the first wave's run (same job id) already done; its
latencies are reported separately. Then GET / must still answer and list
every run.

Fails (exit 1, with the reasons) if any client is lost or times out, any run
ends failed or cancelled, two clients share a job id, any response is a 5xx,
or a connection fails. With --pid it samples the server's VmRSS from
/proc/PID/status while the load runs and reads its VmHWM (peak) at the end.

Usually started by benches/serve_load.sh, which starts and stops the server:
    python3 benches/serve_load.py --url http://127.0.0.1:PORT/ --pid PID
"""

import argparse
import concurrent.futures
import csv
import http.client
import io
import re
import statistics
import sys
import threading
import time
import urllib.parse

# summary.csv's first columns (src/report/frame.rs `summary`); provenance
# columns (scenario, scenario_sha256, seed, paths, seqsim_version) follow.
SUMMARY_COLUMNS = [
    "practice", "kind", "policy", "year", "margin_mean", "margin_se",
    "margin_p5", "margin_p25", "margin_p50", "margin_p75", "margin_p95",
    "p_negative", "p_negative_se", "p_distress", "p_distress_se",
    "p_exhausted", "p_exhausted_se", "revenue_mean", "costs_mean", "cut_mean",
    "cut_cum_mean", "cash_mean", "days_cash_mean",
]

STATE_RE = re.compile(r'id="state">([a-z]+)<')
PRE_RE = re.compile(r"<pre>(.*?)</pre>", re.S)
ERROR_RE = re.compile(r'<p class="error">(.*?)</p>', re.S)
JOB_PATH_RE = re.compile(r"^/j/(r[0-9a-f]{16})$")


class LoadError(Exception):
    """A check failed for one client."""


class Http:
    """Requests to the server, each on its own connection; every status and
    latency is recorded, and 5xx responses and connection errors are kept."""

    def __init__(self, url, timeout):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise SystemExit(f"serve_load: --url must be http://HOST:PORT/, not {url!r}")
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.lock = threading.Lock()
        self.latencies = []  # seconds, every request that got an answer
        self.statuses = {}  # status -> count
        self.server_errors = []  # "METHOD path -> status: body"
        self.connection_errors = []  # "METHOD path: error"

    def request(self, method, path, body=None):
        headers = {"Connection": "close"}
        if body is not None:
            body = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            message = f"{method} {path}: {type(error).__name__}: {error}"
            with self.lock:
                self.connection_errors.append(message)
            raise LoadError(message) from error
        finally:
            conn.close()
        elapsed = time.monotonic() - started
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            if response.status >= 500:
                snippet = data[:200].decode("utf-8", "replace")
                self.server_errors.append(f"{method} {path} -> {response.status}: {snippet}")
        return response.status, response.headers, data


class Memory(threading.Thread):
    """Samples VmRSS (and the thread count) of a process every `every` s."""

    def __init__(self, pid, every=0.1):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.stop = threading.Event()
        self.rss_max_kb = 0
        self.rss_first_kb = None
        self.rss_last_kb = None
        self.threads_max = 0
        self.samples = 0

    def status(self):
        fields = {}
        with open(f"/proc/{self.pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return fields

    def sample(self):
        try:
            fields = self.status()
        except OSError:
            return
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        if self.rss_first_kb is None:
            self.rss_first_kb = rss
        self.rss_max_kb = max(self.rss_max_kb, rss)
        self.rss_last_kb = rss
        self.threads_max = max(self.threads_max, int(fields.get("Threads", "0")))
        self.samples += 1

    def run(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.every)


def text(data):
    return data.decode("utf-8", "replace")


def check_summary(data, where, seed, paths):
    """summary.csv: the expected header, then at least one row as wide as it,
    every row of this client's run (its provenance columns name its seed and
    paths)."""
    body = text(data)
    if not body.strip():
        raise LoadError(f"{where}: summary.csv is empty")
    try:
        table = list(csv.reader(io.StringIO(body)))
    except csv.Error as error:
        raise LoadError(f"{where}: summary.csv is not CSV: {error}") from error
    header = table[0]
    if header[: len(SUMMARY_COLUMNS)] != SUMMARY_COLUMNS or "seed" not in header or "paths" not in header:
        raise LoadError(f"{where}: summary.csv's header is not the expected one: {','.join(header)[:200]!r}")
    rows = [r for r in table[1:] if r]
    if not rows:
        raise LoadError(f"{where}: summary.csv has a header and no rows")
    bad = [i + 2 for i, r in enumerate(rows) if len(r) != len(header)]
    if bad:
        raise LoadError(f"{where}: summary.csv lines {bad[:5]} do not have {len(header)} fields (truncated?)")
    at_seed, at_paths = header.index("seed"), header.index("paths")
    other = {(r[at_seed], r[at_paths]) for r in rows} - {(str(seed), str(paths))}
    if other:
        raise LoadError(f"{where}: summary.csv holds rows of another run (seed, paths): {sorted(other)[:3]}")
    return ",".join(header), len(rows)


def client(http, args, seed, barrier, deadline, expect_job=None):
    """One client: POST, follow the redirect, poll until done, check, download.
    Returns its record (a dict); raises LoadError, naming the seed, on any
    failed check."""
    barrier.wait()
    try:
        return one_client(http, args, seed, deadline, expect_job)
    except LoadError as error:
        if str(error).startswith("seed "):
            raise
        raise LoadError(f"seed {seed}: {error}") from error


def one_client(http, args, seed, deadline, expect_job):
    record = {"seed": seed, "polls": 0}
    started = time.monotonic()
    where = f"seed {seed}"
    status, headers, data = http.request("POST", f"/s/{args.scenario}/run",
                                         {"paths": args.paths, "seed": seed})
    record["submit"] = time.monotonic() - started
    if status != 303:
        raise LoadError(f"{where}: POST /s/{args.scenario}/run answered {status}, not 303: "
                        f"{' '.join(ERROR_RE.findall(text(data)))[:200] or text(data)[:200]}")
    location = headers.get("Location", "")
    match = JOB_PATH_RE.match(location)
    if not match:
        raise LoadError(f"{where}: the run's redirect goes to {location!r}, not /j/<run id>")
    job = match.group(1)
    record["job"] = job
    where = f"seed {seed} ({job})"
    if expect_job is not None and job != expect_job:
        raise LoadError(f"{where}: the repeated request got a new run, not the first wave's {expect_job}")
    while True:
        status, _, data = http.request("GET", location)
        record["polls"] += 1
        page = text(data)
        if status != 200:
            raise LoadError(f"{where}: GET {location} answered {status}")
        state = STATE_RE.search(page)
        if not state:
            raise LoadError(f"{where}: the run's page has no element with id=\"state\"")
        state = state.group(1)
        if state == "done":
            break
        if state in ("failed", "cancelled"):
            reason = " ".join(ERROR_RE.findall(page))
            raise LoadError(f"{where}: the run ended {state}" + (f": {reason}" if reason else ""))
        if state not in ("queued", "running"):
            raise LoadError(f"{where}: the run's state is {state!r}")
        if time.monotonic() > deadline:
            raise LoadError(f"{where}: still {state} at the deadline ({args.deadline:.0f} s)")
        time.sleep(args.poll)
    record["done"] = time.monotonic() - started
    if f"{args.paths} paths, seed {seed}" not in page:
        raise LoadError(f"{where}: the run's page does not say {args.paths} paths, seed {seed}")
    headline = PRE_RE.search(page)
    if not headline or not headline.group(1).strip():
        raise LoadError(f"{where}: the finished run's page has no headline <pre>")
    record["headline"] = headline.group(1).strip()
    for name in ("summary.csv", "evidence.xlsx"):
        link = f'href="/j/{job}/f/{name}"'
        if link not in page:
            raise LoadError(f"{where}: the finished run's page has no download link for {name}")
    status, _, data = http.request("GET", f"/j/{job}/f/summary.csv")
    if status != 200:
        raise LoadError(f"{where}: GET summary.csv answered {status}")
    record["header"], record["rows"] = check_summary(data, where, seed, args.paths)
    status, _, data = http.request("GET", f"/j/{job}/f/evidence.xlsx")
    if status != 200:
        raise LoadError(f"{where}: GET evidence.xlsx answered {status}")
    if not data.startswith(b"PK\x03\x04"):
        raise LoadError(f"{where}: evidence.xlsx is not a zip ({len(data)} bytes)")
    record["total"] = time.monotonic() - started
    return record


def wave(http, args, seeds, expect=None):
    """Every seed's client at once; returns (records by seed, errors, wall s)."""
    barrier = threading.Barrier(len(seeds))
    started = time.monotonic()
    deadline = started + args.deadline
    records, errors = {}, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(seeds)) as pool:
        futures = {
            pool.submit(client, http, args, seed, barrier, deadline,
                        None if expect is None else expect.get(seed)): seed
            for seed in seeds
        }
        for future in concurrent.futures.as_completed(futures):
            seed = futures[future]
            try:
                records[seed] = future.result()
            except LoadError as error:
                errors.append(str(error))
            except Exception as error:  # a bug here must fail the test too
                errors.append(f"seed {seed}: {type(error).__name__}: {error}")
    return records, errors, time.monotonic() - started


def grouped(failures):
    """The same problem of many clients on one line: "seeds 1, 2, 5: ...".
    Failures keep their first order."""
    seeds, order = {}, []
    for failure in failures:
        match = re.match(r"(cached wave: )?seed (\d+)(?: \(r[0-9a-f]+\))?: (.*)", failure, re.S)
        message = re.sub(r"/j/r[0-9a-f]{16}", "/j/<run>", match.group(3)) if match else failure
        key = (match.group(1) or "", message) if match else ("", failure)
        if key not in seeds:
            seeds[key] = []
            order.append(key)
        if match:
            seeds[key].append(int(match.group(2)))
    lines = []
    for prefix, message in order:
        found = sorted(seeds[(prefix, message)])
        if not found:
            lines.append(prefix + message)
        else:
            label = "seed" if len(found) == 1 else "seeds"
            lines.append(f"{prefix}{label} {', '.join(map(str, found))}: {message}")
    return lines


def spread(values):
    if not values:
        return "-"
    return f"{min(values):7.2f} {statistics.median(values):7.2f} {max(values):7.2f}"


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, http://HOST:PORT/")
    parser.add_argument("--pid", type=int, help="the server's process id (for its memory)")
    parser.add_argument("--scenario", default="national", help="scenario id (default national)")
    parser.add_argument("--clients", type=int, default=20, help="simultaneous clients (default 20)")
    parser.add_argument("--paths", type=int, default=10_000, help="paths per run (default 10000)")
    parser.add_argument("--seed0", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between polls (default 0.5)")
    parser.add_argument("--deadline", type=float, default=600, help="seconds a wave may take (default 600)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one request may take (default 60)")
    parser.add_argument("--no-cache-wave", action="store_true", help="skip the second (cached) wave")
    args = parser.parse_args()

    http = Http(args.url, args.timeout)
    memory = Memory(args.pid) if args.pid else None
    if memory:
        memory.sample()
        if memory.rss_first_kb is None:
            raise SystemExit(f"serve_load: no process {args.pid} (/proc/{args.pid}/status)")
        memory.start()

    failures = []
    seeds = list(range(args.seed0, args.seed0 + args.clients))
    print(f"serve_load: {args.clients} clients at once, {args.scenario} x {args.paths} paths, "
          f"seeds {seeds[0]}..{seeds[-1]}, against {args.url}", flush=True)
    first, errors, wall = wave(http, args, seeds)
    failures += errors
    jobs = [r["job"] for r in first.values()]
    if len(first) != len(seeds):
        failures.append(f"{len(seeds) - len(first)} of {len(seeds)} clients did not finish")
    if len(set(jobs)) != len(jobs):
        failures.append(f"distinct seeds shared runs: {len(set(jobs))} job ids for {len(jobs)} clients")
    headers = {r["header"] for r in first.values()}
    if len(headers) > 1:
        failures.append(f"summary.csv has {len(headers)} different headers across runs")
    print(f"serve_load: first wave: {len(first)}/{len(seeds)} done in {wall:.1f} s", flush=True)

    second, wall2 = {}, None
    if not args.no_cache_wave and failures:
        print("serve_load: cached wave: skipped (the first wave failed)", flush=True)
    elif not args.no_cache_wave:
        expect = {seed: r["job"] for seed, r in first.items()}
        second, errors, wall2 = wave(http, args, sorted(expect), expect)
        failures += [f"cached wave: {e}" for e in errors]
        if len(second) != len(expect):
            failures.append(f"cached wave: {len(expect) - len(second)} of {len(expect)} clients did not finish")
        print(f"serve_load: cached wave: {len(second)}/{len(expect)} done in {wall2:.1f} s", flush=True)

    # The server still answers its front page, which lists every run.
    index_s = None
    try:
        started = time.monotonic()
        status, _, data = http.request("GET", "/")
        index_s = time.monotonic() - started
        page = text(data)
        if status != 200:
            failures.append(f"GET / after the load answered {status}")
        else:
            missing = [job for job in jobs if f'href="/j/{job}"' not in page]
            if missing:
                failures.append(f"GET / after the load does not list {len(missing)} runs, e.g. {missing[0]}")
    except LoadError as error:
        failures.append(f"GET / after the load: {error}")

    hwm_kb = None
    if memory:
        memory.stop.set()
        memory.join()
        memory.sample()
        try:
            hwm_kb = int(memory.status()["VmHWM"].split()[0])
        except (OSError, KeyError, ValueError) as error:
            failures.append(f"cannot read the server's VmHWM (did it exit?): {error}")

    with http.lock:
        server_errors = list(http.server_errors)
        connection_errors = list(http.connection_errors)
        latencies = sorted(http.latencies)
        statuses = dict(http.statuses)
    if server_errors:
        failures.append(f"{len(server_errors)} responses were 5xx, e.g. {server_errors[0]}")
    if connection_errors:
        failures.append(f"{len(connection_errors)} requests got no answer, e.g. {connection_errors[0]}")

    # The table.
    def row(label, value):
        print(f"  {label:<38} {value}")

    print()
    print(f"seqsim serve load test: {args.clients} clients x {args.scenario} x {args.paths:,} paths")
    row("runs done (first wave)", f"{len(first)}/{len(seeds)}, {len(set(jobs))} distinct job ids")
    row("wall time (first wave)", f"{wall:.1f} s")
    if first:
        row("runs per second", f"{len(first) / wall:.3f}  ({wall / len(first):.2f} s per run)")
        row("per-client latency, s   (min median max)", "")
        row("  POST answered (303)", spread([r["submit"] for r in first.values()]))
        row("  run page says done", spread([r["done"] for r in first.values()]))
        row("  done + both downloads", spread([r["total"] for r in first.values()]))
        rows = sorted({r["rows"] for r in first.values()})
        row("summary.csv rows per run", " / ".join(map(str, rows)))
    if wall2 is not None:
        row("cached wave (same seeds again)", f"{len(second)}/{len(first)} same runs, wall {wall2:.2f} s")
        if second:
            row("  latency, s (min median max)", spread([r["total"] for r in second.values()]))
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        row("HTTP requests", f"{len(latencies)}, statuses "
            + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
        row("  one request, s (median p95 max)",
            f"{statistics.median(latencies):7.3f} {p95:7.3f} {latencies[-1]:7.3f}")
    row("5xx responses / lost connections", f"{len(server_errors)} / {len(connection_errors)}")
    row("GET / after the load", "-" if index_s is None else f"{index_s * 1000:.0f} ms")
    if memory:
        row("server VmRSS at start", mb(memory.rss_first_kb))
        row("server VmRSS, sampled max", f"{mb(memory.rss_max_kb)} ({memory.samples} samples)")
        row("server VmRSS at the end", mb(memory.rss_last_kb))
        row("server VmHWM (peak RSS)", "-" if hwm_kb is None else mb(hwm_kb))
        row("server threads, sampled max", f"{memory.threads_max}")
    print()
    if failures:
        sys.stdout.flush()
        print(f"FAIL: {len(failures)} problems", file=sys.stderr)
        for failure in grouped(failures)[:40]:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    print("PASS: every client got its own finished run, no 5xx, the server still answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
