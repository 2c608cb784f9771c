"""Knowing what good looks like: comparator series (England, the region, statistical neighbours, other areas),
the "vs England" figure with quartile position, and the SPC reading (variation and assurance) per indicator."""

from __future__ import annotations

import base64
import datetime as dt
import html
import math

import pandas as pd

from indicators import rag, spc, store
from indicators.config import Config, Indicator

ENGLAND = "E92000001"
MIN_AREAS_FOR_QUARTILES = 8  # fewer local authorities than this and a quartile would mislead


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def comparators(conn, config: Config, ind: Indicator, area_code: str) -> dict[str, pd.DataFrame]:
    """Named comparator series for one indicator and area, as configured (default: England and the region).
    Each frame has period, period_start and value; series with no figures are left out."""
    areas = store.areas(conn).set_index("code")
    wanted = ind.comparators if ind.comparators is not None else ["england", "region"]
    out: dict[str, pd.DataFrame] = {}
    area_cfg = next((a for a in config.areas if a.code == area_code), None)
    for item in wanted:
        if item == "england":
            codes, label = [ENGLAND], "England"
        elif item == "region":
            region = areas.loc[area_code, "region"] if area_code in areas.index else None
            if not isinstance(region, str) or region not in areas.index:
                continue
            codes, label = [region], str(areas.loc[region, "name"])
        elif item == "neighbours":
            codes = (
                list(area_cfg.neighbours)
                if area_cfg is not None and area_cfg.neighbours
                else store.neighbours(conn, area_code)["code"].tolist()
            )
            if not codes:
                continue
            label = f"Statistical neighbours ({config.neighbour_stat})"
        else:
            if item not in areas.index:
                continue
            codes, label = [item], str(areas.loc[item, "name"])
        if area_code in codes and len(codes) == 1:
            continue
        df = store.comparator_series(conn, ind.id, codes, config.neighbour_stat)
        if not df.empty:
            out[label] = df
    return out


def vs_england(conn, config: Config, area_code: str, card: pd.DataFrame) -> pd.DataFrame:
    """For each scorecard row: England's figure for the same period, the difference read through polarity, and
    the area's quartile among local authorities when enough of them have figures for that period."""
    if card.empty:
        return pd.DataFrame(columns=["indicator_id", "england_text", "vs_england_text", "quartile", "quartile_text"])
    pairs = store.period_comparison(conn, list(card["indicator_id"]), list(card["period"]), area_code)
    rows = []
    for r in card.itertuples():
        ind = config.by_id[r.indicator_id]
        p = pairs.get(r.indicator_id, {})
        eng = _clean(p.get("england"))
        value = _clean(r.value)
        text, versus = "–", "–"
        if eng is not None:
            text = rag.format_value(ind, eng)
            # A count (e.g. requests) is not comparable with England's total; rates and waits are.
            if value is not None and ind.unit != "count":
                d = value - eng
                word = ""
                if ind.polarity != "neutral" and abs(d) >= 0.5 * 10 ** (-ind.decimals):
                    better = (d > 0) == (ind.polarity == "higher_is_better")
                    word = " (better)" if better else " (worse)"
                unit = "pts" if ind.unit == "percent" else ind.unit if ind.unit in ("weeks", "days") else ""
                versus = f"{d:+,.{ind.decimals}f} {unit}".rstrip() + word
        quartile, qtext = None, ""
        n, rank = p.get("n_las") or 0, _clean(p.get("rank"))
        if n >= MIN_AREAS_FOR_QUARTILES and rank is not None and ind.polarity != "neutral":
            # rank 1 = highest value; turn it into "best" first through the polarity
            best_rank = rank if ind.polarity == "higher_is_better" else n - rank + 1
            quartile = min(4, int((best_rank - 1) * 4 // n) + 1)
            qtext = {1: "Q1 best 25%", 2: "Q2", 3: "Q3", 4: "Q4 worst 25%"}[quartile] + f" of {n} LAs"
        rows.append(
            {
                "indicator_id": r.indicator_id,
                "england_text": text,
                "vs_england_text": versus,
                "quartile": quartile,
                "quartile_text": qtext,
            }
        )
    return pd.DataFrame(rows)


def spc_reading(ind: Indicator, series: pd.DataFrame, area: str | None = None) -> spc.SpcResult | None:
    """Making Data Count analysis of a series table (scorecard.series_table), or None below 12 figures."""
    if series.empty:
        return None
    try:
        return spc.analyse(
            series["value"].tolist(),
            series["period"].tolist(),
            improvement=spc.improvement_for(ind.polarity),
            target=series["target"].tolist() if "target" in series else None,
            **ind.spc_options(area),
        )
    except spc.NotEnoughPoints:
        return None


def icon_img(svg: str, alt: str, size: int = 30) -> str:
    """An SVG icon as an <img> with alt text (the page's HTML sanitiser removes inline <svg>)."""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img class="mdc" src="data:image/svg+xml;base64,{data}" width="{size}" height="{size}" alt="{html.escape(alt)}" title="{html.escape(alt)}">'


def enrich(conn, config: Config, area_code: str, card: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """The scorecard plus what good looks like: data completeness, SPC variation and assurance, vs England."""
    from indicators import scorecard, uploads  # scorecard builds on this module's callers, not the reverse

    if card.empty:
        return card
    due = uploads.completeness(conn, config, area_code, today).set_index("indicator_id")
    extra = []
    for r in card.itertuples():
        ind = config.by_id[r.indicator_id]
        reading = spc_reading(ind, scorecard.series_table(conn, config, ind, area_code), area_code)
        d = due.loc[r.indicator_id] if r.indicator_id in due.index else None
        extra.append(
            {
                "due_status": d["status"] if d is not None else "no data",
                "due_text": uploads.completeness_text(d["status"], d["periods_missing"], d["latest_due_display"])
                if d is not None
                else "",
                "due_title": f"Latest period due: {d['latest_due_display']}" if d is not None else "",
                "variation": reading.variation if reading else None,
                "variation_icon": reading.variation_icon if reading else None,
                "variation_text": reading.variation_text if reading else "Fewer than 12 figures: no SPC reading",
                "assurance": reading.assurance if reading else None,
                "assurance_text": (reading.assurance_text or "No target: no assurance") if reading else "",
            }
        )
    out = pd.concat([card.reset_index(drop=True), pd.DataFrame(extra)], axis=1)
    return out.merge(vs_england(conn, config, area_code, card), on="indicator_id", how="left")


VARIATION_ORDER = {
    "special_cause_concern": 0,
    "special_cause_neither": 1,
    "common_cause": 2,
    "special_cause_improvement": 3,
    None: 4,
}
ASSURANCE_ORDER = {"consistently_fail": 0, "inconsistent": 1, "consistently_pass": 2, None: 3}
RAG_ORDER = {rag.RED: 0, rag.AMBER: 1, rag.GREEN: 2, rag.NO_TARGET: 3, rag.NO_DATA: 4}
