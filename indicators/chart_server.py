"""The board pack's chart server: one Kaleido (Plotly's static export in the system Chromium) for the whole process,
started on first use and kept, drawing every pack's charts as PNG, as many at once as it has tabs."""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import contextlib
import hashlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from indicators.pack_model import CHART_SCALE, Chart, ExportError, Pack, _clean_tree, clean_text

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "Charts in the board pack are drawn by Plotly's static export, which needs Chromium on this machine, "
    "and none was found. Install it from the operating system's packages, e.g. `sudo apt-get install chromium` "
    "on Debian or Ubuntu, then try again. (Nothing is downloaded automatically.)"
)


def chromium_path() -> str | None:
    """The system Chromium: KPI_CHROMIUM if set (and only that), else the usual names on PATH."""
    chosen = os.environ.get("KPI_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def chart_timeout() -> float:
    """Seconds to wait for Chromium to start, and for each chart (KPI_CHART_TIMEOUT, default 60)."""
    try:
        return max(1.0, float(os.environ.get("KPI_CHART_TIMEOUT") or 60))
    except ValueError:
        return 60.0


class _ChartServer:
    """One Kaleido (the system Chromium with two tabs) for the whole process, on its own thread and event loop, started
    on first use and kept for later packs, so they do not pay Chromium's start-up. Any number of threads (one per
    Streamlit session) may draw at once: each chart is a task on the server's loop, waited for with a timeout.
    kaleido's own global sync server is not used: it is started and stopped per caller and its task queue is shared
    unguarded, so two packs at once mixed up or lost each other's charts ('_task_queue' AttributeError)."""

    TABS = 2

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._browser: str | None = None

    def _start(self, browser: str, timeout: float) -> None:
        from kaleido import Kaleido  # imported here: the dashboard starts without it being used

        class Kaleido(Kaleido):
            """Kaleido reloads a tab after every chart, so Chromium parses plotly.js (4 MB) again each time: most of
            the CPU a chart cost (about 0.6 s of 0.7 s on the 2-core machine). Our charts are plain Plotly figures,
            each drawn into a fresh element, so a tab is reloaded only every RELOAD_EVERY charts, to keep its memory
            bounded."""

            RELOAD_EVERY = 40

            async def _return_kaleido_tab(self, tab) -> None:
                tab.kpi_drawn = getattr(tab, "kpi_drawn", 0) + 1
                if tab.kpi_drawn % self.RELOAD_EVERY == 0:
                    await tab.reload()
                await self.tabs_ready.put(tab)

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kpi-chart-server", daemon=True)
        thread.start()
        # mathjax=False: no LaTeX in our charts, and Kaleido would otherwise ask a CDN for MathJax.
        k = Kaleido(n=self.TABS, timeout=timeout, mathjax=False, path=browser)
        opening = asyncio.run_coroutine_threadsafe(k.open(), loop)
        try:
            opening.result(timeout)
        except BaseException as e:
            opening.cancel()
            self._kill(k, loop, thread)
            if isinstance(e, concurrent.futures.TimeoutError):
                raise ExportError(
                    f"Chromium ({browser}) did not start within {timeout:.0f} seconds, so the charts could not "
                    "be drawn. Try again; if it keeps happening, ask whoever runs the dashboard to check that "
                    "Chromium starts on the server (KPI_CHART_TIMEOUT sets the wait)."
                ) from None
            said = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
            if "close immediately" in said or "communication channel" in said:
                # Kaleido words a browser that exits at once either way, depending on timing: said one way here.
                said = "it closed as soon as it was started."
            raise ExportError(
                f"Chromium ({browser}) did not start, so the charts could not be drawn: {said} Check that it "
                f"runs on the server (`{browser} --headless --version`), then try again. (Nothing is "
                "downloaded automatically.)"
            ) from None
        self._loop, self._thread, self._kaleido, self._browser = loop, thread, k, browser

    @staticmethod
    def _kill(k, loop, thread) -> None:
        """Stop a Kaleido that failed or hung: close it (briefly), make sure its Chromium is gone, stop its loop."""
        with contextlib.suppress(BaseException):
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(5)
        proc = getattr(k, "subprocess", None)
        if proc is not None:
            # A Chromium that never answered is not closed by close(); choreographer starts it under a wrapper in a
            # session of its own, so the whole process group goes.
            if hasattr(os, "killpg"):
                with contextlib.suppress(Exception):
                    os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.kill()
                proc.wait(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def stop(self) -> None:
        with self._lock:
            if self._kaleido is not None:
                self._kill(self._kaleido, self._loop, self._thread)
            self._loop = self._thread = self._kaleido = self._browser = None

    def _ready(self, browser: str, timeout: float):
        with self._lock:  # one start at a time; later callers find it running
            if self._kaleido is not None and (self._browser != browser or not self._thread.is_alive()):
                self._kill(self._kaleido, self._loop, self._thread)
                self._kaleido = None
            if self._kaleido is None:
                self._start(browser, timeout)
            return self._kaleido, self._loop

    def draw(self, spec: dict, browser: str, timeout: float, what: str, size: tuple[float, float] = (1100, 540)) -> bytes:
        """One chart as PNG, `size` (width, height) in CSS pixels, drawn at CHART_SCALE pixels each."""
        k, loop = self._ready(browser, timeout)
        opts = {"format": "png", "width": round(size[0]), "height": round(size[1]), "scale": CHART_SCALE}
        job = asyncio.run_coroutine_threadsafe(k.calc_fig(spec, opts=opts), loop)
        # waiting for a free tab, then drawing (Kaleido's own limit is `timeout`)
        return finish_or_stop(
            self,
            lambda: job.result(timeout * 2),
            timeout * 2,
            f"drawing the chart {what}",
            f"the chart {what} could not be drawn",
            cancel=job.cancel,
        )


def finish_or_stop(server, result, limit: float, doing: str, failed: str, cancel=None):
    """The result of one job on a shared Chromium (a chart, a PDF), or an ExportError that says what to do. A job past
    its time limit, or one that fails, stops that Chromium: a hung tab would hold up every later pack, and the next
    job starts a fresh one."""
    try:
        return result()
    except concurrent.futures.TimeoutError:
        if cancel is not None:
            cancel()
        server.stop()
        raise ExportError(
            f"{doing} took longer than {limit:.0f} seconds. Try again; if it keeps happening, make the pack with fewer "
            "indicators."
        ) from None
    except ExportError:
        raise
    except Exception as e:
        server.stop()
        raise ExportError(
            f"{failed} ({type(e).__name__}: {str(e).strip()[:300]}). Try again; if it keeps happening, tell whoever "
            "runs the dashboard (the server log has the details)."
        ) from None


CHARTS = _ChartServer()
atexit.register(CHARTS.stop)


# Charts already drawn, by what they show: the PowerPoint made after the PDF of the same pack (or a second person's
# pack of the same figures) reuses them. Keyed on the chart's whole content, so new figures are always drawn afresh.
_DRAWN: collections.OrderedDict[tuple, bytes] = collections.OrderedDict()
_DRAWN_LOCK = threading.Lock()


class _Drawer:
    """Draws charts as the pack's pages are built, as many at once as the chart server has tabs: Chromium draws
    one page's charts while Python builds the next page."""

    def __init__(self, progress: Callable[[float, str], None] | None = None):
        self.browser = chromium_path()
        if self.browser is None:
            raise ExportError(INSTALL_HINT)
        self.timeout = chart_timeout()
        if progress and not CHARTS.running:
            progress(
                0.02, "Starting Chromium to draw the charts (only the first pack since the dashboard started waits for this)"
            )
        CHARTS._ready(self.browser, self.timeout)  # started once, here, rather than raced for by the workers below
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=_ChartServer.TABS, thread_name_prefix="kpi-chart")
        self.jobs: dict[concurrent.futures.Future, tuple[str, Chart]] = {}

    def submit(self, title: str, chart: Chart) -> None:
        self.jobs[self.pool.submit(self._draw, title, chart)] = (title, chart)

    def _draw(self, title: str, c: Chart) -> bytes:
        spec = _clean_tree(c.figure)
        for trace in spec.get("data", []):  # a picture has nothing to hover over
            for k in ("hovertext", "hovertemplate", "customdata"):
                trace.pop(k, None)
        key = (
            self.browser,
            c.width,
            c.height,
            hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest(),
        )
        with _DRAWN_LOCK:
            if key in _DRAWN:
                _DRAWN.move_to_end(key)
                return _DRAWN[key]
        png = CHARTS.draw(spec, self.browser, self.timeout, f'"{clean_text(title)}"', (c.width, c.height))
        with _DRAWN_LOCK:
            _DRAWN[key] = png
            while len(_DRAWN) > 256:
                _DRAWN.popitem(last=False)
        return png

    def finish(self, progress: Callable[[float, str], None] | None = None) -> None:
        """Wait for every chart; each PNG goes onto its chart. The first failure is raised, the rest cancelled."""
        try:
            total = len(self.jobs)
            for done, job in enumerate(concurrent.futures.as_completed(self.jobs), 1):
                title, chart = self.jobs[job]
                chart.png = job.result()
                if progress:
                    progress(0.05 + 0.85 * done / total, f"Drew chart {done} of {total}: {clean_text(title)}")
        finally:
            self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def draw_charts(pack: Pack, progress: Callable[[float, str], None] | None = None) -> None:
    """Turn each page's Plotly figures into PNGs through the process's chart server (started on first use)."""
    todo = [(s, c) for s in pack.slides for c in s.charts if c.png is None]
    if not todo:
        return
    drawer = _Drawer(progress)
    for s, c in todo:
        drawer.submit(s.title, c)
    drawer.finish(progress)
