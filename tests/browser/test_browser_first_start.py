"""A first start that looks like a live partnership, in a real browser: without any upload, every screen says how
old its figures are and that sample figures are made up; the scorecard's local figures run to 2026 and "vs England"
uses the official counterpart, naming its year; the EHCP 20-week page shows Durham's official series against
England, the North East and its statistical neighbours with its rank among local authorities each year, linked to
Compare areas; the agenda slide shows each row's period; illustrative thresholds say so. Then a return that leaves a
gap breaks the chart's line and starts a new SPC segment."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DURHAM, UI, streamlit_server
from tests.conftest import sample_last, sample_next

SAMPLE = "Sample data"
MADE_UP = "illustrative figures are made up"


def provenance(page) -> str:
    box = page.get_by_role("note", name="How old the figures are").first
    expect(box).to_be_visible()
    return box.inner_text()


def test_the_scorecard_says_how_old_its_figures_are_and_that_sample_figures_are_made_up(ui):
    page = ui.open("/", ready="table.scorecard")
    words = provenance(page)
    assert "Figures up to August 2026" in words and SAMPLE in words and MADE_UP in words
    # Overdue once, as a summary, with the list a click away; never repeated on every row.
    assert "indicators have figures overdue." in words
    page.get_by_text("Which figures are overdue").click()
    expect(page.get_by_test_id("stExpanderDetails").get_by_test_id("stDataFrame")).to_be_visible()
    assert "Overdue" not in page.locator("table.scorecard").inner_text()
    # Local figures up to 2026.
    salt = page.locator("table.scorecard tr[data-indicator='salt_seen_6wk']")
    expect(salt).to_contain_text("August 2026")
    # An illustrative threshold says so, never "no target".
    expect(salt).to_contain_text("threshold 80% (illustrative)")
    # vs England through the official counterpart, naming its year, with Durham's rank among local authorities.
    ehcp = page.locator("table.scorecard tr[data-indicator='ehcp_20wk']")
    expect(ehcp).to_contain_text("DfE 2024: 18.3%")
    expect(ehcp).to_contain_text("England 46.4%")
    expect(ehcp).to_contain_text("127th of 150 LAs (bottom quartile)")


def test_the_ehcp_page_shows_durhams_official_series_against_england_region_and_neighbours(ui):
    page = ui.open(f"/indicator?indicator=ehcp_20wk&area={DURHAM}", ready=".js-plotly-plot")
    assert "Figures up to" in provenance(page)
    expect(
        page.get_by_role("heading", name="Official figures: New EHC plans issued within 20 weeks, excluding exceptions")
    ).to_be_visible()
    official = (
        "[...document.querySelectorAll('.js-plotly-plot')].find(gd => gd.querySelector('.gtitle')?.textContent.includes('(DfE)'))"
    )
    page.wait_for_function(f"() => !!{official}", timeout=30_000)
    names = page.evaluate(f"() => {official}.data.map(t => t.name)")
    assert {"England", "North East", "Statistical neighbours (average)", "County Durham"} <= set(names), names
    title = page.evaluate(f"() => {official}.querySelector('.gtitle').textContent")
    assert title == "New EHC plans issued within 20 weeks, excluding exceptions (DfE) — County Durham"
    # Rank and quartile for each year, in a table whose cells Streamlit draws on a canvas: read through its CSV.
    grid = page.get_by_test_id("stDataFrame").filter(has_text="Rank among local authorities").first
    expect(grid).to_be_visible()
    expect(page.get_by_text("Statistical neighbours (DfE model, closest first): Halton (Very close)")).to_be_visible()


def test_compare_areas_ranks_every_local_authority_with_durham_marked_and_keeps_the_view_in_the_link(ui):
    page = ui.open(f"/compare?indicator=dfe_ehcp_20wk&period=2024&area={DURHAM}", ready=".js-plotly-plot")
    assert "Figures up to 2024" in provenance(page)
    expect(
        page.get_by_text("County Durham: 18.3% in 2024, 127th of 150 local authorities (bottom quartile); England 46.4%")
    ).to_be_visible()
    chart = page.evaluate(
        """() => { const gd = document.querySelector('.js-plotly-plot');
        return {names: gd.data.map(t => t.name), bars: gd.data.filter(t => t.type === 'bar').reduce((n, t) => n + t.x.length, 0),
                notes: gd.layout.annotations.map(a => a.text.replaceAll('<br>', ' ')), title: gd.querySelector('.gtitle').textContent}; }"""
    )
    assert chart["bars"] == 150  # the Isles of Scilly and the City of London are not ranked (as in LAIT)
    assert {"The chosen area", "Statistical neighbour", "Same region", "Other local authorities"} <= set(chart["names"])
    assert "England 46.4% (dashed line)" in chart["names"]  # in the legend: a label on the line could meet Durham's
    assert {"Top quartile", "Second quartile", "Third quartile", "Bottom quartile"} <= set(chart["notes"])
    assert "County Durham 18.3% (127 of 150)" in chart["notes"]
    # Another year: the URL follows, so the link opens the same view.
    ui.choose("Year", "2023")
    page.wait_for_url("**period=2023**")
    expect(page.get_by_text("County Durham: 1.9% in 2023, 145th of 148 local authorities")).to_be_visible()


def test_the_agenda_slide_shows_each_rows_period_and_the_provenance(ui):
    page = ui.open(f"/present?area={DURHAM}&slide=1", ready=".slide h1")
    words = provenance(page)
    assert "Figures up to August 2026" in words and MADE_UP in words
    head = page.locator(".slide table thead").inner_text()
    assert "Period" in head
    first = page.locator(".slide table tbody tr").first.inner_text()
    assert sample_last("ehcp_20wk")[0].display.split(" (")[0] in first


@pytest.fixture
def own_server(chromium_path, sample_db_template, tmp_path):
    db = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    with streamlit_server(db, tmp_path) as server:
        yield server


def test_a_return_that_leaves_a_gap_breaks_the_line_and_starts_an_spc_segment(tab, own_server, tmp_path):
    # Durham's ASD wait is monthly with two SPC segments (start, and the 2018 rebase). A return for the third and
    # fourth months after the sample leaves two months with no figure: more than max_gap (1), so a new segment.
    later = [sample_next("asd_avg_wait_weeks", steps=s) for s in (3, 4)]
    ui = UI(tab(1366, 900), own_server.url)
    page = ui.open("/upload", ready="[data-testid=stFileUploaderDropzone]")
    csv = tmp_path / "gap.csv"
    csv.write_text("indicator,area,period,value\n" + "".join(f"asd_avg_wait_weeks,{DURHAM},{p.label},47\n" for p in later))
    page.locator("input[type=file]").set_input_files(str(csv))
    page.get_by_role("button", name="Confirm: load 2 new and 0 changed figure(s)").click(timeout=60_000)
    page.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded gap.csv as upload").wait_for(timeout=60_000)

    page = ui.open(f"/indicator?indicator=asd_avg_wait_weeks&area={DURHAM}", ready=".js-plotly-plot")
    y = page.evaluate(
        "() => { const gd = document.querySelector('.js-plotly-plot'); const t = gd._fullData.find(t => t.name === 'County Durham');"
        " return {y: Array.from(t.y, v => (v === null || Number.isNaN(v)) ? null : v), connect: t.connectgaps}; }"
    )
    assert y["connect"] is False
    assert y["y"][-4:-2] == [None, None] and y["y"][-2:] == [47, 47]  # the two missing months: the line is broken
    gaps = sum(v is None for v in y["y"])
    broken = page.get_by_test_id("stCaptionContainer").filter(
        has_text=f"The line is broken where a period has no figure ({gaps} period(s))."
    )
    expect(broken).to_be_visible()
    page.get_by_role("tab", name="SPC: is this real change? (Making Data Count)").click()
    expect(page.get_by_text("3 segment(s).")).to_be_visible()
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="A gap of more than 1 period(s)")).to_be_visible()
    # The XmR chart draws each segment's mean on its own: three, the last starting after the gap.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(gd => gd.querySelector('.gtitle')?.textContent.endsWith('(XmR)'))",
        timeout=30_000,
    )
    means = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].find(gd => gd.querySelector('.gtitle').textContent.endsWith('(XmR)'))"
        ".data.filter(t => t.name === 'Mean').map(t => t.hovertemplate)"
    )
    assert len(means) == 3 and f"({later[0].label} to {later[1].label})" in means[-1], means


def test_the_template_has_only_uploadable_indicators_and_periods_not_held(ui, expected_conn, tmp_path):
    import io

    import pandas as pd

    page = ui.open("/upload", ready="[data-testid=stFileUploaderDropzone]")
    page.get_by_text("Download a template").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Template (CSV)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    got = pd.read_csv(io.StringIO(path.read_text(encoding="utf-8")), dtype=str)
    assert {"indicator", "area", "period", "value", "indicator_name", "unit", "period_name"} <= set(got.columns)
    assert len(got) > 0 and not got["indicator"].str.startswith("dfe_").any()  # official statistics are not uploaded
    assert got["value"].isna().all()
    held = {
        (i, p)
        for i, p in expected_conn.execute(
            "SELECT indicator_id, period FROM observations WHERE area_code = ?", [DURHAM]
        ).fetchall()
    }
    assert not [r for r in got.itertuples() if (r.indicator, r.period) in held]
    assert sample_next("salt_seen_6wk").label in set(got.loc[got["indicator"] == "salt_seen_6wk", "period"])
