"""Text alternatives for charts: a name, a one-sentence summary and the chart's figures as a table, written from the
read model so the pages, the slides and the board pack describe a chart in the same words (no Streamlit here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from indicators import periods, rag, spc
from indicators.cells import missing

if TYPE_CHECKING:  # the read model is only a type here
    from indicators.readmodel import IndicatorFigures


def _word(text) -> str:
    """Status or direction text without its leading symbol, for a sentence: "↑ Improving" → "improving"."""
    s = "" if text is None or missing(text) else str(text).strip()
    if s[:1] in "↑↓→–✔▲✖○":
        s = s[1:].strip()
    return s[:1].lower() + s[1:] if s[:2] != s[:2].upper() else s


def _clause(text) -> str:
    """A reading as a clause inside a sentence: no trailing full stop, first letter lower case."""
    s = "" if text is None or missing(text) else str(text).strip().rstrip(".")
    return s[:1].lower() + s[1:] if s[1:2].islower() else s


def trend_name(f: IndicatorFigures, area_name: str) -> str:
    """The trend chart's accessible name: what it shows, for whom."""
    against = "target" if f.latest.get("target_text") not in (None, "", "–") else "earlier figures"
    return f"Chart: {f.ind.name}, {area_name}, trend against {against}" + (" and comparators" if f.comparators else "")


def trend_summary(f: IndicatorFigures, area_name: str) -> str:
    """One sentence: the latest value and period, its RAG against the target, the direction of travel and the SPC
    reading, then how long the series is."""
    r = f.latest
    held = f.held
    first, last = held.iloc[0]["period_display"], held.iloc[-1]["period_display"]
    status = _word(r.get("rag_text") or r.get("status"))
    rated = f"rated {status}" if r.get("status") in (rag.RED, rag.AMBER, rag.GREEN) else status
    words = f"{area_name}: {r['value_text']} in {r['period_display']}, {rated}"
    threshold = r.get("threshold_text")
    if threshold and threshold != "–":
        words += f" ({threshold})"
    direction = _word(r.get("direction_prev_text"))
    if direction:
        words += f"; {direction} on the period before"
    if f.spc is not None:
        words += f"; SPC: {_clause(r.get('variation_text'))}"
        if r.get("assurance_text"):
            words += f", {_clause(r['assurance_text'])}"
    words += f"; {len(held)} figure(s) from {first} to {last}"
    if f.comparators:
        words += f", shown with {', '.join(f.comparators)}"
    return words + "." + (f" {breaks_text(f)}" if f.breaks else "")


def breaks_text(f: IndicatorFigures) -> str:
    """Each break in the series in words, as the chart's dashed line and its label say it: figures either side of it
    are not comparable, so a step there is not a real change."""
    return " ".join(
        f"Series break at {periods.parse(b.period, f.ind.period_type).display}: {str(b.reason).rstrip('.')}; "
        "figures before and after it are not directly comparable."
        for b in f.breaks
    )


def spc_name(f: IndicatorFigures, area_name: str) -> str:
    return f"Chart: {f.ind.name}, {area_name}, SPC (XmR) chart with process limits"


def spc_summary(f: IndicatorFigures, area_name: str) -> str:
    """One sentence: the latest figure's SPC reading, the current segment's mean and process limits, assurance."""
    reading = f.spc
    if reading is None:
        return f"{area_name}: too few figures for an SPC chart."
    seg = reading.current_segment
    latest = reading.latest
    words = f"{area_name}: the latest figure, {rag.format_value(f.ind, latest.value)} in {latest.period}, shows {_clause(reading.variation_text)}"
    if seg.has_limits:
        words += (
            f"; mean {rag.format_value(f.ind, seg.mean)} with process limits {rag.format_value(f.ind, seg.lpl)} to "
            f"{rag.format_value(f.ind, seg.upl)} since {seg.start}"
        )
    if reading.assurance_text:
        words += f"; {_clause(reading.assurance_text)}"
    flagged = [p for p in reading.points if p.variation not in (None, spc.COMMON_CAUSE)]
    words += f"; {len(flagged)} of {sum(p.value is not None for p in reading.points)} figures show special cause"
    if reading.shifts:  # the dotted line on the chart, in words
        words += f". {reading.shift_text}"
    return words + "."


def trend_table(f: IndicatorFigures, area_name: str) -> pd.DataFrame:
    """The trend chart's figures, one row per period shown: the area's value, target, RAG, figure type, comparators."""
    s = f.series
    out = pd.DataFrame(
        {
            "Period": s["period_display"],
            area_name: [v if held else "no figure" for v, held in zip(s["value_text"], s["held"])],
            "Target": [rag.format_value(f.ind, t) if not missing(t) else "–" for t in s["target"]],
            "RAG": [t if held else "–" for t, held in zip(s["rag_text"], s["held"])],
            "Figure type": [t if isinstance(t, str) else "–" for t in s["figure_type"]],
        }
    )
    for label, comp in f.comparators.items():
        values = comp.set_index("period")["value"]
        out[label] = [rag.format_value(f.ind, values.get(p)) if p in values.index else "–" for p in s["period"]]
    if f.breaks:  # the chart's break line, in the row of the period it starts
        at = {b.period: f"Series break: {str(b.reason).rstrip('.')}" for b in f.breaks}
        out["Note"] = [at.get(p, "") for p in s["period"]]
    return out


def spc_table(f: IndicatorFigures) -> pd.DataFrame:
    """The SPC chart's figures: each period's value, its segment's mean and limits, and its reading."""
    reading = f.spc
    if reading is None:
        return pd.DataFrame()
    fmt = lambda v: "–" if v is None else rag.format_value(f.ind, v)  # noqa: E731
    rows = []
    for p in reading.points:
        seg = reading.segments[p.segment]
        rows.append(
            {
                "Period": p.period,
                "Value": fmt(p.value),
                "Mean": fmt(seg.mean),
                "Lower process limit": fmt(seg.lpl),
                "Upper process limit": fmt(seg.upl),
                "Reading": spc.POINT_WORDS.get(p.variation, "no figure") if p.value is not None else "no figure",
            }
        )
    return pd.DataFrame(rows)
