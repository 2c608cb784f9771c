"""The gate every page passes: sign-in (or local mode, and where it is refused), access from the roles file, the
hand-over from Streamlit's legacy pages/ discovery to app.py, and the one screen shown when something stops it."""

from __future__ import annotations

import contextlib
import contextvars
import runpy
from collections.abc import Callable
from typing import NoReturn

import streamlit as st

from indicators import access as access_mod
from indicators import config as config_mod
from indicators import queries, signin
from pages.common.state import APP, PAGES, _roles, stop
from pages.common.text import plain

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
        return access_mod.local_access(queries.os_user())
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
