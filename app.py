"""SEND performance dashboard: page config, theme and navigation; nothing else."""
# Page files end in _page so that Streamlit's automatic pages/ discovery never takes a deep link such as
# /indicator away from st.navigation (a file named indicator.py would be run directly, without app.py).
from pathlib import Path

import streamlit as st

from pages.common import get_access, get_config

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="SEND performance dashboard", page_icon=":material/monitoring:", layout="wide")

get_config()  # a broken indicators file stops here with every problem listed
who = get_access()
pages = [
    st.Page(PAGES / "scorecard_page.py", title="Scorecard", icon=":material/table_chart:", url_path="scorecard", default=True),
    st.Page(PAGES / "indicator_page.py", title="Indicator", icon=":material/show_chart:", url_path="indicator"),
    st.Page(PAGES / "exceptions_page.py", title="Exceptions", icon=":material/priority_high:", url_path="exceptions"),
    st.Page(PAGES / "present_page.py", title="Presentation mode", icon=":material/slideshow:", url_path="present"),
    st.Page(PAGES / "pack_page.py", title="Board pack", icon=":material/picture_as_pdf:", url_path="pack"),
    st.Page(PAGES / "about_page.py", title="About the indicators", icon=":material/info:", url_path="about"),
]
# Pages a person may not use are not offered; each also checks for itself, in case its URL is typed in.
if who.can_upload:
    pages.insert(-1, st.Page(PAGES / "upload_page.py", title="Upload figures", icon=":material/upload_file:", url_path="upload"))
if who.admin:
    pages.insert(-1, st.Page(PAGES / "history_page.py", title="Upload history", icon=":material/history:", url_path="history"))
if who.local:
    st.sidebar.info("**Local mode**: no sign-in is set up, so whoever uses this computer may change figures. "
                    "The dashboard listens on this computer only.", icon=":material/computer:")
else:
    st.sidebar.caption(f"Signed in as {who.user}")
    st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
st.navigation(pages).run()
