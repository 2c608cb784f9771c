"""The board pack (or any Pack: the monitoring report too) as one semantic HTML document for printing to a tagged PDF
(pdf_print): the cover's title as the one h1, each page's title an h2, tables as real tables (a header row repeated on
every printed page, the first cell of each row its header), charts as pictures with their text alternative, and
every word escaped, since titles, names and commentary are user text.

Pages that the deck splits to fit a slide ("Scorecard (1 of 2)", "(2 of 2)") are one section here: the table runs
on over printed pages at the same size rather than shrinking. Nothing is printed under PRINT_MIN_PT (11 pt)."""

from __future__ import annotations

import base64
import html
import re
from itertools import groupby
from pathlib import Path

from indicators import rag
from indicators.pack_model import MARGIN, PAGE_H, PAGE_W, PRINT_MIN_PT, Chart, Pack, Slide

CSS = Path(__file__).with_name("pack_print.css")
_PART = re.compile(r" \((\d+) of (\d+)\)$")  # "Scorecard — County Durham (1 of 2)"


def esc(text) -> str:
    """User text as HTML text: nothing in it is markup; line breaks kept."""
    return html.escape(str(text), quote=True).replace("\n", "<br>")


def document_title(pack: Pack) -> str:
    return f"{pack.document} — {pack.area_name}"


def _base(title: str) -> str:
    return _PART.sub("", title)


def _merged(slides: list[Slide]) -> list[Slide]:
    """Consecutive parts of one table or text ("… (1 of 2)", "… (2 of 2)") as one page; the last part's subtitle
    (it may say what was left off)."""
    out = []
    for _, group in groupby(slides, key=lambda s: (s.kind, _base(s.title), tuple(s.header)) if _PART.search(s.title) else id(s)):
        parts = list(group)
        first = parts[0]
        if len(parts) == 1:
            out.append(first)
            continue
        out.append(
            Slide(
                first.kind,
                _base(first.title),
                parts[-1].subtitle,
                first.header,
                [r for p in parts for r in p.rows],
                [st for p in parts for st in p.statuses],
                first.widths,
                footer=first.footer,
                body="\n\n".join(p.body for p in parts if p.body),
                sources=first.sources,
            )
        )
    return out


def _paragraphs(text: str) -> str:
    """A page of text: paragraphs, or a list when every paragraph is a bullet ("• ") or numbered ("1. ")."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    if paras and all(p.startswith("• ") for p in paras):
        return "<ul>" + "".join(f"<li>{esc(p[2:])}</li>" for p in paras) + "</ul>"
    if paras and all(re.match(r"\d+\. ", p) for p in paras):
        return "<ol>" + "".join(f"<li>{esc(p.split('. ', 1)[1])}</li>" for p in paras) + "</ol>"
    return "".join(f"<p>{esc(p)}</p>" for p in paras)


def _table(s: Slide, caption: str = "") -> str:
    rag_col = next((i for i, h in enumerate(s.header) if h.startswith("RAG")), None)
    cols = "".join(f'<col style="width: {w * 100:.1f}%">' for w in s.widths) if len(s.widths) == len(s.header) else ""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in s.header)
    body = []
    for r, row in enumerate(s.rows):
        cells = []
        for c, v in enumerate(row):
            style = ""
            if c == rag_col and r < len(s.statuses) and s.statuses[r]:
                badge = rag.BADGES.get(s.statuses[r], rag.BADGES[rag.NO_DATA])
                style = f' class="rag" style="background: {badge.colour}; color: {badge.text_colour}"'
            tag = "th" if c == 0 else "td"
            scope = ' scope="row"' if c == 0 else ""
            cells.append(f"<{tag}{scope}{style}>{esc(v)}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(c: Chart, n: str) -> str:
    """A chart: its picture with the text alternative (the chart's title is drawn in the picture); without a picture,
    the text alternative as text."""
    if not c.png:
        return f'<div class="chart-text"><p>{esc(c.alt)}</p></div>'
    src = "data:image/png;base64," + base64.b64encode(c.png).decode("ascii")
    return (
        f'<figure role="group" aria-label="{esc(c.title or "Chart")}" id="{n}">'
        f'<img src="{src}" alt="{esc(c.alt)}" style="width: {c.width:.1f}pt; height: {c.height:.1f}pt"></figure>'
    )


def _indicator(s: Slide, n: int) -> str:
    charts = "".join(_figure(c, f"chart-{n}-{i}") for i, c in enumerate(s.charts))
    words = [f"<p>{esc(line)}</p>" for line in s.comparison.split("\n") if line.strip()]
    if s.data_shows:
        words.append(f"<p><strong>What the data shows:</strong> {esc(s.data_shows)}</p>")
    if s.actions:
        words.append(f"<p><strong>What we are doing about it:</strong> {esc(s.actions)}</p>")
    if s.review:
        words.append(f"<p>{esc(s.review)}</p>")
    if not (s.data_shows or s.actions or s.review):
        words.append("<p>No commentary has been written for this period.</p>")
    if s.sources:
        words.append(f"<p><strong>Sources:</strong> {esc('; '.join(s.sources))}</p>")
    table = _table(s, "Recent figures") if s.rows else ""
    return f'<div class="charts">{charts}</div><div class="under">{table}<div class="words">{"".join(words)}</div></div>'


def page_footer(pack: Pack) -> str:
    """What every printed page says at its foot (how old the figures are; sample data said so): the cover's footer.
    It is page furniture in the PDF (an artifact): the cover says it once as text, and a page whose footer says more
    (an indicator's counts of published and illustrative figures) has the rest as text of its own."""
    return pack.slides[0].footer if pack.slides else ""


def _own_footer(s: Slide, common: str) -> str:
    if common and s.footer.startswith(common):
        return s.footer[len(common) :].strip()
    return s.footer


def _section(s: Slide, n: int, common: str = "") -> str:
    sub = f'<p class="sub">{esc(s.subtitle)}</p>' if s.subtitle else ""
    if s.kind == "indicator":
        body = _indicator(s, n)
    elif s.kind == "text" or s.body:
        body = _paragraphs(s.body)
    elif s.rows:
        body = _table(s)
    else:
        body = ""
    own = _own_footer(s, common)
    foot = f'<p class="foot">{esc(own)}</p>' if own else ""
    return (
        f'<section class="{esc(s.kind)}" aria-labelledby="page-{n}">'
        f'<h2 id="page-{n}">{esc(s.title)}</h2>{sub}{body}{foot}</section>'
    )


def _cover(s: Slide | None, pack: Pack) -> str:
    title = s.title if s else pack.document
    lines = "".join(f"<p>{esc(line)}</p>" for line in (s.subtitle if s else pack.as_of_text).split("\n") if line.strip())
    foot = f'<p class="foot">{esc(s.footer)}</p>' if s and s.footer else ""
    return f'<header class="cover"><h1>{esc(title)}</h1>{lines}{foot}</header>'


def css() -> str:
    """The print style: the pack's 16:9 page, and nothing under PRINT_MIN_PT."""
    return (
        CSS.read_text(encoding="utf-8")
        .replace("PAGE_W", f"{PAGE_W:g}pt")
        .replace("PAGE_H", f"{PAGE_H:g}pt")
        .replace("MARGIN", f"{MARGIN:g}pt")
        .replace("MIN_PT", f"{PRINT_MIN_PT:g}pt")
    )


def headings(pack: Pack) -> list[str]:
    """The document's headings in order: the cover's h1, then each section's h2 (the PDF's bookmarks)."""
    slides = list(pack.slides)
    cover = [slides.pop(0).title] if slides and slides[0].kind == "title" else [pack.document]
    return cover + [s.title for s in _merged(slides)]


def render(pack: Pack) -> str:
    """The whole pack as one HTML document (lang en-GB, its title the PDF's title)."""
    slides = list(pack.slides)
    cover = slides.pop(0) if slides and slides[0].kind == "title" else None
    common = page_footer(pack)
    sections = "".join(_section(s, n, common) for n, s in enumerate(_merged(slides), 1))
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{esc(document_title(pack))}</title><style>{css()}</style></head>"
        f"<body><main>{_cover(cover, pack)}{sections}</main></body></html>"
    )
