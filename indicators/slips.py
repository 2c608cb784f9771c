"""Slips a lead makes typing a return, caught before they are stored: a percentage typed as a fraction (0.8 for 80%)
and a count ten times too small or too large. Each is a warning the person must confirm; the store refuses an
unconfirmed one whatever the page or command did (store.write_observations)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators import periods
from indicators.config import Config
from indicators.problems import Problem

RECENT = 6  # the series' recent range: its last six figures before the period
MIN_RECENT = 3  # fewer than this and there is no range to judge a figure by
PERCENT_BELOW = 1.5  # a percentage under this …
PERCENT_RECENT_ABOVE = 10  # … where every recent figure is above this looks like a fraction (0.8 for 80%)
TENFOLD = 7  # a figure at most 1/7 of the recent lowest, or at least 7× the recent highest: about ten times out


@dataclass(frozen=True)
class Slip:
    """One figure that looks mistyped: its key and value (what confirming it confirms) and the warning."""

    indicator_id: str
    area_code: str
    period: str
    value: float
    problem: Problem

    @property
    def key(self) -> tuple[str, str, str, float]:
        return (self.indicator_id, self.area_code, self.period, float(self.value))


def _g(x: float) -> str:
    return f"{x:,.10g}"


def find(
    ranges: pd.DataFrame, config: Config, area_names: dict[str, str] | None = None, rows=None, wide: bool = False
) -> list[Slip]:
    """`ranges`: per incoming figure (indicator_id, area_code, period, value) its recent range `n`, `lo`, `hi`
    (store.recent_ranges). `rows` maps a key (indicator, area, period) to the spreadsheet row, for the message; the
    column is value, or in the wide layout the indicator's own."""
    out = []
    names = area_names or {}
    for r in ranges.itertuples(index=False):
        ind = config.by_id.get(r.indicator_id)
        if ind is None or pd.isna(r.value) or r.n < MIN_RECENT:
            continue
        value, lo, hi = float(r.value), float(r.lo), float(r.hi)
        if ind.unit == "percent":
            if not (0 < value < PERCENT_BELOW and lo > PERCENT_RECENT_ABOVE):
                continue
        elif not ((value * TENFOLD <= lo and lo > 0) or (hi > 0 and value >= hi * TENFOLD)):
            continue  # most figures: no message to build
        where = dict(
            indicator_name=ind.name,
            area=names.get(r.area_code, r.area_code),
            period=periods.parse(r.period, ind.period_type).display,
            n=int(r.n),
            lo=_g(lo),
            hi=_g(hi),
        )
        problem = None
        if ind.unit == "percent":
            if 0 < value < PERCENT_BELOW and lo > PERCENT_RECENT_ABOVE:
                problem = Problem.of("slip_percent", value=_g(value), meant=_g(round(value * 100, 8)), indicator=ind.id, **where)
        elif value * TENFOLD <= lo and lo > 0:
            meant = f"; did you mean {_g(value * 10)}?" if value > 0 else "."
            problem = Problem.of(
                "slip_tenfold", value=_g(value), how="a tenth or less of", meant=meant, indicator=ind.id, **where
            )
        elif hi > 0 and value >= hi * TENFOLD:
            problem = Problem.of(
                "slip_tenfold",
                value=_g(value),
                how="ten times or more",
                meant=f"; did you mean {_g(value / 10)}?",
                indicator=ind.id,
                **where,
            )
        if problem is not None:
            row = (rows or {}).get((r.indicator_id, r.area_code, r.period))
            if row is not None:
                column = r.indicator_id if wide else "value"
                problem = Problem(problem.kind, problem.message, row=row, column=column, indicator=ind.id)
            out.append(Slip(r.indicator_id, r.area_code, r.period, value, problem))
    return sorted(out, key=lambda s: (s.problem.row or 0, s.indicator_id, s.period))
