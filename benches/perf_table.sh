#!/usr/bin/env bash
# Prints the performance table of docs/performance.md: the whole `seqsim run` process on a
# scenario (default scenarios/national.yaml) for 10k, 100k and 1M paths on one
# and two threads, the median of REPS runs (default 3) of each, with the
# evaluations/s and peak RSS that `--stats` reports for that run.
#
# Usage: benches/perf_table.sh [SCENARIO] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=${1:-scenarios/national.yaml}
reps=${2:-3}
cargo build --release --quiet
seqsim=${CARGO_TARGET_DIR:-target}/release/seqsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "| paths | threads | wall time | evaluations/s | peak RSS |"
echo "|---:|---:|---:|---:|---:|"
for paths in 10000 100000 1000000; do
  for threads in 1 2; do
    for _ in $(seq "$reps"); do
      "$seqsim" run "$scenario" --paths "$paths" --threads "$threads" --out "$out/run" --force --stats 2>&1 |
        benches/stats_fields.sh
    done | sort -n | sed -n "$(((reps + 1) / 2))p" |
      awk -v paths="$paths" -v threads="$threads" '{
        grouped = paths
        while (grouped ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9](,|$)/, ",&", grouped)
        printf "| %s | %d | %.2f s | %.1f M | %.0f MB |\n", grouped, threads, $1, $2 / $1 / 1e6, $3
      }'
  done
done
