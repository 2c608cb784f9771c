"""Exceptions: indicators that are red, have moved down a RAG band, or show special-cause concern, worst first, with
commentary. Overdue figures are summarised once at the top and listed, not mixed in with performance."""

import streamlit as st

from indicators import exceptions, markup
from pages.common import area_page, run_page, stop, table_downloads, titled_figures


def exceptions_page() -> None:
    cfg, who, cur, area, area_name = area_page("see the exceptions")
    af = titled_figures("Exceptions", cur, area, area_name)
    st.write(
        "Indicators that are **red**, have **moved down a RAG band** since the period before, or show a **special "
        "cause of concern** on their SPC chart, worst first, each with what the service says it is doing about it."
    )
    ex = exceptions.exception_report(af)
    if ex.empty:
        st.success("No indicator is red, worse than the period before or showing special-cause concern.")
        stop()
    st.html(markup.exceptions_html(ex, area))
    table_downloads("the exceptions", ex.drop(columns=["severity"]), f"exceptions-{area}", "exceptions")


if __name__ == "__main__":
    run_page(exceptions_page)
