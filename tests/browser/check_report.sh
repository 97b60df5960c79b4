#!/usr/bin/env bash
# Opens a seqsim report page in headless Chromium at desktop and phone width,
# and fails if the page is blank or the browser logs a console error.
# Checks the archetype page (quickstart) and a cohort page (cost-report
# excerpt by state). Set CHECK_REPORT_KEEP=DIR to keep the screenshots.
# Usage: tests/browser/check_report.sh PATH_TO_SEQSIM_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
seqsim=${1:?usage: check_report.sh PATH_TO_SEQSIM_BINARY}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "check_report: chromium is not installed (.ci/run installs Debian's chromium)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$seqsim" run scenarios/quickstart.yaml --paths 2000 --out "$work/results" > /dev/null
"$seqsim" report "$work/results" > /dev/null
# A cohort page too: the 2021 cost-report excerpt, run by state (tile maps).
"$seqsim" import cms-cost-report tests/data/cms/CostReport_2021_excerpt.csv --out "$work/excerpt.csv" > /dev/null
sed -e "s#\.\./policies/#$PWD/policies/#" -e "s#file: cohorts/us_hospitals_2021.csv#file: $work/excerpt.csv#" \
  scenarios/us_hospitals.yaml > "$work/excerpt.yaml"
"$seqsim" run "$work/excerpt.yaml" --by state --paths 300 --out "$work/cohort" > /dev/null
"$seqsim" report "$work/cohort" > /dev/null

shoot() { # shoot NAME WIDTH HEIGHT PAGE
  "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --disable-quic --user-data-dir="$work/profile-$1" \
    --enable-logging=stderr --v=0 --window-size="$2,$3" --screenshot="$work/$1.png" "file://$4" \
    > "$work/$1.log" 2>&1 || { cat "$work/$1.log" >&2; echo "check_report: chromium failed on $1" >&2; exit 1; }
  if grep -E 'CONSOLE|Uncaught' "$work/$1.log" >&2; then
    echo "check_report: console messages on the $1 view" >&2
    exit 1
  fi
  python3 tests/browser/not_blank.py "$work/$1.png"
}

# The detector itself must see a console error: a page that logs one fails.
printf '<!DOCTYPE html><html><body><p>probe</p><script>console.error("probe error")</script></body></html>' > "$work/probe.html"
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$work/profile-probe" --enable-logging=stderr --v=0 \
  --screenshot="$work/probe.png" "file://$work/probe.html" > "$work/probe.log" 2>&1 || true
if ! grep -q 'probe error' "$work/probe.log"; then
  echo "check_report: chromium does not report console errors here; the check would prove nothing" >&2
  exit 1
fi

shoot desktop 1280 3000 "$work/results/report.html"
shoot phone 390 3000 "$work/results/report.html"
shoot cohort-desktop 1280 3000 "$work/cohort/report.html"
shoot cohort-phone 390 3000 "$work/cohort/report.html"
if [ -n "${CHECK_REPORT_KEEP:-}" ]; then
  mkdir -p "$CHECK_REPORT_KEEP" && cp "$work"/*.png "$CHECK_REPORT_KEEP"/
fi
echo "check_report: 4 passed, 0 failed"
