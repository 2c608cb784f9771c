"""The board pack as a board paper: the cover sheet, key messages (drafted, or as the author edited them), what
changed since the last meeting, the action log overdue and at risk first, recommendations; one exception list shared
by the presentation, the Exceptions page and the pack; the file named with the area and the date."""

import datetime as dt

from streamlit.testing.v1 import AppTest

from indicators import board_paper, exceptions, export, rag, readmodel, store
from pages import present_page
from tests.conftest import ROOT

TODAY = dt.date(2026, 11, 22)
DURHAM = "E06000047"


def page(path, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(path)
    return at.run()


def test_the_deck_the_exceptions_page_and_the_pack_list_the_same_exceptions(db_path, cfg):
    conn = store.connect(db_path, read_only=True)
    try:
        af = readmodel.figures(conn, cfg, DURHAM)
        pack = export.build(conn, cfg, DURHAM)
    finally:
        conn.close()
    report = list(exceptions.exception_report(af)["indicator"])
    in_pack = [row[0] for s in pack.slides if s.kind == "exceptions" for row in s.rows]
    at = page("pages/exceptions_page.py")
    body = next(h.proto.body for h in at.html if "What we are doing about it" in h.proto.body)
    on_page = [cfg.by_id[c.split("'")[0]].name for c in body.split("data-indicator='")[1:]]
    deck = page("pages/present_page.py", slide="2", area=DURHAM)  # the deck of the headline indicators, as it opens
    slide = next(h.proto.body for h in deck.html if "data-kind='exceptions'" in h.proto.body)
    in_deck = [cell.split("</td>")[0] for cell in slide.split("<tr><td>")[1:]]
    # Every red indicator is an exception, so the list is the read model's and not empty (8 on the shipped sample).
    reds = [cfg.by_id[i].name for i in af.scorecard.loc[af.scorecard["status"] == rag.RED, "indicator_id"]]
    assert reds and set(reds) <= set(report)
    assert on_page == in_pack == report
    # The slide fits the projector: the worst five, in the same order, and how many more the page lists.
    shown = present_page.EXCEPTIONS_SHOWN
    assert len(report) > shown and in_deck == report[:shown]
    assert f"And {len(report) - shown} more on the Exceptions page." in slide


def test_the_board_paper_has_its_cover_key_messages_changes_action_log_and_recommendations(conn, cfg):
    drafted = export.build(conn, cfg, DURHAM, today=TODAY)
    cover = drafted.slides[0].subtitle
    assert cover.startswith("SEND and AP Partnership Board, 22 November 2026\nCounty Durham\nPurpose: For assurance\n")
    messages = drafted.slides[1].body
    assert drafted.slides[1].title == "Key messages"
    assert "• In exception (8), worst first: Average wait for an autism (ASD) diagnostic assessment" in messages
    assert "• Off track: action(s) 2.1 (Extra autism assessment capacity" in messages
    assert "• Overdue actions (past their due date, not complete): 2.1, 1.2 and 3.2." in messages
    paper = board_paper.Paper(
        meeting="SEND and AP Partnership Board",
        date=dt.date(2026, 12, 3),
        author="Clare Nicholls, Strategy and Assurance",
        purpose="For decision",
        since=dt.date(2026, 6, 1),
        key_messages=["Waits for autism assessment are the board's first concern."],
        recommendations=["The board is asked to approve the autism recovery plan."],
    )
    edited = export.build(conn, cfg, DURHAM, today=TODAY, paper=paper)
    by_title = {s.title: s for s in edited.slides}
    assert edited.slides[0].subtitle.startswith(
        "SEND and AP Partnership Board, 3 December 2026\nCounty Durham\nPurpose: For decision\n"
        "Author: Clare Nicholls, Strategy and Assurance\n"
    )
    assert by_title["Key messages"].body == "• Waits for autism assessment are the board's first concern."
    assert by_title["Recommendations"].body == "1. The board is asked to approve the autism recovery plan."
    figures = by_title["Since the last meeting (1 June 2026): figures and RAG"]
    assert figures.header == ["Indicator", "Then", "Now", "RAG (then → now)"]
    assert ["SALT routine referrals seen and assessed within 6 weeks", "77% (May 2026)", "78% (August 2026)",
            "▲ Amber (unchanged)"] in figures.rows  # fmt: skip
    acts = by_title["Since the last meeting (1 June 2026): actions"]
    assert [r[0] for r in acts.rows] == ["1.2", "2.2", "3.2", "4.2"]  # updates posted after 1 June 2026
    log = by_title["Action log: overdue and at risk first"].rows
    assert [r[0] for r in log][:3] == ["2.1", "1.2", "3.2"]  # overdue: off track, then at risk
    assert log[0][4] == "⊘ Off track" and log[0][3] == "30 September 2026 (overdue)"


def test_the_pack_file_is_named_with_the_area_and_the_date():
    assert board_paper.file_name("County Durham", "pdf", TODAY) == "board-pack-county-durham-2026-11-22.pdf"
    assert board_paper.file_name("Redcar and Cleveland", "pptx", TODAY) == "board-pack-redcar-and-cleveland-2026-11-22.pptx"
