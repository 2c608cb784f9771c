"""Shim for deep links on a freshly started server: Streamlit's legacy pages/ discovery runs a file whose name matches
the URL (/plan → pages/plan.py) until st.navigation has run once in the process. This file draws nothing itself: it
hands over to app.py, whose gate (sign-in, access) and navigation then open the real page."""

from pages.common import hand_over

if __name__ == "__main__":
    hand_over()
