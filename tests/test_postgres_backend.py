"""The store on a real PostgreSQL server (KPI_DB=postgresql://…), reached through DuckDB's postgres extension:
the same behaviours as the embedded DuckDB file, and the same figures."""

import duckdb
import pytest

from indicators import periods, store, uploads
from tests.conftest import ADMIN, ROOT, as_user, good_return, sample_last
from tests.harness import run_cli
from tests.pg_server import PG_NOT_NULL


@pytest.fixture
def pg(pg_sample_url, cfg):
    conn = store.open_store(cfg, pg_sample_url)
    yield conn
    conn.close()


def test_schema_is_migrated_and_the_sample_loads(pg):
    assert store.schema_version(pg) == store.SCHEMA_VERSION
    assert store.is_postgres(pg)
    counts = store.table_counts(pg)
    # The sample, five DfE files, three NHS England files and the provider scorecard sample: one upload each.
    assert counts["observations"] > 8000 and counts["uploads"] == 8 and counts["neighbours"] == 1530


def test_same_figures_as_the_duckdb_file(pg, conn):
    columns = ["indicator_id", "period", "value", "numerator", "denominator", "marker", "figure_type"]
    for area in ("E06000047", "E06000003", "E92000001"):
        a = store.area_observations(pg, area)[columns].sort_values(["indicator_id", "period"]).reset_index(drop=True)
        b = store.area_observations(conn, area)[columns].sort_values(["indicator_id", "period"]).reset_index(drop=True)
        assert len(a) and a.equals(b), area


def test_upload_history_and_rollback(pg, cfg):
    before = store.table_snapshot(pg)
    last, was = sample_last("ehcp_20wk")  # the latest quarter changes; the one after it is new
    change = f"indicator,area,period,value\nehcp_20wk,E06000047,{last.label},50\nehcp_20wk,E06000047,{periods.shift(last, 1).label},60\n".encode()
    p = uploads.check(pg, cfg, change, "q.csv", ADMIN)
    s = uploads.commit(pg, p, as_user("lead@example.org"))
    assert (s.new, s.changed) == (1, 1)
    assert pg.execute("SELECT value FROM observation_history WHERE replaced_by = ?", [s.upload_id]).fetchall() == [(was,)]
    again = uploads.check(pg, cfg, change, "q.csv", ADMIN)
    assert again.nothing_to_do
    store.rollback(pg, s.upload_id, as_user("admin"))
    after = store.table_snapshot(pg)
    assert after["observations"] == before["observations"]


def test_a_failed_write_leaves_every_table_as_it_was(pg, cfg):
    before = store.table_snapshot(pg)
    rows = uploads.check(pg, cfg, b"indicator,area,period,value\nsend_neet,E06000047,2020-21 Q1,13\n", "x.csv", ADMIN).result.rows
    rows = rows.assign(period_start=None)  # NOT NULL fails inside the transaction
    with pytest.raises(duckdb.Error, match=PG_NOT_NULL):
        store.write_observations(pg, rows, access=ADMIN, kind="upload")
    assert store.table_snapshot(pg) == before


def test_commentary_versions(pg):
    store.save_commentary(pg, "ehcp_20wk", "E06000047", "2019-20 Q4", "Fell", "Plan A", None, "A")
    store.save_commentary(pg, "ehcp_20wk", "E06000047", "2019-20 Q4", "Fell further", "Plan B", None, "B")
    assert store.commentary_versions(pg, "ehcp_20wk", "E06000047", "2019-20 Q4")["author"].tolist() == ["B", "A"]


def test_cli_works_against_postgresql(pg_url, cfg, tmp_path):
    run = lambda *a: run_cli(*a, env={"KPI_DB": pg_url}, timeout=180)  # noqa: E731
    out = run("init")
    assert out.returncode == 0 and "PostgreSQL database is ready" in out.stdout, out.stderr
    good = tmp_path / "good.csv"
    good.write_text(good_return())  # three figures for the quarters after the sample's latest
    out = run("load", str(good))
    assert out.returncode == 0 and "3 new" in out.stdout, out.stderr
    out = run("load", str(ROOT / "tests" / "fixtures" / "bad.csv"))
    assert out.returncode == 1 and out.stdout.count("row ") == 3
    assert "[rolled back" not in run("history").stdout
