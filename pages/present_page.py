"""Presentation mode: a projector deck — agenda (the scorecard), exceptions, then one indicator per slide.

The audience sees the slide and nothing meant for the presenter: the slide number, the keys and the notes are in
the presenter view (Deck settings, or ?presenter=1 in a second window). Deck settings open from a visible button,
by click or keyboard. Every slide change is announced to screen readers (aria-live)."""

import datetime as dt
import html
import types

import streamlit as st

from indicators import commentary, exceptions, export, markup, periods, store
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

CHART_PX = 24  # every chart text on a slide: nothing under 24 px at 1920×1080
CHART_TITLE_PX = 28
CHART_CONFIG = {"displayModeBar": False}
CHART_H = 440
HALF_PX = 600  # the narrowest a half-width slide chart is (at 1366 px): titles wrap and ticks thin to fit it


def _slide_chart(spec: dict, key: str) -> None:
    st.plotly_chart(spec, width="stretch", theme=None, config=CHART_CONFIG, key=key)


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


def present_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "present the dashboard")
    cur = get_cursor(cfg)
    areas = store.areas(cur)
    names = dict(zip(areas["code"], areas["name"]))
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

    st.html("""<style>
    /* Projector: no sidebar or header over the slide, big type (nothing under 24px at 1920×1080), high contrast. */
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"] {display: none;}
    .block-container {padding-top: 0.8rem; padding-bottom: 5.5rem; max-width: 100%;}
    html {scroll-padding-bottom: 5.5rem;}  /* nothing focused hides under the foot bar */
    .st-key-deck_nav {position: fixed; left: 0; right: 0; bottom: 0; z-index: 100; background: #ffffff;
                      border-top: 1px solid #b1b4b6; padding: 8px 2rem;}
    .st-key-deck_tools {position: fixed; left: 50%; transform: translateX(-50%); bottom: 8px; z-index: 101;
                        width: auto !important;}
    .slide {font-size: 26px; color: #0b0c0c; line-height: 1.35;}
    .slide h1 {font-size: clamp(32px, 2.6vw, 48px); margin: 0 0 4px 0; padding: 0; line-height: 1.15;
               overflow-wrap: anywhere; white-space: normal;}
    .slide .sub {font-size: 26px; color: #0b0c0c; margin-bottom: 8px;}
    .slide .facts {display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 28px; font-size: 28px; margin: 4px 0;}
    .slide .facts .big {font-size: 56px; font-weight: 700; line-height: 1.0;}
    .slide table {border-collapse: collapse; width: 100%; font-size: 24px;}
    .slide th {text-align: left; border-bottom: 3px solid #0b0c0c; padding: 6px 10px;}
    .slide td {border-bottom: 1px solid #505a5f; padding: 6px 10px; vertical-align: top;}
    .slide table.compare caption {text-align: left; font-size: 26px; font-weight: 700; padding: 4px 0;}
    .slide table.compare th {border-bottom: 1px solid #505a5f; font-weight: 400; vertical-align: bottom;}
    .slide table.compare td {font-weight: 700; white-space: nowrap;}
    .slide .rag {display: inline-block; padding: 2px 12px; border-radius: 4px; font-weight: 700; border: 2px solid #0b0c0c;}
    .slide .commentary h4 {font-size: 26px; margin: 10px 0 2px 0;}
    .slide .commentary p, .slide .commentary li {font-size: 24px;}
    .slide .commentary-meta {font-size: 24px; color: #0b0c0c;}
    .slide p, .slide li {font-size: 24px;}
    .presenter {font-size: 24px; color: #0b0c0c; background: #fff7bf; border: 2px dashed #0b0c0c; padding: 8px 14px;
                margin: 8px 0;}
    .presenter h2 {font-size: 26px; margin: 0 0 4px 0; padding: 0;}
    .sr-only {position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
              clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;}
    .provenance {font-size: 24px;} .provenance .age {font-size: 26px;}
    .stButton button p {font-size: 24px; font-weight: 700;}
    .stButton button {min-height: 3.2rem;}
    /* A clicker's Page Up / Page Down: buttons that only carry the shortcut; never seen, never a Tab stop. */
    .st-key-clicker_keys {display: none;}
    /* A table wider than the screen scrolls inside its own box (a focusable region), not the page. */
    .slide .scorecard-wrap {overflow-x: auto;}
    /* At 320 px wide, or on a short window (both what 400% zoom gives), bars fixed to the foot would cover most of
       the slide and whatever has focus under them (1.4.10, 2.4.11): the buttons follow the slide instead, and the
       projector's type steps down so a line holds more than a word. */
    @media (max-width: 640px), (max-height: 500px) {
      .block-container {padding-bottom: 1rem;}
      html {scroll-padding-bottom: 1rem;}
      .st-key-deck_nav, .st-key-deck_tools {position: static; transform: none; left: auto; right: auto; bottom: auto;
                                            padding: 8px 0; width: 100% !important;}
      .st-key-deck_tools {border-top: 0;}
      .slide, .slide .sub, .slide .facts, .slide p, .slide li, .slide table, .slide .commentary h4,
      .slide .commentary p, .slide .commentary li, .slide .commentary-meta, .slide table.compare caption,
      .presenter, .presenter h2, .provenance, .provenance .age, .stButton button p {font-size: 18px;}
      .slide h1 {font-size: 26px;}
      .slide .facts .big {font-size: 40px;}
      .slide th, .slide td {padding: 4px 6px;}
      .stButton button {min-height: 2.75rem;}
    }
    </style>""")

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
    if not presenter:  # the audience sees only the slide: controls on mouse movement or keyboard focus (pages/a11y.js)
        st.html("""<style>
        .st-key-deck_nav, .st-key-deck_tools {opacity: 0; transition: opacity 0.2s;}
        html.deck-awake .st-key-deck_nav, html.deck-awake .st-key-deck_tools {opacity: 1;}
        .st-key-deck_nav:focus-within, .st-key-deck_tools:focus-within {opacity: 1; transition: none;}
        @media (prefers-reduced-motion: reduce) {.st-key-deck_nav, .st-key-deck_tools {transition: none;}}
        </style>""")
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
        if kind == "agenda":
            card = af.scorecard
            card = card[card["indicator_id"].isin(ids)] if not card.empty else card
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td>{html.escape(r.period_display)}</td><td>{html.escape(r.value_text)}</td>"
                f"<td>{markup.rag_badge_html(r.status)}</td><td>{html.escape(r.direction_prev_text)}</td></tr>"
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
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td>{html.escape(r.reasons)}</td><td>{markup.rag_badge_html(r.status)}</td>"
                f"<td>{commentary.to_html(r.actions) or 'No commentary yet'}</td></tr>"
                for r in ex.itertuples()
            )
            body = f"<h1>{html.escape(_title(kind))}</h1><div class='sub'>Worst first</div>" + (
                "<div class='scorecard-wrap' role='region' aria-label='Exceptions, worst first' tabindex='0'>"
                f"<table><thead><tr><th>Indicator</th><th>Why</th><th>RAG</th><th>What we are doing</th></tr></thead><tbody>{rows}</tbody></table></div>"
                if len(ex)
                else "<p>No indicator is red, worse than the period before or showing special-cause concern.</p>"
            )
        elif kind.startswith("compare:"):
            ind = cfg.by_id[kind.split(":", 1)[1]]
            years = store.la_periods(cur, ind.id)
            if years:
                league, _table, summary = charts_league(db, version, ind.id, years[0], area, mtime)
                fig = export.fit_chart(
                    league.to_plotly_json(),
                    title=f"Every local authority, {periods.parse(years[0], ind.period_type).display}",
                    width_px=None,
                    wrap_px=1200,
                    height_px=600,
                    font_px=CHART_PX,
                    title_px=CHART_TITLE_PX,
                )
                fig["layout"]["margin"]["b"] = CHART_PX * 4  # the x axis title under the bars
                fig["layout"]["margin"]["t"] += CHART_PX * export.PLOTLY_LINE  # quartile names take two lines
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
                    f"<h1>{html.escape(_title(kind))}</h1>"
                    f"<div class='sub'>{html.escape(names[area])} · {html.escape(head['period_display'])}</div>"
                    f"<div class='facts'><span class='big'>{html.escape(head['value_text'])}</span>"
                    f"<span>{markup.rag_badge_html(head['status'])} {html.escape(head['threshold_text'])}</span>"
                    f"<span>{html.escape(head['direction_prev_text'])}</span></div>"
                )
                if spc_said:
                    notes.append(spc_said)
        st.html(banner + f"<div class='slide' data-slide='{n}' data-kind='{html.escape(kind)}'>{body}</div>")

        if fig is not None:
            _slide_chart(fig, f"chart-compare-{n}")
        elif kind not in ("agenda", "exceptions") and kind in af.indicators:
            f = af.indicators[kind]
            trend, spc_fig = cached_charts(db, version, kind, area, mtime, today)
            note = cached_note(db, version, kind, area)
            left, right = st.columns(2, gap="medium")
            with left:
                spec = export.board_trend(
                    f,
                    names[area],
                    width=None,
                    height=CHART_H,
                    font=CHART_PX,
                    title=export.trend_title(f),
                    base=trend,
                    wrap_px=HALF_PX,
                )
                spec["layout"]["title"]["font"]["size"] = CHART_TITLE_PX
                _slide_chart(spec, f"chart-trend-{n}")
            with right:
                if note is not None:
                    st.html("<div class='slide'>" + commentary.block_html(note) + "</div>")
                elif spc_fig is not None:  # no commentary: the SPC chart, with its icons, is what the board needs next
                    spec = export.board_spc(
                        f,
                        names[area],
                        width=None,
                        height=CHART_H,
                        font=CHART_PX,
                        title="Statistical process control (XmR)",
                        base=spc_fig,
                        wrap_px=HALF_PX,
                    )
                    spec["layout"]["title"]["font"]["size"] = CHART_TITLE_PX
                    _slide_chart(spec, f"chart-spc-{n}")
                else:
                    st.html("<div class='slide'><p>Too few figures for an SPC chart, and no commentary yet.</p></div>")
            compared = _comparison_html(export.comparison_rows(af, f))
            if compared:
                st.html(f"<div class='slide'>{compared}</div>")
            if note is not None:
                notes.append("Commentary is on the slide.")
            else:
                notes.append("No commentary has been written for this period.")

        # Warm the next slide's charts so the switch only has to draw.
        if n < total and slides[n] in af.indicators:
            cached_charts(db, version, slides[n], area, mtime, today)
            cached_note(db, version, slides[n], area)

        # In a bar fixed to the foot of the window: a click never scrolls the slide away from its title.
        with st.container(key="deck_nav"):
            prev_col, _, next_col = st.columns([1, 2, 1])
            prev_col.button("◀ Previous", on_click=_go, args=(-1,), shortcut="Left", disabled=n == 1, width="stretch", key="prev")
            next_col.button("Next ▶", on_click=_go, args=(1,), shortcut="Right", disabled=n == total, width="stretch", key="next")
        if presenter:
            following = f"Next: {_title(slides[n])}" if n < total else "This is the last slide."
            said = "".join(f"<p>{html.escape(t)}</p>" for t in notes)
            st.html(
                f"<div class='presenter' data-presenter='1'><h2>Presenter view</h2>"
                f"<p>Slide {n} of {total} · ← → or Page Up / Page Down to move · {html.escape(following)}</p>{said}</div>"
            )
        # Presentation clickers send Page Up / Page Down: two more buttons that only carry the shortcut.
        with st.container(key="clicker_keys"):
            st.button("Previous (Page Up)", on_click=_go, args=(-1,), shortcut="PageUp", key="prev_pg")
            st.button("Next (Page Down)", on_click=_go, args=(1,), shortcut="PageDown", key="next_pg")

    deck()
    # Outside the deck's fragment (the dialog's Apply reruns the whole page with the new deck), in the foot bar.
    with st.container(key="deck_tools"):
        if st.button("Deck settings: area, indicators, presenter view", icon=":material/tune:", key="deck_settings"):
            settings()


if __name__ == "__main__":
    run_page(present_page)
