"""Store queries + config → the scorecard and per-indicator series tables, with RAG and direction of travel."""

from __future__ import annotations

import base64
import html
import math

import pandas as pd

from indicators import periods, rag, store, tables
from indicators.config import Config, Indicator


def _period(ind: Indicator, label: str) -> periods.Period:
    return periods.parse(label, ind.period_type)


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def scorecard(
    conn, config: Config, area_code: str, *, strategy_area: str | None = None, inspection_area: str | None = None, as_of=None
) -> pd.DataFrame:
    """One row per indicator in config order (those with data for the area, up to `as_of` if given)."""
    latest = store.latest(conn, area_code, as_of=as_of).set_index("indicator_id")
    rows = []
    for ind in config.indicators:
        if strategy_area and ind.strategy_area != strategy_area:
            continue
        if inspection_area and ind.inspection_area != inspection_area:
            continue
        if ind.id not in latest.index:
            continue
        r = latest.loc[ind.id]
        p = _period(ind, r["period"])
        value = _clean(r["value"])
        status = rag.status(ind, p, value)
        d_prev = rag.direction(ind, value, _clean(r["prev_value"]))
        d_year = rag.direction(ind, value, _clean(r["year_ago_value"])) if periods.PER_YEAR[ind.period_type] > 1 else None
        spark = [
            None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v)
            for v in (r["spark"] if r["spark"] is not None else [])
        ]
        rows.append(
            {
                "indicator_id": ind.id,
                "indicator": ind.name,
                "unit": ind.unit,
                "period": r["period"],
                "period_display": p.display,
                "value": value,
                "value_text": rag.format_value(ind, value, _clean(r["marker"])),
                "figure_type": r["figure_type"],
                "source": _clean(r["source"]),
                "target_text": rag.format_target(ind, p),
                "status": status,
                "rag_text": rag.BADGES[status].text,
                "direction_prev": d_prev,
                "direction_prev_text": rag.DIRECTION_TEXT[d_prev],
                "direction_year": d_year,
                "direction_year_text": rag.DIRECTION_TEXT[d_year] if d_year else "",
                "spark": spark,
                "strategy_area": ind.strategy_area,
                "inspection_area": ind.inspection_area,
            }
        )
    return pd.DataFrame(rows)


def series_table(conn, config: Config, ind: Indicator, area_code: str, as_of=None) -> pd.DataFrame:
    """The whole series for one indicator and area (up to `as_of`), each period with its target, thresholds and RAG."""
    df = store.series(conn, ind.id, area_code, as_of=as_of)
    if df.empty:
        return df.assign(period_display=[], target=[], green=[], amber=[], status=[], rag_text=[], value_text=[])
    ps = [_period(ind, label) for label in df["period"]]
    limits = [rag.thresholds_for(ind, p) for p in ps]
    df["period_display"] = [p.display for p in ps]
    df["target"] = [rag.target_for(ind, p) for p in ps]
    df["green"] = [lim[0] if lim else None for lim in limits]
    df["amber"] = [lim[1] if lim else None for lim in limits]
    df["status"] = [rag.status(ind, p, _clean(v)) for p, v in zip(ps, df["value"])]
    df["rag_text"] = [rag.BADGES[s].text for s in df["status"]]
    df["value_text"] = [rag.format_value(ind, _clean(v), _clean(m)) for v, m in zip(df["value"], df["marker"])]
    return df


def series_csv(df: pd.DataFrame) -> str:
    """The series as the CLI `series` command and the page's download give it."""
    out = pd.DataFrame(
        {
            "period": df["period"],
            "period_start": df["period_start"].astype(str),
            "period_end": df["period_end"].astype(str),
            "value": df["value"],
            "numerator": df["numerator"],
            "denominator": df["denominator"],
            "marker": df["marker"],
            "rag": df["status"],
            "figure_type": df["figure_type"],
            "source": df["source"],
            "note": df["note"],
        }
    )
    return tables.safe(out).to_csv(index=False, lineterminator="\n")


# ---------------------------------------------------------------- HTML for the scorecard


def sparkline_svg(values: list, width: int = 120, height: int = 28, label: str = "") -> str:
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return ""
    lo = min(v for _, v in pts)
    hi = max(v for _, v in pts)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)
    coords = " ".join(f"{2 + i * (width - 4) / n:.1f},{height - 3 - (v - lo) / span * (height - 6):.1f}" for i, v in pts)
    last_x, last_y = coords.split(" ")[-1].split(",")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<polyline fill="none" stroke="#1d70b8" stroke-width="2" points="{coords}"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="3" fill="#0b0c0c"/></svg>'
    )
    # An <img> with a data URI survives the HTML sanitiser (inline <svg> does not) and carries alt text.
    data = base64.b64encode(svg.encode()).decode()
    return (
        f'<img class="spark" src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" alt="{html.escape(label)}">'
    )


SCORECARD_CSS = """
<style>
table.scorecard {border-collapse: collapse; width: 100%; font-size: 1rem;}
table.scorecard th {text-align: left; border-bottom: 2px solid #0b0c0c; padding: 6px; vertical-align: bottom;}
table.scorecard td {border-bottom: 1px solid #b1b4b6; padding: 6px; vertical-align: middle;}
table.scorecard td:first-child {min-width: 10rem;}
table.scorecard td.num {text-align: right; font-variant-numeric: tabular-nums; font-weight: 700;}
table.scorecard td.num .v {white-space: nowrap;}
.scorecard-wrap {overflow-x: auto;}
table.scorecard a {color: #1d70b8; text-decoration: underline;}
table.scorecard .small {font-size: 0.85rem; color: #0b0c0c;}
table.scorecard .due {font-size: 0.85rem; color: #00703c;}
table.scorecard .due-late {font-size: 0.85rem; color: #0b0c0c; font-weight: 700;}
table.scorecard td.spc {white-space: nowrap;}
table.scorecard img.mdc {margin-right: 4px; vertical-align: middle;}
.rag {display: inline-block; padding: 2px 8px; border-radius: 3px; font-weight: 700; white-space: nowrap;}
.pub {display: inline-block; font-size: 0.8rem; padding: 0 4px; border: 1px solid #505a5f; border-radius: 2px; color: #0b0c0c;}
.ill {display: inline-block; font-size: 0.8rem; padding: 0 4px; border: 1px dashed #505a5f; border-radius: 2px; color: #505a5f;}
</style>
"""


def rag_badge_html(status: str) -> str:
    b = rag.BADGES[status]
    return (
        f'<span class="rag rag-{b.status}" style="background:{b.colour};color:{b.text_colour};'
        f'border:1px solid #0b0c0c">{html.escape(b.text)}</span>'
    )


def figure_type_html(figure_type: str, source: str | None) -> str:
    if figure_type == "published":
        tip = f"published: {source}" if source else "published"
        return f'<span class="pub" title="{html.escape(tip)}">published</span>'
    if figure_type == "illustrative":
        return '<span class="ill" title="illustrative sample value, not a real return">illustrative</span>'
    return ""


def _keep_arrow(text: str) -> str:
    """Escaped direction text whose arrow never wraps apart from its first word (↑ Improving)."""
    return html.escape(text).replace(" ", "&nbsp;", 1)


def _due_html(r) -> str:
    text = getattr(r, "due_text", "")
    if not text:
        return ""
    cls = "due-late" if getattr(r, "due_status", "") == "overdue" else "due"
    return f"<br><span class='{cls}' title='{html.escape(getattr(r, 'due_title', ''))}'>{html.escape(text)}</span>"


def _spc_html(r) -> str:
    """Making Data Count icons with their words as alt text; plain words where there is no SPC reading."""
    from indicators import benchmarks, spc

    icon = getattr(r, "variation_icon", None)
    if not isinstance(icon, str):
        return "<span class='small'>too few figures</span>"
    parts = [benchmarks.icon_img(spc.variation_icon_svg(icon), r.variation_text)]
    if isinstance(getattr(r, "assurance", None), str):
        parts.append(benchmarks.icon_img(spc.assurance_icon_svg(r.assurance), r.assurance_text))
    return "".join(parts)


def _england_html(r) -> str:
    eng = getattr(r, "england_text", None)
    if not isinstance(eng, str) or eng == "–":
        return "<span class='small'>–</span>"
    versus = r.vs_england_text if r.vs_england_text != "–" else ""
    quart = (
        f"<br><span class='small'>{html.escape(r.quartile_text)}</span>"
        if isinstance(r.quartile_text, str) and r.quartile_text
        else ""
    )
    return f"{html.escape(eng)}<br><span class='small'>{html.escape(versus)}</span>{quart}"


def scorecard_html(df: pd.DataFrame, area_code: str, link_base: str = "indicator") -> str:
    """The scorecard as an accessible HTML table: every cell escaped, RAG as a word and symbol as well as colour."""
    head = (
        "<tr><th scope='col'>Indicator</th><th scope='col'>Latest period</th><th scope='col'>Latest value</th>"
        "<th scope='col'>RAG and target</th><th scope='col'>SPC</th><th scope='col'>Direction of travel</th>"
        "<th scope='col'>vs England</th><th scope='col'>Trend (last 12)</th></tr>"
    )
    body = []
    for r in df.itertuples(index=False):
        href = f"{link_base}?indicator={html.escape(r.indicator_id)}&amp;area={html.escape(area_code)}"
        body.append(
            f"<tr data-indicator='{html.escape(r.indicator_id)}'>"
            f"<td><a href='{href}' target='_self'>{html.escape(r.indicator)}</a></td>"
            f"<td>{html.escape(r.period_display)}{_due_html(r)}</td>"
            f"<td class='num'><span class='v'>{html.escape(r.value_text)}</span> {figure_type_html(r.figure_type, r.source)}</td>"
            f"<td>{rag_badge_html(r.status)}<br><span class='small'>{'no target' if r.target_text == 'No target' else 'target ' + html.escape(r.target_text)}</span></td>"
            f"<td class='spc'>{_spc_html(r)}</td>"
            f"<td class='dir'>{_keep_arrow(r.direction_prev_text)}<br><span class='small'>year: {_keep_arrow(r.direction_year_text or 'as previous')}</span></td>"
            f"<td>{_england_html(r)}</td>"
            f"<td>{sparkline_svg(r.spark, width=100, label=f'Trend of {r.indicator} over the last {len(r.spark)} periods')}</td>"
            "</tr>"
        )
    # The wrapper scrolls on its own when zoomed or on a narrow screen, so the page never scrolls sideways; it is
    # focusable and named so a keyboard user can scroll it too.
    return (
        SCORECARD_CSS + f"<div class='scorecard-wrap' role='region' aria-label='Scorecard' tabindex='0'>"
        f"<table class='scorecard'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def headline(ind: Indicator, df: pd.DataFrame) -> dict:
    """The latest figure of a series table with its RAG, target and direction against the period before."""
    last = df.iloc[-1]
    before = df[df["period_end"] == last["period_start"] - pd.Timedelta(days=1)]
    earlier = _clean(before.iloc[0]["value"]) if len(before) else None
    direction = rag.direction(ind, _clean(last["value"]), earlier)
    return {
        "period_display": last["period_display"],
        "value_text": last["value_text"],
        "status": last["status"],
        "target_text": rag.format_target(ind, _period(ind, last["period"])),
        "direction_text": rag.DIRECTION_TEXT[direction],
        "figure_type": last["figure_type"],
        "source": _clean(last["source"]),
    }


HEADLINE_CSS = """<style>
.headline {display: grid; grid-template-columns: repeat(4, minmax(10rem, 1fr)); gap: 12px; margin-bottom: 8px;}
.headline .card {border: 1px solid #b1b4b6; border-radius: 6px; padding: 10px 14px;}
.headline .label {font-size: 0.95rem; color: #0b0c0c;}
.headline .big {font-size: 1.6rem; overflow-wrap: anywhere; font-weight: 700; line-height: 1.2; margin-top: 4px;}
.headline .big .rag {font-size: 1.4rem;}
</style>"""


def headline_html(head: dict) -> str:
    """Four cards: latest value, RAG, target, direction; text wraps rather than being cut off."""
    cards = [
        (f"Latest: {head['period_display']}", html.escape(head["value_text"])),
        ("RAG", rag_badge_html(head["status"])),
        ("Target", html.escape(head["target_text"])),
        ("vs previous period", html.escape(head["direction_text"])),
    ]
    inner = "".join(
        f"<div class='card'><div class='label'>{html.escape(k)}</div><div class='big'>{v}</div></div>" for k, v in cards
    )
    return HEADLINE_CSS + f"<div class='headline'>{inner}</div>"
