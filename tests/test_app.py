"""Every page run headless with streamlit.testing.v1.AppTest against a real temporary database."""

import pytest
from streamlit.testing.v1 import AppTest

from pages.common import unplain
from tests.conftest import ROOT
from tests.harness import app_test, html_text

app = app_test


def test_scorecard_shows_every_durham_indicator_latest_value_and_rag(db_path, cfg, conn):
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "SEND scorecard — County Durham"
    body = html_text(at)
    from indicators import readmodel

    expected = readmodel.figures(conn, cfg, "E06000047").scorecard
    assert len(expected) >= 20
    for r in expected.itertuples():
        row = body.split(f"data-indicator='{r.indicator_id}'")[1].split("</tr>")[0]
        assert r.value_text in row, r.indicator_id
        assert r.rag_text.split(" ", 1)[1] in row  # the RAG word, not only a colour
    assert "✔ Green" in body and "✖ Red" in body and "▲ Amber" in body


def test_scorecard_filters_by_inspection_area(db_path):
    at = app().run()
    at.selectbox(key="inspection").select("2. Delays in access to CAMHS and neurodevelopmental pathways").run()
    body = html_text(at)
    assert "data-indicator='asd_avg_wait_weeks'" in body
    assert "data-indicator='ehcp_20wk'" not in body


def test_scorecard_changes_area_and_keeps_it_in_the_url(db_path):
    at = app().run()
    at.selectbox(key="area").select("E06000003").run()
    assert at.title[0].value == "SEND scorecard — Redcar and Cleveland"
    assert at.query_params["area"] == ["E06000003"] or at.query_params["area"] == "E06000003"


def test_deep_link_opens_ehcp_20wk_for_durham_with_published_91(db_path):
    at = app(indicator="ehcp_20wk", area="E06000047")
    at.switch_page("pages/indicator_page.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "New EHC plans issued within 20 weeks"
    table = next(d.value for d in at.dataframe if "Period" in d.value.columns)
    row = table[table["Period"].str.startswith("2018-19 Q1")].iloc[0]
    assert (row["Value"], row["Figure type"]) == ("91.0%", "published")
    assert "Improvement progress one year on" in row["Source"]
    chart = at.get("plotly_chart")[0].proto.spec
    assert "Published figure" in chart and "published: Durham" in chart


def test_send_neet_shows_published_16_1(db_path):
    at = app(indicator="send_neet", area="E06000047")
    at.switch_page("pages/indicator_page.py")
    at.run()
    table = next(d.value for d in at.dataframe if "Period" in d.value.columns)
    row = table[table["Period"].str.startswith("2018-19 Q3")].iloc[0]
    assert (row["Value"], row["Figure type"]) == ("16.1%", "published")


def test_indicator_with_no_data_for_the_area_says_where_there_is(db_path):
    at = app(indicator="senco_network_schools", area="E06000003")
    at.switch_page("pages/indicator_page.py")
    at.run()
    assert not at.exception
    assert "There are no figures for" in at.info[0].value and "County Durham" in at.info[0].value


def test_about_page_lists_every_indicator_from_the_yaml(db_path, cfg):
    at = app()
    at.switch_page("pages/about_page.py")
    at.run()
    body = html_text(at)
    for ind in cfg.indicators:
        assert f"<code>{ind.id}</code>" in body
    assert "Green when the target is met; amber up to 4 weeks above the target" in body
    # Every break in the series and every per-area rebase is listed with its reason, and the new definitions are there.
    import html

    for ind in cfg.indicators:
        section = body.split(f"id='{ind.id}'")[1].split("</section>")[0]
        for b in ind.breaks:
            assert html.escape(b.reason) in section, (ind.id, b.reason)
        assert html.escape(ind.definition) in section
    assert "rebased at 2018-09 for County Durham only: County Durham&#x27;s new single-provider" in body
    assert "<code>asd_waiting_over_13wk</code>" in body and "NICE" in body


def test_broken_config_shows_the_problem_not_a_traceback(db_path, tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (ROOT / "config" / "indicators.yaml")
        .read_text()
        .replace(
            "rag: {basis: absolute, green: 90, amber: 60, illustrative: true}",
            "rag: {basis: absolute, green: 90, amber: 95, illustrative: true}",
            1,
        )
    )
    monkeypatch.setenv("KPI_CONFIG", str(bad))
    at = app().run()
    assert not at.exception
    assert "The indicators file cannot be used" in at.error[0].value
    # The problem quotes the YAML, so it is shown as text (Markdown escaped); unplain() is what the reader sees.
    assert 'indicator "ehcp_20wk", field rag.amber: amber threshold 95 is above green 90' in unplain(at.markdown[0].value)


def test_first_start_creates_and_fills_the_database(tmp_path, monkeypatch):
    path = tmp_path / "fresh.duckdb"
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.yaml"))
    at = app().run()
    assert not at.exception and path.exists()
    assert "data-indicator='ehcp_20wk'" in html_text(at)


@pytest.mark.parametrize("page", ["pages/scorecard.py", "pages/indicator.py", "pages/about.py"])
def test_legacy_shims_hand_over_to_the_navigation(db_path, page):
    at = AppTest.from_file(str(ROOT / page), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("SEND scorecard")
