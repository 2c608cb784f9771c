"""The read model (indicators/readmodel.py), which every page, slide, pack and the CLI read: comparator lines, vs
England with ranks and quartiles, SPC readings, figures' age and provenance; and the pages drawn from it."""

import pytest
from streamlit.testing.v1 import AppTest

from indicators import readmodel, store, uploads
from tests.conftest import ADMIN, FIXTURES, ROOT, as_user, sample_last


def test_durham_against_england_region_and_neighbours(conn, cfg):
    comps = readmodel.figures(conn, cfg, "E06000047").indicators["dfe_ehcp_20wk"].comparators
    assert list(comps) == ["England", "North East", "Statistical neighbours (median)"]
    england = comps["England"].set_index("period")["value"]
    assert england["2018"] == 60.1 and england["2024"] == 46.4
    assert comps["North East"].set_index("period")["value"]["2018"] == 81.7
    # Durham's ten neighbours in the DfE's model (data/official/sn-model-long.csv), read here without the store.
    import csv
    import statistics

    with open(ROOT / "data" / "official" / "sn-model-long.csv", newline="") as f:
        ten = [r["SN_code"] for r in csv.DictReader(f) if r["la_code"] == "E06000047"]
    assert len(ten) == 10 and ten[:3] == ["E06000006", "E08000015", "E08000037"]  # Halton, Wirral, Gateshead
    held = [
        v
        for (v,) in conn.execute(
            f"SELECT value FROM observations WHERE indicator_id = 'dfe_ehcp_20wk' AND period = '2024' "
            f"AND value IS NOT NULL AND area_code IN ({', '.join('?' * 10)})",
            ten,
        ).fetchall()
    ]
    neighbours = comps["Statistical neighbours (median)"].set_index("period")
    assert neighbours.loc["2024", "value"] == pytest.approx(statistics.median(held)) and neighbours.loc["2024", "n_areas"] == len(
        held
    )


def test_neighbours_median_uses_every_neighbour_with_a_figure(empty_conn, cfg):
    # Two neighbours, from a store with no official data: Redcar and (made up) Darlington, whose 2019 figure is suppressed.
    from indicators.access import system_access

    store.replace_neighbours(
        empty_conn,
        [("E06000047", 1, "E06000003", "Very close", "test"), ("E06000047", 2, "E06000005", "Very close", "test")],
        system_access("test"),
    )
    uploads.load_file(
        empty_conn, cfg, (FIXTURES / "ees" / "sen2_mi_handmade.csv").read_bytes(), "sen2_mi.csv", ADMIN, official=True
    )
    comps = readmodel.figures(empty_conn, cfg, "E06000047").indicators["dfe_ehcp_20wk"].comparators
    series = comps["Statistical neighbours (median)"].set_index("period")
    assert series.loc["2020", "n_areas"] == 2 and series.loc["2020", "value"] == pytest.approx((71.8 + 74.5) / 2)
    assert series.loc["2019", "n_areas"] == 1  # Darlington's 2019 figure is suppressed (c): left out, not a zero


def test_vs_england_is_read_through_polarity(conn, cfg):
    vs = readmodel.figures(conn, cfg, "E06000047").scorecard.set_index("indicator_id")
    assert vs.loc["dfe_ehcp_20wk", "england_text"] == "46.4%"  # 2024: Durham 18.3%
    assert vs.loc["dfe_ehcp_20wk", "vs_england_text"] == "-28.1 pts (worse)"
    assert vs.loc["dfe_ehcp_20wk", "quartile_text"] == "128th of 151 LAs (bottom quartile)"
    assert vs.loc["dfe_neet_ehcp", "vs_england_text"] == "+2.8 pts (worse)"  # lower is better
    assert vs.loc["dfe_ehc_requests", "vs_england_text"] == "–"  # a count is not compared with England's total
    # A local measure is compared through its official counterpart, naming the counterpart's year.
    assert vs.loc["ehcp_20wk", "comparison_indicator"] == "dfe_ehcp_20wk" and vs.loc["ehcp_20wk", "comparison_period"] == "2024"
    assert vs.loc["ehcp_20wk", "england_text"] == "46.4%" and vs.loc["ehcp_20wk", "comparison_value_text"] == "18.3%"


def test_quartile_position_among_enough_local_authorities(conn, cfg):
    areas = [(f"E0690000{i}", f"LA {i}", "local_authority", None, "E12000001") for i in range(9)]
    store.add_areas(conn, areas)
    latest = sample_last("send_neet")[0].label  # Durham's latest quarter, where the scorecard reads the quartile
    rows = "\n".join(f"send_neet,{area},{latest},14.3" for area in ("E06000047", "E06000003"))
    rows += "\n" + "\n".join(f"send_neet,E0690000{i},{latest},{10 + i}" for i in range(9))
    uploads.commit(
        conn, uploads.check(conn, cfg, f"indicator,area,period,value\n{rows}\n".encode(), "la.csv", ADMIN), as_user("a")
    )
    vs = readmodel.figures(conn, cfg, "E06000047").scorecard.set_index("indicator_id")
    # Durham 14.3% among 11 LAs: 9 synthetic (10..18), Redcar's 14.3% and Durham. Lower is better: 10, 11, 12, 13,
    # 14, then Durham and Redcar share 6th (competition ranking, as LAIT ranks): (6 - 1) × 4 // 11 + 1 = quartile 2.
    assert vs.loc["send_neet", "quartile"] == 2
    assert vs.loc["send_neet", "rank"] == 6 and vs.loc["send_neet", "quartile_text"] == "6th of 11 LAs (second quartile)"


def test_spc_reading_on_the_rebased_asd_wait(conn, cfg):
    durham = readmodel.figures(conn, cfg, "E06000047")
    reading = durham.indicators["asd_avg_wait_weeks"].spc
    assert [s.start for s in reading.segments] == ["2017-07", "2018-09"]
    redcar = readmodel.figures(conn, cfg, "E06000003").indicators["asd_avg_wait_weeks"].spc
    assert [s.start for s in redcar.segments] == ["2017-07"]  # the rebase is County Durham's alone
    # Since the new service the wait fell to 14 weeks (early 2020), then rose with the list to 68 (2024); August
    # 2026's 49 weeks ends a long run above the segment's mean (45): concern, and never near the 12-week target.
    assert reading.variation == "special_cause_concern" and reading.assurance == "consistently_fail"
    assert durham.indicators["ehcp_male_share"].spc is None


def page(path, **query):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(path)
    return at.run()


def test_indicator_page_shows_durham_against_england(db_path):
    at = page("pages/indicator_page.py", indicator="dfe_ehcp_20wk", area="E06000047")
    assert not at.exception
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"name":"England"' in spec and '"name":"North East"' in spec and '"name":"County Durham"' in spec


def test_indicator_page_spc_tab_and_icons(db_path):
    at = page("pages/indicator_page.py", indicator="asd_avg_wait_weeks", area="E06000047")
    assert not at.exception
    icons = next(h.proto.body for h in at.html if 'class="mdc"' in h.proto.body)
    assert (
        'alt="Special cause variation: concerning, higher values"' in icons and 'alt="Consistently failing the target"' in icons
    )
    segments = next(d.value for d in at.dataframe if "Upper process limit" in d.value.columns)
    assert segments["From"].tolist() == ["2017-07", "2018-09"]


def test_scorecard_filters_and_sorts_by_spc(db_path):
    at = page("pages/scorecard_page.py")
    at.multiselect(key="show_only").set_value(["Consistently failing"]).run()
    body = next(h.proto.body for h in at.html if "table class='scorecard'" in h.proto.body)
    shown = [c.split("'")[0] for c in body.split("data-indicator='")[1:]]
    assert shown and "asd_avg_wait_weeks" in shown and "salt_treated_12wk" not in shown
    at.multiselect(key="show_only").set_value([]).run()
    at.selectbox(key="sort").set_value("RAG, worst first").run()
    body = next(h.proto.body for h in at.html if "table class='scorecard'" in h.proto.body)
    first = body.split("data-indicator='")[1].split("'")[0]
    assert first in {"asd_avg_wait_weeks", "send_neet", "asd_longest_wait_weeks", "dfe_ehcp_20wk", "dfe_neet_ehcp"}


def test_commentary_written_on_the_indicator_page_is_kept_and_shown_as_text(db_path):
    at = page("pages/indicator_page.py", indicator="send_neet", area="E06000047")
    at.text_area[0].input("Down again <script>alert(1)</script>")
    at.text_area[1].input("- DurhamWorks for every leaver")
    at.button[0].click()  # the form's submit
    at.run()
    assert not at.exception
    at = page("pages/indicator_page.py", indicator="send_neet", area="E06000047")
    note = next(h.proto.body for h in at.html if "What the data shows" in h.proto.body)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note and "<li>DurhamWorks for every leaver</li>" in note
