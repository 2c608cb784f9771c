"""Uploads that leads can trust: preview, all-or-nothing commit (even when killed), history, rollback,
templates and data completeness — through the package, the CLI and the pages."""
import datetime as dt
import re
import signal
import subprocess
import sys

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from indicators import store, uploads
from pages.common import unplain
from tests.conftest import ROOT

TODAY = dt.date(2026, 11, 22)
CHANGE = b"indicator,area,period,value\nehcp_20wk,E06000047,2019-20 Q4,50\nehcp_20wk,E06000047,2020-21 Q1,60\n"


def value(conn, indicator, area, period):
    row = conn.execute("SELECT value FROM observations WHERE indicator_id=? AND area_code=? AND period=?", [indicator, area, period]).fetchone()
    return row[0] if row else None


def test_preview_shows_old_and_new_values_with_the_rag_they_move_to(conn, cfg):
    p = uploads.check(conn, cfg, CHANGE, "q.csv")
    assert p.counts == {"new": 1, "changed": 1, "unchanged": 0}
    t = uploads.change_table(p, cfg)
    changed = t[t["change"] == "changed"].iloc[0]
    assert (changed["old value"], changed["new value"], changed["old RAG"], changed["new RAG"]) == ("76.0%", "50.0%", "▲ Amber", "✖ Red")
    new = t[t["change"] == "new"].iloc[0]
    assert (new["period"], new["new value"], new["new RAG"]) == ("2020-21 Q1 (Apr–Jun 2020)", "60.0%", "▲ Amber")


def test_history_records_who_what_and_the_file_hash(conn, cfg):
    p = uploads.check(conn, cfg, CHANGE, "q.csv")
    s = uploads.commit(conn, p, "lead@durham.gov.uk")
    h = uploads.history(conn).iloc[0]
    assert (h["id"], h["kind"], h["file_name"], h["user_name"], h["rows_new"], h["rows_changed"], h["rows_unchanged"]) == (
        s.upload_id, "upload", "q.csv", "lead@durham.gov.uk", 1, 1, 0)
    assert h["content_hash"] == p.content_hash and len(p.content_hash) == 64


def test_uploading_the_same_file_twice_changes_nothing_and_says_so(conn, cfg):
    uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv"), "a")
    before = store.table_snapshot(conn)
    again = uploads.check(conn, cfg, CHANGE, "q-copy.csv")
    assert again.nothing_to_do and again.counts["unchanged"] == 2
    assert again.same_file[0] == 2 and again.same_file[1] == "q.csv"
    assert store.table_snapshot(conn) == before


def test_rollback_restores_exactly_the_previous_values_and_is_recorded(conn, cfg):
    before = {t: rows for t, rows in store.table_snapshot(conn).items() if t == "observations"}
    s = uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv"), "a")
    assert value(conn, "ehcp_20wk", "E06000047", "2019-20 Q4") == 50
    rb = store.rollback(conn, s.upload_id, "admin")
    assert value(conn, "ehcp_20wk", "E06000047", "2019-20 Q4") == 76
    assert value(conn, "ehcp_20wk", "E06000047", "2020-21 Q1") is None
    assert store.table_snapshot(conn)["observations"] == before["observations"]
    h = uploads.history(conn)
    assert h.iloc[0]["kind"] == "rollback" and h.iloc[0]["user_name"] == "admin"
    assert h.set_index("id").loc[s.upload_id, "status"] == f"rolled back by upload {rb.upload_id}"
    # the undone figures are still in the history
    assert conn.execute("SELECT value FROM observation_history WHERE replaced_by=? ORDER BY value", [rb.upload_id]).fetchall() == [(50.0,), (60.0,)]


def test_rollback_is_refused_when_a_later_upload_changed_the_same_figures(conn, cfg):
    first = uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv"), "a")
    uploads.commit(conn, uploads.check(conn, cfg, b"indicator,area,period,value\nehcp_20wk,E06000047,2019-20 Q4,55\n", "fix.csv"), "a")
    before = store.table_snapshot(conn)
    with pytest.raises(store.StoreError, match=r"upload\(s\) 3 changed some of the same figures afterwards. Roll those back first"):
        store.rollback(conn, first.upload_id)
    assert store.table_snapshot(conn) == before
    store.rollback(conn, 3)
    store.rollback(conn, first.upload_id)
    assert value(conn, "ehcp_20wk", "E06000047", "2019-20 Q4") == 76


@pytest.mark.parametrize("target, message", [(99, "There is no upload 99"), (1, None)])
def test_rollback_refusals_say_why(conn, target, message):
    if message:
        with pytest.raises(store.StoreError, match=message):
            store.rollback(conn, target)


def test_rolling_back_twice_or_a_rollback_is_refused(conn, cfg):
    s = uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv"), "a")
    rb = store.rollback(conn, s.upload_id)
    with pytest.raises(store.StoreError, match="already rolled back"):
        store.rollback(conn, s.upload_id)
    with pytest.raises(store.StoreError, match="is itself a rollback"):
        store.rollback(conn, rb.upload_id)


def test_killing_a_load_mid_commit_leaves_the_database_unchanged_and_openable(db_path, tmp_path):
    c = duckdb.connect(str(db_path), read_only=True)
    before = store.table_snapshot(c)
    c.close()
    big = tmp_path / "big.csv"
    lines = ["indicator,area,period,value"] + [f"salt_seen_6wk,E06000047,{y}-{m:02d},{50 + m}" for y in range(2020, 2026) for m in range(1, 13)]
    big.write_text("\n".join(lines) + "\n")
    env = {**__import__("os").environ, store.PAUSE_ENV: "30"}
    proc = subprocess.Popen([sys.executable, "-m", "indicators", "load", str(big)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().strip() == "paused inside the commit"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    c = duckdb.connect(str(db_path))  # opens (replaying or discarding the WAL) and is writable
    try:
        assert store.table_snapshot(c) == before
        assert c.execute("SELECT count(*) FROM observations").fetchone()[0] == len(before["observations"])
    finally:
        c.close()


def test_cli_history_and_rollback(db_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    f = db_path.parent / "q.csv"
    f.write_bytes(CHANGE)
    assert run("load", str(f), "--user", "lead").returncode == 0
    out = run("history").stdout
    assert "upload" in out and "q.csv" in out and "lead" in out
    out = run("rollback", "2", "--user", "admin")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^Rolled back upload 2 \(q\.csv, loaded by lead on \d+ \w+ \d{4} at \d\d:\d\d\): 1 figure\(s\) removed, "
                     r"1 restored to their earlier values\. Recorded as upload 3\.$", out.stdout.strip()), out.stdout
    out = run("rollback", "2")
    assert out.returncode == 3 and "Upload 2 was already rolled back by upload 3 (admin, " in out.stderr
    assert "; nothing was done." in out.stderr
    assert "[rolled back by upload 3]" in run("history").stdout


def test_expected_period_and_completeness(conn, cfg):
    ind = cfg.by_id["ehcp_20wk"]
    assert uploads.expected_period(ind, TODAY).label == "2026-27 Q2"  # Jul–Sep 2026, due 30 days after
    assert uploads.expected_period(cfg.by_id["salt_seen_6wk"], TODAY).label == "2026-09"
    df = uploads.completeness(conn, cfg, "E06000047", TODAY).set_index("indicator_id")
    assert df.loc["ehcp_20wk", "status"] == "overdue" and df.loc["ehcp_20wk", "periods_missing"] == 26
    uploads.commit(conn, uploads.check(conn, cfg, b"indicator,area,period,value\nehcp_20wk,E06000047,2026-27 Q2,70\n", "now.csv", today=TODAY), "a")
    df = uploads.completeness(conn, cfg, "E06000047", TODAY).set_index("indicator_id")
    assert df.loc["ehcp_20wk", "status"] == "in" and df.loc["ehcp_20wk", "periods_missing"] == 0
    assert df.loc["dfe_neet_all", "status"] == "no data"


def test_templates_are_prefilled_and_load_back(conn, cfg):
    due = uploads.template_rows(conn, cfg, "E06000047", today=TODAY)
    assert list(due.columns) == uploads.TEMPLATE_COLUMNS
    assert len(due) == len(cfg.indicators) and set(due["area"]) == {"E06000047"}
    assert due.set_index("indicator").loc["ehcp_20wk", "period"] == "2026-27 Q2"
    one = uploads.template_rows(conn, cfg, "E06000047", "send_neet", today=TODAY)
    assert one["period"].tolist()[-1] == "2026-27 Q2" and len(one) == 12
    filled = one.assign(value="12.5")
    for data, name in ((uploads.template_csv(filled).encode(), "t.csv"), (uploads.template_xlsx(filled), "t.xlsx")):
        p = uploads.check(conn, cfg, data, name, today=TODAY)
        assert p.result.ok, [str(x) for x in p.result.problems]
        assert p.counts["new"] == 12


def apptest():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_upload_page_preview_confirm_then_scorecard_changes_then_rollback(db_path):
    at = apptest()
    at.run()
    assert "76.0%" in at.html[-1].proto.body.split("data-indicator='ehcp_20wk'")[1].split("</tr>")[0]

    at.switch_page("pages/upload_page.py").run()
    at.file_uploader[0].upload("q.csv", CHANGE, "text/csv")
    at.run()
    assert [m.value for m in at.metric] == ["1", "1", "0"]
    assert "long layout" in at.info[0].value
    changed = next(d.value for d in at.dataframe if "old value" in d.value.columns)
    assert changed.iloc[0]["old value"] == "76.0%" and changed.iloc[0]["new value"] == "50.0%"
    at.button[0].click()
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("Loaded q.csv as upload 2: 1 new, 1 changed, 0 unchanged.")

    at.switch_page("pages/scorecard_page.py").run()
    row = at.html[-1].proto.body.split("data-indicator='ehcp_20wk'")[1].split("</tr>")[0]
    assert "60.0%" in row and "2020-21 Q1" in row

    at.switch_page("pages/history_page.py").run()
    assert at.dataframe[0].value.iloc[0]["File"] == "q.csv"
    at.selectbox(key="rollback_choice_0").select(2).run()  # nothing is chosen until someone chooses
    at.checkbox(key="rollback_sure_0_2").check().run()
    at.button(key="rollback_0").click().run()
    assert unplain(at.success[0].value).startswith("Rolled back upload 2 (q.csv, loaded by ")
    assert at.selectbox(key="rollback_choice_1").value is None  # after a rollback nothing is chosen or ticked

    at.switch_page("pages/scorecard_page.py").run()
    row = at.html[-1].proto.body.split("data-indicator='ehcp_20wk'")[1].split("</tr>")[0]
    assert "76.0%" in row and "2019-20 Q4" in row


def test_upload_page_lists_every_problem_and_writes_nothing(db_path):
    c = duckdb.connect(str(db_path), read_only=True)
    before = store.table_snapshot(c)
    c.close()
    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    at.file_uploader[0].upload("bad.csv", (ROOT / "tests" / "fixtures" / "bad.csv").read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("**3 problem(s) in bad.csv; nothing was loaded.**")
    problems = at.dataframe[-1].value
    assert problems["row"].tolist() == [2, 3, 4] and problems["column"].tolist() == ["indicator", "period", "value"]
    assert not any(b.label.startswith("Confirm") for b in at.button)
    c = duckdb.connect(str(db_path))  # the same in-process database the app holds open
    assert store.table_snapshot(c) == before
    c.close()


def test_upload_page_imports_dfe_open_data_through_a_mapping(db_path):
    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    at.radio(key="upload_mode").set_value("DfE open data (Explore Education Statistics CSV)").run()
    at.selectbox(key="ees_mapping").set_value("sen2-timeliness").run()
    at.text_input(key="ees_release").input("2023").run()
    at.file_uploader[0].upload("sen2.csv", (ROOT / "tests" / "fixtures" / "ees" / "sen2_timeliness.csv").read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    assert "Darlington" in at.info[0].value and "nothing is written until you confirm" in at.info[0].value
    at.button(key="ees_confirm").click().run()
    assert not at.exception and "Darlington" in at.success[0].value
    conn = duckdb.connect(str(db_path))
    assert conn.execute("SELECT name, level FROM areas WHERE code='E06000005'").fetchone() == ("Darlington", "local_authority")
    assert conn.execute("SELECT kind FROM uploads ORDER BY id DESC LIMIT 1").fetchone()[0] == "import"
    conn.close()
