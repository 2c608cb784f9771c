"""The focus style and script every page gets (pages/a11y.css, pages/a11y.js) and the chart text alternatives."""

import re
from pathlib import Path

import pytest

from indicators import alt_text, markup, readmodel, store

PAGES = Path(__file__).resolve().parents[1] / "pages"


@pytest.fixture(scope="module")
def figures(sample_db_template, cfg):
    conn = store.connect(sample_db_template, read_only=True)
    yield readmodel.figures(conn, cfg, "E06000047")
    conn.close()


def test_the_page_script_survives_streamlits_sanitiser():
    # DOMPurify (SAFE_FOR_XML) silently drops a <script> whose text looks like markup: "<" before a letter, / or !.
    script = (PAGES / "a11y.js").read_text(encoding="utf-8")
    assert not re.search(r"<[/\w!]", script), "pages/a11y.js: write 'less than' comparisons with a space, no tags in comments"


def test_a_chart_summary_says_latest_value_target_direction_and_spc(figures):
    f = figures.indicators["ehcp_20wk"]
    summary = alt_text.trend_summary(f, "County Durham")
    assert summary.startswith(f"County Durham: {f.latest['value_text']} in {f.latest['period_display']}, rated ")
    assert f.latest["threshold_text"] in summary and "on the period before" in summary and "SPC: " in summary
    assert summary.endswith(".") and summary.count(".") <= 3  # one sentence (decimals aside)
    assert alt_text.trend_name(f, "County Durham").startswith("Chart: New EHC plans issued within 20 weeks, County Durham")
    assert "process limits" in alt_text.spc_summary(f, "County Durham")


def test_a_chart_table_is_a_real_table_with_every_period_escaped(figures):
    f = figures.indicators["ehcp_20wk"]
    table = alt_text.trend_table(f, "<b>Durham</b>")
    html = markup.chart_table_html("trend", "Chart: <i>x</i>", table)
    assert html.count("<tr>") == len(f.series) + 1
    assert "<b>Durham</b>" not in html and "&lt;b&gt;Durham&lt;/b&gt;" in html and "<i>x</i>" not in html
    assert "id='chart-table-trend'" in html
    assert len(alt_text.spc_table(f)) == len(f.spc.points)
