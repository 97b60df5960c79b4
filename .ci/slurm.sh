#!/usr/bin/env bash
# A real Slurm job array: starts a one-node cluster, submits
# deploy/slurm-array.sh as a 4-task array on a bundled scenario, merges the
# shards and checks that every file of the merged run except manifest.json
# (its timestamps and shard list differ) is byte-identical to a single run.
#
#   .ci/slurm.sh PATH_TO_SEQSIM
#
# Debian's slurm-wlm and munge are installed when missing. Everything else is
# private to this script, in one temporary directory: a fresh munge key and
# socket (so a munged already running, or /etc/munge, is neither used nor
# touched), slurm.conf, the spool and state directories, logs, results. The
# cluster listens on two free loopback ports, not on 6817/6818.
#
# Containers: there is no systemd, so the daemons are started directly, each
# in the foreground (-D, -F) as a background job of this script; that way the
# script knows the pid of every process it started and stops exactly those
# on every exit path. No cgroups: proctrack/linuxproc tracks a job's
# processes by parent pid, task/none binds nothing, jobacct_gather/none reads
# no usage, so slurmd needs no cgroup.conf and no cgroup mount.
set -euo pipefail
cd "$(dirname "$0")/.."
seqsim=$(realpath "${1:?usage: .ci/slurm.sh PATH_TO_SEQSIM}")
scenario=scenarios/national.yaml
paths=100000   # the scenario's own count; each shard takes well under a second
shards=4

# The daemons live in /usr/sbin, which a minimal PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
start=$SECONDS
missing=
for tool in slurmctld slurmd sbatch munged mungekey; do
  command -v "$tool" > /dev/null || missing=yes
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Without recommends: 9 packages instead of 42 (the optional plugins pull
  # HDF5, IPMI, ROCm, ...), and none of them is needed here.
  apt-get install -y -qq --no-install-recommends slurm-wlm munge > /dev/null
  echo "slurm: installed slurm-wlm and munge in $((SECONDS - start)) s"
fi

tmp=$(mktemp -d)
mkdir -p "$tmp"/{munge,state,spool,log,results}
# munged refuses a socket in a directory that not everyone may traverse.
chmod 711 "$tmp" "$tmp/munge"
export SLURM_CONF="$tmp/slurm.conf"
node=$(hostname -s)
daemons=() # "name:pid", in start order

# Prints the daemons' and the tasks' logs, then exits with an error.
fail() {
  echo "slurm: error: $*" >&2
  for log in "$tmp"/log/*; do
    [ -f "$log" ] || continue
    echo "--- $log (last 40 lines)" >&2
    tail -n 40 "$log" >&2
  done
  exit 1
}

# Cancels the private cluster's jobs, then stops the daemons this script
# started (newest first), waiting up to 10 s for each before SIGKILL.
cleanup() {
  local status=$? entry pid i
  trap - EXIT
  trap "" INT TERM
  if [ ${#daemons[@]} -ge 2 ] && squeue -h -o %i > "$tmp/left" 2> /dev/null && [ -s "$tmp/left" ]; then
    scancel $(cat "$tmp/left") 2> /dev/null || true
    for _ in $(seq 20); do [ -z "$(squeue -h -o %i 2> /dev/null)" ] && break; sleep 0.5; done
  fi
  # A finished task's slurmstepd can outlive its job by a moment; wait
  # (only wait) for it before slurmd goes.
  for _ in $(seq 50); do pgrep -x slurmstepd > /dev/null || break; sleep 0.1; done
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    entry=${daemons[i]}
    pid=${entry#*:}
    kill -TERM "$pid" 2> /dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2> /dev/null; then
      echo "slurm: ${entry%%:*} (pid $pid) ignored SIGTERM; killing it" >&2
      kill -KILL "$pid" 2> /dev/null || true
    fi
    wait "$pid" 2> /dev/null || true
  done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two free loopback ports (both held open while asked, so they differ).
read -r ctld_port slurmd_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')

# `slurmd -C` prints this machine's CPUs, sockets, cores and RealMemory in
# slurm.conf syntax, exactly as slurmd will report them when it registers
# (a node configured with more memory or CPUs than it has is drained).
hardware=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]* //')
cat > "$SLURM_CONF" << EOF
ClusterName=seqsim-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$tmp/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
MinJobAge=4
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

mungekey --create --keyfile="$tmp/munge/munge.key"
munged --foreground --socket="$tmp/munge/munge.socket" \
  --key-file="$tmp/munge/munge.key" --pid-file="$tmp/munge/munged.pid" \
  --seed-file="$tmp/munge/munge.seed" 2> "$tmp/log/munged.log" &
daemons+=("munged:$!")
for _ in $(seq 50); do [ -S "$tmp/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/munge.socket" ] || fail "munged did not create its socket"

slurmctld -D -i > "$tmp/log/slurmctld.log" 2>&1 &
daemons+=("slurmctld:$!")
slurmd -D -N "$node" > "$tmp/log/slurmd.log" 2>&1 &
daemons+=("slurmd:$!")

# The node is up when slurmctld has its registration and sinfo says idle.
state=
for _ in $(seq 60); do
  for entry in "${daemons[@]}"; do
    kill -0 "${entry#*:}" 2> /dev/null || fail "${entry%%:*} exited while the cluster was starting"
  done
  state=$(sinfo -h -N -n "$node" -o %T 2> /dev/null || true)
  [ "$state" = idle ] && break
  case $state in inval | drain*) fail "slurmctld rejected node $node (sinfo says '$state')" ;; esac
  sleep 1
done
[ "$state" = idle ] || fail "node $node not idle after 60 s (sinfo says '${state:-nothing}')"
sinfo -N -o '%N %P %T %c %m'
echo "slurm: cluster up in $((SECONDS - start)) s"

# The array: deploy/slurm-array.sh as written, with the binary and results
# directory passed the way a user would. Each task asks for 2 CPUs, so on a
# 2-CPU node the 4 tasks run one after another. sbatch --wait returns the
# highest exit code of the array's tasks. Its poll interval grows from 2 s
# to 8 and 32 s (here it returned 30 s after the last task ended) but stays
# under MinJobAge / 2, so that no finished task is purged before it is seen:
# MinJobAge=4 keeps it at 2 s. The completion log keeps every task.
results="$tmp/results"
timeout 300 sbatch --wait --array="0-$((shards - 1))" --output="$tmp/log/task-%A_%a.log" \
  --export="ALL,SEQSIM=$seqsim,RESULTS=$results" \
  deploy/slurm-array.sh "$scenario" "$paths" ||
  fail "the job array failed or timed out (exit $?)"
# jobcomp/filetxt has one line per finished task: its index, state, node,
# times and exit code.
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(ArrayJobId|ArrayTaskId|JobState|NodeList|StartTime|EndTime|ExitCode)=/) printf "%s ", $i; print "" }' \
  "$tmp/log/jobcomp.txt"
[ "$(grep -c 'JobState=COMPLETED' "$tmp/log/jobcomp.txt")" -eq "$shards" ] ||
  fail "expected $shards completed tasks in the job completion log"
echo "slurm: $shards array tasks done at $((SECONDS - start)) s"

"$seqsim" merge "$results"/shard-* --out "$results/merged" > /dev/null
"$seqsim" run "$scenario" --paths "$paths" --out "$results/single" > /dev/null

# Every file both runs wrote (tables in CSV, Parquet and JSON, brief.md,
# charts), not only *.csv; the lists of files must be the same too.
(cd "$results/single" && find . -type f ! -name manifest.json | sort) > "$tmp/single.files"
(cd "$results/merged" && find . -type f ! -name manifest.json | sort) > "$tmp/merged.files"
diff "$tmp/single.files" "$tmp/merged.files" ||
  fail "the merged run and the single run wrote different files"
grep -qx './summary.csv' "$tmp/single.files" || fail "the single run wrote no summary.csv"
differ=0
while read -r file; do
  # evidence.xlsx carries the run record in its Manifest sheet (a merge says
  # it is one, as manifest.json does): its other sheets must be equal cell
  # for cell, checked below.
  [ "$file" = ./evidence.xlsx ] && continue
  cmp "$results/single/$file" "$results/merged/$file" || differ=$((differ + 1))
done < "$tmp/single.files"
if python3 -c 'import openpyxl' 2> /dev/null; then
  python3 - "$results/single/evidence.xlsx" "$results/merged/evidence.xlsx" <<'PY' || differ=$((differ + 1))
import sys
import openpyxl
single, merged = (openpyxl.load_workbook(path, read_only=True) for path in sys.argv[1:3])
if single.sheetnames != merged.sheetnames:
    sys.exit(f"evidence.xlsx sheets differ: {single.sheetnames} vs {merged.sheetnames}")
for name in single.sheetnames:
    if name != "Manifest" and list(single[name].values) != list(merged[name].values):
        sys.exit(f"evidence.xlsx: sheet {name} of the merged run differs from the single run's")
PY
else
  echo "slurm: openpyxl is not installed; evidence.xlsx's sheets were not compared"
fi
[ "$differ" -eq 0 ] || fail "$differ files of the merged run differ from the single run"
echo "slurm: $(wc -l < "$tmp/single.files") files of the merged $shards-task array equal a single run's (byte for byte; evidence.xlsx sheet by sheet but for its run record) ($((SECONDS - start)) s in all)"
