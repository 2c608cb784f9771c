"""What goes wrong outside the dashboard is a message on the page, never Streamlit's error screen: a database file
that is not a database, a PostgreSQL server that has stopped. And the upload worker does not outlive the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from streamlit.testing.v1 import AppTest

from indicators import store
from indicators.sample import load_sample
from pages.common import unplain
from tests import pg_server
from tests.conftest import ROOT


def test_a_database_file_that_is_not_a_database_is_a_message(tmp_path, monkeypatch):
    broken = tmp_path / "kpi.duckdb"
    broken.write_bytes(b"this is not a DuckDB file " * 4000)
    monkeypatch.setenv("KPI_DB", str(broken))
    monkeypatch.setenv("KPI_BACKUP_EVERY_HOURS", "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert unplain(at.error[0].value).startswith(f"Cannot open the database {broken}: IO Error:")


def test_a_stopped_postgresql_is_the_stores_message_on_the_page(pg_server_url, cfg, tmp_path, monkeypatch):
    monkeypatch.setenv(store.COPY_DIR_ENV, str(tmp_path / "pg-copy"))
    monkeypatch.setenv("KPI_BACKUP_EVERY_HOURS", "0")
    server = pg_server.start()  # a server of its own, to stop
    try:
        url = pg_server.create_database(server.url, "kpi")
        store.open_store(cfg, url, load_sample=lambda c: load_sample(c, cfg)).close()
        monkeypatch.setenv("KPI_DB", url)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
        assert not at.exception and at.title[0].value.startswith("SEND scorecard")
        server.stop()
        at.run()
        assert not at.exception, at.exception
        said = unplain(at.error[0].value)
        assert said.startswith(f"Cannot read the PostgreSQL database {store.db_label(url)}: "), said
        assert said.endswith(
            "Check that the database server is running and reachable from this app server, then reload the page."
        )
    finally:
        server.stop()


WORKER_APP = """
import sys, time
from indicators import config, store, uploads
from indicators.access import Access
cfg = config.load("config/indicators.yaml")
conn = store.open_store(cfg, sys.argv[1])
data = b"indicator,area,period,value\\nehcp_20wk,E06000047,2024-25 Q1,80\\n"
uploads.check(conn, cfg, data, "r.csv", Access(user="a@example.org", viewer=True, admin=True), offload=True)
print(*uploads._pool._processes, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_upload_worker_ends_when_the_app_is_killed(tmp_path, cfg):
    """kill -9 runs no clean-up in the app: the worker must notice on its own (it held ~210 MB for ever)."""
    db = tmp_path / "kpi.duckdb"
    store.open_store(cfg, db).close()
    app = subprocess.Popen(
        [sys.executable, "-c", WORKER_APP, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        (worker,) = map(int, app.stdout.readline().split())
        assert _alive(worker)
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the upload worker outlived the app"
    finally:
        if app.poll() is None:
            app.kill()
        try:
            os.killpg(app.pid, signal.SIGKILL)  # the worker, if the test failed: only this test's own processes
        except ProcessLookupError:
            pass
