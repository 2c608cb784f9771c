"""The board pack as a board reads it: the default pack's pages (title, the scorecard, at most two pages of
exceptions, a page per exception and headline indicator) and the full pack; no text box over another, in the PDF
(every word and picture, read back with pdfplumber, nothing under 11 pt) and in the PowerPoint (every shape, nothing
under 9 pt); the PDF's chart text at 11 pt or more at print size with periods (not dates or times) on the axes; the
PDF and the PowerPoint saying the same words on each page; and every page drawn to PNG (pdftoppm), kept in
test-artifacts/pack/ to look at. The PDF's tags are tests/test_pack_tagged_pdf.py's."""

import collections
import datetime as dt
import io
import itertools
import re
import shutil
import subprocess

import pytest
from pptx import Presentation
from pptx.util import Emu

from indicators import exceptions, export, periods, pptx_deck, readmodel, store
from tests import harness
from tests.conftest import ROOT
from tests.harness import needs_mark

TODAY = dt.date(2026, 11, 22)
DURHAM = "E06000047"
ARTIFACTS = ROOT / "test-artifacts" / "pack"
EXCEPTIONS_TITLE = "Exceptions: red, worsening or special-cause concern"
# Skipped on a machine without them, failed in CI (tests/harness.py); pdfplumber is imported only when present.
pytestmark = [needs_mark("pdf-chromium"), needs_mark("pdfplumber")]
pdfplumber = harness.has("pdfplumber") and __import__("pdfplumber")


@pytest.fixture(scope="module")
def made(sample_db_template, tmp_path_factory, cfg):
    """The default and the full pack for County Durham, as PDF and PowerPoint, with the pages they were drawn from."""
    path = tmp_path_factory.mktemp("packs") / "kpi.duckdb"
    shutil.copy(sample_db_template, path)
    conn = store.open_store(cfg, path)
    try:
        out = {"figures": readmodel.figures(conn, cfg, DURHAM, today=TODAY)}
        for name, ids in (("default", None), ("full", export.ALL)):
            out[name, "pack"] = export.clean_pack(export.build(conn, cfg, DURHAM, indicator_ids=ids, today=TODAY))
            for fmt in ("pdf", "pptx"):
                out[name, fmt] = export.export(conn, cfg, fmt, DURHAM, indicator_ids=ids, today=TODAY)
    finally:
        conn.close()
    return out


PART = re.compile(r" \(\d+ of \d+\)$")


def slide_titles(pptx: bytes) -> list[str]:
    """The deck's pages as the PDF has them: a table the deck carries over several slides at 18 pt ("Scorecard (1 of
    5)", ...) is one page of the PDF when it fits there."""
    deck = Presentation(io.BytesIO(pptx))
    return list(dict.fromkeys(PART.sub("", slide.shapes.title.text) for slide in deck.slides))


def pdf_titles(pack) -> list[str]:
    return list(dict.fromkeys(PART.sub("", s.title) for s in pack.slides))


def outline(pdf: bytes) -> list[str]:
    """The PDF's bookmarks (Chromium makes them from the headings): the cover's h1, then each page's h2."""
    from pypdf import PdfReader

    def flat(items):
        for o in items:
            yield from flat(o) if isinstance(o, list) else [" ".join(o.title.split())]

    return list(flat(PdfReader(io.BytesIO(pdf)).outline))


def pdf_pages_by_title(pdf: bytes, titles: list[str]) -> dict[str, set[str]]:
    """The words of the PDF under each title: a page starting with a title begins it, and a table or text running
    over pages ("(1 of 2)" in the deck) is one section printed on as many pages as it needs."""
    out: dict[str, set[str]] = collections.defaultdict(set)
    current = titles[0]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            text = " ".join((page.extract_text() or "").split())
            # the longest title the page starts with ("New EHC plans issued within 20 weeks, excluding exceptions (DfE)"
            # starts with another indicator's name)
            current = max((t for t in titles if text.startswith(t)), key=len, default=current)
            # a hyphenated word may wrap after its hyphen ("take-" / "up"): its parts are compared
            out[current] |= {part for w in page.extract_words() for part in w["text"].split("-") if part}
    return out


def test_the_default_pack_is_what_a_board_reads_in_ten_minutes(made, cfg):
    af = made["figures"]
    ex = exceptions.exception_report(af)
    # the PDF's pages, a table run over pages ("(1 of 2)") counted once; the deck has the same, at 18 pt
    titles = pdf_titles(made["default", "pack"])
    assert slide_titles(made["default", "pptx"]) == titles
    # a board paper: the cover sheet and the key messages first
    assert titles[0] == "SEND performance board pack" and titles[1] == "Key messages"
    assert titles[2] == "Scorecard — County Durham"  # every indicator, on as few pages as 9 pt allows
    assert not titles[3].startswith("Scorecard")
    ex_pages = [t for t in titles if t.startswith(EXCEPTIONS_TITLE)]
    assert 1 <= len(ex_pages) <= 2 and titles[3 : 3 + len(ex_pages)] == ex_pages
    # then what changed since the last meeting, the action log and the recommendations
    paper = [t for t in titles[3 + len(ex_pages) :] if t.startswith(("Since the last meeting", "Action log", "Recommendations"))]
    assert [t.split(" (")[0].split(":")[0] for t in paper] == [
        "Since the last meeting", "Since the last meeting", "Action log", "Recommendations"
    ]  # fmt: skip
    assert titles[3 + len(ex_pages) : 3 + len(ex_pages) + len(paper)] == paper
    first = 3 + len(ex_pages) + len(paper)
    # then a page for each exception and each headline indicator, in the indicators file's order
    paged = set(ex["indicator_id"]) | {i.id for i in cfg.indicators if i.headline}
    # (a local measure's NHS England counterpart follows its page)
    expected = []
    for i in cfg.indicators:
        if i.id in paged and i.id in af.indicators:
            nhs = i.official if i.official and cfg.by_id[i.official].nhs_geography and i.official in af.indicators else None
            for name in [i.name] + ([cfg.by_id[nhs].name] if nhs else []):
                if name not in expected:
                    expected.append(name)
    assert titles[first:] == expected
    assert len(titles) <= first + len(expected) and len(titles) < len(af.indicators) + len(paper) + 4
    # the exceptions are summarised worst first: the pages list them in the report's order
    pack = made["default", "pack"]
    listed = [row[0] for s in pack.slides if s.kind == "exceptions" for row in s.rows]
    assert listed == list(ex["indicator"])[: len(listed)]
    assert outline(made["default", "pdf"]) == titles  # one section a title, in the same order


def test_the_full_pack_keeps_a_page_for_every_indicator(made):
    titles = pdf_titles(made["full", "pack"])
    assert slide_titles(made["full", "pptx"]) == titles
    names = [f.ind.name for f in made["figures"].indicators.values()]
    assert titles[-len(names) :] == names
    assert outline(made["full", "pdf"]) == titles


def _overlap(a, b, slack=0.5) -> bool:
    """Boxes (x0, top, x1, bottom) that share more than `slack` points each way."""
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack


@pytest.mark.parametrize("name", ["default", "full"])
def test_no_text_in_the_pdf_overlaps_other_text_or_a_chart_and_none_is_under_11pt(made, name):
    with pdfplumber.open(io.BytesIO(made[name, "pdf"])) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            small = sorted({(c["text"], round(c["size"], 1)) for c in page.chars if c["size"] < export.PRINT_MIN_PT - 0.01})
            assert not small, f"{name} pack, page {n}: text under {export.PRINT_MIN_PT} pt: {small[:10]}"
            pictures = [(i["x0"], i["top"], i["x1"], i["bottom"]) for i in page.images]
            for a, b in itertools.combinations(pictures, 2):
                assert not _overlap(a, b), f"{name} pack, page {n}: two charts overlap: {a} {b}"
            lines = [((w["x0"], w["top"], w["x1"], w["bottom"]), w["text"]) for w in page.extract_words()]
            for box, text in lines:
                on = [p for p in pictures if _overlap(box, p)]
                assert not on, f"{name} pack, page {n}: {text!r} at {box} is printed over a chart"
                assert 0 <= box[0] and box[2] <= page.width and 0 <= box[1] and box[3] <= page.height, (n, text, box)
            for (a, ta), (b, tb) in itertools.combinations(lines, 2):
                assert not _overlap(a, b), f"{name} pack, page {n}: {ta!r} at {a} overlaps {tb!r} at {b}"


@pytest.mark.parametrize("name", ["default", "full"])
def test_no_shape_on_a_powerpoint_slide_overlaps_another_and_no_text_is_under_9pt(made, name):
    deck = Presentation(io.BytesIO(made[name, "pptx"]))
    pt = lambda emu: Emu(emu).pt  # noqa: E731
    for n, slide in enumerate(deck.slides, 1):
        boxes = []
        for s in slide.shapes:
            box = (pt(s.left), pt(s.top), pt(s.left + s.width), pt(s.top + s.height))
            assert box[0] >= 0 and box[1] >= 0 and box[2] <= export.PAGE_W + 0.5 and box[3] <= export.PAGE_H + 0.5, (n, box)
            boxes.append((box, s.name))
            frames = (
                [s.text_frame]
                if s.has_text_frame
                else [c.text_frame for r in s.table.rows for c in r.cells]
                if s.has_table
                else []
            )
            for tf in frames:
                for para in tf.paragraphs:
                    for run in para.runs:
                        size = run.font.size or para.font.size
                        assert size is not None and size.pt >= export.MIN_PT, f"{name} slide {n}: {run.text!r} at {size}"
            if s.shape_type == 13:  # a picture: a chart with its text alternative
                descr = s._element.nvPicPr.cNvPr.get("descr") or ""
                assert descr.startswith("Chart: "), f"{name} slide {n}: a chart without alt text"
        for (a, na), (b, nb) in itertools.combinations(boxes, 2):
            assert not _overlap(a, b), f"{name} slide {n}: {na} at {a} overlaps {nb} at {b}"


def test_chart_text_is_11pt_or_more_at_print_size_and_axes_show_periods(made, cfg):
    for s in made["full", "pack"].slides:
        for c in s.charts:
            layout = c.figure["layout"]
            scale = c.width / layout["width"]  # points per chart pixel as printed
            assert export.smallest_text(c.figure) * scale >= export.PRINT_MIN_PT, (s.title, export.smallest_text(c.figure))
            ind = next(i for i in cfg.indicators if i.name == s.title)
            axis = layout["xaxis"]
            assert axis["tickmode"] == "array" and axis["ticktext"], s.title
            for label in axis["ticktext"]:  # each a period of the indicator's own kind, never a date or a time of day
                assert ":" not in label
                periods.parse(
                    label if ind.period_type != "month" else dt.datetime.strptime(label, "%b %Y").strftime("%Y-%m"),
                    ind.period_type,
                )
            assert c.alt.startswith("Chart: ")


@pytest.mark.parametrize("name", ["default", "full"])
def test_the_pdf_and_the_powerpoint_say_the_same_on_every_page(made, name):
    deck = Presentation(io.BytesIO(made[name, "pptx"]))
    # The deck sets tables at 18 pt, so a long one runs over more slides than the PDF's pages, and an indicator's
    # slide keeps the latest rows its table has room for: every word on a slide (but its footer's page number and
    # the deck's own notes on that) is on the PDF's page(s) of the same title.
    pages = pdf_pages_by_title(made[name, "pdf"], pdf_titles(made[name, "pack"]))
    # (the PDF's key messages are a list: its bullets are list markers, not text)
    deck_only = set(" ".join(pptx_deck.DECK_ONLY).split()) | {"…", "•"} | {str(n) for n in range(10)}
    for n, slide in enumerate(deck.slides, 1):
        title = PART.sub("", slide.shapes.title.text)
        said = [title]
        for s in list(slide.shapes)[1:-1]:  # the title (checked whole), then all but the footer
            if s.has_text_frame:
                said.append(s.text_frame.text)
            elif s.has_table:
                said += [c.text for r in s.table.rows for c in r.cells]
        words = {part for w in " ".join(said).split() for part in w.split("-") if part}
        missing = words - pages[title] - deck_only
        assert not missing, f"{name} slide {n}: in the PowerPoint, not the PDF: {sorted(missing)}"


@needs_mark("pdftoppm")
@pytest.mark.parametrize("name", ["default", "full"])
def test_every_page_renders_to_png(made, name):
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / f"{name}.pdf").write_bytes(made[name, "pdf"])
    (folder / f"{name}.pptx").write_bytes(made[name, "pptx"])
    for dpi, tag in ((36, "50"), (72, "100")):  # the 960 × 540 pt page at 50% and 100% (72 dpi: one pixel a point)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(folder / f"{name}.pdf"), str(folder / f"page-{tag}")], check=True)
    from PIL import Image

    pages = sorted(folder.glob("page-100-*.png"))
    assert len(pages) == len(pdfplumber.open(io.BytesIO(made[name, "pdf"])).pages)
    for png in pages:
        with Image.open(png) as im:
            assert im.size == (960, 540)  # the deck's 16:9 page, 13.333 × 7.5 in
            assert im.convert("L").getextrema()[0] < 64, f"{png.name} is blank"
