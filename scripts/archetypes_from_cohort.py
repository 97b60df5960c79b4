#!/usr/bin/env python3
"""Hospital archetypes for scenarios/national.yaml from the imported CMS
cost-report cohort (scenarios/cohorts/us_hospitals_2021.csv).

For each group (critical access and rural PPS hospitals split into those with
a negative and a non-negative margin; urban PPS hospitals as one
group) it prints the number of hospitals and the medians that shape an
archetype: net patient revenue, the share of each revenue line in it, the
share of labor and supplies in costs, the margin and days of
cash. Usage: python3 scripts/archetypes_from_cohort.py [COHORT.csv]
"""
import csv
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVENUE = ["medicare_ffs", "medicare_advantage", "medicaid", "commercial", "other"]
COSTS = ["labor", "supplies", "other_costs"]


def rows(path):
    with open(path) as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            revenue = sum(float(row[k]) for k in REVENUE)
            costs = sum(float(row[k]) for k in COSTS)
            yield row, revenue, costs, (revenue - costs) / revenue


def describe(name, group):
    median = statistics.median
    print(f"{name}: {len(group)} hospitals")
    print(f"  median net patient revenue {median(r for _, r, _, _ in group):,.0f}")
    for line in REVENUE:
        print(f"  median share {line:<20} {median(float(row[line]) / r for row, r, _, _ in group):.4f}")
    for line in COSTS[:2]:
        print(f"  median cost share {line:<15} {median(float(row[line]) / c for row, _, c, _ in group):.4f}")
    print(f"  median margin {median(m for *_, m in group):.4f}")
    print(f"  median days of cash {median(365 * float(row['cash']) / c for row, _, c, _ in group):.1f}")


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "scenarios" / "cohorts" / "us_hospitals_2021.csv"
    data = list(rows(path))
    for kind in ["critical_access_hospital", "rural_pps_hospital"]:
        group = [d for d in data if d[0]["kind"] == kind]
        red = [d for d in group if d[3] < 0]
        print(f"{kind}: {len(red)} of {len(group)} ({len(red) / len(group):.1%}) with a negative margin")
        describe(f"{kind} (negative margin)", red)
        describe(f"{kind} (non-negative margin)", [d for d in group if d[3] >= 0])
    describe("urban_pps_hospital", [d for d in data if d[0]["kind"] == "urban_pps_hospital"])


main()
