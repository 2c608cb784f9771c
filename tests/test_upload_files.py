"""What real spreadsheets look like loads; everything else is refused with row, column and what is accepted,
and every table holds exactly the rows it held before."""

import datetime as dt

import openpyxl
import pytest

from indicators import store, uploads
from tests.conftest import ADMIN, as_user

TODAY = dt.date(2026, 11, 22)
HEADER = "indicator,area,period,value"


def check(conn, cfg, data: bytes, name="figures.csv"):
    return uploads.check(conn, cfg, data, name, ADMIN, today=TODAY)


def loaded(conn, cfg, data: bytes, name="figures.csv"):
    p = check(conn, cfg, data, name)
    assert p.result.ok, [str(x) for x in p.result.problems]
    return p.result.rows


def refused(conn, cfg, data: bytes, name="figures.csv") -> list[str]:
    before = store.table_snapshot(conn)
    p = check(conn, cfg, data, name)
    assert not p.result.ok
    with pytest.raises(store.StoreError, match="nothing was written"):
        uploads.commit(conn, p, as_user("tester"))
    assert store.table_snapshot(conn) == before
    return [str(x) for x in p.result.problems]


# ---------------------------------------------------------------- accepted quirks


def test_utf8_with_byte_order_mark(empty_conn, cfg):
    rows = loaded(empty_conn, cfg, b"\xef\xbb\xbf" + f"{HEADER}\nehcp_20wk,E06000047,2024-25 Q1,91\n".encode())
    assert rows["value"].tolist() == [91.0]


def test_windows_1252_from_excel_with_crlf(empty_conn, cfg):
    data = f"{HEADER},note\r\nehcp_20wk,E06000047,2024-25 Q1,91,".encode() + b"Caf\xe9 \x96 review \x93due\x94\r\n"
    rows = loaded(empty_conn, cfg, data)
    assert rows["note"].tolist() == ["Café – review “due”"]


def test_headers_in_any_case_with_stray_spaces_and_any_order(empty_conn, cfg):
    rows = loaded(empty_conn, cfg, b" Value , PERIOD,Area  ,Indicator\n91,2024-25 Q1,E06000047,ehcp_20wk\n")
    assert rows[["indicator_id", "period", "value"]].values.tolist() == [["ehcp_20wk", "2024-25 Q1", 91.0]]


def test_percent_sign_and_thousands_separator(empty_conn, cfg):
    rows = loaded(
        empty_conn, cfg, f'{HEADER}\nehcp_20wk,E06000047,2024-25 Q1,91%\nehc_requests,E06000047,2024-25 Q1,"1,234"\n'.encode()
    )
    assert rows["value"].tolist() == [91.0, 1234.0]


def test_empty_trailing_rows_are_ignored(empty_conn, cfg):
    rows = loaded(empty_conn, cfg, f"{HEADER}\nehcp_20wk,E06000047,2024-25 Q1,91\n,,,\n,,,\n\n".encode())
    assert len(rows) == 1


@pytest.mark.parametrize("marker", ["c", "x", "z", "..", "low", "C"])
def test_suppression_markers_are_kept_as_missing_values(empty_conn, cfg, marker):
    rows = loaded(empty_conn, cfg, f"{HEADER}\nsend_neet,E06000047,2024-25 Q1,{marker}\n".encode())
    assert rows["value"].isna().all() and rows["marker"].tolist() == [marker.lower()]
    s = store.write_observations(empty_conn, rows, access=ADMIN, kind="upload")
    assert s.new == 1
    assert empty_conn.execute("SELECT value, marker FROM observations").fetchone() == (None, marker.lower())


def test_area_by_name_or_old_la_code(empty_conn, cfg):
    rows = loaded(empty_conn, cfg, f"{HEADER}\nsend_neet,county durham,2024-25 Q1,12\nsend_neet,807,2024-25 Q1,11\n".encode())
    assert rows["area_code"].tolist() == ["E06000047", "E06000003"]


def test_wide_layout_one_column_per_indicator(empty_conn, cfg):
    p = check(empty_conn, cfg, b"area,period,ehcp_20wk,send_neet\nE06000047,2024-25 Q1,91%,12.5\nE06000003,2024-25 Q1,88,\n")
    assert p.result.ok and p.result.layout == "wide"
    assert "wide layout" in p.result.layout_text
    got = sorted(p.result.rows[["indicator_id", "area_code", "value"]].values.tolist())
    assert got == [["ehcp_20wk", "E06000003", 88.0], ["ehcp_20wk", "E06000047", 91.0], ["send_neet", "E06000047", 12.5]]


def test_wide_layout_names_the_indicator_column_in_problems(empty_conn, cfg):
    problems = refused(empty_conn, cfg, b"area,period,ehcp_20wk,send_neet\nE06000047,2024-25 Q1,91,lots\n")
    assert problems == [
        'row 2, column send_neet: "lots" is not a number; give a number such as 91.5, 91% or 1,234, or a suppression marker (c, x, z, low, u or ..)'
    ]


def xlsx_bytes(tmp_path, rows, percent_cols=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for col in percent_cols:
        for cell in ws[col][1:]:
            cell.number_format = "0%"
    path = tmp_path / "figures.xlsx"
    wb.save(path)
    return path.read_bytes()


def test_excel_file_with_percent_formatted_cells_and_dates(empty_conn, cfg, tmp_path):
    xlsx_bytes(
        tmp_path,
        [
            ["Indicator", "Area", "Period", "Value"],
            ["ehcp_20wk", "E06000047", "2024-25 Q1", 0.91],
            ["salt_seen_6wk", "E06000047", dt.datetime(2024, 6, 1), 0.725],
            ["ehc_requests", "E06000047", "2024-25 Q1", 250],
        ],
        percent_cols=("D",),
    )
    # The count is formatted as a percentage too in this sheet; undo that for the count row.
    wb = openpyxl.load_workbook(tmp_path / "figures.xlsx")
    wb.active["D4"].number_format = "General"
    wb.save(tmp_path / "figures.xlsx")
    p = check(empty_conn, cfg, (tmp_path / "figures.xlsx").read_bytes(), "figures.xlsx")
    assert p.result.ok, [str(x) for x in p.result.problems]
    assert p.result.file_kind == "Excel"
    assert p.result.rows[["indicator_id", "period", "value"]].values.tolist() == [
        ["ehcp_20wk", "2024-25 Q1", 91.0],
        ["salt_seen_6wk", "2024-06", 72.5],
        ["ehc_requests", "2024-25 Q1", 250.0],
    ]


# ---------------------------------------------------------------- rejections


def test_unknown_indicator_suggests_the_nearest_id(empty_conn, cfg):
    assert refused(empty_conn, cfg, f"{HEADER}\nehcp_20wks,E06000047,2024-25 Q1,91\n".encode()) == [
        'row 2, column indicator: "ehcp_20wks" is not a known indicator id; did you mean "ehcp_20wk"? (see the About the indicators page for the ids)'
    ]


def test_unknown_area_lists_the_known_ones(empty_conn, cfg):
    (p,) = refused(empty_conn, cfg, f"{HEADER}\nehcp_20wk,Durhm,2024-25 Q1,91\n".encode())
    assert p.startswith('row 2, column area: "Durhm" is not a known area')
    assert "E06000047 (County Durham)" in p


def test_period_of_the_wrong_type(empty_conn, cfg):
    assert refused(empty_conn, cfg, f"{HEADER}\nehcp_20wk,E06000047,2024-06,91\n".encode()) == [
        'row 2, column period: "2024-06" is a month; ehcp_20wk is reported by financial-year quarter, e.g. "2024-25 Q1", "2024/25 Q1" or "Q1 2024-25" (Q1 is April to June)'
    ]


def test_period_in_the_future(empty_conn, cfg):
    (p,) = refused(empty_conn, cfg, f"{HEADER}\nsalt_seen_6wk,E06000047,2027-01,70\n".encode())
    assert (
        p
        == 'row 2, column period: "2027-01" (January 2027) has not started yet; figures can only be loaded for periods that have begun'
    )


def test_non_numeric_text(empty_conn, cfg):
    (p,) = refused(empty_conn, cfg, f"{HEADER}\nsend_neet,E06000047,2024-25 Q1,n/a\n".encode())
    assert p.startswith('row 2, column value: "n/a" is not a number; give a number such as')


def test_percentage_outside_0_to_100(empty_conn, cfg):
    assert refused(empty_conn, cfg, f"{HEADER}\nehcp_20wk,E06000047,2024-25 Q1,101\n".encode()) == [
        "row 2, column value: 101 is outside 0–100; ehcp_20wk is a percentage"
    ]


def test_negative_count(empty_conn, cfg):
    assert refused(empty_conn, cfg, f"{HEADER}\nehc_requests,E06000047,2024-25 Q1,-3\n".encode()) == [
        "row 2, column value: -3 is negative; ehc_requests is a count and cannot be below 0"
    ]


def test_percent_sign_on_a_count(empty_conn, cfg):
    (p,) = refused(empty_conn, cfg, f"{HEADER}\nehc_requests,E06000047,2024-25 Q1,50%\n".encode())
    assert p.startswith('row 2, column value: "50%" has a % sign but this indicator is not a percentage')


def test_numerator_greater_than_denominator(empty_conn, cfg):
    assert refused(empty_conn, cfg, f"{HEADER},numerator,denominator\nehcp_20wk,E06000047,2024-25 Q1,91,50,40\n".encode()) == [
        "row 2, column numerator: numerator 50 is greater than denominator 40; the numerator counts part of the denominator"
    ]


def test_value_disagreeing_with_numerator_and_denominator(empty_conn, cfg):
    assert refused(empty_conn, cfg, f"{HEADER},numerator,denominator\nehcp_20wk,E06000047,2024-25 Q1,80,30,40\n".encode()) == [
        "row 2, column value: 80% disagrees with numerator/denominator 30/40 = 75.0%; correct the value or the counts"
    ]


def test_value_within_rounding_of_numerator_and_denominator_is_accepted(empty_conn, cfg):
    rows = loaded(
        empty_conn,
        cfg,
        f"{HEADER},numerator,denominator\nehcp_20wk,E06000047,2024-25 Q1,66.7,2,3\nehcp_20wk,E06000047,2024-25 Q2,67,2,3\n".encode(),
    )
    assert len(rows) == 2


def test_same_figure_twice_with_different_values(empty_conn, cfg):
    assert refused(
        empty_conn, cfg, f"{HEADER}\nsend_neet,E06000047,2024-25 Q1,12\nsend_neet,County Durham,Q1 2024/25,13\n".encode()
    ) == [
        "row 3, column value: send_neet for E06000047 in 2024-25 Q1 is also on row 2 with a different figure (12 there, 13 here); keep one row"
    ]


def test_same_figure_twice_with_the_same_value_is_one_figure(empty_conn, cfg):
    rows = loaded(empty_conn, cfg, f"{HEADER}\nsend_neet,E06000047,2024-25 Q1,12\nsend_neet,E06000047,2024-25 Q1,12.0\n".encode())
    assert len(rows) == 1


def test_missing_required_column(empty_conn, cfg):
    assert refused(empty_conn, cfg, b"indicator,area,value\nsend_neet,E06000047,12\n") == [
        "row 1, column period: the required column period is missing; the header row needs indicator, area, period, value (and may add numerator, denominator, note, figure_type, source)"
    ]


def test_unknown_column_is_refused_rather_than_dropped(empty_conn, cfg):
    (p,) = refused(empty_conn, cfg, f"{HEADER},comments\nsend_neet,E06000047,2024-25 Q1,12,check\n".encode())
    assert p.startswith(
        "row 1, column comments: is not a column the loader knows; accepted columns: indicator, area, period, value"
    )


@pytest.mark.parametrize("data", [b"", b"  \r\n", f"{HEADER}\n".encode(), f"{HEADER}\n,,,\n".encode()])
def test_empty_file(empty_conn, cfg, data):
    (p,) = refused(empty_conn, cfg, data)
    assert "is empty" in p or "no figures under it" in p


def test_an_image_renamed_csv(empty_conn, cfg):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    assert refused(empty_conn, cfg, png, "figures.csv") == [
        "figures.csv is not a text file (it looks like an image, a zip or another binary file). Save the spreadsheet as CSV (comma separated) or .xlsx and upload that."
    ]


def test_a_file_over_the_size_limit(empty_conn, cfg):
    before = store.table_snapshot(empty_conn)
    from indicators import returns

    result = returns.read(b"x" * 2001, "big.csv", cfg, max_bytes=2000)
    assert [str(p) for p in result.problems] == ["big.csv is 0.0 MB; files over 0 MB are refused. Split it into smaller files."]
    big = returns.read(b"x" * (returns.MAX_BYTES + 1), "big.csv", cfg)
    assert str(big.problems[0]).startswith("big.csv is 21.0 MB; files over 21 MB are refused")
    assert store.table_snapshot(empty_conn) == before


def test_a_broken_excel_file(empty_conn, cfg):
    (p,) = refused(empty_conn, cfg, b"PK\x03\x04 not really a zip", "figures.xlsx")
    assert p == "figures.xlsx is not a valid Excel .xlsx file; open it in Excel and save it again as .xlsx or as CSV"


def test_every_problem_is_reported_at_once(empty_conn, cfg):
    problems = refused(
        empty_conn,
        cfg,
        (
            f"{HEADER},numerator,denominator\n"
            "ehcp_2wk,E06000047,2024-25 Q1,91,,\n"
            "ehcp_20wk,E06000047,2024-06,91,,\n"
            "send_neet,Nowhere,2024-25 Q1,12,,\n"
            "ehcp_20wk,E06000047,2024-25 Q2,abc,,\n"
            "ehc_requests,E06000047,2024-25 Q1,-1,,\n"
            "ehcp_20wk,E06000047,2024-25 Q3,91,50,40\n"
        ).encode(),
    )
    assert [p.split(":")[0] for p in problems] == [
        "row 2, column indicator",
        "row 3, column period",
        "row 4, column area",
        "row 5, column value",
        "row 6, column value",
        "row 7, column numerator",
    ]
