"""The exception report, from the read model: indicators that are red, have moved down a RAG band since the period
immediately before, or show special-cause concern on their SPC chart, worst first, with commentary. Overdue figures
are not exceptions of performance: they are summarised once (readmodel.AreaFigures.overdue_summary) and listed."""

from __future__ import annotations

import pandas as pd

from indicators import rag, spc
from indicators.commentary import latest_for
from indicators.readmodel import AreaFigures

_RANK = {rag.RED: 0, rag.AMBER: 1, rag.GREEN: 2}
COLUMNS = [
    "indicator_id",
    "indicator",
    "severity",
    "reasons",
    "status",
    "rag_text",
    "period",
    "period_display",
    "value_text",
    "data_shows",
    "actions",
]


def exception_report(af: AreaFigures, indicator_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per indicator in exception, ordered by severity (red and worsening first), with its commentary."""
    rows = []
    for r in af.scorecard.itertuples(index=False):
        if indicator_ids is not None and r.indicator_id not in indicator_ids:
            continue
        reasons, score = [], 0
        if r.status == rag.RED:
            reasons.append("Red")
            score += 100
        prev = r.previous_status if isinstance(r.previous_status, str) else None
        if r.status in _RANK and prev in _RANK and _RANK[r.status] < _RANK[prev]:
            reasons.append(f"Moved down from {rag.BADGES[prev].word} to {rag.BADGES[r.status].word}")
            score += 50
        if r.variation == spc.CONCERN:
            reasons.append("SPC: special cause of concern")
            score += 30
        if not reasons:
            continue
        note = latest_for(af.commentary, r.indicator_id)
        rows.append(
            {
                "indicator_id": r.indicator_id,
                "indicator": r.indicator,
                "severity": score,
                "reasons": "; ".join(reasons),
                "status": r.status,
                "rag_text": r.rag_text,
                "period": r.period,
                "period_display": r.period_display,
                "value_text": r.value_text,
                "data_shows": note["data_shows"] if note is not None else "",
                "actions": note["actions"] if note is not None else "",
            }
        )
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.sort_values(["severity", "indicator"], ascending=[False, True], kind="stable").reset_index(drop=True)
