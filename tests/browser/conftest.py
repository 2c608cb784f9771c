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
        full = folder / f"{name}-{width}x{height}-full.png"
        self.page.screenshot(path=full, full_page=True)
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


@pytest.fixture(scope="session")
def _tab(browser):
    """One browser context and tab per worker, kept from test to test: each test's first page.goto loads a new
    document, so a new Streamlit session, in a renderer that has run the app before. Measured on 7 December 2026
    (tests/exp notes in the README): a page opened in a new context cost 2.2-6.7 Chromium CPU-seconds, the same page
    loaded again in a kept tab 0.9-2.6."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    holder = {"page": context.new_page()}
    yield context, holder
    context.close()


@pytest.fixture
def ui(_tab, app_server, request):
    """The worker's browser tab, as a new visitor finds it: at 1366x768, no motion preference, no other window, nothing
    kept in the session's storage; a failing test leaves a screenshot behind. Each test starts a new Streamlit session
    with its first ui.open (a new document)."""
    context, holder = _tab
    if holder["page"].is_closed():
        holder["page"] = context.new_page()
    page = holder["page"]
    page.set_viewport_size({"width": 1366, "height": 768})
    page.emulate_media(reduced_motion="no-preference")
    yield UI(page, app_server.url)
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        folder = ARTIFACTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        try:
            page.screenshot(path=folder / f"{safe}.png")
        except Exception as e:  # the picture is a help, never a second failure
            print(f"no failure screenshot: {e}")
    for other in context.pages:  # a presenter window the test opened
        if other is not page:
            other.close()
    try:  # what the deck keeps for its window, then an empty document: the session ends, the tab waits idle
        page.evaluate("() => { try { sessionStorage.clear(); localStorage.clear(); } catch (e) {} }")
        page.goto("about:blank")
    except Exception:  # a tab that crashed or hangs is replaced for the next test
        page.close()
    context.clear_cookies()
