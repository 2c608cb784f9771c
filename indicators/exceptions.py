"""The exception report: indicators that are red, have moved down a RAG band, or are overdue, worst first."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from indicators import periods, rag, store, uploads
from indicators.commentary import latest_for
from indicators.config import Config

_RANK = {rag.RED: 0, rag.AMBER: 1, rag.GREEN: 2}


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def exception_report(
    conn,
    config: Config,
    area_code: str,
    today: dt.date | None = None,
    indicator_ids: list[str] | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """One row per indicator in exception, ordered by severity (red and worsening first), with commentary.
    `as_of` looks back from the end of an earlier period, as a board pack for that period does."""
    latest = store.latest(conn, area_code, as_of=as_of).set_index("indicator_id")
    due = uploads.completeness(conn, config, area_code, today).set_index("indicator_id")
    notes = store.latest_commentary(conn, area_code)
    rows = []
    for ind in config.indicators:
        if indicator_ids is not None and ind.id not in indicator_ids:
            continue
        reasons, score = [], 0
        status = prev_status = None
        if ind.id in latest.index:
            r = latest.loc[ind.id]
            p = periods.parse(r["period"], ind.period_type)
            status = rag.status(ind, p, _clean(r["value"]))
            if status == rag.RED:
                reasons.append("Red")
                score += 100
            if _clean(r["prev_period"]) is not None:
                prev_status = rag.status(ind, periods.parse(r["prev_period"], ind.period_type), _clean(r["prev_value"]))
                if status in _RANK and prev_status in _RANK and _RANK[status] < _RANK[prev_status]:
                    reasons.append(f"Moved down from {rag.BADGES[prev_status].word} to {rag.BADGES[status].word}")
                    score += 50
        c = due.loc[ind.id] if ind.id in due.index else None
        if c is not None and c["status"] == "overdue":
            reasons.append(f"Overdue: {int(c['periods_missing'])} period(s) missing up to {c['latest_due_display']}")
            score += 10 + min(int(c["periods_missing"]), 9)
        if not reasons:
            continue
        note = latest_for(notes, ind.id)
        rows.append(
            {
                "indicator_id": ind.id,
                "indicator": ind.name,
                "severity": score,
                "reasons": "; ".join(reasons),
                "status": status or rag.NO_DATA,
                "rag_text": rag.BADGES[status or rag.NO_DATA].text,
                "period": latest.loc[ind.id, "period"] if ind.id in latest.index else "",
                "value_text": rag.format_value(ind, _clean(latest.loc[ind.id, "value"]), _clean(latest.loc[ind.id, "marker"]))
                if ind.id in latest.index
                else "–",
                "data_shows": note["data_shows"] if note is not None else "",
                "actions": note["actions"] if note is not None else "",
            }
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "indicator_id",
            "indicator",
            "severity",
            "reasons",
            "status",
            "rag_text",
            "period",
            "value_text",
            "data_shows",
            "actions",
        ],
    )
    return df.sort_values(["severity", "indicator"], ascending=[False, True], kind="stable").reset_index(drop=True)
