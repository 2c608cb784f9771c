"""Exceptions: indicators that are red, have moved down a RAG band, or show special-cause concern, worst first, with
commentary. Overdue figures are summarised once at the top and listed, not mixed in with performance."""

import streamlit as st

from indicators import exceptions, markup, tables
from pages.common import (
    area_page,
    figures_for,
    page_title,
    plain,
    provenance,
    run_page,
    stop,
)


def exceptions_page() -> None:
    cfg, who, cur, area, area_name = area_page("see the exceptions")
    page_title("Exceptions", area_name)

    st.title(f"Exceptions — {plain(area_name)}")
    af = figures_for(cur, area)
    provenance(af)
    st.write(
        "Indicators that are **red**, have **moved down a RAG band** since the period before, or show a **special "
        "cause of concern** on their SPC chart, worst first, each with what the service says it is doing about it."
    )
    ex = exceptions.exception_report(af)
    if ex.empty:
        st.success("No indicator is red, worse than the period before or showing special-cause concern.")
        stop()
    st.html(markup.exceptions_html(ex, area))
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download the exceptions (CSV)",
        tables.to_csv(ex.drop(columns=["severity"])),
        file_name=f"exceptions-{area}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    c2.download_button(
        "Download the exceptions (Excel)",
        lambda: tables.to_xlsx(ex.drop(columns=["severity"]), "exceptions"),
        file_name=f"exceptions-{area}.xlsx",
        icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


if __name__ == "__main__":
    run_page(exceptions_page)
