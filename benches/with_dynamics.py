#!/usr/bin/env python3
"""Writes a copy of a scenario with MODEL.md v1.3's three keys everywhere
they can go: `noise` and `shared` on every practice-scope index-growing
driver (the top level's and every override: an override replaces the whole
driver), `noise` on the macro ones, and a top-level `cost_response`.
Imports and the cohort file are made absolute so the copy runs from any
folder. Used by benches/dynamics_speed.sh.

Usage: with_dynamics.py SCENARIO OUT
"""
import os
import re
import sys

INDEX = ("labor_inflation", "supply_inflation", "other_inflation",
         "commercial_rate_growth", "medicaid_rate_growth", "volume_growth")
KEYS = ", noise: 0.02, shared: 0.01"


def main(source, out):
    here = os.path.dirname(os.path.abspath(source))
    lines = open(source).read().splitlines()
    result = []
    for line in lines:
        m = re.match(r"^(\s*)(%s):\s*\{(.*)\}\s*$" % "|".join(INDEX), line)
        if m:
            body = m.group(3)
            macro = "scope: practice" not in body and m.group(2) != "volume_growth" and len(m.group(1)) <= 2
            keys = ", noise: 0.02" if macro else KEYS
            line = "%s%s: {%s%s}" % (m.group(1), m.group(2), body, keys)
        if line.startswith("practices:") or line.startswith("cohort:"):
            result.append("cost_response: {speed: 0.4, target: base}")
        stripped = line.strip()
        for key in ("- ", "file: "):
            if stripped.startswith(key) and (".yaml" in stripped or ".csv" in stripped or ".parquet" in stripped):
                value = stripped[len(key):].strip()
                if not os.path.isabs(value):
                    line = line.replace(value, os.path.normpath(os.path.join(here, value)))
        result.append(line)
    open(out, "w").write("\n".join(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
