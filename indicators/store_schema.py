"""What the store is made of and where it is: the tables and their migrations, the store's errors, and KPI_DB.
Imports nothing else of the store, so every other store module can import it."""

from __future__ import annotations

import os
from pathlib import Path

from indicators.config import ROOT

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


def is_postgres_url(target) -> bool:
    return isinstance(target, str) and target.strip().lower().startswith(("postgresql://", "postgres://"))


def db_path() -> Path | str:
    """KPI_DB: a DuckDB file (default data/kpi.duckdb), or a PostgreSQL URL, returned as the string it is."""
    value = (os.environ.get("KPI_DB") or "").strip()
    return value if is_postgres_url(value) else Path(value or DEFAULT_DB)


def _target(path: Path | str | None) -> Path | str:
    """The store to open: a PostgreSQL URL as given, anything else as a file path."""
    if not path:
        return db_path()
    return str(path) if is_postgres_url(path) else Path(path)


def schema_version(conn) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' "
        "AND table_catalog = current_database() AND table_schema = current_schema()"
    ).fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def data_version(conn) -> int:
    return int(conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])


def table_counts(conn) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def table_snapshot(conn) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: used to prove a refused load changed nothing."""
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
