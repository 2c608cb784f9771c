"""Shim for deep links in a freshly started server: Streamlit's legacy pages/ discovery runs a file whose name
matches the URL (/indicator → pages/indicator.py) until app.py has run once in the process, so this file hands
over to app.py, whose st.navigation then opens the real page."""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"), run_name="__main__")
