"""A rollback does exactly what the person was shown: the store re-checks the shown plan inside its transaction and
refuses, saying why, when the state moved; the History page's button carries the upload it showed; the sample data
needs typed words; two clicks at once remove at most the one chosen upload. (The two-tab case in a real browser is
tests/browser/test_browser_two_tabs.py.)"""

import dataclasses
import re
import threading

import pytest
from streamlit.testing.v1 import AppTest

from indicators import store, uploads
from pages.common import unplain
from tests.conftest import ADMIN, ROOT, as_user, sample_last, sample_next

# q.csv changes the sample's latest ehcp_20wk figure and adds the next quarter; neet.csv adds a send_neet quarter.
FIRST = (
    f"indicator,area,period,value\nehcp_20wk,E06000047,{sample_last('ehcp_20wk')[0].label},50\n"
    f"ehcp_20wk,E06000047,{sample_next('ehcp_20wk').label},60\n"
).encode()
SECOND = f"indicator,area,period,value\nsend_neet,E06000047,{sample_next('send_neet').label},12\n".encode()
WHEN = r"\d{1,2} \w+ \d{4} at \d\d:\d\d"
# The first start's uploads come first (the official releases, then the sample): the ids here follow them.
Q, N = 9, 10  # q.csv, neet.csv (after seven official files and the sample)
R = 11  # the first rollback after them


def load(conn, cfg, data, name, who="lead"):
    return uploads.commit(conn, uploads.check(conn, cfg, data, name, ADMIN), as_user(who))


def sample_id(conn) -> int:
    return conn.execute("SELECT id FROM uploads WHERE kind = 'sample'").fetchone()[0]


@pytest.fixture
def two_uploads(conn, cfg):
    """After the first start's uploads (official releases, then the sample), q.csv (upload Q) and neet.csv (upload N),
    on different figures."""
    assert sample_id(conn) == Q - 1
    assert load(conn, cfg, FIRST, "q.csv").upload_id == Q
    assert load(conn, cfg, SECOND, "neet.csv").upload_id == N
    return conn


def status(conn, upload_id):
    return conn.execute("SELECT rolled_back_by FROM uploads WHERE id = ?", [upload_id]).fetchone()[0]


def test_the_note_names_the_file_who_loaded_it_when_and_what_was_removed_and_restored(two_uploads):
    rb = store.rollback(two_uploads, Q, as_user("admin"))
    note = two_uploads.execute("SELECT note FROM uploads WHERE id = ?", [rb.upload_id]).fetchone()[0]
    assert re.fullmatch(
        rf"Rolled back upload {Q} \(q\.csv, loaded by lead on {WHEN}\): 1 figure\(s\) removed, 1 restored to "
        r"their earlier values\.",
        note,
    ), note


def test_an_upload_already_rolled_back_is_refused_and_nothing_is_done(two_uploads):
    shown = store.rollback_plan(two_uploads, Q)  # what tab A shows
    store.rollback(two_uploads, Q, as_user("admin@example.org"), expected=shown)  # tab B
    before = store.table_snapshot(two_uploads)
    with pytest.raises(store.StoreError) as refused:
        store.rollback(two_uploads, Q, as_user("admin@example.org"), expected=shown)  # tab A's click
    assert re.fullmatch(
        rf"Upload {Q} was already rolled back by upload {R} \(admin@example\.org, {WHEN}\); nothing was done\.",
        str(refused.value),
    ), str(refused.value)
    assert store.table_snapshot(two_uploads) == before
    assert status(two_uploads, N) is None


def test_a_plan_that_no_longer_holds_is_refused(two_uploads):
    shown = dataclasses.replace(store.rollback_plan(two_uploads, Q), remove=5)
    with pytest.raises(store.StoreError) as refused:
        store.rollback(two_uploads, Q, as_user("admin"), expected=shown)
    assert str(refused.value) == (
        f"Upload {Q} changed since it was shown: rolling it back would now mean 1 figure(s) removed, "
        "1 restored to their earlier values, not 5 figure(s) removed, 1 restored to their earlier "
        "values as shown; nothing was done. Look at the history again and choose."
    )
    wrong = store.rollback_plan(two_uploads, N)
    with pytest.raises(
        store.StoreError, match=rf"^The rollback asked for upload {Q} but was shown upload {N}; nothing was done\.$"
    ):
        store.rollback(two_uploads, Q, as_user("admin"), expected=wrong)
    assert status(two_uploads, Q) is None


def test_the_sample_data_is_rolled_back_only_with_the_typed_words(conn):
    s = sample_id(conn)
    n = conn.execute("SELECT count(*) FROM observations WHERE upload_id = ?", [s]).fetchone()[0]
    with pytest.raises(store.StoreError) as refused:
        store.rollback(conn, s, as_user("admin"))
    assert str(refused.value) == (
        f"Upload {s} is the sample data ({n} figures); rolling it back removes every sample figure and cannot itself be undone. "
        f'To do it, type "roll back the sample data" on the Upload history page, or run `python -m indicators rollback {s}`. '
        "Nothing was done."
    )
    with pytest.raises(store.StoreError, match="is the sample data"):
        store.rollback(conn, s, as_user("admin"), confirm_sample="roll back the sample")
    assert status(conn, s) is None
    store.rollback(conn, s, as_user("admin"), confirm_sample=store.SAMPLE_CONFIRMATION)
    assert conn.execute("SELECT count(*) FROM observations WHERE upload_id = ?", [s]).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM observations").fetchone()[0] > 0  # the official releases stay


def test_two_clicks_at_once_remove_at_most_the_one_chosen_upload(db_path, cfg):
    """Two sessions' cursors of one connection, as two admins' clicks reach one server, both rolling back upload N."""
    conn = store.connect(db_path)
    try:
        load(conn, cfg, FIRST, "q.csv")
        load(conn, cfg, SECOND, "neet.csv")
        shown = store.rollback_plan(conn, N)
        start, said = threading.Barrier(2), []

        def click():
            cur = conn.cursor()
            start.wait()
            try:
                said.append(("done", store.rollback(cur, N, as_user("admin"), expected=shown).upload_id))
            except store.StoreError as e:
                said.append(("refused", str(e)))

        clicks = [threading.Thread(target=click) for _ in range(2)]
        for t in clicks:
            t.start()
        for t in clicks:
            t.join(timeout=60)
        assert sorted(k for k, _ in said) == ["done", "refused"], said
        won = next(m for k, m in said if k == "done")  # the loser's transaction may have used up an id
        refusal = next(m for k, m in said if k == "refused")
        assert re.fullmatch(
            rf"Upload {N} was already rolled back by upload {won} \(admin, {WHEN}\); nothing was done\.", refusal
        ), refusal
        rows = conn.execute("SELECT id, kind, rolled_back_by FROM uploads WHERE id >= ? ORDER BY id", [Q - 1]).fetchall()
        assert rows == [(Q - 1, "sample", None), (Q, "upload", None), (N, "upload", won), (won, "rollback", None)], rows
    finally:
        conn.close()


def history_tab(db_path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    return at.switch_page("pages/history_page.py").run()


def test_two_tabs_tab_a_rolls_back_nothing_after_tab_b_rolled_back_its_choice(db_path, cfg):
    conn = store.connect(db_path)
    load(conn, cfg, FIRST, "q.csv")
    load(conn, cfg, SECOND, "neet.csv")
    conn.close()
    a, b = history_tab(db_path), history_tab(db_path)  # two sessions of one server process
    for tab in (a, b):
        tab.selectbox(key="rollback_choice_0").select(Q).run()
        tab.checkbox(key=f"rollback_sure_0_{Q}").check().run()
    b.button(key="rollback_0").click().run()
    assert unplain(b.success[0].value).startswith(f"Rolled back upload {Q} (q.csv, loaded by lead on ")
    a.button(key="rollback_0").click().run()
    assert not a.exception
    assert re.fullmatch(
        rf"Upload {Q} was already rolled back by upload {R} \(\S+, {WHEN}\); nothing was done\.", unplain(a.error[0].value)
    ), a.error[0].value
    # The choice and the tick are gone; the history shows upload N still standing.
    assert a.selectbox(key="rollback_choice_1").value is None and not a.checkbox
    table = a.table[0].value.map(unplain).set_index("Upload")  # the history is a wrapped table of escaped text
    assert table.loc[str(N), "Status and note"] == ""
    assert table.loc[str(Q), "Status and note"] == f"rolled back by upload {R}"
    assert table.loc[str(R), "Status and note"].startswith(f"Rolled back upload {Q} (q.csv, loaded by lead on ")


def test_the_sample_data_needs_the_typed_words_on_the_page(db_path):
    conn = store.connect(db_path)
    s = sample_id(conn)
    n = conn.execute("SELECT count(*) FROM observations WHERE upload_id = ?", [s]).fetchone()[0]
    conn.close()
    at = history_tab(db_path)
    at.selectbox(key="rollback_choice_0").select(s).run()
    assert f"Upload {s} is the sample data" in at.warning[0].value
    at.checkbox(key=f"rollback_sure_0_{s}").check().run()
    assert at.button(key="rollback_0").disabled
    at.text_input(key=f"rollback_typed_0_{s}").input("roll back the sample data").run()
    assert not at.button(key="rollback_0").disabled
    at.button(key="rollback_0").click().run()
    assert unplain(at.success[0].value).startswith(
        f"Rolled back upload {s} (sample data (observations.csv), loaded by sample data on "
    )
    assert unplain(at.success[0].value).endswith(
        f": {n:,} figure(s) removed, 0 restored to their earlier values. Recorded as upload {s + 1}."
    )
