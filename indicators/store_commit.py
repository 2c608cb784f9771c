"""Ending a write: the data version every write bumps, the commit (with the fault-injection pause), a big commit's
checkpoint in the background, and a quiet rollback when a write fails."""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from indicators import replica
from indicators.store_postgres import is_postgres
from indicators.store_schema import PAUSE_ENV


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(frozen=True)
class WriteSummary:
    upload_id: int | None
    new: int
    changed: int
    unchanged: int
    note: str = ""  # what the write did, in words, as the upload history records it (a rollback's note)


def _rollback_quietly(conn) -> None:
    """Undo the open transaction; when the write failed at COMMIT (e.g. a full disk) there is none left to undo,
    and the original error is the one worth reporting."""
    with contextlib.suppress(duckdb.Error):
        conn.execute("ROLLBACK")


def _bump_and_commit(conn) -> None:
    conn.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) WHERE key = 'data_version'")
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    if pause:
        print("paused inside the commit", file=sys.stderr, flush=True)
        time.sleep(pause)
    conn.execute("COMMIT")
    _checkpoint_soon(conn)


# A 100,500-row upload leaves about 15 MB of write-ahead log. DuckDB would checkpoint it inside the COMMIT (its
# default threshold is 16 MB), which is 0.3-0.9 s more for the person waiting; it is done just after, instead.
CHECKPOINT_AFTER_BYTES = 4 * 1024 * 1024
_checkpoints: list[threading.Thread] = []


def _checkpoint_soon(conn) -> None:
    """After a commit that left a large write-ahead log, checkpoint it in a background thread on its own cursor.
    The figures are already safe (the log is on disk at COMMIT); this only writes them into the database file,
    which DuckDB refuses while another transaction runs, so it tries again for a while. A process waits for it
    before exiting (the thread is not a daemon), and closing the database would checkpoint anyway."""
    if isinstance(conn, replica.CopyCursor) or is_postgres(conn):
        return
    row = conn.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    wal = Path(f"{row[0]}.wal") if row and row[0] else None
    if wal is None or not wal.exists() or wal.stat().st_size < CHECKPOINT_AFTER_BYTES:
        return
    cur = conn.cursor()

    def run() -> None:
        try:
            for _ in range(120):
                try:
                    cur.execute("CHECKPOINT")
                    return
                except duckdb.Error:
                    time.sleep(0.25)  # a reader's or writer's transaction is open: DuckDB checkpoints only between them
        finally:
            cur.close()

    thread = threading.Thread(target=run, name="kpi-checkpoint")
    _checkpoints[:] = [t for t in _checkpoints if t.is_alive()] + [thread]
    thread.start()


def wait_for_checkpoints(timeout: float | None = None) -> None:
    """Wait for background checkpoints to finish (benchmarks, tests and commands that copy the file)."""
    for t in list(_checkpoints):
        t.join(timeout)
