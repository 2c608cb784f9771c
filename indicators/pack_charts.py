"""The board pack's charts and their words: Plotly figures fitted to their print (or projector) size with period
labels on the axis, their text alternatives, the SPC reading and the comparison with other areas in words."""

from __future__ import annotations

import base64
import copy
import html
import math
import re

import pandas as pd

from indicators import alt_text, charts, periods, rag, readmodel, spc


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


SPC_SHORT = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improving (special cause)",
    "special_cause_concern": "Concern (special cause)",
    "special_cause_neither": "Special cause",
}
SPC_WORD = SPC_SHORT | {"special_cause_improvement": "Improving", "special_cause_concern": "Concern"}
# The one-page scorecard has room for a word of SPC: these marks say why where the word alone would mislead.
SPC_MARKS = "† limits span a shift (rebase suggested on its page); ‡ judged on long-run limits, against the arrow."
ASSURANCE_SHORT = {"consistently_pass": "target met", "consistently_fail": "target missed", "inconsistent": "hit and miss"}


def spc_words(r, short: bool = False) -> str:
    """Variation and assurance in a few words, for slides (the charts show the icons); `short` for the scorecard."""
    if not isinstance(getattr(r, "variation", None), str):
        return "Too few figures"
    note = getattr(r, "spc_note", "")
    # Why an icon disagrees with the arrow beside it, and where limits span a shift (readmodel.spc_note).
    why = "; vs long-run limits" if isinstance(note, str) and note.startswith(("Concern though", "Improvement though")) else ""
    shift_at = getattr(r, "spc_shift_at", "")
    shift = f"; shift at {shift_at}" if isinstance(shift_at, str) and shift_at else ""
    if short:  # the variation alone, marked (SPC_MARKS): the indicator's page gives the assurance and the why
        return SPC_WORD.get(r.variation, r.variation) + (" ‡" if why else "") + (" †" if shift else "")
    words = SPC_SHORT.get(r.variation, r.variation)
    return words + (f"; {ASSURANCE_SHORT[r.assurance]}" if isinstance(r.assurance, str) else "") + why + shift


def short_period(label: str, period_type: str) -> str:
    """A period as an axis or a table cell has room for: "Aug 2026", "2026-27 Q1", "2025/26", "2025"."""
    p = periods.parse(label, period_type)
    if period_type == "month":
        return p.start.strftime("%b %Y")
    if period_type == "academic_year":
        return p.label.replace("-", "/")
    return p.label


# ---------------------------------------------------------------- charts at their print (or projector) size


def _deep_set(d: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for p in parents:
        d = d.setdefault(p, {})
    d[last] = value


def _axes(layout: dict, letter: str) -> list[dict]:
    """Every x (or y) axis of a figure's layout, made if missing."""
    names = [k for k in layout if re.fullmatch(f"{letter}axis\\d*", k)] or [f"{letter}axis"]
    return [layout.setdefault(k, {}) for k in names]


def period_axis(spec: dict, series: pd.DataFrame, period_type: str, *, width_px: float, font_px: float) -> None:
    """Label the x axis with periods ("2024-25 Q1", "Jun 2024"), never with dates or times of day: ticks at period
    starts, as many as fit the chart's width, always including the latest."""
    if series is None or series.empty:
        return
    starts = list(pd.to_datetime(series["period_start"]))
    labels = [short_period(p, period_type) for p in series["period"]]
    room = max(1, int(width_px * 0.8 // (font_px * 0.62 * max(len(t) for t in labels) + font_px * 1.5)))
    step = max(1, math.ceil(len(starts) / room))
    if period_type == "month" and step > 1:
        step = next((s for s in (3, 6, 12, 24, 36, 60) if s >= step), step)
    picks = list(range(len(starts) - 1, -1, -step))[::-1]  # counted back from the latest, which is always labelled
    pad = pd.Timedelta(days=20 if period_type == "month" else 45)
    for axis in _axes(spec["layout"], "x"):
        axis.update(
            type="date",
            tickmode="array",
            tickvals=[starts[i].strftime("%Y-%m-%d") for i in picks],
            ticktext=[labels[i] for i in picks],
            range=[(starts[0] - pad).strftime("%Y-%m-%d"), (starts[-1] + pad).strftime("%Y-%m-%d")],
            tickangle=0,
        )
    middle = starts[0] + (starts[-1] - starts[0]) / 2
    for a in spec["layout"].get("annotations") or ():  # a label in the later half reads leftwards, inside the chart
        if a.get("xref", "x") != "paper" and a.get("x") is not None and pd.Timestamp(a["x"]) > middle:
            a["xanchor"] = "right"
    margin = spec["layout"].setdefault("margin", {})
    half = font_px * 0.62 * len(labels[-1]) / 2  # the latest label is centred on the last point: room for its half
    margin["r"] = max(margin.get("r") or 0, half)


def wrap_words(text: str, max_chars: int) -> str:
    """Break a chart title into lines of at most `max_chars` characters (Plotly never wraps titles: it clips)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > max_chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


PLOTLY_LINE = 1.3  # Plotly's line spacing in multi-line text, in ems
TITLE_CHAR = 0.56  # the average width of a title's characters, in ems: how titles are wrapped and measured
ICON_STEP = 1.15  # each SPC icon's width and the gap after it, in icon sizes


def fit_chart(
    spec: dict, *, title: str, width_px: float | None, height_px: float, font_px: float, title_px=None, wrap_px: float = 480
) -> dict:
    """Size a chart (a Plotly figure as a dict) for a page or a projector: every text at `font_px` or more, the
    title wrapped to the width (`width_px`; None: the width the screen gives it, at least `wrap_px`), margins that
    keep the title and the legend inside the picture."""
    title_px = title_px or font_px + 2
    max_chars = max(12, int(((width_px or wrap_px) - 2 * font_px) / (title_px * TITLE_CHAR)))
    wrapped = wrap_words(html.escape(title, quote=False), max_chars)
    lines = wrapped.count("<br>") + 1
    lay = spec.setdefault("layout", {})
    if width_px is not None:
        lay["width"] = int(width_px)
    else:
        lay.pop("width", None)
    lay["height"] = int(height_px)
    _deep_set(lay, "font.size", font_px)
    pad = font_px * 0.4
    lay["title"] = {
        "text": wrapped,
        "font": {"size": title_px},
        "x": 0,
        "xanchor": "left",
        "xref": "paper",
        # Plotly anchors a multi-line title by its first line and moves the others up: down by those lines, so the
        # whole title sits inside the picture.
        "y": 1 - (pad + (lines - 1) * PLOTLY_LINE * title_px) / height_px,
        "yanchor": "top",
        "yref": "container",
    }
    top = pad + lines * PLOTLY_LINE * title_px + font_px * 0.6
    if any(a.get("yref") == "paper" and (a.get("y") or 0) >= 1 for a in lay.get("annotations") or ()):
        top += font_px * PLOTLY_LINE  # labels along the top of the plot (e.g. quartile names): a line of their own
    # labels in the right margin (the RAG boundaries' rules): as wide as the longest
    beside = [
        len(re.sub(r"<[^>]+>", "", str(a.get("text") or "")))
        for a in lay.get("annotations") or ()
        if a.get("xref") == "paper" and (a.get("x") or 0) >= 1 and a.get("xanchor") == "left"
    ]
    right = max([font_px] + [n * font_px * 0.62 + font_px for n in beside])
    lay["margin"] = {"l": font_px * 4.5, "r": right, "t": top, "b": font_px * 2, "autoexpand": True}
    lay["legend"] = {
        "orientation": "h",
        "yref": "container",  # at the foot of the picture: the margin grows to fit it, under the axis labels
        "yanchor": "bottom",
        "y": 0,
        "x": 0,
        "font": {"size": font_px},
        "traceorder": "normal",  # one flow of entries, not a column per legend group
        "tracegroupgap": 0,
    }
    _deep_set(lay, "hoverlabel.font.size", font_px)
    for axis in _axes(lay, "x") + _axes(lay, "y"):
        axis["automargin"] = True
        _deep_set(axis, "tickfont.size", font_px)
        if isinstance(axis.get("title"), str):
            axis["title"] = {"text": axis["title"]}
        _deep_set(axis, "title.font.size", font_px)
    for a in lay.get("annotations") or ():
        _deep_set(a, "font.size", max(font_px, (a.get("font") or {}).get("size") or 0))
    return spec


def smallest_text(spec: dict) -> float:
    """The smallest font size anywhere in a figure's layout (title, axes, legend, annotations)."""
    sizes = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "size" and key.endswith("font") and isinstance(v, (int, float)):
                    sizes.append(v)
                walk(v, k)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v, key)

    walk(spec["layout"])
    return min(sizes) if sizes else 0.0


def icon_count(reading) -> int:
    """How many Making Data Count icons an SPC reading shows: variation, and assurance where there is a target."""
    if reading is None or reading.variation_icon is None:
        return 0
    return 2 if reading.assurance else 1


def spc_icons(spec: dict, reading, *, width_px: float, height_px: float, size_px: float) -> None:
    """The Making Data Count icons (icon_count) in the chart's top right corner, so a printed or projected SPC chart
    carries them as the pages do."""
    count = icon_count(reading)
    if not count:
        return
    svgs = [spc.variation_icon_svg(reading.variation_icon, 40)]
    if count == 2:
        svgs.append(spc.assurance_icon_svg(reading.assurance, 40))
    images = spec["layout"].setdefault("images", [])
    for n, svg in enumerate(svgs):
        images.append(
            {
                "source": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
                "xref": "paper",
                "yref": "paper",
                "x": 1 - n * size_px * ICON_STEP / width_px,
                "y": 1 + 4 / height_px,
                "sizex": size_px / width_px,
                "sizey": size_px / height_px,
                "xanchor": "right",
                "yanchor": "bottom",
                "sizing": "contain",
                "layer": "above",
            }
        )


def trend_alt(f: readmodel.IndicatorFigures, area_name: str) -> str:
    r = f.latest
    held = f.held
    first = periods.parse(held["period"].iloc[0], f.ind.period_type).display if not held.empty else ""
    compared = f" Compared with {', '.join(f.comparators)}." if f.comparators else ""
    return (
        f"Chart: line chart of {f.ind.name} for {area_name}, {first} to {r['period_display']}: latest {r['value_text']}, "
        f"{r['rag_text']} ({r['threshold_text']}), target {r['target_text']}, {r['direction_prev_text']}.{compared}"
        + (f" {alt_text.breaks_text(f)}" if f.breaks else "")
    )


def spc_alt(f: readmodel.IndicatorFigures, area_name: str) -> str:
    r = f.latest
    assurance = f" {r['assurance_text']}." if r.get("assurance_text") else ""
    return (
        f"Chart: statistical process control (XmR) chart of {f.ind.name} for {area_name}, with its mean and process "
        f"limits. {r['variation_text']}.{assurance}"
    )


def board_trend(
    f, area_name: str, *, width: float | None, height: float, font: float, title: str, base=None, wrap_px: float = 480
) -> dict:
    """The trend chart as a dict, sized for a page (points) or a projector (pixels; width None: the screen's), with
    period labels on the axis. `base`: the trend figure if already made (the pages cache theirs)."""
    fig = base if base is not None else charts.trend_figure(f, area_name)
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else copy.deepcopy(fig)
    fit_chart(spec, title=title, width_px=width, height_px=height, font_px=font, wrap_px=wrap_px)
    period_axis(spec, f.series, f.ind.period_type, width_px=width or wrap_px, font_px=font)
    return spec


def board_spc(
    f, area_name: str, *, width: float | None, height: float, font: float, title: str, base=None, wrap_px: float = 480
) -> dict | None:
    """The XmR chart with its icons, sized like `board_trend`; None when there are too few figures."""
    fig = base if base is not None else charts.spc_figure(f, area_name)
    if fig is None:
        return None
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else copy.deepcopy(fig)
    fit_chart(spec, title=title, width_px=width, height_px=height, font_px=font, wrap_px=wrap_px)
    period_axis(spec, f.series, f.ind.period_type, width_px=width or wrap_px, font_px=font)
    for trace in spec.get("data", []):  # shorter legend entries: "Improvement" rather than "Special cause: improvement"
        name = trace.get("name") or ""
        if name.startswith("Special cause: "):
            trace["name"] = name.removeprefix("Special cause: ").capitalize()
    icon = font * 2.4
    m = spec["layout"]["margin"]
    w = (width or wrap_px) - m["l"] - m["r"]
    icons = icon_count(f.spc)
    if icons:
        m["t"] = max(m["t"], icon + font)
        # The icons stand on the plot (4 px above it) at its right. A title reaching them (on a slide: 26 px type in
        # half the screen) had them drawn over its last line: the icons then get a band of their own under it. (The
        # title is anchored by its first line, moved down by the lines above it: its last line ends a line lower.)
        title = spec["layout"]["title"]
        longest = max(len(re.sub(r"<[^>]+>", "", html.unescape(line))) for line in title["text"].split("<br>"))
        if longest * title["font"]["size"] * TITLE_CHAR + font > w - icons * icon * ICON_STEP:
            title_bottom = (1 - title["y"]) * spec["layout"]["height"] + PLOTLY_LINE * title["font"]["size"]
            m["t"] = max(m["t"], title_bottom + font * 0.3 + icon + 4)
    spc_icons(spec, f.spc, width_px=w, height_px=height - m["t"] - m["b"], size_px=icon)
    return spec


def comparison_rows(af: readmodel.AreaFigures, f: readmodel.IndicatorFigures) -> list[tuple[str, str]]:
    """Where the area stands on the indicator's official counterpart (or the indicator itself when it is official):
    the area, England, the region and the neighbours in the latest year held, and the rank among local authorities."""
    ind = f.ind
    basis = af.indicators.get(ind.official) if ind.official else f if ind.kind == "official" else None
    if basis is None or basis.held.empty:
        return []
    last = basis.held.iloc[-1]
    p = periods.parse(last["period"], basis.ind.period_type)
    rows = [(f"{basis.shown_as(af.area.name)}, {p.display}", last["value_text"])]
    for label, line in basis.comparators.items():
        at = line[line["period"] == last["period"]]
        if "n_neighbours" in line.columns and not at.empty:  # the neighbours: with how many had a figure
            n = f"{int(at['n_areas'].iloc[0])} of {int(at['n_neighbours'].iloc[0])}"
            value = _clean(at["value"].iloc[0])
            rows.append((label, f"too few ({n})" if value is None else f"{rag.format_value(basis.ind, float(value))} ({n})"))
        elif not at.empty and _clean(at["value"].iloc[0]) is not None:
            rows.append((label, rag.format_value(basis.ind, float(at["value"].iloc[0]))))
    r = basis.ranks[basis.ranks["period"] == last["period"]] if not basis.ranks.empty else basis.ranks
    if not r.empty:
        rank, n, q = int(r["rank"].iloc[0]), int(r["n_las"].iloc[0]), int(r["quartile"].iloc[0])
        rows.append(("Rank among local authorities", f"{readmodel.ordinal(rank)} of {n} ({readmodel.QUARTILE_WORDS[q]})"))
    return rows


def trend_title(f) -> str:
    """The trend chart's title, naming only what it shows: "Trend, with target, RAG bands and comparators"."""
    shows = []
    if f.series["target"].notna().any():
        shows.append("target")
    if f.series["green"].notna().any():
        shows.append("RAG bands")
    if f.comparators:
        shows.append("comparators")
    if not shows:
        return "Trend"
    return "Trend, with " + (", ".join(shows[:-1]) + " and " if len(shows) > 1 else "") + shows[-1]


def spc_reading(r) -> str:
    """What the SPC chart's icons say, in words (or why there is no SPC chart)."""
    if not isinstance(r.variation, str):
        return f"SPC: {r.variation_text}." if isinstance(getattr(r, "variation_text", None), str) else ""
    note = getattr(r, "spc_note", "")
    return (
        f"SPC: {r.variation_text}."
        + (f" {r.assurance_text}." if isinstance(r.assurance, str) else "")
        + (f" {note} (an administrator confirms a rebase in config/indicators.yaml)." if isinstance(note, str) and note else "")
    )


def comparison_text(af: readmodel.AreaFigures, f: readmodel.IndicatorFigures) -> str:
    rows = comparison_rows(af, f)
    if len(rows) < 2:
        return ""
    basis = af.indicators.get(f.ind.official) if f.ind.official else f
    head = f"Compared ({basis.ind.name}): " if basis is not f else "Compared: "
    # NHS statistics: whose figures these are, and that nothing is apportioned.
    covers = f" {basis.stand_in.brief}" if basis.stand_in is not None else ""
    return head + "; ".join(f"{k} {v}" for k, v in rows) + "." + covers
