"""Each app server's local DuckDB copy of the PostgreSQL store, which every page reads at DuckDB speed.

The copy is a DuckDB database attached (as COPY_ALIAS) to the same DuckDB instance that has the PostgreSQL store
attached; `indicators.store` makes that instance and hands it over. At the start of each page run (each
`cursor()`) one query reads PostgreSQL's data version; when it has moved, the copy is brought up to date in one
local transaction, so a page reads the old figures or the new, never a mix. The refresh is incremental because
of two rules every write in `indicators.store` keeps:

  - every write bumps `meta.data_version` and is recorded as an upload with a larger id than any before it
    (ids come from a sequence inside the writers' lock, so they commit in id order); and
  - every figure it writes carries that upload's id (`observations.upload_id`), every figure it replaces or
    removes goes to `observation_history` with `replaced_by` set to that id, and commentary is only appended.

So the figures touched since the copy's last upload are those whose current row or history row names a newer
upload. A restore (a new `store_generation`), a schema change or a copy made by other code is copied whole.

Writes go to PostgreSQL: `store._begin_write` calls `CopyCursor.route_writes()`, so the write functions' SQL
runs unchanged on PostgreSQL until COMMIT or ROLLBACK, and after a COMMIT this server's copy is refreshed.
This module does not import the rest of the package (the store imports it)."""

from __future__ import annotations

import hashlib
import re
import sys
import threading
import time
from pathlib import Path

import duckdb

COPY_ALIAS = "kpi_copy"
# The copy's own bookkeeping table; a file written under another FORMAT is copied again from scratch.
STATE_TABLE = "copy_state"
FORMAT = "1"
# Copy files per store in one folder: each running process holds one (DuckDB locks it), so several app servers
# (or a server and the command line) on one machine each get their own.
SLOTS = 16
# Tables brought up to date by upload id or by id; every other table is small (meta, areas, uploads) and is
# copied whole at each refresh.
INCREMENTAL = ("observations", "observation_history", "commentary")
KEY = "indicator_id, area_code, period"
# Above this many figures touched, the copy is made again from scratch (one scan beats a huge key join).
FULL_COPY_ABOVE = 250_000


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _int_array(ids: list[int]) -> str:
    return "'{" + ",".join(str(int(i)) for i in ids) + "}'::integer[]"


def _is_end(query: str) -> str | None:
    """'COMMIT' or 'ROLLBACK' when the statement ends the transaction, else None."""
    word = query.strip().rstrip(";").strip().upper().split()
    if not word:
        return None
    if word[0] in ("COMMIT", "END"):
        return "COMMIT"
    if word[0] in ("ROLLBACK", "ABORT"):
        return "ROLLBACK"
    return None


class Delegates:
    """A connection-like wrapper: what it does not define is the inner connection's, and a `with` closes it."""

    def _inner(self):
        raise NotImplementedError

    def __getattr__(self, name):
        return getattr(self._inner(), name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LocalCopy:
    """The copy of one PostgreSQL store in one process. Thread-safe: page runs on many threads share it."""

    def __init__(self, duck: duckdb.DuckDBPyConnection, source: str, tables: tuple[str, ...], label: str, folder: Path | None):
        self.duck, self.source, self.tables, self.label = duck, source, tuple(tables), label
        self.lock = threading.RLock()
        self.version: int | None = None
        self.generation: str | None = None
        self.last_refresh: dict = {}  # what the latest refresh did and how long it took (for tests and the benchmark)
        self.path = self._attach(folder)
        try:
            # Empty in a new copy: the first refresh then copies everything.
            self._run(f"CREATE TABLE IF NOT EXISTS {COPY_ALIAS}.{STATE_TABLE} (key VARCHAR, value VARCHAR)")
            # A copy file kept from an earlier run may hold areas synced since without a version bump: the first
            # refresh always runs.
            self.refresh()
        except BaseException:
            self.close()  # the next attempt attaches again
            raise

    # ------------------------------------------------------------ the file

    def _attach(self, folder: Path | None) -> Path | None:
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                print(
                    f"The local copy of the PostgreSQL store cannot be kept in {folder} ({e.strerror}); keeping it "
                    "in memory instead.",
                    file=sys.stderr,
                )
                folder = None
        if folder is None:
            self._run(f"ATTACH ':memory:' AS {COPY_ALIAS}")
            return None
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.label.split("://")[-1]).strip("-")[:60]
        stem = f"{slug}-{hashlib.sha256(self.label.encode()).hexdigest()[:10]}"
        for slot in range(SLOTS):
            path = folder / f"{stem}-{slot}.duckdb"
            try:
                self._run(f"ATTACH {_sql_text(str(path))} AS {COPY_ALIAS}")
                return path
            except duckdb.Error as e:
                text = str(e)
                if "lock" in text.lower() or "already attached" in text:
                    continue  # another process (or connection in this one) holds this slot
                # Not a readable DuckDB file (e.g. written by another DuckDB version): it is only a copy.
                print(f"Discarding the unreadable local copy {path}: {text.splitlines()[0]}", file=sys.stderr)
                try:
                    path.unlink(missing_ok=True)
                    Path(str(path) + ".wal").unlink(missing_ok=True)
                except OSError:
                    continue
                try:
                    self._run(f"ATTACH {_sql_text(str(path))} AS {COPY_ALIAS}")
                    return path
                except duckdb.Error:
                    continue
        print(f"All {SLOTS} local copy files in {folder} are in use; keeping this process's copy in memory.", file=sys.stderr)
        self._run(f"ATTACH ':memory:' AS {COPY_ALIAS}")
        return None

    def _run(self, sql: str) -> None:
        """One statement on a cursor of its own (the instance's connection is shared by many threads)."""
        cur = self.duck.cursor()
        try:
            cur.execute(sql)
        finally:
            cur.close()

    def close(self) -> None:
        with self.lock:
            try:
                self._run(f"DETACH {COPY_ALIAS}")
            except duckdb.Error:
                pass  # the instance is being closed anyway

    # ------------------------------------------------------------ keeping it in step

    def source_version(self) -> tuple[int, str | None]:
        """PostgreSQL's data version and store generation: the one query a page run costs when nothing moved."""
        cur = self.duck.cursor()
        try:
            rows = dict(
                cur.execute(
                    f"SELECT key, value FROM {self.source}.meta WHERE key IN ('data_version', 'store_generation')"
                ).fetchall()
            )
        finally:
            cur.close()
        return int(rows.get("data_version", 0)), rows.get("store_generation")

    def sync(self) -> None:
        """Bring the copy up to PostgreSQL's data version, if it has moved."""
        version, generation = self.source_version()
        if generation == self.generation and self.version is not None and self.version >= version:
            return
        with self.lock:  # one refresh at a time; a thread that waited finds the work done
            if generation == self.generation and self.version is not None and self.version >= version:
                return
            self.refresh()

    def refresh(self) -> dict:
        """Copy what changed in PostgreSQL since the copy's data version, in one local transaction that reads one
        PostgreSQL snapshot. Returns (and keeps in `last_refresh`) what it did."""
        with self.lock:
            started = time.perf_counter()
            cur = self.duck.cursor()
            try:
                cur.execute(f"USE {COPY_ALIAS}")
                stats = self._refresh(cur)
            finally:
                cur.close()
            stats["seconds"] = time.perf_counter() - started
            self.last_refresh = stats
            return stats

    def _refresh(self, cur) -> dict:
        for attempt in (1, 2):
            cur.execute("BEGIN TRANSACTION")
            try:
                # The first read of PostgreSQL takes this transaction's snapshot; every later one sees the same.
                meta = dict(cur.execute(f"SELECT key, value FROM {self.source}.meta").fetchall())
                state = self._state(cur)
                whole = self._needs_whole_copy(state, meta)
                if whole and attempt == 1:
                    # Forget DuckDB's cached PostgreSQL catalog (a migration may have changed the tables), then start
                    # again in a new snapshot.
                    cur.execute("ROLLBACK")
                    cur.execute("CALL pg_clear_cache()")
                    continue
                stats = self._copy_whole(cur, whole) if whole else self._copy_changes(cur)
                if stats is None:  # too much changed for a key-by-key update
                    stats = self._copy_whole(cur, "a large change")
                new_state = {
                    "format": FORMAT,
                    "source": self.label,
                    "generation": meta.get("store_generation") or "",
                    "schema_version": meta.get("schema_version") or "",
                    "data_version": meta["data_version"],
                }
                cur.execute(f"DELETE FROM {STATE_TABLE}")
                cur.executemany(f"INSERT INTO {STATE_TABLE} VALUES (?, ?)", list(new_state.items()))
                cur.execute("COMMIT")
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
            if whole:
                try:  # write the copy out compressed now, rather than holding it in memory until DuckDB decides to
                    cur.execute(f"CHECKPOINT {COPY_ALIAS}")
                except duckdb.Error:
                    pass  # page runs are reading: DuckDB checkpoints later by itself
            self.version, self.generation = int(meta["data_version"]), meta.get("store_generation")
            return stats
        raise AssertionError("unreachable")

    def _state(self, cur) -> dict[str, str]:
        return dict(cur.execute(f"SELECT key, value FROM {STATE_TABLE}").fetchall())

    def _needs_whole_copy(self, state: dict, meta: dict) -> str | None:
        """Why the copy must be made again from scratch, or None when copying the changes is enough."""
        if not state:
            return "no copy yet"
        if state.get("format") != FORMAT or state.get("source") != self.label:
            return "a copy in an older format"
        if state.get("generation") != (meta.get("store_generation") or ""):
            return "the store was restored or made again"
        if state.get("schema_version") != (meta.get("schema_version") or ""):
            return "the store's schema changed"
        if int(state["data_version"]) > int(meta["data_version"]):
            return "the store's data version went back"
        return None

    def _copy_whole(self, cur, why: str) -> dict:
        for t in self.tables:
            cur.execute(f"DROP TABLE IF EXISTS {t}")
            cur.execute(f"CREATE TABLE {t} AS SELECT * FROM {self.source}.{t}")
        n = cur.execute("SELECT count(*) FROM observations").fetchone()[0]
        return {"kind": "whole", "why": why, "figures": int(n), "uploads": None}

    def _pg(self, sql: str) -> str:
        """A query PostgreSQL runs itself (with its indexes), inside this transaction's snapshot."""
        return f"postgres_query({_sql_text(self.source)}, {_sql_text(sql)})"

    def _copy_changes(self, cur) -> dict | None:
        local_max = cur.execute("SELECT coalesce(max(id), 0) FROM uploads").fetchone()[0]
        new = cur.execute(f"SELECT id, kind FROM {self.source}.uploads WHERE id > ? ORDER BY id", [local_max]).fetchall()
        new_ids = [int(i) for i, _ in new]
        touched = 0
        if new_ids:
            ids = _int_array(new_ids)
            # The figures the new uploads wrote that are still current; the ones they replaced or removed (a figure
            # a new upload wrote and a later one replaced is among those too); and the earlier figures a new
            # rollback put back. Each is a plain index lookup in PostgreSQL.
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE copy_rows AS SELECT * FROM "
                f"{self._pg(f'SELECT * FROM observations WHERE upload_id = ANY({ids})')}"
            )
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE copy_history AS SELECT * FROM "
                f"{self._pg(f'SELECT * FROM observation_history WHERE replaced_by = ANY({ids})')}"
            )
            try:
                rollbacks = [int(i) for i, kind in new if kind == "rollback"]
                if rollbacks:
                    cur.execute(
                        "INSERT INTO copy_rows SELECT * FROM "
                        + self._pg(
                            f"SELECT * FROM observations WHERE upload_id <> ALL({ids}) AND ({KEY}) IN "
                            f"(SELECT {KEY} FROM observation_history WHERE replaced_by = ANY({_int_array(rollbacks)}))"
                        )
                    )
                touched = cur.execute(
                    f"SELECT count(*) FROM (SELECT {KEY} FROM copy_rows UNION SELECT {KEY} FROM copy_history)"
                ).fetchone()[0]
                if touched > FULL_COPY_ABOVE:
                    return None
                cur.execute(
                    f"DELETE FROM observations WHERE ({KEY}) IN "
                    f"(SELECT {KEY} FROM copy_rows UNION ALL SELECT {KEY} FROM copy_history)"
                )
                cur.execute("INSERT INTO observations SELECT * FROM copy_rows")
                cur.execute("INSERT INTO observation_history SELECT * FROM copy_history")
            finally:
                cur.execute("DROP TABLE IF EXISTS temp.copy_rows")
                cur.execute("DROP TABLE IF EXISTS temp.copy_history")
        last_note = cur.execute("SELECT coalesce(max(id), 0) FROM commentary").fetchone()[0]
        cur.execute(f"INSERT INTO commentary SELECT * FROM {self._pg(f'SELECT * FROM commentary WHERE id > {int(last_note)}')}")
        for t in self.tables:
            if t not in INCREMENTAL:
                cur.execute(f"DELETE FROM {t}")
                cur.execute(f"INSERT INTO {t} SELECT * FROM {self.source}.{t}")
        return {"kind": "changes", "why": None, "figures": int(touched), "uploads": new_ids}

    # ------------------------------------------------------------ cursors

    def cursor(self) -> CopyCursor:
        """A page run's cursor, on a copy brought up to date first."""
        self.sync()
        return CopyCursor(self)


class CopyCursor(Delegates):
    """Reads the local copy; between `route_writes()` (called by the store's `_begin_write`) and COMMIT or ROLLBACK,
    runs on PostgreSQL instead, with the same registered data frames. Everything else is DuckDB's own cursor."""

    def __init__(self, copy: LocalCopy):
        self._copy = copy
        self._local = copy.duck.cursor()
        self._local.execute(f"USE {COPY_ALIAS}")
        self._write: duckdb.DuckDBPyConnection | None = None
        self._registered: dict[str, object] = {}

    @property
    def writing(self) -> bool:
        return self._write is not None

    def route_writes(self) -> None:
        """Run the statements up to COMMIT or ROLLBACK on PostgreSQL (the store's write transaction)."""
        if self._write is None:
            self._write = self.source_cursor()
            for name, obj in self._registered.items():
                self._write.register(name, obj)

    def source_cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the PostgreSQL store itself (e.g. for a backup); the caller closes it."""
        cur = self._copy.duck.cursor()
        cur.execute(f"USE {self._copy.source}")
        return cur

    def _end_write(self) -> None:
        write, self._write = self._write, None
        write.close()  # and with it the transaction's temporary tables

    def execute(self, query, parameters=None):
        if self._write is None:
            return self._local.execute(query, parameters)
        end = _is_end(query) if isinstance(query, str) else None
        if end is None:
            return self._write.execute(query, parameters)
        try:
            self._write.execute(query, parameters)
        except BaseException:
            if end == "ROLLBACK":  # nothing is left open either way
                self._end_write()
            raise  # a failed COMMIT stays routed: the caller's ROLLBACK goes to PostgreSQL too
        self._end_write()
        if end == "COMMIT":
            try:  # this server shows its own write at once; if the refresh fails, the next page run's does it
                self._copy.sync()
            except duckdb.Error as e:
                print(
                    f"The local copy could not be refreshed after a write ({e}); the next page run will retry.", file=sys.stderr
                )
        return self._local

    def executemany(self, query, parameters=None):
        return (self._write or self._local).executemany(query, parameters)

    def register(self, name: str, obj):
        self._registered[name] = obj
        if self._write is not None:
            self._write.register(name, obj)
        return self._local.register(name, obj)

    def unregister(self, name: str):
        self._registered.pop(name, None)
        if self._write is not None:
            self._write.unregister(name)
        return self._local.unregister(name)

    def close(self) -> None:
        if self._write is not None:
            self._end_write()
        self._local.close()

    def cursor(self) -> CopyCursor:
        return self._copy.cursor()

    def _inner(self):
        return self._write or self._local

    def __repr__(self) -> str:
        return f"<local copy of {self._copy.label}{' (writing to PostgreSQL)' if self._write is not None else ''}>"
