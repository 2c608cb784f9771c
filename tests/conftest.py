"""Shared fixtures: the shipped config, and a real temporary DuckDB file per test."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from indicators import config, periods, store
from indicators.access import Access
from indicators.sample import load_sample

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The date the shipped sample stands at: every local series runs to the last period due then (build_sample.py --as-at).
SAMPLE_AS_AT = dt.date.fromisoformat(json.loads((ROOT / "data" / "sample" / "observations.meta.json").read_text(encoding="utf-8"))["as_at"])


def as_user(name: str = "admin@example.org") -> Access:
    """An administrator called `name` (the command line and most tests load as one)."""
    return Access(user=name, viewer=True, admin=True)


def lead(*indicator_ids: str, name: str = "lead@example.org") -> Access:
    """A service lead who may upload only the given indicators."""
    return Access(user=name, viewer=True, upload_ids=frozenset(indicator_ids))


ADMIN = as_user()


@pytest.fixture(scope="session")
def cfg():
    return config.load(ROOT / "config" / "indicators.yaml")


@pytest.fixture(scope="session")
def sample_db_template(tmp_path_factory, cfg):
    """The full sample database, built once per test session through the real first-start path."""
    path = tmp_path_factory.mktemp("template") / "kpi.duckdb"
    conn = store.open_store(cfg, path, load_sample=lambda c: load_sample(c, cfg))
    conn.close()
    return path


@pytest.fixture
def db_path(tmp_path, sample_db_template, monkeypatch):
    """A private copy of the sample database; KPI_DB and KPI_CONFIG point at it for the CLI and the app."""
    path = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, path)
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.yaml"))
    return path


@pytest.fixture
def conn(db_path, cfg):
    c = store.open_store(cfg, db_path)
    yield c
    c.close()


@pytest.fixture
def empty_conn(tmp_path, cfg):
    """A database with the schema and areas but no observations."""
    c = store.open_store(cfg, tmp_path / "empty.duckdb")
    yield c
    c.close()


def latest_held(conn, cfg, indicator_id: str, area: str) -> periods.Period:
    """The latest period of a series held in the store."""
    label = conn.execute("SELECT period FROM observations WHERE indicator_id = ? AND area_code = ? ORDER BY period_start DESC LIMIT 1",
                         [indicator_id, area]).fetchone()[0]
    return periods.parse(label, cfg.by_id[indicator_id].period_type)


def next_period(conn, cfg, indicator_id: str, area: str) -> periods.Period:
    """The first period after the latest held: where a lead's next return goes."""
    return periods.shift(latest_held(conn, cfg, indicator_id, area), 1)


def snapshot(path):
    """Every row of every table of a database file, read without holding it open."""
    conn = store.connect(path, read_only=True)
    try:
        return store.table_snapshot(conn)
    finally:
        conn.close()
