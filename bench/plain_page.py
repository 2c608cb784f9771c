"""The comparison for the first page's cold start: the page a person would write with plain pandas in st.cache_data,
over the same store (KPI_DB) — every figure read into one frame, each indicator's latest value for the default area
shown as a table. No gate, no config file, no RAG, no sparklines: a floor, not a rival."""

import os

import duckdb
import pandas as pd
import streamlit as st

DB = os.environ["KPI_DB"]
AREA = os.environ.get("KPI_PLAIN_AREA", "E06900000")


@st.cache_data
def observations(path: str) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as conn:
        return conn.execute("SELECT indicator_id, area_code, period, period_start, value FROM observations").df()


st.title("Plain scorecard")
df = observations(DB)
area = df[df["area_code"] == AREA].sort_values("period_start")
latest = area.groupby("indicator_id").tail(1).set_index("indicator_id")[["period", "value"]]
st.dataframe(latest)
