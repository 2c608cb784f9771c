"""The read model (indicators/readmodel.py), which every page, slide, pack and the CLI read: comparator lines, vs
England with ranks and quartiles, SPC readings, figures' age and provenance; and the pages drawn from it."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators import readmodel, store, uploads
from tests.conftest import ADMIN, FIXTURES, ROOT, as_user, sample_last


def test_durham_against_england_region_and_neighbours(conn, cfg):
    comps = readmodel.figures(conn, cfg, "E06000047").indicators["dfe_ehcp_20wk"].comparators
    assert list(comps) == ["England", "North East", "Statistical neighbours (average)"]
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
    neighbours = comps["Statistical neighbours (average)"].set_index("period")
    # As LAIT gives it: the average of the ten, 66.4% for 2024, "10 of 10"; the median stays as a second figure.
    assert len(held) == 10 and neighbours.loc["2024", "value"] == pytest.approx(statistics.mean(held))
    assert f"{neighbours.loc['2024', 'value']:.1f}" == "66.4"
    assert (neighbours.loc["2024", "n_areas"], neighbours.loc["2024", "n_neighbours"]) == (10, 10)
    assert neighbours.loc["2024", "median"] == pytest.approx(statistics.median(held))


def test_no_neighbours_figure_from_fewer_than_three(empty_conn, cfg):
    # Two neighbours, from a store with no official data: Redcar and (made up) Darlington, whose 2019 figure is suppressed.
    from indicators.access import system_access

    store.replace_neighbours(
        empty_conn,
        [("E06000047", 1, "E06000003", "Very close", "test"), ("E06000047", 2, "E06000005", "Very close", "test")],
        system_access("test"),
    )
    uploads.load_file(
        empty_conn, cfg, (FIXTURES / "ees" / "sen2_mi_handmade.csv").read_bytes(), "sen2_mi.csv", ADMIN, kind="official"
    )
    comps = readmodel.figures(empty_conn, cfg, "E06000047").indicators["dfe_ehcp_20wk"].comparators
    series = comps["Statistical neighbours (average)"].set_index("period")
    # Two neighbours with a figure: counted ("2 of 2"), but no average is given from fewer than three (as LAIT).
    assert series.loc["2020", "n_areas"] == 2 and series.loc["2020", "n_neighbours"] == 2
    assert pd.isna(series.loc["2020", "value"]) and pd.isna(series.loc["2020", "median"])
    assert series.loc["2019", "n_areas"] == 1  # Darlington's 2019 figure is suppressed (c): left out, not a zero


def test_vs_england_is_read_through_polarity(conn, cfg):
    vs = readmodel.figures(conn, cfg, "E06000047").scorecard.set_index("indicator_id")
    assert vs.loc["dfe_ehcp_20wk", "england_text"] == "46.4%"  # 2024: Durham 18.3%
    assert vs.loc["dfe_ehcp_20wk", "vs_england_text"] == "-28.1 pts (worse)"
    # The rank as LAIT makes it, worked out here from the stored figures: the published (one-decimal, half-up)
    # figures of every local authority but the Isles of Scilly (one plan, 100%) and the City of London.
    from decimal import ROUND_HALF_UP, Decimal

    got = conn.execute(
        "SELECT o.area_code, o.value FROM observations o JOIN areas a ON a.code = o.area_code WHERE a.level = "
        "'local_authority' AND o.indicator_id = 'dfe_ehcp_20wk' AND o.period = '2024' AND o.value IS NOT NULL"
    ).fetchall()
    published = {c: Decimal(repr(v)).quantize(Decimal("0.1"), ROUND_HALF_UP) for c, v in got}
    assert "E06000053" in published  # the Isles of Scilly has a figure, and is left out of the rank
    ranked = [v for c, v in published.items() if c not in ("E06000053", "E09000001")]
    rank = 1 + sum(v > published["E06000047"] for v in ranked)
    assert vs.loc["dfe_ehcp_20wk", "quartile_text"] == f"{readmodel.ordinal(rank)} of {len(ranked)} LAs (bottom quartile)"
    assert (rank, len(ranked)) == (127, 150)
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


def test_ranks_share_ties_at_the_published_precision_and_leave_out_scilly_and_the_city(empty_conn, cfg):
    """29.228 and 29.2 are the same published figure, so they share a rank; the Isles of Scilly's 100% takes none."""
    areas = [(f"E0690000{i}", f"LA {i}", "local_authority", None, "E12000001") for i in range(8)]
    areas += [("E06000053", "Isles of Scilly", "local_authority", None, "E12000009")]
    store.add_areas(empty_conn, areas)
    header = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,new_la_code,old_la_code,la_name,no_exc_20week_rate"
    rows = [
        f"2022,Calendar year,Local authority,E92000001,England,E12000001,North East,E0690000{i},9{i},LA {i},{40 + i}"
        for i in range(8)
    ]
    rows += [
        "2022,Calendar year,Local authority,E92000001,England,E12000001,North East,E06000047,840,County Durham,29.228",
        "2022,Calendar year,Local authority,E92000001,England,E12000001,North East,E06000003,807,Redcar and Cleveland,29.2",
        "2022,Calendar year,Local authority,E92000001,England,E12000009,South West,E06000053,906,Isles of Scilly,100",
    ]
    data = ("\n".join([header, *rows]) + "\n").encode()
    uploads.load_file(empty_conn, cfg, data, "sen2_mi_2023-release.csv", ADMIN, kind="official")
    f = readmodel.figures(empty_conn, cfg, "E06000047").indicators["dfe_ehcp_20wk"]
    r = f.ranks.set_index("period").loc["2022"]
    assert (r["rank"], r["n_las"]) == (9, 10)  # behind the eight at 40–47; Redcar shares 9th; Scilly not counted
    redcar = readmodel.figures(empty_conn, cfg, "E06000003").indicators["dfe_ehcp_20wk"].ranks.set_index("period")
    assert redcar.loc["2022", "rank"] == 9
    assert readmodel.figures(empty_conn, cfg, "E06000053").indicators["dfe_ehcp_20wk"].ranks.empty


def test_neet_figures_fall_due_in_the_year_the_dfe_publishes_them(cfg):
    """The December 2025–February 2026 average (period 2026) is published in June 2026: due by 31 July 2026, not
    240 days after December 2026. The SEN2 series breaks between 2021 and 2022."""
    import datetime as dt

    ind = cfg.by_id["dfe_neet_ehcp"]
    assert readmodel.due_status(ind, dt.date(2025, 1, 1), dt.date(2026, 7, 15))["latest_due"] == "2025"
    assert readmodel.due_status(ind, dt.date(2025, 1, 1), dt.date(2026, 8, 1))["latest_due"] == "2026"
    assert readmodel.due_status(ind, dt.date(2026, 1, 1), dt.date(2026, 12, 1))["status"] == "in"
    assert [b.period for b in cfg.by_id["dfe_ehcp_20wk"].breaks] == ["2022"]


def test_indicator_page_gives_the_neighbours_average_as_lait_with_how_many_and_the_method(db_path):
    at = page("pages/indicator_page.py", indicator="dfe_ehcp_20wk", area="E06000047")
    assert not at.exception
    said = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**Statistical neighbours, 2024:**")]
    assert said == ["**Statistical neighbours, 2024:** 66.4% (average of the 10 of 10 neighbours with a figure; median 71.8%)"]
    table = next(d.value for d in at.dataframe if "Rank among local authorities" in d.value.columns)
    row = table.set_index("Year").loc["2024"]
    assert row["Statistical neighbours (average)"] == "66.4% (10 of 10)" and row["Rank among local authorities"] == "127th of 150"
    captions = " ".join(c.value for c in at.caption)
    assert readmodel.NEIGHBOURS_METHOD in captions
    assert (
        "Ranks are among local authorities with a figure, on the figures as published (rounded to 1 decimal place(s), "
        "half up), 1 = best; equal figures share a rank (the next rank is skipped); the Isles of Scilly and the City "
        "of London are not ranked, as in LAIT."
    ) in captions


def test_series_download_carries_the_neighbours_average_how_many_and_the_method(db_path):
    import csv
    import io

    from tests.harness import run_cli

    out = run_cli(
        "series", "dfe_ehcp_20wk", "--area", "E06000047", env={"KPI_DB": str(db_path), "PATH": "/usr/bin:/bin"}, inherit=False
    )
    assert out.returncode == 0, out.stderr
    rows = {r["period"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    r = rows["2024"]
    assert f"{float(r['Statistical neighbours (average)']):.1f}" == "66.4"
    assert (r["neighbours_with_a_figure"], r["neighbours_in_the_model"]) == ("10", "10")
    assert f"{float(r['neighbours_median']):.1f}" == "71.8"
    assert (r["rank_among_las"], r["las_with_a_figure"]) == ("127", "150")
    assert r["comparison_method"].startswith(readmodel.NEIGHBOURS_METHOD + " Ranks are among local authorities")


def test_durhams_20_week_spc_tab_and_scorecard_say_where_the_shift_is_on_the_shipped_data(db_path):
    """ehcp_20wk for County Durham fell from about 80% to 1% and rose to 63%: one set of limits spans the collapse,
    so the latest points alone read "common cause". The SPC tab says a shift was found, where, what the latest points
    show once rebased, and gives the config an administrator adds; the scorecard says the same beside the icon."""
    at = page("pages/indicator_page.py", indicator="ehcp_20wk", area="E06000047")
    assert not at.exception
    # plain() escapes Markdown and puts a word joiner after each colon (so no ":word:" becomes an icon)
    warning = next(w.value for w in at.warning if "Shift found" in w.value).replace("\\", "").replace("\u2060", "")
    assert warning == (
        "Shift found: a sustained shift: 16 points in a row below the mean (58.2) from 2021-22 Q4 to 2025-26 Q3, so "
        "one set of limits spans two processes. Suggested rebase at 2021-22 Q4 (Making Data Count: recalculate the "
        "limits from a sustained shift); rebased there, the latest point shows special cause variation: improving, "
        "higher values."
    )
    assert any("Shift from 2021-22 Q4: suggested rebase" in c.proto.spec for c in at.get("plotly_chart"))  # on the chart
    assert [c.value for c in at.code] == [
        "  - id: ehcp_20wk\n    spc:\n      rebase_at:\n"
        '        - {period: "2021-22 Q4", areas: [E06000047], reason: "sustained shift: 16 points below the mean from '
        '2021-22 Q4 to 2025-26 Q3"}'
    ]
    at = page("pages/scorecard_page.py")
    body = next(h.proto.body for h in at.html if "table class='scorecard'" in h.proto.body)
    row = body.split("data-indicator='ehcp_20wk'")[1].split("</tr>")[0]
    assert "Shift found: 16 points below the mean from 2021-22 Q4; suggested rebase at 2021-22 Q4." in row


def test_the_suggested_rebase_once_confirmed_in_the_config_splits_the_limits_there(conn, cfg, tmp_path):
    from indicators import config

    f = readmodel.figures(conn, cfg, "E06000047").indicators["ehcp_20wk"]
    text = (ROOT / "config" / "indicators.yaml").read_text()
    marker = "  - id: ehcp_20wk\n"
    lines = f.latest["spc_rebase_config"].split("\n")[1:]  # the indicator already starts with "- id: ehcp_20wk"
    (tmp_path / "indicators.yaml").write_text(text.replace(marker, marker + "\n".join(lines) + "\n", 1))
    confirmed = config.load(tmp_path / "indicators.yaml")
    g = readmodel.figures(conn, confirmed, "E06000047").indicators["ehcp_20wk"]
    assert [s.start for s in g.spc.segments] == ["2016-17 Q1", "2021-22 Q4"] and g.spc.shifts == ()
    assert g.latest["variation_icon"] == "special_cause_improvement_high" and g.latest["spc_note"] == ""
    # Redcar and Cleveland's series is untouched: the rebase names County Durham only.
    assert readmodel.figures(conn, confirmed, "E06000003").indicators["ehcp_20wk"].spc.segments[0].reason == "start"


def test_a_concern_icon_beside_an_improving_arrow_says_why(conn, cfg):
    card = readmodel.figures(conn, cfg, "E06000047").scorecard.set_index("indicator_id")
    r = card.loc["asd_avg_wait_weeks"]
    assert r["variation"] == "special_cause_concern" and r["direction_prev_text"] == "↑ Improving"
    assert r["spc_note"].startswith(
        "Concern though better than July 2026: a point beyond a process limit, against limits set over 2018-09 to 2026-08"
    )
    for row in card.itertuples():  # nowhere a bare contradiction
        against = (row.variation == "special_cause_concern" and row.direction_prev_text == "↑ Improving") or (
            row.variation == "special_cause_improvement" and row.direction_prev_text == "↓ Worsening"
        )
        assert not against or row.spc_note.startswith(("Concern though", "Improvement though")), row.indicator_id
