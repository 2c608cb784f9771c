"""The board pack: the same pages as a PowerPoint deck (python-pptx) and a PDF (reportlab), charts drawn by
Plotly's own static export (kaleido) in the system Chromium, which one process-wide chart server keeps running so
several people can make packs at once.

The default pack is what a board reads in ten minutes: a title page, the scorecard on one page, the exceptions
summarised worst first on at most two pages, then one page per exception and per headline indicator (`headline:
true` in the indicators file). `indicator_ids="all"` (`--indicators all`) gives every indicator a page.

Every page is laid out once, in points on a 16:9 page (960 × 540 pt, 13.333 × 7.5 in), and both files are drawn
from that layout: the PowerPoint and the PDF put the same words in the same places. Text is measured before it is
placed, so a long title wraps and pushes what follows down rather than printing over it, and no text is under 9 pt
(charts are drawn at their print size, so their text is in points too)."""

from __future__ import annotations

import asyncio
import atexit
import base64
import collections
import concurrent.futures
import contextlib
import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import html
import io
import json
import math
import os
import re
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators import (
    alt_text,
    board_paper,
    charts,
    commentary,
    exceptions,
    markup,
    periods,
    plan,
    pptx_deck,
    rag,
    readmodel,
    spc,
    store,
)
from indicators.config import Config

PUBLISHED_NOTE = (
    "◆ Published figures are quoted from public documents or official statistics (source in the data table). "
    "○ Illustrative values are sample data made up to fill a series: they are not real returns."
)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "Charts in the board pack are drawn by Plotly's static export, which needs Chromium on this machine, "
    "and none was found. Install it from the operating system's packages, e.g. `sudo apt-get install chromium` "
    "on Debian or Ubuntu, then try again. (Nothing is downloaded automatically.)"
)
ALL = "all"  # indicator_ids=ALL (or ["all"]): every indicator gets a page, as `--indicators all` asks

# The page, in points (1/72 in): 13.333 × 7.5 in, the same 16:9 page for the PowerPoint deck and the PDF.
PAGE_W, PAGE_H = 960.0, 540.0
MARGIN = 36.0
WIDTH = PAGE_W - 2 * MARGIN
TOP = 22.0
BOTTOM = 14.0
GAP = 8.0
MIN_PT = 9  # nothing in the pack is printed smaller
LEADING = 1.2
TITLE_PT, SUBTITLE_PT, BODY_PT, TABLE_PT, FOOTER_PT, CHART_PT = 24, 12, 10, 10, 9, 10
CHART_SCALE = 2  # pixels per point in the chart images: 144 dpi at print size


class ExportError(Exception):
    """The pack cannot be made; the message says what to do."""


@dataclass
class Chart:
    """One chart on a page: the Plotly figure laid out at its print size in points, its text alternative, and the
    PNG once drawn."""

    figure: object
    width: float
    height: float
    alt: str
    png: bytes | None = None
    native: dict | None = None  # the PowerPoint chart's categories and series (pptx_deck), drawn natively there
    title: str = ""


@dataclass
class Slide:
    kind: str  # title | scorecard | exceptions | indicator
    title: str
    subtitle: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # RAG status per row, for cell colour
    widths: list[float] = field(default_factory=list)  # the table's column widths as fractions of its width
    charts: list[Chart] = field(default_factory=list)
    comparison: str = ""  # where the area stands against England, the region, neighbours and every LA
    data_shows: str = ""
    actions: str = ""
    review: str = ""
    footer: str = PUBLISHED_NOTE
    table_pt: float = TABLE_PT
    body: str = ""  # a page of text (kind "text"): the board paper's cover sheet and key messages, a report's narrative
    sources: list[str] = field(default_factory=list)  # where the figures on the page come from (the deck's notes)

    @property
    def commentary_text(self) -> str:
        """The commentary as the deck and the PDF both print it."""
        words = []
        if self.data_shows:
            words.append(f"What the data shows: {self.data_shows}")
        if self.actions:
            words.append(f"What we are doing about it: {self.actions}")
        if self.review:
            words.append(self.review)
        return "\n".join(words) or "No commentary has been written for this period."


@dataclass
class Pack:
    area_name: str
    as_of_text: str
    produced: str
    slides: list[Slide]
    document: str = "SEND performance board pack"  # the PDF's title, before the area's name


def chromium_path() -> str | None:
    """The system Chromium: KPI_CHROMIUM if set (and only that), else the usual names on PATH."""
    chosen = os.environ.get("KPI_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def parse_as_of(label: str | None) -> periods.Period | None:
    """A period label in any form the dashboard knows → the period (its end is the pack's cut-off)."""
    if not label:
        return None
    for ptype in ("fy_quarter", "month", "financial_year", "calendar_year"):
        try:
            return periods.parse(label, ptype)
        except periods.PeriodError:
            continue
    raise ExportError(
        f'"{label}" is not a period the board pack understands; use e.g. "2019-20 Q4", "2019-12", "2019-20" or "2019".'
    )


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


SPC_SHORT = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improving (special cause)",
    "special_cause_concern": "Concern (special cause)",
    "special_cause_neither": "Special cause",
}
SPC_WORD = SPC_SHORT | {"special_cause_improvement": "Improving", "special_cause_concern": "Concern"}
# The one-page scorecard has room for a word of SPC: these marks say why where the word alone would mislead.
SPC_MARKS = "† limits span a shift (rebase suggested on its page); ‡ judged on long-run limits, against the arrow."
ASSURANCE_SHORT = {"consistently_pass": "target met", "consistently_fail": "target missed", "inconsistent": "hit and miss"}


def spc_words(r, short: bool = False) -> str:
    """Variation and assurance in a few words, for slides (the charts show the icons); `short` for the scorecard."""
    if not isinstance(getattr(r, "variation", None), str):
        return "Too few figures"
    note = getattr(r, "spc_note", "")
    # Why an icon disagrees with the arrow beside it, and where limits span a shift (readmodel.spc_note).
    why = "; vs long-run limits" if isinstance(note, str) and note.startswith(("Concern though", "Improvement though")) else ""
    shift_at = getattr(r, "spc_shift_at", "")
    shift = f"; shift at {shift_at}" if isinstance(shift_at, str) and shift_at else ""
    if short:  # the variation alone, marked (SPC_MARKS): the indicator's page gives the assurance and the why
        return SPC_WORD.get(r.variation, r.variation) + (" ‡" if why else "") + (" †" if shift else "")
    words = SPC_SHORT.get(r.variation, r.variation)
    return words + (f"; {ASSURANCE_SHORT[r.assurance]}" if isinstance(r.assurance, str) else "") + why + shift


def short_period(label: str, period_type: str) -> str:
    """A period as an axis or a table cell has room for: "Aug 2026", "2026-27 Q1", "2025/26", "2025"."""
    p = periods.parse(label, period_type)
    if period_type == "month":
        return p.start.strftime("%b %Y")
    if period_type == "academic_year":
        return p.label.replace("-", "/")
    return p.label


# ---------------------------------------------------------------- charts at their print (or projector) size


def _deep_set(d: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for p in parents:
        d = d.setdefault(p, {})
    d[last] = value


def _axes(layout: dict, letter: str) -> list[dict]:
    """Every x (or y) axis of a figure's layout, made if missing."""
    names = [k for k in layout if re.fullmatch(f"{letter}axis\\d*", k)] or [f"{letter}axis"]
    return [layout.setdefault(k, {}) for k in names]


def period_axis(spec: dict, series: pd.DataFrame, period_type: str, *, width_px: float, font_px: float) -> None:
    """Label the x axis with periods ("2024-25 Q1", "Jun 2024"), never with dates or times of day: ticks at period
    starts, as many as fit the chart's width, always including the latest."""
    if series is None or series.empty:
        return
    starts = list(pd.to_datetime(series["period_start"]))
    labels = [short_period(p, period_type) for p in series["period"]]
    room = max(1, int(width_px * 0.8 // (font_px * 0.62 * max(len(t) for t in labels) + font_px * 1.5)))
    step = max(1, math.ceil(len(starts) / room))
    if period_type == "month" and step > 1:
        step = next((s for s in (3, 6, 12, 24, 36, 60) if s >= step), step)
    picks = list(range(len(starts) - 1, -1, -step))[::-1]  # counted back from the latest, which is always labelled
    pad = pd.Timedelta(days=20 if period_type == "month" else 45)
    for axis in _axes(spec["layout"], "x"):
        axis.update(
            type="date",
            tickmode="array",
            tickvals=[starts[i].strftime("%Y-%m-%d") for i in picks],
            ticktext=[labels[i] for i in picks],
            range=[(starts[0] - pad).strftime("%Y-%m-%d"), (starts[-1] + pad).strftime("%Y-%m-%d")],
            tickangle=0,
        )
    middle = starts[0] + (starts[-1] - starts[0]) / 2
    for a in spec["layout"].get("annotations") or ():  # a label in the later half reads leftwards, inside the chart
        if a.get("xref", "x") != "paper" and a.get("x") is not None and pd.Timestamp(a["x"]) > middle:
            a["xanchor"] = "right"
    margin = spec["layout"].setdefault("margin", {})
    half = font_px * 0.62 * len(labels[-1]) / 2  # the latest label is centred on the last point: room for its half
    margin["r"] = max(margin.get("r") or 0, half)


def wrap_words(text: str, max_chars: int) -> str:
    """Break a chart title into lines of at most `max_chars` characters (Plotly never wraps titles: it clips)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > max_chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


PLOTLY_LINE = 1.3  # Plotly's line spacing in multi-line text, in ems


def fit_chart(
    spec: dict, *, title: str, width_px: float | None, height_px: float, font_px: float, title_px=None, wrap_px: float = 480
) -> dict:
    """Size a chart (a Plotly figure as a dict) for a page or a projector: every text at `font_px` or more, the
    title wrapped to the width (`width_px`; None: the width the screen gives it, at least `wrap_px`), margins that
    keep the title and the legend inside the picture."""
    title_px = title_px or font_px + 2
    max_chars = max(12, int(((width_px or wrap_px) - 2 * font_px) / (title_px * 0.56)))
    wrapped = wrap_words(html.escape(title, quote=False), max_chars)
    lines = wrapped.count("<br>") + 1
    lay = spec.setdefault("layout", {})
    if width_px is not None:
        lay["width"] = int(width_px)
    else:
        lay.pop("width", None)
    lay["height"] = int(height_px)
    _deep_set(lay, "font.size", font_px)
    pad = font_px * 0.4
    lay["title"] = {
        "text": wrapped,
        "font": {"size": title_px},
        "x": 0,
        "xanchor": "left",
        "xref": "paper",
        # Plotly anchors a multi-line title by its first line and moves the others up: down by those lines, so the
        # whole title sits inside the picture.
        "y": 1 - (pad + (lines - 1) * PLOTLY_LINE * title_px) / height_px,
        "yanchor": "top",
        "yref": "container",
    }
    top = pad + lines * PLOTLY_LINE * title_px + font_px * 0.6
    if any(a.get("yref") == "paper" and (a.get("y") or 0) >= 1 for a in lay.get("annotations") or ()):
        top += font_px * PLOTLY_LINE  # labels along the top of the plot (e.g. quartile names): a line of their own
    # labels in the right margin (the RAG boundaries' rules): as wide as the longest
    beside = [
        len(re.sub(r"<[^>]+>", "", str(a.get("text") or "")))
        for a in lay.get("annotations") or ()
        if a.get("xref") == "paper" and (a.get("x") or 0) >= 1 and a.get("xanchor") == "left"
    ]
    right = max([font_px] + [n * font_px * 0.62 + font_px for n in beside])
    lay["margin"] = {"l": font_px * 4.5, "r": right, "t": top, "b": font_px * 2, "autoexpand": True}
    lay["legend"] = {
        "orientation": "h",
        "yref": "container",  # at the foot of the picture: the margin grows to fit it, under the axis labels
        "yanchor": "bottom",
        "y": 0,
        "x": 0,
        "font": {"size": font_px},
        "traceorder": "normal",  # one flow of entries, not a column per legend group
        "tracegroupgap": 0,
    }
    _deep_set(lay, "hoverlabel.font.size", font_px)
    for axis in _axes(lay, "x") + _axes(lay, "y"):
        axis["automargin"] = True
        _deep_set(axis, "tickfont.size", font_px)
        if isinstance(axis.get("title"), str):
            axis["title"] = {"text": axis["title"]}
        _deep_set(axis, "title.font.size", font_px)
    for a in lay.get("annotations") or ():
        _deep_set(a, "font.size", max(font_px, (a.get("font") or {}).get("size") or 0))
    return spec


def smallest_text(spec: dict) -> float:
    """The smallest font size anywhere in a figure's layout (title, axes, legend, annotations)."""
    sizes = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "size" and key.endswith("font") and isinstance(v, (int, float)):
                    sizes.append(v)
                walk(v, k)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v, key)

    walk(spec["layout"])
    return min(sizes) if sizes else 0.0


def spc_icons(spec: dict, reading, *, width_px: float, height_px: float, size_px: float) -> None:
    """The Making Data Count icons (variation, and assurance where there is a target) in the chart's top right
    corner, so a printed or projected SPC chart carries them as the pages do."""
    if reading is None or reading.variation_icon is None:
        return
    svgs = [spc.variation_icon_svg(reading.variation_icon, 40)]
    if reading.assurance:
        svgs.append(spc.assurance_icon_svg(reading.assurance, 40))
    images = spec["layout"].setdefault("images", [])
    for n, svg in enumerate(svgs):
        images.append(
            {
                "source": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
                "xref": "paper",
                "yref": "paper",
                "x": 1 - n * (size_px * 1.15) / width_px,
                "y": 1 + 4 / height_px,
                "sizex": size_px / width_px,
                "sizey": size_px / height_px,
                "xanchor": "right",
                "yanchor": "bottom",
                "sizing": "contain",
                "layer": "above",
            }
        )


def trend_alt(f: readmodel.IndicatorFigures, area_name: str) -> str:
    r = f.latest
    held = f.held
    first = periods.parse(held["period"].iloc[0], f.ind.period_type).display if not held.empty else ""
    compared = f" Compared with {', '.join(f.comparators)}." if f.comparators else ""
    return (
        f"Chart: line chart of {f.ind.name} for {area_name}, {first} to {r['period_display']}: latest {r['value_text']}, "
        f"{r['rag_text']} ({r['threshold_text']}), target {r['target_text']}, {r['direction_prev_text']}.{compared}"
        + (f" {alt_text.breaks_text(f)}" if f.breaks else "")
    )


def spc_alt(f: readmodel.IndicatorFigures, area_name: str) -> str:
    r = f.latest
    assurance = f" {r['assurance_text']}." if r.get("assurance_text") else ""
    return (
        f"Chart: statistical process control (XmR) chart of {f.ind.name} for {area_name}, with its mean and process "
        f"limits. {r['variation_text']}.{assurance}"
    )


def board_trend(
    f, area_name: str, *, width: float | None, height: float, font: float, title: str, base=None, wrap_px: float = 480
) -> dict:
    """The trend chart as a dict, sized for a page (points) or a projector (pixels; width None: the screen's), with
    period labels on the axis. `base`: the trend figure if already made (the pages cache theirs)."""
    fig = base if base is not None else charts.trend_figure(f, area_name)
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else copy.deepcopy(fig)
    fit_chart(spec, title=title, width_px=width, height_px=height, font_px=font, wrap_px=wrap_px)
    period_axis(spec, f.series, f.ind.period_type, width_px=width or wrap_px, font_px=font)
    return spec


def board_spc(
    f, area_name: str, *, width: float | None, height: float, font: float, title: str, base=None, wrap_px: float = 480
) -> dict | None:
    """The XmR chart with its icons, sized like `board_trend`; None when there are too few figures."""
    fig = base if base is not None else charts.spc_figure(f, area_name)
    if fig is None:
        return None
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else copy.deepcopy(fig)
    fit_chart(spec, title=title, width_px=width, height_px=height, font_px=font, wrap_px=wrap_px)
    period_axis(spec, f.series, f.ind.period_type, width_px=width or wrap_px, font_px=font)
    for trace in spec.get("data", []):  # shorter legend entries: "Improvement" rather than "Special cause: improvement"
        name = trace.get("name") or ""
        if name.startswith("Special cause: "):
            trace["name"] = name.removeprefix("Special cause: ").capitalize()
    icon = font * 2.4
    m = spec["layout"]["margin"]
    m["t"] = max(m["t"], icon + font)
    w = (width or wrap_px) - m["l"] - m["r"]
    spc_icons(spec, f.spc, width_px=w, height_px=height - m["t"] - m["b"], size_px=icon)
    return spec


def comparison_rows(af: readmodel.AreaFigures, f: readmodel.IndicatorFigures) -> list[tuple[str, str]]:
    """Where the area stands on the indicator's official counterpart (or the indicator itself when it is official):
    the area, England, the region and the neighbours in the latest year held, and the rank among local authorities."""
    ind = f.ind
    basis = af.indicators.get(ind.official) if ind.official else f if ind.kind == "official" else None
    if basis is None or basis.held.empty:
        return []
    last = basis.held.iloc[-1]
    p = periods.parse(last["period"], basis.ind.period_type)
    rows = [(f"{basis.shown_as(af.area.name)}, {p.display}", last["value_text"])]
    for label, line in basis.comparators.items():
        at = line[line["period"] == last["period"]]
        if "n_neighbours" in line.columns and not at.empty:  # the neighbours: with how many had a figure
            n = f"{int(at['n_areas'].iloc[0])} of {int(at['n_neighbours'].iloc[0])}"
            value = _clean(at["value"].iloc[0])
            rows.append((label, f"too few ({n})" if value is None else f"{rag.format_value(basis.ind, float(value))} ({n})"))
        elif not at.empty and _clean(at["value"].iloc[0]) is not None:
            rows.append((label, rag.format_value(basis.ind, float(at["value"].iloc[0]))))
    r = basis.ranks[basis.ranks["period"] == last["period"]] if not basis.ranks.empty else basis.ranks
    if not r.empty:
        rank, n, q = int(r["rank"].iloc[0]), int(r["n_las"].iloc[0]), int(r["quartile"].iloc[0])
        rows.append(("Rank among local authorities", f"{readmodel.ordinal(rank)} of {n} ({readmodel.QUARTILE_WORDS[q]})"))
    return rows


def trend_title(f) -> str:
    """The trend chart's title, naming only what it shows: "Trend, with target, RAG bands and comparators"."""
    shows = []
    if f.series["target"].notna().any():
        shows.append("target")
    if f.series["green"].notna().any():
        shows.append("RAG bands")
    if f.comparators:
        shows.append("comparators")
    if not shows:
        return "Trend"
    return "Trend, with " + (", ".join(shows[:-1]) + " and " if len(shows) > 1 else "") + shows[-1]


def spc_reading(r) -> str:
    """What the SPC chart's icons say, in words (or why there is no SPC chart)."""
    if not isinstance(r.variation, str):
        return f"SPC: {r.variation_text}." if isinstance(getattr(r, "variation_text", None), str) else ""
    note = getattr(r, "spc_note", "")
    return (
        f"SPC: {r.variation_text}."
        + (f" {r.assurance_text}." if isinstance(r.assurance, str) else "")
        + (f" {note} (an administrator confirms a rebase in config/indicators.yaml)." if isinstance(note, str) and note else "")
    )


def comparison_text(af: readmodel.AreaFigures, f: readmodel.IndicatorFigures) -> str:
    rows = comparison_rows(af, f)
    if len(rows) < 2:
        return ""
    basis = af.indicators.get(f.ind.official) if f.ind.official else f
    head = f"Compared ({basis.ind.name}): " if basis is not f else "Compared: "
    # NHS statistics: whose figures these are, and that nothing is apportioned.
    covers = f" {basis.stand_in.brief}" if basis.stand_in is not None else ""
    return head + "; ".join(f"{k} {v}" for k, v in rows) + "." + covers


# ---------------------------------------------------------------- measuring text


def _pdf_fonts() -> tuple[str, str]:
    """DejaVu Sans has the RAG symbols (✔ ▲ ✖ ○ ◆); Helvetica does not, so prefer it when installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    bold = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if regular.exists() and bold.exists():
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def lines_of(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """`text` broken into the lines it takes at `size` points in `width` (measured with the PDF's font, which is
    wider than PowerPoint's Arial, so the deck's boxes are never too small)."""
    return list(_lines_of(text, size, width, bold))


@functools.lru_cache(maxsize=4096)  # a page is measured when it is built and again when each file is drawn
def _lines_of(text: str, size: float, width: float, bold: bool) -> tuple[str, ...]:
    from reportlab.lib.utils import simpleSplit

    font = _pdf_fonts()[1 if bold else 0]
    out = []
    for para in text.split("\n"):
        out.extend(simpleSplit(para, font, size, width) or [""])
    return tuple(out)


def text_height(text: str, size: float, width: float, bold: bool = False) -> float:
    return len(lines_of(text, size, width, bold)) * size * LEADING


def fit_lines(text: str, size: float, width: float, height: float, more: str = " …") -> str:
    """`text` cut to the lines that fit in `height`, the last ending with `more` when anything was cut."""
    lines = lines_of(text, size, width)
    keep = max(1, int(height // (size * LEADING)))
    if len(lines) <= keep:
        return text
    cut = lines[:keep]
    while cut and text_height(cut[-1] + more, size, width) > size * LEADING:
        cut[-1] = cut[-1].rsplit(" ", 1)[0] if " " in cut[-1] else cut[-1][:-4]
    return "\n".join(cut[:-1] + [cut[-1] + more])


def _table(header, rows, statuses, width, widths, size):
    """The reportlab table both the PDF draws and the PowerPoint copies its row heights from."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    font, bold = _pdf_fonts()

    def style(b=False, colour="#0b0c0c"):
        return ParagraphStyle(
            "t", fontName=bold if b else font, fontSize=size, leading=size * LEADING, textColor=colors.HexColor(colour)
        )

    esc = lambda v: str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")  # noqa: E731
    data = [[Paragraph(esc(h), style(True, "#ffffff")) for h in header]]
    cmds = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b0c0c")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
        *[(k, (0, 0), (-1, -1), v) for k, v in TABLE_PADDING.items()],
    ]
    rag_col = next((i for i, h in enumerate(header) if h.startswith("RAG")), None)
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            if c == rag_col and r - 1 < len(statuses):
                badge = rag.BADGES.get(statuses[r - 1], rag.BADGES[rag.NO_DATA])
                cmds.append(("BACKGROUND", (c, r), (c, r), colors.HexColor(badge.colour)))
                cells.append(Paragraph(esc(v), style(True, badge.text_colour)))
            else:
                if r % 2 == 0:
                    cmds.append(("BACKGROUND", (c, r), (c, r), colors.HexColor("#f3f2f1")))
                cells.append(Paragraph(esc(v), style()))
        data.append(cells)
    t = Table(data, colWidths=[width * f for f in widths])
    t.setStyle(TableStyle(cmds))
    t.wrap(width, PAGE_H)
    return t


TABLE_PADDING = {"LEFTPADDING": 4, "RIGHTPADDING": 4, "TOPPADDING": 1, "BOTTOMPADDING": 2}


def table_height(header, rows, width, widths, size) -> float:
    return sum(row_heights(header, rows, width, widths, size))


def row_heights(header, rows, width, widths, size) -> tuple[float, ...]:
    return _row_heights(tuple(header), tuple(tuple(r) for r in rows), width, tuple(widths), size)


@functools.lru_cache(maxsize=1024)
def _row_heights(header, rows, width, widths, size) -> tuple[float, ...]:
    return tuple(_table(list(header), [list(r) for r in rows], [], width, list(widths), size)._rowHeights)


# ---------------------------------------------------------------- the layout both files are drawn from


@dataclass
class Box:
    """Something placed on a page, in points from the page's top left."""

    kind: str  # text | table | picture
    x: float
    y: float
    w: float
    h: float
    text: str = ""
    size: float = BODY_PT
    bold: bool = False
    colour: str = "#0b0c0c"
    invisible: bool = False
    chart: Chart | None = None
    slide: Slide | None = None


def _footer_text(s: Slide, n: int | None, total: int | None) -> str:
    page = f"Page {n} of {total}" if n else "Page 99 of 99"
    return f"{s.footer}   {page}"


def _frame(s: Slide) -> tuple[list[Box], float, float]:
    """Title, subtitle and footer of a page, and the space left between them for the body (top, bottom)."""
    boxes = []
    footer_h = text_height(_footer_text(s, None, None), FOOTER_PT, WIDTH)
    footer_y = PAGE_H - BOTTOM - footer_h
    if s.kind == "title":
        h = text_height(s.title, 40, WIDTH, True)
        boxes.append(Box("text", MARGIN + 24, 150, WIDTH - 24, h, s.title, 40, True))
        boxes.append(Box("text", MARGIN + 24, 150 + h + 16, WIDTH - 24, text_height(s.subtitle, 22, WIDTH - 24), s.subtitle, 22))
        return boxes, footer_y, footer_y
    y = TOP
    h = text_height(s.title, TITLE_PT, WIDTH, True)
    boxes.append(Box("text", MARGIN, y, WIDTH, h, s.title, TITLE_PT, True))
    y += h + 4
    if s.subtitle:
        h = text_height(s.subtitle, SUBTITLE_PT, WIDTH)
        boxes.append(Box("text", MARGIN, y, WIDTH, h, s.subtitle, SUBTITLE_PT))
        y += h
    return boxes, y + GAP + 2, footer_y - GAP


INDICATOR_TABLE_W = 0.47 * WIDTH
CHART_GAP = 16.0


def _indicator_parts(s: Slide, body_top: float, body_bottom: float) -> tuple[float, float, float]:
    """(height of the charts, height of the row under them, width of the text beside the table)."""
    table_h = table_height(s.header, s.rows, INDICATOR_TABLE_W, s.widths, s.table_pt) if s.rows else 0
    text_w = WIDTH - INDICATOR_TABLE_W - CHART_GAP
    words = "\n".join(t for t in (s.comparison, s.commentary_text) if t)
    text_h = min(text_height(words, BODY_PT, text_w), max(table_h, 4 * BODY_PT * LEADING))
    under = max(table_h, text_h)
    return body_bottom - body_top - under - GAP, under, text_w


def layout(s: Slide, n: int | None = None, total: int | None = None) -> list[Box]:
    """Every box on page `n` of `total`: the PowerPoint and the PDF both draw exactly these."""
    boxes, top, bottom = _frame(s)
    if s.kind == "text" and s.body:
        boxes.append(Box("text", MARGIN, top, WIDTH, text_height(s.body, BODY_PT + 1, WIDTH), s.body, BODY_PT + 1))
    elif s.kind not in ("title", "indicator", "text") and s.rows:  # a table page: scorecard, exceptions, plan tables
        h = table_height(s.header, s.rows, WIDTH, s.widths, s.table_pt)
        boxes.append(Box("table", MARGIN, top, WIDTH, h, size=s.table_pt, slide=s))
    elif s.kind == "indicator":
        chart_h, under, text_w = _indicator_parts(s, top, bottom)
        x = MARGIN
        for c in s.charts:
            boxes.append(Box("picture", x, top, c.width, c.height, c.alt, chart=c))
            x += c.width + CHART_GAP
        y = top + max([c.height for c in s.charts] or [chart_h]) + GAP
        if s.rows:
            h = table_height(s.header, s.rows, INDICATOR_TABLE_W, s.widths, s.table_pt)
            boxes.append(Box("table", MARGIN, y, INDICATOR_TABLE_W, h, size=s.table_pt, slide=s))
        words = "\n".join(t for t in (s.comparison, s.commentary_text) if t)
        words = fit_lines(words, BODY_PT, text_w, under)
        boxes.append(
            Box("text", MARGIN + INDICATOR_TABLE_W + CHART_GAP, y, text_w, text_height(words, BODY_PT, text_w), words, BODY_PT)
        )
    foot = _footer_text(s, n, total)
    fh = text_height(_footer_text(s, None, None), FOOTER_PT, WIDTH)
    boxes.append(Box("text", MARGIN, PAGE_H - BOTTOM - fh, WIDTH, fh, foot, FOOTER_PT, colour="#505a5f"))
    return boxes


def _paginate(header, rows, statuses, widths, space: float, sizes=(TABLE_PT, 9.5, MIN_PT)) -> tuple[float, list[list[int]]]:
    """The largest text size (not under 9 pt) at which the table fits one page; else pages of rows at 9 pt."""
    for size in sizes:
        if table_height(header, rows, WIDTH, widths, size) <= space:
            return size, [list(range(len(rows)))]
    size, pages, page = sizes[-1], [], []
    for i in range(len(rows)):
        if page and table_height(header, [rows[j] for j in page + [i]], WIDTH, widths, size) > space:
            pages.append(page)
            page = []
        page.append(i)
    return size, pages + [page]


def _table_pages(kind, title, subtitle, header, rows, statuses, widths, footer, *, most: int | None = None) -> list[Slide]:
    probe = Slide(kind, title + " (1 of 2)", subtitle, footer=footer)
    _, top, bottom = _frame(probe)
    size, pages = _paginate(header, rows, statuses, widths, bottom - top)
    left_off = 0
    if most is not None and len(pages) > most:
        left_off = sum(len(p) for p in pages[most:])
        pages = pages[:most]
    out = []
    for n, page in enumerate(pages, 1):
        sub = subtitle
        if left_off and n == len(pages):
            sub += f" …and {left_off} more on the dashboard's Exceptions page."
        out.append(
            Slide(
                kind,
                title + (f" ({n} of {len(pages)})" if len(pages) > 1 else ""),
                sub,
                header,
                [rows[i] for i in page],
                [statuses[i] for i in page],
                widths,
                footer=footer,
                table_pt=size,
            )
        )
    return out


def text_pages(title: str, subtitle: str, paragraphs: list[str], footer: str) -> list[Slide]:
    """Pages of text (kind "text"), as many as the paragraphs need, none running into the footer; a paragraph too long
    for a page on its own is cut to fit, with an ellipsis."""
    probe = Slide("text", title + " (1 of 9)", subtitle, footer=footer)
    _, top, bottom = _frame(probe)
    space, size = bottom - top, BODY_PT + 1
    pages: list[list[str]] = [[]]
    for para in paragraphs or [""]:
        para = fit_lines(para, size, WIDTH, space)
        if pages[-1] and text_height("\n\n".join(pages[-1] + [para]), size, WIDTH) > space:
            pages.append([])
        pages[-1].append(para)
    n = len(pages)
    return [
        Slide("text", title + (f" ({i} of {n})" if n > 1 else ""), subtitle, footer=footer, body="\n\n".join(page))
        for i, page in enumerate(pages, 1)
    ]


def table_pages(title, subtitle, header, rows, widths, footer, statuses=None, kind="table") -> list[Slide]:
    """Pages of one table (a header row on each), at the largest text size that fits, never under 9 pt."""
    return _table_pages(kind, title, subtitle, header, rows, statuses or [""] * len(rows), widths, footer)


def _one_line(text: str, limit: int = 110) -> str:
    """The first sentence or so of a commentary, for the exceptions summary (each exception has a page of its own)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def build(
    conn,
    config: Config,
    area_code: str,
    *,
    as_of: str | None = None,
    indicator_ids: list[str] | str | None = None,
    today: dt.date | None = None,
    on_chart: Callable[[str, Chart], None] | None = None,
    paper: board_paper.Paper | None = None,
    figures: bool = True,
) -> Pack:
    """Assemble the pages (charts as figures, not yet drawn) for one area, cut off at the end of period `as_of`.

    A board paper: the cover sheet and key messages first, then the scorecard and exceptions, what changed since the
    last meeting, the action log and the recommendations, then the indicators' pages. `paper` holds the author's
    choices (meeting, date, author, purpose, the last meeting's date, edited key messages and recommendations);
    what it leaves empty is drafted from the figures and the improvement plan.

    indicator_ids None: the default pack (every indicator on the scorecard; pages for the exceptions and the
    headline indicators); ALL: a page for every indicator; a list: those indicators, each with a page.
    figures False: no Plotly figures (the PowerPoint deck draws its charts natively from each Chart's `native`)."""
    cut = parse_as_of(as_of)
    cut_date = cut.end if cut else None
    areas = store.areas(conn)
    if area_code not in set(areas["code"]):
        raise ExportError(f'area "{area_code}" is not known; use one of {", ".join(areas["code"])}')
    area_name = clean_text(dict(zip(areas["code"], areas["name"]))[area_code])  # measured below: cleaned first
    full = indicator_ids == ALL or indicator_ids == [ALL]
    chosen_ids = None if full or indicator_ids is None else list(indicator_ids)
    unknown = [i for i in (chosen_ids or []) if i not in config.by_id]
    if unknown:
        raise ExportError(f"unknown indicator id(s): {', '.join(unknown)}")
    chosen = [i for i in config.indicators if chosen_ids is None or i.id in chosen_ids]
    ids = [i.id for i in chosen]
    af = readmodel.figures(
        conn, config, area_code, today=(cut_date + dt.timedelta(days=1)) if cut_date else today, as_of=cut_date
    )
    card = af.scorecard
    if not card.empty:
        card = card[card["indicator_id"].isin(ids)].reset_index(drop=True)
    if card.empty:
        raise ExportError(
            f"there are no figures for {area_name}{' up to ' + cut.display if cut else ''}; choose another area or period."
        )
    produced = (today or dt.date.today()).strftime("%-d %B %Y")
    as_of_text = f"Figures up to {cut.display}" if cut else af.figures_up_to(ids)
    provenance = as_of_text + (f". {markup.SAMPLE_BANNER}" if af.illustrative_shown(ids) else "")
    # The exceptions every view shows (the Exceptions page and the deck list the same): of the indicators chosen.
    ex = exceptions.exception_report(af, ids)
    if chosen_ids is None and not full:
        paged = set(ex["indicator_id"]) | {i.id for i in config.indicators if i.headline}
    else:
        paged = set(card["indicator_id"])
    # In the default pack, a local measure's NHS counterpart (NHS England's figures for the council's NHS partners)
    # follows its page; a pack of chosen indicators has exactly those.
    nhs_after = {
        i.id: i.official
        for i in config.indicators
        if chosen_ids is None
        and not full
        and i.id in paged
        and i.official
        and config.by_id[i.official].nhs_geography
        and i.official in af.indicators
    }
    paged |= set(nhs_after.values())
    by_id_row = {r.indicator_id: r for r in af.scorecard.itertuples()}  # the counterpart may not be on the scorecard
    order = []
    for r in card.itertuples():
        if r.indicator_id in paged and r.indicator_id not in order:
            order.append(r.indicator_id)
            if r.indicator_id in nhs_after and nhs_after[r.indicator_id] not in order:
                order.append(nhs_after[r.indicator_id])
    page_rows = [by_id_row[i] for i in order]
    what = (
        "the scorecard, the exceptions, then a page for each exception and each headline indicator"
        if chosen_ids is None and not full
        else "the scorecard, the exceptions, then a page for each indicator"
    )
    paper = paper or board_paper.Paper()
    view = plan.view(conn, config, af, today=cut_date or today)
    slides = [
        Slide(
            "title",
            "SEND performance board pack",
            f"{paper.cover_lines(area_name, as_of_text, produced)}\nIn this pack: key messages, {what}, what changed "
            "since the last meeting, the action log and the recommendations.",
            footer=provenance,
        )
    ]
    messages = paper.key_messages if paper.key_messages is not None else board_paper.draft_key_messages(af, view, ex, ids)
    slides += text_pages("Key messages", f"{paper.purpose} · {paper.meeting}", [f"• {m}" for m in messages], provenance)

    # The scorecard on one page: the RAG in a word, a star where its thresholds are illustrative (the indicator's own
    # page says what it is judged against), the SPC reading in a word or two.
    header = ["Indicator", "Period", "Latest", "RAG", "vs previous", "SPC"]
    rows = []
    for r in card.itertuples():
        ind = config.by_id[r.indicator_id]
        star = "*" if ind.rag is not None and ind.rag.illustrative else ""
        mark = " ◆" if r.figure_type == "published" else " ○" if r.figure_type == "illustrative" else ""
        rows.append(
            [
                r.indicator,
                short_period(r.period, ind.period_type),
                r.value_text + mark,
                r.rag_text + star,
                r.direction_prev_text,
                spc_words(r, short=True),
            ]
        )
    latest_sources = list(
        dict.fromkeys(
            src for i in card["indicator_id"] if i in af.indicators for src in pptx_deck.sources_of(af.indicators[i])[:1]
        )
    )
    first_card = len(slides)
    slides += _table_pages(
        "scorecard",
        f"Scorecard — {area_name}",
        f"{as_of_text}. {af.overdue_summary(ids)} ◆ published, ○ illustrative; * illustrative thresholds; {SPC_MARKS}",
        header,
        rows,
        list(card["status"]),
        [0.5, 0.085, 0.075, 0.09, 0.12, 0.13],
        provenance,
    )

    ex_rows = [
        [r.indicator, r.reasons, r.rag_text, r.value_text, _one_line(commentary.to_text(r.actions)) or "No commentary yet"]
        for r in ex.itertuples()
    ]
    slides += _table_pages(
        "exceptions",
        "Exceptions: red, worsening or special-cause concern",
        "Worst first; each has a page of its own after this."
        if ex_rows
        else "No indicator is red, worse than the period before or showing special-cause concern.",
        ["Indicator", "Why it is here", "RAG", "Latest", "What we are doing about it"],
        ex_rows,
        list(ex["status"]),
        [0.27, 0.25, 0.1, 0.09, 0.29],
        provenance,
        most=2,
    )

    for page in slides[first_card:]:  # the scorecard's and the exceptions' pages: their latest figures' sources
        page.sources = latest_sources
    slides += _board_sections(conn, config, af, view, ex, ids, paper, cut_date or today or dt.date.today(), provenance)

    reasons = dict(zip(ex["indicator_id"], ex["reasons"]))
    for r in page_rows:
        f = af.indicators[r.indicator_id]
        ind = f.ind
        note = commentary.latest_for(af.commentary, ind.id, r.period)
        df = f.held
        published = int((df["figure_type"] == "published").sum())
        illustrative = int((df["figure_type"] == "illustrative").sum())
        tail = df.tail(6)
        shown = f.shown_as(area_name)  # NHS statistics: the NHS area whose figures these are
        s = Slide(
            "indicator",
            ind.name,
            f"{shown} · {r.period_display}: {r.value_text} · {r.rag_text} ({r.threshold_text}) · "
            f"{r.direction_prev_text}"
            + (f" · SPC: {spc_words(r)}" if isinstance(r.variation, str) else "")
            + (f"\nIn exception: {reasons[ind.id]}" if ind.id in reasons else ""),
            ["Period", "Value", "RAG", "Figure"],
            [[t.period_display, t.value_text, t.rag_text, t.figure_type] for t in tail.itertuples()],
            list(tail["status"]),
            [0.42, 0.18, 0.2, 0.2],
            comparison="\n".join(
                t for t in (spc_reading(r), comparison_text(af, f), alt_text.breaks_text(f) if f.breaks else "") if t
            ),
            data_shows=commentary.to_text(note["data_shows"]) if note is not None else "",
            actions=commentary.to_text(note["actions"]) if note is not None else "",
            review=commentary.review_text(note["next_review"]) if note is not None else "",
            footer=f"{provenance} This indicator: {published} published and {illustrative} illustrative value(s) shown. "
            + PUBLISHED_NOTE,
        )
        _, top, bottom = _frame(s)
        chart_h, _, _ = _indicator_parts(s, top, bottom)
        two = f.spc is not None
        w = (WIDTH - CHART_GAP) / 2 if two else WIDTH
        trend = board_trend(f, area_name, width=w, height=chart_h, font=CHART_PT, title=trend_title(f)) if figures else None
        s.sources = pptx_deck.sources_of(f)
        s.charts.append(
            Chart(trend, w, chart_h, trend_alt(f, shown), native=pptx_deck.trend_data(f, shown), title=trend_title(f))
        )
        if two:
            xmr = (
                board_spc(f, shown, width=w, height=chart_h, font=CHART_PT, title="Statistical process control (XmR)")
                if figures
                else None
            )
            s.charts.append(
                Chart(
                    xmr,
                    w,
                    chart_h,
                    spc_alt(f, shown),
                    native=pptx_deck.spc_data(f, shown),
                    title="Statistical process control (XmR)",
                )
            )
        if on_chart and figures:  # drawn while the next pages are built
            for c in s.charts:
                on_chart(ind.name, c)
        slides.append(s)
    return Pack(area_name, as_of_text, produced, slides)


def _board_sections(conn, config, af, view, ex, ids, paper: board_paper.Paper, day: dt.date, footer: str) -> list[Slide]:
    """Since the last meeting (figures and RAG, then actions), the action log, the recommendations: through the same
    page makers as the scorecard and exceptions."""
    since = paper.since or day - dt.timedelta(days=board_paper.SINCE_DAYS)
    out: list[Slide] = []
    rows, statuses = board_paper.since_figures(conn, config, af, since, ids)
    title = f"Since the last meeting ({since:%-d %B %Y}): figures and RAG"
    if rows:
        out += _table_pages(
            "changes", title, "Each indicator with a new figure or a new RAG since then; the figures then are those whose "
            "period had ended by that date.", ["Indicator", "Then", "Now", "RAG (then → now)"], rows,
            statuses, [0.34, 0.24, 0.24, 0.18], footer,
        )  # fmt: skip
    else:
        out += text_pages(title, "", ["No indicator has a new figure or a new RAG since then."], footer)
    acted = board_paper.since_actions(view, since)
    title = f"Since the last meeting ({since:%-d %B %Y}): actions"
    if acted:
        out += table_pages(
            title, "Each action with a progress update since then: its delivery status then and now.",
            ["Ref", "Action", "Delivery status then → now", "Latest update"], acted, [0.06, 0.36, 0.22, 0.36], footer,
            kind="changes",
        )  # fmt: skip
    else:
        out += text_pages(title, "", ["No progress update has been posted since then."], footer)
    log = board_paper.action_log(view)
    if log:
        out += table_pages(
            "Action log: overdue and at risk first",
            "Every action not yet complete. Delivery status (◌ ▷ ⚑ ⊘ ■) is how the work is going, not a RAG."
            + (" The plan is illustrative sample data." if view.illustrative else ""),
            ["Ref", "Action", "Owner", "Due", "Delivery status", "Latest update"], log,
            [0.05, 0.3, 0.15, 0.13, 0.1, 0.27], footer, kind="action_log",
        )  # fmt: skip
    else:
        out += text_pages(
            "Action log", "", ["No improvement plan is held for this area yet, or every action is complete."], footer
        )
    recs = (
        paper.recommendations if paper.recommendations is not None else board_paper.draft_recommendations(paper.purpose, view, ex)
    )
    out += text_pages("Recommendations", paper.purpose, [f"{n}. {r}" for n, r in enumerate(recs, 1)], footer)
    return out


# ---------------------------------------------------------------- text and charts, safely

# Control characters (a vertical tab or an escape in an area name) make Chromium's renderer fail (KaleidoError 525)
# and are not allowed in PowerPoint's XML; line breaks are kept, tabs become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def clean_text(text):
    """Text safe for every renderer: control characters removed (line breaks kept)."""
    if not isinstance(text, str):
        return text
    return _CONTROL.sub("", text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))


def _clean_tree(obj):
    if isinstance(obj, str):
        return clean_text(obj)
    if isinstance(obj, dict):
        return {k: _clean_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean_tree(v) for v in obj]
    if hasattr(obj, "dtype") and getattr(obj.dtype, "kind", "") in "OUS":  # numpy arrays of text
        return [_clean_tree(v) for v in obj.tolist()]
    return obj


def _clean_alt(c: Chart) -> Chart:
    c.alt = clean_text(c.alt)
    c.native = _clean_tree(c.native)
    return c


def clean_pack(pack: Pack) -> Pack:
    """Every text of the pack (titles, tables, commentary, footers) without control characters."""
    slides = [
        dataclasses.replace(
            s,
            title=clean_text(s.title),
            subtitle=clean_text(s.subtitle),
            header=[clean_text(h) for h in s.header],
            rows=[[clean_text(str(v)) for v in row] for row in s.rows],
            data_shows=clean_text(s.data_shows),
            actions=clean_text(s.actions),
            review=clean_text(s.review),
            footer=clean_text(s.footer),
            comparison=clean_text(s.comparison),
            body=clean_text(s.body),
            sources=[clean_text(x) for x in s.sources],
            charts=[_clean_alt(c) for c in s.charts],  # the same objects: charts being drawn get their PNG on them
        )
        for s in pack.slides
    ]
    return dataclasses.replace(pack, area_name=clean_text(pack.area_name), slides=slides)


def chart_timeout() -> float:
    """Seconds to wait for Chromium to start, and for each chart (KPI_CHART_TIMEOUT, default 60)."""
    try:
        return max(1.0, float(os.environ.get("KPI_CHART_TIMEOUT") or 60))
    except ValueError:
        return 60.0


class _ChartServer:
    """One Kaleido (the system Chromium with two tabs) for the whole process, on its own thread and event loop, started
    on first use and kept for later packs, so they do not pay Chromium's start-up. Any number of threads (one per
    Streamlit session) may draw at once: each chart is a task on the server's loop, waited for with a timeout.
    kaleido's own global sync server is not used: it is started and stopped per caller and its task queue is shared
    unguarded, so two packs at once mixed up or lost each other's charts ('_task_queue' AttributeError)."""

    TABS = 2

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._browser: str | None = None

    def _start(self, browser: str, timeout: float) -> None:
        from kaleido import Kaleido  # imported here: the dashboard starts without it being used

        class Kaleido(Kaleido):
            """Kaleido reloads a tab after every chart, so Chromium parses plotly.js (4 MB) again each time: most of
            the CPU a chart cost (about 0.6 s of 0.7 s on the 2-core machine). Our charts are plain Plotly figures,
            each drawn into a fresh element, so a tab is reloaded only every RELOAD_EVERY charts, to keep its memory
            bounded."""

            RELOAD_EVERY = 40

            async def _return_kaleido_tab(self, tab) -> None:
                tab.kpi_drawn = getattr(tab, "kpi_drawn", 0) + 1
                if tab.kpi_drawn % self.RELOAD_EVERY == 0:
                    await tab.reload()
                await self.tabs_ready.put(tab)

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kpi-chart-server", daemon=True)
        thread.start()
        # mathjax=False: no LaTeX in our charts, and Kaleido would otherwise ask a CDN for MathJax.
        k = Kaleido(n=self.TABS, timeout=timeout, mathjax=False, path=browser)
        opening = asyncio.run_coroutine_threadsafe(k.open(), loop)
        try:
            opening.result(timeout)
        except BaseException as e:
            opening.cancel()
            self._kill(k, loop, thread)
            if isinstance(e, concurrent.futures.TimeoutError):
                raise ExportError(
                    f"Chromium ({browser}) did not start within {timeout:.0f} seconds, so the charts could not "
                    "be drawn. Try again; if it keeps happening, ask whoever runs the dashboard to check that "
                    "Chromium starts on the server (KPI_CHART_TIMEOUT sets the wait)."
                ) from None
            said = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
            raise ExportError(
                f"Chromium ({browser}) did not start, so the charts could not be drawn: {said} Check that it "
                f"runs on the server (`{browser} --headless --version`), then try again. (Nothing is "
                "downloaded automatically.)"
            ) from None
        self._loop, self._thread, self._kaleido, self._browser = loop, thread, k, browser

    @staticmethod
    def _kill(k, loop, thread) -> None:
        """Stop a Kaleido that failed or hung: close it (briefly), make sure its Chromium is gone, stop its loop."""
        with contextlib.suppress(BaseException):
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(5)
        proc = getattr(k, "subprocess", None)
        if proc is not None:
            # A Chromium that never answered is not closed by close(); choreographer starts it under a wrapper in a
            # session of its own, so the whole process group goes.
            if hasattr(os, "killpg"):
                with contextlib.suppress(Exception):
                    os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.kill()
                proc.wait(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def stop(self) -> None:
        with self._lock:
            if self._kaleido is not None:
                self._kill(self._kaleido, self._loop, self._thread)
            self._loop = self._thread = self._kaleido = self._browser = None

    def _ready(self, browser: str, timeout: float):
        with self._lock:  # one start at a time; later callers find it running
            if self._kaleido is not None and (self._browser != browser or not self._thread.is_alive()):
                self._kill(self._kaleido, self._loop, self._thread)
                self._kaleido = None
            if self._kaleido is None:
                self._start(browser, timeout)
            return self._kaleido, self._loop

    def draw(self, spec: dict, browser: str, timeout: float, what: str, size: tuple[float, float] = (1100, 540)) -> bytes:
        """One chart as PNG, `size` (width, height) in CSS pixels, drawn at CHART_SCALE pixels each."""
        k, loop = self._ready(browser, timeout)
        opts = {"format": "png", "width": round(size[0]), "height": round(size[1]), "scale": CHART_SCALE}
        job = asyncio.run_coroutine_threadsafe(k.calc_fig(spec, opts=opts), loop)
        try:
            return job.result(timeout * 2)  # waiting for a free tab, then drawing (Kaleido's own limit is `timeout`)
        except concurrent.futures.TimeoutError:
            job.cancel()
            self.stop()  # a hung tab would hold up every later pack: the next chart starts a fresh Chromium
            raise ExportError(
                f"drawing the chart {what} took longer than {timeout * 2:.0f} seconds. Try again; if it keeps "
                "happening, make the pack with fewer indicators."
            ) from None
        except ExportError:
            raise
        except Exception as e:
            self.stop()
            raise ExportError(
                f"the chart {what} could not be drawn ({type(e).__name__}: {e}). Try again; if it keeps "
                "happening, tell whoever runs the dashboard (the server log has the details)."
            ) from None


CHARTS = _ChartServer()
atexit.register(CHARTS.stop)


# Charts already drawn, by what they show: the PowerPoint made after the PDF of the same pack (or a second person's
# pack of the same figures) reuses them. Keyed on the chart's whole content, so new figures are always drawn afresh.
_DRAWN: collections.OrderedDict[tuple, bytes] = collections.OrderedDict()
_DRAWN_LOCK = threading.Lock()


class _Drawer:
    """Draws charts as the pack's pages are built, as many at once as the chart server has tabs: Chromium draws
    one page's charts while Python builds the next page."""

    def __init__(self, progress: Callable[[float, str], None] | None = None):
        self.browser = chromium_path()
        if self.browser is None:
            raise ExportError(INSTALL_HINT)
        self.timeout = chart_timeout()
        if progress and not CHARTS.running:
            progress(
                0.02, "Starting Chromium to draw the charts (only the first pack since the dashboard started waits for this)"
            )
        CHARTS._ready(self.browser, self.timeout)  # started once, here, rather than raced for by the workers below
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=_ChartServer.TABS, thread_name_prefix="kpi-chart")
        self.jobs: dict[concurrent.futures.Future, tuple[str, Chart]] = {}

    def submit(self, title: str, chart: Chart) -> None:
        self.jobs[self.pool.submit(self._draw, title, chart)] = (title, chart)

    def _draw(self, title: str, c: Chart) -> bytes:
        spec = _clean_tree(c.figure)
        for trace in spec.get("data", []):  # a picture has nothing to hover over
            for k in ("hovertext", "hovertemplate", "customdata"):
                trace.pop(k, None)
        key = (
            self.browser,
            c.width,
            c.height,
            hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest(),
        )
        with _DRAWN_LOCK:
            if key in _DRAWN:
                _DRAWN.move_to_end(key)
                return _DRAWN[key]
        png = CHARTS.draw(spec, self.browser, self.timeout, f'"{clean_text(title)}"', (c.width, c.height))
        with _DRAWN_LOCK:
            _DRAWN[key] = png
            while len(_DRAWN) > 256:
                _DRAWN.popitem(last=False)
        return png

    def finish(self, progress: Callable[[float, str], None] | None = None) -> None:
        """Wait for every chart; each PNG goes onto its chart. The first failure is raised, the rest cancelled."""
        try:
            total = len(self.jobs)
            for done, job in enumerate(concurrent.futures.as_completed(self.jobs), 1):
                title, chart = self.jobs[job]
                chart.png = job.result()
                if progress:
                    progress(0.05 + 0.85 * done / total, f"Drew chart {done} of {total}: {clean_text(title)}")
        finally:
            self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def draw_charts(pack: Pack, progress: Callable[[float, str], None] | None = None) -> None:
    """Turn each page's Plotly figures into PNGs through the process's chart server (started on first use)."""
    todo = [(s, c) for s in pack.slides for c in s.charts if c.png is None]
    if not todo:
        return
    drawer = _Drawer(progress)
    for s, c in todo:
        drawer.submit(s.title, c)
    drawer.finish(progress)


# ---------------------------------------------------------------- PowerPoint


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def to_pptx(pack: Pack) -> bytes:
    """The deck people can edit: native charts, 18 pt tables, titles and speaker notes (see pptx_deck)."""
    return pptx_deck.to_pptx(pack, sys.modules[__name__])


# ---------------------------------------------------------------- PDF


def to_pdf(pack: Pack) -> bytes:
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font, bold = _pdf_fonts()
    # Images as binary streams: reportlab's default ASCII85 text encoding of them, in pure Python, took most of the
    # time of writing a pack (and made the file a quarter bigger).
    rl_config.useA85 = 0
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    c.setTitle(f"{pack.document} — {pack.area_name}")
    c.setAuthor("SEND performance dashboard")
    c.setSubject(pack.as_of_text)

    def text(b: Box, mode: int = 0):
        c.saveState()  # the text render mode is graphics state: restored, so later text is visible again
        t = c.beginText()
        t.setTextRenderMode(mode)  # 3: invisible, read by text extraction and screen readers (a chart's description)
        t.setFont(bold if b.bold else font, b.size, b.size * LEADING)
        t.setFillColor(colors.HexColor(b.colour))
        t.setTextOrigin(b.x, PAGE_H - b.y - b.size)  # the first baseline: one size below the box's top
        for line in lines_of(b.text, b.size, b.w, b.bold):
            t.textLine(line)
        c.drawText(t)
        c.restoreState()

    total = len(pack.slides)
    for n, s in enumerate(pack.slides, 1):
        for b in layout(s, n, total):
            if b.kind == "text":
                text(b)
            elif b.kind == "table":
                t = _table(s.header, s.rows, s.statuses, b.w, s.widths, b.size)
                t.drawOn(c, b.x, PAGE_H - b.y - b.h)
            elif b.kind == "picture" and b.chart.png:
                c.drawImage(ImageReader(io.BytesIO(b.chart.png)), b.x, PAGE_H - b.y - b.h, width=b.w, height=b.h)
                # reportlab cannot tag a PDF, so the chart's alt text is the image's own (invisible) text layer.
                text(Box("text", b.x + 4, b.y + 4, b.w - 8, 0, b.chart.alt, MIN_PT), mode=3)
        c.showPage()
    c.save()
    return buf.getvalue()


def export(
    conn,
    config: Config,
    fmt: str,
    area_code: str,
    *,
    as_of: str | None = None,
    indicator_ids: list[str] | str | None = None,
    progress: Callable[[float, str], None] | None = None,
    today: dt.date | None = None,
    paper: board_paper.Paper | None = None,
) -> bytes:
    """The whole pack as PowerPoint (fmt 'pptx') or PDF ('pdf') bytes."""
    if fmt not in ("pptx", "pdf"):
        raise ExportError(f'format "{fmt}" is not offered; choose pptx or pdf')
    step = "gathering the figures"
    try:
        if progress:
            progress(0.0, "Gathering the figures")
        if fmt == "pptx":  # the deck's charts are PowerPoint's own: nothing to draw in Chromium
            step = "gathering the figures"
            pack = clean_pack(
                build(conn, config, area_code, as_of=as_of, indicator_ids=indicator_ids, today=today, paper=paper, figures=False)
            )
            step = "writing the PPTX file"
            if progress:
                progress(0.92, f"Writing the PPTX file ({len(pack.slides)} pages)")
            return to_pptx(pack)
        step = "starting Chromium to draw the charts"
        drawer = _Drawer(progress)
        try:
            step = "gathering the figures and drawing the charts"
            pack = clean_pack(
                build(
                    conn,
                    config,
                    area_code,
                    as_of=as_of,
                    indicator_ids=indicator_ids,
                    today=today,
                    on_chart=drawer.submit,
                    paper=paper,
                )
            )
            if progress:
                progress(0.05, f"Drawing {len(drawer.jobs)} charts for {len(pack.slides)} pages")
            drawer.finish(progress)
        finally:
            drawer.close()
        draw_charts(pack, progress)  # anything not yet drawn (nothing, normally)
        step = f"writing the {fmt.upper()} file"
        if progress:
            progress(0.92, f"Writing the {fmt.upper()} file ({len(pack.slides)} pages)")
        return to_pdf(pack)
    except ExportError:
        raise
    except Exception as e:  # every failure reaches the page or the command line as a message; the details go to the log
        traceback.print_exc(file=sys.stderr)
        raise ExportError(
            f"something went wrong while {step} ({type(e).__name__}: {e}); nothing was made. Try again; "
            "if it keeps happening, the server log has the details."
        ) from None
