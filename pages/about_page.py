"""About the indicators: each indicator's definition, target, RAG rule, owner and source, from the YAML."""
import streamlit as st

from pages.common import get_config
from indicators.about import about_html

cfg = get_config()
st.title("About the indicators")
st.write(
    "Each indicator below is defined in the indicators file (`config/indicators.yaml`). "
    "The id is what upload files and links use."
)
st.html(about_html(cfg))
