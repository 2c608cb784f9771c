"""The six-monthly monitoring report to the DfE and NHS England: Word that python-docx opens, holding every area for
improvement, every action's delivery status and every linked indicator's baseline, latest and milestone; and a PDF
that passes the board pack's layout checks (no text over other text, nothing under 9 pt, every page drawn)."""

import collections
import datetime as dt
import io
import itertools
import shutil
import subprocess

import docx
import pytest

from indicators import export, monitoring, plan, readmodel
from tests.conftest import ROOT

pdfplumber = pytest.importorskip("pdfplumber", reason="pdfplumber is not installed: pip install -r requirements-dev.txt")

DURHAM = "E06000047"
START, END = dt.date(2026, 4, 1), dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 22)
ARTIFACTS = ROOT / "test-artifacts" / "monitoring"


@pytest.fixture(scope="module")
def made(sample_db_template, cfg):
    from indicators import store

    conn = store.connect(sample_db_template, read_only=True)
    try:
        report = monitoring.build(conn, cfg, DURHAM, START, END, today=TODAY)
        af = readmodel.figures(conn, cfg, DURHAM, today=END + dt.timedelta(days=1), as_of=END)
        view = plan.view(conn, cfg, af, today=END)
    finally:
        conn.close()
    return {"report": report, "view": view, "docx": monitoring.to_docx(report), "pdf": monitoring.to_pdf(report)}


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        parts += ["\t".join(c.text for c in row.cells) for row in t.rows]
    return "\n".join(parts)


def test_the_word_report_holds_every_area_action_status_and_measure(made):
    text = docx_text(made["docx"])
    view = made["view"]
    assert len(view.afis) == 4
    assert "For the Department for Education and NHS England" in text and "1 April 2026 to 30 September 2026" in text
    tables = docx.Document(io.BytesIO(made["docx"])).tables
    action_rows = {r.cells[0].text: r.cells[5].text for t in tables for r in t.rows if t.rows[0].cells[0].text == "Ref"}
    measure_rows = [[c.text for c in r.cells] for t in tables for r in t.rows[1:] if t.rows[0].cells[0].text == "Impact measure"]
    for f in view.afis:
        assert f"{f.ref}: {f.title}" in text
        for a in f.actions:
            assert action_rows[a.ref] == plan.status_text(monitoring._status_at(a, END))
            for m in a.measures:
                row = next(r for r in measure_rows if r[0] == f"{m.ind.name} ({a.ref})")
                assert row[1].startswith(m.baseline_text) and row[2].startswith(m.latest_text)
                assert row[3] == m.milestone_text and row[4] == m.state_text
    # the progress made in the window, with its evidence; updates outside the window are left out
    assert "2.1 Extra autism assessment capacity" in text and "Evidence: ICB board paper 12 June 2026" in text
    assert "Backlog of assessments over 20 weeks down from 420 to 260" not in text  # posted in March 2025
    # an official comparator where one exists
    assert "against England" in text


def test_a_window_that_ends_before_it_starts_or_in_the_future_is_refused(sample_db_template, cfg):
    from indicators import store

    conn = store.connect(sample_db_template, read_only=True)
    try:
        with pytest.raises(monitoring.ReportError) as e:
            monitoring.build(conn, cfg, DURHAM, END, START, today=TODAY)
        assert str(e.value) == "the window ends (1 April 2026) before it starts (30 September 2026); give the start first."
        with pytest.raises(monitoring.ReportError) as e:
            monitoring.build(conn, cfg, "E06000003", START, END, today=TODAY)
        assert str(e.value).startswith("Redcar and Cleveland has no improvement plan yet")
    finally:
        conn.close()


def _overlap(a, b, slack=0.5) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack


def test_the_pdf_report_passes_the_pack_layout_checks(made):
    with pdfplumber.open(io.BytesIO(made["pdf"])) as pdf:
        assert pdf.metadata["Title"] == f"{monitoring.TITLE} — County Durham"
        said = []
        for n, page in enumerate(pdf.pages, 1):
            small = sorted({(c["text"], round(c["size"], 1)) for c in page.chars if c["size"] < export.MIN_PT - 0.01})
            assert not small, f"page {n}: text under {export.MIN_PT} pt: {small[:10]}"
            words = page.extract_words(use_text_flow=True)
            lines = [((w["x0"], w["top"], w["x1"], w["bottom"]), w["text"]) for w in words]
            for (a, ta), (b, tb) in itertools.combinations(lines, 2):
                assert not _overlap(a, b), f"page {n}: {ta!r} at {a} overlaps {tb!r} at {b}"
            for box, text in lines:
                assert 0 <= box[0] and box[2] <= page.width and 0 <= box[1] and box[3] <= page.height, (n, text, box)
            said.append(page.extract_text())
    text = "\n".join(said)
    for f in made["view"].afis:
        assert f"{f.ref}: {f.title}".split()[0] in text
    assert collections.Counter(text.split())["Milestone"] >= 4


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed: apt-get install poppler-utils")
def test_every_report_page_renders_to_png(made):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    (ARTIFACTS / "report.pdf").write_bytes(made["pdf"])
    (ARTIFACTS / "report.docx").write_bytes(made["docx"])
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(ARTIFACTS / "report.pdf"), str(ARTIFACTS / "page")], check=True)
    from PIL import Image

    pages = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(pages) == len(pdfplumber.open(io.BytesIO(made["pdf"])).pages) >= 1 + 1 + 4 * 2
    for png in pages:
        with Image.open(png) as im:
            assert im.size == (960, 540) and im.convert("L").getextrema()[0] < 64, png.name
