"""Scorecard: every indicator's latest value, RAG, target, direction of travel and trend for one area."""
import streamlit as st

from pages.common import ILLUSTRATIVE_NOTE, area_picker, cache_key, cached_scorecard, get_config, get_cursor
from indicators import scorecard

cfg = get_config()
cur = get_cursor(cfg)
area, area_name = area_picker(cur, cfg)

strategies = sorted({i.strategy_area for i in cfg.indicators if i.strategy_area})
inspections = sorted({i.inspection_area for i in cfg.indicators if i.inspection_area})
strategy = st.sidebar.selectbox("Strategy area", ["All"] + strategies, key="strategy")
inspection = st.sidebar.selectbox("Inspection area for improvement", ["All"] + inspections, key="inspection")

st.title(f"SEND scorecard — {area_name}")
db, version, mtime = cache_key(cur)
df = cached_scorecard(db, version, area, None if strategy == "All" else strategy,
                      None if inspection == "All" else inspection, mtime)

if df.empty:
    st.info(f"No indicator has figures for {area_name} with these filters. Choose another area or set the filters to All.")
    st.stop()

counts = df["status"].value_counts()
cols = st.columns(4)
for col, (status, word) in zip(cols, [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("no_target", "No target")]):
    col.metric(word, int(counts.get(status, 0)), border=True)

st.html(scorecard.scorecard_html(df, area))
st.caption(ILLUSTRATIVE_NOTE + " RAG is shown as a word and a symbol as well as a colour: ✔ Green, ▲ Amber, ✖ Red, ○ No target.")

missing = [i.name for i in cfg.indicators if i.id not in set(df["indicator_id"])
           and (strategy == "All" or i.strategy_area == strategy) and (inspection == "All" or i.inspection_area == inspection)]
if missing:
    with st.expander(f"{len(missing)} indicator(s) have no figures for {area_name}"):
        st.write("\n".join(f"- {name}" for name in missing))

export = df[["indicator_id", "indicator", "period", "value", "value_text", "target_text", "status",
             "direction_prev", "direction_year", "figure_type", "source"]]
st.download_button("Download the scorecard (CSV)", export.to_csv(index=False), file_name=f"scorecard-{area}.csv",
                   mime="text/csv", icon=":material/download:")
