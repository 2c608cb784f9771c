"""Presentation mode: a projector deck — agenda (the scorecard), exceptions, then one indicator per slide."""

import html

import streamlit as st

from indicators import charts, commentary, scorecard, store
from pages.common import (
    cache_key,
    cached_exceptions,
    cached_note,
    cached_scorecard,
    cached_series,
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
    headline = [
        "ehcp_20wk",
        "salt_seen_6wk",
        "salt_treated_12wk",
        "asd_waiting_list",
        "asd_avg_wait_weeks",
        "send_neet",
        "ehc_requests",
    ]

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
    slides = ["agenda", "exceptions"] + ids
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
        kind = slides[n - 1]
        body = ""
        if kind == "agenda":
            card = cached_scorecard(db, version, area, None, None, mtime)
            card = card[card["indicator_id"].isin(ids)] if not card.empty else card
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td>{html.escape(r.value_text)}</td><td>{scorecard.rag_badge_html(r.status)}</td>"
                f"<td>{html.escape(r.direction_prev_text)}</td></tr>"
                for r in card.itertuples()
            )
            body = (
                f"<h1>Agenda: SEND scorecard — {html.escape(names[area])}</h1><div class='sub'>Latest figures held</div>"
                f"<table><thead><tr><th>Indicator</th><th>Latest</th><th>RAG</th><th>vs previous</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        elif kind == "exceptions":
            ex = cached_exceptions(db, version, area, tuple(ids), mtime)
            rows = "".join(
                f"<tr><td>{html.escape(r.indicator)}</td><td>{html.escape(r.reasons)}</td><td>{scorecard.rag_badge_html(r.status)}</td>"
                f"<td>{commentary.to_html(r.actions) or 'No commentary yet'}</td></tr>"
                for r in ex.head(6).itertuples()
            )
            more = f"<p>…and {len(ex) - 6} more on the Exceptions page.</p>" if len(ex) > 6 else ""
            body = "<h1>Exceptions: red, worsening or overdue</h1><div class='sub'>Worst first</div>" + (
                f"<table><thead><tr><th>Indicator</th><th>Why</th><th>RAG</th><th>What we are doing</th></tr></thead><tbody>{rows}</tbody></table>{more}"
                if len(ex)
                else "<p>No indicator is red, worse than last period or overdue.</p>"
            )
        else:
            ind = cfg.by_id[kind]
            df = cached_series(db, version, ind.id, area, mtime)
            if df.empty:
                body = f"<h1>{html.escape(ind.name)}</h1><p>There are no figures for {html.escape(names[area])}.</p>"
            else:
                head = scorecard.headline(ind, df)
                body = (
                    f"<h1>{html.escape(ind.name)}</h1><div class='sub'>{html.escape(names[area])} · {html.escape(head['period_display'])}</div>"
                    f"<div class='big'>{html.escape(head['value_text'])}</div>"
                    f"<dl class='facts'><dt>RAG</dt><dd>{scorecard.rag_badge_html(head['status'])}</dd>"
                    f"<dt>Target</dt><dd>{html.escape(head['target_text'])}</dd>"
                    f"<dt>Direction</dt><dd>{html.escape(head['direction_text'])}</dd></dl>"
                )
        st.html(f"<div class='slide' data-slide='{n}' data-kind='{html.escape(kind)}'>{body}</div>")
        if kind not in ("agenda", "exceptions") and not cached_series(db, version, kind, area, mtime).empty:
            ind = cfg.by_id[kind]
            left, right = st.columns([3, 2])
            with left:
                st.plotly_chart(
                    charts.indicator_chart(
                        ind, cached_series(db, version, kind, area, mtime), names[area], height=520, font_size=22
                    ),
                    width="stretch",
                    theme=None,
                    config={"displayModeBar": False},
                )
            with right:
                note = cached_note(db, version, kind, area)
                st.html(
                    "<div class='slide'>"
                    + (commentary.block_html(note) or "<p>No commentary has been written yet.</p>")
                    + "</div>"
                )

        # Warm the next slide's figures so the switch only has to draw.
        if n < total and slides[n] == "exceptions":
            cached_exceptions(db, version, area, tuple(ids), mtime)
        elif n < total and slides[n] != "agenda":
            cached_series(db, version, slides[n], area, mtime)
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
