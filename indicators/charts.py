"""Pure functions: a series table in, a Plotly figure out (the pages and the board pack draw the same figures).

Plotly reads <b>, <i>, <br> and <a href> in any text it draws, so every name, source, note and file name that comes
from a file or a person is html-escaped here (`_t`): it is shown as written, never as a live link or markup."""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from indicators import periods, rag
from indicators.config import Break, Indicator
from indicators.spc import COLOURS, COMMON_CAUSE, POINT_WORDS, SYMBOLS, VALUE_LINE, VARIATIONS, SpcResult, rule_text

if TYPE_CHECKING:  # the read model is only a type here: charts stay below it in the import order
    from indicators.readmodel import IndicatorFigures

BAND_COLOURS = {"green": "rgba(0,112,60,0.12)", "amber": "rgba(255,221,0,0.22)", "red": "rgba(178,31,18,0.10)"}
LINE = "#1d70b8"
FONT = "Arial, Helvetica, sans-serif"


# ---------------------------------------------------------------- the layout every chart shares, and the SPC chart


def _fmt(v: float) -> str:
    return f"{v:,.6g}"


# The legend sits at the foot of the figure (container coordinates), where Plotly makes room for it below the axis
# labels at any width; placed relative to the plot it could ride up over them after a resize.
LEGEND = {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0}
# Room under the plot for the tick labels and up to three rows of legend: Plotly makes room for the larger of the two
# (not their sum), so the room is set, not left to its automatic margins.
LEGEND_ROOM = 130


def base_layout(title: str, font_size: int, height: int, top: int = 60, bottom: int = LEGEND_ROOM) -> dict:
    """What every chart's layout shares (trend, SPC, league): title, size, margins, font, white ground, the legend at
    the foot and hover labels. `title` is already escaped for Plotly's HTML."""
    return {
        "title": {"text": title, "font": {"size": font_size + 4}},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": top, "b": bottom},
        "font": {"family": FONT, "size": font_size, "color": "#0b0c0c"},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "legend": LEGEND,
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"size": font_size}},
    }


def spc_chart(
    result: SpcResult,
    title: str,
    unit_label: str = "",
    target: float | Sequence[float | None] | None = None,
    *,
    x: Sequence | None = None,
    height: int = 460,
    font_size: int = 14,
) -> go.Figure:
    """The XmR chart: values marked by variation, and each segment's mean (solid) and process limits (dashed).

    `target` defaults to the targets given to `analyse`. `x` gives the positions, e.g. period start dates;
    it defaults to the period labels on a category axis.
    """
    pts = result.points
    xs = list(x) if x is not None else [p.period for p in pts]
    if len(xs) != len(pts):
        raise ValueError(f"x has {len(xs)} positions for {len(pts)} points")
    fig = go.Figure()

    shown: set[str] = set()  # one legend entry per kind of line, however many segments

    def legend(name: str) -> bool:
        first = name not in shown
        shown.add(name)
        return first

    for seg in result.segments:
        if not seg.has_limits:
            continue
        where = [i for i, p in enumerate(pts) if p.segment == seg.index]
        seg_x = [xs[where[0]], xs[where[-1]]]
        fig.add_trace(
            go.Scatter(
                x=seg_x,
                y=[seg.mean, seg.mean],
                mode="lines",
                name="Mean",
                line={"color": "#0b0c0c", "width": 2},
                legendgroup="mean",
                showlegend=legend("Mean"),
                hovertemplate=f"Mean {_fmt(seg.mean)} ({seg.start} to {seg.end})<extra></extra>",
            )
        )
        # Trial limits (too few points behind them) are dotted rather than dashed, and say so in the legend.
        name = "Process limits (trial)" if seg.trial_limits else "Process limits"
        for y, which in ((seg.upl, "Upper"), (seg.lpl, "Lower")):
            fig.add_trace(
                go.Scatter(
                    x=seg_x,
                    y=[y, y],
                    mode="lines",
                    name=name,
                    legendgroup=name,
                    line={"color": "#505a5f", "width": 1.5, "dash": "dot" if seg.trial_limits else "dash"},
                    showlegend=legend(name),
                    hovertemplate=f"{which} process limit {_fmt(y)}<extra></extra>",
                )
            )

    targets = (
        [p.target for p in pts] if target is None else ([target] * len(pts) if isinstance(target, numbers.Real) else list(target))
    )
    if any(t is not None for t in targets):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[t if t is not None else None for t in targets],
                mode="lines",
                name="Target",
                line={"color": "#0b0c0c", "width": 2, "dash": "dashdot"},
                hoverinfo="skip",
            )
        )

    # The line joins the values; a missing value leaves a gap rather than a made-up line.
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[p.value for p in pts],
            mode="lines",
            name="Value",
            showlegend=False,
            line={"color": VALUE_LINE, "width": 2},
            connectgaps=False,
            hoverinfo="skip",
        )
    )
    for kind in VARIATIONS:
        chosen = [i for i, p in enumerate(pts) if p.variation == kind]
        if not chosen:
            continue
        hover = []
        for i in chosen:
            p = pts[i]
            lines = [f"<b>{html.escape(p.period)}</b>", f"Value: {_fmt(p.value)}", POINT_WORDS[kind]]
            if p.rule:
                lines.append(f"Rule: {rule_text(p.rule, result.settings)}")
            hover.append("<br>".join(lines))
        fig.add_trace(
            go.Scatter(
                x=[xs[i] for i in chosen],
                y=[pts[i].value for i in chosen],
                mode="markers",
                name=POINT_WORDS[kind],
                marker={
                    "symbol": SYMBOLS[kind],
                    "size": 9 if kind == COMMON_CAUSE else 12,
                    "color": COLOURS[kind],
                    "line": {"color": "#ffffff", "width": 1},
                },
                hovertext=hover,
                hoverinfo="text",
            )
        )

    fig.update_layout(
        **base_layout(html.escape(title, quote=False), font_size, height),  # the title shown as written
        yaxis={"title": unit_label, "gridcolor": "#e5e5e5", "zeroline": False},
        xaxis={"gridcolor": "#f0f0f0"},
    )
    if x is None:
        # Categories would otherwise be ordered as traces first mention them (segment lines come first).
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=xs, tickangle=-45, automargin=True)
        # Angled labels need room: put the legend at the foot of the figure rather than just under the axis.
        fig.update_layout(legend={"yref": "container", "y": 0, "yanchor": "bottom"}, margin={"b": 90})
    return fig


def _t(text) -> str:
    """Text for Plotly: escaped, so it is drawn as written."""
    return html.escape("" if text is None else str(text), quote=False)


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _hover(ind: Indicator, r) -> str:
    parts = [f"<b>{_t(r.period_display)}</b>", f"Value: {_t(r.value_text)}"]
    num, den = _num(r.numerator), _num(r.denominator)
    if num is not None or den is not None:
        n = f"{num:,.0f}" if num is not None else "–"
        d = f"{den:,.0f}" if den is not None else "–"
        parts.append(f"Numerator / denominator: {n} / {d}")
    if _num(r.target) is not None:
        parts.append(f"Target: {rag.format_value(ind, r.target)}")
    parts.append(f"RAG: {r.rag_text}")
    if r.figure_type == "published":
        parts.append(f"published: {_t(r.source) if r.source else 'source not recorded'}")
    elif r.figure_type == "illustrative":
        parts.append("illustrative sample value")
    else:
        parts.append(f"submitted: {_t(r.upload_file) if r.upload_file else 'upload'}")
    if isinstance(r.note, str) and r.note:
        parts.append(f"<i>{_t(r.note[:120])}</i>")
    return "<br>".join(parts)


def y_range(ind: Indicator, df: pd.DataFrame) -> tuple[float, float]:
    values = [
        v
        for v in pd.concat([df["value"], df["target"].astype(float), df["green"].astype(float), df["amber"].astype(float)])
        if _num(v) is not None
    ]
    hi = max(values) if values else 1.0
    lo = min(values) if values else 0.0
    if ind.unit == "percent":
        return 0.0, 100.0 if hi > 60 else min(100.0, hi * 1.25 + 1)
    top = hi * 1.15 if hi > 0 else 1.0
    return (0.0 if lo >= 0 else lo * 1.15), top


COMPARATOR_STYLES = [("#505a5f", "dot"), ("#912b88", "dash"), ("#b35900", "dashdot"), ("#005a30", "longdash")]


def indicator_chart(
    ind: Indicator,
    df: pd.DataFrame,
    area_name: str,
    *,
    height: int = 460,
    font_size: int = 14,
    show_bands: bool = True,
    comparators: dict[str, pd.DataFrame] | None = None,
    breaks: list[Break] | None = None,
) -> go.Figure:
    """The trend of one indicator for one area: values, target or trajectory, RAG bands, published markers, and a
    labelled line where the series' definition changed. A period with no figure leaves a gap in the line."""
    fig = go.Figure()
    x = pd.to_datetime(df["period_start"])
    lo, hi = y_range(ind, df)

    has_bands = df["green"].notna()
    if show_bands and has_bands.any():
        # Only where thresholds apply (a trajectory may start part-way through the series).
        b = df[has_bands]
        bx = pd.to_datetime(b["period_start"])
        green, amber = b["green"].astype(float), b["amber"].astype(float)
        better_up = ind.polarity == "higher_is_better"
        top = pd.Series([hi] * len(b), index=b.index)
        # Stacked fills, bottom band first: each fills down to the boundary drawn before it.
        uppers = [
            ("red" if better_up else "green", amber if better_up else green),
            ("amber", green if better_up else amber),
            ("green" if better_up else "red", top),
        ]
        fig.add_trace(go.Scatter(x=bx, y=[lo] * len(b), mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False))
        for name, upper in uppers:
            fig.add_trace(
                go.Scatter(
                    x=bx,
                    y=upper.clip(lower=lo, upper=hi),
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor=BAND_COLOURS[name],
                    hoverinfo="skip",
                    name=f"{name.capitalize()} band",
                    showlegend=True,
                    legendgroup="bands",
                )
            )
        draw_band_boundaries(fig, ind, bx, green, amber, lo, hi, font_size)

    if df["target"].notna().any():
        trajectory = ind.target is not None and ind.target.trajectory is not None
        fig.add_trace(
            go.Scatter(
                x=x,
                y=df["target"],
                mode="lines",
                name="Trajectory" if trajectory else "Target",
                line={"color": "#0b0c0c", "dash": "dash", "width": 2},
                hoverinfo="skip",
            )
        )

    # Comparator lines (England, the region, neighbours): thinner, dashed, each its own colour and dash.
    for (name, comp), (colour, dash) in zip((comparators or {}).items(), COMPARATOR_STYLES):
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(comp["period_start"]),
                y=comp["value"],
                mode="lines+markers",
                name=_t(name),
                line={"color": colour, "width": 2, "dash": dash},
                marker={"size": 5, "color": colour},
                hovertext=[
                    f"<b>{_t(name)}</b> {_t(p)}: {rag.format_value(ind, v)}" for p, v in zip(comp["period"], comp["value"])
                ],
                hoverinfo="text",
            )
        )

    hover = [_hover(ind, r) for r in df.itertuples(index=False)]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=df["value"],
            mode="lines+markers",
            name=_t(area_name),
            line={"color": LINE, "width": 3},
            connectgaps=False,
            marker={
                "size": 8,
                "color": ["#ffffff" if t == "illustrative" else LINE for t in df["figure_type"]],
                "line": {"color": LINE, "width": 2},
            },
            hovertext=hover,
            hoverinfo="text",
        )
    )

    published = df["figure_type"] == "published"
    if published.any():
        fig.add_trace(
            go.Scatter(
                x=x[published],
                y=df.loc[published, "value"],
                mode="markers",
                name="Published figure",
                marker={"symbol": "diamond", "size": 15, "color": "#0b0c0c", "line": {"color": "#ffffff", "width": 1}},
                hovertext=[h for h, p in zip(hover, published) if p],
                hoverinfo="text",
            )
        )

    unit = UNIT_LABELS.get(ind.unit, "")
    fig.update_layout(
        **base_layout(f"{_t(ind.name)} — {_t(area_name)}", font_size, height),
        yaxis={"title": unit, "range": [lo, hi], "gridcolor": "#e5e5e5", "zeroline": False},
        xaxis={"gridcolor": "#f0f0f0", "type": "date"},
    )
    draw_breaks(fig, ind, breaks or [], font_size, x)
    fig.update_xaxes(range=x_range(x), **month_ticks(x))
    beside = [len(a.text) for a in fig.layout.annotations if a.xref == "paper" and (a.x or 0) >= 1 and a.xanchor == "left"]
    if beside:  # the RAG boundaries' rules in the right margin: room for the longest
        fig.update_layout(margin={"r": int(max(beside) * max(font_size - 2, 10) * 0.62 + 16)})
    return fig


def month_ticks(x) -> dict:
    """Ticks no finer than the figures: Plotly labels a few monthly points fortnightly ("Jul 14, 2025"), as if there
    were figures between them. A monthly series of up to two years gets a tick every month or few months, named
    "Jul 2025"; other series keep Plotly's own ticks."""
    x = pd.to_datetime(pd.Series(x)).dropna().drop_duplicates().sort_values()
    if len(x) < 2:
        return {}
    gap = x.diff().dropna().dt.days.median()
    months = (x.max().year - x.min().year) * 12 + x.max().month - x.min().month
    if not 25 <= gap <= 35 or months > 24:
        return {}
    return {"dtick": f"M{max(1, -(-months // 8))}", "tickformat": "%b %Y", "tick0": x.min()}


def x_range(x: pd.Series) -> list | None:
    """The series' own dates with a little room: Plotly would otherwise widen the axis to fit a long break label
    (annotations count in its autorange), squeezing the figures into a corner."""
    x = pd.to_datetime(pd.Series(x)).dropna()
    if x.empty:
        return None
    pad = max((x.max() - x.min()) * 0.03, pd.Timedelta(days=15))
    return [x.min() - pad, x.max() + pad]


# Where the bands meet, as lines of 3:1 or more against white and the band fills (WCAG 1.4.11), each labelled with
# its rule at the right, so the bands are told apart by words as well as by their pale colours.
BOUNDARY_COLOURS = {"green": "#00703c", "red": "#942514"}


def draw_band_boundaries(fig: go.Figure, ind: Indicator, x, green, amber, lo: float, hi: float, font_size: int = 14) -> None:
    """The green and red boundaries of the RAG bands (a value on a boundary takes the better band): "Green ≥ 90.0%"
    and "Red < 60.0%" when higher is better, "Green ≤ …" and "Red > …" when lower is better."""
    better_up = ind.polarity == "higher_is_better"
    shown = [
        (name, values, sign)
        for name, values, sign in (("green", green, "≥" if better_up else "≤"), ("red", amber, "<" if better_up else ">"))
        if _num(values.iloc[-1]) is not None and lo <= values.iloc[-1] <= hi
    ]
    # Two rules a few pixels apart (SALT's green 90% and red 85% on a 0-100 axis) were drawn over each other: with
    # both shown, the upper band's rule sits just above its line and the other just below its own, at any scale.
    above = "green" if better_up else "red"
    for name, values, sign in shown:
        last = values.iloc[-1]
        label = f"{name.capitalize()} {sign} {rag.format_value(ind, last)}"
        anchor = "middle" if len(shown) == 1 else "bottom" if name == above else "top"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                mode="lines",
                line={"color": BOUNDARY_COLOURS[name], "width": 1.5, "dash": "dot"},
                name=f"{name.capitalize()} boundary",
                hoverinfo="skip",
                showlegend=False,
            )
        )
        # In the right margin, beside the boundary's end: a label inside the plot would cover the latest points.
        fig.add_annotation(
            x=1,
            xref="paper",
            xanchor="left",
            xshift=4,
            y=last,
            yanchor=anchor,
            yshift={"middle": 0, "bottom": 1, "top": -1}[anchor],
            text=label,
            showarrow=False,
            font={"size": max(font_size - 2, 10), "color": "#0b0c0c"},
        )


def draw_breaks(fig: go.Figure, ind: Indicator, breaks: list[Break], font_size: int = 14, x=None) -> None:
    """Each break as a vertical dashed line at the start of its period, labelled with its period and reason; X, the
    series' dates, says which way the label runs."""
    xs = None if x is None else pd.to_datetime(pd.Series(x)).dropna()
    for b in breaks:
        p = periods.parse(b.period, ind.period_type)
        x = pd.Timestamp(p.start)
        fig.add_shape(
            type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line={"color": "#0b0c0c", "width": 2, "dash": "longdashdot"}
        )
        # The label goes in the margin above the plot (fit_chart and the page give it a line there), beside the line
        # and running away from the middle, so it never covers a figure or a comparator; its reason is in the chart's
        # text alternative and table (alt_text.breaks_text), and in its hover text.
        right = bool(xs is not None and len(xs) and x > xs.min() + (xs.max() - xs.min()) / 2)
        fig.add_annotation(
            x=x,
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=2,
            text=_t(f"Break {p.display}"),
            hovertext=_t(f"Break {p.display}: {b.reason}"),
            showarrow=False,
            xanchor="right" if right else "left",
            font={"size": max(font_size - 2, 10), "color": "#0b0c0c"},
        )
    if breaks:
        fig.update_layout(margin={"t": max(fig.layout.margin.t or 0, 60 + font_size + 8)})


UNIT_LABELS = {"percent": "%", "weeks": "weeks", "days": "days"}


def trend_figure(f: IndicatorFigures, area_name: str, **kw) -> go.Figure:
    """The trend chart of one indicator from the read model: its series with gaps, comparators and breaks."""
    return indicator_chart(f.ind, f.series, f.shown_as(area_name), comparators=f.comparators, breaks=f.breaks, **kw)


def spc_figure(f: IndicatorFigures, area_name: str, *, height: int = 460, font_size: int = 14) -> go.Figure | None:
    """The XmR chart from the read model (None when there are too few figures), with the same break lines."""
    if f.spc is None:
        return None
    fig = spc_chart(
        f.spc,
        f"{f.ind.name} — {area_name} (XmR)",
        UNIT_LABELS.get(f.ind.unit, ""),
        x=pd.to_datetime(f.series["period_start"]),
        height=height,
        font_size=font_size,
    )
    fig.update_layout(xaxis={"type": "date", "range": x_range(f.series["period_start"])})
    draw_breaks(fig, f.ind, f.breaks, font_size, f.series["period_start"])
    draw_shifts(fig, f, font_size)
    return fig


def draw_shifts(fig: go.Figure, f: IndicatorFigures, font_size: int = 14) -> None:
    """Each sustained shift's suggested rebase as a dotted vertical line, labelled, so the chart shows where the
    limits span two processes (the SPC tab gives the config that confirms it)."""
    starts = dict(zip(f.series["period"], pd.to_datetime(f.series["period_start"])))
    for shift in f.spc.shifts:
        x = starts.get(shift.start)
        if x is None:
            continue
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line={"color": "#6f2c91", "width": 2, "dash": "dot"})
        fig.add_annotation(  # above the plot, like a break's label: never over the figures
            x=x,
            y=1,
            yref="paper",
            yshift=2,
            text=_t(f"Shift from {shift.start}: suggested rebase"),
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": max(font_size - 2, 10), "color": "#6f2c91"},
        )


QUARTILE_FILLS = {1: "rgba(0,112,60,0.10)", 2: "rgba(0,112,60,0.04)", 3: "rgba(178,31,18,0.04)", 4: "rgba(178,31,18,0.10)"}
OTHER_BARS = "#767676"  # the lightest grey at 4.5:1 on white: every bar is a mark people need to see (1.4.11)
QUARTILE_NAMES = {1: "Top quartile", 2: "Second quartile", 3: "Third quartile", 4: "Bottom quartile"}
# The region's and the neighbours' bars also carry a shape at their top, so no group is told by colour alone.
GROUP_SHAPES = {"region": "circle", "neighbour": "triangle-down"}
MARKS = {
    "area": ("#0b0c0c", "The chosen area"),
    "neighbour": ("#912b88", "Statistical neighbour"),
    "region": ("#1d70b8", "Same region"),
}


def league_chart(
    ind: Indicator,
    league: pd.DataFrame,
    *,
    area: str,
    region: str | None,
    neighbours: list[str],
    period_display: str,
    england: float | None = None,
    height: int = 520,
    font_size: int = 14,
) -> go.Figure:
    """Every local authority's figure for one year as bars, best on the left: the chosen area black and labelled,
    its statistical neighbours purple, the rest of its region blue, the others grey; quartile bands behind with their
    names, and England's figure as a line. Colour is never the only cue: the legend names each group and the
    chosen area carries a label.

    The figure is drawn at whatever width the screen gives it, down to 286 px (a 320 px window): Plotly never wraps
    or moves a label, so each is made to fit there. Quartile names take two short lines (a quarter of the plot is
    about 50 px wide), the title leaves the indicator's name to the page's heading, the axis title takes two lines,
    the chosen area's label is two lines anchored towards the middle of the plot, and England's figure is named in the
    legend rather than by a label on its line, where it could meet the chosen area's."""

    def wrap(text: str, chars: int) -> str:
        lines: list[str] = []
        for word in text.split():
            if lines and len(lines[-1]) + 1 + len(word) <= chars:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return "<br>".join(_t(line) for line in lines)

    fig = go.Figure()
    n = len(league)
    xs = list(range(1, n + 1))
    if league["quartile"].notna().any():
        for q in (1, 2, 3, 4):
            in_q = [x for x, qq in zip(xs, league["quartile"]) if qq == q]
            if not in_q:
                continue
            fig.add_vrect(x0=min(in_q) - 0.5, x1=max(in_q) + 0.5, fillcolor=QUARTILE_FILLS[q], line_width=0, layer="below")
            if q > 1:  # where one quartile meets the next, a line as well as a change of shade
                fig.add_vline(x=min(in_q) - 0.5, line={"color": "#505a5f", "width": 1.5, "dash": "dot"}, layer="below")
            fig.add_annotation(
                x=(min(in_q) + max(in_q)) / 2,
                y=1.0,
                yref="paper",
                text=QUARTILE_NAMES[q].replace(" ", "<br>"),
                showarrow=False,
                yanchor="bottom",
                font={"size": font_size, "color": "#0b0c0c"},
            )
    group = [
        "area" if c == area else "neighbour" if c in neighbours else "region" if region and r == region else "other"
        for c, r in zip(league["code"], league["region"])
    ]
    colours = {"other": OTHER_BARS} | {k: v[0] for k, v in MARKS.items()}
    names = {"other": "Other local authorities"} | {k: v[1] for k, v in MARKS.items()}
    for g in ("other", "region", "neighbour", "area"):
        pick = [i for i, gg in enumerate(group) if gg == g]
        if not pick:
            continue
        rows = league.iloc[pick]
        fig.add_trace(
            go.Bar(
                x=[xs[i] for i in pick],
                y=rows["value"],
                name=names[g],
                marker={"color": colours[g], "line": {"width": 0}},
                hovertext=[
                    f"<b>{_t(nm)}</b><br>{rag.format_value(ind, v)}<br>Rank {int(rk)} of {n}"
                    for nm, v, rk in zip(rows["name"], rows["value"], rows["rank"])
                ],
                hoverinfo="text",
                width=0.9,
                showlegend=g not in GROUP_SHAPES,  # named in the legend by its shape instead (below)
            )
        )
        if g in GROUP_SHAPES:  # not colour alone (WCAG 1.4.1): a shape above each bar of the group, named by shape
            fig.add_trace(
                go.Scatter(
                    x=[xs[i] for i in pick],
                    y=rows["value"],
                    name=names[g],
                    mode="markers",
                    marker={
                        "symbol": GROUP_SHAPES[g],
                        "size": 11,
                        "color": colours[g],
                        "line": {"color": "#0b0c0c", "width": 1},
                    },
                    cliponaxis=False,
                    hoverinfo="skip",
                )
            )
    mine = league[league["code"] == area]
    if not mine.empty:
        r = mine.iloc[0]
        x = xs[mine.index[0]]
        fig.add_annotation(
            x=x,
            y=r["value"],
            text=f"{wrap(str(r['name']), 20)}<br>{rag.format_value(ind, r['value'])} ({int(r['rank'])} of {n})",
            showarrow=True,
            arrowhead=2,
            ax=0,
            ay=-40,
            # Towards the middle: a label centred on a bar near either end would run off the chart when narrow.
            xanchor="left" if x < n / 3 else "right" if x > 2 * n / 3 else "center",
            yanchor="bottom",
            bgcolor="#ffffff",
            bordercolor="#0b0c0c",
            font={"size": font_size, "color": "#0b0c0c"},
        )
    if england is not None:
        # Named in the legend, not by a label on the line: at any width a label there could meet the chosen area's.
        fig.add_trace(
            go.Scatter(
                x=[0.5, n + 0.5],
                y=[england, england],
                mode="lines",
                name=f"England {rag.format_value(ind, england)} (dashed line)",
                line={"color": "#0b0c0c", "dash": "dash", "width": 2},
                hoverinfo="skip",
            )
        )
    unit = UNIT_LABELS.get(ind.unit, "")
    better = {"higher_is_better": "higher is better", "lower_is_better": "lower is better"}.get(ind.polarity, "")
    fig.update_layout(
        # Room for the title and two lines of quartile names above; below, two lines of axis title and the legend.
        **base_layout(f"Every local authority, {_t(period_display)}", font_size, height, top=104, bottom=LEGEND_ROOM + 40),
        barmode="overlay",
        yaxis={"title": unit, "gridcolor": "#e5e5e5", "zeroline": False, "rangemode": "tozero"},
        xaxis={
            "title": f"Local authorities, best first<br>({better})" if better else "Local authorities",
            "showticklabels": False,
            "range": [0.5, n + 0.5],
        },
        bargap=0.1,
    )
    return fig


def add_milestones(fig: go.Figure, ind: Indicator, milestones: list[tuple], font_size: int = 14) -> go.Figure:
    """The improvement plan's milestones for this indicator on its trend chart: a hollow star at each (due date, value),
    labelled with its action's reference, in the legend as "Milestone (improvement plan)"; the date axis is widened to
    show a milestone still ahead. `milestones` are (due, value, action ref), as PlanView.milestones_for gives them."""
    if not milestones:
        return fig
    due = pd.to_datetime([m[0] for m in milestones])
    fig.add_trace(
        go.Scatter(
            x=due,
            y=[m[1] for m in milestones],
            mode="markers+text",
            name="Milestone (improvement plan)",
            text=[_t(m[2]) for m in milestones],
            textposition="top center",
            textfont={"size": max(font_size - 2, 10), "color": "#0b0c0c"},
            marker={"symbol": "star-open", "size": 16, "color": "#0b0c0c", "line": {"width": 2}},
            hovertext=[f"<b>Milestone, action {_t(m[2])}</b>: {rag.format_value(ind, m[1])} by {m[0]:%B %Y}" for m in milestones],
            hoverinfo="text",
        )
    )
    current = fig.layout.xaxis.range
    if current:
        lo, hi = pd.to_datetime(current[0]), pd.to_datetime(current[1])
        fig.update_xaxes(range=[min(lo, due.min() - pd.Timedelta(days=15)), max(hi, due.max() + pd.Timedelta(days=45))])
    values = [m[1] for m in milestones]
    y = fig.layout.yaxis.range
    if y:
        fig.update_yaxes(range=[min(y[0], min(values)), max(y[1], max(values) * 1.05)])
    return fig
