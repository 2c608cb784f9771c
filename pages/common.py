"""Streamlit glue shared by the pages: the gate every page passes (sign-in, access, the legacy pages/ hand-over),
the process-wide config, connection and figures, the area picker, and plain() for text that must stay text."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import os
import re
import runpy
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pandas as pd
import streamlit as st

from indicators import access as access_mod
from indicators import charts, commentary, markup, plan, readmodel, signin, store
from indicators import config as config_mod
from indicators import periods as periods_mod

ILLUSTRATIVE_NOTE = (
    "Diamonds and the word *published* mark figures quoted in published documents (hover for the source); "
    "open circles and *illustrative* mark sample values made up to fill the series. They are not real returns."
)
PAGES = Path(__file__).resolve().parent
APP = PAGES.parent / "app.py"
APP_NAME = "SEND performance dashboard"


# ---------------------------------------------------------------- text that must stay text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# Every ASCII punctuation mark Markdown (CommonMark, GFM autolinks, Streamlit's directives, KaTeX) gives a meaning;
# the harmless ones (" ' , ; ? % /) are left alone so messages stay readable.
_MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:&@=^")


WORD_JOINER = "\u2060"  # zero width, not read aloud, no line break
_WWW = re.compile(r"(?i)www(?=\.)")


def unplain(text: str) -> str:
    """What plain() text reads as on the page (escapes and word joiners removed): for messages built from it, and
    for tests."""
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")


def plain(text) -> str:
    """User- or file-supplied text (a figure's source or note, a file name, an area or indicator name) made inert for
    the Markdown Streamlit renders in titles, notices, captions and widget labels: every Markdown-significant character
    is backslash-escaped (links, images, HTML, emphasis, :red[…] and :material/…: directives, $…$ maths, autolinked
    addresses) and line breaks become spaces, so the text is shown exactly as written, on one line."""
    s = "" if text is None else str(text)
    s = _CONTROL.sub("", s.replace("\t", " "))
    s = " ".join(s.split())  # newlines would start paragraphs, headings or lists; indentation a code block
    # Streamlit turns addresses (http://…, www.…, a@b.org) into links and :material/name: into icons by searching the
    # text after Markdown has been parsed, where escapes are gone: an invisible word joiner breaks each pattern.
    s = _WWW.sub(lambda m: m.group(0) + WORD_JOINER, s.replace(":", ":" + WORD_JOINER).replace("@", WORD_JOINER + "@"))
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in s)


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def plain_with_email_links(text) -> str:
    """plain(), except that each e-mail address becomes a mailto: link whose text is the address exactly (no word
    joiner, so it copies as written). Only well-formed addresses are linked; everything else stays text."""
    s = " ".join(("" if text is None else str(text)).split())

    def between(part: str) -> str:  # plain() trims; the spaces around an address are kept
        return (" " if part[:1] == " " else "") + plain(part) + (" " if part[-1:] == " " and part.strip() else "")

    out, at = [], 0
    for m in _EMAIL.finditer(s):
        address = m.group(0)
        shown = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in address)
        out += [between(s[at : m.start()]), f"[{shown}](mailto:{address})"]
        at = m.end()
    out.append(between(s[at:]))
    return "".join(out)


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


# ---------------------------------------------------------------- the gate: every page passes it

# Set while app.py's st.navigation runs the chosen page: the mark that the page was opened through the gate.
_OPENED_BY_APP: contextvars.ContextVar[bool] = contextvars.ContextVar("kpi_opened_by_app", default=False)


@contextlib.contextmanager
def opened_by_app():
    """app.py runs the page st.navigation chose inside this."""
    token = _OPENED_BY_APP.set(True)
    try:
        yield
    finally:
        _OPENED_BY_APP.reset(token)


def hand_over() -> None:
    """Run app.py instead of this file. Until st.navigation has run once in the process, Streamlit's legacy pages/
    discovery (script_runner._mpa_v1) runs any file in pages/ whose name matches the URL, without app.py; app.py then
    checks sign-in and access and opens the page the URL names through its own navigation."""
    runpy.run_path(str(APP), run_name="__main__")


class PageStopped(Exception):
    """Raised by stop(): the page has said all it has to say; run_page still draws the footer."""


_IN_PAGE: contextvars.ContextVar[bool] = contextvars.ContextVar("kpi_in_page", default=False)


def stop() -> NoReturn:
    """st.stop() for a page: ends the page's own drawing but not the footer (st.stop() would end the whole run, so
    the footer with the accessibility statement would be missing from every page that stops early)."""
    if _IN_PAGE.get():
        raise PageStopped
    st.stop()


def run_page(render: Callable[[], None]) -> None:
    """The last line of every page file: draw the page when app.py's navigation opened it, else hand over to app.py.
    (st.Page and the legacy discovery both execute the file as __main__, so only app.py's mark tells them apart.)
    Every page gets the same focus style and script first and the footer last."""
    if not _OPENED_BY_APP.get():
        hand_over()
        return
    chrome()
    token = _IN_PAGE.set(True)
    try:
        render()
    except PageStopped:
        pass
    finally:
        _IN_PAGE.reset(token)
    footer()


# ---------------------------------------------------------------- what every page shares: title, focus, footer

_A11Y_CSS = (PAGES / "a11y.css").read_text(encoding="utf-8")
_A11Y_JS = (PAGES / "a11y.js").read_text(encoding="utf-8")


def area_page(what: str):
    """The start of every page about one area: the config, the person (who must be a viewer, to `what`), a cursor, and
    the area chosen in the sidebar. Returns (cfg, who, cur, area, area_name)."""
    cfg = get_config()
    who = get_access()
    require(who.viewer, what)
    cur = get_cursor(cfg)
    area, area_name = area_picker(cur, cfg)
    return cfg, who, cur, area, area_name


def page_title(*parts: str) -> None:
    """The browser tab's title (WCAG 2.4.2), most specific first: "Scorecard – County Durham – SEND performance
    dashboard". app.py sets the page's name alone; a page with an area or indicator sets the fuller title."""
    st.set_page_config(page_title=" – ".join([*(p for p in parts if p), APP_NAME]))


def chrome() -> None:
    """The focus style and the small script every page needs (see pages/a11y.css and pages/a11y.js). The script is
    ours and fixed: nothing from a file or a person reaches it."""
    st.html(f"<style>{_A11Y_CSS}</style>")
    with st.container(key="a11y_script"):  # hidden by a11y.css; the script runs all the same
        st.html(f"<script>{_A11Y_JS}</script>", unsafe_allow_javascript=True)


def footer() -> None:
    """Every page's footer: the accessibility statement."""
    with st.container(key="site_footer"):
        st.page_link(PAGES / "statement_page.py", label="Accessibility statement", icon=":material/accessibility:")


def chart(key: str, fig, name: str, summary: str, table: pd.DataFrame) -> None:
    """A chart people can read without seeing it: its name and one-sentence summary before it, its figures as a table
    beside it (linked from the summary), Plotly's SVG hidden from assistive technology (pages/a11y.js). Drawn with
    the figure's own colours (theme=None), which meet WCAG contrast, not Streamlit's lighter chart theme."""
    with st.container(key=f"chart_{key}"):
        st.html(markup.chart_alt_html(key, name, summary))
        st.plotly_chart(fig, width="stretch", theme=None, config={"displaylogo": False}, key=key)
        st.html(markup.chart_table_html(key, name, table))


def gate_paths() -> list[str]:
    """Every address a page could be asked for: each file name in pages/ with and without _page, which covers
    app.py's url_paths (each has a shim of that name) and Streamlit's legacy ones."""
    names = {p.stem.removesuffix("_page") for p in PAGES.glob("*.py") if not p.name.startswith((".", "__"))}
    return sorted(names | {n + "_page" for n in names})


def _only(screen: Callable[[], None], title: str) -> NoReturn:
    """Show SCREEN and nothing else, then stop. Called from app.py (before its navigation), the screen is the one page
    at every address, with the navigation hidden: no list of pages, no "Page not found", no page of the dashboard."""
    if _OPENED_BY_APP.get():
        screen()
    else:
        pages = [st.Page(screen, title=title, url_path="", default=True)]
        pages += [st.Page(screen, title=title, url_path=p) for p in gate_paths()]
        st.navigation(pages, position="hidden").run()
    st.stop()


def _error_screen(heading: str, lines: list[str], *, sign_out: bool = False) -> Callable[[], None]:
    def screen() -> None:
        st.title("SEND performance dashboard")
        st.error(heading, icon=":material/block:")
        if lines:
            st.markdown("\n".join(f"- {plain(x)}" for x in lines))
        if sign_out:
            st.button("Sign out", on_click=st.logout, key="sign_out_refused")

    return screen


def _sign_in_screen() -> None:
    st.title("SEND performance dashboard")
    st.write("Sign in with your organisation account to see the dashboard.")
    st.button("Sign in", type="primary", on_click=st.login, key="sign_in")


def sign_in_settings() -> tuple[bool, list[str], list[str]]:
    """(sign-in is on, problems, the secrets files read): from the files Streamlit reads (secrets.files), parsed as
    Streamlit parses them (tomllib)."""
    secrets, found, problems = signin.read_secrets(st.get_option("secrets.files") or [])
    problems += signin.auth_problems(secrets)
    return "auth" in secrets, problems, found


def server_address() -> str | None:
    return st.get_option("server.address")


def request_from_elsewhere() -> str | None:
    """Why this session's request did not come from this computer (a proxy's headers, a peer that is not loopback),
    from the headers and address of the request that opened it; None when it did."""
    try:
        headers = {k: v for k, v in st.context.headers.items()}
        peer = st.context.ip_address  # None for 127.0.0.1 and ::1
    except Exception:  # no request at all (bare mode): nothing came from elsewhere
        return None
    # AppTest has no connection: its "address" is a stand-in object, not text.
    return signin.request_from_elsewhere(headers, peer if isinstance(peer, str) else None)


def get_access() -> access_mod.Access:
    """Who is using the dashboard and what they may do; anything wrong with sign-in stops the page with only a message
    saying what and where. Every page calls this first (app.py too, before its navigation)."""
    on, problems, files = sign_in_settings()
    if problems:
        _only(
            _error_screen(
                "**Sign-in is set up wrongly, so the dashboard will not open.** An administrator must fix "
                f"the secrets ({plain(', '.join(files))}):",
                problems,
            ),
            "Sign-in is set up wrongly",
        )
    if not on:
        address = server_address()
        if not signin.listens_on_loopback(address) and not signin.open_local_allowed():
            _only(_error_screen(signin.local_mode_refusal(address), []), "Local mode refused on a network address")
        why = request_from_elsewhere()
        if why and not signin.open_local_allowed():
            _only(_error_screen(signin.local_request_refusal(plain(why)), []), "Local mode refused through a proxy")
        return access_mod.local_access(store.os_user())
    if not st.user.is_logged_in:
        _only(_sign_in_screen, "Sign in")
    path = access_mod.roles_path()
    try:
        roles = _roles(str(path), path.stat().st_mtime if path.exists() else 0.0, config_mod.config_path().stat().st_mtime)
    except access_mod.RolesError as e:
        _only(
            _error_screen(
                f"**The roles file cannot be used.** An administrator must fix {plain(e.path)}:", e.problems, sign_out=True
            ),
            "The roles file cannot be used",
        )
    claims = st.user.to_dict()
    why = signin.email_problem(claims, roles.unverified_email_issuers)
    if why:
        _only(_error_screen(plain(why), [], sign_out=True), "E-mail address not verified")
    who = access_mod.access_for(claims.get("email"), roles)
    if not who.viewer:
        _only(
            _error_screen(
                f"You are signed in as {plain(who.user)}, but the roles file does not give you access. Ask an administrator.",
                [],
                sign_out=True,
            ),
            "No access",
        )
    return who


def local_mode_sidebar(who: access_mod.Access) -> None:
    """What app.py says in every page's sidebar and, for local mode on a network address, above every page."""
    if not who.local:
        st.sidebar.caption(f"Signed in as {plain(who.user)}")
        st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
        return
    address = server_address()
    elsewhere = request_from_elsewhere()
    if signin.listens_on_loopback(address) and not elsewhere:
        st.sidebar.info(
            "**Local mode**: no sign-in is set up, so whoever uses this computer may change figures. "
            "The dashboard listens on this computer only.",
            icon=":material/computer:",
        )
        return
    st.error(
        f"**{signin.OPEN_LOCAL_BANNER}** No sign-in is set up and the dashboard "
        + ("is reached through a proxy" if elsewhere else f"listens on {plain(address or 'every network interface')}")
        + f" because {signin.OPEN_LOCAL_ENV}=1 is set. Set up sign-in "
        "([auth] in .streamlit/secrets.toml) or listen on localhost.",
        icon=":material/warning:",
    )
    st.sidebar.error(
        f"**Local mode on the network**: anyone who can reach {plain(address or 'this server')} may change figures.",
        icon=":material/warning:",
    )


def require(allowed: bool, what: str) -> None:
    """Stop a page (even one reached by its URL) that the signed-in person may not use."""
    if not allowed:
        st.error(f"You do not have permission to {what}. Ask an administrator if you need it.")
        stop()


# ---------------------------------------------------------------- the database


@shared(size=4, copy_frames=False)
def _connection(db: str, config_path: str, mtime: float):
    cfg = _config(config_path, mtime)

    def first_start(c) -> None:  # only a new database pays for the importers
        from indicators.sample import load_sample

        load_sample(c, cfg)

    conn = store.open_store(cfg, db, load_sample=first_start)
    # Once per process (and per indicators-file change): the log shows when the dashboard opened its database.
    print(f"Opened the database {store.db_label(db)} for this dashboard process.", file=sys.stderr, flush=True)
    return conn


_open_lock = threading.Lock()  # one first open per process, even when several sessions start together


def get_cursor(cfg: config_mod.Config):
    """A cursor of the process-wide connection: one connection per process, one cursor per script run."""
    path = config_mod.config_path()
    key = (str(store.db_path()), str(path), path.stat().st_mtime)
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
    except store.StoreError as e:
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
    code = where.selectbox(
        "Area",
        list(names),
        key="area",
        format_func=lambda c: f"{names[c]} ({c})",
        on_change=lambda: st.session_state.update(_area=st.session_state["area"]),
    )
    st.query_params["area"] = code
    return code, names[code]


# ---------------------------------------------------------------- figures, built once per data version


def cache_key(cur) -> tuple[str, int, float]:
    """(database, data version, config mtime): every write bumps the version, so no page shows stale figures."""
    path = config_mod.config_path()
    return str(store.db_path()), store.data_version(cur), path.stat().st_mtime


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
    cur = get_cursor(cfg)
    ind = cfg.by_id[indicator_id]
    league = readmodel.league(cur, cfg, indicator_id, period)
    info = readmodel.area_info(cur, area, cfg)
    neighbours = [c for c, *_ in info.neighbours]
    england = store.value_at(cur, indicator_id, readmodel.ENGLAND, period)
    display = periods_mod.parse(period, ind.period_type).display
    fig = charts.league_chart(
        ind, league, area=area, region=info.region, neighbours=neighbours, period_display=display, england=england
    )
    table = readmodel.league_table(ind, league, area, neighbours, info.region)
    summary = readmodel.league_summary(ind, league, info, display, england)
    return fig, table, summary


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
    return commentary.latest_for(store.commentary_versions(get_cursor(get_config()), indicator_id, area_code), indicator_id)


def provenance(af: readmodel.AreaFigures, ids: list[str] | None = None) -> None:
    """The banner every screen starts with: how old the figures are, whether any are made up, and (once, listed)
    which indicators are overdue."""
    st.html(markup.provenance_html(af.figures_up_to(ids), af.illustrative_shown(ids), af.overdue_summary(ids)))
    late = af.overdue(ids)
    if not late.empty:
        with st.expander(f"Which figures are overdue ({len(late)})", icon=":material/schedule:"):
            st.dataframe(
                late[["indicator", "latest_due_display", "periods_missing"]].rename(
                    columns={
                        "indicator": "Indicator",
                        "latest_due_display": "Latest period due",
                        "periods_missing": "Periods missing",
                    }
                ),
                hide_index=True,
                width="stretch",
            )


if __name__ == "__main__":  # Streamlit's legacy discovery runs this file for /common: hand over to app.py
    hand_over()
