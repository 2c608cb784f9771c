"""The names of SPC readings (variations, rules, assurances), the words and colours that show them, and their
icons as inline SVG badges: shared by indicators.spc, the charts, pages, slides and pack."""

from __future__ import annotations

import html

INCREASE, DECREASE = "increase", "decrease"
COMMON_CAUSE = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEITHER = "special_cause_neither"
VARIATIONS = (COMMON_CAUSE, IMPROVEMENT, CONCERN, NEITHER)

BEYOND_LIMITS, TWO_OF_THREE, RUN, TREND = "beyond_limits", "two_of_three", "run", "trend"
RULE_PRIORITY = (BEYOND_LIMITS, TWO_OF_THREE, RUN, TREND)
HIGH, LOW = "high", "low"

PASS, FAIL, INCONSISTENT = "consistently_pass", "consistently_fail", "inconsistent"
ASSURANCES = (PASS, FAIL, INCONSISTENT)

# ---------------------------------------------------------------- words and colours

VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "special_cause_improvement_high": "Special cause variation: improving, higher values",
    "special_cause_improvement_low": "Special cause variation: improving, lower values",
    "special_cause_concern_high": "Special cause variation: concerning, higher values",
    "special_cause_concern_low": "Special cause variation: concerning, lower values",
    "special_cause_neither_high": "Special cause variation: higher values (neither improving nor concerning)",
    "special_cause_neither_low": "Special cause variation: lower values (neither improving nor concerning)",
}
ASSURANCE_TEXT = {
    PASS: "Consistently passing the target",
    FAIL: "Consistently failing the target",
    INCONSISTENT: "Hit and miss: the target will sometimes be met and sometimes not",
}
RULE_WORDS = {
    BEYOND_LIMITS: "a point beyond a process limit",
    TWO_OF_THREE: "two of three points close to a process limit",
    RUN: "{run_length} or more points in a row on one side of the mean",
    TREND: "{trend_length} or more points in a row rising or falling",
}
POINT_WORDS = {
    COMMON_CAUSE: "Common cause",
    IMPROVEMENT: "Special cause: improvement",
    CONCERN: "Special cause: concern",
    NEITHER: "Special cause: neither improvement nor concern",
}

# MDC's colours are grey, blue, orange and purple. These shades carry white text at 4.5:1 or more (WCAG AA).
COLOURS = {COMMON_CAUSE: "#505a5f", IMPROVEMENT: "#005eb8", CONCERN: "#b35900", NEITHER: "#6f2c91"}
ASSURANCE_COLOURS = {PASS: "#005eb8", FAIL: "#b35900", INCONSISTENT: "#505a5f"}
# Shapes differ as well as colours, so the chart reads in greyscale and for colour-blind readers.
# The line joining the values: a grey at 4.6:1 on white (1.4.11 asks 3:1), lighter than the black mean line.
VALUE_LINE = "#6f777b"
SYMBOLS = {COMMON_CAUSE: "circle", IMPROVEMENT: "diamond", CONCERN: "x", NEITHER: "square"}
FONT = "Arial, Helvetica, sans-serif"


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _badge(colour: str, label: str, inner: str, size: int) -> str:
    text = html.escape(label, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 40 40" '
        f'role="img" aria-label="{text}"><title>{text}</title>'
        f'<circle cx="20" cy="20" r="19" fill="{colour}"/>{inner}</svg>'
    )


def _letter(letter: str) -> str:
    return (
        f'<text x="20" y="27" text-anchor="middle" font-family="{FONT}" font-size="20" '
        f'font-weight="bold" fill="#ffffff">{html.escape(letter)}</text>'
    )


def variation_icon_svg(key: str, size: int = 40) -> str:
    """An inline SVG badge for a variation icon key (see VARIATION_TEXT), with a <title> and aria-label."""
    if key not in VARIATION_TEXT:
        raise ValueError(f"unknown variation icon {key!r}; one of {', '.join(VARIATION_TEXT)}")
    if key == COMMON_CAUSE:
        # A flat line with dots on it: nothing unusual is happening.
        inner = '<path d="M9 20 H31" stroke="#ffffff" stroke-width="3" stroke-linecap="round"/>' + "".join(
            f'<circle cx="{x}" cy="20" r="2.6" fill="#ffffff"/>' for x in (12, 20, 28)
        )
        return _badge(COLOURS[COMMON_CAUSE], VARIATION_TEXT[key], inner, size)
    variation, level = key.rsplit("_", 1)
    return _badge(COLOURS[variation], VARIATION_TEXT[key], _letter("H" if level == HIGH else "L"), size)


def assurance_icon_svg(kind: str, size: int = 40) -> str:
    """An inline SVG badge for an assurance (P pass, F fail, ? hit and miss), with a <title> and aria-label."""
    if kind not in ASSURANCE_TEXT:
        raise ValueError(f"unknown assurance {kind!r}; one of {', '.join(ASSURANCE_TEXT)}")
    letter = {PASS: "P", FAIL: "F", INCONSISTENT: "?"}[kind]
    return _badge(ASSURANCE_COLOURS[kind], ASSURANCE_TEXT[kind], _letter(letter), size)
