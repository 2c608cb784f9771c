"""Text from files and people is shown as text: plain() for Streamlit's Markdown, html-escaping for Plotly's text.
Whole pages run headless (AppTest) against a database holding a hostile source, note, file name, area and indicator
name (tests/hostile_text.py); the real browser check is tests/browser/test_browser_text_is_text.py."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from indicators import charts, config, readmodel, spc
from pages.common import WORD_JOINER, plain, unplain
from tests.conftest import ROOT
from tests.hostile_text import (
    AREA_NAME,
    DURHAM,
    EVIL_AREA,
    FILE_NAME,
    INDICATOR_NAME,
    NOTE,
    SOURCE,
    hostile_config,
    hostile_database,
)


@pytest.mark.parametrize(
    "text",
    [
        SOURCE,
        NOTE,
        AREA_NAME,
        INDICATOR_NAME,
        FILE_NAME,
        "a\\b",
        "1. first",
        "- dash",
        "# hash",
        "x | y",
        "~~gone~~",
        "&lt;b&gt;",
        "WWW.EVIL.EXAMPLE",
        "a@b.org",
        ":smile:",
    ],
)
def test_plain_reads_as_written_and_leaves_nothing_for_markdown(text):
    shown = plain(text)
    assert unplain(shown) == text
    bare = shown.replace(WORD_JOINER, "")
    # Every character Markdown could act on is escaped; nothing is left that starts a link, image, tag or directive.
    for c in "[]()!*_`#<>|~$:&@":
        assert f"\\{c}" in bare or c not in text, c
    assert "://" not in shown and "www." not in shown.lower() and ":material" not in shown


def test_plain_puts_everything_on_one_line_without_control_characters():
    assert plain("first line\n\n# second\tthird\x1b[31m\x0b") == "first line \\# second third\\[31m"


def test_charts_draw_names_sources_and_notes_as_text(cfg, conn):
    ind = cfg.by_id["ehcp_20wk"]
    df = readmodel.figures(conn, cfg, DURHAM).indicators[ind.id].series.assign(source=SOURCE, note=NOTE, figure_type="published")
    fig = charts.indicator_chart(
        ind.model_copy(update={"name": INDICATOR_NAME}),
        df,
        AREA_NAME,
        comparators={AREA_NAME: df[["period", "period_start", "value"]]},
    )
    texts = [fig.layout.title.text] + [t.name or "" for t in fig.data] + [h for t in fig.data for h in (t.hovertext or ())]
    drawn = "\n".join(texts)
    assert "<a " not in drawn and "<b>bold" not in drawn and "<i>x" not in drawn
    assert fig.layout.title.text == (
        'EHC plans &lt;a href="https://evil.example/ind"&gt;in time&lt;/a&gt; '
        "![i](http://127.0.0.1:9/ind.png) *20* weeks — Evilshire ![a](http://127.0.0.1:9/area.png) "
        "[area](https://evil.example/area) &lt;i&gt;x&lt;/i&gt; :material/warning:"
    )
    hover = next(t for t in fig.data if t.name == "Published figure").hovertext[-1]
    assert (
        "<br>published: SEN2 ![b](http://127.0.0.1:9/x.png) [see the official release](https://evil.example/phish)<br>" in hover
    )
    assert hover.endswith(
        "<i>&lt;b&gt;bold&lt;/b&gt; &lt;a href='https://evil.example/note'&gt;note link&lt;/a&gt; :red[alarm] $x^2$ www.evil.example</i>"
    )
    reading = spc.analyse([80 + i % 3 for i in range(14)], [f"p{i}" for i in range(14)], improvement="increase")
    assert charts.spc_chart(reading, INDICATOR_NAME).layout.title.text.startswith("EHC plans &lt;a href=")


@pytest.fixture
def hostile(tmp_path, sample_db_template, cfg, monkeypatch):
    monkeypatch.setenv("KPI_CONFIG", str(hostile_config(tmp_path)))
    db = hostile_database(sample_db_template, tmp_path, config.load(tmp_path / "indicators.yaml"))
    monkeypatch.setenv("KPI_DB", str(db))
    return db


def app(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    if page:
        at.switch_page(page)
    return at.run()


def test_the_indicator_page_quotes_a_source_and_names_as_text(hostile):
    at = app("pages/indicator_page.py", indicator="ehcp_20wk", area=DURHAM)
    assert not at.exception
    assert at.title[0].value == plain(INDICATOR_NAME)
    assert at.success[0].value == f"The latest figure is a published figure — source: {plain(SOURCE)}"
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    drawn = "\n".join([chart["layout"]["title"]["text"]] + [h for t in chart["data"] for h in t.get("hovertext") or ()])
    assert "<a href" not in drawn and "<b>bold" not in drawn and "&lt;b&gt;bold&lt;/b&gt;" in drawn
    assert chart["layout"]["title"]["text"].startswith('EHC plans &lt;a href="https://evil.example/ind"&gt;in time&lt;/a&gt;')


def test_an_area_name_is_text_in_titles_and_notices(hostile):
    at = app(area=EVIL_AREA)
    assert at.title[0].value == f"SEND scorecard — {plain(AREA_NAME)}"
    at = app("pages/indicator_page.py", indicator="ehcp_20wk", area=EVIL_AREA)
    assert at.caption[0].value.startswith(plain(AREA_NAME) + " · reported by")
    at = app("pages/exceptions_page.py", area=EVIL_AREA)
    assert at.title[0].value == f"Exceptions — {plain(AREA_NAME)}"


def test_the_history_names_the_file_as_text(hostile):
    at = app("pages/history_page.py")
    upload = int(at.table[0].value.iloc[0]["Upload"])  # the newest: the hostile file
    at.selectbox(key="rollback_choice_0").select(upload).run()
    said = next(m.value for m in at.markdown if m.value.startswith("Rolling back upload"))
    assert said.startswith(plain(f"Rolling back upload {upload} ({FILE_NAME}, loaded by lead@example.org on "))
