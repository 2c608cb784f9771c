"""What the pages draw from the named views in indicators/ (league.py, scorecard_view.py, queries.py and the read
model), run headless with AppTest against the sample database: Compare areas, the scorecard's filters, the overdue
banner and its list, About's counterpart names, the Provider scorecard's banner and the rollback's note."""

import datetime as dt

from indicators import league, queries, readmodel, scorecard_view, uploads
from indicators.access import local_access
from pages.common import unplain
from tests.harness import app_test, html_text

DURHAM = "E06000047"
TODAY = dt.date(2026, 9, 30)  # the sample's "as at" date


app = app_test


def test_compare_areas_ranks_every_local_authority_and_says_where_the_area_stands(db_path):
    at = app(indicator="dfe_ehcp_20wk", area=DURHAM, period="2024")
    at.switch_page("pages/compare_page.py").run()
    assert not at.exception
    assert unplain(at.title[0].value) == "Compare areas — New EHC plans issued within 20 weeks, excluding exceptions (DfE)"
    body = html_text(at)
    summary = (
        "County Durham: 18.3% in 2024, 127th of 150 local authorities (bottom quartile); England 46.4%; "
        "statistical neighbours&#x27; average 66.4% (10 of 10)."
    )
    assert summary in body
    table = at.dataframe[-1].value  # after the overdue list under the banner
    assert len(table) == 150
    mine = table[table["Code"] == DURHAM].iloc[0]
    assert (mine["Rank"], mine["Figure"], mine["Quartile"], mine["Compared with the chosen area"]) == (
        127,
        "18.3%",
        "bottom quartile",
        "chosen area",
    )
    assert (table["Compared with the chosen area"].str.startswith("statistical neighbour")).sum() == 10


def test_league_view_is_what_the_compare_page_draws(conn, cfg):
    v = league.view(conn, cfg, "dfe_ehcp_20wk", "2024", DURHAM)
    assert league.league_periods(conn, "dfe_ehcp_20wk")[:3] == ["2024", "2023", "2022"]
    assert v.period_display == "2024" and v.england == 46.4 and len(v.neighbours) == 10
    assert v.summary.startswith("County Durham: 18.3% in 2024, 127th of 150 local authorities")


def test_the_compare_chart_tells_region_and_neighbours_apart_by_shape_not_colour_alone(conn, cfg):
    """WCAG 1.4.1: the page's chart and the slide's (the same figure) name each group in the legend by a shape that
    sits above each of its bars, so purple and blue (1.4:1 between them) are never the only difference."""
    from indicators import charts

    v = league.view(conn, cfg, "dfe_ehcp_20wk", "2024", DURHAM)
    fig = charts.league_chart(v.ind, v.league, area=DURHAM, region=v.area.region, neighbours=v.neighbours, period_display="2024")
    named = {t.name: t for t in fig.data if t.showlegend is not False}
    assert named["Statistical neighbour"].marker.symbol == "triangle-down" and named["Same region"].marker.symbol == "circle"
    assert len(named["Statistical neighbour"].x) == 10  # one shape on each neighbour's bar
    bars = [t for t in fig.data if t.type == "bar" and t.name in ("Statistical neighbour", "Same region")]
    assert len(bars) == 2 and all(t.showlegend is False for t in bars)


def test_show_only_red_keeps_the_no_figures_list_to_indicators_without_figures(conn, cfg):
    """Filtering to red rows must not call the green and amber indicators 'without figures' (it did before the
    filter moved into scorecard_view)."""
    af = readmodel.figures(conn, cfg, DURHAM, today=TODAY)
    in_areas, shown, none = scorecard_view.view(af, show=["Red"], sort="RAG, worst first")
    assert len(in_areas) == len(af.scorecard) and set(shown["status"]) == {"red"}
    held = set(af.scorecard["indicator_id"])
    assert none == [i.name for i in cfg.indicators if i.id not in held]
    assert all(i.domain for i in cfg.indicators if i.name in none)  # only the providers' measures, held per provider
    worst = scorecard_view.view(af, sort="RAG, worst first")[1]["status"].map(readmodel.RAG_ORDER).tolist()
    assert worst == sorted(worst)


def test_scorecard_page_lists_no_indicator_as_without_figures_when_filtered_to_red(db_path, cfg, conn):
    at = app().run()
    at.multiselect(key="show_only").select("Red").run()
    assert not at.exception
    label = next(e.label for e in at.expander if "have no figures" in e.label)
    held = set(readmodel.figures(conn, cfg, DURHAM).scorecard["indicator_id"])
    assert unplain(label) == f"{sum(i.id not in held for i in cfg.indicators)} indicator(s) have no figures for County Durham"


def test_one_indicators_overdue_summary_and_its_list_count_the_same_periods(db_path, conn, cfg):
    af = readmodel.figures(conn, cfg, DURHAM)
    late = af.overdue()
    one = late[late["periods_missing"] >= 2].iloc[0]
    n = int(one["periods_missing"])
    assert af.overdue_summary([one["indicator_id"]]).endswith(f"; {n} periods missing.")
    assert af.overdue_heading([one["indicator_id"]]) == f"Which figures are overdue ({n} periods missing)"
    at = app(indicator=one["indicator_id"], area=DURHAM)
    at.switch_page("pages/indicator_page.py").run()
    assert not at.exception
    assert f"; {n} periods missing." in html_text(at)
    assert f"Which figures are overdue ({n} periods missing)" in [e.label for e in at.expander]


def test_the_scorecards_overdue_list_counts_indicators_as_its_summary_does(db_path, conn, cfg):
    af = readmodel.figures(conn, cfg, DURHAM)
    n = len(af.overdue())
    assert af.overdue_summary().startswith(f"{n} of ")
    at = app().run()
    assert f"Which figures are overdue ({n} indicators)" in [e.label for e in at.expander]


def test_about_names_the_official_counterpart_and_ends_each_indicator_with_its_id(db_path):
    at = app()
    at.switch_page("pages/about_page.py").run()
    body = html_text(at)
    section = body.split("id='ehcp_20wk'")[1].split("</section>")[0]
    assert (
        "<dt>Official counterpart</dt><dd><a href='#dfe_ehcp_20wk'>New EHC plans issued within 20 weeks, excluding "
        "exceptions (DfE)</a> (id <code>dfe_ehcp_20wk</code>)</dd>"
    ) in section
    terms = [t.split("</dt>")[0] for t in section.split("<dt>")[1:]]
    assert terms[0] == "Definition" and terms[-1] == "Id in upload files and links"
    assert "Official counterpart: dfe_ehcp_20wk" not in body


def test_provider_scorecard_starts_with_the_standard_banner(db_path):
    at = app(area=DURHAM)
    at.switch_page("pages/providers_page.py").run()
    assert not at.exception
    body = html_text(at)
    assert "<div class='age'>Figures up to 2026-27 Q1 (Apr–Jun 2026)</div>" in body
    assert "<span class='tag'>Sample data</span>" in body
    at = app(area=DURHAM, provider="ZZP02")
    at.switch_page("pages/providers_page.py").run()
    body = html_text(at)
    assert "<div class='age'>Figures up to 2026-27 Q1 (Apr–Jun 2026)</div>" in body
    assert "<span class='tag'>Sample data</span>" in body


def test_a_rollbacks_summary_carries_the_note_the_history_records(conn, cfg):
    before = uploads.history(conn)
    target = int(before[before["kind"] == "sample"]["id"].iloc[0])
    admin = local_access("tester")
    done = queries.roll_back(conn, target, admin, confirm_sample=queries.SAMPLE_CONFIRMATION)
    after = uploads.history(conn)
    recorded = after[after["id"] == done.upload_id]["note"].iloc[0]
    assert done.note == recorded and done.note.startswith(
        f"Rolled back upload {target} (sample data (observations.csv), loaded by sample data on "
    )
