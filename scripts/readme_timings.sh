#!/usr/bin/env bash
# Regenerates docs/timings.md: the wall time and peak memory of every command
# whose run time README.md or docs/ quote, with the machine they ran on.
# Every timing in the README comes from that file.
#
#   scripts/readme_timings.sh [OUT.md]          # default docs/timings.md
#
#   SEQSIM=PATH      the binary (default: `seqsim` on the PATH; or
#                    ./target/release/seqsim after `cargo build --release`)
#   CLOSURES=FILE    the Sheps Center closure list for the three closure
#                    backtests (default ../shared/data/sheps/rural_closures_2005_2021.csv
#                    when it sits beside the clone; skipped otherwise)
#   TRIES=N          passes at most (default 3): a command during whose run
#                    other processes kept more than 0.25 cores busy is run
#                    again in the next pass, PAUSE seconds later (default 60),
#                    and its least disturbed run is kept
#   SEQSIM_TIME_BUILD=1   also time a cold `cargo build --release` into a
#                    fresh target directory (slow: polars compiles from scratch)
#
# Outputs go to a temporary directory that is removed at the end; nothing in
# the clone is written except OUT.md. Run it on a quiet machine: how busy the
# rest of the machine was during each run is recorded beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
SEQSIM=${SEQSIM:-seqsim}
out=${1:-docs/timings.md}
closures=${CLOSURES:-../shared/data/sheps/rural_closures_2005_2021.csv}
tries=${TRIES:-3}
pause=${PAUSE:-60}
command -v "$SEQSIM" > /dev/null || { echo "error: $SEQSIM not found; set SEQSIM=path/to/seqsim" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/seqsim-timings.XXXXXX")
trap 'rm -rf "$work"' EXIT

# h:mm:ss or m:ss(.ss) -> seconds, 2 decimals under 10 s, else 1
to_seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf (s < 10 ? "%.2f" : "%.1f"), s }' <<< "$1"; }

# Busy CPU seconds of the whole machine so far (all cores), from /proc/stat.
busy_seconds() {
  awk -v hz="$(getconf CLK_TCK 2> /dev/null || echo 100)" \
    '$1 == "cpu" { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat 2> /dev/null || echo 0
}

# run_once CMD...: removes $work/out and $work/out.yaml (where the commands
# write), runs CMD, and sets wall, rss, cpu (seconds), other (cores that
# other processes kept busy meanwhile) and status.
run_once() {
  local busy0 busy1
  status=0
  rm -rf "$work/out" "$work/out.yaml"
  busy0=$(busy_seconds)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$work/time" "$@" > "$work/log" 2>&1 || status=$?
    wall=$(to_seconds "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%d MB", $2 / 1024 + 0.5 }' "$work/time")
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$work/time")
  else
    local TIMEFORMAT="%R %U %S" u s
    { time "$@" > "$work/log" 2>&1 || status=$?; } 2> "$work/time"
    read -r wall u s < "$work/time"
    wall=$(awk -v w="$wall" 'BEGIN { printf (w < 10 ? "%.2f" : "%.1f"), w }'); rss="not measured"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  fi
  busy1=$(busy_seconds)
  # The machine's busy time less this command's own, over the wall time
  # (meaningless under a second: /proc/stat counts in ticks).
  other=$(awk -v b0="$busy0" -v b1="$busy1" -v c="$cpu" -v w="$wall" \
    'BEGIN { if (w < 1) { print "n/a"; exit } o = (b1 - b0 - c) / w; if (o < 0) o = 0; printf "%.2f", o }')
}

# add "SHOWN COMMAND" "QUOTED IN" CMD...: registers a command to time.
shown=(); quoted=(); cmds=()
add() { shown+=("$1"); quoted+=("$2"); shift 2; cmds+=("$(printf '%q ' "$@")"); }

add "seqsim run scenarios/quickstart.yaml" "docs/scenario-format.md" \
  "$SEQSIM" run scenarios/quickstart.yaml --out "$work/out"
add "seqsim run scenarios/national.yaml" "README, docs/outputs.md" \
  "$SEQSIM" run scenarios/national.yaml --out "$work/out"
add "seqsim run scenarios/national.yaml --png" "docs/outputs.md" \
  "$SEQSIM" run scenarios/national.yaml --png --out "$work/out"
add "seqsim run scenarios/national.yaml --paths 1000000 --threads 2" "docs/performance.md" \
  "$SEQSIM" run scenarios/national.yaml --paths 1000000 --threads 2 --out "$work/out"
us_hospitals=${#cmds[@]}
add "seqsim run scenarios/us_hospitals.yaml --by state" "README, docs/real-hospitals.md" \
  "$SEQSIM" run scenarios/us_hospitals.yaml --by state --out "$work/out"

# A 6,000-facility synthetic cohort (docs/scenario-format.md, "Cohorts"):
# scenarios/rural_cohort.yaml pointed at the larger table, 10,000 paths.
if command -v python3 > /dev/null; then
  python3 scripts/make_rural_cohort.py 6000 "$work/cohort6000.csv" > /dev/null 2>&1
  sed -e "s|file: cohorts/rural_hospitals_synthetic.csv|file: $work/cohort6000.csv|" \
      -e "s|\.\./policies/|$PWD/policies/|" scenarios/rural_cohort.yaml > "$work/rural6000.yaml"
  add "seqsim run rural_cohort.yaml (6,000 synthetic facilities) --paths 10000 --by state" "docs/scenario-format.md" \
    "$SEQSIM" run "$work/rural6000.yaml" --paths 10000 --by state --out "$work/out"
fi

for spec in "2017 2019" "2019 2021" "2017 2021"; do
  read -r base year <<< "$spec"
  where="docs/real-hospitals.md"
  if [ "$base" = 2017 ] && [ "$year" = 2019 ]; then where="README, $where"; fi
  add "seqsim backtest scenarios/backtest_${base}_${year}.yaml --actual scenarios/cohorts/us_hospitals_${year}.csv --year ${year}" \
    "$where" \
    "$SEQSIM" backtest "scenarios/backtest_${base}_${year}.yaml" --actual "scenarios/cohorts/us_hospitals_${year}.csv" \
      --year "$year" --out "$work/out"
done
closure_note="The Sheps Center's closure list was not found ($closures), so the three closure backtests were not timed."
if [ -f "$closures" ]; then
  closure_note="The closure backtests read the Sheps Center's list from \`$closures\` (beside the clone, not part of it)."
  for spec in "2017 2019" "2019 2021" "2017 2021"; do
    read -r base year <<< "$spec"
    add "seqsim backtest scenarios/backtest_${base}_${year}.yaml ... --year ${year} --closures rural_closures_2005_2021.csv" \
      "docs/real-hospitals.md" \
      "$SEQSIM" backtest "scenarios/backtest_${base}_${year}.yaml" --actual "scenarios/cohorts/us_hospitals_${year}.csv" \
        --year "$year" --closures "$closures" --out "$work/out"
  done
fi

add "seqsim calibrate us_hospitals_2017.csv us_hospitals_2019.csv us_hospitals_2021.csv --by kind --medicare-update ..." \
  "README, docs/real-hospitals.md" \
  "$SEQSIM" calibrate scenarios/cohorts/us_hospitals_2017.csv scenarios/cohorts/us_hospitals_2019.csv \
    scenarios/cohorts/us_hospitals_2021.csv --by kind \
    --medicare-update 2018=0.018088,2019=0.0185,2020=0.031,2021=0.029 --out "$work/out.yaml"

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo "unknown")

# Passes: every command once, then again those whose run was disturbed.
n=${#cmds[@]}
best_wall=(); best_rss=(); best_cpu=(); best_other=(); runs=(); failed=(); settled=()
for ((i = 0; i < n; i++)); do runs[i]=0; failed[i]=0; settled[i]=0; best_other[i]=""; done
for ((pass = 1; pass <= tries; pass++)); do
  pending=0
  for ((i = 0; i < n; i++)); do [ "${settled[i]}" = 1 ] || pending=$((pending + 1)); done
  [ "$pending" -gt 0 ] || break
  if [ "$pass" -gt 1 ]; then
    echo "pass $pass: $pending command(s) again in ${pause} s" >&2
    sleep "$pause"
  fi
  for ((i = 0; i < n; i++)); do
    [ "${settled[i]}" = 1 ] && continue
    echo "timing: ${shown[i]}" >&2
    eval "argv=(${cmds[i]})"
    run_once "${argv[@]}"
    runs[i]=$((runs[i] + 1))
    if [ "$status" -ne 0 ]; then
      echo "  failed (exit $status); last lines:" >&2; tail -5 "$work/log" >&2
      failed[i]=$status; settled[i]=1; continue
    fi
    if [ "$i" = "$us_hospitals" ] && [ ! -f "$work/us_hospitals_brief.md" ]; then
      cp "$work/out/brief.md" "$work/us_hospitals_brief.md"
    fi
    if [ -z "${best_other[i]}" ] || [ "$other" = "n/a" ] ||
       awk -v o="$other" -v b="${best_other[i]}" 'BEGIN { exit !(o < b) }'; then
      best_wall[i]=$wall; best_rss[i]=$rss; best_cpu[i]=$cpu; best_other[i]=$other
    fi
    if [ "${best_other[i]}" = "n/a" ] || awk -v b="${best_other[i]}" 'BEGIN { exit !(b <= 0.25) }'; then
      settled[i]=1
    else
      echo "  other processes kept $other cores busy" >&2
    fi
  done
done

rows="$work/rows.md"
: > "$rows"
failures=0
for ((i = 0; i < n; i++)); do
  if [ "${failed[i]}" != 0 ]; then
    failures=$((failures + 1))
    printf '| `%s` | failed (exit %s) | | | | %s | %s |\n' "${shown[i]}" "${failed[i]}" "${runs[i]}" "${quoted[i]}" >> "$rows"
    continue
  fi
  cpu=$(awk -v c="${best_cpu[i]}" 'BEGIN { printf (c < 10 ? "%.2f s" : "%.1f s"), c }')
  printf '| `%s` | %s s | %s | %s | %s | %s | %s |\n' "${shown[i]}" "${best_wall[i]}" "${best_rss[i]}" "$cpu" \
    "${best_other[i]}" "${runs[i]}" "${quoted[i]}" >> "$rows"
done

build_note="A cold \`cargo build --release\` was not timed in this run (set \`SEQSIM_TIME_BUILD=1\`). The last measurement, by hand before this script existed, was about 10 minutes on two cores, most of it compiling polars."
if [ "${SEQSIM_TIME_BUILD:-0}" = 1 ]; then
  CARGO_TARGET_DIR="$work/target" run_once cargo build --release --locked
  if [ "$status" -eq 0 ]; then
    build_note="A cold \`cargo build --release --locked\` (every dependency compiled from scratch into an empty target directory, downloads already cached) took $wall s, peak RSS $rss, while other processes kept ${other} cores busy."
  else
    failures=$((failures + 1)); build_note="A cold \`cargo build --release\` failed (exit $status)."
  fi
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo "unknown")

# The machine.
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2> /dev/null | head -1)
cpu_mhz=$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo 2> /dev/null | head -1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2> /dev/null)
os=$(. /etc/os-release 2> /dev/null && echo "$PRETTY_NAME" || uname -s)
avx=$(grep -qw avx /proc/cpuinfo 2> /dev/null && echo "yes" || echo "no")
version=$("$SEQSIM" --version)
commit=$(git rev-parse --short HEAD 2> /dev/null || echo "unknown")
dirty=""
if [ -n "$(git status --porcelain --untracked-files=no 2> /dev/null)" ]; then dirty=", working tree modified"; fi
ks_line=$(grep -m1 '^- \*\*KS\*\*' "$work/us_hospitals_brief.md" 2> /dev/null || echo "(no KS line: the run failed)")

{
  cat << EOF
# Timings: how long the documented commands take

What this is: the wall time and peak memory of every command whose run time
README.md and docs/ quote, written by \`scripts/readme_timings.sh\`.
Regenerate it with \`SEQSIM=path/to/seqsim scripts/readme_timings.sh\`
rather than editing it. For the engine's throughput and its history see
[performance.md](performance.md).

**Measured** $(date -u +"%Y-%m-%d %H:%M UTC") with $version (commit $commit$dirty).

**Machine:** $(nproc) logical CPUs, ${cpu_model:-unknown CPU}${cpu_mhz:+ (${cpu_mhz%.*} MHz)}, AVX: $avx; $mem of memory; $os, Linux $(uname -r), $(uname -m).
Load average (1, 5, 15 min) before: $load_before; after: $load_after.

Every command ran from the clone's root with its default paths and threads
(all logical CPUs) unless shown, writing to a temporary \`--out\`.
Wall time and peak resident memory are the whole process's, outputs
included (\`/usr/bin/time -v\`); CPU time is user plus system over all
threads. "Other processes" is how many cores, on average, the rest of the
machine kept busy during the run (from \`/proc/stat\`; n/a under a second):
above about 0.1 the row is slower than the command would be alone. A
command disturbed by more than 0.25 cores was run again in a later pass, up
to $tries runs, and its least disturbed run kept; "runs" says how many it
took.

| command | wall time | peak RSS | CPU time | other processes | runs | quoted in |
|---|---:|---:|---:|---:|---:|---|
EOF
  cat "$rows"
  cat << EOF

$closure_note

$build_note

The 6,000-facility row is \`python3 scripts/make_rural_cohort.py 6000 COHORT.csv\`
(not timed) and \`scenarios/rural_cohort.yaml\` with its \`cohort.file\` pointed
at COHORT.csv: 6,000 facilities x 10 years x 5 policies x 10,000 paths.
The calibration row's \`--medicare-update\` is
\`2018=0.018088,2019=0.0185,2020=0.031,2021=0.029\`, on the three bundled
cohorts in \`scenarios/cohorts/\`.

## The state example quoted in the README

Kansas's line of \`brief.md\` ("By state, one line each") from the timed
\`seqsim run scenarios/us_hospitals.yaml --by state\` above (10,000 paths,
seed 20261127; the same numbers whatever the machine or thread count):

$ks_line
EOF
} > "$out"
echo "wrote $out" >&2
if [ "$failures" -gt 0 ]; then echo "error: $failures command(s) failed" >&2; exit 1; fi
