#!/usr/bin/env python3
"""Times `seqsim run` against the NumPy implementation of MODEL.md on the same
scenario and path count, one after the other in one run: the batched NumPy
version (64k-path arrays, histogram percentiles: seqsim's own algorithm) and
the textbook one (every path in one array, exact np.percentile). NumPy runs
on one thread (its elementwise operations have no other), BLAS included.
Then it checks that they computed the same thing: every margin mean and
probability of the summary agrees within Monte Carlo error (the draws
differ, the model must not).

Usage (from the repository root, after `cargo build --release`):
    python3 benches/numpy/compare_numpy.py [--paths N] [--threads T] [SCENARIO]

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
        return {(r["practice"], r["policy"], r["year"]): r for r in csv.DictReader(f)}


def timed(command, env=None):
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return elapsed, result.stdout + result.stderr


def agreement(seqsim_dir, numpy_dir):
    """Largest |difference| / combined standard error over every cell's
    margin mean and probabilities, and where it was."""
    ours, theirs = read(os.path.join(seqsim_dir, "summary.csv")), read(os.path.join(numpy_dir, "summary.csv"))
    if ours.keys() != theirs.keys():
        sys.exit("the two summaries have different cells")
    worst = (0.0, None)
    for key, a in ours.items():
        b = theirs[key]
        for value, se in [("margin_mean", "margin_se"), ("p_negative", "p_negative_se"),
                          ("p_distress", "p_distress_se"), ("p_exhausted", "p_exhausted_se")]:
            combined = math.hypot(float(a[se] or 0), float(b[se] or 0))
            difference = abs(float(a[value]) - float(b[value]))
            if combined == 0:
                if difference > 1e-9:
                    return math.inf, (key, value)
                continue
            z = difference / combined
            if z > worst[0]:
                worst = (z, (key, value))
    return worst


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
            z, where = agreement(seqsim_out, numpy_out)
            rows.append((mode, numpy_time, z, where))
            worst = max(worst, z)
    print(f"scenario {os.path.relpath(args.scenario)}, {args.paths} paths, {evaluations} evaluations")
    for name, seconds, *check in rows:
        line = f"{name:28} {seconds:8.3f} s {evaluations / seconds / 1e6:8.1f} M evaluations/s"
        if check:
            z, where = check
            line += f"  seqsim {seconds / seqsim_time:4.1f}x faster; largest difference {z:.2f} standard errors"
            line += f" (worst: {' '.join(where[0])} {where[1]})"
        print(line)
    # Hundreds of correlated cells: a model difference shows as tens of errors, chance rarely passes 5.
    if worst > 5:
        sys.exit("an implementation disagrees with seqsim beyond Monte Carlo error")


if __name__ == "__main__":
    main()
