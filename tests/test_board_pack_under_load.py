"""The board pack under load and with awkward input: four packs at once (as four Streamlit sessions make them, one
thread each) all come out whole; control characters in names are removed before anything is drawn; a Chromium that
fails, or never starts, ends in a message, not a traceback or a spinner."""

import io
import stat
import threading
import time

import pytest
from pptx import Presentation
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from indicators import export, pack_html, store
from pages.common import unplain
from tests.conftest import ROOT, as_user
from tests.harness import needs_mark, wait_until

SIX = ["ehcp_20wk", "salt_seen_6wk", "salt_treated_12wk", "asd_waiting_list", "send_neet", "ehc_requests"]
needs_chromium = needs_mark("pdf-chromium")


@needs_chromium
def test_four_packs_at_once_are_all_whole(conn, cfg):
    headings = pack_html.headings(export.clean_pack(export.build(conn, cfg, "E06000047", indicator_ids=SIX)))
    made, start = {}, threading.Barrier(4)

    def person(n):
        cur = conn.cursor()  # each Streamlit session has its own cursor of the process's connection
        start.wait()
        began = time.monotonic()
        try:
            made[n] = (export.export(cur, cfg, "pdf", "E06000047", indicator_ids=SIX), time.monotonic() - began)
        except Exception as e:  # noqa: BLE001  (any failure is the test's finding)
            made[n] = (e, time.monotonic() - began)

    began = time.monotonic()
    people = [threading.Thread(target=person, args=(n,)) for n in range(4)]
    for p in people:
        p.start()
    for p in people:
        p.join(timeout=600)
    print(
        f"four packs at once: {time.monotonic() - began:.1f} s in all; each " + ", ".join(f"{t:.1f} s" for _, t in made.values())
    )
    assert sorted(made) == [0, 1, 2, 3]
    for n, (pdf, _) in made.items():
        assert isinstance(pdf, bytes), f"pack {n}: {pdf!r}"
        reader = PdfReader(io.BytesIO(pdf))
        assert [o.title for o in flat(reader.outline)] == headings  # every section, in order (bookmarks from headings)
        assert "SEND performance board pack" in reader.pages[0].extract_text()
    assert export.CHARTS.running  # kept for the next pack: it does not pay Chromium's start again


@needs_chromium
def test_control_characters_in_an_area_name_are_removed_before_rendering(conn, cfg):
    store.add_areas(conn, [("E06000998", "Durham\x0b North\x1b[31m\x00 \x07East", "local_authority", None, None)])
    rows = conn.execute(
        "SELECT * EXCLUDE (upload_id) FROM observations WHERE area_code = 'E06000047' AND indicator_id = 'ehcp_20wk'"
    ).df()
    rows["area_code"] = "E06000998"
    rows["note"] = "line one\nline\x0btwo\x1b"
    store.write_observations(conn, rows, access=as_user("lead"), kind="upload", file_name="tab\tand\x1bescape.csv")
    pdf = export.export(conn, cfg, "pdf", "E06000998", indicator_ids=["ehcp_20wk"])
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Durham North[31m East" in text and "\x0b" not in text and "\x1b" not in text
    deck = Presentation(io.BytesIO(export.export(conn, cfg, "pptx", "E06000998", indicator_ids=["ehcp_20wk"])))
    titles = "\n".join(s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame)
    assert "Scorecard — Durham North[31m East" in titles
    assert sum(1 for slide in deck.slides for s in slide.shapes if s.has_chart) == 2  # trend and SPC (native charts)


def flat(outline):
    for o in outline:
        yield from flat(o) if isinstance(o, list) else [o]


def fake_chromium(tmp_path, body: str):
    """A program standing in for Chromium (a real process, started the way Kaleido starts Chromium)."""
    path = tmp_path / "chromium"
    path.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'pid'}\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_chromium_that_fails_to_start_gives_a_message(conn, cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_CHROMIUM", str(fake_chromium(tmp_path, "echo 'cannot open display' >&2; exit 1")))
    monkeypatch.setenv("KPI_CHART_TIMEOUT", "20")
    with pytest.raises(export.ExportError) as e:
        export.export(conn, cfg, "pdf", "E06000047", indicator_ids=["ehcp_20wk"])
    said = str(e.value)
    assert said == (
        f"Chromium ({tmp_path / 'chromium'}) did not start, so the charts could not be drawn: it closed as soon as it "
        f"was started. Check that it runs on the server (`{tmp_path / 'chromium'} --headless "
        "--version`), then try again. (Nothing is downloaded automatically.)"
    ), said
    assert not export.CHARTS.running


def test_a_chromium_that_never_answers_times_out_with_a_message(conn, cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_CHROMIUM", str(fake_chromium(tmp_path, "exec sleep 300")))
    monkeypatch.setenv("KPI_CHART_TIMEOUT", "3")
    began = time.monotonic()
    with pytest.raises(export.ExportError) as e:
        export.export(conn, cfg, "pdf", "E06000047", indicator_ids=["ehcp_20wk"])
    assert time.monotonic() - began < 30
    assert str(e.value) == (
        f"Chromium ({tmp_path / 'chromium'}) did not start within 3 seconds, so the charts could not be "
        "drawn. Try again; if it keeps happening, ask whoever runs the dashboard to check that Chromium "
        "starts on the server (KPI_CHART_TIMEOUT sets the wait)."
    )
    pid = int((tmp_path / "pid").read_text())

    def gone() -> bool:
        try:
            return open(f"/proc/{pid}/stat").read().split()[2] == "Z"
        except FileNotFoundError:
            return True

    wait_until(gone, timeout=10, what="the end of the hung Chromium (it was left running)")


def test_the_pack_page_says_what_went_wrong(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_CHROMIUM", str(fake_chromium(tmp_path, "exit 1")))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/pack_page.py").run()
    at.multiselect(key="pack_ids").set_value(["ehcp_20wk"]).run()
    at.button(key="make_pdf").click().run()
    assert not at.exception
    said = unplain(at.error[0].value)
    assert said.startswith(
        f"The board pack was not made: Chromium ({tmp_path / 'chromium'}) did not start, so the charts "
        "could not be drawn: it closed as soon as it was started. Check that it runs on the server"
    ), said
