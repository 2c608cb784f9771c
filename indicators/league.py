"""Every local authority on one official indicator for one year (as LAIT ranks them): the league, its table, the
sentence saying where the chosen area stands, and the whole view the Compare areas page and slide draw."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators import periods, rag, store
from indicators.cells import half_up
from indicators.config import Config, Indicator
from indicators.readmodel import (
    ENGLAND,
    MIN_NEIGHBOURS,
    NOT_RANKED,
    QUARTILE_WORDS,
    AreaInfo,
    _quartile,
    area_info,
    ordinal,
)


def league(conn, config: Config, indicator_id: str, period: str) -> pd.DataFrame:
    """Every local authority's figure for one indicator and period, best first through its polarity, with its rank,
    quartile and region: what the Compare areas page and slide draw."""
    ind = config.by_id[indicator_id]
    df = store.la_figures(conn, indicator_id, period)
    # Ranked as RANK_METHOD says: the published (rounded) figures, ties shared, Scilly and the City left out.
    with_value = df[df["value"].notna() & ~df["code"].isin(list(NOT_RANKED))].copy()
    with_value["published"] = [float(half_up(v, ind.decimals)) for v in with_value["value"]]
    ascending = ind.polarity == "lower_is_better"
    with_value = with_value.sort_values(["published", "name"], ascending=[ascending, True]).reset_index(drop=True)
    n = len(with_value)
    if ind.polarity == "neutral":
        with_value["rank"] = np.arange(1, n + 1)
        with_value["quartile"] = None
    else:
        with_value["rank"] = with_value["published"].rank(method="min", ascending=ascending).astype(int)
        with_value["quartile"] = [_quartile(int(r), n) for r in with_value["rank"]] if n else []
    return with_value


def league_periods(conn, indicator_id: str) -> list[str]:
    """The periods for which local authorities have figures, newest first."""
    return store.la_periods(conn, indicator_id)


def league_table(ind: Indicator, league: pd.DataFrame, area: str, neighbours: list[str], region: str | None) -> pd.DataFrame:
    """The league as a table people can read and download: rank, area, figure, quartile and how it relates to the
    chosen area (the chart's text alternative)."""

    def relation(code: str, reg: str | None) -> str:
        if code == area:
            return "chosen area"
        if code in neighbours:
            return f"statistical neighbour ({neighbours.index(code) + 1} of {len(neighbours)})"
        return "same region" if region and reg == region else ""

    return pd.DataFrame(
        {
            "Rank": league["rank"].astype(int),
            "Local authority": league["name"],
            "Code": league["code"],
            "Region": league["region_name"],
            "Figure": [rag.format_value(ind, v) for v in league["value"]],
            "Quartile": [QUARTILE_WORDS.get(q, "") if q == q and q is not None else "" for q in league["quartile"]],
            "Compared with the chosen area": [relation(c, r) for c, r in zip(league["code"], league["region"])],
        }
    )


def league_summary(ind: Indicator, league: pd.DataFrame, area: AreaInfo, period_display: str, england: float | None) -> str:
    """One sentence: where the chosen area stands among local authorities, against England, the neighbours' average
    (as LAIT gives it, with how many neighbours had a figure)."""
    n = len(league)
    mine = league[league["code"] == area.code]
    if area.code in NOT_RANKED:
        return f"{area.name} is not ranked ({NOT_RANKED[area.code]} is too small, as in LAIT); {n} local authorities are."
    if mine.empty:
        return f"{area.name} has no figure for {period_display}; {n} local authorities do."
    r = mine.iloc[0]
    words = f"{area.name}: {rag.format_value(ind, r['value'])} in {period_display}, {ordinal(int(r['rank']))} of {n} local authorities"
    if r["quartile"] == r["quartile"] and r["quartile"] is not None:
        words += f" ({QUARTILE_WORDS[int(r['quartile'])]})"
    if england is not None:
        words += f"; England {rag.format_value(ind, england)}"
    codes = [c for c, *_ in area.neighbours]
    near = league[league["code"].isin(codes)]["value"]
    if len(near) >= MIN_NEIGHBOURS:
        words += f"; statistical neighbours' average {rag.format_value(ind, float(near.mean()))} ({len(near)} of {len(codes)})"
    elif codes:
        words += f"; only {len(near)} of {len(codes)} statistical neighbours have a figure, too few for an average (3 needed)"
    return words + "."


@dataclass(frozen=True)
class LeagueView:
    """What Compare areas shows for one indicator, year and chosen area: everything the chart, its table and its
    sentence need, so a page only draws."""

    ind: Indicator
    period: str
    period_display: str
    league: pd.DataFrame
    area: AreaInfo
    neighbours: list[str]
    england: float | None
    table: pd.DataFrame
    summary: str


def view(conn, config: Config, indicator_id: str, period: str, area_code: str) -> LeagueView:
    """The league of one indicator and year seen from one area: its region and statistical neighbours marked,
    England's figure, the readable table and the one-sentence summary."""
    ind = config.by_id[indicator_id]
    ranked = league(conn, config, indicator_id, period)
    info = area_info(conn, area_code, config)
    neighbours = [c for c, *_ in info.neighbours]
    england = store.value_at(conn, indicator_id, ENGLAND, period)
    display = periods.parse(period, ind.period_type).display
    return LeagueView(
        ind=ind,
        period=period,
        period_display=display,
        league=ranked,
        area=info,
        neighbours=neighbours,
        england=england,
        table=league_table(ind, ranked, area_code, neighbours, info.region),
        summary=league_summary(ind, ranked, info, display, england),
    )
