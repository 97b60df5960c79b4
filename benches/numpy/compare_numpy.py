#!/usr/bin/env python3
"""Times `seqsim run` against the NumPy implementation of MODEL.md on the same
scenario and path count, one after the other in one run: the batched NumPy
version (64k-path arrays, histogram percentiles: seqsim's own algorithm) and
the textbook one (every path in one array, exact np.percentile). NumPy runs
on one thread (its elementwise operations have no other), BLAS included.
Then it checks that they computed the same thing: every margin mean,
probability and (MODEL.md v1.3) mean cutback of the summary, and every mean
margin and cutback difference of the comparison with the baseline, agrees
within Monte Carlo error (the draws differ, the model must not).

Usage (from the repository root, after `cargo build --release`):
    python3 benches/numpy/compare_numpy.py [--paths N] [--threads T] [--seqsim BIN] [SCENARIO]

SCENARIO defaults to scenarios/national.yaml; CI also runs it on
benches/numpy/dynamics.yaml, the v1.3 dynamics (noise, shared shocks, cost
responses).

Needs numpy and PyYAML: pip install -r benches/numpy/requirements.txt
"""

import argparse
import csv
import math
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, {(r["practice"], r["policy"], r["year"]): r for r in reader}


def timed(command, env=None):
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return elapsed, result.stdout + result.stderr


# (table, mean, its standard error): every quantity compared, cell by cell.
# seqsim writes the probabilities' and margin means' standard errors and
# dmargin_se; seqsim_numpy.py also writes cutback_se and dcutback_se. Where
# seqsim has no standard error, NumPy's stands for both (the two estimate the
# same mean from as many paths).
CHECKS = [
    ("summary.csv", "margin_mean", "margin_se"),
    ("summary.csv", "p_negative", "p_negative_se"),
    ("summary.csv", "p_distress", "p_distress_se"),
    ("summary.csv", "p_exhausted", "p_exhausted_se"),
    ("summary.csv", "cutback_mean", "cutback_se"),        # MODEL.md v1.3
    ("compare.csv", "dmargin_mean", "dmargin_se"),
    ("compare.csv", "dcutback_mean", "dcutback_se"),      # MODEL.md v1.3
]


def agreement(seqsim_dir, numpy_dir):
    """Largest |difference| / combined standard error over every cell of
    CHECKS, and where it was; the largest per quantity; notes on quantities
    skipped. Differences within 1e-9 of max(1, |value|) are rounding, not
    Monte Carlo error (a cell both compute exactly, such as a year in which
    two policies agree, has a standard error of 0 or nearly 0)."""
    worst, by_quantity, notes = (0.0, None), {}, []
    for table, value, se in CHECKS:
        (ours_columns, ours), (theirs_columns, theirs) = (read(os.path.join(d, table)) for d in (seqsim_dir, numpy_dir))
        if ours.keys() != theirs.keys():
            sys.exit(f"the two {table} tables have different cells")
        if value not in ours_columns:
            # A seqsim before MODEL.md v1.3 has no cutback columns; that is only
            # acceptable where NumPy's are 0, that is without a cost_response.
            if all(float(b[value]) == 0 for b in theirs.values()):
                notes.append(f"seqsim wrote no {value} (NumPy's are all 0)")
                continue
            return (math.inf, (next(iter(ours)), f"{value} (not in seqsim's {table})")), by_quantity, notes
        by_quantity[value] = 0.0
        for key, a in ours.items():
            b = theirs[key]
            x, y = float(a[value]), float(b[value])
            difference = abs(x - y)
            if difference <= 1e-9 * max(1.0, abs(x), abs(y)):
                continue
            if se in ours_columns:
                combined = math.hypot(float(a[se] or 0), float(b[se] or 0))
            else:
                combined = math.sqrt(2) * float(b[se] or 0)
            z = difference / combined if combined > 0 else math.inf
            by_quantity[value] = max(by_quantity[value], z)
            if z > worst[0]:
                worst = (z, (key, value))
    return worst, by_quantity, notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=os.path.join(ROOT, "scenarios", "national.yaml"))
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seqsim", default=os.path.join(ROOT, "target", "release", "seqsim"))
    args = parser.parse_args()
    one_thread = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rows, worst = [], 0.0
    with tempfile.TemporaryDirectory() as work:
        seqsim_out = os.path.join(work, "seqsim")
        seqsim_time, seqsim_log = timed([args.seqsim, "run", args.scenario, "--paths", str(args.paths),
                                         "--threads", str(args.threads), "--out", seqsim_out, "--stats"])
        evaluations = int(re.search(r"stats: (\d+) evaluations", seqsim_log).group(1))
        rows.append((f"seqsim ({args.threads} threads)", seqsim_time))
        for mode, flags in [("numpy batched (1 thread)", []), ("numpy textbook (1 thread)", ["--textbook"])]:
            numpy_out = os.path.join(work, mode.split()[1])
            numpy_time, _ = timed([sys.executable, os.path.join(HERE, "seqsim_numpy.py"), args.scenario,
                                   "--paths", str(args.paths), "--out", numpy_out] + flags, env=one_thread)
            (z, where), by_quantity, notes = agreement(seqsim_out, numpy_out)
            rows.append((mode, numpy_time, z, where, by_quantity, notes))
            worst = max(worst, z)
    print(f"scenario {os.path.relpath(args.scenario)}, {args.paths} paths, {evaluations} evaluations")
    for name, seconds, *check in rows:
        line = f"{name:28} {seconds:8.3f} s {evaluations / seconds / 1e6:8.1f} M evaluations/s"
        if check:
            z, where, by_quantity, notes = check
            line += f"  seqsim {seconds / seqsim_time:4.1f}x faster; largest difference {z:.2f} standard errors"
            if where:
                line += f" (worst: {' '.join(where[0])} {where[1]})"
            line += "\n" + " " * 30 + "largest by quantity: "
            line += ", ".join(f"{name} {value:.2f}" for name, value in by_quantity.items())
            line += "".join(f"; {note}" for note in notes)
        print(line)
    # Hundreds of correlated cells: a model difference shows as tens of errors, chance rarely passes 5
    # (beyond 5 standard errors a normal tail is 6e-7: under 1e-3 over a thousand cells).
    if worst > 5:
        sys.exit("an implementation disagrees with seqsim beyond Monte Carlo error")


if __name__ == "__main__":
    main()
