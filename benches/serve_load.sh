#!/usr/bin/env bash
# Load test of the workbench: starts `seqsim serve` on a free loopback port
# with the bundled scenarios/, runs benches/serve_load.py against it (20
# clients at once, each a run of `national` at 10,000 paths with its own
# seed, then the same 20 again to exercise the run cache), prints wall time,
# latencies, runs per second and the server's peak memory, then stops the
# server. Exits non-zero if any check fails or the server does not start.
# Builds nothing: SEQSIM names the binary (default
# ${CARGO_TARGET_DIR:-target}/release/seqsim). Other arguments go to
# serve_load.py (e.g. --no-cache-wave, --clients N); SEQSIM_SERVE_ARGS adds
# server options (e.g. "--max-runs 2").
#
# Usage (from anywhere): benches/serve_load.sh [serve_load.py options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seqsim=${SEQSIM:-${CARGO_TARGET_DIR:-$root/target}/release/seqsim}
case $seqsim in /*) ;; *) seqsim=$PWD/$seqsim ;; esac
cd "$root"

if [ ! -x "$seqsim" ]; then
  echo "serve_load: no seqsim binary at $seqsim (build it with cargo build --release, or set SEQSIM)" >&2
  exit 2
fi

# The server keeps its runs' results under $TMPDIR for its life and removes
# them when stopped by SIGTERM (not by SIGKILL): give it a directory of its
# own, removed here whatever happened.
work=$(mktemp -d)
mkdir "$work/tmp"
pid=
client=
stop() {
  status=$?
  if [ -n "$client" ]; then kill "$client" 2> /dev/null || true; fi
  if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC2086 # SEQSIM_SERVE_ARGS is split on purpose
TMPDIR="$work/tmp" "$seqsim" serve --bind 127.0.0.1:0 scenarios ${SEQSIM_SERVE_ARGS:-} > "$work/server.log" 2>&1 &
pid=$!

url=
for _ in $(seq 300); do
  url=$(sed -nE 's|^seqsim serve: listening on (http://[^ ]+/)$|\1|p' "$work/server.log")
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2> /dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "serve_load: the server did not start; its output:" >&2
  sed 's/^/  /' "$work/server.log" >&2
  exit 1
fi
echo "serve_load: $("$seqsim" --version 2>/dev/null || echo seqsim) serving scenarios/ at $url (process $pid)"

# In the background and waited for, so that a signal to this script stops it
# (and the server) at once rather than when the test ends.
code=0
python3 benches/serve_load.py --url "$url" --pid "$pid" "$@" &
client=$!
wait "$client" || code=$?
client=

results=$(du -sk "$work/tmp" | cut -f1)
echo "serve_load: the server's results directory holds $((results / 1024)) MB"
if ! kill -0 "$pid" 2> /dev/null; then
  echo "serve_load: FAIL: the server is no longer running; its output:" >&2
  sed 's/^/  /' "$work/server.log" >&2
  exit 1
fi
# SIGTERM stops the server, which removes its results directory.
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2> /dev/null; then
  echo "serve_load: FAIL: the server did not stop within 10 s of SIGTERM" >&2
  exit 1
fi
wait "$pid" 2> /dev/null || true
pid=
if [ -n "$(ls -A "$work/tmp")" ]; then
  echo "serve_load: FAIL: the stopped server left $(ls "$work/tmp") behind" >&2
  exit 1
fi
if [ -s "$work/server.log" ] && grep -qvE '^seqsim serve: (listening on|stopped)' "$work/server.log"; then
  echo "serve_load: the server's output:"
  sed 's/^/  /' "$work/server.log"
fi
exit "$code"
