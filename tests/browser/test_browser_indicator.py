"""The indicator page in a real browser: deep links draw the chart point by point, area changes, the series CSV."""

import pytest
from playwright.sync_api import expect

from indicators import readmodel, tables
from tests.browser.conftest import DURHAM, REDCAR

# Plotly keeps the figure on the plot element; the value trace is the only one drawn as lines+markers.
CHART_JS = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    const i = gd.data.findIndex(t => t.mode === 'lines+markers');
    const g = [...gd.querySelectorAll('.scatterlayer .trace')].find(el => el.__data__ && el.__data__[0].trace.index === i);
    const box = gd.querySelector('.cartesianlayer .xy').getBoundingClientRect();
    return {
        title: gd.querySelector('.gtitle').textContent, x: gd.data[i].x.length,
        points: g.querySelectorAll('path.point').length,
        drawn: [...g.querySelectorAll('path.point')].filter(p => p.getAttribute('d') && p.getBoundingClientRect().width > 0).length,
        line: (g.querySelector('path.js-line') || {getAttribute: () => ''}).getAttribute('d').length,
        published: gd.data.filter(t => t.name === 'Published figure').map(t => t.x.length)[0] || 0,
        width: box.width, height: box.height,
    };
}"""


def chart(page) -> dict:
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullLayout && gd.querySelectorAll('path.point').length > 0; }",
        timeout=30_000,
    )
    return page.evaluate(CHART_JS)


def expected_points(expected_conn, cfg, indicator_id: str, area: str):
    df = readmodel.figures(expected_conn, cfg, area).indicators[indicator_id].series
    return df, int(df["value"].notna().sum()), int((df["figure_type"] == "published").sum())


@pytest.mark.parametrize("indicator_id", ["ehcp_20wk", "send_neet", "asd_avg_wait_weeks"])
def test_deep_link_draws_the_indicator_chart_with_every_point(ui, cfg, expected_conn, indicator_id):
    page = ui.open(f"/indicator?indicator={indicator_id}&area={DURHAM}", ready=".js-plotly-plot")
    ind = cfg.by_id[indicator_id]
    expect(page.get_by_role("heading", level=1)).to_have_text(ind.name)
    df, n_values, n_published = expected_points(expected_conn, cfg, indicator_id, DURHAM)
    got = chart(page)
    assert got["title"] == f"{ind.name} — County Durham"
    assert got["x"] == len(df)
    assert got["points"] == got["drawn"] == n_values, got
    assert got["published"] == n_published
    # A drawn chart, not an empty box: a plot area of real size and a line through the points.
    assert got["width"] > 400 and got["height"] > 250 and got["line"] > 0, got
    head = page.locator(".headline")
    expect(head).to_contain_text(df.iloc[-1]["value_text"])
    expect(head.locator(".rag")).to_have_text(df.iloc[-1]["rag_text"])


def test_changing_the_area_on_the_indicator_page_redraws_the_chart(ui, cfg, expected_conn):
    page = ui.open(f"/indicator?indicator=ehcp_20wk&area={DURHAM}", ready=".js-plotly-plot")
    ui.choose("Area", "Redcar and Cleveland (E06000003)")
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .gtitle')?.textContent.endsWith('Redcar and Cleveland')", timeout=30_000
    )
    ui.idle()
    assert f"area={REDCAR}" in page.url and "indicator=ehcp_20wk" in page.url
    df, n_values, _ = expected_points(expected_conn, cfg, "ehcp_20wk", REDCAR)
    got = chart(page)
    assert got["x"] == len(df) and got["points"] == n_values, got


def test_series_csv_download_is_the_series_in_the_database(ui, cfg, expected_conn, tmp_path):
    page = ui.open(f"/indicator?indicator=ehcp_20wk&area={DURHAM}", ready=".js-plotly-plot")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download this series (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"ehcp_20wk-{DURHAM}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = path.read_bytes().decode("utf-8")  # as written: read_text would turn the CSV's CRLF into LF
    f = readmodel.figures(expected_conn, cfg, DURHAM).indicators["ehcp_20wk"]
    df = f.held
    assert text == tables.to_csv(readmodel.series_download(f))
    lines = text.splitlines()
    assert lines[0].startswith("period,period_start,period_end,value,numerator,denominator")
    assert len(lines) == len(df) + 1
    assert any(line.startswith("2018-19 Q1,") and ",91.0," in line and ",published," in line for line in lines)
