"""In a real browser, text from files and people stays text on every page: a hostile figure source, note, file name,
area name and indicator name (tests/hostile_text.py) draw no image, no link and no markup, the browser asks no other
host for anything (Playwright intercepts every request; only the dashboard's own address is let through), and the
words themselves are on the page as written."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from indicators import config
from pages.common import WORD_JOINER
from tests.browser.conftest import UI, streamlit_server
from tests.hostile_text import (
    AREA_NAME,
    DURHAM,
    EVIL_AREA,
    FILE_NAME,
    HOSTS,
    INDICATOR_NAME,
    SOURCE,
    hostile_config,
    hostile_database,
)

LIVE = ", ".join(f"img[src*='{h}'], a[href*='{h}'], image[href*='{h}']" for h in HOSTS)


@pytest.fixture(scope="module")
def hostile_server(chromium_path, sample_db_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    indicators = hostile_config(folder)
    db = hostile_database(sample_db_template, folder, config.load(indicators))
    with streamlit_server(db, folder, env={"KPI_CONFIG": str(indicators)}) as server:
        yield server


@pytest.fixture
def guarded(tab, hostile_server):
    """A browser whose every request is checked: the dashboard's own origin goes through, anything else is recorded
    and aborted (so nothing ever reaches another host, even if the page asked). Streamlit itself asks
    fonts.gstatic.com for the :material/ favicon; the tests look for the hostile hosts. (A kept tab: its routes go
    when it is given back, tests/browser/conftest.py Tabs.)"""
    page = tab(1366, 900)
    own = urlsplit(hostile_server.url).netloc
    asked: list[str] = []

    def route(r):
        if urlsplit(r.request.url).netloc == own or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    page.context.route("**/*", route)
    ui = UI(page, hostile_server.url)
    ui.asked = asked
    return ui


def shown(locator) -> str:
    """The words a person reads there (SVG text has no innerText), without plain()'s invisible word joiners."""
    return locator.evaluate("e => e instanceof HTMLElement ? e.innerText : e.textContent").replace(WORD_JOINER, "")


def nothing_live(ui: UI, where: str) -> None:
    ui.settled()
    live = ui.page.locator(LIVE)
    assert live.count() == 0, f"{where}: {[e.evaluate('e => e.outerHTML') for e in live.all()]}"
    assert ui.page.locator(".js-plotly-plot a").count() == 0, f"{where}: a link inside a chart"
    assert ui.page.locator("[data-testid=stMain] b:has-text('bold'), [data-testid=stMain] i:has-text('x')").count() == 0, where


def test_a_published_source_and_an_indicator_name_are_shown_as_written(guarded):
    page = guarded.open(f"/indicator?indicator=ehcp_20wk&area={DURHAM}")
    assert shown(page.locator("h1")) == INDICATOR_NAME
    said = page.get_by_test_id("stAlertContentSuccess").get_by_test_id("stMarkdownContainer")
    assert shown(said) == f"The latest figure is a published figure — source: {SOURCE}"
    page.locator(".js-plotly-plot .gtitle").first.wait_for(state="attached", timeout=60_000)
    guarded.settled()
    # The trend chart, the SPC one if drawn, and the official counterpart's chart below them.
    titles = {shown(t) for t in page.locator(".js-plotly-plot .gtitle").all()}
    official = "New EHC plans issued within 20 weeks, excluding exceptions (DfE) — County Durham"
    assert (
        {f"{INDICATOR_NAME} — County Durham"}
        <= titles
        <= {
            f"{INDICATOR_NAME} — County Durham",
            f"{INDICATOR_NAME} — County Durham (XmR)",
            official,
        }
    ), titles
    nothing_live(guarded, "indicator page")
    guarded.screenshots("text-is-text-indicator", 1366, 900)
    assert not [u for u in guarded.asked if any(h in u for h in HOSTS)], guarded.asked


@pytest.mark.parametrize(
    "path, heading",
    [
        (f"/?area={EVIL_AREA}", f"SEND scorecard — {AREA_NAME}"),
        (f"/exceptions?area={EVIL_AREA}", f"Exceptions — {AREA_NAME}"),
        (f"/indicator?indicator=ehcp_20wk&area={EVIL_AREA}", INDICATOR_NAME),
    ],
)
def test_an_area_name_is_shown_as_written(guarded, path, heading):
    page = guarded.open(path)
    assert shown(page.locator("h1")) == heading
    if "indicator" in path:
        assert shown(page.get_by_test_id("stCaptionContainer").first).startswith(f"{AREA_NAME} · reported by")
        page.locator(".js-plotly-plot .legendtext").first.wait_for(state="attached", timeout=30_000)
        legend = page.locator(".js-plotly-plot .legendtext").all_text_contents()
        assert AREA_NAME in legend, legend
    nothing_live(guarded, path)
    assert not [u for u in guarded.asked if any(h in u for h in HOSTS)], guarded.asked


def test_the_presentation_and_the_history_show_names_as_text(guarded):
    page = guarded.open(f"/present?area={EVIL_AREA}&slide=3&indicators=ehcp_20wk", ready=".slide h1")
    assert shown(page.locator(".slide h1").first) == INDICATOR_NAME
    nothing_live(guarded, "presentation")
    page = guarded.open("/history")
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Upload", exact=True))
    box.evaluate("e => e.scrollIntoView({block: 'center'})")  # at the foot of the page the list would not open
    box.click()
    page.get_by_role("option").first.click()
    plan = page.get_by_text("Rolling back upload", exact=False)
    plan.wait_for(timeout=30_000)
    assert re.match(rf"Rolling back upload \d+ \({re.escape(FILE_NAME)}, loaded by lead@example.org on ", shown(plan))
    nothing_live(guarded, "history")
    guarded.screenshots("text-is-text-history", 1366, 900)
    assert not [u for u in guarded.asked if any(h in u for h in HOSTS)], guarded.asked


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


EES_HEADER = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,new_la_code,la_name,old_la_code,inreq_ehc\n"
IMAGE = "![a](http://127.0.0.1:9/cell.png)"
LINK = "[Click to re-authenticate](https://evil.example/login)"


def test_every_message_of_the_upload_page_is_text(guarded):
    """Markdown and HTML in file names, column names, cells, zip members and new area names, through each message
    path of the Upload page (problems table, suggestions naming stored areas, refusals, the summary of a release):
    shown as written, nothing drawn, no request to another host."""
    page = guarded.open("/upload", ready="[data-testid=stFileUploaderDropzone]")

    def upload(name: str, data: bytes, mime: str = "text/csv"):
        page.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
        page.get_by_test_id("stStatusWidget").or_(page.locator("[data-testid=stAlert]")).first.wait_for(timeout=60_000)
        guarded.idle()

    def said() -> str:
        return shown(page.get_by_test_id("stMain"))

    # 1. A column named with an image: the problems table names it.
    upload(FILE_NAME, f"indicator,area,period,value,{IMAGE}\nehcp_20wk,{DURHAM},2024-25 Q1,80,1\n".encode())
    page.get_by_test_id("stTable").wait_for(timeout=60_000)
    assert f"problem(s) in {FILE_NAME}; nothing was loaded." in said()
    assert IMAGE in shown(page.get_by_test_id("stTable"))
    nothing_live(guarded, "a hostile column name")
    # 2. Cells: an area that is an image, an area close to the stored hostile name (the suggestion quotes it), an
    # indicator that is a link.
    near = AREA_NAME.replace(":material/warning:", ":material/warnin")
    cells = (
        f'indicator,area,period,value\nehcp_20wk,"{IMAGE}",2024-25 Q1,80\nehcp_20wk,"{near}",2024-25 Q1,80\n'
        f'"{LINK}",{DURHAM},2024-25 Q1,80\n'
    )
    upload("cells.csv", cells.encode())
    page.get_by_test_id("stTable").filter(has_text="not a known indicator id").wait_for(timeout=60_000)
    table = shown(page.get_by_test_id("stTable"))
    assert f'"{IMAGE}" is not a known area' in table
    assert f'did you mean "{AREA_NAME}"?' in table
    assert f'"{LINK}" is not a known indicator id' in table
    nothing_live(guarded, "hostile cells and a suggestion quoting a stored name")
    guarded.screenshots("text-is-text-upload-problems", 1366, 900)

    # 3. DfE open data: zip members named with Markdown, then a release adding an area named with it.
    page.get_by_text("Official statistics (DfE open data", exact=False).click()
    guarded.idle()
    member = f"data/{IMAGE.replace('/', '_')}.csv"
    page.get_by_test_id("stTable").wait_for(state="detached", timeout=60_000)
    upload("release.zip", _zip({member: b"a,b\n1,2\n"}), mime="application/zip")
    refused = page.get_by_test_id("stTable").filter(has_text="holds no file that a mapping")
    refused.wait_for(timeout=60_000)
    assert IMAGE.replace("/", "_") in shown(refused)
    nothing_live(guarded, "a zip member named with an image")
    row = f'2024,Calendar year,Local authority,E92000001,England,E12000001,North East,E06000998,"{AREA_NAME} {LINK}",998,12\n'
    upload("sen2_mi.csv", (EES_HEADER + row).encode())
    page.get_by_text("Areas would be added").first.wait_for(timeout=60_000)
    assert f"E06000998 {AREA_NAME} {LINK}" in said()
    nothing_live(guarded, "a new area named with Markdown")
    guarded.screenshots("text-is-text-upload-release", 1366, 900)
    assert not [u for u in guarded.asked if any(h in u for h in HOSTS)], guarded.asked
