#!/usr/bin/env bash
# Reads the output of `seqsim run --stats` on stdin and prints its stats line
# as "SECONDS EVALUATIONS MB COPIED": whole-process wall time, logical
# evaluations, peak RSS, and the percentage copied from identical policies
# (0 when the line gives none, as engines before copying did). Prints
# nothing when there is no stats line. Used by every script in benches/ that
# times runs.
exec awk '
  /^stats: / {
    evaluations = $2
    seconds = ""; rss = ""; copied = 0
    if (match($0, /total [0-9.]+ s;/)) seconds = substr($0, RSTART + 6, RLENGTH - 9)
    if (match($0, /peak RSS [0-9.]+ MB/)) rss = substr($0, RSTART + 9, RLENGTH - 12)
    if (match($0, /\([0-9.]+% saved\)/)) copied = substr($0, RSTART + 1, RLENGTH - 9)
    if (seconds != "" && rss != "") print seconds, evaluations, rss, copied
  }'
