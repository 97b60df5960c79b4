#!/usr/bin/env bash
# Issue 26's speed check for MODEL.md v1.3: a scenario with `noise` and
# `shared` on every practice driver and a `cost_response` on every practice
# (benches/with_dynamics.py writes that copy) against the same scenario
# without them, run one after the other in ROUNDS rounds (this VM's speed
# drifts, so each round is a pair), 2 threads, whole-process time. Prints
# each run and the median ratio of logical evaluations per second (the
# target: at least 0.90).
#
# Usage (from anywhere): benches/dynamics_speed.sh SEQSIM [SCENARIO] [PATHS] [ROUNDS]
#   SCENARIO defaults to scenarios/national.yaml, PATHS to 1000000, ROUNDS to 3.
#   For the 6,000-facility cohort: benches/grow_cohort.sh first, then pass its scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
seqsim=${1:?usage: benches/dynamics_speed.sh SEQSIM [SCENARIO] [PATHS] [ROUNDS]}
scenario=${2:-scenarios/national.yaml}
paths=${3:-1000000}
rounds=${4:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/with_dynamics.py "$scenario" "$work/with.yaml"
# The plain copy with absolute paths too, so both read the same files.
python3 - "$scenario" "$work/plain.yaml" << 'PY'
import sys, importlib.util, os
spec = importlib.util.spec_from_file_location("w", os.path.join("benches", "with_dynamics.py"))
w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
w.KEYS = ""
source, out = sys.argv[1], sys.argv[2]
w.main(source, out)
text = open(out).read().replace(", noise: 0.02}", "}").replace("cost_response: {speed: 0.4, target: base}\n", "")
open(out, "w").write(text)
PY
ratios=()
for ((r = 1; r <= rounds; r++)); do
  declare -A seconds=()
  for variant in plain with; do
    stats=$("$seqsim" run "$work/$variant.yaml" --paths "$paths" --threads 2 --out "$work/out" --force --stats 2>&1 | benches/stats_fields.sh)
    read -r s evaluations rss copied <<< "$stats"
    seconds[$variant]=$s
    echo "round $r $variant: $s s, $evaluations logical evaluations, $(awk -v e="$evaluations" -v s="$s" 'BEGIN { printf "%.1f", e / s / 1e6 }') M/s, peak RSS $rss MB, copied $copied%"
  done
  ratios+=("$(awk -v a="${seconds[plain]}" -v b="${seconds[with]}" 'BEGIN { printf "%.3f", a / b }')")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "throughput with the v1.3 keys / without, by round: ${ratios[*]}; median $median (target 0.90)"
