"""Shared state for every page and session: the process-wide memo (not Streamlit's caches), the indicators file, the
one database connection with its scheduled backup, and the figures, charts and plan built once per data version."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pandas as pd
import streamlit as st

from indicators import access as access_mod
from indicators import charts, league, plan, queries, readmodel
from indicators import config as config_mod
from pages.common.text import plain

PAGES = Path(__file__).resolve().parent.parent
APP = PAGES.parent / "app.py"
APP_NAME = "SEND performance dashboard"


# ---------------------------------------------------------------- process-wide values (not Streamlit's caches)


class _Shared:
    """A small process-wide memo keyed on the call's arguments (least recently used dropped past `size`).

    Kept out of st.cache_data and st.cache_resource on purpose: any browser can send Streamlit's clear_cache message,
    and AppSession._handle_clear_cache_request then empties both for every user, including the database connection.
    Values are shared read-only between sessions and threads; data frames are handed out as copies."""

    def __init__(self, fn: Callable, size: int, copy_frames: bool):
        self._fn, self._size, self._copy = fn, size, copy_frames
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn)

    def _out(self, value):
        return value.copy() if self._copy and isinstance(value, pd.DataFrame) else value

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._values

    def __call__(self, *args):
        with self._lock:
            if args in self._values:
                self._values.move_to_end(args)
                return self._out(self._values[args])
        value = self._fn(*args)  # outside the lock: a slow build never holds up other keys
        with self._lock:
            value = self._values.setdefault(args, value)  # two sessions racing keep the first, so there is one object
            self._values.move_to_end(args)
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return self._out(value)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def shared(size: int = 128, copy_frames: bool = True):
    """Decorator: remember a function's results for the whole process, keyed on its (hashable) arguments."""
    return lambda fn: _Shared(fn, size, copy_frames)


@shared(size=4, copy_frames=False)
def _config(path: str, mtime: float) -> config_mod.Config:
    return config_mod.load(path)


def get_config() -> config_mod.Config:
    """The validated indicators file; a broken one stops the page with every problem listed, never a traceback."""
    path = config_mod.config_path()
    try:
        return _config(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except config_mod.ConfigError as e:
        st.error(f"**The indicators file cannot be used.** Fix these problems in {plain(e.path)} and reload the page:")
        st.markdown("\n".join(f"- {plain(p)}" for p in e.problems))
        stop()


@shared(size=4, copy_frames=False)
def _roles(path: str, mtime: float, config_mtime: float):
    return access_mod.load_roles(get_config(), path)


class PageStopped(Exception):
    """Raised by stop(): the page has said all it has to say; run_page still draws the footer."""


_IN_PAGE: contextvars.ContextVar[bool] = contextvars.ContextVar("kpi_in_page", default=False)


def stop() -> NoReturn:
    """st.stop() for a page: ends the page's own drawing but not the footer (st.stop() would end the whole run, so
    the footer with the accessibility statement would be missing from every page that stops early)."""
    if _IN_PAGE.get():
        raise PageStopped
    st.stop()


# ---------------------------------------------------------------- the database


@shared(size=4, copy_frames=False)
def _connection(db: str, config_path: str, mtime: float):
    cfg = _config(config_path, mtime)

    def first_start(c) -> None:  # only a new database pays for the importers
        from indicators.sample import load_sample

        load_sample(c, cfg)

    conn = queries.open_database(cfg, db, load_sample=first_start)
    # Once per process (and per indicators-file change): the log shows when the dashboard opened its database.
    print(f"Opened the database {queries.database_label(db)} for this dashboard process.", file=sys.stderr, flush=True)
    return conn


_open_lock = threading.Lock()  # one first open per process, even when several sessions start together


def get_cursor(cfg: config_mod.Config):
    """A cursor of the process-wide connection: one connection per process, one cursor per script run."""
    path = config_mod.config_path()
    key = (str(queries.database()), str(path), path.stat().st_mtime)
    try:
        if key in _connection:
            conn = _connection(*key)
        else:
            with st.spinner("Opening the database (the first start fills it with the sample data)…"), _open_lock:
                conn = _connection(*key)
        _scheduled_backup(conn)
        # Inside the try: on PostgreSQL the cursor first brings the local copy up to date, and a stopped server
        # must be the store's message ("Cannot read the PostgreSQL database …"), not an error screen.
        return conn.cursor()
    except queries.StoreError as e:
        st.error(plain(str(e)), icon=":material/error:")
        stop()


_backup_lock = threading.Lock()


def _scheduled_backup(conn) -> None:
    """The documented schedule: a backup every KPI_BACKUP_EVERY_HOURS (default 24; 0 turns it off), made by the
    dashboard itself (it holds the file, so no other program could copy it consistently), off the page's thread."""
    hours = float(os.environ.get("KPI_BACKUP_EVERY_HOURS", "24") or 0)
    if hours <= 0 or not _backup_lock.acquire(blocking=False):
        return
    try:
        last = queries.latest_backup()
        if last is not None and (dt.datetime.now() - last).total_seconds() < hours * 3600:
            _backup_lock.release()
            return
    except Exception:
        _backup_lock.release()
        return

    def run():
        try:
            queries.back_up_now(conn.cursor(), access_mod.system_access("scheduled backup"))
        except Exception as e:  # a failed backup must never break a page; it is logged for the administrator
            print(f"Scheduled backup failed: {e}", file=sys.stderr)
        finally:
            _backup_lock.release()

    threading.Thread(target=run, name="kpi-backup", daemon=True).start()


def reopen_database() -> None:
    """Forget the process's connection, so the next page run opens the database again (after a disk error)."""
    _connection.clear()


# ---------------------------------------------------------------- figures, built once per data version


def cache_key(cur) -> tuple[str, int, float]:
    """(database, data version, config mtime): every write bumps the version, so no page shows stale figures."""
    path = config_mod.config_path()
    return str(queries.database()), queries.data_version(cur), path.stat().st_mtime


@shared(size=64, copy_frames=False)
def cached_figures(db: str, version: int, area: str, cfg_mtime: float, today: dt.date) -> readmodel.AreaFigures:
    """Everything every page shows for one area, built once per data version (a handful of queries, however many
    indicators) and shared read-only by every session: pages only draw from it."""
    cfg = get_config()
    return readmodel.figures(get_cursor(cfg), cfg, area, today=today)


def figures_for(cur, area: str) -> readmodel.AreaFigures:
    db, version, mtime = cache_key(cur)
    return cached_figures(db, version, area, mtime, dt.date.today())


@shared(size=256, copy_frames=False)
def cached_charts(db: str, version: int, indicator_id: str, area: str, cfg_mtime: float, today: dt.date):
    """For one indicator and area: the trend figure (with comparators and breaks) and the SPC figure."""
    f = cached_figures(db, version, area, cfg_mtime, today).indicators[indicator_id]
    af = cached_figures(db, version, area, cfg_mtime, today)
    return charts.trend_figure(f, af.area.name), charts.spc_figure(f, af.area.name)


def charts_for(cur, indicator_id: str, area: str):
    db, version, mtime = cache_key(cur)
    return cached_charts(db, version, indicator_id, area, mtime, dt.date.today())


@shared(size=64, copy_frames=False)
def charts_league(db: str, version: int, indicator_id: str, period: str, area: str, cfg_mtime: float):
    """Compare areas for one indicator and year: the ranked bar chart, its table (the chart's text alternative) and
    one sentence saying where the chosen area stands."""
    cfg = get_config()
    v = league.view(get_cursor(cfg), cfg, indicator_id, period, area)
    fig = charts.league_chart(
        v.ind,
        v.league,
        area=area,
        region=v.area.region,
        neighbours=v.neighbours,
        period_display=v.period_display,
        england=v.england,
    )
    return fig, v.table, v.summary


@shared(size=64, copy_frames=False)
def cached_plan(db: str, version: int, area: str, cfg_mtime: float, today: dt.date) -> plan.PlanView:
    """The improvement plan of one area with its measures' figures, built once per data version (every plan change
    bumps it), like the figures."""
    cfg = get_config()
    return plan.view(get_cursor(cfg), cfg, cached_figures(db, version, area, cfg_mtime, today), today=today)


def plan_for(cur, area: str) -> plan.PlanView:
    db, version, mtime = cache_key(cur)
    return cached_plan(db, version, area, mtime, dt.date.today())


@shared(size=256, copy_frames=False)
def cached_note(db: str, version: int, indicator_id: str, area_code: str):
    return queries.latest_commentary(get_cursor(get_config()), indicator_id, area_code)
