"""HTML for people: RAG badges, SPC icons, sparklines, the scorecard and exceptions tables, headline cards and the
banner that says how old the figures are and whether any are made up. Every piece of text is escaped; RAG is always
a word and a symbol as well as a colour."""

from __future__ import annotations

import base64
import html

import pandas as pd

from indicators import commentary, rag, spc
from indicators.cells import missing

SCORECARD_CSS = """
<style>
table.scorecard {border-collapse: collapse; width: 100%; font-size: 1rem;}
table.scorecard th {text-align: left; border-bottom: 2px solid #0b0c0c; padding: 6px 4px; vertical-align: bottom;}
table.scorecard td {border-bottom: 1px solid #b1b4b6; padding: 6px 4px; vertical-align: middle;}
table.scorecard td:first-child {min-width: 10rem;}
table.scorecard td.num {text-align: right; font-variant-numeric: tabular-nums; font-weight: 700;}
table.scorecard td.num .period {font-weight: 400;}
table.scorecard td.num .v {white-space: nowrap;}
.scorecard-wrap {overflow-x: auto;}
table.scorecard a {color: #1d70b8; text-decoration: underline;}
table.scorecard .small {font-size: 0.85rem; color: #0b0c0c;}
table.scorecard td.spc {white-space: nowrap;}
table.scorecard td.spc .small {white-space: normal; display: inline-block; min-width: 7rem;}
table.scorecard img.mdc {margin-right: 4px; vertical-align: middle;}
.rag {display: inline-block; padding: 2px 8px; border-radius: 3px; font-weight: 700; white-space: nowrap;}
.pub {display: inline-block; font-size: 0.8rem; padding: 0 4px; border: 1px solid #505a5f; border-radius: 2px; color: #0b0c0c;}
.ill {display: inline-block; font-size: 0.8rem; padding: 0 4px; border: 1px dashed #505a5f; border-radius: 2px; color: #505a5f;}
.provenance {border-left: 6px solid #1d70b8; background: #f3f2f1; padding: 8px 14px; margin: 4px 0 12px 0; color: #0b0c0c;}
.provenance .age {font-size: 1.15rem; font-weight: 700;}
.provenance .sample {margin-top: 4px; font-weight: 700;}
.provenance.compact {padding: 4px 14px; margin: 0 0 6px 0;}
.provenance.compact .sample {margin-top: 0;}
.provenance .sample .tag {display: inline-block; background: #ffdd00; color: #0b0c0c; padding: 0 6px; margin-right: 6px;
                          border: 1px solid #0b0c0c;}
</style>
"""

SAMPLE_BANNER = (
    "Sample data: illustrative figures are made up. Figures marked published are quoted from public documents "
    "or official statistics; everything else is invented to show how the dashboard works."
)


def esc(text) -> str:
    return html.escape("" if text is None or missing(text) else str(text))


def rag_badge_html(status: str) -> str:
    b = rag.BADGES[status]
    return (
        f'<span class="rag rag-{b.status}" style="background:{b.colour};color:{b.text_colour};'
        f'border:1px solid #0b0c0c">{esc(b.text)}</span>'
    )


def figure_type_html(figure_type: str | None, source: str | None) -> str:
    if figure_type == "published":
        tip = f"published: {source}" if source else "published"
        return f'<span class="pub" title="{esc(tip)}">published</span>'
    if figure_type == "illustrative":
        return '<span class="ill" title="illustrative sample value, not a real return">illustrative</span>'
    return ""


def icon_img(svg: str, alt: str, size: int = 30) -> str:
    """An SVG icon as an <img> with alt text (the page's HTML sanitiser removes inline <svg>)."""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img class="mdc" src="data:image/svg+xml;base64,{data}" width="{size}" height="{size}" alt="{esc(alt)}" title="{esc(alt)}">'


def spc_icons_html(row, size: int = 30) -> str:
    """Making Data Count icons with their words as alt text; the reason in words where there is no reading."""
    icon = getattr(row, "variation_icon", None)
    if not isinstance(icon, str):
        return f"<span class='small'>{esc(getattr(row, 'variation_text', '') or 'too few figures')}</span>"
    parts = [icon_img(spc.variation_icon_svg(icon), row.variation_text, size)]
    if isinstance(getattr(row, "assurance", None), str):
        parts.append(icon_img(spc.assurance_icon_svg(row.assurance), row.assurance_text, size))
    note = getattr(row, "spc_note", "")
    if isinstance(note, str) and note:  # an icon that would mislead on its own says why (readmodel.spc_note)
        parts.append(f"<br><span class='small spc-note'>{esc(note)}.</span>")
    return "".join(parts)


def sparkline_svg(values: list, width: int = 120, height: int = 28, label: str = "") -> str:
    """The last figures as a line that breaks where a period has no figure."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None and not missing(v)]
    if len(pts) < 2:
        return ""
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)

    def xy(i, v):
        return f"{2 + i * (width - 4) / n:.1f},{height - 3 - (v - lo) / span * (height - 6):.1f}"

    runs, run = [], []
    for i, v in enumerate(values):
        if v is None or missing(v):
            runs, run = runs + ([run] if run else []), []
        else:
            run.append(xy(i, v))
    runs += [run] if run else []
    lines = "".join(
        f'<polyline fill="none" stroke="#1d70b8" stroke-width="2" points="{" ".join(r)}"/>'
        if len(r) > 1
        else f'<circle cx="{r[0].split(",")[0]}" cy="{r[0].split(",")[1]}" r="1.5" fill="#1d70b8"/>'
        for r in runs
    )
    last_x, last_y = xy(*pts[-1]).split(",")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'{lines}<circle cx="{last_x}" cy="{last_y}" r="3" fill="#0b0c0c"/></svg>'
    )
    # An <img> with a data URI survives the HTML sanitiser (inline <svg> does not) and carries alt text.
    data = base64.b64encode(svg.encode()).decode()
    return f'<img class="spark" src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" alt="{esc(label)}">'


def _keep_arrow(text: str) -> str:
    """Escaped direction text whose arrow never wraps apart from its first word (↑ Improving)."""
    return esc(text).replace(" ", "&nbsp;", 1)


def versus_england_html(r) -> str:
    """England's figure, the difference and the rank; for a local measure, its official counterpart's year."""
    if getattr(r, "england_text", "–") in ("–", None) and not getattr(r, "quartile_text", ""):
        return "<span class='small'>–</span>"
    lines = []
    if getattr(r, "comparison_indicator", None) and r.comparison_indicator != r.indicator_id:
        label = getattr(r, "comparison_label", "") or "DfE"
        when = getattr(r, "comparison_period_display", "") or r.comparison_period
        lines.append(f"<span class='small'>{esc(label)} {esc(when)}: {esc(r.comparison_value_text)}</span>")
    elif getattr(r, "comparison_period", None) and r.comparison_period != r.period:
        lines.append(f"<span class='small'>{esc(r.comparison_period)}</span>")
    lines.append(f"England {esc(r.england_text)}")
    if r.vs_england_text and r.vs_england_text != "–":
        lines.append(f"<span class='small'>{esc(r.vs_england_text)}</span>")
    if r.quartile_text:
        lines.append(f"<span class='small'>{esc(r.quartile_text)}</span>")
    return "<br>".join(lines)


def scorecard_html(df: pd.DataFrame, area_code: str, link_base: str = "indicator") -> str:
    """The scorecard as an accessible HTML table: every cell escaped, RAG as a word and symbol as well as colour."""
    head = (
        "<tr><th scope='col'>Indicator</th><th scope='col'>Latest value and period</th>"
        "<th scope='col'>RAG and what it is judged against</th><th scope='col'>SPC</th><th scope='col'>Direction of travel</th>"
        "<th scope='col'>vs England</th><th scope='col'>Trend (last 12)</th></tr>"
    )
    body = []
    for r in df.itertuples(index=False):
        href = f"{link_base}?indicator={esc(r.indicator_id)}&amp;area={esc(area_code)}"
        year = r.direction_year_text or "as previous"
        body.append(
            f"<tr data-indicator='{esc(r.indicator_id)}'>"
            f"<td><a href='{href}' target='_self'>{esc(r.indicator)}</a></td>"
            f"<td class='num'><span class='v'>{esc(r.value_text)}</span> {figure_type_html(r.figure_type, r.source)}"
            f"<br><span class='small period'>{esc(r.period_display)}</span></td>"
            f"<td>{rag_badge_html(r.status)}<br><span class='small'>{esc(r.threshold_text)}</span></td>"
            f"<td class='spc'>{spc_icons_html(r)}</td>"
            f"<td class='dir'>{_keep_arrow(r.direction_prev_text)}<br><span class='small'>year: {_keep_arrow(year)}</span></td>"
            f"<td>{versus_england_html(r)}</td>"
            f"<td>{sparkline_svg(r.spark, width=100, label=f'Trend of {r.indicator} over the last {len(r.spark)} periods')}</td>"
            "</tr>"
        )
    # The wrapper scrolls on its own when zoomed or on a narrow screen, so the page never scrolls sideways; it is
    # focusable and named so a keyboard user can scroll it too.
    return (
        SCORECARD_CSS + "<div class='scorecard-wrap' role='region' aria-label='Scorecard' tabindex='0'>"
        f"<table class='scorecard'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>"
    )


HEADLINE_CSS = """<style>
.headline {display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 11rem), 1fr)); gap: 12px; margin-bottom: 8px;}
.headline .card {border: 1px solid #b1b4b6; border-radius: 6px; padding: 10px 14px; min-width: 0;}
.headline .label {font-size: 0.95rem; color: #0b0c0c;}
.headline .big {font-size: 1.6rem; overflow-wrap: anywhere; font-weight: 700; line-height: 1.2; margin-top: 4px;}
.headline .big .rag {font-size: 1.4rem;}
</style>"""


def headline_html(row: dict) -> str:
    """Four cards: latest value, RAG and what it is judged against, direction; text wraps rather than being cut off."""
    cards = [
        (f"Latest: {row['period_display']}", esc(row["value_text"])),
        ("RAG", rag_badge_html(row["status"]) + f"<div class='label'>{esc(row['threshold_text'])}</div>"),
        ("Target", esc(row["target_text"])),
        ("vs previous period", esc(row["direction_prev_text"])),
    ]
    inner = "".join(f"<div class='card'><div class='label'>{esc(k)}</div><div class='big'>{v}</div></div>" for k, v in cards)
    return HEADLINE_CSS + f"<div class='headline'>{inner}</div>"


def provenance_html(figures_up_to: str, illustrative: bool, extra: str = "", *, compact: bool = False) -> str:
    """The banner at the top of every screen: how old the figures are, and whether any shown are made up. `compact`:
    one line for a slide, where the projector's height is precious (the full sentence is on every page)."""
    if compact:
        tag = "<span class='tag'>Sample data</span>illustrative figures are made up" if illustrative else ""
        return (
            SCORECARD_CSS + "<div class='provenance compact' role='note' aria-label='How old the figures are'>"
            f"<span class='age'>{esc(figures_up_to)}</span>{' · ' if tag else ''}<span class='sample'>{tag}</span></div>"
        )
    sample = (
        f"<div class='sample'><span class='tag'>Sample data</span>{esc(SAMPLE_BANNER.removeprefix('Sample data: '))}</div>"
        if illustrative
        else ""
    )
    more = f"<div>{esc(extra)}</div>" if extra else ""
    return (
        SCORECARD_CSS + f"<div class='provenance' role='note' aria-label='How old the figures are'>"
        f"<div class='age'>{esc(figures_up_to)}</div>{more}{sample}</div>"
    )


def exceptions_html(report: pd.DataFrame, area_code: str) -> str:
    rows = []
    for r in report.itertuples():
        link = f"indicator?indicator={esc(r.indicator_id)}&amp;area={esc(area_code)}"
        said = commentary.to_html(r.actions) or "<em>No commentary yet</em>"
        rows.append(
            f"<tr data-indicator='{esc(r.indicator_id)}'><td><a href='{link}' target='_self'>{esc(r.indicator)}</a></td>"
            f"<td>{esc(r.reasons)}</td><td>{rag_badge_html(r.status)}</td>"
            f"<td class='num'>{esc(r.value_text)}<br><span class='small'>{esc(r.period_display)}</span></td><td>{said}</td></tr>"
        )
    return (
        SCORECARD_CSS + "<div class='scorecard-wrap' role='region' aria-label='Exceptions' tabindex='0'><table class='scorecard'>"
        "<thead><tr><th scope='col'>Indicator</th><th scope='col'>Why it is here</th><th scope='col'>RAG</th>"
        "<th scope='col'>Latest</th><th scope='col'>What we are doing about it</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


CHART_ALT_CSS = """<style>
.chart-alt {margin: 0 0 4px 0;}
.chart-alt .chart-name {font-weight: 700;}
.chart-alt a {color: #1d70b8; text-decoration: underline;}
details.chart-table {margin: 4px 0 8px 0;}
details.chart-table > summary {cursor: pointer; color: #1d70b8; text-decoration: underline; padding: 4px 0;}
details.chart-table .scorecard-wrap {max-height: 24rem; overflow: auto;}
details.chart-table table.scorecard {font-size: 0.9rem;}
details.chart-table table.scorecard td, details.chart-table table.scorecard th {padding: 4px 6px;}
details.chart-table tbody th {font-weight: 400; text-align: left; border-bottom: 1px solid #b1b4b6; white-space: nowrap;}
.visually-hidden {position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
                  white-space: nowrap;}
</style>"""


def chart_alt_html(key: str, name: str, summary: str) -> str:
    """What stands before a chart: its name and one-sentence summary (the chart's accessible name and description;
    the page's script ties them to the chart by these ids) and a link to the chart's figures as a table."""
    return (
        CHART_ALT_CSS + f"<div class='chart-alt' data-chart='{esc(key)}' data-name='{esc(name)}' id='chart-summary-{esc(key)}'>"
        f"<span class='chart-name'>{esc(name)}.</span> {esc(summary)} "
        f"<a href='#chart-table-{esc(key)}' class='chart-table-link' target='_self'>The figures in this chart as a table</a></div>"
    )


def chart_table_html(key: str, name: str, table: pd.DataFrame) -> str:
    """The chart's figures as a real HTML table (a screen reader reads its cells; the data grid draws on a canvas),
    in a disclosure beside the chart; the page's script opens it when the summary's link is followed."""
    head = "".join(f"<th scope='col'>{esc(c)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>"
        + "".join((f"<th scope='row'>{esc(v)}</th>" if i == 0 else f"<td>{esc(v)}</td>") for i, v in enumerate(r))
        + "</tr>"
        for r in table.itertuples(index=False)
    )
    return (
        SCORECARD_CSS + CHART_ALT_CSS + f"<details class='chart-table' id='chart-table-{esc(key)}'>"
        f"<summary>The figures in this chart as a table ({len(table)} rows)</summary>"
        f"<div class='scorecard-wrap' role='region' aria-label='{esc(name)}: figures' tabindex='0'>"
        f"<table class='scorecard'><caption class='visually-hidden'>{esc(name)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table></div></details>"
    )
