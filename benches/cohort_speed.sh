#!/usr/bin/env bash
# The US-hospital cohort at scale: scenarios/us_hospitals.yaml (4,386 real
# hospitals x 5 policies x 10 years) at PATHS paths (default 10,000) with
# --by state on two threads; prints the median of REPS runs (default 3):
# wall time, logical evaluations per second, the share of evaluations copied
# from identical policies, and peak RSS, as `--stats` reports them.
#
# With FACILITIES (e.g. 6000, issue 18's target size) the cohort table is
# grown to that many rows in a temporary copy of the scenario
# (benches/grow_cohort.sh: rows repeated with new ids, each hospital drawing
# its own paths).
#
# Usage: benches/cohort_speed.sh [PATHS] [REPS] [FACILITIES]
set -euo pipefail
cd "$(dirname "$0")/.."

paths=${1:-10000}
reps=${2:-3}
facilities=${3:-}
cargo build --release --quiet
seqsim=${CARGO_TARGET_DIR:-target}/release/seqsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

scenario=scenarios/us_hospitals.yaml
table=scenarios/cohorts/us_hospitals_2021.csv
kept=$(grep -v '^#' "$table" | tail -n +2 | wc -l)
if [ -n "$facilities" ]; then
  benches/grow_cohort.sh "$out" "$facilities"
  scenario=$out/scenarios/us_hospitals.yaml
  kept=$facilities
fi
label="us_hospitals ($(echo "$kept" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta') hospitals, --by state)"

echo "| scenario | paths | threads | wall time | logical evaluations/s | copied | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for _ in $(seq "$reps"); do
  "$seqsim" run "$scenario" --by state --paths "$paths" --threads 2 --out "$out/run" --force --stats 2>&1 |
    benches/stats_fields.sh
done | sort -n | sed -n "$(((reps + 1) / 2))p" |
  awk -v paths="$paths" -v label="$label" '{ printf "| %s | %d | 2 | %.1f s | %.1f M | %.1f%% | %.0f MB |\n", label, paths, $1, $2 / $1 / 1e6, $4, $3 }'
