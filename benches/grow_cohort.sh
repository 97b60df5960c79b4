#!/usr/bin/env bash
# Writes DIR/scenarios/us_hospitals.yaml: scenarios/us_hospitals.yaml with
# its cohort table grown to FACILITIES rows (issue 18's 6,000-facility size)
# by repeating the rows in order with new ids (`ccn_111333` becomes
# `ccn_111333_r2`, ...); every repeated hospital draws its own paths. The
# policies are linked, not copied. Used by cohort_speed.sh and
# against_filing.sh.
#
# Usage: benches/grow_cohort.sh DIR FACILITIES
set -euo pipefail
mkdir -p "$1"
dir=$(cd "$1" && pwd)
facilities=$2
cd "$(dirname "$0")/.."
table=scenarios/cohorts/us_hospitals_2021.csv
mkdir -p "$dir/scenarios/cohorts"
ln -sfn "$PWD/policies" "$dir/policies"
cp scenarios/us_hospitals.yaml "$dir/scenarios/us_hospitals.yaml"
cp "${table%.csv}.import.json" "$dir/scenarios/cohorts/"
# Comment lines and header as they are, then the rows again and again
# until there are FACILITIES; copies after the first get `_rN` ids.
awk -v want="$facilities" '
  /^#/ { print; next }
  !header { print; header = 1; next }
  { rows[++n] = $0 }
  END {
    for (i = 0; i < want; i++) {
      row = rows[i % n + 1]
      round = int(i / n) + 1
      if (round > 1) sub(/^[^,]*/, "&_r" round, row)
      print row
    }
  }' "$table" >"$dir/scenarios/cohorts/us_hospitals_2021.csv"
