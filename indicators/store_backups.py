"""Backups of the store and restoring one: a DuckDB file copied through an open connection, or a PostgreSQL store
copied into a DuckDB file of the same schema (and restored the other way, in one transaction)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import duckdb

from indicators import replica
from indicators.access import Access
from indicators.store_connect import connect, migrate
from indicators.store_postgres import _begin_write, _connect_postgres, _pg_execute, _raise_if_busy, _sql_text, is_postgres
from indicators.store_schema import (
    DEFAULT_DB,
    SCHEMA_VERSION,
    SEQUENCES,
    TABLES,
    StoreError,
    _target,
    data_version,
    db_path,
    schema_version,
)

# ---------------------------------------------------------------- backups

BACKUP_KEEP = 14


def backup_dir() -> Path:
    """KPI_BACKUP_DIR, or backups/ beside the database file (for a PostgreSQL store, data/backups/)."""
    path = db_path()
    return Path(os.environ.get("KPI_BACKUP_DIR") or (DEFAULT_DB if isinstance(path, str) else path).parent / "backups")


def backup(conn, dest: Path | str, access: Access) -> Path:
    """A consistent copy of the whole database, made through an open connection (so it works while the
    dashboard runs): DuckDB copies every table and sequence inside one read transaction. A PostgreSQL store
    is copied into a DuckDB file of the same schema, which `restore` reads like any other backup.
    Administrators only: a backup holds every figure and comment, and fills the disk."""
    access.require_admin("make a backup")
    dest = Path(dest)
    if dest.exists():
        raise StoreError(f"{dest} already exists; choose a new file name for the backup.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if is_postgres(conn):
        return _backup_postgres(conn, dest)
    name = conn.execute("SELECT current_database()").fetchone()[0]
    alias = "kpi_backup_target"
    conn.execute(f"ATTACH '{str(dest).replace(chr(39), chr(39) * 2)}' AS {alias}")
    try:
        conn.execute(f'COPY FROM DATABASE "{name}" TO {alias}')
    except Exception:
        conn.execute(f"DETACH {alias}")
        dest.unlink(missing_ok=True)
        raise
    conn.execute(f"DETACH {alias}")
    return dest


def timed_backup(conn, access: Access, folder: Path | None = None, keep: int = BACKUP_KEEP) -> Path:
    """A backup named by date and time in the backup folder, keeping the newest `keep`."""
    folder = folder or backup_dir()
    dest = backup(conn, folder / f"kpi-{dt.datetime.now():%Y%m%d-%H%M%S}.duckdb", access)
    for old in sorted(folder.glob("kpi-*.duckdb"))[:-keep]:
        old.unlink(missing_ok=True)
    return dest


def latest_backup_time(folder: Path | None = None) -> dt.datetime | None:
    files = sorted((folder or backup_dir()).glob("kpi-*.duckdb"))
    if not files:
        return None
    return dt.datetime.strptime(files[-1].stem[4:], "%Y%m%d-%H%M%S")


def restore(backup_file: Path | str, access: Access, target: Path | str | None = None) -> Path:
    """Replace the database with a backup. The dashboard must be stopped (the file must be free). The file
    being replaced is kept beside it as <name>.before-restore-<time>.duckdb, so a restore can be undone.
    A PostgreSQL store is replaced in one transaction while the app servers run, after a backup of it is
    made into the backup folder (returned, as the kept file is)."""
    access.require_admin("restore a backup")
    src, target = Path(backup_file), _target(target)
    try:
        check = duckdb.connect(str(src), read_only=True)
    except duckdb.Error as e:
        raise StoreError(f"{src} is not a dashboard backup that can be opened ({e}).") from None
    try:
        version = schema_version(check)
        if version == 0:
            raise StoreError(f"{src} is a DuckDB file but not a dashboard database (it has no schema version).")
        if version > SCHEMA_VERSION:
            raise StoreError(f"{src} was made by a newer version of the dashboard (schema {version}).")
    finally:
        check.close()
    if isinstance(target, str):
        return _restore_postgres(src, target, access)
    kept = None
    if target.exists():
        connect(target, wait_seconds=2).close()  # raises StoreBusy while the dashboard holds the file
        kept = target.with_name(f"{target.stem}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}.duckdb")
        os.replace(target, kept)
        Path(str(target) + ".wal").unlink(missing_ok=True)
    tmp = target.with_name(target.name + ".restoring")
    shutil.copyfile(src, tmp)
    os.replace(tmp, target)  # atomic on one file system: never a half-copied database
    conn = connect(target)
    migrate(conn)  # an older backup is brought up to this version's schema
    conn.close()
    return kept or target


def _backup_postgres(conn, dest: Path) -> Path:
    """Every table of the PostgreSQL store, read in one snapshot, into a new DuckDB file of the same schema."""
    if isinstance(conn, replica.CopyCursor):  # read from PostgreSQL itself, not from this server's copy
        with contextlib.closing(conn.source_cursor()) as pg:
            return _backup_postgres(pg, dest)
    made = duckdb.connect(str(dest))
    try:
        migrate(made)
        made.execute("DELETE FROM meta")  # the store's own meta rows are copied below
    finally:
        made.close()
    alias = "kpi_backup_target"
    conn.execute(f"ATTACH {_sql_text(str(dest))} AS {alias}")
    try:
        conn.execute("BEGIN TRANSACTION")  # one PostgreSQL transaction: one snapshot for every table
        try:
            for t in TABLES:
                conn.execute(f"INSERT INTO {alias}.main.{t} SELECT * FROM {t}")
            next_ids = {
                seq: conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0] for seq, t in SEQUENCES.items()
            }
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        for seq, n in next_ids.items():  # the copy's sequences carry on where the store's ids end
            conn.execute(f"DROP SEQUENCE {alias}.main.{seq}")
            conn.execute(f"CREATE SEQUENCE {alias}.main.{seq} START {int(n)}")
    except BaseException:
        conn.execute(f"DETACH {alias}")
        dest.unlink(missing_ok=True)
        Path(str(dest) + ".wal").unlink(missing_ok=True)
        raise
    conn.execute(f"DETACH {alias}")
    return dest


def _restore_postgres(src: Path, url: str, access: Access) -> Path:
    """Replace every row of the PostgreSQL store with a backup's, in one transaction, while the app servers
    run: they see the old figures until the commit, then the restored ones. Returns a backup of what was
    replaced (made first, into the backup folder)."""
    conn = _connect_postgres(url)
    try:
        migrate(conn)
        kept = backup(conn, backup_dir() / f"kpi.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}.duckdb", access)
        with tempfile.TemporaryDirectory(prefix="kpi-restore-") as tmp:
            copy = Path(tmp) / "restore.duckdb"
            shutil.copyfile(src, copy)
            older = duckdb.connect(str(copy))  # an older backup is brought up to this version's schema (the copy, not the file)
            try:
                migrate(older)
            finally:
                older.close()
            alias = "kpi_restore_source"
            conn.execute(f"ATTACH {_sql_text(str(copy))} AS {alias} (READ_ONLY)")
            try:
                _begin_write(conn)
                try:
                    seen = data_version(conn)
                    _pg_execute(conn, "; ".join(f"DELETE FROM {t}" for t in TABLES))
                    for t in TABLES:
                        conn.execute(f"INSERT INTO {t} SELECT * FROM {alias}.main.{t}")
                    _pg_execute(
                        conn,
                        "; ".join(
                            f"SELECT setval('{seq}', coalesce(max(id), 0) + 1, false) FROM {t}" for seq, t in SEQUENCES.items()
                        ),
                    )
                    # The app servers cache figures by data version: move it past any version they have seen.
                    conn.execute(
                        "UPDATE meta SET value = CAST(greatest(CAST(value AS INTEGER), ?) + 1 AS VARCHAR) "
                        "WHERE key = 'data_version'",
                        [seen],
                    )
                    # A new generation: every app server's local copy is made again, not patched.
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('store_generation', ?)", [uuid.uuid4().hex])
                    conn.execute("COMMIT")
                except BaseException as e:
                    conn.execute("ROLLBACK")
                    _raise_if_busy(e)
                    raise
            finally:
                conn.execute(f"DETACH {alias}")
    finally:
        conn.close()
    return kept
