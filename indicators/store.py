"""The store: schema and migrations, connections, and every SQL statement the app runs.

The store is a DuckDB file (the default) or, for several app servers, a PostgreSQL database that DuckDB
reaches through its postgres extension (`KPI_DB=postgresql://...`). DuckDB runs every query either way;
where PostgreSQL needs something else (sequences, the writers' lock, backups, each app server's local copy
for reading) the code branches on `is_postgres(conn)`, all in the section "PostgreSQL" below."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import importlib.metadata
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from indicators import replica
from indicators.access import Access, Forbidden
from indicators.bounds import MAX_NAME_CHARS
from indicators.config import ROOT, Config

DEFAULT_DB = ROOT / "data" / "kpi.duckdb"
SAMPLE_CSV = ROOT / "data" / "sample" / "observations.csv"
SCHEMA_VERSION = 8
TABLES = (
    "meta",
    "areas",
    "uploads",
    "observations",
    "observation_history",
    "commentary",
    "neighbours",
    "reminders_sent",
    # The improvement plan (indicators/plan_store.py): small tables, each copied whole to a server's local copy.
    "plan_changes",
    "plan_afis",
    "plan_actions",
    "plan_links",
    "plan_milestones",
    "plan_updates",
    "plan_history",
)
FIGURE_TYPES = ("published", "illustrative", "submitted")

OBS_COLUMNS = [
    "indicator_id",
    "area_code",
    "period",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "marker",
    "note",
    "figure_type",
    "source",
    "release",
]
# Every column an observation (and its kept earlier versions) carries, named so no statement depends on column order.
STORED_COLUMNS = OBS_COLUMNS + ["upload_id"]

# Each entry takes the schema from version N-1 to N; later issues append to it.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
        """CREATE TABLE areas (
            code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
            la_code VARCHAR, region VARCHAR)""",
        "CREATE SEQUENCE upload_id_seq START 1",
        """CREATE TABLE uploads (
            id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, file_name VARCHAR, content_hash VARCHAR,
            user_name VARCHAR, created_at TIMESTAMP NOT NULL,
            rows_new INTEGER NOT NULL DEFAULT 0, rows_changed INTEGER NOT NULL DEFAULT 0,
            rows_unchanged INTEGER NOT NULL DEFAULT 0, note VARCHAR)""",
        """CREATE TABLE observations (
            indicator_id VARCHAR NOT NULL, area_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
            period_start DATE NOT NULL, period_end DATE NOT NULL,
            value DOUBLE, numerator DOUBLE, denominator DOUBLE, marker VARCHAR, note VARCHAR,
            figure_type VARCHAR NOT NULL, source VARCHAR, upload_id INTEGER NOT NULL,
            PRIMARY KEY (indicator_id, area_code, period))""",
        # A changed figure keeps its earlier version here, with the upload that replaced it.
        """CREATE TABLE observation_history (
            indicator_id VARCHAR NOT NULL, area_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
            period_start DATE NOT NULL, period_end DATE NOT NULL,
            value DOUBLE, numerator DOUBLE, denominator DOUBLE, marker VARCHAR, note VARCHAR,
            figure_type VARCHAR NOT NULL, source VARCHAR, upload_id INTEGER NOT NULL,
            replaced_by INTEGER NOT NULL, replaced_at TIMESTAMP NOT NULL)""",
        "INSERT INTO meta VALUES ('data_version', '0')",
    ],
    2: [
        # Rollback: an upload remembers which later upload undid it. (No secondary indexes: DuckDB scans
        # a million rows in milliseconds, and an ART index would slow every large load.)
        "ALTER TABLE uploads ADD COLUMN rolled_back_by INTEGER",
    ],
    3: [
        # Commentary: every save is a new version; the latest per indicator, area and period is current.
        "CREATE SEQUENCE commentary_id_seq START 1",
        """CREATE TABLE commentary (
            id INTEGER PRIMARY KEY, indicator_id VARCHAR NOT NULL, area_code VARCHAR NOT NULL,
            period VARCHAR NOT NULL, data_shows VARCHAR NOT NULL, actions VARCHAR NOT NULL,
            next_review DATE, author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    ],
    4: [
        # Official statistics are revised: each figure keeps the release (vintage) it comes from, so an older
        # release imported after a newer one cannot overwrite the newer figures.
        "ALTER TABLE observations ADD COLUMN release VARCHAR",
        "ALTER TABLE observation_history ADD COLUMN release VARCHAR",
    ],
    5: [
        # Statistical neighbours of every local authority (the DfE's model, ten each, closest first).
        """CREATE TABLE neighbours (
            area_code VARCHAR NOT NULL, rank INTEGER NOT NULL, neighbour_code VARCHAR NOT NULL,
            closeness VARCHAR, source VARCHAR, PRIMARY KEY (area_code, rank))""",
    ],
    6: [],  # reserved for another branch
    7: [
        # Reminders of returns (python -m indicators remind): one row per person, kind (before, overdue, summary),
        # area, indicator and period, so a second run sends nothing new; a failed send is kept as failed and tried
        # again on the next run.
        """CREATE TABLE reminders_sent (
            recipient VARCHAR NOT NULL, kind VARCHAR NOT NULL, area_code VARCHAR NOT NULL,
            indicator_id VARCHAR NOT NULL, period VARCHAR NOT NULL, status VARCHAR NOT NULL,
            attempted_at TIMESTAMP NOT NULL, detail VARCHAR,
            PRIMARY KEY (recipient, kind, area_code, indicator_id, period))""",
    ],
    8: [
        # The improvement plan: areas for improvement, their actions, the indicators each action should move with
        # milestones (a value by a date), and dated progress updates. Every write is a plan change (who, when, what);
        # a row it replaces or removes is kept in plan_history as JSON with the change that replaced it.
        "CREATE SEQUENCE plan_change_id_seq START 1",
        """CREATE TABLE plan_changes (
            id INTEGER PRIMARY KEY, area_code VARCHAR NOT NULL, kind VARCHAR NOT NULL, user_name VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, file_name VARCHAR, note VARCHAR)""",
        """CREATE TABLE plan_afis (
            area_code VARCHAR NOT NULL, ref VARCHAR NOT NULL, title VARCHAR NOT NULL, detail VARCHAR,
            illustrative BOOLEAN NOT NULL DEFAULT false, change_id INTEGER NOT NULL, PRIMARY KEY (area_code, ref))""",
        """CREATE TABLE plan_actions (
            area_code VARCHAR NOT NULL, ref VARCHAR NOT NULL, afi_ref VARCHAR NOT NULL, title VARCHAR NOT NULL,
            owner VARCHAR, owner_email VARCHAR, lead_org VARCHAR, start_date DATE, due_date DATE,
            status VARCHAR NOT NULL, illustrative BOOLEAN NOT NULL DEFAULT false, change_id INTEGER NOT NULL,
            PRIMARY KEY (area_code, ref))""",
        """CREATE TABLE plan_links (
            area_code VARCHAR NOT NULL, action_ref VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL,
            change_id INTEGER NOT NULL, PRIMARY KEY (area_code, action_ref, indicator_id))""",
        """CREATE TABLE plan_milestones (
            area_code VARCHAR NOT NULL, action_ref VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL, due DATE NOT NULL,
            value DOUBLE NOT NULL, change_id INTEGER NOT NULL, PRIMARY KEY (area_code, action_ref, indicator_id, due))""",
        "CREATE SEQUENCE plan_update_id_seq START 1",
        """CREATE TABLE plan_updates (
            id INTEGER PRIMARY KEY, area_code VARCHAR NOT NULL, action_ref VARCHAR NOT NULL, update_date DATE NOT NULL,
            status VARCHAR NOT NULL, progress VARCHAR NOT NULL, evidence VARCHAR, author VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, change_id INTEGER NOT NULL)""",
        """CREATE TABLE plan_history (
            table_name VARCHAR NOT NULL, area_code VARCHAR NOT NULL, row_key VARCHAR NOT NULL, row_json VARCHAR NOT NULL,
            change_id INTEGER NOT NULL, replaced_by INTEGER NOT NULL, replaced_at TIMESTAMP NOT NULL)""",
    ],
}
# Each sequence and the table whose ids it gives.
SEQUENCES = {
    "upload_id_seq": "uploads",
    "commentary_id_seq": "commentary",
    "plan_change_id_seq": "plan_changes",
    "plan_update_id_seq": "plan_updates",
}
# Fault injection for the kill-mid-commit test: seconds to pause inside the write transaction.
PAUSE_ENV = "KPI_FAULT_PAUSE_IN_COMMIT"


class StoreError(Exception):
    """A database problem explained for a person: what happened and what to do."""


class StoreBusy(StoreError):
    pass


class StaleWrite(StoreError):
    """What a preview showed is no longer what a write would do; nothing was written."""


def db_path() -> Path | str:
    """KPI_DB: a DuckDB file (default data/kpi.duckdb), or a PostgreSQL URL, returned as the string it is."""
    value = (os.environ.get("KPI_DB") or "").strip()
    return value if is_postgres_url(value) else Path(value or DEFAULT_DB)


def _target(path: Path | str | None) -> Path | str:
    """The store to open: a PostgreSQL URL as given, anything else as a file path."""
    if not path:
        return db_path()
    return str(path) if is_postgres_url(path) else Path(path)


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


def schema_version(conn) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' "
        "AND table_catalog = current_database() AND table_schema = current_schema()"
    ).fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


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


def sync_areas(conn, config: Config) -> None:
    """Areas named in the config are inserted or renamed; areas added by imports are kept."""
    rows = [(a.code, a.name, a.level, a.la_code, a.region) for a in config.areas]
    # Only what differs: on PostgreSQL each row is a round trip (1.3 s for the 163 national areas at every start).
    held = set(conn.execute("SELECT code, name, level, la_code, region FROM areas").fetchall())
    rows = [r for r in rows if r not in held]
    if not rows:
        return
    conn.executemany(
        """INSERT INTO areas VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
             la_code = excluded.la_code, region = excluded.region""",
        rows,
    )


def add_areas(conn, rows: list[tuple[str, str, str, str | None, str | None]]) -> int:
    """Add areas not yet known (code, name, level, la_code, region); existing areas are left as they are.
    Returns how many were added. Runs inside the caller's transaction when there is one."""
    if not rows:
        return 0
    # The readers refuse longer names with the row (indicators/bounds.py); this is the last guard for any other way in.
    too_long = [r[0] for r in rows if len(str(r[1])) > MAX_NAME_CHARS]
    if too_long:
        raise StoreError(
            f"The name of {too_long[0]} is over {MAX_NAME_CHARS} characters long; names that long are refused. Nothing was written."
        )
    before = conn.execute("SELECT count(*) FROM areas").fetchone()[0]
    # One statement over a registered frame: executemany runs a statement per row (seconds for a national release).
    conn.register("new_areas", pd.DataFrame(rows, columns=["code", "name", "level", "la_code", "region"], dtype=object))
    try:
        conn.execute("INSERT INTO areas SELECT * FROM new_areas ON CONFLICT (code) DO NOTHING")
    finally:
        conn.unregister("new_areas")
    return conn.execute("SELECT count(*) FROM areas").fetchone()[0] - before


def data_version(conn) -> int:
    return int(conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])


def table_counts(conn) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def table_snapshot(conn) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: used to prove a refused load changed nothing."""
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


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


# Compares incoming rows (alias i) with stored ones (alias o): the one definition of new / changed / unchanged.
_CHANGE_SQL = """
    CASE WHEN o.indicator_id IS NULL THEN 'new'
         WHEN i.value IS NOT DISTINCT FROM o.value AND i.numerator IS NOT DISTINCT FROM o.numerator
          AND i.denominator IS NOT DISTINCT FROM o.denominator AND i.marker IS NOT DISTINCT FROM o.marker
          AND i.note IS NOT DISTINCT FROM o.note AND i.figure_type = o.figure_type
          AND i.source IS NOT DISTINCT FROM o.source AND i.release IS NOT DISTINCT FROM o.release THEN 'unchanged'
         ELSE 'changed' END"""


def _incoming(rows: pd.DataFrame, seq: bool = False):
    """Tidy rows as an Arrow table of the stored column types, to register with DuckDB: scanning Arrow is many times
    faster than scanning a frame of Python objects (100,000 rows: milliseconds, not a third of a second). `seq`
    numbers the rows in file order, for a preview that shows them in that order."""
    import pyarrow as pa  # only loads need it

    frame = rows[OBS_COLUMNS]
    try:
        table = pa.Table.from_pandas(frame, schema=_arrow_schema(), preserve_index=False, nthreads=1)
    except (pa.ArrowException, TypeError, ValueError):
        return frame.assign(seq=range(len(frame))) if seq else frame  # anything Arrow will not take: DuckDB reads the frame
    return table.append_column("seq", pa.array(range(len(frame)), pa.int64())) if seq else table


@functools.cache
def _arrow_schema():
    import pyarrow as pa

    kind = {"period_start": pa.date32(), "period_end": pa.date32()}
    kind.update(dict.fromkeys(("value", "numerator", "denominator"), pa.float64()))
    return pa.schema([(c, kind.get(c, pa.string())) for c in OBS_COLUMNS])


def _stored_for(conn, rows: pd.DataFrame) -> str:
    """The stored observations a comparison with `rows` can touch, as a query. DuckDB joins the whole table by hash
    (100,500 rows against 782,400 stored: 0.12 s, against 0.24-0.5 s when first filtered by lists of indicators and
    areas); PostgreSQL is sent those lists, so that it does not send its whole table back."""

    def listed(values) -> str:
        return ", ".join(_sql_text(str(v)) for v in sorted(pd.unique(values)))

    if rows.empty:
        return "(SELECT * FROM observations WHERE false)"
    if not is_postgres(conn):
        return "observations"
    return (
        f"(SELECT * FROM observations WHERE indicator_id IN ({listed(rows['indicator_id'])}) "
        f"AND area_code IN ({listed(rows['area_code'])}))"
    )


def diff(conn, rows: pd.DataFrame, limit: int | None = None) -> tuple[dict[str, int], pd.DataFrame]:
    """Compare tidy rows with what is stored: counts of new / changed / unchanged, and the rows with their
    old values (at most `limit` of each kind, so previewing a huge file does not copy it all back)."""
    conn.register("incoming", _incoming(rows, seq=True))
    try:
        # The comparison keeps only each row's number and what it is compared with; the rows shown are joined back.
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE compared AS
            SELECT i.seq, o.value AS old_value, o.marker AS old_marker, o.figure_type AS old_figure_type,
                   o.release AS old_release, o.numerator AS old_numerator, o.denominator AS old_denominator,
                   o.note AS old_note, o.source AS old_source, {_CHANGE_SQL} AS change
            FROM incoming i LEFT JOIN {_stored_for(conn, rows)} o USING (indicator_id, area_code, period)""")
        counts = dict(conn.execute("SELECT change, count(*) FROM compared GROUP BY 1").fetchall())
        where = "" if limit is None else f"QUALIFY row_number() OVER (PARTITION BY change ORDER BY seq) <= {int(limit)}"
        table = conn.execute(f"""
            SELECT i.* EXCLUDE (seq), c.* EXCLUDE (seq) FROM (SELECT * FROM compared {where}) c
            JOIN incoming i USING (seq) ORDER BY i.seq""").df()
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.compared")
        conn.unregister("incoming")
    return {k: int(counts.get(k, 0)) for k in ("new", "changed", "unchanged")}, table


class UnconfirmedSlips(StoreError):
    """Figures that look mistyped (indicators.slips) were not confirmed by the person; nothing was written."""

    def __init__(self, slips):
        self.slips = slips
        listed = "; ".join(f"{s.indicator_id}, {s.area_code}, {s.period}: {s.value:g}" for s in slips[:5])
        more = f" and {len(slips) - 5} more" if len(slips) > 5 else ""
        super().__init__(
            f"{len(slips)} figure(s) look mistyped and were not confirmed ({listed}{more}). Nothing was written: "
            "correct them, or confirm each one in the preview (on the command line: load --confirm-warnings)."
        )


def recent_ranges(conn, todo: str = "todo", rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each new or changed figure in the table `todo` (with a `change` column), its series' recent range: how
    many of the last slips.RECENT stored figures before its period there are (n), their lowest and highest."""
    from indicators.slips import RECENT

    stored = _stored_for(conn, rows) if rows is not None else "observations"
    return conn.execute(f"""
        WITH cand AS (
            SELECT t.indicator_id, t.area_code, t.period, t.value, o.value AS v,
                   row_number() OVER (PARTITION BY t.indicator_id, t.area_code, t.period ORDER BY o.period_start DESC) AS k
            FROM {todo} t JOIN {stored} o
              ON o.indicator_id = t.indicator_id AND o.area_code = t.area_code AND o.period_start < t.period_start
            WHERE t.change IN ('new', 'changed') AND t.value IS NOT NULL AND o.value IS NOT NULL)
        SELECT indicator_id, area_code, period, any_value(value) AS value, count(*) AS n, min(v) AS lo, max(v) AS hi
        FROM cand WHERE k <= {int(RECENT)} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""").df()


def slip_ranges(conn, rows: pd.DataFrame) -> pd.DataFrame:
    """recent_ranges for tidy rows not yet written (the preview): each compared with what is stored first."""
    conn.register("incoming", _incoming(rows))
    try:
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE slip_todo AS
            SELECT i.indicator_id, i.area_code, i.period, i.period_start, i.value, {_CHANGE_SQL} AS change
            FROM incoming i LEFT JOIN {_stored_for(conn, rows)} o USING (indicator_id, area_code, period)""")
        return recent_ranges(conn, "temp.slip_todo", rows)
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.slip_todo")
        conn.unregister("incoming")


def write_observations(
    conn,
    rows: pd.DataFrame,
    *,
    access: Access,
    kind: str,
    file_name: str | None = None,
    content_hash: str | None = None,
    note: str | None = None,
    new_areas: list[tuple] | None = None,
    expected: tuple[int, int] | None = None,
    config: Config | None = None,
    confirmed: frozenset | set = frozenset(),
) -> WriteSummary:
    """Write tidy rows in one transaction: all of them or, on any failure, none.

    `access` is who is writing: checked here, whatever a page or command checked before (their own indicators;
    published figures, official series and figures for England and the regions only for an administrator).
    The comparison with stored figures is made again inside the transaction, so a preview that went stale
    (someone else loaded in between) can never write a wrong "changed" count or lose a figure; with `expected`
    (new, changed) as the preview showed them, a write that would now do anything else is refused.
    A lead's upload (`kind` "upload"; `config` defaults to KPI_CONFIG's) is refused if a figure looks mistyped (indicators.slips: 0.8 for
    80%, a count ten times out) and its key is not among `confirmed`; the check runs here, inside the transaction.
    """
    _require_write(conn, access, rows, new_areas)
    conn.register("incoming", _incoming(rows))
    _begin_write(conn)
    try:
        if new_areas:  # areas first named by this file (e.g. a DfE release) go in with its figures, or not at all
            add_areas(conn, new_areas)
        # What each row would do, with the figure it replaces (kept in the history), in one join.
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE todo AS
            SELECT i.*, {_CHANGE_SQL} AS change, {", ".join(f"o.{c} AS old_{c}" for c in STORED_COLUMNS[3:])}
            FROM incoming i LEFT JOIN {_stored_for(conn, rows)} o USING (indicator_id, area_code, period)""")
        new, changed, unchanged = conn.execute(
            "SELECT count(*) FILTER (change = 'new'), count(*) FILTER (change = 'changed'), "
            "count(*) FILTER (change = 'unchanged') FROM todo"
        ).fetchone()
        if expected is not None and (new, changed) != tuple(expected):
            raise StaleWrite(
                f"The figures changed since this file was checked (someone else loaded or rolled back figures): it would "
                f"now add {new} and change {changed}, not {expected[0]} and {expected[1]} as the preview said. Nothing was "
                "written; check the file again and confirm the new preview."
            )
        if new == 0 and changed == 0:
            conn.execute("ROLLBACK")
            return WriteSummary(None, 0, 0, int(unchanged))
        if kind == "upload":
            from indicators import config as config_mod
            from indicators import slips  # the check any write of a lead's figures passes, whoever called

            config = config or config_mod.load()  # not skipped by leaving the indicators out
            found = slips.find(recent_ranges(conn, "temp.todo", rows), config)
            unconfirmed = [s for s in found if s.key not in confirmed]
            if unconfirmed:
                raise UnconfirmedSlips(unconfirmed)
        upload_id = _next_id(conn, "upload_id_seq")
        now = dt.datetime.now().replace(microsecond=0)
        conn.execute(
            "INSERT INTO uploads (id, kind, file_name, content_hash, user_name, created_at, rows_new, "
            "rows_changed, rows_unchanged, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [upload_id, kind, file_name, content_hash, access.user, now, new, changed, unchanged, note],
        )
        if changed:
            conn.execute(
                f"""
                INSERT INTO observation_history ({", ".join(STORED_COLUMNS)}, replaced_by, replaced_at)
                SELECT {", ".join(STORED_COLUMNS[:3] + [f"old_{c}" for c in STORED_COLUMNS[3:]])}, ?, ?
                FROM todo WHERE change = 'changed'""",
                [upload_id, now],
            )
            if is_postgres(conn):
                # DuckDB's postgres scanner runs an UPDATE a row at a time (10 s for 90,000 figures); its INSERT …
                # ON CONFLICT goes in batches, three times faster.
                conn.execute(
                    f"""
                    INSERT INTO observations ({", ".join(STORED_COLUMNS)})
                    SELECT {", ".join(OBS_COLUMNS)}, ? FROM todo WHERE change = 'changed'
                    ON CONFLICT (indicator_id, area_code, period) DO UPDATE SET
                      {", ".join(f"{c} = excluded.{c}" for c in OBS_COLUMNS[3:] + ["upload_id"])}""",
                    [upload_id],
                )
            else:
                # Changed figures are updated in place, joined by key; new ones below are plain inserts. (ON CONFLICT
                # for all of them looks each row up in the primary-key index one at a time.)
                conn.execute(
                    f"""
                    UPDATE observations SET {", ".join(f"{c} = t.{c}" for c in OBS_COLUMNS[3:])}, upload_id = ?
                    FROM todo t
                    WHERE t.change = 'changed' AND observations.indicator_id = t.indicator_id
                      AND observations.area_code = t.area_code AND observations.period = t.period""",
                    [upload_id],
                )
        if new:
            conn.execute(
                f"""
                INSERT INTO observations ({", ".join(STORED_COLUMNS)})
                SELECT {", ".join(OBS_COLUMNS)}, ? FROM todo WHERE change = 'new'""",
                [upload_id],
            )
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        raise
    finally:
        with contextlib.suppress(duckdb.Error):  # after a failed write the database may refuse even this
            conn.execute("DROP TABLE IF EXISTS temp.todo")
            conn.unregister("incoming")
    return WriteSummary(int(upload_id), int(new), int(changed), int(unchanged))


def _require_write(conn, access: Access, rows: pd.DataFrame, new_areas: list[tuple] | None) -> None:
    """Refuse (Forbidden, nothing written) figures this person may not write."""
    access.require_upload(set(rows["indicator_id"]))
    if access.admin:
        return
    if (rows["figure_type"] != "submitted").any():
        raise Forbidden(
            f"{access.user} may load only submitted figures; published and illustrative figures are loaded by "
            "an administrator or the official import. Nothing was written."
        )
    levels = dict(conn.execute("SELECT code, level FROM areas").fetchall())
    levels.update({a[0]: a[2] for a in new_areas or []})
    wide = sorted({c for c in rows["area_code"] if levels.get(c) not in ("local_authority", "provider")})
    if wide:
        raise Forbidden(
            f"{access.user} may not load figures for {', '.join(wide)}: figures for England and the regions "
            "are loaded by an administrator or the official import. Nothing was written."
        )


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
CHECKPOINT_THRESHOLD = "256MiB"
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


def uploads(conn) -> pd.DataFrame:
    """Every upload, newest first, with who, when, what changed and whether it was rolled back."""
    return conn.execute("""
        SELECT id, kind, file_name, content_hash, user_name, created_at, rows_new, rows_changed, rows_unchanged,
               note, rolled_back_by
        FROM uploads ORDER BY id DESC""").df()


def upload_figures(conn, upload_id: int) -> pd.DataFrame:
    """The figures one upload added or changed, as it wrote them (even those replaced since), with the figure each
    replaced: indicator_id, area_code, period, period_start, value, marker, old_value, old_marker, change."""
    return conn.execute(
        """
        WITH mine AS (
            SELECT indicator_id, area_code, period, period_start, value, marker FROM observations WHERE upload_id = $1
            UNION ALL
            SELECT indicator_id, area_code, period, period_start, value, marker FROM observation_history WHERE upload_id = $1),
        replaced AS (
            SELECT indicator_id, area_code, period, any_value(value) AS old_value, any_value(marker) AS old_marker
            FROM observation_history WHERE replaced_by = $1 GROUP BY ALL)
        SELECT m.*, r.old_value, r.old_marker,
               CASE WHEN r.indicator_id IS NULL THEN 'new' ELSE 'changed' END AS change
        FROM mine m LEFT JOIN replaced r USING (indicator_id, area_code, period)
        ORDER BY m.indicator_id, m.area_code, m.period_start""",
        [int(upload_id)],
    ).df()


def upload_with_hash(conn, content_hash: str) -> tuple | None:
    return conn.execute(
        "SELECT id, file_name, created_at FROM uploads WHERE content_hash = ? ORDER BY id DESC LIMIT 1", [content_hash]
    ).fetchone()


# Typed on the Upload history page before the sample data may be rolled back there (the CLI needs only the id).
SAMPLE_CONFIRMATION = "roll back the sample data"
ROLLBACK_RACE = (
    "Someone else changed the upload history at the same moment; nothing was done. Look at the history again and choose."
)


@dataclass(frozen=True)
class RollbackPlan:
    """What rolling back one upload would do, as the page shows it; the rollback refuses if it no longer holds."""

    upload_id: int
    kind: str
    file_name: str | None
    user_name: str | None
    created_at: dt.datetime
    remove: int  # figures the upload added, which go
    restore: int  # figures the upload changed, which get their earlier values back
    rolled_back_by: int | None
    blocked_by: tuple[int, ...]  # later uploads, still standing, that changed some of the same figures

    @property
    def described(self) -> str:
        """e.g. "upload 2 (q.csv, loaded by lead on 3 June 2026 at 10:15)"."""
        when = f"{self.created_at:%-d %B %Y at %H:%M}" if self.created_at else "an unknown time"
        return f"upload {self.upload_id} ({self.file_name or 'no file name'}, loaded by {self.user_name or 'unknown'} on {when})"

    @property
    def effect(self) -> str:
        return f"{self.remove} figure(s) removed, {self.restore} restored to their earlier values"


def rollback_plan(conn, upload_id: int) -> RollbackPlan:
    """What rolling back UPLOAD_ID would do now; StoreError if there is no such upload."""
    row = conn.execute(
        "SELECT kind, file_name, user_name, created_at, rolled_back_by FROM uploads WHERE id = ?", [upload_id]
    ).fetchone()
    if row is None:
        raise StoreError(
            f"There is no upload {upload_id}; the Upload history page (or `python -m indicators history`) "
            "lists them. Nothing was done."
        )
    kind, file_name, user_name, created_at, done_by = row
    current = conn.execute("SELECT count(*) FROM observations WHERE upload_id = ?", [upload_id]).fetchone()[0]
    restored = conn.execute("SELECT count(*) FROM observation_history WHERE replaced_by = ?", [upload_id]).fetchone()[0]
    # Later uploads that replaced this one's figures and still stand (not themselves undone).
    later = tuple(
        int(r[0])
        for r in conn.execute(
            """
        SELECT DISTINCT h.replaced_by FROM observation_history h JOIN uploads u ON u.id = h.replaced_by
        WHERE h.upload_id = ? AND u.kind <> 'rollback' AND u.rolled_back_by IS NULL ORDER BY 1""",
            [upload_id],
        ).fetchall()
    )
    return RollbackPlan(
        int(upload_id),
        kind,
        file_name,
        user_name,
        created_at,
        int(current - restored),
        int(restored),
        None if done_by is None else int(done_by),
        later,
    )


def _refusal(plan: RollbackPlan, conn, expected: RollbackPlan | None, confirm_sample: str | None) -> str | None:
    """Why this rollback must not happen now, or None. Checked inside the write transaction."""
    n = plan.upload_id
    if plan.rolled_back_by is not None:
        by = conn.execute("SELECT user_name, created_at FROM uploads WHERE id = ?", [plan.rolled_back_by]).fetchone()
        who = f" ({by[0]}, {by[1]:%-d %B %Y at %H:%M})" if by else ""
        return f"Upload {n} was already rolled back by upload {plan.rolled_back_by}{who}; nothing was done."
    if plan.kind == "rollback":
        return f"Upload {n} is itself a rollback; to put those figures back, upload the file again. Nothing was done."
    if plan.blocked_by:
        return (
            f"Upload {n} cannot be rolled back on its own: upload(s) {', '.join(map(str, plan.blocked_by))} changed "
            "some of the same figures afterwards. Roll those back first, newest first. Nothing was done."
        )
    if plan.kind == "sample" and confirm_sample != SAMPLE_CONFIRMATION:
        return (
            f"Upload {n} is the sample data ({plan.remove + plan.restore} figures); rolling it back removes every sample "
            f'figure and cannot itself be undone. To do it, type "{SAMPLE_CONFIRMATION}" on the Upload history page, '
            f"or run `python -m indicators rollback {n}`. Nothing was done."
        )
    if expected is not None:
        if expected.upload_id != n:
            return f"The rollback asked for upload {n} but was shown upload {expected.upload_id}; nothing was done."
        if (expected.remove, expected.restore) != (plan.remove, plan.restore):
            return (
                f"Upload {n} changed since it was shown: rolling it back would now mean {plan.effect}, not "
                f"{expected.effect} as shown; nothing was done. Look at the history again and choose."
            )
    return None


class _Conflict(Exception):
    """DuckDB refused this rollback's transaction because another committed the same rows first."""


def rollback(
    conn, upload_id: int, access: Access, *, expected: RollbackPlan | None = None, confirm_sample: str | None = None
) -> WriteSummary:
    """Undo one upload exactly: figures it added are removed, figures it changed get their earlier values back.

    Refused, with nothing done, when the upload was already rolled back, is a rollback, has had some of its figures
    changed by a later upload (roll that back first, so nothing anyone uploaded afterwards is silently lost), is the
    sample data (unless `confirm_sample` is SAMPLE_CONFIRMATION), or no longer does what `expected` (the plan the
    person was shown) said. The rollback is itself recorded as an upload whose note names the file, who loaded it
    and when, and what was removed and restored.
    """
    access.require_admin("roll back an upload")
    for pause in (0.1, 0.3, 1.0):
        try:
            return _rollback_once(conn, upload_id, access.user, expected, confirm_sample)
        except _Conflict:
            # Another rollback (a second tab, another admin) committed first: look again, in a new transaction,
            # where the checks will now say why this one must not happen (or let it, if it still may).
            time.sleep(pause)
    raise StoreError(ROLLBACK_RACE)


def _rollback_once(
    conn, upload_id: int, user_name: str | None, expected: RollbackPlan | None, confirm_sample: str | None
) -> WriteSummary:
    # The checks run inside the write transaction, so two people (or app servers) cannot undo one upload twice.
    _begin_write(conn)
    try:
        plan = rollback_plan(conn, upload_id)
        why = _refusal(plan, conn, expected, confirm_sample)
        if why:
            raise StoreError(why)
        rb_id = _next_id(conn, "upload_id_seq")
        now = dt.datetime.now().replace(microsecond=0)
        note = f"Rolled back {plan.described}: {plan.effect}."
        conn.execute(
            "INSERT INTO uploads (id, kind, file_name, user_name, created_at, rows_new, rows_changed, rows_unchanged, note) "
            "VALUES (?, 'rollback', NULL, ?, ?, 0, ?, 0, ?)",
            [rb_id, user_name or os_user(), now, plan.remove + plan.restore, note],
        )
        cols = ", ".join(STORED_COLUMNS)
        conn.execute(
            f"INSERT INTO observation_history ({cols}, replaced_by, replaced_at) SELECT {cols}, ?, ? FROM observations "
            "WHERE upload_id = ?",
            [rb_id, now, upload_id],
        )
        conn.execute("DELETE FROM observations WHERE upload_id = ?", [upload_id])
        conn.execute(
            f"INSERT INTO observations ({cols}) SELECT {cols} FROM observation_history WHERE replaced_by = ?", [upload_id]
        )
        conn.execute("UPDATE uploads SET rolled_back_by = ? WHERE id = ?", [rb_id, upload_id])
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        if not isinstance(e, StoreError) and (isinstance(e, duckdb.TransactionException) or "conflict" in str(e).lower()):
            raise _Conflict(str(e)) from e
        raise
    return WriteSummary(int(rb_id), 0, int(plan.remove + plan.restore), 0, note)


# ---------------------------------------------------------------- queries that feed pages


def areas(conn) -> pd.DataFrame:
    return conn.execute("""
        SELECT code, name, level, la_code, region FROM areas
        ORDER BY CASE level WHEN 'local_authority' THEN 0 WHEN 'regional' THEN 1 ELSE 2 END, name""").df()


def latest(conn, area_code: str, spark_points: int = 12, as_of: dt.date | None = None) -> pd.DataFrame:
    """Each indicator's latest observation for one area (ending on or before `as_of`, if given), with the
    previous period, the same period a year earlier, and the last `spark_points` values for a sparkline."""
    return conn.execute(
        """
        WITH s AS (
            SELECT *, row_number() OVER (PARTITION BY indicator_id ORDER BY period_start DESC) AS rn
            FROM observations WHERE area_code = $area AND ($as_of IS NULL OR period_end <= $as_of)
        ), spark AS (
            SELECT indicator_id, list(value ORDER BY period_start) AS spark
            FROM s WHERE rn <= $n GROUP BY indicator_id
        )
        SELECT l.indicator_id, l.period, l.period_start, l.period_end, l.value, l.numerator, l.denominator,
               l.marker, l.note, l.figure_type, l.source,
               p.period AS prev_period, p.value AS prev_value,
               y.period AS year_ago_period, y.value AS year_ago_value,
               spark.spark
        FROM s l
        LEFT JOIN s p ON p.indicator_id = l.indicator_id AND p.period_end = l.period_start - INTERVAL 1 DAY
        LEFT JOIN s y ON y.indicator_id = l.indicator_id AND y.period_start = l.period_start - INTERVAL 1 YEAR
        LEFT JOIN spark ON spark.indicator_id = l.indicator_id
        WHERE l.rn = 1
    """,
        {"area": area_code, "n": spark_points, "as_of": as_of},
    ).df()


def series(conn, indicator_id: str, area_code: str, as_of: dt.date | None = None) -> pd.DataFrame:
    return conn.execute(
        """
        SELECT o.period, o.period_start, o.period_end, o.value, o.numerator, o.denominator, o.marker, o.note,
               o.figure_type, o.source, o.upload_id, u.kind AS upload_kind, u.file_name AS upload_file
        FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id
        WHERE o.indicator_id = $ind AND o.area_code = $area AND ($as_of IS NULL OR o.period_end <= $as_of)
        ORDER BY o.period_start""",
        {"ind": indicator_id, "area": area_code, "as_of": as_of},
    ).df()


def replace_neighbours(conn, rows: list[tuple], access: Access) -> int:
    """Replace the statistical neighbours with a new model (area_code, rank, neighbour_code, closeness, source),
    in one transaction. Administrators only. Returns how many rows are stored."""
    access.require_admin("replace the statistical neighbours")
    _begin_write(conn)
    try:
        conn.execute("DELETE FROM neighbours")
        conn.register(
            "new_neighbours", pd.DataFrame(rows, columns=["area_code", "rank", "neighbour_code", "closeness", "source"])
        )
        try:
            conn.execute("INSERT INTO neighbours SELECT * FROM new_neighbours")
        finally:
            conn.unregister("new_neighbours")
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        raise
    return len(rows)


def neighbours(conn, area_code: str) -> pd.DataFrame:
    """An area's statistical neighbours, closest first: rank, code, name, closeness."""
    return conn.execute(
        """
        SELECT n.rank, n.neighbour_code AS code, coalesce(a.name, n.neighbour_code) AS name, n.closeness, n.source
        FROM neighbours n LEFT JOIN areas a ON a.code = n.neighbour_code
        WHERE n.area_code = ? ORDER BY n.rank""",
        [area_code],
    ).df()


# ---------------------------------------------------------------- the read model's queries (indicators/readmodel.py)


def area_row(conn, area_code: str) -> tuple | None:
    """(code, name, level, region code, region name) of one area."""
    return conn.execute(
        """SELECT a.code, a.name, a.level, a.region, r.name FROM areas a LEFT JOIN areas r ON r.code = a.region
                           WHERE a.code = ?""",
        [area_code],
    ).fetchone()


def area_names(conn, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(conn.execute(f"SELECT code, name FROM areas WHERE code IN ({', '.join('?' * len(codes))})", codes).fetchall())


def neighbour_rows(conn, area_code: str) -> list[tuple]:
    """(code, name, closeness) of an area's statistical neighbours, closest first."""
    return conn.execute(
        """
        SELECT n.neighbour_code, coalesce(a.name, n.neighbour_code), n.closeness FROM neighbours n
        LEFT JOIN areas a ON a.code = n.neighbour_code WHERE n.area_code = ? ORDER BY n.rank""",
        [area_code],
    ).fetchall()


def area_observations(conn, area_code: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every figure of one area (up to the end date `as_of`), every indicator at once, in period order."""
    df = conn.execute(
        """
        SELECT o.indicator_id, o.period, o.period_start, o.period_end, o.value, o.numerator, o.denominator, o.marker,
               o.note, o.figure_type, o.source, o.release, u.file_name AS upload_file
        FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id
        WHERE o.area_code = $area AND ($as_of IS NULL OR o.period_end <= $as_of)
        ORDER BY o.indicator_id, o.period_start""",
        {"area": area_code, "as_of": as_of},
    ).df()
    return _plain(df, dates=("period_start", "period_end"))


def observations_of(conn, codes: list[str], indicator_ids: list[str], as_of: dt.date | None = None) -> pd.DataFrame:
    """Every figure of some areas on some indicators (a council's NHS partners on the NHS indicators), as
    area_observations gives them with the area's code."""
    df = conn.execute(
        f"""
        SELECT o.area_code, o.indicator_id, o.period, o.period_start, o.period_end, o.value, o.numerator, o.denominator,
               o.marker, o.note, o.figure_type, o.source, o.release, u.file_name AS upload_file
        FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id
        WHERE o.area_code IN ({", ".join("?" * len(codes))}) AND o.indicator_id IN ({", ".join("?" * len(indicator_ids))})
          AND (? IS NULL OR o.period_end <= ?)
        ORDER BY o.indicator_id, o.period_start""",
        [*codes, *indicator_ids, as_of, as_of],
    ).df()
    return _plain(df, dates=("period_start", "period_end"))


def _plain(df: pd.DataFrame, dates=()) -> pd.DataFrame:
    """Plain Python strings and dates: pandas 3 would make Arrow strings and timestamps, slow to walk one by one."""
    for c in df.columns:
        if c in dates:
            df[c] = pd.to_datetime(df[c]).dt.date
        elif pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].astype(object)
    return df


def comparator_values(conn, codes: list[str], exclude: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every figure of the comparator areas (England, the region, neighbours…), every indicator at once."""
    if not codes:
        return pd.DataFrame(columns=["indicator_id", "area_code", "area_name", "period", "period_start", "value"])
    return (
        conn.execute(
            f"""
        SELECT o.indicator_id, o.area_code, a.name AS area_name, o.period, o.period_start, o.value FROM observations o
        JOIN areas a ON a.code = o.area_code
        WHERE o.area_code IN ({", ".join("?" * len(codes))}) AND o.value IS NOT NULL AND o.area_code <> ?
          AND (? IS NULL OR o.period_end <= ?)""",
            [*codes, exclude, as_of, as_of],
        )
        .df()
        .pipe(_plain, dates=("period_start",))
    )


def standing_among_las(conn, area_code: str, pairs: pd.DataFrame, exclude: list[str] = ()) -> pd.DataFrame:
    """For each (indicator_id, period) in `pairs`: how many local authorities have a figure, and how many are above
    and below this area's (for a competition ranking in either direction). With a `decimals` column in `pairs`, the
    figures are compared as published: rounded half-up to that many decimals (in decimal arithmetic). Areas in
    `exclude` take no part."""
    if pairs.empty:
        return pd.DataFrame(columns=["indicator_id", "period", "n_las", "rank_high", "rank_low"])
    if "decimals" not in pairs.columns:
        pairs = pairs.assign(decimals=12)
    pairs = pairs.assign(decimals=pairs["decimals"].astype("int64"))
    skip = list(exclude) or [""]
    conn.register("wanted_pairs", pairs)
    try:
        return conn.execute(
            f"""
            WITH la AS (
                SELECT o.indicator_id, o.period, o.area_code,
                       CASE w.decimals {" ".join(f"WHEN {d} THEN CAST(round(CAST(o.value AS DECIMAL(38, 12)), {d}) AS DECIMAL(38, 12))" for d in range(5))}
                            ELSE CAST(o.value AS DECIMAL(38, 12)) END AS value FROM observations o
                JOIN wanted_pairs w USING (indicator_id, period) JOIN areas a ON a.code = o.area_code
                WHERE a.level = 'local_authority' AND o.value IS NOT NULL
                  AND o.area_code NOT IN ({", ".join("?" for _ in skip)})),
            mine AS (SELECT indicator_id, period, value AS mine FROM la WHERE area_code = ?)
            SELECT indicator_id, period, count(*) AS n_las,
                   count(*) FILTER (WHERE value > mine) + 1 AS rank_high, count(*) FILTER (WHERE value < mine) + 1 AS rank_low
            FROM la JOIN mine USING (indicator_id, period) GROUP BY ALL""",
            [*skip, area_code],
        ).df()
    finally:
        conn.unregister("wanted_pairs")


def la_figures(conn, indicator_id: str, period: str) -> pd.DataFrame:
    """Every local authority's figure for one indicator and period, with its region."""
    return conn.execute(
        """
        SELECT o.area_code AS code, a.name, a.region, r.name AS region_name, o.value, o.marker
        FROM observations o JOIN areas a ON a.code = o.area_code LEFT JOIN areas r ON r.code = a.region
        WHERE o.indicator_id = ? AND o.period = ? AND a.level = 'local_authority'""",
        [indicator_id, period],
    ).df()


def value_at(conn, indicator_id: str, area_code: str, period: str) -> float | None:
    """One figure (None when there is none): England's, say, for the year a league table shows."""
    row = conn.execute(
        "SELECT value FROM observations WHERE indicator_id = ? AND area_code = ? AND period = ?",
        [indicator_id, area_code, period],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def la_periods(conn, indicator_id: str) -> list[str]:
    """The periods for which local authorities have figures for an indicator, newest first."""
    return [
        r[0]
        for r in conn.execute(
            """
        SELECT o.period FROM observations o JOIN areas a ON a.code = o.area_code
        WHERE o.indicator_id = ? AND a.level = 'local_authority' AND o.value IS NOT NULL
        GROUP BY o.period ORDER BY min(o.period_start) DESC""",
            [indicator_id],
        ).fetchall()
    ]


def areas_with_data(conn, indicator_id: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT area_code FROM observations WHERE indicator_id = ? ORDER BY 1", [indicator_id]
        ).fetchall()
    ]


# ---------------------------------------------------------------- opening the store for the app and the CLI


def open_store(
    config: Config, path: Path | str | None = None, *, on_wait=None, load_sample: Callable | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (creating on first use) the database, migrate it, sync areas, and fill a brand-new one with the
    sample data through `load_sample(conn)`. A PostgreSQL store is new when it has no dashboard tables yet."""
    path = _target(path)
    pg = isinstance(path, str)
    is_new = not pg and not path.exists()
    conn = connect(path, on_wait=on_wait)
    try:
        if pg:
            is_new = schema_version(conn) == 0
        migrate(conn)
        if pg:
            _prepare_postgres(conn)
        sync_areas(conn, config)
        if is_new and load_sample is not None:
            load_sample(conn)
    except BaseException:
        if pg and is_new:  # never leave a half-made database for the next start to trust
            _drop_unused_postgres_store(conn)
        conn.close()
        if is_new and not pg:
            for p in (path, Path(str(path) + ".wal")):
                p.unlink(missing_ok=True)
        raise
    return conn


# ---------------------------------------------------------------- commentary

COMMENTARY_MAX_CHARS = 4000


def save_commentary(
    conn, indicator_id: str, area_code: str, period: str, data_shows: str, actions: str, next_review: dt.date | None, author: str
) -> int:
    """Store a new version of the commentary (earlier versions are kept); returns its id."""
    for name, text in (("What the data shows", data_shows), ("Actions", actions)):
        if len(text) > COMMENTARY_MAX_CHARS:
            raise StoreError(f"{name} is {len(text):,} characters; keep each part under {COMMENTARY_MAX_CHARS:,}.")
    if not (data_shows.strip() or actions.strip()):
        raise StoreError("The commentary is empty; write what the data shows, the actions, or both.")
    _begin_write(conn)
    try:
        cid = _next_id(conn, "commentary_id_seq")
        conn.execute(
            "INSERT INTO commentary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cid,
                indicator_id,
                area_code,
                period,
                data_shows.strip(),
                actions.strip(),
                next_review,
                author,
                dt.datetime.now().replace(microsecond=0),
            ],
        )
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        raise
    return int(cid)


def commentary_versions(conn, indicator_id: str, area_code: str, period: str | None = None) -> pd.DataFrame:
    """Every version, newest first; for one period, or for all periods of the indicator and area."""
    where, params = "indicator_id = ? AND area_code = ?", [indicator_id, area_code]
    if period is not None:
        where += " AND period = ?"
        params.append(period)
    return conn.execute(f"SELECT * FROM commentary WHERE {where} ORDER BY id DESC", params).df()


def latest_commentary(conn, area_code: str) -> pd.DataFrame:
    """The current commentary for every indicator and period of one area."""
    return conn.execute(
        """
        SELECT * FROM commentary WHERE area_code = ?
        QUALIFY row_number() OVER (PARTITION BY indicator_id, period ORDER BY id DESC) = 1""",
        [area_code],
    ).df()


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


def is_postgres_url(target) -> bool:
    return isinstance(target, str) and target.strip().lower().startswith(("postgresql://", "postgres://"))


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


class PostgresConnection:
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

    def __getattr__(self, name):
        return getattr(self._duck, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

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
