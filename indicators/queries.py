"""What the pages ask of the database, by name: the areas, the data version, commentary, the upload history's
backups and rollbacks. Pages call these (or the read model) and never the store or SQL themselves, so the store can
change shape underneath without a page noticing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from indicators import commentary, store
from indicators.access import Access

# The store's own errors, limits and words, named here so a page needs nothing from the store.
StoreError = store.StoreError
RollbackPlan = store.RollbackPlan
WriteSummary = store.WriteSummary
SAMPLE_CONFIRMATION = store.SAMPLE_CONFIRMATION
COMMENTARY_MAX_CHARS = store.COMMENTARY_MAX_CHARS
BACKUP_KEEP = store.BACKUP_KEEP


# ---------------------------------------------------------------- the database itself


def open_database(config, db, *, load_sample=None):
    """The process's connection to the database DB (created, migrated and, on a first start, filled)."""
    return store.open_store(config, db, load_sample=load_sample)


def database() -> Path | str:
    """The database this process uses (KPI_DB)."""
    return store.db_path()


def database_label(db) -> str:
    """The database named for a log or message, without any password."""
    return store.db_label(db)


def data_version(conn) -> int:
    """Bumped by every write: the key every cache of figures is kept under."""
    return store.data_version(conn)


def os_user() -> str:
    """Who is at this computer (local mode's user name)."""
    return store.os_user()


# ---------------------------------------------------------------- areas


def areas(conn) -> pd.DataFrame:
    """Every area (code, name, level, region), in the order the area picker lists them."""
    return store.areas(conn)


def area_names(conn) -> dict[str, str]:
    """{code: name} for every area."""
    df = store.areas(conn)
    return dict(zip(df["code"], df["name"]))


def areas_holding(conn, indicator_id: str) -> list[str]:
    """The names of the areas that hold figures for one indicator (an area's code where it has no name)."""
    names = area_names(conn)
    return [names.get(c, c) for c in store.areas_with_data(conn, indicator_id)]


# ---------------------------------------------------------------- commentary


def commentary_versions(conn, indicator_id: str, area_code: str) -> pd.DataFrame:
    """Every version of the commentary on one indicator for one area, newest first."""
    return store.commentary_versions(conn, indicator_id, area_code)


def latest_commentary(conn, indicator_id: str, area_code: str, period: str | None = None):
    """The newest commentary (for PERIOD, when given), or None."""
    return commentary.latest_for(store.commentary_versions(conn, indicator_id, area_code), indicator_id, period)


# ---------------------------------------------------------------- backups


def backup_folder() -> Path:
    return store.backup_dir()


def latest_backup() -> dt.datetime | None:
    """When the newest backup in the backup folder was made (None when there is none)."""
    return store.latest_backup_time()


def back_up_now(conn, access: Access) -> Path:
    """A dated backup in the backup folder, keeping the newest BACKUP_KEEP."""
    return store.timed_backup(conn, access)


# ---------------------------------------------------------------- rolling an upload back


def rollback_plan(conn, upload_id: int) -> RollbackPlan:
    """What rolling back UPLOAD_ID would do now."""
    return store.rollback_plan(conn, upload_id)


def roll_back(conn, upload_id: int, access: Access, **kwargs) -> WriteSummary:
    """Undo one upload exactly (administrators only); the summary's note says what was removed and restored."""
    return store.rollback(conn, upload_id, access, **kwargs)
