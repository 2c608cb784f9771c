"""HTML to tagged PDF: the system Chromium, driven through Playwright, prints a page of our own HTML (the board pack's,
pack_html) with `tagged=True` (a structure tree: headings, tables with header cells, figures with their text
alternatives, the document's language and title) and `outline=True` (bookmarks from the headings).

One Chromium for the process, on its own thread and event loop, started by the first PDF and kept, as the chart server
(chart_server) keeps Kaleido's: any number of sessions print at once, each in a context of its own with JavaScript
off and every request refused (the HTML carries its pictures inline), so nothing in a pack can run or fetch anything.
The page numbers Chromium prints in the footer are not in its structure tree; they are marked as artifacts afterwards
(pikepdf), as PDF/UA asks of page furniture, and the title and language are put in the XMP metadata too."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import io
import re
import threading
from html import escape

from indicators.chart_server import INSTALL_HINT, chart_timeout, chromium_path, finish_or_stop
from indicators.pack_model import PRINT_MIN_PT, ExportError

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium's page furniture: marked as an artifact afterwards (mark_artifacts). Its own CSS only: no page styles here.
FOOTER = (
    "<div style=\"font-family: 'DejaVu Sans', sans-serif; font-size: {size}pt; line-height: 1.2; color: #505a5f; font-variant-ligatures: none; "
    'width: 100%; margin: 0 36pt 6pt; display: flex; gap: 24pt; align-items: flex-end;">'
    '<span style="flex: 1">{text}</span><span style="white-space: nowrap">Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span></div>'
)


class _Printer:
    """The process's Chromium for printing: started on first use, restarted if it died, stopped at exit."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pw = None
        self._browser = None
        self._path: str | None = None

    @property
    def running(self) -> bool:
        return self._browser is not None

    def _run(self, coro, timeout: float):
        job = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return job.result(timeout)
        except concurrent.futures.TimeoutError:
            job.cancel()
            raise

    def _start(self, path: str, timeout: float) -> None:
        from playwright.async_api import async_playwright  # imported here: the dashboard starts without it

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kpi-pdf-printer", daemon=True)
        self._thread.start()

        async def launch():
            pw = await async_playwright().start()
            try:
                return pw, await pw.chromium.launch(executable_path=path, args=ARGS, timeout=timeout * 1000)
            except BaseException:
                await pw.stop()
                raise

        try:
            self._pw, self._browser = self._run(launch(), timeout + 5)
        except BaseException as e:
            self._stop_loop()
            if isinstance(e, concurrent.futures.TimeoutError):
                raise ExportError(
                    f"Chromium ({path}) did not start within {timeout:.0f} seconds, so the PDF could not be made. Try "
                    "again; if it keeps happening, ask whoever runs the dashboard to check that Chromium starts on the "
                    "server (KPI_CHART_TIMEOUT sets the wait)."
                ) from None
            said = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ExportError(
                f"Chromium ({path}) did not start, so the PDF could not be made: {said}. Check that it runs on the "
                f"server (`{path} --headless --version`), then try again. (Nothing is downloaded automatically.)"
            ) from None
        self._path = path

    def _stop_loop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop = self._thread = self._pw = self._browser = self._path = None

    def _shutdown(self) -> None:
        if self._browser is not None:

            async def close():
                with contextlib.suppress(Exception):
                    await self._browser.close()
                with contextlib.suppress(Exception):
                    await self._pw.stop()

            with contextlib.suppress(BaseException):
                self._run(close(), 10)
        self._stop_loop()

    def stop(self) -> None:
        with self._lock:
            self._shutdown()

    def _ready(self, path: str, timeout: float) -> None:
        with self._lock:  # one start at a time; later callers find it running
            if self._browser is not None and (self._path != path or not self._browser.is_connected()):
                self._shutdown()
            if self._browser is None:
                self._start(path, timeout)

    def print(self, html: str, timeout: float, footer: str = "") -> bytes:
        path = chromium_path()
        if path is None:
            raise ExportError(INSTALL_HINT)
        self._ready(path, timeout)
        browser = self._browser

        async def job() -> bytes:
            context = await browser.new_context(java_script_enabled=False)
            try:
                page = await context.new_page()
                await page.route("**/*", lambda route: route.abort())  # data: URIs are not requests; nothing else loads
                await page.set_content(html, wait_until="load", timeout=timeout * 1000)
                return await page.pdf(
                    prefer_css_page_size=True,
                    print_background=True,
                    tagged=True,
                    outline=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=FOOTER.format(size=PRINT_MIN_PT, text=escape(footer)),
                )
            finally:
                await context.close()

        return finish_or_stop(
            self, lambda: self._run(job(), timeout * 2), timeout * 2, "printing the PDF", "the PDF could not be printed"
        )


PRINTER = _Printer()
atexit.register(PRINTER.stop)


# The tokens that matter for marked content, strings skipped (a string could hold the letters "EMC").
_TOKENS = re.compile(rb"<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|(?<![/\w])(BDC|BMC|EMC|BT|ET)(?![\w])")


def mark_artifacts(pdf) -> int:
    """Text Chromium prints outside its structure tree, the footer (how old the figures are, the page number), marked
    as an /Artifact, so every piece of text in the file is tagged content or declared page furniture (PDF/UA-1, 7.1):
    each text object outside any marked-content sequence is wrapped in one. Done on the bytes, with just the tokens
    that matter (parsing every page's content stream with pikepdf took seconds). Returns the text objects marked."""
    marked = 0
    for page in pdf.pages:
        page.contents_coalesce()
        stream = page.obj.Contents
        data = stream.read_bytes()
        depth, start, cuts = 0, None, []
        for m in _TOKENS.finditer(data):
            op = m.group(1)
            if op in (b"BDC", b"BMC"):
                depth += 1
            elif op == b"EMC":
                depth = max(0, depth - 1)
            elif op == b"BT" and depth == 0:
                start = m.start()
            elif op == b"ET" and start is not None:
                cuts.append((start, m.end()))
                start = None
        if not cuts:
            continue
        out, at = [], 0
        for begin, end in cuts:
            out += [data[at:begin], b"/Artifact BMC\n", data[begin:end], b"\nEMC"]
            at = end
        stream.write(b"".join(out) + data[at:])
        marked += len(cuts)
    return marked


def fix_outline(pdf, headings: list[str]) -> None:
    """Chromium's bookmarks drop the space where a heading wrapped ("(NHSEngland)"): each gets its heading back."""
    import pikepdf

    whole = {"".join(h.split()): h for h in headings}
    item = pdf.Root.Outlines.get("/First") if "/Outlines" in pdf.Root else None
    stack = []
    while item is not None:
        said = str(item.get("/Title", ""))
        if "".join(said.split()) in whole:
            item.Title = pikepdf.String(whole["".join(said.split())])
        if "/First" in item:
            stack.append(item.get("/Next"))
            item = item.First
            continue
        item = item.get("/Next")
        while item is None and stack:
            item = stack.pop()


def finish(data: bytes, title: str, lang: str = "en-GB", headings: list[str] | None = None) -> bytes:
    """Chromium's PDF with its page furniture marked as artifacts and the title and language in the XMP metadata
    as well as the document information (Chromium sets /Title, /Lang and DisplayDocTitle itself)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        mark_artifacts(pdf)
        fix_outline(pdf, headings or [])
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = title
            meta["dc:language"] = [lang]
            meta["dc:creator"] = ["SEND performance dashboard"]
        pdf.Root.Lang = pikepdf.String(lang)
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        pdf.docinfo["/Title"] = title
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def print_pdf(html: str, *, title: str, footer: str = "", headings: list[str] | None = None) -> bytes:
    """`html` (a whole document with its lang, title and @page size) as a tagged PDF, `footer` and the page number at
    the foot of every page."""
    return finish(PRINTER.print(html, chart_timeout(), footer), title, headings=headings)
