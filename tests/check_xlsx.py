"""evidence.xlsx read by openpyxl, as Python users and LibreOffice read it:
sheet names, a frozen filterable header, numbers stored as numbers with
percent and dollar formats, equal to summary.csv's values.

Usage: python3 tests/check_xlsx.py RESULTS_DIR
"""

import csv
import sys
from pathlib import Path

import openpyxl


def main() -> int:
    out = Path(sys.argv[1])
    book = openpyxl.load_workbook(out / "evidence.xlsx")
    expected = ["Headline", "Summary", "Compare", "National", "Sources", "Manifest"]
    assert book.sheetnames == expected, book.sheetnames
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", (sheet.title, sheet.freeze_panes)
        assert sheet.auto_filter.ref, f"{sheet.title} has no autofilter"
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    with open(out / "summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert summary.max_row - 1 == len(rows), (summary.max_row, len(rows))
    checked = 0
    for cells, row in zip(summary.iter_rows(min_row=2), rows):
        for name, cell in zip(header, cells):
            if name in ("practice", "kind", "policy"):
                assert cell.data_type == "s" and cell.value == row[name], (name, cell.value)
            elif row[name] != "":
                assert cell.data_type == "n", (name, cell.value, cell.data_type)
                assert cell.value == float(row[name]), (name, cell.value, row[name])
                checked += 1
    margin = header.index("margin_mean")
    cut = header.index("cut_cum_mean")
    assert summary.cell(row=2, column=margin + 1).number_format == "0.00%"
    assert summary.cell(row=2, column=cut + 1).number_format == "$#,##0"
    print(f"check_xlsx: {len(book.sheetnames)} sheets, {checked} summary numbers equal summary.csv's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
