"""The board pack: the same slides as a PowerPoint deck (python-pptx) and a PDF (reportlab), charts drawn by
Plotly's own static export (kaleido) in the system Chromium, which one process-wide chart server keeps running so
several people can make packs at once."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import io
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

from indicators import charts, commentary, exceptions, markup, periods, rag, readmodel, store
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


class ExportError(Exception):
    """The pack cannot be made; the message says what to do."""


@dataclass
class Slide:
    kind: str  # title | scorecard | exceptions | indicator
    title: str
    subtitle: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # RAG status per row, for cell colour
    figure: object = None  # a Plotly figure, drawn to chart_png before rendering
    chart_png: bytes | None = None
    data_shows: str = ""
    actions: str = ""
    review: str = ""
    footer: str = PUBLISHED_NOTE

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


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


SPC_SHORT = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improving (special cause)",
    "special_cause_concern": "Concern (special cause)",
    "special_cause_neither": "Special cause",
}
ASSURANCE_SHORT = {"consistently_pass": "target met", "consistently_fail": "target missed", "inconsistent": "hit and miss"}


def spc_words(r) -> str:
    """Variation and assurance in a few words, for slides (the pages show the icons)."""
    if not isinstance(getattr(r, "variation", None), str):
        return "Too few figures"
    words = SPC_SHORT.get(r.variation, r.variation)
    return words + (f"; {ASSURANCE_SHORT[r.assurance]}" if isinstance(r.assurance, str) else "")


def build(
    conn,
    config: Config,
    area_code: str,
    *,
    as_of: str | None = None,
    indicator_ids: list[str] | None = None,
    today: dt.date | None = None,
) -> Pack:
    """Assemble the slides (without chart images) for one area, cut off at the end of period `as_of`."""
    cut = parse_as_of(as_of)
    cut_date = cut.end if cut else None
    areas = store.areas(conn)
    if area_code not in set(areas["code"]):
        raise ExportError(f'area "{area_code}" is not known; use one of {", ".join(areas["code"])}')
    area_name = dict(zip(areas["code"], areas["name"]))[area_code]
    unknown = [i for i in (indicator_ids or []) if i not in config.by_id]
    if unknown:
        raise ExportError(f"unknown indicator id(s): {', '.join(unknown)}")
    chosen = [i for i in config.indicators if indicator_ids is None or i.id in indicator_ids]
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
    slides = [Slide("title", "SEND performance board pack", f"{area_name}\n{as_of_text}\nProduced {produced}", footer=provenance)]

    header = ["Indicator", "Period", "Value", "RAG (judged against)", "vs previous", "SPC (Making Data Count)"]
    rows = [
        [
            r.indicator,
            r.period_display,
            r.value_text + (" ◆" if r.figure_type == "published" else " ○" if r.figure_type == "illustrative" else ""),
            f"{r.rag_text} ({r.threshold_text})",
            r.direction_prev_text,
            spc_words(r),
        ]
        for r in card.itertuples()
    ]
    parts = _chunks(list(zip(rows, card["status"])), 8)
    for n, part in enumerate(parts, 1):
        slides.append(
            Slide(
                "scorecard",
                f"Scorecard — {area_name}" + (f" ({n} of {len(parts)})" if len(parts) > 1 else ""),
                f"{as_of_text}. {af.overdue_summary(ids)}",
                header,
                [r for r, _ in part],
                [s for _, s in part],
                footer=provenance,
            )
        )

    ex = exceptions.exception_report(af, ids)
    ex_rows = [
        [r.indicator, r.reasons, r.rag_text, r.value_text, commentary.to_text(r.actions) or "No commentary yet"]
        for r in ex.itertuples()
    ]
    parts = _chunks(list(zip(ex_rows, ex["status"])), 5)
    for n, part in enumerate(parts, 1):
        title = "Exceptions: red, worsening or special-cause concern" + (f" ({n} of {len(parts)})" if len(parts) > 1 else "")
        slides.append(
            Slide(
                "exceptions",
                title,
                "Worst first" if part else "No indicator is red, worse than the period before or showing special-cause concern.",
                ["Indicator", "Why it is here", "RAG", "Latest", "What we are doing about it"],
                [r for r, _ in part],
                [s for _, s in part],
                footer=provenance,
            )
        )

    for r in card.itertuples():
        f = af.indicators[r.indicator_id]
        ind = f.ind
        note = commentary.latest_for(af.commentary, ind.id, r.period)
        df = f.held
        published = int((df["figure_type"] == "published").sum())
        illustrative = int((df["figure_type"] == "illustrative").sum())
        tail = df.tail(6)
        slides.append(
            Slide(
                "indicator",
                ind.name,
                f"{area_name} · {r.period_display}: {r.value_text} · {r.rag_text} ({r.threshold_text}) · Target {r.target_text} · "
                f"{r.direction_prev_text}" + (f" · {spc_words(r)}" if isinstance(r.variation, str) else ""),
                ["Period", "Value", "RAG", "Figure"],
                [[t.period_display, t.value_text, t.rag_text, t.figure_type] for t in tail.itertuples()],
                list(tail["status"]),
                figure=charts.trend_figure(f, area_name, height=540, font_size=16),
                data_shows=commentary.to_text(note["data_shows"]) if note is not None else "",
                actions=commentary.to_text(note["actions"]) if note is not None else "",
                review=commentary.review_text(note["next_review"]) if note is not None else "",
                footer=f"{provenance} This indicator: {published} published and {illustrative} illustrative value(s) shown. "
                + PUBLISHED_NOTE,
            )
        )
    return Pack(area_name, as_of_text, produced, slides)


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

    def draw(self, spec: dict, browser: str, timeout: float, what: str) -> bytes:
        k, loop = self._ready(browser, timeout)
        opts = {"format": "png", "width": 1100, "height": 540, "scale": 1.5}
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


def draw_charts(pack: Pack, progress: Callable[[float, str], None] | None = None) -> None:
    """Turn each slide's Plotly figure into a PNG through the process's chart server (started on first use)."""
    todo = [s for s in pack.slides if s.figure is not None and s.chart_png is None]
    if not todo:
        return
    browser = chromium_path()
    if browser is None:
        raise ExportError(INSTALL_HINT)
    timeout = chart_timeout()
    if progress and not CHARTS.running:
        progress(0.02, "Starting Chromium to draw the charts (only the first pack since the dashboard started waits for this)")
    for n, s in enumerate(todo, 1):
        if progress:
            progress(n / (len(todo) + 1), f"Drawing chart {n} of {len(todo)}: {clean_text(s.title)}")
        spec = _clean_tree(s.figure.to_plotly_json())
        s.chart_png = CHARTS.draw(spec, browser, timeout, f'"{clean_text(s.title)}" ({n} of {len(todo)})')


# ---------------------------------------------------------------- PowerPoint


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def to_pptx(pack: Pack) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]

    def text(slide, x, y, w, h, value, size, bold=False, colour="#0b0c0c"):
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        tf = box.text_frame
        tf.word_wrap = True
        for i, line in enumerate(value.split("\n")):
            para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            para.text = line
            para.font.size, para.font.bold, para.font.name = Pt(size), bold, "Arial"
            para.font.color.rgb = _rgb(colour)
        return box

    def table(slide, x, y, w, header, rows, statuses, size, widths=None):
        shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(x), Inches(y), Inches(w), Inches(0.4 * (len(rows) + 1)))
        t = shape.table
        for c, name in enumerate(header):
            t.cell(0, c).text = name
            if widths:
                t.columns[c].width = Inches(widths[c])
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                t.cell(r, c).text = str(value)
        for r in range(len(rows) + 1):
            for c in range(len(header)):
                cell = t.cell(r, c)
                for para in cell.text_frame.paragraphs:
                    para.font.size, para.font.name = Pt(size), "Arial"
                    para.font.bold = r == 0
                if r == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb("#0b0c0c")
                    for para in cell.text_frame.paragraphs:
                        para.font.color.rgb = _rgb("#ffffff")
                elif header[c] == "RAG" and r - 1 < len(statuses):
                    badge = rag.BADGES.get(statuses[r - 1], rag.BADGES[rag.NO_DATA])
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb(badge.colour)
                    for para in cell.text_frame.paragraphs:
                        para.font.color.rgb = _rgb(badge.text_colour)
                        para.font.bold = True
                else:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb("#ffffff" if r % 2 else "#f3f2f1")
                    for para in cell.text_frame.paragraphs:
                        para.font.color.rgb = _rgb("#0b0c0c")

    for n, s in enumerate(pack.slides, 1):
        slide = prs.slides.add_slide(blank)
        if s.kind == "title":
            text(slide, 0.8, 2.0, 11.7, 1.2, s.title, 44, bold=True)
            text(slide, 0.8, 3.4, 11.7, 2.0, s.subtitle, 24)
        else:
            text(slide, 0.5, 0.3, 12.3, 0.8, s.title, 30, bold=True)
            if s.subtitle:
                text(slide, 0.5, 1.05, 12.3, 0.6, s.subtitle, 16)
        if s.kind == "scorecard":
            table(slide, 0.5, 1.7, 12.3, s.header, s.rows, s.statuses, 13, [3.5, 1.7, 1.4, 1.4, 1.2, 1.3, 1.8])
        elif s.kind == "exceptions" and s.rows:
            table(slide, 0.5, 1.7, 12.3, s.header, s.rows, s.statuses, 13, [2.8, 3.2, 1.2, 1.2, 3.9])
        elif s.kind == "indicator":
            if s.chart_png:
                slide.shapes.add_picture(io.BytesIO(s.chart_png), Inches(0.5), Inches(1.6), width=Inches(7.6))
            table(slide, 8.3, 1.6, 4.5, s.header, s.rows, s.statuses, 12, [1.6, 0.9, 1.0, 1.0])
            text(slide, 0.5, 5.4, 12.3, 1.3, s.commentary_text, 14)
        text(slide, 0.5, 6.85, 12.3, 0.5, f"{s.footer}   Page {n} of {len(pack.slides)}", 10, colour="#505a5f")
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- PDF


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


def to_pdf(pack: Pack) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph, Table, TableStyle

    font, bold = _pdf_fonts()
    W, H = 960, 540  # 13.333 × 7.5 inches, the same 16:9 page as the PowerPoint deck
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(W, H))
    c.setTitle(f"SEND performance board pack — {pack.area_name}")
    c.setAuthor("SEND performance dashboard")

    def style(size, b=False, colour="#0b0c0c"):
        return ParagraphStyle(
            "s", fontName=bold if b else font, fontSize=size, leading=size * 1.25, textColor=colors.HexColor(colour)
        )

    def para(value, x, y_top, w, size, b=False, colour="#0b0c0c"):
        p = Paragraph(
            value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>"), style(size, b, colour)
        )
        _, h = p.wrap(w, H)
        p.drawOn(c, x, y_top - h)
        return h

    def table(x, y_top, w, header, rows, statuses, size, widths):
        cell = style(size)
        head = style(size, True, "#ffffff")
        esc = lambda v: str(v).replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
        data = [[Paragraph(esc(h), head) for h in header]] + [[Paragraph(esc(v), cell) for v in row] for row in rows]
        t = Table(data, colWidths=[w * f for f in widths])
        cmds = [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b0c0c")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
        ]
        if "RAG" in header:
            col = header.index("RAG")
            for r, status in enumerate(statuses, 1):
                badge = rag.BADGES.get(status, rag.BADGES[rag.NO_DATA])
                cmds.append(("BACKGROUND", (col, r), (col, r), colors.HexColor(badge.colour)))
                data[r][col] = Paragraph(esc(rows[r - 1][col]), style(size, True, badge.text_colour))
        t = Table(data, colWidths=[w * f for f in widths])
        t.setStyle(TableStyle(cmds))
        _, h = t.wrap(w, H)
        t.drawOn(c, x, y_top - h)

    for n, s in enumerate(pack.slides, 1):
        if s.kind == "title":
            para(s.title, 60, 360, 840, 40, True)
            para(s.subtitle, 60, 290, 840, 22)
        else:
            para(s.title, 36, 515, 888, 26, True)
            if s.subtitle:
                para(s.subtitle, 36, 470, 888, 13)
        if s.kind == "scorecard":
            table(36, 430, 888, s.header, s.rows, s.statuses, 11, [0.28, 0.14, 0.11, 0.11, 0.1, 0.11, 0.15])
        elif s.kind == "exceptions" and s.rows:
            table(36, 430, 888, s.header, s.rows, s.statuses, 11, [0.22, 0.27, 0.1, 0.1, 0.31])
        elif s.kind == "indicator":
            if s.chart_png:
                c.drawImage(ImageReader(io.BytesIO(s.chart_png)), 36, 150, width=550, height=270, preserveAspectRatio=True)
            table(596, 430, 328, s.header, s.rows, s.statuses, 10, [0.38, 0.18, 0.22, 0.22])
            para(s.commentary_text, 36, 140, 888, 12)
        para(f"{s.footer}   Page {n} of {len(pack.slides)}", 36, 38, 888, 8, colour="#505a5f")
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
    indicator_ids: list[str] | None = None,
    progress: Callable[[float, str], None] | None = None,
    today: dt.date | None = None,
) -> bytes:
    """The whole pack as PowerPoint (fmt 'pptx') or PDF ('pdf') bytes."""
    if fmt not in ("pptx", "pdf"):
        raise ExportError(f'format "{fmt}" is not offered; choose pptx or pdf')
    step = "gathering the figures"
    try:
        if progress:
            progress(0.0, "Gathering the figures")
        pack = clean_pack(build(conn, config, area_code, as_of=as_of, indicator_ids=indicator_ids, today=today))
        step = "drawing the charts"
        draw_charts(pack, progress)
        step = f"writing the {fmt.upper()} file"
        if progress:
            progress(0.95, "Writing the file")
        return to_pptx(pack) if fmt == "pptx" else to_pdf(pack)
    except ExportError:
        raise
    except Exception as e:  # every failure reaches the page or the command line as a message; the details go to the log
        traceback.print_exc(file=sys.stderr)
        raise ExportError(
            f"something went wrong while {step} ({type(e).__name__}: {e}); nothing was made. Try again; "
            "if it keeps happening, the server log has the details."
        ) from None
