"""Indicator: one indicator's trend for one area, with target, RAG bands, published markers and the data."""

import pandas as pd
import streamlit as st

from indicators import benchmarks, commentary, rag, scorecard, spc, store, tables, uploads
from indicators.about import target_text
from indicators.access import Forbidden
from pages.common import (
    ILLUSTRATIVE_NOTE,
    area_picker,
    cache_key,
    cached_insight,
    cached_series,
    get_access,
    get_config,
    get_cursor,
    plain,
    require,
    run_page,
)


def indicator_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "see the indicators")
    cur = get_cursor(cfg)
    ids = [i.id for i in cfg.indicators]
    if "indicator" not in st.session_state:
        wanted = st.query_params.get("indicator")
        st.session_state["indicator"] = wanted if wanted in ids else st.session_state.get("_indicator", ids[0])
    indicator_id = st.sidebar.selectbox(
        "Indicator", ids, key="indicator", format_func=lambda i: cfg.by_id[i].name
    )  # options are shown as text
    st.session_state["_indicator"] = indicator_id
    area, area_name = area_picker(cur, cfg)
    st.query_params["indicator"] = indicator_id
    ind = cfg.by_id[indicator_id]

    st.title(plain(ind.name))
    st.caption(f"{plain(area_name)} · reported by {ind.type_name} · id `{ind.id}`")

    db, version, mtime = cache_key(cur)
    df = cached_series(db, version, ind.id, area, mtime)
    if df.empty:
        have = store.areas_with_data(cur, ind.id)
        names = dict(zip(store.areas(cur)["code"], store.areas(cur)["name"]))
        where = ", ".join(names.get(c, c) for c in have) or "no area yet"
        st.info(f"There are no figures for {plain(ind.name)} in {plain(area_name)}. Figures are held for: {plain(where)}.")
        st.stop()

    head = scorecard.headline(ind, df)
    st.html(scorecard.headline_html(head))
    if head["figure_type"] == "published":
        st.success(f"The latest figure is a published figure — source: {plain(head['source'])}", icon=":material/verified:")

    comps, reading, trend_fig, spc_fig = cached_insight(db, version, ind.id, area, area_name, mtime)
    if reading is not None:
        icons = benchmarks.icon_img(spc.variation_icon_svg(reading.variation_icon), reading.variation_text, 40)
        if reading.assurance:
            icons += benchmarks.icon_img(spc.assurance_icon_svg(reading.assurance), reading.assurance_text, 40)
        st.html(
            f"<div style='display:flex;gap:12px;align-items:center'>{icons}<span>{reading.variation_text}"
            f"{'; ' + reading.assurance_text if reading.assurance_text else ''}.</span></div>"
        )

    trend, spc_tab = st.tabs(
        ["Trend against target" + (" and comparators" if comps else ""), "SPC: is this real change? (Making Data Count)"]
    )
    with trend:
        st.plotly_chart(trend_fig, width="stretch", config={"displaylogo": False}, key="trend_chart")
        st.caption(ILLUSTRATIVE_NOTE)
    with spc_tab:
        if reading is None:
            st.info(
                f"An SPC chart needs at least 12 figures; {plain(area_name)} has {int(df['value'].notna().sum())} for this indicator."
            )
        else:
            st.plotly_chart(spc_fig, width="stretch", config={"displaylogo": False}, key="spc_chart")
            seg = pd.DataFrame(
                [
                    {
                        "From": x.start,
                        "To": x.end,
                        "Mean": round(x.mean, 2),
                        "Lower process limit": round(x.lpl, 2),
                        "Upper process limit": round(x.upl, 2),
                    }
                    for x in reading.segments
                ]
            )
            st.dataframe(seg, hide_index=True, width="stretch")
            st.caption(
                f"Centre line at the mean; process limits at the mean ± 2.66 × the mean moving range. Special cause: a point "
                f"beyond a limit, a run of {reading.settings.run_length} on one side of the mean, a trend of "
                f"{reading.settings.trend_length}, or two of three points near a limit. "
                + (f"Rebased at {', '.join(reading.rebase_at)}." if reading.rebase_at else "")
            )

    st.header("Commentary")
    latest_period = df.iloc[-1]["period"]
    versions = store.commentary_versions(cur, ind.id, area)
    current = commentary.latest_for(versions, ind.id, latest_period)
    if current is not None:
        st.html(commentary.block_html(current))
    elif not versions.empty:
        st.write(f"No commentary for {df.iloc[-1]['period_display']} yet; the latest is for an earlier period:")
        st.html(commentary.block_html(commentary.latest_for(versions, ind.id)))
    else:
        st.write("No commentary has been written yet.")
    if who.may_upload(ind.id):
        with st.expander(f"Write commentary for {df.iloc[-1]['period_display']}", icon=":material/edit:"):
            with st.form("commentary_form", clear_on_submit=False):
                shows = st.text_area(
                    "What the data shows",
                    value=current["data_shows"] if current is not None else "",
                    max_chars=store.COMMENTARY_MAX_CHARS,
                )
                actions = st.text_area(
                    "What we are doing about it (actions)",
                    value=current["actions"] if current is not None else "",
                    max_chars=store.COMMENTARY_MAX_CHARS,
                )
                review = st.date_input("Next review", value=None, format="DD/MM/YYYY")
                st.caption("Plain text or Markdown (bold, lists, links). HTML is shown as text. Earlier versions are kept.")
                if st.form_submit_button("Save commentary", type="primary"):
                    try:
                        uploads.save_commentary(cur, who, ind.id, area, latest_period, shows, actions, review)
                        st.success("Saved. Earlier versions are kept below.")
                        st.rerun()
                    except (store.StoreError, Forbidden) as e:
                        st.error(str(e))
    if len(versions) > 1:
        with st.expander(f"Earlier versions ({len(versions) - 1})"):
            for row in versions.iloc[1:].itertuples():
                st.html(f"<p><strong>{row.period}</strong></p>" + commentary.block_html(versions.loc[row.Index]))

    with st.expander("Definition, target and RAG rule", expanded=False):
        st.text(
            f"Definition: {ind.definition}\nTarget: {target_text(ind)}\nRAG rule: {rag.rule_text(ind)}\n"
            f"Owner: {ind.owner}\nData source: {ind.source}"
        )

    st.header("The figures")  # h2 under the page's h1: screen readers navigate by heading level
    table = df[
        ["period_display", "value_text", "numerator", "denominator", "target", "rag_text", "figure_type", "source", "note"]
    ]
    st.dataframe(
        table.rename(
            columns={
                "period_display": "Period",
                "value_text": "Value",
                "numerator": "Numerator",
                "denominator": "Denominator",
                "target": "Target",
                "rag_text": "RAG",
                "figure_type": "Figure type",
                "source": "Source",
                "note": "Note",
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="–",
        alt=f"{ind.name}, {area_name}: every period's figure",
    )
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download this series (CSV)",
        scorecard.series_csv(df),
        file_name=f"{ind.id}-{area}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    # Built only when clicked (a callable), so the workbook is not written on every rerun.
    c2.download_button(
        "Download this series (Excel)",
        lambda: tables.to_xlsx(
            df.drop(columns=["period_start", "period_end"]).assign(
                period_start=df["period_start"].astype(str), period_end=df["period_end"].astype(str)
            ),
            ind.id,
        ),
        file_name=f"{ind.id}-{area}.xlsx",
        icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


if __name__ == "__main__":
    run_page(indicator_page)
