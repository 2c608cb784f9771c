"""The DuckDB store: schema and migrations, connections, and every SQL statement the app runs."""
from __future__ import annotations

import datetime as dt
import getpass
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from indicators.config import ROOT, Config

DEFAULT_DB = ROOT / "data" / "kpi.duckdb"
SAMPLE_CSV = ROOT / "data" / "sample" / "observations.csv"
SCHEMA_VERSION = 1
TABLES = ("meta", "areas", "uploads", "observations", "observation_history")
FIGURE_TYPES = ("published", "illustrative", "submitted")

OBS_COLUMNS = ["indicator_id", "area_code", "period", "period_start", "period_end", "value", "numerator",
               "denominator", "marker", "note", "figure_type", "source"]

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
        "CREATE INDEX obs_area ON observations (area_code, indicator_id, period_start)",
        "INSERT INTO meta VALUES ('data_version', '0')",
    ],
}


class StoreError(Exception):
    """A database problem explained for a person: what happened and what to do."""


class StoreBusy(StoreError):
    pass


def db_path() -> Path:
    return Path(os.environ.get("KPI_DB") or DEFAULT_DB)


def connect(path: Path | str | None = None, *, read_only: bool = False, wait_seconds: float = 10.0,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database file, waiting while another process holds the write lock, and saying so."""
    path = Path(path) if path else db_path()
    if read_only and not path.exists():
        raise StoreError(f"The database {path} does not exist yet; run `python -m indicators init` or start the dashboard once.")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
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


def schema_version(conn) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn) -> int:
    """Bring the schema up to SCHEMA_VERSION, one version at a time, each in its own transaction."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(f"The database was written by a newer version of the dashboard (schema {version}; this one knows {SCHEMA_VERSION}). Update the dashboard.")
    while version < SCHEMA_VERSION:
        version += 1
        conn.execute("BEGIN TRANSACTION")
        try:
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return version


def sync_areas(conn, config: Config) -> None:
    """Areas named in the config are inserted or renamed; areas added by imports are kept."""
    rows = [(a.code, a.name, a.level, a.la_code, a.region) for a in config.areas]
    conn.executemany(
        """INSERT INTO areas VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
             la_code = excluded.la_code, region = excluded.region""", rows)


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


def diff(conn, rows: pd.DataFrame) -> pd.DataFrame:
    """Compare tidy rows with what is stored: adds `change` (new / changed / unchanged) and the old values."""
    conn.register("incoming", rows[OBS_COLUMNS])
    try:
        out = conn.execute("""
            SELECT i.*, o.value AS old_value, o.marker AS old_marker, o.figure_type AS old_figure_type,
                   CASE WHEN o.indicator_id IS NULL THEN 'new'
                        WHEN i.value IS NOT DISTINCT FROM o.value AND i.numerator IS NOT DISTINCT FROM o.numerator
                         AND i.denominator IS NOT DISTINCT FROM o.denominator AND i.marker IS NOT DISTINCT FROM o.marker
                         AND i.note IS NOT DISTINCT FROM o.note AND i.figure_type = o.figure_type
                         AND i.source IS NOT DISTINCT FROM o.source THEN 'unchanged'
                        ELSE 'changed' END AS change
            FROM incoming i
            LEFT JOIN observations o USING (indicator_id, area_code, period)
        """).df()
    finally:
        conn.unregister("incoming")
    return out


def write_observations(conn, rows: pd.DataFrame, *, kind: str, file_name: str | None = None,
                       content_hash: str | None = None, user_name: str | None = None,
                       note: str | None = None) -> WriteSummary:
    """Write tidy rows in one transaction: all of them or, on any failure, none."""
    compared = diff(conn, rows)
    counts = compared["change"].value_counts()
    new, changed, unchanged = (int(counts.get(k, 0)) for k in ("new", "changed", "unchanged"))
    if new == 0 and changed == 0:
        return WriteSummary(None, 0, 0, unchanged)
    todo = compared[compared["change"] != "unchanged"][OBS_COLUMNS]
    conn.execute("BEGIN TRANSACTION")
    try:
        upload_id = conn.execute("SELECT nextval('upload_id_seq')").fetchone()[0]
        now = dt.datetime.now().replace(microsecond=0)
        conn.execute("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [upload_id, kind, file_name, content_hash, user_name or os_user(), now, new, changed, unchanged, note])
        conn.register("todo", todo)
        conn.execute("""
            INSERT INTO observation_history
            SELECT o.*, ?, ? FROM observations o JOIN todo t USING (indicator_id, area_code, period)""",
                     [upload_id, now])
        conn.execute(f"""
            INSERT INTO observations
            SELECT {", ".join(OBS_COLUMNS)}, ? FROM todo
            ON CONFLICT (indicator_id, area_code, period) DO UPDATE SET
              period_start = excluded.period_start, period_end = excluded.period_end, value = excluded.value,
              numerator = excluded.numerator, denominator = excluded.denominator, marker = excluded.marker,
              note = excluded.note, figure_type = excluded.figure_type, source = excluded.source,
              upload_id = excluded.upload_id""", [upload_id])
        conn.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) WHERE key = 'data_version'")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        try:
            conn.unregister("todo")
        except Exception:
            pass
    return WriteSummary(int(upload_id), new, changed, unchanged)


# ---------------------------------------------------------------- queries that feed pages

def areas(conn) -> pd.DataFrame:
    return conn.execute("""
        SELECT code, name, level, la_code, region FROM areas
        ORDER BY CASE level WHEN 'local_authority' THEN 0 WHEN 'regional' THEN 1 ELSE 2 END, name""").df()


def latest(conn, area_code: str, spark_points: int = 12) -> pd.DataFrame:
    """Each indicator's latest observation for one area, with the previous period, the same period a year
    earlier, and the last `spark_points` values for a sparkline."""
    return conn.execute("""
        WITH s AS (
            SELECT *, row_number() OVER (PARTITION BY indicator_id ORDER BY period_start DESC) AS rn
            FROM observations WHERE area_code = $area
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
    """, {"area": area_code, "n": spark_points}).df()


def series(conn, indicator_id: str, area_code: str) -> pd.DataFrame:
    return conn.execute("""
        SELECT o.period, o.period_start, o.period_end, o.value, o.numerator, o.denominator, o.marker, o.note,
               o.figure_type, o.source, o.upload_id, u.kind AS upload_kind, u.file_name AS upload_file
        FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id
        WHERE o.indicator_id = ? AND o.area_code = ?
        ORDER BY o.period_start""", [indicator_id, area_code]).df()


def areas_with_data(conn, indicator_id: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT area_code FROM observations WHERE indicator_id = ? ORDER BY 1", [indicator_id]).fetchall()]


# ---------------------------------------------------------------- opening the store for the app and the CLI

def open_store(config: Config, path: Path | str | None = None, *, on_wait=None,
               load_sample: Callable | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating on first use) the database, migrate it, sync areas, and fill a brand-new one with the
    sample data through `load_sample(conn)`."""
    path = Path(path) if path else db_path()
    is_new = not path.exists()
    conn = connect(path, on_wait=on_wait)
    try:
        migrate(conn)
        sync_areas(conn, config)
        if is_new and load_sample is not None:
            load_sample(conn)
    except BaseException:
        conn.close()
        if is_new:  # never leave a half-made database for the next start to trust
            for p in (path, Path(str(path) + ".wal")):
                p.unlink(missing_ok=True)
        raise
    return conn
