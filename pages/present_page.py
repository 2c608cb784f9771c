"""Presentation mode: a projector deck — agenda (the scorecard), exceptions, then one indicator per slide."""

import datetime as dt
import html

import plotly.graph_objects as go
import streamlit as st

from indicators import commentary, exceptions, markup, store
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


def present_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "present the dashboard")
    cur = get_cursor(cfg)
    areas = store.areas(cur)
    names = dict(zip(areas["code"], areas["name"]))
    headline = [i.id for i in cfg.indicators if i.headline] or [i.id for i in cfg.indicators[:7]]

    # Deck choices live in the URL too, so a presenter's link opens the same deck at the same slide.
    qp = st.query_params
    if "deck_area" not in st.session_state:
        st.session_state["deck_area"] = qp.get("area") if qp.get("area") in names else cfg.default_area
    if "deck_ids" not in st.session_state:
        wanted = [i for i in (qp.get("indicators") or "").split(",") if i in cfg.by_id]
        st.session_state["deck_ids"] = wanted or [i for i in headline if i in cfg.by_id]

    st.html("""<style>
    /* Projector: no sidebar, big type (nothing under 24px at 1920×1080), high contrast. */
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
    .block-container {padding-top: 1.2rem; max-width: 100%;}
    .slide {font-size: 26px; color: #0b0c0c; line-height: 1.35;}
    .slide h1 {font-size: 48px; margin: 0 0 4px 0; line-height: 1.15;}
    .slide .sub {font-size: 26px; color: #0b0c0c; margin-bottom: 12px;}
    .slide .big {font-size: 96px; font-weight: 700; line-height: 1.0;}
    .slide .facts {display: grid; grid-template-columns: auto 1fr; gap: 6px 24px; font-size: 28px; margin-top: 12px;}
    .slide .facts dt {font-weight: 700;}
    .slide .facts dd {margin: 0;}
    .slide table {border-collapse: collapse; width: 100%; font-size: 24px;}
    .slide th {text-align: left; border-bottom: 3px solid #0b0c0c; padding: 6px 10px;}
    .slide td {border-bottom: 1px solid #505a5f; padding: 6px 10px; vertical-align: top;}
    .slide .rag {display: inline-block; padding: 2px 12px; border-radius: 4px; font-weight: 700; border: 2px solid #0b0c0c;}
    .slide .commentary h4 {font-size: 26px; margin: 10px 0 2px 0;}
    .slide .commentary p, .slide .commentary li {font-size: 24px;}
    .slide .commentary-meta {font-size: 24px; color: #0b0c0c;}
    .slide .counter {font-size: 24px; color: #0b0c0c;}
    .slide p, .slide li {font-size: 24px;}
    .provenance {font-size: 24px;} .provenance .age {font-size: 26px;}
    .stButton button p {font-size: 24px; font-weight: 700;}
    .stButton button {min-height: 3.2rem;}
    </style>""")

    with st.expander("Deck settings: area and indicators", icon=":material/tune:"):
        st.selectbox("Area", list(names), key="deck_area", format_func=lambda c: f"{names[c]} ({c})")
        st.multiselect(
            "Indicators, in this order", [i.id for i in cfg.indicators], key="deck_ids", format_func=lambda i: cfg.by_id[i].name
        )
    area = st.session_state["deck_area"]
    ids = st.session_state["deck_ids"] or headline
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

    @st.fragment
    def deck() -> None:
        n = _slide_number()
        st.query_params.update({"slide": str(n), "area": area, "indicators": ",".join(ids)})
        db, version, mtime = cache_key(cur)
        today = dt.date.today()
        af = cached_figures(db, version, area, mtime, today)
        kind = slides[n - 1]
        shown_ids = (
            [kind.split(":", 1)[1]] if kind.startswith("compare:") else ids if kind in ("agenda", "exceptions") else [kind]
        )
        banner = markup.provenance_html(af.figures_up_to(shown_ids), af.illustrative_shown(shown_ids))
        body = ""
        if kind == "agenda":
            card = af.scorecard
            card = card[card["indicator_id"].isin(ids)] if not card.empty else card
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td>{html.escape(r.period_display)}</td><td>{html.escape(r.value_text)}</td>"
                f"<td>{markup.rag_badge_html(r.status)}</td><td>{html.escape(r.direction_prev_text)}</td></tr>"
                for r in card.itertuples()
            )
            body = (
                f"<h1>Agenda: SEND scorecard — {html.escape(names[area])}</h1>"
                f"<div class='sub'>{html.escape(af.overdue_summary(ids))}</div>"
                "<table><thead><tr><th>Indicator</th><th>Period</th><th>Latest</th><th>RAG</th><th>vs previous</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )
        elif kind == "exceptions":
            ex = exceptions.exception_report(af, ids)
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td>{html.escape(r.reasons)}</td><td>{markup.rag_badge_html(r.status)}</td>"
                f"<td>{commentary.to_html(r.actions) or 'No commentary yet'}</td></tr>"
                for r in ex.head(6).itertuples()
            )
            more = f"<p>…and {len(ex) - 6} more on the Exceptions page.</p>" if len(ex) > 6 else ""
            body = "<h1>Exceptions: red, worsening or special-cause concern</h1><div class='sub'>Worst first</div>" + (
                f"<table><thead><tr><th>Indicator</th><th>Why</th><th>RAG</th><th>What we are doing</th></tr></thead><tbody>{rows}</tbody></table>{more}"
                if len(ex)
                else "<p>No indicator is red, worse than the period before or showing special-cause concern.</p>"
            )
        elif kind.startswith("compare:"):
            ind = cfg.by_id[kind.split(":", 1)[1]]
            years = store.la_periods(cur, ind.id)
            if years:
                fig, _table, summary = charts_league(db, version, ind.id, years[0], area, mtime)
                body = f"<h1>Compare areas: {html.escape(ind.name)}</h1><div class='sub'>{html.escape(summary)}</div>"
            else:
                fig = None
                body = f"<h1>Compare areas: {html.escape(ind.name)}</h1><p>No local authority has a figure yet.</p>"
        else:
            ind = cfg.by_id[kind]
            f = af.indicators.get(kind)
            if f is None:
                body = f"<h1>{html.escape(ind.name)}</h1><p>There are no figures for {html.escape(names[area])}.</p>"
            else:
                head = f.latest
                body = (
                    f"<h1>{html.escape(ind.name)}</h1><div class='sub'>{html.escape(names[area])} · {html.escape(head['period_display'])}</div>"
                    f"<div class='big'>{html.escape(head['value_text'])}</div>"
                    f"<dl class='facts'><dt>RAG</dt><dd>{markup.rag_badge_html(head['status'])} {html.escape(head['threshold_text'])}</dd>"
                    f"<dt>Target</dt><dd>{html.escape(head['target_text'])}</dd>"
                    f"<dt>Direction</dt><dd>{html.escape(head['direction_prev_text'])}</dd></dl>"
                )
        st.html(banner + f"<div class='slide' data-slide='{n}' data-kind='{html.escape(kind)}'>{body}</div>")
        if kind.startswith("compare:") and fig is not None:
            fig.update_layout(height=560, font={"size": 22}, title={"font": {"size": 26}})
            st.plotly_chart(fig, width="stretch", theme=None, config={"displayModeBar": False})
        elif kind not in ("agenda", "exceptions") and kind in af.indicators:
            trend, spc_fig = cached_charts(db, version, kind, area, mtime, today)
            left, right = st.columns([3, 2])
            with left:
                big = go.Figure(trend)
                big.update_layout(height=520, font={"size": 22}, title={"font": {"size": 26}})
                st.plotly_chart(big, width="stretch", theme=None, config={"displayModeBar": False})
            with right:
                note = cached_note(db, version, kind, area)
                if note is not None:
                    st.html("<div class='slide'>" + commentary.block_html(note) + "</div>")
                elif spc_fig is not None:  # no commentary: the SPC chart is what the board needs next
                    small = go.Figure(spc_fig)
                    small.update_layout(
                        height=520, font={"size": 22}, title={"font": {"size": 24}}, legend={"font": {"size": 20}}
                    )
                    st.plotly_chart(small, width="stretch", theme=None, config={"displayModeBar": False})
                else:
                    st.html("<div class='slide'><p>No commentary has been written yet.</p></div>")

        # Warm the next slide's charts so the switch only has to draw.
        if n < total and slides[n] in af.indicators:
            cached_charts(db, version, slides[n], area, mtime, today)
            cached_note(db, version, slides[n], area)

        prev_col, counter, next_col = st.columns([1, 2, 1])
        prev_col.button("◀ Previous", on_click=_go, args=(-1,), shortcut="Left", disabled=n == 1, width="stretch", key="prev")
        counter.html(
            f"<div class='slide'><p class='counter' style='text-align:center'>Slide {n} of {total} · "
            "← → or Page Up / Page Down to move</p></div>"
        )
        next_col.button("Next ▶", on_click=_go, args=(1,), shortcut="Right", disabled=n == total, width="stretch", key="next")
        # Presentation clickers send Page Up / Page Down: two more buttons, kept out of sight.
        with st.container(key="clicker_keys"):
            st.button("Previous (Page Up)", on_click=_go, args=(-1,), shortcut="PageUp", key="prev_pg")
            st.button("Next (Page Down)", on_click=_go, args=(1,), shortcut="PageDown", key="next_pg")
        st.html(
            "<style>.st-key-clicker_keys {position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden;}</style>"
        )

    deck()


if __name__ == "__main__":
    run_page(present_page)
