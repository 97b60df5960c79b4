#!/usr/bin/env bash
# Makes the screenshots in docs/ from a real browser walk (tests/browser/
# check_workbench.sh, which also checks every figure against the CLI):
# docs/workbench.png (an edited scenario), docs/workbench-front.png (the
# front page), docs/state-page-ks.png (Kansas's page) and
# docs/state-handout.png (its printed handout: the two PDF pages side by
# side, rendered with PyMuPDF, installed on demand).
# Usage: scripts/docs_screenshots.sh PATH_TO_SEQSIM_BINARY
set -euo pipefail
seqsim=$(realpath "${1:?usage: scripts/docs_screenshots.sh PATH_TO_SEQSIM_BINARY}")
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests/browser/check_workbench.sh "$seqsim" docs/workbench.png "$work/run.png" docs/state-page-ks.png \
  "$work/handout.pdf" docs/workbench-front.png
python3 -c 'import pymupdf' 2> /dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore pymupdf==2.0
python3 - "$work/handout.pdf" docs/state-handout.png <<'PY'
import sys
import pymupdf

pdf = pymupdf.open(sys.argv[1])
pages = [page.get_pixmap(dpi=72) for page in pdf]
gap = 16
width = sum(p.width for p in pages) + gap * (len(pages) + 1)
height = max(p.height for p in pages) + 2 * gap
sheet = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, width, height), False)
sheet.clear_with(200)
x = gap
for page in pages:
    page.set_origin(x, gap)
    sheet.copy(page, page.irect)
    x += page.width + gap
sheet.save(sys.argv[2])
print(f"docs_screenshots: {len(pages)} handout pages -> {sys.argv[2]}")
PY
