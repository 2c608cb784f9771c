"""About the indicators: each indicator's definition, target, RAG rule, owner and source, from the YAML."""

import streamlit as st

from indicators.about import about_html
from pages.common import get_access, get_config, page_css, require, run_page


def about_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "see the indicators' definitions")
    st.title("About the indicators")
    st.write(
        "Each indicator below is defined in the indicators file (`config/indicators.yaml`). "
        "Each ends with its id, which upload files and links use."
    )
    st.html(page_css("about_page.css") + about_html(cfg))


if __name__ == "__main__":
    run_page(about_page)
