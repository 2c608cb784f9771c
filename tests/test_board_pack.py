"""Board meetings: commentary kept and rendered safely, the exception report, and the board pack as
PowerPoint and PDF with the same slides (opened with python-pptx and a PDF reader, and drawn to PNG)."""

import datetime as dt
import io
import re
import subprocess

import pytest
from pptx import Presentation
from pypdf import PdfReader

from indicators import commentary, exceptions, export, rag, readmodel, store, uploads
from tests import harness
from tests.conftest import ADMIN, as_user, sample_last, sample_next
from tests.harness import needs_mark, run_cli

TODAY = dt.date(2026, 11, 22)

TEN = [
    "ehcp_20wk",
    "salt_seen_6wk",
    "salt_treated_12wk",
    "asd_waiting_list",
    "asd_avg_wait_weeks",
    "send_neet",
    "ehc_requests",
    "ehc_requests_year",
    "senco_network_schools",
    "dfe_ehcp_20wk",
]
needs_chromium = needs_mark("pdf-chromium")


@pytest.mark.parametrize(
    "hostile, must_not_contain",
    [
        ("<script>alert(1)</script>", "<script"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ('<a href="javascript:alert(1)">x</a>', "<a href"),
        ("![pic](https://example.org/track.png)", "<img"),
    ],
)
def test_commentary_html_is_shown_as_text_never_run(hostile, must_not_contain):
    out = commentary.to_html(f"Before {hostile} after")
    assert must_not_contain not in out
    assert "Before" in out and "after" in out


def test_commentary_markdown_renders_safely():
    out = commentary.to_html("**Better** in Q4\n\n- more EP capacity\n- [plan](https://www.durham.gov.uk)")
    assert "<strong>Better</strong>" in out and "<li>more EP capacity</li>" in out
    assert 'href="https://www.durham.gov.uk"' in out and 'rel="noopener noreferrer"' in out
    assert commentary.to_text("**Better** <script>x</script>") == "Better <script>x</script>"


def test_commentary_versions_are_kept_with_author_and_time(conn):
    first = store.save_commentary(
        conn, "ehcp_20wk", "E06000047", "2019-20 Q4", "Fell", "Recovery plan", dt.date(2020, 6, 1), "Lead A"
    )
    second = store.save_commentary(conn, "ehcp_20wk", "E06000047", "2019-20 Q4", "Fell further", "More EP time", None, "Lead B")
    versions = store.commentary_versions(conn, "ehcp_20wk", "E06000047", "2019-20 Q4")
    assert versions["id"].tolist() == [second, first]
    assert versions["author"].tolist() == ["Lead B", "Lead A"]
    current = commentary.latest_for(store.latest_commentary(conn, "E06000047"), "ehcp_20wk")
    assert current["data_shows"] == "Fell further" and current["actions"] == "More EP time"


def test_empty_or_huge_commentary_is_refused(conn):
    with pytest.raises(store.StoreError, match="The commentary is empty"):
        store.save_commentary(conn, "ehcp_20wk", "E06000047", "2019-20 Q4", " ", "", None, "x")
    with pytest.raises(store.StoreError, match="keep each part under 4,000"):
        store.save_commentary(conn, "ehcp_20wk", "E06000047", "2019-20 Q4", "x" * 4001, "", None, "x")


def test_exception_report_lists_red_and_worse_worst_first_and_overdue_once(conn, cfg):
    # ehcp_20wk is Amber (63%) in the sample's latest quarter; a red quarter after it moves it down a band.
    last, was = sample_last("ehcp_20wk")
    assert rag.status(cfg.by_id["ehcp_20wk"], last, was) == "amber"
    nxt = sample_next("ehcp_20wk").label
    reds = set(readmodel.figures(conn, cfg, "E06000047").scorecard.query("status == 'red'")["indicator_id"])
    p = uploads.check(
        conn, cfg, f"indicator,area,period,value\nehcp_20wk,E06000047,{nxt},40\n".encode(), "q.csv", ADMIN, today=TODAY
    )
    uploads.commit(conn, p, as_user("lead"))
    store.save_commentary(conn, "ehcp_20wk", "E06000047", nxt, "Backlog after the summer", "Extra panels weekly", None, "Lead")
    af = readmodel.figures(conn, cfg, "E06000047", today=TODAY)
    ex = exceptions.exception_report(af)
    top = ex.iloc[0]
    assert top["indicator_id"] == "ehcp_20wk"
    assert top["reasons"].startswith("Red; Moved down from Amber to Red")  # and, 40% after 63%, SPC concern too
    assert top["actions"] == "Extra panels weekly"
    assert list(ex["severity"]) == sorted(ex["severity"], reverse=True)
    assert {"asd_avg_wait_weeks", "asd_waiting_over_13wk"} <= reds <= set(ex["indicator_id"])  # every red in the sample
    # Overdue is not a performance exception: it is summarised once and listed (the sample ends at August 2026).
    assert not ex["reasons"].str.contains("Overdue").any()
    late = af.overdue().set_index("indicator_id")
    assert (
        late.loc["salt_seen_6wk", "latest_due_display"] == "September 2026" and late.loc["salt_seen_6wk", "periods_missing"] == 1
    )
    assert af.overdue_summary() == f"{len(late)} of {int((af.due['status'] != 'no data').sum())} indicators have figures overdue."


@needs_chromium
def test_board_pack_of_ten_indicators_as_pptx_and_pdf(conn, cfg, tmp_path):
    neet, neet_value = sample_last("send_neet")  # the pack shows the commentary on each indicator's latest figure
    store.save_commentary(
        conn,
        "send_neet",
        "E06000047",
        neet.label,
        f"Down to {neet_value:.1f}% <script>alert(1)</script>",
        "DurhamWorks caseworkers for every Year 11 leaver with an EHC plan",
        dt.date(2026, 9, 30),
        "Lead",
    )
    pptx = export.export(conn, cfg, "pptx", "E06000047", indicator_ids=TEN, today=TODAY)
    deck = Presentation(io.BytesIO(pptx))
    titles = [next((s.text_frame.text for s in slide.shapes if s.has_text_frame), "") for slide in deck.slides]
    # the cover sheet, key messages, the scorecard on one page, exceptions (one or two pages), the board paper's
    # sections, ten indicator slides
    assert titles[0] == "SEND performance board pack" and titles[1] == "Key messages"
    assert titles[2].startswith("Scorecard — County Durham")
    assert any(t.startswith("Exceptions: red, worsening or special-cause concern") for t in titles)
    assert titles[-10:] == [cfg.by_id[i].name for i in TEN]
    everything = "\n".join(s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame)
    cells = "\n".join(c.text for slide in deck.slides for s in slide.shapes if s.has_table for r in s.table.rows for c in r.cells)
    assert "Produced 22 November 2026" in everything
    assert "DurhamWorks caseworkers for every Year 11 leaver" in everything
    assert "<script>alert(1)</script>" in everything  # kept as text, as the author wrote it
    assert f"{neet_value:.1f}% ○" in cells and "✖ Red" in cells  # ○: an illustrative figure
    assert "published" in everything and "illustrative" in everything
    # a trend chart each, and an SPC chart beside it where there are enough figures; each with its alt text
    # (native PowerPoint charts, not pictures: tests/test_pptx_editable.py)
    charts = [s for slide in deck.slides for s in slide.shapes if s.has_chart]
    assert len(charts) == 10 + sum(1 for i in TEN if readmodel.figures(conn, cfg, "E06000047", today=TODAY).indicators[i].spc)
    assert all(c._element.nvGraphicFramePr.cNvPr.get("descr", "").startswith("Chart: ") for c in charts)
    assert not [s for slide in deck.slides for s in slide.shapes if s.shape_type == 13]  # no pictures

    pdf = export.export(conn, cfg, "pdf", "E06000047", indicator_ids=TEN, today=TODAY)
    reader = PdfReader(io.BytesIO(pdf))
    # the deck's 18 pt tables run over more slides than the PDF's pages; the same pages otherwise
    assert len(reader.pages) <= len(deck.slides)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "SEND performance board pack" in text and "DurhamWorks caseworkers" in text and "Scorecard — County Durham" in text
    # Every page says how old the figures are and, while any shown is made up, that they are sample data.
    for n, page in enumerate(reader.pages, 1):
        words = " ".join(page.extract_text().split())
        assert "Figures up to August 2026" in words, n
        assert "Sample data: illustrative figures are made up" in words, n
    assert "threshold 80% (illustrative)" in " ".join(text.split())  # an illustrative threshold says so, never "no target"
    if harness.has("pdftoppm") or harness.in_ci():  # in CI pdftoppm must be there: a missing one fails here
        (tmp_path / "pack.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "20", "-png", str(tmp_path / "pack.pdf"), str(tmp_path / "page")], check=True)
        assert len(list(tmp_path.glob("page-*.png"))) == len(reader.pages)


@needs_chromium
def test_pack_for_an_earlier_period_cuts_off_later_figures(conn, cfg):
    pack = export.build(conn, cfg, "E06000047", as_of="2018-19 Q1", indicator_ids=["ehcp_20wk"])
    assert pack.as_of_text == "Figures up to 2018-19 Q1 (Apr–Jun 2018)"
    assert pack.slides[-1].subtitle.startswith("County Durham · 2018-19 Q1 (Apr–Jun 2018): 91.0% · ✔ Green")


def test_missing_chromium_says_what_to_install(conn, cfg, monkeypatch):
    monkeypatch.setenv("KPI_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(export.ExportError, match="needs Chromium on this machine, and none was found. Install it"):
        export.export(conn, cfg, "pdf", "E06000047", indicator_ids=["ehcp_20wk"])


def test_bad_export_requests_are_explained(conn, cfg):
    with pytest.raises(export.ExportError, match='"next year" is not a period'):
        export.build(conn, cfg, "E06000047", as_of="next year")
    with pytest.raises(export.ExportError, match="unknown indicator id"):
        export.build(conn, cfg, "E06000047", indicator_ids=["nope"])
    with pytest.raises(export.ExportError, match="there are no figures for County Durham up to 2001"):
        export.build(conn, cfg, "E06000047", as_of="2001")


@needs_chromium
def test_cli_export_writes_the_file(db_path, tmp_path):
    out = tmp_path / "pack.pptx"
    run = run_cli("export", "--format", "pptx", "--indicators", "ehcp_20wk,send_neet", "-o", str(out), timeout=180)
    assert run.returncode == 0, run.stderr
    assert out.exists() and f"Wrote {out}" in run.stdout
    # cover sheet, key messages, scorecard, exceptions, since the last meeting (figures, actions), action log,
    # recommendations, and the two indicators' pages (a table longer than a slide at 18 pt runs on: "(1 of 2)")
    titles = [re.sub(r" \(\d+ of \d+\)$", "", s.shapes.title.text) for s in Presentation(str(out)).slides]
    sections = [t.split(" (")[0].split(":")[0].split(" — ")[0] for t in dict.fromkeys(titles)]
    assert sections == [
        "SEND performance board pack",
        "Key messages",
        "Scorecard",
        "Exceptions",
        "Since the last meeting",
        "Since the last meeting",
        "Action log",
        "Recommendations",
        "New EHC plans issued within 20 weeks",
        "Young people with SEND not in education, employment or training",
    ]
