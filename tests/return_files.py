"""Spreadsheets made the way council and NHS returns are made, for the reader's tests and the browser test."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

TITLE = "SALT quarterly return Q2 2026-27"
NOTE = "Notes: July and August figures are provisional until the quarter closes."


def salt_workbook(values=(0.835, 0.7804), *, extra_sheet_first: bool = False) -> bytes:
    """A SALT lead's workbook: a merged title cell in row 1, a blank row 2, the header in row 3, two figures in
    percentage-formatted cells (one indicator by id for September 2026, one by its name for August 2026 as an Excel date), a blank row and a notes row
    at the foot. With `extra_sheet_first`, a cover sheet without a header comes before it."""
    wb = openpyxl.Workbook()
    if extra_sheet_first:
        cover = wb.active
        cover.title = "Cover"
        cover["A1"] = "Read me: the figures are on the next sheet"
        ws = wb.create_sheet("Q2 return")
    else:
        ws = wb.active
        ws.title = "Q2 return"
    ws["A1"] = TITLE
    ws.merge_cells("A1:E1")
    ws["A3"], ws["B3"], ws["C3"], ws["D3"], ws["E3"] = "Indicator", "Area", "Period", "Value", "Note"
    ws.append(["salt_seen_6wk", "County Durham", "2026-09", values[0], ""])
    ws.append(
        ["SALT routine referrals seen and assessed within 6 weeks", "County Durham", dt.datetime(2026, 8, 1), values[1], ""]
    )
    for row in (4, 5):
        ws.cell(row, 4).number_format = "0.0%"
    ws["A7"] = NOTE
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
