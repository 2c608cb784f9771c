"""County Durham's autism and speech and language therapy pages in a real browser: NHS England's series for its NHS
partners beside the local measure, against the ICB (and NHS region) and England, with what the NHS area covers."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DURHAM

# The names of the lines of the NHS chart (the second chart on a local measure's page).
LINES_JS = """() => {
    const charts = [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd.getBoundingClientRect().width > 0);
    const gd = charts.find(g => (g.querySelector('.gtitle')?.textContent || '').includes('(NHS England)'));
    return gd ? {title: gd.querySelector('.gtitle').textContent, names: gd.data.map(t => t.name)} : null;
}"""


def nhs_chart(page) -> dict:
    page.wait_for_function(LINES_JS.replace("return gd ?", "return !!gd; return gd ?"), timeout=30_000)
    return page.evaluate(LINES_JS)


@pytest.mark.parametrize(
    "indicator_id, shown, lines, words",
    [
        (
            "asd_waiting_over_13wk",
            "County Durham sub-ICB location (84H)",
            ["NHS North East and North Cumbria ICB", "England"],
            "County Durham sub-ICB location (84H), the sub-ICB location, covers the same area as County Durham.",
        ),
        (
            "salt_seen_6wk",
            "NHS North East and North Cumbria ICB",
            ["North East and Yorkshire (NHS region)", "England"],
            # (the page's text keeps a word joiner after each colon, so the sentence is matched up to one)
            "County Durham and Darlington NHS Foundation Trust published no figure for this (a blank in NHS England's file",
        ),
    ],
)
def test_durhams_autism_and_salt_pages_show_the_nhs_series_with_icb_and_england(ui, indicator_id, shown, lines, words):
    page = ui.open(f"/indicator?indicator={indicator_id}&area={DURHAM}", ready=".js-plotly-plot")
    got = nhs_chart(page)
    assert got["title"].endswith(f"— {shown}"), got
    for name in lines:
        assert any(name in (n or "") for n in got["names"]), (name, got["names"])
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text(words)
    expect(main.get_by_role("heading", name="The local measure and the NHS measure")).to_be_visible()
    expect(main).to_contain_text("How they differ.")
    ui.screenshots(f"nhs-{indicator_id}-durham", 1366, 768)


def test_the_nhs_indicator_page_for_durham_shows_the_counts(ui):
    page = ui.open(f"/indicator?indicator=nhs_asd_waiting_over_13wk&area={DURHAM}", ready=".js-plotly-plot")
    main = page.get_by_test_id("stMain")
    expect(main.locator(".headline")).to_contain_text("92.4%")
    expect(main).to_contain_text("covers the same area as County Durham")
    ui.screenshots("nhs-asd-official-durham", 1366, 768)


def test_the_upload_page_offers_one_section_for_every_official_source(ui):
    page = ui.open("/upload")
    page.get_by_text(
        "Official statistics (DfE open data; NHS England autism statistics or community health waiting lists)"
    ).click()
    ui.idle()
    expect(page.get_by_test_id("stMain")).to_contain_text("NHS England Autism Statistics (CSV or .csv.gz)")
    ui.screenshots("upload-official-sources", 1366, 768)
