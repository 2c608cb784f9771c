"""Streamlit glue shared by the pages: the cached config and connection, the area picker, cached queries."""
from __future__ import annotations

import datetime as dt
import html
import os
import sys
import threading

import pandas as pd
import streamlit as st

from indicators import access as access_mod
from indicators import config as config_mod
from indicators import benchmarks, charts, scorecard, spc, store
from indicators.sample import load_sample

ILLUSTRATIVE_NOTE = (
    "Diamonds and the word *published* mark figures quoted in published documents (hover for the source); "
    "open circles and *illustrative* mark sample values made up to fill the series. They are not real returns."
)


@st.cache_resource(show_spinner=False)
def _config(path: str, mtime: float) -> config_mod.Config:
    return config_mod.load(path)


def get_config() -> config_mod.Config:
    """The validated indicators file; a broken one stops the page with every problem listed, never a traceback."""
    path = config_mod.config_path()
    try:
        return _config(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except config_mod.ConfigError as e:
        st.error(f"**The indicators file cannot be used.** Fix these problems in `{e.path}` and reload the page:")
        st.markdown("\n".join(f"- {html.escape(p, quote=False)}" for p in e.problems))
        st.stop()


def auth_configured() -> bool:
    """Sign-in is on when .streamlit/secrets.toml has an [auth] section (Streamlit's OpenID Connect)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local mode
        return False


@st.cache_resource(show_spinner=False)
def _roles(path: str, mtime: float, config_mtime: float):
    return access_mod.load_roles(get_config(), path)


def get_access() -> access_mod.Access:
    """Who is using the dashboard and what they may do. Signs them in first when sign-in is configured."""
    if not auth_configured():
        return access_mod.local_access(store.os_user())
    if not st.user.is_logged_in:
        st.title("SEND performance dashboard")
        st.write("Sign in with your organisation account to see the dashboard.")
        st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
        st.stop()
    path = access_mod.roles_path()
    try:
        roles = _roles(str(path), path.stat().st_mtime if path.exists() else 0.0, config_mod.config_path().stat().st_mtime)
    except access_mod.RolesError as e:
        st.error(f"**The roles file cannot be used.** An administrator must fix `{e.path}`:")
        st.markdown("\n".join(f"- {html.escape(p, quote=False)}" for p in e.problems))
        st.stop()
    who = access_mod.access_for(st.user.get("email"), roles)
    if not who.viewer:
        st.error(f"You are signed in as {who.user}, but the roles file does not give you access. Ask an administrator.")
        st.button("Sign out", on_click=st.logout, key="sign_out_denied")
        st.stop()
    return who


def require(allowed: bool, what: str) -> None:
    """Stop a page (even one reached by its URL) that the signed-in person may not use."""
    if not allowed:
        st.error(f"You do not have permission to {what}. Ask an administrator if you need it.")
        st.stop()


@st.cache_resource(show_spinner="Opening the database (the first start fills it with the sample data)…")
def _connection(db: str, config_path: str, mtime: float):
    cfg = _config(config_path, mtime)
    return store.open_store(cfg, db, load_sample=lambda c: load_sample(c, cfg))


def get_cursor(cfg: config_mod.Config):
    """A cursor of the process-wide connection: one connection per process, one cursor per script run."""
    path = config_mod.config_path()
    try:
        conn = _connection(str(store.db_path()), str(path), path.stat().st_mtime)
    except store.StoreError as e:
        st.error(str(e))
        st.stop()
    _scheduled_backup(conn)
    return conn.cursor()


_backup_lock = threading.Lock()


def _scheduled_backup(conn) -> None:
    """The documented schedule: a backup every KPI_BACKUP_EVERY_HOURS (default 24; 0 turns it off), made by the
    dashboard itself (it holds the file, so no other program could copy it consistently), off the page's thread."""
    hours = float(os.environ.get("KPI_BACKUP_EVERY_HOURS", "24") or 0)
    if hours <= 0 or not _backup_lock.acquire(blocking=False):
        return
    try:
        last = store.latest_backup_time()
        if last is not None and (dt.datetime.now() - last).total_seconds() < hours * 3600:
            _backup_lock.release()
            return
    except Exception:
        _backup_lock.release()
        return

    def run():
        try:
            store.timed_backup(conn.cursor(), access_mod.system_access("scheduled backup"))
        except Exception as e:  # a failed backup must never break a page; it is logged for the administrator
            print(f"Scheduled backup failed: {e}", file=sys.stderr)
        finally:
            _backup_lock.release()

    threading.Thread(target=run, name="kpi-backup", daemon=True).start()


def reopen_database() -> None:
    """Forget the process's connection, so the next page run opens the database again (after a disk error)."""
    _connection.clear()


def area_picker(cur, cfg: config_mod.Config, *, where=st.sidebar) -> tuple[str, str]:
    """Area chosen in the sidebar, kept in the URL (?area=CODE) so a link opens the same view."""
    areas = store.areas(cur)
    names = dict(zip(areas["code"], areas["name"]))
    # Streamlit forgets a widget's value when the page changes, so the choice is kept in "_area" (updated by the
    # widget's on_change) and given back to the widget at the top of every page. The first page of a session
    # takes a deep link (?area=CODE) if there is one.
    if st.session_state.get("_area") not in names:
        wanted = st.query_params.get("area")
        st.session_state["_area"] = wanted if wanted in names else cfg.default_area
    st.session_state["area"] = st.session_state["_area"]
    code = where.selectbox("Area", list(names), key="area", format_func=lambda c: f"{names[c]} ({c})",
                           on_change=lambda: st.session_state.update(_area=st.session_state["area"]))
    st.query_params["area"] = code
    return code, names[code]


@st.cache_data(show_spinner=False, max_entries=256)
def cached_scorecard(db: str, version: int, area: str, strategy: str | None, inspection: str | None, cfg_mtime: float):
    cfg = get_config()
    cur = get_cursor(cfg)
    card = scorecard.scorecard(cur, cfg, area, strategy_area=strategy, inspection_area=inspection)
    return benchmarks.enrich(cur, cfg, area, card)


@st.cache_data(show_spinner=False, max_entries=512)
def cached_series(db: str, version: int, indicator_id: str, area: str, cfg_mtime: float):
    cfg = get_config()
    return scorecard.series_table(get_cursor(cfg), cfg, cfg.by_id[indicator_id], area)


def cache_key(cur) -> tuple[str, int, float]:
    """(database, data version, config mtime): every write bumps the version, so no page shows stale figures."""
    path = config_mod.config_path()
    return str(store.db_path()), store.data_version(cur), path.stat().st_mtime


@st.cache_resource(show_spinner=False, max_entries=256)
def cached_insight(db: str, version: int, indicator_id: str, area: str, area_name: str, cfg_mtime: float):
    """For one indicator and area: the trend figure with comparators, the SPC reading and its figure.
    Built once per data version and shared read-only (cache_resource does not copy), so a rerun only draws."""
    cfg = get_config()
    cur = get_cursor(cfg)
    ind = cfg.by_id[indicator_id]
    df = cached_series(db, version, indicator_id, area, cfg_mtime)
    comps = benchmarks.comparators(cur, cfg, ind, area)
    reading = benchmarks.spc_reading(ind, df, area)
    trend = charts.indicator_chart(ind, df, area_name, comparators=comps)
    spc_fig = None
    if reading is not None:
        unit = {"percent": "%", "weeks": "weeks", "days": "days"}.get(ind.unit, "")
        spc_fig = spc.spc_chart(reading, f"{ind.name} — {area_name} (XmR)", unit, x=pd.to_datetime(df["period_start"]))
    return comps, reading, trend, spc_fig
