"""Many readers, one writer: 20 simulated sessions read while an upload commits; nobody gets an error and
every reader sees either all the old figures or all the new ones, never a mix. On a DuckDB file, and on
PostgreSQL (where each session's cursor reads the app server's local copy and the write goes to PostgreSQL)."""

import threading

import pytest

from indicators import store, uploads
from indicators.sample import load_sample
from tests.conftest import ADMIN, as_user
from tests.harness import wait_until


@pytest.fixture(params=["duckdb", "postgresql"])
def server_conn(request, cfg):
    """The app server's connection: to a copy of the sample DuckDB file, or to the sample data on PostgreSQL."""
    if request.param == "duckdb":
        yield request.getfixturevalue("conn")
        return
    c = store.open_store(cfg, request.getfixturevalue("pg_url"), load_sample=lambda c: load_sample(c, cfg))
    yield c
    c.close()


def test_twenty_readers_see_old_or_new_never_a_mix(server_conn, cfg):
    conn = server_conn
    months = [f"{y}-{m:02d}" for y in range(2021, 2026) for m in range(1, 13)]
    old = "\n".join(f"salt_seen_6wk,{a},{p},50" for a in ("E06000047", "E06000003") for p in months)
    new = "\n".join(f"salt_seen_6wk,{a},{p},70" for a in ("E06000047", "E06000003") for p in months)
    uploads.commit(
        conn, uploads.check(conn, cfg, f"indicator,area,period,value\n{old}\n".encode(), "old.csv", ADMIN), as_user("a")
    )
    pending = uploads.check(conn, cfg, f"indicator,area,period,value\n{new}\n".encode(), "new.csv", ADMIN)
    n_figures = 2 * len(months)

    seen, errors = [], []
    stop = threading.Event()

    def reader():
        cur = conn.cursor()  # one cursor per session, as each page run gets
        try:
            while not stop.is_set():
                values = cur.execute(
                    "SELECT value FROM observations WHERE indicator_id = 'salt_seen_6wk' "
                    "AND period BETWEEN '2021-01' AND '2025-12'"
                ).fetchall()
                seen.append(frozenset(v for (v,) in values))
                assert len(values) == n_figures
        except Exception as e:  # collected: the assertion below reports every failure
            errors.append(repr(e))
        finally:
            cur.close()

    threads = [threading.Thread(target=reader) for _ in range(20)]
    for t in threads:
        t.start()
    wait_until(lambda: len(seen) >= 40 or errors, timeout=60, what="forty reads")  # every reader under way first
    writer = conn.cursor()
    summary = uploads.commit(writer, pending, as_user("lead"))
    after = len(seen)
    wait_until(lambda: len(seen) >= after + 40 or errors, timeout=60, what="forty reads after the write")  # and still reading
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert summary.changed == n_figures
    assert set(seen) == {frozenset({50.0}), frozenset({70.0})}  # both states seen, and nothing in between
