#!/usr/bin/env bash
# Same bits everywhere (issue 18): runs the golden runs of
# tests/golden/hashes.txt under the conditions that used to move last bits,
# and checks the results against the committed hashes (tests/golden.rs checks
# the plain run on one and two threads, the baseline kernel and shards):
#   1. glibc told to avoid its FMA and AVX2 code paths
#      (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA, the syntax of glibc 2.33 and
#      later; the script shows with `ld.so --list-diagnostics` whether it took);
#   2. the engine's baseline kernel instead of its AVX build (SEQSIM_KERNEL=baseline);
#   3. code generated for this CPU (RUSTFLAGS="-C target-cpu=native": AVX2,
#      FMA, ...), in its own cached target directory ~/.cache/seqsim-native-target
#      (or $SEQSIM_NATIVE_TARGET_DIR). By default this builds the library
#      without the command line (no polars: about 3 minutes cold, seconds
#      warm) and checks the `engine` hashes, the engine's results before any
#      table is written. SEQSIM_GOLDEN_NATIVE=full builds the whole binary
#      natively instead and checks the tables (measured here: 27.5 minutes
#      cold, as polars is compiled again).
#
# Usage (from anywhere):
#   .ci/golden-variants.sh SEQSIM      check; SEQSIM is the release binary to test
#   .ci/golden-variants.sh --update SEQSIM
#                                      rewrite tests/golden/hashes.txt from SEQSIM's
#                                      tables and the engine test's hashes (for a
#                                      deliberate change of the bits)
set -euo pipefail
cd "$(dirname "$0")/.."

update=false
if [ "${1:-}" = "--update" ]; then
  update=true
  shift
fi
seqsim=${1:?usage: .ci/golden-variants.sh [--update] SEQSIM}
hashes=tests/golden/hashes.txt
engine_test=engine::tests::golden_runs_have_their_committed_engine_hash
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The runs: distinct (scenario, seed, paths) triples, in file order.
runs() {
  grep -v '^#' "$hashes" | awk 'NF == 5 { print $1, $2, $3 }' | uniq
}

# The table files of a run and their hashes: FILE SHA256 lines.
tables() {
  grep -v '^#' "$hashes" | awk -v s="$1" -v d="$2" -v p="$3" \
    '$1 == s && $2 == d && $3 == p && $4 != "engine" { print $4, $5 }'
}

# run BINARY OUT SCENARIO SEED PATHS [ENV=VALUE...]: one quiet `seqsim run`.
run() {
  local binary=$1 out=$2 scenario=$3 seed=$4 paths=$5
  shift 5
  env "$@" "$binary" run "$scenario" --seed "$seed" --paths "$paths" --threads 2 \
    --out "$out" --force > /dev/null
}

if $update; then
  # The engine test prints each run's hash as its hashes.txt line (and fails
  # when they differ from the committed ones, which is why we are here).
  cargo test --release --locked --lib "$engine_test" -- --nocapture > "$work/engine.log" 2>&1 || true
  {
    sed -n '/^#/p' "$hashes"
    runs | while read -r scenario seed paths; do
      line=$(sed -n "s|^golden-engine: \($scenario $seed $paths engine [0-9a-f]*\)$|\1|p" "$work/engine.log")
      if [ -z "$line" ]; then
        echo "golden: the engine test printed no hash for $scenario $seed $paths:" >&2
        cat "$work/engine.log" >&2
        exit 1
      fi
      echo "$line"
      run "$seqsim" "$work/out" "$scenario" "$seed" "$paths"
      tables "$scenario" "$seed" "$paths" | while read -r file _; do
        echo "$scenario $seed $paths $file $(sha256sum "$work/out/$file" | cut -d' ' -f1)"
      done
    done
  } > "$work/hashes.txt"
  mv "$work/hashes.txt" "$hashes"
  echo "golden: rewrote $hashes from $seqsim and the engine test"
  exit 0
fi

failures=0
# check LABEL BINARY [ENV=VALUE...]: every golden run, every table, against its hash.
check() {
  local label=$1 binary=$2
  shift 2
  local bad=0
  while read -r scenario seed paths; do
    run "$binary" "$work/out" "$scenario" "$seed" "$paths" "$@"
    while read -r file want; do
      got=$(sha256sum "$work/out/$file" | cut -d' ' -f1)
      if [ "$got" != "$want" ]; then
        echo "golden: $label: $scenario seed $seed, $paths paths: $file is $got, committed $want"
        bad=$((bad + 1))
      fi
    done < <(tables "$scenario" "$seed" "$paths")
  done < <(runs)
  if [ "$bad" -eq 0 ]; then
    echo "golden: $label: every table has its committed hash"
  fi
  failures=$((failures + bad))
}

check "default" "$seqsim"

# 1. glibc without its FMA/AVX2 code.
tunable="glibc.cpu.hwcaps=-AVX2,-FMA"
ldso=$(ls /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1 2> /dev/null | head -n 1 || true)
if [ -n "$ldso" ] && "$ldso" --list-diagnostics > /dev/null 2>&1; then
  active() { env "$@" "$ldso" --list-diagnostics | grep -E 'cpu_features.*active' || true; }
  if [ "$(active)" != "$(active GLIBC_TUNABLES="$tunable")" ]; then
    echo "golden: GLIBC_TUNABLES=$tunable switches CPU features off in glibc here"
  else
    echo "golden: GLIBC_TUNABLES=$tunable changes nothing on this CPU (it lacks FMA/AVX2, or is not x86-64)"
  fi
fi
check "GLIBC_TUNABLES=$tunable" "$seqsim" GLIBC_TUNABLES="$tunable"

# 2. The baseline kernel.
check "SEQSIM_KERNEL=baseline" "$seqsim" SEQSIM_KERNEL=baseline

# 3. Code generated for this CPU.
native_target=${SEQSIM_NATIVE_TARGET_DIR:-$HOME/.cache/seqsim-native-target}
# This crate is rebuilt from this checkout, as in .ci/run: a build from
# another checkout sharing the cache would otherwise count as fresh.
CARGO_TARGET_DIR="$native_target" cargo clean --release -p seqsim --quiet
start=$(date +%s)
case "${SEQSIM_GOLDEN_NATIVE:-engine}" in
  engine)
    if RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR="$native_target" \
      cargo test --release --locked --no-default-features --lib "$engine_test" > "$work/native.log" 2>&1; then
      echo "golden: -C target-cpu=native (library, $(($(date +%s) - start)) s): every engine hash is the committed one"
    else
      cat "$work/native.log"
      echo "golden: -C target-cpu=native: the engine's results differ from the committed hashes"
      failures=$((failures + 1))
    fi
    ;;
  full)
    RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR="$native_target" \
      cargo build --release --locked --quiet --bin seqsim
    echo "golden: the -C target-cpu=native binary took $(($(date +%s) - start)) s to build"
    check "-C target-cpu=native" "$native_target/release/seqsim"
    ;;
  *)
    echo "golden: SEQSIM_GOLDEN_NATIVE must be engine or full" >&2
    exit 2
    ;;
esac

if [ "$failures" -ne 0 ]; then
  echo "golden: results differ from tests/golden/hashes.txt (see tests/golden.rs on regenerating)"
  exit 1
fi
