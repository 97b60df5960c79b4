#!/usr/bin/env python3
"""Writes the spreads, noise, price-cost correlation and cost-response speed
that `seqsim calibrate A B C --by kind` printed (its markdown table, on
stderr) into scenario files, so a refit changes numbers and nothing else.

A driver line (`  labor_inflation: {dist: normal, ...}`) or a
`cost_response:` line takes the values of the group it sits in: the kind of
the practice (`kind: X`) or of the `for_kinds` block (`X:`) it follows, else
"all". Means, `shared`, sources and everything else are left alone; the
counts in sources ("(critical access hospitals, 1,203)", "N hospitals in all
three releases after trimming") are rewritten from the table.

Usage: python3 scripts/apply_dynamics.py [--kinds-only] CALIBRATE.md SCENARIO.yaml...
  --kinds-only   leave the top-level drivers, correlations and response alone
                 (national.yaml: its top level is not fitted).
A response whose source names the kind-median target takes the speed refitted
with the kind median, any other the speed refitted with target base.
"""
import re
import sys

DRIVERS = {
    "volume_growth": "volume",
    "commercial_rate_growth": "price",
    "medicaid_rate_growth": "price",
    "labor_inflation": "cost",
    "supply_inflation": "cost",
    "other_inflation": "cost",
}
KINDS = ["critical_access_hospital", "rural_pps_hospital", "urban_pps_hospital"]
NAMES = {
    "all": "all kinds",
    "critical_access_hospital": "critical access hospitals",
    "rural_pps_hospital": "rural PPS hospitals",
    "urban_pps_hospital": "urban PPS hospitals",
}


def table(path):
    groups = {}
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 11 or cells[0] not in ["all"] + KINDS:
            continue
        sd_noise = lambda text: [float(x) for x in text.split("/")]
        base = re.match(r"([0-9.]+)", cells[9]).group(1)
        median = re.match(r"([0-9.]+)", cells[10]).group(1)
        groups[cells[0]] = {
            "hospitals": int(cells[1].split()[0]),
            "kept": int(re.search(r"\((\d+)\)", cells[1]).group(1)),
            "volume": sd_noise(cells[2]),
            "price": sd_noise(cells[3]),
            "cost": sd_noise(cells[4]),
            "rho": float(cells[5]),
            "speed_base": base,
            "speed_median": median,
        }
    return groups


def number(x):
    return f"{x:.3f}"


def set_key(line, key, value, after):
    """Sets `key: value` in a flow mapping line, inserting it after `after`."""
    if re.search(rf"\b{key}: [-0-9.]+", line):
        if value is None:
            return re.sub(rf", {key}: [-0-9.]+", "", line)
        return re.sub(rf"\b{key}: [-0-9.]+", f"{key}: {value}", line)
    if value is None:
        return line
    return re.sub(rf"(\b{after}: [-0-9.]+)", rf"\1, {key}: {value}", line, count=1)


def apply(groups, path, kinds_only):
    text = open(path).read().split("\n")
    group = "all"
    in_for_kinds = False
    out = []
    total = groups["all"]
    for line in text:
        m = re.match(r"^\s+kind: (\w+)\s*$", line)
        if m:
            group = m.group(1) if m.group(1) in groups else "other"
        m = re.match(r"^(\s+)(\w+):\s*$", line)
        if m and m.group(2) == "for_kinds":
            in_for_kinds = True
        elif m and in_for_kinds and m.group(2) in groups:
            group = m.group(2)
        if re.match(r"^\S", line) or re.match(r"^  - id:", line):
            group = "all" if not re.match(r"^  - id:", line) else group
            in_for_kinds = line.startswith("cohort:") and in_for_kinds
        g = groups.get(group)
        if kinds_only and group == "all":
            g = None
        m = re.match(r"^\s+(\w+): \{dist: normal", line)
        if g and m and m.group(1) in DRIVERS:
            sd, noise = g[DRIVERS[m.group(1)]]
            line = set_key(line, "sd", number(sd), "mean")
            line = set_key(line, "noise", number(noise) if noise >= 0.0005 else None, "sd")
            has_noise = "noise:" in line.split("source:")[0]
            line = re.sub(r"sd( and noise)?: seqsim calibrate", "sd and noise: seqsim calibrate" if has_noise else "sd: seqsim calibrate", line)
        if g and re.match(r"^\s*cost_response: \{speed:", line):
            median = "kind-median" in line or "kind median" in line
            line = re.sub(r"speed: [0-9.]+", f"speed: {g['speed_median'] if median else g['speed_base']}", line)
        if g and re.match(r"^\s+- \[(commercial|medicaid)_rate_growth, \w+_inflation, [0-9.]+\]", line):
            line = re.sub(r", [0-9.]+\]", f", {g['rho']:.2f}]", line)
        for kind in KINDS:
            line = re.sub(rf"\({NAMES[kind]}, [0-9,]+\)", f"({NAMES[kind]}, {groups[kind]['kept']:,})", line)
        line = re.sub(r"\(all kinds, [0-9,]+\)", f"(all kinds, {total['kept']:,})", line)
        line = re.sub(
            r"[0-9,]+ hospitals in all three releases after trimming",
            f"{total['kept']:,} hospitals in all three releases after trimming",
            line,
        )
        out.append(line)
    open(path, "w").write("\n".join(out))


def main():
    args = sys.argv[1:]
    kinds_only = "--kinds-only" in args
    args = [a for a in args if a != "--kinds-only"]
    groups = table(args[0])
    for path in args[1:]:
        apply(groups, path, kinds_only)


if __name__ == "__main__":
    main()
