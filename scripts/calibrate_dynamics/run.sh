#!/bin/sh
# The calibration of MODEL.md v1.3's dynamics behind the bundled scenarios'
# driver spreads, noise and cost responses (docs/methodology.md 8.4): a
# simulated-method-of-moments fit on the hospitals in all three bundled
# cohorts (2017, 2019, 2021 releases), its standard errors, coverage and
# lasting-level checks, and the report. Deterministic seeds, one core,
# about 12-15 minutes.
#
# Usage (from anywhere): scripts/calibrate_dynamics/run.sh [OUT]
#   OUT defaults to ./calibrate-dynamics; the report is OUT/report.md.
# This is the prototype of `seqsim calibrate` on three releases (issue 26),
# kept so every fitted number in the scenarios can be reproduced.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-calibrate-dynamics}
mkdir -p "$out"
cd "$out"
export OPENBLAS_NUM_THREADS=1 PYTHONPATH="$here"
python3 -c "import numpy, scipy" 2> /dev/null || python3 -m pip install --quiet numpy scipy
python3 "$here/panel.py" > observed_moments.txt   # panel and observed moments
python3 "$here/fit.py" > log_fit.txt              # SMM fits -> results_<group>.json
python3 "$here/se.py" > log_se.txt                # sandwich standard errors, restart check -> se.json
python3 "$here/predict.py" > log_predict.txt      # coverage, PIT, lasting level -> predict.json
python3 "$here/report.py"                         # -> report_body.md
cat "$here/RESULTS.md" report_body.md > report.md
echo "wrote $(pwd)/report.md"
