#!/usr/bin/env python3
"""The workbench (`seqsim serve`) used as a person uses it, in headless
Chromium driven through the DevTools protocol over a pipe (standard library
only, plus openpyxl to open the workbook):

1. open /s/national, type 0.01 into repeal_2027's 2027 sequestration value,
   click Save and see the edit listed;
2. run it with 2000 paths and seed 7 and wait for the run to finish
   (screenshots: the edited scenario page, as docs/workbench.png shows
   it, and the whole run page);
3. read the headline the run page shows;
4. build the same edited scenario without the server (a copy of the
   scenario and its policy files, one value changed by hand), run it with
   the CLI and compare the headlines line by line; the unedited scenario's
   headline must differ (else the comparison proves nothing);
5. download evidence.xlsx, summary.csv and scenario.yaml through the page:
   the workbook's numbers are numbers equal to summary.csv's, and the
   downloaded scenario, run with the CLI beside the unedited policy files,
   gives the page's headline again;
6. the permalink leads to the same run.

Usage: check_workbench.py --url http://127.0.0.1:PORT/ --seqsim BINARY
       [--chromium PATH] [--screenshot OUT.png] [--run-screenshot OUT.png] [--work DIR]
Run it through tests/browser/check_workbench.sh, which starts the server.
"""

import argparse
import base64
import csv
import io
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCENARIO = "national"
POLICY = "repeal_2027"
LEVER = "sequestration"
DATE = "2027"
OLD_VALUE = "0.0"
NEW_VALUE = "0.01"
PATHS = 2000
SEED = 7
RUN_TIMEOUT = 300.0
WIDTH = 1280
HEIGHT = 1000

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
    f"--window-size={WIDTH},{HEIGHT}",
]

# Chromium reads DevTools commands from fd 3 and writes on fd 4. This runs in
# the child between fork and Chromium: it moves the two pipe ends it inherited
# (wherever they are) to 3 and 4, then becomes Chromium.
TRAMPOLINE = """
import fcntl, os, sys
ends = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]
for fd in sys.argv[1:3]:
    os.close(int(fd))
os.dup2(ends[0], 3)
os.dup2(ends[1], 4)
for fd in ends:
    os.close(fd)
os.execv(sys.argv[3], sys.argv[3:])
"""


class Failure(Exception):
    """A step did not go as a person would expect."""


class BrowserFailure(Failure):
    """The browser itself went wrong (exited, crashed, hung, refused a command)."""


def fail(step, expected, seen):
    raise Failure(f"step {step}: expected {expected}; saw {seen}")


def say(message):
    print(f"check_workbench: {message}", flush=True)


class DevToolsError(Exception):
    """An error answer to a DevTools command."""


class Browser:
    """Headless Chromium and one page of it, over --remote-debugging-pipe."""

    def __init__(self, chromium, profile, log_path):
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", TRAMPOLINE, str(to_browser_r), str(from_browser_w), chromium, *CHROMIUM_FLAGS,
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            # Its own process group, so the renderers and helpers go with it.
            start_new_session=True,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.write_fd = to_browser_w
        self.read_fd = from_browser_r
        self.messages = queue.Queue()
        self.answers = {}
        self.next_id = 0
        self.session = None
        self.problems = []  # console errors, uncaught exceptions, failed loads
        self.crashed = False
        self.step = 0  # the step of the check under way, for messages
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self.read_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self.messages.put(None)
                return
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                self.messages.put(json.loads(message))

    def _pump(self, timeout):
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            return
        if message is None:
            raise BrowserFailure("the browser closed its DevTools pipe (it exited or crashed)")
        if "id" in message:
            self.answers[message["id"]] = message
            return
        self._event(message.get("method"), message.get("params", {}))

    def _event(self, method, params):
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.problems.append(f"uncaught exception: {text} ({details.get('url', '')})")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.problems.append(f"console.{params['type']}: {text}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            # The browser's own request for /favicon.ico is not the page's.
            if entry.get("level") == "error" and not entry.get("url", "").endswith("/favicon.ico"):
                self.problems.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method in ("Inspector.targetCrashed", "Target.targetCrashed"):
            self.crashed = True

    def send(self, method, params=None, timeout=60.0, session=True):
        self.next_id += 1
        ident = self.next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.write_fd, data):]
        deadline = time.monotonic() + timeout
        while ident not in self.answers:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserFailure(f"the browser did not answer {method} within {timeout:.0f} s")
            if self.crashed:
                raise BrowserFailure("the page crashed")
            self._pump(min(left, 0.5))
        answer = self.answers.pop(ident)
        if "error" in answer:
            raise DevToolsError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def open_page(self):
        """Attaches to a fresh page with the domains the checks listen to."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        # The error detector must see a console error, else it proves nothing.
        self.evaluate("console.error('check_workbench probe')")
        deadline = time.monotonic() + 10
        while not any("check_workbench probe" in p for p in self.problems):
            if time.monotonic() > deadline:
                raise BrowserFailure("the page's console errors do not reach the check (the probe was not seen)")
            self._pump(0.2)
        self.problems.clear()

    def evaluate(self, expression, timeout=60.0):
        """The value of a JavaScript expression (promises are awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True, "timeout": int(timeout * 1000)},
                           timeout=timeout + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise DevToolsError(f"JavaScript error: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout, step, what):
        """Waits until `expression` is truthy (a page may be loading meanwhile)."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression, timeout=10)
                if value:
                    return value
                seen = value
            except DevToolsError as e:  # the page is between documents
                seen = str(e)
            if self.crashed:
                raise BrowserFailure(f"step {step}: the page crashed while waiting for {what}")
            self._pump(0.2)
        fail(step, f"{what} within {timeout:.0f} s", f"not yet (last: {seen!r}; page {self.location()})")

    def location(self):
        try:
            return self.evaluate("location.href", timeout=5)
        except (DevToolsError, Failure) as e:
            return f"unknown ({e})"

    def mark_document(self):
        """Marks the current document, so that a new one can be told from it."""
        self.evaluate("window.__checkWorkbenchOld = true")

    NEW_DOCUMENT = "!window.__checkWorkbenchOld && document.readyState === 'complete'"

    def navigate(self, url, step):
        self.mark_document()
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            fail(step, f"{url} to open", result["errorText"])
        self.wait_for(self.NEW_DOCUMENT, 30, step, f"{url} to load")

    def click(self, selector, step):
        """Scrolls the element into view and clicks its middle with the mouse."""
        box = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            el.scrollIntoView({{block: 'center'}});
            const r = el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            return {{x, y, hit: el.contains(document.elementFromPoint(x, y))}};
        }})()""")
        if not box:
            fail(step, f"an element {selector} to click", "none on the page")
        if not box["hit"]:
            fail(step, f"{selector} to be visible and on top where it is clicked", "something else there")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1})

    def type_into(self, selector, text, step):
        """Focuses a field, clears it and types `text` as one insertion."""
        found = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return false;
            el.scrollIntoView({{block: 'center'}});
            el.focus();
            el.select();
            return document.activeElement === el;
        }})()""")
        if not found:
            fail(step, f"a field {selector} to type into", "none, or it cannot take the focus")
        # Selected text is replaced by the insertion (a number field cannot be
        # selected, so it is emptied first, as a person would with backspace).
        self.evaluate(f"""(() => {{ const el = document.querySelector({json.dumps(selector)});
            if (el.type === 'number') el.value = ''; }})()""")
        self.send("Input.insertText", {"text": text})
        value = self.evaluate(f"document.querySelector({json.dumps(selector)}).value")
        if value != text:
            fail(step, f"{selector} to read {text!r} after typing", repr(value))

    def screenshot(self, path, top=0, max_height=None):
        """The page from `top` down, WIDTH wide, to its end or max_height tall."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = int(size["height"]) - top
        if max_height is not None:
            height = min(height, max_height)
        self.evaluate("window.scrollTo(0, 0)")
        shot = self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": top, "width": WIDTH, "height": height, "scale": 1}})
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        return height

    def fetch(self, url, step):
        """Downloads `url` from within the page (its cookies and origin)."""
        got = self.evaluate(f"""(async () => {{
            const r = await fetch({json.dumps(url)});
            const bytes = new Uint8Array(await r.arrayBuffer());
            let s = '';
            for (let i = 0; i < bytes.length; i += 0x8000)
                s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
            return {{status: r.status, type: r.headers.get('content-type'), data: btoa(s)}};
        }})()""", timeout=60)
        if got["status"] != 200:
            fail(step, f"{url} to download (HTTP 200)", f"HTTP {got['status']}")
        return base64.b64decode(got["data"]), got["type"]

    def close(self):
        """Closes the browser; kills its process group when it does not go."""
        if self.proc.poll() is None:
            try:
                self.session = None
                self.send("Browser.close", timeout=5, session=False)
            except Exception:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Its helpers (renderer, GPU, zygote) share its process group.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            time.sleep(0.5)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for fd in (self.write_fd, self.read_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()


def headline_lines(text):
    """A headline's lines without trailing whitespace or trailing blank lines."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def compare_headlines(step, page, cli, what):
    page_lines, cli_lines = headline_lines(page), headline_lines(cli)
    if page_lines == cli_lines:
        return
    for n, (a, b) in enumerate(zip(page_lines, cli_lines), start=1):
        if a != b:
            fail(step, f"the page's headline to equal {what}, line by line",
                 f"line {n} differs:\n  page: {a}\n  CLI:  {b}")
    fail(step, f"the page's headline to equal {what}, line by line",
         f"{len(page_lines)} lines on the page, {len(cli_lines)} from the CLI")


def run_cli(step, seqsim, scenario, out, seed=SEED):
    """`seqsim run SCENARIO --paths PATHS --seed SEED`: its printed headline."""
    done = subprocess.run([seqsim, "run", str(scenario), "--paths", str(PATHS), "--seed", str(seed),
                           "--out", str(out)], capture_output=True, text=True, timeout=RUN_TIMEOUT)
    if done.returncode != 0:
        fail(step, f"seqsim run {scenario.name} to succeed", f"exit {done.returncode}:\n{done.stderr}")
    lines = done.stdout.splitlines()
    ends = [n for n, line in enumerate(lines) if line.startswith("Results written to")]
    if not ends:
        fail(step, "seqsim run to print 'Results written to'", done.stdout[-500:])
    return "\n".join(lines[:ends[0]])


def copy_tree(root):
    """scenarios/national.yaml and policies/us/*.yaml under `root`, laid out as in the repo."""
    (root / "scenarios").mkdir(parents=True)
    (root / "policies" / "us").mkdir(parents=True)
    shutil.copy(REPO / "scenarios" / f"{SCENARIO}.yaml", root / "scenarios")
    for policy in sorted((REPO / "policies" / "us").glob("*.yaml")):
        shutil.copy(policy, root / "policies" / "us")


def edit_by_hand(path):
    """repeal_2027's `2027: value: 0.0` sequestration entry set to 0.01, by a textual edit."""
    text = path.read_text()
    start = text.find(f"\n  {POLICY}:\n")
    if start < 0 or text.find(f"\n  {POLICY}:\n", start + 1) >= 0:
        fail(4, f"one `{POLICY}:` policy in {path.name}", "none or several")
    # The policy's block ends at the next line indented as little as its name.
    following = re.search(r"\n {0,2}\S", text[start + 1:])
    end = start + 1 + following.start() if following else len(text)
    block = text[start:end]
    pattern = rf"(\n    {LEVER}:\n      {DATE}:\n        value: ){re.escape(OLD_VALUE)}\n"
    edited, count = re.subn(pattern, rf"\g<1>{NEW_VALUE}\n", block)
    if count != 1:
        fail(4, f"exactly one `{LEVER}: {DATE}: value: {OLD_VALUE}` entry in {POLICY}'s block of {path.name}",
             f"{count}:\n{block}")
    changed = text[:start] + edited + text[end:]
    differ = [(a, b) for a, b in zip(text.splitlines(), changed.splitlines()) if a != b]
    if len(differ) != 1 or len(text.splitlines()) != len(changed.splitlines()):
        fail(4, f"the hand edit of {path.name} to change one line", differ)
    path.write_text(changed)


def check_workbook(step, book_bytes, summary_bytes, page_headline):
    try:
        import openpyxl
    except ImportError:
        fail(step, "openpyxl to read evidence.xlsx", "no openpyxl (pip install openpyxl==3.1.5)")
    book = openpyxl.load_workbook(io.BytesIO(book_bytes))
    for sheet in ("Headline", "Summary"):
        if sheet not in book.sheetnames:
            fail(step, f"a {sheet} sheet in evidence.xlsx", book.sheetnames)
    rows = list(csv.DictReader(io.StringIO(summary_bytes.decode("utf-8"))))
    if not rows:
        fail(step, "rows in summary.csv", "none")
    for name, wanted in (("seed", str(SEED)), ("paths", str(PATHS))):
        seen = {row[name] for row in rows}
        if seen != {wanted}:
            fail(step, f"summary.csv's {name} column to be {wanted} (the run form's)", sorted(seen))
    final = max(int(row["year"]) for row in rows)
    csv_at = {(row["practice"], row["policy"]): row for row in rows if int(row["year"]) == final}

    def number(cell, what):
        if cell.data_type != "n" or isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
            fail(step, f"{what} to be stored as a number", f"{cell.value!r} (type {cell.data_type})")
        return cell.value

    # Headline: the final year's median margin and shares, for the edited policy.
    sheet = book["Headline"]
    header = [c.value for c in sheet[1]]
    columns = {f"median margin {final}": "margin_p50", f"P(margin < 0) {final}": "p_negative",
               f"P(cash exhausted) {final}": "p_exhausted"}
    for column in columns:
        if column not in header:
            fail(step, f"a column {column!r} in the Headline sheet", header)
    page_rows = {tuple(line.split()[:2]): line for line in page_headline.splitlines() if len(line.split()) > 2}
    checked = 0
    for cells in sheet.iter_rows(min_row=2):
        practice, policy = cells[header.index("practice")].value, cells[header.index("policy")].value
        if policy != POLICY:
            continue
        expected = csv_at.get((practice, policy))
        if expected is None:
            fail(step, f"summary.csv to have {practice} {policy} in {final}", "no such row")
        shown = []
        for column, field in columns.items():
            what = f"Headline!{column} for {practice} {policy}"
            value = number(cells[header.index(column)], what)
            if value != float(expected[field]):
                fail(step, f"{what} to equal summary.csv's {field} {expected[field]}", value)
            shown.append(f"{value * 100:.2f}%")
            checked += 1
        # The same numbers as the page's headline prints them.
        line = page_rows.get((practice, policy), "")
        for text in shown:
            if text not in line:
                fail(step, f"the page's headline row for {practice} {policy} to show {text} (from the workbook)",
                     repr(line))
    if checked == 0:
        fail(step, f"rows for {POLICY} in the Headline sheet", "none")
    # Summary: every number of the edited policy's final year.
    sheet = book["Summary"]
    header = [c.value for c in sheet[1]]
    for cells in sheet.iter_rows(min_row=2):
        values = dict(zip(header, cells))
        if values["policy"].value != POLICY or values["year"].value != final:
            continue
        expected = csv_at[(values["practice"].value, POLICY)]
        for name, cell in values.items():
            if name in ("practice", "kind", "policy") or expected.get(name, "") == "":
                continue
            what = f"Summary!{name} for {values['practice'].value} {POLICY} {final}"
            if number(cell, what) != float(expected[name]):
                fail(step, f"{what} to equal summary.csv's {expected[name]}", cell.value)
            checked += 1
    return checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the workbench, http://127.0.0.1:PORT/")
    parser.add_argument("--seqsim", required=True, help="the seqsim binary the server runs")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    parser.add_argument("--screenshot", help="where to save the edited scenario page's screenshot (PNG, "
                        "the view of docs/workbench.png)")
    parser.add_argument("--run-screenshot", help="where to save the whole finished run page's screenshot (PNG)")
    parser.add_argument("--work", help="a directory for temporary files (default: a new one, removed)")
    args = parser.parse_args()
    if not args.chromium:
        raise Failure("no chromium to drive (give --chromium)")
    base = args.url.rstrip("/")
    seqsim = str(Path(args.seqsim).resolve())
    started = time.monotonic()

    own_work = args.work is None
    work = Path(tempfile.mkdtemp(prefix="check-workbench-") if own_work else args.work)
    drive(args.chromium, work, lambda browser: check(browser, base, seqsim, work, args), remove_work=own_work)
    say(f"passed in {time.monotonic() - started:.1f} s")


def drive(chromium, work, walk, remove_work):
    """Runs `walk(browser)` in a fresh headless Chromium whose profile and
    log live in `work`: a refused DevTools command, a page's logged error or
    a crash is a failure naming the step, with the end of Chromium's log.
    The browser is always closed (SIGTERM, the wrapper's trap, ends the walk
    through the finally), and `work` removed when `remove_work`."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    browser = Browser(chromium, work / "profile", work / "chromium.log")
    try:
        browser.open_page()
        try:
            walk(browser)
        except DevToolsError as e:
            raise BrowserFailure(f"the browser refused a command: {e} (page {browser.location()})") from e
        if browser.problems:
            raise Failure("the pages logged errors:\n  " + "\n  ".join(browser.problems))
    except BrowserFailure as failure:
        # Which step, and Chromium's own words (without its complaints about
        # the absent D-Bus, which are always there).
        message = failure.args[0]
        if not message.startswith("step "):
            message = f"step {browser.step}: {message}"
        log = work / "chromium.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        lines = [line for line in lines if "dbus" not in line.lower()][-15:]
        if lines:
            message += "\nchromium's log ends:\n  " + "\n  ".join(lines)
        failure.args = (message,)
        raise
    finally:
        browser.close()
        if remove_work:
            shutil.rmtree(work, ignore_errors=True)


def check(browser, base, seqsim, work, args):
    # 1. Edit a value of the policy repeal_2027 and save.
    browser.step = 1
    browser.navigate(f"{base}/s/{SCENARIO}", 1)
    value_input = browser.evaluate(f"""(() => {{
        const section = document.querySelector('section.policy[data-policy="{POLICY}"]');
        if (!section) return {{error: 'no section for {POLICY}'}};
        const table = section.querySelector('table.schedule[data-lever="{LEVER}"][data-kind=""]');
        if (!table) return {{error: 'no {LEVER} table in {POLICY}'}};
        const rows = [...table.querySelectorAll('tbody tr')].filter(tr =>
            tr.querySelector('input[name*=".date."]').value === '{DATE}');
        if (rows.length !== 1) return {{error: rows.length + ' rows dated {DATE}'}};
        const value = rows[0].querySelector('input[name*=".value."]');
        return {{name: value.name, value: value.value}};
    }})()""")
    if "error" in value_input:
        fail(1, f"{POLICY}'s {LEVER} table with one row dated {DATE} on /s/{SCENARIO}", value_input["error"])
    if value_input["value"] != OLD_VALUE:
        fail(1, f"{POLICY}'s {DATE} {LEVER} value to read {OLD_VALUE}", repr(value_input["value"]))
    field = f'section.policy[data-policy="{POLICY}"] input[name="{value_input["name"]}"]'
    browser.type_into(field, NEW_VALUE, 1)
    browser.mark_document()
    browser.click(f'section.policy[data-policy="{POLICY}"] button.save', 1)
    browser.wait_for(browser.NEW_DOCUMENT, 30, 1, "the page after Save")
    page = browser.evaluate("""({path: location.pathname, search: location.search,
        edits: [...document.querySelectorAll('#edits li')].map(li => li.textContent),
        errors: [...document.querySelectorAll('.error')].map(e => e.textContent),
        yaml: document.querySelector('a#download-yaml') && document.querySelector('a#download-yaml').href})""")
    if page["path"] != f"/s/{SCENARIO}" or "e=" not in page["search"]:
        fail(1, f"Save to lead back to /s/{SCENARIO}?e=EDITS", f"{page['path']}{page['search']} {page['errors']}")
    wanted = f"{POLICY}: {LEVER} = {DATE}: {NEW_VALUE}"
    if page["edits"] != [wanted]:
        fail(1, f"#edits to list exactly {wanted!r}", page["edits"])
    shown = browser.evaluate(f"document.querySelector({json.dumps(field)}).value")
    if shown != NEW_VALUE:
        fail(1, f"the saved table to show {NEW_VALUE}", repr(shown))
    scenario_yaml_link = page["yaml"]
    say(f"1 ok: Save listed the edit ({wanted})")

    # 2. Run it: 2000 paths, seed 7.
    browser.step = 2
    browser.type_into('form#run input[name="paths"]', str(PATHS), 2)
    browser.type_into('form#run input[name="seed"]', str(SEED), 2)
    if args.screenshot:
        # The workbench at a glance: the scenario with the edit listed, the run
        # form filled in, the policies, and the baseline's first lever table.
        browser.evaluate("document.activeElement.blur()")
        bottom = browser.evaluate("Math.ceil(document.querySelector('section.policy table.schedule')"
                                  ".getBoundingClientRect().bottom + scrollY) + 16")
        height = browser.screenshot(args.screenshot, max_height=bottom)
        say(f"   scenario page screenshot: {args.screenshot} ({WIDTH}x{height})")
    browser.mark_document()
    run_started = time.monotonic()
    browser.click('form#run button[type="submit"]', 2)
    browser.wait_for(browser.NEW_DOCUMENT + " && location.pathname.startsWith('/j/')", 30, 2, "the run's page")
    job = browser.evaluate("location.pathname").split("/")[2]
    state = browser.wait_for("""(() => { const s = document.getElementById('state');
        const t = s && document.readyState === 'complete' ? s.textContent.trim() : '';
        return ['done', 'failed', 'cancelled'].includes(t) ? t : ''; })()""",
                             RUN_TIMEOUT, 2, "#state to say done")
    if state != "done":
        message = browser.evaluate("[...document.querySelectorAll('.error')].map(e => e.textContent).join(' ')")
        fail(2, "#state to say done", f"{state}: {message}")
    # The report page in the frame has loaded (its charts are in the screenshot).
    browser.wait_for("""(() => { const f = document.querySelector('iframe');
        return f && f.contentDocument && f.contentDocument.readyState === 'complete'
            && f.contentDocument.body && f.contentDocument.body.children.length > 0; })()""",
                     30, 2, "the report page in the run page's frame")
    facts = browser.evaluate("document.querySelector('h1 + p').textContent")
    if f"{PATHS} paths, seed {SEED}, edited" not in facts:
        fail(2, f"the run page to say '{PATHS} paths, seed {SEED}, edited'", repr(facts))
    if args.run_screenshot:
        height = browser.screenshot(args.run_screenshot)
        say(f"   run page screenshot: {args.run_screenshot} ({WIDTH}x{height})")
    say(f"2 ok: run {job} done in {time.monotonic() - run_started:.1f} s")

    # 3. The headline the page shows.
    browser.step = 3
    headline = browser.evaluate("(document.querySelector('pre') || {}).textContent || ''")
    if POLICY not in headline or f"{PATHS} paths" not in headline:
        fail(3, f"the first <pre> to be the run's headline (naming {POLICY} and {PATHS} paths)", repr(headline[:300]))
    say(f"3 ok: the headline has {len(headline_lines(headline))} lines")

    # 4. The same edit by hand, run with the CLI.
    browser.step = 4
    edited = work / "edited"
    copy_tree(edited)
    edit_by_hand(edited / "policies" / "us" / "alternatives.yaml")
    cli = run_cli(4, seqsim, edited / "scenarios" / f"{SCENARIO}.yaml", work / "out-edited")
    compare_headlines(4, headline, cli, "seqsim run's on the scenario edited by hand")
    # The control: the unedited scenario's headline is another (so the
    # comparison above would have seen an edit that did not reach the run).
    pristine = work / "pristine"
    copy_tree(pristine)
    unedited = run_cli(4, seqsim, pristine / "scenarios" / f"{SCENARIO}.yaml", work / "out-unedited")
    if headline_lines(unedited) == headline_lines(headline):
        fail(4, f"the unedited scenario's headline to differ from the page's (the edit changes {POLICY})",
             "the same headline: the comparison cannot tell whether the edit reached the run")
    say("4 ok: the headline equals seqsim run's on the scenario edited by hand (and not the unedited one's)")

    # 5. Downloads: the workbook, summary.csv, the scenario.
    browser.step = 5
    links = browser.evaluate("Object.fromEntries([...document.querySelectorAll('a[href*=\"/f/\"]')]"
                             ".map(a => [a.textContent, a.href]))")
    for name in ("evidence.xlsx", "summary.csv", "scenario.yaml"):
        if name not in links or not links[name].endswith(f"/j/{job}/f/{name}"):
            fail(5, f"a download link to /j/{job}/f/{name}", sorted(links))
    book, kind = browser.fetch(links["evidence.xlsx"], 5)
    if not book.startswith(b"PK") or "spreadsheetml" not in (kind or ""):
        fail(5, "evidence.xlsx to be a workbook", f"{len(book)} bytes of {kind}")
    summary, _ = browser.fetch(links["summary.csv"], 5)
    numbers = check_workbook(5, book, summary, headline)
    scenario_text, _ = browser.fetch(links["scenario.yaml"], 5)
    if f"# - {wanted}".encode() not in scenario_text:
        fail(5, f"the run's scenario.yaml to say it was edited ('# - {wanted}')", scenario_text[:400])
    page_yaml, _ = browser.fetch(scenario_yaml_link, 5)
    if page_yaml != scenario_text:
        fail(5, "the scenario page's YAML download to equal the run's scenario.yaml", "they differ")
    # Beside the unedited policy files: the edit must travel in the file itself.
    downloaded = pristine / "scenarios" / "from_workbench.yaml"
    downloaded.write_bytes(scenario_text)
    again = run_cli(5, seqsim, downloaded, work / "out-downloaded")
    compare_headlines(5, headline, again, "seqsim run's on the downloaded scenario.yaml")
    say(f"5 ok: evidence.xlsx has {numbers} numbers equal to summary.csv's; "
        "the downloaded scenario.yaml gives the same headline")

    # 6. The permalink leads to the same run.
    browser.step = 6
    permalink = browser.evaluate("document.querySelector('a#permalink') && document.querySelector('a#permalink').href")
    if not permalink:
        fail(6, "an a#permalink on the run page", "none")
    browser.navigate(permalink, 6)
    landed = browser.evaluate("location.pathname")
    if landed != f"/j/{job}":
        fail(6, f"the permalink {permalink} to lead to /j/{job}", landed)
    state = browser.evaluate("(document.getElementById('state') || {}).textContent")
    if state != "done":
        fail(6, "the permalink's run to be done already (the same run)", repr(state))
    say(f"6 ok: the permalink leads to /j/{job}")


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"check_workbench: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
