"""Period labels ↔ start/end dates, interpreted by each indicator's period type."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

PERIOD_TYPES = ("month", "fy_quarter", "financial_year", "academic_year", "calendar_year")

# Words people use for each period type, for messages.
TYPE_NAMES = {
    "month": "month",
    "fy_quarter": "financial-year quarter",
    "financial_year": "financial year",
    "academic_year": "academic year",
    "calendar_year": "calendar year",
}
EXAMPLES = {
    "month": '"2024-06" or "Jun 2024"',
    "fy_quarter": '"2024-25 Q1", "2024/25 Q1" or "Q1 2024-25" (Q1 is April to June)',
    "financial_year": '"2023-24" or "2023/24" (April to March)',
    "academic_year": '"2023-24" or "2023/24" (September to August)',
    "calendar_year": '"2022"',
}
# How many periods of each type make a year, for "same period last year".
PER_YEAR = {"month": 12, "fy_quarter": 4, "financial_year": 1, "academic_year": 1, "calendar_year": 1}

MIN_YEAR, MAX_YEAR = 1900, 2100
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_RE_YM = re.compile(r"^(\d{4})-(\d{1,2})$")
_RE_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_RE_MY_SLASH = re.compile(r"^(\d{1,2})/(\d{4})$")
_RE_MON_Y = re.compile(r"^([A-Za-z]+)\.?[ -](\d{4})$")
_RE_YEAR = re.compile(r"^(\d{4})$")
_RE_SPAN = re.compile(r"^(?:FY|AY)?\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})$", re.I)
_RE_SPAN6 = re.compile(r"^(\d{4})(\d{2})$")  # DfE open data, e.g. 202324
_RE_QTR_AFTER = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*[ ,]*Q([1-4])$", re.I)
_RE_QTR_BEFORE = re.compile(r"^Q([1-4])\s*[ ,]*(\d{4})\s*[-/]\s*(\d{2}|\d{4})$", re.I)


class PeriodError(ValueError):
    """A label that cannot be read as a period of the expected type."""


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    label: str  # canonical label, the key stored in the database
    period_type: str

    @property
    def display(self) -> str:
        return _display(self)


def _span_years(first: str, second: str, raw: str) -> int:
    y1 = int(first)
    y2 = int(second) if len(second) == 4 else (y1 // 100) * 100 + int(second)
    if len(second) == 2 and y2 < y1:  # 1999-00
        y2 += 100
    if y2 != y1 + 1:
        raise PeriodError(
            f'"{raw}" spans {y1} to {y2}; a year label runs from one year to the next, e.g. "{y1}-{str(y1 + 1)[2:]}"'
        )
    return y1


def _month(year: int, month: int, raw: str) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(f'"{raw}" has month {month}; months run from 01 to 12')
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last), f"{year:04d}-{month:02d}", "month")


def fy_quarter(year: int, quarter: int) -> Period:
    """Financial year starting April of `year`; Q1 = April to June."""
    month = 4 + (quarter - 1) * 3
    y = year + (1 if month > 12 else 0)
    month = (month - 1) % 12 + 1
    end_month = month + 2
    start = dt.date(y, month, 1)
    end = dt.date(y, end_month, calendar.monthrange(y, end_month)[1])
    return Period(start, end, f"{year}-{str(year + 1)[2:]} Q{quarter}", "fy_quarter")


def _year_span(year: int, period_type: str) -> Period:
    label = f"{year}-{str(year + 1)[2:]}"
    if period_type == "financial_year":
        return Period(dt.date(year, 4, 1), dt.date(year + 1, 3, 31), label, period_type)
    return Period(dt.date(year, 9, 1), dt.date(year + 1, 8, 31), label, period_type)


def _is_span(s: str) -> bool:
    """True for "2023-24" style labels: two consecutive years, not a year and a month."""
    m = _RE_SPAN.match(s) or _RE_SPAN6.match(s)
    if not m:
        return False
    try:
        _span_years(m.group(1), m.group(2), s)
    except PeriodError:
        return False
    return True


def looks_like(label: str) -> str | None:
    """What kind of period a label appears to be, whatever the indicator expects."""
    s = label.strip()
    if _RE_QTR_AFTER.match(s) or _RE_QTR_BEFORE.match(s):
        return "a financial-year quarter"
    ym = _RE_YM.match(s)
    if _is_span(s):
        if ym and 1 <= int(ym.group(2)) <= 12:
            return "a month (or a year running across two calendar years)"
        return "a year running across two calendar years (financial or academic)"
    if ym or _RE_YMD.match(s) or _RE_MY_SLASH.match(s):
        return "a month"
    m = _RE_MON_Y.match(s)
    if m and m.group(1).lower() in _MONTHS:
        return "a month"
    if _RE_SPAN.match(s) or _RE_SPAN6.match(s):
        return "a year running across two calendar years (financial or academic)"
    if _RE_YEAR.match(s):
        return "a calendar year"
    return None


def parse(label: object, period_type: str) -> Period:
    """Read `label` as a period of `period_type`, or raise PeriodError saying what is accepted."""
    if period_type not in PERIOD_TYPES:
        raise PeriodError(f'unknown period type "{period_type}"; use one of {", ".join(PERIOD_TYPES)}')
    if isinstance(label, (dt.date, dt.datetime)):
        label = label.strftime("%Y-%m-%d")
    raw = str(label).strip() if label is not None else ""
    if not raw:
        raise PeriodError(f"the period is empty; {TYPE_NAMES[period_type]} periods look like {EXAMPLES[period_type]}")
    found = _read(raw, period_type)
    if found is not None:
        if not MIN_YEAR <= found.start.year <= MAX_YEAR:
            raise PeriodError(f'"{raw}" is in the year {found.start.year}; periods from {MIN_YEAR} to {MAX_YEAR} are accepted')
        return found
    kind = looks_like(raw)
    shown = raw if len(raw) <= 60 else raw[:60] + "…"  # never echo a huge cell in full
    what = f'"{shown}" is {kind}' if kind else f'"{shown}" is not a period label'
    raise PeriodError(f"{what}; this indicator is reported by {TYPE_NAMES[period_type]}, e.g. {EXAMPLES[period_type]}")


@functools.lru_cache(maxsize=65536)
def _read(raw: str, period_type: str) -> Period | None:
    """A label read once: pages read the same few hundred labels again and again (PeriodError is not cached)."""
    try:
        return _parse(raw, period_type)
    except PeriodError:
        raise
    except ValueError:
        return None


def _parse(raw: str, period_type: str) -> Period | None:
    if period_type == "month":
        ym = _RE_YM.match(raw)
        # "2023-24" is a year, not month 24; but "2011-12" is December 2011 when months are expected.
        if _is_span(raw) and not (ym and 1 <= int(ym.group(2)) <= 12):
            return None
        if m := _RE_YM.match(raw):
            return _month(int(m.group(1)), int(m.group(2)), raw)
        if m := _RE_YMD.match(raw):
            dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))  # validates the day
            return _month(int(m.group(1)), int(m.group(2)), raw)
        if m := _RE_MY_SLASH.match(raw):
            return _month(int(m.group(2)), int(m.group(1)), raw)
        if (m := _RE_MON_Y.match(raw)) and m.group(1).lower() in _MONTHS:
            return _month(int(m.group(2)), _MONTHS[m.group(1).lower()], raw)
        return None
    if period_type == "fy_quarter":
        if m := _RE_QTR_AFTER.match(raw):
            return fy_quarter(_span_years(m.group(1), m.group(2), raw), int(m.group(3)))
        if m := _RE_QTR_BEFORE.match(raw):
            return fy_quarter(_span_years(m.group(2), m.group(3), raw), int(m.group(1)))
        return None
    if period_type in ("financial_year", "academic_year"):
        if m := _RE_SPAN.match(raw):
            return _year_span(_span_years(m.group(1), m.group(2), raw), period_type)
        if m := _RE_SPAN6.match(raw):
            return _year_span(_span_years(m.group(1), m.group(2), raw), period_type)
        return None
    if m := _RE_YEAR.match(raw):
        y = int(m.group(1))
        return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), str(y), "calendar_year")
    return None


def display_label(p: Period) -> str:
    """How a period is written on screen and in board packs (UK public-sector style)."""
    if p.period_type == "month":
        return p.start.strftime("%B %Y")
    if p.period_type == "fy_quarter":
        return f"{p.label} ({p.start.strftime('%b')}–{p.end.strftime('%b %Y')})"
    if p.period_type == "academic_year":
        return f"{p.label.replace('-', '/')} academic year"
    return p.label


@functools.lru_cache(maxsize=65536)
def _display(p: Period) -> str:
    return display_label(p)


def shift(p: Period, steps: int) -> Period:
    """The period `steps` periods after `p` (negative for before)."""
    if p.period_type == "month":
        idx = p.start.year * 12 + p.start.month - 1 + steps
        return _month(idx // 12, idx % 12 + 1, p.label)
    if p.period_type == "fy_quarter":
        fy = p.start.year if p.start.month >= 4 else p.start.year - 1
        q = (p.start.month - 4) % 12 // 3 + 1
        idx = fy * 4 + (q - 1) + steps
        return fy_quarter(idx // 4, idx % 4 + 1)
    if p.period_type == "calendar_year":
        y = p.start.year + steps
        return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), str(y), "calendar_year")
    return _year_span(p.start.year + steps, p.period_type)


def current(period_type: str, today: dt.date | None = None) -> Period:
    """The period of this type that contains `today`."""
    today = today or dt.date.today()
    if period_type == "month":
        return _month(today.year, today.month, "")
    if period_type == "fy_quarter":
        fy = today.year if today.month >= 4 else today.year - 1
        return fy_quarter(fy, (today.month - 4) % 12 // 3 + 1)
    if period_type == "calendar_year":
        return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), str(today.year), period_type)
    start_month = 4 if period_type == "financial_year" else 9
    year = today.year if today.month >= start_month else today.year - 1
    return _year_span(year, period_type)
