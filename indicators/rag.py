"""Thresholds and polarity → RAG status, targets per period, and direction of travel."""

from __future__ import annotations

from dataclasses import dataclass

from indicators import periods
from indicators.cells import missing
from indicators.config import Indicator

GREEN, AMBER, RED, NO_TARGET, NO_DATA = "green", "amber", "red", "no_target", "no_data"


@dataclass(frozen=True)
class Badge:
    status: str
    word: str
    symbol: str
    colour: str  # background; text is always dark-on-light or light-on-dark to AA contrast
    text_colour: str

    @property
    def text(self) -> str:
        return f"{self.symbol} {self.word}"


# Shapes differ as well as colours so a colour-blind reader or a black-and-white printout still tells them apart.
BADGES = {
    GREEN: Badge(GREEN, "Green", "✔", "#00703c", "#ffffff"),
    AMBER: Badge(AMBER, "Amber", "▲", "#ffdd00", "#0b0c0c"),
    RED: Badge(RED, "Red", "✖", "#b21f12", "#ffffff"),
    NO_TARGET: Badge(NO_TARGET, "No target", "○", "#f3f2f1", "#0b0c0c"),
    NO_DATA: Badge(NO_DATA, "No data", "–", "#ffffff", "#505a5f"),
}

IMPROVING, WORSENING, NO_CHANGE, UP, DOWN, NOT_COMPARABLE = "improving", "worsening", "no_change", "up", "down", "not_comparable"
DIRECTION_TEXT = {
    IMPROVING: "↑ Improving",
    WORSENING: "↓ Worsening",
    NO_CHANGE: "→ No change",
    UP: "↑ Up",
    DOWN: "↓ Down",
    NOT_COMPARABLE: "– No earlier figure",
}


def target_for(ind: Indicator, period: periods.Period) -> float | None:
    """The target that applies in `period`: a fixed value, or a trajectory read by linear interpolation.

    Before the first trajectory point there is no target; after the last, the last value holds.
    """
    if ind.target is None:
        return None
    if ind.target.value is not None:
        return ind.target.value
    points = ind.trajectory_periods()
    if period.start < points[0][0].start:
        return None
    for (p0, v0), (p1, v1) in zip(points, points[1:]):
        if p0.start <= period.start <= p1.start:
            span = (p1.start - p0.start).days
            frac = (period.start - p0.start).days / span if span else 1.0
            return v0 + (v1 - v0) * frac
    return points[-1][1]


def thresholds_for(ind: Indicator, period: periods.Period) -> tuple[float, float] | None:
    """(green, amber) as absolute values in `period`, or None when the indicator has no RAG."""
    if ind.rag is None:
        return None
    if ind.rag.basis == "absolute":
        return ind.rag.green, ind.rag.amber
    target = target_for(ind, period)
    if target is None:
        return None
    sign = -1 if ind.polarity == "higher_is_better" else 1
    return target + sign * ind.rag.green, target + sign * ind.rag.amber


def status(ind: Indicator, period: periods.Period, value) -> str:
    """Green, amber or red for one observation; a value exactly on a threshold takes the better band."""
    if missing(value):
        return NO_DATA
    limits = thresholds_for(ind, period)
    if limits is None:
        return NO_TARGET
    green, amber = limits
    if ind.polarity == "higher_is_better":
        return GREEN if value >= green else AMBER if value >= amber else RED
    return GREEN if value <= green else AMBER if value <= amber else RED


def direction(ind: Indicator, value, earlier) -> str:
    """Direction of travel from `earlier` to `value`, read through the indicator's polarity."""
    if missing(value) or missing(earlier):
        return NOT_COMPARABLE
    # Differences smaller than the displayed precision are no change.
    if abs(value - earlier) < 0.5 * 10 ** (-ind.decimals):
        return NO_CHANGE
    up = value > earlier
    if ind.polarity == "neutral":
        return UP if up else DOWN
    better = up if ind.polarity == "higher_is_better" else not up
    return IMPROVING if better else WORSENING


def rule_text(ind: Indicator) -> str:
    """The RAG rule in words, for the About page and the board pack."""
    if ind.rag is None:
        return "No RAG rating: shown as 'No target'."
    r = ind.rag
    unit = "%" if ind.unit == "percent" else f" {ind.unit}" if ind.unit in ("weeks", "days") else ""
    # A distance between two percentages is in percentage points, not per cent of the target.
    gap = " percentage points" if ind.unit == "percent" else unit
    marked = " These thresholds are illustrative." if r.illustrative else ""
    if r.basis == "absolute":
        if ind.polarity == "higher_is_better":
            return f"Green at {r.green:g}{unit} or above; amber from {r.amber:g}{unit} up to green; red below {r.amber:g}{unit}.{marked}"
        return f"Green at {r.green:g}{unit} or below; amber above green up to {r.amber:g}{unit}; red above {r.amber:g}{unit}.{marked}"
    short = "below" if ind.polarity == "higher_is_better" else "above"
    green = "Green when the target is met" if r.green == 0 else f"Green within {r.green:g}{gap} {short} the target"
    return f"{green}; amber up to {r.amber:g}{gap} {short} the target; red further {short} it.{marked}"


def format_value(ind: Indicator, value, marker: str | None = None) -> str:
    if missing(value):
        return f"suppressed ({marker})" if marker else "–"
    if ind.unit == "percent":
        return f"{value:,.{ind.decimals}f}%"
    if ind.unit in ("weeks", "days"):
        return f"{value:,.{ind.decimals}f} {ind.unit}"
    return f"{value:,.{ind.decimals}f}"


def format_target(ind: Indicator, period: periods.Period | None) -> str:
    if ind.target is None:
        return "No target"
    if ind.target.value is not None:
        return format_value(ind, ind.target.value)
    value = target_for(ind, period) if period else None
    return f"{format_value(ind, value)} (trajectory)" if value is not None else "Trajectory (not yet started)"
