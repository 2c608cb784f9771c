"""The board pack's PDF is one a screen-reader user can read: tagged (its structure tree read back with pikepdf:
headings, tables with header cells, figures with their text alternatives, the language, the title shown as the
window's title), nothing printed under 11 pt (pdfplumber), the break caveat in the text, the machine-checkable part
of PDF/UA-1 passing (pdfua: veraPDF itself is not on the package registries this project uses), and user text
printed as text, never run as HTML."""

import datetime as dt
import io
import shutil
import subprocess
import sys

import pytest

from indicators import export, pack_html, readmodel, store
from tests import harness
from tests.harness import needs_mark

pikepdf = pytest.importorskip("pikepdf", reason="pikepdf is not installed: pip install -r requirements-dev.txt")
pytestmark = [needs_mark("pdf-chromium"), needs_mark("pdfplumber")]
pdfplumber = harness.has("pdfplumber") and __import__("pdfplumber")

TODAY = dt.date(2026, 11, 22)
DURHAM = "E06000047"
HOSTILE = "Fell & rose <script>alert(1)</script> <b>bold?</b>"


@pytest.fixture(scope="module")
def made(sample_db_template, tmp_path_factory, cfg):
    """The default pack for County Durham as PDF, with a commentary on an exception that tries to be HTML."""
    path = tmp_path_factory.mktemp("tagged") / "kpi.duckdb"
    shutil.copy(sample_db_template, path)
    conn = store.open_store(cfg, path)
    try:
        pack = export.clean_pack(export.build(conn, cfg, DURHAM, today=TODAY))
        page = next(s for s in pack.slides if s.kind == "indicator")
        ind = next(i for i in cfg.indicators if i.name == page.title)
        card = readmodel.figures(conn, cfg, DURHAM, today=TODAY).scorecard
        period = card.loc[card["indicator_id"] == ind.id, "period"].iloc[0]
        store.save_commentary(conn, ind.id, DURHAM, period, HOSTILE, "Plan A & plan B", None, "Lead A")
        pack = export.clean_pack(export.build(conn, cfg, DURHAM, today=TODAY))
        pdf = export.export(conn, cfg, "pdf", DURHAM, today=TODAY)
    finally:
        conn.close()
    return {"pack": pack, "pdf": pdf, "title": ind.name}


def elements(pdf) -> list:
    """Every structure element, depth first (the tree's reading order)."""
    out = []

    def walk(e):
        if isinstance(e, pikepdf.Dictionary):
            if "/S" in e:
                out.append(e)
            kids = e.get("/K")
            for k in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(k)

    walk(pdf.Root.StructTreeRoot)
    return out


def test_the_pdf_is_tagged_with_headings_tables_and_figures_with_alt_text(made):
    with pikepdf.open(io.BytesIO(made["pdf"])) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        found = elements(pdf)
        kinds = [str(e.S) for e in found]
        assert kinds.count("/H1") == 1, "one h1: the pack's title"
        indicator_pages = sum(1 for s in made["pack"].slides if s.kind == "indicator")
        assert kinds.count("/H2") >= 6 + indicator_pages  # key messages, scorecard, exceptions, since × 2, recs, …
        for needed in ("/Table", "/TR", "/TH", "/TD", "/Figure", "/P", "/L", "/LI"):
            assert needed in kinds, f"no {needed} element in the structure tree"
        figures = [e for e in found if e.S == "/Figure"]
        charts = sum(len(s.charts) for s in made["pack"].slides)
        assert len(figures) == charts
        for f in figures:
            assert str(f.get("/Alt", "")).startswith("Chart: "), f"a figure without its text alternative: {f.get('/Alt')}"
        # header cells are scoped: the column headers, and each row's first cell as its row's header
        scopes = {str(a.get("/Scope")) for e in found if e.S == "/TH" for a in e.get("/A", []) if "/Scope" in a}
        assert scopes == {"/Column", "/Row"}
        assert str(pdf.Root.Lang) == "en-GB"
        title = "SEND performance board pack — County Durham"
        assert str(pdf.docinfo["/Title"]) == title
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == title


def test_the_scorecard_runs_over_pages_with_its_header_row_on_each_at_11pt_or_more(made):
    card = [s for s in made["pack"].slides if s.kind == "scorecard"]
    with pdfplumber.open(io.BytesIO(made["pdf"])) as pdf:
        small = [
            (n, c["text"], round(c["size"], 1))
            for n, page in enumerate(pdf.pages, 1)
            for c in page.chars
            if c["size"] < export.PRINT_MIN_PT - 0.01
        ]
        assert not small, f"text under {export.PRINT_MIN_PT} pt: {small[:10]}"
        on = [n for n, p in enumerate(pdf.pages) if "Scorecard — County Durham" in (p.extract_text() or "")]
        assert on, "no scorecard page"
        header = " ".join(card[0].header)
        pages = []
        for page in pdf.pages[on[0] :]:
            text = " ".join((page.extract_text() or "").split())
            if pages and text.startswith("Exceptions: "):
                break
            pages.append(text)
    assert len(pages) >= 2, "27 rows at 11 pt: the scorecard runs over more than one page"
    for n, text in enumerate(pages, on[0] + 1):
        assert header in text, f"page {n}: the scorecard's header row is not repeated"
    printed = " ".join(pages)
    missing = [r[0] for s in card for r in s.rows if " ".join(r[0].split()[:4]) not in printed]
    assert not missing, f"scorecard rows not printed: {missing}"


def test_the_break_caveat_and_sources_are_in_the_text_not_only_in_the_chart(made):
    breaks = [s for s in made["pack"].slides if s.kind == "indicator" and "break" in s.comparison.lower()]
    assert breaks, "the sample's DfE timeliness series has a break in 2023: its page should say so"
    words = " ".join(" ".join((p.extract_text() or "").split()) for p in pdfplumber.open(io.BytesIO(made["pdf"])).pages)
    for s in breaks:
        caveat = next(line for line in s.comparison.split("\n") if "break" in line.lower())
        assert " ".join(caveat.split()[:12]) in words
        assert "Sources:" in words


def test_commentary_and_names_are_escaped_in_the_html_and_printed_as_text(made):
    html = pack_html.render(made["pack"])
    assert "<script>" not in html and "<b>bold?</b>" not in html
    assert "Fell &amp; rose &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold?&lt;/b&gt;" in html
    assert "Plan A &amp; plan B" in html
    words = " ".join(" ".join((p.extract_text() or "").split()) for p in pdfplumber.open(io.BytesIO(made["pdf"])).pages)
    assert "What the data shows: Fell & rose <script>alert(1)</script> <b>bold?</b>" in words
    assert "What we are doing about it: Plan A & plan B" in words


def test_the_machine_checkable_part_of_pdf_ua_1_passes(made, tmp_path):
    """pdfua checks what a program can (tagged content, artifacts, alt text, language, title, tables); the rest of
    PDF/UA-1 (a meaningful reading order, good alt text) is a person's check. It warns that the file does not claim
    PDF/UA conformance (no pdfuaid in the XMP): deliberately, as the full standard is not verified here."""
    pytest.importorskip("pdfua", reason="pdfua is not installed: pip install -r requirements-dev.txt")
    path = tmp_path / "pack.pdf"
    path.write_bytes(made["pdf"])
    out = subprocess.run(
        [sys.executable, "-m", "pdfua", "check", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert "errors=0" in out.stdout, out.stdout[-3000:]
    warnings = [line for line in out.stdout.splitlines() if line.strip().startswith("[WARN")]
    assert all("UA-28-004" in w for w in warnings), out.stdout[-3000:]
