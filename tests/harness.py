"""The one test harness: what a test needs from outside Python, written once.

- free_port()                     a free TCP port on 127.0.0.1
- needs(thing)                    the tool a test needs (chromium, axe, pdfplumber, pdftoppm, postgresql, haproxy,
                                  oidc, tmpfs), or skip with the install command; in CI (CI=true) a missing tool FAILS;
                                  as a mark: @needs_mark("chromium") or pytestmark = needs_mark("pdfplumber")
- wait_until(condition, ...)      poll a condition until it is true (never a fixed sleep)
- streamlit_server(db, folder)    `streamlit run app.py` on a free port, waited for on /_stcore/health, stopped after
- start_streamlit / wait_healthy / stop    the same in steps, for servers a test stops and starts itself
- run_cli(*args, env=..)          `python -m indicators ARGS` in a fresh process, output captured as text
- start_cli(*args, env=..)        the same, started and not waited for (read as it runs, or killed part-way)
- hold_database(path)             another process holding a DuckDB file for writing, as a running dashboard does

tests/conftest.py, tests/browser/conftest.py, tests/app_servers.py and tests/pg_server.py build their fixtures on
these; a new test should use the fixtures (conftest.py) or, for its own server or process, these functions.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "indicators.yaml"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SYSTEM_CHROMIUM = "/usr/bin/chromium"  # Debian's package `chromium`


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


# ---------------------------------------------------------------- what a test needs from the machine

MISSING: set[str] = set()  # reasons given so far, so conftest folds every skip for one missing tool into one line


def missing(reason: str) -> None:
    """Skip with a one-line reason on a developer's machine; in CI (CI=true) a missing tool fails the run."""
    if in_ci():
        pytest.fail(reason, pytrace=False)
    MISSING.add(reason)
    pytest.skip(reason)


def find_chromium() -> str | None:
    """The operating system's Chromium: $CHROMIUM, /usr/bin/chromium or `chromium` on the PATH; never a downloaded one."""
    for candidate in (os.environ.get("CHROMIUM"), SYSTEM_CHROMIUM, shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_haproxy() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).is_file()), None)


def _module(name: str):
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def _postgresql():
    from tests import pg_server

    return os.environ.get("KPI_TEST_POSTGRES_URL") or pg_server.bin_dir()


def _export_chromium():
    from indicators import export

    return export.chromium_path()  # the board pack's own finder (KPI_CHROMIUM or the PATH)


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


def _oidc():
    absent = [m for m in ("authlib", "httpx", "oidc_provider_mock") if importlib.util.find_spec(m) is None]
    return None if absent else True


# name -> (finder returning the thing or None, what to do when it is missing)
NEEDS: dict[str, tuple[Callable[[], object], str]] = {
    "chromium": (find_chromium, "Chromium is not installed: apt-get install chromium"),
    "axe": (
        lambda: AXE_JS if AXE_JS.is_file() else None,
        "axe-core is not installed: npm ci (make test does this when npm is installed)",
    ),
    "pdf-chromium": (_export_chromium, "Chromium is not installed: apt-get install chromium"),
    "pdfplumber": (lambda: _module("pdfplumber"), "pdfplumber is not installed: pip install -r requirements-dev.txt"),
    "pdftoppm": (lambda: shutil.which("pdftoppm"), "pdftoppm is not installed: apt-get install poppler-utils"),
    "postgresql": (
        _postgresql,
        "PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb; run `bash .ci/postgres.sh` or "
        "`apt-get install postgresql`",
    ),
    "haproxy": (find_haproxy, "HAProxy is not installed: apt-get install haproxy (.ci/run does this)"),
    "oidc": (
        _oidc,
        "Authlib, httpx or oidc-provider-mock not installed (sign-in tests): "
        ".venv/bin/python -m pip install -r requirements-dev.txt",
    ),
    "tmpfs": (_can_mount, "cannot mount a small file system here: the full-disk tests need root (CI runs as root)"),
}


def has(thing: str) -> bool:
    return bool(NEEDS[thing][0]())


def needs(thing: str):
    """The tool THING (a key of NEEDS): its path or module when found; otherwise skip locally and fail in CI."""
    found = NEEDS[thing][0]()
    if not found:
        missing(NEEDS[thing][1])
    return found


def needs_mark(thing: str):
    """needs() as a mark for a test or a module's pytestmark (tests/conftest.py calls needs() before the test)."""
    assert thing in NEEDS, f"unknown need {thing!r}: one of {', '.join(NEEDS)}"
    return pytest.mark.needs(thing)


# ---------------------------------------------------------------- ports, waiting, processes


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float = 30, interval: float = 0.05, what: str = "the condition"):
    """Poll CONDITION until it returns something true and return that; fail with WHAT after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = condition()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(interval)


class ServerFailed(RuntimeError):
    """A server did not become healthy; the message ends with its log's tail."""


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90, headers: dict | None = None) -> None:
    """Until Streamlit's /_stcore/health answers ok (as Streamlit's own end-to-end suite waits); ServerFailed with the
    log's tail if the process ends first or TIMEOUT passes."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{url}/_stcore/health", headers=headers or {})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
            raise ServerFailed(f"{url} did not become healthy:\n{tail}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen | None) -> None:
    """Terminate PROC and wait for it (killed after 15 s)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- the dashboard under `streamlit run`


@dataclass
class Server:
    url: str
    db: Path
    expected_db: Path
    log: Path
    proc: subprocess.Popen | None = None
    port: int = 0


def streamlit_command(port: int, *args: str, address: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    if address:
        cmd += ["--server.address", address]
    return cmd + [
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *args,
    ]


def app_env(db, config: Path | str = CONFIG, **more: str) -> dict[str, str]:
    """The environment a dashboard process runs in: the database, the indicators file, no background backups."""
    return {**os.environ, "KPI_DB": str(db), "KPI_CONFIG": str(config), "KPI_BACKUP_EVERY_HOURS": "0", **more}


def start_streamlit(
    db,
    folder: Path,
    *,
    config: Path | str = CONFIG,
    env: dict | None = None,
    args: tuple[str, ...] = (),
    host: str = "localhost",
    port: int | None = None,
    address: str | None = None,
    log: Path | None = None,
    wait: bool = True,
) -> Server:
    """`streamlit run app.py` on PORT (a free one by default) with the database DB, more environment and options;
    healthy when it returns (unless wait=False). The caller stops server.proc (stop())."""
    port = port or free_port()
    log = log or folder / f"streamlit-{port}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            streamlit_command(port, *args, address=address),
            cwd=ROOT,
            env=app_env(db, config, **(env or {})),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://{host}:{port}", Path(str(db)), Path(str(db)), log, proc, port)
    if wait:
        try:
            wait_healthy(server.url, proc, log)
        except BaseException:
            stop(proc)
            raise
    return server


@contextlib.contextmanager
def streamlit_server(
    db, folder: Path, *, env: dict | None = None, args: tuple[str, ...] = (), host: str = "localhost"
) -> Iterator[Server]:
    """`streamlit run app.py` on a free port with the database DB, more environment and command-line options;
    yields a healthy Server (url on HOST, which stays a loopback name) and stops the process afterwards. A server
    that does not start fails the test with its log."""
    try:
        server = start_streamlit(db, folder, env=env, args=args, host=host)
    except ServerFailed as e:
        pytest.fail(f"streamlit run did not become healthy: {e}", pytrace=False)
    try:
        yield server
    finally:
        stop(server.proc)


# ---------------------------------------------------------------- the command line and other processes


def run_cli(*args: str, env: dict | None = None, inherit: bool = True, timeout: float = 120, input: str | None = None):
    """`python -m indicators ARGS` as a person runs it: a fresh process in the project folder, output as text.
    ENV is added to this process's environment (so the db_path fixture's KPI_DB holds unless overridden); with
    inherit=False it is the whole environment (a bare shell's)."""
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})} if inherit else dict(env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
    )


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    """`python -m indicators ARGS` started and not waited for (a test that reads its output as it comes, or stops it
    part-way); stdout and stderr are pipes of text."""
    return subprocess.Popen(
        [sys.executable, "-m", "indicators", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextlib.contextmanager
def hold_database(path) -> Iterator[subprocess.Popen]:
    """Another process holding the DuckDB file PATH open for writing, as a running dashboard does; it has the lock
    when this yields and is gone afterwards."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = holder.stdout.readline().strip()
        assert line == "ready", f"the holding process did not open {path}: {line!r}"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def app_test(**query):
    """The whole app (app.py) under streamlit.testing.v1.AppTest, opened with these query parameters."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def html_text(at) -> str:
    """Every st.html body the app drew, as one text."""
    return "\n".join(h.proto.body for h in at.html)
