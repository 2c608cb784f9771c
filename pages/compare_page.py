"""Compare areas: every local authority ranked on one official indicator for one year, as LAIT does, with the chosen
area, its region and its statistical neighbours marked and the quartile bands drawn; area, indicator and year in
the URL so a link opens the same view."""

import streamlit as st

from indicators import league, tables
from pages.common import area_page, cache_key, chart, charts_league, figures_for, page_title, plain, provenance, run_page, stop


def compare_page() -> None:
    cfg, who, cur, area, area_name = area_page("compare areas")
    official = [i.id for i in cfg.indicators if i.kind == "official" and i.polarity != "neutral"]
    if not official:
        st.info("No official indicator is configured (kind: official in config/indicators.yaml), so there is nothing to rank.")
        stop()
    qp = st.query_params
    if "compare_indicator" not in st.session_state:
        st.session_state["compare_indicator"] = qp.get("indicator") if qp.get("indicator") in official else official[0]
    indicator_id = st.sidebar.selectbox("Indicator", official, key="compare_indicator", format_func=lambda i: cfg.by_id[i].name)
    ind = cfg.by_id[indicator_id]
    years = league.league_periods(cur, indicator_id)
    page_title(f"Compare areas: {ind.name}", area_name)
    st.title(f"Compare areas — {plain(ind.name)}")
    if not years:
        st.info(
            f"No local authority has a figure for {plain(ind.name)} yet. An administrator loads them from the DfE's release on the Upload page."
        )
        stop()
    if st.session_state.get("compare_period") not in years:
        st.session_state["compare_period"] = qp.get("period") if qp.get("period") in years else years[0]
    period = st.sidebar.selectbox("Year", years, key="compare_period")
    st.query_params.update({"indicator": indicator_id, "period": period, "area": area})

    af = figures_for(cur, area)
    provenance(af, [indicator_id])
    db, version, mtime = cache_key(cur)
    fig, table, summary = charts_league(db, version, indicator_id, period, area, mtime)
    name = f"Chart: {ind.name}, every local authority ranked, {period}, {area_name} marked"
    chart("league_chart", fig, name, summary, table)
    st.caption(
        "Bars are ordered best first through the indicator's polarity; equal figures share a rank. Shaded bands are the "
        "quartiles among local authorities with a figure. Statistical neighbours are the DfE's model as published for "
        f"LAIT. Source: {plain(ind.source)}."
    )
    st.header("Every local authority")
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        "Download the ranking (CSV)",
        tables.to_csv(table),
        file_name=f"compare-{indicator_id}-{period}.csv",
        mime="text/csv",
        icon=":material/download:",
    )


if __name__ == "__main__":
    run_page(compare_page)
