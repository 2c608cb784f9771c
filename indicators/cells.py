"""One cell of a file, read one way everywhere: numbers as people write them (91%, 1,234, " 29.228") and the
statistical suppression markers every reader, the validator and the SPC command accept."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

# Statistical suppression symbols (the DfE's EES convention, plus ".." used in ONS tables): the figure is
# missing on purpose. Kept with the observation as its marker; the value is left empty.
SUPPRESSION_MARKERS = {
    "*": "suppressed (NHS England)",
    "c": "confidential",
    "x": "not available",
    "z": "not applicable",
    "low": "rounds to zero",
    "u": "low reliability",
    "..": "not available",
    "~": "rounds to zero (older releases)",
    ":": "not available (older releases)",
}
MARKER_HINT = "c, x, z, low, u or .."
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def marker_of(text: str) -> str | None:
    """The suppression marker a cell holds (lower case), or None."""
    low = text.strip().lower()
    return low if low in SUPPRESSION_MARKERS else None


def parse_number(text: str, percent_ok: bool = True) -> tuple[float, str | None, tuple[str, dict] | None]:
    """Cell text (already stripped) → (value or NaN, suppression marker, (problem kind, params) or None)."""
    s = text
    if s == "":
        return math.nan, None, ("value_missing", {})
    low = s.lower()
    if low in SUPPRESSION_MARKERS:
        return math.nan, low, None
    if s.endswith("%"):
        if not percent_ok:
            return math.nan, None, ("percent_sign", {"value": s if len(s) <= 60 else s[:60] + "…"})
        s = s[:-1].strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not _NUMBER.match(s):
        return math.nan, None, ("not_a_number", {"value": text if len(text) <= 60 else text[:60] + "…", "markers": MARKER_HINT})
    return float(s), None, None


def missing(x) -> bool:
    """None, NaN, pandas' NA or NaT: a figure that is not there (the one test of that in the package)."""
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


def clean(x):
    """The value, or None when it is missing."""
    return None if missing(x) else x


def half_up(x: float, places: int) -> Decimal:
    """x rounded half-up to `places` decimals in decimal arithmetic, as the DfE rounds its published figures (31.25 →
    31.3; Python's round() gives 31.2, both because it rounds half to even and because 31.25 is not exact in binary)."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
