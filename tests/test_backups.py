"""Backups: a consistent copy while the dashboard holds the database, and a restore that gives back exactly
the earlier figures (and keeps the file it replaced)."""

import duckdb
import pytest

from indicators import store, uploads
from tests.conftest import ADMIN, as_user, sample_last, sample_next, snapshot
from tests.harness import run_cli


def test_backup_while_open_then_restore_gives_back_the_earlier_figures(db_path, cfg, tmp_path):
    conn = store.open_store(cfg, db_path)  # as the running dashboard holds it
    before = store.table_snapshot(conn)
    dest = store.backup(conn, tmp_path / "before-upload.duckdb", ADMIN)
    p = uploads.check(
        conn,
        cfg,
        f"indicator,area,period,value\nehcp_20wk,E06000047,{sample_last('ehcp_20wk')[0].label},10\n".encode(),
        "q.csv",
        ADMIN,
    )
    uploads.commit(conn, p, as_user("lead"))
    assert store.table_snapshot(conn) != before
    assert snapshot(dest) == before  # the copy is of the moment it was made
    # While the dashboard holds the file, a restore from another process refuses and changes nothing.
    out = run_cli("restore", str(dest), timeout=60)
    assert out.returncode == 3 and "in use by another program" in out.stderr
    conn.close()
    kept = store.restore(dest, ADMIN, db_path)
    assert snapshot(db_path) == before
    assert kept.name.startswith("kpi.before-restore-") and kept.exists()
    # the replaced database, with the upload in it, is kept beside it
    assert any(r[2] == "q.csv" for r in snapshot(kept)["uploads"])


def test_cli_backup_and_restore(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_BACKUP_DIR", str(tmp_path / "backups"))
    before = snapshot(db_path)

    run = run_cli
    out = run("backup")
    assert out.returncode == 0, out.stderr
    made = list((tmp_path / "backups").glob("kpi-*.duckdb"))
    assert len(made) == 1 and f"to {made[0]}" in out.stdout
    f = tmp_path / "q.csv"
    f.write_text(f"indicator,area,period,value\nsend_neet,E06000047,{sample_next('send_neet').label},9.9\n")  # a new quarter
    assert run("load", str(f)).returncode == 0
    out = run("restore", str(made[0]))
    assert out.returncode == 0, out.stderr
    assert "The database it replaced is kept as" in out.stdout
    assert snapshot(db_path) == before


def test_timed_backups_keep_the_newest(db_path, cfg, tmp_path):
    conn = store.open_store(cfg, db_path)
    folder = tmp_path / "b"
    for n in range(3):
        store.backup(conn, folder / f"kpi-2026010{n}-000000.duckdb", ADMIN)
    newest = store.timed_backup(conn, ADMIN, folder, keep=2)
    conn.close()
    assert sorted(p.name for p in folder.iterdir()) == sorted(["kpi-20260102-000000.duckdb", newest.name])


def test_restore_refuses_what_is_not_a_backup(tmp_path, db_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(store.StoreError, match="is not a dashboard backup that can be opened"):
        store.restore(bad, ADMIN, db_path)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(store.StoreError, match="not a dashboard database"):
        store.restore(other, ADMIN, db_path)


def test_backup_refuses_to_overwrite(conn, tmp_path):
    (tmp_path / "x.duckdb").write_text("")
    with pytest.raises(store.StoreError, match="already exists; choose a new file name"):
        store.backup(conn, tmp_path / "x.duckdb", ADMIN)
