"""A lead's own spreadsheet: the header found under title and blank rows, merged title cells and notes rows ignored
and said, row numbers kept as the spreadsheet shows them, indicators named by name, the sheet holding the header."""

import datetime as dt
import io

import openpyxl
import pytest

from indicators import returns, store, uploads
from tests.conftest import ADMIN, lead
from tests.return_files import salt_workbook

TODAY = dt.date(2026, 11, 22)


def check(conn, cfg, data: bytes, name: str, **kw):
    return uploads.check(conn, cfg, data, name, ADMIN, today=TODAY, **kw)


def test_workbook_with_title_blank_row_merged_cell_and_notes_row_is_read(empty_conn, cfg):
    p = check(empty_conn, cfg, salt_workbook(), "salt.xlsx")
    assert p.result.ok, [str(x) for x in p.result.problems]
    assert p.result.rows[["indicator_id", "period", "value"]].values.tolist() == [
        ["salt_seen_6wk", "2026-09", 83.5],
        ["salt_seen_6wk", "2026-08", 78.04],
    ]
    assert p.result.table.notes == [
        'Header found in row 3; rows 1–2 ignored (row 1 "SALT quarterly return Q2 2026-27"; row 2 blank).'
    ]
    lines = uploads.summary_lines(p)
    assert "Skipped 1 rows with no figure (every value cell empty)." in lines  # the notes row at the foot


def test_problems_keep_the_spreadsheets_row_numbers(empty_conn, cfg):
    p = check(empty_conn, cfg, salt_workbook(values=(0.835, "lots")), "salt.xlsx")
    assert [str(x) for x in p.result.problems] == [
        'row 5, column value: "lots" is not a number; give a number such as 91.5, 91% or 1,234, or a suppression marker (c, x, z, low, u or ..)'
    ]


def test_csv_with_title_rows_above_the_header(empty_conn, cfg):
    data = b"SALT quarterly return Q2 2026-27,,,\n,,,\nindicator,area,period,value\nsalt_seen_6wk,E06000047,2026-09,84\nsalt_seen_6wk,E06000047,2026-08,lots\n"
    p = check(empty_conn, cfg, data, "salt.csv")
    assert [str(x) for x in p.result.problems] == [
        'row 5, column value: "lots" is not a number; give a number such as 91.5, 91% or 1,234, or a suppression marker (c, x, z, low, u or ..)'
    ]
    assert p.result.table.notes == [
        'Header found in row 3; rows 1–2 ignored (row 1 "SALT quarterly return Q2 2026-27"; row 2 blank).'
    ]


def test_csv_with_the_header_in_row_1_says_nothing_about_it(empty_conn, cfg):
    p = check(empty_conn, cfg, b"indicator,area,period,value\nsalt_seen_6wk,E06000047,2026-09,84\n", "salt.csv")
    assert p.result.ok and p.result.table.notes == []


def test_no_header_in_the_first_20_rows_is_said_of_row_1_as_before(empty_conn, cfg):
    data = b"title,,,\n" * 20 + b"indicator,area,period,value\nsalt_seen_6wk,E06000047,2026-09,84\n"
    p = check(empty_conn, cfg, data, "late.csv")
    assert str(p.result.problems[0]).startswith("row 1, column title: is not a column the loader knows")


def test_indicator_names_as_columns_of_the_wide_layout(empty_conn, cfg):
    data = (
        b"Area,Period,SALT routine referrals seen and assessed within 6 weeks,SALT treated within 12 weeks of assessment\n"
        b"County Durham,2026-09,84%,93%\n"
    )
    p = check(empty_conn, cfg, data, "wide.csv")
    assert p.result.ok and p.result.layout == "wide"
    assert sorted(p.result.rows[["indicator_id", "value"]].values.tolist()) == [
        ["salt_seen_6wk", 84.0],
        ["salt_treated_12wk", 93.0],
    ]


def test_unknown_indicator_suggestion_searches_names(empty_conn, cfg):
    p = check(empty_conn, cfg, b"indicator,area,period,value\nChildren seen within 6 weeks,E06000047,2026-09,84\n", "s.csv")
    assert [str(x) for x in p.result.problems] == [
        'row 2, column indicator: "Children seen within 6 weeks" is not a known indicator id; did you mean "salt_seen_6wk" '
        "(SALT routine referrals seen and assessed within 6 weeks)? (see the About the indicators page for the ids)"
    ]


def test_the_sheet_holding_the_header_is_read_or_the_one_picked(empty_conn, cfg):
    data = salt_workbook(extra_sheet_first=True)
    assert returns.sheet_names(data) == ["Cover", "Q2 return"]
    p = check(empty_conn, cfg, data, "salt.xlsx")
    assert p.result.ok and 'Sheet "Q2 return" read.' in p.result.table.notes
    picked = check(empty_conn, cfg, data, "salt.xlsx", sheet="Cover")
    assert not picked.result.ok
    wrong = check(empty_conn, cfg, data, "salt.xlsx", sheet="Q3")
    assert [str(x) for x in wrong.result.problems] == ['salt.xlsx has no sheet called "Q3"; its sheets are Cover, Q2 return']


# ---------------------------------------------------------------- slips: warnings to confirm, refused by the store


def test_a_percentage_typed_as_a_fraction_is_a_warning_the_store_refuses_unconfirmed(conn, cfg):
    # salt_seen_6wk for County Durham: its last six figures in the sample are 77-79%.
    data = b"indicator,area,period,value\nsalt_seen_6wk,E06000047,2026-09,0.8\n"
    p = check(conn, cfg, data, "salt.csv")
    assert p.result.ok
    assert [str(w) for w in p.warnings] == [
        "row 2, column value: 0.8 — did you mean 80%? SALT routine referrals seen and assessed within 6 weeks for "
        "County Durham in September 2026 is a percentage, and its last 6 figures were 77–79%. Correct it, or confirm it "
        "if 0.8% is right"
    ]
    before = store.table_snapshot(conn)
    with pytest.raises(
        store.UnconfirmedSlips, match="1 figure.s. look mistyped and were not confirmed .salt_seen_6wk, E06000047, 2026-09: 0.8."
    ):
        uploads.commit(conn, p, ADMIN)
    # Straight to the store, as any caller could: refused there too.
    with pytest.raises(store.UnconfirmedSlips):
        store.write_observations(conn, p.to_write, access=ADMIN, kind="upload")
    assert store.table_snapshot(conn) == before
    written = uploads.commit(conn, p, ADMIN, confirmed=True)
    assert written.new == 1 and store.value_at(conn, "salt_seen_6wk", "E06000047", "2026-09") == 0.8


def test_a_count_ten_times_too_small_is_a_warning(conn, cfg):
    recent = conn.execute(
        "SELECT min(value), max(value) FROM (SELECT value FROM observations WHERE indicator_id = 'asd_waiting_list' "
        "AND area_code = 'E06000047' ORDER BY period_start DESC LIMIT 6)"
    ).fetchone()
    small = round(recent[0] / 10)
    p = check(conn, cfg, f"indicator,area,period,value\nasd_waiting_list,E06000047,2026-09,{small}\n".encode(), "asd.csv")
    (w,) = p.warnings
    assert w.message.startswith(f"{small} is a tenth or less of the recent range — Children waiting for an autism (ASD)")
    assert f"did you mean {small * 10}?" in w.message
    with pytest.raises(store.UnconfirmedSlips):
        uploads.commit(conn, p, ADMIN)


def test_a_figure_in_its_usual_range_is_no_warning(conn, cfg):
    p = check(conn, cfg, b"indicator,area,period,value\nsalt_seen_6wk,E06000047,2026-09,80\n", "salt.csv")
    assert p.warnings == [] and uploads.commit(conn, p, ADMIN).new == 1


# ---------------------------------------------------------------- their own indicators: templates


def test_a_leads_template_holds_only_their_indicators_and_the_periods_due_in_two_years(conn, cfg):
    salt = lead("salt_seen_6wk", "salt_treated_12wk", name="salt.lead@nhs.net")
    t = uploads.template_rows(conn, cfg, "E06000047", salt, today=dt.date(2027, 3, 10))
    # The sample holds both series to August 2026; September to January were due by 10 March 2027.
    assert t[["indicator", "period"]].values.tolist() == [
        [ind, month]
        for ind in ("salt_seen_6wk", "salt_treated_12wk")
        for month in ("2026-09", "2026-10", "2026-11", "2026-12", "2027-01")
    ]
    # An annual series never loaded for Redcar and Cleveland asks for two years of figures at most, never 2014.
    senco = uploads.template_rows(conn, cfg, "E06000003", ADMIN, "senco_network_schools", today=dt.date(2026, 11, 22))
    assert senco["period"].tolist() == ["2024-25", "2025-26"]


def test_the_excel_template_has_a_frozen_header_drop_downs_and_a_notes_sheet(conn, cfg):
    salt = lead("salt_seen_6wk", "salt_treated_12wk", name="salt.lead@nhs.net")
    t = uploads.template_rows(conn, cfg, "E06000047", salt, today=dt.date(2027, 3, 10))
    wb = openpyxl.load_workbook(io.BytesIO(uploads.template_xlsx(t, cfg)))
    assert wb.sheetnames == ["figures", "notes", "lists"] and wb["lists"].sheet_state == "hidden"
    ws = wb["figures"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == uploads.TEMPLATE_COLUMNS
    assert ws.column_dimensions["B"].width == 50 and ws.column_dimensions["J"].width == 40
    lists = wb["lists"]
    got = {}
    for dv in ws.data_validations.dataValidation:
        column = str(dv.sqref).split(":")[0].rstrip("0123456789")
        sheet_range = dv.formula1.split("!")[1].replace("$", "")
        got[column] = [c.value for row in lists[sheet_range] for c in row]
        assert dv.type == "list" and str(dv.sqref) == f"{column}2:{column}{len(t) + 51}"
    assert got == {
        "A": ["salt_seen_6wk", "salt_treated_12wk"],
        "D": ["E06000047", "E06000003"],
        "E": ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"],
    }
    notes = wb["notes"]
    header = [c.value for c in notes[4]]
    assert header == ["indicator", "name", "definition", "unit", "period format", "example period", "example value"]
    first = dict(zip(header, [c.value for c in notes[5]]))
    assert first["indicator"] == "salt_seen_6wk" and first["definition"] == cfg.by_id["salt_seen_6wk"].definition
    assert first["unit"] == "% (whole numbers)" and first["period format"] == 'month: "2024-06" or "Jun 2024"'
    assert first["example period"] == "2026-06" and first["example value"] == "83.5 (or 83.5%)"
    # No cell of any sheet is a live formula.
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))), cell.coordinate
    # Filled in and uploaded, it loads: the figures sheet is the one read.
    filled = t.assign(value="80")
    p = uploads.check(conn, cfg, uploads.template_xlsx(filled, cfg), "t.xlsx", salt, today=dt.date(2027, 3, 10))
    assert p.result.ok, [str(x) for x in p.result.problems]
    assert p.counts["new"] == len(t)


# ---------------------------------------------------------------- a preview and a history people can read


def test_preview_reads_in_names_at_precision_with_the_reason_for_every_change(conn, cfg):
    p = check(conn, cfg, salt_workbook(), "salt.xlsx")
    t = uploads.change_table(p, cfg, area_names={"E06000047": "County Durham"})
    name = "SALT routine referrals seen and assessed within 6 weeks"
    assert t.drop(columns=["indicator_id", "area_code"]).to_dict("records") == [
        {
            "change": "new",
            "indicator": name,
            "area": "County Durham",
            "period": "September 2026",
            "old value": "",
            "new value": "83.5% (shown as 84%)",
            "old RAG": "",
            "new RAG": t.iloc[0]["new RAG"],
            "why": "",
        },
        {
            "change": "changed",
            "indicator": name,
            "area": "County Durham",
            "period": "August 2026",
            "old value": "78%",
            "new value": "78.04% (shown as 78%)",
            "old RAG": t.iloc[1]["old RAG"],
            "new RAG": t.iloc[1]["new RAG"],
            "why": "changed in the 2nd decimal: 78 → 78.04; note removed; was illustrative, now submitted",
        },
    ]


def test_a_change_below_the_shown_precision_says_where(empty_conn, cfg):
    first = check(empty_conn, cfg, b"indicator,area,period,value\nehcp_20wk,E06000047,2026-27 Q1,91.04\n", "a.csv")
    uploads.commit(empty_conn, first, ADMIN)
    p = check(empty_conn, cfg, b"indicator,area,period,value\nehcp_20wk,E06000047,2026-27 Q1,91.0\n", "b.csv")
    (why,) = uploads.change_table(p, cfg)["why"]
    assert why == "changed in the 2nd decimal: 91.04 → 91.0"


def test_my_uploads_lists_the_figures_each_upload_added_or_changed(conn, cfg):
    salt = lead("salt_seen_6wk", "salt_treated_12wk", name="salt.lead@nhs.net")
    p = uploads.check(conn, cfg, salt_workbook(), "salt.xlsx", salt, today=TODAY)
    done = uploads.commit(conn, p, salt)
    (up,) = uploads.listed_uploads(conn, "salt.lead@nhs.net")
    figures = uploads.figures_of(conn, cfg, up)
    assert up["id"] == done.upload_id and up["file_name"] == "salt.xlsx" and up["note"] == ""
    assert figures.to_dict("records") == [
        {
            "change": "changed",
            "indicator": "SALT routine referrals seen and assessed within 6 weeks",
            "area": "County Durham",
            "period": "August 2026",
            "earlier figure": "78%",
            "figure loaded": "78.04% (shown as 78%)",
        },
        {
            "change": "new",
            "indicator": "SALT routine referrals seen and assessed within 6 weeks",
            "area": "County Durham",
            "period": "September 2026",
            "earlier figure": "",
            "figure loaded": "83.5% (shown as 84%)",
        },
    ]
    assert uploads.listed_uploads(conn, "someone.else@nhs.net") == []


def test_load_refuses_a_slip_unless_confirmed_on_the_command_line(db_path, tmp_path, capsys):
    from indicators import cli

    f = tmp_path / "salt.csv"
    f.write_text("indicator,area,period,value\nsalt_seen_6wk,E06000047,2026-09,0.8\n")
    assert cli.main(["load", str(f)]) == 1
    out = capsys.readouterr()
    assert out.out.startswith("Warning: row 2, column value: 0.8 — did you mean 80%?")
    assert out.err.strip() == (
        "salt.csv: 1 figure(s) look mistyped; nothing was loaded. Correct them, or load again with --confirm-warnings "
        "if they are right."
    )
    assert cli.main(["load", str(f), "--confirm-warnings"]) == 0
    assert "Loaded as upload" in capsys.readouterr().out
