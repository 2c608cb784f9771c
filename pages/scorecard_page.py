"""Scorecard: every indicator's latest value, RAG, target, direction of travel and trend for one area."""

import streamlit as st

from indicators import markup, scorecard_view
from pages.common import ILLUSTRATIVE_NOTE, area_page, figures_for, page_title, plain, provenance, run_page, stop, table_downloads


def scorecard_page() -> None:
    cfg, who, cur, area, area_name = area_page("see the scorecard")
    page_title("Scorecard", area_name)

    strategies = sorted({i.strategy_area for i in cfg.indicators if i.strategy_area})
    inspections = sorted({i.inspection_area for i in cfg.indicators if i.inspection_area})
    strategy = st.sidebar.selectbox("Strategy area", ["All"] + strategies, key="strategy")
    inspection = st.sidebar.selectbox("Inspection area for improvement", ["All"] + inspections, key="inspection")
    sort = st.sidebar.selectbox("Sort by", list(scorecard_view.SORTS), key="sort")
    show = st.sidebar.multiselect("Show only", list(scorecard_view.SHOW_ONLY), key="show_only", placeholder="Everything")

    st.title(f"SEND scorecard — {plain(area_name)}")
    af = figures_for(cur, area)
    provenance(af)
    in_areas, df, missing = scorecard_view.view(
        af, None if strategy == "All" else strategy, None if inspection == "All" else inspection, show, sort
    )
    if in_areas.empty:
        st.info(
            f"No indicator has figures for {plain(area_name)} with these filters. Choose another area or set the filters to All."
        )
        stop()
    if df.empty:
        st.info("No indicator matches the chosen filters.")
        stop()

    counts = df["status"].value_counts()
    cols = st.columns(4)
    for col, (status, word) in zip(cols, [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("no_target", "No target")]):
        col.metric(word, int(counts.get(status, 0)), border=True)

    st.html(markup.scorecard_html(df, area))
    st.caption(
        ILLUSTRATIVE_NOTE + " RAG is shown as a word and a symbol as well as a colour: ✔ Green, ▲ Amber, ✖ Red, ○ No target. "
        "SPC icons follow NHS England's Making Data Count: variation (is this real change?) and assurance (will the "
        "target be met?); hover or read them aloud for their meaning."
    )

    if missing:
        with st.expander(f"{len(missing)} indicator(s) have no figures for {plain(area_name)}"):
            st.write("\n".join(f"- {plain(name)}" for name in missing))

    export = df[
        [
            "indicator_id",
            "indicator",
            "period",
            "value",
            "value_text",
            "target_text",
            "threshold_text",
            "status",
            "direction_prev",
            "direction_year",
            "variation",
            "assurance",
            "comparison_indicator",
            "comparison_period",
            "england_text",
            "vs_england_text",
            "quartile_text",
            "due_status",
            "figure_type",
            "source",
        ]
    ]
    table_downloads("the scorecard", export, f"scorecard-{area}", "scorecard")


if __name__ == "__main__":
    run_page(scorecard_page)
