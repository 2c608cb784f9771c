"""The board pack as a PowerPoint deck people can edit before the meeting (python-pptx).

What the PDF prints as pictures is here native: each indicator's charts are PowerPoint line charts (the area's series,
then its target and comparators as further series, the periods as categories; the XmR chart's mean and process limits
likewise), so an officer can change a label, a colour or a series in PowerPoint; tables are PowerPoint tables at 18 pt
or more, a long one carried over as many slides as it needs rather than shrunk; every slide has its title in the
layout's title placeholder (so PowerPoint's outline, accessibility checker and screen readers find it); the speaker
notes hold the slide's commentary, its charts' text alternatives and where its figures come from; the document
carries a title and language.

The pages are those of export.build (the same words as the PDF); only where things go on a slide differs, because
the projector needs larger type than print."""

from __future__ import annotations

import dataclasses
import io
import math
import re
import types

from indicators import readmodel, spc

TABLE_PT = 18  # nothing in a PowerPoint table is smaller
CHART_FONT_PT = 12
NOTE_PT = 12  # the comparison and commentary beside an indicator's table (all of it is in the notes too)
MIN_CHART_H = 170.0
AREA_COLOUR, TARGET_COLOUR = "1d70b8", "00703c"
COMPARATOR_STYLES = [("505a5f", "dash"), ("912b88", "sysDot"), ("b58840", "lgDash"), ("0b0c0c", "dashDot")]
# Special-cause points as the XmR chart draws them (improvement a diamond, concern a cross), never by colour alone.
SPECIAL_MARKERS = {}  # filled in to_pptx (the enum is imported there)
TABLE_TAIL = "The table shows the latest {n} periods; the chart holds every period."
MORE = " … (in full in the notes)"
DECK_ONLY = (TABLE_TAIL.format(n=""), MORE)  # what the deck says that the PDF does not
_PART = re.compile(r" \(\d+ of \d+\)$")


# ---------------------------------------------------------------- the charts' data, from the read model


def _v(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def trend_data(f: readmodel.IndicatorFigures, shown: str) -> dict:
    """The trend chart as PowerPoint series: the area's figures, the target, then each comparator, on the periods
    from the first held to the last (a period with no figure is a gap)."""
    s = f.series
    cats = [str(p) for p in s["period_display"]]
    series = [{"name": shown, "values": [_v(v) if h else None for v, h in zip(s["value"], s["held"])], "role": "area"}]
    if s["target"].notna().any():
        series.append({"name": "Target", "values": [_v(v) for v in s["target"]], "role": "target"})
    for label, line in f.comparators.items():
        by = dict(zip(line["period"].astype(str), line["value"]))
        values = [_v(by.get(str(p))) for p in s["period"]]
        if any(v is not None for v in values):
            series.append({"name": label, "values": values, "role": "comparator"})
    return {"categories": cats, "series": series, "unit": f.ind.unit}


def spc_data(f: readmodel.IndicatorFigures, shown: str) -> dict | None:
    """The XmR chart as PowerPoint series: the area's figures, the mean and the process limits of each point's
    segment (so a rebase shows as a step), and the target where there is one."""
    if f.spc is None:
        return None
    seg = {g.index: g for g in f.spc.segments}
    display = dict(zip(f.series["period"].astype(str), f.series["period_display"].astype(str)))
    pts = list(f.spc.points)
    cats = [display.get(str(p.period), str(p.period)) for p in pts]
    series = [{"name": shown, "values": [_v(p.value) for p in pts], "role": "area"}]
    for name, attr, role in (
        ("Mean", "mean", "mean"),
        ("Upper process limit", "upl", "limit"),
        ("Lower process limit", "lpl", "limit"),
    ):
        values = [_v(getattr(seg[p.segment], attr)) if p.segment in seg else None for p in pts]
        if any(v is not None for v in values):
            series.append({"name": name, "values": values, "role": role})
    targets = [_v(p.target) for p in pts]
    if any(v is not None for v in targets):
        series.append({"name": "Target", "values": targets, "role": "target"})
    special = {i: p.variation for i, p in enumerate(pts) if p.variation in (spc.IMPROVEMENT, spc.CONCERN, spc.NEITHER)}
    return {"categories": cats, "series": series, "unit": f.ind.unit, "special": special}


def sources_of(f: readmodel.IndicatorFigures) -> list[str]:
    """Where the figures shown come from, each source once, newest first."""
    held = f.held
    out: list[str] = []
    for src in reversed(list(held.get("source", []))):
        if isinstance(src, str) and src.strip() and src.strip() not in out:
            out.append(src.strip())
    return out


# ---------------------------------------------------------------- the deck


def _regroup(slides: list, export: types.ModuleType) -> list:
    """The PDF's table pages put back together (a scorecard the PDF split in two is one table again), then split at
    the deck's 18 pt: consecutive pages of one kind whose titles differ only by "(n of m)"."""
    out: list = []
    for s in slides:
        if s.kind in ("title", "indicator", "text") or not s.rows:
            out.append(s)
            continue
        base = _PART.sub("", s.title)
        prev = out[-1] if out else None
        if prev is not None and prev.kind == s.kind and _PART.sub("", prev.title) == base and prev.rows is not s.rows:
            out[-1] = dataclasses.replace(
                prev, rows=prev.rows + s.rows, statuses=prev.statuses + s.statuses, sources=prev.sources + s.sources
            )
        else:
            out.append(dataclasses.replace(s, title=base))
    split: list = []
    for s in out:
        if s.kind in ("title", "indicator", "text") or not s.rows:
            split.append(s)
            continue
        probe = dataclasses.replace(s, title=s.title + " (1 of 9)")
        _, top, bottom = export._frame(probe)
        _, pages = export._paginate(s.header, s.rows, s.statuses, s.widths, bottom - top, sizes=(TABLE_PT,))
        for i, page in enumerate(pages, 1):
            split.append(
                dataclasses.replace(
                    s,
                    title=s.title + (f" ({i} of {len(pages)})" if len(pages) > 1 else ""),
                    rows=[s.rows[j] for j in page],
                    statuses=[s.statuses[j] for j in page if j < len(s.statuses)],
                    table_pt=TABLE_PT,
                )
            )
    return split


def notes_text(s, pack) -> str:
    """The speaker notes: what the slide says beyond its title, its commentary, its charts' text alternatives and
    where its figures come from."""
    parts = []
    if s.subtitle:
        parts.append(s.subtitle)
    if s.kind == "indicator":
        if s.comparison:
            parts.append(s.comparison)
        parts.append(s.commentary_text)
        parts += [c.alt for c in s.charts]
    elif s.body:
        parts.append(s.body)
    sources = list(dict.fromkeys(s.sources))
    if sources:
        parts.append("Sources: " + "; ".join(sources) + ".")
    parts.append(f"Figures and provenance: {s.footer}")
    return "\n\n".join(p for p in parts if p)


def _indicator_layout(s, top: float, bottom: float, export: types.ModuleType) -> tuple[float, list[list[str]], list[str], float]:
    """(chart height, the table's rows, their statuses, table height) for an indicator slide: the table at 18 pt
    under the charts, keeping its latest rows when all do not fit above MIN_CHART_H (every period is in the chart)."""
    rows, statuses = list(s.rows), list(s.statuses)
    w = export.INDICATOR_TABLE_W
    while True:
        h = export.table_height(s.header, rows, w, PPTX_INDICATOR_WIDTHS, TABLE_PT) if rows else 0
        chart_h = bottom - top - h - export.GAP
        if chart_h >= MIN_CHART_H or len(rows) <= 2:
            return chart_h, rows, statuses, h
        rows, statuses = rows[1:], statuses[1:]


PPTX_INDICATOR_WIDTHS = [0.34, 0.2, 0.2, 0.26]


def to_pptx(pack, export: types.ModuleType) -> bytes:
    """The deck of `pack`, placed with the pack's page layout (`export`, the module that lays out the pages for the
    PDF too: passed in, so this module does not import the one that imports it)."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    from indicators import rag

    rgb = export._rgb
    SPECIAL_MARKERS.update(
        {spc.IMPROVEMENT: XL_MARKER_STYLE.DIAMOND, spc.CONCERN: XL_MARKER_STYLE.X, spc.NEITHER: XL_MARKER_STYLE.SQUARE}
    )
    prs = Presentation()
    prs.slide_width, prs.slide_height = Pt(export.PAGE_W), Pt(export.PAGE_H)
    cp = prs.core_properties
    cp.title = f"{pack.document} — {pack.area_name}"
    cp.subject = pack.as_of_text
    cp.author = "SEND performance dashboard"
    cp.language = "en-GB"
    cover_layout, title_only = prs.slide_layouts[0], prs.slide_layouts[5]

    def font(f, size, bold, colour):
        f.size, f.bold, f.name = Pt(size), bold, "Arial"
        f.color.rgb = rgb(colour)

    def style_runs(tf, size, bold=False, colour="#0b0c0c"):
        # On each run (PowerPoint applies a run's own size, whatever the paragraph's default says) and the paragraph.
        for para in tf.paragraphs:
            font(para.font, size, bold, colour)
            for run in para.runs:
                font(run.font, size, bold, colour)

    def fill(tf, text_, size, bold=False, colour="#0b0c0c", leading=True):
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.vertical_anchor = MSO_ANCHOR.TOP
        tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0
        for i, line in enumerate(text_.split("\n")):
            para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            para.text = line
            if leading:
                para.line_spacing = Pt(size * export.LEADING)
        style_runs(tf, size, bold, colour)

    def place(shape, b):
        shape.left, shape.top, shape.width, shape.height = Pt(b.x), Pt(b.y), Pt(b.w), Pt(b.h)

    def text(slide, b):
        box = slide.shapes.add_textbox(Pt(b.x), Pt(b.y), Pt(b.w), Pt(b.h))
        fill(box.text_frame, b.text, b.size, b.bold, b.colour)

    def table(slide, x, y, w, header, rows, statuses, widths, size):
        heights = export.row_heights(header, rows, w, widths, size)
        shape = slide.shapes.add_table(len(rows) + 1, len(header), Pt(x), Pt(y), Pt(w), Pt(sum(heights)))
        t = shape.table
        for c, f in enumerate(widths):
            t.columns[c].width = Pt(w * f)
        for r, h in enumerate(heights):
            t.rows[r].height = Pt(h)
        rag_col = next((i for i, h in enumerate(header) if h.startswith("RAG")), None)
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                cell = t.cell(r, c)
                cell.text = str(value)
                pad = export.TABLE_PADDING
                cell.margin_left, cell.margin_right = Pt(pad["LEFTPADDING"]), Pt(pad["RIGHTPADDING"])
                cell.margin_top, cell.margin_bottom = Pt(pad["TOPPADDING"]), Pt(pad["BOTTOMPADDING"])
                cell.vertical_anchor = MSO_ANCHOR.TOP
                colour, ink, bold = ("#ffffff" if r % 2 else "#f3f2f1"), "#0b0c0c", False
                if r == 0:
                    colour, ink, bold = "#0b0c0c", "#ffffff", True
                elif c == rag_col and r - 1 < len(statuses):
                    badge = rag.BADGES.get(statuses[r - 1], rag.BADGES[rag.NO_DATA])
                    colour, ink, bold = badge.colour, badge.text_colour, True
                cell.fill.solid()
                cell.fill.fore_color.rgb = rgb(colour)
                style_runs(cell.text_frame, size, bold, ink)
        return shape

    def chart(slide, c, x, y, w, h):
        data = c.native
        cd = CategoryChartData(number_format="0.0" if data.get("unit") == "percent" else "General")
        cd.categories = data["categories"]
        for s in data["series"]:
            cd.add_series(s["name"], s["values"])
        frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Pt(x), Pt(y), Pt(w), Pt(h), cd)
        frame._element.nvGraphicFramePr.cNvPr.set("descr", c.alt)  # the chart's text alternative (alt text)
        frame.name = c.title or "Chart"
        ch = frame.chart
        ch.font.size, ch.font.name = Pt(CHART_FONT_PT), "Arial"
        ch.has_title = True
        ch.chart_title.text_frame.text = c.title or ""
        style_runs(ch.chart_title.text_frame, CHART_FONT_PT + 2, True)
        ch.has_legend = True
        ch.legend.position = XL_LEGEND_POSITION.BOTTOM
        ch.legend.include_in_layout = False
        ch.legend.font.size = Pt(CHART_FONT_PT)
        va = ch.value_axis
        va.has_major_gridlines = True
        va.major_gridlines.format.line.color.rgb = rgb("#dddddd")
        if data.get("unit") == "percent":
            va.has_title = True
            va.axis_title.text_frame.text = "%"
        n_comp = 0
        for plot_series, s in zip(ch.plots[0].series, data["series"]):
            plot_series.smooth = False
            line = plot_series.format.line
            role = s["role"]
            if role == "area":
                line.color.rgb, line.width = rgb(AREA_COLOUR), Pt(3)
                plot_series.marker.style, plot_series.marker.size = XL_MARKER_STYLE.CIRCLE, 7
                plot_series.marker.format.fill.solid()
                plot_series.marker.format.fill.fore_color.rgb = rgb(AREA_COLOUR)
                for i, kind in data.get("special", {}).items():  # special cause: the XmR chart's colour and a shape
                    pt = plot_series.points[i]
                    pt.marker.style, pt.marker.size = SPECIAL_MARKERS[kind], 11
                    pt.marker.format.fill.solid()
                    pt.marker.format.fill.fore_color.rgb = rgb(spc.COLOURS[kind])
                    pt.marker.format.line.color.rgb = rgb(spc.COLOURS[kind])
                continue
            plot_series.marker.style = XL_MARKER_STYLE.NONE
            if role == "target":
                colour, dash, width = TARGET_COLOUR, "dash", 2
            elif role == "mean":
                colour, dash, width = "0b0c0c", "solid", 1.5
            elif role == "limit":
                colour, dash, width = "505a5f", "sysDash", 1.5
            else:
                colour, dash = COMPARATOR_STYLES[n_comp % len(COMPARATOR_STYLES)]
                width, n_comp = 2, n_comp + 1
            line.color.rgb, line.width = rgb(colour), Pt(width)
            ln = line._get_or_add_ln()
            for old in ln.findall(qn("a:prstDash")):
                ln.remove(old)
            dash_el = ln.makeelement(qn("a:prstDash"), {"val": dash})
            ln.append(dash_el)
        return frame

    def title_of(slide, b, size):
        ph = slide.shapes.title
        place(ph, b)
        fill(ph.text_frame, b.text, size, True)

    slides = _regroup(pack.slides, export)
    total = len(slides)
    for n, s in enumerate(slides, 1):
        boxes = export.layout(s, n, total)
        if s.kind == "title":
            slide = prs.slides.add_slide(cover_layout)
            title_of(slide, boxes[0], boxes[0].size)
            sub = next(p for p in slide.placeholders if p.placeholder_format.idx == 1)
            place(sub, boxes[1])
            fill(sub.text_frame, boxes[1].text, boxes[1].size)
            boxes = boxes[2:]
        else:
            slide = prs.slides.add_slide(title_only)
            title_of(slide, boxes[0], boxes[0].size)
            boxes = boxes[1:]
        if s.kind == "indicator":
            frame = [b for b in boxes if b.kind == "text"][:-1]  # subtitle (the last text box is the footer's)
            footer = boxes[-1]
            for b in frame[:1]:
                text(slide, b)
            _, top, bottom = export._frame(s)
            chart_h, rows, statuses, table_h = _indicator_layout(s, top, bottom, export)
            drawn = [c for c in s.charts if c.native]
            w = (export.WIDTH - export.CHART_GAP * (len(drawn) - 1)) / max(len(drawn), 1)
            for i, c in enumerate(drawn):
                chart(slide, c, export.MARGIN + i * (w + export.CHART_GAP), top, w, chart_h)
            y = top + chart_h + export.GAP
            if rows:
                table(
                    slide, export.MARGIN, y, export.INDICATOR_TABLE_W, s.header, rows, statuses, PPTX_INDICATOR_WIDTHS, TABLE_PT
                )
            tx = export.MARGIN + export.INDICATOR_TABLE_W + export.CHART_GAP
            tw = export.WIDTH - export.INDICATOR_TABLE_W - export.CHART_GAP
            words = "\n".join(t for t in (s.comparison, s.commentary_text) if t)
            if len(rows) < len(s.rows):
                words = TABLE_TAIL.format(n=len(rows)) + "\n" + words
            words = export.fit_lines(words, NOTE_PT, tw, bottom - y, more=MORE)
            text(slide, export.Box("text", tx, y, tw, bottom - y, words, NOTE_PT))
            text(slide, footer)
        else:
            for b in boxes:
                if b.kind == "text":
                    text(slide, b)
                elif b.kind == "table":
                    table(slide, b.x, b.y, b.w, s.header, s.rows, s.statuses, s.widths, max(b.size, TABLE_PT))
        slide.notes_slide.notes_text_frame.text = notes_text(s, pack)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
