"""Two app servers on one PostgreSQL store behind HAProxy (deploy/haproxy.cfg, as the README's deployment): a
browser pinned to server A uploads a figure, and a browser pinned to server B sees it after one rerun of the page
it already has open. Local mode (no sign-in) behind the balancer is refused: it would serve anyone who reaches it."""

import time
import uuid

import pytest
from playwright.sync_api import expect

from indicators import readmodel, store
from indicators.sample import load_sample
from tests import app_servers, pg_server
from tests.browser.conftest import DURHAM, ROOT, UI, missing
from tests.conftest import sample_last

FIGURE = ("ehcp_20wk", DURHAM, sample_last("ehcp_20wk")[0].label)  # County Durham's latest EHC plan timeliness in the sample


@pytest.fixture(scope="module")
def two_servers(chromium_path, cfg, pg_server_url, tmp_path_factory):
    if app_servers.haproxy() is None:
        missing(app_servers.HAPROXY_HINT)
    url = pg_server.create_database(pg_server_url, f"kpi_two_{uuid.uuid4().hex[:8]}")
    conn = store.open_store(cfg, url, load_sample=lambda c: load_sample(c, cfg))  # as the first server's start would
    conn.close()
    # Local mode behind a proxy is refused unless served to the network on purpose (KPI_ALLOW_OPEN_LOCAL_MODE=1, with a
    # red banner on every page): this test is about two servers, not sign-in. test_local_mode_behind_haproxy_is_refused
    # runs the shipped set-up without it.
    cluster = app_servers.start_cluster(
        url,
        ROOT / "config" / "indicators.yaml",
        tmp_path_factory.mktemp("two-servers"),
        extra_env={"KPI_ALLOW_OPEN_LOCAL_MODE": "1"},
    )
    yield cluster, url
    cluster.stop()


def pinned(browser, cluster, server: str):
    """A new browser (a new Streamlit session) whose sticky-session cookie names one server, as after its first visit."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": app_servers.SERVER_COOKIE, "value": server, "url": cluster.url}])
    return context


def test_an_upload_on_server_a_shows_on_server_b_within_one_rerun(two_servers, browser, cfg, tmp_path):
    cluster, url = two_servers
    conn = store.connect(url)
    try:
        before = readmodel.figures(conn, cfg, DURHAM).scorecard.set_index("indicator_id").loc[FIGURE[0], "value_text"]
    finally:
        conn.close()

    # B has the scorecard open, with the figure as it was.
    ctx_b = pinned(browser, cluster, "b")
    page_b = ctx_b.new_page()
    assert page_b.goto(f"{cluster.url}/").headers["x-dashboard-server"] == "b"
    ui_b = UI(page_b, cluster.url)
    cell_b = page_b.locator(f"table.scorecard tr[data-indicator='{FIGURE[0]}'] td.num")
    expect(cell_b).to_contain_text(before, timeout=60_000)
    ui_b.idle()
    page_b.evaluate("() => { window.kpiSamePage = true; }")  # gone if the page were loaded again

    # A uploads a new value for that figure through the Upload figures page.
    ctx_a = pinned(browser, cluster, "a")
    page_a = ctx_a.new_page()
    assert page_a.goto(f"{cluster.url}/upload").headers["x-dashboard-server"] == "a"
    csv = tmp_path / "return.csv"
    csv.write_text(f"indicator,area,period,value\n{','.join(FIGURE)},12.3\n", encoding="utf-8")
    page_a.locator("input[type=file]").set_input_files(str(csv))
    page_a.get_by_role("button", name="Confirm: load 0 new and 1 changed figure(s)").click(timeout=60_000)
    page_a.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded return.csv as upload").wait_for(timeout=60_000)
    conn = store.connect(url)
    try:
        after = readmodel.figures(conn, cfg, DURHAM).scorecard.set_index("indicator_id").loc[FIGURE[0], "value_text"]
    finally:
        conn.close()
    assert after == "12.3%" and after != before

    # B: one rerun of the same page (the R key, as in Streamlit's menu) shows it.
    page_b.locator("h1").first.click()  # focus on the page, not in a widget, so R reruns
    started = time.perf_counter()
    page_b.keyboard.press("r")
    expect(cell_b).to_contain_text(after, timeout=30_000)
    first_view = time.perf_counter() - started
    assert page_b.evaluate("() => window.kpiSamePage === true"), "server B's page was loaded again, not rerun"
    print(f"\nfirst view on server B after the upload on server A: {first_view * 1000:.0f} ms (target ≤ 1,500 ms)")
    assert first_view < 15, first_view  # the target is measured by bench/run.py at national scale; this is a sanity bound

    # Each server kept its own local copy, and served only its own browser.
    assert list(cluster.servers["a"].copy_dir.glob("*.duckdb")) and list(cluster.servers["b"].copy_dir.glob("*.duckdb"))
    ui_b.idle()
    assert page_b.reload().headers["x-dashboard-server"] == "b"
    expect(cell_b).to_contain_text(after, timeout=60_000)
    ctx_a.close()
    ctx_b.close()


@pytest.fixture(scope="module")
def local_behind_haproxy(chromium_path, cfg, pg_server_url, tmp_path_factory):
    """The shipped set-up started without sign-in: two app servers on 127.0.0.1 in local mode, HAProxy in front."""
    if app_servers.haproxy() is None:
        missing(app_servers.HAPROXY_HINT)
    url = pg_server.create_database(pg_server_url, f"kpi_local_{uuid.uuid4().hex[:8]}")
    conn = store.open_store(cfg, url, load_sample=lambda c: load_sample(c, cfg))
    conn.close()
    cluster = app_servers.start_cluster(url, ROOT / "config" / "indicators.yaml", tmp_path_factory.mktemp("local-lb"))
    yield cluster
    cluster.stop()


def test_local_mode_behind_haproxy_is_refused(local_behind_haproxy, browser):
    cluster = local_behind_haproxy
    for server in ("a", "b"):
        context = pinned(browser, cluster, server)
        page = context.new_page()
        for path in ("/history", "/upload", "/"):
            assert page.goto(f"{cluster.url}{path}").headers["x-dashboard-server"] == server
            refusal = page.get_by_test_id("stAlertContentError")
            expect(refusal).to_contain_text(
                "The dashboard will not open: no sign-in is set up, and this request did not come from this computer "
                "(it was passed on by a proxy or load balancer, whose X-Forwarded-For header says 127.0.0.1).",
                timeout=60_000,
            )
            UI(page, cluster.url).idle()
            assert page.get_by_text("Upload history", exact=True).count() == 0  # no page, no navigation
            assert page.locator("input[type=file]").count() == 0
        if server == "a":
            UI(page, cluster.url).screenshots("local-mode-behind-haproxy-refused", 1366, 900)
        context.close()
    # The same server, opened on this computer at its own address, is local mode as before.
    context = browser.new_context()
    page = context.new_page()
    ui = UI(page, cluster.servers["a"].url)
    ui.open("/history")
    expect(page.locator("h1").first).to_have_text("Upload history")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("The dashboard listens on this computer only.")
    context.close()
