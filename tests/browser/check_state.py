#!/usr/bin/env python3
"""A state association's analyst in the workbench (`seqsim serve`), in
headless Chromium over the DevTools pipe (the Browser of check_workbench.py),
starting from the front page:

1. picks Kansas in "Pick your state" and runs the US hospital cohort
   (PATHS paths, the scenario's seed);
2. waits for the run and follows the link to Kansas's page;
3. reads the state table and the facilities' differences for the year the
   page opens on (one in which the policies differ: some change is not
   zero), then picks another year and sees that year's tables instead;
4. prints the state page to PDF: one or two pages, listing the riskiest
   facilities;
5. downloads the state's workbook through the page's link;
6. runs the same scenario with the CLI (`seqsim run --by state`, same paths
   and seed) and checks the page's and the workbook's numbers against its
   groups.csv and facilities.csv: the state's expected facilities in the
   red, in distress and with cash exhausted under each policy and their
   changes against current law, and every Kansas facility's margin and
   chances under each policy in the year shown.

Usage: check_state.py --url http://127.0.0.1:PORT/ --seqsim BINARY [--chromium PATH]
       [--work DIR] [--screenshot STATE.png] [--pdf HANDOUT.pdf] [--front-screenshot FRONT.png]
Run it through tests/browser/check_workbench.sh, which starts the server.
"""

import argparse
import base64
import csv
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_workbench import REPO, Failure, drive, fail  # noqa: E402

SCENARIO = "us_hospitals"
STATE = "KS"
STATE_NAME = "Kansas"
PATHS = 400
RUN_TIMEOUT = 600.0


def say(message):
    print(f"check_state: {message}", flush=True)


def number(text, step, what):
    """A number as the page writes it: `69.5`, `-2.5 ± 0.3`, `+5.1`, `12.34%`, `+0.96 pp ± 0.01`
    (the Monte Carlo error after ± is left aside)."""
    cleaned = text.split("±")[0].strip().replace(",", "").removesuffix("pp").removesuffix("%").strip()
    try:
        return float(cleaned)
    except ValueError:
        fail(step, f"{what} to be a number", repr(text))


def run_cli(seqsim, out):
    subprocess.run([seqsim, "run", str(REPO / "scenarios" / f"{SCENARIO}.yaml"), "--paths", str(PATHS),
                    "--by", "state", "--out", str(out)], check=True, stdout=subprocess.DEVNULL)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def page_tables(browser, year):
    """The state lines and the facilities of `year` as the page shows them."""
    return browser.evaluate(f"""(() => {{
        const section = document.querySelector('section.year[data-year="{year}"]');
        if (!section) return null;
        const cells = tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim());
        return {{
            visible: !section.hidden && section.offsetParent !== null,
            lines: [...section.querySelectorAll('table.state-lines tbody tr')].map(tr => ({{policy: tr.dataset.policy, cells: cells(tr)}})),
            facilities: [...section.querySelectorAll('table.state-facilities tbody tr')].map(tr => ({{practice: tr.dataset.practice, cells: cells(tr)}})),
        }};
    }})()""")


def check(browser, base, seqsim, work, args):
    # 1. The front page: pick Kansas, run.
    browser.step = 1
    browser.navigate(f"{base}/", 1)
    if args.front_screenshot:
        browser.screenshot(args.front_screenshot, max_height=1100)
    offered = browser.evaluate("""(() => {
        const select = document.querySelector('#pick-state-us_hospitals select[name="st"]');
        return select ? [...select.options].map(o => [o.value, o.textContent]) : null;
    })()""")
    if not offered:
        fail(1, f"a 'Pick your state' form for {SCENARIO} on the front page", "none")
    if [STATE, STATE_NAME] not in offered:
        fail(1, f"{STATE_NAME} among the states offered", offered[:5])
    form = f"#pick-state-{SCENARIO}"
    browser.evaluate(f"document.querySelector('{form} select[name=\"st\"]').value = '{STATE}'")
    browser.type_into(f"{form} input[name=paths]", str(PATHS), 1)
    browser.mark_document()
    browser.click(f"{form} button[type=submit]", 1)
    browser.wait_for(browser.NEW_DOCUMENT, 30, 1, "the run page to open")
    say(f"picked {STATE_NAME}; the run page is {browser.location()}")

    # 2. The run finishes; its page leads to Kansas.
    browser.step = 2
    browser.wait_for("document.querySelector('#focus-state') !== null", RUN_TIMEOUT, 2,
                     "the finished run's link to the state page")
    browser.mark_document()
    browser.click("#focus-state", 2)
    browser.wait_for(browser.NEW_DOCUMENT, 60, 2, "the state page to open")
    title = browser.evaluate("document.querySelector('h1').textContent")
    if not title.startswith(f"{STATE_NAME}:"):
        fail(2, f"the state page's title to start with {STATE_NAME}:", repr(title))

    # 3. The year the page opens on, its tables, then another year.
    browser.step = 3
    years = browser.evaluate("[...document.querySelectorAll('#year option')].map(o => +o.value)")
    shown = browser.evaluate("+document.getElementById('year').value")
    if not years or shown not in years:
        fail(3, "a year picker with the shown year among its years", f"{years} / {shown}")
    tables = page_tables(browser, shown)
    if not tables or not tables["visible"]:
        fail(3, f"the tables of {shown} on screen", tables)
    changes = [number(line["cells"][2], 3, "a change in the red") for line in tables["lines"] if line["cells"][2]]
    if not changes or all(abs(c) < 0.05 for c in changes):
        fail(3, f"a year in which the policies differ (some change in the red) by default; {shown} shows", changes)
    if not tables["facilities"]:
        fail(3, f"{STATE_NAME}'s facilities in {shown}", "none")
    other = next(y for y in reversed(years) if y != shown)
    browser.evaluate(f"""(() => {{ const s = document.getElementById('year'); s.value = '{other}';
        s.dispatchEvent(new Event('change')); }})()""")
    after = page_tables(browser, other)
    if not after or not after["visible"] or page_tables(browser, shown)["visible"]:
        fail(3, f"picking {other} to show {other}'s tables instead of {shown}'s", after and after["visible"])
    browser.evaluate(f"""(() => {{ const s = document.getElementById('year'); s.value = '{shown}';
        s.dispatchEvent(new Event('change')); }})()""")
    say(f"{STATE_NAME} in {shown}: {len(tables['facilities'])} facilities; changes in the red {changes}")
    if args.screenshot:
        browser.screenshot(args.screenshot, max_height=2200)

    # 4. The handout: print to PDF.
    browser.step = 4
    pdf = browser.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, timeout=120)
    pdf_bytes = base64.b64decode(pdf["data"])
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf_bytes))
    if not 1 <= pages <= 2:
        fail(4, "the printed state page to be a one- or two-page handout", f"{pages} pages")
    if args.pdf:
        Path(args.pdf).write_bytes(pdf_bytes)
    say(f"the handout prints on {pages} page(s)")

    # 5. The state workbook through the page's link.
    browser.step = 5
    href = browser.evaluate("document.getElementById('state-workbook').getAttribute('href')")
    book_bytes, kind = browser.fetch(href, 5)
    if "spreadsheetml" not in (kind or ""):
        fail(5, "the workbook's content type to be an Excel workbook", kind)
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(book_bytes), read_only=True)
    for sheet in ("State", "Facilities", "Sources", "Manifest"):
        if sheet not in book.sheetnames:
            fail(5, f"a sheet {sheet} in the state workbook", book.sheetnames)
    rows = list(book["State"].iter_rows(values_only=True))
    header, state_rows = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    frows = list(book["Facilities"].iter_rows(values_only=True))
    fcol = {name: i for i, name in enumerate(frows[0])}

    # 6. The CLI on the same scenario, paths and seed.
    browser.step = 6
    cli = work / "cli"
    run_cli(seqsim, cli)
    groups = [r for r in read_csv(cli / "groups.csv") if r["state"] == STATE]
    facilities = [r for r in read_csv(cli / "facilities.csv") if r["state"] == STATE]
    policies = sorted({r["policy"] for r in groups}, key=[r["policy"] for r in groups].index)
    # The baseline is the line without a change.
    baselines = [line["policy"] for line in tables["lines"] if not line["cells"][2]]
    if len(baselines) != 1:
        fail(6, "one baseline line (without a change) in the state table", baselines)
    baseline = baselines[0]
    group = {(r["policy"], int(r["year"])): r for r in groups}
    labels = {}
    for line in tables["lines"]:
        policy = line["policy"]
        cli_row = group.get((policy, shown))
        if cli_row is None:
            fail(6, f"the CLI's groups.csv to have {STATE} under {policy} in {shown}", "no row")
        labels[policy] = line["cells"][0]
        for cell, column in ((1, "n_negative"), (3, "n_distress"), (5, "n_exhausted")):
            page_value = number(line["cells"][cell], 6, column)
            shown_se = line["cells"][cell].split("±")
            if len(shown_se) != 2 or abs(float(shown_se[1]) - float(cli_row[f"{column}_se"])) > 0.051:
                fail(6, f"the page's {column} under {policy} in {shown} to carry the CLI's ± "
                     f"{float(cli_row[column + '_se']):.2f}", line["cells"][cell])
            if policy != baseline:
                change_se = line["cells"][cell + 1].split("±")
                want = float(cli_row[f"d{column}_se"])
                if len(change_se) != 2 or abs(float(change_se[1]) - want) > 0.051:
                    fail(6, f"the change of {column} under {policy} to carry the CLI's paired ± {want:.2f}",
                         line["cells"][cell + 1])
            if abs(page_value - float(cli_row[column])) > 0.051:
                fail(6, f"the page's {column} under {policy} in {shown} to be the CLI's {float(cli_row[column]):.3f}",
                     page_value)
            if policy != baseline:
                base = float(group[(baseline, shown)][column])
                page_change = number(line["cells"][cell + 1], 6, f"the change of {column}")
                if abs(page_change - (float(cli_row[column]) - base)) > 0.051:
                    fail(6, f"the page's change of {column} under {policy} in {shown} to be the CLI's "
                         f"{float(cli_row[column]) - base:+.3f}", page_change)
    # The workbook: every policy and year, to the CLI's full precision.
    by_label = {v: k for k, v in labels.items()}
    checked = 0
    for row in state_rows:
        policy = by_label.get(row[col["policy"]])
        if policy is None:
            continue
        cli_row = group[(policy, int(row[col["year"]]))]
        for name, column in (("in the red", "n_negative"), ("in distress", "n_distress"),
                             ("cash exhausted", "n_exhausted"), ("CO-253 in the year", "cut_total")):
            want, got = float(cli_row[column]), row[col[name]]
            if not isinstance(got, (int, float)) or abs(got - want) > 1e-6 * max(1.0, abs(want)):
                fail(6, f"the workbook's {name} under {policy} in {row[col['year']]} to be the CLI's {want}", got)
        checked += 1
    if checked != len(labels) * len(years):
        fail(6, f"{len(labels) * len(years)} policy-year rows in the State sheet", checked)
    # Every Kansas facility in the shown year, page and workbook against facilities.csv.
    cli_fac = {(r["practice"], r["policy"], int(r["year"])): r for r in facilities}
    page_fac = {f["practice"]: f["cells"] for f in tables["facilities"]}
    if set(page_fac) != {p for (p, pol, y) in cli_fac if pol == baseline and y == shown}:
        fail(6, f"the page to list every {STATE} facility of facilities.csv", f"{len(page_fac)} listed")
    for practice, cells in page_fac.items():
        base = cli_fac[(practice, baseline, shown)]
        if abs(number(cells[3], 6, "a margin") - 100 * float(base["margin_mean"])) > 0.0051:
            fail(6, f"{practice}'s margin on the page to be the CLI's {100 * float(base['margin_mean']):.2f}%", cells[3])
        if abs(number(cells[4], 6, "P(in the red)") - 100 * float(base["p_negative"])) > 0.0051:
            fail(6, f"{practice}'s P(in the red) on the page to be the CLI's", cells[4])
        for k, policy in enumerate(p for p in policies if p != baseline and p in labels):
            row = cli_fac[(practice, policy, shown)]
            want = 100 * (float(row["margin_mean"]) - float(base["margin_mean"]))
            if abs(number(cells[6 + 3 * k], 6, "a margin change") - want) > 0.0051:
                fail(6, f"{practice}'s margin change under {policy} to be the CLI's {want:+.2f} pp", cells[6 + 3 * k])
    fchecked = 0
    for row in frows[1:]:
        practice, year, label = row[fcol["practice"]], row[fcol["year"]], row[fcol["policy"]]
        policy = by_label.get(label)
        if policy is None:
            continue
        cli_row = cli_fac[(practice, policy, int(year))]
        for name, column in (("margin", "margin_mean"), ("P(in the red)", "p_negative"),
                             ("P(distress)", "p_distress"), ("P(cash exhausted)", "p_exhausted")):
            if abs(row[fcol[name]] - float(cli_row[column])) > 1e-12:
                fail(6, f"the workbook's {name} of {practice} under {policy} in {year} to be the CLI's", row[fcol[name]])
        fchecked += 1
    if fchecked != len(page_fac) * len(years) * len(labels):
        fail(6, f"{len(page_fac) * len(years) * len(labels)} facility rows in the Facilities sheet", fchecked)
    say(f"the page, the PDF and the workbook agree with `seqsim run --by state` "
        f"({checked} state rows, {fchecked} facility rows)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--seqsim", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    parser.add_argument("--work")
    parser.add_argument("--screenshot", help="where to save the state page's screenshot (PNG)")
    parser.add_argument("--pdf", help="where to save the printed handout (PDF)")
    parser.add_argument("--front-screenshot", help="where to save the front page's screenshot (PNG)")
    args = parser.parse_args()
    if not args.chromium:
        raise Failure("no chromium to drive (give --chromium)")
    base = args.url.rstrip("/")
    seqsim = str(Path(args.seqsim).resolve())
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="check-state-", dir=args.work))
    drive(args.chromium, work, lambda browser: check(browser, base, seqsim, work, args), remove_work=True)
    say(f"passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"check_state: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
