"""SEND performance dashboard: page config, theme and navigation; nothing else."""
# Page files end in _page so that Streamlit's automatic pages/ discovery never takes a deep link such as
# /indicator away from st.navigation (a file named indicator.py would be run directly, without app.py).
from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="SEND performance dashboard", page_icon=":material/monitoring:", layout="wide")

pages = [
    st.Page(PAGES / "scorecard_page.py", title="Scorecard", icon=":material/table_chart:", url_path="scorecard", default=True),
    st.Page(PAGES / "indicator_page.py", title="Indicator", icon=":material/show_chart:", url_path="indicator"),
    st.Page(PAGES / "exceptions_page.py", title="Exceptions", icon=":material/priority_high:", url_path="exceptions"),
    st.Page(PAGES / "present_page.py", title="Presentation mode", icon=":material/slideshow:", url_path="present"),
    st.Page(PAGES / "pack_page.py", title="Board pack", icon=":material/picture_as_pdf:", url_path="pack"),
    st.Page(PAGES / "upload_page.py", title="Upload figures", icon=":material/upload_file:", url_path="upload"),
    st.Page(PAGES / "history_page.py", title="Upload history", icon=":material/history:", url_path="history"),
    st.Page(PAGES / "about_page.py", title="About the indicators", icon=":material/info:", url_path="about"),
]
st.navigation(pages).run()
