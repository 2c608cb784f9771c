"""Shared fixtures: the shipped config, a real temporary DuckDB file per test, and a real PostgreSQL server.

For a new test: `cfg` (the shipped config), `db_path` / `conn` (a private copy of the full sample: official data
for every area plus the local figures), `small_db_path` / `small_conn` (the local sample only, no national data:
enough for a test about one area's own figures), `empty_conn` (schema and areas, no figures), `pg_url` (a new
database on a real PostgreSQL server), `pg_sample_url` (one holding the full sample). Processes, servers and missing tools: tests/harness.py (run_cli,
hold_database, streamlit_server, free_port, wait_until, needs / @needs_mark("chromium"))."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import os
import re
import shutil
import uuid
from collections import OrderedDict
from pathlib import Path

import pytest

from indicators import config, periods, store
from indicators.access import Access
from indicators.sample import load_sample
from tests import harness, pg_server

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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs(thing): the test needs a tool (tests/harness.py NEEDS); skipped locally, failed in CI"
    )


# What one test costs, roughly, in seconds of a worker's time: a test in a real browser opens pages on a live app
# server (several seconds each); any other test is mostly under a second. Only the order of the work matters.
BROWSER_TEST_COST, TEST_COST = 8, 1


@functools.cache
def shares_the_app_server(file: str) -> bool:
    """Whether a test file uses the worker's browser server (the ui, app_server or expected_conn fixture)."""
    path = ROOT / file
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return bool(re.search(r"def test_\w+\([^)]*\bui\b|\b(app_server|expected_conn)\b", text))


@functools.cache
def has_module_fixtures(file: str) -> bool:
    path = ROOT / file
    return path.is_file() and 'scope="module"' in path.read_text(encoding="utf-8")


def work_unit(nodeid: str) -> str:
    """The unit one worker runs: a whole file, so a module's fixtures are built once; but each test of a file on the
    browser server that has no module fixtures is a unit of its own, so the browser tests (most of the time) spread
    over every worker, each worker with its own app server (the session's app_server fixture)."""
    file = nodeid.split("::", 1)[0]
    return nodeid if shares_the_app_server(file) and not has_module_fixtures(file) else file


@functools.cache
def drives_a_browser(file: str) -> bool:
    path = ROOT / file
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return bool(re.search(r"new_context|\bui\b|\bapp_server\b|streamlit_server|start_cluster", text))


# Seconds per test of each file (setup, call and teardown): first measured on 7 December 2026 on the two-core machine
# at a load of about 25 and divided by 8 to match a quiet machine; only their order matters.
# `KPI_TEST_DURATIONS=write make test` rewrites it. A file not in it is guessed as above.
DURATIONS = ROOT / "tests" / "durations.json"


@functools.cache
def measured() -> dict[str, float]:
    return json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.is_file() else {}


def unit_cost(nodeids: list[str]) -> float:
    cost = 0.0
    for nodeid in nodeids:
        file = nodeid.split("::", 1)[0]
        seconds = measured().get(file)
        cost += seconds if seconds is not None else BROWSER_TEST_COST if drives_a_browser(file) else TEST_COST
    return cost


_took: dict[str, list[float]] = {}


def pytest_runtest_logreport(report):
    if os.environ.get("KPI_TEST_DURATIONS") == "write":
        _took.setdefault(report.nodeid, []).append(report.duration)


def pytest_sessionfinish(session):
    if os.environ.get("KPI_TEST_DURATIONS") != "write" or hasattr(session.config, "workerinput") or not _took:
        return
    files: dict[str, list[float]] = {}
    for nodeid, parts in _took.items():
        files.setdefault(nodeid.split("::", 1)[0], []).append(sum(parts))
    per_test = {f: round(sum(t) / len(t), 2) for f, t in sorted(files.items())}
    DURATIONS.write_text(json.dumps(per_test, indent=1) + "\n", encoding="utf-8")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` (-n 2 --dist loadgroup): the work in units (work_unit), dealt out longest first, so no worker is
    left with a long file at the end while the other waits. (pytest-xdist's own loadgroup reads xdist_group marks into
    node ids, which pytest 9 no longer lets it change.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

        def _assign_work_unit(self, node) -> None:
            # xdist takes the first unit of its queue (ordered by test count): the costliest goes first instead.
            self.workqueue = OrderedDict(sorted(self.workqueue.items(), key=lambda unit: -unit_cost(list(unit[1]))))
            super()._assign_work_unit(node)

    return LongestFirst(config, log)


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs"):
        harness.needs(*mark.args)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    # Kept on the item so the browser's page fixture can save a screenshot of a failing test.
    setattr(item, f"rep_{rep.when}", rep)
    # Every test skipped for the same missing tool is reported at one place, so `-ra` folds them into one line.
    if rep.skipped and isinstance(rep.longrepr, tuple) and any(r in rep.longrepr[2] for r in harness.MISSING):
        rep.longrepr = (str(Path(harness.__file__)), None, rep.longrepr[2])


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


@pytest.fixture(scope="session")
def small_db_template(tmp_path_factory, cfg):
    """The local sample only (County Durham's and Redcar and Cleveland's own figures, no official releases), built
    once per test session: a fifth of the full sample's build and no national data to read past."""
    path = tmp_path_factory.mktemp("small-template") / "kpi.duckdb"
    store.open_store(cfg, path, load_sample=lambda c: load_sample(c, cfg, with_official_data=False)).close()
    return path


def _private_copy(template: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "kpi.duckdb"
    shutil.copy(template, path)
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.yaml"))
    return path


@pytest.fixture
def db_path(tmp_path, sample_db_template, monkeypatch):
    """A private copy of the sample database; KPI_DB and KPI_CONFIG point at it for the CLI and the app."""
    return _private_copy(sample_db_template, tmp_path, monkeypatch)


@pytest.fixture
def conn(db_path, cfg):
    c = store.open_store(cfg, db_path)
    yield c
    c.close()


@pytest.fixture
def small_db_path(tmp_path, small_db_template, monkeypatch):
    """A private copy of the small database (local sample only); KPI_DB and KPI_CONFIG point at it."""
    return _private_copy(small_db_template, tmp_path, monkeypatch)


@pytest.fixture
def small_conn(small_db_path, cfg):
    c = store.open_store(cfg, small_db_path)
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
    harness.needs("postgresql")
    server = pg_server.start()
    yield server.url
    server.stop()


@pytest.fixture
def pg_url(pg_server_url, tmp_path, monkeypatch):
    """A new, empty database on the server for each test; this process's local copies of it go to the test's folder."""
    monkeypatch.setenv("KPI_PG_COPY_DIR", str(tmp_path / "pg-copy"))
    return pg_server.create_database(pg_server_url, f"kpi_{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="session")
def pg_sample_template(pg_server_url, cfg, tmp_path_factory):
    """The full sample loaded once per worker into a PostgreSQL database through the real first-start path (what
    tests/test_postgres_backend.py checks), for pg_sample_url to copy: loading it takes seconds, a copy a moment."""
    name = f"kpi_sample_{uuid.uuid4().hex[:10]}"
    url = pg_server.create_database(pg_server_url, name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KPI_PG_COPY_DIR", str(tmp_path_factory.mktemp("pg-template-copy")))
        store.open_store(cfg, url, load_sample=lambda c: load_sample(c, cfg)).close()  # every connection to it closed
    return name


@pytest.fixture
def pg_sample_url(pg_server_url, pg_sample_template, tmp_path, monkeypatch):
    """A new database holding the full sample (a copy of pg_sample_template's) for each test; this process's local
    copies of it go to the test's folder."""
    monkeypatch.setenv("KPI_PG_COPY_DIR", str(tmp_path / "pg-copy"))
    return pg_server.create_database(pg_server_url, f"kpi_{uuid.uuid4().hex[:10]}", template=pg_sample_template)
