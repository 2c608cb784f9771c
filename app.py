"""SEND performance dashboard: page config, the gate (pages.common.get_access), `st.navigation`; nothing else."""

# Every file in pages/ only defines its page and, when Streamlit runs it by itself (the legacy pages/ discovery that
# runs until st.navigation has run once in the process), hands over to this file: no page is drawn without the gate.
# Page files end in _page so that a deep link such as /indicator is never taken by a file named indicator.py.
from pathlib import Path

import streamlit as st

from pages.common import get_access, get_config, local_mode_sidebar, opened_by_app

PAGES = Path(__file__).resolve().parent / "pages"


def page(file: str, *, title: str, icon: str, url_path: str, default: bool = False, hidden: bool = False) -> list:
    """The page at /url_path, and (hidden) at its file's name: an address such as /scorecard_page, which Streamlit's
    legacy discovery answers on a fresh server, then opens the same page through the gate, not "Page not found".
    The default page lives at / (Streamlit gives it no other address), so /url_path is a hidden one too."""
    aliases = [Path(file).stem] + ([url_path] if default else [])
    return [
        st.Page(
            PAGES / file,
            title=title,
            icon=icon,
            url_path="" if default else url_path,
            default=default,
            visibility="hidden" if hidden else "visible",
        ),
        *[st.Page(PAGES / file, title=title, icon=icon, url_path=h, visibility="hidden") for h in aliases],
    ]


def main() -> None:
    st.set_page_config(page_title="SEND performance dashboard", page_icon=":material/monitoring:", layout="wide")

    who = get_access()  # signs people in; stops with only a message when sign-in is missing, wrong or refused
    get_config()  # a broken indicators file stops here with every problem listed
    # Every page listed (expanded): past ten pages Streamlit would otherwise fold the rest under "View more", and a
    # person would not see Upload, Returns or About at all. Grouped here in the order a person works through them; the
    # navigation itself is one flat list, since Streamlit's section headings sit inside its <ul> (axe: list, serious).
    sections = {
        "Figures": [
            *page("scorecard_page.py", title="Scorecard", icon=":material/table_chart:", url_path="scorecard", default=True),
            *page("indicator_page.py", title="Indicator", icon=":material/show_chart:", url_path="indicator"),
            *page("exceptions_page.py", title="Exceptions", icon=":material/priority_high:", url_path="exceptions"),
            *page("compare_page.py", title="Compare areas", icon=":material/leaderboard:", url_path="compare"),
            *page("providers_page.py", title="Provider scorecard", icon=":material/handshake:", url_path="providers"),
        ],
        "Plan and board": [
            *page("plan_page.py", title="Improvement plan", icon=":material/flag:", url_path="plan"),
            # One action of the plan, reached from the plan and indicator pages (?action=REF&area=CODE).
            *page("action_page.py", title="Action", icon=":material/task_alt:", url_path="action", hidden=True),
            *page("present_page.py", title="Presentation mode", icon=":material/slideshow:", url_path="present"),
            *page("pack_page.py", title="Board pack", icon=":material/picture_as_pdf:", url_path="pack"),
        ],
        "Returns": [],
        "About": [],
    }
    # Pages a person may not use are not offered; each also checks for itself, in case its URL is typed in.
    if who.can_upload:
        sections["Returns"] += page("upload_page.py", title="Upload figures", icon=":material/upload_file:", url_path="upload")
    if who.admin:
        sections["Returns"] += page("history_page.py", title="Upload history", icon=":material/history:", url_path="history")
    elif who.can_upload:
        sections["Returns"] += page("history_page.py", title="My uploads", icon=":material/history:", url_path="history")
    if who.can_upload:
        sections["Returns"] += page("returns_page.py", title="Returns", icon=":material/assignment:", url_path="returns")
    about = sections["About"]
    about += page("about_page.py", title="About the indicators", icon=":material/info:", url_path="about")
    about += page("statement_page.py", title="Accessibility statement", icon=":material/accessibility:", url_path="statement")
    local_mode_sidebar(who)
    chosen = st.navigation([p for group in sections.values() for p in group], expanded=True)
    # Each page's own title in the browser tab (WCAG 2.4.2); pages that show an area or indicator name it too.
    st.set_page_config(page_title=f"{chosen.title} – SEND performance dashboard")
    with opened_by_app():
        chosen.run()


# Streamlit runs this file as __main__. A worker process that checks a large upload is started by multiprocessing,
# which imports the running script again as __mp_main__: there, nothing may be drawn or asked.
if __name__ == "__main__":
    main()
