"""Period labels: every accepted form normalises to one label and dates; every rejection says what is accepted."""

import datetime as dt

import pytest

from indicators import periods

D = dt.date


@pytest.mark.parametrize(
    "label",
    ["2024-06", "2024-6", "Jun 2024", "June 2024", "jun 2024", "06/2024", "2024-06-30", "2024-06-01 00:00:00", " 2024-06 "],
)
def test_month_forms(label):
    p = periods.parse(label, "month")
    assert (p.label, p.start, p.end, p.display) == ("2024-06", D(2024, 6, 1), D(2024, 6, 30), "June 2024")


def test_month_from_a_spreadsheet_date():
    assert periods.parse(dt.date(2018, 9, 1), "month").label == "2018-09"


@pytest.mark.parametrize(
    "label", ["2024-25 Q1", "2024/25 Q1", "Q1 2024-25", "Q1 2024/25", "2024-2025 Q1", "2024/25 q1", "q1 2024-25"]
)
def test_financial_quarter_forms(label):
    p = periods.parse(label, "fy_quarter")
    assert (p.label, p.start, p.end) == ("2024-25 Q1", D(2024, 4, 1), D(2024, 6, 30))
    assert p.display == "2024-25 Q1 (Apr–Jun 2024)"


def test_quarter_four_is_january_to_march_of_the_next_calendar_year():
    p = periods.parse("2018-19 Q4", "fy_quarter")
    assert (p.start, p.end) == (D(2019, 1, 1), D(2019, 3, 31))


@pytest.mark.parametrize("label", ["2023-24", "2023/24", "2023-2024", "202324"])
def test_financial_year_forms(label):
    p = periods.parse(label, "financial_year")
    assert (p.label, p.start, p.end) == ("2023-24", D(2023, 4, 1), D(2024, 3, 31))


@pytest.mark.parametrize("label", ["2023-24", "2023/24", "202324"])
def test_academic_year_forms(label):
    p = periods.parse(label, "academic_year")
    assert (p.label, p.start, p.end, p.display) == ("2023-24", D(2023, 9, 1), D(2024, 8, 31), "2023/24 academic year")


def test_calendar_year():
    p = periods.parse("2022", "calendar_year")
    assert (p.label, p.start, p.end) == ("2022", D(2022, 1, 1), D(2022, 12, 31))


def test_century_boundary():
    assert periods.parse("1999-00", "financial_year").end == D(2000, 3, 31)


@pytest.mark.parametrize(
    "label, ptype, message",
    [
        (
            "2024-06",
            "fy_quarter",
            '"2024-06" is a month; this indicator is reported by financial-year quarter, e.g. "2024-25 Q1"',
        ),
        (
            "2024-25 Q1",
            "month",
            '"2024-25 Q1" is a financial-year quarter; this indicator is reported by month, e.g. "2024-06" or "Jun 2024"',
        ),
        ("2022", "month", '"2022" is a calendar year; this indicator is reported by month'),
        (
            "2023-24",
            "calendar_year",
            '"2023-24" is a year running across two calendar years (financial or academic); this indicator is reported by calendar year, e.g. "2022"',
        ),
        ("2024-13", "month", '"2024-13" has month 13; months run from 01 to 12'),
        (
            "2023-25",
            "financial_year",
            '"2023-25" spans 2023 to 2025; a year label runs from one year to the next, e.g. "2023-24"',
        ),
        ("2024-25 Q5", "fy_quarter", '"2024-25 Q5" is not a period label; this indicator is reported by financial-year quarter'),
        ("soon", "month", '"soon" is not a period label; this indicator is reported by month'),
        ("", "calendar_year", "the period is empty; calendar year periods look like"),
        ("2024-02-30", "month", '"2024-02-30" is a month; this indicator is reported by month'),
    ],
)
def test_rejections_say_what_is_accepted(label, ptype, message):
    with pytest.raises(periods.PeriodError) as info:
        periods.parse(label, ptype)
    assert str(info.value).startswith(message)


def test_unknown_period_type():
    with pytest.raises(periods.PeriodError, match="unknown period type"):
        periods.parse("2024", "fortnight")


@pytest.mark.parametrize(
    "label, ptype, steps, expected",
    [
        ("2024-25 Q4", "fy_quarter", 1, "2025-26 Q1"),
        ("2024-25 Q1", "fy_quarter", -4, "2023-24 Q1"),
        ("2024-01", "month", -1, "2023-12"),
        ("2024-01", "month", 12, "2025-01"),
        ("2023-24", "academic_year", 1, "2024-25"),
        ("2022", "calendar_year", -2, "2020"),
    ],
)
def test_shift(label, ptype, steps, expected):
    assert periods.shift(periods.parse(label, ptype), steps).label == expected


def test_current_period():
    today = D(2026, 11, 22)
    assert periods.current("fy_quarter", today).label == "2026-27 Q3"
    assert periods.current("academic_year", today).label == "2026-27"
    assert periods.current("financial_year", D(2026, 2, 1)).label == "2025-26"


@pytest.mark.parametrize(
    "label, ptype, expected",
    [
        ("2011-12", "month", "2011-12"),  # December 2011, though it looks like a financial year
        ("2008-09", "month", "2008-09"),
        ("2011-12", "financial_year", "2011-12"),
    ],
)
def test_labels_that_look_like_both_a_month_and_a_year(label, ptype, expected):
    assert periods.parse(label, ptype).label == expected


def test_years_outside_1900_to_2100_are_refused():
    with pytest.raises(periods.PeriodError, match="periods from 1900 to 2100 are accepted"):
        periods.parse("JAN 0100", "month")
