"""Opening the store: a DuckDB file (waiting while another process holds it) or the PostgreSQL database, and
bringing its schema up to date."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from indicators.store_postgres import _begin_write, _connect_postgres, _migration_statement, _refresh_catalog, is_postgres
from indicators.store_schema import MIGRATIONS, SCHEMA_VERSION, StoreBusy, StoreError, _target, schema_version

# A commit checkpoints (writes the write-ahead log into the file) only past this size; a big upload's commit starts
# one in the background instead (store._checkpoint_soon), so nobody waits for it.
CHECKPOINT_THRESHOLD = "256MiB"


def connect(
    path: Path | str | None = None,
    *,
    read_only: bool = False,
    wait_seconds: float = 10.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database file, waiting while another process holds the write lock, and saying so.
    A PostgreSQL URL opens the PostgreSQL store instead (no lock to wait for: PostgreSQL has many writers)."""
    path = _target(path)
    if isinstance(path, str):
        return _connect_postgres(path, read_only=read_only)
    if read_only and not path.exists():
        raise StoreError(f"The database {path} does not exist yet; run `python -m indicators init` or start the dashboard once.")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as e:
            text = str(e)
            if "lock" not in text.lower():
                raise StoreError(f"Cannot open the database {path}: {text}") from None
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"The database {path} is in use by another program (usually the dashboard, which keeps it open). "
                    "Stop the dashboard and try again, or upload the file on the dashboard's Upload page."
                ) from None
            if on_wait and not told:
                on_wait(f"The database {path} is in use by another program; waiting up to {wait_seconds:.0f} seconds for it…")
                told = True
            time.sleep(0.25)
            continue
        if not read_only:
            # A commit checkpoints (writes the write-ahead log into the file) only past this size; a big upload's
            # commit starts one in the background instead (_checkpoint_soon), so nobody waits for it.
            conn.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        return conn


def migrate(conn) -> int:
    """Bring the schema up to SCHEMA_VERSION, one version at a time, each in its own transaction."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"The database was written by a newer version of the dashboard (schema {version}; this one knows {SCHEMA_VERSION}). Update the dashboard."
        )
    pg = is_postgres(conn)
    while version < SCHEMA_VERSION:
        _begin_write(conn, lock=version > 0)  # PostgreSQL: app servers starting together migrate one at a time
        try:
            if pg and version > 0 and schema_version(conn) != version:  # another app server migrated it meanwhile
                conn.execute("ROLLBACK")
                version = schema_version(conn)
                continue
            for statement in MIGRATIONS[version + 1]:
                _migration_statement(conn, statement, pg)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version + 1)])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            if pg:  # e.g. two app servers creating a new database at the same moment: the other one won
                _refresh_catalog(conn)
                if schema_version(conn) > version:
                    version = schema_version(conn)
                    continue
            raise
        version += 1
    return version
