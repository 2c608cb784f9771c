"""The scorecard as the person filters and sorts it: strategy and inspection areas, "show only" conditions and the
sort orders the Scorecard page offers, reckoned from the read model's rows so the page only draws."""

from __future__ import annotations

import pandas as pd

from indicators import readmodel
from indicators.readmodel import AreaFigures

SORTS = {
    "Indicator order": None,
    "RAG, worst first": ("status", readmodel.RAG_ORDER),
    "Variation, concern first": ("variation", readmodel.VARIATION_ORDER),
    "Assurance, failing first": ("assurance", readmodel.ASSURANCE_ORDER),
}
SHOW_ONLY = {
    "Red": ("status", "red"),
    "Amber": ("status", "amber"),
    "Green": ("status", "green"),
    "Special cause: concern": ("variation", "special_cause_concern"),
    "Special cause: improvement": ("variation", "special_cause_improvement"),
    "Consistently failing": ("assurance", "consistently_fail"),
    "Hit and miss": ("assurance", "inconsistent"),
    "Consistently passing": ("assurance", "consistently_pass"),
    "Overdue": ("due_status", "overdue"),
}


def view(
    af: AreaFigures, strategy: str | None = None, inspection: str | None = None, show=(), sort: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(rows in the chosen strategy and inspection areas, those of them SHOW picks (any of its conditions, in
    SHOW_ONLY) sorted by SORT (a SORTS key), the names of indicators in those areas with no
    figures for the area)."""
    df = af.scorecard
    if not df.empty and strategy:
        df = df[df["strategy_area"] == strategy]
    if not df.empty and inspection:
        df = df[df["inspection_area"] == inspection]
    picked = df
    if show and not df.empty:
        keep = pd.Series(False, index=df.index)
        for name in show:
            column, value = SHOW_ONLY[name]
            keep |= df[column] == value
        picked = df[keep]
    if SORTS.get(sort) and not picked.empty:
        column, order = SORTS[sort]
        key = picked[column].map(lambda v: order.get(v if isinstance(v, str) else None, 9))
        picked = picked.assign(_k=key).sort_values("_k", kind="stable").drop(columns="_k")
    held = set(af.scorecard["indicator_id"]) if not af.scorecard.empty else set()
    none = [
        i.name
        for i in (af.config.indicators if af.config else [])
        if i.id not in held
        and (not strategy or i.strategy_area == strategy)
        and (not inspection or i.inspection_area == inspection)
    ]
    return df, picked, none


def providers_provenance(figures: list[AreaFigures], ids: list[str]) -> tuple[str, bool, str]:
    """The provider scorecard's banner over every provider listed: (how old the newest figure is, whether any shown
    is illustrative, how many providers have figures overdue), by the same rules as one area's banner."""
    newest = [p for p in (af.latest_period(ids) for af in figures) if p is not None]
    up_to = f"Figures up to {max(newest)[1]}" if newest else "No figures yet"
    late = sum(not af.overdue(ids).empty for af in figures)
    n = len(figures)
    summary = f"{late} of {n} providers have figures overdue." if late else f"All {n} providers are up to date."
    return up_to, any(af.illustrative_shown(ids) for af in figures), summary
