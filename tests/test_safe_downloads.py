"""Downloads are safe to open in Excel: text that looks like a formula is neutralised, numbers are not."""

import io

import openpyxl
import pandas as pd

from indicators import tables

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain", "a=b"]


def test_csv_neutralises_formula_text_but_not_numbers():
    df = pd.DataFrame({"note": HOSTILE, "value": [-5.0, 1.0, -2.5, 3, 4, 5, 6, 7]})
    out = pd.read_csv(io.StringIO(tables.to_csv(df)), keep_default_na=False)
    assert out["note"].tolist() == ["'" + h for h in HOSTILE[:6]] + ["plain", "a=b"]
    assert out["value"].tolist() == [-5.0, 1.0, -2.5, 3, 4, 5, 6, 7]


def test_xlsx_cells_are_text_not_formulas():
    df = pd.DataFrame({"=note": HOSTILE, "value": list(range(-4, 4))})
    wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(df)))
    ws = wb.active
    assert ws["A1"].value == "'=note"
    assert [ws.cell(row=r, column=1).value for r in range(2, 10)] == ["'" + h for h in HOSTILE[:6]] + ["plain", "a=b"]
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 10))
    assert [ws.cell(row=r, column=2).value for r in range(2, 10)] == list(range(-4, 4))


def test_missing_values_stay_missing():
    out = tables.safe(pd.DataFrame({"note": ["=x", None]}))
    assert out["note"].tolist()[0] == "'=x" and pd.isna(out["note"].tolist()[1])
