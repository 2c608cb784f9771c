"""The board-meeting pages run headless (AppTest): exceptions, presentation mode and the board pack."""

from streamlit.testing.v1 import AppTest

from indicators import config, rag, store
from tests.conftest import ROOT, sample_last
from tests.harness import needs_mark


def page(path, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(path)
    return at.run()


def slide_html(at) -> str:
    return next(h.proto.body for h in at.html if "class='slide' data-slide" in h.proto.body)


def test_exceptions_page_lists_red_and_concern_worst_first_and_overdue_once(db_path):
    at = page("pages/exceptions_page.py")
    assert not at.exception
    body = next(h.proto.body for h in at.html if "What we are doing about it" in h.proto.body)
    order = [chunk.split("'")[0] for chunk in body.split("data-indicator='")[1:]]
    from indicators import config, exceptions, readmodel, store

    conn = store.connect(db_path)  # the same in-process database the app holds open
    try:
        report = exceptions.exception_report(readmodel.figures(conn, config.load(), "E06000047"))
    finally:
        conn.close()
    assert order == report["indicator_id"].tolist()  # the page shows the report, worst first
    first = report.iloc[0]
    assert first["status"] == "red" and "SPC: special cause of concern" in first["reasons"]  # red and concern outranks red
    assert list(report["severity"]) == sorted(report["severity"], reverse=True)
    assert "Overdue" not in body and "✖ Red" in body
    # Overdue figures are summarised once at the top of the page and listed, not repeated on each row.
    banner = next(h.proto.body for h in at.html if "class='provenance'" in h.proto.body)
    assert "indicators have figures overdue." in banner and "Figures up to August 2026" in banner


def test_presentation_starts_with_the_agenda_and_moves_with_next(db_path):
    at = page("pages/present_page.py")
    assert not at.exception
    assert "data-slide='1' data-kind='agenda'" in slide_html(at)
    at.button(key="next").click().run()
    assert "data-slide='2' data-kind='exceptions'" in slide_html(at)
    assert at.query_params["slide"] in (["2"], "2")
    at.button(key="next").click().run()
    body = slide_html(at)
    last, value = sample_last("ehcp_20wk")  # 63.0%, amber, in the shipped sample
    word = rag.BADGES[rag.status(config.load().by_id["ehcp_20wk"], last, value)].word
    assert "data-kind='ehcp_20wk'" in body and f"{value:.1f}%" in body and word in body
    at.button(key="prev").click().run()
    assert "data-slide='2'" in slide_html(at)


def test_presentation_deep_link_keeps_the_place_and_deck(db_path):
    at = page("pages/present_page.py", slide="4", area="E06000003", indicators="send_neet,ehcp_20wk")
    body = slide_html(at)
    assert "data-slide='4' data-kind='ehcp_20wk'" in body and "Redcar and Cleveland" in body
    # After the indicators, where the area stands among every local authority on the official counterpart.
    at.button(key="next").click().run()
    body = slide_html(at)
    assert "data-slide='5' data-kind='compare:dfe_ehcp_20wk'" in body and "Compare areas" in body
    assert "Redcar and Cleveland: " in body and " of 150 local authorities" in body  # Scilly and the City not ranked
    assert "Figures up to 2024" in body  # the official figures' own age on this slide
    assert at.button(key="next").disabled


def test_presentation_commentary_is_escaped(db_path):
    conn = store.connect(db_path)
    store.save_commentary(
        conn,
        "ehcp_20wk",
        "E06000047",
        sample_last("ehcp_20wk")[0].label,
        "<img src=x onerror=alert(1)> fell",
        "**Plan**",
        None,
        "Lead",
    )
    conn.close()
    at = page("pages/present_page.py", slide="3")
    note = next(h.proto.body for h in at.html if "What the data shows" in h.proto.body)
    assert "<img" not in note and "&lt;img src=x onerror=alert(1)&gt; fell" in note and "<strong>Plan</strong>" in note


def test_pack_page_says_what_to_install_without_chromium(db_path, monkeypatch):
    monkeypatch.setenv("KPI_CHROMIUM", "/nonexistent/chromium")
    at = page("pages/pack_page.py")
    assert not at.exception
    assert "needs Chromium on this machine" in at.error[0].value and "apt-get install chromium" in at.error[0].value


@needs_mark("pdf-chromium")
def test_pack_page_makes_a_pdf_with_one_click(db_path):
    at = page("pages/pack_page.py")
    at.multiselect(key="pack_ids").set_value(["ehcp_20wk", "send_neet"]).run()
    at.text_input(key="paper_author").set_value("Clare Nicholls").run()
    at.button(key="make_pdf").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("The PDF is ready")
    import datetime as dt

    # the board paper's file: the area and the meeting's date
    assert at.session_state["pack"][2] == f"board-pack-county-durham-{dt.date.today().isoformat()}.pdf"
