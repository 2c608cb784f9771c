"""Two tabs (two browser contexts, so two Streamlit sessions) on one running dashboard, both on the Upload history:
what one tab rolls back changes what the other tab's button may do, and the other tab's click does exactly what its
page said or nothing, with a message. The database file is read after the server stops."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from indicators import store, uploads
from tests.browser.conftest import UI, streamlit_server
from tests.conftest import ADMIN, as_user
from tests.test_rollback_choice import FIRST, SECOND, WHEN, N, Q, R


@pytest.fixture
def server(chromium_path, sample_db_template, cfg, tmp_path):
    """After the first start's uploads, q.csv (upload Q) and neet.csv (upload N), on different figures."""
    db = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    conn = store.connect(db)
    for data, name in ((FIRST, "q.csv"), (SECOND, "neet.csv")):
        uploads.commit(conn, uploads.check(conn, cfg, data, name, ADMIN), as_user("lead@example.org"))
    conn.close()
    with streamlit_server(db, tmp_path) as s:
        yield s


@pytest.fixture
def tabs(tab, server):
    """tabs(): another browser on the server, a kept tab with its own cookies (tests/browser/conftest.py Tabs)."""
    return lambda: UI(tab(1366, 900), server.url)


def choose_and_tick(ui: UI, upload: int):
    """Open the Upload history, choose the upload and tick the box, as an administrator does."""
    page = ui.open("/history")
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Upload", exact=True))
    # Centred first: a box at the foot of the page takes focus but does not open its list.
    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    box.click()
    page.keyboard.type(f"Upload {upload}:")
    page.get_by_role("option", name=re.compile(rf"^Upload {upload}: ")).click()
    ui.idle()
    page.get_by_text(f"I want to undo upload {upload}").click()
    ui.idle()
    button = page.get_by_role("button", name=f"Roll back upload {upload}")
    expect(button).to_be_enabled(timeout=30_000)
    ui.idle()
    return button


def uploads_table(server) -> list[tuple]:
    """(id, kind, rolled_back_by) of every upload, read from the file once the server has stopped."""
    server.proc.terminate()
    server.proc.wait(timeout=15)
    conn = store.connect(server.db, read_only=True)
    try:
        return conn.execute("SELECT id, kind, rolled_back_by FROM uploads WHERE id >= ? ORDER BY id", [Q - 1]).fetchall()
    finally:
        conn.close()


def message(ui: UI) -> str:
    """The notice the page shows (success or error), as read, without plain()'s invisible word joiners."""
    said = ui.page.locator("[data-testid=stAlertContentSuccess], [data-testid=stAlertContentError]").first
    said.wait_for(timeout=60_000)
    ui.idle()
    return said.get_by_test_id("stMarkdownContainer").inner_text().replace("\u2060", "")


def test_tab_a_rolls_back_nothing_after_tab_b_rolled_back_its_choice(server, tabs):
    a, b = tabs(), tabs()
    a_button = choose_and_tick(a, Q)
    b_button = choose_and_tick(b, Q)
    b_button.click()
    assert message(b).startswith(f"Rolled back upload {Q} (q.csv, loaded by lead@example.org on ")

    a_button.click()  # the button tab A drew for upload Q, pressed after tab B rolled upload Q back
    said = message(a)
    assert re.fullmatch(rf"Upload {Q} was already rolled back by upload {R} \(\S+, {WHEN}\); nothing was done\.", said), said
    # Afterwards nothing is chosen and nothing is ticked.
    assert a.page.get_by_role("button", name=re.compile("^Roll back upload")).count() == 0
    assert a.page.get_by_text("I want to undo upload").count() == 0
    a.screenshots("two-tabs-refused", 1366, 900)
    assert uploads_table(server) == [(Q - 1, "sample", None), (Q, "upload", R), (N, "upload", None), (R, "rollback", None)]


def test_two_clicks_at_once_remove_at_most_the_one_chosen_upload(server, tabs):
    a, b = tabs(), tabs()
    buttons = [choose_and_tick(a, N), choose_and_tick(b, N)]
    # Both clicks dispatched at once by the pages' own scripts, neither waiting for the other's answer.
    for button in buttons:
        button.evaluate("b => setTimeout(() => b.click(), 0)")
    said = [message(a), message(b)]
    print(said)
    assert sum(s.startswith(f"Rolled back upload {N} (neet.csv, loaded by lead@example.org on ") for s in said) == 1, said
    assert (
        sum(
            bool(re.fullmatch(rf"Upload {N} was already rolled back by upload \d+ \(\S+, {WHEN}\); nothing was done\.", s))
            for s in said
        )
        == 1
    ), said
    rows = uploads_table(server)
    won = rows[-1][0]
    assert rows == [(Q - 1, "sample", None), (Q, "upload", None), (N, "upload", won), (won, "rollback", None)], rows
