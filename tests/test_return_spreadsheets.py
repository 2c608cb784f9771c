"""A lead's own spreadsheet: the header found under title and blank rows, merged title cells and notes rows ignored
and said, row numbers kept as the spreadsheet shows them, indicators named by name, the sheet holding the header."""

import datetime as dt

import pytest

from indicators import returns, store, uploads
from tests.conftest import ADMIN
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
