"""The scorecard in a real browser: every indicator's latest value and RAG word, changing area, the CSV download."""

import io

import pandas as pd
from playwright.sync_api import expect

from indicators import readmodel
from tests.browser.conftest import DURHAM, REDCAR


def _rows_match(page, expected: pd.DataFrame):
    expect(page.locator("table.scorecard tbody tr")).to_have_count(len(expected))
    for r in expected.itertuples():
        row = page.locator(f"table.scorecard tr[data-indicator='{r.indicator_id}']")
        expect(row).to_be_visible()
        expect(row.locator("td.num")).to_contain_text(r.value_text)
        expect(row.locator(".rag")).to_have_text(r.rag_text)


def test_scorecard_shows_every_shipped_indicator_latest_value_and_rag_word(ui, cfg, expected_conn):
    page = ui.open("/", ready="table.scorecard")
    expect(page.get_by_role("heading", level=1)).to_have_text("SEND scorecard — County Durham")
    expected = readmodel.figures(expected_conn, cfg, DURHAM).scorecard
    _rows_match(page, expected)
    # The table scrolls in its own named, focusable region when zoomed, never the whole page.
    expect(page.get_by_role("region", name="Scorecard")).to_have_attribute("tabindex", "0")
    # Every indicator in the file is either a row or named under "no figures for County Durham".
    absent = [i for i in cfg.indicators if i.id not in set(expected["indicator_id"])]
    if absent:
        page.get_by_text(f"{len(absent)} indicator(s) have no figures for County Durham").click()
        for ind in absent:
            expect(page.get_by_test_id("stExpanderDetails").get_by_text(ind.name, exact=True)).to_be_visible()
    assert len(expected) + len(absent) == len(cfg.indicators)


def test_changing_the_area_redraws_the_scorecard_and_keeps_it_in_the_link(ui, cfg, expected_conn):
    page = ui.open("/", ready="table.scorecard")
    ui.choose("Area", "Redcar and Cleveland (E06000003)")
    expect(page.get_by_role("heading", level=1)).to_have_text("SEND scorecard — Redcar and Cleveland")
    ui.idle()
    assert f"area={REDCAR}" in page.url
    _rows_match(page, readmodel.figures(expected_conn, cfg, REDCAR).scorecard)
    # The indicator links carry the chosen area, so following one keeps the view.
    href = page.locator("table.scorecard tr[data-indicator='ehcp_20wk'] a").get_attribute("href")
    assert href.endswith(f"indicator=ehcp_20wk&area={REDCAR}")


def test_scorecard_csv_download_holds_the_figures_shown(ui, cfg, expected_conn, tmp_path):
    page = ui.open("/", ready="table.scorecard")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the scorecard (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"scorecard-{DURHAM}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    got = pd.read_csv(io.StringIO(path.read_text(encoding="utf-8")))
    want = readmodel.figures(expected_conn, cfg, DURHAM).scorecard
    assert {"indicator_id", "indicator", "period", "value", "target_text", "status", "figure_type"} <= set(got.columns)
    assert list(got["indicator_id"]) == list(want["indicator_id"])
    assert list(got["period"]) == list(want["period"])
    assert list(got["status"]) == list(want["status"])
    pd.testing.assert_series_equal(got["value"].astype(float), want["value"].astype(float), check_names=False)
    ehcp = got.set_index("indicator_id").loc["ehcp_20wk"]
    assert ehcp["indicator"] == "New EHC plans issued within 20 weeks"


def _visible_page_titles() -> list[str]:
    """The title of every page app.py offers in the navigation (pages marked hidden=True, such as Action, are not)."""
    import ast

    from tests.browser.conftest import ROOT

    titles = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            if not kw.get("hidden"):
                titles.append(kw["title"])
    return titles


def test_the_sidebar_lists_every_page_a_person_may_use(ui):
    """Local mode may do everything, so the navigation lists every page app.py offers, each once (a page that lost its
    place in the navigation could only be reached by typing its address). History is titled Upload history here."""
    page = ui.open("/", ready="table.scorecard")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible()
    titles = [t for t in _visible_page_titles() if t != "My uploads"]  # an administrator's history is Upload history
    assert len(titles) >= 12
    for title in titles:
        expect(nav.get_by_role("link", name=title, exact=True)).to_have_count(1)
