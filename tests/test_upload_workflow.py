"""Uploads that leads can trust: preview, all-or-nothing commit (even when killed), history, rollback,
templates and data completeness — through the package, the CLI and the pages."""

import datetime as dt
import re
import signal

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from indicators import periods, rag, readmodel, store, uploads
from pages.common import unplain
from tests.conftest import ADMIN, ROOT, as_user, lead, sample_last
from tests.harness import run_cli, start_cli

TODAY = dt.date(2026, 11, 22)
# Late enough that a series left as shipped misses more than a template's 12 periods.
LATER = dt.date(2029, 11, 22)
# A return that changes the sample's latest quarter (to red) and adds the quarter after it (amber).
LAST, LAST_VALUE = sample_last("ehcp_20wk")
NEXT = periods.shift(LAST, 1)
CHANGE = f"indicator,area,period,value\nehcp_20wk,E06000047,{LAST.label},50\nehcp_20wk,E06000047,{NEXT.label},60\n".encode()


def value(conn, indicator, area, period):
    row = conn.execute(
        "SELECT value FROM observations WHERE indicator_id=? AND area_code=? AND period=?", [indicator, area, period]
    ).fetchone()
    return row[0] if row else None


def test_preview_shows_old_and_new_values_with_the_rag_they_move_to(conn, cfg):
    p = uploads.check(conn, cfg, CHANGE, "q.csv", ADMIN, today=TODAY)
    assert p.counts == {"new": 1, "changed": 1, "unchanged": 0, "kept": 0}
    t = uploads.change_table(p, cfg)
    changed = t[t["change"] == "changed"].iloc[0]
    was = rag.BADGES[rag.status(cfg.by_id["ehcp_20wk"], LAST, LAST_VALUE)].text  # 63.0%, amber, in the shipped sample
    assert was != "✖ Red"  # so the change moves it between bands
    assert (changed["old value"], changed["new value"], changed["old RAG"], changed["new RAG"]) == (
        f"{LAST_VALUE:.1f}%",
        "50.0%",
        was,
        "✖ Red",
    )
    new = t[t["change"] == "new"].iloc[0]
    assert (new["period"], new["new value"], new["new RAG"]) == (NEXT.display, "60.0%", "▲ Amber")


def test_history_records_who_what_and_the_file_hash(conn, cfg):
    p = uploads.check(conn, cfg, CHANGE, "q.csv", ADMIN)
    s = uploads.commit(conn, p, as_user("lead@durham.gov.uk"))
    h = uploads.history(conn).iloc[0]
    assert (h["id"], h["kind"], h["file_name"], h["user_name"], h["rows_new"], h["rows_changed"], h["rows_unchanged"]) == (
        s.upload_id,
        "upload",
        "q.csv",
        "lead@durham.gov.uk",
        1,
        1,
        0,
    )
    assert h["content_hash"] == p.content_hash and len(p.content_hash) == 64


def test_uploading_the_same_file_twice_changes_nothing_and_says_so(conn, cfg):
    first = uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv", ADMIN), as_user("a"))
    before = store.table_snapshot(conn)
    again = uploads.check(conn, cfg, CHANGE, "q-copy.csv", ADMIN)
    assert again.nothing_to_do and again.counts["unchanged"] == 2
    assert again.same_file[0] == first.upload_id and again.same_file[1] == "q.csv"
    assert store.table_snapshot(conn) == before


def test_rollback_restores_exactly_the_previous_values_and_is_recorded(conn, cfg):
    before = {t: rows for t, rows in store.table_snapshot(conn).items() if t == "observations"}
    s = uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv", ADMIN), as_user("a"))
    assert value(conn, "ehcp_20wk", "E06000047", LAST.label) == 50
    rb = store.rollback(conn, s.upload_id, as_user("admin"))
    assert value(conn, "ehcp_20wk", "E06000047", LAST.label) == LAST_VALUE
    assert value(conn, "ehcp_20wk", "E06000047", NEXT.label) is None
    assert store.table_snapshot(conn)["observations"] == before["observations"]
    h = uploads.history(conn)
    assert h.iloc[0]["kind"] == "rollback" and h.iloc[0]["user_name"] == "admin"
    assert h.set_index("id").loc[s.upload_id, "status"] == f"rolled back by upload {rb.upload_id}"
    # the undone figures are still in the history
    assert conn.execute(
        "SELECT value FROM observation_history WHERE replaced_by=? ORDER BY value", [rb.upload_id]
    ).fetchall() == [(50.0,), (60.0,)]


def test_rollback_is_refused_when_a_later_upload_changed_the_same_figures(conn, cfg):
    first = uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv", ADMIN), as_user("a"))
    fix = uploads.commit(
        conn,
        uploads.check(
            conn, cfg, f"indicator,area,period,value\nehcp_20wk,E06000047,{LAST.label},55\n".encode(), "fix.csv", ADMIN
        ),
        as_user("a"),
    )
    before = store.table_snapshot(conn)
    with pytest.raises(
        store.StoreError, match=rf"upload\(s\) {fix.upload_id} changed some of the same figures afterwards. Roll those back first"
    ):
        store.rollback(conn, first.upload_id, ADMIN)
    assert store.table_snapshot(conn) == before
    store.rollback(conn, fix.upload_id, ADMIN)
    store.rollback(conn, first.upload_id, ADMIN)
    assert value(conn, "ehcp_20wk", "E06000047", LAST.label) == LAST_VALUE


@pytest.mark.parametrize("target, message", [(99, "There is no upload 99"), (1, None)])
def test_rollback_refusals_say_why(conn, target, message):
    if message:
        with pytest.raises(store.StoreError, match=message):
            store.rollback(conn, target, ADMIN)


def test_rolling_back_twice_or_a_rollback_is_refused(conn, cfg):
    s = uploads.commit(conn, uploads.check(conn, cfg, CHANGE, "q.csv", ADMIN), as_user("a"))
    rb = store.rollback(conn, s.upload_id, ADMIN)
    with pytest.raises(store.StoreError, match="already rolled back"):
        store.rollback(conn, s.upload_id, ADMIN)
    with pytest.raises(store.StoreError, match="is itself a rollback"):
        store.rollback(conn, rb.upload_id, ADMIN)


def test_killing_a_load_mid_commit_leaves_the_database_unchanged_and_openable(db_path, tmp_path):
    c = duckdb.connect(str(db_path), read_only=True)
    before = store.table_snapshot(c)
    c.close()
    big = tmp_path / "big.csv"
    lines = ["indicator,area,period,value"] + [
        f"salt_seen_6wk,E06000047,{y}-{m:02d},{50 + m}" for y in range(2020, 2026) for m in range(1, 13)
    ]
    big.write_text("\n".join(lines) + "\n")
    proc = start_cli("load", str(big), env={store.PAUSE_ENV: "30"})
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
    run = run_cli
    f = db_path.parent / "q.csv"
    f.write_bytes(CHANGE)
    loaded = run("load", str(f), "--user", "lead")
    assert loaded.returncode == 0
    n = int(loaded.stdout.split("Loaded as upload ")[1].split(":")[0])
    out = run("history").stdout
    assert "upload" in out and "q.csv" in out and "lead" in out
    out = run("rollback", str(n), "--user", "admin")
    assert out.returncode == 0, out.stderr
    assert re.search(
        rf"^Rolled back upload {n} \(q\.csv, loaded by lead on \d+ \w+ \d{{4}} at \d\d:\d\d\): 1 figure\(s\) removed, "
        rf"1 restored to their earlier values\. Recorded as upload {n + 1}\.$",
        out.stdout.strip(),
    ), out.stdout
    out = run("rollback", str(n))
    assert out.returncode == 3 and f"Upload {n} was already rolled back by upload {n + 1} (admin, " in out.stderr
    assert "; nothing was done." in out.stderr
    assert f"[rolled back by upload {n + 1}]" in run("history").stdout


def missing_after_sample(indicator_id: str, due: periods.Period) -> int:
    """How many periods, up to `due`, come after the sample's latest."""
    p, n = sample_last(indicator_id)[0], 0
    while p.label != due.label:
        p, n = periods.shift(p, 1), n + 1
    return n


def due(conn, cfg, area: str, today):
    """What is due for one area, as the scorecard reckons it (readmodel.figures' due table)."""
    return readmodel.figures(conn, cfg, area, today=today).due


def test_expected_period_and_completeness(conn, cfg):
    ind = cfg.by_id["ehcp_20wk"]
    assert uploads.expected_period(ind, TODAY).label == "2026-27 Q2"  # Jul–Sep 2026, due 30 days after
    assert uploads.expected_period(cfg.by_id["salt_seen_6wk"], TODAY).label == "2026-09"
    df = due(conn, cfg, "E06000047", TODAY).set_index("indicator_id")
    # The sample stands at 30 September 2026 (its quarters end at 2026-27 Q1): by 22 November one quarter is missing.
    assert (
        df.loc["ehcp_20wk", "status"] == "overdue"
        and df.loc["ehcp_20wk", "periods_missing"] == missing_after_sample("ehcp_20wk", uploads.expected_period(ind, TODAY)) == 1
    )
    later = due(conn, cfg, "E06000047", LATER).set_index("indicator_id")
    assert (
        later.loc["ehcp_20wk", "periods_missing"] == missing_after_sample("ehcp_20wk", uploads.expected_period(ind, LATER)) == 13
    )
    uploads.commit(
        conn,
        uploads.check(
            conn, cfg, b"indicator,area,period,value\nehcp_20wk,E06000047,2026-27 Q2,70\n", "now.csv", ADMIN, today=TODAY
        ),
        as_user("a"),
    )
    df = due(conn, cfg, "E06000047", TODAY).set_index("indicator_id")
    assert df.loc["ehcp_20wk", "status"] == "in" and df.loc["ehcp_20wk", "periods_missing"] == 0
    assert df.loc["salt_seen_6wk", "status"] == "overdue"  # September's figure was due by 30 October
    assert df.loc["senco_network_schools", "status"] == "in"  # 2025-26 is held; 2026-27 is not due until September 2027
    assert due(conn, cfg, "E06000003", TODAY).set_index("indicator_id").loc["senco_network_schools", "status"] == "no data"


def test_templates_are_prefilled_and_load_back(conn, cfg):
    # As shipped, the sample is one quarter behind on 22 November 2026: the template asks for that quarter.
    now = uploads.template_rows(conn, cfg, "E06000047", ADMIN, "send_neet", today=TODAY)
    assert now["period_name"].tolist() == ["2026-27 Q2 (Jul–Sep 2026)"]
    # Three years on, 13 quarters are missing: the template lists those that fell due in the last two years (eight),
    # the latest last; older ones are left for a conversation, not a form.
    due = uploads.template_rows(conn, cfg, "E06000047", ADMIN, today=LATER)
    assert list(due.columns) == uploads.TEMPLATE_COLUMNS
    assert set(due["area"]) == {"E06000047"}
    # Only the partnership's own indicators: official statistics come from the DfE import, never from a lead; the
    # provider scorecard's measures are in a provider's template, not a council's.
    assert set(due["indicator"]) == {i.id for i in cfg.indicators if i.kind == "local" and i.domain is None}
    providers = uploads.template_rows(conn, cfg, "ZZP03", ADMIN, today=LATER)
    assert set(providers["indicator"]) == {i.id for i in cfg.indicators if i.domain is not None}
    neet = due[due["indicator"] == "send_neet"]
    assert neet["period"].tolist()[-1] == "2029-30 Q2" and len(neet) == 8  # due since 22 November 2027
    assert neet["period"].tolist()[0] == "2027-28 Q3"  # due 30 January 2028; 2027-28 Q2 fell due 30 October 2027
    assert set(neet["indicator_name"]) == {cfg.by_id["send_neet"].name} and set(neet["unit"]) == {"%"}
    assert neet["period_name"].tolist()[-1] == "2029-30 Q2 (Jul–Sep 2029)"
    one = uploads.template_rows(conn, cfg, "E06000047", ADMIN, "send_neet", today=LATER)
    assert one.equals(neet.reset_index(drop=True))
    filled = one.assign(value="12.5")
    for data, name in ((uploads.template_csv(filled).encode(), "t.csv"), (uploads.template_xlsx(filled), "t.xlsx")):
        p = uploads.check(conn, cfg, data, name, ADMIN, today=LATER)
        assert p.result.ok, [str(x) for x in p.result.problems]
        assert p.counts["new"] == 8


def test_a_leads_template_has_only_their_indicators_and_the_periods_not_held(conn, cfg):
    salt = lead("salt_seen_6wk", "salt_treated_12wk")
    t = uploads.template_rows(conn, cfg, "E06000047", salt, today=TODAY)
    assert set(t["indicator"]) == {"salt_seen_6wk", "salt_treated_12wk"}
    first = t[t["indicator"] == "salt_seen_6wk"].iloc[0]
    uploads.commit(
        conn,
        uploads.check(
            conn,
            cfg,
            f"indicator,area,period,value\nsalt_seen_6wk,E06000047,{first['period']},70\n".encode(),
            "one.csv",
            salt,
            today=TODAY,
        ),
        salt,
    )
    again = uploads.template_rows(conn, cfg, "E06000047", salt, today=TODAY)
    assert first["period"] not in set(again[again["indicator"] == "salt_seen_6wk"]["period"])
    assert len(again) == len(t) - 1


def test_a_template_with_empty_rows_loads_the_filled_ones_and_counts_the_rest(conn, cfg):
    t = uploads.template_rows(conn, cfg, "E06000047", ADMIN, "send_neet", today=LATER)  # 8 quarters to fill
    t.loc[t.index[-1], "value"] = "11.5"
    p = uploads.check(conn, cfg, uploads.template_csv(t).encode(), "t.csv", ADMIN, today=LATER)
    assert p.result.ok, [str(x) for x in p.result.problems]
    assert p.counts["new"] == 1 and p.result.blank == 7
    assert "Skipped 7 rows with no figure (every value cell empty)." in uploads.summary_lines(p)


def apptest():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_upload_page_preview_confirm_then_scorecard_changes_then_rollback(db_path):
    at = apptest()
    at.run()
    card = next(h.proto.body for h in at.html if "data-indicator='ehcp_20wk'" in h.proto.body)
    assert f"{LAST_VALUE:.1f}%" in card.split("data-indicator='ehcp_20wk'")[1].split("</tr>")[0]

    at.switch_page("pages/upload_page.py").run()
    at.file_uploader[0].upload("q.csv", CHANGE, "text/csv")
    at.run()
    assert [m.value for m in at.metric] == ["1", "1", "0"]
    assert "long layout" in unplain(at.info[0].value)
    changed = next(t.value for t in at.table if "old value" in t.value.columns)
    assert unplain(changed.iloc[0]["old value"]) == f"{LAST_VALUE:.1f}%" and unplain(changed.iloc[0]["new value"]) == "50.0%"
    at.button[0].click()
    at.run()
    assert not at.exception
    assert re.match(r"Loaded q.csv as upload \d+: 1 new, 1 changed, 0 unchanged.", unplain(at.success[0].value))

    at.switch_page("pages/scorecard_page.py").run()
    row = (
        next(h.proto.body for h in at.html if "data-indicator='ehcp_20wk'" in h.proto.body)
        .split("data-indicator='ehcp_20wk'")[1]
        .split("</tr>")[0]
    )
    assert "60.0%" in row and NEXT.label in row

    at.switch_page("pages/history_page.py").run()
    assert unplain(at.table[0].value.iloc[0]["File"]) == "q.csv"  # escaped in the cell: st.table reads Markdown
    n = int(at.table[0].value.iloc[0]["Upload"])
    at.selectbox(key="rollback_choice_0").select(n).run()  # nothing is chosen until someone chooses
    at.checkbox(key=f"rollback_sure_0_{n}").check().run()
    at.button(key="rollback_0").click().run()
    assert unplain(at.success[0].value).startswith(f"Rolled back upload {n} (q.csv, loaded by ")
    assert at.selectbox(key="rollback_choice_1").value is None  # after a rollback nothing is chosen or ticked

    at.switch_page("pages/scorecard_page.py").run()
    row = (
        next(h.proto.body for h in at.html if "data-indicator='ehcp_20wk'" in h.proto.body)
        .split("data-indicator='ehcp_20wk'")[1]
        .split("</tr>")[0]
    )
    assert f"{LAST_VALUE:.1f}%" in row and LAST.label in row


def test_upload_page_lists_every_problem_and_writes_nothing(db_path):
    c = duckdb.connect(str(db_path), read_only=True)
    before = store.table_snapshot(c)
    c.close()
    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    at.file_uploader[0].upload("bad.csv", (ROOT / "tests" / "fixtures" / "bad.csv").read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    assert unplain(at.error[0].value).startswith("**3 problem(s) in bad.csv; nothing was loaded.**")
    problems = at.table[-1].value
    assert problems.index.tolist() == ["2", "3", "4"] and problems["column"].tolist() == ["indicator", "period", "value"]
    assert not any(b.label.startswith("Confirm") for b in at.button)
    c = duckdb.connect(str(db_path))  # the same in-process database the app holds open
    assert store.table_snapshot(c) == before
    c.close()


def test_upload_page_imports_a_dfe_release_zip_with_its_layout_detected(tmp_path, cfg, monkeypatch):
    # A store with the local sample only, so the real 2025 release is new to it.
    from indicators.sample import load_sample

    db = tmp_path / "k.duckdb"
    store.open_store(cfg, db, load_sample=lambda c: load_sample(c, cfg, with_official_data=False)).close()
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.yaml"))
    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    at.radio(key="upload_mode").set_value(
        "Official statistics (DfE open data; NHS England autism statistics or community health waiting lists)"
    ).run()
    release = ROOT / "data" / "official" / "sen2" / "education-health-and-care-plans_2025.zip"
    at.file_uploader[0].upload(release.name, release.read_bytes(), "application/zip")
    at.run()
    assert not at.exception and not at.error
    info = unplain(at.info[0].value)
    assert (
        "requests.csv read with the mapping sen2-requests" in info
        and "timeliness_20_week.csv read with the mapping sen2-timeliness" in info
    )
    assert (
        "Release 2025 (from the zip's name, education-health-and-care-plans_2025.zip); indicators fed: "
        "dfe_ehc_plans_issued, dfe_ehc_requests, dfe_ehcp_20wk, dfe_ehcp_20wk_inc."
    ) in info
    assert "nothing is written until you confirm" in info
    assert at.selectbox(key="ees_mapping").value == "(detect from the file's header)"  # nothing to pick
    at.button(key="confirm").click().run()
    assert not at.exception and unplain(at.success[0].value).startswith(f"Loaded {release.name} as upload ")
    conn = duckdb.connect(str(db))
    assert conn.execute("SELECT name, level FROM areas WHERE code='E06000005'").fetchone() == ("Darlington", "local_authority")
    assert conn.execute(
        "SELECT value FROM observations WHERE indicator_id='dfe_ehcp_20wk' AND area_code='E06000047' AND period='2024'"
    ).fetchone() == (18.3,)
    assert conn.execute("SELECT kind FROM uploads ORDER BY id DESC LIMIT 1").fetchone()[0] == "import"
    conn.close()


@pytest.mark.parametrize(
    "name, layout, indicator, area, period, value",
    [
        (
            "sen2/sen2_mi_2023-release.csv",
            "mapping sen2-mi (SEN2 sen2_mi.csv with snake_case columns",
            "dfe_ehcp_20wk",
            "E06000047",
            "2019",
            70.2,
        ),
        ("neet/neet_participation_la_2022.csv", "mapping neet-participation", "dfe_neet_ehcp", "E06000047", "2022", 14.4),
        ("neet/neet_participation_la_2025.csv", "mapping neet-participation", "dfe_neet_ehcp", "E06000047", "2025", 12.9),
    ],
)
def test_upload_page_imports_each_real_release_file(tmp_path, cfg, monkeypatch, name, layout, indicator, area, period, value):
    from indicators.sample import load_sample

    db = tmp_path / "k.duckdb"
    store.open_store(cfg, db, load_sample=lambda c: load_sample(c, cfg, with_official_data=False)).close()
    monkeypatch.setenv("KPI_DB", str(db))
    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    at.radio(key="upload_mode").set_value(
        "Official statistics (DfE open data; NHS England autism statistics or community health waiting lists)"
    ).run()
    path = ROOT / "data" / "official" / name
    at.file_uploader[0].upload(path.name, path.read_bytes(), "text/csv")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert layout in unplain(at.info[0].value)
    at.button(key="confirm").click().run()
    assert unplain(at.success[0].value).startswith(f"Loaded {path.name} as upload ")
    conn = duckdb.connect(str(db))
    assert conn.execute(
        "SELECT value FROM observations WHERE indicator_id = ? AND area_code = ? AND period = ?", [indicator, area, period]
    ).fetchone() == (value,)
    conn.close()


def test_upload_page_says_what_to_do_with_an_official_file_it_cannot_read(db_path):
    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    at.radio(key="upload_mode").set_value(
        "Official statistics (DfE open data; NHS England autism statistics or community health waiting lists)"
    ).run()
    data = (
        b"time_period,time_identifier,geographic_level,country_code,country_name,pc_issued_in_20_weeks\n"
        b"2025,Calendar year,National,E92000001,England,44.0\n"
    )
    at.file_uploader[0].upload("timeliness_20_week.csv", data, "text/csv")
    at.run()
    assert not at.exception
    error = unplain(at.error[0].value)
    assert error.startswith(
        "**1 problem(s) in timeliness_20_week.csv; nothing was loaded.** This is the file as published: do not edit it."
    )
    assert "Fix them in the spreadsheet" not in error
    problem = unplain(at.table[-1].value["problem"].iloc[0])  # the table's cells are plain text (Markdown escaped)
    assert problem.startswith("timeliness_20_week.csv is DfE open data that no mapping in config/ees/ reads yet")


def test_local_mode_offers_the_dfe_import_to_its_administrator(db_path):
    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    assert at.radio(key="upload_mode").options == [
        "A return of figures (CSV or Excel)",
        "Official statistics (DfE open data; NHS England autism statistics or community health waiting lists)",
    ]


def test_each_uploader_says_and_takes_its_own_size_limit(db_path):
    # The widget's limit is the one a person reads ("Limit 20 MB per file") and the one the browser enforces; the
    # server's cap must let the largest of them through, or a 30 MB DfE release would be refused by the widget.
    import tomllib

    from indicators import ees, returns

    at = apptest()
    at.switch_page("pages/upload_page.py").run()
    assert at.file_uploader[0].proto.max_upload_size_mb == returns.MAX_BYTES // (1024 * 1024) == 20
    at.radio(key="upload_mode").set_value(at.radio(key="upload_mode").options[1]).run()
    assert at.file_uploader[0].proto.max_upload_size_mb == ees.MAX_BYTES // (1024 * 1024) == 100
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert server == ees.MAX_BYTES // (1024 * 1024)
