"""Browser-test fixtures: the real app under `streamlit run` on a free port, driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from indicators import store
from tests import harness
from tests.harness import (  # noqa: F401 - re-exported: browser tests import these names from here
    AXE_JS,
    ROOT,
    SYSTEM_CHROMIUM,
    Server,
    find_chromium,
    free_port,
    missing,
    streamlit_server,
    wait_healthy,
)

ARTIFACTS = ROOT / "test-artifacts"
_free_port = free_port  # the name the sign-in tests import
# The flags keep Chromium from calling home: this machine's network is closed and CI has no sandbox (runs as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SIZES = [(1366, 768), (1920, 1080)]
DURHAM, REDCAR = "E06000047", "E06000003"
# In every chart on screen: a label (a RAG boundary's rule, a break, a quartile's name), the title, a legend entry or
# a Making Data Count icon drawn over another. (Tick labels are Plotly's to space.) Found on the deck on 7 December
# 2026: SALT's "Green ≥ 90%" over its "Red < 85%", and the SPC icons over the chart's title.
CHART_CLASHES = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd.getBoundingClientRect().width > 0)
  .flatMap(gd => {
    const shown = e => e.getClientRects().length > 0 && e.getBoundingClientRect().width > 0;
    const box = (e, what) => { const r = e.getBoundingClientRect(); return {what, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
    const all = [...gd.querySelectorAll('.gtitle, .annotation-text, .legendtext')].filter(t => t.textContent.trim() && shown(t))
      .map(t => box(t, JSON.stringify(t.textContent.trim().slice(0, 30))))
      .concat([...gd.querySelectorAll('.layer-above image, .imagelayer image')].filter(shown).map((e, i) => box(e, `icon ${i + 1}`)));
    const title = gd.querySelector('.gtitle')?.textContent.slice(0, 40), out = [];
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) {
      const a = all[i], b = all[j];
      if (Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 1 && Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > 1)
        out.push(`chart ${JSON.stringify(title)}: ${a.what} drawn over ${b.what}`);
    }
    return out;
  })"""
# Query strings that make a page show real content rather than its defaults (only the indicator page needs one).
PAGE_QUERY = {"indicator": f"?indicator=ehcp_20wk&area={DURHAM}"}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the running app in Chromium (tests/browser/)")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def app_pages() -> list[tuple[str, str]]:
    """(name, link) of every st.Page that app.py puts in the navigation, so a new page is covered without edits."""
    found = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("Page", "page"):
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            if "url_path" in kw:
                # Streamlit serves the default page at / only; its url_path would open "Page not found".
                link = "/" if kw.get("default") else f"/{kw['url_path']}{PAGE_QUERY.get(kw['url_path'], '')}"
                # One address can be two pages, only one of them in a session's navigation (Upload history for an
                # administrator, My uploads for a lead): the address is visited once.
                if all(link != seen for _, seen in found):
                    found.append((kw["url_path"], link))
    return found


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return harness.needs("chromium")


@pytest.fixture(scope="session")
def axe_js() -> Path:
    return harness.needs("axe")


@pytest.fixture(scope="session")
def oidc_mock():
    """The sign-in tests' local OpenID Connect provider (oidc-provider-mock), with Authlib and httpx, which Streamlit's
    st.login needs at run time; anything missing skips locally and fails CI, with the pip command."""
    import warnings

    harness.needs("oidc")
    with warnings.catch_warnings():
        import authlib.deprecate  # noqa: F401  (its import turns its own warnings on; the filter below wins)

        warnings.simplefilter("ignore")  # the mock imports authlib.jose, which Authlib 1.9 marks deprecated
        import oidc_provider_mock
    return oidc_provider_mock


@pytest.fixture(scope="session")
def app_server(chromium_path, cfg, sample_db_template, tmp_path_factory):
    """One `streamlit run app.py` for the session, on a free port and a temporary copy of the sample database."""
    tmp = tmp_path_factory.mktemp("browser")
    served, expected = tmp / "served.duckdb", tmp / "expected.duckdb"
    shutil.copy(sample_db_template, served)
    # The server holds its file for writing, so the tests read what it should show from an identical copy.
    shutil.copy(sample_db_template, expected)
    with streamlit_server(served, tmp) as server:
        yield Server(server.url, served, expected, server.log, server.proc, server.port)


@pytest.fixture(scope="session")
def expected_conn(app_server):
    """Read-only connection to a copy of the served database: what the pages should show."""
    conn = store.connect(app_server.expected_db, read_only=True)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class UI:
    """A person at the dashboard: open a page, wait for Streamlit to finish, pick from the sidebar, take pictures."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url

    def open(self, path: str, ready: str = "h1"):
        self.page.goto(self.base_url + path)
        self.page.locator(ready).first.wait_for(timeout=60_000)
        self.idle()
        # A wrong link still shows the main page, under a "Page not found" dialog that would hide the page.
        dialogs = self.page.locator("[role=dialog]:visible")
        assert dialogs.count() == 0, f"{path} opened a dialog: {dialogs.all_inner_texts()}"
        return self.page

    def idle(self):
        """Wait until the script run has finished: Streamlit says so on stApp, and no element is stale (greyed out)."""
        self.page.wait_for_function(
            "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'"
            " && !document.querySelector('[data-testid=stStatusWidget]') && !document.querySelector('[data-stale=true]')",
            timeout=60_000,
        )

    def choose(self, label: str, option: str):
        """Pick an option in a sidebar selectbox, as a person does: click it, type the start of the option (the
        list of 171 areas shows only what fits), then click the option."""
        sidebar = self.page.get_by_test_id("stSidebar")
        box = sidebar.get_by_test_id("stSelectbox").filter(has=self.page.get_by_text(label, exact=True))
        # Centred first: a box half off the bottom of the sidebar takes focus but does not open its list.
        box.evaluate("e => e.scrollIntoView({block: 'center'})")
        box.click()
        self.page.keyboard.type(option.split(" (")[0][:12])
        self.page.get_by_role("option", name=option, exact=True).click()

    def main_height(self) -> int:
        return self.page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")

    def settled(self):
        """Wait for the script run, the network and for every Plotly chart to have re-laid itself out to its box."""
        self.idle()
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_function(
            # Charts in a tab that is not open have no box to fit: only visible ones are waited for.
            "() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd.getBoundingClientRect().width > 0)"
            ".every(gd => gd._fullLayout && Math.abs(gd._fullLayout.width - gd.getBoundingClientRect().width) < 2)",
            timeout=30_000,
        )

    def screenshots(self, name: str, width: int, height: int) -> list[Path]:
        """The screen as a person at WIDTHxHEIGHT sees it, and the whole page (viewport grown to the content)."""
        folder = ARTIFACTS / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        self.page.set_viewport_size({"width": width, "height": height})
        self.settled()
        first = folder / f"{name}-{width}x{height}.png"
        self.page.screenshot(path=first)
        # Streamlit scrolls inside its main container, not the document, so full_page=True alone shows one screen.
        tall = height
        for _ in range(3):
            wanted = max(height, self.main_height())
            if wanted == tall:
                break
            tall = wanted
            self.page.set_viewport_size({"width": width, "height": tall})
            self.settled()
        # The whole page is a picture to look at, often 5,000-27,000 px tall: a JPEG, which Chromium writes in about
        # half the CPU of a PNG that size (the About page at 1366 px: 1.1 against 1.6-2.4 CPU-s, 7 December 2026).
        full = folder / f"{name}-{width}x{height}-full.jpg"
        self.page.screenshot(path=full, full_page=True, type="jpeg", quality=85)
        self.page.set_viewport_size({"width": width, "height": height})
        return [first, full]

    def axe(self, axe_js: Path, name: str) -> list[dict]:
        """Run axe-core on the page as it stands; every violation is saved to test-artifacts/axe/NAME.json."""
        self.page.add_script_tag(path=str(axe_js))
        result = self.page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return {version: axe.version, url: r.url, violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))};
        }""")
        folder = ARTIFACTS / "axe"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        return result["violations"]


class Tabs:
    """Browser tabs kept from test to test, each in its own context (its own cookies), lent one per person a test
    needs. A test's first page.goto loads a new document, so a new Streamlit session, in a renderer that has run the
    app before. Measured on 7 December 2026 on this machine: the same page cost 2.1-6.7 Chromium CPU-seconds opened in
    a new context and 0.7-2.7 loaded again in a kept tab, one load of 4.7 apart (README, Development)."""

    def __init__(self, browser):
        self.browser, self.free, self.lent = browser, [], []

    def take(self, width: int = 1366, height: int = 768):
        """A tab as a new visitor's: WIDTHxHEIGHT, no motion preference, no cookies, storage or other window."""
        page = None
        while self.free and page is None:
            kept = self.free.pop()
            page = None if kept.is_closed() else kept
        if page is None:
            page = self.browser.new_context(accept_downloads=True).new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(reduced_motion="no-preference")
        self.lent.append(page)
        return page

    def give_back(self, failed_as: str | None = None) -> None:
        """Every tab lent since the last call: photographed first if the test failed (test-artifacts/failures/), then
        emptied for the next test (other windows closed, storage, routes and cookies cleared, an empty document: the
        Streamlit session ends). A tab that cannot be emptied is closed with its context."""
        for n, page in enumerate(self.lent):
            if failed_as:
                folder = ARTIFACTS / "failures"
                folder.mkdir(parents=True, exist_ok=True)
                try:
                    page.screenshot(path=folder / f"{failed_as}{f'-{n}' if n else ''}.png")
                except Exception as e:  # the picture is a help, never a second failure
                    print(f"no failure screenshot: {e}")
            context = page.context
            try:
                for other in context.pages:  # a presenter window the test opened
                    if other is not page:
                        other.close()
                context.unroute_all(behavior="ignoreErrors")
                if not page.is_closed():
                    page.evaluate("() => { try { sessionStorage.clear(); localStorage.clear(); } catch (e) {} }")
                    page.goto("about:blank")
                    context.clear_cookies()
                    self.free.append(page)
            except Exception:
                context.close()
        self.lent = []


@pytest.fixture(scope="session")
def _tabs(browser):
    tabs = Tabs(browser)
    yield tabs
    for page in tabs.free:
        page.context.close()


@pytest.fixture
def tab(_tabs, request):
    """tab(width, height): a kept browser tab for this test, as a new visitor's (Tabs.take); given back afterwards."""
    yield _tabs.take
    rep = getattr(request.node, "rep_call", None)
    failed = rep is not None and rep.failed
    _tabs.give_back("".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)[:120] if failed else None)


@pytest.fixture
def ui(tab, app_server):
    """A kept tab at 1366x768 on the worker's app server (tab); each test starts a new Streamlit session with its
    first ui.open (a new document)."""
    return UI(tab(), app_server.url)
