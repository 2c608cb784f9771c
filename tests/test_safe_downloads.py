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


def test_templates_are_safe_downloads_too(tmp_path, empty_conn):
    """An indicator named like a formula (the name is in the template for the person filling it in) is text in the
    CSV and the Excel template, and the filled-in template still loads."""
    import yaml

    from indicators import config, uploads
    from tests.conftest import ADMIN, ROOT

    raw = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text(encoding="utf-8"))
    evil = '=HYPERLINK("http://127.0.0.1:9/x","Click")'
    next(i for i in raw["indicators"] if i["id"] == "ehcp_20wk")["name"] = evil
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    cfg = config.load(path)
    df = uploads.template_rows(empty_conn, cfg, "E06000047", ADMIN, "ehcp_20wk")
    # One row per period due (the periods due and missing in the last two years), each naming the indicator.
    assert len(df) >= 1 and set(df["indicator_name"]) == {evil}
    csv_text = uploads.template_csv(df)
    assert '\r\nehcp_20wk,"\'=HYPERLINK(""http' in csv_text  # starts with an apostrophe: text in Excel
    shown = pd.read_csv(io.StringIO(csv_text), keep_default_na=False)
    assert set(shown["indicator_name"]) == {"'" + evil}
    book = openpyxl.load_workbook(io.BytesIO(uploads.template_xlsx(df, cfg)))
    ws = book["figures"]
    assert ws["B2"].value == "'" + evil and ws["B2"].data_type == "s"
    # No sheet of the workbook (figures, notes, the drop-down lists) holds a live formula.
    live = [(s.title, c.coordinate) for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    assert live == []
    assert any(c.value == "'" + evil for s in book.worksheets for r in s.iter_rows() for c in r if s.title != "figures")
    filled = shown.assign(value="80")
    preview = uploads.check(empty_conn, cfg, filled.to_csv(index=False).encode(), "template.csv", ADMIN)
    assert preview.result.ok and preview.counts["new"] == len(df)
