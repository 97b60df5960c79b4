#!/usr/bin/env bash
# Runs a seqsim scenario as a Slurm job array of K shards, then merges them.
#
#   sbatch --array=0-15 deploy/slurm-array.sh scenarios/national.yaml 100000000
#   # when every task has finished:
#   seqsim merge "$RESULTS"/shard-* --out "$RESULTS"/final
#
# RESULTS must be on storage every node sees (NFS, Lustre, a shared bucket
# mount). Every task runs the same scenario, seed and path count; only its
# shard index differs, so the merged tables equal a single-machine run.
# SEQSIM names the seqsim binary when it is not on the nodes' PATH:
#
#   sbatch --array=0-15 --export=ALL,SEQSIM=/opt/seqsim/bin/seqsim,RESULTS=/shared/nat \
#     deploy/slurm-array.sh scenarios/national.yaml 100000000
#SBATCH --job-name=seqsim
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=seqsim-%A_%a.log
set -euo pipefail

scenario=${1:?usage: sbatch --array=0-(K-1) slurm-array.sh SCENARIO PATHS}
paths=${2:?usage: sbatch --array=0-(K-1) slurm-array.sh SCENARIO PATHS}
seqsim=${SEQSIM:-seqsim}
results=${RESULTS:-/shared/seqsim/$(basename "$scenario" .yaml)}
count=${SLURM_ARRAY_TASK_COUNT:?submit as a job array: sbatch --array=0-(K-1)}
index=${SLURM_ARRAY_TASK_ID:?submit as a job array}

"$seqsim" run "$scenario" --paths "$paths" --shard "$index/$count" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --out "$results/shard-$index" --force
