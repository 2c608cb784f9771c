"""Series that tell the truth, end to end: each case is uploaded as a service lead would, then read back through the
read model that every view draws from, and the chart, the direction of travel, the SPC segments and icons, the
scorecard and the exception report are checked together: a gap of one period, a gap of 26, a break, a rebase for
one area only, a point where improving and concerning signals fire at once, and an area named by its alias."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from indicators import alt_text, charts, config, exceptions, markup, readmodel, spc, store, uploads
from tests.conftest import ADMIN, ROOT
from tests.harness import run_cli

DURHAM, REDCAR = "E06000047", "E06000003"
TODAY = dt.date(2026, 11, 30)
WAIT = {
    "id": "wait",
    "name": "Average wait (test)",
    "definition": "A made-up monthly wait for these tests.",
    "unit": "weeks",
    "polarity": "lower_is_better",
    "period_type": "month",
    "target": {"value": 12},
    "rag": {"basis": "absolute", "green": 12, "amber": 18},
    "owner": "Tests",
    "source": "Tests",
    "breaks": [{"period": "2024-01", "reason": "New referral criteria from January 2024", "areas": [REDCAR]}],
    "spc": {"rebase_at": [{"period": "2022-07", "areas": [DURHAM], "reason": "New service in Durham"}]},
}


@pytest.fixture
def world(tmp_path):
    """The shipped areas (with Durham's alias) and one test indicator, in an empty store."""
    shipped = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text(encoding="utf-8"))
    shipped["indicators"] = [WAIT]
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(shipped, sort_keys=False), encoding="utf-8")
    cfg = config.load(path)
    conn = store.open_store(cfg, tmp_path / "truth.duckdb")
    yield cfg, conn, path
    conn.close()


def months(first: str, n: int) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def upload(cfg, conn, rows: list[tuple[str, str, float]]) -> None:
    text = "indicator,area,period,value\n" + "".join(f"wait,{a},{p},{v}\n" for a, p, v in rows)
    preview = uploads.check(conn, cfg, text.encode(), "return.csv", ADMIN, today=TODAY)
    assert preview.result.ok, [p.message for p in preview.result.problems]
    uploads.commit(conn, preview, ADMIN)


def flat(periods: list[str], area: str, base: float = 20.0) -> list[tuple[str, str, float]]:
    return [(area, p, base + (i % 2)) for i, p in enumerate(periods)]


def line_y(fig, name: str) -> list:
    trace = next(t for t in fig.data if t.name == name)
    return [None if v is None or v != v else v for v in trace.y]


def agree(af: readmodel.AreaFigures) -> None:
    """The scorecard, the exception report and the SPC icons say the same thing about every indicator."""
    ex = exceptions.exception_report(af).set_index("indicator_id")
    for r in af.scorecard.itertuples(index=False):
        f = af.indicators[r.indicator_id]
        assert r.variation == (f.spc.variation if f.spc else None)
        assert r.variation_icon == (f.spc.variation_icon if f.spc else None)
        concern = r.variation == spc.CONCERN
        worse = (
            r.previous_status in ("green", "amber") and r.status == "red" or (r.previous_status, r.status) == ("green", "amber")
        )
        assert (r.indicator_id in ex.index) == (r.status == "red" or concern or worse), r.indicator_id
        if concern:
            assert "SPC: special cause of concern" in ex.loc[r.indicator_id, "reasons"]
        html = markup.scorecard_html(af.scorecard, af.area.code)
        if r.variation_icon:
            assert f'alt="{r.variation_text}"' in html


def test_a_gap_of_one_period_breaks_the_line_keeps_the_segment_and_direction_says_so(world):
    cfg, conn, _ = world
    held = months("2021-01", 30)
    gap = "2022-03"
    upload(cfg, conn, [r for r in flat(held, REDCAR) if r[1] != gap])
    af = readmodel.figures(conn, cfg, REDCAR, today=TODAY)
    f = af.indicators["wait"]
    assert list(f.series["period"]) == held and not f.series.set_index("period").loc[gap, "held"]
    # The chart's line has no value at the missing month (connectgaps off), so it is drawn broken there.
    fig = charts.trend_figure(f, "Redcar and Cleveland")
    y = line_y(fig, "Redcar and Cleveland")
    assert y[held.index(gap)] is None and sum(v is None for v in y) == 1
    assert next(t for t in fig.data if t.name == "Redcar and Cleveland").connectgaps is False
    # One missing month is not a new process: one segment, and no moving range across the gap.
    assert len(f.spc.segments) == 1 and f.spc.segments[0].n_values == 29
    # The month after the gap compares with the month immediately before it, which has no figure.
    cut = readmodel.figures(conn, cfg, REDCAR, today=TODAY, as_of=dt.date(2022, 4, 30)).indicators["wait"]
    assert cut.latest["period"] == "2022-04" and cut.latest["direction_prev_text"] == "– No figure for March 2022"
    assert cut.latest["direction_prev"] == "not_comparable"
    agree(af)


def test_a_gap_of_26_periods_starts_a_new_segment_and_the_new_point_is_not_judged_on_old_limits(world):
    cfg, conn, _ = world
    before = months("2018-01", 20)  # 2018-01 … 2019-08
    after = months("2021-11", 3)  # 2019-09 … 2021-10 is 26 months with no figure
    upload(cfg, conn, flat(before, REDCAR) + [(REDCAR, p, 40.0) for p in after])
    af = readmodel.figures(conn, cfg, REDCAR, today=TODAY)
    f = af.indicators["wait"]
    assert int((~f.series["held"]).sum()) == 26
    assert [s.start for s in f.spc.segments] == ["2018-01", "2021-11"]
    assert f.spc.segments[1].reason == "a gap of 26 periods with no figure (2019-09 to 2021-10)"
    # 40 weeks would be far beyond the old limits; judged within its own short segment it gets no signal at all.
    assert f.latest["variation"] != spc.CONCERN
    y = line_y(charts.trend_figure(f, "Redcar"), "Redcar")
    assert y.count(None) == 26
    spc_fig = charts.spc_figure(f, "Redcar")
    assert len([t for t in spc_fig.data if t.name == "Mean"]) >= 1
    # Red (40 weeks against a 12-week target) is still an exception, and the scorecard agrees.
    assert f.latest["status"] == "red"
    agree(af)


def test_a_break_is_drawn_labelled_and_starts_a_segment_for_its_area_only(world):
    cfg, conn, _ = world
    held = months("2022-01", 36)
    rows = [(a, p, (20.0 if p < "2024-01" else 30.0) + i % 2) for a in (REDCAR, DURHAM) for i, p in enumerate(held)]
    upload(cfg, conn, rows)
    redcar = readmodel.figures(conn, cfg, REDCAR, today=TODAY)
    f = redcar.indicators["wait"]
    assert [b.period for b in f.breaks] == ["2024-01"]
    starts = [(s.start, s.reason) for s in f.spc.segments]
    assert ("2024-01", "a break in the series at 2024-01: New referral criteria from January 2024") in starts
    fig = charts.trend_figure(f, "Redcar")
    assert len(fig.layout.shapes) == 1 and str(fig.layout.shapes[0].x0).startswith("2024-01-01")
    breaks = [(a.text, a.hovertext, a.yref, a.y, a.yanchor) for a in fig.layout.annotations if a.text.startswith("Break")]
    # labelled in the margin above the plot (never over a figure), its reason in the hover text and the text alternative
    assert breaks == [("Break January 2024", "Break January 2024: New referral criteria from January 2024", "paper", 1, "bottom")]
    assert "Series break at January 2024: New referral criteria from January 2024;" in alt_text.trend_summary(f, "Redcar")
    assert {"Green ≤ 12.0 weeks", "Red > 18.0 weeks"} <= {a.text for a in fig.layout.annotations}  # the band edges, in words
    assert len(charts.spc_figure(f, "Redcar").layout.shapes) == 1  # the SPC chart draws it too
    # The step up at the break is the break, not a signal: after it, common cause in its own segment.
    assert f.latest["variation"] == spc.COMMON_CAUSE
    # Durham's series has no break (the break is Redcar's), so the step is a real change there: special cause.
    durham = readmodel.figures(conn, cfg, DURHAM, today=TODAY).indicators["wait"]
    assert durham.breaks == [] and len(charts.trend_figure(durham, "Durham").layout.shapes) == 0
    assert durham.latest["variation"] == spc.CONCERN
    agree(redcar)
    agree(readmodel.figures(conn, cfg, DURHAM, today=TODAY))


def test_a_rebase_applies_to_its_own_area_only(world):
    cfg, conn, _ = world
    held = months("2021-01", 30)
    upload(cfg, conn, flat(held, DURHAM) + flat(held, REDCAR))
    durham = readmodel.figures(conn, cfg, DURHAM, today=TODAY).indicators["wait"]
    redcar = readmodel.figures(conn, cfg, REDCAR, today=TODAY).indicators["wait"]
    assert [(s.start, s.reason) for s in durham.spc.segments] == [("2021-01", "start"), ("2022-07", "rebased at 2022-07")]
    assert [s.start for s in redcar.spc.segments] == ["2021-01"]


def test_a_point_with_improving_and_concerning_signals_is_shown_as_improvement_everywhere(world):
    cfg, conn, _ = world
    # Lower is better: a flat year, then a jump to 60 weeks falling steadily to 50. The last point is beyond the upper
    # limit (concern) and ends a falling trend of six (improvement) at once.
    values = [20.0, 21.0] * 6 + [60.0, 58.0, 56.0, 54.0, 52.0, 50.0]
    held = months("2025-06", len(values))
    upload(cfg, conn, [(REDCAR, p, v) for p, v in zip(held, values)])
    af = readmodel.figures(conn, cfg, REDCAR, today=TODAY)
    f = af.indicators["wait"]
    last = f.spc.points[-1]
    assert last.conflict and last.variation == spc.IMPROVEMENT
    assert f.latest["variation"] == spc.IMPROVEMENT  # the scorecard's icon
    ex = exceptions.exception_report(af).set_index("indicator_id")
    assert "SPC" not in ex.loc["wait", "reasons"]  # red (50 weeks), but not listed as SPC concern
    agree(af)


def test_an_area_named_by_its_alias_is_accepted_by_uploads_and_the_cli(world):
    cfg, conn, path = world
    text = "indicator,area,period,value\nwait,Durham,2026-08,14\n"
    preview = uploads.check(conn, cfg, text.encode(), "alias.csv", ADMIN, today=TODAY)
    assert preview.result.ok and list(preview.result.rows["area_code"]) == [DURHAM]
    uploads.commit(conn, preview, ADMIN)
    db = conn.execute("PRAGMA database_list").fetchall()[0][2]
    conn.close()
    run = run_cli(
        "series", "wait", "--area", "Durham", env={"PATH": "/usr/bin:/bin", "KPI_DB": db, "KPI_CONFIG": str(path)}, inherit=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1].startswith("2026-08,2026-08-01,2026-08-31,14.0,")


def test_the_indicator_page_explains_segments_breaks_and_the_conflict_rule(world, monkeypatch):
    from streamlit.testing.v1 import AppTest

    cfg, conn, path = world
    values = [20.0, 21.0] * 6 + [60.0, 58.0, 56.0, 54.0, 52.0, 50.0]
    # Durham: its rebase (2022-07) is before this series starts, so it does not apply; Redcar: a break mid-series.
    upload(cfg, conn, [(DURHAM, p, v) for p, v in zip(months("2023-01", len(values)), values)])
    upload(cfg, conn, [(REDCAR, p, 20.0 + i % 2) for i, p in enumerate(months("2023-01", 24))])
    db = conn.execute("PRAGMA database_list").fetchall()[0][2]
    conn.close()
    monkeypatch.setenv("KPI_DB", db)
    monkeypatch.setenv("KPI_CONFIG", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["indicator"] = "wait"
    at.query_params["area"] = DURHAM
    at.switch_page("pages/indicator_page.py")
    at.run()
    assert not at.exception
    from pages.common import unplain

    words = " ".join(unplain(c.value) for c in at.caption)  # as read on screen, without plain()'s escapes
    assert "signals of improvement and of concern fired together" in words and "Breaks in the series" not in words
    assert any("1 segment(s)." in m.value for m in at.markdown)

    at.query_params["area"] = REDCAR
    at.session_state["_area"] = REDCAR
    at.run()
    assert not at.exception
    words = " ".join(unplain(c.value) for c in at.caption)
    assert "Breaks in the series: 2024-01: New referral criteria from January 2024." in words
    assert "fired together" not in words
    segments = next(d.value for d in at.dataframe if "Starts at" in d.value.columns)
    assert segments["Starts at"].tolist() == [
        "the start of the series",
        "a break in the series at 2024-01: New referral criteria from January 2024",
    ]
