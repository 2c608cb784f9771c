"""The DuckDB store: schema version, first-start fill, round trip, provenance, history and all-or-nothing writes."""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from indicators import store, store_commit, uploads
from indicators.sample import load_sample
from tests.conftest import ADMIN, as_user
from tests.harness import hold_database


def series(conn, indicator_id, area_code):
    """One indicator's figures for one area, in period order, as the read model reads them."""
    df = store.area_observations(conn, area_code)
    return df[df["indicator_id"] == indicator_id].reset_index(drop=True)


def rows(cfg, conn, text):
    result = uploads.check(conn, cfg, text.encode(), "t.csv", ADMIN).result
    assert result.ok, [str(p) for p in result.problems]
    return result.rows


def test_new_database_gets_schema_version_and_areas(empty_conn):
    assert store.schema_version(empty_conn) == store.SCHEMA_VERSION
    # England, the region and the two councils, the NHS areas named for them, and the sample's commissioned providers.
    assert set(store.areas(empty_conn)["code"]) == {
        *("E92000001", "E12000001", "E06000047", "E06000003"),
        *("Y63", "QHM", "84H", "16C", "RXP", "RTR"),
        *("ZZP01", "ZZP02", "ZZP03"),
    }
    assert store.table_counts(empty_conn)["observations"] == 0


def test_reopening_migrates_nothing_twice(tmp_path, cfg):
    path = tmp_path / "k.duckdb"
    store.open_store(cfg, path).close()
    conn = store.open_store(cfg, path)
    assert store.schema_version(conn) == store.SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM meta WHERE key='schema_version'").fetchone()[0] == 1
    conn.close()


def test_newer_schema_is_refused_with_advice(empty_conn):
    empty_conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(store.StoreError, match="newer version of the dashboard"):
        store.migrate(empty_conn)


def test_round_trip_keeps_values_and_provenance(cfg, empty_conn):
    r = rows(
        cfg,
        empty_conn,
        "indicator,area,period,value,numerator,denominator,note\n"
        "ehcp_20wk,E06000047,2024-25 Q1,75,30,40,first return\n"
        'ehc_requests,County Durham,Q2 2024/25,"1,234",,,\n',
    )
    summary = store.write_observations(
        empty_conn, r, access=as_user("lead@x"), kind="upload", file_name="q1.csv", content_hash="abc"
    )
    assert (summary.new, summary.changed, summary.unchanged) == (2, 0, 0)
    s = series(empty_conn, "ehcp_20wk", "E06000047")
    got = s.iloc[0]
    assert (got["period"], got["value"], got["numerator"], got["denominator"], got["note"]) == (
        "2024-25 Q1",
        75,
        30,
        40,
        "first return",
    )
    assert got["period_start"] == dt.date(2024, 4, 1) or str(got["period_start"])[:10] == "2024-04-01"
    assert (got["figure_type"], got["upload_file"]) == ("submitted", "q1.csv")
    up = empty_conn.execute("SELECT kind, file_name, content_hash, user_name, rows_new FROM uploads").fetchall()
    assert up == [("upload", "q1.csv", "abc", "lead@x", 2)]
    assert series(empty_conn, "ehc_requests", "E06000047").iloc[0]["value"] == 1234


def test_changed_value_keeps_the_earlier_version(cfg, empty_conn):
    store.write_observations(
        empty_conn,
        rows(cfg, empty_conn, "indicator,area,period,value\nsend_neet,E06000047,2024-25 Q1,12.5\n"),
        access=ADMIN,
        kind="upload",
        file_name="a.csv",
    )
    v0 = store.data_version(empty_conn)
    s = store.write_observations(
        empty_conn,
        rows(cfg, empty_conn, "indicator,area,period,value\nsend_neet,E06000047,2024-25 Q1,11.9\n"),
        access=ADMIN,
        kind="upload",
        file_name="b.csv",
    )
    assert (s.new, s.changed) == (0, 1)
    assert series(empty_conn, "send_neet", "E06000047")["value"].tolist() == [11.9]
    hist = empty_conn.execute("SELECT value, upload_id, replaced_by FROM observation_history").fetchall()
    assert hist == [(12.5, 1, 2)]
    assert store.data_version(empty_conn) == v0 + 1


def test_same_rows_twice_write_nothing(cfg, empty_conn):
    r = rows(cfg, empty_conn, "indicator,area,period,value\nsend_neet,E06000047,2024-25 Q1,12.5\n")
    store.write_observations(empty_conn, r, access=ADMIN, kind="upload")
    before = store.table_snapshot(empty_conn)
    s = store.write_observations(empty_conn, r, access=ADMIN, kind="upload")
    assert (s.upload_id, s.unchanged) == (None, 1)
    assert store.table_snapshot(empty_conn) == before


def test_a_failure_mid_write_leaves_every_table_as_it_was(cfg, empty_conn):
    good = rows(cfg, empty_conn, "indicator,area,period,value\nsend_neet,E06000047,2024-25 Q1,12.5\n")
    store.write_observations(empty_conn, good, access=ADMIN, kind="upload")
    before = store.table_snapshot(empty_conn)
    bad = pd.concat([rows(cfg, empty_conn, "indicator,area,period,value\nsend_neet,E06000047,2024-25 Q2,13\n")] * 2)
    bad.loc[:, "period_start"] = None  # violates NOT NULL inside the transaction
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL constraint failed: observations.period_start"):
        store.write_observations(empty_conn, bad, access=ADMIN, kind="upload")
    assert store.table_snapshot(empty_conn) == before


def test_first_start_fills_the_sample_and_marks_it(conn):
    up = conn.execute("SELECT kind, user_name, file_name FROM uploads ORDER BY id").fetchall()
    official = "official data shipped with the dashboard"
    assert up == [
        ("import", official, "sen2_mi_2023-release.csv"),
        ("import", official, "education-health-and-care-plans_2025.zip"),
        ("import", official, "neet_participation_la_2022.csv"),
        ("import", official, "neet_participation_la_2025.csv"),
        ("import", official, "AutismStatsDec22_subICB.csv.gz"),
        ("import", official, "community_health_2023-03-01.xlsx"),
        ("import", official, "community_health_2023-08-01.xlsx"),
        ("sample", "sample data", "sample data (observations.csv)"),
    ]
    kinds = dict(conn.execute("SELECT figure_type, count(*) FROM observations GROUP BY 1").fetchall())
    assert set(kinds) == {"published", "illustrative"}
    assert conn.execute("SELECT count(*) FROM observations WHERE source IS NULL AND figure_type='published'").fetchone()[0] == 0


def test_a_bad_sample_leaves_no_database_behind(tmp_path, cfg):
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,area,period,value\nnope,E06000047,2020,1\n")
    path = tmp_path / "k.duckdb"
    with pytest.raises(store.StoreError, match="does not match the indicators file"):
        store.open_store(cfg, path, load_sample=lambda c: load_sample(c, cfg, bad))
    assert not path.exists()


def test_busy_database_waits_then_says_so(db_path):
    """A real second process holds the write lock, as the running dashboard does."""
    with hold_database(db_path):
        calls = []
        with pytest.raises(store.StoreBusy, match="in use by another program"):
            store.connect(db_path, wait_seconds=0.5, on_wait=calls.append)
        assert len(calls) == 1 and "waiting up to" in calls[0]
    store.connect(db_path).close()  # free again once the other process has gone


def test_a_big_write_commits_then_checkpoints_in_the_background_and_nothing_is_lost(tmp_path, cfg, monkeypatch):
    """A commit that leaves a large write-ahead log returns without writing it into the file (DuckDB's own
    threshold is raised past it); a background thread checkpoints it. Another process then opens the file, as the
    next `python -m indicators` command would, and finds every figure, with the log folded in."""
    import subprocess
    import sys
    from pathlib import Path

    monkeypatch.setattr(store_commit, "CHECKPOINT_AFTER_BYTES", 1)  # so a small test write counts as big
    path = tmp_path / "k.duckdb"
    conn = store.open_store(cfg, path)
    assert conn.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0] == "256.0 MiB"
    text = "indicator,area,period,value\n" + "".join(
        f"ehc_requests,E06000047,{y}-{y - 1999:02d} Q{q},{y + q}\n" for y in range(2000, 2026) for q in (1, 2, 3, 4)
    )
    s = store.write_observations(conn, rows(cfg, conn, text), access=ADMIN, kind="upload", file_name="big.csv")
    assert s.new == 104
    started = list(store._checkpoints)
    assert started, "the commit did not hand the checkpoint to a background thread"
    assert series(conn, "ehc_requests", "E06000047")["value"].size == 104  # readable at once, checkpoint or not
    store.wait_for_checkpoints(timeout=30)
    assert not any(t.is_alive() for t in started)
    wal = Path(f"{path}.wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the background checkpoint left the log unwritten"
    conn.close()
    code = f"import duckdb; c = duckdb.connect({str(path)!r}, read_only=True); print(c.execute(\"SELECT count(*) FROM observations WHERE indicator_id = 'ehc_requests'\").fetchone()[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "104", out.stderr


def test_a_small_write_starts_no_background_checkpoint(cfg, empty_conn):
    store.wait_for_checkpoints(timeout=30)
    before = list(store._checkpoints)
    store.write_observations(
        empty_conn,
        rows(cfg, empty_conn, "indicator,area,period,value\nsend_neet,E06000047,2024-25 Q1,12.5\n"),
        access=ADMIN,
        kind="upload",
    )
    assert [t for t in store._checkpoints if t not in before] == []
