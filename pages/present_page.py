"""Presentation mode: a projector deck — agenda (the scorecard), exceptions, then one indicator per slide, then Compare
areas. Every slide fits 1366×768 and 1920×1080 with no scroll, text 24 px or more.

The audience's window shows only the slide: its foot bar (Previous, Next, Deck settings, Open presenter view, the
accessibility statement) appears when the mouse moves or a control in it has keyboard focus. "Open presenter view"
opens the presenter's window (?presenter=1): the slide number, an elapsed timer, what comes next and the notes (the
overdue figures, the SPC reading, the exceptions' commentary in full) above the same slide. The two windows follow each
other through a BroadcastChannel (pages/present.js): a key press in one moves the other with no server round trip
between them. Every slide change is announced to screen readers (aria-live); each slide chart is named, summarised
and tied to its figures as a table, as the ordinary pages' charts are."""

import datetime as dt
import html
import re
import textwrap
import types
from pathlib import Path

import streamlit as st

from indicators import alt_text, commentary, exceptions, export, league, markup, periods, queries, rag
from pages.common import (
    cache_key,
    cached_charts,
    cached_figures,
    cached_note,
    charts_league,
    get_access,
    get_config,
    get_cursor,
    require,
    run_page,
)

CHART_PX = 24  # every chart text on a slide: nothing under 24 px at 1366×768 or 1920×1080
CHART_TITLE_PX = 28
CHART_CONFIG = {"displayModeBar": False}
CHART_H = 380  # with the title, the facts, the comparison row and the foot bar: the slide fits 1366×768
SLIDE_CHART = dict(width=None, height=CHART_H, font=CHART_PX)  # a slide chart fills its column at the slide size
COMPARE_H = 400
HALF_PX = 640  # the narrowest the trend chart is (at 1366 px): titles wrap and ticks thin to fit it
HALF_PX_SPC = 600  # the SPC chart beside it: its one-line title fits 540 px
EXCEPTIONS_SHOWN = 5  # rows on the exceptions slide; the rest are counted under it and listed in the notes
SAID_CHARS = 110  # "What we are doing" on the exceptions slide: its first words; the whole text is in the notes
# A trend's red, amber and green bands are named on the chart itself (the "Green ≥ 90%" rules): not in the legend too.
LEGEND_DROPPED = ("Red band", "Amber band", "Green band")
# The SPC chart's six keys (mean, limits, target and the three kinds of point) beside its plot, not under it: under
# it they would take half the chart's height.
SPC_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "paper"}
_HERE = Path(__file__).parent
_DECK_CSS = (_HERE / "present.css").read_text(encoding="utf-8")
_DECK_JS = (_HERE / "present.js").read_text(encoding="utf-8")


def _fewer_legend_entries(spec: dict) -> dict:
    """The trend's legend in one line under the plot: the bands' entries dropped (named on the chart), and the whole
    picture's width to run in (the band rules' labels take the right margin)."""
    for trace in spec.get("data") or ():
        if trace.get("name") in LEGEND_DROPPED:
            trace["showlegend"] = False
        trace.pop("legendgroup", None)  # a group of its own would start a line of its own
    spec["layout"]["legend"] |= {"xref": "container", "x": 0}
    return spec


def _notes_off_the_plot(spec: dict) -> list[str]:
    """An SPC note along the top of the plot (e.g. "Shift from 2021-22 Q4: suggested rebase") has no room on a
    half-width slide chart (it ran off the chart's left edge, or over the SPC icons): it is taken off the chart and its
    words returned, for the chart's summary and the presenter's notes. The dotted line still marks the period."""
    kept, said = [], []
    for a in spec["layout"].get("annotations") or ():
        long = len(re.sub(r"<[^>]+>", "", str(a.get("text") or ""))) > 3
        if a.get("yref") == "paper" and (a.get("y") or 0) >= 1 and a.get("xref", "x") == "x" and long:
            said.append(re.sub(r"<[^>]+>", " ", str(a["text"])).strip())
        else:
            kept.append(a)
    spec["layout"]["annotations"] = kept
    return said


def _last_tick_only(spec: dict) -> dict:
    """The SPC chart beside its legend has a plot about 180 px wide at 1366 px: two period labels there would run into
    each other, so it is labelled with the latest period only (the trend beside it has the whole axis)."""
    axis = spec["layout"].get("xaxis") or {}
    vals, text = axis.get("tickvals"), axis.get("ticktext")
    if isinstance(vals, list | tuple) and isinstance(text, list | tuple) and len(vals) > 1 and len(vals) == len(text):
        axis["tickvals"], axis["ticktext"] = [vals[-1]], [text[-1]]
    return spec


def _slide_chart(spec: dict, key: str, name: str, summary: str, table) -> None:
    """A slide's chart as the ordinary pages draw theirs (pages/common.chart): named, summarised and tied to its
    figures as a table (pages/a11y.js); on the projector the name, summary and table stay out of sight until a
    keyboard reaches them (pages/present.css)."""
    with st.container(key=f"chart_{key}"):
        st.html(f"<div class='slide-chart'>{markup.chart_alt_html(key, name, summary)}</div>")
        st.plotly_chart(spec, width="stretch", theme=None, config=CHART_CONFIG, key=key)
        st.html(f"<div class='slide-chart'>{markup.chart_table_html(key, name, table)}</div>")


def _comparison_html(rows: list[tuple[str, str]]) -> str:
    """Where the area stands against England, the region, neighbours and every local authority: one row of figures."""
    if len(rows) < 2:
        return ""
    head = "".join(f"<th scope='col'>{html.escape(k)}</th>" for k, _ in rows)
    cells = "".join(f"<td>{html.escape(v)}</td>" for _, v in rows)
    return (
        "<div class='scorecard-wrap' role='region' aria-label='Compared with others' tabindex='0'>"
        f"<table class='compare'><caption>Compared with others</caption><thead><tr>{head}</tr></thead>"
        f"<tbody><tr>{cells}</tr></tbody></table></div>"
    )


def _presenter_html(n: int, total: int, following: str, notes: list[str], audience_link: str) -> str:
    """The presenter's panel: where the deck is, the timer, what comes next, the notes. The timer is kept by
    pages/present.js (role timer: not read out every second)."""
    said = "".join(f"<p>{html.escape(t)}</p>" for t in notes if t)
    return (
        "<div class='presenter' data-presenter='1'><h2>Presenter view</h2>"
        f"<span>Slide {n} of {total}</span><span><span class='timer' role='timer' data-deck-timer>0:00 elapsed</span> "
        "<button type='button' data-deck-timer-reset>Restart timer</button></span>"
        f"<p class='next'>{html.escape(following)}</p>{said}"
        "<p>← → or Page Up / Page Down to move; the audience's window follows this one, and this one follows it. "
        f"<a href='{html.escape(audience_link)}' data-window='kpi-audience'>Open the audience's window</a></p></div>"
    )


def present_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "present the dashboard")
    cur = get_cursor(cfg)
    names = queries.area_names(cur)
    headline = [i.id for i in cfg.indicators if i.headline] or [i.id for i in cfg.indicators[:7]]

    # Deck choices live in the URL too, so a presenter's link opens the same deck at the same slide. They are plain
    # session state (not widget keys), so closing the settings dialog does not forget them.
    qp = st.query_params
    if "deck_area" not in st.session_state:
        st.session_state["deck_area"] = qp.get("area") if qp.get("area") in names else cfg.default_area
    if "deck_ids" not in st.session_state:
        wanted = [i for i in (qp.get("indicators") or "").split(",") if i in cfg.by_id]
        st.session_state["deck_ids"] = wanted or [i for i in headline if i in cfg.by_id]
    if "deck_presenter" not in st.session_state:
        st.session_state["deck_presenter"] = qp.get("presenter") == "1"

    st.html(f"<style>{_DECK_CSS}</style>")

    @st.dialog("Deck settings", width="large")
    def settings() -> None:
        st.selectbox(
            "Area",
            list(names),
            index=list(names).index(st.session_state["deck_area"]),
            key="dlg_area",
            format_func=lambda c: f"{names[c]} ({c})",
        )
        st.multiselect(
            "Indicators, in this order",
            [i.id for i in cfg.indicators],
            default=st.session_state["deck_ids"],
            key="dlg_ids",
            format_func=lambda i: cfg.by_id[i].name,
        )
        st.toggle(
            "Presenter view: slide number, keys and notes on this screen (keep it off on the projector)",
            value=st.session_state["deck_presenter"],
            key="dlg_presenter",
        )
        if st.button("Apply", type="primary", key="dlg_apply"):
            st.session_state["deck_area"] = st.session_state["dlg_area"]
            st.session_state["deck_ids"] = st.session_state["dlg_ids"] or headline
            st.session_state["deck_presenter"] = st.session_state["dlg_presenter"]
            st.query_params["slide"] = "1"
            st.rerun()

    area = st.session_state["deck_area"]
    ids = st.session_state["deck_ids"] or headline
    presenter = st.session_state["deck_presenter"]
    # One Compare areas slide for the first official counterpart of the chosen indicators (e.g. EHC plans in 20
    # weeks among every local authority), after the indicators it belongs to.
    counterparts = [cfg.by_id[i].official or i for i in ids if (cfg.by_id[i].official or cfg.by_id[i].kind == "official")]
    slides = ["agenda", "exceptions"] + ids + ([f"compare:{counterparts[0]}"] if counterparts else [])
    total = len(slides)

    def _slide_number() -> int:
        try:
            n = int(st.query_params.get("slide", 1))
        except ValueError:
            n = 1
        return min(max(n, 1), total)

    def _go(step: int) -> None:
        st.query_params["slide"] = str(min(max(_slide_number() + step, 1), total))

    def _title(kind: str) -> str:
        if kind == "agenda":
            return f"Agenda: SEND scorecard — {names[area]}"
        if kind == "exceptions":
            return "Exceptions: red, worsening or special-cause concern"
        if kind.startswith("compare:"):
            return f"Compare areas: {cfg.by_id[kind.split(':', 1)[1]].name}"
        return cfg.by_id[kind].name

    @st.fragment
    def deck() -> None:
        n = _slide_number()
        params = {"slide": str(n), "area": area, "indicators": ",".join(ids)}
        if presenter:
            params["presenter"] = "1"
        elif "presenter" in st.query_params:
            del st.query_params["presenter"]
        st.query_params.update(params)
        # Announced on every change: react-markdown keeps this element and changes its text, so the live region stays.
        st.markdown(
            f"<div class='sr-only' role='status' aria-live='polite' data-announce='{n}'>"
            f"Slide {n} of {total}: {html.escape(_title(slides[n - 1]))}</div>",
            unsafe_allow_html=True,
        )
        db, version, mtime = cache_key(cur)
        today = dt.date.today()
        af = cached_figures(db, version, area, mtime, today)
        kind = slides[n - 1]
        shown_ids = (
            [kind.split(":", 1)[1]] if kind.startswith("compare:") else ids if kind in ("agenda", "exceptions") else [kind]
        )
        banner = markup.provenance_html(af.figures_up_to(shown_ids), af.illustrative_shown(shown_ids), compact=True)
        body, notes = "", []
        fig = None
        deck_id = html.escape(f"{area}|{','.join(ids)}")
        audience = "1" if not presenter else "0"
        if kind == "agenda":
            card = af.scorecard
            card = card[card["indicator_id"].isin(ids)] if not card.empty else card
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td class='nowrap'>{html.escape(r.period_display)}</td>"
                f"<td class='nowrap'>{html.escape(r.value_text)}</td>"
                f"<td class='nowrap'>{markup.rag_badge_html(r.status)}</td><td class='nowrap'>{html.escape(r.direction_prev_text)}</td></tr>"
                for r in card.itertuples()
            )
            notes.append(af.overdue_summary(ids))  # for the presenter: the board sees the scorecard, not the chasing
            body = (
                f"<h1>{html.escape(_title(kind))}</h1>"
                "<div class='scorecard-wrap' role='region' aria-label='Agenda: the scorecard' tabindex='0'>"
                "<table><thead><tr><th>Indicator</th><th>Period</th><th>Latest</th><th>RAG</th><th>vs previous</th></tr></thead>"
                f"<tbody>{rows}</tbody></table></div>"
            )
        elif kind == "exceptions":
            ex = exceptions.exception_report(af)  # the area's exceptions, as the Exceptions page and the pack list them
            shown = ex.head(EXCEPTIONS_SHOWN)
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td>{html.escape(r.reasons)}</td>"
                f"<td class='nowrap'>{markup.rag_badge_html(r.status)}</td>"
                f"<td>{html.escape(textwrap.shorten(commentary.to_text(r.actions), SAID_CHARS, placeholder=' …')) or 'No commentary yet'}</td></tr>"
                for r in shown.itertuples()
            )
            more = len(ex) - len(shown)
            for r in ex.itertuples():  # the whole of what each service says, for the presenter
                notes.append(f"{r.indicator}: {commentary.to_text(r.actions) or 'no commentary yet'}")
            body = f"<h1>{html.escape(_title(kind))}</h1><div class='sub'>Worst first</div>" + (
                "<div class='scorecard-wrap' role='region' aria-label='Exceptions, worst first' tabindex='0'>"
                f"<table><thead><tr><th>Indicator</th><th>Why</th><th>RAG</th><th>What we are doing</th></tr></thead><tbody>{rows}</tbody></table></div>"
                + (f"<p class='more'>And {more} more on the Exceptions page.</p>" if more else "")
                if len(ex)
                else "<p>No indicator is red, worse than the period before or showing special-cause concern.</p>"
            )
        elif kind.startswith("compare:"):
            ind = cfg.by_id[kind.split(":", 1)[1]]
            years = league.league_periods(cur, ind.id)
            if years:
                ranked, table, summary = charts_league(db, version, ind.id, years[0], area, mtime)
                year = periods.parse(years[0], ind.period_type).display
                fig = export.fit_chart(
                    ranked.to_plotly_json(),
                    title=f"Every local authority, {year}",
                    width_px=None,
                    wrap_px=1200,
                    height_px=COMPARE_H,
                    font_px=CHART_PX,
                    title_px=CHART_TITLE_PX,
                )
                fig["layout"]["margin"]["t"] += CHART_PX * export.PLOTLY_LINE  # quartile names take two lines
                alt = (f"Chart: {ind.name}, every local authority ranked, {year}, {names[area]} marked", summary, table)
                body = f"<h1>{html.escape(_title(kind))}</h1><div class='sub'>{html.escape(summary)}</div>"
            else:
                body = f"<h1>{html.escape(_title(kind))}</h1><p>No local authority has a figure yet.</p>"
        else:
            f = af.indicators.get(kind)
            if f is None:
                body = f"<h1>{html.escape(_title(kind))}</h1><p>There are no figures for {html.escape(names[area])}.</p>"
            else:
                head = f.latest
                spc_said = export.spc_reading(types.SimpleNamespace(**head))
                body = (
                    f"<div class='titleline'><h1>{html.escape(_title(kind))}</h1>"
                    f"<span class='where'>· {html.escape(names[area])}</span></div>"
                    f"<div class='facts'><span class='big'>{html.escape(head['value_text'])}</span>"
                    f"<span>{markup.rag_badge_html(head['status'])} {html.escape(head['threshold_text'])}</span>"
                    f"<span>{html.escape(head['direction_prev_text'])}</span>"
                    f"<span>{html.escape(head['period_display'])}</span></div>"
                )
                if spc_said:
                    notes.append(spc_said)

        panel = st.empty() if presenter else None  # the presenter's panel, above the slide, filled once notes are known
        st.html(
            banner + f"<div class='slide' data-slide='{n}' data-kind='{html.escape(kind)}' data-deck='{deck_id}' "
            f"data-audience='{audience}'>{body}</div>"
        )

        if fig is not None:
            _slide_chart(fig, f"chart-compare-{n}", *alt)
        elif kind not in ("agenda", "exceptions") and kind in af.indicators:
            f = af.indicators[kind]
            trend, spc_fig = cached_charts(db, version, kind, area, mtime, today)
            note = cached_note(db, version, kind, area)
            left, right = st.columns([11, 9], gap="medium")
            with left:
                spec = export.board_trend(f, names[area], **SLIDE_CHART, title=export.trend_title(f), base=trend, wrap_px=HALF_PX)
                spec["layout"]["title"]["font"]["size"] = CHART_TITLE_PX
                _fewer_legend_entries(spec)
                _slide_chart(
                    spec,
                    f"chart-trend-{n}",
                    alt_text.trend_name(f, names[area]),
                    alt_text.trend_summary(f, names[area]),
                    alt_text.trend_table(f, names[area]),
                )
            with right:
                if note is not None:
                    st.html("<div class='slide'>" + commentary.block_html(note) + "</div>")
                elif spc_fig is not None:  # no commentary: the SPC chart, with its icons, is what the board needs next
                    title = "Statistical process control (XmR)"
                    spec = export.board_spc(f, names[area], **SLIDE_CHART, title=title, base=spc_fig, wrap_px=HALF_PX_SPC)
                    off = _notes_off_the_plot(spec)  # in the summary and the presenter's notes instead
                    notes.extend(f"SPC chart: {t}." for t in off)
                    spec["layout"]["title"]["font"]["size"] = CHART_TITLE_PX
                    spec["layout"]["legend"] |= SPC_LEGEND
                    _last_tick_only(spec)
                    _slide_chart(
                        spec,
                        f"chart-spc-{n}",
                        alt_text.spc_name(f, names[area]),
                        " ".join([alt_text.spc_summary(f, names[area]), *(f"{t}." for t in off)]),
                        alt_text.spc_table(f),
                    )
                else:
                    st.html("<div class='slide'><p>Too few figures for an SPC chart, and no commentary yet.</p></div>")
            compared = _comparison_html(export.comparison_rows(af, f))
            if compared:
                st.html(f"<div class='slide'>{compared}</div>")
            if note is not None:
                notes.append("Commentary is on the slide.")
            else:
                notes.append("No commentary has been written for this period.")

        if presenter:
            following = f"Next: {_title(slides[n])}" if n < total else "This is the last slide."
            if n < total and slides[n] in af.indicators:
                nxt = af.indicators[slides[n]].latest
                following += f" ({nxt['value_text']}, {rag.BADGES[nxt['status']].text})"
            link = f"?slide={n}&area={area}&indicators={','.join(ids)}"
            panel.html(_presenter_html(n, total, following, notes, link))

        # Warm the next slide's charts so the switch only has to draw.
        if n < total and slides[n] in af.indicators:
            cached_charts(db, version, slides[n], area, mtime, today)
            cached_note(db, version, slides[n], area)

        # In a bar fixed to the foot of the window: a click never scrolls the slide away from its title. Previous and
        # Next sit at its left, in the order Tab reaches them.
        with st.container(key="deck_nav"):
            prev_col, next_col = st.columns(2)
            prev_col.button("◀ Previous", on_click=_go, args=(-1,), shortcut="Left", disabled=n == 1, width="stretch", key="prev")
            next_col.button("Next ▶", on_click=_go, args=(1,), shortcut="Right", disabled=n == total, width="stretch", key="next")
        # Presentation clickers send Page Up / Page Down: two more buttons that only carry the shortcut.
        with st.container(key="clicker_keys"):
            st.button("Previous (Page Up)", on_click=_go, args=(-1,), shortcut="PageUp", key="prev_pg")
            st.button("Next (Page Down)", on_click=_go, args=(1,), shortcut="PageDown", key="next_pg")

    deck()
    # Outside the deck's fragment (the dialog's Apply reruns the whole page with the new deck), in the foot bar after
    # Next: Deck settings, then the presenter's own window (opened beside this one; each follows the other).
    with st.container(key="deck_tools"):
        if st.button("Deck settings", icon=":material/tune:", key="deck_settings", help="Area, indicators, presenter view"):
            settings()
        if not presenter:
            link = f"?slide={_slide_number()}&area={area}&indicators={','.join(ids)}&presenter=1"
            st.html(
                f"<div class='deck-open-presenter'><a href='{html.escape(link)}' data-window='kpi-presenter'>"
                "Open presenter view</a></div>"
            )
    with st.container(key="deck_script"):  # hidden; the script runs once per tab (pages/present.js)
        st.html(f"<script>{_DECK_JS}</script>", unsafe_allow_javascript=True)


if __name__ == "__main__":
    run_page(present_page)
