"""Each app server's local copy of the PostgreSQL store (indicators/replica.py), on a real PostgreSQL server with
a second app server in a real second process: page runs read the copy, a write on either server shows on the
other at its next page run, readers never see a mix of old and new figures, and a write is all-or-nothing in
PostgreSQL and in the copy."""

import json
import os
import subprocess
import sys
import threading

import duckdb
import pytest

from indicators import replica, store, uploads
from indicators.sample import load_sample
from tests import pg_server
from tests.conftest import ADMIN, ROOT, as_user, sample_last, sample_next
from tests.harness import wait_until
from tests.pg_server import PG_NOT_NULL

# The second app server: opens the store as the dashboard does and answers one command per line, each through a
# new cursor (a page run): `read SQL` prints the rows as JSON, `load CSV-TEXT` uploads it, `rollback ID` rolls an
# upload back, `copy` says which copy file it holds and what its last refresh did.
OTHER_SERVER = r"""
import json, sys
from indicators import config, store, uploads
from indicators.access import Access
ADMIN = Access(user="admin@example.org", viewer=True, admin=True)
as_user = lambda name: Access(user=name, viewer=True, admin=True)
cfg = config.load(sys.argv[2])
conn = store.open_store(cfg, sys.argv[1])
print(json.dumps("ready"), flush=True)
for line in sys.stdin:
    command, _, arg = line.rstrip("\n").partition(" ")
    cur = conn.cursor()
    if command == "read":
        out = [list(r) for r in cur.execute(arg).fetchall()]
    elif command == "load":
        p = uploads.check(cur, cfg, json.loads(arg).encode(), "other.csv", ADMIN)
        out = uploads.commit(cur, p, as_user("other server")).upload_id
    elif command == "rollback":
        out = store.rollback(cur, int(arg), as_user("other server")).upload_id
    elif command == "copy":
        copy = conn.local_copy()
        out = {"path": str(copy.path), "version": copy.version, "last": {k: v for k, v in copy.last_refresh.items() if k != "seconds"}}
    cur.close()
    print(json.dumps(out, default=str), flush=True)
"""


class OtherServer:
    def __init__(self, url: str, copy_dir):
        env = {**os.environ, "KPI_PG_COPY_DIR": str(copy_dir)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", OTHER_SERVER, url, str(ROOT / "config" / "indicators.yaml")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._answer() == "ready"
        self.ask("copy")  # a first page run: the server has its copy before the test starts

    def _answer(self):
        line = self.proc.stdout.readline()
        assert line, f"the other server stopped (exit code {self.proc.poll()})"
        return json.loads(line)

    def ask(self, command: str, arg: str = ""):
        self.proc.stdin.write(f"{command} {arg}\n")
        self.proc.stdin.flush()
        return self._answer()

    def read(self, sql: str):
        return self.ask("read", sql)

    def load(self, csv_text: str) -> int:
        return self.ask("load", json.dumps(csv_text))

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def pg(pg_sample_url, cfg):
    """This process's app server: the sample data on PostgreSQL, as the dashboard opens it."""
    conn = store.open_store(cfg, pg_sample_url)
    yield conn
    conn.close()


@pytest.fixture
def other(pg, pg_sample_url, tmp_path):
    server = OtherServer(pg_sample_url, tmp_path / "other-server-copy")
    yield server
    server.stop()


def figures(cur, indicator="salt_seen_6wk") -> list[tuple]:
    return cur.execute(
        "SELECT area_code, period, value FROM observations WHERE indicator_id = ? ORDER BY 1, 2", [indicator]
    ).fetchall()


def same_as_postgresql(pg) -> bool:
    cur = pg.cursor()
    try:
        return store.table_snapshot(cur) == store.table_snapshot(pg)  # the connection itself reads PostgreSQL
    finally:
        cur.close()


CHECKSUM = (
    "SELECT count(*), sum(hash(indicator_id, area_code, period, value, numerator, denominator, marker, note, "
    "figure_type, source, upload_id)) FROM observations"
)
# Two new monthly figures after the sample's latest, and for ehcp_20wk one figure changed (the sample's latest
# quarter) and one new (the quarter after it).
M1, M2 = sample_next("salt_seen_6wk").label, sample_next("salt_seen_6wk", steps=2).label
CSV = f"indicator,area,period,value\nsalt_seen_6wk,E06000047,{M1},41\nsalt_seen_6wk,E06000047,{M2},42\n"
LAST, LAST_VALUE = sample_last("ehcp_20wk")[0].label, sample_last("ehcp_20wk")[1]
NEXT = sample_next("ehcp_20wk").label
CHANGED_AND_NEW = f"indicator,area,period,value\nehcp_20wk,E06000047,{LAST},50\nehcp_20wk,E06000047,{NEXT},60\n"


def test_page_runs_read_a_local_copy_kept_in_a_file(pg, pg_sample_url, tmp_path):
    cur = pg.cursor()
    assert isinstance(cur, replica.CopyCursor) and store.is_postgres(cur)
    assert cur.execute("SELECT current_database()").fetchone()[0] == replica.COPY_ALIAS
    assert pg.execute("SELECT current_database()").fetchone()[0] == store.POSTGRES_ALIAS  # the CLI reads PostgreSQL
    assert pg.local_copy().path.parent == tmp_path / "pg-copy" and pg.local_copy().path.exists()
    assert store.data_version(cur) == store.data_version(pg) and same_as_postgresql(pg)


def test_an_upload_on_another_server_shows_at_the_next_page_run(pg, other):
    before = pg.cursor()
    old = figures(before)
    upload_id = other.load(CSV)
    assert figures(before) == old  # a page run already under way keeps reading the copy it started with
    after = pg.cursor()  # the next page run: one query sees the data version moved, then only the changes come
    assert pg.local_copy().last_refresh["kind"] == "changes"
    assert pg.local_copy().last_refresh["uploads"] == [upload_id]
    assert ("E06000047", M1, 41.0) in figures(after) and figures(after) != old
    assert same_as_postgresql(pg)


def test_an_upload_here_shows_here_at_once_and_there_at_its_next_page_run(pg, other, cfg):
    cur = pg.cursor()
    summary = uploads.commit(cur, uploads.check(cur, cfg, CSV.encode(), "here.csv", ADMIN), as_user("lead"))
    # The same cursor, still in this page run, reads the upload back: this server's copy was refreshed after its commit.
    assert cur.execute("SELECT count(*) FROM uploads WHERE id = ?", [summary.upload_id]).fetchone()[0] == 1
    assert store.data_version(cur) == store.data_version(pg)
    assert other.read(
        f"SELECT value FROM observations WHERE indicator_id = 'salt_seen_6wk' AND period = '{M2}' AND area_code = 'E06000047'"
    ) == [[42.0]]
    assert other.ask("copy")["last"]["uploads"] == [summary.upload_id]


def test_rollback_and_commentary_reach_the_other_servers_copy(pg, other):
    upload_id = other.load(CSV)
    cur = pg.cursor()
    store.rollback(cur, upload_id, as_user("admin"))  # a rollback is an upload too: the other copy takes back exactly its figures
    store.save_commentary(cur, "salt_seen_6wk", "E06000047", M1, "Fell", "Plan", None, "lead")
    assert other.read(
        f"SELECT count(*) FROM observations WHERE indicator_id = 'salt_seen_6wk' AND period >= '{M1}' AND area_code = 'E06000047'"
    ) == [[0]]
    assert other.read("SELECT data_shows FROM commentary") == [["Fell"]]
    assert other.read(f"SELECT rolled_back_by FROM uploads WHERE id = {int(upload_id)}") != [[None]]
    assert same_as_postgresql(pg)
    assert other.read(CHECKSUM) == [list(pg.execute(CHECKSUM).fetchone())]  # every figure, in the other process's copy


def test_the_improvement_plan_reaches_the_other_servers_copy(pg, other):
    """Plan writes (tables copied whole at each refresh) show on the other server at its next page run, and the plan's
    history with them."""
    import datetime as dt

    from indicators import plan_store

    cur = pg.cursor()
    plan_store.write_plan(
        cur,
        ADMIN,
        "E06000003",
        afis=[{"ref": "AFI1", "title": "EHC plans"}],
        actions=[{"ref": "1.1", "afi_ref": "AFI1", "title": "Clear the backlog", "status": "on track", "owner_email": "o@x.org"}],
        links={"1.1": [("ehcp_20wk", [(dt.date(2026, 3, 31), 60.0)])]},
    )
    plan_store.post_update(
        cur, ADMIN, "E06000003", "1.1", update_date=dt.date(2025, 1, 10), status="at risk", progress="Slower than planned"
    )
    assert other.read("SELECT ref, status FROM plan_actions WHERE area_code = 'E06000003'") == [["1.1", "at risk"]]
    assert other.read("SELECT indicator_id, value FROM plan_milestones WHERE area_code = 'E06000003'") == [["ehcp_20wk", 60.0]]
    assert other.read("SELECT progress, author FROM plan_updates WHERE area_code = 'E06000003'") == [
        ["Slower than planned", ADMIN.user]
    ]
    assert other.read("SELECT table_name FROM plan_history WHERE area_code = 'E06000003'") == [["plan_actions"]]
    assert same_as_postgresql(pg)


def test_an_upload_and_its_rollback_between_two_page_runs(pg, other):
    cur = pg.cursor()
    durham = "SELECT period, value, upload_id FROM observations WHERE indicator_id = 'ehcp_20wk' AND area_code = 'E06000047' ORDER BY 1"
    before = cur.execute(durham).fetchall()
    upload_id = other.load(CHANGED_AND_NEW)
    rollback_id = other.ask("rollback", str(upload_id))
    cur = pg.cursor()  # both at once: the changed figure gets its earlier value (and upload) back, the new one goes
    assert pg.local_copy().last_refresh["uploads"] == [upload_id, rollback_id]
    assert cur.execute(durham).fetchall() == before
    assert same_as_postgresql(pg)


def test_a_changed_figure_rolled_back_elsewhere_gets_its_earlier_value_here(pg, other, cfg):
    cur = pg.cursor()
    summary = uploads.commit(cur, uploads.check(cur, cfg, CHANGED_AND_NEW.encode(), "here.csv", ADMIN), as_user("lead"))
    assert cur.execute(
        f"SELECT value FROM observations WHERE indicator_id = 'ehcp_20wk' AND area_code = 'E06000047' AND period = '{LAST}'"
    ).fetchone() == (50.0,)
    other.ask("rollback", str(summary.upload_id))
    cur = pg.cursor()
    assert cur.execute(
        "SELECT value, upload_id FROM observations WHERE indicator_id = 'ehcp_20wk' AND area_code = 'E06000047' "
        f"AND period IN ('{LAST}', '{NEXT}')"
    ).fetchall() == [
        (LAST_VALUE, cur.execute("SELECT id FROM uploads WHERE kind = 'sample'").fetchone()[0])
    ]  # back to the sample's figure
    assert same_as_postgresql(pg) and other.read(CHECKSUM) == [list(pg.execute(CHECKSUM).fetchone())]


def test_readers_never_see_a_mix_while_the_copy_is_refreshed(pg, other, cfg):
    months = [f"{y}-{m:02d}" for y in range(2021, 2026) for m in range(1, 13)]
    rows = lambda v: (
        "indicator,area,period,value\n"
        + "\n".join(  # noqa: E731
            f"salt_seen_6wk,{a},{p},{v}" for a in ("E06000047", "E06000003") for p in months
        )
    )
    other.load(rows(50))
    seen, errors, stop = [], [], threading.Event()

    def reader():
        try:
            while not stop.is_set():
                cur = pg.cursor()  # each loop a page run: it refreshes the copy when the other server has written
                values = cur.execute(
                    "SELECT value FROM observations WHERE indicator_id = 'salt_seen_6wk' "
                    "AND period BETWEEN '2021-01' AND '2025-12'"
                ).fetchall()
                cur.close()
                assert len(values) == 2 * len(months)
                seen.append(frozenset(v for (v,) in values))
        except Exception as e:  # collected: the assertion below reports every failure
            errors.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    wait_until(lambda: len(seen) >= 20 or errors, timeout=60, what="twenty reads")
    other.load(rows(70))  # written by the other process: this one learns of it only through the data version
    wait_until(lambda: frozenset({70.0}) in seen or errors, timeout=30, what="a read of the other process's write")
    after = len(seen)
    wait_until(lambda: len(seen) >= after + 20 or errors, timeout=60, what="twenty reads after it")
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert set(seen) == {frozenset({50.0}), frozenset({70.0})}


def test_a_failed_write_changes_neither_postgresql_nor_the_copy(pg, cfg):
    cur = pg.cursor()
    before_pg, before_copy, version = store.table_snapshot(pg), store.table_snapshot(cur), pg.local_copy().version
    rows = uploads.check(
        cur, cfg, b"indicator,area,period,value\nsend_neet,E06000047,2020-21 Q1,13\n", "x.csv", ADMIN
    ).result.rows
    rows = rows.assign(period_start=None)  # NOT NULL fails inside the PostgreSQL transaction
    with pytest.raises(duckdb.Error, match=PG_NOT_NULL):
        store.write_observations(cur, rows, access=ADMIN, kind="upload")
    assert not cur.writing  # the cursor reads the copy again
    assert store.table_snapshot(pg) == before_pg
    assert store.table_snapshot(cur) == before_copy and pg.local_copy().version == version
    assert store.table_snapshot(pg.cursor()) == before_copy  # and a new page run finds nothing to refresh


def test_a_write_is_all_or_nothing_in_the_copy_too(pg, cfg):
    """A 2,000-figure upload lands in the copy in one local transaction: readers see none of it or all of it."""
    lines = [
        f"salt_seen_6wk,{a},{y}-{m:02d},{60 + m}"
        for a in ("E06000047", "E06000003", "E92000001")
        for y in range(1990, 2025)
        for m in range(1, 13)
    ][:2000]
    cur = pg.cursor()
    preview = uploads.check(cur, cfg, ("indicator,area,period,value\n" + "\n".join(lines)).encode(), "big.csv", ADMIN)
    assert preview.result.ok, preview.result.problems[:3]
    counts, stop = [], threading.Event()
    newest = "SELECT count(*) FROM observations WHERE upload_id = (SELECT max(id) FROM uploads)"
    before = cur.execute(newest).fetchone()[0]

    def reader():  # reads the copy directly, without the refresh a new page run would make
        while not stop.is_set():
            c = pg.local_copy().duck.cursor()
            c.execute(f"USE {replica.COPY_ALIAS}")
            counts.append(c.execute(newest).fetchone()[0])
            c.close()

    t = threading.Thread(target=reader)
    t.start()
    summary = uploads.commit(cur, preview, as_user("lead"))
    after = len(counts)
    wait_until(lambda: len(counts) >= after + 5, timeout=60, what="five reads after the commit")
    stop.set()
    t.join()
    n = summary.new + summary.changed
    assert n > 1000 and before != n
    assert set(counts) == {before, n}  # the newest upload's figures before the refresh, or all of this one's
    assert same_as_postgresql(pg)


def test_a_restore_makes_every_copy_again(pg, pg_sample_url, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_BACKUP_DIR", str(tmp_path / "backups"))
    cur = pg.cursor()
    backup = store.backup(cur, tmp_path / "before.duckdb", ADMIN)  # read from PostgreSQL itself
    store.save_commentary(cur, "salt_seen_6wk", "E06000047", M1, "Later", "Plan", None, "lead")
    store.restore(backup, ADMIN, pg_sample_url)
    cur = pg.cursor()
    assert pg.local_copy().last_refresh["kind"] == "whole"
    assert cur.execute("SELECT count(*) FROM commentary").fetchone()[0] == 0
    assert same_as_postgresql(pg)


def test_a_restarted_server_copies_only_what_changed_while_it_was_down(pg_sample_url, cfg, tmp_path):
    pg_url = pg_sample_url
    first = store.open_store(cfg, pg_url)
    first.cursor().close()
    path = first.local_copy().path
    first.close()  # the server stops; its copy file stays
    server = OtherServer(pg_url, tmp_path / "other-server-copy")
    upload_id = server.load(CSV)
    server.stop()
    again = store.open_store(cfg, pg_url)
    try:
        again.cursor().close()
        assert again.local_copy().path == path
        assert again.local_copy().last_refresh["kind"] == "changes"
        assert again.local_copy().last_refresh["uploads"] == [upload_id]
        assert same_as_postgresql(again)
    finally:
        again.close()


def test_servers_sharing_a_folder_each_hold_their_own_copy_file(pg, pg_sample_url, tmp_path):
    pg.cursor().close()
    mine = pg.local_copy().path
    server = OtherServer(pg_sample_url, mine.parent)  # the same folder, as two servers on one machine would share
    try:
        theirs = server.ask("copy")["path"]
        assert theirs != str(mine) and theirs.endswith("-1.duckdb") and mine.name.endswith("-0.duckdb")
    finally:
        server.stop()


def test_copy_off_reads_postgresql_directly(pg, monkeypatch):
    monkeypatch.setenv(store.COPY_DIR_ENV, "off")
    cur = pg.cursor()
    assert not isinstance(cur, replica.CopyCursor)
    assert cur.execute("SELECT current_database()").fetchone()[0] == store.POSTGRES_ALIAS


def test_a_stopped_postgresql_is_reported_not_hidden_behind_the_copy(pg_server_url, cfg, tmp_path, monkeypatch):
    monkeypatch.setenv(store.COPY_DIR_ENV, str(tmp_path / "pg-copy"))
    server = pg_server.start()  # a server of its own, to stop (pg_server_url: skipped where PostgreSQL is not installed)
    try:
        url = pg_server.create_database(server.url, "kpi")
        conn = store.open_store(cfg, url, load_sample=lambda c: load_sample(c, cfg))
        conn.cursor().close()
        server.stop()
        with pytest.raises(
            store.StoreError, match="Cannot read the PostgreSQL database .* Check that the database server is running"
        ):
            conn.cursor()
        conn.close()
    finally:
        server.stop()


def test_an_unreadable_copy_file_is_made_again(pg_sample_url, cfg, capfd):
    conn = store.open_store(cfg, pg_sample_url)
    conn.cursor().close()
    path = conn.local_copy().path
    conn.close()
    path.write_bytes(b"not a DuckDB file" * 1000)  # e.g. a disk fault, or a file from another DuckDB version
    conn = store.open_store(cfg, pg_sample_url)
    try:
        conn.cursor().close()
        assert conn.local_copy().path == path and conn.local_copy().last_refresh["kind"] == "whole"
        assert same_as_postgresql(conn)
        assert f"Discarding the unreadable local copy {path}" in capfd.readouterr().err
    finally:
        conn.close()
