#!/usr/bin/env bash
# The workbench (seqsim serve) in headless Chromium, as a person uses it:
# edit a policy value on /s/national, save, run (2000 paths, seed 7), then
# check the run page's headline against `seqsim run` on the same edit made
# by hand, the downloads (evidence.xlsx against summary.csv, scenario.yaml
# run again with the CLI) and the permalink. tests/browser/check_workbench.py
# drives the browser over the DevTools pipe (Python standard library and
# openpyxl). The server listens on a free loopback port and is always stopped,
# as is the browser.
# Then tests/browser/check_state.py walks a state association's way from the
# front page to Kansas's page, its printed handout and workbook.
# Usage: tests/browser/check_workbench.sh PATH_TO_SEQSIM_BINARY [SCREENSHOT.png [RUN_SCREENSHOT.png
#        [STATE_SCREENSHOT.png [HANDOUT.pdf [FRONT_SCREENSHOT.png]]]]]
# (scripts/docs_screenshots.sh makes every screenshot in docs/ with it)
# SCREENSHOT.png: the edited scenario page, 1280 wide, as docs/workbench.png
# shows it (tests/browser/check_workbench.sh BINARY docs/workbench.png makes
# it again); RUN_SCREENSHOT.png: the whole finished run page.
set -euo pipefail
seqsim=${1:?usage: check_workbench.sh PATH_TO_SEQSIM_BINARY [SCREENSHOT.png [RUN_SCREENSHOT.png [STATE.png [HANDOUT.pdf]]]]}
shot=${2:-}
run_shot=${3:-}
state_shot=${4:-}
handout=${5:-}
front_shot=${6:-}
seqsim=$(realpath "$seqsim")
[ -z "$shot" ] || shot=$(realpath -m "$shot")
[ -z "$run_shot" ] || run_shot=$(realpath -m "$run_shot")
[ -z "$state_shot" ] || state_shot=$(realpath -m "$state_shot")
[ -z "$handout" ] || handout=$(realpath -m "$handout")
[ -z "$front_shot" ] || front_shot=$(realpath -m "$front_shot")
cd "$(dirname "$0")/../.."
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "check_workbench: chromium is not installed (.ci/run installs Debian's chromium)" >&2
  exit 1
fi
if ! python3 -c 'import openpyxl' 2> /dev/null; then
  echo "check_workbench: python3 cannot import openpyxl (pip install openpyxl==3.1.5)" >&2
  exit 1
fi

work=$(mktemp -d)
server=""
check=""
stop() { # stop PID: SIGTERM, then SIGKILL after 10 s
  kill -TERM "$1" 2> /dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2> /dev/null || true
  wait "$1" 2> /dev/null || true
}
cleanup() {
  # The check first: it closes its browser when it gets SIGTERM.
  [ -z "$check" ] || stop "$check"
  [ -z "$server" ] || stop "$server"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$seqsim" serve --bind 127.0.0.1:0 scenarios > "$work/server.log" 2>&1 &
server=$!
url=""
for _ in $(seq 200); do
  url=$(sed -n 's|^seqsim serve: listening on \(http://127\.0\.0\.1:[0-9]*/\)$|\1|p' "$work/server.log")
  [ -n "$url" ] && break
  if ! kill -0 "$server" 2> /dev/null; then
    cat "$work/server.log" >&2
    echo "check_workbench: the server did not start" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  cat "$work/server.log" >&2
  echo "check_workbench: the server did not say where it listens within 20 s" >&2
  exit 1
fi

# In the background so that a signal reaches the trap at once; `wait` gives its status.
python3 tests/browser/check_workbench.py --url "$url" --seqsim "$seqsim" --chromium "$browser" \
  --work "$work" ${shot:+--screenshot "$shot"} ${run_shot:+--run-screenshot "$run_shot"} &
check=$!
status=0
wait "$check" || status=$?
check=""
# Then a state association's walk: front page, Kansas, its page, the
# printed handout and the workbook, checked against `seqsim run --by state`.
if [ "$status" -eq 0 ]; then
  python3 tests/browser/check_state.py --url "$url" --seqsim "$seqsim" --chromium "$browser" \
    --work "$work" ${state_shot:+--screenshot "$state_shot"} ${handout:+--pdf "$handout"} \
    ${front_shot:+--front-screenshot "$front_shot"} &
  check=$!
  wait "$check" || status=$?
  check=""
fi
if [ "$status" -ne 0 ]; then
  echo "check_workbench: the server's log:" >&2
  sed 's/^/  /' "$work/server.log" >&2
fi
exit "$status"
