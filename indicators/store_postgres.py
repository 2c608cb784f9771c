"""The PostgreSQL backend of the store: DuckDB's postgres extension, one DuckDB instance per process and store,
PostgreSQL's sequences and the writers' lock (indicators.store uses these wherever `is_postgres(conn)`)."""

from __future__ import annotations

import importlib.metadata
import os
import sys
import threading
import urllib.parse
from pathlib import Path

import duckdb

from indicators import replica
from indicators.store_schema import DEFAULT_DB, SEQUENCES, TABLES, StoreBusy, StoreError, _target, schema_version

# ---------------------------------------------------------------- PostgreSQL: the second backend
#
# DuckDB attaches the PostgreSQL database as POSTGRES_ALIAS and makes it the default database, so every
# statement above runs on it unchanged (DuckDB executes the query; PostgreSQL stores the rows). DuckDB's
# postgres extension opens each DuckDB transaction as a PostgreSQL REPEATABLE READ transaction: a reader
# sees one snapshot for the whole statement, old figures or new, never a mix. What differs is here:
#   - sequences: DuckDB cannot create or advance PostgreSQL sequences, so those statements go to
#     PostgreSQL itself (postgres_execute / postgres_query run inside the same transaction);
#   - the writers' lock: every write first locks `meta` (whose data_version every write bumps), before
#     its snapshot is taken, so concurrent uploads from several app servers queue instead of failing;
#   - backups: DuckDB's COPY FROM DATABASE cannot read a PostgreSQL catalog, so the tables are copied
#     into a DuckDB file of the same schema inside one snapshot (and restored the other way);
#   - reading: a connection's `cursor()` (one per page run) reads a local DuckDB copy of the store
#     (indicators.replica), brought up to PostgreSQL's data version first; its writes are routed to
#     PostgreSQL by `_begin_write`. Every query through PostgreSQL's scanner costs a round trip and a copy
#     of the rows, which made pages 3-4 times slower than on a DuckDB file; the copy reads at DuckDB speed.
#     The connection itself (the command line) still reads PostgreSQL directly.
#   - one DuckDB instance per process and store, shared by every connection to it, so the postgres
#     extension is loaded once and a process keeps one copy however often it reconnects.

POSTGRES_ALIAS = "kpi"
POSTGRES_PACKAGE = "duckdb-extension-postgres"
# How long a write waits for another app server's write to finish before saying the store is busy.
POSTGRES_LOCK_WAIT_SECONDS = 60
# Where each app server keeps its local copy of a PostgreSQL store: a folder (kept across restarts, so a
# restarted server copies only what changed), `memory`, or `off` (every query goes to PostgreSQL).
COPY_DIR_ENV = "KPI_PG_COPY_DIR"
DEFAULT_COPY_DIR = DEFAULT_DB.parent / "pg-copy"


def db_label(target: Path | str | None = None) -> str:
    """The store named for people and logs: the file, or the PostgreSQL URL without its password."""
    target = _target(target)
    if not isinstance(target, str):
        return str(target)
    u = urllib.parse.urlsplit(target)
    netloc = (f"{u.username}@" if u.username else "") + (u.hostname or "") + (f":{u.port}" if u.port else "")
    return urllib.parse.urlunsplit((u.scheme, netloc, u.path, "", ""))


def is_postgres(conn) -> bool:
    """Whether this connection's default database is the PostgreSQL store (or a local copy of it)."""
    if isinstance(conn, (PostgresConnection, replica.CopyCursor)):
        return True
    row = conn.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row) and row[0] == "postgres"


def postgres_extension_file() -> Path:
    """DuckDB's postgres extension as shipped in the duckdb-extension-postgres wheel (never downloaded)."""
    wanted = duckdb.__version__
    hint = f"run `{sys.executable} -m pip install {POSTGRES_PACKAGE}=={wanted}` (its version must equal duckdb's)"
    try:
        have = importlib.metadata.version(POSTGRES_PACKAGE)
        files = importlib.metadata.files(POSTGRES_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        raise StoreError(
            f"KPI_DB names a PostgreSQL database, which needs DuckDB's postgres extension from the package "
            f"{POSTGRES_PACKAGE}; it is not installed: {hint}."
        ) from None
    if have != wanted:
        raise StoreError(f"{POSTGRES_PACKAGE} {have} is installed, but duckdb is {wanted}; {hint}.")
    for f in files:
        if f.name == "postgres.duckdb_extension" and f"v{wanted}" in f.parts:
            return Path(f.locate())
    raise StoreError(f"{POSTGRES_PACKAGE} {have} has no postgres.duckdb_extension for duckdb {wanted}; reinstall it: {hint}.")


def copy_dir() -> Path | None | str:
    """KPI_PG_COPY_DIR: the folder for local copies (default data/pg-copy), None for `memory`, "off" for none."""
    value = (os.environ.get(COPY_DIR_ENV) or "").strip()
    if value.lower() in ("off", "none", "0"):
        return "off"
    if value.lower() == "memory":
        return None
    return Path(value) if value else DEFAULT_COPY_DIR


class _PostgresInstance:
    """The process's DuckDB instance for one PostgreSQL store: the store attached as POSTGRES_ALIAS, and the
    local copy once something reads through a cursor. Shared by every connection to the store, counted."""

    _all: dict[tuple[str, bool], _PostgresInstance] = {}
    _all_lock = threading.Lock()

    def __init__(self, duck: duckdb.DuckDBPyConnection, url: str, key: tuple[str, bool]):
        self.duck, self.url, self.key = duck, url, key
        self.refs = 0
        self.lock = threading.Lock()
        self._copy: replica.LocalCopy | None = None

    def copy(self) -> replica.LocalCopy:
        with self.lock:
            if self._copy is None:
                self._copy = replica.LocalCopy(self.duck, POSTGRES_ALIAS, TABLES, db_label(self.url), copy_dir())
            return self._copy

    def release(self) -> None:
        with _PostgresInstance._all_lock:
            self.refs -= 1
            if self.refs > 0:
                return
            _PostgresInstance._all.pop(self.key, None)
        if self._copy is not None:
            self._copy.close()
        self.duck.close()


class PostgresConnection(replica.Delegates):
    """A DuckDB cursor whose default database is the PostgreSQL store: everything is DuckDB's own cursor except
    `cursor()`, which gives a page run a cursor on the local copy (see the section comment), and `close()`."""

    def __init__(self, duck: duckdb.DuckDBPyConnection, url: str, instance: _PostgresInstance | None = None):
        self._duck = duck
        self.url = url
        self._instance = instance  # set on the connection that holds a share of the instance

    def cursor(self):
        if self._instance is not None and copy_dir() != "off":
            try:
                return self._instance.copy().cursor()
            except duckdb.Error as e:  # PostgreSQL stopped or unreachable: say so, never show a copy that may be stale
                raise StoreError(
                    f"Cannot read the PostgreSQL database {db_label(self.url)}: "
                    f"{str(e).strip().splitlines()[-1]}. Check that the database server is running and "
                    "reachable from this app server, then reload the page."
                ) from None
        cur = self._duck.cursor()
        cur.execute(f"USE {POSTGRES_ALIAS}")
        return PostgresConnection(cur, self.url)

    def local_copy(self) -> replica.LocalCopy:
        """This process's copy of the store (made on first use): its version, file and last refresh."""
        return self._instance.copy()

    def close(self) -> None:
        self._duck.close()
        instance, self._instance = self._instance, None
        if instance is not None:
            instance.release()

    def _inner(self):
        return self._duck

    def __repr__(self) -> str:
        return f"<PostgreSQL store {db_label(self.url)}>"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _connect_postgres(url: str, *, read_only: bool = False) -> PostgresConnection:
    """A connection to the store, on the process's shared DuckDB instance for it (made on first use)."""
    key = (url, read_only)
    with _PostgresInstance._all_lock:
        instance = _PostgresInstance._all.get(key)
        if instance is None:
            instance = _PostgresInstance(_new_postgres_instance(url, read_only), url, key)
            _PostgresInstance._all[key] = instance
        instance.refs += 1
    try:
        cur = instance.duck.cursor()
        cur.execute(f"USE {POSTGRES_ALIAS}")
    except BaseException:
        instance.release()
        raise
    conn = PostgresConnection(cur, url, instance)
    if read_only and schema_version(conn) == 0:
        conn.close()
        raise StoreError(
            f"The PostgreSQL database {db_label(url)} has no dashboard tables yet; run "
            "`python -m indicators init` or start the dashboard once."
        )
    return conn


def _new_postgres_instance(url: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    ext = postgres_extension_file()
    # Never fetch anything from the network: the extension comes from the wheel's file.
    duck = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        try:
            duck.execute(f"INSTALL {_sql_text(str(ext))}")
            duck.execute("LOAD postgres")
        except duckdb.Error as e:
            raise StoreError(
                f"DuckDB's postgres extension ({ext}) could not be loaded: {str(e).splitlines()[0]}. "
                f"Reinstall it with `{sys.executable} -m pip install --force-reinstall "
                f"{POSTGRES_PACKAGE}=={duckdb.__version__}`."
            ) from None
        try:
            duck.execute(f"ATTACH {_sql_text(url)} AS {POSTGRES_ALIAS} (TYPE postgres{', READ_ONLY' if read_only else ''})")
            duck.execute(f"USE {POSTGRES_ALIAS}")
            duck.execute(f"SELECT * FROM postgres_query('{POSTGRES_ALIAS}', 'SELECT 1')").fetchall()  # reach it now
        except duckdb.Error as e:
            raise StoreError(
                f"Cannot open the PostgreSQL database {db_label(url)}: {str(e).strip().splitlines()[-1]}. "
                "Check KPI_DB (postgresql://user:password@host:port/database) and that the server "
                "accepts connections from this machine."
            ) from None
    except BaseException:
        duck.close()
        raise
    return duck


def _pg_execute(conn, sql: str) -> None:
    """Run PostgreSQL's own SQL inside the current transaction."""
    conn.execute(f"CALL postgres_execute('{POSTGRES_ALIAS}', {_sql_text(sql)})")


def _prepare_postgres(conn) -> None:
    """What the app servers' local copies rely on: the store's generation (a restore gives a new one, and every
    copy is then made again) and indexes that find one upload's figures without reading them all."""
    try:
        _pg_execute(
            conn,
            "INSERT INTO meta VALUES ('store_generation', md5(random()::text)) ON CONFLICT (key) DO NOTHING; "
            "CREATE INDEX IF NOT EXISTS observations_upload_id ON observations (upload_id); "
            "CREATE INDEX IF NOT EXISTS observation_history_upload_id ON observation_history (upload_id); "
            "CREATE INDEX IF NOT EXISTS observation_history_replaced_by ON observation_history (replaced_by)",
        )
    except duckdb.Error as e:
        if "already exists" not in str(e) and "duplicate key" not in str(e):  # another app server starting at once
            raise


def _refresh_catalog(conn) -> None:
    """Forget DuckDB's cached list of PostgreSQL tables (another app server may have changed them)."""
    conn.execute("CALL pg_clear_cache()")


def _migration_statement(conn, statement: str, pg: bool) -> None:
    if pg and statement.lstrip().upper().startswith("CREATE SEQUENCE"):
        _pg_execute(conn, statement)  # DuckDB cannot create PostgreSQL sequences; the statement is valid there as written
    else:
        conn.execute(statement)


def _next_id(conn, sequence: str) -> int:
    if is_postgres(conn):
        return int(
            conn.execute(
                f"SELECT * FROM postgres_query('{POSTGRES_ALIAS}', {_sql_text(f'SELECT nextval({_sql_text(sequence)})')})"
            ).fetchone()[0]
        )
    return conn.execute(f"SELECT nextval('{sequence}')").fetchone()[0]


def _begin_write(conn, lock: bool = True) -> None:
    """Start a write transaction. On PostgreSQL, first take the writers' lock (before any query takes the
    transaction's snapshot), so a write from another app server is finished and seen, never overwritten.
    A page run's cursor on the local copy sends the whole transaction to PostgreSQL, and refreshes its copy
    after the COMMIT."""
    if isinstance(conn, replica.CopyCursor):
        conn.route_writes()
    pg = is_postgres(conn)
    conn.execute("BEGIN TRANSACTION")
    if pg and lock:
        try:
            _pg_execute(
                conn, f"SET LOCAL lock_timeout = '{POSTGRES_LOCK_WAIT_SECONDS}s'; LOCK TABLE meta IN SHARE ROW EXCLUSIVE MODE"
            )
        except BaseException as e:
            conn.execute("ROLLBACK")
            _raise_if_busy(e)
            raise


def _raise_if_busy(e: BaseException) -> None:
    """PostgreSQL's refusals under concurrent writes, said as what to do. Nothing was written."""
    text = str(e)
    if "lock timeout" in text:
        raise StoreBusy(
            f"Another upload is still being written to the database (waited {POSTGRES_LOCK_WAIT_SECONDS} "
            "seconds); nothing was written. Try again in a minute."
        ) from e
    if "could not serialize access" in text:
        raise StoreBusy(
            "Someone else changed the same figures at the same moment; nothing was written. Check the preview again and confirm."
        ) from e


def _drop_tables(conn) -> None:
    _pg_execute(conn, f"DROP TABLE IF EXISTS {', '.join(TABLES)}; DROP SEQUENCE IF EXISTS {', '.join(SEQUENCES)}")
    _refresh_catalog(conn)


def _drop_unused_postgres_store(conn) -> None:
    """After a failed first start: drop the new tables, unless another app server has already put data in them."""
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass  # no transaction was open
    try:
        if schema_version(conn) >= 1 and conn.execute("SELECT count(*) FROM uploads").fetchone()[0]:
            return
        _drop_tables(conn)
    except duckdb.Error:
        pass  # the original error is the one to report
