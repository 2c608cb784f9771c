"""Chart annotations never cover the data: every label (a series break, a RAG boundary's rule, a suggested rebase)
is placed where no plotted point or line is, worked out from the Plotly figure's own layout (margins, axis ranges,
anchors) in pixels; and a break drawn on a chart is also said in its text alternative and its table."""

import base64
import datetime as dt
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from indicators import alt_text, charts, export, readmodel

TODAY = dt.date(2026, 11, 22)
DURHAM = "E06000047"


def _array(v) -> list:
    """A trace's x or y: Plotly writes numeric arrays as typed arrays ({"dtype", "bdata"})."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _num(v) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    return pd.Timestamp(v).value / 1e9  # dates (the period starts) as seconds


def _boxes_and_marks(spec: dict, width: float):
    """Each annotation's box and each plotted point and line, in the picture's pixels (y down)."""
    lay = spec["layout"]
    height = lay["height"]
    m = lay["margin"]
    x0, x1, y0, y1 = m["l"], width - m["r"], m["t"], height - m["b"]
    xr = [_num(v) for v in lay["xaxis"]["range"]]
    if lay["yaxis"].get("range"):
        yr = [float(v) for v in lay["yaxis"]["range"]]
    else:  # autorange: the data's extent and a little room, as Plotly gives it
        ys = [float(y) for t in spec["data"] for y in _array(t.get("y", [])) if y is not None and not pd.isna(y)]
        pad = (max(ys) - min(ys)) * 0.06 or 1
        yr = [min(ys) - pad, max(ys) + pad]

    def px(x, y, xref="x", yref="y"):
        X = x0 + (x if xref == "paper" else (_num(x) - xr[0]) / (xr[1] - xr[0])) * (x1 - x0)
        Y = y1 - (y if yref == "paper" else (float(y) - yr[0]) / (yr[1] - yr[0])) * (y1 - y0)
        return X, Y

    boxes = []
    for a in lay.get("annotations") or []:
        text = re.sub(r"<[^>]+>", "", a["text"].replace("<br>", "\n"))
        size = (a.get("font") or {}).get("size") or lay.get("font", {}).get("size", 12)
        w = max(len(line) for line in text.split("\n")) * size * 0.62 + 6
        h = (text.count("\n") + 1) * size * 1.3 + 4
        X, Y = px(a["x"], a["y"], a.get("xref", "x"), a.get("yref", "y"))
        X += a.get("xshift", 0)
        Y -= a.get("yshift", 0)
        left = {"left": X, "right": X - w}.get(a.get("xanchor"), X - w / 2)
        top = {"top": Y, "bottom": Y - h}.get(a.get("yanchor"), Y - h / 2)
        boxes.append((a["text"], (left, top, left + w, top + h)))
    marks = []  # (trace name, [pixel points along it]), the lines sampled finely
    for t in spec["data"]:
        if t.get("type", "scatter") != "scatter" or not (t.get("line", {}).get("width", 2) or "markers" in t.get("mode", "")):
            continue
        pts = [px(x, y) for x, y in zip(_array(t["x"]), _array(t["y"])) if y is not None and not pd.isna(y)]
        if "lines" in t.get("mode", "lines") and t.get("line", {}).get("width", 2):
            pts = [
                (a[0] + (b[0] - a[0]) * k / 20, a[1] + (b[1] - a[1]) * k / 20) for a, b in zip(pts, pts[1:]) for k in range(21)
            ] or pts
        marks.append((t.get("name") or "", pts))
    return boxes, marks


def _overlaps(spec, width):
    boxes, marks = _boxes_and_marks(spec, width)
    out = []
    for text, (left, top, right, bottom) in boxes:
        for name, pts in marks:
            if any(left <= x <= right and top <= y <= bottom for x, y in pts):
                out.append((text, name))
    return out


@pytest.fixture
def durham(conn, cfg):
    return readmodel.figures(conn, cfg, DURHAM, today=TODAY)


def test_the_break_note_and_boundary_labels_cover_no_point_or_line_on_the_page_or_in_the_pack(durham):
    f = durham.indicators["dfe_ehcp_20wk"]  # a break at 2022 (SEN2 became person-level), bands, three comparators
    assert f.breaks
    page = charts.trend_figure(f, "County Durham").to_plotly_json()
    page["layout"]["xaxis"]["range"] = charts.x_range(f.series["period_start"])
    assert any(a["text"].startswith("Break 2022") for a in page["layout"]["annotations"])
    assert _overlaps(page, 900) == []
    for w, h in ((436, 200), (888, 280)):  # the pack's two widths, in points
        spec = export.board_trend(f, "County Durham", width=w, height=h, font=export.CHART_PT, title=export.trend_title(f))
        assert _overlaps(spec, w) == [], (w, h)
    for ind_id, g in durham.indicators.items():  # every chart of the area, trend and SPC
        if g.spc is not None:
            spec = export.board_spc(g, "County Durham", width=436, height=200, font=export.CHART_PT, title="XmR")
            assert _overlaps(spec, 436) == [], ind_id
        spec = export.board_trend(g, "County Durham", width=436, height=200, font=export.CHART_PT, title=export.trend_title(g))
        assert _overlaps(spec, 436) == [], ind_id


def test_the_overlap_check_finds_a_label_over_the_data():
    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[0, 5, 10], mode="lines+markers", name="Area"))
    fig.update_layout(width=400, height=300, margin={"l": 40, "r": 20, "t": 40, "b": 40})
    fig.update_xaxes(range=[0, 2])
    fig.update_yaxes(range=[0, 10])
    fig.add_annotation(x=1, y=5, text="Break 2022", showarrow=False)  # right on the middle point
    spec = fig.to_plotly_json()
    assert _overlaps(spec, 400) == [("Break 2022", "Area")]


def test_a_break_is_said_in_the_charts_text_alternative_and_table(durham):
    f = durham.indicators["dfe_ehcp_20wk"]
    reason = f.breaks[0].reason
    summary = alt_text.trend_summary(f, "County Durham")
    assert f"Series break at 2022: {reason}; figures before and after it are not directly comparable." in summary
    table = alt_text.trend_table(f, "County Durham")
    assert table.loc[table["Period"] == "2022", "Note"].tolist() == [f"Series break: {reason}"]
    assert "Series break at 2022" in export.trend_alt(f, "County Durham")


def test_a_short_monthly_series_is_ticked_by_month_not_fortnight():
    """NHS England's monthly figures, a few months of them: Plotly alone would tick fortnightly ("Jul 14, 2025"),
    as though there were figures between the months. The trend chart ticks each month, named "Jul 2025"."""
    months = pd.date_range("2025-04-01", "2025-08-01", freq="MS")
    assert charts.month_ticks(months) == {"dtick": "M1", "tickformat": "%b %Y", "tick0": months[0]}
    two_years = pd.date_range("2023-01-01", "2024-12-01", freq="MS")
    assert charts.month_ticks(two_years)["dtick"] == "M3"  # 23 months: a tick a quarter, eight or so in all
    assert charts.month_ticks(pd.to_datetime(["2021-04-01", "2022-04-01", "2023-04-01"])) == {}  # yearly: Plotly's
    assert charts.month_ticks(pd.date_range("2015-01-01", "2024-12-01", freq="MS")) == {}  # ten years: Plotly's


def test_the_nhs_trend_chart_carries_month_ticks(conn, cfg):
    """The sample's NHS England waiting list (a few monthly figures for one provider) is drawn with month ticks."""
    code, n = conn.execute(
        "SELECT area_code, count(*) FROM observations WHERE indicator_id = 'nhs_salt_waiting_list' "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone()
    f = readmodel.figures(conn, cfg, code, today=TODAY).indicators["nhs_salt_waiting_list"]
    assert n >= 2 and len(f.series) <= 24  # the series holds the months between its figures as gaps
    fig = charts.trend_figure(f, code)
    assert (fig.layout.xaxis.dtick, fig.layout.xaxis.tickformat) == ("M1", "%b %Y")
