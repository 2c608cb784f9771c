"""Shared fixtures: the shipped config, a real temporary DuckDB file per test, and a real PostgreSQL server."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import os
import shutil
import uuid
from pathlib import Path

import pytest

from indicators import config, periods, store
from indicators.access import Access
from indicators.sample import load_sample
from tests import pg_server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The date the shipped sample stands at: every local series runs to the last period due then (build_sample.py --as-at).
SAMPLE_AS_AT = dt.date.fromisoformat(
    json.loads((ROOT / "data" / "sample" / "observations.meta.json").read_text(encoding="utf-8"))["as_at"]
)


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


@functools.cache
def _sample_last() -> dict[tuple[str, str], tuple[str, float]]:
    with open(ROOT / "data" / "sample" / "observations.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))  # each series in period order, as build_sample.py writes it
    return {(r["indicator"], r["area"]): (r["period"], float(r["value"])) for r in rows}


@functools.cache
def _shipped_config():
    return config.load(ROOT / "config" / "indicators.yaml")


def sample_last(indicator_id: str, area: str = "E06000047") -> tuple[periods.Period, float]:
    """The latest period of a series in the shipped sample, and its value: what a new database shows as latest."""
    label, value = _sample_last()[(indicator_id, area)]
    return periods.parse(label, _shipped_config().by_id[indicator_id].period_type), value


def sample_next(indicator_id: str, area: str = "E06000047", steps: int = 1) -> periods.Period:
    """The period `steps` after the sample's latest: where a lead's next return goes (not held, so a new figure)."""
    return periods.shift(sample_last(indicator_id, area)[0], steps)


def good_return() -> str:
    """A lead's good return of three new figures for the quarters after the sample's latest, written as people
    write them: a numerator and denominator, an area by name, a quarter as "Q2 2026/27"."""
    q1, q2 = sample_next("ehcp_20wk"), sample_next("ehcp_20wk", steps=2)
    neet = sample_next("send_neet")
    fy = neet.label.split(" ")[0]
    return (
        "indicator,area,period,value,numerator,denominator,note\n"
        f"ehcp_20wk,E06000047,{q1.label},55.0,22,40,Backlog cleared\n"
        f"ehcp_20wk,E06000047,{q2.label},60,,,\n"
        f"send_neet,County Durham,{neet.label.split(' ')[1]} {fy[:4]}/{fy[5:]},14.2,,,\n"
    )


def snapshot(path):
    """Every row of every table of a database file, read without holding it open."""
    conn = store.connect(path, read_only=True)
    try:
        return store.table_snapshot(conn)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def pg_server_url():
    """A PostgreSQL server for the session: $KPI_TEST_POSTGRES_URL, or a throwaway cluster the tests start
    (tests/pg_server.py). Without the server binaries the PostgreSQL tests skip, except in CI, where they fail."""
    url = os.environ.get("KPI_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if pg_server.bin_dir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is needed in CI: {pg_server.INSTALL_HINT}")
        pytest.skip(f"PostgreSQL is not installed: {pg_server.INSTALL_HINT}")
    server = pg_server.start()
    yield server.url
    server.stop()


@pytest.fixture
def pg_url(pg_server_url, tmp_path, monkeypatch):
    """A new, empty database on the server for each test; this process's local copies of it go to the test's folder."""
    monkeypatch.setenv("KPI_PG_COPY_DIR", str(tmp_path / "pg-copy"))
    return pg_server.create_database(pg_server_url, f"kpi_{uuid.uuid4().hex[:10]}")
