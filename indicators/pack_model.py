"""The board pack's pages as data (a Pack of Slides, each with its tables, text and Charts), its sizes in points, and
the cleaning every text gets before any renderer sees it. The PDF (pack_html + pdf_print) and the PowerPoint deck
(pptx_deck) are both drawn from these."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

PUBLISHED_NOTE = (
    "◆ Published figures are quoted from public documents or official statistics (source in the data table). "
    "○ Illustrative values are sample data made up to fill a series: they are not real returns."
)
ALL = "all"  # indicator_ids=ALL (or ["all"]): every indicator gets a page, as `--indicators all` asks

# The page, in points (1/72 in): 13.333 × 7.5 in, the same 16:9 page for the PowerPoint deck and the PDF.
PAGE_W, PAGE_H = 960.0, 540.0
MARGIN = 36.0
WIDTH = PAGE_W - 2 * MARGIN
TOP = 22.0
BOTTOM = 14.0
GAP = 8.0
MIN_PT = 9  # nothing in the deck's layout (pack_layout) is smaller
PRINT_MIN_PT = 11  # nothing in the PDF is printed smaller: its text, and its charts' text at their print size
LEADING = 1.2
TITLE_PT, SUBTITLE_PT, BODY_PT, TABLE_PT, FOOTER_PT = 24, 12, 10, 10, 9
CHART_PT = PRINT_MIN_PT  # the PDF's charts are drawn at their print size, so their text is in points
# The PDF's indicator page: two charts side by side over the recent figures and the words (pack_html lays it out).
PRINT_CHART_H = 170.0
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
