"""The board pack's pages laid out in points on a 16:9 page: text measured before it is placed (with DejaVu Sans's
metrics, through reportlab), tables paginated, and every box of a page placed. The PowerPoint deck (pptx_deck) is
drawn from this layout; the PDF is laid out by Chromium from HTML (pack_html), and uses it only to size charts."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from indicators import rag
from indicators.pack_model import (
    BODY_PT,
    BOTTOM,
    FOOTER_PT,
    GAP,
    LEADING,
    MARGIN,
    MIN_PT,
    PAGE_H,
    SUBTITLE_PT,
    TABLE_PT,
    TITLE_PT,
    TOP,
    WIDTH,
    Chart,
    Slide,
)

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
