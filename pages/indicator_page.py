"""Indicator: one indicator's trend for one area, with target, RAG bands, published markers and the data."""
import streamlit as st

from pages.common import ILLUSTRATIVE_NOTE, area_picker, cache_key, cached_series, get_config, get_cursor
from indicators import charts, rag, scorecard, store
from indicators.about import target_text

cfg = get_config()
cur = get_cursor(cfg)
ids = [i.id for i in cfg.indicators]
if "indicator" not in st.session_state:
    wanted = st.query_params.get("indicator")
    st.session_state["indicator"] = wanted if wanted in ids else st.session_state.get("_indicator", ids[0])
indicator_id = st.sidebar.selectbox("Indicator", ids, key="indicator", format_func=lambda i: cfg.by_id[i].name)
st.session_state["_indicator"] = indicator_id
area, area_name = area_picker(cur, cfg)
st.query_params["indicator"] = indicator_id
ind = cfg.by_id[indicator_id]

st.title(ind.name)
st.caption(f"{area_name} · reported by {ind.type_name} · id `{ind.id}`")

db, version, mtime = cache_key(cur)
df = cached_series(db, version, ind.id, area, mtime)
if df.empty:
    have = store.areas_with_data(cur, ind.id)
    names = dict(zip(store.areas(cur)["code"], store.areas(cur)["name"]))
    where = ", ".join(names.get(c, c) for c in have) or "no area yet"
    st.info(f"There are no figures for {ind.name} in {area_name}. Figures are held for: {where}.")
    st.stop()

head = scorecard.headline(ind, df)
st.html(scorecard.headline_html(head))
if head["figure_type"] == "published":
    st.success(f"The latest figure is a published figure — source: {head['source']}", icon=":material/verified:")

st.plotly_chart(charts.indicator_chart(ind, df, area_name), width="stretch", config={"displaylogo": False})
st.caption(ILLUSTRATIVE_NOTE)

with st.expander("Definition, target and RAG rule", expanded=False):
    st.text(f"Definition: {ind.definition}\nTarget: {target_text(ind)}\nRAG rule: {rag.rule_text(ind)}\n"
            f"Owner: {ind.owner}\nData source: {ind.source}")

st.header("The figures")  # h2 under the page's h1: screen readers navigate by heading level
table = df[["period_display", "value_text", "numerator", "denominator", "target", "rag_text", "figure_type", "source", "note"]]
st.dataframe(
    table.rename(columns={"period_display": "Period", "value_text": "Value", "numerator": "Numerator",
                          "denominator": "Denominator", "target": "Target", "rag_text": "RAG",
                          "figure_type": "Figure type", "source": "Source", "note": "Note"}),
    hide_index=True, width="stretch", placeholder="–", alt=f"{ind.name}, {area_name}: every period's figure")
st.download_button("Download this series (CSV)", scorecard.series_csv(df), file_name=f"{ind.id}-{area}.csv",
                   mime="text/csv", icon=":material/download:")
